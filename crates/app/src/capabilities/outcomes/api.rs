use crate::capabilities::outcomes::usecases::{AssessmentInput, Outcomes, registry};
use crate::platform::web::error::{ApiError, ApiResult};
use crate::platform::web::extract::{ApiJson, Auth};
use crate::platform::web::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use crate::capabilities::outcomes::domain::SafetyAlert;
use catalyst_instruments::{EndpointDefinitions, InstrumentDefinition};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::ToSchema;
use utoipa_axum::routes;

/// This capability's API operations, added to the platform's router.
pub(crate) fn routes(router: utoipa_axum::router::OpenApiRouter<crate::platform::web::AppState>) -> utoipa_axum::router::OpenApiRouter<crate::platform::web::AppState> {
    router
        .routes(routes!(instruments))
        .routes(routes!(record))
        .routes(routes!(void))
        .routes(routes!(outcomes))
        .routes(routes!(chart))
        .routes(routes!(alerts))
        .routes(routes!(acknowledge))
        .routes(routes!(get_definitions, put_definitions))
}

/// Every instrument definition with its items, allowed answers, skip logic, scoring rule and
/// citations.
#[utoipa::path(get, path = "/api/v1/instruments", tag = "outcomes", security(("bearer" = [])),
    responses((status = 200, description = "instrument definitions", body = [Object])))]
pub async fn instruments(_auth: Auth) -> ApiResult<Json<Vec<InstrumentDefinition>>> {
    Ok(Json(registry()?.iter().cloned().collect()))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssessmentBody {
    /// caps5, pcl5, sds, cssrs, phq9 or daily_checkin.
    pub instrument: String,
    /// Definition version; the newest when omitted.
    #[serde(default)]
    pub version: Option<String>,
    /// screening, baseline, after_session_1..3, primary_endpoint, follow_up_6m, follow_up_12m, unscheduled, daily.
    pub timepoint: String,
    /// Local date at the site, YYYY-MM-DD.
    pub administered_on: String,
    /// Item id to answer: a number, "yes", "no", "na" (where allowed) or text.
    #[schema(value_type = Object)]
    pub answers: Map<String, Value>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RecordedView {
    #[schema(value_type = Object)]
    pub assessment: Value,
    /// The score, computed with the definition version the response pins.
    #[schema(value_type = Object)]
    pub score: Value,
    /// Safety alerts this response raised (shown on the site dashboard until acknowledged).
    #[schema(value_type = Object)]
    pub alerts: Vec<SafetyAlert>,
}

fn to_value<T: Serialize>(value: &T) -> ApiResult<Value> {
    serde_json::to_value(value).map_err(|e| ApiError::App(crate::AppError::Internal(e.to_string())))
}

/// Record a completed instrument. CAPS-5 only by an independent rater; self-report measures by
/// the participant or by staff on their behalf (recorded as such).
#[utoipa::path(post, path = "/api/v1/participants/{participant_id}/assessments", tag = "outcomes", security(("bearer" = [])),
    params(("participant_id" = String, Path)), request_body = AssessmentBody,
    responses((status = 201, body = RecordedView), (status = 403, body = crate::platform::web::error::Problem), (status = 422, body = crate::platform::web::error::Problem)))]
pub async fn record(
    State(state): State<AppState>,
    auth: Auth,
    Path(participant_id): Path<String>,
    ApiJson(body): ApiJson<AssessmentBody>,
) -> ApiResult<(StatusCode, Json<RecordedView>)> {
    let input = AssessmentInput {
        instrument: body.instrument,
        version: body.version,
        timepoint: body.timepoint,
        administered_on: body.administered_on,
        answers: body.answers,
    };
    let (recorded, alerts) = state.app.record_assessment(&auth.actor, &participant_id, &input).await?;
    let view = RecordedView { assessment: to_value(&recorded.assessment)?, score: to_value(&recorded.scored)?, alerts };
    Ok((StatusCode::CREATED, Json(view)))
}

/// Void a mistaken assessment, with the reason: it stays in the record and the ledger (and any
/// alert it raised stays) but no longer counts. Correct it by recording it again.
#[utoipa::path(post, path = "/api/v1/assessments/{assessment_id}/void", tag = "outcomes", security(("bearer" = [])),
    params(("assessment_id" = String, Path)), request_body = crate::platform::web::views::ReasonBody,
    responses((status = 200, body = Object), (status = 403, body = crate::platform::web::error::Problem), (status = 409, body = crate::platform::web::error::Problem), (status = 422, body = crate::platform::web::error::Problem)))]
pub async fn void(
    State(state): State<AppState>,
    auth: Auth,
    Path(assessment_id): Path<String>,
    ApiJson(body): ApiJson<crate::platform::web::views::ReasonBody>,
) -> ApiResult<Json<crate::capabilities::outcomes::domain::AssessmentVoid>> {
    Ok(Json(state.app.void_assessment(&auth.actor, &assessment_id, &body.reason).await?))
}

/// A participant's assessments with scores, change from baseline and endpoints (each with the
/// definition used). A blinded rater receives the independent ratings only.
#[utoipa::path(get, path = "/api/v1/participants/{participant_id}/outcomes", tag = "outcomes", security(("bearer" = [])),
    params(("participant_id" = String, Path)), responses((status = 200, body = Object), (status = 403, body = crate::platform::web::error::Problem)))]
pub async fn outcomes(
    State(state): State<AppState>,
    auth: Auth,
    Path(participant_id): Path<String>,
) -> ApiResult<Json<Outcomes>> {
    Ok(Json(state.app.outcomes(&auth.actor, &participant_id).await?))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AlertView {
    #[schema(value_type = Object)]
    pub alert: SafetyAlert,
    pub participant_code: String,
    pub message: String,
}

/// Open safety alerts at the caller's sites.
#[utoipa::path(get, path = "/api/v1/alerts", tag = "outcomes", security(("bearer" = [])), responses((status = 200, body = [AlertView])))]
pub async fn alerts(State(state): State<AppState>, auth: Auth) -> ApiResult<Json<Vec<AlertView>>> {
    let alerts = state.app.open_alerts(&auth.actor).await?;
    Ok(Json(
        alerts
            .into_iter()
            .map(|(alert, p, _)| AlertView {
                message: alert.kind.message().to_owned(),
                participant_code: p.code,
                alert,
            })
            .collect(),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AcknowledgeBody {
    /// What was done (kept in the audit trail).
    pub note: String,
}

/// Acknowledge a safety alert with what was done.
#[utoipa::path(post, path = "/api/v1/alerts/{alert_id}/acknowledge", tag = "outcomes", security(("bearer" = [])),
    params(("alert_id" = String, Path)), request_body = AcknowledgeBody,
    responses((status = 200, body = Object), (status = 409, body = crate::platform::web::error::Problem)))]
pub async fn acknowledge(
    State(state): State<AppState>,
    auth: Auth,
    Path(alert_id): Path<String>,
    ApiJson(body): ApiJson<AcknowledgeBody>,
) -> ApiResult<Json<SafetyAlert>> {
    Ok(Json(state.app.acknowledge_alert(&auth.actor, &alert_id, &body.note).await?))
}

/// The endpoint definitions in force (response, remission, reliable change), with citations.
#[utoipa::path(get, path = "/api/v1/settings/endpoint-definitions", tag = "outcomes", security(("bearer" = [])),
    responses((status = 200, body = Object)))]
pub async fn get_definitions(State(state): State<AppState>, _auth: Auth) -> ApiResult<Json<EndpointDefinitions>> {
    Ok(Json(state.app.endpoint_definitions().await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DefinitionsBody {
    #[schema(value_type = Object)]
    pub definitions: EndpointDefinitions,
    pub reason: String,
}

/// Change the programme's endpoint definitions (administrators; the reason is kept).
#[utoipa::path(put, path = "/api/v1/settings/endpoint-definitions", tag = "outcomes", security(("bearer" = [])),
    request_body = DefinitionsBody, responses((status = 200, body = Object), (status = 403, body = crate::platform::web::error::Problem)))]
pub async fn put_definitions(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<DefinitionsBody>,
) -> ApiResult<Json<EndpointDefinitions>> {
    state.app.set_endpoint_definitions(&auth.actor, &body.definitions, &body.reason).await?;
    Ok(Json(body.definitions))
}

/// One measure's chart as SVG (image/svg+xml), with a title and a text description.
#[utoipa::path(get, path = "/api/v1/participants/{participant_id}/charts/{instrument}", tag = "outcomes", security(("bearer" = [])),
    params(("participant_id" = String, Path), ("instrument" = String, Path, description = "caps5, pcl5, phq9, sds or daily_checkin")),
    responses((status = 200, content_type = "image/svg+xml", body = String), (status = 404, body = crate::platform::web::error::Problem)))]
pub async fn chart(
    State(state): State<AppState>,
    auth: Auth,
    Path((participant_id, instrument)): Path<(String, String)>,
) -> ApiResult<impl axum::response::IntoResponse> {
    let id = crate::capabilities::outcomes::usecases::parse_instrument("instrument", &instrument)
        .map_err(|v| catalyst_core::DomainError::Invalid(vec![v]))?;
    let (code, history) = state.app.instrument_history(&auth.actor, &participant_id, id).await?;
    let rows: Vec<_> = history.iter().collect();
    let doses =
        crate::capabilities::outcomes::charts::dose_markers(&state.app.dosing_dates(&auth.actor, &participant_id).await?);
    let svg = crate::capabilities::outcomes::charts::chart_svg(id, &rows, &code, &doses)
        .ok_or_else(|| catalyst_core::DomainError::not_found("chart", format!("{instrument} for this participant")))?;
    Ok(([(axum::http::header::CONTENT_TYPE, "image/svg+xml")], svg))
}
