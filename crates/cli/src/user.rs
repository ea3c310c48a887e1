use crate::config::StoreArgs;
use catalyst_app::capabilities::people::domain::UserInput;
use clap::{Args, Subcommand};
use std::io::BufRead;
use std::process::ExitCode;

#[derive(Subcommand)]
pub enum UserCommand {
    /// Create an administrator (the first account of a new installation).
    AddAdmin(AddAdmin),
}

#[derive(Args)]
pub struct AddAdmin {
    #[command(flatten)]
    store: StoreArgs,
    #[arg(long)]
    username: String,
    /// Printed name, shown on e-signatures.
    #[arg(long)]
    display_name: String,
    /// Read the password from the first line of standard input (otherwise CATALYST_PASSWORD).
    #[arg(long)]
    password_stdin: bool,
}

pub async fn run(command: UserCommand) -> anyhow::Result<ExitCode> {
    match command {
        UserCommand::AddAdmin(args) => {
            let password = if args.password_stdin {
                let mut line = String::new();
                std::io::stdin().lock().read_line(&mut line)?;
                line.trim_end_matches(['\r', '\n']).to_owned()
            } else {
                std::env::var("CATALYST_PASSWORD")
                    .map_err(|_| anyhow::anyhow!("give the password with --password-stdin or CATALYST_PASSWORD"))?
            };
            let app = args.store.open().await?;
            let user = app
                .bootstrap_admin(&UserInput { username: args.username, display_name: args.display_name, password })
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("created administrator {} ({})", user.username, user.id);
            Ok(ExitCode::SUCCESS)
        }
    }
}
