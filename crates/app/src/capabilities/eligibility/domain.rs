//! Screening, eligibility decisions and informed consent as records.
//!
//! The rules themselves (guideline readiness, protocol eligibility, medication safety, access
//! pathway) are versioned data evaluated by `catalyst-screening`; these records keep what was
//! entered, what the rules decided, what the investigator confirmed, and what the participant
//! consented to.

use catalyst_core::reason::meaningful_reason;
use catalyst_core::string_enum;
use catalyst_core::time::TimeZoneName;
use catalyst_core::{DomainError, Violation};
use serde_json::{Map, Value};
use catalyst_core::record::{Column, Record, TableSpec};
use catalyst_core::time::Timestamp;
use catalyst_screening::DecisionKind;
use serde::{Deserialize, Serialize};

string_enum!(
    /// Draft: evaluated, not yet signed. Confirmed: an investigator signed the rules' decision.
    /// Overridden: an investigator signed another decision, with the reason.
    ScreeningStatus {
        Draft = "draft",
        Confirmed = "confirmed",
        Overridden = "overridden",
    }
);

string_enum!(
    /// What the rules decided, and the decision that stands once an investigator has signed.
    EligibilityDecision {
        Eligible = "eligible",
        EligibleAfterWashout = "eligible_after_washout",
        Ineligible = "ineligible",
        NeedsReview = "needs_review",
    }
);

impl EligibilityDecision {
    /// The screening rules' decision under the same name.
    pub fn of(kind: DecisionKind) -> Self {
        match kind {
            DecisionKind::Eligible => EligibilityDecision::Eligible,
            DecisionKind::EligibleAfterWashout => EligibilityDecision::EligibleAfterWashout,
            DecisionKind::Ineligible => EligibilityDecision::Ineligible,
            DecisionKind::NeedsReview => EligibilityDecision::NeedsReview,
        }
    }
}

pub static SCREENINGS: TableSpec = TableSpec {
    kind: "screening",
    table: "screenings",
    redaction: catalyst_core::record::Redaction::Clinical,
    columns: &[
        Column::text("id"),
        Column::text("participant_id"),
        Column::text("site_id"),
        Column::text("record"),
        Column::text("rules_decision"),
        Column::optional_text("eligible_from"),
        Column::text("evaluation"),
        Column::text("as_of"),
        Column::integer("evaluated_at"),
        Column::text("entered_by"),
        Column::text("status"),
        Column::optional_text("final_decision"),
        Column::optional_text("override_reason"),
        Column::optional_text("decided_by"),
        Column::optional_integer("decided_at"),
    ],
};

/// One screening of a participant: the record as entered, the rules' decision with every
/// criterion and its source, and the investigator's confirmation or override.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Screening {
    pub id: String,
    pub participant_id: String,
    pub site_id: String,
    /// The screening record as JSON (the `catalyst screen` input format).
    pub record: String,
    pub rules_decision: EligibilityDecision,
    pub eligible_from: Option<String>,
    /// The full evaluation as JSON (the `catalyst screen` output format).
    pub evaluation: String,
    /// Site-local date the rules were applied on.
    pub as_of: String,
    pub evaluated_at: Timestamp,
    pub entered_by: String,
    pub status: ScreeningStatus,
    /// The decision that stands once an investigator has signed.
    pub final_decision: Option<EligibilityDecision>,
    pub override_reason: Option<String>,
    pub decided_by: Option<String>,
    pub decided_at: Option<Timestamp>,
}

impl Record for Screening {
    const SPEC: &'static TableSpec = &SCREENINGS;
    fn id(&self) -> &str {
        &self.id
    }
}

impl Screening {
    /// Whether this screening allows enrolment: confirmed or overridden to eligible (or
    /// eligible after washout).
    pub fn permits_enrolment(&self) -> bool {
        self.status != ScreeningStatus::Draft
            && match self.final_decision {
                Some(EligibilityDecision::Eligible) => true,
                // Without the washout's end date nobody could tell when treatment may start.
                Some(EligibilityDecision::EligibleAfterWashout) => self.eligible_from.is_some(),
                Some(EligibilityDecision::Ineligible | EligibilityDecision::NeedsReview) | None => false,
            }
    }

    /// The day the washout ends (`YYYY-MM-DD`), when the signed decision is "eligible after
    /// washout": no baseline or session may be on an earlier day.
    pub fn washout_ends_on(&self) -> Option<&str> {
        match (self.status, self.final_decision) {
            (ScreeningStatus::Draft, _) => None,
            (_, Some(EligibilityDecision::EligibleAfterWashout)) => self.eligible_from.as_deref(),
            _ => None,
        }
    }
}

/// What an investigator's signature makes of a draft screening.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScreeningDecision {
    pub status: ScreeningStatus,
    pub final_decision: EligibilityDecision,
    pub override_reason: Option<String>,
}

/// Decides what signing `current` means: with no override, a confirmation of the rules'
/// decision; otherwise an override, which needs a known decision, a washout end date for
/// eligible after washout, and a reason.
pub fn decide_screening(
    current: &Screening,
    override_to: Option<&str>,
    reason: &str,
) -> Result<ScreeningDecision, DomainError> {
    if current.status != ScreeningStatus::Draft {
        return Err(DomainError::Conflict(format!("this screening was already {}", current.status)));
    }
    let Some(decision) = override_to.map(str::trim).filter(|d| !d.is_empty()) else {
        return Ok(ScreeningDecision {
            status: ScreeningStatus::Confirmed,
            final_decision: current.rules_decision,
            override_reason: None,
        });
    };
    let decision =
        EligibilityDecision::parse("override_decision", decision).map_err(|v| DomainError::Invalid(vec![v]))?;
    if decision == EligibilityDecision::EligibleAfterWashout && current.eligible_from.is_none() {
        return Err(DomainError::invalid(
            "override_decision",
            "washout_date",
            "the rules found no washout with an end date, so eligible_after_washout would leave no date \
             treatment may start from; override to eligible, ineligible or needs_review",
        ));
    }
    let reason = match meaningful_reason("reason", reason, 2000) {
        Ok(reason) => reason,
        Err(_) if reason.trim().is_empty() => {
            return Err(DomainError::invalid("reason", "required", "an override needs a reason"));
        }
        Err(v) => return Err(DomainError::Invalid(vec![v])),
    };
    Ok(ScreeningDecision {
        status: ScreeningStatus::Overridden,
        final_decision: decision,
        override_reason: Some(reason),
    })
}

impl Screening {
    /// The screening as signed by `by` at `at` with `decision`.
    pub fn signed(self, decision: ScreeningDecision, by: &str, at: Timestamp) -> Screening {
        Screening {
            status: decision.status,
            final_decision: Some(decision.final_decision),
            override_reason: decision.override_reason,
            decided_by: Some(by.to_owned()),
            decided_at: Some(at),
            ..self
        }
    }
}

/// Refuses to sign `draft` once a screening evaluated after it has been signed.
pub fn check_not_superseded(draft: &Screening, all: &[Screening], zone: &TimeZoneName) -> Result<(), DomainError> {
    match superseded_by(draft, all) {
        Some(later) => Err(DomainError::Conflict(format!(
            "this screening was superseded by the screening of {} that was signed {}; it can no longer be signed",
            later.evaluated_at.format_in(zone),
            later.status
        ))),
        None => Ok(()),
    }
}

/// The signed screening, evaluated after `draft`, that makes the draft stale: an older draft may
/// not be signed once a later screening has been.
pub fn superseded_by<'a>(draft: &Screening, all: &'a [Screening]) -> Option<&'a Screening> {
    all.iter()
        .filter(|s| s.status != ScreeningStatus::Draft && s.evaluated_at > draft.evaluated_at)
        .max_by_key(|s| s.evaluated_at)
}

/// Refuses a date (`YYYY-MM-DD`, site-local) before the end of a washout.
pub fn check_after_washout(field: &str, date: &str, washout_ends_on: Option<&str>) -> Result<(), Violation> {
    match washout_ends_on {
        Some(end) if date < end => Err(Violation::new(
            field,
            "washout",
            format!(
                "{field} {date} is before the medication washout ends on {end}: the signed eligibility decision \
                 allows treatment from {end} on"
            ),
        )),
        _ => Ok(()),
    }
}

string_enum!(
    /// The parts of informed consent a participant signs separately.
    ConsentPart {
        Treatment = "treatment",
        VideoRecording = "video_recording",
        TherapeuticTouch = "therapeutic_touch",
        DataUse = "data_use",
    }
);

impl ConsentPart {
    pub fn label(self) -> &'static str {
        match self {
            ConsentPart::Treatment => "Treatment: MDMA-assisted therapy sessions",
            ConsentPart::VideoRecording => "Video recording of sessions",
            ConsentPart::TherapeuticTouch => "Therapeutic touch",
            ConsentPart::DataUse => "Use of my data for care, monitoring and research",
        }
    }
}

pub static CONSENT_DOCUMENTS: TableSpec = TableSpec {
    kind: "consent_document",
    table: "consent_documents",
    redaction: catalyst_core::record::Redaction::Open,
    columns: &[
        Column::text("id"),
        Column::integer("version"),
        Column::text("title"),
        Column::text("body"),
        Column::text("required_parts"),
        Column::text("witness_required"),
        Column::integer("published_at"),
    ],
};

/// A version of the programme's consent document. A new version asks everyone to consent again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentDocument {
    /// `consent-v{version}`.
    pub id: String,
    pub version: i64,
    pub title: String,
    pub body: String,
    /// The parts that must be granted before enrolment (stored as a JSON array of their names).
    #[serde(with = "catalyst_core::record::json_text")]
    pub required_parts: Vec<ConsentPart>,
    /// Whether a witness must co-sign (stored as `yes` or `no`).
    #[serde(with = "yes_no")]
    pub witness_required: bool,
    pub published_at: Timestamp,
}

impl Record for ConsentDocument {
    const SPEC: &'static TableSpec = &CONSENT_DOCUMENTS;
    fn id(&self) -> &str {
        &self.id
    }
}

/// A flag stored as the text `yes` or `no`.
mod yes_no {
    use serde::de::Error as _;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(value: &bool, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(if *value { "yes" } else { "no" })
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<bool, D::Error> {
        match String::deserialize(deserializer)?.as_str() {
            "yes" => Ok(true),
            "no" => Ok(false),
            other => Err(D::Error::custom(format!("expected yes or no; got {other:?}"))),
        }
    }
}

string_enum!(
    /// Where one part of consent stands. `not asked` is never stored: it describes a part of a
    /// consent not given yet.
    PartState {
        Granted = "granted",
        Declined = "declined",
        Withdrawn = "withdrawn",
        NotAsked = "not asked",
    }
);

/// Each part's state in a consent, stored as a JSON object of part name to state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsentParts {
    // In alphabetical order, as the sorted JSON map that wrote these rows before they were typed.
    pub data_use: PartState,
    pub therapeutic_touch: PartState,
    pub treatment: PartState,
    pub video_recording: PartState,
}

impl ConsentParts {
    pub fn get(&self, part: ConsentPart) -> PartState {
        match part {
            ConsentPart::Treatment => self.treatment,
            ConsentPart::VideoRecording => self.video_recording,
            ConsentPart::TherapeuticTouch => self.therapeutic_touch,
            ConsentPart::DataUse => self.data_use,
        }
    }

    pub fn set(&mut self, part: ConsentPart, state: PartState) {
        let slot = match part {
            ConsentPart::Treatment => &mut self.treatment,
            ConsentPart::VideoRecording => &mut self.video_recording,
            ConsentPart::TherapeuticTouch => &mut self.therapeutic_touch,
            ConsentPart::DataUse => &mut self.data_use,
        };
        *slot = state;
    }
}

pub static CONSENTS: TableSpec = TableSpec {
    kind: "consent",
    table: "consents",
    redaction: catalyst_core::record::Redaction::Clinical,
    columns: &[
        Column::text("id"),
        Column::text("participant_id"),
        Column::text("site_id"),
        Column::text("document_id"),
        Column::integer("document_version"),
        Column::text("parts"),
        Column::integer("signed_at"),
        Column::optional_text("witness_id"),
    ],
};

/// A participant's consent to one document version: each part granted, declined or withdrawn.
/// Signed by the participant (and a witness where required) with e-signatures bound to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Consent {
    pub id: String,
    pub participant_id: String,
    pub site_id: String,
    pub document_id: String,
    pub document_version: i64,
    /// Each part granted, declined or withdrawn.
    #[serde(with = "catalyst_core::record::json_text")]
    pub parts: ConsentParts,
    pub signed_at: Timestamp,
    pub witness_id: Option<String>,
}

impl Record for Consent {
    const SPEC: &'static TableSpec = &CONSENTS;
    fn id(&self) -> &str {
        &self.id
    }
}

impl Consent {
    /// The state of one part: granted, declined or withdrawn.
    pub fn part(&self, part: ConsentPart) -> PartState {
        self.parts.get(part)
    }
}

/// Reads the parts a participant consents to: every part granted or declined, no unknown part,
/// and a witness where the document requires one. Returns every problem at once.
pub fn decide_consent(
    parts: &Map<String, Value>,
    witness_required: bool,
    witnessed: bool,
) -> Result<ConsentParts, Vec<Violation>> {
    let mut states = ConsentParts {
        data_use: PartState::NotAsked,
        therapeutic_touch: PartState::NotAsked,
        treatment: PartState::NotAsked,
        video_recording: PartState::NotAsked,
    };
    let mut violations = Vec::new();
    for part in ConsentPart::ALL {
        match parts.get(part.as_str()).and_then(Value::as_str) {
            Some("granted") => states.set(*part, PartState::Granted),
            Some("declined") => states.set(*part, PartState::Declined),
            other => violations.push(Violation::new(
                format!("parts.{part}"),
                "one_of",
                format!("{part} must be granted or declined; got {}", other.unwrap_or("nothing")),
            )),
        }
    }
    if let Some(unknown) = parts.keys().find(|k| ConsentPart::parse("part", k).is_err()) {
        violations.push(Violation::one_of(&format!("parts.{unknown}"), unknown, ConsentPart::NAMES));
    }
    if witness_required && !witnessed {
        violations.push(Violation::new(
            "witness",
            "required",
            "this consent must be witnessed: the witness enters their username and password",
        ));
    }
    if violations.is_empty() { Ok(states) } else { Err(violations) }
}

/// Why the participant's consent is not current, or `None` when it is: signed for the current
/// document version with every required part granted.
pub fn consent_standing(document: Option<&ConsentDocument>, consent: Option<&Consent>) -> Option<String> {
match (document, consent) {
        (None, _) => Some("no consent document has been published".to_owned()),
        (Some(_), None) => Some("the participant has not consented yet".to_owned()),
        (Some(d), Some(c)) if c.document_version < d.version => Some(format!(
            "consent was given to version {}; version {} asks for consent again",
            c.document_version, d.version
        )),
        (Some(d), Some(c)) => d
            .required_parts
            .iter()
            .find(|p| c.part(**p) != PartState::Granted)
            .map(|p| format!("required part {p} is {}", c.part(*p))),
}
}

/// The participant's signed eligibility decision: the newest screening that is not a draft.
pub fn signed_decision(screenings: &[Screening]) -> Option<&Screening> {
    screenings.iter().find(|s| s.status != ScreeningStatus::Draft)
}

/// What stands between the participant and enrolment: a signed decision that permits it, and
/// current consent (`consent_not_current` is why not, if not). Each is a violation of its own.
pub fn enrolment_problems(signed: Option<&Screening>, consent_not_current: Option<String>) -> Vec<Violation> {
    let mut problems = Vec::new();
    match signed {
        None => problems.push(Violation::new(
            "screening",
            "confirmed",
            "no eligibility decision has been signed by an investigator",
        )),
        Some(s) if !s.permits_enrolment() => problems.push(Violation::new(
            "screening",
            "eligible",
            format!(
                "the signed eligibility decision is {}",
                s.final_decision.map(EligibilityDecision::as_str).unwrap_or_default()
            ),
        )),
        Some(_) => {}
    }
    if let Some(reason) = consent_not_current {
        problems.push(Violation::new("consent", "current", format!("consent is not current: {reason}")));
    }
    problems
}

catalyst_core::participant_record!(Screening, Consent);

#[cfg(test)]
mod washout_tests {
    use super::*;

    #[test]
    fn dates_before_the_washout_ends_are_refused() {
        assert!(check_after_washout("date", "2026-03-23", Some("2026-03-24")).is_err());
        assert!(check_after_washout("date", "2026-03-24", Some("2026-03-24")).is_ok());
        assert!(check_after_washout("date", "2020-01-01", None).is_ok());
        assert_eq!(check_after_washout("baseline_on", "2026-01-01", Some("2026-03-24")).unwrap_err().rule, "washout");
    }
}

#[cfg(test)]
mod record_tests {
    use super::*;
    use catalyst_core::record::Row;
    use serde_json::json;

    fn row(value: Value) -> Row {
        value.as_object().cloned().unwrap()
    }

    fn draft() -> Screening {
        Screening {
            id: "s1".into(),
            participant_id: "p1".into(),
            site_id: "site1".into(),
            record: "{}".into(),
            rules_decision: EligibilityDecision::EligibleAfterWashout,
            eligible_from: Some("2026-03-24".into()),
            evaluation: "{}".into(),
            as_of: "2026-03-01".into(),
            evaluated_at: Timestamp(10),
            entered_by: "u1".into(),
            status: ScreeningStatus::Draft,
            final_decision: None,
            override_reason: None,
            decided_by: None,
            decided_at: None,
        }
    }

    #[test]
    fn a_screening_row_reads_and_writes_as_it_did_with_string_decisions() {
        let stored = row(json!({
            "id": "s1", "participant_id": "p1", "site_id": "site1", "record": "{}",
            "rules_decision": "eligible_after_washout", "eligible_from": "2026-03-24", "evaluation": "{}",
            "as_of": "2026-03-01", "evaluated_at": 10, "entered_by": "u1", "status": "overridden",
            "final_decision": "needs_review", "override_reason": "recheck the history", "decided_by": "u2",
            "decided_at": 20
        }));
        let screening = Screening::from_row(stored.clone()).unwrap();
        assert_eq!(screening.final_decision, Some(EligibilityDecision::NeedsReview));
        assert_eq!(screening.rules_decision, EligibilityDecision::EligibleAfterWashout);
        assert_eq!(screening.to_row().unwrap(), stored);
        assert_eq!(serde_json::to_string(&screening.to_row().unwrap()).unwrap(), serde_json::to_string(&stored).unwrap());
        let draft = row(json!({
            "id": "s1", "participant_id": "p1", "site_id": "site1", "record": "{}",
            "rules_decision": "eligible", "eligible_from": null, "evaluation": "{}", "as_of": "2026-03-01",
            "evaluated_at": 10, "entered_by": "u1", "status": "draft", "final_decision": null,
            "override_reason": null, "decided_by": null, "decided_at": null
        }));
        assert_eq!(Screening::from_row(draft.clone()).unwrap().to_row().unwrap(), draft);
        assert!(Screening::from_row(row(json!({"final_decision": "maybe"}))).is_err());
    }

    #[test]
    fn a_consent_document_row_keeps_its_json_list_and_yes_no_text() {
        let stored = row(json!({
            "id": "consent-v2", "version": 2, "title": "Consent", "body": "Text",
            "required_parts": "[\"treatment\",\"data_use\"]", "witness_required": "yes", "published_at": 5
        }));
        let doc = ConsentDocument::from_row(stored.clone()).unwrap();
        assert_eq!(doc.required_parts, vec![ConsentPart::Treatment, ConsentPart::DataUse]);
        assert!(doc.witness_required);
        assert_eq!(doc.to_row().unwrap(), stored);
        let unwitnessed = ConsentDocument { witness_required: false, ..doc };
        assert_eq!(unwitnessed.to_row().unwrap()["witness_required"], json!("no"));
        let mut odd = stored;
        odd.insert("witness_required".into(), json!("maybe"));
        assert!(ConsentDocument::from_row(odd).is_err());
    }

    #[test]
    fn a_consent_row_keeps_its_parts_text_byte_for_byte() {
        // As give_consent wrote it before the parts were typed: a sorted JSON map.
        let mut parts = Map::new();
        for (part, state) in [
            ("treatment", "granted"),
            ("video_recording", "declined"),
            ("therapeutic_touch", "withdrawn"),
            ("data_use", "granted"),
        ] {
            parts.insert(part.into(), Value::from(state));
        }
        let old_text = Value::Object(parts).to_string();
        let stored = row(json!({
            "id": "c1", "participant_id": "p1", "site_id": "site1", "document_id": "consent-v1",
            "document_version": 1, "parts": old_text, "signed_at": 7, "witness_id": null
        }));
        let consent = Consent::from_row(stored.clone()).unwrap();
        assert_eq!(consent.part(ConsentPart::Treatment), PartState::Granted);
        assert_eq!(consent.part(ConsentPart::VideoRecording), PartState::Declined);
        assert_eq!(consent.part(ConsentPart::TherapeuticTouch), PartState::Withdrawn);
        assert_eq!(consent.to_row().unwrap()["parts"], json!(old_text));
        assert_eq!(serde_json::to_string(&consent.to_row().unwrap()).unwrap(), serde_json::to_string(&stored).unwrap());
    }

    #[test]
    fn decisions_carry_the_screening_rules_names() {
        for kind in [
            DecisionKind::Eligible,
            DecisionKind::EligibleAfterWashout,
            DecisionKind::Ineligible,
            DecisionKind::NeedsReview,
        ] {
            assert_eq!(serde_json::to_value(kind).unwrap(), json!(EligibilityDecision::of(kind).as_str()));
        }
        assert_eq!(EligibilityDecision::parse("d", " eligible ").unwrap(), EligibilityDecision::Eligible);
        let refused = EligibilityDecision::parse("override_decision", "maybe").unwrap_err();
        assert_eq!(
            refused.message,
            "override_decision must be one of: eligible, eligible_after_washout, ineligible, needs_review; got \"maybe\""
        );
    }

    #[test]
    fn signing_confirms_the_rules_or_overrides_with_a_reason() {
        let confirmed = decide_screening(&draft(), Some("  "), "").unwrap();
        assert_eq!(confirmed.status, ScreeningStatus::Confirmed);
        assert_eq!(confirmed.final_decision, EligibilityDecision::EligibleAfterWashout);
        assert_eq!(confirmed.override_reason, None);
        let overridden = decide_screening(&draft(), Some("ineligible"), "cardiac history found").unwrap();
        assert_eq!(overridden.status, ScreeningStatus::Overridden);
        assert_eq!(overridden.final_decision, EligibilityDecision::Ineligible);
        assert_eq!(overridden.override_reason.as_deref(), Some("cardiac history found"));
        let signed = draft().signed(overridden, "u2", Timestamp(30));
        assert_eq!(
            (signed.status, signed.final_decision, signed.decided_by.as_deref(), signed.decided_at),
            (ScreeningStatus::Overridden, Some(EligibilityDecision::Ineligible), Some("u2"), Some(Timestamp(30)))
        );
    }

    fn rule_of(error: DomainError) -> String {
        match error {
            DomainError::Invalid(v) => v[0].rule.clone(),
            other => format!("{other:?}"),
        }
    }

    #[test]
    fn signing_refuses_what_cannot_stand() {
        let signed = Screening { status: ScreeningStatus::Confirmed, ..draft() };
        assert_eq!(
            decide_screening(&signed, None, ""),
            Err(DomainError::Conflict("this screening was already confirmed".into()))
        );
        assert_eq!(rule_of(decide_screening(&draft(), Some("maybe"), "a reason").unwrap_err()), "one_of");
        let no_date = Screening { eligible_from: None, ..draft() };
        assert_eq!(
            rule_of(decide_screening(&no_date, Some("eligible_after_washout"), "a reason").unwrap_err()),
            "washout_date"
        );
        assert_eq!(rule_of(decide_screening(&draft(), Some("eligible"), " ").unwrap_err()), "required");
    }

    #[test]
    fn a_draft_is_stale_once_a_later_screening_is_signed() {
        let zone = TimeZoneName::parse("zone", "UTC").unwrap();
        let earlier = Screening { id: "s0".into(), evaluated_at: Timestamp(5), status: ScreeningStatus::Confirmed, ..draft() };
        assert!(check_not_superseded(&draft(), &[earlier], &zone).is_ok());
        let later = Screening { id: "s2".into(), evaluated_at: Timestamp(15), status: ScreeningStatus::Confirmed, ..draft() };
        let Err(DomainError::Conflict(message)) = check_not_superseded(&draft(), &[later], &zone) else {
            panic!("a later signed screening supersedes the draft");
        };
        assert!(message.ends_with("that was signed confirmed; it can no longer be signed"), "{message}");
    }

    fn parts(value: Value) -> Map<String, Value> {
        value.as_object().cloned().unwrap()
    }

    #[test]
    fn consent_takes_every_part_granted_or_declined() {
        let given = decide_consent(
            &parts(json!({"treatment": "granted", "video_recording": "declined", "therapeutic_touch": "granted", "data_use": "granted"})),
            true,
            true,
        )
        .unwrap();
        assert_eq!(given.get(ConsentPart::Treatment), PartState::Granted);
        assert_eq!(given.get(ConsentPart::VideoRecording), PartState::Declined);
        let problems = decide_consent(&parts(json!({"treatment": "withdrawn", "smell": "granted"})), true, false)
            .unwrap_err();
        let fields: Vec<&str> = problems.iter().map(|v| v.field.as_str()).collect();
        assert_eq!(
            fields,
            ["parts.treatment", "parts.video_recording", "parts.therapeutic_touch", "parts.data_use", "parts.smell", "witness"]
        );
        assert_eq!(problems[1].message, "video_recording must be granted or declined; got nothing");
    }

    #[test]
    fn part_states_are_read_and_set_by_part() {
        let mut all = decide_consent(
            &parts(json!({"treatment": "granted", "video_recording": "granted", "therapeutic_touch": "granted", "data_use": "granted"})),
            false,
            false,
        )
        .unwrap();
        for part in ConsentPart::ALL {
            all.set(*part, PartState::Withdrawn);
            assert_eq!(all.get(*part), PartState::Withdrawn);
        }
        let keys: Vec<String> =
            serde_json::to_value(all).unwrap().as_object().unwrap().keys().cloned().collect();
        let mut names: Vec<String> = ConsentPart::NAMES.iter().map(|n| (*n).to_owned()).collect();
        names.sort();
        assert_eq!(keys, names);
    }
}
