//! Thin wrappers over `statrs` distributions for the few quantities the
//! analyses need, so that invalid degrees of freedom surface as errors instead
//! of panics and every module computes p-values the same way.

use statrs::distribution::{ChiSquared, ContinuousCDF, Normal, StudentsT};

use crate::AnalysisError;

fn students_t(df: f64) -> Result<StudentsT, AnalysisError> {
    StudentsT::new(0.0, 1.0, df).map_err(|e| AnalysisError::InvalidInput(format!("t distribution with {df} df: {e}")))
}

/// Two-sided p-value of a t statistic.
pub fn t_two_sided_p(t: f64, df: f64) -> Result<f64, AnalysisError> {
    Ok(2.0 * students_t(df)?.sf(t.abs()))
}

/// Upper `p` quantile of Student's t (for example `p = 0.975` for a 95% CI).
pub fn t_quantile(p: f64, df: f64) -> Result<f64, AnalysisError> {
    Ok(students_t(df)?.inverse_cdf(p))
}

/// Quantile of the standard normal distribution.
pub fn z_quantile(p: f64) -> f64 {
    // Normal::new(0, 1) cannot fail; `standard()` avoids the Result.
    Normal::standard().inverse_cdf(p)
}

/// Quantile of the chi-square distribution with (possibly fractional) `df`.
pub fn chi_square_quantile(p: f64, df: f64) -> Result<f64, AnalysisError> {
    let d = ChiSquared::new(df).map_err(|e| AnalysisError::InvalidInput(format!("chi-square with {df} df: {e}")))?;
    Ok(d.inverse_cdf(p))
}

/// Upper tail probability of the chi-square distribution.
pub fn chi_square_sf(x: f64, df: f64) -> Result<f64, AnalysisError> {
    let d = ChiSquared::new(df).map_err(|e| AnalysisError::InvalidInput(format!("chi-square with {df} df: {e}")))?;
    Ok(d.sf(x))
}
