//! Adverse events over the API and pages: serious events' sponsor and regulator clocks with
//! their start events, stopped by reports marked sent; who may see events; the 422s naming
//! field and rule; corrections with a reason in the ledger; solicited checklists (a blanket
//! "none" refused) and the gaps a missing one leaves; the pages' forms.

use crate::support::TestApp;
use serde_json::{Value, json};

fn rules(problem: &Value) -> Vec<(String, String)> {
    problem["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("no errors in {problem}"))
        .iter()
        .map(|e| (e["field"].as_str().unwrap().to_owned(), e["rule"].as_str().unwrap().to_owned()))
        .collect()
}

const HOUR: i64 = 3_600_000_000;

fn now(t: &TestApp) -> i64 {
    t.app.now().micros()
}

/// A moderate event `hours_ago`, not serious, possibly related to the drug.
fn event(term: &str, onset: i64) -> Value {
    json!({"term": term, "verbatim": "in the participant's words", "reported_by": "participant",
        "onset": {"at": onset}, "severity": "moderate", "serious": false,
        "related_to_drug": "possible", "related_to_therapy": "unlikely", "action_taken": "dose_not_changed"})
}

fn clock<'a>(clocks: &'a Value, rule: &str) -> &'a Value {
    clocks.as_array().unwrap().iter().find(|c| c["rule_id"] == rule).unwrap_or_else(|| panic!("no {rule} in {clocks}"))
}

async fn user_id(t: &TestApp, username: &str) -> String {
    t.app.user_by_username(username).await.unwrap().unwrap().id
}

#[tokio::test]
async fn adverse_event_made_serious_runs_sponsor_and_regulator_clocks_until_each_report_is_marked_sent() {
    let t = TestApp::spawn().await;
    let p = t.participant_id("BOS-0002").await;
    let therapist = t.token("therapist1.bos").await;
    let physician = t.token("physician.bos").await;
    let aware = now(&t) - HOUR;
    let mut body = event("headache", now(&t) - 2 * HOUR);
    body["site_aware_at"] = json!(aware);
    let (status, recorded) =
        t.post(&therapist, &format!("/api/v1/participants/{p}/adverse-events"), body.clone()).await;
    assert_eq!(status, 201, "{recorded}");
    assert_eq!((recorded["revision"].as_i64(), recorded["event"]["serious"].as_bool()), (Some(1), Some(false)));
    let id = recorded["id"].as_str().unwrap().to_owned();
    let clocks_path = format!("/api/v1/adverse-events/{id}/clocks");
    assert_eq!(t.get(&physician, &clocks_path).await, (200, json!([])), "an event that is not serious has no clocks");

    // The physician makes it serious (a hospitalisation), with the reason.
    body["seriousness"] = json!({"hospitalisation": true});
    body["serious"] = json!(true);
    let (status, corrected) = t
        .post(
            &physician,
            &format!("/api/v1/adverse-events/{id}/corrections"),
            json!({"event": body, "reason": "admitted overnight for observation", "revision": 1}),
        )
        .await;
    assert_eq!(
        (status, corrected["revision"].as_i64(), corrected["event"]["serious"].as_bool()),
        (200, Some(2), Some(true)),
        "{corrected}"
    );

    // Boston is a sponsored trial (an IND): the site's report to the sponsor runs from the
    // site's awareness; the IND safety report waits for the sponsor's first knowledge.
    let (status, clocks) = t.get(&physician, &clocks_path).await;
    assert_eq!(status, 200, "{clocks}");
    let to_sponsor = clock(&clocks, "us_site_to_sponsor");
    assert_eq!(
        (to_sponsor["start"].as_str(), to_sponsor["started_at"].as_i64(), to_sponsor["status"]["state"].as_str()),
        (Some("site_awareness"), Some(aware), Some("running"))
    );
    assert_eq!(to_sponsor["deadline"].as_i64(), Some(aware + 24 * HOUR));
    let ind = clock(&clocks, "us_ind_15_day");
    assert_eq!(
        (ind["start"].as_str(), ind["started_at"].as_str(), ind["status"]["state"].as_str()),
        (Some("sponsor_first_knowledge"), None, Some("not_started"))
    );
    assert!(ind["provisional"].as_str().unwrap().contains("not yet assessed"), "{ind}");
    assert!(clocks.as_array().unwrap().iter().all(|c| c["rule_id"] != "us_ind_7_day"), "not fatal or life-threatening");
    let bos = t.site_id("BOS").await;
    let (status, site_clocks) = t.get(&t.token("monitor").await, &format!("/api/v1/sites/{bos}/safety-clocks")).await;
    assert_eq!(status, 200);
    let listed = site_clocks.as_array().unwrap().iter().find(|e| e["event_id"] == id.as_str()).unwrap();
    assert_eq!(
        (listed["pathway"].as_str(), listed["participant_code"].as_str()),
        (Some("sponsored_trial"), Some("BOS-0002"))
    );

    // Marking sent: the site's report is the investigator's (site lead or physician), the IND
    // safety report the sponsor's (the monitor stands in); a running clock, with its reference.
    let reports = format!("/api/v1/adverse-events/{id}/reports");
    let monitor = t.token("monitor").await;
    assert_eq!(t.post(&therapist, &reports, json!({"rule_id": "us_site_to_sponsor", "reference": "X"})).await.0, 403);
    assert_eq!(t.post(&monitor, &reports, json!({"rule_id": "us_site_to_sponsor", "reference": "X"})).await.0, 403);
    assert_eq!(t.post(&physician, &reports, json!({"rule_id": "us_ind_15_day", "reference": "IND-1"})).await.0, 403);
    let (status, problem) = t.post(&monitor, &reports, json!({"rule_id": "us_ind_15_day", "reference": "IND-1"})).await;
    assert_eq!(status, 409, "a clock not started cannot be stopped: {problem}");
    let (status, problem) =
        t.post(&physician, &reports, json!({"rule_id": "us_site_to_sponsor", "reference": " "})).await;
    assert_eq!((status, rules(&problem)), (422, vec![("reference".into(), "required".into())]));
    let (status, problem) = t
        .post(
            &physician,
            &reports,
            json!({"rule_id": "us_site_to_sponsor", "reference": "S-1", "sent_at": now(&t) + HOUR}),
        )
        .await;
    assert_eq!((status, rules(&problem)), (422, vec![("sent_at".into(), "not_in_future".into())]));
    let sent_at = now(&t) - 1000;
    let (status, sent) = t
        .post(
            &physician,
            &reports,
            json!({"rule_id": "us_site_to_sponsor", "reference": "SPONSOR-CASE-0042", "sent_at": sent_at}),
        )
        .await;
    assert_eq!(status, 201, "{sent}");
    // Dated back a little, entered now: both are kept.
    let entered = sent["entered_at"].as_i64().unwrap();
    assert_eq!(sent["sent_at"].as_i64(), Some(sent_at));
    assert!(entered > sent_at && entered <= now(&t), "{sent}");

    // The site's report stopped its clock and is the sponsor's first knowledge: the IND
    // report's clock now runs from it.
    let (_, clocks) = t.get(&physician, &clocks_path).await;
    let to_sponsor = clock(&clocks, "us_site_to_sponsor");
    assert_eq!(
        (
            to_sponsor["status"]["state"].as_str(),
            to_sponsor["status"]["reference"].as_str(),
            to_sponsor["status"]["late"].as_bool()
        ),
        (Some("stopped"), Some("SPONSOR-CASE-0042"), Some(false))
    );
    let ind = clock(&clocks, "us_ind_15_day");
    assert_eq!((ind["started_at"].as_i64(), ind["status"]["state"].as_str()), (Some(sent_at), Some("running")));
    let lead = t.token("lead.bos").await;
    assert_eq!(
        t.post(&lead, &reports, json!({"rule_id": "us_ind_15_day", "reference": "IND 063384 SR-1"})).await.0,
        403
    );
    assert_eq!(
        t.post(&monitor, &reports, json!({"rule_id": "us_ind_15_day", "reference": "IND 063384 SR-1"})).await.0,
        201
    );
    let (_, clocks) = t.get(&physician, &clocks_path).await;
    assert!(
        clocks.as_array().unwrap().iter().all(|c| c["status"]["state"] == "stopped"),
        "every clock stopped: {clocks}"
    );
    assert_eq!(t.post(&monitor, &reports, json!({"rule_id": "us_ind_15_day", "reference": "again"})).await.0, 409);

    // The sponsor's expectedness call (the monitor role): named as its assessor.
    let expectedness = format!("/api/v1/adverse-events/{id}/expectedness");
    let call = json!({"assessment": "unexpected", "rsi_version": 1, "reason": "sponsor review against the brochure"});
    assert_eq!(t.post(&physician, &expectedness, call.clone()).await.0, 403, "expectedness is the sponsor's call");
    let (status, assessed) = t.post(&monitor, &expectedness, call).await;
    assert_eq!(status, 200, "{assessed}");
    assert_eq!(
        assessed["event"]["details"]["expectedness"]["assessed_by"].as_str(),
        Some(user_id(&t, "monitor").await.as_str())
    );
    assert_eq!(assessed["event"]["changed"], json!(["expectedness"]));

    // The CIOMS I form of the event, with the participant's code; CSV too.
    let (status, form) = t.get(&physician, &format!("/api/v1/adverse-events/{id}/cioms")).await;
    assert_eq!(
        (status, form["patient_code"].as_str(), form["hospitalisation"].as_bool()),
        (200, Some("BOS-0002"), Some(true)),
        "{form}"
    );
    // A sponsored trial's form names the drug blinded: it unblinds no one.
    assert!(form["suspect_drug"].as_str().unwrap().contains("or matching placebo (blinded"), "{form}");
    let csv = t
        .http
        .get(t.url(&format!("/api/v1/adverse-events/{id}/cioms?format=csv")))
        .bearer_auth(&physician)
        .send()
        .await
        .unwrap();
    assert!(csv.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));

    let (status, report) = t.post(&monitor, "/api/v1/audit/verify", json!({})).await;
    assert_eq!((status, report["ok"].as_bool()), (200, Some(true)), "{report}");
}

#[tokio::test]
async fn adverse_event_bad_input_is_refused_naming_field_and_rule() {
    let t = TestApp::spawn().await;
    let p = t.participant_id("BOS-0002").await;
    let therapist = t.token("therapist1.bos").await;
    let path = format!("/api/v1/participants/{p}/adverse-events");
    let onset = now(&t) - 5 * HOUR;
    let refused = |mut body: Value, patch: Value| {
        for (k, v) in patch.as_object().unwrap() {
            body[k] = v.clone();
        }
        body
    };
    let cases = [
        (refused(event("headache", onset), json!({"end": {"at": onset - HOUR}})), ("end", "not_before_onset")),
        (refused(event("sinus_tachycardia", onset), json!({"grade": {"grade": 4}})), ("grade", "not_a_grade_of_term")),
        (refused(event("headache", onset), json!({"grade": {"grade": 1}})), ("grade", "not_graded_for_term")),
        (refused(event("headache", onset), json!({"serious": true})), ("seriousness", "criterion_required")),
        (
            refused(event("headache", now(&t) + 2 * HOUR), json!({"site_aware_at": now(&t) - HOUR})),
            ("onset", "not_in_future"),
        ),
        (refused(event("no_such_term", onset), json!({})), ("term", "unknown_term")),
        (refused(event("headache", onset), json!({"severity": "extreme"})), ("severity", "invalid")),
    ];
    for (body, (field, rule)) in cases {
        let (status, problem) = t.post(&therapist, &path, body).await;
        assert_eq!(status, 422, "{field} {rule}: {problem}");
        let got = rules(&problem);
        assert!(got.contains(&(field.to_owned(), rule.to_owned())), "{field}/{rule} not in {got:?}");
    }
    // The four of the issue at once: each named.
    let all = refused(
        event("sinus_tachycardia", now(&t) + HOUR),
        json!({"end": {"at": now(&t) - 2 * HOUR}, "grade": {"grade": 4}, "serious": true, "site_aware_at": now(&t) - HOUR}),
    );
    let (status, problem) = t.post(&therapist, &path, all).await;
    let got = rules(&problem);
    assert_eq!(status, 422);
    for pair in [
        ("end", "not_before_onset"),
        ("grade", "not_a_grade_of_term"),
        ("seriousness", "criterion_required"),
        ("onset", "not_in_future"),
    ] {
        assert!(got.contains(&(pair.0.to_owned(), pair.1.to_owned())), "{pair:?} not in {got:?}");
    }
    let (_, list) = t.get(&therapist, &path).await;
    assert_eq!(list, json!([]), "nothing refused was written");
}

#[tokio::test]
async fn adverse_events_are_seen_by_the_site_team_and_monitor_never_by_raters_participants_or_other_sites() {
    let t = TestApp::spawn().await;
    let p = t.participant_id("BOS-0001").await;
    let path = format!("/api/v1/participants/{p}/adverse-events");
    let (status, list) = t.get(&t.token("physician.bos").await, &path).await;
    assert_eq!(status, 200);
    let id = list[0]["id"].as_str().expect("the demo's serious event").to_owned();
    for (who, expected) in [
        ("therapist1.bos", 200),
        ("lead.bos", 200),
        ("monitor", 200),
        ("rater", 403),
        ("pharmacist.bos", 403),
        ("participant.bos", 403),
        ("participant.syd", 403),
        ("lead.syd", 403),
        ("admin", 403),
    ] {
        let token = t.token(who).await;
        assert_eq!(t.get(&token, &path).await.0, expected, "{who} lists");
        assert_eq!(t.get(&token, &format!("/api/v1/adverse-events/{id}")).await.0, expected, "{who} reads one");
        assert_eq!(
            t.get(&token, &format!("/api/v1/adverse-events/{id}/clocks")).await.0,
            expected,
            "{who} reads its clocks"
        );
    }
    let rater = t.token("rater").await;
    assert_eq!(t.post(&rater, &path, event("headache", now(&t) - HOUR)).await.0, 403, "raters record none");
    let bos = t.site_id("BOS").await;
    for site_path in ["safety-clocks", "solicited-gaps", "adverse-events/listing", "adverse-events/incidence"] {
        assert_eq!(t.get(&rater, &format!("/api/v1/sites/{bos}/{site_path}")).await.0, 403, "{site_path}");
    }
    // An unknown id gets the same answer as one the actor may not see.
    let therapist = t.token("therapist1.bos").await;
    assert_eq!(t.get(&therapist, "/api/v1/adverse-events/no-such-event").await.0, 403);
    assert_eq!(t.get(&therapist, "/api/v1/participants/no-such-participant/adverse-events").await.0, 403);
}

#[tokio::test]
async fn adverse_event_correction_without_a_reason_is_refused_and_with_one_is_ledgered() {
    let t = TestApp::spawn().await;
    let p = t.participant_id("BOS-0003").await;
    let therapist = t.token("therapist1.bos").await;
    let onset = now(&t) - 6 * HOUR;
    let body = event("nausea", onset);
    let (_, recorded) = t.post(&therapist, &format!("/api/v1/participants/{p}/adverse-events"), body.clone()).await;
    let id = recorded["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/adverse-events/{id}/corrections");
    let mut fixed = body.clone();
    fixed["end"] = json!({"at": onset + 2 * HOUR});
    fixed["outcome"] = json!("recovered");
    for reason in ["", "   "] {
        let (status, problem) =
            t.post(&therapist, &path, json!({"event": fixed, "reason": reason, "revision": 1})).await;
        assert_eq!((status, rules(&problem)), (422, vec![("reason".into(), "required".into())]), "{problem}");
    }
    let (status, problem) =
        t.post(&therapist, &path, json!({"event": body, "reason": "no change", "revision": 1})).await;
    assert_eq!((status, rules(&problem)), (422, vec![("input".into(), "no_change".into())]));
    // Relatedness is the investigator's assessment, not the therapist's.
    let mut related = body.clone();
    related["related_to_drug"] = json!("probable");
    assert_eq!(
        t.post(&therapist, &path, json!({"event": related, "reason": "reassessed", "revision": 1})).await.0,
        403
    );

    let (status, corrected) =
        t.post(&therapist, &path, json!({"event": fixed, "reason": "resolved by the evening", "revision": 1})).await;
    assert_eq!(status, 200, "{corrected}");
    assert_eq!((corrected["revision"].as_i64(), corrected["open"].as_bool()), (Some(2), Some(false)));
    // A correction made from an older copy would silently undo this one: refused.
    let mut from_old_copy = body.clone();
    from_old_copy["severity"] = json!("severe");
    let (status, problem) =
        t.post(&therapist, &path, json!({"event": from_old_copy, "reason": "worse than noted", "revision": 1})).await;
    assert_eq!(status, 409, "{problem}");
    assert_eq!(corrected["event"]["changed"], json!(["end", "outcome"]));
    let bos = t.site_id("BOS").await;
    let (_, entries) = t.get(&t.token("lead.bos").await, &format!("/api/v1/audit/ledger?site_id={bos}&limit=20")).await;
    let entry = entries
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "adverse_event.correct" && e["entity_id"] == id.as_str())
        .unwrap();
    assert_eq!(entry["reason"].as_str(), Some("resolved by the evening"));
    let before: Value = serde_json::from_str(entry["before"].as_str().unwrap()).unwrap();
    let after: Value = serde_json::from_str(entry["after"].as_str().unwrap()).unwrap();
    assert_eq!((before["revision"].as_i64(), after["revision"].as_i64()), (Some(1), Some(2)));
    let old: Value = serde_json::from_str(before["event"].as_str().unwrap()).unwrap();
    assert_eq!(old["details"]["outcome"], Value::Null, "the old value is kept in the ledger");
    let (status, report) = t.post(&t.token("monitor").await, "/api/v1/audit/verify", json!({})).await;
    assert_eq!((status, report["ok"].as_bool()), (200, Some(true)), "{report}");
}

#[tokio::test]
async fn adverse_event_checklists_refuse_a_blanket_none_and_a_missing_one_is_a_gap() {
    let t = TestApp::spawn().await;
    let syd = t.site_id("SYD").await;
    let lead = t.token("lead.syd").await;
    let (status, gaps) = t.get(&lead, &format!("/api/v1/sites/{syd}/solicited-gaps")).await;
    assert_eq!(status, 200, "{gaps}");
    // The demo's held session has its during-session check; its end-of-session check is missing.
    let gaps = gaps.as_array().unwrap().clone();
    let gap = gaps
        .iter()
        .find(|g| g["point"] == "session_end")
        .unwrap_or_else(|| panic!("no session_end gap in {gaps:?}"))
        .clone();
    let session = gap["session_id"].as_str().unwrap().to_owned();
    assert!(!gaps.iter().any(|g| g["session_id"] == session.as_str() && g["point"] == "during_session"), "{gaps:?}");
    let p = gap["participant_id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/participants/{p}/solicited-checklists");
    let therapist = t.token("therapist1.syd").await;

    // One "none" for the whole list is refused, as is a pseudo-term, as is a term left out.
    let (status, problem) =
        t.post(&therapist, &path, json!({"session_id": session, "point": "session_end", "answers": "none"})).await;
    assert_eq!((status, rules(&problem)), (422, vec![("answers".into(), "each_term".into())]), "{problem}");
    let (status, problem) = t
        .post(
            &therapist,
            &path,
            json!({"session_id": session, "point": "session_end", "answers": [{"term": "none", "answer": "absent"}]}),
        )
        .await;
    assert_eq!(status, 422);
    assert!(rules(&problem).contains(&("answers".into(), "each_term".into())), "{problem}");
    let (_, terms) = t.get(&therapist, &format!("/api/v1/participants/{p}/solicited-checklists")).await;
    let answered: Vec<String> = terms[0]["checklist"]["answers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["term"].as_str().unwrap().to_owned())
        .collect();
    assert!(answered.contains(&"euphoria".to_owned()), "the solicited list asks about euphoria: {answered:?}");
    let mut answers: Vec<Value> = answered.iter().map(|term| json!({"term": term, "answer": "absent"})).collect();
    let euphoria = answers.iter().position(|a| a["term"] == "euphoria").unwrap();
    answers.remove(euphoria);
    let (status, problem) =
        t.post(&therapist, &path, json!({"session_id": session, "point": "session_end", "answers": answers})).await;
    assert_eq!((status, rules(&problem)), (422, vec![("answers.euphoria".into(), "required".into())]));

    // Answered term by term: the gap closes; the present term is named to record as an event.
    answers.push(json!({"term": "euphoria", "answer": "present"}));
    let (status, recorded) =
        t.post(&therapist, &path, json!({"session_id": session, "point": "session_end", "answers": answers})).await;
    assert_eq!(status, 201, "{recorded}");
    assert_eq!(
        recorded["to_record"],
        json!(["euphoria"]),
        "the demo's euphoria after this session has ended: present again is new"
    );
    let (_, gaps) = t.get(&lead, &format!("/api/v1/sites/{syd}/solicited-gaps")).await;
    assert!(
        !gaps.as_array().unwrap().iter().any(|g| g["session_id"] == session.as_str() && g["point"] == "session_end")
    );
    let (status, _) =
        t.post(&therapist, &path, json!({"session_id": session, "point": "session_end", "answers": answers})).await;
    assert_eq!(status, 409, "a point is checked once per session");
    let (status, problem) =
        t.post(&therapist, &path, json!({"session_id": "nope", "point": "session_end", "answers": answers})).await;
    assert_eq!((status, rules(&problem)[0].0.as_str()), (422, "session_id"));
}

#[tokio::test]
async fn adverse_event_pages_show_the_forms_record_and_list_clocks_and_gaps() {
    let t = TestApp::spawn().await;
    let syd = t.site_id("SYD").await;
    let (_, gaps) = t.get(&t.token("lead.syd").await, &format!("/api/v1/sites/{syd}/solicited-gaps")).await;
    let gap = &gaps[0];
    let p = gap["participant_id"].as_str().unwrap().to_owned();
    let browser = t.browser("therapist1.syd").await;
    let page =
        browser.get(t.url(&format!("/participants/{p}/adverse-events"))).send().await.unwrap().text().await.unwrap();
    for expected in [
        "Record an adverse event",
        "Euphoria",
        "Missing solicited checks",
        "Answer the checklist",
        "Reason for the correction",
    ] {
        assert!(page.contains(expected), "{expected} missing from the page");
    }
    let checklist_path = format!(
        "/participants/{p}/adverse-events/checklist?session_id={}&point={}",
        gap["session_id"].as_str().unwrap(),
        gap["point"].as_str().unwrap()
    );
    let form = browser.get(t.url(&checklist_path)).send().await.unwrap().text().await.unwrap();
    assert!(
        form.contains(r#"name="answer.euphoria" value="present""#)
            && form.contains(r#"name="answer.euphoria" value="not_asked""#)
    );
    assert!(!form.to_lowercase().contains("value=\"none\""), "no single answer for the whole list");

    let today = t.app.local_today(&t.app.site_by_code("SYD").await.unwrap().unwrap()).to_string();
    let fields = [
        ("term", "euphoria"),
        ("verbatim", "felt euphoric at the follow-up"),
        ("reported_by", "participant"),
        ("onset_date", today.as_str()),
        ("severity", "mild"),
        ("related_to_drug", "possible"),
        ("related_to_therapy", "unlikely"),
        ("action_taken", "not_applicable"),
    ];
    let r = t.submit(&browser, &format!("/participants/{p}/adverse-events"), &fields).await;
    let text = r.text().await.unwrap();
    assert!(text.contains("Adverse event recorded."), "{text}");
    let mut serious_without_criterion = fields.to_vec();
    serious_without_criterion.push(("serious", "on"));
    let r = t.submit(&browser, &format!("/participants/{p}/adverse-events"), &serious_without_criterion).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("at least one ICH E2A criterion"));

    // A correction on the page keeps the times left as shown (stored to the microsecond).
    let therapist = t.token("therapist1.syd").await;
    let onset = now(&t) - 3 * HOUR - 123_456;
    let (_, recorded) =
        t.post(&therapist, &format!("/api/v1/participants/{p}/adverse-events"), event("nausea", onset)).await;
    let id = recorded["id"].as_str().unwrap().to_owned();
    let aware = recorded["event"]["details"]["site_aware_at"].as_i64().unwrap();
    let zone = jiff::tz::TimeZone::get(t.app.site_by_code("SYD").await.unwrap().unwrap().time_zone.as_str()).unwrap();
    let local = |us: i64| {
        let z = jiff::Timestamp::from_microsecond(us).unwrap().to_zoned(zone.clone());
        (z.date().to_string(), z.time().strftime("%H:%M").to_string())
    };
    let ((onset_date, onset_time), (aware_date, aware_time)) = (local(onset), local(aware));
    let fields = [
        ("term", "nausea"),
        ("verbatim", "in the participant's words"),
        ("reported_by", "participant"),
        ("onset_date", onset_date.as_str()),
        ("onset_time", onset_time.as_str()),
        ("severity", "moderate"),
        ("related_to_drug", "possible"),
        ("related_to_therapy", "unlikely"),
        ("action_taken", "dose_not_changed"),
        ("outcome", "recovering"),
        ("site_aware_at_date", aware_date.as_str()),
        ("site_aware_at_time", aware_time.as_str()),
        ("reason", "settling by the evening"),
        ("revision", "1"),
    ];
    let r = t.submit(&browser, &format!("/adverse-events/{id}/correct"), &fields).await;
    assert!(r.text().await.unwrap().contains("Correction saved."));
    let (_, corrected) = t.get(&therapist, &format!("/api/v1/adverse-events/{id}")).await;
    assert_eq!(corrected["event"]["changed"], json!(["outcome"]), "{corrected}");
    assert_eq!(corrected["event"]["details"]["onset"]["at"].as_i64(), Some(onset));

    let bos = t.site_id("BOS").await;
    let lead = t.browser("lead.bos").await;
    let safety = lead.get(t.url(&format!("/sites/{bos}/safety"))).send().await.unwrap().text().await.unwrap();
    assert!(
        safety.contains("Suicidal ideation") && safety.contains("running") && safety.contains("Mark sent"),
        "{safety}"
    );
    let rater = t.browser("rater").await;
    assert_eq!(rater.get(t.url(&format!("/sites/{bos}/safety"))).send().await.unwrap().status(), 403);
    let dashboard = lead.get(t.url("/")).send().await.unwrap().text().await.unwrap();
    assert!(
        dashboard.contains("Safety: serious adverse events and reporting clocks")
            && dashboard.contains("due within 24 h"),
        "{dashboard}"
    );
}

/// A serious event at Boston recorded by the physician `aware_hours_ago`; its id.
async fn serious_event(t: &TestApp, physician: &str, aware_hours_ago: i64) -> (String, Value) {
    let p = t.participant_id("BOS-0002").await;
    let mut body = event("hypertension", now(t) - (aware_hours_ago + 1) * HOUR);
    body["seriousness"] = json!({"hospitalisation": true});
    body["serious"] = json!(true);
    body["site_aware_at"] = json!(now(t) - aware_hours_ago * HOUR);
    let (status, recorded) = t.post(physician, &format!("/api/v1/participants/{p}/adverse-events"), body.clone()).await;
    assert_eq!(status, 201, "{recorded}");
    (recorded["id"].as_str().unwrap().to_owned(), body)
}

#[tokio::test]
async fn adverse_event_awareness_is_moved_only_by_the_investigator_and_the_first_time_stays_on_record() {
    let t = TestApp::spawn().await;
    let physician = t.token("physician.bos").await;
    let therapist = t.token("therapist1.bos").await;
    // Known 30 hours ago: the 24-hour report to the sponsor is overdue.
    let (id, mut body) = serious_event(&t, &physician, 30).await;
    let first = body["site_aware_at"].as_i64().unwrap();
    let corrections = format!("/api/v1/adverse-events/{id}/corrections");
    let moved_to = now(&t) - HOUR;
    body["site_aware_at"] = json!(moved_to);
    let moved =
        json!({"event": body.clone(), "reason": "the phone log shows the call came in this morning", "revision": 1});
    let (status, problem) = t.post(&therapist, &corrections, moved.clone()).await;
    assert_eq!(status, 403, "moving the clock's start is the investigator's: {problem}");
    let (status, corrected) = t.post(&physician, &corrections, moved).await;
    assert_eq!(status, 200, "{corrected}");
    assert_eq!(corrected["event"]["first_site_aware_at"].as_i64(), Some(first), "{corrected}");
    let (_, clocks) = t.get(&physician, &format!("/api/v1/adverse-events/{id}/clocks")).await;
    // The clock still runs from the first awareness: moving it later cannot make an overdue
    // report on time.
    let to_sponsor = clock(&clocks, "us_site_to_sponsor");
    assert_eq!(to_sponsor["started_at"].as_i64(), Some(first), "{to_sponsor}");
    assert!(to_sponsor["deadline"].as_i64().unwrap() < now(&t), "still overdue");
    // The page shows the time first recorded beside the corrected one.
    let page = t
        .page_as("physician.bos", &format!("/participants/{}/adverse-events", t.participant_id("BOS-0002").await))
        .await;
    assert!(page.contains("first recorded aware"), "{page}");
    // A therapist may still correct the rest (and awareness left as it is needs no one else).
    body["verbatim"] = json!("a pounding headache with high readings");
    let (status, corrected) = t
        .post(
            &therapist,
            &corrections,
            json!({"event": body, "reason": "the participant's own words, fuller", "revision": 2}),
        )
        .await;
    assert_eq!((status, corrected["event"]["first_site_aware_at"].as_i64()), (200, Some(first)), "{corrected}");
}

#[tokio::test]
async fn adverse_event_new_term_drops_the_expectedness_call_and_bad_times_are_refused() {
    let t = TestApp::spawn().await;
    let physician = t.token("physician.bos").await;
    let monitor = t.token("monitor").await;
    let (id, mut body) = serious_event(&t, &physician, 2).await;
    let call = json!({"assessment": "unexpected", "rsi_version": 1, "reason": "sponsor review against the brochure"});
    assert_eq!(t.post(&monitor, &format!("/api/v1/adverse-events/{id}/expectedness"), call).await.0, 200);
    body["term"] = json!("sinus_tachycardia");
    let (status, corrected) = t
        .post(
            &physician,
            &format!("/api/v1/adverse-events/{id}/corrections"),
            json!({"event": body, "reason": "the ECG showed it was tachycardia", "revision": 2}),
        )
        .await;
    assert_eq!(status, 200, "{corrected}");
    assert_eq!(corrected["event"]["details"]["expectedness"], Value::Null, "the call was for the old term");
    let (_, clocks) = t.get(&physician, &format!("/api/v1/adverse-events/{id}/clocks")).await;
    assert!(clock(&clocks, "us_ind_15_day")["provisional"].as_str().unwrap().contains("not yet assessed"), "{clocks}");

    let p = t.participant_id("BOS-0002").await;
    let path = format!("/api/v1/participants/{p}/adverse-events");
    for (onset, rule) in [
        (json!({"date": "1900-01-01"}), "within_5_years"),
        (json!({"at": -62_135_596_800_000_000_i64}), "within_5_years"),
    ] {
        let mut bad = event("headache", 0);
        bad["onset"] = onset;
        let (status, problem) = t.post(&physician, &path, bad).await;
        assert_eq!(status, 422, "{problem}");
        assert!(rules(&problem).contains(&("onset".into(), rule.into())), "{problem}");
    }
    let mut bad = event("headache", 0);
    bad["onset"] = json!({"date": "2026-12-01T10:30"});
    let (status, problem) = t.post(&physician, &path, bad).await;
    assert_eq!(status, 422, "a date-time is not cut to its date: {problem}");
}

#[tokio::test]
async fn adverse_event_rows_written_or_deleted_in_the_database_are_named_never_taken_for_nothing_due() {
    let t = TestApp::spawn().await;
    let physician = t.token("physician.bos").await;
    let (kept, _) = serious_event(&t, &physician, 2).await;
    let (doomed, _) = serious_event(&t, &physician, 20).await;
    let bos = t.site_id("BOS").await;
    let clocks_path = format!("/api/v1/sites/{bos}/safety-clocks");
    assert_eq!(t.get(&physician, &clocks_path).await.0, 200);

    // Someone with the database file deletes the overdue serious event (and its seal).
    t.drop_append_only("adverse_events").await;
    t.raw(&format!("DELETE FROM row_seals WHERE id = '{doomed}'")).await;
    t.raw(&format!("DELETE FROM adverse_events WHERE id = '{doomed}'")).await;
    // The API refuses a partial answer, naming the event gone.
    let (status, problem) = t.get(&physician, &clocks_path).await;
    assert_eq!(status, 409, "{problem}");
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains(&format!("adverse_event {doomed} is in the audit trail but its row is gone")),
        "{problem}"
    );
    // The page still shows the rest, with the problem above it; so does the dashboard.
    let page = t.page_as("physician.bos", &format!("/sites/{bos}/safety")).await;
    assert!(page.contains("fail their integrity check") && page.contains(&doomed), "{page}");
    assert!(page.contains(&format!("sae-{kept}")), "the other serious event is still shown");
    let dashboard = t.page_as("lead.bos", "/").await;
    assert!(dashboard.contains("integrity") && dashboard.contains(&doomed), "{dashboard}");

    // An event changed in place (made not serious) fails its seal: left out, named, and the
    // rest of the participant's page still shows.
    t.raw(&format!(
        "UPDATE adverse_events SET event = replace(event, '\"serious\":true', '\"serious\":false') WHERE id = '{kept}'"
    ))
    .await;
    let p = t.participant_id("BOS-0002").await;
    let page = t.page_as("physician.bos", &format!("/participants/{p}/adverse-events")).await;
    assert!(page.contains("fail their integrity check") && page.contains(&kept), "{page}");
    let (status, _) = t.get(&physician, &format!("/api/v1/participants/{p}/adverse-events")).await;
    assert_ne!(status, 200, "the API does not pass on a partial list");
    let (status, _) = t.get(&physician, &format!("/api/v1/sites/{bos}/adverse-events/listing?format=csv")).await;
    assert_ne!(status, 200, "nor does the DSMB export");
}

#[tokio::test]
async fn adverse_event_reads_during_concurrent_corrections_never_report_tampering() {
    let t = TestApp::spawn().await;
    let physician = t.token("physician.bos").await;
    let lead = t.token("lead.bos").await;
    let (id, body) = serious_event(&t, &physician, 2).await;
    let bos = t.site_id("BOS").await;
    let corrections = format!("/api/v1/adverse-events/{id}/corrections");
    let clocks_path = format!("/api/v1/sites/{bos}/safety-clocks");
    let writers = (0..8).map(|i| {
        let mut b = body.clone();
        b["verbatim"] = json!(format!("account number {i} of the same evening"));
        let (t, token, path) = (&t, if i % 2 == 0 { &physician } else { &lead }, &corrections);
        async move {
            t.post(token, path, json!({"event": b, "reason": format!("fuller account, take {i}"), "revision": 1}))
                .await
                .0
        }
    });
    let readers = (0..16).map(|_| {
        let (t, token, path) = (&t, &physician, &clocks_path);
        async move { t.get(token, path).await }
    });
    let (written, read) =
        tokio::join!(futures_util::future::join_all(writers), futures_util::future::join_all(readers));
    // All were made from revision 1: exactly one lands, the rest are refused as stale (409), so
    // none silently undoes another.
    assert!(written.iter().all(|s| *s == 200 || *s == 409), "{written:?}");
    let landed = written.iter().filter(|s| **s == 200).count();
    assert_eq!(landed, 1, "{written:?}");
    for (status, body) in &read {
        assert_eq!(*status, 200, "a read during corrections is never taken for tampering: {body}");
    }
    let (_, event) = t.get(&physician, &format!("/api/v1/adverse-events/{id}")).await;
    assert_eq!(event["revision"].as_i64(), Some(1 + landed as i64), "{event}");
}

#[tokio::test]
async fn a_participant_tells_the_clinic_how_they_feel_and_a_clinician_reviews_each_report_once() {
    let t = TestApp::spawn().await;
    let own = t.token("participant.bos").await;
    let p = t.participant_id("BOS-0003").await;
    let path = format!("/api/v1/participants/{p}/self-reports");
    let report = json!({"feeling": "racing heart at night, scared", "how_bad": "moderate", "wants_call": true});
    // Only the participant themself tells it; others cannot, nor read it unless they look after them.
    let other = t.participant_id("BOS-0002").await;
    assert_eq!(t.post(&own, &format!("/api/v1/participants/{other}/self-reports"), report.clone()).await.0, 403);
    assert_eq!(t.post(&t.token("therapist1.bos").await, &path, report.clone()).await.0, 403);
    for (patch, field, rule) in [
        (json!({"feeling": "\u{200B}"}), "feeling", "required"),
        (json!({"started_on": "2099-01-01"}), "started_on", "not_in_future"),
        (json!({"started_on": "2026-12-01T09:00"}), "started_on", "date"),
    ] {
        let mut bad = report.clone();
        for (k, v) in patch.as_object().unwrap() {
            bad[k] = v.clone();
        }
        let (status, problem) = t.post(&own, &path, bad).await;
        assert_eq!((status, rules(&problem)), (422, vec![(field.to_owned(), rule.to_owned())]), "{problem}");
    }
    let (status, sent) = t.post(&own, &path, report).await;
    assert_eq!(status, 201, "{sent}");
    let id = sent["id"].as_str().unwrap().to_owned();
    assert_eq!(t.get(&t.token("rater").await, &path).await.0, 403, "the rater sees no one's reports");

    // It waits on the site's worklist, urgent because it asks for a call.
    let dashboard = t.page_as("physician.bos", "/").await;
    assert!(dashboard.contains("asked to be called") && dashboard.contains("BOS-0003"), "{dashboard}");

    // The clinician reviews it once: a reason in words, or one of the participant's events.
    let physician = t.token("physician.bos").await;
    let review = format!("/api/v1/self-reports/{id}/review");
    let (status, problem) =
        t.post(&physician, &review, json!({"outcome": "not_an_adverse_event", "reason": "."})).await;
    assert_eq!((status, rules(&problem)), (422, vec![("reason".into(), "words".into())]));
    let (status, problem) =
        t.post(&physician, &review, json!({"outcome": "recorded_as_event", "event_id": "nope"})).await;
    assert_eq!((status, rules(&problem)), (422, vec![("event_id".into(), "of_participant".into())]));
    let mut body = event("sinus_tachycardia", now(&t) - 10 * HOUR);
    body["reported_by"] = json!("participant");
    let (status, recorded) = t.post(&physician, &format!("/api/v1/participants/{p}/adverse-events"), body).await;
    assert_eq!(status, 201, "{recorded}");
    let event_id = recorded["id"].as_str().unwrap();
    // Two clinicians reviewing at once: one review is kept, the other is told.
    let outcome = json!({"outcome": "recorded_as_event", "event_id": event_id});
    let lead = t.token("lead.bos").await;
    let (a, b) = tokio::join!(t.post(&physician, &review, outcome.clone()), t.post(&lead, &review, outcome.clone()));
    let mut statuses = [a.0, b.0];
    statuses.sort_unstable();
    assert_eq!(statuses, [201, 409], "{a:?} {b:?}");
    let (status, mine) = t.get(&own, &path).await;
    assert_eq!(status, 200, "{mine}");
    let reviewed = mine.as_array().unwrap().iter().find(|r| r["id"] == id.as_str()).unwrap();
    assert_eq!(reviewed["review"]["outcome"]["outcome"], json!("recorded_as_event"), "{reviewed}");
    let portal = t.page_as("participant.bos", &format!("/participants/{p}/how-i-feel")).await;
    assert!(portal.contains("read by a clinician"), "{portal}");
    let dashboard = t.page_as("physician.bos", "/").await;
    assert!(!dashboard.contains("asked to be called"), "reviewed: off the worklist");
}

#[tokio::test]
async fn adverse_event_put_back_at_an_earlier_revision_or_its_report_deleted_is_named_everywhere() {
    let t = TestApp::spawn().await;
    let physician = t.token("physician.bos").await;
    let p = t.participant_id("BOS-0002").await;
    // Not serious at first; its row and seal are copied as an attacker would.
    let (status, recorded) = t
        .post(&physician, &format!("/api/v1/participants/{p}/adverse-events"), event("nausea", now(&t) - 2 * HOUR))
        .await;
    assert_eq!(status, 201, "{recorded}");
    let id = recorded["id"].as_str().unwrap().to_owned();
    t.raw(&format!("CREATE TABLE old_event AS SELECT * FROM adverse_events WHERE id = '{id}'")).await;
    t.raw(&format!("CREATE TABLE old_seal AS SELECT * FROM row_seals WHERE id = '{id}'")).await;
    let mut serious = event("nausea", now(&t) - 2 * HOUR);
    serious["seriousness"] = json!({"hospitalisation": true});
    serious["serious"] = json!(true);
    serious["site_aware_at"] = recorded["event"]["details"]["site_aware_at"].clone();
    let corrections = format!("/api/v1/adverse-events/{id}/corrections");
    let body = json!({"event": serious, "reason": "admitted for fluids", "revision": 1});
    assert_eq!(t.post(&physician, &corrections, body).await.0, 200);
    // The revision-1 row and its own seal are put back: a serious event made not serious.
    t.raw(&format!("UPDATE adverse_events SET (revision, event, recorded_at) = (SELECT revision, event, recorded_at FROM old_event) WHERE id = '{id}'")).await;
    t.raw(&format!("UPDATE row_seals SET seal = (SELECT seal FROM old_seal) WHERE id = '{id}'")).await;
    let (status, problem) = t.get(&physician, &format!("/api/v1/adverse-events/{id}")).await;
    assert_eq!(status, 409, "{problem}");
    assert!(problem["detail"].as_str().unwrap().contains("older than its audit trail"), "{problem}");
    let bos = t.site_id("BOS").await;
    assert_eq!(t.get(&physician, &format!("/api/v1/sites/{bos}/safety-clocks")).await.0, 409);
    let page = t.page_as("physician.bos", &format!("/participants/{p}/adverse-events")).await;
    assert!(page.contains("older than its audit trail"), "the participant's page names it");
    assert!(t.page_as("lead.bos", "/").await.contains("older than its audit trail"), "so does the dashboard");
}

#[tokio::test]
async fn adverse_event_report_deleted_in_the_database_neither_restarts_its_clock_nor_lets_a_second_be_marked() {
    let t = TestApp::spawn().await;
    let physician = t.token("physician.bos").await;
    let (id, _) = serious_event(&t, &physician, 2).await;
    let reports = format!("/api/v1/adverse-events/{id}/reports");
    let sent = json!({"rule_id": "us_site_to_sponsor", "reference": "SPONSOR-1"});
    assert_eq!(t.post(&physician, &reports, sent.clone()).await.0, 201);
    t.drop_append_only("sae_submissions").await;
    t.raw(&format!("DELETE FROM sae_submissions WHERE event_id = '{id}'")).await;
    let (status, problem) = t.get(&physician, &format!("/api/v1/adverse-events/{id}/clocks")).await;
    assert_eq!(status, 409, "{problem}");
    let (status, _) =
        t.post(&physician, &reports, json!({"rule_id": "us_site_to_sponsor", "reference": "SPONSOR-2"})).await;
    assert_eq!(status, 409, "a second report is not marked");
    let bos = t.site_id("BOS").await;
    let page = t.page_as("physician.bos", &format!("/sites/{bos}/safety")).await;
    assert!(page.contains("sae_submission") && page.contains("its row is gone"), "the site's page names it");
}

#[tokio::test]
async fn adverse_event_clocks_keep_the_pathway_in_force_when_the_site_knew() {
    let t = TestApp::spawn().await;
    // Sydney reports under its Authorised Prescriber approvals (in force until January 2027).
    let physician = t.token("physician.syd").await;
    let p = t.participant_id("SYD-0006").await;
    let mut body = event("hypertension", now(&t) - 2 * HOUR);
    body["seriousness"] = json!({"medically_important": true});
    body["serious"] = json!(true);
    let (status, recorded) = t.post(&physician, &format!("/api/v1/participants/{p}/adverse-events"), body).await;
    assert_eq!(status, 201, "{recorded}");
    let id = recorded["id"].as_str().unwrap().to_owned();
    let rules_now = |clocks: &Value| -> Vec<String> {
        clocks.as_array().unwrap().iter().map(|c| c["rule_id"].as_str().unwrap().to_owned()).collect()
    };
    let (_, before) = t.get(&physician, &format!("/api/v1/adverse-events/{id}/clocks")).await;
    assert!(rules_now(&before).contains(&"au_ap_tga".to_owned()), "{before}");
    let sent = json!({"rule_id": "au_ap_tga", "reference": "TGA-2026-77"});
    assert_eq!(t.post(&physician, &format!("/api/v1/adverse-events/{id}/reports"), sent).await.0, 201);
    // Later both Authorised Prescriber approvals are revoked: the event still owes what it owed
    // when the site knew, and its report sent still shows.
    let lead = t.token("lead.syd").await;
    let syd = t.site_id("SYD").await;
    let (_, authorisations) = t.get(&lead, &format!("/api/v1/sites/{syd}/authorisations")).await;
    let mut revoked = 0;
    for a in authorisations.as_array().unwrap().iter().filter(|a| a["kind"] == "authorised_prescriber") {
        let path = format!("/api/v1/authorisations/{}/revoke", a["id"].as_str().unwrap());
        let (status, body) = t.post(&lead, &path, json!({"reason": "the approval was withdrawn by the TGA"})).await;
        assert_eq!(status, 200, "{body}");
        revoked += 1;
    }
    assert_eq!(revoked, 2);
    let (status, after) = t.get(&physician, &format!("/api/v1/adverse-events/{id}/clocks")).await;
    assert_eq!(status, 200, "{after}");
    assert_eq!(rules_now(&after), rules_now(&before));
    assert_eq!(clock(&after, "au_ap_tga")["status"]["reference"].as_str(), Some("TGA-2026-77"), "{after}");
}

#[tokio::test]
async fn a_participant_writes_in_lines_and_finds_the_page_from_home() {
    let t = TestApp::spawn().await;
    let own = t.token("participant.bos").await;
    let p = t.participant_id("BOS-0003").await;
    let report =
        json!({"feeling": "I cannot sleep.\nMy chest is tight at night.", "how_bad": "severe", "wants_call": true});
    let (status, sent) = t.post(&own, &format!("/api/v1/participants/{p}/self-reports"), report).await;
    assert_eq!(status, 201, "{sent}");
    assert_eq!(sent["report"]["feeling"].as_str(), Some("I cannot sleep.\nMy chest is tight at night."));
    let home = t.page_as("participant.bos", "/").await;
    assert!(home.contains(&format!("/participants/{p}/how-i-feel")), "{home}");
    // Text that reorders itself on screen is refused wherever it is typed.
    let physician = t.token("physician.bos").await;
    let (id, _) = serious_event(&t, &physician, 1).await;
    let (status, problem) = t
        .post(
            &physician,
            &format!("/api/v1/adverse-events/{id}/reports"),
            json!({"rule_id": "us_site_to_sponsor", "reference": "\u{202E}1-DNI"}),
        )
        .await;
    assert_eq!((status, rules(&problem)), (422, vec![("reference".into(), "no_bidi_controls".into())]));
}
