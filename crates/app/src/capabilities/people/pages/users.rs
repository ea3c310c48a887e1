//! People pages: accounts, role grants, disabling and ending sessions.

use crate::App;
use crate::platform::web::pages::layout::{page, when};
use crate::platform::web::pages::{Notice, PageAuth, PageForm, PageResult, SavedQuery, see_other};
use crate::platform::web::state::AppState;
use axum::extract::{Path, Query, State};
use axum::response::IntoResponse;
use catalyst_core::DomainError;
use crate::capabilities::people::domain::{Role, UserInput, UserStatus};
use catalyst_core::policy::{Action, Actor, Resource};
use catalyst_core::time::TimeZoneName;
use maud::html;
use serde::Deserialize;

/// Administrators and all-site monitors see everyone; a site lead or site monitor sees the
/// people at their first site.
fn default_scope(actor: &Actor) -> Option<String> {
    if App::may(actor, Action::ViewUsers, Resource::System) {
        return None;
    }
    actor.grants.iter().find(|g| matches!(g.role, Role::SiteLead | Role::Monitor)).and_then(|g| g.site_id.clone())
}

async fn render_list(state: &AppState, actor: &Actor, notice: Option<Notice>) -> PageResult {
    let scope = default_scope(actor);
    let users = state.app.visible_users(actor, scope.as_deref()).await?;
    let may_manage = App::may(actor, Action::ManageUsers, Resource::System);
    let status = notice.as_ref().map(Notice::status).unwrap_or_default();
    let body = page(
        "People",
        actor,
        "/users",
        html! {
            h1 { "People" }
            @if let Some(n) = notice { (n.render()) }
            table {
                thead { tr { th { "Name" } th { "Username" } th { "Roles" } th { "Account" } } }
                tbody { @for (user, grants) in &users {
                    tr {
                        td { @if may_manage { a href={"/users/" (user.id)} { (user.display_name) } } @else { (user.display_name) } }
                        td.mono { (user.username) }
                        td { @for g in grants { span.badge { (g.role.label()) } " " } }
                        td { @if user.status == UserStatus::Active { "active" } @else { span.badge.bad { "disabled" } } }
                    }
                } }
            }
            @if may_manage {
                h2 { "Add a person" }
                form.stack method="post" action="/users" {
                    label { "Username" input name="username" required autocomplete="off"; }
                    label { "Printed name" span.hint { "Shown on their e-signatures" } input name="display_name" required; }
                    label { "Initial password" span.hint { "10 to 128 characters; ask them to change it" } input type="password" name="password" required minlength="10" autocomplete="new-password"; }
                    button type="submit" { "Add person" }
                }
            }
        },
    );
    Ok((status, body).into_response())
}

pub async fn list(State(state): State<AppState>, auth: PageAuth, Query(q): Query<SavedQuery>) -> PageResult {
    render_list(&state, &auth.actor, q.notice()).await
}

#[derive(Deserialize)]
pub struct UserForm {
    username: String,
    display_name: String,
    password: String,
}

pub async fn create(State(state): State<AppState>, auth: PageAuth, PageForm(f): PageForm<UserForm>) -> PageResult {
    let input = UserInput { username: f.username, display_name: f.display_name, password: f.password };
    match state.app.create_user(&auth.actor, &input).await {
        Ok(user) => Ok(see_other(
            &format!("/users/{}", user.id),
            &format!("{} added. Grant them a role below.", user.display_name),
        )),
        Err(e) => render_list(&state, &auth.actor, Some(Notice::from_error(e)?)).await,
    }
}

async fn render_user(state: &AppState, actor: &Actor, user_id: &str, notice: Option<Notice>) -> PageResult {
    let app = &state.app;
    let (user, grants) = app.view_user(actor, user_id).await?;
    let sites = app.visible_sites(actor).await?;
    let site_name = |id: &Option<String>| match id {
        Some(id) => sites.iter().find(|s| &s.id == id).map(|s| s.code.clone()).unwrap_or_else(|| id.clone()),
        None => "all sites".to_owned(),
    };
    let status = notice.as_ref().map(Notice::status).unwrap_or_default();
    let utc = TimeZoneName::utc();
    let body = page(
        &user.display_name,
        actor,
        "/users",
        html! {
            h1 { (user.display_name) " " span.mono.muted { (user.username) } }
            @if let Some(n) = notice { (n.render()) }
            p { "Account " strong { (user.status) } " · created " (when(user.created_at, &utc)) }
            h2 { "Roles" }
            table {
                thead { tr { th { "Role" } th { "Where" } th { "Granted" } th { "Revoke" } } }
                tbody { @for g in &grants {
                    tr {
                        td { (g.role.label()) } td { (site_name(&g.site_id)) } td { (when(g.granted_at, &utc)) }
                        td { form.inline method="post" action={"/roles/" (g.id) "/revoke"} {
                            label { span.hint { "Reason" } input name="reason" required aria-label={"Reason to revoke " (g.role.label())}; }
                            button.secondary type="submit" { "Revoke" }
                        } }
                    }
                } }
            }
            @if grants.is_empty() { p.muted { "No roles: this person can log in but sees nothing." } }
            h2 { "Grant a role" }
            form.stack method="post" action={"/users/" (user.id) "/roles"} {
                label { "Role" select name="role" { @for r in Role::ALL { option value=(r.as_str()) { (r.label()) } } } }
                label { "Where" span.hint { "All sites is allowed for administrators, raters and monitors only" }
                    select name="site_id" {
                        option value="" { "All sites" }
                        @for s in &sites { option value=(s.id) { (s.code) " — " (s.name) } }
                    } }
                button type="submit" { "Grant role" }
            }
            h2 { "Account" }
            form.stack method="post" action={"/users/" (user.id) "/status"} {
                input type="hidden" name="status" value=(if user.status == UserStatus::Active { "disabled" } else { "active" });
                label { "Reason" input name="reason" required; }
                button type="submit" { @if user.status == UserStatus::Active { "Disable account (ends all sessions)" } @else { "Re-enable account" } }
            }
            form.stack method="post" action={"/users/" (user.id) "/sessions"} {
                label { "Reason" span.hint { "e.g. a lost device" } input name="reason" required; }
                button.secondary type="submit" { "End all sessions" }
            }
        },
    );
    Ok((status, body).into_response())
}

pub async fn show(
    State(state): State<AppState>,
    auth: PageAuth,
    Path(user_id): Path<String>,
    Query(q): Query<SavedQuery>,
) -> PageResult {
    render_user(&state, &auth.actor, &user_id, q.notice()).await
}

#[derive(Deserialize)]
pub struct GrantForm {
    role: String,
    #[serde(default)]
    site_id: String,
}

pub async fn grant(
    State(state): State<AppState>,
    auth: PageAuth,
    Path(user_id): Path<String>,
    PageForm(f): PageForm<GrantForm>,
) -> PageResult {
    let site = (!f.site_id.is_empty()).then_some(f.site_id.as_str());
    let result = match Role::parse("role", &f.role) {
        Ok(role) => state.app.grant_role(&auth.actor, &user_id, role, site).await.map(|_| ()),
        Err(v) => Err(DomainError::Invalid(vec![v]).into()),
    };
    match result {
        Ok(()) => Ok(see_other(&format!("/users/{user_id}"), "Role granted.")),
        Err(e) => render_user(&state, &auth.actor, &user_id, Some(Notice::from_error(e)?)).await,
    }
}

#[derive(Deserialize)]
pub struct StatusForm {
    status: String,
    reason: String,
}

pub async fn set_status(
    State(state): State<AppState>,
    auth: PageAuth,
    Path(user_id): Path<String>,
    PageForm(f): PageForm<StatusForm>,
) -> PageResult {
    let result = match UserStatus::parse("status", &f.status) {
        Ok(status) => state.app.set_user_status(&auth.actor, &user_id, status, &f.reason).await.map(|_| ()),
        Err(v) => Err(DomainError::Invalid(vec![v]).into()),
    };
    match result {
        Ok(()) => Ok(see_other(&format!("/users/{user_id}"), "Account updated.")),
        Err(e) => render_user(&state, &auth.actor, &user_id, Some(Notice::from_error(e)?)).await,
    }
}

#[derive(Deserialize)]
pub struct ReasonForm {
    reason: String,
}

pub async fn revoke_sessions(
    State(state): State<AppState>,
    auth: PageAuth,
    Path(user_id): Path<String>,
    PageForm(f): PageForm<ReasonForm>,
) -> PageResult {
    let n = state.app.revoke_sessions(&auth.actor, &user_id, &f.reason).await?;
    Ok(see_other(&format!("/users/{user_id}"), &format!("{n} session(s) ended.")))
}

pub async fn revoke_grant(
    State(state): State<AppState>,
    auth: PageAuth,
    Path(grant_id): Path<String>,
    PageForm(f): PageForm<ReasonForm>,
) -> PageResult {
    let grant = state.app.revoke_role(&auth.actor, &grant_id, &f.reason).await?;
    Ok(see_other(&format!("/users/{}", grant.user_id), "Role revoked."))
}
