#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The bundled register rules load, every rule is sourced, subdivisions inherit, and bad data
//! is refused with its path.

use catalyst_pharmacy::rules::BUILTIN_JSON;
use catalyst_pharmacy::{MayAdminister, OrderForm, PROGRAMME_DEFINED, Qualification, ReceiveField, RegisterRules};

fn rules() -> RegisterRules {
    RegisterRules::builtin().unwrap()
}

fn sourced(text: &str) -> bool {
    text.starts_with(PROGRAMME_DEFINED) || ["clinical.md", "compliance.md"].iter().any(|c| text.contains(c))
}

#[test]
fn bundled_rules_load_with_a_version() {
    let r = rules();
    assert_eq!(r.id, "controlled_substance_register");
    assert_eq!(r.version, 1);
    assert_eq!(r.jurisdiction_codes(), ["US", "AU", "AU-ACT", "AU-NSW", "AU-SA", "AU-VIC", "CA", "CA-BC", "CA-ON"]);
}

#[test]
fn every_rule_cites_a_reference_or_says_it_is_a_programme_default() {
    for code in rules().jurisdiction_codes() {
        let j = rules().for_jurisdiction(&code).unwrap();
        for (what, source) in [
            ("waste_witnesses", &j.waste_witnesses.source),
            ("destruction_witnesses", &j.destruction_witnesses.source),
            ("may_administer", &j.may_administer.source),
            ("receive_requires", &j.receive_requires.source),
            ("order_forms", &j.order_forms.source),
            ("count_interval_months", &j.count_interval_months.source),
            ("retention_years", &j.retention_years.source),
        ] {
            assert!(sourced(source), "{code} {what}: {source}");
        }
    }
}

#[test]
fn us_rules_follow_the_dea() {
    let us = rules().for_jurisdiction("US").unwrap();
    assert_eq!(us.destruction_witnesses.value, 2);
    assert!(us.destruction_witnesses.source.contains("Form 41"));
    assert_eq!(us.count_interval_months.value, 24);
    assert_eq!(us.retention_years.value, 2);
    assert!(us.receive_requires.value.contains(&ReceiveField::Order));
    assert!(us.receive_requires.value.contains(&ReceiveField::SupplierRegistration));
    assert_eq!(us.order_forms.value.iter().copied().collect::<Vec<_>>(), [OrderForm::DeaForm222, OrderForm::Csos]);
    assert_eq!(us.may_administer.value, MayAdminister::Any);
    assert!(us.may_administer.source.starts_with(PROGRAMME_DEFINED));
    assert_eq!(us.next_count_due("2026-03-31".parse().unwrap()), Some("2028-03-31".parse().unwrap()));
    assert_eq!(us.retain_until("2026-02-28".parse().unwrap()), Some("2028-02-28".parse().unwrap()));
}

#[test]
fn victoria_restricts_who_administers_and_inherits_the_rest() {
    let vic = rules().for_jurisdiction("AU-VIC").unwrap();
    assert_eq!(vic.may_administer.set_by, "AU-VIC");
    assert!(vic.may_administer.value.allows(Qualification::MedicalPractitioner));
    assert!(vic.may_administer.value.allows(Qualification::Nurse));
    for q in [Qualification::Pharmacist, Qualification::Psychologist, Qualification::Therapist, Qualification::Other] {
        assert!(!vic.may_administer.value.allows(q), "{q:?}");
    }
    assert!(vic.may_administer.source.contains("clinical.md section 7"));
    assert_eq!(vic.count_interval_months.set_by, "AU");
    assert!(vic.count_interval_months.source.starts_with(PROGRAMME_DEFINED));
    let nsw = rules().for_jurisdiction("AU-NSW").unwrap();
    assert_eq!(nsw.may_administer.value, MayAdminister::Any);
    assert!(!nsw.receive_requires.value.contains(&ReceiveField::Order));
}

#[test]
fn an_unlisted_jurisdiction_is_refused() {
    let e = rules().for_jurisdiction("AU-QLD").unwrap_err();
    assert_eq!((e.field.as_str(), e.rule.as_str()), ("jurisdiction", "one_of"));
    assert!(e.message.contains("AU-VIC"));
}

#[test]
fn unknown_fields_are_refused_with_their_path() {
    let bad = BUILTIN_JSON.replacen(
        "\"waste_witnesses\": { \"value\": 2,",
        "\"waste_witnesses\": { \"value\": 2, \"min\": 1,",
        1,
    );
    let e = RegisterRules::from_json(&bad).unwrap_err();
    assert_eq!(e.violations[0].rule, "parse");
    assert_eq!(e.violations[0].field, "jurisdictions[0].waste_witnesses.min");
    assert!(e.violations[0].message.contains("unknown field `min`"), "{e}");

    let bad = BUILTIN_JSON.replacen("\"version\": 1,", "\"version\": 1, \"author\": \"x\",", 1);
    let e = RegisterRules::from_json(&bad).unwrap_err();
    assert!(e.violations[0].message.contains("unknown field `author`"), "{e}");
}

#[test]
fn a_misspelt_qualification_is_refused() {
    let bad = BUILTIN_JSON.replacen("[\"medical_practitioner\", \"nurse\"]", "[\"doctor\", \"nurse\"]", 1);
    let e = RegisterRules::from_json(&bad).unwrap_err();
    assert!(e.violations[0].field.starts_with("jurisdictions[5].may_administer.value.only"), "{e}");
    assert!(e.violations[0].message.contains("unknown variant `doctor`"), "{e}");
}

#[test]
fn a_country_must_set_every_rule_and_numbers_are_in_range() {
    let mut r = rules();
    r.jurisdictions[0].retention_years = None;
    r.jurisdictions[1].destruction_witnesses.as_mut().unwrap().value = 0;
    r.jurisdictions[1].waste_witnesses.as_mut().unwrap().source = " ".into();
    let v = r.check();
    let got: Vec<(&str, &str)> = v.iter().map(|v| (v.field.as_str(), v.rule.as_str())).collect();
    assert!(got.contains(&("jurisdictions[0].retention_years", "required")), "{got:?}");
    assert!(got.contains(&("jurisdictions[1].destruction_witnesses.value", "range")), "{got:?}");
    assert!(got.contains(&("jurisdictions[1].waste_witnesses.source", "required")), "{got:?}");
}

#[test]
fn codes_are_checked() {
    let mut r = rules();
    r.jurisdictions[2].code = "au-act".into();
    r.jurisdictions.retain(|j| j.code != "CA");
    let got: Vec<(String, String)> = r.check().into_iter().map(|v| (v.field, v.rule)).collect();
    assert!(got.contains(&("jurisdictions[2].code".into(), "format".into())), "{got:?}");
    assert!(got.contains(&("jurisdictions".into(), "required".into())), "{got:?}");
}

#[test]
fn receipts_needing_an_order_need_an_order_form() {
    let mut r = rules();
    r.jurisdictions[0].order_forms.as_mut().unwrap().value.clear();
    let got: Vec<String> = r.check().into_iter().map(|v| v.message).collect();
    assert!(got.iter().any(|m| m.contains("US: receipts need an order")), "{got:?}");
}
