//! People and access: sites, accounts and role grants, participants and their stage.

pub(crate) mod api;
mod dashboard;
pub(crate) mod demo;
pub mod domain;
mod migrations;
pub(crate) mod pages;
pub mod participants;
mod portal_accounts;
pub mod queries;
pub mod sites;
pub mod users;
mod verify;
pub(crate) mod interface;

use crate::platform::capability::{AttachSite, AttachableKind, Capability, NavEntry, SignableKind};
use catalyst_core::esign::Meaning;
use catalyst_core::policy::Action;

pub static CAPABILITY: Capability = Capability {
    name: "people",
    tables: &[&domain::SITES, &domain::USERS, &domain::ROLE_GRANTS, &domain::PARTICIPANTS],
    migrations: migrations::MIGRATIONS,
    api: api::routes,
    pages: pages::routes,
    dashboard: dashboard::SECTIONS,
    site_pages: &[],
    participant_pages: &[],
    nav: &[
        NavEntry { href: "/sites", label: "Sites", action: Action::ViewSite },
        NavEntry { href: "/users", label: "People", action: Action::ViewUsers },
    ],
    signable: &[SignableKind { spec: &domain::PARTICIPANTS, participant_column: "id", sign_also_requires: None, view_requires: Action::ViewParticipant, meanings: Meaning::ALL }],
    // Documents about a participant (an ECG, a referral) are clinical: attached by those who
    // may update the participant, read by those who may see their treatment (not a blinded rater).
    attachable: &[AttachableKind {
        spec: &domain::PARTICIPANTS,
        site: AttachSite::Column("site_id"),
        participant_column: Some("id"),
        attach_requires: Action::UpdateParticipant,
        view_requires: Action::ViewTreatment,
    }],
    demo: Some(demo::seed),
    verify_derived: Some(verify::stage_count_mismatches),
};

/// Whether any site exists (the demo seeds only an empty programme).
pub(crate) async fn has_any_site(app: &crate::App) -> crate::platform::error::AppResult<bool> {
    Ok(!app.store.list_sites().await?.is_empty())
}
