//! Passwords, logins, sessions and the actor behind a request.

use crate::App;
use crate::capabilities::people::domain::{User, UserStatus};
use crate::platform::error::{AppError, AppResult};
use crate::platform::store::sessions::SessionRow;
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use base64::Engine as _;
use catalyst_core::DomainError;
use catalyst_core::ledger::AuditActor;
use catalyst_core::login::{DEFAULT_THROTTLE, LoginGate, SOURCE_THROTTLE, attempted_username_key, source_key};
use catalyst_core::policy::{Actor, Grant};
use catalyst_core::record::Row;
use catalyst_core::time::Timestamp;

/// Browser sessions end after a working day; API tokens after a day as well, and both can be
/// revoked at any time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionKind {
    Browser,
    Api,
}

impl SessionKind {
    fn as_str(self) -> &'static str {
        match self {
            SessionKind::Browser => "browser",
            SessionKind::Api => "api",
        }
    }

    fn lifetime_seconds(self) -> i64 {
        match self {
            SessionKind::Browser => 12 * 3600,
            SessionKind::Api => 24 * 3600,
        }
    }
}

/// A new session: the secret token is returned once and only its hash is stored.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub token: String,
    pub session_id: String,
    pub expires_at: Timestamp,
}

pub fn hash_password(password: &str) -> AppResult<String> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| AppError::Internal(format!("no randomness: {e}")))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| AppError::Internal(e.to_string()))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AppError::Internal(format!("password hashing failed: {e}")))
}

pub(crate) fn password_matches(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored).is_ok_and(|hash| Argon2::default().verify_password(password.as_bytes(), &hash).is_ok())
}

/// A fixed hash to verify against when the user does not exist, so that a wrong username
/// costs the same time as a wrong password and usernames cannot be probed by timing.
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$HgrSgpfLv5CZ6sJkK1B6Nh5PY0PdVzYVtd8LI8LAX1o";

fn new_token() -> AppResult<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| AppError::Internal(format!("no randomness: {e}")))?;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}

fn details(pairs: &[(&str, &str)]) -> Row {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), serde_json::Value::String((*v).to_owned()))).collect()
}

impl App {
    /// Counts an attempt before its password is checked, under the system chain's lock: the
    /// throttles (per username, and per client address when known) are read and the attempt is
    /// recorded as a failure in one transaction, so attempts made in parallel cannot between them
    /// check more passwords than the throttle allows. A success takes its attempt back.
    async fn reserve_attempt(&self, keys: &[String], by: AuditActor) -> AppResult<Timestamp> {
        let now = self.now();
        let system = Self::system_chain_ref();
        let mut tx = self.store.begin_write(now, by, std::slice::from_ref(&system)).await?;
        for key in keys {
            let policy = if key.starts_with("source:") { SOURCE_THROTTLE } else { DEFAULT_THROTTLE };
            let failures = tx.recent_login_failures(key, now.plus_seconds(-policy.window_seconds)).await?;
            // `now` was read before the lock was granted: attempts counted by transactions that
            // got the lock first may carry later times, and they count all the same.
            let at = failures.iter().copied().fold(now, Timestamp::max);
            if let LoginGate::LockedUntil(until) = policy.gate(&failures, at) {
                return Err(DomainError::Throttled { retry_after_seconds: now.seconds_until(until).max(1) }.into());
            }
        }
        for key in keys {
            tx.record_login_failure(key).await?;
        }
        tx.commit().await?;
        Ok(now)
    }

    /// Checks a username and password, applying the throttles, and opens a session.
    /// Failures and successes are both ledger events. `source` is the client's address, when
    /// the server knows it.
    pub async fn login(
        &self,
        username: &str,
        password: &str,
        kind: SessionKind,
        source: Option<&str>,
    ) -> AppResult<(NewSession, Actor)> {
        let username = username.trim().to_ascii_lowercase();
        let anonymous = AuditActor { id: "anonymous".into(), name: "anonymous".into() };
        // The name is kept only as a keyed hash, in the throttle and in the ledger.
        let secret = self.username_secret().await?;
        let username_key = attempted_username_key(&secret, &username);
        let mut keys = vec![username_key.clone()];
        keys.extend(source.map(source_key));
        let attempted_at = self.reserve_attempt(&keys, anonymous.clone()).await?;

        let user = self.user_by_username(&username).await?;
        if let Some(user) = &user {
            self.store.check_user_sealed(user).await?;
        }
        let stored = match &user {
            Some(u) => self.store.password_hash(&u.id).await?,
            None => None,
        };
        let valid = password_matches(password, stored.as_deref().unwrap_or(DUMMY_HASH)) && stored.is_some();
        let known_user = user.as_ref().map(|u| u.id.clone());
        let active_user = user.filter(|u| u.status == UserStatus::Active);

        let system = Self::system_chain_ref();
        let now = self.now();
        match (valid, active_user) {
            (true, Some(user)) => {
                let token = new_token()?;
                let session = SessionRow {
                    id: self.new_id(),
                    user_id: user.id.clone(),
                    kind: kind.as_str().to_owned(),
                    created_at: now,
                    expires_at: now.plus_seconds(kind.lifetime_seconds()),
                    revoked_at: None,
                };
                let actor = AuditActor { id: user.id.clone(), name: user.display_name.clone() };
                let mut tx = self.begin(actor, std::slice::from_ref(&system)).await?;
                tx.create_session(&session, &token).await?;
                tx.clear_login_failures(&username_key).await?;
                if let Some(source) = source {
                    tx.forget_login_failure(&source_key(source), attempted_at).await?;
                }
                tx.event(
                    &system.chain,
                    "auth.login",
                    "session",
                    &session.id,
                    details(&[("kind", kind.as_str()), ("user_id", &user.id)]),
                )
                .await?;
                tx.commit().await?;
                let actor = self.actor_for(&user).await?;
                Ok((NewSession { token, session_id: session.id, expires_at: session.expires_at }, actor))
            }
            (valid, user) => {
                let why = if valid && user.is_none() { "account disabled" } else { "wrong username or password" };
                // An account is named by its id; a name that is no account only by its keyed hash.
                let (entity_kind, entity_id) = match known_user {
                    Some(id) => ("user", id),
                    None => ("login", username_key),
                };
                let from = format!("address:{}", source.unwrap_or("unknown"));
                let mut tx = self.begin(anonymous, std::slice::from_ref(&system)).await?;
                self.append_limited(
                    &mut tx,
                    &system.chain,
                    &from,
                    "auth.login_failed",
                    entity_kind,
                    &entity_id,
                    details(&[("reason", why)]),
                )
                .await?;
                tx.commit().await?;
                self.flush_attempt_counts().await?;
                Err(DomainError::Unauthenticated.into())
            }
        }
    }

    /// Resolves a session token to the actor, or fails as unauthenticated. A token only works
    /// the way it was issued: a browser session as the cookie, an API token as a bearer token,
    /// so neither outlives its own lifetime by being used as the other.
    pub async fn authenticate(&self, token: &str, kind: SessionKind) -> AppResult<(Actor, String)> {
        let session = self
            .store
            .session_by_token(token)
            .await?
            .filter(|s| s.revoked_at.is_none() && s.expires_at > self.now() && s.kind == kind.as_str())
            .ok_or(DomainError::Unauthenticated)?;
        let user = self
            .store
            .sealed_user(&session.user_id)
            .await?
            .filter(|u| u.status == UserStatus::Active)
            .ok_or(DomainError::Unauthenticated)?;
        Ok((self.actor_for(&user).await?, session.id))
    }

    pub(crate) async fn actor_for(&self, user: &User) -> AppResult<Actor> {
        let grants = self
            .store
            .sealed_grants_for_user(&user.id)
            .await?
            .into_iter()
            .map(|g| Grant { role: g.role, site_id: g.site_id })
            .collect();
        let own_participants =
            self.store.sealed_participants_for_user(&user.id).await?.into_iter().map(|p| p.id).collect();
        Ok(Actor { user_id: user.id.clone(), display_name: user.display_name.clone(), grants, own_participants })
    }

    pub async fn logout(&self, actor: &Actor, session_id: &str) -> AppResult<()> {
        let system = Self::system_chain_ref();
        let mut tx = self.begin(Self::audit_actor(actor), std::slice::from_ref(&system)).await?;
        tx.revoke_sessions(&actor.user_id, Some(session_id)).await?;
        tx.event(&system.chain, "auth.logout", "session", session_id, Row::new()).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Checks a password outside of login (e-signatures, witnesses, password changes) under the
    /// same throttle as login: while the account is locked nothing is checked, and every
    /// failure is counted and written to the ledger, so passwords cannot be guessed this way.
    pub(crate) async fn password_checks_out(
        &self,
        user: &User,
        password: &str,
        purpose: &str,
        by: AuditActor,
    ) -> AppResult<bool> {
        let key = attempted_username_key(&self.username_secret().await?, &user.username);
        let attempted_at = self.reserve_attempt(std::slice::from_ref(&key), by.clone()).await?;
        let stored = self.store.password_hash(&user.id).await?;
        let system = Self::system_chain_ref();
        let mut tx = self.begin(by, std::slice::from_ref(&system)).await?;
        if stored.as_deref().is_some_and(|h| password_matches(password, h)) {
            tx.forget_login_failure(&key, attempted_at).await?;
            tx.commit().await?;
            return Ok(true);
        }
        tx.event(&system.chain, "auth.password_check_failed", "user", &user.id, details(&[("purpose", purpose)]))
            .await?;
        tx.commit().await?;
        Ok(false)
    }

    /// Re-checks a user's password for an e-signature (21 CFR 11.200).
    pub(crate) async fn confirm_password(&self, actor: &Actor, password: &str) -> AppResult<()> {
        let user = self.user_by_id(&actor.user_id).await?.ok_or(DomainError::Unauthenticated)?;
        if self.password_checks_out(&user, password, "e-signature", Self::audit_actor(actor)).await? {
            Ok(())
        } else {
            Err(DomainError::invalid(
                "password",
                "signature_credentials",
                "the password does not match: the record was not signed",
            )
            .into())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dummy_hash_is_a_valid_argon2_hash() {
        assert!(PasswordHash::new(DUMMY_HASH).is_ok());
        assert!(!password_matches("anything", DUMMY_HASH));
    }

    #[test]
    fn hashes_verify_and_are_salted() {
        let a = hash_password("correct horse battery").unwrap();
        let b = hash_password("correct horse battery").unwrap();
        assert_ne!(a, b);
        assert!(password_matches("correct horse battery", &a));
        assert!(!password_matches("wrong horse battery", &a));
    }
}
