//! Serious adverse events: each event's reporting clocks (`clocks_for`, from the site's
//! jurisdiction and pathway and the reports marked sent), marking a report sent (which stops its
//! clock; the site's report to the sponsor starts the regulator's), and the CIOMS I form.

use super::safety_data;
use crate::App;
use crate::capabilities::adverse_events::domain::{
    AdverseEventRecord, SaeSubmission, clock_problem, pathway_of, sae_facts,
};
use crate::capabilities::people::domain::Site;
use crate::capabilities::treatment::domain::AppointmentStatus;
use crate::platform::error::{AppError, AppResult};
use catalyst_core::DomainError;
use catalyst_core::error::{Violation, required_text};
use catalyst_core::policy::{Action, Actor, Resource};
use catalyst_core::time::Timestamp;
use catalyst_safety::{CiomsFacts, CiomsForm, Clock, ClockStatus, Pathway, cioms_i, clocks_for};

/// A serious event's clocks at its site, or why they cannot be computed.
#[derive(Debug, Clone)]
pub struct EventClocks {
    pub event: AdverseEventRecord,
    pub participant_code: String,
    pub pathway: Pathway,
    pub clocks: Vec<Clock>,
    /// Set when the reporting rules cannot answer (an unknown jurisdiction, no rules for the
    /// pathway there): shown, never taken for "nothing due".
    pub problem: Option<String>,
}

/// A report marked sent, as entered.
#[derive(Debug, Clone)]
pub struct SentInput {
    /// The rule whose clock the report stops, e.g. `us_site_to_sponsor`.
    pub rule_id: String,
    pub reference: String,
    /// When it was sent (default: now).
    pub sent_at: Option<Timestamp>,
}

impl App {
    /// The site's pathway, from its authorisations in force today.
    pub(super) async fn safety_pathway(&self, site: &Site) -> AppResult<Pathway> {
        Ok(pathway_of(&self.authorisation_kinds_in_force(&site.id, self.local_today(site)).await?))
    }

    /// An event's clocks given the reports marked sent at its site.
    fn clocks_of(&self, site: &Site, pathway: Pathway, event: &AdverseEventRecord, sent: &[SaeSubmission]) -> AppResult<Result<Vec<Clock>, String>> {
        let data = safety_data()?;
        let facts = sae_facts(&event.event, &site.time_zone, pathway, &data.rules, sent);
        Ok(clocks_for(&facts, pathway, &site.jurisdiction, &data.rules, &data.calendars).map_err(|e| clock_problem(&e)))
    }

    /// Every serious event's clocks at the site (running, not started, stopped), oldest event
    /// first.
    pub async fn safety_clocks(&self, actor: &Actor, site_id: &str) -> AppResult<Vec<EventClocks>> {
        self.authorize(actor, Action::ViewAdverseEvents, Resource::Site { site_id }).await?;
        let site = self.site(site_id).await?;
        self.clocks_at(&site).await
    }

    pub(super) async fn clocks_at(&self, site: &Site) -> AppResult<Vec<EventClocks>> {
        let events = self.store.ae_events_at_site(&site.id).await?;
        if !events.iter().any(|e| e.event.serious) {
            return Ok(Vec::new());
        }
        let pathway = self.safety_pathway(site).await?;
        let sent = self.store.sae_submissions_at_site(&site.id).await?;
        let codes = self.participant_codes_at(&site.id).await?;
        let mut out = Vec::new();
        for event in events.into_iter().filter(|e| e.event.serious) {
            let (clocks, problem) = match self.clocks_of(site, pathway, &event, &sent)? {
                Ok(clocks) => (clocks, None),
                Err(problem) => (Vec::new(), Some(problem)),
            };
            let participant_code = codes.get(&event.participant_id).cloned().unwrap_or_default();
            out.push(EventClocks { event, participant_code, pathway, clocks, problem });
        }
        Ok(out)
    }

    /// One event's clocks (none for an event that is not serious).
    pub async fn event_clocks(&self, actor: &Actor, event_id: &str) -> AppResult<Vec<Clock>> {
        let event = self.event_for(actor, Action::ViewAdverseEvents, event_id).await?;
        let site = self.site(&event.site_id).await?;
        let pathway = self.safety_pathway(&site).await?;
        let sent = self.store.sae_submissions_of(event_id).await?;
        self.clocks_of(&site, pathway, &event, &sent)?.map_err(|p| DomainError::Conflict(p).into())
    }

    /// Marks the report of one of an event's running clocks sent, with the recipient's
    /// reference: the clock stops (late if after its deadline). Refused unless the clock is
    /// running; `sent_at` may not be in the future or before the clock started.
    pub async fn mark_safety_report_sent(&self, actor: &Actor, event_id: &str, input: &SentInput) -> AppResult<SaeSubmission> {
        let event = self.event_for(actor, Action::MarkSafetyReportSent, event_id).await?;
        let site = self.site(&event.site_id).await?;
        let pathway = self.safety_pathway(&site).await?;
        let now = self.now();
        let sent_at = input.sent_at.unwrap_or(now);
        let mut problems = Vec::new();
        let reference = required_text("reference", &input.reference, 200).map_err(|v| problems.push(v)).ok();
        if sent_at > now {
            problems.push(Violation::new("sent_at", "not_in_future", "sent_at must not be after now"));
        }
        let chain = Self::site_chain_ref(&site);
        let mut tx = self.begin(Self::audit_actor(actor), std::slice::from_ref(&chain)).await?;
        let event = tx.ae_event_in(event_id).await?.ok_or_else(|| DomainError::not_found("adverse event", event_id))?;
        let sent = tx.sae_submissions_of(event_id).await?;
        let clocks = self.clocks_of(&site, pathway, &event, &sent)?.map_err(DomainError::Conflict)?;
        let rule_id = input.rule_id.trim();
        let Some(clock) = clocks.iter().find(|c| c.rule_id == rule_id) else {
            let ids: Vec<&str> = clocks.iter().map(|c| c.rule_id.as_str()).collect();
            problems.push(Violation::one_of("rule_id", rule_id, &ids));
            return Err(DomainError::Invalid(problems).into());
        };
        match (&clock.status, clock.started_at) {
            (ClockStatus::Stopped { reference, .. }, _) => {
                return Err(DomainError::Conflict(format!("{} was already marked sent ({reference})", clock.name)).into());
            }
            (ClockStatus::NotStarted, _) | (_, None) => {
                return Err(DomainError::Conflict(format!(
                    "{} has not started: it runs from {}",
                    clock.name,
                    serde_json::to_value(clock.start).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
                ))
                .into());
            }
            (ClockStatus::Running, Some(started)) if sent_at < started => problems.push(Violation::new(
                "sent_at",
                "not_before_start",
                "a report cannot be sent before its clock started",
            )),
            (ClockStatus::Running, Some(_)) => {}
        }
        let (Some(reference), true) = (reference, problems.is_empty()) else {
            return Err(DomainError::Invalid(problems).into());
        };
        let submission = SaeSubmission {
            id: self.new_id(),
            site_id: site.id.clone(),
            participant_id: event.participant_id.clone(),
            event_id: event.id.clone(),
            rule_id: clock.rule_id.clone(),
            recipient: clock.recipient.clone(),
            reference,
            sent_at,
            sent_by: actor.user_id.clone(),
            recorded_at: now,
        };
        tx.insert(&chain.chain, "sae_submission.record", &submission).await?;
        tx.commit().await?;
        Ok(submission)
    }

    /// The CIOMS I form of an event's current revision, filled from what Catalyst holds: the
    /// participant's code (never identifiers), the site's country, the dosing session's
    /// prescription (product, indication, what was prescribed for the session, its day). Age,
    /// sex, concomitant drugs, history, de- and rechallenge are not recorded in Catalyst and say so.
    pub async fn cioms_form(&self, actor: &Actor, event_id: &str) -> AppResult<CiomsForm> {
        let record = self.event_for(actor, Action::ViewAdverseEvents, event_id).await?;
        let site = self.site(&record.site_id).await?;
        let participant = self.participant(&record.participant_id).await?;
        let today = self.local_today(&site);
        let e = &record.event;
        let zone = jiff::tz::TimeZone::get(site.time_zone.as_str()).map_err(|e| AppError::Internal(e.to_string()))?;
        let day_of = |t: Timestamp| jiff::Timestamp::from_microsecond(t.micros()).ok().map(|t| t.to_zoned(zone.clone()).date());
        let mut session_day = None;
        let mut drug = None;
        if let Some(session_id) = &record.session_id {
            let from = day_of(e.details.site_aware_at.plus_seconds(-400 * 86_400)).unwrap_or(today);
            let sessions = self.dosing_sessions(&site, AppointmentStatus::Attended, from, today).await?;
            if let Some(s) = sessions.iter().find(|s| &s.appointment_id == session_id) {
                session_day = Some(s.day);
                drug = self.session_prescription(&record.participant_id, &s.visit_id).await?;
            }
        }
        let not_recorded = || "not recorded in Catalyst".to_owned();
        let reporter = self.user_by_id(&e.recorded_by).await?.map_or_else(|| e.recorded_by.clone(), |u| u.display_name);
        let facts = CiomsFacts {
            patient_code: participant.code.clone(),
            country: site.jurisdiction.clone(),
            age_years: None,
            sex: not_recorded(),
            suspect_drug: drug.as_ref().map_or_else(|| "MDMA (study drug)".to_owned(), |d| d.product.clone()),
            daily_dose: drug.as_ref().map_or_else(not_recorded, |d| format!("{} mg prescribed in all", d.prescribed_mg)),
            route: "oral".to_owned(),
            indication: drug.as_ref().map_or_else(not_recorded, |d| d.indication.clone()),
            therapy_from: session_day,
            therapy_to: session_day,
            dechallenge: not_recorded(),
            rechallenge: not_recorded(),
            concomitant_drugs: not_recorded(),
            relevant_history: not_recorded(),
            manufacturer: String::new(),
            control_number: record.id.clone(),
            date_received: day_of(e.details.site_aware_at),
            report_source: "study".to_owned(),
            report_date: today,
            report_type: if record.revision > 1 { "follow-up".to_owned() } else { "initial".to_owned() },
            reporter,
        };
        Ok(cioms_i(e, &facts, &site.time_zone))
    }

}
