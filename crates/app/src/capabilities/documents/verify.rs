//! `audit verify` for what the documents capability keeps beside the ledger: the bytes. The
//! ledger holds each document's SHA-256; every active document's blob must be in the store and
//! hash to it. (A `sha256` changed in the table itself is a state mismatch the ledger comparison
//! reports; this check then also finds no blob under the changed digest.)

use crate::platform::capability::DerivedFuture;
use crate::platform::store::Store;
use catalyst_core::ledger::StateMismatch;

/// Documents read per query.
const PAGE: i64 = 500;

pub(crate) fn blob_mismatches(store: &Store) -> DerivedFuture<'_> {
    Box::pin(async move {
        let mut mismatches = Vec::new();
        let mismatch = |id: &str, problem: String| StateMismatch {
            entity_kind: "document".to_owned(),
            entity_id: id.to_owned(),
            problem,
        };
        let mut after = String::new();
        loop {
            let page = store.active_documents_after(&after, PAGE).await?;
            let Some(last) = page.last() else { break };
            after = last.id.clone();
            for d in &page {
                let Some(blobs) = store.blobs() else {
                    mismatches.push(mismatch(&d.id, "its content cannot be checked: no document store is configured".to_owned()));
                    continue;
                };
                let problem = match blobs.digest_of(&d.sha256).await {
                    Ok(Some(digest)) if digest == d.sha256 => continue,
                    Ok(Some(digest)) => format!(
                        "the stored content of {:?} hashes to {digest}, not to its ledgered SHA-256 {}",
                        d.file_name, d.sha256
                    ),
                    Ok(None) => format!(
                        "the content of {:?} (SHA-256 {}) is missing from the document store ({})",
                        d.file_name,
                        d.sha256,
                        blobs.describe()
                    ),
                    Err(e) => format!("the content of {:?} could not be read: {e}", d.file_name),
                };
                mismatches.push(mismatch(&d.id, problem));
            }
        }
        Ok(mismatches)
    })
}
