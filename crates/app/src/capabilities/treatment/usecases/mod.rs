//! The course of treatment: enrolment on a protocol version, the dated schedule, booking with
//! the staffing and window rules enforced, attendance, credentials, and deviations. Each use
//! case reads what its decision needs, decides with the pure functions of the domain, and
//! writes in one ledgered transaction.

mod attendance;
mod booking;
mod calendar;
mod course;
mod credentials;
mod enrolment;

pub use course::Timeline;
pub use credentials::StaffCredentialView;

use crate::App;
use crate::capabilities::people::domain::Site;
use crate::capabilities::treatment::domain::Enrolment;
use crate::platform::error::{AppError, AppResult};
use catalyst_core::time::Timestamp;
use catalyst_protocol::{Protocol, Protocols};
use jiff::civil::Time;
use std::sync::LazyLock;

static PROTOCOLS: LazyLock<Result<Protocols, String>> =
    LazyLock::new(|| Protocols::builtin().map_err(|e| e.to_string()));

/// The built-in protocols (validated once, on first use).
pub fn protocols() -> AppResult<&'static Protocols> {
    PROTOCOLS.as_ref().map_err(|e| AppError::Internal(format!("built-in protocols are invalid: {e}")))
}

/// Visits start at 09:00 site time unless booked otherwise.
pub const DEFAULT_START: Time = Time::constant(9, 0, 0, 0);

pub(crate) fn zone_of(site: &Site) -> jiff::tz::TimeZone {
    jiff::tz::TimeZone::get(site.time_zone.as_str()).unwrap_or(jiff::tz::TimeZone::UTC)
}

/// A stored instant as the protocol rules count it; one out of their range is a fault.
pub(crate) fn jiff_ts(t: Timestamp) -> AppResult<jiff::Timestamp> {
    crate::capabilities::treatment::domain::jiff_ts(t).map_err(|e| AppError::Internal(e.to_string()))
}

impl App {
    fn protocol_of(&self, enrolment: &Enrolment) -> AppResult<&'static Protocol> {
        let version = u32::try_from(enrolment.protocol_version).unwrap_or(0);
        protocols()?.get(&enrolment.protocol_id, version).ok_or_else(|| {
            AppError::Internal(format!("protocol {} v{} is not available", enrolment.protocol_id, version))
        })
    }
}
