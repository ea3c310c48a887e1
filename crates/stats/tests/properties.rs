//! Property tests: the MMRM reduces to per-visit least squares on complete
//! balanced data, and the blinding indices hit their known extremes.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use catalyst_stats::blinding::{ArmGuesses, GuessTable};
use catalyst_stats::{MmrmData, MmrmOptions, fit_mmrm};
use proptest::prelude::*;

/// Complete balanced data: `per_arm` subjects in each of two arms, `t` visits.
fn balanced(per_arm: usize, t: usize, values: &[f64]) -> MmrmData {
    let mut d = MmrmData {
        response_name: "y".into(),
        arm_name: "ARM".into(),
        visit_name: "VISIT".into(),
        ..MmrmData::default()
    };
    for arm in 0..2 {
        for s in 0..per_arm {
            for v in 0..t {
                d.subject.push(format!("{arm}-{s}"));
                d.arm.push(if arm == 0 { "PBO".into() } else { "ACT".into() });
                d.visit.push(format!("{}", v + 1));
                // An arm-by-visit mean pattern plus the random values.
                let mean = 10.0 + v as f64 + 2.0 * arm as f64 * v as f64;
                d.response.push(Some(mean + values[(arm * per_arm + s) * t + v]));
            }
        }
    }
    d
}

fn mean(x: &[f64]) -> f64 {
    x.iter().sum::<f64>() / x.len() as f64
}

proptest! {
    #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::with_cases(24) })]

    #[test]
    fn mmrm_un_reml_on_balanced_data_is_per_visit_ols(
        per_arm in 5usize..9,
        t in 2usize..5,
        values in proptest::collection::vec(-5.0f64..5.0, 2 * 8 * 4),
    ) {
        let data = balanced(per_arm, t, &values);
        let options = MmrmOptions { reference_arm: Some("PBO".into()), ..MmrmOptions::default() };
        let fit = fit_mmrm(&data, &options).unwrap();
        prop_assert!(fit.convergence.converged);
        let n_total = 2 * per_arm;
        for v in 0..t {
            let visit = format!("{}", v + 1);
            let cell = |arm: &str| -> Vec<f64> {
                (0..data.subject.len())
                    .filter(|&r| data.arm[r] == arm && data.visit[r] == visit)
                    .map(|r| data.response[r].unwrap())
                    .collect()
            };
            let (pbo, act) = (cell("PBO"), cell("ACT"));
            for (arm, y) in [("PBO", &pbo), ("ACT", &act)] {
                let m = fit.lsmeans.iter().find(|m| m.arm == arm && m.visit == visit).unwrap();
                prop_assert!((m.estimate.estimate - mean(y)).abs() < 1e-8, "LS mean {} vs {}", m.estimate.estimate, mean(y));
            }
            // Per-visit OLS: difference of means, pooled variance with N - 2 df.
            let ss = |y: &[f64]| { let m = mean(y); y.iter().map(|x| (x - m).powi(2)).sum::<f64>() };
            let s2 = (ss(&pbo) + ss(&act)) / (n_total - 2) as f64;
            let se = (s2 * 2.0 / per_arm as f64).sqrt();
            let d = fit.differences.iter().find(|d| d.visit == visit).unwrap();
            prop_assert!((d.estimate.estimate - (mean(&act) - mean(&pbo))).abs() < 1e-8);
            prop_assert!((d.estimate.std_error - se).abs() < 1e-6 * se, "SE {} vs {}", d.estimate.std_error, se);
            // The REML variance is a scaled Wishart diagonal: Satterthwaite gives N - 2 exactly.
            prop_assert!((d.estimate.df - (n_total - 2) as f64).abs() < 1e-4, "df {}", d.estimate.df);
        }
    }

    #[test]
    fn blinding_extremes(n_active in 1u64..300, n_placebo in 1u64..300, half in 1u64..100) {
        let arm = |a: u64, p: u64, dk: u64| ArmGuesses { guessed_active: a, guessed_placebo: p, dont_know: dk };
        let report = |active, placebo| GuessTable { active, placebo }.report(0.95).unwrap();

        // Everybody correct: Bang 1 in both arms, James 0 (complete unblinding).
        let r = report(arm(n_active, 0, 0), arm(0, n_placebo, 0));
        prop_assert!((r.bang_active.unwrap().estimate - 1.0).abs() < 1e-12);
        prop_assert!((r.bang_placebo.unwrap().estimate - 1.0).abs() < 1e-12);
        prop_assert!(r.james.unwrap().estimate.abs() < 1e-12);

        // Everybody wrong: Bang -1; James 1 when the arms are equally large
        // (the expected disagreement is then exactly half of the observed).
        let r = report(arm(0, n_active, 0), arm(n_active, 0, 0));
        prop_assert!((r.bang_active.unwrap().estimate + 1.0).abs() < 1e-12);
        prop_assert!((r.bang_placebo.unwrap().estimate + 1.0).abs() < 1e-12);
        prop_assert!((r.james.unwrap().estimate - 1.0).abs() < 1e-12);

        // Everybody "don't know": Bang 0; James 1 by definition (James 1996, p. 1425), SE 0.
        let r = report(arm(0, 0, n_active), arm(0, 0, n_placebo));
        prop_assert!(r.bang_active.unwrap().estimate.abs() < 1e-12);
        prop_assert!(r.bang_placebo.unwrap().estimate.abs() < 1e-12);
        let j = r.james.unwrap();
        prop_assert!((j.estimate - 1.0).abs() < 1e-12 && j.std_error == 0.0);

        // Random guessing (half active, half placebo in each arm, no "don't know"): Bang 0, James 0.5.
        let r = report(arm(half, half, 0), arm(half, half, 0));
        prop_assert!(r.bang_active.unwrap().estimate.abs() < 1e-12);
        prop_assert!((r.james.unwrap().estimate - 0.5).abs() < 1e-12);

        // Indices stay within their ranges for any table.
        let r = report(arm(n_active, half, n_placebo), arm(half, n_placebo, n_active));
        let j = r.james.unwrap().estimate;
        prop_assert!((0.0..=1.0).contains(&j));
        for b in [r.bang_active.unwrap().estimate, r.bang_placebo.unwrap().estimate] {
            prop_assert!((-1.0..=1.0).contains(&b));
        }
    }
}
