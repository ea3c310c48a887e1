//! Catalyst's kernel: what every capability stands on (time, ids, errors, record specs, the
//! ledger, e-signatures, roles and the access policy).
//!
//! Nothing here performs I/O, reads a clock or draws random numbers: time, ids and keys are
//! passed in, so every rule can be tested directly and replayed exactly.
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

pub mod error;
pub mod esign;
pub mod ledger;
pub mod login;
pub mod policy;
pub mod reason;
pub mod record;
pub mod role;
pub mod seal;
pub mod settings;
pub mod string_enum;
pub mod time;

pub use error::{DomainError, Violation};
