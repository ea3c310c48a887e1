//! The documents API: attach a document to a record (the raw bytes as the body, what it is in
//! the query), list a record's documents, read one, download its content, withdraw it.

use crate::capabilities::documents::domain::{Document, DocumentInput, MAX_DOCUMENT_BYTES, content_disposition, human_size};
use crate::capabilities::documents::usecases::Target;
use crate::platform::web::error::{ApiError, ApiResult};
use crate::platform::web::extract::{ApiJson, ApiQuery, Auth};
use crate::platform::web::state::AppState;
use crate::platform::web::views::ReasonBody;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, FromRequest, Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The largest attach request accepted: a little over the largest document, so that one just
/// too large is refused by the rule that names the limit.
const BODY_LIMIT: usize = MAX_DOCUMENT_BYTES + 1024 * 1024;

pub(crate) fn routes(router: OpenApiRouter<AppState>) -> OpenApiRouter<AppState> {
    let uploads = OpenApiRouter::new().routes(routes!(list, attach)).layer(DefaultBodyLimit::max(BODY_LIMIT));
    router.merge(uploads).routes(routes!(show)).routes(routes!(content)).routes(routes!(withdraw))
}

/// A file's bytes, as the OpenAPI document describes them (a binary string).
#[derive(ToSchema)]
#[schema(value_type = String, format = Binary)]
pub struct FileBytes(#[allow(dead_code)] Vec<u8>);

/// The document's bytes, as read.
pub struct DocumentBody(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for DocumentBody {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        Bytes::from_request(req, state).await.map(DocumentBody).map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::Request {
                    status: StatusCode::PAYLOAD_TOO_LARGE,
                    slug: "too-large",
                    title: "Request body too large",
                    detail: format!("the file must be at most {} ({MAX_DOCUMENT_BYTES} bytes)", human_size(MAX_DOCUMENT_BYTES as i64)),
                    errors: vec![crate::platform::web::error::FieldError {
                        field: "file".to_owned(),
                        rule: "max_size".to_owned(),
                        message: format!("the file must be at most {MAX_DOCUMENT_BYTES} bytes"),
                    }],
                }
            } else {
                ApiError::request(StatusCode::BAD_REQUEST, "unreadable-body", "Unreadable body", rejection.body_text())
            }
        })
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// The site the documents are filed under, for records that are not one site's (a
    /// therapist's credential); ignored for the others.
    #[serde(default)]
    pub site_id: Option<String>,
}

/// The documents attached to a record, oldest first (withdrawn ones included, marked so).
#[utoipa::path(get, path = "/api/v1/records/{entity_kind}/{entity_id}/documents", tag = "documents", security(("bearer" = [])),
    params(("entity_kind" = String, Path, description = "authorisation, staff_credential or participant"), ("entity_id" = String, Path), ListQuery),
    responses((status = 200, body = [Object])))]
pub async fn list(
    State(state): State<AppState>,
    auth: Auth,
    Path((entity_kind, entity_id)): Path<(String, String)>,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<Json<Vec<Document>>> {
    let target = Target { entity_kind: &entity_kind, entity_id: &entity_id, site_id: q.site_id.as_deref() };
    Ok(Json(state.app.documents_on(&auth.actor, target).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AttachQuery {
    pub title: String,
    /// The file's name (any path is dropped).
    pub file_name: String,
    /// application/pdf, image/png, image/jpeg, text/plain or text/csv; checked against the
    /// content. Default: the request's Content-Type, unless application/octet-stream.
    #[serde(default)]
    pub media_type: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    /// The site to file it under, for records that are not one site's (a therapist's
    /// credential); ignored for the others.
    #[serde(default)]
    pub site_id: Option<String>,
}

/// Attach a document to a record: the body is the file's bytes (at most 25 MB), stored by
/// SHA-256; the digest is in the ledgered record.
#[utoipa::path(post, path = "/api/v1/records/{entity_kind}/{entity_id}/documents", tag = "documents", security(("bearer" = [])),
    params(("entity_kind" = String, Path, description = "authorisation, staff_credential or participant"), ("entity_id" = String, Path), AttachQuery),
    request_body(content = inline(FileBytes), content_type = "application/octet-stream", description = "The file's bytes"),
    responses((status = 201, body = Object), (status = 413, body = crate::platform::web::error::Problem),
        (status = 422, body = crate::platform::web::error::Problem)))]
pub async fn attach(
    State(state): State<AppState>,
    auth: Auth,
    Path((entity_kind, entity_id)): Path<(String, String)>,
    ApiQuery(q): ApiQuery<AttachQuery>,
    headers: HeaderMap,
    DocumentBody(bytes): DocumentBody,
) -> ApiResult<(StatusCode, Json<Document>)> {
    let declared = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let from_header = if declared.to_ascii_lowercase().starts_with("application/octet-stream") { "" } else { declared };
    let input = DocumentInput {
        title: q.title,
        description: q.description,
        file_name: q.file_name,
        media_type: q.media_type.unwrap_or_else(|| from_header.to_owned()),
    };
    let target = Target { entity_kind: &entity_kind, entity_id: &entity_id, site_id: q.site_id.as_deref() };
    let document = state.app.attach_document(&auth.actor, target, &input, &bytes).await?;
    Ok((StatusCode::CREATED, Json(document)))
}

/// A document's record: what it is, its SHA-256, who attached it, whether it was withdrawn.
#[utoipa::path(get, path = "/api/v1/documents/{document_id}", tag = "documents", security(("bearer" = [])),
    params(("document_id" = String, Path)), responses((status = 200, body = Object)))]
pub async fn show(State(state): State<AppState>, auth: Auth, Path(id): Path<String>) -> ApiResult<Json<Document>> {
    Ok(Json(state.app.document(&auth.actor, &id).await?))
}

/// The response that hands a document over: always as an attachment with a safe file name,
/// never sniffed, sandboxed if a browser renders it anyway, never cached.
pub(crate) fn download(document: &Document, bytes: Vec<u8>) -> Response {
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    let set = |headers: &mut HeaderMap, name: header::HeaderName, value: &str| {
        if let Ok(value) = HeaderValue::from_str(value) {
            headers.insert(name, value);
        }
    };
    set(headers, header::CONTENT_TYPE, document.media_type.as_str());
    set(headers, header::CONTENT_DISPOSITION, &content_disposition(&document.file_name));
    set(headers, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(headers, header::CONTENT_SECURITY_POLICY, "sandbox; default-src 'none'");
    set(headers, header::CACHE_CONTROL, "no-store");
    set(headers, header::HeaderName::from_static("x-content-sha256"), &document.sha256);
    response
}

/// Download a document's content, re-hashed first: content that no longer matches the ledgered
/// SHA-256 is refused (409), never served.
#[utoipa::path(get, path = "/api/v1/documents/{document_id}/content", tag = "documents", security(("bearer" = [])),
    params(("document_id" = String, Path)),
    responses((status = 200, description = "The file, as an attachment", content(
        (inline(FileBytes) = "application/pdf"), (inline(FileBytes) = "image/png"), (inline(FileBytes) = "image/jpeg"),
        (inline(FileBytes) = "text/plain"), (inline(FileBytes) = "text/csv"))),
        (status = 409, body = crate::platform::web::error::Problem)))]
pub async fn content(State(state): State<AppState>, auth: Auth, Path(id): Path<String>) -> ApiResult<Response> {
    let (document, bytes) = state.app.document_content(&auth.actor, &id).await?;
    Ok(download(&document, bytes))
}

/// Withdraw a document attached by mistake, with the reason: it stays listed as withdrawn and
/// its content is kept.
#[utoipa::path(post, path = "/api/v1/documents/{document_id}/withdraw", tag = "documents", security(("bearer" = [])),
    params(("document_id" = String, Path)), request_body = ReasonBody,
    responses((status = 200, body = Object), (status = 409, body = crate::platform::web::error::Problem)))]
pub async fn withdraw(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<ReasonBody>,
) -> ApiResult<Json<Document>> {
    Ok(Json(state.app.withdraw_document(&auth.actor, &id, &b.reason).await?))
}
