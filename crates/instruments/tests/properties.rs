//! Property tests: invariants that must hold for every valid answer set.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use catalyst_instruments::scoring::caps5::Dissociative;
use catalyst_instruments::scoring::cssrs::RiskLevel;
use catalyst_instruments::scoring::phq9::Phq9Severity;
use catalyst_instruments::{
    Answer, BatchInstrument, BatchOptions, InstrumentId, Instruments, Response, Score, ScoreOptions, score_csv,
};
use proptest::prelude::*;

fn numbered(id: InstrumentId, values: &[i64]) -> Response {
    values
        .iter()
        .enumerate()
        .fold(Response::new(id, "1"), |r, (i, &v)| r.with(format!("item{}", i + 1), Answer::Integer(v)))
}

fn score(registry: &Instruments, r: &Response, options: &ScoreOptions) -> Score {
    registry.score(r, options).unwrap().score
}

fn caps_response(items: &[i64], a: i64, f: i64, g: &[i64], d: Option<(i64, i64)>) -> Response {
    let mut r = numbered(InstrumentId::Caps5, items)
        .with("criterion_a", Answer::Integer(a))
        .with("item22", Answer::Integer(f))
        .with("item23", Answer::Integer(g[0]))
        .with("item24", Answer::Integer(g[1]))
        .with("item25", Answer::Integer(g[2]));
    if let Some((x, y)) = d {
        r = r.with("item29", Answer::Integer(x)).with("item30", Answer::Integer(y));
    }
    r
}

const CLUSTERS: [(std::ops::Range<usize>, u32); 4] = [(0..5, 1), (5..7, 1), (7..14, 2), (14..20, 2)];

proptest! {
    #[test]
    fn caps5_invariants(
        items in prop::collection::vec(0_i64..=4, 20),
        a in 0_i64..=1,
        f in 0_i64..=1,
        g in prop::collection::vec(0_i64..=4, 3),
        d in prop::option::of((0_i64..=4, 0_i64..=4)),
    ) {
        let registry = Instruments::builtin().unwrap();
        let Score::Caps5(s) = score(&registry, &caps_response(&items, a, f, &g, d), &ScoreOptions::default()) else { panic!() };
        let c = s.clusters;
        let scored = [c.b, c.c, c.d, c.e];
        prop_assert_eq!(i64::from(s.total), items.iter().sum::<i64>());
        prop_assert_eq!(s.total, scored.iter().map(|x| x.severity).sum::<u32>());
        prop_assert!(s.total <= 80);
        let mut meets = true;
        for ((range, min), cluster) in CLUSTERS.iter().zip(scored) {
            let present = items[range.clone()].iter().filter(|&&v| v >= 2).count() as u32;
            prop_assert_eq!(cluster.present, present);
            prop_assert!(cluster.present <= cluster.items);
            prop_assert_eq!(cluster.items as usize, range.len());
            prop_assert_eq!(i64::from(cluster.severity), items[range.clone()].iter().sum::<i64>());
            meets &= present >= *min;
        }
        let expected = a == 1 && f == 1 && g.iter().any(|&v| v >= 2) && meets;
        prop_assert_eq!(s.diagnosis, expected);
        if s.diagnosis {
            prop_assert!(c.b.present >= 1 && c.c.present >= 1 && c.d.present >= 2 && c.e.present >= 2);
        }
        let expected_subtype = match d {
            None => Dissociative::NotAssessed,
            Some((x, y)) if expected && (x >= 2 || y >= 2) => Dissociative::Present,
            Some(_) => Dissociative::Absent,
        };
        prop_assert_eq!(s.dissociative_subtype, expected_subtype);
    }

    #[test]
    fn pcl5_cutpoint_and_dsm_rule(items in prop::collection::vec(0_i64..=4, 20), cut in 0_u32..=80) {
        let registry = Instruments::builtin().unwrap();
        let options = ScoreOptions { pcl5_cutpoint: Some(cut) };
        let Score::Pcl5(s) = score(&registry, &numbered(InstrumentId::Pcl5, &items), &options) else { panic!() };
        let total: i64 = items.iter().sum();
        prop_assert_eq!(i64::from(s.total), total);
        prop_assert_eq!(s.provisional_cutpoint, total >= i64::from(cut));
        let meets = CLUSTERS.iter().all(|(r, min)| items[r.clone()].iter().filter(|&&v| v >= 2).count() as u32 >= *min);
        prop_assert_eq!(s.provisional_dsm, meets);
    }

    #[test]
    fn phq9_band_and_flag(items in prop::collection::vec(0_i64..=3, 9)) {
        let registry = Instruments::builtin().unwrap();
        let Score::Phq9(s) = score(&registry, &numbered(InstrumentId::Phq9, &items), &ScoreOptions::default()) else { panic!() };
        let total: i64 = items.iter().sum();
        let band = match total {
            0..=4 => Phq9Severity::Minimal,
            5..=9 => Phq9Severity::Mild,
            10..=14 => Phq9Severity::Moderate,
            15..=19 => Phq9Severity::ModeratelySevere,
            _ => Phq9Severity::Severe,
        };
        prop_assert_eq!((i64::from(s.total), s.severity, s.item9_flag), (total, band, items[8] > 0));
    }

    #[test]
    fn cssrs_levels(q in prop::collection::vec(any::<bool>(), 7)) {
        let registry = Instruments::builtin().unwrap();
        let yn = |b: bool| if b { Answer::Yes } else { Answer::No };
        let mut r = Response::new(InstrumentId::Cssrs, "1").with("q1", yn(q[0])).with("q2", yn(q[1])).with("q6", yn(q[5]));
        if q[1] {
            r = r.with("q3", yn(q[2])).with("q4", yn(q[3])).with("q5", yn(q[4]));
        }
        if q[5] {
            r = r.with("q6_past_3_months", yn(q[6]));
        }
        let Score::Cssrs(s) = score(&registry, &r, &ScoreOptions::default()) else { panic!() };
        let (q3, q4, q5, past3) = (q[1] && q[2], q[1] && q[3], q[1] && q[4], q[5] && q[6]);
        let expected = if q4 || q5 || past3 {
            RiskLevel::High
        } else if q3 || q[5] {
            RiskLevel::Moderate
        } else if q[0] || q[1] {
            RiskLevel::Low
        } else {
            RiskLevel::None
        };
        prop_assert_eq!(s.risk, expected);
        prop_assert_eq!(s.blocks_dosing, expected == RiskLevel::High);
        prop_assert_eq!(s.raises_alert, expected == RiskLevel::High);
    }

    /// The batch scorer and single-response scoring agree row by row.
    #[test]
    fn batch_matches_single_scoring(rows in prop::collection::vec((prop::collection::vec(0_i64..=4, 24), 0_i64..=1, 0_i64..=1), 0..20)) {
        let registry = Instruments::builtin().unwrap();
        let mut input = String::from("id,criterion_a");
        for n in 1..=20 { input.push_str(&format!(",item{n}")); }
        input.push_str(",item22,item23,item24,item25\n");
        let mut expected = String::from("id,total,b,c,d,e,b_count,c_count,d_count,e_count,diagnosis,dissociative\n");
        for (i, (v, a, f)) in rows.iter().enumerate() {
            let items = &v[..20];
            let g = &v[20..23];
            let cells: Vec<String> = items.iter().map(i64::to_string).collect();
            input.push_str(&format!("r{i},{a},{},{f},{},{},{}\n", cells.join(","), g[0], g[1], g[2]));
            let Score::Caps5(s) = score(&registry, &caps_response(items, *a, *f, g, None), &ScoreOptions::default()) else { panic!() };
            let c = s.clusters;
            expected.push_str(&format!(
                "r{i},{},{},{},{},{},{},{},{},{},{},\n",
                s.total, c.b.severity, c.c.severity, c.d.severity, c.e.severity,
                c.b.present, c.c.present, c.d.present, c.e.present, s.diagnosis
            ));
        }
        let mut out = Vec::new();
        let summary = score_csv(BatchInstrument::Caps5, &BatchOptions::default(), input.as_bytes(), &mut out).unwrap();
        prop_assert_eq!(summary.rows, rows.len() as u64);
        prop_assert_eq!(String::from_utf8(out).unwrap(), expected);
    }
}
