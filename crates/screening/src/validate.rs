//! Validation of a screening record against `as_of` and the drug catalogue.
//!
//! Why a separate pass before evaluation: the engine must never reason from impossible or
//! contradictory data (a reading with systolic below diastolic, a completed course of zero
//! sessions, an unknown drug that would silently escape the washout rules). Validation collects
//! *every* problem, each naming the field path (`current_medications[0].daily_dose.unit`) and
//! the rule broken, so the person entering the record can fix them all in one pass.

use std::fmt;

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::drugs::{DoseProblem, DrugCatalogue};
use crate::record::{Dose, LastDose, MedicalCondition, ScreeningRecord, SexAtBirth, YesNoUnknown};

/// The rule a field broke.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ValidationRule {
    /// A count that must be >= 0 is negative.
    Negative,
    /// A value outside its possible range.
    OutOfRange,
    /// A date after the evaluation date.
    FutureDate,
    /// Dose given without a unit.
    MissingUnit,
    /// Dose given without an amount.
    MissingAmount,
    /// Unit not accepted for the drug.
    UnknownUnit,
    /// Drug name not in the catalogue.
    UnknownDrug,
    /// Physiologically impossible combination (systolic <= diastolic).
    Impossible,
    /// Two fields contradict each other.
    Contradictory,
    /// Malformed value (e.g. jurisdiction code).
    Format,
}

impl fmt::Display for ValidationRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = match self {
            Self::Negative => "negative",
            Self::OutOfRange => "out_of_range",
            Self::FutureDate => "future_date",
            Self::MissingUnit => "missing_unit",
            Self::MissingAmount => "missing_amount",
            Self::UnknownUnit => "unknown_unit",
            Self::UnknownDrug => "unknown_drug",
            Self::Impossible => "impossible",
            Self::Contradictory => "contradictory",
            Self::Format => "format",
        };
        f.write_str(s)
    }
}

/// One problem in a record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValidationError {
    /// JSON path of the field, e.g. `trauma_therapy[1].sessions`.
    pub path: String,
    pub rule: ValidationRule,
    pub message: String,
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {} [{}]", self.path, self.message, self.rule)
    }
}

/// All problems in a record (never empty when returned as an error).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub struct ValidationErrors(pub Vec<ValidationError>);

impl fmt::Display for ValidationErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl ValidationErrors {
    /// Whether any error is at `path` with `rule` (handy in tests and UIs).
    pub fn has(&self, path: &str, rule: ValidationRule) -> bool {
        self.0.iter().any(|e| e.path == path && e.rule == rule)
    }
}

struct Collector<'a> {
    as_of: Date,
    catalogue: &'a DrugCatalogue,
    errors: Vec<ValidationError>,
}

/// The largest counts that can be meant: a lifetime of months, of therapy sessions, of weeks on
/// one medication, of uses.
const MAX_MONTHS: i64 = 130 * 12;
const MAX_SESSIONS: i64 = 1_000;
const MAX_WEEKS: i64 = 52 * 60;
const MAX_TIMES: i64 = 10_000;

impl Collector<'_> {
    fn push(&mut self, path: impl Into<String>, rule: ValidationRule, message: impl Into<String>) {
        self.errors.push(ValidationError { path: path.into(), rule, message: message.into() });
    }

    fn not_future(&mut self, path: impl Into<String>, date: Option<Date>) {
        if let Some(d) = date
            && d > self.as_of
        {
            let as_of = self.as_of;
            self.push(path, ValidationRule::FutureDate, format!("{d} is after the evaluation date {as_of}"));
        }
    }

    /// A count: at least 0 and at most `max`, the most that can be meant (so that a value such
    /// as 9223372036854775807 is refused rather than read as a count).
    fn count(&mut self, path: impl Into<String>, value: Option<i64>, max: i64) {
        let path = path.into();
        match value {
            Some(v) if v < 0 => self.push(path, ValidationRule::Negative, format!("must be >= 0, found {v}")),
            Some(v) if v > max => self.push(path, ValidationRule::OutOfRange, format!("must be <= {max}, found {v}")),
            _ => {}
        }
    }

    fn drug(&mut self, path: String, name: &str) -> bool {
        if self.catalogue.resolve(name).is_some() {
            return true;
        }
        let suggestions = self.catalogue.suggest(name);
        let hint = if suggestions.is_empty() {
            "no close match; correct the name or add the drug to the catalogue".to_string()
        } else {
            format!("did you mean: {}?", suggestions.join(", "))
        };
        self.push(path, ValidationRule::UnknownDrug, format!("unknown drug {name:?}: {hint}"));
        false
    }

    fn dose(&mut self, path: String, drug: &str, dose: &Dose) {
        if let Some(a) = dose.amount
            && !(a.is_finite() && a > 0.0)
        {
            self.push(format!("{path}.amount"), ValidationRule::OutOfRange, format!("must be > 0, found {a}"));
        }
        // Only check the unit when the drug is known: the drug error already names the field.
        let Some(d) = self.catalogue.resolve(drug) else { return };
        match self.catalogue.dose_mg(d, dose) {
            Ok(_) => {}
            Err(DoseProblem::MissingAmount) => {
                self.push(format!("{path}.amount"), ValidationRule::MissingAmount, "dose given without an amount")
            }
            Err(DoseProblem::MissingUnit) => self.push(
                format!("{path}.unit"),
                ValidationRule::MissingUnit,
                format!("dose without a unit; accepted for {}: {}", d.name, d.units.join(", ")),
            ),
            Err(DoseProblem::UnknownUnit { unit, accepted }) => self.push(
                format!("{path}.unit"),
                ValidationRule::UnknownUnit,
                format!("unit {unit:?} is not accepted for {}; accepted: {}", d.name, accepted.join(", ")),
            ),
        }
    }
}

/// Whole months from `from` to `to` (0 if `to` precedes `from`).
pub(crate) fn whole_months(from: Date, to: Date) -> i64 {
    if to <= from {
        return 0;
    }
    let mut m = (i64::from(to.year()) - i64::from(from.year())) * 12 + i64::from(to.month()) - i64::from(from.month());
    if to.day() < from.day() {
        m -= 1;
    }
    m.max(0)
}

/// Whole years from `from` to `to`.
pub(crate) fn whole_years(from: Date, to: Date) -> i64 {
    whole_months(from, to) / 12
}

fn valid_jurisdiction(code: &str) -> bool {
    let mut parts = code.splitn(2, '-');
    let country = parts.next().unwrap_or("");
    let ok_country = country.len() == 2 && country.chars().all(|c| c.is_ascii_uppercase());
    let ok_sub = match parts.next() {
        None => true,
        Some(s) => (1..=3).contains(&s.len()) && s.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit()),
    };
    ok_country && ok_sub
}

/// Validate a record. Returns every problem found.
pub fn validate(record: &ScreeningRecord, catalogue: &DrugCatalogue, as_of: Date) -> Result<(), ValidationErrors> {
    use ValidationRule as R;
    let mut c = Collector { as_of, catalogue, errors: Vec::new() };

    // Age.
    c.not_future("date_of_birth", record.date_of_birth);
    if let Some(a) = record.age_years {
        if a < 0 {
            c.push("age_years", R::Negative, format!("must be >= 0, found {a}"));
        } else if a > 130 {
            c.push("age_years", R::OutOfRange, format!("must be <= 130, found {a}"));
        }
        if let Some(dob) = record.date_of_birth
            && dob <= as_of
            && (whole_years(dob, as_of) - a).abs() > 1
        {
            c.push(
                "age_years",
                R::Contradictory,
                format!("age {a} disagrees with date_of_birth {dob} (age {} at {as_of})", whole_years(dob, as_of)),
            );
        }
    }

    // PTSD.
    c.count("ptsd.duration_months", record.ptsd.duration_months, MAX_MONTHS);
    c.not_future("ptsd.onset_on", record.ptsd.onset_on);
    if let (Some(m), Some(onset)) = (record.ptsd.duration_months, record.ptsd.onset_on)
        && onset <= as_of
        && m > whole_months(onset, as_of) + 1
    {
        c.push(
            "ptsd.duration_months",
            R::Contradictory,
            format!("{m} months is longer than the time since onset {onset} ({} months)", whole_months(onset, as_of)),
        );
    }
    if record.ptsd.diagnosis.is_no() && record.ptsd.duration_months.is_some_and(|m| m > 0) {
        c.push("ptsd.duration_months", R::Contradictory, "a PTSD duration is given but ptsd.diagnosis is \"no\"");
    }

    // CAPS-5.
    if let Some(caps) = &record.caps5 {
        if !(0..=80).contains(&caps.total) {
            c.push("caps5.total", R::OutOfRange, format!("CAPS-5 total must be 0-80, found {}", caps.total));
        }
        c.not_future("caps5.assessed_on", Some(caps.assessed_on));
    }

    // Therapy.
    for (i, t) in record.trauma_therapy.iter().flatten().enumerate() {
        let p = format!("trauma_therapy[{i}]");
        c.count(format!("{p}.sessions"), Some(t.sessions), MAX_SESSIONS);
        if t.completed && t.sessions == 0 {
            c.push(format!("{p}.completed"), R::Contradictory, "course marked completed with 0 sessions");
        }
        c.not_future(format!("{p}.ended_on"), t.ended_on);
    }

    // Medication trials.
    for (i, t) in record.medication_trials.iter().flatten().enumerate() {
        let p = format!("medication_trials[{i}]");
        c.drug(format!("{p}.drug"), &t.drug);
        if let Some(d) = &t.daily_dose {
            c.dose(format!("{p}.daily_dose"), &t.drug, d);
        }
        c.count(format!("{p}.weeks"), t.weeks, MAX_WEEKS);
        c.not_future(format!("{p}.ended_on"), t.ended_on);
    }

    // Current medications.
    for (i, m) in record.current_medications.iter().flatten().enumerate() {
        let p = format!("current_medications[{i}]");
        c.drug(format!("{p}.drug"), &m.drug);
        if let Some(d) = &m.daily_dose {
            c.dose(format!("{p}.daily_dose"), &m.drug, d);
        }
        if let LastDose::On(d) = m.last_dose {
            c.not_future(format!("{p}.last_dose"), Some(d));
        }
    }

    // Arrhythmia: field vs condition code.
    if record.arrhythmia_history.is_no()
        && record.medical_conditions.iter().flatten().any(|m| *m == MedicalCondition::ArrhythmiaHistory)
    {
        c.push("arrhythmia_history", R::Contradictory, "\"no\" but medical_conditions lists arrhythmia_history");
    }

    // Substance use.
    for (i, s) in record.substance_use.iter().flatten().enumerate() {
        c.not_future(format!("substance_use[{i}].last_used_on"), s.last_used_on);
    }

    // Prior MDMA use.
    let mdma = &record.prior_mdma_use;
    c.count("prior_mdma_use.times", mdma.times, MAX_TIMES);
    c.not_future("prior_mdma_use.last_used_on", mdma.last_used_on);
    if mdma.used.is_no() && (mdma.times.is_some_and(|t| t > 0) || mdma.last_used_on.is_some()) {
        c.push("prior_mdma_use.used", R::Contradictory, "\"no\" but times or last_used_on is given");
    }
    if mdma.used.is_yes() && mdma.times == Some(0) {
        c.push("prior_mdma_use.times", R::Contradictory, "0 times but used is \"yes\"");
    }

    // Reproductive.
    let rep = &record.reproductive;
    if rep.pregnant.is_yes() && rep.can_become_pregnant.is_no() {
        c.push("reproductive.pregnant", R::Contradictory, "pregnant \"yes\" but can_become_pregnant is \"no\"");
    }
    if record.sex_at_birth == SexAtBirth::Male && rep.can_become_pregnant.is_yes() {
        c.push("reproductive.can_become_pregnant", R::Contradictory, "\"yes\" but sex_at_birth is \"male\"");
    }
    if record.sex_at_birth == SexAtBirth::Male && rep.pregnant.is_yes() {
        c.push("reproductive.pregnant", R::Contradictory, "pregnant \"yes\" but sex_at_birth is \"male\"");
    }

    // Blood pressure.
    for (i, bp) in record.blood_pressure.iter().enumerate() {
        let p = format!("blood_pressure[{i}]");
        if !(40..=300).contains(&bp.systolic) {
            c.push(format!("{p}.systolic"), R::OutOfRange, format!("must be 40-300 mmHg, found {}", bp.systolic));
        }
        if !(20..=200).contains(&bp.diastolic) {
            c.push(format!("{p}.diastolic"), R::OutOfRange, format!("must be 20-200 mmHg, found {}", bp.diastolic));
        }
        if bp.systolic <= bp.diastolic {
            c.push(
                p.clone(),
                R::Impossible,
                format!("systolic {} must be greater than diastolic {}", bp.systolic, bp.diastolic),
            );
        }
        c.not_future(format!("{p}.measured_on"), Some(bp.measured_on));
    }

    // QTc.
    if let Some(q) = record.qtc_ms
        && !(q.is_finite() && (250.0..=700.0).contains(&q))
    {
        c.push("qtc_ms", R::OutOfRange, format!("QTc must be 250-700 ms, found {q}"));
    }

    // Liver.
    if let Some(l) = &record.liver_function {
        for (name, v) in [("alt_x_uln", l.alt_x_uln), ("ast_x_uln", l.ast_x_uln)] {
            if let Some(v) = v
                && !(v.is_finite() && (0.0..=1000.0).contains(&v))
            {
                c.push(format!("liver_function.{name}"), R::OutOfRange, format!("must be 0-1000 x ULN, found {v}"));
            }
        }
        c.not_future("liver_function.measured_on", l.measured_on);
    }

    // Jurisdiction.
    if let Some(j) = &record.jurisdiction
        && !valid_jurisdiction(j)
    {
        c.push(
            "jurisdiction",
            R::Format,
            format!("{j:?} is not an ISO 3166 code such as \"US\", \"AU\" or \"AU-VIC\" (upper case)"),
        );
    }

    // Authorities: conditions that do not belong to the pathway are likely data-entry mistakes.
    for (i, a) in record.programme.authorities.iter().enumerate() {
        use crate::record::Pathway as P;
        let p = format!("programme.authorities[{i}]");
        if a.patient_authorisation != YesNoUnknown::Unknown && a.pathway != P::CaSpecialAccess {
            c.push(format!("{p}.patient_authorisation"), R::Contradictory, "only applies to ca_special_access");
        }
    }

    if c.errors.is_empty() { Ok(()) } else { Err(ValidationErrors(c.errors)) }
}
