//! Pure numerics for the analysis of the Catalyst trials.
//!
//! * [`mmrm`]: mixed model for repeated measures (UN, CS, AR(1); REML or ML)
//!   with Satterthwaite degrees of freedom and LS means, validated against
//!   SAS PROC MIXED;
//! * [`ancova`], [`effect`], [`proportions`]: the secondary analyses;
//! * [`blinding`]: Bang's and James' blinding indices;
//! * [`csv_input`]: CSV front ends returning report types that serialise to
//!   JSON and render as text.
//!
//! The crate does no I/O of its own: functions take readers or values and
//! return values, so everything is deterministic and testable.
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

pub mod ancova;
pub mod blinding;
pub mod covariance;
pub mod csv_input;
pub mod design;
mod dist;
pub mod effect;
mod error;
pub mod lsmeans;
pub mod mmrm;
pub mod proportions;
mod text;

pub use blinding::{BlindingReport, GuessTable};
pub use covariance::CovarianceStructure;
pub use csv_input::{MmrmSpec, blinding_from_csv, mmrm_from_csv, read_mmrm_csv};
pub use error::AnalysisError;
pub use mmrm::{Covariate, CovariateValues, Estimate, EstimationMethod, MmrmData, MmrmFit, MmrmOptions, fit_mmrm};
