//! Outcome pages: a participant's measures over time, the forms that record them (generated
//! from the instrument definitions), and the safety alerts they raise.

use axum::routing::{get, post};
use crate::platform::web::pages::layout::{page, when};
use crate::platform::web::pages::{Notice, PageAuth, PageForm, PageResult, SavedQuery, see_other};
use crate::App;
use crate::capabilities::outcomes::usecases::{AssessmentInput, Outcomes, ScoredAssessment, parse_instrument, registry};
use crate::platform::web::state::AppState;
use axum::extract::{Path, Query, State};
use axum::response::IntoResponse;
use crate::capabilities::outcomes::domain::{Timepoint, outcome_class};
use catalyst_core::policy::OutcomeClass;
use crate::capabilities::people::domain::Participant;
use catalyst_core::policy::{Action, Actor, Resource};
use catalyst_instruments::endpoints::EndpointStatus;
use catalyst_instruments::scoring::caps5::Dissociative;
use catalyst_instruments::{AnswerSpec, InstrumentDefinition, InstrumentId, Score};
use maud::{Markup, html};
use serde::Deserialize;
use serde_json::{Map, Value};

/// This capability's pages, added to the platform's router.
pub(crate) fn routes(router: axum::Router<crate::platform::web::AppState>) -> axum::Router<crate::platform::web::AppState> {
    router
        .route("/participants/{participant_id}/outcomes", get(show))
        .route("/participants/{participant_id}/assessments/new", get(new_form).post(submit))
        .route("/alerts/{alert_id}/acknowledge", post(acknowledge))
        .route("/assessments/{assessment_id}/void", post(void))
}

/// Instruments in the order clinicians read them.
const ORDER: [InstrumentId; 6] = [
    InstrumentId::Caps5,
    InstrumentId::Pcl5,
    InstrumentId::Phq9,
    InstrumentId::Sds,
    InstrumentId::Cssrs,
    InstrumentId::DailyCheckin,
];

pub fn instrument_name(id: InstrumentId) -> &'static str {
    match id {
        InstrumentId::Caps5 => "CAPS-5",
        InstrumentId::Pcl5 => "PCL-5",
        InstrumentId::Sds => "Sheehan Disability Scale",
        InstrumentId::Cssrs => "C-SSRS screener",
        InstrumentId::Phq9 => "PHQ-9",
        InstrumentId::DailyCheckin => "Daily check-in",
    }
}

/// The instruments `actor` may record for this participant.
pub fn recordable(actor: &Actor, p: &Participant) -> Vec<InstrumentId> {
    let resource = Resource::Participant { site_id: &p.site_id, participant_id: &p.id };
    ORDER.into_iter().filter(|i| App::may(actor, Action::RecordOutcome(outcome_class(*i)), resource)).collect()
}

/// A one-line reading of a score, for tables.
pub fn summary(score: &Score) -> String {
    match score {
        Score::Caps5(s) => format!(
            "total {}; B {} C {} D {} E {}; {}{}",
            s.total,
            s.clusters.b.severity,
            s.clusters.c.severity,
            s.clusters.d.severity,
            s.clusters.e.severity,
            if s.diagnosis { "meets PTSD diagnosis" } else { "does not meet diagnosis" },
            if s.dissociative_subtype == Dissociative::Present { ", dissociative subtype" } else { "" }
        ),
        Score::Pcl5(s) => format!(
            "total {}; provisional PTSD: {} by cut-point {}, {} by DSM rule",
            s.total,
            yes_no(s.provisional_cutpoint),
            s.cutpoint,
            yes_no(s.provisional_dsm)
        ),
        Score::Phq9(s) => format!(
            "total {} ({}){}",
            s.total,
            s.severity.as_str(),
            if s.item9_flag { "; item 9 positive: same-day follow-up" } else { "" }
        ),
        Score::Sds(s) => format!(
            "total {} of {}; {}",
            s.total,
            s.max_total,
            if s.impaired { "significant impairment" } else { "no domain at 5 or more" }
        ),
        Score::Cssrs(s) => format!("risk {}{}", s.risk.as_str(), if s.blocks_dosing { "; blocks dosing" } else { "" }),
        Score::DailyCheckin(c) => format!(
            "sleep {}, avoidance {}, irritability {}, substances {}, routines {}",
            c.sleep, c.avoidance, c.irritability, c.substance_use, c.routines_kept
        ),
    }
}

fn yes_no(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}

fn status(s: &EndpointStatus) -> &'static str {
    match s {
        EndpointStatus::Met => "yes",
        EndpointStatus::NotMet => "no",
        EndpointStatus::NotApplicable => "n/a",
    }
}

async fn render(state: &AppState, actor: &Actor, participant_id: &str, notice: Option<Notice>) -> PageResult {
    let app = &state.app;
    let outcomes: Outcomes = app.outcomes(actor, participant_id).await?;
    let p = app.view_participant(actor, participant_id).await?;
    let site = app.site_for_display(&p.site_id).await?;
    let recordable = recordable(actor, &p);
    let doses = crate::capabilities::outcomes::charts::dose_markers(&app.dosing_dates(actor, participant_id).await?);
    let status_code = notice.as_ref().map(Notice::status).unwrap_or_default();
    let by_instrument = |id: InstrumentId| -> Vec<&ScoredAssessment> {
        outcomes.assessments.iter().filter(|a| a.assessment.instrument == id).collect()
    };
    let body = page(
        &format!("Outcomes {}", p.code),
        actor,
        "/sites",
        html! {
            h1 { "Outcomes for " a href={"/participants/" (p.id)} { (p.code) } }
            @if let Some(n) = notice { (n.render()) }
            @if outcomes.ratings_only {
                p.notice.warn { "You are an independent rater: only independent ratings are shown, and nothing about treatment." }
            }
            @if !recordable.is_empty() {
                p { "Record: "
                    @for id in &recordable {
                        a href={"/participants/" (p.id) "/assessments/new?instrument=" (id.as_str())} { (instrument_name(*id)) } " "
                    }
                }
            }
            @for id in ORDER {
                @let rows = by_instrument(id);
                @if !rows.is_empty() {
                    section aria-labelledby={"m-" (id.as_str())} {
                        h2 id={"m-" (id.as_str())} { (instrument_name(id)) }
                        (crate::capabilities::outcomes::charts::chart_for(id, &rows, &p.code, &doses))
                        table {
                            thead { tr { th { "Date" } th { "Timepoint" } th { "Score" } th { "Recorded" } } }
                            tbody { @for a in rows.iter().rev().take(if id == InstrumentId::DailyCheckin { 14 } else { 100 }) {
                                tr {
                                    td { (a.assessment.administered_on) }
                                    td { (a.assessment.timepoint.label()) }
                                    td { (summary(&a.scored.score)) }
                                    td.muted { (a.assessment.mode.label()) ", " (when(a.assessment.recorded_at, &site.time_zone)) " · v" (a.assessment.version) }
                                }
                            } }
                        }
                    }
                }
            }
            @if outcomes.assessments.is_empty() { p.muted { "No measurements yet." } }
            @if let Some(report) = &outcomes.endpoints {
                @if !report.caps5.is_empty() {
                    h2 { "CAPS-5 endpoints" }
                    p.muted { "Response: a fall of at least " (outcomes.definitions.caps5.response_min_fall)
                        " points from baseline. Remission: loss of diagnosis and a total of at most "
                        (outcomes.definitions.caps5.remission_max_total) ". Source: " (outcomes.definitions.caps5.citation) }
                    table {
                        thead { tr { th { "Assessment" } th.num { "Total" } th.num { "Change" } th { "Response" } th { "Loss of diagnosis" } th { "Remission" } } }
                        tbody { @for e in &report.caps5 {
                            tr { td { (e.label) } td.num { (e.total) } td.num { (e.change) } td { (yes_no(e.clinically_meaningful_response)) }
                                 td { (status(&e.loss_of_diagnosis)) } td { (status(&e.remission)) } }
                        } }
                    }
                }
                @if !report.pcl5.is_empty() {
                    h2 { "PCL-5 change" }
                    p.muted { "Reliable change: a fall of at least " (outcomes.definitions.pcl5.reliable_min_fall)
                        "; clinically meaningful: at least " (outcomes.definitions.pcl5.meaningful_min_fall) ". Source: " (outcomes.definitions.pcl5.citation) }
                    table {
                        thead { tr { th { "Assessment" } th.num { "Total" } th.num { "Change" } th { "Reliable" } th { "Meaningful" } } }
                        tbody { @for e in &report.pcl5 {
                            tr { td { (e.label) } td.num { (e.total) } td.num { (e.change) } td { (yes_no(e.reliable_change)) } td { (yes_no(e.clinically_meaningful)) } }
                        } }
                    }
                }
            }
        },
    );
    Ok((status_code, body).into_response())
}

pub async fn show(
    State(state): State<AppState>,
    auth: PageAuth,
    Path(id): Path<String>,
    Query(q): Query<SavedQuery>,
) -> PageResult {
    render(&state, &auth.actor, &id, q.notice()).await
}

#[derive(Deserialize)]
pub struct NewQuery {
    instrument: String,
}

fn definition_of(instrument: &str) -> PageResult<&'static InstrumentDefinition> {
    let id = parse_instrument("instrument", instrument).map_err(|v| catalyst_core::DomainError::Invalid(vec![v]))?;
    registry()?.latest(id).ok_or_else(|| crate::AppError::Internal(format!("no definition of {id}")).into())
}

/// The form for one instrument, built from its definition. `values` refills it after an error.
fn form(
    actor: &Actor,
    p: &Participant,
    def: &InstrumentDefinition,
    values: &Map<String, Value>,
    today: &str,
    notice: Option<Notice>,
) -> Markup {
    let daily = def.id == InstrumentId::DailyCheckin;
    let value_of = |field: &str| values.get(field).and_then(Value::as_str).unwrap_or_default().to_owned();
    let gates: Vec<(String, String)> = def
        .skip_logic
        .iter()
        .flat_map(|rule| rule.items.iter().map(|i| (i.id().to_owned(), rule.asked_only_if_yes.id().to_owned())))
        .collect();
    let on_behalf = !actor.own_participants.contains(&p.id) && outcome_class(def.id) == OutcomeClass::SelfReport;
    page(
        instrument_name(def.id),
        actor,
        if actor.own_participants.contains(&p.id) { "/" } else { "/sites" },
        html! {
            h1 { (def.title) }
            p.muted { (p.code) " · recall period: " (def.recall_period) " · version " (def.version) }
            @if on_behalf { p.notice.warn { "You are recording this on the participant's behalf; it will be marked as such." } }
            @if let Some(n) = notice { (n.render()) }
            form.stack.questionnaire method="post" action={"/participants/" (p.id) "/assessments/new?instrument=" (def.id.as_str())} {
                @if daily {
                    input type="hidden" name="timepoint" value="daily";
                } @else {
                    label { "Timepoint" select name="timepoint" {
                        @for t in Timepoint::ALL.iter().filter(|t| **t != Timepoint::Daily) {
                            option value=(t.as_str()) selected[value_of("timepoint") == t.as_str()] { (t.label()) }
                        }
                    } }
                }
                label { "Date" input type="date" name="administered_on" required max=(today)
                    value=(if value_of("administered_on").is_empty() { today.to_owned() } else { value_of("administered_on") }); }
                @for item in &def.items {
                    @let name = format!("item.{}", item.id);
                    @let current = value_of(&item.id);
                    @let gate = gates.iter().find(|(i, _)| *i == item.id).map(|(_, g)| g.clone());
                    fieldset {
                        legend { (item.label) @if let Some(g) = &gate { span.hint { " (answer only if " (g) " is yes)" } } }
                        @match &item.answer {
                            AnswerSpec::Integer { min, max, not_applicable, anchors } => {
                                @if anchors.is_empty() {
                                    input type="number" inputmode="numeric" name=(name) min=(min) max=(max) value=(current) aria-label=(item.label) required[item.required && gate.is_none()];
                                    span.hint { " " (min) "–" (max) }
                                } @else {
                                    div.choices {
                                        @for (i, anchor) in anchors.iter().enumerate() {
                                            @let v = (*min + i as i64).to_string();
                                            label.choice { input type="radio" name=(name) value=(v) checked[current == v]; " " (v) " " span.hint { (anchor) } }
                                        }
                                    }
                                }
                                @if *not_applicable {
                                    label.choice { input type="radio" name=(name) value="na" checked[current == "na"]; " not applicable" }
                                }
                            }
                            AnswerSpec::YesNo => {
                                div.choices {
                                    label.choice { input type="radio" name=(name) value="yes" checked[current == "yes"]; " yes" }
                                    label.choice { input type="radio" name=(name) value="no" checked[current == "no"]; " no" }
                                }
                            }
                            AnswerSpec::Text { max_chars } => {
                                textarea name=(name) maxlength=(max_chars) rows="2" aria-label=(item.label) { (current) }
                            }
                        }
                    }
                }
                button type="submit" { "Submit" }
            }
        },
    )
}

pub async fn new_form(
    State(state): State<AppState>,
    auth: PageAuth,
    Path(id): Path<String>,
    Query(q): Query<NewQuery>,
) -> PageResult {
    let p = state.app.view_participant(&auth.actor, &id).await?;
    let def = definition_of(&q.instrument)?;
    state
        .app
        .authorize(
            &auth.actor,
            Action::RecordOutcome(outcome_class(def.id)),
            Resource::Participant { site_id: &p.site_id, participant_id: &p.id },
        )
        .await?;
    let site = state.app.site_for_display(&p.site_id).await?;
    let today = state.app.local_today(&site).to_string();
    Ok(form(&auth.actor, &p, def, &Map::new(), &today, None).into_response())
}

pub async fn submit(
    State(state): State<AppState>,
    auth: PageAuth,
    Path(id): Path<String>,
    Query(q): Query<NewQuery>,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> PageResult {
    let def = definition_of(&q.instrument)?;
    let mut answers = Map::new();
    let mut echo = Map::new();
    let mut timepoint = String::new();
    let mut administered_on = String::new();
    for (name, value) in fields {
        match name.as_str() {
            "timepoint" => timepoint = value.clone(),
            "administered_on" => administered_on = value.clone(),
            _ => {
                if let Some(item) = name.strip_prefix("item.") {
                    let spec = def.items.iter().find(|i| i.id == item).map(|i| &i.answer);
                    let parsed = match (spec, value.trim()) {
                        (_, "") => Value::Null,
                        (Some(AnswerSpec::Integer { .. }), v) if v != "na" => {
                            v.parse::<i64>().map(Value::from).unwrap_or_else(|_| Value::from(v.to_owned()))
                        }
                        (_, v) => Value::from(v.to_owned()),
                    };
                    echo.insert(item.to_owned(), Value::from(value.clone()));
                    answers.insert(item.to_owned(), parsed);
                }
            }
        }
    }
    echo.insert("timepoint".into(), Value::from(timepoint.clone()));
    echo.insert("administered_on".into(), Value::from(administered_on.clone()));
    let input = AssessmentInput {
        instrument: def.id.as_str().to_owned(),
        version: Some(def.version.clone()),
        timepoint,
        administered_on,
        answers,
    };
    match state.app.record_assessment(&auth.actor, &id, &input).await {
        Ok((_, alerts)) => {
            let own = auth.actor.own_participants.contains(&id);
            let mut message = format!("{} saved.", instrument_name(def.id));
            if !alerts.is_empty() {
                message.push_str(if own {
                    " Your care team has been told and will contact you today. If you are in danger now, call your local emergency number."
                } else {
                    " A safety alert was raised for the site's clinicians."
                });
            }
            let to = if own { "/".to_owned() } else { format!("/participants/{id}/outcomes") };
            Ok(see_other(&to, &message))
        }
        Err(e) => {
            let notice = Notice::from_error(e)?;
            let p = state.app.view_participant(&auth.actor, &id).await?;
            let site = state.app.site_for_display(&p.site_id).await?;
            let today = state.app.local_today(&site).to_string();
            let status = notice.status();
            Ok((status, form(&auth.actor, &p, def, &echo, &today, Some(notice))).into_response())
        }
    }
}

#[derive(Deserialize)]
pub struct VoidForm {
    reason: String,
    back: String,
}

/// Sets a mistaken assessment aside with the reason, then goes where it can be recorded again.
pub async fn void(
    State(state): State<AppState>,
    auth: PageAuth,
    Path(assessment_id): Path<String>,
    PageForm(f): PageForm<VoidForm>,
) -> PageResult {
    state.app.void_assessment(&auth.actor, &assessment_id, &f.reason).await?;
    let back = crate::platform::web::pages::login::safe_next(Some(&f.back));
    Ok(see_other(&back, "Set aside. Fill it in again below."))
}

#[derive(Deserialize)]
pub struct AckForm {
    note: String,
}

pub async fn acknowledge(
    State(state): State<AppState>,
    auth: PageAuth,
    Path(alert_id): Path<String>,
    PageForm(f): PageForm<AckForm>,
) -> PageResult {
    match state.app.acknowledge_alert(&auth.actor, &alert_id, &f.note).await {
        Ok(_) => Ok(see_other("/", "Alert acknowledged.")),
        Err(e) => Err(e.into()),
    }
}
