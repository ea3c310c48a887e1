//! Screening and consent queries.

use crate::platform::store::rows::{query_owned, select_sql};
use crate::platform::store::{Store, StoreError};
use crate::capabilities::eligibility::domain::{Consent, ConsentDocument, Screening};
use catalyst_core::record::Record;

impl Store {
    /// A participant's screenings, newest first.
    pub(in crate::capabilities::eligibility) async fn screenings_for(&self, participant_id: &str) -> Result<Vec<Screening>, StoreError> {
        let tail = "WHERE participant_id = $1 ORDER BY evaluated_at DESC";
        self.fetch_records(query_owned(select_sql(Screening::SPEC, tail)).bind(participant_id.to_owned())).await
    }

    /// The newest consent document version.
    pub(in crate::capabilities::eligibility) async fn current_consent_document(&self) -> Result<Option<ConsentDocument>, StoreError> {
        let mut docs: Vec<ConsentDocument> =
            self.fetch_records(query_owned(select_sql(ConsentDocument::SPEC, "ORDER BY version DESC LIMIT 1"))).await?;
        Ok(docs.pop())
    }

    /// A participant's consents, newest first.
    pub(in crate::capabilities::eligibility) async fn consents_for(&self, participant_id: &str) -> Result<Vec<Consent>, StoreError> {
        let tail = "WHERE participant_id = $1 ORDER BY signed_at DESC";
        self.fetch_records(query_owned(select_sql(Consent::SPEC, tail)).bind(participant_id.to_owned())).await
    }
}

impl crate::platform::store::WriteTx {
    /// [`Store::screenings_for`], read inside the transaction.
    pub(in crate::capabilities::eligibility) async fn screenings_for(&mut self, participant_id: &str) -> Result<Vec<Screening>, StoreError> {
        let tail = "WHERE participant_id = $1 ORDER BY evaluated_at DESC";
        self.fetch_records(query_owned(select_sql(Screening::SPEC, tail)).bind(participant_id.to_owned())).await
    }
}
