//! My account: change my password, end my other sessions.

use super::layout::page;
use super::{Notice, PageAuth, PageForm, PageResult, SavedQuery, see_other};
use crate::platform::web::state::AppState;
use axum::extract::{Query, State};
use axum::response::IntoResponse;
use catalyst_core::policy::Actor;
use maud::html;
use serde::Deserialize;

fn render(actor: &Actor, notice: Option<Notice>) -> PageResult {
    let status = notice.as_ref().map(Notice::status).unwrap_or_default();
    let body = page(
        "My account",
        actor,
        "/account",
        html! {
            h1 { "My account" }
            @if let Some(n) = notice { (n.render()) }
            h2 { "Change my password" }
            form.stack method="post" action="/account/password" {
                label { "Current password" input type="password" name="current_password" autocomplete="current-password" required; }
                label { "New password" span.hint { "10 to 128 characters" }
                    input type="password" name="new_password" autocomplete="new-password" required minlength="10"; }
                button type="submit" { "Change password" }
            }
            h2 { "Sessions" }
            form.stack method="post" action="/account/sessions" {
                p { "End every session of yours, on every device, including this one." }
                button.secondary type="submit" { "Log out everywhere" }
            }
        },
    );
    Ok((status, body).into_response())
}

pub async fn show(auth: PageAuth, Query(q): Query<SavedQuery>) -> PageResult {
    render(&auth.actor, q.notice())
}

#[derive(Deserialize)]
pub struct PasswordForm {
    current_password: String,
    new_password: String,
}

pub async fn change_password(
    State(state): State<AppState>,
    auth: PageAuth,
    PageForm(f): PageForm<PasswordForm>,
) -> PageResult {
    match state.app.change_password(&auth.actor, &f.current_password, &f.new_password).await {
        Ok(()) => Ok(see_other("/login", "Password changed: every session has ended; log in with the new password.")),
        Err(e) => render(&auth.actor, Some(Notice::from_error(e)?)),
    }
}

pub async fn end_sessions(State(state): State<AppState>, auth: PageAuth) -> PageResult {
    state.app.revoke_sessions(&auth.actor, &auth.actor.user_id, "logged out everywhere by the user").await?;
    Ok(see_other("/login", "All your sessions have ended."))
}
