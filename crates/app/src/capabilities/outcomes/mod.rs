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

use crate::platform::capability::{Capability};

pub static CAPABILITY: Capability = Capability {
    name: "outcomes",
    tables: &[&domain::ASSESSMENTS, &domain::SAFETY_ALERTS, &domain::ASSESSMENT_VOIDS],
    migrations: migrations::MIGRATIONS,
    api: api::routes,
    pages: pages::routes,
    dashboard: dashboard::SECTIONS,
    site_pages: &[],
    nav: &[],
    signable: &[],
    attachable: &[],
    demo: Some(demo::seed),
    verify_derived: None,
};
