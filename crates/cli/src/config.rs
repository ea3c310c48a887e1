//! Where Catalyst keeps its data: one data directory holding the SQLite database, the
//! checkpoint signing key and attached documents' bytes, or a PostgreSQL URL plus a key file,
//! and documents in a directory or an S3-compatible bucket.

use catalyst_app::platform::blobs::{BlobStore, S3Config};
use catalyst_app::platform::store::{LedgerSigner, Store};
use catalyst_app::{App, SystemClock, load_or_create_secret, load_or_create_signing_key};
use catalyst_core::ledger::audit::parse_key;
use clap::Args;
use ed25519_dalek::VerifyingKey;
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
    /// The Ed25519 key that signs every ledger commit (default: DATA_DIR/ledger-signing.key).
    #[arg(long, env = "CATALYST_SIGNING_KEY")]
    pub signing_key: Option<PathBuf>,
    /// The secret that keys the seals over sessions, passwords, accounts and role grants
    /// (default: DATA_DIR/server-secret.key). Every server instance of one database shares it.
    #[arg(long, env = "CATALYST_SERVER_SECRET")]
    pub server_secret: Option<PathBuf>,
    /// Public keys (hex) of other server instances whose signed commits this one accepts,
    /// besides its own key and the keys listed in DATA_DIR/ledger-trusted.keys.
    #[arg(long = "trusted-key", env = "CATALYST_TRUSTED_KEYS", value_delimiter = ',')]
    pub trusted_keys: Vec<String>,
    /// Directory for attached documents' bytes, each named by its SHA-256 (default:
    /// DATA_DIR/documents). Not used when an S3 bucket is configured.
    #[arg(long, env = "CATALYST_DOCUMENTS_DIR")]
    pub documents_dir: Option<PathBuf>,
    /// Keep documents in an S3-compatible bucket instead (AWS S3, MinIO, Ceph): the endpoint,
    /// e.g. https://s3.eu-west-1.amazonaws.com or http://127.0.0.1:9000 (path-style addressing).
    #[arg(long, env = "CATALYST_S3_ENDPOINT", requires = "s3_bucket")]
    pub s3_endpoint: Option<String>,
    #[arg(long, env = "CATALYST_S3_BUCKET", requires = "s3_endpoint")]
    pub s3_bucket: Option<String>,
    #[arg(long, env = "CATALYST_S3_REGION", default_value = "us-east-1")]
    pub s3_region: String,
    /// Prepended to each document's key in the bucket.
    #[arg(long, env = "CATALYST_S3_PREFIX", default_value = "documents/")]
    pub s3_prefix: String,
    #[arg(long, env = "CATALYST_S3_ACCESS_KEY_ID")]
    pub s3_access_key_id: Option<String>,
    /// The secret access key: set it in the environment, not on the command line.
    #[arg(long, env = "CATALYST_S3_SECRET_ACCESS_KEY", hide_env_values = true)]
    pub s3_secret_access_key: Option<String>,
}

impl StoreArgs {
    pub fn database_url(&self) -> String {
        self.database_url.clone().unwrap_or_else(|| format!("sqlite://{}", self.data_dir.join("catalyst.db").display()))
    }

    pub fn signing_key_path(&self) -> PathBuf {
        self.signing_key.clone().unwrap_or_else(|| self.data_dir.join("ledger-signing.key"))
    }

    pub fn server_secret_path(&self) -> PathBuf {
        self.server_secret.clone().unwrap_or_else(|| self.data_dir.join("server-secret.key"))
    }

    /// Public keys kept after a key rotation, one hex key per line (`#` starts a comment).
    pub fn trusted_keys_path(&self) -> PathBuf {
        self.data_dir.join("ledger-trusted.keys")
    }

    /// The keys this installation trusts besides its own: `--trusted-key` and the trusted-keys file.
    pub fn trusted_keys(&self) -> anyhow::Result<Vec<VerifyingKey>> {
        let path = self.trusted_keys_path();
        let file = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(e) => anyhow::bail!("{}: {e}", path.display()),
        };
        let listed = file.lines().map(|l| l.split('#').next().unwrap_or_default().trim()).filter(|l| !l.is_empty());
        let mut keys = Vec::new();
        for (i, text) in self.trusted_keys.iter().map(String::as_str).chain(listed).enumerate() {
            keys.push(parse_key(text).ok_or_else(|| {
                anyhow::anyhow!("trusted key {} ({text:?}) is not an Ed25519 public key in 64 hex characters", i + 1)
            })?);
        }
        Ok(keys)
    }

    /// Where documents' bytes are kept: the S3 bucket when one is configured, else the directory.
    pub fn blob_store(&self) -> anyhow::Result<BlobStore> {
        match (&self.s3_endpoint, &self.s3_bucket) {
            (Some(endpoint), Some(bucket)) => {
                let config = S3Config {
                    endpoint: endpoint.clone(),
                    bucket: bucket.clone(),
                    region: self.s3_region.clone(),
                    prefix: self.s3_prefix.clone(),
                    access_key_id: self.s3_access_key_id.clone().unwrap_or_default(),
                    secret_access_key: self.s3_secret_access_key.clone().unwrap_or_default(),
                };
                Ok(BlobStore::s3(config)?)
            }
            _ => Ok(BlobStore::local(self.documents_dir.clone().unwrap_or_else(|| self.data_dir.join("documents")))),
        }
    }

    pub async fn open(&self) -> anyhow::Result<App> {
        create_private_dir(&self.data_dir)?;
        let url = self.database_url();
        let key = load_or_create_signing_key(&self.signing_key_path())?;
        let secret = load_or_create_secret(&self.server_secret_path(), "server secret")?;
        let blobs = self.blob_store()?;
        let store = Store::open(&url, LedgerSigner::new(key, self.trusted_keys()?, secret)).await?.with_blobs(blobs);
        Ok(App::new(store, Arc::new(SystemClock)))
    }
}

/// Creates the data directory (and parents) for its owner only: it holds the database and the
/// signing key.
fn create_private_dir(dir: &std::path::Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)
}
