#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The inspector's reports over a small programme, and their totals against the register (the
//! biennial inventory also against a replay up to its moment).

mod common;

use std::collections::{BTreeMap, BTreeSet};

use catalyst_core::time::{TimeZoneName, Timestamp};
use catalyst_pharmacy::*;
use common::*;

const MDMA: &str = "MDMA hydrochloride";

fn resolve(id: &str, conclusion: Conclusion) -> Detail {
    Detail::ResolveDiscrepancy { discrepancy_id: id.into(), conclusion, signed_by: "lead.bos".into() }
}

/// Central receives 100 units of lot A and 30 of placebo, supplies Sydney (20) and Boston
/// (10, one short on arrival, written off); Sydney dispenses three doses, one partly returned and
/// one partly wasted, and finds a theft; central destroys 31 units and returns 4.
fn programme() -> World {
    let mut w = stocked("US");
    w.ok(mv("rcv-2", "ph.central", receive("central", "lot-p", 30)));
    w.ok(mv("dsp-2", "ph.central", dispatch("shp-2", "central", "store-bos", "lot-a", None, 10)));
    w.ok(mv("rtr-2", "ph.bos", receive_transfer("shp-2", "lot-a", None, 9)));
    w.ok(mv("res-2", "lead.bos", resolve("rtr-2", Conclusion::AdjustToCount)));
    w.ok(mv("dose-1", "ph.syd", dispense("store-syd", "lot-a", None, 2, "apt-1", 187.5)));
    w.ok(mv("adm-1", "dr.lee", administer("dose-1", 2, Qualification::MedicalPractitioner)));
    w.ok(mv("dose-2", "ph.syd", dispense("store-syd", "lot-a", None, 3, "apt-2", 187.5)));
    w.ok(mv("adm-2", "dr.lee", administer("dose-2", 2, Qualification::MedicalPractitioner)));
    w.ok(mv(
        "ret-2",
        "ph.syd",
        Detail::ReturnUnused { dispense_id: "dose-2".into(), to_location_id: "store-syd".into(), units: 1, mg: None },
    ));
    w.ok(mv("dose-3", "ph.syd", dispense("store-syd", "lot-a", None, 2, "apt-3", 187.5)));
    w.ok(mv("adm-3", "dr.lee", administer("dose-3", 1, Qualification::MedicalPractitioner)));
    w.ok(mv(
        "wst-3",
        "dr.lee",
        Detail::Waste {
            dispense_id: "dose-3".into(),
            units: 1,
            mg: None,
            witnesses: witnesses(&["nurse.kim", "ph.syd"]),
        },
    ));
    w.ok(mv(
        "los-1",
        "ph.syd",
        Detail::LossOrTheft {
            location_id: "store-syd".into(),
            lot_id: "lot-a".into(),
            kit_number: None,
            units: 1,
            mg: None,
            discovered_at: Timestamp(T0),
            discovered_by: "ph.syd".into(),
            theft: true,
        },
    ));
    w.ok(mv("dst-1", "ph.central", destroy("central", "lot-a", 31, &["w1", "w2"])));
    w.ok(mv(
        "rts-1",
        "ph.central",
        Detail::ReturnToSupplier {
            location_id: "central".into(),
            lot_id: "lot-a".into(),
            kit_number: None,
            units: 4,
            mg: None,
            recipient: party("Reverse Distributors Inc", Some("RR0099999")),
            order_form: Some("231904999".into()),
        },
    ));
    w.ok(mv("cnt-1", "ph.syd", count("store-syd", "lot-a", None, 13)));
    w
}

struct Fixture {
    zone: TimeZoneName,
    names: BTreeMap<String, String>,
    registrants: BTreeMap<String, Party>,
}

fn fixture() -> Fixture {
    let names = [
        ("ph.syd", "=Pat Syd"),
        ("ph.central", "Chris Central"),
        ("w1", "Wren One"),
        ("w2", "Wynn Two"),
        ("SYD-0006", "code SYD-0006"),
    ]
    .into_iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect();
    let registrants = [
        ("central", party("Catalyst Central Pharmacy", Some("RC1234567"))),
        ("store-syd", party("Sydney Clinic", Some("RS7654321"))),
    ]
    .into_iter()
    .map(|(a, b)| (a.to_string(), b))
    .collect();
    Fixture { zone: TimeZoneName::parse("zone", "Australia/Sydney").unwrap(), names, registrants }
}

fn rc<'a>(w: &'a World, f: &'a Fixture) -> ReportContext<'a> {
    ReportContext { catalogue: &w.catalogue, zone: &f.zone, names: &f.names, registrants: &f.registrants }
}

fn set(ids: &[&str]) -> BTreeSet<String> {
    ids.iter().map(|s| s.to_string()).collect()
}

#[test]
fn the_dispensing_record_totals_equal_the_registers_balances() {
    let w = programme();
    let f = fixture();
    for locations in
        [set(&["store-syd"]), set(&["central"]), set(&["store-bos"]), set(&["central", "store-syd", "store-bos"])]
    {
        let r = dispensing_record(&w.entries, &rc(&w, &f), MDMA, &locations);
        let t = r.totals;
        assert_eq!(t.on_hand_units, on_hand_units(&w.register, &w.catalogue, MDMA, &locations), "{locations:?}");
        assert_eq!(t.received_units, r.receipts.iter().map(|x| x.units).sum::<i64>());
        assert_eq!(t.dispensed_units, r.dispensed.iter().map(|x| x.units).sum::<i64>());
        assert_eq!(t.disposed_units, r.other_disposals.iter().map(|x| x.units).sum::<i64>());
        assert!((t.on_hand_mg - t.on_hand_units as f64 * STRENGTH).abs() < 1e-9);
    }
    let syd = dispensing_record(&w.entries, &rc(&w, &f), MDMA, &set(&["store-syd"]));
    assert_eq!(
        (syd.totals.received_units, syd.totals.dispensed_units, syd.totals.disposed_units, syd.totals.on_hand_units),
        (21, 7, 1, 13)
    );
    assert_eq!(syd.registrant.as_ref().unwrap().name, "Sydney Clinic");
}

#[test]
fn the_dispensing_record_has_the_layout_of_21_cfr_1304_22_c() {
    let w = programme();
    let f = fixture();
    let central = dispensing_record(&w.entries, &rc(&w, &f), MDMA, &set(&["central"]));
    // Receipts with the supplier's name, address and registration number, and the order.
    let r = &central.receipts[0];
    assert_eq!((r.movement_id.as_str(), r.units, r.lot_number.as_str()), ("rcv-1", 100, "B2291"));
    assert_eq!((r.from_name.as_str(), r.from_registration.as_str()), ("Onyx Pharma", "RO0412345"));
    assert!(r.from_address.contains("Industrial Way"));
    assert!(r.manner.contains("dea_form_222 231904417, line 1"), "{}", r.manner);
    assert!(r.date.starts_with("2026-05-29"), "{}", r.date);
    // Other disposals with date, manner and quantity.
    let manners: Vec<(&str, i64)> = central.other_disposals.iter().map(|d| (d.manner.as_str(), d.units)).collect();
    assert!(manners.iter().any(|(m, u)| m.starts_with("transferred to Sydney store") && *u == 20), "{manners:?}");
    assert!(manners.iter().any(|(m, u)| m.contains("destroyed by chemical digestion")
        && m.contains("Wren One and Wynn Two")
        && *u == 31));
    assert!(
        manners
            .iter()
            .any(|(m, u)| m.contains("returned to Reverse Distributors Inc (RR0099999, order form 231904999)")
                && *u == 4)
    );
    assert_eq!(central.products.len(), 1, "the placebo is another substance");
    assert_eq!(central.products[0].containers, ["lot B2291: 30 units per container"]);

    let syd = dispensing_record(&w.entries, &rc(&w, &f), MDMA, &set(&["store-syd"]));
    // Receipts from the central pharmacy name its registration.
    assert_eq!(
        (syd.receipts[0].from_name.as_str(), syd.receipts[0].from_registration.as_str()),
        ("Catalyst Central Pharmacy", "RC1234567")
    );
    assert!(syd.receipts.iter().any(|r| r.manner == "returned unused from dose dose-2" && r.units == 1));
    // Units dispensed with the recipient, date and dispenser.
    let d = &syd.dispensed[1];
    assert_eq!(
        (d.movement_id.as_str(), d.units, d.recipient.as_str(), d.dispenser.as_str()),
        ("dose-2", 3, "code SYD-0006", "=Pat Syd"),
        "the recipient is printed by the name the caller gives (the participant's code)"
    );
    assert!(syd.other_disposals.iter().any(|d| d.manner.starts_with("theft discovered") && d.units == 1));
    let bos = dispensing_record(&w.entries, &rc(&w, &f), MDMA, &set(&["store-bos"]));
    assert_eq!(bos.receipts[0].units, 9);

    let csv = dispensing_record_csv(&syd);
    assert!(csv.starts_with("substance,MDMA hydrochloride\nregistrant,Sydney Clinic,"));
    assert!(csv.contains("section,date,movement,location,lot_number,kit,units,mg"));
    assert!(csv.contains(",'=Pat Syd\n"), "a name a spreadsheet would run is neutralised:\n{csv}");
    assert!(csv.contains("total,,,,,,13,812.5,,,,on_hand,"), "{csv}");
    assert!(!csv.contains("P7710"));
}

#[test]
fn perpetual_inventory_cards_close_on_the_registers_balances() {
    let w = programme();
    let f = fixture();
    let cards = perpetual_inventory(&w.entries, &rc(&w, &f));
    let keys: Vec<(&str, &str)> = cards.iter().map(|c| (c.location_id.as_str(), c.lot_id.as_str())).collect();
    assert_eq!(keys, [("central", "lot-a"), ("central", "lot-p"), ("store-bos", "lot-a"), ("store-syd", "lot-a")]);
    for c in &cards {
        assert_eq!(c.closing_units, w.register.units_of_lot(&Holding::Location(c.location_id.clone()), &c.lot_id));
        assert_eq!(c.lines.last().unwrap().balance, c.closing_units);
        assert!(c.lines.iter().all(|l| l.balance >= 0));
    }
    let syd = &cards[3];
    assert!(syd.lines.iter().any(|l| l.kind == "count" && l.detail == "exact count: 13 units, as on the register"));
    let csv = perpetual_inventory_csv(&cards, &rc(&w, &f));
    assert!(
        csv.starts_with("location,lot_number,product,date,movement,kind,actor,kit,detail,units_in,units_out,balance\n")
    );
    assert!(csv.contains("Central pharmacy,B2291,MDMA HCl 62.5 mg capsule,"));
}

#[test]
fn a_count_that_differs_shows_on_the_card() {
    let mut w = stocked("US");
    w.ok(mv("c", "ph.syd", count("store-syd", "lot-a", None, 18)));
    let f = fixture();
    let cards = perpetual_inventory(&w.entries, &rc(&w, &f));
    let line = cards.iter().find(|c| c.location_id == "store-syd").unwrap().lines.last().unwrap().clone();
    assert_eq!((line.units_out, line.balance), (2, 18));
    assert_eq!(
        line.detail,
        "exact count: 18 units against 20 on the register: discrepancy c opened; \
         missing at count, under investigation (discrepancy c)"
    );
    // A surplus moves nothing but is shown against the register.
    w.ok(mv("c2", "ph.syd", count("store-syd", "lot-a", None, 19)));
    let cards = perpetual_inventory(&w.entries, &rc(&w, &f));
    let line = cards.iter().find(|c| c.location_id == "store-syd").unwrap().lines.last().unwrap().clone();
    assert_eq!((line.units_in, line.units_out, line.balance), (0, 0, 18));
    assert_eq!(line.detail, "exact count: 19 units against 18 on the register: discrepancy c2 opened");
}

#[test]
fn the_chain_of_custody_of_a_dose_reaches_its_receipt() {
    let w = programme();
    let f = fixture();
    let c = chain_of_custody(&w.entries, "dose-2").unwrap();
    assert!(c.complete);
    assert_eq!(c.receipts, ["rcv-1"]);
    let ids: Vec<(&str, Leg)> = c.steps.iter().map(|s| (s.movement_id.as_str(), s.leg)).collect();
    assert_eq!(
        ids,
        [
            ("rcv-1", Leg::Before),
            ("dsp-1", Leg::Before),
            ("rtr-1", Leg::Before),
            ("dose-2", Leg::Dispense),
            ("adm-2", Leg::After),
            ("ret-2", Leg::After)
        ]
    );
    // A later dose may hold units returned from an earlier one: that path is followed too.
    let c3 = chain_of_custody(&w.entries, "dose-3").unwrap();
    assert!(c3.complete);
    assert!(c3.steps.iter().any(|s| s.movement_id == "ret-2"));
    assert!(c3.steps.iter().any(|s| s.movement_id == "wst-3" && s.leg == Leg::After));
    assert!(chain_of_custody(&w.entries, "adm-1").is_none());
    let csv = custody_csv(&c, &rc(&w, &f));
    assert!(csv.starts_with("leg,date,movement,kind,actor,lot_number,kit,from,to,units\nbefore,"));
    assert!(csv.contains(",received,location Central pharmacy,100\n"), "{csv}");
}

#[test]
fn the_count_sheet_lists_what_the_register_holds() {
    let mut w = programme();
    w.ok(mv("q", "ph.central", quarantine("lot-p", QuarantineCause::Recall, "central")));
    let sheet = count_sheet(&w.register, &w.catalogue, "central", true);
    assert_eq!(sheet.location_name, "Central pharmacy");
    let rows: Vec<(&str, Option<i64>, bool)> =
        sheet.rows.iter().map(|r| (r.lot_number.as_str(), r.expected_units, r.quarantined)).collect();
    assert_eq!(rows, [("B2291", Some(35), false), ("P7710", Some(30), true)]);
    let blind = count_sheet(&w.register, &w.catalogue, "central", false);
    assert!(blind.rows.iter().all(|r| r.expected_units.is_none()));
    let csv = count_sheet_csv(&sheet);
    assert!(
        csv.contains(
            "Central pharmacy,MDMA HCl 62.5 mg capsule,MDMA hydrochloride,capsule,62.5,B2291,2027-06-30,,no,35,,\n"
        ),
        "{csv}"
    );
}

#[test]
fn the_destruction_record_has_the_form_41_fields() {
    let mut w = programme();
    w.ok(mv("rk", "ph.central", receive_kit("central", "lot-a", "K-4821")));
    let mut k = destroy("central", "lot-a", 2, &["w1", "w2"]);
    if let Detail::Destroy { kit_number, method, .. } = &mut k {
        *kit_number = Some("K-4821".into());
        *method = "+incineration".into();
    }
    w.ok(mv("dst-2", "ph.central", k));
    let f = fixture();
    let r = destruction_record(&w.entries, &rc(&w, &f), &set(&["central"]));
    assert_eq!(r.registrant.as_ref().unwrap().registration_number.as_deref(), Some("RC1234567"));
    assert_eq!(r.items.len(), 2);
    assert_eq!(r.total_units, 33);
    let i = &r.items[0];
    assert_eq!(
        (i.code.as_str(), i.name.as_str(), i.form.as_str(), i.batch.as_str()),
        ("mdma-625", "MDMA HCl 62.5 mg capsule", "capsule", "B2291")
    );
    assert_eq!(
        (i.package_quantity, i.full_packages, i.partial_count, i.total_destroyed_units),
        (Some(30), Some(1), 1, 31)
    );
    assert_eq!(i.total_destroyed_mg, 31.0 * STRENGTH);
    assert_eq!(
        (i.method.as_str(), i.place.as_str()),
        ("chemical digestion (Rx Destroyer)", "Central pharmacy, room 2")
    );
    assert_eq!(i.witnesses.iter().map(|w| w.name.as_str()).collect::<Vec<_>>(), ["Wren One", "Wynn Two"]);
    let kit = &r.items[1];
    assert_eq!((kit.package_quantity, kit.full_packages, kit.partial_count), (Some(2), Some(1), 0));
    assert!(destruction_record(&w.entries, &rc(&w, &f), &set(&["store-syd"])).items.is_empty());
    let csv = destruction_record_csv(&r);
    assert!(csv.starts_with("registrant,registration_number,address,date,movement,code,name,strength_mg,form,batch,kit,package_quantity,full_packages,partial_count,total_destroyed_units,total_destroyed_mg,method,place,reason,recorded_by,witness_1,witness_2,more_witnesses\n"));
    assert!(csv.contains(",30,1,1,31,1937.5,chemical digestion (Rx Destroyer),\"Central pharmacy, room 2\",as recorded,Chris Central,Wren One,Wynn Two,\n"), "{csv}");
    assert!(csv.contains(",'+incineration,"), "{csv}");
}

#[test]
fn flow_totals_and_holdings_conserve_every_unit() {
    let w = programme();
    let flows = flow_totals(&w.entries);
    let a = &flows["lot-a"];
    let get = |f: Flow| a.get(&f).copied().unwrap_or(0);
    assert_eq!(get(Flow::Received), 100);
    assert_eq!((get(Flow::Administered), get(Flow::Wasted), get(Flow::Lost), get(Flow::WrittenOff)), (5, 1, 1, 1));
    assert_eq!((get(Flow::Destroyed), get(Flow::ReturnedToSupplier)), (31, 4));
    let held: i64 = w.register.balances.iter().filter(|(k, _)| k.stock.lot_id == "lot-a").map(|(_, u)| *u).sum();
    let out: i64 = Flow::ALL.iter().filter(|f| !f.is_source()).map(|f| get(*f)).sum();
    assert_eq!(get(Flow::Received) + get(Flow::Found), held + out);
}

#[test]
fn the_biennial_inventory_counts_each_lot_as_of_the_opening_or_the_close_of_business() {
    let mut w = programme();
    let f = fixture();
    let at_close = w.register.clone();
    // The next day in Sydney, 5 units leave central for Boston: in transit at that close.
    let mut next = mv("dsp-9", "ph.central", dispatch("shp-9", "central", "store-bos", "lot-a", None, 5));
    next.at = Timestamp(T0 + 86_400_000_000);
    w.ok(next);
    let all = set(&["central", "store-syd", "store-bos"]);
    let us = rules("US");
    let inventory =
        |day: &str, taken_at: TakenAt| biennial_inventory(&w.entries, &rc(&w, &f), &all, d(day), taken_at, &us);
    // Everything so far was recorded on 29 May (Sydney): nothing at its opening, all at its close.
    let opening = inventory("2026-05-29", TakenAt::Opening);
    assert!(opening.rows.is_empty() && opening.in_transit.is_empty() && opening.on_hand_units == 0);
    let close = inventory("2026-05-29", TakenAt::Close);
    assert_eq!(close.cutoff, Timestamp(1_780_063_200_000_000), "2026-05-30T00:00 Australia/Sydney");
    assert_eq!(close.taken_at, TakenAt::Close);
    let located = |r: &Register| -> i64 {
        r.balances.iter().filter(|(k, _)| matches!(k.holding, Holding::Location(_))).map(|(_, u)| *u).sum()
    };
    assert_eq!(close.on_hand_units, located(&at_close));
    for row in &close.rows {
        assert_eq!(row.units, at_close.units_of_lot(&Holding::Location(row.location_id.clone()), &row.lot_id));
    }
    // Lot, units, units per container, full containers, partial count, mg.
    type Line<'a> = (&'a str, i64, Option<i64>, Option<i64>, i64, f64);
    let central: Vec<Line> = close
        .rows
        .iter()
        .filter(|r| r.location_id == "central")
        .map(|r| (r.lot_number.as_str(), r.units, r.units_per_container, r.full_containers, r.partial_count, r.mg))
        .collect();
    assert_eq!(central, [("B2291", 35, Some(30), Some(1), 5, 2187.5), ("P7710", 30, Some(30), Some(1), 0, 0.0)]);
    let row = &close.rows[0];
    assert_eq!(
        (row.substance.as_str(), row.product.as_str(), row.form.as_str(), row.strength_mg),
        (MDMA, "MDMA HCl 62.5 mg capsule", "capsule", STRENGTH)
    );
    assert!(close.in_transit.is_empty());
    // The next close: the dispatch is in transit, shown apart, and the totals are a replay's.
    let later = inventory("2026-05-30", TakenAt::Close);
    let transit: Vec<(&str, &str, &str, i64)> = later
        .in_transit
        .iter()
        .map(|t| (t.shipment_id.as_str(), t.from_name.as_str(), t.to_name.as_str(), t.units))
        .collect();
    assert_eq!(transit, [("shp-9", "Central pharmacy", "Boston store", 5)]);
    assert_eq!((later.on_hand_units, later.in_transit_units), (close.on_hand_units - 5, 5));
    let before: Vec<Movement> =
        w.entries.iter().filter(|e| e.movement.at < later.cutoff).map(|e| e.movement.clone()).collect();
    assert_eq!(replay(&before).unwrap(), w.register);
    assert_eq!(later.on_hand_units, located(&w.register));
    // The next is due within the jurisdiction's interval (US: 24 months, 21 CFR 1304.11).
    assert_eq!((close.count_interval_months, close.next_due), (24, Some(d("2028-05-29"))));
    assert!(close.count_interval_source.contains("1304.11"), "{}", close.count_interval_source);
    // One registrant's locations only.
    let mine = biennial_inventory(&w.entries, &rc(&w, &f), &set(&["store-syd"]), d("2026-05-29"), TakenAt::Close, &us);
    assert_eq!(mine.registrant.as_ref().map(|p| p.name.as_str()), Some("Sydney Clinic"));
    assert_eq!((mine.rows.len(), mine.on_hand_units), (1, 13));
    let csv = biennial_inventory_csv(&close);
    assert!(csv.starts_with("registrant,Catalyst Central Pharmacy,"), "{csv}");
    assert!(csv.contains("inventory,2026-05-29,close of business\nnext_due,2028-05-29,every 24 months,"), "{csv}");
    assert!(
        csv.contains("on_hand,Central pharmacy,,B2291,MDMA hydrochloride,MDMA HCl 62.5 mg capsule,capsule,62.5,2027-06-30,no,35,30,1,5,2187.5\n"),
        "{csv}"
    );
    assert!(csv.contains(&format!("total,on_hand,,,,,,,,,{},,,,", close.on_hand_units)), "{csv}");
}

#[test]
fn the_temperature_excursions_report_says_what_became_of_each_lot() {
    let mut w = programme();
    let f = fixture();
    let te = QuarantineCause::TemperatureExcursion;
    w.ok(mv("rcv-old", "ph.central", receive("central", "lot-old", 10)));
    w.ok(mv("q-a", "ph.central", quarantine("lot-a", te, "central")));
    w.ok(mv("dst-a", "ph.central", destroy("central", "lot-a", 5, &["w1", "w2"])));
    w.ok(mv("rel-a", "ph.central", Detail::Release { lot_id: "lot-a".into() }));
    w.ok(mv("q-p", "ph.central", quarantine("lot-p", te, "central")));
    w.ok(mv("dst-p", "ph.central", destroy("central", "lot-p", 30, &["w1", "w2"])));
    w.ok(mv("q-old", "ph.central", quarantine("lot-old", te, "central")));
    w.ok(mv("q-r", "ph.central", quarantine("lot-noreg", QuarantineCause::Recall, "central")));
    let lines = temperature_excursions(&w.entries, &rc(&w, &f), &set(&["central"]));
    let got: Vec<(&str, &str, i64, ExcursionOutcome, i64, i64)> = lines
        .iter()
        .map(|l| {
            (
                l.movement_id.as_str(),
                l.lot_number.as_str(),
                l.units_at_location,
                l.outcome,
                l.destroyed_units,
                l.units_remaining,
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("q-a", "B2291", 35, ExcursionOutcome::Released, 5, 30 + 13 + 9),
            ("q-p", "P7710", 30, ExcursionOutcome::Destroyed, 30, 0),
            ("q-old", "B1104", 10, ExcursionOutcome::StillQuarantined, 0, 10),
        ]
    );
    let a = &lines[0];
    assert_eq!(
        (a.min_celsius, a.max_celsius, a.duration_minutes, a.location_name.as_str()),
        (24.0, 31.5, 95, "Central pharmacy")
    );
    assert_eq!((a.released_by.as_deref(), a.recorded_by.as_str()), (Some("Chris Central"), "Chris Central"));
    assert_eq!(a.observed, "2026-05-29 06:26 AEST");
    assert!(temperature_excursions(&w.entries, &rc(&w, &f), &set(&["store-syd"])).is_empty());
    let csv = temperature_excursions_csv(&lines, &rc(&w, &f));
    assert!(csv.starts_with("location,observed,min_celsius,max_celsius,duration_minutes,observed_by,"), "{csv}");
    assert!(csv.contains(",P7710,Matching placebo capsule,30,destroyed,"), "{csv}");
    assert_eq!(csv.lines().count(), 4);
}
