//! Assessment and safety-alert queries.

use crate::platform::store::rows::{query_owned, select_sql};
use crate::platform::store::{Store, StoreError, WriteTx};
use crate::capabilities::outcomes::domain::{Assessment, SafetyAlert};
use catalyst_core::record::Record;

impl Store {
    /// A participant's assessments that stand (not voided), oldest first.
    pub(in crate::capabilities::outcomes) async fn assessments_for(&self, participant_id: &str) -> Result<Vec<Assessment>, StoreError> {
        let tail = "WHERE participant_id = $1 AND id NOT IN (SELECT id FROM assessment_voids) \
                    ORDER BY administered_on, recorded_at";
        self.fetch_records(query_owned(select_sql(Assessment::SPEC, tail)).bind(participant_id.to_owned())).await
    }

    /// Unacknowledged alerts at a site, oldest first.
    pub(in crate::capabilities::outcomes) async fn open_alerts(&self, site_id: &str) -> Result<Vec<SafetyAlert>, StoreError> {
        let tail = "WHERE site_id = $1 AND acknowledged_at IS NULL ORDER BY raised_at";
        self.fetch_records(query_owned(select_sql(SafetyAlert::SPEC, tail)).bind(site_id.to_owned())).await
    }

}

impl WriteTx {
    /// A participant's standing (not voided) assessments of one instrument on one date, read
    /// inside the transaction.
    pub(in crate::capabilities::outcomes) async fn standing_assessments_on(
        &mut self,
        participant_id: &str,
        instrument: &str,
        administered_on: &str,
    ) -> Result<Vec<Assessment>, StoreError> {
        let tail = "WHERE participant_id = $1 AND instrument = $2 AND administered_on = $3 \
                    AND id NOT IN (SELECT id FROM assessment_voids)";
        self.fetch_records(
            query_owned(select_sql(Assessment::SPEC, tail))
                .bind(participant_id.to_owned())
                .bind(instrument.to_owned())
                .bind(administered_on.to_owned()),
        )
        .await
    }
}
