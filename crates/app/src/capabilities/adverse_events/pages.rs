//! The adverse events' pages, plain forms without script: a participant's events (the list,
//! the record form and a correct form per event, with its reason), the solicited checklist of a
//! dosing session at a point (one row per term: present, absent or not asked; no "none" for the
//! whole list), and a site's serious events' reporting clocks with their mark-sent forms and its
//! missing checks.

use crate::App;
use crate::capabilities::adverse_events::domain::{AdverseEventRecord, SolicitedChecklist};
use crate::capabilities::adverse_events::usecases::{ChecklistRequest, Correction, SentInput, safety_data};
use crate::platform::web::pages::layout::{page, when};
use crate::platform::web::pages::{Notice, PageAuth, PageForm, PageResult, SavedQuery, see_other};
use crate::platform::web::state::AppState;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use catalyst_core::DomainError;
use catalyst_core::error::Violation;
use catalyst_core::policy::{Action, Actor, Resource};
use catalyst_core::time::{TimeZoneName, Timestamp};
use catalyst_safety::{
    Answers, ClockStatus, EventInput, Expected, GradeInput, Presence, Reply, Sender, Seriousness, TermAnswer, When,
};
use maud::{Markup, html};
use serde::de::DeserializeOwned;
use std::collections::{BTreeMap, HashMap};

pub(crate) fn routes(router: Router<AppState>) -> Router<AppState> {
    let router = router
        .route("/participants/{participant_id}/adverse-events", get(show).post(record))
        .route("/adverse-events/{event_id}/correct", post(correct))
        .route("/adverse-events/{event_id}/expectedness", post(expectedness))
        .route("/participants/{participant_id}/adverse-events/checklist", get(checklist_form).post(record_checklist))
        .route("/sites/{site_id}/safety", get(site_safety))
        .route("/adverse-events/{event_id}/reports", post(mark_sent));
    super::self_report_pages::routes(router)
}

type Form = HashMap<String, String>;

const SEVERITIES: &[&str] = &["mild", "moderate", "severe"];
const RELATEDNESS: &[&str] = &["not_related", "unlikely", "possible", "probable", "definite"];
const ACTIONS: &[&str] =
    &["dose_not_changed", "supplemental_dose_withheld", "session_stopped", "drug_withdrawn", "not_applicable", "unknown"];
const OUTCOMES: &[&str] = &["recovered", "recovering", "not_recovered", "recovered_with_sequelae", "fatal", "unknown"];
const REPORTERS: &[&str] = &["participant", "clinician", "other"];
const INTERVENTIONS: &[&str] = &["none", "non_urgent", "one_drug", "more_than_one_drug", "urgent"];
const CRITERIA: &[(&str, &str)] = &[
    ("death", "Death"),
    ("life_threatening", "Life-threatening"),
    ("hospitalisation", "In-patient hospitalisation or a longer stay"),
    ("disability", "Persistent or significant disability"),
    ("congenital_anomaly", "Congenital anomaly"),
    ("medically_important", "Medically important"),
];

fn words(id: &str) -> String {
    id.replace('_', " ")
}

fn wire<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_value(value).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
}

fn select(name: &str, label: &str, options: &[&str], chosen: &str, blank: Option<&str>) -> Markup {
    html! {
        label { (label) " " select name=(name) {
            @if let Some(b) = blank { option value="" selected[chosen.is_empty()] { (b) } }
            @for o in options { option value=(o) selected[*o == chosen] { (words(o)) } }
        } }
    }
}

/// A choice the clinician must make: nothing is chosen for them (a default would record the
/// mildest answer unasked).
fn required_select(name: &str, label: &str, options: &[&str], chosen: &str) -> Markup {
    html! {
        label { (label) " " select name=(name) required {
            option value="" selected[chosen.is_empty()] { "Choose" }
            @for o in options { option value=(o) selected[*o == chosen] { (words(o)) } }
        } }
    }
}

/// Records a view could not show (written or deleted outside Catalyst), above everything else.
fn integrity_alert(problems: &[String]) -> Markup {
    html! {
        @if !problems.is_empty() {
            div.notice.error role="alert" {
                strong { "Some safety records cannot be shown: they fail their integrity check. What is shown is incomplete." }
                " Tell the site lead and run " code { "catalyst audit verify" } "."
                ul { @for p in problems { li { (p) } } }
            }
        }
    }
}

/// A site-local date and time as form fields.
fn when_parts(w: Option<When>, zone: &TimeZoneName) -> (String, String) {
    match w {
        None => (String::new(), String::new()),
        Some(When::Date(d)) => (d.to_string(), String::new()),
        Some(When::At(t)) => {
            let shown = jiff::tz::TimeZone::get(zone.as_str())
                .ok()
                .and_then(|tz| jiff::Timestamp::from_microsecond(t.micros()).ok().map(|x| x.to_zoned(tz)));
            shown.map_or_else(Default::default, |z| (z.date().to_string(), z.time().strftime("%H:%M").to_string()))
        }
    }
}

/// A date (and, where known, a time) entered in the site's zone.
fn when_from(form: &Form, prefix: &str, zone: &TimeZoneName) -> Result<Option<When>, Violation> {
    let date = form.get(&format!("{prefix}_date")).map(|s| s.trim()).unwrap_or("");
    let time = form.get(&format!("{prefix}_time")).map(|s| s.trim()).unwrap_or("");
    if date.is_empty() {
        return match time.is_empty() {
            true => Ok(None),
            false => Err(Violation::new(prefix, "date", format!("{prefix}: a time needs its date"))),
        };
    }
    let bad = || Violation::new(prefix, "date", format!("{prefix} must be a date (YYYY-MM-DD) and optionally a time (HH:MM)"));
    let day: jiff::civil::Date = date.parse().map_err(|_| bad())?;
    if time.is_empty() {
        return Ok(Some(When::Date(day)));
    }
    let clock: jiff::civil::Time = time.parse().map_err(|_| bad())?;
    let tz = jiff::tz::TimeZone::get(zone.as_str()).map_err(|_| bad())?;
    let at = day.to_datetime(clock).to_zoned(tz).map_err(|_| bad())?;
    Ok(Some(When::At(Timestamp(at.timestamp().as_microsecond()))))
}

/// One of the pure crate's enumerations by its wire name.
fn choice<T: DeserializeOwned>(form: &Form, name: &str, allowed: &[&str]) -> Result<T, Violation> {
    let value = form.get(name).map(|s| s.trim()).unwrap_or("");
    serde_json::from_value(serde_json::Value::String(value.to_owned())).map_err(|_| Violation::one_of(name, value, allowed))
}

fn optional_choice<T: DeserializeOwned>(form: &Form, name: &str, allowed: &[&str]) -> Result<Option<T>, Violation> {
    match form.get(name).map(|s| s.trim()) {
        None | Some("") => Ok(None),
        Some(_) => choice(form, name, allowed).map(Some),
    }
}

fn keep<T>(problems: &mut Vec<Violation>, r: Result<T, Violation>) -> Option<T> {
    r.map_err(|v| problems.push(v)).ok()
}

/// The event form as entered; every unreadable field named.
fn input_from(form: &Form, participant_id: &str, zone: &TimeZoneName, now: Timestamp) -> Result<EventInput, Vec<Violation>> {
    let mut problems = Vec::new();
    let text = |name: &str| form.get(name).map(|s| s.trim().to_owned()).unwrap_or_default();
    let onset = keep(&mut problems, when_from(form, "onset", zone).and_then(|w| w.ok_or_else(|| Violation::required("onset"))));
    let end = keep(&mut problems, when_from(form, "end", zone)).flatten();
    let aware = keep(&mut problems, when_from(form, "site_aware_at", zone)).flatten();
    let reported_by = keep(&mut problems, choice(form, "reported_by", REPORTERS));
    let severity = keep(&mut problems, choice(form, "severity", SEVERITIES));
    let related_to_drug = keep(&mut problems, choice(form, "related_to_drug", RELATEDNESS));
    let related_to_therapy = keep(&mut problems, choice(form, "related_to_therapy", RELATEDNESS));
    let action_taken = keep(&mut problems, choice(form, "action_taken", ACTIONS));
    let outcome = keep(&mut problems, optional_choice(form, "outcome", OUTCOMES));
    let intervention = keep(&mut problems, optional_choice(form, "grade.intervention", INTERVENTIONS));
    let grade = match text("grade").as_str() {
        "" => Some(None),
        g => keep(&mut problems, g.parse::<u8>().map_err(|_| Violation::new("grade", "number", "grade must be a number 1 to 5"))).map(|grade| {
            let hours = text("grade.duration_hours");
            Some(GradeInput { grade, intervention: intervention.flatten(), duration_hours: hours.parse().ok() })
        }),
    };
    let ticked = |c: &str| form.contains_key(&format!("seriousness.{c}"));
    let seriousness = Seriousness {
        death: ticked("death"),
        life_threatening: ticked("life_threatening"),
        hospitalisation: ticked("hospitalisation"),
        disability: ticked("disability"),
        congenital_anomaly: ticked("congenital_anomaly"),
        medically_important: ticked("medically_important"),
    };
    let site_aware_at = match aware {
        Some(When::At(t)) => Some(t),
        Some(When::Date(_)) => {
            problems.push(Violation::new("site_aware_at", "time", "give the time the site first knew, as well as the date"));
            None
        }
        None => Some(now),
    };
    let other = text("other_term");
    let session = text("session_id");
    match (onset, reported_by, severity, related_to_drug, related_to_therapy, action_taken, outcome, grade, site_aware_at) {
        (Some(onset), Some(reported_by), Some(severity), Some(drug), Some(therapy), Some(action), Some(outcome), Some(grade), Some(aware))
            if problems.is_empty() =>
        {
            Ok(EventInput {
                participant_id: participant_id.to_owned(),
                term: text("term"),
                other_term: (!other.is_empty()).then_some(other),
                verbatim: text("verbatim"),
                reported_by,
                onset,
                end,
                severity,
                grade,
                seriousness,
                serious: form.contains_key("serious"),
                related_to_drug: drug,
                related_to_therapy: therapy,
                expectedness: None,
                action_taken: action,
                outcome,
                session_id: (!session.is_empty()).then_some(session),
                site_aware_at: aware,
            })
        }
        _ => Err(problems),
    }
}

/// An event's details as the form's fields (a correction's form starts from them).
fn form_of(d: &EventInput, zone: &TimeZoneName) -> Form {
    let mut f = Form::new();
    let mut put = |k: &str, v: String| {
        if !v.is_empty() {
            f.insert(k.to_owned(), v);
        }
    };
    put("term", d.term.clone());
    put("other_term", d.other_term.clone().unwrap_or_default());
    put("verbatim", d.verbatim.clone());
    put("reported_by", wire(&d.reported_by));
    for (prefix, w) in [("onset", Some(d.onset)), ("end", d.end), ("site_aware_at", Some(When::At(d.site_aware_at)))] {
        let (date, time) = when_parts(w, zone);
        put(&format!("{prefix}_date"), date);
        put(&format!("{prefix}_time"), time);
    }
    put("severity", wire(&d.severity));
    if let Some(g) = d.grade {
        put("grade", g.grade.to_string());
        put("grade.intervention", g.intervention.map(|i| wire(&i)).unwrap_or_default());
        put("grade.duration_hours", g.duration_hours.map(|h| h.to_string()).unwrap_or_default());
    }
    if d.serious {
        put("serious", "on".into());
    }
    for c in d.seriousness.ticked() {
        put(&format!("seriousness.{c}"), "on".into());
    }
    put("related_to_drug", wire(&d.related_to_drug));
    put("related_to_therapy", wire(&d.related_to_therapy));
    put("action_taken", wire(&d.action_taken));
    put("outcome", d.outcome.map(|o| wire(&o)).unwrap_or_default());
    put("session_id", d.session_id.clone().unwrap_or_default());
    f
}

/// A choice only the investigator may change on a correction: shown, carried unchanged.
fn fixed_choice(name: &str, label: &str, value: &str) -> Markup {
    html! {
        label { (label) " " input value=(words(value)) readonly aria-describedby={"fixed-" (name)};
            span.hint id={"fixed-" (name)} { "the investigator's (physician or site lead) to change" } }
        input type="hidden" name=(name) value=(value);
    }
}

/// The fields of an event, filled from `f` (as entered, or a correction's details as they are).
/// Without `investigator` (a correction by a therapist) relatedness and the site's awareness
/// are shown but not offered: changing them is the investigator's.
fn event_fields(id: &str, f: &Form, sessions: &[(String, String)], investigator: bool) -> Markup {
    let terms = safety_data().map(|d| d.terms.terms.clone()).unwrap_or_default();
    let v = |k: &str| f.get(k).cloned().unwrap_or_default();
    let term = v("term");
    let ticked = |k: &str| f.contains_key(k);
    html! {
        label { "Term " select name="term" required {
            option value="" selected[term.is_empty()] { "Choose a term" }
            @for group in terms.chunk_by(|a, b| a.category == b.category) {
                optgroup label=(words(group[0].category.as_str())) {
                    @for t in group { option value=(t.id) selected[t.id == term] { (t.label) } }
                }
            }
            option value="other" selected[term == "other"] { "Other (name it below)" }
        } }
        label { "Other term (only for Other) " input name="other_term" value=(v("other_term")); }
        label { "In the reporter's words " textarea name="verbatim" required rows="2" { (v("verbatim")) } }
        (required_select("reported_by", "Reported by", REPORTERS, &v("reported_by")))
        fieldset { legend { "Onset (site time; leave the time empty if only the date is known)" }
            label { "Date " input type="date" name="onset_date" required value=(v("onset_date")); }
            label { "Time " input type="time" name="onset_time" value=(v("onset_time")); } }
        fieldset { legend { "End (empty while ongoing)" }
            label { "Date " input type="date" name="end_date" value=(v("end_date")); }
            label { "Time " input type="time" name="end_time" value=(v("end_time")); } }
        (required_select("severity", "Severity", SEVERITIES, &v("severity")))
        fieldset { legend { "CTCAE grade (only for hypertension, fever and sinus tachycardia)" }
            label { "Grade " input name="grade" inputmode="numeric" value=(v("grade")); }
            (select("grade.intervention", "Intervention", INTERVENTIONS, &v("grade.intervention"), Some("not given")))
            label { "Duration (hours) " input name="grade.duration_hours" inputmode="numeric" value=(v("grade.duration_hours")); } }
        fieldset { legend { "Seriousness (ICH E2A): tick each criterion that applies" }
            // Adding a criterion is anyone's; taking one away is the investigator's, so a
            // therapist's correction carries the ticked ones unchanged.
            @for (name, label) in std::iter::once(("serious".to_owned(), "Serious")).chain(CRITERIA.iter().map(|(c, l)| (format!("seriousness.{c}"), *l))) {
                @if !investigator && ticked(&name) {
                    label.choice { input type="checkbox" checked disabled; " " (label) span.hint { " (the investigator's to take away)" } }
                    input type="hidden" name=(name) value="on";
                } @else {
                    label.choice { input type="checkbox" name=(name) value="on" checked[ticked(&name)]; " " (label) }
                }
            } }
        @if investigator {
            (required_select("related_to_drug", "Related to the drug", RELATEDNESS, &v("related_to_drug")))
            (required_select("related_to_therapy", "Related to the therapy", RELATEDNESS, &v("related_to_therapy")))
        } @else {
            (fixed_choice("related_to_drug", "Related to the drug", &v("related_to_drug")))
            (fixed_choice("related_to_therapy", "Related to the therapy", &v("related_to_therapy")))
        }
        (required_select("action_taken", "Action taken", ACTIONS, &v("action_taken")))
        (select("outcome", "Outcome", OUTCOMES, &v("outcome"), Some("not yet known")))
        label { "Dosing session it follows " select name="session_id" {
            option value="" { "none" }
            @for (sid, label) in sessions { option value=(sid) selected[v("session_id") == *sid] { (label) } }
        } }
        fieldset { legend { "When the site first knew (empty: now; moving it is the investigator's)" }
            label { "Date " input type="date" name="site_aware_at_date" value=(v("site_aware_at_date")) readonly[!investigator] aria-describedby={"aware-" (id)}; }
            label { "Time " input type="time" name="site_aware_at_time" value=(v("site_aware_at_time")) readonly[!investigator]; }
            span.muted id={"aware-" (id)} { "The site's serious-event reporting clock starts here (the earliest time recorded)." } }
    }
}

fn status_text(status: &ClockStatus, overdue: bool, zone: &TimeZoneName) -> Markup {
    match status {
        ClockStatus::NotStarted => html! { span.badge { "not started" } },
        ClockStatus::Running if overdue => html! { strong.badge.bad { "overdue" } },
        ClockStatus::Running => html! { span.badge.bad { "running" } },
        ClockStatus::Stopped { reference, late, entered_late, submitted_at, entered_at } => html! {
            span.badge.good { "sent" } " " (reference) @if *late { " " strong.badge.bad { "late" } }
            @if *entered_late { " " strong.badge.bad { "entered after the deadline" } }
            br; span.muted { "sent " (when(*submitted_at, zone))
                @if entered_at.micros() - submitted_at.micros() >= 3_600_000_000 { "; entered " (when(*entered_at, zone)) } }
        },
    }
}

/// Who may mark a clock's report sent: the site's reports are the investigator's, the
/// sponsor's reports to a regulator the sponsor's.
fn send_action(sender: Sender) -> Action {
    match sender {
        Sender::Site => Action::MarkSafetyReportSent,
        Sender::Sponsor => Action::MarkSponsorReportSent,
    }
}

pub async fn show(
    State(state): State<AppState>,
    auth: PageAuth,
    Path(participant_id): Path<String>,
    Query(q): Query<SavedQuery>,
) -> PageResult {
    render(&state, &auth.actor, &participant_id, q.notice(), None).await
}

/// A dosing session as people name it (visit and day), never its id.
fn session_label<'a>(sessions: &'a [(String, String)], session_id: &str) -> &'a str {
    sessions.iter().find(|(id, _)| id == session_id).map_or("a dosing session", |(_, label)| label.as_str())
}

/// The participant's events page; `entered` is a refused form's entry and which form it was
/// (`new`, or the event corrected), shown again as entered.
pub(super) async fn render(
    state: &AppState,
    actor: &Actor,
    participant_id: &str,
    notice: Option<Notice>,
    entered: Option<(&str, &Form)>,
) -> PageResult {
    let app = &state.app;
    let events = app.adverse_events(actor, participant_id).await?;
    let p = app.view_participant(actor, participant_id).await?;
    let site = app.site(&p.site_id).await?;
    let zone = &site.time_zone;
    let resource = Resource::Participant { site_id: &p.site_id, participant_id };
    let may_record = App::may(actor, Action::RecordAdverseEvent, resource);
    let may_call = App::may(actor, Action::AssessExpectedness, resource);
    let may_assess = App::may(actor, Action::AssessAdverseEvent, resource);
    let sessions = app.participant_dosing_sessions(&site, participant_id).await?;
    let checklists = app.checklists(actor, participant_id).await?;
    let gaps = app.checklist_gaps(actor, &p.site_id).await?;
    let reports = app.self_reports(actor, participant_id).await?;
    let mut integrity = events.integrity.clone();
    integrity.extend(reports.integrity.iter().cloned());
    integrity.extend(checklists.integrity.iter().cloned());
    integrity.extend(gaps.integrity.iter().cloned());
    let gaps: Vec<_> = gaps.items.into_iter().filter(|g| g.participant_id == participant_id).collect();
    let data = safety_data()?;
    let answered = |sid: &str, point: &str| checklists.items.iter().any(|c| c.session_id == sid && c.point == point);
    let status = notice.as_ref().map(Notice::status).unwrap_or_default();
    let rsi_today = data.rsi.in_effect(app.local_today(&site)).map(|r| r.version);
    let empty = Form::new();
    let entry_of = |which: &str| entered.filter(|(w, _)| *w == which).map(|(_, f)| f);
    let body = page(
        &format!("Adverse events of {}", p.code),
        actor,
        "/sites",
        html! {
            h1 { "Adverse events of " a href={"/participants/" (p.id)} { (p.code) } }
            @if let Some(n) = notice { (n.render()) }
            (integrity_alert(&integrity))
            @if events.items.is_empty() { p { "No adverse event is recorded." } } @else {
                div.table-wrap { table {
                    caption { "Events (current revision; earlier revisions are in the audit trail)" }
                    thead { tr { th scope="col" { "Term" } th scope="col" { "Onset" } th scope="col" { "Severity" } th scope="col" { "Serious" } th scope="col" { "Related (drug / therapy)" } th scope="col" { "Expectedness" } th scope="col" { "Outcome" } th scope="col" { "Revision" } } }
                    tbody { @for r in &events.items { (event_row(r, zone, &sessions)) } }
                } }
            }
            (super::self_report_pages::reports_section(participant_id, &reports.items, &events.items, may_record, zone))
            @if !gaps.is_empty() {
                h2 { "Missing solicited checks" }
                ul { @for g in &gaps { li {
                    strong.badge.bad { "missing" } " " (words(&g.point)) " of " (session_label(&sessions, &g.session_id)) ", due " (when(g.due_at, zone)) " "
                    @if may_record { a href={"/participants/" (p.id) "/adverse-events/checklist?session_id=" (g.session_id) "&point=" (g.point)} { "Answer the checklist" } }
                } } }
            }
            @if !checklists.items.is_empty() {
                h2 { "Solicited checklists" }
                ul { @for c in &checklists.items { li { (checklist_summary(c, &sessions, zone)) } } }
            }
            @if may_record {
                @if !sessions.is_empty() {
                    h2 { "Answer a solicited checklist" }
                    ul { @for (sid, label) in &sessions {
                        @let open: Vec<_> = data.points.points.iter().filter(|pt| !answered(sid, &pt.id)).collect();
                        li { (label) ": "
                            @if open.is_empty() { span.muted { "every point answered" } }
                            @for (i, pt) in open.iter().enumerate() {
                                @if i > 0 { ", " }
                                a href={"/participants/" (p.id) "/adverse-events/checklist?session_id=" (sid) "&point=" (pt.id)} { (pt.label) }
                            }
                        }
                    } }
                }
                h2 { "Record an adverse event" }
                p.muted { "Record every event, pleasant ones too (euphoria, elevated mood, feeling abnormal): they matter for abuse potential." }
                form.stack method="post" action={"/participants/" (p.id) "/adverse-events"} {
                    (event_fields("new", entry_of("new").unwrap_or(&empty), &sessions, true))
                    button type="submit" { "Record the event" }
                }
            }
            @if may_record || may_call {
                @for r in &events.items {
                    @let entry = entry_of(&r.id);
                    details open[entry.is_some()] {
                        summary { "Correct " (r.event.term_label) ", onset " (when_parts(Some(r.event.details.onset), zone).0) ": “"
                            (r.event.details.verbatim.chars().take(40).collect::<String>()) "” (revision " (r.revision) ")" }
                        @if may_record {
                            form.stack method="post" action={"/adverse-events/" (r.id) "/correct"} {
                                input type="hidden" name="revision" value=(r.revision);
                                (event_fields(&r.id, &entry.cloned().unwrap_or_else(|| form_of(&r.event.details, zone)), &sessions, may_assess))
                                label { "Reason for the correction " input name="reason" required value=(entry.and_then(|f| f.get("reason")).cloned().unwrap_or_default()); }
                                button type="submit" { "Save the correction" }
                            }
                        }
                        @if may_call {
                            form.stack method="post" action={"/adverse-events/" (r.id) "/expectedness"} {
                                p { strong { "Expectedness (the sponsor's call)" } }
                                (required_select("assessment", "Against the reference safety information", &["expected", "unexpected"], ""))
                                label { "RSI version " input name="rsi_version" inputmode="numeric" required value=(rsi_today.map(|v| v.to_string()).unwrap_or_default()); }
                                label { "Reason " input name="reason" required; }
                                button type="submit" { "Record the call" }
                            }
                        }
                    }
                }
            }
        },
    );
    Ok((status, body).into_response())
}

/// One checklist in a line: the point and session, when, and what was found; terms not asked
/// make it incomplete, never clean; the point's questions with their answers.
fn checklist_summary(c: &SolicitedChecklist, sessions: &[(String, String)], zone: &TimeZoneName) -> Markup {
    let present = c.checklist.present();
    let not_asked = c.checklist.not_asked();
    let questions = safety_data().ok().and_then(|d| d.points.get(&c.point).cloned());
    html! {
        (words(&c.point)) " of " (session_label(sessions, &c.session_id)) ", " (when(c.recorded_at, zone)) ": "
        @if !present.is_empty() { "present: " (present.iter().map(|t| words(t)).collect::<Vec<_>>().join(", ")) }
        @else if not_asked.is_empty() { "every term asked; none present" }
        @else { "none present among those asked" }
        @if !not_asked.is_empty() { " " strong.badge.bad { "incomplete: " (not_asked.len()) " of " (c.checklist.answers.len()) " not asked" } }
        @for (id, reply) in &c.checklist.questions {
            @let text = questions.as_ref().and_then(|p| p.questions.iter().find(|q| &q.id == id)).map_or_else(|| words(id), |q| q.text.clone());
            br; (text) " " strong { (words(&wire(reply))) }
        }
    }
}

fn event_row(r: &AdverseEventRecord, zone: &TimeZoneName, sessions: &[(String, String)]) -> Markup {
    let d = &r.event.details;
    let (date, time) = when_parts(Some(d.onset), zone);
    html! {
        tr {
            td { (r.event.term_label) br; span.muted.words { "“" (d.verbatim) "”" }
                @if let Some(sid) = &d.session_id { br; span.muted { "after " (session_label(sessions, sid)) } } }
            td { (date) " " (time) br; span.muted { "site aware " (when(d.site_aware_at, zone)) }
                @if let Some(first) = r.event.first_site_aware_at { br; strong.badge.bad { "first recorded aware " (when(first, zone)) } } }
            td { (wire(&d.severity)) @if let Some(g) = d.grade { ", grade " (g.grade) } }
            td { @if r.event.serious { strong.badge.bad { "serious" } br; span.muted { (d.seriousness.ticked().iter().map(|c| words(c)).collect::<Vec<_>>().join(", ")) } } @else { "no" } }
            td { (words(&wire(&d.related_to_drug))) " / " (words(&wire(&d.related_to_therapy))) }
            td { @match &d.expectedness { Some(e) => { (wire(&e.assessment)) " (RSI v" (e.rsi_version) ")" }, None => span.muted { "not assessed" } } }
            td { @match d.outcome { Some(o) => (words(&wire(&o))), None => span.muted { "not yet known" } } }
            td { (r.revision) @if let Some(reason) = &r.event.reason { br; span.muted { "corrected: " (reason) } } }
        }
    }
}

pub async fn record(
    State(state): State<AppState>,
    auth: PageAuth,
    Path(participant_id): Path<String>,
    PageForm(form): PageForm<Form>,
) -> PageResult {
    let app = &state.app;
    let p = app.view_participant(&auth.actor, &participant_id).await?;
    let site = app.site(&p.site_id).await?;
    let result = match input_from(&form, &participant_id, &site.time_zone, app.now()) {
        Ok(input) => app.record_adverse_event(&auth.actor, &participant_id, input).await,
        Err(problems) => Err(DomainError::Invalid(problems).into()),
    };
    match result {
        Ok(_) => Ok(see_other(&format!("/participants/{participant_id}/adverse-events"), "Adverse event recorded.")),
        Err(e) => render(&state, &auth.actor, &participant_id, Some(Notice::from_error(e)?), Some(("new", &form))).await,
    }
}

pub async fn correct(
    State(state): State<AppState>,
    auth: PageAuth,
    Path(event_id): Path<String>,
    PageForm(form): PageForm<Form>,
) -> PageResult {
    let app = &state.app;
    let current = app.adverse_event(&auth.actor, &event_id).await?;
    let site = app.site(&current.site_id).await?;
    let reason = form.get("reason").cloned().unwrap_or_default();
    let result = match input_from(&form, &current.participant_id, &site.time_zone, app.now()) {
        // The expectedness call stays as it is: it is the sponsor's, made on its own form.
        Ok(input) => {
            // Times shown to the minute and left as shown keep their stored instants.
            let was = &current.event.details;
            let shown = |prefix: &str| {
                let field = |part: &str| form.get(&format!("{prefix}_{part}")).map(|s| s.trim().to_owned()).unwrap_or_default();
                (field("date"), field("time"))
            };
            let unchanged = |prefix: &str, w: Option<When>| shown(prefix) == when_parts(w, &site.time_zone);
            // An awareness left empty stays as it was (on a new event, empty means now).
            let aware_kept = unchanged("site_aware_at", Some(When::At(was.site_aware_at)))
                || shown("site_aware_at") == (String::new(), String::new());
            let input = EventInput {
                expectedness: was.expectedness.clone(),
                onset: if unchanged("onset", Some(was.onset)) { was.onset } else { input.onset },
                end: if unchanged("end", was.end) { was.end } else { input.end },
                site_aware_at: if aware_kept { was.site_aware_at } else { input.site_aware_at },
                ..input
            };
            match form.get("revision").map(|s| s.trim().parse::<i64>()) {
                Some(Ok(based_on)) => {
                    let correction = Correction { input, based_on, keep_awareness: false };
                    app.correct_adverse_event(&auth.actor, &event_id, correction, &reason).await
                }
                _ => Err(DomainError::Invalid(vec![Violation::new("revision", "number", "the revision corrected is a number")]).into()),
            }
        }
        Err(problems) => Err(DomainError::Invalid(problems).into()),
    };
    let back = format!("/participants/{}/adverse-events", current.participant_id);
    match result {
        Ok(_) => Ok(see_other(&back, "Correction saved.")),
        Err(e) => {
            render(&state, &auth.actor, &current.participant_id, Some(Notice::from_error(e)?), Some((&event_id, &form))).await
        }
    }
}

/// The sponsor's expectedness call from the event's page.
pub async fn expectedness(
    State(state): State<AppState>,
    auth: PageAuth,
    Path(event_id): Path<String>,
    PageForm(form): PageForm<Form>,
) -> PageResult {
    let app = &state.app;
    let current = app.adverse_event(&auth.actor, &event_id).await?;
    let text = |name: &str| form.get(name).map(|s| s.trim().to_owned()).unwrap_or_default();
    let mut problems = Vec::new();
    let assessment: Option<Expected> = keep(&mut problems, choice(&form, "assessment", &["expected", "unexpected"]));
    let version = text("rsi_version");
    let rsi_version = keep(
        &mut problems,
        version.parse::<u32>().map_err(|_| Violation::new("rsi_version", "number", format!("rsi_version must be a version number; got {version:?}"))),
    );
    let result = match (assessment, rsi_version) {
        (Some(a), Some(v)) if problems.is_empty() => app.assess_expectedness(&auth.actor, &event_id, a, v, &text("reason")).await,
        _ => Err(DomainError::Invalid(problems).into()),
    };
    match result {
        Ok(_) => Ok(see_other(&format!("/participants/{}/adverse-events", current.participant_id), "Expectedness recorded.")),
        Err(e) => render(&state, &auth.actor, &current.participant_id, Some(Notice::from_error(e)?), None).await,
    }
}

#[derive(serde::Deserialize)]
pub struct ChecklistQuery {
    session_id: String,
    point: String,
}

pub async fn checklist_form(
    State(state): State<AppState>,
    auth: PageAuth,
    Path(participant_id): Path<String>,
    Query(q): Query<ChecklistQuery>,
) -> PageResult {
    render_checklist(&state, &auth.actor, &participant_id, &q.session_id, &q.point, None, &Form::new()).await
}

async fn render_checklist(
    state: &AppState,
    actor: &Actor,
    participant_id: &str,
    session_id: &str,
    point_id: &str,
    notice: Option<Notice>,
    entered: &Form,
) -> PageResult {
    let app = &state.app;
    let p = app.participant_for(actor, Action::RecordAdverseEvent, participant_id).await?;
    let data = safety_data()?;
    let Some(point) = data.points.get(point_id) else {
        let ids: Vec<&str> = data.points.points.iter().map(|p| p.id.as_str()).collect();
        return Err(DomainError::Invalid(vec![Violation::one_of("point", point_id, &ids)]).into());
    };
    let site = app.site(&p.site_id).await?;
    let sessions = app.participant_dosing_sessions(&site, participant_id).await?;
    let checklists = app.checklists(actor, participant_id).await?;
    let done = checklists.items.iter().find(|c| c.session_id == session_id && c.point == point.id);
    let status = notice.as_ref().map(Notice::status).unwrap_or_default();
    let chosen = |name: &str| entered.get(name).cloned().unwrap_or_default();
    let solicited: Vec<_> = data.terms.solicited().collect();
    let body = page(
        &format!("Solicited checklist for {}", p.code),
        actor,
        "/sites",
        html! {
            h1 { (point.label) ": solicited checklist for " a href={"/participants/" (p.id) "/adverse-events"} { (p.code) } }
            p { "Dosing session: " (session_label(&sessions, session_id)) }
            @if let Some(n) = notice { (n.render()) }
            (integrity_alert(&checklists.integrity))
            @if let Some(c) = done {
                p.notice.ok role="status" { "This point was already checked: " (checklist_summary(c, &sessions, &site.time_zone)) }
            } @else {
            p.muted { "Ask about each term and answer it on its own: present, absent, or not asked (say why). There is no single answer for the whole list. Record each term present as an adverse event." }
            form method="post" action={"/participants/" (p.id) "/adverse-events/checklist"} {
                input type="hidden" name="session_id" value=(session_id);
                input type="hidden" name="point" value=(point.id);
                div.table-wrap { table {
                    caption { "Solicited terms (term list version " (data.terms.version) ")" }
                    thead { tr { th scope="col" { "Term" } th scope="col" { "Present" } th scope="col" { "Absent" } th scope="col" { "Not asked" } th scope="col" { "Why not asked" } } }
                    @for group in solicited.chunk_by(|a, b| a.category == b.category) {
                        tbody {
                            tr { th colspan="5" scope="colgroup" { (words(group[0].category.as_str())) } }
                            @for t in group {
                                @let name = format!("answer.{}", t.id);
                                @let picked = chosen(&name);
                                tr {
                                    th scope="row" id={"term-" (t.id)} { (t.label) }
                                    @for (value, label) in [("present", "present"), ("absent", "absent"), ("not_asked", "not asked")] {
                                        td { input type="radio" name=(name) value=(value) required checked[picked == value]
                                            aria-label={(t.label) ": " (label)}; }
                                    }
                                    td { input name={"reason." (t.id)} aria-label={"Why " (t.label) " was not asked"} value=(chosen(&format!("reason.{}", t.id))); }
                                }
                            }
                        }
                    }
                } }
                @for q in &point.questions {
                    fieldset { legend { (q.text) }
                        @for (value, label) in [("yes", "Yes"), ("no", "No"), ("declined", "Declined to say")] {
                            label.choice { input type="radio" name={"question." (q.id)} value=(value) required checked[chosen(&format!("question.{}", q.id)) == value]; " " (label) }
                        }
                    }
                }
                button type="submit" { "Record the checklist" }
            }
            }
        },
    );
    Ok((status, body).into_response())
}

pub async fn record_checklist(
    State(state): State<AppState>,
    auth: PageAuth,
    Path(participant_id): Path<String>,
    PageForm(form): PageForm<Form>,
) -> PageResult {
    let text = |name: &str| form.get(name).map(|s| s.trim().to_owned()).unwrap_or_default();
    let (session_id, point) = (text("session_id"), text("point"));
    let data = safety_data()?;
    let mut problems = Vec::new();
    let mut answers = Vec::new();
    for t in data.terms.solicited() {
        let value = text(&format!("answer.{}", t.id));
        if value.is_empty() {
            continue;
        }
        match serde_json::from_value::<Presence>(serde_json::Value::String(value.clone())) {
            Ok(answer) => {
                let reason = text(&format!("reason.{}", t.id));
                answers.push(TermAnswer { term: t.id.clone(), answer, reason: (!reason.is_empty()).then_some(reason) });
            }
            Err(_) => problems.push(Violation::one_of(&format!("answers.{}", t.id), &value, &["present", "absent", "not_asked"])),
        }
    }
    let mut questions = BTreeMap::new();
    for (name, value) in form.iter().filter_map(|(k, v)| Some((k.strip_prefix("question.")?, v))) {
        match serde_json::from_value::<Reply>(serde_json::Value::String(value.trim().to_owned())) {
            Ok(reply) => {
                questions.insert(name.to_owned(), reply);
            }
            Err(_) => problems.push(Violation::one_of(&format!("questions.{name}"), value, &["yes", "no", "declined"])),
        }
    }
    let result = if problems.is_empty() {
        let request = ChecklistRequest { session_id: session_id.clone(), point: point.clone(), answers: Answers::Each(answers), questions };
        state.app.record_checklist(&auth.actor, &participant_id, request).await
    } else {
        Err(DomainError::Invalid(problems).into())
    };
    match result {
        Ok(done) => {
            let message = if done.to_record.is_empty() {
                "Checklist recorded.".to_owned()
            } else {
                format!("Checklist recorded. Record as adverse events: {}.", done.to_record.iter().map(|t| words(t)).collect::<Vec<_>>().join(", "))
            };
            Ok(see_other(&format!("/participants/{participant_id}/adverse-events"), &message))
        }
        Err(e) => render_checklist(&state, &auth.actor, &participant_id, &session_id, &point, Some(Notice::from_error(e)?), &form).await,
    }
}

pub async fn site_safety(
    State(state): State<AppState>,
    auth: PageAuth,
    Path(site_id): Path<String>,
    Query(q): Query<SavedQuery>,
) -> PageResult {
    render_site(&state, &auth.actor, &site_id, q.notice()).await
}

async fn render_site(state: &AppState, actor: &Actor, site_id: &str, notice: Option<Notice>) -> PageResult {
    let app = &state.app;
    let clocks = app.safety_clocks(actor, site_id).await?;
    let gaps = app.checklist_gaps(actor, site_id).await?;
    let mut integrity = clocks.integrity.clone();
    integrity.extend(gaps.integrity.iter().cloned());
    let (events, gaps) = (clocks.events, gaps.items);
    let site = app.site(site_id).await?;
    let may_record = App::may(actor, Action::RecordAdverseEvent, Resource::Site { site_id });
    let now = app.now();
    let codes = app.participant_codes_at(site_id).await?;
    let zone = &site.time_zone;
    let status = notice.as_ref().map(Notice::status).unwrap_or_default();
    let body = page(
        &format!("Safety at {}", site.code),
        actor,
        "/sites",
        html! {
            h1 { "Safety at " a href={"/sites/" (site.id)} { (site.name) } }
            @if let Some(n) = notice { (n.render()) }
            (integrity_alert(&integrity))
            p { "DSMB (blinded): "
                a href={"/api/v1/sites/" (site.id) "/adverse-events/listing?format=csv"} { "listing (CSV)" } ", "
                a href={"/api/v1/sites/" (site.id) "/adverse-events/incidence?format=csv"} { "incidence table (CSV)" } }
            h2 { "Serious adverse events and their reporting clocks" }
            @if events.is_empty() { p { "No serious adverse event." } }
            @for e in &events {
                @let resource = Resource::Participant { site_id: &e.event.site_id, participant_id: &e.event.participant_id };
                @let may_send = |sender: Sender| App::may(actor, send_action(sender), resource);
                @let any_send = e.clocks.iter().any(|c| c.running() && may_send(c.sender));
                section aria-labelledby={"sae-" (e.event.id)} {
                    h3 id={"sae-" (e.event.id)} { (e.event.event.term_label) " — " a href={"/participants/" (e.event.participant_id) "/adverse-events"} { (e.participant_code) }
                        " (" (words(e.pathway.as_str())) ")" }
                    p.muted { "Site aware " (when(e.event.event.earliest_site_awareness(), zone))
                        @if let Some(first) = e.event.event.first_site_aware_at { "; first recorded " (when(first, zone)) ", corrected to " (when(e.event.event.details.site_aware_at, zone)) }
                        "; “" (e.event.event.details.verbatim.chars().take(60).collect::<String>()) "”" }
                    @if let Some(problem) = &e.problem { p.notice.error role="alert" { (problem) } }
                    @if !e.clocks.is_empty() {
                        div.table-wrap { table {
                            thead { tr { th scope="col" { "Report" } th scope="col" { "To" } th scope="col" { "Runs from" } th scope="col" { "Started" } th scope="col" { "Due" } th scope="col" { "Status" } @if any_send { th scope="col" { "Mark sent" } } } }
                            tbody { @for c in &e.clocks {
                                tr {
                                    td { (c.name) br; span.muted { (c.due) } @if let Some(p) = &c.provisional { br; span.muted { (p) } } }
                                    td { (c.recipient) }
                                    td { (words(&wire(&c.start))) }
                                    td { @match c.started_at { Some(t) => (when(t, zone)), None => span.muted { "not yet" } } }
                                    td { @match c.deadline { Some(t) => (when(t, zone)), None => span.muted { "—" } } }
                                    td { (status_text(&c.status, c.deadline.is_some_and(|d| d < now), zone)) }
                                    @if any_send { td { @if c.running() && may_send(c.sender) {
                                        form.inline method="post" action={"/adverse-events/" (e.event.id) "/reports"} {
                                            input type="hidden" name="rule_id" value=(c.rule_id);
                                            input name="reference" required aria-label={"Reference of the " (c.name)} placeholder="reference";
                                            " " input type="date" name="sent_date" aria-label={"Day the " (c.name) " was sent (empty: now)"};
                                            " " input type="time" name="sent_time" aria-label={"Time it was sent (empty: now)"};
                                            " " button.secondary type="submit" { "Mark sent" }
                                        }
                                    } } }
                                }
                            } }
                        } }
                    }
                }
            }
            h2 { "Missing solicited checks (" (gaps.len()) ")" }
            @if gaps.is_empty() { p { "None: every check due has its checklist." } }
            ul { @for g in &gaps { li {
                @let what = format!("{}: {}", codes.get(&g.participant_id).cloned().unwrap_or_default(), words(&g.point));
                @if may_record {
                    a href={"/participants/" (g.participant_id) "/adverse-events/checklist?session_id=" (g.session_id) "&point=" (g.point)} { (what) }
                } @else { a href={"/participants/" (g.participant_id) "/adverse-events"} { (what) } }
                ", due " (when(g.due_at, zone))
            } } }
        },
    );
    Ok((status, body).into_response())
}

pub async fn mark_sent(
    State(state): State<AppState>,
    auth: PageAuth,
    Path(event_id): Path<String>,
    PageForm(f): PageForm<Form>,
) -> PageResult {
    let event = state.app.adverse_event(&auth.actor, &event_id).await?;
    let zone = state.app.site(&event.site_id).await?.time_zone;
    let text = |k: &str| f.get(k).cloned().unwrap_or_default();
    // When it was sent, on the site's clock; empty: now (it is entered as it is sent).
    let sent_at = match when_from(&f, "sent", &zone) {
        Ok(None) => Ok(None),
        Ok(Some(When::At(t))) => Ok(Some(t)),
        Ok(Some(When::Date(_))) => Err(Violation::new("sent_at", "time", "give the time it was sent as well as the day")),
        Err(v) => Err(Violation::new("sent_at", v.rule, v.message)),
    };
    let result = match sent_at {
        Ok(sent_at) => {
            let input = SentInput { rule_id: text("rule_id"), reference: text("reference"), sent_at };
            state.app.mark_safety_report_sent(&auth.actor, &event_id, &input).await
        }
        Err(v) => Err(DomainError::Invalid(vec![v]).into()),
    };
    match result {
        Ok(_) => Ok(see_other(&format!("/sites/{}/safety", event.site_id), "Report marked sent: its clock is stopped.")),
        Err(e) => render_site(&state, &auth.actor, &event.site_id, Some(Notice::from_error(e)?)).await,
    }
}
