//! Errors. Every refusal is a list of the kernel's [`Violation`]s (field, rule, message), so the
//! application shows a refused movement the same way as any other refused form.

/// One broken rule on one field of a movement, a catalogue entry or a data file.
pub use catalyst_core::Violation;

fn summarize(violations: &[Violation]) -> String {
    violations.iter().map(|v| format!("{}: {}", v.field, v.message)).collect::<Vec<_>>().join("; ")
}

/// A rules file that does not load.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}: {}", summarize(.violations))]
pub struct DataError {
    /// Which file, e.g. `register_rules.json`.
    pub file: String,
    pub violations: Vec<Violation>,
}

/// Replaying a register found a movement that cannot follow the ones before it (the stored
/// register is inconsistent: a balance would go negative, or a movement names a shipment,
/// dispense or discrepancy that does not exist).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("movement {index} ({movement_id}) cannot be replayed: {}", summarize(.violations))]
pub struct ReplayError {
    /// Position in the replayed sequence, from 0.
    pub index: usize,
    pub movement_id: String,
    pub violations: Vec<Violation>,
}

/// Parses JSON, turning a serde error into a violation at its path. serde's messages already
/// name the expected fields and variants ("unknown field `x`, expected one of ...").
pub(crate) fn parse_json<T: serde::de::DeserializeOwned>(file: &str, text: &str) -> Result<T, DataError> {
    let de = &mut serde_json::Deserializer::from_str(text);
    serde_path_to_error::deserialize(de).map_err(|e| DataError {
        file: file.to_string(),
        violations: vec![Violation::new(e.path().to_string(), "parse", e.inner().to_string())],
    })
}
