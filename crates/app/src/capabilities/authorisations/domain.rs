//! Authorisations: the approvals and registrations under which MDMA may lawfully be prescribed,
//! dispensed and given at a site (ethics approval, TGA Authorised Prescriber, Special Access,
//! IND, DEA registration, state approvals and notices), each with its reference, issuer, scope
//! and dates; and the rule, as versioned data by jurisdiction, of which must be in force.

pub mod readiness;
pub mod reports;

use catalyst_core::error::{Violation, required_text};
use catalyst_core::record::{Column, Record, Redaction, TableSpec};
use catalyst_core::string_enum;
use catalyst_core::time::{Timestamp, civil_date};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

string_enum!(
    /// What an authorisation is.
    AuthorisationKind {
        HrecApproval = "hrec_approval",
        AuthorisedPrescriber = "authorised_prescriber",
        SpecialAccess = "special_access",
        Ind = "ind",
        DeaRegistration = "dea_registration",
        StateApproval = "state_approval",
        StateNotice = "state_notice",
    }
);

impl AuthorisationKind {
    pub fn label(self) -> &'static str {
        match self {
            AuthorisationKind::HrecApproval => "ethics committee (HREC) approval",
            AuthorisationKind::AuthorisedPrescriber => "TGA Authorised Prescriber approval",
            AuthorisationKind::SpecialAccess => "Special Access authorisation",
            AuthorisationKind::Ind => "IND",
            AuthorisationKind::DeaRegistration => "DEA Schedule I registration",
            AuthorisationKind::StateApproval => "state or territory approval",
            AuthorisationKind::StateNotice => "state notice",
        }
    }

    /// What the authorisation must name besides the site.
    fn needs(self) -> &'static [&'static str] {
        match self {
            AuthorisationKind::AuthorisedPrescriber => &["holder_id", "product", "indication"],
            AuthorisationKind::SpecialAccess => &["participant_id", "product", "quantity_mg"],
            AuthorisationKind::StateNotice => &["participant_id"],
            AuthorisationKind::HrecApproval
            | AuthorisationKind::Ind
            | AuthorisationKind::DeaRegistration
            | AuthorisationKind::StateApproval => &[],
        }
    }
}

string_enum!(
    AuthorisationStatus { Active = "active", Revoked = "revoked" }
);

/// Whom a required authorisation must cover: the site, the prescriber, or the participant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    Site,
    Prescriber,
    Participant,
}

pub static AUTHORISATIONS: TableSpec = TableSpec {
    kind: "authorisation",
    table: "authorisations",
    // A Special Access authorisation or a state notice names a patient.
    redaction: Redaction::Clinical,
    columns: &[
        Column::text("id"),
        Column::text("site_id"),
        Column::text("kind"),
        Column::text("reference"),
        Column::text("issued_by"),
        Column::optional_text("holder_id"),
        Column::optional_text("participant_id"),
        Column::optional_text("product"),
        Column::optional_text("indication"),
        Column::optional_integer("quantity_mg"),
        Column::text("valid_from"),
        Column::optional_text("expires_on"),
        Column::text("status"),
        Column::integer("recorded_at"),
        Column::text("recorded_by"),
    ],
};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Authorisation {
    pub id: String,
    pub site_id: String,
    pub kind: AuthorisationKind,
    /// The issuer's reference (approval number, registration number).
    pub reference: String,
    /// Who issued it: the committee, the regulator, the state authority.
    pub issued_by: String,
    /// The prescriber it authorises (a user id), for prescriber approvals.
    pub holder_id: Option<String>,
    /// The patient it authorises, for per-patient authorisations and notices.
    pub participant_id: Option<String>,
    pub product: Option<String>,
    pub indication: Option<String>,
    /// The quantity authorised, in milligrams, where the authorisation limits it.
    pub quantity_mg: Option<i64>,
    /// Site-local dates, `YYYY-MM-DD`: in force from `valid_from` through `expires_on`.
    pub valid_from: String,
    pub expires_on: Option<String>,
    pub status: AuthorisationStatus,
    pub recorded_at: Timestamp,
    pub recorded_by: String,
}

impl Record for Authorisation {
    const SPEC: &'static TableSpec = &AUTHORISATIONS;
    fn id(&self) -> &str {
        &self.id
    }
}

impl Authorisation {
    /// Whether it is in force on `day`: not revoked, started, and not expired.
    pub fn in_force_on(&self, day: Date) -> bool {
        self.status == AuthorisationStatus::Active && self.valid_on(day)
    }

    /// `day` is within its validity (from its first day to its expiry), whatever its status.
    pub fn valid_on(&self, day: Date) -> bool {
        parse(&self.valid_from).is_some_and(|from| from <= day)
            && self.expires_on.as_deref().is_none_or(|end| parse(end).is_some_and(|end| day <= end))
    }

    /// Days from `today` until it expires (0 on its last day), if it expires.
    pub fn days_left(&self, today: Date) -> Option<i64> {
        let end = parse(self.expires_on.as_deref()?)?;
        today.until(end).ok().map(|span| i64::from(span.get_days()))
    }
}

fn parse(day: &str) -> Option<Date> {
    day.parse().ok()
}


/// The most a per-patient authorisation may name, in milligrams (programme-defined sanity bound:
/// a course is a few hundred milligrams; a kilogram is a typing error).
pub const MAX_AUTHORISED_MG: i64 = 1_000_000;

/// An authorisation as entered.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct AuthorisationInput {
    pub kind: String,
    pub reference: String,
    pub issued_by: String,
    pub holder_id: Option<String>,
    pub participant_id: Option<String>,
    pub product: Option<String>,
    pub indication: Option<String>,
    pub quantity_mg: Option<i64>,
    pub valid_from: String,
    pub expires_on: Option<String>,
}

/// What recording an authorisation needs besides the input: decided by the caller.
pub struct Recording<'a> {
    pub id: String,
    pub site_id: &'a str,
    pub now: Timestamp,
    pub recorded_by: &'a str,
}

/// Checks an entered authorisation and builds the record: every problem named by its field.
pub fn authorisation_from(input: &AuthorisationInput, at: Recording<'_>) -> Result<Authorisation, Vec<Violation>> {
    let mut problems = Vec::new();
    let kind = AuthorisationKind::parse("kind", &input.kind).map_err(|v| problems.push(v)).ok();
    let text = |field: &str, value: &str, problems: &mut Vec<Violation>| {
        required_text(field, value, 200).map_err(|v| problems.push(v)).ok()
    };
    // A reference and an issuer are read on the worklist and quoted to regulators: each must
    // hold a letter or digit, not only punctuation or invisible characters.
    let named = |field: &str, value: &str, problems: &mut Vec<Violation>| {
        catalyst_core::reason::meaningful_reason(field, value, 200).map_err(|v| problems.push(v)).ok()
    };
    let reference = named("reference", &input.reference, &mut problems);
    let issued_by = named("issued_by", &input.issued_by, &mut problems);
    let optional = |field: &str, value: &Option<String>, problems: &mut Vec<Violation>| {
        value.as_deref().filter(|v| !v.trim().is_empty()).and_then(|v| text(field, v, problems))
    };
    let holder_id = optional("holder_id", &input.holder_id, &mut problems);
    let participant_id = optional("participant_id", &input.participant_id, &mut problems);
    let product = optional("product", &input.product, &mut problems);
    let indication = optional("indication", &input.indication, &mut problems);
    let date = |field: &str, value: &str, problems: &mut Vec<Violation>| match civil_date(value) {
        Some(day) => Some(day),
        None => {
            problems.push(Violation::new(field, "date", format!("{field} must be a date as YYYY-MM-DD; got {value:?}")));
            None
        }
    };
    let valid_from = date("valid_from", &input.valid_from, &mut problems);
    let expires_on =
        input.expires_on.as_deref().filter(|v| !v.trim().is_empty()).and_then(|v| date("expires_on", v, &mut problems));
    if let (Some(from), Some(end)) = (valid_from, expires_on)
        && end < from
    {
        problems.push(Violation::new("expires_on", "after_start", format!("expires_on {end} is before valid_from {from}")));
    }
    if let Some(q) = input.quantity_mg
        && !(1..=MAX_AUTHORISED_MG).contains(&q)
    {
        problems.push(Violation::new(
            "quantity_mg",
            "range",
            format!("quantity_mg is the milligrams authorised: from 1 to {MAX_AUTHORISED_MG}; got {q}"),
        ));
    }
    if let Some(kind) = kind {
        let given = |field: &str| match field {
            "holder_id" => holder_id.is_some(),
            "participant_id" => participant_id.is_some(),
            "product" => product.is_some(),
            "indication" => indication.is_some(),
            "quantity_mg" => input.quantity_mg.is_some(),
            _ => true,
        };
        for field in kind.needs().iter().filter(|f| !given(f)) {
            problems.push(Violation::new(*field, "required", format!("a {} names its {field}", kind.label())));
        }
    }
    match (kind, reference, issued_by, valid_from, problems.is_empty()) {
        (Some(kind), Some(reference), Some(issued_by), Some(valid_from), true) => Ok(Authorisation {
            id: at.id,
            site_id: at.site_id.to_owned(),
            kind,
            reference,
            issued_by,
            holder_id,
            participant_id,
            product,
            indication,
            quantity_mg: input.quantity_mg,
            valid_from: valid_from.to_string(),
            expires_on: expires_on.map(|d| d.to_string()),
            status: AuthorisationStatus::Active,
            recorded_at: at.now,
            recorded_by: at.recorded_by.to_owned(),
        }),
        _ => Err(problems),
    }
}

/// One authorisation a jurisdiction requires, with its source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Requirement {
    pub kind: AuthorisationKind,
    pub scope: Scope,
    pub source: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JurisdictionRequirements {
    pub code: String,
    pub requires: Vec<Requirement>,
}

/// Which authorisations each jurisdiction requires, versioned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Requirements {
    pub version: u32,
    pub about: String,
    pub jurisdictions: Vec<JurisdictionRequirements>,
}

impl Requirements {
    /// The built-in rule (`requirements.json`).
    pub fn builtin() -> Result<Self, String> {
        Self::from_json(include_str!("requirements.json"))
    }

    /// Reads and checks a rule: unknown fields, kinds and scopes are refused by name.
    pub fn from_json(text: &str) -> Result<Self, String> {
        let mut de = serde_json::Deserializer::from_str(text);
        let rules: Requirements = serde_path_to_error::deserialize(&mut de)
            .map_err(|e| format!("authorisation requirements, at {}: {}", e.path(), e.inner()))?;
        for (i, j) in rules.jurisdictions.iter().enumerate() {
            if j.code.trim().is_empty() {
                return Err(format!("authorisation requirements, at jurisdictions[{i}].code: empty"));
            }
            if let Some(r) = j.requires.iter().find(|r| r.source.trim().is_empty()) {
                return Err(format!("authorisation requirements, {}: {} names no source", j.code, r.kind));
            }
        }
        Ok(rules)
    }

    /// What a site in `jurisdiction` (e.g. `AU-VIC`) must have: every entry whose code is the
    /// jurisdiction or a prefix of it at a `-` boundary.
    pub fn for_jurisdiction(&self, jurisdiction: &str) -> Vec<&Requirement> {
        self.jurisdictions
            .iter()
            .filter(|j| jurisdiction == j.code || jurisdiction.starts_with(&format!("{}-", j.code)))
            .flat_map(|j| j.requires.iter())
            .collect()
    }
}

/// What a dose (or a dosing session) is for: the facts the requirements are checked against.
#[derive(Debug, Clone, Copy)]
pub struct DosingRequest<'a> {
    pub site_id: &'a str,
    pub site_code: &'a str,
    pub participant_id: &'a str,
    /// The prescriber, once a prescription names one; until then any authorised prescriber at
    /// the site will do.
    pub prescriber_id: Option<&'a str>,
    /// The product and indication, once prescribed: a prescriber approval must name them, and
    /// a per-patient authorisation that names a product must name this one.
    pub product: Option<&'a str>,
    pub indication: Option<&'a str>,
    /// The milligrams the participant would then have prescribed in all, checked against a
    /// per-patient authorisation that limits the quantity.
    pub quantity_mg: Option<f64>,
    pub day: Date,
}

impl<'a> DosingRequest<'a> {
    /// A dose not yet prescribed (booking a dosing session): the site, the participant, the day.
    pub fn unprescribed(site_id: &'a str, site_code: &'a str, participant_id: &'a str, day: Date) -> Self {
        DosingRequest { site_id, site_code, participant_id, prescriber_id: None, product: None, indication: None, quantity_mg: None, day }
    }
}

/// Products and indications are named by hand on approvals and prescriptions: compared without
/// regard to case or surrounding space.
pub fn same_name(a: &str, b: &str) -> bool {
    a.trim().eq_ignore_ascii_case(b.trim())
}

/// What is missing or lapsed for `request`, one violation per requirement not met, each naming
/// the authorisation; empty when every requirement is met on that day.
pub fn dosing_problems(
    requirements: &[&Requirement],
    authorisations: &[Authorisation],
    request: DosingRequest<'_>,
) -> Vec<Violation> {
    let mut problems = Vec::new();
    for requirement in requirements {
        let names_whom = |a: &Authorisation| {
            a.kind == requirement.kind
                && a.site_id == request.site_id
                && match requirement.scope {
                    Scope::Site => true,
                    Scope::Prescriber => request.prescriber_id.is_none_or(|p| a.holder_id.as_deref() == Some(p)),
                    Scope::Participant => a.participant_id.as_deref() == Some(request.participant_id),
                }
        };
        let candidates: Vec<&Authorisation> = authorisations.iter().filter(|a| names_whom(a)).collect();
        if candidates.iter().any(|a| a.in_force_on(request.day) && scope_gaps(a, requirement.scope, &request).is_empty()) {
            continue;
        }
        let whom = match requirement.scope {
            Scope::Site => format!("at {}", request.site_code),
            Scope::Prescriber if request.prescriber_id.is_some() => "for this prescriber".to_owned(),
            Scope::Prescriber => format!("for any prescriber at {}", request.site_code),
            Scope::Participant => "for this participant".to_owned(),
        };
        let reasons: Vec<String> = candidates
            .iter()
            .flat_map(|a| lapse(a, request.day).into_iter().chain(scope_gaps(a, requirement.scope, &request)))
            .collect();
        let why = if reasons.is_empty() { String::new() } else { format!(" ({})", reasons.join("; ")) };
        problems.push(Violation::new(
            "authorisation",
            requirement.kind.as_str(),
            format!("no {} in force {whom} on {}{why}. Source: {}", requirement.kind.label(), request.day, requirement.source),
        ));
    }
    problems
}

/// What an authorisation naming the right person does not cover of a prescribed dose: the
/// product, the indication, the quantity.
fn scope_gaps(a: &Authorisation, scope: Scope, request: &DosingRequest<'_>) -> Vec<String> {
    let mut gaps = Vec::new();
    let named = |what: &Option<String>| what.as_deref().unwrap_or("nothing").to_owned();
    match scope {
        Scope::Site => {}
        Scope::Prescriber => {
            if let Some(product) = request.product
                && !a.product.as_deref().is_some_and(|p| same_name(p, product))
            {
                gaps.push(format!("{} covers {}, not {product}", a.reference, named(&a.product)));
            }
            if let Some(indication) = request.indication
                && !a.indication.as_deref().is_some_and(|i| same_name(i, indication))
            {
                gaps.push(format!("{} is for {}, not {indication}", a.reference, named(&a.indication)));
            }
        }
        Scope::Participant => {
            if let (Some(product), Some(covered)) = (request.product, a.product.as_deref())
                && !same_name(covered, product)
            {
                gaps.push(format!("{} covers {covered}, not {product}", a.reference));
            }
            if let (Some(wanted), Some(limit)) = (request.quantity_mg, a.quantity_mg)
                && wanted > limit as f64 + 1e-4
            {
                gaps.push(format!("{} authorises {limit} mg; prescribed in all this would be {wanted} mg", a.reference));
            }
        }
    }
    gaps
}

/// Everything that stops a dose on `request.day`: each authorisation the jurisdiction requires
/// and does not have in force, then each readiness item not met (the one rule both the gate and
/// the worklist of booked sessions apply).
pub fn gate_problems(
    required: &[&Requirement],
    authorisations: &[Authorisation],
    binding: &[&readiness::Checklist],
    signoffs: &[readiness::ReadinessSignoff],
    request: DosingRequest<'_>,
) -> Vec<Violation> {
    let mut problems = dosing_problems(required, authorisations, request);
    problems.extend(readiness::readiness_problems(binding, signoffs, request.site_code, request.day));
    problems
}

/// Why an authorisation that would cover a request is not in force on `day`.
fn lapse(a: &Authorisation, day: Date) -> Option<String> {
    if a.status == AuthorisationStatus::Revoked {
        return Some(format!("{} was revoked", a.reference));
    }
    if let Some(end) = a.expires_on.as_deref().and_then(parse)
        && end < day
    {
        return Some(format!("{} expired on {end}", a.reference));
    }
    if parse(&a.valid_from).is_some_and(|from| day < from) {
        return Some(format!("{} starts on {}", a.reference, a.valid_from));
    }
    None
}

/// Warnings are given 60 and 30 days ahead of an expiry.
pub const WARN_DAYS: [i64; 2] = [60, 30];

/// Authorisations in force today that expire within the first warning period, soonest first,
/// with their days left.
pub fn expiring(authorisations: &[Authorisation], today: Date) -> Vec<(&Authorisation, i64)> {
    let mut soon: Vec<(&Authorisation, i64)> = authorisations
        .iter()
        .filter(|a| a.in_force_on(today))
        .filter_map(|a| a.days_left(today).map(|d| (a, d)))
        .filter(|(_, days)| *days <= WARN_DAYS[0])
        .collect();
    soon.sort_by_key(|(_, days)| *days);
    soon
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn input(kind: &str) -> AuthorisationInput {
        AuthorisationInput {
            kind: kind.into(),
            reference: "REF-1".into(),
            issued_by: "Issuer".into(),
            valid_from: "2026-01-01".into(),
            expires_on: Some("2026-12-31".into()),
            ..AuthorisationInput::default()
        }
    }

    fn record(kind: &str, tweak: impl FnOnce(&mut AuthorisationInput)) -> Authorisation {
        let mut i = input(kind);
        tweak(&mut i);
        authorisation_from(&i, Recording { id: format!("a-{kind}"), site_id: "s1", now: Timestamp(0), recorded_by: "u" })
            .unwrap()
    }

    fn request(day: Date) -> DosingRequest<'static> {
        DosingRequest::unprescribed("s1", "SYD", "p1", day)
    }

    #[test]
    fn entered_authorisations_name_every_problem_and_what_their_kind_needs() {
        let at = || Recording { id: "a".into(), site_id: "s1", now: Timestamp(0), recorded_by: "u" };
        assert_eq!(civil_date("2026-01-01"), Some(date(2026, 1, 1)));
        for not_a_date in ["2026-01-01T00:00", "2026-1-1", "01/01/2026", "2026-02-30", ""] {
            assert_eq!(civil_date(not_a_date), None, "{not_a_date}");
        }
        let mut bad = input("approval");
        bad.reference = " ".into();
        bad.valid_from = "1 Jan".into();
        let fields: Vec<String> = authorisation_from(&bad, at()).unwrap_err().into_iter().map(|v| v.field).collect();
        assert_eq!(fields, ["kind", "reference", "valid_from"]);

        let problems = authorisation_from(&input("special_access"), at()).unwrap_err();
        let fields: Vec<&str> = problems.iter().map(|v| v.field.as_str()).collect();
        assert_eq!(fields, ["participant_id", "product", "quantity_mg"]);

        let mut invisible = input("hrec_approval");
        invisible.reference = "\u{200B}".into();
        assert_eq!(authorisation_from(&invisible, at()).unwrap_err()[0].field, "reference");
        let mut huge = input("special_access");
        huge.participant_id = Some("p1".into());
        huge.product = Some("MDMA".into());
        huge.quantity_mg = Some(i64::MAX);
        assert_eq!(authorisation_from(&huge, at()).unwrap_err()[0].rule, "range");

        let mut backwards = input("hrec_approval");
        backwards.expires_on = Some("2025-12-31".into());
        assert_eq!(authorisation_from(&backwards, at()).unwrap_err()[0].rule, "after_start");

        let mut none = input("special_access");
        none.participant_id = Some("p1".into());
        none.product = Some("MDMA HCl 40 mg".into());
        none.quantity_mg = Some(0);
        assert_eq!(authorisation_from(&none, at()).unwrap_err()[0].field, "quantity_mg");

        let ok = authorisation_from(&input("ind"), at()).unwrap();
        assert_eq!((ok.kind, ok.status, ok.valid_from.as_str()), (AuthorisationKind::Ind, AuthorisationStatus::Active, "2026-01-01"));
    }

    #[test]
    fn in_force_means_active_started_and_not_expired_through_its_last_day() {
        let a = record("hrec_approval", |_| {});
        assert!(!a.in_force_on(date(2025, 12, 31)));
        assert!(a.in_force_on(date(2026, 1, 1)));
        assert!(a.in_force_on(date(2026, 12, 31)));
        assert!(!a.in_force_on(date(2027, 1, 1)));
        let open_ended = record("ind", |i| i.expires_on = None);
        assert!(open_ended.in_force_on(date(2040, 1, 1)));
        let revoked = Authorisation { status: AuthorisationStatus::Revoked, ..a };
        assert!(!revoked.in_force_on(date(2026, 6, 1)));
    }

    #[test]
    fn the_builtin_requirements_load_and_bind_sites_by_code_prefix() {
        let rules = Requirements::builtin().unwrap();
        let kinds = |code: &str| rules.for_jurisdiction(code).iter().map(|r| r.kind.as_str()).collect::<Vec<_>>();
        assert_eq!(kinds("AU-NSW"), ["hrec_approval", "authorised_prescriber"]);
        assert_eq!(kinds("AU-VIC"), ["hrec_approval", "authorised_prescriber", "state_notice"]);
        assert_eq!(kinds("CA-BC"), ["special_access"]);
        assert_eq!(kinds("US"), ["ind", "dea_registration"]);
        assert!(kinds("AUS").is_empty(), "a prefix binds only at a '-' boundary");
        assert!(kinds("NZ").is_empty());
        let refused = Requirements::from_json(r#"{"version":1,"about":"","jurisdictions":[{"code":"AU","requires":[{"kind":"licence","scope":"site","source":"x"}]}]}"#);
        assert!(refused.unwrap_err().contains("jurisdictions[0].requires[0].kind"));
        let unsourced = Requirements::from_json(r#"{"version":1,"about":"","jurisdictions":[{"code":"AU","requires":[{"kind":"ind","scope":"site","source":" "}]}]}"#);
        assert!(unsourced.unwrap_err().contains("names no source"));
    }

    #[test]
    fn each_missing_or_lapsed_requirement_is_named_and_all_in_force_passes() {
        let rules = Requirements::builtin().unwrap();
        let au = rules.for_jurisdiction("AU-NSW");
        let day = date(2026, 6, 1);
        let none = dosing_problems(&au, &[], request(day));
        let rules_named: Vec<&str> = none.iter().map(|v| v.rule.as_str()).collect();
        assert_eq!(rules_named, ["hrec_approval", "authorised_prescriber"]);
        assert!(none[0].message.contains("ethics committee (HREC) approval") && none[0].message.contains("SYD"));

        let hrec = record("hrec_approval", |_| {});
        let prescriber = record("authorised_prescriber", |i| {
            i.holder_id = Some("dr".into());
            i.product = Some("MDMA".into());
            i.indication = Some("PTSD".into());
        });
        let all = [hrec.clone(), prescriber.clone()];
        assert!(dosing_problems(&au, &all, request(day)).is_empty());
        let named = DosingRequest { prescriber_id: Some("dr"), ..request(day) };
        assert!(dosing_problems(&au, &all, named).is_empty());
        let other = DosingRequest { prescriber_id: Some("someone else"), ..request(day) };
        assert_eq!(dosing_problems(&au, &all, other)[0].rule, "authorised_prescriber");

        let lapsed = dosing_problems(&au, &all, request(date(2027, 1, 2)));
        assert_eq!(lapsed.len(), 2);
        assert!(lapsed[0].message.contains("REF-1 expired on 2026-12-31"), "{}", lapsed[0].message);
        let revoked = Authorisation { status: AuthorisationStatus::Revoked, ..hrec };
        let problems = dosing_problems(&au, &[revoked, prescriber], request(day));
        assert!(problems[0].message.contains("was revoked"));

        let elsewhere = DosingRequest { site_id: "s2", ..request(day) };
        assert_eq!(dosing_problems(&au, &all, elsewhere).len(), 2, "another site's approvals do not count");
    }

    #[test]
    fn per_patient_authorisations_cover_only_their_patient() {
        let rules = Requirements::builtin().unwrap();
        let ca = rules.for_jurisdiction("CA-BC");
        let sap = record("special_access", |i| {
            i.participant_id = Some("p1".into());
            i.product = Some("MDMA".into());
            i.quantity_mg = Some(360);
        });
        let day = date(2026, 6, 1);
        assert!(dosing_problems(&ca, std::slice::from_ref(&sap), request(day)).is_empty());
        let other = DosingRequest { participant_id: "p2", ..request(day) };
        let problems = dosing_problems(&ca, &[sap], other);
        assert_eq!((problems[0].rule.as_str(), problems[0].field.as_str()), ("special_access", "authorisation"));
        assert!(problems[0].message.contains("for this participant"));
    }

    #[test]
    fn a_prescribed_dose_must_match_the_approvals_product_indication_and_quantity() {
        let rules = Requirements::builtin().unwrap();
        let au = rules.for_jurisdiction("AU-NSW");
        let day = date(2026, 6, 1);
        let approval = record("authorised_prescriber", |i| {
            i.holder_id = Some("dr".into());
            i.product = Some("MDMA HCl".into());
            i.indication = Some("PTSD".into());
        });
        let all = [record("hrec_approval", |_| {}), approval];
        let rx = DosingRequest {
            prescriber_id: Some("dr"),
            product: Some(" mdma hcl "),
            indication: Some("PTSD"),
            quantity_mg: Some(240.0),
            ..request(day)
        };
        assert!(dosing_problems(&au, &all, rx).is_empty());
        let other_product = dosing_problems(&au, &all, DosingRequest { product: Some("psilocybin"), ..rx });
        assert_eq!(other_product[0].rule, "authorised_prescriber");
        assert!(other_product[0].message.contains("REF-1 covers MDMA HCl, not psilocybin"), "{}", other_product[0].message);
        let other_use = dosing_problems(&au, &all, DosingRequest { indication: Some("depression"), ..rx });
        assert!(other_use[0].message.contains("is for PTSD, not depression"), "{}", other_use[0].message);

        let ca = rules.for_jurisdiction("CA-BC");
        let sap = [record("special_access", |i| {
            i.participant_id = Some("p1".into());
            i.product = Some("MDMA HCl".into());
            i.quantity_mg = Some(360);
        })];
        let within = DosingRequest { product: Some("MDMA HCl"), quantity_mg: Some(360.0), ..request(day) };
        assert!(dosing_problems(&ca, &sap, within).is_empty());
        let over = dosing_problems(&ca, &sap, DosingRequest { quantity_mg: Some(420.0), ..within });
        assert_eq!(over[0].rule, "special_access");
        assert!(over[0].message.contains("authorises 360 mg; prescribed in all this would be 420 mg"), "{}", over[0].message);
    }

    #[test]
    fn expiry_warnings_start_sixty_days_ahead_soonest_first() {
        let today = date(2026, 11, 1);
        let soon = record("hrec_approval", |i| i.expires_on = Some("2026-11-20".into()));
        let later = record("ind", |i| i.expires_on = Some("2026-12-31".into()));
        let far = record("dea_registration", |i| i.expires_on = Some("2027-06-30".into()));
        let lapsed = record("state_approval", |i| i.expires_on = Some("2026-10-31".into()));
        let all = [later, far, soon, lapsed];
        let warned: Vec<(&str, i64)> = expiring(&all, today).iter().map(|(a, d)| (a.kind.as_str(), *d)).collect();
        assert_eq!(warned, [("hrec_approval", 19), ("ind", 60)]);
    }
}
