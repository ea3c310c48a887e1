//! Catalyst's application: a platform (store and ledgered write path, migrations,
//! authentication, e-signatures, the audit trail, the HTTP shell) and, on top of it, the
//! capabilities (`capabilities`), each in one folder. The kernel (`catalyst-core`) below both
//! is pure. The web server and the CLI both call the use cases; neither touches the store's
//! write path directly.
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

pub mod capabilities;
pub mod platform;

pub use platform::{
    App, AppError, Clock, SystemClock, load_or_create_secret, load_or_create_signing_key, new_signing_key,
    write_private,
};
