#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! A small programme: a central pharmacy and two site stores, an active product and its
//! placebo, three lots (one expiring early, one without a supplier registration) and four kits.

use std::cell::Cell;
use std::collections::BTreeSet;

use catalyst_core::time::Timestamp;
use catalyst_pharmacy::*;
use jiff::civil::Date;

pub const STRENGTH: f64 = 62.5;
/// 2026-05-28T20:26:40Z.
pub const T0: i64 = 1_780_000_000_000_000;

pub fn d(s: &str) -> Date {
    s.parse().unwrap()
}

pub fn party(name: &str, registration: Option<&str>) -> Party {
    Party {
        name: name.into(),
        address: format!("{name}, 1 Industrial Way"),
        registration_number: registration.map(Into::into),
    }
}

pub fn catalogue() -> Catalogue {
    let mut c = Catalogue::default();
    c.add_product(Product {
        id: "mdma-625".into(),
        name: "MDMA HCl 62.5 mg capsule".into(),
        substance: "MDMA hydrochloride".into(),
        form: "capsule".into(),
        strength_mg: STRENGTH,
        placebo: false,
        matches_product_id: None,
    });
    c.add_product(Product {
        id: "pbo-625".into(),
        name: "Matching placebo capsule".into(),
        substance: "placebo (microcrystalline cellulose)".into(),
        form: "capsule".into(),
        strength_mg: 0.0,
        placebo: true,
        matches_product_id: Some("mdma-625".into()),
    });
    let lot = |id: &str, product: &str, number: &str, expires: &str, reg: Option<&str>| Lot {
        id: id.into(),
        product_id: product.into(),
        lot_number: number.into(),
        expires_on: d(expires),
        storage_conditions: "store below 25 °C, protect from light".into(),
        supplier: party("Onyx Pharma", reg),
        units_per_container: Some(30),
    };
    c.add_lot(lot("lot-a", "mdma-625", "B2291", "2027-06-30", Some("RO0412345")));
    c.add_lot(lot("lot-p", "pbo-625", "P7710", "2027-06-30", Some("RO0412345")));
    c.add_lot(lot("lot-old", "mdma-625", "B1104", "2026-06-15", Some("RO0412345")));
    c.add_lot(lot("lot-noreg", "mdma-625", "B3300", "2027-06-30", None));
    let loc = |id: &str, name: &str, kind: LocationKind, site: &str, keys: &[&str]| Location {
        id: id.into(),
        name: name.into(),
        kind,
        site_id: site.into(),
        key_holders: keys.iter().map(|k| k.to_string()).collect::<BTreeSet<_>>(),
    };
    c.add_location(loc(
        "central",
        "Central pharmacy",
        LocationKind::CentralPharmacy,
        "site-hq",
        &["ph.central", "ph.deputy"],
    ));
    c.add_location(loc("store-syd", "Sydney store", LocationKind::SiteStore, "site-syd", &["ph.syd", "lead.syd"]));
    c.add_location(loc("store-bos", "Boston store", LocationKind::SiteStore, "site-bos", &["ph.bos"]));
    for (kit, lot) in [("K-4821", "lot-a"), ("K-9930", "lot-p"), ("K-1177", "lot-a"), ("K-3054", "lot-p")] {
        c.add_kit(Kit { kit_number: kit.into(), lot_id: lot.into(), units: 2 });
    }
    assert!(c.check().is_empty(), "{:?}", c.check());
    c
}

pub fn rules(code: &str) -> JurisdictionRules {
    RegisterRules::builtin().unwrap().for_jurisdiction(code).unwrap()
}

thread_local! {
    static CLOCK: Cell<i64> = const { Cell::new(0) };
}

/// A movement at the next instant.
pub fn mv(id: &str, actor: &str, detail: Detail) -> Movement {
    let tick = CLOCK.with(|c| {
        c.set(c.get() + 1);
        c.get()
    });
    Movement {
        id: id.into(),
        at: Timestamp(T0 + tick * 60_000_000),
        actor: actor.into(),
        reason: "as recorded".into(),
        detail,
    }
}

/// Decides movements in one jurisdiction on one site-local date.
pub struct World {
    pub catalogue: Catalogue,
    pub rules: JurisdictionRules,
    pub date: Date,
    pub register: Register,
    pub entries: Vec<Entry>,
}

impl World {
    pub fn new(code: &str) -> Self {
        Self {
            catalogue: catalogue(),
            rules: rules(code),
            date: d("2026-06-01"),
            register: Register::default(),
            entries: vec![],
        }
    }

    pub fn ctx(&self) -> Context<'_> {
        Context { catalogue: &self.catalogue, rules: &self.rules, local_date: self.date }
    }

    pub fn try_apply(&self, m: &Movement) -> Result<Delta, Vec<Violation>> {
        apply(&self.register, m, &self.ctx())
    }

    /// Applies a movement that must be accepted.
    pub fn ok(&mut self, m: Movement) -> Delta {
        let delta = self.try_apply(&m).unwrap_or_else(|v| panic!("{} refused: {v:#?}", m.id));
        self.register.commit(&delta);
        self.entries.push(Entry { movement: m, postings: delta.postings.clone() });
        delta
    }

    /// Applies a movement that must be refused; the field and rule of each reason.
    pub fn refused(&self, m: Movement) -> Vec<(String, String)> {
        let before = self.register.clone();
        let v = self.try_apply(&m).expect_err("the movement should be refused");
        assert_eq!(self.register, before);
        for x in &v {
            assert!(!x.message.trim().is_empty(), "{x:?}");
        }
        v.into_iter().map(|x| (x.field, x.rule)).collect()
    }

    pub fn at(&self, location: &str, lot: &str, kit: Option<&str>) -> i64 {
        self.register.balance(&BalanceKey::new(Holding::Location(location.into()), Stock::new(lot, kit)))
    }

    pub fn movements(&self) -> Vec<Movement> {
        self.entries.iter().map(|e| e.movement.clone()).collect()
    }
}

pub fn fr(field: &str, rule: &str) -> (String, String) {
    (field.into(), rule.into())
}

pub fn order(number: &str, units_ordered: i64) -> Option<Order> {
    Some(Order { form: OrderForm::DeaForm222, number: number.into(), line: 1, units_ordered })
}

pub fn receive(location: &str, lot: &str, units: i64) -> Detail {
    Detail::Receive {
        location_id: location.into(),
        lot_id: lot.into(),
        kit_number: None,
        units,
        mg: None,
        order: order("231904417", units.max(1)),
    }
}

pub fn receive_kit(location: &str, lot: &str, kit: &str) -> Detail {
    Detail::Receive {
        location_id: location.into(),
        lot_id: lot.into(),
        kit_number: Some(kit.into()),
        units: 2,
        mg: None,
        order: order("231904418", 2),
    }
}

pub fn dispatch(shipment: &str, from: &str, to: &str, lot: &str, kit: Option<&str>, units: i64) -> Detail {
    Detail::Dispatch {
        shipment_id: shipment.into(),
        from_location_id: from.into(),
        to_location_id: to.into(),
        lot_id: lot.into(),
        kit_number: kit.map(Into::into),
        units,
        mg: None,
    }
}

pub fn receive_transfer(shipment: &str, lot: &str, kit: Option<&str>, counted: i64) -> Detail {
    Detail::ReceiveTransfer {
        shipment_id: shipment.into(),
        lot_id: lot.into(),
        kit_number: kit.map(Into::into),
        units: counted,
        mg: None,
    }
}

pub fn dispense(store: &str, lot: &str, kit: Option<&str>, units: i64, appointment: &str, limit: f64) -> Detail {
    Detail::Dispense {
        location_id: store.into(),
        lot_id: lot.into(),
        kit_number: kit.map(Into::into),
        units,
        mg: None,
        participant_id: "SYD-0006".into(),
        appointment_id: appointment.into(),
        prescription_id: "rx-1".into(),
        dose_limit_mg: limit,
        override_decision_id: None,
    }
}

pub fn administer(dispense: &str, units: i64, q: Qualification) -> Detail {
    Detail::Administer {
        dispense_id: dispense.into(),
        dose: DoseKind::Initial,
        units,
        mg: None,
        clinician_id: "dr.lee".into(),
        clinician_qualification: q,
    }
}

pub fn witnesses(w: &[&str]) -> Vec<String> {
    w.iter().map(|s| s.to_string()).collect()
}

pub fn destroy(location: &str, lot: &str, units: i64, w: &[&str]) -> Detail {
    Detail::Destroy {
        location_id: location.into(),
        lot_id: lot.into(),
        kit_number: None,
        units,
        mg: None,
        method: "chemical digestion (Rx Destroyer)".into(),
        place: "Central pharmacy, room 2".into(),
        witnesses: witnesses(w),
    }
}

pub fn count(location: &str, lot: &str, kit: Option<&str>, units: i64) -> Detail {
    Detail::Count { location_id: location.into(), lot_id: lot.into(), kit_number: kit.map(Into::into), units, mg: None }
}

/// 100 units of lot A at the central pharmacy, 20 of them transferred to Sydney.
pub fn stocked(code: &str) -> World {
    let mut w = World::new(code);
    let mut first = receive("central", "lot-a", 100);
    if !code.starts_with("US")
        && let Detail::Receive { order, .. } = &mut first
    {
        *order = None;
    }
    w.ok(mv("rcv-1", "ph.central", first));
    w.ok(mv("dsp-1", "ph.central", dispatch("shp-1", "central", "store-syd", "lot-a", None, 20)));
    w.ok(mv("rtr-1", "ph.syd", receive_transfer("shp-1", "lot-a", None, 20)));
    w
}

/// An excursion at a store: 24–31.5 °C for 95 minutes, observed at T0 by the Sydney lead.
pub fn excursion(location: &str) -> Excursion {
    Excursion {
        location_id: location.into(),
        observed_at: Timestamp(T0),
        min_celsius: 24.0,
        max_celsius: 31.5,
        duration_minutes: 95,
        observed_by: "lead.syd".into(),
    }
}

/// A quarantine; for a temperature excursion, with its record at the store.
pub fn quarantine(lot: &str, cause: QuarantineCause, location: &str) -> Detail {
    let excursion = (cause == QuarantineCause::TemperatureExcursion).then(|| excursion(location));
    Detail::Quarantine { lot_id: lot.into(), cause, excursion }
}
