//! Sites, user accounts, role grants and participants, with the rules their fields must meet.

use catalyst_core::DomainError;
use catalyst_core::error::{Violation, Violations, required_text};
use catalyst_core::ledger::{SYSTEM_CHAIN, site_chain};
use catalyst_core::record::{Column, Record, TableSpec};
use catalyst_core::time::{TimeZoneName, Timestamp};
use serde::{Deserialize, Serialize};
pub use catalyst_core::role::Role;
use catalyst_core::string_enum;

string_enum!(
    SiteStatus { Active = "active", Closed = "closed" }
);

string_enum!(
    UserStatus { Active = "active", Disabled = "disabled" }
);

string_enum!(
    /// Where a participant is in their course. Transitions are governed by later capabilities
    /// (screening, enrolment, treatment); here the stage is recorded with its history.
    Stage {
        Referred = "referred",
        Screening = "screening",
        Enrolled = "enrolled",
        Preparation = "preparation",
        Dosing = "dosing",
        Integration = "integration",
        FollowUp = "follow_up",
        Completed = "completed",
        Withdrawn = "withdrawn",
    }
);

impl Stage {
    /// Stages that need the enrolment gate passed (a signed eligibility decision and consent),
    /// which only an enrolment on a protocol records.
    pub fn needs_enrolment(self) -> bool {
        matches!(
            self,
            Stage::Enrolled
                | Stage::Preparation
                | Stage::Dosing
                | Stage::Integration
                | Stage::FollowUp
                | Stage::Completed
        )
    }
}

/// A participant is registered on referral or in screening, never past the enrolment gate.
pub fn check_registration_stage(stage: Stage) -> Result<(), DomainError> {
    if stage.needs_enrolment() || stage == Stage::Withdrawn {
        return Err(DomainError::invalid(
            "stage",
            "gate",
            format!(
                "a new participant starts as referred or screening, not {stage}: treatment stages follow \
                 screening, consent and enrolment"
            ),
        ));
    }
    Ok(())
}

/// Stages follow the gates: treatment stages only once enrolled (enrolment checks the signed
/// eligibility decision and consent), never back before enrolment once enrolled, and no way
/// back from withdrawal. Withdrawal is always possible.
pub fn check_stage_change(from: Stage, to: Stage, enrolled: bool) -> Result<(), DomainError> {
    let refuse = |message: String| Err(DomainError::invalid("stage", "gate", message));
    if from == to || to == Stage::Withdrawn {
        return Ok(());
    }
    if from == Stage::Withdrawn {
        return refuse(format!(
            "the participant withdrew; a withdrawal is not undone by a stage change (to {to}): record a new referral"
        ));
    }
    if to.needs_enrolment() && !enrolled {
        return refuse(format!(
            "{to} is past the enrolment gate: enrol the participant on a protocol first, which needs a signed \
             eligibility decision and current consent"
        ));
    }
    if !to.needs_enrolment() && enrolled {
        return refuse(format!("the participant is enrolled on a protocol and cannot go back to {to}"));
    }
    Ok(())
}

pub static SITES: TableSpec = TableSpec {
    kind: "site",
    table: "sites",
    redaction: catalyst_core::record::Redaction::Open,
    columns: &[
        Column::text("id"),
        Column::text("code"),
        Column::text("name"),
        Column::text("time_zone"),
        Column::text("jurisdiction"),
        Column::text("status"),
        Column::integer("created_at"),
    ],
};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Site {
    pub id: String,
    /// Short code used in participant codes, e.g. `SYD`.
    pub code: String,
    pub name: String,
    pub time_zone: TimeZoneName,
    /// ISO 3166 country or subdivision code, e.g. `US`, `AU-VIC`, `CA`.
    pub jurisdiction: String,
    pub status: SiteStatus,
    pub created_at: Timestamp,
}

impl Record for Site {
    const SPEC: &'static TableSpec = &SITES;
    fn id(&self) -> &str {
        &self.id
    }
}

impl Site {
    pub fn chain(&self) -> String {
        site_chain(&self.id)
    }
}

/// Input for creating or editing a site.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct SiteInput {
    pub code: String,
    pub name: String,
    pub time_zone: String,
    pub jurisdiction: String,
}

pub struct ValidSite {
    pub code: String,
    pub name: String,
    pub time_zone: TimeZoneName,
    pub jurisdiction: String,
}

impl SiteInput {
    pub fn validate(&self) -> Result<ValidSite, DomainError> {
        let mut v = Violations::new();
        let code = v.check(site_code(&self.code));
        let name = v.check(required_text("name", &self.name, 120));
        let time_zone = v.check(TimeZoneName::parse("time_zone", &self.time_zone));
        let jurisdiction = v.check(jurisdiction(&self.jurisdiction));
        v.into_result()?;
        match (code, name, time_zone, jurisdiction) {
            (Some(code), Some(name), Some(time_zone), Some(jurisdiction)) => {
                Ok(ValidSite { code, name, time_zone, jurisdiction })
            }
            _ => Err(DomainError::invalid("site", "invalid", "site input is invalid")),
        }
    }
}

fn site_code(value: &str) -> Result<String, Violation> {
    let value = value.trim();
    let ok = (2..=8).contains(&value.len()) && value.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
    if value.is_empty() {
        Err(Violation::required("code"))
    } else if ok {
        Ok(value.to_owned())
    } else {
        Err(Violation::new("code", "pattern", "code must be 2 to 8 capital letters or digits, e.g. SYD"))
    }
}

/// ISO 3166-1 alpha-2 country, optionally with an ISO 3166-2 subdivision: `AU`, `AU-VIC`.
pub fn jurisdiction(value: &str) -> Result<String, Violation> {
    let value = value.trim();
    if value.is_empty() {
        return Err(Violation::required("jurisdiction"));
    }
    let (country, subdivision) = match value.split_once('-') {
        Some((c, s)) => (c, Some(s)),
        None => (value, None),
    };
    let country_ok = country.len() == 2 && country.chars().all(|c| c.is_ascii_uppercase());
    let subdivision_ok = subdivision
        .is_none_or(|s| (1..=3).contains(&s.len()) && s.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit()));
    if country_ok && subdivision_ok {
        Ok(value.to_owned())
    } else {
        Err(Violation::new(
            "jurisdiction",
            "iso_3166",
            format!("jurisdiction must be an ISO 3166 code such as US, CA, AU or AU-VIC; got {value:?}"),
        ))
    }
}

pub static USERS: TableSpec = TableSpec {
    kind: "user",
    table: "users",
    redaction: catalyst_core::record::Redaction::Open,
    columns: &[
        Column::text("id"),
        Column::text("username"),
        Column::text("display_name"),
        Column::text("status"),
        Column::integer("created_at"),
    ],
};

/// A person's account. The password hash lives apart, in the credentials table, so that it
/// never enters the ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub id: String,
    pub username: String,
    /// Printed name, shown on e-signatures.
    pub display_name: String,
    pub status: UserStatus,
    pub created_at: Timestamp,
}

impl Record for User {
    const SPEC: &'static TableSpec = &USERS;
    fn id(&self) -> &str {
        &self.id
    }
}

impl User {
    pub fn chain(&self) -> String {
        SYSTEM_CHAIN.to_owned()
    }
}

pub fn username(value: &str) -> Result<String, Violation> {
    let value = value.trim().to_ascii_lowercase();
    if value.is_empty() {
        return Err(Violation::required("username"));
    }
    let ok = (3..=64).contains(&value.len())
        && value.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-' | '@'));
    if ok {
        Ok(value)
    } else {
        Err(Violation::new(
            "username",
            "pattern",
            "username must be 3 to 64 characters: letters, digits, '.', '_', '-' or '@'",
        ))
    }
}

pub const PASSWORD_MIN_CHARS: usize = 10;
pub const PASSWORD_MAX_CHARS: usize = 128;

pub fn password(field: &str, value: &str) -> Result<(), Violation> {
    let n = value.chars().count();
    if !(PASSWORD_MIN_CHARS..=PASSWORD_MAX_CHARS).contains(&n) {
        return Err(Violation::new(
            field,
            "length",
            format!("{field} must be {PASSWORD_MIN_CHARS} to {PASSWORD_MAX_CHARS} characters"),
        ));
    }
    Ok(())
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct UserInput {
    pub username: String,
    pub display_name: String,
    pub password: String,
}

pub struct ValidUser {
    pub username: String,
    pub display_name: String,
}

impl UserInput {
    pub fn validate(&self) -> Result<ValidUser, DomainError> {
        let mut v = Violations::new();
        let username = v.check(username(&self.username));
        let display_name = v.check(required_text("display_name", &self.display_name, 120));
        v.check(password("password", &self.password));
        v.into_result()?;
        match (username, display_name) {
            (Some(username), Some(display_name)) => Ok(ValidUser { username, display_name }),
            _ => Err(DomainError::invalid("user", "invalid", "user input is invalid")),
        }
    }
}

pub static ROLE_GRANTS: TableSpec = TableSpec {
    kind: "role_grant",
    table: "role_grants",
    redaction: catalyst_core::record::Redaction::Open,
    columns: &[
        Column::text("id"),
        Column::text("user_id"),
        Column::text("role"),
        Column::optional_text("site_id"),
        Column::integer("granted_at"),
        Column::text("granted_by"),
    ],
};

/// A role held by a user at one site, or at every site when `site_id` is `None`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleGrant {
    pub id: String,
    pub user_id: String,
    pub role: Role,
    pub site_id: Option<String>,
    pub granted_at: Timestamp,
    pub granted_by: String,
}

impl Record for RoleGrant {
    const SPEC: &'static TableSpec = &ROLE_GRANTS;
    fn id(&self) -> &str {
        &self.id
    }
}

impl RoleGrant {
    /// Site grants live on the site's chain; all-site grants on the system chain.
    pub fn chain(&self) -> String {
        match &self.site_id {
            Some(site) => site_chain(site),
            None => SYSTEM_CHAIN.to_owned(),
        }
    }
}

/// Checks that a role may be held with the given scope.
pub fn check_grant_scope(role: Role, site_id: Option<&str>) -> Result<(), DomainError> {
    match (role.is_system_only(), role.may_span_sites(), site_id) {
        (true, _, Some(_)) => {
            Err(DomainError::invalid("site_id", "system_role", format!("{role} is system-wide: omit site_id")))
        }
        (false, false, None) => Err(DomainError::invalid(
            "site_id",
            "required",
            format!("{role} must be granted at a site: site_id is required"),
        )),
        _ => Ok(()),
    }
}

/// The duties a person's roles may belong to. Administration, monitoring, independent rating,
/// treatment and being a participant are kept apart: one person's grants all belong to one
/// duty, at every site (an administrator who could also treat would read clinical records; a
/// rater who could also monitor would see treatment and be unblinded).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Duty {
    Administration,
    Monitoring,
    Rating,
    Treatment,
    Participation,
    Coding,
}

impl Duty {
    pub fn of(role: Role) -> Duty {
        match role {
            Role::Administrator => Duty::Administration,
            Role::Monitor => Duty::Monitoring,
            Role::Rater => Duty::Rating,
            Role::SiteLead | Role::Therapist | Role::Physician | Role::Pharmacist => Duty::Treatment,
            Role::Participant => Duty::Participation,
            Role::Coder => Duty::Coding,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Duty::Administration => "administration",
            Duty::Monitoring => "monitoring",
            Duty::Rating => "independent rating",
            Duty::Treatment => "treatment",
            Duty::Participation => "taking part as a participant",
            Duty::Coding => "medical coding",
        }
    }
}

/// Refuses a new grant whose duty differs from a role the person already holds, at any site.
/// A clash involving an independent rater is reported under the rule `blinding`, any other
/// under `separation_of_duties`.
pub fn check_separation_of_duties(held: &[Role], new: Role) -> Result<(), DomainError> {
    let duty = Duty::of(new);
    let Some(clash) = held.iter().copied().find(|r| Duty::of(*r) != duty) else {
        return Ok(());
    };
    let rule = if new == Role::Rater || clash == Role::Rater { "blinding" } else { "separation_of_duties" };
    let why = if rule == "blinding" {
        "an independent rater may hold no role that sees treatment, monitoring or administration, at any site"
    } else {
        "administration, monitoring, rating, treatment and participation are kept apart"
    };
    Err(DomainError::invalid(
        "role",
        rule,
        format!(
            "this person already holds {clash} ({}); {new} is {}: {why}; grant it to someone else",
            Duty::of(clash).label(),
            duty.label()
        ),
    ))
}

pub static PARTICIPANTS: TableSpec = TableSpec {
    kind: "participant",
    table: "participants",
    redaction: catalyst_core::record::Redaction::Clinical,
    columns: &[
        Column::text("id"),
        Column::text("site_id"),
        Column::integer("serial"),
        Column::text("code"),
        Column::text("stage"),
        Column::optional_text("user_id"),
        Column::integer("created_at"),
    ],
};

/// A person receiving or screened for treatment, known in Catalyst by a pseudonymous code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Participant {
    pub id: String,
    pub site_id: String,
    /// Per-site serial number; the code is built from it.
    pub serial: i64,
    /// Pseudonymous code, e.g. `SYD-0007`; identifying details are kept out of research views.
    pub code: String,
    pub stage: Stage,
    /// The participant's own portal account, when they have one.
    pub user_id: Option<String>,
    pub created_at: Timestamp,
}

impl Record for Participant {
    const SPEC: &'static TableSpec = &PARTICIPANTS;
    fn id(&self) -> &str {
        &self.id
    }
}

impl Participant {
    pub fn chain(&self) -> String {
        site_chain(&self.site_id)
    }
}

/// The next participant code at a site: the site code and a four-digit serial.
pub fn participant_code(site_code: &str, serial: i64) -> String {
    format!("{site_code}-{serial:04}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn site_input_reports_every_problem_by_field() {
        let input = SiteInput {
            code: "sy".into(),
            name: " ".into(),
            time_zone: "Nowhere/Land".into(),
            jurisdiction: "Australia".into(),
        };
        let DomainError::Invalid(violations) = input.validate().err().unwrap() else { panic!() };
        let fields: Vec<_> = violations.iter().map(|v| v.field.as_str()).collect();
        assert_eq!(fields, ["code", "name", "time_zone", "jurisdiction"]);
    }

    #[test]
    fn jurisdictions_are_iso_codes() {
        for ok in ["US", "AU", "AU-VIC", "CA", "GB-ENG"] {
            assert!(jurisdiction(ok).is_ok(), "{ok}");
        }
        for bad in ["usa", "U", "AU-VICTORIA", "AU-", "au-vic"] {
            assert!(jurisdiction(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn role_scopes() {
        assert!(check_grant_scope(Role::Administrator, None).is_ok());
        assert!(check_grant_scope(Role::Administrator, Some("s")).is_err());
        assert!(check_grant_scope(Role::Therapist, None).is_err());
        assert!(check_grant_scope(Role::Rater, None).is_ok());
        assert!(check_grant_scope(Role::Rater, Some("s")).is_ok());
        assert!(check_grant_scope(Role::Monitor, None).is_ok());
        assert!(check_grant_scope(Role::Participant, Some("s")).is_ok());
    }

    #[test]
    fn duties_are_kept_apart_at_every_site() {
        use Role::*;
        for (held, new, rule) in [
            (Rater, Monitor, Some("blinding")),
            (Monitor, Rater, Some("blinding")),
            (Rater, Therapist, Some("blinding")),
            (Pharmacist, Rater, Some("blinding")),
            (Administrator, Therapist, Some("separation_of_duties")),
            (Administrator, SiteLead, Some("separation_of_duties")),
            (Monitor, Physician, Some("separation_of_duties")),
            (Administrator, Monitor, Some("separation_of_duties")),
            (Participant, Therapist, Some("separation_of_duties")),
            (SiteLead, Therapist, None),
            (Therapist, Physician, None),
            (Rater, Rater, None),
            (Monitor, Monitor, None),
        ] {
            let got = check_separation_of_duties(&[held], new).err().map(|e| match e {
                DomainError::Invalid(v) => v[0].rule.clone(),
                other => format!("{other:?}"),
            });
            assert_eq!(got.as_deref(), rule, "{held} then {new}");
        }
        assert!(check_separation_of_duties(&[], Administrator).is_ok());
    }

    #[test]
    fn stages_follow_the_gates() {
        use Stage::*;
        assert!(check_registration_stage(Referred).is_ok() && check_registration_stage(Screening).is_ok());
        for stage in [Enrolled, Preparation, Dosing, Integration, FollowUp, Completed, Withdrawn] {
            assert!(check_registration_stage(stage).is_err(), "{stage}");
        }
        assert!(check_stage_change(Referred, Screening, false).is_ok());
        assert!(check_stage_change(Screening, Dosing, false).is_err());
        assert!(check_stage_change(Screening, Enrolled, false).is_err());
        assert!(check_stage_change(Enrolled, Dosing, true).is_ok());
        assert!(check_stage_change(Dosing, Screening, true).is_err());
        assert!(check_stage_change(Dosing, Withdrawn, true).is_ok());
        assert!(check_stage_change(Referred, Withdrawn, false).is_ok());
        assert!(check_stage_change(Withdrawn, Screening, false).is_err());
    }

    #[test]
    fn usernames_and_passwords() {
        assert_eq!(username(" Ada.Lovelace ").unwrap(), "ada.lovelace");
        assert!(username("a b").is_err());
        assert!(password("password", "short").is_err());
        assert!(password("password", "long enough!").is_ok());
    }

    #[test]
    fn enums_name_allowed_values() {
        let err = Role::parse("role", "nurse").unwrap_err();
        assert_eq!(err.rule, "one_of");
        assert!(err.message.contains("therapist") && err.message.contains("\"nurse\""));
    }

    #[test]
    fn records_round_trip_through_rows() {
        let p = Participant {
            id: "p1".into(),
            site_id: "s1".into(),
            serial: 7,
            code: participant_code("SYD", 7),
            stage: Stage::Screening,
            user_id: None,
            created_at: Timestamp(1),
        };
        let row = p.to_row().unwrap();
        assert_eq!(row["code"], "SYD-0007");
        assert_eq!(Participant::from_row(row).unwrap(), p);
    }
}
