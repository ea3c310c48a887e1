//! `audit verify` for state the people capability keeps beside the ledger.

use crate::platform::capability::DerivedFuture;
use crate::platform::store::Store;
use catalyst_core::ledger::StateMismatch;
use sqlx::Row as _;
use std::collections::BTreeMap;

/// The dashboard's per-stage counts are kept by triggers, not the ledger: they must equal a
/// count of the (verified) participants table.
pub(crate) fn stage_count_mismatches(store: &Store) -> DerivedFuture<'_> {
    Box::pin(async move {
        let mut counted: BTreeMap<(String, String), i64> = BTreeMap::new();
        for row in sqlx::query("SELECT site_id, stage, COUNT(*) FROM participants GROUP BY site_id, stage")
            .fetch_all(store.pool())
            .await?
        {
            counted.insert((row.try_get(0)?, row.try_get(1)?), row.try_get(2)?);
        }
        let mut mismatches = Vec::new();
        for row in sqlx::query("SELECT site_id, stage, n FROM participant_stage_counts").fetch_all(store.pool()).await? {
            let key: (String, String) = (row.try_get(0)?, row.try_get(1)?);
            let kept: i64 = row.try_get(2)?;
            let actual = counted.remove(&key).unwrap_or(0);
            if kept != actual {
                mismatches.push(StateMismatch {
                    entity_kind: "participant_stage_count".to_owned(),
                    entity_id: format!("{}/{}", key.0, key.1),
                    problem: format!(
                        "the dashboard count is {kept} but the site has {actual} participants at this stage"
                    ),
                });
            }
        }
        for ((site, stage), actual) in counted {
            mismatches.push(StateMismatch {
                entity_kind: "participant_stage_count".to_owned(),
                entity_id: format!("{site}/{stage}"),
                problem: format!("no dashboard count, but the site has {actual} participants at this stage"),
            });
        }
        Ok(mismatches)
    })
}
