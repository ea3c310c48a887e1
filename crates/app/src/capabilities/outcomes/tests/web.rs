//! Outcome measurement over the API and the pages: who records what, blinding of raters,
//! validation, safety alerts and endpoint definitions.

use crate::support::TestApp;
use serde_json::{Value, json};

fn phq9(item9: i64) -> Value {
    json!({"item1": 1, "item2": 1, "item3": 1, "item4": 1, "item5": 0, "item6": 1, "item7": 0, "item8": 0, "item9": item9})
}

fn caps5(rating: i64) -> Value {
    let mut answers = serde_json::Map::new();
    for i in 1..=20 {
        answers.insert(format!("item{i}"), json!(rating));
    }
    for (item, v) in [("criterion_a", 1), ("item22", 1), ("item23", 2), ("item24", 2), ("item25", 2)] {
        answers.insert(item.into(), json!(v));
    }
    Value::Object(answers)
}

async fn today(t: &TestApp, site_code: &str) -> String {
    let site = t.app.site_by_code(site_code).await.unwrap().unwrap();
    t.app.local_today(&site).to_string()
}

fn body(instrument: &str, timepoint: &str, date: &str, answers: Value) -> Value {
    json!({"instrument": instrument, "timepoint": timepoint, "administered_on": date, "answers": answers})
}

#[tokio::test]
async fn only_independent_raters_record_caps5() {
    let t = TestApp::spawn().await;
    let p = t.participant_id("VAN-0002").await;
    let date = today(&t, "VAN").await;
    let path = format!("/api/v1/participants/{p}/assessments");

    let therapist = t.token("therapist1.van").await;
    let (status, problem) = t.post(&therapist, &path, body("caps5", "baseline", &date, caps5(2))).await;
    assert_eq!(status, 403, "{problem}");
    let denied = t
        .app
        .store
        .recent_entries(&catalyst_app::platform::store::ledger::EntryFilter { limit: 5, ..Default::default() })
        .await
        .unwrap();
    assert!(denied.iter().any(|e| e.action == "access.denied"
        && e.after.as_deref().unwrap_or_default().contains("record_outcome:independent_rating")));

    let rater = t.token("rater").await;
    let (status, recorded) = t.post(&rater, &path, body("caps5", "baseline", &date, caps5(2))).await;
    assert_eq!(status, 201, "{recorded}");
    assert_eq!(recorded["assessment"]["mode"], "independent_rater");
    assert_eq!(recorded["assessment"]["version"], "1");
    assert_eq!(recorded["score"]["score"]["total"], 40);
    assert_eq!(recorded["score"]["score"]["diagnosis"], true);
}

#[tokio::test]
async fn a_rater_sees_no_treatment_dose_or_arm_information() {
    let t = TestApp::spawn().await;
    let rater = t.token("rater").await;
    let p = t.participant_id("SYD-0007").await; // in integration, with self-reports and C-SSRS on file
    let syd = t.site_id("SYD").await;

    let (status, view) = t.get(&rater, &format!("/api/v1/participants/{p}")).await;
    assert_eq!(status, 200);
    assert!(view.get("stage").is_none(), "{view}");
    let (_, list) = t.get(&rater, &format!("/api/v1/sites/{syd}/participants")).await;
    assert!(list["items"].as_array().unwrap().iter().all(|i| i.get("stage").is_none()));

    let (status, outcomes) = t.get(&rater, &format!("/api/v1/participants/{p}/outcomes")).await;
    assert_eq!(status, 200);
    assert_eq!(outcomes["ratings_only"], true);
    assert!(outcomes["endpoints"].is_null());
    let instruments: Vec<&str> = outcomes["assessments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["assessment"]["instrument"].as_str().unwrap())
        .collect();
    assert!(!instruments.is_empty() && instruments.iter().all(|i| *i == "caps5"), "{instruments:?}");
    let text = outcomes.to_string();
    for leak in ["stage", "dosing", "integration", "after_session_1\",\"administered", "arm", "dose"] {
        if leak == "after_session_1\",\"administered" {
            continue; // timepoints name the visit the rating belongs to, which the rater needs
        }
        assert!(!text.contains(&format!("\"{leak}\"")), "rater outcome view contains {leak}: {text}");
    }
    assert_eq!(t.get(&rater, "/api/v1/audit/ledger").await.0, 403, "the audit trail holds treatment history");
    let lead = t.token("lead.syd").await;
    let sign = json!({"entity_kind": "participant", "entity_id": p, "meaning": "review", "password": crate::support::PASSWORD});
    assert_eq!(t.post(&lead, "/api/v1/signatures", sign).await.0, 201);
    let (status, sigs) = t.get(&rater, &format!("/api/v1/signatures?entity_kind=participant&entity_id={p}")).await;
    assert_eq!(status, 200);
    assert!(sigs[0].get("record_unchanged").is_none(), "whether the record changed would show a stage change: {sigs}");

    // Pages: no stage on the dashboard, the list or the record; no self-report measures.
    let client = t.browser("rater").await;
    for path in [
        "/".to_owned(),
        format!("/sites/{syd}/participants"),
        format!("/participants/{p}"),
        format!("/participants/{p}/outcomes"),
    ] {
        let html = client.get(t.url(&path)).send().await.unwrap().text().await.unwrap();
        for leak in ["participants by stage", "Stage", "Integration", "Dosing", "PCL-5 total", "PHQ-9"] {
            assert!(!html.contains(leak), "{path} shows {leak:?} to a rater");
        }
    }
}

#[tokio::test]
async fn a_positive_phq9_item9_alerts_the_site_until_acknowledged() {
    let t = TestApp::spawn().await;
    let participant = t.token("participant.van").await;
    let (_, me) = t.get(&participant, "/api/v1/me").await;
    let own = t.app.participants_linked_to(me["user_id"].as_str().unwrap()).await.unwrap().pop().unwrap();
    let date = today(&t, "VAN").await;
    let (status, recorded) = t
        .post(
            &participant,
            &format!("/api/v1/participants/{}/assessments", own.id),
            body("phq9", "unscheduled", &date, phq9(2)),
        )
        .await;
    assert_eq!(status, 201, "{recorded}");
    assert_eq!(recorded["assessment"]["mode"], "self_report");
    assert_eq!(recorded["alerts"][0]["kind"], "phq9_item9");
    let alert_id = recorded["alerts"][0]["id"].as_str().unwrap().to_owned();

    let lead = t.token("lead.van").await;
    let (_, alerts) = t.get(&lead, "/api/v1/alerts").await;
    assert!(
        alerts
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["alert"]["id"] == alert_id.as_str() && a["participant_code"] == own.code.as_str())
    );
    let elsewhere = t.token("lead.syd").await;
    let (_, theirs) = t.get(&elsewhere, "/api/v1/alerts").await;
    assert!(
        theirs.as_array().unwrap().iter().all(|a| a["alert"]["id"] != alert_id.as_str()),
        "another site's lead does not see it"
    );
    assert_eq!(
        t.post(&participant, &format!("/api/v1/alerts/{alert_id}/acknowledge"), json!({"note": "fine"})).await.0,
        403
    );

    let (status, problem) =
        t.post(&lead, &format!("/api/v1/alerts/{alert_id}/acknowledge"), json!({"note": " "})).await;
    assert_eq!(status, 422);
    assert_eq!(problem["errors"][0]["field"], "note");
    let (status, acked) = t
        .post(
            &lead,
            &format!("/api/v1/alerts/{alert_id}/acknowledge"),
            json!({"note": "Phoned the same day; safety plan reviewed"}),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(acked["acknowledgement"], "Phoned the same day; safety plan reviewed");
    let (_, alerts) = t.get(&lead, "/api/v1/alerts").await;
    assert!(alerts.as_array().unwrap().iter().all(|a| a["alert"]["id"] != alert_id.as_str()));
    assert_eq!(t.post(&lead, &format!("/api/v1/alerts/{alert_id}/acknowledge"), json!({"note": "again"})).await.0, 409);
}

#[tokio::test]
async fn c_ssrs_high_risk_raises_an_alert_and_skip_logic_is_enforced() {
    let t = TestApp::spawn().await;
    let physician = t.token("physician.syd").await;
    let p = t.participant_id("SYD-0006").await;
    let date = today(&t, "SYD").await;
    let path = format!("/api/v1/participants/{p}/assessments");
    let skipped_but_answered = json!({"q1": "yes", "q2": "no", "q3": "yes", "q6": "no"});
    let (status, problem) =
        t.post(&physician, &path, body("cssrs", "after_session_1", &date, skipped_but_answered)).await;
    assert_eq!(status, 422, "{problem}");
    assert!(problem["errors"].as_array().unwrap().iter().any(|e| e["field"] == "answers.q3"), "{problem}");
    let high = json!({"q1": "yes", "q2": "yes", "q3": "yes", "q4": "yes", "q5": "no", "q6": "no"});
    let (status, recorded) = t.post(&physician, &path, body("cssrs", "after_session_1", &date, high)).await;
    assert_eq!(status, 201, "{recorded}");
    assert_eq!(recorded["score"]["score"]["risk"], "high");
    assert_eq!(recorded["alerts"][0]["kind"], "cssrs_high_risk");
    assert_eq!(recorded["assessment"]["mode"], "clinician");
}

#[tokio::test]
async fn invalid_responses_name_every_item_and_nothing_is_stored() {
    let t = TestApp::spawn().await;
    let therapist = t.token("therapist2.syd").await;
    let p = t.participant_id("SYD-0006").await;
    let date = today(&t, "SYD").await;
    let path = format!("/api/v1/participants/{p}/assessments");
    let before = t.app.assessments_given(&p).await.unwrap().len();

    let mut missing = phq9(0);
    missing.as_object_mut().unwrap().remove("item3");
    missing["item4"] = json!(7);
    missing["item10"] = json!(1);
    let (status, problem) = t.post(&therapist, &path, body("phq9", "after_session_1", &date, missing)).await;
    assert_eq!(status, 422, "{problem}");
    let fields: Vec<&str> =
        problem["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert!(fields.contains(&"answers.item4") && fields.contains(&"answers.item10"), "{fields:?}");
    assert!(problem["errors"].to_string().contains("0-3"), "allowed values named: {problem}");

    let (status, problem) =
        t.post(&therapist, &path, body("phq9", "after_session_1", &date, json!({"item1": 1}))).await;
    assert_eq!(status, 422);
    assert!(
        problem["errors"].as_array().unwrap().iter().any(|e| e["field"] == "answers.item9"),
        "missing items named: {problem}"
    );

    let (status, problem) = t.post(&therapist, &path, body("phq9", "daily", "2999-01-01", phq9(0))).await;
    assert_eq!(status, 422);
    let fields: Vec<&str> =
        problem["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["timepoint", "administered_on"]);

    let (status, problem) = t.post(&therapist, &path, body("gad7", "after_session_1", &date, json!({}))).await;
    assert_eq!(status, 422);
    assert!(problem["errors"][0]["message"].as_str().unwrap().contains("phq9"));
    let (status, _) = t.post(&therapist, &path, json!({"instrument": "phq9", "version": "9", "timepoint": "after_session_1", "administered_on": date, "answers": phq9(0)})).await;
    assert_eq!(status, 422);

    assert_eq!(t.app.assessments_given(&p).await.unwrap().len(), before, "nothing stored");
    let (status, recorded) = t.post(&therapist, &path, body("phq9", "after_session_1", &date, phq9(0))).await;
    assert_eq!(status, 201);
    assert_eq!(recorded["assessment"]["mode"], "staff_on_behalf");
    assert_eq!(recorded["score"]["score"]["total"], 5);
    assert_eq!(recorded["score"]["score"]["severity"], "mild");
}

#[tokio::test]
async fn endpoints_follow_the_programme_definitions_and_show_them() {
    let t = TestApp::spawn().await;
    let lead = t.token("lead.syd").await;
    let p = t.participant_id("SYD-0007").await; // demo CAPS-5: 47 -> 34 -> 21
    let (_, outcomes) = t.get(&lead, &format!("/api/v1/participants/{p}/outcomes")).await;
    let caps5 = outcomes["endpoints"]["caps5"].as_array().unwrap();
    assert_eq!(caps5.len(), 2);
    assert_eq!(caps5[0]["change"], -13);
    assert_eq!(caps5[0]["clinically_meaningful_response"], true);
    assert_eq!(caps5[1]["loss_of_diagnosis"], "met");
    assert_eq!(caps5[1]["definition"]["response_min_fall"], 10);

    let admin = t.token("admin").await;
    let (_, mut definitions) = t.get(&admin, "/api/v1/settings/endpoint-definitions").await;
    definitions["caps5"]["response_min_fall"] = json!(15);
    definitions["caps5"]["citation"] = json!("Programme protocol v2, section 9.2");
    let put = |reason: &str| json!({"definitions": definitions.clone(), "reason": reason});
    assert_eq!(t.put(&lead, "/api/v1/settings/endpoint-definitions", put("stricter")).await.0, 403);
    let (status, problem) = t.put(&admin, "/api/v1/settings/endpoint-definitions", put("")).await;
    assert_eq!((status, problem["errors"][0]["field"].as_str()), (422, Some("reason")));
    assert_eq!(t.put(&admin, "/api/v1/settings/endpoint-definitions", put("protocol amendment 2")).await.0, 200);

    let (_, outcomes) = t.get(&lead, &format!("/api/v1/participants/{p}/outcomes")).await;
    let caps5 = outcomes["endpoints"]["caps5"].as_array().unwrap();
    assert_eq!(caps5[0]["clinically_meaningful_response"], false, "a 13-point fall is no longer a response at 15");
    assert_eq!(caps5[0]["definition"]["citation"], "Programme protocol v2, section 9.2");
    let (status, report) = t.post(&admin, "/api/v1/audit/verify", json!({})).await;
    assert_eq!((status, report["ok"].as_bool()), (200, Some(true)), "{report}");
}

#[tokio::test]
async fn the_outcomes_page_charts_every_measure_with_a_text_alternative() {
    let t = TestApp::spawn().await;
    let client = t.browser("therapist1.syd").await;
    let p = t.participant_id("SYD-0007").await;
    let html = client.get(t.url(&format!("/participants/{p}/outcomes"))).send().await.unwrap().text().await.unwrap();
    for expected in [
        "CAPS-5 total (0–80, lower is better)",
        "PCL-5 total",
        "PHQ-9 total",
        "role=\"img\"",
        "<desc",
        "CAPS-5 endpoints",
        "independent rater",
    ] {
        assert!(html.contains(expected), "missing {expected}");
    }
    assert!(!html.contains("<script"), "no scripts");
    // The participant's own portal: progress in words and the check-in strip.
    let own = t.browser("participant.syd").await;
    let html = own.get(t.url("/")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("Your PCL-5 score (PTSD symptoms) went from 52 to 43: 9 points lower (better)."), "{html}");
    assert!(html.contains("Daily check-ins of SYD-0005"));
}

#[tokio::test]
async fn a_participant_fills_a_questionnaire_from_the_generated_form() {
    let t = TestApp::spawn().await;
    let own = t.browser("participant.bos").await;
    let p = t.participant_id("BOS-0003").await;
    let path = format!("/participants/{p}/assessments/new?instrument=sds");
    let html = own.get(t.url(&path)).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("name=\"item.work\"") && html.contains("value=\"na\""), "not-applicable offered for work");
    let date = today(&t, "BOS").await;
    let r = t
        .submit(
            &own,
            &path,
            &[
                ("timepoint", "baseline"),
                ("administered_on", date.as_str()),
                ("item.work", "na"),
                ("item.social", "11"),
                ("item.family", "3"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("social") && html.contains("0-10"), "the error names the item and the allowed values");
    assert!(html.contains("value=\"3\" checked") || html.contains("value=\"3\""), "answers are kept");
    let r = t
        .submit(
            &own,
            &path,
            &[
                ("timepoint", "baseline"),
                ("administered_on", date.as_str()),
                ("item.work", "na"),
                ("item.social", "6"),
                ("item.family", "3"),
            ],
        )
        .await;
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("Sheehan Disability Scale saved."));
    let stored = t.app.assessments_given(&p).await.unwrap();
    assert_eq!(stored.last().unwrap().total, Some(9));
}

#[tokio::test]
async fn charts_are_served_as_svg_to_those_who_may_see_the_measure() {
    let t = TestApp::spawn().await;
    let p = t.participant_id("SYD-0007").await;
    let lead = t.token("lead.syd").await;
    let r =
        t.http.get(t.url(&format!("/api/v1/participants/{p}/charts/pcl5"))).bearer_auth(&lead).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "image/svg+xml");
    let svg = r.text().await.unwrap();
    assert!(svg.starts_with("<svg") && svg.contains("<title") && svg.contains("provisional PTSD"), "{svg}");
    let rater = t.token("rater").await;
    let r =
        t.http.get(t.url(&format!("/api/v1/participants/{p}/charts/pcl5"))).bearer_auth(&rater).send().await.unwrap();
    assert_eq!(r.status(), 403, "a blinded rater does not see self-reports");
    let r =
        t.http.get(t.url(&format!("/api/v1/participants/{p}/charts/caps5"))).bearer_auth(&rater).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let r =
        t.http.get(t.url(&format!("/api/v1/participants/{p}/charts/cssrs"))).bearer_auth(&lead).send().await.unwrap();
    assert_eq!(r.status(), 404, "C-SSRS has no total to chart");
}

/// Issue 10, item 19: dates and timepoints are checked against the course, the enrolment form
/// proposes no baseline date, and a mistaken assessment is voided with a reason (then recorded
/// again) so that it no longer counts.
#[tokio::test]
async fn timepoints_follow_the_course_and_mistakes_are_voided_with_a_reason() {
    let t = TestApp::spawn().await;
    let rater = t.token("rater").await;
    // VAN-0001 was referred today: nothing before that, and no session has taken place.
    let p = t.participant_id("VAN-0001").await;
    let path = format!("/api/v1/participants/{p}/assessments");
    let van = t.app.site_by_code("VAN").await.unwrap().unwrap();
    let today = t.app.local_today(&van).to_string();
    let (status, problem) = t.post(&rater, &path, body("caps5", "baseline", "2020-01-15", caps5(2))).await;
    assert_eq!((status, problem["errors"][0]["field"].as_str()), (422, Some("administered_on")), "{problem}");
    assert_eq!(problem["errors"][0]["rule"], "schedule");
    let (status, problem) = t.post(&rater, &path, body("caps5", "after_session_3", &today, caps5(2))).await;
    assert_eq!((status, problem["errors"][0]["field"].as_str()), (422, Some("timepoint")), "{problem}");
    assert!(problem["errors"][0]["message"].as_str().unwrap().contains("0 attended"), "{problem}");
    let (status, problem) = t.post(&rater, &path, body("caps5", "primary_endpoint", &today, caps5(2))).await;
    assert_eq!(status, 422, "{problem}");

    // A baseline today stands; recorded by mistake, it is voided with a reason and no longer counts.
    let (status, recorded) = t.post(&rater, &path, body("caps5", "baseline", &today, caps5(2))).await;
    assert_eq!(status, 201, "{recorded}");
    let id = recorded["assessment"]["id"].as_str().unwrap().to_owned();
    let void = format!("/api/v1/assessments/{id}/void");
    let (status, problem) = t.post(&rater, &void, json!({"reason": ""})).await;
    assert_eq!((status, problem["errors"][0]["field"].as_str()), (422, Some("reason")));
    let therapist = t.token("therapist1.van").await;
    assert_eq!(t.post(&therapist, &void, json!({"reason": "wrong participant"})).await.0, 403, "CAPS-5 is the rater's");
    let (status, voided) = t.post(&rater, &void, json!({"reason": "entered for the wrong participant"})).await;
    assert_eq!(status, 200, "{voided}");
    assert_eq!(t.post(&rater, &void, json!({"reason": "again"})).await.0, 409);
    let (_, outcomes) = t.get(&rater, &format!("/api/v1/participants/{p}/outcomes")).await;
    assert!(!outcomes.to_string().contains(&id), "a voided assessment no longer counts: {outcomes}");
    let lead = t.token("lead.van").await;
    let (_, ledger) = t.get(&lead, &format!("/api/v1/audit/ledger?site_id={}&limit=20", van.id)).await;
    assert!(ledger.as_array().unwrap().iter().any(|e| e["action"] == "assessment.void"
        && e["after"].as_str().unwrap().contains("entered for the wrong participant")));

    let monitor = t.token("monitor").await;
    let (status, report) = t.post(&monitor, "/api/v1/audit/verify", json!({})).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["ok"], true, "the void verifies like any record: {report}");

    // Enrolment: an empty baseline is refused, never taken as today, and the form proposes none.
    let q = t.participant_id("VAN-0002").await;
    let (status, problem) = t
        .post(&lead, &format!("/api/v1/participants/{q}/enrolment"), json!({"protocol_id": "mapp1", "baseline_on": ""}))
        .await;
    assert_eq!((status, problem["errors"][0]["field"].as_str()), (422, Some("baseline_on")), "{problem}");
    assert_eq!(problem["errors"][0]["rule"], "required");
    let browser = t.browser("lead.van").await;
    let page = browser.get(t.url(&format!("/participants/{q}/course"))).send().await.unwrap().text().await.unwrap();
    let input = &page[page.find(r#"name="baseline_on""#).expect("the enrolment form")..];
    let input = &input[..input.find('>').unwrap()];
    assert!(!input.contains("value="), "no baseline is proposed: {input}");
}

/// Issue 10, item 18: one daily check-in a day; the portal stops offering it once saved and
/// offers to correct it instead (void with a reason, then fill it in again).
#[tokio::test]
async fn one_check_in_a_day_and_it_can_be_corrected() {
    let t = TestApp::spawn().await;
    let own = t.token("participant.syd").await;
    let p = t.participant_id("SYD-0005").await;
    let date = today(&t, "SYD").await;
    let checkin = json!({"instrument": "daily_checkin", "timepoint": "daily", "administered_on": date, "answers": {
        "sleep": 2, "work": 2, "relationships": 3, "avoidance": 3, "irritability": 2, "substance_use": 0, "routines_kept": 4}});
    let path = format!("/api/v1/participants/{p}/assessments");
    let (status, first) = t.post(&own, &path, checkin.clone()).await;
    assert_eq!(status, 201, "{first}");
    let (status, problem) = t.post(&own, &path, checkin.clone()).await;
    assert_eq!(status, 409, "{problem}");
    assert!(problem["detail"].as_str().unwrap().contains("void it"), "{problem}");

    let browser = t.browser("participant.syd").await;
    let home = browser.get(t.url("/")).send().await.unwrap().text().await.unwrap();
    assert!(home.contains("Today's check-in is saved."), "{home}");
    assert!(
        !home.contains(&format!("href=\"/participants/{p}/assessments/new?instrument=daily_checkin\"")),
        "no second check-in offered"
    );
    let id = first["assessment"]["id"].as_str().unwrap();
    let r = t
        .submit(
            &browser,
            &format!("/assessments/{id}/void"),
            &[
                ("reason", "I mixed up the sleep answer"),
                ("back", &format!("/participants/{p}/assessments/new?instrument=daily_checkin")),
            ],
        )
        .await;
    assert_eq!(r.status(), 200);
    assert!(r.url().path().ends_with("/assessments/new"), "{}", r.url());
    let (status, body) = t.post(&own, &path, checkin).await;
    assert_eq!(status, 201, "corrected: {body}");
}
