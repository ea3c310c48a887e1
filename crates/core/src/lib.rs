//! Catalyst's pure domain core.
//!
//! Nothing here performs I/O, reads a clock or draws random numbers: time, ids and keys are
//! passed in, so every rule can be tested directly and replayed exactly.
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

pub mod eligibility;
pub mod error;
pub mod esign;
pub mod ledger;
pub mod login;
pub mod outcomes;
pub mod people;
pub mod policy;
pub mod reason;
pub mod record;
pub mod seal;
pub mod settings;
pub mod time;
pub mod treatment;

pub use error::{DomainError, Violation};

participant_record!(
    outcomes::Assessment,
    outcomes::SafetyAlert,
    outcomes::AssessmentVoid,
    treatment::Appointment,
    treatment::Deviation,
    eligibility::Screening,
    eligibility::Consent,
);
