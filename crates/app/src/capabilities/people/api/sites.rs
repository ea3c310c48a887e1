use crate::platform::web::error::ApiResult;
use crate::platform::web::extract::{ApiJson, Auth};
use crate::platform::web::state::AppState;
use crate::capabilities::people::api::views::{SiteBody, SiteUpdateBody, SiteView};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use catalyst_core::DomainError;
use crate::capabilities::people::domain::{SiteInput, SiteStatus};

fn input(code: String, name: String, time_zone: String, jurisdiction: String) -> SiteInput {
    SiteInput { code, name, time_zone, jurisdiction }
}

/// Sites the caller may see.
#[utoipa::path(get, path = "/api/v1/sites", tag = "sites", security(("bearer" = [])), responses((status = 200, body = [SiteView])))]
pub async fn list_sites(State(state): State<AppState>, auth: Auth) -> ApiResult<Json<Vec<SiteView>>> {
    let sites = state.app.visible_sites(&auth.actor).await?;
    Ok(Json(sites.iter().map(SiteView::from).collect()))
}

/// Create a site (administrators).
#[utoipa::path(post, path = "/api/v1/sites", tag = "sites", security(("bearer" = [])), request_body = SiteBody,
    responses((status = 201, body = SiteView), (status = 403, body = crate::platform::web::error::Problem), (status = 422, body = crate::platform::web::error::Problem)))]
pub async fn create_site(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<SiteBody>,
) -> ApiResult<(StatusCode, Json<SiteView>)> {
    let site =
        state.app.create_site(&auth.actor, &input(body.code, body.name, body.time_zone, body.jurisdiction)).await?;
    Ok((StatusCode::CREATED, Json(SiteView::from(&site))))
}

#[utoipa::path(get, path = "/api/v1/sites/{site_id}", tag = "sites", security(("bearer" = [])),
    params(("site_id" = String, Path)), responses((status = 200, body = SiteView), (status = 404, body = crate::platform::web::error::Problem)))]
pub async fn get_site(
    State(state): State<AppState>,
    auth: Auth,
    Path(site_id): Path<String>,
) -> ApiResult<Json<SiteView>> {
    Ok(Json(SiteView::from(&state.app.view_site(&auth.actor, &site_id).await?)))
}

/// Edit a site; the reason is kept in the ledger with the old and new values.
#[utoipa::path(put, path = "/api/v1/sites/{site_id}", tag = "sites", security(("bearer" = [])), request_body = SiteUpdateBody,
    params(("site_id" = String, Path)), responses((status = 200, body = SiteView), (status = 422, body = crate::platform::web::error::Problem)))]
pub async fn update_site(
    State(state): State<AppState>,
    auth: Auth,
    Path(site_id): Path<String>,
    ApiJson(body): ApiJson<SiteUpdateBody>,
) -> ApiResult<Json<SiteView>> {
    let status = SiteStatus::parse("status", &body.status).map_err(|v| DomainError::Invalid(vec![v]))?;
    let site = state
        .app
        .update_site(
            &auth.actor,
            &site_id,
            &input(body.code, body.name, body.time_zone, body.jurisdiction),
            status,
            &body.reason,
        )
        .await?;
    Ok(Json(SiteView::from(&site)))
}
