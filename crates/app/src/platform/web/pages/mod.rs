//! Server-rendered pages for busy clinicians: plain HTML forms that work with the keyboard and
//! without JavaScript, one stylesheet, no third-party assets.

mod account;
mod audit;
mod dashboard;
pub(crate) mod layout;
pub(crate) mod login;

use crate::AppError;
use crate::platform::web::error::ApiError;
use crate::platform::web::extract::{cookie_token, same_origin};
use crate::platform::web::state::AppState;
use axum::Router;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use catalyst_core::DomainError;
use catalyst_core::policy::Actor;
use maud::{Markup, html};
use serde::de::DeserializeOwned;

pub use layout::not_found_page;

pub fn router() -> Router<AppState> {
    let platform = Router::new()
        .route("/", get(dashboard::dashboard))
        .route("/login", get(login::login_page).post(login::login_submit))
        .route("/logout", post(login::logout))
        .route("/static/catalyst.css", get(layout::stylesheet))
        .route("/static/screening.js", get(layout::screening_script))
        .route("/account", get(account::show))
        .route("/account/password", post(account::change_password))
        .route("/account/sessions", post(account::end_sessions))
        .route("/audit", get(audit::trail))
        .route("/audit/verify", post(audit::verify))
        .route("/audit/receipt", get(audit::receipt));
    crate::platform::capability::CAPABILITIES.iter().fold(platform, |router, capability| (capability.pages)(router))
}

/// The logged-in person, from the session cookie. Without one, pages redirect to the login.
pub struct PageAuth {
    pub actor: Actor,
    pub session_id: String,
}

impl FromRequestParts<AppState> for PageAuth {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let back_to_login = || {
            let next = parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
            let next = form_urlencoded::byte_serialize(next.as_bytes()).collect::<String>();
            PageError::Redirect(format!("/login?next={next}"))
        };
        let Some(token) = cookie_token(parts) else {
            return Err(back_to_login());
        };
        if !same_origin(parts, state.secure_cookies) {
            return Err(PageError::Api(DomainError::Forbidden("cross-origin form submission refused".into()).into()));
        }
        match state.app.authenticate(&token, crate::platform::auth::SessionKind::Browser).await {
            Ok((actor, session_id)) => Ok(PageAuth { actor, session_id }),
            Err(AppError::Domain(DomainError::Unauthenticated)) => Err(back_to_login()),
            Err(e) => Err(PageError::Api(e.into())),
        }
    }
}

/// What a page handler can fail with: shown as an HTML page, never as raw text.
pub enum PageError {
    Redirect(String),
    Api(ApiError),
}

impl From<AppError> for PageError {
    fn from(e: AppError) -> Self {
        PageError::Api(e.into())
    }
}

impl From<DomainError> for PageError {
    fn from(e: DomainError) -> Self {
        PageError::Api(e.into())
    }
}

impl From<ApiError> for PageError {
    fn from(e: ApiError) -> Self {
        PageError::Api(e)
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        match self {
            PageError::Redirect(to) => Redirect::to(&to).into_response(),
            PageError::Api(error) => {
                let (status, problem, _) = error.parts();
                if status == StatusCode::UNAUTHORIZED {
                    return Redirect::to("/login").into_response();
                }
                let body = layout::bare_page(
                    &problem.title,
                    html! {
                        h1 { (problem.title) }
                        p.notice.error role="alert" { (problem.detail) }
                        @if !problem.errors.is_empty() {
                            ul { @for e in &problem.errors { li { strong { (e.field) } ": " (e.message) } } }
                        }
                        p { a href="/" { "Back to the dashboard" } }
                    },
                );
                (status, body).into_response()
            }
        }
    }
}

pub type PageResult<T = Response> = Result<T, PageError>;

/// A submitted form; a malformed one is an error page naming the field.
pub struct PageForm<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for PageForm<T> {
    type Rejection = PageError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = axum::body::Bytes::from_request(req, state).await.map_err(|r| {
            PageError::Api(ApiError::request(
                r.status(),
                "unreadable-form",
                "The form could not be read",
                r.body_text(),
            ))
        })?;
        let deserializer = serde_urlencoded::Deserializer::new(form_urlencoded::parse(&bytes));
        serde_path_to_error::deserialize::<_, T>(deserializer)
            .map(PageForm)
            .map_err(|e| PageError::Api(ApiError::field(&e.path().to_string(), "invalid", e.inner().to_string())))
    }
}

/// A message shown at the top of a page after an action.
pub enum Notice {
    Saved(String),
    Failed(ApiError),
}

impl Notice {
    /// Turns a failed action into a notice (for re-rendering the form) or a page error.
    pub fn from_error(error: AppError) -> Result<Notice, PageError> {
        match error {
            AppError::Domain(DomainError::Invalid(_) | DomainError::Conflict(_)) => Ok(Notice::Failed(error.into())),
            other => Err(other.into()),
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            Notice::Saved(_) => StatusCode::OK,
            Notice::Failed(_) => StatusCode::UNPROCESSABLE_ENTITY,
        }
    }

    pub fn render(self) -> Markup {
        match self {
            Notice::Saved(message) => html! { p.notice.ok role="status" { (message) } },
            Notice::Failed(error) => {
                let (_, problem, _) = error.parts();
                html! {
                    div.notice.error role="alert" tabindex="-1" id="form-errors" {
                        @if problem.errors.is_empty() {
                            p { strong { "Not saved. " } (problem.detail) }
                        } @else {
                            p { strong { "Not saved:" } }
                            ul { @for e in &problem.errors { li { (e.message) } } }
                        }
                    }
                }
            }
        }
    }
}

/// Redirect after a successful POST, with a confirmation shown on the next page.
pub fn see_other(path: &str, message: &str) -> Response {
    let message = form_urlencoded::byte_serialize(message.as_bytes()).collect::<String>();
    let sep = if path.contains('?') { '&' } else { '?' };
    (StatusCode::SEE_OTHER, [(header::LOCATION, format!("{path}{sep}saved={message}"))]).into_response()
}

#[derive(serde::Deserialize, Default)]
pub struct SavedQuery {
    pub saved: Option<String>,
}

impl SavedQuery {
    pub fn notice(self) -> Option<Notice> {
        self.saved.map(Notice::Saved)
    }
}
