#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]
//! The pure core of adverse events and safety reporting for MDMA-assisted therapy.
//!
//! Pure: no I/O beyond `include_str!` of the data, no clock, no randomness; times, ids and the
//! actor are passed in. The term list, the reference safety information, the solicited
//! checkpoints and the reporting timelines are versioned data with their sources; every value
//! no reference gives is marked `programme-defined default`. See `docs/safety.md`.

pub mod checklist;
pub mod cioms;
pub mod clocks;
pub mod coding;
pub mod csv;
pub mod error;
pub mod event;
pub mod listings;
pub mod rsi;
pub mod self_report;
pub mod signals;
pub mod terms;

pub use checklist::{
    Anchor, Answers, CheckPoint, CheckPoints, Checklist, ChecklistInput, Gap, Presence, Question, Reply, SessionTimes,
    TermAnswer, checklist_from, missing_checks,
};
pub use cioms::{CiomsFacts, CiomsForm, cioms_i};
pub use clocks::{
    Clock, ClockError, ClockStatus, Condition, Deadline, FollowUp, Pathway, SaeFacts, SafetyReportingRules, SafetyRule,
    Sender, StartEvent, Submission, clocks_for, deadline_after,
};
pub use coding::{Coding, Dictionary, DictionaryEntry, Suggestions, code_event, dictionary_from_csv};
pub use csv::csv_field;
pub use error::{DataError, PROGRAMME_DEFINED, Violation};
pub use event::{
    ActionTaken, AdverseEvent, EventInput, Expected, ExpectednessInput, GradeInput, MAX_PAST_DAYS, Outcome,
    RecordFacts, Relatedness, ReportedBy, Seriousness, Severity, When, correction_from, event_from,
};
pub use listings::{
    Allocation, Cell, Column, IncidenceRow, IncidenceTable, ListingRow, incidence_csv, incidence_table, listing,
    listing_csv,
};
pub use rsi::{ReferenceSafety, RsiVersion};
pub use self_report::{HowBad, Review, ReviewOutcome, SelfReport, SelfReportInput, review_from, self_report_from};
pub use signals::{DUE_SOON_HOURS, OUTCOME_DAYS, Signals, signals};
pub use terms::{Category, GradeDef, GradeFact, Grading, Intervention, OTHER, Term, TermList};
