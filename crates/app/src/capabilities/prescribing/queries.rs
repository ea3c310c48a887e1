//! Prescription queries (reads; writes go through the ledgered write path).

use crate::capabilities::prescribing::domain::{DoseDecision, Prescription};
use crate::platform::store::rows::{AnyQuery, query_owned, select_sql};
use crate::platform::store::{Store, StoreError, WriteTx};
use catalyst_core::record::Record;

/// A participant's prescriptions, newest first.
fn of_participant(participant_id: &str) -> AnyQuery<'static> {
    query_owned(select_sql(Prescription::SPEC, "WHERE participant_id = $1 ORDER BY recorded_at DESC, id"))
        .bind(participant_id.to_owned())
}

impl Store {
    pub(in crate::capabilities::prescribing) async fn prescriptions_of(
        &self,
        participant_id: &str,
    ) -> Result<Vec<Prescription>, StoreError> {
        self.fetch_records(of_participant(participant_id)).await
    }
}

/// The physicians' decisions above a participant's prescriptions, oldest first.
fn decisions_of(participant_id: &str) -> AnyQuery<'static> {
    query_owned(select_sql(DoseDecision::SPEC, "WHERE participant_id = $1 ORDER BY recorded_at, id"))
        .bind(participant_id.to_owned())
}

impl Store {
    pub(in crate::capabilities::prescribing) async fn dose_decisions_of(
        &self,
        participant_id: &str,
    ) -> Result<Vec<DoseDecision>, StoreError> {
        self.fetch_records(decisions_of(participant_id)).await
    }

    pub(in crate::capabilities::prescribing) async fn prescriptions_at_site(
        &self,
        site_id: &str,
    ) -> Result<Vec<Prescription>, StoreError> {
        let tail = "WHERE site_id = $1 ORDER BY issued_on, id";
        self.fetch_records(query_owned(select_sql(Prescription::SPEC, tail)).bind(site_id.to_owned())).await
    }
}

impl WriteTx {
    /// The same, read inside a write transaction that holds the site's chain, as every change
    /// to a prescription does: a check made on it holds at commit.
    pub(in crate::capabilities::prescribing) async fn prescriptions_of(
        &mut self,
        participant_id: &str,
    ) -> Result<Vec<Prescription>, StoreError> {
        self.fetch_records(of_participant(participant_id)).await
    }

    /// The same, inside a write transaction holding the site's chain (as recording one does).
    pub(in crate::capabilities::prescribing) async fn dose_decisions_of(
        &mut self,
        participant_id: &str,
    ) -> Result<Vec<DoseDecision>, StoreError> {
        self.fetch_records(decisions_of(participant_id)).await
    }
}
