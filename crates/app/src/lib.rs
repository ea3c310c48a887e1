//! Catalyst's use cases. Each one authorises (pure policy, denials recorded), validates (core),
//! and writes through one ledgered transaction. The web server and the CLI both call these;
//! neither touches the store's write path directly.
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

pub mod attempts;
pub mod audit;
pub mod auth;
mod context;
pub mod demo;
mod demo_eligibility;
mod demo_outcomes;
mod demo_treatment;
pub mod eligibility;
mod error;
pub mod esign;
pub mod outcomes;
pub mod participants;
pub mod sites;
pub mod treatment;
pub mod users;

pub use context::{
    App, Clock, SystemClock, load_or_create_secret, load_or_create_signing_key, new_signing_key, write_private,
};
pub use error::AppError;
pub mod store;
pub mod web;
