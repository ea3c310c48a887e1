//! The web crate's one integration test binary: API, pages and the browser test, each against
//! a real server with a fresh demo database.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod api;
mod browser;
mod eligibility;
mod identity;
mod outcomes;
mod pages;
mod support;
mod treatment;
