//! Reference safety information (`data/reference_safety.json`): the investigator's brochure's
//! expected terms, one entry per version with its effective date. The sponsor's expectedness
//! call names the version it was made against.

use std::collections::BTreeSet;

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::error::{DataError, Violation, check_source, load};
use crate::terms::TermList;

pub const BUILTIN_JSON: &str = include_str!("data/reference_safety.json");

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RsiVersion {
    pub version: u32,
    /// The brochure (or label) and its edition.
    pub document: String,
    /// The first date (sponsor's calendar) an assessment may use it.
    pub effective_from: Date,
    pub source: String,
    /// Term ids (from the term list) that this version lists as expected.
    pub expected_terms: Vec<String>,
}

impl RsiVersion {
    pub fn lists(&self, term_id: &str) -> bool {
        self.expected_terms.iter().any(|t| t == term_id)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReferenceSafety {
    pub id: String,
    pub title: String,
    pub source: String,
    pub versions: Vec<RsiVersion>,
}

impl ReferenceSafety {
    pub fn builtin(terms: &TermList) -> Result<Self, DataError> {
        Self::from_json(BUILTIN_JSON, terms)
    }

    /// Parses and checks against the term list it refers to.
    pub fn from_json(text: &str, terms: &TermList) -> Result<Self, DataError> {
        load("reference_safety.json", text, |r: &Self| r.check(terms))
    }

    pub fn version(&self, version: u32) -> Option<&RsiVersion> {
        self.versions.iter().find(|v| v.version == version)
    }

    /// The version in effect on `date`: the latest whose effective date is not after it.
    pub fn in_effect(&self, date: Date) -> Option<&RsiVersion> {
        self.versions.iter().filter(|v| v.effective_from <= date).max_by_key(|v| (v.effective_from, v.version))
    }

    pub fn check(&self, terms: &TermList) -> Vec<Violation> {
        let mut v = Vec::new();
        check_source(&mut v, "source", &self.source);
        if self.versions.is_empty() {
            v.push(Violation::new("versions", "required", "at least one version"));
        }
        let mut numbers = BTreeSet::new();
        let mut last: Option<(u32, Date)> = None;
        for (i, r) in self.versions.iter().enumerate() {
            let at = |f: &str| format!("versions[{i}].{f}");
            if r.version == 0 || !numbers.insert(r.version) {
                v.push(Violation::new(at("version"), "unique", "versions are 1 or more, each once"));
            }
            if let Some((n, d)) = last
                && (r.version <= n || r.effective_from < d)
            {
                v.push(Violation::new(
                    at("version"),
                    "order",
                    "versions are listed in increasing order, each effective no earlier than the one before",
                ));
            }
            last = Some((r.version, r.effective_from));
            check_source(&mut v, &at("source"), &r.source);
            if r.document.trim().is_empty() {
                v.push(Violation::required(&at("document")));
            }
            let mut seen = BTreeSet::new();
            for (k, t) in r.expected_terms.iter().enumerate() {
                if terms.get(t).is_none() {
                    v.push(Violation::new(
                        format!("versions[{i}].expected_terms[{k}]"),
                        "unknown_term",
                        format!("{t:?} is not in term list {} version {}", terms.id, terms.version),
                    ));
                } else if !seen.insert(t) {
                    v.push(Violation::new(
                        format!("versions[{i}].expected_terms[{k}]"),
                        "unique",
                        format!("{t:?} twice"),
                    ));
                }
            }
        }
        v
    }
}
