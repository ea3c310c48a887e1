//! Site queries.

use crate::platform::store::rows::{query_owned, select_sql};
use crate::platform::store::{Store, StoreError};
use crate::capabilities::people::domain::Site;
use catalyst_core::record::Record;

impl Store {
    pub async fn list_sites(&self) -> Result<Vec<Site>, StoreError> {
        self.fetch_records(query_owned(select_sql(Site::SPEC, "ORDER BY code"))).await
    }

    pub async fn site_by_code(&self, code: &str) -> Result<Option<Site>, StoreError> {
        let mut sites: Vec<Site> =
            self.fetch_records(query_owned(select_sql(Site::SPEC, "WHERE code = $1")).bind(code.to_owned())).await?;
        Ok(sites.pop())
    }
}

impl Store {
    pub async fn signatures_for(
        &self,
        entity_kind: &str,
        entity_id: &str,
    ) -> Result<Vec<catalyst_core::esign::ESignature>, StoreError> {
        use catalyst_core::esign::ESignature;
        let tail = "WHERE entity_kind = $1 AND entity_id = $2 ORDER BY signed_at";
        self.fetch_records(
            query_owned(select_sql(ESignature::SPEC, tail)).bind(entity_kind.to_owned()).bind(entity_id.to_owned()),
        )
        .await
    }
}
