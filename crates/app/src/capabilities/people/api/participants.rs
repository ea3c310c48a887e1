use crate::platform::web::error::ApiResult;
use crate::platform::web::extract::ApiQuery;
use crate::platform::web::extract::{ApiJson, Auth};
use crate::platform::web::state::AppState;
use crate::capabilities::people::api::views::{ParticipantBody, ParticipantPage, ParticipantView, StageBody};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use catalyst_core::DomainError;
use crate::capabilities::people::domain::Stage;
use serde::Deserialize;
use utoipa::IntoParams;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PageQuery {
    /// Serial of the last participant of the previous page.
    #[serde(default)]
    pub after: i64,
    /// Page size, 1 to 500 (default 100).
    #[serde(default = "default_limit")]
    pub limit: i64,
}

fn default_limit() -> i64 {
    100
}

fn parse_stage(value: &str) -> Result<Stage, DomainError> {
    Stage::parse("stage", value).map_err(|v| DomainError::Invalid(vec![v]))
}

/// A site's participants in code order, a page at a time.
#[utoipa::path(get, path = "/api/v1/sites/{site_id}/participants", tag = "participants", security(("bearer" = [])),
    params(("site_id" = String, Path), PageQuery), responses((status = 200, body = ParticipantPage), (status = 403, body = crate::platform::web::error::Problem)))]
pub async fn list_participants(
    State(state): State<AppState>,
    auth: Auth,
    Path(site_id): Path<String>,
    ApiQuery(page): ApiQuery<PageQuery>,
) -> ApiResult<Json<ParticipantPage>> {
    let items = state.app.list_participants(&auth.actor, &site_id, page.after, page.limit).await?;
    let next_after = if items.len() as i64 == page.limit { items.last().map(|p| p.serial) } else { None };
    Ok(Json(ParticipantPage {
        items: items.iter().map(|p| ParticipantView::for_actor(p, &auth.actor)).collect(),
        next_after,
    }))
}

/// Register a participant at a site; the pseudonymous code is assigned by the server.
#[utoipa::path(post, path = "/api/v1/sites/{site_id}/participants", tag = "participants", security(("bearer" = [])),
    params(("site_id" = String, Path)), request_body = ParticipantBody,
    responses((status = 201, body = ParticipantView), (status = 403, body = crate::platform::web::error::Problem), (status = 422, body = crate::platform::web::error::Problem)))]
pub async fn create_participant(
    State(state): State<AppState>,
    auth: Auth,
    Path(site_id): Path<String>,
    ApiJson(body): ApiJson<ParticipantBody>,
) -> ApiResult<(StatusCode, Json<ParticipantView>)> {
    let stage = body.stage.as_deref().map(parse_stage).transpose()?.unwrap_or(Stage::Referred);
    let participant = state.app.create_participant(&auth.actor, &site_id, stage).await?;
    Ok((StatusCode::CREATED, Json(ParticipantView::for_actor(&participant, &auth.actor))))
}

#[utoipa::path(get, path = "/api/v1/participants/{participant_id}", tag = "participants", security(("bearer" = [])),
    params(("participant_id" = String, Path)), responses((status = 200, body = ParticipantView), (status = 404, body = crate::platform::web::error::Problem)))]
pub async fn get_participant(
    State(state): State<AppState>,
    auth: Auth,
    Path(participant_id): Path<String>,
) -> ApiResult<Json<ParticipantView>> {
    let participant = state.app.view_participant(&auth.actor, &participant_id).await?;
    Ok(Json(ParticipantView::for_actor(&participant, &auth.actor)))
}

/// Move a participant to another stage, with the reason.
#[utoipa::path(post, path = "/api/v1/participants/{participant_id}/stage", tag = "participants", security(("bearer" = [])),
    params(("participant_id" = String, Path)), request_body = StageBody,
    responses((status = 200, body = ParticipantView), (status = 422, body = crate::platform::web::error::Problem)))]
pub async fn set_stage(
    State(state): State<AppState>,
    auth: Auth,
    Path(participant_id): Path<String>,
    ApiJson(body): ApiJson<StageBody>,
) -> ApiResult<Json<ParticipantView>> {
    let stage = parse_stage(&body.stage)?;
    let participant = state.app.set_participant_stage(&auth.actor, &participant_id, stage, &body.reason).await?;
    Ok(Json(ParticipantView::for_actor(&participant, &auth.actor)))
}
