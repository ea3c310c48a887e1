//! Dashboard signals, as one pure function of the events, their clocks, the checklist gaps and
//! `now`: open serious events, clocks due within 24 hours (and those already overdue), missing
//! solicited checks, and events without an outcome 30 days after onset.

use catalyst_core::time::{TimeZoneName, Timestamp};
use jiff::ToSpan;
use serde::Serialize;

use crate::checklist::Gap;
use crate::clocks::Clock;
use crate::event::{AdverseEvent, When};

/// Hours ahead a running clock counts as due soon.
pub const DUE_SOON_HOURS: i64 = 24;
/// Days after onset an event without an outcome is flagged (issue 14, item 6).
pub const OUTCOME_DAYS: i64 = 30;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Signals {
    /// Serious events still open (no final outcome), by id.
    pub open_serious: Vec<String>,
    /// Running clocks whose deadline is within the next 24 hours, soonest first.
    pub clocks_due_soon: Vec<Clock>,
    /// Running clocks already past their deadline, oldest first.
    pub clocks_overdue: Vec<Clock>,
    pub missing_checks: Vec<Gap>,
    /// Events with no outcome recorded 30 days or more after onset, by id.
    pub without_outcome: Vec<String>,
}

/// The signals at `now`, for the events' current revisions.
pub fn signals(
    events: &[AdverseEvent],
    clocks: &[Clock],
    gaps: &[Gap],
    zone: &TimeZoneName,
    now: Timestamp,
) -> Signals {
    let soon = now.plus_seconds(DUE_SOON_HOURS * 3600);
    let mut due_soon: Vec<Clock> =
        clocks.iter().filter(|c| c.running() && c.deadline.is_some_and(|d| d >= now && d <= soon)).cloned().collect();
    due_soon.sort_by_key(|c| c.deadline);
    let mut overdue: Vec<Clock> =
        clocks.iter().filter(|c| c.running() && c.deadline.is_some_and(|d| d < now)).cloned().collect();
    overdue.sort_by_key(|c| c.deadline);
    let today = When::At(now).local_date(zone);
    let stale = |e: &AdverseEvent| -> bool {
        if e.details.outcome.is_some() {
            return false;
        }
        match e.details.onset {
            When::At(t) => t.plus_seconds(OUTCOME_DAYS * 86_400) <= now,
            When::Date(d) => match (d.checked_add(OUTCOME_DAYS.days()), today) {
                (Ok(limit), Some(today)) => limit <= today,
                _ => false,
            },
        }
    };
    Signals {
        open_serious: events.iter().filter(|e| e.serious && e.open()).map(|e| e.id.clone()).collect(),
        clocks_due_soon: due_soon,
        clocks_overdue: overdue,
        missing_checks: gaps.to_vec(),
        without_outcome: events.iter().filter(|e| stale(e)).map(|e| e.id.clone()).collect(),
    }
}
