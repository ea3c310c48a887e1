//! The screening record: everything the eligibility engine reads about one candidate.
//!
//! Why the shapes look the way they do:
//! - **Unknown is explicit.** A field that was not assessed is `unknown` (tri-state) or absent
//!   (`null` lists). Absence never means "no": a list that is absent was not assessed, an empty
//!   list was assessed and found empty. The engine turns unknown into `needs_review`, never into
//!   `eligible` (clinical.md section 2 lists what must be known).
//! - **Closed vocabularies.** Conditions, therapy types and outcomes are closed enums so that a
//!   typo is rejected at parse time instead of being silently ignored.
//! - **Numbers are wide.** Counts are `i64` and doses `f64` so that a negative or impossible value
//!   reaches validation (which names the field and the rule) instead of failing as a type error.
//! - Every struct denies unknown fields: a misspelt field name must not be dropped on the floor.

use jiff::civil::Date;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A tri-state answer. `unknown` is the default so that an omitted answer is never read as "no".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum YesNoUnknown {
    Yes,
    No,
    #[default]
    Unknown,
}

impl YesNoUnknown {
    pub fn is_yes(self) -> bool {
        self == Self::Yes
    }
    pub fn is_no(self) -> bool {
        self == Self::No
    }
    pub fn is_unknown(self) -> bool {
        self == Self::Unknown
    }
}

/// One screening record. See `docs/screening.md` for an annotated example.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScreeningRecord {
    /// Pseudonymous participant code (no direct identifiers: compliance.md "Privacy").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub participant_code: Option<String>,
    /// Date of birth; preferred over `age_years` because age is then computed at `as_of`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_of_birth: Option<Date>,
    /// Age in whole years at screening, when the date of birth is not recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub age_years: Option<i64>,
    /// Sex assigned at birth: selects the QTc threshold and the pregnancy questions.
    #[serde(default)]
    pub sex_at_birth: SexAtBirth,
    /// DSM-5 PTSD diagnosis and its duration (inclusion, clinical.md section 2).
    #[serde(default)]
    pub ptsd: PtsdDiagnosis,
    /// CAPS-5 total severity at screening (0-80, clinical.md section 4) and its date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caps5: Option<Caps5AtScreening>,
    /// Every course of trauma-focused psychotherapy received. `null`/absent = history unknown;
    /// `[]` = none received.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trauma_therapy: Option<Vec<TherapyCourse>>,
    /// Every medication trial for PTSD, past or current (list the current one here too, with the
    /// weeks so far). `null`/absent = history unknown; `[]` = none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub medication_trials: Option<Vec<MedicationTrial>>,
    /// Every medication taken now or recently, with the last dose date or `still_taking`.
    /// `null`/absent = not recorded; `[]` = none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current_medications: Option<Vec<CurrentMedication>>,
    /// Persistent trauma-related nightmares (selects the prazosin step of seed 003).
    #[serde(default)]
    pub nightmares: YesNoUnknown,
    /// Referred to (or completed) a specialised PTSD treatment programme (seed 003 step 6).
    #[serde(default)]
    pub specialised_programme_referral: YesNoUnknown,
    /// Psychiatric diagnoses present, from a closed set. `null`/absent = not assessed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub psychiatric_conditions: Option<Vec<PsychiatricCondition>>,
    /// Medical conditions present, from a closed set. `null`/absent = not assessed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub medical_conditions: Option<Vec<MedicalCondition>>,
    /// Current substance use, recorded for the clinician (current use disorders are psychiatric
    /// conditions). `null`/absent = not asked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub substance_use: Option<Vec<SubstanceUse>>,
    /// Prior ecstasy/MDMA use: recorded because the FDA named it as a source of bias
    /// (clinical.md section 6). Never an exclusion by itself.
    #[serde(default)]
    pub prior_mdma_use: PriorMdmaUse,
    /// Pregnancy, lactation and whether the candidate can become pregnant.
    #[serde(default)]
    pub reproductive: Reproductive,
    /// Repeated office blood-pressure readings (uncontrolled hypertension is judged on several).
    #[serde(default)]
    pub blood_pressure: Vec<BloodPressureReading>,
    /// QTc interval from the screening ECG, in milliseconds (250-700 accepted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qtc_ms: Option<f64>,
    /// History of cardiac arrhythmia. Also implied by the `arrhythmia_history` medical condition.
    #[serde(default)]
    pub arrhythmia_history: YesNoUnknown,
    /// Liver function tests as multiples of the laboratory's upper limit of normal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub liver_function: Option<LiverFunction>,
    /// C-SSRS screener risk level (clinical.md section 4). Absent = not done.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cssrs_risk: Option<CssrsRisk>,
    /// Where the candidate would be treated: ISO 3166-1 alpha-2 ("US", "AU", "CA", "GB") or
    /// ISO 3166-2 ("AU-VIC").
    /// Absent = unknown (the pathway assessment is then `unknown`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jurisdiction: Option<String>,
    /// The authorities the programme holds (clinical.md section 7).
    #[serde(default)]
    pub programme: Programme,
}

/// Sex assigned at birth.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SexAtBirth {
    Female,
    Male,
    Intersex,
    #[default]
    Unknown,
}

/// DSM-5 PTSD diagnosis.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PtsdDiagnosis {
    /// Whether a clinician confirmed a DSM-5 PTSD diagnosis.
    #[serde(default)]
    pub diagnosis: YesNoUnknown,
    /// Duration of PTSD in whole months at screening.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_months: Option<i64>,
    /// Date symptoms began; used for the duration when `duration_months` is absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub onset_on: Option<Date>,
}

/// CAPS-5 total at screening.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Caps5AtScreening {
    /// Total severity, 0-80 (sum of items 1-20).
    pub total: i64,
    /// Date of the interview.
    pub assessed_on: Date,
}

/// Trauma-focused psychotherapy types named by seed 003 (and "other" for anything else).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TherapyType {
    /// Prolonged Exposure.
    Pe,
    /// Cognitive Processing Therapy.
    Cpt,
    /// Eye Movement Desensitisation and Reprocessing.
    Emdr,
    /// Any other psychotherapy (does not count towards seed 003 step 1 by default).
    Other,
}

/// One course of psychotherapy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TherapyCourse {
    /// Therapy type.
    #[serde(rename = "type")]
    pub therapy_type: TherapyType,
    /// Number of sessions attended (>= 0).
    pub sessions: i64,
    /// Whether the course was completed as planned.
    pub completed: bool,
    /// Last session date; absent when the course is ongoing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended_on: Option<Date>,
    /// Whether an optimised guideline medication was taken during this course (seed 003 step 5,
    /// combined treatment).
    #[serde(default)]
    pub with_optimised_medication: YesNoUnknown,
}

/// A daily dose with its unit. Both are optional in the JSON so that validation, not the
/// parser, reports "dose without unit" with the field path.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Dose {
    /// Amount per day.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<f64>,
    /// Unit: one of the units the drug catalogue accepts for the drug ("mg", "mcg", ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
}

/// Outcome of a medication trial.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TrialOutcome {
    Remission,
    Partial,
    NoResponse,
    NotTolerated,
}

/// One medication trial.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MedicationTrial {
    /// Drug name or synonym from the catalogue (unknown names are rejected with suggestions).
    pub drug: String,
    /// Highest daily dose reached (absent = unknown).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub daily_dose: Option<Dose>,
    /// Weeks at that dose (>= 0; absent = unknown).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weeks: Option<i64>,
    /// Outcome (absent = unknown).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<TrialOutcome>,
    /// Date the trial ended (absent = ongoing or unknown).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended_on: Option<Date>,
}

/// When the last dose was taken. Serialised as a date "YYYY-MM-DD" or the string "still_taking".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LastDose {
    /// Still being taken: the washout cannot be dated until the drug is stopped.
    StillTaking,
    /// Date of the last dose.
    On(Date),
}

impl Serialize for LastDose {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::StillTaking => s.serialize_str("still_taking"),
            Self::On(d) => s.serialize_str(&d.to_string()),
        }
    }
}

impl<'de> Deserialize<'de> for LastDose {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        if s == "still_taking" {
            return Ok(Self::StillTaking);
        }
        s.parse::<Date>().map(Self::On).map_err(|_| {
            serde::de::Error::custom(format!("expected \"still_taking\" or a date YYYY-MM-DD, found {s:?}"))
        })
    }
}

/// A medication taken now or recently.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CurrentMedication {
    /// Drug name or synonym from the catalogue.
    pub drug: String,
    /// Current (or last) daily dose.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub daily_dose: Option<Dose>,
    /// Last dose date, or "still_taking".
    pub last_dose: LastDose,
}

/// Psychiatric conditions, closed set. The eligibility rule set chooses which exclude.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PsychiatricCondition {
    PsychoticDisorder,
    BipolarI,
    BipolarIi,
    DissociativeIdentityDisorder,
    EatingDisorderActivePurging,
    MddWithPsychoticFeatures,
    MajorDepressiveDisorder,
    BorderlinePersonalityDisorder,
    AntisocialPersonalityDisorder,
    /// Any other personality disorder the protocol names as an exclusion.
    PersonalityDisorderNamedByProtocol,
    AlcoholUseDisorderCurrent,
    SubstanceUseDisorderCurrent,
    GeneralisedAnxietyDisorder,
    PanicDisorder,
    ObsessiveCompulsiveDisorder,
    Adhd,
}

/// Medical conditions, closed set. The eligibility rule set chooses which exclude.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MedicalCondition {
    UncontrolledHypertension,
    ControlledHypertension,
    ArrhythmiaHistory,
    QtProlongation,
    CardiovascularDisease,
    CerebrovascularDisease,
    HepaticImpairment,
    RenalImpairment,
    SeizureDisorder,
    HyponatraemiaHistory,
    Diabetes,
    Glaucoma,
}

/// Substances asked about at screening.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Substance {
    Alcohol,
    Cannabis,
    Tobacco,
    Cocaine,
    Amphetamines,
    Opioids,
    Hallucinogens,
    Other,
}

/// How often a substance is used now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UseFrequency {
    None,
    LessThanMonthly,
    Monthly,
    Weekly,
    Daily,
}

/// Current use of one substance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubstanceUse {
    pub substance: Substance,
    pub frequency: UseFrequency,
    /// Date of last use, if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_used_on: Option<Date>,
}

/// Prior ecstasy/MDMA use (FDA: bias source; clinical.md section 6).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PriorMdmaUse {
    /// Ever used ecstasy/MDMA outside a trial.
    #[serde(default)]
    pub used: YesNoUnknown,
    /// Approximate number of occasions (>= 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub times: Option<i64>,
    /// Date of last use.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_used_on: Option<Date>,
}

/// Pregnancy and lactation (exclusions, clinical.md section 2).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reproductive {
    /// Whether the candidate can become pregnant. `no` makes the pregnancy question not applicable.
    #[serde(default)]
    pub can_become_pregnant: YesNoUnknown,
    /// Pregnant now (test at entry).
    #[serde(default)]
    pub pregnant: YesNoUnknown,
    /// Breastfeeding now.
    #[serde(default)]
    pub lactating: YesNoUnknown,
}

/// One blood-pressure reading (mmHg).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BloodPressureReading {
    pub systolic: i64,
    pub diastolic: i64,
    pub measured_on: Date,
}

/// Liver function as multiples of the upper limit of normal (ULN).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LiverFunction {
    /// ALT / ULN (absent = not measured).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alt_x_uln: Option<f64>,
    /// AST / ULN (absent = not measured).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ast_x_uln: Option<f64>,
    /// Date of the blood test.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub measured_on: Option<Date>,
}

/// C-SSRS screener risk level (clinical.md section 4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CssrsRisk {
    None,
    Low,
    Moderate,
    High,
}

/// The programme's regulatory authorities.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Programme {
    /// Authorities held; empty = none.
    #[serde(default)]
    pub authorities: Vec<Authority>,
}

/// A legal pathway under which MDMA-AT may be given (clinical.md section 7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Pathway {
    /// US FDA-authorised clinical trial under an IND.
    UsIndTrial,
    /// US FDA expanded access.
    UsExpandedAccess,
    /// Australia: TGA Authorised Prescriber (psychiatrist with HREC approval).
    AuAuthorisedPrescriber,
    /// Canada: Special Access Programme, authorised per patient.
    CaSpecialAccess,
    /// An authorised clinical trial outside the US.
    ClinicalTrial,
}

/// One authority the programme holds, with the conditions attached to it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Authority {
    /// The pathway.
    pub pathway: Pathway,
    /// Reference number (IND number, TGA approval, SAP authorisation, trial registration).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// Human research ethics committee approval (required by `au_authorised_prescriber`).
    #[serde(default)]
    pub ethics_approval: YesNoUnknown,
    /// The prescriber is a specialist psychiatrist (required by `au_authorised_prescriber`).
    #[serde(default)]
    pub prescriber_is_psychiatrist: YesNoUnknown,
    /// An authorisation exists for this patient (required by `ca_special_access`).
    #[serde(default)]
    pub patient_authorisation: YesNoUnknown,
    /// Staff who administer are authorised medical practitioners or nurses (required in AU-VIC).
    #[serde(default)]
    pub administered_by_authorised_practitioner: YesNoUnknown,
    /// Last day the authority is valid (absent = no expiry recorded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<Date>,
}
