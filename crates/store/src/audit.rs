//! `audit verify`: recompute every chain, check the signed checkpoints, rebuild current state
//! from the ledger and compare it with the live tables.

use crate::rows::{decode_row, query_owned, select_sql};
use crate::{Store, StoreError};
use catalyst_core::ledger::{ChainVerifier, Checkpoint, Fault, StateMismatch, StateRebuild, verify_checkpoint};
use catalyst_core::record::{ledgered_tables, row_id};
use ed25519_dalek::VerifyingKey;
use futures_util::TryStreamExt;
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Serialize)]
pub struct ChainReport {
    pub chain: String,
    pub entries: i64,
    pub head_hash: String,
    pub checkpoints_verified: usize,
    /// Entries after the newest valid checkpoint, protected by the hash chain alone.
    pub unsigned_tail: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct VerifyReport {
    pub ok: bool,
    pub chains: Vec<ChainReport>,
    pub records_compared: usize,
    /// The first failing entry of each broken chain.
    pub chain_faults: Vec<Fault>,
    pub checkpoint_faults: Vec<String>,
    pub state_mismatches: Vec<StateMismatch>,
    pub warnings: Vec<String>,
}

impl Store {
    /// Verifies everything. `trusted_keys` are the checkpoint keys the auditor trusts; when
    /// empty, the keys registered in the database are used and a warning says so.
    pub async fn verify_ledger(&self, trusted_keys: &[VerifyingKey]) -> Result<VerifyReport, StoreError> {
        let mut warnings = Vec::new();
        let trusted = if trusted_keys.is_empty() {
            warnings.push("no trusted key given: checkpoint keys were taken from the database itself".to_owned());
            self.registered_keys().await?
        } else {
            trusted_keys.to_vec()
        };

        let mut checkpoints: BTreeMap<String, Vec<Checkpoint>> = BTreeMap::new();
        for cp in self.checkpoints().await? {
            checkpoints.entry(cp.chain.clone()).or_default().push(cp);
        }

        let mut rebuild = StateRebuild::new();
        let mut chains = Vec::new();
        let mut chain_faults = Vec::new();
        let mut checkpoint_faults = Vec::new();

        for chain in self.chain_names().await? {
            let mut verifier = ChainVerifier::new(&chain);
            let expected: BTreeMap<i64, Vec<&Checkpoint>> =
                checkpoints.get(&chain).into_iter().flatten().fold(BTreeMap::new(), |mut m, cp| {
                    m.entry(cp.seq).or_insert_with(Vec::new).push(cp);
                    m
                });
            let mut fault: Option<Fault> = None;
            let mut verified_checkpoints = 0;
            let mut last_signed = 0;
            self.for_each_entry(&chain, |entry| {
                if fault.is_some() {
                    return Ok(());
                }
                let result = verifier.push(&entry).and_then(|()| rebuild.apply(&entry));
                if let Err(f) = result {
                    fault = Some(f);
                    return Ok(());
                }
                for cp in expected.get(&entry.seq).into_iter().flatten() {
                    if cp.hash != entry.hash {
                        checkpoint_faults.push(format!(
                            "chain {chain} entry {}: hash differs from the checkpoint signed at {}",
                            entry.seq,
                            cp.signed_at.to_rfc3339()
                        ));
                    } else if let Err(problem) = verify_checkpoint(cp, &trusted) {
                        checkpoint_faults.push(format!("chain {chain} checkpoint at entry {}: {problem}", entry.seq));
                    } else {
                        verified_checkpoints += 1;
                        last_signed = entry.seq;
                    }
                }
                Ok(())
            })
            .await?;

            let (head_seq, head_hash) = verifier.head();
            let head_seq = if let Some(f) = &fault { f.seq - 1 } else { head_seq };
            if let Some(beyond) = expected.keys().find(|seq| **seq > head_seq) {
                checkpoint_faults.push(format!(
                    "chain {chain}: a checkpoint vouches for entry {beyond}, but the chain ends at {head_seq} (entries removed)"
                ));
            }
            if fault.is_none() {
                match self.chain_head(&chain).await? {
                    Some(head) if head.seq != head_seq || head.hash != head_hash => chain_faults.push(Fault {
                        chain: chain.clone(),
                        seq: head.seq,
                        problem: format!(
                            "the recorded head (entry {}) does not match the chain, which ends at entry {head_seq}",
                            head.seq
                        ),
                    }),
                    _ => {}
                }
            }
            chains.push(ChainReport {
                chain: chain.clone(),
                entries: head_seq,
                head_hash: head_hash.to_owned(),
                checkpoints_verified: verified_checkpoints,
                unsigned_tail: head_seq - last_signed,
            });
            if let Some(f) = fault {
                chain_faults.push(f);
            }
        }

        let mut state_mismatches = Vec::new();
        if chain_faults.is_empty() {
            for spec in ledgered_tables() {
                let mut live = Vec::new();
                let mut rows = query_owned(select_sql(spec, "")).fetch(self.pool());
                while let Some(row) = rows.try_next().await? {
                    let row = decode_row(spec, &row)?;
                    let id = row_id(&row).unwrap_or_default().to_owned();
                    live.push((id, row));
                }
                state_mismatches.extend(rebuild.compare(spec.kind, live));
            }
        } else {
            warnings
                .push("state comparison skipped: a chain is broken, so the rebuilt state cannot be trusted".to_owned());
        }
        for report in &chains {
            if report.unsigned_tail > 0 {
                warnings.push(format!(
                    "chain {}: {} entries after the last signed checkpoint are protected by the hash chain only",
                    report.chain, report.unsigned_tail
                ));
            }
        }

        let ok = chain_faults.is_empty() && checkpoint_faults.is_empty() && state_mismatches.is_empty();
        Ok(VerifyReport {
            ok,
            chains,
            records_compared: rebuild.record_count(),
            chain_faults,
            checkpoint_faults,
            state_mismatches,
            warnings,
        })
    }

    async fn registered_keys(&self) -> Result<Vec<VerifyingKey>, StoreError> {
        let rows = sqlx::query("SELECT id FROM signing_keys").fetch_all(self.pool()).await?;
        let mut keys = Vec::new();
        for row in rows {
            use sqlx::Row as _;
            let hex_key: String = row.try_get(0)?;
            let bytes: Option<[u8; 32]> = hex::decode(&hex_key).ok().and_then(|b| b.try_into().ok());
            if let Some(key) = bytes.and_then(|b| VerifyingKey::from_bytes(&b).ok()) {
                keys.push(key);
            }
        }
        Ok(keys)
    }
}
