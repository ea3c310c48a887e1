//! Site pages: the list, a site's details and staff, and (for administrators) create and edit.

use crate::App;
use crate::platform::capability::site_pages;
use crate::capabilities::people::pages::stage_label;
use crate::platform::web::pages::layout::{page, when};
use crate::platform::web::pages::{Notice, PageAuth, PageForm, PageResult, SavedQuery, see_other};
use crate::platform::web::state::AppState;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use catalyst_core::DomainError;
use crate::capabilities::people::domain::{Site, SiteInput, SiteStatus, Stage};
use catalyst_core::policy::{Action, Actor, Resource};
use maud::{Markup, html};
use serde::Deserialize;

#[derive(Deserialize)]
pub struct SiteForm {
    code: String,
    name: String,
    time_zone: String,
    jurisdiction: String,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    reason: Option<String>,
}

impl SiteForm {
    fn input(&self) -> SiteInput {
        SiteInput {
            code: self.code.clone(),
            name: self.name.clone(),
            time_zone: self.time_zone.clone(),
            jurisdiction: self.jurisdiction.clone(),
        }
    }
}

fn site_fields(site: Option<&Site>) -> Markup {
    html! {
        label { "Code" span.hint { "2 to 8 capital letters or digits; used in participant codes" }
            input name="code" required pattern="[A-Z0-9]{2,8}" value=[site.map(|s| s.code.as_str())]; }
        label { "Name" input name="name" required maxlength="120" value=[site.map(|s| s.name.as_str())]; }
        label { "Time zone" span.hint { "IANA name, e.g. Australia/Sydney, America/New_York" }
            input name="time_zone" required value=[site.map(|s| s.time_zone.as_str())]; }
        label { "Jurisdiction" span.hint { "ISO 3166 code, e.g. US, CA, AU, AU-VIC" }
            input name="jurisdiction" required value=[site.map(|s| s.jurisdiction.as_str())]; }
    }
}

async fn render_list(state: &AppState, actor: &Actor, notice: Option<Notice>) -> PageResult {
    let sites = state.app.visible_sites(actor).await?;
    let status = notice.as_ref().map(Notice::status).unwrap_or_default();
    let may_manage = App::may(actor, Action::ManageSites, Resource::System);
    let now = state.app.now();
    let body = page(
        "Sites",
        actor,
        "/sites",
        html! {
            h1 { "Sites" }
            @if let Some(n) = notice { (n.render()) }
            table {
                thead { tr { th { "Code" } th { "Name" } th { "Jurisdiction" } th { "Local time" } th { "Status" } } }
                tbody {
                    @for s in &sites {
                        tr {
                            td { a href={"/sites/" (s.id)} { (s.code) } }
                            td { (s.name) }
                            td { (s.jurisdiction) }
                            td { (when(now, &s.time_zone)) }
                            td { (s.status) }
                        }
                    }
                }
            }
            @if sites.is_empty() { p.muted { "No sites yet." } }
            @if may_manage {
                h2 { "Add a site" }
                form.stack method="post" action="/sites" { (site_fields(None)) button type="submit" { "Add site" } }
            }
        },
    );
    Ok((status, body).into_response())
}

pub async fn list(State(state): State<AppState>, auth: PageAuth, Query(q): Query<SavedQuery>) -> PageResult {
    render_list(&state, &auth.actor, q.notice()).await
}

pub async fn create(State(state): State<AppState>, auth: PageAuth, PageForm(f): PageForm<SiteForm>) -> PageResult {
    match state.app.create_site(&auth.actor, &f.input()).await {
        Ok(site) => Ok(see_other(&format!("/sites/{}", site.id), &format!("Site {} added.", site.code))),
        Err(e) => render_list(&state, &auth.actor, Some(Notice::from_error(e)?)).await,
    }
}

async fn render_site(state: &AppState, actor: &Actor, site_id: &str, notice: Option<Notice>) -> PageResult {
    let app = &state.app;
    let site = app.view_site(actor, site_id).await?;
    let grants = if App::may(actor, Action::ViewUsers, Resource::Site { site_id }) {
        Some(app.visible_users(actor, Some(site_id)).await?)
    } else {
        None
    };
    let may_manage = App::may(actor, Action::ManageSites, Resource::System);
    let may_list = App::may(actor, Action::ViewParticipants, Resource::Site { site_id });
    let status = notice.as_ref().map(Notice::status).unwrap_or_default();
    let body = page(
        &site.name,
        actor,
        "/sites",
        html! {
            h1 { (site.name) " " span.badge { (site.code) } }
            @if let Some(n) = notice { (n.render()) }
            p { "Jurisdiction " strong { (site.jurisdiction) } " · time zone " strong { (site.time_zone.as_str()) }
                " · local time " (when(app.now(), &site.time_zone)) " · " (site.status) }
            p {
                @if may_list { a href={"/sites/" (site.id) "/participants"} { "Participants" } }
                @for page in site_pages().filter(|page| App::may(actor, page.action, Resource::Site { site_id })) {
                    " · " a href={"/sites/" (site.id) "/" (page.path)} { (page.label) }
                }
            }
            @if let Some(users) = grants {
                h2 { "People at this site" }
                table {
                    thead { tr { th { "Name" } th { "Username" } th { "Roles here" } th { "Account" } } }
                    tbody {
                        @for (user, user_grants) in &users {
                            tr {
                                td { (user.display_name) }
                                td.mono { (user.username) }
                                td { @for g in user_grants.iter().filter(|g| g.site_id.as_deref().is_none_or(|s| s == site.id)) {
                                    span.badge { (g.role.label()) @if g.site_id.is_none() { " (all sites)" } } " "
                                } }
                                td { (user.status) }
                            }
                        }
                    }
                }
            }
            @if may_manage {
                h2 { "Edit site" }
                form.stack method="post" action={"/sites/" (site.id)} {
                    (site_fields(Some(&site)))
                    label { "Status" select name="status" {
                        @for s in SiteStatus::ALL { option value=(s.as_str()) selected[*s == site.status] { (s.as_str()) } }
                    } }
                    label { "Reason for the change" span.hint { "Required: kept in the audit trail with the old and new values" }
                        input name="reason" required; }
                    button type="submit" { "Save changes" }
                }
            }
        },
    );
    Ok((status, body).into_response())
}

pub async fn show(
    State(state): State<AppState>,
    auth: PageAuth,
    Path(site_id): Path<String>,
    Query(q): Query<SavedQuery>,
) -> PageResult {
    render_site(&state, &auth.actor, &site_id, q.notice()).await
}

pub async fn update(
    State(state): State<AppState>,
    auth: PageAuth,
    Path(site_id): Path<String>,
    PageForm(f): PageForm<SiteForm>,
) -> PageResult<Response> {
    let status =
        SiteStatus::parse("status", f.status.as_deref().unwrap_or_default()).map_err(|v| DomainError::Invalid(vec![v]));
    let result = match status {
        Ok(status) => {
            state
                .app
                .update_site(&auth.actor, &site_id, &f.input(), status, f.reason.as_deref().unwrap_or_default())
                .await
        }
        Err(e) => Err(e.into()),
    };
    match result {
        Ok(_) => Ok(see_other(&format!("/sites/{site_id}"), "Site saved.")),
        Err(e) => render_site(&state, &auth.actor, &site_id, Some(Notice::from_error(e)?)).await,
    }
}

/// Stage choices for forms, in course order.
/// The stages that may be chosen (the server enforces the same rule), `selected` first chosen.
pub fn stage_options(selected: Stage, allowed: impl Fn(Stage) -> bool) -> Markup {
    html! { @for s in Stage::ALL.iter().filter(|s| allowed(**s)) { option value=(s.as_str()) selected[*s == selected] { (stage_label(*s)) } } }
}
