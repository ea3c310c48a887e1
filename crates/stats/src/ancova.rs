//! ANCOVA of the change from baseline at the primary visit: ordinary least
//! squares of `change ~ arm + baseline [+ site]`, with treatment coding of the
//! arm (reference arm = control) and of the optional site factor. The
//! treatment difference is the arm coefficient, tested with Student's t on
//! the residual degrees of freedom `n - p`.

use std::collections::BTreeSet;

use nalgebra::{DMatrix, DVector};
use serde::Serialize;

use crate::AnalysisError;
use crate::dist::{t_quantile, t_two_sided_p};
use crate::mmrm::Estimate;

/// One row per subject.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AncovaData {
    /// Arm of each subject.
    pub arm: Vec<String>,
    /// Change from baseline at the primary visit.
    pub change: Vec<f64>,
    /// Baseline value.
    pub baseline: Vec<f64>,
    /// Optional site (categorical), same length.
    pub site: Option<Vec<String>>,
}

/// A treatment difference from the ANCOVA.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AncovaDifference {
    /// Compared arm.
    pub arm: String,
    /// Reference arm.
    pub reference: String,
    /// Adjusted difference with inference.
    #[serde(flatten)]
    pub estimate: Estimate,
}

/// ANCOVA result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AncovaResult {
    /// Subjects analysed.
    pub n: usize,
    /// Residual degrees of freedom.
    pub residual_df: usize,
    /// Residual standard deviation.
    pub residual_sd: f64,
    /// Baseline slope.
    pub baseline_slope: f64,
    /// Each non-reference arm minus the reference arm, adjusted.
    pub differences: Vec<AncovaDifference>,
}

fn levels(values: &[String], reference: Option<&str>, factor: &str) -> Result<Vec<String>, AnalysisError> {
    let mut l: Vec<String> = values.iter().cloned().collect::<BTreeSet<_>>().into_iter().collect();
    if let Some(r) = reference {
        let pos = l.iter().position(|x| x == r).ok_or_else(|| AnalysisError::UnknownReference {
            factor: factor.into(),
            level: r.into(),
            available: l.clone(),
        })?;
        let r = l.remove(pos);
        l.insert(0, r);
    }
    Ok(l)
}

/// Fits the ANCOVA; `reference_arm` defaults to the first arm in sorted order.
pub fn ancova(
    data: &AncovaData,
    reference_arm: Option<&str>,
    confidence_level: f64,
) -> Result<AncovaResult, AnalysisError> {
    let n = data.arm.len();
    if data.change.len() != n || data.baseline.len() != n || data.site.as_ref().is_some_and(|s| s.len() != n) {
        return Err(AnalysisError::InvalidInput("ANCOVA columns must have the same length".into()));
    }
    if data.change.iter().chain(&data.baseline).any(|v| !v.is_finite()) {
        return Err(AnalysisError::InvalidInput("ANCOVA: non-finite change or baseline".into()));
    }
    if !(confidence_level > 0.0 && confidence_level < 1.0) {
        return Err(AnalysisError::InvalidInput(format!("confidence level must be in (0, 1), got {confidence_level}")));
    }
    let arms = levels(&data.arm, reference_arm, "arm")?;
    if arms.len() < 2 {
        return Err(AnalysisError::SingleArm { arm: arms.into_iter().next().unwrap_or_default() });
    }
    let sites = match &data.site {
        Some(s) => levels(s, None, "site")?,
        None => Vec::new(),
    };
    let p = arms.len() + 1 + sites.len().saturating_sub(1);
    if n <= p {
        return Err(AnalysisError::TooFewSubjects { subjects: n, observations: n, fixed: p, covariance: 1 });
    }
    let mut x = DMatrix::<f64>::zeros(n, p);
    for i in 0..n {
        x[(i, 0)] = 1.0;
        if let Some(a) = arms.iter().position(|a| a == &data.arm[i]).filter(|&a| a > 0) {
            x[(i, a)] = 1.0;
        }
        x[(i, arms.len())] = data.baseline[i];
        if let Some(site) = &data.site
            && let Some(s) = sites.iter().position(|s| s == &site[i]).filter(|&s| s > 0)
        {
            x[(i, arms.len() + s)] = 1.0;
        }
    }
    let y = DVector::from_column_slice(&data.change);
    let xtx = x.transpose() * &x;
    let inv = xtx
        .cholesky()
        .map(|c| c.inverse())
        .ok_or(AnalysisError::SingularDesign { column: "baseline or site (collinear with arm)".into() })?;
    let beta = &inv * (x.transpose() * &y);
    let resid = &y - &x * &beta;
    let df = n - p;
    let sigma2 = resid.norm_squared() / df as f64;
    let q = t_quantile(0.5 + confidence_level / 2.0, df as f64)?;
    let differences = (1..arms.len())
        .map(|a| {
            let estimate = beta[a];
            let std_error = (sigma2 * inv[(a, a)]).sqrt();
            let t_value = estimate / std_error;
            Ok(AncovaDifference {
                arm: arms[a].clone(),
                reference: arms[0].clone(),
                estimate: Estimate {
                    estimate,
                    std_error,
                    df: df as f64,
                    t_value,
                    p_value: t_two_sided_p(t_value, df as f64)?,
                    lower: estimate - q * std_error,
                    upper: estimate + q * std_error,
                },
            })
        })
        .collect::<Result<Vec<_>, AnalysisError>>()?;
    Ok(AncovaResult { n, residual_df: df, residual_sd: sigma2.sqrt(), baseline_slope: beta[arms.len()], differences })
}
