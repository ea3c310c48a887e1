//! The fields of a CIOMS I form (suspect adverse reaction report), from an event's current
//! revision and the facts only the caller has (patient code, age, sex, drug, reporter, the
//! sponsor's control number). A plain struct, plus an ordered (label, value) list for printing
//! and CSV. Pseudonymous: the patient is named by code, never by initials from identifiers.

use catalyst_core::time::TimeZoneName;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::csv::csv;
use crate::event::{AdverseEvent, When};

/// What the form needs beyond the event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CiomsFacts {
    /// The participant's pseudonymous code (box 1, in place of initials).
    pub patient_code: String,
    pub country: String,
    pub age_years: Option<u32>,
    pub sex: String,
    pub suspect_drug: String,
    pub daily_dose: String,
    pub route: String,
    pub indication: String,
    pub therapy_from: Option<Date>,
    pub therapy_to: Option<Date>,
    /// Did the reaction abate after stopping the drug? (`yes`, `no`, `not applicable`).
    pub dechallenge: String,
    pub rechallenge: String,
    pub concomitant_drugs: String,
    pub relevant_history: String,
    pub manufacturer: String,
    pub control_number: String,
    pub date_received: Option<Date>,
    /// `study`, `literature`, `health professional`, `other`.
    pub report_source: String,
    pub report_date: Date,
    /// `initial` or `follow-up`.
    pub report_type: String,
    /// The reporter's printed name and role.
    pub reporter: String,
}

/// The CIOMS I fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CiomsForm {
    pub patient_code: String,
    pub country: String,
    pub age_years: Option<u32>,
    pub sex: String,
    pub reaction_onset: String,
    pub description: String,
    pub patient_died: bool,
    pub hospitalisation: bool,
    pub disability: bool,
    pub life_threatening: bool,
    pub congenital_anomaly: bool,
    pub medically_important: bool,
    pub suspect_drug: String,
    pub daily_dose: String,
    pub route: String,
    pub indication: String,
    pub therapy_dates: String,
    pub therapy_duration_days: Option<i32>,
    pub dechallenge: String,
    pub rechallenge: String,
    pub concomitant_drugs: String,
    pub relevant_history: String,
    pub manufacturer: String,
    pub control_number: String,
    pub date_received: String,
    pub report_source: String,
    pub report_date: Date,
    pub report_type: String,
    pub relatedness_drug: String,
    pub relatedness_therapy: String,
    pub outcome: String,
    pub reporter: String,
}

fn when(w: When, zone: &TimeZoneName) -> String {
    match w {
        When::At(t) => t.format_in(zone),
        When::Date(d) => d.to_string(),
    }
}

fn date(d: Option<Date>) -> String {
    d.map(|d| d.to_string()).unwrap_or_default()
}

fn tick(b: bool) -> String {
    if b { "X".into() } else { String::new() }
}

/// The form for an event's current revision.
pub fn cioms_i(event: &AdverseEvent, facts: &CiomsFacts, zone: &TimeZoneName) -> CiomsForm {
    let e = &event.details;
    let s = e.seriousness;
    let mut description =
        format!("{} (reported: \"{}\"); severity {}", event.term_label, e.verbatim, e.severity.as_str());
    if let Some(g) = e.grade {
        description.push_str(&format!("; CTCAE grade {}", g.grade));
    }
    if let Some(end) = e.end {
        description.push_str(&format!("; ended {}", when(end, zone)));
    }
    description.push_str(&format!("; action taken: {}", e.action_taken.as_str()));
    if let Some(sid) = &e.session_id {
        description.push_str(&format!("; after dosing session {sid}"));
    }
    let therapy_duration_days = match (facts.therapy_from, facts.therapy_to) {
        (Some(a), Some(b)) if b >= a => Some((b - a).get_days() + 1),
        _ => None,
    };
    CiomsForm {
        patient_code: facts.patient_code.clone(),
        country: facts.country.clone(),
        age_years: facts.age_years,
        sex: facts.sex.clone(),
        reaction_onset: when(e.onset, zone),
        description,
        patient_died: s.death,
        hospitalisation: s.hospitalisation,
        disability: s.disability,
        life_threatening: s.life_threatening,
        congenital_anomaly: s.congenital_anomaly,
        medically_important: s.medically_important,
        suspect_drug: facts.suspect_drug.clone(),
        daily_dose: facts.daily_dose.clone(),
        route: facts.route.clone(),
        indication: facts.indication.clone(),
        therapy_dates: format!("{} to {}", date(facts.therapy_from), date(facts.therapy_to)),
        therapy_duration_days,
        dechallenge: facts.dechallenge.clone(),
        rechallenge: facts.rechallenge.clone(),
        concomitant_drugs: facts.concomitant_drugs.clone(),
        relevant_history: facts.relevant_history.clone(),
        manufacturer: facts.manufacturer.clone(),
        control_number: facts.control_number.clone(),
        date_received: date(facts.date_received),
        report_source: facts.report_source.clone(),
        report_date: facts.report_date,
        report_type: facts.report_type.clone(),
        relatedness_drug: e.related_to_drug.as_str().to_string(),
        relatedness_therapy: e.related_to_therapy.as_str().to_string(),
        outcome: e.outcome.map(|o| o.as_str().to_string()).unwrap_or_else(|| "not yet known".into()),
        reporter: facts.reporter.clone(),
    }
}

impl CiomsForm {
    /// The fields in the form's box order, labelled as on the form.
    pub fn fields(&self) -> Vec<(&'static str, String)> {
        vec![
            ("1. Patient initials (code)", self.patient_code.clone()),
            ("1a. Country", self.country.clone()),
            ("2a. Age (years)", self.age_years.map(|a| a.to_string()).unwrap_or_default()),
            ("3. Sex", self.sex.clone()),
            ("4-6. Reaction onset", self.reaction_onset.clone()),
            ("7 + 13. Describe reaction(s)", self.description.clone()),
            ("8-12. Patient died", tick(self.patient_died)),
            ("8-12. Involved or prolonged inpatient hospitalisation", tick(self.hospitalisation)),
            ("8-12. Involved persistent or significant disability or incapacity", tick(self.disability)),
            ("8-12. Life threatening", tick(self.life_threatening)),
            ("8-12. Congenital anomaly", tick(self.congenital_anomaly)),
            ("8-12. Other medically important condition", tick(self.medically_important)),
            ("14. Suspect drug(s)", self.suspect_drug.clone()),
            ("15. Daily dose(s)", self.daily_dose.clone()),
            ("16. Route(s) of administration", self.route.clone()),
            ("17. Indication(s) for use", self.indication.clone()),
            ("18. Therapy dates (from/to)", self.therapy_dates.clone()),
            ("19. Therapy duration (days)", self.therapy_duration_days.map(|d| d.to_string()).unwrap_or_default()),
            ("20. Did reaction abate after stopping drug?", self.dechallenge.clone()),
            ("21. Did reaction reappear after reintroduction?", self.rechallenge.clone()),
            ("22. Concomitant drug(s) and dates of administration", self.concomitant_drugs.clone()),
            ("23. Other relevant history", self.relevant_history.clone()),
            ("24a. Name and address of manufacturer", self.manufacturer.clone()),
            ("24b. Mfr control no.", self.control_number.clone()),
            ("24c. Date received by manufacturer", self.date_received.clone()),
            ("24d. Report source", self.report_source.clone()),
            ("Date of this report", self.report_date.to_string()),
            ("25a. Report type", self.report_type.clone()),
            ("Causality, drug (investigator)", self.relatedness_drug.clone()),
            ("Causality, therapy (investigator)", self.relatedness_therapy.clone()),
            ("Outcome", self.outcome.clone()),
            ("Reporter", self.reporter.clone()),
        ]
    }

    pub fn to_csv(&self) -> String {
        csv(&["field", "value"], self.fields().into_iter().map(|(l, v)| vec![l.to_string(), v]))
    }
}
