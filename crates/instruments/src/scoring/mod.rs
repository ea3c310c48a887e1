//! Scoring: pure functions from validated answers to typed results.
//!
//! Scoring always validates first. Any missing, out-of-range or skip-logic-violating answer
//! makes the score "not computable" with the full list of problems: none of the instruments
//! here has a published prorating rule that Catalyst adopts, so a missing item is never treated
//! as zero (clinical.md section 4, "Missing items").

pub mod caps5;
pub mod checkin;
pub mod clusters;
pub mod cssrs;
pub mod pcl5;
pub mod phq9;
pub mod sds;

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::definition::{InstrumentDefinition, InstrumentId, Instruments, Resolver};
use crate::response::{Answer, AnswerProblem, Response};

/// The scoring rule of a definition, with its parameters. The variant must match the
/// definition's instrument id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "rule", rename_all = "snake_case")]
pub enum ScoringRule {
    /// CAPS-5 total, clusters and DSM-5 diagnosis.
    Caps5Dsm5(caps5::Caps5Rules),
    /// PCL-5 total, clusters, provisional diagnosis.
    Pcl5(pcl5::Pcl5Rules),
    /// SDS total and impairment.
    Sds(sds::SdsRules),
    /// C-SSRS screener risk triage.
    CssrsScreener(cssrs::CssrsRules),
    /// PHQ-9 total, severity band, item-9 flag.
    Phq9(phq9::Phq9Rules),
    /// Daily check-in: a validated typed record (no total).
    DailyCheckin(checkin::CheckinRules),
}

impl ScoringRule {
    pub(crate) fn resolve(&mut self, id: InstrumentId, r: &Resolver<'_>) -> Result<(), String> {
        match (id, self) {
            (InstrumentId::Caps5, Self::Caps5Dsm5(rules)) => rules.resolve(r),
            (InstrumentId::Pcl5, Self::Pcl5(rules)) => rules.resolve(r),
            (InstrumentId::Sds, Self::Sds(rules)) => rules.resolve(r),
            (InstrumentId::Cssrs, Self::CssrsScreener(rules)) => rules.resolve(r),
            (InstrumentId::Phq9, Self::Phq9(rules)) => rules.resolve(r),
            (InstrumentId::DailyCheckin, Self::DailyCheckin(rules)) => rules.resolve(r),
            (id, _) => Err(format!("scoring rule does not belong to instrument {id}")),
        }
    }
}

/// Options a caller may set per scoring run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScoreOptions {
    /// PCL-5 cut-point for a provisional diagnosis (`total >= cutpoint`); `None` uses the
    /// definition's default (33; Bovin et al. 2016 report 31-33).
    pub pcl5_cutpoint: Option<u32>,
}

/// A computed score.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "instrument", rename_all = "snake_case")]
pub enum Score {
    /// CAPS-5.
    Caps5(caps5::Caps5Score),
    /// PCL-5.
    Pcl5(pcl5::Pcl5Score),
    /// Sheehan Disability Scale.
    Sds(sds::SdsScore),
    /// C-SSRS screener.
    Cssrs(cssrs::CssrsScore),
    /// PHQ-9.
    Phq9(phq9::Phq9Score),
    /// Daily check-in.
    DailyCheckin(checkin::CheckinRecord),
}

/// A score together with the definition version that produced it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Scored {
    /// Which instrument.
    pub instrument: InstrumentId,
    /// The definition version used (the one the response pinned).
    pub version: String,
    /// The result.
    pub score: Score,
}

/// The score cannot be computed from these answers; `problems` lists every reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NotComputable {
    /// Which instrument.
    pub instrument: InstrumentId,
    /// Which version.
    pub version: String,
    /// Every problem found, in item order.
    pub problems: Vec<AnswerProblem>,
}

impl fmt::Display for NotComputable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} version {} score not computable:", self.instrument, self.version)?;
        for problem in &self.problems {
            write!(f, "\n  {problem}")?;
        }
        Ok(())
    }
}

/// Why scoring failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScoreError {
    /// The response pins a version the registry does not have.
    #[error("no definition of instrument {instrument} version {version}")]
    UnknownVersion {
        /// Instrument.
        instrument: InstrumentId,
        /// Version pinned by the response.
        version: String,
    },
    /// The response was given to a different instrument than the definition.
    #[error("response to {response} cannot be scored with the {definition} definition")]
    WrongInstrument {
        /// The response's instrument.
        response: InstrumentId,
        /// The definition's instrument.
        definition: InstrumentId,
    },
    /// An option is outside its allowed values.
    #[error("option {option} = {value} not allowed; allowed: {allowed}")]
    InvalidOption {
        /// Option name.
        option: &'static str,
        /// Value given.
        value: String,
        /// Allowed values.
        allowed: String,
    },
    /// Answers are missing or invalid.
    #[error("{0}")]
    NotComputable(NotComputable),
}

impl Instruments {
    /// Scores `response` with the definition version it pins.
    pub fn score(&self, response: &Response, options: &ScoreOptions) -> Result<Scored, ScoreError> {
        let definition = self.get(response.instrument, &response.version).ok_or_else(|| {
            ScoreError::UnknownVersion { instrument: response.instrument, version: response.version.clone() }
        })?;
        definition.score(response, options)
    }
}

impl InstrumentDefinition {
    /// Validates and scores `response` with this definition.
    pub fn score(&self, response: &Response, options: &ScoreOptions) -> Result<Scored, ScoreError> {
        if response.instrument != self.id {
            return Err(ScoreError::WrongInstrument { response: response.instrument, definition: self.id });
        }
        if response.version != self.version {
            return Err(ScoreError::UnknownVersion {
                instrument: response.instrument,
                version: response.version.clone(),
            });
        }
        let effective = self.effective_options(options)?;
        let mut problems = Vec::new();
        let answers = self.positional(&response.answers, &mut problems);
        match self.score_answers(&answers, &effective) {
            Ok(score) if problems.is_empty() => {
                Ok(Scored { instrument: self.id, version: self.version.clone(), score })
            }
            Ok(_) => Err(self.not_computable(problems)),
            Err(more) => {
                problems.extend(more);
                Err(self.not_computable(problems))
            }
        }
    }

    fn not_computable(&self, problems: Vec<AnswerProblem>) -> ScoreError {
        ScoreError::NotComputable(NotComputable { instrument: self.id, version: self.version.clone(), problems })
    }

    /// Checks the options against this definition once, before any answers are scored.
    pub(crate) fn effective_options(&self, options: &ScoreOptions) -> Result<Effective, ScoreError> {
        Ok(Effective {
            pcl5_cutpoint: match &self.scoring {
                ScoringRule::Pcl5(rules) => Some(rules.cutpoint(options)?),
                _ => None,
            },
        })
    }

    /// Validates and scores positional answers (one slot per item). Shared by
    /// [`InstrumentDefinition::score`] and the batch scorer so that both apply exactly the same
    /// rules; it allocates nothing when the answers are valid.
    pub(crate) fn score_answers(
        &self,
        answers: &[Option<Answer>],
        effective: &Effective,
    ) -> Result<Score, Vec<AnswerProblem>> {
        let mut problems = Vec::new();
        self.check(answers, &mut problems);
        if !problems.is_empty() {
            return Err(problems);
        }
        let values = Values(answers);
        match &self.scoring {
            ScoringRule::Caps5Dsm5(rules) => rules.compute(values).map(Score::Caps5),
            ScoringRule::Pcl5(rules) => {
                rules.compute(values, effective.pcl5_cutpoint.unwrap_or(rules.default_cutpoint)).map(Score::Pcl5)
            }
            ScoringRule::Sds(rules) => rules.compute(values).map(Score::Sds),
            ScoringRule::CssrsScreener(rules) => Ok(Score::Cssrs(rules.compute(values))),
            ScoringRule::Phq9(rules) => rules.compute(values).map(Score::Phq9),
            ScoringRule::DailyCheckin(rules) => rules.compute(values).map(Score::DailyCheckin),
        }
    }
}

/// Options checked against a definition.
pub(crate) struct Effective {
    pcl5_cutpoint: Option<u32>,
}

/// Read access to validated positional answers for the scoring modules.
#[derive(Clone, Copy)]
pub(crate) struct Values<'a>(&'a [Option<Answer>]);

impl Values<'_> {
    fn get(&self, item: &crate::definition::ItemRef) -> Option<&Answer> {
        self.0.get(item.index()).and_then(Option::as_ref)
    }

    /// The integer answer to a required item. Validation has already guaranteed it; if it is
    /// somehow absent the caller reports the item missing instead of scoring it as zero.
    fn int(&self, item: &crate::definition::ItemRef) -> Result<i64, AnswerProblem> {
        match self.get(item) {
            Some(Answer::Integer(v)) => Ok(*v),
            _ => Err(AnswerProblem::Missing {
                item: item.id().to_owned(),
                asked_because_yes: None,
                allowed: "an integer".to_owned(),
            }),
        }
    }

    /// Sum of several required integer items.
    fn sum(&self, items: &[crate::definition::ItemRef]) -> Result<i64, AnswerProblem> {
        items.iter().try_fold(0, |acc, item| Ok(acc + self.int(item)?))
    }

    fn is_yes(&self, item: &crate::definition::ItemRef) -> bool {
        matches!(self.get(item), Some(Answer::Yes))
    }
}

/// Converts an item sum to `u32`; sums of validated non-negative items always fit.
fn to_u32(v: i64) -> u32 {
    u32::try_from(v.max(0)).unwrap_or(u32::MAX)
}

/// Helpers shared by the scoring, endpoint and batch unit tests.
#[cfg(test)]
pub(crate) mod test_support {
    use super::*;

    pub(crate) fn registry() -> Instruments {
        Instruments::builtin().unwrap()
    }

    pub(crate) fn score(response: &Response) -> Result<Score, ScoreError> {
        registry().score(response, &ScoreOptions::default()).map(|s| s.score)
    }

    pub(crate) fn problems(response: &Response) -> Vec<AnswerProblem> {
        match score(response) {
            Err(ScoreError::NotComputable(nc)) => nc.problems,
            other => panic!("expected not computable, got {other:?}"),
        }
    }

    /// A response with `prefix1..prefixN` set to `values`.
    pub(crate) fn numbered(id: InstrumentId, values: &[i64]) -> Response {
        values
            .iter()
            .enumerate()
            .fold(Response::new(id, "1"), |r, (i, &v)| r.with(format!("item{}", i + 1), Answer::Integer(v)))
    }

    /// A CAPS-5 response: symptom items 1-20, criterion A, item 22, items 23-25, and
    /// optionally items 29-30.
    pub(crate) fn caps5(items: [i64; 20], a: i64, f: i64, g: [i64; 3], dissociative: Option<[i64; 2]>) -> Response {
        let mut r = numbered(InstrumentId::Caps5, &items)
            .with("criterion_a", Answer::Integer(a))
            .with("item22", Answer::Integer(f))
            .with("item23", Answer::Integer(g[0]))
            .with("item24", Answer::Integer(g[1]))
            .with("item25", Answer::Integer(g[2]));
        if let Some([d29, d30]) = dissociative {
            r = r.with("item29", Answer::Integer(d29)).with("item30", Answer::Integer(d30));
        }
        r
    }

    /// Symptom ratings giving exactly the DSM-5 minimum: one B, one C, two D, two E at 2.
    pub(crate) const MINIMAL: [i64; 20] = [2, 0, 0, 0, 0, 2, 0, 2, 2, 0, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0];
}
