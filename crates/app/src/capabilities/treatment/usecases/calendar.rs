//! Calendars: a site's rooms and appointments, and a person's own visits as an iCalendar feed.

use crate::App;
use crate::capabilities::treatment::domain::{Appointment, Room, VisitKind};
use crate::platform::error::AppResult;
use catalyst_core::policy::{Action, Actor, Resource};
use catalyst_core::time::Timestamp;
use std::collections::HashMap;

use super::jiff_ts;

impl App {
    /// The rooms of a site.
    pub async fn rooms(&self, actor: &Actor, site_id: &str) -> AppResult<Vec<Room>> {
        self.authorize(actor, Action::ViewSchedule, Resource::Site { site_id }).await?;
        Ok(self.store.rooms_at_site(site_id).await?)
    }

    /// Appointments at a site between two instants, with the participant's code.
    pub async fn site_calendar(
        &self,
        actor: &Actor,
        site_id: &str,
        from: Timestamp,
        to: Timestamp,
    ) -> AppResult<Vec<(Appointment, String)>> {
        self.authorize(actor, Action::ViewSchedule, Resource::Site { site_id }).await?;
        let codes = self.participant_codes_at(site_id).await?;
        Ok(self
            .store
            .appointments_at_site(site_id, from, to)
            .await?
            .into_iter()
            .map(|a| {
                let code = codes.get(&a.participant_id).cloned().unwrap_or_default();
                (a, code)
            })
            .collect())
    }

    /// The actor's visits from 30 days ago to 120 days ahead as an iCalendar feed: the sessions
    /// a staff member is booked for, or a participant's own visits. Summaries carry the visit
    /// kind and the pseudonymous code only.
    pub async fn my_calendar(&self, actor: &Actor) -> AppResult<String> {
        let now = self.now();
        let from = now.plus_seconds(-30 * 86_400);
        let to = now.plus_seconds(120 * 86_400);
        let mut events = Vec::new();
        let mut rooms: HashMap<String, String> = HashMap::new();
        for site in self.all_sites().await? {
            for room in self.store.rooms_at_site(&site.id).await? {
                rooms.insert(room.id, format!("{}, {}", room.name, site.name));
            }
        }
        for a in self.store.appointments_overlapping(from, to).await? {
            // Staff see their own sessions; a blinded rater only their assessments.
            let resource = Resource::Participant { site_id: &a.site_id, participant_id: &a.participant_id };
            let visible = Self::may(actor, Action::ViewSchedule, resource)
                || matches!(a.visit_kind, VisitKind::Assessment | VisitKind::FollowUp);
            let mine = (visible && a.staff.includes(&actor.user_id)) || actor.own_participants.contains(&a.participant_id);
            if !mine {
                continue;
            }
            let code = self.participant(&a.participant_id).await?.code;
            let summary = if actor.own_participants.contains(&a.participant_id) {
                a.visit_kind.label().to_owned()
            } else {
                format!("{} · {code}", a.visit_kind.label())
            };
            events.push(catalyst_protocol::IcsEvent {
                uid: format!("appointment-{}@catalyst", a.id),
                dtstamp: jiff_ts(now)?,
                start: jiff_ts(a.starts_at)?,
                end: jiff_ts(a.ends_at)?,
                summary,
                location: rooms.get(&a.room_id).cloned(),
                description: None,
            });
        }
        Ok(catalyst_protocol::ics_calendar("Catalyst visits", &events))
    }
}
