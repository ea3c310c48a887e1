//! The register's state: balances per (holding, lot, kit), quarantined lots, shipments,
//! dispensed doses and discrepancies, and the [`Delta`] a movement makes to it.
//!
//! Every movement is posted double-entry: units move from one [`Account`] to another, so no
//! unit appears or vanishes without a posting. Holdings are the accounts that hold stock and
//! may never go negative (a location, an in-transit shipment, a dose dispensed to the session
//! team, the shortfall of a discrepancy awaiting its investigation); flows are where stock
//! comes from and goes to outside the register (received, administered, destroyed ...).
//!
//! Everything here is plain data with no floats, so two registers compare exactly and a
//! replayed register equals the one built movement by movement.

use std::collections::{BTreeMap, BTreeSet};

use catalyst_core::time::Timestamp;
use serde::{Deserialize, Serialize};

use crate::movement::{Conclusion, Movement, QuarantineCause};

/// Where units are held.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum Holding {
    /// A locked store, by location id.
    Location(String),
    /// A shipment between locations, by shipment id: nobody's until received.
    InTransit(String),
    /// A dose dispensed to the session team, by the dispense's movement id.
    Dispensed(String),
    /// Units a count or a transfer receipt found missing, by the discrepancy's id, until the
    /// investigation concludes where they are.
    Unreconciled(String),
}

/// Where units come from or go to outside the register's holdings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Flow {
    /// From a supplier (a source).
    Received,
    /// A surplus an investigation found real (a source).
    Found,
    Administered,
    Wasted,
    Destroyed,
    /// Loss or theft, as reported.
    Lost,
    /// A shortfall an investigation concluded was lost or miscounted.
    WrittenOff,
    ReturnedToSupplier,
}

impl Flow {
    pub const ALL: [Flow; 8] = [
        Flow::Received,
        Flow::Found,
        Flow::Administered,
        Flow::Wasted,
        Flow::Destroyed,
        Flow::Lost,
        Flow::WrittenOff,
        Flow::ReturnedToSupplier,
    ];

    /// Whether units come into the register from it.
    pub fn is_source(self) -> bool {
        matches!(self, Flow::Received | Flow::Found)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Flow::Received => "received",
            Flow::Found => "found",
            Flow::Administered => "administered",
            Flow::Wasted => "wasted",
            Flow::Destroyed => "destroyed",
            Flow::Lost => "lost",
            Flow::WrittenOff => "written_off",
            Flow::ReturnedToSupplier => "returned_to_supplier",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Account {
    Holding(Holding),
    Flow(Flow),
}

/// A lot, and the kit within it for blinded stock.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Stock {
    pub lot_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kit_number: Option<String>,
}

impl Stock {
    pub fn new(lot_id: &str, kit_number: Option<&str>) -> Self {
        Self { lot_id: lot_id.to_string(), kit_number: kit_number.map(str::to_string) }
    }
}

/// The key of one balance (one row of the application's balances table).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BalanceKey {
    pub holding: Holding,
    pub stock: Stock,
}

impl BalanceKey {
    pub fn new(holding: Holding, stock: Stock) -> Self {
        Self { holding, stock }
    }
}

/// Units moved from one account to another by a movement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Posting {
    pub stock: Stock,
    pub from: Account,
    pub to: Account,
    /// More than 0.
    pub units: i64,
}

/// A transfer between two locations.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Shipment {
    pub id: String,
    pub from_location_id: String,
    pub to_location_id: String,
    /// The first dispatch into it.
    pub dispatched_at: Timestamp,
    /// Lines (lot, kit) already received; a line is received once.
    #[serde(default)]
    pub received: BTreeSet<Stock>,
}

/// A dose dispensed to the session team.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Dispense {
    /// The dispense movement's id.
    pub id: String,
    pub location_id: String,
    pub stock: Stock,
    pub units: i64,
    /// Units returned unused so far (they no longer count towards the session's dose).
    pub returned_units: i64,
    pub participant_id: String,
    pub appointment_id: String,
    pub prescription_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub override_decision_id: Option<String>,
    pub at: Timestamp,
    pub by: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum DiscrepancyOrigin {
    Count,
    TransferReceipt { shipment_id: String },
}

/// A difference between the register and a count, under investigation until resolved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Discrepancy {
    /// The id of the count or transfer receipt that opened it.
    pub id: String,
    pub origin: DiscrepancyOrigin,
    /// Where the count was made (a transfer's destination).
    pub location_id: String,
    pub stock: Stock,
    /// What the register held (or the shipment line carried).
    pub expected: i64,
    pub counted: i64,
    pub opened_at: Timestamp,
    pub opened_by: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolution: Option<Resolution>,
}

impl Discrepancy {
    /// Units the count found missing (held in [`Holding::Unreconciled`] while open).
    pub fn missing(&self) -> i64 {
        (self.expected - self.counted).max(0)
    }
    /// Units the count found beyond the register (not on the register while open).
    pub fn surplus(&self) -> i64 {
        (self.counted - self.expected).max(0)
    }
    pub fn is_open(&self) -> bool {
        self.resolution.is_none()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Resolution {
    pub movement_id: String,
    pub conclusion: Conclusion,
    pub reason: String,
    pub signed_by: String,
    pub at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Quarantine {
    pub cause: QuarantineCause,
    pub movement_id: String,
    pub since: Timestamp,
}

/// The register's state. The application keeps each part as rows and may load only what a
/// movement touches ([`crate::touches`]); a partial register decides that movement exactly as
/// the whole one does.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Register {
    /// Units per (holding, lot, kit); only balances above 0 are kept. Serialised as a list of
    /// `{holding, stock, units}` rows (JSON object keys must be strings).
    #[serde(default, with = "balance_rows")]
    pub balances: BTreeMap<BalanceKey, i64>,
    #[serde(default)]
    pub quarantined: BTreeMap<String, Quarantine>,
    #[serde(default)]
    pub shipments: BTreeMap<String, Shipment>,
    #[serde(default)]
    pub dispenses: BTreeMap<String, Dispense>,
    #[serde(default)]
    pub discrepancies: BTreeMap<String, Discrepancy>,
    /// Kits already received (a kit is received once).
    #[serde(default)]
    pub received_kits: BTreeSet<String>,
}

impl Register {
    pub fn balance(&self, key: &BalanceKey) -> i64 {
        self.balances.get(key).copied().unwrap_or(0)
    }

    /// Units of a lot (all its kits) in one holding.
    pub fn units_of_lot(&self, holding: &Holding, lot_id: &str) -> i64 {
        self.balances.iter().filter(|(k, _)| &k.holding == holding && k.stock.lot_id == lot_id).map(|(_, u)| *u).sum()
    }

    /// Shipments with units still in transit.
    pub fn open_shipments(&self) -> Vec<&Shipment> {
        self.shipments
            .values()
            .filter(|s| self.balances.keys().any(|k| k.holding == Holding::InTransit(s.id.clone())))
            .collect()
    }

    pub fn open_discrepancies(&self) -> Vec<&Discrepancy> {
        self.discrepancies.values().filter(|d| d.is_open()).collect()
    }

    /// Applies an accepted movement's delta.
    pub fn commit(&mut self, delta: &Delta) {
        for change in &delta.balances {
            if change.after == 0 {
                self.balances.remove(&change.key);
            } else {
                self.balances.insert(change.key.clone(), change.after);
            }
        }
        for (lot, q) in &delta.quarantine {
            match q {
                Some(q) => self.quarantined.insert(lot.clone(), q.clone()),
                None => self.quarantined.remove(lot),
            };
        }
        for s in &delta.shipments {
            self.shipments.insert(s.id.clone(), s.clone());
        }
        for d in &delta.dispenses {
            self.dispenses.insert(d.id.clone(), d.clone());
        }
        for d in &delta.discrepancies {
            self.discrepancies.insert(d.id.clone(), d.clone());
        }
        self.received_kits.extend(delta.received_kits.iter().cloned());
    }

    /// This register with a delta applied.
    pub fn committed(&self, delta: &Delta) -> Register {
        let mut r = self.clone();
        r.commit(delta);
        r
    }

    /// The part of this register a movement touches (what an application that loads only
    /// those rows would hold).
    pub fn restricted_to(&self, t: &Touches) -> Register {
        Register {
            balances: self
                .balances
                .iter()
                .filter(|(k, _)| t.balances.contains(*k))
                .map(|(k, v)| (k.clone(), *v))
                .collect(),
            quarantined: self
                .quarantined
                .iter()
                .filter(|(l, _)| t.lots.contains(*l))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            shipments: self
                .shipments
                .iter()
                .filter(|(s, _)| t.shipments.contains(*s))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            dispenses: self
                .dispenses
                .iter()
                .filter(|(id, d)| t.dispenses.contains(*id) || t.appointments.contains(&d.appointment_id))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            discrepancies: self
                .discrepancies
                .iter()
                .filter(|(d, _)| t.discrepancies.contains(*d))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            received_kits: self.received_kits.iter().filter(|k| t.kits.contains(*k)).cloned().collect(),
        }
    }
}

mod balance_rows {
    use std::collections::BTreeMap;

    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use super::{BalanceKey, Holding, Stock};

    #[derive(Serialize, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Row {
        holding: Holding,
        stock: Stock,
        units: i64,
    }

    pub fn serialize<S: Serializer>(map: &BTreeMap<BalanceKey, i64>, s: S) -> Result<S::Ok, S::Error> {
        let rows: Vec<Row> =
            map.iter().map(|(k, u)| Row { holding: k.holding.clone(), stock: k.stock.clone(), units: *u }).collect();
        rows.serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<BTreeMap<BalanceKey, i64>, D::Error> {
        let rows = Vec::<Row>::deserialize(d)?;
        Ok(rows.into_iter().map(|r| (BalanceKey { holding: r.holding, stock: r.stock }, r.units)).collect())
    }
}

/// One balance a movement changes: the application writes `after` (deleting the row at 0),
/// guarded by `before` (`UPDATE .. WHERE units = before`) or with a `units >= 0` check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BalanceChange {
    pub key: BalanceKey,
    pub before: i64,
    pub after: i64,
}

/// What an accepted movement changes: its postings, and the new value of every balance and
/// record it changes (the application's write set).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Delta {
    pub postings: Vec<Posting>,
    pub balances: Vec<BalanceChange>,
    /// Lot id → its quarantine (set) or `None` (released).
    pub quarantine: BTreeMap<String, Option<Quarantine>>,
    /// Shipments created or changed, as they now are.
    pub shipments: Vec<Shipment>,
    /// Dispenses created or changed, as they now are.
    pub dispenses: Vec<Dispense>,
    /// Discrepancies opened or resolved, as they now are.
    pub discrepancies: Vec<Discrepancy>,
    /// Kits received by this movement.
    pub received_kits: BTreeSet<String>,
}

/// The rows a movement reads. Call [`crate::touches`] with the records the movement names
/// loaded (its shipment, dispense or discrepancy); it then also lists the balances those
/// records lead to.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Touches {
    pub balances: BTreeSet<BalanceKey>,
    /// Lots whose quarantine state is read.
    pub lots: BTreeSet<String>,
    pub shipments: BTreeSet<String>,
    /// Dispenses by id.
    pub dispenses: BTreeSet<String>,
    /// Every dispense for these appointments (the session's dose so far).
    pub appointments: BTreeSet<String>,
    pub discrepancies: BTreeSet<String>,
    /// Kits whose received state is read.
    pub kits: BTreeSet<String>,
}

/// An accepted movement with its postings: what the reports and the blinded view read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub movement: Movement,
    pub postings: Vec<Posting>,
}
