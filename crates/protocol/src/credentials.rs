//! Therapist credentials and whether they are current on a given day.
//!
//! Only trained, supervised therapists may run MDMA-AT sessions (clinical.md section 1, seeds
//! 001 and 002; 88% of surveyed experts want mandatory specialised training, seed 002). What
//! "trained" means is programme governance, so the thresholds are [`CredentialRules`] data with
//! defaults, not constants.

use jiff::ToSpan;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

/// What is on file for one therapist.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Credential {
    /// Date the specialised MDMA-AT training was completed.
    pub training_completed_on: Option<Date>,
    /// Number of sessions run under supervision so far.
    pub supervised_sessions: u32,
    /// Last day the certification is valid (inclusive).
    pub certified_until: Option<Date>,
    /// Date of the latest signed ethics/professional-conduct attestation (seed 002: consent,
    /// therapeutic touch, professional integrity).
    pub ethics_attested_on: Option<Date>,
}

/// Programme rules for a current credential.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CredentialRules {
    /// Sessions run under supervision before practising independently. Default 3 (one course's
    /// experimental sessions; a Catalyst default, unconfirmed).
    pub min_supervised_sessions: u32,
    /// An ethics attestation lasts this many days after it is signed (`None`: no renewal).
    /// Default 365 (annual re-attestation; a Catalyst default).
    pub ethics_attestation_valid_days: Option<u32>,
    /// Where the rules come from.
    pub citation: String,
}

impl Default for CredentialRules {
    fn default() -> Self {
        CredentialRules {
            min_supervised_sessions: 3,
            ethics_attestation_valid_days: Some(365),
            citation: "clinical.md section 1: trained, supervised therapists (seeds 001, 002); \
                       88% of surveyed experts want mandatory specialised training (seed 002). \
                       Thresholds are Catalyst defaults."
                .to_string(),
        }
    }
}

/// Something a credential lacks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "item")]
pub enum Missing {
    /// No training on file, or completed after the day in question.
    Training,
    SupervisedSessions {
        have: u32,
        need: u32,
    },
    Certification,
    /// No attestation on file, or signed after the day in question.
    EthicsAttestation,
}

impl std::fmt::Display for Missing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Missing::Training => f.write_str("specialised training not completed"),
            Missing::SupervisedSessions { have, need } => {
                write!(f, "{have} of {need} supervised sessions")
            }
            Missing::Certification => f.write_str("no certification on file"),
            Missing::EthicsAttestation => f.write_str("no ethics attestation on file"),
        }
    }
}

/// Which dated part of a credential lapsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CredentialItem {
    Certification,
    EthicsAttestation,
}

/// A credential's state on one day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "status")]
pub enum CredentialStatus {
    Current,
    /// Everything was once in place but `item` lapsed after `last_valid`.
    Expired {
        item: CredentialItem,
        last_valid: Date,
    },
    /// Something was never in place. Reported before expiry: it needs different action.
    Incomplete {
        missing: Vec<Missing>,
    },
}

impl CredentialStatus {
    pub fn is_current(&self) -> bool {
        matches!(self, CredentialStatus::Current)
    }
}

impl std::fmt::Display for CredentialStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CredentialStatus::Current => f.write_str("current"),
            CredentialStatus::Expired { item, last_valid } => {
                let what = match item {
                    CredentialItem::Certification => "certification",
                    CredentialItem::EthicsAttestation => "ethics attestation",
                };
                write!(f, "{what} expired (last valid {last_valid})")
            }
            CredentialStatus::Incomplete { missing } => {
                let parts: Vec<String> = missing.iter().map(|m| m.to_string()).collect();
                write!(f, "incomplete: {}", parts.join(", "))
            }
        }
    }
}

/// The last day the ethics attestation is valid under `rules`, if it expires.
fn ethics_last_valid(cred: &Credential, rules: &CredentialRules) -> Option<Date> {
    let signed = cred.ethics_attested_on?;
    let days = rules.ethics_attestation_valid_days?;
    // Saturating at the end of jiff's range: a date that far out never expires in practice.
    Some(signed.checked_add(i64::from(days).days()).unwrap_or(Date::MAX))
}

/// Is `cred` current on `on` under `rules`?
pub fn credential_status(cred: &Credential, on: Date, rules: &CredentialRules) -> CredentialStatus {
    let mut missing = Vec::new();
    if cred.training_completed_on.is_none_or(|d| d > on) {
        missing.push(Missing::Training);
    }
    if cred.supervised_sessions < rules.min_supervised_sessions {
        missing
            .push(Missing::SupervisedSessions { have: cred.supervised_sessions, need: rules.min_supervised_sessions });
    }
    if cred.certified_until.is_none() {
        missing.push(Missing::Certification);
    }
    if cred.ethics_attested_on.is_none_or(|d| d > on) {
        missing.push(Missing::EthicsAttestation);
    }
    if !missing.is_empty() {
        return CredentialStatus::Incomplete { missing };
    }
    if let Some(until) = cred.certified_until
        && on > until
    {
        return CredentialStatus::Expired { item: CredentialItem::Certification, last_valid: until };
    }
    if let Some(last) = ethics_last_valid(cred, rules)
        && on > last
    {
        return CredentialStatus::Expired { item: CredentialItem::EthicsAttestation, last_valid: last };
    }
    CredentialStatus::Current
}

/// For the dashboard warning: the certification's last valid day if it falls within
/// `today ..= today + days`. Already-expired certifications return `None` (they are an
/// expiry, not a warning; see [`credential_status`]).
pub fn expiring_within(cred: &Credential, today: Date, days: u32) -> Option<Date> {
    let until = cred.certified_until?;
    let horizon = today.checked_add(i64::from(days).days()).unwrap_or(Date::MAX);
    (today <= until && until <= horizon).then_some(until)
}

/// Like [`expiring_within`], but also considers the ethics attestation's renewal under
/// `rules`; returns the earliest lapsing date in the horizon.
pub fn expiring_within_rules(cred: &Credential, today: Date, days: u32, rules: &CredentialRules) -> Option<Date> {
    let horizon = today.checked_add(i64::from(days).days()).unwrap_or(Date::MAX);
    let ethics = ethics_last_valid(cred, rules).filter(|d| today <= *d && *d <= horizon);
    match (expiring_within(cred, today, days), ethics) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}
