//! Document queries (reads; writes go through the ledgered write path).

use crate::capabilities::documents::domain::Document;
use crate::platform::store::rows::{query_owned, select_sql};
use crate::platform::store::{Store, StoreError};
use catalyst_core::record::Record;

impl Store {
    /// The documents attached to one record, oldest first.
    pub(in crate::capabilities::documents) async fn documents_of(
        &self,
        entity_kind: &str,
        entity_id: &str,
    ) -> Result<Vec<Document>, StoreError> {
        let tail = "WHERE entity_kind = $1 AND entity_id = $2 ORDER BY uploaded_at, id";
        let query = query_owned(select_sql(Document::SPEC, tail)).bind(entity_kind.to_owned()).bind(entity_id.to_owned());
        self.fetch_records(query).await
    }

    /// A page of the active documents after `after` (by id), for `audit verify`.
    pub(in crate::capabilities::documents) async fn active_documents_after(
        &self,
        after: &str,
        limit: i64,
    ) -> Result<Vec<Document>, StoreError> {
        let tail = "WHERE status = 'active' AND id > $1 ORDER BY id LIMIT $2";
        self.fetch_records(query_owned(select_sql(Document::SPEC, tail)).bind(after.to_owned()).bind(limit)).await
    }
}
