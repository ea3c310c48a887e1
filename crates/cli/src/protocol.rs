//! `catalyst protocol`: check a protocol file, list the built-in protocols.

use clap::Subcommand;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Subcommand)]
pub enum ProtocolCommand {
    /// Validate a protocol file and print its schedule for a sample baseline date.
    Check {
        file: PathBuf,
        /// Baseline date for the sample schedule (YYYY-MM-DD).
        #[arg(long, default_value = "2026-01-05")]
        baseline: String,
    },
    /// List the built-in protocols.
    List,
}

pub fn run(command: ProtocolCommand) -> anyhow::Result<ExitCode> {
    match command {
        ProtocolCommand::Check { file, baseline } => {
            let text = std::fs::read_to_string(&file).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
            let baseline: jiff::civil::Date = baseline
                .parse()
                .map_err(|_| anyhow::anyhow!("--baseline must be a date as YYYY-MM-DD; got {baseline:?}"))?;
            match catalyst_protocol::check_protocol_text(&file.display().to_string(), &text, baseline) {
                Ok(table) => {
                    crate::print_out(&table.to_string())?;
                    Ok(ExitCode::SUCCESS)
                }
                Err(error) => {
                    eprintln!("{error}");
                    Ok(ExitCode::FAILURE)
                }
            }
        }
        ProtocolCommand::List => {
            crate::print_out(&catalyst_protocol::list_builtin().to_string())?;
            Ok(ExitCode::SUCCESS)
        }
    }
}
