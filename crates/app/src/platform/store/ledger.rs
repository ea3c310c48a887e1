//! Reading the ledger and its checkpoints.

use crate::platform::store::{Store, StoreError};
use catalyst_core::ledger::audit::HEADS_RECORDED;
use catalyst_core::ledger::{ChainVerifier, Checkpoint, Entry, EntryKind, SYSTEM_CHAIN};
use catalyst_core::time::Timestamp;
use futures_util::TryStreamExt;
use sqlx::Row as _;
use sqlx::any::AnyRow;
use std::collections::BTreeMap;

const ENTRY_COLUMNS: &str = "chain, seq, at_us, zone, kind, actor_id, actor_name, action, entity_kind, entity_id, \
                             before_json, after_json, reason, prev_hash, hash";

pub(crate) fn decode_checkpoint(r: &AnyRow) -> Result<Checkpoint, StoreError> {
    Ok(Checkpoint {
        chain: r.try_get(0)?,
        seq: r.try_get(1)?,
        hash: r.try_get(2)?,
        signed_at: Timestamp(r.try_get(3)?),
        public_key: r.try_get(4)?,
        signature: r.try_get(5)?,
    })
}

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

/// A `ledger.heads` entry of the system chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeadsRecord {
    pub seq: i64,
    pub prev_hash: String,
    pub heads: BTreeMap<String, (i64, String)>,
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
    /// Every chain that has a head, an entry or a signature; the system chain first.
    pub async fn chain_names(&self) -> Result<Vec<String>, StoreError> {
        let rows = sqlx::query(
            "SELECT chain FROM ledger_heads UNION SELECT DISTINCT chain FROM ledger
             UNION SELECT DISTINCT chain FROM ledger_checkpoints ORDER BY 1",
        )
        .fetch_all(self.pool())
        .await?;
        let mut names: Vec<String> = rows.iter().map(|r| r.try_get(0)).collect::<Result<_, _>>()?;
        names.sort_by_key(|name| (name != SYSTEM_CHAIN, name.clone()));
        Ok(names)
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

    /// The signatures stored for each chain's recorded head (several when several keys signed).
    pub async fn signed_heads(&self) -> Result<Vec<Checkpoint>, StoreError> {
        let rows = sqlx::query(
            "SELECT c.chain, c.seq, c.hash, c.signed_at, c.public_key, c.signature
             FROM ledger_heads h JOIN ledger_checkpoints c ON c.chain = h.chain AND c.seq = h.seq
             WHERE h.seq > 0 ORDER BY c.chain, c.public_key",
        )
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(decode_checkpoint).collect()
    }

    /// The newest `ledger.heads` entry of the system chain at or before entry `upto`: its position,
    /// its predecessor's hash (to verify it as part of a signed segment) and the heads it records.
    pub async fn last_heads_record(&self, upto: i64) -> Result<Option<HeadsRecord>, StoreError> {
        let row = sqlx::query(
            "SELECT seq, prev_hash, after_json FROM ledger WHERE chain = $1 AND action = $2 AND seq <= $3
             ORDER BY seq DESC LIMIT 1",
        )
        .bind(SYSTEM_CHAIN)
        .bind(HEADS_RECORDED)
        .bind(upto)
        .fetch_optional(self.pool())
        .await?;
        let Some(row) = row else { return Ok(None) };
        let text: Option<String> = row.try_get(2)?;
        let value: serde_json::Value = serde_json::from_str(text.as_deref().unwrap_or("{}"))
            .map_err(|e| StoreError::Internal(format!("the last head record is not JSON: {e}")))?;
        let mut heads = BTreeMap::new();
        for (chain, head) in value.get("heads").and_then(|h| h.as_object()).into_iter().flatten() {
            let seq = head.get("seq").and_then(|v| v.as_i64());
            let hash = head.get("hash").and_then(|v| v.as_str());
            if let (Some(seq), Some(hash)) = (seq, hash) {
                heads.insert(chain.clone(), (seq, hash.to_owned()));
            }
        }
        Ok(Some(HeadsRecord { seq: row.try_get(0)?, prev_hash: row.try_get(1)?, heads }))
    }

    /// Each chain's newest entry as the ledger itself holds it (not as `ledger_heads` says).
    pub async fn newest_entries(&self) -> Result<Vec<ChainHead>, StoreError> {
        let rows = sqlx::query(
            "SELECT l.chain, l.seq, l.hash FROM ledger l
             JOIN (SELECT chain, MAX(seq) AS seq FROM ledger GROUP BY chain) m ON m.chain = l.chain AND m.seq = l.seq
             ORDER BY l.chain",
        )
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(|r| Ok(ChainHead { chain: r.try_get(0)?, seq: r.try_get(1)?, hash: r.try_get(2)? })).collect()
    }

    /// The signatures stored at one position.
    pub async fn signatures_at(&self, chain: &str, seq: i64) -> Result<Vec<Checkpoint>, StoreError> {
        let rows = sqlx::query(
            "SELECT chain, seq, hash, signed_at, public_key, signature FROM ledger_checkpoints WHERE chain = $1 AND seq = $2",
        )
        .bind(chain.to_owned())
        .bind(seq)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(decode_checkpoint).collect()
    }

    /// Checks what a chain gained since an entry already verified (`from`): every new entry links
    /// and recomputes, the chain ends at `to`, and a trusted key signed `to`. Returns the problem.
    pub async fn verify_segment(
        &self,
        chain: &str,
        from: (i64, &str),
        to: (i64, &str),
    ) -> Result<Result<(), String>, StoreError> {
        if to.0 < from.0 {
            return Ok(Err(format!(
                "chain {chain} ends at entry {}, before its recorded head at entry {}",
                to.0, from.0
            )));
        }
        let mut verifier = ChainVerifier::resume(chain, from.0, from.1);
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {ENTRY_COLUMNS} FROM ledger WHERE chain = $1 AND seq > $2 AND seq <= $3 ORDER BY seq"
        ));
        let mut rows = sqlx::query(sql).bind(chain.to_owned()).bind(from.0).bind(to.0).fetch(self.pool());
        while let Some(row) = rows.try_next().await? {
            if let Err(fault) = verifier.push(&decode_entry(&row)?) {
                return Ok(Err(fault.to_string()));
            }
        }
        drop(rows);
        let beyond: Option<i64> = sqlx::query("SELECT seq FROM ledger WHERE chain = $1 AND seq > $2 LIMIT 1")
            .bind(chain.to_owned())
            .bind(to.0)
            .fetch_optional(self.pool())
            .await?
            .map(|r| r.try_get(0))
            .transpose()?;
        if let Some(extra) = beyond {
            return Ok(Err(format!("chain {chain}: entry {extra} lies beyond its recorded head (entry {})", to.0)));
        }
        let (seq, hash) = verifier.head();
        if (seq, hash) != to {
            return Ok(Err(format!(
                "chain {chain}: its recorded head is entry {} but the chain ends at entry {seq}",
                to.0
            )));
        }
        let signatures = self.signatures_at(chain, to.0).await?;
        if signatures.iter().any(|c| c.hash == to.1 && self.signer().verifies(c)) {
            Ok(Ok(()))
        } else {
            Ok(Err(format!("chain {chain}: its newest entry ({}) carries no signature of a trusted key", to.0)))
        }
    }

    /// Streams a chain's entries in order, each with the signatures stored at its position.
    pub(crate) async fn for_each_signed_entry<F>(&self, chain: &str, mut visit: F) -> Result<(), StoreError>
    where
        F: FnMut(Entry, Vec<Checkpoint>),
    {
        // Two ordered streams merged by position, so that every stored entry row is visited on
        // its own: a second row at the same position (possible once the primary key is dropped)
        // reaches the chain verifier as the sequence fault it is, never merged into the first.
        let sql = sqlx::AssertSqlSafe(format!("SELECT {ENTRY_COLUMNS} FROM ledger WHERE chain = $1 ORDER BY seq"));
        let mut entries = sqlx::query(sql).bind(chain.to_owned()).fetch(self.pool());
        let mut signatures = sqlx::query(
            "SELECT chain, seq, hash, signed_at, public_key, signature FROM ledger_checkpoints
             WHERE chain = $1 ORDER BY seq, public_key",
        )
        .bind(chain.to_owned())
        .fetch(self.pool());
        let mut next_signature: Option<Checkpoint> = None;
        while let Some(row) = entries.try_next().await? {
            let entry = decode_entry(&row)?;
            let mut at_entry = Vec::new();
            loop {
                if next_signature.is_none() {
                    next_signature = match signatures.try_next().await? {
                        Some(row) => Some(decode_checkpoint(&row)?),
                        None => None,
                    };
                }
                match next_signature.take() {
                    Some(signature) if signature.seq < entry.seq => {}
                    Some(signature) if signature.seq == entry.seq => at_entry.push(signature),
                    other => {
                        next_signature = other;
                        break;
                    }
                }
            }
            visit(entry, at_entry);
        }
        Ok(())
    }

    /// Signatures stored for positions after `seq` (vouching for entries that are not there).
    pub(crate) async fn signatures_after(&self, chain: &str, seq: i64) -> Result<Vec<Checkpoint>, StoreError> {
        let rows = sqlx::query(
            "SELECT chain, seq, hash, signed_at, public_key, signature FROM ledger_checkpoints
             WHERE chain = $1 AND seq > $2 ORDER BY seq",
        )
        .bind(chain.to_owned())
        .bind(seq)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(decode_checkpoint).collect()
    }

    /// Heads of every chain, for signing checkpoints.
    pub async fn chain_heads(&self) -> Result<Vec<ChainHead>, StoreError> {
        let rows = sqlx::query("SELECT chain, seq, hash FROM ledger_heads WHERE seq > 0 ORDER BY chain")
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(|r| Ok(ChainHead { chain: r.try_get(0)?, seq: r.try_get(1)?, hash: r.try_get(2)? })).collect()
    }
}
