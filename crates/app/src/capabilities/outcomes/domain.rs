//! Outcome measurement: recorded assessments, who may record which instrument, and the safety
//! alerts a questionnaire raises. Instrument definitions and scoring live in
//! `catalyst-instruments`; this module decides what happens around them.

use catalyst_core::policy::OutcomeClass;
use catalyst_core::error::Violation;
use catalyst_core::string_enum;
use catalyst_core::record::{Column, Record, TableSpec};
use catalyst_core::time::Timestamp;
use catalyst_core::DomainError;
use catalyst_instruments::{
    Answer, AnswerSpec, InstrumentDefinition, InstrumentId, Response, Score, ScoreError, ScoreOptions, Scored,
};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

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

/// Turns plain JSON answers into typed answers, using the item definitions to read them.
/// Returns what could be read and a violation for every answer that could not.
pub fn read_answers(
    definition: &InstrumentDefinition,
    answers: &Map<String, Value>,
) -> (BTreeMap<String, Answer>, Vec<Violation>) {
    let mut typed = BTreeMap::new();
    let mut problems = Vec::new();
    for (item, value) in answers {
        let field = format!("answers.{item}");
        let Some(spec) = definition.items.iter().find(|i| &i.id == item).map(|i| &i.answer) else {
            let known: Vec<&str> = definition.items.iter().map(|i| i.id.as_str()).collect();
            problems.push(Violation::new(
                &field,
                "unknown_item",
                format!("{item} is not an item of {}; items: {}", definition.id, known.join(", ")),
            ));
            continue;
        };
        let answer = match (spec, value) {
            (_, Value::Null) => continue,
            (AnswerSpec::Integer { .. }, Value::Number(n)) if n.is_i64() => n.as_i64().map(Answer::Integer),
            (AnswerSpec::Integer { not_applicable: true, .. }, Value::String(s)) if s == "na" => {
                Some(Answer::NotApplicable)
            }
            (AnswerSpec::YesNo, Value::String(s)) if s == "yes" => Some(Answer::Yes),
            (AnswerSpec::YesNo, Value::String(s)) if s == "no" => Some(Answer::No),
            (AnswerSpec::Text { .. }, Value::String(s)) if s.trim().is_empty() => continue,
            (AnswerSpec::Text { .. }, Value::String(s)) => Some(Answer::Text(s.trim().to_owned())),
            _ => None,
        };
        match answer {
            Some(answer) => {
                typed.insert(item.clone(), answer);
            }
            None => problems.push(Violation::new(
                &field,
                "allowed",
                format!("{item}: {value} is not allowed; allowed: {}", spec.allowed()),
            )),
        }
    }
    (typed, problems)
}

/// Plain JSON for storage: the inverse of [`read_answers`].
fn plain_answers(answers: &BTreeMap<String, Answer>) -> String {
    let map: Map<String, Value> = answers
        .iter()
        .map(|(item, answer)| {
            let value = match answer {
                Answer::Integer(n) => Value::from(*n),
                Answer::Yes => Value::from("yes"),
                Answer::No => Value::from("no"),
                Answer::NotApplicable => Value::from("na"),
                Answer::Text(t) => Value::from(t.clone()),
            };
            (item.clone(), value)
        })
        .collect();
    Value::Object(map).to_string()
}

fn score_violations(error: &ScoreError) -> Vec<Violation> {
    match error {
        ScoreError::NotComputable(nc) => nc
            .problems
            .iter()
            .map(|p| Violation::new(format!("answers.{}", p.item()), "answer", format!("{}: {}", p.item(), p.rule())))
            .collect(),
        other => vec![Violation::new("answers", "invalid", other.to_string())],
    }
}

/// An assessment that passed every check, with its typed answers and score.
#[derive(Debug, Clone)]
pub struct CheckedAssessment {
    pub instrument: InstrumentId,
    pub version: String,
    pub timepoint: Timepoint,
    pub administered_on: jiff::civil::Date,
    pub answers: BTreeMap<String, Answer>,
    pub scored: Scored,
}

/// Checks an assessment as submitted under `definition`: the timepoint (and, given the course,
/// its date), the date, and every answer, scoring it. Returns every problem at once.
pub fn check_assessment(
    definition: &InstrumentDefinition,
    timepoint: &str,
    administered_on_text: &str,
    answers: &Map<String, Value>,
    today: jiff::civil::Date,
    course: Option<&CourseDates>,
) -> Result<CheckedAssessment, Vec<Violation>> {
    let instrument = definition.id;
    let timepoint = Timepoint::parse("timepoint", timepoint).and_then(|t| t.check_for(instrument).map(|()| t));
    let date = administered_on("administered_on", administered_on_text, today);
    let (answers, mut unreadable) = read_answers(definition, answers);
    let response = Response { instrument, version: definition.version.clone(), answers };
    // Score even when some answers were unreadable, so one reply names every problem;
    // an unreadable answer is not reported a second time as missing.
    let scored = definition.score(&response, &ScoreOptions::default());
    let mut violations: Vec<Violation> =
        [timepoint.as_ref().err(), date.as_ref().err()].into_iter().flatten().cloned().collect();
    if let (Ok(timepoint), Ok(date), Some(course)) = (&timepoint, &date, course) {
        violations.extend(check_timepoint(*timepoint, *date, course).err());
    }
    if let Err(error) = &scored {
        let named: Vec<String> = unreadable.iter().map(|v| v.field.clone()).collect();
        unreadable.extend(score_violations(error).into_iter().filter(|v| !named.contains(&v.field)));
    }
    violations.extend(unreadable);
    let (Ok(timepoint), Ok(administered_on), Ok(scored), true) = (timepoint, date, scored, violations.is_empty())
    else {
        return Err(violations);
    };
    Ok(CheckedAssessment {
        instrument,
        version: response.version,
        timepoint,
        administered_on,
        answers: response.answers,
        scored,
    })
}

/// Whose assessment it is, who recorded it, and how the answers were given.
pub struct Recording<'a> {
    pub participant_id: &'a str,
    pub site_id: &'a str,
    pub recorded_by: &'a str,
    pub mode: RecordingMode,
}

/// The records a checked assessment writes: the assessment, and an alert for each safety signal
/// its score raises. Ids come from `new_id`, the assessment's first.
pub fn assessment_records(
    checked: &CheckedAssessment,
    recording: &Recording<'_>,
    mut new_id: impl FnMut() -> String,
    now: Timestamp,
) -> (Assessment, Vec<SafetyAlert>) {
    let assessment = Assessment {
        id: new_id(),
        participant_id: recording.participant_id.to_owned(),
        site_id: recording.site_id.to_owned(),
        instrument: checked.instrument,
        version: checked.version.clone(),
        timepoint: checked.timepoint,
        administered_on: checked.administered_on.to_string(),
        recorded_at: now,
        recorded_by: recording.recorded_by.to_owned(),
        mode: recording.mode,
        answers: plain_answers(&checked.answers),
        total: total_of(&checked.scored.score),
    };
    let alerts = alerts_for(&checked.scored.score)
        .into_iter()
        .map(|kind| SafetyAlert {
            id: new_id(),
            participant_id: recording.participant_id.to_owned(),
            site_id: recording.site_id.to_owned(),
            assessment_id: assessment.id.clone(),
            kind,
            raised_at: now,
            acknowledged_by: None,
            acknowledged_at: None,
            acknowledgement: None,
        })
        .collect();
    (assessment, alerts)
}

/// One daily check-in a day: a second one is a correction, made by voiding the first.
/// `same_day` holds the standing assessments of the same instrument on the same day.
pub fn check_one_checkin_a_day(assessment: &Assessment, same_day: &[Assessment]) -> Result<(), DomainError> {
    match same_day.first() {
        Some(first) => Err(DomainError::Conflict(format!(
            "the check-in for {} is already recorded (assessment {}); to correct it, void it with a reason \
             and record it again",
            assessment.administered_on, first.id
        ))),
        None => Ok(()),
    }
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

    fn phq9() -> &'static InstrumentDefinition {
        static REGISTRY: std::sync::LazyLock<catalyst_instruments::Instruments> =
            std::sync::LazyLock::new(|| catalyst_instruments::Instruments::builtin().unwrap());
        REGISTRY.latest(InstrumentId::Phq9).unwrap()
    }

    fn answers(item9: i64) -> Map<String, Value> {
        serde_json::json!({"item1": 1, "item2": 1, "item3": 1, "item4": 1, "item5": 0, "item6": 1, "item7": 0, "item8": 0, "item9": item9})
            .as_object()
            .cloned()
            .unwrap()
    }

    #[test]
    fn a_checked_assessment_writes_the_assessment_and_its_alerts() {
        let today = date(2026, 11, 22);
        let checked = check_assessment(phq9(), "unscheduled", "2026-11-21", &answers(2), today, None).unwrap();
        assert_eq!((checked.timepoint, checked.administered_on), (Timepoint::Unscheduled, date(2026, 11, 21)));
        let mut ids = ["a1", "x1"].into_iter().map(str::to_owned);
        let recording =
            Recording { participant_id: "p1", site_id: "s1", recorded_by: "u1", mode: RecordingMode::SelfReport };
        let (assessment, alerts) =
            assessment_records(&checked, &recording, || ids.next().unwrap(), Timestamp(9));
        assert_eq!(assessment.id, "a1");
        assert_eq!(assessment.total, Some(7));
        assert_eq!(assessment.answers, Value::Object(answers(2)).to_string());
        assert_eq!(alerts.len(), 1);
        assert_eq!((alerts[0].id.as_str(), alerts[0].assessment_id.as_str(), alerts[0].kind), ("x1", "a1", AlertKind::Phq9Item9));
        let calm = check_assessment(phq9(), "unscheduled", "2026-11-21", &answers(0), today, None).unwrap();
        assert!(assessment_records(&calm, &recording, || "a2".to_owned(), Timestamp(9)).1.is_empty());
    }

    #[test]
    fn every_problem_of_an_assessment_is_named_once() {
        let mut wrong = answers(0);
        wrong.remove("item3");
        wrong.insert("item4".into(), Value::from(7));
        wrong.insert("item10".into(), Value::from(1));
        let course = CourseDates { registered_on: date(2026, 11, 1), baseline_on: None, sessions: vec![] };
        let problems =
            check_assessment(phq9(), "daily", "2026-11-23", &wrong, date(2026, 11, 22), Some(&course)).unwrap_err();
        let fields: Vec<&str> = problems.iter().map(|v| v.field.as_str()).collect();
        assert_eq!(fields, ["timepoint", "administered_on", "answers.item10", "answers.item3", "answers.item4"]);
        let early = check_assessment(phq9(), "after_session_1", "2026-11-20", &answers(0), date(2026, 11, 22), Some(&course))
            .unwrap_err();
        assert_eq!(early[0].rule, "schedule");
    }

    #[test]
    fn a_second_check_in_on_a_day_is_refused() {
        let checked = check_assessment(phq9(), "unscheduled", "2026-11-21", &answers(0), date(2026, 11, 22), None).unwrap();
        let recording =
            Recording { participant_id: "p1", site_id: "s1", recorded_by: "u1", mode: RecordingMode::SelfReport };
        let (first, _) = assessment_records(&checked, &recording, || "a1".to_owned(), Timestamp(1));
        let (second, _) = assessment_records(&checked, &recording, || "a2".to_owned(), Timestamp(2));
        assert!(check_one_checkin_a_day(&second, &[]).is_ok());
        assert_eq!(
            check_one_checkin_a_day(&second, &[first]),
            Err(DomainError::Conflict(
                "the check-in for 2026-11-21 is already recorded (assessment a1); to correct it, void it with a \
                 reason and record it again"
                    .into()
            ))
        );
    }
}
