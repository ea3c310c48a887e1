//! The adverse-event term list (`data/terms.json`): Catalyst's own coded list, versioned, every
//! term with its source. Terms with CTCAE v5 criteria in the references carry their grades and
//! the facts (intervention, duration) each grade needs; other terms have no grade.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::error::{DataError, Violation, check_source, load, valid_id};

/// The built-in term list as JSON.
pub const BUILTIN_JSON: &str = include_str!("data/terms.json");

/// The term id for an event not on the list; its name is then given in `other_term`.
pub const OTHER: &str = "other";

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// The expected effects of MDMA (clinical.md section 3).
    ExpectedEffect,
    /// Abuse-related effects, pleasant ones included (clinical.md sections 6 and 9).
    AbuseRelated,
    Cardiovascular,
    Thermoregulatory,
    Suicidality,
    Other,
}

impl Category {
    pub fn as_str(self) -> &'static str {
        match self {
            Category::ExpectedEffect => "expected_effect",
            Category::AbuseRelated => "abuse_related",
            Category::Cardiovascular => "cardiovascular",
            Category::Thermoregulatory => "thermoregulatory",
            Category::Suicidality => "suicidality",
            Category::Other => "other",
        }
    }
}

/// A fact a grade cannot be given without.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GradeFact {
    /// The intervention indicated.
    Intervention,
    /// How long the event lasted, in whole hours.
    DurationHours,
}

/// The intervention indicated for the event, as CTCAE grades it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Intervention {
    None,
    NonUrgent,
    Urgent,
    OneDrug,
    MoreThanOneDrug,
}

impl Intervention {
    pub fn as_str(self) -> &'static str {
        match self {
            Intervention::None => "none",
            Intervention::NonUrgent => "non_urgent",
            Intervention::Urgent => "urgent",
            Intervention::OneDrug => "one_drug",
            Intervention::MoreThanOneDrug => "more_than_one_drug",
        }
    }
}

/// One CTCAE grade of a term.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GradeDef {
    /// 1 to 5.
    pub grade: u8,
    pub criteria: String,
    /// Facts the grader must record for this grade.
    #[serde(default)]
    pub requires: Vec<GradeFact>,
    /// The interventions this grade allows, where the criteria restrict them.
    #[serde(default)]
    pub interventions: Option<Vec<Intervention>>,
    #[serde(default)]
    pub duration_hours_at_most: Option<u32>,
    #[serde(default)]
    pub duration_hours_over: Option<u32>,
    /// Where the grade's facts come from.
    pub facts_source: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Grading {
    /// `CTCAE v5`.
    pub system: String,
    pub source: String,
    pub grades: Vec<GradeDef>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Term {
    pub id: String,
    pub label: String,
    pub category: Category,
    /// Asked about, one by one, on every solicited checklist.
    pub solicited: bool,
    /// An adverse event of special interest.
    pub special_interest: bool,
    pub source: String,
    /// CTCAE grades, when the references give criteria for the term.
    #[serde(default)]
    pub grading: Option<Grading>,
}

impl Term {
    pub fn grade(&self, grade: u8) -> Option<&GradeDef> {
        self.grading.as_ref().and_then(|g| g.grades.iter().find(|d| d.grade == grade))
    }

    /// The grades the term has, in order (empty when it has none).
    pub fn grades(&self) -> Vec<u8> {
        self.grading.as_ref().map(|g| g.grades.iter().map(|d| d.grade).collect()).unwrap_or_default()
    }
}

/// The versioned term list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TermList {
    pub id: String,
    /// A changed term, grade or source is a new version.
    pub version: u32,
    pub title: String,
    pub citations: Vec<String>,
    pub terms: Vec<Term>,
}

impl TermList {
    pub fn builtin() -> Result<Self, DataError> {
        Self::from_json(BUILTIN_JSON)
    }

    pub fn from_json(text: &str) -> Result<Self, DataError> {
        load("terms.json", text, Self::check)
    }

    pub fn get(&self, id: &str) -> Option<&Term> {
        self.terms.iter().find(|t| t.id == id)
    }

    /// The solicited terms, in list order.
    pub fn solicited(&self) -> impl Iterator<Item = &Term> {
        self.terms.iter().filter(|t| t.solicited)
    }

    /// Every problem at once, by path.
    pub fn check(&self) -> Vec<Violation> {
        let mut v = Vec::new();
        if self.version == 0 {
            v.push(Violation::new("version", "range", "version must be 1 or more"));
        }
        let mut ids = BTreeSet::new();
        for (i, t) in self.terms.iter().enumerate() {
            let at = |f: &str| format!("terms[{i}].{f}");
            if !valid_id(&t.id) || t.id == OTHER {
                v.push(Violation::new(
                    at("id"),
                    "format",
                    format!("{:?} must be 1-64 lower-case letters, digits or '_', and not {OTHER:?}", t.id),
                ));
            } else if !ids.insert(t.id.as_str()) {
                v.push(Violation::new(at("id"), "unique", format!("term {:?} listed twice", t.id)));
            }
            if t.label.trim().is_empty() {
                v.push(Violation::required(&at("label")));
            }
            check_source(&mut v, &at("source"), &t.source);
            let Some(g) = &t.grading else { continue };
            check_source(&mut v, &at("grading.source"), &g.source);
            if g.grades.is_empty() {
                v.push(Violation::new(at("grading.grades"), "required", "a grading must list its grades"));
            }
            let mut seen = BTreeSet::new();
            for (k, d) in g.grades.iter().enumerate() {
                let gat = |f: &str| at(&format!("grading.grades[{k}].{f}"));
                if !(1..=5).contains(&d.grade) {
                    v.push(Violation::new(gat("grade"), "range", format!("CTCAE grades are 1 to 5; got {}", d.grade)));
                } else if !seen.insert(d.grade) {
                    v.push(Violation::new(gat("grade"), "unique", format!("grade {} listed twice", d.grade)));
                }
                check_source(&mut v, &gat("facts_source"), &d.facts_source);
                if d.interventions.as_ref().is_some_and(Vec::is_empty) {
                    v.push(Violation::new(
                        gat("interventions"),
                        "required",
                        "list at least one intervention or leave it out",
                    ));
                }
                let needs = |f: GradeFact| d.requires.contains(&f);
                if d.interventions.is_some() && !needs(GradeFact::Intervention) {
                    v.push(Violation::new(
                        gat("requires"),
                        "consistent",
                        "a grade that restricts interventions must require the intervention",
                    ));
                }
                if (d.duration_hours_at_most.is_some() || d.duration_hours_over.is_some())
                    && !needs(GradeFact::DurationHours)
                {
                    v.push(Violation::new(
                        gat("requires"),
                        "consistent",
                        "a grade with a duration bound must require duration_hours",
                    ));
                }
            }
        }
        v
    }
}
