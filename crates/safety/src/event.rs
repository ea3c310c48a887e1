//! The adverse-event record and its rules. [`event_from`] turns an input into the first
//! revision of an event or refuses it with every broken rule at once; [`correction_from`] makes
//! the next revision, with a reason, and names the fields it changed. Nothing is deleted: the
//! caller keeps every revision.

use catalyst_core::error::required_text;
use catalyst_core::reason::{meaningful_reason, visible_name, visible_paragraphs};
use catalyst_core::time::{TimeZoneName, Timestamp};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::error::Violation;
use crate::rsi::ReferenceSafety;
use crate::terms::{GradeFact, Intervention, OTHER, TermList};

/// When something happened: an instant, or only the site-local date where that is all that is
/// known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum When {
    At(Timestamp),
    /// Exactly `YYYY-MM-DD`: a date-time is refused, never cut to its date.
    Date(#[serde(with = "catalyst_core::time::strict_date")] Date),
}

impl When {
    /// The site-local date.
    pub fn local_date(self, zone: &TimeZoneName) -> Option<Date> {
        match self {
            When::At(t) => catalyst_regulatory::local_date(t.micros(), zone.as_str()).ok(),
            When::Date(d) => Some(d),
        }
    }
}

/// `a` is before `b`: compared as instants when both are, else by site-local date.
fn before(a: When, b: When, zone: &TimeZoneName) -> bool {
    match (a, b) {
        (When::At(x), When::At(y)) => x < y,
        _ => match (a.local_date(zone), b.local_date(zone)) {
            (Some(x), Some(y)) => x < y,
            _ => false,
        },
    }
}

/// Intensity. Not seriousness: a severe headache need not be serious (ICH E2A).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Mild,
    Moderate,
    Severe,
}

impl Severity {
    pub const ALL: [Severity; 3] = [Severity::Mild, Severity::Moderate, Severity::Severe];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Mild => "mild",
            Severity::Moderate => "moderate",
            Severity::Severe => "severe",
        }
    }
}

/// A CTCAE grade with the facts its criteria turn on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GradeInput {
    pub grade: u8,
    #[serde(default)]
    pub intervention: Option<Intervention>,
    #[serde(default)]
    pub duration_hours: Option<u32>,
}

/// The ICH E2A seriousness criteria, each ticked on its own.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Seriousness {
    #[serde(default)]
    pub death: bool,
    #[serde(default)]
    pub life_threatening: bool,
    /// In-patient hospitalisation or prolongation of an existing stay.
    #[serde(default)]
    pub hospitalisation: bool,
    /// Persistent or significant disability or incapacity.
    #[serde(default)]
    pub disability: bool,
    #[serde(default)]
    pub congenital_anomaly: bool,
    /// Medically important (medical judgement).
    #[serde(default)]
    pub medically_important: bool,
}

impl Seriousness {
    /// The criteria ticked, by name, in the order of ICH E2A.
    pub fn ticked(&self) -> Vec<&'static str> {
        [
            (self.death, "death"),
            (self.life_threatening, "life_threatening"),
            (self.hospitalisation, "hospitalisation"),
            (self.disability, "disability"),
            (self.congenital_anomaly, "congenital_anomaly"),
            (self.medically_important, "medically_important"),
        ]
        .into_iter()
        .filter_map(|(on, name)| on.then_some(name))
        .collect()
    }

    /// Serious exactly when at least one criterion is ticked.
    pub fn is_serious(&self) -> bool {
        !self.ticked().is_empty()
    }

    pub fn fatal_or_life_threatening(&self) -> bool {
        self.death || self.life_threatening
    }
}

/// The investigator's causality assessment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Relatedness {
    NotRelated,
    Unlikely,
    Possible,
    Probable,
    Definite,
}

impl Relatedness {
    /// A reasonable possibility of a causal relationship: a "suspected adverse reaction"
    /// (21 CFR 312.32(a)). Possible, probable and definite are; the mapping is a
    /// programme-defined default.
    pub fn suspected(self) -> bool {
        matches!(self, Relatedness::Possible | Relatedness::Probable | Relatedness::Definite)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Relatedness::NotRelated => "not_related",
            Relatedness::Unlikely => "unlikely",
            Relatedness::Possible => "possible",
            Relatedness::Probable => "probable",
            Relatedness::Definite => "definite",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Expected {
    Expected,
    Unexpected,
}

/// The sponsor's expectedness call against a version of the reference safety information.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectednessInput {
    pub assessment: Expected,
    pub rsi_version: u32,
    pub assessed_by: String,
    pub assessed_at: Timestamp,
}

/// What was done with the study drug because of the event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionTaken {
    DoseNotChanged,
    SupplementalDoseWithheld,
    SessionStopped,
    DrugWithdrawn,
    NotApplicable,
    Unknown,
}

impl ActionTaken {
    pub fn as_str(self) -> &'static str {
        match self {
            ActionTaken::DoseNotChanged => "dose_not_changed",
            ActionTaken::SupplementalDoseWithheld => "supplemental_dose_withheld",
            ActionTaken::SessionStopped => "session_stopped",
            ActionTaken::DrugWithdrawn => "drug_withdrawn",
            ActionTaken::NotApplicable => "not_applicable",
            ActionTaken::Unknown => "unknown",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Recovered,
    Recovering,
    NotRecovered,
    RecoveredWithSequelae,
    Fatal,
    Unknown,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Recovered => "recovered",
            Outcome::Recovering => "recovering",
            Outcome::NotRecovered => "not_recovered",
            Outcome::RecoveredWithSequelae => "recovered_with_sequelae",
            Outcome::Fatal => "fatal",
            Outcome::Unknown => "unknown",
        }
    }

    /// The event has ended (the outcome needs an end date).
    pub fn ended(self) -> bool {
        matches!(self, Outcome::Recovered | Outcome::RecoveredWithSequelae | Outcome::Fatal)
    }
}

/// Who first told the site.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportedBy {
    Participant,
    Clinician,
    Other,
}

/// What a clinician enters (or corrects). Also the stored body of each revision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventInput {
    pub participant_id: String,
    /// A term id from the term list, or `other`.
    pub term: String,
    /// The event's name when `term` is `other`.
    #[serde(default)]
    pub other_term: Option<String>,
    /// The reporter's own words.
    pub verbatim: String,
    pub reported_by: ReportedBy,
    pub onset: When,
    #[serde(default)]
    pub end: Option<When>,
    pub severity: Severity,
    #[serde(default)]
    pub grade: Option<GradeInput>,
    #[serde(default)]
    pub seriousness: Seriousness,
    /// The recorder's statement; must agree with the criteria.
    pub serious: bool,
    pub related_to_drug: Relatedness,
    pub related_to_therapy: Relatedness,
    #[serde(default)]
    pub expectedness: Option<ExpectednessInput>,
    pub action_taken: ActionTaken,
    #[serde(default)]
    pub outcome: Option<Outcome>,
    /// The dosing session the event follows, if any.
    #[serde(default)]
    pub session_id: Option<String>,
    /// When the site first knew of the event: the site's reporting clock starts here.
    pub site_aware_at: Timestamp,
}

/// One revision of an adverse event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdverseEvent {
    pub id: String,
    /// 1 for the first record, then one more per correction.
    pub revision: u32,
    pub details: EventInput,
    /// The term's label (or `other_term`), as shown.
    pub term_label: String,
    pub term_list: String,
    pub term_list_version: u32,
    /// Derived from the criteria.
    pub serious: bool,
    /// Whether the RSI version named by the expectedness call lists the term.
    pub listed_in_rsi: Option<bool>,
    pub recorded_by: String,
    pub recorded_at: Timestamp,
    /// The reason for a correction (none on revision 1).
    pub reason: Option<String>,
    /// When the site was first recorded as aware, once a correction has moved `site_aware_at`
    /// (the clocks run from the corrected time; the first one stays on the record).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_site_aware_at: Option<Timestamp>,
    /// The earliest awareness any revision recorded, once a correction has moved it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub earliest_site_aware_at: Option<Timestamp>,
    /// Who recorded revision 1 (the reporter on a CIOMS form), once a correction is made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_recorded_by: Option<String>,
    /// The fields this revision changed (empty on revision 1).
    pub changed: Vec<String>,
}

impl AdverseEvent {
    /// When the site first knew: the earliest time any revision recorded.
    pub fn earliest_site_awareness(&self) -> Timestamp {
        [self.first_site_aware_at, self.earliest_site_aware_at]
            .into_iter()
            .flatten()
            .fold(self.details.site_aware_at, Timestamp::min)
    }

    /// Who recorded the event first.
    pub fn reporter(&self) -> &str {
        self.first_recorded_by.as_deref().unwrap_or(&self.recorded_by)
    }

    /// The event is still open: no outcome yet, or recovering or not recovered.
    pub fn open(&self) -> bool {
        !self.details.outcome.is_some_and(|o| o.ended() || o == Outcome::Unknown)
    }
}

/// What the rules are checked against, passed in.
#[derive(Debug, Clone, Copy)]
pub struct RecordFacts<'a> {
    pub terms: &'a TermList,
    pub rsi: &'a ReferenceSafety,
    /// The site's IANA zone, for date-only times.
    pub zone: &'a TimeZoneName,
    pub now: Timestamp,
    /// Who records the revision.
    pub actor: &'a str,
}

const MAX_VERBATIM: usize = 4000;
const MAX_ID: usize = 128;
const MAX_REASON: usize = 1000;
/// How far back an onset, end, awareness or assessment may lie: an adverse event of a course
/// of MDMA-AT (months long) is never years old; older history is the participant's medical
/// history, not an event to report.
pub const MAX_PAST_DAYS: i64 = 5 * 366;

/// The first revision of event `id`, or every broken rule.
pub fn event_from(id: &str, input: &EventInput, facts: &RecordFacts) -> Result<AdverseEvent, Vec<Violation>> {
    let mut v = Vec::new();
    let id = text(&mut v, "id", id, MAX_ID);
    let actor = text(&mut v, "actor", facts.actor, MAX_ID);
    let made = build(input, facts, &mut v);
    match (id, actor, made) {
        (Some(id), Some(actor), Some(m)) if v.is_empty() => Ok(AdverseEvent {
            id,
            revision: 1,
            details: m.details,
            term_label: m.term_label,
            term_list: facts.terms.id.clone(),
            term_list_version: facts.terms.version,
            serious: m.serious,
            listed_in_rsi: m.listed,
            recorded_by: actor,
            recorded_at: facts.now,
            reason: None,
            changed: Vec::new(),
            first_site_aware_at: None,
            earliest_site_aware_at: None,
            first_recorded_by: None,
        }),
        _ => Err(v),
    }
}

/// The next revision of `current`, with the reason for the change. The participant cannot be
/// changed (record the event on the right participant instead), and a correction must change
/// something.
pub fn correction_from(
    current: &AdverseEvent,
    input: &EventInput,
    reason: &str,
    facts: &RecordFacts,
) -> Result<AdverseEvent, Vec<Violation>> {
    let mut v = Vec::new();
    let reason = match meaningful_reason("reason", reason, MAX_REASON) {
        Ok(r) => Some(r),
        Err(e) => {
            v.push(e);
            None
        }
    };
    let actor = text(&mut v, "actor", facts.actor, MAX_ID);
    if input.participant_id.trim() != current.details.participant_id {
        v.push(Violation::new(
            "participant_id",
            "immutable",
            "an event stays with its participant; record it on the right participant and correct this one's details",
        ));
    }
    // An expectedness call is about a term: one that was made for the old term goes with it, and
    // the sponsor calls the new term afresh.
    let renamed = input.term != current.details.term || input.other_term != current.details.other_term;
    let mut input = input.clone();
    if renamed && input.expectedness == current.details.expectedness {
        input.expectedness = None;
    }
    let made = build(&input, facts, &mut v);
    let changed = made.as_ref().map(|m| changed_fields(&current.details, &m.details)).unwrap_or_default();
    let first_site_aware_at = current
        .first_site_aware_at
        .or((input.site_aware_at != current.details.site_aware_at).then_some(current.details.site_aware_at));
    if made.is_some() && changed.is_empty() {
        v.push(Violation::new("input", "no_change", "a correction must change at least one field"));
    }
    match (reason, actor, made) {
        (Some(reason), Some(actor), Some(m)) if v.is_empty() => Ok(AdverseEvent {
            id: current.id.clone(),
            revision: current.revision + 1,
            details: m.details,
            term_label: m.term_label,
            term_list: facts.terms.id.clone(),
            term_list_version: facts.terms.version,
            serious: m.serious,
            listed_in_rsi: m.listed,
            recorded_by: actor,
            recorded_at: facts.now,
            reason: Some(reason),
            changed,
            first_site_aware_at,
            earliest_site_aware_at: first_site_aware_at
                .map(|_| current.earliest_site_awareness().min(input.site_aware_at)),
            first_recorded_by: Some(current.first_recorded_by.clone().unwrap_or_else(|| current.recorded_by.clone())),
        }),
        _ => Err(v),
    }
}

/// The top-level fields whose values differ.
fn changed_fields(old: &EventInput, new: &EventInput) -> Vec<String> {
    let (Ok(serde_json::Value::Object(a)), Ok(serde_json::Value::Object(b))) =
        (serde_json::to_value(old), serde_json::to_value(new))
    else {
        return vec!["details".to_string()];
    };
    b.iter().filter(|(k, val)| a.get(*k) != Some(*val)).map(|(k, _)| k.clone()).collect()
}

fn text(v: &mut Vec<Violation>, field: &str, value: &str, max: usize) -> Option<String> {
    match required_text(field, value, max) {
        Ok(t) => Some(t),
        Err(e) => {
            v.push(e);
            None
        }
    }
}

struct Made {
    details: EventInput,
    term_label: String,
    serious: bool,
    listed: Option<bool>,
}

/// Checks every rule, pushing each broken one; `None` when a field could not be normalised.
fn build(input: &EventInput, facts: &RecordFacts, v: &mut Vec<Violation>) -> Option<Made> {
    let before_count = v.len();
    let zone = facts.zone;
    let mut d = input.clone();
    if let Some(p) = text(v, "participant_id", &input.participant_id, MAX_ID) {
        d.participant_id = p;
    }
    match visible_paragraphs("verbatim", &input.verbatim, MAX_VERBATIM) {
        Ok(t) => d.verbatim = t,
        Err(e) => v.push(e),
    }
    d.session_id = match &input.session_id {
        Some(s) => text(v, "session_id", s, MAX_ID),
        None => None,
    };

    // The term.
    let term = facts.terms.get(&input.term);
    let mut term_label = String::new();
    if input.term == OTHER {
        match &input.other_term {
            Some(o) => match visible_name("other_term", o, 200) {
                Ok(o) => {
                    term_label = o.clone();
                    d.other_term = Some(o);
                }
                Err(e) => v.push(e),
            },
            None => v.push(Violation::new("other_term", "required", "name the event when the term is \"other\"")),
        }
    } else if let Some(t) = term {
        term_label = t.label.clone();
        if input.other_term.is_some() {
            v.push(Violation::new(
                "other_term",
                "only_for_other",
                "other_term is given only when the term is \"other\"",
            ));
        }
    } else {
        v.push(Violation::new(
            "term",
            "unknown_term",
            format!(
                "{:?} is not in term list {} version {}; choose a term or \"other\"",
                input.term, facts.terms.id, facts.terms.version
            ),
        ));
    }

    // Times.
    let now = When::At(facts.now);
    let earliest = When::At(facts.now.plus_seconds(-MAX_PAST_DAYS * 86_400));
    let too_old = |field: &str| {
        Violation::new(
            field,
            "within_5_years",
            format!("{field} must be within {MAX_PAST_DAYS} days before now (older history is medical history)"),
        )
    };
    for (field, when) in
        [("onset", Some(input.onset)), ("end", input.end), ("site_aware_at", Some(When::At(input.site_aware_at)))]
    {
        if let Some(when) = when
            && before(when, earliest, zone)
        {
            v.push(too_old(field));
        }
    }
    if before(now, input.onset, zone) {
        v.push(Violation::new("onset", "not_in_future", "onset must not be after now"));
    }
    if let Some(end) = input.end {
        if before(end, input.onset, zone) {
            v.push(Violation::new("end", "not_before_onset", "end must not be before onset"));
        }
        if before(now, end, zone) {
            v.push(Violation::new("end", "not_in_future", "end must not be after now"));
        }
    }
    if input.site_aware_at > facts.now {
        v.push(Violation::new("site_aware_at", "not_in_future", "site_aware_at must not be after now"));
    }
    if before(When::At(input.site_aware_at), input.onset, zone) {
        v.push(Violation::new(
            "site_aware_at",
            "not_before_onset",
            "the site cannot have known of the event before its onset",
        ));
    }

    // Grade.
    if let Some(g) = input.grade {
        match term.and_then(|t| t.grading.as_ref().map(|_| t)) {
            None => v.push(Violation::new(
                "grade",
                "not_graded_for_term",
                format!("the term {:?} has no CTCAE grades in term list version {}", input.term, facts.terms.version),
            )),
            Some(t) => match t.grade(g.grade) {
                None => v.push(Violation::new(
                    "grade",
                    "not_a_grade_of_term",
                    format!("{} has grades {:?}; got {}", t.label, t.grades(), g.grade),
                )),
                Some(def) => {
                    if def.requires.contains(&GradeFact::Intervention) && g.intervention.is_none() {
                        v.push(Violation::new(
                            "grade.intervention",
                            "required",
                            format!("grade {} of {} needs the intervention indicated", g.grade, t.label),
                        ));
                    }
                    if let (Some(allowed), Some(i)) = (&def.interventions, g.intervention)
                        && !allowed.contains(&i)
                    {
                        let names: Vec<&str> = allowed.iter().map(|x| x.as_str()).collect();
                        v.push(Violation::new(
                            "grade.intervention",
                            "not_for_grade",
                            format!("grade {} of {} allows {}; got {}", g.grade, t.label, names.join(", "), i.as_str()),
                        ));
                    }
                    if def.requires.contains(&GradeFact::DurationHours) && g.duration_hours.is_none() {
                        v.push(Violation::new(
                            "grade.duration_hours",
                            "required",
                            format!("grade {} of {} needs the duration in hours", g.grade, t.label),
                        ));
                    }
                    if let Some(h) = g.duration_hours {
                        let too_long = def.duration_hours_at_most.is_some_and(|m| h > m);
                        let too_short = def.duration_hours_over.is_some_and(|m| h <= m);
                        if too_long || too_short {
                            v.push(Violation::new(
                                "grade.duration_hours",
                                "not_for_grade",
                                format!("grade {} of {} is {}; {h} hours does not fit", g.grade, t.label, def.criteria),
                            ));
                        }
                    }
                    if g.grade == 5 && input.outcome != Some(Outcome::Fatal) {
                        v.push(Violation::new(
                            "grade",
                            "grade_5_requires_fatal_outcome",
                            "grade 5 is death: the outcome must be fatal",
                        ));
                    }
                }
            },
        }
    }

    // Seriousness, derived from the criteria.
    let serious = input.seriousness.is_serious();
    if input.serious && !serious {
        v.push(Violation::new(
            "seriousness",
            "criterion_required",
            "a serious event needs at least one ICH E2A criterion ticked (death, life-threatening, hospitalisation, disability, congenital anomaly, medically important)",
        ));
    }
    if !input.serious && serious {
        v.push(Violation::new(
            "serious",
            "derived_from_criteria",
            format!("criteria ticked ({}) make the event serious", input.seriousness.ticked().join(", ")),
        ));
    }

    // Outcome.
    if input.outcome == Some(Outcome::Fatal) && !input.seriousness.death {
        v.push(Violation::new(
            "outcome",
            "fatal_requires_death_criterion",
            "a fatal outcome ticks the death criterion",
        ));
    }
    if input.seriousness.death && input.outcome != Some(Outcome::Fatal) {
        v.push(Violation::new(
            "seriousness.death",
            "requires_fatal_outcome",
            "the death criterion goes with a fatal outcome",
        ));
    }
    if let Some(o) = input.outcome
        && o.ended()
        && input.end.is_none()
    {
        v.push(Violation::new("end", "required_for_outcome", format!("an outcome of {} needs the end", o.as_str())));
    }

    // Expectedness, the sponsor's call.
    let mut listed = None;
    if let Some(e) = &input.expectedness {
        let mut e2 = e.clone();
        if let Some(by) = text(v, "expectedness.assessed_by", &e.assessed_by, MAX_ID) {
            e2.assessed_by = by;
        }
        if e.assessed_at > facts.now {
            v.push(Violation::new("expectedness.assessed_at", "not_in_future", "assessed_at must not be after now"));
        }
        if before(When::At(e.assessed_at), earliest, zone) {
            v.push(too_old("expectedness.assessed_at"));
        }
        match facts.rsi.version(e.rsi_version) {
            None => v.push(Violation::new(
                "expectedness.rsi_version",
                "unknown_version",
                format!(
                    "reference safety information version {} does not exist; versions: {:?}",
                    e.rsi_version,
                    facts.rsi.versions.iter().map(|r| r.version).collect::<Vec<_>>()
                ),
            )),
            Some(r) => {
                let on = When::At(e.assessed_at).local_date(zone);
                match on.map(|date| (date, facts.rsi.in_effect(date))) {
                    Some((date, _)) if r.effective_from > date => v.push(Violation::new(
                        "expectedness.rsi_version",
                        "not_yet_effective",
                        format!(
                            "version {} takes effect on {}; the assessment was on {date}",
                            r.version, r.effective_from
                        ),
                    )),
                    Some((date, Some(cur))) if cur.version != r.version => v.push(Violation::new(
                        "expectedness.rsi_version",
                        "superseded",
                        format!("on {date} version {} was in effect, not {}", cur.version, r.version),
                    )),
                    _ => {}
                }
                let is_listed = input.term != OTHER && r.lists(&input.term);
                listed = Some(is_listed);
                if e.assessment == Expected::Expected && !is_listed {
                    v.push(Violation::new(
                        "expectedness.assessment",
                        "not_listed_in_rsi",
                        format!(
                            "version {} does not list {:?}: an unlisted event is unexpected",
                            r.version, input.term
                        ),
                    ));
                }
            }
        }
        d.expectedness = Some(e2);
    }
    (v.len() == before_count).then_some(Made { details: d, term_label, serious, listed })
}
