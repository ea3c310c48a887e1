use crate::platform::web::error::ApiResult;
use crate::platform::web::extract::ApiQuery;
use crate::platform::web::extract::{ApiJson, Auth};
use crate::platform::web::state::AppState;
use crate::platform::web::views::{SignBody, SignatureView};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use catalyst_core::DomainError;
use catalyst_core::esign::Meaning;
use serde::Deserialize;
use utoipa::IntoParams;

/// Sign a record electronically: the password is re-entered, and the signature is bound to the
/// record's current content.
#[utoipa::path(post, path = "/api/v1/signatures", tag = "signatures", security(("bearer" = [])), request_body = SignBody,
    responses((status = 201, body = SignatureView), (status = 422, body = crate::platform::web::error::Problem)))]
pub async fn sign(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<SignBody>,
) -> ApiResult<(StatusCode, Json<SignatureView>)> {
    let meaning = Meaning::parse("meaning", &body.meaning).map_err(|v| DomainError::Invalid(vec![v]))?;
    let shown = state.app.sign_record(&auth.actor, &body.entity_kind, &body.entity_id, meaning, &body.password).await?;
    Ok((StatusCode::CREATED, Json(SignatureView::from(&shown))))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct SignatureQuery {
    pub entity_kind: String,
    pub entity_id: String,
}

/// Every signature on a record, with its manifestation.
#[utoipa::path(get, path = "/api/v1/signatures", tag = "signatures", security(("bearer" = [])), params(SignatureQuery),
    responses((status = 200, body = [SignatureView])))]
pub async fn list_signatures(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<SignatureQuery>,
) -> ApiResult<Json<Vec<SignatureView>>> {
    let shown = state.app.signatures_for(&auth.actor, &q.entity_kind, &q.entity_id).await?;
    Ok(Json(shown.iter().map(SignatureView::from).collect()))
}
