//! Treatment protocols as versioned data, and the pure rules built on them.
//!
//! A protocol (TOML, validated on load with line-numbered errors) describes a course of
//! MDMA-assisted therapy: phases, visit types with staffing and instruments, and the visits
//! with anchors, windows and dose plans. From it this crate derives a participant's dated
//! schedule, checks bookings (window, credentialed staff, clashes), judges credentials,
//! detects deviations and exports iCalendar. Everything is pure: no I/O, no clock, no
//! randomness; "today" and "now" are parameters. See `docs/protocols.md`.
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

pub mod booking;
pub mod cli;
pub mod credentials;
pub mod deviations;
mod format;
pub mod ics;
pub mod protocol;
pub mod schedule;
pub mod staff;
mod validate;

pub use booking::{Booking, BookingContext, BookingProblem, BookingRequest, StaffAssignment, check_booking};
pub use cli::{check_protocol_text, list_builtin, schedule_table};
pub use credentials::{
    Credential, CredentialItem, CredentialRules, CredentialStatus, Missing, credential_status, expiring_within,
    expiring_within_rules,
};
pub use deviations::{
    AssessmentRecord, DeviationDraft, DeviationKind, DoseGiven, Severity, StaffPresent, VisitRecord, detect_deviations,
};
pub use ics::{IcsEvent, ics_calendar};
pub use protocol::{
    Anchor, DosePlan, MIN_THERAPISTS_EXPERIMENTAL, Phase, Problem, Protocol, ProtocolError, Protocols, RegistryError,
    StaffRequirement, SupplementalDose, Visit, VisitKind, VisitType, Window,
};
pub use schedule::{ScheduleError, ScheduledVisit, VisitStatus, local_start, schedule, visit_status};
pub use staff::StaffRole;
