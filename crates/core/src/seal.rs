//! Row seals: HMAC-SHA256 (RFC 2104) with a server secret kept outside the database, over the
//! rows that decide who someone is and what they may do (sessions, password hashes, accounts and
//! role grants). Someone who can write the database but does not hold the secret cannot mint a
//! session, swap a password hash or slip in a role grant that the server would honour, even for a
//! moment: the ledger's signatures prove what the server wrote, and seals stop it from being
//! tricked into writing under a borrowed identity.

use sha2::{Digest, Sha256};

const BLOCK: usize = 64;

/// HMAC-SHA256 of `message` under `key`, lowercase hex.
pub fn hmac_sha256(key: &[u8], message: &[u8]) -> String {
    let mut block = [0u8; BLOCK];
    if key.len() > BLOCK {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let mut inner = Sha256::new();
    inner.update(block.map(|b| b ^ 0x36));
    inner.update(message);
    let mut outer = Sha256::new();
    outer.update(block.map(|b| b ^ 0x5c));
    outer.update(inner.finalize());
    hex::encode(outer.finalize())
}

/// The seal of one sealed value: what it is (`purpose`, e.g. `session` or `role_grant`), which
/// record, and its exact stored text, each length-prefixed so no two inputs share an encoding.
pub fn seal(secret: &[u8; 32], purpose: &str, id: &str, value: &str) -> String {
    let mut message = Vec::with_capacity(purpose.len() + id.len() + value.len() + 32);
    message.extend_from_slice(b"CATALYST-SEAL-V1\n");
    for part in [purpose, id, value] {
        message.extend_from_slice(&u32::try_from(part.len()).unwrap_or(u32::MAX).to_be_bytes());
        message.extend_from_slice(part.as_bytes());
    }
    hmac_sha256(secret, &message)
}

/// Whether `stored` is the seal of the value, compared in constant time.
pub fn seal_matches(secret: &[u8; 32], purpose: &str, id: &str, value: &str, stored: &str) -> bool {
    let expected = seal(secret, purpose, id, value);
    expected.len() == stored.len() && expected.bytes().zip(stored.bytes()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_matches_rfc_4231_test_cases() {
        assert_eq!(
            hmac_sha256(b"Jefe", b"what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        // Test case 6: a key longer than the block is hashed first.
        assert_eq!(
            hmac_sha256(&[0xaa; 131], b"Test Using Larger Than Block-Size Key - Hash Key First"),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        );
    }

    #[test]
    fn a_seal_binds_purpose_record_and_value() {
        let secret = [7u8; 32];
        let s = seal(&secret, "role_grant", "g1", "{\"role\":\"therapist\"}");
        assert!(seal_matches(&secret, "role_grant", "g1", "{\"role\":\"therapist\"}", &s));
        assert!(!seal_matches(&secret, "role_grant", "g1", "{\"role\":\"administrator\"}", &s));
        assert!(!seal_matches(&secret, "role_grant", "g2", "{\"role\":\"therapist\"}", &s));
        assert!(!seal_matches(&secret, "session", "g1", "{\"role\":\"therapist\"}", &s));
        assert!(!seal_matches(&[8u8; 32], "role_grant", "g1", "{\"role\":\"therapist\"}", &s));
        assert_ne!(seal(&secret, "ab", "c", ""), seal(&secret, "a", "bc", ""));
    }
}
