//! Library functions behind `catalyst screen [FILE]` and `catalyst screen --schema`.
//!
//! Why here and not in the CLI crate: the CLI only reads a file and prints; parsing, every
//! error message (one per line, each naming the JSON path) and the output format are part of
//! the screening contract and are tested with the engine.

use std::fmt;

use jiff::civil::Date;

use crate::decision::evaluate;
use crate::record::ScreeningRecord;
use crate::rules::{RuleSetError, RuleSets};
use crate::validate::ValidationErrors;

/// Why screening input could not be evaluated.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ScreenError {
    /// The input is not valid JSON for a screening record (first problem only: the parser stops).
    Parse { path: String, message: String },
    /// The record parsed but broke validation rules (every problem).
    Invalid(ValidationErrors),
    /// The built-in or supplied rule sets are broken.
    Rules(RuleSetError),
    /// The decision could not be serialised (should not happen).
    Output(String),
}

impl fmt::Display for ScreenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Parse { path, message } => write!(f, "{path}: {message} [parse]"),
            Self::Invalid(errors) => write!(f, "{errors}"),
            Self::Rules(e) => write!(f, "rules: {e}"),
            Self::Output(e) => write!(f, "output: {e}"),
        }
    }
}

/// Parse a screening record from JSON, naming the JSON path of the first problem.
pub fn parse_record(input: &str) -> Result<ScreeningRecord, ScreenError> {
    let de = &mut serde_json::Deserializer::from_str(input);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let path = if path == "." { "(root)".to_string() } else { path };
        ScreenError::Parse { path, message: e.inner().to_string() }
    })
}

/// Evaluate a JSON screening record with the built-in rule sets (MAPP1 eligibility) and
/// return the decision as pretty JSON.
pub fn screen_json(input: &str, as_of: Date) -> Result<String, ScreenError> {
    let rules = RuleSets::builtin().map_err(ScreenError::Rules)?;
    screen_json_with(input, &rules, as_of)
}

/// As `screen_json`, with the programme's own rule sets.
pub fn screen_json_with(input: &str, rules: &RuleSets, as_of: Date) -> Result<String, ScreenError> {
    let record = parse_record(input)?;
    let decision = evaluate(&record, rules, as_of).map_err(ScreenError::Invalid)?;
    serde_json::to_string_pretty(&decision).map_err(|e| ScreenError::Output(e.to_string()))
}
