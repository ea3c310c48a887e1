//! Adverse-event queries (reads; writes go through the ledgered write path). Every read a
//! decision rests on refuses a row written outside Catalyst; a view's read leaves such a row
//! out and names it (and, at a site, names rows the ledger created that are gone), so the view
//! shows the rest and the problem, never a silent gap.

use crate::capabilities::adverse_events::domain::{
    AdverseEventRecord, SaeSubmission, SelfReportRecord, SelfReportReview, SolicitedChecklist,
};
use crate::platform::store::rows::{AnyQuery, query_owned, select_sql};
use crate::platform::store::seals::SealedRead;
use crate::platform::store::{Store, StoreError, WriteTx};
use catalyst_core::record::Record;
use std::collections::HashSet;

fn by_column<R: Record>(column: &str, value: &str) -> AnyQuery<'static> {
    query_owned(select_sql(R::SPEC, &format!("WHERE {column} = $1 ORDER BY recorded_at, id"))).bind(value.to_owned())
}

impl Store {
    /// Rows where `column = value`, oldest first, with their seals checked in the same statement
    /// (a correction committed meanwhile is never mistaken for tampering); a row whose seal does
    /// not hold is left out and named.
    async fn ae_rows<R: Record>(&self, column: &str, value: &str) -> Result<SealedRead<R>, StoreError> {
        self.sealed_rows_where::<R>(Some((column, value)), "ORDER BY t.recorded_at, t.id").await
    }

    /// Rows at a site, and also named: any row of the kind that the site's ledger chain created
    /// and that is gone (deleted outside Catalyst): a view never takes a missing serious event
    /// for "nothing due".
    async fn ae_rows_at_site<R: Record>(&self, site_chain: &str, site_id: &str) -> Result<SealedRead<R>, StoreError> {
        let ledgered = self.ledgered_ids(site_chain, R::SPEC.kind).await?;
        let mut read = self.ae_rows::<R>("site_id", site_id).await?;
        let present: HashSet<&str> =
            read.rows.iter().map(|r| r.id()).chain(read.unsealed.iter().map(String::as_str)).collect();
        read.missing = ledgered.into_iter().filter(|id| !present.contains(id.as_str())).collect();
        Ok(read)
    }

    /// A participant's events (current revisions), oldest first.
    pub(in crate::capabilities::adverse_events) async fn ae_events_of(
        &self,
        participant_id: &str,
    ) -> Result<SealedRead<AdverseEventRecord>, StoreError> {
        self.ae_rows("participant_id", participant_id).await
    }

    /// A site's events (current revisions), oldest first.
    pub(in crate::capabilities::adverse_events) async fn ae_events_at_site(
        &self,
        site_chain: &str,
        site_id: &str,
    ) -> Result<SealedRead<AdverseEventRecord>, StoreError> {
        self.ae_rows_at_site(site_chain, site_id).await
    }

    /// One event, if its seal holds.
    pub(in crate::capabilities::adverse_events) async fn ae_event(
        &self,
        id: &str,
    ) -> Result<Option<AdverseEventRecord>, StoreError> {
        Ok(self.ae_rows::<AdverseEventRecord>("id", id).await?.all_sealed()?.into_iter().next())
    }

    /// A site's solicited checklists.
    pub(in crate::capabilities::adverse_events) async fn ae_checklists_at_site(
        &self,
        site_chain: &str,
        site_id: &str,
    ) -> Result<SealedRead<SolicitedChecklist>, StoreError> {
        self.ae_rows_at_site(site_chain, site_id).await
    }

    /// A participant's solicited checklists.
    pub(in crate::capabilities::adverse_events) async fn ae_checklists_of(
        &self,
        participant_id: &str,
    ) -> Result<SealedRead<SolicitedChecklist>, StoreError> {
        self.ae_rows("participant_id", participant_id).await
    }

    /// The reports marked sent at a site.
    pub(in crate::capabilities::adverse_events) async fn sae_submissions_at_site(
        &self,
        site_chain: &str,
        site_id: &str,
    ) -> Result<SealedRead<SaeSubmission>, StoreError> {
        self.ae_rows_at_site(site_chain, site_id).await
    }

    /// The reports marked sent for one event.
    pub(in crate::capabilities::adverse_events) async fn sae_submissions_of(
        &self,
        event_id: &str,
    ) -> Result<SealedRead<SaeSubmission>, StoreError> {
        self.ae_rows("event_id", event_id).await
    }

    /// One participant's report, if its seal holds.
    pub(in crate::capabilities::adverse_events) async fn self_report(
        &self,
        id: &str,
    ) -> Result<Option<SelfReportRecord>, StoreError> {
        Ok(self.ae_rows::<SelfReportRecord>("id", id).await?.all_sealed()?.into_iter().next())
    }

    /// A participant's own reports, or a site's (with the ledger's check for rows gone).
    pub(in crate::capabilities::adverse_events) async fn self_reports(
        &self,
        scope: SelfReportScope<'_>,
    ) -> Result<(SealedRead<SelfReportRecord>, SealedRead<SelfReportReview>), StoreError> {
        Ok(match scope {
            SelfReportScope::Participant(id) => {
                (self.ae_rows("participant_id", id).await?, self.ae_rows("participant_id", id).await?)
            }
            SelfReportScope::Site { chain, site_id } => {
                (self.ae_rows_at_site(chain, site_id).await?, self.ae_rows_at_site(chain, site_id).await?)
            }
        })
    }
}

/// Whose reports a view reads.
#[derive(Debug, Clone, Copy)]
pub(in crate::capabilities::adverse_events) enum SelfReportScope<'a> {
    Participant(&'a str),
    Site { chain: &'a str, site_id: &'a str },
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

    /// A report and whether it was reviewed, inside the transaction holding the site's chain.
    pub(in crate::capabilities::adverse_events) async fn self_report_in(
        &mut self,
        id: &str,
    ) -> Result<Option<(SelfReportRecord, bool)>, StoreError> {
        let Some(report) = self.get::<SelfReportRecord>(id).await? else { return Ok(None) };
        self.check_sealed(std::slice::from_ref(&report)).await?;
        let reviews: Vec<SelfReportReview> =
            self.fetch_records(by_column::<SelfReportReview>("report_id", id)).await?;
        self.check_sealed(&reviews).await?;
        Ok(Some((report, !reviews.is_empty())))
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
