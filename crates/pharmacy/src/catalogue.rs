//! What the register counts and where: products, lots (with their supplier), locations (with
//! their key holders) and, for blinded trials, kits.
//!
//! The catalogue is data the application keeps and passes in; [`Catalogue::check`] and the
//! `check_*` functions validate an entry before it is stored. A movement names lots, kits and
//! locations by id and is refused when one is unknown.

use std::collections::{BTreeMap, BTreeSet};

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::error::Violation;

/// What a unit is: a finished form of one strength, or the placebo matching one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Product {
    pub id: String,
    /// As labelled, e.g. `MDMA hydrochloride 62.5 mg capsule`.
    pub name: String,
    /// The controlled substance, e.g. `MDMA hydrochloride`; the dispensing record is kept per
    /// substance. A placebo names its own contents (e.g. `placebo (microcrystalline cellulose)`).
    pub substance: String,
    /// Finished form, e.g. `capsule`.
    pub form: String,
    /// Milligrams of the substance in one unit; 0 for a placebo.
    pub strength_mg: f64,
    /// A placebo matches an active product's appearance.
    pub placebo: bool,
    /// For a placebo: the active product it looks like. Dose limits count a placebo unit at
    /// that product's strength, so a refusal never differs between the arms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub matches_product_id: Option<String>,
}

/// A supplier, a recipient or a registrant: who, where and under which registration.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Party {
    pub name: String,
    pub address: String,
    /// DEA registration number (US) or the state or national licence; required where the
    /// jurisdiction's rules require it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registration_number: Option<String>,
}

/// One manufactured batch of a product.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Lot {
    pub id: String,
    pub product_id: String,
    /// The manufacturer's batch number, as printed.
    pub lot_number: String,
    /// Usable up to and including this date (compared with the movement's site-local date).
    pub expires_on: Date,
    /// e.g. `store below 25 °C, protect from light`.
    pub storage_conditions: String,
    pub supplier: Party,
    /// Units in one commercial container (bottle), when packed that way; kits are their own
    /// containers. Printed on the dispensing record and the destruction record.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub units_per_container: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LocationKind {
    /// The programme's central pharmacy, which receives from suppliers and supplies sites.
    CentralPharmacy,
    /// A site's locked store, from which doses are dispensed.
    SiteStore,
}

/// A locked store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Location {
    pub id: String,
    pub name: String,
    pub kind: LocationKind,
    pub site_id: String,
    /// People (user ids) who hold a key. Receiving into, taking out of and counting a location
    /// need the actor to be one of them.
    pub key_holders: BTreeSet<String>,
}

/// A blinded trial's kit: a number of units of one lot, known to blinded roles by its number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Kit {
    /// Supplied by the caller (e.g. from the randomisation service's kit list), never derived
    /// from the content; [`check_kit`] refuses numbers that contain the lot's or product's
    /// identifiers or the words active or placebo.
    pub kit_number: String,
    pub lot_id: String,
    pub units: i64,
}

/// The entries movements refer to, by id. The application may load only those a movement
/// names (see [`crate::touches`]).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Catalogue {
    #[serde(default)]
    pub products: BTreeMap<String, Product>,
    #[serde(default)]
    pub lots: BTreeMap<String, Lot>,
    #[serde(default)]
    pub locations: BTreeMap<String, Location>,
    #[serde(default)]
    pub kits: BTreeMap<String, Kit>,
}

impl Catalogue {
    pub fn add_product(&mut self, p: Product) {
        self.products.insert(p.id.clone(), p);
    }
    pub fn add_lot(&mut self, l: Lot) {
        self.lots.insert(l.id.clone(), l);
    }
    pub fn add_location(&mut self, l: Location) {
        self.locations.insert(l.id.clone(), l);
    }
    pub fn add_kit(&mut self, k: Kit) {
        self.kits.insert(k.kit_number.clone(), k);
    }

    /// The product a lot is of.
    pub fn product_of(&self, lot_id: &str) -> Option<&Product> {
        self.lots.get(lot_id).and_then(|l| self.products.get(&l.product_id))
    }

    /// Milligrams per unit that dose limits count: the product's strength, or for a placebo the
    /// strength of the active product it matches.
    pub fn nominal_strength_mg(&self, lot_id: &str) -> Option<f64> {
        let p = self.product_of(lot_id)?;
        if p.placebo {
            let active = self.products.get(p.matches_product_id.as_deref()?)?;
            Some(active.strength_mg)
        } else {
            Some(p.strength_mg)
        }
    }

    /// Every problem with every entry, by path (`products.p1.strength_mg`).
    pub fn check(&self) -> Vec<Violation> {
        let mut v = Vec::new();
        for (id, p) in &self.products {
            v.extend(prefixed(&format!("products.{id}"), check_product(p, self)));
            if &p.id != id {
                v.push(Violation::new(format!("products.{id}.id"), "key", "the entry's id differs from its key"));
            }
        }
        for (id, l) in &self.lots {
            v.extend(prefixed(&format!("lots.{id}"), check_lot(l, self)));
            if &l.id != id {
                v.push(Violation::new(format!("lots.{id}.id"), "key", "the entry's id differs from its key"));
            }
        }
        for (id, l) in &self.locations {
            v.extend(prefixed(&format!("locations.{id}"), check_location(l)));
            if &l.id != id {
                v.push(Violation::new(format!("locations.{id}.id"), "key", "the entry's id differs from its key"));
            }
        }
        for (number, k) in &self.kits {
            v.extend(prefixed(&format!("kits.{number}"), check_kit(k, self)));
            if &k.kit_number != number {
                v.push(Violation::new(
                    format!("kits.{number}.kit_number"),
                    "key",
                    "the entry's kit number differs from its key",
                ));
            }
        }
        v
    }
}

fn prefixed(prefix: &str, violations: Vec<Violation>) -> Vec<Violation> {
    violations.into_iter().map(|x| Violation { field: format!("{prefix}.{}", x.field), ..x }).collect()
}

pub(crate) const MAX_ID: usize = 100;
pub(crate) const MAX_TEXT: usize = 500;

/// A required single-line text field of at most `max` characters.
pub(crate) fn text(v: &mut Vec<Violation>, field: &str, value: &str, max: usize) {
    if let Err(e) = catalyst_core::error::required_text(field, value, max) {
        v.push(e);
    }
}

/// Checks a product before it is stored (`catalogue` resolves a placebo's active product).
pub fn check_product(p: &Product, catalogue: &Catalogue) -> Vec<Violation> {
    let mut v = Vec::new();
    text(&mut v, "id", &p.id, MAX_ID);
    text(&mut v, "name", &p.name, MAX_TEXT);
    text(&mut v, "substance", &p.substance, MAX_TEXT);
    text(&mut v, "form", &p.form, MAX_TEXT);
    if !p.strength_mg.is_finite() || p.strength_mg < 0.0 {
        v.push(Violation::new("strength_mg", "range", "strength_mg must be a finite number of 0 or more"));
    } else if p.placebo && p.strength_mg != 0.0 {
        v.push(Violation::new("strength_mg", "placebo", "a placebo contains 0 mg of the substance"));
    } else if !p.placebo && p.strength_mg == 0.0 {
        v.push(Violation::new("strength_mg", "positive", "an active product's strength must be more than 0 mg"));
    }
    match (p.placebo, p.matches_product_id.as_deref()) {
        (true, None) => v.push(Violation::new(
            "matches_product_id",
            "required",
            "a placebo must name the active product whose appearance it matches",
        )),
        (true, Some(id)) => match catalogue.products.get(id) {
            None => v.push(Violation::new("matches_product_id", "exists", format!("no product {id:?}"))),
            Some(a) if a.placebo => {
                v.push(Violation::new("matches_product_id", "active", "a placebo must match an active product"))
            }
            Some(a) if a.form != p.form => v.push(Violation::new(
                "matches_product_id",
                "same_form",
                format!("a placebo must have its active product's form ({:?})", a.form),
            )),
            Some(_) => {}
        },
        (false, Some(_)) => {
            v.push(Violation::new("matches_product_id", "placebo_only", "only a placebo names a product it matches"))
        }
        (false, None) => {}
    }
    v
}

/// Checks a lot before it is stored.
pub fn check_lot(l: &Lot, catalogue: &Catalogue) -> Vec<Violation> {
    let mut v = Vec::new();
    text(&mut v, "id", &l.id, MAX_ID);
    text(&mut v, "lot_number", &l.lot_number, MAX_ID);
    text(&mut v, "storage_conditions", &l.storage_conditions, MAX_TEXT);
    text(&mut v, "supplier.name", &l.supplier.name, MAX_TEXT);
    text(&mut v, "supplier.address", &l.supplier.address, MAX_TEXT);
    if let Some(r) = &l.supplier.registration_number {
        text(&mut v, "supplier.registration_number", r, MAX_ID);
    }
    if !catalogue.products.contains_key(&l.product_id) {
        v.push(Violation::new("product_id", "exists", format!("no product {:?}", l.product_id)));
    }
    if l.units_per_container.is_some_and(|n| n <= 0 || n > crate::movement::MAX_UNITS) {
        v.push(Violation::new(
            "units_per_container",
            "range",
            format!("units_per_container is from 1 to {}", crate::movement::MAX_UNITS),
        ));
    }
    v
}

/// Checks a location before it is stored.
pub fn check_location(l: &Location) -> Vec<Violation> {
    let mut v = Vec::new();
    text(&mut v, "id", &l.id, MAX_ID);
    text(&mut v, "name", &l.name, MAX_TEXT);
    text(&mut v, "site_id", &l.site_id, MAX_ID);
    if l.key_holders.is_empty() {
        v.push(Violation::new("key_holders", "required", "a locked store needs at least one key holder"));
    }
    for (i, k) in l.key_holders.iter().enumerate() {
        text(&mut v, &format!("key_holders[{i}]"), k, MAX_ID);
    }
    v
}

/// Checks a kit before it is stored: its lot exists, its units are positive, and its number is
/// opaque (1-32 letters, digits or '-', containing neither the lot's nor the product's id,
/// name or number, nor "active", "placebo", "verum" or "drug").
/// A kit number's shape (programme-defined default): up to four capital letters, an optional
/// hyphen, then 3 to 12 digits. Letters only in front (a shared prefix) leave no room to spell a
/// strength or an arm; capitals only mean no two numbers differ only in case.
fn is_kit_number(n: &str) -> bool {
    let prefix = n.chars().take_while(char::is_ascii_uppercase).count();
    let rest = &n[prefix..];
    let digits = rest.strip_prefix('-').unwrap_or(rest);
    prefix <= 4 && (3..=12).contains(&digits.len()) && digits.chars().all(|c| c.is_ascii_digit())
}

pub fn check_kit(k: &Kit, catalogue: &Catalogue) -> Vec<Violation> {
    let mut v = Vec::new();
    let n = k.kit_number.trim();
    if n.is_empty() {
        v.push(Violation::required("kit_number"));
    } else if !is_kit_number(n) {
        v.push(Violation::new(
            "kit_number",
            "format",
            "a kit number is up to 4 capital letters, an optional '-', then 3 to 12 digits (e.g. K-40917): \
             nothing after the digits can name a strength or an arm, and no two numbers differ only in case",
        ));
    }
    if k.units <= 0 || k.units > crate::movement::MAX_UNITS {
        v.push(Violation::new("units", "range", format!("a kit holds from 1 to {} units", crate::movement::MAX_UNITS)));
    }
    match catalogue.lots.get(&k.lot_id) {
        None => v.push(Violation::new("lot_id", "exists", format!("no lot {:?}", k.lot_id))),
        Some(lot) => {
            // Compared on letters and digits alone, so "PL2201" is caught for lot "PL-2201".
            let alnum =
                |t: &str| t.chars().filter(char::is_ascii_alphanumeric).collect::<String>().to_ascii_lowercase();
            let lower = alnum(n);
            let mut telling: Vec<String> = ["active", "placebo", "verum", "drug"].map(String::from).to_vec();
            telling.extend([lot.id.clone(), lot.lot_number.clone(), lot.product_id.clone()]);
            if let Some(p) = catalogue.products.get(&lot.product_id) {
                telling.push(p.name.clone());
            }
            if telling.iter().any(|t| {
                let t = alnum(t);
                t.len() >= 3 && lower.contains(&t)
            }) {
                v.push(Violation::new(
                    "kit_number",
                    "opaque",
                    "a kit number must not contain its lot's or product's identifiers or say what it holds",
                ));
            }
        }
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    fn catalogue() -> Catalogue {
        let mut c = Catalogue::default();
        c.add_product(Product {
            id: "mdma-62".into(),
            name: "MDMA HCl 62.5 mg capsule".into(),
            substance: "MDMA hydrochloride".into(),
            form: "capsule".into(),
            strength_mg: 62.5,
            placebo: false,
            matches_product_id: None,
        });
        c.add_lot(Lot {
            id: "lot-a".into(),
            product_id: "mdma-62".into(),
            lot_number: "B2291".into(),
            expires_on: "2027-06-30".parse().unwrap(),
            storage_conditions: "below 25 °C".into(),
            supplier: Party { name: "Supplier".into(), address: "1 Road".into(), registration_number: None },
            units_per_container: None,
        });
        c
    }

    #[test]
    fn placebo_must_match_an_active_product_of_the_same_form() {
        let c = catalogue();
        let mut p = Product {
            id: "pbo".into(),
            name: "Placebo capsule".into(),
            substance: "placebo".into(),
            form: "tablet".into(),
            strength_mg: 0.0,
            placebo: true,
            matches_product_id: None,
        };
        let rules = |p: &Product| check_product(p, &c).into_iter().map(|v| v.rule).collect::<Vec<_>>();
        assert_eq!(rules(&p), ["required"]);
        p.matches_product_id = Some("mdma-62".into());
        assert_eq!(rules(&p), ["same_form"]);
        p.form = "capsule".into();
        assert!(rules(&p).is_empty());
        p.strength_mg = 1.0;
        assert_eq!(rules(&p), ["placebo"]);
    }

    #[test]
    fn nominal_strength_of_a_placebo_is_its_active_products() {
        let mut c = catalogue();
        c.add_product(Product {
            id: "pbo".into(),
            name: "Placebo capsule".into(),
            substance: "placebo".into(),
            form: "capsule".into(),
            strength_mg: 0.0,
            placebo: true,
            matches_product_id: Some("mdma-62".into()),
        });
        let mut lot = c.lots["lot-a"].clone();
        lot.id = "lot-p".into();
        lot.product_id = "pbo".into();
        c.add_lot(lot);
        assert_eq!(c.nominal_strength_mg("lot-p"), Some(62.5));
        assert_eq!(c.nominal_strength_mg("lot-a"), Some(62.5));
        assert!(c.check().is_empty(), "{:?}", c.check());
    }

    #[test]
    fn kit_numbers_must_be_opaque() {
        let c = catalogue();
        let rules = |n: &str| {
            check_kit(&Kit { kit_number: n.into(), lot_id: "lot-a".into(), units: 2 }, &c)
                .into_iter()
                .map(|v| v.rule)
                .collect::<Vec<_>>()
        };
        assert!(rules("K-48213").is_empty());
        assert!(rules("KIT48213").is_empty() && rules("000123").is_empty());
        assert_eq!(rules("B2291-01"), ["format", "opaque"]);
        assert_eq!(rules("B2291"), ["opaque"], "the lot number, in a number's shape");
        assert_eq!(rules("PLACEBO-100"), ["format", "opaque"]);
        // The reviewer's: a strength, a suffix, lower case, too short.
        for n in ["K20MG", "K-1005-P", "k-1001", "MDMA-5", "K-12", "K 100"] {
            assert!(rules(n).contains(&"format".to_string()), "{n}: {:?}", rules(n));
        }
        assert_eq!(rules(""), ["required"]);
    }
}
