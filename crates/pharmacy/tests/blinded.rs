#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Blinded roles see kit numbers and units only: the blinded view of every movement kind, of
//! the balances, dispenses and discrepancies, and of refusals names no product, substance,
//! strength, mg, lot or placebo flag.

mod common;

use std::collections::BTreeSet;

use catalyst_pharmacy::*;
use common::*;

/// Words and values that would tell a blinded reader what a kit holds.
fn forbidden() -> Vec<String> {
    let c = catalogue();
    let mut words: Vec<String> = [
        "mg",
        "strength",
        "product",
        "lot",
        "placebo",
        "substance",
        "active",
        "mdma",
        "capsule",
        "cellulose",
        "62.5",
        "125",
    ]
    .map(String::from)
    .to_vec();
    for l in c.lots.values() {
        words.extend([l.id.clone(), l.lot_number.clone(), l.supplier.name.clone(), l.product_id.clone()]);
    }
    for p in c.products.values() {
        words.extend([p.id.clone(), p.name.clone(), p.substance.clone()]);
    }
    words.into_iter().map(|w| w.to_lowercase()).collect()
}

fn assert_blind(what: &str, json: &str) {
    let lower = json.to_lowercase();
    for w in forbidden() {
        assert!(!lower.contains(&w), "{what} shows {w:?}: {json}");
    }
}

fn resolve(id: &str) -> Detail {
    Detail::ResolveDiscrepancy {
        discrepancy_id: id.into(),
        conclusion: Conclusion::AdjustToCount,
        signed_by: "lead.syd".into(),
    }
}

/// A blinded trial's register with every kind of movement, all on kits.
fn trial() -> World {
    let mut w = World::new("US");
    for (kit, lot) in [("K-4821", "lot-a"), ("K-9930", "lot-p"), ("K-1177", "lot-a"), ("K-3054", "lot-p")] {
        w.ok(mv(&format!("rcv-{kit}"), "ph.central", receive_kit("central", lot, kit)));
    }
    for (kit, lot) in [("K-4821", "lot-a"), ("K-9930", "lot-p")] {
        w.ok(mv(&format!("dsp-{kit}"), "ph.central", dispatch("shp-1", "central", "store-syd", lot, Some(kit), 2)));
        w.ok(mv(&format!("rtr-{kit}"), "ph.syd", receive_transfer("shp-1", lot, Some(kit), 2)));
    }
    w.ok(mv("dose-1", "ph.syd", dispense("store-syd", "lot-a", Some("K-4821"), 2, "apt-1", 187.5)));
    w.ok(mv("dose-2", "ph.syd", dispense("store-syd", "lot-p", Some("K-9930"), 2, "apt-2", 187.5)));
    w.ok(mv("adm-1", "dr.lee", administer("dose-1", 1, Qualification::MedicalPractitioner)));
    w.ok(mv("adm-2", "dr.lee", administer("dose-2", 1, Qualification::MedicalPractitioner)));
    w.ok(mv(
        "wst-1",
        "dr.lee",
        Detail::Waste {
            dispense_id: "dose-1".into(),
            units: 1,
            mg: None,
            witnesses: witnesses(&["nurse.kim", "ph.syd"]),
        },
    ));
    w.ok(mv(
        "ret-1",
        "ph.syd",
        Detail::ReturnUnused { dispense_id: "dose-2".into(), to_location_id: "store-syd".into(), units: 1, mg: None },
    ));
    w.ok(mv("cnt-1", "ph.central", count("central", "lot-a", Some("K-1177"), 1)));
    w.ok(mv("res-1", "ph.central", resolve("cnt-1")));
    let mut d = destroy("central", "lot-a", 1, &["w1", "w2"]);
    if let Detail::Destroy { kit_number, .. } = &mut d {
        *kit_number = Some("K-1177".into());
    }
    w.ok(mv("dst-1", "ph.central", d));
    w.ok(mv(
        "los-1",
        "ph.central",
        Detail::LossOrTheft {
            location_id: "central".into(),
            lot_id: "lot-p".into(),
            kit_number: Some("K-3054".into()),
            units: 1,
            mg: None,
            discovered_at: catalyst_core::time::Timestamp(T0),
            discovered_by: "ph.central".into(),
            theft: false,
        },
    ));
    w.ok(mv(
        "rts-1",
        "ph.central",
        Detail::ReturnToSupplier {
            location_id: "central".into(),
            lot_id: "lot-p".into(),
            kit_number: Some("K-3054".into()),
            units: 1,
            mg: None,
            recipient: party("Reverse Distributors Inc", Some("RR0099999")),
            order_form: Some("231904999".into()),
        },
    ));
    w.ok(mv("qua-1", "ph.central", quarantine("lot-p", QuarantineCause::TemperatureExcursion, "central")));
    w.ok(mv("rel-1", "ph.central", Detail::Release { lot_id: "lot-p".into() }));
    w.ok(mv("cnt-2", "ph.syd", count("store-syd", "lot-p", Some("K-9930"), 2)));
    w
}

#[test]
fn the_blinded_view_of_every_movement_kind_shows_kits_and_units_only() {
    let w = trial();
    let kinds: BTreeSet<&str> = w.entries.iter().map(|e| e.movement.detail.kind()).collect();
    assert_eq!(kinds, Detail::KINDS.into_iter().collect::<BTreeSet<_>>(), "the trial covers every kind");
    for e in &w.entries {
        let b = blind_entry(e);
        let json = serde_json::to_string(&b).unwrap();
        assert_blind(&e.movement.id, &json);
        // The unblinded entry does name the lot, so the test would see a leak.
        assert!(serde_json::to_string(e).unwrap().contains("lot-"), "{}", e.movement.id);
    }
    let dose = blind_entry(w.entries.iter().find(|e| e.movement.id == "dose-1").unwrap());
    assert_eq!((dose.kit_number.as_deref(), dose.units), (Some("K-4821"), Some(2)));
    assert_eq!(dose.participant_id.as_deref(), Some("SYD-0006"));
    // A temperature excursion's facts are not content: its store, times, temperatures and
    // duration are shown; its lot is not.
    let q = blind_entry(w.entries.iter().find(|e| e.movement.id == "qua-1").unwrap());
    assert_eq!(q.location_id.as_deref(), Some("central"));
    let x = q.excursion.as_ref().unwrap();
    assert_eq!((x.min_celsius, x.max_celsius, x.duration_minutes), (24.0, 31.5, 95));
    assert_eq!(q.kit_number, None);
    let adm = blind_entry(w.entries.iter().find(|e| e.movement.id == "adm-1").unwrap());
    assert_eq!(
        (adm.kit_number.as_deref(), adm.units, adm.dispense_id.as_deref()),
        (Some("K-4821"), Some(1), Some("dose-1"))
    );
}

#[test]
fn blinded_balances_dispenses_and_discrepancies_name_no_content() {
    let w = trial();
    let balances = blind_balances(&w.register);
    assert!(!balances.is_empty());
    assert_blind("balances", &serde_json::to_string(&balances).unwrap());
    let total: i64 = balances.iter().map(|b| b.units).sum();
    assert_eq!(total, w.register.balances.values().sum::<i64>());
    for d in w.register.dispenses.values() {
        assert_blind(&d.id, &serde_json::to_string(&blind_dispense(d)).unwrap());
    }
    for d in w.register.discrepancies.values() {
        assert_blind(&d.id, &serde_json::to_string(&blind_discrepancy(d)).unwrap());
    }
}

#[test]
fn stock_outside_kits_is_summed_per_holding() {
    let mut w = World::new("US");
    w.ok(mv("r1", "ph.central", receive("central", "lot-a", 10)));
    w.ok(mv("r2", "ph.central", receive("central", "lot-p", 10)));
    w.ok(mv("r3", "ph.central", receive_kit("central", "lot-a", "K-4821")));
    let b = blind_balances(&w.register);
    assert_eq!(b.len(), 2);
    assert_eq!((b[0].kit_number.as_deref(), b[0].units), (None, 20));
    assert_eq!((b[1].kit_number.as_deref(), b[1].units), (Some("K-4821"), 2));
}

#[test]
fn refusals_shown_to_blinded_roles_name_no_content() {
    let mut w = trial();
    w.date = d("2027-07-01");
    let mut refusals = Vec::new();
    let mut with_mg = dispense("store-syd", "lot-p", Some("K-9930"), 1, "apt-3", 60.0);
    if let Detail::Dispense { mg, .. } = &mut with_mg {
        *mg = Some(62.5);
    }
    for m in [
        mv("x1", "ph.syd", with_mg),
        mv("x2", "ph.syd", dispense("store-syd", "lot-a", Some("K-9930"), 5, "apt-3", 125.0)),
        mv("x3", "ph.syd", dispatch("s", "store-syd", "store-bos", "lot-p", Some("K-9930"), 9)),
    ] {
        refusals.extend(w.try_apply(&m).unwrap_err());
    }
    let rules: BTreeSet<&str> = refusals.iter().map(|v| v.rule.as_str()).collect();
    for r in ["dose_limit", "expired", "strength", "kit_mismatch", "insufficient_stock"] {
        assert!(rules.contains(r), "{r} not exercised: {rules:?}");
    }
    // The unblinded messages do name the content.
    assert!(refusals.iter().any(|v| v.message.contains("lot-p") || v.message.contains("62.5")));
    let blinded = blind_violations(&refusals);
    assert_eq!(blinded.len(), refusals.len());
    for (b, v) in blinded.iter().zip(&refusals) {
        assert_eq!(b.rule, if v.rule == "strength" { "quantity" } else { v.rule.as_str() });
    }
    assert_blind("refusals", &serde_json::to_string(&blinded).unwrap());
}

#[test]
fn movements_entries_and_the_register_round_trip_through_json() {
    let w = trial();
    for e in &w.entries {
        let json = serde_json::to_string(e).unwrap();
        assert_eq!(&serde_json::from_str::<Entry>(&json).unwrap(), e, "{json}");
    }
    let json = serde_json::to_string(&w.register).unwrap();
    assert_eq!(serde_json::from_str::<Register>(&json).unwrap(), w.register);
    let row = r#"{"balances":[{"holding":{"kind":"location","id":"store-syd"},"stock":{"lot_id":"lot-p","kit_number":"K-9930"},"units":1}],"#;
    assert!(json.starts_with(row), "{json}");
    let m = serde_json::to_value(&w.entries[0].movement).unwrap();
    assert_eq!(m["detail"]["kind"], "receive");
    let unknown =
        serde_json::to_string(&w.entries[0].movement).unwrap().replacen("\"units\"", "\"colour\":1,\"units\"", 1);
    assert!(serde_json::from_str::<Movement>(&unknown).unwrap_err().to_string().contains("unknown field `colour`"));
}
