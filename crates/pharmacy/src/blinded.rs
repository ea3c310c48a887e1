//! What blinded roles see of the register: kit numbers and units, never the product, substance,
//! strength, mg, lot or placebo flag, and no free text (a reason could name the contents).
//!
//! The application shows blinded roles only these projections, in pages, API answers, exports
//! and error messages ([`blind_violations`]); the unblinded documents (the inspector's reports)
//! are for unblinded roles.

use std::collections::BTreeMap;

use catalyst_core::time::Timestamp;
use serde::Serialize;

use crate::error::Violation;
use crate::movement::{Detail, Excursion};
use crate::register::{Account, Discrepancy, Dispense, Entry, Holding, Register};

/// One movement as a blinded role sees it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BlindedEntry {
    pub id: String,
    pub at: Timestamp,
    pub actor: String,
    /// The movement's kind (`dispense`, `count`, ...).
    pub kind: &'static str,
    /// The kit the movement concerns, when its stock is in a kit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kit_number: Option<String>,
    /// The units stated (counted, for a count or a transfer receipt).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub units: Option<i64>,
    /// The location named (the source of a transfer, the store counted or dispensed from).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to_location_id: Option<String>,
    /// For a dispense: whose session.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub participant_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub appointment_id: Option<String>,
    /// The dispensed dose acted on (administer, return, waste).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dispense_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shipment_id: Option<String>,
    /// The discrepancy resolved. (A count or transfer receipt that opens one gives it its own id.)
    #[serde(skip_serializing_if = "Option::is_none")]
    pub discrepancy_id: Option<String>,
    /// A temperature excursion's record (the store, when, the temperatures, how long, who
    /// observed it: none of it is content).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub excursion: Option<Excursion>,
    /// The units moved, kit by kit.
    pub lines: Vec<BlindedLine>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BlindedLine {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kit_number: Option<String>,
    pub from: Account,
    pub to: Account,
    pub units: i64,
}

/// The blinded view of an accepted movement.
pub fn blind_entry(entry: &Entry) -> BlindedEntry {
    let m = &entry.movement;
    let lines: Vec<BlindedLine> = entry
        .postings
        .iter()
        .map(|p| BlindedLine {
            kit_number: p.stock.kit_number.clone(),
            from: p.from.clone(),
            to: p.to.clone(),
            units: p.units,
        })
        .collect();
    let kit_number = match m.detail.stock() {
        Some((_, kit)) => kit.map(str::to_string),
        None => lines.iter().find_map(|l| l.kit_number.clone()),
    };
    let mut b = BlindedEntry {
        id: m.id.clone(),
        at: m.at,
        actor: m.actor.clone(),
        kind: m.detail.kind(),
        kit_number,
        units: m.detail.quantity().map(|(u, _)| u),
        location_id: None,
        to_location_id: None,
        participant_id: None,
        appointment_id: None,
        dispense_id: m.detail.dispense_id().map(str::to_string),
        shipment_id: None,
        discrepancy_id: None,
        excursion: None,
        lines,
    };
    match &m.detail {
        Detail::Receive { location_id, .. }
        | Detail::Destroy { location_id, .. }
        | Detail::LossOrTheft { location_id, .. }
        | Detail::ReturnToSupplier { location_id, .. } => b.location_id = Some(location_id.clone()),
        Detail::Count { location_id, .. } => b.location_id = Some(location_id.clone()),
        Detail::Dispatch { shipment_id, from_location_id, to_location_id, .. } => {
            b.shipment_id = Some(shipment_id.clone());
            b.location_id = Some(from_location_id.clone());
            b.to_location_id = Some(to_location_id.clone());
        }
        Detail::ReceiveTransfer { shipment_id, .. } => b.shipment_id = Some(shipment_id.clone()),
        Detail::Dispense { location_id, participant_id, appointment_id, .. } => {
            b.location_id = Some(location_id.clone());
            b.participant_id = Some(participant_id.clone());
            b.appointment_id = Some(appointment_id.clone());
        }
        Detail::ReturnUnused { to_location_id, .. } => b.to_location_id = Some(to_location_id.clone()),
        Detail::ResolveDiscrepancy { discrepancy_id, .. } => b.discrepancy_id = Some(discrepancy_id.clone()),
        Detail::Quarantine { excursion: Some(e), .. } => {
            b.location_id = Some(e.location_id.clone());
            b.excursion = Some(e.clone());
        }
        Detail::Administer { .. } | Detail::Waste { .. } | Detail::Quarantine { .. } | Detail::Release { .. } => {}
    }
    b
}

/// One balance as a blinded role sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BlindedBalance {
    pub holding: Holding,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kit_number: Option<String>,
    pub units: i64,
}

/// The register's balances, blinded; stock not in kits is summed per holding.
pub fn blind_balances(register: &Register) -> Vec<BlindedBalance> {
    let mut sums: BTreeMap<(&Holding, Option<&String>), i64> = BTreeMap::new();
    for (k, units) in &register.balances {
        *sums.entry((&k.holding, k.stock.kit_number.as_ref())).or_default() += units;
    }
    sums.into_iter()
        .map(|((holding, kit), units)| BlindedBalance { holding: holding.clone(), kit_number: kit.cloned(), units })
        .collect()
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BlindedDispense {
    pub id: String,
    pub location_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kit_number: Option<String>,
    pub units: i64,
    pub returned_units: i64,
    pub participant_id: String,
    pub appointment_id: String,
    pub at: Timestamp,
    pub by: String,
}

pub fn blind_dispense(d: &Dispense) -> BlindedDispense {
    BlindedDispense {
        id: d.id.clone(),
        location_id: d.location_id.clone(),
        kit_number: d.stock.kit_number.clone(),
        units: d.units,
        returned_units: d.returned_units,
        participant_id: d.participant_id.clone(),
        appointment_id: d.appointment_id.clone(),
        at: d.at,
        by: d.by.clone(),
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BlindedDiscrepancy {
    pub id: String,
    pub location_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kit_number: Option<String>,
    pub expected: i64,
    pub counted: i64,
    pub open: bool,
}

pub fn blind_discrepancy(d: &Discrepancy) -> BlindedDiscrepancy {
    BlindedDiscrepancy {
        id: d.id.clone(),
        location_id: d.location_id.clone(),
        kit_number: d.stock.kit_number.clone(),
        expected: d.expected,
        counted: d.counted,
        open: d.is_open(),
    }
}

/// A refusal as a blinded role may see it: the same fields and rules, except that a lot is shown
/// as the kit, mg as the units and the rule `strength` as `quantity`, with a fixed message per
/// rule that names no lot, product, strength or amount in mg.
pub fn blind_violations(violations: &[Violation]) -> Vec<Violation> {
    violations
        .iter()
        .map(|v| {
            let field = if v.field == "lot_id" || v.field.starts_with("lot_id.") {
                "kit_number".to_string()
            } else if v.field == "mg" {
                "units".to_string()
            } else {
                v.field.clone()
            };
            let rule = if v.rule == "strength" { "quantity".to_string() } else { v.rule.clone() };
            Violation::new(field, rule, blind_message(&v.rule))
        })
        .collect()
}

fn blind_message(rule: &str) -> String {
    match rule {
        "required" => "this field is required",
        "max_length" => "this field is too long",
        "no_control_characters" => "this field must not contain control characters",
        "positive" => "must be 1 or more",
        "non_negative" => "a count must be 0 or more",
        "max" => "this number is out of range",
        "exists" => "not found",
        "unique" => "already recorded",
        "insufficient_stock" => "not enough units are held for this movement",
        "expired" => "this kit has expired and may not be used",
        "quarantined" => "this kit is quarantined and may not be used until released",
        "dose_limit" => "this is more than the prescription (or a physician's signed decision) allows for the session",
        "strength" => "the quantity does not match the kit",
        "kit_mismatch" => "the kit does not match the stock named",
        "kit_units" => "a kit is received whole",
        "once" => "this kit has already been received",
        "key_holder" => "you hold no key to this location",
        "site_store" => "doses are dispensed from a site's store",
        "same_site" => "a dose is returned to a store at the site it was dispensed from",
        "blinded" => "blinded roles record units only",
        "distinct" => "must be distinct",
        "not_the_actor" => "the person recording this cannot also witness it",
        "witness_count" => "more witnesses are needed",
        "may_administer" => "this clinician may not administer here",
        "same_participant" => "this appointment is another participant's",
        "route" => "this shipment runs between other locations",
        "line_received" => "this shipment line was already received",
        "in_shipment" => "this shipment does not carry this kit",
        "open" => "already resolved",
        "already_quarantined" => "already quarantined",
        "not_quarantined" => "not quarantined",
        "not_after_record" => "this is observed before (or when) it is recorded",
        "range" => "this value is out of range",
        "not_below_min" => "the highest temperature is below the lowest",
        "temperature_excursion_only" => "an excursion is recorded only with a quarantine for a temperature excursion",
        _ => "this movement is not allowed",
    }
    .to_string()
}
