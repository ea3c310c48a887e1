//! The people capability's API bodies: sites, accounts and grants, participants. They are the
//! public contract, kept apart from the storage records so either can change without silently
//! changing the other.

use crate::capabilities::people::domain::{Participant, RoleGrant, Site, User};
use catalyst_core::policy::{Action, Actor, Resource};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

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
            created_at: s.created_at.to_rfc3339(),
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
            granted_at: g.granted_at.to_rfc3339(),
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
            created_at: u.created_at.to_rfc3339(),
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
pub struct UserStatusBody {
    /// `active` or `disabled`.
    pub status: String,
    pub reason: String,
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
            created_at: p.created_at.to_rfc3339(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ParticipantPage {
    pub items: Vec<ParticipantView>,
    /// Pass as `after` to fetch the next page; absent on the last page.
    pub next_after: Option<i64>,
}
