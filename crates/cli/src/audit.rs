use crate::config::StoreArgs;
use clap::{Args, Subcommand};
use ed25519_dalek::VerifyingKey;
use std::process::ExitCode;

#[derive(Subcommand)]
pub enum AuditCommand {
    /// Recompute every chain, check the signed checkpoints, rebuild the current state from the
    /// ledger and compare it with the live tables. Exits 1 and names the first failing entry.
    Verify(VerifyArgs),
    /// Sign a checkpoint at the head of every chain that has moved.
    Checkpoint(StoreOnly),
    /// Print the public key that verifies this installation's checkpoints.
    PublicKey(StoreOnly),
}

#[derive(Args)]
pub struct StoreOnly {
    #[command(flatten)]
    store: StoreArgs,
}

#[derive(Args)]
pub struct VerifyArgs {
    #[command(flatten)]
    store: StoreArgs,
    /// Trusted checkpoint public key(s), hex. Default: the key in the signing-key file.
    #[arg(long = "public-key")]
    public_keys: Vec<String>,
    /// Print the full report as JSON.
    #[arg(long)]
    json: bool,
}

fn parse_key(hex_key: &str) -> anyhow::Result<VerifyingKey> {
    let bytes: [u8; 32] = hex::decode(hex_key.trim())
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| anyhow::anyhow!("--public-key must be 64 hex characters"))?;
    Ok(VerifyingKey::from_bytes(&bytes)?)
}

pub async fn run(command: AuditCommand) -> anyhow::Result<ExitCode> {
    match command {
        AuditCommand::Verify(args) => {
            let app = args.store.open().await?;
            let keys = if args.public_keys.is_empty() {
                vec![app.public_key()]
            } else {
                args.public_keys.iter().map(|k| parse_key(k)).collect::<anyhow::Result<_>>()?
            };
            let report = app.store.verify_ledger(&keys).await?;
            if args.json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                for chain in &report.chains {
                    println!(
                        "chain {:<45} {:>8} entries  {:>4} checkpoints verified  head {}",
                        chain.chain, chain.entries, chain.checkpoints_verified, chain.head_hash
                    );
                }
                for warning in &report.warnings {
                    println!("warning: {warning}");
                }
                for fault in &report.chain_faults {
                    println!("FAIL: {fault}");
                }
                for fault in &report.checkpoint_faults {
                    println!("FAIL: {fault}");
                }
                for m in &report.state_mismatches {
                    println!("FAIL: {} {}: {}", m.entity_kind, m.entity_id, m.problem);
                }
                if report.ok {
                    println!(
                        "OK: {} chains, {} current records match the ledger",
                        report.chains.len(),
                        report.records_compared
                    );
                }
            }
            Ok(if report.ok { ExitCode::SUCCESS } else { ExitCode::FAILURE })
        }
        AuditCommand::Checkpoint(args) => {
            let app = args.store.open().await?;
            let n = app.checkpoint().await.map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("signed {n} checkpoint(s)");
            Ok(ExitCode::SUCCESS)
        }
        AuditCommand::PublicKey(args) => {
            let key = catalyst_app::load_or_create_signing_key(&args.store.signing_key_path())?;
            println!("{}", hex::encode(key.verifying_key().as_bytes()));
            Ok(ExitCode::SUCCESS)
        }
    }
}
