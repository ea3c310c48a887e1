//! Instrument definitions as versioned data.
//!
//! Each instrument is a JSON file under `src/definitions/`, embedded at compile time and
//! validated when loaded. Keeping the items, answer ranges, skip logic and scoring parameters in
//! data (rather than in code) means a programme's clinical governance can review them as a
//! document, and a new version can be added beside the old one: a response pins
//! `(instrument, version)` and is always scored by the definition it pins, so re-scoring old data
//! can never silently change its result.
//!
//! Item labels are short descriptions ("B1 intrusive memories"), never the published item
//! wording, which is copyrighted by the instruments' authors.

use std::collections::HashMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::response::{Answer, AnswerProblem};
use crate::scoring::ScoringRule;

/// The instruments Catalyst knows. The serialised names are the ids used in data files,
/// responses and the CLI.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InstrumentId {
    /// Clinician-Administered PTSD Scale for DSM-5, past-month version.
    Caps5,
    /// PTSD Checklist for DSM-5.
    Pcl5,
    /// Sheehan Disability Scale.
    Sds,
    /// Columbia-Suicide Severity Rating Scale, screener version.
    Cssrs,
    /// Patient Health Questionnaire-9.
    Phq9,
    /// Catalyst's daily behavioural check-in (seed 000, "What to track").
    DailyCheckin,
}

impl InstrumentId {
    /// The id as written in data files and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Caps5 => "caps5",
            Self::Pcl5 => "pcl5",
            Self::Sds => "sds",
            Self::Cssrs => "cssrs",
            Self::Phq9 => "phq9",
            Self::DailyCheckin => "daily_checkin",
        }
    }
}

impl fmt::Display for InstrumentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A published source for an instrument or one of its rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Citation {
    /// Full reference (authors, title, journal, year).
    pub reference: String,
    /// PubMed id, where the source is indexed there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pmid: Option<String>,
    /// What this source is cited for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// What answers an item accepts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AnswerSpec {
    /// An integer in `min..=max` (an ordinal rating or a count).
    Integer {
        /// Smallest allowed value.
        min: i64,
        /// Largest allowed value.
        max: i64,
        /// Whether "not applicable" is an allowed answer (SDS work/school).
        #[serde(default)]
        not_applicable: bool,
        /// Short anchor label for each value from `min` to `max` (empty for counts).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        anchors: Vec<String>,
    },
    /// Yes or no.
    YesNo,
    /// Free text of at most `max_chars` characters.
    Text {
        /// Maximum length in Unicode scalar values.
        max_chars: usize,
    },
}

impl AnswerSpec {
    /// The allowed values, as shown in error messages ("0-4", "0-10 or na", "yes or no").
    pub fn allowed(&self) -> String {
        match self {
            Self::Integer { min, max, not_applicable, .. } => {
                let na = if *not_applicable { " or na" } else { "" };
                format!("{min}-{max}{na}")
            }
            Self::YesNo => "yes or no".to_owned(),
            Self::Text { max_chars } => format!("text of at most {max_chars} characters"),
        }
    }

    /// Checks one given answer against this spec.
    fn check(&self, item: &str, answer: &Answer) -> Result<(), AnswerProblem> {
        let ok = match (self, answer) {
            (Self::Integer { min, max, .. }, Answer::Integer(v)) => (*min..=*max).contains(v),
            (Self::Integer { not_applicable: true, .. }, Answer::NotApplicable) => true,
            (Self::YesNo, Answer::Yes | Answer::No) => true,
            (Self::Text { max_chars }, Answer::Text(text)) => {
                let chars = text.chars().count();
                if chars > *max_chars {
                    return Err(AnswerProblem::TooLong { item: item.to_owned(), chars, max: *max_chars });
                }
                true
            }
            _ => false,
        };
        if ok {
            Ok(())
        } else {
            Err(AnswerProblem::NotAllowed { item: item.to_owned(), value: answer.to_string(), allowed: self.allowed() })
        }
    }
}

/// One item of an instrument.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ItemDefinition {
    /// Stable id; also the CSV column name in batch files.
    pub id: String,
    /// Short descriptive label (not the copyrighted item wording).
    pub label: String,
    /// Allowed answers.
    pub answer: AnswerSpec,
    /// Whether a score needs this item when it is asked. Optional items may be left out.
    #[serde(default = "default_required")]
    pub required: bool,
}

fn default_required() -> bool {
    true
}

/// A reference from a scoring or skip rule to an item, resolved to the item's position when
/// the definition is loaded so that scoring never looks items up by name.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(from = "String")]
pub struct ItemRef {
    id: String,
    index: usize,
}

impl From<String> for ItemRef {
    fn from(id: String) -> Self {
        Self { id, index: usize::MAX }
    }
}

impl Serialize for ItemRef {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.id)
    }
}

impl ItemRef {
    /// The referenced item's id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Position of the item in the definition (valid once the definition is loaded).
    pub(crate) fn index(&self) -> usize {
        self.index
    }
}

/// Skip logic: `items` are asked only when `asked_only_if_yes` was answered yes. When it was
/// answered no they are skipped and must be left unanswered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SkipRule {
    /// The gated items.
    pub items: Vec<ItemRef>,
    /// The yes/no item that gates them.
    pub asked_only_if_yes: ItemRef,
    /// Where the rule comes from.
    pub source: String,
}

/// A validated instrument definition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InstrumentDefinition {
    /// Which instrument.
    pub id: InstrumentId,
    /// Version of this definition (decimal digits, "1", "2", ...).
    pub version: String,
    /// Human-readable title.
    pub title: String,
    /// Primary publications for the instrument and its scoring rules.
    pub citations: Vec<Citation>,
    /// The period the answers refer to ("past month", "past week", ...).
    pub recall_period: String,
    /// Who answers (clinician-administered, self-report, ...).
    pub administration: String,
    /// The items, in administration order.
    pub items: Vec<ItemDefinition>,
    /// Skip logic; empty when every item is always asked.
    #[serde(default)]
    pub skip_logic: Vec<SkipRule>,
    /// Scoring rule and its parameters.
    pub scoring: ScoringRule,
    /// For each item, the item that gates it (derived from `skip_logic` on load).
    #[serde(skip)]
    gate_of: Vec<Option<usize>>,
}

/// Why an instrument definition could not be loaded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DefinitionError {
    /// The JSON text is not a definition at all.
    #[error("instrument definition {source_name}: invalid JSON: {message}")]
    Json {
        /// Which file or source.
        source_name: String,
        /// The parser's message (with line and column).
        message: String,
    },
    /// The JSON parsed but breaks a rule (unknown item reference, bad range, ...).
    #[error("instrument definition {id} version {version}: {message}")]
    Invalid {
        /// Instrument id.
        id: InstrumentId,
        /// Definition version.
        version: String,
        /// What is wrong.
        message: String,
    },
    /// Two definitions share an (id, version).
    #[error("instrument {id} version {version} is defined twice")]
    Duplicate {
        /// Instrument id.
        id: InstrumentId,
        /// Definition version.
        version: String,
    },
}

/// Resolves item references against a definition's items while the definition loads.
pub(crate) struct Resolver<'a> {
    items: &'a [ItemDefinition],
    by_id: HashMap<&'a str, usize>,
}

impl Resolver<'_> {
    /// Resolves `item`, failing with a message when the definition has no such item.
    pub(crate) fn resolve(&self, item: &mut ItemRef) -> Result<(), String> {
        match self.by_id.get(item.id.as_str()) {
            Some(&index) => {
                item.index = index;
                Ok(())
            }
            None => Err(format!("rule refers to unknown item {:?}", item.id)),
        }
    }

    /// Resolves `item` and checks the item it names satisfies `pred` (described by `what`),
    /// so that scoring can rely on the item's kind and range after validation.
    pub(crate) fn resolve_where(
        &self,
        item: &mut ItemRef,
        what: &str,
        pred: impl Fn(&ItemDefinition) -> bool,
    ) -> Result<(), String> {
        self.resolve(item)?;
        if pred(&self.items[item.index]) { Ok(()) } else { Err(format!("item {:?} must be {what}", item.id)) }
    }

    /// Resolves `item` and checks it is an integer item in exactly `min..=max` without "not
    /// applicable", required or optional as given.
    pub(crate) fn resolve_integer(&self, item: &mut ItemRef, min: i64, max: i64, required: bool) -> Result<(), String> {
        let what = format!("a{} integer item {min}-{max}", if required { " required" } else { "n optional" });
        self.resolve_where(item, &what, |def| {
            def.required == required
                && matches!(def.answer, AnswerSpec::Integer { min: lo, max: hi, not_applicable: false, .. } if lo == min && hi == max)
        })
    }
}

/// Whether an item is asked, given the answers so far.
enum Asked {
    Yes {
        gate: Option<usize>,
    },
    Skipped {
        gate: usize,
    },
    /// Its gate is unanswered or invalid, so we cannot tell.
    Unknown,
}

impl InstrumentDefinition {
    /// Parses and validates a definition. `source_name` names it in error messages.
    pub fn from_json(source_name: &str, json: &str) -> Result<Self, DefinitionError> {
        let mut def: Self = serde_json::from_str(json)
            .map_err(|e| DefinitionError::Json { source_name: source_name.to_owned(), message: e.to_string() })?;
        def.validate().map_err(|message| DefinitionError::Invalid {
            id: def.id,
            version: def.version.clone(),
            message,
        })?;
        Ok(def)
    }

    fn validate(&mut self) -> Result<(), String> {
        if self.version.is_empty() || !self.version.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!("version {:?} must be decimal digits such as \"1\"", self.version));
        }
        if self.title.trim().is_empty() || self.recall_period.trim().is_empty() {
            return Err("title and recall_period must not be empty".to_owned());
        }
        if self.citations.is_empty() {
            return Err("at least one citation is required".to_owned());
        }
        if self.items.is_empty() {
            return Err("an instrument needs at least one item".to_owned());
        }
        let mut by_id = HashMap::new();
        for (index, item) in self.items.iter().enumerate() {
            check_item(item)?;
            if by_id.insert(item.id.as_str(), index).is_some() {
                return Err(format!("item id {:?} is used twice", item.id));
            }
        }
        let resolver = Resolver { items: &self.items, by_id };
        let mut gate_of = vec![None; self.items.len()];
        for rule in &mut self.skip_logic {
            resolver.resolve_where(&mut rule.asked_only_if_yes, "a required yes/no item", |d| {
                d.required && d.answer == AnswerSpec::YesNo
            })?;
            let gate = rule.asked_only_if_yes.index;
            for item in &mut rule.items {
                resolver.resolve(item)?;
                // Gates must come first so one pass in item order sees every gate's state.
                if item.index <= gate {
                    return Err(format!(
                        "skip rule: gated item {:?} must come after its gate {:?}",
                        item.id, rule.asked_only_if_yes.id
                    ));
                }
                if gate_of[item.index].replace(gate).is_some() {
                    return Err(format!("item {:?} is gated by two skip rules", item.id));
                }
            }
        }
        self.scoring.resolve(self.id, &resolver)?;
        self.gate_of = gate_of;
        Ok(())
    }

    /// The item with this id.
    pub fn item(&self, id: &str) -> Option<&ItemDefinition> {
        self.items.iter().find(|item| item.id == id)
    }

    /// Lists every problem with `answers` (positional, one slot per item): answers outside the
    /// allowed values, required items missing where asked, and answers to items that the skip
    /// logic skips. An empty list means the answers are valid.
    pub(crate) fn check(&self, answers: &[Option<Answer>], problems: &mut Vec<AnswerProblem>) {
        for (index, item) in self.items.iter().enumerate() {
            let answer = answers.get(index).and_then(Option::as_ref);
            match (self.asked(answers, index), answer) {
                (Asked::Skipped { gate }, Some(_)) => {
                    problems.push(AnswerProblem::AnsweredButSkipped {
                        item: item.id.clone(),
                        gate: self.items[gate].id.clone(),
                    });
                }
                (Asked::Yes { gate }, None) if item.required => {
                    problems.push(AnswerProblem::Missing {
                        item: item.id.clone(),
                        asked_because_yes: gate.map(|g| self.items[g].id.clone()),
                        allowed: item.answer.allowed(),
                    });
                }
                (Asked::Yes { .. } | Asked::Unknown, Some(answer)) => {
                    if let Err(problem) = item.answer.check(&item.id, answer) {
                        problems.push(problem);
                    }
                }
                _ => {}
            }
        }
    }

    fn asked(&self, answers: &[Option<Answer>], index: usize) -> Asked {
        let Some(gate) = self.gate_of.get(index).copied().flatten() else {
            return Asked::Yes { gate: None };
        };
        match self.asked(answers, gate) {
            Asked::Yes { .. } => match answers.get(gate).and_then(Option::as_ref) {
                Some(Answer::Yes) => Asked::Yes { gate: Some(gate) },
                Some(Answer::No) => Asked::Skipped { gate },
                _ => Asked::Unknown,
            },
            Asked::Skipped { gate } => Asked::Skipped { gate },
            Asked::Unknown => Asked::Unknown,
        }
    }

    /// Converts a response's named answers to positional form, reporting names that are not
    /// items of this definition.
    pub(crate) fn positional(
        &self,
        answers: &std::collections::BTreeMap<String, Answer>,
        problems: &mut Vec<AnswerProblem>,
    ) -> Vec<Option<Answer>> {
        let mut out = vec![None; self.items.len()];
        for (name, answer) in answers {
            match self.items.iter().position(|item| &item.id == name) {
                Some(index) => out[index] = Some(answer.clone()),
                None => problems.push(AnswerProblem::UnknownItem { item: name.clone() }),
            }
        }
        out
    }
}

fn check_item(item: &ItemDefinition) -> Result<(), String> {
    if item.id.is_empty() || !item.id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        return Err(format!("item id {:?} must be ASCII letters, digits or _", item.id));
    }
    // Labels are short descriptions, never the copyrighted item wording.
    if item.label.trim().is_empty() || item.label.chars().count() > 80 {
        return Err(format!(
            "item {:?}: label must be 1-80 characters (a short description, not item wording)",
            item.id
        ));
    }
    match &item.answer {
        AnswerSpec::Integer { min, max, anchors, .. } => {
            if min > max {
                return Err(format!("item {:?}: min {min} > max {max}", item.id));
            }
            let span = max.abs_diff(*min).saturating_add(1);
            if !anchors.is_empty() && u64::try_from(anchors.len()).ok() != Some(span) {
                return Err(format!("item {:?}: {} anchors for {span} values", item.id, anchors.len()));
            }
        }
        AnswerSpec::YesNo => {}
        AnswerSpec::Text { max_chars } => {
            if *max_chars == 0 {
                return Err(format!("item {:?}: max_chars must be positive", item.id));
            }
        }
    }
    Ok(())
}

/// The embedded definition files, each with the name used in error messages.
const BUILTIN: [(&str, &str); 6] = [
    ("caps5.v1.json", include_str!("definitions/caps5.v1.json")),
    ("pcl5.v1.json", include_str!("definitions/pcl5.v1.json")),
    ("sds.v1.json", include_str!("definitions/sds.v1.json")),
    ("cssrs.v1.json", include_str!("definitions/cssrs.v1.json")),
    ("phq9.v1.json", include_str!("definitions/phq9.v1.json")),
    ("daily_checkin.v1.json", include_str!("definitions/daily_checkin.v1.json")),
];

/// A registry of instrument definitions, looked up by `(id, version)`.
#[derive(Debug, Clone, Default)]
pub struct Instruments {
    definitions: Vec<InstrumentDefinition>,
}

impl Instruments {
    /// An empty registry (for programmes that load their own definitions).
    pub fn new() -> Self {
        Self::default()
    }

    /// The definitions shipped with Catalyst. Fails only if an embedded file is invalid,
    /// which the crate's tests rule out; callers still get a clear error rather than a panic.
    pub fn builtin() -> Result<Self, DefinitionError> {
        let mut registry = Self::new();
        for (name, json) in BUILTIN {
            registry.insert(InstrumentDefinition::from_json(name, json)?)?;
        }
        Ok(registry)
    }

    /// Adds a definition. An existing `(id, version)` is never replaced: changing how a
    /// version scores would change the results of responses already given under it.
    pub fn insert(&mut self, definition: InstrumentDefinition) -> Result<(), DefinitionError> {
        if self.get(definition.id, &definition.version).is_some() {
            return Err(DefinitionError::Duplicate { id: definition.id, version: definition.version });
        }
        self.definitions.push(definition);
        Ok(())
    }

    /// The definition of `id` at `version`.
    pub fn get(&self, id: InstrumentId, version: &str) -> Option<&InstrumentDefinition> {
        self.definitions.iter().find(|d| d.id == id && d.version == version)
    }

    /// The highest version of `id` (versions compare as numbers).
    pub fn latest(&self, id: InstrumentId) -> Option<&InstrumentDefinition> {
        self.definitions.iter().filter(|d| d.id == id).max_by(|a, b| compare_versions(&a.version, &b.version))
    }

    /// All definitions, in insertion order.
    pub fn iter(&self) -> impl Iterator<Item = &InstrumentDefinition> {
        self.definitions.iter()
    }
}

/// Compares two digit-only version strings numerically without overflow.
fn compare_versions(a: &str, b: &str) -> std::cmp::Ordering {
    let a = a.trim_start_matches('0');
    let b = b.trim_start_matches('0');
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_definitions_load() {
        let registry = Instruments::builtin().unwrap();
        for id in [
            InstrumentId::Caps5,
            InstrumentId::Pcl5,
            InstrumentId::Sds,
            InstrumentId::Cssrs,
            InstrumentId::Phq9,
            InstrumentId::DailyCheckin,
        ] {
            let def = registry.get(id, "1").unwrap();
            assert_eq!(def.id, id);
            assert!(!def.citations.is_empty());
            assert_eq!(registry.latest(id).unwrap().version, "1");
        }
        assert!(registry.get(InstrumentId::Caps5, "2").is_none());
    }

    #[test]
    fn caps5_has_the_past_month_items() {
        let registry = Instruments::builtin().unwrap();
        let def = registry.get(InstrumentId::Caps5, "1").unwrap();
        let ids: Vec<&str> = def.items.iter().map(|i| i.id.as_str()).collect();
        let mut expected = vec!["criterion_a".to_owned()];
        expected.extend((1..=20).map(|n| format!("item{n}")));
        expected.extend(["item22", "item23", "item24", "item25", "item29", "item30"].map(String::from));
        assert_eq!(ids, expected);
    }

    #[test]
    fn duplicate_version_is_rejected() {
        let mut registry = Instruments::builtin().unwrap();
        let again = registry.get(InstrumentId::Phq9, "1").unwrap().clone();
        assert_eq!(
            registry.insert(again),
            Err(DefinitionError::Duplicate { id: InstrumentId::Phq9, version: "1".to_owned() })
        );
    }

    #[test]
    fn versions_compare_numerically() {
        assert_eq!(compare_versions("10", "9"), std::cmp::Ordering::Greater);
        assert_eq!(compare_versions("2", "2"), std::cmp::Ordering::Equal);
    }

    fn phq9_json() -> String {
        include_str!("definitions/phq9.v1.json").to_owned()
    }

    #[test]
    fn invalid_json_names_the_source() {
        let err = InstrumentDefinition::from_json("broken.json", "{").unwrap_err();
        assert!(matches!(err, DefinitionError::Json { ref source_name, .. } if source_name == "broken.json"));
    }

    #[test]
    fn unknown_item_in_rule_is_rejected() {
        let json = phq9_json().replace("\"flag_item\": \"item9\"", "\"flag_item\": \"item99\"");
        let err = InstrumentDefinition::from_json("x", &json).unwrap_err();
        assert!(err.to_string().contains("item99"), "{err}");
    }

    #[test]
    fn bad_version_is_rejected() {
        let json = phq9_json().replace("\"version\": \"1\"", "\"version\": \"v1\"");
        let err = InstrumentDefinition::from_json("x", &json).unwrap_err();
        assert!(err.to_string().contains("decimal digits"), "{err}");
    }

    #[test]
    fn inverted_range_is_rejected() {
        let json = phq9_json().replacen("\"min\": 0, \"max\": 3", "\"min\": 3, \"max\": 0", 1);
        let err = InstrumentDefinition::from_json("x", &json).unwrap_err();
        assert!(err.to_string().contains("min 3 > max 0"), "{err}");
    }

    #[test]
    fn long_label_is_rejected() {
        let long = "x".repeat(81);
        let json = phq9_json().replacen("\"1 little interest or pleasure\"", &format!("\"{long}\""), 1);
        let err = InstrumentDefinition::from_json("x", &json).unwrap_err();
        assert!(err.to_string().contains("1-80 characters"), "{err}");
    }
}
