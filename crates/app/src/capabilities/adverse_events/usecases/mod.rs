//! The adverse-event use cases, one file per family: recording and correcting events
//! (`events`), solicited checklists and their gaps (`checklists`), serious-event reporting
//! clocks, reports marked sent and the CIOMS I form (`reporting`), and the safety review:
//! DSMB listings, incidence tables and the dashboard's signals (`review`). Each decision is the
//! pure `catalyst-safety` crate's, made with the clock passed in.

mod checklists;
mod events;
mod reporting;
mod review;
mod self_reports;

pub use checklists::{ChecklistRequest, RecordedChecklist};
pub use events::Correction;
pub use reporting::{EventClocks, SentInput, SiteClocks};
pub use review::{SiteIncidence, SiteListing, SiteSignals};
pub use self_reports::SelfReportView;

use crate::capabilities::adverse_events::domain::SafetyData;
use crate::platform::error::{AppError, AppResult};
use catalyst_core::DomainError;
use crate::platform::store::seals::SealedRead;
use catalyst_core::record::Record;
use std::sync::LazyLock;

/// What a view shows, and what it cannot (rows written or deleted outside Catalyst), in words:
/// a page shows both, so one bad row never hides the rest nor passes for "nothing".
#[derive(Debug, Clone)]
pub struct Shown<T> {
    pub items: Vec<T>,
    pub integrity: Vec<String>,
}

impl<R: Record> From<SealedRead<R>> for Shown<R> {
    fn from(read: SealedRead<R>) -> Self {
        let integrity = read.problems();
        Shown { items: read.rows, integrity }
    }
}

impl<T> Shown<T> {
    /// The items, or (for the API and exports, which must not pass on a partial answer) the
    /// first problem as an error.
    pub fn or_refuse(self) -> AppResult<Vec<T>> {
        complete(&self.integrity)?;
        Ok(self.items)
    }
}

/// Refuses (409, naming every record) an answer that is missing records: what the API and
/// the exports pass on must be whole.
pub fn complete(integrity: &[String]) -> AppResult<()> {
    if integrity.is_empty() {
        return Ok(());
    }
    Err(DomainError::Conflict(format!(
        "safety records fail their integrity check, so no partial answer is given: {}; run `catalyst audit verify`",
        integrity.join("; ")
    ))
    .into())
}

static DATA: LazyLock<Result<SafetyData, String>> = LazyLock::new(SafetyData::builtin);

/// The term list, the reference safety information, the checkpoints, the reporting rules and
/// the business-day calendars, loaded and checked once.
pub fn safety_data() -> AppResult<&'static SafetyData> {
    DATA.as_ref().map_err(|e| AppError::Internal(format!("safety data unreadable: {e}")))
}
