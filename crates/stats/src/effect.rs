//! Standardised mean difference (Cohen's d) with a confidence interval.

use serde::Serialize;

use crate::AnalysisError;
use crate::dist::z_quantile;

/// Cohen's d with its normal-approximation confidence interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct CohensD {
    /// `(mean_a - mean_b) / s_pooled`.
    pub d: f64,
    /// Pooled standard deviation `sqrt(((n_a-1) s_a^2 + (n_b-1) s_b^2) / (n_a+n_b-2))`.
    pub pooled_sd: f64,
    /// Standard error (Hedges & Olkin 1985, eq. 5.15).
    pub std_error: f64,
    /// Lower confidence limit.
    pub lower: f64,
    /// Upper confidence limit.
    pub upper: f64,
}

fn mean_var(x: &[f64]) -> (f64, f64) {
    let n = x.len() as f64;
    let m = x.iter().sum::<f64>() / n;
    let v = x.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (n - 1.0);
    (m, v)
}

/// Cohen's d of group `a` versus group `b` (positive when `a` has the larger
/// mean), with the large-sample variance of Hedges & Olkin (1985,
/// *Statistical Methods for Meta-Analysis*, eq. 5.15):
/// `Var(d) = (n_a + n_b) / (n_a n_b) + d^2 / (2 (n_a + n_b))`,
/// and the interval `d -/+ z Var(d)^1/2`. The small-sample bias correction
/// (Hedges' g) is deliberately not applied: d is what trial reports quote.
pub fn cohens_d(a: &[f64], b: &[f64], confidence_level: f64) -> Result<CohensD, AnalysisError> {
    if a.len() < 2 || b.len() < 2 {
        return Err(AnalysisError::InvalidInput("Cohen's d needs at least two values per group".into()));
    }
    if a.iter().chain(b).any(|v| !v.is_finite()) {
        return Err(AnalysisError::InvalidInput("Cohen's d: non-finite value".into()));
    }
    if !(confidence_level > 0.0 && confidence_level < 1.0) {
        return Err(AnalysisError::InvalidInput(format!("confidence level must be in (0, 1), got {confidence_level}")));
    }
    let (na, nb) = (a.len() as f64, b.len() as f64);
    let (ma, va) = mean_var(a);
    let (mb, vb) = mean_var(b);
    let pooled_sd = (((na - 1.0) * va + (nb - 1.0) * vb) / (na + nb - 2.0)).sqrt();
    if pooled_sd <= 0.0 {
        return Err(AnalysisError::InvalidInput("Cohen's d: both groups are constant".into()));
    }
    let d = (ma - mb) / pooled_sd;
    let std_error = ((na + nb) / (na * nb) + d * d / (2.0 * (na + nb))).sqrt();
    let z = z_quantile(0.5 + confidence_level / 2.0);
    Ok(CohensD { d, pooled_sd, std_error, lower: d - z * std_error, upper: d + z * std_error })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_computed_example() {
        // a: mean 5, var 2.5; b: mean 3, var 2.5 -> pooled sd sqrt(2.5), d = 2 / 1.5811
        let a = [3.0, 4.0, 5.0, 6.0, 7.0];
        let b = [1.0, 2.0, 3.0, 4.0, 5.0];
        let r = cohens_d(&a, &b, 0.95).unwrap();
        let d = 2.0 / 2.5f64.sqrt();
        assert!((r.d - d).abs() < 1e-12);
        let se = (10.0 / 25.0 + d * d / 20.0).sqrt();
        assert!((r.std_error - se).abs() < 1e-12);
        assert!((r.lower - (d - 1.959963984540054 * se)).abs() < 1e-9);
        assert!(cohens_d(&a[..1], &b, 0.95).is_err());
    }
}
