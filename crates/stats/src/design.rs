//! From a long data table (one row per subject and visit) to the fixed-effects
//! design of the MMRM, plus the bookkeeping the likelihood needs (which rows
//! belong to which subject, at which visits) and the coefficient vectors of the
//! least-squares means.
//!
//! # Coding
//!
//! Categorical effects use treatment (dummy) coding against a reference level,
//! which gives a full-rank design: a singular design is an error, never silently
//! aliased away. The columns are, in order:
//!
//! 1. `Intercept`;
//! 2. one column per non-reference arm;
//! 3. one column per non-reference visit (the reference visit is the first
//!    visit in visit order);
//! 4. arm-by-visit interaction columns (non-reference arm x non-reference visit);
//! 5. each covariate in the order given: one column for a continuous covariate,
//!    one per non-reference level for a categorical one.
//!
//! Default reference levels are the first level in sorted (byte) order for the
//! arm and for categorical covariates; both can be overridden. SAS's GLM
//! parameterisation instead zeroes the *last* level; the two codings span the
//! same column space, so the covariance parameters, likelihood, LS means,
//! differences and their degrees of freedom are identical, and the individual
//! coefficients agree as soon as the same reference levels are chosen.

use std::collections::{BTreeSet, HashMap};

use nalgebra::{DMatrix, DVector};

use crate::AnalysisError;
use crate::mmrm::{CovariateValues, MmrmData, MmrmOptions};

/// A column of the design matrix.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    /// Human-readable name, e.g. `ARMCD=TRT:AVISIT=VIS2`.
    pub name: String,
    /// The model term the column belongs to, e.g. `ARMCD:AVISIT`.
    pub effect: String,
}

/// The observed rows of one subject (contiguous in the design, sorted by visit).
#[derive(Debug, Clone)]
pub struct SubjectRows {
    /// First row of the subject in `x` and `y`.
    pub start: usize,
    /// Visit indices (into `Design::visits`) of the observed rows, ascending.
    pub visits: Vec<usize>,
}

/// How a covariate enters the LS-mean coefficient vectors.
#[derive(Debug, Clone)]
enum CovariateTerm {
    /// Evaluated at the mean over the analysed rows (as SAS does).
    Continuous { mean: f64 },
    /// Each level weighted equally (SAS's default, not the observed margins).
    Categorical { levels: usize, dummies: usize },
}

/// The built design.
#[derive(Debug, Clone)]
pub struct Design {
    /// Design matrix, one row per analysed observation.
    pub x: DMatrix<f64>,
    /// Response of the analysed observations.
    pub y: DVector<f64>,
    /// Column descriptions, same order as the columns of `x`.
    pub columns: Vec<Column>,
    /// Visit labels in model order (index = visit index).
    pub visits: Vec<String>,
    /// Arm labels; index 0 is the reference arm.
    pub arms: Vec<String>,
    /// Analysed subjects with at least one observation.
    pub subjects: Vec<SubjectRows>,
    /// Rows of the input that were not analysed (missing response or covariate).
    pub rows_dropped: usize,
    /// Distinct subjects in the input, including those without any analysed
    /// row (SAS counts these in "Subjects" and hence in BIC).
    pub subjects_in_input: usize,
    covariate_terms: Vec<CovariateTerm>,
}

/// Missing-value aware view of one input row's covariates.
fn row_complete(data: &MmrmData, row: usize) -> bool {
    data.response.get(row).is_some_and(Option::is_some)
        && data.covariates.iter().all(|c| match &c.values {
            CovariateValues::Continuous(v) => v.get(row).is_some_and(Option::is_some),
            CovariateValues::Categorical(v) => v.get(row).is_some_and(Option::is_some),
        })
}

/// Visit order: explicit if given, else numeric if every label is a number,
/// else the order of first appearance.
pub fn visit_order(labels: &[String]) -> Vec<String> {
    let mut seen: Vec<String> = Vec::new();
    for l in labels {
        if !seen.contains(l) {
            seen.push(l.clone());
        }
    }
    let numeric: Option<Vec<f64>> = seen.iter().map(|s| s.trim().parse::<f64>().ok()).collect();
    if let Some(values) = numeric {
        let mut idx: Vec<usize> = (0..seen.len()).collect();
        idx.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
        return idx.into_iter().map(|i| seen[i].clone()).collect();
    }
    seen
}

fn choose_reference(
    factor: &str,
    mut levels: Vec<String>,
    requested: Option<&str>,
) -> Result<Vec<String>, AnalysisError> {
    levels.sort();
    if let Some(r) = requested {
        let Some(pos) = levels.iter().position(|l| l == r) else {
            return Err(AnalysisError::UnknownReference {
                factor: factor.to_string(),
                level: r.to_string(),
                available: levels,
            });
        };
        let reference = levels.remove(pos);
        levels.insert(0, reference);
    }
    Ok(levels)
}

impl Design {
    /// Builds the design for `data` under `options`.
    pub fn build(data: &MmrmData, options: &MmrmOptions) -> Result<Design, AnalysisError> {
        let n_rows = data.subject.len();
        if data.visit.len() != n_rows
            || data.arm.len() != n_rows
            || data.response.len() != n_rows
            || data.covariates.iter().any(|c| c.values.len() != n_rows)
        {
            return Err(AnalysisError::InvalidInput("all columns of the MMRM data must have the same length".into()));
        }

        // Structural checks on every row, analysed or not.
        let mut arm_of: HashMap<&str, &str> = HashMap::new();
        let mut seen_visit: BTreeSet<(&str, &str)> = BTreeSet::new();
        for r in 0..n_rows {
            let (s, v, a) = (&data.subject[r], &data.visit[r], &data.arm[r]);
            if let Some(prev) = arm_of.insert(s, a)
                && prev != a
            {
                return Err(AnalysisError::InconsistentArm {
                    subject: s.clone(),
                    first: prev.to_string(),
                    second: a.clone(),
                });
            }
            if !seen_visit.insert((s, v)) {
                return Err(AnalysisError::DuplicateVisit { subject: s.clone(), visit: v.clone() });
            }
        }

        let visits = match &options.visit_order {
            Some(order) => order.clone(),
            None => visit_order(&data.visit),
        };
        let visit_index: HashMap<&str, usize> = visits.iter().enumerate().map(|(i, v)| (v.as_str(), i)).collect();
        if let Some(v) = data.visit.iter().find(|v| !visit_index.contains_key(v.as_str())) {
            return Err(AnalysisError::InvalidInput(format!("visit `{v}` is not in the given visit order")));
        }

        let analysed: Vec<usize> = (0..n_rows).filter(|&r| row_complete(data, r)).collect();
        for v in &visits {
            if !analysed.iter().any(|&r| &data.visit[r] == v) {
                return Err(AnalysisError::VisitWithoutData { visit: v.clone() });
            }
        }

        let arm_levels: Vec<String> =
            analysed.iter().map(|&r| data.arm[r].clone()).collect::<BTreeSet<_>>().into_iter().collect();
        if arm_levels.len() < 2 {
            return Err(AnalysisError::SingleArm { arm: arm_levels.into_iter().next().unwrap_or_default() });
        }
        let arms = choose_reference(&data.arm_name, arm_levels, options.reference_arm.as_deref())?;
        let arm_index: HashMap<&str, usize> = arms.iter().enumerate().map(|(i, a)| (a.as_str(), i)).collect();

        // Covariate levels, from the analysed rows only.
        let mut cat_levels: Vec<Option<Vec<String>>> = Vec::new();
        for c in &data.covariates {
            match &c.values {
                CovariateValues::Continuous(_) => cat_levels.push(None),
                CovariateValues::Categorical(v) => {
                    let levels: Vec<String> =
                        analysed.iter().filter_map(|&r| v[r].clone()).collect::<BTreeSet<_>>().into_iter().collect();
                    let requested =
                        options.reference_levels.iter().find(|(col, _)| col == &c.name).map(|(_, l)| l.as_str());
                    cat_levels.push(Some(choose_reference(&c.name, levels, requested)?));
                }
            }
        }

        // Columns.
        let mut columns = vec![Column { name: "Intercept".into(), effect: "Intercept".into() }];
        for a in &arms[1..] {
            columns.push(Column { name: format!("{}={a}", data.arm_name), effect: data.arm_name.clone() });
        }
        for v in &visits[1..] {
            columns.push(Column { name: format!("{}={v}", data.visit_name), effect: data.visit_name.clone() });
        }
        let interaction = format!("{}:{}", data.arm_name, data.visit_name);
        for a in &arms[1..] {
            for v in &visits[1..] {
                columns.push(Column {
                    name: format!("{}={a}:{}={v}", data.arm_name, data.visit_name),
                    effect: interaction.clone(),
                });
            }
        }
        for (c, levels) in data.covariates.iter().zip(&cat_levels) {
            match levels {
                None => columns.push(Column { name: c.name.clone(), effect: c.name.clone() }),
                Some(levels) => {
                    for l in &levels[1..] {
                        columns.push(Column { name: format!("{}={l}", c.name), effect: c.name.clone() });
                    }
                }
            }
        }
        let p = columns.len();
        let (n_arms, n_visits) = (arms.len(), visits.len());

        // Order the analysed rows by subject (first appearance), then visit.
        let mut subject_order: HashMap<&str, usize> = HashMap::new();
        for &r in &analysed {
            let next = subject_order.len();
            subject_order.entry(data.subject[r].as_str()).or_insert(next);
        }
        let mut rows = analysed.clone();
        rows.sort_by_key(|&r| (subject_order[data.subject[r].as_str()], visit_index[data.visit[r].as_str()]));

        let n = rows.len();
        let mut x = DMatrix::<f64>::zeros(n, p);
        let mut y = DVector::<f64>::zeros(n);
        let mut subjects: Vec<SubjectRows> = Vec::new();
        let mut last_subject: Option<usize> = None;
        for (i, &r) in rows.iter().enumerate() {
            let a = arm_index[data.arm[r].as_str()];
            let v = visit_index[data.visit[r].as_str()];
            let s = subject_order[data.subject[r].as_str()];
            if last_subject != Some(s) {
                subjects.push(SubjectRows { start: i, visits: Vec::new() });
                last_subject = Some(s);
            }
            if let Some(sub) = subjects.last_mut() {
                sub.visits.push(v);
            }
            y[i] = data.response[r].unwrap_or(f64::NAN);
            x[(i, 0)] = 1.0;
            if a > 0 {
                x[(i, a)] = 1.0;
            }
            if v > 0 {
                x[(i, n_arms - 1 + v)] = 1.0;
            }
            if a > 0 && v > 0 {
                x[(i, n_arms + n_visits - 1 + (a - 1) * (n_visits - 1) + (v - 1))] = 1.0;
            }
            let mut col = n_arms * n_visits;
            for (c, levels) in data.covariates.iter().zip(&cat_levels) {
                match (&c.values, levels) {
                    (CovariateValues::Continuous(vals), _) => {
                        x[(i, col)] = vals[r].unwrap_or(f64::NAN);
                        col += 1;
                    }
                    (CovariateValues::Categorical(vals), Some(levels)) => {
                        if let Some(pos) = levels.iter().position(|l| Some(l) == vals[r].as_ref())
                            && pos > 0
                        {
                            x[(i, col + pos - 1)] = 1.0;
                        }
                        col += levels.len() - 1;
                    }
                    (CovariateValues::Categorical(_), None) => {}
                }
            }
        }

        let covariate_terms = data
            .covariates
            .iter()
            .zip(&cat_levels)
            .map(|(c, levels)| match (&c.values, levels) {
                (CovariateValues::Continuous(vals), _) => CovariateTerm::Continuous {
                    mean: rows.iter().map(|&r| vals[r].unwrap_or(0.0)).sum::<f64>() / n as f64,
                },
                (_, Some(levels)) => CovariateTerm::Categorical { levels: levels.len(), dummies: levels.len() - 1 },
                (_, None) => CovariateTerm::Categorical { levels: 1, dummies: 0 },
            })
            .collect();

        let design = Design {
            x,
            y,
            columns,
            visits,
            arms,
            subjects,
            rows_dropped: n_rows - n,
            subjects_in_input: arm_of.len(),
            covariate_terms,
        };
        design.check_rank()?;
        Ok(design)
    }

    /// Number of fixed-effect columns.
    pub fn p(&self) -> usize {
        self.x.ncols()
    }

    /// Number of analysed observations.
    pub fn n(&self) -> usize {
        self.x.nrows()
    }

    /// Rejects a rank-deficient design, naming the first dependent column.
    ///
    /// Runs a Cholesky factorisation of the column-scaled cross-product matrix
    /// column by column: a pivot that (relative to the column's own norm) is
    /// numerically zero means the column lies in the span of the earlier ones.
    fn check_rank(&self) -> Result<(), AnalysisError> {
        let p = self.p();
        let xtx = self.x.transpose() * &self.x;
        let scale: Vec<f64> = (0..p).map(|j| xtx[(j, j)].sqrt()).collect();
        let mut l = DMatrix::<f64>::zeros(p, p);
        for j in 0..p {
            let dependent = |column: usize| AnalysisError::SingularDesign { column: self.columns[column].name.clone() };
            if scale[j] == 0.0 {
                return Err(dependent(j));
            }
            let mut d = 1.0;
            for k in 0..j {
                d -= l[(j, k)] * l[(j, k)];
            }
            if d < 1e-10 {
                return Err(dependent(j));
            }
            let djj = d.sqrt();
            l[(j, j)] = djj;
            for i in (j + 1)..p {
                let mut s = xtx[(i, j)] / (scale[i] * scale[j]);
                for k in 0..j {
                    s -= l[(i, k)] * l[(j, k)];
                }
                l[(i, j)] = s / djj;
            }
        }
        Ok(())
    }

    /// Coefficient vector of the least-squares mean of `arm` at `visit`.
    ///
    /// Categorical covariates are averaged with equal weight per level and
    /// continuous covariates are set to their mean over the analysed rows, as SAS
    /// `LSMEANS` does by default.
    pub fn lsmean_vector(&self, arm: usize, visit: usize) -> DVector<f64> {
        let (n_arms, n_visits) = (self.arms.len(), self.visits.len());
        let mut l = DVector::<f64>::zeros(self.p());
        l[0] = 1.0;
        if arm > 0 {
            l[arm] = 1.0;
        }
        if visit > 0 {
            l[n_arms - 1 + visit] = 1.0;
        }
        if arm > 0 && visit > 0 {
            l[n_arms + n_visits - 1 + (arm - 1) * (n_visits - 1) + (visit - 1)] = 1.0;
        }
        let mut col = n_arms * n_visits;
        for term in &self.covariate_terms {
            match *term {
                CovariateTerm::Continuous { mean } => {
                    l[col] = mean;
                    col += 1;
                }
                CovariateTerm::Categorical { levels, dummies } => {
                    for k in 0..dummies {
                        l[col + k] = 1.0 / levels as f64;
                    }
                    col += dummies;
                }
            }
        }
        l
    }
}
