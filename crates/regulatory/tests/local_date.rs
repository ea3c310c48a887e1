#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Civil dates in the site's zone, across zones and daylight-saving changes.

mod common;

use catalyst_regulatory::{ClockError, local_date};
use common::d;
use jiff::Timestamp;

fn micros(utc: &str) -> i64 {
    utc.parse::<Timestamp>().unwrap().as_microsecond()
}

#[test]
fn the_same_instant_is_different_days_in_sydney_and_vancouver() {
    // 14:30 UTC Friday = 00:30 Saturday in Sydney (AEST) = 07:30 Friday in Vancouver (PDT).
    let t = micros("2026-05-15T14:30:00Z");
    assert_eq!(local_date(t, "Australia/Sydney").unwrap(), d("2026-05-16"));
    assert_eq!(local_date(t, "America/Vancouver").unwrap(), d("2026-05-15"));
    assert_eq!(local_date(t, "UTC").unwrap(), d("2026-05-15"));
}

#[test]
fn late_friday_in_sydney_and_early_monday_count_from_the_local_day() {
    // 23:30 Friday in Sydney.
    assert_eq!(local_date(micros("2026-05-15T13:30:00Z"), "Australia/Sydney").unwrap(), d("2026-05-15"));
    // 08:00 Monday in Sydney is still Sunday in UTC.
    assert_eq!(local_date(micros("2026-05-17T22:00:00Z"), "Australia/Sydney").unwrap(), d("2026-05-18"));
}

#[test]
fn daylight_saving_changes() {
    // Sydney leaves DST at 03:00 AEDT on 5 April 2026; 23:30 that evening is AEST (+10).
    assert_eq!(local_date(micros("2026-04-05T13:30:00Z"), "Australia/Sydney").unwrap(), d("2026-04-05"));
    assert_eq!(local_date(micros("2026-04-04T13:30:00Z"), "Australia/Sydney").unwrap(), d("2026-04-05")); // 00:30 AEDT
    // Sydney enters DST at 02:00 on 4 October 2026: 23:30 AEST on the 3rd, then 01:30 on the 4th.
    assert_eq!(local_date(micros("2026-10-03T13:30:00Z"), "Australia/Sydney").unwrap(), d("2026-10-03"));
    assert_eq!(local_date(micros("2026-10-03T14:30:00Z"), "Australia/Sydney").unwrap(), d("2026-10-04"));
    // Los Angeles leaves DST on 1 November 2026: 07:30 UTC on the 2nd is 23:30 PST on the 1st
    // (a fixed PDT offset would give the 2nd).
    assert_eq!(local_date(micros("2026-11-02T07:30:00Z"), "America/Los_Angeles").unwrap(), d("2026-11-01"));
    // The bundled tz database has British Columbia staying on UTC-7 from November 2026 (no
    // fall-back), so the same instant is already the 2nd in Vancouver. The zone's rules come
    // from the database, not from an assumed offset.
    assert_eq!(local_date(micros("2026-11-02T07:30:00Z"), "America/Vancouver").unwrap(), d("2026-11-02"));
    // Vancouver enters DST on 8 March 2026 at 10:00 UTC.
    assert_eq!(local_date(micros("2026-03-08T07:30:00Z"), "America/Vancouver").unwrap(), d("2026-03-07"));
    assert_eq!(local_date(micros("2026-03-08T08:30:00Z"), "America/Vancouver").unwrap(), d("2026-03-08"));
}

#[test]
fn year_end_and_leap_day() {
    // New Year arrives in Sydney 11 hours before UTC.
    assert_eq!(local_date(micros("2026-12-31T13:30:00Z"), "Australia/Sydney").unwrap(), d("2027-01-01"));
    assert_eq!(local_date(micros("2028-03-01T06:00:00Z"), "America/Vancouver").unwrap(), d("2028-02-29"));
}

#[test]
fn bad_zones_and_instants_are_errors() {
    assert_eq!(local_date(0, "Mars/Olympus"), Err(ClockError::UnknownTimeZone { zone: "Mars/Olympus".into() }));
    assert_eq!(local_date(i64::MAX, "UTC"), Err(ClockError::InvalidInstant { micros: i64::MAX }));
}
