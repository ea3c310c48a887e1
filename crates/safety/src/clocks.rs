//! Serious adverse event reporting clocks. The timelines are data (`data/safety_reporting.json`):
//! per jurisdiction and pathway, which report runs from which start event, under which
//! condition, with which deadline and source. [`clocks_for`] is pure: the event's facts in,
//! every clock out, each naming its start event, its deadline as an instant and a site-local
//! date, its recipient and what is due, and whether a recorded submission stopped it.

use std::collections::BTreeSet;

use catalyst_core::time::{TimeZoneName, Timestamp};
use catalyst_regulatory::{Calendars, add_business_days};
use jiff::ToSpan;
use jiff::civil::Date;
use jiff::tz::TimeZoneDatabase;
use serde::{Deserialize, Serialize};

use crate::error::{DataError, Violation, check_source, load, valid_id};
use crate::event::{AdverseEvent, Expected, Seriousness};

pub const BUILTIN_JSON: &str = include_str!("data/safety_reporting.json");

/// How the treatment is given, which decides who reports to whom.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Pathway {
    /// A trial with a sponsor (an IND in the US; NHMRC 2016 in Australia).
    SponsoredTrial,
    /// An Australian Authorised Prescriber's practice: no sponsor.
    AuthorisedPrescriber,
    /// Canada's Special Access Programme: no sponsor.
    SpecialAccess,
}

impl Pathway {
    pub const ALL: [Pathway; 3] = [Pathway::SponsoredTrial, Pathway::AuthorisedPrescriber, Pathway::SpecialAccess];

    pub fn as_str(self) -> &'static str {
        match self {
            Pathway::SponsoredTrial => "sponsored_trial",
            Pathway::AuthorisedPrescriber => "authorised_prescriber",
            Pathway::SpecialAccess => "special_access",
        }
    }
}

/// What a clock runs from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StartEvent {
    /// The site (or prescriber) first knew of the event.
    SiteAwareness,
    /// The sponsor first had the information (day 0 of 21 CFR 312.32).
    SponsorFirstKnowledge,
    /// An urgent safety measure was taken.
    UrgentSafetyMeasure,
    /// New information on the event was received (one clock per follow-up).
    FollowUpInformation,
}

/// Who sends a rule's report, and so who may mark it sent: the site (its investigator, or the
/// prescriber without a sponsor) or, on a sponsored trial, the sponsor (21 CFR 312.32(c): IND
/// safety reports are the sponsor's duty; the investigator reports to the sponsor, 312.64(b)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sender {
    Site,
    Sponsor,
}

/// Which events a rule applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Condition {
    /// Every event with its start event (an urgent safety measure needs no serious event).
    Always,
    Serious,
    /// Serious and suspected (a reasonable possibility that the drug caused it).
    SeriousSuspected,
    /// Serious, unexpected, suspected (a SUSAR).
    Susar,
    /// A SUSAR that is fatal or life-threatening.
    SusarFatalOrLifeThreatening,
}

/// When a report is due, counted from the start event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Deadline {
    /// Elapsed hours from the instant (24 hours is 24 hours, across a daylight-saving change).
    HoursAfter { hours: u32 },
    /// The end of the site-local day `days` after the start's site-local date (day 0).
    CalendarDaysAfter { days: u32 },
    /// The end of the `days`-th business day after the start's site-local date.
    BusinessDaysAfter { days: u32 },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SafetyRule {
    pub id: String,
    /// Applies to this code and every code below it (`AU` rules apply to `AU-NSW`).
    pub jurisdiction: String,
    pub pathway: Pathway,
    pub name: String,
    pub sender: Sender,
    pub recipient: String,
    /// What is due.
    pub due: String,
    pub when: Condition,
    pub start: StartEvent,
    pub deadline: Deadline,
    pub source: String,
    pub deadline_source: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Jurisdiction {
    pub code: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SafetyReportingRules {
    pub id: String,
    pub version: u32,
    pub title: String,
    pub citations: Vec<String>,
    pub jurisdictions: Vec<Jurisdiction>,
    pub rules: Vec<SafetyRule>,
}

fn covers(prefix: &str, code: &str) -> bool {
    code == prefix || code.strip_prefix(prefix).is_some_and(|rest| rest.starts_with('-'))
}

const MAX_HOURS: u32 = 24 * 31;
const MAX_DAYS: u32 = 366;
const MAX_BUSINESS_DAYS: u32 = 60;

impl SafetyReportingRules {
    pub fn builtin() -> Result<Self, DataError> {
        Self::from_json(BUILTIN_JSON)
    }

    pub fn from_json(text: &str) -> Result<Self, DataError> {
        load("safety_reporting.json", text, Self::check)
    }

    pub fn check(&self) -> Vec<Violation> {
        let mut v = Vec::new();
        if self.version == 0 {
            v.push(Violation::new("version", "range", "version must be 1 or more"));
        }
        let codes: BTreeSet<&str> = self.jurisdictions.iter().map(|j| j.code.as_str()).collect();
        if codes.len() != self.jurisdictions.len() {
            v.push(Violation::new("jurisdictions", "unique", "a jurisdiction is listed twice"));
        }
        let mut ids = BTreeSet::new();
        for (i, r) in self.rules.iter().enumerate() {
            let at = |f: &str| format!("rules[{i}].{f}");
            if !valid_id(&r.id) {
                v.push(Violation::new(
                    at("id"),
                    "format",
                    format!("{:?} must be 1-64 lower-case letters, digits or '_'", r.id),
                ));
            } else if !ids.insert(r.id.as_str()) {
                v.push(Violation::new(at("id"), "unique", format!("rule id {:?} used twice", r.id)));
            }
            if !codes.contains(r.jurisdiction.as_str()) {
                v.push(Violation::new(
                    at("jurisdiction"),
                    "one_of",
                    format!("{:?} is not a listed jurisdiction", r.jurisdiction),
                ));
            }
            for (f, t) in [("name", &r.name), ("recipient", &r.recipient), ("due", &r.due)] {
                if t.trim().is_empty() {
                    v.push(Violation::required(&at(f)));
                }
            }
            check_source(&mut v, &at("source"), &r.source);
            check_source(&mut v, &at("deadline_source"), &r.deadline_source);
            let (value, lo, hi) = match r.deadline {
                Deadline::HoursAfter { hours } => (hours, 1, MAX_HOURS),
                Deadline::CalendarDaysAfter { days } => (days, 0, MAX_DAYS),
                Deadline::BusinessDaysAfter { days } => (days, 0, MAX_BUSINESS_DAYS),
            };
            if !(lo..=hi).contains(&value) {
                v.push(Violation::new(at("deadline"), "range", format!("must be {lo} to {hi}; got {value}")));
            }
            if r.pathway != Pathway::SponsoredTrial && r.sender == Sender::Sponsor {
                v.push(Violation::new(at("sender"), "no_sponsor", "this pathway has no sponsor to send it"));
            }
            if r.start == StartEvent::SponsorFirstKnowledge && r.sender != Sender::Sponsor {
                v.push(Violation::new(
                    at("sender"),
                    "sponsor_reports",
                    "a clock that runs from the sponsor's knowledge is the sponsor's report",
                ));
            }
            if r.pathway != Pathway::SponsoredTrial && r.start == StartEvent::SponsorFirstKnowledge {
                v.push(Violation::new(at("start"), "no_sponsor", "this pathway has no sponsor"));
            }
            if matches!(r.when, Condition::Susar | Condition::SusarFatalOrLifeThreatening)
                && r.pathway != Pathway::SponsoredTrial
            {
                v.push(Violation::new(
                    at("when"),
                    "no_sponsor",
                    "expectedness is the sponsor's call; a pathway without a sponsor cannot run a SUSAR clock",
                ));
            }
        }
        v
    }

    /// The rules for a pathway at a site with this code.
    pub fn applicable(&self, code: &str, pathway: Pathway) -> Vec<&SafetyRule> {
        self.rules.iter().filter(|r| r.pathway == pathway && covers(&r.jurisdiction, code)).collect()
    }
}

/// New information on an event, received by the sponsor (or the prescriber, without one).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FollowUp {
    pub id: String,
    pub received_at: Timestamp,
}

/// A report marked sent, with its reference (the regulator's or sponsor's acknowledgement).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Submission {
    pub rule_id: String,
    /// The follow-up it reports, for a follow-up clock.
    #[serde(default)]
    pub follow_up_id: Option<String>,
    pub submitted_at: Timestamp,
    /// When it was marked sent in Catalyst (a report dated back is shown as entered late).
    pub entered_at: Timestamp,
    pub reference: String,
}

/// What the clocks run from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SaeFacts {
    pub event_id: String,
    pub seriousness: Seriousness,
    /// The drug is suspected (the investigator's relatedness).
    pub suspected: bool,
    /// The sponsor's call; `None` while it is outstanding.
    #[serde(default)]
    pub expectedness: Option<Expected>,
    pub site_aware_at: Timestamp,
    #[serde(default)]
    pub sponsor_first_knowledge_at: Option<Timestamp>,
    #[serde(default)]
    pub urgent_safety_measure_at: Option<Timestamp>,
    #[serde(default)]
    pub follow_ups: Vec<FollowUp>,
    #[serde(default)]
    pub submissions: Vec<Submission>,
    /// The site's zone: calendar days count in it.
    pub zone: TimeZoneName,
}

impl SaeFacts {
    /// The facts an event's current revision gives, with nothing yet sent. The site's clocks
    /// run from the earliest awareness ever recorded: a correction may move awareness earlier
    /// (stricter), but moving it later cannot make an overdue report on time.
    pub fn of(event: &AdverseEvent, zone: TimeZoneName) -> Self {
        Self {
            event_id: event.id.clone(),
            seriousness: event.details.seriousness,
            suspected: event.details.related_to_drug.suspected(),
            expectedness: event.details.expectedness.as_ref().map(|e| e.assessment),
            site_aware_at: event.earliest_site_awareness(),
            sponsor_first_knowledge_at: None,
            urgent_safety_measure_at: None,
            follow_ups: Vec::new(),
            submissions: Vec::new(),
            zone,
        }
    }
}

/// A clock's state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum ClockStatus {
    /// Its start event has not happened yet (e.g. the sponsor does not know yet).
    NotStarted,
    Running,
    /// A submission was recorded.
    Stopped {
        submitted_at: Timestamp,
        entered_at: Timestamp,
        reference: String,
        /// Sent after the deadline.
        late: bool,
        /// Dated on time but entered after the deadline: check the recipient's acknowledgement.
        entered_late: bool,
    },
}

/// One clock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Clock {
    pub event_id: String,
    pub rule_set: String,
    pub version: u32,
    pub rule_id: String,
    pub name: String,
    pub sender: Sender,
    pub recipient: String,
    pub due: String,
    pub source: String,
    pub deadline_source: String,
    pub start: StartEvent,
    pub started_at: Option<Timestamp>,
    pub follow_up_id: Option<String>,
    /// The last instant the report is on time.
    pub deadline: Option<Timestamp>,
    /// The deadline's site-local date.
    pub due_date: Option<Date>,
    /// Why the clock may not apply in the end (e.g. expectedness outstanding: it runs as if
    /// unexpected, so the deadline is not missed while the sponsor decides).
    pub provisional: Option<String>,
    pub status: ClockStatus,
}

impl Clock {
    pub fn running(&self) -> bool {
        self.status == ClockStatus::Running
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClockError {
    #[error("jurisdiction {code:?} is not in the safety reporting rules; known: {}", known.join(", "))]
    UnknownJurisdiction { code: String, known: Vec<String> },
    #[error("no safety reporting rules for the {pathway} pathway in {jurisdiction}; add them to the data")]
    NoRules { jurisdiction: String, pathway: &'static str },
    #[error(transparent)]
    Calendar(#[from] catalyst_regulatory::ClockError),
    #[error("invalid facts: {}", .0.iter().map(|v| format!("{}: {}", v.field, v.message)).collect::<Vec<_>>().join("; "))]
    InvalidFacts(Vec<Violation>),
}

fn check_facts(facts: &SaeFacts, rules: &SafetyReportingRules) -> Result<(), ClockError> {
    let mut v = Vec::new();
    if facts.event_id.trim().is_empty() {
        v.push(Violation::required("event_id"));
    }
    let mut fu = BTreeSet::new();
    for (i, f) in facts.follow_ups.iter().enumerate() {
        if f.id.trim().is_empty() || !fu.insert(f.id.as_str()) {
            v.push(Violation::new(format!("follow_ups[{i}].id"), "unique", "each follow-up needs its own id"));
        }
    }
    for (i, s) in facts.submissions.iter().enumerate() {
        if s.reference.trim().is_empty() {
            v.push(Violation::new(
                format!("submissions[{i}].reference"),
                "required",
                "a report marked sent needs its reference",
            ));
        }
        if !rules.rules.iter().any(|r| r.id == s.rule_id) {
            v.push(Violation::new(
                format!("submissions[{i}].rule_id"),
                "unknown_rule",
                format!("{:?} is not a rule", s.rule_id),
            ));
        }
        if let Some(id) = &s.follow_up_id
            && !fu.contains(id.as_str())
        {
            v.push(Violation::new(
                format!("submissions[{i}].follow_up_id"),
                "unknown_follow_up",
                format!("{id:?} is not a follow-up"),
            ));
        }
    }
    if v.is_empty() { Ok(()) } else { Err(ClockError::InvalidFacts(v)) }
}

/// Whether the rule applies, and if so whether only provisionally.
fn applies(when: Condition, f: &SaeFacts) -> Option<Option<String>> {
    let serious = f.seriousness.is_serious();
    let susar = |extra: bool| -> Option<Option<String>> {
        if !(serious && f.suspected && extra) {
            return None;
        }
        match f.expectedness {
            Some(Expected::Expected) => None,
            Some(Expected::Unexpected) => Some(None),
            None => Some(Some(
                "expectedness not yet assessed by the sponsor: the clock runs as if unexpected until it is".to_string(),
            )),
        }
    };
    match when {
        Condition::Always => Some(None),
        Condition::Serious => serious.then_some(None),
        Condition::SeriousSuspected => (serious && f.suspected).then_some(None),
        Condition::Susar => susar(true),
        Condition::SusarFatalOrLifeThreatening => susar(f.seriousness.fatal_or_life_threatening()),
    }
}

/// The end of a site-local day: the last microsecond before the next day begins.
fn end_of_day(date: Date, zone: &TimeZoneName) -> Result<Timestamp, catalyst_regulatory::ClockError> {
    let tz = TimeZoneDatabase::bundled()
        .get(zone.as_str())
        .map_err(|_| catalyst_regulatory::ClockError::UnknownTimeZone { zone: zone.as_str().to_string() })?;
    let next = date.checked_add(1.day()).map_err(|_| catalyst_regulatory::ClockError::OutOfRange { date })?;
    let start = next.to_zoned(tz).map_err(|_| catalyst_regulatory::ClockError::OutOfRange { date })?;
    Ok(Timestamp::from_micros(start.timestamp().as_microsecond() - 1))
}

fn local(t: Timestamp, zone: &TimeZoneName) -> Result<Date, catalyst_regulatory::ClockError> {
    catalyst_regulatory::local_date(t.micros(), zone.as_str())
}

/// The deadline (instant and site-local date) of `deadline` for a clock started at `start`.
pub fn deadline_after(
    deadline: &Deadline,
    start: Timestamp,
    zone: &TimeZoneName,
    calendar: impl FnOnce() -> Result<catalyst_regulatory::Calendar, catalyst_regulatory::ClockError>,
) -> Result<(Timestamp, Date), catalyst_regulatory::ClockError> {
    let day0 = local(start, zone)?;
    let overflow = || catalyst_regulatory::ClockError::OutOfRange { date: day0 };
    match *deadline {
        Deadline::HoursAfter { hours } => {
            let t = start.micros().checked_add(i64::from(hours) * 3_600_000_000).ok_or_else(overflow)?;
            let t = Timestamp::from_micros(t);
            Ok((t, local(t, zone)?))
        }
        Deadline::CalendarDaysAfter { days } => {
            let due = day0.checked_add(i64::from(days).days()).map_err(|_| overflow())?;
            Ok((end_of_day(due, zone)?, due))
        }
        Deadline::BusinessDaysAfter { days } => {
            let due = add_business_days(day0, days, &calendar()?)?;
            Ok((end_of_day(due, zone)?, due))
        }
    }
}

/// Every clock an event starts under `pathway` at a site in `jurisdiction`, in rule order (a
/// follow-up rule gives one clock per follow-up). A non-serious event starts none unless an
/// urgent safety measure was taken.
pub fn clocks_for(
    facts: &SaeFacts,
    pathway: Pathway,
    jurisdiction: &str,
    rules: &SafetyReportingRules,
    calendars: &Calendars,
) -> Result<Vec<Clock>, ClockError> {
    if !rules.jurisdictions.iter().any(|j| j.code == jurisdiction) {
        return Err(ClockError::UnknownJurisdiction {
            code: jurisdiction.to_string(),
            known: rules.jurisdictions.iter().map(|j| j.code.clone()).collect(),
        });
    }
    let applicable = rules.applicable(jurisdiction, pathway);
    if applicable.is_empty() {
        return Err(ClockError::NoRules { jurisdiction: jurisdiction.to_string(), pathway: pathway.as_str() });
    }
    check_facts(facts, rules)?;
    let mut out = Vec::new();
    for rule in applicable {
        let Some(provisional) = applies(rule.when, facts) else { continue };
        let starts: Vec<(Option<Timestamp>, Option<String>)> = match rule.start {
            StartEvent::SiteAwareness => vec![(Some(facts.site_aware_at), None)],
            StartEvent::SponsorFirstKnowledge => vec![(facts.sponsor_first_knowledge_at, None)],
            StartEvent::UrgentSafetyMeasure => match facts.urgent_safety_measure_at {
                Some(t) => vec![(Some(t), None)],
                None => Vec::new(),
            },
            StartEvent::FollowUpInformation => {
                facts.follow_ups.iter().map(|f| (Some(f.received_at), Some(f.id.clone()))).collect()
            }
        };
        for (started_at, follow_up_id) in starts {
            let due = match started_at {
                Some(t) => {
                    Some(deadline_after(&rule.deadline, t, &facts.zone, || calendars.for_jurisdiction(jurisdiction))?)
                }
                None => None,
            };
            let sent = facts.submissions.iter().find(|s| s.rule_id == rule.id && s.follow_up_id == follow_up_id);
            let status = match (sent, started_at) {
                (Some(s), _) => {
                    let late = due.is_some_and(|(d, _)| s.submitted_at > d);
                    ClockStatus::Stopped {
                        submitted_at: s.submitted_at,
                        entered_at: s.entered_at,
                        reference: s.reference.trim().to_string(),
                        late,
                        entered_late: !late && due.is_some_and(|(d, _)| s.entered_at > d),
                    }
                }
                (None, None) => ClockStatus::NotStarted,
                (None, Some(_)) => ClockStatus::Running,
            };
            out.push(Clock {
                event_id: facts.event_id.clone(),
                rule_set: rules.id.clone(),
                version: rules.version,
                rule_id: rule.id.clone(),
                name: rule.name.clone(),
                sender: rule.sender,
                recipient: rule.recipient.clone(),
                due: rule.due.clone(),
                source: rule.source.clone(),
                deadline_source: rule.deadline_source.clone(),
                start: rule.start,
                started_at,
                follow_up_id,
                deadline: due.map(|(d, _)| d),
                due_date: due.map(|(_, d)| d),
                provisional: provisional.clone(),
                status,
            });
        }
    }
    Ok(out)
}
