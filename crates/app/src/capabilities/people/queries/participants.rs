//! Participant queries, paged by serial so lists stay fast at any size.

use std::collections::HashMap;
use crate::platform::store::rows::{query_owned, select_sql};
use crate::platform::store::{Store, StoreError, WriteTx};
use crate::capabilities::people::domain::Participant;
use catalyst_core::record::Record;
use sqlx::Row as _;

impl Store {
    /// A page of a site's participants in serial order, starting after `after_serial`.
    pub(in crate::capabilities::people) async fn list_participants(
        &self,
        site_id: &str,
        after_serial: i64,
        limit: i64,
    ) -> Result<Vec<Participant>, StoreError> {
        let tail = "WHERE site_id = $1 AND serial > $2 ORDER BY serial LIMIT $3";
        self.fetch_records(
            query_owned(select_sql(Participant::SPEC, tail)).bind(site_id.to_owned()).bind(after_serial).bind(limit),
        )
        .await
    }

    /// Number of participants per stage at a site, from the counts the database keeps by
    /// trigger (migration 2), so a dashboard costs the same at ten participants or a million.
    pub(in crate::capabilities::people) async fn stage_counts(&self, site_id: &str) -> Result<Vec<(String, i64)>, StoreError> {
        let rows =
            sqlx::query("SELECT stage, n FROM participant_stage_counts WHERE site_id = $1 AND n > 0 ORDER BY stage")
                .bind(site_id.to_owned())
                .fetch_all(self.pool())
                .await?;
        rows.iter().map(|r| Ok((r.try_get(0)?, r.try_get(1)?))).collect()
    }

    pub(in crate::capabilities::people) async fn participant_for_user(&self, user_id: &str) -> Result<Vec<Participant>, StoreError> {
        self.fetch_records(query_owned(select_sql(Participant::SPEC, "WHERE user_id = $1")).bind(user_id.to_owned()))
            .await
    }

    pub(in crate::capabilities::people) async fn participant_by_code(&self, code: &str) -> Result<Option<Participant>, StoreError> {
        let mut found: Vec<Participant> = self
            .fetch_records(query_owned(select_sql(Participant::SPEC, "WHERE code = $1")).bind(code.to_owned()))
            .await?;
        Ok(found.pop())
    }

    /// Participant codes by id, for labelling a site's lists.
    pub(in crate::capabilities::people) async fn participant_codes_at_site(&self, site_id: &str) -> Result<HashMap<String, String>, StoreError> {
        let rows = sqlx::query("SELECT id, code FROM participants WHERE site_id = $1")
            .bind(site_id.to_owned())
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(|r| Ok((r.try_get(0)?, r.try_get(1)?))).collect()
    }
}

impl WriteTx {
    /// The next serial at a site. Safe under concurrency because the site's chain is locked.
    pub(in crate::capabilities::people) async fn next_participant_serial(&mut self, site_id: &str) -> Result<i64, StoreError> {
        let row = sqlx::query("SELECT MAX(serial) FROM participants WHERE site_id = $1")
            .bind(site_id.to_owned())
            .fetch_one(self.conn())
            .await?;
        Ok(row.try_get::<Option<i64>, _>(0)?.unwrap_or(0) + 1)
    }
}
