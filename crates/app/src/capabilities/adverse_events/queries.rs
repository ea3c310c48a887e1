//! Adverse-event queries (reads; writes go through the ledgered write path). Rows are read with
//! their seals in one statement and compared with the site's ledger chain, read first: a row
//! written outside Catalyst (no valid seal), one deleted (in the ledger, not in the table) and
//! an event put back at an earlier revision (older than its ledger entries) are named. Reads
//! that decide refuse them; views leave them out and name them, so a view shows the rest and
//! the problem, never a silent gap. A participant's or one event's view reads its site's rows,
//! so a row deleted there is noticed too.

use crate::capabilities::adverse_events::domain::{
    AdverseEventRecord, SaeSubmission, SelfReportRecord, SelfReportReview, SolicitedChecklist,
};
use crate::platform::store::rows::{AnyQuery, query_owned, select_sql};
use crate::platform::store::seals::{SealedRead, check_against_ledger};
use crate::platform::store::{Store, StoreError, WriteTx};
use catalyst_core::DomainError;
use catalyst_core::record::Record;

fn by_column<R: Record>(column: &str, value: &str) -> AnyQuery<'static> {
    query_owned(select_sql(R::SPEC, &format!("WHERE {column} = $1 ORDER BY recorded_at, id"))).bind(value.to_owned())
}

/// A record's place: the site's ledger chain and the site.
#[derive(Debug, Clone, Copy)]
pub(in crate::capabilities::adverse_events) struct At<'a> {
    pub chain: &'a str,
    pub site_id: &'a str,
}

/// Rows whose ledger changes number their revisions (an event's corrections): one put back at
/// an earlier revision shows as older than its ledger. The others are never changed.
pub(in crate::capabilities::adverse_events) trait Revisions: Record {
    fn revision(&self) -> Option<i64> {
        None
    }
}

impl Revisions for AdverseEventRecord {
    fn revision(&self) -> Option<i64> {
        Some(self.revision)
    }
}
impl Revisions for SolicitedChecklist {}
impl Revisions for SaeSubmission {}
impl Revisions for SelfReportRecord {}
impl Revisions for SelfReportReview {}

impl Store {
    /// The site's rows of a kind, oldest first, checked against the site's ledger.
    async fn ae_rows_at<R: Revisions>(&self, at: At<'_>) -> Result<SealedRead<R>, StoreError> {
        self.sealed_rows_at_site(at.chain, at.site_id, "ORDER BY t.recorded_at, t.id", R::revision).await
    }

    /// The site's rows of a kind for which `keep` holds; every problem at the site is kept
    /// (a row that is gone cannot say whose it was).
    async fn ae_rows_where<R: Revisions>(
        &self,
        at: At<'_>,
        keep: impl Fn(&R) -> bool,
    ) -> Result<SealedRead<R>, StoreError> {
        let mut read = self.ae_rows_at::<R>(at).await?;
        read.rows.retain(|r| keep(r));
        Ok(read)
    }

    /// A site's events (current revisions), oldest first.
    pub(in crate::capabilities::adverse_events) async fn ae_events_at_site(
        &self,
        site_chain: &str,
        site_id: &str,
    ) -> Result<SealedRead<AdverseEventRecord>, StoreError> {
        self.ae_rows_at(At { chain: site_chain, site_id }).await
    }

    /// A participant's events (current revisions), oldest first.
    pub(in crate::capabilities::adverse_events) async fn ae_events_of(
        &self,
        at: At<'_>,
        participant_id: &str,
    ) -> Result<SealedRead<AdverseEventRecord>, StoreError> {
        self.ae_rows_where(at, |e: &AdverseEventRecord| e.participant_id == participant_id).await
    }

    /// One event, refused (409, naming it) if it fails its integrity check: no valid seal,
    /// gone from the table, or older than its ledger entries.
    pub(in crate::capabilities::adverse_events) async fn ae_event(
        &self,
        id: &str,
    ) -> Result<Option<AdverseEventRecord>, StoreError> {
        let changes: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM ledger WHERE entity_kind = 'adverse_event' AND entity_id = $1 AND kind = 'change'",
        )
        .bind(id.to_owned())
        .fetch_one(self.pool())
        .await?;
        let mut read = self.sealed_rows_where::<AdverseEventRecord>(Some(("id", id)), "").await?;
        if changes > 0 {
            check_against_ledger(&mut read, &[(id.to_owned(), changes)], <AdverseEventRecord as Revisions>::revision);
        }
        match read.problems().into_iter().next() {
            Some(problem) => Err(StoreError::Domain(DomainError::Conflict(format!(
                "{problem}; nothing is shown or decided on it until `catalyst audit verify` is run"
            )))),
            None => Ok(read.rows.into_iter().next()),
        }
    }

    /// A site's solicited checklists.
    pub(in crate::capabilities::adverse_events) async fn ae_checklists_at_site(
        &self,
        site_chain: &str,
        site_id: &str,
    ) -> Result<SealedRead<SolicitedChecklist>, StoreError> {
        self.ae_rows_at(At { chain: site_chain, site_id }).await
    }

    /// A participant's solicited checklists.
    pub(in crate::capabilities::adverse_events) async fn ae_checklists_of(
        &self,
        at: At<'_>,
        participant_id: &str,
    ) -> Result<SealedRead<SolicitedChecklist>, StoreError> {
        self.ae_rows_where(at, |c: &SolicitedChecklist| c.participant_id == participant_id).await
    }

    /// The reports marked sent at a site.
    pub(in crate::capabilities::adverse_events) async fn sae_submissions_at_site(
        &self,
        site_chain: &str,
        site_id: &str,
    ) -> Result<SealedRead<SaeSubmission>, StoreError> {
        self.ae_rows_at(At { chain: site_chain, site_id }).await
    }

    /// The reports marked sent for one event (a report deleted anywhere at its site is named).
    pub(in crate::capabilities::adverse_events) async fn sae_submissions_of(
        &self,
        at: At<'_>,
        event_id: &str,
    ) -> Result<SealedRead<SaeSubmission>, StoreError> {
        self.ae_rows_where(at, |s: &SaeSubmission| s.event_id == event_id).await
    }

    /// Where an event is recorded, as its row says (unchecked: only for asking the policy before
    /// anything of the event, its integrity included, is told).
    pub(in crate::capabilities::adverse_events) async fn ae_event_place(
        &self,
        id: &str,
    ) -> Result<Option<(String, String)>, StoreError> {
        use sqlx::Row as _;
        let row = sqlx::query("SELECT site_id, participant_id FROM adverse_events WHERE id = $1")
            .bind(id.to_owned())
            .fetch_optional(self.pool())
            .await?;
        Ok(match row {
            Some(r) => Some((r.try_get(0)?, r.try_get(1)?)),
            None => None,
        })
    }

    /// One participant's report, if its seal holds.
    pub(in crate::capabilities::adverse_events) async fn self_report(
        &self,
        id: &str,
    ) -> Result<Option<SelfReportRecord>, StoreError> {
        Ok(self.sealed_rows_where::<SelfReportRecord>(Some(("id", id)), "").await?.all_sealed()?.into_iter().next())
    }

    /// The site's participants' own reports and their reviews (those of one participant, or all).
    pub(in crate::capabilities::adverse_events) async fn self_reports(
        &self,
        at: At<'_>,
        participant_id: Option<&str>,
    ) -> Result<(SealedRead<SelfReportRecord>, SealedRead<SelfReportReview>), StoreError> {
        let mine = |p: &str| participant_id.is_none_or(|id| id == p);
        Ok((
            self.ae_rows_where(at, |r: &SelfReportRecord| mine(&r.participant_id)).await?,
            self.ae_rows_where(at, |r: &SelfReportReview| mine(&r.participant_id)).await?,
        ))
    }
}

impl WriteTx {
    /// One event, read inside the write transaction holding its site's chain (as every
    /// correction and report marked sent is): a decision made on it holds at commit. Refused if
    /// its seal does not hold or it is older than its ledger entries.
    pub(in crate::capabilities::adverse_events) async fn ae_event_in(
        &mut self,
        id: &str,
    ) -> Result<Option<AdverseEventRecord>, StoreError> {
        let found = self.get::<AdverseEventRecord>(id).await?;
        if let Some(e) = &found {
            self.check_sealed(std::slice::from_ref(e)).await?;
            let changes: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM ledger WHERE entity_kind = 'adverse_event' AND entity_id = $1 AND kind = 'change'",
            )
            .bind(id.to_owned())
            .fetch_one(self.conn())
            .await?;
            if e.revision < changes {
                return Err(StoreError::Domain(DomainError::Conflict(format!(
                    "adverse_event {id} is older than its audit trail (revision {} of {changes}): nothing is decided on it until `catalyst audit verify` is run",
                    e.revision
                ))));
            }
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

    /// The reports marked sent for one event, inside the transaction. Refused if any report
    /// the site's ledger holds is gone from the table: a clock must not run again, nor a second
    /// report be marked, because one was deleted.
    pub(in crate::capabilities::adverse_events) async fn sae_submissions_of(
        &mut self,
        at: At<'_>,
        event_id: &str,
    ) -> Result<Vec<SaeSubmission>, StoreError> {
        let ledgered = self.ledgered_changes(at.chain, "sae_submission").await?;
        let all: Vec<SaeSubmission> = self.fetch_records(by_column::<SaeSubmission>("site_id", at.site_id)).await?;
        self.check_sealed(&all).await?;
        if let Some((gone, _)) = ledgered.iter().find(|(id, _)| !all.iter().any(|s| &s.id == id)) {
            return Err(StoreError::Domain(DomainError::Conflict(format!(
                "sae_submission {gone} is in the audit trail but its row is gone (deleted outside Catalyst): nothing more is marked sent at this site until `catalyst audit verify` is run"
            ))));
        }
        Ok(all.into_iter().filter(|s| s.event_id == event_id).collect())
    }
}
