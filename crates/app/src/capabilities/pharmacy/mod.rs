//! The controlled-substance pharmacy: a catalogue of products, lots, locked stores with their
//! key holders and kits; the register of movements (receive, transfer, dispense, administer,
//! return, waste, destroy, loss or theft, count, resolve, return to supplier, quarantine), each
//! decided by the pure `catalyst-pharmacy` crate inside the write transaction that records it;
//! the dispensing gate asked of the capabilities that own the facts; blinded views for every
//! role but the pharmacist; resupply thresholds per store; the inspector's reports. See docs/pharmacy.md.

pub(crate) mod api;
mod dashboard;
mod demo;
pub mod domain;
pub(crate) mod interface;
mod migrations;
pub(crate) mod pages;
mod queries;
pub mod usecases;
mod verify;

use crate::platform::capability::{AttachSite, AttachableKind, Capability, SitePage};
use catalyst_core::policy::Action;

pub static CAPABILITY: Capability = Capability {
    name: "pharmacy",
    tables: &[
        &domain::PRODUCTS,
        &domain::LOTS,
        &domain::LOCATIONS,
        &domain::KITS,
        &domain::MOVEMENTS,
        &domain::RESUPPLY_THRESHOLDS,
    ],
    migrations: migrations::MIGRATIONS,
    api: api::routes,
    pages: pages::routes,
    dashboard: dashboard::SECTIONS,
    site_pages: &[
        SitePage { path: "pharmacy", label: "Pharmacy", action: Action::ViewPharmacy },
        SitePage { path: "pharmacy/doses", label: "Doses held by the session teams", action: Action::AdministerDose },
    ],
    participant_pages: &[],
    nav: &[],
    signable: &[],
    // A lot's certificate of analysis: attached and read by the pharmacist (it names the product).
    attachable: &[AttachableKind {
        spec: &domain::LOTS,
        site: AttachSite::Column("site_id"),
        participant_column: None,
        attach_requires: Action::ManagePharmacy,
        view_requires: Action::ViewPharmacyContents,
    }],
    demo: Some(demo::seed),
    verify_derived: Some(verify::register_mismatches_in),
};
