//! `catalyst score`: batch scoring of research data, CSV in and CSV out.

use catalyst_instruments::{BatchInstrument, BatchOptions, ScoreOptions, score_csv};
use clap::Args;
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args)]
pub struct ScoreArgs {
    /// caps5, pcl5, sds, cssrs or phq9.
    instrument: BatchInstrument,
    /// CSV file to read (standard input when omitted).
    file: Option<PathBuf>,
    /// PCL-5 provisional-diagnosis cut-point (default 33).
    #[arg(long)]
    cutpoint: Option<u32>,
}

pub fn run(args: ScoreArgs) -> anyhow::Result<ExitCode> {
    let input: Box<dyn Read> = match &args.file {
        Some(path) => Box::new(std::fs::File::open(path).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?),
        None => Box::new(std::io::stdin().lock()),
    };
    let options = BatchOptions { scoring: ScoreOptions { pcl5_cutpoint: args.cutpoint } };
    let stdout = std::io::stdout().lock();
    let mut output = BufWriter::new(stdout);
    match score_csv(args.instrument, &options, BufReader::new(input), &mut output) {
        Ok(_) => match output.flush() {
            // A reader that stopped early (`| head`) is not a failure.
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(ExitCode::SUCCESS),
            other => other.map(|()| ExitCode::SUCCESS).map_err(anyhow::Error::from),
        },
        Err(error) => {
            eprintln!("{error}");
            Ok(ExitCode::FAILURE)
        }
    }
}
