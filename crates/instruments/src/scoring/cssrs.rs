//! C-SSRS screener risk triage (Posner et al. 2011, Am J Psychiatry 168:1266, PMID 22193671;
//! Columbia Lighthouse Project, C-SSRS Screener "Recent" version with triage points;
//! clinical.md sections 3-4).
//!
//! Questions: Q1 wish to be dead, Q2 suicidal thoughts, Q3 thoughts with method, Q4 intent,
//! Q5 plan with intent (all past month), Q6 suicidal behaviour (lifetime) and, when Q6 is yes,
//! whether it was within the past 3 months.
//!
//! Skip logic (the screener's own instructions, implemented in the definition's `skip_logic`):
//! Q1, Q2 and Q6 are always asked; Q3-Q5 are asked only if Q2 is yes (if Q2 is no the
//! interviewer goes straight to Q6); "Q6 past 3 months" is asked only if Q6 is yes.
//!
//! Risk level = the highest level with a "yes" among its questions (lists are data):
//! - high: Q4, Q5, or behaviour within the past 3 months (clinical.md section 4; Columbia
//!   triage: immediate evaluation). High blocks dosing and raises a site alert;
//! - moderate: Q3, or lifetime behaviour more than 3 months ago (Q6 yes, past 3 months no).
//!   clinical.md marks "moderate = Q3" as a default; the Columbia triage points place lifetime
//!   behaviour with Q3 (behavioural-health consult), so Catalyst v1 follows the published
//!   triage rather than calling it low;
//! - low: Q1 or Q2 only;
//! - none: every question answered no.

use serde::{Deserialize, Serialize};

use super::Values;
use crate::definition::{AnswerSpec, ItemRef, Resolver};

/// Screener risk level, ordered from none to high.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RiskLevel {
    /// No question answered yes.
    None,
    /// Passive or non-specific ideation only.
    Low,
    /// Ideation with method, or past (not recent) behaviour.
    Moderate,
    /// Intent, plan with intent, or behaviour in the past 3 months.
    High,
}

impl RiskLevel {
    /// The name used in data and CSV output.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Low => "low",
            Self::Moderate => "moderate",
            Self::High => "high",
        }
    }
}

/// C-SSRS screener triage parameters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CssrsRules {
    /// A yes to any of these makes the risk high.
    pub high_if_yes: Vec<ItemRef>,
    /// A yes to any of these makes the risk at least moderate.
    pub moderate_if_yes: Vec<ItemRef>,
    /// A yes to any of these makes the risk at least low.
    pub low_if_yes: Vec<ItemRef>,
    /// At or above this level dosing is blocked and the site is alerted.
    pub block_and_alert_at: RiskLevel,
}

/// A C-SSRS screener result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CssrsScore {
    /// Risk level.
    pub risk: RiskLevel,
    /// The questions answered yes, in item order.
    pub endorsed: Vec<String>,
    /// No dosing session may start while this is true.
    pub blocks_dosing: bool,
    /// The site must be alerted.
    pub raises_alert: bool,
}

impl CssrsRules {
    pub(crate) fn resolve(&mut self, r: &Resolver<'_>) -> Result<(), String> {
        let lists = [&mut self.high_if_yes, &mut self.moderate_if_yes, &mut self.low_if_yes];
        for list in lists {
            for item in list.iter_mut() {
                r.resolve_where(item, "a yes/no item", |d| d.answer == AnswerSpec::YesNo)?;
            }
        }
        if self.block_and_alert_at == RiskLevel::None {
            return Err("block_and_alert_at must be low, moderate or high".to_owned());
        }
        Ok(())
    }

    pub(crate) fn compute(&self, values: Values<'_>) -> CssrsScore {
        let any_yes = |items: &[ItemRef]| items.iter().any(|item| values.is_yes(item));
        let risk = if any_yes(&self.high_if_yes) {
            RiskLevel::High
        } else if any_yes(&self.moderate_if_yes) {
            RiskLevel::Moderate
        } else if any_yes(&self.low_if_yes) {
            RiskLevel::Low
        } else {
            RiskLevel::None
        };
        let mut endorsed: Vec<&ItemRef> = self
            .high_if_yes
            .iter()
            .chain(&self.moderate_if_yes)
            .chain(&self.low_if_yes)
            .filter(|item| values.is_yes(item))
            .collect();
        endorsed.sort_by_key(|item| item.index());
        endorsed.dedup_by_key(|item| item.index());
        let block = risk >= self.block_and_alert_at;
        CssrsScore {
            risk,
            endorsed: endorsed.iter().map(|item| item.id().to_owned()).collect(),
            blocks_dosing: block,
            raises_alert: block,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::definition::InstrumentId;
    use crate::response::{Answer, AnswerProblem, Response};
    use crate::scoring::Score;
    use crate::scoring::test_support::{problems, score};

    /// Builds a screener response from `(question, yes?)` pairs; absent questions are blank.
    fn screen(answers: &[(&str, bool)]) -> Response {
        answers.iter().fold(Response::new(InstrumentId::Cssrs, "1"), |r, &(q, yes)| {
            r.with(q, if yes { Answer::Yes } else { Answer::No })
        })
    }

    fn risk(answers: &[(&str, bool)]) -> CssrsScore {
        match score(&screen(answers)).unwrap() {
            Score::Cssrs(s) => s,
            other => panic!("{other:?}"),
        }
    }

    const NO_IDEATION: [(&str, bool); 2] = [("q1", false), ("q2", false)];

    #[test]
    fn every_path() {
        let q2_yes = |q3, q4, q5, q6: &[(&'static str, bool)]| {
            let mut v = vec![("q1", true), ("q2", true), ("q3", q3), ("q4", q4), ("q5", q5)];
            v.extend_from_slice(q6);
            v
        };
        let no6: &[(&str, bool)] = &[("q6", false)];
        let cases: Vec<(Vec<(&str, bool)>, RiskLevel)> = vec![
            ([&NO_IDEATION[..], no6].concat(), RiskLevel::None),
            (vec![("q1", true), ("q2", false), ("q6", false)], RiskLevel::Low),
            (q2_yes(false, false, false, no6), RiskLevel::Low),
            (q2_yes(true, false, false, no6), RiskLevel::Moderate),
            (q2_yes(false, true, false, no6), RiskLevel::High),
            (q2_yes(false, false, true, no6), RiskLevel::High),
            ([&NO_IDEATION[..], &[("q6", true), ("q6_past_3_months", false)]].concat(), RiskLevel::Moderate),
            ([&NO_IDEATION[..], &[("q6", true), ("q6_past_3_months", true)]].concat(), RiskLevel::High),
            (q2_yes(true, false, false, &[("q6", true), ("q6_past_3_months", false)]), RiskLevel::Moderate),
        ];
        for (answers, expected) in cases {
            let s = risk(&answers);
            assert_eq!(s.risk, expected, "{answers:?}");
            let high = expected == RiskLevel::High;
            assert_eq!((s.blocks_dosing, s.raises_alert), (high, high), "{answers:?}");
        }
    }

    #[test]
    fn endorsed_items_are_listed_in_order() {
        let s = risk(&[("q1", true), ("q2", true), ("q3", true), ("q4", false), ("q5", true), ("q6", false)]);
        assert_eq!(s.endorsed, ["q1", "q2", "q3", "q5"]);
    }

    #[test]
    fn skipped_questions_must_be_blank() {
        let r = screen(&[("q1", true), ("q2", false), ("q3", true), ("q6", false), ("q6_past_3_months", false)]);
        assert_eq!(
            problems(&r),
            vec![
                AnswerProblem::AnsweredButSkipped { item: "q3".to_owned(), gate: "q2".to_owned() },
                AnswerProblem::AnsweredButSkipped { item: "q6_past_3_months".to_owned(), gate: "q6".to_owned() },
            ]
        );
    }

    #[test]
    fn asked_questions_must_be_answered() {
        let r = screen(&[("q1", true), ("q2", true), ("q3", false), ("q6", true)]);
        let missing = |item: &str, gate: &str| AnswerProblem::Missing {
            item: item.to_owned(),
            asked_because_yes: Some(gate.to_owned()),
            allowed: "yes or no".to_owned(),
        };
        assert_eq!(problems(&r), vec![missing("q4", "q2"), missing("q5", "q2"), missing("q6_past_3_months", "q6")]);
    }

    #[test]
    fn unanswered_gate_is_reported_once() {
        let r = screen(&[("q1", false), ("q6", false)]);
        assert_eq!(
            problems(&r),
            vec![AnswerProblem::Missing {
                item: "q2".to_owned(),
                asked_because_yes: None,
                allowed: "yes or no".to_owned()
            }]
        );
        let r = screen(&[("q1", false), ("q2", false)]).with("q6", Answer::Integer(1));
        assert_eq!(problems(&r)[0].to_string(), "q6: value 1: allowed: yes or no");
    }
}
