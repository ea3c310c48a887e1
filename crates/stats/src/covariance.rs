//! Within-subject covariance structures.
//!
//! Each structure maps an unconstrained parameter vector `theta` to a positive
//! definite `T x T` matrix `Sigma(theta)`, so the optimiser can take any step
//! without leaving the parameter space:
//!
//! * **UN** (unstructured): `Sigma = L L'` with `L` lower triangular; the free
//!   parameters are the sub-diagonal entries of `L` and the logarithms of its
//!   diagonal (row-major over the lower triangle).
//! * **CS** (compound symmetry): `Sigma = v [(1 - rho) I + rho J]` with
//!   `theta = (ln v, logit((rho - lo) / (1 - lo)))`, `lo = -1/(T-1)`, the range
//!   of correlations for which `Sigma` is positive definite.
//! * **AR(1)**: `Sigma[a,b] = v rho^|a-b|` with `theta = (ln v, atanh rho)`;
//!   the lag is the distance in visit *order* (visits taken as equally spaced).
//!
//! The likelihood code only needs `Sigma`, its first derivatives and the
//! contraction of its second derivatives with a matrix, which every structure
//! provides analytically. The reported parameters are SAS's: `UN(i,j)` for
//! the entries of `Sigma`, `CS`/`Residual` and `AR(1)`/`Residual`.

use std::fmt;
use std::str::FromStr;

use nalgebra::DMatrix;
use serde::Serialize;

use crate::AnalysisError;

/// The covariance structure of the repeated measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CovarianceStructure {
    /// Unstructured: every variance and covariance free.
    #[serde(rename = "un")]
    Unstructured,
    /// Compound symmetry: common variance, common covariance.
    #[serde(rename = "cs")]
    CompoundSymmetry,
    /// First-order autoregressive over the visit order.
    #[serde(rename = "ar1")]
    Ar1,
}

impl FromStr for CovarianceStructure {
    type Err = AnalysisError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "un" | "unstructured" => Ok(Self::Unstructured),
            "cs" | "compound-symmetry" => Ok(Self::CompoundSymmetry),
            "ar1" | "ar(1)" => Ok(Self::Ar1),
            other => Err(AnalysisError::InvalidInput(format!(
                "unknown covariance structure `{other}`; allowed: un, cs, ar1"
            ))),
        }
    }
}

impl fmt::Display for CovarianceStructure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Unstructured => "unstructured (UN)",
            Self::CompoundSymmetry => "compound symmetry (CS)",
            Self::Ar1 => "first-order autoregressive (AR(1))",
        })
    }
}

/// A covariance structure for a given number of visits.
#[derive(Debug, Clone, Copy)]
pub struct CovarianceModel {
    /// Which structure.
    pub structure: CovarianceStructure,
    /// Number of visits `T`.
    pub t: usize,
}

fn logistic(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

impl CovarianceModel {
    /// Number of free parameters.
    pub fn n_theta(&self) -> usize {
        match self.structure {
            CovarianceStructure::Unstructured => self.t * (self.t + 1) / 2,
            CovarianceStructure::CompoundSymmetry | CovarianceStructure::Ar1 => 2,
        }
    }

    /// (row, column) of the entries of `L` that UN's `theta` holds, in order.
    fn un_positions(&self) -> Vec<(usize, usize)> {
        (0..self.t).flat_map(|a| (0..=a).map(move |b| (a, b))).collect()
    }

    fn un_factor(&self, theta: &[f64]) -> DMatrix<f64> {
        let mut l = DMatrix::zeros(self.t, self.t);
        for (k, (a, b)) in self.un_positions().into_iter().enumerate() {
            l[(a, b)] = if a == b { theta[k].exp() } else { theta[k] };
        }
        l
    }

    /// CS lower bound of the correlation and `rho(theta_2)` with its first two
    /// derivatives.
    fn cs_rho(&self, x: f64) -> (f64, f64, f64) {
        let lo = if self.t > 1 { -1.0 / (self.t as f64 - 1.0) } else { 0.0 };
        let s = logistic(x);
        let w = 1.0 - lo;
        (lo + w * s, w * s * (1.0 - s), w * s * (1.0 - s) * (1.0 - 2.0 * s))
    }

    /// `Sigma(theta)`.
    pub fn sigma(&self, theta: &[f64]) -> DMatrix<f64> {
        match self.structure {
            CovarianceStructure::Unstructured => {
                let l = self.un_factor(theta);
                &l * l.transpose()
            }
            CovarianceStructure::CompoundSymmetry => {
                let v = theta[0].exp();
                let (rho, _, _) = self.cs_rho(theta[1]);
                DMatrix::from_fn(self.t, self.t, |a, b| if a == b { v } else { v * rho })
            }
            CovarianceStructure::Ar1 => {
                let v = theta[0].exp();
                let rho = theta[1].tanh();
                DMatrix::from_fn(self.t, self.t, |a, b| v * rho.powi(a.abs_diff(b) as i32))
            }
        }
    }

    /// `dSigma / dtheta_j` for every `j`.
    pub fn dsigma(&self, theta: &[f64]) -> Vec<DMatrix<f64>> {
        match self.structure {
            CovarianceStructure::Unstructured => {
                let l = self.un_factor(theta);
                self.un_positions()
                    .into_iter()
                    .map(|(a, b)| {
                        let scale = if a == b { l[(a, a)] } else { 1.0 };
                        // dL = scale * E_ab; dSigma = dL L' + L dL'.
                        let mut d = DMatrix::zeros(self.t, self.t);
                        for c in 0..self.t {
                            d[(a, c)] += scale * l[(c, b)];
                            d[(c, a)] += scale * l[(c, b)];
                        }
                        d
                    })
                    .collect()
            }
            CovarianceStructure::CompoundSymmetry => {
                let sigma = self.sigma(theta);
                let v = theta[0].exp();
                let (_, drho, _) = self.cs_rho(theta[1]);
                let d2 = DMatrix::from_fn(self.t, self.t, |a, b| if a == b { 0.0 } else { v * drho });
                vec![sigma, d2]
            }
            CovarianceStructure::Ar1 => {
                let sigma = self.sigma(theta);
                let v = theta[0].exp();
                let rho = theta[1].tanh();
                let drho = 1.0 - rho * rho;
                let d2 = DMatrix::from_fn(self.t, self.t, |a, b| {
                    let d = a.abs_diff(b);
                    if d == 0 { 0.0 } else { v * d as f64 * rho.powi(d as i32 - 1) * drho }
                });
                vec![sigma, d2]
            }
        }
    }

    /// `C[i,j] = tr(G d2Sigma / dtheta_i dtheta_j)` for a symmetric `G`.
    ///
    /// This is the part of the Hessian of the objective that comes from the
    /// curvature of the parametrisation (zero for a linear one).
    pub fn second_contraction(&self, theta: &[f64], g: &DMatrix<f64>) -> DMatrix<f64> {
        let k = self.n_theta();
        let mut c = DMatrix::zeros(k, k);
        match self.structure {
            CovarianceStructure::Unstructured => {
                let l = self.un_factor(theta);
                let pos = self.un_positions();
                let alpha: Vec<f64> = pos.iter().map(|&(a, b)| if a == b { l[(a, a)] } else { 1.0 }).collect();
                for i in 0..k {
                    let (xi, yi) = pos[i];
                    for j in 0..k {
                        let (xj, yj) = pos[j];
                        // tr(G (D_i D_j' + D_j D_i')) with D = alpha E_xy.
                        if yi == yj {
                            c[(i, j)] += 2.0 * alpha[i] * alpha[j] * g[(xi, xj)];
                        }
                    }
                    if xi == yi {
                        // d2L/dtheta_i^2 = L_xx E_xx: tr(G (D_ii L' + L D_ii')).
                        let lx = l[(xi, xi)];
                        let s: f64 = (0..self.t).map(|r| l[(r, xi)] * g[(r, xi)]).sum();
                        c[(i, i)] += 2.0 * lx * s;
                    }
                }
            }
            CovarianceStructure::CompoundSymmetry => {
                let v = theta[0].exp();
                let (rho, drho, d2rho) = self.cs_rho(theta[1]);
                let (mut diag, mut off) = (0.0, 0.0);
                for a in 0..self.t {
                    for b in 0..self.t {
                        if a == b { diag += g[(a, b)] } else { off += g[(a, b)] }
                    }
                }
                c[(0, 0)] = v * diag + v * rho * off;
                c[(0, 1)] = v * drho * off;
                c[(1, 0)] = c[(0, 1)];
                c[(1, 1)] = v * d2rho * off;
            }
            CovarianceStructure::Ar1 => {
                let v = theta[0].exp();
                let rho = theta[1].tanh();
                let drho = 1.0 - rho * rho;
                let d2rho = -2.0 * rho * drho;
                for a in 0..self.t {
                    for b in 0..self.t {
                        let d = a.abs_diff(b) as i32;
                        let gab = g[(a, b)];
                        let p = rho.powi(d);
                        let dp = if d >= 1 { d as f64 * rho.powi(d - 1) * drho } else { 0.0 };
                        let d2p = if d >= 1 {
                            let first = d as f64 * rho.powi(d - 1) * d2rho;
                            let second =
                                if d >= 2 { (d * (d - 1)) as f64 * rho.powi(d - 2) * drho * drho } else { 0.0 };
                            first + second
                        } else {
                            0.0
                        };
                        c[(0, 0)] += gab * v * p;
                        c[(0, 1)] += gab * v * dp;
                        c[(1, 1)] += gab * v * d2p;
                    }
                }
                c[(1, 0)] = c[(0, 1)];
            }
        }
        c
    }

    /// `theta` whose `Sigma` best matches `s`: exact when `s` has the
    /// structure (UN: any positive definite `s`). With `for_start`, the
    /// correlation is pulled away from the boundary and a non positive
    /// definite UN estimate falls back to its diagonal, which makes it a safe
    /// starting point for the optimiser.
    pub fn theta_from_sigma(&self, s: &DMatrix<f64>, for_start: bool) -> Option<Vec<f64>> {
        let t = self.t;
        let diag_mean = (0..t).map(|a| s[(a, a)]).sum::<f64>() / t as f64;
        let mean_corr = |lag_one_only: bool| {
            let (mut sum, mut n) = (0.0, 0.0);
            for a in 0..t {
                for b in 0..a {
                    if !lag_one_only || a - b == 1 {
                        sum += s[(a, b)] / (s[(a, a)] * s[(b, b)]).sqrt();
                        n += 1.0;
                    }
                }
            }
            let r = if n > 0.0 { sum / n } else { 0.0 };
            if for_start { r.clamp(-0.5, 0.9) } else { r }
        };
        let theta = match self.structure {
            CovarianceStructure::Unstructured => {
                let chol = match s.clone().cholesky() {
                    Some(c) => c.l(),
                    None if for_start => DMatrix::from_fn(t, t, |a, b| if a == b { s[(a, a)].sqrt() } else { 0.0 }),
                    None => return None,
                };
                self.un_positions()
                    .into_iter()
                    .map(|(a, b)| if a == b { chol[(a, a)].ln() } else { chol[(a, b)] })
                    .collect()
            }
            CovarianceStructure::CompoundSymmetry => {
                let lo = if t > 1 { -1.0 / (t as f64 - 1.0) } else { 0.0 };
                let rho = if for_start { mean_corr(false).max(lo / 2.0) } else { mean_corr(false) };
                let u = (rho - lo) / (1.0 - lo);
                vec![diag_mean.ln(), (u / (1.0 - u)).ln()]
            }
            CovarianceStructure::Ar1 => vec![diag_mean.ln(), mean_corr(true).atanh()],
        };
        theta.iter().all(|v| v.is_finite()).then_some(theta)
    }

    /// Names of the reported (SAS) parameters.
    pub fn reported_names(&self) -> Vec<String> {
        match self.structure {
            CovarianceStructure::Unstructured => {
                self.un_positions().into_iter().map(|(a, b)| format!("UN({},{})", a + 1, b + 1)).collect()
            }
            CovarianceStructure::CompoundSymmetry => vec!["CS".into(), "Residual".into()],
            CovarianceStructure::Ar1 => vec!["AR(1)".into(), "Residual".into()],
        }
    }

    /// Reported parameter values and their Jacobian with respect to `theta`
    /// (rows: reported parameters).
    pub fn reported(&self, theta: &[f64]) -> (Vec<f64>, DMatrix<f64>) {
        match self.structure {
            CovarianceStructure::Unstructured => {
                let sigma = self.sigma(theta);
                let pos = self.un_positions();
                let values = pos.iter().map(|&(a, b)| sigma[(a, b)]).collect();
                let d = self.dsigma(theta);
                let jac = DMatrix::from_fn(pos.len(), d.len(), |k, j| d[j][pos[k]]);
                (values, jac)
            }
            CovarianceStructure::CompoundSymmetry => {
                let v = theta[0].exp();
                let (rho, drho, _) = self.cs_rho(theta[1]);
                let jac = DMatrix::from_row_slice(2, 2, &[v * rho, v * drho, v * (1.0 - rho), -v * drho]);
                (vec![v * rho, v * (1.0 - rho)], jac)
            }
            CovarianceStructure::Ar1 => {
                let v = theta[0].exp();
                let rho = theta[1].tanh();
                let jac = DMatrix::from_row_slice(2, 2, &[0.0, 1.0 - rho * rho, v, 0.0]);
                (vec![rho, v], jac)
            }
        }
    }

    /// Whether `Sigma` is linear in the reported (SAS) parameters.
    pub fn linear_in_reported(&self) -> bool {
        self.structure != CovarianceStructure::Ar1
    }

    /// Whether a reported parameter is a variance (its CI uses the
    /// Satterthwaite chi-square approximation, as SAS does) rather than a
    /// covariance or correlation (Wald CI).
    pub fn reported_is_variance(&self) -> Vec<bool> {
        match self.structure {
            CovarianceStructure::Unstructured => self.un_positions().into_iter().map(|(a, b)| a == b).collect(),
            CovarianceStructure::CompoundSymmetry => vec![false, true],
            CovarianceStructure::Ar1 => vec![false, true],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Central differences of `sigma` and `dsigma` must match the analytic
    /// first derivatives and second-derivative contraction.
    fn check(structure: CovarianceStructure, theta: &[f64]) {
        let m = CovarianceModel { structure, t: 4 };
        let g = DMatrix::from_fn(4, 4, |a, b| 1.0 + (a * b) as f64 * 0.3 + (a + b) as f64 * 0.1);
        let h = 1e-6;
        let d = m.dsigma(theta);
        let c = m.second_contraction(theta, &g);
        for j in 0..m.n_theta() {
            let mut tp = theta.to_vec();
            let mut tm = theta.to_vec();
            tp[j] += h;
            tm[j] -= h;
            let num = (m.sigma(&tp) - m.sigma(&tm)) / (2.0 * h);
            assert!((num - &d[j]).amax() < 1e-6, "{structure:?} d{j}");
            let dp = m.dsigma(&tp);
            let dm = m.dsigma(&tm);
            for i in 0..m.n_theta() {
                let num2 = ((&dp[i] - &dm[i]) / (2.0 * h)).component_mul(&g).sum();
                assert!((num2 - c[(i, j)]).abs() < 1e-5, "{structure:?} c{i}{j}: {num2} vs {}", c[(i, j)]);
            }
        }
    }

    #[test]
    fn derivatives_match_finite_differences() {
        let un: Vec<f64> = (0..10).map(|k| 0.1 * k as f64 - 0.3).collect();
        check(CovarianceStructure::Unstructured, &un);
        check(CovarianceStructure::CompoundSymmetry, &[0.4, 0.7]);
        check(CovarianceStructure::CompoundSymmetry, &[0.4, -1.2]);
        check(CovarianceStructure::Ar1, &[-0.2, 0.5]);
        check(CovarianceStructure::Ar1, &[-0.2, -0.8]);
    }
}
