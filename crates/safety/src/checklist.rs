//! Solicited checklists. At each fixed point (`data/checkpoints.json`) a named clinician answers
//! every solicited term of the term list individually: present, absent or not asked (with a
//! reason). One blanket "none" is refused, and so is a checklist missing a term. A check that
//! is due and not recorded is itself a [`Gap`].

use std::collections::{BTreeMap, BTreeSet};

use catalyst_core::error::required_text;
use catalyst_core::reason::meaningful_reason;
use catalyst_core::time::Timestamp;
use serde::{Deserialize, Serialize};

use crate::error::{DataError, Violation, check_source, load, valid_id};
use crate::terms::TermList;

pub const BUILTIN_JSON: &str = include_str!("data/checkpoints.json");

/// What a checkpoint's due time counts from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Anchor {
    SessionStart,
    /// Not due while the session has not ended.
    SessionEnd,
}

/// A question asked at a checkpoint besides the terms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Question {
    pub id: String,
    pub text: String,
    pub source: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckPoint {
    pub id: String,
    pub label: String,
    pub anchor: Anchor,
    /// Due this many hours after the anchor.
    pub due_hours: u32,
    pub source: String,
    pub questions: Vec<Question>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckPoints {
    pub id: String,
    pub version: u32,
    pub title: String,
    pub source: String,
    pub points: Vec<CheckPoint>,
}

impl CheckPoints {
    pub fn builtin() -> Result<Self, DataError> {
        Self::from_json(BUILTIN_JSON)
    }

    pub fn from_json(text: &str) -> Result<Self, DataError> {
        load("checkpoints.json", text, Self::check)
    }

    pub fn get(&self, id: &str) -> Option<&CheckPoint> {
        self.points.iter().find(|p| p.id == id)
    }

    pub fn check(&self) -> Vec<Violation> {
        let mut v = Vec::new();
        check_source(&mut v, "source", &self.source);
        let mut ids = BTreeSet::new();
        for (i, p) in self.points.iter().enumerate() {
            if !valid_id(&p.id) || !ids.insert(p.id.as_str()) {
                v.push(Violation::new(format!("points[{i}].id"), "unique", "each point needs its own snake_case id"));
            }
            check_source(&mut v, &format!("points[{i}].source"), &p.source);
            if p.due_hours == 0 || p.due_hours > 24 * 60 {
                v.push(Violation::new(format!("points[{i}].due_hours"), "range", "due_hours must be 1 to 1440"));
            }
            for (k, q) in p.questions.iter().enumerate() {
                if !valid_id(&q.id) || q.text.trim().is_empty() {
                    v.push(Violation::new(
                        format!("points[{i}].questions[{k}]"),
                        "required",
                        "a question needs an id and text",
                    ));
                }
                check_source(&mut v, &format!("points[{i}].questions[{k}].source"), &q.source);
            }
        }
        v
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Presence {
    Present,
    Absent,
    NotAsked,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TermAnswer {
    pub term: String,
    pub answer: Presence,
    /// Why the term was not asked (required then).
    #[serde(default)]
    pub reason: Option<String>,
}

/// The answers as entered: one per term, or (refused) one word for the whole list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Answers {
    Each(Vec<TermAnswer>),
    Blanket(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reply {
    Yes,
    No,
    Declined,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChecklistInput {
    pub session_id: String,
    pub participant_id: String,
    pub clinician_id: String,
    pub recorded_at: Timestamp,
    pub answers: Answers,
    /// Replies to the point's questions, by question id.
    #[serde(default)]
    pub questions: BTreeMap<String, Reply>,
}

/// An accepted checklist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checklist {
    pub point: String,
    pub session_id: String,
    pub participant_id: String,
    pub clinician_id: String,
    pub recorded_at: Timestamp,
    pub term_list_version: u32,
    /// Every solicited term's answer, in term-list order.
    pub answers: Vec<TermAnswer>,
    pub questions: BTreeMap<String, Reply>,
}

impl Checklist {
    /// The terms answered present: each should become an adverse-event record.
    pub fn present(&self) -> Vec<&str> {
        self.with(Presence::Present)
    }

    /// The terms not asked (each with its reason): a checklist with these is incomplete, never
    /// clean.
    pub fn not_asked(&self) -> Vec<&str> {
        self.with(Presence::NotAsked)
    }

    fn with(&self, answer: Presence) -> Vec<&str> {
        self.answers.iter().filter(|a| a.answer == answer).map(|a| a.term.as_str()).collect()
    }
}

/// Checks a checklist for `point` against the term list's solicited terms.
pub fn checklist_from(
    input: &ChecklistInput,
    terms: &TermList,
    point: &CheckPoint,
) -> Result<Checklist, Vec<Violation>> {
    let mut v = Vec::new();
    for (f, val) in [
        ("session_id", &input.session_id),
        ("participant_id", &input.participant_id),
        ("clinician_id", &input.clinician_id),
    ] {
        if let Err(e) = required_text(f, val, 128) {
            v.push(e);
        }
    }
    let each_term = |what: &str| {
        Violation::new(
            "answers",
            "each_term",
            format!(
                "{what}: answer each of the {} solicited terms present, absent or not asked",
                terms.solicited().count()
            ),
        )
    };
    let mut by_term: BTreeMap<&str, &TermAnswer> = BTreeMap::new();
    match &input.answers {
        Answers::Blanket(word) => v.push(each_term(&format!("one answer ({word:?}) for the whole list is refused"))),
        Answers::Each(list) => {
            for (i, a) in list.iter().enumerate() {
                let at = |f: &str| format!("answers[{i}].{f}");
                match terms.get(&a.term) {
                    None if ["none", "all", "nil", "*"].contains(&a.term.trim().to_lowercase().as_str()) => {
                        v.push(each_term(&format!("{:?} is not a term", a.term)));
                    }
                    None => v.push(Violation::new(
                        at("term"),
                        "unknown_term",
                        format!("{:?} is not in the term list", a.term),
                    )),
                    Some(t) if !t.solicited => v.push(Violation::new(
                        at("term"),
                        "not_on_checklist",
                        format!("{} is not solicited; record it as an adverse event", t.label),
                    )),
                    Some(_) => {
                        if by_term.insert(a.term.as_str(), a).is_some() {
                            v.push(Violation::new(at("term"), "unique", format!("{:?} answered twice", a.term)));
                        }
                    }
                }
                match (a.answer, &a.reason) {
                    (Presence::NotAsked, None) => {
                        v.push(Violation::new(at("reason"), "required", format!("say why {:?} was not asked", a.term)))
                    }
                    (Presence::NotAsked, Some(r)) => {
                        if let Err(e) = meaningful_reason(&at("reason"), r, 500) {
                            v.push(e);
                        }
                    }
                    (_, Some(_)) => v.push(Violation::new(
                        at("reason"),
                        "only_for_not_asked",
                        "a reason is given only for a term not asked",
                    )),
                    _ => {}
                }
            }
            for t in terms.solicited() {
                if !by_term.contains_key(t.id.as_str()) {
                    v.push(Violation::new(
                        format!("answers.{}", t.id),
                        "required",
                        format!("{} was not answered", t.label),
                    ));
                }
            }
        }
    }
    for q in &point.questions {
        if !input.questions.contains_key(&q.id) {
            v.push(Violation::new(format!("questions.{}", q.id), "required", format!("ask: {}", q.text)));
        }
    }
    for k in input.questions.keys() {
        if !point.questions.iter().any(|q| &q.id == k) {
            v.push(Violation::new(
                format!("questions.{k}"),
                "unknown_question",
                format!("{} does not ask {k:?}", point.label),
            ));
        }
    }
    if !v.is_empty() {
        return Err(v);
    }
    let answers = terms
        .solicited()
        .filter_map(|t| by_term.get(t.id.as_str()))
        .map(|a| TermAnswer {
            reason: a.reason.as_deref().and_then(|r| meaningful_reason("reason", r, 500).ok()),
            ..(*a).clone()
        })
        .collect();
    Ok(Checklist {
        point: point.id.clone(),
        session_id: input.session_id.trim().to_string(),
        participant_id: input.participant_id.trim().to_string(),
        clinician_id: input.clinician_id.trim().to_string(),
        recorded_at: input.recorded_at,
        term_list_version: terms.version,
        answers,
        questions: input.questions.clone(),
    })
}

/// A dosing session's times.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionTimes {
    pub session_id: String,
    pub participant_id: String,
    pub started_at: Timestamp,
    pub ended_at: Option<Timestamp>,
}

/// A check that is due and was not recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Gap {
    pub session_id: String,
    pub participant_id: String,
    pub point: String,
    pub due_at: Timestamp,
}

/// Every check due by `now` with no checklist recorded for its session and point, by due time.
pub fn missing_checks(
    points: &CheckPoints,
    sessions: &[SessionTimes],
    recorded: &[Checklist],
    now: Timestamp,
) -> Vec<Gap> {
    let done: BTreeSet<(&str, &str)> = recorded.iter().map(|c| (c.session_id.as_str(), c.point.as_str())).collect();
    let mut out = Vec::new();
    for s in sessions {
        for p in &points.points {
            let anchor = match p.anchor {
                Anchor::SessionStart => Some(s.started_at),
                Anchor::SessionEnd => s.ended_at,
            };
            let Some(anchor) = anchor else { continue };
            let due_at = anchor.plus_seconds(i64::from(p.due_hours) * 3600);
            if due_at <= now && !done.contains(&(s.session_id.as_str(), p.id.as_str())) {
                out.push(Gap {
                    session_id: s.session_id.clone(),
                    participant_id: s.participant_id.clone(),
                    point: p.id.clone(),
                    due_at,
                });
            }
        }
    }
    out.sort_by(|a, b| (a.due_at, &a.session_id, &a.point).cmp(&(b.due_at, &b.session_id, &b.point)));
    out
}
