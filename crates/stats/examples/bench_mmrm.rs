//! Times the MMRM fit (UN, REML) on the two reference data sets.
//!
//! `cargo run --release -p catalyst-stats --example bench_mmrm [N]`
//! (N repetitions per data set, default 10; prints the median wall time).
//! The data are read from `shared/data/mmrm/` beside the repository.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::{Duration, Instant};

use catalyst_stats::{MmrmSpec, fit_mmrm, read_mmrm_csv};

fn bench(name: &str, file: &str, spec: &MmrmSpec, reps: usize) {
    let path = format!("{}/../../../shared/data/mmrm/{file}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let options = spec.options();
    let mut times: Vec<Duration> = Vec::with_capacity(reps);
    let mut last = None;
    for _ in 0..reps {
        let start = Instant::now();
        // Parsing is part of what the CLI does, so it is timed too.
        let data = read_mmrm_csv(text.as_bytes(), spec).expect("read");
        let fit = fit_mmrm(&data, &options).expect("fit");
        times.push(start.elapsed());
        last = Some(fit);
    }
    times.sort();
    let fit = last.expect("at least one repetition");
    println!(
        "{name}: {} subjects, {} observations, {} visits, {} patterns, {} fixed effects, {} covariance parameters; \
         {} iterations, -2 REML LL {:.6}; median {:.1} ms over {reps} fits (min {:.1} ms, max {:.1} ms)",
        fit.n_subjects,
        fit.n_observations,
        fit.visits.len(),
        fit.n_patterns,
        fit.fixed_effects.len(),
        fit.covariance_parameters.len(),
        fit.convergence.iterations,
        fit.fit_statistics.minus2_log_likelihood,
        times[reps / 2].as_secs_f64() * 1e3,
        times[0].as_secs_f64() * 1e3,
        times[reps - 1].as_secs_f64() * 1e3,
    );
}

fn main() {
    let reps: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(10).max(1);

    let mut fev = MmrmSpec::new("FEV1", "USUBJID", "AVISIT", "ARMCD");
    fev.covariates = vec!["RACE".into(), "SEX".into()];
    fev.reference_arm = Some("PBO".into());
    bench("fev_data  FEV1 ~ ARMCD*AVISIT + RACE + SEX", "fev_data.csv", &fev, reps);

    let mut bcva = MmrmSpec::new("BCVA_CHG", "USUBJID", "VISITN", "ARMCD");
    bcva.covariates = vec!["RACE".into(), "BCVA_BL".into()];
    bcva.reference_arm = Some("CTL".into());
    bench("bcva_data BCVA_CHG ~ ARMCD*VISITN + RACE + BCVA_BL", "bcva_data.csv", &bcva, reps);
}
