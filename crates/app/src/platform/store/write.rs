//! The write path: one database transaction that changes records and appends the ledger.

use crate::platform::store::rows::{bind_value, by_id, decode_row, insert_sql, query_owned, update_sql};
use crate::platform::store::{LedgerSigner, Store, StoreError};
use catalyst_core::ledger::audit::CHAIN_OPEN;
use catalyst_core::ledger::{AuditActor, EntryKind, GENESIS_HASH, PendingEntry, SYSTEM_CHAIN};
use catalyst_core::record::{Record, Row, TableSpec};
use catalyst_core::time::Timestamp;
use catalyst_core::{DomainError, ledger::Entry};
use sqlx::{Any, Row as _, Transaction};
use std::collections::BTreeMap;
use std::sync::Arc;

/// A chain the transaction will append to, with the zone its entries are stamped with.
#[derive(Debug, Clone)]
pub struct ChainRef {
    pub chain: String,
    pub zone: String,
}

struct Head {
    seq: i64,
    hash: String,
    zone: String,
    /// The head when the transaction locked it: a head that moved gets signed at commit.
    locked_at: i64,
}

/// An open write transaction. Dropping it without [`WriteTx::commit`] rolls everything back.
pub struct WriteTx {
    tx: Transaction<'static, Any>,
    now: Timestamp,
    actor: AuditActor,
    heads: BTreeMap<String, Head>,
    appended: Vec<Entry>,
    signer: Arc<LedgerSigner>,
}

impl Store {
    /// Opens a write transaction for `actor` at `now`, locking the heads of `chains` first (in
    /// a fixed order, so two writers never deadlock). Taking the lock before any read also
    /// makes SQLite take its write lock up front, so the transaction cannot fail half-way
    /// because another writer got in between.
    ///
    /// Each locked head must carry a trusted signature (see [`LedgerSigner`]); a chain written to
    /// for the first time is recorded as opened in the system chain, so that its later
    /// disappearance is detectable.
    pub async fn begin_write(
        &self,
        now: Timestamp,
        actor: AuditActor,
        chains: &[ChainRef],
    ) -> Result<WriteTx, StoreError> {
        let mut tx = self.pool().begin().await?;
        let mut ordered: Vec<ChainRef> = chains.to_vec();
        ordered.sort_by(|a, b| a.chain.cmp(&b.chain));
        ordered.dedup_by(|a, b| a.chain == b.chain);
        let mut heads = BTreeMap::new();
        let mut opened = Vec::new();
        let mut i = 0;
        while i < ordered.len() {
            let chain = ordered[i].clone();
            i += 1;
            let created = sqlx::query(
                "INSERT INTO ledger_heads (chain, seq, hash) VALUES ($1, 0, $2) ON CONFLICT (chain) DO NOTHING",
            )
            .bind(chain.chain.clone())
            .bind(GENESIS_HASH)
            .execute(&mut *tx)
            .await?
            .rows_affected()
                > 0;
            sqlx::query("UPDATE ledger_heads SET seq = seq WHERE chain = $1")
                .bind(chain.chain.clone())
                .execute(&mut *tx)
                .await?;
            let row = sqlx::query("SELECT seq, hash FROM ledger_heads WHERE chain = $1")
                .bind(chain.chain.clone())
                .fetch_one(&mut *tx)
                .await?;
            let (seq, hash): (i64, String) = (row.try_get(0)?, row.try_get(1)?);
            self.check_head_is_signed(&mut tx, &chain.chain, seq, &hash).await?;
            if created && chain.chain != SYSTEM_CHAIN {
                opened.push(chain.chain.clone());
                // "system" sorts after every "site:" chain, so locking it last keeps the order.
                if !ordered.iter().any(|c| c.chain == SYSTEM_CHAIN) {
                    ordered.push(ChainRef { chain: SYSTEM_CHAIN.to_owned(), zone: "UTC".to_owned() });
                }
            }
            heads.insert(chain.chain.clone(), Head { seq, hash, zone: chain.zone.clone(), locked_at: seq });
        }
        let mut write = WriteTx { tx, now, actor, heads, appended: Vec::new(), signer: Arc::clone(self.signer_arc()) };
        for chain in opened {
            let mut details = Row::new();
            details.insert("chain".into(), chain.clone().into());
            write.event(SYSTEM_CHAIN, CHAIN_OPEN, "chain", &chain, details).await?;
        }
        Ok(write)
    }

    /// Refuses to extend a chain whose newest entry no trusted key signed: it was written (or
    /// its signature removed) outside Catalyst, and extending it would vouch for it.
    async fn check_head_is_signed(
        &self,
        tx: &mut Transaction<'static, Any>,
        chain: &str,
        seq: i64,
        hash: &str,
    ) -> Result<(), StoreError> {
        let signer = self.signer_arc();
        // Fast path: the head this process last wrote or verified. (An entry slipped in past it
        // is still caught: appending at its position fails as tampering, see `append`.)
        if let Some((known_seq, known_hash)) = signer.known_head(chain) {
            if known_seq == seq && known_hash == hash {
                return Ok(());
            }
            if seq <= known_seq {
                return Err(StoreError::Tampered(format!(
                    "chain {chain} went back from entry {known_seq} to entry {seq} (truncated or restored outside Catalyst)"
                )));
            }
        }
        // The head must be the chain's newest entry: an entry appended past it is a forgery.
        let newest: Option<(i64, String)> =
            sqlx::query("SELECT seq, hash FROM ledger WHERE chain = $1 ORDER BY seq DESC LIMIT 1")
                .bind(chain.to_owned())
                .fetch_optional(&mut **tx)
                .await?
                .map(|r| Ok::<_, sqlx::Error>((r.try_get(0)?, r.try_get(1)?)))
                .transpose()?;
        let matches = match &newest {
            None => seq == 0,
            Some((s, h)) => *s == seq && h == hash,
        };
        if !matches {
            return Err(StoreError::Tampered(format!(
                "chain {chain}: the recorded head (entry {seq}) is not the chain's newest entry"
            )));
        }
        if seq == 0 {
            return Ok(());
        }
        let rows = sqlx::query(
            "SELECT chain, seq, hash, signed_at, public_key, signature FROM ledger_checkpoints WHERE chain = $1 AND seq = $2",
        )
        .bind(chain.to_owned())
        .bind(seq)
        .fetch_all(&mut **tx)
        .await?;
        let signed =
            rows.iter().map(crate::platform::store::ledger::decode_checkpoint).collect::<Result<Vec<_>, _>>()?;
        if signed.iter().any(|c| c.hash == hash && signer.verifies(c)) {
            signer.remember(chain, seq, hash);
            return Ok(());
        }
        Err(StoreError::Tampered(format!(
            "chain {chain}: its newest entry ({seq}) carries no signature of a trusted key"
        )))
    }
}

impl WriteTx {
    pub fn now(&self) -> Timestamp {
        self.now
    }

    pub fn actor(&self) -> &AuditActor {
        &self.actor
    }

    pub(crate) fn signer(&self) -> &LedgerSigner {
        &self.signer
    }

    /// The underlying transaction, for capability-specific reads and non-ledgered writes.
    pub fn conn(&mut self) -> &mut sqlx::AnyConnection {
        &mut self.tx
    }

    /// Reads a record inside the transaction.
    pub async fn get<R: Record>(&mut self, id: &str) -> Result<Option<R>, StoreError> {
        let row = self.get_row(R::SPEC, id).await?;
        row.map(R::from_row).transpose().map_err(StoreError::from)
    }

    pub(crate) async fn get_row(&mut self, spec: &TableSpec, id: &str) -> Result<Option<Row>, StoreError> {
        let row = by_id(spec, id).fetch_optional(&mut *self.tx).await?;
        row.map(|r| decode_row(spec, &r)).transpose()
    }

    /// Creates a record and records its creation.
    pub async fn insert<R: Record>(&mut self, chain: &str, action: &str, record: &R) -> Result<(), StoreError> {
        let row = record.to_row()?;
        let mut query = query_owned(insert_sql(R::SPEC));
        for column in R::SPEC.columns {
            query = bind_value(query, R::SPEC, column.name, &row)?;
        }
        query.execute(&mut *self.tx).await?;
        self.reseal(R::SPEC.kind, record.id(), Some(&row)).await?;
        self.append(chain, EntryKind::Change, action, R::SPEC.kind, record.id(), None, Some(row), None).await
    }

    /// Replaces a record with a new version, recording both and the reason. The stored row is
    /// read back inside the transaction, so the ledger's `before` is what the table held.
    pub async fn update<R: Record>(
        &mut self,
        chain: &str,
        action: &str,
        record: &R,
        reason: &str,
    ) -> Result<(), StoreError> {
        let after = record.to_row()?;
        let before = self
            .get_row(R::SPEC, record.id())
            .await?
            .ok_or_else(|| DomainError::not_found(R::SPEC.kind, record.id()))?;
        if before == after {
            return Ok(());
        }
        let (sql, columns) = update_sql(R::SPEC);
        let mut query = query_owned(sql);
        for column in &columns {
            query = bind_value(query, R::SPEC, column, &after)?;
        }
        query.bind(record.id().to_owned()).execute(&mut *self.tx).await?;
        self.reseal(R::SPEC.kind, record.id(), Some(&after)).await?;
        self.append(
            chain,
            EntryKind::Change,
            action,
            R::SPEC.kind,
            record.id(),
            Some(before),
            Some(after),
            Some(reason),
        )
        .await
    }

    /// Updates a record only if it still holds `expected` (the version the caller's decision was
    /// based on, read before the transaction): otherwise someone else changed it meanwhile and
    /// the update is refused rather than overwriting their change.
    pub async fn update_from<R: Record>(
        &mut self,
        chain: &str,
        action: &str,
        expected: &R,
        record: &R,
        reason: &str,
    ) -> Result<(), StoreError> {
        let stored = self.get_row(R::SPEC, record.id()).await?;
        if stored.as_ref() != Some(&expected.to_row()?) {
            return Err(DomainError::Conflict(format!(
                "this {} was changed by someone else meanwhile; reload it and try again",
                R::SPEC.kind
            ))
            .into());
        }
        self.update(chain, action, record, reason).await
    }

    /// Removes a record, keeping its last state and the reason in the ledger.
    pub async fn delete<R: Record>(
        &mut self,
        chain: &str,
        action: &str,
        id: &str,
        reason: &str,
    ) -> Result<(), StoreError> {
        let before = self.get_row(R::SPEC, id).await?.ok_or_else(|| DomainError::not_found(R::SPEC.kind, id))?;
        query_owned(format!("DELETE FROM {} WHERE id = $1", R::SPEC.table))
            .bind(id.to_owned())
            .execute(&mut *self.tx)
            .await?;
        self.reseal(R::SPEC.kind, id, None).await?;
        self.append(chain, EntryKind::Change, action, R::SPEC.kind, id, Some(before), None, Some(reason)).await
    }

    /// Records something that happened without changing a record.
    pub async fn event(
        &mut self,
        chain: &str,
        action: &str,
        entity_kind: &str,
        entity_id: &str,
        details: Row,
    ) -> Result<(), StoreError> {
        self.append(chain, EntryKind::Event, action, entity_kind, entity_id, None, Some(details), None).await
    }

    #[allow(clippy::too_many_arguments)]
    async fn append(
        &mut self,
        chain: &str,
        kind: EntryKind,
        action: &str,
        entity_kind: &str,
        entity_id: &str,
        before: Option<Row>,
        after: Option<Row>,
        reason: Option<&str>,
    ) -> Result<(), StoreError> {
        let pending = PendingEntry {
            chain: chain.to_owned(),
            kind,
            actor: self.actor.clone(),
            action: action.to_owned(),
            entity_kind: entity_kind.to_owned(),
            entity_id: entity_id.to_owned(),
            before,
            after,
            reason: reason.map(str::to_owned),
        };
        pending.validate()?;
        let head = self
            .heads
            .get_mut(chain)
            .ok_or_else(|| StoreError::Internal(format!("chain {chain} was not locked by begin_write")))?;
        let entry = pending.seal(head.seq + 1, self.now, &head.zone, &head.hash);
        sqlx::query(
            "INSERT INTO ledger (chain, seq, at_us, zone, kind, actor_id, actor_name, action, entity_kind, entity_id,
                before_json, after_json, reason, prev_hash, hash)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
        )
        .bind(entry.chain.clone())
        .bind(entry.seq)
        .bind(entry.at.micros())
        .bind(entry.zone.clone())
        .bind(entry.kind.as_str())
        .bind(entry.actor_id.clone())
        .bind(entry.actor_name.clone())
        .bind(entry.action.clone())
        .bind(entry.entity_kind.clone())
        .bind(entry.entity_id.clone())
        .bind(entry.before.clone())
        .bind(entry.after.clone())
        .bind(entry.reason.clone())
        .bind(entry.prev_hash.clone())
        .bind(entry.hash.clone())
        .execute(&mut *self.tx)
        .await
        .map_err(|e| match e {
            // The position after the locked head is taken: someone wrote there outside Catalyst.
            sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Tampered(format!(
                "chain {chain}: entry {} already exists past the recorded head",
                entry.seq
            )),
            other => other.into(),
        })?;
        head.seq = entry.seq;
        head.hash = entry.hash.clone();
        self.appended.push(entry);
        Ok(())
    }

    /// Commits the records, the ledger entries, the new chain heads and the server's signature
    /// over each new head together: no entry is ever committed unsigned.
    pub async fn commit(mut self) -> Result<Vec<Entry>, StoreError> {
        for (chain, head) in &self.heads {
            if head.seq == head.locked_at {
                continue;
            }
            sqlx::query("UPDATE ledger_heads SET seq = $1, hash = $2 WHERE chain = $3")
                .bind(head.seq)
                .bind(head.hash.clone())
                .bind(chain.clone())
                .execute(&mut *self.tx)
                .await?;
            let signed = self.signer.sign(chain, head.seq, &head.hash, self.now);
            sqlx::query(
                "INSERT INTO ledger_checkpoints (chain, seq, hash, signed_at, public_key, signature)
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(signed.chain)
            .bind(signed.seq)
            .bind(signed.hash)
            .bind(signed.signed_at.micros())
            .bind(signed.public_key)
            .bind(signed.signature)
            .execute(&mut *self.tx)
            .await?;
        }
        self.tx.commit().await?;
        for (chain, head) in &self.heads {
            self.signer.remember(chain, head.seq, &head.hash);
        }
        Ok(self.appended)
    }
}
