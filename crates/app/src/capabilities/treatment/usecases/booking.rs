//! Booking (or moving) a visit: load what the decision needs, decide with
//! [`plan_booking`] and [`decide_booking`], write the appointment and its deviations.

use crate::App;
use crate::capabilities::people::domain::Role;
use crate::capabilities::treatment::domain::booking::{
    BookedBy, BookingFacts, BookingInput, BookingPlan, BookingState, decide_booking, find_visit, other_bookings,
    plan_booking,
};
use crate::capabilities::treatment::domain::credentials::credential_of;
use crate::capabilities::treatment::domain::{
    Appointment, AppointmentStatus, Deviation, Enrolment, Room, StaffCredential, VisitKind,
};
use crate::platform::error::{AppError, AppResult};
use crate::platform::store::WriteTx;
use catalyst_core::DomainError;
use catalyst_core::policy::{Action, Actor};
use catalyst_protocol::{BookingContext, CredentialRules};
use jiff::tz::TimeZone;
use std::collections::BTreeMap;

use super::{jiff_ts, zone_of};
use crate::capabilities::authorisations::interface::dosing_gate_in;
use crate::capabilities::eligibility::interface::treatment_gate_in;

impl App {
    /// Books (or moves) a visit. The server refuses it, naming every problem, when it is outside
    /// its window without a reason, lacks the required credentialed staff, or clashes with a
    /// person's or the room's other bookings. An out-of-window booking with a reason is
    /// accepted and its deviation recorded in the same transaction.
    pub async fn book(
        &self,
        actor: &Actor,
        participant_id: &str,
        input: &BookingInput,
    ) -> AppResult<(Appointment, Vec<Deviation>)> {
        let participant = self.participant_for(actor, Action::ManageSchedule, participant_id).await?;
        let enrolment =
            self.store.get::<Enrolment>(participant_id).await?.ok_or_else(|| {
                DomainError::Conflict(format!("{} is not enrolled on a protocol yet", participant.code))
            })?;
        let site = self.site(&participant.site_id).await?;
        let zone = zone_of(&site);
        let (course, _) = self.course(&site, &enrolment).await?;
        let entry = find_visit(&course, &input.visit_id)?;
        let washout = self.washout_ends_on(&participant.id).await?;
        let room = self.store.get::<Room>(&input.room_id).await?;
        let staff_roles = self.roles_at_site(&input.staff, &site.id).await?;
        let plan = plan_booking(&BookingFacts {
            entry,
            input,
            washout_ends_on: washout.as_deref(),
            room: room.as_ref(),
            site_id: &site.id,
            site_code: &site.code,
            zone: &zone,
            staff_roles: &staff_roles,
        })?;

        // Everything another booking or attendance could change meanwhile is read inside the
        // write transaction, after locking the schedules of these people and this room (across
        // sites), so two bookings of the same therapist or room cannot both succeed.
        // Display names, for messages only, are read before the transaction: a read through the
        // pool while the transaction holds the write lock waits for a free connection, and
        // under load every connection is held by a booking waiting for that lock (SQLite:
        // "database is locked" after the busy timeout, answered 500).
        let names = self.names_for(&plan).await?;
        let chain = Self::site_chain_ref(&site);
        let mut tx = self.begin(Self::audit_actor(actor), std::slice::from_ref(&chain)).await?;
        tx.lock_schedules(&plan.schedule_resources()).await?;
        // A dosing session is booked only while the participant may be treated that day (a
        // signed decision, current consent, the washout over) and the authorisations and the
        // readiness its site needs are in force on its day; asked inside the transaction, so a
        // consent withdrawal or a revocation committed meanwhile is seen.
        if VisitKind::from(plan.request.visit_type.kind) == VisitKind::Experimental {
            let day = jiff_ts(plan.starts_at)?.to_zoned(zone.clone()).date();
            let mut missing = treatment_gate_in(&mut tx, &participant.id, day).await?;
            missing.extend(dosing_gate_in(&mut tx, &site, &participant.id, day).await?);
            if !missing.is_empty() {
                return Err(DomainError::Invalid(missing).into());
            }
        }
        let state = self.booking_state(&mut tx, &plan, &participant.id, zone, names).await?;
        let by = BookedBy { participant_id: &participant.id, site_id: &site.id, user_id: &actor.user_id, now: self.now() };
        let booked = decide_booking(&plan, &state, by, || self.new_id())?;

        match plan.moves() {
            // Only the booking as it was read may be moved: an attendance recorded meanwhile is
            // never reverted to "booked".
            Some(before) => {
                tx.update_from(&chain.chain, "appointment.reschedule", before, &booked.appointment, &plan.reschedule_reason)
                    .await?
            }
            None => tx.insert(&chain.chain, "appointment.book", &booked.appointment).await?,
        }
        for d in &booked.deviations {
            tx.insert(&chain.chain, "deviation.record", d).await?;
        }
        tx.commit().await?;
        Ok((booked.appointment, booked.deviations))
    }

    /// Each person with the roles they hold at this site, or at every site (independent raters).
    async fn roles_at_site(&self, people: &[String], site_id: &str) -> AppResult<Vec<(String, Vec<Role>)>> {
        let mut out = Vec::new();
        for person in people {
            let roles = self
                .grants_of(person)
                .await?
                .into_iter()
                .filter(|g| g.site_id.as_deref().is_none_or(|s| s == site_id))
                .map(|g| g.role)
                .collect();
            out.push((person.clone(), roles));
        }
        Ok(out)
    }

    /// What the booking is decided on, read inside its write transaction under the locks.
    async fn booking_state(
        &self,
        tx: &mut WriteTx,
        plan: &BookingPlan,
        participant_id: &str,
        zone: TimeZone,
        names: Vec<(String, String)>,
    ) -> AppResult<BookingState> {
        let request = &plan.request;
        let now_booked = tx
            .appointments_for(participant_id)
            .await?
            .into_iter()
            .filter(|a| a.visit_id == request.visit_id && a.status != AppointmentStatus::Cancelled)
            .max_by_key(|a| a.starts_at);
        let mut credentials = BTreeMap::new();
        for s in &request.staff {
            if let Some(record) = tx.get::<StaffCredential>(&s.person).await? {
                credentials.insert(s.person.clone(), credential_of(&record).map_err(|v| AppError::Internal(v.message))?);
            }
        }
        let overlapping = tx.appointments_overlapping(plan.starts_at, plan.ends_at).await?;
        let bookings = other_bookings(overlapping, plan.moves().map(|a| a.id.as_str()))
            .map_err(|e| AppError::Internal(e.to_string()))?;
        let context = BookingContext { zone, credentials, rules: CredentialRules::default(), bookings };
        Ok(BookingState { now_booked, context, names })
    }

    /// Display names of the room and the staff, for messages.
    async fn names_for(&self, plan: &BookingPlan) -> AppResult<Vec<(String, String)>> {
        let mut names = vec![(plan.room.id.clone(), plan.room.name.clone())];
        for s in &plan.request.staff {
            if let Some(user) = self.user_by_id(&s.person).await? {
                names.push((user.id, user.display_name));
            }
        }
        Ok(names)
    }
}
