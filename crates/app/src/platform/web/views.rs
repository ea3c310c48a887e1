//! The API's request and response bodies. They are the public contract, kept apart from the
//! storage records so either can change without silently changing the other.

use crate::capabilities::people::domain::{Participant, RoleGrant, Site, User};
use catalyst_core::esign::ESignature;
use catalyst_core::ledger::Entry;
use catalyst_core::policy::{Action, Actor, Resource};
use catalyst_core::time::Timestamp;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

fn rfc3339(t: Timestamp) -> String {
    t.to_rfc3339()
}

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
pub struct SiteBody {
    /// 2 to 8 capital letters or digits, e.g. `SYD`.
    pub code: String,
    pub name: String,
    /// IANA zone, e.g. `Australia/Sydney`.
    pub time_zone: String,
    /// ISO 3166 code, e.g. `US`, `CA`, `AU-VIC`.
    pub jurisdiction: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SiteUpdateBody {
    pub code: String,
    pub name: String,
    pub time_zone: String,
    pub jurisdiction: String,
    /// `active` or `closed`.
    pub status: String,
    /// Why the recorded data is changed (required).
    pub reason: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SiteView {
    pub id: String,
    pub code: String,
    pub name: String,
    pub time_zone: String,
    pub jurisdiction: String,
    pub status: String,
    pub created_at: String,
}

impl From<&Site> for SiteView {
    fn from(s: &Site) -> Self {
        Self {
            id: s.id.clone(),
            code: s.code.clone(),
            name: s.name.clone(),
            time_zone: s.time_zone.as_str().to_owned(),
            jurisdiction: s.jurisdiction.clone(),
            status: s.status.to_string(),
            created_at: rfc3339(s.created_at),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserBody {
    pub username: String,
    /// Printed name, shown on e-signatures.
    pub display_name: String,
    /// 10 to 128 characters.
    pub password: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RoleGrantView {
    pub id: String,
    pub role: String,
    pub site_id: Option<String>,
    pub granted_at: String,
}

impl From<&RoleGrant> for RoleGrantView {
    fn from(g: &RoleGrant) -> Self {
        Self {
            id: g.id.clone(),
            role: g.role.to_string(),
            site_id: g.site_id.clone(),
            granted_at: rfc3339(g.granted_at),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UserView {
    pub id: String,
    pub username: String,
    pub display_name: String,
    pub status: String,
    pub created_at: String,
    pub roles: Vec<RoleGrantView>,
}

impl UserView {
    pub fn new(u: &User, grants: &[RoleGrant]) -> Self {
        Self {
            id: u.id.clone(),
            username: u.username.clone(),
            display_name: u.display_name.clone(),
            status: u.status.to_string(),
            created_at: rfc3339(u.created_at),
            roles: grants.iter().map(RoleGrantView::from).collect(),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GrantBody {
    /// One of administrator, site_lead, therapist, physician, pharmacist, rater, monitor, participant.
    pub role: String,
    /// Omit for all sites (administrator, rater, monitor only).
    #[serde(default)]
    pub site_id: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReasonBody {
    pub reason: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserStatusBody {
    /// `active` or `disabled`.
    pub status: String,
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
pub struct ParticipantBody {
    /// Starting stage; `referred` when omitted.
    #[serde(default)]
    pub stage: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StageBody {
    pub stage: String,
    pub reason: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ParticipantView {
    pub id: String,
    pub site_id: String,
    pub code: String,
    pub serial: i64,
    /// Where the participant is in treatment; absent for blinded independent raters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stage: Option<String>,
    pub has_portal_account: bool,
    pub created_at: String,
}

impl ParticipantView {
    /// The participant as `actor` may see them: no treatment progress for a blinded rater.
    pub fn for_actor(p: &Participant, actor: &Actor) -> Self {
        let resource = Resource::Participant { site_id: &p.site_id, participant_id: &p.id };
        let show_treatment = crate::App::may(actor, Action::ViewTreatment, resource);
        Self {
            id: p.id.clone(),
            site_id: p.site_id.clone(),
            code: p.code.clone(),
            serial: p.serial,
            stage: show_treatment.then(|| p.stage.to_string()),
            has_portal_account: p.user_id.is_some(),
            created_at: rfc3339(p.created_at),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ParticipantPage {
    pub items: Vec<ParticipantView>,
    /// Pass as `after` to fetch the next page; absent on the last page.
    pub next_after: Option<i64>,
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
            signed_at: rfc3339(sig.signed_at),
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
            at: rfc3339(e.at),
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
