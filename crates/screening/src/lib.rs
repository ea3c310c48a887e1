#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]
//! Screening, eligibility and medication safety for MDMA-assisted therapy (MDMA-AT) for PTSD.
//!
//! Pure: no I/O, no clock, no randomness. The evaluation date (`as_of`) is a parameter and all
//! data (drug catalogue, rule sets, schemas) is embedded with `include_str!`, so a decision can
//! be reproduced exactly from its inputs and the rule-set versions it names.
//!
//! Flow: [`parse_record`] (serde) → [`validate()`] (every problem, by JSON path) → [`evaluate`],
//! which combines guideline readiness (seed 003), protocol eligibility (clinical.md section 2),
//! medication safety with washout dates (clinical.md section 2) and the access pathway
//! (clinical.md section 7) into a [`Decision`]. See `docs/screening.md`.

pub mod cli;
pub mod decision;
pub mod drugs;
pub mod eligibility;
pub mod guideline;
pub mod medication;
pub mod pathway;
pub mod record;
pub mod rules;
pub mod schema;
pub mod validate;

pub use cli::{ScreenError, parse_record, screen_json, screen_json_with};
pub use decision::{Decision, DecisionKind, Evidence, Reason, ReasonEffect, Status, evaluate};
pub use drugs::{Drug, DrugCatalogue, DrugClass, DrugFlag};
pub use eligibility::{CriterionResult, CriterionRole};
pub use guideline::{GuidelineAssessment, GuidelineStatus, StepResult};
pub use medication::{ActionKind, MedicationAction, MedicationAssessment};
pub use pathway::PathwayAssessment;
pub use record::ScreeningRecord;
pub use rules::{RuleSetError, RuleSetRef, RuleSets};
pub use schema::{input_schema, output_schema};
pub use validate::{ValidationError, ValidationErrors, ValidationRule, validate};
