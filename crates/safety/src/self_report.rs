//! What a participant reports between sessions, in their own words ("how I feel"), and the
//! clinician's review of each report: recorded as an adverse event (naming it), or not an
//! adverse event (saying why). A report is never edited or deleted, and none goes unreviewed
//! without showing on the site's worklist (ICH E6(R3) 2.7: the investigator reviews what
//! participants report; the FDA's 2024 letter found events that were never recorded).

use catalyst_core::error::Violation;
use catalyst_core::reason::{meaningful_reason, visible_paragraphs};
use catalyst_core::time::{TimeZoneName, Timestamp};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::event::MAX_PAST_DAYS;

/// How bad it is, in the participant's words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HowBad {
    /// "I notice it, it does not stop me."
    Mild,
    /// "It gets in the way of my day."
    Moderate,
    /// "I cannot do my usual things."
    Severe,
}

impl HowBad {
    pub fn as_str(self) -> &'static str {
        match self {
            HowBad::Mild => "mild",
            HowBad::Moderate => "moderate",
            HowBad::Severe => "severe",
        }
    }

    /// The words the participant chose from.
    pub fn words(self) -> &'static str {
        match self {
            HowBad::Mild => "I notice it, but it does not stop me",
            HowBad::Moderate => "it gets in the way of my day",
            HowBad::Severe => "I cannot do my usual things",
        }
    }
}

/// A report as the participant enters it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SelfReportInput {
    /// In their own words.
    pub feeling: String,
    /// When it started, where they know (site-local date, exactly `YYYY-MM-DD`).
    #[serde(default, with = "optional_date")]
    pub started_on: Option<Date>,
    pub how_bad: HowBad,
    /// They ask to be called back.
    #[serde(default)]
    pub wants_call: bool,
}

/// A report as kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SelfReport {
    pub participant_id: String,
    pub feeling: String,
    #[serde(default, with = "optional_date")]
    pub started_on: Option<Date>,
    pub how_bad: HowBad,
    pub wants_call: bool,
    pub reported_at: Timestamp,
}

/// A clinician's review of one report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case", deny_unknown_fields)]
pub enum ReviewOutcome {
    /// Recorded as (or found already recorded as) this adverse event of the participant.
    RecordedAsEvent { event_id: String },
    /// Not an adverse event, and why (a question about the next visit, a known and recorded
    /// effect already closed...).
    NotAnAdverseEvent { reason: String },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Review {
    pub report_id: String,
    pub outcome: ReviewOutcome,
    pub reviewed_by: String,
    pub reviewed_at: Timestamp,
}

const MAX_FEELING: usize = 2000;
const MAX_REASON: usize = 1000;

/// Checks a participant's report, made `now` at a site in `zone`: their words are required
/// and visible; a start date is not in the future nor more than [`MAX_PAST_DAYS`] ago.
pub fn self_report_from(
    participant_id: &str,
    input: &SelfReportInput,
    zone: &TimeZoneName,
    now: Timestamp,
) -> Result<SelfReport, Vec<Violation>> {
    let mut v = Vec::new();
    let feeling = visible_paragraphs("feeling", &input.feeling, MAX_FEELING).map_err(|e| v.push(e)).ok();
    if let Some(day) = input.started_on {
        match catalyst_regulatory::local_date(now.micros(), zone.as_str()) {
            Ok(today) => {
                if day > today {
                    v.push(Violation::new("started_on", "not_in_future", "started_on must not be after today"));
                }
                if today.since(day).map(|span| i64::from(span.get_days())).unwrap_or(i64::MAX) > MAX_PAST_DAYS {
                    v.push(Violation::new(
                        "started_on",
                        "within_5_years",
                        format!("started_on must be within {MAX_PAST_DAYS} days before today"),
                    ));
                }
            }
            Err(e) => v.push(Violation::new("started_on", "local_date", e.to_string())),
        }
    }
    match feeling {
        Some(feeling) if v.is_empty() => Ok(SelfReport {
            participant_id: participant_id.to_owned(),
            feeling,
            started_on: input.started_on,
            how_bad: input.how_bad,
            wants_call: input.wants_call,
            reported_at: now,
        }),
        _ => Err(v),
    }
}

/// Checks a review: an event named must be one of `events_of_participant`; "not an adverse
/// event" needs a reason in words; a report is reviewed once.
pub fn review_from(
    report_id: &str,
    outcome: &ReviewOutcome,
    events_of_participant: &[&str],
    already_reviewed: bool,
    reviewer: &str,
    now: Timestamp,
) -> Result<Review, Vec<Violation>> {
    let mut v = Vec::new();
    if already_reviewed {
        v.push(Violation::new("report_id", "reviewed_once", "this report was already reviewed"));
    }
    let outcome = match outcome {
        ReviewOutcome::RecordedAsEvent { event_id } => {
            let event_id = event_id.trim();
            if !events_of_participant.contains(&event_id) {
                v.push(Violation::new(
                    "event_id",
                    "of_participant",
                    "name one of the participant's adverse events (record it first)",
                ));
            }
            ReviewOutcome::RecordedAsEvent { event_id: event_id.to_owned() }
        }
        ReviewOutcome::NotAnAdverseEvent { reason } => match meaningful_reason("reason", reason, MAX_REASON) {
            Ok(reason) => ReviewOutcome::NotAnAdverseEvent { reason },
            Err(e) => {
                v.push(e);
                outcome.clone()
            }
        },
    };
    if v.is_empty() {
        Ok(Review { report_id: report_id.to_owned(), outcome, reviewed_by: reviewer.to_owned(), reviewed_at: now })
    } else {
        Err(v)
    }
}

/// An optional date that must be exactly `YYYY-MM-DD` when given.
mod optional_date {
    use serde::{Deserialize, Deserializer, Serializer, de::Error as _};

    pub fn serialize<S: Serializer>(date: &Option<jiff::civil::Date>, s: S) -> Result<S::Ok, S::Error> {
        match date {
            Some(d) => s.collect_str(d),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<jiff::civil::Date>, D::Error> {
        match Option::<String>::deserialize(d)? {
            None => Ok(None),
            Some(text) => catalyst_core::time::civil_date(&text)
                .map(Some)
                .ok_or_else(|| D::Error::custom(format!("{text:?} is not a date as YYYY-MM-DD"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zone() -> TimeZoneName {
        TimeZoneName::parse("zone", "Australia/Sydney").unwrap()
    }

    // 2026-03-12T00:00Z is 11:00 on 12 March in Sydney.
    const NOW: Timestamp = Timestamp(1_773_273_600_000_000);

    fn input() -> SelfReportInput {
        SelfReportInput {
            feeling: "low and teary since Sunday".into(),
            started_on: None,
            how_bad: HowBad::Moderate,
            wants_call: true,
        }
    }

    fn rules(v: &[Violation]) -> Vec<(&str, &str)> {
        v.iter().map(|v| (v.field.as_str(), v.rule.as_str())).collect()
    }

    #[test]
    fn a_report_needs_words_and_a_start_that_is_not_ahead_or_years_back() {
        let r = self_report_from("p1", &input(), &zone(), NOW).unwrap();
        assert_eq!((r.feeling.as_str(), r.wants_call, r.reported_at), ("low and teary since Sunday", true, NOW));
        let mut i = input();
        i.feeling = "\u{200B} ".into();
        assert_eq!(rules(&self_report_from("p1", &i, &zone(), NOW).unwrap_err()), [("feeling", "required")]);
        let mut i = input();
        i.started_on = Some(jiff::civil::date(2026, 3, 13));
        assert_eq!(rules(&self_report_from("p1", &i, &zone(), NOW).unwrap_err()), [("started_on", "not_in_future")]);
        i.started_on = Some(jiff::civil::date(2026, 3, 12));
        assert!(self_report_from("p1", &i, &zone(), NOW).is_ok(), "today in Sydney");
        i.started_on = Some(jiff::civil::date(1990, 1, 1));
        assert_eq!(rules(&self_report_from("p1", &i, &zone(), NOW).unwrap_err()), [("started_on", "within_5_years")]);
        // JSON: a date-time is not a date; unknown fields are refused.
        let bad = serde_json::json!({"feeling": "x", "how_bad": "mild", "started_on": "2026-03-10T09:00"});
        assert!(serde_json::from_value::<SelfReportInput>(bad).is_err());
        let bad = serde_json::json!({"feeling": "x", "how_bad": "mild", "mood": 3});
        assert!(serde_json::from_value::<SelfReportInput>(bad).is_err());
    }

    #[test]
    fn a_review_names_one_of_the_participants_events_or_says_why_not_and_is_made_once() {
        let recorded = ReviewOutcome::RecordedAsEvent { event_id: " e1 ".into() };
        let r = review_from("r1", &recorded, &["e1"], false, "dr", NOW).unwrap();
        assert_eq!(r.outcome, ReviewOutcome::RecordedAsEvent { event_id: "e1".into() });
        assert_eq!(
            rules(&review_from("r1", &recorded, &["e2"], false, "dr", NOW).unwrap_err()),
            [("event_id", "of_participant")]
        );
        let not = ReviewOutcome::NotAnAdverseEvent { reason: ".".into() };
        assert_eq!(rules(&review_from("r1", &not, &[], false, "dr", NOW).unwrap_err()), [("reason", "words")]);
        let not = ReviewOutcome::NotAnAdverseEvent { reason: "a question about parking".into() };
        assert!(review_from("r1", &not, &[], false, "dr", NOW).is_ok());
        assert_eq!(
            rules(&review_from("r1", &not, &[], true, "dr", NOW).unwrap_err()),
            [("report_id", "reviewed_once")]
        );
    }
}
