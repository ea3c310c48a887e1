//! Endpoints: change from baseline and the CAPS-5 / PCL-5 responder definitions.
//!
//! The definitions are data ([`EndpointDefinitions`]) with defaults from clinical.md section 4
//! (the phase 3 trials' CAPS-5 endpoints, Mitchell et al. 2021 and 2023), so a programme can
//! configure them; every endpoint result carries the definition that produced it.
//!
//! Baseline: the first assessment of each instrument in the participant's time-ordered list.
//! C-SSRS and the daily check-in are not part of change from baseline: the C-SSRS is a
//! categorical safety screen acted on at every administration (alerts, dosing blocks), and the
//! check-in is a daily trend with no single baseline.

use serde::{Deserialize, Serialize};

use crate::scoring::Score;
use crate::scoring::clusters::Clusters;

/// CAPS-5 endpoint thresholds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Caps5EndpointDefinition {
    /// Clinically meaningful response: total falls by at least this many points.
    pub response_min_fall: u32,
    /// Remission: loss of diagnosis and total at most this.
    pub remission_max_total: u32,
    /// Where the definition comes from.
    pub citation: String,
}

/// PCL-5 change thresholds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pcl5EndpointDefinition {
    /// Reliable change: total falls by at least this many points.
    pub reliable_min_fall: u32,
    /// Clinically meaningful change: total falls by at least this many points.
    pub meaningful_min_fall: u32,
    /// Where the definition comes from.
    pub citation: String,
}

/// All endpoint definitions of a programme.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EndpointDefinitions {
    /// CAPS-5.
    pub caps5: Caps5EndpointDefinition,
    /// PCL-5.
    pub pcl5: Pcl5EndpointDefinition,
}

impl Default for EndpointDefinitions {
    /// clinical.md section 4: CAPS-5 response = fall >= 10, remission = loss of diagnosis and
    /// total <= 11 (phase 3 wording unconfirmed); PCL-5 change 5 = reliable, 10 = meaningful.
    fn default() -> Self {
        Self {
            caps5: Caps5EndpointDefinition {
                response_min_fall: 10,
                remission_max_total: 11,
                citation: "clinical.md section 4 (phase 3 CAPS-5 endpoints; Mitchell 2021, \
                           PMID 33972795; Mitchell 2023, PMID 37709999; wording unconfirmed)"
                    .to_owned(),
            },
            pcl5: Pcl5EndpointDefinition {
                reliable_min_fall: 5,
                meaningful_min_fall: 10,
                citation: "clinical.md section 4 (PCL-5: 5 points reliable, 10 clinically \
                           meaningful)"
                    .to_owned(),
            },
        }
    }
}

/// One scored assessment in a participant's history. The caller supplies them in time order;
/// `label` identifies the visit (a date or visit name) in the results.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Assessment {
    /// Visit label.
    pub label: String,
    /// The score.
    pub score: Score,
}

/// A numeric measure tracked for change from baseline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Measure {
    /// CAPS-5 total severity.
    Caps5Total,
    /// CAPS-5 cluster B severity.
    Caps5B,
    /// CAPS-5 cluster C severity.
    Caps5C,
    /// CAPS-5 cluster D severity.
    Caps5D,
    /// CAPS-5 cluster E severity.
    Caps5E,
    /// PCL-5 total.
    Pcl5Total,
    /// PCL-5 cluster B.
    Pcl5B,
    /// PCL-5 cluster C.
    Pcl5C,
    /// PCL-5 cluster D.
    Pcl5D,
    /// PCL-5 cluster E.
    Pcl5E,
    /// SDS total over three domains (absent when work/school is not applicable, since a
    /// two-domain total is not comparable with a three-domain one).
    SdsTotal,
    /// SDS work/school (absent when not applicable).
    SdsWork,
    /// SDS social life.
    SdsSocial,
    /// SDS family life.
    SdsFamily,
    /// PHQ-9 total.
    Phq9Total,
}

/// One follow-up value of a measure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChangePoint {
    /// Visit label.
    pub label: String,
    /// The value (`None` when the measure is not available at this visit).
    pub value: Option<u32>,
    /// `value - baseline` (negative = fewer symptoms); `None` when either is unavailable.
    pub change: Option<i64>,
}

/// Change from baseline of one measure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MeasureChange {
    /// Which measure.
    pub measure: Measure,
    /// Baseline visit label.
    pub baseline_label: String,
    /// Baseline value (`None` when not available at baseline, so no change can be computed).
    pub baseline: Option<u32>,
    /// Later visits of the same instrument, in input order.
    pub points: Vec<ChangePoint>,
}

/// Status of an endpoint that needs a baseline diagnosis.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EndpointStatus {
    /// Met.
    Met,
    /// Not met.
    NotMet,
    /// The baseline did not meet the diagnosis, so the diagnosis cannot be lost.
    NotApplicable,
}

/// CAPS-5 endpoints at one follow-up visit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Caps5Endpoint {
    /// Visit label.
    pub label: String,
    /// Total at this visit.
    pub total: u32,
    /// Change from baseline (negative = improvement).
    pub change: i64,
    /// Total fell by at least `response_min_fall`.
    pub clinically_meaningful_response: bool,
    /// Met the diagnosis at baseline and no longer meets it.
    pub loss_of_diagnosis: EndpointStatus,
    /// Loss of diagnosis and total <= `remission_max_total`.
    pub remission: EndpointStatus,
    /// The definition applied.
    pub definition: Caps5EndpointDefinition,
}

/// PCL-5 change endpoints at one follow-up visit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Pcl5Endpoint {
    /// Visit label.
    pub label: String,
    /// Total at this visit.
    pub total: u32,
    /// Change from baseline (negative = improvement).
    pub change: i64,
    /// Fell by at least `reliable_min_fall`.
    pub reliable_change: bool,
    /// Fell by at least `meaningful_min_fall`.
    pub clinically_meaningful: bool,
    /// The definition applied.
    pub definition: Pcl5EndpointDefinition,
}

/// Everything derived from a participant's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EndpointReport {
    /// Change from baseline per measure.
    pub changes: Vec<MeasureChange>,
    /// CAPS-5 endpoints per follow-up visit.
    pub caps5: Vec<Caps5Endpoint>,
    /// PCL-5 endpoints per follow-up visit.
    pub pcl5: Vec<Pcl5Endpoint>,
}

fn cluster_measures(c: &Clusters, total: u32, m: [Measure; 5]) -> Vec<(Measure, Option<u32>)> {
    vec![
        (m[0], Some(total)),
        (m[1], Some(c.b.severity)),
        (m[2], Some(c.c.severity)),
        (m[3], Some(c.d.severity)),
        (m[4], Some(c.e.severity)),
    ]
}

/// The numeric measures of a score, in a fixed order.
fn measures(score: &Score) -> Vec<(Measure, Option<u32>)> {
    use Measure::*;
    match score {
        Score::Caps5(s) => cluster_measures(&s.clusters, s.total, [Caps5Total, Caps5B, Caps5C, Caps5D, Caps5E]),
        Score::Pcl5(s) => cluster_measures(&s.clusters, s.total, [Pcl5Total, Pcl5B, Pcl5C, Pcl5D, Pcl5E]),
        Score::Sds(s) => vec![
            (SdsTotal, s.work.map(|_| s.total)),
            (SdsWork, s.work),
            (SdsSocial, Some(s.social)),
            (SdsFamily, Some(s.family)),
        ],
        Score::Phq9(s) => vec![(Phq9Total, Some(s.total))],
        Score::Cssrs(_) | Score::DailyCheckin(_) => Vec::new(),
    }
}

fn same_instrument(a: &Score, b: &Score) -> bool {
    std::mem::discriminant(a) == std::mem::discriminant(b)
}

/// Derives change from baseline for every numeric measure and the CAPS-5 and PCL-5 endpoints
/// from a participant's assessments in time order.
pub fn endpoints(assessments: &[Assessment], definitions: &EndpointDefinitions) -> EndpointReport {
    let mut changes = Vec::new();
    let mut caps5 = Vec::new();
    let mut pcl5 = Vec::new();
    let mut seen: Vec<&Score> = Vec::new();
    for (i, baseline) in assessments.iter().enumerate() {
        if seen.iter().any(|s| same_instrument(s, &baseline.score)) {
            continue;
        }
        seen.push(&baseline.score);
        let later: Vec<&Assessment> =
            assessments[i + 1..].iter().filter(|a| same_instrument(&a.score, &baseline.score)).collect();
        for (measure, base_value) in measures(&baseline.score) {
            let points = later
                .iter()
                .map(|a| {
                    let value = measures(&a.score).into_iter().find(|(m, _)| *m == measure).and_then(|(_, v)| v);
                    ChangePoint {
                        label: a.label.clone(),
                        value,
                        change: value.zip(base_value).map(|(v, b)| i64::from(v) - i64::from(b)),
                    }
                })
                .collect();
            changes.push(MeasureChange {
                measure,
                baseline_label: baseline.label.clone(),
                baseline: base_value,
                points,
            });
        }
        match &baseline.score {
            Score::Caps5(base) => {
                for a in &later {
                    if let Score::Caps5(s) = &a.score {
                        caps5.push(caps5_endpoint(&a.label, base, s, &definitions.caps5));
                    }
                }
            }
            Score::Pcl5(base) => {
                for a in &later {
                    if let Score::Pcl5(s) = &a.score {
                        let fall = i64::from(base.total) - i64::from(s.total);
                        let d = &definitions.pcl5;
                        pcl5.push(Pcl5Endpoint {
                            label: a.label.clone(),
                            total: s.total,
                            change: -fall,
                            reliable_change: fall >= i64::from(d.reliable_min_fall),
                            clinically_meaningful: fall >= i64::from(d.meaningful_min_fall),
                            definition: d.clone(),
                        });
                    }
                }
            }
            _ => {}
        }
    }
    EndpointReport { changes, caps5, pcl5 }
}

fn caps5_endpoint(
    label: &str,
    base: &crate::scoring::caps5::Caps5Score,
    now: &crate::scoring::caps5::Caps5Score,
    d: &Caps5EndpointDefinition,
) -> Caps5Endpoint {
    let fall = i64::from(base.total) - i64::from(now.total);
    let status = |met: bool| {
        if !base.diagnosis {
            EndpointStatus::NotApplicable
        } else if met {
            EndpointStatus::Met
        } else {
            EndpointStatus::NotMet
        }
    };
    Caps5Endpoint {
        label: label.to_owned(),
        total: now.total,
        change: -fall,
        clinically_meaningful_response: fall >= i64::from(d.response_min_fall),
        loss_of_diagnosis: status(!now.diagnosis),
        remission: status(!now.diagnosis && now.total <= d.remission_max_total),
        definition: d.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::definition::InstrumentId;
    use crate::response::Answer;
    use crate::scoring::test_support::{MINIMAL, caps5, numbered, score};

    /// A CAPS-5 score with the given total. From 12 up it keeps the minimal diagnostic
    /// pattern, raising present symptoms first, and meets the diagnosis iff `diagnosis`
    /// (criterion A); below 12 every item is at most 1, so there is no diagnosis.
    fn caps_total(total: i64, diagnosis: bool) -> Score {
        let mut items = MINIMAL;
        let mut left = total - 12;
        // Raise already-present symptoms first so the pattern stays the same.
        for i in [0, 5, 7, 8, 14, 15, 1, 2, 3, 4, 6, 9, 10, 11, 12, 13, 16, 17, 18, 19] {
            let add = left.min(4 - items[i]).max(0);
            items[i] += add;
            left -= add;
        }
        if left < 0 {
            items = [0; 20];
            for item in items.iter_mut().take(usize::try_from(total).unwrap()) {
                *item = 1;
            }
        }
        let s = score(&caps5(items, i64::from(diagnosis), 1, [2, 0, 0], None)).unwrap();
        if let Score::Caps5(c) = &s {
            assert_eq!((i64::from(c.total), c.diagnosis), (total, diagnosis && total >= 12));
        }
        s
    }

    fn at(label: &str, score: Score) -> Assessment {
        Assessment { label: label.to_owned(), score }
    }

    #[test]
    fn caps5_response_loss_and_remission() {
        let history = [
            at("baseline", caps_total(40, true)),
            at("v2", caps_total(31, true)),  // fall 9: no response
            at("v3", caps_total(30, true)),  // fall 10: response, still diagnosed
            at("v4", caps_total(12, false)), // lost diagnosis, 12 > 11: no remission
            at("v5", caps_total(11, false)), // remission
        ];
        let report = endpoints(&history, &EndpointDefinitions::default());
        let summary: Vec<(&str, i64, bool, EndpointStatus, EndpointStatus)> = report
            .caps5
            .iter()
            .map(|e| (e.label.as_str(), e.change, e.clinically_meaningful_response, e.loss_of_diagnosis, e.remission))
            .collect();
        use EndpointStatus::*;
        assert_eq!(
            summary,
            [
                ("v2", -9, false, NotMet, NotMet),
                ("v3", -10, true, NotMet, NotMet),
                ("v4", -28, true, Met, NotMet),
                ("v5", -29, true, Met, Met),
            ]
        );
        assert!(report.caps5.iter().all(|e| e.definition.response_min_fall == 10));
    }

    #[test]
    fn endpoint_definitions_are_configurable() {
        let mut defs = EndpointDefinitions::default();
        defs.caps5.response_min_fall = 15;
        defs.caps5.remission_max_total = 12;
        let history = [at("b", caps_total(40, true)), at("f", caps_total(12, false))];
        let report = endpoints(&history, &defs);
        assert_eq!(report.caps5[0].remission, EndpointStatus::Met);
        let history = [at("b", caps_total(40, true)), at("f", caps_total(26, true))];
        let report = endpoints(&history, &defs);
        assert!(!report.caps5[0].clinically_meaningful_response);
        assert_eq!(report.caps5[0].definition, defs.caps5);
    }

    #[test]
    fn no_baseline_diagnosis_means_not_applicable() {
        let history = [at("b", caps_total(40, false)), at("f", caps_total(10, false))];
        let e = &endpoints(&history, &EndpointDefinitions::default()).caps5[0];
        assert!(e.clinically_meaningful_response);
        assert_eq!((e.loss_of_diagnosis, e.remission), (EndpointStatus::NotApplicable, EndpointStatus::NotApplicable));
    }

    fn sds(work: Answer, social: i64, family: i64) -> Score {
        score(
            &crate::response::Response::new(InstrumentId::Sds, "1")
                .with("work", work)
                .with("social", Answer::Integer(social))
                .with("family", Answer::Integer(family)),
        )
        .unwrap()
    }

    #[test]
    fn change_from_baseline_per_measure_and_instrument() {
        let history = [
            at("b", numbered_score(InstrumentId::Pcl5, &[3; 20])),
            at("b", sds(Answer::Integer(6), 5, 4)),
            at("b", numbered_score(InstrumentId::Phq9, &[2; 9])),
            at("w4", numbered_score(InstrumentId::Pcl5, &[2; 20])),
            at("w4", sds(Answer::NotApplicable, 3, 4)),
            at("w8", numbered_score(InstrumentId::Phq9, &[1; 9])),
            at("w8", numbered_score(InstrumentId::Pcl5, &[3, 3, 3, 3, 2, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3])),
        ];
        let report = endpoints(&history, &EndpointDefinitions::default());
        let find = |m: Measure| report.changes.iter().find(|c| c.measure == m).unwrap();
        let pcl = find(Measure::Pcl5Total);
        assert_eq!(pcl.baseline, Some(60));
        let changes: Vec<Option<i64>> = pcl.points.iter().map(|p| p.change).collect();
        assert_eq!(changes, [Some(-20), Some(-1)]);
        assert_eq!(find(Measure::Pcl5B).points[0].change, Some(-5));
        let sds_total = find(Measure::SdsTotal);
        assert_eq!(sds_total.baseline, Some(15));
        assert_eq!((sds_total.points[0].value, sds_total.points[0].change), (None, None));
        assert_eq!(find(Measure::SdsSocial).points[0].change, Some(-2));
        assert_eq!(find(Measure::Phq9Total).points[0].change, Some(-9));
        assert!(report.caps5.is_empty());
        let pcl5: Vec<(i64, bool, bool)> =
            report.pcl5.iter().map(|e| (e.change, e.reliable_change, e.clinically_meaningful)).collect();
        assert_eq!(pcl5, [(-20, true, true), (-1, false, false)]);
    }

    #[test]
    fn pcl5_reliable_change_boundary() {
        let history = [
            at("b", numbered_score(InstrumentId::Pcl5, &[2; 20])),
            at("f1", numbered_score(InstrumentId::Pcl5, &with_fall(5))),
            at("f2", numbered_score(InstrumentId::Pcl5, &with_fall(4))),
            at("f3", numbered_score(InstrumentId::Pcl5, &with_fall(10))),
            at("f4", numbered_score(InstrumentId::Pcl5, &with_fall(9))),
        ];
        let report = endpoints(&history, &EndpointDefinitions::default());
        let flags: Vec<(bool, bool)> =
            report.pcl5.iter().map(|e| (e.reliable_change, e.clinically_meaningful)).collect();
        assert_eq!(flags, [(true, false), (false, false), (true, true), (true, false)]);
    }

    fn with_fall(fall: usize) -> [i64; 20] {
        let mut items = [2; 20];
        for item in items.iter_mut().take(fall) {
            *item = 1;
        }
        items
    }

    fn numbered_score(id: InstrumentId, values: &[i64]) -> Score {
        score(&numbered(id, values)).unwrap()
    }
}
