//! Treatment: enrolment on a protocol, the course of visits, rooms and bookings, staff credentials, deviations.

pub(crate) mod api;
mod dashboard;
mod demo;
pub mod domain;
pub(crate) mod interface;
mod migrations;
pub(crate) mod pages;
mod queries;
pub mod usecases;

use catalyst_core::policy::Action;
use crate::platform::capability::{AttachSite, AttachableKind, Capability, ParticipantPage, SitePage};

pub static CAPABILITY: Capability = Capability {
    name: "treatment",
    tables: &[&domain::ENROLMENTS, &domain::ROOMS, &domain::APPOINTMENTS, &domain::STAFF_CREDENTIALS, &domain::DEVIATIONS],
    migrations: migrations::MIGRATIONS,
    api: api::routes,
    pages: pages::routes,
    dashboard: dashboard::SECTIONS,
    site_pages: &[
        SitePage { path: "calendar", label: "Calendar", action: Action::ViewSchedule },
        SitePage { path: "deviations", label: "Deviations", action: Action::ViewDeviations },
        SitePage { path: "credentials", label: "Therapist credentials", action: Action::ViewCredentials },
    ],
    participant_pages: &[ParticipantPage { path: "course", label: "Treatment course", any_of: &[Action::ViewSchedule] }],
    nav: &[],
    signable: &[],
    // Training evidence for a therapist's credential, filed under a site where they work.
    attachable: &[AttachableKind {
        spec: &domain::STAFF_CREDENTIALS,
        site: AttachSite::Named(interface::credential_belongs_at),
        participant_column: None,
        attach_requires: Action::ManageCredentials,
        view_requires: Action::ViewCredentials,
    }],
    demo: Some(demo::seed),
    verify_derived: None,
};
