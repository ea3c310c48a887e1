//! The one error type of the crate.
//!
//! Every way an analysis can refuse to produce numbers has its own variant, so a
//! caller (the CLI, the web layer) can show the analyst what to fix in the data
//! rather than a generic "fit failed".

use thiserror::Error;

/// Why an analysis could not be carried out.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum AnalysisError {
    /// A column named in the specification is not in the input.
    #[error("unknown column `{column}`; available columns: {}", available.join(", "))]
    UnknownColumn {
        /// The column that was asked for.
        column: String,
        /// The columns the input does have.
        available: Vec<String>,
    },

    /// A response cell is neither a number nor one of the missing-value markers.
    #[error(
        "line {line}: column `{column}` has non-numeric value `{value}` (use an empty cell, NA or . for a missing value)"
    )]
    NonNumericValue {
        /// 1-based line of the input (the header is line 1).
        line: u64,
        /// The column of the cell.
        column: String,
        /// The offending text.
        value: String,
    },

    /// A cell that must be present (subject, visit, arm, blinding guess) is empty.
    #[error("line {line}: column `{column}` is empty")]
    MissingValue {
        /// 1-based line of the input.
        line: u64,
        /// The column of the cell.
        column: String,
    },

    /// A categorical value outside the allowed set (blinding input).
    #[error("line {line}: column `{column}` has value `{value}`; allowed values: {}", allowed.join(", "))]
    InvalidLevel {
        /// 1-based line of the input.
        line: u64,
        /// The column of the cell.
        column: String,
        /// The offending text.
        value: String,
        /// What would have been accepted.
        allowed: Vec<String>,
    },

    /// The CSV itself could not be read (bad quoting, ragged rows, bad UTF-8).
    #[error("cannot read CSV input: {0}")]
    Csv(String),

    /// The same subject has two rows for one visit.
    #[error("subject `{subject}` has more than one row for visit `{visit}`")]
    DuplicateVisit {
        /// The subject.
        subject: String,
        /// The repeated visit.
        visit: String,
    },

    /// A subject appears under two different arms.
    #[error("subject `{subject}` appears in more than one arm (`{first}` and `{second}`)")]
    InconsistentArm {
        /// The subject.
        subject: String,
        /// The first arm seen.
        first: String,
        /// The conflicting arm.
        second: String,
    },

    /// Fewer than two arms have analysable data: there is no comparison to make.
    #[error("only one arm (`{arm}`) has analysable data; at least two are needed")]
    SingleArm {
        /// The only arm present.
        arm: String,
    },

    /// The requested reference level does not occur in the data.
    #[error("reference level `{level}` not found for `{factor}`; levels present: {}", available.join(", "))]
    UnknownReference {
        /// The factor (arm or covariate column).
        factor: String,
        /// The requested reference level.
        level: String,
        /// The levels present in the analysed data.
        available: Vec<String>,
    },

    /// A visit occurs in the input but has no non-missing response.
    #[error("visit `{visit}` has no non-missing response")]
    VisitWithoutData {
        /// The visit label.
        visit: String,
    },

    /// A column of the design matrix is a linear combination of earlier ones
    /// (an empty arm-by-visit cell, a constant covariate, collinear covariates).
    #[error("design matrix is singular: column `{column}` is a linear combination of the columns before it")]
    SingularDesign {
        /// The first dependent column, in design order.
        column: String,
    },

    /// Not enough data to estimate the mean model and the covariance parameters.
    #[error(
        "too few data: {subjects} subjects and {observations} observations for {fixed} fixed effects and {covariance} covariance parameters"
    )]
    TooFewSubjects {
        /// Subjects with at least one observation.
        subjects: usize,
        /// Observations used.
        observations: usize,
        /// Columns of the design matrix.
        fixed: usize,
        /// Covariance parameters.
        covariance: usize,
    },

    /// The optimiser did not reach a stationary point.
    #[error("the fit did not converge after {iterations} iterations (gradient norm {gradient_norm:.3e})")]
    NonConvergence {
        /// Iterations performed.
        iterations: usize,
        /// Euclidean norm of the gradient at the last iterate.
        gradient_norm: f64,
    },

    /// A matrix that must be positive definite is not (estimated covariance on the
    /// boundary of the parameter space, or a flat likelihood).
    #[error("{what} is not positive definite")]
    NotPositiveDefinite {
        /// Which matrix.
        what: String,
    },

    /// Invalid argument to a summary statistic (empty group, count larger than n, ...).
    #[error("invalid input: {0}")]
    InvalidInput(String),
}

impl From<csv::Error> for AnalysisError {
    fn from(e: csv::Error) -> Self {
        AnalysisError::Csv(e.to_string())
    }
}
