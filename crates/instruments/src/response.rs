//! Responses: the answers given to one administration of one instrument version.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::definition::InstrumentId;

/// One answer. The serialised forms are explicit (`{"integer": 3}`, `"yes"`, `"no"`,
/// `"not_applicable"`, `{"text": "..."}`) so that "na" typed as free text can never be
/// mistaken for "not applicable".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Answer {
    /// A rating or a count.
    Integer(i64),
    /// Yes.
    Yes,
    /// No.
    No,
    /// The item does not apply (SDS work/school when not working or studying for reasons
    /// unrelated to symptoms).
    NotApplicable,
    /// Free text.
    Text(String),
}

impl fmt::Display for Answer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Integer(v) => write!(f, "{v}"),
            Self::Yes => f.write_str("yes"),
            Self::No => f.write_str("no"),
            Self::NotApplicable => f.write_str("na"),
            Self::Text(text) => write!(f, "{text:?}"),
        }
    }
}

/// A response pins the instrument and the definition version it was given under; it is always
/// scored by that version, whatever versions are added later.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Response {
    /// Which instrument.
    pub instrument: InstrumentId,
    /// Which version of its definition.
    pub version: String,
    /// Answers by item id. Unanswered (or skipped) items are absent.
    pub answers: BTreeMap<String, Answer>,
}

impl Response {
    /// An empty response to `instrument` at `version`.
    pub fn new(instrument: InstrumentId, version: impl Into<String>) -> Self {
        Self { instrument, version: version.into(), answers: BTreeMap::new() }
    }

    /// Sets the answer to `item` (builder style, convenient for tests and imports).
    #[must_use]
    pub fn with(mut self, item: impl Into<String>, answer: Answer) -> Self {
        self.answers.insert(item.into(), answer);
        self
    }
}

/// Something wrong with one answer. Every problem names the item; scores are "not computable"
/// with the full list rather than computed from partial or invalid data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "problem", rename_all = "snake_case")]
pub enum AnswerProblem {
    /// A required item that was asked has no answer.
    Missing {
        /// Item id.
        item: String,
        /// The gate item whose "yes" made this item required, if any.
        asked_because_yes: Option<String>,
        /// Allowed values.
        allowed: String,
    },
    /// The answer is not one of the allowed values (out of range, wrong kind).
    NotAllowed {
        /// Item id.
        item: String,
        /// The answer given.
        value: String,
        /// Allowed values.
        allowed: String,
    },
    /// A free-text answer is too long.
    TooLong {
        /// Item id.
        item: String,
        /// Its length in characters.
        chars: usize,
        /// Maximum length.
        max: usize,
    },
    /// The skip logic skips this item (its gate was answered no) but it has an answer.
    AnsweredButSkipped {
        /// Item id.
        item: String,
        /// The gate item answered no.
        gate: String,
    },
    /// Two items are assessed together and only one was answered (CAPS-5 items 29-30).
    IncompletePair {
        /// The missing item.
        item: String,
        /// The answered item.
        answered: String,
    },
    /// The response names an item the instrument version does not have.
    UnknownItem {
        /// The name given.
        item: String,
    },
}

impl AnswerProblem {
    /// The item the problem is about.
    pub fn item(&self) -> &str {
        match self {
            Self::Missing { item, .. }
            | Self::NotAllowed { item, .. }
            | Self::TooLong { item, .. }
            | Self::AnsweredButSkipped { item, .. }
            | Self::IncompletePair { item, .. }
            | Self::UnknownItem { item } => item,
        }
    }

    /// The rule broken, without the item name ("required; allowed: 0-4").
    pub fn rule(&self) -> String {
        match self {
            Self::Missing { asked_because_yes: None, allowed, .. } => format!("missing; required, allowed: {allowed}"),
            Self::Missing { asked_because_yes: Some(gate), allowed, .. } => {
                format!("missing; required because {gate} is yes (skip logic), allowed: {allowed}")
            }
            Self::NotAllowed { allowed, .. } => format!("allowed: {allowed}"),
            Self::TooLong { chars, max, .. } => {
                format!("text of {chars} characters is longer than the maximum {max}")
            }
            Self::AnsweredButSkipped { gate, .. } => {
                format!("must be blank: skip logic skips it because {gate} is no")
            }
            Self::IncompletePair { answered, .. } => {
                format!("missing; required because {answered} is answered (assessed as a pair)")
            }
            Self::UnknownItem { .. } => "not an item of this instrument version".to_owned(),
        }
    }
}

impl fmt::Display for AnswerProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotAllowed { item, value, .. } => {
                write!(f, "{item}: value {value}: {}", self.rule())
            }
            _ => write!(f, "{}: {}", self.item(), self.rule()),
        }
    }
}

impl std::error::Error for AnswerProblem {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_serialise_explicitly() {
        let response = Response::new(InstrumentId::Sds, "1")
            .with("work", Answer::NotApplicable)
            .with("social", Answer::Integer(4));
        let json = serde_json::to_string(&response).unwrap();
        assert_eq!(
            json,
            r#"{"instrument":"sds","version":"1","answers":{"social":{"integer":4},"work":"not_applicable"}}"#
        );
        let back: Response = serde_json::from_str(&json).unwrap();
        assert_eq!(back, response);
    }

    #[test]
    fn problems_name_item_and_rule() {
        let p =
            AnswerProblem::NotAllowed { item: "item4".to_owned(), value: "5".to_owned(), allowed: "0-4".to_owned() };
        assert_eq!(p.to_string(), "item4: value 5: allowed: 0-4");
    }
}
