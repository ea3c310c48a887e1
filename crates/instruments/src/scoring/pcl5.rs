//! PCL-5 scoring: total severity (0-80), cluster severities, and a provisional PTSD diagnosis
//! by two published methods (Blevins et al. 2015, J Trauma Stress 28:489, PMID 26606250;
//! Bovin et al. 2016, Psychol Assess 28:1379, PMID 26653052; clinical.md section 4):
//! - cut-point: `total >= cutpoint`, default 33 (Bovin et al. report 31-33 as optimal), which
//!   a programme may change per run;
//! - DSM-5 rule: an item rated >= 2 counts as a symptom; >= 1 B, >= 1 C, >= 2 D, >= 2 E.

use serde::{Deserialize, Serialize};

use super::clusters::{Clusters, SymptomRules};
use super::{ScoreError, ScoreOptions, Values};
use crate::definition::Resolver;
use crate::response::AnswerProblem;

/// PCL-5 scoring parameters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pcl5Rules {
    /// Items 1-20, threshold and clusters.
    pub symptoms: SymptomRules,
    /// Cut-point used when the caller does not choose one.
    pub default_cutpoint: u32,
}

/// A PCL-5 result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Pcl5Score {
    /// Total severity (0-80).
    pub total: u32,
    /// Cluster severities and symptom counts.
    pub clusters: Clusters,
    /// The cut-point applied.
    pub cutpoint: u32,
    /// `total >= cutpoint`.
    pub provisional_cutpoint: bool,
    /// The DSM-5 symptom rule is met.
    pub provisional_dsm: bool,
}

impl Pcl5Rules {
    pub(crate) fn resolve(&mut self, r: &Resolver<'_>) -> Result<(), String> {
        self.symptoms.resolve(r)?;
        if self.default_cutpoint > self.max_total() {
            return Err("default_cutpoint exceeds the maximum total".to_owned());
        }
        Ok(())
    }

    fn max_total(&self) -> u32 {
        let n = i64::try_from(self.symptoms.total_items.len()).unwrap_or(i64::MAX);
        super::to_u32(n.saturating_mul(self.symptoms.item_max))
    }

    /// The cut-point for this run, rejecting one above the maximum total (it could never be
    /// reached, which is almost certainly a typing error).
    pub(crate) fn cutpoint(&self, options: &ScoreOptions) -> Result<u32, ScoreError> {
        match options.pcl5_cutpoint {
            None => Ok(self.default_cutpoint),
            Some(c) if c <= self.max_total() => Ok(c),
            Some(c) => Err(ScoreError::InvalidOption {
                option: "pcl5_cutpoint",
                value: c.to_string(),
                allowed: format!("0-{}", self.max_total()),
            }),
        }
    }

    pub(crate) fn compute(&self, values: Values<'_>, cutpoint: u32) -> Result<Pcl5Score, Vec<AnswerProblem>> {
        let total = self.symptoms.total(values).map_err(|e| vec![e])?;
        let clusters = self.symptoms.clusters(values).map_err(|e| vec![e])?;
        Ok(Pcl5Score {
            total,
            clusters,
            cutpoint,
            provisional_cutpoint: total >= cutpoint,
            provisional_dsm: clusters.all_met(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::definition::InstrumentId;
    use crate::scoring::test_support::{MINIMAL, numbered, problems, registry};
    use crate::scoring::{Score, ScoreError, ScoreOptions};

    fn pcl(items: &[i64], cutpoint: Option<u32>) -> Result<Pcl5Score, ScoreError> {
        let options = ScoreOptions { pcl5_cutpoint: cutpoint };
        registry().score(&numbered(InstrumentId::Pcl5, items), &options).map(|s| match s.score {
            Score::Pcl5(p) => p,
            other => panic!("{other:?}"),
        })
    }

    /// Ratings with the given total and no item at 2 or more past the first few.
    fn with_total(total: i64) -> [i64; 20] {
        let mut items = [0; 20];
        let mut left = total;
        for item in &mut items {
            *item = left.min(4);
            left -= *item;
        }
        items
    }

    #[test]
    fn cutpoint_boundary_default_33() {
        let at = pcl(&with_total(33), None).unwrap();
        assert_eq!((at.total, at.cutpoint, at.provisional_cutpoint), (33, 33, true));
        let below = pcl(&with_total(32), None).unwrap();
        assert_eq!((below.total, below.provisional_cutpoint), (32, false));
    }

    #[test]
    fn cutpoint_is_configurable() {
        let s = pcl(&with_total(31), Some(31)).unwrap();
        assert!(s.provisional_cutpoint);
        assert_eq!(s.cutpoint, 31);
        assert!(!pcl(&with_total(30), Some(31)).unwrap().provisional_cutpoint);
        assert_eq!(
            pcl(&with_total(30), Some(81)),
            Err(ScoreError::InvalidOption {
                option: "pcl5_cutpoint",
                value: "81".to_owned(),
                allowed: "0-80".to_owned()
            })
        );
    }

    #[test]
    fn dsm_rule_and_clusters() {
        let s = pcl(&MINIMAL, None).unwrap();
        assert_eq!(s.total, 12);
        assert!(s.provisional_dsm && !s.provisional_cutpoint);
        let mut short = MINIMAL;
        short[8] = 1; // D has one symptom only
        let s = pcl(&short, None).unwrap();
        assert!(!s.provisional_dsm);
        assert_eq!(s.clusters.d.present, 1);
        // High total by cut-point, but all symptoms in B: DSM rule fails.
        let mut b_only = [0; 20];
        b_only[..5].copy_from_slice(&[4; 5]);
        b_only[5..9].copy_from_slice(&[4, 4, 4, 4]);
        b_only[9] = 1;
        let s = pcl(&b_only, None).unwrap();
        assert_eq!(s.total, 37);
        assert_eq!(
            [s.clusters.b.severity, s.clusters.c.severity, s.clusters.d.severity, s.clusters.e.severity],
            [20, 8, 9, 0]
        );
        assert!(s.provisional_cutpoint && !s.provisional_dsm);
    }

    #[test]
    fn missing_item_is_not_computable() {
        let found = problems(&numbered(InstrumentId::Pcl5, &[1; 19]));
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].item(), "item20");
    }
}
