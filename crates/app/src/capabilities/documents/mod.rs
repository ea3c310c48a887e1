//! Documents: any record that declares itself attachable (an authorisation, a therapist's
//! credential, a participant) can carry attached documents, such as approval letters,
//! certificates of analysis, ECGs, order forms and training evidence. Each is stored
//! content-addressed (by SHA-256, in a local directory or an S3-compatible bucket) with the
//! digest in its ledgered record; reads are re-hashed, `audit verify` checks every blob, and a
//! document attached by mistake is withdrawn with a reason, never deleted.

pub(crate) mod api;
mod demo;
pub mod domain;
pub(crate) mod interface;
mod migrations;
pub(crate) mod pages;
mod queries;
pub mod usecases;
mod verify;

use crate::platform::capability::Capability;

pub static CAPABILITY: Capability = Capability {
    name: "documents",
    tables: &[&domain::DOCUMENTS],
    migrations: migrations::MIGRATIONS,
    api: api::routes,
    pages: pages::routes,
    dashboard: &[],
    site_pages: &[],
    participant_pages: &[],
    nav: &[],
    signable: &[],
    attachable: &[],
    demo: Some(demo::seed),
    verify_derived: Some(verify::blob_mismatches),
};
