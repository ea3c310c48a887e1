//! `catalyst pharmacy report <kind> --site CODE`: the register's reports, as the inspector reads
//! them (perpetual inventory, dispensing record, chain of custody, count sheet, destruction
//! record, biennial inventory, temperature excursions), printed as CSV (default) or JSON.

use crate::config::StoreArgs;
use catalyst_app::capabilities::pharmacy::usecases::reports::{ReportKind, ReportParams};
use clap::{Args, Subcommand};
use std::process::ExitCode;

#[derive(Subcommand)]
pub enum PharmacyCommand {
    /// Print a report of a site's stores: perpetual_inventory, dispensing_record,
    /// chain_of_custody (--dispense ID), count_sheet (--location ID), destruction_record,
    /// biennial_inventory (--as-of YYYY-MM-DD --taken-at opening|close), temperature_excursions.
    Report(ReportArgs),
}

#[derive(Args)]
pub struct ReportArgs {
    /// perpetual_inventory | dispensing_record | chain_of_custody | count_sheet | destruction_record |
    /// biennial_inventory | temperature_excursions
    kind: String,
    /// The site's code, e.g. SYD.
    #[arg(long)]
    site: String,
    /// csv or json.
    #[arg(long, default_value = "csv")]
    format: String,
    /// Count sheet: the store's id.
    #[arg(long)]
    location: Option<String>,
    /// Chain of custody: the dispensed dose's id.
    #[arg(long)]
    dispense: Option<String>,
    /// Dispensing record: the substance (default: the first active product's).
    #[arg(long)]
    substance: Option<String>,
    /// Count sheet: leave the register's units out (a blind count).
    #[arg(long)]
    blind: bool,
    /// Biennial inventory: its date, YYYY-MM-DD (the site's).
    #[arg(long)]
    as_of: Option<String>,
    /// Biennial inventory: opening or close (of business).
    #[arg(long)]
    taken_at: Option<String>,
    #[command(flatten)]
    store: StoreArgs,
}

pub async fn run(command: PharmacyCommand) -> anyhow::Result<ExitCode> {
    let PharmacyCommand::Report(args) = command;
    let kind = ReportKind::parse("kind", &args.kind).map_err(|v| anyhow::anyhow!("{}", v.message))?;
    let json = match args.format.as_str() {
        "csv" => false,
        "json" => true,
        other => anyhow::bail!("--format must be csv or json; got {other:?}"),
    };
    let app = args.store.open().await?;
    let params = ReportParams {
        substance: args.substance,
        location_id: args.location,
        dispense_id: args.dispense,
        show_expected: Some(!args.blind),
        as_of: args.as_of,
        taken_at: args.taken_at,
    };
    let report = app
        .pharmacy_report_as_operator(&args.site.to_ascii_uppercase(), kind, &params)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let text = if json { format!("{}\n", serde_json::to_string_pretty(&report.json)?) } else { report.csv };
    crate::print_out(&text)?;
    Ok(ExitCode::SUCCESS)
}
