use crate::capabilities::eligibility::usecases::ConsentStatus;
use crate::platform::web::error::ApiResult;
use crate::platform::web::extract::{ApiJson, Auth};
use crate::platform::web::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use catalyst_core::DomainError;
use crate::capabilities::eligibility::domain::{Consent, ConsentDocument, ConsentPart, Screening};
use catalyst_screening::Decision;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::ToSchema;
use utoipa_axum::routes;

/// This capability's API operations, added to the platform's router.
pub(crate) fn routes(router: utoipa_axum::router::OpenApiRouter<crate::platform::web::AppState>) -> utoipa_axum::router::OpenApiRouter<crate::platform::web::AppState> {
    router
        .routes(routes!(evaluate))
        .routes(routes!(record, list))
        .routes(routes!(decide))
        .routes(routes!(publish))
        .routes(routes!(status, give))
        .routes(routes!(withdraw))
        .routes(routes!(portal_account))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecordBody {
    /// The screening record (the `catalyst screen` input format; schema: `catalyst screen --schema`).
    #[schema(value_type = Object)]
    pub record: Value,
}

/// The rules' decision for a record, without storing it (the same evaluation as `catalyst screen`).
#[utoipa::path(post, path = "/api/v1/participants/{participant_id}/screening/evaluate", tag = "eligibility", security(("bearer" = [])),
    params(("participant_id" = String, Path)), request_body = RecordBody, responses((status = 200, body = Object), (status = 422, body = crate::platform::web::error::Problem)))]
pub async fn evaluate(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<RecordBody>,
) -> ApiResult<Json<Decision>> {
    Ok(Json(state.app.evaluate_screening(&auth.actor, &id, &b.record).await?))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ScreeningView {
    #[schema(value_type = Object)]
    pub screening: Screening,
    #[schema(value_type = Object)]
    pub decision: Decision,
}

/// Store a screening and its decision; it awaits an investigator's signature.
#[utoipa::path(post, path = "/api/v1/participants/{participant_id}/screenings", tag = "eligibility", security(("bearer" = [])),
    params(("participant_id" = String, Path)), request_body = RecordBody, responses((status = 201, body = ScreeningView), (status = 422, body = crate::platform::web::error::Problem)))]
pub async fn record(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<RecordBody>,
) -> ApiResult<(StatusCode, Json<ScreeningView>)> {
    let (screening, decision) = state.app.record_screening(&auth.actor, &id, &b.record).await?;
    Ok((StatusCode::CREATED, Json(ScreeningView { screening, decision })))
}

/// A participant's screenings, newest first.
#[utoipa::path(get, path = "/api/v1/participants/{participant_id}/screenings", tag = "eligibility", security(("bearer" = [])),
    params(("participant_id" = String, Path)), responses((status = 200, body = [Object])))]
pub async fn list(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<Screening>>> {
    Ok(Json(state.app.screenings(&auth.actor, &id).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionBody {
    /// Omit to confirm the rules' decision; otherwise eligible, eligible_after_washout, ineligible or needs_review.
    #[serde(default)]
    pub override_decision: Option<String>,
    /// Required with an override.
    #[serde(default)]
    pub reason: String,
    /// The investigator's password, re-entered for the e-signature.
    pub password: String,
}

/// The investigator confirms or overrides the decision with an e-signature.
#[utoipa::path(post, path = "/api/v1/screenings/{screening_id}/decision", tag = "eligibility", security(("bearer" = [])),
    params(("screening_id" = String, Path)), request_body = DecisionBody, responses((status = 200, body = Object), (status = 422, body = crate::platform::web::error::Problem)))]
pub async fn decide(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<DecisionBody>,
) -> ApiResult<Json<Screening>> {
    Ok(Json(
        state.app.decide_screening(&auth.actor, &id, b.override_decision.as_deref(), &b.reason, &b.password).await?,
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsentDocumentBody {
    pub title: String,
    pub body: String,
    /// Parts that must be granted before enrolment (treatment always).
    pub required_parts: Vec<String>,
    pub witness_required: bool,
}

/// Publish a new version of the consent document (administrators); everyone is asked again.
#[utoipa::path(post, path = "/api/v1/consent-documents", tag = "eligibility", security(("bearer" = [])),
    request_body = ConsentDocumentBody, responses((status = 201, body = Object), (status = 422, body = crate::platform::web::error::Problem)))]
pub async fn publish(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(b): ApiJson<ConsentDocumentBody>,
) -> ApiResult<(StatusCode, Json<ConsentDocument>)> {
    let parts = b
        .required_parts
        .iter()
        .map(|p| ConsentPart::parse("required_parts", p))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|v| DomainError::Invalid(vec![v]))?;
    let doc = state.app.publish_consent_document(&auth.actor, &b.title, &b.body, &parts, b.witness_required).await?;
    Ok((StatusCode::CREATED, Json(doc)))
}

/// A participant's consent: the current document, their latest consent and whether it is current.
#[utoipa::path(get, path = "/api/v1/participants/{participant_id}/consent", tag = "eligibility", security(("bearer" = [])),
    params(("participant_id" = String, Path)), responses((status = 200, body = Object)))]
pub async fn status(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<ConsentStatus>> {
    Ok(Json(state.app.consent_status(&auth.actor, &id).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsentBody {
    /// Each part: granted or declined (treatment, video_recording, therapeutic_touch, data_use).
    #[schema(value_type = Object)]
    pub parts: Map<String, Value>,
    /// The participant's password, re-entered for the e-signature.
    pub password: String,
    #[serde(default)]
    pub witness_username: Option<String>,
    #[serde(default)]
    pub witness_password: Option<String>,
}

/// The participant signs the current consent document, part by part.
#[utoipa::path(post, path = "/api/v1/participants/{participant_id}/consent", tag = "eligibility", security(("bearer" = [])),
    params(("participant_id" = String, Path)), request_body = ConsentBody, responses((status = 201, body = Object), (status = 422, body = crate::platform::web::error::Problem)))]
pub async fn give(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<ConsentBody>,
) -> ApiResult<(StatusCode, Json<Consent>)> {
    let witness = match (&b.witness_username, &b.witness_password) {
        (Some(u), Some(p)) => Some((u.as_str(), p.as_str())),
        _ => None,
    };
    Ok((StatusCode::CREATED, Json(state.app.give_consent(&auth.actor, &id, &b.parts, &b.password, witness).await?)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WithdrawBody {
    /// video_recording, therapeutic_touch, data_use or treatment.
    pub part: String,
    pub reason: String,
}

/// Withdraw one part of consent at any time.
#[utoipa::path(post, path = "/api/v1/participants/{participant_id}/consent/withdraw", tag = "eligibility", security(("bearer" = [])),
    params(("participant_id" = String, Path)), request_body = WithdrawBody, responses((status = 200, body = Object)))]
pub async fn withdraw(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<WithdrawBody>,
) -> ApiResult<Json<Consent>> {
    let part = ConsentPart::parse("part", &b.part).map_err(|v| DomainError::Invalid(vec![v]))?;
    Ok(Json(state.app.withdraw_consent(&auth.actor, &id, part, &b.reason).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PortalAccountBody {
    pub username: String,
    /// An initial password (10 to 128 characters) the participant changes.
    pub password: String,
}

/// Create the participant's portal account.
#[utoipa::path(post, path = "/api/v1/participants/{participant_id}/portal-account", tag = "eligibility", security(("bearer" = [])),
    params(("participant_id" = String, Path)), request_body = PortalAccountBody, responses((status = 201, body = Object)))]
pub async fn portal_account(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<PortalAccountBody>,
) -> ApiResult<(StatusCode, Json<crate::capabilities::people::api::views::UserView>)> {
    let user = state.app.create_portal_account(&auth.actor, &id, &b.username, &b.password).await?;
    Ok((StatusCode::CREATED, Json(crate::capabilities::people::api::views::UserView::new(&user, &[]))))
}
