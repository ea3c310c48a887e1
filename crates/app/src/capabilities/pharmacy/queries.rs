//! Pharmacy queries: the catalogue and the movements (ledgered, written through `WriteTx`), and
//! the register's derived state, which only the movement write path changes, inside the same
//! transaction, each row sealed. Reads that a decision depends on take the caller's `WriteTx`.

use crate::capabilities::pharmacy::domain::{
    BalanceRow, Location, Lot, MovementRecord, ResupplyThreshold, SEAL_BALANCE, SEAL_DISCREPANCY, SEAL_DISPENSE,
    SEAL_QUARANTINE, SEAL_RECEIVED_KIT, SEAL_SHIPMENT, state_row,
};
use crate::platform::store::rows::{AnyQuery, query_owned, select_sql};
use crate::platform::store::{Store, StoreError, WriteTx};
use catalyst_core::DomainError;
use catalyst_core::ledger::canonical_json;
use catalyst_core::record::{Record, Row};
use catalyst_pharmacy::{BalanceKey, Delta, Discrepancy, Dispense, Quarantine, Register, Shipment};
use serde::Serialize;
use serde::de::DeserializeOwned;
use sqlx::Row as _;

fn internal(e: impl std::fmt::Display) -> StoreError {
    StoreError::Internal(e.to_string())
}

fn json<T: Serialize>(value: &T) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(internal)
}

fn parse<T: DeserializeOwned>(what: &str, text: &str) -> Result<T, StoreError> {
    serde_json::from_str(text).map_err(|e| StoreError::Internal(format!("{what} unreadable: {e}")))
}

impl Store {
    pub(in crate::capabilities::pharmacy) async fn pharmacy_lots(&self) -> Result<Vec<Lot>, StoreError> {
        self.fetch_records(query_owned(select_sql(Lot::SPEC, "ORDER BY expires_on, lot_number, id"))).await
    }

    pub(in crate::capabilities::pharmacy) async fn pharmacy_locations(&self) -> Result<Vec<Location>, StoreError> {
        self.fetch_records(query_owned(select_sql(Location::SPEC, "ORDER BY site_id, kind, name, id"))).await
    }

    /// Every movement, in the register's order.
    pub(in crate::capabilities::pharmacy) async fn pharmacy_movements(&self) -> Result<Vec<MovementRecord>, StoreError> {
        self.fetch_records(query_owned(select_sql(MovementRecord::SPEC, "ORDER BY seq"))).await
    }

    /// The register's sequence as stored: the number of the last movement.
    pub(in crate::capabilities::pharmacy) async fn pharmacy_sequence_value(&self) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar("SELECT seq FROM pharmacy_sequence WHERE name = 'movements'").fetch_one(self.pool()).await?)
    }

    /// A site's movements of one kind, in the register's order.
    pub(in crate::capabilities::pharmacy) async fn pharmacy_movements_of_kind(
        &self,
        site_id: &str,
        kind: &str,
    ) -> Result<Vec<MovementRecord>, StoreError> {
        let q = query_owned(select_sql(MovementRecord::SPEC, "WHERE site_id = $1 AND kind = $2 ORDER BY seq"));
        self.fetch_records(q.bind(site_id.to_owned()).bind(kind.to_owned())).await
    }

    /// The register as the derived tables hold it (for views, and for `audit verify` to compare
    /// with a replay of the movements).
    pub(in crate::capabilities::pharmacy) async fn stored_register(&self) -> Result<Register, StoreError> {
        let mut r = Register::default();
        for row in sqlx::query("SELECT holding_kind, holding_id, lot_id, kit_number, units FROM pharmacy_balances")
            .fetch_all(self.pool())
            .await?
        {
            let b = BalanceRow {
                holding_kind: row.try_get(0)?,
                holding_id: row.try_get(1)?,
                lot_id: row.try_get(2)?,
                kit_number: row.try_get(3)?,
                units: row.try_get(4)?,
            };
            let key = b.key().ok_or_else(|| internal(format!("balance of unknown holding kind {}", b.holding_kind)))?;
            r.balances.insert(key, b.units);
        }
        for row in sqlx::query("SELECT state FROM pharmacy_shipments").fetch_all(self.pool()).await? {
            let s: Shipment = parse("shipment", &row.try_get::<String, _>(0)?)?;
            r.shipments.insert(s.id.clone(), s);
        }
        for row in sqlx::query("SELECT state FROM pharmacy_dispenses").fetch_all(self.pool()).await? {
            let d: Dispense = parse("dispense", &row.try_get::<String, _>(0)?)?;
            r.dispenses.insert(d.id.clone(), d);
        }
        for row in sqlx::query("SELECT state FROM pharmacy_discrepancies").fetch_all(self.pool()).await? {
            let d: Discrepancy = parse("discrepancy", &row.try_get::<String, _>(0)?)?;
            r.discrepancies.insert(d.id.clone(), d);
        }
        for row in sqlx::query("SELECT lot_id, state FROM pharmacy_quarantines").fetch_all(self.pool()).await? {
            let q: Quarantine = parse("quarantine", &row.try_get::<String, _>(1)?)?;
            r.quarantined.insert(row.try_get(0)?, q);
        }
        for row in sqlx::query("SELECT kit_number FROM pharmacy_received_kits").fetch_all(self.pool()).await? {
            r.received_kits.insert(row.try_get(0)?);
        }
        Ok(r)
    }

    /// A shipment's route, a dose's store or a discrepancy's store, read before a movement's
    /// transaction only to learn which sites' chains to lock (they never change once made; the
    /// transaction reads them again and refuses if they differ).
    pub(in crate::capabilities::pharmacy) async fn pharmacy_route(
        &self,
        table: RouteOf,
        id: &str,
    ) -> Result<Vec<String>, StoreError> {
        let sql = match table {
            RouteOf::Shipment => "SELECT from_location_id, to_location_id FROM pharmacy_shipments WHERE id = $1",
            RouteOf::Dispense => "SELECT location_id, location_id FROM pharmacy_dispenses WHERE id = $1",
            RouteOf::Discrepancy => "SELECT location_id, location_id FROM pharmacy_discrepancies WHERE id = $1",
        };
        let row = sqlx::query(sql).bind(id.to_owned()).fetch_optional(self.pool()).await?;
        Ok(match row {
            Some(row) => vec![row.try_get(0)?, row.try_get(1)?],
            None => Vec::new(),
        })
    }
}

#[derive(Debug, Clone, Copy)]
pub(in crate::capabilities::pharmacy) enum RouteOf {
    Shipment,
    Dispense,
    Discrepancy,
}

impl WriteTx {
    /// The register's next number, taken under a lock held to commit: pharmacy movements are
    /// one sequence across sites, the order replay follows.
    pub(in crate::capabilities::pharmacy) async fn next_pharmacy_seq(&mut self) -> Result<i64, StoreError> {
        sqlx::query("UPDATE pharmacy_sequence SET seq = seq + 1 WHERE name = 'movements'").execute(self.conn()).await?;
        let row = sqlx::query("SELECT seq FROM pharmacy_sequence WHERE name = 'movements'").fetch_one(self.conn()).await?;
        let next: i64 = row.try_get(0)?;
        // The number follows the last movement's: a sequence set back (or forward) in the
        // database is named, not met with a conflict on every movement.
        let last: Option<i64> =
            sqlx::query_scalar("SELECT MAX(seq) FROM pharmacy_movements").fetch_one(self.conn()).await?;
        if next != last.unwrap_or(0) + 1 {
            return Err(StoreError::Tampered(format!(
                "the pharmacy register's sequence gives {next} after movement {}: it was changed outside Catalyst",
                last.unwrap_or(0)
            )));
        }
        Ok(next)
    }

    /// Refuses a derived row whose seal does not hold: it was written outside Catalyst.
    async fn check_state_seal(&mut self, kind: &str, id: &str, row: Row) -> Result<(), StoreError> {
        let stored: Option<String> = sqlx::query("SELECT seal FROM row_seals WHERE kind = $1 AND id = $2")
            .bind(kind.to_owned())
            .bind(id.to_owned())
            .fetch_optional(self.conn())
            .await?
            .map(|r| r.try_get(0))
            .transpose()?;
        if self.signer().seal_matches(kind, id, &canonical_json(row), stored.as_deref()) {
            Ok(())
        } else {
            Err(StoreError::Tampered(format!("{kind} {id} carries no valid seal (written outside Catalyst)")))
        }
    }

    /// Units of a lot (all its kits) held at a store, read inside the transaction.
    pub(in crate::capabilities::pharmacy) async fn pharmacy_units_at(
        &mut self,
        location_id: &str,
        lot_id: &str,
    ) -> Result<i64, StoreError> {
        let units: Option<i64> = sqlx::query_scalar(
            "SELECT CAST(SUM(units) AS BIGINT) FROM pharmacy_balances WHERE holding_kind = 'location' AND holding_id = $1 AND lot_id = $2",
        )
        .bind(location_id.to_owned())
        .bind(lot_id.to_owned())
        .fetch_one(self.conn())
        .await?;
        Ok(units.unwrap_or(0))
    }

    /// A ledgered catalogue record, only if its seal holds.
    pub(in crate::capabilities::pharmacy) async fn sealed<R: Record>(&mut self, id: &str) -> Result<Option<R>, StoreError> {
        let found = self.get::<R>(id).await?;
        if let Some(record) = &found {
            self.check_sealed(std::slice::from_ref(record)).await?;
        }
        Ok(found)
    }

    /// A store's threshold for a product, only if its seal holds.
    pub(in crate::capabilities::pharmacy) async fn pharmacy_threshold(
        &mut self,
        location_id: &str,
        product_id: &str,
    ) -> Result<Option<ResupplyThreshold>, StoreError> {
        let tail = "WHERE location_id = $1 AND product_id = $2";
        let query = query_owned(select_sql(ResupplyThreshold::SPEC, tail)).bind(location_id.to_owned()).bind(product_id.to_owned());
        let found: Option<ResupplyThreshold> = self.fetch_records(query).await?.pop();
        if let Some(t) = &found {
            self.check_sealed(std::slice::from_ref(t)).await?;
        }
        Ok(found)
    }

    pub(in crate::capabilities::pharmacy) async fn pharmacy_balance(&mut self, key: &BalanceKey) -> Result<i64, StoreError> {
        let b = BalanceRow::of(key, 0);
        let row = sqlx::query(
            "SELECT units FROM pharmacy_balances WHERE holding_kind = $1 AND holding_id = $2 AND lot_id = $3 AND kit_number = $4",
        )
        .bind(b.holding_kind.clone())
        .bind(b.holding_id.clone())
        .bind(b.lot_id.clone())
        .bind(b.kit_number.clone())
        .fetch_optional(self.conn())
        .await?;
        let Some(row) = row else { return Ok(0) };
        let units: i64 = row.try_get(0)?;
        self.check_state_seal(SEAL_BALANCE, &BalanceRow::seal_id(key), BalanceRow::of(key, units).to_row()).await?;
        Ok(units)
    }

    async fn state_by(&mut self, sql: &'static str, key: &str) -> Result<Vec<String>, StoreError> {
        let rows = sqlx::query(sql).bind(key.to_owned()).fetch_all(self.conn()).await?;
        rows.iter().map(|r| r.try_get::<String, _>(0).map_err(StoreError::from)).collect()
    }

    pub(in crate::capabilities::pharmacy) async fn pharmacy_shipment(&mut self, id: &str) -> Result<Option<Shipment>, StoreError> {
        let Some(state) = self.state_by("SELECT state FROM pharmacy_shipments WHERE id = $1", id).await?.pop() else {
            return Ok(None);
        };
        self.check_state_seal(SEAL_SHIPMENT, id, state_row(SEAL_SHIPMENT, id, &state)).await?;
        parse("shipment", &state).map(Some)
    }

    pub(in crate::capabilities::pharmacy) async fn pharmacy_dispense(&mut self, id: &str) -> Result<Option<Dispense>, StoreError> {
        let Some(state) = self.state_by("SELECT state FROM pharmacy_dispenses WHERE id = $1", id).await?.pop() else {
            return Ok(None);
        };
        self.check_state_seal(SEAL_DISPENSE, id, state_row(SEAL_DISPENSE, id, &state)).await?;
        parse("dispense", &state).map(Some)
    }

    /// Every dose dispensed for an appointment (the session's dose so far).
    pub(in crate::capabilities::pharmacy) async fn pharmacy_dispenses_for(
        &mut self,
        appointment_id: &str,
    ) -> Result<Vec<Dispense>, StoreError> {
        let states =
            self.state_by("SELECT state FROM pharmacy_dispenses WHERE appointment_id = $1 ORDER BY id", appointment_id).await?;
        let mut out = Vec::new();
        for state in states {
            let d: Dispense = parse("dispense", &state)?;
            self.check_state_seal(SEAL_DISPENSE, &d.id, state_row(SEAL_DISPENSE, &d.id, &state)).await?;
            out.push(d);
        }
        Ok(out)
    }

    pub(in crate::capabilities::pharmacy) async fn pharmacy_discrepancy(
        &mut self,
        id: &str,
    ) -> Result<Option<Discrepancy>, StoreError> {
        let Some(state) = self.state_by("SELECT state FROM pharmacy_discrepancies WHERE id = $1", id).await?.pop() else {
            return Ok(None);
        };
        self.check_state_seal(SEAL_DISCREPANCY, id, state_row(SEAL_DISCREPANCY, id, &state)).await?;
        parse("discrepancy", &state).map(Some)
    }

    pub(in crate::capabilities::pharmacy) async fn pharmacy_quarantine(&mut self, lot_id: &str) -> Result<Option<Quarantine>, StoreError> {
        let Some(state) = self.state_by("SELECT state FROM pharmacy_quarantines WHERE lot_id = $1", lot_id).await?.pop() else {
            return Ok(None);
        };
        self.check_state_seal(SEAL_QUARANTINE, lot_id, state_row(SEAL_QUARANTINE, lot_id, &state)).await?;
        parse("quarantine", &state).map(Some)
    }

    pub(in crate::capabilities::pharmacy) async fn pharmacy_kit_received(&mut self, kit: &str) -> Result<bool, StoreError> {
        let found = !self.state_by("SELECT kit_number FROM pharmacy_received_kits WHERE kit_number = $1", kit).await?.is_empty();
        if found {
            self.check_state_seal(SEAL_RECEIVED_KIT, kit, state_row(SEAL_RECEIVED_KIT, kit, "received")).await?;
        }
        Ok(found)
    }

    /// Writes an accepted movement's delta: each balance guarded by the units it was decided
    /// on (`UPDATE .. WHERE units = before`), and every record it creates or changes, each row
    /// sealed.
    pub(in crate::capabilities::pharmacy) async fn write_pharmacy_delta(&mut self, delta: &Delta) -> Result<(), StoreError> {
        let changed = || DomainError::Conflict("the stock changed meanwhile; try again".into());
        for change in &delta.balances {
            let row = BalanceRow::of(&change.key, change.after);
            let seal_id = BalanceRow::seal_id(&change.key);
            let bind = |q: AnyQuery<'static>| {
                q.bind(row.holding_kind.clone()).bind(row.holding_id.clone()).bind(row.lot_id.clone()).bind(row.kit_number.clone())
            };
            let affected = match (change.before, change.after) {
                (0, after) => {
                    bind(sqlx::query(
                        "INSERT INTO pharmacy_balances (holding_kind, holding_id, lot_id, kit_number, units) VALUES ($1, $2, $3, $4, $5)",
                    ))
                    .bind(after)
                    .execute(self.conn())
                    .await?
                    .rows_affected()
                }
                (before, 0) => {
                    bind(sqlx::query(
                        "DELETE FROM pharmacy_balances WHERE holding_kind = $1 AND holding_id = $2 AND lot_id = $3 AND kit_number = $4 AND units = $5",
                    ))
                    .bind(before)
                    .execute(self.conn())
                    .await?
                    .rows_affected()
                }
                (before, after) => {
                    bind(sqlx::query(
                        "UPDATE pharmacy_balances SET units = $6 WHERE holding_kind = $1 AND holding_id = $2 AND lot_id = $3 AND kit_number = $4 AND units = $5",
                    ))
                    .bind(before)
                    .bind(after)
                    .execute(self.conn())
                    .await?
                    .rows_affected()
                }
            };
            if affected != 1 {
                return Err(changed().into());
            }
            let sealed = (change.after > 0).then(|| row.to_row());
            self.reseal(SEAL_BALANCE, &seal_id, sealed.as_ref()).await?;
        }
        for s in &delta.shipments {
            let state = json(s)?;
            sqlx::query(
                "INSERT INTO pharmacy_shipments (id, from_location_id, to_location_id, state) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (id) DO UPDATE SET state = excluded.state",
            )
            .bind(s.id.clone())
            .bind(s.from_location_id.clone())
            .bind(s.to_location_id.clone())
            .bind(state.clone())
            .execute(self.conn())
            .await?;
            self.reseal(SEAL_SHIPMENT, &s.id, Some(&state_row(SEAL_SHIPMENT, &s.id, &state))).await?;
        }
        for d in &delta.dispenses {
            let state = json(d)?;
            sqlx::query(
                "INSERT INTO pharmacy_dispenses (id, location_id, appointment_id, participant_id, at, state)
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO UPDATE SET state = excluded.state",
            )
            .bind(d.id.clone())
            .bind(d.location_id.clone())
            .bind(d.appointment_id.clone())
            .bind(d.participant_id.clone())
            .bind(d.at.micros())
            .bind(state.clone())
            .execute(self.conn())
            .await?;
            self.reseal(SEAL_DISPENSE, &d.id, Some(&state_row(SEAL_DISPENSE, &d.id, &state))).await?;
        }
        for d in &delta.discrepancies {
            let state = json(d)?;
            sqlx::query(
                "INSERT INTO pharmacy_discrepancies (id, location_id, is_open, state) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (id) DO UPDATE SET is_open = excluded.is_open, state = excluded.state",
            )
            .bind(d.id.clone())
            .bind(d.location_id.clone())
            .bind(i64::from(d.is_open()))
            .bind(state.clone())
            .execute(self.conn())
            .await?;
            self.reseal(SEAL_DISCREPANCY, &d.id, Some(&state_row(SEAL_DISCREPANCY, &d.id, &state))).await?;
        }
        for (lot_id, q) in &delta.quarantine {
            match q {
                Some(q) => {
                    let state = json(q)?;
                    sqlx::query(
                        "INSERT INTO pharmacy_quarantines (lot_id, state) VALUES ($1, $2)
                         ON CONFLICT (lot_id) DO UPDATE SET state = excluded.state",
                    )
                    .bind(lot_id.clone())
                    .bind(state.clone())
                    .execute(self.conn())
                    .await?;
                    self.reseal(SEAL_QUARANTINE, lot_id, Some(&state_row(SEAL_QUARANTINE, lot_id, &state))).await?;
                }
                None => {
                    sqlx::query("DELETE FROM pharmacy_quarantines WHERE lot_id = $1")
                        .bind(lot_id.clone())
                        .execute(self.conn())
                        .await?;
                    self.reseal(SEAL_QUARANTINE, lot_id, None).await?;
                }
            }
        }
        for kit in &delta.received_kits {
            sqlx::query("INSERT INTO pharmacy_received_kits (kit_number) VALUES ($1)")
                .bind(kit.clone())
                .execute(self.conn())
                .await?;
            self.reseal(SEAL_RECEIVED_KIT, kit, Some(&state_row(SEAL_RECEIVED_KIT, kit, "received"))).await?;
        }
        Ok(())
    }
}
