//! The authorisations API: a site's approvals and registrations, and the rule of which are
//! required where.

use crate::capabilities::authorisations::domain::readiness::{Checklists, ReadinessSignoff, SignoffInput};
use crate::capabilities::authorisations::domain::reports::ReportSubmission;
use crate::capabilities::authorisations::readiness::SiteReadiness;
use crate::capabilities::authorisations::domain::{Authorisation, AuthorisationInput, Requirements};
use crate::capabilities::authorisations::reports::{OwedReport, SentInput, SixMonthlyReport};
use crate::platform::web::error::ApiResult;
use crate::platform::web::extract::{ApiJson, Auth};
use crate::platform::web::state::AppState;
use crate::platform::web::views::ReasonBody;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(crate) fn routes(router: OpenApiRouter<AppState>) -> OpenApiRouter<AppState> {
    router
        .routes(routes!(requirements))
        .routes(routes!(list, record))
        .routes(routes!(revoke))
        .routes(routes!(reports))
        .routes(routes!(mark_sent))
        .routes(routes!(six_monthly))
        .routes(routes!(checklists))
        .routes(routes!(readiness, sign_off))
}

/// The programme's readiness checklists, by pathway, with their sources.
#[utoipa::path(get, path = "/api/v1/readiness-checklists", tag = "authorisations", security(("bearer" = [])),
    responses((status = 200, body = Object)))]
pub async fn checklists(State(state): State<AppState>, _auth: Auth) -> ApiResult<Json<Checklists>> {
    Ok(Json(state.app.readiness_checklists()?.clone()))
}

/// A site's readiness today: every item of the checklists that bind it, with its latest
/// sign-off and whether it is met, and every sign-off ever recorded.
#[utoipa::path(get, path = "/api/v1/sites/{site_id}/readiness", tag = "authorisations", security(("bearer" = [])),
    params(("site_id" = String, Path)), responses((status = 200, body = Object)))]
pub async fn readiness(
    State(state): State<AppState>,
    auth: Auth,
    Path(site_id): Path<String>,
) -> ApiResult<Json<SiteReadiness>> {
    Ok(Json(state.app.site_readiness(&auth.actor, &site_id).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignoffBody {
    pub checklist_id: String,
    pub item_id: String,
    /// met or not_met.
    pub outcome: String,
    /// What the check or audit found; required when not met.
    #[serde(default)]
    pub finding: Option<String>,
    /// The signer's password: a sign-off is signed.
    pub password: String,
}

/// Sign a readiness item off as met, or record a finding against it (the site lead). A finding
/// stops dosing at the site at once; a sign-off holds for the item's renewal period.
#[utoipa::path(post, path = "/api/v1/sites/{site_id}/readiness", tag = "authorisations", security(("bearer" = [])),
    params(("site_id" = String, Path)), request_body = SignoffBody,
    responses((status = 201, body = Object), (status = 422, body = crate::platform::web::error::Problem)))]
pub async fn sign_off(
    State(state): State<AppState>,
    auth: Auth,
    Path(site_id): Path<String>,
    ApiJson(b): ApiJson<SignoffBody>,
) -> ApiResult<(StatusCode, Json<ReadinessSignoff>)> {
    let input = SignoffInput { checklist_id: b.checklist_id, item_id: b.item_id, outcome: b.outcome, finding: b.finding };
    Ok((StatusCode::CREATED, Json(state.app.sign_off_readiness(&auth.actor, &site_id, &input, &b.password).await?)))
}

/// Which authorisations each jurisdiction requires before MDMA is given, with their sources.
#[utoipa::path(get, path = "/api/v1/authorisation-requirements", tag = "authorisations", security(("bearer" = [])),
    responses((status = 200, body = Object)))]
pub async fn requirements(State(state): State<AppState>, _auth: Auth) -> ApiResult<Json<Requirements>> {
    Ok(Json(state.app.authorisation_requirements()?.clone()))
}

/// A site's authorisations, newest first.
#[utoipa::path(get, path = "/api/v1/sites/{site_id}/authorisations", tag = "authorisations", security(("bearer" = [])),
    params(("site_id" = String, Path)), responses((status = 200, body = [Object])))]
pub async fn list(
    State(state): State<AppState>,
    auth: Auth,
    Path(site_id): Path<String>,
) -> ApiResult<Json<Vec<Authorisation>>> {
    Ok(Json(state.app.site_authorisations(&auth.actor, &site_id).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AuthorisationBody {
    /// hrec_approval, authorised_prescriber, special_access, ind, dea_registration,
    /// state_approval or state_notice.
    pub kind: String,
    pub reference: String,
    pub issued_by: String,
    /// The prescriber a prescriber approval names (a user id).
    #[serde(default)]
    pub holder_id: Option<String>,
    /// The patient a per-patient authorisation or notice names.
    #[serde(default)]
    pub participant_id: Option<String>,
    #[serde(default)]
    pub product: Option<String>,
    #[serde(default)]
    pub indication: Option<String>,
    #[serde(default)]
    pub quantity_mg: Option<i64>,
    /// Site-local date, YYYY-MM-DD.
    pub valid_from: String,
    /// Site-local date, YYYY-MM-DD; in force through this day.
    #[serde(default)]
    pub expires_on: Option<String>,
}

/// Record an authorisation at a site (its lead).
#[utoipa::path(post, path = "/api/v1/sites/{site_id}/authorisations", tag = "authorisations", security(("bearer" = [])),
    params(("site_id" = String, Path)), request_body = AuthorisationBody,
    responses((status = 201, body = Object), (status = 422, body = crate::platform::web::error::Problem)))]
pub async fn record(
    State(state): State<AppState>,
    auth: Auth,
    Path(site_id): Path<String>,
    ApiJson(b): ApiJson<AuthorisationBody>,
) -> ApiResult<(StatusCode, Json<Authorisation>)> {
    let input = AuthorisationInput {
        kind: b.kind,
        reference: b.reference,
        issued_by: b.issued_by,
        holder_id: b.holder_id,
        participant_id: b.participant_id,
        product: b.product,
        indication: b.indication,
        quantity_mg: b.quantity_mg,
        valid_from: b.valid_from,
        expires_on: b.expires_on,
    };
    Ok((StatusCode::CREATED, Json(state.app.record_authorisation(&auth.actor, &site_id, &input).await?)))
}

/// Revoke an authorisation, with the reason: it stops covering anything at once.
#[utoipa::path(post, path = "/api/v1/authorisations/{authorisation_id}/revoke", tag = "authorisations", security(("bearer" = [])),
    params(("authorisation_id" = String, Path)), request_body = ReasonBody,
    responses((status = 200, body = Object), (status = 409, body = crate::platform::web::error::Problem)))]
pub async fn revoke(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<ReasonBody>,
) -> ApiResult<Json<Authorisation>> {
    Ok(Json(state.app.revoke_authorisation(&auth.actor, &id, &b.reason).await?))
}

/// The reports and notices the site's authorisations owe, a year back to seven months ahead, with
/// their due dates, the rule that sets each, and whether each was sent.
#[utoipa::path(get, path = "/api/v1/sites/{site_id}/reports", tag = "authorisations", security(("bearer" = [])),
    params(("site_id" = String, Path)), responses((status = 200, body = [Object])))]
pub async fn reports(
    State(state): State<AppState>,
    auth: Auth,
    Path(site_id): Path<String>,
) -> ApiResult<Json<Vec<OwedReport>>> {
    Ok(Json(state.app.site_reports(&auth.actor, &site_id).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SentBody {
    pub rule_id: String,
    /// The authorisation or event the report is about, as listed.
    pub subject: String,
    /// YYYY-MM-DD, as listed.
    pub trigger_date: String,
    /// The recipient's reference for the submission.
    pub reference: String,
    /// YYYY-MM-DD, site-local; not after today.
    pub sent_on: String,
}

/// Mark a report the site owes as sent, with the recipient's reference (its lead).
#[utoipa::path(post, path = "/api/v1/sites/{site_id}/reports/sent", tag = "authorisations", security(("bearer" = [])),
    params(("site_id" = String, Path)), request_body = SentBody,
    responses((status = 201, body = Object), (status = 409, body = crate::platform::web::error::Problem)))]
pub async fn mark_sent(
    State(state): State<AppState>,
    auth: Auth,
    Path(site_id): Path<String>,
    ApiJson(b): ApiJson<SentBody>,
) -> ApiResult<(StatusCode, Json<ReportSubmission>)> {
    let input = SentInput {
        rule_id: b.rule_id,
        subject: b.subject,
        trigger_date: b.trigger_date,
        reference: b.reference,
        sent_on: b.sent_on,
    };
    Ok((StatusCode::CREATED, Json(state.app.mark_report_sent(&auth.actor, &site_id, &input).await?)))
}

/// The TGA six-monthly Authorised Prescriber report for the period ending on `period_end`:
/// patients treated per product, counted from the dosing sessions held.
#[utoipa::path(get, path = "/api/v1/sites/{site_id}/reports/tga-six-monthly/{period_end}", tag = "authorisations",
    security(("bearer" = [])), params(("site_id" = String, Path), ("period_end" = String, Path)),
    responses((status = 200, body = Object)))]
pub async fn six_monthly(
    State(state): State<AppState>,
    auth: Auth,
    Path((site_id, period_end)): Path<(String, String)>,
) -> ApiResult<Json<SixMonthlyReport>> {
    Ok(Json(state.app.six_monthly_report(&auth.actor, &site_id, &period_end).await?))
}
