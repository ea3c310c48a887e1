#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Each movement: accepted with its postings, and each refusal by field and rule (a refused
//! movement leaves the register as it was; `World::refused` asserts that).

mod common;

use catalyst_core::time::Timestamp;
use catalyst_pharmacy::*;
use common::*;

fn loc(id: &str) -> Account {
    Account::Holding(Holding::Location(id.into()))
}

// ---- header -------------------------------------------------------------------------------

#[test]
fn id_actor_and_reason_are_required() {
    let w = stocked("US");
    let mut m = mv(" ", "", receive("central", "lot-a", 1));
    m.reason = "  ".into();
    let got = w.refused(m);
    for f in ["id", "actor", "reason"] {
        assert!(got.contains(&fr(f, "required")), "{got:?}");
    }
}

#[test]
fn every_problem_is_reported_at_once() {
    let w = stocked("US");
    let mut d = dispense("central", "lot-old", None, 0, "apt-1", 0.0);
    if let Detail::Dispense { mg, .. } = &mut d {
        *mg = Some(1.0);
    }
    let mut m = mv("x", "ph.syd", d);
    m.reason = String::new();
    let got = w.refused(m);
    for want in [
        fr("reason", "required"),
        fr("actor", "key_holder"),
        fr("location_id", "site_store"),
        fr("dose_limit_mg", "positive"),
        fr("mg", "strength"),
        fr("units", "positive"),
    ] {
        assert!(got.contains(&want), "missing {want:?} in {got:?}");
    }
}

// ---- receive ------------------------------------------------------------------------------

#[test]
fn receive_posts_from_the_supplier_into_the_location() {
    let mut w = World::new("US");
    let delta = w.ok(mv("r", "ph.central", receive("central", "lot-a", 30)));
    assert_eq!(delta.postings.len(), 1);
    assert_eq!(delta.postings[0].from, Account::Flow(Flow::Received));
    assert_eq!(delta.postings[0].to, loc("central"));
    assert_eq!(
        delta.balances,
        [BalanceChange {
            key: BalanceKey::new(Holding::Location("central".into()), Stock::new("lot-a", None)),
            before: 0,
            after: 30
        }]
    );
    assert_eq!(w.at("central", "lot-a", None), 30);
}

#[test]
fn receiving_fewer_than_ordered_is_recorded() {
    let mut w = World::new("US");
    let mut r = receive("central", "lot-a", 80);
    if let Detail::Receive { order, .. } = &mut r {
        order.as_mut().unwrap().units_ordered = 100;
    }
    w.ok(mv("r", "ph.central", r));
    assert_eq!(w.at("central", "lot-a", None), 80);
}

#[test]
fn a_us_receipt_needs_a_form_222_or_csos_order() {
    let w = World::new("US");
    let mut r = receive("central", "lot-a", 10);
    if let Detail::Receive { order, .. } = &mut r {
        *order = None;
    }
    assert_eq!(w.refused(mv("r", "ph.central", r.clone())), [fr("order", "required")]);
    if let Detail::Receive { order, .. } = &mut r {
        *order = Some(Order { form: OrderForm::PurchaseOrder, number: "PO-1".into(), line: 0, units_ordered: 0 });
    }
    let got = w.refused(mv("r", "ph.central", r.clone()));
    assert_eq!(got, [fr("order.line", "range"), fr("order.units_ordered", "range"), fr("order.form", "one_of")]);
    // More than the order's line asks for, or more than any movement may name, is refused.
    if let Detail::Receive { order, .. } = &mut r {
        *order = Some(Order { form: OrderForm::Csos, number: "123456789".into(), line: 1, units_ordered: 5 });
    }
    assert_eq!(w.refused(mv("r", "ph.central", r.clone())), [fr("units", "more_than_ordered")]);
    let mut huge = receive("central", "lot-a", i64::MAX);
    if let Detail::Receive { order, .. } = &mut huge {
        *order = Some(Order { form: OrderForm::Csos, number: "123456789".into(), line: 1, units_ordered: i64::MAX });
    }
    assert_eq!(w.refused(mv("r", "ph.central", huge)), [fr("order.units_ordered", "range"), fr("units", "max")]);
}

#[test]
fn an_australian_receipt_needs_no_order() {
    let mut w = World::new("AU-NSW");
    let mut r = receive("central", "lot-a", 10);
    if let Detail::Receive { order, .. } = &mut r {
        *order = None;
    }
    w.ok(mv("r", "ph.central", r));
}

#[test]
fn a_us_receipt_needs_the_suppliers_registration() {
    let w = World::new("US");
    assert_eq!(
        w.refused(mv("r", "ph.central", receive("central", "lot-noreg", 10))),
        [fr("lot_id", "supplier_registration")]
    );
}

#[test]
fn receive_refusals() {
    let w = World::new("US");
    assert_eq!(w.refused(mv("r", "ph.central", receive("central", "lot-a", 0))), [fr("units", "positive")]);
    assert_eq!(w.refused(mv("r", "ph.central", receive("central", "lot-a", -3))), [fr("units", "positive")]);
    assert_eq!(w.refused(mv("r", "ph.syd", receive("central", "lot-a", 3))), [fr("actor", "key_holder")]);
    assert_eq!(w.refused(mv("r", "ph.central", receive("nowhere", "lot-a", 3))), [fr("location_id", "exists")]);
    assert_eq!(w.refused(mv("r", "ph.central", receive("central", "lot-x", 3))), [fr("lot_id", "exists")]);
}

#[test]
fn mg_must_equal_units_times_strength() {
    let mut w = World::new("US");
    let with_mg = |mg: f64| {
        let mut r = receive("central", "lot-a", 4);
        if let Detail::Receive { mg: m, .. } = &mut r {
            *m = Some(mg);
        }
        r
    };
    assert_eq!(w.refused(mv("r", "ph.central", with_mg(250.1))), [fr("mg", "strength")]);
    assert_eq!(w.refused(mv("r", "ph.central", with_mg(f64::NAN))), [fr("mg", "strength")]);
    w.ok(mv("r", "ph.central", with_mg(4.0 * STRENGTH + 1e-9)));
}

#[test]
fn a_kit_is_received_whole_and_once() {
    let mut w = World::new("US");
    let mut short = receive_kit("central", "lot-a", "K-4821");
    if let Detail::Receive { units, .. } = &mut short {
        *units = 1;
    }
    assert_eq!(w.refused(mv("r", "ph.central", short)), [fr("units", "kit_units")]);
    assert_eq!(
        w.refused(mv("r", "ph.central", receive_kit("central", "lot-a", "K-9930"))),
        [fr("kit_number", "kit_mismatch")]
    );
    assert_eq!(
        w.refused(mv("r", "ph.central", receive_kit("central", "lot-a", "K-0000"))),
        [fr("kit_number", "exists")]
    );
    let delta = w.ok(mv("r", "ph.central", receive_kit("central", "lot-a", "K-4821")));
    assert!(delta.received_kits.contains("K-4821"));
    assert_eq!(w.at("central", "lot-a", Some("K-4821")), 2);
    assert_eq!(
        w.refused(mv("r2", "ph.central", receive_kit("central", "lot-a", "K-4821"))),
        [fr("kit_number", "once")]
    );
}

// ---- dispatch and receive_transfer --------------------------------------------------------

#[test]
fn dispatched_stock_is_in_transit_and_nobodys_until_received() {
    let mut w = World::new("US");
    w.ok(mv("r", "ph.central", receive("central", "lot-a", 50)));
    w.ok(mv("d", "ph.central", dispatch("shp", "central", "store-syd", "lot-a", None, 20)));
    assert_eq!(w.at("central", "lot-a", None), 30);
    assert_eq!(w.at("store-syd", "lot-a", None), 0);
    assert_eq!(w.register.units_of_lot(&Holding::InTransit("shp".into()), "lot-a"), 20);
    assert_eq!(w.register.open_shipments().len(), 1);
    // Nothing in transit can be dispensed at the destination.
    assert!(
        w.refused(mv("x", "ph.syd", dispense("store-syd", "lot-a", None, 1, "apt", 125.0)))
            .contains(&fr("units", "insufficient_stock"))
    );
    w.ok(mv("t", "ph.syd", receive_transfer("shp", "lot-a", None, 20)));
    assert_eq!(w.at("store-syd", "lot-a", None), 20);
    assert!(w.register.open_shipments().is_empty());
    assert!(w.register.open_discrepancies().is_empty());
}

#[test]
fn dispatch_refusals() {
    let mut w = stocked("US");
    let got = w.refused(mv("d", "ph.central", dispatch("s2", "central", "store-syd", "lot-a", None, 81)));
    assert_eq!(got, [fr("units", "insufficient_stock")]);
    let got = w.refused(mv("d", "ph.central", dispatch("s2", "central", "central", "lot-a", None, 1)));
    assert_eq!(got, [fr("to_location_id", "distinct")]);
    let got = w.refused(mv("d", "ph.syd", dispatch("s2", "central", "store-syd", "lot-a", None, 1)));
    assert_eq!(got, [fr("actor", "key_holder")]);
    // A second line on an open shipment must keep its route.
    w.ok(mv("d2", "ph.central", dispatch("s2", "central", "store-syd", "lot-a", None, 5)));
    let got = w.refused(mv("d3", "ph.central", dispatch("s2", "central", "store-bos", "lot-a", None, 5)));
    assert_eq!(got, [fr("shipment_id", "route")]);
    w.ok(mv("d4", "ph.central", dispatch("s2", "central", "store-syd", "lot-a", None, 5)));
    assert_eq!(w.register.units_of_lot(&Holding::InTransit("s2".into()), "lot-a"), 10);
    w.ok(mv("t2", "ph.syd", receive_transfer("s2", "lot-a", None, 10)));
    let got = w.refused(mv("d5", "ph.central", dispatch("s2", "central", "store-syd", "lot-a", None, 1)));
    assert_eq!(got, [fr("shipment_id", "line_received")]);
}

#[test]
fn expired_and_quarantined_lots_are_not_transferred() {
    let mut w = World::new("US");
    w.ok(mv("r", "ph.central", receive("central", "lot-old", 10)));
    w.ok(mv("r2", "ph.central", receive("central", "lot-a", 10)));
    w.date = d("2026-06-15");
    w.ok(mv("d", "ph.central", dispatch("s", "central", "store-syd", "lot-old", None, 1)));
    w.date = d("2026-06-16");
    let got = w.refused(mv("d2", "ph.central", dispatch("s2", "central", "store-syd", "lot-old", None, 1)));
    assert_eq!(got, [fr("lot_id", "expired")]);
    w.ok(mv("q", "ph.central", quarantine("lot-a", QuarantineCause::TemperatureExcursion, "store-syd")));
    let got = w.refused(mv("d3", "ph.central", dispatch("s3", "central", "store-syd", "lot-a", None, 1)));
    assert_eq!(got, [fr("lot_id", "quarantined")]);
}

#[test]
fn a_short_transfer_receives_what_was_counted_and_opens_a_discrepancy() {
    let mut w = World::new("US");
    w.ok(mv("r", "ph.central", receive("central", "lot-a", 50)));
    w.ok(mv("d", "ph.central", dispatch("shp", "central", "store-syd", "lot-a", None, 20)));
    w.ok(mv("t", "ph.syd", receive_transfer("shp", "lot-a", None, 18)));
    assert_eq!(w.at("store-syd", "lot-a", None), 18);
    let disc = &w.register.discrepancies["t"];
    assert_eq!((disc.expected, disc.counted, disc.missing(), disc.surplus()), (20, 18, 2, 0));
    assert_eq!(disc.origin, DiscrepancyOrigin::TransferReceipt { shipment_id: "shp".into() });
    assert_eq!(disc.location_id, "store-syd");
    assert_eq!(w.register.units_of_lot(&Holding::Unreconciled("t".into()), "lot-a"), 2);
    assert!(w.register.open_shipments().is_empty());
}

#[test]
fn an_over_count_on_transfer_is_held_in_the_discrepancy_until_found_real() {
    let mut w = World::new("US");
    w.ok(mv("r", "ph.central", receive("central", "lot-a", 50)));
    w.ok(mv("d", "ph.central", dispatch("shp", "central", "store-syd", "lot-a", None, 20)));
    w.ok(mv("t", "ph.syd", receive_transfer("shp", "lot-a", None, 21)));
    assert_eq!(w.at("store-syd", "lot-a", None), 20);
    assert_eq!(w.register.discrepancies["t"].surplus(), 1);
    w.ok(mv(
        "res",
        "lead.syd",
        Detail::ResolveDiscrepancy {
            discrepancy_id: "t".into(),
            conclusion: Conclusion::AdjustToCount,
            signed_by: "lead.syd".into(),
        },
    ));
    assert_eq!(w.at("store-syd", "lot-a", None), 21);
}

#[test]
fn receive_transfer_refusals() {
    let mut w = World::new("US");
    w.ok(mv("r", "ph.central", receive("central", "lot-a", 50)));
    w.ok(mv("d", "ph.central", dispatch("shp", "central", "store-syd", "lot-a", None, 20)));
    assert_eq!(
        w.refused(mv("t", "ph.syd", receive_transfer("nope", "lot-a", None, 20))),
        [fr("shipment_id", "exists")]
    );
    assert_eq!(w.refused(mv("t", "ph.bos", receive_transfer("shp", "lot-a", None, 20))), [fr("actor", "key_holder")]);
    assert_eq!(w.refused(mv("t", "ph.syd", receive_transfer("shp", "lot-p", None, 20))), [fr("lot_id", "in_shipment")]);
    assert_eq!(w.refused(mv("t", "ph.syd", receive_transfer("shp", "lot-a", None, -1))), [fr("units", "non_negative")]);
    w.ok(mv("t", "ph.syd", receive_transfer("shp", "lot-a", None, 20)));
    assert_eq!(
        w.refused(mv("t2", "ph.syd", receive_transfer("shp", "lot-a", None, 20))),
        [fr("shipment_id", "line_received")]
    );
}

#[test]
fn a_count_of_zero_on_transfer_puts_the_whole_line_under_investigation() {
    let mut w = World::new("US");
    w.ok(mv("r", "ph.central", receive("central", "lot-a", 50)));
    w.ok(mv("d", "ph.central", dispatch("shp", "central", "store-syd", "lot-a", None, 20)));
    w.ok(mv("t", "ph.syd", receive_transfer("shp", "lot-a", None, 0)));
    assert_eq!(w.at("store-syd", "lot-a", None), 0);
    assert_eq!(w.register.discrepancies["t"].missing(), 20);
}

// ---- dispense -----------------------------------------------------------------------------

#[test]
fn dispense_moves_units_to_the_session_team() {
    let mut w = stocked("US");
    let delta = w.ok(mv("dose-1", "ph.syd", dispense("store-syd", "lot-a", None, 2, "apt-1", 125.0)));
    assert_eq!(delta.postings[0].to, Account::Holding(Holding::Dispensed("dose-1".into())));
    assert_eq!(w.at("store-syd", "lot-a", None), 18);
    let d = &w.register.dispenses["dose-1"];
    assert_eq!((d.units, d.returned_units, d.participant_id.as_str()), (2, 0, "SYD-0006"));
}

#[test]
fn never_more_than_the_limit_even_with_a_physicians_decision() {
    let mut w = stocked("US");
    let got = w.refused(mv("x", "ph.syd", dispense("store-syd", "lot-a", None, 3, "apt-1", 125.0)));
    assert_eq!(got, [fr("units", "dose_limit")]);
    // A decision raises the limit the caller passes; it never lifts it.
    let with_decision = |limit_mg: f64| {
        let mut over = dispense("store-syd", "lot-a", None, 3, "apt-1", limit_mg);
        if let Detail::Dispense { override_decision_id, .. } = &mut over {
            *override_decision_id = Some("decision-7".into());
        }
        over
    };
    let refused = mv("y", "ph.syd", with_decision(125.0));
    assert_eq!(w.refused(refused.clone()), [fr("units", "dose_limit")]);
    let message = w.try_apply(&refused).unwrap_err().remove(0).message;
    assert!(message.contains("decision decision-7 allows"), "{message}");
    w.ok(mv("dose-1", "ph.syd", with_decision(187.5)));
    assert_eq!(w.register.dispenses["dose-1"].override_decision_id.as_deref(), Some("decision-7"));
}

#[test]
fn the_session_limit_counts_every_dispense_for_the_appointment_less_returns() {
    let mut w = stocked("US");
    w.ok(mv("dose-1", "ph.syd", dispense("store-syd", "lot-a", None, 2, "apt-1", 187.5)));
    let got = w.refused(mv("dose-2", "ph.syd", dispense("store-syd", "lot-a", None, 2, "apt-1", 187.5)));
    assert_eq!(got, [fr("units", "dose_limit")]);
    w.ok(mv(
        "ret",
        "ph.syd",
        Detail::ReturnUnused { dispense_id: "dose-1".into(), to_location_id: "store-syd".into(), units: 1, mg: None },
    ));
    w.ok(mv("dose-2", "ph.syd", dispense("store-syd", "lot-a", None, 2, "apt-1", 187.5)));
    // Another appointment has its own limit.
    w.ok(mv("dose-3", "ph.syd", dispense("store-syd", "lot-a", None, 3, "apt-2", 187.5)));
}

#[test]
fn a_placebo_counts_at_its_active_products_strength() {
    let mut w = World::new("US");
    for kit in ["K-9930", "K-3054"] {
        w.ok(mv(&format!("r-{kit}"), "ph.central", receive_kit("central", "lot-p", kit)));
        w.ok(mv(
            &format!("d-{kit}"),
            "ph.central",
            dispatch(&format!("s-{kit}"), "central", "store-syd", "lot-p", Some(kit), 2),
        ));
        w.ok(mv(&format!("t-{kit}"), "ph.syd", receive_transfer(&format!("s-{kit}"), "lot-p", Some(kit), 2)));
    }
    w.ok(mv("dose-1", "ph.syd", dispense("store-syd", "lot-p", Some("K-9930"), 2, "apt-1", 125.0)));
    let got = w.refused(mv("dose-2", "ph.syd", dispense("store-syd", "lot-p", Some("K-3054"), 1, "apt-1", 125.0)));
    assert_eq!(got, [fr("units", "dose_limit")]);
}

#[test]
fn dispense_refusals() {
    let mut w = stocked("US");
    let got = w.refused(mv("x", "ph.central", dispense("central", "lot-a", None, 1, "apt-1", 125.0)));
    assert_eq!(got, [fr("location_id", "site_store")]);
    let got = w.refused(mv("x", "ph.bos", dispense("store-syd", "lot-a", None, 1, "apt-1", 125.0)));
    assert_eq!(got, [fr("actor", "key_holder")]);
    let got = w.refused(mv("x", "ph.syd", dispense("store-syd", "lot-a", None, 1, "apt-1", f64::NAN)));
    assert_eq!(got, [fr("dose_limit_mg", "positive")]);
    let mut d = dispense("store-syd", "lot-a", None, 1, "apt-1", 125.0);
    if let Detail::Dispense { prescription_id, participant_id, .. } = &mut d {
        *prescription_id = String::new();
        *participant_id = " ".into();
    }
    let got = w.refused(mv("x", "ph.syd", d));
    assert_eq!(got, [fr("participant_id", "required"), fr("prescription_id", "required")]);
    w.ok(mv("dose-1", "ph.syd", dispense("store-syd", "lot-a", None, 1, "apt-1", 125.0)));
    let mut other = dispense("store-syd", "lot-a", None, 1, "apt-1", 125.0);
    if let Detail::Dispense { participant_id, .. } = &mut other {
        *participant_id = "SYD-0005".into();
    }
    assert_eq!(w.refused(mv("dose-2", "ph.syd", other)), [fr("participant_id", "same_participant")]);
    assert_eq!(
        w.refused(mv("dose-1", "ph.syd", dispense("store-syd", "lot-a", None, 1, "apt-9", 125.0))),
        [fr("id", "unique")]
    );
}

#[test]
fn expired_and_quarantined_lots_are_never_dispensed() {
    let mut w = World::new("US");
    w.ok(mv("r", "ph.central", receive("central", "lot-old", 10)));
    w.ok(mv("d", "ph.central", dispatch("s", "central", "store-syd", "lot-old", None, 10)));
    w.ok(mv("t", "ph.syd", receive_transfer("s", "lot-old", None, 10)));
    w.date = d("2026-06-15");
    w.ok(mv("dose-1", "ph.syd", dispense("store-syd", "lot-old", None, 1, "apt-1", 125.0)));
    w.date = d("2026-06-16");
    let got = w.refused(mv("dose-2", "ph.syd", dispense("store-syd", "lot-old", None, 1, "apt-2", 125.0)));
    assert_eq!(got, [fr("lot_id", "expired")]);
    w.date = d("2026-06-15");
    w.ok(mv("q", "ph.syd", quarantine("lot-old", QuarantineCause::Recall, "central")));
    let got = w.refused(mv("dose-2", "ph.syd", dispense("store-syd", "lot-old", None, 1, "apt-2", 125.0)));
    assert_eq!(got, [fr("lot_id", "quarantined")]);
    w.ok(mv("rel", "ph.syd", Detail::Release { lot_id: "lot-old".into() }));
    w.ok(mv("dose-2", "ph.syd", dispense("store-syd", "lot-old", None, 1, "apt-2", 125.0)));
}

// ---- administer, return, waste ------------------------------------------------------------

#[test]
fn administer_from_a_dispensed_dose() {
    let mut w = stocked("US");
    w.ok(mv("dose-1", "ph.syd", dispense("store-syd", "lot-a", None, 2, "apt-1", 125.0)));
    let delta = w.ok(mv("adm-1", "dr.lee", administer("dose-1", 2, Qualification::Psychologist)));
    assert_eq!(delta.postings[0].to, Account::Flow(Flow::Administered));
    assert_eq!(w.register.balance(&BalanceKey::new(Holding::Dispensed("dose-1".into()), Stock::new("lot-a", None))), 0);
    assert_eq!(
        w.refused(mv("adm-2", "dr.lee", administer("dose-1", 1, Qualification::Nurse))),
        [fr("units", "insufficient_stock")]
    );
    assert_eq!(
        w.refused(mv("adm-3", "dr.lee", administer("dose-9", 1, Qualification::Nurse))),
        [fr("dispense_id", "exists")]
    );
}

#[test]
fn in_victoria_only_a_doctor_or_nurse_administers() {
    let mut w = stocked("AU-VIC");
    w.ok(mv("dose-1", "ph.syd", dispense("store-syd", "lot-a", None, 2, "apt-1", 125.0)));
    for q in [Qualification::Psychologist, Qualification::Therapist, Qualification::Pharmacist, Qualification::Other] {
        assert_eq!(
            w.refused(mv("adm", "dr.lee", administer("dose-1", 1, q))),
            [fr("clinician_qualification", "may_administer")]
        );
    }
    w.ok(mv("adm-1", "dr.lee", administer("dose-1", 1, Qualification::Nurse)));
    w.ok(mv("adm-2", "dr.lee", administer("dose-1", 1, Qualification::MedicalPractitioner)));
}

#[test]
fn administer_checks_mg_against_the_dispensed_lot() {
    let mut w = stocked("US");
    w.ok(mv("dose-1", "ph.syd", dispense("store-syd", "lot-a", None, 2, "apt-1", 125.0)));
    let mut a = administer("dose-1", 1, Qualification::Nurse);
    if let Detail::Administer { mg, .. } = &mut a {
        *mg = Some(125.0);
    }
    assert_eq!(w.refused(mv("adm", "dr.lee", a.clone())), [fr("mg", "strength")]);
    if let Detail::Administer { mg, .. } = &mut a {
        *mg = Some(62.5);
    }
    w.ok(mv("adm", "dr.lee", a));
}

#[test]
fn return_unused_goes_back_to_a_store() {
    let mut w = stocked("US");
    w.ok(mv("dose-1", "ph.syd", dispense("store-syd", "lot-a", None, 2, "apt-1", 125.0)));
    let ret = |units: i64, to: &str| Detail::ReturnUnused {
        dispense_id: "dose-1".into(),
        to_location_id: to.into(),
        units,
        mg: None,
    };
    assert_eq!(w.refused(mv("r", "ph.syd", ret(3, "store-syd"))), [fr("units", "insufficient_stock")]);
    assert_eq!(w.refused(mv("r", "ph.bos", ret(1, "store-syd"))), [fr("actor", "key_holder")]);
    // Another site's pharmacist cannot pull the dose into their own store.
    assert_eq!(w.refused(mv("r", "ph.bos", ret(1, "store-bos"))), [fr("to_location_id", "same_site")]);
    w.ok(mv("r", "ph.syd", ret(1, "store-syd")));
    assert_eq!(w.at("store-syd", "lot-a", None), 19);
    assert_eq!(w.register.dispenses["dose-1"].returned_units, 1);
}

#[test]
fn waste_needs_two_distinct_witnesses_neither_the_actor() {
    let mut w = stocked("US");
    w.ok(mv("dose-1", "ph.syd", dispense("store-syd", "lot-a", None, 2, "apt-1", 125.0)));
    let waste =
        |ws: &[&str]| Detail::Waste { dispense_id: "dose-1".into(), units: 1, mg: None, witnesses: witnesses(ws) };
    assert_eq!(w.refused(mv("x", "dr.lee", waste(&["nurse.kim"]))), [fr("witnesses", "witness_count")]);
    assert_eq!(w.refused(mv("x", "dr.lee", waste(&["nurse.kim", "dr.lee"]))), [fr("witnesses", "not_the_actor")]);
    assert_eq!(w.refused(mv("x", "dr.lee", waste(&["nurse.kim", "nurse.kim"]))), [fr("witnesses", "distinct")]);
    assert_eq!(w.refused(mv("x", "dr.lee", waste(&["nurse.kim", ""]))), [fr("witnesses", "required")]);
    let delta = w.ok(mv("x", "dr.lee", waste(&["nurse.kim", "ph.syd"])));
    assert_eq!(delta.postings[0].to, Account::Flow(Flow::Wasted));
}

// ---- destroy, loss, return to supplier -----------------------------------------------------

#[test]
fn destruction_is_witnessed_and_may_take_expired_or_quarantined_stock() {
    let mut w = World::new("US");
    w.ok(mv("r", "ph.central", receive("central", "lot-old", 10)));
    w.date = d("2026-07-01");
    w.ok(mv("q", "ph.central", quarantine("lot-old", QuarantineCause::Recall, "central")));
    assert_eq!(
        w.refused(mv("x", "ph.central", destroy("central", "lot-old", 4, &["w1"]))),
        [fr("witnesses", "witness_count")]
    );
    assert_eq!(
        w.refused(mv("x", "ph.central", destroy("central", "lot-old", 4, &["ph.central", "w1"]))),
        [fr("witnesses", "not_the_actor")]
    );
    assert_eq!(
        w.refused(mv("x", "ph.syd", destroy("central", "lot-old", 4, &["w1", "w2"]))),
        [fr("actor", "key_holder")]
    );
    assert_eq!(
        w.refused(mv("x", "ph.central", destroy("central", "lot-old", 11, &["w1", "w2"]))),
        [fr("units", "insufficient_stock")]
    );
    let mut no_method = destroy("central", "lot-old", 4, &["w1", "w2"]);
    if let Detail::Destroy { method, place, .. } = &mut no_method {
        *method = String::new();
        *place = String::new();
    }
    assert_eq!(w.refused(mv("x", "ph.central", no_method)), [fr("method", "required"), fr("place", "required")]);
    let delta = w.ok(mv("x", "ph.central", destroy("central", "lot-old", 4, &["w1", "w2"])));
    assert_eq!(delta.postings[0].to, Account::Flow(Flow::Destroyed));
    assert_eq!(w.at("central", "lot-old", None), 6);
}

#[test]
fn loss_or_theft_is_recorded_by_whoever_discovers_it() {
    let mut w = stocked("US");
    let loss = |units: i64, discovered_at: Timestamp| Detail::LossOrTheft {
        location_id: "store-syd".into(),
        lot_id: "lot-a".into(),
        kit_number: None,
        units,
        mg: None,
        discovered_at,
        discovered_by: "therapist1".into(),
        theft: true,
    };
    let m = mv("l", "therapist1", loss(3, Timestamp(T0)));
    let late = Timestamp(m.at.0 + 1);
    assert_eq!(
        w.refused(mv("l", "therapist1", loss(3, late.plus_seconds(3600)))),
        [fr("discovered_at", "not_after_record")]
    );
    assert_eq!(w.refused(mv("l", "therapist1", loss(21, Timestamp(T0)))), [fr("units", "insufficient_stock")]);
    let long_ago = Timestamp(m.at.0 - 32 * 24 * 3600 * 1_000_000);
    assert_eq!(w.refused(mv("l", "therapist1", loss(3, long_ago))), [fr("discovered_at", "too_old")]);
    assert_eq!(w.refused(mv("l", "therapist1", loss(3, Timestamp(i64::MIN / 2)))), [fr("discovered_at", "too_old")]);
    let delta = w.ok(m);
    assert_eq!(delta.postings[0].to, Account::Flow(Flow::Lost));
    assert_eq!(w.at("store-syd", "lot-a", None), 17);
}

#[test]
fn return_to_supplier_names_the_recipients_registration_and_order_form() {
    let mut w = stocked("US");
    w.ok(mv("q", "ph.central", quarantine("lot-a", QuarantineCause::Recall, "central")));
    let ret = |reg: Option<&str>, form: Option<&str>| Detail::ReturnToSupplier {
        location_id: "central".into(),
        lot_id: "lot-a".into(),
        kit_number: None,
        units: 10,
        mg: None,
        recipient: party("Reverse Distributors Inc", reg),
        order_form: form.map(Into::into),
    };
    assert_eq!(
        w.refused(mv("x", "ph.central", ret(None, None))),
        [fr("recipient.registration_number", "required"), fr("order_form", "required")]
    );
    let delta = w.ok(mv("x", "ph.central", ret(Some("RR0099999"), Some("231904999"))));
    assert_eq!(delta.postings[0].to, Account::Flow(Flow::ReturnedToSupplier));
    assert_eq!(w.at("central", "lot-a", None), 70);
}

// ---- count and discrepancies --------------------------------------------------------------

#[test]
fn an_exact_count_that_agrees_changes_nothing() {
    let mut w = stocked("US");
    let delta = w.ok(mv("c", "ph.syd", count("store-syd", "lot-a", None, 20)));
    assert!(delta.postings.is_empty() && delta.balances.is_empty() && delta.discrepancies.is_empty());
}

#[test]
fn count_refusals() {
    let w = stocked("US");
    assert_eq!(w.refused(mv("c", "ph.bos", count("store-syd", "lot-a", None, 20))), [fr("actor", "key_holder")]);
    assert_eq!(w.refused(mv("c", "ph.syd", count("store-syd", "lot-a", None, -1))), [fr("units", "non_negative")]);
    assert_eq!(
        w.refused(mv("c", "ph.syd", count("store-syd", "lot-a", Some("K-9930"), 0))),
        [fr("kit_number", "kit_mismatch")]
    );
}

#[test]
fn a_short_count_puts_the_difference_under_investigation() {
    let mut w = stocked("US");
    w.ok(mv("c", "ph.syd", count("store-syd", "lot-a", None, 17)));
    assert_eq!(w.at("store-syd", "lot-a", None), 17);
    assert_eq!(w.register.units_of_lot(&Holding::Unreconciled("c".into()), "lot-a"), 3);
    assert_eq!(w.register.open_discrepancies().len(), 1);
    // Missing units cannot be moved while the investigation is open.
    let got = w.refused(mv("x", "ph.syd", dispatch("s9", "store-syd", "store-bos", "lot-a", None, 18)));
    assert_eq!(got, [fr("units", "insufficient_stock")]);
}

fn resolve(id: &str, conclusion: Conclusion) -> Detail {
    Detail::ResolveDiscrepancy { discrepancy_id: id.into(), conclusion, signed_by: "lead.syd".into() }
}

#[test]
fn resolving_a_shortfall() {
    // The count stands: written off.
    let mut w = stocked("US");
    w.ok(mv("c", "ph.syd", count("store-syd", "lot-a", None, 17)));
    let delta = w.ok(mv("res", "lead.syd", resolve("c", Conclusion::AdjustToCount)));
    assert_eq!(delta.postings[0].to, Account::Flow(Flow::WrittenOff));
    assert_eq!(w.at("store-syd", "lot-a", None), 17);
    assert!(w.register.open_discrepancies().is_empty());
    assert_eq!(w.register.discrepancies["c"].resolution.as_ref().unwrap().signed_by, "lead.syd");
    assert_eq!(
        w.refused(mv("res2", "lead.syd", resolve("c", Conclusion::AdjustToCount))),
        [fr("discrepancy_id", "open")]
    );
    // The records stand: the units go back.
    let mut w = stocked("US");
    w.ok(mv("c", "ph.syd", count("store-syd", "lot-a", None, 17)));
    w.ok(mv("res", "lead.syd", resolve("c", Conclusion::RecordsCorrect)));
    assert_eq!(w.at("store-syd", "lot-a", None), 20);
}

#[test]
fn resolving_a_surplus() {
    let mut w = stocked("US");
    w.ok(mv("c", "ph.syd", count("store-syd", "lot-a", None, 22)));
    assert_eq!(w.at("store-syd", "lot-a", None), 20);
    let mut w2 = World { register: w.register.clone(), entries: w.entries.clone(), ..World::new("US") };
    let delta = w.ok(mv("res", "lead.syd", resolve("c", Conclusion::AdjustToCount)));
    assert_eq!(delta.postings[0].from, Account::Flow(Flow::Found));
    assert_eq!(w.at("store-syd", "lot-a", None), 22);
    let delta = w2.ok(mv("res", "lead.syd", resolve("c", Conclusion::RecordsCorrect)));
    assert!(delta.postings.is_empty());
    assert_eq!(w2.at("store-syd", "lot-a", None), 20);
}

#[test]
fn resolve_refusals() {
    let mut w = stocked("US");
    assert_eq!(
        w.refused(mv("res", "lead.syd", resolve("nope", Conclusion::AdjustToCount))),
        [fr("discrepancy_id", "exists")]
    );
    w.ok(mv("c", "ph.syd", count("store-syd", "lot-a", None, 19)));
    let unsigned = Detail::ResolveDiscrepancy {
        discrepancy_id: "c".into(),
        conclusion: Conclusion::AdjustToCount,
        signed_by: "".into(),
    };
    assert_eq!(w.refused(mv("res", "lead.syd", unsigned)), [fr("signed_by", "required")]);
}

// ---- quarantine ---------------------------------------------------------------------------

#[test]
fn quarantine_and_release() {
    let mut w = stocked("US");
    let q = || quarantine("lot-a", QuarantineCause::TemperatureExcursion, "store-syd");
    w.ok(mv("q", "ph.syd", q()));
    assert_eq!(w.refused(mv("q2", "ph.syd", q())), [fr("lot_id", "already_quarantined")]);
    // Counted while quarantined.
    w.ok(mv("c", "ph.syd", count("store-syd", "lot-a", None, 20)));
    w.ok(mv("rel", "ph.syd", Detail::Release { lot_id: "lot-a".into() }));
    assert_eq!(
        w.refused(mv("rel2", "ph.syd", Detail::Release { lot_id: "lot-a".into() })),
        [fr("lot_id", "not_quarantined")]
    );
    assert_eq!(
        w.refused(mv("q3", "ph.syd", Detail::Release { lot_id: "lot-z".into() })),
        [fr("lot_id", "exists"), fr("lot_id", "not_quarantined")]
    );
}

#[test]
fn a_temperature_excursion_is_recorded_with_the_facts_an_inspector_asks() {
    let mut w = stocked("US");
    let te = QuarantineCause::TemperatureExcursion;
    let q = |cause: QuarantineCause, excursion: Option<Excursion>| Detail::Quarantine {
        lot_id: "lot-a".into(),
        cause,
        excursion,
    };
    assert_eq!(w.refused(mv("q1", "ph.syd", q(te, None))), [fr("excursion", "required")]);
    let wrong = Excursion {
        location_id: "store-zz".into(),
        observed_at: Timestamp(T0 + 10 * 86_400_000_000),
        min_celsius: 30.0,
        max_celsius: 8.0,
        duration_minutes: 0,
        observed_by: " ".into(),
    };
    assert_eq!(
        w.refused(mv("q2", "ph.syd", q(te, Some(wrong)))),
        [
            fr("excursion.location_id", "exists"),
            fr("excursion.observed_at", "not_after_record"),
            fr("excursion.max_celsius", "not_below_min"),
            fr("excursion.duration_minutes", "positive"),
            fr("excursion.observed_by", "required"),
        ]
    );
    let unreadable = Excursion { min_celsius: f64::NAN, max_celsius: 150.0, ..excursion("store-syd") };
    assert_eq!(
        w.refused(mv("q3", "ph.syd", q(te, Some(unreadable)))),
        [fr("excursion.min_celsius", "range"), fr("excursion.max_celsius", "range")]
    );
    for cause in [QuarantineCause::Recall, QuarantineCause::Other] {
        assert_eq!(
            w.refused(mv("q4", "ph.syd", q(cause, Some(excursion("store-syd"))))),
            [fr("excursion", "temperature_excursion_only")]
        );
    }
    // Observed up to the moment it is recorded, lasting a minute: accepted, no stock moves.
    let mut m = mv("q5", "ph.syd", q(te, None));
    let just_now = Excursion { observed_at: m.at, duration_minutes: 1, ..excursion("store-syd") };
    m.detail = q(te, Some(just_now.clone()));
    let delta = w.ok(m);
    assert!(delta.postings.is_empty() && delta.balances.is_empty());
    assert_eq!(w.register.quarantined["lot-a"].cause, te);
    assert!(
        matches!(&w.entries.last().unwrap().movement.detail, Detail::Quarantine { excursion: Some(e), .. } if *e == just_now)
    );
    assert_eq!(replay(&w.movements()).unwrap(), w.register);
}

// ---- touches and replay -------------------------------------------------------------------

#[test]
fn a_register_holding_only_what_a_movement_touches_decides_it_the_same() {
    let mut w = stocked("US");
    w.ok(mv("r2", "ph.central", receive("central", "lot-p", 40)));
    w.ok(mv("dose-1", "ph.syd", dispense("store-syd", "lot-a", None, 2, "apt-1", 187.5)));
    w.ok(mv("c", "ph.syd", count("store-syd", "lot-a", None, 15)));
    let next = [
        mv("dose-2", "ph.syd", dispense("store-syd", "lot-a", None, 1, "apt-1", 187.5)),
        mv("dose-3", "ph.syd", dispense("store-syd", "lot-a", None, 2, "apt-1", 187.5)),
        mv("adm", "dr.lee", administer("dose-1", 2, Qualification::Nurse)),
        mv("res", "lead.syd", resolve("c", Conclusion::RecordsCorrect)),
        mv("d", "ph.central", dispatch("shp-1", "central", "store-syd", "lot-a", None, 1)),
        mv("d", "ph.central", dispatch("shp-9", "central", "store-bos", "lot-p", None, 5)),
    ];
    for m in next {
        let t = touches(&w.register, &m);
        let partial = w.register.restricted_to(&t);
        assert!(partial.balances.len() < w.register.balances.len());
        assert_eq!(apply(&partial, &m, &w.ctx()), w.try_apply(&m), "{}", m.id);
    }
}

#[test]
fn replay_rebuilds_the_register_and_refuses_an_impossible_history() {
    let mut w = stocked("US");
    w.ok(mv("dose-1", "ph.syd", dispense("store-syd", "lot-a", None, 2, "apt-1", 187.5)));
    w.ok(mv("c", "ph.syd", count("store-syd", "lot-a", None, 15)));
    assert_eq!(replay(&w.movements()).unwrap(), w.register);
    let mut bad = w.movements();
    bad.swap(0, 1);
    let e = replay(&bad).unwrap_err();
    assert_eq!((e.index, e.movement_id.as_str()), (0, "dsp-1"));
    assert_eq!(e.violations[0].rule, "insufficient_stock");
}
