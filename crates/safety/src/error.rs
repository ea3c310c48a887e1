//! Errors. Every refusal is a list of the kernel's [`Violation`]s (field, rule, message), so the
//! application answers a refused adverse event with the same 422 as any other refused form.

/// One broken rule on one field of an event, a checklist or a data file.
pub use catalyst_core::Violation;

fn summarize(violations: &[Violation]) -> String {
    violations.iter().map(|v| format!("{}: {}", v.field, v.message)).collect::<Vec<_>>().join("; ")
}

/// A data file (terms, reference safety information, checkpoints, reporting rules) that does not
/// load.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}: {}", summarize(.violations))]
pub struct DataError {
    /// Which file, e.g. `terms.json`.
    pub file: String,
    pub violations: Vec<Violation>,
}

/// Parses JSON, turning a serde error into a violation at its path.
pub(crate) fn parse_json<T: serde::de::DeserializeOwned>(file: &str, text: &str) -> Result<T, DataError> {
    let de = &mut serde_json::Deserializer::from_str(text);
    serde_path_to_error::deserialize(de).map_err(|e| DataError {
        file: file.to_string(),
        violations: vec![Violation::new(e.path().to_string(), "parse", e.inner().to_string())],
    })
}

/// Loads, then checks: the file's every problem at once.
pub(crate) fn load<T: serde::de::DeserializeOwned>(
    file: &str,
    text: &str,
    check: impl FnOnce(&T) -> Vec<Violation>,
) -> Result<T, DataError> {
    let value: T = parse_json(file, text)?;
    let violations = check(&value);
    if violations.is_empty() { Ok(value) } else { Err(DataError { file: file.to_string(), violations }) }
}

/// `snake_case` ids of at most 64 characters.
pub(crate) fn valid_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 64 && id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// Marks a value no reference document gives.
pub const PROGRAMME_DEFINED: &str = "programme-defined default";

/// A source must cite something or say it is a programme default.
pub(crate) fn check_source(v: &mut Vec<Violation>, field: &str, source: &str) {
    if source.trim().is_empty() {
        v.push(Violation::new(
            field,
            "required",
            format!("{field} must cite its source or start with \"{PROGRAMME_DEFINED}: ...\""),
        ));
    }
}
