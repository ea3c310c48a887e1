//! Where Catalyst keeps its data: one data directory holding the SQLite database and the
//! checkpoint signing key, or a PostgreSQL URL plus a key file.

use catalyst_app::{App, SystemClock, load_or_create_signing_key};
use catalyst_store::Store;
use clap::Args;
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Args, Clone, Debug)]
pub struct StoreArgs {
    /// Directory for the embedded database and the signing key (created if missing).
    #[arg(long, env = "CATALYST_DATA_DIR", default_value = "catalyst-data")]
    pub data_dir: PathBuf,
    /// Database URL: sqlite://PATH or postgres://… (default: the SQLite file in the data directory).
    #[arg(long, env = "CATALYST_DATABASE_URL")]
    pub database_url: Option<String>,
    /// The Ed25519 key that signs ledger checkpoints (default: DATA_DIR/ledger-signing.key).
    #[arg(long, env = "CATALYST_SIGNING_KEY")]
    pub signing_key: Option<PathBuf>,
}

impl StoreArgs {
    pub fn database_url(&self) -> String {
        self.database_url.clone().unwrap_or_else(|| format!("sqlite://{}", self.data_dir.join("catalyst.db").display()))
    }

    pub fn signing_key_path(&self) -> PathBuf {
        self.signing_key.clone().unwrap_or_else(|| self.data_dir.join("ledger-signing.key"))
    }

    pub async fn open(&self) -> anyhow::Result<App> {
        std::fs::create_dir_all(&self.data_dir)?;
        let url = self.database_url();
        let store = Store::open(&url).await?;
        let key = load_or_create_signing_key(&self.signing_key_path())?;
        Ok(App::new(store, Arc::new(SystemClock), key))
    }
}
