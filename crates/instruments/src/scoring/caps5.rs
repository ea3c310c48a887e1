//! CAPS-5 (past month) scoring: total severity, cluster severities and symptom counts, the
//! DSM-5 diagnostic rule with each criterion's status, and the dissociative subtype.
//!
//! Rules (clinical.md section 4; Weathers et al. 2018, Psychol Assess 30:383, PMID 28493729;
//! American Psychiatric Association, DSM-5, 2013):
//! - total = sum of items 1-20 (0-80); cluster severities are the sums within B, C, D, E;
//! - a symptom is present at a severity rating >= 2 ("SEV2" rule);
//! - diagnosis = A (trauma exposure) and >= 1 B and >= 1 C and >= 2 D and >= 2 E and F (item 22,
//!   duration more than one month) and G (at least one of items 23-25 rated >= 2);
//! - dissociative subtype = diagnosis and item 29 or item 30 rated >= 2; "not assessed" when
//!   both items are absent.

use serde::{Deserialize, Serialize};

use super::Values;
use super::clusters::{Clusters, SymptomRules};
use crate::definition::{ItemRef, Resolver};
use crate::response::AnswerProblem;

/// CAPS-5 scoring parameters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Caps5Rules {
    /// Items 1-20, threshold and clusters.
    pub symptoms: SymptomRules,
    /// Criterion A (0 = not met, 1 = met).
    pub criterion_a_item: ItemRef,
    /// Item 22, duration more than one month (0 = no, 1 = yes): criterion F.
    pub duration_item: ItemRef,
    /// Items 23-25, distress and impairment: criterion G.
    pub distress_impairment_items: Vec<ItemRef>,
    /// Criterion G needs one of them at or above this rating.
    pub distress_impairment_threshold: i64,
    /// Items 29-30, depersonalisation and derealisation (optional, assessed as a pair).
    pub dissociative_items: Vec<ItemRef>,
    /// A dissociative symptom is present at or above this rating.
    pub dissociative_threshold: i64,
}

/// Status of each DSM-5 criterion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Caps5Criteria {
    /// Trauma exposure.
    pub a: bool,
    /// >= 1 intrusion symptom.
    pub b: bool,
    /// >= 1 avoidance symptom.
    pub c: bool,
    /// >= 2 cognition/mood symptoms.
    pub d: bool,
    /// >= 2 arousal symptoms.
    pub e: bool,
    /// Duration more than one month (item 22).
    pub f: bool,
    /// Clinically significant distress or impairment (items 23-25).
    pub g: bool,
}

/// Dissociative subtype status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Dissociative {
    /// Items 29-30 were not administered.
    NotAssessed,
    /// Diagnosis met and item 29 or 30 rated at or above the threshold.
    Present,
    /// Assessed, and either no diagnosis or no dissociative symptom.
    Absent,
}

/// A CAPS-5 result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Caps5Score {
    /// Total severity, items 1-20 (0-80).
    pub total: u32,
    /// Cluster severities and symptom counts.
    pub clusters: Clusters,
    /// Each criterion's status.
    pub criteria: Caps5Criteria,
    /// All criteria A-G met.
    pub diagnosis: bool,
    /// Whether item 29 or 30 is at or above the threshold, regardless of diagnosis
    /// (`None` when not assessed).
    pub dissociative_symptoms: Option<bool>,
    /// The subtype (requires the diagnosis).
    pub dissociative_subtype: Dissociative,
}

impl Caps5Rules {
    pub(crate) fn resolve(&mut self, r: &Resolver<'_>) -> Result<(), String> {
        self.symptoms.resolve(r)?;
        r.resolve_integer(&mut self.criterion_a_item, 0, 1, true)?;
        r.resolve_integer(&mut self.duration_item, 0, 1, true)?;
        let (min, max) = (self.symptoms.item_min, self.symptoms.item_max);
        for item in &mut self.distress_impairment_items {
            r.resolve_integer(item, min, max, true)?;
        }
        for item in &mut self.dissociative_items {
            r.resolve_integer(item, min, max, false)?;
        }
        if self.distress_impairment_items.is_empty() || self.dissociative_items.is_empty() {
            return Err("criterion G and dissociative items must not be empty".to_owned());
        }
        Ok(())
    }

    pub(crate) fn compute(&self, values: Values<'_>) -> Result<Caps5Score, Vec<AnswerProblem>> {
        let one = |e: AnswerProblem| vec![e];
        let total = self.symptoms.total(values).map_err(one)?;
        let clusters = self.symptoms.clusters(values).map_err(one)?;
        let mut g = false;
        for item in &self.distress_impairment_items {
            g |= values.int(item).map_err(one)? >= self.distress_impairment_threshold;
        }
        let criteria = Caps5Criteria {
            a: values.int(&self.criterion_a_item).map_err(one)? == 1,
            b: clusters.b.met,
            c: clusters.c.met,
            d: clusters.d.met,
            e: clusters.e.met,
            f: values.int(&self.duration_item).map_err(one)? == 1,
            g,
        };
        let diagnosis = criteria.a && clusters.all_met() && criteria.f && criteria.g;
        let dissociative_symptoms = self.dissociative(values)?;
        let dissociative_subtype = match dissociative_symptoms {
            None => Dissociative::NotAssessed,
            Some(true) if diagnosis => Dissociative::Present,
            Some(_) => Dissociative::Absent,
        };
        Ok(Caps5Score { total, clusters, criteria, diagnosis, dissociative_symptoms, dissociative_subtype })
    }

    /// `None` when no dissociative item was answered; an error when only some were, since the
    /// pair is one assessment and a half-answered pair cannot rule the subtype out.
    fn dissociative(&self, values: Values<'_>) -> Result<Option<bool>, Vec<AnswerProblem>> {
        let answered = self.dissociative_items.iter().find(|item| values.get(item).is_some());
        let Some(answered) = answered else {
            return Ok(None);
        };
        let mut problems = Vec::new();
        let mut present = false;
        for item in &self.dissociative_items {
            match values.int(item) {
                Ok(v) => present |= v >= self.dissociative_threshold,
                Err(_) => problems.push(AnswerProblem::IncompletePair {
                    item: item.id().to_owned(),
                    answered: answered.id().to_owned(),
                }),
            }
        }
        if problems.is_empty() { Ok(Some(present)) } else { Err(problems) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::definition::{InstrumentDefinition, InstrumentId};
    use crate::response::{Answer, Response};
    use crate::scoring::test_support::{MINIMAL, caps5, problems, registry, score};
    use crate::scoring::{Score, ScoreError, ScoreOptions};

    fn caps(r: &Response) -> Caps5Score {
        match score(r).unwrap() {
            Score::Caps5(s) => s,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn all_items_at_two_hand_worked() {
        let s = caps(&caps5([2; 20], 1, 1, [2, 0, 0], Some([0, 0])));
        assert_eq!(s.total, 40);
        let c = s.clusters;
        assert_eq!([c.b.severity, c.c.severity, c.d.severity, c.e.severity], [10, 4, 14, 12]);
        assert_eq!([c.b.present, c.c.present, c.d.present, c.e.present], [5, 2, 7, 6]);
        assert_eq!([c.b.items, c.c.items, c.d.items, c.e.items], [5, 2, 7, 6]);
        assert!(s.diagnosis);
        assert_eq!(s.dissociative_subtype, Dissociative::Absent);
    }

    #[test]
    fn mixed_ratings_hand_worked() {
        // B: 4,3,1,0,2 = 10 (3 present); C: 1,1 = 2 (0 present); D: 0,2,2,1,3,0,4 = 12 (4);
        // E: 1,1,1,1,1,2 = 7 (1). Total 31; C and E fail.
        let items = [4, 3, 1, 0, 2, 1, 1, 0, 2, 2, 1, 3, 0, 4, 1, 1, 1, 1, 1, 2];
        let s = caps(&caps5(items, 1, 1, [3, 3, 3], None));
        assert_eq!(s.total, 31);
        let c = s.clusters;
        assert_eq!([c.b.severity, c.c.severity, c.d.severity, c.e.severity], [10, 2, 12, 7]);
        assert_eq!([c.b.present, c.c.present, c.d.present, c.e.present], [3, 0, 4, 1]);
        assert!(s.criteria.b && !s.criteria.c && s.criteria.d && !s.criteria.e);
        assert!(!s.diagnosis);
        assert_eq!(s.dissociative_subtype, Dissociative::NotAssessed);
        assert_eq!(s.dissociative_symptoms, None);
    }

    #[test]
    fn minimal_pattern_meets_diagnosis() {
        let s = caps(&caps5(MINIMAL, 1, 1, [2, 0, 0], None));
        assert_eq!(s.total, 12);
        assert!(s.diagnosis);
        assert_eq!(s.criteria, Caps5Criteria { a: true, b: true, c: true, d: true, e: true, f: true, g: true });
    }

    /// Lowering any one of the six minimal symptoms from 2 to 1 leaves its cluster one
    /// symptom short, and the diagnosis fails on that cluster only.
    #[test]
    fn each_cluster_one_symptom_short() {
        for (index, cluster) in [(0, 'b'), (5, 'c'), (7, 'd'), (8, 'd'), (14, 'e'), (15, 'e')] {
            let mut items = MINIMAL;
            items[index] = 1;
            let s = caps(&caps5(items, 1, 1, [2, 0, 0], None));
            assert!(!s.diagnosis, "item {} at 1", index + 1);
            let c = s.criteria;
            let failed: Vec<char> = [('b', c.b), ('c', c.c), ('d', c.d), ('e', c.e)]
                .into_iter()
                .filter(|(_, met)| !met)
                .map(|(n, _)| n)
                .collect();
            assert_eq!(failed, vec![cluster]);
            assert_eq!(s.total, 11);
        }
    }

    #[test]
    fn ratings_of_one_never_count_as_symptoms() {
        let s = caps(&caps5([1; 20], 1, 1, [4, 4, 4], None));
        assert_eq!(s.total, 20);
        let c = s.clusters;
        assert_eq!([c.b.present, c.c.present, c.d.present, c.e.present], [0; 4]);
        assert!(!s.diagnosis);
    }

    #[test]
    fn criteria_a_f_g_are_each_required() {
        assert!(!caps(&caps5(MINIMAL, 0, 1, [2, 0, 0], None)).diagnosis);
        assert!(!caps(&caps5(MINIMAL, 1, 0, [2, 0, 0], None)).diagnosis);
        let s = caps(&caps5(MINIMAL, 1, 1, [1, 1, 1], None));
        assert!(!s.criteria.g && !s.diagnosis);
        for g in [[2, 0, 0], [0, 2, 0], [0, 0, 2]] {
            let s = caps(&caps5(MINIMAL, 1, 1, g, None));
            assert!(s.criteria.g && s.diagnosis, "{g:?}");
        }
    }

    #[test]
    fn dissociative_subtype() {
        let with = |d, diag: bool| {
            let a = i64::from(diag);
            caps(&caps5(MINIMAL, a, 1, [2, 0, 0], Some(d)))
        };
        assert_eq!(with([2, 0], true).dissociative_subtype, Dissociative::Present);
        assert_eq!(with([0, 2], true).dissociative_subtype, Dissociative::Present);
        assert_eq!(with([1, 1], true).dissociative_subtype, Dissociative::Absent);
        assert_eq!(with([1, 1], true).dissociative_symptoms, Some(false));
        let no_diag = with([4, 4], false);
        assert_eq!(no_diag.dissociative_subtype, Dissociative::Absent);
        assert_eq!(no_diag.dissociative_symptoms, Some(true));
    }

    #[test]
    fn half_answered_dissociative_pair_is_not_computable() {
        let r = caps5(MINIMAL, 1, 1, [2, 0, 0], None).with("item29", Answer::Integer(3));
        assert_eq!(
            problems(&r),
            vec![AnswerProblem::IncompletePair { item: "item30".to_owned(), answered: "item29".to_owned() }]
        );
    }

    #[test]
    fn missing_and_out_of_range_items_are_listed() {
        let mut r = caps5(MINIMAL, 2, 1, [2, 0, 0], None).with("item3", Answer::Integer(5));
        r.answers.remove("item5");
        r.answers.insert("item21".to_owned(), Answer::Integer(1));
        let found = problems(&r);
        assert_eq!(
            found,
            vec![
                AnswerProblem::UnknownItem { item: "item21".to_owned() },
                AnswerProblem::NotAllowed {
                    item: "criterion_a".to_owned(),
                    value: "2".to_owned(),
                    allowed: "0-1".to_owned()
                },
                AnswerProblem::NotAllowed {
                    item: "item3".to_owned(),
                    value: "5".to_owned(),
                    allowed: "0-4".to_owned()
                },
                AnswerProblem::Missing { item: "item5".to_owned(), asked_because_yes: None, allowed: "0-4".to_owned() },
            ]
        );
    }

    #[test]
    fn wrong_answer_kind_is_rejected() {
        let r = caps5(MINIMAL, 1, 1, [2, 0, 0], None).with("item1", Answer::Yes);
        assert_eq!(
            problems(&r),
            vec![AnswerProblem::NotAllowed {
                item: "item1".to_owned(),
                value: "yes".to_owned(),
                allowed: "0-4".to_owned()
            }]
        );
    }

    /// A later version with a stricter threshold does not change how a v1 response scores.
    #[test]
    fn responses_score_by_the_version_they_pin() {
        let json = include_str!("../definitions/caps5.v1.json")
            .replace("\"version\": \"1\"", "\"version\": \"2\"")
            .replace("\"symptom_threshold\": 2", "\"symptom_threshold\": 3");
        let v2 = InstrumentDefinition::from_json("caps5.v2.json", &json).unwrap();
        let mut registry = registry();
        registry.insert(v2).unwrap();
        assert_eq!(registry.latest(InstrumentId::Caps5).unwrap().version, "2");
        let v1_response = caps5(MINIMAL, 1, 1, [2, 0, 0], None);
        let mut v2_response = v1_response.clone();
        v2_response.version = "2".to_owned();
        let opts = ScoreOptions::default();
        let v1 = registry.score(&v1_response, &opts).unwrap();
        let v2 = registry.score(&v2_response, &opts).unwrap();
        assert_eq!(v1.version, "1");
        assert_eq!(v2.version, "2");
        assert!(matches!(v1.score, Score::Caps5(s) if s.diagnosis));
        assert!(matches!(v2.score, Score::Caps5(s) if !s.diagnosis));
        let mut v3_response = v1_response;
        v3_response.version = "3".to_owned();
        assert_eq!(
            registry.score(&v3_response, &opts),
            Err(ScoreError::UnknownVersion { instrument: InstrumentId::Caps5, version: "3".to_owned() })
        );
    }
}
