//! The participant's own portal on their dashboard: questionnaires to fill, today's check-in,
//! and their progress in plain language.

use crate::capabilities::people::pages::stage_label;
use crate::capabilities::outcomes::charts::chart_for;
use crate::capabilities::outcomes::pages::instrument_name;
use crate::capabilities::outcomes::usecases::{Outcomes, ScoredAssessment};
use crate::capabilities::outcomes::domain::total_of;
use crate::capabilities::people::domain::Participant;
use catalyst_core::time::TimeZoneName;
use crate::capabilities::treatment::domain::Appointment;
use catalyst_instruments::InstrumentId;
use maud::{Markup, html};

/// What each self-report measure is about, in words a participant uses.
fn about(id: InstrumentId) -> &'static str {
    match id {
        InstrumentId::Pcl5 => "PTSD symptoms",
        InstrumentId::Phq9 => "mood",
        InstrumentId::Sds => "how much symptoms get in the way of work, social and family life",
        _ => "",
    }
}

/// One sentence on how a measure has moved, or nothing before two measurements.
fn progress_sentence(id: InstrumentId, rows: &[&ScoredAssessment]) -> Option<String> {
    let first = rows.first().and_then(|a| total_of(&a.scored.score))?;
    let last = rows.last().and_then(|a| total_of(&a.scored.score))?;
    if rows.len() < 2 {
        return Some(format!("Your first {} score ({}) was {first}. Lower is better.", instrument_name(id), about(id)));
    }
    let change = last - first;
    let direction = match change {
        c if c < 0 => format!("{} points lower (better)", -c),
        0 => "the same".to_owned(),
        c => format!("{c} points higher"),
    };
    let meaning = match id {
        InstrumentId::Pcl5 if change <= -10 => " A fall of 10 or more is a clinically meaningful improvement.",
        InstrumentId::Pcl5 if change <= -5 => " A fall of 5 or more is a reliable change.",
        _ => "",
    };
    Some(format!(
        "Your {} score ({}) went from {first} to {last}: {direction}.{meaning}",
        instrument_name(id),
        about(id)
    ))
}

pub fn portal(
    p: &Participant,
    outcomes: &Outcomes,
    visits: &[Appointment],
    due: &[(String, jiff::civil::Date)],
    doses: &[(i64, String)],
    zone: &TimeZoneName,
    today: jiff::civil::Date,
) -> Markup {
    let questionnaires = [InstrumentId::Pcl5, InstrumentId::Phq9, InstrumentId::Sds];
    let rows_of = |id: InstrumentId| -> Vec<&ScoredAssessment> {
        outcomes.assessments.iter().filter(|a| a.assessment.instrument == id).collect()
    };
    let checkins = rows_of(InstrumentId::DailyCheckin);
    let today = today.to_string();
    let checked_in_today = checkins.iter().find(|a| a.assessment.administered_on == today);
    let progress: Vec<(InstrumentId, String, Vec<&ScoredAssessment>)> = questionnaires
        .into_iter()
        .filter_map(|id| {
            let rows = rows_of(id);
            progress_sentence(id, &rows).map(|sentence| (id, sentence, rows))
        })
        .collect();
    html! {
        section.card.portal aria-labelledby={"own-" (p.id)} {
            h2 id={"own-" (p.id)} { "Your programme" }
            p { "Your participant code is " strong { (p.code) } ". Current stage: " strong { (stage_label(p.stage)) } "." }
            @if let Some(done) = checked_in_today {
                p { strong { "Today's check-in is saved." } " Thank you." }
                form.inline method="post" action={"/assessments/" (done.assessment.id) "/void"} {
                    input type="hidden" name="back" value={"/participants/" (p.id) "/assessments/new?instrument=daily_checkin"};
                    label { span.hint { "Something wrong in it? Say what, then fill it in again" }
                        input name="reason" required aria-label="What was wrong in today's check-in"; }
                    " " button.secondary type="submit" { "Correct today's check-in" }
                }
            } @else {
                p { a.button href={"/participants/" (p.id) "/assessments/new?instrument=daily_checkin"} { "Today's check-in" }
                    span.muted { " · about a minute: sleep, work, people, avoidance, irritability, substances, routines" } }
            }
            p { a href={"/participants/" (p.id) "/consent"} { "Your consent" } }
            h3 { "Your next visits" }
            @if visits.is_empty() { p.muted { "None booked yet." } }
            ul { @for v in visits {
                li { (v.starts_at.format_in(zone)) " — " (v.visit_kind.label()) }
            } }
            @if !visits.is_empty() { p { a href="/api/v1/me/calendar.ics" { "Add them to your calendar (.ics)" } } }
            @if !due.is_empty() {
                h3 { "Due now" }
                ul { @for (instrument, by) in due {
                    li { a href={"/participants/" (p.id) "/assessments/new?instrument=" (instrument)} { strong { (instrument_label(instrument)) } } " — please fill in by " (by) }
                } }
            }
            h3 { "Questionnaires" }
            ul { @for id in questionnaires {
                li { a href={"/participants/" (p.id) "/assessments/new?instrument=" (id.as_str())} { (instrument_name(id)) } " — " (about(id)) }
            } }
        }
        section aria-labelledby="progress-heading" {
            h2 id="progress-heading" { "Your progress" }
            @for (id, sentence, rows) in &progress {
                h3 { (instrument_name(*id)) }
                p { (sentence) }
                (chart_for(*id, rows, &p.code, doses))
            }
            @if !checkins.is_empty() {
                h3 { "Your check-ins" }
                p.muted { "Darker means a harder day for that line; hatched means no check-in." }
                (chart_for(InstrumentId::DailyCheckin, &checkins, &p.code, doses))
            }
            @if progress.is_empty() && checkins.is_empty() { p.muted { "Your charts will appear here after your first questionnaires." } }
        }
    }
}

fn instrument_label(id: &str) -> &str {
    match id {
        "pcl5" => "PCL-5",
        "phq9" => "PHQ-9",
        "sds" => "Sheehan Disability Scale",
        other => other,
    }
}
