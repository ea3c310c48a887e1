//! Recording an adverse event and correcting it: the pure crate decides (`event_from`,
//! `correction_from`) with the site's zone and the clock passed in; a correction is a ledgered
//! update with its reason, so the ledger holds every revision. What a correction takes follows
//! from what it changes (`actions_to_correct`).

use super::{Shown, safety_data};
use crate::App;
use crate::capabilities::adverse_events::queries::At;
use crate::capabilities::adverse_events::domain::{
    AdverseEventRecord, actions_to_correct, actions_to_record, check_assessor,
};
use crate::capabilities::people::domain::Site;
use crate::capabilities::treatment::interface::dosing_appointment_in;
use crate::platform::error::AppResult;
use crate::platform::store::WriteTx;
use catalyst_core::DomainError;
use catalyst_core::error::Violation;
use catalyst_core::ledger::AuditActor;
use catalyst_core::policy::{Action, Actor, Resource};
use catalyst_core::time::Timestamp;
use catalyst_safety::{EventInput, Expected, ExpectednessInput, RecordFacts, When, correction_from, event_from};

/// A correction as entered: the details as they should read and the revision they were read
/// from.
#[derive(Debug, Clone)]
pub struct Correction {
    pub input: EventInput,
    pub based_on: i64,
    /// Keep the event's own `site_aware_at` (the API's body left it out).
    pub keep_awareness: bool,
}

impl App {
    /// A participant's adverse events (current revisions), oldest first, and any that cannot be
    /// shown.
    pub async fn adverse_events(&self, actor: &Actor, participant_id: &str) -> AppResult<Shown<AdverseEventRecord>> {
        let participant = self.participant_for(actor, Action::ViewAdverseEvents, participant_id).await?;
        let chain = Self::site_chain_ref(&self.site(&participant.site_id).await?).chain;
        let at = At { chain: &chain, site_id: &participant.site_id };
        Ok(self.store.ae_events_of(at, participant_id).await?.into())
    }

    /// One event, for whoever may see its participant's events; an unknown id and one the
    /// actor may not see get the same answer (403).
    pub async fn adverse_event(&self, actor: &Actor, event_id: &str) -> AppResult<AdverseEventRecord> {
        self.event_for(actor, Action::ViewAdverseEvents, event_id).await
    }

    /// Loads an event and checks `action` on its participant (unknown: denied, as elsewhere).
    pub(super) async fn event_for(&self, actor: &Actor, action: Action, event_id: &str) -> AppResult<AdverseEventRecord> {
        // The policy is asked first: whether an event exists, or fails its integrity check, is
        // told only to whoever may see it.
        let place = self.store.ae_event_place(event_id).await?;
        let (site_id, participant_id) = place.as_ref().map_or(("", ""), |(s, p)| (s.as_str(), p.as_str()));
        self.authorize(actor, action, Resource::Participant { site_id, participant_id }).await?;
        let found = self.store.ae_event(event_id).await?;
        found.ok_or_else(|| DomainError::not_found("adverse event", event_id).into())
    }

    /// Records an adverse event for the participant, as the signed-in clinician. Refused (422),
    /// naming each field and rule, when the pure rules refuse it or `session_id` is not one of
    /// the participant's dosing sessions.
    pub async fn record_adverse_event(
        &self,
        actor: &Actor,
        participant_id: &str,
        input: EventInput,
    ) -> AppResult<AdverseEventRecord> {
        let participant = self.participant_for(actor, Action::RecordAdverseEvent, participant_id).await?;
        let resource = Resource::Participant { site_id: &participant.site_id, participant_id };
        for action in actions_to_record(&input) {
            self.authorize(actor, action, resource).await?;
        }
        let input = EventInput { participant_id: participant.id.clone(), ..input };
        let site = self.site(&participant.site_id).await?;
        self.write_adverse_event(Self::audit_actor(actor), &site, &input).await
    }

    /// Writes the first revision of an event by `by` (whose right to record it the caller
    /// checked), deciding it inside the transaction holding the site's chain.
    pub(crate) async fn write_adverse_event(
        &self,
        by: AuditActor,
        site: &Site,
        input: &EventInput,
    ) -> AppResult<AdverseEventRecord> {
        let data = safety_data()?;
        let chain = Self::site_chain_ref(site);
        let mut tx = self.begin(by.clone(), std::slice::from_ref(&chain)).await?;
        let facts =
            RecordFacts { terms: &data.terms, rsi: &data.rsi, zone: &site.time_zone, now: self.now(), actor: &by.id };
        let made = event_from(&self.new_id(), input, &facts);
        let mut problems = made.as_ref().err().cloned().unwrap_or_default();
        problems.extend(session_problem(&mut tx, site, input, self.now()).await?);
        if let Some(e) = &input.expectedness
            && e.assessed_by.trim() != by.id
        {
            problems.push(Violation::new(
                "expectedness.assessed_by",
                "is_assessor",
                "an expectedness call names its assessor: the account making it",
            ));
        }
        let event = match made {
            Ok(event) if problems.is_empty() => event,
            _ => return Err(DomainError::Invalid(problems).into()),
        };
        let record = AdverseEventRecord::of(&site.id, event);
        tx.insert(&chain.chain, "adverse_event.record", &record).await?;
        tx.commit().await?;
        Ok(record)
    }

    /// Corrects an event: the whole of its details as they should read, the revision they were
    /// read from (`based_on`), and the reason. What it takes follows from what it changes
    /// (relatedness, a seriousness criterion taken away, the site's awareness: the investigator;
    /// expectedness: the sponsor; the rest: whoever records events). Refused with 409 if the
    /// event is no longer at `based_on`: a correction made from an old copy would silently undo
    /// the ones since (a criterion added, say). `Correction::keep_awareness` keeps the event's
    /// own `site_aware_at`.
    pub async fn correct_adverse_event(
        &self,
        actor: &Actor,
        event_id: &str,
        correction: Correction,
        reason: &str,
    ) -> AppResult<AdverseEventRecord> {
        let current = self.event_for(actor, Action::ViewAdverseEvents, event_id).await?;
        let stale = |now_at: i64| {
            DomainError::Conflict(format!(
                "the event was corrected since revision {} was read (now revision {now_at}): reload it and correct that",
                correction.based_on
            ))
        };
        if current.revision != correction.based_on {
            return Err(stale(current.revision).into());
        }
        let site = self.site(&current.site_id).await?;
        let data = safety_data()?;
        let mut input = EventInput { participant_id: current.participant_id.clone(), ..correction.input };
        if correction.keep_awareness {
            input.site_aware_at = current.event.details.site_aware_at;
        }
        let facts = RecordFacts {
            terms: &data.terms,
            rsi: &data.rsi,
            zone: &site.time_zone,
            now: self.now(),
            actor: &actor.user_id,
        };
        // Decided first on the row as read, to know what the change takes (the policy is asked
        // outside the write transaction: a denial is itself written)...
        let mut problems = Vec::new();
        let first = correction_from(&current.event, &input, reason, &facts).map_err(|v| problems.extend(v)).ok();
        if let Err(v) = check_assessor(&current.event.details, &input, &actor.user_id) {
            problems.push(v);
        }
        let Some(first) = first.filter(|_| problems.is_empty()) else {
            return Err(DomainError::Invalid(problems).into());
        };
        let resource = Resource::Participant { site_id: &current.site_id, participant_id: &current.participant_id };
        for action in actions_to_correct(&current.event.details, &first.details, &first.changed) {
            self.authorize(actor, action, resource).await?;
        }
        // ...then again on the row read inside the transaction holding the site's chain.
        let chain = Self::site_chain_ref(&site);
        let mut tx = self.begin(Self::audit_actor(actor), std::slice::from_ref(&chain)).await?;
        let stored = tx.ae_event_in(event_id).await?.ok_or_else(|| DomainError::not_found("adverse event", event_id))?;
        if stored.revision != correction.based_on {
            return Err(stale(stored.revision).into());
        }
        let corrected = correction_from(&stored.event, &input, reason, &facts).map_err(DomainError::Invalid)?;
        if first.changed.contains(&"session_id".to_owned()) {
            let problems = session_problem(&mut tx, &site, &input, self.now()).await?;
            if !problems.is_empty() {
                return Err(DomainError::Invalid(problems).into());
            }
        }
        let reason = corrected.reason.clone().unwrap_or_default();
        let record = AdverseEventRecord::of(&site.id, corrected);
        tx.update(&chain.chain, "adverse_event.correct", &record, &reason).await?;
        tx.commit().await?;
        Ok(record)
    }

    /// The sponsor's expectedness call on an event, against a version of the reference safety
    /// information, with the reason: a correction of that one field, assessed by the actor now.
    pub async fn assess_expectedness(
        &self,
        actor: &Actor,
        event_id: &str,
        assessment: Expected,
        rsi_version: u32,
        reason: &str,
    ) -> AppResult<AdverseEventRecord> {
        let current = self.event_for(actor, Action::AssessExpectedness, event_id).await?;
        let expectedness =
            ExpectednessInput { assessment, rsi_version, assessed_by: actor.user_id.clone(), assessed_at: self.now() };
        let input = EventInput { expectedness: Some(expectedness), ..current.event.details };
        let correction = Correction { input, based_on: current.revision, keep_awareness: true };
        self.correct_adverse_event(actor, event_id, correction, reason).await
    }
}

/// Whether an onset (an instant, or only a site-local date) is before a session's start.
fn onset_before(onset: When, start: Timestamp, zone: &catalyst_core::time::TimeZoneName) -> bool {
    match onset {
        When::At(t) => t < start,
        When::Date(day) => catalyst_regulatory::local_date(start.micros(), zone.as_str()).is_ok_and(|d| day < d),
    }
}

/// The event's dosing session must be one of its participant's, and begun, and the event must
/// not have begun before it (an event follows its session).
async fn session_problem(tx: &mut WriteTx, site: &Site, input: &EventInput, now: Timestamp) -> AppResult<Vec<Violation>> {
    let Some(session_id) = input.session_id.as_deref().map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(Vec::new());
    };
    Ok(match dosing_appointment_in(tx, site, session_id).await? {
        Err(v) => vec![Violation::new("session_id", v.rule, v.message)],
        Ok(a) if a.participant_id != input.participant_id => {
            vec![Violation::new("session_id", "of_participant", "the dosing session is another participant's")]
        }
        Ok(a) if a.starts_at > now => {
            vec![Violation::new("session_id", "not_started", "the dosing session has not begun: an event follows its session")]
        }
        Ok(a) if onset_before(input.onset, a.starts_at, &site.time_zone) => vec![Violation::new(
            "session_id",
            "after_session_start",
            "the event began before this dosing session: it cannot follow it (leave the session out)",
        )],
        Ok(_) => Vec::new(),
    })
}
