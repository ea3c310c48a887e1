//! The drug catalogue: names, synonyms, class, half-life and interaction flags, as data.
//!
//! Why data and not code: the list of drugs, their half-lives and flags are clinical facts that
//! governance must be able to review and correct without a code change, and each entry carries
//! its sources. The built-in catalogue is `data/drugs.json`.
//!
//! Name matching is deliberately strict: a name is resolved by its canonical name or a listed
//! synonym, compared after lower-casing and dropping everything but letters and digits. An
//! unknown name is never ignored: validation rejects it and lists close matches.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::record::Dose;

/// Drug classes used by the medication rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DrugClass {
    Ssri,
    Snri,
    Maoi,
    Tca,
    AtypicalAntidepressant,
    Benzodiazepine,
    Stimulant,
    Antipsychotic,
    AlphaBlocker,
    MoodStabiliser,
    Other,
}

/// Interaction flags a medication rule can select on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DrugFlag {
    Serotonergic,
    StrongCyp2d6Inhibitor,
    MaoInhibitor,
}

/// One catalogue entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Drug {
    /// Canonical (generic) name; this is the name used in outputs and rule parameters.
    pub name: String,
    /// Brand names and other synonyms.
    pub synonyms: Vec<String>,
    pub class: DrugClass,
    /// Elimination half-life used for washout arithmetic, in hours. For drugs with long-lived
    /// active metabolites this is the metabolite's (see `half_life_basis`).
    pub half_life_hours: f64,
    /// What the half-life refers to (parent drug or named metabolite).
    pub half_life_basis: String,
    pub serotonergic: bool,
    pub strong_cyp2d6_inhibitor: bool,
    pub mao_inhibitor: bool,
    /// Labelled therapeutic range in mg/day, where a rule needs it.
    pub therapeutic_range_mg_per_day: Option<[f64; 2]>,
    /// Dose units accepted for this drug (keys of the catalogue's unit table).
    pub units: Vec<String>,
    /// Sources for the entry.
    pub sources: Vec<String>,
}

impl Drug {
    /// Whether the drug carries the flag.
    pub fn has_flag(&self, flag: DrugFlag) -> bool {
        match flag {
            DrugFlag::Serotonergic => self.serotonergic,
            DrugFlag::StrongCyp2d6Inhibitor => self.strong_cyp2d6_inhibitor,
            DrugFlag::MaoInhibitor => self.mao_inhibitor,
        }
    }
}

/// The catalogue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DrugCatalogue {
    pub id: String,
    pub version: String,
    pub title: String,
    pub citations: Vec<String>,
    /// Unit name → factor to milligrams.
    pub units: BTreeMap<String, f64>,
    pub drugs: Vec<Drug>,
}

/// A problem in a catalogue file.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CatalogueError {
    #[error("drug catalogue is not valid JSON for its format: {0}")]
    Parse(String),
    #[error("drug catalogue: {0}")]
    Invalid(String),
}

/// Why a dose could not be converted to mg/day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DoseProblem {
    MissingAmount,
    MissingUnit,
    UnknownUnit { unit: String, accepted: Vec<String> },
}

/// Lower-case, letters and digits only: "St John's Wort" → "stjohnswort".
pub fn normalise_name(name: &str) -> String {
    name.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect()
}

impl DrugCatalogue {
    /// The built-in catalogue (`data/drugs.json`).
    pub fn builtin() -> Result<Self, CatalogueError> {
        Self::from_json(include_str!("data/drugs.json"))
    }

    /// Parse and check a catalogue: unique names and synonyms, known units, positive half-lives.
    pub fn from_json(text: &str) -> Result<Self, CatalogueError> {
        let cat: Self = serde_json::from_str(text).map_err(|e| CatalogueError::Parse(e.to_string()))?;
        cat.check()?;
        Ok(cat)
    }

    fn check(&self) -> Result<(), CatalogueError> {
        let mut seen = BTreeSet::new();
        for (unit, factor) in &self.units {
            if !(factor.is_finite() && *factor > 0.0) {
                return Err(CatalogueError::Invalid(format!("unit {unit:?} has factor {factor}")));
            }
        }
        for d in &self.drugs {
            for n in std::iter::once(&d.name).chain(&d.synonyms) {
                if !seen.insert(normalise_name(n)) {
                    return Err(CatalogueError::Invalid(format!("name {n:?} is listed twice")));
                }
            }
            if !(d.half_life_hours.is_finite() && d.half_life_hours > 0.0) {
                return Err(CatalogueError::Invalid(format!("{}: half-life must be > 0", d.name)));
            }
            if d.units.is_empty() {
                return Err(CatalogueError::Invalid(format!("{}: no units accepted", d.name)));
            }
            for u in &d.units {
                if !self.units.contains_key(u) {
                    return Err(CatalogueError::Invalid(format!("{}: unit {u:?} not in the unit table", d.name)));
                }
            }
            if let Some([lo, hi]) = d.therapeutic_range_mg_per_day
                && !(lo > 0.0 && hi >= lo)
            {
                return Err(CatalogueError::Invalid(format!("{}: bad therapeutic range", d.name)));
            }
        }
        Ok(())
    }

    /// Resolve a name or synonym to its entry.
    pub fn resolve(&self, name: &str) -> Option<&Drug> {
        let key = normalise_name(name);
        if key.is_empty() {
            return None;
        }
        self.drugs
            .iter()
            .find(|d| normalise_name(&d.name) == key || d.synonyms.iter().any(|s| normalise_name(s) == key))
    }

    /// Canonical names close to an unknown name (edit distance, or one contains the other),
    /// best first, at most five.
    pub fn suggest(&self, name: &str) -> Vec<String> {
        let key = normalise_name(name);
        let mut scored: Vec<(usize, String)> = Vec::new();
        for d in &self.drugs {
            let best = std::iter::once(&d.name)
                .chain(&d.synonyms)
                .map(|n| {
                    let cand = normalise_name(n);
                    let dist = levenshtein(&key, &cand);
                    let contains = key.len() >= 4 && (cand.contains(&key) || key.contains(&cand));
                    if contains { dist.min(1) } else { dist }
                })
                .min()
                .unwrap_or(usize::MAX);
            let limit = (key.chars().count() / 3).clamp(2, 4);
            if best <= limit {
                scored.push((best, d.name.clone()));
            }
        }
        scored.sort();
        scored.into_iter().take(5).map(|(_, n)| n).collect()
    }

    /// Convert a daily dose to mg/day for this drug.
    pub fn dose_mg(&self, drug: &Drug, dose: &Dose) -> Result<f64, DoseProblem> {
        let amount = dose.amount.ok_or(DoseProblem::MissingAmount)?;
        let unit = match dose.unit.as_deref().map(str::trim) {
            None | Some("") => return Err(DoseProblem::MissingUnit),
            Some(u) => u,
        };
        let accepted = || drug.units.clone();
        let matched = drug.units.iter().find(|u| u.eq_ignore_ascii_case(unit) || (unit == "ug" && *u == "mcg"));
        let Some(u) = matched else {
            return Err(DoseProblem::UnknownUnit { unit: unit.to_string(), accepted: accepted() });
        };
        let factor = self
            .units
            .get(u)
            .copied()
            .ok_or_else(|| DoseProblem::UnknownUnit { unit: unit.to_string(), accepted: accepted() })?;
        Ok(amount * factor)
    }
}

/// Edit distance between two strings (by chars).
fn levenshtein(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cat() -> DrugCatalogue {
        DrugCatalogue::builtin().unwrap()
    }

    #[test]
    fn builtin_catalogue_loads_and_has_the_required_drugs() {
        let c = cat();
        for n in [
            "sertraline",
            "paroxetine",
            "fluoxetine",
            "citalopram",
            "escitalopram",
            "fluvoxamine",
            "venlafaxine",
            "desvenlafaxine",
            "duloxetine",
            "mirtazapine",
            "bupropion",
            "trazodone",
            "amitriptyline",
            "nortriptyline",
            "clomipramine",
            "phenelzine",
            "tranylcypromine",
            "moclobemide",
            "selegiline",
            "linezolid",
            "lithium",
            "quetiapine",
            "aripiprazole",
            "risperidone",
            "olanzapine",
            "prazosin",
            "clonazepam",
            "lorazepam",
            "diazepam",
            "alprazolam",
            "methylphenidate",
            "amphetamine",
            "dexamfetamine",
            "lisdexamfetamine",
            "modafinil",
            "quinidine",
        ] {
            assert!(c.resolve(n).is_some(), "{n}");
        }
    }

    #[test]
    fn strong_cyp2d6_inhibitors_match_clinical_md() {
        let c = cat();
        let mut got: Vec<&str> =
            c.drugs.iter().filter(|d| d.strong_cyp2d6_inhibitor).map(|d| d.name.as_str()).collect();
        got.sort_unstable();
        assert_eq!(got, ["bupropion", "fluoxetine", "paroxetine", "quinidine"]);
    }

    #[test]
    fn labelled_ranges_match_clinical_md() {
        let c = cat();
        let r = |n: &str| c.resolve(n).unwrap().therapeutic_range_mg_per_day;
        assert_eq!(r("sertraline"), Some([50.0, 200.0]));
        assert_eq!(r("paroxetine"), Some([20.0, 50.0]));
        assert_eq!(r("venlafaxine"), Some([37.5, 300.0]));
        assert_eq!(r("prazosin"), Some([3.0, 10.0]));
    }

    #[test]
    fn synonyms_and_case_resolve() {
        let c = cat();
        assert_eq!(c.resolve("Zoloft").unwrap().name, "sertraline");
        assert_eq!(c.resolve("  PROZAC ").unwrap().name, "fluoxetine");
        assert_eq!(c.resolve("St. John's Wort").unwrap().name, "st johns wort");
        assert!(c.resolve("").is_none());
        assert!(c.resolve("sertralinex").is_none());
    }

    #[test]
    fn suggestions_for_misspellings() {
        let c = cat();
        assert_eq!(c.suggest("setraline").first().map(String::as_str), Some("sertraline"));
        assert_eq!(c.suggest("paroxitine").first().map(String::as_str), Some("paroxetine"));
        assert!(c.suggest("zzzzzzzzzzzz").is_empty());
    }

    #[test]
    fn dose_conversion_and_units() {
        let c = cat();
        let clon = c.resolve("clonazepam").unwrap();
        let d = |a: Option<f64>, u: Option<&str>| Dose { amount: a, unit: u.map(String::from) };
        assert_eq!(c.dose_mg(clon, &d(Some(500.0), Some("mcg"))), Ok(0.5));
        assert_eq!(c.dose_mg(clon, &d(Some(1.0), Some("MG"))), Ok(1.0));
        assert_eq!(c.dose_mg(clon, &d(Some(1.0), None)), Err(DoseProblem::MissingUnit));
        assert_eq!(c.dose_mg(clon, &d(None, Some("mg"))), Err(DoseProblem::MissingAmount));
        let sert = c.resolve("sertraline").unwrap();
        assert!(matches!(c.dose_mg(sert, &d(Some(1.0), Some("tablets"))), Err(DoseProblem::UnknownUnit { .. })));
    }

    #[test]
    fn duplicate_names_are_rejected() {
        let mut c = cat();
        c.drugs[1].synonyms.push("Zoloft".into());
        assert!(c.check().is_err());
    }
}
