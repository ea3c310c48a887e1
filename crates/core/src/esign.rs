//! Electronic signatures (21 CFR 11.50, 11.70, 11.100, 11.200).
//!
//! A signature records who signed, their printed name, when, and what the signature means, and
//! is bound to the exact content signed by a SHA-256 digest of the record's canonical row, so it
//! cannot be moved to another record or survive an edit unnoticed.

use crate::ledger::canonical_json;
use crate::record::{Column, Record, Row, TableSpec};
use crate::string_enum;
use crate::time::{TimeZoneName, Timestamp};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

string_enum!(
    /// The meaning of a signature, shown with it wherever it is shown (11.50(a)(3)).
    Meaning {
        Authorship = "authorship",
        Review = "review",
        Approval = "approval",
        Witness = "witness",
        Responsibility = "responsibility",
        Consent = "consent",
    }
);

impl Meaning {
    pub fn statement(self) -> &'static str {
        match self {
            Meaning::Authorship => "I am the author of this record",
            Meaning::Review => "I have reviewed this record",
            Meaning::Approval => "I approve this record",
            Meaning::Witness => "I witnessed this",
            Meaning::Responsibility => "I take responsibility for this record",
            Meaning::Consent => "I give my informed consent as recorded here",
        }
    }
}

pub static ESIGNATURES: TableSpec = TableSpec {
    kind: "esignature",
    table: "esignatures",
    redaction: crate::record::Redaction::Clinical,
    columns: &[
        Column::text("id"),
        Column::text("signer_id"),
        Column::text("signer_name"),
        Column::text("meaning"),
        Column::text("entity_kind"),
        Column::text("entity_id"),
        Column::text("record_digest"),
        Column::integer("signed_at"),
        Column::text("time_zone"),
    ],
};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ESignature {
    pub id: String,
    pub signer_id: String,
    /// Printed name at the time of signing.
    pub signer_name: String,
    pub meaning: Meaning,
    pub entity_kind: String,
    pub entity_id: String,
    /// SHA-256 of the signed record's canonical row.
    pub record_digest: String,
    pub signed_at: Timestamp,
    /// The signer's site zone, so the manifestation shows local time unambiguously.
    pub time_zone: TimeZoneName,
}

impl Record for ESignature {
    const SPEC: &'static TableSpec = &ESIGNATURES;
    fn id(&self) -> &str {
        &self.id
    }
}

/// Digest that binds a signature to the record's content.
pub fn record_digest(entity_kind: &str, row: &Row) -> String {
    let mut hasher = Sha256::new();
    hasher.update(b"CATALYST-ESIGN-V1\n");
    hasher.update(entity_kind.as_bytes());
    hasher.update(b"\n");
    hasher.update(canonical_json(row.clone()).as_bytes());
    hex::encode(hasher.finalize())
}

impl ESignature {
    /// The signature manifestation: printed name, date and time, and meaning.
    pub fn manifestation(&self) -> String {
        format!(
            "Signed by {} on {} ({}) — {}: {}",
            self.signer_name,
            self.signed_at.format_in(&self.time_zone),
            self.signed_at.to_rfc3339(),
            self.meaning,
            self.meaning.statement()
        )
    }

    /// Whether the record still has the content that was signed.
    pub fn still_matches(&self, current: &Row) -> bool {
        record_digest(&self.entity_kind, current) == self.record_digest
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn row(v: serde_json::Value) -> Row {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn a_signature_is_bound_to_its_content_and_kind() {
        let r = row(json!({"id": "p1", "stage": "enrolled"}));
        let sig = ESignature {
            id: "e1".into(),
            signer_id: "u1".into(),
            signer_name: "Dr Ada Byron".into(),
            meaning: Meaning::Approval,
            entity_kind: "participant".into(),
            entity_id: "p1".into(),
            record_digest: record_digest("participant", &r),
            signed_at: Timestamp(1_768_435_200_000_000),
            time_zone: TimeZoneName::parse("z", "Australia/Sydney").unwrap(),
        };
        assert!(sig.still_matches(&r));
        assert!(!sig.still_matches(&row(json!({"id": "p1", "stage": "withdrawn"}))));
        assert_ne!(record_digest("site", &r), sig.record_digest);
        let shown = sig.manifestation();
        assert!(
            shown.contains("Dr Ada Byron") && shown.contains("2026-01-15 11:00 AEDT") && shown.contains("approval")
        );
    }
}
