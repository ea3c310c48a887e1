//! Adverse events of every kind (pleasant ones included) and the safety reporting they start:
//! events recorded and corrected with a reason (nothing deleted), solicited checklists at fixed
//! points of each dosing session and their gaps, serious events' reporting clocks by
//! jurisdiction and pathway until each report is marked sent, the CIOMS I form, the DSMB's
//! blinded listings and incidence tables, and the dashboard's signals. Every rule is the pure
//! `catalyst-safety` crate's. See docs/safety.md.

pub(crate) mod api;
mod dashboard;
mod demo;
pub mod domain;
pub(crate) mod interface;
mod migrations;
pub(crate) mod pages;
mod queries;
mod self_report_pages;
pub mod usecases;

use crate::platform::capability::{Capability, ParticipantPage, SitePage};
use catalyst_core::policy::Action;

pub static CAPABILITY: Capability = Capability {
    name: "adverse_events",
    tables: &[
        &domain::ADVERSE_EVENTS,
        &domain::AE_CHECKLISTS,
        &domain::SAE_SUBMISSIONS,
        &domain::AE_SELF_REPORTS,
        &domain::AE_SELF_REPORT_REVIEWS,
    ],
    migrations: migrations::MIGRATIONS,
    api: api::routes,
    pages: pages::routes,
    dashboard: dashboard::SECTIONS,
    site_pages: &[SitePage { path: "safety", label: "Safety: serious events' reporting clocks and checklist gaps", action: Action::ViewAdverseEvents }],
    participant_pages: &[
        ParticipantPage { path: "adverse-events", label: "Adverse events", any_of: &[Action::ViewAdverseEvents] },
        ParticipantPage { path: "how-i-feel", label: "How I feel: tell the clinic", any_of: &[Action::ReportHowIFeel] },
    ],
    nav: &[],
    signable: &[],
    attachable: &[],
    demo: Some(demo::seed),
    verify_derived: None,
};
