//! Staff credentials as entered, as recorded, and as the protocol rules read them.

use super::{StaffCredential, opt_date};
use catalyst_core::error::Violation;
use catalyst_core::time::Timestamp;
use catalyst_protocol::Credential;

/// A credential as entered.
#[derive(Debug, Clone, Default)]
pub struct CredentialInput {
    pub training_completed_on: Option<String>,
    pub supervised_sessions: i64,
    pub certified_until: Option<String>,
    pub ethics_attested_on: Option<String>,
    pub reason: Option<String>,
}

/// The credential record for a therapist as entered at `now`, or every problem with the entry.
pub fn credential_record(user_id: &str, input: &CredentialInput, now: Timestamp) -> Result<StaffCredential, Vec<Violation>> {
    let mut violations = Vec::new();
    let mut check = |field: &str, v: &Option<String>| match opt_date(field, v) {
        Ok(d) => d.map(|d| d.to_string()),
        Err(e) => {
            violations.push(e);
            None
        }
    };
    let training = check("training_completed_on", &input.training_completed_on);
    let certified = check("certified_until", &input.certified_until);
    let ethics = check("ethics_attested_on", &input.ethics_attested_on);
    if !(0..=10_000).contains(&input.supervised_sessions) {
        violations.push(Violation::new(
            "supervised_sessions",
            "range",
            format!("supervised_sessions must be a count from 0 to 10000; got {}", input.supervised_sessions),
        ));
    }
    if !violations.is_empty() {
        return Err(violations);
    }
    Ok(StaffCredential {
        id: user_id.to_owned(),
        training_completed_on: training,
        supervised_sessions: input.supervised_sessions,
        certified_until: certified,
        ethics_attested_on: ethics,
        updated_at: now,
    })
}

/// The credential record as the protocol rules read it; a stored date that no longer reads is
/// reported, never taken as absent.
pub fn credential_of(record: &StaffCredential) -> Result<Credential, Violation> {
    Ok(Credential {
        training_completed_on: opt_date("training_completed_on", &record.training_completed_on)?,
        supervised_sessions: u32::try_from(record.supervised_sessions).unwrap_or(0),
        certified_until: opt_date("certified_until", &record.certified_until)?,
        ethics_attested_on: opt_date("ethics_attested_on", &record.ethics_attested_on)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date as day;

    #[test]
    fn a_credential_as_entered_is_recorded_with_blank_dates_absent() {
        let input = CredentialInput {
            training_completed_on: Some(" 2024-01-10 ".into()),
            supervised_sessions: 4,
            certified_until: Some("2027-06-30".into()),
            ethics_attested_on: Some("  ".into()),
            reason: None,
        };
        let record = credential_record("t1", &input, Timestamp(5)).unwrap();
        assert_eq!(record.id, "t1");
        assert_eq!(record.training_completed_on.as_deref(), Some("2024-01-10"));
        assert_eq!(record.certified_until.as_deref(), Some("2027-06-30"));
        assert_eq!((record.ethics_attested_on, record.supervised_sessions, record.updated_at), (None, 4, Timestamp(5)));
    }

    #[test]
    fn every_problem_with_a_credential_is_named() {
        let input = CredentialInput {
            training_completed_on: Some("last spring".into()),
            supervised_sessions: -1,
            certified_until: Some("2027-02-30".into()),
            ..Default::default()
        };
        let found: Vec<(String, String)> =
            credential_record("t1", &input, Timestamp(5)).unwrap_err().into_iter().map(|v| (v.field, v.rule)).collect();
        assert_eq!(
            found,
            [
                ("training_completed_on".into(), "date".into()),
                ("certified_until".into(), "date".into()),
                ("supervised_sessions".into(), "range".into())
            ]
        );
    }

    #[test]
    fn a_stored_credential_reads_as_the_rules_count_it() {
        let record = StaffCredential {
            id: "t1".into(),
            training_completed_on: Some("2024-01-10".into()),
            supervised_sessions: -3,
            certified_until: None,
            ethics_attested_on: Some("2026-01-05".into()),
            updated_at: Timestamp(0),
        };
        let c = credential_of(&record).unwrap();
        assert_eq!(c.training_completed_on, Some(day(2024, 1, 10)));
        assert_eq!((c.supervised_sessions, c.certified_until), (0, None));
        assert_eq!(c.ethics_attested_on, Some(day(2026, 1, 5)));
        let broken = StaffCredential { certified_until: Some("soon".into()), ..record };
        assert_eq!(credential_of(&broken).unwrap_err().field, "certified_until");
    }
}
