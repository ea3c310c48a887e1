//! Errors the domain reports. Every validation failure names the field and the rule it broke,
//! so the API and the CLI can tell the user exactly what to fix.

use serde::Serialize;

/// One broken rule on one field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Violation {
    /// Dotted path of the offending field, e.g. `time_zone` or `grants[1].role`.
    pub field: String,
    /// Short machine-readable rule name, e.g. `required`, `one_of`, `max_length`.
    pub rule: String,
    /// Human-readable explanation, naming the allowed values where there is a closed set.
    pub message: String,
}

impl Violation {
    pub fn new(field: impl Into<String>, rule: impl Into<String>, message: impl Into<String>) -> Self {
        Self { field: field.into(), rule: rule.into(), message: message.into() }
    }

    pub fn required(field: &str) -> Self {
        Self::new(field, "required", format!("{field} is required"))
    }

    pub fn one_of(field: &str, value: &str, allowed: &[&str]) -> Self {
        Self::new(field, "one_of", format!("{field} must be one of: {}; got {value:?}", allowed.join(", ")))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    #[error("invalid input: {}", summarize(.0))]
    Invalid(Vec<Violation>),
    #[error("{kind} {id} not found")]
    NotFound { kind: String, id: String },
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("forbidden: {0}")]
    Forbidden(String),
    #[error("not authenticated")]
    Unauthenticated,
    #[error("too many failed attempts; try again after {retry_after_seconds} s")]
    Throttled { retry_after_seconds: i64 },
}

fn summarize(violations: &[Violation]) -> String {
    violations.iter().map(|v| v.message.as_str()).collect::<Vec<_>>().join("; ")
}

impl DomainError {
    pub fn invalid(field: &str, rule: &str, message: impl Into<String>) -> Self {
        Self::Invalid(vec![Violation::new(field, rule, message)])
    }

    pub fn not_found(kind: &str, id: impl Into<String>) -> Self {
        Self::NotFound { kind: kind.to_owned(), id: id.into() }
    }
}

/// Collects violations so a form reports every problem at once rather than one per submit.
#[derive(Debug, Default)]
pub struct Violations(Vec<Violation>);

impl Violations {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn push(&mut self, violation: Violation) {
        self.0.push(violation);
    }

    /// Records the violation from a field check, returning the value when it passed.
    pub fn check<T>(&mut self, result: Result<T, Violation>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(violation) => {
                self.0.push(violation);
                None
            }
        }
    }

    pub fn into_result(self) -> Result<(), DomainError> {
        if self.0.is_empty() { Ok(()) } else { Err(DomainError::Invalid(self.0)) }
    }
}

/// Trims and checks a required text field with a maximum length in characters.
pub fn required_text(field: &str, value: &str, max_chars: usize) -> Result<String, Violation> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(Violation::required(field));
    }
    if trimmed.chars().count() > max_chars {
        return Err(Violation::new(field, "max_length", format!("{field} must be at most {max_chars} characters")));
    }
    if trimmed.chars().any(char::is_control) {
        return Err(Violation::new(
            field,
            "no_control_characters",
            format!("{field} must not contain control characters"),
        ));
    }
    no_bidi_controls(field, trimmed)?;
    Ok(trimmed.to_owned())
}

/// Refuses the characters that reorder text as shown (bidirectional embeddings, overrides and
/// isolates): with them "1-DNI" stored shows as "IND-1". Right-to-left scripts need none.
pub fn no_bidi_controls(field: &str, value: &str) -> Result<(), Violation> {
    if value.chars().any(|c| matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')) {
        return Err(Violation::new(
            field,
            "no_bidi_controls",
            format!("{field} must not contain characters that reorder text as shown (U+202A-U+202E, U+2066-U+2069)"),
        ));
    }
    Ok(())
}
