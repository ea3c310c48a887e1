//! What other capabilities may ask the adverse-event capability, over the caller's write
//! transaction so the answer holds at its commit: a participant's open events (the dosing
//! session's supplemental-dose gate, issue 15, asks whether any is open and serious), whether
//! a dosing session's solicited check at a point was made, and the events to code (coding).

use crate::App;
use crate::platform::shown::Shown;
use crate::capabilities::people::domain::Site;
use crate::platform::error::AppResult;
use crate::platform::store::{StoreError, WriteTx};
use catalyst_safety::AdverseEvent;

/// An event still open (no final outcome): what a gate needs to know of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OpenEvent {
    pub event_id: String,
    /// The term id (or `other`) and its label as shown.
    pub term: String,
    pub label: String,
    pub serious: bool,
    /// The dosing session (appointment) it follows, if any.
    pub session_id: Option<String>,
}

/// The participant's open events (current revisions, seals checked), oldest first.
pub(crate) async fn open_events_in(tx: &mut WriteTx, participant_id: &str) -> Result<Vec<OpenEvent>, StoreError> {
    Ok(tx
        .ae_events_of(participant_id)
        .await?
        .into_iter()
        .filter(|r| r.event.open())
        .map(|r| OpenEvent {
            event_id: r.id,
            term: r.event.details.term.clone(),
            label: r.event.term_label.clone(),
            serious: r.event.serious,
            session_id: r.session_id,
        })
        .collect())
}

/// Whether the solicited checklist of `point` (e.g. `during_session`) was recorded for the
/// dosing session `appointment_id`.
pub(crate) async fn solicited_check_done_in(
    tx: &mut WriteTx,
    appointment_id: &str,
    point: &str,
) -> Result<bool, StoreError> {
    Ok(tx.ae_checklists_of_session(appointment_id).await?.iter().any(|c| c.point == point))
}

/// An event as coding needs it: where it is, and its current revision.
#[derive(Debug, Clone)]
pub(crate) struct CodableEvent {
    pub site_id: String,
    pub participant_id: String,
    pub event: AdverseEvent,
}

impl App {
    /// A site's events (current revisions) for coding, and any that cannot be read.
    pub(crate) async fn events_to_code(&self, site: &Site) -> AppResult<Shown<CodableEvent>> {
        let read = self.store.ae_events_at_site(&Self::site_chain_ref(site).chain, &site.id).await?;
        let integrity = read.problems();
        let items = read
            .rows
            .into_iter()
            .map(|r| CodableEvent { site_id: r.site_id, participant_id: r.participant_id, event: r.event })
            .collect();
        Ok(Shown { items, integrity })
    }

    /// One event's site and participant as its row says, for asking the policy who may code
    /// it (`None` if unknown); the coding itself reads the event with its checks.
    pub(crate) async fn event_site(&self, event_id: &str) -> AppResult<Option<(String, String)>> {
        Ok(self.store.ae_event_place(event_id).await?)
    }
}

/// One event's current revision, inside the caller's transaction (seal checked).
pub(crate) async fn event_to_code_in(tx: &mut WriteTx, event_id: &str) -> Result<Option<CodableEvent>, StoreError> {
    Ok(tx
        .ae_event_in(event_id)
        .await?
        .map(|r| CodableEvent { site_id: r.site_id, participant_id: r.participant_id, event: r.event }))
}
