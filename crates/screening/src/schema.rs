//! JSON Schemas (draft 2020-12) for the screening record (input) and the decision (output).
//!
//! Hand-written rather than generated so that they carry the clinical descriptions and stay
//! free of extra dependencies; tests check that they agree with the serde types (every record
//! field is described, examples parse) and that the copies in `docs/screening/` are identical.

/// JSON Schema of the screening record.
pub fn input_schema() -> String {
    include_str!("data/input.schema.json").to_string()
}

/// JSON Schema of the decision.
pub fn output_schema() -> String {
    include_str!("data/output.schema.json").to_string()
}
