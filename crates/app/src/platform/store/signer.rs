//! The server's ledger signing key, the public keys it trusts, and the heads it has vouched for.

use catalyst_core::ledger::{Checkpoint, sign_checkpoint, verify_checkpoint};
use catalyst_core::time::Timestamp;
use ed25519_dalek::{SigningKey, VerifyingKey};
use std::collections::HashMap;
use std::sync::Mutex;

/// Signs the new head of every chain a commit wrote, and checks, before extending a chain, that
/// its head carries a trusted signature: the server never extends (and so never vouches for) an
/// entry it did not write.
pub struct LedgerSigner {
    key: SigningKey,
    /// Keys the HMAC seals over sessions, credentials, accounts, grants and portal links.
    seal_secret: [u8; 32],
    trusted: Vec<VerifyingKey>,
    /// The newest head of each chain this process wrote or verified, so the common case costs no
    /// signature check and a head that moves backwards (a truncation or a restored copy) is caught.
    known_heads: Mutex<HashMap<String, (i64, String)>>,
}

impl LedgerSigner {
    /// Signs with `key`; trusts its own public key and `also_trusted` (other server instances'
    /// keys, and keys retired by a rotation); seals with `seal_secret` (shared by every instance).
    pub fn new(key: SigningKey, also_trusted: Vec<VerifyingKey>, seal_secret: [u8; 32]) -> Self {
        let mut trusted = vec![key.verifying_key()];
        for k in also_trusted {
            if !trusted.contains(&k) {
                trusted.push(k);
            }
        }
        Self { key, seal_secret, trusted, known_heads: Mutex::new(HashMap::new()) }
    }

    pub(crate) fn seal(&self, purpose: &str, id: &str, value: &str) -> String {
        catalyst_core::seal::seal(&self.seal_secret, purpose, id, value)
    }

    pub(crate) fn seal_matches(&self, purpose: &str, id: &str, value: &str, stored: Option<&str>) -> bool {
        stored.is_some_and(|s| catalyst_core::seal::seal_matches(&self.seal_secret, purpose, id, value, s))
    }

    pub fn public_key(&self) -> VerifyingKey {
        self.key.verifying_key()
    }

    pub fn trusted(&self) -> &[VerifyingKey] {
        &self.trusted
    }

    pub(crate) fn sign(&self, chain: &str, seq: i64, hash: &str, at: Timestamp) -> Checkpoint {
        sign_checkpoint(&self.key, chain, seq, hash, at)
    }

    pub(crate) fn verifies(&self, checkpoint: &Checkpoint) -> bool {
        verify_checkpoint(checkpoint, &self.trusted).is_ok()
    }

    pub(crate) fn known_head(&self, chain: &str) -> Option<(i64, String)> {
        self.known_heads.lock().unwrap_or_else(|e| e.into_inner()).get(chain).cloned()
    }

    pub(crate) fn remember(&self, chain: &str, seq: i64, hash: &str) {
        let mut heads = self.known_heads.lock().unwrap_or_else(|e| e.into_inner());
        let newer = heads.get(chain).is_none_or(|(known, _)| seq >= *known);
        if newer {
            heads.insert(chain.to_owned(), (seq, hash.to_owned()));
        }
    }
}

impl std::fmt::Debug for LedgerSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LedgerSigner")
            .field("public_key", &hex::encode(self.public_key().as_bytes()))
            .finish_non_exhaustive()
    }
}
