#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]
//! Outcome measurement for Catalyst: instrument definitions as versioned data, pure scoring,
//! endpoint derivation and batch scoring of research CSV files.
//!
//! Everything here is pure: no file or network I/O, no clock, no randomness. Callers pass
//! values, readers and writers in and get values back, so every result can be reproduced from
//! its inputs (a requirement for auditable trial data; see `docs/instruments.md`).
//!
//! The rules implemented come from `clinical.md` sections 4 and 5 and the primary publications
//! cited in each definition file under `src/definitions/`.

pub mod batch;
pub mod definition;
pub mod endpoints;
pub mod response;
pub mod scoring;

pub use batch::{BatchError, BatchInstrument, BatchOptions, BatchSummary, RowError, score_csv};
pub use definition::{
    AnswerSpec, Citation, DefinitionError, InstrumentDefinition, InstrumentId, Instruments, ItemDefinition,
};
pub use endpoints::{Assessment, EndpointDefinitions, EndpointReport, endpoints};
pub use response::{Answer, AnswerProblem, Response};
pub use scoring::{NotComputable, Score, ScoreError, ScoreOptions, Scored};
