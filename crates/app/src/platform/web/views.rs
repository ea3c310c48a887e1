//! The API's request and response bodies. They are the public contract, kept apart from the
//! storage records so either can change without silently changing the other.

use catalyst_core::esign::ESignature;
use catalyst_core::ledger::Entry;
use catalyst_core::policy::Actor;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginBody {
    pub username: String,
    pub password: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TokenView {
    pub token: String,
    pub token_type: &'static str,
    /// RFC 3339, UTC.
    pub expires_at: String,
    pub user: MeView,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct GrantView {
    pub role: String,
    /// Absent for a grant that covers every site.
    pub site_id: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MeView {
    pub user_id: String,
    pub display_name: String,
    pub roles: Vec<GrantView>,
}

impl From<&Actor> for MeView {
    fn from(actor: &Actor) -> Self {
        Self {
            user_id: actor.user_id.clone(),
            display_name: actor.display_name.clone(),
            roles: actor
                .grants
                .iter()
                .map(|g| GrantView { role: g.role.to_string(), site_id: g.site_id.clone() })
                .collect(),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReasonBody {
    pub reason: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordBody {
    pub current_password: String,
    pub new_password: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CountView {
    pub count: u64,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignBody {
    /// Kind of record, e.g. `participant`.
    pub entity_kind: String,
    pub entity_id: String,
    /// One of authorship, review, approval, witness, responsibility.
    pub meaning: String,
    /// The signer's password, re-entered for this signature.
    pub password: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SignatureView {
    pub id: String,
    pub signer_id: String,
    pub signer_name: String,
    pub meaning: String,
    pub entity_kind: String,
    pub entity_id: String,
    pub signed_at: String,
    /// Printed name, local date and time, and meaning (21 CFR 11.50).
    pub manifestation: String,
    /// False when the record was changed after it was signed.
    /// Absent for a viewer who may not see treatment (a blinded rater).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub record_unchanged: Option<bool>,
}

impl From<&crate::platform::esign::ShownSignature> for SignatureView {
    fn from(s: &crate::platform::esign::ShownSignature) -> Self {
        let sig: &ESignature = &s.signature;
        Self {
            id: sig.id.clone(),
            signer_id: sig.signer_id.clone(),
            signer_name: sig.signer_name.clone(),
            meaning: sig.meaning.to_string(),
            entity_kind: sig.entity_kind.clone(),
            entity_id: sig.entity_id.clone(),
            signed_at: sig.signed_at.to_rfc3339(),
            manifestation: s.manifestation.clone(),
            record_unchanged: s.record_unchanged,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EntryView {
    pub chain: String,
    pub seq: i64,
    pub at: String,
    /// The same instant as UTC microseconds (for paging with `before_us`).
    pub at_us: i64,
    pub zone: String,
    pub kind: String,
    pub actor_id: String,
    pub actor_name: String,
    pub action: String,
    pub entity_kind: String,
    pub entity_id: String,
    /// JSON text of the record before the change.
    pub before: Option<String>,
    /// JSON text of the record after the change, or the event's details.
    pub after: Option<String>,
    pub reason: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

impl From<&Entry> for EntryView {
    fn from(e: &Entry) -> Self {
        Self {
            chain: e.chain.clone(),
            seq: e.seq,
            at: e.at.to_rfc3339(),
            at_us: e.at.micros(),
            zone: e.zone.clone(),
            kind: e.kind.as_str().to_owned(),
            actor_id: e.actor_id.clone(),
            actor_name: e.actor_name.clone(),
            action: e.action.clone(),
            entity_kind: e.entity_kind.clone(),
            entity_id: e.entity_id.clone(),
            before: e.before.clone(),
            after: e.after.clone(),
            reason: e.reason.clone(),
            prev_hash: e.prev_hash.clone(),
            hash: e.hash.clone(),
        }
    }
}
