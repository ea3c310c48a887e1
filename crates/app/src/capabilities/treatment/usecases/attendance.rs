//! Attendance and deviations: whether a booked visit took place, the scan for departures
//! nobody has recorded, deviations reported by staff, their resolution and the site's log.

use crate::App;
use crate::capabilities::people::domain::Site;
use crate::capabilities::treatment::domain::deviations::{deviation_from_draft, missed_visit, unrecorded_deviations};
use crate::capabilities::treatment::domain::{
    Appointment, AppointmentStatus, Deviation, DeviationKind, DeviationSeverity, DeviationSource, check_attendance,
};
use crate::platform::error::{AppError, AppResult};
use catalyst_core::DomainError;
use catalyst_core::error::required_text;
use catalyst_core::ledger::AuditActor;
use catalyst_core::policy::{Action, Actor, Resource};
use catalyst_protocol::ScheduledVisit;
use std::collections::HashMap;

use super::zone_of;

impl App {
    /// Records whether a booked visit took place. A missed visit is a deviation.
    pub async fn record_attendance(
        &self,
        actor: &Actor,
        appointment_id: &str,
        status: AppointmentStatus,
        note: &str,
    ) -> AppResult<Appointment> {
        let current: Appointment = self.load_for(actor, Action::ManageSchedule, appointment_id).await?;
        if !matches!(status, AppointmentStatus::Attended | AppointmentStatus::Missed | AppointmentStatus::Cancelled) {
            return Err(DomainError::invalid("status", "one_of", "status must be attended, missed or cancelled").into());
        }
        if current.status != AppointmentStatus::Booked {
            return Err(DomainError::Conflict(format!("this appointment is already {}", current.status)).into());
        }
        // A visit is attended or missed only once it has begun.
        check_attendance(&current, status, self.now())?;
        let note = crate::platform::error::reason_from("note", note)?;
        let site = self.site(&current.site_id).await?;
        let before = current.clone();
        let updated = Appointment { status, ..current };
        let chain = Self::site_chain_ref(&site);
        let mut tx = self.begin(Self::audit_actor(actor), std::slice::from_ref(&chain)).await?;
        tx.update_from(&chain.chain, &format!("appointment.{status}"), &before, &updated, &note).await?;
        if status == AppointmentStatus::Missed {
            let d = missed_visit(&updated, &note, self.new_id(), &actor.user_id, self.now());
            tx.insert(&chain.chain, "deviation.record", &d).await?;
        }
        tx.commit().await?;
        Ok(updated)
    }

    /// Finds departures from the protocol that nobody has recorded yet (windows that passed
    /// without the visit, out-of-window visits, too few therapists, instruments not recorded)
    /// and records them. Scans up to `limit` enrolments after `after` (in id order), so each
    /// call costs the same however many participants there are; returns how many deviations it
    /// recorded and where the next call should continue (`None` after the last enrolment).
    pub async fn scan_deviations(&self, after: &str, limit: i64) -> AppResult<(usize, Option<String>)> {
        let by = AuditActor::system("deviation-scan");
        let mut recorded = 0;
        let page = self.store.enrolments_after(after, limit).await?;
        let next = (page.len() as i64 == limit).then(|| page.last().map(|e| e.id.clone())).flatten();
        let mut sites: HashMap<String, Site> = HashMap::new();
        for enrolment in page {
            if !sites.contains_key(&enrolment.site_id) {
                sites.insert(enrolment.site_id.clone(), self.site(&enrolment.site_id).await?);
            }
            let Some(site) = sites.get(&enrolment.site_id).cloned() else { continue };
            let participant = self.participant(&enrolment.participant_id).await?;
            let (course, appointments) = self.course(&site, &enrolment).await?;
            let schedule: Vec<ScheduledVisit> = course.into_iter().map(|v| v.visit).collect();
            let given = self.instruments_given(&participant.id).await?;
            let known = self.store.deviations_for(&participant.id).await?;
            let today = self.local_today(&site);
            let drafts = unrecorded_deviations(&schedule, &appointments, &given, &known, &zone_of(&site), today)
                .map_err(|e| AppError::Internal(e.to_string()))?;
            if drafts.is_empty() {
                continue;
            }
            let chain = Self::site_chain_ref(&site);
            let mut tx = self.begin(by.clone(), std::slice::from_ref(&chain)).await?;
            for draft in &drafts {
                let d = deviation_from_draft(
                    draft,
                    self.new_id(),
                    &participant.id,
                    &participant.site_id,
                    DeviationSource::Automatic,
                    &by.id,
                    self.now(),
                );
                tx.insert(&chain.chain, "deviation.record", &d).await?;
                recorded += 1;
            }
            tx.commit().await?;
        }
        Ok((recorded, next))
    }

    /// A deviation reported by staff.
    pub async fn record_deviation(
        &self,
        actor: &Actor,
        participant_id: &str,
        visit_id: Option<&str>,
        severity: &str,
        description: &str,
    ) -> AppResult<Deviation> {
        let participant = self.participant_for(actor, Action::RecordDeviation, participant_id).await?;
        let mut violations = Vec::new();
        let severity = DeviationSeverity::parse("severity", severity).map_err(|v| violations.push(v)).ok();
        let description = required_text("description", description, 4000).map_err(|v| violations.push(v)).ok();
        let (Some(description), Some(severity)) = (description.filter(|_| violations.is_empty()), severity) else {
            return Err(DomainError::Invalid(violations).into());
        };
        let d = Deviation {
            id: self.new_id(),
            participant_id: participant.id.clone(),
            site_id: participant.site_id.clone(),
            visit_id: visit_id.filter(|v| !v.is_empty()).map(str::to_owned),
            kind: DeviationKind::Manual,
            severity,
            description,
            source: DeviationSource::Manual,
            recorded_at: self.now(),
            recorded_by: actor.user_id.clone(),
            resolution: None,
            resolved_at: None,
        };
        let (_, chain) = self.chain_for_site(&participant.site_id).await?;
        let mut tx = self.begin(Self::audit_actor(actor), std::slice::from_ref(&chain)).await?;
        tx.insert(&chain.chain, "deviation.record", &d).await?;
        tx.commit().await?;
        Ok(d)
    }

    pub async fn resolve_deviation(&self, actor: &Actor, deviation_id: &str, resolution: &str) -> AppResult<Deviation> {
        let current: Deviation = self.load_for(actor, Action::RecordDeviation, deviation_id).await?;
        if current.resolved_at.is_some() {
            return Err(DomainError::Conflict("this deviation is already resolved".into()).into());
        }
        let resolution = crate::platform::error::reason_from("resolution", resolution)?;
        let (_, chain) = self.chain_for_site(&current.site_id).await?;
        let before = current.clone();
        let resolved = Deviation { resolution: Some(resolution.clone()), resolved_at: Some(self.now()), ..current };
        let mut tx = self.begin(Self::audit_actor(actor), std::slice::from_ref(&chain)).await?;
        tx.update_from(&chain.chain, "deviation.resolve", &before, &resolved, &resolution).await?;
        tx.commit().await?;
        Ok(resolved)
    }

    /// A site's deviation log, newest first, with participant codes.
    pub async fn deviation_log(&self, actor: &Actor, site_id: &str) -> AppResult<Vec<(Deviation, String)>> {
        self.authorize(actor, Action::ViewDeviations, Resource::Site { site_id }).await?;
        let codes: HashMap<String, String> = self.participant_codes_at(site_id).await?;
        Ok(self
            .store
            .deviations_at_site(site_id)
            .await?
            .into_iter()
            .map(|d| {
                let code = codes.get(&d.participant_id).cloned().unwrap_or_default();
                (d, code)
            })
            .collect())
    }
}
