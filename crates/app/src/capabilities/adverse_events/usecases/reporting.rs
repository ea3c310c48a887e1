//! Serious adverse events: each event's reporting clocks (`clocks_for`, from the site's
//! jurisdiction and pathway and the reports marked sent), marking a report sent (which stops its
//! clock; the site's report to the sponsor starts the regulator's), and the CIOMS I form.

use super::{Shown, safety_data};
use crate::capabilities::adverse_events::queries::At;
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
use std::collections::HashMap;
use catalyst_safety::{CiomsFacts, CiomsForm, Clock, ClockStatus, Pathway, Sender, cioms_i, clocks_for};

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

/// A site's serious events with their clocks, and the records that could not be read (an event
/// or a report marked sent written or deleted outside Catalyst): shown, never taken for "none".
#[derive(Debug, Clone)]
pub struct SiteClocks {
    pub events: Vec<EventClocks>,
    pub integrity: Vec<String>,
    /// Every event read at the site, serious or not (for the dashboard's signals).
    pub(super) all: Vec<AdverseEventRecord>,
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
    /// The pathway an event's reports follow: the site's, from its authorisations in force on
    /// the day the site first knew of it (an approval revoked or lapsed later does not take away
    /// the reports the event owes, nor the ones already sent).
    pub(super) async fn safety_pathway(&self, site: &Site, event: &AdverseEventRecord) -> AppResult<Pathway> {
        self.pathway_on(site, awareness_day(site, event)?).await
    }

    async fn pathway_on(&self, site: &Site, day: jiff::civil::Date) -> AppResult<Pathway> {
        Ok(pathway_of(&self.authorisation_kinds_in_force_then(&site.id, day).await?))
    }

    /// An event's clocks given the reports marked sent at its site.
    fn clocks_of(&self, site: &Site, pathway: Pathway, event: &AdverseEventRecord, sent: &[SaeSubmission]) -> AppResult<Result<Vec<Clock>, String>> {
        let data = safety_data()?;
        let facts = sae_facts(&event.event, &site.time_zone, pathway, &data.rules, sent);
        Ok(clocks_for(&facts, pathway, &site.jurisdiction, &data.rules, &data.calendars).map_err(|e| clock_problem(&e)))
    }

    /// Every serious event's clocks at the site (running, not started, stopped), oldest event
    /// first.
    pub async fn safety_clocks(&self, actor: &Actor, site_id: &str) -> AppResult<SiteClocks> {
        self.authorize(actor, Action::ViewAdverseEvents, Resource::Site { site_id }).await?;
        let site = self.site(site_id).await?;
        self.clocks_at(&site).await
    }

    pub(super) async fn clocks_at(&self, site: &Site) -> AppResult<SiteClocks> {
        let chain = Self::site_chain_ref(site).chain;
        let read = self.store.ae_events_at_site(&chain, &site.id).await?;
        let mut integrity = read.problems();
        let events = read.rows;
        if !events.iter().any(|e| e.event.serious) {
            return Ok(SiteClocks { events: Vec::new(), integrity, all: events });
        }
        let read = self.store.sae_submissions_at_site(&chain, &site.id).await?;
        integrity.extend(read.problems());
        let sent = read.rows;
        let codes = self.participant_codes_at(&site.id).await?;
        let mut out = Vec::new();
        // One pathway per day the site learnt of events (the authorisations are read once a day).
        let mut pathways: HashMap<jiff::civil::Date, Pathway> = HashMap::new();
        for event in events.iter().filter(|e| e.event.serious).cloned() {
            let day = awareness_day(site, &event)?;
            let pathway = match pathways.get(&day) {
                Some(p) => *p,
                None => {
                    let p = self.pathway_on(site, day).await?;
                    pathways.insert(day, p);
                    p
                }
            };
            let (clocks, problem) = match self.clocks_of(site, pathway, &event, &sent)? {
                Ok(clocks) => (clocks, None),
                Err(problem) => (Vec::new(), Some(problem)),
            };
            let participant_code = codes.get(&event.participant_id).cloned().unwrap_or_default();
            out.push(EventClocks { event, participant_code, pathway, clocks, problem });
        }
        Ok(SiteClocks { events: out, integrity, all: events })
    }

    /// One event's clocks (none for an event that is not serious).
    pub async fn event_clocks(&self, actor: &Actor, event_id: &str) -> AppResult<Vec<Clock>> {
        let event = self.event_for(actor, Action::ViewAdverseEvents, event_id).await?;
        let site = self.site(&event.site_id).await?;
        let pathway = self.safety_pathway(&site, &event).await?;
        let chain = Self::site_chain_ref(&site).chain;
        let sent = Shown::from(self.store.sae_submissions_of(At { chain: &chain, site_id: &site.id }, event_id).await?).or_refuse()?;
        self.clocks_of(&site, pathway, &event, &sent)?.map_err(|p| DomainError::Conflict(p).into())
    }

    /// Marks the report of one of an event's running clocks sent, with the recipient's
    /// reference: the clock stops (late if after its deadline; a report dated back shows when it
    /// was entered). The site's reports are the investigator's to mark
    /// (`MarkSafetyReportSent`), the sponsor's reports to a regulator the sponsor's
    /// (`MarkSponsorReportSent`). Refused unless the clock is running; `sent_at` may not be in
    /// the future or before the clock started.
    pub async fn mark_safety_report_sent(&self, actor: &Actor, event_id: &str, input: &SentInput) -> AppResult<SaeSubmission> {
        let event = self.event_for(actor, Action::ViewAdverseEvents, event_id).await?;
        let site = self.site(&event.site_id).await?;
        let pathway = self.safety_pathway(&site, &event).await?;
        // Who may mark it follows from who sends it: asked on the rule as read (the policy is
        // asked outside the write transaction), and the rule is found again inside it.
        let data = safety_data()?;
        let rule_id = input.rule_id.trim();
        let resource = Resource::Participant { site_id: &event.site_id, participant_id: &event.participant_id };
        let rules = data.rules.applicable(&site.jurisdiction, pathway);
        let action = match rules.iter().find(|r| r.id == rule_id).map(|r| r.sender) {
            Some(Sender::Sponsor) => Action::MarkSponsorReportSent,
            Some(Sender::Site) => Action::MarkSafetyReportSent,
            None => {
                let ids: Vec<&str> = rules.iter().map(|r| r.id.as_str()).collect();
                return Err(DomainError::Invalid(vec![Violation::one_of("rule_id", rule_id, &ids)]).into());
            }
        };
        self.authorize(actor, action, resource).await?;
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
        let sent = tx.sae_submissions_of(At { chain: &chain.chain, site_id: &site.id }, event_id).await?;
        let clocks = self.clocks_of(&site, pathway, &event, &sent)?.map_err(DomainError::Conflict)?;
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
    /// prescription (product, indication, the session's own initial and supplemental doses, its
    /// day). On a sponsored trial the suspect drug is named blinded (the product or its matching
    /// placebo): the form unblinds no one. Age, sex, concomitant drugs, history, de- and
    /// rechallenge are not recorded in Catalyst and say so.
    pub async fn cioms_form(&self, actor: &Actor, event_id: &str) -> AppResult<CiomsForm> {
        let record = self.event_for(actor, Action::ViewAdverseEvents, event_id).await?;
        let site = self.site(&record.site_id).await?;
        let pathway = self.safety_pathway(&site, &record).await?;
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
        let reporter = self.user_by_id(e.reporter()).await?.map_or_else(|| e.reporter().to_owned(), |u| u.display_name);
        let facts = CiomsFacts {
            patient_code: participant.code.clone(),
            country: site.jurisdiction.clone(),
            age_years: None,
            sex: not_recorded(),
            suspect_drug: suspect_drug(drug.as_ref().map(|d| d.product.as_str()), pathway),
            daily_dose: drug.as_ref().map_or_else(not_recorded, |d| session_dose(d.session_initial_mg, d.session_supplemental_mg)),
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

/// The site-local day the site first knew of the event.
fn awareness_day(site: &Site, event: &AdverseEventRecord) -> AppResult<jiff::civil::Date> {
    catalyst_regulatory::local_date(event.event.earliest_site_awareness().micros(), site.time_zone.as_str())
        .map_err(|e| AppError::Internal(e.to_string()))
}

/// The CIOMS suspect drug: blinded on a sponsored trial (where a matching placebo is given).
fn suspect_drug(product: Option<&str>, pathway: Pathway) -> String {
    let product = product.unwrap_or("MDMA");
    match pathway {
        Pathway::SponsoredTrial => format!("{product} or matching placebo (blinded study drug)"),
        Pathway::AuthorisedPrescriber | Pathway::SpecialAccess => product.to_owned(),
    }
}

/// The session's dose as prescribed (MDMA-AT gives an initial dose and may give a supplemental
/// one some 1.5 to 2 hours later, on the one day).
fn session_dose(initial_mg: f64, supplemental_mg: Option<f64>) -> String {
    match supplemental_mg {
        Some(s) => format!("{initial_mg} mg, then {s} mg supplemental if given, on the session day (as prescribed)"),
        None => format!("{initial_mg} mg on the session day (as prescribed)"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cioms_drug_is_blinded_on_a_trial_and_its_dose_is_the_sessions() {
        let trial = suspect_drug(Some("MDMA hydrochloride capsules"), Pathway::SponsoredTrial);
        assert_eq!(trial, "MDMA hydrochloride capsules or matching placebo (blinded study drug)");
        assert_eq!(suspect_drug(Some("MDMA hydrochloride capsules"), Pathway::AuthorisedPrescriber), "MDMA hydrochloride capsules");
        assert_eq!(session_dose(120.0, Some(60.0)), "120 mg, then 60 mg supplemental if given, on the session day (as prescribed)");
        assert_eq!(session_dose(80.0, None), "80 mg on the session day (as prescribed)");
    }
}
