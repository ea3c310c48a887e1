//! Coding over the API and pages: the administrator loads a dictionary (every bad line named;
//! a version loaded once), the coder codes each event's current term and sees it again when the
//! term is corrected, the DSMB listing carries the coded term and body system, nobody else
//! codes, the coder sees nothing of treatment, and `audit verify` notices entries changed in
//! the database.

use crate::support::TestApp;
use serde_json::{Value, json};

const FILE: &str = "code,term,body_system_code,body_system\n\
    T001,Headache,S01,Nervous system disorders\n\
    T002,Nausea,S02,Gastrointestinal disorders\n\
    T003,Sinus tachycardia,S03,Cardiac disorders\n";

fn rules(problem: &Value) -> Vec<(String, String)> {
    problem["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("no errors in {problem}"))
        .iter()
        .map(|e| (e["field"].as_str().unwrap().to_owned(), e["rule"].as_str().unwrap().to_owned()))
        .collect()
}

async fn load(t: &TestApp) -> String {
    let admin = t.token("admin").await;
    let (status, loaded) = t
        .post(&admin, "/api/v1/coding/dictionaries", json!({"name": "Test terms", "version": "2.0", "csv": FILE}))
        .await;
    assert_eq!(status, 201, "{loaded}");
    loaded["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn dictionaries_are_loaded_by_the_administrator_whole_or_not_at_all() {
    let t = TestApp::spawn().await;
    let admin = t.token("admin").await;
    let bad = "code,term,body_system_code,body_system\nT1,Headache,S1\nT2,\u{200B},S1,Nervous\n";
    let (status, problem) =
        t.post(&admin, "/api/v1/coding/dictionaries", json!({"name": "Bad", "version": "1", "csv": bad})).await;
    assert_eq!(
        (status, rules(&problem)),
        (422, vec![("line 2.cells".into(), "four_cells".into()), ("line 3.term".into(), "required".into())])
    );
    let coder = t.token("coder").await;
    assert_eq!(
        t.post(&coder, "/api/v1/coding/dictionaries", json!({"name": "X", "version": "1", "csv": FILE})).await.0,
        403
    );
    load(&t).await;
    let again = json!({"name": "Test terms", "version": "2.0", "csv": FILE});
    assert_eq!(t.post(&admin, "/api/v1/coding/dictionaries", again).await.0, 409, "a version is loaded once");
    let (status, list) = t.get(&coder, "/api/v1/coding/dictionaries").await;
    assert_eq!((status, list[0]["name"].as_str(), list[0]["entries"].as_i64()), (200, Some("Test terms"), Some(3)));
    assert_eq!(t.get(&t.token("therapist1.syd").await, "/api/v1/coding/dictionaries").await.0, 403);

    // Entries changed in the database are named by `audit verify`.
    t.drop_append_only("coding_terms").await;
    t.raw("UPDATE coding_terms SET body_system = 'Psychiatric disorders' WHERE code = 'T001'").await;
    let (status, report) = t.post(&t.token("monitor").await, "/api/v1/audit/verify", json!({})).await;
    assert_eq!((status, report["ok"].as_bool()), (200, Some(false)), "{report}");
    assert!(report.to_string().contains("Test terms 2.0"), "{report}");
}

#[tokio::test]
async fn the_coder_codes_each_current_term_and_the_listing_carries_it() {
    let t = TestApp::spawn().await;
    let dictionary = load(&t).await;
    let coder = t.token("coder").await;
    let physician = t.token("physician.bos").await;
    let p = t.participant_id("BOS-0002").await;
    let event = json!({"term": "headache", "verbatim": "a dull headache", "reported_by": "participant",
        "onset": {"at": t.app.now().micros() - 3_600_000_000_i64}, "severity": "mild", "serious": false,
        "related_to_drug": "possible", "related_to_therapy": "unlikely", "action_taken": "dose_not_changed"});
    let (status, recorded) =
        t.post(&physician, &format!("/api/v1/participants/{p}/adverse-events"), event.clone()).await;
    assert_eq!(status, 201, "{recorded}");
    let id = recorded["id"].as_str().unwrap().to_owned();

    let (status, worklist) = t.get(&coder, "/api/v1/coding/worklist").await;
    assert_eq!(status, 200, "{worklist}");
    let item = worklist.as_array().unwrap().iter().find(|i| i["event_id"] == id.as_str()).unwrap().clone();
    assert_eq!((item["term"].as_str(), item["suggested"][0]["code"].as_str()), (Some("Headache"), Some("T001")));
    assert!(item.get("participant_id").is_none(), "the coder needs no participant");

    let path = format!("/api/v1/adverse-events/{id}/coding");
    let code = |code: &str, revision: i64| json!({"dictionary_id": dictionary, "code": code, "revision": revision});
    let (status, problem) = t.post(&coder, &path, code("T999", 1)).await;
    assert_eq!((status, rules(&problem)), (422, vec![("code".into(), "in_dictionary".into())]));
    assert_eq!(t.post(&coder, &path, code("T001", 2)).await.0, 409, "a revision the coder did not read");
    for who in ["therapist1.bos", "physician.bos", "monitor", "rater"] {
        assert_eq!(t.post(&t.token(who).await, &path, code("T001", 1)).await.0, 403, "{who} does not code");
    }
    let (status, coded) = t.post(&coder, &path, code("T001", 1)).await;
    assert_eq!(status, 201, "{coded}");
    assert!(coded.get("participant_id").is_none(), "{coded}");
    assert_eq!(t.post(&coder, &path, code("T002", 1)).await.0, 409, "a current coding is not overwritten");
    let (_, worklist) = t.get(&coder, "/api/v1/coding/worklist").await;
    assert!(worklist.as_array().unwrap().iter().all(|i| i["event_id"] != id.as_str()), "coded: off the list");

    // The coder sees nothing of the participant's treatment or events beyond what to code.
    assert_eq!(t.get(&coder, &format!("/api/v1/participants/{p}/adverse-events")).await.0, 403);
    assert_eq!(t.get(&coder, &format!("/api/v1/participants/{p}")).await.0, 403);

    // The DSMB listing carries the coding.
    let bos = t.site_id("BOS").await;
    let monitor = t.token("monitor").await;
    let (status, rows) = t.get(&monitor, &format!("/api/v1/sites/{bos}/adverse-events/listing")).await;
    assert_eq!(status, 200);
    let row = rows.as_array().unwrap().iter().find(|r| r["event_id"] == id.as_str()).unwrap();
    assert_eq!(
        (row["coded_code"].as_str(), row["coded_term"].as_str(), row["body_system"].as_str()),
        (Some("T001"), Some("Headache"), Some("Nervous system disorders"))
    );

    // A corrected term puts it back on the list, with the coding it had; the listing drops it.
    let mut corrected = event;
    corrected["term"] = json!("nausea");
    let (status, _) = t
        .post(
            &physician,
            &format!("/api/v1/adverse-events/{id}/corrections"),
            json!({"event": corrected, "reason": "it was nausea, not a headache", "revision": 1}),
        )
        .await;
    assert_eq!(status, 200);
    let (_, worklist) = t.get(&coder, "/api/v1/coding/worklist").await;
    let item = worklist.as_array().unwrap().iter().find(|i| i["event_id"] == id.as_str()).unwrap();
    assert_eq!((item["stale"]["code"].as_str(), item["revision"].as_i64()), (Some("T001"), Some(2)));
    let (_, rows) = t.get(&monitor, &format!("/api/v1/sites/{bos}/adverse-events/listing")).await;
    let row = rows.as_array().unwrap().iter().find(|r| r["event_id"] == id.as_str()).unwrap();
    assert_eq!(row["coded_code"].as_str(), Some(""), "a coding of the old term is not current");

    // The page: the event, its words, the suggestion, and the form.
    let page = t.page_as("coder", "/coding").await;
    assert!(page.contains("a dull headache"), "{page}");
    assert!(page.contains("the term has changed since") && page.contains("T002"), "{page}");
}
