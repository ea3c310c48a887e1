//! The coding capability's schema steps (versions are global; see the platform's list).

use crate::platform::store::Migration;

#[rustfmt::skip]
pub(crate) const MIGRATIONS: &[Migration] = &[
Migration {
    version: 21,
    name: "coding dictionaries loaded, their entries, and adverse events' codings",
    common: &[
        "CREATE TABLE coding_dictionaries (
            id TEXT PRIMARY KEY, name TEXT NOT NULL, version TEXT NOT NULL, entries BIGINT NOT NULL,
            entries_sha256 TEXT NOT NULL, loaded_by TEXT NOT NULL, loaded_at BIGINT NOT NULL)",
        "CREATE UNIQUE INDEX coding_dictionaries_name_version ON coding_dictionaries (name, version)",
        "CREATE TABLE coding_terms (
            dictionary_id TEXT NOT NULL REFERENCES coding_dictionaries (id), code TEXT NOT NULL,
            term TEXT NOT NULL, body_system_code TEXT NOT NULL, body_system TEXT NOT NULL,
            PRIMARY KEY (dictionary_id, code))",
        "CREATE TABLE ae_codings (
            id TEXT PRIMARY KEY, site_id TEXT NOT NULL REFERENCES sites (id),
            participant_id TEXT NOT NULL REFERENCES participants (id),
            event_id TEXT NOT NULL REFERENCES adverse_events (id),
            dictionary_id TEXT NOT NULL REFERENCES coding_dictionaries (id),
            coding TEXT NOT NULL, recorded_at BIGINT NOT NULL)",
        "CREATE INDEX ae_codings_site ON ae_codings (site_id)",
        "CREATE INDEX ae_codings_event ON ae_codings (event_id)",
    ],
    // A dictionary, its entries and every coding are never changed: a new version is loaded,
    // a new coding supersedes the last.
    sqlite: &[
        "CREATE TRIGGER coding_dictionaries_no_update BEFORE UPDATE ON coding_dictionaries
            BEGIN SELECT RAISE(ABORT, 'coding_dictionaries is append-only: UPDATE refused'); END",
        "CREATE TRIGGER coding_dictionaries_no_delete BEFORE DELETE ON coding_dictionaries
            BEGIN SELECT RAISE(ABORT, 'coding_dictionaries is append-only: DELETE refused'); END",
        "CREATE TRIGGER coding_terms_no_update BEFORE UPDATE ON coding_terms
            BEGIN SELECT RAISE(ABORT, 'coding_terms is append-only: UPDATE refused'); END",
        "CREATE TRIGGER coding_terms_no_delete BEFORE DELETE ON coding_terms
            BEGIN SELECT RAISE(ABORT, 'coding_terms is append-only: DELETE refused'); END",
        "CREATE TRIGGER ae_codings_no_update BEFORE UPDATE ON ae_codings
            BEGIN SELECT RAISE(ABORT, 'ae_codings is append-only: UPDATE refused'); END",
        "CREATE TRIGGER ae_codings_no_delete BEFORE DELETE ON ae_codings
            BEGIN SELECT RAISE(ABORT, 'ae_codings is append-only: DELETE refused'); END",
    ],
    postgres: &[
        "CREATE TRIGGER coding_dictionaries_append_only BEFORE UPDATE OR DELETE ON coding_dictionaries
            FOR EACH ROW EXECUTE FUNCTION catalyst_append_only()",
        "CREATE TRIGGER coding_terms_append_only BEFORE UPDATE OR DELETE ON coding_terms
            FOR EACH ROW EXECUTE FUNCTION catalyst_append_only()",
        "CREATE TRIGGER ae_codings_append_only BEFORE UPDATE OR DELETE ON ae_codings
            FOR EACH ROW EXECUTE FUNCTION catalyst_append_only()",
    ],
},
];
