//! Login throttling: after repeated failures an account is locked for a while, so passwords
//! cannot be guessed at speed (21 CFR 11.300(d)).

use crate::time::Timestamp;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThrottlePolicy {
    pub max_failures: usize,
    pub window_seconds: i64,
}

/// **Default**: five failures within fifteen minutes lock the account until the oldest of them
/// leaves the window.
pub const DEFAULT_THROTTLE: ThrottlePolicy = ThrottlePolicy { max_failures: 5, window_seconds: 15 * 60 };

/// **Per client address**: twenty failed logins within fifteen minutes from one address, whatever
/// the usernames, hold back that address's logins until the oldest leaves the window; so many
/// accounts cannot be guessed at once from one place.
pub const SOURCE_THROTTLE: ThrottlePolicy = ThrottlePolicy { max_failures: 20, window_seconds: 15 * 60 };

/// The key under which a client address's failures are counted. Usernames cannot contain `:`,
/// so the two never mix.
pub fn source_key(address: &str) -> String {
    format!("source:{address}")
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginGate {
    Open,
    LockedUntil(Timestamp),
}

impl ThrottlePolicy {
    /// Decides whether an attempt may proceed, given the times of recent failures.
    pub fn gate(&self, failures: &[Timestamp], now: Timestamp) -> LoginGate {
        let window_start = now.plus_seconds(-self.window_seconds);
        let mut recent: Vec<Timestamp> = failures.iter().copied().filter(|t| *t > window_start && *t <= now).collect();
        if recent.len() < self.max_failures {
            return LoginGate::Open;
        }
        recent.sort_unstable();
        // Unlocks when enough failures have aged out that fewer than the maximum remain.
        let pivot = recent[recent.len() - self.max_failures];
        LoginGate::LockedUntil(pivot.plus_seconds(self.window_seconds))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: i64) -> Timestamp {
        Timestamp(s * 1_000_000)
    }

    #[test]
    fn four_failures_leave_it_open_five_lock_it() {
        let p = DEFAULT_THROTTLE;
        let four: Vec<_> = (0..4).map(|i| at(100 + i)).collect();
        assert_eq!(p.gate(&four, at(200)), LoginGate::Open);
        let five: Vec<_> = (0..5).map(|i| at(100 + i)).collect();
        assert_eq!(p.gate(&five, at(200)), LoginGate::LockedUntil(at(100 + 900)));
    }

    #[test]
    fn old_failures_age_out() {
        let p = DEFAULT_THROTTLE;
        let five: Vec<_> = (0..5).map(|i| at(100 + i)).collect();
        assert_eq!(p.gate(&five, at(100 + 900)), LoginGate::Open, "the first failure has left the window");
        assert_eq!(p.gate(&five, at(100 + 899)), LoginGate::LockedUntil(at(1000)));
    }
}

/// How a username someone tried to log in with is kept: never as text (it is often a password
/// typed into the wrong field), but as a keyed hash that correlates attempts with the same name
/// without revealing it to anyone who lacks the installation's secret.
pub fn attempted_username_key(secret: &[u8], username: &str) -> String {
    format!("hmac-sha256:{}", crate::seal::hmac_sha256(secret, username.as_bytes()))
}

/// What anonymous and denied requests may append to the ledger: each source appends at most
/// `entries_per_window` entries per window; beyond that its attempts are counted and the count
/// is appended in one entry for the window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AppendLimit {
    pub entries_per_window: i64,
    pub window_seconds: i64,
}

pub const APPEND_LIMIT: AppendLimit = AppendLimit { entries_per_window: 10, window_seconds: 15 * 60 };

impl AppendLimit {
    /// The start of the fixed window `at` falls in.
    pub fn window_start(&self, at: Timestamp) -> Timestamp {
        let width = self.window_seconds * 1_000_000;
        Timestamp(at.micros() - at.micros().rem_euclid(width))
    }

    pub fn window_end(&self, start: Timestamp) -> Timestamp {
        start.plus_seconds(self.window_seconds)
    }
}

#[cfg(test)]
mod keyed_tests {
    use super::*;

    #[test]
    fn attempted_usernames_are_kept_only_as_keyed_hashes() {
        let key = attempted_username_key(b"secret", "hunter2-typed-here");
        assert!(key.starts_with("hmac-sha256:") && !key.contains("hunter2"));
        assert_ne!(key, attempted_username_key(b"other secret", "hunter2-typed-here"));
    }

    #[test]
    fn windows_are_fixed() {
        let at = Timestamp(1_000 * 1_000_000 + 5);
        let start = APPEND_LIMIT.window_start(at);
        assert_eq!(start, Timestamp(900 * 1_000_000));
        assert_eq!(APPEND_LIMIT.window_end(start), Timestamp(1_800 * 1_000_000));
    }
}
