//! Login sessions and failed-login records. Operational tables, outside the ledger: the
//! logins, logouts, failures and revocations themselves are ledger events.

use crate::platform::store::rows::{query_owned, select_sql};
use crate::platform::store::{Store, StoreError, WriteTx};
use catalyst_core::record::Record;
use catalyst_core::time::Timestamp;
use sqlx::Row as _;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRow {
    pub id: String,
    pub user_id: String,
    pub kind: String,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
    pub revoked_at: Option<Timestamp>,
}

const SESSION_COLUMNS: &str = "id, user_id, kind, created_at, expires_at, revoked_at";

fn decode(row: &sqlx::any::AnyRow) -> Result<SessionRow, StoreError> {
    Ok(SessionRow {
        id: row.try_get(0)?,
        user_id: row.try_get(1)?,
        kind: row.try_get(2)?,
        created_at: Timestamp(row.try_get(3)?),
        expires_at: Timestamp(row.try_get(4)?),
        revoked_at: row.try_get::<Option<i64>, _>(5)?.map(Timestamp),
    })
}

/// What a session's seal covers: everything that decides who it speaks for and for how long.
fn session_sealed_value(session: &SessionRow) -> String {
    format!("{}\n{}\n{}\n{}", session.user_id, session.kind, session.created_at.micros(), session.expires_at.micros())
}

impl Store {
    /// Only a keyed hash of a token is stored (HMAC with the server's secret), so nobody who can
    /// write the database can mint a token the server accepts.
    fn token_hash(&self, token: &str) -> String {
        self.signer().seal("session-token", "", token)
    }

    /// The session a token opens; refused (as tampering) if the row's seal does not match.
    pub async fn session_by_token(&self, token: &str) -> Result<Option<SessionRow>, StoreError> {
        let sql = sqlx::AssertSqlSafe(format!("SELECT {SESSION_COLUMNS}, seal FROM sessions WHERE token_hash = $1"));
        let Some(row) = sqlx::query(sql).bind(self.token_hash(token)).fetch_optional(self.pool()).await? else {
            return Ok(None);
        };
        let session = decode(&row)?;
        let seal: Option<String> = row.try_get(6)?;
        if !self.signer().seal_matches("session", &session.id, &session_sealed_value(&session), seal.as_deref()) {
            return Err(StoreError::Tampered(format!("session {} carries no valid seal", session.id)));
        }
        Ok(Some(session))
    }

    /// A user's password hash, only if its seal holds: a hash swapped in outside Catalyst would
    /// let someone log in as that person.
    pub async fn password_hash(&self, user_id: &str) -> Result<Option<String>, StoreError> {
        let row = sqlx::query("SELECT password_hash, seal FROM credentials WHERE user_id = $1")
            .bind(user_id.to_owned())
            .fetch_optional(self.pool())
            .await?;
        let Some(row) = row else { return Ok(None) };
        let (hash, seal): (String, Option<String>) = (row.try_get(0)?, row.try_get(1)?);
        if !self.signer().seal_matches("credential", user_id, &hash, seal.as_deref()) {
            return Err(StoreError::Tampered(format!("the password of user {user_id} carries no valid seal")));
        }
        Ok(Some(hash))
    }

    pub async fn active_sessions(&self, user_id: &str, now: Timestamp) -> Result<Vec<SessionRow>, StoreError> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {SESSION_COLUMNS} FROM sessions WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > $2 ORDER BY created_at"
        ));
        let rows = sqlx::query(sql).bind(user_id.to_owned()).bind(now.micros()).fetch_all(self.pool()).await?;
        rows.iter().map(decode).collect()
    }

    pub async fn recent_login_failures(&self, username: &str, since: Timestamp) -> Result<Vec<Timestamp>, StoreError> {
        let rows = sqlx::query("SELECT at_us FROM login_failures WHERE username = $1 AND at_us > $2")
            .bind(username.to_owned())
            .bind(since.micros())
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(|r| Ok(Timestamp(r.try_get(0)?))).collect()
    }
}

impl WriteTx {
    /// Stores a new session under a keyed hash of its token, sealed.
    pub async fn create_session(&mut self, session: &SessionRow, token: &str) -> Result<(), StoreError> {
        let token_hash = self.signer().seal("session-token", "", token);
        let seal = self.signer().seal("session", &session.id, &session_sealed_value(session));
        sqlx::query(
            "INSERT INTO sessions (id, token_hash, user_id, kind, created_at, expires_at, revoked_at, seal)
             VALUES ($1, $2, $3, $4, $5, $6, NULL, $7)",
        )
        .bind(session.id.clone())
        .bind(token_hash)
        .bind(session.user_id.clone())
        .bind(session.kind.clone())
        .bind(session.created_at.micros())
        .bind(session.expires_at.micros())
        .bind(seal)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// Revokes one session, or every live session of a user; returns how many were revoked.
    pub async fn revoke_sessions(&mut self, user_id: &str, session_id: Option<&str>) -> Result<u64, StoreError> {
        let now = self.now().micros();
        let result = sqlx::query(
            "UPDATE sessions SET revoked_at = $1
             WHERE user_id = $2 AND revoked_at IS NULL AND ($3 IS NULL OR id = $3)",
        )
        .bind(now)
        .bind(user_id.to_owned())
        .bind(session_id.map(str::to_owned))
        .execute(self.conn())
        .await?;
        Ok(result.rows_affected())
    }

    /// Recent failures, read inside the transaction (under its chain lock).
    pub async fn recent_login_failures(
        &mut self,
        username: &str,
        since: Timestamp,
    ) -> Result<Vec<Timestamp>, StoreError> {
        let rows = sqlx::query("SELECT at_us FROM login_failures WHERE username = $1 AND at_us > $2")
            .bind(username.to_owned())
            .bind(since.micros())
            .fetch_all(self.conn())
            .await?;
        rows.iter().map(|r| Ok(Timestamp(r.try_get(0)?))).collect()
    }

    pub async fn record_login_failure(&mut self, username: &str) -> Result<(), StoreError> {
        let now = self.now().micros();
        sqlx::query("INSERT INTO login_failures (username, at_us) VALUES ($1, $2)")
            .bind(username.to_owned())
            .bind(now)
            .execute(self.conn())
            .await?;
        Ok(())
    }

    /// Takes back one counted attempt (made at the transaction's `at`) that turned out to succeed.
    pub async fn forget_login_failure(&mut self, username: &str, at: Timestamp) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM login_failures WHERE username = $1 AND at_us = $2")
            .bind(username.to_owned())
            .bind(at.micros())
            .execute(self.conn())
            .await?;
        Ok(())
    }

    pub async fn clear_login_failures(&mut self, username: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM login_failures WHERE username = $1")
            .bind(username.to_owned())
            .execute(self.conn())
            .await?;
        Ok(())
    }
}

/// A window's count of attempts from one source that were counted rather than appended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppendCount {
    pub source: String,
    pub chain: String,
    pub window_start: Timestamp,
    pub counted: i64,
}

impl Store {
    /// The keys the login throttle currently counts failures under (to check what it keeps).
    pub async fn login_failure_keys(&self) -> Result<Vec<String>, StoreError> {
        let rows = sqlx::query("SELECT DISTINCT username FROM login_failures").fetch_all(self.pool()).await?;
        rows.iter().map(|r| Ok(r.try_get(0)?)).collect()
    }

    /// A per-installation secret, created from `fresh` the first time it is asked for (the
    /// first writer wins when two servers start together).
    pub async fn installation_secret(&self, name: &str, fresh: &str) -> Result<String, StoreError> {
        sqlx::query("INSERT INTO installation_secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING")
            .bind(name.to_owned())
            .bind(fresh.to_owned())
            .execute(self.pool())
            .await?;
        let row = sqlx::query("SELECT value FROM installation_secrets WHERE name = $1")
            .bind(name.to_owned())
            .fetch_one(self.pool())
            .await?;
        Ok(row.try_get(0)?)
    }

    /// Windows that ended before `before` with attempts counted but not yet appended.
    pub async fn closed_append_counts(&self, before: Timestamp) -> Result<Vec<AppendCount>, StoreError> {
        let rows = sqlx::query(
            "SELECT source, chain, window_start, counted FROM ledger_append_counts
             WHERE window_start < $1 AND counted > 0 ORDER BY window_start, source",
        )
        .bind(before.micros())
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(AppendCount {
                    source: r.try_get(0)?,
                    chain: r.try_get(1)?,
                    window_start: Timestamp(r.try_get(2)?),
                    counted: r.try_get(3)?,
                })
            })
            .collect()
    }

    /// Forgets the bookkeeping of windows that ended before `before` and have nothing left to append.
    pub async fn prune_append_counts(&self, before: Timestamp) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM ledger_append_counts WHERE window_start < $1 AND counted = 0")
            .bind(before.micros())
            .execute(self.pool())
            .await?;
        Ok(())
    }
}

impl WriteTx {
    /// How many entries `source` has appended to `chain` in the window, and how many further
    /// attempts were counted instead (read under the chain's lock).
    pub async fn append_count(
        &mut self,
        source: &str,
        chain: &str,
        window_start: Timestamp,
    ) -> Result<(i64, i64), StoreError> {
        let row = sqlx::query(
            "SELECT recorded, counted FROM ledger_append_counts WHERE source = $1 AND chain = $2 AND window_start = $3",
        )
        .bind(source.to_owned())
        .bind(chain.to_owned())
        .bind(window_start.micros())
        .fetch_optional(self.conn())
        .await?;
        Ok(match row {
            Some(r) => (r.try_get(0)?, r.try_get(1)?),
            None => (0, 0),
        })
    }

    pub async fn set_append_count(
        &mut self,
        source: &str,
        chain: &str,
        window_start: Timestamp,
        recorded: i64,
        counted: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO ledger_append_counts (source, chain, window_start, recorded, counted) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (source, chain, window_start) DO UPDATE SET recorded = excluded.recorded, counted = excluded.counted",
        )
        .bind(source.to_owned())
        .bind(chain.to_owned())
        .bind(window_start.micros())
        .bind(recorded)
        .bind(counted)
        .execute(self.conn())
        .await?;
        Ok(())
    }
}

impl crate::platform::store::WriteTx {
    /// Sets a password hash. Credentials are kept out of the ledger; the caller records the
    /// change as an event in the same transaction.
    pub async fn set_password_hash(&mut self, user_id: &str, hash: &str) -> Result<(), StoreError> {
        let now = self.now().micros();
        let seal = self.signer().seal("credential", user_id, hash);
        sqlx::query(
            "INSERT INTO credentials (user_id, password_hash, updated_at, seal) VALUES ($1, $2, $3, $4)
             ON CONFLICT (user_id) DO UPDATE SET password_hash = excluded.password_hash,
                 updated_at = excluded.updated_at, seal = excluded.seal",
        )
        .bind(user_id.to_owned())
        .bind(hash.to_owned())
        .bind(now)
        .bind(seal)
        .execute(self.conn())
        .await?;
        Ok(())
    }
}

impl Store {
    /// Every signature on a record, oldest first.
    pub async fn signatures_for(
        &self,
        entity_kind: &str,
        entity_id: &str,
    ) -> Result<Vec<catalyst_core::esign::ESignature>, StoreError> {
        use catalyst_core::esign::ESignature;
        let tail = "WHERE entity_kind = $1 AND entity_id = $2 ORDER BY signed_at";
        self.fetch_records(
            query_owned(select_sql(ESignature::SPEC, tail)).bind(entity_kind.to_owned()).bind(entity_id.to_owned()),
        )
        .await
    }
}
