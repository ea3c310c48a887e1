//! Solicited checklists: at each fixed point of a dosing session a named clinician answers
//! every solicited term (present, absent, not asked; one "none" is refused by `checklist_from`),
//! and a check whose time has passed without one is a gap (`missing_checks`).

use super::{Shown, safety_data};
use crate::App;
use crate::capabilities::adverse_events::domain::SolicitedChecklist;
use crate::capabilities::adverse_events::queries::At;
use crate::capabilities::adverse_events::interface::{open_events_in, solicited_check_done_in};
use crate::capabilities::people::domain::Site;
use crate::capabilities::treatment::domain::AppointmentStatus;
use crate::capabilities::treatment::interface::dosing_appointment_in;
use crate::platform::error::{AppError, AppResult};
use catalyst_core::DomainError;
use catalyst_core::error::Violation;
use catalyst_core::policy::{Action, Actor, Resource};
use catalyst_safety::{Answers, ChecklistInput, Gap, Reply, SessionTimes, checklist_from, missing_checks};
use std::collections::BTreeMap;

/// How far back held dosing sessions are checked for missing checklists, in days.
pub const GAP_LOOKBACK_DAYS: i64 = 366;

/// A checklist as the clinician enters it.
#[derive(Debug, Clone)]
pub struct ChecklistRequest {
    /// The dosing session (appointment).
    pub session_id: String,
    /// The checkpoint, e.g. `during_session`.
    pub point: String,
    pub answers: Answers,
    pub questions: BTreeMap<String, Reply>,
}

/// A checklist recorded, with the terms answered present that have no open event after the
/// session yet (to record as events).
#[derive(Debug, Clone)]
pub struct RecordedChecklist {
    pub record: SolicitedChecklist,
    pub to_record: Vec<String>,
}

impl App {
    /// Records a solicited checklist for one of the participant's dosing sessions at a
    /// checkpoint, as the signed-in clinician. Refused (422) naming each field and rule: a
    /// blanket answer, a term unanswered, a session not the participant's or not begun; 409 if
    /// the point was already checked for the session.
    pub async fn record_checklist(
        &self,
        actor: &Actor,
        participant_id: &str,
        request: ChecklistRequest,
    ) -> AppResult<RecordedChecklist> {
        let participant = self.participant_for(actor, Action::RecordAdverseEvent, participant_id).await?;
        let data = safety_data()?;
        let Some(point) = data.points.get(request.point.trim()) else {
            let ids: Vec<&str> = data.points.points.iter().map(|p| p.id.as_str()).collect();
            return Err(DomainError::Invalid(vec![Violation::one_of("point", &request.point, &ids)]).into());
        };
        let site = self.site(&participant.site_id).await?;
        let now = self.now();
        let chain = Self::site_chain_ref(&site);
        let mut tx = self.begin(Self::audit_actor(actor), std::slice::from_ref(&chain)).await?;
        let session_id = request.session_id.trim();
        let mut problems = Vec::new();
        match dosing_appointment_in(&mut tx, &site, session_id).await? {
            Err(v) => problems.push(Violation::new("session_id", v.rule, v.message)),
            Ok(a) if a.participant_id != participant.id => {
                problems.push(Violation::new("session_id", "of_participant", "the dosing session is another participant's"))
            }
            Ok(a) if a.starts_at > now => {
                problems.push(Violation::new("session_id", "not_started", "the dosing session has not begun"))
            }
            Ok(_) => {}
        }
        let input = ChecklistInput {
            session_id: session_id.to_owned(),
            participant_id: participant.id.clone(),
            clinician_id: actor.user_id.clone(),
            recorded_at: now,
            answers: request.answers,
            questions: request.questions,
        };
        let checklist = checklist_from(&input, &data.terms, point).map_err(|v| problems.extend(v)).ok();
        let Some(checklist) = checklist.filter(|_| problems.is_empty()) else {
            return Err(DomainError::Invalid(problems).into());
        };
        if solicited_check_done_in(&mut tx, session_id, &point.id).await? {
            return Err(DomainError::Conflict(format!("{} was already checked for this session", point.label)).into());
        }
        let open = open_events_in(&mut tx, &participant.id).await?;
        let to_record = checklist
            .present()
            .into_iter()
            .filter(|term| !open.iter().any(|e| e.term == *term && e.session_id.as_deref() == Some(session_id)))
            .map(str::to_owned)
            .collect();
        let record = SolicitedChecklist::of(self.new_id(), &site.id, checklist);
        tx.insert(&chain.chain, "ae_checklist.record", &record).await?;
        tx.commit().await?;
        Ok(RecordedChecklist { record, to_record })
    }

    /// A participant's solicited checklists, oldest first, and any that cannot be shown.
    pub async fn checklists(&self, actor: &Actor, participant_id: &str) -> AppResult<Shown<SolicitedChecklist>> {
        let participant = self.participant_for(actor, Action::ViewAdverseEvents, participant_id).await?;
        let chain = Self::site_chain_ref(&self.site(&participant.site_id).await?).chain;
        let at = At { chain: &chain, site_id: &participant.site_id };
        Ok(self.store.ae_checklists_of(at, participant_id).await?.into())
    }

    /// The site's missing solicited checks: each check of a held dosing session whose due
    /// time has passed without its checklist, oldest due first. A checklist that cannot be
    /// trusted counts as missing, and is named.
    pub async fn checklist_gaps(&self, actor: &Actor, site_id: &str) -> AppResult<Shown<Gap>> {
        self.authorize(actor, Action::ViewAdverseEvents, Resource::Site { site_id }).await?;
        let site = self.site(site_id).await?;
        self.gaps_at(&site).await
    }

    /// The participant's held dosing sessions, as (appointment id, label), for the forms.
    pub(crate) async fn participant_dosing_sessions(&self, site: &Site, participant_id: &str) -> AppResult<Vec<(String, String)>> {
        let today = self.local_today(site);
        let from = today.checked_sub(jiff::Span::new().days(GAP_LOOKBACK_DAYS)).map_err(|e| AppError::Internal(e.to_string()))?;
        Ok(self
            .dosing_sessions(site, AppointmentStatus::Attended, from, today)
            .await?
            .into_iter()
            .filter(|s| s.participant_id == participant_id)
            .map(|s| (s.appointment_id, format!("{} on {}", s.visit_id, s.day)))
            .collect())
    }

    pub(super) async fn gaps_at(&self, site: &Site) -> AppResult<Shown<Gap>> {
        let data = safety_data()?;
        let now = self.now();
        let today = self.local_today(site);
        let from = today.checked_sub(jiff::Span::new().days(GAP_LOOKBACK_DAYS)).map_err(|e| AppError::Internal(e.to_string()))?;
        let sessions: Vec<SessionTimes> = self
            .dosing_sessions(site, AppointmentStatus::Attended, from, today)
            .await?
            .into_iter()
            .map(|s| SessionTimes {
                session_id: s.appointment_id,
                participant_id: s.participant_id,
                started_at: s.starts_at,
                ended_at: (s.ends_at <= now).then_some(s.ends_at),
            })
            .collect();
        let read = self.store.ae_checklists_at_site(&Self::site_chain_ref(site).chain, &site.id).await?;
        let integrity = read.problems();
        let recorded: Vec<_> = read.rows.into_iter().map(|c| c.checklist).collect();
        Ok(Shown { items: missing_checks(&data.points, &sessions, &recorded, now), integrity })
    }
}
