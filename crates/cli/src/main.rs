//! The `catalyst` command.

mod analyze;
mod audit;
mod coding;
mod config;
mod deviations;
mod pharmacy;
mod protocol;
mod score;
mod screen;
mod serve;
mod user;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "catalyst", version, about = "Catalyst: MDMA-assisted therapy programmes and trials, end to end")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web server and API.
    Serve(serve::ServeArgs),
    /// Manage accounts from the command line (e.g. the first administrator).
    #[command(subcommand)]
    User(user::UserCommand),
    /// Verify and sign the audit trail.
    #[command(subcommand)]
    Audit(audit::AuditCommand),
    /// Score research data (CSV in, CSV out) with a validated instrument.
    Score(score::ScoreArgs),
    /// Protocol deviations: scan every enrolment now.
    #[command(subcommand)]
    Deviations(deviations::DeviationsCommand),
    /// Coding dictionaries: load the programme's licensed file.
    #[command(subcommand)]
    Coding(coding::CodingCommand),
    /// The controlled-substance register: print its reports.
    #[command(subcommand)]
    Pharmacy(pharmacy::PharmacyCommand),
    /// Treatment protocols: check a file, list the built-in ones.
    #[command(subcommand)]
    Protocol(protocol::ProtocolCommand),
    /// Trial analyses: MMRM and blinding indices.
    #[command(subcommand)]
    Analyze(analyze::AnalyzeCommand),
    /// Load the demo programme into an empty database and exit (see `serve --demo`).
    Demo(serve::DemoArgs),
    /// Screen a participant record (JSON) for eligibility, medication washout and access pathway.
    Screen(screen::ScreenArgs),
    /// Print the OpenAPI document of the HTTP API.
    Openapi,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Serve(args) => runtime().and_then(|rt| rt.block_on(serve::run(args))),
        Command::User(cmd) => runtime().and_then(|rt| rt.block_on(user::run(cmd))),
        Command::Audit(cmd) => runtime().and_then(|rt| rt.block_on(audit::run(cmd))),
        Command::Score(args) => score::run(args),
        Command::Analyze(cmd) => analyze::run(cmd),
        Command::Protocol(cmd) => protocol::run(cmd),
        Command::Deviations(cmd) => runtime().and_then(|rt| rt.block_on(deviations::run(cmd))),
        Command::Pharmacy(cmd) => runtime().and_then(|rt| rt.block_on(pharmacy::run(cmd))),
        Command::Coding(cmd) => runtime().and_then(|rt| rt.block_on(coding::run(cmd))),
        Command::Screen(args) => screen::run(args),
        Command::Demo(args) => runtime().and_then(|rt| rt.block_on(serve::demo(args))),
        Command::Openapi => serde_json::to_string_pretty(&catalyst_app::platform::web::openapi())
            .map_err(anyhow::Error::from)
            .and_then(|json| print_out(&format!("{json}\n")))
            .map(|()| ExitCode::SUCCESS),
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("catalyst: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread().enable_all().build()?)
}

/// Writes to standard output. A reader that stops early (`catalyst … | head`) closes the pipe;
/// that ends the output quietly rather than as an error.
pub(crate) fn print_out(text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}
