//! Errors. Data problems are the kernel's [`Violation`]s (field path, rule, message).

use jiff::civil::Date;

/// One broken rule at one path in a data file or in the facts (e.g. `rules[3].deadline.days`):
/// the kernel's violation, so callers show it the same way.
pub use catalyst_core::Violation;

fn summarize(violations: &[Violation]) -> String {
    violations.iter().map(|v| format!("{}: {}", v.field, v.message)).collect::<Vec<_>>().join("; ")
}

/// A data file (reporting rules or a holiday calendar) that does not load.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}: {}", summarize(.violations))]
pub struct DataError {
    /// Which file, e.g. `reporting.json` or `holidays/au-sa.json`.
    pub file: String,
    pub violations: Vec<Violation>,
}

/// Why a date or a due date could not be worked out. Never answered by guessing: a missing
/// holiday year or calendar is an error, not "no holidays".
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClockError {
    #[error("jurisdiction {code:?} is not in the reporting rules; known: {}", known.join(", "))]
    UnknownJurisdiction { code: String, known: Vec<String> },
    #[error("no holiday calendar for {missing:?} (needed for {jurisdiction}); available: {}", available.join(", "))]
    NoCalendar { jurisdiction: String, missing: String, available: Vec<String> },
    #[error("{date} is outside the {jurisdiction} holiday calendar ({from} to {to}); add that year's holidays")]
    OutsideCalendar { jurisdiction: String, date: Date, from: Date, to: Date },
    #[error("date arithmetic from {date} left the supported range")]
    OutOfRange { date: Date },
    #[error("unknown IANA time zone {zone:?}")]
    UnknownTimeZone { zone: String },
    #[error("instant {micros} µs since the Unix epoch is out of range")]
    InvalidInstant { micros: i64 },
    #[error("invalid facts: {}", summarize(.0))]
    InvalidFacts(Vec<Violation>),
}

/// Parses JSON, turning a serde error into a violation at its path. serde's messages already
/// name the expected fields and variants ("unknown variant `x`, expected one of ...").
pub(crate) fn parse_json<T: serde::de::DeserializeOwned>(file: &str, text: &str) -> Result<T, DataError> {
    let de = &mut serde_json::Deserializer::from_str(text);
    serde_path_to_error::deserialize(de).map_err(|e| DataError {
        file: file.to_string(),
        violations: vec![Violation::new(e.path().to_string(), "parse", e.inner().to_string())],
    })
}
