//! Authorisations over the API and pages: who may see and record them, what an entry must
//! name, and the dosing gate that booking asks.

use crate::support::TestApp;
use serde_json::{Value, json};

async fn authorisations(t: &TestApp, token: &str, site: &str) -> Vec<Value> {
    let (status, list) = t.get(token, &format!("/api/v1/sites/{site}/authorisations")).await;
    assert_eq!(status, 200, "{list}");
    list.as_array().unwrap().clone()
}

fn of_kind<'a>(list: &'a [Value], kind: &str) -> Vec<&'a Value> {
    list.iter().filter(|a| a["kind"] == kind && a["status"] == "active").collect()
}

#[tokio::test]
async fn each_site_lead_records_and_revokes_their_own_sites_authorisations_and_raters_see_none() {
    let t = TestApp::spawn().await;
    let bos = t.site_id("BOS").await;
    let lead = t.token("lead.bos").await;
    let list = authorisations(&t, &lead, &bos).await;
    assert_eq!((of_kind(&list, "ind").len(), of_kind(&list, "dea_registration").len()), (1, 1), "{list:?}");
    let path = format!("/api/v1/sites/{bos}/authorisations");
    for who in ["rater", "admin", "lead.syd", "participant.bos"] {
        assert_eq!(t.get(&t.token(who).await, &path).await.0, 403, "{who} reads");
    }
    assert_eq!(t.get(&t.token("therapist1.bos").await, &path).await.0, 200);
    assert_eq!(t.get(&t.token("monitor").await, &path).await.0, 200);
    let body = json!({"kind": "state_approval", "reference": "MA-2026-1", "issued_by": "Massachusetts DPH", "valid_from": "2026-01-01"});
    assert_eq!(t.post(&t.token("therapist1.bos").await, &path, body.clone()).await.0, 403);
    assert_eq!(t.post(&t.token("lead.syd").await, &path, body.clone()).await.0, 403);
    let (status, recorded) = t.post(&lead, &path, body).await;
    assert_eq!((status, recorded["status"].as_str()), (201, Some("active")), "{recorded}");

    // What each kind must name is required, by field.
    let sap = json!({"kind": "special_access", "reference": "SAP-1", "issued_by": "Health Canada", "valid_from": "2026-13-01"});
    let (status, problem) = t.post(&lead, &path, sap).await;
    assert_eq!(status, 422);
    let fields: Vec<&str> =
        problem["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["valid_from", "participant_id", "product", "quantity_mg"], "{problem}");
    let unknown = json!({"kind": "licence", "reference": "x", "issued_by": "y", "valid_from": "2026-01-01"});
    let (status, problem) = t.post(&lead, &path, unknown).await;
    assert_eq!((status, problem["errors"][0]["field"].as_str()), (422, Some("kind")));
    assert!(problem["errors"][0]["message"].as_str().unwrap().contains("dea_registration"), "{problem}");
    let therapist = t.app.user_by_username("therapist1.bos").await.unwrap().unwrap().id;
    let not_a_prescriber = json!({"kind": "authorised_prescriber", "reference": "AP-9", "issued_by": "TGA",
        "valid_from": "2026-01-01", "holder_id": therapist, "product": "MDMA", "indication": "PTSD"});
    let (status, problem) = t.post(&lead, &path, not_a_prescriber).await;
    assert_eq!((status, problem["errors"][0]["rule"].as_str()), (422, Some("prescriber")), "{problem}");

    // Revoking needs a reason and the site's lead; twice is a conflict.
    let id = recorded["id"].as_str().unwrap();
    let revoke = format!("/api/v1/authorisations/{id}/revoke");
    assert_eq!(t.post(&t.token("lead.syd").await, &revoke, json!({"reason": "not mine"})).await.0, 403);
    assert_eq!(t.post(&lead, &revoke, json!({"reason": " "})).await.0, 422);
    let (status, revoked) = t.post(&lead, &revoke, json!({"reason": "superseded by the renewal"})).await;
    assert_eq!((status, revoked["status"].as_str()), (200, Some("revoked")));
    assert_eq!(t.post(&lead, &revoke, json!({"reason": "again"})).await.0, 409);
    let missing = "/api/v1/authorisations/no-such-id/revoke";
    assert_eq!(t.post(&lead, missing, json!({"reason": "probe"})).await.0, 403, "unknown ids answer as not allowed");
}

/// A dosing-session booking for `code` (enrolled today) 12 days ahead, as a request body.
async fn dosing_booking(t: &TestApp, lead: &str, code: &str, site: &str, therapists: [&str; 2]) -> (String, Value) {
    let site_id = t.site_id(site).await;
    let site_record = t.app.site_by_code(site).await.unwrap().unwrap();
    let today = t.app.local_today(&site_record);
    t.prepare_enrolment(code).await;
    let p = t.participant_id(code).await;
    let enrol = json!({"protocol_id": "mapp1", "baseline_on": today.to_string()});
    let (status, enrolled) = t.post(lead, &format!("/api/v1/participants/{p}/enrolment"), enrol).await;
    assert_eq!(status, 201, "{enrolled}");
    let (_, rooms) = t.get(lead, &format!("/api/v1/sites/{site_id}/rooms")).await;
    let room = rooms.as_array().unwrap().iter().find(|r| r["name"] == "Session room A").unwrap()["id"].clone();
    let mut staff = Vec::new();
    for name in therapists {
        staff.push(t.app.user_by_username(name).await.unwrap().unwrap().id);
    }
    let ahead = today.checked_add(jiff::Span::new().days(12)).unwrap().to_string();
    let body = json!({"visit_id": "exp1", "date": ahead, "time": "09:00", "room_id": room, "staff": staff,
        "out_of_window_reason": "test: a dosing session 12 days ahead"});
    (format!("/api/v1/participants/{p}/bookings"), body)
}

#[tokio::test]
async fn a_dosing_session_is_refused_for_each_missing_or_lapsed_authorisation_and_booked_when_all_are_in_force() {
    let t = TestApp::spawn().await;
    let bos = t.site_id("BOS").await;
    let lead = t.token("lead.bos").await;
    let list = authorisations(&t, &lead, &bos).await;
    let dea = of_kind(&list, "dea_registration")[0]["id"].as_str().unwrap().to_owned();
    let surrendered = json!({"reason": "registration surrendered"});
    assert_eq!(t.post(&lead, &format!("/api/v1/authorisations/{dea}/revoke"), surrendered).await.0, 200);

    let (bookings, booking) = dosing_booking(&t, &lead, "BOS-0001", "BOS", ["therapist1.bos", "therapist2.bos"]).await;
    let (status, problem) = t.post(&lead, &bookings, booking.clone()).await;
    assert_eq!(status, 422, "{problem}");
    let error = &problem["errors"][0];
    assert_eq!((error["field"].as_str(), error["rule"].as_str()), (Some("authorisation"), Some("dea_registration")));
    let message = error["message"].as_str().unwrap();
    assert!(message.contains("DEA Schedule I registration") && message.contains("was revoked"), "{message}");

    // A registration that has lapsed is named with its date.
    let path = format!("/api/v1/sites/{bos}/authorisations");
    let lapsed = json!({"kind": "dea_registration", "reference": "RB0000001", "issued_by": "DEA",
        "valid_from": "2024-01-01", "expires_on": "2025-12-31"});
    assert_eq!(t.post(&lead, &path, lapsed).await.0, 201);
    let (status, problem) = t.post(&lead, &bookings, booking.clone()).await;
    assert_eq!(status, 422);
    let messages = problem["errors"].to_string();
    assert!(messages.contains("expired on 2025-12-31"), "{problem}");

    // In force again: booked.
    let renewed = json!({"kind": "dea_registration", "reference": "RB0312999", "issued_by": "DEA",
        "valid_from": "2026-01-01", "expires_on": "2029-10-31"});
    assert_eq!(t.post(&lead, &path, renewed).await.0, 201);
    let (status, booked) = t.post(&lead, &bookings, booking).await;
    assert_eq!(status, 201, "{booked}");
}

#[tokio::test]
async fn a_per_patient_authorisation_covers_only_its_patient() {
    let t = TestApp::spawn().await;
    let van = t.site_id("VAN").await;
    let lead = t.token("lead.van").await;
    let list = authorisations(&t, &lead, &van).await;
    let p = t.participant_id("VAN-0002").await;
    let own = list.iter().find(|a| a["participant_id"] == p.as_str()).unwrap()["id"].as_str().unwrap().to_owned();
    let withdrawn = json!({"reason": "authorisation withdrawn by Health Canada"});
    assert_eq!(t.post(&lead, &format!("/api/v1/authorisations/{own}/revoke"), withdrawn).await.0, 200);
    let (bookings, booking) = dosing_booking(&t, &lead, "VAN-0002", "VAN", ["therapist1.van", "therapist2.van"]).await;
    let (status, problem) = t.post(&lead, &bookings, booking).await;
    assert_eq!((status, problem["errors"][0]["rule"].as_str()), (422, Some("special_access")), "{problem}");
    assert!(problem["errors"][0]["message"].as_str().unwrap().contains("for this participant"));
}

#[tokio::test]
async fn the_site_lead_is_warned_of_an_authorisation_lapsing_within_sixty_days() {
    let t = TestApp::spawn().await;
    let browser = t.browser("lead.syd").await;
    let page = browser.get(t.url("/")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Authorisations lapsing soon") && page.contains("AP-2025-0188"), "{page}");
    assert!(page.contains("lapses in 45 days"), "{page}");
    let therapist = t.browser("therapist1.syd").await;
    let page = therapist.get(t.url("/")).send().await.unwrap().text().await.unwrap();
    assert!(!page.contains("Authorisations lapsing soon"), "only those who manage them are asked to act");
    let syd = t.site_id("SYD").await;
    let page = browser.get(t.url(&format!("/sites/{syd}/authorisations"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("HREC/2025/ETH0417") && page.contains("Record an authorisation"), "{page}");
    let page =
        therapist.get(t.url(&format!("/sites/{syd}/authorisations"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("HREC/2025/ETH0417") && !page.contains("Record an authorisation"));
}
