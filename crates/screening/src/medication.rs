//! Medication safety: contraindications, taper and washout dates, interaction flags.
//!
//! Washout arithmetic (clinical.md section 2, defaults in `data/medication.json`):
//! `days = max(ceil(half_lives × t½ / 24 h), minimum days for the drug)` and the washout is
//! complete on `last dose date + days`. The time of the last dose is not recorded, so the last
//! dose is assumed taken at the end of that day and the washout is complete at the start of the
//! computed date: on that date (and after) the drug counts as washed out. A drug that is still
//! being taken cannot be dated: the action is "taper first" and the decision needs review.

use jiff::Span;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::decision::{Evidence, Status};
use crate::drugs::{Drug, DrugCatalogue};
use crate::record::{LastDose, ScreeningRecord};
use crate::rules::{DrugSelector, FlagEffect, MedicationCheck, RuleSet};

/// What must happen about one drug under one rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionKind {
    /// Contraindicated and still taken: ineligible.
    Contraindicated,
    /// Still taken: taper and stop before the washout can be dated (needs review).
    TaperFirst,
    /// Stopped: washout runs until `washout_complete_on`.
    Washout,
    /// Flag for the clinician (note or review by the rule's effect).
    Flag,
}

/// One medication action.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MedicationAction {
    /// Path of the medication in the record, e.g. `current_medications[0]`.
    pub path: String,
    /// Drug as recorded.
    pub recorded_name: String,
    /// Canonical catalogue name.
    pub drug: String,
    pub class: crate::drugs::DrugClass,
    pub rule_id: String,
    pub source: String,
    pub action: ActionKind,
    /// For flags: note or review.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effect: Option<FlagEffect>,
    pub last_dose: LastDose,
    /// Half-life used (hours) and what it refers to.
    pub half_life_hours: f64,
    pub half_life_basis: String,
    /// Washout length in days (washout and contraindicated-but-stopped actions).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub washout_days: Option<i64>,
    /// First date on which the washout is complete.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub washout_complete_on: Option<Date>,
    /// Whether the washout is complete at `as_of`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub complete: Option<bool>,
    pub message: String,
}

/// Overall medication status.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MedicationAssessment {
    /// `unknown` when current medications were not recorded; `not_met` when a contraindicated
    /// drug is taken or a washout is pending or a taper is needed; `met` otherwise.
    pub status: Status,
    pub actions: Vec<MedicationAction>,
    /// Latest washout completion date over all drugs (absent when nothing needs a washout or a
    /// drug is still being taken).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub washout_complete_on: Option<Date>,
    /// Whether any drug is still being taken that must be tapered first.
    pub taper_first: bool,
    pub evidence: Vec<Evidence>,
}

fn selects(sel: &DrugSelector, d: &Drug) -> bool {
    sel.classes.contains(&d.class) || sel.flags.iter().any(|f| d.has_flag(*f)) || sel.drugs.contains(&d.name)
}

/// `ceil(half_lives × t½ / 24)` days.
pub fn half_life_days(half_lives: f64, half_life_hours: f64) -> i64 {
    let days = (half_lives * half_life_hours / 24.0).ceil();
    if days.is_finite() && days >= 0.0 { days as i64 } else { 0 }
}

/// Washout completion date: `last_dose + days` (None on calendar overflow).
pub fn washout_complete_on(last_dose: Date, days: i64) -> Option<Date> {
    last_dose.checked_add(Span::new().days(days)).ok()
}

/// Assess every current medication against the medication rule set.
pub fn assess(
    record: &ScreeningRecord,
    catalogue: &DrugCatalogue,
    as_of: Date,
    rules: &RuleSet<MedicationCheck>,
) -> MedicationAssessment {
    let Some(meds) = &record.current_medications else {
        return MedicationAssessment {
            status: Status::Unknown,
            actions: Vec::new(),
            washout_complete_on: None,
            taper_first: false,
            evidence: vec![Evidence::new("current_medications", json!(null))],
        };
    };
    let mut actions = Vec::new();
    for (i, m) in meds.iter().enumerate() {
        // Validation rejects unknown names, so a miss here cannot happen for validated records.
        let Some(d) = catalogue.resolve(&m.drug) else { continue };
        let path = format!("current_medications[{i}]");
        for r in &rules.rules {
            let base = |action, message: String| MedicationAction {
                path: path.clone(),
                recorded_name: m.drug.clone(),
                drug: d.name.clone(),
                class: d.class,
                rule_id: r.id.clone(),
                source: r.source.clone(),
                action,
                effect: None,
                last_dose: m.last_dose,
                half_life_hours: d.half_life_hours,
                half_life_basis: d.half_life_basis.clone(),
                washout_days: None,
                washout_complete_on: None,
                complete: None,
                message,
            };
            match &r.params {
                MedicationCheck::Contraindicated { select, half_lives, min_days } if selects(select, d) => {
                    match m.last_dose {
                        LastDose::StillTaking => actions.push(base(
                            ActionKind::Contraindicated,
                            format!("{} is contraindicated with MDMA and is still being taken", d.name),
                        )),
                        LastDose::On(last) => {
                            let days = half_life_days(*half_lives, d.half_life_hours).max(*min_days);
                            let done = washout_complete_on(last, days);
                            let mut a = base(
                                ActionKind::Washout,
                                format!(
                                    "{} (contraindicated) stopped {last}: washout max({half_lives} half-lives, {min_days} days) = {days} days",
                                    d.name
                                ),
                            );
                            a.washout_days = Some(days);
                            a.washout_complete_on = done;
                            a.complete = done.map(|c| c <= as_of);
                            actions.push(a);
                        }
                    }
                }
                MedicationCheck::Washout { select, half_lives, min_days_by_drug } if selects(select, d) => {
                    match m.last_dose {
                        LastDose::StillTaking => actions.push(base(
                            ActionKind::TaperFirst,
                            format!(
                                "{} is still being taken: taper and stop first; the washout ({half_lives} half-lives) can be dated from the last dose",
                                d.name
                            ),
                        )),
                        LastDose::On(last) => {
                            let by_hl = half_life_days(*half_lives, d.half_life_hours);
                            let floor = min_days_by_drug.get(&d.name).copied().unwrap_or(0);
                            let days = by_hl.max(floor);
                            let done = washout_complete_on(last, days);
                            let how = if floor > by_hl {
                                format!("minimum {floor} days for {} (> {half_lives} x {} h = {by_hl} days)", d.name, d.half_life_hours)
                            } else {
                                format!("{half_lives} x {} h = {by_hl} days", d.half_life_hours)
                            };
                            let mut a = base(ActionKind::Washout, format!("{} last dose {last}: washout {how}", d.name));
                            a.washout_days = Some(days);
                            a.washout_complete_on = done;
                            a.complete = done.map(|c| c <= as_of);
                            actions.push(a);
                        }
                    }
                }
                MedicationCheck::Flag { select, effect, message, active_half_lives } if selects(select, d) => {
                    let active = match m.last_dose {
                        LastDose::StillTaking => true,
                        LastDose::On(last) => {
                            washout_complete_on(last, half_life_days(*active_half_lives, d.half_life_hours))
                                .is_none_or(|until| as_of < until)
                        }
                    };
                    if active {
                        let mut a = base(ActionKind::Flag, format!("{}: {message}", d.name));
                        a.effect = Some(*effect);
                        actions.push(a);
                    }
                }
                _ => {}
            }
        }
    }
    let taper_first = actions.iter().any(|a| a.action == ActionKind::TaperFirst);
    let contraindicated = actions.iter().any(|a| a.action == ActionKind::Contraindicated);
    let washouts: Vec<&MedicationAction> = actions.iter().filter(|a| a.action == ActionKind::Washout).collect();
    let undated = washouts.iter().any(|a| a.washout_complete_on.is_none());
    let washout_complete_on =
        if taper_first || undated { None } else { washouts.iter().filter_map(|a| a.washout_complete_on).max() };
    let pending = washouts.iter().any(|a| a.complete != Some(true));
    let status = if undated {
        Status::Unknown
    } else if contraindicated || taper_first || pending {
        Status::NotMet
    } else {
        Status::Met
    };
    MedicationAssessment {
        status,
        actions,
        washout_complete_on,
        taper_first,
        evidence: vec![Evidence::new("current_medications", json!(meds.len()))],
    }
}
