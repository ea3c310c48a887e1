use crate::support::{PASSWORD, TestApp};
use serde_json::{Value, json};

#[tokio::test]
async fn login_me_logout_and_a_revoked_token_stops_working() {
    let t = TestApp::spawn().await;
    let token = t.token("therapist1.syd").await;
    let (status, me) = t.get(&token, "/api/v1/me").await;
    assert_eq!(status, 200);
    assert_eq!(me["display_name"], "Sam Whitlock");
    assert_eq!(me["roles"][0]["role"], "therapist");

    let (status, _) = t.post(&token, "/api/v1/auth/logout", json!({})).await;
    assert_eq!(status, 204);
    let (status, problem) = t.get(&token, "/api/v1/me").await;
    assert_eq!(status, 401);
    assert_eq!(problem["type"], "/problems/unauthenticated");

    let (status, _) = t.get("not-a-token", "/api/v1/me").await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn wrong_passwords_are_throttled_after_five_failures() {
    let t = TestApp::spawn().await;
    for _ in 0..5 {
        let r = t
            .http
            .post(t.url("/api/v1/auth/login"))
            .json(&json!({"username": "lead.syd", "password": "wrong-password"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401);
    }
    let r = t
        .http
        .post(t.url("/api/v1/auth/login"))
        .json(&json!({"username": "lead.syd", "password": super::support::PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 429, "even the right password waits out the lock");
    assert!(r.headers().get("retry-after").is_some());
    let entries = t
        .app
        .store
        .recent_entries(&catalyst_app::platform::store::ledger::EntryFilter { limit: 50, ..Default::default() })
        .await
        .unwrap();
    assert_eq!(entries.iter().filter(|e| e.action == "auth.login_failed").count(), 5);
}

#[tokio::test]
async fn a_denied_request_is_403_with_a_problem_and_is_in_the_ledger() {
    let t = TestApp::spawn().await;
    let token = t.token("therapist1.syd").await;
    let bos = t.site_id("BOS").await;
    let (status, problem) = t.get(&token, &format!("/api/v1/sites/{bos}/participants")).await;
    assert_eq!(status, 403);
    assert_eq!(problem["type"], "/problems/forbidden");
    assert_eq!(problem["status"], 403);
    let entries = t
        .app
        .store
        .recent_entries(&catalyst_app::platform::store::ledger::EntryFilter { limit: 20, ..Default::default() })
        .await
        .unwrap();
    let denial = entries.iter().find(|e| e.action == "access.denied").expect("denial recorded");
    assert_eq!(denial.actor_name, "Sam Whitlock");
    assert_eq!(denial.chain, format!("site:{bos}"));
    assert!(denial.after.as_deref().unwrap().contains("view_participants"));
}

#[tokio::test]
async fn bad_requests_get_problem_bodies_never_500() {
    let t = TestApp::spawn().await;
    let token = t.token("admin").await;
    let syd = t.site_id("SYD").await;
    let cases: Vec<(&str, String, String, u16, Option<&str>)> = vec![
        ("POST", "/api/v1/sites".to_owned(), "{".into(), 400, None),
        ("POST", "/api/v1/sites".to_owned(), "[1,2]".into(), 422, None),
        (
            "POST",
            "/api/v1/sites".to_owned(),
            r#"{"code":"AB","name":"n","time_zone":"UTC","jurisdiction":"US","colour":"red"}"#.into(),
            422,
            Some("colour"),
        ),
        (
            "POST",
            "/api/v1/sites".to_owned(),
            r#"{"code":"AB","name":"n","time_zone":"UTC"}"#.into(),
            422,
            Some("jurisdiction"),
        ),
        (
            "POST",
            "/api/v1/sites".to_owned(),
            r#"{"code":12,"name":"n","time_zone":"UTC","jurisdiction":"US"}"#.into(),
            422,
            Some("code"),
        ),
        (
            "POST",
            "/api/v1/sites".to_owned(),
            r#"{"code":"AB","name":"n","time_zone":"UTC","jurisdiction":"US"} trailing"#.into(),
            400,
            None,
        ),
        (
            "POST",
            "/api/v1/users".to_owned(),
            r#"{"username":"x y","display_name":"","password":"short"}"#.into(),
            422,
            Some("username"),
        ),
        ("POST", format!("/api/v1/sites/{syd}/participants"), r#"{"stage":"dosed"}"#.into(), 422, Some("stage")),
        (
            "POST",
            "/api/v1/signatures".to_owned(),
            r#"{"entity_kind":"participant","entity_id":"x","meaning":"approval"}"#.into(),
            422,
            Some("password"),
        ),
        ("POST", "/api/v1/auth/login".to_owned(), "null".into(), 422, None),
        (
            "POST",
            "/api/v1/sites".to_owned(),
            format!(r#"{{"code":"AB","name":"{}","time_zone":"UTC","jurisdiction":"US"}}"#, "x".repeat(70_000)),
            413,
            None,
        ),
        (
            "PUT",
            format!("/api/v1/sites/{syd}"),
            r#"{"code":"SYD","name":"n","time_zone":"UTC","jurisdiction":"AU","status":"open","reason":"r"}"#.into(),
            422,
            Some("status"),
        ),
        ("GET", "/api/v1/sites/no-such-site".to_owned(), String::new(), 404, None),
        ("GET", format!("/api/v1/sites/{syd}/participants?limit=abc"), String::new(), 422, Some("limit")),
        ("GET", format!("/api/v1/sites/{syd}/participants?limit=0"), String::new(), 422, Some("limit")),
        ("GET", "/api/v1/nothing-here".to_owned(), String::new(), 404, None),
    ];
    for (method, path, body, expected, field) in cases {
        let request = match method {
            "GET" => t.http.get(t.url(&path)),
            "PUT" => t.http.put(t.url(&path)).header("content-type", "application/json").body(body.clone()),
            _ => t.http.post(t.url(&path)).header("content-type", "application/json").body(body.clone()),
        };
        let r = request.bearer_auth(&token).send().await.unwrap();
        let status = r.status().as_u16();
        let content_type = r.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
        let problem: Value = r.json().await.unwrap_or(Value::Null);
        let label = format!("{method} {path} {}", body.chars().take(80).collect::<String>());
        assert_eq!(status, expected, "{label}: {problem}");
        assert_eq!(content_type, "application/problem+json", "{label}");
        assert_eq!(problem["status"], expected, "{label}");
        if let Some(field) = field {
            let fields: Vec<&str> =
                problem["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
            assert!(fields.contains(&field), "{label}: {fields:?} should name {field}");
        }
    }
    // A body that is not JSON at all.
    let r = t.http.post(t.url("/api/v1/sites")).bearer_auth(&token).body("code=AB").send().await.unwrap();
    assert_eq!(r.status(), 415);
}

#[tokio::test]
async fn validation_names_every_field_and_the_allowed_values() {
    let t = TestApp::spawn().await;
    let token = t.token("admin").await;
    let (status, problem) = t
        .post(&token, "/api/v1/sites", json!({"code": "x", "name": "", "time_zone": "Mars/Base", "jurisdiction": "Oz"}))
        .await;
    assert_eq!(status, 422);
    let fields: Vec<&str> =
        problem["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["code", "name", "time_zone", "jurisdiction"]);
    let user = t.app.user_by_username("rater").await.unwrap().unwrap();
    let (status, problem) = t.post(&token, &format!("/api/v1/users/{}/roles", user.id), json!({"role": "nurse"})).await;
    assert_eq!(status, 422);
    assert!(problem["errors"][0]["message"].as_str().unwrap().contains("site_lead"));
}

#[tokio::test]
async fn changing_recorded_data_requires_a_reason_and_keeps_old_and_new_values() {
    let t = TestApp::spawn().await;
    let admin = t.token("admin").await;
    let syd = t.site_id("SYD").await;
    let body = |reason: &str| json!({"code": "SYD", "name": "Sydney Centre", "time_zone": "Australia/Sydney", "jurisdiction": "AU-NSW", "status": "active", "reason": reason});
    let (status, problem) = t.put(&admin, &format!("/api/v1/sites/{syd}"), body("")).await;
    assert_eq!(status, 422);
    assert_eq!(problem["errors"][0]["field"], "reason");
    let (status, site) = t.put(&admin, &format!("/api/v1/sites/{syd}"), body("official name")).await;
    assert_eq!(status, 200);
    assert_eq!(site["name"], "Sydney Centre");
    let (_, ledger) = t.get(&admin, "/api/v1/audit/ledger?limit=5").await;
    let entry = ledger.as_array().unwrap().iter().find(|e| e["action"] == "site.update").unwrap();
    assert_eq!(entry["reason"], "official name");
    assert!(entry["before"].as_str().unwrap().contains("Sydney Trauma Recovery Centre"));
    assert!(entry["after"].as_str().unwrap().contains("Sydney Centre"));
    assert_eq!(entry["actor_name"], "Alex Morgan (administrator)");
}

#[tokio::test]
async fn participants_see_only_their_own_record() {
    let t = TestApp::spawn().await;
    let token = t.token("participant.syd").await;
    let (status, me) = t.get(&token, "/api/v1/me").await;
    assert_eq!(status, 200);
    let own = t.app.participants_linked_to(me["user_id"].as_str().unwrap()).await.unwrap().pop().unwrap();
    let (status, view) = t.get(&token, &format!("/api/v1/participants/{}", own.id)).await;
    assert_eq!(status, 200);
    assert_eq!(view["code"], own.code);
    let other = t.participant_id("SYD-0001").await;
    assert_ne!(other, own.id);
    assert_eq!(t.get(&token, &format!("/api/v1/participants/{other}")).await.0, 403);
    let syd = t.site_id("SYD").await;
    assert_eq!(t.get(&token, &format!("/api/v1/sites/{syd}/participants")).await.0, 403);
}

#[tokio::test]
async fn administrators_run_the_system_but_see_no_clinical_records() {
    let t = TestApp::spawn().await;
    let admin = t.token("admin").await;
    let syd = t.site_id("SYD").await;
    assert_eq!(t.get(&admin, &format!("/api/v1/sites/{syd}/participants")).await.0, 403);
    let (status, created) = t
        .post(
            &admin,
            "/api/v1/users",
            json!({"username": "nurse.new", "display_name": "New Nurse", "password": "a long password"}),
        )
        .await;
    assert_eq!(status, 201);
    let (status, _) = t
        .post(
            &admin,
            &format!("/api/v1/users/{}/roles", created["id"].as_str().unwrap()),
            json!({"role": "therapist", "site_id": syd}),
        )
        .await;
    assert_eq!(status, 201);
    let (status, problem) = t
        .post(
            &admin,
            "/api/v1/users",
            json!({"username": "nurse.new", "display_name": "Dup", "password": "a long password"}),
        )
        .await;
    assert_eq!(status, 422, "{problem}");
    let newcomer = t.token_with("nurse.new", "a long password").await;
    assert_eq!(t.get(&newcomer, &format!("/api/v1/sites/{syd}/participants")).await.0, 200);
}

#[tokio::test]
async fn participants_are_registered_and_paged() {
    let t = TestApp::spawn().await;
    let token = t.token("lead.van").await;
    let van = t.site_id("VAN").await;
    for _ in 0..3 {
        let (status, p) = t.post(&token, &format!("/api/v1/sites/{van}/participants"), json!({})).await;
        assert_eq!(status, 201);
        assert_eq!(p["stage"], "referred");
    }
    let (_, page) = t.get(&token, &format!("/api/v1/sites/{van}/participants?limit=5")).await;
    let codes: Vec<&str> = page["items"].as_array().unwrap().iter().map(|p| p["code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["VAN-0001", "VAN-0002", "VAN-0003", "VAN-0004", "VAN-0005"]);
    let after = page["next_after"].as_i64().unwrap();
    let (_, rest) = t.get(&token, &format!("/api/v1/sites/{van}/participants?limit=5&after={after}")).await;
    let codes: Vec<&str> = rest["items"].as_array().unwrap().iter().map(|p| p["code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["VAN-0006", "VAN-0007"]);
    assert!(rest["next_after"].is_null());
}

#[tokio::test]
async fn e_signatures_need_the_password_and_show_when_the_record_changed() {
    let t = TestApp::spawn().await;
    let token = t.token("lead.syd").await;
    let p = t.participant_id("SYD-0004").await;
    let sign = |password: &str| json!({"entity_kind": "participant", "entity_id": p, "meaning": "review", "password": password});
    let (status, problem) = t.post(&token, "/api/v1/signatures", sign("not my password")).await;
    assert_eq!(status, 422);
    assert_eq!(problem["errors"][0]["field"], "password");
    let (status, sig) = t.post(&token, "/api/v1/signatures", sign(super::support::PASSWORD)).await;
    assert_eq!(status, 201, "{sig}");
    let manifestation = sig["manifestation"].as_str().unwrap();
    assert!(
        manifestation.contains("Dr Priya Raman") && manifestation.contains("review") && manifestation.contains("AE"),
        "{manifestation}"
    );

    let path = format!("/api/v1/signatures?entity_kind=participant&entity_id={p}");
    assert_eq!(t.get(&token, &path).await.1[0]["record_unchanged"], true);
    let (status, _) = t
        .post(&token, &format!("/api/v1/participants/{p}/stage"), json!({"stage": "withdrawn", "reason": "moved away"}))
        .await;
    assert_eq!(status, 200);
    assert_eq!(t.get(&token, &path).await.1[0]["record_unchanged"], false);

    let other_site = t.token("lead.bos").await;
    assert_eq!(t.post(&other_site, "/api/v1/signatures", sign(super::support::PASSWORD)).await.0, 403);
}

#[tokio::test]
async fn disabling_an_account_ends_its_sessions() {
    let t = TestApp::spawn().await;
    let admin = t.token("admin").await;
    let victim = t.token("pharmacist.bos").await;
    let user = t.app.user_by_username("pharmacist.bos").await.unwrap().unwrap();
    let (status, _) = t
        .post(
            &admin,
            &format!("/api/v1/users/{}/status", user.id),
            json!({"status": "disabled", "reason": "left the organisation"}),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(t.get(&victim, "/api/v1/me").await.0, 401);
    let r = t
        .http
        .post(t.url("/api/v1/auth/login"))
        .json(&json!({"username": "pharmacist.bos", "password": super::support::PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
}

#[tokio::test]
async fn cookie_sessions_refuse_cross_origin_writes() {
    let t = TestApp::spawn().await;
    let token = t.browser_token("lead.syd").await;
    let syd = t.site_id("SYD").await;
    let cookie = format!("catalyst_session={token}");
    let path = t.url(&format!("/api/v1/sites/{syd}/participants"));
    let r = t
        .http
        .post(&path)
        .header("cookie", &cookie)
        .header("origin", "https://evil.example")
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let r = t.http.post(&path).header("cookie", &cookie).json(&json!({})).send().await.unwrap();
    assert_eq!(r.status(), 403, "no Origin or Referer at all");
    let r =
        t.http.post(&path).header("cookie", &cookie).header("origin", &t.base).json(&json!({})).send().await.unwrap();
    assert_eq!(r.status(), 201);
}

#[tokio::test]
async fn the_audit_trail_verifies_over_the_api_and_only_for_auditors() {
    let t = TestApp::spawn().await;
    let monitor = t.token("monitor").await;
    let (status, report) = t.post(&monitor, "/api/v1/audit/verify", json!({})).await;
    assert_eq!(status, 200);
    assert_eq!(report["ok"], true, "{report}");
    assert!(report["records_compared"].as_u64().unwrap() > 50);
    let therapist = t.token("therapist2.bos").await;
    assert_eq!(t.post(&therapist, "/api/v1/audit/verify", json!({})).await.0, 403);
    assert_eq!(t.get(&therapist, "/api/v1/audit/ledger").await.0, 403);
    let lead = t.token("lead.bos").await;
    let (status, entries) = t.get(&lead, "/api/v1/audit/ledger").await;
    assert_eq!(status, 200);
    let bos = t.site_id("BOS").await;
    assert!(
        entries.as_array().unwrap().iter().all(|e| e["chain"] == format!("site:{bos}")),
        "a site lead reads only their site's chain"
    );
}

#[tokio::test]
async fn openapi_documents_every_route_and_health_checks_answer() {
    let t = TestApp::spawn().await;
    let doc: Value = t.http.get(t.url("/api/v1/openapi.json")).send().await.unwrap().json().await.unwrap();
    let paths = doc["paths"].as_object().unwrap();
    for path in [
        "/api/v1/auth/login",
        "/api/v1/me",
        "/api/v1/sites",
        "/api/v1/sites/{site_id}",
        "/api/v1/users",
        "/api/v1/users/{user_id}/roles",
        "/api/v1/sites/{site_id}/participants",
        "/api/v1/participants/{participant_id}/stage",
        "/api/v1/signatures",
        "/api/v1/audit/ledger",
        "/api/v1/audit/verify",
        "/healthz",
        "/readyz",
    ] {
        assert!(paths.contains_key(path), "{path} missing from OpenAPI");
    }
    assert!(doc["components"]["schemas"]["Problem"].is_object());
    assert_eq!(t.http.get(t.url("/healthz")).send().await.unwrap().status(), 200);
    assert_eq!(t.http.get(t.url("/readyz")).send().await.unwrap().status(), 200);
    let r = t.http.get(t.url("/healthz")).send().await.unwrap();
    assert!(r.headers().get("x-request-id").is_some());
}

#[tokio::test]
async fn review_fixes_blinding_redaction_and_password_guessing() {
    let t = TestApp::spawn().await;
    let admin = t.token("admin").await;
    let syd = t.site_id("SYD").await;
    // A rater may not also hold a role that sees treatment.
    let rater = t.app.user_by_username("rater").await.unwrap().unwrap();
    let (status, problem) = t
        .post(&admin, &format!("/api/v1/users/{}/roles", rater.id), json!({"role": "therapist", "site_id": syd}))
        .await;
    assert_eq!((status, problem["errors"][0]["rule"].as_str()), (422, Some("blinding")), "{problem}");

    // Administrators see who did what in the audit trail, not the clinical content.
    let (_, entries) = t.get(&admin, "/api/v1/audit/ledger?limit=500").await;
    let clinical: Vec<&Value> =
        entries.as_array().unwrap().iter().filter(|e| e["entity_kind"] == "assessment").collect();
    assert!(!clinical.is_empty() && clinical.iter().all(|e| e["after"].as_str().unwrap().contains("redacted")));
    let monitor = t.token("monitor").await;
    let (_, entries) = t.get(&monitor, "/api/v1/audit/ledger?limit=500").await;
    assert!(
        entries
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["entity_kind"] == "assessment" && e["after"].as_str().unwrap().contains("answers"))
    );
    assert_eq!(t.get(&admin, "/api/v1/audit/ledger?limit=5000").await.0, 422, "limits are refused, not clamped");

    // Re-entered passwords are throttled like logins.
    let lead = t.token("lead.syd").await;
    let p = t.participant_id("SYD-0004").await;
    for _ in 0..5 {
        let (status, _) = t.post(&lead, "/api/v1/signatures", json!({"entity_kind": "participant", "entity_id": p, "meaning": "review", "password": "guess guess guess"})).await;
        assert_eq!(status, 422);
    }
    let (status, _) = t
        .post(
            &lead,
            "/api/v1/signatures",
            json!({"entity_kind": "participant", "entity_id": p, "meaning": "review", "password": PASSWORD}),
        )
        .await;
    assert_eq!(status, 429, "the account is locked after five wrong passwords");
}

#[tokio::test]
async fn monitors_take_a_receipt_that_verifies_and_others_are_refused() {
    let t = TestApp::spawn().await;
    let monitor = t.token("monitor").await;
    let (status, receipt) = t.get(&monitor, "/api/v1/audit/receipt").await;
    assert_eq!(status, 200, "{receipt}");
    assert_eq!(receipt["format"], "catalyst-ledger-receipt/1");
    let parsed = catalyst_core::ledger::receipt::Receipt::parse(&receipt.to_string()).unwrap();
    assert!(parsed.heads.iter().any(|h| h.chain == "system"), "{receipt}");
    let report = t.app.store.verify_ledger(t.app.store.signer().trusted(), Some(&parsed)).await.unwrap();
    assert!(report.ok, "{report:?}");
    for who in ["therapist2.bos", "rater", "participant.syd"] {
        let token = t.token(who).await;
        assert_eq!(t.get(&token, "/api/v1/audit/receipt").await.0, 403, "{who}");
    }
}

/// Issue 10, items 1 and 4: administration, monitoring, rating and treatment are kept apart.
#[tokio::test]
async fn role_grants_keep_administration_monitoring_rating_and_treatment_apart() {
    let t = TestApp::spawn().await;
    let admin = t.token("admin").await;
    let syd = t.site_id("SYD").await;
    let user_id = |name: &'static str| {
        let app = t.app.clone();
        async move { app.user_by_username(name).await.unwrap().unwrap().id }
    };
    let rater = user_id("rater").await;
    let monitor = user_id("monitor").await;
    let admin_id = user_id("admin").await;
    let grant = |token: String, user: String, body: Value| {
        let t = &t;
        async move { t.post(&token, &format!("/api/v1/users/{user}/roles"), body).await }
    };
    // Item 1: a rater may not be a monitor (at all sites or one), nor a monitor a rater.
    for (user, body) in [
        (&rater, json!({"role": "monitor"})),
        (&rater, json!({"role": "monitor", "site_id": syd})),
        (&monitor, json!({"role": "rater"})),
        (&monitor, json!({"role": "rater", "site_id": syd})),
    ] {
        let (status, problem) = grant(admin.clone(), user.clone(), body.clone()).await;
        assert_eq!((status, problem["errors"][0]["rule"].as_str()), (422, Some("blinding")), "{body}: {problem}");
    }
    // Item 4: the administrator may not make themself (or the monitor) clinical staff.
    for (user, role) in [(&admin_id, "therapist"), (&admin_id, "site_lead"), (&monitor, "physician")] {
        let (status, problem) = grant(admin.clone(), user.clone(), json!({"role": role, "site_id": syd})).await;
        assert_eq!(
            (status, problem["errors"][0]["rule"].as_str()),
            (422, Some("separation_of_duties")),
            "{role}: {problem}"
        );
        assert!(problem["errors"][0]["message"].as_str().unwrap().contains("kept apart"));
    }
    // … nor may a site lead grant a clinical role to the administrator or the monitor.
    let lead = t.token("lead.syd").await;
    for user in [&admin_id, &monitor] {
        let (status, problem) = grant(lead.clone(), user.clone(), json!({"role": "therapist", "site_id": syd})).await;
        assert_eq!(status, 422, "{problem}");
    }
    // The administrator still reads no clinical record.
    assert_eq!(t.get(&admin, &format!("/api/v1/sites/{syd}/participants")).await.0, 403);
    // Grants within one duty still work.
    let therapist = user_id("therapist1.syd").await;
    let (status, body) = grant(admin.clone(), therapist, json!({"role": "physician", "site_id": syd})).await;
    assert_eq!(status, 201, "{body}");
}

/// Item 1 under concurrency: a rater grant and a clinical grant at two sites, sent at once, for
/// the same new person: exactly one of them holds.
#[tokio::test]
async fn concurrent_grants_cannot_mix_rating_and_treatment() {
    let t = TestApp::spawn().await;
    let admin = t.token("admin").await;
    let syd = t.site_id("SYD").await;
    let bos = t.site_id("BOS").await;
    for round in 0..4 {
        let (status, created) = t
            .post(
                &admin,
                "/api/v1/users",
                json!({"username": format!("new.person{round}"), "display_name": "New Person", "password": "a long password"}),
            )
            .await;
        assert_eq!(status, 201, "{created}");
        let user = created["id"].as_str().unwrap().to_owned();
        let path = format!("/api/v1/users/{user}/roles");
        let (a, b) = tokio::join!(
            t.post(&admin, &path, json!({"role": "rater", "site_id": syd})),
            t.post(&admin, &path, json!({"role": "therapist", "site_id": bos})),
        );
        let mut statuses = [a.0, b.0];
        statuses.sort();
        assert_eq!(statuses, [201, 422], "{a:?} {b:?}");
        let grants = t.app.grants_of(&user).await.unwrap();
        assert_eq!(grants.len(), 1);
    }
}

/// Issue 10, item 3: administrators read neither the values nor the reason of clinical changes,
/// unknown kinds are redacted by default, and a record's history is redacted the same way.
#[tokio::test]
async fn audit_redaction_covers_reasons_unknown_kinds_and_record_history() {
    let t = TestApp::spawn().await;
    let lead = t.token("lead.syd").await;
    let syd = t.site_id("SYD").await;
    let p = t.participant_id("SYD-0005").await;
    let secret = "flashbacks after the session, partner worried";
    let (status, body) = t
        .post(
            &lead,
            &format!("/api/v1/participants/{p}/consent/withdraw"),
            json!({"part": "video_recording", "reason": secret}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    // An entry of a kind this build has never heard of, on the site's chain.
    let site = t.app.store.get::<catalyst_app::capabilities::people::domain::Site>(&syd).await.unwrap().unwrap();
    let chain = catalyst_app::platform::store::ChainRef {
        chain: format!("site:{syd}"),
        zone: site.time_zone.as_str().to_owned(),
    };
    let mut tx = t
        .app
        .store
        .begin_write(t.app.now(), catalyst_core::ledger::AuditActor::system("test"), std::slice::from_ref(&chain))
        .await
        .unwrap();
    let mut details = catalyst_core::record::Row::new();
    details.insert("note".into(), "dose 125 mg, marker-zq7".into());
    tx.event(&chain.chain, "future.thing", "future_kind", "f-1", details).await.unwrap();
    tx.commit().await.unwrap();

    let admin = t.token("admin").await;
    let (_, entries) = t.get(&admin, "/api/v1/audit/ledger?limit=500").await;
    let text = entries.to_string();
    assert!(!text.contains(secret), "the withdrawal's reason is redacted for the administrator");
    assert!(!text.contains("marker-zq7"), "an unknown kind is redacted by default");
    let withdrawal = entries.as_array().unwrap().iter().find(|e| e["entity_kind"] == "consent").unwrap();
    assert!(withdrawal["reason"].as_str().unwrap().contains("redacted"), "{withdrawal}");
    assert!(text.contains("\"entity_kind\":\"site\""), "the running of the system stays visible");

    // The site lead, who may see treatment, reads both.
    let (_, entries) = t.get(&lead, &format!("/api/v1/audit/ledger?site_id={syd}&limit=500")).await;
    assert!(entries.to_string().contains(secret) && entries.to_string().contains("marker-zq7"));

    // A record's history is redacted for the administrator too.
    let (admin_actor, _) = t.app.authenticate(&admin, catalyst_app::platform::auth::SessionKind::Api).await.unwrap();
    let consent_id = withdrawal["entity_id"].as_str().unwrap();
    let history = t.app.record_history(&admin_actor, &syd, "consent", consent_id).await.unwrap();
    assert!(!history.is_empty());
    assert!(history.iter().all(|e| !format!("{e:?}").contains(secret) && !format!("{e:?}").contains("granted")));
}

/// Issue 10, item 20: a reason for changing recorded data must say something in words: a
/// zero-width space or a full stop is refused, naming the field.
#[tokio::test]
async fn reasons_for_changes_need_words() {
    let t = TestApp::spawn().await;
    let lead = t.token("lead.syd").await;
    let admin = t.token("admin").await;
    let p = t.participant_id("SYD-0004").await;
    let syd = t.site_id("SYD").await;
    let consenting = t.participant_id("SYD-0005").await;
    let site = |reason: &str| json!({"code": "SYD", "name": "Sydney Centre", "time_zone": "Australia/Sydney", "jurisdiction": "AU-NSW", "status": "active", "reason": reason});
    for empty in ["\u{200B}", ".", " . ", "\u{200B}\u{FEFF}", "--", "42"] {
        let (status, problem) = t
            .post(&lead, &format!("/api/v1/participants/{p}/stage"), json!({"stage": "withdrawn", "reason": empty}))
            .await;
        assert_eq!((status, problem["errors"][0]["field"].as_str()), (422, Some("reason")), "{empty:?}: {problem}");
        assert!(matches!(problem["errors"][0]["rule"].as_str(), Some("words" | "required")), "{problem}");
        let (status, problem) = t.put(&admin, &format!("/api/v1/sites/{syd}"), site(empty)).await;
        assert_eq!((status, problem["errors"][0]["field"].as_str()), (422, Some("reason")), "{empty:?}: {problem}");
        let (status, problem) = t
            .post(
                &lead,
                &format!("/api/v1/participants/{consenting}/consent/withdraw"),
                json!({"part": "video_recording", "reason": empty}),
            )
            .await;
        assert_eq!((status, problem["errors"][0]["field"].as_str()), (422, Some("reason")), "{empty:?}: {problem}");
    }
    let (status, body) = t
        .post(
            &lead,
            &format!("/api/v1/participants/{p}/stage"),
            json!({"stage": "withdrawn", "reason": "\u{200B}moved away"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (_, ledger) = t.get(&lead, &format!("/api/v1/audit/ledger?site_id={syd}&limit=5")).await;
    let entry = ledger.as_array().unwrap().iter().find(|e| e["action"] == "participant.stage").unwrap();
    assert_eq!(entry["reason"], "moved away", "kept trimmed of invisible characters");
}

/// Issue 10, item 5: an id at a site the user may not see and an id that does not exist are
/// answered the same way (status and body), on the API and the pages, so ids cannot be probed.
#[tokio::test]
async fn ids_of_other_sites_and_ids_that_do_not_exist_are_answered_alike() {
    let t = TestApp::spawn().await;
    let elsewhere = t.participant_id("BOS-0004").await;
    let bos = t.site_id("BOS").await;
    let nowhere = uuid::Uuid::now_v7().to_string();
    let therapist = t.token("therapist1.syd").await;
    let own = t.token("participant.syd").await;
    let gets = [
        "/api/v1/participants/{id}",
        "/api/v1/participants/{id}/outcomes",
        "/api/v1/participants/{id}/consent",
        "/api/v1/participants/{id}/timeline",
        "/api/v1/participants/{id}/charts/phq9",
        "/api/v1/participants/{id}/screenings",
        "/api/v1/signatures?entity_kind=participant&entity_id={id}",
    ];
    for token in [&therapist, &own] {
        for path in gets {
            let fetch = |id: &str| {
                let url = t.url(&path.replace("{id}", id));
                let http = t.http.clone();
                let token = token.clone();
                async move {
                    let r = http.get(url).bearer_auth(token).send().await.unwrap();
                    (r.status().as_u16(), r.text().await.unwrap())
                }
            };
            let (a, b) = (fetch(&elsewhere).await, fetch(&nowhere).await);
            assert_eq!(a, b, "{path}");
            assert_eq!(a.0, 403, "{path}");
        }
        let post = |id: &str| {
            let t = &t;
            let token = token.clone();
            let id = id.to_owned();
            async move {
                t.post(
                    &token,
                    &format!("/api/v1/participants/{id}/stage"),
                    json!({"stage": "withdrawn", "reason": "moved away"}),
                )
                .await
            }
        };
        assert_eq!(post(&elsewhere).await, post(&nowhere).await);
        let (a, b) = (
            t.get(token, &format!("/api/v1/sites/{bos}")).await,
            t.get(token, &format!("/api/v1/sites/{nowhere}")).await,
        );
        assert_eq!(a, b);
    }
    let browser = t.browser("therapist1.syd").await;
    for path in
        ["/participants/{id}", "/participants/{id}/outcomes", "/participants/{id}/course", "/participants/{id}/consent"]
    {
        let fetch = |id: &str| {
            let url = t.url(&path.replace("{id}", id));
            let browser = browser.clone();
            async move {
                let r = browser.get(url).send().await.unwrap();
                (r.status().as_u16(), r.text().await.unwrap())
            }
        };
        let (a, b) = (fetch(&elsewhere).await, fetch(&nowhere).await);
        assert_eq!(a.0, b.0, "{path}");
        assert_eq!(a.1, b.1, "{path}");
    }
    // New ids carry no counter: two made together differ in their random part.
    let (x, y) = (t.app.new_id(), t.app.new_id());
    assert_ne!(x[15..18], y[15..18], "{x} {y}");
}

/// Issue 10, item 8: forty wrong passwords for one user sent at once get exactly five password
/// checks (the rest wait out the lock); and one client address is throttled across usernames.
#[tokio::test]
async fn parallel_wrong_passwords_get_five_checks_and_addresses_are_throttled() {
    let t = TestApp::spawn().await;
    let attempt = |username: String| {
        let http = t.http.clone();
        let url = t.url("/api/v1/auth/login");
        async move {
            http.post(url)
                .json(&json!({"username": username, "password": "wrong-password"}))
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    let handles: Vec<_> = (0..40).map(|_| tokio::spawn(attempt("lead.syd".into()))).collect();
    let mut answers = Vec::new();
    for handle in handles {
        answers.push(handle.await.unwrap());
    }
    let checked = answers.iter().filter(|s| s.as_u16() == 401).count();
    let throttled = answers.iter().filter(|s| s.as_u16() == 429).count();
    assert_eq!((checked, throttled), (5, 35), "{answers:?}");
    let entries = t
        .app
        .store
        .recent_entries(&catalyst_app::platform::store::ledger::EntryFilter { limit: 200, ..Default::default() })
        .await
        .unwrap();
    assert_eq!(entries.iter().filter(|e| e.action == "auth.login_failed").count(), 5);

    // From one address, twenty failures across different usernames hold back the address: the
    // five for lead.syd count, so fifteen more are checked and the next is not.
    let mut statuses = Vec::new();
    for i in 0..15 {
        statuses.push(attempt(format!("guess{i}")).await.as_u16());
    }
    assert!(statuses.iter().all(|s| *s == 401), "{statuses:?}");
    assert_eq!(attempt("guess-more".into()).await.as_u16(), 429);
    let r = t
        .http
        .post(t.url("/api/v1/auth/login"))
        .json(&json!({"username": "lead.bos", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 429, "even the right password waits while the address is held back");
    assert!(r.headers().get("retry-after").is_some());
}

/// A clock fixed at one instant, for looking at the app as it will be later.
struct FixedClock(catalyst_core::time::Timestamp);

impl catalyst_app::Clock for FixedClock {
    fn now(&self) -> catalyst_core::time::Timestamp {
        self.0
    }
}

/// Issue 10, item 9: a failed login for a name that is no account keeps no trace of the name
/// (a keyed hash correlates); and what denied or anonymous requests append is limited per
/// source and window, the rest counted in one entry, never dropped.
#[tokio::test]
async fn failed_logins_keep_no_username_and_denied_requests_cannot_grow_the_ledger_unbounded() {
    let t = TestApp::spawn().await;
    let typed = "Correct-Horse-Battery-9";
    for _ in 0..2 {
        let r = t
            .http
            .post(t.url("/api/v1/auth/login"))
            .json(&json!({"username": typed, "password": typed}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401);
    }
    let all = t
        .app
        .store
        .recent_entries(&catalyst_app::platform::store::ledger::EntryFilter { limit: 500, ..Default::default() })
        .await
        .unwrap();
    let failed: Vec<_> = all.iter().filter(|e| e.action == "auth.login_failed").collect();
    assert_eq!(failed.len(), 2);
    assert!(failed.iter().all(|e| e.entity_id.starts_with("hmac-sha256:")), "{failed:?}");
    assert_eq!(failed[0].entity_id, failed[1].entity_id, "the keyed hash correlates the attempts");
    assert!(!format!("{all:?}").to_lowercase().contains("correct-horse"), "the name is nowhere in the ledger");
    // Nor in the throttle's table.
    let keys = t.app.store.login_failure_keys().await.unwrap();
    assert!(!keys.is_empty());
    assert!(keys.iter().all(|k| !k.to_lowercase().contains("correct-horse")), "{keys:?}");

    // Thirty forbidden requests by one user append ten denials and one note; the rest are counted.
    let therapist = t.token("therapist1.syd").await;
    let bos = t.site_id("BOS").await;
    for _ in 0..30 {
        assert_eq!(t.get(&therapist, &format!("/api/v1/sites/{bos}/participants")).await.0, 403);
    }
    let chain = format!("site:{bos}");
    let entries = |action: &'static str| {
        let store = t.app.store.clone();
        let chain = chain.clone();
        async move {
            store
                .recent_entries(&catalyst_app::platform::store::ledger::EntryFilter {
                    chains: vec![chain],
                    limit: 500,
                    ..Default::default()
                })
                .await
                .unwrap()
                .into_iter()
                .filter(|e| e.action == action)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(entries("access.denied").await.len(), 10);
    assert_eq!(entries("ledger.append_limited").await.len(), 1);
    assert!(entries("ledger.attempts_counted").await.is_empty(), "the window has not ended");
    // Once the window has ended, the count is appended in one entry.
    let later =
        catalyst_app::App::new(t.app.store.clone(), std::sync::Arc::new(FixedClock(t.app.now().plus_seconds(16 * 60))));
    assert!(later.flush_attempt_counts().await.unwrap() >= 1);
    let counted = entries("ledger.attempts_counted").await;
    assert_eq!(counted.len(), 1);
    assert!(counted[0].after.as_deref().unwrap().contains(r#""count":20"#), "{:?}", counted[0].after);
    assert_eq!(later.flush_attempt_counts().await.unwrap(), 0, "appended once");
    let monitor = t.token("monitor").await;
    let (_, report) = t.post(&monitor, "/api/v1/audit/verify", json!({})).await;
    assert_eq!(report["ok"], true, "{report}");
}

/// Issue 10, item 21: the OpenAPI document agrees with the server: path parameters are in the
/// path, lists are arrays, problem answers are `application/problem+json` and documented for
/// every operation; and a body must be a JSON object. (scripts/schemathesis checks the rest.)
#[tokio::test]
async fn the_openapi_document_agrees_with_the_server() {
    let t = TestApp::spawn().await;
    let doc: Value = t.http.get(t.url("/api/v1/openapi.json")).send().await.unwrap().json().await.unwrap();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            for param in op["parameters"].as_array().into_iter().flatten() {
                let name = param["name"].as_str().unwrap();
                let in_path = path.contains(&format!("{{{name}}}"));
                assert_eq!(param["in"] == "path", in_path, "{method} {path}: parameter {name} is in {}", param["in"]);
            }
            if !path.starts_with("/api/v1/") || path == "/api/v1/openapi.json" {
                continue;
            }
            let responses = op["responses"].as_object().unwrap();
            for status in ["400", "404", "422", "500"] {
                assert!(responses.contains_key(status), "{method} {path} documents no {status}");
            }
            for (status, response) in responses {
                if status.starts_with('4') || status.starts_with('5') {
                    assert!(
                        response["content"].get("application/problem+json").is_some(),
                        "{method} {path} {status} is not documented as problem+json"
                    );
                }
            }
        }
    }
    for path in [
        "/api/v1/instruments",
        "/api/v1/protocols",
        "/api/v1/sites/{site_id}/credentials",
        "/api/v1/sites/{site_id}/rooms",
    ] {
        let schema = &doc["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"];
        assert_eq!(schema["type"], "array", "{path}: {schema}");
    }
    let token = t.token("lead.syd").await;
    let syd = t.site_id("SYD").await;
    let r = t
        .http
        .post(t.url(&format!("/api/v1/sites/{syd}/participants")))
        .bearer_auth(&token)
        .json(&json!([]))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422, "an array is not a body");
    let problem: Value = r.json().await.unwrap();
    assert_eq!(problem["errors"][0]["field"], "body");
}
