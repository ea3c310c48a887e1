//! Prescribing over the API and pages: who may prescribe and see prescriptions, the dose plan
//! against the protocol, the gate (each authorisation kind and the site's readiness), and the
//! invariants under concurrent writes.

use crate::support::{PASSWORD, TestApp};
use serde_json::{Value, json};

/// Enrols `code` today on MAPP1 (its site lead) and returns its participant id.
pub(crate) async fn enrolled(t: &TestApp, code: &str) -> String {
    let site_code = code.split('-').next().unwrap();
    let lead = t.token(&format!("lead.{}", site_code.to_ascii_lowercase())).await;
    let site = t.app.site_by_code(site_code).await.unwrap().unwrap();
    t.prepare_enrolment(code).await;
    let p = t.participant_id(code).await;
    let enrol = json!({"protocol_id": "mapp1", "baseline_on": t.app.local_today(&site).to_string()});
    let (status, body) = t.post(&lead, &format!("/api/v1/participants/{p}/enrolment"), enrol).await;
    assert_eq!(status, 201, "{body}");
    p
}

/// A prescription of the protocol's doses for `visits` (MAPP1: exp1 80+40, exp2 and exp3 120+60).
pub(crate) fn rx(product: &str, visits: &[&str]) -> Value {
    let doses: Vec<Value> = visits
        .iter()
        .map(|v| match *v {
            "exp1" => json!({"visit_id": "exp1", "initial_mg": 80, "supplemental_mg": 40}),
            other => json!({"visit_id": other, "initial_mg": 120, "supplemental_mg": 60}),
        })
        .collect();
    json!({"product": product, "indication": "treatment-resistant PTSD", "strength_mg": 20, "doses": doses, "password": PASSWORD})
}

pub(crate) const PRODUCT: &str = "MDMA hydrochloride capsules";

fn rules(problem: &Value) -> Vec<(String, String)> {
    problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["field"].as_str().unwrap().to_owned(), e["rule"].as_str().unwrap().to_owned()))
        .collect()
}

pub(crate) async fn authorisation_id(t: &TestApp, token: &str, site: &str, reference: &str) -> String {
    let (_, list) = t.get(token, &format!("/api/v1/sites/{site}/authorisations")).await;
    list.as_array().unwrap().iter().find(|a| a["reference"] == reference).unwrap()["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn only_prescribers_prescribe_signing_within_the_protocol_and_clinicians_see_it_but_raters_do_not() {
    let t = TestApp::spawn().await;
    let p = enrolled(&t, "SYD-0001").await;
    let path = format!("/api/v1/participants/{p}/prescriptions");
    let physician = t.token("physician.syd").await;
    for who in ["therapist1.syd", "pharmacist.syd", "rater", "lead.bos", "participant.syd", "admin"] {
        assert_eq!(t.post(&t.token(who).await, &path, rx(PRODUCT, &["exp1"])).await.0, 403, "{who} prescribes");
    }
    let mut wrong = rx(PRODUCT, &["exp1"]);
    wrong["password"] = json!("not the password");
    let (status, problem) = t.post(&physician, &path, wrong).await;
    assert_eq!(
        (status, problem["errors"][0]["field"].as_str()),
        (422, Some("password")),
        "writing a prescription signs it"
    );

    // Over the protocol's dose, not in whole units, not a dosing session: each named by field.
    let over = json!({"product": PRODUCT, "indication": "treatment-resistant PTSD", "strength_mg": 20, "password": PASSWORD,
        "doses": [{"visit_id": "exp1", "initial_mg": 120, "supplemental_mg": 30}, {"visit_id": "prep1", "initial_mg": 80}]});
    let (status, problem) = t.post(&physician, &path, over).await;
    assert_eq!(status, 422, "{problem}");
    assert_eq!(
        rules(&problem),
        [
            ("doses[0].initial_mg".into(), "dose_limit".into()),
            ("doses[0].supplemental_mg".into(), "whole_units".into()),
            ("doses[1].visit_id".into(), "one_of".into()),
        ]
    );
    let (status, written) = t.post(&physician, &path, rx(PRODUCT, &["exp1"])).await;
    assert_eq!(
        (status, written["status"].as_str(), written["total_mg"].as_f64()),
        (201, Some("active"), Some(120.0)),
        "{written}"
    );
    assert_eq!(written["plan"]["doses"][0], json!({"visit_id": "exp1", "initial_mg": 80.0, "supplemental_mg": 40.0}));
    let (status, problem) = t.post(&physician, &path, rx(PRODUCT, &["exp1"])).await;
    assert_eq!((status, rules(&problem)), (422, vec![("doses[0].visit_id".into(), "already_prescribed".into())]));

    // Signed as written: the manifestation names the prescriber.
    let id = written["id"].as_str().unwrap();
    let (status, signatures) =
        t.get(&physician, &format!("/api/v1/signatures?entity_kind=prescription&entity_id={id}")).await;
    assert_eq!(status, 200, "{signatures}");
    assert_eq!(
        (signatures[0]["meaning"].as_str(), signatures[0]["signer_name"].as_str()),
        (Some("authorship"), Some(written_by(&t, "physician.syd").await.as_str()))
    );
    assert_eq!(signatures[0]["record_unchanged"], true);

    for (who, expected) in
        [("pharmacist.syd", 200), ("therapist1.syd", 200), ("monitor", 200), ("rater", 403), ("lead.bos", 403)]
    {
        assert_eq!(t.get(&t.token(who).await, &path).await.0, expected, "{who} reads");
    }

    // Cancelled by its prescriber or the lead (not another prescriber), with a reason, once.
    let cancel = format!("/api/v1/prescriptions/{id}/cancel");
    assert_eq!(t.post(&t.token("lead.bos").await, &cancel, json!({"reason": "x"})).await.0, 403);
    assert_eq!(t.post(&physician, &cancel, json!({"reason": " "})).await.0, 422);
    let (status, cancelled) = t.post(&t.token("lead.syd").await, &cancel, json!({"reason": "dose plan revised"})).await;
    assert_eq!((status, cancelled["status"].as_str()), (200, Some("cancelled")));
    assert_eq!(t.post(&physician, &cancel, json!({"reason": "again"})).await.0, 409);
    assert_eq!(t.post(&physician, "/api/v1/prescriptions/nope/cancel", json!({"reason": "probe"})).await.0, 403);
    let (status, again) = t.post(&physician, &path, rx(PRODUCT, &["exp1"])).await;
    assert_eq!(status, 201, "a cancelled prescription frees its session: {again}");
}

#[tokio::test]
async fn prescribing_is_refused_for_each_missing_or_lapsed_australian_authorisation_and_an_unready_site() {
    let t = TestApp::spawn().await;
    let syd = t.site_id("SYD").await;
    let p = enrolled(&t, "SYD-0001").await;
    let path = format!("/api/v1/participants/{p}/prescriptions");
    let lead = t.token("lead.syd").await;
    let physician = t.token("physician.syd").await;

    // The ethics approval revoked: named, with why.
    let hrec = authorisation_id(&t, &lead, &syd, "HREC/2025/ETH0417").await;
    assert_eq!(
        t.post(&lead, &format!("/api/v1/authorisations/{hrec}/revoke"), json!({"reason": "suspended"})).await.0,
        200
    );
    let (status, problem) = t.post(&physician, &path, rx(PRODUCT, &["exp1"])).await;
    assert_eq!((status, rules(&problem)), (422, vec![("authorisation".into(), "hrec_approval".into())]), "{problem}");
    assert!(problem["errors"][0]["message"].as_str().unwrap().contains("HREC/2025/ETH0417 was revoked"), "{problem}");
    let renewed = json!({"kind": "hrec_approval", "reference": "HREC/2026/ETH0999", "issued_by": "Bellberry HREC", "valid_from": "2026-01-01", "expires_on": "2029-12-31"});
    assert_eq!(t.post(&lead, &format!("/api/v1/sites/{syd}/authorisations"), renewed).await.0, 201);

    // The prescriber's own approval must name the product and the indication prescribed.
    let (status, problem) = t.post(&physician, &path, rx("MDMA oral solution", &["exp1"])).await;
    assert_eq!((status, rules(&problem)), (422, vec![("authorisation".into(), "authorised_prescriber".into())]));
    assert!(
        problem["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("covers MDMA hydrochloride capsules, not MDMA oral solution")
    );
    // Another prescriber's approval does not cover this one.
    let ap = authorisation_id(&t, &lead, &syd, "AP-2025-0188").await;
    assert_eq!(
        t.post(&lead, &format!("/api/v1/authorisations/{ap}/revoke"), json!({"reason": "lapsed early"})).await.0,
        200
    );
    let (status, problem) = t.post(&physician, &path, rx(PRODUCT, &["exp1"])).await;
    assert_eq!((status, rules(&problem)), (422, vec![("authorisation".into(), "authorised_prescriber".into())]));
    assert!(problem["errors"][0]["message"].as_str().unwrap().contains("for this prescriber"), "{problem}");
    let (status, _) = t.post(&lead, &path, rx(PRODUCT, &["exp1"])).await;
    assert_eq!(status, 201, "the lead's own approval is in force");

    // An open readiness finding stops prescribing (and booking) at the site until signed off.
    let readiness = format!("/api/v1/sites/{syd}/readiness");
    let finding = json!({"checklist_id": "dosing-centre", "item_id": "emergency-kit", "outcome": "not_met",
        "finding": "defibrillator pads expired", "password": PASSWORD});
    assert_eq!(t.post(&physician, &readiness, finding.clone()).await.0, 403, "the lead signs readiness");
    assert_eq!(t.post(&lead, &readiness, finding).await.0, 201);
    let (status, problem) = t.post(&lead, &path, rx(PRODUCT, &["exp2"])).await;
    assert_eq!((status, rules(&problem)), (422, vec![("readiness".into(), "emergency-kit".into())]), "{problem}");
    assert!(problem["errors"][0]["message"].as_str().unwrap().contains("open finding: defibrillator pads expired"));
    let (_, state) = t.get(&t.token("therapist1.syd").await, &readiness).await;
    assert_eq!(state["ready"], false);
    let met =
        json!({"checklist_id": "dosing-centre", "item_id": "emergency-kit", "outcome": "met", "password": PASSWORD});
    assert_eq!(t.post(&lead, &readiness, met).await.0, 201);
    assert_eq!(t.post(&lead, &path, rx(PRODUCT, &["exp2"])).await.0, 201);

    // Victoria also needs a notice for the participant before treatment.
    let admin = t.token("admin").await;
    let to_vic = json!({"code": "SYD", "name": "Sydney Centre", "time_zone": "Australia/Sydney", "jurisdiction": "AU-VIC",
        "status": "active", "reason": "test: the site's rules as if in Victoria"});
    assert_eq!(t.put(&admin, &format!("/api/v1/sites/{syd}"), to_vic).await.0, 200);
    let (status, problem) = t.post(&lead, &path, rx(PRODUCT, &["exp3"])).await;
    assert_eq!((status, rules(&problem)), (422, vec![("authorisation".into(), "state_notice".into())]), "{problem}");
    let notice = json!({"kind": "state_notice", "reference": "VIC-N-1", "issued_by": "Victorian Department of Health",
        "participant_id": p, "valid_from": "2026-01-01"});
    assert_eq!(t.post(&lead, &format!("/api/v1/sites/{syd}/authorisations"), notice).await.0, 201);
    assert_eq!(t.post(&lead, &path, rx(PRODUCT, &["exp3"])).await.0, 201);
}

#[tokio::test]
async fn us_and_canadian_prescriptions_need_the_site_registrations_and_the_patients_authorised_quantity() {
    let t = TestApp::spawn().await;
    // Boston: the IND and the DEA registration, each named when missing.
    let bos = t.site_id("BOS").await;
    let p = enrolled(&t, "BOS-0001").await;
    let path = format!("/api/v1/participants/{p}/prescriptions");
    let lead = t.token("lead.bos").await;
    let physician = t.token("physician.bos").await;
    for (reference, kind) in [("IND 063384", "ind"), ("RB0312745", "dea_registration")] {
        let id = authorisation_id(&t, &lead, &bos, reference).await;
        assert_eq!(
            t.post(&lead, &format!("/api/v1/authorisations/{id}/revoke"), json!({"reason": "test"})).await.0,
            200
        );
        let (status, problem) = t.post(&physician, &path, rx(PRODUCT, &["exp1"])).await;
        assert_eq!(status, 422);
        assert!(rules(&problem).contains(&("authorisation".into(), kind.into())), "{problem}");
    }
    let lapsed = json!({"kind": "ind", "reference": "IND 1", "issued_by": "FDA", "valid_from": "2020-01-01", "expires_on": "2025-12-31"});
    assert_eq!(t.post(&lead, &format!("/api/v1/sites/{bos}/authorisations"), lapsed).await.0, 201);
    let (_, problem) = t.post(&physician, &path, rx(PRODUCT, &["exp1"])).await;
    assert!(problem["errors"].to_string().contains("IND 1 expired on 2025-12-31"), "{problem}");
    for (kind, reference, issuer) in [("ind", "IND 2", "FDA"), ("dea_registration", "RB2", "DEA")] {
        let body = json!({"kind": kind, "reference": reference, "issued_by": issuer, "valid_from": "2026-01-01"});
        assert_eq!(t.post(&lead, &format!("/api/v1/sites/{bos}/authorisations"), body).await.0, 201);
    }
    assert_eq!(t.post(&physician, &path, rx(PRODUCT, &["exp1"])).await.0, 201);

    // Vancouver: a per-patient authorisation of 540 mg covers the course (480 mg) but no more.
    let van = t.site_id("VAN").await;
    let lead = t.token("lead.van").await;
    let physician = t.token("physician.van").await;
    let p = enrolled(&t, "VAN-0001").await;
    let path = format!("/api/v1/participants/{p}/prescriptions");
    let sap = authorisation_id(&t, &lead, &van, "SAP-2025-04101").await;
    assert_eq!(
        t.post(&lead, &format!("/api/v1/authorisations/{sap}/revoke"), json!({"reason": "replaced"})).await.0,
        200
    );
    let (status, problem) = t.post(&physician, &path, rx(PRODUCT, &["exp1"])).await;
    assert_eq!((status, rules(&problem)), (422, vec![("authorisation".into(), "special_access".into())]));
    let smaller = json!({"kind": "special_access", "reference": "SAP-2026-1", "issued_by": "Health Canada",
        "participant_id": p, "product": PRODUCT, "quantity_mg": 300, "valid_from": "2026-01-01"});
    assert_eq!(t.post(&lead, &format!("/api/v1/sites/{van}/authorisations"), smaller).await.0, 201);
    assert_eq!(t.post(&physician, &path, rx(PRODUCT, &["exp1"])).await.0, 201, "120 mg of 300");
    assert_eq!(
        t.post(&physician, &path, rx(PRODUCT, &["exp2"])).await.0,
        201,
        "120 + 180 mg: exactly the 300 authorised"
    );
    let (status, problem) = t.post(&physician, &path, rx(PRODUCT, &["exp3"])).await;
    assert_eq!((status, rules(&problem)), (422, vec![("authorisation".into(), "special_access".into())]));
    let message = problem["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("SAP-2026-1 authorises 300 mg; prescribed in all this would be 480 mg"), "{message}");
}

async fn written_by(t: &TestApp, username: &str) -> String {
    t.app.user_by_username(username).await.unwrap().unwrap().display_name
}

/// Four prescriptions of one session at once: exactly one is written (the check that the
/// session is not already prescribed is made inside the writing transaction). Four, because
/// each signs with the password and more in flight at once would meet the password throttle
/// (which counts an attempt before checking it) instead of the invariant.
#[tokio::test]
async fn concurrent_prescriptions_of_one_session_write_exactly_one() {
    let t = TestApp::spawn().await;
    let p = enrolled(&t, "SYD-0001").await;
    let path = format!("/api/v1/participants/{p}/prescriptions");
    let lead = t.token("lead.syd").await;
    let attempts = (0..4).map(|_| t.post(&lead, &path, rx(PRODUCT, &["exp1"])));
    let statuses: Vec<u16> = futures_util::future::join_all(attempts).await.into_iter().map(|(s, _)| s).collect();
    assert_eq!(statuses.iter().filter(|s| **s == 201).count(), 1, "{statuses:?}");
    assert!(statuses.iter().all(|s| *s == 201 || *s == 422), "{statuses:?}");
    let (_, list) = t.get(&lead, &path).await;
    assert_eq!(list.as_array().unwrap().len(), 1);
}

/// Prescriptions of different sessions at once against a per-patient quantity that covers only
/// some of them: what is written never exceeds the quantity.
#[tokio::test]
async fn concurrent_prescriptions_never_exceed_the_patients_authorised_quantity() {
    let t = TestApp::spawn().await;
    let van = t.site_id("VAN").await;
    let lead = t.token("lead.van").await;
    let p = enrolled(&t, "VAN-0001").await;
    let sap = authorisation_id(&t, &lead, &van, "SAP-2025-04101").await;
    assert_eq!(
        t.post(&lead, &format!("/api/v1/authorisations/{sap}/revoke"), json!({"reason": "replaced"})).await.0,
        200
    );
    let limited = json!({"kind": "special_access", "reference": "SAP-2026-2", "issued_by": "Health Canada",
        "participant_id": p, "product": PRODUCT, "quantity_mg": 300, "valid_from": "2026-01-01"});
    assert_eq!(t.post(&lead, &format!("/api/v1/sites/{van}/authorisations"), limited).await.0, 201);
    let path = format!("/api/v1/participants/{p}/prescriptions");
    let physician = t.token("physician.van").await;
    // 180 mg each: any one fits in 300 mg, no two do.
    let attempts = ["exp2", "exp3", "exp2", "exp3"].map(|v| t.post(&physician, &path, rx(PRODUCT, &[v])));
    let answers = futures_util::future::join_all(attempts).await;
    let written = answers.iter().filter(|(s, _)| *s == 201).count();
    assert_eq!(written, 1, "{answers:?}");
    let (_, list) = t.get(&physician, &path).await;
    let total: f64 = list.as_array().unwrap().iter().map(|rx| rx["total_mg"].as_f64().unwrap()).sum();
    assert!(total <= 300.0, "{total} mg written against 300 mg authorised");
}

/// The state notices' clocks run from the records: in South Australia a notice is owed within
/// one business day of prescribing (in the site's calendar), in Victoria by the business day
/// before the first dosing session.
#[tokio::test]
async fn prescribing_and_treatment_start_the_state_notices_clocks() {
    use catalyst_regulatory::{Calendars, add_business_days, sub_business_days};
    let t = TestApp::spawn().await;
    let syd = t.site_id("SYD").await;
    let admin = t.token("admin").await;
    let lead = t.token("lead.syd").await;
    let move_to = |jurisdiction: &str| {
        json!({"code": "SYD", "name": "Sydney Centre", "time_zone": "Australia/Sydney", "jurisdiction": jurisdiction,
            "status": "active", "reason": "test: the site's rules as if in another state"})
    };
    assert_eq!(t.put(&admin, &format!("/api/v1/sites/{syd}"), move_to("AU-SA")).await.0, 200);
    let p = enrolled(&t, "SYD-0001").await;
    let (status, written) =
        t.post(&lead, &format!("/api/v1/participants/{p}/prescriptions"), rx(PRODUCT, &["exp1"])).await;
    assert_eq!(status, 201, "{written}");
    let site = t.app.site_by_code("SYD").await.unwrap().unwrap();
    let today = t.app.local_today(&site);
    let calendars = Calendars::builtin().unwrap();
    let (_, owed) = t.get(&lead, &format!("/api/v1/sites/{syd}/reports")).await;
    let notice = owed
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["report"]["subject"] == written["id"])
        .expect("a notice of prescribing");
    assert_eq!(notice["report"]["rule"]["id"], "au_sa_chief_psychiatrist_notice");
    let due = add_business_days(today, 1, &calendars.for_jurisdiction("AU-SA").unwrap()).unwrap();
    assert_eq!(notice["report"]["due"], due.to_string());
    let page = t.page_as("lead.syd", &format!("/sites/{syd}/reports")).await;
    assert!(page.contains(&format!("the prescription for SYD-0001 of {today}")), "named by participant, not id");

    // Victoria: a booked dosing session starts the participant's treatment; the notice is due
    // by the business day before it.
    let (_, rooms) = t.get(&lead, &format!("/api/v1/sites/{syd}/rooms")).await;
    let room = rooms.as_array().unwrap().iter().find(|r| r["name"] == "Session room A").unwrap()["id"].clone();
    let mut staff = Vec::new();
    for name in ["therapist1.syd", "therapist2.syd"] {
        staff.push(t.app.user_by_username(name).await.unwrap().unwrap().id);
    }
    let day = today.checked_add(jiff::Span::new().days(20)).unwrap();
    let booking = json!({"visit_id": "exp1", "date": day.to_string(), "time": "09:00", "room_id": room, "staff": staff,
        "out_of_window_reason": "test: a dosing session 12 days ahead"});
    let (status, booked) = t.post(&lead, &format!("/api/v1/participants/{p}/bookings"), booking).await;
    assert_eq!(status, 201, "{booked}");
    assert_eq!(t.put(&admin, &format!("/api/v1/sites/{syd}"), move_to("AU-VIC")).await.0, 200);
    let (_, owed) = t.get(&lead, &format!("/api/v1/sites/{syd}/reports")).await;
    let notice = owed
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["report"]["rule"]["id"] == "au_vic_pre_treatment_notice" && o["report"]["subject"] == p.as_str())
        .expect("SYD-0001 is owed a notice before treatment");
    assert_eq!(notice["report"]["trigger_date"], day.to_string());
    let due = sub_business_days(day, 1, &calendars.for_jurisdiction("AU-VIC").unwrap()).unwrap();
    assert_eq!(notice["report"]["due"], due.to_string());
}

#[tokio::test]
async fn the_prescription_page_writes_and_signs_and_keeps_what_was_entered_when_refused() {
    let t = TestApp::spawn().await;
    let p = enrolled(&t, "SYD-0001").await;
    let physician = t.browser("physician.syd").await;
    let path = format!("/participants/{p}/prescriptions");
    let page = physician.get(t.url(&path)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Nothing is prescribed yet") && page.contains("Prescribe and sign"), "{page}");
    assert!(page.contains(r#"value="MDMA hydrochloride capsules""#), "the prescriber's approved product is offered");
    let participant = t.page_as("lead.syd", &format!("/participants/{p}")).await;
    assert!(
        participant.contains(&format!(r#"href="/participants/{p}/prescriptions""#)),
        "linked from the participant's page"
    );

    // Over the protocol's dose: refused, named, and the form keeps the entries.
    let over = [
        ("product", PRODUCT),
        ("indication", "treatment-resistant PTSD"),
        ("strength_mg", "20"),
        ("dose_exp1", "on"),
        ("initial_exp1", "100"),
        ("supplemental_exp1", "40"),
        ("password", PASSWORD),
    ];
    let refused = t.submit(&physician, &path, &over).await;
    assert_eq!(refused.status(), 422);
    let body = refused.text().await.unwrap();
    assert!(
        body.contains("100 mg is above the protocol&#39;s initial dose of 80 mg for exp1")
            || body.contains("100 mg is above the protocol's initial dose of 80 mg for exp1"),
        "{body}"
    );
    assert!(
        body.contains(r#"name="initial_exp1" inputmode="decimal" aria-label="Initial dose for exp1" value="100""#),
        "{body}"
    );

    let ok = [
        ("product", PRODUCT),
        ("indication", "treatment-resistant PTSD"),
        ("strength_mg", "20"),
        ("dose_exp1", "on"),
        ("initial_exp1", "80"),
        ("supplemental_exp1", "40"),
        ("password", PASSWORD),
    ];
    let written = t.submit(&physician, &path, &ok).await;
    assert_eq!(written.status(), 200, "followed the redirect");
    let body = written.text().await.unwrap();
    assert!(body.contains("Prescription written and signed") && body.contains("80 mg + 40 mg supplemental"), "{body}");
    assert!(
        body.contains("Signed by Dr Tom Hargreaves on ") && body.contains("I am the author of this record"),
        "the signature is shown: {body}"
    );
    let rater = t.browser("rater").await.get(t.url(&path)).send().await.unwrap();
    assert_eq!(rater.status(), 403, "a blinded rater sees no prescription");
}

#[tokio::test]
async fn the_readiness_page_shows_each_item_and_a_finding_reaches_the_leads_worklist() {
    let t = TestApp::spawn().await;
    let syd = t.site_id("SYD").await;
    let lead = t.browser("lead.syd").await;
    let path = format!("/sites/{syd}/readiness");
    let page = lead.get(t.url(&path)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Every item is met") && page.contains("Emergency kit checked"), "{page}");
    let therapist = t.browser("therapist1.syd").await.get(t.url(&path)).send().await.unwrap().text().await.unwrap();
    assert!(
        therapist.contains("Emergency kit checked") && !therapist.contains(r#"name="outcome""#),
        "therapists read, leads sign"
    );
    let finding = [
        ("checklist_id", "dosing-centre"),
        ("item_id", "emergency-kit"),
        ("outcome", "not_met"),
        ("finding", ""),
        ("password", PASSWORD),
    ];
    let refused = t.submit(&lead, &path, &finding).await;
    assert_eq!(refused.status(), 422, "a finding must say what was found");
    let finding = [
        ("checklist_id", "dosing-centre"),
        ("item_id", "emergency-kit"),
        ("outcome", "not_met"),
        ("finding", "oxygen cylinder empty"),
        ("password", PASSWORD),
    ];
    let body = t.submit(&lead, &path, &finding).await.text().await.unwrap();
    assert!(body.contains("1 of ") && body.contains("oxygen cylinder empty"), "{body}");
    let dashboard = lead.get(t.url("/")).send().await.unwrap().text().await.unwrap();
    assert!(
        dashboard.contains("Site readiness") && dashboard.contains("open finding: dosing is refused"),
        "{dashboard}"
    );
    assert!(
        dashboard.contains("Booked dosing sessions no longer authorised"),
        "the demo's booked sessions are flagged"
    );
}

/// Nothing is prescribed for a participant who withdrew consent to treatment or withdrew from
/// the programme, and no dosing session is booked for them.
#[tokio::test]
async fn no_prescription_or_dosing_booking_after_consent_or_the_participant_is_withdrawn() {
    let t = TestApp::spawn().await;
    let p = enrolled(&t, "SYD-0001").await;
    let lead = t.token("lead.syd").await;
    let path = format!("/api/v1/participants/{p}/prescriptions");
    let participant = t.app.participant_by_code("SYD-0001").await.unwrap().unwrap();
    let account = t.app.user_by_id(&participant.user_id.unwrap()).await.unwrap().unwrap().username;
    let own = t.token(&account).await;
    let withdraw = json!({"part": "treatment", "reason": "I no longer want the medicine"});
    assert_eq!(t.post(&own, &format!("/api/v1/participants/{p}/consent/withdraw"), withdraw).await.0, 200);
    let (status, problem) = t.post(&lead, &path, rx(PRODUCT, &["exp1"])).await;
    assert_eq!((status, rules(&problem)), (422, vec![("consent".into(), "current".into())]), "{problem}");

    // Booking a dosing session asks the same question.
    let syd = t.site_id("SYD").await;
    let (_, rooms) = t.get(&lead, &format!("/api/v1/sites/{syd}/rooms")).await;
    let room = rooms.as_array().unwrap().iter().find(|r| r["name"] == "Session room A").unwrap()["id"].clone();
    let mut staff = Vec::new();
    for name in ["therapist1.syd", "therapist2.syd"] {
        staff.push(t.app.user_by_username(name).await.unwrap().unwrap().id);
    }
    let site = t.app.site_by_code("SYD").await.unwrap().unwrap();
    let day = t.app.local_today(&site).checked_add(jiff::Span::new().days(20)).unwrap();
    let booking = json!({"visit_id": "exp1", "date": day.to_string(), "time": "09:00", "room_id": room, "staff": staff,
        "out_of_window_reason": "test: a dosing session 20 days ahead"});
    let (status, problem) = t.post(&lead, &format!("/api/v1/participants/{p}/bookings"), booking).await;
    assert_eq!((status, problem["errors"][0]["field"].as_str()), (422, Some("consent")), "{problem}");

    let q = enrolled(&t, "SYD-0002").await;
    let stage = json!({"stage": "withdrawn", "reason": "moved away"});
    assert_eq!(t.post(&lead, &format!("/api/v1/participants/{q}/stage"), stage).await.0, 200);
    let (status, problem) =
        t.post(&lead, &format!("/api/v1/participants/{q}/prescriptions"), rx(PRODUCT, &["exp1"])).await;
    assert_eq!((status, rules(&problem)), (422, vec![("stage".into(), "treatable".into())]), "{problem}");
}

/// A prescription changed in the database after it was signed is shown as such, never as
/// validly signed; one cancelled through Catalyst says so plainly.
#[tokio::test]
async fn a_prescription_changed_after_signing_is_flagged_on_its_page() {
    let t = TestApp::spawn().await;
    let p = t.participant_id("SYD-0006").await;
    let lead = t.token("lead.syd").await;
    let (_, list) = t.get(&lead, &format!("/api/v1/participants/{p}/prescriptions")).await;
    let id = list[0]["id"].as_str().unwrap().to_owned();
    let path = format!("/participants/{p}/prescriptions");
    let page = t.page_as("pharmacist.syd", &path).await;
    assert!(page.contains("I am the author of this record") && !page.contains("changed since it was signed"), "{page}");
    let forged = r#"{"strength_mg":20.0,"doses":[{"visit_id":"exp1","initial_mg":400.0,"supplemental_mg":200.0}]}"#;
    t.raw(&format!("UPDATE prescriptions SET plan = '{forged}' WHERE id = '{id}'")).await;
    let page = t.page_as("pharmacist.syd", &path).await;
    assert!(page.contains("changed since it was signed: do not dispense or give from it"), "{page}");
}

/// A booked, prescribed session is checked against its own prescriber's approval: revoking it
/// puts the session on the lead's list at once, though another prescriber's approval is in force.
#[tokio::test]
async fn revoking_the_prescribers_approval_flags_their_booked_sessions() {
    let t = TestApp::spawn().await;
    let syd = t.site_id("SYD").await;
    let lead = t.token("lead.syd").await;
    let dashboard = t.page_as("lead.syd", "/").await;
    assert!(!dashboard.contains("no longer authorised"), "{dashboard}");
    let ap = authorisation_id(&t, &lead, &syd, "AP-2025-0188").await;
    assert_eq!(
        t.post(&lead, &format!("/api/v1/authorisations/{ap}/revoke"), json!({"reason": "approval cancelled"})).await.0,
        200
    );
    let dashboard = t.page_as("lead.syd", "/").await;
    assert!(
        dashboard.contains("Booked dosing sessions no longer authorised") && dashboard.contains("SYD-0005"),
        "{dashboard}"
    );
    assert!(!dashboard.contains("SYD-0006 on"), "SYD-0006's prescriber (the lead) is still approved: {dashboard}");
}

/// Another prescriber may countersign a prescription (review), never sign as its author.
#[tokio::test]
async fn a_prescription_is_countersigned_only_as_a_review_or_approval() {
    let t = TestApp::spawn().await;
    let p = t.participant_id("SYD-0005").await;
    let lead = t.token("lead.syd").await;
    let (_, list) = t.get(&lead, &format!("/api/v1/participants/{p}/prescriptions")).await;
    let id = list[0]["id"].as_str().unwrap();
    let sign = |meaning: &str| json!({"entity_kind": "prescription", "entity_id": id, "meaning": meaning, "password": PASSWORD});
    let (status, problem) = t.post(&lead, "/api/v1/signatures", sign("authorship")).await;
    assert_eq!((status, problem["errors"][0]["field"].as_str()), (422, Some("meaning")), "{problem}");
    assert!(problem["errors"][0]["message"].as_str().unwrap().contains("review or approval"), "{problem}");
    assert_eq!(t.post(&lead, "/api/v1/signatures", sign("review")).await.0, 201);
    assert_eq!(
        t.post(&t.token("pharmacist.syd").await, "/api/v1/signatures", sign("review")).await.0,
        403,
        "only prescribers countersign"
    );
}
