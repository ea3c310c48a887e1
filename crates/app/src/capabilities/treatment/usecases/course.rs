//! The participant's course: the dated schedule with what happened to each visit, and what
//! other views ask of it (dosing dates, questionnaires due, visits to come).

use crate::App;
use crate::capabilities::people::domain::Site;
use crate::capabilities::treatment::domain::deviations::InstrumentGiven;
use crate::capabilities::treatment::domain::{
    Appointment, AppointmentStatus, Enrolment, TimelineVisit, VisitKind, date,
};
use crate::platform::error::{AppError, AppResult};
use catalyst_core::policy::{Action, Actor, Resource};
use catalyst_protocol::{VisitStatus, schedule};
use jiff::civil::Date;
use std::collections::BTreeMap;

use super::{DEFAULT_START, jiff_ts, zone_of};

#[derive(Debug, Clone, serde::Serialize)]
pub struct Timeline {
    pub participant_id: String,
    pub participant_code: String,
    pub enrolment: Enrolment,
    pub protocol_title: String,
    pub visits: Vec<TimelineVisit>,
}

impl App {
    /// The participant's course: every visit with its window, booking and status today.
    pub async fn timeline(&self, actor: &Actor, participant_id: &str) -> AppResult<Option<Timeline>> {
        let participant = self.participant_for(actor, Action::ViewSchedule, participant_id).await?;
        let Some(enrolment) = self.store.get::<Enrolment>(participant_id).await? else {
            return Ok(None);
        };
        let site = self.site(&participant.site_id).await?;
        let (visits, _) = self.course(&site, &enrolment).await?;
        let protocol = self.protocol_of(&enrolment)?;
        Ok(Some(Timeline {
            participant_id: participant.id,
            participant_code: participant.code,
            protocol_title: format!("{} (v{})", protocol.title(), protocol.version()),
            enrolment,
            visits,
        }))
    }

    /// Schedule and appointments of an enrolment, anchored on what actually happened.
    pub(super) async fn course(
        &self,
        site: &Site,
        enrolment: &Enrolment,
    ) -> AppResult<(Vec<TimelineVisit>, Vec<Appointment>)> {
        let protocol = self.protocol_of(enrolment)?;
        let zone = zone_of(site);
        let appointments = self.store.appointments_for(&enrolment.participant_id).await?;
        let mut actual = BTreeMap::new();
        for a in appointments.iter().filter(|a| a.status == AppointmentStatus::Attended) {
            actual.insert(a.visit_id.clone(), jiff_ts(a.starts_at)?.to_zoned(zone.clone()).date());
        }
        let baseline = date("baseline_on", &enrolment.baseline_on).map_err(|v| AppError::Internal(v.message))?;
        let scheduled = schedule(protocol, baseline, &zone, DEFAULT_START, &actual)
            .map_err(|e| AppError::Internal(e.to_string()))?;
        let today = self.local_today(site);
        let visits = scheduled
            .into_iter()
            .map(|visit| {
                let appointment = appointments
                    .iter()
                    .filter(|a| a.visit_id == visit.id && a.status != AppointmentStatus::Cancelled)
                    .max_by_key(|a| a.starts_at)
                    .cloned();
                let status = visit.status(today, actual.get(&visit.id).copied());
                TimelineVisit { visit, appointment, status }
            })
            .collect();
        Ok((visits, appointments))
    }

    /// The instruments given to a participant, as the course's decisions read them.
    pub(super) async fn instruments_given(&self, participant_id: &str) -> AppResult<Vec<InstrumentGiven>> {
        Ok(self
            .assessments_given(participant_id)
            .await?
            .into_iter()
            .map(|a| InstrumentGiven { instrument: a.instrument.as_str().to_owned(), administered_on: a.administered_on })
            .collect())
    }

    /// A participant's booked visits still to come (for their portal).
    pub async fn upcoming_visits(&self, actor: &Actor, participant_id: &str) -> AppResult<Vec<Appointment>> {
        self.participant_for(actor, Action::ViewSchedule, participant_id).await?;
        let now = self.now();
        Ok(self
            .store
            .appointments_for(participant_id)
            .await?
            .into_iter()
            .filter(|a| a.status == AppointmentStatus::Booked && a.ends_at > now)
            .collect())
    }

    /// Dates of a participant's experimental (dosing) sessions, for marking charts; empty for
    /// anyone who may not see the schedule (a blinded rater).
    pub async fn dosing_dates(&self, actor: &Actor, participant_id: &str) -> AppResult<Vec<(Date, String)>> {
        let participant = self.participant(participant_id).await?;
        if !Self::may(
            actor,
            Action::ViewSchedule,
            Resource::Participant { site_id: &participant.site_id, participant_id },
        ) {
            return Ok(Vec::new());
        }
        let zone = zone_of(&self.site(&participant.site_id).await?);
        let mut out = Vec::new();
        for a in self.store.appointments_for(participant_id).await? {
            if a.visit_kind == VisitKind::Experimental && a.status == AppointmentStatus::Attended {
                out.push((jiff_ts(a.starts_at)?.to_zoned(zone.clone()).date(), a.visit_id.clone()));
            }
        }
        Ok(out)
    }

    /// Self-report questionnaires the participant's visits due today ask for and that have not
    /// been filled in within the visit's window.
    pub async fn questionnaires_due(&self, actor: &Actor, participant_id: &str) -> AppResult<Vec<(String, Date)>> {
        let Some(timeline) = self.timeline(actor, participant_id).await? else { return Ok(Vec::new()) };
        let given = self.instruments_given(participant_id).await?;
        let mut due = Vec::new();
        for v in timeline.visits.iter().filter(|v| v.status == VisitStatus::Due) {
            for instrument in &v.visit.visit_type.instruments {
                let self_report = matches!(instrument.as_str(), "pcl5" | "sds" | "phq9");
                let done = given.iter().any(|a| &a.instrument == instrument && a.counts_for(&v.visit));
                if self_report && !done && !due.iter().any(|(i, _)| i == instrument) {
                    due.push((instrument.clone(), v.visit.window_end));
                }
            }
        }
        Ok(due)
    }
}
