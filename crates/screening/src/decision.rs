//! The decision: combines validation, guideline, eligibility, medication and pathway.
//!
//! Precedence (why): a definite reason not to proceed outranks missing data, and missing data
//! outranks a pending washout, so the decision can never say more than the data supports:
//! 1. `ineligible` — any criterion not met, a contraindicated drug still taken, a guideline step
//!    not met (when the guideline is `required`), or no lawful pathway;
//! 2. `needs_review` — otherwise, anything unknown, a drug still taken that needs a taper, or a
//!    flag with effect `review`;
//! 3. `eligible_after_washout` — otherwise, a washout completes after `as_of` (`eligible_from`
//!    is the latest completion date);
//! 4. `eligible` — everything known and satisfied.
//!
//! `eligible` is therefore impossible while any required datum is unknown.

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::eligibility::CriterionResult;
use crate::guideline::{GuidelineAssessment, GuidelineStatus};
use crate::medication::{ActionKind, MedicationAssessment};
use crate::pathway::PathwayAssessment;
use crate::record::{ScreeningRecord, YesNoUnknown};
use crate::rules::{Enforcement, FlagEffect, RuleSetRef, RuleSets};
use crate::validate::{ValidationErrors, validate};

/// Status of a criterion, step or assessment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Met,
    NotMet,
    Unknown,
    NotApplicable,
}

/// A value read from the record, by JSON path.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Evidence {
    pub field: String,
    pub value: serde_json::Value,
}

impl Evidence {
    pub fn new(field: impl Into<String>, value: serde_json::Value) -> Self {
        Self { field: field.into(), value }
    }
}

/// The decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DecisionKind {
    Eligible,
    EligibleAfterWashout,
    Ineligible,
    NeedsReview,
}

/// How a reason affects the decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReasonEffect {
    Ineligible,
    Review,
    Washout,
    Note,
}

/// One reason, citing its rule and source.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reason {
    pub effect: ReasonEffect,
    /// Rule-set id.
    pub rule_set: String,
    pub rule_id: String,
    pub message: String,
    pub source: String,
}

/// The full, self-explaining output of `evaluate`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Decision {
    pub decision: DecisionKind,
    /// First date the candidate is eligible (`as_of` when eligible; the washout completion
    /// date when eligible after washout; absent otherwise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eligible_from: Option<Date>,
    pub as_of: Date,
    pub rule_sets: Vec<RuleSetRef>,
    /// Reasons, most severe first.
    pub reasons: Vec<Reason>,
    pub guideline: GuidelineAssessment,
    pub criteria: Vec<CriterionResult>,
    pub medications: MedicationAssessment,
    pub pathway: PathwayAssessment,
}

/// Validate the record, then evaluate every rule set and combine them into a decision.
pub fn evaluate(record: &ScreeningRecord, rules: &RuleSets, as_of: Date) -> Result<Decision, ValidationErrors> {
    validate(record, &rules.catalogue, as_of)?;
    let guideline = crate::guideline::assess(record, &rules.catalogue, &rules.guideline);
    let criteria = crate::eligibility::assess(record, as_of, &rules.eligibility);
    let medications = crate::medication::assess(record, &rules.catalogue, as_of, &rules.medication);
    let pathway = crate::pathway::assess(record, as_of, &rules.pathway);

    let mut reasons = Vec::new();
    let reason = |effect, rule_set: &str, rule_id: &str, message: String, source: &str| Reason {
        effect,
        rule_set: rule_set.to_string(),
        rule_id: rule_id.to_string(),
        message,
        source: source.to_string(),
    };

    // Eligibility criteria.
    for c in &criteria {
        let effect = match c.status {
            Status::NotMet => ReasonEffect::Ineligible,
            Status::Unknown => ReasonEffect::Review,
            Status::Met | Status::NotApplicable => continue,
        };
        reasons.push(reason(
            effect,
            &rules.eligibility.id,
            &c.rule_id,
            format!("{}: {}", c.description.trim_end_matches('.'), c.reason),
            &c.source,
        ));
    }

    // Guideline.
    let g_id = &rules.guideline.id;
    match (rules.guideline.enforcement, guideline.status) {
        (_, GuidelineStatus::TreatmentResistant) => {}
        (Enforcement::Required, GuidelineStatus::NotOptimised) => {
            if let Some(s) = guideline.steps.iter().find(|s| s.status == Status::NotMet) {
                reasons.push(reason(
                    ReasonEffect::Ineligible,
                    g_id,
                    &s.rule_id,
                    format!("guideline step {} not optimised ({}): {}", s.step, s.reason, s.recommendation),
                    &s.source,
                ));
            }
        }
        (Enforcement::Required, GuidelineStatus::Unknown) | (Enforcement::Advisory, _) => {
            if let Some(s) = &guideline.first_unmet {
                let effect = if rules.guideline.enforcement == Enforcement::Required {
                    ReasonEffect::Review
                } else {
                    ReasonEffect::Note
                };
                reasons.push(reason(
                    effect,
                    g_id,
                    &s.rule_id,
                    format!(
                        "guideline step {} {}: {}",
                        s.step,
                        if s.status == Status::Unknown { "unknown" } else { "not optimised" },
                        s.reason
                    ),
                    &s.source,
                ));
            }
        }
    }
    // Any other unknown step also needs review when required (not only the first).
    if rules.guideline.enforcement == Enforcement::Required && guideline.status != GuidelineStatus::TreatmentResistant {
        for s in guideline.steps.iter().filter(|s| s.status == Status::Unknown) {
            if !reasons.iter().any(|r| r.rule_id == s.rule_id) {
                reasons.push(reason(
                    ReasonEffect::Review,
                    g_id,
                    &s.rule_id,
                    format!("guideline step {} unknown: {}", s.step, s.reason),
                    &s.source,
                ));
            }
        }
    }

    // Medications.
    let m_id = &rules.medication.id;
    if medications.status == Status::Unknown && medications.actions.is_empty() {
        reasons.push(reason(
            ReasonEffect::Review,
            m_id,
            "current_medications",
            "current medications not recorded: washouts cannot be checked".into(),
            "clinical.md section 2 (Medication)",
        ));
    }
    let mut eligible_from: Option<Date> = None;
    for a in &medications.actions {
        let effect = match a.action {
            ActionKind::Contraindicated => ReasonEffect::Ineligible,
            ActionKind::TaperFirst => ReasonEffect::Review,
            ActionKind::Washout => match (a.complete, a.washout_complete_on) {
                (Some(true), _) => ReasonEffect::Note,
                (_, Some(d)) => {
                    eligible_from = eligible_from.max(Some(d));
                    ReasonEffect::Washout
                }
                (_, None) => ReasonEffect::Review,
            },
            ActionKind::Flag => match a.effect {
                Some(FlagEffect::Review) => ReasonEffect::Review,
                _ => ReasonEffect::Note,
            },
        };
        let message = match (a.action, a.washout_complete_on) {
            (ActionKind::Washout, Some(d)) => format!("{}; complete on {d}", a.message),
            _ => a.message.clone(),
        };
        reasons.push(reason(effect, m_id, &a.rule_id, format!("{}: {message}", a.path), &a.source));
    }

    // Pathway.
    let p_src = pathway.source.clone().unwrap_or_else(|| "clinical.md section 7".into());
    let p_rule = pathway.rule_id.clone().unwrap_or_else(|| "jurisdiction".into());
    match pathway.status {
        Status::NotMet => reasons.push(reason(
            ReasonEffect::Ineligible,
            &rules.pathway.id,
            &p_rule,
            format!("no authorised pathway: {}", pathway.reason),
            &p_src,
        )),
        Status::Unknown => reasons.push(reason(
            ReasonEffect::Review,
            &rules.pathway.id,
            &p_rule,
            format!("pathway: {}", pathway.reason),
            &p_src,
        )),
        Status::Met | Status::NotApplicable => {}
    }

    // Prior MDMA use: recorded, never decisive (clinical.md section 6).
    let mdma = &record.prior_mdma_use;
    let mdma_msg = match mdma.used {
        YesNoUnknown::Yes => Some(format!(
            "prior ecstasy/MDMA use recorded ({} times, last {}): a named source of bias; report it in analyses",
            mdma.times.map_or("unknown".into(), |t| t.to_string()),
            mdma.last_used_on.map_or("unknown".into(), |d| d.to_string())
        )),
        YesNoUnknown::Unknown => Some("prior ecstasy/MDMA use not recorded: record it (a named source of bias)".into()),
        YesNoUnknown::No => None,
    };
    if let Some(message) = mdma_msg {
        reasons.push(reason(
            ReasonEffect::Note,
            "record",
            "prior_mdma_use",
            message,
            "clinical.md section 6 (FDA: prior MDMA use as a source of bias)",
        ));
    }

    let has = |e: ReasonEffect| reasons.iter().any(|r| r.effect == e);
    let decision = if has(ReasonEffect::Ineligible) {
        DecisionKind::Ineligible
    } else if has(ReasonEffect::Review) {
        DecisionKind::NeedsReview
    } else if eligible_from.is_some_and(|d| d > as_of) {
        DecisionKind::EligibleAfterWashout
    } else {
        DecisionKind::Eligible
    };
    let eligible_from = match decision {
        DecisionKind::Eligible => Some(as_of),
        DecisionKind::EligibleAfterWashout => eligible_from,
        _ => None,
    };
    let rank = |e: ReasonEffect| match e {
        ReasonEffect::Ineligible => 0,
        ReasonEffect::Review => 1,
        ReasonEffect::Washout => 2,
        ReasonEffect::Note => 3,
    };
    reasons.sort_by_key(|r| rank(r.effect));

    Ok(Decision {
        decision,
        eligible_from,
        as_of,
        rule_sets: rules.references(),
        reasons,
        guideline,
        criteria,
        medications,
        pathway,
    })
}
