//! Applying a movement: every rule checked at once, then the postings.
//!
//! [`apply`] = the rules (catalogue, jurisdiction, the site-local date, who holds keys) plus the
//! register's arithmetic (no balance below 0, records that exist, lines and kits received once).
//! [`replay`] runs the arithmetic alone over accepted movements: the rules in force when they
//! were accepted are not re-applied, but stock still may not go negative, so a tampered or
//! inconsistent register fails to replay.

use std::collections::{BTreeMap, BTreeSet};

use jiff::civil::Date;

use crate::catalogue::{Catalogue, Location, LocationKind, Lot, MAX_ID, MAX_TEXT, text};
use crate::error::{ReplayError, Violation};
use crate::movement::{
    Conclusion, Detail, EXCURSION_CELSIUS, Excursion, MAX_UNITS, MG_TOLERANCE, Movement, QuarantineCause,
};

/// How long after a loss is discovered, or an excursion observed, it may still be recorded
/// (programme-defined default).
const LATE_RECORD_DAYS: i64 = 31;
const LATE_RECORD_MICROS: i64 = LATE_RECORD_DAYS * 24 * 3600 * 1_000_000;

/// The highest line number an order form may have (programme-defined default; a DEA Form 222
/// has far fewer).
const MAX_ORDER_LINE: u32 = 1000;
use crate::register::{
    Account, BalanceChange, BalanceKey, Delta, Discrepancy, DiscrepancyOrigin, Dispense, Entry, Flow, Holding,
    Quarantine, Register, Resolution, Shipment, Stock, Touches,
};
use crate::rules::{JurisdictionRules, ReceiveField, Rule};

/// What a movement is decided against besides the register.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    /// At least the products, lots, kits and locations the movement names (see [`touches`]).
    pub catalogue: &'a Catalogue,
    /// The rules in force where the movement happens (the site's jurisdiction).
    pub rules: &'a JurisdictionRules,
    /// The movement's civil date in the site's time zone (expiry is decided on it).
    pub local_date: Date,
}

/// Decides a movement: the changes it makes, or every reason it is refused. A refused movement
/// changes nothing (the register is only read).
pub fn apply(register: &Register, movement: &Movement, ctx: &Context) -> Result<Delta, Vec<Violation>> {
    let mut violations = check(register, movement, ctx);
    match plan(register, movement) {
        Ok(delta) if violations.is_empty() => Ok(delta),
        Ok(_) => Err(violations),
        Err(more) => {
            for m in more {
                if !violations.contains(&m) {
                    violations.push(m);
                }
            }
            Err(violations)
        }
    }
}

/// Rebuilds the register from empty by replaying accepted movements in order.
pub fn replay(movements: &[Movement]) -> Result<Register, ReplayError> {
    replay_entries(movements).map(|(r, _)| r)
}

/// Replays, also returning each movement with its postings (what the reports read).
pub fn replay_entries(movements: &[Movement]) -> Result<(Register, Vec<Entry>), ReplayError> {
    let mut register = Register::default();
    let mut entries = Vec::with_capacity(movements.len());
    for (index, m) in movements.iter().enumerate() {
        let delta =
            plan(&register, m).map_err(|violations| ReplayError { index, movement_id: m.id.clone(), violations })?;
        register.commit(&delta);
        entries.push(Entry { movement: m.clone(), postings: delta.postings });
    }
    Ok((register, entries))
}

/// The rows a movement reads. Records named by the movement (its shipment, dispense or
/// discrepancy) are listed from the movement alone; the balances they lead to are listed only
/// when `register` holds them, so an application loads in two steps: the named records, then
/// the balances, appointments' dispenses and lots this lists once they are loaded.
pub fn touches(register: &Register, movement: &Movement) -> Touches {
    let mut t = Touches::default();
    let bal = |t: &mut Touches, h: Holding, s: &Stock| {
        t.balances.insert(BalanceKey::new(h, s.clone()));
        t.lots.insert(s.lot_id.clone());
    };
    let id = &movement.id;
    match &movement.detail {
        Detail::Receive { location_id, lot_id, kit_number, .. } => {
            let s = Stock::new(lot_id, kit_number.as_deref());
            bal(&mut t, Holding::Location(location_id.clone()), &s);
            t.kits.extend(kit_number.clone());
        }
        Detail::Dispatch { shipment_id, from_location_id, lot_id, kit_number, .. } => {
            let s = Stock::new(lot_id, kit_number.as_deref());
            bal(&mut t, Holding::Location(from_location_id.clone()), &s);
            bal(&mut t, Holding::InTransit(shipment_id.clone()), &s);
            t.shipments.insert(shipment_id.clone());
        }
        Detail::ReceiveTransfer { shipment_id, lot_id, kit_number, .. } => {
            let s = Stock::new(lot_id, kit_number.as_deref());
            t.shipments.insert(shipment_id.clone());
            t.discrepancies.insert(id.clone());
            bal(&mut t, Holding::InTransit(shipment_id.clone()), &s);
            bal(&mut t, Holding::Unreconciled(id.clone()), &s);
            if let Some(sh) = register.shipments.get(shipment_id) {
                bal(&mut t, Holding::Location(sh.to_location_id.clone()), &s);
            }
        }
        Detail::Dispense { location_id, lot_id, kit_number, appointment_id, .. } => {
            let s = Stock::new(lot_id, kit_number.as_deref());
            bal(&mut t, Holding::Location(location_id.clone()), &s);
            bal(&mut t, Holding::Dispensed(id.clone()), &s);
            t.dispenses.insert(id.clone());
            t.appointments.insert(appointment_id.clone());
            for d in register.dispenses.values().filter(|d| &d.appointment_id == appointment_id) {
                t.lots.insert(d.stock.lot_id.clone());
            }
        }
        Detail::Administer { dispense_id, .. } | Detail::Waste { dispense_id, .. } => {
            t.dispenses.insert(dispense_id.clone());
            if let Some(d) = register.dispenses.get(dispense_id) {
                bal(&mut t, Holding::Dispensed(dispense_id.clone()), &d.stock);
            }
        }
        Detail::ReturnUnused { dispense_id, to_location_id, .. } => {
            t.dispenses.insert(dispense_id.clone());
            if let Some(d) = register.dispenses.get(dispense_id) {
                bal(&mut t, Holding::Dispensed(dispense_id.clone()), &d.stock);
                bal(&mut t, Holding::Location(to_location_id.clone()), &d.stock);
            }
        }
        Detail::Destroy { location_id, lot_id, kit_number, .. }
        | Detail::LossOrTheft { location_id, lot_id, kit_number, .. }
        | Detail::ReturnToSupplier { location_id, lot_id, kit_number, .. } => {
            bal(&mut t, Holding::Location(location_id.clone()), &Stock::new(lot_id, kit_number.as_deref()));
        }
        Detail::Count { location_id, lot_id, kit_number, .. } => {
            let s = Stock::new(lot_id, kit_number.as_deref());
            bal(&mut t, Holding::Location(location_id.clone()), &s);
            bal(&mut t, Holding::Unreconciled(id.clone()), &s);
            t.discrepancies.insert(id.clone());
        }
        Detail::ResolveDiscrepancy { discrepancy_id, .. } => {
            t.discrepancies.insert(discrepancy_id.clone());
            if let Some(d) = register.discrepancies.get(discrepancy_id) {
                bal(&mut t, Holding::Unreconciled(discrepancy_id.clone()), &d.stock);
                bal(&mut t, Holding::Location(d.location_id.clone()), &d.stock);
            }
        }
        Detail::Quarantine { lot_id, .. } | Detail::Release { lot_id } => {
            t.lots.insert(lot_id.clone());
        }
    }
    t
}

fn describe(h: &Holding) -> String {
    match h {
        Holding::Location(id) => format!("location {id}"),
        Holding::InTransit(id) => format!("shipment {id}"),
        Holding::Dispensed(id) => format!("dispensed dose {id}"),
        Holding::Unreconciled(id) => format!("discrepancy {id}"),
    }
}

fn describe_stock(s: &Stock) -> String {
    match &s.kit_number {
        Some(k) => format!("lot {} kit {k}", s.lot_id),
        None => format!("lot {}", s.lot_id),
    }
}

// ---------------------------------------------------------------------------------------------
// The register's arithmetic

struct Plan<'r> {
    reg: &'r Register,
    movement: &'r Movement,
    delta: Delta,
    changes: BTreeMap<BalanceKey, (i64, i64)>,
    v: Vec<Violation>,
}

impl<'r> Plan<'r> {
    fn post(&mut self, stock: &Stock, from: Account, to: Account, units: i64) {
        if units <= 0 {
            return;
        }
        for (account, sign) in [(&from, -1), (&to, 1)] {
            if let Account::Holding(h) = account {
                let key = BalanceKey::new(h.clone(), stock.clone());
                let before = self.reg.balance(&key);
                let e = self.changes.entry(key).or_insert((before, before));
                e.1 += sign * units;
            }
        }
        self.delta.postings.push(crate::register::Posting { stock: stock.clone(), from, to, units });
    }

    fn positive(&mut self, units: i64) -> bool {
        if units <= 0 {
            self.v.push(Violation::new("units", "positive", format!("units must be 1 or more; got {units}")));
            false
        } else {
            self.at_most_max(units)
        }
    }

    fn non_negative(&mut self, units: i64) -> bool {
        if units < 0 {
            self.v.push(Violation::new("units", "non_negative", format!("a count must be 0 or more; got {units}")));
            false
        } else {
            self.at_most_max(units)
        }
    }

    fn at_most_max(&mut self, units: i64) -> bool {
        if units > MAX_UNITS {
            self.v.push(Violation::new(
                "units",
                "max",
                format!("one movement names at most {MAX_UNITS} units; got {units}"),
            ));
            false
        } else {
            true
        }
    }

    fn new_discrepancy_id(&mut self) -> bool {
        if self.reg.discrepancies.contains_key(&self.movement.id) {
            self.v.push(Violation::new("id", "unique", format!("discrepancy {} already exists", self.movement.id)));
            false
        } else {
            true
        }
    }

    fn dispense(&mut self, id: &str) -> Option<&'r Dispense> {
        let d = self.reg.dispenses.get(id);
        if d.is_none() {
            self.v.push(Violation::new("dispense_id", "exists", format!("no dispensed dose {id}")));
        }
        d
    }

    fn finish(mut self) -> Result<Delta, Vec<Violation>> {
        for (key, (before, after)) in self.changes {
            if after < 0 {
                self.v.push(Violation::new(
                    "units",
                    "insufficient_stock",
                    format!(
                        "{} holds {before} units of {}; this movement needs {}",
                        describe(&key.holding),
                        describe_stock(&key.stock),
                        before - after
                    ),
                ));
            } else if before != after {
                self.delta.balances.push(BalanceChange { key, before, after });
            }
        }
        if self.v.is_empty() { Ok(self.delta) } else { Err(self.v) }
    }
}

/// The postings and record changes of a movement, refusing only what the register's
/// arithmetic forbids.
fn plan(reg: &Register, m: &Movement) -> Result<Delta, Vec<Violation>> {
    let mut p = Plan { reg, movement: m, delta: Delta::default(), changes: BTreeMap::new(), v: Vec::new() };
    let loc = |id: &str| Account::Holding(Holding::Location(id.to_string()));
    let flow = Account::Flow;
    match &m.detail {
        Detail::Receive { location_id, lot_id, kit_number, units, .. } => {
            let stock = Stock::new(lot_id, kit_number.as_deref());
            if let Some(k) = kit_number {
                if reg.received_kits.contains(k) {
                    p.v.push(Violation::new("kit_number", "once", format!("kit {k} has already been received")));
                } else {
                    p.delta.received_kits.insert(k.clone());
                }
            }
            if p.positive(*units) {
                p.post(&stock, flow(Flow::Received), loc(location_id), *units);
            }
        }
        Detail::Dispatch { shipment_id, from_location_id, to_location_id, lot_id, kit_number, units, .. } => {
            let stock = Stock::new(lot_id, kit_number.as_deref());
            match reg.shipments.get(shipment_id) {
                Some(s) => {
                    if &s.from_location_id != from_location_id || &s.to_location_id != to_location_id {
                        p.v.push(Violation::new(
                            "shipment_id",
                            "route",
                            format!("shipment {shipment_id} runs from {} to {}", s.from_location_id, s.to_location_id),
                        ));
                    }
                    if s.received.contains(&stock) {
                        p.v.push(Violation::new(
                            "shipment_id",
                            "line_received",
                            format!(
                                "shipment {shipment_id}'s line for {} was already received",
                                describe_stock(&stock)
                            ),
                        ));
                    }
                }
                None => p.delta.shipments.push(Shipment {
                    id: shipment_id.clone(),
                    from_location_id: from_location_id.clone(),
                    to_location_id: to_location_id.clone(),
                    dispatched_at: m.at,
                    received: BTreeSet::new(),
                }),
            }
            if p.positive(*units) {
                p.post(
                    &stock,
                    loc(from_location_id),
                    Account::Holding(Holding::InTransit(shipment_id.clone())),
                    *units,
                );
            }
        }
        Detail::ReceiveTransfer { shipment_id, lot_id, kit_number, units, .. } => {
            let stock = Stock::new(lot_id, kit_number.as_deref());
            let counted_ok = p.non_negative(*units);
            let Some(s) = reg.shipments.get(shipment_id) else {
                p.v.push(Violation::new("shipment_id", "exists", format!("no shipment {shipment_id}")));
                return Err(p.v);
            };
            let transit = Holding::InTransit(shipment_id.clone());
            let expected = reg.balance(&BalanceKey::new(transit.clone(), stock.clone()));
            if s.received.contains(&stock) {
                p.v.push(Violation::new(
                    "shipment_id",
                    "line_received",
                    format!("shipment {shipment_id}'s line for {} was already received", describe_stock(&stock)),
                ));
            } else if expected == 0 {
                p.v.push(Violation::new(
                    "lot_id",
                    "in_shipment",
                    format!("shipment {shipment_id} carries no {}", describe_stock(&stock)),
                ));
            }
            let fresh = *units == expected || p.new_discrepancy_id();
            if !counted_ok || !fresh || !p.v.is_empty() {
                return Err(p.v);
            }
            let counted = *units;
            p.post(&stock, Account::Holding(transit.clone()), loc(&s.to_location_id), counted.min(expected));
            p.post(
                &stock,
                Account::Holding(transit),
                Account::Holding(Holding::Unreconciled(m.id.clone())),
                expected - counted,
            );
            if counted != expected {
                p.delta.discrepancies.push(Discrepancy {
                    id: m.id.clone(),
                    origin: DiscrepancyOrigin::TransferReceipt { shipment_id: shipment_id.clone() },
                    location_id: s.to_location_id.clone(),
                    stock: stock.clone(),
                    expected,
                    counted,
                    opened_at: m.at,
                    opened_by: m.actor.clone(),
                    resolution: None,
                });
            }
            let mut s = s.clone();
            s.received.insert(stock);
            p.delta.shipments.push(s);
        }
        Detail::Dispense {
            location_id,
            lot_id,
            kit_number,
            units,
            participant_id,
            appointment_id,
            prescription_id,
            override_decision_id,
            ..
        } => {
            let stock = Stock::new(lot_id, kit_number.as_deref());
            if reg.dispenses.contains_key(&m.id) {
                p.v.push(Violation::new("id", "unique", format!("dispensed dose {} already exists", m.id)));
            }
            if p.positive(*units) {
                p.post(&stock, loc(location_id), Account::Holding(Holding::Dispensed(m.id.clone())), *units);
            }
            p.delta.dispenses.push(Dispense {
                id: m.id.clone(),
                location_id: location_id.clone(),
                stock,
                units: *units,
                returned_units: 0,
                participant_id: participant_id.clone(),
                appointment_id: appointment_id.clone(),
                prescription_id: prescription_id.clone(),
                override_decision_id: override_decision_id.clone(),
                at: m.at,
                by: m.actor.clone(),
            });
        }
        Detail::Administer { dispense_id, units, .. } | Detail::Waste { dispense_id, units, .. } => {
            let to = if matches!(m.detail, Detail::Administer { .. }) { Flow::Administered } else { Flow::Wasted };
            let d = p.dispense(dispense_id);
            if p.positive(*units)
                && let Some(d) = d
            {
                p.post(&d.stock, Account::Holding(Holding::Dispensed(d.id.clone())), flow(to), *units);
            }
        }
        Detail::ReturnUnused { dispense_id, to_location_id, units, .. } => {
            let d = p.dispense(dispense_id);
            if p.positive(*units)
                && let Some(d) = d
            {
                p.post(&d.stock, Account::Holding(Holding::Dispensed(d.id.clone())), loc(to_location_id), *units);
                let mut d = d.clone();
                d.returned_units += units;
                p.delta.dispenses.push(d);
            }
        }
        Detail::Destroy { location_id, lot_id, kit_number, units, .. }
        | Detail::LossOrTheft { location_id, lot_id, kit_number, units, .. }
        | Detail::ReturnToSupplier { location_id, lot_id, kit_number, units, .. } => {
            let to = match m.detail {
                Detail::Destroy { .. } => Flow::Destroyed,
                Detail::LossOrTheft { .. } => Flow::Lost,
                _ => Flow::ReturnedToSupplier,
            };
            if p.positive(*units) {
                p.post(&Stock::new(lot_id, kit_number.as_deref()), loc(location_id), flow(to), *units);
            }
        }
        Detail::Count { location_id, lot_id, kit_number, units, .. } => {
            let stock = Stock::new(lot_id, kit_number.as_deref());
            let key = BalanceKey::new(Holding::Location(location_id.clone()), stock.clone());
            let expected = reg.balance(&key);
            if p.non_negative(*units) && *units != expected && p.new_discrepancy_id() {
                p.post(
                    &stock,
                    loc(location_id),
                    Account::Holding(Holding::Unreconciled(m.id.clone())),
                    expected - units,
                );
                p.delta.discrepancies.push(Discrepancy {
                    id: m.id.clone(),
                    origin: DiscrepancyOrigin::Count,
                    location_id: location_id.clone(),
                    stock,
                    expected,
                    counted: *units,
                    opened_at: m.at,
                    opened_by: m.actor.clone(),
                    resolution: None,
                });
            }
        }
        Detail::ResolveDiscrepancy { discrepancy_id, conclusion, signed_by } => {
            let Some(d) = reg.discrepancies.get(discrepancy_id) else {
                p.v.push(Violation::new("discrepancy_id", "exists", format!("no discrepancy {discrepancy_id}")));
                return Err(p.v);
            };
            if !d.is_open() {
                p.v.push(Violation::new(
                    "discrepancy_id",
                    "open",
                    format!("discrepancy {discrepancy_id} is already resolved"),
                ));
                return Err(p.v);
            }
            let suspense = Account::Holding(Holding::Unreconciled(d.id.clone()));
            match conclusion {
                Conclusion::AdjustToCount => {
                    p.post(&d.stock, suspense, flow(Flow::WrittenOff), d.missing());
                    p.post(&d.stock, flow(Flow::Found), loc(&d.location_id), d.surplus());
                }
                Conclusion::RecordsCorrect => p.post(&d.stock, suspense, loc(&d.location_id), d.missing()),
            }
            let mut d = d.clone();
            d.resolution = Some(Resolution {
                movement_id: m.id.clone(),
                conclusion: *conclusion,
                reason: m.reason.clone(),
                signed_by: signed_by.clone(),
                at: m.at,
            });
            p.delta.discrepancies.push(d);
        }
        Detail::Quarantine { lot_id, cause, .. } => {
            if reg.quarantined.contains_key(lot_id) {
                p.v.push(Violation::new(
                    "lot_id",
                    "already_quarantined",
                    format!("lot {lot_id} is already quarantined"),
                ));
            } else {
                p.delta
                    .quarantine
                    .insert(lot_id.clone(), Some(Quarantine { cause: *cause, movement_id: m.id.clone(), since: m.at }));
            }
        }
        Detail::Release { lot_id } => {
            if reg.quarantined.contains_key(lot_id) {
                p.delta.quarantine.insert(lot_id.clone(), None);
            } else {
                p.v.push(Violation::new("lot_id", "not_quarantined", format!("lot {lot_id} is not quarantined")));
            }
        }
    }
    p.finish()
}

// ---------------------------------------------------------------------------------------------
// The rules

struct Checks<'a> {
    reg: &'a Register,
    m: &'a Movement,
    ctx: &'a Context<'a>,
    v: Vec<Violation>,
}

impl<'a> Checks<'a> {
    fn push(&mut self, field: &str, rule: &str, message: String) {
        self.v.push(Violation::new(field, rule, message));
    }

    fn location(&mut self, field: &str, id: &str) -> Option<&'a Location> {
        let l = self.ctx.catalogue.locations.get(id);
        if l.is_none() {
            self.push(field, "exists", format!("no location {id:?}"));
        }
        l
    }

    /// The actor must hold a key to a location they put stock into, take it out of or count.
    fn key_holder(&mut self, l: Option<&Location>) {
        if let Some(l) = l
            && !l.key_holders.contains(&self.m.actor)
        {
            self.push("actor", "key_holder", format!("{} holds no key to {} ({})", self.m.actor, l.name, l.id));
        }
    }

    fn keyed_location(&mut self, field: &str, id: &str) -> Option<&'a Location> {
        let l = self.location(field, id);
        self.key_holder(l);
        l
    }

    /// The lot (and kit) named exist and belong together.
    fn lot(&mut self, lot_id: &str, kit_number: Option<&str>) -> Option<&'a Lot> {
        let cat = self.ctx.catalogue;
        let lot = cat.lots.get(lot_id);
        match lot {
            None => self.push("lot_id", "exists", format!("no lot {lot_id:?}")),
            Some(l) if !cat.products.contains_key(&l.product_id) => self.push(
                "lot_id",
                "exists",
                format!("lot {lot_id}'s product {:?} is not in the catalogue", l.product_id),
            ),
            Some(_) => {}
        }
        if let Some(k) = kit_number {
            match cat.kits.get(k) {
                None => self.push("kit_number", "exists", format!("no kit {k:?}")),
                Some(kit) if kit.lot_id != lot_id => {
                    self.push("kit_number", "kit_mismatch", format!("kit {k} is not of lot {lot_id}"))
                }
                Some(_) => {}
            }
        }
        lot
    }

    /// mg, when given, equals units × the lot's strength.
    fn mg(&mut self, lot: Option<&Lot>) {
        let Some((units, Some(mg))) = self.m.detail.quantity() else { return };
        let Some(p) = lot.and_then(|l| self.ctx.catalogue.products.get(&l.product_id)) else { return };
        let expected = units as f64 * p.strength_mg;
        if mg.is_nan() || (mg - expected).abs() > MG_TOLERANCE {
            self.push("mg", "strength", format!("{mg} mg is not {units} units × {} mg ({expected} mg)", p.strength_mg));
        }
    }

    /// Neither expired on the site-local date nor quarantined.
    fn usable(&mut self, lot: Option<&Lot>, what: &str) {
        let Some(lot) = lot else { return };
        if self.ctx.local_date > lot.expires_on {
            self.push(
                "lot_id",
                "expired",
                format!("lot {} expired on {}; an expired lot is never {what}", lot.id, lot.expires_on),
            );
        }
        if let Some(q) = self.reg.quarantined.get(&lot.id) {
            let cause = match q.cause {
                QuarantineCause::TemperatureExcursion => "a temperature excursion",
                QuarantineCause::Recall => "a recall",
                QuarantineCause::Other => "quarantine",
            };
            self.push(
                "lot_id",
                "quarantined",
                format!("lot {} is quarantined ({cause}); it is not {what} until released", lot.id),
            );
        }
    }

    fn witnesses(&mut self, witnesses: &[String], rule: &Rule<u32>, what: &str) {
        let required = rule.value as usize;
        if witnesses.len() < required {
            self.push(
                "witnesses",
                "witness_count",
                format!(
                    "{what} needs {required} witnesses in {} ({}); got {}",
                    self.ctx.rules.code,
                    rule.source,
                    witnesses.len()
                ),
            );
        }
        let mut seen = BTreeSet::new();
        for w in witnesses {
            let w = w.trim();
            if w.is_empty() {
                self.push("witnesses", "required", "a witness must be named".to_string());
            } else if w == self.m.actor.trim() {
                self.push("witnesses", "not_the_actor", format!("{w} recorded this {what} and cannot also witness it"));
            } else if !seen.insert(w) {
                self.push("witnesses", "distinct", format!("{w} is named as a witness twice"));
            }
        }
    }

    /// An excursion's facts: a store that exists, observed no later than it is recorded, the
    /// temperatures within [`EXCURSION_CELSIUS`] and the highest not below the lowest, whole
    /// minutes more than 0, and who observed it.
    fn excursion(&mut self, e: &Excursion) {
        self.location("excursion.location_id", &e.location_id);
        if e.observed_at > self.m.at {
            self.push(
                "excursion.observed_at",
                "not_after_record",
                "an excursion is observed before (or when) it is recorded".to_string(),
            );
        } else if e.observed_at.micros() < self.m.at.micros() - LATE_RECORD_MICROS {
            self.push(
                "excursion.observed_at",
                "too_old",
                format!("an excursion is recorded within {LATE_RECORD_DAYS} days of being observed"),
            );
        }
        let (lo, hi) = EXCURSION_CELSIUS;
        for (field, t) in [("excursion.min_celsius", e.min_celsius), ("excursion.max_celsius", e.max_celsius)] {
            if !(t.is_finite() && (lo..=hi).contains(&t)) {
                self.push(field, "range", format!("{field} is a temperature in °C from {lo} to {hi}; got {t}"));
            }
        }
        if e.max_celsius < e.min_celsius {
            self.push(
                "excursion.max_celsius",
                "not_below_min",
                format!("the highest temperature ({} °C) is below the lowest ({} °C)", e.max_celsius, e.min_celsius),
            );
        }
        if e.duration_minutes > LATE_RECORD_DAYS * 24 * 60 {
            self.push(
                "excursion.duration_minutes",
                "range",
                format!("an excursion recorded within {LATE_RECORD_DAYS} days lasted at most that long"),
            );
        }
        if e.duration_minutes <= 0 {
            self.push(
                "excursion.duration_minutes",
                "positive",
                format!("an excursion lasts 1 minute or more; got {}", e.duration_minutes),
            );
        }
        self.text("excursion.observed_by", &e.observed_by, MAX_ID);
    }

    fn text(&mut self, field: &str, value: &str, max: usize) {
        text(&mut self.v, field, value, max);
    }

    fn dispense_lot(&self, dispense_id: &str) -> Option<&'a Lot> {
        let d = self.reg.dispenses.get(dispense_id)?;
        self.ctx.catalogue.lots.get(&d.stock.lot_id)
    }

    fn requires(&self, f: ReceiveField) -> bool {
        self.ctx.rules.receive_requires.value.contains(&f)
    }
}

fn check(reg: &Register, m: &Movement, ctx: &Context) -> Vec<Violation> {
    let mut c = Checks { reg, m, ctx, v: Vec::new() };
    c.text("id", &m.id, MAX_ID);
    c.text("actor", &m.actor, MAX_ID);
    c.text("reason", &m.reason, MAX_TEXT);
    let rules = ctx.rules;
    match &m.detail {
        Detail::Receive { location_id, lot_id, kit_number, units, order, .. } => {
            c.keyed_location("location_id", location_id);
            let lot = c.lot(lot_id, kit_number.as_deref());
            c.mg(lot);
            if let Some(kit) = kit_number.as_deref().and_then(|k| ctx.catalogue.kits.get(k))
                && kit.units != *units
            {
                c.push(
                    "units",
                    "kit_units",
                    format!("kit {} holds {} units; receive it whole", kit.kit_number, kit.units),
                );
            }
            match order {
                None if c.requires(ReceiveField::Order) => c.push(
                    "order",
                    "required",
                    format!(
                        "a receipt in {} names the order it fills (form, number, line, units ordered): {}",
                        rules.code, rules.receive_requires.source
                    ),
                ),
                None => {}
                Some(o) => {
                    c.text("order.number", &o.number, MAX_ID);
                    if o.line == 0 || o.line > MAX_ORDER_LINE {
                        c.push("order.line", "range", format!("the order's line number is from 1 to {MAX_ORDER_LINE}"));
                    }
                    if o.units_ordered <= 0 || o.units_ordered > MAX_UNITS {
                        c.push("order.units_ordered", "range", format!("units ordered are from 1 to {MAX_UNITS}"));
                    } else if *units > o.units_ordered {
                        c.push(
                            "units",
                            "more_than_ordered",
                            format!("{units} units are more than the {} the order's line asks for", o.units_ordered),
                        );
                    }
                    if !rules.order_forms.value.contains(&o.form) {
                        let allowed: Vec<&str> = rules.order_forms.value.iter().map(|f| f.as_str()).collect();
                        c.v.push(Violation::one_of("order.form", o.form.as_str(), &allowed));
                    }
                }
            }
            if let Some(lot) = lot {
                if c.requires(ReceiveField::SupplierAddress) && lot.supplier.address.trim().is_empty() {
                    c.push(
                        "lot_id",
                        "supplier_address",
                        format!("lot {}'s supplier has no address, which receipts in {} record", lot.id, rules.code),
                    );
                }
                if c.requires(ReceiveField::SupplierRegistration)
                    && lot.supplier.registration_number.as_deref().is_none_or(|r| r.trim().is_empty())
                {
                    c.push(
                        "lot_id",
                        "supplier_registration",
                        format!(
                            "lot {}'s supplier has no registration number, which receipts in {} record ({})",
                            lot.id, rules.code, rules.receive_requires.source
                        ),
                    );
                }
            }
        }
        Detail::Dispatch { shipment_id, from_location_id, to_location_id, lot_id, kit_number, .. } => {
            c.text("shipment_id", shipment_id, MAX_ID);
            c.keyed_location("from_location_id", from_location_id);
            c.location("to_location_id", to_location_id);
            if from_location_id == to_location_id {
                c.push("to_location_id", "distinct", "a transfer goes to another location".to_string());
            }
            let lot = c.lot(lot_id, kit_number.as_deref());
            c.usable(lot, "transferred");
            c.mg(lot);
        }
        Detail::ReceiveTransfer { shipment_id, lot_id, kit_number, .. } => {
            if let Some(s) = reg.shipments.get(shipment_id) {
                c.keyed_location("shipment_id", &s.to_location_id);
            }
            let lot = c.lot(lot_id, kit_number.as_deref());
            c.mg(lot);
        }
        Detail::Dispense {
            location_id,
            lot_id,
            kit_number,
            units,
            participant_id,
            appointment_id,
            prescription_id,
            dose_limit_mg,
            override_decision_id,
            ..
        } => {
            if let Some(l) = c.keyed_location("location_id", location_id)
                && l.kind != LocationKind::SiteStore
            {
                c.push(
                    "location_id",
                    "site_store",
                    format!("doses are dispensed from a site's store; {} is not", l.name),
                );
            }
            let lot = c.lot(lot_id, kit_number.as_deref());
            c.usable(lot, "dispensed");
            c.mg(lot);
            c.text("participant_id", participant_id, MAX_ID);
            c.text("appointment_id", appointment_id, MAX_ID);
            c.text("prescription_id", prescription_id, MAX_ID);
            if let Some(o) = override_decision_id {
                c.text("override_decision_id", o, MAX_ID);
            }
            let earlier: Vec<&Dispense> =
                reg.dispenses.values().filter(|d| &d.appointment_id == appointment_id && d.id != m.id).collect();
            if let Some(d) = earlier.iter().find(|d| &d.participant_id != participant_id) {
                c.push(
                    "participant_id",
                    "same_participant",
                    format!("appointment {appointment_id} is {}'s, not {participant_id}'s", d.participant_id),
                );
            }
            if !(dose_limit_mg.is_finite() && *dose_limit_mg > 0.0) {
                c.push("dose_limit_mg", "positive", "the prescription's dose limit must be more than 0 mg".to_string());
            } else if let Some(strength) = ctx.catalogue.nominal_strength_mg(lot_id) {
                let mut drawn = 0.0;
                for d in &earlier {
                    match ctx.catalogue.nominal_strength_mg(&d.stock.lot_id) {
                        Some(s) => drawn += (d.units - d.returned_units) as f64 * s,
                        None => c.push(
                            "appointment_id",
                            "exists",
                            format!("lot {} of dispense {} is not in the catalogue", d.stock.lot_id, d.id),
                        ),
                    }
                }
                let total = drawn + *units as f64 * strength;
                if total > dose_limit_mg + MG_TOLERANCE {
                    let allowed_by = match override_decision_id {
                        Some(d) => format!("physician's decision {d} allows"),
                        None => "prescription allows; more needs a physician's signed decision".to_string(),
                    };
                    c.push(
                        "units",
                        "dose_limit",
                        format!("{units} units bring this session's dose to {total} mg, above the {dose_limit_mg} mg the {allowed_by}"),
                    );
                }
            }
        }
        Detail::Administer { dispense_id, clinician_id, clinician_qualification, .. } => {
            let lot = c.dispense_lot(dispense_id);
            c.mg(lot);
            c.text("clinician_id", clinician_id, MAX_ID);
            if !rules.may_administer.value.allows(*clinician_qualification) {
                c.push(
                    "clinician_qualification",
                    "may_administer",
                    format!(
                        "in {} a {} may not administer ({})",
                        rules.code,
                        clinician_qualification.as_str().replace('_', " "),
                        rules.may_administer.source
                    ),
                );
            }
        }
        Detail::ReturnUnused { dispense_id, to_location_id, .. } => {
            let to = c.keyed_location("to_location_id", to_location_id);
            // A dose goes back to its own site's stores: between sites stock moves by shipment.
            let from = reg.dispenses.get(dispense_id).and_then(|d| ctx.catalogue.locations.get(&d.location_id));
            if let (Some(to), Some(from)) = (to, from)
                && to.site_id != from.site_id
            {
                c.push(
                    "to_location_id",
                    "same_site",
                    format!("the dose was dispensed from {}; it is returned to a store at that site", from.name),
                );
            }
            let lot = c.dispense_lot(dispense_id);
            c.mg(lot);
        }
        Detail::Waste { dispense_id, witnesses, .. } => {
            let lot = c.dispense_lot(dispense_id);
            c.mg(lot);
            c.witnesses(witnesses, &rules.waste_witnesses, "waste");
        }
        Detail::Destroy { location_id, lot_id, kit_number, method, place, witnesses, .. } => {
            c.keyed_location("location_id", location_id);
            let lot = c.lot(lot_id, kit_number.as_deref());
            c.mg(lot);
            c.text("method", method, MAX_TEXT);
            c.text("place", place, MAX_TEXT);
            c.witnesses(witnesses, &rules.destruction_witnesses, "destruction");
        }
        Detail::LossOrTheft { location_id, lot_id, kit_number, discovered_at, discovered_by, .. } => {
            c.location("location_id", location_id);
            let lot = c.lot(lot_id, kit_number.as_deref());
            c.mg(lot);
            c.text("discovered_by", discovered_by, MAX_ID);
            if *discovered_at > m.at {
                c.push(
                    "discovered_at",
                    "not_after_record",
                    "a loss is discovered before (or when) it is recorded".to_string(),
                );
            } else if discovered_at.micros() < m.at.micros() - LATE_RECORD_MICROS {
                // The DEA's notice is due a business day after discovery: a loss is recorded
                // when found, not months later (and an absurd date would break its clock).
                c.push(
                    "discovered_at",
                    "too_old",
                    format!("a loss is recorded within {LATE_RECORD_DAYS} days of its discovery"),
                );
            }
        }
        Detail::Count { location_id, lot_id, kit_number, .. } => {
            c.keyed_location("location_id", location_id);
            let lot = c.lot(lot_id, kit_number.as_deref());
            c.mg(lot);
        }
        Detail::ResolveDiscrepancy { signed_by, .. } => {
            c.text("signed_by", signed_by, MAX_ID);
        }
        Detail::ReturnToSupplier { location_id, lot_id, kit_number, recipient, order_form, .. } => {
            c.keyed_location("location_id", location_id);
            let lot = c.lot(lot_id, kit_number.as_deref());
            c.mg(lot);
            c.text("recipient.name", &recipient.name, MAX_TEXT);
            c.text("recipient.address", &recipient.address, MAX_TEXT);
            match &recipient.registration_number {
                Some(r) => c.text("recipient.registration_number", r, MAX_ID),
                None if c.requires(ReceiveField::SupplierRegistration) => c.push(
                    "recipient.registration_number",
                    "required",
                    format!("a return in {} names the recipient's registration number", rules.code),
                ),
                None => {}
            }
            match order_form {
                Some(o) => c.text("order_form", o, MAX_ID),
                None if c.requires(ReceiveField::Order) => c.push(
                    "order_form",
                    "required",
                    format!("a return in {} names the recipient's order form (DEA Form 222 or CSOS)", rules.code),
                ),
                None => {}
            }
        }
        Detail::Quarantine { lot_id, cause, excursion } => {
            c.lot(lot_id, None);
            match (cause, excursion) {
                (QuarantineCause::TemperatureExcursion, Some(e)) => c.excursion(e),
                (QuarantineCause::TemperatureExcursion, None) => c.push(
                    "excursion",
                    "required",
                    "a quarantine for a temperature excursion records it: the store, when it was observed, the \
                     lowest and highest temperature, how long it lasted and who observed it"
                        .to_string(),
                ),
                (_, Some(_)) => c.push(
                    "excursion",
                    "temperature_excursion_only",
                    "an excursion is recorded only with a quarantine for a temperature excursion".to_string(),
                ),
                (_, None) => {}
            }
        }
        Detail::Release { lot_id } => {
            c.lot(lot_id, None);
        }
    }
    c.v
}
