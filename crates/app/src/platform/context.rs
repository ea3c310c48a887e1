//! The application context: store, clock, id source and the checkpoint signing key.

use crate::AppError;
use crate::capabilities::people::domain::Site;
use crate::platform::error::AppResult;
use crate::platform::store::{ChainRef, Store, WriteTx};
use catalyst_core::ledger::{AuditActor, SYSTEM_CHAIN};
use catalyst_core::policy::{Action, Actor, Resource, authorize};
use catalyst_core::time::Timestamp;
use catalyst_core::{DomainError, ledger::site_chain};
use ed25519_dalek::SigningKey;
use std::path::Path;
use std::sync::Arc;

/// The only source of "now" in Catalyst, so tests can fix time.
pub trait Clock: Send + Sync {
    fn now(&self) -> Timestamp;
}

#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        let micros = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX))
            .unwrap_or(0);
        Timestamp(micros)
    }
}

#[derive(Clone)]
pub struct App {
    pub store: Store,
    clock: Arc<dyn Clock>,
}

impl App {
    /// The store signs every commit with its [`crate::platform::store::LedgerSigner`].
    pub fn new(store: Store, clock: Arc<dyn Clock>) -> Self {
        Self { store, clock }
    }

    pub fn now(&self) -> Timestamp {
        self.clock.now()
    }

    /// A fresh time-ordered unique id (UUIDv7): the millisecond and 74 random bits, with no
    /// counter, so one id says nothing about the ids made just before or after it.
    pub fn new_id(&self) -> String {
        let millis = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
            .unwrap_or(0);
        let mut random = [0u8; 10];
        match getrandom::fill(&mut random) {
            Ok(()) => uuid::Builder::from_unix_timestamp_millis(millis, &random).into_uuid().to_string(),
            // Without randomness, the library's own v7 (with its counter) is still unique.
            Err(_) => uuid::Uuid::now_v7().to_string(),
        }
    }

    pub(crate) fn audit_actor(actor: &Actor) -> AuditActor {
        AuditActor { id: actor.user_id.clone(), name: actor.display_name.clone() }
    }

    /// The chain of a site's records, stamped with the site's zone.
    pub(crate) fn site_chain_ref(site: &Site) -> ChainRef {
        ChainRef { chain: site_chain(&site.id), zone: site.time_zone.as_str().to_owned() }
    }

    pub(crate) fn system_chain_ref() -> ChainRef {
        ChainRef { chain: SYSTEM_CHAIN.to_owned(), zone: "UTC".to_owned() }
    }

    pub(crate) async fn begin(&self, actor: AuditActor, chains: &[ChainRef]) -> AppResult<WriteTx> {
        Ok(self.store.begin_write(self.now(), actor, chains).await?)
    }

    /// Readiness: the database answers.
    pub async fn ready(&self) -> AppResult<()> {
        Ok(self.store.ping().await?)
    }

    /// Whether the policy allows an action, without recording anything: for deciding what a
    /// view shows (a denied request goes through [`App::authorize`]).
    pub fn may(actor: &Actor, action: Action, resource: Resource<'_>) -> bool {
        authorize(actor, action, resource).is_ok()
    }

    /// Whether the actor may do `action` anywhere (for navigation: which links to show).
    pub fn may_somewhere(actor: &Actor, action: Action) -> bool {
        catalyst_core::policy::allowed_somewhere(actor, action)
    }

    /// Checks the policy; a denial is answered with 403 and recorded in the ledger of the site
    /// concerned (or the system chain), so attempts at unauthorised access can be reviewed.
    pub async fn authorize(&self, actor: &Actor, action: Action, resource: Resource<'_>) -> AppResult<()> {
        let Err(denial) = authorize(actor, action, resource) else {
            return Ok(());
        };
        let site = match resource {
            Resource::Site { site_id } | Resource::Participant { site_id, .. } => self.site_if_any(site_id).await?,
            Resource::System | Resource::User { .. } => None,
        };
        let chain = site.as_ref().map(Self::site_chain_ref).unwrap_or_else(Self::system_chain_ref);
        let target = match resource {
            Resource::System => "system".to_owned(),
            Resource::Site { site_id } => format!("site:{site_id}"),
            Resource::Participant { participant_id, .. } => format!("participant:{participant_id}"),
            Resource::User { user_id } => format!("user:{user_id}"),
        };
        let mut details = catalyst_core::record::Row::new();
        details.insert("action".into(), denial.action.clone().into());
        details.insert("reason".into(), denial.reason.clone().into());
        // Within the append limit per denied user; beyond it, counted (crate::attempts).
        let source = format!("user:{}", actor.user_id);
        let mut tx = self.begin(Self::audit_actor(actor), std::slice::from_ref(&chain)).await?;
        self.append_limited(&mut tx, &chain.chain, &source, "access.denied", "access", &target, details).await?;
        tx.commit().await?;
        self.flush_attempt_counts().await?;
        Err(AppError::Domain(DomainError::Forbidden(denial.reason)))
    }
}

/// Loads the Ed25519 ledger signing key from `path`, creating it (mode 0600) on first start.
/// The key lives outside the database so that whoever can rewrite the database cannot also
/// re-sign its history.
pub fn load_or_create_signing_key(path: &Path) -> Result<SigningKey, AppError> {
    Ok(SigningKey::from_bytes(&load_or_create_secret(path, "signing key")?))
}

/// Loads 32 secret bytes (hex) from `path`, creating the file (mode 0600) with fresh random bytes
/// on first start: the signing key, or the secret that keys the seals.
pub fn load_or_create_secret(path: &Path, what: &str) -> Result<[u8; 32], AppError> {
    let io = |e: std::io::Error| AppError::Internal(format!("{what} {}: {e}", path.display()));
    if path.exists() {
        let text = std::fs::read_to_string(path).map_err(io)?;
        return hex::decode(text.trim())
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| AppError::Internal(format!("{what} {} is not 32 bytes of hex", path.display())));
    }
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|e| AppError::Internal(format!("no randomness for the {what}: {e}")))?;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    write_private(path, &hex::encode(seed), false).map_err(io)?;
    Ok(seed)
}

/// A fresh random Ed25519 signing key.
pub fn new_signing_key() -> Result<SigningKey, AppError> {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|e| AppError::Internal(format!("no randomness for the signing key: {e}")))?;
    Ok(SigningKey::from_bytes(&seed))
}

/// Writes a secret file readable by its owner only; `replace` overwrites an existing one.
pub fn write_private(path: &Path, contents: &str, replace: bool) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true);
    if replace {
        options.create(true).truncate(true);
    } else {
        options.create_new(true);
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(contents.as_bytes())?;
    file.sync_all()
}
