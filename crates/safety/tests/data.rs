#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The data files load, cite their sources, and their checks refuse broken data.

mod common;

use std::collections::BTreeSet;

use catalyst_safety::{Category, PROGRAMME_DEFINED, SafetyReportingRules, TermList};
use common::{reporting, terms};

#[test]
fn the_term_list_covers_what_the_issue_names() {
    let t = terms();
    for id in ["euphoria", "elevated_mood", "feeling_abnormal", "dissociation", "derealisation"] {
        let term = t.get(id).unwrap();
        assert_eq!(term.category, Category::AbuseRelated, "{id}");
        assert!(term.solicited && term.special_interest, "{id}");
    }
    let cats: BTreeSet<Category> = t.terms.iter().map(|x| x.category).collect();
    for c in [
        Category::ExpectedEffect,
        Category::AbuseRelated,
        Category::Cardiovascular,
        Category::Thermoregulatory,
        Category::Suicidality,
    ] {
        assert!(cats.contains(&c), "{c:?}");
    }
    // clinical.md section 3's fifteen common adverse events are all solicited expected effects.
    assert_eq!(t.terms.iter().filter(|x| x.category == Category::ExpectedEffect && x.solicited).count(), 15);
    // Only the terms clinical.md gives CTCAE criteria for are graded.
    let graded: Vec<&str> = t.terms.iter().filter(|x| x.grading.is_some()).map(|x| x.id.as_str()).collect();
    assert_eq!(graded, vec!["hypertension", "sinus_tachycardia", "fever"]);
    assert_eq!(t.get("fever").unwrap().grades(), vec![1, 2, 3, 4, 5]);
    assert!(t.terms.iter().all(|x| !x.source.trim().is_empty()));
}

#[test]
fn the_term_check_reports_every_problem_at_once() {
    let mut t = terms();
    t.terms[1].id = t.terms[0].id.clone();
    t.terms[2].source = " ".into();
    let fever = t.terms.iter_mut().find(|x| x.id == "fever").unwrap();
    let g = fever.grading.as_mut().unwrap();
    g.grades[0].grade = 6;
    g.grades[2].requires.clear();
    let v = t.check();
    let got: Vec<(String, String)> = v.iter().map(|x| (x.field.clone(), x.rule.clone())).collect();
    let fever_at = t.terms.iter().position(|x| x.id == "fever").unwrap();
    assert_eq!(
        got,
        vec![
            ("terms[1].id".into(), "unique".into()),
            ("terms[2].source".into(), "required".into()),
            (format!("terms[{fever_at}].grading.grades[0].grade"), "range".into()),
            (format!("terms[{fever_at}].grading.grades[2].requires"), "consistent".into()),
        ]
    );
    let err = TermList::from_json(&catalyst_safety::terms::BUILTIN_JSON.replacen("\"solicited\"", "\"solicitd\"", 1))
        .unwrap_err();
    assert_eq!(err.file, "terms.json");
    assert_eq!(err.violations[0].rule, "parse");
    assert!(err.violations[0].field.starts_with("terms[0]"));
}

#[test]
fn the_reference_safety_information_only_names_listed_terms() {
    let json = catalyst_safety::rsi::BUILTIN_JSON.replacen("\"bruxism\"", "\"teeth\"", 1);
    let err = catalyst_safety::ReferenceSafety::from_json(&json, &terms()).unwrap_err();
    assert_eq!(err.violations[0].rule, "unknown_term");
    let rsi = common::rsi();
    assert!(rsi.source.starts_with(PROGRAMME_DEFINED));
    assert!(!rsi.versions[0].lists("euphoria"));
}

#[test]
fn every_timeline_cites_its_source_and_defaults_say_so() {
    let r = reporting();
    for rule in &r.rules {
        assert!(!rule.source.trim().is_empty() && !rule.deadline_source.trim().is_empty(), "{}", rule.id);
    }
    // The 21 CFR 312.32 numbers are sourced, not defaults; the site's 24 hours and every TGA
    // and Special Access number in the data are defaults.
    let rule = |id: &str| r.rules.iter().find(|x| x.id == id).unwrap();
    for id in ["us_ind_7_day", "us_ind_15_day", "us_ind_follow_up", "au_site_to_sponsor"] {
        assert!(!rule(id).deadline_source.starts_with(PROGRAMME_DEFINED), "{id}");
    }
    for id in ["us_site_to_sponsor", "au_tga_7_day", "au_ap_tga", "au_ap_hrec", "ca_sap_adverse_reaction"] {
        assert!(rule(id).deadline_source.starts_with(PROGRAMME_DEFINED), "{id}");
    }
}

#[test]
fn the_timeline_check_refuses_what_could_never_run() {
    let mut r = reporting();
    let ap = r.rules.iter().position(|x| x.id == "au_ap_tga").unwrap();
    r.rules[ap].when = catalyst_safety::Condition::Susar;
    r.rules[0].jurisdiction = "NZ".into();
    r.rules[1].deadline = catalyst_safety::Deadline::HoursAfter { hours: 0 };
    r.rules[2].source = String::new();
    let got: Vec<(String, String)> = r.check().iter().map(|x| (x.field.clone(), x.rule.clone())).collect();
    assert_eq!(
        got,
        vec![
            ("rules[0].jurisdiction".into(), "one_of".into()),
            ("rules[1].deadline".into(), "range".into()),
            ("rules[2].source".into(), "required".into()),
            (format!("rules[{ap}].when"), "no_sponsor".into()),
        ]
    );
    let err = SafetyReportingRules::from_json(&catalyst_safety::clocks::BUILTIN_JSON.replacen(
        "\"hours_after\"",
        "\"hours_later\"",
        1,
    ))
    .unwrap_err();
    assert_eq!(err.violations[0].rule, "parse");
}
