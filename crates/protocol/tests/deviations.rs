#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Deviation detection against the mapp1 schedule from baseline 2026-01-05.

use std::collections::BTreeMap;

use catalyst_protocol::{
    AssessmentRecord, DeviationDraft, DeviationKind, DoseGiven, Protocols, ScheduledVisit, Severity, StaffPresent,
    StaffRole, VisitRecord, detect_deviations, schedule,
};
use jiff::Timestamp;
use jiff::civil::{Date, date, time};
use jiff::tz::TimeZone;

fn sched() -> Vec<ScheduledVisit> {
    let p = Protocols::builtin().unwrap().latest("mapp1").unwrap().clone();
    schedule(&p, date(2026, 1, 5), &TimeZone::UTC, time(9, 0, 0, 0), &BTreeMap::new()).unwrap()
}

/// Only the visits up to and including `last`, so tests can focus.
fn upto(last: &str) -> Vec<ScheduledVisit> {
    let s = sched();
    let n = s.iter().position(|v| v.id == last).unwrap();
    s.into_iter().take(n + 1).collect()
}

fn therapist(p: &str, current: bool) -> StaffPresent {
    StaffPresent { person: p.into(), role: StaffRole::Therapist, credential_current: current }
}

fn dose(mg: f64, at: &str) -> DoseGiven {
    DoseGiven { mg, at: at.parse::<Timestamp>().unwrap() }
}

fn rec(id: &str, on: Date, staff: Vec<StaffPresent>, doses: Vec<DoseGiven>) -> VisitRecord {
    VisitRecord { visit_id: id.into(), date: on, attended: true, staff, doses }
}

/// Records for every visit before exp1 on target, with their instruments, so only exp1 matters.
fn clean_before_exp1() -> (Vec<VisitRecord>, Vec<AssessmentRecord>) {
    let mut records = Vec::new();
    let mut assessments = Vec::new();
    for v in upto("prep3") {
        records.push(rec(&v.id, v.target, vec![therapist("a", true), therapist("b", true)], vec![]));
        for i in &v.visit_type.instruments {
            assessments.push(AssessmentRecord { visit_id: v.id.clone(), instrument: i.clone() });
        }
    }
    assessments.push(AssessmentRecord { visit_id: "exp1".into(), instrument: "cssrs".into() });
    (records, assessments)
}

fn exp1_with(staff: Vec<StaffPresent>, doses: Vec<DoseGiven>) -> Vec<DeviationDraft> {
    let (mut records, assessments) = clean_before_exp1();
    records.push(rec("exp1", date(2026, 1, 19), staff, doses));
    detect_deviations(&upto("exp1"), &records, &assessments, date(2026, 1, 19))
}

fn kinds(d: &[DeviationDraft]) -> Vec<(DeviationKind, Severity, &str)> {
    d.iter().map(|x| (x.kind, x.severity, x.visit_id.as_str())).collect()
}

fn two() -> Vec<StaffPresent> {
    vec![therapist("a", true), therapist("b", true)]
}

#[test]
fn a_session_by_the_plan_has_no_deviation() {
    let d = exp1_with(two(), vec![dose(80.0, "2026-01-19T09:30:00Z"), dose(40.0, "2026-01-19T11:30:00Z")]);
    assert_eq!(d, vec![]);
    // The supplemental dose is optional.
    assert_eq!(exp1_with(two(), vec![dose(80.0, "2026-01-19T09:30:00Z")]), vec![]);
}

#[test]
fn supplemental_window_edges_are_inclusive() {
    let ok90 = exp1_with(two(), vec![dose(80.0, "2026-01-19T09:30:00Z"), dose(40.0, "2026-01-19T11:00:00Z")]);
    let ok150 = exp1_with(two(), vec![dose(80.0, "2026-01-19T09:30:00Z"), dose(40.0, "2026-01-19T12:00:00Z")]);
    assert_eq!((ok90, ok150), (vec![], vec![]));
    let early = exp1_with(two(), vec![dose(80.0, "2026-01-19T09:30:00Z"), dose(40.0, "2026-01-19T10:59:00Z")]);
    assert_eq!(kinds(&early), vec![(DeviationKind::SupplementalOutsideWindow, Severity::Major, "exp1")]);
    assert_eq!(
        early[0].description,
        "supplemental dose at exp1 given 89 min after the initial dose; the plan allows 90 to 150 min"
    );
    let late = exp1_with(two(), vec![dose(80.0, "2026-01-19T09:30:00Z"), dose(40.0, "2026-01-19T12:01:00Z")]);
    assert_eq!(kinds(&late), vec![(DeviationKind::SupplementalOutsideWindow, Severity::Major, "exp1")]);
}

#[test]
fn wrong_amounts_and_extra_doses() {
    let d = exp1_with(two(), vec![dose(120.0, "2026-01-19T09:30:00Z")]);
    assert_eq!(kinds(&d), vec![(DeviationKind::DoseWrongAmount, Severity::Critical, "exp1")]);
    assert_eq!(d[0].description, "initial dose at exp1 was 120 mg; the plan is 80 mg");

    let d = exp1_with(two(), vec![dose(80.0, "2026-01-19T09:30:00Z"), dose(60.0, "2026-01-19T11:30:00Z")]);
    assert_eq!(d[0].description, "supplemental dose at exp1 was 60 mg, above the planned 40 mg");

    // Doses are ordered by time whatever order they were recorded in.
    let d = exp1_with(
        two(),
        vec![
            dose(40.0, "2026-01-19T13:00:00Z"),
            dose(80.0, "2026-01-19T09:30:00Z"),
            dose(40.0, "2026-01-19T11:30:00Z"),
        ],
    );
    assert_eq!(kinds(&d), vec![(DeviationKind::ExtraDose, Severity::Critical, "exp1")]);
    assert_eq!(d[0].description, "3 doses given at exp1; the plan allows 2: 1 extra dose(s) totalling 40 mg");
}

#[test]
fn fewer_than_two_credentialed_therapists() {
    let doses = vec![dose(80.0, "2026-01-19T09:30:00Z")];
    let one = exp1_with(vec![therapist("a", true), therapist("b", false)], doses.clone());
    assert_eq!(kinds(&one), vec![(DeviationKind::InsufficientTherapists, Severity::Critical, "exp1")]);
    assert!(one[0].description.contains("had 1 distinct credentialed therapist(s)"));
    // The same person twice is one therapist.
    let same = exp1_with(vec![therapist("a", true), therapist("a", true)], doses.clone());
    assert_eq!(kinds(&same), vec![(DeviationKind::InsufficientTherapists, Severity::Critical, "exp1")]);
    // A physician does not replace a therapist.
    let phys = exp1_with(
        vec![
            therapist("a", true),
            StaffPresent { person: "doc".into(), role: StaffRole::Physician, credential_current: true },
        ],
        doses,
    );
    assert_eq!(phys.len(), 1);
}

#[test]
fn out_of_window_and_missed_visits() {
    let (mut records, assessments) = clean_before_exp1();
    // exp1 window 01-17..01-26: done on 01-28, two days late.
    records.push(rec("exp1", date(2026, 1, 28), two(), vec![dose(80.0, "2026-01-28T09:30:00Z")]));
    // The caller schedules with the actual date, so int1a moves to 01-29 (window 0/0).
    let p = Protocols::builtin().unwrap().latest("mapp1").unwrap().clone();
    let actual = BTreeMap::from([("exp1".to_string(), date(2026, 1, 28))]);
    let s: Vec<ScheduledVisit> = schedule(&p, date(2026, 1, 5), &TimeZone::UTC, time(9, 0, 0, 0), &actual)
        .unwrap()
        .into_iter()
        .take(8) // up to int1c
        .collect();
    // Today 01-30: int1a's one-day window has passed; int1b (02-02..02-06) is upcoming.
    let d = detect_deviations(&s, &records, &assessments, date(2026, 1, 30));
    assert_eq!(
        kinds(&d),
        vec![
            (DeviationKind::OutOfWindow, Severity::Major, "exp1"),
            (DeviationKind::MissedVisit, Severity::Major, "int1a"),
        ]
    );
    assert_eq!(
        d[0].description,
        "Experimental (dosing) session exp1 on 2026-01-28, 2 day(s) after its window 2026-01-17 to 2026-01-26"
    );
    assert_eq!(d[1].description, "Integration session int1a not done; its window 2026-01-29 to 2026-01-29 has passed");
    // A visit attempted but not attended is still missed once its window has passed.
    records.push(VisitRecord {
        visit_id: "int1b".into(),
        date: date(2026, 2, 4),
        attended: false,
        staff: vec![],
        doses: vec![],
    });
    let d = detect_deviations(&s, &records, &assessments, date(2026, 2, 6));
    let missed: Vec<&str> =
        d.iter().filter(|x| x.kind == DeviationKind::MissedVisit).map(|x| x.visit_id.as_str()).collect();
    assert_eq!(missed, vec!["int1a"]); // int1b's window ends today
    let d = detect_deviations(&s, &records, &assessments, date(2026, 2, 14));
    let missed: Vec<&str> =
        d.iter().filter(|x| x.kind == DeviationKind::MissedVisit).map(|x| x.visit_id.as_str()).collect();
    assert_eq!(missed, vec!["int1a", "int1b", "int1c"]);
}

#[test]
fn early_non_dosing_visit_is_a_minor_deviation() {
    let (mut records, assessments) = clean_before_exp1();
    records.retain(|r| r.visit_id != "prep3");
    records.push(rec("prep3", date(2026, 1, 13), two(), vec![])); // window 01-14..01-19
    let d = detect_deviations(&upto("prep3"), &records, &assessments, date(2026, 1, 13));
    assert_eq!(kinds(&d), vec![(DeviationKind::OutOfWindow, Severity::Minor, "prep3")]);
    assert!(d[0].description.contains("1 day(s) before its window"));
}

#[test]
fn missed_assessment_lists_the_instruments() {
    let (mut records, mut assessments) = clean_before_exp1();
    assessments.retain(|a| !(a.visit_id == "baseline_assessment" && (a.instrument == "sds" || a.instrument == "phq9")));
    records.push(rec("exp1", date(2026, 1, 19), two(), vec![dose(80.0, "2026-01-19T09:30:00Z")]));
    let d = detect_deviations(&upto("exp1"), &records, &assessments, date(2026, 1, 19));
    assert_eq!(kinds(&d), vec![(DeviationKind::MissedAssessment, Severity::Major, "baseline_assessment")]);
    assert!(d[0].description.ends_with("not recorded: sds, phq9"), "{}", d[0].description);
}

#[test]
fn dose_at_a_visit_without_a_plan() {
    let (mut records, assessments) = clean_before_exp1();
    records.retain(|r| r.visit_id != "prep2");
    records.push(rec("prep2", date(2026, 1, 12), two(), vec![dose(62.5, "2026-01-12T10:00:00Z")]));
    let d = detect_deviations(&upto("prep3"), &records, &assessments, date(2026, 1, 16));
    assert_eq!(kinds(&d), vec![(DeviationKind::ExtraDose, Severity::Critical, "prep2")]);
    assert!(d[0].description.contains("totalling 62.5 mg"), "{}", d[0].description);
}
