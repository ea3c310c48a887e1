#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Booking rules: window, staffing, duplicates, clashes, with their messages.

use std::collections::BTreeMap;

use catalyst_protocol::{
    Booking, BookingContext, BookingProblem, BookingRequest, Credential, CredentialRules, DeviationKind, Protocols,
    ScheduledVisit, Severity, StaffAssignment, StaffRole, check_booking, schedule,
};
use jiff::Timestamp;
use jiff::civil::{date, time};
use jiff::tz::TimeZone;

fn visits() -> Vec<ScheduledVisit> {
    let p = Protocols::builtin().unwrap().latest("mapp1").unwrap().clone();
    let tz = TimeZone::get("America/New_York").unwrap();
    // Baseline 2026-01-05: exp1 2026-01-19 (window 01-17..01-26), assess1 2026-02-06.
    schedule(&p, date(2026, 1, 5), &tz, time(9, 0, 0, 0), &BTreeMap::new()).unwrap()
}

fn visit(id: &str) -> ScheduledVisit {
    visits().into_iter().find(|v| v.id == id).unwrap()
}

fn cred(until: jiff::civil::Date) -> Credential {
    Credential {
        training_completed_on: Some(date(2024, 1, 1)),
        supervised_sessions: 5,
        certified_until: Some(until),
        ethics_attested_on: Some(date(2025, 12, 1)),
    }
}

fn ctx() -> BookingContext {
    let mut credentials = BTreeMap::new();
    credentials.insert("ana".to_string(), cred(date(2027, 1, 1)));
    credentials.insert("ben".to_string(), cred(date(2027, 1, 1)));
    credentials.insert("cat".to_string(), cred(date(2026, 1, 18))); // lapses the day before exp1
    BookingContext {
        zone: TimeZone::get("America/New_York").unwrap(),
        credentials,
        rules: CredentialRules::default(),
        bookings: Vec::new(),
    }
}

fn staff(list: &[(&str, StaffRole)]) -> Vec<StaffAssignment> {
    list.iter().map(|(p, r)| StaffAssignment { person: p.to_string(), role: *r }).collect()
}

fn exp1_request(people: &[(&str, StaffRole)]) -> BookingRequest {
    BookingRequest::for_visit(&visit("exp1"), "room-a", staff(people))
}

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn messages(r: Result<Vec<catalyst_protocol::DeviationDraft>, Vec<BookingProblem>>) -> Vec<String> {
    r.unwrap_err().iter().map(|p| p.to_string()).collect()
}

#[test]
fn two_credentialed_therapists_book_an_experimental_session() {
    let r = check_booking(&exp1_request(&[("ana", StaffRole::Therapist), ("ben", StaffRole::Therapist)]), &ctx());
    assert_eq!(r, Ok(vec![]));
}

#[test]
fn expired_therapist_does_not_count_and_is_named() {
    let m =
        messages(check_booking(&exp1_request(&[("ana", StaffRole::Therapist), ("cat", StaffRole::Therapist)]), &ctx()));
    assert_eq!(
        m,
        vec![
            "exp1: needs 2 distinct therapists with a current credential on 2026-01-19, has 1 \
              (cat: certification expired (last valid 2026-01-18))"
        ]
    );
}

#[test]
fn unknown_person_has_no_credential() {
    let m =
        messages(check_booking(&exp1_request(&[("ana", StaffRole::Therapist), ("zed", StaffRole::Therapist)]), &ctx()));
    assert!(m[0].contains("has 1 (zed: no credential on file)"), "{m:?}");
}

#[test]
fn the_same_person_twice_is_refused_and_counts_once() {
    let m =
        messages(check_booking(&exp1_request(&[("ana", StaffRole::Therapist), ("ana", StaffRole::Therapist)]), &ctx()));
    assert_eq!(m.len(), 2, "{m:?}");
    assert_eq!(m[0], "exp1: ana is listed more than once");
    assert!(m[1].contains("has 1"), "{m:?}");
}

#[test]
fn a_physician_is_not_a_therapist() {
    let m =
        messages(check_booking(&exp1_request(&[("ana", StaffRole::Therapist), ("ben", StaffRole::Physician)]), &ctx()));
    assert!(m[0].contains("has 1"), "{m:?}");
}

#[test]
fn outside_window_refused_without_reason() {
    let mut req = exp1_request(&[("ana", StaffRole::Therapist), ("ben", StaffRole::Therapist)]);
    req.start = ts("2026-01-27T14:00:00Z"); // 09:00 EST, one day after the window
    let m = messages(check_booking(&req, &ctx()));
    assert_eq!(
        m,
        vec![
            "exp1: 2026-01-27 09:00 EST is outside the visit's window 2026-01-17 to 2026-01-26; \
              give an out-of-window reason to book it anyway as a deviation"
        ]
    );
}

#[test]
fn outside_window_with_reason_passes_with_a_deviation() {
    let mut req = exp1_request(&[("ana", StaffRole::Therapist), ("ben", StaffRole::Therapist)]);
    req.start = ts("2026-01-27T14:00:00Z");
    req.out_of_window_reason = Some("participant ill; rebooked".into());
    let d = check_booking(&req, &ctx()).unwrap();
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].kind, DeviationKind::OutOfWindow);
    assert_eq!(d[0].severity, Severity::Major);
    assert_eq!(d[0].visit_id, "exp1");
    assert!(d[0].description.contains("participant ill; rebooked"), "{}", d[0].description);
    // A blank reason is no reason.
    req.out_of_window_reason = Some("   ".into());
    assert!(check_booking(&req, &ctx()).is_err());
}

#[test]
fn window_is_judged_on_the_site_local_date() {
    // 2026-01-27T03:00Z is still 2026-01-26 22:00 in New York: inside the window.
    let mut req = exp1_request(&[("ana", StaffRole::Therapist), ("ben", StaffRole::Therapist)]);
    req.start = ts("2026-01-27T03:00:00Z");
    req.duration_minutes = 60;
    assert_eq!(check_booking(&req, &ctx()), Ok(vec![]));
}

#[test]
fn clashes_name_the_person_room_and_time_and_are_half_open() {
    let mut c = ctx();
    // exp1 runs 2026-01-19 09:00-17:00 EST = 14:00Z-22:00Z.
    c.bookings = vec![
        Booking {
            visit_id: "other-int".into(),
            start: ts("2026-01-19T21:00:00Z"),
            end: ts("2026-01-19T22:30:00Z"),
            room: Some("room-b".into()),
            people: vec!["ben".into()],
        },
        Booking {
            visit_id: "other-exp".into(),
            start: ts("2026-01-19T13:00:00Z"),
            end: ts("2026-01-19T14:00:00Z"), // ends as ours starts: no clash
            room: Some("room-a".into()),
            people: vec!["ana".into()],
        },
        Booking {
            visit_id: "prep".into(),
            start: ts("2026-01-19T15:00:00Z"),
            end: ts("2026-01-19T16:30:00Z"),
            room: Some("room-a".into()),
            people: vec!["someone".into()],
        },
    ];
    let m = messages(check_booking(&exp1_request(&[("ana", StaffRole::Therapist), ("ben", StaffRole::Therapist)]), &c));
    assert_eq!(
        m,
        vec![
            "ben is already booked for other-int from 2026-01-19 16:00 EST to 2026-01-19 17:30 EST",
            "room room-a is already booked for prep from 2026-01-19 10:00 EST to 2026-01-19 11:30 EST",
        ]
    );
}

#[test]
fn rebooking_the_same_visit_does_not_clash_with_itself() {
    let mut c = ctx();
    c.bookings = vec![Booking {
        visit_id: "exp1".into(),
        start: ts("2026-01-19T14:00:00Z"),
        end: ts("2026-01-19T22:00:00Z"),
        room: Some("room-a".into()),
        people: vec!["ana".into(), "ben".into()],
    }];
    let r = check_booking(&exp1_request(&[("ana", StaffRole::Therapist), ("ben", StaffRole::Therapist)]), &c);
    assert_eq!(r, Ok(vec![]));
}

#[test]
fn assessment_needs_a_clinician() {
    let v = visit("assess1");
    let none = BookingRequest::for_visit(&v, "room-c", staff(&[("pat", StaffRole::Pharmacist)]));
    let m = messages(check_booking(&none, &ctx()));
    assert_eq!(
        m,
        vec![
            "assess1: needs 1 clinician(s) (therapist, physician, site lead or rater) besides the required therapists, has 0"
        ]
    );
    let rater = BookingRequest::for_visit(&v, "room-c", staff(&[("rae", StaffRole::Rater)]));
    assert_eq!(check_booking(&rater, &ctx()), Ok(vec![]));
    // A therapist without a current credential may still act as a clinician.
    let t = BookingRequest::for_visit(&v, "room-c", staff(&[("zed", StaffRole::Therapist)]));
    assert_eq!(check_booking(&t, &ctx()), Ok(vec![]));
}

#[test]
fn zero_duration_is_refused() {
    let mut req = exp1_request(&[("ana", StaffRole::Therapist), ("ben", StaffRole::Therapist)]);
    req.duration_minutes = 0;
    let m = messages(check_booking(&req, &ctx()));
    assert_eq!(m, vec!["exp1: a booking needs a duration of at least one minute"]);
}
