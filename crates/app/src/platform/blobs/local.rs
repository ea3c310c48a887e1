//! Blobs in a local directory: `ROOT/ab/abcdef…` (the first two hex digits fan the files out),
//! written to a temporary file, synced, then renamed into place, so a reader never sees half a
//! blob and two writers of the same bytes both succeed.

use super::BlobError;
use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::{Path, PathBuf};

#[derive(Debug)]
pub struct LocalBlobs {
    root: PathBuf,
}

fn io(path: &Path, e: std::io::Error) -> BlobError {
    BlobError(format!("{}: {e}", path.display()))
}

async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, BlobError> + Send + 'static,
) -> Result<T, BlobError> {
    tokio::task::spawn_blocking(work).await.map_err(|e| BlobError(format!("blob task failed: {e}")))?
}

/// The digest of a file's content, read in pieces; `None` when there is no such file.
fn file_digest(path: &Path) -> Result<Option<String>, BlobError> {
    let mut file = match std::fs::File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io(path, e)),
    };
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 64 * 1024];
    loop {
        let n = file.read(&mut buffer).map_err(|e| io(path, e))?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
    }
    Ok(Some(hex::encode(hasher.finalize())))
}

fn create_private_dirs(dir: &Path) -> Result<(), BlobError> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir).map_err(|e| io(dir, e))
}

impl LocalBlobs {
    pub fn new(root: PathBuf) -> Self {
        Self { root }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where the blob named `sha256` is kept (the name is checked by the caller).
    pub fn path_of(&self, sha256: &str) -> PathBuf {
        self.root.join(sha256.get(..2).unwrap_or("00")).join(sha256)
    }

    pub(super) async fn put(&self, sha256: &str, bytes: &[u8]) -> Result<(), BlobError> {
        let path = self.path_of(sha256);
        let sha256 = sha256.to_owned();
        let bytes = bytes.to_vec();
        blocking(move || {
            if file_digest(&path)?.as_deref() == Some(sha256.as_str()) {
                return Ok(());
            }
            let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
            create_private_dirs(&dir)?;
            let mut random = [0u8; 8];
            getrandom::fill(&mut random).map_err(|e| BlobError(format!("no randomness: {e}")))?;
            let staging = dir.join(format!(".{sha256}.{}.partial", hex::encode(random)));
            let written = (|| {
                use std::io::Write;
                let mut options = std::fs::OpenOptions::new();
                options.write(true).create_new(true);
                #[cfg(unix)]
                {
                    use std::os::unix::fs::OpenOptionsExt;
                    options.mode(0o600);
                }
                let mut file = options.open(&staging)?;
                file.write_all(&bytes)?;
                file.sync_all()?;
                std::fs::rename(&staging, &path)
            })();
            if let Err(e) = written {
                let _ = std::fs::remove_file(&staging);
                return Err(io(&path, e));
            }
            // The rename is durable once the directory is synced.
            if let Ok(handle) = std::fs::File::open(&dir) {
                let _ = handle.sync_all();
            }
            Ok(())
        })
        .await
    }

    pub(super) async fn get(&self, sha256: &str) -> Result<Option<Vec<u8>>, BlobError> {
        let path = self.path_of(sha256);
        blocking(move || match std::fs::read(&path) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(io(&path, e)),
        })
        .await
    }

    pub(super) async fn digest_of(&self, sha256: &str) -> Result<Option<String>, BlobError> {
        let path = self.path_of(sha256);
        blocking(move || file_digest(&path)).await
    }
}

#[cfg(test)]
mod tests {
    use super::super::{BlobStore, sha256_hex};

    #[tokio::test]
    async fn stores_by_digest_idempotently_and_replaces_a_damaged_blob() {
        let root = std::env::temp_dir().join(format!("catalyst-blobs-{}", uuid::Uuid::now_v7().simple()));
        let store = BlobStore::local(&root);
        let bytes = b"%PDF-1.4 approval".to_vec();
        let sha = sha256_hex(&bytes);
        assert_eq!(store.get(&sha).await.unwrap(), None);
        store.put(&sha, &bytes).await.unwrap();
        store.put(&sha, &bytes).await.unwrap();
        assert_eq!(store.get(&sha).await.unwrap().as_deref(), Some(bytes.as_slice()));
        let BlobStore::Local(local) = &store else { unreachable!() };
        assert!(local.path_of(&sha).starts_with(root.join(&sha[..2])));
        std::fs::write(local.path_of(&sha), b"tampered").unwrap();
        assert_eq!(store.digest_of(&sha).await.unwrap(), Some(sha256_hex(b"tampered")));
        store.put(&sha, &bytes).await.unwrap();
        assert_eq!(store.digest_of(&sha).await.unwrap(), Some(sha.clone()));
        assert!(store.put(&sha, b"other bytes").await.is_err(), "a blob is stored only under its own digest");
        let _ = std::fs::remove_dir_all(&root);
    }
}
