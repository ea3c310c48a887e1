//! The pharmacy's demo data.

use crate::App;
use crate::platform::demo::{DemoFuture, DemoLogin};
use catalyst_core::ledger::AuditActor;

pub(crate) fn seed<'a>(_app: &'a App, _: &'a AuditActor, _: &'a mut Vec<DemoLogin>) -> DemoFuture<'a> {
    Box::pin(async { Ok(()) })
}
