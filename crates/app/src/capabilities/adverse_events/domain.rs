//! Adverse events as stored: each event's current revision (the pure `catalyst-safety` crate's
//! `AdverseEvent`, as JSON text) with its site and participant; the solicited checklists; the
//! serious-event reports marked sent. Corrections update the event row with a reason, so the
//! ledger keeps every revision (before and after); nothing is deleted. The pure rules the
//! application adds: which pathway a site's authorisations put it on, the facts an event's
//! clocks are computed from, and what a correction takes beyond recording.

use crate::capabilities::authorisations::domain::AuthorisationKind;
use catalyst_core::error::Violation;
use catalyst_core::policy::Action;
use catalyst_core::record::{Column, Record, Redaction, TableSpec, json_text};
use catalyst_core::time::{TimeZoneName, Timestamp};
use catalyst_safety::{
    AdverseEvent, CheckPoints, Checklist, ClockError, EventInput, Pathway, ReferenceSafety, Review, SaeFacts,
    SafetyReportingRules, SelfReport, StartEvent, Submission, TermList,
};
use serde::{Deserialize, Serialize};

pub static ADVERSE_EVENTS: TableSpec = TableSpec {
    kind: "adverse_event",
    table: "adverse_events",
    redaction: Redaction::Clinical,
    columns: &[
        Column::text("id"),
        Column::text("site_id"),
        Column::text("participant_id"),
        Column::optional_text("session_id"),
        Column::integer("revision"),
        Column::text("event"),
        Column::integer("recorded_at"),
    ],
};

/// An adverse event's current revision. Earlier revisions are the ledger's `before` values of
/// each correction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdverseEventRecord {
    pub id: String,
    pub site_id: String,
    pub participant_id: String,
    /// The dosing session (appointment) the event follows, if any.
    pub session_id: Option<String>,
    pub revision: i64,
    #[serde(with = "json_text")]
    pub event: AdverseEvent,
    pub recorded_at: Timestamp,
}

impl Record for AdverseEventRecord {
    const SPEC: &'static TableSpec = &ADVERSE_EVENTS;
    fn id(&self) -> &str {
        &self.id
    }
}

impl AdverseEventRecord {
    /// The row of a revision the pure crate made, at the participant's site.
    pub fn of(site_id: &str, event: AdverseEvent) -> Self {
        AdverseEventRecord {
            id: event.id.clone(),
            site_id: site_id.to_owned(),
            participant_id: event.details.participant_id.clone(),
            session_id: event.details.session_id.clone(),
            revision: i64::from(event.revision),
            recorded_at: event.recorded_at,
            event,
        }
    }
}

pub static AE_CHECKLISTS: TableSpec = TableSpec {
    kind: "ae_checklist",
    table: "ae_checklists",
    redaction: Redaction::Clinical,
    columns: &[
        Column::text("id"),
        Column::text("site_id"),
        Column::text("participant_id"),
        Column::text("session_id"),
        Column::text("point"),
        Column::text("clinician_id"),
        Column::text("checklist"),
        Column::integer("recorded_at"),
    ],
};

/// A solicited checklist answered at one point of one dosing session, term by term.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SolicitedChecklist {
    pub id: String,
    pub site_id: String,
    pub participant_id: String,
    pub session_id: String,
    pub point: String,
    pub clinician_id: String,
    #[serde(with = "json_text")]
    pub checklist: Checklist,
    pub recorded_at: Timestamp,
}

impl Record for SolicitedChecklist {
    const SPEC: &'static TableSpec = &AE_CHECKLISTS;
    fn id(&self) -> &str {
        &self.id
    }
}

impl SolicitedChecklist {
    pub fn of(id: String, site_id: &str, checklist: Checklist) -> Self {
        SolicitedChecklist {
            id,
            site_id: site_id.to_owned(),
            participant_id: checklist.participant_id.clone(),
            session_id: checklist.session_id.clone(),
            point: checklist.point.clone(),
            clinician_id: checklist.clinician_id.clone(),
            recorded_at: checklist.recorded_at,
            checklist,
        }
    }
}

pub static SAE_SUBMISSIONS: TableSpec = TableSpec {
    kind: "sae_submission",
    table: "sae_submissions",
    redaction: Redaction::Clinical,
    columns: &[
        Column::text("id"),
        Column::text("site_id"),
        Column::text("participant_id"),
        Column::text("event_id"),
        Column::text("rule_id"),
        Column::text("recipient"),
        Column::text("reference"),
        Column::integer("sent_at"),
        Column::text("sent_by"),
        Column::integer("recorded_at"),
    ],
};

/// A serious event's report marked sent to its recipient: it stops the clock of its rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SaeSubmission {
    pub id: String,
    pub site_id: String,
    pub participant_id: String,
    pub event_id: String,
    /// The reporting rule whose clock it stops (e.g. `us_site_to_sponsor`).
    pub rule_id: String,
    pub recipient: String,
    /// The recipient's reference (a case number, an acknowledgement).
    pub reference: String,
    pub sent_at: Timestamp,
    pub sent_by: String,
    pub recorded_at: Timestamp,
}

impl Record for SaeSubmission {
    const SPEC: &'static TableSpec = &SAE_SUBMISSIONS;
    fn id(&self) -> &str {
        &self.id
    }
}

pub static AE_SELF_REPORTS: TableSpec = TableSpec {
    kind: "ae_self_report",
    table: "ae_self_reports",
    redaction: Redaction::Clinical,
    columns: &[
        Column::text("id"),
        Column::text("site_id"),
        Column::text("participant_id"),
        Column::text("report"),
        Column::integer("recorded_at"),
    ],
};

/// What a participant reported in the portal, as kept (never changed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SelfReportRecord {
    pub id: String,
    pub site_id: String,
    pub participant_id: String,
    #[serde(with = "json_text")]
    pub report: SelfReport,
    pub recorded_at: Timestamp,
}

impl Record for SelfReportRecord {
    const SPEC: &'static TableSpec = &AE_SELF_REPORTS;
    fn id(&self) -> &str {
        &self.id
    }
}

pub static AE_SELF_REPORT_REVIEWS: TableSpec = TableSpec {
    kind: "ae_self_report_review",
    table: "ae_self_report_reviews",
    redaction: Redaction::Clinical,
    columns: &[
        Column::text("id"),
        Column::text("site_id"),
        Column::text("participant_id"),
        Column::text("report_id"),
        Column::text("review"),
        Column::integer("recorded_at"),
    ],
};

/// A clinician's review of a participant's report (one per report, never changed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SelfReportReview {
    pub id: String,
    pub site_id: String,
    pub participant_id: String,
    pub report_id: String,
    #[serde(with = "json_text")]
    pub review: Review,
    pub recorded_at: Timestamp,
}

impl Record for SelfReportReview {
    const SPEC: &'static TableSpec = &AE_SELF_REPORT_REVIEWS;
    fn id(&self) -> &str {
        &self.id
    }
}

catalyst_core::participant_record!(
    AdverseEventRecord,
    SolicitedChecklist,
    SaeSubmission,
    SelfReportRecord,
    SelfReportReview
);

/// The built-in data every decision here is made against.
#[derive(Debug)]
pub struct SafetyData {
    pub terms: TermList,
    pub rsi: ReferenceSafety,
    pub points: CheckPoints,
    pub rules: SafetyReportingRules,
    pub calendars: catalyst_regulatory::Calendars,
}

impl SafetyData {
    pub fn builtin() -> Result<Self, String> {
        let terms = TermList::builtin().map_err(|e| e.to_string())?;
        let rsi = ReferenceSafety::builtin(&terms).map_err(|e| e.to_string())?;
        let points = CheckPoints::builtin().map_err(|e| e.to_string())?;
        let rules = SafetyReportingRules::builtin().map_err(|e| e.to_string())?;
        let calendars = catalyst_regulatory::Calendars::builtin().map_err(|e| e.to_string())?;
        Ok(SafetyData { terms, rsi, points, rules, calendars })
    }
}

/// The pathway a site's authorisations in force put it on: an IND makes it a sponsored trial;
/// otherwise a TGA Authorised Prescriber approval or a Special Access authorisation make it
/// that pathway (no sponsor); a site with none of these is a sponsored trial (in Australia a
/// trial under ethics approval, NHMRC 2016), whose rules run the most clocks.
pub fn pathway_of(kinds: &[AuthorisationKind]) -> Pathway {
    if kinds.contains(&AuthorisationKind::Ind) {
        Pathway::SponsoredTrial
    } else if kinds.contains(&AuthorisationKind::AuthorisedPrescriber) {
        Pathway::AuthorisedPrescriber
    } else if kinds.contains(&AuthorisationKind::SpecialAccess) {
        Pathway::SpecialAccess
    } else {
        Pathway::SponsoredTrial
    }
}

/// The facts an event's clocks run on: the event's current revision and the reports marked
/// sent for it. On a sponsored trial the sponsor first knows of the event when the site's
/// report to it (a rule that runs from the site's awareness) is marked sent: the regulator's
/// clocks start there (21 CFR 312.32: day 0 is the sponsor's first knowledge). Follow-up
/// information and urgent safety measures are not recorded yet, so their clocks never start.
pub fn sae_facts(
    event: &AdverseEvent,
    zone: &TimeZoneName,
    pathway: Pathway,
    rules: &SafetyReportingRules,
    sent: &[SaeSubmission],
) -> SaeFacts {
    let mut facts = SaeFacts::of(event, zone.clone());
    let mine: Vec<&SaeSubmission> = sent.iter().filter(|s| s.event_id == event.id).collect();
    facts.submissions = mine
        .iter()
        .map(|s| Submission {
            rule_id: s.rule_id.clone(),
            follow_up_id: None,
            submitted_at: s.sent_at,
            entered_at: s.recorded_at,
            reference: s.reference.clone(),
        })
        .collect();
    if pathway == Pathway::SponsoredTrial {
        let to_sponsor = |rule_id: &str| {
            rules.rules.iter().any(|r| r.id == rule_id && r.pathway == pathway && r.start == StartEvent::SiteAwareness)
        };
        facts.sponsor_first_knowledge_at = mine.iter().filter(|s| to_sponsor(&s.rule_id)).map(|s| s.sent_at).min();
    }
    facts
}

/// Why an event's clocks cannot be computed, in words for the worklist (never "no clocks").
pub fn clock_problem(error: &ClockError) -> String {
    format!("reporting clocks cannot be computed: {error}")
}

/// What recording an event takes beyond `RecordAdverseEvent`: an expectedness call is the
/// sponsor's, so it needs `AssessExpectedness`.
pub fn actions_to_record(input: &EventInput) -> Vec<Action> {
    let mut actions = vec![Action::RecordAdverseEvent];
    if input.expectedness.is_some() {
        actions.push(Action::AssessExpectedness);
    }
    actions
}

/// What a correction that changed `changed` (the pure crate's field names) takes: relatedness,
/// any seriousness criterion taken away, and when the site became aware (the reporting clocks
/// run from it) are the investigator's (`AssessAdverseEvent`); an expectedness call is the
/// sponsor's (`AssessExpectedness`), except that a new term drops the old call on its own;
/// everything else, and a criterion added (anyone who records events may make one serious:
/// under-reporting is the risk), is `RecordAdverseEvent`. Each action at most once, in that
/// order.
pub fn actions_to_correct(old: &EventInput, new: &EventInput, changed: &[String]) -> Vec<Action> {
    let mut actions = Vec::new();
    let mut need = |a: Action| {
        if !actions.contains(&a) {
            actions.push(a);
        }
    };
    let dropped_criterion = old.seriousness.ticked().iter().any(|c| !new.seriousness.ticked().contains(c));
    let renamed = old.term != new.term || old.other_term != new.other_term;
    for field in changed {
        match field.as_str() {
            "related_to_drug" | "related_to_therapy" | "site_aware_at" => need(Action::AssessAdverseEvent),
            "seriousness" | "serious" if dropped_criterion => need(Action::AssessAdverseEvent),
            "expectedness" if renamed && new.expectedness.is_none() => need(Action::RecordAdverseEvent),
            "expectedness" => need(Action::AssessExpectedness),
            _ => need(Action::RecordAdverseEvent),
        }
    }
    actions
}

/// An expectedness call names its assessor: the one who makes it.
pub fn check_assessor(old: &EventInput, new: &EventInput, actor: &str) -> Result<(), Violation> {
    match &new.expectedness {
        Some(e) if old.expectedness.as_ref() != Some(e) && e.assessed_by.trim() != actor => Err(Violation::new(
            "expectedness.assessed_by",
            "is_assessor",
            "an expectedness call names its assessor: the account making it",
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use catalyst_safety::{
        ActionTaken, Expected, ExpectednessInput, RecordFacts, Relatedness, ReportedBy, Seriousness, Severity, When,
        clocks_for, event_from,
    };

    fn data() -> SafetyData {
        SafetyData::builtin().unwrap()
    }

    fn input() -> EventInput {
        EventInput {
            participant_id: "p1".into(),
            term: "headache".into(),
            other_term: None,
            verbatim: "a bad headache".into(),
            reported_by: ReportedBy::Participant,
            onset: When::At(Timestamp(1_780_000_000_000_000)),
            end: None,
            severity: Severity::Moderate,
            grade: None,
            seriousness: Seriousness::default(),
            serious: false,
            related_to_drug: Relatedness::Possible,
            related_to_therapy: Relatedness::Unlikely,
            expectedness: None,
            action_taken: ActionTaken::DoseNotChanged,
            outcome: None,
            session_id: None,
            site_aware_at: Timestamp(1_780_000_100_000_000),
        }
    }

    fn serious_event(d: &SafetyData) -> AdverseEvent {
        let zone = TimeZoneName::parse("zone", "America/New_York").unwrap();
        let mut i = input();
        i.seriousness.hospitalisation = true;
        i.serious = true;
        let facts = RecordFacts { terms: &d.terms, rsi: &d.rsi, zone: &zone, now: Timestamp(1_780_001_000_000_000), actor: "u1" };
        event_from("e1", &i, &facts).unwrap()
    }

    fn sent(rule_id: &str, at: i64) -> SaeSubmission {
        SaeSubmission {
            id: format!("s-{rule_id}"),
            site_id: "s".into(),
            participant_id: "p1".into(),
            event_id: "e1".into(),
            rule_id: rule_id.into(),
            recipient: "x".into(),
            reference: "REF-1".into(),
            sent_at: Timestamp(at),
            sent_by: "u1".into(),
            recorded_at: Timestamp(at),
        }
    }

    #[test]
    fn the_pathway_follows_the_authorisations_in_force() {
        use AuthorisationKind::*;
        assert_eq!(pathway_of(&[Ind, DeaRegistration]), Pathway::SponsoredTrial);
        assert_eq!(pathway_of(&[HrecApproval, AuthorisedPrescriber]), Pathway::AuthorisedPrescriber);
        assert_eq!(pathway_of(&[SpecialAccess]), Pathway::SpecialAccess);
        assert_eq!(pathway_of(&[HrecApproval]), Pathway::SponsoredTrial);
        assert_eq!(pathway_of(&[]), Pathway::SponsoredTrial);
    }

    #[test]
    fn the_sponsor_knows_when_the_site_report_is_sent_which_starts_the_regulator_clocks() {
        let d = data();
        let zone = TimeZoneName::parse("zone", "America/New_York").unwrap();
        let event = serious_event(&d);
        let clocks = |sent: &[SaeSubmission]| {
            let facts = sae_facts(&event, &zone, Pathway::SponsoredTrial, &d.rules, sent);
            clocks_for(&facts, Pathway::SponsoredTrial, "US", &d.rules, &d.calendars).unwrap()
        };
        let before = clocks(&[]);
        let ind = before.iter().find(|c| c.rule_id == "us_ind_15_day").unwrap();
        assert_eq!((ind.start, ind.started_at), (StartEvent::SponsorFirstKnowledge, None));
        assert!(before.iter().any(|c| c.rule_id == "us_site_to_sponsor" && c.running()));
        let at = 1_780_002_000_000_000;
        let after = clocks(&[sent("us_site_to_sponsor", at)]);
        let ind = after.iter().find(|c| c.rule_id == "us_ind_15_day").unwrap();
        assert_eq!(ind.started_at, Some(Timestamp(at)));
        assert!(ind.running());
        assert!(!after.iter().find(|c| c.rule_id == "us_site_to_sponsor").unwrap().running());
        // Another event's report, or a regulator's report, is no sponsor knowledge of this one.
        let mut other = sent("us_site_to_sponsor", at);
        other.event_id = "e2".into();
        let facts = sae_facts(&event, &zone, Pathway::SponsoredTrial, &d.rules, &[other, sent("us_ind_15_day", at)]);
        assert_eq!(facts.sponsor_first_knowledge_at, None);
        // Without a sponsor there is no sponsor knowledge at all.
        let facts = sae_facts(&event, &zone, Pathway::AuthorisedPrescriber, &d.rules, &[sent("au_ap_tga", at)]);
        assert_eq!((facts.sponsor_first_knowledge_at, facts.submissions.len()), (None, 1));
    }

    #[test]
    fn a_correction_needs_the_assessor_of_what_it_changes() {
        let old = input();
        let mut new = old.clone();
        new.verbatim = "worse".into();
        assert_eq!(actions_to_correct(&old, &new, &["verbatim".into()]), [Action::RecordAdverseEvent]);
        new.related_to_drug = Relatedness::Probable;
        assert_eq!(
            actions_to_correct(&old, &new, &["verbatim".into(), "related_to_drug".into()]),
            [Action::RecordAdverseEvent, Action::AssessAdverseEvent]
        );
        // Adding a criterion is anyone's; taking one away is the investigator's.
        let mut serious = old.clone();
        serious.seriousness.hospitalisation = true;
        serious.serious = true;
        let fields = ["seriousness".to_string(), "serious".to_string()];
        assert_eq!(actions_to_correct(&old, &serious, &fields), [Action::RecordAdverseEvent]);
        assert_eq!(actions_to_correct(&serious, &old, &fields), [Action::AssessAdverseEvent]);
        let mut assessed = old.clone();
        assessed.expectedness = Some(ExpectednessInput {
            assessment: Expected::Unexpected,
            rsi_version: 1,
            assessed_by: "monitor".into(),
            assessed_at: Timestamp(1),
        });
        assert_eq!(actions_to_correct(&old, &assessed, &["expectedness".into()]), [Action::AssessExpectedness]);
        // A new term drops the call by itself; taking a call away otherwise is the sponsor's.
        let mut renamed = old.clone();
        renamed.term = "nausea".into();
        let fields = ["term".to_string(), "expectedness".to_string()];
        assert_eq!(actions_to_correct(&assessed, &renamed, &fields), [Action::RecordAdverseEvent]);
        assert_eq!(actions_to_correct(&assessed, &old, &["expectedness".into()]), [Action::AssessExpectedness]);
        // Moving the site's awareness moves the clocks: the investigator's.
        assert_eq!(actions_to_correct(&old, &old, &["site_aware_at".into()]), [Action::AssessAdverseEvent]);
        assert!(check_assessor(&old, &assessed, "monitor").is_ok());
        assert_eq!(check_assessor(&old, &assessed, "someone").unwrap_err().rule, "is_assessor");
        // An unchanged call may stay with its assessor.
        assert!(check_assessor(&assessed, &assessed, "someone").is_ok());
        assert_eq!(actions_to_record(&old), [Action::RecordAdverseEvent]);
        assert_eq!(actions_to_record(&assessed), [Action::RecordAdverseEvent, Action::AssessExpectedness]);
    }
}
