//! Adverse-event queries (reads; writes go through the ledgered write path). Every read a
//! decision or a view rests on checks the rows' seals: a row written outside Catalyst is refused.

use crate::capabilities::adverse_events::domain::{AdverseEventRecord, SaeSubmission, SolicitedChecklist};
use crate::platform::store::rows::{AnyQuery, query_owned, select_sql};
use crate::platform::store::{Store, StoreError, WriteTx};
use catalyst_core::record::Record;

fn by_column<R: Record>(column: &str, value: &str) -> AnyQuery<'static> {
    query_owned(select_sql(R::SPEC, &format!("WHERE {column} = $1 ORDER BY recorded_at, id"))).bind(value.to_owned())
}

impl Store {
    async fn ae_sealed<R: Record>(&self, rows: Vec<R>) -> Result<Vec<R>, StoreError> {
        for row in &rows {
            self.check_sealed(row).await?;
        }
        Ok(rows)
    }

    /// A participant's events (current revisions), oldest first.
    pub(in crate::capabilities::adverse_events) async fn ae_events_of(
        &self,
        participant_id: &str,
    ) -> Result<Vec<AdverseEventRecord>, StoreError> {
        let rows = self.fetch_records(by_column::<AdverseEventRecord>("participant_id", participant_id)).await?;
        self.ae_sealed(rows).await
    }

    /// A site's events (current revisions), oldest first.
    pub(in crate::capabilities::adverse_events) async fn ae_events_at_site(
        &self,
        site_id: &str,
    ) -> Result<Vec<AdverseEventRecord>, StoreError> {
        let rows = self.fetch_records(by_column::<AdverseEventRecord>("site_id", site_id)).await?;
        self.ae_sealed(rows).await
    }

    /// One event, if its seal holds.
    pub(in crate::capabilities::adverse_events) async fn ae_event(
        &self,
        id: &str,
    ) -> Result<Option<AdverseEventRecord>, StoreError> {
        match self.get::<AdverseEventRecord>(id).await? {
            Some(e) => {
                self.check_sealed(&e).await?;
                Ok(Some(e))
            }
            None => Ok(None),
        }
    }

    /// A site's solicited checklists.
    pub(in crate::capabilities::adverse_events) async fn ae_checklists_at_site(
        &self,
        site_id: &str,
    ) -> Result<Vec<SolicitedChecklist>, StoreError> {
        let rows = self.fetch_records(by_column::<SolicitedChecklist>("site_id", site_id)).await?;
        self.ae_sealed(rows).await
    }

    /// A participant's solicited checklists.
    pub(in crate::capabilities::adverse_events) async fn ae_checklists_of(
        &self,
        participant_id: &str,
    ) -> Result<Vec<SolicitedChecklist>, StoreError> {
        let rows = self.fetch_records(by_column::<SolicitedChecklist>("participant_id", participant_id)).await?;
        self.ae_sealed(rows).await
    }

    /// The reports marked sent at a site.
    pub(in crate::capabilities::adverse_events) async fn sae_submissions_at_site(
        &self,
        site_id: &str,
    ) -> Result<Vec<SaeSubmission>, StoreError> {
        let rows = self.fetch_records(by_column::<SaeSubmission>("site_id", site_id)).await?;
        self.ae_sealed(rows).await
    }

    /// The reports marked sent for one event.
    pub(in crate::capabilities::adverse_events) async fn sae_submissions_of(
        &self,
        event_id: &str,
    ) -> Result<Vec<SaeSubmission>, StoreError> {
        let rows = self.fetch_records(by_column::<SaeSubmission>("event_id", event_id)).await?;
        self.ae_sealed(rows).await
    }
}

impl WriteTx {
    /// One event, read inside the write transaction holding its site's chain (as every
    /// correction and report marked sent is): a decision made on it holds at commit.
    pub(in crate::capabilities::adverse_events) async fn ae_event_in(
        &mut self,
        id: &str,
    ) -> Result<Option<AdverseEventRecord>, StoreError> {
        let found = self.get::<AdverseEventRecord>(id).await?;
        if let Some(e) = &found {
            self.check_sealed(std::slice::from_ref(e)).await?;
        }
        Ok(found)
    }

    /// A participant's events, inside the transaction.
    pub(in crate::capabilities::adverse_events) async fn ae_events_of(
        &mut self,
        participant_id: &str,
    ) -> Result<Vec<AdverseEventRecord>, StoreError> {
        let rows: Vec<AdverseEventRecord> =
            self.fetch_records(by_column::<AdverseEventRecord>("participant_id", participant_id)).await?;
        self.check_sealed(&rows).await?;
        Ok(rows)
    }

    /// The checklists of one dosing session, inside the transaction.
    pub(in crate::capabilities::adverse_events) async fn ae_checklists_of_session(
        &mut self,
        session_id: &str,
    ) -> Result<Vec<SolicitedChecklist>, StoreError> {
        let rows: Vec<SolicitedChecklist> =
            self.fetch_records(by_column::<SolicitedChecklist>("session_id", session_id)).await?;
        self.check_sealed(&rows).await?;
        Ok(rows)
    }

    /// The reports marked sent for one event, inside the transaction.
    pub(in crate::capabilities::adverse_events) async fn sae_submissions_of(
        &mut self,
        event_id: &str,
    ) -> Result<Vec<SaeSubmission>, StoreError> {
        let rows: Vec<SaeSubmission> = self.fetch_records(by_column::<SaeSubmission>("event_id", event_id)).await?;
        self.check_sealed(&rows).await?;
        Ok(rows)
    }
}
