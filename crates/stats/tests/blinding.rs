//! Blinding indices against published values.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use catalyst_stats::blinding::{ArmGuesses, GuessTable};
use catalyst_stats::{AnalysisError, blinding_from_csv};

fn table(active: [u64; 3], placebo: [u64; 3]) -> GuessTable {
    let arm = |c: [u64; 3]| ArmGuesses { guessed_active: c[0], guessed_placebo: c[1], dont_know: c[2] };
    GuessTable { active: arm(active), placebo: arm(placebo) }
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

#[test]
fn crisp_trial_bang_2004_table_7() {
    // Treatment arm guessed treatment 82, placebo 25, don't know 170;
    // placebo arm guessed treatment 27, placebo 29, don't know 83.
    let r = table([82, 25, 170], [27, 29, 83]).report(0.95).unwrap();
    let (ba, bp, j) = (r.bang_active.unwrap(), r.bang_placebo.unwrap(), r.james.unwrap());
    assert_eq!(round3(ba.estimate), 0.206);
    assert_eq!(round3(bp.estimate), 0.014);
    assert_eq!(round3(j.estimate), 0.748);
    // Exact values: 57/277, 2/139.
    assert!((ba.estimate - 57.0 / 277.0).abs() < 1e-15);
    assert!((bp.estimate - 2.0 / 139.0).abs() < 1e-15);
    // Bang's SE: multinomial variance of p1 - p2.
    let (p1, p2) = (82.0 / 277.0, 25.0 / 277.0);
    let se = ((p1 * (1.0 - p1) + p2 * (1.0 - p2) + 2.0 * p1 * p2) / 277.0f64).sqrt();
    assert!((ba.std_error - se).abs() < 1e-15);
    assert!((ba.lower - (ba.estimate - 1.959963984540054 * se)).abs() < 1e-9);
}

#[test]
fn houweling_2014_investigators_as_in_the_r_package_bi() {
    // Values printed by the R package BI / BlindingIndex.jl test suite (3 decimals).
    let r = table([48, 4, 330], [22, 30, 319]).report(0.95).unwrap();
    let j = r.james.unwrap();
    assert_eq!(
        [round3(j.estimate), round3(j.std_error), round3(j.lower), round3(j.upper)],
        [0.896, 0.011, 0.875, 0.918]
    );
    let b = r.bang_active.unwrap();
    assert_eq!([round3(b.estimate), round3(b.std_error), round3(b.lower), round3(b.upper)], [0.115, 0.018, 0.08, 0.15]);
    let b = r.bang_placebo.unwrap();
    assert_eq!(
        [round3(b.estimate), round3(b.std_error), round3(b.lower), round3(b.upper)],
        [0.022, 0.019, -0.016, 0.06]
    );
}

#[test]
fn csv_front_end() {
    let csv = "arm,guess\nactive,active\nactive,Don't know\nplacebo,placebo\nplacebo,unknown\nactive,placebo\nPlacebo,DONT_KNOW\n";
    let r = blinding_from_csv(csv.as_bytes()).unwrap();
    assert_eq!(r.counts, table([1, 1, 1], [0, 1, 2]));
    assert!(r.to_text().contains("James"));
    serde_json::to_string(&r).unwrap();

    let bad = "arm,guess\nactive,maybe\n";
    match blinding_from_csv(bad.as_bytes()) {
        Err(AnalysisError::InvalidLevel { line, column, value, allowed }) => {
            assert_eq!((line, column.as_str(), value.as_str()), (2, "guess", "maybe"));
            assert!(allowed.contains(&"dont_know".to_string()));
        }
        other => panic!("{other:?}"),
    }
    let bad = "arm,guess\nmdma,active\n";
    assert!(matches!(blinding_from_csv(bad.as_bytes()), Err(AnalysisError::InvalidLevel { .. })));
    let bad = "group,guess\nactive,active\n";
    match blinding_from_csv(bad.as_bytes()) {
        Err(AnalysisError::UnknownColumn { column, available }) => {
            assert_eq!(column, "arm");
            assert_eq!(available, vec!["group", "guess"]);
        }
        other => panic!("{other:?}"),
    }
}
