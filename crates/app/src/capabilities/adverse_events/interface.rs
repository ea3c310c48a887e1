//! What other capabilities may ask the adverse-event capability, over the caller's write
//! transaction so the answer holds at its commit: a participant's open events (the dosing
//! session's supplemental-dose gate, issue 15, asks whether any is open and serious) and whether
//! a dosing session's solicited check at a point was made.

use crate::platform::store::{StoreError, WriteTx};

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
