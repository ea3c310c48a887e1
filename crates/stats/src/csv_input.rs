//! CSV front ends: one call from a reader to a report, for the CLI.
//!
//! # MMRM input
//!
//! A header row and one row per subject and visit (long format). The columns
//! are named by [`MmrmSpec`]; other columns are ignored.
//!
//! * A response cell that is empty, `NA` or `.` is missing and its row is not
//!   analysed; any other non-numeric response is an error naming the line,
//!   column and value.
//! * A covariate column whose non-missing cells all parse as numbers is
//!   continuous, otherwise categorical. A row with a missing covariate is not
//!   analysed (as in SAS).
//! * Subject, visit and arm must be present on every row.
//! * Visit order: numeric order if every visit label is a number (`1`, `2`,
//!   `10`, `-1`), otherwise the order of first appearance in the file. The
//!   first visit is the reference level of the visit factor (it does not
//!   affect LS means or treatment differences).

use std::io::Read;

use crate::blinding::{BlindingReport, Guess, GuessTable};
use crate::mmrm::{Covariate, CovariateValues, EstimationMethod, MmrmData, MmrmFit, MmrmOptions, fit_mmrm};
use crate::{AnalysisError, CovarianceStructure};

/// Which columns play which role, and the model options.
#[derive(Debug, Clone, PartialEq)]
pub struct MmrmSpec {
    /// Response column (e.g. change from baseline).
    pub response: String,
    /// Subject identifier column.
    pub subject: String,
    /// Visit column.
    pub visit: String,
    /// Treatment arm column.
    pub arm: String,
    /// Reference (control) arm; default: first in sorted order.
    pub reference_arm: Option<String>,
    /// Covariate columns, in model order.
    pub covariates: Vec<String>,
    /// Reference levels of categorical covariates, `(column, level)`.
    pub reference_levels: Vec<(String, String)>,
    /// Covariance structure (`un`, `cs`, `ar1`).
    pub covariance: CovarianceStructure,
    /// `reml` or `ml`.
    pub method: EstimationMethod,
    /// Confidence level of the intervals.
    pub confidence_level: f64,
}

impl MmrmSpec {
    /// A spec with no covariates, UN covariance, REML and 95% intervals.
    pub fn new(response: &str, subject: &str, visit: &str, arm: &str) -> Self {
        MmrmSpec {
            response: response.into(),
            subject: subject.into(),
            visit: visit.into(),
            arm: arm.into(),
            reference_arm: None,
            covariates: Vec::new(),
            reference_levels: Vec::new(),
            covariance: CovarianceStructure::Unstructured,
            method: EstimationMethod::Reml,
            confidence_level: 0.95,
        }
    }
}

fn is_missing(cell: &str) -> bool {
    matches!(cell, "" | "NA" | ".")
}

struct RawTable {
    headers: Vec<String>,
    rows: Vec<(u64, Vec<String>)>,
}

impl RawTable {
    fn read<R: Read>(reader: R) -> Result<RawTable, AnalysisError> {
        let mut rdr = csv::ReaderBuilder::new().trim(csv::Trim::All).from_reader(reader);
        let headers = rdr.headers()?.iter().map(str::to_string).collect();
        let mut rows = Vec::new();
        for rec in rdr.records() {
            let rec = rec?;
            let line = rec.position().map_or(0, |p| p.line());
            rows.push((line, rec.iter().map(str::to_string).collect()));
        }
        Ok(RawTable { headers, rows })
    }

    fn column(&self, name: &str) -> Result<usize, AnalysisError> {
        self.headers
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| AnalysisError::UnknownColumn { column: name.to_string(), available: self.headers.clone() })
    }

    fn required(&self, col: usize) -> Result<Vec<String>, AnalysisError> {
        self.rows
            .iter()
            .map(|(line, cells)| {
                let c = cells.get(col).map(String::as_str).unwrap_or("");
                if is_missing(c) {
                    Err(AnalysisError::MissingValue { line: *line, column: self.headers[col].clone() })
                } else {
                    Ok(c.to_string())
                }
            })
            .collect()
    }
}

impl MmrmSpec {
    /// The model options this spec asks for.
    pub fn options(&self) -> MmrmOptions {
        MmrmOptions {
            reference_arm: self.reference_arm.clone(),
            reference_levels: self.reference_levels.clone(),
            covariance: self.covariance,
            method: self.method,
            confidence_level: self.confidence_level,
            ..MmrmOptions::default()
        }
    }
}

/// Reads a long-format CSV and fits the MMRM described by `spec`.
pub fn mmrm_from_csv<R: Read>(reader: R, spec: &MmrmSpec) -> Result<MmrmFit, AnalysisError> {
    fit_mmrm(&read_mmrm_csv(reader, spec)?, &spec.options())
}

/// Reads a long-format CSV into the columns `spec` names (for callers that
/// need options beyond the spec's, e.g. an explicit visit order).
pub fn read_mmrm_csv<R: Read>(reader: R, spec: &MmrmSpec) -> Result<MmrmData, AnalysisError> {
    let table = RawTable::read(reader)?;
    let response_col = table.column(&spec.response)?;
    let subject_col = table.column(&spec.subject)?;
    let visit_col = table.column(&spec.visit)?;
    let arm_col = table.column(&spec.arm)?;
    let covariate_cols = spec.covariates.iter().map(|c| table.column(c)).collect::<Result<Vec<_>, _>>()?;

    let response = table
        .rows
        .iter()
        .map(|(line, cells)| {
            let c = cells.get(response_col).map(String::as_str).unwrap_or("");
            if is_missing(c) {
                return Ok(None);
            }
            match c.parse::<f64>() {
                Ok(v) if v.is_finite() => Ok(Some(v)),
                _ => Err(AnalysisError::NonNumericValue {
                    line: *line,
                    column: spec.response.clone(),
                    value: c.to_string(),
                }),
            }
        })
        .collect::<Result<Vec<_>, _>>()?;

    let covariates = spec
        .covariates
        .iter()
        .zip(&covariate_cols)
        .map(|(name, &col)| {
            let cells: Vec<Option<&str>> = table
                .rows
                .iter()
                .map(|(_, cells)| cells.get(col).map(String::as_str).filter(|c| !is_missing(c)))
                .collect();
            let numeric: Option<Vec<Option<f64>>> = cells
                .iter()
                .map(|c| match c {
                    None => Some(None),
                    Some(s) => s.parse::<f64>().ok().filter(|v| v.is_finite()).map(Some),
                })
                .collect();
            let values = match numeric {
                Some(v) => CovariateValues::Continuous(v),
                None => CovariateValues::Categorical(cells.iter().map(|c| c.map(str::to_string)).collect()),
            };
            Covariate { name: name.clone(), values }
        })
        .collect();

    Ok(MmrmData {
        response_name: spec.response.clone(),
        arm_name: spec.arm.clone(),
        visit_name: spec.visit.clone(),
        subject: table.required(subject_col)?,
        visit: table.required(visit_col)?,
        arm: table.required(arm_col)?,
        response,
        covariates,
    })
}

/// Reads a blinding questionnaire CSV and computes Bang's and James' indices.
///
/// Header `arm,guess`, one row per respondent. `arm` is `active` or
/// `placebo`; `guess` is `active`, `placebo` or `dont_know` (also accepted:
/// `don't know`, `unknown`). Matching is case-insensitive; anything else is an
/// error listing the allowed values.
pub fn blinding_from_csv<R: Read>(reader: R) -> Result<BlindingReport, AnalysisError> {
    let table = RawTable::read(reader)?;
    let arm_col = table.column("arm")?;
    let guess_col = table.column("guess")?;
    let mut counts = GuessTable::default();
    for (line, cells) in &table.rows {
        let cell = |col: usize| cells.get(col).map(|s| s.to_ascii_lowercase()).unwrap_or_default();
        let arm = cell(arm_col);
        let active = match arm.as_str() {
            "active" => true,
            "placebo" => false,
            _ => {
                return Err(AnalysisError::InvalidLevel {
                    line: *line,
                    column: "arm".into(),
                    value: cells.get(arm_col).cloned().unwrap_or_default(),
                    allowed: vec!["active".into(), "placebo".into()],
                });
            }
        };
        let guess = match cell(guess_col).as_str() {
            "active" => Guess::Active,
            "placebo" => Guess::Placebo,
            "dont_know" | "don't know" | "unknown" => Guess::DontKnow,
            _ => {
                return Err(AnalysisError::InvalidLevel {
                    line: *line,
                    column: "guess".into(),
                    value: cells.get(guess_col).cloned().unwrap_or_default(),
                    allowed: vec![
                        "active".into(),
                        "placebo".into(),
                        "dont_know".into(),
                        "don't know".into(),
                        "unknown".into(),
                    ],
                });
            }
        };
        counts.add(active, guess);
    }
    counts.report(0.95)
}
