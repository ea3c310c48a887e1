//! Inference on linear combinations `l'beta` with Satterthwaite degrees of
//! freedom (Satterthwaite 1946; for mixed models Giesbrecht & Burns 1985,
//! as implemented by SAS PROC MIXED `DDFM=SATTERTHWAITE`).
//!
//! With `v(theta) = l' A(theta) l` the variance of `l'beta_hat`,
//! `df = 2 v^2 / (g' C g)`, where `g = dv/dtheta`, `C` the asymptotic
//! covariance of `theta_hat`, i.e. the inverse of the observed information
//! `(1/2) H` (`H` the Hessian of `-2 l`), and
//! `dv/dtheta_j = (A l)' M_j (A l)` because `dA/dtheta_j = A M_j A`.
//! The degrees of freedom do not depend on how `theta` is parametrised.

use nalgebra::{DMatrix, DVector};
use serde::Serialize;

use crate::AnalysisError;
use crate::dist::{t_quantile, t_two_sided_p};

/// Estimate of a linear combination of the fixed effects.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Estimate {
    /// `l'beta_hat`.
    pub estimate: f64,
    /// Model-based standard error `sqrt(l'Al)`.
    pub std_error: f64,
    /// Satterthwaite degrees of freedom.
    pub df: f64,
    /// `estimate / std_error`.
    pub t_value: f64,
    /// Two-sided p-value from Student's t with `df`.
    pub p_value: f64,
    /// Lower confidence limit.
    pub lower: f64,
    /// Upper confidence limit.
    pub upper: f64,
}

/// What is needed to test any contrast after the fit.
#[derive(Debug, Clone)]
pub struct Inference {
    beta: DVector<f64>,
    cov_beta: DMatrix<f64>,
    m_theta: Vec<DMatrix<f64>>,
    cov_theta: DMatrix<f64>,
    confidence_level: f64,
}

impl Inference {
    /// Builds the inference engine; `cov_theta` is `2 H^-1`.
    pub fn new(
        beta: DVector<f64>,
        cov_beta: DMatrix<f64>,
        m_theta: Vec<DMatrix<f64>>,
        cov_theta: DMatrix<f64>,
        confidence_level: f64,
    ) -> Self {
        Inference { beta, cov_beta, m_theta, cov_theta, confidence_level }
    }

    /// Fixed-effect estimates.
    pub fn beta(&self) -> &DVector<f64> {
        &self.beta
    }

    /// Satterthwaite degrees of freedom of `l'beta_hat`.
    pub fn df(&self, l: &DVector<f64>) -> f64 {
        let al = &self.cov_beta * l;
        let v = l.dot(&al);
        let g = DVector::from_iterator(self.m_theta.len(), self.m_theta.iter().map(|m| al.dot(&(m * &al))));
        2.0 * v * v / g.dot(&(&self.cov_theta * &g))
    }

    /// Estimate, standard error, Satterthwaite df, t test and confidence
    /// interval of `l'beta`.
    pub fn estimate(&self, l: &DVector<f64>) -> Result<Estimate, AnalysisError> {
        if l.len() != self.beta.len() {
            return Err(AnalysisError::InvalidInput(format!(
                "contrast has {} coefficients, the model has {}",
                l.len(),
                self.beta.len()
            )));
        }
        let estimate = l.dot(&self.beta);
        let std_error = l.dot(&(&self.cov_beta * l)).sqrt();
        let df = self.df(l);
        if !df.is_finite() || df <= 0.0 {
            return Err(AnalysisError::InvalidInput(format!(
                "Satterthwaite degrees of freedom are undefined for this contrast (got {df})"
            )));
        }
        let t_value = estimate / std_error;
        let q = t_quantile(0.5 + self.confidence_level / 2.0, df)?;
        Ok(Estimate {
            estimate,
            std_error,
            df,
            t_value,
            p_value: t_two_sided_p(t_value, df)?,
            lower: estimate - q * std_error,
            upper: estimate + q * std_error,
        })
    }
}
