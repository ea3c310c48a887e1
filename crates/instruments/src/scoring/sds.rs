//! Sheehan Disability Scale scoring (Sheehan 1983, *The Anxiety Disease*; Sheehan,
//! Harnett-Sheehan & Raj 1996, Int Clin Psychopharmacol 11 Suppl 3:89, PMID 8923116;
//! clinical.md section 4): three domains (work/school, social life, family life/home
//! responsibilities) each 0-10; total 0-30; a rating >= 5 in any domain marks significant
//! functional impairment.
//!
//! Work/school "not applicable": the SDS form lets the respondent mark that they have not
//! worked or studied for reasons unrelated to the disorder. The published scoring gives no
//! prorating rule for that case, so Catalyst does not invent one and never counts the domain as
//! zero: the total is the sum of the two answered domains, `max_total` becomes 20 and
//! `work_not_applicable` is set so that every consumer can see the total covers two domains
//! (and endpoint comparisons refuse to compare it with a three-domain total).

use serde::{Deserialize, Serialize};

use super::{Values, to_u32};
use crate::definition::{AnswerSpec, ItemRef, Resolver};
use crate::response::{Answer, AnswerProblem};

/// SDS scoring parameters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SdsRules {
    /// Work/school (0-10 or not applicable).
    pub work: ItemRef,
    /// Social life (0-10).
    pub social: ItemRef,
    /// Family life / home responsibilities (0-10).
    pub family: ItemRef,
    /// A domain at or above this rating is significant impairment.
    pub impairment_threshold: i64,
}

/// An SDS result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SdsScore {
    /// Work/school rating; `None` when not applicable.
    pub work: Option<u32>,
    /// Social life rating.
    pub social: u32,
    /// Family life rating.
    pub family: u32,
    /// Sum of the answered domains.
    pub total: u32,
    /// Largest possible total for the answered domains (30, or 20 without work).
    pub max_total: u32,
    /// Work/school was marked not applicable (the total covers two domains).
    pub work_not_applicable: bool,
    /// Any answered domain at or above the impairment threshold.
    pub impaired: bool,
}

impl SdsRules {
    pub(crate) fn resolve(&mut self, r: &Resolver<'_>) -> Result<(), String> {
        r.resolve_where(&mut self.work, "a required integer item 0-10 that allows na", |d| {
            d.required && matches!(d.answer, AnswerSpec::Integer { min: 0, max: 10, not_applicable: true, .. })
        })?;
        r.resolve_integer(&mut self.social, 0, 10, true)?;
        r.resolve_integer(&mut self.family, 0, 10, true)?;
        Ok(())
    }

    pub(crate) fn compute(&self, values: Values<'_>) -> Result<SdsScore, Vec<AnswerProblem>> {
        let work = match values.get(&self.work) {
            Some(Answer::NotApplicable) => None,
            _ => Some(values.int(&self.work).map_err(|e| vec![e])?),
        };
        let social = values.int(&self.social).map_err(|e| vec![e])?;
        let family = values.int(&self.family).map_err(|e| vec![e])?;
        let threshold = self.impairment_threshold;
        let impaired = work.is_some_and(|w| w >= threshold) || social >= threshold || family >= threshold;
        // Sum of the answered domains only; flagged below when work is not applicable.
        let total = work.iter().sum::<i64>() + social + family;
        Ok(SdsScore {
            work: work.map(to_u32),
            social: to_u32(social),
            family: to_u32(family),
            total: to_u32(total),
            max_total: if work.is_some() { 30 } else { 20 },
            work_not_applicable: work.is_none(),
            impaired,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::definition::InstrumentId;
    use crate::response::Response;
    use crate::scoring::Score;
    use crate::scoring::test_support::{problems, score};

    fn response(work: Answer, social: i64, family: i64) -> Response {
        Response::new(InstrumentId::Sds, "1")
            .with("work", work)
            .with("social", Answer::Integer(social))
            .with("family", Answer::Integer(family))
    }

    fn sds(r: &Response) -> SdsScore {
        match score(r).unwrap() {
            Score::Sds(s) => s,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn total_and_impairment_boundary() {
        let s = sds(&response(Answer::Integer(4), 4, 4));
        assert_eq!((s.total, s.max_total, s.impaired), (12, 30, false));
        for (w, so, fa) in [(5, 0, 0), (0, 5, 0), (0, 0, 5)] {
            let s = sds(&response(Answer::Integer(w), so, fa));
            assert_eq!(s.total, 5);
            assert!(s.impaired, "{w} {so} {fa}");
        }
        let s = sds(&response(Answer::Integer(10), 10, 10));
        assert_eq!((s.total, s.impaired), (30, true));
    }

    #[test]
    fn work_not_applicable_is_flagged_not_zero() {
        let s = sds(&response(Answer::NotApplicable, 3, 4));
        assert_eq!(s.work, None);
        assert!(s.work_not_applicable);
        assert_eq!((s.total, s.max_total, s.impaired), (7, 20, false));
        assert!(sds(&response(Answer::NotApplicable, 5, 0)).impaired);
    }

    #[test]
    fn not_applicable_only_for_work() {
        let r = response(Answer::Integer(2), 3, 4).with("social", Answer::NotApplicable);
        assert_eq!(
            problems(&r),
            vec![AnswerProblem::NotAllowed {
                item: "social".to_owned(),
                value: "na".to_owned(),
                allowed: "0-10".to_owned()
            }]
        );
        let mut r = response(Answer::Integer(11), 3, 4);
        r.answers.remove("family");
        let found = problems(&r);
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].rule(), "allowed: 0-10 or na");
        assert_eq!(found[1].item(), "family");
    }
}
