//! The treatment course in the demo: rooms, therapist credentials (one expiring soon, one
//! expired), and two participants enrolled with their early visits booked and attended.

use crate::App;
use crate::platform::demo::{DemoFuture, DemoLogin};
use crate::platform::error::{AppError, AppResult};
use crate::capabilities::treatment::domain::booking::BookingInput;
use catalyst_core::ledger::AuditActor;
use crate::capabilities::people::domain::Site;
use catalyst_core::policy::Actor;
use crate::capabilities::treatment::domain::{AppointmentStatus, Enrolment, Room, RoomStatus, StaffCredential};
use catalyst_protocol::VisitKind;
use jiff::civil::Date;

pub(crate) fn seed<'a>(app: &'a App, by: &'a AuditActor, _: &'a mut Vec<DemoLogin>) -> DemoFuture<'a> {
    Box::pin(app.seed_demo_treatment(by))
}

impl App {
    async fn seed_demo_treatment(&self, by: &AuditActor) -> AppResult<()> {
        for site in self.all_sites().await? {
            let today = self.local_today(&site);
            let days =
                |n: i64| today.checked_add(jiff::Span::new().days(n)).map_err(|e| AppError::Internal(e.to_string()));
            let (_, chain) = self.chain_for_site(&site.id).await?;
            let mut tx = self.begin(by.clone(), std::slice::from_ref(&chain)).await?;
            for name in ["Session room A", "Session room B", "Consult room"] {
                let room =
                    Room { id: self.new_id(), site_id: site.id.clone(), name: name.into(), status: RoomStatus::Active };
                tx.insert(&chain.chain, "room.create", &room).await?;
            }
            tx.commit().await?;

            let lower = site.code.to_ascii_lowercase();
            // therapist3 at Sydney is certified for 20 more days; at Boston their certification lapsed.
            let certified_until = |i: i64| -> AppResult<Date> {
                match (i, site.code.as_str()) {
                    (3, "SYD") => days(20),
                    (3, "BOS") => days(-10),
                    _ => days(300),
                }
            };
            for i in 1..=3 {
                let Some(user) = self.user_by_username(&format!("therapist{i}.{lower}")).await? else { continue };
                let record = StaffCredential {
                    id: user.id,
                    training_completed_on: Some(days(-400)?.to_string()),
                    supervised_sessions: 6,
                    certified_until: Some(certified_until(i)?.to_string()),
                    ethics_attested_on: Some(days(-60)?.to_string()),
                    updated_at: self.now(),
                };
                self.write_credential(by.clone(), &record, "demo credential").await?;
            }
        }
        let syd =
            self.site_by_code("SYD").await?.ok_or_else(|| AppError::Internal("demo site SYD missing".into()))?;
        self.demo_course(&syd, "SYD-0006", 30, "09:00", by).await?;
        self.demo_course(&syd, "SYD-0005", 12, "13:00", by).await?;
        Ok(())
    }

    /// Enrols a demo participant `baseline_days_ago` days ago on MAPP1 and books every visit
    /// due within two weeks at `start` local time, marking those already past as attended.
    async fn demo_course(
        &self,
        site: &Site,
        code: &str,
        baseline_days_ago: i64,
        start: &str,
        by: &AuditActor,
    ) -> AppResult<()> {
        let participant = self.participant_by_code(code)
            .await?
            .ok_or_else(|| AppError::Internal(format!("demo participant {code} missing")))?;
        let today = self.local_today(site);
        let baseline = today
            .checked_sub(jiff::Span::new().days(baseline_days_ago))
            .map_err(|e| AppError::Internal(e.to_string()))?;
        let protocol =
            crate::capabilities::treatment::usecases::protocols()?.latest("mapp1").ok_or_else(|| AppError::Internal("mapp1 missing".into()))?;
        let enrolment = Enrolment {
            id: participant.id.clone(),
            participant_id: participant.id.clone(),
            site_id: site.id.clone(),
            protocol_id: protocol.id().to_owned(),
            protocol_version: i64::from(protocol.version()),
            baseline_on: baseline.to_string(),
            enrolled_at: self.now(),
            enrolled_by: by.id.clone(),
        };
        self.insert_enrolment(by.clone(), &participant, &enrolment).await?;

        // Bookings are made as the site lead would make them, through the same rules.
        let lead = self.user_by_username(&format!("lead.{}", site.code.to_ascii_lowercase()))
            .await?
            .ok_or_else(|| AppError::Internal("demo lead missing".into()))?;
        let actor: Actor = self.actor_for(&lead).await?;
        let rooms = self.store.rooms_at_site(&site.id).await?;
        let room = |name: &str| rooms.iter().find(|r| r.name == name).map(|r| r.id.clone()).unwrap_or_default();
        let staff_id = |username: String| async move {
            self.user_by_username(&username).await.map(|u| u.map(|u| u.id).unwrap_or_default())
        };
        let lower = site.code.to_ascii_lowercase();
        let (t1, t2, rater) = (
            staff_id(format!("therapist1.{lower}")).await?,
            staff_id(format!("therapist2.{lower}")).await?,
            staff_id("rater".into()).await?,
        );
        let horizon = today.checked_add(jiff::Span::new().days(14)).map_err(|e| AppError::Internal(e.to_string()))?;
        loop {
            let Some(timeline) = self.timeline(&actor, &participant.id).await? else { return Ok(()) };
            let Some(next) = timeline.visits.iter().find(|v| v.appointment.is_none() && v.visit.target <= horizon)
            else {
                return Ok(());
            };
            let (room_name, staff) = match next.visit.visit_type.kind {
                VisitKind::Assessment | VisitKind::FollowUp => ("Consult room", vec![rater.clone()]),
                VisitKind::Experimental => ("Session room A", vec![t1.clone(), t2.clone()]),
                _ => ("Session room B", vec![t1.clone(), t2.clone()]),
            };
            let input = BookingInput {
                visit_id: next.visit.id.clone(),
                date: next.visit.target.to_string(),
                time: start.to_owned(),
                room_id: room(room_name),
                staff,
                out_of_window_reason: None,
                reschedule_reason: None,
            };
            let target = next.visit.target;
            let (appointment, _) = self.book(&actor, &participant.id, &input).await?;
            if target < today {
                self.record_attendance(&actor, &appointment.id, AppointmentStatus::Attended, "attended as planned")
                    .await?;
            }
        }
    }
}
