//! `audit verify`: feeds every chain with its signatures to the pure [`LedgerAudit`] (the system
//! chain first), then compares the rebuilt state with the live tables.

use crate::platform::capability::ledgered_tables;
use crate::platform::store::rows::{decode_row, query_owned, select_sql};
use crate::platform::store::{Store, StoreError};
use catalyst_core::ledger::audit::LedgerAudit;
use catalyst_core::ledger::receipt::Receipt;
use catalyst_core::record::row_id;
use ed25519_dalek::VerifyingKey;
use futures_util::TryStreamExt;

pub use catalyst_core::ledger::audit::{ChainReport, VerifyReport};

impl Store {
    /// Verifies everything against `trusted_keys` (the auditor's own copy of the server keys,
    /// never the database's), and against the heads of `receipt` when one is given.
    pub async fn verify_ledger(
        &self,
        trusted_keys: &[VerifyingKey],
        receipt: Option<&Receipt>,
    ) -> Result<VerifyReport, StoreError> {
        let mut audit = LedgerAudit::new(trusted_keys.to_vec(), receipt);
        if receipt.is_none() {
            audit.warn(
                "no receipt given: a truncation of the newest entries since the last head record cannot be detected"
                    .to_owned(),
            );
        }
        for chain in self.chain_names().await? {
            audit.begin_chain(&chain);
            let mut last_seq = 0;
            self.for_each_signed_entry(&chain, |entry, signatures| {
                last_seq = entry.seq;
                audit.push(&entry, &signatures);
            })
            .await?;
            let beyond = self.signatures_after(&chain, last_seq).await?;
            let head = self.chain_head(&chain).await?.map(|h| (h.seq, h.hash));
            audit.end_chain(head, &beyond);
        }

        let mut state_mismatches = Vec::new();
        if audit.state_is_trustworthy() {
            for spec in ledgered_tables() {
                let mut live = Vec::new();
                let mut rows = query_owned(select_sql(spec, "")).fetch(self.pool());
                while let Some(row) = rows.try_next().await? {
                    let row = decode_row(spec, &row)?;
                    let id = row_id(&row).unwrap_or_default().to_owned();
                    live.push((id, row));
                }
                state_mismatches.extend(audit.rebuild().compare(spec.kind, live));
            }
            // State kept beside the ledger (trigger-kept counts), checked by its owner.
            for check in crate::platform::capability::CAPABILITIES.iter().filter_map(|c| c.verify_derived) {
                state_mismatches.extend(check(self).await?);
            }
        }
        Ok(audit.finish(state_mismatches))
    }
}
