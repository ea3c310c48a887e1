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

    // Revoked after the booking: the session stays booked, and the lead is told at once.
    let browser = t.browser("lead.bos").await;
    let dashboard = browser.get(t.url("/")).send().await.unwrap().text().await.unwrap();
    assert!(!dashboard.contains("no longer authorised"), "covered sessions raise nothing");
    let list = authorisations(&t, &lead, &bos).await;
    let renewed = list.iter().find(|a| a["reference"] == "RB0312999").unwrap()["id"].as_str().unwrap().to_owned();
    let revoked = json!({"reason": "registration suspended"});
    assert_eq!(t.post(&lead, &format!("/api/v1/authorisations/{renewed}/revoke"), revoked).await.0, 200);
    let dashboard = browser.get(t.url("/")).send().await.unwrap().text().await.unwrap();
    assert!(dashboard.contains("Booked dosing sessions no longer authorised or ready (1)"), "{dashboard}");
    assert!(dashboard.contains("BOS-0001") && dashboard.contains("RB0312999 was revoked"), "{dashboard}");
    let other = t.browser("therapist1.bos").await.get(t.url("/")).send().await.unwrap().text().await.unwrap();
    assert!(!other.contains("no longer authorised"), "told to those who manage the authorisations");
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

/// A site that is not ready cannot book a dosing session: an item with a finding, or never
/// signed off under a new checklist, is named; signed off again, the booking goes through.
#[tokio::test]
async fn a_dosing_session_is_refused_at_a_site_that_is_not_ready() {
    let t = TestApp::spawn().await;
    let bos = t.site_id("BOS").await;
    let lead = t.token("lead.bos").await;
    let readiness = format!("/api/v1/sites/{bos}/readiness");
    let item = |outcome: &str, finding: Option<&str>| {
        json!({"checklist_id": "us-schedule-i", "item_id": "schedule-i-records", "outcome": outcome,
            "finding": finding, "password": crate::support::PASSWORD})
    };
    let (status, _) = t.post(&lead, &readiness, item("not_met", Some("inventory not taken"))).await;
    assert_eq!(status, 201);
    let (bookings, booking) = dosing_booking(&t, &lead, "BOS-0001", "BOS", ["therapist1.bos", "therapist2.bos"]).await;
    let (status, problem) = t.post(&lead, &bookings, booking.clone()).await;
    assert_eq!(status, 422, "{problem}");
    assert_eq!(
        (problem["errors"][0]["field"].as_str(), problem["errors"][0]["rule"].as_str()),
        (Some("readiness"), Some("schedule-i-records"))
    );
    assert!(problem["errors"][0]["message"].as_str().unwrap().contains("BOS is not ready on"), "{problem}");
    for (body, field) in [
        (
            json!({"checklist_id": "au-authorised-prescriber", "item_id": "s8-register", "outcome": "met", "password": crate::support::PASSWORD}),
            "checklist_id",
        ),
        (
            json!({"checklist_id": "us-schedule-i", "item_id": "kitchen", "outcome": "met", "password": crate::support::PASSWORD}),
            "item_id",
        ),
        (
            json!({"checklist_id": "us-schedule-i", "item_id": "schedule-i-records", "outcome": "fine", "password": crate::support::PASSWORD}),
            "outcome",
        ),
    ] {
        let (status, problem) = t.post(&lead, &readiness, body).await;
        assert_eq!((status, problem["errors"][0]["field"].as_str()), (422, Some(field)), "{problem}");
    }
    assert_eq!(t.post(&t.token("lead.syd").await, &readiness, item("met", None)).await.0, 403, "another site's lead");
    assert_eq!(t.post(&lead, &readiness, item("met", None)).await.0, 201);
    let (status, booked) = t.post(&lead, &bookings, booking).await;
    assert_eq!(status, 201, "{booked}");
    let (_, state) = t.get(&t.token("monitor").await, &readiness).await;
    assert_eq!(state["ready"], true);
    assert_eq!(t.get(&t.token("rater").await, &readiness).await.0, 403);
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
    let own = t.page_as("physician.syd", "/").await;
    assert!(
        own.contains("AP-2025-0188") && !own.contains("AP-2025-0193"),
        "a prescriber is warned of their own approval only: {own}"
    );
    let syd = t.site_id("SYD").await;
    let page = browser.get(t.url(&format!("/sites/{syd}/authorisations"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("HREC/2025/ETH0417") && page.contains("Record an authorisation"), "{page}");
    assert!(!page.contains("Confirm and sign"), "the demo's authorisations are all confirmed");
    let new = json!({"kind": "state_approval", "reference": "NSW-S8-2026-1", "issued_by": "NSW Health", "valid_from": "2026-01-01"});
    assert_eq!(t.post(&t.token("lead.syd").await, &format!("/api/v1/sites/{syd}/authorisations"), new).await.0, 201);
    let page = browser.get(t.url(&format!("/sites/{syd}/authorisations"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Confirm and sign"), "the lead is offered to confirm unconfirmed ones");
    let page =
        therapist.get(t.url(&format!("/sites/{syd}/authorisations"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("HREC/2025/ETH0417") && !page.contains("Record an authorisation"));
    assert!(!page.contains("Confirm and sign") && page.contains("not confirmed"));
}

/// Patients and dosing sessions attended at the site between two days, from each participant's
/// timeline: the dosing records, read independently of the report.
async fn dosed_between(
    t: &TestApp,
    token: &str,
    site: &str,
    start: jiff::civil::Date,
    end: jiff::civil::Date,
) -> (usize, usize) {
    let (_, participants) = t.get(token, &format!("/api/v1/sites/{site}/participants?limit=100")).await;
    let (mut patients, mut sessions) = (0, 0);
    for p in participants["items"].as_array().unwrap() {
        let (status, timeline) =
            t.get(token, &format!("/api/v1/participants/{}/timeline", p["id"].as_str().unwrap())).await;
        if status != 200 || timeline.is_null() {
            continue;
        }
        let dosed = timeline["visits"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|v| v["visit"]["visit_type"]["kind"] == "experimental" && v["appointment"]["status"] == "attended")
            .map(|v| local_day(v["appointment"]["starts_at"].as_i64().unwrap(), "Australia/Sydney"))
            .filter(|d| start <= *d && *d <= end)
            .count();
        sessions += dosed;
        patients += usize::from(dosed > 0);
    }
    (patients, sessions)
}

/// The site-local day of a stored instant (UTC microseconds).
fn local_day(micros: i64, zone: &str) -> jiff::civil::Date {
    jiff::Timestamp::from_microsecond(micros).unwrap().to_zoned(jiff::tz::TimeZone::get(zone).unwrap()).date()
}

#[tokio::test]
async fn the_six_monthly_report_counts_exactly_the_patients_dosed_in_its_period() {
    let t = TestApp::spawn().await;
    let syd = t.site_id("SYD").await;
    let lead = t.token("lead.syd").await;
    let site = t.app.site_by_code("SYD").await.unwrap().unwrap();
    let today = t.app.local_today(&site);
    let (status, owed) = t.get(&lead, &format!("/api/v1/sites/{syd}/reports")).await;
    assert_eq!(status, 200, "{owed}");
    let owed = owed.as_array().unwrap();
    // The demo sent what was due before today; the current period's report is still owed.
    assert!(
        owed.iter()
            .filter(|o| o["report"]["due"].as_str().unwrap() < today.to_string().as_str())
            .all(|o| !o["sent"].is_null())
    );
    let six_monthly: Vec<&Value> =
        owed.iter().filter(|o| o["report"]["rule"]["id"] == "au_tga_ap_six_monthly").collect();
    assert!(six_monthly.len() >= 2, "{owed:?}");
    let mut dosed_anywhere = 0;
    for o in &six_monthly {
        let period = &o["report"]["period"];
        let (start, end): (jiff::civil::Date, jiff::civil::Date) =
            (period["start"].as_str().unwrap().parse().unwrap(), period["end"].as_str().unwrap().parse().unwrap());
        let (patients, sessions) = dosed_between(&t, &lead, &syd, start, end).await;
        dosed_anywhere += patients;
        let (status, report) = t.get(&lead, &format!("/api/v1/sites/{syd}/reports/tga-six-monthly/{end}")).await;
        assert_eq!(status, 200, "{report}");
        let rows = report["rows"].as_array().unwrap();
        assert_eq!(rows.len(), 1, "one product at SYD: {report}");
        let counted = (rows[0][1]["patients"].as_u64(), rows[0][1]["sessions"].as_u64());
        assert_eq!(counted, (Some(patients as u64), Some(sessions as u64)), "{start} to {end}");
        let approvals = rows[0][0].as_str().unwrap();
        assert!(approvals.contains("AP-2025-0193") && approvals.contains("AP-2025-0188"), "{approvals}");
    }
    assert!(dosed_anywhere > 0, "the demo doses someone at SYD within the reported periods");

    let current = six_monthly.iter().find(|o| o["sent"].is_null()).expect("the next six-monthly report is owed");
    let end = current["report"]["period"]["end"].as_str().unwrap();
    let start_day: jiff::civil::Date = current["report"]["period"]["start"].as_str().unwrap().parse().unwrap();
    let (patients, sessions) = dosed_between(&t, &lead, &syd, start_day, end.parse().unwrap()).await;

    // The CSV says the same; marking it sent takes it off the worklist; twice is a conflict.
    let browser = t.browser("lead.syd").await;
    let csv = browser
        .get(t.url(&format!("/sites/{syd}/reports/tga-six-monthly/{end}?format=csv")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(csv.lines().nth(1).unwrap().ends_with(&format!(",{patients},{sessions}")), "{csv}");
    // A report cannot be sent before it falls owed (the six-monthly one: before its period ends).
    let trigger: jiff::civil::Date = current["report"]["trigger_date"].as_str().unwrap().parse().unwrap();
    let early = json!({"rule_id": "au_tga_ap_six_monthly", "subject": current["report"]["subject"], "trigger_date": current["report"]["trigger_date"],
        "reference": "TGA-AP-EARLY", "sent_on": today.min(trigger.yesterday().unwrap()).to_string()});
    let (status, problem) = t.post(&lead, &format!("/api/v1/sites/{syd}/reports/sent"), early).await;
    assert_eq!((status, problem["errors"][0]["rule"].as_str()), (422, Some("after_trigger")), "{problem}");

    // An ethics approval a year and ten days old owes its annual progress report: sent once.
    let started = today.checked_sub(jiff::Span::new().days(375)).unwrap().to_string();
    let hrec = json!({"kind": "hrec_approval", "reference": "HREC/2025/ETH0999", "issued_by": "Bellberry HREC", "valid_from": started});
    let (status, approval) = t.post(&lead, &format!("/api/v1/sites/{syd}/authorisations"), hrec).await;
    assert_eq!(status, 201, "{approval}");
    let (_, owed) = t.get(&lead, &format!("/api/v1/sites/{syd}/reports")).await;
    let progress = owed
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["report"]["rule"]["id"] == "au_hrec_annual_progress" && o["report"]["subject"] == approval["id"])
        .unwrap_or_else(|| panic!("{owed}"));
    assert_eq!(progress["overdue"], true);
    let sent = json!({"rule_id": "au_hrec_annual_progress", "subject": approval["id"], "trigger_date": progress["report"]["trigger_date"],
        "reference": "HREC-PR-2026-01", "sent_on": today.to_string()});
    assert_eq!(
        t.post(&t.token("therapist1.syd").await, &format!("/api/v1/sites/{syd}/reports/sent"), sent.clone()).await.0,
        403
    );
    let (status, recorded) = t.post(&lead, &format!("/api/v1/sites/{syd}/reports/sent"), sent.clone()).await;
    assert_eq!(status, 201, "{recorded}");
    assert_eq!(t.post(&lead, &format!("/api/v1/sites/{syd}/reports/sent"), sent).await.0, 409);
    let future = json!({"rule_id": "au_tga_ap_six_monthly", "subject": current["report"]["subject"], "trigger_date": "1999-01-01",
        "reference": "x", "sent_on": today.to_string()});
    assert_eq!(
        t.post(&lead, &format!("/api/v1/sites/{syd}/reports/sent"), future).await.1["errors"][0]["field"],
        "rule_id"
    );
}

#[tokio::test]
async fn the_site_lead_confirms_an_authorisation_by_signing_it() {
    let t = TestApp::spawn().await;
    let bos = t.site_id("BOS").await;
    let lead = t.token("lead.bos").await;
    let list = authorisations(&t, &lead, &bos).await;
    let ind = of_kind(&list, "ind")[0]["id"].as_str().unwrap().to_owned();
    let sign = |password: &str| json!({"entity_kind": "authorisation", "entity_id": ind, "meaning": "approval", "password": password});
    let therapist = t.token("therapist1.bos").await;
    assert_eq!(
        t.post(&therapist, "/api/v1/signatures", sign(crate::support::PASSWORD)).await.0,
        403,
        "only its manager signs"
    );
    assert_eq!(t.post(&t.token("lead.syd").await, "/api/v1/signatures", sign(crate::support::PASSWORD)).await.0, 403);
    let (status, problem) = t.post(&lead, "/api/v1/signatures", sign("not the password")).await;
    assert_eq!((status, problem["errors"][0]["field"].as_str()), (422, Some("password")));
    let (status, signed) = t.post(&lead, "/api/v1/signatures", sign(crate::support::PASSWORD)).await;
    assert_eq!(status, 201, "{signed}");
    let listed = format!("/api/v1/signatures?entity_kind=authorisation&entity_id={ind}");
    let (status, sigs) = t.get(&therapist, &listed).await;
    assert_eq!(status, 200);
    assert!(sigs[0]["manifestation"].as_str().unwrap().contains("Dr Michael Okafor"), "{sigs}");
    assert_eq!(sigs[0]["record_unchanged"], true);
    assert_eq!(t.get(&t.token("rater").await, &listed).await.0, 403);
}

#[tokio::test]
async fn the_pages_name_prescribers_and_the_approval_each_report_is_for_and_refuse_an_unknown_format() {
    let t = TestApp::spawn().await;
    let syd = t.site_id("SYD").await;
    let lead = t.token("lead.syd").await;
    let list = authorisations(&t, &lead, &syd).await;
    let browser = t.browser("lead.syd").await;
    let get = |path: String| {
        let browser = browser.clone();
        let url = t.url(&path);
        async move {
            let r = browser.get(url).send().await.unwrap();
            (r.status().as_u16(), r.text().await.unwrap())
        }
    };

    // Covers: the prescriber by name, not by user id.
    let (_, page) = get(format!("/sites/{syd}/authorisations")).await;
    for a in of_kind(&list, "authorised_prescriber") {
        let holder = a["holder_id"].as_str().unwrap();
        let name = t.app.user_by_id(holder).await.unwrap().unwrap().display_name;
        assert!(page.contains(&format!("prescriber {name}")), "{name} in {page}");
        let shown = page.replace(&format!(r#"value="{holder}""#), "");
        assert!(!shown.contains(holder), "no raw user id shown on the page (only as a choice's value)");
    }

    // Two prescribers owe two six-monthly reports a period: each row names its approval.
    let (_, page) = get(format!("/sites/{syd}/reports")).await;
    for reference in ["AP-2025-0193", "AP-2025-0188", "HREC/2025/ETH0417"] {
        assert!(page.contains(&format!(" for <strong>{reference}</strong>")), "{reference} in {page}");
    }

    // The report's format is csv or html; anything else is refused by name, not ignored.
    let (_, owed) = t.get(&lead, &format!("/api/v1/sites/{syd}/reports")).await;
    let end = owed.as_array().unwrap().iter().find(|o| o["report"]["rule"]["id"] == "au_tga_ap_six_monthly").unwrap()
        ["report"]["period"]["end"]
        .as_str()
        .unwrap()
        .to_owned();
    let report = format!("/sites/{syd}/reports/tga-six-monthly/{end}");
    let (status, page) = get(format!("{report}?format=pdf")).await;
    assert_eq!(status, 422, "{page}");
    assert!(page.contains("format must be csv or html"), "{page}");
    assert_eq!(get(format!("{report}?format=csv")).await.0, 200);
    assert_eq!(get(report).await.0, 200);
}

/// The lead records an authorisation from the page, naming the prescriber and the participant
/// from lists (not typed ids); a refused entry comes back with what was entered.
#[tokio::test]
async fn the_authorisation_form_names_people_from_lists_and_keeps_a_refused_entry() {
    let t = TestApp::spawn().await;
    let van = t.site_id("VAN").await;
    let lead = t.browser("lead.van").await;
    let path = format!("/sites/{van}/authorisations");
    let page = lead.get(t.url(&path)).send().await.unwrap().text().await.unwrap();
    let physician = t.app.user_by_username("physician.van").await.unwrap().unwrap();
    let p = t.participant_id("VAN-0001").await;
    assert!(
        page.contains(&format!(r#"<option value="{}">{}</option>"#, physician.id, physician.display_name)),
        "{page}"
    );
    assert!(page.contains(&format!(r#"<option value="{p}">VAN-0001</option>"#)), "{page}");
    assert!(
        !page.contains(&format!(
            r#"<option value="{}">"#,
            t.app.user_by_username("therapist1.van").await.unwrap().unwrap().id
        )),
        "therapists hold no approvals"
    );
    let entry = [
        ("kind", "special_access"),
        ("reference", "SAP-2026-77"),
        ("issued_by", "Health Canada"),
        ("participant_id", p.as_str()),
        ("product", "MDMA hydrochloride capsules"),
        ("quantity_mg", "360"),
        ("valid_from", "2026-02-30"),
    ];
    let refused = t.submit(&lead, &path, &entry).await;
    assert_eq!(refused.status(), 422);
    let body = refused.text().await.unwrap();
    assert!(body.contains("valid_from must be a date"), "{body}");
    assert!(
        body.contains(r#"value="SAP-2026-77""#)
            && body.contains(&format!(r#"<option value="{p}" selected>VAN-0001</option>"#)),
        "{body}"
    );
    let mut fixed = entry;
    fixed[6] = ("valid_from", "2026-02-28");
    let saved = t.submit(&lead, &path, &fixed).await;
    assert_eq!(saved.status(), 200);
    assert!(saved.text().await.unwrap().contains("participant VAN-0001, MDMA hydrochloride capsules, 360 mg"));
}

/// Revoking an approval does not erase what it owed: the reports sent stay listed as sent, and
/// the period it was in force until the revocation is still owed.
#[tokio::test]
async fn a_revoked_approval_still_owes_the_reports_of_its_time_in_force() {
    let t = TestApp::spawn().await;
    let syd = t.site_id("SYD").await;
    let lead = t.token("lead.syd").await;
    let list = authorisations(&t, &lead, &syd).await;
    let ap = list.iter().find(|a| a["reference"] == "AP-2025-0188").unwrap()["id"].as_str().unwrap().to_owned();
    let owed_for = |owed: &Value| -> Vec<(String, bool)> {
        owed.as_array()
            .unwrap()
            .iter()
            .filter(|o| o["report"]["subject"] == ap.as_str())
            .map(|o| (o["report"]["due"].as_str().unwrap().to_owned(), o["sent"].is_object()))
            .collect()
    };
    let (_, before) = t.get(&lead, &format!("/api/v1/sites/{syd}/reports")).await;
    let before = owed_for(&before);
    assert!(before.iter().any(|(_, sent)| *sent) && before.iter().any(|(_, sent)| !*sent), "{before:?}");
    assert_eq!(
        t.post(&lead, &format!("/api/v1/authorisations/{ap}/revoke"), json!({"reason": "approval cancelled"})).await.0,
        200
    );
    let (_, after) = t.get(&lead, &format!("/api/v1/sites/{syd}/reports")).await;
    let after = owed_for(&after);
    let sent = |list: &[(String, bool)]| list.iter().filter(|(_, s)| *s).cloned().collect::<Vec<_>>();
    assert_eq!(sent(&after), sent(&before), "the reports sent are still listed");
    assert!(after.iter().any(|(_, sent)| !*sent), "the period up to the revocation is still owed: {after:?}");
}

/// Refusals on the site's pages come back on the page with the problem and what was entered:
/// a revocation without a real reason, a readiness finding signed with a wrong password.
#[tokio::test]
async fn refused_page_actions_come_back_on_their_page_with_the_entry() {
    let t = TestApp::spawn().await;
    let syd = t.site_id("SYD").await;
    let lead = t.browser("lead.syd").await;
    let token = t.token("lead.syd").await;
    let list = authorisations(&t, &token, &syd).await;
    let hrec = list.iter().find(|a| a["reference"] == "HREC/2025/ETH0417").unwrap()["id"].as_str().unwrap().to_owned();
    let refused = t.submit(&lead, &format!("/authorisations/{hrec}/revoke"), &[("reason", ".")]).await;
    assert_eq!(refused.status(), 422);
    let body = refused.text().await.unwrap();
    assert!(body.contains("Authorisations at") && body.contains("role=\"alert\""), "{body}");

    let path = format!("/sites/{syd}/readiness");
    let entry = [
        ("checklist_id", "dosing-centre"),
        ("item_id", "emergency-kit"),
        ("outcome", "not_met"),
        ("finding", "oxygen cylinder empty"),
        ("password", "not my password"),
    ];
    let refused = t.submit(&lead, &path, &entry).await;
    assert_eq!(refused.status(), 422);
    let body = refused.text().await.unwrap();
    assert!(
        body.contains(r#"value="oxygen cylinder empty""#) && body.contains(r#"<option value="not_met" selected>"#),
        "{body}"
    );
    assert!(body.contains("Not signed"), "{body}");
}

/// Someone with the database file revives a revoked authorisation or clears a readiness finding
/// for a moment: the gate refuses to decide on a row whose seal does not hold, and nothing is
/// written (putting the row back afterwards hides nothing, because nothing happened).
#[tokio::test]
async fn the_gate_refuses_authorisations_and_sign_offs_written_outside_catalyst() {
    let t = TestApp::spawn().await;
    let van = t.site_id("VAN").await;
    let lead = t.token("lead.van").await;
    let physician = t.token("physician.van").await;
    let p = crate::prescribing::enrolled(&t, "VAN-0001").await;
    let sap = crate::prescribing::authorisation_id(&t, &lead, &van, "SAP-2025-04101").await;
    assert_eq!(
        t.post(&lead, &format!("/api/v1/authorisations/{sap}/revoke"), json!({"reason": "withdrawn"})).await.0,
        200
    );
    let path = format!("/api/v1/participants/{p}/prescriptions");
    assert_eq!(t.post(&physician, &path, crate::prescribing::rx(crate::prescribing::PRODUCT, &["exp1"])).await.0, 422);
    t.raw(&format!("UPDATE authorisations SET status = 'active' WHERE id = '{sap}'")).await;
    let (status, body) =
        t.post(&physician, &path, crate::prescribing::rx(crate::prescribing::PRODUCT, &["exp1"])).await;
    assert_eq!(status, 500, "an integrity failure, never a prescription: {body}");
    t.raw(&format!("UPDATE authorisations SET status = 'revoked' WHERE id = '{sap}'")).await;
    let (_, list) = t.get(&physician, &path).await;
    assert_eq!(list.as_array().unwrap().len(), 0);

    // A finding cleared in the database is not believed either.
    let syd = t.site_id("SYD").await;
    let lead = t.token("lead.syd").await;
    let finding = json!({"checklist_id": "dosing-centre", "item_id": "emergency-kit", "outcome": "not_met",
        "finding": "oxygen cylinder empty", "password": crate::support::PASSWORD});
    let (_, signed) = t.post(&lead, &format!("/api/v1/sites/{syd}/readiness"), finding).await;
    let id = signed["id"].as_str().unwrap();
    t.raw(&format!("UPDATE readiness_signoffs SET outcome = 'met', finding = NULL WHERE id = '{id}'")).await;
    let p = crate::prescribing::enrolled(&t, "SYD-0001").await;
    let (status, _) = t
        .post(
            &lead,
            &format!("/api/v1/participants/{p}/prescriptions"),
            crate::prescribing::rx(crate::prescribing::PRODUCT, &["exp1"]),
        )
        .await;
    assert_eq!(status, 500);
}
