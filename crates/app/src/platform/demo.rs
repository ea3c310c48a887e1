//! Demo data: what each demo account is, for the start-up banner and the tests.

use crate::platform::error::AppResult;
use catalyst_core::role::Role;
use std::future::Future;
use std::pin::Pin;

/// A capability's demo seeding, in flight.
pub type DemoFuture<'a> = Pin<Box<dyn Future<Output = AppResult<()>> + Send + 'a>>;

pub const DEMO_PASSWORD: &str = "catalyst-demo";

#[derive(Debug, Clone)]
/// A demo account, as listed when the demo starts.
pub struct DemoLogin {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub site: Option<String>,
}
