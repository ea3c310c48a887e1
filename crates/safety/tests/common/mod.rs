#![allow(dead_code, clippy::unwrap_used)]
use catalyst_core::time::{TimeZoneName, Timestamp};
use catalyst_safety::{
    ActionTaken, EventInput, RecordFacts, ReferenceSafety, Relatedness, ReportedBy, SafetyReportingRules, Seriousness,
    Severity, TermList, When,
};
use jiff::civil::Date;

pub fn d(s: &str) -> Date {
    s.parse().unwrap()
}

/// An RFC 3339 instant as a kernel timestamp.
pub fn t(s: &str) -> Timestamp {
    Timestamp::from_micros(s.parse::<jiff::Timestamp>().unwrap().as_microsecond())
}

pub fn zone(z: &str) -> TimeZoneName {
    TimeZoneName::parse("zone", z).unwrap()
}

pub fn terms() -> TermList {
    TermList::builtin().unwrap()
}

pub fn rsi() -> ReferenceSafety {
    ReferenceSafety::builtin(&terms()).unwrap()
}

pub fn reporting() -> SafetyReportingRules {
    SafetyReportingRules::builtin().unwrap()
}

pub fn calendars() -> catalyst_regulatory::Calendars {
    catalyst_regulatory::Calendars::builtin().unwrap()
}

/// A mild, non-serious headache on the afternoon of 10 March 2026 (UTC).
pub fn input() -> EventInput {
    EventInput {
        participant_id: "P-001".into(),
        term: "headache".into(),
        other_term: None,
        verbatim: "my head is pounding".into(),
        reported_by: ReportedBy::Participant,
        onset: When::At(t("2026-03-10T14:00:00Z")),
        end: None,
        severity: Severity::Mild,
        grade: None,
        seriousness: Seriousness::default(),
        serious: false,
        related_to_drug: Relatedness::Probable,
        related_to_therapy: Relatedness::Unlikely,
        expectedness: None,
        action_taken: ActionTaken::DoseNotChanged,
        outcome: None,
        session_id: Some("S-1".into()),
        site_aware_at: t("2026-03-10T15:00:00Z"),
    }
}

pub struct World {
    pub terms: TermList,
    pub rsi: ReferenceSafety,
    pub zone: TimeZoneName,
}

impl World {
    pub fn new(z: &str) -> Self {
        Self { terms: terms(), rsi: rsi(), zone: zone(z) }
    }

    pub fn facts(&self, now: &str) -> RecordFacts<'_> {
        RecordFacts { terms: &self.terms, rsi: &self.rsi, zone: &self.zone, now: t(now), actor: "dr-lee" }
    }
}

/// The (field, rule) pairs of a refusal, sorted.
pub fn rules_of(v: &[catalyst_safety::Violation]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = v.iter().map(|x| (x.field.clone(), x.rule.clone())).collect();
    out.sort();
    out
}

pub fn pair(f: &str, r: &str) -> (String, String) {
    (f.into(), r.into())
}
