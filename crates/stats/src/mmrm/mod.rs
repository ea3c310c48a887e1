//! Mixed model for repeated measures (MMRM).
//!
//! `y_i = X_i beta + e_i`, `e_i ~ N(0, Sigma_i)`, where `Sigma_i` is the
//! sub-matrix of the common `T x T` within-subject covariance `Sigma` for the
//! visits subject `i` actually has (missing visits are simply absent, which is
//! valid under missing at random). `Sigma` is unstructured, compound symmetric
//! or AR(1); `beta` is estimated by generalised least squares and `Sigma` by
//! REML (default) or ML. See `docs/analysis.md` for the full description and
//! the validation against SAS PROC MIXED.

mod fit;
mod likelihood;
mod report;
mod satterthwaite;

use nalgebra::{DMatrix, DVector};
use serde::Serialize;

pub use likelihood::EstimationMethod;
pub use satterthwaite::Estimate;

use crate::AnalysisError;
use crate::covariance::{CovarianceModel, CovarianceStructure};
use crate::design::Design;
use crate::dist::{chi_square_quantile, chi_square_sf, z_quantile};
use crate::lsmeans::{self, Difference, LsMean};
pub(crate) use satterthwaite::Inference;

/// Values of one covariate column, one per input row; `None` is missing.
#[derive(Debug, Clone, PartialEq)]
pub enum CovariateValues {
    /// Numeric covariate entering the model linearly.
    Continuous(Vec<Option<f64>>),
    /// Factor entering the model through treatment-coded dummies.
    Categorical(Vec<Option<String>>),
}

impl CovariateValues {
    /// Number of rows.
    pub fn len(&self) -> usize {
        match self {
            CovariateValues::Continuous(v) => v.len(),
            CovariateValues::Categorical(v) => v.len(),
        }
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A named covariate.
#[derive(Debug, Clone, PartialEq)]
pub struct Covariate {
    /// Column name (used in effect names).
    pub name: String,
    /// Values.
    pub values: CovariateValues,
}

/// A long table, one row per subject and visit. Rows with a missing response
/// or a missing covariate are not analysed.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MmrmData {
    /// Name of the response (for reports).
    pub response_name: String,
    /// Name of the arm factor (for effect names).
    pub arm_name: String,
    /// Name of the visit factor (for effect names).
    pub visit_name: String,
    /// Subject identifier per row.
    pub subject: Vec<String>,
    /// Visit label per row.
    pub visit: Vec<String>,
    /// Arm per row (constant within subject).
    pub arm: Vec<String>,
    /// Response per row.
    pub response: Vec<Option<f64>>,
    /// Further covariates.
    pub covariates: Vec<Covariate>,
}

/// Model options.
#[derive(Debug, Clone, PartialEq)]
pub struct MmrmOptions {
    /// Reference (control) arm; default: first arm in sorted order.
    pub reference_arm: Option<String>,
    /// Visit order; default: numeric order if every label is a number, else
    /// order of first appearance. The first visit is the reference visit.
    pub visit_order: Option<Vec<String>>,
    /// Reference levels of categorical covariates, `(column, level)`; default:
    /// first level in sorted order.
    pub reference_levels: Vec<(String, String)>,
    /// Within-subject covariance structure.
    pub covariance: CovarianceStructure,
    /// REML or ML.
    pub method: EstimationMethod,
    /// Newton iterations allowed.
    pub max_iterations: usize,
    /// Confidence level of all intervals (e.g. 0.95).
    pub confidence_level: f64,
    /// Hold the within-subject covariance at this `T x T` matrix (rows and
    /// columns in visit order) instead of estimating it, like SAS
    /// `PARMS ... / NOITER`: fixed effects, LS means and Satterthwaite
    /// degrees of freedom are computed at these values. Used to validate
    /// against published output independently of optimiser tolerances.
    pub fixed_covariance: Option<Vec<Vec<f64>>>,
}

impl Default for MmrmOptions {
    fn default() -> Self {
        MmrmOptions {
            reference_arm: None,
            visit_order: None,
            reference_levels: Vec::new(),
            covariance: CovarianceStructure::Unstructured,
            method: EstimationMethod::Reml,
            max_iterations: 100,
            confidence_level: 0.95,
            fixed_covariance: None,
        }
    }
}

/// An estimated covariance parameter (SAS naming).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CovarianceParameter {
    /// `UN(i,j)`, `CS`, `AR(1)` or `Residual`.
    pub name: String,
    /// Estimate.
    pub estimate: f64,
    /// Asymptotic standard error (inverse observed information).
    pub std_error: f64,
    /// Lower confidence limit: Satterthwaite chi-square for variances, Wald otherwise (as SAS `COVTEST CL`).
    pub lower: f64,
    /// Upper confidence limit.
    pub upper: f64,
}

/// A fixed-effect coefficient.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FixedEffect {
    /// Column name, e.g. `ARMCD=TRT:AVISIT=VIS2`.
    pub name: String,
    /// Model term, e.g. `ARMCD:AVISIT`.
    pub effect: String,
    /// Estimate with inference.
    #[serde(flatten)]
    pub estimate: Estimate,
}

/// Information criteria (SAS definitions: `q` covariance parameters, `n*` =
/// observations minus fixed effects for REML, observations for ML; BIC uses
/// the number of subjects in the input, as SAS does, including subjects
/// without any analysed observation).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FitStatistics {
    /// `-2` (restricted) log-likelihood.
    pub minus2_log_likelihood: f64,
    /// `-2l + 2q` (ML: `+ 2(q + p)`).
    pub aic: f64,
    /// Small-sample corrected AIC.
    pub aicc: f64,
    /// `-2l + q log(subjects in input)` (ML: `(q + p)`).
    pub bic: f64,
    /// Likelihood ratio test against `Sigma = sigma^2 I`: chi-square.
    pub null_model_chi_square: f64,
    /// Its degrees of freedom (`q - 1`).
    pub null_model_df: usize,
    /// Its p-value (absent when the structure has a single parameter).
    pub null_model_p: Option<f64>,
}

/// Optimiser diagnostics.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Convergence {
    /// Whether the convergence criterion was met (false when the covariance
    /// was held fixed).
    pub converged: bool,
    /// Whether the covariance was held at given values (no optimisation).
    pub covariance_held_fixed: bool,
    /// Newton (or Fisher scoring) iterations.
    pub iterations: usize,
    /// Euclidean norm of the gradient of `-2l` in the optimisation parametrisation.
    pub gradient_norm: f64,
}

/// The fitted MMRM.
#[derive(Debug, Clone, Serialize)]
pub struct MmrmFit {
    /// Response name.
    pub response: String,
    /// Covariance structure.
    pub covariance_structure: CovarianceStructure,
    /// REML or ML.
    pub method: EstimationMethod,
    /// Confidence level of the intervals.
    pub confidence_level: f64,
    /// Subjects with at least one analysed observation.
    pub n_subjects: usize,
    /// Analysed observations.
    pub n_observations: usize,
    /// Input rows not analysed (missing response or covariate).
    pub n_rows_dropped: usize,
    /// Distinct missingness patterns.
    pub n_patterns: usize,
    /// Arms, reference first.
    pub arms: Vec<String>,
    /// Visits in model order.
    pub visits: Vec<String>,
    /// Covariance parameters.
    pub covariance_parameters: Vec<CovarianceParameter>,
    /// Estimated `Sigma` (rows and columns in visit order).
    pub covariance_matrix: Vec<Vec<f64>>,
    /// Likelihood and information criteria.
    pub fit_statistics: FitStatistics,
    /// Fixed effects.
    pub fixed_effects: Vec<FixedEffect>,
    /// Least-squares means by visit and arm.
    pub lsmeans: Vec<LsMean>,
    /// Each non-reference arm minus the reference arm at each visit.
    pub differences: Vec<Difference>,
    /// Optimiser diagnostics.
    pub convergence: Convergence,
    #[serde(skip)]
    inference: Inference,
    #[serde(skip)]
    design: Design,
}

impl MmrmFit {
    /// Estimate and Satterthwaite inference for any `l'beta` (coefficients in
    /// the order of `fixed_effects`).
    pub fn contrast(&self, l: &[f64]) -> Result<Estimate, AnalysisError> {
        self.inference.estimate(&DVector::from_column_slice(l))
    }

    /// LS mean of `(arm_a, visit_a)` minus LS mean of `(arm_b, visit_b)`.
    pub fn lsmean_difference(
        &self,
        (arm_a, visit_a): (&str, &str),
        (arm_b, visit_b): (&str, &str),
    ) -> Result<Estimate, AnalysisError> {
        let la = lsmeans::vector(&self.design, arm_a, visit_a)?;
        let lb = lsmeans::vector(&self.design, arm_b, visit_b)?;
        self.inference.estimate(&(la - lb))
    }
}

/// Fits the MMRM.
pub fn fit_mmrm(data: &MmrmData, options: &MmrmOptions) -> Result<MmrmFit, AnalysisError> {
    if !(options.confidence_level > 0.0 && options.confidence_level < 1.0) {
        return Err(AnalysisError::InvalidInput(format!(
            "confidence level must be in (0, 1), got {}",
            options.confidence_level
        )));
    }
    let design = Design::build(data, options)?;
    let model = CovarianceModel { structure: options.covariance, t: design.visits.len() };
    let (n, p, q) = (design.n(), design.p(), model.n_theta());
    if design.subjects.len() < 2 || n <= p + q {
        return Err(AnalysisError::TooFewSubjects {
            subjects: design.subjects.len(),
            observations: n,
            fixed: p,
            covariance: q,
        });
    }
    let patterns = likelihood::patterns(&design);
    let lik = likelihood::Likelihood::new(&design, &patterns, options.method);

    let optimum = match &options.fixed_covariance {
        None => {
            let s0 = fit::start_sigma(&design)?;
            let theta0 = model
                .theta_from_sigma(&s0, true)
                .ok_or(AnalysisError::NotPositiveDefinite { what: "the starting covariance matrix".into() })?;
            fit::optimise(&lik, &model, theta0, options.max_iterations)?
        }
        Some(rows) => {
            let t = model.t;
            if rows.len() != t || rows.iter().any(|r| r.len() != t) {
                return Err(AnalysisError::InvalidInput(format!(
                    "fixed covariance must be {t} x {t} (one row and column per visit)"
                )));
            }
            let s = DMatrix::from_fn(t, t, |a, b| rows[a][b]);
            let theta = model
                .theta_from_sigma(&s, false)
                .ok_or(AnalysisError::NotPositiveDefinite { what: "the fixed covariance matrix".into() })?;
            fit::at(&lik, &model, theta)?
        }
    };

    let sigma = model.sigma(&optimum.theta);
    let min_eig = sigma.clone().symmetric_eigenvalues().min();
    let max_eig = sigma.clone().symmetric_eigenvalues().max();
    if min_eig.is_nan() || min_eig <= 1e-10 * max_eig {
        return Err(AnalysisError::NotPositiveDefinite {
            what: "the estimated within-subject covariance matrix (variance on the boundary)".into(),
        });
    }
    let h_inv = optimum.hessian.clone().cholesky().map(|c| c.inverse()).ok_or(AnalysisError::NotPositiveDefinite {
        what: "the Hessian of the likelihood (covariance parameters not identifiable)".into(),
    })?;
    let cov_theta = h_inv * 2.0;
    let inference = Inference::new(
        optimum.eval.beta.clone(),
        optimum.eval.cov_beta.clone(),
        optimum.m_theta.clone(),
        cov_theta.clone(),
        options.confidence_level,
    );

    let covariance_parameters = covariance_parameters(&model, &optimum.theta, &cov_theta, options.confidence_level)?;
    let fit_statistics = fit_statistics(&lik, &design, &model, optimum.eval.objective, options.method)?;

    let fixed_effects = design
        .columns
        .iter()
        .enumerate()
        .map(|(j, c)| {
            let mut l = DVector::zeros(p);
            l[j] = 1.0;
            Ok(FixedEffect { name: c.name.clone(), effect: c.effect.clone(), estimate: inference.estimate(&l)? })
        })
        .collect::<Result<Vec<_>, AnalysisError>>()?;
    let lsmeans = lsmeans::lsmeans(&design, &inference)?;
    let differences = lsmeans::differences(&design, &inference)?;

    Ok(MmrmFit {
        response: data.response_name.clone(),
        covariance_structure: options.covariance,
        method: options.method,
        confidence_level: options.confidence_level,
        n_subjects: design.subjects.len(),
        n_observations: n,
        n_rows_dropped: design.rows_dropped,
        n_patterns: patterns.len(),
        arms: design.arms.clone(),
        visits: design.visits.clone(),
        covariance_parameters,
        covariance_matrix: sigma.row_iter().map(|r| r.iter().copied().collect()).collect(),
        fit_statistics,
        fixed_effects,
        lsmeans,
        differences,
        convergence: Convergence {
            converged: options.fixed_covariance.is_none(),
            covariance_held_fixed: options.fixed_covariance.is_some(),
            iterations: optimum.iterations,
            gradient_norm: optimum.gradient.norm(),
        },
        inference,
        design,
    })
}

/// Reported covariance parameters with SEs from the inverse observed
/// information (delta method from `theta`) and SAS-style confidence limits:
/// for a variance `s` with Wald `Z = s / se`, `nu = 2 Z^2` and the limits are
/// `nu s / chi2(nu, 1 - a/2)` and `nu s / chi2(nu, a/2)`; for other
/// parameters `s -/+ z se`.
fn covariance_parameters(
    model: &CovarianceModel,
    theta: &[f64],
    cov_theta: &DMatrix<f64>,
    level: f64,
) -> Result<Vec<CovarianceParameter>, AnalysisError> {
    let (values, jac) = model.reported(theta);
    let cov = &jac * cov_theta * jac.transpose();
    let alpha = 1.0 - level;
    model
        .reported_names()
        .into_iter()
        .zip(values)
        .zip(model.reported_is_variance())
        .enumerate()
        .map(|(k, ((name, estimate), is_variance))| {
            let std_error = cov[(k, k)].sqrt();
            let (lower, upper) = if is_variance {
                let nu = 2.0 * (estimate / std_error).powi(2);
                (
                    nu * estimate / chi_square_quantile(1.0 - alpha / 2.0, nu)?,
                    nu * estimate / chi_square_quantile(alpha / 2.0, nu)?,
                )
            } else {
                let z = z_quantile(1.0 - alpha / 2.0);
                (estimate - z * std_error, estimate + z * std_error)
            };
            Ok(CovarianceParameter { name, estimate, std_error, lower, upper })
        })
        .collect()
}

fn fit_statistics(
    lik: &likelihood::Likelihood<'_>,
    design: &Design,
    model: &CovarianceModel,
    objective: f64,
    method: EstimationMethod,
) -> Result<FitStatistics, AnalysisError> {
    let (n, p, q) = (design.n() as f64, design.p() as f64, model.n_theta() as f64);
    let (k, n_star) = match method {
        EstimationMethod::Reml => (q, n - p),
        EstimationMethod::Ml => (q + p, n),
    };
    // Null model: Sigma = s2 I with its closed-form (RE)ML estimate.
    let xtx = design.x.transpose() * &design.x;
    let chol = xtx.cholesky().ok_or(AnalysisError::NotPositiveDefinite { what: "X'X".into() })?;
    let beta = chol.solve(&(design.x.transpose() * &design.y));
    let rss = (&design.y - &design.x * beta).norm_squared();
    let s2 = rss / n_star;
    let t = design.visits.len();
    let null = lik
        .evaluate(&(DMatrix::<f64>::identity(t, t) * s2), false)
        .map_err(|_| AnalysisError::NotPositiveDefinite { what: "the null-model covariance".into() })?;
    let chi = null.objective - objective;
    let null_df = model.n_theta() - 1;
    Ok(FitStatistics {
        minus2_log_likelihood: objective,
        aic: objective + 2.0 * k,
        aicc: objective + 2.0 * k * n_star / (n_star - k - 1.0),
        bic: objective + k * (design.subjects_in_input as f64).ln(),
        null_model_chi_square: chi,
        null_model_df: null_df,
        null_model_p: if null_df > 0 { Some(chi_square_sf(chi.max(0.0), null_df as f64)?) } else { None },
    })
}
