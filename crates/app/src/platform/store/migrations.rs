//! Schema migrations, applied in order at start-up inside one transaction each.
//!
//! Most DDL is shared; only the append-only triggers differ between SQLite and PostgreSQL.
//! Each statement is listed separately because prepared statements run one at a time.

use crate::platform::store::{Backend, Store, StoreError};
use sqlx::Row as _;

pub struct Migration {
    pub version: i64,
    pub name: &'static str,
    pub common: &'static [&'static str],
    pub sqlite: &'static [&'static str],
    pub postgres: &'static [&'static str],
}

/// The platform's own steps: the ledger, accounts and sessions, seals. Migration 1 predates
/// the layout by capability and also creates the people capability's first tables, so that
/// databases made before it upgrade unchanged.
#[rustfmt::skip]
pub(crate) const PLATFORM_MIGRATIONS: &[Migration] = &[
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
    ]
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
    postgres: &[]
},
Migration {
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
},
];

pub(crate) async fn run(store: &Store) -> Result<(), StoreError> {
    let pool = store.pool();
    sqlx::query("CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL)")
        .execute(pool)
        .await?;
    for migration in crate::platform::capability::migrations() {
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
