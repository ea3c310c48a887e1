//! Outcomes: instruments recorded and scored, safety alerts, voids, endpoints and charts.

pub(crate) mod api;
mod dashboard;
pub(crate) mod charts;
mod demo;
pub mod domain;
pub(crate) mod interface;
mod migrations;
pub(crate) mod pages;
pub(crate) mod portal;
mod queries;
pub mod usecases;

use catalyst_core::policy::Action;
use crate::platform::capability::{Capability, ParticipantPage};

pub static CAPABILITY: Capability = Capability {
    name: "outcomes",
    tables: &[&domain::ASSESSMENTS, &domain::SAFETY_ALERTS, &domain::ASSESSMENT_VOIDS],
    migrations: migrations::MIGRATIONS,
    api: api::routes,
    pages: pages::routes,
    dashboard: dashboard::SECTIONS,
    site_pages: &[],
    participant_pages: &[ParticipantPage {
        path: "outcomes",
        label: "Outcomes and measures",
        any_of: &[Action::ViewOutcomes, Action::ViewRatings],
    }],
    nav: &[],
    signable: &[],
    attachable: &[],
    demo: Some(demo::seed),
    verify_derived: None,
};
