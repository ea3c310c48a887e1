//! Maximisation of the (restricted) likelihood over the covariance parameters.
//!
//! Newton-Raphson on the unconstrained parametrisation `theta` of
//! [`CovarianceModel`](crate::covariance::CovarianceModel), with the exact
//! observed Hessian; when that Hessian is not positive definite (far from the
//! optimum) the step uses the expected Hessian instead (Fisher scoring), which
//! always is. Each step is backtracked (halving) until the Armijo condition
//! holds. Convergence is declared when the Newton decrement `g' H^-1 g` (about
//! twice the remaining improvement of `-2 l`) falls below `1e-8 (1 + |f|)`
//! (SAS's default criterion), after which one more full Newton step is taken:
//! with quadratic convergence that leaves the parameters accurate to working
//! precision rather than to the square root of the criterion.
//!
//! The chain rule from `sigma` (the entries of `Sigma`) to `theta`:
//! `g_theta = J' g_sigma`, `H_theta = J' H_sigma J + tr(G d2Sigma/dtheta2)`.

use nalgebra::{DMatrix, DVector};

use crate::AnalysisError;
use crate::covariance::CovarianceModel;
use crate::mmrm::likelihood::{EvalFailure, Evaluation, Likelihood, SigmaDerivatives, sigma_index};

/// The optimum and everything inference needs from it.
#[derive(Debug, Clone)]
pub struct Optimum {
    /// Unconstrained covariance parameters.
    pub theta: Vec<f64>,
    /// Objective, GLS estimate and derivatives at `theta`.
    pub eval: Evaluation,
    /// Gradient with respect to `theta`.
    pub gradient: DVector<f64>,
    /// Observed Hessian with respect to `theta`.
    pub hessian: DMatrix<f64>,
    /// `M_j = -d(X'WX)/dtheta_j`.
    pub m_theta: Vec<DMatrix<f64>>,
    /// Newton iterations taken.
    pub iterations: usize,
}

/// Derivatives with respect to `theta`.
struct ThetaDerivatives {
    gradient: DVector<f64>,
    hessian: DMatrix<f64>,
    /// `J' H_sigma J`: the Hessian without the curvature of the parametrisation.
    hessian_linear: DMatrix<f64>,
    expected: DMatrix<f64>,
    jacobian: DMatrix<f64>,
}

fn theta_derivatives(model: &CovarianceModel, theta: &[f64], sd: &SigmaDerivatives) -> ThetaDerivatives {
    let ds = model.dsigma(theta);
    let k_sigma = sd.gradient.len();
    let mut jacobian = DMatrix::<f64>::zeros(k_sigma, ds.len());
    for (j, dj) in ds.iter().enumerate() {
        for a in 0..model.t {
            for b in 0..=a {
                jacobian[(sigma_index(a, b), j)] = dj[(a, b)];
            }
        }
    }
    let jt = jacobian.transpose();
    let hessian_linear = &jt * &sd.hessian * &jacobian;
    ThetaDerivatives {
        gradient: &jt * &sd.gradient,
        hessian: &hessian_linear + model.second_contraction(theta, &sd.g_matrix),
        hessian_linear,
        expected: &jt * &sd.expected * &jacobian,
        jacobian,
    }
}

fn failure_error(f: EvalFailure) -> AnalysisError {
    match f {
        EvalFailure::Sigma => {
            AnalysisError::NotPositiveDefinite { what: "the within-subject covariance matrix".into() }
        }
        EvalFailure::Information => {
            AnalysisError::NotPositiveDefinite { what: "X'V^-1X (fixed effects not estimable)".into() }
        }
    }
}

/// Solves `H d = -g` with `H` positive definite, or `None`.
fn newton_step(h: &DMatrix<f64>, g: &DVector<f64>) -> Option<DVector<f64>> {
    let chol = h.clone().cholesky()?;
    let d = -chol.solve(g);
    d.iter().all(|v| v.is_finite()).then_some(d)
}

/// Packages the state at `theta` (whose evaluation includes derivatives).
///
/// With `natural_hessian`, the Hessian is taken in SAS's parametrisation
/// (`J' H_sigma J`, exact for UN and CS whose `Sigma` is linear in the SAS
/// parameters) rather than including the curvature of `theta`. The two agree
/// at a stationary point; they differ slightly at given, non-optimal values.
fn optimum_at(
    model: &CovarianceModel,
    theta: Vec<f64>,
    eval: Evaluation,
    iterations: usize,
    natural_hessian: bool,
) -> Result<Optimum, AnalysisError> {
    let sd =
        eval.derivatives.as_ref().ok_or(AnalysisError::InvalidInput("internal: derivatives not computed".into()))?;
    let td = theta_derivatives(model, &theta, sd);
    let (p1, p2) = (sd.m[0].nrows(), sd.m[0].ncols());
    let m_theta = (0..td.jacobian.ncols())
        .map(|j| td.jacobian.column(j).iter().zip(&sd.m).fold(DMatrix::zeros(p1, p2), |acc, (w, m)| acc + m * *w))
        .collect();
    let hessian = if natural_hessian { td.hessian_linear } else { td.hessian };
    Ok(Optimum { theta, gradient: td.gradient, hessian, m_theta, eval, iterations })
}

/// Evaluates everything at given covariance parameters, without optimising
/// (SAS `PARMS ... / NOITER`).
pub fn at(lik: &Likelihood<'_>, model: &CovarianceModel, theta: Vec<f64>) -> Result<Optimum, AnalysisError> {
    let eval = lik.evaluate(&model.sigma(&theta), true).map_err(failure_error)?;
    optimum_at(model, theta, eval, 0, model.linear_in_reported())
}

/// Maximises the likelihood starting from `theta0`.
pub fn optimise(
    lik: &Likelihood<'_>,
    model: &CovarianceModel,
    theta0: Vec<f64>,
    max_iterations: usize,
) -> Result<Optimum, AnalysisError> {
    let mut theta = theta0;
    let mut eval = lik.evaluate(&model.sigma(&theta), true).map_err(failure_error)?;
    let mut iterations = 0;
    loop {
        let sd = eval
            .derivatives
            .as_ref()
            .ok_or(AnalysisError::InvalidInput("internal: derivatives not computed".into()))?;
        let td = theta_derivatives(model, &theta, sd);
        let f = eval.objective;
        let scale = 1.0 + f.abs();
        let step = newton_step(&td.hessian, &td.gradient).or_else(|| {
            // Fisher scoring, with a small ridge should the expected Hessian be
            // singular (a parameter the data say nothing about).
            let ridge = 1e-8 * td.expected.diagonal().amax().max(1e-12);
            let n = td.expected.nrows();
            newton_step(&(&td.expected + DMatrix::identity(n, n) * ridge), &td.gradient)
        });
        let gradient_norm = td.gradient.norm();
        let Some(direction) = step else {
            return Err(AnalysisError::NonConvergence { iterations, gradient_norm });
        };
        let slope = td.gradient.dot(&direction);
        let decrement = -slope;
        if decrement.abs() <= 1e-8 * scale {
            // Close enough for Newton's quadratic convergence: one more full
            // step makes the parameters accurate to working precision (the
            // decrement bounds the error only to about its square root).
            let last: Vec<f64> = theta.iter().zip(direction.iter()).map(|(a, d)| a + d).collect();
            if let Ok(e) = lik.evaluate(&model.sigma(&last), true)
                && e.objective <= f + 1e-12 * scale
            {
                return optimum_at(model, last, e, iterations + 1, false);
            }
            return optimum_at(model, theta, eval, iterations, false);
        }
        if iterations >= max_iterations || slope >= 0.0 {
            return Err(AnalysisError::NonConvergence { iterations, gradient_norm });
        }

        // Backtracking line search (Armijo).
        let mut t = 1.0;
        let mut accepted = None;
        for _ in 0..50 {
            let candidate: Vec<f64> = theta.iter().zip(direction.iter()).map(|(a, d)| a + t * d).collect();
            if let Ok(e) = lik.evaluate(&model.sigma(&candidate), false)
                && e.objective.is_finite()
                && e.objective <= f + 1e-4 * t * slope
            {
                accepted = Some(candidate);
                break;
            }
            t *= 0.5;
        }
        let Some(next) = accepted else {
            // No decrease possible in floating point: accept as converged only
            // if we are already at a stationary point to working precision.
            if decrement <= 1e-7 * scale {
                return optimum_at(model, theta, eval, iterations, false);
            }
            return Err(AnalysisError::NonConvergence { iterations, gradient_norm });
        };
        theta = next;
        eval = lik.evaluate(&model.sigma(&theta), true).map_err(failure_error)?;
        iterations += 1;
    }
}

/// Starting covariance: pairwise moments of ordinary least squares residuals.
pub fn start_sigma(design: &crate::design::Design) -> Result<DMatrix<f64>, AnalysisError> {
    let d = design;
    let xtx = d.x.transpose() * &d.x;
    let chol = xtx.cholesky().ok_or(AnalysisError::NotPositiveDefinite { what: "X'X".into() })?;
    let beta = chol.solve(&(d.x.transpose() * &d.y));
    let resid = &d.y - &d.x * beta;
    let t = d.visits.len();
    let mut sum = DMatrix::<f64>::zeros(t, t);
    let mut count = DMatrix::<f64>::zeros(t, t);
    for s in &d.subjects {
        for (la, &a) in s.visits.iter().enumerate() {
            for (lb, &b) in s.visits.iter().enumerate() {
                sum[(a, b)] += resid[s.start + la] * resid[s.start + lb];
                count[(a, b)] += 1.0;
            }
        }
    }
    Ok(DMatrix::from_fn(t, t, |a, b| if count[(a, b)] > 0.0 { sum[(a, b)] / count[(a, b)] } else { 0.0 }))
}
