//! The adverse-event API: a participant's events (record, correct with a reason, the sponsor's
//! expectedness call), solicited checklists and a site's gaps, serious events' reporting clocks
//! and marking a report sent, the CIOMS I form, and the DSMB's blinded listing and incidence
//! table (JSON or CSV). Times are UTC microseconds; an onset or end is `{"at": µs}` or
//! `{"date": "YYYY-MM-DD"}` (site-local) where only the date is known.

use crate::capabilities::adverse_events::domain::{AdverseEventRecord, SaeSubmission, SolicitedChecklist};
use crate::capabilities::adverse_events::usecases::{
    ChecklistRequest, Correction, EventClocks, RecordedChecklist, SelfReportView, SentInput, complete,
};
use crate::platform::web::error::{ApiResult, Problem};
use crate::platform::web::extract::{ApiJson, ApiQuery, Auth};
use crate::platform::web::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use catalyst_core::DomainError;
use catalyst_core::time::Timestamp;
use catalyst_safety::{
    ActionTaken, AdverseEvent, Answers, Checklist, Clock, EventInput, Expected, ExpectednessInput, Gap, GradeInput,
    HowBad, Outcome, Relatedness, Reply, ReportedBy, Review, ReviewOutcome, SelfReport, SelfReportInput, Seriousness,
    Severity, When,
};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(crate) fn routes(router: OpenApiRouter<AppState>) -> OpenApiRouter<AppState> {
    router
        .routes(routes!(list, record))
        .routes(routes!(show))
        .routes(routes!(correct))
        .routes(routes!(expectedness))
        .routes(routes!(clocks))
        .routes(routes!(mark_sent))
        .routes(routes!(cioms))
        .routes(routes!(checklists, record_checklist))
        .routes(routes!(gaps))
        .routes(routes!(site_clocks))
        .routes(routes!(listing))
        .routes(routes!(incidence))
        .routes(routes!(self_reports, report_how_i_feel))
        .routes(routes!(review_self_report))
}

/// An adverse event's current revision.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventView {
    pub id: String,
    pub site_id: String,
    pub participant_id: String,
    pub session_id: Option<String>,
    /// 1, then one more per correction (earlier revisions are in the ledger).
    pub revision: i64,
    /// The record: `details` as entered, `term_label`, `serious` (derived from the criteria),
    /// `listed_in_rsi`, who recorded this revision and when, and a correction's `reason` and
    /// `changed` fields.
    #[schema(value_type = Object)]
    pub event: AdverseEvent,
    pub open: bool,
}

impl From<AdverseEventRecord> for EventView {
    fn from(r: AdverseEventRecord) -> Self {
        EventView {
            open: r.event.open(),
            id: r.id,
            site_id: r.site_id,
            participant_id: r.participant_id,
            session_id: r.session_id,
            revision: r.revision,
            event: r.event,
        }
    }
}

/// An event as entered (or as it should read after a correction).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EventBody {
    /// A term id of the term list (e.g. `euphoria`, `hypertension`), or `other`.
    pub term: String,
    /// The event's name when `term` is `other`.
    #[serde(default)]
    pub other_term: Option<String>,
    /// The reporter's own words.
    pub verbatim: String,
    /// `participant`, `clinician` or `other`.
    #[schema(value_type = String)]
    pub reported_by: ReportedBy,
    /// `{"at": µs}` or `{"date": "YYYY-MM-DD"}`; not in the future.
    #[schema(value_type = Object)]
    pub onset: When,
    /// As onset; not before it.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub end: Option<When>,
    /// `mild`, `moderate` or `severe`.
    #[schema(value_type = String)]
    pub severity: Severity,
    /// A CTCAE v5 grade, only for a term that has grades: `{"grade": 2, "intervention": ..., "duration_hours": ...}`.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub grade: Option<GradeInput>,
    /// The ICH E2A criteria, each its own box: `death`, `life_threatening`, `hospitalisation`,
    /// `disability`, `congenital_anomaly`, `medically_important`.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub seriousness: Seriousness,
    /// Must agree with the criteria.
    pub serious: bool,
    /// `not_related`, `unlikely`, `possible`, `probable` or `definite`.
    #[schema(value_type = String)]
    pub related_to_drug: Relatedness,
    #[schema(value_type = String)]
    pub related_to_therapy: Relatedness,
    /// The sponsor's call (`assessment`, `rsi_version`, `assessed_by`, `assessed_at`); usually
    /// made later with the expectedness operation.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub expectedness: Option<ExpectednessInput>,
    /// `dose_not_changed`, `supplemental_dose_withheld`, `session_stopped`, `drug_withdrawn`,
    /// `not_applicable` or `unknown`.
    #[schema(value_type = String)]
    pub action_taken: ActionTaken,
    /// `recovered`, `recovering`, `not_recovered`, `recovered_with_sequelae`, `fatal`,
    /// `unknown`; absent while not known.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub outcome: Option<Outcome>,
    /// The participant's dosing session (appointment id) the event follows.
    #[serde(default)]
    pub session_id: Option<String>,
    /// When the site first knew of it (UTC µs; default: now for a new event, unchanged for a
    /// correction). The site's reporting clock starts here.
    #[serde(default)]
    #[schema(value_type = Option<i64>)]
    pub site_aware_at: Option<Timestamp>,
}

impl EventBody {
    /// The pure crate's input; the participant is the path's (or the event's), and a missing
    /// `site_aware_at` is `aware` (now for a new event, the event's own for a correction).
    fn into_input(self, aware: Timestamp) -> EventInput {
        EventInput {
            participant_id: String::new(),
            term: self.term,
            other_term: self.other_term,
            verbatim: self.verbatim,
            reported_by: self.reported_by,
            onset: self.onset,
            end: self.end,
            severity: self.severity,
            grade: self.grade,
            seriousness: self.seriousness,
            serious: self.serious,
            related_to_drug: self.related_to_drug,
            related_to_therapy: self.related_to_therapy,
            expectedness: self.expectedness,
            action_taken: self.action_taken,
            outcome: self.outcome,
            session_id: self.session_id,
            site_aware_at: self.site_aware_at.unwrap_or(aware),
        }
    }
}

/// A participant's adverse events (current revisions), oldest first.
#[utoipa::path(get, path = "/api/v1/participants/{participant_id}/adverse-events", tag = "adverse_events",
    security(("bearer" = [])), params(("participant_id" = String, Path)), responses((status = 200, body = [EventView])))]
pub async fn list(
    State(state): State<AppState>,
    auth: Auth,
    Path(participant_id): Path<String>,
) -> ApiResult<Json<Vec<EventView>>> {
    let events = state.app.adverse_events(&auth.actor, &participant_id).await?.or_refuse()?;
    Ok(Json(events.into_iter().map(EventView::from).collect()))
}

/// Record an adverse event for the participant. Refused (422) naming each field and rule: an
/// unknown term, an onset or end in the future, an end before the onset, a grade the term does
/// not have, serious without a criterion, and the rest of docs/safety.md's table.
#[utoipa::path(post, path = "/api/v1/participants/{participant_id}/adverse-events", tag = "adverse_events",
    security(("bearer" = [])), params(("participant_id" = String, Path)), request_body = EventBody,
    responses((status = 201, body = EventView), (status = 422, body = Problem)))]
pub async fn record(
    State(state): State<AppState>,
    auth: Auth,
    Path(participant_id): Path<String>,
    ApiJson(b): ApiJson<EventBody>,
) -> ApiResult<(StatusCode, Json<EventView>)> {
    let input = b.into_input(state.app.now());
    let event = state.app.record_adverse_event(&auth.actor, &participant_id, input).await?;
    Ok((StatusCode::CREATED, Json(event.into())))
}

/// One adverse event.
#[utoipa::path(get, path = "/api/v1/adverse-events/{event_id}", tag = "adverse_events",
    security(("bearer" = [])), params(("event_id" = String, Path)), responses((status = 200, body = EventView)))]
pub async fn show(State(state): State<AppState>, auth: Auth, Path(id): Path<String>) -> ApiResult<Json<EventView>> {
    Ok(Json(state.app.adverse_event(&auth.actor, &id).await?.into()))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CorrectionBody {
    /// The event as it should read (every field; the participant stays the event's).
    pub event: EventBody,
    /// Why it is corrected (required: the ledger keeps it with the old and new values).
    pub reason: String,
    /// The revision the correction was made from (409 if the event has been corrected since:
    /// reload it and correct that).
    pub revision: i64,
}

/// Correct an event, with the reason. Relatedness, or a seriousness criterion taken away, is
/// the investigator's (physician, site lead); expectedness the sponsor's; the rest whoever
/// records events. 409 if it was corrected meanwhile.
#[utoipa::path(post, path = "/api/v1/adverse-events/{event_id}/corrections", tag = "adverse_events",
    security(("bearer" = [])), params(("event_id" = String, Path)), request_body = CorrectionBody,
    responses((status = 200, body = EventView), (status = 422, body = Problem)))]
pub async fn correct(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<CorrectionBody>,
) -> ApiResult<Json<EventView>> {
    let keep_awareness = b.event.site_aware_at.is_none();
    let correction = Correction { input: b.event.into_input(Timestamp(0)), based_on: b.revision, keep_awareness };
    Ok(Json(state.app.correct_adverse_event(&auth.actor, &id, correction, &b.reason).await?.into()))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExpectednessBody {
    /// `expected` or `unexpected`.
    #[schema(value_type = String)]
    pub assessment: Expected,
    /// The reference safety information version judged against (in effect today).
    pub rsi_version: u32,
    pub reason: String,
}

/// The sponsor's expectedness call on an event (the monitor role holds it), with the reason.
/// "Expected" is refused for a term the version does not list.
#[utoipa::path(post, path = "/api/v1/adverse-events/{event_id}/expectedness", tag = "adverse_events",
    security(("bearer" = [])), params(("event_id" = String, Path)), request_body = ExpectednessBody,
    responses((status = 200, body = EventView), (status = 422, body = Problem)))]
pub async fn expectedness(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<ExpectednessBody>,
) -> ApiResult<Json<EventView>> {
    let event = state.app.assess_expectedness(&auth.actor, &id, b.assessment, b.rsi_version, &b.reason).await?;
    Ok(Json(event.into()))
}

/// A serious event's reporting clocks: each names its rule and sources, its start event
/// (`site_awareness`, `sponsor_first_knowledge`, ...), when it started, its deadline (UTC µs)
/// and site-local due date, recipient, what is due, and its status (`not_started`, `running`,
/// `stopped` with the reference and whether late). None for an event that is not serious.
#[utoipa::path(get, path = "/api/v1/adverse-events/{event_id}/clocks", tag = "adverse_events",
    security(("bearer" = [])), params(("event_id" = String, Path)), responses((status = 200, body = [Object])))]
pub async fn clocks(State(state): State<AppState>, auth: Auth, Path(id): Path<String>) -> ApiResult<Json<Vec<Clock>>> {
    Ok(Json(state.app.event_clocks(&auth.actor, &id).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SentBody {
    /// The clock's rule, e.g. `us_site_to_sponsor`.
    pub rule_id: String,
    /// The recipient's reference (case number, acknowledgement).
    pub reference: String,
    /// When it was sent, UTC µs (default: now); not in the future, not before the clock started.
    #[serde(default)]
    #[schema(value_type = Option<i64>)]
    pub sent_at: Option<Timestamp>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SubmissionView {
    pub id: String,
    pub event_id: String,
    pub rule_id: String,
    pub recipient: String,
    pub reference: String,
    #[schema(value_type = i64)]
    pub sent_at: Timestamp,
    /// When it was marked sent in Catalyst (UTC µs): a report dated back shows it.
    #[schema(value_type = i64)]
    pub entered_at: Timestamp,
    pub sent_by: String,
}

impl From<SaeSubmission> for SubmissionView {
    fn from(s: SaeSubmission) -> Self {
        SubmissionView {
            id: s.id,
            event_id: s.event_id,
            rule_id: s.rule_id,
            recipient: s.recipient,
            reference: s.reference,
            sent_at: s.sent_at,
            entered_at: s.recorded_at,
            sent_by: s.sent_by,
        }
    }
}

/// Mark the report of a running clock sent, with its reference: the clock stops. On a
/// sponsored trial the site's report to the sponsor is the sponsor's first knowledge, which
/// starts the regulator's clocks. 409 for a clock already stopped or not started.
#[utoipa::path(post, path = "/api/v1/adverse-events/{event_id}/reports", tag = "adverse_events",
    security(("bearer" = [])), params(("event_id" = String, Path)), request_body = SentBody,
    responses((status = 201, body = SubmissionView), (status = 422, body = Problem)))]
pub async fn mark_sent(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<SentBody>,
) -> ApiResult<(StatusCode, Json<SubmissionView>)> {
    let input = SentInput { rule_id: b.rule_id, reference: b.reference, sent_at: b.sent_at };
    let sent = state.app.mark_safety_report_sent(&auth.actor, &id, &input).await?;
    Ok((StatusCode::CREATED, Json(sent.into())))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct FormatQuery {
    /// `json` (default) or `csv`.
    #[serde(default)]
    pub format: Option<String>,
}

impl FormatQuery {
    fn csv(&self) -> Result<bool, DomainError> {
        match self.format.as_deref().map(str::trim) {
            None | Some("" | "json") => Ok(false),
            Some("csv") => Ok(true),
            Some(other) => Err(DomainError::Invalid(vec![catalyst_core::Violation::one_of("format", other, &["json", "csv"])])),
        }
    }
}

fn csv_response(name: String, csv: String) -> Response {
    let disposition = format!("attachment; filename=\"{name}.csv\"");
    ([(header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()), (header::CONTENT_DISPOSITION, disposition)], csv)
        .into_response()
}

/// The CIOMS I form's fields for an event's current revision (JSON, or CSV of label and value
/// in the form's box order with `format=csv`).
#[utoipa::path(get, path = "/api/v1/adverse-events/{event_id}/cioms", tag = "adverse_events",
    security(("bearer" = [])), params(("event_id" = String, Path), FormatQuery), responses((status = 200, body = Object)))]
pub async fn cioms(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<FormatQuery>,
) -> ApiResult<Response> {
    let csv = q.csv()?;
    let form = state.app.cioms_form(&auth.actor, &id).await?;
    if csv {
        return Ok(csv_response(format!("cioms-{id}"), form.to_csv()));
    }
    Ok(Json(form).into_response())
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChecklistBody {
    /// The participant's dosing session (appointment id), begun.
    pub session_id: String,
    /// `during_session`, `session_end`, `next_day_integration` or `day_7`.
    pub point: String,
    /// One answer per solicited term: `[{"term": "euphoria", "answer": "present"}, ...]`,
    /// `answer` one of `present`, `absent`, `not_asked` (with a `reason`). One answer for the
    /// whole list (`"none"`) is refused.
    #[schema(value_type = Object)]
    pub answers: Answers,
    /// The point's questions (day 7: `non_medical_mdma_use`), each `yes`, `no` or `declined`.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub questions: BTreeMap<String, Reply>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ChecklistView {
    pub id: String,
    pub participant_id: String,
    pub session_id: String,
    pub point: String,
    pub clinician_id: String,
    #[schema(value_type = Object)]
    pub checklist: Checklist,
    /// Terms answered present with no open event after the session yet: record each as an event.
    pub to_record: Vec<String>,
}

impl ChecklistView {
    fn of(c: SolicitedChecklist, to_record: Vec<String>) -> Self {
        ChecklistView {
            id: c.id,
            participant_id: c.participant_id,
            session_id: c.session_id,
            point: c.point,
            clinician_id: c.clinician_id,
            checklist: c.checklist,
            to_record,
        }
    }
}

/// A participant's solicited checklists, oldest first.
#[utoipa::path(get, path = "/api/v1/participants/{participant_id}/solicited-checklists", tag = "adverse_events",
    security(("bearer" = [])), params(("participant_id" = String, Path)), responses((status = 200, body = [ChecklistView])))]
pub async fn checklists(
    State(state): State<AppState>,
    auth: Auth,
    Path(participant_id): Path<String>,
) -> ApiResult<Json<Vec<ChecklistView>>> {
    let all = state.app.checklists(&auth.actor, &participant_id).await?.or_refuse()?;
    Ok(Json(all.into_iter().map(|c| ChecklistView::of(c, Vec::new())).collect()))
}

/// Record the solicited checklist of one of the participant's dosing sessions at a point,
/// term by term, as the signed-in clinician. 422 naming each unanswered term
/// (`answers.<term>`/`required`) or a blanket answer (`answers`/`each_term`); 409 if the point
/// was already checked for the session.
#[utoipa::path(post, path = "/api/v1/participants/{participant_id}/solicited-checklists", tag = "adverse_events",
    security(("bearer" = [])), params(("participant_id" = String, Path)), request_body = ChecklistBody,
    responses((status = 201, body = ChecklistView), (status = 422, body = Problem)))]
pub async fn record_checklist(
    State(state): State<AppState>,
    auth: Auth,
    Path(participant_id): Path<String>,
    ApiJson(b): ApiJson<ChecklistBody>,
) -> ApiResult<(StatusCode, Json<ChecklistView>)> {
    let request = ChecklistRequest { session_id: b.session_id, point: b.point, answers: b.answers, questions: b.questions };
    let RecordedChecklist { record, to_record } = state.app.record_checklist(&auth.actor, &participant_id, request).await?;
    Ok((StatusCode::CREATED, Json(ChecklistView::of(record, to_record))))
}

/// The site's missing solicited checks: each check of a held dosing session past its due time
/// without its checklist (`session_id`, `participant_id`, `point`, `due_at`), oldest first.
#[utoipa::path(get, path = "/api/v1/sites/{site_id}/solicited-gaps", tag = "adverse_events",
    security(("bearer" = [])), params(("site_id" = String, Path)), responses((status = 200, body = [Object])))]
pub async fn gaps(State(state): State<AppState>, auth: Auth, Path(site_id): Path<String>) -> ApiResult<Json<Vec<Gap>>> {
    Ok(Json(state.app.checklist_gaps(&auth.actor, &site_id).await?.or_refuse()?))
}

/// A serious event at a site with its clocks.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventClocksView {
    pub event_id: String,
    pub participant_id: String,
    pub participant_code: String,
    pub term: String,
    /// `sponsored_trial`, `authorised_prescriber` or `special_access` (from the site's
    /// authorisations in force).
    pub pathway: String,
    #[schema(value_type = [Object])]
    pub clocks: Vec<Clock>,
    /// Why the clocks cannot be computed (unknown jurisdiction, no rules for the pathway).
    pub problem: Option<String>,
}

impl From<EventClocks> for EventClocksView {
    fn from(c: EventClocks) -> Self {
        EventClocksView {
            event_id: c.event.id,
            participant_id: c.event.participant_id,
            participant_code: c.participant_code,
            term: c.event.event.term_label,
            pathway: c.pathway.as_str().to_owned(),
            clocks: c.clocks,
            problem: c.problem,
        }
    }
}

/// Every serious event's reporting clocks at a site (the site lead's, physician's and
/// monitor's worklist until each report is marked sent).
#[utoipa::path(get, path = "/api/v1/sites/{site_id}/safety-clocks", tag = "adverse_events",
    security(("bearer" = [])), params(("site_id" = String, Path)), responses((status = 200, body = [EventClocksView])))]
pub async fn site_clocks(
    State(state): State<AppState>,
    auth: Auth,
    Path(site_id): Path<String>,
) -> ApiResult<Json<Vec<EventClocksView>>> {
    let clocks = state.app.safety_clocks(&auth.actor, &site_id).await?;
    complete(&clocks.integrity)?;
    Ok(Json(clocks.events.into_iter().map(EventClocksView::from).collect()))
}

/// The DSMB listing of a site's events, blinded (no arm), participants by code; CSV with
/// `format=csv` (cells that could be read as formulas are quoted).
#[utoipa::path(get, path = "/api/v1/sites/{site_id}/adverse-events/listing", tag = "adverse_events",
    security(("bearer" = [])), params(("site_id" = String, Path), FormatQuery), responses((status = 200, body = [Object])))]
pub async fn listing(
    State(state): State<AppState>,
    auth: Auth,
    Path(site_id): Path<String>,
    ApiQuery(q): ApiQuery<FormatQuery>,
) -> ApiResult<Response> {
    let csv = q.csv()?;
    let listing = state.app.safety_listing(&auth.actor, &site_id).await?;
    complete(&listing.integrity)?;
    if csv {
        return Ok(csv_response(format!("{}-adverse-events", listing.site_code), listing.csv));
    }
    Ok(Json(listing.rows).into_response())
}

/// The incidence table of a site's events by term (participants, events, worst severity,
/// serious, related to drug and to therapy), blinded: one column for everyone; CSV with
/// `format=csv`.
#[utoipa::path(get, path = "/api/v1/sites/{site_id}/adverse-events/incidence", tag = "adverse_events",
    security(("bearer" = [])), params(("site_id" = String, Path), FormatQuery), responses((status = 200, body = Object)))]
pub async fn incidence(
    State(state): State<AppState>,
    auth: Auth,
    Path(site_id): Path<String>,
    ApiQuery(q): ApiQuery<FormatQuery>,
) -> ApiResult<Response> {
    let csv = q.csv()?;
    let incidence = state.app.safety_incidence(&auth.actor, &site_id).await?;
    complete(&incidence.integrity)?;
    if csv {
        return Ok(csv_response(format!("adverse-event-incidence-{site_id}"), incidence.csv));
    }
    Ok(Json(incidence.table).into_response())
}

/// A participant's own report, with its review once a clinician has made it.
#[derive(Debug, Serialize, ToSchema)]
pub struct SelfReportItem {
    pub id: String,
    pub participant_id: String,
    /// `feeling`, `started_on`, `how_bad` (`mild`, `moderate`, `severe`), `wants_call`,
    /// `reported_at`.
    #[schema(value_type = Object)]
    pub report: SelfReport,
    /// `outcome` (`recorded_as_event` with `event_id`, or `not_an_adverse_event` with
    /// `reason`), `reviewed_by`, `reviewed_at`; null while waiting.
    #[schema(value_type = Option<Object>)]
    pub review: Option<Review>,
}

impl From<SelfReportView> for SelfReportItem {
    fn from(v: SelfReportView) -> Self {
        SelfReportItem {
            id: v.report.id,
            participant_id: v.report.participant_id,
            report: v.report.report,
            review: v.review.map(|r| r.review),
        }
    }
}

/// A participant's own reports between sessions (the participant's, or for the clinical team),
/// oldest first.
#[utoipa::path(get, path = "/api/v1/participants/{participant_id}/self-reports", tag = "adverse_events",
    security(("bearer" = [])), params(("participant_id" = String, Path)), responses((status = 200, body = [SelfReportItem])))]
pub async fn self_reports(
    State(state): State<AppState>,
    auth: Auth,
    Path(participant_id): Path<String>,
) -> ApiResult<Json<Vec<SelfReportItem>>> {
    let all = state.app.self_reports(&auth.actor, &participant_id).await?.or_refuse()?;
    Ok(Json(all.into_iter().map(SelfReportItem::from).collect()))
}

/// What the participant tells the site.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SelfReportBody {
    /// In their own words.
    pub feeling: String,
    /// When it started, `YYYY-MM-DD`, if known.
    #[serde(default)]
    pub started_on: Option<String>,
    /// `mild`, `moderate` or `severe`.
    #[schema(value_type = String)]
    pub how_bad: HowBad,
    /// Ask the clinic to call back.
    #[serde(default)]
    pub wants_call: bool,
}

/// The signed-in participant tells the site how they feel; a clinician reviews each report.
/// 422 naming the field: no words, `started_on` not a date, ahead, or years back.
#[utoipa::path(post, path = "/api/v1/participants/{participant_id}/self-reports", tag = "adverse_events",
    security(("bearer" = [])), params(("participant_id" = String, Path)), request_body = SelfReportBody,
    responses((status = 201, body = SelfReportItem), (status = 422, body = Problem)))]
pub async fn report_how_i_feel(
    State(state): State<AppState>,
    auth: Auth,
    Path(participant_id): Path<String>,
    ApiJson(b): ApiJson<SelfReportBody>,
) -> ApiResult<(StatusCode, Json<SelfReportItem>)> {
    let started_on = match b.started_on.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(text) => Some(catalyst_core::time::civil_date(text).ok_or_else(|| {
            DomainError::invalid("started_on", "date", format!("started_on must be a date as YYYY-MM-DD; got {text:?}"))
        })?),
    };
    let input = SelfReportInput { feeling: b.feeling, started_on, how_bad: b.how_bad, wants_call: b.wants_call };
    let record = state.app.report_how_i_feel(&auth.actor, &participant_id, &input).await?;
    Ok((StatusCode::CREATED, Json(SelfReportView { report: record, review: None }.into())))
}

/// A clinician's review of a participant's report: `{"outcome": "recorded_as_event",
/// "event_id": ...}` (one of the participant's events) or `{"outcome": "not_an_adverse_event",
/// "reason": ...}`. Once per report (409 after).
#[utoipa::path(post, path = "/api/v1/self-reports/{report_id}/review", tag = "adverse_events",
    security(("bearer" = [])), params(("report_id" = String, Path)), request_body = Object,
    responses((status = 201, body = Object), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn review_self_report(
    State(state): State<AppState>,
    auth: Auth,
    Path(report_id): Path<String>,
    ApiJson(outcome): ApiJson<ReviewOutcome>,
) -> ApiResult<(StatusCode, Json<Review>)> {
    let review = state.app.review_self_report(&auth.actor, &report_id, &outcome).await?;
    Ok((StatusCode::CREATED, Json(review.review)))
}
