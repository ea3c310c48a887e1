//! Civil dates in a site's time zone. Deadlines count from the local date of an event: a loss
//! discovered at 23:30 on a Friday in Sydney counts from that Friday, though it is Friday 13:30
//! UTC, and a Vancouver event at 17:00 on a Friday is Saturday in UTC.

use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZoneDatabase;

use crate::error::ClockError;

/// The civil date of an instant (microseconds since the Unix epoch, UTC) in an IANA zone.
/// Uses jiff's bundled tz database only, never the host's, so the answer does not depend on
/// the machine.
pub fn local_date(instant_utc_micros: i64, iana_zone: &str) -> Result<Date, ClockError> {
    let ts = Timestamp::from_microsecond(instant_utc_micros)
        .map_err(|_| ClockError::InvalidInstant { micros: instant_utc_micros })?;
    let tz = TimeZoneDatabase::bundled()
        .get(iana_zone)
        .map_err(|_| ClockError::UnknownTimeZone { zone: iana_zone.to_string() })?;
    Ok(ts.to_zoned(tz).date())
}
