//! `catalyst screen`: evaluate a screening record (JSON) against the built-in rule sets.

use clap::Args;
use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args)]
pub struct ScreenArgs {
    /// Screening record as JSON (standard input when omitted).
    file: Option<PathBuf>,
    /// Print the input and output JSON Schemas instead of screening.
    #[arg(long)]
    schema: bool,
    /// Evaluate as of this date (YYYY-MM-DD); default: today (UTC).
    #[arg(long)]
    as_of: Option<String>,
}

pub fn run(args: ScreenArgs) -> anyhow::Result<ExitCode> {
    if args.schema {
        crate::print_out(&format!(
            "{{\"input\": {}, \"output\": {}}}\n",
            catalyst_screening::input_schema(),
            catalyst_screening::output_schema()
        ))?;
        return Ok(ExitCode::SUCCESS);
    }
    let as_of: jiff::civil::Date = match &args.as_of {
        Some(d) => d.parse().map_err(|_| anyhow::anyhow!("--as-of must be a date as YYYY-MM-DD; got {d:?}"))?,
        None => jiff::Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC).date(),
    };
    let mut input = String::new();
    match &args.file {
        Some(path) => input = std::fs::read_to_string(path).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?,
        None => {
            std::io::stdin().read_to_string(&mut input)?;
        }
    }
    match catalyst_screening::screen_json(&input, as_of) {
        Ok(decision) => {
            crate::print_out(&format!("{decision}\n"))?;
            Ok(ExitCode::SUCCESS)
        }
        Err(error) => {
            eprintln!("{error}");
            Ok(ExitCode::FAILURE)
        }
    }
}
