//! The one integration test binary of the HTTP face: API, pages and the browser test, each
//! against a real server with a fresh demo database. The platform's and cross-capability
//! tests live here; each capability's own live in its folder (`src/capabilities/*/tests/`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../../src/capabilities/adverse_events/tests/web.rs"]
mod adverse_events;
mod api;
#[path = "../../src/capabilities/authorisations/tests/web.rs"]
mod authorisations;
mod browser;
#[path = "../../src/capabilities/coding/tests/web.rs"]
mod coding;
#[path = "../../src/capabilities/documents/tests/web.rs"]
mod documents;
#[path = "../../src/capabilities/eligibility/tests/web.rs"]
mod eligibility;
mod identity;
#[path = "../../src/capabilities/outcomes/tests/web.rs"]
mod outcomes;
mod pages;
#[path = "../../src/capabilities/pharmacy/tests/web.rs"]
mod pharmacy;
#[path = "../../src/capabilities/prescribing/tests/web.rs"]
mod prescribing;
mod support;
#[path = "../../src/capabilities/treatment/tests/web.rs"]
mod treatment;
