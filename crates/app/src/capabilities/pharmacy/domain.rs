//! The pharmacy capability's records and the pure rules of its write path.
//!
//! The register itself (movements as double-entry transitions, the rules by jurisdiction, the
//! blinded view and the reports) is the pure crate `catalyst-pharmacy`; here are the ledgered
//! rows that hold the catalogue and the movements, the rows of derived state the write path
//! keeps beside them (balances, shipments, dispenses, discrepancies, quarantines, kits
//! received), how those rows read back into a [`Register`], the request a movement is made
//! from, and the decisions the application adds around `apply`: who counts as which clinician,
//! which appointment a dose may be dispensed for, the dose limit a prescription sets.

use catalyst_core::error::{Violation, required_text};
use catalyst_core::ledger::StateMismatch;
use catalyst_core::record::{Column, Record, Redaction, Row, TableSpec, json_text};
use catalyst_core::string_enum;
use catalyst_core::time::Timestamp;
use catalyst_pharmacy::{
    BalanceKey, Catalogue, Conclusion, Detail, Discrepancy, Dispense, DoseKind, Excursion, Holding, Movement, Order,
    Party, Qualification, Quarantine, QuarantineCause, Register, Shipment, Stock,
};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

// ---------------------------------------------------------------------------------------------
// Ledgered records

pub static PRODUCTS: TableSpec = TableSpec {
    kind: "pharmacy_product",
    table: "pharmacy_products",
    // What a unit is (including that a matching placebo exists): the running of the programme.
    redaction: Redaction::Open,
    columns: &[
        Column::text("id"),
        Column::text("site_id"),
        Column::text("name"),
        Column::text("substance"),
        Column::text("form"),
        Column::integer("strength_ug"),
        Column::integer("placebo"),
        Column::optional_text("matches_product_id"),
        Column::integer("created_at"),
        Column::text("created_by"),
    ],
};

/// Whole units of a strength. Strengths are kept in micrograms (62.5 mg = 62 500 µg), so a
/// stored strength is exact and registers compare exactly.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Product {
    pub id: String,
    /// The site whose pharmacist registered it (its chain holds the record); every site's
    /// stores may hold it.
    pub site_id: String,
    pub name: String,
    pub substance: String,
    pub form: String,
    pub strength_ug: i64,
    #[serde(with = "catalyst_core::record::flag")]
    pub placebo: bool,
    pub matches_product_id: Option<String>,
    pub created_at: Timestamp,
    pub created_by: String,
}

impl Record for Product {
    const SPEC: &'static TableSpec = &PRODUCTS;
    fn id(&self) -> &str {
        &self.id
    }
}

impl Product {
    pub fn strength_mg(&self) -> f64 {
        self.strength_ug as f64 / 1000.0
    }

    /// The crate's catalogue entry.
    pub fn entry(&self) -> catalyst_pharmacy::Product {
        catalyst_pharmacy::Product {
            id: self.id.clone(),
            name: self.name.clone(),
            substance: self.substance.clone(),
            form: self.form.clone(),
            strength_mg: self.strength_mg(),
            placebo: self.placebo,
            matches_product_id: self.matches_product_id.clone(),
        }
    }
}

pub static LOTS: TableSpec = TableSpec {
    kind: "pharmacy_lot",
    table: "pharmacy_lots",
    redaction: Redaction::ArmRevealing,
    columns: &[
        Column::text("id"),
        Column::text("site_id"),
        Column::text("product_id"),
        Column::text("lot_number"),
        Column::text("expires_on"),
        Column::text("storage_conditions"),
        Column::text("supplier_name"),
        Column::text("supplier_address"),
        Column::optional_text("supplier_registration"),
        Column::optional_integer("units_per_container"),
        Column::integer("created_at"),
        Column::text("created_by"),
    ],
};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lot {
    pub id: String,
    pub site_id: String,
    pub product_id: String,
    pub lot_number: String,
    /// Usable through this date (site-local).
    pub expires_on: Date,
    pub storage_conditions: String,
    pub supplier_name: String,
    pub supplier_address: String,
    pub supplier_registration: Option<String>,
    pub units_per_container: Option<i64>,
    pub created_at: Timestamp,
    pub created_by: String,
}

impl Record for Lot {
    const SPEC: &'static TableSpec = &LOTS;
    fn id(&self) -> &str {
        &self.id
    }
}

impl Lot {
    pub fn entry(&self) -> catalyst_pharmacy::Lot {
        catalyst_pharmacy::Lot {
            id: self.id.clone(),
            product_id: self.product_id.clone(),
            lot_number: self.lot_number.clone(),
            expires_on: self.expires_on,
            storage_conditions: self.storage_conditions.clone(),
            supplier: Party {
                name: self.supplier_name.clone(),
                address: self.supplier_address.clone(),
                registration_number: self.supplier_registration.clone(),
            },
            units_per_container: self.units_per_container,
        }
    }
}

string_enum!(
    /// What a store is.
    LocationKind { CentralPharmacy = "central_pharmacy", SiteStore = "site_store" }
);

impl LocationKind {
    pub fn entry(self) -> catalyst_pharmacy::LocationKind {
        match self {
            LocationKind::CentralPharmacy => catalyst_pharmacy::LocationKind::CentralPharmacy,
            LocationKind::SiteStore => catalyst_pharmacy::LocationKind::SiteStore,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            LocationKind::CentralPharmacy => "central pharmacy",
            LocationKind::SiteStore => "site store",
        }
    }
}

pub static LOCATIONS: TableSpec = TableSpec {
    kind: "pharmacy_location",
    table: "pharmacy_locations",
    redaction: Redaction::Open,
    columns: &[
        Column::text("id"),
        Column::text("site_id"),
        Column::text("name"),
        Column::text("kind"),
        Column::text("key_holders"),
        Column::integer("created_at"),
        Column::text("created_by"),
    ],
};

/// A locked store at a site, with the people (user ids) who hold its keys.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Location {
    pub id: String,
    pub site_id: String,
    pub name: String,
    pub kind: LocationKind,
    #[serde(with = "json_text")]
    pub key_holders: BTreeSet<String>,
    pub created_at: Timestamp,
    pub created_by: String,
}

impl Record for Location {
    const SPEC: &'static TableSpec = &LOCATIONS;
    fn id(&self) -> &str {
        &self.id
    }
}

impl Location {
    pub fn entry(&self) -> catalyst_pharmacy::Location {
        catalyst_pharmacy::Location {
            id: self.id.clone(),
            name: self.name.clone(),
            kind: self.kind.entry(),
            site_id: self.site_id.clone(),
            key_holders: self.key_holders.clone(),
        }
    }
}

pub static KITS: TableSpec = TableSpec {
    kind: "pharmacy_kit",
    table: "pharmacy_kits",
    // A kit's lot is what a blinded participant receives: shown to no one in the audit trail.
    redaction: Redaction::ArmRevealing,
    columns: &[
        Column::text("id"),
        Column::text("site_id"),
        Column::text("lot_id"),
        Column::integer("units"),
        Column::text("salt"),
        Column::integer("created_at"),
        Column::text("created_by"),
    ],
};

/// A blinded trial's kit; its id is the kit number. `salt` (random) makes the row's hash in the
/// audit trail useless for guessing which lot the kit holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Kit {
    pub id: String,
    pub site_id: String,
    pub lot_id: String,
    pub units: i64,
    pub salt: String,
    pub created_at: Timestamp,
    pub created_by: String,
}

impl Record for Kit {
    const SPEC: &'static TableSpec = &KITS;
    fn id(&self) -> &str {
        &self.id
    }
}

impl Kit {
    pub fn entry(&self) -> catalyst_pharmacy::Kit {
        catalyst_pharmacy::Kit { kit_number: self.id.clone(), lot_id: self.lot_id.clone(), units: self.units }
    }
}

pub static MOVEMENTS: TableSpec = TableSpec {
    kind: "pharmacy_movement",
    table: "pharmacy_movements",
    // A movement names a participant and the lot (and kit) they received, and may give mg: in
    // a blinded trial that is their allocation. Append-only (a trigger refuses changes).
    redaction: Redaction::ArmRevealing,
    columns: &[
        Column::text("id"),
        Column::integer("seq"),
        Column::text("site_id"),
        Column::text("kind"),
        Column::integer("at"),
        Column::text("actor"),
        Column::text("reason"),
        Column::optional_text("participant_id"),
        Column::text("detail"),
        Column::text("salt"),
    ],
};

/// One movement of the register, as accepted. `seq` is its place in the register's one order
/// (every movement takes the next number inside its transaction), in which `replay` rebuilds
/// the derived state; `site_id` is the site whose chain holds it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MovementRecord {
    pub id: String,
    pub seq: i64,
    pub site_id: String,
    pub kind: String,
    pub at: Timestamp,
    pub actor: String,
    pub reason: String,
    pub participant_id: Option<String>,
    #[serde(with = "json_text")]
    pub detail: Detail,
    pub salt: String,
}

impl Record for MovementRecord {
    const SPEC: &'static TableSpec = &MOVEMENTS;
    fn id(&self) -> &str {
        &self.id
    }
}

impl MovementRecord {
    pub fn from_movement(m: &Movement, seq: i64, site_id: &str, salt: String) -> Self {
        let participant_id = match &m.detail {
            Detail::Dispense { participant_id, .. } => Some(participant_id.clone()),
            _ => None,
        };
        MovementRecord {
            id: m.id.clone(),
            seq,
            site_id: site_id.to_owned(),
            kind: m.detail.kind().to_owned(),
            at: m.at,
            actor: m.actor.clone(),
            reason: m.reason.clone(),
            participant_id,
            detail: m.detail.clone(),
            salt,
        }
    }

    pub fn movement(&self) -> Movement {
        Movement {
            id: self.id.clone(),
            at: self.at,
            actor: self.actor.clone(),
            reason: self.reason.clone(),
            detail: self.detail.clone(),
        }
    }
}

pub static RESUPPLY_THRESHOLDS: TableSpec = TableSpec {
    kind: "pharmacy_resupply_threshold",
    table: "pharmacy_resupply_thresholds",
    // How much of each product a store keeps can show a site's mix of active and placebo
    // doses in a blinded trial: the pharmacist's, shown to no one in the audit trail.
    redaction: Redaction::ArmRevealing,
    columns: &[
        Column::text("id"),
        Column::text("site_id"),
        Column::text("location_id"),
        Column::text("product_id"),
        Column::integer("min_units"),
        Column::text("salt"),
        Column::integer("set_at"),
        Column::text("set_by"),
    ],
};

/// The fewest usable units of a product a store should hold before it is resupplied, set by
/// the site's pharmacist (0: no alert). One per (store, product); each change is an update with
/// its reason, so the ledger holds the old and the new value and who set it. `salt` (random,
/// new with each value) makes the row's hash in the audit trail useless for guessing it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResupplyThreshold {
    pub id: String,
    pub site_id: String,
    pub location_id: String,
    pub product_id: String,
    pub min_units: i64,
    pub salt: String,
    pub set_at: Timestamp,
    pub set_by: String,
}

impl Record for ResupplyThreshold {
    const SPEC: &'static TableSpec = &RESUPPLY_THRESHOLDS;
    fn id(&self) -> &str {
        &self.id
    }
}

/// The most units a threshold may ask for.
pub const MAX_THRESHOLD_UNITS: i64 = 1_000_000;

/// A threshold as sent: a whole number from 0 (no alert) to [`MAX_THRESHOLD_UNITS`].
pub fn threshold_units(value: &serde_json::Value) -> Result<i64, Violation> {
    match value.as_i64() {
        Some(n) if (0..=MAX_THRESHOLD_UNITS).contains(&n) => Ok(n),
        Some(n) => Err(Violation::new(
            "min_units",
            "range",
            format!("min_units is from 0 (no alert) to {MAX_THRESHOLD_UNITS}; got {n}"),
        )),
        None => Err(Violation::new(
            "min_units",
            "whole_number",
            format!("min_units is a whole number of units, 0 or more; got {value}"),
        )),
    }
}

/// Units of a product a store can use on `today` (site-local): its lots' balances there, less
/// any lot expired on that date or quarantined.
pub fn usable_units(register: &Register, lots: &[Lot], location_id: &str, product_id: &str, today: Date) -> i64 {
    let here = Holding::Location(location_id.to_owned());
    register
        .balances
        .iter()
        .filter(|(k, _)| k.holding == here && !register.quarantined.contains_key(&k.stock.lot_id))
        .filter(|(k, _)| {
            lots.iter().any(|l| l.id == k.stock.lot_id && l.product_id == product_id && l.expires_on >= today)
        })
        .map(|(_, u)| *u)
        .sum()
}

/// The thresholds a store's usable units of their product have fallen below, with those units.
pub fn below_threshold<'t>(
    thresholds: &'t [ResupplyThreshold],
    register: &Register,
    lots: &[Lot],
    today: Date,
) -> Vec<(&'t ResupplyThreshold, i64)> {
    thresholds
        .iter()
        .filter(|t| t.min_units > 0)
        .map(|t| (t, usable_units(register, lots, &t.location_id, &t.product_id, today)))
        .filter(|(t, usable)| *usable < t.min_units)
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Catalogue entries as entered

/// "1 unit", "6 units": counts as a page or worklist says them.
pub fn units_said(n: i64) -> String {
    if n == 1 { "1 unit".to_owned() } else { format!("{n} units") }
}

/// The largest strength of one unit accepted (as prescribing's).
pub const MAX_STRENGTH_MG: f64 = 250.0;

#[derive(Debug, Clone, Default, Deserialize)]
pub struct ProductInput {
    pub name: String,
    pub substance: String,
    pub form: String,
    pub strength_mg: f64,
    #[serde(default)]
    pub placebo: bool,
    #[serde(default)]
    pub matches_product_id: Option<String>,
}

/// Micrograms of a strength in mg, when it is a whole number of micrograms.
pub fn micrograms(field: &str, mg: f64) -> Result<i64, Violation> {
    let ug = mg * 1000.0;
    if !mg.is_finite() || !(0.0..=MAX_STRENGTH_MG).contains(&mg) || (ug - ug.round()).abs() > 1e-6 {
        return Err(Violation::new(
            field,
            "range",
            format!("{field} is the mg in one unit, from 0 to {MAX_STRENGTH_MG}, to the microgram; got {mg}"),
        ));
    }
    Ok(ug.round() as i64)
}

/// Builds a product, checked with the crate's rules against the products already stored
/// (`existing` resolves a placebo's active product).
pub fn product_from(
    input: &ProductInput,
    id: String,
    site_id: &str,
    by: &str,
    now: Timestamp,
    existing: &[Product],
) -> Result<Product, Vec<Violation>> {
    let strength_ug = micrograms("strength_mg", input.strength_mg).map_err(|v| vec![v])?;
    let product = Product {
        id,
        site_id: site_id.to_owned(),
        name: input.name.trim().to_owned(),
        substance: input.substance.trim().to_owned(),
        form: input.form.trim().to_owned(),
        strength_ug,
        placebo: input.placebo,
        matches_product_id: input.matches_product_id.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned),
        created_at: now,
        created_by: by.to_owned(),
    };
    let mut catalogue = Catalogue::default();
    for p in existing {
        catalogue.add_product(p.entry());
    }
    let problems = catalyst_pharmacy::check_product(&product.entry(), &catalogue);
    if problems.is_empty() { Ok(product) } else { Err(problems) }
}

/// Years from today within which a lot's expiry must fall (programme-defined default: no
/// capsule keeps that long; a date outside is a typo such as 0000-01-01 or 9999-12-31).
pub const MAX_SHELF_YEARS: i16 = 10;

/// A lot as entered (also the API's request body).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LotInput {
    pub product_id: String,
    /// The manufacturer's batch number, as printed.
    pub lot_number: String,
    /// Usable through this date, YYYY-MM-DD.
    pub expires_on: String,
    pub storage_conditions: String,
    pub supplier_name: String,
    pub supplier_address: String,
    /// The supplier's DEA registration or licence (receipts in the US require it).
    #[serde(default)]
    pub supplier_registration: Option<String>,
    #[serde(default)]
    pub units_per_container: Option<i64>,
}

pub fn lot_from(
    input: &LotInput,
    id: String,
    site_id: &str,
    by: &str,
    now: Timestamp,
    product: Option<&Product>,
) -> Result<Lot, Vec<Violation>> {
    let mut problems = Vec::new();
    let expires_on = match date("expires_on", &input.expires_on) {
        Ok(d) => Some(d),
        Err(v) => {
            problems.push(v);
            None
        }
    };
    let Some(expires_on) = expires_on else { return Err(problems) };
    let year = jiff::Timestamp::from_microsecond(now.micros()).map(|t| t.to_zoned(jiff::tz::TimeZone::UTC).year()).unwrap_or(2026);
    if !(year - MAX_SHELF_YEARS..=year + MAX_SHELF_YEARS).contains(&expires_on.year()) {
        problems.push(Violation::new(
            "expires_on",
            "range",
            format!("a lot expires within {MAX_SHELF_YEARS} years of today, either way; got {expires_on}"),
        ));
    }
    let lot = Lot {
        id,
        site_id: site_id.to_owned(),
        product_id: input.product_id.trim().to_owned(),
        lot_number: input.lot_number.trim().to_owned(),
        expires_on,
        storage_conditions: input.storage_conditions.trim().to_owned(),
        supplier_name: input.supplier_name.trim().to_owned(),
        supplier_address: input.supplier_address.trim().to_owned(),
        supplier_registration: input.supplier_registration.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned),
        units_per_container: input.units_per_container,
        created_at: now,
        created_by: by.to_owned(),
    };
    let mut catalogue = Catalogue::default();
    if let Some(p) = product {
        catalogue.add_product(p.entry());
    }
    problems.extend(catalyst_pharmacy::check_lot(&lot.entry(), &catalogue));
    if problems.is_empty() { Ok(lot) } else { Err(problems) }
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct LocationInput {
    pub site_id: String,
    pub name: String,
    pub kind: String,
    /// Usernames of the pharmacists who hold its keys.
    pub key_holders: Vec<String>,
}

/// Builds a location from its input, the key holders already resolved to user ids (`None` for
/// a username that is no pharmacist at the site).
/// The key holders named (username, and their user id when a pharmacist at the site), each
/// one who is not refused by index.
fn key_holder_ids(holders: &[(String, Option<String>)], problems: &mut Vec<Violation>) -> BTreeSet<String> {
    let mut key_holders = BTreeSet::new();
    let mut named = BTreeSet::new();
    for (i, (username, user_id)) in holders.iter().enumerate() {
        if !named.insert(username.trim().to_ascii_lowercase()) {
            problems.push(Violation::new(format!("key_holders[{i}]"), "unique", format!("{username:?} is named twice")));
            continue;
        }
        match user_id {
            Some(id) => {
                key_holders.insert(id.clone());
            }
            None => problems.push(Violation::new(
                format!("key_holders[{i}]"),
                "pharmacist",
                format!("{username:?} is not an active pharmacist at this site: only the site's pharmacists hold a store's keys"),
            )),
        }
    }
    key_holders
}

pub fn location_from(
    input: &LocationInput,
    id: String,
    by: &str,
    now: Timestamp,
    holders: &[(String, Option<String>)],
) -> Result<Location, Vec<Violation>> {
    let mut problems = Vec::new();
    let kind = LocationKind::parse("kind", &input.kind).map_err(|v| problems.push(v)).ok();
    let key_holders = key_holder_ids(holders, &mut problems);
    let Some(kind) = kind else { return Err(problems) };
    let location = Location {
        id,
        site_id: input.site_id.clone(),
        name: input.name.trim().to_owned(),
        kind,
        key_holders,
        created_at: now,
        created_by: by.to_owned(),
    };
    problems.extend(catalyst_pharmacy::check_location(&location.entry()));
    if problems.is_empty() { Ok(location) } else { Err(problems) }
}

/// A store with its keys handed to `holders`, by `actor`: a key holder hands keys on, or, when
/// none of the holders is still a pharmacist at the site (`orphaned`), any of its pharmacists.
/// The store keeps at least one key holder; a change that changes nothing is refused.
pub fn keys_handed_over(
    current: &Location,
    actor: &str,
    orphaned: bool,
    holders: &[(String, Option<String>)],
) -> Result<Location, Vec<Violation>> {
    let mut problems = Vec::new();
    if !current.key_holders.contains(actor) && !orphaned {
        problems.push(Violation::new(
            "actor",
            "key_holder",
            format!("only a key holder of {} hands its keys on", current.name),
        ));
    }
    let key_holders = key_holder_ids(holders, &mut problems);
    if holders.is_empty() {
        problems.push(Violation::new("key_holders", "required", "a store has at least one key holder"));
    } else if problems.is_empty() && key_holders == current.key_holders {
        problems.push(Violation::new("key_holders", "changed", "these are already the store's key holders"));
    }
    if problems.is_empty() { Ok(Location { key_holders, ..current.clone() }) } else { Err(problems) }
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct KitInput {
    pub kit_number: String,
    pub lot_id: String,
    pub units: i64,
}

pub fn kit_from(
    input: &KitInput,
    site_id: &str,
    by: &str,
    now: Timestamp,
    salt: String,
    lot: Option<(&Lot, &Product)>,
) -> Result<Kit, Vec<Violation>> {
    let kit = Kit {
        id: input.kit_number.trim().to_owned(),
        site_id: site_id.to_owned(),
        lot_id: input.lot_id.trim().to_owned(),
        units: input.units,
        salt,
        created_at: now,
        created_by: by.to_owned(),
    };
    let mut catalogue = Catalogue::default();
    if let Some((lot, product)) = lot {
        catalogue.add_lot(lot.entry());
        catalogue.add_product(product.entry());
    }
    let problems = catalyst_pharmacy::check_kit(&kit.entry(), &catalogue);
    if problems.is_empty() { Ok(kit) } else { Err(problems) }
}

/// A date as entered, `YYYY-MM-DD`.
pub fn date(field: &str, value: &str) -> Result<Date, Violation> {
    catalyst_core::time::civil_date(value)
        .ok_or_else(|| Violation::new(field, "date", format!("{field} must be a date as YYYY-MM-DD; got {value:?}")))
}

// ---------------------------------------------------------------------------------------------
// A movement as requested

/// A witness to a waste or a destruction, who confirms with their own password.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WitnessInput {
    pub username: String,
    pub password: String,
}

/// The order a receipt fills (DEA Form 222 serial or CSOS number in the US, a purchase order
/// elsewhere: the jurisdiction's rules name the forms).
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrderInput {
    /// `dea_form_222`, `csos` or `purchase_order`.
    #[schema(value_type = String)]
    pub form: catalyst_pharmacy::OrderForm,
    pub number: String,
    pub line: u32,
    pub units_ordered: i64,
}

/// Who stock goes back to (a supplier or a reverse distributor).
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PartyInput {
    pub name: String,
    pub address: String,
    #[serde(default)]
    pub registration_number: Option<String>,
}

/// A temperature excursion as reported with its quarantine (the store is the quarantine's):
/// when it was observed (RFC 3339, not after now), the lowest and highest temperature seen in
/// °C, how long it lasted in whole minutes, and who observed it (the username of staff at the
/// site; the signed-in person when left out).
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExcursionInput {
    pub observed_at: String,
    pub min_celsius: f64,
    pub max_celsius: f64,
    pub duration_minutes: i64,
    #[serde(default)]
    pub observed_by: Option<String>,
}

/// One movement as a person asks for it, by kind. The server adds who, when and, for a
/// dispense, the prescription and its dose limit (asked of prescribing inside the
/// transaction); `mg`, when sent, must agree with the units and the strength.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum MovementRequest {
    /// From a supplier into a store, against an order where the jurisdiction requires one.
    Receive {
        location_id: String,
        lot_id: String,
        #[serde(default)]
        kit_number: Option<String>,
        units: i64,
        #[serde(default)]
        mg: Option<f64>,
        #[serde(default)]
        order: Option<OrderInput>,
    },
    /// Transfer out, into a shipment in transit to another store (a new shipment unless one is
    /// named).
    Dispatch {
        #[serde(default)]
        shipment_id: Option<String>,
        from_location_id: String,
        to_location_id: String,
        lot_id: String,
        #[serde(default)]
        kit_number: Option<String>,
        units: i64,
        #[serde(default)]
        mg: Option<f64>,
    },
    /// The receiver's count of one line of a shipment.
    ReceiveTransfer {
        shipment_id: String,
        lot_id: String,
        #[serde(default)]
        kit_number: Option<String>,
        units: i64,
        #[serde(default)]
        mg: Option<f64>,
    },
    /// A dose for one participant's booked experimental session.
    Dispense {
        location_id: String,
        lot_id: String,
        #[serde(default)]
        kit_number: Option<String>,
        units: i64,
        #[serde(default)]
        mg: Option<f64>,
        participant_id: String,
        appointment_id: String,
    },
    /// Giving units of a dispensed dose (the signed-in clinician gives it).
    Administer {
        dispense_id: String,
        /// `initial` or `supplemental`.
        #[schema(value_type = String)]
        dose: DoseKind,
        units: i64,
        #[serde(default)]
        mg: Option<f64>,
    },
    ReturnUnused {
        dispense_id: String,
        to_location_id: String,
        units: i64,
        #[serde(default)]
        mg: Option<f64>,
    },
    /// Part of a dispensed dose wasted, before witnesses.
    Waste {
        dispense_id: String,
        units: i64,
        #[serde(default)]
        mg: Option<f64>,
    },
    /// Destruction to a non-retrievable state, before witnesses (the DEA Form 41 fields).
    Destroy {
        location_id: String,
        lot_id: String,
        #[serde(default)]
        kit_number: Option<String>,
        units: i64,
        #[serde(default)]
        mg: Option<f64>,
        method: String,
        place: String,
    },
    /// Units found missing or stolen; the signed-in person discovered it.
    LossOrTheft {
        location_id: String,
        lot_id: String,
        #[serde(default)]
        kit_number: Option<String>,
        units: i64,
        #[serde(default)]
        mg: Option<f64>,
        /// When it was discovered (RFC 3339); not after now.
        discovered_at: String,
        #[serde(default)]
        theft: bool,
    },
    /// An exact count of one lot (kit) at a store.
    Count {
        location_id: String,
        lot_id: String,
        #[serde(default)]
        kit_number: Option<String>,
        units: i64,
        #[serde(default)]
        mg: Option<f64>,
    },
    /// An investigation's conclusion, signed with the signed-in person's password.
    ResolveDiscrepancy {
        discrepancy_id: String,
        /// `adjust_to_count` or `records_correct`.
        #[schema(value_type = String)]
        conclusion: Conclusion,
    },
    ReturnToSupplier {
        location_id: String,
        lot_id: String,
        #[serde(default)]
        kit_number: Option<String>,
        units: i64,
        #[serde(default)]
        mg: Option<f64>,
        recipient: PartyInput,
        #[serde(default)]
        order_form: Option<String>,
    },
    /// A lot may not be dispensed or transferred until released. `location_id` is the store
    /// where it is recorded (its site's register holds the entry); for a temperature excursion
    /// the store where it happened, and `excursion` (required for that cause, refused for the
    /// others) its record.
    Quarantine {
        location_id: String,
        lot_id: String,
        /// `temperature_excursion`, `recall` or `other`.
        #[schema(value_type = String)]
        cause: QuarantineCause,
        #[serde(default)]
        excursion: Option<ExcursionInput>,
    },
    Release {
        location_id: String,
        lot_id: String,
    },
}

/// Who may ask for a movement of each kind (the crate then decides on keys, witnesses and the
/// jurisdiction's rule of who may administer).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Duty {
    /// The pharmacist (a key holder).
    Pharmacy,
    /// The session team (or the pharmacist).
    SessionTeam,
}

impl MovementRequest {
    pub fn kind(&self) -> &'static str {
        match self {
            MovementRequest::Receive { .. } => "receive",
            MovementRequest::Dispatch { .. } => "dispatch",
            MovementRequest::ReceiveTransfer { .. } => "receive_transfer",
            MovementRequest::Dispense { .. } => "dispense",
            MovementRequest::Administer { .. } => "administer",
            MovementRequest::ReturnUnused { .. } => "return_unused",
            MovementRequest::Waste { .. } => "waste",
            MovementRequest::Destroy { .. } => "destroy",
            MovementRequest::LossOrTheft { .. } => "loss_or_theft",
            MovementRequest::Count { .. } => "count",
            MovementRequest::ResolveDiscrepancy { .. } => "resolve_discrepancy",
            MovementRequest::ReturnToSupplier { .. } => "return_to_supplier",
            MovementRequest::Quarantine { .. } => "quarantine",
            MovementRequest::Release { .. } => "release",
        }
    }

    pub fn duty(&self) -> Duty {
        match self {
            MovementRequest::Administer { .. } | MovementRequest::Waste { .. } => Duty::SessionTeam,
            _ => Duty::Pharmacy,
        }
    }

    /// The milligrams it states, if any. Blinded callers may not state them: whether mg agree
    /// with a kit's units would tell its strength, and so its arm.
    pub fn stated_mg(&self) -> Option<f64> {
        match self {
            MovementRequest::Receive { mg, .. }
            | MovementRequest::Dispatch { mg, .. }
            | MovementRequest::ReceiveTransfer { mg, .. }
            | MovementRequest::Dispense { mg, .. }
            | MovementRequest::Administer { mg, .. }
            | MovementRequest::ReturnUnused { mg, .. }
            | MovementRequest::Waste { mg, .. }
            | MovementRequest::Destroy { mg, .. }
            | MovementRequest::LossOrTheft { mg, .. }
            | MovementRequest::Count { mg, .. }
            | MovementRequest::ReturnToSupplier { mg, .. } => *mg,
            MovementRequest::ResolveDiscrepancy { .. }
            | MovementRequest::Quarantine { .. }
            | MovementRequest::Release { .. } => None,
        }
    }

    /// Whether it needs witnesses (who confirm with their passwords).
    pub fn witnessed(&self) -> bool {
        matches!(self, MovementRequest::Waste { .. } | MovementRequest::Destroy { .. })
    }

    /// The store a movement names directly (besides those its shipment, dose or discrepancy lead to).
    pub fn named_locations(&self) -> Vec<&str> {
        match self {
            MovementRequest::Receive { location_id, .. }
            | MovementRequest::Dispense { location_id, .. }
            | MovementRequest::Destroy { location_id, .. }
            | MovementRequest::LossOrTheft { location_id, .. }
            | MovementRequest::Count { location_id, .. }
            | MovementRequest::ReturnToSupplier { location_id, .. }
            | MovementRequest::Quarantine { location_id, .. }
            | MovementRequest::Release { location_id, .. } => vec![location_id],
            MovementRequest::Dispatch { from_location_id, to_location_id, .. } => vec![from_location_id, to_location_id],
            MovementRequest::ReturnUnused { to_location_id, .. } => vec![to_location_id],
            MovementRequest::ReceiveTransfer { .. }
            | MovementRequest::Administer { .. }
            | MovementRequest::Waste { .. }
            | MovementRequest::ResolveDiscrepancy { .. } => vec![],
        }
    }
}

/// What a session's prescription allows a dispense, from the dispensing gate: the most for the
/// session (as prescribed, or raised by a physician's decision), and the strength prescribed.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionAllowance {
    pub prescription_id: String,
    pub limit_mg: f64,
    pub decision_id: Option<String>,
    pub strength_mg: f64,
}

/// What the server adds to a request to make the crate's [`Detail`].
#[derive(Debug, Clone, Default)]
pub struct Additions {
    /// A new shipment's id, when a dispatch names none.
    pub shipment_id: Option<String>,
    /// For a dispense: what the session's prescription allows.
    pub allowance: Option<SessionAllowance>,
    /// For an administration: the clinician (the actor) and their qualification.
    pub clinician: Option<(String, Qualification)>,
    /// Witnesses' user ids (their passwords confirmed).
    pub witnesses: Vec<String>,
    /// Who signed a resolution (the actor, their password confirmed).
    pub signed_by: Option<String>,
    /// For a loss: who discovered it (the actor) and when.
    pub discovered: Option<(String, Timestamp)>,
    /// For a temperature excursion: who observed it (user id) and when.
    pub observed: Option<(String, Timestamp)>,
}

/// The crate's detail of a requested movement, with the server's additions.
pub fn detail_of(request: &MovementRequest, add: &Additions) -> Result<Detail, Vec<Violation>> {
    let missing = |what: &str| vec![Violation::new("kind", "internal", format!("{what} was not determined"))];
    let order = |o: &Option<OrderInput>| {
        o.as_ref().map(|o| Order { form: o.form, number: o.number.clone(), line: o.line, units_ordered: o.units_ordered })
    };
    Ok(match request.clone() {
        MovementRequest::Receive { location_id, lot_id, kit_number, units, mg, order: o } => {
            Detail::Receive { location_id, lot_id, kit_number, units, mg, order: order(&o) }
        }
        MovementRequest::Dispatch { shipment_id, from_location_id, to_location_id, lot_id, kit_number, units, mg } => {
            let shipment_id = shipment_id.or_else(|| add.shipment_id.clone()).ok_or_else(|| missing("the shipment"))?;
            Detail::Dispatch { shipment_id, from_location_id, to_location_id, lot_id, kit_number, units, mg }
        }
        MovementRequest::ReceiveTransfer { shipment_id, lot_id, kit_number, units, mg } => {
            Detail::ReceiveTransfer { shipment_id, lot_id, kit_number, units, mg }
        }
        MovementRequest::Dispense { location_id, lot_id, kit_number, units, mg, participant_id, appointment_id } => {
            let allowance = add.allowance.clone().ok_or_else(|| missing("the prescription"))?;
            Detail::Dispense {
                location_id,
                lot_id,
                kit_number,
                units,
                mg,
                participant_id,
                appointment_id,
                prescription_id: allowance.prescription_id,
                dose_limit_mg: allowance.limit_mg,
                override_decision_id: allowance.decision_id,
            }
        }
        MovementRequest::Administer { dispense_id, dose, units, mg } => {
            let (clinician_id, clinician_qualification) = add.clinician.clone().ok_or_else(|| missing("the clinician"))?;
            Detail::Administer { dispense_id, dose, units, mg, clinician_id, clinician_qualification }
        }
        MovementRequest::ReturnUnused { dispense_id, to_location_id, units, mg } => {
            Detail::ReturnUnused { dispense_id, to_location_id, units, mg }
        }
        MovementRequest::Waste { dispense_id, units, mg } => {
            Detail::Waste { dispense_id, units, mg, witnesses: add.witnesses.clone() }
        }
        MovementRequest::Destroy { location_id, lot_id, kit_number, units, mg, method, place } => Detail::Destroy {
            location_id,
            lot_id,
            kit_number,
            units,
            mg,
            method,
            place,
            witnesses: add.witnesses.clone(),
        },
        MovementRequest::LossOrTheft { location_id, lot_id, kit_number, units, mg, theft, .. } => {
            let (discovered_by, discovered_at) = add.discovered.clone().ok_or_else(|| missing("the discovery"))?;
            Detail::LossOrTheft { location_id, lot_id, kit_number, units, mg, discovered_at, discovered_by, theft }
        }
        MovementRequest::Count { location_id, lot_id, kit_number, units, mg } => {
            Detail::Count { location_id, lot_id, kit_number, units, mg }
        }
        MovementRequest::ResolveDiscrepancy { discrepancy_id, conclusion } => {
            let signed_by = add.signed_by.clone().ok_or_else(|| missing("the signature"))?;
            Detail::ResolveDiscrepancy { discrepancy_id, conclusion, signed_by }
        }
        MovementRequest::ReturnToSupplier { location_id, lot_id, kit_number, units, mg, recipient, order_form } => {
            Detail::ReturnToSupplier {
                location_id,
                lot_id,
                kit_number,
                units,
                mg,
                recipient: Party {
                    name: recipient.name,
                    address: recipient.address,
                    registration_number: recipient.registration_number,
                },
                order_form,
            }
        }
        MovementRequest::Quarantine { location_id, lot_id, cause, excursion } => {
            let excursion = match excursion {
                Some(e) => {
                    let (observed_by, observed_at) = add.observed.clone().ok_or_else(|| missing("the observation"))?;
                    Some(Excursion {
                        location_id,
                        observed_at,
                        min_celsius: e.min_celsius,
                        max_celsius: e.max_celsius,
                        duration_minutes: e.duration_minutes,
                        observed_by,
                    })
                }
                None => None,
            };
            Detail::Quarantine { lot_id, cause, excursion }
        }
        MovementRequest::Release { lot_id, .. } => Detail::Release { lot_id },
    })
}

/// The qualification a clinician administers with. Catalyst keeps no register of clinical
/// registrations yet: a physician grant at the site counts as a medical practitioner, any
/// other role as a therapist, so where the jurisdiction restricts who may administer (Victoria:
/// medical practitioners and nurses) only physicians do. Conservative until nurses can be
/// recorded as such.
pub fn qualification_of(roles_at_site: &[catalyst_core::role::Role]) -> Qualification {
    if roles_at_site.contains(&catalyst_core::role::Role::Physician) {
        Qualification::MedicalPractitioner
    } else {
        Qualification::Therapist
    }
}

/// The appointment a dose is dispensed for, as the treatment capability answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionFacts {
    pub participant_id: String,
    pub site_id: String,
    pub visit_id: String,
    /// The session's site-local day.
    pub day: Date,
    /// Attendance is already recorded (the session is under way).
    pub attended: bool,
}

/// Whether a dose may be dispensed for this session on `today` (site-local): it is the named
/// participant's experimental session, at the store's site, still booked, or attended today
/// (a supplemental dose, once attendance is recorded). Each problem names its field.
pub fn session_problems(session: &SessionFacts, participant_id: &str, store_site_id: &str, today: Date) -> Vec<Violation> {
    let mut v = Vec::new();
    if session.participant_id != participant_id {
        v.push(Violation::new("appointment_id", "same_participant", "the appointment is another participant's"));
    }
    if session.site_id != store_site_id {
        v.push(Violation::new(
            "location_id",
            "participant_site",
            "a dose is dispensed from a store at the site where the session is held",
        ));
    }
    if session.attended && session.day != today {
        v.push(Violation::new(
            "appointment_id",
            "booked",
            format!("the session of {} was already held; a dose is dispensed for a booked session", session.day),
        ));
    }
    v
}

/// Whether a dose may be given today: only on its session's day (site-local), to a session
/// still booked or attended (checked by the caller that read it).
pub fn administration_problems(session: &SessionFacts, today: Date) -> Vec<Violation> {
    if session.day == today {
        return Vec::new();
    }
    vec![Violation::new(
        "dispense_id",
        "session_day",
        format!("this dose is for the session of {}; it is given on that day, not {today}", session.day),
    )]
}

/// Whether the units dispensed are of the strength prescribed (a placebo counts at its active
/// product's strength).
pub fn strength_problem(nominal_mg: Option<f64>, prescribed_strength_mg: f64) -> Option<Violation> {
    let nominal = nominal_mg?;
    ((nominal - prescribed_strength_mg).abs() > 1e-6).then(|| {
        Violation::new(
            "lot_id",
            "prescribed_strength",
            format!("the prescription is for {prescribed_strength_mg} mg units; this stock is not"),
        )
    })
}

// ---------------------------------------------------------------------------------------------
// Derived state as rows

/// How a holding is named in the balances table.
pub fn holding_parts(h: &Holding) -> (&'static str, &str) {
    match h {
        Holding::Location(id) => ("location", id),
        Holding::InTransit(id) => ("in_transit", id),
        Holding::Dispensed(id) => ("dispensed", id),
        Holding::Unreconciled(id) => ("unreconciled", id),
    }
}

pub fn holding_from(kind: &str, id: &str) -> Option<Holding> {
    Some(match kind {
        "location" => Holding::Location(id.to_owned()),
        "in_transit" => Holding::InTransit(id.to_owned()),
        "dispensed" => Holding::Dispensed(id.to_owned()),
        "unreconciled" => Holding::Unreconciled(id.to_owned()),
        _ => return None,
    })
}

/// A balance as one row: the kit is `""` for loose units.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BalanceRow {
    pub holding_kind: String,
    pub holding_id: String,
    pub lot_id: String,
    pub kit_number: String,
    pub units: i64,
}

impl BalanceRow {
    pub fn of(key: &BalanceKey, units: i64) -> Self {
        let (kind, id) = holding_parts(&key.holding);
        BalanceRow {
            holding_kind: kind.to_owned(),
            holding_id: id.to_owned(),
            lot_id: key.stock.lot_id.clone(),
            kit_number: key.stock.kit_number.clone().unwrap_or_default(),
            units,
        }
    }

    pub fn key(&self) -> Option<BalanceKey> {
        let holding = holding_from(&self.holding_kind, &self.holding_id)?;
        let kit = (!self.kit_number.is_empty()).then_some(self.kit_number.as_str());
        Some(BalanceKey::new(holding, Stock::new(&self.lot_id, kit)))
    }

    /// The id its seal is kept under.
    pub fn seal_id(key: &BalanceKey) -> String {
        let (kind, id) = holding_parts(&key.holding);
        format!("{kind}/{id}/{}/{}", key.stock.lot_id, key.stock.kit_number.as_deref().unwrap_or(""))
    }

    pub fn to_row(&self) -> Row {
        match serde_json::to_value(self) {
            Ok(serde_json::Value::Object(row)) => row,
            _ => Row::new(),
        }
    }
}

/// What a derived row seals: its kind (the seal's purpose) and its value.
pub fn state_row(kind: &str, id: &str, state: &str) -> Row {
    let mut row = Row::new();
    row.insert("kind".into(), kind.into());
    row.insert("id".into(), id.into());
    row.insert("state".into(), state.into());
    row
}

/// The seal kinds of the derived rows (listed in the platform's `SEALED_KINDS`).
pub const SEAL_BALANCE: &str = "pharmacy_balance";
pub const SEAL_SHIPMENT: &str = "pharmacy_shipment";
pub const SEAL_DISPENSE: &str = "pharmacy_dispense";
pub const SEAL_DISCREPANCY: &str = "pharmacy_discrepancy";
pub const SEAL_QUARANTINE: &str = "pharmacy_quarantine";
pub const SEAL_RECEIVED_KIT: &str = "pharmacy_received_kit";

/// The differences between the register the movements rebuild and the one the derived tables
/// hold, one mismatch per row (what `audit verify` reports).
pub fn register_mismatches(replayed: &Register, stored: &Register) -> Vec<StateMismatch> {
    let mut out = Vec::new();
    let mut push = |kind: &str, id: String, problem: String| {
        out.push(StateMismatch { entity_kind: kind.to_owned(), entity_id: id, problem });
    };
    let keys: BTreeSet<&BalanceKey> = replayed.balances.keys().chain(stored.balances.keys()).collect();
    for key in keys {
        let (want, have) = (replayed.balance(key), stored.balance(key));
        if want != have {
            push(
                "pharmacy_balance",
                BalanceRow::seal_id(key),
                format!("the balances table holds {have} units but the movements give {want}"),
            );
        }
    }
    fn compare<T: PartialEq + Serialize>(
        push: &mut impl FnMut(&str, String, String),
        kind: &str,
        want: &BTreeMap<String, T>,
        have: &BTreeMap<String, T>,
    ) {
        let ids: BTreeSet<&String> = want.keys().chain(have.keys()).collect();
        for id in ids {
            match (want.get(id), have.get(id)) {
                (Some(w), Some(h)) if w == h => {}
                (Some(_), Some(_)) => push(kind, id.clone(), "the stored row differs from what the movements give".into()),
                (Some(_), None) => push(kind, id.clone(), "the movements give this row but it is missing".into()),
                (None, Some(_)) => push(kind, id.clone(), "no movement gives this row".into()),
                (None, None) => {}
            }
        }
    }
    compare(&mut push, "pharmacy_shipment", &replayed.shipments, &stored.shipments);
    compare(&mut push, "pharmacy_dispense", &replayed.dispenses, &stored.dispenses);
    compare(&mut push, "pharmacy_discrepancy", &replayed.discrepancies, &stored.discrepancies);
    compare(&mut push, "pharmacy_quarantine", &replayed.quarantined, &stored.quarantined);
    let kits: BTreeSet<&String> = replayed.received_kits.iter().chain(stored.received_kits.iter()).collect();
    for kit in kits {
        if replayed.received_kits.contains(kit) != stored.received_kits.contains(kit) {
            push("pharmacy_received_kit", kit.clone(), "the kits received differ from what the movements give".into());
        }
    }
    out
}

/// The derived records as their tables hold them.
pub type ShipmentState = Shipment;
pub type DispenseState = Dispense;
pub type DiscrepancyState = Discrepancy;
pub type QuarantineState = Quarantine;

/// A reason as typed: required, one line of at most 500 characters.
pub fn reason_text(value: &str) -> Result<String, Violation> {
    required_text("reason", value, 500)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn product(id: &str, mg: f64, placebo: bool, matches: Option<&str>) -> Product {
        product_from(
            &ProductInput {
                name: format!("{id} capsule"),
                substance: if placebo { "placebo".into() } else { "MDMA hydrochloride".into() },
                form: "capsule".into(),
                strength_mg: mg,
                placebo,
                matches_product_id: matches.map(str::to_owned),
            },
            id.into(),
            "s1",
            "u1",
            Timestamp(0),
            &[],
        )
        .unwrap_or_else(|v| panic!("{v:?}"))
    }

    #[test]
    fn strengths_are_kept_to_the_microgram_and_rows_round_trip() {
        let p = product("mdma", 62.5, false, None);
        assert_eq!((p.strength_ug, p.entry().strength_mg), (62_500, 62.5));
        let row = p.to_row().unwrap();
        assert_eq!(row["placebo"], serde_json::json!(0));
        assert_eq!(Product::from_row(row).unwrap(), p);
        assert_eq!(micrograms("strength_mg", 0.0001).unwrap_err().rule, "range");
        assert_eq!(micrograms("strength_mg", 300.0).unwrap_err().rule, "range");
    }

    #[test]
    fn a_placebo_names_its_active_product() {
        let active = product("mdma", 20.0, false, None);
        let input = ProductInput {
            name: "Placebo capsule".into(),
            substance: "placebo".into(),
            form: "capsule".into(),
            strength_mg: 0.0,
            placebo: true,
            matches_product_id: Some("nope".into()),
        };
        let err = product_from(&input, "p".into(), "s1", "u", Timestamp(0), std::slice::from_ref(&active)).unwrap_err();
        assert_eq!((err[0].field.as_str(), err[0].rule.as_str()), ("matches_product_id", "exists"));
        let ok = ProductInput { matches_product_id: Some("mdma".into()), ..input };
        assert!(product_from(&ok, "p".into(), "s1", "u", Timestamp(0), &[active]).is_ok());
    }

    #[test]
    fn keys_are_handed_on_by_a_key_holder_to_the_sites_pharmacists() {
        let store = Location {
            id: "l1".into(),
            site_id: "s1".into(),
            name: "Store".into(),
            kind: LocationKind::SiteStore,
            key_holders: ["ph1".to_string()].into(),
            created_at: Timestamp(0),
            created_by: "ph1".into(),
        };
        let to = |names: &[(&str, Option<&str>)]| -> Vec<(String, Option<String>)> {
            names.iter().map(|(n, id)| ((*n).to_owned(), id.map(str::to_owned))).collect()
        };
        let rules = |r: Result<Location, Vec<Violation>>| r.unwrap_err().into_iter().map(|v| (v.field, v.rule)).collect::<Vec<_>>();
        let handed = keys_handed_over(&store, "ph1", false, &to(&[("ph2", Some("ph2"))])).unwrap();
        assert_eq!(handed.key_holders, ["ph2".to_string()].into());
        assert_eq!(rules(keys_handed_over(&store, "ph2", false, &to(&[("ph2", Some("ph2"))]))), [("actor".into(), "key_holder".into())]);
        assert!(keys_handed_over(&store, "ph2", true, &to(&[("ph2", Some("ph2"))])).is_ok(), "orphaned keys");
        assert_eq!(rules(keys_handed_over(&store, "ph1", false, &[])), [("key_holders".into(), "required".into())]);
        assert_eq!(rules(keys_handed_over(&store, "ph1", false, &to(&[("ph1", Some("ph1"))]))), [("key_holders".into(), "changed".into())]);
        assert_eq!(
            rules(keys_handed_over(&store, "ph1", false, &to(&[("ph1", Some("ph1")), ("therapist", None)]))),
            [("key_holders[1]".into(), "pharmacist".into())]
        );
    }

    #[test]
    fn a_dispense_is_for_the_participants_booked_session_at_the_stores_site() {
        let day = jiff::civil::date(2026, 6, 1);
        let s = SessionFacts { participant_id: "p1".into(), site_id: "s1".into(), visit_id: "exp1".into(), day, attended: false };
        assert!(session_problems(&s, "p1", "s1", day).is_empty());
        let rules = |v: Vec<Violation>| v.into_iter().map(|v| v.rule).collect::<Vec<_>>();
        assert_eq!(rules(session_problems(&s, "p2", "s2", day)), ["same_participant", "participant_site"]);
        let held = SessionFacts { attended: true, ..s };
        assert!(session_problems(&held, "p1", "s1", day).is_empty(), "a supplemental dose on the day");
        assert_eq!(rules(session_problems(&held, "p1", "s1", day.tomorrow().unwrap())), ["booked"]);
        assert!(administration_problems(&held, day).is_empty());
        assert_eq!(rules(administration_problems(&held, day.yesterday().unwrap())), ["session_day"]);
        assert_eq!(rules(administration_problems(&held, day.tomorrow().unwrap())), ["session_day"]);
        assert!(strength_problem(Some(20.0), 20.0).is_none());
        assert_eq!(strength_problem(Some(62.5), 20.0).unwrap().rule, "prescribed_strength");
    }

    #[test]
    fn a_threshold_is_a_whole_number_and_counts_only_usable_units() {
        assert_eq!(threshold_units(&serde_json::json!(12)), Ok(12));
        assert_eq!(threshold_units(&serde_json::json!(0)), Ok(0));
        assert_eq!(threshold_units(&serde_json::json!(-1)).unwrap_err().rule, "range");
        assert_eq!(threshold_units(&serde_json::json!(2.5)).unwrap_err().rule, "whole_number");
        assert_eq!(threshold_units(&serde_json::json!("7")).unwrap_err().rule, "whole_number");
        let day = jiff::civil::date(2026, 6, 1);
        let lot = |id: &str, product: &str, expires_on: Date| Lot {
            id: id.into(),
            site_id: "s1".into(),
            product_id: product.into(),
            lot_number: id.into(),
            expires_on,
            storage_conditions: "cool".into(),
            supplier_name: "S".into(),
            supplier_address: "A".into(),
            supplier_registration: None,
            units_per_container: None,
            created_at: Timestamp(0),
            created_by: "u".into(),
        };
        let lots =
            [lot("fresh", "mdma", day), lot("old", "mdma", day.yesterday().unwrap()), lot("held", "mdma", day), lot("pbo", "p", day)];
        let mut r = Register::default();
        for (lot, units) in [("fresh", 3), ("old", 50), ("held", 40), ("pbo", 9)] {
            r.balances.insert(BalanceKey::new(Holding::Location("l1".into()), Stock::new(lot, None)), units);
        }
        r.balances.insert(BalanceKey::new(Holding::Location("l2".into()), Stock::new("fresh", None)), 100);
        r.quarantined.insert("held".into(), Quarantine { cause: QuarantineCause::Recall, movement_id: "q".into(), since: Timestamp(0) });
        assert_eq!(usable_units(&r, &lots, "l1", "mdma", day), 3, "expired and quarantined lots are not usable");
        let threshold = |location: &str, product: &str, min_units: i64| ResupplyThreshold {
            id: format!("{location}-{product}"),
            site_id: "s1".into(),
            location_id: location.into(),
            product_id: product.into(),
            min_units,
            salt: "x".into(),
            set_at: Timestamp(0),
            set_by: "u".into(),
        };
        let all = [threshold("l1", "mdma", 10), threshold("l1", "p", 9), threshold("l2", "mdma", 50), threshold("l2", "p", 0)];
        let below: Vec<(&str, i64)> = below_threshold(&all, &r, &lots, day).into_iter().map(|(t, u)| (t.id.as_str(), u)).collect();
        assert_eq!(below, [("l1-mdma", 3)], "at the threshold is not below it; 0 is no alert");
    }

    #[test]
    fn physicians_administer_as_medical_practitioners_everyone_else_as_therapists() {
        use catalyst_core::role::Role;
        assert_eq!(qualification_of(&[Role::Therapist, Role::Physician]), Qualification::MedicalPractitioner);
        assert_eq!(qualification_of(&[Role::SiteLead]), Qualification::Therapist);
    }

    #[test]
    fn balance_rows_name_their_key_and_differences_are_reported_per_row() {
        let key = BalanceKey::new(Holding::InTransit("sh1".into()), Stock::new("lot", Some("K-1")));
        let row = BalanceRow::of(&key, 4);
        assert_eq!(row.key(), Some(key.clone()));
        assert_eq!(BalanceRow::seal_id(&key), "in_transit/sh1/lot/K-1");
        let loose = BalanceKey::new(Holding::Location("l1".into()), Stock::new("lot", None));
        assert_eq!(BalanceRow::of(&loose, 1).key(), Some(loose.clone()));

        let mut replayed = Register::default();
        replayed.balances.insert(key.clone(), 4);
        replayed.received_kits.insert("K-1".into());
        let mut stored = replayed.clone();
        assert!(register_mismatches(&replayed, &stored).is_empty());
        stored.balances.insert(key, 9);
        stored.balances.insert(loose, 2);
        stored.received_kits.clear();
        let found: Vec<(String, String)> =
            register_mismatches(&replayed, &stored).into_iter().map(|m| (m.entity_kind, m.entity_id)).collect();
        assert_eq!(
            found,
            [
                ("pharmacy_balance".to_owned(), "location/l1/lot/".to_owned()),
                ("pharmacy_balance".to_owned(), "in_transit/sh1/lot/K-1".to_owned()),
                ("pharmacy_received_kit".to_owned(), "K-1".to_owned()),
            ]
        );
    }
}
