//! Rule sets as versioned data, with a small explicit rule vocabulary.
//!
//! Why a closed vocabulary and not an expression language: every rule kind below is implemented
//! (and tested) in Rust, so its meaning, its handling of missing data and its boundaries are
//! fixed by code review; the data only chooses which rules apply, with which thresholds, and
//! which source justifies them. Governance can change a threshold (CAPS-5 35 → 28) by issuing a
//! new rule-set version without touching the engine, and every decision names the versions used.
//!
//! The built-in sets live in `data/*.json`:
//! - `guideline.json` — seed 003's algorithm for treatment-resistant PTSD (clinical.md section 2);
//! - `eligibility_mapp1.json` / `eligibility_mapp2.json` — phase 3 inclusion and exclusion
//!   (clinical.md section 2), CAPS-5 >= 35 (version 1, MAPP1) or >= 28 (version 2, MAPP2);
//! - `medication.json` — medication safety (clinical.md section 2, seed 003);
//! - `pathway.json` — who may give MDMA-AT, where (clinical.md section 7).

use std::collections::{BTreeMap, BTreeSet};

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::drugs::{CatalogueError, DrugCatalogue, DrugClass, DrugFlag};
use crate::record::{CssrsRisk, MedicalCondition, Pathway, PsychiatricCondition, TherapyType};

/// A versioned rule set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSet<K> {
    /// Stable identifier, e.g. `phase3_eligibility`.
    pub id: String,
    /// Version; a changed threshold is a new version.
    pub version: String,
    pub title: String,
    /// Sources for the set as a whole.
    pub citations: Vec<String>,
    pub rules: Vec<Rule<K>>,
}

/// One rule: identity, human description, its source, and the kind-specific parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule<K> {
    pub id: String,
    pub description: String,
    /// Citation justifying the rule and its thresholds (marks **default** values as such).
    pub source: String,
    pub params: K,
}

/// Identifies a rule set in outputs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSetRef {
    pub id: String,
    pub version: String,
}

impl<K> RuleSet<K> {
    pub fn reference(&self) -> RuleSetRef {
        RuleSetRef { id: self.id.clone(), version: self.version.clone() }
    }
}

// ---------------------------------------------------------------------------------------------
// Guideline (seed 003)

/// Whether an unmet guideline step blocks eligibility.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Enforcement {
    /// An unmet step makes the candidate ineligible, an unknown step needs review
    /// (seed 003: "do not consider MDMA-AT until all guideline-recommended treatments have
    /// been optimised").
    Required,
    /// Steps are reported but do not change the decision (e.g. a trial protocol that does not
    /// require treatment resistance).
    Advisory,
}

/// Parameters of one guideline step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GuidelineStep {
    /// Step number (1-based, ascending in the set).
    pub step: u8,
    /// What to do when the step is not met.
    pub recommendation: String,
    pub check: GuidelineCheck,
}

/// Guideline step kinds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum GuidelineCheck {
    /// At least one course of a listed therapy type with `sessions >= min_sessions`.
    AdequateTraumaFocusedTherapy { min_sessions: i64, therapy_types: Vec<TherapyType> },
    /// A trial of a listed drug at or above the bottom of its labelled range for
    /// `>= min_weeks`, or (when `intolerance_counts`) a trial ended as not tolerated.
    AdequateMedicationTrial { drugs: Vec<String>, min_weeks: i64, intolerance_counts: bool },
    /// When nightmares are present, a trial of the drug (any dose or length) has been made.
    TriedForNightmares { drug: String },
    /// When the first-line drugs failed or were not tolerated (and none gave remission), an
    /// adequate trial of `drug` (as in `adequate_medication_trial`).
    SecondLineAfterFailure { drug: String, after: Vec<String>, min_weeks: i64, intolerance_counts: bool },
    /// A course of a listed therapy with `>= min_sessions` given with optimised medication.
    CombinedTreatment { min_sessions: i64, therapy_types: Vec<TherapyType> },
    /// Referred to a specialised PTSD programme.
    SpecialisedProgrammeReferral {},
}

/// The guideline rule set: steps plus enforcement.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GuidelineRuleSet {
    pub id: String,
    pub version: String,
    pub title: String,
    pub citations: Vec<String>,
    pub enforcement: Enforcement,
    pub rules: Vec<Rule<GuidelineStep>>,
}

impl GuidelineRuleSet {
    pub fn reference(&self) -> RuleSetRef {
        RuleSetRef { id: self.id.clone(), version: self.version.clone() }
    }
}

// ---------------------------------------------------------------------------------------------
// Protocol eligibility (clinical.md section 2)

/// Eligibility criterion kinds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum EligibilityCheck {
    /// Inclusion: age at `as_of` >= `years`.
    MinAge { years: i64 },
    /// Inclusion: PTSD diagnosis `yes` and duration >= `min_months`.
    PtsdDuration { min_months: i64 },
    /// Inclusion: CAPS-5 total >= `min_total`.
    Caps5Minimum { min_total: i64 },
    /// Exclusion: none of the listed psychiatric conditions.
    ExcludedPsychiatricConditions { conditions: Vec<PsychiatricCondition> },
    /// Exclusion: none of the listed medical conditions.
    ExcludedMedicalConditions { conditions: Vec<MedicalCondition> },
    /// Exclusion: pregnant or lactating.
    PregnancyLactation {},
    /// Exclusion: uncontrolled hypertension, from repeated readings.
    /// Uses readings no older than `max_age_days`; needs at least `min_readings`; takes the
    /// `last_n` most recent; uncontrolled when their mean systolic >= `mean_systolic` or mean
    /// diastolic >= `mean_diastolic`, or any of them has systolic >= `any_systolic` or
    /// diastolic >= `any_diastolic`. The condition code `uncontrolled_hypertension` also excludes.
    BloodPressure {
        max_age_days: i64,
        min_readings: usize,
        last_n: usize,
        mean_systolic: f64,
        mean_diastolic: f64,
        any_systolic: i64,
        any_diastolic: i64,
    },
    /// Exclusion: history of arrhythmia (field or condition code).
    ArrhythmiaHistory {},
    /// Exclusion: QTc > `male_ms` (male) or > `female_ms` (female); at the threshold is allowed.
    /// Intersex or unknown sex uses the stricter `male_ms` unless the value is <= both.
    QtcMaximum { male_ms: f64, female_ms: f64 },
    /// Exclusion: ALT or AST > `max_x_uln` × ULN, or the `hepatic_impairment` condition.
    LiverFunction { max_x_uln: f64 },
    /// Exclusion: C-SSRS risk at or above `exclude_at`.
    SuicideRisk { exclude_at: CssrsRisk },
}

// ---------------------------------------------------------------------------------------------
// Medication safety (clinical.md section 2)

/// Selects drugs by class, flag or name (any match selects).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DrugSelector {
    #[serde(default)]
    pub classes: Vec<DrugClass>,
    #[serde(default)]
    pub flags: Vec<DrugFlag>,
    /// Canonical catalogue names.
    #[serde(default)]
    pub drugs: Vec<String>,
}

/// What a flag does to the decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FlagEffect {
    /// Reported only.
    Note,
    /// Makes the decision `needs_review` while the drug is active.
    Review,
}

/// Medication rule kinds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum MedicationCheck {
    /// Contraindicated: still taking → ineligible; stopped → washout of
    /// max(`half_lives` × t½, `min_days`) days.
    Contraindicated { select: DrugSelector, half_lives: f64, min_days: i64 },
    /// Taper and wash out: still taking → taper first (review); stopped → washout complete
    /// `max(ceil(half_lives × t½ / 24h), min_days_by_drug[drug])` days after the last dose.
    Washout {
        select: DrugSelector,
        half_lives: f64,
        #[serde(default)]
        min_days_by_drug: BTreeMap<String, i64>,
    },
    /// Flag while the drug is active (still taking, or last dose less than `active_half_lives`
    /// half-lives before `as_of`).
    Flag { select: DrugSelector, effect: FlagEffect, message: String, active_half_lives: f64 },
}

// ---------------------------------------------------------------------------------------------
// Access pathway (clinical.md section 7)

/// A condition attached to a pathway; read from the matching `Authority` in the record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Requirement {
    EthicsApproval,
    PrescriberIsPsychiatrist,
    PatientAuthorisation,
    AdministeredByAuthorisedPractitioner,
}

/// One pathway a jurisdiction allows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PathwayOption {
    pub pathway: Pathway,
    #[serde(default)]
    pub requires: Vec<Requirement>,
    /// First date the pathway exists (e.g. AU Schedule 8 from 2023-07-01).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub available_from: Option<Date>,
}

/// Pathway rule kinds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum PathwayCheck {
    /// The pathways allowed in the listed jurisdictions. A record's jurisdiction is matched
    /// exactly ("AU-VIC"), then by country ("AU-NSW" → "AU"), then by `"*"` (elsewhere).
    Jurisdiction {
        jurisdictions: Vec<String>,
        pathways: Vec<PathwayOption>,
        #[serde(default)]
        notes: Vec<String>,
    },
}

// ---------------------------------------------------------------------------------------------

/// Everything `evaluate` needs: the drug catalogue and the four rule sets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleSets {
    pub catalogue: DrugCatalogue,
    pub guideline: GuidelineRuleSet,
    pub eligibility: RuleSet<EligibilityCheck>,
    pub medication: RuleSet<MedicationCheck>,
    pub pathway: RuleSet<PathwayCheck>,
}

/// A problem in rule-set data.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RuleSetError {
    #[error(transparent)]
    Catalogue(#[from] CatalogueError),
    #[error("rule set {set}: {message}")]
    Parse { set: &'static str, message: String },
    #[error("rule set {set}: {message}")]
    Invalid { set: String, message: String },
}

/// The JSON texts of the built-in sets, for callers that want to show or copy them.
pub mod builtin_json {
    pub const GUIDELINE: &str = include_str!("data/guideline.json");
    pub const ELIGIBILITY_MAPP1: &str = include_str!("data/eligibility_mapp1.json");
    pub const ELIGIBILITY_MAPP2: &str = include_str!("data/eligibility_mapp2.json");
    pub const MEDICATION: &str = include_str!("data/medication.json");
    pub const PATHWAY: &str = include_str!("data/pathway.json");
}

fn parse<T: serde::de::DeserializeOwned>(set: &'static str, text: &str) -> Result<T, RuleSetError> {
    let de = &mut serde_json::Deserializer::from_str(text);
    serde_path_to_error::deserialize(de)
        .map_err(|e| RuleSetError::Parse { set, message: format!("{}: {}", e.path(), e.inner()) })
}

impl RuleSets {
    /// Built-in sets with the MAPP1 eligibility threshold (CAPS-5 >= 35).
    pub fn builtin() -> Result<Self, RuleSetError> {
        Self::from_json(
            include_str!("data/drugs.json"),
            builtin_json::GUIDELINE,
            builtin_json::ELIGIBILITY_MAPP1,
            builtin_json::MEDICATION,
            builtin_json::PATHWAY,
        )
    }

    /// Built-in sets with the MAPP2 eligibility threshold (CAPS-5 >= 28).
    pub fn builtin_mapp2() -> Result<Self, RuleSetError> {
        Self::from_json(
            include_str!("data/drugs.json"),
            builtin_json::GUIDELINE,
            builtin_json::ELIGIBILITY_MAPP2,
            builtin_json::MEDICATION,
            builtin_json::PATHWAY,
        )
    }

    /// Parse and check a programme's own catalogue and rule sets.
    pub fn from_json(
        catalogue: &str,
        guideline: &str,
        eligibility: &str,
        medication: &str,
        pathway: &str,
    ) -> Result<Self, RuleSetError> {
        let sets = Self {
            catalogue: DrugCatalogue::from_json(catalogue)?,
            guideline: parse("guideline", guideline)?,
            eligibility: parse("eligibility", eligibility)?,
            medication: parse("medication", medication)?,
            pathway: parse("pathway", pathway)?,
        };
        sets.check()?;
        Ok(sets)
    }

    /// Cross-checks: unique rule ids, ascending guideline steps, drug names known to the
    /// catalogue, sane thresholds. Evaluating with unchecked rules could silently skip a rule.
    pub fn check(&self) -> Result<(), RuleSetError> {
        let bad = |set: &str, message: String| Err(RuleSetError::Invalid { set: set.to_string(), message });
        let ids = |set: &str, ids: Vec<&String>| -> Result<(), RuleSetError> {
            let mut seen = BTreeSet::new();
            for id in ids {
                if !seen.insert(id) {
                    return Err(RuleSetError::Invalid {
                        set: set.to_string(),
                        message: format!("rule id {id:?} used twice"),
                    });
                }
            }
            Ok(())
        };
        ids(&self.guideline.id, self.guideline.rules.iter().map(|r| &r.id).collect())?;
        ids(&self.eligibility.id, self.eligibility.rules.iter().map(|r| &r.id).collect())?;
        ids(&self.medication.id, self.medication.rules.iter().map(|r| &r.id).collect())?;
        ids(&self.pathway.id, self.pathway.rules.iter().map(|r| &r.id).collect())?;

        let known = |set: &str, name: &str| -> Result<(), RuleSetError> {
            match self.catalogue.resolve(name) {
                Some(d) if d.name == name => Ok(()),
                _ => Err(RuleSetError::Invalid {
                    set: set.to_string(),
                    message: format!("drug {name:?} is not a canonical catalogue name"),
                }),
            }
        };
        let mut last_step = 0u8;
        for r in &self.guideline.rules {
            if r.params.step <= last_step {
                return bad(&self.guideline.id, format!("rule {}: steps must ascend", r.id));
            }
            last_step = r.params.step;
            match &r.params.check {
                GuidelineCheck::AdequateMedicationTrial { drugs, min_weeks, .. } => {
                    for d in drugs {
                        known(&self.guideline.id, d)?;
                        if self.catalogue.resolve(d).and_then(|x| x.therapeutic_range_mg_per_day).is_none() {
                            return bad(&self.guideline.id, format!("rule {}: {d} has no therapeutic range", r.id));
                        }
                    }
                    if *min_weeks < 0 {
                        return bad(&self.guideline.id, format!("rule {}: min_weeks < 0", r.id));
                    }
                }
                GuidelineCheck::TriedForNightmares { drug } => known(&self.guideline.id, drug)?,
                GuidelineCheck::SecondLineAfterFailure { drug, after, .. } => {
                    known(&self.guideline.id, drug)?;
                    if self.catalogue.resolve(drug).and_then(|x| x.therapeutic_range_mg_per_day).is_none() {
                        return bad(&self.guideline.id, format!("rule {}: {drug} has no therapeutic range", r.id));
                    }
                    for d in after {
                        known(&self.guideline.id, d)?;
                    }
                }
                GuidelineCheck::AdequateTraumaFocusedTherapy { min_sessions, .. }
                | GuidelineCheck::CombinedTreatment { min_sessions, .. } => {
                    if *min_sessions < 0 {
                        return bad(&self.guideline.id, format!("rule {}: min_sessions < 0", r.id));
                    }
                }
                GuidelineCheck::SpecialisedProgrammeReferral {} => {}
            }
        }
        for r in &self.eligibility.rules {
            if let EligibilityCheck::BloodPressure { min_readings, last_n, .. } = &r.params
                && (*min_readings == 0 || *last_n < *min_readings)
            {
                return bad(&self.eligibility.id, format!("rule {}: need 0 < min_readings <= last_n", r.id));
            }
        }
        for r in &self.medication.rules {
            let (select, hl) = match &r.params {
                MedicationCheck::Contraindicated { select, half_lives, .. } => (select, *half_lives),
                MedicationCheck::Washout { select, half_lives, min_days_by_drug } => {
                    for (d, days) in min_days_by_drug {
                        known(&self.medication.id, d)?;
                        if *days < 0 {
                            return bad(&self.medication.id, format!("rule {}: negative days for {d}", r.id));
                        }
                    }
                    (select, *half_lives)
                }
                MedicationCheck::Flag { select, active_half_lives, .. } => (select, *active_half_lives),
            };
            if !(hl.is_finite() && hl >= 0.0) {
                return bad(&self.medication.id, format!("rule {}: half-lives must be >= 0", r.id));
            }
            for d in &select.drugs {
                known(&self.medication.id, d)?;
            }
        }
        let mut has_default = false;
        for r in &self.pathway.rules {
            let PathwayCheck::Jurisdiction { jurisdictions, .. } = &r.params;
            has_default |= jurisdictions.iter().any(|j| j == "*");
        }
        if !has_default {
            return bad(&self.pathway.id, "no \"*\" (elsewhere) jurisdiction rule".to_string());
        }
        Ok(())
    }

    /// References to the rule sets used, for the decision record.
    pub fn references(&self) -> Vec<RuleSetRef> {
        vec![
            RuleSetRef { id: self.catalogue.id.clone(), version: self.catalogue.version.clone() },
            self.guideline.reference(),
            self.eligibility.reference(),
            self.medication.reference(),
            self.pathway.reference(),
        ]
    }
}
