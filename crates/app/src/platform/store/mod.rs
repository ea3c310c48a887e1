//! Catalyst's storage: one code path over SQLite (embedded default) and PostgreSQL.
//!
//! Queries go through sqlx's `Any` driver with `$N` placeholders, which both databases accept,
//! and use only portable column types (TEXT and BIGINT; times as UTC microseconds). Every write
//! goes through a [`WriteTx`], which updates the current-state tables and appends the ledger in
//! the same database transaction.

pub mod audit;
mod error;
pub mod ledger;
pub mod migrations;
pub(crate) mod rows;
pub mod seals;
pub mod sessions;
mod signer;
mod write;

pub use error::StoreError;
pub use migrations::Migration;
pub use signer::LedgerSigner;
pub use write::{ChainRef, WriteTx};

use crate::platform::blobs::BlobStore;
use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{AnyPool, Executor};
use std::sync::Arc;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A connection pool to either backend.
#[derive(Clone, Debug)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    signer: Arc<LedgerSigner>,
    /// Where attached documents' bytes are kept (beside an SQLite file by default).
    blobs: Option<Arc<BlobStore>>,
}

impl Store {
    /// Connects to `sqlite://PATH` (created if missing) or `postgres://…`, and migrates. Every
    /// commit is signed by `signer`.
    pub async fn open(url: &str, signer: LedgerSigner) -> Result<Self, StoreError> {
        install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else {
            return Err(StoreError::Config(format!(
                "database URL must start with sqlite:// or postgres://; got {}",
                url.split(':').next().unwrap_or_default()
            )));
        };
        let options = AnyPoolOptions::new().acquire_timeout(Duration::from_secs(10));
        let pool = match backend {
            Backend::Sqlite => {
                // WAL lets readers run beside the one writer; FULL sync so that nothing
                // acknowledged is lost on power failure; a busy writer is waited for, not failed.
                options
                    .max_connections(8)
                    .after_connect(|conn, _| {
                        Box::pin(async move {
                            for pragma in [
                                "PRAGMA journal_mode = WAL",
                                "PRAGMA synchronous = FULL",
                                "PRAGMA busy_timeout = 10000",
                                "PRAGMA foreign_keys = ON",
                            ] {
                                conn.execute(pragma).await?;
                            }
                            Ok(())
                        })
                    })
                    .connect(&with_create_mode(url)?)
                    .await?
            }
            Backend::Postgres => options.max_connections(16).connect(url).await?,
        };
        // An SQLite file keeps its documents in `documents/` beside it unless told otherwise.
        let blobs = sqlite_path(url).map(|path| {
            let dir = std::path::Path::new(path).parent().unwrap_or(std::path::Path::new(""));
            Arc::new(BlobStore::local(dir.join("documents")))
        });
        let store = Self { pool, backend, signer: Arc::new(signer), blobs };
        migrations::run(&store).await?;
        Ok(store)
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The same store, keeping documents' bytes in `blobs`.
    pub fn with_blobs(mut self, blobs: BlobStore) -> Self {
        self.blobs = Some(Arc::new(blobs));
        self
    }

    /// Where documents' bytes are kept, if anywhere is configured.
    pub fn blobs(&self) -> Option<&BlobStore> {
        self.blobs.as_deref()
    }

    pub(crate) fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// The key this store signs commits with, and the keys it trusts.
    pub fn signer(&self) -> &LedgerSigner {
        &self.signer
    }

    pub(crate) fn signer_arc(&self) -> &Arc<LedgerSigner> {
        &self.signer
    }

    /// Readiness: the database answers.
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// SQLite URLs open read-write-create unless the caller chose a mode. A database file that does
/// not exist yet is created first, readable and writable by its owner only (SQLite gives its
/// journal and WAL files the same mode): it holds participants' health records.
fn with_create_mode(url: &str) -> Result<String, StoreError> {
    if let Some(path) = sqlite_path(url) {
        create_private_file(path).map_err(|e| StoreError::Config(format!("database file {path}: {e}")))?;
    }
    Ok(if url.contains("mode=") {
        url.to_owned()
    } else if url.contains('?') {
        format!("{url}&mode=rwc")
    } else {
        format!("{url}?mode=rwc")
    })
}

/// The file path of a `sqlite://PATH[?options]` URL (none for in-memory databases).
fn sqlite_path(url: &str) -> Option<&str> {
    let rest = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or_default();
    (!path.is_empty() && path != ":memory:").then_some(path)
}

fn create_private_file(path: &str) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}
