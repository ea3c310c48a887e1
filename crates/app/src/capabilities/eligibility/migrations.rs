//! The eligibility capability's schema steps. Versions are global: a new step takes the next unused
//! number (a test refuses duplicates) and runs after every lower one.

use crate::platform::store::Migration;

#[rustfmt::skip]
pub(crate) const MIGRATIONS: &[Migration] = &[
Migration {
    version: 5,
    name: "screening, eligibility decisions and informed consent",
    common: &[
        "CREATE TABLE screenings (
            id TEXT PRIMARY KEY, participant_id TEXT NOT NULL REFERENCES participants (id),
            site_id TEXT NOT NULL REFERENCES sites (id), record TEXT NOT NULL, rules_decision TEXT NOT NULL,
            eligible_from TEXT, evaluation TEXT NOT NULL, as_of TEXT NOT NULL, evaluated_at BIGINT NOT NULL,
            entered_by TEXT NOT NULL, status TEXT NOT NULL, final_decision TEXT, override_reason TEXT,
            decided_by TEXT, decided_at BIGINT)",
        "CREATE INDEX screenings_participant ON screenings (participant_id, evaluated_at)",
        "CREATE TABLE consent_documents (
            id TEXT PRIMARY KEY, version BIGINT NOT NULL UNIQUE, title TEXT NOT NULL, body TEXT NOT NULL,
            required_parts TEXT NOT NULL, witness_required TEXT NOT NULL, published_at BIGINT NOT NULL)",
        "CREATE TABLE consents (
            id TEXT PRIMARY KEY, participant_id TEXT NOT NULL REFERENCES participants (id),
            site_id TEXT NOT NULL REFERENCES sites (id), document_id TEXT NOT NULL REFERENCES consent_documents (id),
            document_version BIGINT NOT NULL, parts TEXT NOT NULL, signed_at BIGINT NOT NULL, witness_id TEXT)",
        "CREATE INDEX consents_participant ON consents (participant_id, signed_at)",
    ],
    sqlite: &[],
    postgres: &[],
},
];
