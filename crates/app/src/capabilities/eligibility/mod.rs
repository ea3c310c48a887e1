//! Eligibility: screening against cited criteria, the investigator's signed decision, consent.

pub(crate) mod api;
mod demo;
pub mod domain;
pub(crate) mod interface;
mod migrations;
pub(crate) mod pages;
mod queries;
pub(crate) mod screening_form;
pub mod usecases;

use crate::platform::capability::{Capability, SignableKind, ParticipantPage};
use catalyst_core::esign::Meaning;
use catalyst_core::policy::Action;

pub static CAPABILITY: Capability = Capability {
    name: "eligibility",
    tables: &[&domain::SCREENINGS, &domain::CONSENT_DOCUMENTS, &domain::CONSENTS],
    migrations: migrations::MIGRATIONS,
    api: api::routes,
    pages: pages::routes,
    dashboard: &[],
    site_pages: &[],
    participant_pages: &[
        ParticipantPage { path: "screening", label: "Screening and eligibility", any_of: &[Action::Screen] },
        ParticipantPage { path: "consent", label: "Consent", any_of: &[Action::Consent] },
    ],
    nav: &[],
    signable: &[
        SignableKind {
            spec: &domain::SCREENINGS,
            participant_column: "participant_id",
            sign_also_requires: Some(Action::ConfirmEligibility),
            view_requires: Action::ViewTreatment,
            meanings: Meaning::ALL,
        },
        SignableKind {
            spec: &domain::CONSENTS,
            participant_column: "participant_id",
            sign_also_requires: Some(Action::Consent),
            view_requires: Action::ViewTreatment,
            meanings: Meaning::ALL,
        },
    ],
    attachable: &[],
    demo: Some(demo::seed),
    verify_derived: None,
};
