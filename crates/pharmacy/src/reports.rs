//! The inspector's documents, as pure functions of the register's entries (movements with their
//! postings, from [`crate::replay_entries`] or stored) and the catalogue, each with a CSV form:
//!
//! - [`perpetual_inventory`]: every location's card per lot, movement by movement, with the
//!   running balance;
//! - [`dispensing_record`]: one substance at one registrant's locations, in the layout of
//!   21 CFR 1304.22(c): receipts (with supplier name, address and registration number), units
//!   dispensed (recipient, date, dispenser), other disposals (date, manner, quantity), totals;
//! - [`chain_of_custody`]: one dispensed dose back through every movement that could have
//!   brought its units to the store, to the receipts, and forward to what became of it;
//! - [`count_sheet`]: what a location holds, for an exact count;
//! - [`destruction_record`]: the destructions with the DEA Form 41 fields;
//! - [`biennial_inventory`]: what one registrant's locations held as of the opening or close of
//!   business on a date (21 CFR 1304.11), stock in transit apart, and when the next is due;
//! - [`temperature_excursions`]: the excursions recorded at the locations, with their lots and
//!   what became of each (released, destroyed, still quarantined).
//!
//! These are unblinded documents, for unblinded roles. CSV cells that a spreadsheet would run
//! as a formula are prefixed with an apostrophe.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use catalyst_core::time::{TimeZoneName, Timestamp};
use jiff::civil::Date;
use serde::Serialize;

use crate::catalogue::{Catalogue, Party};
use crate::movement::Detail;
use crate::register::{Account, Entry, Flow, Holding, Register, Stock};
use crate::rules::JurisdictionRules;

/// What the reports print besides the entries: the catalogue, the site's time zone, people's
/// printed names, and each location's registrant (from the authorisations capability).
#[derive(Debug, Clone, Copy)]
pub struct ReportContext<'a> {
    pub catalogue: &'a Catalogue,
    pub zone: &'a TimeZoneName,
    /// Printed names by user id; an id without one is printed as is.
    pub names: &'a BTreeMap<String, String>,
    /// The registrant (name, address, registration number) by location id.
    pub registrants: &'a BTreeMap<String, Party>,
}

impl ReportContext<'_> {
    fn name(&self, id: &str) -> String {
        self.names.get(id).cloned().unwrap_or_else(|| id.to_string())
    }
    fn when(&self, at: Timestamp) -> String {
        at.format_in(self.zone)
    }
    fn lot_number(&self, lot_id: &str) -> String {
        self.catalogue.lots.get(lot_id).map(|l| l.lot_number.clone()).unwrap_or_else(|| lot_id.to_string())
    }
    fn product_name(&self, lot_id: &str) -> String {
        self.catalogue.product_of(lot_id).map(|p| p.name.clone()).unwrap_or_default()
    }
    fn location_name(&self, id: &str) -> String {
        self.catalogue.locations.get(id).map(|l| l.name.clone()).unwrap_or_else(|| id.to_string())
    }
    fn mg(&self, lot_id: &str, units: i64) -> f64 {
        self.catalogue.product_of(lot_id).map(|p| p.strength_mg * units as f64).unwrap_or(0.0)
    }
}

/// Route of each shipment, from its dispatches.
fn routes(entries: &[Entry]) -> HashMap<&str, (&str, &str)> {
    let mut r = HashMap::new();
    for e in entries {
        if let Detail::Dispatch { shipment_id, from_location_id, to_location_id, .. } = &e.movement.detail {
            r.entry(shipment_id.as_str()).or_insert((from_location_id.as_str(), to_location_id.as_str()));
        }
    }
    r
}

/// How units reached or left a location, in words, from the other side of the posting.
fn manner(e: &Entry, other: &Account, rc: &ReportContext, routes: &HashMap<&str, (&str, &str)>) -> String {
    let d = &e.movement.detail;
    match other {
        Account::Flow(Flow::Received) => {
            let mut s = match d {
                Detail::Receive { lot_id, .. } => match rc.catalogue.lots.get(lot_id) {
                    Some(l) => format!("received from {}", l.supplier.name),
                    None => "received".to_string(),
                },
                _ => "received".to_string(),
            };
            if let Detail::Receive { order: Some(o), .. } = d {
                s.push_str(&format!(
                    " ({} {}, line {}, {} ordered)",
                    o.form.as_str(),
                    o.number,
                    o.line,
                    o.units_ordered
                ));
            }
            s
        }
        Account::Flow(Flow::Found) => format!("surplus found real by investigation ({})", e.movement.id),
        Account::Flow(Flow::Administered) => "administered".to_string(),
        Account::Flow(Flow::Wasted) => "wasted".to_string(),
        Account::Flow(Flow::WrittenOff) => format!("written off by investigation ({})", e.movement.id),
        Account::Flow(Flow::Destroyed) => match d {
            Detail::Destroy { method, place, witnesses, .. } => format!(
                "destroyed by {method} at {place}, witnessed by {}",
                witnesses.iter().map(|w| rc.name(w)).collect::<Vec<_>>().join(" and ")
            ),
            _ => "destroyed".to_string(),
        },
        Account::Flow(Flow::Lost) => match d {
            Detail::LossOrTheft { theft, discovered_at, discovered_by, .. } => format!(
                "{} discovered {} by {}",
                if *theft { "theft" } else { "loss" },
                rc.when(*discovered_at),
                rc.name(discovered_by)
            ),
            _ => "lost".to_string(),
        },
        Account::Flow(Flow::ReturnedToSupplier) => match d {
            Detail::ReturnToSupplier { recipient, order_form, .. } => format!(
                "returned to {} ({}{})",
                recipient.name,
                recipient.registration_number.as_deref().unwrap_or("no registration number"),
                order_form.as_deref().map(|o| format!(", order form {o}")).unwrap_or_default()
            ),
            _ => "returned to supplier".to_string(),
        },
        Account::Holding(Holding::InTransit(s)) => match (d, routes.get(s.as_str())) {
            (Detail::Dispatch { to_location_id, .. }, _) => {
                format!("transferred to {} (shipment {s})", rc.location_name(to_location_id))
            }
            (_, Some((from, _))) => format!("transfer from {} (shipment {s})", rc.location_name(from)),
            _ => format!("shipment {s}"),
        },
        Account::Holding(Holding::Dispensed(id)) => match d {
            Detail::Dispense { participant_id, appointment_id, .. } => {
                format!("dispensed for {} (appointment {appointment_id})", rc.name(participant_id))
            }
            _ => format!("returned unused from dose {id}"),
        },
        Account::Holding(Holding::Unreconciled(id)) => match d {
            Detail::ResolveDiscrepancy { .. } => format!("restored: discrepancy {id} found the records correct"),
            _ => format!("missing at count, under investigation (discrepancy {id})"),
        },
        Account::Holding(Holding::Location(id)) => format!("location {}", rc.location_name(id)),
    }
}

// ---------------------------------------------------------------------------------------------
// Perpetual inventory

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InventoryLine {
    pub movement_id: String,
    pub at: Timestamp,
    pub kind: &'static str,
    pub actor: String,
    pub kit_number: Option<String>,
    /// Where the units came from or went to, or what a count found.
    pub detail: String,
    pub units_in: i64,
    pub units_out: i64,
    /// Units of the lot at the location after the movement.
    pub balance: i64,
}

/// One location's running record of one lot.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InventoryCard {
    pub location_id: String,
    pub lot_id: String,
    pub lot_number: String,
    pub product: String,
    pub lines: Vec<InventoryLine>,
    /// Equals the register's balance of the lot (all its kits) at the location.
    pub closing_units: i64,
}

/// Every (location, lot) card, in location and lot order.
pub fn perpetual_inventory(entries: &[Entry], rc: &ReportContext) -> Vec<InventoryCard> {
    let routes = routes(entries);
    let mut cards: BTreeMap<(String, String), InventoryCard> = BTreeMap::new();
    let mut card = |loc: &str, lot: &str| -> (String, String) {
        let key = (loc.to_string(), lot.to_string());
        cards.entry(key.clone()).or_insert_with(|| InventoryCard {
            location_id: loc.to_string(),
            lot_id: lot.to_string(),
            lot_number: rc.lot_number(lot),
            product: rc.product_name(lot),
            lines: Vec::new(),
            closing_units: 0,
        });
        key
    };
    let mut lines: Vec<((String, String), InventoryLine)> = Vec::new();
    let mut running: HashMap<(String, Stock), i64> = HashMap::new();
    for e in entries {
        let m = &e.movement;
        let line = |kit: &Option<String>, detail: String, units_in: i64, units_out: i64| InventoryLine {
            movement_id: m.id.clone(),
            at: m.at,
            kind: m.detail.kind(),
            actor: m.actor.clone(),
            kit_number: kit.clone(),
            detail,
            units_in,
            units_out,
            balance: 0,
        };
        // A count is described against the register's units of that lot (kit) just before it.
        let counted = match &m.detail {
            Detail::Count { location_id, lot_id, kit_number, units, .. } => {
                let key = (location_id.clone(), Stock::new(lot_id, kit_number.as_deref()));
                let expected = running.get(&key).copied().unwrap_or(0);
                Some(if *units == expected {
                    format!("exact count: {units} units, as on the register")
                } else {
                    format!(
                        "exact count: {units} units against {expected} on the register: discrepancy {} opened",
                        m.id
                    )
                })
            }
            _ => None,
        };
        let describe = |other: &Account| match &counted {
            Some(c) => format!("{c}; {}", manner(e, other, rc, &routes)),
            None => manner(e, other, rc, &routes),
        };
        for p in &e.postings {
            if let Account::Holding(Holding::Location(loc)) = &p.to {
                let key = card(loc, &p.stock.lot_id);
                lines.push((key, line(&p.stock.kit_number, describe(&p.from), p.units, 0)));
                *running.entry((loc.clone(), p.stock.clone())).or_default() += p.units;
            }
            if let Account::Holding(Holding::Location(loc)) = &p.from {
                let key = card(loc, &p.stock.lot_id);
                lines.push((key, line(&p.stock.kit_number, describe(&p.to), 0, p.units)));
                *running.entry((loc.clone(), p.stock.clone())).or_default() -= p.units;
            }
        }
        if let (Detail::Count { location_id, lot_id, kit_number, .. }, Some(c)) = (&m.detail, &counted)
            && e.postings.is_empty()
        {
            let key = card(location_id, lot_id);
            lines.push((key, line(kit_number, c.clone(), 0, 0)));
        }
    }
    for (key, line) in lines {
        if let Some(c) = cards.get_mut(&key) {
            c.closing_units += line.units_in - line.units_out;
            let balance = c.closing_units;
            c.lines.push(InventoryLine { balance, ..line });
        }
    }
    cards.into_values().collect()
}

// ---------------------------------------------------------------------------------------------
// The dispensing record (21 CFR 1304.22(c))

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProductLine {
    pub product_id: String,
    pub name: String,
    pub form: String,
    pub strength_mg: f64,
    /// Units per commercial container per lot (kits are containers of their own units).
    pub containers: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReceiptLine {
    pub movement_id: String,
    pub at: Timestamp,
    pub date: String,
    pub location_id: String,
    pub lot_number: String,
    pub kit_number: Option<String>,
    pub units: i64,
    pub mg: f64,
    /// The supplier (or the sending location's registrant).
    pub from_name: String,
    pub from_address: String,
    pub from_registration: String,
    /// How it came (receipt with its order, transfer, return unused, restored after a count).
    pub manner: String,
    pub received_by: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DispensedLine {
    pub movement_id: String,
    pub at: Timestamp,
    pub date: String,
    pub location_id: String,
    pub lot_number: String,
    pub kit_number: Option<String>,
    pub units: i64,
    pub mg: f64,
    /// The participant the dose was dispensed for.
    pub recipient: String,
    pub appointment_id: String,
    pub prescription_id: String,
    /// Printed name of who dispensed it.
    pub dispenser: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DisposalLine {
    pub movement_id: String,
    pub at: Timestamp,
    pub date: String,
    pub location_id: String,
    pub lot_number: String,
    pub kit_number: Option<String>,
    pub units: i64,
    pub mg: f64,
    pub manner: String,
    pub recorded_by: String,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct RecordTotals {
    pub received_units: i64,
    pub dispensed_units: i64,
    pub disposed_units: i64,
    /// received − dispensed − disposed; equals the register's balance at the locations.
    pub on_hand_units: i64,
    pub received_mg: f64,
    pub dispensed_mg: f64,
    pub disposed_mg: f64,
    pub on_hand_mg: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DispensingRecord {
    pub substance: String,
    pub registrant: Option<Party>,
    pub location_ids: Vec<String>,
    pub products: Vec<ProductLine>,
    pub receipts: Vec<ReceiptLine>,
    pub dispensed: Vec<DispensedLine>,
    pub other_disposals: Vec<DisposalLine>,
    pub totals: RecordTotals,
}

/// The dispensing record of one substance (e.g. `MDMA hydrochloride`) at one registrant's
/// locations: every posting that brought units of its lots into those locations or took them
/// out, so its totals equal the register's balances there.
pub fn dispensing_record(
    entries: &[Entry],
    rc: &ReportContext,
    substance: &str,
    location_ids: &BTreeSet<String>,
) -> DispensingRecord {
    let routes = routes(entries);
    let of_substance = |lot: &str| rc.catalogue.product_of(lot).is_some_and(|p| p.substance == substance);
    let inside = |a: &Account| matches!(a, Account::Holding(Holding::Location(l)) if location_ids.contains(l));
    let mut r = DispensingRecord {
        substance: substance.to_string(),
        registrant: location_ids.iter().find_map(|l| rc.registrants.get(l).cloned()),
        location_ids: location_ids.iter().cloned().collect(),
        products: Vec::new(),
        receipts: Vec::new(),
        dispensed: Vec::new(),
        other_disposals: Vec::new(),
        totals: RecordTotals::default(),
    };
    let mut lots: BTreeSet<&str> = BTreeSet::new();
    for e in entries {
        let m = &e.movement;
        for p in e.postings.iter().filter(|p| of_substance(&p.stock.lot_id)) {
            let (into, out_of) = (inside(&p.to), inside(&p.from));
            if into == out_of {
                continue;
            }
            lots.insert(&p.stock.lot_id);
            let mg = rc.mg(&p.stock.lot_id, p.units);
            let lot_number = rc.lot_number(&p.stock.lot_id);
            let here = |a: &Account| match a {
                Account::Holding(Holding::Location(l)) => l.clone(),
                _ => String::new(),
            };
            if into {
                let (from_name, from_address, from_registration) = match (&p.from, &m.detail) {
                    (Account::Flow(Flow::Received), _) => match rc.catalogue.lots.get(&p.stock.lot_id) {
                        Some(l) => (
                            l.supplier.name.clone(),
                            l.supplier.address.clone(),
                            l.supplier.registration_number.clone().unwrap_or_default(),
                        ),
                        None => Default::default(),
                    },
                    (Account::Holding(Holding::InTransit(s)), _) => match routes.get(s.as_str()) {
                        Some((from, _)) => match rc.registrants.get(*from) {
                            Some(party) => (
                                party.name.clone(),
                                party.address.clone(),
                                party.registration_number.clone().unwrap_or_default(),
                            ),
                            None => (rc.location_name(from), String::new(), String::new()),
                        },
                        None => Default::default(),
                    },
                    _ => Default::default(),
                };
                r.totals.received_units += p.units;
                r.totals.received_mg += mg;
                r.receipts.push(ReceiptLine {
                    movement_id: m.id.clone(),
                    at: m.at,
                    date: rc.when(m.at),
                    location_id: here(&p.to),
                    lot_number,
                    kit_number: p.stock.kit_number.clone(),
                    units: p.units,
                    mg,
                    from_name,
                    from_address,
                    from_registration,
                    manner: manner(e, &p.from, rc, &routes),
                    received_by: rc.name(&m.actor),
                });
            } else if let (
                Account::Holding(Holding::Dispensed(_)),
                Detail::Dispense { participant_id, appointment_id, prescription_id, .. },
            ) = (&p.to, &m.detail)
            {
                r.totals.dispensed_units += p.units;
                r.totals.dispensed_mg += mg;
                r.dispensed.push(DispensedLine {
                    movement_id: m.id.clone(),
                    at: m.at,
                    date: rc.when(m.at),
                    location_id: here(&p.from),
                    lot_number,
                    kit_number: p.stock.kit_number.clone(),
                    units: p.units,
                    mg,
                    recipient: rc.name(participant_id),
                    appointment_id: appointment_id.clone(),
                    prescription_id: prescription_id.clone(),
                    dispenser: rc.name(&m.actor),
                });
            } else {
                r.totals.disposed_units += p.units;
                r.totals.disposed_mg += mg;
                r.other_disposals.push(DisposalLine {
                    movement_id: m.id.clone(),
                    at: m.at,
                    date: rc.when(m.at),
                    location_id: here(&p.from),
                    lot_number,
                    kit_number: p.stock.kit_number.clone(),
                    units: p.units,
                    mg,
                    manner: manner(e, &p.to, rc, &routes),
                    recorded_by: rc.name(&m.actor),
                });
            }
        }
    }
    r.totals.on_hand_units = r.totals.received_units - r.totals.dispensed_units - r.totals.disposed_units;
    r.totals.on_hand_mg = r.totals.received_mg - r.totals.dispensed_mg - r.totals.disposed_mg;
    let mut products: BTreeMap<&str, ProductLine> = BTreeMap::new();
    for lot in lots {
        let Some(l) = rc.catalogue.lots.get(lot) else { continue };
        let Some(p) = rc.catalogue.products.get(&l.product_id) else { continue };
        let line = products.entry(&p.id).or_insert_with(|| ProductLine {
            product_id: p.id.clone(),
            name: p.name.clone(),
            form: p.form.clone(),
            strength_mg: p.strength_mg,
            containers: Vec::new(),
        });
        let kits: BTreeSet<i64> = rc.catalogue.kits.values().filter(|k| k.lot_id == l.id).map(|k| k.units).collect();
        let per = match (l.units_per_container, kits.is_empty()) {
            (Some(n), _) => format!("lot {}: {n} units per container", l.lot_number),
            (None, false) => format!(
                "lot {}: kits of {} units",
                l.lot_number,
                kits.iter().map(|k| k.to_string()).collect::<Vec<_>>().join(" or ")
            ),
            (None, true) => format!("lot {}: loose units", l.lot_number),
        };
        line.containers.push(per);
    }
    r.products = products.into_values().collect();
    r
}

/// Units of a substance's lots held at the locations, from the register (what the dispensing
/// record's `on_hand_units` must equal).
pub fn on_hand_units(
    register: &Register,
    catalogue: &Catalogue,
    substance: &str,
    location_ids: &BTreeSet<String>,
) -> i64 {
    register
        .balances
        .iter()
        .filter(|(k, _)| matches!(&k.holding, Holding::Location(l) if location_ids.contains(l)))
        .filter(|(k, _)| catalogue.product_of(&k.stock.lot_id).is_some_and(|p| p.substance == substance))
        .map(|(_, u)| *u)
        .sum()
}

/// Units per lot per flow over the entries (received and found count what came in; the rest
/// what went out): with the holdings, what conservation is checked against.
pub fn flow_totals(entries: &[Entry]) -> BTreeMap<String, BTreeMap<Flow, i64>> {
    let mut t: BTreeMap<String, BTreeMap<Flow, i64>> = BTreeMap::new();
    for p in entries.iter().flat_map(|e| &e.postings) {
        for a in [&p.from, &p.to] {
            if let Account::Flow(f) = a {
                *t.entry(p.stock.lot_id.clone()).or_default().entry(*f).or_default() += p.units;
            }
        }
    }
    t
}

// ---------------------------------------------------------------------------------------------
// Chain of custody

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Leg {
    /// Before the dispense: how units of the lot (kit) reached the store.
    Before,
    /// The dispense itself.
    Dispense,
    /// After: administered, returned, wasted.
    After,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CustodyStep {
    pub leg: Leg,
    pub movement_id: String,
    pub at: Timestamp,
    pub kind: &'static str,
    pub actor: String,
    pub from: Account,
    pub to: Account,
    pub units: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Custody {
    pub dispense_id: String,
    pub participant_id: String,
    pub appointment_id: String,
    pub stock: Stock,
    /// In register order.
    pub steps: Vec<CustodyStep>,
    /// The receipts the units can have come from.
    pub receipts: Vec<String>,
    /// Surpluses an investigation brought onto the register that units can have come from.
    pub found: Vec<String>,
    /// Every path back ends in a receipt or in a surplus an investigation found real (signed):
    /// no unit reached the store without a record. A history `apply` accepted is always
    /// complete; `false` means the entries are inconsistent.
    pub complete: bool,
}

/// Every movement through which units of a dispensed dose's lot (kit) could have reached the
/// store it was dispensed from, back to the receipts; then the dose's own movements. Stock of a
/// lot is fungible, so for loose units this is every possible path; for a kit it is the kit's.
pub fn chain_of_custody(entries: &[Entry], dispense_id: &str) -> Option<Custody> {
    let i = entries
        .iter()
        .position(|e| e.movement.id == dispense_id && matches!(e.movement.detail, Detail::Dispense { .. }))?;
    let e = &entries[i];
    let Detail::Dispense { participant_id, appointment_id, .. } = &e.movement.detail else { return None };
    let p = e.postings.first()?;
    let Account::Holding(store) = &p.from else { return None };
    let mut inbound: HashMap<(&Holding, &Stock), Vec<(usize, usize)>> = HashMap::new();
    for (j, e) in entries.iter().enumerate() {
        for (k, p) in e.postings.iter().enumerate() {
            if let Account::Holding(h) = &p.to {
                inbound.entry((h, &p.stock)).or_default().push((j, k));
            }
        }
    }
    let mut done: HashMap<(&Holding, &Stock), usize> = HashMap::new();
    let mut work: Vec<(&Holding, &Stock, usize)> = vec![(store, &p.stock, i)];
    let mut steps: BTreeSet<(usize, usize)> = BTreeSet::new();
    let (mut receipts, mut found) = (BTreeSet::new(), BTreeSet::new());
    let mut complete = true;
    while let Some((h, s, bound)) = work.pop() {
        let from = done.get(&(h, s)).copied().unwrap_or(0);
        if bound <= from {
            continue;
        }
        done.insert((h, s), bound);
        let list = inbound.get(&(h, s)).map(Vec::as_slice).unwrap_or(&[]);
        if !list.iter().any(|(j, _)| *j < bound) {
            complete = false;
        }
        for &(j, k) in list.iter().filter(|(j, _)| (from..bound).contains(j)) {
            steps.insert((j, k));
            match &entries[j].postings[k].from {
                Account::Holding(h2) => work.push((h2, s, j)),
                Account::Flow(Flow::Received) => {
                    receipts.insert(j);
                }
                Account::Flow(Flow::Found) => {
                    found.insert(j);
                }
                Account::Flow(_) => complete = false,
            }
        }
    }
    let step = |leg: Leg, j: usize, k: usize| {
        let e = &entries[j];
        let p = &e.postings[k];
        CustodyStep {
            leg,
            movement_id: e.movement.id.clone(),
            at: e.movement.at,
            kind: e.movement.detail.kind(),
            actor: e.movement.actor.clone(),
            from: p.from.clone(),
            to: p.to.clone(),
            units: p.units,
        }
    };
    let mut out: Vec<CustodyStep> = steps.into_iter().map(|(j, k)| step(Leg::Before, j, k)).collect();
    out.push(step(Leg::Dispense, i, 0));
    let dose = Holding::Dispensed(dispense_id.to_string());
    for (j, e) in entries.iter().enumerate().skip(i + 1) {
        for (k, p) in e.postings.iter().enumerate() {
            if p.from == Account::Holding(dose.clone()) {
                out.push(step(Leg::After, j, k));
            }
        }
    }
    Some(Custody {
        dispense_id: dispense_id.to_string(),
        participant_id: participant_id.clone(),
        appointment_id: appointment_id.clone(),
        stock: p.stock.clone(),
        steps: out,
        complete,
        receipts: receipts.into_iter().map(|j| entries[j].movement.id.clone()).collect(),
        found: found.into_iter().map(|j| entries[j].movement.id.clone()).collect(),
    })
}

// ---------------------------------------------------------------------------------------------
// Count sheet

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CountRow {
    pub lot_id: String,
    pub lot_number: String,
    pub product: String,
    pub substance: String,
    pub form: String,
    pub strength_mg: f64,
    pub expires_on: Option<Date>,
    pub kit_number: Option<String>,
    pub quarantined: bool,
    /// The register's units; `None` on a blind count sheet.
    pub expected_units: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CountSheet {
    pub location_id: String,
    pub location_name: String,
    pub rows: Vec<CountRow>,
}

/// What a location holds, lot by lot and kit by kit, for an exact count; with the register's
/// units, or blind (for a counter who should not see them).
pub fn count_sheet(register: &Register, catalogue: &Catalogue, location_id: &str, show_expected: bool) -> CountSheet {
    let here = Holding::Location(location_id.to_string());
    let rows = register
        .balances
        .iter()
        .filter(|(k, _)| k.holding == here)
        .map(|(k, units)| {
            let lot = catalogue.lots.get(&k.stock.lot_id);
            let p = catalogue.product_of(&k.stock.lot_id);
            CountRow {
                lot_id: k.stock.lot_id.clone(),
                lot_number: lot.map(|l| l.lot_number.clone()).unwrap_or_default(),
                product: p.map(|p| p.name.clone()).unwrap_or_default(),
                substance: p.map(|p| p.substance.clone()).unwrap_or_default(),
                form: p.map(|p| p.form.clone()).unwrap_or_default(),
                strength_mg: p.map(|p| p.strength_mg).unwrap_or(0.0),
                expires_on: lot.map(|l| l.expires_on),
                kit_number: k.stock.kit_number.clone(),
                quarantined: register.quarantined.contains_key(&k.stock.lot_id),
                expected_units: show_expected.then_some(*units),
            }
        })
        .collect();
    CountSheet {
        location_id: location_id.to_string(),
        location_name: catalogue.locations.get(location_id).map(|l| l.name.clone()).unwrap_or_default(),
        rows,
    }
}

// ---------------------------------------------------------------------------------------------
// Destruction record (DEA Form 41)

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Witness {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DestructionItem {
    pub movement_id: String,
    pub at: Timestamp,
    pub date: String,
    pub location_id: String,
    /// The product's code (its catalogue id).
    pub code: String,
    pub name: String,
    pub strength_mg: f64,
    pub form: String,
    /// The batch (lot number).
    pub batch: String,
    pub kit_number: Option<String>,
    /// Units per package (the kit's, or the lot's container), when packed.
    pub package_quantity: Option<i64>,
    pub full_packages: Option<i64>,
    pub partial_count: i64,
    pub total_destroyed_units: i64,
    pub total_destroyed_mg: f64,
    pub method: String,
    pub place: String,
    pub reason: String,
    pub recorded_by: String,
    pub witnesses: Vec<Witness>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DestructionRecord {
    pub registrant: Option<Party>,
    pub location_ids: Vec<String>,
    pub items: Vec<DestructionItem>,
    pub total_units: i64,
}

/// Every destruction at the registrant's locations, with the Form 41 fields.
pub fn destruction_record(entries: &[Entry], rc: &ReportContext, location_ids: &BTreeSet<String>) -> DestructionRecord {
    let mut items = Vec::new();
    for e in entries {
        let m = &e.movement;
        let Detail::Destroy { location_id, lot_id, kit_number, units, method, place, witnesses, .. } = &m.detail else {
            continue;
        };
        if !location_ids.contains(location_id) {
            continue;
        }
        let lot = rc.catalogue.lots.get(lot_id);
        let p = rc.catalogue.product_of(lot_id);
        let package = kit_number
            .as_deref()
            .and_then(|k| rc.catalogue.kits.get(k))
            .map(|k| k.units)
            .or_else(|| lot.and_then(|l| l.units_per_container));
        items.push(DestructionItem {
            movement_id: m.id.clone(),
            at: m.at,
            date: rc.when(m.at),
            location_id: location_id.clone(),
            code: p.map(|p| p.id.clone()).unwrap_or_default(),
            name: p.map(|p| p.name.clone()).unwrap_or_default(),
            strength_mg: p.map(|p| p.strength_mg).unwrap_or(0.0),
            form: p.map(|p| p.form.clone()).unwrap_or_default(),
            batch: lot.map(|l| l.lot_number.clone()).unwrap_or_else(|| lot_id.clone()),
            kit_number: kit_number.clone(),
            package_quantity: package,
            full_packages: package.map(|q| units / q),
            partial_count: package.map(|q| units % q).unwrap_or(*units),
            total_destroyed_units: *units,
            total_destroyed_mg: rc.mg(lot_id, *units),
            method: method.clone(),
            place: place.clone(),
            reason: m.reason.clone(),
            recorded_by: rc.name(&m.actor),
            witnesses: witnesses.iter().map(|w| Witness { id: w.clone(), name: rc.name(w) }).collect(),
        });
    }
    DestructionRecord {
        registrant: location_ids.iter().find_map(|l| rc.registrants.get(l).cloned()),
        location_ids: location_ids.iter().cloned().collect(),
        total_units: items.iter().map(|i| i.total_destroyed_units).sum(),
        items,
    }
}

// ---------------------------------------------------------------------------------------------
// Biennial inventory (21 CFR 1304.11)

/// When an inventory is taken: 21 CFR 1304.11(a) has it say whether as of the opening or the
/// close of business on its date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TakenAt {
    /// Before anything recorded on the date: the movements recorded until the date's start.
    Opening,
    /// After everything recorded on the date: the movements recorded until the next day's start.
    Close,
}

impl TakenAt {
    pub const ALL: [&'static str; 2] = ["opening", "close"];

    pub fn parse(value: &str) -> Option<TakenAt> {
        match value {
            "opening" => Some(TakenAt::Opening),
            "close" => Some(TakenAt::Close),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            TakenAt::Opening => "opening",
            TakenAt::Close => "close",
        }
    }
}

/// One lot at one location, as the inventory counts it (21 CFR 1304.11(e)(3)).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InventoryRow {
    pub location_id: String,
    pub location_name: String,
    pub lot_id: String,
    pub lot_number: String,
    pub substance: String,
    pub product: String,
    pub form: String,
    pub strength_mg: f64,
    pub expires_on: Option<Date>,
    pub quarantined: bool,
    pub units: i64,
    /// The lot's units per commercial container, when packed in containers.
    pub units_per_container: Option<i64>,
    pub full_containers: Option<i64>,
    /// Units in an opened container (all units when the lot has no container size).
    pub partial_count: i64,
    pub mg: f64,
}

/// One lot in transit in a shipment to or from the registrant's locations.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TransitRow {
    pub shipment_id: String,
    pub from_location_id: String,
    pub from_name: String,
    pub to_location_id: String,
    pub to_name: String,
    pub lot_id: String,
    pub lot_number: String,
    pub substance: String,
    pub product: String,
    pub strength_mg: f64,
    pub units: i64,
    pub mg: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BiennialInventory {
    pub registrant: Option<Party>,
    pub location_ids: Vec<String>,
    /// The inventory's date (site-local) and whether as of its opening or close of business.
    pub as_of: Date,
    pub taken_at: TakenAt,
    /// The instant it is taken as of: movements recorded before it are counted.
    pub cutoff: Timestamp,
    pub rows: Vec<InventoryRow>,
    /// Stock in transit, shown apart from what is on hand.
    pub in_transit: Vec<TransitRow>,
    /// Equal the register's units (mg) at the locations as of the cutoff.
    pub on_hand_units: i64,
    pub on_hand_mg: f64,
    pub in_transit_units: i64,
    pub in_transit_mg: f64,
    /// The jurisdiction's interval between inventories, its source, and the date the next one
    /// is due at the latest.
    pub count_interval_months: u32,
    pub count_interval_source: String,
    pub next_due: Option<Date>,
}

/// The instant a day's opening (or, for the close, the next day's opening) falls on in the zone.
fn business_cutoff(as_of: Date, taken_at: TakenAt, zone: &TimeZoneName) -> Timestamp {
    let day = match taken_at {
        TakenAt::Opening => Some(as_of),
        TakenAt::Close => as_of.tomorrow().ok(),
    };
    let tz = jiff::tz::TimeZone::get(zone.as_str()).unwrap_or(jiff::tz::TimeZone::UTC);
    match day.map(|d| d.to_zoned(tz)) {
        Some(Ok(z)) => Timestamp(z.timestamp().as_microsecond()),
        _ => Timestamp(i64::MAX),
    }
}

/// The inventory of one registrant's locations as of the opening or the close of business on a
/// date: every lot on hand at each location (substance, product, form, strength, units,
/// containers and the partial count, mg), the stock in transit to or from them apart, and when
/// the next one is due under the jurisdiction's count interval. Counted from the postings of the
/// movements recorded before the cutoff, so its totals equal a replay of those movements.
pub fn biennial_inventory(
    entries: &[Entry],
    rc: &ReportContext,
    location_ids: &BTreeSet<String>,
    as_of: Date,
    taken_at: TakenAt,
    rules: &JurisdictionRules,
) -> BiennialInventory {
    let cutoff = business_cutoff(as_of, taken_at, rc.zone);
    let counted: Vec<&Entry> = entries.iter().filter(|e| e.movement.at < cutoff).collect();
    let mut held: BTreeMap<(String, String), i64> = BTreeMap::new();
    let mut moving: BTreeMap<(String, String), i64> = BTreeMap::new();
    let mut quarantined: BTreeSet<String> = BTreeSet::new();
    let mut route: HashMap<&str, (&str, &str)> = HashMap::new();
    for e in &counted {
        match &e.movement.detail {
            Detail::Dispatch { shipment_id, from_location_id, to_location_id, .. } => {
                route.entry(shipment_id.as_str()).or_insert((from_location_id.as_str(), to_location_id.as_str()));
            }
            Detail::Quarantine { lot_id, .. } => {
                quarantined.insert(lot_id.clone());
            }
            Detail::Release { lot_id } => {
                quarantined.remove(lot_id);
            }
            _ => {}
        }
        for p in &e.postings {
            for (account, sign) in [(&p.from, -1), (&p.to, 1)] {
                match account {
                    Account::Holding(Holding::Location(l)) if location_ids.contains(l) => {
                        *held.entry((l.clone(), p.stock.lot_id.clone())).or_default() += sign * p.units;
                    }
                    Account::Holding(Holding::InTransit(s)) => {
                        *moving.entry((s.clone(), p.stock.lot_id.clone())).or_default() += sign * p.units;
                    }
                    _ => {}
                }
            }
        }
    }
    let product = |lot: &str| rc.catalogue.product_of(lot);
    let rows: Vec<InventoryRow> = held
        .into_iter()
        .filter(|(_, units)| *units != 0)
        .map(|((location_id, lot_id), units)| {
            let lot = rc.catalogue.lots.get(&lot_id);
            let p = product(&lot_id);
            let per = lot.and_then(|l| l.units_per_container).filter(|n| *n > 0);
            InventoryRow {
                location_name: rc.location_name(&location_id),
                lot_number: rc.lot_number(&lot_id),
                substance: p.map(|p| p.substance.clone()).unwrap_or_default(),
                product: p.map(|p| p.name.clone()).unwrap_or_default(),
                form: p.map(|p| p.form.clone()).unwrap_or_default(),
                strength_mg: p.map(|p| p.strength_mg).unwrap_or(0.0),
                expires_on: lot.map(|l| l.expires_on),
                quarantined: quarantined.contains(&lot_id),
                units_per_container: per,
                full_containers: per.map(|n| units / n),
                partial_count: per.map(|n| units % n).unwrap_or(units),
                mg: rc.mg(&lot_id, units),
                units,
                location_id,
                lot_id,
            }
        })
        .collect();
    let in_transit: Vec<TransitRow> = moving
        .into_iter()
        .filter(|(_, units)| *units != 0)
        .filter_map(|((shipment_id, lot_id), units)| {
            let (from, to) = route.get(shipment_id.as_str()).copied()?;
            if !(location_ids.contains(from) || location_ids.contains(to)) {
                return None;
            }
            let p = product(&lot_id);
            Some(TransitRow {
                from_location_id: from.to_string(),
                from_name: rc.location_name(from),
                to_location_id: to.to_string(),
                to_name: rc.location_name(to),
                lot_number: rc.lot_number(&lot_id),
                substance: p.map(|p| p.substance.clone()).unwrap_or_default(),
                product: p.map(|p| p.name.clone()).unwrap_or_default(),
                strength_mg: p.map(|p| p.strength_mg).unwrap_or(0.0),
                mg: rc.mg(&lot_id, units),
                units,
                shipment_id,
                lot_id,
            })
        })
        .collect();
    BiennialInventory {
        registrant: location_ids.iter().find_map(|l| rc.registrants.get(l).cloned()),
        location_ids: location_ids.iter().cloned().collect(),
        as_of,
        taken_at,
        cutoff,
        on_hand_units: rows.iter().map(|r| r.units).sum(),
        on_hand_mg: rows.iter().map(|r| r.mg).sum(),
        in_transit_units: in_transit.iter().map(|r| r.units).sum(),
        in_transit_mg: in_transit.iter().map(|r| r.mg).sum(),
        rows,
        in_transit,
        count_interval_months: rules.count_interval_months.value,
        count_interval_source: rules.count_interval_months.source.clone(),
        next_due: rules.next_count_due(as_of),
    }
}

// ---------------------------------------------------------------------------------------------
// Temperature excursions

/// What became of a lot quarantined for an excursion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ExcursionOutcome {
    /// Released from quarantine (found fit for use).
    Released,
    /// Not released, and none of it is left: destroyed (some may have been returned too).
    Destroyed,
    /// Not released, and none of it is left: returned to the supplier.
    ReturnedToSupplier,
    StillQuarantined,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExcursionLine {
    /// The quarantine movement that records the excursion.
    pub movement_id: String,
    pub recorded_at: Timestamp,
    pub recorded_by: String,
    pub location_id: String,
    pub location_name: String,
    pub observed_at: Timestamp,
    /// `observed_at` in the site's time zone.
    pub observed: String,
    pub min_celsius: f64,
    pub max_celsius: f64,
    pub duration_minutes: i64,
    pub observed_by: String,
    pub lot_id: String,
    pub lot_number: String,
    pub product: String,
    /// Units of the lot held at the store when it was quarantined.
    pub units_at_location: i64,
    pub outcome: ExcursionOutcome,
    /// The release, if any: when, by whom and why.
    pub released_at: Option<Timestamp>,
    pub released_by: Option<String>,
    pub release_reason: Option<String>,
    /// Units of the lot destroyed or returned to the supplier while it was quarantined.
    pub destroyed_units: i64,
    pub returned_units: i64,
    /// Units of the lot still held anywhere on the register.
    pub units_remaining: i64,
}

/// Every temperature excursion recorded at the locations, with its lot and what became of it.
pub fn temperature_excursions(
    entries: &[Entry],
    rc: &ReportContext,
    location_ids: &BTreeSet<String>,
) -> Vec<ExcursionLine> {
    let mut out = Vec::new();
    let mut at_location: HashMap<(&str, &str), i64> = HashMap::new();
    for (i, e) in entries.iter().enumerate() {
        if let Detail::Quarantine { lot_id, excursion: Some(x), .. } = &e.movement.detail
            && location_ids.contains(&x.location_id)
        {
            let mut line = ExcursionLine {
                movement_id: e.movement.id.clone(),
                recorded_at: e.movement.at,
                recorded_by: rc.name(&e.movement.actor),
                location_id: x.location_id.clone(),
                location_name: rc.location_name(&x.location_id),
                observed_at: x.observed_at,
                observed: rc.when(x.observed_at),
                min_celsius: x.min_celsius,
                max_celsius: x.max_celsius,
                duration_minutes: x.duration_minutes,
                observed_by: rc.name(&x.observed_by),
                lot_id: lot_id.clone(),
                lot_number: rc.lot_number(lot_id),
                product: rc.product_name(lot_id),
                units_at_location: at_location.get(&(x.location_id.as_str(), lot_id.as_str())).copied().unwrap_or(0),
                outcome: ExcursionOutcome::StillQuarantined,
                released_at: None,
                released_by: None,
                release_reason: None,
                destroyed_units: 0,
                returned_units: 0,
                units_remaining: 0,
            };
            for later in &entries[i + 1..] {
                match &later.movement.detail {
                    Detail::Release { lot_id: l } if l == lot_id => {
                        line.outcome = ExcursionOutcome::Released;
                        line.released_at = Some(later.movement.at);
                        line.released_by = Some(rc.name(&later.movement.actor));
                        line.release_reason = Some(later.movement.reason.clone());
                        break;
                    }
                    Detail::Destroy { lot_id: l, units, .. } if l == lot_id => line.destroyed_units += units,
                    Detail::ReturnToSupplier { lot_id: l, units, .. } if l == lot_id => line.returned_units += units,
                    _ => {}
                }
            }
            out.push(line);
        }
        for p in &e.postings {
            for (account, sign) in [(&p.from, -1), (&p.to, 1)] {
                if let Account::Holding(Holding::Location(l)) = account {
                    *at_location.entry((l.as_str(), p.stock.lot_id.as_str())).or_default() += sign * p.units;
                }
            }
        }
    }
    let mut remaining: HashMap<&str, i64> = HashMap::new();
    for p in entries.iter().flat_map(|e| &e.postings) {
        for (account, sign) in [(&p.from, -1), (&p.to, 1)] {
            if let Account::Holding(_) = account {
                *remaining.entry(p.stock.lot_id.as_str()).or_default() += sign * p.units;
            }
        }
    }
    for line in &mut out {
        line.units_remaining = remaining.get(line.lot_id.as_str()).copied().unwrap_or(0);
        if line.outcome == ExcursionOutcome::StillQuarantined && line.units_remaining == 0 {
            if line.destroyed_units > 0 {
                line.outcome = ExcursionOutcome::Destroyed;
            } else if line.returned_units > 0 {
                line.outcome = ExcursionOutcome::ReturnedToSupplier;
            }
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// CSV

/// One CSV cell: text a spreadsheet would read as a formula gets a leading apostrophe; a cell
/// with a separator, quote or line break is quoted.
pub fn csv_field(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{s}") } else { s.to_owned() };
    if s.contains([',', '"', '\n', '\r']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s }
}

fn csv(header: &[&str], rows: impl IntoIterator<Item = Vec<String>>) -> String {
    let mut out = header.join(",");
    out.push('\n');
    for row in rows {
        out.push_str(&row.iter().map(|c| csv_field(c)).collect::<Vec<_>>().join(","));
        out.push('\n');
    }
    out
}

fn opt(s: &Option<String>) -> String {
    s.clone().unwrap_or_default()
}

pub fn perpetual_inventory_csv(cards: &[InventoryCard], rc: &ReportContext) -> String {
    csv(
        &[
            "location",
            "lot_number",
            "product",
            "date",
            "movement",
            "kind",
            "actor",
            "kit",
            "detail",
            "units_in",
            "units_out",
            "balance",
        ],
        cards.iter().flat_map(|c| {
            c.lines.iter().map(move |l| {
                vec![
                    rc.location_name(&c.location_id),
                    c.lot_number.clone(),
                    c.product.clone(),
                    rc.when(l.at),
                    l.movement_id.clone(),
                    l.kind.to_string(),
                    rc.name(&l.actor),
                    opt(&l.kit_number),
                    l.detail.clone(),
                    l.units_in.to_string(),
                    l.units_out.to_string(),
                    l.balance.to_string(),
                ]
            })
        }),
    )
}

/// The dispensing record as one table: a `section` column (receipt, dispensed, disposal,
/// total), so the three parts of 21 CFR 1304.22(c) and the totals travel together.
pub fn dispensing_record_csv(r: &DispensingRecord) -> String {
    let mut rows = Vec::new();
    for x in &r.receipts {
        rows.push(vec![
            "receipt".into(),
            x.date.clone(),
            x.movement_id.clone(),
            x.location_id.clone(),
            x.lot_number.clone(),
            opt(&x.kit_number),
            x.units.to_string(),
            x.mg.to_string(),
            x.from_name.clone(),
            x.from_address.clone(),
            x.from_registration.clone(),
            x.manner.clone(),
            x.received_by.clone(),
        ]);
    }
    for x in &r.dispensed {
        rows.push(vec![
            "dispensed".into(),
            x.date.clone(),
            x.movement_id.clone(),
            x.location_id.clone(),
            x.lot_number.clone(),
            opt(&x.kit_number),
            x.units.to_string(),
            x.mg.to_string(),
            x.recipient.clone(),
            String::new(),
            String::new(),
            format!("appointment {}, prescription {}", x.appointment_id, x.prescription_id),
            x.dispenser.clone(),
        ]);
    }
    for x in &r.other_disposals {
        rows.push(vec![
            "disposal".into(),
            x.date.clone(),
            x.movement_id.clone(),
            x.location_id.clone(),
            x.lot_number.clone(),
            opt(&x.kit_number),
            x.units.to_string(),
            x.mg.to_string(),
            String::new(),
            String::new(),
            String::new(),
            x.manner.clone(),
            x.recorded_by.clone(),
        ]);
    }
    let t = &r.totals;
    for (what, units, mg) in [
        ("received", t.received_units, t.received_mg),
        ("dispensed", t.dispensed_units, t.dispensed_mg),
        ("disposed", t.disposed_units, t.disposed_mg),
        ("on_hand", t.on_hand_units, t.on_hand_mg),
    ] {
        let mut row = vec![String::new(); 13];
        row[0] = "total".into();
        row[6] = units.to_string();
        row[7] = mg.to_string();
        row[11] = what.into();
        rows.push(row);
    }
    let mut out = format!("substance,{}\n", csv_field(&r.substance));
    if let Some(p) = &r.registrant {
        out.push_str(&format!(
            "registrant,{},{},{}\n",
            csv_field(&p.name),
            csv_field(&p.address),
            csv_field(p.registration_number.as_deref().unwrap_or(""))
        ));
    }
    for p in &r.products {
        out.push_str(&format!(
            "product,{},{},{} mg,{}\n",
            csv_field(&p.name),
            csv_field(&p.form),
            p.strength_mg,
            csv_field(&p.containers.join("; "))
        ));
    }
    out.push_str(&csv(
        &[
            "section",
            "date",
            "movement",
            "location",
            "lot_number",
            "kit",
            "units",
            "mg",
            "party_or_recipient",
            "address",
            "registration",
            "manner",
            "by",
        ],
        rows,
    ));
    out
}

pub fn custody_csv(c: &Custody, rc: &ReportContext) -> String {
    let account = |a: &Account| match a {
        Account::Holding(Holding::Location(l)) => format!("location {}", rc.location_name(l)),
        Account::Holding(Holding::InTransit(s)) => format!("shipment {s}"),
        Account::Holding(Holding::Dispensed(d)) => format!("dose {d}"),
        Account::Holding(Holding::Unreconciled(d)) => format!("discrepancy {d}"),
        Account::Flow(f) => f.as_str().to_string(),
    };
    csv(
        &["leg", "date", "movement", "kind", "actor", "lot_number", "kit", "from", "to", "units"],
        c.steps.iter().map(|s| {
            vec![
                format!("{:?}", s.leg).to_lowercase(),
                rc.when(s.at),
                s.movement_id.clone(),
                s.kind.to_string(),
                rc.name(&s.actor),
                rc.lot_number(&c.stock.lot_id),
                opt(&c.stock.kit_number),
                account(&s.from),
                account(&s.to),
                s.units.to_string(),
            ]
        }),
    )
}

pub fn count_sheet_csv(s: &CountSheet) -> String {
    csv(
        &[
            "location",
            "product",
            "substance",
            "form",
            "strength_mg",
            "lot_number",
            "expires_on",
            "kit",
            "quarantined",
            "expected_units",
            "counted_units",
            "counted_by",
        ],
        s.rows.iter().map(|r| {
            vec![
                s.location_name.clone(),
                r.product.clone(),
                r.substance.clone(),
                r.form.clone(),
                r.strength_mg.to_string(),
                r.lot_number.clone(),
                r.expires_on.map(|d| d.to_string()).unwrap_or_default(),
                opt(&r.kit_number),
                if r.quarantined { "yes" } else { "no" }.into(),
                r.expected_units.map(|u| u.to_string()).unwrap_or_default(),
                String::new(),
                String::new(),
            ]
        }),
    )
}

pub fn destruction_record_csv(r: &DestructionRecord) -> String {
    let reg = r.registrant.clone().unwrap_or(Party {
        name: String::new(),
        address: String::new(),
        registration_number: None,
    });
    csv(
        &[
            "registrant",
            "registration_number",
            "address",
            "date",
            "movement",
            "code",
            "name",
            "strength_mg",
            "form",
            "batch",
            "kit",
            "package_quantity",
            "full_packages",
            "partial_count",
            "total_destroyed_units",
            "total_destroyed_mg",
            "method",
            "place",
            "reason",
            "recorded_by",
            "witness_1",
            "witness_2",
            "more_witnesses",
        ],
        r.items.iter().map(|i| {
            let w = |n: usize| i.witnesses.get(n).map(|w| w.name.clone()).unwrap_or_default();
            vec![
                reg.name.clone(),
                reg.registration_number.clone().unwrap_or_default(),
                reg.address.clone(),
                i.date.clone(),
                i.movement_id.clone(),
                i.code.clone(),
                i.name.clone(),
                i.strength_mg.to_string(),
                i.form.clone(),
                i.batch.clone(),
                opt(&i.kit_number),
                i.package_quantity.map(|q| q.to_string()).unwrap_or_default(),
                i.full_packages.map(|q| q.to_string()).unwrap_or_default(),
                i.partial_count.to_string(),
                i.total_destroyed_units.to_string(),
                i.total_destroyed_mg.to_string(),
                i.method.clone(),
                i.place.clone(),
                i.reason.clone(),
                i.recorded_by.clone(),
                w(0),
                w(1),
                i.witnesses.iter().skip(2).map(|w| w.name.clone()).collect::<Vec<_>>().join("; "),
            ]
        }),
    )
}

/// The inventory as one table: a `section` column (on_hand, in_transit, total), the registrant,
/// the date and whether as of the opening or the close of business, and when the next is due.
pub fn biennial_inventory_csv(r: &BiennialInventory) -> String {
    let mut out = String::new();
    if let Some(p) = &r.registrant {
        out.push_str(&format!(
            "registrant,{},{},{}\n",
            csv_field(&p.name),
            csv_field(&p.address),
            csv_field(p.registration_number.as_deref().unwrap_or(""))
        ));
    }
    out.push_str(&format!("inventory,{},{} of business\n", r.as_of, r.taken_at.as_str()));
    out.push_str(&format!(
        "next_due,{},every {} months,{}\n",
        r.next_due.map(|d| d.to_string()).unwrap_or_default(),
        r.count_interval_months,
        csv_field(&r.count_interval_source)
    ));
    let mut rows: Vec<Vec<String>> = Vec::new();
    for x in &r.rows {
        rows.push(vec![
            "on_hand".into(),
            x.location_name.clone(),
            String::new(),
            x.lot_number.clone(),
            x.substance.clone(),
            x.product.clone(),
            x.form.clone(),
            x.strength_mg.to_string(),
            x.expires_on.map(|d| d.to_string()).unwrap_or_default(),
            if x.quarantined { "yes" } else { "no" }.into(),
            x.units.to_string(),
            x.units_per_container.map(|n| n.to_string()).unwrap_or_default(),
            x.full_containers.map(|n| n.to_string()).unwrap_or_default(),
            x.partial_count.to_string(),
            x.mg.to_string(),
        ]);
    }
    for x in &r.in_transit {
        rows.push(vec![
            "in_transit".into(),
            format!("{} to {}", x.from_name, x.to_name),
            x.shipment_id.clone(),
            x.lot_number.clone(),
            x.substance.clone(),
            x.product.clone(),
            String::new(),
            x.strength_mg.to_string(),
            String::new(),
            String::new(),
            x.units.to_string(),
            String::new(),
            String::new(),
            String::new(),
            x.mg.to_string(),
        ]);
    }
    for (what, units, mg) in
        [("on_hand", r.on_hand_units, r.on_hand_mg), ("in_transit", r.in_transit_units, r.in_transit_mg)]
    {
        let mut row = vec![String::new(); 15];
        row[0] = "total".into();
        row[1] = what.into();
        row[10] = units.to_string();
        row[14] = mg.to_string();
        rows.push(row);
    }
    out.push_str(&csv(
        &[
            "section",
            "location",
            "shipment",
            "lot_number",
            "substance",
            "product",
            "form",
            "strength_mg",
            "expires_on",
            "quarantined",
            "units",
            "units_per_container",
            "full_containers",
            "partial_count",
            "mg",
        ],
        rows,
    ));
    out
}

pub fn temperature_excursions_csv(lines: &[ExcursionLine], rc: &ReportContext) -> String {
    let outcome = |o: ExcursionOutcome| match o {
        ExcursionOutcome::Released => "released",
        ExcursionOutcome::Destroyed => "destroyed",
        ExcursionOutcome::ReturnedToSupplier => "returned_to_supplier",
        ExcursionOutcome::StillQuarantined => "still_quarantined",
    };
    csv(
        &[
            "location",
            "observed",
            "min_celsius",
            "max_celsius",
            "duration_minutes",
            "observed_by",
            "recorded",
            "recorded_by",
            "movement",
            "lot_number",
            "product",
            "units_at_location",
            "outcome",
            "released",
            "released_by",
            "release_reason",
            "destroyed_units",
            "returned_units",
            "units_remaining",
        ],
        lines.iter().map(|l| {
            vec![
                l.location_name.clone(),
                l.observed.clone(),
                l.min_celsius.to_string(),
                l.max_celsius.to_string(),
                l.duration_minutes.to_string(),
                l.observed_by.clone(),
                rc.when(l.recorded_at),
                l.recorded_by.clone(),
                l.movement_id.clone(),
                l.lot_number.clone(),
                l.product.clone(),
                l.units_at_location.to_string(),
                outcome(l.outcome).into(),
                l.released_at.map(|t| rc.when(t)).unwrap_or_default(),
                opt(&l.released_by),
                opt(&l.release_reason),
                l.destroyed_units.to_string(),
                l.returned_units.to_string(),
                l.units_remaining.to_string(),
            ]
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_neutralises_formulas_and_quotes_separators() {
        assert_eq!(csv_field("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_field("+1"), "'+1");
        assert_eq!(csv_field("-2"), "'-2");
        assert_eq!(csv_field("@sum"), "'@sum");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("plain"), "plain");
    }
}
