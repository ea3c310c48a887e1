//! Login sessions and failed-login records. Operational tables, outside the ledger: the
//! logins, logouts, failures and revocations themselves are ledger events.

use crate::{Store, StoreError, WriteTx};
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

impl Store {
    pub async fn session_by_token_hash(&self, token_hash: &str) -> Result<Option<SessionRow>, StoreError> {
        let sql = sqlx::AssertSqlSafe(format!("SELECT {SESSION_COLUMNS} FROM sessions WHERE token_hash = $1"));
        let row = sqlx::query(sql).bind(token_hash.to_owned()).fetch_optional(self.pool()).await?;
        row.as_ref().map(decode).transpose()
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
    pub async fn create_session(&mut self, session: &SessionRow, token_hash: &str) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO sessions (id, token_hash, user_id, kind, created_at, expires_at, revoked_at)
             VALUES ($1, $2, $3, $4, $5, $6, NULL)",
        )
        .bind(session.id.clone())
        .bind(token_hash.to_owned())
        .bind(session.user_id.clone())
        .bind(session.kind.clone())
        .bind(session.created_at.micros())
        .bind(session.expires_at.micros())
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
