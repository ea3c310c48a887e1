#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Report clocks: which reports fall due in a window, from which rule.

mod common;

use catalyst_regulatory::{
    Authorisation, AuthorisationKind, ClockError, DueReport, Event, EventKind, Facts, Period, deadline_for, due_dates,
    local_date,
};
use common::{cal, calendars, d, rules};
use jiff::Timestamp;

fn auth(id: &str, kind: AuthorisationKind, start: &str, expiry: Option<&str>) -> Authorisation {
    Authorisation { id: id.into(), kind, start: d(start), expiry: expiry.map(d) }
}

fn event(id: &str, kind: EventKind, date: &str) -> Event {
    Event { id: id.into(), kind, date: d(date) }
}

fn due(code: &str, facts: &Facts, from: &str, to: &str) -> Vec<DueReport> {
    due_dates(&rules(), &calendars(), code, facts, d(from), d(to)).unwrap()
}

fn summary(reports: &[DueReport]) -> Vec<(String, String, String)> {
    reports.iter().map(|r| (r.rule.id.clone(), r.subject.clone(), r.due.to_string())).collect()
}

fn s(rule: &str, subject: &str, due: &str) -> (String, String, String) {
    (rule.into(), subject.into(), due.into())
}

#[test]
fn sa_notice_after_a_friday_prescription() {
    let facts = Facts {
        events: vec![
            event("rx-1", EventKind::Prescribing, "2026-05-15"),
            event("rx-2", EventKind::Prescribing, "2026-03-06"), // Monday 9 March is Adelaide Cup Day
        ],
        ..Facts::default()
    };
    let r = due("AU-SA", &facts, "2026-01-01", "2026-12-31");
    assert_eq!(
        summary(&r),
        vec![
            s("au_sa_chief_psychiatrist_notice", "rx-2", "2026-03-10"),
            s("au_sa_chief_psychiatrist_notice", "rx-1", "2026-05-18"),
        ]
    );
    assert_eq!(r[0].rule.version, 1);
    assert_eq!(r[0].rule.rule_set, "reporting_obligations");
    assert!(r[0].rule.deadline_source.starts_with("programme-defined default"));
    assert_eq!(r[0].trigger_date, d("2026-03-06"));
    assert_eq!(r[0].period, None);
    // NSW has no such notice.
    assert!(due("AU-NSW", &facts, "2026-01-01", "2026-12-31").is_empty());
}

#[test]
fn the_event_counts_from_the_local_date_not_the_utc_date() {
    // 00:30 Monday 18 May in Adelaide is Sunday 17 May 15:00 UTC.
    let t = "2026-05-17T15:00:00Z".parse::<Timestamp>().unwrap().as_microsecond();
    let local = local_date(t, "Australia/Adelaide").unwrap();
    assert_eq!(local, d("2026-05-18"));
    let facts = Facts {
        events: vec![Event { id: "rx".into(), kind: EventKind::Prescribing, date: local }],
        ..Facts::default()
    };
    assert_eq!(due("AU-SA", &facts, "2026-05-01", "2026-05-31")[0].due, d("2026-05-19"));
    // Counting from the UTC Sunday would have said Monday 18 May: a day early is wrong too.
}

#[test]
fn tga_six_monthly_periods_and_the_national_rules_apply_in_a_state() {
    let ap = auth("AP-1", AuthorisationKind::TgaAuthorisedPrescriber, "2026-01-15", Some("2027-01-14"));
    let facts = Facts { authorisations: vec![ap], ..Facts::default() };
    let r = due("AU-SA", &facts, "2026-01-01", "2027-12-31");
    assert_eq!(
        summary(&r),
        vec![s("au_tga_ap_six_monthly", "AP-1", "2026-08-13"), s("au_tga_ap_six_monthly", "AP-1", "2027-02-13")]
    );
    assert_eq!(r[0].period, Some(Period { start: d("2026-01-15"), end: d("2026-07-14") }));
    assert_eq!(r[1].period, Some(Period { start: d("2026-07-15"), end: d("2027-01-14") }));
    assert!(r[0].rule.source.contains("clinical.md section 7"));
}

#[test]
fn a_period_cut_short_by_expiry_is_still_reported() {
    let ap = auth("AP-2", AuthorisationKind::TgaAuthorisedPrescriber, "2026-01-15", Some("2026-10-31"));
    let r = due("AU-VIC", &Facts { authorisations: vec![ap], ..Facts::default() }, "2026-01-01", "2027-12-31");
    assert_eq!(r.len(), 2);
    assert_eq!(r[1].period, Some(Period { start: d("2026-07-15"), end: d("2026-10-31") }));
    assert_eq!(r[1].due, d("2026-11-30"));
}

#[test]
fn month_end_periods_do_not_drift() {
    // 31 August + 6 months is 28 February; the next period still ends 30 August, not 27.
    let ap = auth("AP-3", AuthorisationKind::TgaAuthorisedPrescriber, "2025-08-31", None);
    let r = due("AU", &Facts { authorisations: vec![ap], ..Facts::default() }, "2026-01-01", "2027-12-31");
    let ends: Vec<String> = r.iter().map(|x| x.period.unwrap().end.to_string()).collect();
    assert_eq!(ends, vec!["2026-02-27", "2026-08-30", "2027-02-27", "2027-08-30"]);
}

#[test]
fn ind_annual_report_sixty_days_after_each_anniversary_including_leap_years() {
    let ind = auth("IND-123", AuthorisationKind::FdaInd, "2024-02-29", None);
    let facts = Facts { authorisations: vec![ind], ..Facts::default() };
    let r = due("US", &facts, "2025-01-01", "2028-12-31");
    let got: Vec<(String, String)> = r.iter().map(|x| (x.trigger_date.to_string(), x.due.to_string())).collect();
    assert_eq!(
        got,
        vec![
            ("2025-02-28".into(), "2025-04-29".into()),
            ("2026-02-28".into(), "2026-04-29".into()),
            ("2027-02-28".into(), "2027-04-29".into()),
            ("2028-02-29".into(), "2028-04-29".into()),
        ]
    );
    assert_eq!(r[3].period, Some(Period { start: d("2027-02-28"), end: d("2028-02-28") }));
    assert_eq!(r[0].rule.source, "21 CFR 312.33 (annual reports)");
}

#[test]
fn anniversaries_stop_at_expiry() {
    let hrec = auth("HREC-9", AuthorisationKind::HrecApproval, "2025-06-01", Some("2027-05-31"));
    let r = due("AU-NSW", &Facts { authorisations: vec![hrec], ..Facts::default() }, "2025-01-01", "2030-12-31");
    assert_eq!(summary(&r), vec![s("au_hrec_annual_progress", "HREC-9", "2026-06-01")]);
}

#[test]
fn dea_theft_or_loss_notice_and_form() {
    let facts =
        Facts { events: vec![event("loss-1", EventKind::TheftOrLossDiscovered, "2026-07-02")], ..Facts::default() };
    let r = due("US", &facts, "2026-07-01", "2026-12-31");
    // Friday 3 July 2026 is Independence Day observed.
    assert_eq!(
        summary(&r),
        vec![s("us_dea_106_notice", "loss-1", "2026-07-06"), s("us_dea_106_form", "loss-1", "2026-08-16")]
    );
}

#[test]
fn a_walk_past_the_calendar_is_answered_only_when_it_cannot_be_in_the_window() {
    let facts =
        Facts { events: vec![event("loss-2", EventKind::TheftOrLossDiscovered, "2027-12-30")], ..Facts::default() };
    // The notice is due after 31 December 2027 whatever 2028's holidays are.
    assert!(due("US", &facts, "2027-12-01", "2027-12-31").is_empty());
    // Asked about January 2028, the calendar must be extended first.
    let e = due_dates(&rules(), &calendars(), "US", &facts, d("2027-12-01"), d("2028-01-31")).unwrap_err();
    assert!(matches!(e, ClockError::OutsideCalendar { .. }), "{e}");
}

#[test]
fn victorian_notice_is_due_the_business_day_before_treatment() {
    let facts = Facts { events: vec![event("tx-1", EventKind::TreatmentStart, "2026-03-10")], ..Facts::default() };
    let r = due("AU-VIC", &facts, "2026-01-01", "2026-12-31");
    assert_eq!(summary(&r), vec![s("au_vic_pre_treatment_notice", "tx-1", "2026-03-06")]);
}

#[test]
fn serious_adverse_events_go_to_the_tga_and_the_hrec() {
    let facts =
        Facts { events: vec![event("sae-1", EventKind::SeriousAdverseEvent, "2026-12-20")], ..Facts::default() };
    let r = due("AU-ACT", &facts, "2026-12-01", "2027-01-31");
    // ACT has no holiday file, and needs none: both deadlines are in calendar days.
    assert_eq!(
        summary(&r),
        vec![s("au_hrec_safety", "sae-1", "2027-01-04"), s("au_tga_ap_adverse_event", "sae-1", "2027-01-04")]
    );
}

#[test]
fn sap_follow_up_counts_from_expiry_which_must_be_given() {
    let sap = auth("SAP-77", AuthorisationKind::CaSpecialAccess, "2026-01-05", Some("2026-06-30"));
    let r = due("CA-BC", &Facts { authorisations: vec![sap], ..Facts::default() }, "2026-01-01", "2026-12-31");
    assert_eq!(summary(&r), vec![s("ca_sap_follow_up", "SAP-77", "2026-07-30")]);
    assert_eq!(r[0].period, Some(Period { start: d("2026-01-05"), end: d("2026-06-30") }));

    let open = auth("SAP-78", AuthorisationKind::CaSpecialAccess, "2026-01-05", None);
    let e = due_dates(
        &rules(),
        &calendars(),
        "CA-ON",
        &Facts { authorisations: vec![open], ..Facts::default() },
        d("2026-01-01"),
        d("2026-12-31"),
    )
    .unwrap_err();
    match e {
        ClockError::InvalidFacts(v) => {
            assert_eq!(v[0].field, "authorisations[0].expiry");
            assert!(v[0].message.contains("ca_sap_follow_up"));
        }
        e => panic!("{e}"),
    }
}

#[test]
fn bad_facts_and_unknown_jurisdictions_are_errors() {
    let bad = auth("AP", AuthorisationKind::TgaAuthorisedPrescriber, "2026-05-01", Some("2026-04-30"));
    let e = due_dates(
        &rules(),
        &calendars(),
        "AU",
        &Facts { authorisations: vec![bad], ..Facts::default() },
        d("2026-01-01"),
        d("2026-12-31"),
    )
    .unwrap_err();
    assert!(matches!(&e, ClockError::InvalidFacts(v) if v[0].rule == "range"), "{e}");

    for code in ["DE", "AU-QLD", "au-sa"] {
        match due_dates(&rules(), &calendars(), code, &Facts::default(), d("2026-01-01"), d("2026-12-31")).unwrap_err()
        {
            ClockError::UnknownJurisdiction { known, .. } => assert!(known.contains(&"AU-SA".to_string())),
            e => panic!("{e}"),
        }
    }
}

#[test]
fn deadline_for_each_kind() {
    let r = rules();
    let rule = |id: &str| r.rules.iter().find(|x| x.id == id).unwrap().clone();
    assert_eq!(deadline_for(&rule("us_dea_106_form"), d("2027-12-20"), None).unwrap(), d("2028-02-03"));
    assert_eq!(deadline_for(&rule("us_dea_106_notice"), d("2026-11-25"), Some(&cal("US"))).unwrap(), d("2026-11-27"));
    // A business-day rule without a calendar is an error, never calendar days.
    assert!(matches!(
        deadline_for(&rule("us_dea_106_notice"), d("2026-11-25"), None),
        Err(ClockError::NoCalendar { .. })
    ));
    let mut fixed = rule("us_dea_106_form");
    fixed.deadline = catalyst_regulatory::Deadline::MonthsAfter { months: 1 };
    assert_eq!(deadline_for(&fixed, d("2028-01-31"), None).unwrap(), d("2028-02-29"));
    fixed.deadline = catalyst_regulatory::Deadline::CalendarDaysBefore { days: 7 };
    assert_eq!(deadline_for(&fixed, d("2027-01-03"), None).unwrap(), d("2026-12-27"));
}

#[test]
fn authorisation_start_trigger() {
    let text = common::rules_json_with_start_rule();
    let rules = catalyst_regulatory::ReportingRules::from_json(&text).unwrap();
    let facts = Facts {
        authorisations: vec![auth("IND-1", AuthorisationKind::FdaInd, "2026-03-02", None)],
        ..Facts::default()
    };
    let r = due_dates(&rules, &calendars(), "US", &facts, d("2026-01-01"), d("2026-12-31")).unwrap();
    assert!(summary(&r).contains(&s("us_test_start", "IND-1", "2026-03-03")));
}
