//! The prescribing API: a participant's prescriptions, writing one (signed with the
//! prescriber's password) and cancelling one.

use crate::capabilities::prescribing::domain::{
    DoseDecision, DoseDecisionInput, DosePlan, PrescribedDose, Prescription, PrescriptionInput,
};
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

/// A prescription as the API shows it: the dose plan as an object, with its total.
#[derive(Debug, serde::Serialize, ToSchema)]
pub struct PrescriptionView {
    pub id: String,
    pub site_id: String,
    pub participant_id: String,
    pub prescriber_id: String,
    pub product: String,
    pub indication: String,
    #[schema(value_type = Object)]
    pub plan: DosePlan,
    /// The most that may be given under it, in milligrams (every dose with its supplement).
    pub total_mg: f64,
    pub issued_on: String,
    pub expires_on: Option<String>,
    /// active or cancelled.
    pub status: String,
    pub recorded_at: String,
}

impl From<Prescription> for PrescriptionView {
    fn from(rx: Prescription) -> Self {
        PrescriptionView {
            total_mg: rx.total_mg(),
            id: rx.id,
            site_id: rx.site_id,
            participant_id: rx.participant_id,
            prescriber_id: rx.prescriber_id,
            product: rx.product,
            indication: rx.indication,
            plan: rx.plan,
            issued_on: rx.issued_on,
            expires_on: rx.expires_on,
            status: rx.status.as_str().to_owned(),
            recorded_at: rx.recorded_at.to_rfc3339(),
        }
    }
}

pub(crate) fn routes(router: OpenApiRouter<AppState>) -> OpenApiRouter<AppState> {
    router.routes(routes!(list, prescribe)).routes(routes!(cancel)).routes(routes!(decisions, decide)).routes(routes!(confirm_decision))
}

/// A participant's prescriptions, newest first.
#[utoipa::path(get, path = "/api/v1/participants/{participant_id}/prescriptions", tag = "prescribing",
    security(("bearer" = [])), params(("participant_id" = String, Path)), responses((status = 200, body = [PrescriptionView])))]
pub async fn list(
    State(state): State<AppState>,
    auth: Auth,
    Path(participant_id): Path<String>,
) -> ApiResult<Json<Vec<PrescriptionView>>> {
    Ok(Json(state.app.prescriptions(&auth.actor, &participant_id).await?.into_iter().map(PrescriptionView::from).collect()))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DoseBody {
    /// A dosing (experimental) visit of the participant's course, e.g. `exp1`.
    pub visit_id: String,
    /// Milligrams; at most the protocol's initial dose for the visit, in whole units.
    pub initial_mg: f64,
    /// Milligrams of the optional supplemental dose, where the protocol plans one.
    #[serde(default)]
    pub supplemental_mg: Option<f64>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PrescriptionBody {
    /// As named on the prescriber's approval, e.g. `MDMA hydrochloride capsules`.
    pub product: String,
    /// As named on the prescriber's approval, e.g. `PTSD`.
    pub indication: String,
    /// Milligrams of MDMA in one unit (capsule).
    pub strength_mg: f64,
    pub doses: Vec<DoseBody>,
    /// Site-local date, YYYY-MM-DD: last day it may be dispensed or given from.
    #[serde(default)]
    pub expires_on: Option<String>,
    /// The prescriber's password: writing a prescription signs it.
    pub password: String,
}

/// Write and sign a prescription as the signed-in prescriber. Refused (422), naming each
/// problem, when a dose exceeds the protocol's plan or is not in whole units, a session is
/// already prescribed, or an authorisation (prescriber, product, indication, patient, quantity)
/// or a readiness item is not in force today.
#[utoipa::path(post, path = "/api/v1/participants/{participant_id}/prescriptions", tag = "prescribing",
    security(("bearer" = [])), params(("participant_id" = String, Path)), request_body = PrescriptionBody,
    responses((status = 201, body = PrescriptionView), (status = 422, body = crate::platform::web::error::Problem)))]
pub async fn prescribe(
    State(state): State<AppState>,
    auth: Auth,
    Path(participant_id): Path<String>,
    ApiJson(b): ApiJson<PrescriptionBody>,
) -> ApiResult<(StatusCode, Json<PrescriptionView>)> {
    let input = PrescriptionInput {
        product: b.product,
        indication: b.indication,
        strength_mg: b.strength_mg,
        doses: b
            .doses
            .into_iter()
            .map(|d| PrescribedDose { visit_id: d.visit_id, initial_mg: d.initial_mg, supplemental_mg: d.supplemental_mg })
            .collect(),
        expires_on: b.expires_on,
    };
    let rx = state.app.prescribe(&auth.actor, &participant_id, &input, &b.password).await?;
    Ok((StatusCode::CREATED, Json(rx.into())))
}

/// Cancel a prescription, with the reason (its prescriber, or the site lead).
#[utoipa::path(post, path = "/api/v1/prescriptions/{prescription_id}/cancel", tag = "prescribing",
    security(("bearer" = [])), params(("prescription_id" = String, Path)), request_body = ReasonBody,
    responses((status = 200, body = PrescriptionView), (status = 409, body = crate::platform::web::error::Problem)))]
pub async fn cancel(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<ReasonBody>,
) -> ApiResult<Json<PrescriptionView>> {
    Ok(Json(state.app.cancel_prescription(&auth.actor, &id, &b.reason).await?.into()))
}

/// A physician's signed decision that a dosing session may have more than prescribed.
#[derive(Debug, serde::Serialize, ToSchema)]
pub struct DoseDecisionView {
    pub id: String,
    pub participant_id: String,
    pub prescription_id: String,
    pub visit_id: String,
    /// The most that may be dispensed and given for the session, initial and supplemental
    /// doses together, in milligrams.
    pub session_mg: f64,
    pub reason: String,
    pub decided_by: String,
    /// Site-local date, YYYY-MM-DD.
    pub decided_on: String,
    pub recorded_at: String,
    /// Above the protocol's plan: in effect only once a second physician confirmed it.
    pub above_protocol: bool,
    pub confirmed_by: Option<String>,
    /// Whether it sets the session's limit now.
    pub in_effect: bool,
}

impl From<DoseDecision> for DoseDecisionView {
    fn from(d: DoseDecision) -> Self {
        DoseDecisionView {
            in_effect: d.in_effect(),
            id: d.id,
            participant_id: d.participant_id,
            prescription_id: d.prescription_id,
            visit_id: d.visit_id,
            session_mg: d.session_mg,
            reason: d.reason,
            decided_by: d.decided_by,
            decided_on: d.decided_on,
            recorded_at: d.recorded_at.to_rfc3339(),
            above_protocol: d.above_protocol,
            confirmed_by: d.confirmed_by,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DoseDecisionBody {
    /// The participant's active prescription of the session.
    pub prescription_id: String,
    /// The dosing session (protocol visit) the prescription names, e.g. `exp2`.
    pub visit_id: String,
    /// The new most for the session, initial and supplemental together, in milligrams: above
    /// what is allowed now, in whole units of the prescription's strength.
    pub session_mg: f64,
    /// The clinical reason.
    pub reason: String,
    /// The physician's password: recording the decision signs it (meaning: approval).
    pub password: String,
}

/// The physicians' decisions above a participant's prescriptions, oldest first.
#[utoipa::path(get, path = "/api/v1/participants/{participant_id}/dose-decisions", tag = "prescribing",
    security(("bearer" = [])), params(("participant_id" = String, Path)), responses((status = 200, body = [DoseDecisionView])))]
pub async fn decisions(
    State(state): State<AppState>,
    auth: Auth,
    Path(participant_id): Path<String>,
) -> ApiResult<Json<Vec<DoseDecisionView>>> {
    Ok(Json(state.app.dose_decisions(&auth.actor, &participant_id).await?.into_iter().map(DoseDecisionView::from).collect()))
}

/// Record and sign, as the signed-in physician, that a dosing session may have more than its
/// prescription allows. Dispensing for the session is then held to the decision's limit.
/// Refused (422) unless the prescription is active and in force and names the session, the new
/// limit is above the current one in whole units, a reason is given, and the authorisations
/// cover the participant's new total.
#[utoipa::path(post, path = "/api/v1/participants/{participant_id}/dose-decisions", tag = "prescribing",
    security(("bearer" = [])), params(("participant_id" = String, Path)), request_body = DoseDecisionBody,
    responses((status = 201, body = DoseDecisionView), (status = 422, body = crate::platform::web::error::Problem)))]
pub async fn decide(
    State(state): State<AppState>,
    auth: Auth,
    Path(participant_id): Path<String>,
    ApiJson(b): ApiJson<DoseDecisionBody>,
) -> ApiResult<(StatusCode, Json<DoseDecisionView>)> {
    let input = DoseDecisionInput {
        prescription_id: b.prescription_id,
        visit_id: b.visit_id,
        session_mg: b.session_mg,
        reason: b.reason,
    };
    let decision = state.app.decide_dose_above_prescription(&auth.actor, &participant_id, &input, &b.password).await?;
    Ok((StatusCode::CREATED, Json(decision.into())))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfirmBody {
    /// The confirming physician's password: confirming signs the decision (meaning: approval).
    pub password: String,
}

/// Confirm, as a second physician, a decision above the protocol's plan: only then does it set
/// the session's limit. Refused (422) for one's own decision, one within the plan, or one
/// already confirmed.
#[utoipa::path(post, path = "/api/v1/dose-decisions/{decision_id}/confirm", tag = "prescribing",
    security(("bearer" = [])), params(("decision_id" = String, Path)), request_body = ConfirmBody,
    responses((status = 200, body = DoseDecisionView), (status = 422, body = crate::platform::web::error::Problem)))]
pub async fn confirm_decision(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<ConfirmBody>,
) -> ApiResult<Json<DoseDecisionView>> {
    Ok(Json(state.app.confirm_dose_decision(&auth.actor, &id, &b.password).await?.into()))
}
