//! Logging in and out of the pages (session cookie).

use super::layout::bare_page;
use super::{PageAuth, PageForm, PageResult};
use crate::AppError;
use crate::platform::auth::SessionKind;
use crate::platform::web::extract::{SESSION_COOKIE, same_origin};
use crate::platform::web::state::AppState;
use axum::extract::{Query, State};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use catalyst_core::DomainError;
use maud::{Markup, html};
use serde::Deserialize;

#[derive(Deserialize, Default)]
pub struct NextQuery {
    next: Option<String>,
    /// A confirmation from the page that sent the person here (e.g. after a password change).
    saved: Option<String>,
}

#[derive(Deserialize)]
pub struct LoginForm {
    username: String,
    password: String,
    #[serde(default)]
    next: Option<String>,
}

/// Only local paths may be redirected to (no open redirects): a single leading `/`, no
/// backslash, and no control character (browsers drop tabs and newlines, turning `/\t/x` into
/// `//x`).
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') && !n.chars().any(char::is_control) =>
        {
            n.to_owned()
        }
        _ => "/".to_owned(),
    }
}

fn form(next: &str, username: &str, problem: Option<&str>, saved: Option<&str>) -> Markup {
    bare_page(
        "Log in",
        html! {
            h1 { "Log in to Catalyst" }
            @if let Some(saved) = saved { p.notice.ok role="status" { (saved) } }
            @if let Some(problem) = problem {
                p.notice.error role="alert" id="login-error" { (problem) }
            }
            form.stack method="post" action="/login" {
                input type="hidden" name="next" value=(next);
                label { "Username" input name="username" autocomplete="username" required autofocus[username.is_empty()] value=(username); }
                label { "Password" input type="password" name="password" autocomplete="current-password" required autofocus[!username.is_empty()]; }
                button type="submit" { "Log in" }
            }
        },
    )
}

pub async fn login_page(Query(q): Query<NextQuery>) -> Markup {
    form(&safe_next(q.next.as_deref()), "", None, q.saved.as_deref())
}

pub async fn login_submit(State(state): State<AppState>, parts: Parts, PageForm(f): PageForm<LoginForm>) -> PageResult {
    if !same_origin(&parts, state.secure_cookies) {
        return Err(DomainError::Forbidden("cross-origin login refused".into()).into());
    }
    let next = safe_next(f.next.as_deref());
    let source = crate::platform::web::extract::client_address(&parts);
    match state.app.login(&f.username, &f.password, SessionKind::Browser, source.as_deref()).await {
        Ok((session, _)) => {
            let secure = if state.secure_cookies { "; Secure" } else { "" };
            let max_age = session.expires_at.micros().saturating_sub(state.app.now().micros()) / 1_000_000;
            let cookie = format!(
                "{SESSION_COOKIE}={}; HttpOnly; SameSite=Strict; Path=/; Max-Age={max_age}{secure}",
                session.token
            );
            Ok(([(header::SET_COOKIE, cookie)], Redirect::to(&next)).into_response())
        }
        Err(AppError::Domain(DomainError::Unauthenticated)) => Ok((
            StatusCode::UNAUTHORIZED,
            form(&next, &f.username, Some("Wrong username or password, or the account is disabled."), None),
        )
            .into_response()),
        Err(AppError::Domain(DomainError::Throttled { retry_after_seconds })) => {
            let minutes = (retry_after_seconds + 59) / 60;
            let message =
                format!("Too many failed attempts. Try again in {minutes} minute(s), or ask an administrator.");
            Ok((StatusCode::TOO_MANY_REQUESTS, form(&next, &f.username, Some(&message), None)).into_response())
        }
        Err(other) => Err(other.into()),
    }
}

pub async fn logout(State(state): State<AppState>, auth: PageAuth) -> PageResult<Response> {
    state.app.logout(&auth.actor, &auth.session_id).await?;
    let clear = format!("{SESSION_COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0");
    Ok(([(header::SET_COOKIE, clear)], Redirect::to("/login")).into_response())
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn only_local_paths_are_followed_after_login() {
        assert_eq!(safe_next(Some("/sites/1")), "/sites/1");
        assert_eq!(safe_next(Some("//evil.example")), "/");
        assert_eq!(safe_next(Some("https://evil.example")), "/");
        assert_eq!(safe_next(Some("/\\evil")), "/");
        assert_eq!(safe_next(None), "/");
        assert_eq!(safe_next(Some("/\t/evil.example")), "/");
        assert_eq!(safe_next(Some("/x\ny")), "/");
    }
}
