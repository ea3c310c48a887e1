//! Prescriptions: MDMA is given only as an authorised prescriber prescribed it, for named dosing
//! sessions of the participant's course (product, indication, strength and the dose plan of
//! each session), signed by the prescriber. The prescriber may differ from whoever gives the
//! dose; dispensing and administration point back to the prescription.

use crate::capabilities::authorisations::domain::same_name;
use catalyst_core::time::civil_date;
use catalyst_core::error::{Violation, required_text};
use catalyst_core::record::{Column, Record, Redaction, TableSpec, json_text};
use catalyst_core::string_enum;
use catalyst_core::time::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// Doses are compared to a tenth of a microgram: 62.5 mg and the like are exact in binary, but
/// sums of them and entered text need not be.
const MG_TOLERANCE: f64 = 1e-4;

/// The largest strength of one unit (capsule) accepted, in milligrams: well above any product
/// in use, it catches a dose typed into the strength field.
pub const MAX_STRENGTH_MG: f64 = 250.0;

/// The smallest strength of one unit accepted, in milligrams: below it "whole units" means
/// nothing (a dose would be thousands of capsules).
pub const MIN_STRENGTH_MG: f64 = 1.0;

/// The longest a prescription may stay in force, in days from the day it is written
/// (programme-defined default: a course of three sessions takes about 12 weeks; a year leaves
/// room for delays without leaving prescriptions open indefinitely).
pub const MAX_VALID_DAYS: i64 = 366;

pub static PRESCRIPTIONS: TableSpec = TableSpec {
    kind: "prescription",
    table: "prescriptions",
    redaction: Redaction::Clinical,
    columns: &[
        Column::text("id"),
        Column::text("site_id"),
        Column::text("participant_id"),
        Column::text("prescriber_id"),
        Column::text("product"),
        Column::text("indication"),
        Column::text("plan"),
        Column::text("issued_on"),
        Column::optional_text("expires_on"),
        Column::text("status"),
        Column::integer("recorded_at"),
        Column::text("recorded_by"),
    ],
};

string_enum!(
    PrescriptionStatus { Active = "active", Cancelled = "cancelled" }
);

/// What is prescribed: the strength of one unit and the doses of each session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DosePlan {
    /// Milligrams of MDMA in one unit (capsule): every dose is a whole number of units.
    pub strength_mg: f64,
    pub doses: Vec<PrescribedDose>,
}

/// The dose prescribed for one dosing session of the course.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrescribedDose {
    /// The protocol visit (an experimental session of the participant's course).
    pub visit_id: String,
    pub initial_mg: f64,
    /// The optional supplemental dose, offered later in the session; absent when not prescribed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supplemental_mg: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Prescription {
    pub id: String,
    pub site_id: String,
    pub participant_id: String,
    /// The prescriber (a user id), who signs it.
    pub prescriber_id: String,
    pub product: String,
    pub indication: String,
    #[serde(with = "json_text")]
    pub plan: DosePlan,
    /// Site-local dates, `YYYY-MM-DD`.
    pub issued_on: String,
    pub expires_on: Option<String>,
    pub status: PrescriptionStatus,
    pub recorded_at: Timestamp,
    pub recorded_by: String,
}

impl Record for Prescription {
    const SPEC: &'static TableSpec = &PRESCRIPTIONS;
    fn id(&self) -> &str {
        &self.id
    }
}

impl Prescription {
    /// The most that may be given under it, in milligrams: every dose, supplements included.
    pub fn total_mg(&self) -> f64 {
        self.plan.doses.iter().map(|d| d.initial_mg + d.supplemental_mg.unwrap_or(0.0)).sum()
    }

    /// Whether it may still be dispensed or given from on `day`.
    pub fn in_force_on(&self, day: Date) -> bool {
        self.status == PrescriptionStatus::Active
            && civil_date(&self.issued_on).is_some_and(|from| from <= day)
            && self.expires_on.as_deref().is_none_or(|end| civil_date(end).is_some_and(|end| day <= end))
    }

    /// The dose it prescribes for a protocol visit.
    pub fn dose_for(&self, visit_id: &str) -> Option<&PrescribedDose> {
        self.plan.doses.iter().find(|d| d.visit_id == visit_id)
    }
}

/// A dosing session of the participant's course as its protocol plans it: the most that may be
/// prescribed for it.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedSession {
    pub visit_id: String,
    pub initial_mg: f64,
    pub supplemental_mg: Option<f64>,
}

/// A prescription as entered by the prescriber.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct PrescriptionInput {
    pub product: String,
    pub indication: String,
    pub strength_mg: f64,
    pub doses: Vec<PrescribedDose>,
    pub expires_on: Option<String>,
}

/// What a prescription is checked against, read by the caller inside its write transaction.
pub struct PrescribingFacts<'a> {
    pub id: String,
    pub site_id: &'a str,
    pub participant_id: &'a str,
    pub prescriber_id: &'a str,
    /// The site-local day it is written.
    pub today: Date,
    pub now: Timestamp,
    /// The dosing sessions of the participant's course, with the protocol's doses.
    pub planned: &'a [PlannedSession],
    /// The participant's other prescriptions.
    pub existing: &'a [Prescription],
}

/// Checks an entered prescription against the protocol's dose plan and the participant's other
/// prescriptions, and builds the record: every problem named by its field.
pub fn prescription_from(input: &PrescriptionInput, facts: PrescribingFacts<'_>) -> Result<Prescription, Vec<Violation>> {
    let mut problems = Vec::new();
    let product = required_text("product", &input.product, 200).map_err(|v| problems.push(v)).ok();
    let indication = required_text("indication", &input.indication, 200).map_err(|v| problems.push(v)).ok();
    let strength = input.strength_mg;
    let strength_ok = strength.is_finite() && (MIN_STRENGTH_MG..=MAX_STRENGTH_MG).contains(&strength);
    if !strength_ok {
        problems.push(Violation::new(
            "strength_mg",
            "range",
            format!("strength_mg is the milligrams in one unit: from {MIN_STRENGTH_MG} to {MAX_STRENGTH_MG}; got {strength}"),
        ));
    }
    if input.doses.is_empty() {
        problems.push(Violation::new("doses", "required", "a prescription names at least one dosing session"));
    }
    let already: BTreeSet<&str> = facts
        .existing
        .iter()
        .filter(|p| p.status == PrescriptionStatus::Active)
        .flat_map(|p| p.plan.doses.iter().map(|d| d.visit_id.as_str()))
        .collect();
    let allowed = facts.planned.iter().map(|p| p.visit_id.as_str()).collect::<Vec<_>>().join(", ");
    let mut seen = BTreeSet::new();
    for (i, dose) in input.doses.iter().enumerate() {
        let field = |name: &str| format!("doses[{i}].{name}");
        let Some(planned) = facts.planned.iter().find(|p| p.visit_id == dose.visit_id) else {
            problems.push(Violation::new(
                field("visit_id"),
                "one_of",
                format!("{:?} is not a dosing session of this participant's course; allowed: {allowed}", dose.visit_id),
            ));
            continue;
        };
        if !seen.insert(dose.visit_id.as_str()) {
            problems.push(Violation::new(field("visit_id"), "unique", format!("{} is named twice", dose.visit_id)));
        }
        if already.contains(dose.visit_id.as_str()) {
            problems.push(Violation::new(
                field("visit_id"),
                "already_prescribed",
                format!("{} is already prescribed; cancel that prescription first", dose.visit_id),
            ));
        }
        let mut check = |name: &str, mg: f64, limit: f64, what: &str| {
            if !(mg.is_finite() && mg > 0.0) {
                problems.push(Violation::new(field(name), "positive", format!("{name} must be more than 0 mg; got {mg}")));
            } else if mg > limit + MG_TOLERANCE {
                problems.push(Violation::new(
                    field(name),
                    "dose_limit",
                    format!("{mg} mg is above the protocol's {what} of {limit} mg for {}", dose.visit_id),
                ));
            } else if strength_ok && !whole_units(mg, strength) {
                problems.push(Violation::new(
                    field(name),
                    "whole_units",
                    format!("{mg} mg is not a whole number of {strength} mg units (the {what} for {})", dose.visit_id),
                ));
            }
        };
        check("initial_mg", dose.initial_mg, planned.initial_mg, "initial dose");
        match (dose.supplemental_mg, planned.supplemental_mg) {
            (Some(mg), Some(limit)) => check("supplemental_mg", mg, limit, "supplemental dose"),
            (Some(_), None) => problems.push(Violation::new(
                field("supplemental_mg"),
                "not_planned",
                format!("the protocol plans no supplemental dose for {}", dose.visit_id),
            )),
            (None, _) => {}
        }
    }
    let expires_on = match input.expires_on.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
        None => None,
        Some(value) => match civil_date(value) {
            Some(end) if end < facts.today => {
                problems.push(Violation::new(
                    "expires_on",
                    "after_start",
                    format!("expires_on {end} is before today, {}", facts.today),
                ));
                None
            }
            Some(end) if facts.today.until(end).map_or(true, |span| i64::from(span.get_days()) > MAX_VALID_DAYS) => {
                problems.push(Violation::new(
                    "expires_on",
                    "max_validity",
                    format!("a prescription stays in force at most {MAX_VALID_DAYS} days; {end} is later"),
                ));
                None
            }
            Some(end) => Some(end.to_string()),
            None => {
                problems.push(Violation::new("expires_on", "date", format!("expires_on must be a date as YYYY-MM-DD; got {value:?}")));
                None
            }
        },
    };
    match (product, indication, problems.is_empty()) {
        (Some(product), Some(indication), true) => Ok(Prescription {
            id: facts.id,
            site_id: facts.site_id.to_owned(),
            participant_id: facts.participant_id.to_owned(),
            prescriber_id: facts.prescriber_id.to_owned(),
            product,
            indication,
            plan: DosePlan { strength_mg: strength, doses: input.doses.clone() },
            issued_on: facts.today.to_string(),
            expires_on,
            status: PrescriptionStatus::Active,
            recorded_at: facts.now,
            recorded_by: facts.prescriber_id.to_owned(),
        }),
        _ => Err(problems),
    }
}

fn whole_units(mg: f64, strength: f64) -> bool {
    let units = mg / strength;
    (units - units.round()).abs() * strength <= MG_TOLERANCE
}

/// The milligrams a participant may be given of `product` under their active prescriptions,
/// each session at its limit (raised where a physician decided so), for comparing with a
/// per-patient authorised quantity.
pub fn allowed_mg(prescriptions: &[Prescription], decisions: &[DoseDecision], product: &str) -> f64 {
    prescriptions
        .iter()
        .filter(|p| p.status == PrescriptionStatus::Active && same_name(&p.product, product))
        .flat_map(|p| p.plan.doses.iter().filter_map(|d| session_limit(p, &d.visit_id, decisions)))
        .map(|limit| limit.mg)
        .sum()
}

pub static DOSE_DECISIONS: TableSpec = TableSpec {
    kind: "dose_decision",
    table: "dose_decisions",
    redaction: Redaction::Clinical,
    columns: &[
        Column::text("id"),
        Column::text("site_id"),
        Column::text("participant_id"),
        Column::text("prescription_id"),
        Column::text("visit_id"),
        Column::text("session_mg"),
        Column::text("reason"),
        Column::text("decided_by"),
        Column::text("decided_on"),
        Column::integer("recorded_at"),
        Column::integer("above_protocol"),
        Column::optional_text("confirmed_by"),
        Column::optional_integer("confirmed_at"),
    ],
};

/// How far above the protocol's plan for a session a decision may go, as a multiple of that
/// plan (programme-defined default: 1.5, e.g. 270 mg where the plan is 120 + 60 mg). A typed
/// 1e308 is refused; a clinical need beyond it is a protocol amendment, not a decision.
pub const MAX_DECISION_OVER_PLAN: f64 = 1.5;

/// A physician's signed decision that one dosing session of a prescription may have more than
/// it prescribes: `session_mg` becomes the most dispensed and given for the session (initial
/// and supplemental together). Decisions are never changed; a later one may only raise it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DoseDecision {
    pub id: String,
    pub site_id: String,
    pub participant_id: String,
    pub prescription_id: String,
    pub visit_id: String,
    #[serde(with = "json_text")]
    pub session_mg: f64,
    /// The clinical reason, in the physician's words.
    pub reason: String,
    /// The physician (a user id), who signs it.
    pub decided_by: String,
    /// Site-local date, `YYYY-MM-DD`.
    pub decided_on: String,
    pub recorded_at: Timestamp,
    /// Above the protocol's plan for the session, not only above the prescription: then it
    /// takes effect only once a second physician confirms it.
    #[serde(with = "catalyst_core::record::flag")]
    pub above_protocol: bool,
    pub confirmed_by: Option<String>,
    pub confirmed_at: Option<Timestamp>,
}

impl DoseDecision {
    /// Whether it sets the session's limit: at once, or above the protocol's plan once a
    /// second physician confirmed it.
    pub fn in_effect(&self) -> bool {
        !self.above_protocol || self.confirmed_by.is_some()
    }
}

impl Record for DoseDecision {
    const SPEC: &'static TableSpec = &DOSE_DECISIONS;
    fn id(&self) -> &str {
        &self.id
    }
}

/// A decision as the physician enters it.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct DoseDecisionInput {
    pub prescription_id: String,
    pub visit_id: String,
    pub session_mg: f64,
    pub reason: String,
}

/// The most that may be dispensed and given for one session of a prescription: its prescribed
/// dose (initial and supplemental), or the highest physician's decision above it.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionLimit {
    pub mg: f64,
    /// The decision that set it, when one did.
    pub decision_id: Option<String>,
}

/// The session's limit under `rx` given the decisions recorded for the participant.
pub fn session_limit(rx: &Prescription, visit_id: &str, decisions: &[DoseDecision]) -> Option<SessionLimit> {
    let dose = rx.dose_for(visit_id)?;
    let prescribed = SessionLimit { mg: dose.initial_mg + dose.supplemental_mg.unwrap_or(0.0), decision_id: None };
    Some(
        decisions
            .iter()
            .filter(|d| d.prescription_id == rx.id && d.visit_id == visit_id && d.in_effect())
            .fold(prescribed, |best, d| {
                if d.session_mg > best.mg { SessionLimit { mg: d.session_mg, decision_id: Some(d.id.clone()) } } else { best }
            }),
    )
}

/// What a decision is checked against, read by the caller inside its write transaction.
pub struct DecisionFacts<'a> {
    pub id: String,
    pub participant_id: &'a str,
    pub physician_id: &'a str,
    pub today: Date,
    pub now: Timestamp,
    /// The participant's prescriptions and the decisions already recorded for them.
    pub prescriptions: &'a [Prescription],
    pub decisions: &'a [DoseDecision],
    /// The protocol's plan for each dosing session of the course.
    pub planned: &'a [PlannedSession],
}

/// Checks a physician's decision to allow a session more than prescribed: the prescription is
/// the participant's, active and in force today, and names the session; the new limit is above
/// the session's current one and a whole number of the prescription's units; a reason is
/// given. Every problem is named by its field.
pub fn dose_decision_from(input: &DoseDecisionInput, facts: DecisionFacts<'_>) -> Result<DoseDecision, Vec<Violation>> {
    let mut problems = Vec::new();
    let reason = required_text("reason", &input.reason, 2000).map_err(|v| problems.push(v)).ok();
    let rx = facts.prescriptions.iter().find(|rx| rx.id == input.prescription_id);
    let rx = match rx {
        None => {
            problems.push(Violation::new(
                "prescription_id",
                "exists",
                format!("{:?} is not one of this participant's prescriptions", input.prescription_id),
            ));
            None
        }
        Some(rx) if !rx.in_force_on(facts.today) => {
            problems.push(Violation::new(
                "prescription_id",
                "in_force",
                format!("the prescription is not active and in force on {}", facts.today),
            ));
            None
        }
        Some(rx) => Some(rx),
    };
    let limit = rx.and_then(|rx| {
        // Against the highest decision recorded, confirmed or not: a pending one is not
        // decided twice.
        let limit = session_limit(rx, &input.visit_id, &[]).map(|prescribed| {
            facts
                .decisions
                .iter()
                .filter(|d| d.prescription_id == rx.id && d.visit_id == input.visit_id)
                .fold(prescribed, |best, d| {
                    if d.session_mg > best.mg { SessionLimit { mg: d.session_mg, decision_id: Some(d.id.clone()) } } else { best }
                })
        });
        if limit.is_none() {
            let named = rx.plan.doses.iter().map(|d| d.visit_id.as_str()).collect::<Vec<_>>().join(", ");
            problems.push(Violation::new(
                "visit_id",
                "prescribed",
                format!("{:?} is not a session of this prescription; it names {named}", input.visit_id),
            ));
        }
        limit
    });
    let mg = input.session_mg;
    if !(mg.is_finite() && mg > 0.0) {
        problems.push(Violation::new("session_mg", "positive", format!("session_mg must be more than 0 mg; got {mg}")));
    } else if let (Some(rx), Some(limit)) = (rx, &limit) {
        // Above the current limit, an exact number of units, and under the ceiling.
        if mg <= limit.mg + MG_TOLERANCE {
            let by = if limit.decision_id.is_some() { "an earlier decision" } else { "the prescription" };
            problems.push(Violation::new(
                "session_mg",
                "above_current",
                format!(
                    "{by} already allows {} mg for {}; a decision is needed only for more",
                    limit.mg, input.visit_id
                ),
            ));
        } else if !exact_units(mg, rx.plan.strength_mg) {
            problems.push(Violation::new(
                "session_mg",
                "whole_units",
                format!("{mg} mg is not a whole number of {} mg units", rx.plan.strength_mg),
            ));
        } else if let Some(ceiling) = plan_mg(facts.planned, &input.visit_id).map(|p| p * MAX_DECISION_OVER_PLAN)
            && mg > ceiling + MG_TOLERANCE
        {
            problems.push(Violation::new(
                "session_mg",
                "ceiling",
                format!(
                    "a decision may allow at most {ceiling} mg for {} ({MAX_DECISION_OVER_PLAN} times the protocol's plan); more needs a protocol amendment",
                    input.visit_id
                ),
            ));
        }
    }
    let planned_mg = plan_mg(facts.planned, &input.visit_id);
    if planned_mg.is_none() && problems.is_empty() {
        problems.push(Violation::new(
            "visit_id",
            "planned",
            format!("the protocol plans no dose for {}; a decision is bounded by the plan", input.visit_id),
        ));
    }
    match (rx, reason, problems.is_empty()) {
        (Some(rx), Some(reason), true) => Ok(DoseDecision {
            id: facts.id,
            site_id: rx.site_id.clone(),
            participant_id: facts.participant_id.to_owned(),
            prescription_id: rx.id.clone(),
            visit_id: input.visit_id.clone(),
            session_mg: mg,
            reason,
            decided_by: facts.physician_id.to_owned(),
            decided_on: facts.today.to_string(),
            recorded_at: facts.now,
            above_protocol: planned_mg.is_none_or(|p| mg > p + MG_TOLERANCE),
            confirmed_by: None,
            confirmed_at: None,
        }),
        _ => Err(problems),
    }
}

/// The protocol's plan for a session, initial and supplemental together.
fn plan_mg(planned: &[PlannedSession], visit_id: &str) -> Option<f64> {
    planned.iter().find(|p| p.visit_id == visit_id).map(|p| p.initial_mg + p.supplemental_mg.unwrap_or(0.0))
}

/// A decision's limit is an exact number of units: 140.0000001 mg is not seven 20 mg units.
fn exact_units(mg: f64, strength: f64) -> bool {
    let units = (mg / strength).round();
    (units * strength - mg).abs() <= 1e-9
}

/// A second physician's confirmation of a decision above the protocol's plan: someone other
/// than the physician who decided, of a decision that needs it and has none yet.
pub fn confirmation_of(decision: &DoseDecision, physician_id: &str, now: Timestamp) -> Result<DoseDecision, Violation> {
    if !decision.above_protocol {
        return Err(Violation::new("id", "not_needed", "a decision within the protocol's plan takes effect without confirmation"));
    }
    if decision.confirmed_by.is_some() {
        return Err(Violation::new("id", "already_confirmed", "a second physician has already confirmed this decision"));
    }
    if decision.decided_by == physician_id {
        return Err(Violation::new(
            "actor",
            "second_physician",
            "a decision above the protocol's plan is confirmed by a physician other than the one who made it",
        ));
    }
    Ok(DoseDecision { confirmed_by: Some(physician_id.to_owned()), confirmed_at: Some(now), ..decision.clone() })
}


#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn planned() -> Vec<PlannedSession> {
        vec![
            PlannedSession { visit_id: "E1".into(), initial_mg: 80.0, supplemental_mg: Some(40.0) },
            PlannedSession { visit_id: "E2".into(), initial_mg: 120.0, supplemental_mg: Some(60.0) },
            PlannedSession { visit_id: "E3".into(), initial_mg: 125.0, supplemental_mg: None },
        ]
    }

    fn input(doses: &[(&str, f64, Option<f64>)]) -> PrescriptionInput {
        PrescriptionInput {
            product: "MDMA HCl capsules".into(),
            indication: "PTSD".into(),
            strength_mg: 20.0,
            doses: doses
                .iter()
                .map(|(v, i, s)| PrescribedDose { visit_id: (*v).into(), initial_mg: *i, supplemental_mg: *s })
                .collect(),
            expires_on: None,
        }
    }

    fn write(input: &PrescriptionInput, existing: &[Prescription]) -> Result<Prescription, Vec<Violation>> {
        let planned = planned();
        prescription_from(
            input,
            PrescribingFacts {
                id: "rx".into(),
                site_id: "s1",
                participant_id: "p1",
                prescriber_id: "dr",
                today: date(2026, 6, 1),
                now: Timestamp(0),
                planned: &planned,
                existing,
            },
        )
    }

    fn problems<T: std::fmt::Debug>(result: Result<T, Vec<Violation>>) -> Vec<(String, String)> {
        result.unwrap_err().into_iter().map(|v| (v.field, v.rule)).collect()
    }

    #[test]
    fn a_prescription_within_the_protocol_plan_is_accepted_and_totals_its_doses() {
        let rx = write(&input(&[("E1", 80.0, Some(40.0)), ("E2", 100.0, None)]), &[]).unwrap();
        assert_eq!((rx.status, rx.issued_on.as_str(), rx.total_mg()), (PrescriptionStatus::Active, "2026-06-01", 220.0));
        assert_eq!(rx.dose_for("E2").map(|d| d.initial_mg), Some(100.0));
        assert!(rx.in_force_on(date(2026, 6, 1)) && !rx.in_force_on(date(2026, 5, 31)));
    }

    #[test]
    fn doses_above_the_protocol_or_not_in_whole_units_are_refused_by_field() {
        let got = problems(write(&input(&[("E1", 100.0, Some(50.0)), ("E3", 125.0, Some(60.0))]), &[]));
        assert_eq!(
            got,
            [
                ("doses[0].initial_mg".into(), "dose_limit".into()),
                ("doses[0].supplemental_mg".into(), "dose_limit".into()),
                ("doses[1].initial_mg".into(), "whole_units".into()),
                ("doses[1].supplemental_mg".into(), "not_planned".into()),
            ]
        );
        let mut exact = input(&[("E3", 125.0, None)]);
        exact.strength_mg = 62.5;
        assert!(write(&exact, &[]).is_ok(), "125 mg is two 62.5 mg units");
        let got = problems(write(&input(&[("E1", f64::NAN, Some(-40.0))]), &[]));
        assert_eq!(got[0], ("doses[0].initial_mg".into(), "positive".into()));
        assert_eq!(got[1], ("doses[0].supplemental_mg".into(), "positive".into()));
    }

    #[test]
    fn sessions_must_be_the_courses_and_prescribed_once() {
        let err = write(&input(&[("P1", 80.0, None)]), &[]).unwrap_err();
        assert_eq!((err[0].field.as_str(), err[0].rule.as_str()), ("doses[0].visit_id", "one_of"));
        assert!(err[0].message.contains("allowed: E1, E2, E3"), "{}", err[0].message);
        let got = problems(write(&input(&[("E1", 80.0, None), ("E1", 80.0, None)]), &[]));
        assert_eq!(got, [("doses[1].visit_id".into(), "unique".into())]);

        let first = write(&input(&[("E1", 80.0, None)]), &[]).unwrap();
        let got = problems(write(&input(&[("E1", 60.0, None)]), std::slice::from_ref(&first)));
        assert_eq!(got, [("doses[0].visit_id".into(), "already_prescribed".into())]);
        let cancelled = Prescription { status: PrescriptionStatus::Cancelled, ..first };
        assert!(write(&input(&[("E1", 60.0, None)]), &[cancelled]).is_ok(), "a cancelled one no longer holds the session");
    }

    #[test]
    fn the_rest_of_the_form_is_checked_too() {
        let mut bad = input(&[]);
        bad.product = " ".into();
        bad.strength_mg = 400.0;
        bad.expires_on = Some("2026-05-31".into());
        let got = problems(write(&bad, &[]));
        let fields: Vec<&str> = got.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(fields, ["product", "strength_mg", "doses", "expires_on"]);
        let mut typo = input(&[("E1", 80.0, None)]);
        typo.expires_on = Some("31/12/2026".into());
        assert_eq!(problems(write(&typo, &[])), [("expires_on".into(), "date".into())]);
        let mut forever = input(&[("E1", 80.0, None)]);
        forever.expires_on = Some("9999-12-31".into());
        assert_eq!(problems(write(&forever, &[])), [("expires_on".into(), "max_validity".into())]);
        forever.expires_on = Some("2027-06-01".into());
        assert!(write(&forever, &[]).is_ok(), "a year from 2026-06-01");
        let mut tiny = input(&[("E1", 80.0, None)]);
        tiny.strength_mg = 1e-9;
        assert_eq!(problems(write(&tiny, &[])), [("strength_mg".into(), "range".into())]);
    }

    fn decide(session_mg: f64, rx: &Prescription, decisions: &[DoseDecision]) -> Result<DoseDecision, Vec<Violation>> {
        let planned = planned();
        dose_decision_from(
            &DoseDecisionInput {
                prescription_id: rx.id.clone(),
                visit_id: "E1".into(),
                session_mg,
                reason: "tolerated well; clinical need".into(),
            },
            DecisionFacts {
                id: format!("d{}", decisions.len()),
                participant_id: "p1",
                physician_id: "dr2",
                today: date(2026, 6, 2),
                now: Timestamp(1),
                prescriptions: std::slice::from_ref(rx),
                decisions,
                planned: &planned,
            },
        )
    }

    /// E1 prescribed at 60 + 20 mg; the protocol plans 80 + 40 mg.
    fn low_rx() -> Prescription {
        write(&input(&[("E1", 60.0, Some(20.0))]), &[]).unwrap()
    }

    #[test]
    fn a_decision_raises_the_sessions_limit_and_only_upwards() {
        let rx = low_rx();
        assert_eq!(session_limit(&rx, "E1", &[]), Some(SessionLimit { mg: 80.0, decision_id: None }));
        let first = decide(100.0, &rx, &[]).unwrap();
        assert!(!first.above_protocol && first.in_effect(), "within the protocol's 120 mg: in effect at once");
        let limit = session_limit(&rx, "E1", std::slice::from_ref(&first)).unwrap();
        assert_eq!((limit.mg, limit.decision_id.as_deref()), (100.0, Some("d0")));
        let got = problems(decide(100.0, &rx, std::slice::from_ref(&first)));
        assert_eq!(got, [("session_mg".into(), "above_current".into())]);
        assert_eq!(problems(decide(80.0, &rx, &[])), [("session_mg".into(), "above_current".into())]);
        let second = decide(120.0, &rx, std::slice::from_ref(&first)).unwrap();
        let both = [second, first];
        assert_eq!(session_limit(&rx, "E1", &both).unwrap().mg, 120.0, "the highest decision counts, in any order");
        assert_eq!(session_limit(&rx, "E2", &both), None);
        assert_eq!(allowed_mg(std::slice::from_ref(&rx), &both, "MDMA HCl capsules"), 120.0);
        assert_eq!(allowed_mg(std::slice::from_ref(&rx), &[], "MDMA HCl capsules"), 80.0);
    }

    #[test]
    fn above_the_protocol_a_second_physician_confirms_and_a_ceiling_holds() {
        let rx = low_rx();
        let above = decide(140.0, &rx, &[]).unwrap();
        assert!(above.above_protocol && !above.in_effect());
        assert_eq!(session_limit(&rx, "E1", std::slice::from_ref(&above)).unwrap().mg, 80.0, "not until confirmed");
        assert_eq!(confirmation_of(&above, "dr2", Timestamp(2)).unwrap_err().rule, "second_physician");
        let confirmed = confirmation_of(&above, "dr3", Timestamp(2)).unwrap();
        assert_eq!(session_limit(&rx, "E1", std::slice::from_ref(&confirmed)).unwrap().mg, 140.0);
        assert_eq!(confirmation_of(&confirmed, "dr4", Timestamp(3)).unwrap_err().rule, "already_confirmed");
        let again = problems(decide(140.0, &rx, std::slice::from_ref(&above)));
        assert_eq!(again, [("session_mg".into(), "above_current".into())], "a pending decision is not made twice");
        let within = decide(100.0, &rx, &[]).unwrap();
        assert_eq!(confirmation_of(&within, "dr3", Timestamp(2)).unwrap_err().rule, "not_needed");
        // 1.5 times the plan of 120 mg at most; a typed 1e308 is refused, as is a near miss of a unit.
        assert!(decide(180.0, &rx, &[]).is_ok());
        assert_eq!(problems(decide(200.0, &rx, &[])), [("session_mg".into(), "ceiling".into())]);
        assert_eq!(problems(decide(1e308, &rx, &[])), [("session_mg".into(), "ceiling".into())]);
        assert_eq!(problems(decide(140.0000001, &rx, &[])), [("session_mg".into(), "whole_units".into())]);
    }

    #[test]
    fn a_decision_is_checked_against_its_prescription_by_field() {
        let rx = low_rx();
        assert_eq!(problems(decide(130.0, &rx, &[])), [("session_mg".into(), "whole_units".into())]);
        assert_eq!(problems(decide(f64::INFINITY, &rx, &[])), [("session_mg".into(), "positive".into())]);
        let cancelled = Prescription { status: PrescriptionStatus::Cancelled, ..rx.clone() };
        assert_eq!(problems(decide(100.0, &cancelled, &[])), [("prescription_id".into(), "in_force".into())]);
        let mut other = DoseDecisionInput { prescription_id: "nope".into(), visit_id: "E1".into(), session_mg: 100.0, reason: " ".into() };
        let planned = planned();
        let facts = |prescriptions| DecisionFacts {
            id: "d".into(),
            participant_id: "p1",
            physician_id: "dr2",
            today: date(2026, 6, 2),
            now: Timestamp(1),
            prescriptions,
            decisions: &[],
            planned: &planned,
        };
        let got = problems(dose_decision_from(&other, facts(std::slice::from_ref(&rx))));
        assert_eq!(got, [("reason".into(), "required".into()), ("prescription_id".into(), "exists".into())]);
        other.prescription_id = rx.id.clone();
        other.visit_id = "E3".into();
        other.reason = "needed".into();
        let got = dose_decision_from(&other, facts(std::slice::from_ref(&rx))).unwrap_err();
        assert_eq!((got[0].field.as_str(), got[0].rule.as_str()), ("visit_id", "prescribed"));
        assert!(got[0].message.contains("it names E1"), "{}", got[0].message);
    }

    #[test]
    fn prescribed_quantity_counts_active_prescriptions_of_the_product() {
        let a = write(&input(&[("E1", 80.0, Some(40.0))]), &[]).unwrap();
        let b = Prescription { status: PrescriptionStatus::Cancelled, ..a.clone() };
        let c = Prescription { product: "Other".into(), ..a.clone() };
        assert_eq!(allowed_mg(&[a, b, c], &[], " mdma hcl CAPSULES "), 120.0);
    }
}
