//! Outcome measurement: recording assessments under the right hands, scoring them by the
//! version they pin, raising safety alerts, and showing scores and endpoints to those allowed.

use catalyst_core::policy::OutcomeClass;
use crate::App;
use crate::platform::error::{AppError, AppResult};
use catalyst_core::DomainError;
use catalyst_core::error::Violation;
use crate::capabilities::outcomes::domain::{
    Assessment, AssessmentVoid, CourseDates, Recording, RecordingMode, SafetyAlert, Timepoint, assessment_records,
    check_assessment, check_one_checkin_a_day, outcome_class, read_answers,
};
use crate::capabilities::people::domain::{Participant, Site};
use catalyst_core::policy::{Action, Actor, Resource, authorize};
use catalyst_core::settings::{ENDPOINT_DEFINITIONS, Setting};

use catalyst_instruments::{
    Assessment as EndpointInput, EndpointDefinitions, EndpointReport, InstrumentId, Instruments, Response,
    ScoreOptions, Scored, endpoints,
};
use serde_json::{Map, Value};
use std::sync::LazyLock;

static REGISTRY: LazyLock<Result<Instruments, String>> =
    LazyLock::new(|| Instruments::builtin().map_err(|e| e.to_string()));

/// The built-in instrument definitions (validated once, on first use).
pub fn registry() -> AppResult<&'static Instruments> {
    REGISTRY.as_ref().map_err(|e| AppError::Internal(format!("instrument definitions are invalid: {e}")))
}

/// A response as submitted: plain JSON values per item.
#[derive(Debug, Clone)]
pub struct AssessmentInput {
    pub instrument: String,
    /// Defaults to the newest version of the instrument.
    pub version: Option<String>,
    pub timepoint: String,
    /// `YYYY-MM-DD`, the local date at the site.
    pub administered_on: String,
    pub answers: Map<String, Value>,
}

/// A stored assessment with its score, computed by the version it pins.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ScoredAssessment {
    pub assessment: Assessment,
    pub scored: Scored,
}

/// What a person may see of a participant's outcomes.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Outcomes {
    pub participant_id: String,
    /// The pseudonymous code only: no treatment details, since raters see this too.
    pub participant_code: String,
    pub assessments: Vec<ScoredAssessment>,
    /// Absent for a blinded rater, who sees the ratings only.
    pub endpoints: Option<EndpointReport>,
    pub definitions: EndpointDefinitions,
    /// True when only independent ratings are shown (a blinded rater).
    pub ratings_only: bool,
}

pub fn parse_instrument(field: &str, value: &str) -> Result<InstrumentId, Violation> {
    let names = ["caps5", "pcl5", "sds", "cssrs", "phq9", "daily_checkin"];
    serde_json::from_value(Value::String(value.trim().to_owned())).map_err(|_| Violation::one_of(field, value, &names))
}

impl App {
    /// Records a completed instrument for a participant. The server decides who may record it
    /// (CAPS-5: independent raters only), validates every answer, scores it, and raises any
    /// safety alert in the same transaction.
    pub async fn record_assessment(
        &self,
        actor: &Actor,
        participant_id: &str,
        input: &AssessmentInput,
    ) -> AppResult<(ScoredAssessment, Vec<SafetyAlert>)> {
        let instrument =
            parse_instrument("instrument", &input.instrument).map_err(|v| DomainError::Invalid(vec![v]))?;
        let class = outcome_class(instrument);
        let participant = self.participant_or_missing(actor, Action::RecordOutcome(class), participant_id).await?;
        let resource = Resource::Participant { site_id: &participant.site_id, participant_id };
        self.authorize(actor, Action::RecordOutcome(class), resource).await?;
        let mode = match class {
            _ if actor.own_participants.iter().any(|p| p == participant_id) => RecordingMode::SelfReport,
            OutcomeClass::IndependentRating => RecordingMode::IndependentRater,
            OutcomeClass::SelfReport => RecordingMode::StaffOnBehalf,
            OutcomeClass::SafetyScreen => RecordingMode::Clinician,
        };
        let site = self.site(&participant.site_id).await?;
        let course = self.course_dates(&participant, &site).await?;
        self.store_assessment(
            Self::audit_actor(actor),
            &actor.user_id,
            mode,
            &participant,
            instrument,
            input,
            Some(&course),
        )
        .await
    }

    /// The dates of the participant's course that timepoints are checked against.
    async fn course_dates(&self, participant: &Participant, site: &Site) -> AppResult<CourseDates> {
        let zone = jiff::tz::TimeZone::get(site.time_zone.as_str()).unwrap_or(jiff::tz::TimeZone::UTC);
        let local_day = |t: catalyst_core::time::Timestamp| {
            jiff::Timestamp::from_microsecond(t.micros())
                .map(|t| t.to_zoned(zone.clone()).date())
                .map_err(|e| AppError::Internal(e.to_string()))
        };
        let anchors = self.course_anchors(&participant.id).await?;
        let baseline_on = match anchors.baseline_on {
            Some(on) => Some(
                on.parse::<jiff::civil::Date>()
                    .map_err(|e| AppError::Internal(format!("stored baseline unreadable: {e}")))?,
            ),
            None => None,
        };
        let mut sessions = Vec::new();
        for starts_at in anchors.attended_dosing_starts {
            sessions.push(local_day(starts_at)?);
        }
        sessions.sort();
        Ok(CourseDates { registered_on: local_day(participant.created_at)?, baseline_on, sessions })
    }

    /// Sets a mistaken assessment aside, with the reason (those who may record the instrument
    /// may void it). It stays in the record and the ledger, and any alert it raised stays; it no
    /// longer counts. A correction is a void and a new recording.
    pub async fn void_assessment(&self, actor: &Actor, assessment_id: &str, reason: &str) -> AppResult<AssessmentVoid> {
        let assessment: Assessment =
            self.store.get(assessment_id).await?.ok_or_else(|| DomainError::not_found("assessment", assessment_id))?;
        let resource =
            Resource::Participant { site_id: &assessment.site_id, participant_id: &assessment.participant_id };
        self.authorize(actor, Action::RecordOutcome(outcome_class(assessment.instrument)), resource).await?;
        let reason = crate::platform::error::reason_from("reason", reason)?;
        let void = AssessmentVoid {
            id: assessment.id.clone(),
            participant_id: assessment.participant_id.clone(),
            site_id: assessment.site_id.clone(),
            reason,
            voided_by: actor.user_id.clone(),
            voided_at: self.now(),
        };
        let (_, chain) = self.chain_for_site(&assessment.site_id).await?;
        let mut tx = self.begin(Self::audit_actor(actor), std::slice::from_ref(&chain)).await?;
        if tx.get::<AssessmentVoid>(&void.id).await?.is_some() {
            return Err(DomainError::Conflict("this assessment was already voided".into()).into());
        }
        tx.insert(&chain.chain, "assessment.void", &void).await?;
        tx.commit().await?;
        Ok(void)
    }

    /// Validates, scores and stores an assessment whose recorder has been authorised.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn store_assessment(
        &self,
        by: catalyst_core::ledger::AuditActor,
        recorded_by: &str,
        mode: RecordingMode,
        participant: &Participant,
        instrument: InstrumentId,
        input: &AssessmentInput,
        course: Option<&CourseDates>,
    ) -> AppResult<(ScoredAssessment, Vec<SafetyAlert>)> {
        let registry = registry()?;
        let definition = match &input.version {
            Some(version) => registry.get(instrument, version).ok_or_else(|| {
                DomainError::invalid("version", "known_version", format!("{instrument} has no version {version:?}"))
            })?,
            None => registry
                .latest(instrument)
                .ok_or_else(|| AppError::Internal(format!("no definition of {instrument}")))?,
        };
        let site = self.site(&participant.site_id).await?;
        let today = self.local_today(&site);
        let checked =
            check_assessment(definition, &input.timepoint, &input.administered_on, &input.answers, today, course)
                .map_err(DomainError::Invalid)?;
        let recording =
            Recording { participant_id: &participant.id, site_id: &participant.site_id, recorded_by, mode };
        let (assessment, alerts) = assessment_records(&checked, &recording, || self.new_id(), self.now());
        let chain = Self::site_chain_ref(&site);
        let mut tx = self.begin(by, std::slice::from_ref(&chain)).await?;
        if instrument == InstrumentId::DailyCheckin {
            let same_day =
                tx.standing_assessments_on(&participant.id, instrument.as_str(), &assessment.administered_on).await?;
            check_one_checkin_a_day(&assessment, &same_day)?;
        }
        tx.insert(&chain.chain, &format!("assessment.record:{instrument}"), &assessment).await?;
        for alert in &alerts {
            tx.insert(&chain.chain, "safety_alert.raise", alert).await?;
        }
        tx.commit().await?;
        Ok((ScoredAssessment { assessment, scored: checked.scored }, alerts))
    }

    /// A participant's outcomes as the actor may see them: everything for their clinicians,
    /// monitors and the participant; the independent ratings alone for a blinded rater.
    pub async fn outcomes(&self, actor: &Actor, participant_id: &str) -> AppResult<Outcomes> {
        let participant = self.participant_or_missing(actor, Action::ViewRatings, participant_id).await?;
        let resource = Resource::Participant { site_id: &participant.site_id, participant_id };
        let ratings_only = authorize(actor, Action::ViewOutcomes, resource).is_err();
        let action = if ratings_only { Action::ViewRatings } else { Action::ViewOutcomes };
        self.authorize(actor, action, resource).await?;
        let registry = registry()?;
        let mut assessments = Vec::new();
        for assessment in self.store.assessments_for(participant_id).await? {
            if ratings_only && outcome_class(assessment.instrument) != OutcomeClass::IndependentRating {
                continue;
            }
            let scored = rescore(registry, &assessment)?;
            assessments.push(ScoredAssessment { assessment, scored });
        }
        let definitions = self.endpoint_definitions().await?;
        let endpoints = (!ratings_only).then(|| {
            let inputs: Vec<EndpointInput> = assessments
                .iter()
                .filter(|a| a.assessment.timepoint != Timepoint::Daily)
                .map(|a| EndpointInput {
                    label: format!("{} {}", a.assessment.administered_on, a.assessment.timepoint.label()),
                    score: a.scored.score.clone(),
                })
                .collect();
            endpoints(&inputs, &definitions)
        });
        Ok(Outcomes {
            participant_id: participant.id,
            participant_code: participant.code,
            assessments,
            endpoints,
            definitions,
            ratings_only,
        })
    }

    /// One instrument's assessments of a participant. Independent ratings need ViewRatings;
    /// anything else needs ViewOutcomes (so a blinded rater is refused, and the refusal recorded).
    pub async fn instrument_history(
        &self,
        actor: &Actor,
        participant_id: &str,
        instrument: InstrumentId,
    ) -> AppResult<(String, Vec<ScoredAssessment>)> {
        let action = match outcome_class(instrument) {
            OutcomeClass::IndependentRating => Action::ViewRatings,
            _ => Action::ViewOutcomes,
        };
        let participant = self.participant_or_missing(actor, action, participant_id).await?;
        let resource = Resource::Participant { site_id: &participant.site_id, participant_id };
        self.authorize(actor, action, resource).await?;
        let registry = registry()?;
        let mut rows = Vec::new();
        for assessment in self.store.assessments_for(participant_id).await? {
            if assessment.instrument == instrument {
                let scored = rescore(registry, &assessment)?;
                rows.push(ScoredAssessment { assessment, scored });
            }
        }
        Ok((participant.code, rows))
    }

    pub async fn endpoint_definitions(&self) -> AppResult<EndpointDefinitions> {
        match self.store.get::<Setting>(ENDPOINT_DEFINITIONS).await? {
            Some(setting) => serde_json::from_str(&setting.value)
                .map_err(|e| AppError::Internal(format!("stored endpoint definitions are unreadable: {e}"))),
            None => Ok(EndpointDefinitions::default()),
        }
    }

    /// Changes the endpoint definitions for the programme (administrators, with a reason).
    pub async fn set_endpoint_definitions(
        &self,
        actor: &Actor,
        definitions: &EndpointDefinitions,
        reason: &str,
    ) -> AppResult<()> {
        self.authorize(actor, Action::ManageSettings, Resource::System).await?;
        let reason = crate::platform::error::reason_from("reason", reason)?;
        let setting = Setting {
            id: ENDPOINT_DEFINITIONS.to_owned(),
            value: serde_json::to_string(definitions).map_err(|e| AppError::Internal(e.to_string()))?,
            updated_at: self.now(),
        };
        let system = Self::system_chain_ref();
        let mut tx = self.begin(Self::audit_actor(actor), std::slice::from_ref(&system)).await?;
        if tx.get::<Setting>(ENDPOINT_DEFINITIONS).await?.is_some() {
            tx.update(&system.chain, "settings.update", &setting, &reason).await?;
        } else {
            // The defaults were in force until now; the first change still needs its reason,
            // checked above.
            tx.insert(&system.chain, "settings.update", &setting).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Open safety alerts at every site where the actor acknowledges alerts, with the
    /// participant's code.
    pub async fn open_alerts(&self, actor: &Actor) -> AppResult<Vec<(SafetyAlert, Participant, Site)>> {
        let mut out = Vec::new();
        for site in self.all_sites().await? {
            let may = |participant_id: &str| {
                authorize(actor, Action::AcknowledgeAlert, Resource::Participant { site_id: &site.id, participant_id })
                    .is_ok()
            };
            if !may("") {
                continue;
            }
            for alert in self.store.open_alerts(&site.id).await? {
                if let Some(p) = self.participant_by_id(&alert.participant_id).await? {
                    out.push((alert, p, site.clone()));
                }
            }
        }
        Ok(out)
    }

    /// A clinician records what was done about an alert; it then leaves the dashboards.
    pub async fn acknowledge_alert(&self, actor: &Actor, alert_id: &str, note: &str) -> AppResult<SafetyAlert> {
        let alert: SafetyAlert = self.load_for(actor, Action::AcknowledgeAlert, alert_id).await?;
        if alert.acknowledged_at.is_some() {
            return Err(DomainError::Conflict("this alert was already acknowledged".to_owned()).into());
        }
        let note = crate::platform::error::reason_from("note", note)?;
        let site = self.site(&alert.site_id).await?;
        let chain = Self::site_chain_ref(&site);
        let before = alert.clone();
        let acknowledged = SafetyAlert {
            acknowledged_by: Some(actor.user_id.clone()),
            acknowledged_at: Some(self.now()),
            acknowledgement: Some(note.clone()),
            ..alert
        };
        let mut tx = self.begin(Self::audit_actor(actor), std::slice::from_ref(&chain)).await?;
        tx.update_from(&chain.chain, "safety_alert.acknowledge", &before, &acknowledged, &note).await?;
        tx.commit().await?;
        Ok(acknowledged)
    }
}

/// Scores a stored assessment again, with the definition version it pinned.
fn rescore(registry: &Instruments, assessment: &Assessment) -> AppResult<Scored> {
    let definition = registry.get(assessment.instrument, &assessment.version).ok_or_else(|| {
        AppError::Internal(format!("{} version {} is not available", assessment.instrument, assessment.version))
    })?;
    let plain: Map<String, Value> = serde_json::from_str(&assessment.answers)
        .map_err(|e| AppError::Internal(format!("stored answers unreadable: {e}")))?;
    let (answers, unreadable) = read_answers(definition, &plain);
    if !unreadable.is_empty() {
        return Err(AppError::Internal(format!("stored answers of {} no longer read", assessment.id)));
    }
    let response = Response { instrument: assessment.instrument, version: assessment.version.clone(), answers };
    definition
        .score(&response, &ScoreOptions::default())
        .map_err(|e| AppError::Internal(format!("stored assessment {} does not score: {e}", assessment.id)))
}
