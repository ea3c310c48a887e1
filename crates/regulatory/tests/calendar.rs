#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Business days: weekends, public holidays, substitutes, year ends, coverage.

mod common;

use catalyst_regulatory::{Calendars, ClockError, add_business_days, is_business_day, sub_business_days};
use common::{cal, calendars, d};

#[test]
fn weekends_and_holidays_are_not_business_days() {
    let sa = cal("AU-SA");
    assert!(is_business_day(d("2026-03-06"), &sa).unwrap()); // Friday
    assert!(!is_business_day(d("2026-03-07"), &sa).unwrap()); // Saturday
    assert!(!is_business_day(d("2026-03-09"), &sa).unwrap()); // Adelaide Cup Day
    assert_eq!(sa.holiday(d("2026-03-09")), Some("Adelaide Cup Day"));
    assert!(!is_business_day(d("2026-01-26"), &sa).unwrap()); // Australia Day, from the AU file
    // State holidays stay in their state.
    assert!(is_business_day(d("2026-03-09"), &cal("AU-NSW")).unwrap());
    assert!(!is_business_day(d("2026-03-09"), &cal("AU-VIC")).unwrap()); // Victorian Labour Day
}

#[test]
fn an_sa_friday_notice_is_due_monday_unless_monday_is_a_holiday() {
    let sa = cal("AU-SA");
    assert_eq!(add_business_days(d("2026-05-15"), 1, &sa).unwrap(), d("2026-05-18"));
    assert_eq!(add_business_days(d("2026-03-06"), 1, &sa).unwrap(), d("2026-03-10"));
    // Weekend events count from the next business day.
    assert_eq!(add_business_days(d("2026-05-16"), 1, &sa).unwrap(), d("2026-05-18"));
    assert_eq!(add_business_days(d("2026-05-15"), 0, &sa).unwrap(), d("2026-05-15"));
    assert_eq!(add_business_days(d("2026-05-16"), 0, &sa).unwrap(), d("2026-05-18"));
}

#[test]
fn easter_and_year_end_runs_of_holidays() {
    let nsw = cal("AU-NSW");
    // Thursday before Easter: Good Friday, the weekend and Easter Monday are skipped.
    assert_eq!(add_business_days(d("2026-04-02"), 1, &nsw).unwrap(), d("2026-04-07"));
    // Christmas Eve 2026: Christmas (Fri), weekend, Boxing Day's additional Monday.
    assert_eq!(add_business_days(d("2026-12-24"), 1, &nsw).unwrap(), d("2026-12-29"));
    // Across the year end: Thursday 31 December, then New Year's Day (Friday), the weekend.
    assert_eq!(add_business_days(d("2026-12-31"), 1, &nsw).unwrap(), d("2027-01-04"));
    // 2027: Christmas Saturday and Boxing Day Sunday move to Monday 27 and Tuesday 28.
    assert_eq!(add_business_days(d("2027-12-24"), 1, &nsw).unwrap(), d("2027-12-29"));
    let sa = cal("AU-SA");
    assert_eq!(add_business_days(d("2027-04-23"), 1, &sa).unwrap(), d("2027-04-27")); // Anzac Monday (SA)
    assert_eq!(add_business_days(d("2027-04-23"), 1, &nsw).unwrap(), d("2027-04-26")); // none in NSW
}

#[test]
fn us_observed_federal_holidays() {
    let us = cal("US");
    assert_eq!(add_business_days(d("2026-07-02"), 1, &us).unwrap(), d("2026-07-06")); // 4 July observed Fri 3
    assert_eq!(add_business_days(d("2027-12-23"), 1, &us).unwrap(), d("2027-12-27")); // Christmas observed Fri 24
    assert!(!is_business_day(d("2027-12-31"), &us).unwrap()); // New Year's Day 2028 observed
    assert_eq!(add_business_days(d("2026-11-25"), 1, &us).unwrap(), d("2026-11-27")); // Thanksgiving
}

#[test]
fn canada_federal_plus_british_columbia() {
    let bc = cal("CA-BC");
    assert!(!is_business_day(d("2026-02-16"), &bc).unwrap()); // Family Day (BC)
    assert!(!is_business_day(d("2026-09-30"), &bc).unwrap()); // Truth and Reconciliation (federal)
    assert!(is_business_day(d("2026-02-16"), &cal("CA")).unwrap());
}

#[test]
fn business_days_before() {
    let vic = cal("AU-VIC");
    // The business day before Tuesday 10 March 2026 skips Victorian Labour Day (Monday 9).
    assert_eq!(sub_business_days(d("2026-03-10"), 1, &vic).unwrap(), d("2026-03-06"));
    assert_eq!(sub_business_days(d("2026-03-08"), 0, &vic).unwrap(), d("2026-03-06"));
}

#[test]
fn leaving_the_calendar_is_an_error_not_a_guess() {
    let us = cal("US");
    let e = add_business_days(d("2027-12-30"), 1, &us).unwrap_err();
    assert_eq!(
        e,
        ClockError::OutsideCalendar {
            jurisdiction: "US".into(),
            date: d("2028-01-01"),
            from: d("2026-01-01"),
            to: d("2027-12-31")
        }
    );
    assert!(is_business_day(d("2025-12-31"), &us).is_err());
}

#[test]
fn every_level_of_a_code_needs_a_holiday_file() {
    match calendars().for_jurisdiction("AU-ACT").unwrap_err() {
        ClockError::NoCalendar { missing, available, .. } => {
            assert_eq!(missing, "AU-ACT");
            assert!(available.contains(&"AU-SA".to_string()));
        }
        e => panic!("{e}"),
    }
    assert!(calendars().for_jurisdiction("DE").is_err());
}

#[test]
fn a_programme_calendar_crosses_a_leap_day() {
    let file = r#"{"jurisdiction": "NZ", "name": "test", "version": 1, "source": "test data",
        "covers": {"from": "2028-01-01", "to": "2028-12-31"}, "weekend": ["saturday", "sunday"],
        "holidays": [{"date": "2028-03-01", "name": "test holiday"}]}"#;
    let c = Calendars::from_json(&[("nz.json", file)]).unwrap().for_jurisdiction("NZ").unwrap();
    assert_eq!(add_business_days(d("2028-02-25"), 2, &c).unwrap(), d("2028-02-29"));
    assert_eq!(add_business_days(d("2028-02-28"), 2, &c).unwrap(), d("2028-03-02"));
}
