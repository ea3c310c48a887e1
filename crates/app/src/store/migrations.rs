//! Schema migrations, applied in order at start-up inside one transaction each.
//!
//! Most DDL is shared; only the append-only triggers differ between SQLite and PostgreSQL.
//! Each statement is listed separately because prepared statements run one at a time.

use crate::store::{Backend, Store, StoreError};
use sqlx::Row as _;

struct Migration {
    version: i64,
    name: &'static str,
    common: &'static [&'static str],
    sqlite: &'static [&'static str],
    postgres: &'static [&'static str],
}

const MIGRATIONS: &[Migration] = &[
Migration {
    version: 1,
    name: "foundation: ledger, sites, people, participants, signatures, sessions",
    common: &[
        "CREATE TABLE ledger (
            chain TEXT NOT NULL, seq BIGINT NOT NULL, at_us BIGINT NOT NULL, zone TEXT NOT NULL,
            kind TEXT NOT NULL, actor_id TEXT NOT NULL, actor_name TEXT NOT NULL, action TEXT NOT NULL,
            entity_kind TEXT NOT NULL, entity_id TEXT NOT NULL, before_json TEXT, after_json TEXT,
            reason TEXT, prev_hash TEXT NOT NULL, hash TEXT NOT NULL,
            PRIMARY KEY (chain, seq))",
        "CREATE INDEX ledger_entity ON ledger (entity_kind, entity_id)",
        "CREATE TABLE ledger_heads (chain TEXT PRIMARY KEY, seq BIGINT NOT NULL, hash TEXT NOT NULL)",
        "CREATE TABLE ledger_checkpoints (
            chain TEXT NOT NULL, seq BIGINT NOT NULL, hash TEXT NOT NULL, signed_at BIGINT NOT NULL,
            public_key TEXT NOT NULL, signature TEXT NOT NULL, PRIMARY KEY (chain, seq, public_key))",
        "CREATE TABLE signing_keys (id TEXT PRIMARY KEY, label TEXT NOT NULL, created_at BIGINT NOT NULL)",
        "CREATE TABLE sites (
            id TEXT PRIMARY KEY, code TEXT NOT NULL UNIQUE, name TEXT NOT NULL, time_zone TEXT NOT NULL,
            jurisdiction TEXT NOT NULL, status TEXT NOT NULL, created_at BIGINT NOT NULL)",
        "CREATE TABLE users (
            id TEXT PRIMARY KEY, username TEXT NOT NULL UNIQUE, display_name TEXT NOT NULL,
            status TEXT NOT NULL, created_at BIGINT NOT NULL)",
        "CREATE TABLE credentials (
            user_id TEXT PRIMARY KEY REFERENCES users (id), password_hash TEXT NOT NULL, updated_at BIGINT NOT NULL)",
        "CREATE TABLE role_grants (
            id TEXT PRIMARY KEY, user_id TEXT NOT NULL REFERENCES users (id), role TEXT NOT NULL,
            site_id TEXT REFERENCES sites (id), granted_at BIGINT NOT NULL, granted_by TEXT NOT NULL)",
        "CREATE UNIQUE INDEX role_grants_unique ON role_grants (user_id, role, COALESCE(site_id, '*'))",
        "CREATE INDEX role_grants_site ON role_grants (site_id, role)",
        "CREATE TABLE participants (
            id TEXT PRIMARY KEY, site_id TEXT NOT NULL REFERENCES sites (id), serial BIGINT NOT NULL,
            code TEXT NOT NULL UNIQUE, stage TEXT NOT NULL, user_id TEXT UNIQUE REFERENCES users (id),
            created_at BIGINT NOT NULL, UNIQUE (site_id, serial))",
        "CREATE INDEX participants_site_stage ON participants (site_id, stage)",
        "CREATE TABLE esignatures (
            id TEXT PRIMARY KEY, signer_id TEXT NOT NULL REFERENCES users (id), signer_name TEXT NOT NULL,
            meaning TEXT NOT NULL, entity_kind TEXT NOT NULL, entity_id TEXT NOT NULL,
            record_digest TEXT NOT NULL, signed_at BIGINT NOT NULL, time_zone TEXT NOT NULL)",
        "CREATE INDEX esignatures_entity ON esignatures (entity_kind, entity_id)",
        "CREATE TABLE sessions (
            id TEXT PRIMARY KEY, token_hash TEXT NOT NULL UNIQUE, user_id TEXT NOT NULL REFERENCES users (id),
            kind TEXT NOT NULL, created_at BIGINT NOT NULL, expires_at BIGINT NOT NULL, revoked_at BIGINT)",
        "CREATE INDEX sessions_user ON sessions (user_id)",
        "CREATE TABLE login_failures (username TEXT NOT NULL, at_us BIGINT NOT NULL)",
        "CREATE INDEX login_failures_user ON login_failures (username, at_us)",
    ],
    sqlite: &[
        "CREATE TRIGGER ledger_no_update BEFORE UPDATE ON ledger
            BEGIN SELECT RAISE(ABORT, 'ledger is append-only: UPDATE refused'); END",
        "CREATE TRIGGER ledger_no_delete BEFORE DELETE ON ledger
            BEGIN SELECT RAISE(ABORT, 'ledger is append-only: DELETE refused'); END",
        "CREATE TRIGGER checkpoints_no_update BEFORE UPDATE ON ledger_checkpoints
            BEGIN SELECT RAISE(ABORT, 'checkpoints are append-only: UPDATE refused'); END",
        "CREATE TRIGGER checkpoints_no_delete BEFORE DELETE ON ledger_checkpoints
            BEGIN SELECT RAISE(ABORT, 'checkpoints are append-only: DELETE refused'); END",
    ],
    postgres: &[
        "CREATE FUNCTION catalyst_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP; END $$",
        "CREATE TRIGGER ledger_append_only BEFORE UPDATE OR DELETE ON ledger
            FOR EACH ROW EXECUTE FUNCTION catalyst_append_only()",
        "CREATE TRIGGER ledger_no_truncate BEFORE TRUNCATE ON ledger
            FOR EACH STATEMENT EXECUTE FUNCTION catalyst_append_only()",
        "CREATE TRIGGER checkpoints_append_only BEFORE UPDATE OR DELETE ON ledger_checkpoints
            FOR EACH ROW EXECUTE FUNCTION catalyst_append_only()",
        "CREATE TRIGGER checkpoints_no_truncate BEFORE TRUNCATE ON ledger_checkpoints
            FOR EACH STATEMENT EXECUTE FUNCTION catalyst_append_only()",
    ],
}, Migration {
    version: 2,
    name: "participant counts per site and stage, kept by triggers",
    // Dashboards show participants per stage; counting a large site's rows on every view would
    // grow with the site, so the database keeps the counts exact itself, whatever writes the rows.
    common: &[
        "CREATE TABLE participant_stage_counts (
            site_id TEXT NOT NULL, stage TEXT NOT NULL, n BIGINT NOT NULL, PRIMARY KEY (site_id, stage))",
        "INSERT INTO participant_stage_counts (site_id, stage, n)
            SELECT site_id, stage, COUNT(*) FROM participants GROUP BY site_id, stage",
    ],
    sqlite: &[
        "CREATE TRIGGER participants_count_insert AFTER INSERT ON participants BEGIN
            INSERT INTO participant_stage_counts (site_id, stage, n) VALUES (NEW.site_id, NEW.stage, 1)
                ON CONFLICT (site_id, stage) DO UPDATE SET n = n + 1;
         END",
        "CREATE TRIGGER participants_count_delete AFTER DELETE ON participants BEGIN
            UPDATE participant_stage_counts SET n = n - 1 WHERE site_id = OLD.site_id AND stage = OLD.stage;
         END",
        "CREATE TRIGGER participants_count_update AFTER UPDATE OF site_id, stage ON participants BEGIN
            UPDATE participant_stage_counts SET n = n - 1 WHERE site_id = OLD.site_id AND stage = OLD.stage;
            INSERT INTO participant_stage_counts (site_id, stage, n) VALUES (NEW.site_id, NEW.stage, 1)
                ON CONFLICT (site_id, stage) DO UPDATE SET n = n + 1;
         END",
    ],
    postgres: &[
        "CREATE FUNCTION catalyst_count_participant_stages() RETURNS trigger LANGUAGE plpgsql AS $$
         BEGIN
            IF TG_OP IN ('UPDATE', 'DELETE') THEN
                UPDATE participant_stage_counts SET n = n - 1 WHERE site_id = OLD.site_id AND stage = OLD.stage;
            END IF;
            IF TG_OP IN ('INSERT', 'UPDATE') THEN
                INSERT INTO participant_stage_counts (site_id, stage, n) VALUES (NEW.site_id, NEW.stage, 1)
                    ON CONFLICT (site_id, stage) DO UPDATE SET n = participant_stage_counts.n + 1;
            END IF;
            RETURN NULL;
         END $$",
        "CREATE TRIGGER participants_stage_counts AFTER INSERT OR UPDATE OF site_id, stage OR DELETE ON participants
            FOR EACH ROW EXECUTE FUNCTION catalyst_count_participant_stages()",
    ],
},
Migration {
    version: 3,
    name: "outcome measurement: assessments, safety alerts, settings",
    common: &[
        "CREATE TABLE assessments (
            id TEXT PRIMARY KEY, participant_id TEXT NOT NULL REFERENCES participants (id),
            site_id TEXT NOT NULL REFERENCES sites (id), instrument TEXT NOT NULL, version TEXT NOT NULL,
            timepoint TEXT NOT NULL, administered_on TEXT NOT NULL, recorded_at BIGINT NOT NULL,
            recorded_by TEXT NOT NULL, mode TEXT NOT NULL, answers TEXT NOT NULL, total BIGINT)",
        "CREATE INDEX assessments_participant ON assessments (participant_id, administered_on, recorded_at)",
        "CREATE TABLE safety_alerts (
            id TEXT PRIMARY KEY, participant_id TEXT NOT NULL REFERENCES participants (id),
            site_id TEXT NOT NULL REFERENCES sites (id), assessment_id TEXT NOT NULL REFERENCES assessments (id),
            kind TEXT NOT NULL, raised_at BIGINT NOT NULL, acknowledged_by TEXT, acknowledged_at BIGINT,
            acknowledgement TEXT)",
        "CREATE INDEX safety_alerts_open ON safety_alerts (site_id, acknowledged_at, raised_at)",
        "CREATE TABLE settings (id TEXT PRIMARY KEY, value TEXT NOT NULL, updated_at BIGINT NOT NULL)",
    ],
    sqlite: &[],
    postgres: &[],
},
Migration {
    version: 4,
    name: "course of treatment: enrolments, rooms, appointments, staff credentials, deviations",
    common: &[
        "CREATE TABLE enrolments (
            id TEXT PRIMARY KEY, participant_id TEXT NOT NULL UNIQUE REFERENCES participants (id),
            site_id TEXT NOT NULL REFERENCES sites (id), protocol_id TEXT NOT NULL, protocol_version BIGINT NOT NULL,
            baseline_on TEXT NOT NULL, enrolled_at BIGINT NOT NULL, enrolled_by TEXT NOT NULL)",
        "CREATE TABLE rooms (
            id TEXT PRIMARY KEY, site_id TEXT NOT NULL REFERENCES sites (id), name TEXT NOT NULL, status TEXT NOT NULL,
            UNIQUE (site_id, name))",
        "CREATE TABLE appointments (
            id TEXT PRIMARY KEY, participant_id TEXT NOT NULL REFERENCES participants (id),
            site_id TEXT NOT NULL REFERENCES sites (id), visit_id TEXT NOT NULL, visit_type TEXT NOT NULL,
            visit_kind TEXT NOT NULL, starts_at BIGINT NOT NULL, ends_at BIGINT NOT NULL,
            room_id TEXT NOT NULL REFERENCES rooms (id), staff TEXT NOT NULL, status TEXT NOT NULL,
            out_of_window_reason TEXT, booked_by TEXT NOT NULL)",
        "CREATE INDEX appointments_site_time ON appointments (site_id, starts_at)",
        "CREATE INDEX appointments_participant ON appointments (participant_id, visit_id)",
        "CREATE TABLE staff_credentials (
            id TEXT PRIMARY KEY REFERENCES users (id), training_completed_on TEXT, supervised_sessions BIGINT NOT NULL,
            certified_until TEXT, ethics_attested_on TEXT, updated_at BIGINT NOT NULL)",
        "CREATE TABLE deviations (
            id TEXT PRIMARY KEY, participant_id TEXT NOT NULL REFERENCES participants (id),
            site_id TEXT NOT NULL REFERENCES sites (id), visit_id TEXT, kind TEXT NOT NULL, severity TEXT NOT NULL,
            description TEXT NOT NULL, source TEXT NOT NULL, recorded_at BIGINT NOT NULL, recorded_by TEXT NOT NULL,
            resolution TEXT, resolved_at BIGINT)",
        "CREATE INDEX deviations_site ON deviations (site_id, recorded_at)",
        "CREATE INDEX deviations_participant ON deviations (participant_id, recorded_at)",
    ],
    sqlite: &[
        "CREATE TRIGGER deviations_no_delete BEFORE DELETE ON deviations
            BEGIN SELECT RAISE(ABORT, 'deviations are never deleted'); END",
    ],
    postgres: &[
        "CREATE TRIGGER deviations_no_delete BEFORE DELETE ON deviations
            FOR EACH ROW EXECUTE FUNCTION catalyst_append_only()",
    ],
},
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
Migration {
    version: 6,
    name: "schedule locks: bookings of one person or room serialise across sites",
    common: &["CREATE TABLE schedule_locks (resource TEXT PRIMARY KEY)"],
    sqlite: &[],
    postgres: &[],
},
Migration {
    version: 7,
    name: "assessment voids: a mistaken assessment set aside with its reason",
    common: &[
        "CREATE TABLE assessment_voids (
            id TEXT PRIMARY KEY REFERENCES assessments (id), participant_id TEXT NOT NULL REFERENCES participants (id),
            site_id TEXT NOT NULL REFERENCES sites (id), reason TEXT NOT NULL, voided_by TEXT NOT NULL,
            voided_at BIGINT NOT NULL)",
    ],
    sqlite: &[
        "CREATE TRIGGER assessment_voids_no_delete BEFORE DELETE ON assessment_voids
            BEGIN SELECT RAISE(ABORT, 'assessment voids are never deleted'); END",
    ],
    postgres: &[
        "CREATE TRIGGER assessment_voids_no_delete BEFORE DELETE ON assessment_voids
            FOR EACH ROW EXECUTE FUNCTION catalyst_append_only()",
    ],
},
Migration {
    version: 8,
    name: "installation secrets; counts of what anonymous and denied requests append",
    common: &[
        "CREATE TABLE installation_secrets (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
        "CREATE TABLE ledger_append_counts (
            source TEXT NOT NULL, chain TEXT NOT NULL, window_start BIGINT NOT NULL,
            recorded BIGINT NOT NULL, counted BIGINT NOT NULL, PRIMARY KEY (source, chain, window_start))",
    ],
    sqlite: &[],
    postgres: &[],
}, Migration {
    version: 9,
    name: "seals over the rows that decide identity and access",
    // HMAC seals with a server secret kept outside the database: a session, a password hash, an
    // account, a role grant or a portal link written by anything but the server is not honoured.
    common: &[
        "ALTER TABLE sessions ADD COLUMN seal TEXT",
        "ALTER TABLE credentials ADD COLUMN seal TEXT",
        "CREATE TABLE row_seals (kind TEXT NOT NULL, id TEXT NOT NULL, seal TEXT NOT NULL, PRIMARY KEY (kind, id))",
    ],
    sqlite: &[],
    postgres: &[],
}];

pub(crate) async fn run(store: &Store) -> Result<(), StoreError> {
    let pool = store.pool();
    sqlx::query("CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL)")
        .execute(pool)
        .await?;
    for migration in MIGRATIONS {
        let mut tx = pool.begin().await?;
        if store.backend() == Backend::Postgres {
            // Several servers may start at once; only one migrates.
            sqlx::query("SELECT pg_advisory_xact_lock(7271001)").execute(&mut *tx).await?;
        }
        let applied = sqlx::query("SELECT COUNT(*) FROM schema_migrations WHERE version = $1")
            .bind(migration.version)
            .fetch_one(&mut *tx)
            .await?
            .try_get::<i64, _>(0)?;
        if applied > 0 {
            continue;
        }
        let specific = match store.backend() {
            Backend::Sqlite => migration.sqlite,
            Backend::Postgres => migration.postgres,
        };
        for statement in migration.common.iter().chain(specific) {
            sqlx::query(*statement).execute(&mut *tx).await?;
        }
        sqlx::query("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)")
            .bind(migration.version)
            .bind(migration.name)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
    }
    Ok(())
}
