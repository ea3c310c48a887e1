//! Reading the ledger and its checkpoints.

use crate::{Store, StoreError};
use catalyst_core::ledger::{Checkpoint, Entry, EntryKind};
use catalyst_core::time::Timestamp;
use futures_util::TryStreamExt;
use sqlx::Row as _;
use sqlx::any::AnyRow;

const ENTRY_COLUMNS: &str = "chain, seq, at_us, zone, kind, actor_id, actor_name, action, entity_kind, entity_id, \
                             before_json, after_json, reason, prev_hash, hash";

fn decode_entry(row: &AnyRow) -> Result<Entry, StoreError> {
    let kind: String = row.try_get(4)?;
    Ok(Entry {
        chain: row.try_get(0)?,
        seq: row.try_get(1)?,
        at: Timestamp(row.try_get(2)?),
        zone: row.try_get(3)?,
        kind: EntryKind::parse(&kind).ok_or_else(|| StoreError::Internal(format!("unknown entry kind {kind:?}")))?,
        actor_id: row.try_get(5)?,
        actor_name: row.try_get(6)?,
        action: row.try_get(7)?,
        entity_kind: row.try_get(8)?,
        entity_id: row.try_get(9)?,
        before: row.try_get(10)?,
        after: row.try_get(11)?,
        reason: row.try_get(12)?,
        prev_hash: row.try_get(13)?,
        hash: row.try_get(14)?,
    })
}

/// A chain as recorded in the heads table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainHead {
    pub chain: String,
    pub seq: i64,
    pub hash: String,
}

/// A position in the newest-first listing of the ledger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryCursor {
    pub at: Timestamp,
    pub chain: String,
    pub seq: i64,
}

/// Filter for browsing the ledger.
#[derive(Debug, Clone, Default)]
pub struct EntryFilter {
    /// Only these chains (an empty list means all).
    pub chains: Vec<String>,
    pub entity: Option<(String, String)>,
    /// Only entries after this one in newest-first order (for paging backwards): the
    /// `(at, chain, seq)` of the last entry already seen.
    pub before: Option<EntryCursor>,
    pub limit: i64,
}

impl Store {
    /// Every chain that has a head or any entry.
    pub async fn chain_names(&self) -> Result<Vec<String>, StoreError> {
        let rows = sqlx::query("SELECT chain FROM ledger_heads UNION SELECT DISTINCT chain FROM ledger ORDER BY 1")
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(|r| Ok(r.try_get(0)?)).collect()
    }

    pub async fn chain_head(&self, chain: &str) -> Result<Option<ChainHead>, StoreError> {
        let row = sqlx::query("SELECT chain, seq, hash FROM ledger_heads WHERE chain = $1")
            .bind(chain.to_owned())
            .fetch_optional(self.pool())
            .await?;
        row.map(|r| Ok(ChainHead { chain: r.try_get(0)?, seq: r.try_get(1)?, hash: r.try_get(2)? })).transpose()
    }

    /// Streams a chain's entries in sequence order to `visit`, without loading the chain.
    pub async fn for_each_entry<F>(&self, chain: &str, mut visit: F) -> Result<(), StoreError>
    where
        F: FnMut(Entry) -> Result<(), StoreError>,
    {
        let sql = sqlx::AssertSqlSafe(format!("SELECT {ENTRY_COLUMNS} FROM ledger WHERE chain = $1 ORDER BY seq"));
        let mut rows = sqlx::query(sql).bind(chain.to_owned()).fetch(self.pool());
        while let Some(row) = rows.try_next().await? {
            visit(decode_entry(&row)?)?;
        }
        Ok(())
    }

    /// Newest entries first, for the audit trail pages.
    pub async fn recent_entries(&self, filter: &EntryFilter) -> Result<Vec<Entry>, StoreError> {
        let mut conditions = Vec::new();
        let mut next = 1;
        if !filter.chains.is_empty() {
            let params: Vec<String> = filter
                .chains
                .iter()
                .map(|_| {
                    let p = format!("${next}");
                    next += 1;
                    p
                })
                .collect();
            conditions.push(format!("chain IN ({})", params.join(", ")));
        }
        if filter.entity.is_some() {
            conditions.push(format!("entity_kind = ${} AND entity_id = ${}", next, next + 1));
            next += 2;
        }
        if filter.before.is_some() {
            // Entries of one transaction share a time, so the cursor includes chain and seq:
            // nothing is skipped or repeated at a page boundary.
            let (a, c, q) = (next, next + 1, next + 2);
            conditions.push(format!(
                "(at_us < ${a} OR (at_us = ${a} AND chain < ${c}) OR (at_us = ${a} AND chain = ${c} AND seq < ${q}))"
            ));
            next += 3;
        }
        let condition =
            if conditions.is_empty() { String::new() } else { format!("WHERE {}", conditions.join(" AND ")) };
        let sql = format!(
            "SELECT {ENTRY_COLUMNS} FROM ledger {condition} ORDER BY at_us DESC, chain DESC, seq DESC LIMIT ${next}"
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for chain in &filter.chains {
            query = query.bind(chain.clone());
        }
        if let Some((kind, id)) = &filter.entity {
            query = query.bind(kind.clone()).bind(id.clone());
        }
        if let Some(cursor) = &filter.before {
            query = query.bind(cursor.at.micros()).bind(cursor.chain.clone()).bind(cursor.seq);
        }
        let rows = query.bind(filter.limit).fetch_all(self.pool()).await?;
        rows.iter().map(decode_entry).collect()
    }

    pub async fn checkpoints(&self) -> Result<Vec<Checkpoint>, StoreError> {
        let rows = sqlx::query(
            "SELECT chain, seq, hash, signed_at, public_key, signature FROM ledger_checkpoints ORDER BY chain, seq",
        )
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Checkpoint {
                    chain: r.try_get(0)?,
                    seq: r.try_get(1)?,
                    hash: r.try_get(2)?,
                    signed_at: Timestamp(r.try_get(3)?),
                    public_key: r.try_get(4)?,
                    signature: r.try_get(5)?,
                })
            })
            .collect()
    }

    /// Stores a checkpoint unless the same key already signed that position.
    pub async fn insert_checkpoint(&self, checkpoint: &Checkpoint) -> Result<bool, StoreError> {
        let result = sqlx::query(
            "INSERT INTO ledger_checkpoints (chain, seq, hash, signed_at, public_key, signature)
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (chain, seq, public_key) DO NOTHING",
        )
        .bind(checkpoint.chain.clone())
        .bind(checkpoint.seq)
        .bind(checkpoint.hash.clone())
        .bind(checkpoint.signed_at.micros())
        .bind(checkpoint.public_key.clone())
        .bind(checkpoint.signature.clone())
        .execute(self.pool())
        .await?;
        Ok(result.rows_affected() > 0)
    }

    /// Heads of every chain, for signing checkpoints.
    pub async fn chain_heads(&self) -> Result<Vec<ChainHead>, StoreError> {
        let rows = sqlx::query("SELECT chain, seq, hash FROM ledger_heads WHERE seq > 0 ORDER BY chain")
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(|r| Ok(ChainHead { chain: r.try_get(0)?, seq: r.try_get(1)?, hash: r.try_get(2)? })).collect()
    }
}
