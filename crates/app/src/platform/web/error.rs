//! The one mapping from failures to HTTP: RFC 9457 problem details for the API.

use crate::AppError;
use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use catalyst_core::{DomainError, Violation};
use serde::Serialize;
use utoipa::ToSchema;

/// RFC 9457 problem details. `errors` names each offending field and the rule it broke.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    #[serde(rename = "type")]
    pub problem_type: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FieldError {
    pub field: String,
    pub rule: String,
    pub message: String,
}

impl From<Violation> for FieldError {
    fn from(v: Violation) -> Self {
        Self { field: v.field, rule: v.rule, message: v.message }
    }
}

/// Everything a handler can fail with.
#[derive(Debug)]
pub enum ApiError {
    App(AppError),
    /// The request itself is unusable: bad JSON, wrong media type, too large.
    Request {
        status: StatusCode,
        slug: &'static str,
        title: &'static str,
        detail: String,
        errors: Vec<FieldError>,
    },
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        ApiError::App(e)
    }
}

impl From<DomainError> for ApiError {
    fn from(e: DomainError) -> Self {
        ApiError::App(AppError::Domain(e))
    }
}

impl ApiError {
    pub fn request(status: StatusCode, slug: &'static str, title: &'static str, detail: impl Into<String>) -> Self {
        ApiError::Request { status, slug, title, detail: detail.into(), errors: Vec::new() }
    }

    pub fn field(field: &str, rule: &str, message: impl Into<String>) -> Self {
        let message = message.into();
        ApiError::Request {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            slug: "validation",
            title: "The request has invalid fields",
            detail: message.clone(),
            errors: vec![FieldError { field: field.to_owned(), rule: rule.to_owned(), message }],
        }
    }

    /// Status, problem and any extra header, shared by the API and the pages.
    pub fn parts(self) -> (StatusCode, Problem, Option<(header::HeaderName, HeaderValue)>) {
        let problem = |status: StatusCode, slug: &str, title: &str, detail: String, errors: Vec<FieldError>| Problem {
            problem_type: format!("/problems/{slug}"),
            title: title.to_owned(),
            status: status.as_u16(),
            detail,
            errors,
        };
        match self {
            ApiError::Request { status, slug, title, detail, errors } => {
                (status, problem(status, slug, title, detail, errors), None)
            }
            ApiError::App(AppError::Domain(domain)) => {
                let detail = domain.to_string();
                match domain {
                    DomainError::Invalid(violations) => {
                        let s = StatusCode::UNPROCESSABLE_ENTITY;
                        (
                            s,
                            problem(
                                s,
                                "validation",
                                "The request has invalid fields",
                                detail,
                                violations.into_iter().map(FieldError::from).collect(),
                            ),
                            None,
                        )
                    }
                    DomainError::NotFound { .. } => (
                        StatusCode::NOT_FOUND,
                        problem(StatusCode::NOT_FOUND, "not-found", "Not found", detail, vec![]),
                        None,
                    ),
                    DomainError::Conflict(_) => (
                        StatusCode::CONFLICT,
                        problem(StatusCode::CONFLICT, "conflict", "Conflict", detail, vec![]),
                        None,
                    ),
                    DomainError::Forbidden(_) => (
                        StatusCode::FORBIDDEN,
                        problem(StatusCode::FORBIDDEN, "forbidden", "You are not allowed to do this", detail, vec![]),
                        None,
                    ),
                    DomainError::Unauthenticated => (
                        StatusCode::UNAUTHORIZED,
                        problem(StatusCode::UNAUTHORIZED, "unauthenticated", "Log in first", detail, vec![]),
                        Some((header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"))),
                    ),
                    DomainError::Throttled { retry_after_seconds } => (
                        StatusCode::TOO_MANY_REQUESTS,
                        problem(StatusCode::TOO_MANY_REQUESTS, "throttled", "Too many failed attempts", detail, vec![]),
                        HeaderValue::from_str(&retry_after_seconds.to_string()).ok().map(|v| (header::RETRY_AFTER, v)),
                    ),
                }
            }
            ApiError::App(AppError::Internal(message)) => {
                // The cause goes to the log (with the request id); the client gets no internals.
                tracing::error!(error = %message, "internal error");
                let s = StatusCode::INTERNAL_SERVER_ERROR;
                (
                    s,
                    problem(
                        s,
                        "internal",
                        "Internal error",
                        "Something went wrong on the server; it has been logged.".to_owned(),
                        vec![],
                    ),
                    None,
                )
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, problem, extra) = self.parts();
        let mut response = (status, Json(problem)).into_response();
        response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
        if let Some((name, value)) = extra {
            response.headers_mut().insert(name, value);
        }
        response
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
