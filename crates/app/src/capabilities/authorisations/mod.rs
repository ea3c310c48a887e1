//! Authorisations: the approvals and registrations under which MDMA may be given at a site
//! (ethics approval, Authorised Prescriber, Special Access, IND, DEA registration, state
//! approvals and notices), the rule by jurisdiction of which must be in force, the gate other
//! capabilities ask, and the warnings before they lapse.

pub(crate) mod api;
mod dashboard;
mod demo;
pub mod domain;
pub(crate) mod interface;
mod migrations;
pub(crate) mod pages;
mod queries;
pub mod readiness;
mod readiness_pages;
pub mod reports;
pub mod usecases;

use crate::platform::capability::{AttachSite, AttachableKind, Capability, SignableKind, SitePage};
use catalyst_core::esign::Meaning;
use catalyst_core::policy::Action;

pub static CAPABILITY: Capability = Capability {
    name: "authorisations",
    tables: &[
        &domain::AUTHORISATIONS,
        &domain::reports::REPORT_SUBMISSIONS,
        &domain::readiness::READINESS_SIGNOFFS,
    ],
    migrations: migrations::MIGRATIONS,
    api: api::routes,
    pages: pages::routes,
    dashboard: dashboard::SECTIONS,
    site_pages: &[
        SitePage { path: "authorisations", label: "Authorisations", action: Action::ViewAuthorisations },
        SitePage { path: "reports", label: "Reports owed", action: Action::ViewAuthorisations },
        SitePage { path: "readiness", label: "Readiness", action: Action::ViewAuthorisations },
    ],
    participant_pages: &[],
    nav: &[],
    signable: &[
        // The site lead confirms an authorisation by signing it (meaning: approval).
        SignableKind {
            spec: &domain::AUTHORISATIONS,
            participant_column: "participant_id",
            sign_also_requires: Some(Action::ManageAuthorisations),
            view_requires: Action::ViewAuthorisations,
            meanings: &[Meaning::Approval, Meaning::Review],
        },
        // A site's record: signed as it is made, by whoever manages readiness.
        SignableKind {
            spec: &domain::readiness::READINESS_SIGNOFFS,
            participant_column: "participant_id",
            sign_also_requires: Some(Action::ManageReadiness),
            view_requires: Action::ViewAuthorisations,
            meanings: &[Meaning::Review],
        },
    ],
    // The approval letter, the registration certificate: attached by the site lead.
    attachable: &[AttachableKind {
        spec: &domain::AUTHORISATIONS,
        site: AttachSite::Column("site_id"),
        participant_column: Some("participant_id"),
        attach_requires: Action::ManageAuthorisations,
        view_requires: Action::ViewAuthorisations,
    }],
    demo: Some(demo::seed),
    verify_derived: None,
};
