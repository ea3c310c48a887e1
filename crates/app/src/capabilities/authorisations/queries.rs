//! Authorisation queries (reads; writes go through the ledgered write path).

use crate::capabilities::authorisations::domain::Authorisation;
use crate::capabilities::authorisations::domain::readiness::ReadinessSignoff;
use crate::capabilities::authorisations::domain::reports::ReportSubmission;
use crate::platform::store::rows::{AnyQuery, query_owned, select_sql};
use crate::platform::store::{Store, StoreError, WriteTx};
use catalyst_core::record::Record;

/// A site's authorisations, newest first.
fn at_site(site_id: &str) -> AnyQuery<'static> {
    query_owned(select_sql(Authorisation::SPEC, "WHERE site_id = $1 ORDER BY valid_from DESC, id"))
        .bind(site_id.to_owned())
}

impl Store {
    pub(in crate::capabilities::authorisations) async fn authorisations_at_site(
        &self,
        site_id: &str,
    ) -> Result<Vec<Authorisation>, StoreError> {
        self.fetch_records(at_site(site_id)).await
    }
}

impl Store {
    pub(in crate::capabilities::authorisations) async fn submissions_at_site(
        &self,
        site_id: &str,
    ) -> Result<Vec<ReportSubmission>, StoreError> {
        let tail = "WHERE site_id = $1 ORDER BY due_on";
        self.fetch_records(query_owned(select_sql(ReportSubmission::SPEC, tail)).bind(site_id.to_owned())).await
    }
}

impl WriteTx {
    /// The same, read inside a write transaction, so a gate decided on it holds at commit.
    pub(in crate::capabilities::authorisations) async fn authorisations_at_site(
        &mut self,
        site_id: &str,
    ) -> Result<Vec<Authorisation>, StoreError> {
        self.fetch_records(at_site(site_id)).await
    }
}

/// A site's readiness sign-offs, oldest first.
fn signoffs_at(site_id: &str) -> AnyQuery<'static> {
    query_owned(select_sql(ReadinessSignoff::SPEC, "WHERE site_id = $1 ORDER BY recorded_at, id")).bind(site_id.to_owned())
}

impl Store {
    pub(in crate::capabilities::authorisations) async fn readiness_signoffs(
        &self,
        site_id: &str,
    ) -> Result<Vec<ReadinessSignoff>, StoreError> {
        self.fetch_records(signoffs_at(site_id)).await
    }
}

impl WriteTx {
    pub(in crate::capabilities::authorisations) async fn readiness_signoffs(
        &mut self,
        site_id: &str,
    ) -> Result<Vec<ReadinessSignoff>, StoreError> {
        self.fetch_records(signoffs_at(site_id)).await
    }
}
