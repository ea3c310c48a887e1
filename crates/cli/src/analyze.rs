//! `catalyst analyze`: the trial analyses for statisticians, on CSV files.

use catalyst_stats::{CovarianceStructure, EstimationMethod, MmrmSpec, blinding_from_csv, mmrm_from_csv};
use clap::{Args, Subcommand, ValueEnum};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Subcommand)]
pub enum AnalyzeCommand {
    /// Mixed model for repeated measures (REML, unstructured covariance by default).
    Mmrm(MmrmArgs),
    /// Bang's (per arm) and James' (overall) blinding indices from rows of `arm,guess`.
    Blinding(BlindingArgs),
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Text,
    Json,
}

#[derive(Args)]
pub struct MmrmArgs {
    /// CSV file with one row per subject and visit.
    #[arg(long)]
    data: PathBuf,
    #[arg(long)]
    response: String,
    #[arg(long)]
    subject: String,
    #[arg(long)]
    visit: String,
    #[arg(long)]
    arm: String,
    /// The control arm (default: the first arm in sorted order).
    #[arg(long)]
    reference_arm: Option<String>,
    /// Further covariates, comma-separated (numeric columns are continuous, others categorical).
    #[arg(long, value_delimiter = ',')]
    covariates: Vec<String>,
    /// un, cs or ar1.
    #[arg(long, default_value = "un")]
    covariance: CovarianceStructure,
    /// reml or ml.
    #[arg(long, default_value = "reml")]
    method: EstimationMethod,
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
}

#[derive(Args)]
pub struct BlindingArgs {
    /// CSV with header `arm,guess` (arm: active|placebo; guess: active|placebo|dont_know).
    file: PathBuf,
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
}

fn open(path: &Path) -> anyhow::Result<std::io::BufReader<std::fs::File>> {
    let file = std::fs::File::open(path).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    Ok(std::io::BufReader::new(file))
}

fn print<T: serde::Serialize>(format: Format, value: &T, text: impl FnOnce() -> String) -> anyhow::Result<()> {
    match format {
        Format::Json => crate::print_out(&format!("{}\n", serde_json::to_string_pretty(value)?))?,
        Format::Text => crate::print_out(&text())?,
    }
    Ok(())
}

pub fn run(command: AnalyzeCommand) -> anyhow::Result<ExitCode> {
    match command {
        AnalyzeCommand::Mmrm(a) => {
            let mut spec = MmrmSpec::new(&a.response, &a.subject, &a.visit, &a.arm);
            spec.reference_arm = a.reference_arm;
            spec.covariates = a.covariates;
            spec.covariance = a.covariance;
            spec.method = a.method;
            let fit = mmrm_from_csv(open(&a.data)?, &spec)?;
            print(a.format, &fit, || fit.to_text())?;
        }
        AnalyzeCommand::Blinding(a) => {
            let report = blinding_from_csv(open(&a.file)?)?;
            print(a.format, &report, || report.to_text())?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
