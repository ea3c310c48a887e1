//! Coding: a medical coder maps each adverse event's term to a code of a dictionary the
//! programme loads (MedDRA is licensed: Catalyst ships none and accepts the programme's file),
//! so listings and exports carry the coded term and body system. A coding names the event
//! revision it was made on; a term corrected afterwards puts the event back on the coder's
//! worklist. Dictionaries are ledgered with the digest of their entries, which `audit verify`
//! recomputes. The pure rules are `catalyst_safety::coding`. See docs/safety.md, "Coding".

pub(crate) mod api;
mod demo;
pub mod domain;
pub(crate) mod interface;
mod migrations;
pub(crate) mod pages;
mod queries;
pub mod usecases;
mod verify;

use crate::platform::capability::{Capability, NavEntry};
use catalyst_core::policy::Action;

pub static CAPABILITY: Capability = Capability {
    name: "coding",
    tables: &[&domain::CODING_DICTIONARIES, &domain::AE_CODINGS],
    migrations: migrations::MIGRATIONS,
    api: api::routes,
    pages: pages::routes,
    dashboard: pages::DASHBOARD,
    site_pages: &[],
    participant_pages: &[],
    nav: &[NavEntry { href: "/coding", label: "Coding", action: Action::CodeAdverseEvents }],
    signable: &[],
    attachable: &[],
    demo: Some(demo::seed),
    verify_derived: Some(verify::dictionary_mismatches),
};
