//! The documents capability's schema steps. Versions are global: a new step takes the next
//! unused number (a test refuses duplicates and gaps) and runs after every lower one.

use crate::platform::store::Migration;

#[rustfmt::skip]
pub(crate) const MIGRATIONS: &[Migration] = &[
Migration {
    version: 12,
    name: "documents attached to records, their content named by SHA-256",
    common: &[
        "CREATE TABLE documents (
            id TEXT PRIMARY KEY, site_id TEXT NOT NULL REFERENCES sites (id),
            participant_id TEXT REFERENCES participants (id),
            entity_kind TEXT NOT NULL, entity_id TEXT NOT NULL,
            title TEXT NOT NULL, description TEXT, file_name TEXT NOT NULL, media_type TEXT NOT NULL,
            size_bytes BIGINT NOT NULL, sha256 TEXT NOT NULL, storage TEXT NOT NULL, status TEXT NOT NULL,
            uploaded_at BIGINT NOT NULL, uploaded_by TEXT NOT NULL, uploaded_by_name TEXT NOT NULL,
            withdrawn_at BIGINT, withdrawn_by TEXT, withdrawal_reason TEXT)",
        "CREATE INDEX documents_entity ON documents (entity_kind, entity_id)",
        "CREATE INDEX documents_status ON documents (status, id)",
    ],
    sqlite: &[],
    postgres: &[],
},
];
