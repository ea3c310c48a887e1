//! Seals (HMAC with the server's secret, outside the database) over the rows that decide who a
//! request is and what it may do. The ledger's signatures prove what the server wrote; seals stop
//! the server from acting on an identity or a role someone wrote straight into the database, even
//! for a moment (docs/ledger.md, "Seals").

use crate::capabilities::people::domain::User;
use crate::platform::store::rows::{decode_row, query_owned};
use crate::platform::store::{Store, StoreError, WriteTx};
use catalyst_core::ledger::canonical_json;
use catalyst_core::record::{Record, Row};
use sqlx::Row as _;
use std::collections::{HashMap, HashSet};

/// Kinds whose live rows carry a seal: accounts (status), role grants and participants (a portal
/// account's link to its participant), the rows the dosing gate decides on (authorisations,
/// readiness sign-offs, prescriptions and physicians' decisions above them), and the rows a pharmacy movement is decided on: the
/// catalogue (ledgered: products, lots, stores with their key holders, kits) and the register's
/// derived state kept beside the movements (balances, shipments, doses, discrepancies,
/// quarantines, kits received); and the stores' resupply thresholds; and the adverse events,
/// solicited checklists and serious-event reports marked sent that reporting clocks and gaps are
/// decided on.
pub const SEALED_KINDS: &[&str] = &[
    "user",
    "role_grant",
    "participant",
    "authorisation",
    "readiness_signoff",
    "prescription",
    "dose_decision",
    "pharmacy_product",
    "pharmacy_lot",
    "pharmacy_location",
    "pharmacy_kit",
    "pharmacy_balance",
    "pharmacy_shipment",
    "pharmacy_dispense",
    "pharmacy_discrepancy",
    "pharmacy_quarantine",
    "pharmacy_received_kit",
    "pharmacy_resupply_threshold",
    "adverse_event",
    "ae_checklist",
    "sae_submission",
    "ae_self_report",
    "ae_self_report_review",
    "coding_dictionary",
    "ae_coding",
];

/// Rows read with their seals: those whose seals hold, and the ids of the rest.
#[derive(Debug, Clone)]
pub(crate) struct SealedRead<R> {
    pub rows: Vec<R>,
    /// Rows left out: their seals do not hold (written or changed outside Catalyst).
    pub unsealed: Vec<String>,
    /// Rows the ledger created that are gone (deleted outside Catalyst), where the caller asked.
    pub missing: Vec<String>,
    /// Rows older than their ledger entries say (an earlier row put back, with its old seal),
    /// where the caller asked.
    pub rolled_back: Vec<String>,
}

impl<R: Record> SealedRead<R> {
    /// What is wrong, in words, one line per row.
    pub(crate) fn problems(&self) -> Vec<String> {
        let kind = R::SPEC.kind;
        let unsealed =
            self.unsealed.iter().map(|id| format!("{kind} {id} carries no valid seal (written outside Catalyst)"));
        let missing = self
            .missing
            .iter()
            .map(|id| format!("{kind} {id} is in the audit trail but its row is gone (deleted outside Catalyst)"));
        let rolled_back = self.rolled_back.iter().map(|id| {
            format!("{kind} {id} is older than its audit trail (an earlier version put back outside Catalyst)")
        });
        unsealed.chain(missing).chain(rolled_back).collect()
    }

    /// The rows, or the first problem as an error: for reads that decide.
    pub(crate) fn all_sealed(self) -> Result<Vec<R>, StoreError> {
        match self.problems().into_iter().next() {
            Some(problem) => Err(StoreError::Tampered(problem)),
            None => Ok(self.rows),
        }
    }
}

/// Compares rows read after `ledgered` (a chain's changes per row, [`Store::ledgered_changes`])
/// with it: rows gone (deleted outside Catalyst), and rows older than their ledger (`revision`
/// numbers a row's changes where it has one: an earlier version put back with its old seal).
/// The rows put back are taken out of `rows`.
pub(crate) fn check_against_ledger<R: Record>(
    read: &mut SealedRead<R>,
    ledgered: &[(String, i64)],
    revision: impl Fn(&R) -> Option<i64>,
) {
    let present: HashMap<&str, Option<i64>> = read.rows.iter().map(|r| (r.id(), revision(r))).collect();
    let unsealed: HashSet<&str> = read.unsealed.iter().map(String::as_str).collect();
    let mut missing = Vec::new();
    let mut rolled_back = Vec::new();
    for (id, changes) in ledgered {
        match present.get(id.as_str()) {
            None if !unsealed.contains(id.as_str()) => missing.push(id.clone()),
            Some(Some(revision)) if revision < changes => rolled_back.push(id.clone()),
            _ => {}
        }
    }
    read.rows.retain(|r| !rolled_back.iter().any(|id| id == r.id()));
    read.missing = missing;
    read.rolled_back = rolled_back;
}

/// How many changes a chain's ledger holds per row of a kind.
const LEDGERED_CHANGES: &str = "SELECT entity_id, COUNT(*) FROM ledger
    WHERE chain = $1 AND entity_kind = $2 AND kind = 'change' GROUP BY entity_id";

fn changes_by_id(rows: &[sqlx::any::AnyRow]) -> Result<Vec<(String, i64)>, StoreError> {
    rows.iter().map(|r| Ok((r.try_get(0)?, r.try_get(1)?))).collect()
}

/// Why a record's seal does not hold.
fn tampered(kind: &str, id: &str) -> StoreError {
    StoreError::Tampered(format!("{kind} {id} carries no valid seal (written outside Catalyst)"))
}

impl WriteTx {
    /// [`Store::ledgered_changes`], inside the transaction.
    pub(crate) async fn ledgered_changes(&mut self, chain: &str, kind: &str) -> Result<Vec<(String, i64)>, StoreError> {
        let rows =
            sqlx::query(LEDGERED_CHANGES).bind(chain.to_owned()).bind(kind.to_owned()).fetch_all(self.conn()).await?;
        changes_by_id(&rows)
    }

    /// Seals (or, for a removed row, unseals) a ledgered row of a sealed kind.
    pub(crate) async fn reseal(&mut self, kind: &str, id: &str, row: Option<&Row>) -> Result<(), StoreError> {
        if !SEALED_KINDS.contains(&kind) {
            return Ok(());
        }
        match row {
            Some(row) => {
                let seal = self.signer().seal(kind, id, &canonical_json(row.clone()));
                sqlx::query(
                    "INSERT INTO row_seals (kind, id, seal) VALUES ($1, $2, $3)
                     ON CONFLICT (kind, id) DO UPDATE SET seal = excluded.seal",
                )
                .bind(kind.to_owned())
                .bind(id.to_owned())
                .bind(seal)
                .execute(self.conn())
                .await?;
            }
            None => {
                sqlx::query("DELETE FROM row_seals WHERE kind = $1 AND id = $2")
                    .bind(kind.to_owned())
                    .bind(id.to_owned())
                    .execute(self.conn())
                    .await?;
            }
        }
        Ok(())
    }

    /// Refuses records of a sealed kind whose seals do not match, read inside the transaction
    /// (a gate decided on them holds only if they are what Catalyst wrote).
    pub(crate) async fn check_sealed<R: Record>(&mut self, records: &[R]) -> Result<(), StoreError> {
        let kind = R::SPEC.kind;
        for record in records {
            let stored: Option<String> = sqlx::query("SELECT seal FROM row_seals WHERE kind = $1 AND id = $2")
                .bind(kind.to_owned())
                .bind(record.id().to_owned())
                .fetch_optional(self.conn())
                .await?
                .map(|r| r.try_get(0))
                .transpose()?;
            let value = canonical_json(record.to_row()?);
            if !self.signer().seal_matches(kind, record.id(), &value, stored.as_deref()) {
                return Err(tampered(kind, record.id()));
            }
        }
        Ok(())
    }
}

impl Store {
    /// Every row of a sealed table, each checked against its seal, read with its seal in one
    /// statement (a consistent snapshot on both databases, so a change committed meanwhile is
    /// never mistaken for tampering): what a page or report shows is refused, like what a
    /// movement decides on, when a row was written outside Catalyst. `order` names columns as
    /// `t.<column>`.
    pub(crate) async fn sealed_rows<R: Record>(&self, order: &str) -> Result<Vec<R>, StoreError> {
        self.sealed_rows_where::<R>(None, order).await?.all_sealed()
    }

    /// The rows of a sealed table where `column = value` (or all of them), read with their seals
    /// in one statement. A row whose seal does not hold is left out and named in `unsealed`, so
    /// one row written outside Catalyst cannot hide the rest of a view: the caller shows both.
    /// `order` names columns as `t.<column>`.
    pub(crate) async fn sealed_rows_where<R: Record>(
        &self,
        filter: Option<(&str, &str)>,
        order: &str,
    ) -> Result<SealedRead<R>, StoreError> {
        let spec = R::SPEC;
        let columns: Vec<String> = spec.columns.iter().map(|c| format!("t.{}", c.name)).collect();
        let filter_sql = match filter {
            Some((column, _)) => {
                if !spec.columns.iter().any(|c| c.name == column) {
                    return Err(StoreError::Internal(format!("{} has no column {column}", spec.table)));
                }
                format!("WHERE t.{column} = $2")
            }
            None => String::new(),
        };
        let sql = format!(
            "SELECT {}, s.seal FROM {} t LEFT JOIN row_seals s ON s.kind = $1 AND s.id = t.id {filter_sql} {order}",
            columns.join(", "),
            spec.table
        );
        let mut query = query_owned(sql).bind(spec.kind.to_owned());
        if let Some((_, value)) = filter {
            query = query.bind(value.to_owned());
        }
        let rows = query.fetch_all(self.pool()).await?;
        let mut read = SealedRead {
            rows: Vec::with_capacity(rows.len()),
            unsealed: Vec::new(),
            missing: Vec::new(),
            rolled_back: Vec::new(),
        };
        let id_column = spec.columns.iter().position(|c| c.name == "id").unwrap_or(0);
        for r in &rows {
            // A row that does not even decode (a value of the wrong type written in) is named
            // like one whose seal does not hold, never a failure of the whole view.
            let Ok(row) = decode_row(spec, r) else {
                read.unsealed.push(r.try_get::<String, _>(id_column).unwrap_or_else(|_| "(unreadable id)".to_owned()));
                continue;
            };
            let seal: Option<String> = r.try_get(spec.columns.len()).ok().flatten();
            let id = row.get("id").and_then(|v| v.as_str()).unwrap_or_default().to_owned();
            let sealed = self.signer().seal_matches(spec.kind, &id, &canonical_json(row.clone()), seal.as_deref());
            match R::from_row(row) {
                Ok(record) if sealed => read.rows.push(record),
                _ => read.unsealed.push(id),
            }
        }
        Ok(read)
    }

    /// A site's rows of a sealed table, read with their seals and checked against the site's
    /// ledger chain, read first ([`check_against_ledger`]): what a view shows of a site, with
    /// every row it cannot show named.
    pub(crate) async fn sealed_rows_at_site<R: Record>(
        &self,
        chain: &str,
        site_id: &str,
        order: &str,
        revision: impl Fn(&R) -> Option<i64>,
    ) -> Result<SealedRead<R>, StoreError> {
        let ledgered = self.ledgered_changes(chain, R::SPEC.kind).await?;
        let mut read = self.sealed_rows_where::<R>(Some(("site_id", site_id)), order).await?;
        check_against_ledger(&mut read, &ledgered, revision);
        Ok(read)
    }

    /// How many changes `chain`'s ledger holds for each row of `kind` (by id), for a caller to
    /// check that each row is still there and no older than that (rows that are never deleted).
    /// Read before the rows: a row the ledger held then is there from then on, at least as new,
    /// so one missing was deleted, and one older was put back, outside Catalyst.
    pub(crate) async fn ledgered_changes(&self, chain: &str, kind: &str) -> Result<Vec<(String, i64)>, StoreError> {
        let rows =
            sqlx::query(LEDGERED_CHANGES).bind(chain.to_owned()).bind(kind.to_owned()).fetch_all(self.pool()).await?;
        changes_by_id(&rows)
    }

    /// Refuses a record of a sealed kind whose seal does not match: it was written or changed
    /// outside Catalyst.
    pub(crate) async fn check_sealed<R: Record>(&self, record: &R) -> Result<(), StoreError> {
        let kind = R::SPEC.kind;
        let stored: Option<String> = sqlx::query("SELECT seal FROM row_seals WHERE kind = $1 AND id = $2")
            .bind(kind.to_owned())
            .bind(record.id().to_owned())
            .fetch_optional(self.pool())
            .await?
            .map(|r| r.try_get(0))
            .transpose()?;
        let value = canonical_json(record.to_row()?);
        if self.signer().seal_matches(kind, record.id(), &value, stored.as_deref()) {
            Ok(())
        } else {
            Err(tampered(kind, record.id()))
        }
    }

    /// Refuses a record whose seal does not hold.
    pub async fn check_user_sealed(&self, user: &User) -> Result<(), StoreError> {
        self.check_sealed(user).await
    }
}
