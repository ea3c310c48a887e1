//! The pharmacy over the API and pages: stock never overdrawn by concurrent dispenses or
//! transfers, bad input refused by field and rule with nothing changed, blinded roles never
//! learning a kit's content, `audit verify` catching a balance edited in the database, and the
//! demo site's dispensing record agreeing with the register.

use crate::support::{PASSWORD, TestApp};
use serde_json::{Value, json};

fn rules(problem: &Value) -> Vec<(String, String)> {
    problem["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .map(|e| {
                    (
                        e["field"].as_str().unwrap_or_default().to_owned(),
                        e["rule"].as_str().unwrap_or_default().to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The site's central pharmacy (if any) and its store, from the demo.
async fn stores(t: &TestApp, token: &str, site: &str) -> (Option<String>, String) {
    let (status, list) = t.get(token, &format!("/api/v1/sites/{site}/pharmacy/locations")).await;
    assert_eq!(status, 200, "{list}");
    let of = |kind: &str| {
        list.as_array().unwrap().iter().find(|l| l["kind"] == kind).map(|l| l["id"].as_str().unwrap().to_owned())
    };
    (of("central_pharmacy"), of("site_store").unwrap())
}

/// The demo's active 20 mg product.
async fn product(t: &TestApp, token: &str, site: &str) -> String {
    let (status, catalogue) = t.get(token, &format!("/api/v1/sites/{site}/pharmacy/catalogue")).await;
    assert_eq!(status, 200, "{catalogue}");
    let p =
        catalogue["products"].as_array().unwrap().iter().find(|p| p["placebo"] == 0 || p["placebo"] == false).unwrap();
    p["id"].as_str().unwrap().to_owned()
}

async fn new_lot(t: &TestApp, token: &str, site: &str, product_id: &str, number: &str, expires_on: &str) -> String {
    let body = json!({"product_id": product_id, "lot_number": number, "expires_on": expires_on,
        "storage_conditions": "below 25 °C", "supplier_name": "Test Supplier", "supplier_address": "1 Test Road, Sydney",
        "supplier_registration": "REG-1"});
    let (status, lot) = t.post(token, &format!("/api/v1/sites/{site}/pharmacy/lots"), body).await;
    assert_eq!(status, 201, "{lot}");
    lot["id"].as_str().unwrap().to_owned()
}

fn movement(reason: &str, movement: Value) -> Value {
    json!({"reason": reason, "movement": movement})
}

async fn record(t: &TestApp, token: &str, body: Value) -> (u16, Value) {
    t.post(token, "/api/v1/pharmacy/movements", body).await
}

async fn ok(t: &TestApp, token: &str, body: Value) -> Value {
    let (status, answer) = record(t, token, body.clone()).await;
    assert_eq!(status, 201, "{body} -> {answer}");
    answer
}

/// Receives `units` of a lot into the central pharmacy and transfers them to the store.
async fn stock_store(t: &TestApp, token: &str, lot: &str, central: &str, store: &str, units: i64) {
    ok(
        t,
        token,
        movement(
            "stock for the test",
            json!({"kind": "receive", "location_id": central, "lot_id": lot, "units": units}),
        ),
    )
    .await;
    let sent = ok(
        t,
        token,
        movement(
            "resupply",
            json!({"kind": "dispatch", "from_location_id": central, "to_location_id": store, "lot_id": lot, "units": units}),
        ),
    )
    .await;
    let shipment = sent["entry"]["movement"]["detail"]["shipment_id"].as_str().unwrap().to_owned();
    ok(
        t,
        token,
        movement(
            "received",
            json!({"kind": "receive_transfer", "shipment_id": shipment, "lot_id": lot, "units": units}),
        ),
    )
    .await;
}

async fn units_of(t: &TestApp, token: &str, location: &str, lot: &str) -> i64 {
    let (status, lines) = t.get(token, &format!("/api/v1/pharmacy/locations/{location}/balances")).await;
    assert_eq!(status, 200, "{lines}");
    lines.as_array().unwrap().iter().filter(|l| l["lot_id"] == lot).map(|l| l["units"].as_i64().unwrap()).sum()
}

/// The booked experimental appointment of a demo participant that has a prescription.
async fn booked_session(t: &TestApp, code: &str) -> (String, String) {
    let lead = t.token("lead.syd").await;
    let p = t.participant_id(code).await;
    let (status, timeline) = t.get(&lead, &format!("/api/v1/participants/{p}/timeline")).await;
    assert_eq!(status, 200, "{timeline}");
    let visits = timeline["visits"].as_array().or_else(|| timeline.as_array()).unwrap();
    let appointment = visits
        .iter()
        .filter_map(|v| v.get("appointment").filter(|a| !a.is_null()))
        .find(|a| a["visit_kind"] == "experimental" && a["status"] == "booked")
        .unwrap_or_else(|| panic!("{code} has no booked dosing session: {timeline}"));
    (p, appointment["id"].as_str().unwrap().to_owned())
}

/// Moves the server's clock half an hour into a booked session, when its team gives the dose
/// (a dose is given only on its session's day). Sign in again afterwards.
async fn into_session(t: &TestApp, participant: &str, appointment: &str) {
    let lead = t.token("lead.syd").await;
    let (_, timeline) = t.get(&lead, &format!("/api/v1/participants/{participant}/timeline")).await;
    let visits = timeline["visits"].as_array().or_else(|| timeline.as_array()).unwrap();
    let a = visits.iter().filter_map(|v| v.get("appointment")).find(|a| a["id"] == appointment).unwrap();
    let starts = match &a["starts_at"] {
        Value::Number(n) => n.as_i64().unwrap(),
        Value::String(s) => s.parse::<jiff::Timestamp>().unwrap().as_microsecond(),
        other => panic!("starts_at {other}"),
    };
    t.move_clock_to(catalyst_core::time::Timestamp::from_micros(starts + 30 * 60 * 1_000_000));
}

/// Units held in stores (not in transit, dispensed or under investigation) in a register view.
fn units_in_stores(register: &Value) -> i64 {
    register["balances"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|b| b["holding"] == "location")
        .map(|b| b["units"].as_i64().unwrap())
        .sum()
}

async fn verify(t: &TestApp) -> Value {
    let (status, report) = t.post(&t.token("monitor").await, "/api/v1/audit/verify", json!({})).await;
    assert_eq!(status, 200, "{report}");
    report
}

#[tokio::test]
async fn twenty_concurrent_dispenses_against_stock_for_ten_dispense_ten() {
    let t = TestApp::spawn().await;
    let syd = t.site_id("SYD").await;
    let ph = t.token("pharmacist.syd").await;
    let (central, store) = stores(&t, &ph, &syd).await;
    let lot = new_lot(&t, &ph, &syd, &product(&t, &ph, &syd).await, "CONC-D-1", "2031-12-31").await;
    stock_store(&t, &ph, &lot, &central.unwrap(), &store, 10).await;
    // Two booked sessions with prescriptions: 120 mg (6 units) and 180 mg (9 units) allowed.
    let sessions = [booked_session(&t, "SYD-0005").await, booked_session(&t, "SYD-0006").await];
    let mut tasks = Vec::new();
    for i in 0..20 {
        let (participant, appointment) = sessions[i % 2].clone();
        let body = movement(
            "dose for the session",
            json!({"kind": "dispense", "location_id": store, "lot_id": lot, "units": 1, "mg": 20,
                "participant_id": participant, "appointment_id": appointment}),
        );
        let (http, url, token) = (t.http.clone(), t.url("/api/v1/pharmacy/movements"), ph.clone());
        tasks.push(tokio::spawn(async move {
            let r = http.post(url).bearer_auth(token).json(&body).send().await.unwrap();
            let status = r.status().as_u16();
            (status, r.json::<Value>().await.unwrap_or(Value::Null))
        }));
    }
    let mut accepted = 0;
    for task in tasks {
        let (status, answer) = task.await.unwrap();
        match status {
            201 => accepted += 1,
            422 => {
                let rule = rules(&answer);
                assert!(
                    rule.iter().all(|(f, r)| f == "units" && (r == "insufficient_stock" || r == "dose_limit")),
                    "{answer}"
                );
            }
            other => panic!("unexpected {other}: {answer}"),
        }
    }
    assert_eq!(accepted, 10, "exactly the stock is dispensed");
    assert_eq!(units_of(&t, &ph, &store, &lot).await, 0);
    let report = verify(&t).await;
    assert_eq!(report["ok"], true, "{report}");
}

/// The active prescription of a demo participant's session, and the visit.
async fn session_prescription(t: &TestApp, participant: &str, appointment: &str) -> (String, String) {
    let lead = t.token("lead.syd").await;
    let (_, timeline) = t.get(&lead, &format!("/api/v1/participants/{participant}/timeline")).await;
    let visits = timeline["visits"].as_array().or_else(|| timeline.as_array()).unwrap();
    let visit = visits
        .iter()
        .filter_map(|v| v.get("appointment"))
        .find(|a| a["id"] == appointment)
        .and_then(|a| a["visit_id"].as_str())
        .unwrap_or_else(|| panic!("no appointment {appointment}: {timeline}"))
        .to_owned();
    let (_, all) = t.get(&lead, &format!("/api/v1/participants/{participant}/prescriptions")).await;
    let rx = all
        .as_array()
        .unwrap()
        .iter()
        .find(|rx| {
            rx["status"] == "active" && rx["plan"]["doses"].as_array().unwrap().iter().any(|d| d["visit_id"] == visit)
        })
        .unwrap_or_else(|| panic!("no prescription of {visit}: {all}"));
    (rx["id"].as_str().unwrap().to_owned(), visit)
}

#[tokio::test]
async fn a_physicians_signed_decision_raises_a_sessions_limit_and_dispensing_is_held_to_it() {
    let t = TestApp::spawn().await;
    let syd = t.site_id("SYD").await;
    let ph = t.token("pharmacist.syd").await;
    let (central, store) = stores(&t, &ph, &syd).await;
    let lot = new_lot(&t, &ph, &syd, &product(&t, &ph, &syd).await, "DEC-1", "2031-12-31").await;
    stock_store(&t, &ph, &lot, &central.unwrap(), &store, 20).await;
    let (participant, appointment) = booked_session(&t, "SYD-0005").await;
    let (rx, visit) = session_prescription(&t, &participant, &appointment).await;
    let dispense = |units: i64| {
        movement(
            "dose for the session",
            json!({"kind": "dispense", "location_id": store, "lot_id": lot, "units": units,
                "participant_id": participant, "appointment_id": appointment}),
        )
    };
    // 120 mg prescribed (80 + 40): seven 20 mg units are refused.
    let (status, refused) = record(&t, &ph, dispense(7)).await;
    assert_eq!((status, rules(&refused)), (422, vec![("units".into(), "dose_limit".into())]), "{refused}");

    let path = format!("/api/v1/participants/{participant}/dose-decisions");
    let decision = |mg: f64, password: &str| {
        json!({"prescription_id": rx, "visit_id": visit, "session_mg": mg,
            "reason": "partial response at the initial dose; no contraindication", "password": password})
    };
    // Only a physician decides; the lead (who may prescribe) and the pharmacist may not.
    for who in ["lead.syd", "therapist1.syd", "pharmacist.syd", "physician.bos"] {
        let (status, body) = t.post(&t.token(who).await, &path, decision(140.0, PASSWORD)).await;
        assert_eq!(status, 403, "{who}: {body}");
    }
    let physician = t.token("physician.syd").await;
    for (mg, rule) in [(120.0, "above_current"), (130.0, "whole_units"), (-5.0, "positive")] {
        let (status, body) = t.post(&physician, &path, decision(mg, PASSWORD)).await;
        assert_eq!((status, rules(&body)), (422, vec![("session_mg".into(), rule.into())]), "{mg}: {body}");
    }
    let (status, body) = t.post(&physician, &path, decision(140.0, "wrong password")).await;
    assert_eq!(status, 422, "{body}");
    let (_, listed) = t.get(&physician, &path).await;
    assert_eq!(listed, json!([]), "refusals record nothing");

    let (status, decided) = t.post(&physician, &path, decision(140.0, PASSWORD)).await;
    assert_eq!(status, 201, "{decided}");
    assert_eq!(decided["session_mg"], 140.0);
    let id = decided["id"].as_str().unwrap();
    // 140 mg is above the protocol's 120 mg: not in effect until a second physician confirms.
    assert_eq!((decided["above_protocol"].as_bool(), decided["in_effect"].as_bool()), (Some(true), Some(false)));
    let (status, refused) = record(&t, &ph, dispense(7)).await;
    assert_eq!((status, rules(&refused)), (422, vec![("units".into(), "dose_limit".into())]), "{refused}");
    let confirm = format!("/api/v1/dose-decisions/{id}/confirm");
    let (status, own) = t.post(&physician, &confirm, json!({"password": PASSWORD})).await;
    assert_eq!((status, rules(&own)), (422, vec![("actor".into(), "second_physician".into())]), "{own}");
    let admin = t.token("admin").await;
    let (_, second) = t
        .post(
            &admin,
            "/api/v1/users",
            json!({"username": "physician2.syd", "display_name": "Second Physician", "password": "a long password"}),
        )
        .await;
    let grant = json!({"role": "physician", "site_id": t.site_id("SYD").await});
    assert_eq!(t.post(&admin, &format!("/api/v1/users/{}/roles", second["id"].as_str().unwrap()), grant).await.0, 201);
    let second = t.token_with("physician2.syd", "a long password").await;
    let (status, confirmed) = t.post(&second, &confirm, json!({"password": "a long password"})).await;
    assert_eq!(status, 200, "{confirmed}");
    assert_eq!(confirmed["in_effect"], true);
    let (_, signatures) =
        t.get(&physician, &format!("/api/v1/signatures?entity_kind=dose_decision&entity_id={id}")).await;
    assert_eq!(signatures.as_array().unwrap().len(), 2, "the decision and its confirmation are signed: {signatures}");
    assert_eq!(t.post(&second, &confirm, json!({"password": "a long password"})).await.0, 422, "confirmed once");

    // Seven units (140 mg) are now allowed; an eighth is not.
    let given = ok(&t, &ph, dispense(7)).await;
    assert_eq!(given["entry"]["movement"]["detail"]["override_decision_id"], id, "{given}");
    let (status, refused) = record(&t, &ph, dispense(1)).await;
    assert_eq!((status, rules(&refused)), (422, vec![("units".into(), "dose_limit".into())]), "{refused}");
    let report = verify(&t).await;
    assert_eq!(report["ok"], true, "{report}");
}

#[tokio::test]
async fn twenty_concurrent_transfers_out_of_one_store_holding_ten_move_ten() {
    let t = TestApp::spawn().await;
    let syd = t.site_id("SYD").await;
    let bos = t.site_id("BOS").await;
    let ph = t.token("pharmacist.syd").await;
    let (central, _) = stores(&t, &ph, &syd).await;
    let central = central.unwrap();
    let (_, bos_store) = stores(&t, &t.token("pharmacist.bos").await, &bos).await;
    let lot = new_lot(&t, &ph, &syd, &product(&t, &ph, &syd).await, "CONC-T-1", "2031-12-31").await;
    ok(&t, &ph, movement("stock", json!({"kind": "receive", "location_id": central, "lot_id": lot, "units": 10})))
        .await;
    let mut tasks = Vec::new();
    for _ in 0..20 {
        let body = movement(
            "resupply",
            json!({"kind": "dispatch", "from_location_id": central, "to_location_id": bos_store, "lot_id": lot, "units": 1}),
        );
        let (http, url, token) = (t.http.clone(), t.url("/api/v1/pharmacy/movements"), ph.clone());
        tasks.push(tokio::spawn(async move {
            let r = http.post(url).bearer_auth(token).json(&body).send().await.unwrap();
            let status = r.status().as_u16();
            (status, r.json::<Value>().await.unwrap_or(Value::Null))
        }));
    }
    let mut accepted = 0;
    for task in tasks {
        let (status, answer) = task.await.unwrap();
        match status {
            201 => accepted += 1,
            422 => assert_eq!(rules(&answer), [("units".to_owned(), "insufficient_stock".to_owned())], "{answer}"),
            other => panic!("unexpected {other}: {answer}"),
        }
    }
    assert_eq!(accepted, 10);
    assert_eq!(units_of(&t, &ph, &central, &lot).await, 0);
    let (_, register) = t.get(&ph, &format!("/api/v1/sites/{syd}/pharmacy/register")).await;
    let in_transit: i64 = register["balances"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|b| b["holding"] == "in_transit" && b["lot_id"] == lot)
        .map(|b| b["units"].as_i64().unwrap())
        .sum();
    assert_eq!(in_transit, 10, "every unit that left is in transit");
    let report = verify(&t).await;
    assert_eq!(report["ok"], true, "{report}");
}

#[tokio::test]
async fn bad_input_is_refused_by_field_and_rule_and_changes_nothing() {
    let t = TestApp::spawn().await;
    let syd = t.site_id("SYD").await;
    let ph = t.token("pharmacist.syd").await;
    let (central, store) = stores(&t, &ph, &syd).await;
    let central = central.unwrap();
    let product_id = product(&t, &ph, &syd).await;
    let lot = new_lot(&t, &ph, &syd, &product_id, "BAD-1", "2031-12-31").await;
    stock_store(&t, &ph, &lot, &central, &store, 4).await;
    let expired = new_lot(&t, &ph, &syd, &product_id, "BAD-OLD", "2020-01-31").await;
    ok(
        &t,
        &ph,
        movement(
            "returned stock to be destroyed",
            json!({"kind": "receive", "location_id": central, "lot_id": expired, "units": 3}),
        ),
    )
    .await;
    // A second pharmacist at Sydney who holds no key to the central pharmacy.
    let admin = t.token("admin").await;
    let (status, user) = t
        .post(
            &admin,
            "/api/v1/users",
            json!({"username": "pharmacist2.syd", "display_name": "Second Pharmacist", "password": PASSWORD}),
        )
        .await;
    assert_eq!(status, 201, "{user}");
    let (status, grant) = t
        .post(
            &admin,
            &format!("/api/v1/users/{}/roles", user["id"].as_str().unwrap()),
            json!({"role": "pharmacist", "site_id": syd}),
        )
        .await;
    assert_eq!(status, 201, "{grant}");
    let other = t.token("pharmacist2.syd").await;

    let before = t.get(&ph, &format!("/api/v1/sites/{syd}/pharmacy/register")).await.1;
    let receive = |units: Value, mg: Option<f64>| {
        let mut m = json!({"kind": "receive", "location_id": central, "lot_id": lot, "units": units});
        if let Some(mg) = mg {
            m["mg"] = json!(mg);
        }
        movement("delivery", m)
    };
    let cases: Vec<(&str, String, Value, (&str, &str))> = vec![
        ("zero units", ph.clone(), receive(json!(0), None), ("units", "positive")),
        ("negative units", ph.clone(), receive(json!(-3), None), ("units", "positive")),
        ("mg that disagree with the strength", ph.clone(), receive(json!(2), Some(50.0)), ("mg", "strength")),
        (
            "an expired lot",
            ph.clone(),
            movement(
                "resupply",
                json!({"kind": "dispatch", "from_location_id": central, "to_location_id": store, "lot_id": expired, "units": 1}),
            ),
            ("lot_id", "expired"),
        ),
        (
            "a count of a store the actor holds no key to",
            other.clone(),
            movement("count", json!({"kind": "count", "location_id": central, "lot_id": lot, "units": 0})),
            ("actor", "key_holder"),
        ),
        (
            "the actor as their own witness",
            ph.clone(),
            json!({"reason": "expired", "movement": {"kind": "destroy", "location_id": central, "lot_id": expired, "units": 1,
                "method": "incineration", "place": "Sydney pharmacy"},
                "witnesses": [{"username": "pharmacist.syd", "password": PASSWORD}, {"username": "lead.syd", "password": PASSWORD}]}),
            ("witnesses", "not_the_actor"),
        ),
        (
            "a witness whose password is wrong",
            ph.clone(),
            json!({"reason": "expired", "movement": {"kind": "destroy", "location_id": central, "lot_id": expired, "units": 1,
                "method": "incineration", "place": "Sydney pharmacy"},
                "witnesses": [{"username": "lead.syd", "password": "not the password"}, {"username": "physician.syd", "password": PASSWORD}]}),
            ("witnesses[0]", "credentials"),
        ),
        (
            "too few witnesses",
            ph.clone(),
            json!({"reason": "expired", "movement": {"kind": "destroy", "location_id": central, "lot_id": expired, "units": 1,
                "method": "incineration", "place": "Sydney pharmacy"}, "witnesses": [{"username": "lead.syd", "password": PASSWORD}]}),
            ("witnesses", "witness_count"),
        ),
        (
            "more units than any movement names",
            ph.clone(),
            receive(json!(9_223_372_036_854_775_807_i64), None),
            ("units", "max"),
        ),
        (
            "witnesses on a movement nobody witnesses",
            ph.clone(),
            json!({"reason": "delivery", "movement": {"kind": "receive", "location_id": central, "lot_id": lot, "units": 1},
                "witnesses": [{"username": "lead.syd", "password": PASSWORD}]}),
            ("witnesses", "not_needed"),
        ),
        (
            "a password on a movement nobody signs",
            ph.clone(),
            json!({"reason": "delivery", "movement": {"kind": "receive", "location_id": central, "lot_id": lot, "units": 1},
                "password": PASSWORD}),
            ("password", "not_needed"),
        ),
    ];
    for (what, token, body, (field, rule)) in cases {
        let (status, problem) = record(&t, &token, body).await;
        assert_eq!(status, 422, "{what}: {problem}");
        assert!(rules(&problem).contains(&(field.to_owned(), rule.to_owned())), "{what}: {problem}");
        assert!(problem["errors"].as_array().unwrap().iter().all(|e| !e["message"].as_str().unwrap().is_empty()));
    }
    // An unknown kind or field is named too.
    let (status, problem) = record(&t, &ph, movement("x", json!({"kind": "teleport", "units": 1}))).await;
    assert_eq!((status, problem["errors"][0]["rule"].as_str()), (422, Some("invalid")), "{problem}");
    let (status, problem) = record(
        &t,
        &ph,
        receive(json!(1), None)
            .as_object()
            .cloned()
            .map(|mut b| {
                b.insert("colour".into(), json!("blue"));
                Value::Object(b)
            })
            .unwrap(),
    )
    .await;
    assert_eq!((status, problem["errors"][0]["rule"].as_str()), (422, Some("unknown_field")), "{problem}");

    // The catalogue too: an expiry no capsule has, a lot number again in another case, a second
    // store of the same name.
    let lot_body = |number: &str, expires: &str| {
        json!({"product_id": product_id, "lot_number": number, "expires_on": expires, "storage_conditions": "below 25 °C",
            "supplier_name": "Test Supplier", "supplier_address": "1 Test Road, Sydney", "supplier_registration": "REG-1"})
    };
    for (body, (field, rule)) in [
        (lot_body("NEW-1", "0000-01-01"), ("expires_on", "range")),
        (lot_body("NEW-2", "9999-12-31"), ("expires_on", "range")),
        (lot_body("bad-1", "2030-01-31"), ("lot_number", "unique")),
    ] {
        let (status, problem) = t.post(&ph, &format!("/api/v1/sites/{syd}/pharmacy/lots"), body).await;
        assert_eq!((status, rules(&problem)), (422, vec![(field.to_owned(), rule.to_owned())]), "{problem}");
    }
    let (_, existing) = t.get(&ph, &format!("/api/v1/sites/{syd}/pharmacy/locations")).await;
    let name = existing[0]["name"].as_str().unwrap().to_uppercase();
    let (status, problem) = t
        .post(
            &ph,
            &format!("/api/v1/sites/{syd}/pharmacy/locations"),
            json!({"name": name, "kind": "site_store", "key_holders": ["pharmacist.syd"]}),
        )
        .await;
    assert_eq!((status, rules(&problem)), (422, vec![("name".to_owned(), "unique".to_owned())]), "{problem}");

    let after = t.get(&ph, &format!("/api/v1/sites/{syd}/pharmacy/register")).await.1;
    assert_eq!(before["entries"], after["entries"], "no movement was recorded");
    assert_eq!(before["balances"], after["balances"], "no balance changed");

    // The same destruction, witnessed properly, is recorded with both witnesses' signatures.
    let witnessed = json!({"reason": "expired", "movement": {"kind": "destroy", "location_id": central, "lot_id": expired, "units": 3,
        "method": "incineration", "place": "Sydney pharmacy"},
        "witnesses": [{"username": "lead.syd", "password": PASSWORD}, {"username": "physician.syd", "password": PASSWORD}]});
    let done = ok(&t, &ph, witnessed).await;
    assert_eq!(done["entry"]["movement"]["detail"]["witnesses"].as_array().unwrap().len(), 2);
    let (_, record_csv) = (
        0,
        t.http
            .get(t.url(&format!("/api/v1/sites/{syd}/pharmacy/reports/destruction_record?format=csv")))
            .bearer_auth(&ph)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    );
    assert!(record_csv.contains("incineration") && record_csv.contains("BAD-OLD"), "{record_csv}");
    let report = verify(&t).await;
    assert_eq!(report["ok"], true, "{report}");
}

#[tokio::test]
async fn blinded_roles_never_learn_a_kits_content() {
    let t = TestApp::spawn().await;
    let syd = t.site_id("SYD").await;
    let ph = t.token("pharmacist.syd").await;
    let (central, store) = stores(&t, &ph, &syd).await;
    let central = central.unwrap();
    let active = product(&t, &ph, &syd).await;
    let (status, placebo) = t
        .post(
            &ph,
            &format!("/api/v1/sites/{syd}/pharmacy/products"),
            json!({"name": "Trial placebo capsule", "substance": "placebo",
            "form": "capsule", "strength_mg": 0, "placebo": true, "matches_product_id": active}),
        )
        .await;
    assert_eq!(status, 201, "{placebo}");
    let active_lot = new_lot(&t, &ph, &syd, &active, "VERUM-LOT-77", "2031-12-31").await;
    let placebo_lot = new_lot(&t, &ph, &syd, placebo["id"].as_str().unwrap(), "PBO-LOT-88", "2031-12-31").await;
    let (status, problem) = t
        .post(
            &ph,
            &format!("/api/v1/sites/{syd}/pharmacy/kits"),
            json!({"kit_number": "PBO-LOT-88-1", "lot_id": placebo_lot, "units": 6}),
        )
        .await;
    let refused = vec![("kit_number".to_owned(), "format".to_owned()), ("kit_number".to_owned(), "opaque".to_owned())];
    assert_eq!((status, rules(&problem)), (422, refused), "{problem}");
    for (kit, lot) in [("K-40917", &active_lot), ("K-83302", &placebo_lot)] {
        let (status, body) = t
            .post(
                &ph,
                &format!("/api/v1/sites/{syd}/pharmacy/kits"),
                json!({"kit_number": kit, "lot_id": lot, "units": 6}),
            )
            .await;
        assert_eq!(status, 201, "{body}");
        ok(
            &t,
            &ph,
            movement(
                "kit delivery",
                json!({"kind": "receive", "location_id": central, "lot_id": lot, "kit_number": kit, "units": 6}),
            ),
        )
        .await;
        let sent = ok(
            &t,
            &ph,
            movement("resupply", json!({"kind": "dispatch", "from_location_id": central, "to_location_id": store, "lot_id": lot, "kit_number": kit, "units": 6})),
        )
        .await;
        let shipment = sent["entry"]["movement"]["detail"]["shipment_id"].as_str().unwrap().to_owned();
        ok(&t, &ph, movement("received", json!({"kind": "receive_transfer", "shipment_id": shipment, "lot_id": lot, "kit_number": kit, "units": 6})))
            .await;
    }
    let (participant, appointment) = booked_session(&t, "SYD-0005").await;
    let dispensed = ok(
        &t,
        &ph,
        movement(
            "dose for the session",
            json!({"kind": "dispense", "location_id": store, "lot_id": placebo_lot, "kit_number": "K-83302",
            "units": 6, "participant_id": participant, "appointment_id": appointment}),
        ),
    )
    .await;
    let dose = dispensed["entry"]["movement"]["id"].as_str().unwrap().to_owned();
    // Dispensed ahead, the dose is given only on its session's day.
    let early = movement("given", json!({"kind": "administer", "dispense_id": dose, "dose": "initial", "units": 1}));
    let (status, problem) = record(&t, &t.token("therapist1.syd").await, early).await;
    assert_eq!((status, rules(&problem)), (422, vec![("dispense_id".into(), "session_day".into())]), "{problem}");
    into_session(&t, &participant, &appointment).await;
    let ph = t.token("pharmacist.syd").await;

    let (_, catalogue) = t.get(&ph, &format!("/api/v1/sites/{syd}/pharmacy/catalogue")).await;
    let mut secrets: Vec<String> =
        vec!["placebo".into(), "mdma".into(), "strength".into(), "\"mg\"".into(), "verum".into()];
    for p in catalogue["products"].as_array().unwrap() {
        secrets.extend([p["id"].as_str().unwrap().to_lowercase(), p["name"].as_str().unwrap().to_lowercase()]);
    }
    for l in catalogue["lots"].as_array().unwrap() {
        secrets.extend([l["id"].as_str().unwrap().to_lowercase(), l["lot_number"].as_str().unwrap().to_lowercase()]);
    }
    let leaks = |text: &str| -> Vec<String> {
        let lower = text.to_lowercase();
        secrets.iter().filter(|s| lower.contains(s.as_str())).cloned().collect()
    };

    // The session team: the dose held for the session, administered, an error: kit and units only.
    let therapist = t.token("therapist1.syd").await;
    let (status, doses) = t.get(&therapist, &format!("/api/v1/sites/{syd}/pharmacy/doses")).await;
    assert_eq!(status, 200, "{doses}");
    assert!(doses.to_string().contains("K-83302"), "{doses}");
    assert_eq!(leaks(&doses.to_string()), Vec::<String>::new(), "{doses}");
    // Stating mg is refused whatever it says: were it checked against the kit's strength, an
    // active and a placebo kit would answer differently (the reviewer's oracle).
    let mut answers = Vec::new();
    for mg in [0, 80, 999] {
        for units in [4, 1000] {
            let (status, problem) = record(
                &t,
                &therapist,
                movement(
                    "given",
                    json!({"kind": "administer", "dispense_id": dose, "dose": "initial", "units": units, "mg": mg}),
                ),
            )
            .await;
            assert_eq!((status, rules(&problem)), (422, vec![("mg".to_owned(), "blinded".to_owned())]), "{problem}");
            // The answer names the field the caller sent, and nothing of the kit.
            assert_eq!(leaks(&problem.to_string().replace("\"mg\"", "")), Vec::<String>::new(), "{problem}");
            answers.push(problem);
        }
    }
    assert!(answers.windows(2).all(|w| w[0] == w[1]), "one answer whatever mg says: {answers:?}");
    // Nor may the session team record a loss from the store (the pharmacist does, with the key).
    let (status, problem) = record(
        &t,
        &therapist,
        movement(
            "missing",
            json!({"kind": "loss_or_theft", "location_id": store, "lot_id": "x", "kit_number": "K-83302",
            "units": 1, "discovered_at": "2026-01-01T00:00:00Z"}),
        ),
    )
    .await;
    assert_eq!(status, 403, "{problem}");
    let given = ok(
        &t,
        &therapist,
        movement("given", json!({"kind": "administer", "dispense_id": dose, "dose": "initial", "units": 4})),
    )
    .await;
    assert_eq!(given["blinded"], true);
    assert_eq!(leaks(&given.to_string()), Vec::<String>::new(), "{given}");
    let (status, problem) = record(
        &t,
        &therapist,
        movement("given", json!({"kind": "administer", "dispense_id": dose, "dose": "supplemental", "units": 9})),
    )
    .await;
    assert_eq!(
        (status, rules(&problem)),
        (422, vec![("units".to_owned(), "insufficient_stock".to_owned())]),
        "{problem}"
    );
    assert_eq!(leaks(&problem.to_string()), Vec::<String>::new(), "{problem}");
    for path in
        [format!("/api/v1/sites/{syd}/pharmacy/register"), format!("/api/v1/pharmacy/locations/{store}/balances")]
    {
        assert_eq!(t.get(&therapist, &path).await.0, 403, "{path}");
    }

    // The monitor and the site lead: the register and balances blinded; the audit trail shows
    // nothing that ties a kit to its lot.
    for who in ["monitor", "lead.syd"] {
        let token = t.token(who).await;
        for path in [
            format!("/api/v1/sites/{syd}/pharmacy/register"),
            format!("/api/v1/pharmacy/locations/{store}/balances"),
            format!("/api/v1/sites/{syd}/pharmacy/doses"),
        ] {
            let (status, body) = t.get(&token, &path).await;
            assert_eq!(status, 200, "{who} {path}: {body}");
            assert!(body.to_string().contains("K-40917") || path.ends_with("doses"), "{who} {path}: {body}");
            assert_eq!(leaks(&body.to_string()), Vec::<String>::new(), "{who} {path}");
        }
        for path in [
            format!("/api/v1/sites/{syd}/pharmacy/catalogue"),
            format!("/api/v1/sites/{syd}/pharmacy/reports/dispensing_record"),
        ] {
            assert_eq!(t.get(&token, &path).await.0, 403, "{who} {path}");
        }
        let (status, ledger) = t.get(&token, &format!("/api/v1/audit/ledger?site_id={syd}&limit=500")).await;
        assert_eq!(status, 200, "{ledger}");
        let mut about_kits = 0;
        for entry in ledger.as_array().unwrap() {
            let text = entry.to_string();
            if text.contains("K-83302") || text.contains("K-40917") || text.contains(&dose) {
                about_kits += 1;
                assert_eq!(leaks(&text), Vec::<String>::new(), "{who} reads {text}");
            }
        }
        assert!(about_kits >= 3, "the kits' entries are in the trail (redacted): {about_kits}");
        // A lot's record names its product, so it is redacted too: a blinded reader never learns
        // lot ids to try against a kit.
        let lot_ids: Vec<String> =
            catalogue["lots"].as_array().unwrap().iter().map(|l| l["id"].as_str().unwrap().to_owned()).collect();
        let lot_entries: Vec<&Value> =
            ledger.as_array().unwrap().iter().filter(|e| e.to_string().contains("pharmacy_lot")).collect();
        assert!(!lot_entries.is_empty(), "the lots' entries are in the trail");
        for entry in lot_entries {
            let text = entry.to_string();
            let named: Vec<&String> = lot_ids
                .iter()
                .filter(|id| text.contains(id.as_str()) && entry["entity_id"].as_str().is_none_or(|e| e != *id))
                .collect();
            assert!(named.is_empty() && !text.to_lowercase().contains("lot_number"), "{who} reads a lot: {text}");
        }
    }
    // The rater sees none of it.
    let rater = t.token("rater").await;
    for path in [
        format!("/api/v1/sites/{syd}/pharmacy/register"),
        format!("/api/v1/sites/{syd}/pharmacy/doses"),
        format!("/api/v1/pharmacy/locations/{store}/balances"),
        "/api/v1/audit/ledger".to_owned(),
    ] {
        assert_eq!(t.get(&rater, &path).await.0, 403, "rater {path}");
    }
    assert_eq!(
        record(
            &t,
            &rater,
            movement("given", json!({"kind": "administer", "dispense_id": dose, "dose": "supplemental", "units": 1}))
        )
        .await
        .0,
        403
    );
    // The pharmacist sees the contents.
    let (_, register) = t.get(&ph, &format!("/api/v1/sites/{syd}/pharmacy/register")).await;
    assert_eq!(register["blinded"], false);
    assert!(register.to_string().contains("PBO-LOT-88"), "{register}");
    // Another site's pharmacist is told nothing of which lot Sydney's kits hold.
    let bos = t.site_id("BOS").await;
    let (status, elsewhere) =
        t.get(&t.token("pharmacist.bos").await, &format!("/api/v1/sites/{bos}/pharmacy/catalogue")).await;
    assert_eq!(status, 200, "{elsewhere}");
    assert!(
        !elsewhere["kits"].to_string().contains("K-40917") && !elsewhere["kits"].to_string().contains("K-83302"),
        "{elsewhere}"
    );
    let (_, here) = t.get(&ph, &format!("/api/v1/sites/{syd}/pharmacy/catalogue")).await;
    assert!(here["kits"].to_string().contains("K-83302"), "{here}");
}

#[tokio::test]
async fn audit_verify_catches_a_balance_edited_in_the_database_and_the_register_refuses_it() {
    let t = TestApp::spawn().await;
    let syd = t.site_id("SYD").await;
    let ph = t.token("pharmacist.syd").await;
    let (central, store) = stores(&t, &ph, &syd).await;
    let lot = new_lot(&t, &ph, &syd, &product(&t, &ph, &syd).await, "TAMPER-1", "2031-12-31").await;
    stock_store(&t, &ph, &lot, &central.unwrap(), &store, 5).await;
    assert_eq!(verify(&t).await["ok"], true, "the demo and the stock verify");
    t.raw(&format!(
        "UPDATE pharmacy_balances SET units = units + 20 WHERE holding_kind = 'location' AND holding_id = '{store}' AND lot_id = '{lot}'"
    ))
    .await;
    let report = verify(&t).await;
    assert_eq!(report["ok"], false, "{report}");
    let mismatches = report["state_mismatches"].as_array().unwrap();
    assert!(
        mismatches.iter().any(|m| m["entity_kind"] == "pharmacy_balance"
            && m["entity_id"].as_str().unwrap().contains(&lot)
            && m["problem"].as_str().unwrap().contains("holds 25 units but the movements give 5")),
        "{report}"
    );
    // The edited row carries no valid seal: nothing is decided on it.
    let (status, _) =
        record(&t, &ph, movement("count", json!({"kind": "count", "location_id": store, "lot_id": lot, "units": 25})))
            .await;
    assert_eq!(status, 500, "a tampered balance is refused, not counted against");
    // Nor shown as if it were true: the store page, the balances and the reports refuse too.
    for path in [
        format!("/api/v1/pharmacy/locations/{store}/balances"),
        format!("/api/v1/sites/{syd}/pharmacy/register"),
        format!("/api/v1/sites/{syd}/pharmacy/reports/count_sheet?location_id={store}"),
    ] {
        assert_eq!(t.get(&ph, &path).await.0, 500, "{path}");
    }
    assert_eq!(t.get(&t.token("lead.syd").await, &format!("/api/v1/pharmacy/locations/{store}/balances")).await.0, 500);
    // A catalogue row edited outside Catalyst (a strength) is refused on reading as well.
    t.raw(&format!("UPDATE pharmacy_balances SET units = units - 20 WHERE holding_kind = 'location' AND holding_id = '{store}' AND lot_id = '{lot}'")).await;
    assert_eq!(t.get(&ph, &format!("/api/v1/sites/{syd}/pharmacy/register")).await.0, 200, "restored, it reads again");
    t.raw("UPDATE pharmacy_products SET strength_ug = strength_ug * 2").await;
    assert_eq!(t.get(&ph, &format!("/api/v1/sites/{syd}/pharmacy/catalogue")).await.0, 500);
    // The register's sequence set back: named by verify, and the next movement says why.
    t.raw("UPDATE pharmacy_sequence SET seq = seq - 3").await;
    let report = verify(&t).await;
    let named = report["state_mismatches"].as_array().unwrap().iter().any(|m| m["entity_kind"] == "pharmacy_sequence");
    assert!(named, "{report}");
}

#[tokio::test]
async fn the_demo_register_prints_and_its_dispensing_record_agrees_with_the_balances() {
    let t = TestApp::spawn().await;
    assert_eq!(verify(&t).await["ok"], true, "audit verify covers the demo's register");
    let syd = t.site_id("SYD").await;
    let ph = t.token("pharmacist.syd").await;
    let (status, record) = t.get(&ph, &format!("/api/v1/sites/{syd}/pharmacy/reports/dispensing_record")).await;
    assert_eq!(status, 200, "{record}");
    let recipients: Vec<&str> =
        record["dispensed"].as_array().unwrap().iter().map(|d| d["recipient"].as_str().unwrap()).collect();
    assert!(
        !recipients.is_empty() && recipients.iter().all(|r| r.starts_with("SYD-")),
        "recipients by code: {recipients:?}"
    );
    let totals = &record["totals"];
    let (status, register) = t.get(&ph, &format!("/api/v1/sites/{syd}/pharmacy/register")).await;
    assert_eq!(status, 200, "{register}");
    let on_hand = units_in_stores(&register);
    assert!(on_hand > 0);
    assert_eq!(totals["on_hand_units"].as_i64(), Some(on_hand), "{totals}");
    assert_eq!(
        totals["received_units"].as_i64().unwrap()
            - totals["dispensed_units"].as_i64().unwrap()
            - totals["disposed_units"].as_i64().unwrap(),
        on_hand,
        "{totals}"
    );
    assert!(totals["dispensed_units"].as_i64().unwrap() > 0, "the held sessions' doses: {totals}");
    assert!(!record["dispensed"].as_array().unwrap().is_empty());
    // Every report prints, as JSON and as CSV.
    let (_, store) = stores(&t, &ph, &syd).await;
    let dose = record["dispensed"][0]["movement_id"].as_str().unwrap().to_owned();
    for (kind, query) in [
        ("perpetual_inventory", String::new()),
        ("dispensing_record", String::new()),
        ("chain_of_custody", format!("dispense_id={dose}")),
        ("count_sheet", format!("location_id={store}")),
        ("destruction_record", String::new()),
        ("biennial_inventory", format!("as_of={}&taken_at=close", sydney_today())),
        ("temperature_excursions", String::new()),
    ] {
        let (status, json) = t.get(&ph, &format!("/api/v1/sites/{syd}/pharmacy/reports/{kind}?{query}")).await;
        assert_eq!(status, 200, "{kind}: {json}");
        let r = t
            .http
            .get(t.url(&format!("/api/v1/sites/{syd}/pharmacy/reports/{kind}?format=csv&{query}")))
            .bearer_auth(&ph)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{kind}");
        assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
        assert!(r.text().await.unwrap().lines().count() >= 1, "{kind}");
    }
    let (_, custody) =
        t.get(&ph, &format!("/api/v1/sites/{syd}/pharmacy/reports/chain_of_custody?dispense_id={dose}")).await;
    assert_eq!(custody["complete"], true, "{custody}");
    // Boston has its open count discrepancy; a shipment is on its way to Vancouver.
    let bos = t.site_id("BOS").await;
    let (_, bos_register) =
        t.get(&t.token("pharmacist.bos").await, &format!("/api/v1/sites/{bos}/pharmacy/register")).await;
    let open: Vec<&Value> =
        bos_register["discrepancies"].as_array().unwrap().iter().filter(|d| d["resolution"].is_null()).collect();
    assert_eq!(open.len(), 1, "{bos_register}");
    let van = t.site_id("VAN").await;
    let (_, van_register) =
        t.get(&t.token("pharmacist.van").await, &format!("/api/v1/sites/{van}/pharmacy/register")).await;
    assert!(
        van_register["shipments"].as_array().unwrap().iter().any(|s| s["in_transit_units"].as_i64() > Some(0)),
        "{van_register}"
    );
    // Resolving the discrepancy is signed with the resolver's password.
    let bos_ph = t.token("pharmacist.bos").await;
    let id = open[0]["id"].as_str().unwrap();
    let resolve = |password: &str| {
        json!({"reason": "capsule found broken in the tray and wasted", "password": password,
            "movement": {"kind": "resolve_discrepancy", "discrepancy_id": id, "conclusion": "adjust_to_count"}})
    };
    let (status, problem) = t.post(&bos_ph, "/api/v1/pharmacy/movements", resolve("wrong password")).await;
    assert_eq!((status, rules(&problem)), (422, vec![("password".to_owned(), "signature_credentials".to_owned())]));
    let (status, body) = t.post(&bos_ph, "/api/v1/pharmacy/movements", resolve(PASSWORD)).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(verify(&t).await["ok"], true);
}

#[tokio::test]
async fn the_pharmacists_and_the_session_teams_pages_work_as_plain_forms() {
    let t = TestApp::spawn().await;
    let syd = t.site_id("SYD").await;
    let ph = t.token("pharmacist.syd").await;
    let (central, store) = stores(&t, &ph, &syd).await;
    let central = central.unwrap();

    // The pharmacist's store page: balances by lot with expiry, the forms, the reports.
    let browser = t.browser("pharmacist.syd").await;
    let html = browser.get(t.url(&format!("/sites/{syd}/pharmacy"))).send().await.unwrap().text().await.unwrap();
    for expected in [
        "Central pharmacy (Sydney)",
        "MX24-0917",
        "MX24-1102",
        "Receive from the supplier",
        "Transfer to another store",
        "Dispense a dose",
        "Exact count",
        "Destroy (DEA Form 41)",
        "Loss or theft",
        "Return to the supplier",
        "Dispensing record",
        "class=\"stack tablet\"",
    ] {
        assert!(html.contains(expected), "{expected} missing from the store page");
    }
    let site_page = browser.get(t.url(&format!("/sites/{syd}"))).send().await.unwrap().text().await.unwrap();
    assert!(site_page.contains(&format!("/sites/{syd}/pharmacy")), "the site page links the pharmacy");
    let lot = new_lot(&t, &ph, &syd, &product(&t, &ph, &syd).await, "PAGE-1", "2031-12-31").await;
    let r = t
        .submit(
            &browser,
            &format!("/sites/{syd}/pharmacy/movements"),
            &[
                ("kind", "receive"),
                ("back", "store"),
                ("location_id", &central),
                ("lot_id", &lot),
                ("units", "12"),
                ("order_form", "purchase_order"),
                ("order_number", "PO-7"),
                ("order_line", "1"),
                ("order_units", "12"),
                ("reason", "delivery"),
            ],
        )
        .await;
    assert!(r.url().as_str().contains("saved="), "{}", r.url());
    assert_eq!(units_of(&t, &ph, &central, &lot).await, 12);
    let r = t
        .submit(
            &browser,
            &format!("/sites/{syd}/pharmacy/movements"),
            &[
                ("kind", "count"),
                ("back", "store"),
                ("location_id", &central),
                ("lot_id", &lot),
                ("units", "lots"),
                ("reason", "count"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("units must be a whole number"));
    let r = t
        .submit(
            &browser,
            &format!("/sites/{syd}/pharmacy/movements"),
            &[
                ("kind", "dispatch"),
                ("back", "store"),
                ("from_location_id", &central),
                ("to_location_id", &store),
                ("lot_id", &lot),
                ("units", "40"),
                ("reason", "resupply"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("holds 12 units"), "the refusal says why");
    let report = browser
        .get(t.url(&format!("/sites/{syd}/pharmacy/reports/dispensing_record")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(report.contains("MX24-0917") && report.contains("Download as CSV"), "{report}");

    // The site lead sees the stores blinded; the session team their doses, with the forms.
    let lead = t.page_as("lead.syd", &format!("/sites/{syd}/pharmacy")).await;
    assert!(
        lead.contains("Blinded view") && !lead.contains("MX24-0917") && !lead.contains("Receive from the supplier")
    );
    let (participant, appointment) = booked_session(&t, "SYD-0005").await;
    ok(
        &t,
        &ph,
        movement(
            "dose",
            json!({"kind": "dispense", "location_id": store, "lot_id": lot_of(&t, &ph, &syd, "MX24-0917").await,
        "units": 6, "participant_id": participant, "appointment_id": appointment}),
        ),
    )
    .await;
    into_session(&t, &participant, &appointment).await;
    let team = t.browser("physician.syd").await;
    let html = team.get(t.url(&format!("/sites/{syd}/pharmacy/doses"))).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("SYD-0005") && html.contains("6 units held") && html.contains("Record as given"), "{html}");
    assert!(!html.contains("MX24-0917"), "the session team's page is blinded");
    let dose = html.split("name=\"dispense_id\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_owned();
    let r = t
        .submit(
            &team,
            &format!("/sites/{syd}/pharmacy/movements"),
            &[
                ("kind", "administer"),
                ("back", "doses"),
                ("dispense_id", &dose),
                ("dose", "initial"),
                ("units", "4"),
                ("reason", "given as prescribed"),
            ],
        )
        .await;
    assert!(r.url().as_str().contains("/pharmacy/doses?saved="), "{}", r.url());
    let after = r.text().await.unwrap();
    assert!(after.contains("2 units held") && after.contains("4 units given (initial)"), "{after}");
    assert!(!t.page_as("rater", &format!("/sites/{syd}/pharmacy/doses")).await.contains("SYD-0005"));

    // A loss (discovered at a time on the site's clock) and a return to the supplier, by form
    // (signed in again: the clock was moved into the session).
    let ph = t.token("pharmacist.syd").await;
    let browser = t.browser("pharmacist.syd").await;
    let other_lot = new_lot(&t, &ph, &syd, &product(&t, &ph, &syd).await, "PAGE-2", "2031-12-31").await;
    ok(
        &t,
        &ph,
        movement("delivery", json!({"kind": "receive", "location_id": central, "lot_id": other_lot, "units": 12})),
    )
    .await;
    let sydney_now = jiff::Timestamp::from_microsecond(t.app.now().micros())
        .unwrap()
        .to_zoned(jiff::tz::TimeZone::get("Australia/Sydney").unwrap());
    let discovered = sydney_now
        .datetime()
        .checked_sub(jiff::Span::new().minutes(20))
        .unwrap()
        .strftime("%Y-%m-%dT%H:%M")
        .to_string();
    for fields in [
        vec![
            ("kind", "loss_or_theft"),
            ("location_id", central.as_str()),
            ("lot_id", other_lot.as_str()),
            ("units", "1"),
            ("discovered_at", discovered.as_str()),
            ("reason", "one capsule missing at the count"),
        ],
        vec![
            ("kind", "return_to_supplier"),
            ("location_id", central.as_str()),
            ("lot_id", other_lot.as_str()),
            ("units", "2"),
            ("recipient_name", "Test Supplier"),
            ("recipient_address", "1 Test Road, Sydney"),
            ("reason", "damaged blister"),
        ],
    ] {
        let mut fields = fields;
        fields.push(("back", "store"));
        let r = t.submit(&browser, &format!("/sites/{syd}/pharmacy/movements"), &fields).await;
        assert!(r.url().as_str().contains("saved="), "{fields:?}: {}", r.url());
    }
    assert_eq!(units_of(&t, &ph, &central, &other_lot).await, 9, "12 received, 1 lost, 2 returned");

    // The dashboard: Boston's open discrepancy, the lot expiring within 60 days, the shipment
    // in transit to Vancouver.
    let dashboard = t.page_as("pharmacist.bos", "/").await;
    assert!(dashboard.contains("open count discrepancies") && dashboard.contains("Boston locked store"), "{dashboard}");
    let dashboard = t.page_as("pharmacist.syd", "/").await;
    assert!(dashboard.contains("lots expiring within 60 days") && dashboard.contains("MX24-1102"), "{dashboard}");
    assert!(dashboard.contains("shipments in transit") && dashboard.contains("Vancouver locked store"), "{dashboard}");
    let monitor = t.page_as("monitor", "/").await;
    assert!(monitor.contains("open count discrepancies") && !monitor.contains("MX24-1102"), "blinded: no lots");
}

async fn lot_of(t: &TestApp, token: &str, site: &str, number: &str) -> String {
    let (_, catalogue) = t.get(token, &format!("/api/v1/sites/{site}/pharmacy/catalogue")).await;
    catalogue["lots"].as_array().unwrap().iter().find(|l| l["lot_number"] == number).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn a_loss_starts_the_dea_notices_which_stay_owed_until_marked_sent() {
    let t = TestApp::spawn().await;
    let bos = t.site_id("BOS").await;
    let ph = t.token("pharmacist.bos").await;
    let (_, store) = stores(&t, &ph, &bos).await;
    let lot = lot_of(&t, &ph, &bos, "MX24-0917").await;
    let discovered = jiff::Timestamp::now().checked_sub(jiff::SignedDuration::from_mins(30)).unwrap();
    let lost = ok(
        &t,
        &ph,
        movement(
            "capsule missing at the evening check",
            json!({"kind": "loss_or_theft", "location_id": store, "lot_id": lot, "units": 1,
                "discovered_at": discovered.to_string(), "theft": false}),
        ),
    )
    .await;
    let id = lost["entry"]["movement"]["id"].as_str().unwrap().to_owned();
    let lead = t.token("lead.bos").await;
    let owed_for = |owed: &Value, rule: &str| -> Value {
        owed.as_array()
            .unwrap()
            .iter()
            .find(|r| r["report"]["rule"]["id"] == rule && r["report"]["subject"] == id)
            .cloned()
            .unwrap_or_else(|| panic!("no {rule} for the loss: {owed}"))
    };
    let (status, owed) = t.get(&lead, &format!("/api/v1/sites/{bos}/reports")).await;
    assert_eq!(status, 200, "{owed}");
    let notice = owed_for(&owed, "us_dea_106_notice");
    let form = owed_for(&owed, "us_dea_106_form");
    assert_eq!((notice["sent"].is_null(), form["sent"].is_null()), (true, true));
    let zone = jiff::tz::TimeZone::get("America/New_York").unwrap();
    let day = discovered.to_zoned(zone).date();
    assert_eq!(form["report"]["due"], (day + jiff::Span::new().days(45)).to_string(), "Form 106 within 45 days");
    let due: jiff::civil::Date = notice["report"]["due"].as_str().unwrap().parse().unwrap();
    assert!(due > day && due <= day + jiff::Span::new().days(4), "one business day: {due} after {day}");

    let sent = json!({"rule_id": "us_dea_106_notice", "subject": id, "trigger_date": notice["report"]["trigger_date"],
        "reference": "DEA-FD-NOTICE-1", "sent_on": jiff::Zoned::now().with_time_zone(jiff::tz::TimeZone::get("America/New_York").unwrap()).date().to_string()});
    let (status, recorded) = t.post(&lead, &format!("/api/v1/sites/{bos}/reports/sent"), sent).await;
    assert_eq!(status, 201, "{recorded}");
    let (_, owed) = t.get(&lead, &format!("/api/v1/sites/{bos}/reports")).await;
    assert_eq!(owed_for(&owed, "us_dea_106_notice")["sent"]["reference"], "DEA-FD-NOTICE-1");
    assert!(owed_for(&owed, "us_dea_106_form")["sent"].is_null(), "Form 106 is still owed");
}

/// Today at Sydney (the demo site's zone), as the server will count it for a report asked now.
fn sydney_today() -> String {
    jiff::Timestamp::now().to_zoned(jiff::tz::TimeZone::get("Australia/Sydney").unwrap()).date().to_string()
}

#[tokio::test]
async fn the_biennial_inventory_is_taken_as_of_a_date_and_equals_the_register() {
    let t = TestApp::spawn().await;
    let syd = t.site_id("SYD").await;
    let ph = t.token("pharmacist.syd").await;
    let today = sydney_today();
    let path = |q: &str| format!("/api/v1/sites/{syd}/pharmacy/reports/biennial_inventory?{q}");
    let (status, inventory) = t.get(&ph, &path(&format!("as_of={today}&taken_at=close"))).await;
    assert_eq!(status, 200, "{inventory}");
    let (_, register) = t.get(&ph, &format!("/api/v1/sites/{syd}/pharmacy/register")).await;
    let on_hand = units_in_stores(&register);
    assert!(on_hand > 0);
    assert_eq!(inventory["on_hand_units"].as_i64(), Some(on_hand), "{inventory}");
    let rows: i64 = inventory["rows"].as_array().unwrap().iter().map(|r| r["units"].as_i64().unwrap()).sum();
    assert_eq!(rows, on_hand);
    assert_eq!((inventory["taken_at"].as_str(), inventory["as_of"].as_str()), (Some("close"), Some(today.as_str())));
    let row = &inventory["rows"][0];
    for field in
        ["substance", "product", "form", "strength_mg", "units_per_container", "full_containers", "partial_count", "mg"]
    {
        assert!(!row[field].is_null(), "{field}: {row}");
    }
    // Sydney (AU-NSW) counts every month (programme default): the next is due a month on.
    assert_eq!(inventory["count_interval_months"], 1, "{inventory}");
    assert!(inventory["next_due"].as_str().is_some_and(|d| d > today.as_str()), "{inventory}");
    // Long ago, nothing was held.
    let (_, empty) = t.get(&ph, &path("as_of=2020-01-01&taken_at=opening")).await;
    assert_eq!((empty["on_hand_units"].as_i64(), empty["rows"].as_array().map(Vec::len)), (Some(0), Some(0)));
    // The date and the moment are validated, each refusal naming its field and the allowed values.
    for (query, expected) in [
        ("taken_at=noon", vec![("as_of", "required"), ("taken_at", "one_of")]),
        ("as_of=2026-13-01", vec![("as_of", "date"), ("taken_at", "required")]),
        ("as_of=2999-01-01&taken_at=close", vec![("as_of", "not_future")]),
    ] {
        let (status, problem) = t.get(&ph, &path(query)).await;
        let expected: Vec<(String, String)> = expected.into_iter().map(|(f, r)| (f.to_owned(), r.to_owned())).collect();
        assert_eq!((status, rules(&problem)), (422, expected), "{query}: {problem}");
        if query.contains("noon") {
            assert!(problem.to_string().contains("opening, close"), "{problem}");
        }
    }
    // Its CSV, its printable page (linked from the store page), and for the pharmacist only.
    let r = t
        .http
        .get(t.url(&path(&format!("as_of={today}&taken_at=opening&format=csv"))))
        .bearer_auth(&ph)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let csv = r.text().await.unwrap();
    assert!(csv.contains(&format!("inventory,{today},opening of business\n")), "{csv}");
    assert!(csv.contains("\nsection,location,shipment,lot_number,substance,product,form,"), "{csv}");
    let store_page = t.page_as("pharmacist.syd", &format!("/sites/{syd}/pharmacy")).await;
    assert!(
        store_page.contains(&format!("pharmacy/reports/biennial_inventory?as_of={today}&amp;taken_at=close")),
        "{store_page}"
    );
    let printable = t
        .page_as(
            "pharmacist.syd",
            &format!("/sites/{syd}/pharmacy/reports/biennial_inventory?as_of={today}&taken_at=close"),
        )
        .await;
    assert!(
        printable.contains("Biennial inventory (21 CFR 1304.11)") && printable.contains("MX24-0917"),
        "{printable}"
    );
    for who in ["lead.syd", "monitor", "therapist1.syd"] {
        let (status, _) = t.get(&t.token(who).await, &path(&format!("as_of={today}&taken_at=close"))).await;
        assert_eq!(status, 403, "{who}");
    }
}

#[tokio::test]
async fn a_temperature_excursion_is_recorded_with_its_facts_and_reported_with_its_lot() {
    let t = TestApp::spawn().await;
    let syd = t.site_id("SYD").await;
    let ph = t.token("pharmacist.syd").await;
    let (central, store) = stores(&t, &ph, &syd).await;
    let lot = new_lot(&t, &ph, &syd, &product(&t, &ph, &syd).await, "HOT-1", "2031-12-31").await;
    stock_store(&t, &ph, &lot, &central.unwrap(), &store, 10).await;
    let quarantine = |cause: &str, excursion: Value| {
        let mut m = json!({"kind": "quarantine", "location_id": store, "lot_id": lot, "cause": cause});
        if !excursion.is_null() {
            m["excursion"] = excursion;
        }
        movement("fridge alarm overnight", m)
    };
    let facts = |observed_at: &str, observed_by: &str| {
        json!({"observed_at": observed_at, "min_celsius": 24.0, "max_celsius": 31.5, "duration_minutes": 95,
            "observed_by": observed_by})
    };
    let observed = jiff::Timestamp::now().checked_sub(jiff::SignedDuration::from_hours(2)).unwrap().to_string();
    let past = observed.as_str();
    for (body, expected) in [
        (quarantine("temperature_excursion", Value::Null), ("excursion", "required")),
        (
            quarantine("temperature_excursion", facts("2999-01-01T00:00:00Z", "therapist1.syd")),
            ("excursion.observed_at", "not_after_record"),
        ),
        (
            quarantine("temperature_excursion", facts("last night", "therapist1.syd")),
            ("excursion.observed_at", "timestamp"),
        ),
        (quarantine("temperature_excursion", facts(past, "therapist1.bos")), ("excursion.observed_by", "staff")),
        (quarantine("recall", facts(past, "therapist1.syd")), ("excursion", "temperature_excursion_only")),
    ] {
        let (status, problem) = record(&t, &ph, body.clone()).await;
        assert_eq!((status, rules(&problem)), (422, vec![(expected.0.to_owned(), expected.1.to_owned())]), "{body}");
    }
    let mut long = facts(past, "therapist1.syd");
    long["duration_minutes"] = json!(0);
    long["max_celsius"] = json!(20.0);
    let (status, problem) = record(&t, &ph, quarantine("temperature_excursion", long)).await;
    assert_eq!(
        (status, rules(&problem)),
        (
            422,
            vec![
                ("excursion.max_celsius".to_owned(), "not_below_min".to_owned()),
                ("excursion.duration_minutes".to_owned(), "positive".to_owned())
            ]
        )
    );
    let (_, lines) = t.get(&ph, &format!("/api/v1/pharmacy/locations/{store}/balances")).await;
    assert!(lines.as_array().unwrap().iter().all(|l| l["quarantined"] == false), "refusals changed nothing: {lines}");
    let recorded = ok(&t, &ph, quarantine("temperature_excursion", facts(past, "therapist1.syd"))).await;
    let excursion = &recorded["entry"]["movement"]["detail"]["excursion"];
    assert_eq!(
        (excursion["location_id"].as_str(), excursion["duration_minutes"].as_i64()),
        (Some(store.as_str()), Some(95))
    );

    // The session team and the lead see the excursion's facts, never its lot.
    for who in ["lead.syd", "monitor"] {
        let (_, register) = t.get(&t.token(who).await, &format!("/api/v1/sites/{syd}/pharmacy/register")).await;
        let entry = register["entries"].as_array().unwrap().iter().find(|e| e["kind"] == "quarantine").unwrap().clone();
        assert_eq!(entry["excursion"]["max_celsius"], 31.5, "{who}: {entry}");
        assert_eq!(entry["location_id"].as_str(), Some(store.as_str()));
        let text = entry.to_string();
        assert!(!text.contains(&lot) && !text.contains("HOT-1"), "{who}: {text}");
    }
    // The report: the excursion with its lot and what became of it (still quarantined, then released).
    let report_path = format!("/api/v1/sites/{syd}/pharmacy/reports/temperature_excursions");
    let (_, report) = t.get(&ph, &report_path).await;
    let line = report.as_array().unwrap().iter().find(|l| l["lot_id"] == lot).unwrap().clone();
    assert_eq!(
        (line["outcome"].as_str(), line["units_at_location"].as_i64()),
        (Some("still_quarantined"), Some(10)),
        "{line}"
    );
    assert_eq!((line["lot_number"].as_str(), line["min_celsius"].as_f64()), (Some("HOT-1"), Some(24.0)));
    assert!(line["observed_by"].as_str().is_some_and(|n| !n.contains('-')), "printed name: {line}");
    ok(
        &t,
        &ph,
        movement(
            "probe faulty; stability data cover it",
            json!({"kind": "release", "location_id": store, "lot_id": lot}),
        ),
    )
    .await;
    let (_, report) = t.get(&ph, &report_path).await;
    let line = report.as_array().unwrap().iter().find(|l| l["lot_id"] == lot).unwrap().clone();
    assert_eq!(line["outcome"], "released", "{line}");
    let r = t.http.get(t.url(&format!("{report_path}?format=csv"))).bearer_auth(&ph).send().await.unwrap();
    assert!(r.text().await.unwrap().contains(",HOT-1,"), "the CSV names the lot");
    assert_eq!(t.get(&t.token("lead.syd").await, &report_path).await.0, 403);

    // The page's form records an excursion on the site's clock (an hour ago, to the minute).
    let sydney = jiff::tz::TimeZone::get("Australia/Sydney").unwrap();
    let an_hour_ago =
        jiff::Timestamp::now().checked_sub(jiff::SignedDuration::from_hours(1)).unwrap().to_zoned(sydney.clone());
    let entered = an_hour_ago.datetime().strftime("%Y-%m-%dT%H:%M").to_string();
    let expected_micros =
        entered.parse::<jiff::civil::DateTime>().unwrap().to_zoned(sydney).unwrap().timestamp().as_microsecond();
    let browser = t.browser("pharmacist.syd").await;
    let r = t
        .submit(
            &browser,
            &format!("/sites/{syd}/pharmacy/movements"),
            &[
                ("kind", "quarantine"),
                ("back", "store"),
                ("location_id", &store),
                ("lot_id", &lot),
                ("cause", "temperature_excursion"),
                ("excursion_observed_at", &entered),
                ("excursion_min_celsius", "2"),
                ("excursion_max_celsius", "9.5"),
                ("excursion_duration_minutes", "40"),
                ("excursion_observed_by", ""),
                ("reason", "fridge door left open"),
            ],
        )
        .await;
    assert!(r.url().as_str().contains("saved="), "{}", r.url());
    let (_, report) = t.get(&ph, &report_path).await;
    let page_line = report.as_array().unwrap().iter().find(|l| l["max_celsius"] == 9.5).unwrap().clone();
    assert_eq!(page_line["observed_at"].as_i64(), Some(expected_micros), "{entered} at Sydney: {page_line}");
    assert_eq!(verify(&t).await["ok"], true);
}

#[tokio::test]
async fn a_store_below_its_resupply_threshold_is_on_the_pharmacists_dashboard() {
    let t = TestApp::spawn().await;
    let syd = t.site_id("SYD").await;
    let ph = t.token("pharmacist.syd").await;
    let (central, store) = stores(&t, &ph, &syd).await;
    let central = central.unwrap();
    let (status, product) = t
        .post(
            &ph,
            &format!("/api/v1/sites/{syd}/pharmacy/products"),
            json!({"name": "Resupply test capsule 20 mg", "substance": "MDMA hydrochloride", "form": "capsule", "strength_mg": 20}),
        )
        .await;
    assert_eq!(status, 201, "{product}");
    let product = product["id"].as_str().unwrap().to_owned();
    let lot = new_lot(&t, &ph, &syd, &product, "RS-1", "2031-12-31").await;
    stock_store(&t, &ph, &lot, &central, &store, 10).await;
    // 50 units of an expired lot of it in the store count for nothing.
    let expired = new_lot(&t, &ph, &syd, &product, "RS-OLD", "2020-01-31").await;
    ok(
        &t,
        &ph,
        movement("returned stock", json!({"kind": "receive", "location_id": store, "lot_id": expired, "units": 50})),
    )
    .await;
    let path = format!("/api/v1/pharmacy/locations/{store}/resupply-thresholds/{product}");
    let (status, set) = t.put(&ph, &path, json!({"min_units": 8, "reason": "two sessions a week"})).await;
    assert_eq!(status, 200, "{set}");
    assert_eq!(
        (set["min_units"].as_i64(), set["usable_units"].as_i64(), set["below"].as_bool()),
        (Some(8), Some(10), Some(false))
    );
    let listed = || async { t.get(&ph, &format!("/api/v1/sites/{syd}/pharmacy/resupply-thresholds")).await.1 };
    // Bad input: 422 naming the field and rule, nothing changed.
    for (body, field, rule) in [
        (json!({"min_units": -1, "reason": "x"}), "min_units", "range"),
        (json!({"min_units": 2.5, "reason": "x"}), "min_units", "whole_number"),
        (json!({"min_units": "7", "reason": "x"}), "min_units", "whole_number"),
        (json!({"min_units": 7, "reason": " "}), "reason", "required"),
    ] {
        let (status, problem) = t.put(&ph, &path, body.clone()).await;
        assert_eq!((status, rules(&problem)), (422, vec![(field.to_owned(), rule.to_owned())]), "{body}");
    }
    let (status, problem) = t
        .put(
            &ph,
            &format!("/api/v1/pharmacy/locations/{store}/resupply-thresholds/no-such-product"),
            json!({"min_units": 3, "reason": "x"}),
        )
        .await;
    assert_eq!((status, rules(&problem)), (422, vec![("product_id".to_owned(), "exists".to_owned())]));
    assert_eq!(listed().await.as_array().unwrap().iter().find(|t| t["product_id"] == product).unwrap()["min_units"], 8);
    // Not the pharmacist's? Refused, and the thresholds are not shown.
    for who in ["lead.syd", "monitor", "pharmacist.bos"] {
        let token = t.token(who).await;
        assert_eq!(t.put(&token, &path, json!({"min_units": 1, "reason": "x"})).await.0, 403, "{who}");
    }
    for who in ["lead.syd", "monitor"] {
        let token = t.token(who).await;
        assert_eq!(t.get(&token, &format!("/api/v1/sites/{syd}/pharmacy/resupply-thresholds")).await.0, 403, "{who}");
    }
    let dashboard = t.page_as("pharmacist.syd", "/").await;
    assert!(!dashboard.contains("Resupply test capsule"), "10 usable units, threshold 8: no alert");

    // Three units go back to the central pharmacy: 7 usable, below 8 (the expired 50 do not count).
    ok(
        &t,
        &ph,
        movement("rebalancing", json!({"kind": "dispatch", "from_location_id": store, "to_location_id": central, "lot_id": lot, "units": 3})),
    )
    .await;
    let dashboard = t.page_as("pharmacist.syd", "/").await;
    assert!(dashboard.contains("stores to resupply"), "{dashboard}");
    assert!(
        dashboard.contains("Sydney dosing suite safe")
            && dashboard.contains("Resupply test capsule 20 mg: 7 usable units, below the threshold of 8"),
        "{dashboard}"
    );
    for who in ["lead.syd", "monitor"] {
        let page = t.page_as(who, "/").await;
        assert!(!page.contains("stores to resupply") && !page.contains("Resupply test capsule"), "{who}: blinded");
    }
    // The store page shows it with its form; a blinded role sees neither.
    let store_page = t.page_as("pharmacist.syd", &format!("/sites/{syd}/pharmacy")).await;
    assert!(
        store_page.contains("Resupply thresholds") && store_page.contains("Set a resupply threshold"),
        "{store_page}"
    );
    let lead_page = t.page_as("lead.syd", &format!("/sites/{syd}/pharmacy")).await;
    assert!(!lead_page.contains("Resupply") && !lead_page.contains("resupply"), "{lead_page}");
    // Through the page's form, 0 removes the alert; every change is in the ledger, attributed.
    let browser = t.browser("pharmacist.syd").await;
    let r = t
        .submit(
            &browser,
            &format!("/sites/{syd}/pharmacy/resupply-thresholds"),
            &[("location_id", &store), ("product_id", &product), ("min_units", "0"), ("reason", "product withdrawn")],
        )
        .await;
    assert!(r.url().as_str().contains("saved="), "{}", r.url());
    assert!(!t.page_as("pharmacist.syd", "/").await.contains("Resupply test capsule"));
    let (status, ledger) =
        t.get(&t.token("monitor").await, &format!("/api/v1/audit/ledger?site_id={syd}&limit=500")).await;
    assert_eq!(status, 200, "{ledger}");
    let changes: Vec<&Value> =
        ledger.as_array().unwrap().iter().filter(|e| e["action"] == "pharmacy.resupply_threshold.set").collect();
    assert_eq!(changes.len(), 2, "set, then removed: {changes:?}");
    for c in &changes {
        assert!(!c.to_string().contains("\"min_units\""), "values are the pharmacist's: {c}");
    }
    assert_eq!(verify(&t).await["ok"], true);
}

#[tokio::test]
async fn another_site_can_neither_lift_a_quarantine_nor_pull_a_dose_into_its_store() {
    let t = TestApp::spawn().await;
    let (syd, bos) = (t.site_id("SYD").await, t.site_id("BOS").await);
    let (ph_syd, ph_bos) = (t.token("pharmacist.syd").await, t.token("pharmacist.bos").await);
    let (central, store) = stores(&t, &ph_syd, &syd).await;
    let (_, boston_store) = stores(&t, &ph_bos, &bos).await;
    let lot = new_lot(&t, &ph_syd, &syd, &product(&t, &ph_syd, &syd).await, "XSITE-1", "2031-12-31").await;
    stock_store(&t, &ph_syd, &lot, &central.unwrap(), &store, 10).await;

    let (participant, appointment) = booked_session(&t, "SYD-0005").await;
    let dose = ok(
        &t,
        &ph_syd,
        movement(
            "dose for the session",
            json!({"kind": "dispense", "location_id": store, "lot_id": lot, "units": 2,
                "participant_id": participant, "appointment_id": appointment}),
        ),
    )
    .await["entry"]["movement"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let pull = movement(
        "unused",
        json!({"kind": "return_unused", "dispense_id": dose, "to_location_id": boston_store, "units": 1}),
    );
    let (status, problem) = record(&t, &ph_bos, pull).await;
    assert_eq!((status, rules(&problem)), (422, vec![("to_location_id".into(), "same_site".into())]), "{problem}");

    let freeze = json!({"kind": "quarantine", "location_id": boston_store, "lot_id": lot, "cause": "recall"});
    let (status, problem) = record(&t, &ph_bos, movement("recall", freeze)).await;
    assert_eq!((status, rules(&problem)), (422, vec![("lot_id".into(), "not_held_here".into())]), "{problem}");
    ok(
        &t,
        &ph_syd,
        movement(
            "supplier recall",
            json!({"kind": "quarantine", "location_id": store, "lot_id": lot, "cause": "recall"}),
        ),
    )
    .await;
    let release = |at: &str| movement("recall withdrawn", json!({"kind": "release", "location_id": at, "lot_id": lot}));
    let (status, problem) = record(&t, &ph_bos, release(&boston_store)).await;
    assert_eq!((status, rules(&problem)), (422, vec![("lot_id".into(), "quarantined_elsewhere".into())]), "{problem}");
    ok(&t, &ph_syd, release(&store)).await;
    assert_eq!(units_of(&t, &ph_syd, &store, &lot).await, 8);
    assert_eq!(verify(&t).await["ok"], true);
}

#[tokio::test]
async fn a_key_holder_hands_a_stores_keys_to_another_pharmacist_and_the_old_key_no_longer_opens_it() {
    let t = TestApp::spawn().await;
    let syd = t.site_id("SYD").await;
    let admin = t.token("admin").await;
    let (_, deputy) = t
        .post(
            &admin,
            "/api/v1/users",
            json!({"username": "pharmacist2.syd", "display_name": "Deputy Pharmacist", "password": "a long password"}),
        )
        .await;
    let (status, _) = t
        .post(
            &admin,
            &format!("/api/v1/users/{}/roles", deputy["id"].as_str().unwrap()),
            json!({"role": "pharmacist", "site_id": syd}),
        )
        .await;
    assert_eq!(status, 201);
    let ph = t.token("pharmacist.syd").await;
    let (_, store) = stores(&t, &ph, &syd).await;
    let path = format!("/api/v1/pharmacy/locations/{store}/key-holders");
    let keys = |holders: &[&str]| json!({"key_holders": holders, "reason": "handover for leave"});

    for who in ["lead.syd", "therapist1.syd", "pharmacist.bos"] {
        assert_eq!(t.put(&t.token(who).await, &path, keys(&["pharmacist2.syd"])).await.0, 403, "{who}");
    }
    let deputy_token = t.token_with("pharmacist2.syd", "a long password").await;
    let (status, problem) = t.put(&deputy_token, &path, keys(&["pharmacist2.syd"])).await;
    assert_eq!((status, rules(&problem)), (422, vec![("actor".into(), "key_holder".into())]), "not yet a key holder");
    for (holders, rule) in [
        (vec!["therapist1.syd"], ("key_holders[0]", "pharmacist")),
        (vec!["pharmacist.bos"], ("key_holders[0]", "pharmacist")),
        (vec![], ("key_holders", "required")),
        (vec!["pharmacist.syd"], ("key_holders", "changed")),
        (vec!["pharmacist.syd", "Pharmacist.SYD"], ("key_holders[1]", "unique")),
    ] {
        let (status, problem) = t.put(&ph, &path, keys(&holders)).await;
        assert_eq!((status, rules(&problem)), (422, vec![(rule.0.into(), rule.1.into())]), "{holders:?}: {problem}");
    }
    // A disabled account holds no key.
    let (_, idle) = t
        .post(
            &admin,
            "/api/v1/users",
            json!({"username": "pharmacist3.syd", "display_name": "Away", "password": "a long password"}),
        )
        .await;
    let idle_id = idle["id"].as_str().unwrap();
    t.post(&admin, &format!("/api/v1/users/{idle_id}/roles"), json!({"role": "pharmacist", "site_id": syd})).await;
    let disabled = json!({"status": "disabled", "reason": "left the organisation"});
    assert_eq!(t.post(&admin, &format!("/api/v1/users/{idle_id}/status"), disabled).await.0, 200);
    let (status, problem) = t.put(&ph, &path, keys(&["pharmacist3.syd"])).await;
    assert_eq!((status, rules(&problem)), (422, vec![("key_holders[0]".into(), "pharmacist".into())]), "{problem}");
    let (status, handed) = t.put(&ph, &path, keys(&["pharmacist2.syd"])).await;
    assert_eq!(status, 200, "{handed}");
    assert_eq!(handed["key_holders"], json!([deputy["id"]]), "{handed}");

    // The old holder's key no longer opens the store; the new holder's does.
    let lot = lot_of(&t, &ph, &syd, "MX24-0917").await;
    let count =
        |units: i64| movement("count", json!({"kind": "count", "location_id": store, "lot_id": lot, "units": units}));
    let held = units_of(&t, &ph, &store, &lot).await;
    let (status, problem) = record(&t, &ph, count(held)).await;
    assert_eq!((status, rules(&problem)), (422, vec![("actor".into(), "key_holder".into())]), "{problem}");
    ok(&t, &deputy_token, count(held)).await;
    let (_, trail) = t.get(&t.token("monitor").await, &format!("/api/v1/audit/ledger?site_id={syd}&limit=50")).await;
    assert!(trail.to_string().contains("pharmacy.location.keys"), "the handover is in the ledger");
    assert_eq!(verify(&t).await["ok"], true);
}

#[tokio::test]
async fn concurrent_decisions_for_one_session_record_one_each_limit_and_only_upwards() {
    let t = TestApp::spawn().await;
    let (participant, appointment) = booked_session(&t, "SYD-0005").await;
    let (rx, visit) = session_prescription(&t, &participant, &appointment).await;
    let physician = t.token("physician.syd").await;
    let path = format!("/api/v1/participants/{participant}/dose-decisions");
    // Four at once (the password check's throttle allows that many): the same new limit.
    let mut tasks = Vec::new();
    for _ in 0..4 {
        let body = json!({"prescription_id": rx, "visit_id": visit, "session_mg": 140.0, "reason": "clinical need", "password": PASSWORD});
        let (http, url, token) = (t.http.clone(), t.url(&path), physician.clone());
        tasks.push(tokio::spawn(async move {
            let r = http.post(url).bearer_auth(token).json(&body).send().await.unwrap();
            (r.status().as_u16(), r.json::<Value>().await.unwrap_or(Value::Null))
        }));
    }
    let mut accepted = 0;
    for task in tasks {
        let (status, body) = task.await.unwrap();
        match status {
            201 => accepted += 1,
            422 => assert_eq!(rules(&body), vec![("session_mg".to_owned(), "above_current".to_owned())], "{body}"),
            other => panic!("unexpected {other}: {body}"),
        }
    }
    assert_eq!(accepted, 1, "a second decision at the same limit is no decision");
    let (_, decisions) = t.get(&physician, &path).await;
    assert_eq!(decisions.as_array().unwrap().len(), 1, "{decisions}");
    assert_eq!(verify(&t).await["ok"], true);
}

#[tokio::test]
async fn the_register_reads_while_movements_commit_without_false_tamper_alarms() {
    let t = TestApp::spawn().await;
    let syd = t.site_id("SYD").await;
    let ph = t.token("pharmacist.syd").await;
    let (central, _) = stores(&t, &ph, &syd).await;
    let lot = lot_of(&t, &ph, &syd, "MX24-0917").await;
    let mut tasks = Vec::new();
    for i in 0..24 {
        let (http, token) = (t.http.clone(), ph.clone());
        let (url, body) = if i % 2 == 0 {
            let body =
                movement("delivery", json!({"kind": "receive", "location_id": central, "lot_id": lot, "units": 1}));
            (t.url("/api/v1/pharmacy/movements"), Some(body))
        } else {
            (t.url(&format!("/api/v1/sites/{syd}/pharmacy/register")), None)
        };
        tasks.push(tokio::spawn(async move {
            let r = match body {
                Some(b) => http.post(url).bearer_auth(token).json(&b).send().await.unwrap(),
                None => http.get(url).bearer_auth(token).send().await.unwrap(),
            };
            let status = r.status().as_u16();
            (status, r.text().await.unwrap_or_default())
        }));
    }
    for task in tasks {
        let (status, body) = task.await.unwrap();
        assert!(status == 200 || status == 201, "a read or write during others' commits: {status} {body}");
    }
    assert_eq!(verify(&t).await["ok"], true);
}
