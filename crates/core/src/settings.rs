//! Programme-wide settings that clinical governance may change without a code change, such as
//! the endpoint definitions. Each is a ledgered record holding JSON, so every change is
//! attributable and reasoned.

use crate::record::{Column, Record, TableSpec};
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};

pub static SETTINGS: TableSpec = TableSpec {
    kind: "setting",
    table: "settings",
    redaction: crate::record::Redaction::Open,
    columns: &[Column::text("id"), Column::text("value"), Column::integer("updated_at")],
};

/// The endpoint definitions used for every participant (clinical.md section 4 defaults).
pub const ENDPOINT_DEFINITIONS: &str = "endpoint_definitions";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Setting {
    /// The setting's name, e.g. `endpoint_definitions`.
    pub id: String,
    /// Its value as JSON text.
    pub value: String,
    pub updated_at: Timestamp,
}

impl Record for Setting {
    const SPEC: &'static TableSpec = &SETTINGS;
    fn id(&self) -> &str {
        &self.id
    }
}
