//! Participant pages: a site's list (paged), a participant's record, stage changes with a
//! reason, and e-signatures with their manifestation.

use crate::App;
use crate::capabilities::people::pages::stage_label;
use crate::platform::web::pages::layout::{page, when};
use crate::capabilities::people::pages::sites::stage_options;
use crate::platform::web::pages::{Notice, PageAuth, PageForm, PageResult, SavedQuery, see_other};
use crate::platform::web::state::AppState;
use axum::extract::{Path, Query, State};
use axum::response::IntoResponse;
use catalyst_core::DomainError;
use catalyst_core::esign::Meaning;
use crate::capabilities::people::domain::{Stage, check_registration_stage, check_stage_change};
use catalyst_core::policy::{Action, Actor, Resource};
use maud::html;
use serde::Deserialize;

const PAGE_SIZE: i64 = 100;

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    after: i64,
    saved: Option<String>,
}

#[derive(Deserialize)]
pub struct CreateForm {
    stage: String,
}

async fn render_list(state: &AppState, actor: &Actor, site_id: &str, after: i64, notice: Option<Notice>) -> PageResult {
    let app = &state.app;
    let site = app.view_site(actor, site_id).await?;
    let items = app.list_participants(actor, site_id, after, PAGE_SIZE).await?;
    let may_create = App::may(actor, Action::CreateParticipant, Resource::Site { site_id });
    let show_treatment = App::may(actor, Action::ViewTreatment, Resource::Site { site_id });
    let status = notice.as_ref().map(Notice::status).unwrap_or_default();
    let next = (items.len() as i64 == PAGE_SIZE).then(|| items.last().map(|p| p.serial)).flatten();
    let body = page(
        &format!("Participants at {}", site.code),
        actor,
        "/sites",
        html! {
            h1 { "Participants at " (site.name) }
            @if let Some(n) = notice { (n.render()) }
            table {
                caption.muted { "Pseudonymous codes only; identifying details are not shown in lists." }
                thead { tr { th { "Code" } @if show_treatment { th { "Stage" } } th { "Portal" } th { "Registered" } } }
                tbody {
                    @for p in &items {
                        tr {
                            td { a href={"/participants/" (p.id)} { (p.code) } }
                            @if show_treatment { td { (stage_label(p.stage)) } }
                            td { @if p.user_id.is_some() { "yes" } @else { span.muted { "no" } } }
                            td { (when(p.created_at, &site.time_zone)) }
                        }
                    }
                }
            }
            @if items.is_empty() { p.muted { "No participants on this page." } }
            nav aria-label="Pages" {
                @if after > 0 { a href={"/sites/" (site.id) "/participants"} { "First page" } " " }
                @if let Some(next) = next { a href={"/sites/" (site.id) "/participants?after=" (next)} { "Next page" } }
            }
            @if may_create {
                h2 { "Register a participant" }
                form.stack method="post" action={"/sites/" (site.id) "/participants"} {
                    label { "Starting stage" select name="stage" { (stage_options(Stage::Referred, |s| check_registration_stage(s).is_ok())) } }
                    button type="submit" { "Register and assign a code" }
                }
            }
        },
    );
    Ok((status, body).into_response())
}

pub async fn list(
    State(state): State<AppState>,
    auth: PageAuth,
    Path(site_id): Path<String>,
    Query(q): Query<ListQuery>,
) -> PageResult {
    let notice = SavedQuery { saved: q.saved }.notice();
    render_list(&state, &auth.actor, &site_id, q.after, notice).await
}

pub async fn create(
    State(state): State<AppState>,
    auth: PageAuth,
    Path(site_id): Path<String>,
    PageForm(f): PageForm<CreateForm>,
) -> PageResult {
    let result = match Stage::parse("stage", &f.stage) {
        Ok(stage) => state.app.create_participant(&auth.actor, &site_id, stage).await,
        Err(v) => Err(DomainError::Invalid(vec![v]).into()),
    };
    match result {
        Ok(p) => Ok(see_other(&format!("/participants/{}", p.id), &format!("Participant {} registered.", p.code))),
        Err(e) => render_list(&state, &auth.actor, &site_id, 0, Some(Notice::from_error(e)?)).await,
    }
}

async fn render_participant(
    state: &AppState,
    actor: &Actor,
    participant_id: &str,
    notice: Option<Notice>,
) -> PageResult {
    let app = &state.app;
    let p = app.view_participant(actor, participant_id).await?;
    let site = app.site_for_display(&p.site_id).await?;
    let resource = Resource::Participant { site_id: &p.site_id, participant_id };
    let may_update = App::may(actor, Action::UpdateParticipant, resource);
    let enrolled = may_update && app.is_enrolled(participant_id).await?;
    let show_treatment = App::may(actor, Action::ViewTreatment, resource);
    // Each capability declares its pages about a participant and who sees them.
    let record_pages: Vec<_> = crate::platform::capability::participant_pages()
        .filter(|page| page.any_of.iter().any(|action| App::may(actor, *action, resource)))
        .collect();
    let may_sign = App::may(actor, Action::SignRecord, resource);
    let signatures = app.signatures_for(actor, "participant", participant_id).await?;
    let history = if App::may(actor, Action::ViewAuditTrail, Resource::Site { site_id: &p.site_id }) {
        Some(app.record_history(actor, &p.site_id, "participant", participant_id).await?)
    } else {
        None
    };
    let status = notice.as_ref().map(Notice::status).unwrap_or_default();
    let body = page(
        &p.code,
        actor,
        "/sites",
        html! {
            h1 { "Participant " (p.code) }
            @if let Some(n) = notice { (n.render()) }
            dl {
                dt { "Site" } dd { (site.name) " (" (site.code) ")" }
                @if show_treatment { dt { "Stage" } dd { strong { (stage_label(p.stage)) } } }
                dt { "Portal account" } dd { @if p.user_id.is_some() { "yes" } @else { "no" } }
                dt { "Registered" } dd { (when(p.created_at, &site.time_zone)) }
            }

            nav aria-label="Participant record" { p {
                @for (i, page) in record_pages.iter().enumerate() {
                    @if i > 0 { " · " }
                    a href={"/participants/" (p.id) "/" (page.path)} { (page.label) }
                }
            } }
            h2 { "Signatures" }
            @if signatures.is_empty() { p.muted { "Not signed." } }
            @for s in &signatures {
                div.signature {
                    p { (s.manifestation) }
                    @if s.record_unchanged == Some(false) { p.notice.warn { "The record has changed since this signature." } }
                }
            }

            @if may_update {
                h2 { "Change stage" }
                form.stack method="post" action={"/participants/" (p.id) "/stage"} {
                    label { "New stage" select name="stage" { (stage_options(p.stage, |s| check_stage_change(p.stage, s, enrolled).is_ok())) } }
                    label { "Reason" span.hint { "Required: kept in the audit trail" } input name="reason" required; }
                    button type="submit" { "Change stage" }
                }
            }
            @if may_sign {
                h2 { "Sign this record" }
                form.stack method="post" action={"/participants/" (p.id) "/sign"} {
                    label { "Meaning of the signature" select name="meaning" {
                        @for m in Meaning::ALL { option value=(m.as_str()) { (m.as_str()) " — " (m.statement()) } }
                    } }
                    label { "Your password" span.hint { "Re-enter it to sign as " (actor.display_name) }
                        input type="password" name="password" autocomplete="current-password" required; }
                    button type="submit" { "Sign" }
                }
            }
            @if let Some(history) = history {
                h2 { "History" }
                table {
                    thead { tr { th { "When" } th { "Who" } th { "What" } th { "Reason" } } }
                    tbody { @for e in &history {
                        tr { td { (when(e.at, &site.time_zone)) } td { (e.actor_name) } td.mono { (e.action) } td { (e.reason.as_deref().unwrap_or("")) } }
                    } }
                }
            }
        },
    );
    Ok((status, body).into_response())
}

pub async fn show(
    State(state): State<AppState>,
    auth: PageAuth,
    Path(id): Path<String>,
    Query(q): Query<SavedQuery>,
) -> PageResult {
    render_participant(&state, &auth.actor, &id, q.notice()).await
}

#[derive(Deserialize)]
pub struct StageForm {
    stage: String,
    reason: String,
}

pub async fn set_stage(
    State(state): State<AppState>,
    auth: PageAuth,
    Path(id): Path<String>,
    PageForm(f): PageForm<StageForm>,
) -> PageResult {
    let result = match Stage::parse("stage", &f.stage) {
        Ok(stage) => state.app.set_participant_stage(&auth.actor, &id, stage, &f.reason).await,
        Err(v) => Err(DomainError::Invalid(vec![v]).into()),
    };
    match result {
        Ok(p) => Ok(see_other(&format!("/participants/{id}"), &format!("Stage changed to {}.", stage_label(p.stage)))),
        Err(e) => render_participant(&state, &auth.actor, &id, Some(Notice::from_error(e)?)).await,
    }
}

#[derive(Deserialize)]
pub struct SignForm {
    meaning: String,
    password: String,
}

pub async fn sign(
    State(state): State<AppState>,
    auth: PageAuth,
    Path(id): Path<String>,
    PageForm(f): PageForm<SignForm>,
) -> PageResult {
    let result = match Meaning::parse("meaning", &f.meaning) {
        Ok(meaning) => state.app.sign_record(&auth.actor, "participant", &id, meaning, &f.password).await,
        Err(v) => Err(DomainError::Invalid(vec![v]).into()),
    };
    match result {
        Ok(_) => Ok(see_other(&format!("/participants/{id}"), "Signed.")),
        Err(e) => render_participant(&state, &auth.actor, &id, Some(Notice::from_error(e)?)).await,
    }
}
