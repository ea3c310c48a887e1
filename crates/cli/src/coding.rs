//! `catalyst coding load FILE --name NAME --version VERSION`: loads a coding dictionary the
//! programme holds a licence for (MedDRA or another: Catalyst ships none) into the database,
//! as the operator. The file is a CSV: `code,term,body_system_code,body_system`, then one entry
//! a line; every bad line is named and nothing is loaded.

use crate::config::StoreArgs;
use catalyst_core::ledger::AuditActor;
use clap::{Args, Subcommand};
use std::process::ExitCode;

#[derive(Subcommand)]
pub enum CodingCommand {
    /// Load a dictionary file.
    Load(LoadArgs),
}

#[derive(Args)]
pub struct LoadArgs {
    /// The CSV file.
    file: std::path::PathBuf,
    /// The dictionary's name, e.g. MedDRA.
    #[arg(long)]
    name: String,
    /// Its version, e.g. 27.1.
    #[arg(long)]
    version: String,
    #[command(flatten)]
    store: StoreArgs,
}

pub async fn run(command: CodingCommand) -> anyhow::Result<ExitCode> {
    let CodingCommand::Load(args) = command;
    let text =
        std::fs::read_to_string(&args.file).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", args.file.display()))?;
    let app = args.store.open().await?;
    let record = app
        .write_coding_dictionary(AuditActor::system("operator"), &args.name, &args.version, &text)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    println!(
        "loaded {} {}: {} entries (digest {})",
        record.name, record.version, record.entries, record.entries_sha256
    );
    Ok(ExitCode::SUCCESS)
}
