//! Treatment-course queries.

use crate::platform::store::rows::{AnyQuery, query_owned, select_sql};
use crate::platform::store::{Store, StoreError, WriteTx};
use catalyst_core::record::Record;
use catalyst_core::time::Timestamp;
use crate::capabilities::treatment::domain::{Appointment, AppointmentStatus, Deviation, Enrolment, Room};

/// The appointments that hold their people and room: clashes are checked against these.
const LIVE: [AppointmentStatus; 2] = [AppointmentStatus::Booked, AppointmentStatus::Attended];

/// Live appointments overlapping `[from, to)`.
fn overlapping(from: Timestamp, to: Timestamp) -> AnyQuery<'static> {
    let tail = "WHERE starts_at < $2 AND ends_at > $1 AND status IN ($3, $4) ORDER BY starts_at";
    let [booked, attended] = LIVE.map(AppointmentStatus::as_str);
    query_owned(select_sql(Appointment::SPEC, tail)).bind(from.micros()).bind(to.micros()).bind(booked).bind(attended)
}

impl Store {
    pub(in crate::capabilities::treatment) async fn appointments_for(&self, participant_id: &str) -> Result<Vec<Appointment>, StoreError> {
        let tail = "WHERE participant_id = $1 ORDER BY starts_at";
        self.fetch_records(query_owned(select_sql(Appointment::SPEC, tail)).bind(participant_id.to_owned())).await
    }

    /// Live appointments (booked or attended) overlapping `[from, to)`, at any site: people and
    /// rooms are checked for clashes wherever they are booked.
    pub(in crate::capabilities::treatment) async fn appointments_overlapping(
        &self,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Vec<Appointment>, StoreError> {
        self.fetch_records(overlapping(from, to)).await
    }

    pub(in crate::capabilities::treatment) async fn appointments_at_site(
        &self,
        site_id: &str,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Vec<Appointment>, StoreError> {
        let tail =
            "WHERE site_id = $1 AND starts_at < $3 AND ends_at > $2 AND status <> $4 ORDER BY starts_at";
        self.fetch_records(
            query_owned(select_sql(Appointment::SPEC, tail))
                .bind(site_id.to_owned())
                .bind(from.micros())
                .bind(to.micros())
                .bind(AppointmentStatus::Cancelled.as_str()),
        )
        .await
    }

    /// A page of enrolments across all sites in id order, after `after` (for incremental scans).
    pub(in crate::capabilities::treatment) async fn enrolments_after(&self, after: &str, limit: i64) -> Result<Vec<Enrolment>, StoreError> {
        let tail = "WHERE id > $1 ORDER BY id LIMIT $2";
        self.fetch_records(query_owned(select_sql(Enrolment::SPEC, tail)).bind(after.to_owned()).bind(limit)).await
    }

    pub(in crate::capabilities::treatment) async fn rooms_at_site(&self, site_id: &str) -> Result<Vec<Room>, StoreError> {
        self.fetch_records(
            query_owned(select_sql(Room::SPEC, "WHERE site_id = $1 ORDER BY name")).bind(site_id.to_owned()),
        )
        .await
    }

    pub(in crate::capabilities::treatment) async fn deviations_for(&self, participant_id: &str) -> Result<Vec<Deviation>, StoreError> {
        let tail = "WHERE participant_id = $1 ORDER BY recorded_at";
        self.fetch_records(query_owned(select_sql(Deviation::SPEC, tail)).bind(participant_id.to_owned())).await
    }

    pub(in crate::capabilities::treatment) async fn deviations_at_site(&self, site_id: &str) -> Result<Vec<Deviation>, StoreError> {
        let tail = "WHERE site_id = $1 ORDER BY recorded_at DESC LIMIT 500";
        self.fetch_records(query_owned(select_sql(Deviation::SPEC, tail)).bind(site_id.to_owned())).await
    }
}

impl WriteTx {
    /// Locks the schedules of people and rooms (e.g. `person:<id>`, `room:<id>`) until the
    /// transaction ends, so that two bookings of the same person or room, at one site or at two,
    /// check their clashes one after the other. Taken in sorted order, so bookings never deadlock.
    pub(in crate::capabilities::treatment) async fn lock_schedules(&mut self, resources: &[String]) -> Result<(), StoreError> {
        let mut sorted: Vec<&String> = resources.iter().collect();
        sorted.sort();
        sorted.dedup();
        for resource in sorted {
            sqlx::query("INSERT INTO schedule_locks (resource) VALUES ($1) ON CONFLICT (resource) DO NOTHING")
                .bind(resource.clone())
                .execute(self.conn())
                .await?;
            sqlx::query("UPDATE schedule_locks SET resource = resource WHERE resource = $1")
                .bind(resource.clone())
                .execute(self.conn())
                .await?;
        }
        Ok(())
    }

    /// [`Store::appointments_overlapping`], read inside the transaction.
    pub(in crate::capabilities::treatment) async fn appointments_overlapping(
        &mut self,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Vec<Appointment>, StoreError> {
        self.fetch_records(overlapping(from, to)).await
    }

    /// [`Store::appointments_for`], read inside the transaction.
    pub(in crate::capabilities::treatment) async fn appointments_for(&mut self, participant_id: &str) -> Result<Vec<Appointment>, StoreError> {
        let tail = "WHERE participant_id = $1 ORDER BY starts_at";
        self.fetch_records(query_owned(select_sql(Appointment::SPEC, tail)).bind(participant_id.to_owned())).await
    }
}
