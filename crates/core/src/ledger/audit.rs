//! The whole-ledger audit as a pure state machine: the store feeds it every chain's entries (the
//! system chain first) with the signatures stored beside them, and it decides what holds.
//!
//! What it proves, with the trusted public keys given by the auditor (never taken from the
//! database):
//! - every chain recomputes, link by link;
//! - every entry is covered by a valid signature of a trusted key: the newest entry of each chain
//!   carries one (each commit signs the heads it wrote), and the hash chain covers the rest;
//! - no signature is invalid, untrusted, or vouches for an entry that is not there;
//! - every chain the system chain says was opened still exists, no chain exists that was never
//!   opened, and every chain still contains each head that the system chain's head records and
//!   the auditor's receipt vouch for (so a rewritten, truncated or rolled-back chain is named);
//! - replaying the changes rebuilds exactly the live tables (done by [`StateRebuild`]).

use super::receipt::Receipt;
use super::{
    ChainVerifier, Checkpoint, Entry, EntryKind, Fault, SYSTEM_CHAIN, StateMismatch, StateRebuild, verify_checkpoint,
};
use ed25519_dalek::VerifyingKey;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// Recorded in the system chain the first time any other chain is written to.
pub const CHAIN_OPEN: &str = "ledger.chain_open";
/// Recorded in the system chain by the checkpoint job: the verified heads of the other chains.
pub const HEADS_RECORDED: &str = "ledger.heads";
/// Recorded in the system chain, signed by the old key, when the signing key is replaced.
pub const KEY_ROTATE: &str = "ledger.key_rotate";

#[derive(Debug, Clone, Serialize)]
pub struct ChainReport {
    pub chain: String,
    pub entries: i64,
    pub head_hash: String,
    /// Commit signatures that verified under a trusted key.
    pub checkpoints_verified: usize,
    /// Entries after the newest valid signature; anything but 0 is a failure.
    pub unsigned_tail: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct VerifyReport {
    pub ok: bool,
    pub chains: Vec<ChainReport>,
    pub records_compared: usize,
    /// The first failing entry of each broken chain.
    pub chain_faults: Vec<Fault>,
    /// Signatures that are invalid, untrusted, missing or vouch for something else.
    pub checkpoint_faults: Vec<String>,
    /// Chains missing, truncated or rewritten against the system chain's records or a receipt.
    pub history_faults: Vec<String>,
    pub state_mismatches: Vec<StateMismatch>,
    pub warnings: Vec<String>,
}

/// A head some trusted source says a chain once had.
#[derive(Debug, Clone)]
struct Expected {
    seq: i64,
    hash: String,
    source: String,
}

#[derive(Debug)]
struct Open {
    verifier: ChainVerifier,
    fault: Option<Fault>,
    verified_signatures: usize,
    last_signed: i64,
    expected: Vec<Expected>,
    /// Indexes into `expected` that have been matched against an entry.
    met: BTreeSet<usize>,
}

#[derive(Debug)]
pub struct LedgerAudit {
    trusted: Vec<VerifyingKey>,
    /// Heads vouched for by the receipt, per chain.
    expected: BTreeMap<String, Vec<Expected>>,
    /// The newest head the system chain's head records give for each chain (records only ever
    /// move a chain forward, which is checked, so the newest one implies the others).
    recorded: BTreeMap<String, Expected>,
    /// The receipt's system-chain head and chains, to check that it leaves none out.
    receipt_scope: Option<(i64, BTreeSet<String>)>,
    /// Chain name -> the system entry that opened it.
    opened: BTreeMap<String, i64>,
    seen: BTreeSet<String>,
    rebuild: StateRebuild,
    open: Option<(String, Open)>,
    chains: Vec<ChainReport>,
    chain_faults: Vec<Fault>,
    checkpoint_faults: Vec<String>,
    history_faults: Vec<String>,
    warnings: Vec<String>,
}

impl LedgerAudit {
    /// Starts an audit trusting `trusted` (and keys they rotate to); a receipt adds the heads it
    /// vouches for, each of which must itself be signed by a trusted key.
    pub fn new(trusted: Vec<VerifyingKey>, receipt: Option<&Receipt>) -> Self {
        let mut audit = Self {
            trusted,
            expected: BTreeMap::new(),
            recorded: BTreeMap::new(),
            receipt_scope: None,
            opened: BTreeMap::new(),
            seen: BTreeSet::new(),
            rebuild: StateRebuild::new(),
            open: None,
            chains: Vec::new(),
            chain_faults: Vec::new(),
            checkpoint_faults: Vec::new(),
            history_faults: Vec::new(),
            warnings: Vec::new(),
        };
        if audit.trusted.is_empty() {
            audit.checkpoint_faults.push("no trusted public key was given: nothing can be verified".to_owned());
        }
        if let Some(receipt) = receipt {
            let source = format!("the receipt issued at {}", receipt.issued_at.to_rfc3339());
            match receipt.heads.iter().find(|h| h.chain == SYSTEM_CHAIN) {
                Some(system) => {
                    let chains = receipt.heads.iter().map(|h| h.chain.clone()).collect();
                    audit.receipt_scope = Some((system.seq, chains));
                }
                None => audit.checkpoint_faults.push(format!("{source} holds no head of the system chain")),
            }
            for head in &receipt.heads {
                match verify_checkpoint(head, &audit.trusted) {
                    Ok(()) => audit.expect(&head.chain, head.seq, &head.hash, source.clone()),
                    Err(problem) => audit
                        .checkpoint_faults
                        .push(format!("{source}: its head of chain {} (entry {}): {problem}", head.chain, head.seq)),
                }
            }
        }
        audit
    }

    pub fn warn(&mut self, warning: String) {
        self.warnings.push(warning);
    }

    fn expect(&mut self, chain: &str, seq: i64, hash: &str, source: String) {
        self.expected.entry(chain.to_owned()).or_default().push(Expected { seq, hash: hash.to_owned(), source });
    }

    fn record_head(&mut self, chain: &str, seq: i64, hash: &str, source: &str) {
        if let Some(previous) = self.recorded.get(chain)
            && (seq < previous.seq || (seq == previous.seq && hash != previous.hash))
        {
            self.history_faults.push(format!(
                "{source}: chain {chain} goes back from entry {} ({}) to entry {seq}",
                previous.seq, previous.source
            ));
            return;
        }
        self.recorded.insert(chain.to_owned(), Expected { seq, hash: hash.to_owned(), source: source.to_owned() });
    }

    /// Starts a chain. The system chain must come first: it says which chains exist, which heads
    /// they had and which keys were rotated to.
    pub fn begin_chain(&mut self, chain: &str) {
        self.close_open_chain();
        if chain != SYSTEM_CHAIN && !self.seen.contains(SYSTEM_CHAIN) {
            self.warnings.push(format!("chain {chain} was audited before the system chain"));
        }
        self.seen.insert(chain.to_owned());
        let mut expected = self.expected.remove(chain).unwrap_or_default();
        expected.extend(self.recorded.remove(chain));
        self.open = Some((
            chain.to_owned(),
            Open {
                verifier: ChainVerifier::new(chain),
                fault: None,
                verified_signatures: 0,
                last_signed: 0,
                expected,
                met: BTreeSet::new(),
            },
        ));
    }

    /// One entry of the open chain, with every signature stored at its position.
    pub fn push(&mut self, entry: &Entry, signatures: &[Checkpoint]) {
        let Some((chain, open)) = self.open.as_mut() else {
            self.warnings.push(format!("entry {} of chain {} pushed outside a chain", entry.seq, entry.chain));
            return;
        };
        if open.fault.is_some() {
            return;
        }
        if let Err(fault) = open.verifier.push(entry).and_then(|()| self.rebuild.apply(entry)) {
            open.fault = Some(fault);
            return;
        }
        let mut signed_by_trusted = false;
        for signature in signatures {
            if signature.hash != entry.hash {
                self.checkpoint_faults.push(format!(
                    "chain {chain} entry {}: hash differs from the checkpoint signed at {}",
                    entry.seq,
                    signature.signed_at.to_rfc3339()
                ));
            } else if let Err(problem) = verify_checkpoint(signature, &self.trusted) {
                self.checkpoint_faults.push(format!("chain {chain} checkpoint at entry {}: {problem}", entry.seq));
            } else {
                open.verified_signatures += 1;
                open.last_signed = entry.seq;
                signed_by_trusted = true;
            }
        }
        for (i, expected) in open.expected.iter().enumerate() {
            if expected.seq == entry.seq {
                open.met.insert(i);
                if expected.hash != entry.hash {
                    self.history_faults.push(format!(
                        "chain {chain} entry {}: differs from the entry {} vouches for (rewritten)",
                        entry.seq, expected.source
                    ));
                }
            }
        }
        if chain == SYSTEM_CHAIN && entry.kind == EntryKind::Event {
            self.read_system_event(entry, signed_by_trusted);
        }
    }

    fn read_system_event(&mut self, entry: &Entry, signed_by_trusted: bool) {
        let Ok(Some(details)) = entry.after_row() else { return };
        match entry.action.as_str() {
            CHAIN_OPEN => {
                self.opened.insert(entry.entity_id.clone(), entry.seq);
            }
            HEADS_RECORDED => {
                let source = format!("the head record at system entry {}", entry.seq);
                let heads = details.get("heads").and_then(|h| h.as_object()).cloned().unwrap_or_default();
                for (chain, head) in heads {
                    let seq = head.get("seq").and_then(serde_json::Value::as_i64);
                    let hash = head.get("hash").and_then(serde_json::Value::as_str);
                    match (seq, hash) {
                        (Some(seq), Some(hash)) if seq >= 1 => self.record_head(&chain, seq, hash, &source),
                        _ => self.history_faults.push(format!("{source}: the head of chain {chain} is malformed")),
                    }
                }
            }
            KEY_ROTATE => {
                let to = details.get("to").and_then(|v| v.as_str()).and_then(parse_key);
                match (to, signed_by_trusted) {
                    (Some(key), true) => self.trusted.push(key),
                    (Some(_), false) => self
                        .checkpoint_faults
                        .push(format!("system entry {}: a key rotation that no trusted key signed", entry.seq)),
                    (None, _) => self
                        .checkpoint_faults
                        .push(format!("system entry {}: a key rotation without a valid new key", entry.seq)),
                }
            }
            _ => {}
        }
    }

    /// Ends the open chain: `recorded_head` is what the heads table says, `beyond` the
    /// signatures stored for positions after the chain's last entry.
    pub fn end_chain(&mut self, recorded_head: Option<(i64, String)>, beyond: &[Checkpoint]) {
        let Some((chain, open)) = self.open.take() else { return };
        let (mut head_seq, head_hash) = open.verifier.head();
        let head_hash = head_hash.to_owned();
        if let Some(fault) = &open.fault {
            head_seq = fault.seq - 1;
        }
        for signature in beyond {
            self.checkpoint_faults.push(format!(
                "chain {chain}: a checkpoint vouches for entry {}, but the chain ends at {head_seq} (entries removed)",
                signature.seq
            ));
        }
        for (i, expected) in open.expected.iter().enumerate() {
            if !open.met.contains(&i) && expected.seq > head_seq {
                self.history_faults.push(format!(
                    "chain {chain}: {} vouches for entry {}, but the chain ends at {head_seq} (truncated or rolled back)",
                    expected.source, expected.seq
                ));
            }
        }
        if open.fault.is_none() {
            if head_seq > open.last_signed {
                self.checkpoint_faults.push(format!(
                    "chain {chain}: entries {}..{head_seq} are not covered by a trusted signature \
                     (written outside Catalyst, or their signatures were removed)",
                    open.last_signed + 1
                ));
            }
            if recorded_head.is_none() && head_seq > 0 {
                self.chain_faults.push(Fault {
                    chain: chain.clone(),
                    seq: head_seq,
                    problem: "the chain has entries but no recorded head (its row in ledger_heads was removed)"
                        .to_owned(),
                });
            }
            if let Some((seq, hash)) = recorded_head
                && (seq != head_seq || hash != head_hash)
            {
                self.chain_faults.push(Fault {
                    chain: chain.clone(),
                    seq,
                    problem: format!(
                        "the recorded head (entry {seq}) does not match the chain, which ends at entry {head_seq}"
                    ),
                });
            }
        }
        self.chains.push(ChainReport {
            chain: chain.clone(),
            entries: head_seq,
            head_hash,
            checkpoints_verified: open.verified_signatures,
            unsigned_tail: head_seq - open.last_signed,
        });
        if let Some(fault) = open.fault {
            self.chain_faults.push(fault);
        }
    }

    fn close_open_chain(&mut self) {
        if self.open.is_some() {
            self.end_chain(None, &[]);
        }
    }

    /// Whether the rebuilt state can be compared with the live tables (no chain is broken).
    pub fn state_is_trustworthy(&self) -> bool {
        self.chain_faults.is_empty()
    }

    pub fn rebuild(&self) -> &StateRebuild {
        &self.rebuild
    }

    /// Final checks across chains. `mismatches` come from comparing the live tables with
    /// [`LedgerAudit::rebuild`] (empty when that comparison was skipped).
    pub fn finish(mut self, state_mismatches: Vec<StateMismatch>) -> VerifyReport {
        self.close_open_chain();
        if !self.seen.contains(SYSTEM_CHAIN) && !self.opened.is_empty() {
            self.history_faults.push("the system chain is missing".to_owned());
        }
        for (chain, opened_at) in &self.opened {
            if !self.seen.contains(chain) {
                self.history_faults.push(format!(
                    "chain {chain} was opened at system entry {opened_at} but is missing from the database"
                ));
            }
        }
        for chain in &self.seen {
            if chain != SYSTEM_CHAIN && !self.opened.contains_key(chain) {
                self.history_faults.push(format!("chain {chain} exists but the system chain never opened it"));
            }
        }
        if let Some((system_seq, chains)) = &self.receipt_scope {
            for (chain, opened_at) in &self.opened {
                if opened_at <= system_seq && !chains.contains(chain) {
                    self.history_faults.push(format!(
                        "the receipt leaves out chain {chain}, which system entry {opened_at} opened before the receipt"
                    ));
                }
            }
        }
        if self.seen.is_empty() {
            self.warnings.push("the ledger is empty: there is nothing to verify".to_owned());
        }
        let recorded: Vec<(String, Expected)> = std::mem::take(&mut self.recorded).into_iter().collect();
        for (chain, e) in recorded {
            self.expected.entry(chain).or_default().push(e);
        }
        for (chain, expected) in &self.expected {
            for e in expected {
                self.history_faults.push(format!(
                    "chain {chain}: {} vouches for entry {}, but the chain is missing from the database",
                    e.source, e.seq
                ));
            }
        }
        if !self.chain_faults.is_empty() {
            self.warnings
                .push("state comparison skipped: a chain is broken, so the rebuilt state cannot be trusted".to_owned());
        }
        let ok = self.chain_faults.is_empty()
            && self.checkpoint_faults.is_empty()
            && self.history_faults.is_empty()
            && state_mismatches.is_empty();
        VerifyReport {
            ok,
            chains: self.chains,
            records_compared: self.rebuild.record_count(),
            chain_faults: self.chain_faults,
            checkpoint_faults: self.checkpoint_faults,
            history_faults: self.history_faults,
            state_mismatches,
            warnings: self.warnings,
        }
    }
}

/// An Ed25519 public key from 64 hex characters.
pub fn parse_key(hex_key: &str) -> Option<VerifyingKey> {
    let bytes: [u8; 32] = hex::decode(hex_key.trim()).ok()?.try_into().ok()?;
    VerifyingKey::from_bytes(&bytes).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::{AuditActor, PendingEntry, sign_checkpoint};
    use crate::record::Row;
    use crate::time::Timestamp;
    use ed25519_dalek::SigningKey;

    fn key(n: u8) -> SigningKey {
        SigningKey::from_bytes(&[n; 32])
    }

    fn event(chain: &str, action: &str, entity_id: &str, details: serde_json::Value) -> PendingEntry {
        let serde_json::Value::Object(after) = details else { panic!("details must be an object") };
        PendingEntry {
            chain: chain.into(),
            kind: EntryKind::Event,
            actor: AuditActor::system("test"),
            action: action.into(),
            entity_kind: "test".into(),
            entity_id: entity_id.into(),
            before: None,
            after: Some(after as Row),
            reason: None,
        }
    }

    /// Seals `pending` into a chain, each entry signed by `signer` (one commit each).
    fn chain(pending: Vec<PendingEntry>, signer: &SigningKey) -> Vec<(Entry, Vec<Checkpoint>)> {
        let mut prev = crate::ledger::GENESIS_HASH.to_owned();
        let mut out = Vec::new();
        for (i, p) in pending.into_iter().enumerate() {
            let seq = i as i64 + 1;
            let entry = p.seal(seq, Timestamp(seq), "UTC", &prev);
            prev = entry.hash.clone();
            let signature = sign_checkpoint(signer, &entry.chain, seq, &entry.hash, Timestamp(seq));
            out.push((entry, vec![signature]));
        }
        out
    }

    fn run(audit: &mut LedgerAudit, name: &str, entries: &[(Entry, Vec<Checkpoint>)]) {
        audit.begin_chain(name);
        for (entry, signatures) in entries {
            audit.push(entry, signatures);
        }
        let head = entries.last().map(|(e, _)| (e.seq, e.hash.clone()));
        audit.end_chain(head, &[]);
    }

    fn opening(chain_name: &str) -> PendingEntry {
        event(SYSTEM_CHAIN, CHAIN_OPEN, chain_name, serde_json::json!({"chain": chain_name}))
    }

    #[test]
    fn a_fully_signed_ledger_passes_and_an_unsigned_newest_entry_fails() {
        let system = chain(vec![opening("site:a")], &key(1));
        let mut site = chain(vec![event("site:a", "x", "1", serde_json::json!({})); 3], &key(1));
        let mut audit = LedgerAudit::new(vec![key(1).verifying_key()], None);
        run(&mut audit, SYSTEM_CHAIN, &system);
        run(&mut audit, "site:a", &site);
        assert!(audit.finish(Vec::new()).ok);

        site[2].1.clear();
        let mut audit = LedgerAudit::new(vec![key(1).verifying_key()], None);
        run(&mut audit, SYSTEM_CHAIN, &system);
        run(&mut audit, "site:a", &site);
        let report = audit.finish(Vec::new());
        assert!(!report.ok);
        assert!(report.checkpoint_faults[0].contains("entries 3..3 are not covered"), "{report:?}");
    }

    #[test]
    fn a_rotation_signed_by_a_trusted_key_extends_trust_and_an_unsigned_one_does_not() {
        let rotate = event(
            SYSTEM_CHAIN,
            KEY_ROTATE,
            "k2",
            serde_json::json!({"from": hex::encode(key(1).verifying_key().as_bytes()), "to": hex::encode(key(2).verifying_key().as_bytes())}),
        );
        let mut system = chain(vec![rotate, opening("site:a")], &key(1));
        // The commit after the rotation is signed by the new key.
        let entry = &system[1].0;
        system[1].1 = vec![sign_checkpoint(&key(2), &entry.chain, entry.seq, &entry.hash, Timestamp(9))];
        let mut audit = LedgerAudit::new(vec![key(1).verifying_key()], None);
        run(&mut audit, SYSTEM_CHAIN, &system);
        run(&mut audit, "site:a", &chain(vec![event("site:a", "x", "1", serde_json::json!({}))], &key(2)));
        let report = audit.finish(Vec::new());
        assert!(report.ok, "{report:?}");

        // The same rotation signed by the new key itself grants nothing.
        let entry = &system[0].0;
        system[0].1 = vec![sign_checkpoint(&key(2), &entry.chain, entry.seq, &entry.hash, Timestamp(9))];
        let mut audit = LedgerAudit::new(vec![key(1).verifying_key()], None);
        run(&mut audit, SYSTEM_CHAIN, &system);
        let report = audit.finish(Vec::new());
        assert!(report.checkpoint_faults.iter().any(|f| f.contains("a key rotation that no trusted key signed")));
    }

    #[test]
    fn opened_recorded_and_receipted_chains_must_all_be_there() {
        let site = chain(vec![event("site:a", "x", "1", serde_json::json!({})); 2], &key(1));
        let heads = event(
            SYSTEM_CHAIN,
            HEADS_RECORDED,
            SYSTEM_CHAIN,
            serde_json::json!({"heads": {"site:a": {"seq": 2, "hash": site[1].0.hash}}}),
        );
        let system = chain(vec![opening("site:a"), opening("site:b"), heads], &key(1));
        let mut audit = LedgerAudit::new(vec![key(1).verifying_key()], None);
        run(&mut audit, SYSTEM_CHAIN, &system);
        run(&mut audit, "site:a", &site[..1]);
        run(&mut audit, "site:c", &chain(vec![event("site:c", "x", "1", serde_json::json!({}))], &key(1)));
        let report = audit.finish(Vec::new());
        let faults = report.history_faults.join("\n");
        assert!(faults.contains("site:a: the head record at system entry 3 vouches for entry 2"), "{faults}");
        assert!(faults.contains("site:b was opened at system entry 2 but is missing"), "{faults}");
        assert!(faults.contains("site:c exists but the system chain never opened it"), "{faults}");
    }

    #[test]
    fn no_trusted_key_verifies_nothing() {
        let report = LedgerAudit::new(Vec::new(), None).finish(Vec::new());
        assert!(!report.ok);
    }
}
