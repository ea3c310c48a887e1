use catalyst_core::DomainError;
use catalyst_core::record::RowError;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("configuration: {0}")]
    Config(String),
    #[error("stored row: {0}")]
    Row(#[from] RowError),
    #[error(transparent)]
    Domain(#[from] DomainError),
    #[error("internal: {0}")]
    Internal(String),
    /// The ledger was changed outside Catalyst; writing is refused until it is investigated.
    #[error(
        "the audit trail failed an integrity check, so nothing more is written to it: {0}; run `catalyst audit verify`"
    )]
    Tampered(String),
}

impl StoreError {
    /// Whether a unique constraint refused the write (a duplicate username, code, …).
    pub fn is_unique_violation(&self) -> bool {
        matches!(self, StoreError::Database(sqlx::Error::Database(e)) if e.is_unique_violation())
    }
}
