#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Property tests: missing data never yields `eligible`; boundaries hold for every value.

use catalyst_screening::record::{Caps5AtScreening, CurrentMedication, Dose, LastDose, ScreeningRecord, YesNoUnknown};
use catalyst_screening::rules::RuleSets;
use catalyst_screening::{DecisionKind, Status, evaluate, parse_record, screen_json};
use jiff::civil::{Date, date};
use jiff::{Span, ToSpan};
use proptest::prelude::*;

const AS_OF: Date = date(2026, 3, 1);
const EXAMPLE: &str = include_str!("../../../docs/screening/eligible.json");

fn base() -> ScreeningRecord {
    parse_record(EXAMPLE).unwrap()
}

/// Each function removes one datum some rule requires.
const REMOVALS: [fn(&mut ScreeningRecord); 18] = [
    |r| r.date_of_birth = None,
    |r| r.ptsd.diagnosis = YesNoUnknown::Unknown,
    |r| r.caps5 = None,
    |r| r.trauma_therapy = None,
    |r| r.medication_trials = None,
    |r| r.current_medications = None,
    |r| r.nightmares = YesNoUnknown::Unknown,
    |r| r.specialised_programme_referral = YesNoUnknown::Unknown,
    |r| r.psychiatric_conditions = None,
    |r| r.medical_conditions = None,
    |r| r.reproductive.pregnant = YesNoUnknown::Unknown,
    |r| r.reproductive.lactating = YesNoUnknown::Unknown,
    |r| r.blood_pressure.clear(),
    |r| r.qtc_ms = None,
    |r| r.liver_function = None,
    |r| r.cssrs_risk = None,
    |r| r.jurisdiction = None,
    |r| {
        for c in r.trauma_therapy.iter_mut().flatten() {
            c.with_optimised_medication = YesNoUnknown::Unknown;
        }
    },
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Removing any non-empty set of required data turns `eligible` into `needs_review`, never
    /// into `eligible`; adding data back can only reach `eligible` when all of it is present.
    #[test]
    fn missing_data_never_yields_eligible(mask in 1u32..(1 << REMOVALS.len())) {
        let rules = RuleSets::builtin().unwrap();
        let mut r = base();
        for (i, f) in REMOVALS.iter().enumerate() {
            if mask & (1 << i) != 0 {
                f(&mut r);
            }
        }
        let d = evaluate(&r, &rules, AS_OF).unwrap();
        prop_assert_eq!(d.decision, DecisionKind::NeedsReview);
        prop_assert!(d.eligible_from.is_none());
    }

    /// An unknown field anywhere at the top level is rejected, never evaluated.
    #[test]
    fn unknown_fields_are_rejected(name in "[a-z_]{3,20}") {
        let known = ["participant_code","date_of_birth","age_years","sex_at_birth","ptsd","caps5","trauma_therapy",
            "medication_trials","current_medications","nightmares","specialised_programme_referral",
            "psychiatric_conditions","medical_conditions","substance_use","prior_mdma_use","reproductive",
            "blood_pressure","qtc_ms","arrhythmia_history","liver_function","cssrs_risk","jurisdiction","programme"];
        prop_assume!(!known.contains(&name.as_str()));
        let input = EXAMPLE.replacen('{', &format!("{{\"{name}\": \"yes\",", ), 1);
        prop_assert!(screen_json(&input, AS_OF).is_err());
    }

    /// CAPS-5 inclusion is met exactly when the total is at or above the cut-off.
    #[test]
    fn caps5_met_iff_at_or_above_cut_off(total in 0i64..=80) {
        let rules = RuleSets::builtin().unwrap();
        let mut r = base();
        r.caps5 = Some(Caps5AtScreening { total, assessed_on: AS_OF });
        let d = evaluate(&r, &rules, AS_OF).unwrap();
        let c = d.criteria.iter().find(|c| c.rule_id == "I3_caps5_severity").unwrap();
        prop_assert_eq!(c.status == Status::Met, total >= 35);
        prop_assert_eq!(d.decision == DecisionKind::Eligible, total >= 35);
    }

    /// Washout: eligible exactly when every washout completes on or before as_of, otherwise
    /// eligible after washout from the completion date.
    #[test]
    fn washout_dates_decide(days_ago in 0i64..120, drug in prop::sample::select(vec![
        "sertraline", "paroxetine", "fluoxetine", "venlafaxine", "escitalopram", "bupropion", "mirtazapine", "clomipramine",
    ])) {
        let rules = RuleSets::builtin().unwrap();
        let mut r = base();
        let last = AS_OF.checked_sub(days_ago.days()).unwrap();
        r.current_medications = Some(vec![CurrentMedication {
            drug: drug.into(),
            daily_dose: Some(Dose { amount: Some(20.0), unit: Some("mg".into()) }),
            last_dose: LastDose::On(last),
        }]);
        let d = evaluate(&r, &rules, AS_OF).unwrap();
        let done = d.medications.washout_complete_on.unwrap();
        let days = d.medications.actions.iter().filter_map(|a| a.washout_days).max().unwrap();
        prop_assert_eq!(done, last.checked_add(Span::new().days(days)).unwrap());
        if done <= AS_OF {
            prop_assert_eq!(d.decision, DecisionKind::Eligible);
        } else {
            prop_assert_eq!(d.decision, DecisionKind::EligibleAfterWashout);
            prop_assert_eq!(d.eligible_from, Some(done));
        }
        if drug == "fluoxetine" {
            prop_assert!(days >= 42);
        }
    }
}
