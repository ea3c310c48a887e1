//! `audit verify` for the dictionaries' entries: each dictionary's entries, as kept beside its
//! ledgered record, must give the digest and count the record holds.

use crate::capabilities::coding::domain::entries_digest;
use crate::platform::capability::DerivedFuture;
use crate::platform::store::Store;
use catalyst_core::ledger::StateMismatch;

pub(crate) fn dictionary_mismatches(store: &Store) -> DerivedFuture<'_> {
    Box::pin(async move {
        let read = store.coding_dictionaries().await?;
        let mut out: Vec<StateMismatch> = read
            .unsealed
            .iter()
            .map(|id| StateMismatch {
                entity_kind: "coding_dictionary".into(),
                entity_id: id.clone(),
                problem: "the dictionary's record carries no valid seal (written outside Catalyst)".into(),
            })
            .collect();
        for d in &read.rows {
            let dictionary = store.coding_entries(d).await?;
            let count = i64::try_from(dictionary.entries.len()).unwrap_or(i64::MAX);
            if count != d.entries || entries_digest(&dictionary) != d.entries_sha256 {
                out.push(StateMismatch {
                    entity_kind: "coding_dictionary".into(),
                    entity_id: d.id.clone(),
                    problem: format!(
                        "{} {}: its entries ({count}) are not the {} loaded (digest {})",
                        d.name, d.version, d.entries, d.entries_sha256
                    ),
                });
            }
        }
        Ok(out)
    })
}
