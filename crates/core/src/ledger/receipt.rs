//! An outsider's receipt: the signed heads of every chain at one moment, as a small JSON file a
//! monitor, sponsor or auditor keeps. Whoever holds it can later prove that the database still
//! contains and extends every one of those heads (docs/ledger.md, "Receipts").

use super::{Checkpoint, verify_checkpoint};
use crate::time::Timestamp;
use ed25519_dalek::VerifyingKey;
use serde::{Deserialize, Serialize};

pub const RECEIPT_FORMAT: &str = "catalyst-ledger-receipt/1";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Receipt {
    pub format: String,
    pub issued_at: Timestamp,
    /// Each chain's head with the signature its commit made.
    pub heads: Vec<Checkpoint>,
}

impl Receipt {
    /// A receipt over `heads`, refusing any head that no trusted key signed: a receipt must never
    /// vouch for an entry the server did not write.
    pub fn issue(issued_at: Timestamp, heads: Vec<Checkpoint>, trusted: &[VerifyingKey]) -> Result<Self, String> {
        for head in &heads {
            verify_checkpoint(head, trusted)
                .map_err(|problem| format!("chain {} head (entry {}): {problem}", head.chain, head.seq))?;
        }
        Ok(Self { format: RECEIPT_FORMAT.to_owned(), issued_at, heads })
    }

    /// Reads a receipt file's text, refusing other formats and duplicate chains.
    pub fn parse(text: &str) -> Result<Self, String> {
        let receipt: Self = serde_json::from_str(text).map_err(|e| format!("not a Catalyst receipt: {e}"))?;
        if receipt.format != RECEIPT_FORMAT {
            return Err(format!("format is {:?}; this verifier reads {RECEIPT_FORMAT:?}", receipt.format));
        }
        let mut chains: Vec<&str> = receipt.heads.iter().map(|h| h.chain.as_str()).collect();
        chains.sort_unstable();
        if let Some(pair) = chains.windows(2).find(|w| w[0] == w[1]) {
            return Err(format!("chain {} appears twice", pair[0]));
        }
        Ok(receipt)
    }
}
