//! The people capability's queries (reads; writes go through the ledgered write path).

pub mod participants;
pub mod sites;
pub mod users;
