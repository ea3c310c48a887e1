//! Catalyst's HTTP server: the JSON API under `/api/v1` (documented at
//! `/api/v1/openapi.json`) and the server-rendered pages. Handlers extract, call a use case in
//! `catalyst-app`, and map the result; errors map to HTTP in one place (`error`).

pub(crate) mod api;
pub(crate) mod error;
pub(crate) mod extract;
pub(crate) mod pages;
pub(crate) mod state;
pub(crate) mod views;

pub use extract::PublicOrigin;
pub use state::AppState;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, HeaderValue, Request, header};
use tower_http::LatencyUnit;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};

/// Largest request body accepted, in bytes.
pub const BODY_LIMIT: usize = 64 * 1024;

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The whole application as one router.
pub fn router(state: AppState) -> Router {
    let (api, _) = api::router().split_for_parts();
    // Logs carry method, route template, status, latency and request id; never bodies, query
    // strings or personal health information.
    let trace = TraceLayer::new_for_http()
        .make_span_with(|request: &Request<_>| {
            let route = request
                .extensions()
                .get::<axum::extract::MatchedPath>()
                .map(|p| p.as_str().to_owned())
                .unwrap_or_else(|| "unmatched".to_owned());
            let id = request.headers().get(REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or("-").to_owned();
            tracing::info_span!("request", method = %request.method(), route = %route, request_id = %id)
        })
        .on_request(())
        .on_response(DefaultOnResponse::new().level(tracing::Level::INFO).latency_unit(LatencyUnit::Micros));
    Router::new()
        .merge(api)
        .merge(pages::router())
        .with_state(state)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(SetResponseHeaderLayer::overriding(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        .layer(SetResponseHeaderLayer::overriding(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'",
            ),
        ))
        .layer(SetResponseHeaderLayer::overriding(header::REFERRER_POLICY, HeaderValue::from_static("same-origin")))
        // Answers hold clinical and personal data: no browser or proxy keeps a copy. Only the
        // static assets say otherwise, themselves.
        .layer(SetResponseHeaderLayer::if_not_present(header::CACHE_CONTROL, HeaderValue::from_static("no-store")))
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(trace)
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
}

/// [`router`], with state-changing cookie requests accepted only from `origin` (the address
/// users reach the server at, e.g. `https://catalyst.example.org`).
pub fn router_with_origin(state: AppState, origin: PublicOrigin) -> Router {
    router(state).layer(axum::Extension(origin))
}

/// The OpenAPI document, as served at `/api/v1/openapi.json`.
pub fn openapi() -> serde_json::Value {
    api::document()
}
