//! Coding's records: each dictionary loaded (ledgered with the digest of its entries; the
//! entries themselves are kept beside it, checked against the digest by `audit verify`), and
//! each coding of an event (never changed: a new coding supersedes the last).

use catalyst_core::record::{Column, Record, Redaction, TableSpec, json_text};
use catalyst_core::time::Timestamp;
use catalyst_safety::{Coding, Dictionary};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub static CODING_DICTIONARIES: TableSpec = TableSpec {
    kind: "coding_dictionary",
    table: "coding_dictionaries",
    // Which dictionary and version a programme codes to is the running of the programme.
    redaction: Redaction::Open,
    columns: &[
        Column::text("id"),
        Column::text("name"),
        Column::text("version"),
        Column::integer("entries"),
        Column::text("entries_sha256"),
        Column::text("loaded_by"),
        Column::integer("loaded_at"),
    ],
};

/// A dictionary loaded: name, version, how many entries, and the digest of its entries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DictionaryRecord {
    pub id: String,
    pub name: String,
    pub version: String,
    pub entries: i64,
    /// SHA-256 of the entries in code order, one `code\tterm\tbody_system_code\tbody_system\n`
    /// each ([`entries_digest`]).
    pub entries_sha256: String,
    pub loaded_by: String,
    pub loaded_at: Timestamp,
}

impl Record for DictionaryRecord {
    const SPEC: &'static TableSpec = &CODING_DICTIONARIES;
    fn id(&self) -> &str {
        &self.id
    }
}

/// The digest of a dictionary's entries, independent of the file's layout.
pub fn entries_digest(dictionary: &Dictionary) -> String {
    let mut hash = Sha256::new();
    for e in dictionary.entries.values() {
        hash.update(format!("{}\t{}\t{}\t{}\n", e.code, e.term, e.body_system_code, e.body_system).as_bytes());
    }
    hex::encode(hash.finalize())
}

pub static AE_CODINGS: TableSpec = TableSpec {
    kind: "ae_coding",
    table: "ae_codings",
    redaction: Redaction::Clinical,
    columns: &[
        Column::text("id"),
        Column::text("site_id"),
        Column::text("participant_id"),
        Column::text("event_id"),
        Column::text("dictionary_id"),
        Column::text("coding"),
        Column::integer("recorded_at"),
    ],
};

/// A coding of one event revision's term.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventCoding {
    pub id: String,
    pub site_id: String,
    pub participant_id: String,
    pub event_id: String,
    pub dictionary_id: String,
    #[serde(with = "json_text")]
    pub coding: Coding,
    pub recorded_at: Timestamp,
}

impl Record for EventCoding {
    const SPEC: &'static TableSpec = &AE_CODINGS;
    fn id(&self) -> &str {
        &self.id
    }
}

catalyst_core::participant_record!(EventCoding);

/// The newest coding of each event among `codings` (in the order recorded).
pub fn latest_by_event(codings: Vec<EventCoding>) -> std::collections::HashMap<String, EventCoding> {
    let mut out = std::collections::HashMap::new();
    for c in codings {
        out.insert(c.event_id.clone(), c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use catalyst_safety::dictionary_from_csv;

    #[test]
    fn the_digest_is_of_the_entries_not_the_file_layout() {
        let a = dictionary_from_csv("D", "1", "code,term,body_system_code,body_system\n1,A,9,S\n2,B,9,S\n").unwrap();
        let b = dictionary_from_csv("D", "1", "code,term,body_system_code,body_system\n\n2,\"B\",9,S\n1,A,9,S\n").unwrap();
        assert_eq!(entries_digest(&a), entries_digest(&b));
        let c = dictionary_from_csv("D", "1", "code,term,body_system_code,body_system\n1,A,9,S\n2,C,9,S\n").unwrap();
        assert_ne!(entries_digest(&a), entries_digest(&c));
    }
}
