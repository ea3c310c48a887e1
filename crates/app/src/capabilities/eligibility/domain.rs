//! Screening, eligibility decisions and informed consent as records.
//!
//! The rules themselves (guideline readiness, protocol eligibility, medication safety, access
//! pathway) are versioned data evaluated by `catalyst-screening`; these records keep what was
//! entered, what the rules decided, what the investigator confirmed, and what the participant
//! consented to.

use catalyst_core::string_enum;
use catalyst_core::record::{Column, Record, TableSpec};
use catalyst_core::time::Timestamp;
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
    /// eligible, eligible_after_washout, ineligible or needs_review.
    pub rules_decision: String,
    pub eligible_from: Option<String>,
    /// The full evaluation as JSON (the `catalyst screen` output format).
    pub evaluation: String,
    /// Site-local date the rules were applied on.
    pub as_of: String,
    pub evaluated_at: Timestamp,
    pub entered_by: String,
    pub status: ScreeningStatus,
    /// The decision that stands once an investigator has signed.
    pub final_decision: Option<String>,
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
            && match self.final_decision.as_deref() {
                Some("eligible") => true,
                // Without the washout's end date nobody could tell when treatment may start.
                Some("eligible_after_washout") => self.eligible_from.is_some(),
                _ => false,
            }
    }

    /// The day the washout ends (`YYYY-MM-DD`), when the signed decision is "eligible after
    /// washout": no baseline or session may be on an earlier day.
    pub fn washout_ends_on(&self) -> Option<&str> {
        match (self.status, self.final_decision.as_deref()) {
            (ScreeningStatus::Draft, _) => None,
            (_, Some("eligible_after_washout")) => self.eligible_from.as_deref(),
            _ => None,
        }
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
pub fn check_after_washout(field: &str, date: &str, washout_ends_on: Option<&str>) -> Result<(), catalyst_core::Violation> {
    match washout_ends_on {
        Some(end) if date < end => Err(catalyst_core::Violation::new(
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
    /// JSON array of the parts that must be granted before enrolment.
    pub required_parts: String,
    /// `yes` or `no`: whether a witness must co-sign.
    pub witness_required: String,
    pub published_at: Timestamp,
}

impl Record for ConsentDocument {
    const SPEC: &'static TableSpec = &CONSENT_DOCUMENTS;
    fn id(&self) -> &str {
        &self.id
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
    /// JSON object: part -> `granted`, `declined` or `withdrawn`.
    pub parts: String,
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
    /// The state of one part: `granted`, `declined`, `withdrawn`, or `not asked`.
    pub fn part(&self, part: ConsentPart) -> String {
        serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(&self.parts)
            .ok()
            .and_then(|m| m.get(part.as_str()).and_then(|v| v.as_str().map(str::to_owned)))
            .unwrap_or_else(|| "not asked".to_owned())
    }
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
