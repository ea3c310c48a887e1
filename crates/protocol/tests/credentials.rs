#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Credential status on a date, and the dashboard's expiry warning.

use catalyst_protocol::{
    Credential, CredentialItem, CredentialRules, CredentialStatus, Missing, credential_status, expiring_within,
    expiring_within_rules,
};
use jiff::civil::date;

fn good() -> Credential {
    Credential {
        training_completed_on: Some(date(2025, 1, 10)),
        supervised_sessions: 3,
        certified_until: Some(date(2026, 6, 30)),
        ethics_attested_on: Some(date(2026, 1, 2)),
    }
}

#[test]
fn current_on_the_last_certified_day_expired_the_day_after() {
    let r = CredentialRules::default();
    assert_eq!(credential_status(&good(), date(2026, 6, 30), &r), CredentialStatus::Current);
    assert_eq!(
        credential_status(&good(), date(2026, 7, 1), &r),
        CredentialStatus::Expired { item: CredentialItem::Certification, last_valid: date(2026, 6, 30) }
    );
}

#[test]
fn ethics_attestation_lapses_after_the_configured_days() {
    let mut c = good();
    c.certified_until = Some(date(2030, 1, 1));
    let r = CredentialRules::default();
    assert_eq!(credential_status(&c, date(2027, 1, 2), &r), CredentialStatus::Current);
    assert_eq!(
        credential_status(&c, date(2027, 1, 3), &r),
        CredentialStatus::Expired { item: CredentialItem::EthicsAttestation, last_valid: date(2027, 1, 2) }
    );
    let no_renewal = CredentialRules { ethics_attestation_valid_days: None, ..CredentialRules::default() };
    assert_eq!(credential_status(&c, date(2029, 1, 3), &no_renewal), CredentialStatus::Current);
}

#[test]
fn incomplete_lists_everything_missing() {
    let c = Credential { supervised_sessions: 1, ..Credential::default() };
    assert_eq!(
        credential_status(&c, date(2026, 1, 1), &CredentialRules::default()),
        CredentialStatus::Incomplete {
            missing: vec![
                Missing::Training,
                Missing::SupervisedSessions { have: 1, need: 3 },
                Missing::Certification,
                Missing::EthicsAttestation
            ]
        }
    );
}

#[test]
fn training_or_attestation_after_the_day_does_not_count() {
    let r = CredentialRules::default();
    // Training completed the day after the session.
    let st = credential_status(&good(), date(2025, 1, 9), &r);
    assert!(matches!(st, CredentialStatus::Incomplete { ref missing } if missing.contains(&Missing::Training)), "{st}");
    let st = credential_status(&good(), date(2026, 1, 1), &r);
    assert_eq!(st, CredentialStatus::Incomplete { missing: vec![Missing::EthicsAttestation] });
}

#[test]
fn supervised_session_requirement_is_configurable() {
    let mut c = good();
    c.supervised_sessions = 0;
    let st = credential_status(&c, date(2026, 2, 1), &CredentialRules::default());
    assert!(!st.is_current());
    let lenient = CredentialRules { min_supervised_sessions: 0, ..CredentialRules::default() };
    assert!(credential_status(&c, date(2026, 2, 1), &lenient).is_current());
    assert!(!CredentialRules::default().citation.is_empty());
}

#[test]
fn expiry_warning_within_30_days() {
    let c = good(); // certified until 2026-06-30
    assert_eq!(expiring_within(&c, date(2026, 5, 31), 30), Some(date(2026, 6, 30)));
    assert_eq!(expiring_within(&c, date(2026, 5, 30), 30), None);
    assert_eq!(expiring_within(&c, date(2026, 6, 30), 30), Some(date(2026, 6, 30)));
    assert_eq!(expiring_within(&c, date(2026, 7, 1), 30), None); // already expired
    assert_eq!(expiring_within(&Credential::default(), date(2026, 6, 1), 30), None);
    // With the rules, the ethics attestation (last valid 2027-01-02) counts too.
    let mut c = good();
    c.certified_until = Some(date(2030, 1, 1));
    let r = CredentialRules::default();
    assert_eq!(expiring_within_rules(&c, date(2026, 12, 10), 30, &r), Some(date(2027, 1, 2)));
    assert_eq!(expiring_within(&c, date(2026, 12, 10), 30), None);
    let mut both = good();
    both.certified_until = Some(date(2027, 1, 1));
    assert_eq!(expiring_within_rules(&both, date(2026, 12, 10), 30, &r), Some(date(2027, 1, 1)));
}

#[test]
fn status_messages() {
    let r = CredentialRules::default();
    assert_eq!(
        credential_status(&good(), date(2026, 7, 1), &r).to_string(),
        "certification expired (last valid 2026-06-30)"
    );
    let mut c = good();
    c.supervised_sessions = 2;
    assert_eq!(credential_status(&c, date(2026, 2, 1), &r).to_string(), "incomplete: 2 of 3 supervised sessions");
}
