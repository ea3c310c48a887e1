#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The bundled data loads, every rule is sourced, and bad data is refused with its path.

mod common;

use catalyst_regulatory::{Calendars, PROGRAMME_DEFINED, ReportingRules, calendar::BUILTIN_FILES, rules::BUILTIN_JSON};
use common::rules;

#[test]
fn bundled_rules_load_with_a_version() {
    let r = rules();
    assert_eq!(r.id, "reporting_obligations");
    assert_eq!(r.version, 1);
    for id in [
        "au_tga_ap_six_monthly",
        "au_hrec_annual_progress",
        "au_sa_chief_psychiatrist_notice",
        "au_vic_pre_treatment_notice",
        "ca_sap_follow_up",
        "us_fda_ind_annual",
        "us_dea_106_notice",
        "us_dea_106_form",
    ] {
        assert!(r.rules.iter().any(|x| x.id == id), "missing rule {id}");
    }
}

/// A source is either marked programme-defined or names a document or regulation.
fn sourced(text: &str) -> bool {
    text.starts_with(PROGRAMME_DEFINED) || ["clinical.md", "compliance.md", "CFR"].iter().any(|c| text.contains(c))
}

#[test]
fn every_rule_has_a_citation_or_is_marked_programme_defined() {
    for r in &rules().rules {
        assert!(sourced(&r.source), "{}: source {:?}", r.id, r.source);
        assert!(sourced(&r.deadline_source), "{}: deadline_source {:?}", r.id, r.deadline_source);
    }
    // The brief's numbers that no reference document gives stay marked as such.
    let r = rules();
    let sa = r.rules.iter().find(|x| x.id == "au_sa_chief_psychiatrist_notice").unwrap();
    assert!(sa.is_programme_defined());
    let ind = r.rules.iter().find(|x| x.id == "us_fda_ind_annual").unwrap();
    assert!(!ind.is_programme_defined());
}

#[test]
fn bundled_calendars_load_and_name_their_source() {
    let c = Calendars::builtin().unwrap();
    assert_eq!(c.files().count(), BUILTIN_FILES.len());
    for f in c.files() {
        assert!(!f.source.is_empty(), "{}", f.jurisdiction);
        assert_eq!(f.covers.from.to_string(), "2026-01-01");
        assert_eq!(f.covers.to.to_string(), "2027-12-31");
    }
}

fn replace(from: &str, to: &str) -> String {
    assert!(BUILTIN_JSON.contains(from), "{from}");
    BUILTIN_JSON.replacen(from, to, 1)
}

#[test]
fn unknown_fields_are_refused_with_their_path_and_the_allowed_names() {
    let text = replace("\"recipient\": \"Therapeutic", "\"recipeint\": \"x\", \"recipient\": \"Therapeutic");
    let e = ReportingRules::from_json(&text).unwrap_err();
    assert_eq!(e.violations[0].field, "rules[0].recipeint");
    assert!(e.violations[0].message.contains("unknown field `recipeint`"), "{e}");
    assert!(e.violations[0].message.contains("recipient"), "{e}");
}

#[test]
fn unknown_kinds_name_the_allowed_values() {
    let text = replace("\"event\": \"prescribing\"", "\"event\": \"prescription\"");
    let e = ReportingRules::from_json(&text).unwrap_err();
    let v = &e.violations[0];
    assert!(v.field.starts_with("rules[4].trigger"), "{}", v.field);
    for allowed in ["prescribing", "treatment_start", "serious_adverse_event", "theft_or_loss_discovered"] {
        assert!(v.message.contains(allowed), "{}", v.message);
    }
    let text =
        replace("\"kind\": \"calendar_days_after\", \"days\": 45", "\"kind\": \"calendar_weeks_after\", \"days\": 45");
    let e = ReportingRules::from_json(&text).unwrap_err();
    assert_eq!(e.violations[0].field, "rules[9].deadline.kind", "{e}");
    assert!(e.violations[0].message.contains("business_days_before"), "{e}");
}

#[test]
fn semantic_problems_are_all_reported_by_path() {
    let text = replace("\"jurisdiction\": \"AU-SA\"", "\"jurisdiction\": \"AU-QLD\"")
        .replacen("\"kind\": \"business_days_after\", \"days\": 1", "\"kind\": \"business_days_after\", \"days\": 0", 1)
        .replacen("\"id\": \"us_dea_106_form\"", "\"id\": \"us_dea_106_notice\"", 1)
        .replacen(
            "\"deadline_source\": \"21 CFR 312.33: within 60 days of the anniversary date that the IND went into effect\"",
            "\"deadline_source\": \" \"",
            1,
        );
    let e = ReportingRules::from_json(&text).unwrap_err();
    let fields: Vec<(&str, &str)> = e.violations.iter().map(|v| (v.field.as_str(), v.rule.as_str())).collect();
    assert!(fields.contains(&("rules[4].jurisdiction", "one_of")), "{fields:?}");
    assert!(fields.contains(&("rules[4].deadline.days", "range")), "{fields:?}");
    assert!(fields.contains(&("rules[9].id", "unique")), "{fields:?}");
    assert!(fields.contains(&("rules[7].deadline_source", "required")), "{fields:?}");
    let j = e.violations.iter().find(|v| v.field == "rules[4].jurisdiction").unwrap();
    assert!(j.message.contains("AU, AU-ACT, AU-NSW, AU-SA, AU-VIC, CA, CA-BC, CA-ON, US"), "{}", j.message);
    let s = e.violations.iter().find(|v| v.field == "rules[7].deadline_source").unwrap();
    assert!(s.message.contains(PROGRAMME_DEFINED), "{}", s.message);
}

#[test]
fn a_subdivision_needs_its_country() {
    let text = replace("{ \"code\": \"AU\", \"name\": \"Australia (Commonwealth)\" },", "");
    let e = ReportingRules::from_json(&text).unwrap_err();
    assert!(e.violations.iter().any(|v| v.field == "jurisdictions" && v.message.contains("country AU")), "{e}");
}

fn sa_file() -> &'static str {
    BUILTIN_FILES.iter().find(|(n, _)| *n == "holidays/au-sa.json").unwrap().1
}

#[test]
fn a_holiday_on_a_weekend_is_refused_as_a_likely_typo() {
    // 2026-03-08 is a Sunday; Adelaide Cup Day is Monday 9 March.
    let text = sa_file().replacen("2026-03-09", "2026-03-08", 1);
    let e = Calendars::from_json(&[("holidays/au-sa.json", &text)]).unwrap_err();
    assert_eq!(e.file, "holidays/au-sa.json");
    assert_eq!(e.violations[0].field, "holidays[0].date");
    assert_eq!(e.violations[0].rule, "weekday");
}

#[test]
fn holiday_files_refuse_dates_outside_coverage_duplicates_and_unknown_fields() {
    let text = sa_file().replacen("2026-06-08", "2028-06-12", 1);
    let e = Calendars::from_json(&[("sa", &text)]).unwrap_err();
    assert_eq!((e.violations[0].field.as_str(), e.violations[0].rule.as_str()), ("holidays[1].date", "range"));

    let text = sa_file().replacen("2026-06-08", "2026-03-09", 1);
    let e = Calendars::from_json(&[("sa", &text)]).unwrap_err();
    assert_eq!(e.violations[0].rule, "unique");

    let text = sa_file().replacen("\"weekend\"", "\"weekends\"", 1);
    let e = Calendars::from_json(&[("sa", &text)]).unwrap_err();
    assert!(e.violations[0].message.contains("unknown field `weekends`"), "{e}");

    let text = sa_file().replacen("\"saturday\"", "\"sabado\"", 1);
    let e = Calendars::from_json(&[("sa", &text)]).unwrap_err();
    assert_eq!(e.violations[0].field, "weekend[0]");
    assert!(e.violations[0].message.contains("saturday"), "{e}");

    let e = Calendars::from_json(&[("a", sa_file()), ("b", sa_file())]).unwrap_err();
    assert_eq!((e.file.as_str(), e.violations[0].rule.as_str()), ("b", "unique"));
}
