//! DSM-5 PTSD symptom clusters, shared by CAPS-5 and PCL-5.
//!
//! Both instruments rate the 20 DSM-5 symptoms 0-4, count a symptom as present at a
//! rating of 2 or more (CAPS-5 "SEV2" rule, Weathers et al. 2018; PCL-5 DSM-5 scoring, Blevins et al. 2015)
//! and group them into clusters B (items 1-5), C (6-7), D (8-14) and E (15-20), requiring at
//! least 1 B, 1 C, 2 D and 2 E symptoms (clinical.md section 4).

use serde::{Deserialize, Serialize};

use super::{Values, to_u32};
use crate::definition::{ItemRef, Resolver};
use crate::response::AnswerProblem;

/// One cluster: its items and the number of present symptoms it needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClusterRule {
    /// Items of the cluster.
    pub items: Vec<ItemRef>,
    /// Symptoms needed for the cluster criterion.
    pub min_present: u32,
}

/// The symptom items, their scale, the presence threshold and the four clusters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SymptomRules {
    /// Items summed for the total severity; the clusters partition exactly these items.
    pub total_items: Vec<ItemRef>,
    /// Lowest rating of each symptom item.
    pub item_min: i64,
    /// Highest rating of each symptom item.
    pub item_max: i64,
    /// A symptom is present when its rating is at least this.
    pub symptom_threshold: i64,
    /// Cluster B, intrusion.
    #[serde(rename = "B")]
    pub b: ClusterRule,
    /// Cluster C, avoidance.
    #[serde(rename = "C")]
    pub c: ClusterRule,
    /// Cluster D, negative alterations in cognitions and mood.
    #[serde(rename = "D")]
    pub d: ClusterRule,
    /// Cluster E, alterations in arousal and reactivity.
    #[serde(rename = "E")]
    pub e: ClusterRule,
}

/// Severity and symptom count of one cluster.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ClusterScore {
    /// Sum of the cluster's item ratings.
    pub severity: u32,
    /// Number of items rated at or above the symptom threshold.
    pub present: u32,
    /// Number of items in the cluster.
    pub items: u32,
    /// Present symptoms needed.
    pub min_present: u32,
    /// `present >= min_present`.
    pub met: bool,
}

/// The four cluster results.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Clusters {
    /// Intrusion.
    pub b: ClusterScore,
    /// Avoidance.
    pub c: ClusterScore,
    /// Cognitions and mood.
    pub d: ClusterScore,
    /// Arousal and reactivity.
    pub e: ClusterScore,
}

impl Clusters {
    /// Whether every cluster meets its minimum (the DSM-5 symptom criteria B-E).
    pub fn all_met(&self) -> bool {
        self.b.met && self.c.met && self.d.met && self.e.met
    }
}

impl SymptomRules {
    pub(crate) fn resolve(&mut self, r: &Resolver<'_>) -> Result<(), String> {
        if !(self.item_min..=self.item_max).contains(&self.symptom_threshold) {
            return Err("symptom_threshold must lie within the item range".to_owned());
        }
        for item in &mut self.total_items {
            r.resolve_integer(item, self.item_min, self.item_max, true)?;
        }
        let mut seen = vec![0_u32; self.total_items.len()];
        for cluster in [&mut self.b, &mut self.c, &mut self.d, &mut self.e] {
            if cluster.items.is_empty()
                || usize::try_from(cluster.min_present).map_or(true, |m| m > cluster.items.len())
            {
                return Err("a cluster needs items and min_present <= its size".to_owned());
            }
            for item in &mut cluster.items {
                r.resolve(item)?;
                match self.total_items.iter().position(|t| t.index() == item.index()) {
                    Some(pos) => seen[pos] += 1,
                    None => {
                        return Err(format!("cluster item {:?} is not a total item", item.id()));
                    }
                }
            }
        }
        // A partition guarantees total = B + C + D + E.
        if seen.iter().any(|&n| n != 1) {
            return Err("clusters must partition the total items exactly".to_owned());
        }
        Ok(())
    }

    /// Total severity over `total_items`.
    pub(crate) fn total(&self, values: Values<'_>) -> Result<u32, AnswerProblem> {
        values.sum(&self.total_items).map(to_u32)
    }

    pub(crate) fn clusters(&self, values: Values<'_>) -> Result<Clusters, AnswerProblem> {
        Ok(Clusters {
            b: self.cluster(&self.b, values)?,
            c: self.cluster(&self.c, values)?,
            d: self.cluster(&self.d, values)?,
            e: self.cluster(&self.e, values)?,
        })
    }

    fn cluster(&self, rule: &ClusterRule, values: Values<'_>) -> Result<ClusterScore, AnswerProblem> {
        let mut severity = 0;
        let mut present = 0;
        for item in &rule.items {
            let v = values.int(item)?;
            severity += v;
            if v >= self.symptom_threshold {
                present += 1;
            }
        }
        Ok(ClusterScore {
            severity: to_u32(severity),
            present,
            items: u32::try_from(rule.items.len()).unwrap_or(u32::MAX),
            min_present: rule.min_present,
            met: present >= rule.min_present,
        })
    }
}
