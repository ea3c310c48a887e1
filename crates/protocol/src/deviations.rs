//! Protocol deviations: what happened compared with what the protocol planned.
//!
//! Detection is pure: the caller passes the schedule, what happened at each visit, the
//! instruments recorded and today's date, and gets drafts to review and record. A draft is not
//! a finding until a person confirms it; severities are defaults (see
//! [`DeviationKind::default_severity`]) that the reviewer may change.

use std::collections::{BTreeMap, BTreeSet};

use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::protocol::{MIN_THERAPISTS_EXPERIMENTAL, VisitKind};
use crate::schedule::ScheduledVisit;
use crate::staff::{StaffRole, staffing};

/// Tolerance when comparing doses in milligrams (rounding of 62.5 mg and the like).
pub const DOSE_TOLERANCE_MG: f64 = 0.01;

/// How serious a deviation is.
///
/// - `Minor`: no effect on safety or on the primary data (e.g. an integration visit two days
///   late).
/// - `Major`: may affect the data's reliability or the participant's treatment (a missed visit,
///   a missed assessment, a dosing session out of window, a supplemental dose at the wrong
///   time).
/// - `Critical`: affects participant safety or the programme's core rules (wrong dose, extra
///   dose, fewer than two credentialed therapists at a dosing session); report at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Minor,
    Major,
    Critical,
}

/// What went wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeviationKind {
    /// The visit happened (or is booked) outside its window.
    OutOfWindow,
    /// The window passed without the visit.
    MissedVisit,
    /// Fewer distinct credentialed therapists than required at an experimental session.
    InsufficientTherapists,
    /// A dose of an amount other than the plan's.
    DoseWrongAmount,
    /// The supplemental dose was given outside its window after the initial dose.
    SupplementalOutsideWindow,
    /// More doses than planned, or a dose at a visit with no dose plan.
    ExtraDose,
    /// Instruments the visit type requires were not recorded.
    MissedAssessment,
}

impl DeviationKind {
    /// The default severity of this kind at a visit of `visit` kind.
    pub fn default_severity(self, visit: VisitKind) -> Severity {
        match self {
            DeviationKind::OutOfWindow if visit == VisitKind::Experimental => Severity::Major,
            DeviationKind::OutOfWindow => Severity::Minor,
            DeviationKind::MissedVisit | DeviationKind::MissedAssessment | DeviationKind::SupplementalOutsideWindow => {
                Severity::Major
            }
            DeviationKind::InsufficientTherapists | DeviationKind::DoseWrongAmount | DeviationKind::ExtraDose => {
                Severity::Critical
            }
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            DeviationKind::OutOfWindow => "out_of_window",
            DeviationKind::MissedVisit => "missed_visit",
            DeviationKind::InsufficientTherapists => "insufficient_therapists",
            DeviationKind::DoseWrongAmount => "dose_wrong_amount",
            DeviationKind::SupplementalOutsideWindow => "supplemental_outside_window",
            DeviationKind::ExtraDose => "extra_dose",
            DeviationKind::MissedAssessment => "missed_assessment",
        }
    }
}

/// A deviation to review and record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviationDraft {
    pub kind: DeviationKind,
    pub severity: Severity,
    pub visit_id: String,
    pub description: String,
}

impl DeviationDraft {
    /// A draft with the kind's default severity for `visit`.
    pub fn new(kind: DeviationKind, visit: VisitKind, visit_id: &str, description: impl Into<String>) -> Self {
        DeviationDraft {
            kind,
            severity: kind.default_severity(visit),
            visit_id: visit_id.to_string(),
            description: description.into(),
        }
    }
}

/// Someone present at a visit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffPresent {
    pub person: String,
    pub role: StaffRole,
    /// Whether the person's therapist credential was current on the visit date (see
    /// `credential_status`); only matters for the therapist role.
    pub credential_current: bool,
}

/// A dose given.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DoseGiven {
    pub mg: f64,
    pub at: Timestamp,
}

/// What happened at one visit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VisitRecord {
    pub visit_id: String,
    /// Site-local date of the visit (or of the attempt, if not attended).
    pub date: Date,
    pub attended: bool,
    pub staff: Vec<StaffPresent>,
    pub doses: Vec<DoseGiven>,
}

/// One instrument recorded at one visit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssessmentRecord {
    pub visit_id: String,
    pub instrument: String,
}

fn mg(x: f64) -> String {
    // 62.5 prints as 62.5, 80.0 as 80.
    if x.fract() == 0.0 { format!("{x:.0} mg") } else { format!("{x} mg") }
}

/// Compares what happened with the schedule; see [`DeviationKind`] for what is detected.
///
/// Records for visits not in `schedule` are ignored. A visit is "done" if it has an attended
/// record; the first attended record is the one checked.
pub fn detect_deviations(
    schedule: &[ScheduledVisit],
    records: &[VisitRecord],
    assessments: &[AssessmentRecord],
    today: Date,
) -> Vec<DeviationDraft> {
    let mut attended: BTreeMap<&str, &VisitRecord> = BTreeMap::new();
    for r in records.iter().rev().filter(|r| r.attended) {
        attended.insert(r.visit_id.as_str(), r);
    }
    let mut recorded: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for a in assessments {
        recorded.entry(a.visit_id.as_str()).or_default().insert(a.instrument.as_str());
    }
    let mut out = Vec::new();
    for v in schedule {
        let kind = v.visit_type.kind;
        let label = &v.visit_type.label;
        let Some(r) = attended.get(v.id.as_str()) else {
            if today > v.window_end {
                out.push(DeviationDraft::new(
                    DeviationKind::MissedVisit,
                    kind,
                    &v.id,
                    format!("{label} {} not done; its window {} to {} has passed", v.id, v.window_start, v.window_end),
                ));
            }
            continue;
        };
        if !v.in_window(r.date) {
            let (days, side) = if r.date < v.window_start {
                (days_between(r.date, v.window_start), "before")
            } else {
                (days_between(v.window_end, r.date), "after")
            };
            out.push(DeviationDraft::new(
                DeviationKind::OutOfWindow,
                kind,
                &v.id,
                format!(
                    "{label} {} on {}, {days} day(s) {side} its window {} to {}",
                    v.id, r.date, v.window_start, v.window_end
                ),
            ));
        }
        if kind == VisitKind::Experimental {
            let required = v.visit_type.staff.therapists.max(MIN_THERAPISTS_EXPERIMENTAL);
            let s =
                staffing(r.staff.iter().map(|p| (p.person.as_str(), p.role, p.credential_current)), v.visit_type.staff);
            if s.credentialed_therapists < required as usize {
                out.push(DeviationDraft::new(
                    DeviationKind::InsufficientTherapists,
                    kind,
                    &v.id,
                    format!(
                        "{label} {} on {} had {} distinct credentialed therapist(s); at least {required} are required for the whole session",
                        v.id, r.date, s.credentialed_therapists
                    ),
                ));
            }
        }
        check_doses(v, r, &mut out);
        let done = recorded.get(v.id.as_str());
        let missing: Vec<&str> = v
            .visit_type
            .instruments
            .iter()
            .map(String::as_str)
            .filter(|i| !done.is_some_and(|d| d.contains(i)))
            .collect();
        if !missing.is_empty() {
            out.push(DeviationDraft::new(
                DeviationKind::MissedAssessment,
                kind,
                &v.id,
                format!("{label} {} on {}: not recorded: {}", v.id, r.date, missing.join(", ")),
            ));
        }
    }
    out
}

fn days_between(a: Date, b: Date) -> i64 {
    a.until(b).map(|s| i64::from(s.get_days())).unwrap_or(0)
}

fn check_doses(v: &ScheduledVisit, r: &VisitRecord, out: &mut Vec<DeviationDraft>) {
    let kind = v.visit_type.kind;
    let mut doses: Vec<&DoseGiven> = r.doses.iter().collect();
    doses.sort_by_key(|d| d.at);
    let Some(plan) = v.dose else {
        if !doses.is_empty() {
            let total: f64 = doses.iter().map(|d| d.mg).sum();
            out.push(DeviationDraft::new(
                DeviationKind::ExtraDose,
                kind,
                &v.id,
                format!(
                    "{} dose(s) totalling {} given at {} {}, which has no dose plan",
                    doses.len(),
                    mg(total),
                    v.visit_type.label,
                    v.id
                ),
            ));
        }
        return;
    };
    let Some(first) = doses.first() else {
        return; // No dose: not a deviation in itself (the session may have been stopped).
    };
    if (first.mg - plan.initial_mg).abs() > DOSE_TOLERANCE_MG {
        out.push(DeviationDraft::new(
            DeviationKind::DoseWrongAmount,
            kind,
            &v.id,
            format!("initial dose at {} was {}; the plan is {}", v.id, mg(first.mg), mg(plan.initial_mg)),
        ));
    }
    if let (Some(second), Some(sup)) = (doses.get(1), plan.supplemental) {
        if (second.mg - sup.mg).abs() > DOSE_TOLERANCE_MG {
            let how = if second.mg > sup.mg { "above" } else { "not" };
            out.push(DeviationDraft::new(
                DeviationKind::DoseWrongAmount,
                kind,
                &v.id,
                format!("supplemental dose at {} was {}, {how} the planned {}", v.id, mg(second.mg), mg(sup.mg)),
            ));
        }
        let minutes = (second.at.as_second() - first.at.as_second()).div_euclid(60);
        if minutes < i64::from(sup.from_minutes) || minutes > i64::from(sup.to_minutes) {
            out.push(DeviationDraft::new(
                DeviationKind::SupplementalOutsideWindow,
                kind,
                &v.id,
                format!(
                    "supplemental dose at {} given {minutes} min after the initial dose; the plan allows {} to {} min",
                    v.id, sup.from_minutes, sup.to_minutes
                ),
            ));
        }
    }
    let planned = 1 + usize::from(plan.supplemental.is_some());
    if let Some(extra) = doses.get(planned..)
        && !extra.is_empty()
    {
        let total: f64 = extra.iter().map(|d| d.mg).sum();
        out.push(DeviationDraft::new(
            DeviationKind::ExtraDose,
            kind,
            &v.id,
            format!(
                "{} doses given at {}; the plan allows {planned}: {} extra dose(s) totalling {}",
                doses.len(),
                v.id,
                extra.len(),
                mg(total)
            ),
        ));
    }
}
