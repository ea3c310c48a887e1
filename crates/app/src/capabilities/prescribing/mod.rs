//! Prescribing: each dose of MDMA is prescribed by an authorised prescriber for named dosing
//! sessions of a participant's course, within the protocol's dose plan and the authorisations
//! in force, and signed; dispensing and administration point back to the prescription.

pub(crate) mod api;
pub mod domain;
mod demo;
pub(crate) mod interface;
mod migrations;
pub(crate) mod pages;
mod queries;
pub mod usecases;

use crate::platform::capability::{Capability, ParticipantPage, SignableKind};
use catalyst_core::esign::Meaning;
use catalyst_core::policy::Action;

pub static CAPABILITY: Capability = Capability {
    name: "prescribing",
    tables: &[&domain::PRESCRIPTIONS, &domain::DOSE_DECISIONS],
    migrations: migrations::MIGRATIONS,
    api: api::routes,
    pages: pages::routes,
    dashboard: &[],
    site_pages: &[],
    participant_pages: &[ParticipantPage { path: "prescriptions", label: "Prescriptions", any_of: &[Action::ViewPrescriptions] }],
    nav: &[],
    // Signed by the prescriber as it is written (authorship); another prescriber may only
    // countersign it (review, approval).
    signable: &[SignableKind {
        spec: &domain::PRESCRIPTIONS,
        participant_column: "participant_id",
        sign_also_requires: Some(Action::Prescribe),
        view_requires: Action::ViewPrescriptions,
        meanings: &[Meaning::Review, Meaning::Approval],
    },
    // Signed by the physician as it is recorded (approval); another may countersign (review).
    SignableKind {
        spec: &domain::DOSE_DECISIONS,
        participant_column: "participant_id",
        sign_also_requires: Some(Action::DecideDoseAbovePrescription),
        view_requires: Action::ViewPrescriptions,
        meanings: &[Meaning::Review],
    }],
    attachable: &[],
    demo: Some(demo::seed),
    verify_derived: None,
};
