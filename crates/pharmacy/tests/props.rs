#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Long random sequences of movements, valid and invalid, over three locations, four lots (one
//! expiring during the run, one whose supplier has no registration), four kits and two
//! jurisdictions. Each step is decided on the whole register and on only the rows it touches
//! (the same answer); deliberately broken movements are refused for the reason they were
//! broken (temperature excursions among them: missing, observed after they are recorded, the
//! highest below the lowest, no duration, an unknown store, or on another cause); at the end
//! stock is conserved exactly per lot, every dispensed dose's chain of custody is complete,
//! replaying the accepted movements from empty rebuilds the register, the blinded view of every
//! accepted movement names no content, and the biennial inventory as of three moments equals a
//! replay of the movements recorded before each.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use catalyst_core::time::{TimeZoneName, Timestamp};
use catalyst_pharmacy::*;
use common::{T0, catalogue, party, rules};
use jiff::ToSpan;
use proptest::prelude::*;
use proptest::strategy::ValueTree;

const LOCS: [&str; 3] = ["central", "store-syd", "store-bos"];
const SITE_STORES: [&str; 2] = ["store-syd", "store-bos"];
const LOTS: [&str; 4] = ["lot-a", "lot-p", "lot-old", "lot-noreg"];
const KITS: [(&str, &str); 4] = [("K-4821", "lot-a"), ("K-9930", "lot-p"), ("K-1177", "lot-a"), ("K-3054", "lot-p")];
const QUALIFICATIONS: [Qualification; 6] = Qualification::ALL;

/// Random numbers a step is built from.
#[derive(Debug, Clone)]
struct Op {
    kind: u8,
    a: u16,
    b: u16,
    c: u16,
    f: u8,
}

/// Kinds by weight (indices into `Detail::KINDS`): stock flows in and through more often than it
/// is destroyed, lost or returned, so doses get dispensed and administered.
const WEIGHTED: [u8; 29] = [0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3, 4, 4, 4, 5, 6, 7, 8, 9, 9, 10, 11, 12, 13, 13];

fn op() -> impl Strategy<Value = Op> {
    (0..WEIGHTED.len(), any::<u16>(), any::<u16>(), any::<u16>(), any::<u8>()).prop_map(|(k, a, b, c, f)| Op {
        kind: WEIGHTED[k],
        a,
        b,
        c,
        f,
    })
}

fn key_holder(loc: &str) -> &'static str {
    match loc {
        "central" => "ph.central",
        "store-syd" => "ph.syd",
        _ => "ph.bos",
    }
}

fn pick<T: Clone>(xs: &[T], i: u16) -> Option<T> {
    if xs.is_empty() { None } else { Some(xs[i as usize % xs.len()].clone()) }
}

/// A quantity: mostly within what is held, sometimes more (which must be refused).
fn take(have: i64, c: u16, expect: &mut Option<(&'static str, &'static str)>) -> i64 {
    if c.is_multiple_of(9) {
        *expect = Some(("units", "insufficient_stock"));
        have + 1 + i64::from(c % 3)
    } else {
        1 + i64::from(c) % have.max(1)
    }
}

/// A movement, and the (field, rule) it must be refused for when it was broken on purpose.
struct Built {
    movement: Movement,
    expect: Option<(&'static str, &'static str)>,
}

fn build(step: usize, op: &Op, reg: &Register, code: &str) -> Built {
    let id = format!("m{step}");
    let at = Timestamp(T0 + step as i64 * 60_000_000);
    let mut expect = None;
    let located: Vec<(String, Stock, i64)> = reg
        .balances
        .iter()
        .filter_map(|(k, u)| match &k.holding {
            Holding::Location(l) => Some((l.clone(), k.stock.clone(), *u)),
            _ => None,
        })
        .collect();
    let in_transit: Vec<(String, Stock, i64)> = reg
        .balances
        .iter()
        .filter_map(|(k, u)| match &k.holding {
            Holding::InTransit(s) => Some((s.clone(), k.stock.clone(), *u)),
            _ => None,
        })
        .collect();
    let held: Vec<(String, Stock, i64)> = reg
        .balances
        .iter()
        .filter_map(|(k, u)| match &k.holding {
            Holding::Dispensed(d) => Some((d.clone(), k.stock.clone(), *u)),
            _ => None,
        })
        .collect();
    let kit = |s: &Stock| s.kit_number.clone();
    let mut actor = "ph.central".to_string();
    let detail = match op.kind {
        0 => {
            let loc = LOCS[op.a as usize % 3];
            actor = key_holder(loc).into();
            let (lot, kit, units) = if op.c.is_multiple_of(4) {
                let (k, lot) = KITS[(op.c / 4) as usize % 4];
                (lot, Some(k.to_string()), 2)
            } else {
                (LOTS[op.b as usize % 4], None, 1 + i64::from(op.b % 40))
            };
            let order = if code == "US" {
                Some(Order {
                    form: if op.c.is_multiple_of(2) { OrderForm::DeaForm222 } else { OrderForm::Csos },
                    number: format!("2319{step}"),
                    line: 1 + u32::from(op.c % 10),
                    units_ordered: units + i64::from(op.c % 3),
                })
            } else {
                None
            };
            Detail::Receive { location_id: loc.into(), lot_id: lot.into(), kit_number: kit, units, mg: None, order }
        }
        1 => match pick(&located, op.a) {
            Some((from, stock, have)) => {
                actor = key_holder(&from).into();
                let mut to = LOCS[op.b as usize % 3].to_string();
                if to == from && !op.c.is_multiple_of(13) {
                    to = LOCS[(op.b as usize + 1) % 3].into();
                }
                let reuse = reg
                    .open_shipments()
                    .into_iter()
                    .find(|s| s.from_location_id == from && s.to_location_id == to && !s.received.contains(&stock));
                let shipment_id = match reuse {
                    Some(s) if op.c.is_multiple_of(3) => s.id.clone(),
                    _ => format!("shp-{step}"),
                };
                Detail::Dispatch {
                    shipment_id,
                    from_location_id: from,
                    to_location_id: to,
                    lot_id: stock.lot_id.clone(),
                    kit_number: kit(&stock),
                    units: take(have, op.c, &mut expect),
                    mg: None,
                }
            }
            None => {
                expect = Some(("units", "insufficient_stock"));
                Detail::Dispatch {
                    shipment_id: format!("shp-{step}"),
                    from_location_id: "central".into(),
                    to_location_id: "store-syd".into(),
                    lot_id: "lot-a".into(),
                    kit_number: None,
                    units: 1,
                    mg: None,
                }
            }
        },
        2 => match pick(&in_transit, op.a) {
            Some((shipment, stock, expected)) => {
                actor = key_holder(&reg.shipments[&shipment].to_location_id).into();
                let counted = match op.c % 6 {
                    3 => expected - 1,
                    4 => expected + 1,
                    5 => 0,
                    _ => expected,
                };
                Detail::ReceiveTransfer {
                    shipment_id: shipment,
                    lot_id: stock.lot_id.clone(),
                    kit_number: kit(&stock),
                    units: counted,
                    mg: None,
                }
            }
            None => {
                expect = Some(("shipment_id", "exists"));
                Detail::ReceiveTransfer {
                    shipment_id: "shp-none".into(),
                    lot_id: "lot-a".into(),
                    kit_number: None,
                    units: 1,
                    mg: None,
                }
            }
        },
        3 => {
            let at_stores: Vec<_> =
                located.iter().filter(|(l, _, _)| SITE_STORES.contains(&l.as_str())).cloned().collect();
            let (loc, stock, have) =
                pick(&at_stores, op.a).unwrap_or(("store-syd".into(), Stock::new("lot-a", None), 0));
            actor = key_holder(&loc).into();
            let appointment = op.b % 40;
            let participant = if op.c.is_multiple_of(11) { 99 } else { appointment % 5 };
            let units = if have == 0 {
                expect = Some(("units", "insufficient_stock"));
                1
            } else if op.c.is_multiple_of(9) {
                take(have, op.c, &mut expect)
            } else {
                1 + i64::from(op.c % 4).min(have - 1)
            };
            Detail::Dispense {
                location_id: loc,
                lot_id: stock.lot_id.clone(),
                kit_number: kit(&stock),
                units,
                mg: None,
                participant_id: format!("P-{participant}"),
                appointment_id: format!("apt-{appointment}"),
                prescription_id: format!("rx-{appointment}"),
                dose_limit_mg: 187.5,
                override_decision_id: op.c.is_multiple_of(7).then(|| "decision-1".to_string()),
            }
        }
        4..=6 => match pick(&held, op.a) {
            Some((dose, _, have)) => {
                let units = take(have, op.c, &mut expect);
                match op.kind {
                    4 => {
                        actor = "dr.lee".into();
                        Detail::Administer {
                            dispense_id: dose,
                            dose: if op.b.is_multiple_of(2) { DoseKind::Initial } else { DoseKind::Supplemental },
                            units,
                            mg: None,
                            clinician_id: "dr.lee".into(),
                            clinician_qualification: QUALIFICATIONS[op.b as usize % 6],
                        }
                    }
                    5 => {
                        let to = reg.dispenses[&dose].location_id.clone();
                        actor = key_holder(&to).into();
                        Detail::ReturnUnused { dispense_id: dose, to_location_id: to, units, mg: None }
                    }
                    _ => {
                        actor = "dr.lee".into();
                        let witnesses =
                            if op.b.is_multiple_of(5) { vec!["w1".into()] } else { vec!["w1".into(), "w2".into()] };
                        if op.b.is_multiple_of(5) {
                            expect = Some(("witnesses", "witness_count"));
                        }
                        Detail::Waste { dispense_id: dose, units, mg: None, witnesses }
                    }
                }
            }
            None => {
                expect = Some(("dispense_id", "exists"));
                actor = "dr.lee".into();
                Detail::Administer {
                    dispense_id: "dose-none".into(),
                    dose: DoseKind::Initial,
                    units: 1,
                    mg: None,
                    clinician_id: "dr.lee".into(),
                    clinician_qualification: Qualification::Nurse,
                }
            }
        },
        7 | 8 | 11 => {
            let (loc, stock, have) = pick(&located, op.a).unwrap_or(("central".into(), Stock::new("lot-a", None), 0));
            // A few units at a time.
            let units = take(have.min(3), if have == 0 { 0 } else { op.c }, &mut expect);
            if have > 3 && expect == Some(("units", "insufficient_stock")) {
                expect = None;
            }
            let (location_id, lot_id, kit_number) = (loc.clone(), stock.lot_id.clone(), kit(&stock));
            match op.kind {
                7 => {
                    actor = key_holder(&loc).into();
                    Detail::Destroy {
                        location_id,
                        lot_id,
                        kit_number,
                        units,
                        mg: None,
                        method: "chemical digestion".into(),
                        place: "pharmacy".into(),
                        witnesses: vec!["w1".into(), "w2".into()],
                    }
                }
                8 => {
                    actor = "dr.lee".into();
                    Detail::LossOrTheft {
                        location_id,
                        lot_id,
                        kit_number,
                        units,
                        mg: None,
                        discovered_at: Timestamp(at.0 - 3_600_000_000),
                        discovered_by: "dr.lee".into(),
                        theft: op.b.is_multiple_of(2),
                    }
                }
                _ => {
                    actor = key_holder(&loc).into();
                    Detail::ReturnToSupplier {
                        location_id,
                        lot_id,
                        kit_number,
                        units,
                        mg: None,
                        recipient: party("Reverse Distributors Inc", Some("RR0099999")),
                        order_form: Some("231904999".into()),
                    }
                }
            }
        }
        9 => {
            let (loc, stock, have) = match pick(&located, op.a) {
                Some(x) if !op.c.is_multiple_of(5) => x,
                _ => (LOCS[op.a as usize % 3].to_string(), Stock::new(LOTS[op.b as usize % 4], None), 0),
            };
            actor = key_holder(&loc).into();
            let counted = match op.b % 6 {
                3 => (have - 1).max(0),
                4 => have + 2,
                5 => 0,
                _ => have,
            };
            Detail::Count {
                location_id: loc,
                lot_id: stock.lot_id.clone(),
                kit_number: kit(&stock),
                units: counted,
                mg: None,
            }
        }
        10 => {
            let ids: Vec<String> = reg.discrepancies.keys().cloned().collect();
            actor = "lead".into();
            let id = pick(&ids, op.a).unwrap_or_else(|| {
                expect = Some(("discrepancy_id", "exists"));
                "disc-none".into()
            });
            if reg.discrepancies.get(&id).is_some_and(|d| !d.is_open()) {
                expect = Some(("discrepancy_id", "open"));
            }
            Detail::ResolveDiscrepancy {
                discrepancy_id: id,
                conclusion: if op.b.is_multiple_of(2) { Conclusion::AdjustToCount } else { Conclusion::RecordsCorrect },
                signed_by: "lead".into(),
            }
        }
        12 => {
            let cause = [QuarantineCause::TemperatureExcursion, QuarantineCause::Recall, QuarantineCause::Other]
                [op.b as usize % 3];
            let loc = LOCS[op.c as usize % 3];
            actor = key_holder(loc).into();
            let low = 8.0 + f64::from(op.b % 40) * 0.5;
            let mut e = Excursion {
                location_id: loc.into(),
                observed_at: at.plus_seconds(-60 * i64::from(op.c % 180)),
                min_celsius: low,
                max_celsius: low + f64::from(op.c % 25) * 0.5,
                duration_minutes: 1 + i64::from(op.a % 600),
                observed_by: "ph.syd".into(),
            };
            // Some excursion records are wrong on purpose, each in one way that must be refused.
            let excursion = match (cause, op.a % 13) {
                (QuarantineCause::TemperatureExcursion, 0) => {
                    expect = Some(("excursion", "required"));
                    None
                }
                (QuarantineCause::TemperatureExcursion, 1) => {
                    e.observed_at = at.plus_seconds(60);
                    expect = Some(("excursion.observed_at", "not_after_record"));
                    Some(e)
                }
                (QuarantineCause::TemperatureExcursion, 2) => {
                    e.max_celsius = e.min_celsius - 0.5;
                    expect = Some(("excursion.max_celsius", "not_below_min"));
                    Some(e)
                }
                (QuarantineCause::TemperatureExcursion, 3) => {
                    e.duration_minutes = 0;
                    expect = Some(("excursion.duration_minutes", "positive"));
                    Some(e)
                }
                (QuarantineCause::TemperatureExcursion, 4) => {
                    e.location_id = "store-zz".into();
                    expect = Some(("excursion.location_id", "exists"));
                    Some(e)
                }
                (QuarantineCause::TemperatureExcursion, _) => Some(e),
                (_, 5) => {
                    expect = Some(("excursion", "temperature_excursion_only"));
                    Some(e)
                }
                (_, _) => None,
            };
            Detail::Quarantine { lot_id: LOTS[op.a as usize % 4].into(), cause, excursion }
        }
        _ => Detail::Release { lot_id: LOTS[op.a as usize % 4].into() },
    };
    let mut m = Movement { id, at, actor, reason: "as recorded".into(), detail };
    if op.f.is_multiple_of(6) {
        expect = Some(break_it(&mut m, op.f / 6, reg));
    }
    Built { movement: m, expect }
}

/// Breaks a movement in one of six ways that must be refused; returns the (field, rule).
fn break_it(m: &mut Movement, how: u8, reg: &Register) -> (&'static str, &'static str) {
    let keyed = match &m.detail {
        Detail::ReceiveTransfer { shipment_id, .. } => reg.shipments.contains_key(shipment_id),
        d => matches!(
            d,
            Detail::Receive { .. }
                | Detail::Dispatch { .. }
                | Detail::Dispense { .. }
                | Detail::ReturnUnused { .. }
                | Detail::Destroy { .. }
                | Detail::Count { .. }
                | Detail::ReturnToSupplier { .. }
        ),
    };
    let lot_known = match &m.detail {
        d if d.dispense_id().is_some() => d.dispense_id().is_some_and(|id| reg.dispenses.contains_key(id)),
        d => d.stock().is_some(),
    };
    match (how % 6, &mut m.detail) {
        (0, d) if d.quantity().is_some() => {
            let counts = matches!(d, Detail::Count { .. } | Detail::ReceiveTransfer { .. });
            set_units(d, if counts { -1 } else { 0 });
            if counts { ("units", "non_negative") } else { ("units", "positive") }
        }
        (2, _) if keyed => {
            m.actor = "intruder".into();
            ("actor", "key_holder")
        }
        (3, d) if d.quantity().is_some() && lot_known => {
            set_mg(d);
            ("mg", "strength")
        }
        (
            4,
            Detail::Receive { lot_id, .. }
            | Detail::Dispatch { lot_id, .. }
            | Detail::Dispense { lot_id, .. }
            | Detail::Destroy { lot_id, .. }
            | Detail::LossOrTheft { lot_id, .. }
            | Detail::Count { lot_id, .. }
            | Detail::ReturnToSupplier { lot_id, .. }
            | Detail::Quarantine { lot_id, .. }
            | Detail::Release { lot_id },
        ) => {
            *lot_id = "lot-zz".into();
            ("lot_id", "exists")
        }
        (5, Detail::Waste { witnesses, .. } | Detail::Destroy { witnesses, .. }) => {
            witnesses[0] = m.actor.clone();
            ("witnesses", "not_the_actor")
        }
        _ => {
            m.reason = " ".into();
            ("reason", "required")
        }
    }
}

fn set_units(d: &mut Detail, value: i64) {
    match d {
        Detail::Receive { units, .. }
        | Detail::Dispatch { units, .. }
        | Detail::ReceiveTransfer { units, .. }
        | Detail::Dispense { units, .. }
        | Detail::Administer { units, .. }
        | Detail::ReturnUnused { units, .. }
        | Detail::Waste { units, .. }
        | Detail::Destroy { units, .. }
        | Detail::LossOrTheft { units, .. }
        | Detail::Count { units, .. }
        | Detail::ReturnToSupplier { units, .. } => *units = value,
        _ => {}
    }
}

/// An mg that no strength in the catalogue (62.5 or 0) gives for these units.
fn set_mg(d: &mut Detail) {
    match d {
        Detail::Receive { units, mg, .. }
        | Detail::Dispatch { units, mg, .. }
        | Detail::ReceiveTransfer { units, mg, .. }
        | Detail::Dispense { units, mg, .. }
        | Detail::Administer { units, mg, .. }
        | Detail::ReturnUnused { units, mg, .. }
        | Detail::Waste { units, mg, .. }
        | Detail::Destroy { units, mg, .. }
        | Detail::LossOrTheft { units, mg, .. }
        | Detail::Count { units, mg, .. }
        | Detail::ReturnToSupplier { units, mg, .. } => *mg = Some(*units as f64 * 62.5 + 1.0),
        _ => {}
    }
}

#[derive(Debug, Default)]
struct Stats {
    accepted: usize,
    refused: usize,
    broken: usize,
    /// Accepted movements per kind.
    kinds: BTreeMap<&'static str, usize>,
    /// Refusals per rule.
    rules: BTreeMap<String, usize>,
    /// Temperature excursions recorded.
    excursions: usize,
}

fn run(ops: &[Op]) -> Result<Stats, TestCaseError> {
    let catalogue = catalogue();
    let us = rules("US");
    let vic = rules("AU-VIC");
    let start: jiff::civil::Date = "2026-06-01".parse().unwrap();
    let mut reg = Register::default();
    let mut entries: Vec<Entry> = Vec::new();
    let mut stats = Stats::default();
    for (step, op) in ops.iter().enumerate() {
        let (code, rules) = if op.f & 0x80 == 0 { ("US", &us) } else { ("AU-VIC", &vic) };
        let ctx =
            Context { catalogue: &catalogue, rules, local_date: start.checked_add((step as i64 / 10).days()).unwrap() };
        let Built { movement: m, expect } = build(step, op, &reg, code);
        let before = reg.clone();
        let result = apply(&reg, &m, &ctx);
        // Deciding on only the rows the movement touches gives the same answer.
        let partial = reg.restricted_to(&touches(&reg, &m));
        prop_assert_eq!(&apply(&partial, &m, &ctx), &result, "step {}: partial register differs", step);
        match result {
            Ok(delta) => {
                prop_assert!(expect.is_none(), "step {}: {:?} accepted though broken ({:?})", step, m, expect);
                for c in &delta.balances {
                    prop_assert_eq!(reg.balance(&c.key), c.before);
                    prop_assert!(c.after >= 0);
                }
                for p in &delta.postings {
                    prop_assert!(p.units > 0);
                }
                reg.commit(&delta);
                prop_assert!(reg.balances.values().all(|u| *u > 0), "step {}: a balance at or below 0", step);
                *stats.kinds.entry(m.detail.kind()).or_default() += 1;
                if let Detail::Quarantine { excursion: Some(_), .. } = &m.detail {
                    stats.excursions += 1;
                }
                entries.push(Entry { movement: m, postings: delta.postings });
                stats.accepted += 1;
            }
            Err(violations) => {
                prop_assert!(!violations.is_empty());
                for v in &violations {
                    prop_assert!(!v.field.is_empty() && !v.rule.is_empty() && !v.message.trim().is_empty(), "{:?}", v);
                }
                if let Some((field, rule)) = expect {
                    prop_assert!(
                        violations.iter().any(|v| v.field == field && v.rule == rule),
                        "step {}: expected {}/{} in {:?} for {:?}",
                        step,
                        field,
                        rule,
                        violations,
                        m
                    );
                    stats.broken += 1;
                }
                for v in &violations {
                    *stats.rules.entry(v.rule.clone()).or_default() += 1;
                }
                prop_assert_eq!(&reg, &before, "a refused movement changed the register");
                stats.refused += 1;
            }
        }
    }
    check_end(&reg, &entries)?;
    check_inventory(&entries)?;
    Ok(stats)
}

/// The biennial inventory as of the close of the first day, the opening and the close of the
/// next (UTC) equals the register a replay of the movements recorded before then gives: lot by
/// lot at every location, on hand and in transit.
fn check_inventory(entries: &[Entry]) -> Result<(), TestCaseError> {
    let (catalogue, zone, us) = (catalogue(), TimeZoneName::utc(), rules("US"));
    let (names, registrants) = (BTreeMap::new(), BTreeMap::new());
    let rc = ReportContext { catalogue: &catalogue, zone: &zone, names: &names, registrants: &registrants };
    let all: BTreeSet<String> = LOCS.iter().map(|l| l.to_string()).collect();
    for (as_of, taken_at) in
        [("2026-05-28", TakenAt::Close), ("2026-05-29", TakenAt::Opening), ("2026-05-29", TakenAt::Close)]
    {
        let inv = biennial_inventory(entries, &rc, &all, as_of.parse().unwrap(), taken_at, &us);
        let before: Vec<Movement> =
            entries.iter().filter(|e| e.movement.at < inv.cutoff).map(|e| e.movement.clone()).collect();
        let then = replay(&before).unwrap();
        for row in &inv.rows {
            let held = then.units_of_lot(&Holding::Location(row.location_id.clone()), &row.lot_id);
            prop_assert_eq!(row.units, held, "{} {}", row.location_id, row.lot_id);
            if let (Some(per), Some(full)) = (row.units_per_container, row.full_containers) {
                prop_assert_eq!(full * per + row.partial_count, row.units);
            }
        }
        let sum =
            |f: fn(&Holding) -> bool| then.balances.iter().filter(|(k, _)| f(&k.holding)).map(|(_, u)| *u).sum::<i64>();
        prop_assert_eq!(inv.on_hand_units, sum(|h| matches!(h, Holding::Location(_))));
        prop_assert_eq!(inv.in_transit_units, sum(|h| matches!(h, Holding::InTransit(_))));
        prop_assert_eq!(
            inv.next_due,
            Some(as_of.parse::<jiff::civil::Date>().unwrap().checked_add(24.months()).unwrap())
        );
    }
    Ok(())
}

fn check_end(reg: &Register, entries: &[Entry]) -> Result<(), TestCaseError> {
    // Conservation, computed from the movements themselves (not their postings), per lot.
    let mut ins: BTreeMap<String, i64> = BTreeMap::new();
    let mut outs: BTreeMap<String, i64> = BTreeMap::new();
    let lot_of_dose = |id: &str| reg.dispenses[id].stock.lot_id.clone();
    let mut per_dose: BTreeMap<String, i64> = BTreeMap::new();
    for e in entries {
        match &e.movement.detail {
            Detail::Receive { lot_id, units, .. } => *ins.entry(lot_id.clone()).or_default() += units,
            Detail::Administer { dispense_id, units, .. }
            | Detail::Waste { dispense_id, units, .. }
            | Detail::ReturnUnused { dispense_id, units, .. } => {
                if !matches!(e.movement.detail, Detail::ReturnUnused { .. }) {
                    *outs.entry(lot_of_dose(dispense_id)).or_default() += units;
                }
                *per_dose.entry(dispense_id.clone()).or_default() -= units;
            }
            Detail::Dispense { units, .. } => *per_dose.entry(e.movement.id.clone()).or_default() += units,
            Detail::Destroy { lot_id, units, .. }
            | Detail::LossOrTheft { lot_id, units, .. }
            | Detail::ReturnToSupplier { lot_id, units, .. } => *outs.entry(lot_id.clone()).or_default() += units,
            _ => {}
        }
    }
    let mut unreconciled_open = 0;
    for d in reg.discrepancies.values() {
        match &d.resolution {
            Some(r) if r.conclusion == Conclusion::AdjustToCount => {
                *outs.entry(d.stock.lot_id.clone()).or_default() += d.missing();
                *ins.entry(d.stock.lot_id.clone()).or_default() += d.surplus();
            }
            Some(_) => {}
            None => unreconciled_open += d.missing(),
        }
    }
    let unreconciled: i64 =
        reg.balances.iter().filter(|(k, _)| matches!(k.holding, Holding::Unreconciled(_))).map(|(_, u)| *u).sum();
    prop_assert_eq!(unreconciled, unreconciled_open, "unreconciled units are the open discrepancies' shortfalls");
    let flows = flow_totals(entries);
    for lot in catalogue().lots.keys() {
        let held_by = |kind: fn(&Holding) -> bool| -> i64 {
            reg.balances.iter().filter(|(k, _)| &k.stock.lot_id == lot && kind(&k.holding)).map(|(_, u)| *u).sum()
        };
        let on_hand = held_by(|h| matches!(h, Holding::Location(_)));
        let in_transit = held_by(|h| matches!(h, Holding::InTransit(_)));
        let dispensed = held_by(|h| matches!(h, Holding::Dispensed(_)));
        let unreconciled = held_by(|h| matches!(h, Holding::Unreconciled(_)));
        let got_in = ins.get(lot).copied().unwrap_or(0);
        let got_out = outs.get(lot).copied().unwrap_or(0);
        prop_assert_eq!(got_in, on_hand + in_transit + dispensed + unreconciled + got_out, "lot {} not conserved", lot);
        // The postings' flows say the same.
        let f = flows.get(lot).cloned().unwrap_or_default();
        let sum = |sources: bool| -> i64 { f.iter().filter(|(k, _)| k.is_source() == sources).map(|(_, u)| *u).sum() };
        prop_assert_eq!(sum(true), got_in);
        prop_assert_eq!(sum(false), got_out);
    }
    // Each dose holds what was dispensed less what was given, wasted or returned.
    for (dose, units) in per_dose {
        let d = &reg.dispenses[&dose];
        prop_assert_eq!(reg.balance(&BalanceKey::new(Holding::Dispensed(dose.clone()), d.stock.clone())), units);
    }
    // Every dispensed dose's chain of custody is complete and reaches a receipt (or a surplus an
    // investigation found real).
    for e in entries.iter().filter(|e| matches!(e.movement.detail, Detail::Dispense { .. })) {
        let c = chain_of_custody(entries, &e.movement.id).unwrap();
        prop_assert!(c.complete, "dose {}: chain incomplete: {:?}", e.movement.id, c);
        prop_assert!(!c.receipts.is_empty() || !c.found.is_empty(), "dose {}: no origin", e.movement.id);
    }
    // Replaying the accepted movements from empty rebuilds the register and its postings.
    let movements: Vec<Movement> = entries.iter().map(|e| e.movement.clone()).collect();
    let (replayed, replayed_entries) = replay_entries(&movements).unwrap();
    prop_assert_eq!(&replayed, reg);
    prop_assert_eq!(&replayed_entries, entries);
    // The blinded view of each accepted movement names no lot or product.
    for e in entries {
        let json = serde_json::to_string(&blind_entry(e)).unwrap().to_lowercase();
        for w in ["lot", "mg", "strength", "product", "placebo", "mdma", "pbo"] {
            prop_assert!(!json.contains(w), "{}", json);
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn long_random_sequences_keep_the_register_exact(ops in prop::collection::vec(op(), 200..400)) {
        run(&ops)?;
    }
}

#[test]
fn a_fixed_long_sequence_exercises_every_kind() {
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let ops = prop::collection::vec(op(), 1500).new_tree(&mut runner).unwrap().current();
    let stats = run(&ops).unwrap();
    eprintln!("{stats:?}");
    // The generator exercises both sides.
    assert!(stats.accepted > 500 && stats.refused > 300 && stats.broken > 100, "{stats:?}");
    assert_eq!(stats.kinds.len(), Detail::KINDS.len(), "every kind accepted at least once: {stats:?}");
    assert!(stats.kinds["dispense"] > 20 && stats.kinds["administer"] > 20, "{stats:?}");
    assert!(stats.excursions > 5, "temperature excursions recorded: {stats:?}");
    for rule in ["not_below_min", "temperature_excursion_only"] {
        assert!(stats.rules.contains_key(rule), "excursions refused for {rule}: {stats:?}");
    }
}
