#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]
//! Regulatory clocks for MDMA-assisted therapy outside (and alongside) trials: which reports
//! and notices each authorisation owes, to whom, and by when.
//!
//! Pure: no I/O beyond `include_str!` of the data, no clock, no randomness. Rules
//! (`data/reporting.json`) and business-day calendars (`data/holidays/*.json`) are versioned
//! data with their sources; every due date names the rule, version and citation that set it.
//! See `docs/regulatory.md`.

pub mod calendar;
pub mod clock;
pub mod error;
pub mod local;
pub mod rules;

pub use calendar::{Calendar, Calendars, HolidayFile, add_business_days, is_business_day, sub_business_days};
pub use clock::{Authorisation, DueReport, Event, Facts, Period, RuleRef, deadline_for, due_dates};
pub use error::{ClockError, DataError, Violation};
pub use local::local_date;
pub use rules::{
    AuthorisationKind, Deadline, EventKind, Jurisdiction, PROGRAMME_DEFINED, ReportRule, ReportingRules, Trigger,
};
