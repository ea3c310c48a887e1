//! Instants and time zones. Instants are stored as UTC microseconds (portable across SQLite and
//! PostgreSQL); the IANA zone of the site is stored beside them so local times are unambiguous.

use crate::error::Violation;

/// A date exactly as `YYYY-MM-DD` (jiff alone would also take a time after it).
pub fn civil_date(value: &str) -> Option<jiff::civil::Date> {
    let value = value.trim();
    let shaped = value.len() == 10
        && value.bytes().enumerate().all(|(i, b)| if i == 4 || i == 7 { b == b'-' } else { b.is_ascii_digit() });
    if shaped { value.parse().ok() } else { None }
}

/// Serde for a date that must be exactly `YYYY-MM-DD`: `#[serde(with = "strict_date")]`.
pub mod strict_date {
    use serde::{Deserialize, Deserializer, Serializer, de::Error as _};

    pub fn serialize<S: Serializer>(date: &jiff::civil::Date, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(date)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<jiff::civil::Date, D::Error> {
        let text = String::deserialize(d)?;
        super::civil_date(&text).ok_or_else(|| D::Error::custom(format!("{text:?} is not a date as YYYY-MM-DD")))
    }
}
use serde::{Deserialize, Serialize};

/// A UTC instant with microsecond precision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Timestamp(pub i64);

impl Timestamp {
    pub fn from_micros(micros: i64) -> Self {
        Self(micros)
    }

    pub fn micros(self) -> i64 {
        self.0
    }

    pub fn plus_seconds(self, seconds: i64) -> Self {
        Self(self.0.saturating_add(seconds.saturating_mul(1_000_000)))
    }

    pub fn seconds_until(self, later: Timestamp) -> i64 {
        (later.0 - self.0).div_euclid(1_000_000)
    }

    fn to_jiff(self) -> Option<jiff::Timestamp> {
        jiff::Timestamp::from_microsecond(self.0).ok()
    }

    /// RFC 3339 in UTC, e.g. `2026-11-22T15:04:05.123456Z`.
    pub fn to_rfc3339(self) -> String {
        match self.to_jiff() {
            Some(ts) => ts.to_string(),
            None => format!("invalid-timestamp({})", self.0),
        }
    }

    /// Local wall-clock time in `zone`, with the zone's abbreviation, for people to read.
    pub fn format_in(self, zone: &TimeZoneName) -> String {
        match (self.to_jiff(), jiff::tz::TimeZone::get(&zone.0)) {
            (Some(ts), Ok(tz)) => ts.to_zoned(tz).strftime("%Y-%m-%d %H:%M %Z").to_string(),
            _ => self.to_rfc3339(),
        }
    }
}

/// A validated IANA time zone name such as `Australia/Sydney`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TimeZoneName(String);

impl TimeZoneName {
    pub fn parse(field: &str, value: &str) -> Result<Self, Violation> {
        let value = value.trim();
        if value.is_empty() {
            return Err(Violation::required(field));
        }
        match jiff::tz::TimeZone::get(value) {
            Ok(_) => Ok(Self(value.to_owned())),
            Err(_) => Err(Violation::new(
                field,
                "iana_time_zone",
                format!("{field} must be an IANA time zone name such as Europe/London; got {value:?}"),
            )),
        }
    }

    pub fn utc() -> Self {
        Self("UTC".to_owned())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zone_names_are_validated_against_the_tz_database() {
        assert!(TimeZoneName::parse("time_zone", "Australia/Sydney").is_ok());
        let err = TimeZoneName::parse("time_zone", "Mars/Olympus").unwrap_err();
        assert_eq!(err.field, "time_zone");
        assert_eq!(err.rule, "iana_time_zone");
        assert_eq!(TimeZoneName::parse("time_zone", " ").unwrap_err().rule, "required");
    }

    #[test]
    fn local_time_follows_daylight_saving() {
        let sydney = TimeZoneName::parse("z", "Australia/Sydney").unwrap();
        // 2026-01-15T00:00Z is 11:00 AEDT (UTC+11); 2026-07-15T00:00Z is 10:00 AEST (UTC+10).
        let summer = Timestamp(1_768_435_200_000_000);
        let winter = Timestamp(1_784_073_600_000_000);
        assert_eq!(summer.format_in(&sydney), "2026-01-15 11:00 AEDT");
        assert_eq!(winter.format_in(&sydney), "2026-07-15 10:00 AEST");
    }

    #[test]
    fn rfc3339_is_utc() {
        assert_eq!(Timestamp(0).to_rfc3339(), "1970-01-01T00:00:00Z");
    }
}
