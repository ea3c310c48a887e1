//! The adverse events' demo data, recorded through the same use cases as a clinician would:
//! events of every category of the term list at Sydney after the held dosing session (euphoria and elevated mood
//! among them: pleasant effects are adverse events too), a solicited checklist for its
//! session's first point (the later points left as gaps, as the dashboard shows), a pregnancy
//! reported (the term list has no pregnancy term: recorded as "other" and followed to outcome),
//! and in Boston a serious event whose report to the sponsor is due within a day (its clock runs).

use crate::App;
use crate::capabilities::adverse_events::usecases::ChecklistRequest;
use crate::capabilities::adverse_events::usecases::safety_data;
use crate::capabilities::people::domain::Site;
use crate::capabilities::treatment::domain::AppointmentStatus;
use crate::platform::demo::{DemoFuture, DemoLogin};
use crate::platform::error::{AppError, AppResult};
use catalyst_core::ledger::AuditActor;
use catalyst_core::policy::Actor;
use catalyst_core::time::Timestamp;
use catalyst_safety::{
    ActionTaken, Answers, EventInput, GradeInput, HowBad, Intervention, Outcome, Presence, Relatedness, ReportedBy,
    SelfReportInput, Seriousness, Severity, TermAnswer, When,
};
use std::collections::BTreeMap;

pub(crate) fn seed<'a>(app: &'a App, _: &'a AuditActor, _: &'a mut Vec<DemoLogin>) -> DemoFuture<'a> {
    Box::pin(app.seed_demo_adverse_events())
}

const HOUR: i64 = 3600;

fn missing(what: &str) -> AppError {
    AppError::Internal(format!("demo {what} missing"))
}

/// An event's input with the common defaults: mild, not serious, possibly related to the drug.
fn event(participant_id: &str, term: &str, verbatim: &str, onset: Timestamp) -> EventInput {
    EventInput {
        participant_id: participant_id.to_owned(),
        term: term.to_owned(),
        other_term: None,
        verbatim: verbatim.to_owned(),
        reported_by: ReportedBy::Participant,
        onset: When::At(onset),
        end: None,
        severity: Severity::Mild,
        grade: None,
        seriousness: Seriousness::default(),
        serious: false,
        related_to_drug: Relatedness::Possible,
        related_to_therapy: Relatedness::Unlikely,
        expectedness: None,
        action_taken: ActionTaken::DoseNotChanged,
        outcome: None,
        session_id: None,
        site_aware_at: onset,
    }
}

impl App {
    async fn demo_clinician(&self, username: &str) -> AppResult<Actor> {
        let user = self.user_by_username(username).await?.ok_or_else(|| missing(username))?;
        self.actor_for(&user).await
    }

    async fn demo_site(&self, code: &str) -> AppResult<Site> {
        self.site_by_code(code).await?.ok_or_else(|| missing(code))
    }

    async fn seed_demo_adverse_events(&self) -> AppResult<()> {
        let now = self.now();
        let syd = self.demo_site("SYD").await?;
        let therapist = self.demo_clinician("therapist1.syd").await?;
        let physician = self.demo_clinician("physician.syd").await?;
        let today = self.local_today(&syd);
        let from = today.checked_sub(jiff::Span::new().days(90)).map_err(|e| AppError::Internal(e.to_string()))?;
        let held = self.dosing_sessions(&syd, AppointmentStatus::Attended, from, today).await?;
        let session = held.first().ok_or_else(|| missing("held dosing session at SYD"))?;
        let (pid, start, end) = (session.participant_id.clone(), session.starts_at, session.ends_at);
        let at = |hours: i64| start.plus_seconds(hours * HOUR);
        let after = |mut e: EventInput| {
            e.session_id = Some(session.appointment_id.clone());
            e
        };
        let recorded = |mut e: EventInput, end_at: Timestamp| {
            e.end = Some(When::At(end_at));
            e.outcome = Some(Outcome::Recovered);
            e
        };
        let events = [
            recorded(after(event(&pid, "euphoria", "felt wonderful, on top of the world", at(1))), at(5)),
            recorded(after(event(&pid, "elevated_mood", "so happy, loved everyone", at(2))), end),
            recorded(after(event(&pid, "feeling_abnormal", "felt strange, not myself", at(2))), at(4)),
            recorded(after(event(&pid, "bruxism", "jaw clenching", at(1))), at(6)),
            recorded(after(event(&pid, "fever", "38.1 °C at 4 h, settled with fluids and cooling", at(4))), at(7)),
            recorded(
                after(EventInput {
                    severity: Severity::Moderate,
                    grade: Some(GradeInput { grade: 2, intervention: Some(Intervention::None), duration_hours: None }),
                    reported_by: ReportedBy::Clinician,
                    ..event(&pid, "hypertension", "BP 162/98 at 2 h, settled without treatment", at(2))
                }),
                at(4),
            ),
            after(EventInput {
                severity: Severity::Moderate,
                related_to_drug: Relatedness::Unlikely,
                related_to_therapy: Relatedness::Possible,
                ..event(&pid, "low_mood", "flat and tearful since the session", at(30))
            }),
        ];
        for input in events {
            self.record_adverse_event(&therapist, &pid, input).await?;
        }
        // The session's first check, answered term by term; the later points are gaps.
        let data = safety_data()?;
        let present = ["euphoria", "elevated_mood", "feeling_abnormal", "bruxism", "hypertension", "fever"];
        let answers = data
            .terms
            .solicited()
            .map(|t| TermAnswer {
                term: t.id.clone(),
                answer: if present.contains(&t.id.as_str()) { Presence::Present } else { Presence::Absent },
                reason: None,
            })
            .collect();
        let request = ChecklistRequest {
            session_id: session.appointment_id.clone(),
            point: "during_session".into(),
            answers: Answers::Each(answers),
            questions: BTreeMap::new(),
        };
        self.record_checklist(&therapist, &pid, request).await?;
        // A pregnancy reported after treatment, followed until its outcome is known.
        let pregnancy = EventInput {
            term: "other".into(),
            other_term: Some("Pregnancy after MDMA exposure".into()),
            reported_by: ReportedBy::Participant,
            related_to_drug: Relatedness::NotRelated,
            related_to_therapy: Relatedness::NotRelated,
            action_taken: ActionTaken::NotApplicable,
            site_aware_at: now.plus_seconds(-2 * 24 * HOUR),
            ..event(&pid, "other", "positive pregnancy test at the follow-up visit", now.plus_seconds(-3 * 24 * HOUR))
        };
        self.record_adverse_event(&physician, &pid, pregnancy).await?;

        // Boston, a sponsored trial: a serious event the site learnt of three hours ago.
        let bos = self.demo_site("BOS").await?;
        let bos_physician = self.demo_clinician("physician.bos").await?;
        let codes = self.participant_codes_at(&bos.id).await?;
        let (bos_pid, _) = codes.iter().min_by_key(|(_, code)| code.as_str()).ok_or_else(|| missing("BOS participant"))?;
        let serious = EventInput {
            severity: Severity::Severe,
            seriousness: Seriousness { hospitalisation: true, ..Seriousness::default() },
            serious: true,
            reported_by: ReportedBy::Clinician,
            related_to_drug: Relatedness::Possible,
            related_to_therapy: Relatedness::Possible,
            site_aware_at: now.plus_seconds(-3 * HOUR),
            ..event(bos_pid, "suicidal_ideation", "admitted overnight after disclosing a plan", now.plus_seconds(-5 * HOUR))
        };
        self.record_adverse_event(&bos_physician, bos_pid, serious).await?;

        // Sydney's portal participant tells the clinic how they feel: waiting for a clinician.
        let portal = self.demo_clinician("participant.syd").await?;
        let own = portal.own_participants.first().ok_or_else(|| missing("participant.syd's record"))?;
        let feeling = SelfReportInput {
            feeling: "Sleeping badly since Sunday and a bit on edge; the breathing exercise helps.".into(),
            started_on: None,
            how_bad: HowBad::Mild,
            wants_call: false,
        };
        self.report_how_i_feel(&portal, own, &feeling).await?;
        Ok(())
    }
}
