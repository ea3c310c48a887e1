//! The audit trail: verification, signed checkpoints and browsing the ledger.

use crate::App;
use crate::error::AppResult;
use catalyst_core::ledger::{AuditActor, Entry, SYSTEM_CHAIN, SigningKeyRecord, sign_checkpoint, site_chain};
use catalyst_core::policy::{Action, Actor, Resource, authorize};
use catalyst_store::audit::VerifyReport;
use catalyst_store::ledger::EntryFilter;
use ed25519_dalek::VerifyingKey;

/// Kinds whose values every auditor may read: the running of the system (sites, accounts,
/// grants, rooms, credentials, settings, consent documents, keys, logins, sessions, denials).
/// Everything else, including any kind added later and not listed here, is treated as a
/// clinical record and redacted for those who may not see treatment: the list fails closed.
const OPEN_KINDS: &[&str] = &[
    "site",
    "user",
    "role_grant",
    "room",
    "staff_credential",
    "setting",
    "consent_document",
    "signing_key",
    "login",
    "session",
    "access",
];

const REDACTED_VALUE: &str = r#"{"redacted":"clinical record; not shown to this role"}"#;
const REDACTED_REASON: &str = "(redacted: the reason for a change to a clinical record is not shown to this role)";

/// The values and the reason of clinical records are shown only to those who may see
/// treatment at the site (administrators and site-scoped auditors of other sites see who did
/// what and when, and the hashes, but neither the clinical content nor the free-text reason,
/// which may hold safety notes or why consent was withdrawn).
fn redact_for(actor: &Actor, mut entry: Entry) -> Entry {
    let site = entry.chain.strip_prefix("site:");
    let may_see = site.is_some_and(|site_id| App::may(actor, Action::ViewTreatment, Resource::Site { site_id }));
    let clinical = !OPEN_KINDS.contains(&entry.entity_kind.as_str());
    if clinical && !may_see {
        entry.before = entry.before.map(|_| REDACTED_VALUE.to_owned());
        entry.after = entry.after.map(|_| REDACTED_VALUE.to_owned());
        entry.reason = entry.reason.map(|_| REDACTED_REASON.to_owned());
    }
    entry
}

impl App {
    /// Verifies the whole ledger against the trusted checkpoint keys (by default, this
    /// server's own key).
    pub async fn verify_ledger(&self, actor: &Actor) -> AppResult<VerifyReport> {
        self.authorize(actor, Action::VerifyAudit, Resource::System).await?;
        Ok(self.store.verify_ledger(&[self.public_key()]).await?)
    }

    pub fn public_key(&self) -> VerifyingKey {
        self.signing_key().verifying_key()
    }

    /// Signs a checkpoint at the head of every chain that has moved since its last one.
    /// The key is registered in the system chain the first time it signs.
    pub async fn checkpoint(&self) -> AppResult<usize> {
        let key_id = hex::encode(self.public_key().as_bytes());
        if self.store.get::<SigningKeyRecord>(&key_id).await?.is_none() {
            let system = Self::system_chain_ref();
            let record =
                SigningKeyRecord { id: key_id.clone(), label: "checkpoint key".to_owned(), created_at: self.now() };
            let mut tx = self.begin(AuditActor::system("checkpoint"), std::slice::from_ref(&system)).await?;
            tx.insert(SYSTEM_CHAIN, "ledger.key_register", &record).await?;
            tx.commit().await?;
        }
        let signed_before = self.store.checkpoints().await?;
        let mut signed = 0;
        for head in self.store.chain_heads().await? {
            let already =
                signed_before.iter().any(|c| c.chain == head.chain && c.seq == head.seq && c.public_key == key_id);
            if already {
                continue;
            }
            let checkpoint = sign_checkpoint(self.signing_key(), &head.chain, head.seq, &head.hash, self.now());
            if self.store.insert_checkpoint(&checkpoint).await? {
                signed += 1;
            }
        }
        Ok(signed)
    }

    /// Ledger entries the actor may read, newest first (older than `before` when paging back): all chains for administrators and
    /// all-site monitors, otherwise the chains of the sites they audit.
    pub async fn ledger_entries(
        &self,
        actor: &Actor,
        site_id: Option<&str>,
        before: Option<catalyst_store::ledger::EntryCursor>,
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
                    let sites = self.store.list_sites().await?;
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
