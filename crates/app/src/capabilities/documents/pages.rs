//! Documents on pages: the section other capabilities embed for a record, the upload form's
//! target (multipart/form-data, so it works without JavaScript), downloads and withdrawals.

use crate::capabilities::documents::api::download;
use crate::capabilities::documents::domain::{
    Document, DocumentInput, DocumentStatus, MAX_DOCUMENT_BYTES, MediaType, human_size,
};
use crate::capabilities::documents::usecases::Target;
use crate::platform::web::error::ApiError;
use crate::platform::web::pages::layout::when;
use crate::platform::web::pages::{PageAuth, PageError, PageForm, PageResult, see_other};
use crate::platform::web::state::AppState;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use catalyst_core::time::TimeZoneName;
use maud::{Markup, html};
use serde::Deserialize;

/// The largest upload form accepted: the document and its few text fields.
const FORM_LIMIT: usize = MAX_DOCUMENT_BYTES + 1024 * 1024;

pub(crate) fn routes(router: Router<AppState>) -> Router<AppState> {
    router
        .route("/documents", post(attach).layer(DefaultBodyLimit::max(FORM_LIMIT)))
        .route("/documents/{document_id}/download", get(download_page))
        .route("/documents/{document_id}/withdraw", post(withdraw))
}

/// Where a form returns to: a path on this server, never another site.
fn back_to(back: &str) -> String {
    let local = back.starts_with('/') && !back.starts_with("//") && !back.contains('\\') && !back.chars().any(char::is_control);
    if local { back.split(['?', '#']).next().unwrap_or("/").to_owned() } else { "/".to_owned() }
}

/// The documents of one record, as another page shows them.
pub(crate) fn section(
    target: Target<'_>,
    site_id: &str,
    heading: &str,
    back: &str,
    documents: &[Document],
    may_attach: bool,
    zone: &TimeZoneName,
) -> Markup {
    let id = format!("documents-{}-{}", target.entity_kind, target.entity_id);
    let accept = MediaType::NAMES.join(",") + ",.pdf,.png,.jpg,.jpeg,.txt,.csv";
    html! {
        section.documents aria-labelledby=(id) {
            h3 id=(id) { (heading) }
            @if documents.is_empty() { p.muted { "No documents attached." } }
            @else {
                table {
                    thead { tr { th { "Title" } th { "File" } th.num { "Size" } th { "SHA-256" } th { "Uploaded" } th { "Status" } @if may_attach { th { "Withdraw" } } } }
                    tbody { @for d in documents {
                        tr {
                            td { (d.title) @if let Some(description) = &d.description { br; span.muted { (description) } } }
                            td { a href={"/documents/" (d.id) "/download"} download=(d.file_name) { (d.file_name) } br; span.muted { (d.media_type) } }
                            td.num { (human_size(d.size_bytes)) }
                            td { code title=(d.sha256) { (d.short_sha256()) "…" } }
                            td { (d.uploaded_by_name) br; span.muted { (when(d.uploaded_at, zone)) } }
                            td {
                                @if d.status == DocumentStatus::Withdrawn {
                                    span.badge.bad { "withdrawn" }
                                    @if let Some(reason) = &d.withdrawal_reason { br; span.muted { (reason) } }
                                } @else { span.badge.good { "active" } }
                            }
                            @if may_attach { td { @if d.status == DocumentStatus::Active {
                                form.inline method="post" action={"/documents/" (d.id) "/withdraw"} {
                                    input type="hidden" name="back" value=(back);
                                    input name="reason" required placeholder="reason" aria-label={"Reason for withdrawing " (d.file_name)};
                                    " " button.secondary type="submit" { "Withdraw" }
                                }
                            } } }
                        }
                    } }
                }
            }
            @if may_attach {
                // Folded: pages that list several records carry one of these per record.
                details { summary { "Attach a document" span.visually-hidden { " to " (heading) } }
                form method="post" action="/documents" enctype="multipart/form-data" {
                    input type="hidden" name="entity_kind" value=(target.entity_kind);
                    input type="hidden" name="entity_id" value=(target.entity_id);
                    input type="hidden" name="site_id" value=(site_id);
                    input type="hidden" name="back" value=(back);
                    label { "Title " input name="title" required maxlength="200"; }
                    label { "Description " input name="description" maxlength="2000"; }
                    label { "File (PDF, PNG, JPEG, text or CSV; at most " (human_size(MAX_DOCUMENT_BYTES as i64)) ") " input type="file" name="file" required accept=(accept); }
                    button type="submit" { "Attach document" }
                }
                }
            }
        }
    }
}

fn unreadable(e: axum::extract::multipart::MultipartError) -> PageError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        return ApiError::field("file", "max_size", format!("the file must be at most {} ({MAX_DOCUMENT_BYTES} bytes)", human_size(MAX_DOCUMENT_BYTES as i64))).into();
    }
    ApiError::request(e.status(), "unreadable-form", "The form could not be read", e.body_text()).into()
}

/// The upload form: the record, the title and description, and the file (its declared type is
/// the browser's, checked against the content).
pub async fn attach(State(state): State<AppState>, auth: PageAuth, mut form: Multipart) -> PageResult<Response> {
    let mut text = std::collections::HashMap::<String, String>::new();
    let mut file: Option<(String, String, Vec<u8>)> = None;
    while let Some(field) = form.next_field().await.map_err(unreadable)? {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "file" {
            let file_name = field.file_name().unwrap_or_default().to_owned();
            let media_type = field.content_type().unwrap_or_default().to_owned();
            let bytes = field.bytes().await.map_err(unreadable)?;
            file = Some((file_name, media_type, bytes.to_vec()));
        } else {
            text.insert(name, field.text().await.map_err(unreadable)?);
        }
    }
    let field = |name: &str| text.get(name).cloned().unwrap_or_default();
    let (file_name, media_type, bytes) = file.unwrap_or_default();
    let input = DocumentInput {
        title: field("title"),
        description: Some(field("description")),
        file_name,
        // A type chosen on the form wins over the browser's guess.
        media_type: text.get("media_type").filter(|m| !m.trim().is_empty()).cloned().unwrap_or(media_type),
    };
    let (kind, id, site) = (field("entity_kind"), field("entity_id"), field("site_id"));
    let target = Target { entity_kind: &kind, entity_id: &id, site_id: Some(site.as_str()) };
    state.app.attach_document(&auth.actor, target, &input, &bytes).await?;
    Ok(see_other(&back_to(&field("back")), "Document attached."))
}

/// A download, with the same headers as the API's.
pub async fn download_page(State(state): State<AppState>, auth: PageAuth, Path(id): Path<String>) -> PageResult<Response> {
    let (document, bytes) = state.app.document_content(&auth.actor, &id).await?;
    Ok(download(&document, bytes))
}

#[derive(Deserialize)]
pub struct WithdrawForm {
    reason: String,
    #[serde(default)]
    back: String,
}

pub async fn withdraw(
    State(state): State<AppState>,
    auth: PageAuth,
    Path(id): Path<String>,
    PageForm(f): PageForm<WithdrawForm>,
) -> PageResult<Response> {
    state.app.withdraw_document(&auth.actor, &id, &f.reason).await?;
    Ok(see_other(&back_to(&f.back), "Document withdrawn."))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_return_only_to_paths_on_this_server() {
        assert_eq!(back_to("/sites/abc/authorisations?saved=x"), "/sites/abc/authorisations");
        for outside in ["https://evil.example", "//evil.example/x", "/\\evil.example", "", "javascript:alert(1)", "/a\r\nb"] {
            assert_eq!(back_to(outside), "/", "{outside:?}");
        }
    }
}
