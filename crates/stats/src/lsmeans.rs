//! Least-squares means of the MMRM and the treatment differences per visit.
//!
//! The LS mean of arm `a` at visit `v` is `l'beta` with `l` the design row of
//! that cell, categorical covariates averaged over their levels with equal
//! weights and continuous covariates at their mean (SAS `LSMEANS` defaults;
//! see [`Design::lsmean_vector`]).

use nalgebra::DVector;
use serde::Serialize;

use crate::AnalysisError;
use crate::design::Design;
use crate::mmrm::{Estimate, Inference};

/// LS mean of one arm at one visit.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LsMean {
    /// Arm.
    pub arm: String,
    /// Visit.
    pub visit: String,
    /// Estimate with inference.
    #[serde(flatten)]
    pub estimate: Estimate,
}

/// Arm minus reference arm at one visit.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Difference {
    /// Visit.
    pub visit: String,
    /// The compared arm.
    pub arm: String,
    /// The reference arm.
    pub reference: String,
    /// Estimate with inference.
    #[serde(flatten)]
    pub estimate: Estimate,
}

/// Coefficient vector of the LS mean of `arm` at `visit`, by label.
pub fn vector(design: &Design, arm: &str, visit: &str) -> Result<DVector<f64>, AnalysisError> {
    let a =
        design.arms.iter().position(|x| x == arm).ok_or_else(|| {
            AnalysisError::InvalidInput(format!("unknown arm `{arm}`; arms: {}", design.arms.join(", ")))
        })?;
    let v = design.visits.iter().position(|x| x == visit).ok_or_else(|| {
        AnalysisError::InvalidInput(format!("unknown visit `{visit}`; visits: {}", design.visits.join(", ")))
    })?;
    Ok(design.lsmean_vector(a, v))
}

/// All LS means, by visit then arm (reference arm first).
pub fn lsmeans(design: &Design, inference: &Inference) -> Result<Vec<LsMean>, AnalysisError> {
    let mut out = Vec::new();
    for (v, visit) in design.visits.iter().enumerate() {
        for (a, arm) in design.arms.iter().enumerate() {
            out.push(LsMean {
                arm: arm.clone(),
                visit: visit.clone(),
                estimate: inference.estimate(&design.lsmean_vector(a, v))?,
            });
        }
    }
    Ok(out)
}

/// Each non-reference arm minus the reference arm, at every visit.
pub fn differences(design: &Design, inference: &Inference) -> Result<Vec<Difference>, AnalysisError> {
    let mut out = Vec::new();
    for (v, visit) in design.visits.iter().enumerate() {
        let reference = design.lsmean_vector(0, v);
        for (a, arm) in design.arms.iter().enumerate().skip(1) {
            out.push(Difference {
                visit: visit.clone(),
                arm: arm.clone(),
                reference: design.arms[0].clone(),
                estimate: inference.estimate(&(design.lsmean_vector(a, v) - &reference))?,
            });
        }
    }
    Ok(out)
}
