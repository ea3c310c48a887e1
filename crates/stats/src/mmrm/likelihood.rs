//! The (restricted) log-likelihood of the MMRM and its exact first and second
//! derivatives with respect to the distinct entries of `Sigma`.
//!
//! With `V = blockdiag(Sigma_i)`, `W = V^-1`, `A = (X'WX)^-1`,
//! `P = W - W X A X' W` and `r = y - X beta_hat`:
//!
//! * REML: `-2 l_R = log|V| + log|X'WX| + r'Wr + (n - p) log(2 pi)`
//! * ML:   `-2 l   = log|V| + r'Wr + n log(2 pi)` (beta profiled out)
//!
//! For a direction `V_k = dV/dsigma_k` (Harville 1977; Jennrich & Schluchter 1986):
//!
//! * gradient: `tr(P V_k) - y'P V_k P y` (REML; `W` for `P` in the trace for ML)
//! * observed Hessian: `-tr(P V_k P V_l) + 2 y'P V_k P V_l P y` (`W` for `P` in
//!   the trace for ML); the parametrisation adds `tr(G d2Sigma)`, see `fit`.
//! * expected Hessian (Fisher scoring): `tr(P V_k P V_l)` (`tr(W V_k W V_l)` for ML).
//!
//! Everything is accumulated per subject, and everything that depends only on
//! the missingness pattern (the inverse and log-determinant of the pattern's
//! sub-matrix of `Sigma`, the trace terms) is computed once per pattern. The
//! traces with the non-block-diagonal part of `P` reduce to `p x p` matrices
//! `M_k = X'W V_k W X`, which are also what Satterthwaite's method needs
//! (`dA/dsigma_k = A M_k A`).

use std::collections::BTreeMap;
use std::f64::consts::PI;

use nalgebra::{DMatrix, DVector};

use crate::design::Design;

/// Subjects that share the same set of observed visits.
#[derive(Debug, Clone)]
pub struct Pattern {
    /// Observed visit indices, ascending.
    pub visits: Vec<usize>,
    /// Indices into `Design::subjects`.
    pub subjects: Vec<usize>,
}

/// Groups the subjects of a design by missingness pattern.
pub fn patterns(design: &Design) -> Vec<Pattern> {
    let mut map: BTreeMap<Vec<usize>, Vec<usize>> = BTreeMap::new();
    for (i, s) in design.subjects.iter().enumerate() {
        map.entry(s.visits.clone()).or_default().push(i);
    }
    map.into_iter().map(|(visits, subjects)| Pattern { visits, subjects }).collect()
}

/// Estimation method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EstimationMethod {
    /// Restricted maximum likelihood (the default; unbiased variance components).
    Reml,
    /// Maximum likelihood.
    Ml,
}

impl std::str::FromStr for EstimationMethod {
    type Err = crate::AnalysisError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "reml" => Ok(Self::Reml),
            "ml" => Ok(Self::Ml),
            other => Err(crate::AnalysisError::InvalidInput(format!(
                "unknown estimation method `{other}`; allowed: reml, ml"
            ))),
        }
    }
}

/// Why the objective could not be evaluated at a given `Sigma`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EvalFailure {
    /// A pattern's sub-matrix of `Sigma` is not positive definite.
    Sigma,
    /// `X'WX` is not positive definite.
    Information,
}

/// Derivatives with respect to `sigma`, the distinct entries of `Sigma`
/// (index `k(a, b) = a (a + 1) / 2 + b` for `a >= b`).
#[derive(Debug, Clone)]
pub struct SigmaDerivatives {
    /// Matrix gradient `G` with `d(-2l) = tr(G dSigma)` for symmetric `dSigma`.
    pub g_matrix: DMatrix<f64>,
    /// Gradient with respect to `sigma`.
    pub gradient: DVector<f64>,
    /// Observed Hessian with respect to `sigma`.
    pub hessian: DMatrix<f64>,
    /// Expected Hessian with respect to `sigma`.
    pub expected: DMatrix<f64>,
    /// `M_k = X'W V_k W X`, so that `d(X'WX)/dsigma_k = -M_k`.
    pub m: Vec<DMatrix<f64>>,
}

/// The objective at one `Sigma`.
#[derive(Debug, Clone)]
pub struct Evaluation {
    /// `-2` times the (restricted) log-likelihood, constants included as SAS does.
    pub objective: f64,
    /// Generalised least squares estimate of the fixed effects.
    pub beta: DVector<f64>,
    /// `A = (X'WX)^-1`, the model-based covariance of `beta`.
    pub cov_beta: DMatrix<f64>,
    /// Present when requested.
    pub derivatives: Option<SigmaDerivatives>,
}

/// Index of `sigma_{ab}` (`a >= b`).
pub fn sigma_index(a: usize, b: usize) -> usize {
    let (a, b) = if a >= b { (a, b) } else { (b, a) };
    a * (a + 1) / 2 + b
}

/// `sum over (x,y) in sym(a,b), (u,v) in sym(c,d) of A[x,u] B[y,v]`,
/// where `sym(a,b) = {(a,b),(b,a)}` for `a != b` and `{(a,a)}` otherwise.
/// This is `tr(A B_k B B_l)` style contractions for the elementary
/// directions `B_k = E_ab + E_ba` (or `E_aa`), see the module docs.
fn pair_sum(a_m: &DMatrix<f64>, b_m: &DMatrix<f64>, k: (usize, usize), l: (usize, usize)) -> f64 {
    let sym = |(a, b): (usize, usize)| -> ([(usize, usize); 2], usize) {
        if a == b { ([(a, a), (a, a)], 1) } else { ([(a, b), (b, a)], 2) }
    };
    let (xy, nk) = sym(k);
    let (uv, nl) = sym(l);
    let mut s = 0.0;
    for &(x, y) in &xy[..nk] {
        for &(u, v) in &uv[..nl] {
            s += a_m[(x, u)] * b_m[(y, v)];
        }
    }
    s
}

/// The fixed inputs of the likelihood: design and missingness patterns.
pub struct Likelihood<'a> {
    design: &'a Design,
    patterns: &'a [Pattern],
    method: EstimationMethod,
}

struct PatternFactor {
    w: DMatrix<f64>,
    logdet: f64,
}

impl<'a> Likelihood<'a> {
    /// Binds the design and its patterns.
    pub fn new(design: &'a Design, patterns: &'a [Pattern], method: EstimationMethod) -> Self {
        Likelihood { design, patterns, method }
    }

    /// Number of distinct entries of `Sigma`.
    pub fn n_sigma(&self) -> usize {
        let t = self.design.visits.len();
        t * (t + 1) / 2
    }

    /// Evaluates the objective (and optionally its derivatives) at `sigma`.
    pub fn evaluate(&self, sigma: &DMatrix<f64>, derivatives: bool) -> Result<Evaluation, EvalFailure> {
        let d = self.design;
        let p = d.p();
        let n = d.n();

        // Per pattern: inverse and log-determinant of the sub-matrix.
        let mut factors = Vec::with_capacity(self.patterns.len());
        for pat in self.patterns {
            let sub = sigma.select_rows(&pat.visits).select_columns(&pat.visits);
            let chol = sub.cholesky().ok_or(EvalFailure::Sigma)?;
            let logdet = 2.0 * chol.l_dirty().diagonal().iter().map(|v| v.ln()).sum::<f64>();
            factors.push(PatternFactor { w: chol.inverse(), logdet });
        }

        // X'WX and X'Wy, keeping U_i' = X_i' W_i for the derivative pass.
        let mut xtwx = DMatrix::<f64>::zeros(p, p);
        let mut xtwy = DVector::<f64>::zeros(p);
        let mut ut: Vec<DMatrix<f64>> = vec![DMatrix::zeros(0, 0); d.subjects.len()];
        let mut logdet_v = 0.0;
        for (pat, f) in self.patterns.iter().zip(&factors) {
            let m = pat.visits.len();
            logdet_v += pat.subjects.len() as f64 * f.logdet;
            for &i in &pat.subjects {
                let s = &d.subjects[i];
                let xi = d.x.rows(s.start, m);
                let u = xi.transpose() * &f.w;
                xtwx.gemm(1.0, &u, &xi, 1.0);
                xtwy.gemv(1.0, &u, &d.y.rows(s.start, m), 1.0);
                ut[i] = u;
            }
        }
        let chol = xtwx.clone().cholesky().ok_or(EvalFailure::Information)?;
        let logdet_xtwx = 2.0 * chol.l_dirty().diagonal().iter().map(|v| v.ln()).sum::<f64>();
        let a = chol.inverse();
        let beta = &a * &xtwy;

        // Residuals r_i and s_i = W_i r_i.
        let mut s_vec: Vec<DVector<f64>> = vec![DVector::zeros(0); d.subjects.len()];
        let mut rwr = 0.0;
        for (pat, f) in self.patterns.iter().zip(&factors) {
            let m = pat.visits.len();
            for &i in &pat.subjects {
                let st = d.subjects[i].start;
                let r = d.y.rows(st, m) - d.x.rows(st, m) * &beta;
                let s = &f.w * &r;
                rwr += r.dot(&s);
                s_vec[i] = s;
            }
        }
        let objective = match self.method {
            EstimationMethod::Reml => logdet_v + logdet_xtwx + rwr + (n - p) as f64 * (2.0 * PI).ln(),
            EstimationMethod::Ml => logdet_v + rwr + n as f64 * (2.0 * PI).ln(),
        };

        let derivatives = if derivatives { Some(self.derivatives(&factors, &ut, &s_vec, &a)) } else { None };
        Ok(Evaluation { objective, beta, cov_beta: a, derivatives })
    }

    fn derivatives(
        &self,
        factors: &[PatternFactor],
        ut: &[DMatrix<f64>],
        s_vec: &[DVector<f64>],
        a: &DMatrix<f64>,
    ) -> SigmaDerivatives {
        let d = self.design;
        let p = d.p();
        let t = d.visits.len();
        let k_n = self.n_sigma();
        let reml = self.method == EstimationMethod::Reml;

        let mut g = DMatrix::<f64>::zeros(t, t);
        let mut tr_ww = DMatrix::<f64>::zeros(k_n, k_n);
        let mut tr_qw = DMatrix::<f64>::zeros(k_n, k_n);
        let mut y_ws = DMatrix::<f64>::zeros(k_n, k_n);
        // T[k(a,b)] = sum_i u_ia u_ib'  and  R[a][b] = sum_i u_ia s_ib.
        let mut tt: Vec<DMatrix<f64>> = vec![DMatrix::zeros(p, p); k_n];
        let mut rr: Vec<DVector<f64>> = vec![DVector::zeros(p); t * t];

        for (pat, f) in self.patterns.iter().zip(factors) {
            let m = pat.visits.len();
            let mut s_p = DMatrix::<f64>::zeros(m, m);
            let mut q_p = DMatrix::<f64>::zeros(m, m);
            for &i in &pat.subjects {
                let u = &ut[i];
                let s = &s_vec[i];
                s_p.ger(1.0, s, s, 1.0);
                if reml {
                    let au = a * u;
                    q_p.gemm(1.0, &u.transpose(), &au, 1.0);
                }
                for la in 0..m {
                    let ua = u.column(la);
                    let ga = pat.visits[la];
                    for lb in 0..=la {
                        let gb = pat.visits[lb];
                        tt[sigma_index(ga, gb)].ger(1.0, &ua, &u.column(lb), 1.0);
                    }
                    for lb in 0..m {
                        rr[ga * t + pat.visits[lb]].axpy(s[lb], &ua, 1.0);
                    }
                }
            }
            let n_p = pat.subjects.len() as f64;
            let local = &f.w * n_p - &s_p - if reml { q_p.clone() } else { DMatrix::zeros(m, m) };
            for la in 0..m {
                for lb in 0..m {
                    g[(pat.visits[la], pat.visits[lb])] += local[(la, lb)];
                }
            }
            let pairs: Vec<((usize, usize), usize)> = (0..m)
                .flat_map(|la| (0..=la).map(move |lb| (la, lb)))
                .map(|(la, lb)| ((la, lb), sigma_index(pat.visits[la], pat.visits[lb])))
                .collect();
            for &(kl, kg) in &pairs {
                for &(ll, lg) in &pairs {
                    tr_ww[(kg, lg)] += n_p * pair_sum(&f.w, &f.w, kl, ll);
                    y_ws[(kg, lg)] += pair_sum(&f.w, &s_p, kl, ll);
                    if reml {
                        tr_qw[(kg, lg)] += pair_sum(&q_p, &f.w, kl, ll);
                    }
                }
            }
        }

        let positions: Vec<(usize, usize)> = (0..t).flat_map(|a| (0..=a).map(move |b| (a, b))).collect();
        let m_k: Vec<DMatrix<f64>> = positions
            .iter()
            .zip(&tt)
            .map(|(&(x, y), tk)| if x == y { tk.clone() } else { tk + tk.transpose() })
            .collect();
        let h_k: Vec<DVector<f64>> = positions
            .iter()
            .map(|&(x, y)| if x == y { rr[x * t + x].clone() } else { &rr[x * t + y] + &rr[y * t + x] })
            .collect();
        let ah: Vec<DVector<f64>> = h_k.iter().map(|h| a * h).collect();

        let mut hessian = DMatrix::<f64>::zeros(k_n, k_n);
        let mut expected = DMatrix::<f64>::zeros(k_n, k_n);
        let am: Vec<DMatrix<f64>> = if reml { m_k.iter().map(|m| a * m).collect() } else { Vec::new() };
        for k in 0..k_n {
            for l in 0..=k {
                let y_term = y_ws[(k, l)] - h_k[k].dot(&ah[l]);
                let trace = if reml {
                    // tr(A M_k A M_l) = sum_ij (A M_k)[i,j] (A M_l)[j,i]
                    let tr_amam = am[k].component_mul(&am[l].transpose()).sum();
                    tr_ww[(k, l)] - 2.0 * tr_qw[(k, l)] + tr_amam
                } else {
                    tr_ww[(k, l)]
                };
                hessian[(k, l)] = -trace + 2.0 * y_term;
                expected[(k, l)] = trace;
                hessian[(l, k)] = hessian[(k, l)];
                expected[(l, k)] = expected[(k, l)];
            }
        }
        let gradient = DVector::from_iterator(
            k_n,
            positions.iter().map(|&(x, y)| if x == y { g[(x, x)] } else { 2.0 * g[(x, y)] }),
        );
        SigmaDerivatives { g_matrix: g, gradient, hessian, expected, m: m_k }
    }
}
