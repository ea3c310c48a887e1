//! Records: the current-state rows that the ledger describes.
//!
//! Every ledgered table is declared once as a [`TableSpec`]. A row travels as a JSON object whose
//! keys are the column names, which is also exactly what the ledger stores as the before and
//! after values. That one representation lets the store write any record generically and lets
//! `audit verify` rebuild the tables from the ledger and compare them column by column.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

/// A row as a JSON object, keys in sorted order (serde_json's default map is ordered).
pub type Row = Map<String, Value>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnType {
    Text,
    Integer,
}

#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub name: &'static str,
    pub ty: ColumnType,
    pub nullable: bool,
}

impl Column {
    pub const fn text(name: &'static str) -> Self {
        Self { name, ty: ColumnType::Text, nullable: false }
    }
    pub const fn integer(name: &'static str) -> Self {
        Self { name, ty: ColumnType::Integer, nullable: false }
    }
    pub const fn optional_text(name: &'static str) -> Self {
        Self { name, ty: ColumnType::Text, nullable: true }
    }
    pub const fn optional_integer(name: &'static str) -> Self {
        Self { name, ty: ColumnType::Integer, nullable: true }
    }
}

/// Who may read a record's values, and the reasons for its changes, in the audit trail. Every
/// table declares it (the field has no default, so a table without one does not compile).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Redaction {
    /// The running of the programme (sites, accounts, grants, rooms): every auditor may read it.
    Open,
    /// Clinical records: only those who may see treatment at the record's site.
    Clinical,
    /// Reveals a participant's allocation: shown to no one in the audit trail until the trial's
    /// unblinding rules say who may see it.
    ArmRevealing,
}

/// Ledger entries that are events rather than changes to a table, and the redaction of each.
/// Any other kind, and any kind not declared at all, is treated as clinical.
const EVENT_KINDS: &[(&str, Redaction)] = &[
    ("login", Redaction::Open),
    ("session", Redaction::Open),
    ("access", Redaction::Open),
    // The ledger's own bookkeeping in the system chain: chain openings, head records, alarms.
    ("chain", Redaction::Open),
    ("ledger", Redaction::Open),
];

/// How the audit trail treats entries about `kind`, given every ledgered table: a table's
/// declaration, an event kind's, or (for anything undeclared) clinical: redaction fails closed.
pub fn redaction_among(tables: &[&TableSpec], kind: &str) -> Redaction {
    tables
        .iter()
        .find(|spec| spec.kind == kind)
        .map(|spec| spec.redaction)
        .or_else(|| EVENT_KINDS.iter().find(|(k, _)| *k == kind).map(|(_, r)| *r))
        .unwrap_or(Redaction::Clinical)
}

/// A ledgered table. The primary key is always the text column `id`.
#[derive(Debug)]
pub struct TableSpec {
    /// Entity kind as written in the ledger, e.g. `site`.
    pub kind: &'static str,
    /// SQL table name.
    pub table: &'static str,
    /// Who may read its values and change reasons in the audit trail.
    pub redaction: Redaction,
    pub columns: &'static [Column],
}

impl TableSpec {
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RowError {
    #[error("{table}: record does not serialise to an object")]
    NotAnObject { table: &'static str },
    #[error("{table}.{column}: {problem}")]
    Column { table: &'static str, column: String, problem: &'static str },
    #[error("{table}: cannot decode row: {message}")]
    Decode { table: &'static str, message: String },
}

/// A domain type stored in a ledgered table.
pub trait Record: Serialize + DeserializeOwned {
    const SPEC: &'static TableSpec;
    fn id(&self) -> &str;

    fn to_row(&self) -> Result<Row, RowError> {
        let value = serde_json::to_value(self)
            .map_err(|e| RowError::Decode { table: Self::SPEC.table, message: e.to_string() })?;
        let Value::Object(row) = value else {
            return Err(RowError::NotAnObject { table: Self::SPEC.table });
        };
        check_row(Self::SPEC, &row)?;
        Ok(row)
    }

    fn from_row(row: Row) -> Result<Self, RowError> {
        serde_json::from_value(Value::Object(row))
            .map_err(|e| RowError::Decode { table: Self::SPEC.table, message: e.to_string() })
    }
}

/// Checks that a row has exactly the table's columns with values of the declared types.
pub fn check_row(spec: &TableSpec, row: &Row) -> Result<(), RowError> {
    for column in spec.columns {
        let problem = match (row.get(column.name), column.ty) {
            (None, _) => Some("missing"),
            (Some(Value::Null), _) if column.nullable => None,
            (Some(Value::Null), _) => Some("null in a required column"),
            (Some(Value::String(_)), ColumnType::Text) => None,
            (Some(Value::Number(n)), ColumnType::Integer) if n.is_i64() => None,
            _ => Some("wrong type"),
        };
        if let Some(problem) = problem {
            return Err(RowError::Column { table: spec.table, column: column.name.to_owned(), problem });
        }
    }
    if let Some(extra) = row.keys().find(|k| spec.column(k).is_none()) {
        return Err(RowError::Column {
            table: spec.table,
            column: extra.clone(),
            problem: "not a column of the table",
        });
    }
    Ok(())
}

/// The id column of a row, if present and text.
pub fn row_id(row: &Row) -> Option<&str> {
    row.get("id").and_then(Value::as_str)
}

/// The kernel's own ledgered tables; each capability declares the rest.
pub fn kernel_tables() -> [&'static TableSpec; 3] {
    [&crate::esign::ESIGNATURES, &crate::ledger::SIGNING_KEYS, &crate::settings::SETTINGS]
}

/// A record that belongs to one participant at one site, so access to it follows from theirs.
pub trait ParticipantRecord: Record {
    fn site_id(&self) -> &str;
    fn participant_id(&self) -> &str;
}

/// Implements [`ParticipantRecord`] for records with `site_id` and `participant_id` fields.
#[macro_export]
macro_rules! participant_record {
    ($($ty:ty),+ $(,)?) => {
        $(impl $crate::record::ParticipantRecord for $ty {
            fn site_id(&self) -> &str {
                &self.site_id
            }
            fn participant_id(&self) -> &str {
                &self.participant_id
            }
        })+
    };
}

/// A boolean kept as an integer column (0 or 1), as both databases store it.
pub mod flag {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(value: &bool, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_i64(i64::from(*value))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
        match i64::deserialize(d)? {
            0 => Ok(false),
            1 => Ok(true),
            other => Err(serde::de::Error::custom(format!("a flag is 0 or 1; got {other}"))),
        }
    }
}

/// Serde adapter for a text column that holds JSON: the field is typed in the record, and its
/// row value stays the JSON text (compact, as `serde_json::to_string` writes it), so stored
/// rows and ledger entries read the same as when the column was a plain string.
pub mod json_text {
    use serde::de::{DeserializeOwned, Error as _};
    use serde::ser::Error as _;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<T: Serialize, S: Serializer>(value: &T, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&serde_json::to_string(value).map_err(S::Error::custom)?)
    }

    pub fn deserialize<'de, T: DeserializeOwned, D: Deserializer<'de>>(deserializer: D) -> Result<T, D::Error> {
        let text = String::deserialize(deserializer)?;
        serde_json::from_str(&text).map_err(D::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn undeclared_kinds_are_clinical_and_events_are_declared() {
        let tables = kernel_tables();
        assert_eq!(redaction_among(&tables, "esignature"), Redaction::Clinical);
        assert_eq!(redaction_among(&tables, "setting"), Redaction::Open);
        assert_eq!(redaction_among(&tables, "login"), Redaction::Open);
        assert_eq!(redaction_among(&tables, "chain"), Redaction::Open);
        assert_eq!(redaction_among(&tables, "a_kind_nobody_declared"), Redaction::Clinical);
    }

    #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
    struct Holder {
        #[serde(with = "json_text")]
        list: Vec<String>,
    }

    #[test]
    fn json_text_columns_hold_compact_json_text() {
        let holder = Holder { list: vec!["a".into(), "b".into()] };
        let row = serde_json::to_value(&holder).unwrap();
        assert_eq!(row, serde_json::json!({"list": "[\"a\",\"b\"]"}));
        assert_eq!(serde_json::from_value::<Holder>(row).unwrap(), holder);
        assert!(serde_json::from_value::<Holder>(serde_json::json!({"list": "not json"})).is_err());
    }
}
