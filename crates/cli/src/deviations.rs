//! `catalyst deviations scan`: check every enrolment for unrecorded protocol deviations now.

use crate::config::StoreArgs;
use clap::Subcommand;
use std::process::ExitCode;

#[derive(Subcommand)]
pub enum DeviationsCommand {
    /// Scan every enrolment once (the server also scans a page of them every checkpoint interval).
    Scan {
        #[command(flatten)]
        store: StoreArgs,
    },
}

pub async fn run(command: DeviationsCommand) -> anyhow::Result<ExitCode> {
    let DeviationsCommand::Scan { store } = command;
    let app = store.open().await?;
    let (mut cursor, mut total) = (String::new(), 0);
    loop {
        let (recorded, next) = app.scan_deviations(&cursor, 1_000).await.map_err(|e| anyhow::anyhow!("{e}"))?;
        total += recorded;
        match next {
            Some(next) => cursor = next,
            None => break,
        }
    }
    println!("recorded {total} new deviation(s)");
    Ok(ExitCode::SUCCESS)
}
