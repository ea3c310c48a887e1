//! The audit trail: verification, signed checkpoints and browsing the ledger.

use crate::platform::capability::redaction_of;
use crate::platform::error::AppResult;
use crate::platform::store::audit::VerifyReport;
use crate::platform::store::ledger::EntryFilter;
use crate::{App, AppError};
use catalyst_core::DomainError;
use catalyst_core::ledger::audit::{HEADS_RECORDED, KEY_ROTATE};
use catalyst_core::ledger::receipt::Receipt;
use catalyst_core::ledger::{AuditActor, Checkpoint, Entry, GENESIS_HASH, SYSTEM_CHAIN, SigningKeyRecord, site_chain};
use catalyst_core::policy::{Action, Actor, Resource, authorize};
use catalyst_core::record::{Redaction, Row};
use ed25519_dalek::VerifyingKey;
use std::collections::BTreeMap;

const REDACTED_VALUE: &str = r#"{"redacted":"clinical record; not shown to this role"}"#;
const REDACTED_REASON: &str = "(redacted: the reason for a change to a clinical record is not shown to this role)";

/// The values and the reason of clinical records are shown only to those who may see
/// treatment at the site (administrators and site-scoped auditors of other sites see who did
/// what and when, and the hashes, but neither the clinical content nor the free-text reason,
/// which may hold safety notes or why consent was withdrawn).
fn redact_for(actor: &Actor, mut entry: Entry) -> Entry {
    let site = entry.chain.strip_prefix("site:");
    let may_see = site.is_some_and(|site_id| App::may(actor, Action::ViewTreatment, Resource::Site { site_id }));
    let hidden = match redaction_of(&entry.entity_kind) {
        Redaction::Open => false,
        Redaction::Clinical => !may_see,
        Redaction::ArmRevealing => true,
    };
    if hidden {
        entry.before = entry.before.map(|_| REDACTED_VALUE.to_owned());
        entry.after = entry.after.map(|_| REDACTED_VALUE.to_owned());
        entry.reason = entry.reason.map(|_| REDACTED_REASON.to_owned());
    }
    entry
}

/// What one run of the checkpoint job did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CheckpointOutcome {
    /// Chains whose new head was verified and recorded in the system chain.
    pub recorded: usize,
    /// Chains that failed verification: recorded as integrity alarms, never as heads.
    pub alarms: Vec<String>,
}

impl App {
    /// Verifies the whole ledger against this server's trusted keys.
    pub async fn verify_ledger(&self, actor: &Actor) -> AppResult<VerifyReport> {
        self.authorize(actor, Action::VerifyAudit, Resource::System).await?;
        Ok(self.store.verify_ledger(self.store.signer().trusted(), None).await?)
    }

    pub fn public_key(&self) -> VerifyingKey {
        self.store.signer().public_key()
    }

    /// The checkpoint job (every minute, at shutdown, after the demo, `catalyst audit
    /// checkpoint`): verifies what each chain gained since the last head record (every entry
    /// links and recomputes, and a trusted key signed the head) and records the verified heads in
    /// the system chain, so that a chain later truncated, rolled back or removed is named by
    /// `audit verify`. A chain that fails is recorded as an integrity alarm instead, never as a
    /// head: the server vouches only for what it wrote.
    pub async fn checkpoint(&self) -> AppResult<CheckpointOutcome> {
        self.register_signing_key().await?;
        let mut outcome = CheckpointOutcome::default();
        let mut recorded = BTreeMap::new();
        // The baseline is the newest head record only if it lies in the signed system chain: an
        // entry slipped in beside it must neither suppress an alarm nor be copied forward.
        if let Some(system) = self.store.chain_head(SYSTEM_CHAIN).await?
            && let Some(record) = self.store.last_heads_record(system.seq).await?
        {
            let segment = (record.seq - 1, record.prev_hash.as_str());
            match self.store.verify_segment(SYSTEM_CHAIN, segment, (system.seq, &system.hash)).await? {
                Ok(()) => recorded = record.heads,
                Err(problem) => outcome.alarms.push(format!(
                    "the head record at system entry {} is not part of the signed system chain: {problem}",
                    record.seq
                )),
            }
        }
        if !outcome.alarms.is_empty() {
            self.record_alarms(&outcome.alarms).await?;
            return Ok(outcome);
        }
        let table = self.store.chain_heads().await?;
        for head in self.store.newest_entries().await? {
            if head.chain == SYSTEM_CHAIN {
                continue;
            }
            if !table.iter().any(|t| t.chain == head.chain && t.seq == head.seq && t.hash == head.hash) {
                outcome.alarms.push(format!(
                    "chain {}: its newest entry ({}) is not its recorded head in ledger_heads",
                    head.chain, head.seq
                ));
                continue;
            }
            let last = recorded.get(&head.chain).cloned();
            if last.as_ref().is_some_and(|(seq, hash)| *seq == head.seq && *hash == head.hash) {
                continue;
            }
            let (from_seq, from_hash) = last.unwrap_or((0, GENESIS_HASH.to_owned()));
            match self.store.verify_segment(&head.chain, (from_seq, &from_hash), (head.seq, &head.hash)).await? {
                Ok(()) => {
                    recorded.insert(head.chain.clone(), (head.seq, head.hash.clone()));
                    outcome.recorded += 1;
                }
                Err(problem) => outcome.alarms.push(problem),
            }
        }
        if outcome.recorded == 0 && outcome.alarms.is_empty() {
            return Ok(outcome);
        }
        let system = Self::system_chain_ref();
        let mut tx = self.begin(AuditActor::system("checkpoint"), std::slice::from_ref(&system)).await?;
        Self::append_alarms(&mut tx, &outcome.alarms).await?;
        if outcome.recorded > 0 {
            let heads: serde_json::Map<String, serde_json::Value> = recorded
                .into_iter()
                .map(|(chain, (seq, hash))| (chain, serde_json::json!({"seq": seq, "hash": hash})))
                .collect();
            let mut details = Row::new();
            details.insert("heads".into(), serde_json::Value::Object(heads));
            tx.event(SYSTEM_CHAIN, HEADS_RECORDED, "ledger", SYSTEM_CHAIN, details).await?;
        }
        tx.commit().await?;
        for problem in &outcome.alarms {
            tracing::error!(%problem, "ledger integrity alarm");
        }
        Ok(outcome)
    }

    async fn record_alarms(&self, alarms: &[String]) -> AppResult<()> {
        for problem in alarms {
            tracing::error!(%problem, "ledger integrity alarm");
        }
        let system = Self::system_chain_ref();
        let mut tx = self.begin(AuditActor::system("checkpoint"), std::slice::from_ref(&system)).await?;
        Self::append_alarms(&mut tx, alarms).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn append_alarms(tx: &mut crate::platform::store::WriteTx, alarms: &[String]) -> AppResult<()> {
        for problem in alarms {
            let mut details = Row::new();
            details.insert("problem".into(), problem.clone().into());
            tx.event(SYSTEM_CHAIN, "ledger.integrity_alarm", "ledger", SYSTEM_CHAIN, details).await?;
        }
        Ok(())
    }

    /// Records this server's public key in the system chain the first time it signs, so the
    /// ledger itself lists which keys have signed (trust comes from configuration, not from here).
    async fn register_signing_key(&self) -> AppResult<()> {
        let key_id = hex::encode(self.public_key().as_bytes());
        if self.store.get::<SigningKeyRecord>(&key_id).await?.is_some() {
            return Ok(());
        }
        let system = Self::system_chain_ref();
        let record = SigningKeyRecord { id: key_id, label: "ledger signing key".to_owned(), created_at: self.now() };
        let mut tx = self.begin(AuditActor::system("checkpoint"), std::slice::from_ref(&system)).await?;
        tx.insert(SYSTEM_CHAIN, "ledger.key_register", &record).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Hands signing over to `next`: the rotation is recorded in the system chain and signed by
    /// the current key, which is how an auditor who trusts the old key comes to trust the new
    /// one. The caller then restarts with `next` and keeps the old public key as trusted.
    pub async fn rotate_signing_key(&self, next: &VerifyingKey, label: &str) -> AppResult<()> {
        let from = hex::encode(self.public_key().as_bytes());
        let to = hex::encode(next.as_bytes());
        if from == to {
            return Err(DomainError::invalid("key", "unchanged", "the new key is the key in use").into());
        }
        let system = Self::system_chain_ref();
        let mut tx = self.begin(AuditActor::system("key-rotation"), std::slice::from_ref(&system)).await?;
        let record = SigningKeyRecord { id: to.clone(), label: label.to_owned(), created_at: self.now() };
        tx.insert(SYSTEM_CHAIN, "ledger.key_register", &record).await?;
        let mut details = Row::new();
        details.insert("from".into(), from.clone().into());
        details.insert("to".into(), to.clone().into());
        // The rotation is the commit's last entry, so the old key's signature sits on it.
        tx.event(SYSTEM_CHAIN, KEY_ROTATE, "signing_key", &to, details).await?;
        tx.commit().await?;
        Ok(())
    }

    /// An outsider's receipt: every chain's head with the signature its commit made. Refused if
    /// a head carries no trusted signature (the receipt would vouch for a forgery).
    pub async fn receipt(&self, actor: &Actor) -> AppResult<Receipt> {
        self.authorize(actor, Action::VerifyAudit, Resource::System).await?;
        self.issue_receipt().await
    }

    /// [`App::receipt`] for the operator's command line, which holds the key already. Each head
    /// is the chain's newest entry as the ledger holds it, which must agree with `ledger_heads`
    /// and carry a trusted signature.
    pub async fn issue_receipt(&self) -> AppResult<Receipt> {
        let signer = self.store.signer();
        let newest = self.store.newest_entries().await?;
        let recorded = self.store.chain_heads().await?;
        let refuse = |problem: String| {
            AppError::Internal(format!("{problem}; no receipt is issued until `catalyst audit verify` passes"))
        };
        for head in &recorded {
            if !newest.iter().any(|n| n.chain == head.chain) {
                return Err(refuse(format!("chain {} has a recorded head but no entries", head.chain)));
            }
        }
        let mut heads: Vec<Checkpoint> = Vec::new();
        for entry in newest {
            let in_table = recorded.iter().find(|h| h.chain == entry.chain);
            if in_table.is_none_or(|h| h.seq != entry.seq || h.hash != entry.hash) {
                return Err(refuse(format!(
                    "chain {}: its newest entry ({}) is not its recorded head",
                    entry.chain, entry.seq
                )));
            }
            let signatures = self.store.signatures_at(&entry.chain, entry.seq).await?;
            let valid = signatures.into_iter().find(|c| {
                c.hash == entry.hash && catalyst_core::ledger::verify_checkpoint(c, signer.trusted()).is_ok()
            });
            match valid {
                Some(signature) => heads.push(signature),
                None => {
                    return Err(refuse(format!(
                        "chain {} (entry {}) carries no trusted signature",
                        entry.chain, entry.seq
                    )));
                }
            }
        }
        Receipt::issue(self.now(), heads, signer.trusted()).map_err(AppError::Internal)
    }

    /// Ledger entries the actor may read, newest first (older than `before` when paging back): all chains for administrators and
    /// all-site monitors, otherwise the chains of the sites they audit.
    pub async fn ledger_entries(
        &self,
        actor: &Actor,
        site_id: Option<&str>,
        before: Option<crate::platform::store::ledger::EntryCursor>,
        limit: i64,
    ) -> AppResult<Vec<Entry>> {
        let chains = match site_id {
            Some(site_id) => {
                self.authorize(actor, Action::ViewAuditTrail, Resource::Site { site_id }).await?;
                vec![site_chain(site_id)]
            }
            None => {
                if authorize(actor, Action::ViewAuditTrail, Resource::System).is_ok() {
                    Vec::new()
                } else {
                    let sites = self.all_sites().await?;
                    let allowed: Vec<String> = sites
                        .iter()
                        .filter(|s| authorize(actor, Action::ViewAuditTrail, Resource::Site { site_id: &s.id }).is_ok())
                        .map(|s| site_chain(&s.id))
                        .collect();
                    if allowed.is_empty() {
                        self.authorize(actor, Action::ViewAuditTrail, Resource::System).await?;
                    }
                    allowed
                }
            }
        };
        if !(1..=500).contains(&limit) {
            return Err(catalyst_core::DomainError::invalid("limit", "range", "limit must be between 1 and 500").into());
        }
        let entries = self.store.recent_entries(&EntryFilter { chains, entity: None, before, limit }).await?;
        Ok(entries.into_iter().map(|e| redact_for(actor, e)).collect())
    }

    /// The ledger history of one record at a site, newest first.
    pub async fn record_history(
        &self,
        actor: &Actor,
        site_id: &str,
        entity_kind: &str,
        entity_id: &str,
    ) -> AppResult<Vec<Entry>> {
        self.authorize(actor, Action::ViewAuditTrail, Resource::Site { site_id }).await?;
        let filter = EntryFilter {
            chains: vec![site_chain(site_id)],
            entity: Some((entity_kind.to_owned(), entity_id.to_owned())),
            before: None,
            limit: 200,
        };
        let entries = self.store.recent_entries(&filter).await?;
        Ok(entries.into_iter().map(|e| redact_for(actor, e)).collect())
    }
}
