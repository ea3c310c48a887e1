//! Screening and consent queries.

use crate::platform::store::rows::{AnyQuery, query_owned, select_sql};
use crate::platform::store::{Store, StoreError};
use crate::capabilities::eligibility::domain::{Consent, ConsentDocument, Screening};
use catalyst_core::record::Record;

/// A participant's screenings, newest first.
fn screenings_query(participant_id: &str) -> AnyQuery<'static> {
    query_owned(select_sql(Screening::SPEC, "WHERE participant_id = $1 ORDER BY evaluated_at DESC"))
        .bind(participant_id.to_owned())
}

/// The newest consent document version.
fn current_document_query() -> AnyQuery<'static> {
    query_owned(select_sql(ConsentDocument::SPEC, "ORDER BY version DESC LIMIT 1"))
}

/// A participant's consents, newest first.
fn consents_query(participant_id: &str) -> AnyQuery<'static> {
    query_owned(select_sql(Consent::SPEC, "WHERE participant_id = $1 ORDER BY signed_at DESC")).bind(participant_id.to_owned())
}

impl Store {
    pub(in crate::capabilities::eligibility) async fn screenings_for(&self, participant_id: &str) -> Result<Vec<Screening>, StoreError> {
        self.fetch_records(screenings_query(participant_id)).await
    }

    pub(in crate::capabilities::eligibility) async fn current_consent_document(&self) -> Result<Option<ConsentDocument>, StoreError> {
        Ok(self.fetch_records(current_document_query()).await?.pop())
    }

    pub(in crate::capabilities::eligibility) async fn consents_for(&self, participant_id: &str) -> Result<Vec<Consent>, StoreError> {
        self.fetch_records(consents_query(participant_id)).await
    }
}

/// The same reads inside a write transaction, so a rule checked against them holds when it commits.
impl crate::platform::store::WriteTx {
    pub(in crate::capabilities::eligibility) async fn screenings_for(&mut self, participant_id: &str) -> Result<Vec<Screening>, StoreError> {
        self.fetch_records(screenings_query(participant_id)).await
    }

    pub(in crate::capabilities::eligibility) async fn current_consent_document(&mut self) -> Result<Option<ConsentDocument>, StoreError> {
        Ok(self.fetch_records(current_document_query()).await?.pop())
    }

    pub(in crate::capabilities::eligibility) async fn consents_for(&mut self, participant_id: &str) -> Result<Vec<Consent>, StoreError> {
        self.fetch_records(consents_query(participant_id)).await
    }
}
