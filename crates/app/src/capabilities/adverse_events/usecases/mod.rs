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

pub use crate::platform::shown::{Shown, complete};

use crate::capabilities::adverse_events::domain::SafetyData;
use crate::platform::error::{AppError, AppResult};
use std::sync::LazyLock;


static DATA: LazyLock<Result<SafetyData, String>> = LazyLock::new(SafetyData::builtin);

/// The term list, the reference safety information, the checkpoints, the reporting rules and
/// the business-day calendars, loaded and checked once.
pub fn safety_data() -> AppResult<&'static SafetyData> {
    DATA.as_ref().map_err(|e| AppError::Internal(format!("safety data unreadable: {e}")))
}
