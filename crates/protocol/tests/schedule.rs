#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Schedules of the built-in protocols (dates checked by hand), anchoring on actual dates,
//! statuses, and daylight-saving behaviour in two zones.

use std::collections::BTreeMap;

use catalyst_protocol::{Protocol, Protocols, ScheduledVisit, VisitStatus, local_start, schedule, visit_status};
use jiff::civil::{Date, Time, date, time};
use jiff::tz::TimeZone;

fn builtin(id: &str) -> Protocol {
    Protocols::builtin().unwrap().latest(id).unwrap().clone()
}

fn nine() -> Time {
    time(9, 0, 0, 0)
}

fn by_id<'a>(s: &'a [ScheduledVisit], id: &str) -> &'a ScheduledVisit {
    s.iter().find(|v| v.id == id).unwrap()
}

/// (id, target, window start, window end), checked by hand from baseline Monday 2026-01-05.
const MAPP1_FROM_2026_01_05: [(&str, Date, Date, Date); 22] = [
    ("baseline_assessment", date(2026, 1, 5), date(2026, 1, 5), date(2026, 1, 5)),
    ("prep1", date(2026, 1, 8), date(2026, 1, 5), date(2026, 1, 12)),
    ("prep2", date(2026, 1, 12), date(2026, 1, 10), date(2026, 1, 15)),
    ("prep3", date(2026, 1, 16), date(2026, 1, 14), date(2026, 1, 19)),
    ("exp1", date(2026, 1, 19), date(2026, 1, 17), date(2026, 1, 26)),
    ("int1a", date(2026, 1, 20), date(2026, 1, 20), date(2026, 1, 20)),
    ("int1b", date(2026, 1, 26), date(2026, 1, 24), date(2026, 1, 28)),
    ("int1c", date(2026, 2, 2), date(2026, 1, 31), date(2026, 2, 4)),
    ("assess1", date(2026, 2, 6), date(2026, 2, 2), date(2026, 2, 9)),
    ("exp2", date(2026, 2, 16), date(2026, 2, 9), date(2026, 2, 23)),
    ("int2a", date(2026, 2, 17), date(2026, 2, 17), date(2026, 2, 17)),
    ("int2b", date(2026, 2, 23), date(2026, 2, 21), date(2026, 2, 25)),
    ("int2c", date(2026, 3, 2), date(2026, 2, 28), date(2026, 3, 4)),
    ("assess2", date(2026, 3, 6), date(2026, 3, 2), date(2026, 3, 9)),
    ("exp3", date(2026, 3, 16), date(2026, 3, 9), date(2026, 3, 23)),
    ("int3a", date(2026, 3, 17), date(2026, 3, 17), date(2026, 3, 17)),
    ("int3b", date(2026, 3, 23), date(2026, 3, 21), date(2026, 3, 25)),
    ("int3c", date(2026, 3, 30), date(2026, 3, 28), date(2026, 4, 1)),
    ("assess3", date(2026, 4, 3), date(2026, 3, 30), date(2026, 4, 6)),
    ("primary_endpoint", date(2026, 5, 11), date(2026, 5, 4), date(2026, 5, 18)),
    ("followup_6m", date(2026, 7, 6), date(2026, 6, 22), date(2026, 7, 20)),
    ("followup_12m", date(2027, 1, 5), date(2026, 12, 22), date(2027, 1, 19)),
];

#[test]
fn mapp1_and_seed001_schedules_from_a_fixed_baseline() {
    for id in ["mapp1", "seed001"] {
        let p = builtin(id);
        let s = schedule(&p, date(2026, 1, 5), &TimeZone::UTC, nine(), &BTreeMap::new()).unwrap();
        let got: Vec<(&str, Date, Date, Date)> =
            s.iter().map(|v| (v.id.as_str(), v.target, v.window_start, v.window_end)).collect();
        assert_eq!(got, MAPP1_FROM_2026_01_05.to_vec(), "{id}");
        let orders: Vec<usize> = s.iter().map(|v| v.order).collect();
        assert_eq!(orders, (1..=22).collect::<Vec<_>>());
        // Primary endpoint 18 weeks after baseline, 8 weeks after the last dose.
        let exp3 = by_id(&s, "exp3").target;
        let endpoint = by_id(&s, "primary_endpoint").target;
        assert_eq!(exp3.until(endpoint).unwrap().get_days(), 56);
    }
}

#[test]
fn dose_plans_and_durations_are_carried_into_the_schedule() {
    let m = schedule(&builtin("mapp1"), date(2026, 1, 5), &TimeZone::UTC, nine(), &BTreeMap::new()).unwrap();
    let e1 = by_id(&m, "exp1");
    let d = e1.dose.unwrap();
    assert_eq!((d.initial_mg, d.supplemental.unwrap().mg), (80.0, 40.0));
    assert_eq!(e1.duration_minutes, 480);
    assert_eq!(e1.planned_start.datetime(), date(2026, 1, 19).at(9, 0, 0, 0));
    assert_eq!(e1.planned_end.datetime(), date(2026, 1, 19).at(17, 0, 0, 0));
    assert!(by_id(&m, "int1a").dose.is_none());
    let s = schedule(&builtin("seed001"), date(2026, 1, 5), &TimeZone::UTC, nine(), &BTreeMap::new()).unwrap();
    let d = by_id(&s, "exp2").dose.unwrap();
    let sup = d.supplemental.unwrap();
    assert_eq!((d.initial_mg, sup.mg, sup.from_minutes, sup.to_minutes), (125.0, 62.5, 105, 135));
}

#[test]
fn anchors_follow_actual_dates() {
    let p = builtin("mapp1");
    let mut actual = BTreeMap::new();
    actual.insert("exp1".to_string(), date(2026, 1, 22)); // 3 days after target
    let s = schedule(&p, date(2026, 1, 5), &TimeZone::UTC, nine(), &actual).unwrap();
    assert_eq!(by_id(&s, "exp1").target, date(2026, 1, 19)); // its own target is unchanged
    assert_eq!(by_id(&s, "exp1").actual, Some(date(2026, 1, 22)));
    assert_eq!(by_id(&s, "int1a").target, date(2026, 1, 23));
    assert_eq!(by_id(&s, "int1a").anchor_date, date(2026, 1, 22));
    assert_eq!(by_id(&s, "exp2").target, date(2026, 2, 19));
    assert_eq!(by_id(&s, "exp3").target, date(2026, 3, 19));
    assert_eq!(by_id(&s, "primary_endpoint").target, date(2026, 5, 11)); // baseline-anchored
    // A later actual date for exp2 moves exp3 again.
    actual.insert("exp2".to_string(), date(2026, 2, 15));
    let s = schedule(&p, date(2026, 1, 5), &TimeZone::UTC, nine(), &actual).unwrap();
    assert_eq!(by_id(&s, "exp3").target, date(2026, 3, 15));
    assert_eq!(by_id(&s, "exp3").window_start, date(2026, 3, 8));
}

#[test]
fn statuses() {
    let (s, e) = (date(2026, 2, 9), date(2026, 2, 23));
    assert_eq!(visit_status(s, e, date(2026, 2, 8), None), VisitStatus::Upcoming);
    assert_eq!(visit_status(s, e, date(2026, 2, 9), None), VisitStatus::Due);
    assert_eq!(visit_status(s, e, date(2026, 2, 23), None), VisitStatus::Due);
    assert_eq!(visit_status(s, e, date(2026, 2, 24), None), VisitStatus::Overdue);
    assert_eq!(visit_status(s, e, date(2026, 3, 1), Some(date(2026, 2, 23))), VisitStatus::Done);
    assert_eq!(visit_status(s, e, date(2026, 3, 1), Some(date(2026, 2, 24))), VisitStatus::OutOfWindow);
    assert_eq!(visit_status(s, e, date(2026, 2, 1), Some(date(2026, 2, 8))), VisitStatus::OutOfWindow);
    let p = builtin("mapp1");
    let sched = schedule(&p, date(2026, 1, 5), &TimeZone::UTC, nine(), &BTreeMap::new()).unwrap();
    assert_eq!(by_id(&sched, "exp2").status(date(2026, 2, 10), None), VisitStatus::Due);
}

/// Three visits on consecutive days around a transition: `day0`, `day0 + 1`, `day0 + 2`.
fn three_day_protocol() -> Protocol {
    let text = r#"
id = "dst"
version = 1
title = "DST"
[[phases]]
id = "treatment"
label = "Treatment"
[[visit_types]]
id = "exp"
label = "Experimental"
kind = "experimental"
duration_minutes = 480
staff = { therapists = 2 }
[[visits]]
id = "a"
type = "exp"
phase = "treatment"
anchor = "baseline"
offset_days = 0
window = [1, 1]
dose = { initial_mg = 80 }
[[visits]]
id = "b"
type = "exp"
phase = "treatment"
anchor = "a"
offset_days = 1
window = [1, 1]
dose = { initial_mg = 80 }
[[visits]]
id = "c"
type = "exp"
phase = "treatment"
anchor = "b"
offset_days = 1
window = [1, 1]
dose = { initial_mg = 80 }
"#;
    Protocol::from_toml("dst.toml", text).unwrap()
}

/// For each visit: (local date, local time, UTC offset in hours, UTC instant as text).
fn dst_rows(zone: &str, day0: Date) -> Vec<(Date, Time, i32, String, Date, Date)> {
    let tz = TimeZone::get(zone).unwrap();
    let s = schedule(&three_day_protocol(), day0, &tz, nine(), &BTreeMap::new()).unwrap();
    s.iter()
        .map(|v| {
            let z = &v.planned_start;
            // The session still lasts 480 real minutes.
            assert_eq!(v.planned_end.timestamp().as_second() - z.timestamp().as_second(), 480 * 60);
            (z.date(), z.time(), z.offset().seconds() / 3600, z.timestamp().to_string(), v.window_start, v.window_end)
        })
        .collect()
}

#[test]
fn dst_new_york_spring_forward_2026_03_08() {
    let rows = dst_rows("America/New_York", date(2026, 3, 7));
    let expect = vec![
        (date(2026, 3, 7), nine(), -5, "2026-03-07T14:00:00Z".to_string(), date(2026, 3, 6), date(2026, 3, 8)),
        (date(2026, 3, 8), nine(), -4, "2026-03-08T13:00:00Z".to_string(), date(2026, 3, 7), date(2026, 3, 9)),
        (date(2026, 3, 9), nine(), -4, "2026-03-09T13:00:00Z".to_string(), date(2026, 3, 8), date(2026, 3, 10)),
    ];
    assert_eq!(rows, expect);
}

#[test]
fn dst_new_york_fall_back_2026_11_01() {
    let rows = dst_rows("America/New_York", date(2026, 10, 31));
    let expect = vec![
        (date(2026, 10, 31), nine(), -4, "2026-10-31T13:00:00Z".to_string(), date(2026, 10, 30), date(2026, 11, 1)),
        (date(2026, 11, 1), nine(), -5, "2026-11-01T14:00:00Z".to_string(), date(2026, 10, 31), date(2026, 11, 2)),
        (date(2026, 11, 2), nine(), -5, "2026-11-02T14:00:00Z".to_string(), date(2026, 11, 1), date(2026, 11, 3)),
    ];
    assert_eq!(rows, expect);
}

#[test]
fn dst_sydney_ends_2026_04_05() {
    let rows = dst_rows("Australia/Sydney", date(2026, 4, 4));
    let expect = vec![
        (date(2026, 4, 4), nine(), 11, "2026-04-03T22:00:00Z".to_string(), date(2026, 4, 3), date(2026, 4, 5)),
        (date(2026, 4, 5), nine(), 10, "2026-04-04T23:00:00Z".to_string(), date(2026, 4, 4), date(2026, 4, 6)),
        (date(2026, 4, 6), nine(), 10, "2026-04-05T23:00:00Z".to_string(), date(2026, 4, 5), date(2026, 4, 7)),
    ];
    assert_eq!(rows, expect);
}

#[test]
fn dst_sydney_starts_2026_10_04() {
    let rows = dst_rows("Australia/Sydney", date(2026, 10, 3));
    let expect = vec![
        (date(2026, 10, 3), nine(), 10, "2026-10-02T23:00:00Z".to_string(), date(2026, 10, 2), date(2026, 10, 4)),
        (date(2026, 10, 4), nine(), 11, "2026-10-03T22:00:00Z".to_string(), date(2026, 10, 3), date(2026, 10, 5)),
        (date(2026, 10, 5), nine(), 11, "2026-10-04T22:00:00Z".to_string(), date(2026, 10, 4), date(2026, 10, 6)),
    ];
    assert_eq!(rows, expect);
}

#[test]
fn overnight_session_across_the_change_lasts_480_real_minutes() {
    let tz = TimeZone::get("America/New_York").unwrap();
    let s = schedule(&three_day_protocol(), date(2026, 3, 7), &tz, time(21, 0, 0, 0), &BTreeMap::new()).unwrap();
    let a = &s[0];
    assert_eq!(a.planned_start.to_string(), "2026-03-07T21:00:00-05:00[America/New_York]");
    // 21:00 EST + 8 h = 06:00 EDT: the wall clock skips an hour, the session does not.
    assert_eq!(a.planned_end.to_string(), "2026-03-08T06:00:00-04:00[America/New_York]");
}

#[test]
fn gap_moves_forward_and_fold_takes_the_earlier_instant() {
    let ny = TimeZone::get("America/New_York").unwrap();
    let gap = local_start(date(2026, 3, 8), time(2, 30, 0, 0), &ny).unwrap();
    assert_eq!(gap.to_string(), "2026-03-08T03:30:00-04:00[America/New_York]");
    let fold = local_start(date(2026, 11, 1), time(1, 30, 0, 0), &ny).unwrap();
    assert_eq!(fold.to_string(), "2026-11-01T01:30:00-04:00[America/New_York]");
    let syd = TimeZone::get("Australia/Sydney").unwrap();
    let gap = local_start(date(2026, 10, 4), time(2, 30, 0, 0), &syd).unwrap();
    assert_eq!(gap.to_string(), "2026-10-04T03:30:00+11:00[Australia/Sydney]");
    let fold = local_start(date(2026, 4, 5), time(2, 30, 0, 0), &syd).unwrap();
    assert_eq!(fold.to_string(), "2026-04-05T02:30:00+11:00[Australia/Sydney]");
}

#[test]
fn out_of_range_dates_are_errors_not_panics() {
    let p = builtin("mapp1");
    let r = schedule(&p, date(9999, 6, 1), &TimeZone::UTC, nine(), &BTreeMap::new());
    assert!(r.is_err());
}
