//! Outcome measurement: recorded assessments, who may record which instrument, and the safety
//! alerts a questionnaire raises. Instrument definitions and scoring live in
//! `catalyst-instruments`; this module decides what happens around them.

use catalyst_core::policy::OutcomeClass;
use catalyst_core::error::Violation;
use catalyst_core::string_enum;
use catalyst_core::record::{Column, Record, TableSpec};
use catalyst_core::time::Timestamp;
use catalyst_instruments::{InstrumentId, Score};
use serde::{Deserialize, Serialize};

string_enum!(
    /// When in the course an assessment was made (clinical.md section 1: baseline, after each
    /// experimental session, the primary endpoint at week 18, follow-ups at 6 and 12 months).
    Timepoint {
        Screening = "screening",
        Baseline = "baseline",
        AfterSession1 = "after_session_1",
        AfterSession2 = "after_session_2",
        AfterSession3 = "after_session_3",
        PrimaryEndpoint = "primary_endpoint",
        FollowUp6m = "follow_up_6m",
        FollowUp12m = "follow_up_12m",
        Unscheduled = "unscheduled",
        Daily = "daily",
    }
);

impl Timepoint {
    pub fn label(self) -> &'static str {
        match self {
            Timepoint::Screening => "Screening",
            Timepoint::Baseline => "Baseline",
            Timepoint::AfterSession1 => "After session 1",
            Timepoint::AfterSession2 => "After session 2",
            Timepoint::AfterSession3 => "After session 3",
            Timepoint::PrimaryEndpoint => "Primary endpoint (week 18)",
            Timepoint::FollowUp6m => "Follow-up 6 months",
            Timepoint::FollowUp12m => "Follow-up 12 months",
            Timepoint::Unscheduled => "Unscheduled",
            Timepoint::Daily => "Daily check-in",
        }
    }

    /// The daily check-in is recorded daily and nothing else is.
    pub fn check_for(self, instrument: InstrumentId) -> Result<(), Violation> {
        let daily = instrument == InstrumentId::DailyCheckin;
        match (daily, self == Timepoint::Daily) {
            (true, false) => {
                Err(Violation::new("timepoint", "one_of", "the daily check-in is recorded with timepoint daily"))
            }
            (false, true) => {
                Err(Violation::new("timepoint", "one_of", "timepoint daily is only for the daily check-in"))
            }
            _ => Ok(()),
        }
    }
}

string_enum!(
    /// Who gave the answers, kept with every response.
    RecordingMode {
        IndependentRater = "independent_rater",
        SelfReport = "self_report",
        StaffOnBehalf = "staff_on_behalf",
        Clinician = "clinician",
    }
);

impl RecordingMode {
    pub fn label(self) -> &'static str {
        match self {
            RecordingMode::IndependentRater => "independent rater",
            RecordingMode::SelfReport => "self-report",
            RecordingMode::StaffOnBehalf => "staff on the participant's behalf",
            RecordingMode::Clinician => "clinician",
        }
    }
}

pub fn outcome_class(instrument: InstrumentId) -> OutcomeClass {
    match instrument {
        InstrumentId::Caps5 => OutcomeClass::IndependentRating,
        InstrumentId::Cssrs => OutcomeClass::SafetyScreen,
        InstrumentId::Pcl5 | InstrumentId::Sds | InstrumentId::Phq9 | InstrumentId::DailyCheckin => {
            OutcomeClass::SelfReport
        }
    }
}

pub static ASSESSMENTS: TableSpec = TableSpec {
    kind: "assessment",
    table: "assessments",
    redaction: catalyst_core::record::Redaction::Clinical,
    columns: &[
        Column::text("id"),
        Column::text("participant_id"),
        Column::text("site_id"),
        Column::text("instrument"),
        Column::text("version"),
        Column::text("timepoint"),
        Column::text("administered_on"),
        Column::integer("recorded_at"),
        Column::text("recorded_by"),
        Column::text("mode"),
        Column::text("answers"),
        Column::optional_integer("total"),
    ],
};

/// One completed instrument. It pins the definition version it was given under, so a later
/// version never changes how it is scored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assessment {
    pub id: String,
    pub participant_id: String,
    pub site_id: String,
    pub instrument: InstrumentId,
    pub version: String,
    pub timepoint: Timepoint,
    /// The local date at the site, `YYYY-MM-DD`.
    pub administered_on: String,
    pub recorded_at: Timestamp,
    pub recorded_by: String,
    pub mode: RecordingMode,
    /// The answers as a JSON object of item id to plain value (number, "yes", "no", "na", text).
    pub answers: String,
    /// The instrument's total where it has one, for lists and analyses.
    pub total: Option<i64>,
}

impl Record for Assessment {
    const SPEC: &'static TableSpec = &ASSESSMENTS;
    fn id(&self) -> &str {
        &self.id
    }
}

string_enum!(
    AlertKind {
        CssrsHighRisk = "cssrs_high_risk",
        Phq9Item9 = "phq9_item9",
    }
);

impl AlertKind {
    pub fn message(self) -> &'static str {
        match self {
            AlertKind::CssrsHighRisk => "C-SSRS high suicide risk: assess today; no dosing until reviewed",
            AlertKind::Phq9Item9 => "PHQ-9 item 9 above 0 (thoughts of death or self-harm): same-day follow-up",
        }
    }
}

/// The alerts a score raises (clinical.md section 4: C-SSRS high risk alerts the site; any
/// answer above 0 on PHQ-9 item 9 needs same-day follow-up).
pub fn alerts_for(score: &Score) -> Vec<AlertKind> {
    match score {
        Score::Cssrs(s) if s.raises_alert => vec![AlertKind::CssrsHighRisk],
        Score::Phq9(s) if s.item9_flag => vec![AlertKind::Phq9Item9],
        _ => Vec::new(),
    }
}

/// The total an instrument reports, where it has one.
pub fn total_of(score: &Score) -> Option<i64> {
    match score {
        Score::Caps5(s) => Some(s.total.into()),
        Score::Pcl5(s) => Some(s.total.into()),
        Score::Sds(s) => Some(s.total.into()),
        Score::Phq9(s) => Some(s.total.into()),
        Score::Cssrs(_) | Score::DailyCheckin(_) => None,
    }
}

pub static SAFETY_ALERTS: TableSpec = TableSpec {
    kind: "safety_alert",
    table: "safety_alerts",
    redaction: catalyst_core::record::Redaction::Clinical,
    columns: &[
        Column::text("id"),
        Column::text("participant_id"),
        Column::text("site_id"),
        Column::text("assessment_id"),
        Column::text("kind"),
        Column::integer("raised_at"),
        Column::optional_text("acknowledged_by"),
        Column::optional_integer("acknowledged_at"),
        Column::optional_text("acknowledgement"),
    ],
};

/// A safety signal shown to the site's clinicians until one of them acknowledges it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SafetyAlert {
    pub id: String,
    pub participant_id: String,
    pub site_id: String,
    pub assessment_id: String,
    pub kind: AlertKind,
    pub raised_at: Timestamp,
    pub acknowledged_by: Option<String>,
    pub acknowledged_at: Option<Timestamp>,
    /// What was done, in the clinician's words.
    pub acknowledgement: Option<String>,
}

impl Record for SafetyAlert {
    const SPEC: &'static TableSpec = &SAFETY_ALERTS;
    fn id(&self) -> &str {
        &self.id
    }
}

pub static ASSESSMENT_VOIDS: TableSpec = TableSpec {
    kind: "assessment_void",
    table: "assessment_voids",
    redaction: catalyst_core::record::Redaction::Clinical,
    columns: &[
        Column::text("id"),
        Column::text("participant_id"),
        Column::text("site_id"),
        Column::text("reason"),
        Column::text("voided_by"),
        Column::integer("voided_at"),
    ],
};

/// A mistaken assessment set aside, with the reason. Its id is the assessment's; the
/// assessment itself stays (and any alert it raised), but no longer counts in scores, charts or
/// endpoints. A correction is a void and a new recording.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssessmentVoid {
    pub id: String,
    pub participant_id: String,
    pub site_id: String,
    pub reason: String,
    pub voided_by: String,
    pub voided_at: Timestamp,
}

impl Record for AssessmentVoid {
    const SPEC: &'static TableSpec = &ASSESSMENT_VOIDS;
    fn id(&self) -> &str {
        &self.id
    }
}

/// The dates of a participant's course that decide when each timepoint can be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CourseDates {
    /// The site-local day the participant was registered: nothing is administered before it.
    pub registered_on: jiff::civil::Date,
    /// The enrolment's baseline, when enrolled on a protocol.
    pub baseline_on: Option<jiff::civil::Date>,
    /// The days of the dosing sessions attended, in order.
    pub sessions: Vec<jiff::civil::Date>,
}

/// Checks a timepoint and its date against the participant's course: nothing before
/// registration; a baseline before the first dosing session; "after session N" only once
/// session N was attended, and not before it; endpoint and follow-up timepoints only once
/// enrolled, and not before the baseline.
pub fn check_timepoint(timepoint: Timepoint, date: jiff::civil::Date, course: &CourseDates) -> Result<(), Violation> {
    let schedule = |field: &str, message: String| Err(Violation::new(field, "schedule", message));
    if date < course.registered_on {
        return schedule(
            "administered_on",
            format!("{date} is before the participant was registered ({})", course.registered_on),
        );
    }
    let session = match timepoint {
        Timepoint::AfterSession1 => Some(1),
        Timepoint::AfterSession2 => Some(2),
        Timepoint::AfterSession3 => Some(3),
        _ => None,
    };
    match (timepoint, session) {
        (_, Some(n)) => match course.sessions.get(n - 1) {
            None => schedule(
                "timepoint",
                format!(
                    "{timepoint} needs dosing session {n} to have been attended; {} attended so far",
                    course.sessions.len()
                ),
            ),
            Some(day) if date < *day => {
                schedule("administered_on", format!("{date} is before dosing session {n} on {day}"))
            }
            Some(_) => Ok(()),
        },
        (Timepoint::Baseline, _) => match course.sessions.first() {
            Some(first) if date > *first => schedule(
                "administered_on",
                format!("a baseline must be taken before the first dosing session ({first}); got {date}"),
            ),
            _ => Ok(()),
        },
        (Timepoint::PrimaryEndpoint | Timepoint::FollowUp6m | Timepoint::FollowUp12m, _) => match course.baseline_on {
            None => schedule("timepoint", format!("{timepoint} is only for a participant enrolled on a protocol")),
            Some(baseline) if date < baseline => {
                schedule("administered_on", format!("{date} is before the baseline of the course ({baseline})"))
            }
            Some(_) => Ok(()),
        },
        _ => Ok(()),
    }
}

/// Checks a `YYYY-MM-DD` date: a real calendar date, not after `today` (the site's local date).
pub fn administered_on(field: &str, value: &str, today: jiff::civil::Date) -> Result<jiff::civil::Date, Violation> {
    let date: jiff::civil::Date = value
        .trim()
        .parse()
        .map_err(|_| Violation::new(field, "date", format!("{field} must be a date as YYYY-MM-DD; got {value:?}")))?;
    if date > today {
        return Err(Violation::new(
            field,
            "not_future",
            format!("{field} {date} is in the future (today at the site is {today})"),
        ));
    }
    if date.year() < 1900 {
        return Err(Violation::new(field, "range", format!("{field} must be after 1900")));
    }
    Ok(date)
}

catalyst_core::participant_record!(Assessment, SafetyAlert, AssessmentVoid);

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn timepoints_follow_the_course() {
        let referred = CourseDates { registered_on: date(2026, 11, 1), baseline_on: None, sessions: vec![] };
        let rule = |t, d, c: &CourseDates| check_timepoint(t, d, c).err().map(|v| v.field);
        assert_eq!(rule(Timepoint::Baseline, date(2020, 1, 1), &referred).as_deref(), Some("administered_on"));
        assert_eq!(rule(Timepoint::Baseline, date(2026, 11, 2), &referred), None);
        assert_eq!(rule(Timepoint::AfterSession3, date(2026, 11, 2), &referred).as_deref(), Some("timepoint"));
        assert_eq!(rule(Timepoint::PrimaryEndpoint, date(2026, 11, 2), &referred).as_deref(), Some("timepoint"));
        let dosed = CourseDates {
            registered_on: date(2026, 9, 1),
            baseline_on: Some(date(2026, 9, 10)),
            sessions: vec![date(2026, 10, 1), date(2026, 10, 29)],
        };
        assert_eq!(rule(Timepoint::AfterSession2, date(2026, 10, 30), &dosed), None);
        assert_eq!(rule(Timepoint::AfterSession2, date(2026, 10, 28), &dosed).as_deref(), Some("administered_on"));
        assert_eq!(rule(Timepoint::AfterSession3, date(2026, 11, 2), &dosed).as_deref(), Some("timepoint"));
        assert_eq!(rule(Timepoint::Baseline, date(2026, 10, 2), &dosed).as_deref(), Some("administered_on"));
        assert_eq!(rule(Timepoint::PrimaryEndpoint, date(2026, 9, 9), &dosed).as_deref(), Some("administered_on"));
        assert_eq!(rule(Timepoint::Unscheduled, date(2026, 9, 2), &dosed), None);
    }

    #[test]
    fn instruments_map_to_who_records_them() {
        assert_eq!(outcome_class(InstrumentId::Caps5), OutcomeClass::IndependentRating);
        assert_eq!(outcome_class(InstrumentId::Cssrs), OutcomeClass::SafetyScreen);
        for self_report in [InstrumentId::Pcl5, InstrumentId::Sds, InstrumentId::Phq9, InstrumentId::DailyCheckin] {
            assert_eq!(outcome_class(self_report), OutcomeClass::SelfReport);
        }
    }

    #[test]
    fn daily_timepoint_only_for_the_check_in() {
        assert!(Timepoint::Daily.check_for(InstrumentId::DailyCheckin).is_ok());
        assert!(Timepoint::Baseline.check_for(InstrumentId::DailyCheckin).is_err());
        assert!(Timepoint::Daily.check_for(InstrumentId::Pcl5).is_err());
        assert!(Timepoint::PrimaryEndpoint.check_for(InstrumentId::Caps5).is_ok());
    }

    #[test]
    fn dates_are_real_and_not_in_the_future() {
        let today = date(2026, 11, 22);
        assert_eq!(administered_on("d", "2026-11-22", today).unwrap(), today);
        assert_eq!(administered_on("d", "2026-11-23", today).unwrap_err().rule, "not_future");
        assert_eq!(administered_on("d", "2026-02-30", today).unwrap_err().rule, "date");
        assert_eq!(administered_on("d", "22/11/2026", today).unwrap_err().rule, "date");
    }
}
