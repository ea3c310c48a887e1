//! Protocol eligibility: phase 3 style inclusion and exclusion (clinical.md section 2).
//!
//! Each criterion is `met` (the candidate satisfies it: included, or not excluded), `not_met`
//! or `unknown` (a datum it needs is missing). The evidence lists the values read, by field
//! path, so a reviewer can check the engine's reading of the record.

use jiff::Span;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::decision::{Evidence, Status};
use crate::record::{MedicalCondition, ScreeningRecord, SexAtBirth, YesNoUnknown};
use crate::rules::{EligibilityCheck, RuleSet};
use crate::validate::{whole_months, whole_years};

/// Inclusion or exclusion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CriterionRole {
    Inclusion,
    Exclusion,
}

/// One criterion's result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CriterionResult {
    pub rule_id: String,
    pub description: String,
    pub role: CriterionRole,
    /// `met` = satisfied (included / not excluded).
    pub status: Status,
    pub reason: String,
    pub evidence: Vec<Evidence>,
    pub source: String,
}

type Outcome = (Status, String, Vec<Evidence>);

fn role(check: &EligibilityCheck) -> CriterionRole {
    match check {
        EligibilityCheck::MinAge { .. }
        | EligibilityCheck::PtsdDuration { .. }
        | EligibilityCheck::Caps5Minimum { .. } => CriterionRole::Inclusion,
        _ => CriterionRole::Exclusion,
    }
}

fn condition_present(record: &ScreeningRecord, code: MedicalCondition) -> bool {
    record.medical_conditions.iter().flatten().any(|c| *c == code)
}

fn check(record: &ScreeningRecord, as_of: Date, check: &EligibilityCheck) -> Outcome {
    match check {
        EligibilityCheck::MinAge { years } => {
            let (age, ev) = match (record.date_of_birth, record.age_years) {
                (Some(dob), _) => (Some(whole_years(dob, as_of)), Evidence::new("date_of_birth", json!(dob))),
                (None, Some(a)) => (Some(a), Evidence::new("age_years", json!(a))),
                (None, None) => (None, Evidence::new("date_of_birth", json!(null))),
            };
            match age {
                None => (Status::Unknown, "age not recorded".into(), vec![ev]),
                Some(a) if a >= *years => (Status::Met, format!("age {a} >= {years}"), vec![ev]),
                Some(a) => (Status::NotMet, format!("age {a} < {years}"), vec![ev]),
            }
        }
        EligibilityCheck::PtsdDuration { min_months } => {
            let p = &record.ptsd;
            let mut ev = vec![Evidence::new("ptsd.diagnosis", json!(p.diagnosis))];
            let months = match (p.duration_months, p.onset_on) {
                (Some(m), _) => {
                    ev.push(Evidence::new("ptsd.duration_months", json!(m)));
                    Some(m)
                }
                (None, Some(onset)) => {
                    ev.push(Evidence::new("ptsd.onset_on", json!(onset)));
                    Some(whole_months(onset, as_of))
                }
                (None, None) => None,
            };
            match (p.diagnosis, months) {
                (YesNoUnknown::No, _) => (Status::NotMet, "no DSM-5 PTSD diagnosis".into(), ev),
                (YesNoUnknown::Unknown, _) => (Status::Unknown, "PTSD diagnosis not recorded".into(), ev),
                (YesNoUnknown::Yes, None) => (Status::Unknown, "PTSD duration not recorded".into(), ev),
                (YesNoUnknown::Yes, Some(m)) if m >= *min_months => {
                    (Status::Met, format!("PTSD for {m} months >= {min_months}"), ev)
                }
                (YesNoUnknown::Yes, Some(m)) => (Status::NotMet, format!("PTSD for {m} months < {min_months}"), ev),
            }
        }
        EligibilityCheck::Caps5Minimum { min_total } => match &record.caps5 {
            None => {
                (Status::Unknown, "CAPS-5 at screening not recorded".into(), vec![Evidence::new("caps5", json!(null))])
            }
            Some(c) => {
                let ev = vec![
                    Evidence::new("caps5.total", json!(c.total)),
                    Evidence::new("caps5.assessed_on", json!(c.assessed_on)),
                ];
                if c.total >= *min_total {
                    (Status::Met, format!("CAPS-5 {} >= {min_total}", c.total), ev)
                } else {
                    (Status::NotMet, format!("CAPS-5 {} < {min_total}", c.total), ev)
                }
            }
        },
        EligibilityCheck::ExcludedPsychiatricConditions { conditions } => match &record.psychiatric_conditions {
            None => (
                Status::Unknown,
                "psychiatric conditions not assessed".into(),
                vec![Evidence::new("psychiatric_conditions", json!(null))],
            ),
            Some(present) => {
                let ev = vec![Evidence::new("psychiatric_conditions", json!(present))];
                let hits: Vec<_> = present.iter().filter(|c| conditions.contains(c)).collect();
                if hits.is_empty() {
                    (Status::Met, "no excluding psychiatric condition".into(), ev)
                } else {
                    (Status::NotMet, format!("excluding condition(s): {}", json!(hits)), ev)
                }
            }
        },
        EligibilityCheck::ExcludedMedicalConditions { conditions } => match &record.medical_conditions {
            None => (
                Status::Unknown,
                "medical conditions not assessed".into(),
                vec![Evidence::new("medical_conditions", json!(null))],
            ),
            Some(present) => {
                let ev = vec![Evidence::new("medical_conditions", json!(present))];
                let hits: Vec<_> = present.iter().filter(|c| conditions.contains(c)).collect();
                if hits.is_empty() {
                    (Status::Met, "no excluding medical condition".into(), ev)
                } else {
                    (Status::NotMet, format!("excluding condition(s): {}", json!(hits)), ev)
                }
            }
        },
        EligibilityCheck::PregnancyLactation {} => {
            let r = &record.reproductive;
            let ev = vec![
                Evidence::new("sex_at_birth", json!(record.sex_at_birth)),
                Evidence::new("reproductive.can_become_pregnant", json!(r.can_become_pregnant)),
                Evidence::new("reproductive.pregnant", json!(r.pregnant)),
                Evidence::new("reproductive.lactating", json!(r.lactating)),
            ];
            if r.pregnant.is_yes() {
                return (Status::NotMet, "pregnant".into(), ev);
            }
            if r.lactating.is_yes() {
                return (Status::NotMet, "lactating".into(), ev);
            }
            let pregnancy_ruled_out = r.pregnant.is_no() || r.can_become_pregnant.is_no();
            match (pregnancy_ruled_out, r.lactating.is_no()) {
                (true, true) => (Status::Met, "not pregnant and not lactating".into(), ev),
                (false, _) => (Status::Unknown, "pregnancy status not recorded".into(), ev),
                (true, false) => (Status::Unknown, "lactation status not recorded".into(), ev),
            }
        }
        EligibilityCheck::BloodPressure {
            max_age_days,
            min_readings,
            last_n,
            mean_systolic,
            mean_diastolic,
            any_systolic,
            any_diastolic,
        } => blood_pressure(
            record,
            as_of,
            BpParams {
                max_age_days: *max_age_days,
                min_readings: *min_readings,
                last_n: *last_n,
                mean_systolic: *mean_systolic,
                mean_diastolic: *mean_diastolic,
                any_systolic: *any_systolic,
                any_diastolic: *any_diastolic,
            },
        ),
        EligibilityCheck::ArrhythmiaHistory {} => {
            let coded = condition_present(record, MedicalCondition::ArrhythmiaHistory);
            let ev = vec![
                Evidence::new("arrhythmia_history", json!(record.arrhythmia_history)),
                Evidence::new(
                    "medical_conditions",
                    match &record.medical_conditions {
                        None => json!(null),
                        Some(_) => json!(coded),
                    },
                ),
            ];
            if record.arrhythmia_history.is_yes() || coded {
                (Status::NotMet, "history of arrhythmia".into(), ev)
            } else if record.arrhythmia_history.is_no() {
                (Status::Met, "no history of arrhythmia".into(), ev)
            } else if record.medical_conditions.is_some() {
                (Status::Met, "medical conditions assessed; arrhythmia_history not listed".into(), ev)
            } else {
                (Status::Unknown, "arrhythmia history not recorded".into(), ev)
            }
        }
        EligibilityCheck::QtcMaximum { male_ms, female_ms } => {
            let ev = vec![
                Evidence::new("qtc_ms", json!(record.qtc_ms)),
                Evidence::new("sex_at_birth", json!(record.sex_at_birth)),
            ];
            let Some(q) = record.qtc_ms else {
                return (Status::Unknown, "QTc not recorded".into(), ev);
            };
            let limit = match record.sex_at_birth {
                SexAtBirth::Male => Some(*male_ms),
                SexAtBirth::Female => Some(*female_ms),
                SexAtBirth::Intersex | SexAtBirth::Unknown => None,
            };
            match limit {
                Some(l) if q <= l => (Status::Met, format!("QTc {q} ms <= {l}"), ev),
                Some(l) => (Status::NotMet, format!("QTc {q} ms > {l}"), ev),
                None => {
                    let (lo, hi) = (male_ms.min(*female_ms), male_ms.max(*female_ms));
                    if q <= lo {
                        (Status::Met, format!("QTc {q} ms <= {lo} (stricter threshold)"), ev)
                    } else if q > hi {
                        (Status::NotMet, format!("QTc {q} ms > {hi} (either threshold)"), ev)
                    } else {
                        (Status::Unknown, format!("QTc {q} ms between {lo} and {hi}: threshold depends on sex"), ev)
                    }
                }
            }
        }
        EligibilityCheck::LiverFunction { max_x_uln } => {
            let coded = condition_present(record, MedicalCondition::HepaticImpairment);
            let lf = record.liver_function.as_ref();
            let (alt, ast) = (lf.and_then(|l| l.alt_x_uln), lf.and_then(|l| l.ast_x_uln));
            let ev = vec![
                Evidence::new("liver_function.alt_x_uln", json!(alt)),
                Evidence::new("liver_function.ast_x_uln", json!(ast)),
            ];
            if coded {
                return (Status::NotMet, "hepatic_impairment listed in medical_conditions".into(), ev);
            }
            let over: Vec<String> = [("ALT", alt), ("AST", ast)]
                .iter()
                .filter_map(|(n, v)| v.filter(|v| *v > *max_x_uln).map(|v| format!("{n} {v} x ULN > {max_x_uln}")))
                .collect();
            if !over.is_empty() {
                return (Status::NotMet, over.join("; "), ev);
            }
            match (alt, ast) {
                (Some(a), Some(b)) => (Status::Met, format!("ALT {a} and AST {b} x ULN <= {max_x_uln}"), ev),
                _ => (Status::Unknown, "ALT or AST not recorded".into(), ev),
            }
        }
        EligibilityCheck::SuicideRisk { exclude_at } => {
            let ev = vec![Evidence::new("cssrs_risk", json!(record.cssrs_risk))];
            match record.cssrs_risk {
                None => (Status::Unknown, "C-SSRS not recorded".into(), ev),
                Some(r) if r >= *exclude_at => {
                    (Status::NotMet, format!("C-SSRS risk {} >= {}", json!(r), json!(exclude_at)), ev)
                }
                Some(r) => (Status::Met, format!("C-SSRS risk {}", json!(r)), ev),
            }
        }
    }
}

struct BpParams {
    max_age_days: i64,
    min_readings: usize,
    last_n: usize,
    mean_systolic: f64,
    mean_diastolic: f64,
    any_systolic: i64,
    any_diastolic: i64,
}

fn blood_pressure(record: &ScreeningRecord, as_of: Date, p: BpParams) -> Outcome {
    let coded = condition_present(record, MedicalCondition::UncontrolledHypertension);
    let oldest = as_of.checked_sub(Span::new().days(p.max_age_days)).unwrap_or(Date::MIN);
    let mut recent: Vec<(usize, &crate::record::BloodPressureReading)> = record
        .blood_pressure
        .iter()
        .enumerate()
        .filter(|(_, r)| r.measured_on >= oldest && r.measured_on <= as_of)
        .collect();
    // Most recent first; stable so equal dates keep their recorded order reversed consistently.
    recent.sort_by(|a, b| b.1.measured_on.cmp(&a.1.measured_on).then(b.0.cmp(&a.0)));
    recent.truncate(p.last_n);
    let ev: Vec<Evidence> = recent
        .iter()
        .map(|(i, r)| {
            Evidence::new(
                format!("blood_pressure[{i}]"),
                json!({"systolic": r.systolic, "diastolic": r.diastolic, "measured_on": r.measured_on}),
            )
        })
        .collect();
    if coded {
        return (Status::NotMet, "uncontrolled_hypertension listed in medical_conditions".into(), ev);
    }
    if let Some((i, r)) = recent.iter().find(|(_, r)| r.systolic >= p.any_systolic || r.diastolic >= p.any_diastolic) {
        return (
            Status::NotMet,
            format!(
                "reading {}/{} (blood_pressure[{i}]) >= {}/{}",
                r.systolic, r.diastolic, p.any_systolic, p.any_diastolic
            ),
            ev,
        );
    }
    if recent.len() < p.min_readings {
        return (
            Status::Unknown,
            format!(
                "{} reading(s) in the last {} days; at least {} needed",
                recent.len(),
                p.max_age_days,
                p.min_readings
            ),
            ev,
        );
    }
    let n = recent.len() as f64;
    let ms = recent.iter().map(|(_, r)| r.systolic as f64).sum::<f64>() / n;
    let md = recent.iter().map(|(_, r)| r.diastolic as f64).sum::<f64>() / n;
    let (ms_r, md_r) = ((ms * 10.0).round() / 10.0, (md * 10.0).round() / 10.0);
    if ms >= p.mean_systolic || md >= p.mean_diastolic {
        (
            Status::NotMet,
            format!("mean of last {} readings {ms_r}/{md_r} >= {}/{}", recent.len(), p.mean_systolic, p.mean_diastolic),
            ev,
        )
    } else {
        (
            Status::Met,
            format!("mean of last {} readings {ms_r}/{md_r} < {}/{}", recent.len(), p.mean_systolic, p.mean_diastolic),
            ev,
        )
    }
}

/// Evaluate every criterion of the eligibility rule set.
pub fn assess(record: &ScreeningRecord, as_of: Date, rules: &RuleSet<EligibilityCheck>) -> Vec<CriterionResult> {
    rules
        .rules
        .iter()
        .map(|r| {
            let (status, reason, evidence) = check(record, as_of, &r.params);
            CriterionResult {
                rule_id: r.id.clone(),
                description: r.description.clone(),
                role: role(&r.params),
                status,
                reason,
                evidence,
                source: r.source.clone(),
            }
        })
        .collect()
}
