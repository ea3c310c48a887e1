//! Content-addressed blob storage for attached documents: each blob is named by the SHA-256 of
//! its bytes, so writing the same bytes twice is the same write, and whatever is read back can
//! be checked against the digest the ledger holds. A local directory by default (beside the
//! SQLite database, or `--documents-dir`), or an S3-compatible bucket (AWS, MinIO, Ceph) when
//! configured. Blobs are never deleted.

mod local;
mod s3;
pub mod sigv4;

pub use local::LocalBlobs;
pub use s3::{S3Blobs, S3Config};

use sha2::{Digest, Sha256};

/// A blob store could not be reached or refused a request.
#[derive(Debug, thiserror::Error)]
#[error("document store: {0}")]
pub struct BlobError(pub String);

/// Lowercase hex SHA-256 of `bytes`: a blob's name.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// A blob's name as stored: exactly 64 lowercase hex digits (a name read from the database is
/// checked before it becomes a path or a key, so a tampered row cannot point elsewhere).
fn checked(sha256: &str) -> Result<&str, BlobError> {
    let valid = sha256.len() == 64 && sha256.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    if valid { Ok(sha256) } else { Err(BlobError(format!("{sha256:?} is not a SHA-256 digest"))) }
}

/// Where documents' bytes are kept.
#[derive(Debug)]
pub enum BlobStore {
    Local(LocalBlobs),
    S3(S3Blobs),
}

impl BlobStore {
    pub fn local(root: impl Into<std::path::PathBuf>) -> Self {
        BlobStore::Local(LocalBlobs::new(root.into()))
    }

    pub fn s3(config: S3Config) -> Result<Self, BlobError> {
        Ok(BlobStore::S3(S3Blobs::new(config)?))
    }

    /// The backend's name as recorded with each document: `local` or `s3`.
    pub fn backend(&self) -> &'static str {
        match self {
            BlobStore::Local(_) => "local",
            BlobStore::S3(_) => "s3",
        }
    }

    /// Where, for people: the directory, or the bucket and endpoint.
    pub fn describe(&self) -> String {
        match self {
            BlobStore::Local(local) => format!("directory {}", local.root().display()),
            BlobStore::S3(s3) => s3.describe(),
        }
    }

    /// Stores `bytes` under their digest `sha256` (which the caller computed). Idempotent: a blob
    /// already there with the right content is left alone, a damaged one is replaced.
    pub async fn put(&self, sha256: &str, bytes: &[u8]) -> Result<(), BlobError> {
        let sha256 = checked(sha256)?;
        if sha256_hex(bytes) != sha256 {
            return Err(BlobError(format!("the bytes given do not hash to {sha256}")));
        }
        match self {
            BlobStore::Local(local) => local.put(sha256, bytes).await,
            BlobStore::S3(s3) => s3.put(sha256, bytes).await,
        }
    }

    /// The bytes stored under `sha256`, as they are (the caller checks them), or `None`.
    pub async fn get(&self, sha256: &str) -> Result<Option<Vec<u8>>, BlobError> {
        let sha256 = checked(sha256)?;
        match self {
            BlobStore::Local(local) => local.get(sha256).await,
            BlobStore::S3(s3) => s3.get(sha256).await,
        }
    }

    /// The digest of what is stored under `sha256` (hashing a local file as it is read), or
    /// `None` when nothing is: what `audit verify` compares with the ledgered digest.
    pub async fn digest_of(&self, sha256: &str) -> Result<Option<String>, BlobError> {
        let sha256 = checked(sha256)?;
        match self {
            BlobStore::Local(local) => local.digest_of(sha256).await,
            BlobStore::S3(s3) => Ok(s3.get(sha256).await?.map(|bytes| sha256_hex(&bytes))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_sha256_digest_names_a_blob() {
        let good = sha256_hex(b"x");
        assert!(checked(&good).is_ok());
        for bad in ["", "../../etc/passwd", &good.to_uppercase(), &good[..63], &format!("{}/", &good[..63])] {
            assert!(checked(bad).is_err(), "{bad}");
        }
    }
}
