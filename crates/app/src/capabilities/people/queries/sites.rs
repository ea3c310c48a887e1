//! Site queries.

use crate::platform::store::rows::{query_owned, select_sql};
use crate::platform::store::{Store, StoreError};
use crate::capabilities::people::domain::Site;
use catalyst_core::record::Record;

impl Store {
    pub(in crate::capabilities::people) async fn list_sites(&self) -> Result<Vec<Site>, StoreError> {
        self.fetch_records(query_owned(select_sql(Site::SPEC, "ORDER BY code"))).await
    }

    pub(in crate::capabilities::people) async fn site_by_code(&self, code: &str) -> Result<Option<Site>, StoreError> {
        let mut sites: Vec<Site> =
            self.fetch_records(query_owned(select_sql(Site::SPEC, "WHERE code = $1")).bind(code.to_owned())).await?;
        Ok(sites.pop())
    }
}
