//! The reports an authorisation owes, from the records: the facts the reporting clocks
//! (`catalyst-regulatory`) run on, and the contents of the TGA six-monthly Authorised
//! Prescriber report (patients treated in the period, per product).

use super::{Authorisation, AuthorisationKind, AuthorisationStatus};
use catalyst_core::record::{Column, Record, Redaction, TableSpec};
use catalyst_core::time::Timestamp;
use catalyst_regulatory::{AuthorisationKind as ClockKind, Event, EventKind, Facts, Period};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// The reporting clocks' view of a site's authorisations and of the events that start notices'
/// clocks. A revoked authorisation owes what fell due while it was in force: it counts as
/// lapsing the day it was revoked (`revoked_on`, site-local; one whose day is unknown owes
/// nothing more).
pub fn clock_facts(authorisations: &[Authorisation], revoked_on: &BTreeMap<String, Date>, events: Vec<Event>) -> Facts {
    let kind = |k: AuthorisationKind| match k {
        AuthorisationKind::AuthorisedPrescriber => Some(ClockKind::TgaAuthorisedPrescriber),
        AuthorisationKind::HrecApproval => Some(ClockKind::HrecApproval),
        AuthorisationKind::SpecialAccess => Some(ClockKind::CaSpecialAccess),
        AuthorisationKind::Ind => Some(ClockKind::FdaInd),
        AuthorisationKind::DeaRegistration | AuthorisationKind::StateApproval | AuthorisationKind::StateNotice => None,
    };
    let authorisations = authorisations
        .iter()
        .filter_map(|a| {
            let expiry: Option<Date> = a.expires_on.as_deref().and_then(|d| d.parse().ok());
            let expiry = match a.status {
                AuthorisationStatus::Active => expiry,
                AuthorisationStatus::Revoked => {
                    let revoked = *revoked_on.get(&a.id)?;
                    Some(expiry.map_or(revoked, |e| e.min(revoked)))
                }
            };
            Some(catalyst_regulatory::Authorisation {
                id: a.id.clone(),
                kind: kind(a.kind)?,
                start: a.valid_from.parse().ok()?,
                expiry,
            })
        })
        .collect();
    Facts { authorisations, events }
}

/// The day each participant's treatment starts: their first dosing session, held or booked,
/// named by the participant.
pub fn treatment_starts(sessions: &[(String, Date)]) -> Vec<Event> {
    let mut first: BTreeMap<&str, Date> = BTreeMap::new();
    for (participant, day) in sessions {
        first.entry(participant).and_modify(|d| *d = (*d).min(*day)).or_insert(*day);
    }
    first.into_iter().map(|(p, date)| Event { id: p.to_owned(), kind: EventKind::TreatmentStart, date }).collect()
}

/// Patients treated under one prescriber approval in a period: the rows of the TGA report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PatientsTreated {
    pub product: String,
    pub indication: String,
    /// Distinct participants with at least one dosing session in the period.
    pub patients: usize,
    pub sessions: usize,
}

/// Counts, from the dosing sessions held (participant, site-local day), the patients treated
/// in `period` (both ends included) under `approval`.
pub fn patients_treated(approval: &Authorisation, period: Period, sessions: &[(String, Date)]) -> PatientsTreated {
    let within: Vec<&(String, Date)> = sessions.iter().filter(|(_, d)| period.start <= *d && *d <= period.end).collect();
    let patients: BTreeSet<&str> = within.iter().map(|(p, _)| p.as_str()).collect();
    PatientsTreated {
        product: approval.product.clone().unwrap_or_default(),
        indication: approval.indication.clone().unwrap_or_default(),
        patients: patients.len(),
        sessions: within.len(),
    }
}

/// The report as CSV: one header row, one row per approval.
pub fn patients_treated_csv(site_code: &str, period: Period, rows: &[(String, PatientsTreated)]) -> String {
    // Text entered by hand (a reference, a product) that a spreadsheet would read as a formula
    // is prefixed with an apostrophe; a field with a separator, quote or line break is quoted.
    let field = |s: &str| {
        let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{s}") } else { s.to_owned() };
        if s.contains([',', '"', '\n', '\r']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s }
    };
    let mut out = String::from("site,period_start,period_end,approval,product,indication,patients_treated,dosing_sessions\n");
    for (reference, r) in rows {
        out.push_str(&format!(
            "{},{},{},{},{},{},{},{}\n",
            field(site_code),
            period.start,
            period.end,
            field(reference),
            field(&r.product),
            field(&r.indication),
            r.patients,
            r.sessions
        ));
    }
    out
}

pub static REPORT_SUBMISSIONS: TableSpec = TableSpec {
    kind: "report_submission",
    table: "report_submissions",
    // A notice is about a participant (its subject names them).
    redaction: Redaction::Clinical,
    columns: &[
        Column::text("id"),
        Column::text("site_id"),
        Column::text("rule_id"),
        Column::text("subject"),
        Column::text("trigger_date"),
        Column::text("due_on"),
        Column::text("sent_on"),
        Column::text("reference"),
        Column::integer("recorded_at"),
        Column::text("recorded_by"),
    ],
};

/// A report or notice marked sent, with the recipient's reference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportSubmission {
    pub id: String,
    pub site_id: String,
    /// The reporting rule it answers (e.g. `au_tga_ap_six_monthly`).
    pub rule_id: String,
    /// What it reports on: the authorisation or event the clock ran from.
    pub subject: String,
    /// The day the clock started (a period's end, an anniversary, an event).
    pub trigger_date: String,
    pub due_on: String,
    pub sent_on: String,
    pub reference: String,
    pub recorded_at: Timestamp,
    pub recorded_by: String,
}

impl Record for ReportSubmission {
    const SPEC: &'static TableSpec = &REPORT_SUBMISSIONS;
    fn id(&self) -> &str {
        &self.id
    }
}

/// The one id a report has, so that marking it sent twice is refused by the key.
pub fn submission_id(site_id: &str, rule_id: &str, subject: &str, trigger_date: &str) -> String {
    // Opaque, because ids are shown unredacted in the audit trail and a notice's subject can be
    // a participant (a Victorian notice would otherwise tell anyone reading the trail who
    // starts dosing on which day); one per report, so a report is marked sent once.
    use sha2::{Digest, Sha256};
    let mut hash = Sha256::new();
    for part in ["report-submission", site_id, rule_id, subject, trigger_date] {
        hash.update((part.len() as u64).to_be_bytes());
        hash.update(part.as_bytes());
    }
    hex::encode(hash.finalize())
}

impl ReportSubmission {
    /// Whether it records the sending of this report (matched by what the report is, so
    /// submissions recorded under an earlier form of the id are found too).
    pub fn is_for(&self, rule_id: &str, subject: &str, trigger_date: &str) -> bool {
        self.rule_id == rule_id && self.subject == subject && self.trigger_date == trigger_date
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn approval() -> Authorisation {
        Authorisation {
            id: "ap1".into(),
            site_id: "s1".into(),
            kind: AuthorisationKind::AuthorisedPrescriber,
            reference: "AP-1".into(),
            issued_by: "TGA".into(),
            holder_id: Some("dr".into()),
            participant_id: None,
            product: Some("MDMA, capsules".into()),
            indication: Some("PTSD".into()),
            quantity_mg: None,
            valid_from: "2026-01-01".into(),
            expires_on: Some("2027-12-31".into()),
            status: AuthorisationStatus::Active,
            recorded_at: Timestamp(0),
            recorded_by: "u".into(),
        }
    }

    #[test]
    fn patients_are_counted_once_however_many_sessions_they_had_in_the_period() {
        let period = Period { start: date(2026, 1, 1), end: date(2026, 6, 30) };
        let sessions = vec![
            ("p1".to_owned(), date(2026, 1, 1)),
            ("p1".to_owned(), date(2026, 2, 1)),
            ("p2".to_owned(), date(2026, 6, 30)),
            ("p3".to_owned(), date(2026, 7, 1)),
            ("p4".to_owned(), date(2025, 12, 31)),
        ];
        let r = patients_treated(&approval(), period, &sessions);
        assert_eq!((r.patients, r.sessions), (2, 3));
        let csv = patients_treated_csv("SYD", period, &[("AP-1".into(), r)]);
        assert_eq!(
            csv,
            "site,period_start,period_end,approval,product,indication,patients_treated,dosing_sessions\n\
             SYD,2026-01-01,2026-06-30,AP-1,\"MDMA, capsules\",PTSD,2,3\n"
        );
    }

    #[test]
    fn hand_entered_text_that_a_spreadsheet_would_run_as_a_formula_is_neutralised_in_the_csv() {
        let period = Period { start: date(2026, 1, 1), end: date(2026, 6, 30) };
        let evil = Authorisation { product: Some("=HYPERLINK(\"http://x\")".into()), indication: Some("@SUM(A1)".into()), ..approval() };
        let r = patients_treated(&evil, period, &[]);
        let csv = patients_treated_csv("SYD", period, &[("+AP-1\r".into(), r)]);
        let row = csv.lines().nth(1).unwrap();
        assert_eq!(row, "SYD,2026-01-01,2026-06-30,\"'+AP-1\r\",\"'=HYPERLINK(\"\"http://x\"\")\",'@SUM(A1),0,0");
    }

    #[test]
    fn the_clocks_run_on_active_authorisations_of_the_kinds_that_owe_reports() {
        let revoked = Authorisation { id: "old".into(), status: AuthorisationStatus::Revoked, ..approval() };
        let dea = Authorisation { id: "dea".into(), kind: AuthorisationKind::DeaRegistration, ..approval() };
        let facts = clock_facts(&[approval(), revoked, dea], &BTreeMap::new(), Vec::new());
        assert_eq!(facts.authorisations.len(), 1);
        assert_eq!(facts.authorisations[0].kind, ClockKind::TgaAuthorisedPrescriber);
        assert_eq!(facts.authorisations[0].expiry, Some(date(2027, 12, 31)));
    }
}
