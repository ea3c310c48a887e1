//! The platform every capability stands on: the store (one code path over SQLite and
//! PostgreSQL, the ledgered write transaction, the migration runner, `audit verify`), the
//! application context (clock, ids, authorisation with denials recorded), authentication,
//! e-signatures, the audit trail, demo orchestration and the HTTP shell (router, extractors,
//! one error mapping, page layout), and the content-addressed blob store for documents.

pub mod attempts;
pub mod audit;
pub mod auth;
pub mod blobs;
pub mod capability;
mod context;
pub mod demo;
pub(crate) mod error;
pub mod esign;
pub mod shown;
pub mod store;
pub mod web;

pub use context::{
    App, Clock, SystemClock, load_or_create_secret, load_or_create_signing_key, new_signing_key, write_private,
};
pub use error::AppError;
