//! Guideline readiness (seed 003): which step of the treatment-resistant PTSD algorithm is not
//! yet optimised.
//!
//! Why: seed 003 says MDMA-AT must not be considered until guideline treatments are optimised,
//! and that many "treatment-resistant" patients are under-treated. Each step is `met`,
//! `not_met`, `unknown` (data missing: needs review, never assumed met) or `not_applicable`
//! (e.g. the prazosin step without nightmares). The first step that is not met or unknown is
//! reported with its recommendation; when all are met or not applicable the candidate is
//! "treatment-resistant by guideline".

use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::decision::{Evidence, Status};
use crate::drugs::DrugCatalogue;
use crate::record::{MedicationTrial, ScreeningRecord, TherapyType, TrialOutcome, YesNoUnknown};
use crate::rules::{GuidelineCheck, GuidelineRuleSet, RuleSetRef};

/// The result of one step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StepResult {
    pub step: u8,
    pub rule_id: String,
    pub description: String,
    pub status: Status,
    /// Why the status was given.
    pub reason: String,
    pub evidence: Vec<Evidence>,
    pub source: String,
    /// The step's recommendation (always present so the output is self-explanatory).
    pub recommendation: String,
}

/// Overall guideline status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GuidelineStatus {
    /// Every step met or not applicable.
    TreatmentResistant,
    /// At least one step not met.
    NotOptimised,
    /// No step is not met, but at least one is unknown.
    Unknown,
}

/// Guideline assessment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GuidelineAssessment {
    pub rule_set: RuleSetRef,
    pub status: GuidelineStatus,
    /// The first step that is not met or unknown (absent when treatment-resistant).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_unmet: Option<StepResult>,
    pub steps: Vec<StepResult>,
}

/// Outcome of looking for an adequate trial among the listed drugs.
struct TrialSearch {
    status: Status,
    reason: String,
    evidence: Vec<Evidence>,
}

fn adequate_trial(
    record: &ScreeningRecord,
    catalogue: &DrugCatalogue,
    drugs: &[String],
    min_weeks: i64,
    intolerance_counts: bool,
) -> TrialSearch {
    let Some(trials) = &record.medication_trials else {
        return TrialSearch {
            status: Status::Unknown,
            reason: "medication trial history not recorded".into(),
            evidence: vec![Evidence::new("medication_trials", json!(null))],
        };
    };
    let mut evidence = Vec::new();
    let mut unknown = Vec::new();
    let mut inadequate = Vec::new();
    for (i, t) in trials.iter().enumerate() {
        let Some(d) = catalogue.resolve(&t.drug) else { continue };
        if !drugs.contains(&d.name) {
            continue;
        }
        let path = format!("medication_trials[{i}]");
        evidence.push(Evidence::new(&path, serde_json::to_value(t).unwrap_or_default()));
        if intolerance_counts && t.outcome == Some(TrialOutcome::NotTolerated) {
            return TrialSearch { status: Status::Met, reason: format!("{} not tolerated ({path})", d.name), evidence };
        }
        let mg = t.daily_dose.as_ref().and_then(|dose| catalogue.dose_mg(d, dose).ok());
        let range = d.therapeutic_range_mg_per_day;
        match (mg, t.weeks, range) {
            (Some(mg), Some(w), Some([lo, hi])) => {
                if mg >= lo && w >= min_weeks {
                    return TrialSearch {
                        status: Status::Met,
                        reason: format!(
                            "{} {mg} mg/day (labelled range {lo}-{hi}) for {w} weeks >= {min_weeks} ({path})",
                            d.name
                        ),
                        evidence,
                    };
                }
                inadequate.push(format!(
                    "{} {mg} mg/day for {w} weeks (needs >= {lo} mg/day for >= {min_weeks} weeks) ({path})",
                    d.name
                ));
            }
            _ => unknown.push(format!("{}: dose or weeks not recorded ({path})", d.name)),
        }
    }
    if !unknown.is_empty() {
        let mut reason = unknown.join("; ");
        if !inadequate.is_empty() {
            reason = format!("{reason}; inadequate: {}", inadequate.join("; "));
        }
        return TrialSearch { status: Status::Unknown, reason, evidence };
    }
    if inadequate.is_empty() {
        TrialSearch {
            status: Status::NotMet,
            reason: format!("no trial of {} recorded", drugs.join(" or ")),
            evidence: vec![Evidence::new("medication_trials", json!(trials.len()))],
        }
    } else {
        TrialSearch { status: Status::NotMet, reason: format!("inadequate: {}", inadequate.join("; ")), evidence }
    }
}

fn therapy_courses<'a>(
    record: &'a ScreeningRecord,
    min_sessions: i64,
    types: &[TherapyType],
) -> Option<Vec<(usize, &'a crate::record::TherapyCourse)>> {
    let courses = record.trauma_therapy.as_ref()?;
    Some(
        courses
            .iter()
            .enumerate()
            .filter(|(_, c)| types.contains(&c.therapy_type) && c.sessions >= min_sessions)
            .collect(),
    )
}

fn check_step(
    record: &ScreeningRecord,
    catalogue: &DrugCatalogue,
    check: &GuidelineCheck,
) -> (Status, String, Vec<Evidence>) {
    match check {
        GuidelineCheck::AdequateTraumaFocusedTherapy { min_sessions, therapy_types } => {
            let Some(adequate) = therapy_courses(record, *min_sessions, therapy_types) else {
                return (
                    Status::Unknown,
                    "trauma-focused therapy history not recorded".into(),
                    vec![Evidence::new("trauma_therapy", json!(null))],
                );
            };
            let all = record.trauma_therapy.as_deref().unwrap_or_default();
            let evidence: Vec<Evidence> = all
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    Evidence::new(
                        format!("trauma_therapy[{i}]"),
                        json!({"type": c.therapy_type, "sessions": c.sessions}),
                    )
                })
                .collect();
            if let Some((i, c)) = adequate.first() {
                (
                    Status::Met,
                    format!("{} sessions of {:?} >= {min_sessions} (trauma_therapy[{i}])", c.sessions, c.therapy_type),
                    evidence,
                )
            } else {
                let best = all.iter().filter(|c| therapy_types.contains(&c.therapy_type)).map(|c| c.sessions).max();
                let reason = match best {
                    Some(b) => format!("most sessions in one eligible course: {b} < {min_sessions}"),
                    None => "no course of PE, CPT or EMDR (or the listed types) recorded".into(),
                };
                (Status::NotMet, reason, evidence)
            }
        }
        GuidelineCheck::AdequateMedicationTrial { drugs, min_weeks, intolerance_counts } => {
            let s = adequate_trial(record, catalogue, drugs, *min_weeks, *intolerance_counts);
            (s.status, s.reason, s.evidence)
        }
        GuidelineCheck::TriedForNightmares { drug } => {
            let ev_n = Evidence::new("nightmares", json!(record.nightmares));
            match record.nightmares {
                YesNoUnknown::No => return (Status::NotApplicable, "no nightmares".into(), vec![ev_n]),
                YesNoUnknown::Unknown => return (Status::Unknown, "nightmares not recorded".into(), vec![ev_n]),
                YesNoUnknown::Yes => {}
            }
            let is_drug = |name: &str| catalogue.resolve(name).is_some_and(|d| d.name == *drug);
            if let Some(i) = record.medication_trials.iter().flatten().position(|t| is_drug(&t.drug)) {
                return (Status::Met, format!("{drug} tried (medication_trials[{i}])"), vec![ev_n]);
            }
            if let Some(i) = record.current_medications.iter().flatten().position(|m| is_drug(&m.drug)) {
                return (Status::Met, format!("{drug} taken (current_medications[{i}])"), vec![ev_n]);
            }
            if record.medication_trials.is_none() {
                (Status::Unknown, "nightmares, and medication trial history not recorded".into(), vec![ev_n])
            } else {
                (Status::NotMet, format!("nightmares, and no trial of {drug} recorded"), vec![ev_n])
            }
        }
        GuidelineCheck::SecondLineAfterFailure { drug, after, min_weeks, intolerance_counts } => {
            let Some(trials) = &record.medication_trials else {
                return (
                    Status::Unknown,
                    "medication trial history not recorded".into(),
                    vec![Evidence::new("medication_trials", json!(null))],
                );
            };
            let first_line: Vec<(usize, &MedicationTrial)> = trials
                .iter()
                .enumerate()
                .filter(|(_, t)| catalogue.resolve(&t.drug).is_some_and(|d| after.contains(&d.name)))
                .collect();
            let ev: Vec<Evidence> = first_line
                .iter()
                .map(|(i, t)| Evidence::new(format!("medication_trials[{i}].outcome"), json!(t.outcome)))
                .collect();
            if first_line.is_empty() {
                return (
                    Status::NotApplicable,
                    format!("no trial of {} yet: the first-line step comes first", after.join(" or ")),
                    ev,
                );
            }
            if first_line.iter().any(|(_, t)| t.outcome == Some(TrialOutcome::Remission)) {
                return (Status::NotApplicable, "a first-line trial gave remission".into(), ev);
            }
            if first_line.iter().any(|(_, t)| t.outcome.is_none()) {
                return (Status::Unknown, "outcome of a first-line trial not recorded".into(), ev);
            }
            let s = adequate_trial(record, catalogue, std::slice::from_ref(drug), *min_weeks, *intolerance_counts);
            let mut evidence = ev;
            evidence.extend(s.evidence);
            (s.status, format!("first-line trials failed or not tolerated; {}", s.reason), evidence)
        }
        GuidelineCheck::CombinedTreatment { min_sessions, therapy_types } => {
            let Some(adequate) = therapy_courses(record, *min_sessions, therapy_types) else {
                return (
                    Status::Unknown,
                    "trauma-focused therapy history not recorded".into(),
                    vec![Evidence::new("trauma_therapy", json!(null))],
                );
            };
            let evidence: Vec<Evidence> = adequate
                .iter()
                .map(|(i, c)| {
                    Evidence::new(
                        format!("trauma_therapy[{i}].with_optimised_medication"),
                        json!(c.with_optimised_medication),
                    )
                })
                .collect();
            if let Some((i, _)) = adequate.iter().find(|(_, c)| c.with_optimised_medication.is_yes()) {
                (Status::Met, format!("adequate course with optimised medication (trauma_therapy[{i}])"), evidence)
            } else if adequate.iter().any(|(_, c)| c.with_optimised_medication.is_unknown()) {
                (Status::Unknown, "whether medication was optimised during the course is not recorded".into(), evidence)
            } else {
                (Status::NotMet, "no adequate course combined with optimised medication".into(), evidence)
            }
        }
        GuidelineCheck::SpecialisedProgrammeReferral {} => {
            let v = record.specialised_programme_referral;
            let ev = vec![Evidence::new("specialised_programme_referral", json!(v))];
            match v {
                YesNoUnknown::Yes => (Status::Met, "referred to a specialised PTSD programme".into(), ev),
                YesNoUnknown::No => (Status::NotMet, "not referred to a specialised PTSD programme".into(), ev),
                YesNoUnknown::Unknown => (Status::Unknown, "referral not recorded".into(), ev),
            }
        }
    }
}

/// Assess every step of the guideline rule set.
pub fn assess(record: &ScreeningRecord, catalogue: &DrugCatalogue, rules: &GuidelineRuleSet) -> GuidelineAssessment {
    let steps: Vec<StepResult> = rules
        .rules
        .iter()
        .map(|r| {
            let (status, reason, evidence) = check_step(record, catalogue, &r.params.check);
            StepResult {
                step: r.params.step,
                rule_id: r.id.clone(),
                description: r.description.clone(),
                status,
                reason,
                evidence,
                source: r.source.clone(),
                recommendation: r.params.recommendation.clone(),
            }
        })
        .collect();
    let first_unmet = steps.iter().find(|s| matches!(s.status, Status::NotMet | Status::Unknown)).cloned();
    let status = if steps.iter().any(|s| s.status == Status::NotMet) {
        GuidelineStatus::NotOptimised
    } else if first_unmet.is_some() {
        GuidelineStatus::Unknown
    } else {
        GuidelineStatus::TreatmentResistant
    };
    GuidelineAssessment { rule_set: rules.reference(), status, first_unmet, steps }
}
