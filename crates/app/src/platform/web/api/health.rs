use crate::platform::web::error::{ApiError, ApiResult};
use crate::platform::web::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;

/// Liveness: the process answers.
#[utoipa::path(get, path = "/healthz", tag = "meta", responses((status = 200, description = "alive")))]
pub async fn healthz() -> &'static str {
    "ok"
}

/// Readiness: the database answers.
#[utoipa::path(get, path = "/readyz", tag = "meta", responses((status = 200, description = "ready"), (status = 503, body = crate::platform::web::error::Problem)))]
pub async fn readyz(State(state): State<AppState>) -> ApiResult<&'static str> {
    state.app.ready().await.map(|()| "ready").map_err(|_| {
        ApiError::request(StatusCode::SERVICE_UNAVAILABLE, "not-ready", "Not ready", "the database does not answer")
    })
}
