#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The adverse-event record: what is accepted, and each refusal by field and rule.

mod common;

use catalyst_safety::{
    Expected, ExpectednessInput, GradeInput, Intervention, Outcome, Relatedness, Seriousness, When, correction_from,
    event_from,
};
use common::{World, d, input, pair, rules_of, t};

const NOW: &str = "2026-03-12T00:00:00Z";

#[test]
fn a_plain_event_is_recorded_as_revision_one() {
    let w = World::new("Australia/Sydney");
    let e = event_from("AE-1", &input(), &w.facts(NOW)).unwrap();
    assert_eq!(e.revision, 1);
    assert_eq!(e.term_label, "Headache");
    assert_eq!((e.term_list.as_str(), e.term_list_version), ("catalyst_ae_terms", 1));
    assert!(!e.serious);
    assert_eq!(e.recorded_by, "dr-lee");
    assert_eq!(e.recorded_at, t(NOW));
    assert!(e.reason.is_none() && e.changed.is_empty());
    assert!(e.open());
}

#[test]
fn the_four_refusals_of_the_issue_name_field_and_rule() {
    let w = World::new("Australia/Sydney");
    let mut i = input();
    i.end = Some(When::At(t("2026-03-10T13:00:00Z")));
    i.grade = Some(GradeInput { grade: 2, intervention: None, duration_hours: None });
    i.serious = true;
    let got = rules_of(&event_from("AE-1", &i, &w.facts(NOW)).unwrap_err());
    assert_eq!(
        got,
        vec![
            pair("end", "not_before_onset"),
            pair("grade", "not_graded_for_term"),
            pair("seriousness", "criterion_required"),
        ]
    );
    let mut i = input();
    i.onset = When::At(t("2026-03-12T00:00:01Z"));
    i.site_aware_at = t("2026-03-11T00:00:00Z");
    let got = rules_of(&event_from("AE-1", &i, &w.facts(NOW)).unwrap_err());
    assert_eq!(got, vec![pair("onset", "not_in_future"), pair("site_aware_at", "not_before_onset")]);
}

#[test]
fn date_only_times_compare_by_the_site_local_date() {
    // 2026-03-11T20:00Z is already 12 March in Sydney (UTC+11): a date-only onset of 12 March is
    // today there, not the future; 13 March is the future.
    let w = World::new("Australia/Sydney");
    let now = "2026-03-11T20:00:00Z";
    let mut i = input();
    i.onset = When::Date(d("2026-03-12"));
    i.site_aware_at = t(now);
    assert!(event_from("AE-1", &i, &w.facts(now)).is_ok());
    i.onset = When::Date(d("2026-03-13"));
    let got = rules_of(&event_from("AE-1", &i, &w.facts(now)).unwrap_err());
    assert!(got.contains(&pair("onset", "not_in_future")));
    // In New York the same instant is still 11 March, so 12 March is the future there.
    let ny = World::new("America/New_York");
    i.onset = When::Date(d("2026-03-12"));
    let got = rules_of(&event_from("AE-1", &i, &ny.facts(now)).unwrap_err());
    assert!(got.contains(&pair("onset", "not_in_future")));
    // A date-only end on the onset's local date is not before it, though the instant is later.
    let mut i = input();
    i.onset = When::At(t("2026-03-10T14:00:00Z")); // 11 March 01:00 in Sydney
    i.end = Some(When::Date(d("2026-03-11")));
    assert!(event_from("AE-1", &i, &w.facts(NOW)).is_ok());
    i.end = Some(When::Date(d("2026-03-10")));
    assert_eq!(rules_of(&event_from("AE-1", &i, &w.facts(NOW)).unwrap_err()), vec![pair("end", "not_before_onset")]);
}

#[test]
fn grades_need_the_facts_their_criteria_turn_on() {
    let w = World::new("America/New_York");
    let f = w.facts(NOW);
    let graded = |term: &str, g: GradeInput| {
        let mut i = input();
        i.term = term.into();
        i.grade = Some(g);
        event_from("AE-1", &i, &f)
    };
    let g = |grade, intervention, duration_hours| GradeInput { grade, intervention, duration_hours };
    // Fever 3 is > 40 C for at most 24 h; 4 for more than 24 h.
    assert!(graded("fever", g(3, None, Some(24))).is_ok());
    assert!(graded("fever", g(4, None, Some(25))).is_ok());
    assert_eq!(
        rules_of(&graded("fever", g(3, None, None)).unwrap_err()),
        vec![pair("grade.duration_hours", "required")]
    );
    assert_eq!(
        rules_of(&graded("fever", g(4, None, Some(24))).unwrap_err()),
        vec![pair("grade.duration_hours", "not_for_grade")]
    );
    assert_eq!(
        rules_of(&graded("fever", g(3, None, Some(30))).unwrap_err()),
        vec![pair("grade.duration_hours", "not_for_grade")]
    );
    assert!(graded("fever", g(1, None, None)).is_ok());
    // Hypertension: one drug is grade 2 at most; more than one drug is grade 3.
    assert!(graded("hypertension", g(2, Some(Intervention::OneDrug), None)).is_ok());
    assert!(graded("hypertension", g(3, Some(Intervention::MoreThanOneDrug), None)).is_ok());
    assert_eq!(
        rules_of(&graded("hypertension", g(2, Some(Intervention::MoreThanOneDrug), None)).unwrap_err()),
        vec![pair("grade.intervention", "not_for_grade")]
    );
    assert_eq!(
        rules_of(&graded("hypertension", g(1, None, None)).unwrap_err()),
        vec![pair("grade.intervention", "required")]
    );
    // Sinus tachycardia has grades 1-3 only.
    let err = graded("sinus_tachycardia", g(4, Some(Intervention::Urgent), None)).unwrap_err();
    assert_eq!(rules_of(&err), vec![pair("grade", "not_a_grade_of_term")]);
    assert!(err[0].message.contains("[1, 2, 3]"));
    assert!(graded("sinus_tachycardia", g(3, Some(Intervention::Urgent), None)).is_ok());
    // Grade 5 is death.
    assert_eq!(
        rules_of(&graded("fever", g(5, None, None)).unwrap_err()),
        vec![pair("grade", "grade_5_requires_fatal_outcome")]
    );
    // A term without criteria has no grade at all, however plausible.
    assert_eq!(
        rules_of(&graded("euphoria", g(1, None, None)).unwrap_err()),
        vec![pair("grade", "not_graded_for_term")]
    );
}

#[test]
fn seriousness_is_derived_from_the_criteria_and_death_goes_with_a_fatal_outcome() {
    let w = World::new("America/Vancouver");
    let f = w.facts(NOW);
    let mut i = input();
    i.seriousness = Seriousness { hospitalisation: true, ..Seriousness::default() };
    // Ticked but not called serious: refused, not silently upgraded.
    assert_eq!(rules_of(&event_from("AE-1", &i, &f).unwrap_err()), vec![pair("serious", "derived_from_criteria")]);
    i.serious = true;
    let e = event_from("AE-1", &i, &f).unwrap();
    assert!(e.serious);
    assert_eq!(e.details.seriousness.ticked(), vec!["hospitalisation"]);
    // Each criterion is its own box.
    i.seriousness.medically_important = true;
    assert_eq!(
        event_from("AE-1", &i, &f).unwrap().details.seriousness.ticked(),
        vec!["hospitalisation", "medically_important"]
    );

    let mut i = input();
    i.serious = true;
    i.seriousness.death = true;
    assert_eq!(
        rules_of(&event_from("AE-1", &i, &f).unwrap_err()),
        vec![pair("seriousness.death", "requires_fatal_outcome")]
    );
    i.outcome = Some(Outcome::Fatal);
    assert_eq!(rules_of(&event_from("AE-1", &i, &f).unwrap_err()), vec![pair("end", "required_for_outcome")]);
    i.end = Some(When::Date(d("2026-03-11")));
    let e = event_from("AE-1", &i, &f).unwrap();
    assert!(!e.open());

    let mut i = input();
    i.outcome = Some(Outcome::Fatal);
    i.end = Some(When::Date(d("2026-03-11")));
    assert_eq!(
        rules_of(&event_from("AE-1", &i, &f).unwrap_err()),
        vec![pair("outcome", "fatal_requires_death_criterion")]
    );
}

#[test]
fn terms_come_from_the_list_or_are_other_with_a_name() {
    let w = World::new("Australia/Sydney");
    let f = w.facts(NOW);
    let mut i = input();
    i.term = "hangover".into();
    assert_eq!(rules_of(&event_from("AE-1", &i, &f).unwrap_err()), vec![pair("term", "unknown_term")]);
    i.term = "other".into();
    assert_eq!(rules_of(&event_from("AE-1", &i, &f).unwrap_err()), vec![pair("other_term", "required")]);
    i.other_term = Some("Hangover-like malaise".into());
    let e = event_from("AE-1", &i, &f).unwrap();
    assert_eq!(e.term_label, "Hangover-like malaise");
    let mut i = input();
    i.other_term = Some("x".into());
    assert_eq!(rules_of(&event_from("AE-1", &i, &f).unwrap_err()), vec![pair("other_term", "only_for_other")]);
    let mut i = input();
    i.verbatim = "  ".into();
    i.participant_id = String::new();
    assert_eq!(
        rules_of(&event_from("", &i, &f).unwrap_err()),
        vec![pair("id", "required"), pair("participant_id", "required"), pair("verbatim", "required")]
    );
}

#[test]
fn expectedness_is_the_sponsors_call_against_an_rsi_version() {
    let w = World::new("Australia/Sydney");
    let f = w.facts(NOW);
    let call = |assessment, rsi_version, at: &str| {
        Some(ExpectednessInput { assessment, rsi_version, assessed_by: "sponsor-mm".into(), assessed_at: t(at) })
    };
    let mut i = input();
    i.expectedness = call(Expected::Expected, 1, "2026-03-11T00:00:00Z");
    let e = event_from("AE-1", &i, &f).unwrap();
    assert_eq!(e.listed_in_rsi, Some(true));
    // Euphoria is not in the brochure: it cannot be called expected; unexpected is fine.
    i.term = "euphoria".into();
    assert_eq!(
        rules_of(&event_from("AE-1", &i, &f).unwrap_err()),
        vec![pair("expectedness.assessment", "not_listed_in_rsi")]
    );
    i.expectedness = call(Expected::Unexpected, 1, "2026-03-11T00:00:00Z");
    assert_eq!(event_from("AE-1", &i, &f).unwrap().listed_in_rsi, Some(false));
    i.expectedness = call(Expected::Unexpected, 7, "2026-03-11T00:00:00Z");
    assert_eq!(
        rules_of(&event_from("AE-1", &i, &f).unwrap_err()),
        vec![pair("expectedness.rsi_version", "unknown_version")]
    );
    i.expectedness = call(Expected::Unexpected, 1, "2026-03-13T00:00:00Z");
    assert_eq!(
        rules_of(&event_from("AE-1", &i, &f).unwrap_err()),
        vec![pair("expectedness.assessed_at", "not_in_future")]
    );
}

#[test]
fn a_call_against_a_superseded_or_future_rsi_version_is_refused() {
    let terms = common::terms();
    let json = catalyst_safety::rsi::BUILTIN_JSON.replacen(
        "\"versions\": [",
        "\"versions\": [ { \"version\": 0, \"document\": \"x\", \"effective_from\": \"2025-01-01\", \"source\": \"test\", \"expected_terms\": [] },",
        1,
    );
    // Version 0 is refused by the check: versions are 1 or more.
    let err = catalyst_safety::ReferenceSafety::from_json(&json, &terms).unwrap_err();
    assert_eq!(err.violations[0].field, "versions[0].version");
    let two = catalyst_safety::rsi::BUILTIN_JSON.replacen(
        "] }\n  ]",
        "] },\n    { \"version\": 2, \"document\": \"IB edition 2\", \"effective_from\": \"2026-03-11\", \"source\": \"test\", \"expected_terms\": [\"euphoria\"] }\n  ]",
        1,
    );
    let rsi = catalyst_safety::ReferenceSafety::from_json(&two, &terms).unwrap();
    let zone = common::zone("Australia/Sydney");
    let f = catalyst_safety::RecordFacts { terms: &terms, rsi: &rsi, zone: &zone, now: t(NOW), actor: "dr-lee" };
    let mut i = input();
    // 10 March 12:00 UTC is 10 March 23:00 in Sydney: version 1 is in effect, 2 not yet.
    i.expectedness = Some(ExpectednessInput {
        assessment: Expected::Unexpected,
        rsi_version: 2,
        assessed_by: "sponsor-mm".into(),
        assessed_at: t("2026-03-10T12:00:00Z"),
    });
    assert_eq!(
        rules_of(&event_from("AE-1", &i, &f).unwrap_err()),
        vec![pair("expectedness.rsi_version", "not_yet_effective")]
    );
    // 10 March 13:00 UTC is 11 March 00:00 in Sydney: version 2 has superseded 1.
    i.expectedness.as_mut().unwrap().rsi_version = 1;
    i.expectedness.as_mut().unwrap().assessed_at = t("2026-03-10T13:00:00Z");
    assert_eq!(
        rules_of(&event_from("AE-1", &i, &f).unwrap_err()),
        vec![pair("expectedness.rsi_version", "superseded")]
    );
}

#[test]
fn corrections_need_a_reason_change_something_and_keep_the_participant() {
    let w = World::new("Australia/Sydney");
    let e1 = event_from("AE-1", &input(), &w.facts("2026-03-11T00:00:00Z")).unwrap();
    let mut i = input();
    i.severity = catalyst_safety::Severity::Moderate;
    i.related_to_drug = Relatedness::Possible;
    let f = w.facts(NOW);
    assert_eq!(rules_of(&correction_from(&e1, &i, "  ", &f).unwrap_err()), vec![pair("reason", "required")]);
    assert_eq!(rules_of(&correction_from(&e1, &i, "...", &f).unwrap_err()), vec![pair("reason", "words")]);
    let e2 = correction_from(&e1, &i, "participant clarified the intensity at the visit", &f).unwrap();
    assert_eq!(e2.revision, 2);
    assert_eq!(e2.id, "AE-1");
    assert_eq!(e2.changed, vec!["related_to_drug", "severity"]);
    assert_eq!(e2.reason.as_deref(), Some("participant clarified the intensity at the visit"));
    assert_eq!(e2.recorded_at, t(NOW));
    // The earlier revision is untouched (the caller keeps both).
    assert_eq!(e1.details.severity, catalyst_safety::Severity::Mild);
    assert_eq!(
        rules_of(&correction_from(&e2, &i, "no real change here", &f).unwrap_err()),
        vec![pair("input", "no_change")]
    );
    let mut other = i.clone();
    other.participant_id = "P-002".into();
    assert_eq!(
        rules_of(&correction_from(&e2, &other, "wrong participant", &f).unwrap_err()),
        vec![pair("participant_id", "immutable")]
    );
    // A correction is checked by every rule of a new record.
    let mut bad = i.clone();
    bad.serious = true;
    assert_eq!(
        rules_of(&correction_from(&e2, &bad, "upgrade to serious", &f).unwrap_err()),
        vec![pair("seriousness", "criterion_required")]
    );
}

#[test]
fn input_json_rejects_unknown_fields_and_values() {
    let mut json = serde_json::to_value(input()).unwrap();
    json["severity"] = "extreme".into();
    assert!(serde_json::from_value::<catalyst_safety::EventInput>(json.clone()).is_err());
    json["severity"] = "severe".into();
    json["colour"] = "red".into();
    assert!(serde_json::from_value::<catalyst_safety::EventInput>(json).is_err());
    let round: catalyst_safety::EventInput = serde_json::from_value(serde_json::to_value(input()).unwrap()).unwrap();
    assert_eq!(round, input());
}

#[test]
fn times_are_recent_and_dates_are_only_dates() {
    let w = World::new("Australia/Sydney");
    let f = w.facts(NOW);
    for (old, field) in [(When::Date(d("1900-01-01")), "onset"), (When::At(t("0001-01-01T00:00:00Z")), "onset")] {
        let mut i = input();
        i.onset = old;
        assert!(rules_of(&event_from("AE-1", &i, &f).unwrap_err()).contains(&pair(field, "within_5_years")), "{old:?}");
    }
    let mut i = input();
    i.site_aware_at = t("2019-01-01T00:00:00Z");
    i.onset = When::Date(d("2019-01-01"));
    let got = rules_of(&event_from("AE-1", &i, &f).unwrap_err());
    assert!(got.contains(&pair("onset", "within_5_years")) && got.contains(&pair("site_aware_at", "within_5_years")));
    // A date-time where a date belongs is refused, never cut to its date.
    let mut json = serde_json::to_value(input()).unwrap();
    json["onset"] = serde_json::json!({"date": "2026-03-10T10:00"});
    assert!(serde_json::from_value::<catalyst_safety::EventInput>(json.clone()).is_err());
    json["onset"] = serde_json::json!({"date": "2026-03-10"});
    let parsed: catalyst_safety::EventInput = serde_json::from_value(json).unwrap();
    assert_eq!(parsed.onset, When::Date(d("2026-03-10")));
    // An "other" term must name something visible.
    let mut i = input();
    i.term = "other".into();
    i.other_term = Some("\u{200B}\u{200B}".into());
    assert_eq!(rules_of(&event_from("AE-1", &i, &f).unwrap_err()), vec![pair("other_term", "required")]);
    i.other_term = Some("-\u{200B}-".into());
    assert_eq!(rules_of(&event_from("AE-1", &i, &f).unwrap_err()), vec![pair("other_term", "visible")]);
}

#[test]
fn a_new_term_drops_the_expectedness_call_and_moved_awareness_keeps_the_first() {
    let w = World::new("Australia/Sydney");
    let mut i = input();
    i.expectedness = Some(ExpectednessInput {
        assessment: Expected::Unexpected,
        rsi_version: 1,
        assessed_by: "sponsor-mm".into(),
        assessed_at: t("2026-03-11T00:00:00Z"),
    });
    let e1 = event_from("AE-1", &i, &w.facts("2026-03-11T00:00:00Z")).unwrap();
    let mut renamed = i.clone();
    renamed.term = "other".into();
    renamed.other_term = Some("Jaw clenching".into());
    let e2 = correction_from(&e1, &renamed, "the participant described it better", &w.facts(NOW)).unwrap();
    assert_eq!((e2.details.expectedness.as_ref(), e2.listed_in_rsi), (None, None));
    assert!(e2.changed.contains(&"expectedness".to_string()));
    assert_eq!(e2.first_site_aware_at, None);
    // Moving awareness keeps the time first recorded, through every later correction.
    let mut moved = e2.details.clone();
    moved.site_aware_at = moved.site_aware_at.plus_seconds(3600);
    let e3 = correction_from(&e2, &moved, "the nurse logged the call an hour early", &w.facts(NOW)).unwrap();
    assert_eq!(e3.first_site_aware_at, Some(e1.details.site_aware_at));
    let mut again = e3.details.clone();
    again.site_aware_at = again.site_aware_at.plus_seconds(3600);
    let e4 = correction_from(&e3, &again, "and it was later still, per the phone log", &w.facts(NOW)).unwrap();
    assert_eq!(e4.first_site_aware_at, Some(e1.details.site_aware_at));
    // Moved earlier, then later again: the clocks keep the earliest time any revision held.
    let mut earlier = e4.details.clone();
    earlier.site_aware_at = e1.details.site_aware_at.plus_seconds(-1800);
    let e5 = correction_from(&e4, &earlier, "the call log shows an earlier call", &w.facts(NOW)).unwrap();
    let mut later = e5.details.clone();
    later.site_aware_at = e1.details.site_aware_at.plus_seconds(3600);
    let e6 = correction_from(&e5, &later, "that earlier call was about another matter", &w.facts(NOW)).unwrap();
    assert_eq!(e6.earliest_site_awareness(), e1.details.site_aware_at.plus_seconds(-1800));
    assert_eq!(e6.first_site_aware_at, Some(e1.details.site_aware_at));
}

#[test]
fn the_reporter_stays_whoever_recorded_the_event_first() {
    let w = World::new("Australia/Sydney");
    let e1 = event_from("AE-1", &input(), &w.facts("2026-03-11T00:00:00Z")).unwrap();
    let mut i = input();
    i.severity = catalyst_safety::Severity::Moderate;
    let mut later = w.facts(NOW);
    later.actor = "dr-other";
    let e2 = correction_from(&e1, &i, "worse on review", &later).unwrap();
    assert_eq!((e2.recorded_by.as_str(), e2.reporter()), ("dr-other", "dr-lee"));
    i.severity = catalyst_safety::Severity::Severe;
    let e3 = correction_from(&e2, &i, "worse again", &later).unwrap();
    assert_eq!(e3.reporter(), "dr-lee");
}
