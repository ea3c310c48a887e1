#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Rule-by-rule tests: each rule, each boundary, validation errors, decisions and pathways.

use catalyst_screening::record::{
    Authority, BloodPressureReading, Caps5AtScreening, CurrentMedication, Dose, LastDose, MedicalCondition,
    MedicationTrial, Pathway, PsychiatricCondition, ScreeningRecord, SexAtBirth, TherapyCourse, TherapyType,
    TrialOutcome, YesNoUnknown,
};
use catalyst_screening::rules::{Enforcement, RuleSets};
use catalyst_screening::{
    ActionKind, Decision, DecisionKind, GuidelineStatus, ReasonEffect, Status, ValidationRule, evaluate, parse_record,
    screen_json,
};
use jiff::civil::{Date, date};

const AS_OF: Date = date(2026, 3, 1);

fn base() -> ScreeningRecord {
    parse_record(include_str!("../../../docs/screening/eligible.json")).unwrap()
}

fn rules() -> RuleSets {
    RuleSets::builtin().unwrap()
}

fn eval(r: &ScreeningRecord) -> Decision {
    evaluate(r, &rules(), AS_OF).unwrap_or_else(|e| panic!("{e}"))
}

fn criterion(d: &Decision, id: &str) -> Status {
    d.criteria.iter().find(|c| c.rule_id == id).unwrap().status
}

fn step(d: &Decision, n: u8) -> Status {
    d.guideline.steps.iter().find(|s| s.step == n).unwrap().status
}

fn dose(mg: f64) -> Option<Dose> {
    Some(Dose { amount: Some(mg), unit: Some("mg".into()) })
}

fn trial(drug: &str, mg: f64, weeks: i64, outcome: TrialOutcome) -> MedicationTrial {
    MedicationTrial {
        drug: drug.into(),
        daily_dose: dose(mg),
        weeks: Some(weeks),
        outcome: Some(outcome),
        ended_on: None,
    }
}

fn med(drug: &str, last: LastDose) -> CurrentMedication {
    CurrentMedication { drug: drug.into(), daily_dose: dose(10.0), last_dose: last }
}

fn with_meds(meds: Vec<CurrentMedication>) -> ScreeningRecord {
    let mut r = base();
    r.current_medications = Some(meds);
    r
}

fn reading(s: i64, d: i64, on: Date) -> BloodPressureReading {
    BloodPressureReading { systolic: s, diastolic: d, measured_on: on }
}

// ------------------------------------------------------------------ base

#[test]
fn base_record_is_eligible() {
    let d = eval(&base());
    assert_eq!(d.decision, DecisionKind::Eligible);
    assert_eq!(d.eligible_from, Some(AS_OF));
    assert_eq!(d.guideline.status, GuidelineStatus::TreatmentResistant);
    assert!(d.guideline.first_unmet.is_none());
    assert!(d.criteria.iter().all(|c| c.status == Status::Met), "{:#?}", d.criteria);
    assert!(d.reasons.iter().all(|r| !r.source.is_empty() && !r.rule_id.is_empty()));
    assert_eq!(d.rule_sets.len(), 5);
}

// ------------------------------------------------------------------ validation

fn errors(r: &ScreeningRecord) -> catalyst_screening::ValidationErrors {
    evaluate(r, &rules(), AS_OF).unwrap_err()
}

#[test]
fn negative_sessions_and_weeks_are_rejected() {
    let mut r = base();
    r.trauma_therapy.as_mut().unwrap()[0].sessions = -1;
    r.medication_trials.as_mut().unwrap()[0].weeks = Some(-3);
    let e = errors(&r);
    assert!(e.has("trauma_therapy[0].sessions", ValidationRule::Negative), "{e}");
    assert!(e.has("medication_trials[0].weeks", ValidationRule::Negative), "{e}");
}

#[test]
fn dose_without_unit_or_with_unknown_unit_is_rejected() {
    let mut r = base();
    r.medication_trials.as_mut().unwrap()[0].daily_dose = Some(Dose { amount: Some(100.0), unit: None });
    r.medication_trials.as_mut().unwrap()[1].daily_dose =
        Some(Dose { amount: Some(100.0), unit: Some("tablets".into()) });
    r.current_medications.as_mut().unwrap()[0].daily_dose = Some(Dose { amount: None, unit: Some("mg".into()) });
    let e = errors(&r);
    assert!(e.has("medication_trials[0].daily_dose.unit", ValidationRule::MissingUnit), "{e}");
    assert!(e.has("medication_trials[1].daily_dose.unit", ValidationRule::UnknownUnit), "{e}");
    assert!(e.has("current_medications[0].daily_dose.amount", ValidationRule::MissingAmount), "{e}");
}

#[test]
fn unknown_drug_names_are_rejected_with_close_matches() {
    let mut r = base();
    r.medication_trials.as_mut().unwrap()[0].drug = "setraline".into();
    r.current_medications.as_mut().unwrap()[0].drug = "frobnicol".into();
    let e = errors(&r);
    assert!(e.has("medication_trials[0].drug", ValidationRule::UnknownDrug));
    let msg = e.0.iter().find(|x| x.path == "medication_trials[0].drug").unwrap().message.clone();
    assert!(msg.contains("did you mean: sertraline"), "{msg}");
    let msg = e.0.iter().find(|x| x.path == "current_medications[0].drug").unwrap().message.clone();
    assert!(msg.contains("no close match"), "{msg}");
}

#[test]
fn brand_names_resolve() {
    let mut r = base();
    r.medication_trials.as_mut().unwrap()[0].drug = "Zoloft".into();
    assert_eq!(eval(&r).decision, DecisionKind::Eligible);
}

#[test]
fn future_dates_are_rejected() {
    let mut r = base();
    r.caps5 = Some(Caps5AtScreening { total: 40, assessed_on: date(2026, 3, 2) });
    r.current_medications = Some(vec![med("sertraline", LastDose::On(date(2026, 4, 1)))]);
    r.blood_pressure[0].measured_on = date(2027, 1, 1);
    let e = errors(&r);
    assert!(e.has("caps5.assessed_on", ValidationRule::FutureDate), "{e}");
    assert!(e.has("current_medications[0].last_dose", ValidationRule::FutureDate), "{e}");
    assert!(e.has("blood_pressure[0].measured_on", ValidationRule::FutureDate), "{e}");
    // as_of itself is not in the future.
    let mut ok = base();
    ok.caps5 = Some(Caps5AtScreening { total: 40, assessed_on: AS_OF });
    assert!(evaluate(&ok, &rules(), AS_OF).is_ok());
}

#[test]
fn impossible_values_are_rejected() {
    let mut r = base();
    r.blood_pressure[0] = reading(80, 90, date(2026, 2, 6));
    r.qtc_ms = Some(249.0);
    r.caps5 = Some(Caps5AtScreening { total: 81, assessed_on: AS_OF });
    let e = errors(&r);
    assert!(e.has("blood_pressure[0]", ValidationRule::Impossible), "{e}");
    assert!(e.has("qtc_ms", ValidationRule::OutOfRange));
    assert!(e.has("caps5.total", ValidationRule::OutOfRange));
    r.qtc_ms = Some(701.0);
    assert!(errors(&r).has("qtc_ms", ValidationRule::OutOfRange));
    for ok in [250.0, 700.0] {
        let mut r = base();
        r.qtc_ms = Some(ok);
        assert!(evaluate(&r, &rules(), AS_OF).is_ok());
    }
    let mut r = base();
    r.caps5 = Some(Caps5AtScreening { total: -1, assessed_on: AS_OF });
    assert!(errors(&r).has("caps5.total", ValidationRule::OutOfRange));
}

#[test]
fn contradictory_records_are_rejected() {
    let mut r = base();
    r.reproductive.pregnant = YesNoUnknown::Yes;
    r.reproductive.can_become_pregnant = YesNoUnknown::No;
    r.trauma_therapy.as_mut().unwrap()[1].sessions = 0;
    r.trauma_therapy.as_mut().unwrap()[1].completed = true;
    r.prior_mdma_use.used = YesNoUnknown::No;
    r.prior_mdma_use.times = Some(4);
    r.medical_conditions = Some(vec![MedicalCondition::ArrhythmiaHistory]);
    r.age_years = Some(30); // born 1984: 41 at as_of
    let e = errors(&r);
    assert!(e.has("reproductive.pregnant", ValidationRule::Contradictory), "{e}");
    assert!(e.has("trauma_therapy[1].completed", ValidationRule::Contradictory), "{e}");
    assert!(e.has("prior_mdma_use.used", ValidationRule::Contradictory), "{e}");
    assert!(e.has("arrhythmia_history", ValidationRule::Contradictory), "{e}");
    assert!(e.has("age_years", ValidationRule::Contradictory), "{e}");
    // Every problem is reported, one per line.
    assert_eq!(e.to_string().lines().count(), e.0.len());
    assert!(e.0.len() >= 5);
}

#[test]
fn male_cannot_be_pregnant() {
    let mut r = base();
    r.sex_at_birth = SexAtBirth::Male;
    r.reproductive.can_become_pregnant = YesNoUnknown::Yes;
    assert!(errors(&r).has("reproductive.can_become_pregnant", ValidationRule::Contradictory));
}

#[test]
fn malformed_jurisdiction_is_rejected() {
    for bad in ["us", "USA", "AU-", "AU-VICT", ""] {
        let mut r = base();
        r.jurisdiction = Some(bad.into());
        assert!(errors(&r).has("jurisdiction", ValidationRule::Format), "{bad}");
    }
}

#[test]
fn parse_errors_name_the_json_path() {
    let input = include_str!("../../../docs/screening/eligible.json").replacen("\"nightmares\"", "\"nightmare\"", 1);
    let e = screen_json(&input, AS_OF).unwrap_err().to_string();
    assert!(e.contains("nightmare") && e.contains("unknown field"), "{e}");
    let input = include_str!("../../../docs/screening/eligible.json").replace("major_depressive_disorder", "mdd");
    let e = screen_json(&input, AS_OF).unwrap_err().to_string();
    assert!(e.starts_with("psychiatric_conditions[0]"), "{e}");
    let input = include_str!("../../../docs/screening/eligible.json").replace("\"2025-11-30\"", "\"yesterday\"");
    let e = screen_json(&input, AS_OF).unwrap_err().to_string();
    assert!(e.starts_with("current_medications[0].last_dose") && e.contains("still_taking"), "{e}");
}

#[test]
fn screen_json_lists_every_validation_problem_one_per_line() {
    let input = include_str!("../../../docs/screening/eligible.json")
        .replace("\"sessions\": 12", "\"sessions\": -2")
        .replace("\"qtc_ms\": 430", "\"qtc_ms\": 900");
    let e = screen_json(&input, AS_OF).unwrap_err().to_string();
    let lines: Vec<&str> = e.lines().collect();
    assert_eq!(lines.len(), 2, "{e}");
    assert!(lines[0].starts_with("trauma_therapy[0].sessions: "), "{e}");
    assert!(lines[1].starts_with("qtc_ms: "), "{e}");
}

// ------------------------------------------------------------------ guideline

#[test]
fn trauma_focused_therapy_boundary_8_vs_9_sessions() {
    let mut r = base();
    r.trauma_therapy = Some(vec![TherapyCourse {
        therapy_type: TherapyType::Pe,
        sessions: 8,
        completed: true,
        ended_on: None,
        with_optimised_medication: YesNoUnknown::Yes,
    }]);
    let d = eval(&r);
    assert_eq!(step(&d, 1), Status::NotMet);
    assert_eq!(d.guideline.first_unmet.as_ref().unwrap().step, 1);
    assert!(d.guideline.first_unmet.as_ref().unwrap().recommendation.contains("seed 003"));
    assert_eq!(d.decision, DecisionKind::Ineligible);
    r.trauma_therapy.as_mut().unwrap()[0].sessions = 9;
    let d = eval(&r);
    assert_eq!(step(&d, 1), Status::Met);
    assert_eq!(d.decision, DecisionKind::Eligible);
}

#[test]
fn other_therapy_does_not_count() {
    let mut r = base();
    for c in r.trauma_therapy.as_mut().unwrap() {
        c.therapy_type = TherapyType::Other;
    }
    assert_eq!(step(&eval(&r), 1), Status::NotMet);
}

#[test]
fn ssri_trial_boundary_7_vs_8_weeks_and_dose() {
    let mut r = base();
    r.medication_trials.as_mut().unwrap()[0] = trial("sertraline", 50.0, 7, TrialOutcome::Partial);
    assert_eq!(step(&eval(&r), 2), Status::NotMet);
    r.medication_trials.as_mut().unwrap()[0] = trial("sertraline", 50.0, 8, TrialOutcome::Partial);
    assert_eq!(step(&eval(&r), 2), Status::Met);
    // Below the labelled range (sertraline 50-200).
    r.medication_trials.as_mut().unwrap()[0] = trial("sertraline", 25.0, 20, TrialOutcome::Partial);
    assert_eq!(step(&eval(&r), 2), Status::NotMet);
    // Paroxetine 20-50.
    r.medication_trials.as_mut().unwrap()[0] = trial("paroxetine", 20.0, 8, TrialOutcome::NoResponse);
    assert_eq!(step(&eval(&r), 2), Status::Met);
    // Escitalopram is not a seed-003 SSRI.
    r.medication_trials.as_mut().unwrap()[0] = trial("escitalopram", 20.0, 20, TrialOutcome::NoResponse);
    assert_eq!(step(&eval(&r), 2), Status::NotMet);
    // Intolerance counts whatever the dose or length.
    r.medication_trials.as_mut().unwrap()[0] = trial("paroxetine", 10.0, 1, TrialOutcome::NotTolerated);
    assert_eq!(step(&eval(&r), 2), Status::Met);
    // Dose not recorded: unknown → review.
    r.medication_trials.as_mut().unwrap()[0] = MedicationTrial {
        drug: "sertraline".into(),
        daily_dose: None,
        weeks: Some(12),
        outcome: Some(TrialOutcome::Partial),
        ended_on: None,
    };
    let d = eval(&r);
    assert_eq!(step(&d, 2), Status::Unknown);
    assert_eq!(d.decision, DecisionKind::NeedsReview);
}

#[test]
fn prazosin_step_depends_on_nightmares() {
    let mut r = base();
    r.medication_trials.as_mut().unwrap().retain(|t| t.drug != "prazosin");
    assert_eq!(step(&eval(&r), 3), Status::NotMet);
    r.nightmares = YesNoUnknown::No;
    assert_eq!(step(&eval(&r), 3), Status::NotApplicable);
    r.nightmares = YesNoUnknown::Unknown;
    let d = eval(&r);
    assert_eq!(step(&d, 3), Status::Unknown);
    assert_eq!(d.decision, DecisionKind::NeedsReview);
    // Currently taking prazosin counts as tried.
    r.nightmares = YesNoUnknown::Yes;
    r.current_medications.as_mut().unwrap().push(med("Minipress", LastDose::StillTaking));
    assert_eq!(step(&eval(&r), 3), Status::Met);
}

#[test]
fn venlafaxine_step_after_ssri_failure() {
    let mut r = base();
    r.medication_trials.as_mut().unwrap().retain(|t| t.drug != "venlafaxine");
    let d = eval(&r);
    assert_eq!(step(&d, 4), Status::NotMet);
    assert_eq!(d.guideline.first_unmet.as_ref().unwrap().step, 4);
    // SSRI remission: step not applicable.
    r.medication_trials.as_mut().unwrap()[0].outcome = Some(TrialOutcome::Remission);
    assert_eq!(step(&eval(&r), 4), Status::NotApplicable);
    // Venlafaxine 7 weeks is not adequate, 8 is.
    let mut r = base();
    r.medication_trials.as_mut().unwrap()[1] = trial("venlafaxine", 150.0, 7, TrialOutcome::NoResponse);
    assert_eq!(step(&eval(&r), 4), Status::NotMet);
    r.medication_trials.as_mut().unwrap()[1] = trial("venlafaxine", 37.5, 8, TrialOutcome::NoResponse);
    assert_eq!(step(&eval(&r), 4), Status::Met);
}

#[test]
fn combined_treatment_and_referral_steps() {
    let mut r = base();
    r.trauma_therapy.as_mut().unwrap()[0].with_optimised_medication = YesNoUnknown::Unknown;
    let d = eval(&r);
    assert_eq!(step(&d, 5), Status::Unknown);
    assert_eq!(d.decision, DecisionKind::NeedsReview);
    r.trauma_therapy.as_mut().unwrap()[0].with_optimised_medication = YesNoUnknown::No;
    assert_eq!(step(&eval(&r), 5), Status::NotMet);
    let mut r = base();
    r.specialised_programme_referral = YesNoUnknown::No;
    let d = eval(&r);
    assert_eq!(step(&d, 6), Status::NotMet);
    assert_eq!(d.decision, DecisionKind::Ineligible);
    assert_eq!(d.guideline.status, GuidelineStatus::NotOptimised);
}

#[test]
fn missing_therapy_history_is_unknown_and_needs_review() {
    let mut r = base();
    r.trauma_therapy = None;
    let d = eval(&r);
    assert_eq!(step(&d, 1), Status::Unknown);
    assert_eq!(d.guideline.status, GuidelineStatus::Unknown);
    assert_eq!(d.decision, DecisionKind::NeedsReview);
}

#[test]
fn first_unmet_is_the_earliest_step_even_if_unknown() {
    let mut r = base();
    r.trauma_therapy = None; // step 1 unknown
    r.specialised_programme_referral = YesNoUnknown::No; // step 6 not met
    let d = eval(&r);
    assert_eq!(d.guideline.first_unmet.as_ref().unwrap().step, 1);
    assert_eq!(d.decision, DecisionKind::Ineligible);
}

#[test]
fn advisory_guideline_only_notes() {
    let mut rs = rules();
    rs.guideline.enforcement = Enforcement::Advisory;
    let mut r = base();
    r.specialised_programme_referral = YesNoUnknown::No;
    let d = evaluate(&r, &rs, AS_OF).unwrap();
    assert_eq!(d.decision, DecisionKind::Eligible);
    assert!(d.reasons.iter().any(|x| x.effect == ReasonEffect::Note && x.rule_id == "G6_specialised_programme"));
}

// ------------------------------------------------------------------ eligibility

#[test]
fn caps5_cut_off_35_mapp1_and_28_mapp2() {
    let mut r = base();
    r.caps5 = Some(Caps5AtScreening { total: 35, assessed_on: AS_OF });
    assert_eq!(criterion(&eval(&r), "I3_caps5_severity"), Status::Met);
    r.caps5 = Some(Caps5AtScreening { total: 34, assessed_on: AS_OF });
    let d = eval(&r);
    assert_eq!(criterion(&d, "I3_caps5_severity"), Status::NotMet);
    assert_eq!(d.decision, DecisionKind::Ineligible);
    let mapp2 = RuleSets::builtin_mapp2().unwrap();
    assert_eq!(mapp2.eligibility.version, "2");
    let d = evaluate(&r, &mapp2, AS_OF).unwrap();
    assert_eq!(d.decision, DecisionKind::Eligible);
    assert!(d.rule_sets.iter().any(|x| x.id == "phase3_eligibility" && x.version == "2"));
    r.caps5 = Some(Caps5AtScreening { total: 28, assessed_on: AS_OF });
    assert_eq!(evaluate(&r, &mapp2, AS_OF).unwrap().decision, DecisionKind::Eligible);
    r.caps5 = Some(Caps5AtScreening { total: 27, assessed_on: AS_OF });
    assert_eq!(evaluate(&r, &mapp2, AS_OF).unwrap().decision, DecisionKind::Ineligible);
    r.caps5 = None;
    assert_eq!(criterion(&eval(&r), "I3_caps5_severity"), Status::Unknown);
}

#[test]
fn age_boundary_on_the_birthday() {
    let mut r = base();
    r.date_of_birth = Some(date(2008, 3, 1));
    assert_eq!(criterion(&eval(&r), "I1_adult"), Status::Met);
    r.date_of_birth = Some(date(2008, 3, 2));
    assert_eq!(criterion(&eval(&r), "I1_adult"), Status::NotMet);
    r.date_of_birth = None;
    r.age_years = Some(18);
    assert_eq!(criterion(&eval(&r), "I1_adult"), Status::Met);
    r.age_years = None;
    assert_eq!(criterion(&eval(&r), "I1_adult"), Status::Unknown);
}

#[test]
fn ptsd_duration_boundary_and_onset() {
    let mut r = base();
    r.ptsd.onset_on = None;
    r.ptsd.duration_months = Some(6);
    assert_eq!(criterion(&eval(&r), "I2_ptsd_duration"), Status::Met);
    r.ptsd.duration_months = Some(5);
    assert_eq!(criterion(&eval(&r), "I2_ptsd_duration"), Status::NotMet);
    r.ptsd.duration_months = None;
    r.ptsd.onset_on = Some(date(2025, 9, 1));
    assert_eq!(criterion(&eval(&r), "I2_ptsd_duration"), Status::Met);
    r.ptsd.onset_on = Some(date(2025, 9, 2));
    assert_eq!(criterion(&eval(&r), "I2_ptsd_duration"), Status::NotMet);
    r.ptsd.onset_on = None;
    assert_eq!(criterion(&eval(&r), "I2_ptsd_duration"), Status::Unknown);
    r.ptsd.diagnosis = YesNoUnknown::Unknown;
    assert_eq!(criterion(&eval(&r), "I2_ptsd_duration"), Status::Unknown);
}

#[test]
fn missing_blood_pressure_is_unknown_and_needs_review() {
    let mut r = base();
    r.blood_pressure.clear();
    let d = eval(&r);
    assert_eq!(criterion(&d, "E4_hypertension"), Status::Unknown);
    assert_eq!(d.decision, DecisionKind::NeedsReview);
    // One reading is not enough; readings older than 90 days do not count.
    r.blood_pressure = vec![reading(120, 80, date(2026, 2, 1)), reading(118, 78, date(2025, 11, 30))];
    assert_eq!(criterion(&eval(&r), "E4_hypertension"), Status::Unknown);
    r.blood_pressure[1].measured_on = date(2025, 12, 1);
    assert_eq!(criterion(&eval(&r), "E4_hypertension"), Status::Met);
}

#[test]
fn blood_pressure_mean_and_any_thresholds() {
    let mut r = base();
    // Mean systolic exactly 140 → uncontrolled.
    r.blood_pressure = vec![
        reading(138, 80, date(2026, 2, 1)),
        reading(140, 80, date(2026, 2, 8)),
        reading(142, 80, date(2026, 2, 15)),
    ];
    assert_eq!(criterion(&eval(&r), "E4_hypertension"), Status::NotMet);
    r.blood_pressure[2].systolic = 141; // mean 139.67
    assert_eq!(criterion(&eval(&r), "E4_hypertension"), Status::Met);
    // Mean diastolic exactly 90.
    r.blood_pressure = vec![reading(120, 89, date(2026, 2, 1)), reading(120, 91, date(2026, 2, 8))];
    assert_eq!(criterion(&eval(&r), "E4_hypertension"), Status::NotMet);
    // Any reading at 160 systolic or 100 diastolic.
    r.blood_pressure = vec![
        reading(110, 70, date(2026, 2, 1)),
        reading(110, 70, date(2026, 2, 8)),
        reading(160, 70, date(2026, 2, 15)),
    ];
    assert_eq!(criterion(&eval(&r), "E4_hypertension"), Status::NotMet);
    r.blood_pressure[2] = reading(159, 99, date(2026, 2, 15));
    assert_eq!(criterion(&eval(&r), "E4_hypertension"), Status::Met);
    // Only the last 3 readings count: an old high mean is superseded.
    r.blood_pressure = vec![
        reading(150, 95, date(2026, 1, 1)),
        reading(120, 80, date(2026, 2, 1)),
        reading(120, 80, date(2026, 2, 8)),
        reading(120, 80, date(2026, 2, 15)),
    ];
    assert_eq!(criterion(&eval(&r), "E4_hypertension"), Status::Met);
    // The condition code excludes regardless.
    r.medical_conditions = Some(vec![MedicalCondition::UncontrolledHypertension]);
    assert_eq!(criterion(&eval(&r), "E4_hypertension"), Status::NotMet);
}

#[test]
fn qtc_thresholds_by_sex() {
    let mut r = base();
    r.sex_at_birth = SexAtBirth::Female;
    r.qtc_ms = Some(470.0);
    assert_eq!(criterion(&eval(&r), "E6_qtc"), Status::Met);
    r.qtc_ms = Some(471.0);
    assert_eq!(criterion(&eval(&r), "E6_qtc"), Status::NotMet);
    r.sex_at_birth = SexAtBirth::Male;
    r.reproductive.can_become_pregnant = YesNoUnknown::No;
    r.reproductive.pregnant = YesNoUnknown::Unknown;
    r.qtc_ms = Some(450.0);
    assert_eq!(criterion(&eval(&r), "E6_qtc"), Status::Met);
    r.qtc_ms = Some(450.5);
    assert_eq!(criterion(&eval(&r), "E6_qtc"), Status::NotMet);
    r.sex_at_birth = SexAtBirth::Unknown;
    r.qtc_ms = Some(460.0);
    assert_eq!(criterion(&eval(&r), "E6_qtc"), Status::Unknown);
    r.qtc_ms = Some(440.0);
    assert_eq!(criterion(&eval(&r), "E6_qtc"), Status::Met);
    r.qtc_ms = Some(480.0);
    assert_eq!(criterion(&eval(&r), "E6_qtc"), Status::NotMet);
    r.qtc_ms = None;
    assert_eq!(criterion(&eval(&r), "E6_qtc"), Status::Unknown);
}

#[test]
fn liver_function_threshold() {
    let mut r = base();
    r.liver_function.as_mut().unwrap().alt_x_uln = Some(3.0);
    assert_eq!(criterion(&eval(&r), "E8_hepatic"), Status::Met);
    r.liver_function.as_mut().unwrap().ast_x_uln = Some(3.1);
    assert_eq!(criterion(&eval(&r), "E8_hepatic"), Status::NotMet);
    r.liver_function.as_mut().unwrap().ast_x_uln = None;
    assert_eq!(criterion(&eval(&r), "E8_hepatic"), Status::Unknown);
    r.liver_function = None;
    r.medical_conditions = Some(vec![MedicalCondition::HepaticImpairment]);
    assert_eq!(criterion(&eval(&r), "E8_hepatic"), Status::NotMet);
}

#[test]
fn suicide_risk_high_excludes() {
    use catalyst_screening::record::CssrsRisk;
    let mut r = base();
    r.cssrs_risk = Some(CssrsRisk::High);
    let d = eval(&r);
    assert_eq!(criterion(&d, "E2_suicide_risk"), Status::NotMet);
    assert_eq!(d.decision, DecisionKind::Ineligible);
    r.cssrs_risk = Some(CssrsRisk::Moderate);
    assert_eq!(criterion(&eval(&r), "E2_suicide_risk"), Status::Met);
    r.cssrs_risk = None;
    assert_eq!(criterion(&eval(&r), "E2_suicide_risk"), Status::Unknown);
}

#[test]
fn pregnancy_and_lactation() {
    let mut r = base();
    r.reproductive.pregnant = YesNoUnknown::Yes;
    assert_eq!(criterion(&eval(&r), "E3_pregnancy_lactation"), Status::NotMet);
    r.reproductive.pregnant = YesNoUnknown::Unknown;
    assert_eq!(criterion(&eval(&r), "E3_pregnancy_lactation"), Status::Unknown);
    r.reproductive.can_become_pregnant = YesNoUnknown::No;
    assert_eq!(criterion(&eval(&r), "E3_pregnancy_lactation"), Status::Met);
    r.reproductive.lactating = YesNoUnknown::Yes;
    assert_eq!(criterion(&eval(&r), "E3_pregnancy_lactation"), Status::NotMet);
    r.reproductive.lactating = YesNoUnknown::Unknown;
    assert_eq!(criterion(&eval(&r), "E3_pregnancy_lactation"), Status::Unknown);
}

#[test]
fn psychiatric_and_medical_exclusions() {
    let mut r = base();
    r.psychiatric_conditions = Some(vec![PsychiatricCondition::BipolarI]);
    let d = eval(&r);
    assert_eq!(criterion(&d, "E1_psychiatric"), Status::NotMet);
    assert_eq!(d.decision, DecisionKind::Ineligible);
    r.psychiatric_conditions = Some(vec![PsychiatricCondition::GeneralisedAnxietyDisorder]);
    assert_eq!(criterion(&eval(&r), "E1_psychiatric"), Status::Met);
    r.psychiatric_conditions = None;
    assert_eq!(criterion(&eval(&r), "E1_psychiatric"), Status::Unknown);
    let mut r = base();
    r.medical_conditions = Some(vec![MedicalCondition::CerebrovascularDisease]);
    assert_eq!(criterion(&eval(&r), "E7_cardio_cerebrovascular"), Status::NotMet);
    r.medical_conditions = None;
    assert_eq!(criterion(&eval(&r), "E7_cardio_cerebrovascular"), Status::Unknown);
}

#[test]
fn arrhythmia_history() {
    let mut r = base();
    r.arrhythmia_history = YesNoUnknown::Yes;
    assert_eq!(criterion(&eval(&r), "E5_arrhythmia"), Status::NotMet);
    r.arrhythmia_history = YesNoUnknown::Unknown;
    assert_eq!(criterion(&eval(&r), "E5_arrhythmia"), Status::Met); // conditions assessed, not listed
    r.medical_conditions = None;
    assert_eq!(criterion(&eval(&r), "E5_arrhythmia"), Status::Unknown);
    r.medical_conditions = Some(vec![MedicalCondition::ArrhythmiaHistory]);
    assert_eq!(criterion(&eval(&r), "E5_arrhythmia"), Status::NotMet);
}

#[test]
fn criteria_carry_evidence_and_sources() {
    let d = eval(&base());
    for c in &d.criteria {
        assert!(!c.evidence.is_empty(), "{}", c.rule_id);
        assert!(c.source.contains("clinical.md"), "{}", c.rule_id);
    }
    let caps = d.criteria.iter().find(|c| c.rule_id == "I3_caps5_severity").unwrap();
    assert_eq!(caps.evidence[0].field, "caps5.total");
    assert_eq!(caps.evidence[0].value, serde_json::json!(41));
}

// ------------------------------------------------------------------ medication

fn washout_of(d: &Decision, drug: &str, rule: &str) -> (Option<i64>, Option<Date>) {
    let a = d.medications.actions.iter().find(|a| a.drug == drug && a.rule_id == rule).unwrap();
    (a.washout_days, a.washout_complete_on)
}

#[test]
fn fluoxetine_washout_is_six_weeks() {
    let d = eval(&with_meds(vec![med("fluoxetine", LastDose::On(date(2026, 1, 1)))]));
    assert_eq!(washout_of(&d, "fluoxetine", "M2_serotonergic_washout"), (Some(42), Some(date(2026, 2, 12))));
    assert_eq!(d.decision, DecisionKind::Eligible); // complete before as_of
    let d = eval(&with_meds(vec![med("Prozac", LastDose::On(date(2026, 2, 1)))]));
    assert_eq!(d.decision, DecisionKind::EligibleAfterWashout);
    assert_eq!(d.eligible_from, Some(date(2026, 3, 15)));
    assert_eq!(d.medications.washout_complete_on, Some(date(2026, 3, 15)));
}

#[test]
fn five_half_life_washout_arithmetic() {
    // sertraline t½ 26 h: 5 × 26 = 130 h = 5.42 days → 6 days.
    let d = eval(&with_meds(vec![med("sertraline", LastDose::On(date(2026, 2, 27)))]));
    assert_eq!(washout_of(&d, "sertraline", "M2_serotonergic_washout"), (Some(6), Some(date(2026, 3, 5))));
    assert_eq!(d.decision, DecisionKind::EligibleAfterWashout);
    assert_eq!(d.eligible_from, Some(date(2026, 3, 5)));
    // Completing exactly on as_of is complete.
    let d = eval(&with_meds(vec![med("sertraline", LastDose::On(date(2026, 2, 23)))]));
    assert_eq!(washout_of(&d, "sertraline", "M2_serotonergic_washout").1, Some(AS_OF));
    assert_eq!(d.decision, DecisionKind::Eligible);
    // One day later is not.
    let d = eval(&with_meds(vec![med("sertraline", LastDose::On(date(2026, 2, 24)))]));
    assert_eq!(d.decision, DecisionKind::EligibleAfterWashout);
    assert_eq!(d.eligible_from, Some(date(2026, 3, 2)));
    // Across a month end and a leap-year February.
    assert_eq!(catalyst_screening::medication::washout_complete_on(date(2028, 2, 25), 6), Some(date(2028, 3, 2)));
    assert_eq!(catalyst_screening::medication::half_life_days(5.0, 24.0), 5);
    assert_eq!(catalyst_screening::medication::half_life_days(5.0, 24.1), 6);
}

#[test]
fn overall_washout_is_the_latest_drug() {
    let d = eval(&with_meds(vec![
        med("sertraline", LastDose::On(date(2026, 2, 27))),
        med("bupropion", LastDose::On(date(2026, 2, 20))),
    ]));
    // bupropion t½ 37 h: 5 × 37 = 185 h → 8 days → 2026-02-28 (complete); sertraline → 03-05.
    assert_eq!(washout_of(&d, "bupropion", "M3_cyp2d6_washout"), (Some(8), Some(date(2026, 2, 28))));
    assert_eq!(d.eligible_from, Some(date(2026, 3, 5)));
}

#[test]
fn drug_still_taken_must_be_tapered_first() {
    let d = eval(&with_meds(vec![med("sertraline", LastDose::StillTaking)]));
    let a = d.medications.actions.iter().find(|a| a.drug == "sertraline").unwrap();
    assert_eq!(a.action, ActionKind::TaperFirst);
    assert_eq!(a.washout_complete_on, None);
    assert!(d.medications.taper_first);
    assert_eq!(d.medications.washout_complete_on, None);
    assert_eq!(d.decision, DecisionKind::NeedsReview);
    assert_eq!(d.eligible_from, None);
}

#[test]
fn maoi_is_contraindicated() {
    let d = eval(&with_meds(vec![med("phenelzine", LastDose::StillTaking)]));
    assert!(d.medications.actions.iter().any(|a| a.action == ActionKind::Contraindicated));
    assert_eq!(d.decision, DecisionKind::Ineligible);
    // Stopped: at least 14 days.
    let d = eval(&with_meds(vec![med("tranylcypromine", LastDose::On(date(2026, 2, 20)))]));
    assert_eq!(washout_of(&d, "tranylcypromine", "M1_maoi_contraindicated"), (Some(14), Some(date(2026, 3, 6))));
    assert_eq!(d.decision, DecisionKind::EligibleAfterWashout);
    // Linezolid (MAO-inhibiting antibiotic) is caught by the flag.
    let d = eval(&with_meds(vec![med("linezolid", LastDose::StillTaking)]));
    assert_eq!(d.decision, DecisionKind::Ineligible);
}

#[test]
fn flags_for_cyp2d6_stimulants_and_benzodiazepines() {
    let d = eval(&with_meds(vec![med("clonazepam", LastDose::StillTaking)]));
    assert!(d.medications.actions.iter().any(|a| a.rule_id == "M6_benzodiazepine_flag"));
    assert_eq!(d.decision, DecisionKind::NeedsReview);
    let d = eval(&with_meds(vec![med("lisdexamfetamine", LastDose::StillTaking)]));
    assert!(d.medications.actions.iter().any(|a| a.rule_id == "M5_stimulant_flag"));
    assert_eq!(d.decision, DecisionKind::NeedsReview);
    // Stopped long ago: no longer active, no flag.
    let d = eval(&with_meds(vec![med("lorazepam", LastDose::On(date(2025, 6, 1)))]));
    assert!(d.medications.actions.is_empty());
    assert_eq!(d.decision, DecisionKind::Eligible);
    // Quinidine: CYP2D6 note and washout.
    let d = eval(&with_meds(vec![med("quinidine", LastDose::On(date(2026, 2, 28)))]));
    assert!(d.medications.actions.iter().any(|a| a.rule_id == "M4_cyp2d6_flag"));
    assert_eq!(d.decision, DecisionKind::EligibleAfterWashout);
}

#[test]
fn unrecorded_current_medications_need_review() {
    let mut r = base();
    r.current_medications = None;
    let d = eval(&r);
    assert_eq!(d.medications.status, Status::Unknown);
    assert_eq!(d.decision, DecisionKind::NeedsReview);
    r.current_medications = Some(vec![]);
    assert_eq!(eval(&r).decision, DecisionKind::Eligible);
}

// ------------------------------------------------------------------ pathway

fn authority(p: Pathway) -> Authority {
    Authority {
        pathway: p,
        reference: None,
        ethics_approval: YesNoUnknown::Unknown,
        prescriber_is_psychiatrist: YesNoUnknown::Unknown,
        patient_authorisation: YesNoUnknown::Unknown,
        administered_by_authorised_practitioner: YesNoUnknown::Unknown,
        valid_until: None,
    }
}

fn pathway_case(j: &str, auths: Vec<Authority>, as_of: Date) -> (Status, DecisionKind) {
    let mut r = base();
    r.jurisdiction = Some(j.into());
    r.programme.authorities = auths;
    if as_of != AS_OF {
        // The base record has dates after an earlier as_of: assess the pathway alone.
        let p = catalyst_screening::pathway::assess(&r, as_of, &rules().pathway);
        return (p.status, DecisionKind::NeedsReview);
    }
    let d = evaluate(&r, &rules(), as_of).unwrap();
    (d.pathway.status, d.decision)
}

#[test]
fn us_pathways() {
    assert_eq!(pathway_case("US", vec![authority(Pathway::UsIndTrial)], AS_OF).0, Status::Met);
    assert_eq!(pathway_case("US", vec![authority(Pathway::UsExpandedAccess)], AS_OF).0, Status::Met);
    let (s, d) = pathway_case("US", vec![authority(Pathway::AuAuthorisedPrescriber)], AS_OF);
    assert_eq!((s, d), (Status::NotMet, DecisionKind::Ineligible));
    assert_eq!(pathway_case("US", vec![], AS_OF), (Status::NotMet, DecisionKind::Ineligible));
}

#[test]
fn australian_authorised_prescriber() {
    let mut ap = authority(Pathway::AuAuthorisedPrescriber);
    ap.prescriber_is_psychiatrist = YesNoUnknown::Yes;
    ap.ethics_approval = YesNoUnknown::Yes;
    assert_eq!(pathway_case("AU", vec![ap.clone()], AS_OF).0, Status::Met);
    // A state without its own rule falls back to the country.
    assert_eq!(pathway_case("AU-NSW", vec![ap.clone()], AS_OF).0, Status::Met);
    // Schedule 8 from 1 July 2023 only.
    assert_eq!(pathway_case("AU", vec![ap.clone()], date(2023, 6, 30)).0, Status::NotMet);
    assert_eq!(pathway_case("AU", vec![ap.clone()], date(2023, 7, 1)).0, Status::Met);
    // Ethics approval unknown → review; refused → not met.
    let mut unknown = ap.clone();
    unknown.ethics_approval = YesNoUnknown::Unknown;
    assert_eq!(pathway_case("AU", vec![unknown], AS_OF), (Status::Unknown, DecisionKind::NeedsReview));
    let mut no = ap.clone();
    no.ethics_approval = YesNoUnknown::No;
    assert_eq!(pathway_case("AU", vec![no], AS_OF), (Status::NotMet, DecisionKind::Ineligible));
    // Victoria: administering staff must be authorised practitioners or nurses.
    assert_eq!(pathway_case("AU-VIC", vec![ap.clone()], AS_OF).0, Status::Unknown);
    let mut vic = ap;
    vic.administered_by_authorised_practitioner = YesNoUnknown::Yes;
    assert_eq!(pathway_case("AU-VIC", vec![vic], AS_OF), (Status::Met, DecisionKind::Eligible));
}

#[test]
fn canadian_special_access_per_patient() {
    let mut sap = authority(Pathway::CaSpecialAccess);
    assert_eq!(pathway_case("CA", vec![sap.clone()], AS_OF).0, Status::Unknown);
    sap.patient_authorisation = YesNoUnknown::Yes;
    assert_eq!(pathway_case("CA", vec![sap.clone()], AS_OF), (Status::Met, DecisionKind::Eligible));
    assert_eq!(pathway_case("CA", vec![sap], date(2022, 1, 4)).0, Status::NotMet);
}

#[test]
fn elsewhere_clinical_trial_only() {
    assert_eq!(
        pathway_case("GB", vec![authority(Pathway::ClinicalTrial)], AS_OF),
        (Status::Met, DecisionKind::Eligible)
    );
    assert_eq!(pathway_case("DE", vec![authority(Pathway::UsExpandedAccess)], AS_OF).0, Status::NotMet);
    let mut expired = authority(Pathway::ClinicalTrial);
    expired.valid_until = Some(date(2026, 2, 28));
    assert_eq!(pathway_case("GB", vec![expired], AS_OF).0, Status::NotMet);
}

#[test]
fn missing_jurisdiction_needs_review() {
    let mut r = base();
    r.jurisdiction = None;
    let d = eval(&r);
    assert_eq!(d.pathway.status, Status::Unknown);
    assert_eq!(d.decision, DecisionKind::NeedsReview);
}

// ------------------------------------------------------------------ decision and rule data

#[test]
fn prior_mdma_use_is_recorded_not_decisive() {
    let mut r = base();
    r.prior_mdma_use.used = YesNoUnknown::Yes;
    r.prior_mdma_use.times = Some(10);
    let d = eval(&r);
    assert_eq!(d.decision, DecisionKind::Eligible);
    assert!(d.reasons.iter().any(|x| x.rule_id == "prior_mdma_use" && x.effect == ReasonEffect::Note));
}

#[test]
fn reasons_are_sorted_most_severe_first() {
    let d = screen_json(include_str!("../../../docs/screening/ineligible.json"), AS_OF).unwrap();
    let d: Decision = serde_json::from_str(&d).unwrap();
    let ranks: Vec<u8> = d
        .reasons
        .iter()
        .map(|r| match r.effect {
            ReasonEffect::Ineligible => 0,
            ReasonEffect::Review => 1,
            ReasonEffect::Washout => 2,
            ReasonEffect::Note => 3,
        })
        .collect();
    assert!(ranks.windows(2).all(|w| w[0] <= w[1]));
}

#[test]
fn rule_set_data_is_checked() {
    use catalyst_screening::rules::builtin_json as b;
    let cat = include_str!("../src/data/drugs.json");
    // A drug name that is not canonical in a rule is rejected.
    let bad = b::GUIDELINE
        .replace("[\"sertraline\", \"paroxetine\"], \"min_weeks\"", "[\"zoloft\", \"paroxetine\"], \"min_weeks\"");
    assert!(RuleSets::from_json(cat, &bad, b::ELIGIBILITY_MAPP1, b::MEDICATION, b::PATHWAY).is_err());
    // Unknown rule kinds and unknown parameters are rejected.
    let bad = b::ELIGIBILITY_MAPP1.replace("\"min_age\", \"years\"", "\"min_age\", \"yrs\"");
    assert!(RuleSets::from_json(cat, b::GUIDELINE, &bad, b::MEDICATION, b::PATHWAY).is_err());
    let bad = b::PATHWAY.replace("[\"*\"]", "[\"XX\"]");
    assert!(RuleSets::from_json(cat, b::GUIDELINE, b::ELIGIBILITY_MAPP1, b::MEDICATION, &bad).is_err());
    // Every rule has a source citing clinical.md or seed 003.
    let rs = rules();
    let sources = rs
        .guideline
        .rules
        .iter()
        .map(|r| &r.source)
        .chain(rs.eligibility.rules.iter().map(|r| &r.source))
        .chain(rs.medication.rules.iter().map(|r| &r.source))
        .chain(rs.pathway.rules.iter().map(|r| &r.source));
    for s in sources {
        assert!(s.contains("clinical.md") || s.contains("seed 003"), "{s}");
    }
}

#[test]
fn decision_round_trips_through_json() {
    let d = eval(&base());
    let text = serde_json::to_string(&d).unwrap();
    let back: Decision = serde_json::from_str(&text).unwrap();
    assert_eq!(back, d);
}
