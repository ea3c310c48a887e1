//! The participant's "how I feel" page in the portal (their words, how bad, when it started,
//! whether to call back; their reports and whether a clinician has read each), and the
//! clinician's review of each report on the participant's adverse-events page.

use crate::capabilities::adverse_events::domain::AdverseEventRecord;
use crate::capabilities::adverse_events::usecases::SelfReportView;
use crate::platform::web::pages::layout::{page, when};
use crate::platform::web::pages::{Notice, PageAuth, PageForm, PageResult, SavedQuery, see_other};
use crate::platform::web::state::AppState;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use catalyst_core::DomainError;
use catalyst_core::error::Violation;
use catalyst_core::policy::{Action, Actor};
use catalyst_core::time::{TimeZoneName, civil_date};
use catalyst_safety::{HowBad, ReviewOutcome, SelfReportInput};
use maud::{Markup, html};
use std::collections::HashMap;

pub(crate) fn routes(router: Router<AppState>) -> Router<AppState> {
    router
        .route("/participants/{participant_id}/how-i-feel", get(show).post(report))
        .route("/self-reports/{report_id}/review", post(review))
}

type Form = HashMap<String, String>;

const HOW_BAD: [HowBad; 3] = [HowBad::Mild, HowBad::Moderate, HowBad::Severe];

pub async fn show(
    State(state): State<AppState>,
    auth: PageAuth,
    Path(participant_id): Path<String>,
    Query(q): Query<SavedQuery>,
) -> PageResult {
    render(&state, &auth.actor, &participant_id, q.notice(), &Form::new()).await
}

async fn render(state: &AppState, actor: &Actor, participant_id: &str, notice: Option<Notice>, entered: &Form) -> PageResult {
    let app = &state.app;
    let p = app.participant_for(actor, Action::ReportHowIFeel, participant_id).await?;
    let reports = app.self_reports(actor, participant_id).await?;
    let zone = app.site(&p.site_id).await?.time_zone;
    let v = |k: &str| entered.get(k).cloned().unwrap_or_default();
    let status = notice.as_ref().map(Notice::status).unwrap_or_default();
    let body = page(
        "How I feel",
        actor,
        "/",
        html! {
            h1 { "How I feel" }
            @if let Some(n) = notice { (n.render()) }
            p { "Tell the clinic how you have been since your last visit: anything new, good or bad. A clinician reads every message. "
                strong { "If you feel unsafe or it is an emergency, call your local emergency number now: this page is not watched around the clock." } }
            form.stack method="post" action={"/participants/" (p.id) "/how-i-feel"} {
                label { "In your own words " textarea name="feeling" required rows="4" { (v("feeling")) } }
                fieldset { legend { "How bad is it?" }
                    @for h in HOW_BAD {
                        label.choice { input type="radio" name="how_bad" value=(h.as_str()) required checked[v("how_bad") == h.as_str()]; " " (h.words()) }
                    } }
                label { "When did it start? (if you know) " input type="date" name="started_on" value=(v("started_on")); }
                label.choice { input type="checkbox" name="wants_call" value="on" checked[entered.contains_key("wants_call")]; " Please call me back" }
                button type="submit" { "Send to the clinic" }
            }
            @if !reports.items.is_empty() {
                h2 { "What you have told us" }
                ul { @for r in &reports.items {
                    li { (when(r.report.recorded_at, &zone)) ": " span.words { "“" (r.report.report.feeling) "”" } " "
                        @if r.review.is_some() { span.badge.good { "read by a clinician" } } @else { span.badge { "waiting to be read" } } }
                } }
            }
        },
    );
    Ok((status, body).into_response())
}

pub async fn report(
    State(state): State<AppState>,
    auth: PageAuth,
    Path(participant_id): Path<String>,
    PageForm(form): PageForm<Form>,
) -> PageResult {
    let text = |k: &str| form.get(k).map(|s| s.trim().to_owned()).unwrap_or_default();
    let mut problems = Vec::new();
    let how_bad = HOW_BAD.into_iter().find(|h| h.as_str() == text("how_bad"));
    if how_bad.is_none() {
        problems.push(Violation::one_of("how_bad", &text("how_bad"), &["mild", "moderate", "severe"]));
    }
    let started = text("started_on");
    let started_on = match started.as_str() {
        "" => None,
        s => {
            let day = civil_date(s);
            if day.is_none() {
                problems.push(Violation::new("started_on", "date", "started_on must be a date as YYYY-MM-DD"));
            }
            day
        }
    };
    let result = match how_bad {
        Some(how_bad) if problems.is_empty() => {
            let input =
                SelfReportInput { feeling: text("feeling"), started_on, how_bad, wants_call: form.contains_key("wants_call") };
            state.app.report_how_i_feel(&auth.actor, &participant_id, &input).await.map(|_| ())
        }
        _ => Err(DomainError::Invalid(problems).into()),
    };
    match result {
        Ok(()) => Ok(see_other(&format!("/participants/{participant_id}/how-i-feel"), "Sent: a clinician will read it.")),
        Err(e) => render(&state, &auth.actor, &participant_id, Some(Notice::from_error(e)?), &form).await,
    }
}

/// The participant's reports on the clinician's adverse-events page, each with its review or
/// the review form.
pub(crate) fn reports_section(
    participant_id: &str,
    reports: &[SelfReportView],
    events: &[AdverseEventRecord],
    may_review: bool,
    zone: &TimeZoneName,
) -> Markup {
    html! {
        @if !reports.is_empty() {
            h2 id="self-reports" { "The participant's own reports" }
            ul { @for r in reports {
                @let s = &r.report.report;
                li {
                    (when(r.report.recorded_at, zone)) ": " span.words { "“" (s.feeling) "”" } " (" (s.how_bad.words())
                    @if let Some(d) = s.started_on { "; since " (d) } ")"
                    @if s.wants_call && r.review.is_none() { " " strong.badge.bad { "asks to be called" } }
                    @match &r.review {
                        Some(review) => { " " span.badge.good { "reviewed" } " "
                            @match &review.review.outcome {
                                ReviewOutcome::RecordedAsEvent { event_id } => {
                                    "recorded as " (events.iter().find(|e| &e.id == event_id).map_or("an adverse event", |e| e.event.term_label.as_str()))
                                }
                                ReviewOutcome::NotAnAdverseEvent { reason } => { "not an adverse event: " (reason) }
                            } }
                        None => {
                            " " span.badge.bad { "not reviewed" }
                            @if may_review {
                                form.stack method="post" action={"/self-reports/" (r.report.id) "/review"} {
                                    input type="hidden" name="participant_id" value=(participant_id);
                                    label { "Recorded as the adverse event " select name="event_id" {
                                        option value="" { "none of them (say why below)" }
                                        @for e in events { option value=(e.id) { (e.event.term_label) ", recorded " (when(e.event.recorded_at, zone).into_string()) } }
                                    } }
                                    label { "Or, not an adverse event because " input name="reason"; }
                                    button type="submit" { "Save the review" }
                                }
                            }
                        }
                    }
                }
            } }
        }
    }
}

pub async fn review(
    State(state): State<AppState>,
    auth: PageAuth,
    Path(report_id): Path<String>,
    PageForm(form): PageForm<Form>,
) -> PageResult {
    let text = |k: &str| form.get(k).map(|s| s.trim().to_owned()).unwrap_or_default();
    let (event_id, reason) = (text("event_id"), text("reason"));
    let outcome = match (event_id.is_empty(), reason.is_empty()) {
        (false, true) => Ok(ReviewOutcome::RecordedAsEvent { event_id }),
        (true, false) => Ok(ReviewOutcome::NotAnAdverseEvent { reason }),
        _ => Err(Violation::new(
            "event_id",
            "one_outcome",
            "choose the adverse event it was recorded as, or say why it is not one: one of the two",
        )),
    };
    let result = match outcome {
        Ok(outcome) => state.app.review_self_report(&auth.actor, &report_id, &outcome).await.map(|_| ()),
        Err(v) => Err(DomainError::Invalid(vec![v]).into()),
    };
    let participant_id = text("participant_id");
    match result {
        Ok(()) => Ok(see_other(&format!("/participants/{participant_id}/adverse-events#self-reports"), "Review saved.")),
        Err(e) => super::pages::render(&state, &auth.actor, &participant_id, Some(Notice::from_error(e)?), None).await,
    }
}
