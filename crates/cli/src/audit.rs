use crate::config::StoreArgs;
use catalyst_core::ledger::audit::parse_key;
use catalyst_core::ledger::receipt::Receipt;
use clap::{Args, Subcommand};
use ed25519_dalek::VerifyingKey;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Subcommand)]
pub enum AuditCommand {
    /// Recompute every chain, check every commit signature (and a receipt's heads), rebuild the
    /// current state from the ledger and compare it with the live tables. Exits 1 and names
    /// every failure.
    Verify(VerifyArgs),
    /// Verify what each chain gained since the last head record and record the new heads in the
    /// system chain (the server does this every minute).
    Checkpoint(StoreOnly),
    /// Write an outsider's receipt: the signed head of every chain, for a monitor, sponsor or
    /// auditor to keep and later pass to `verify --anchor`.
    Anchor(AnchorArgs),
    /// Replace the signing key: the rotation is recorded and signed by the old key, whose public
    /// half is kept in DATA_DIR/ledger-trusted.keys. Run with the server stopped.
    RotateKey(StoreOnly),
    /// Print the public key that verifies this installation's signatures.
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
    /// Trusted public key(s), hex: the auditor's own copy. Default: this installation's keys.
    #[arg(long = "public-key")]
    public_keys: Vec<String>,
    /// A receipt from `catalyst audit anchor`: prove the database still holds and extends it.
    #[arg(long)]
    anchor: Option<PathBuf>,
    /// Print the full report as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
pub struct AnchorArgs {
    #[command(flatten)]
    store: StoreArgs,
    /// Where to write the receipt (JSON).
    #[arg(long)]
    out: PathBuf,
}

fn parse_public_key(hex_key: &str) -> anyhow::Result<VerifyingKey> {
    parse_key(hex_key).ok_or_else(|| anyhow::anyhow!("--public-key must be an Ed25519 public key in 64 hex characters"))
}

pub async fn run(command: AuditCommand) -> anyhow::Result<ExitCode> {
    match command {
        AuditCommand::Verify(args) => {
            let receipt = match &args.anchor {
                Some(path) => {
                    let text = std::fs::read_to_string(path).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
                    Some(Receipt::parse(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?)
                }
                None => None,
            };
            let app = args.store.open().await?;
            let keys = if args.public_keys.is_empty() {
                app.store.signer().trusted().to_vec()
            } else {
                args.public_keys.iter().map(|k| parse_public_key(k)).collect::<anyhow::Result<_>>()?
            };
            let report = app.store.verify_ledger(&keys, receipt.as_ref()).await?;
            if args.json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                for chain in &report.chains {
                    println!(
                        "chain {:<45} {:>8} entries  {:>8} signatures verified  head {}",
                        chain.chain, chain.entries, chain.checkpoints_verified, chain.head_hash
                    );
                }
                if let Some(receipt) = &receipt {
                    println!(
                        "receipt of {}: {} chain heads checked",
                        receipt.issued_at.to_rfc3339(),
                        receipt.heads.len()
                    );
                }
                for warning in &report.warnings {
                    println!("warning: {warning}");
                }
                for fault in &report.chain_faults {
                    println!("FAIL: {fault}");
                }
                for fault in report.checkpoint_faults.iter().chain(&report.history_faults) {
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
            let outcome = app.checkpoint().await.map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("recorded the verified heads of {} chain(s)", outcome.recorded);
            for alarm in &outcome.alarms {
                println!("ALARM: {alarm}");
            }
            Ok(if outcome.alarms.is_empty() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
        }
        AuditCommand::Anchor(args) => {
            let app = args.store.open().await?;
            let receipt = app.issue_receipt().await.map_err(|e| anyhow::anyhow!("{e}"))?;
            let text = serde_json::to_string_pretty(&receipt)? + "\n";
            std::fs::write(&args.out, text).map_err(|e| anyhow::anyhow!("{}: {e}", args.out.display()))?;
            println!("receipt for {} chains written to {}", receipt.heads.len(), args.out.display());
            Ok(ExitCode::SUCCESS)
        }
        AuditCommand::RotateKey(args) => {
            let app = args.store.open().await?;
            let old = app.public_key();
            let next = catalyst_app::new_signing_key().map_err(|e| anyhow::anyhow!("{e}"))?;
            let key_path = args.store.signing_key_path();
            let staged = key_path.with_extension("key.next");
            // The new key is on disk before the rotation is recorded, so a crash in between
            // leaves a recorded rotation whose key can still be installed by hand.
            catalyst_app::write_private(&staged, &hex::encode(next.to_bytes()), true)?;
            app.rotate_signing_key(&next.verifying_key(), "ledger signing key (rotated)")
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            app.store.close().await;
            let trusted_path = args.store.trusted_keys_path();
            let mut trusted = std::fs::read_to_string(&trusted_path).unwrap_or_default();
            trusted.push_str(&format!("{}  # retired by rotation\n", hex::encode(old.as_bytes())));
            catalyst_app::write_private(&trusted_path, &trusted, true)?;
            std::fs::rename(&staged, &key_path)?;
            println!("signing key rotated; new public key {}", hex::encode(next.verifying_key().as_bytes()));
            println!("the old public key {} stays trusted in {}", hex::encode(old.as_bytes()), trusted_path.display());
            Ok(ExitCode::SUCCESS)
        }
        AuditCommand::PublicKey(args) => {
            let key = catalyst_app::load_or_create_signing_key(&args.store.signing_key_path())?;
            println!("{}", hex::encode(key.verifying_key().as_bytes()));
            Ok(ExitCode::SUCCESS)
        }
    }
}
