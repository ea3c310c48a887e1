//! Screening, eligibility and consent over the API and pages.

use crate::support::{PASSWORD, TestApp, example_record};
use serde_json::{Value, json};

#[tokio::test]
async fn the_api_and_the_cli_library_give_the_same_decision_for_the_same_record() {
    let t = TestApp::spawn().await;
    let lead = t.token("lead.bos").await;
    let p = t.participant_id("BOS-0001").await;
    let record: Value = serde_json::from_str(include_str!("../../../../../../docs/screening/eligible.json")).unwrap();
    let (status, api) =
        t.post(&lead, &format!("/api/v1/participants/{p}/screening/evaluate"), json!({"record": record})).await;
    assert_eq!(status, 200, "{api}");
    let site = t.app.site_by_code("BOS").await.unwrap().unwrap();
    let as_of = t.app.local_today(&site);
    let mut with_code = record.clone();
    with_code["participant_code"] = json!("BOS-0001");
    let cli: Value =
        serde_json::from_str(&catalyst_screening::screen_json(&with_code.to_string(), as_of).unwrap()).unwrap();
    assert_eq!(api, cli);
    assert!(
        api["criteria"].as_array().unwrap().iter().all(|c| c["source"].as_str().is_some_and(|s| !s.is_empty())),
        "every criterion cites its source"
    );
}

#[tokio::test]
async fn malformed_records_are_refused_naming_the_field() {
    let t = TestApp::spawn().await;
    let lead = t.token("lead.bos").await;
    let p = t.participant_id("BOS-0001").await;
    let path = format!("/api/v1/participants/{p}/screening/evaluate");
    let mut bad = example_record();
    bad["trauma_therapy"][0]["sessions"] = json!(-3);
    bad["medication_trials"][0]["drug"] = json!("sertralinex");
    bad["medication_trials"][1]["daily_dose"] = json!({"amount": 225});
    bad["caps5"]["assessed_on"] = json!("2999-01-01");
    let (status, problem) = t.post(&lead, &path, json!({"record": bad})).await;
    assert!(status == 422, "{problem}");
    let text = problem.to_string();
    assert!(text.contains("record."), "fields are named by path: {text}");
    let mut unknown = example_record();
    unknown["current_medications"][0]["drug"] = json!("venlafaxin");
    let (status, problem) = t.post(&lead, &path, json!({"record": unknown})).await;
    assert_eq!(status, 422);
    assert!(problem.to_string().contains("venlafaxine"), "an unknown drug is named with close matches: {problem}");
    let mut elsewhere = example_record();
    elsewhere["jurisdiction"] = json!("CA");
    let (status, problem) = t.post(&lead, &path, json!({"record": elsewhere})).await;
    assert_eq!((status, problem["errors"][0]["field"].as_str()), (422, Some("record.jurisdiction")));
    let rater = t.token("rater").await;
    assert_eq!(t.post(&rater, &path, json!({"record": example_record()})).await.0, 403);
}

#[tokio::test]
async fn enrolment_needs_a_signed_decision_and_current_consent() {
    let t = TestApp::spawn().await;
    let lead = t.token("lead.bos").await;
    let p = t.participant_id("BOS-0003").await; // participant.bos
    let enrol = json!({"protocol_id": "mapp1", "baseline_on": "2026-12-01"});
    let path = format!("/api/v1/participants/{p}/enrolment");
    let (status, problem) = t.post(&lead, &path, enrol.clone()).await;
    assert_eq!(status, 422);
    let fields: Vec<&str> =
        problem["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["screening", "consent"]);

    // A draft screening is not enough; the investigator's override needs a reason and stays visible.
    let (_, screened) =
        t.post(&lead, &format!("/api/v1/participants/{p}/screenings"), json!({"record": example_record()})).await;
    let id = screened["screening"]["id"].as_str().unwrap().to_owned();
    assert_eq!(t.post(&lead, &path, enrol.clone()).await.0, 422);
    let therapist = t.token("therapist1.bos").await;
    assert_eq!(
        t.post(&therapist, &format!("/api/v1/screenings/{id}/decision"), json!({"password": PASSWORD})).await.0,
        403,
        "only the investigator signs"
    );
    let (status, problem) = t
        .post(
            &lead,
            &format!("/api/v1/screenings/{id}/decision"),
            json!({"override_decision": "eligible", "password": PASSWORD}),
        )
        .await;
    assert_eq!((status, problem["errors"][0]["field"].as_str()), (422, Some("reason")));
    let (status, problem) = t
        .post(
            &lead,
            &format!("/api/v1/screenings/{id}/decision"),
            json!({"override_decision": "eligible", "reason": "review of records", "password": "wrong password"}),
        )
        .await;
    assert_eq!((status, problem["errors"][0]["field"].as_str()), (422, Some("password")));
    let (status, decided) = t.post(&lead, &format!("/api/v1/screenings/{id}/decision"), json!({"override_decision": "eligible", "reason": "external records confirm 14 CPT sessions", "password": PASSWORD})).await;
    assert_eq!(status, 200, "{decided}");
    assert_eq!(
        (decided["status"].as_str(), decided["final_decision"].as_str()),
        (Some("overridden"), Some("eligible"))
    );
    let (_, list) = t.get(&lead, &format!("/api/v1/participants/{p}/screenings")).await;
    assert_eq!(list[0]["override_reason"], "external records confirm 14 CPT sessions");
    let (_, sigs) = t.get(&lead, &format!("/api/v1/signatures?entity_kind=screening&entity_id={id}")).await;
    assert!(sigs[0]["manifestation"].as_str().unwrap().contains("Dr Michael Okafor"), "{sigs}");
    assert_eq!(sigs[0]["record_unchanged"], true);

    let (status, problem) = t.post(&lead, &path, enrol.clone()).await;
    assert_eq!((status, problem["errors"][0]["field"].as_str()), (422, Some("consent")));

    // Consent: the participant signs; staff cannot sign for them; the witness is checked.
    let own = t.token("participant.bos").await;
    let parts = json!({"treatment": "granted", "video_recording": "granted", "therapeutic_touch": "granted", "data_use": "granted"});
    let consent = |witness_password: &str| json!({"parts": parts, "password": PASSWORD, "witness_username": "therapist2.bos", "witness_password": witness_password});
    assert_eq!(t.post(&lead, &format!("/api/v1/participants/{p}/consent"), consent(PASSWORD)).await.0, 403);
    let (status, problem) =
        t.post(&own, &format!("/api/v1/participants/{p}/consent"), json!({"parts": parts, "password": PASSWORD})).await;
    assert_eq!((status, problem["errors"][0]["field"].as_str()), (422, Some("witness")));
    let (status, problem) =
        t.post(&own, &format!("/api/v1/participants/{p}/consent"), consent("not the witness's")).await;
    assert_eq!((status, problem["errors"][0]["field"].as_str()), (422, Some("witness")));
    let (status, given) = t.post(&own, &format!("/api/v1/participants/{p}/consent"), consent(PASSWORD)).await;
    assert_eq!(status, 201, "{given}");
    let (_, sigs) = t
        .get(&lead, &format!("/api/v1/signatures?entity_kind=consent&entity_id={}", given["id"].as_str().unwrap()))
        .await;
    let meanings: Vec<&str> = sigs.as_array().unwrap().iter().map(|s| s["meaning"].as_str().unwrap()).collect();
    assert_eq!(meanings, ["consent", "witness"]);

    let (status, enrolled) = t.post(&lead, &path, enrol.clone()).await;
    assert_eq!(status, 201, "{enrolled}");

    // Touch consent withdrawn: the course page shows it at once.
    let (status, _) = t
        .post(
            &own,
            &format!("/api/v1/participants/{p}/consent/withdraw"),
            json!({"part": "therapeutic_touch", "reason": "I prefer no touch"}),
        )
        .await;
    assert_eq!(status, 200);
    let client = t.browser("therapist1.bos").await;
    let html = client.get(t.url(&format!("/participants/{p}/course"))).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("Therapeutic touch: <span class=\"badge bad\">withdrawn</span>"), "{html}");

    // A new document version asks for consent again.
    let admin = t.token("admin").await;
    let (status, doc) = t.post(&admin, "/api/v1/consent-documents", json!({"title": "Consent v2", "body": "Updated risks.", "required_parts": ["treatment", "data_use"], "witness_required": true})).await;
    assert_eq!(status, 201, "{doc}");
    let (_, consent_status) = t.get(&lead, &format!("/api/v1/participants/{p}/consent")).await;
    assert_eq!(consent_status["current"], false);
    assert!(consent_status["reason"].as_str().unwrap().contains("version 2"));
}

#[tokio::test]
async fn the_screening_page_shows_every_criterion_with_its_source() {
    let t = TestApp::spawn().await;
    let client = t.browser("physician.bos").await;
    let p = t.participant_id("BOS-0001").await;
    let record = serde_json::to_string_pretty(&example_record()).unwrap();
    let r = t
        .submit(
            &client,
            &format!("/participants/{p}/screening"),
            &[("record", record.as_str()), ("action", "evaluate")],
        )
        .await;
    let html = r.text().await.unwrap();
    assert!(
        html.contains("Decision:") && html.contains("Protocol eligibility") && html.contains("clinical.md section 2"),
        "{html}"
    );
    assert!(html.contains("Guideline readiness"));
    let r = t
        .submit(&client, &format!("/participants/{p}/screening"), &[("record", "{ not json"), ("action", "evaluate")])
        .await;
    assert_eq!(r.status(), 422);
}

#[tokio::test]
async fn the_guided_form_builds_the_record_and_unknowns_mean_review() {
    let t = TestApp::spawn().await;
    let client = t.browser("therapist2.bos").await;
    let p = t.participant_id("BOS-0002").await;
    let fields = [
        ("date_of_birth", "1980-04-02"),
        ("sex_at_birth", "male"),
        ("ptsd.diagnosis", "yes"),
        ("ptsd.duration_months", "40"),
        ("caps5.total", "44"),
        ("caps5.assessed_on", "2026-11-01"),
        ("trauma_therapy.state", "listed"),
        ("trauma_therapy.0.type", "pe"),
        ("trauma_therapy.0.sessions", "8"),
        ("trauma_therapy.0.completed", "true"),
        ("medication_trials.state", "unknown"),
        ("current_medications.state", "none"),
        ("action", "evaluate"),
    ];
    let r = t.submit(&client, &format!("/participants/{p}/screening"), &fields).await;
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(html.contains("needs review") || html.contains("ineligible"), "unknown data never gives eligible");
    assert!(
        html.contains("8 sessions") || html.contains("Adequate trauma-focused"),
        "the 8-session course is judged: {html}"
    );
    // The live panel gets the same evaluation as an HTML fragment.
    let r = t.submit(&client, &format!("/participants/{p}/screening/preview"), &fields).await;
    let fragment = r.text().await.unwrap();
    assert!(fragment.starts_with("<section class=\"decision\""), "{fragment}");
    // Saving stores the record as the form built it.
    let mut save = fields.to_vec();
    save.retain(|(k, _)| *k != "action");
    save.push(("action", "save"));
    t.submit(&client, &format!("/participants/{p}/screening"), &save).await;
    let stored = t.app.screenings_of(&p).await.unwrap();
    let record: serde_json::Value = serde_json::from_str(&stored[0].record).unwrap();
    assert_eq!(record["trauma_therapy"][0]["sessions"], 8);
    assert_eq!(record["current_medications"], serde_json::json!([]));
    assert!(record["medication_trials"].is_null());
}

#[tokio::test]
async fn the_guided_form_refuses_half_filled_rows_and_keeps_what_was_entered() {
    let t = TestApp::spawn().await;
    let client = t.browser("therapist2.bos").await;
    let p = t.participant_id("BOS-0002").await;
    let fields = [
        ("caps5.total", "44"),
        ("current_medications.state", "listed"),
        ("current_medications.0.daily_dose.amount", "50"),
        ("action", "save"),
    ];
    let r = t.submit(&client, &format!("/participants/{p}/screening"), &fields).await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("current_medications.0.drug") && html.contains("has entries but no drug"), "{html}");
    assert!(html.contains(r#"name="caps5.total" value="44""#), "what was entered comes back");
    assert!(t.app.screenings_of(&p).await.unwrap().is_empty(), "nothing saved");
}

/// Issue 10, item 2: a blinded rater reads no consent (API, page, or its signatures); those
/// who see treatment still do.
#[tokio::test]
async fn raters_read_no_consent() {
    let t = TestApp::spawn().await;
    let p = t.participant_id("SYD-0005").await;
    let lead = t.token("lead.syd").await;
    let (status, consent) = t.get(&lead, &format!("/api/v1/participants/{p}/consent")).await;
    assert_eq!(status, 200, "{consent}");
    let consent_id = consent["consent"]["id"].as_str().expect("the demo participant has consented").to_owned();
    let signatures = format!("/api/v1/signatures?entity_kind=consent&entity_id={consent_id}");
    assert_eq!(t.get(&lead, &signatures).await.0, 200);
    let monitor = t.token("monitor").await;
    assert_eq!(t.get(&monitor, &format!("/api/v1/participants/{p}/consent")).await.0, 200);

    let rater = t.token("rater").await;
    let (status, body) = t.get(&rater, &format!("/api/v1/participants/{p}/consent")).await;
    assert_eq!(status, 403, "{body}");
    assert!(!body.to_string().contains("withdrawn") && !body.to_string().contains("granted"));
    assert_eq!(t.get(&rater, &signatures).await.0, 403);
    let browser = t.browser("rater").await;
    let page = browser.get(t.url(&format!("/participants/{p}/consent"))).send().await.unwrap();
    assert_eq!(page.status(), 403);
    let record = browser.get(t.url(&format!("/participants/{p}"))).send().await.unwrap().text().await.unwrap();
    assert!(!record.contains("/consent\""), "the rater's view of the record links no consent");
    // The rater still reads what a CAPS-5 interview needs.
    assert_eq!(t.get(&rater, &format!("/api/v1/participants/{p}")).await.0, 200);
}

/// Issue 10, item 17: once a later screening is signed, an older draft can no longer be signed
/// and its page shows no live form for it.
#[tokio::test]
async fn an_older_draft_cannot_be_signed_after_a_later_screening_was() {
    let t = TestApp::spawn().await;
    let lead = t.token("lead.bos").await;
    let p = t.participant_id("BOS-0001").await;
    let mut ids = Vec::new();
    for _ in 0..2 {
        let (status, screened) =
            t.post(&lead, &format!("/api/v1/participants/{p}/screenings"), json!({"record": example_record()})).await;
        assert_eq!(status, 201, "{screened}");
        ids.push(screened["screening"]["id"].as_str().unwrap().to_owned());
    }
    let sign = |id: &str| {
        let t = &t;
        let lead = &lead;
        let path = format!("/api/v1/screenings/{id}/decision");
        async move {
            t.post(
                lead,
                &path,
                json!({"override_decision": "needs_review", "reason": "waiting for the ECG", "password": PASSWORD}),
            )
            .await
        }
    };
    assert_eq!(sign(&ids[1]).await.0, 200);
    let (status, problem) = sign(&ids[0]).await;
    assert_eq!(status, 409, "{problem}");
    assert!(problem["detail"].as_str().unwrap().contains("superseded"), "{problem}");
    let browser = t.browser("lead.bos").await;
    let page = browser.get(t.url(&format!("/participants/{p}/screening"))).send().await.unwrap().text().await.unwrap();
    assert!(!page.contains(&format!("/screenings/{}/decision", ids[0])), "no live form for the stale draft");
    assert!(page.contains("Superseded by the screening of"));
}

#[tokio::test]
async fn a_consent_withdrawn_while_enrolling_is_never_enrolled_past() {
    // Enrolment checks consent inside its own transaction, which holds the site's chain as the
    // withdrawal does: whichever commits first, an enrolment never follows a withdrawal.
    let t = TestApp::spawn().await;
    let lead = t.token("lead.bos").await;
    let own = t.token("participant.bos").await;
    let p = t.participant_id("BOS-0003").await;
    let (_, screened) =
        t.post(&lead, &format!("/api/v1/participants/{p}/screenings"), json!({"record": example_record()})).await;
    let id = screened["screening"]["id"].as_str().unwrap().to_owned();
    let decision = json!({"override_decision": "eligible", "reason": "external records confirm 14 CPT sessions", "password": PASSWORD});
    assert_eq!(t.post(&lead, &format!("/api/v1/screenings/{id}/decision"), decision).await.0, 200);
    let parts = json!({"treatment": "granted", "video_recording": "granted", "therapeutic_touch": "granted", "data_use": "granted"});
    let consent = json!({"parts": parts, "password": PASSWORD, "witness_username": "therapist2.bos", "witness_password": PASSWORD});
    assert_eq!(t.post(&own, &format!("/api/v1/participants/{p}/consent"), consent).await.0, 201);

    let (enrol_path, withdraw_path) =
        (format!("/api/v1/participants/{p}/enrolment"), format!("/api/v1/participants/{p}/consent/withdraw"));
    let enrol = t.post(&lead, &enrol_path, json!({"protocol_id": "mapp1", "baseline_on": "2026-12-01"}));
    let withdraw = t.post(&own, &withdraw_path, json!({"part": "treatment", "reason": "I no longer want treatment"}));
    let ((enrolled, _), (withdrawn, _)) = tokio::join!(enrol, withdraw);
    assert_eq!(withdrawn, 200);
    assert!(enrolled == 201 || enrolled == 422, "enrolment answered {enrolled}");
    if enrolled == 201 {
        // Then the enrolment committed first: its entry precedes the withdrawal in the chain.
        let admin = t.token("monitor").await;
        let (_, ledger) = t.get(&admin, "/api/v1/audit/ledger?limit=50").await;
        let seq_of = |action: &str| {
            ledger
                .as_array()
                .unwrap()
                .iter()
                .find(|e| e["action"].as_str().unwrap_or_default().starts_with(action))
                .map(|e| e["seq"].as_i64().unwrap())
        };
        let (Some(enrolled_at), Some(withdrawn_at)) = (seq_of("enrolment.create"), seq_of("consent.withdraw")) else {
            panic!("both changes are in the ledger: {ledger}");
        };
        assert!(enrolled_at < withdrawn_at, "enrolled at {enrolled_at}, after the withdrawal at {withdrawn_at}");
    }
}
