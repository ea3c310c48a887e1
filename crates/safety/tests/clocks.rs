#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! SAE reporting clocks: every seriousness / expectedness / pathway combination, time zones,
//! daylight-saving changes in both directions, month ends and business days.

mod common;

use catalyst_core::time::Timestamp;
use catalyst_safety::{
    Clock, ClockError, ClockStatus, Expected, FollowUp, Pathway, SaeFacts, SafetyReportingRules, Sender, Seriousness,
    StartEvent, Submission, clocks_for,
};
use common::{calendars, d, reporting, t, zone};

fn facts(z: &str, seriousness: Seriousness, suspected: bool, expectedness: Option<Expected>) -> SaeFacts {
    SaeFacts {
        event_id: "AE-9".into(),
        seriousness,
        suspected,
        expectedness,
        site_aware_at: t("2026-03-05T15:00:00Z"),
        sponsor_first_knowledge_at: Some(t("2026-03-05T20:00:00Z")),
        urgent_safety_measure_at: None,
        follow_ups: Vec::new(),
        submissions: Vec::new(),
        zone: zone(z),
    }
}

fn clocks(f: &SaeFacts, pathway: Pathway, code: &str) -> Vec<Clock> {
    clocks_for(f, pathway, code, &reporting(), &calendars()).unwrap()
}

fn ids(c: &[Clock]) -> Vec<&str> {
    c.iter().map(|c| c.rule_id.as_str()).collect()
}

fn by<'a>(c: &'a [Clock], id: &str) -> &'a Clock {
    c.iter().find(|c| c.rule_id == id).unwrap_or_else(|| panic!("no clock {id} in {:?}", ids(c)))
}

#[derive(Debug, Clone, Copy)]
enum Class {
    NotSerious,
    Hospitalised,
    LifeThreatening,
    Fatal,
}

fn seriousness(c: Class) -> Seriousness {
    let mut s = Seriousness::default();
    match c {
        Class::NotSerious => {}
        Class::Hospitalised => s.hospitalisation = true,
        Class::LifeThreatening => s.life_threatening = true,
        Class::Fatal => s.death = true,
    }
    s
}

/// The oracle, written from the regulations rather than read from the data: which reports each
/// combination owes.
fn owed(pathway: Pathway, code: &str, class: Class, suspected: bool, exp: Option<Expected>) -> Vec<&'static str> {
    let serious = !matches!(class, Class::NotSerious);
    let grave = matches!(class, Class::LifeThreatening | Class::Fatal);
    let susar = serious && suspected && exp != Some(Expected::Expected);
    let mut out = Vec::new();
    match (pathway, &code[..2]) {
        (Pathway::SponsoredTrial, "US") => {
            if serious {
                out.push("us_site_to_sponsor");
            }
            if susar && grave {
                out.push("us_ind_7_day");
            }
            if susar {
                out.push("us_ind_15_day");
            }
        }
        (Pathway::SponsoredTrial, "AU") => {
            if serious {
                out.push("au_site_to_sponsor");
            }
            if susar && grave {
                out.push("au_tga_7_day");
            }
            if susar {
                out.push("au_tga_15_day");
            }
        }
        (Pathway::AuthorisedPrescriber, "AU") => {
            if serious {
                out.extend(["au_ap_tga", "au_ap_hrec"]);
            }
        }
        (Pathway::SpecialAccess, "CA") => {
            if serious && suspected {
                out.push("ca_sap_adverse_reaction");
            }
        }
        _ => panic!("not a combination"),
    }
    out
}

#[test]
fn every_seriousness_expectedness_pathway_combination() {
    let places = [
        (Pathway::SponsoredTrial, "US", "America/New_York"),
        (Pathway::SponsoredTrial, "AU-NSW", "Australia/Sydney"),
        (Pathway::AuthorisedPrescriber, "AU-VIC", "Australia/Melbourne"),
        (Pathway::SpecialAccess, "CA-BC", "America/Vancouver"),
    ];
    let classes = [Class::NotSerious, Class::Hospitalised, Class::LifeThreatening, Class::Fatal];
    let calls = [Some(Expected::Expected), Some(Expected::Unexpected), None];
    let mut rows = 0;
    for (pathway, code, z) in places {
        for class in classes {
            for suspected in [true, false] {
                for exp in calls {
                    let f = facts(z, seriousness(class), suspected, exp);
                    let got = clocks(&f, pathway, code);
                    let want = owed(pathway, code, class, suspected, exp);
                    assert_eq!(ids(&got), want, "{pathway:?} {code} {class:?} suspected={suspected} {exp:?}");
                    for c in &got {
                        assert_eq!(c.status, ClockStatus::Running);
                        assert!(c.deadline.unwrap() > c.started_at.unwrap());
                        // Outstanding expectedness makes a SUSAR clock provisional, nothing else.
                        let susar_rule = c.rule_id.contains("_7_day") || c.rule_id.contains("_15_day");
                        assert_eq!(c.provisional.is_some(), susar_rule && exp.is_none(), "{}", c.rule_id);
                        let from = if c.rule_id.contains("sponsor") || pathway != Pathway::SponsoredTrial {
                            StartEvent::SiteAwareness
                        } else {
                            StartEvent::SponsorFirstKnowledge
                        };
                        assert_eq!(c.start, from, "{}", c.rule_id);
                    }
                    rows += 1;
                }
            }
        }
    }
    assert_eq!(rows, 4 * 4 * 2 * 3);
}

#[test]
fn us_ind_clocks_count_calendar_days_from_the_sponsors_first_knowledge_across_the_spring_change() {
    // Sponsor learns Thursday 5 March 2026 15:00 EST (20:00 UTC). Clocks go forward on 8 March.
    let f = facts("America/New_York", seriousness(Class::LifeThreatening), true, Some(Expected::Unexpected));
    let c = clocks(&f, Pathway::SponsoredTrial, "US");
    let seven = by(&c, "us_ind_7_day");
    assert_eq!(seven.started_at, Some(t("2026-03-05T20:00:00Z")));
    assert_eq!(seven.due_date, Some(d("2026-03-12")));
    // The end of 12 March is in EDT (UTC-4), not EST.
    assert_eq!(seven.deadline, Some(Timestamp::from_micros(t("2026-03-13T04:00:00Z").micros() - 1)));
    let fifteen = by(&c, "us_ind_15_day");
    assert_eq!(fifteen.due_date, Some(d("2026-03-20")));
    assert!(seven.deadline < fifteen.deadline);
    assert!(seven.source.contains("312.32(c)(2)"));
    assert_eq!(seven.recipient, "US Food and Drug Administration (FDA), the IND's review division");
    assert_eq!((seven.rule_set.as_str(), seven.version), ("sae_reporting", 1));
}

#[test]
fn the_24_hour_site_clock_is_elapsed_time_across_both_daylight_saving_changes() {
    // New York, spring forward: Saturday 7 March 10:00 EST + 24 h = Sunday 8 March 11:00 EDT.
    let mut f = facts("America/New_York", seriousness(Class::Hospitalised), false, None);
    f.site_aware_at = t("2026-03-07T15:00:00Z");
    let c = by(&clocks(&f, Pathway::SponsoredTrial, "US"), "us_site_to_sponsor").clone();
    assert_eq!(c.deadline, Some(t("2026-03-08T15:00:00Z")));
    assert_eq!(c.due_date, Some(d("2026-03-08")));
    assert_eq!(c.start, StartEvent::SiteAwareness);
    // Sydney, fall back: Saturday 4 April 12:00 AEDT + 24 h = Sunday 5 April 11:00 AEST.
    let mut f = facts("Australia/Sydney", seriousness(Class::Hospitalised), false, None);
    f.site_aware_at = t("2026-04-04T01:00:00Z");
    let c = by(&clocks(&f, Pathway::SponsoredTrial, "AU-NSW"), "au_site_to_sponsor").clone();
    assert_eq!(c.deadline, Some(t("2026-04-05T01:00:00Z")));
    assert_eq!(c.due_date, Some(d("2026-04-05")));
    // Sydney, spring forward on 4 October: 23:30 AEST Saturday 3 October + 24 h = Monday 00:30 AEDT.
    f.site_aware_at = t("2026-10-03T13:30:00Z");
    let c = by(&clocks(&f, Pathway::SponsoredTrial, "AU-NSW"), "au_site_to_sponsor").clone();
    assert_eq!(c.deadline, Some(t("2026-10-04T13:30:00Z")));
    assert_eq!(c.due_date, Some(d("2026-10-05")));
}

#[test]
fn day_zero_is_the_site_local_date_not_the_utc_date() {
    // 31 March 20:00 UTC is 1 April 07:00 in Sydney (AEDT): day 0 is 1 April. The 7-day deadline
    // is the end of 8 April, after the change back to AEST (UTC+10).
    let mut f = facts("Australia/Sydney", seriousness(Class::Fatal), true, Some(Expected::Unexpected));
    f.sponsor_first_knowledge_at = Some(t("2026-03-31T20:00:00Z"));
    let c = clocks(&f, Pathway::SponsoredTrial, "AU-NSW");
    let seven = by(&c, "au_tga_7_day");
    assert_eq!(seven.due_date, Some(d("2026-04-08")));
    assert_eq!(seven.deadline, Some(Timestamp::from_micros(t("2026-04-08T14:00:00Z").micros() - 1)));
    assert_eq!(by(&c, "au_tga_15_day").due_date, Some(d("2026-04-16")));
    assert!(seven.deadline_source.starts_with("programme-defined default"));
    // The same instant is still 31 March in New York.
    let mut f = facts("America/New_York", seriousness(Class::Fatal), true, Some(Expected::Unexpected));
    f.sponsor_first_knowledge_at = Some(t("2026-03-31T20:00:00Z"));
    assert_eq!(by(&clocks(&f, Pathway::SponsoredTrial, "US"), "us_ind_7_day").due_date, Some(d("2026-04-07")));
}

#[test]
fn month_ends_leap_days_and_vancouver() {
    // 31 January 06:00 UTC is 30 January 22:00 PST: day 0 is 30 January; 15 days is 14 February.
    let mut f = facts("America/Vancouver", seriousness(Class::Hospitalised), true, None);
    f.site_aware_at = t("2026-01-31T06:00:00Z");
    let c = by(&clocks(&f, Pathway::SpecialAccess, "CA-BC"), "ca_sap_adverse_reaction").clone();
    assert_eq!(c.due_date, Some(d("2026-02-14")));
    assert_eq!(c.deadline, Some(Timestamp::from_micros(t("2026-02-15T08:00:00Z").micros() - 1)));
    assert_eq!(c.provisional, None);
    // 25 February 2028 + 7 days crosses a leap day: 3 March.
    let mut f = facts("America/New_York", seriousness(Class::LifeThreatening), true, Some(Expected::Unexpected));
    f.site_aware_at = t("2028-02-25T15:00:00Z");
    f.sponsor_first_knowledge_at = Some(t("2028-02-25T15:00:00Z"));
    let c = clocks(&f, Pathway::SponsoredTrial, "US");
    assert_eq!(by(&c, "us_ind_7_day").due_date, Some(d("2028-03-03")));
    assert_eq!(by(&c, "us_ind_15_day").due_date, Some(d("2028-03-11")));
    // 17 December 2026 + 7 calendar days is Christmas Day: calendar days do not roll.
    f.sponsor_first_knowledge_at = Some(t("2026-12-18T15:00:00Z"));
    assert_eq!(by(&clocks(&f, Pathway::SponsoredTrial, "US"), "us_ind_7_day").due_date, Some(d("2026-12-25")));
}

/// A programme that gives its site one business day instead of 24 hours.
fn business_day_rules() -> SafetyReportingRules {
    let json = catalyst_safety::clocks::BUILTIN_JSON.replacen(
        "\"deadline\": { \"kind\": \"hours_after\", \"hours\": 24 },\n      \"source\": \"clinical.md section 9: investigators",
        "\"deadline\": { \"kind\": \"business_days_after\", \"days\": 1 },\n      \"source\": \"clinical.md section 9: investigators",
        1,
    );
    assert_ne!(json, catalyst_safety::clocks::BUILTIN_JSON);
    SafetyReportingRules::from_json(&json).unwrap()
}

#[test]
fn business_day_deadlines_use_the_sites_holiday_calendar() {
    let rules = business_day_rules();
    let due = |aware: &str| {
        let mut f = facts("America/New_York", seriousness(Class::Hospitalised), false, None);
        f.site_aware_at = t(aware);
        let c = clocks_for(&f, Pathway::SponsoredTrial, "US", &rules, &calendars()).unwrap();
        by(&c, "us_site_to_sponsor").clone()
    };
    // Thursday 2 July 2026 16:00 EDT: Friday 3 July is Independence Day observed, so Monday 6 July.
    let c = due("2026-07-02T20:00:00Z");
    assert_eq!(c.due_date, Some(d("2026-07-06")));
    assert_eq!(c.deadline, Some(Timestamp::from_micros(t("2026-07-07T04:00:00Z").micros() - 1)));
    // Wednesday before Thanksgiving: Friday 27 November.
    assert_eq!(due("2026-11-25T15:00:00Z").due_date, Some(d("2026-11-27")));
    // Friday 22:30 EST is Saturday in UTC; day 0 is still the Friday: Monday.
    assert_eq!(due("2026-11-21T03:30:00Z").due_date, Some(d("2026-11-23")));
    // Outside the calendar's years: an error, never "no holidays".
    let mut f = facts("America/New_York", seriousness(Class::Hospitalised), false, None);
    f.site_aware_at = t("2028-06-01T15:00:00Z");
    let err = clocks_for(&f, Pathway::SponsoredTrial, "US", &rules, &calendars()).unwrap_err();
    assert!(matches!(err, ClockError::Calendar(catalyst_regulatory::ClockError::OutsideCalendar { .. })), "{err:?}");
}

#[test]
fn a_recorded_submission_stops_its_clock_and_says_whether_it_was_late() {
    let mut f = facts("America/New_York", seriousness(Class::LifeThreatening), true, Some(Expected::Unexpected));
    f.submissions = vec![
        Submission {
            rule_id: "us_ind_7_day".into(),
            follow_up_id: None,
            submitted_at: t("2026-03-10T12:00:00Z"),
            entered_at: t("2026-03-10T12:05:00Z"),
            reference: " FDA-ACK-1 ".into(),
        },
        Submission {
            rule_id: "us_site_to_sponsor".into(),
            follow_up_id: None,
            submitted_at: t("2026-03-06T16:00:00Z"),
            entered_at: t("2026-03-06T16:00:00Z"),
            reference: "SAE-FORM-7".into(),
        },
    ];
    let c = clocks(&f, Pathway::SponsoredTrial, "US");
    assert_eq!(
        by(&c, "us_ind_7_day").status,
        ClockStatus::Stopped {
            submitted_at: t("2026-03-10T12:00:00Z"),
            entered_at: t("2026-03-10T12:05:00Z"),
            reference: "FDA-ACK-1".into(),
            late: false,
            entered_late: false,
        }
    );
    // 24 h from 5 March 15:00 UTC: 6 March 16:00 is an hour late.
    assert!(matches!(by(&c, "us_site_to_sponsor").status, ClockStatus::Stopped { late: true, .. }));
    assert!(by(&c, "us_ind_15_day").running());
    assert_eq!((by(&c, "us_ind_7_day").sender, by(&c, "us_site_to_sponsor").sender), (Sender::Sponsor, Sender::Site));
    // A report dated on time but entered after the deadline is on time and shown entered late.
    f.submissions[1].submitted_at = t("2026-03-06T14:00:00Z");
    f.submissions[1].entered_at = t("2026-03-09T09:00:00Z");
    let c = clocks(&f, Pathway::SponsoredTrial, "US");
    assert!(matches!(
        by(&c, "us_site_to_sponsor").status,
        ClockStatus::Stopped { late: false, entered_late: true, .. }
    ));
    // A report marked sent needs its reference.
    f.submissions[0].reference = " ".into();
    let err = clocks_for(&f, Pathway::SponsoredTrial, "US", &reporting(), &calendars()).unwrap_err();
    let ClockError::InvalidFacts(v) = err else { panic!() };
    assert_eq!((v[0].field.as_str(), v[0].rule.as_str()), ("submissions[0].reference", "required"));
}

#[test]
fn the_regulator_clock_waits_for_the_sponsors_first_knowledge() {
    let mut f = facts("America/New_York", seriousness(Class::Hospitalised), true, Some(Expected::Unexpected));
    f.sponsor_first_knowledge_at = None;
    let c = clocks(&f, Pathway::SponsoredTrial, "US");
    assert!(by(&c, "us_site_to_sponsor").running());
    let reg = by(&c, "us_ind_15_day");
    assert_eq!(reg.status, ClockStatus::NotStarted);
    assert_eq!((reg.started_at, reg.deadline, reg.due_date), (None, None, None));
    assert_eq!(reg.start, StartEvent::SponsorFirstKnowledge);
}

#[test]
fn follow_ups_each_run_their_own_clock() {
    let mut f = facts("America/New_York", seriousness(Class::Hospitalised), true, Some(Expected::Unexpected));
    f.follow_ups = vec![
        FollowUp { id: "FU-1".into(), received_at: t("2026-03-20T15:00:00Z") },
        FollowUp { id: "FU-2".into(), received_at: t("2026-04-02T15:00:00Z") },
    ];
    f.submissions = vec![Submission {
        rule_id: "us_ind_follow_up".into(),
        follow_up_id: Some("FU-1".into()),
        submitted_at: t("2026-03-25T15:00:00Z"),
        entered_at: t("2026-03-25T15:00:00Z"),
        reference: "FDA-FU-1".into(),
    }];
    let c = clocks(&f, Pathway::SponsoredTrial, "US");
    let fu: Vec<&Clock> = c.iter().filter(|c| c.rule_id == "us_ind_follow_up").collect();
    assert_eq!(fu.len(), 2);
    assert_eq!(fu[0].follow_up_id.as_deref(), Some("FU-1"));
    assert!(matches!(fu[0].status, ClockStatus::Stopped { late: false, .. }));
    assert_eq!(fu[1].due_date, Some(d("2026-04-17")));
    assert!(fu[1].running());
    f.submissions[0].follow_up_id = Some("FU-9".into());
    assert!(matches!(
        clocks_for(&f, Pathway::SponsoredTrial, "US", &reporting(), &calendars()),
        Err(ClockError::InvalidFacts(_))
    ));
}

#[test]
fn an_urgent_safety_measure_starts_the_72_hour_nhmrc_clock() {
    let mut f = facts("Australia/Sydney", Seriousness::default(), false, None);
    assert!(clocks(&f, Pathway::SponsoredTrial, "AU-SA").is_empty());
    f.urgent_safety_measure_at = Some(t("2026-04-03T23:00:00Z"));
    let c = clocks(&f, Pathway::SponsoredTrial, "AU-SA");
    assert_eq!(ids(&c), vec!["au_urgent_safety_measure"]);
    assert_eq!(c[0].deadline, Some(t("2026-04-06T23:00:00Z")));
    assert_eq!(c[0].start, StartEvent::UrgentSafetyMeasure);
}

#[test]
fn unknown_places_and_pathways_without_rules_are_errors() {
    let f = facts("America/Toronto", seriousness(Class::Hospitalised), true, Some(Expected::Unexpected));
    assert!(matches!(
        clocks_for(&f, Pathway::SponsoredTrial, "CA-ON", &reporting(), &calendars()),
        Err(ClockError::UnknownJurisdiction { .. })
    ));
    // Canadian trials and US Authorised Prescribers have no timelines in the data: refused, not
    // answered with none.
    assert!(matches!(
        clocks_for(&f, Pathway::SponsoredTrial, "CA", &reporting(), &calendars()),
        Err(ClockError::NoRules { .. })
    ));
    assert!(matches!(
        clocks_for(&f, Pathway::AuthorisedPrescriber, "US", &reporting(), &calendars()),
        Err(ClockError::NoRules { .. })
    ));
}
