use crate::capabilities::treatment::domain::booking::BookingInput;
use crate::capabilities::treatment::domain::credentials::CredentialInput;
use crate::capabilities::treatment::usecases::{StaffCredentialView, Timeline, protocols};
use crate::platform::web::error::ApiResult;
use crate::platform::web::extract::{ApiJson, ApiQuery, Auth};
use crate::platform::web::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use catalyst_core::DomainError;
use crate::capabilities::treatment::domain::{Appointment, AppointmentStatus, Deviation, Enrolment, Room, StaffCredential};
use catalyst_protocol::Protocol;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::routes;

/// This capability's API operations, added to the platform's router.
pub(crate) fn routes(router: utoipa_axum::router::OpenApiRouter<crate::platform::web::AppState>) -> utoipa_axum::router::OpenApiRouter<crate::platform::web::AppState> {
    router
        .routes(routes!(list_protocols))
        .routes(routes!(enrol, move_enrolment))
        .routes(routes!(timeline))
        .routes(routes!(book))
        .routes(routes!(attendance))
        .routes(routes!(calendar))
        .routes(routes!(rooms))
        .routes(routes!(deviations))
        .routes(routes!(record_deviation))
        .routes(routes!(resolve_deviation))
        .routes(routes!(credentials))
        .routes(routes!(set_credential))
        .routes(routes!(my_calendar))
}

/// The built-in treatment protocols with their visits, windows, staffing and dose plans.
#[utoipa::path(get, path = "/api/v1/protocols", tag = "treatment", security(("bearer" = [])), responses((status = 200, body = [Object])))]
pub async fn list_protocols(_auth: Auth) -> ApiResult<Json<Vec<Protocol>>> {
    Ok(Json(protocols()?.list().into_iter().cloned().collect()))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EnrolBody {
    pub protocol_id: String,
    /// The newest version when omitted.
    #[serde(default)]
    pub version: Option<i64>,
    /// Site-local date the schedule counts from, YYYY-MM-DD.
    pub baseline_on: String,
}

/// Enrol a participant on a protocol; their schedule follows from the baseline date.
#[utoipa::path(post, path = "/api/v1/participants/{participant_id}/enrolment", tag = "treatment", security(("bearer" = [])),
    params(("participant_id" = String, Path)), request_body = EnrolBody,
    responses((status = 201, body = Object), (status = 409, body = crate::platform::web::error::Problem), (status = 422, body = crate::platform::web::error::Problem)))]
pub async fn enrol(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<EnrolBody>,
) -> ApiResult<(StatusCode, Json<Enrolment>)> {
    let enrolment = state.app.enrol(&auth.actor, &id, &b.protocol_id, b.version, &b.baseline_on).await?;
    Ok((StatusCode::CREATED, Json(enrolment)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MoveEnrolmentBody {
    pub protocol_id: String,
    pub version: i64,
    /// Why the participant moves (kept in the audit trail).
    pub reason: String,
}

/// Move an enrolled participant to another protocol version (an amendment), with the reason.
#[utoipa::path(put, path = "/api/v1/participants/{participant_id}/enrolment", tag = "treatment", security(("bearer" = [])),
    params(("participant_id" = String, Path)), request_body = MoveEnrolmentBody,
    responses((status = 200, body = Object), (status = 409, body = crate::platform::web::error::Problem), (status = 422, body = crate::platform::web::error::Problem)))]
pub async fn move_enrolment(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<MoveEnrolmentBody>,
) -> ApiResult<Json<Enrolment>> {
    Ok(Json(state.app.move_enrolment(&auth.actor, &id, &b.protocol_id, b.version, &b.reason).await?))
}

/// The participant's course: every visit with its window, booking and status today.
#[utoipa::path(get, path = "/api/v1/participants/{participant_id}/timeline", tag = "treatment", security(("bearer" = [])),
    params(("participant_id" = String, Path)), responses((status = 200, body = Object), (status = 404, body = crate::platform::web::error::Problem)))]
pub async fn timeline(State(state): State<AppState>, auth: Auth, Path(id): Path<String>) -> ApiResult<Json<Timeline>> {
    let timeline = state.app.timeline(&auth.actor, &id).await?;
    timeline.map(Json).ok_or_else(|| DomainError::not_found("enrolment", id).into())
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BookingBody {
    pub visit_id: String,
    /// Site-local date, YYYY-MM-DD.
    pub date: String,
    /// Site-local start time, HH:MM.
    pub time: String,
    pub room_id: String,
    /// User ids of the staff in the room.
    pub staff: Vec<String>,
    /// To book outside the visit's window on purpose (recorded as a deviation).
    #[serde(default)]
    pub out_of_window_reason: Option<String>,
    /// Required when the visit is already booked and is being moved.
    #[serde(default)]
    pub reschedule_reason: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BookedView {
    #[schema(value_type = Object)]
    pub appointment: Appointment,
    #[schema(value_type = Object)]
    pub deviations: Vec<Deviation>,
}

/// Book or move a visit. Refused, naming every problem, outside its window (unless a reason is
/// given), without the required credentialed staff, or when a person or the room is busy.
#[utoipa::path(post, path = "/api/v1/participants/{participant_id}/bookings", tag = "treatment", security(("bearer" = [])),
    params(("participant_id" = String, Path)), request_body = BookingBody,
    responses((status = 201, body = BookedView), (status = 422, body = crate::platform::web::error::Problem)))]
pub async fn book(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<BookingBody>,
) -> ApiResult<(StatusCode, Json<BookedView>)> {
    let input = BookingInput {
        visit_id: b.visit_id,
        date: b.date,
        time: b.time,
        room_id: b.room_id,
        staff: b.staff,
        out_of_window_reason: b.out_of_window_reason,
        reschedule_reason: b.reschedule_reason,
    };
    let (appointment, deviations) = state.app.book(&auth.actor, &id, &input).await?;
    Ok((StatusCode::CREATED, Json(BookedView { appointment, deviations })))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AttendanceBody {
    /// attended, missed or cancelled.
    pub status: String,
    pub note: String,
}

/// Record whether a booked visit took place (a missed visit is recorded as a deviation).
#[utoipa::path(post, path = "/api/v1/appointments/{appointment_id}/attendance", tag = "treatment", security(("bearer" = [])),
    params(("appointment_id" = String, Path)), request_body = AttendanceBody, responses((status = 200, body = Object)))]
pub async fn attendance(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<AttendanceBody>,
) -> ApiResult<Json<Appointment>> {
    let status = AppointmentStatus::parse("status", &b.status).map_err(|v| DomainError::Invalid(vec![v]))?;
    Ok(Json(state.app.record_attendance(&auth.actor, &id, status, &b.note).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct CalendarQuery {
    /// First day, YYYY-MM-DD (site-local).
    pub from: String,
    /// Number of days, 1 to 31 (default 7).
    #[serde(default = "week")]
    pub days: i64,
}

fn week() -> i64 {
    7
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CalendarEntry {
    #[schema(value_type = Object)]
    pub appointment: Appointment,
    pub participant_code: String,
}

/// A site's appointments over a range of days.
#[utoipa::path(get, path = "/api/v1/sites/{site_id}/calendar", tag = "treatment", security(("bearer" = [])),
    params(("site_id" = String, Path), CalendarQuery), responses((status = 200, body = [CalendarEntry])))]
pub async fn calendar(
    State(state): State<AppState>,
    auth: Auth,
    Path(site_id): Path<String>,
    ApiQuery(q): ApiQuery<CalendarQuery>,
) -> ApiResult<Json<Vec<CalendarEntry>>> {
    let (from, to) = crate::capabilities::treatment::pages::day_range(&state, &site_id, &q.from, q.days).await?;
    let entries = state.app.site_calendar(&auth.actor, &site_id, from, to).await?;
    Ok(Json(
        entries
            .into_iter()
            .map(|(appointment, participant_code)| CalendarEntry { appointment, participant_code })
            .collect(),
    ))
}

#[utoipa::path(get, path = "/api/v1/sites/{site_id}/rooms", tag = "treatment", security(("bearer" = [])),
    params(("site_id" = String, Path)), responses((status = 200, body = [Object])))]
pub async fn rooms(
    State(state): State<AppState>,
    auth: Auth,
    Path(site_id): Path<String>,
) -> ApiResult<Json<Vec<Room>>> {
    Ok(Json(state.app.rooms(&auth.actor, &site_id).await?))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DeviationView {
    #[schema(value_type = Object)]
    pub deviation: Deviation,
    pub participant_code: String,
}

/// A site's deviation log, newest first.
#[utoipa::path(get, path = "/api/v1/sites/{site_id}/deviations", tag = "treatment", security(("bearer" = [])),
    params(("site_id" = String, Path)), responses((status = 200, body = [DeviationView])))]
pub async fn deviations(
    State(state): State<AppState>,
    auth: Auth,
    Path(site_id): Path<String>,
) -> ApiResult<Json<Vec<DeviationView>>> {
    let log = state.app.deviation_log(&auth.actor, &site_id).await?;
    Ok(Json(
        log.into_iter().map(|(deviation, participant_code)| DeviationView { deviation, participant_code }).collect(),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeviationBody {
    #[serde(default)]
    pub visit_id: Option<String>,
    /// minor, major or critical.
    pub severity: String,
    pub description: String,
}

/// Record a deviation by hand.
#[utoipa::path(post, path = "/api/v1/participants/{participant_id}/deviations", tag = "treatment", security(("bearer" = [])),
    params(("participant_id" = String, Path)), request_body = DeviationBody, responses((status = 201, body = Object)))]
pub async fn record_deviation(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<DeviationBody>,
) -> ApiResult<(StatusCode, Json<Deviation>)> {
    let d = state.app.record_deviation(&auth.actor, &id, b.visit_id.as_deref(), &b.severity, &b.description).await?;
    Ok((StatusCode::CREATED, Json(d)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResolutionBody {
    pub resolution: String,
}

/// Resolve a deviation (it is never deleted).
#[utoipa::path(post, path = "/api/v1/deviations/{deviation_id}/resolve", tag = "treatment", security(("bearer" = [])),
    params(("deviation_id" = String, Path)), request_body = ResolutionBody, responses((status = 200, body = Object)))]
pub async fn resolve_deviation(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<ResolutionBody>,
) -> ApiResult<Json<Deviation>> {
    Ok(Json(state.app.resolve_deviation(&auth.actor, &id, &b.resolution).await?))
}

/// Therapists at a site with their credentials and status today.
#[utoipa::path(get, path = "/api/v1/sites/{site_id}/credentials", tag = "treatment", security(("bearer" = [])),
    params(("site_id" = String, Path)), responses((status = 200, body = [Object])))]
pub async fn credentials(
    State(state): State<AppState>,
    auth: Auth,
    Path(site_id): Path<String>,
) -> ApiResult<Json<Vec<StaffCredentialView>>> {
    Ok(Json(state.app.site_credentials(&auth.actor, &site_id).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CredentialBody {
    #[serde(default)]
    pub training_completed_on: Option<String>,
    pub supervised_sessions: i64,
    #[serde(default)]
    pub certified_until: Option<String>,
    #[serde(default)]
    pub ethics_attested_on: Option<String>,
    /// Required when an existing credential is changed.
    #[serde(default)]
    pub reason: Option<String>,
}

/// Record a therapist's training, supervised sessions, certification and ethics attestation.
#[utoipa::path(put, path = "/api/v1/sites/{site_id}/credentials/{user_id}", tag = "treatment", security(("bearer" = [])),
    params(("site_id" = String, Path), ("user_id" = String, Path)), request_body = CredentialBody, responses((status = 200, body = Object)))]
pub async fn set_credential(
    State(state): State<AppState>,
    auth: Auth,
    Path((site_id, user_id)): Path<(String, String)>,
    ApiJson(b): ApiJson<CredentialBody>,
) -> ApiResult<Json<StaffCredential>> {
    let input = CredentialInput {
        training_completed_on: b.training_completed_on,
        supervised_sessions: b.supervised_sessions,
        certified_until: b.certified_until,
        ethics_attested_on: b.ethics_attested_on,
        reason: b.reason,
    };
    Ok(Json(state.app.set_credential(&auth.actor, &site_id, &user_id, &input).await?))
}

/// My visits as an iCalendar feed (staff: the sessions I am booked for; participants: mine).
#[utoipa::path(get, path = "/api/v1/me/calendar.ics", tag = "treatment", security(("bearer" = [])),
    responses((status = 200, content_type = "text/calendar", body = String)))]
pub async fn my_calendar(State(state): State<AppState>, auth: Auth) -> ApiResult<impl IntoResponse> {
    let ics = state.app.my_calendar(&auth.actor).await?;
    Ok(([(header::CONTENT_TYPE, "text/calendar; charset=utf-8")], ics))
}
