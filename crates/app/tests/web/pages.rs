use crate::support::{PASSWORD, TestApp};

#[tokio::test]
async fn pages_require_login_and_show_a_role_aware_dashboard() {
    let t = TestApp::spawn().await;
    let anonymous = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let r = anonymous.get(t.url("/sites")).send().await.unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/login?next=%2Fsites");

    let lead = t.browser("lead.syd").await;
    let html = lead.get(t.url("/")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("Welcome, Dr Priya Raman"));
    assert!(html.contains("Sydney Trauma Recovery Centre"));
    assert!(!html.contains("Boston Clinical Research Unit"), "a site lead sees only their site");
    assert!(html.contains("participants by stage"));

    let participant = t.browser("participant.syd").await;
    let html = participant.get(t.url("/")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("Your programme") && html.contains("SYD-0005"), "{html}");
    assert!(html.contains("Signed in as Participant at SYD."), "{html}");
    assert!(!html.contains("href=\"/sites\""), "participants get no staff navigation");
}

#[tokio::test]
async fn a_wrong_password_shows_the_form_again_with_the_reason() {
    let t = TestApp::spawn().await;
    let client = reqwest::Client::new();
    let r = t.submit(&client, "/login", &[("username", "lead.syd"), ("password", "nope-nope-nope")]).await;
    assert_eq!(r.status(), 401);
    let html = r.text().await.unwrap();
    assert!(html.contains("Wrong username or password"));
    assert!(html.contains("value=\"lead.syd\""), "the username is kept");
}

#[tokio::test]
async fn forms_report_invalid_fields_inline_and_save_valid_ones() {
    let t = TestApp::spawn().await;
    let admin = t.browser("admin").await;
    let r = t
        .submit(
            &admin,
            "/sites",
            &[("code", "lon"), ("name", "London"), ("time_zone", "Europe/Londres"), ("jurisdiction", "GB")],
        )
        .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("Not saved") && html.contains("time_zone"), "{html}");

    let r = t
        .submit(
            &admin,
            "/sites",
            &[("code", "LON"), ("name", "London"), ("time_zone", "Europe/London"), ("jurisdiction", "GB")],
        )
        .await;
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(html.contains("Site LON added."));
}

#[tokio::test]
async fn a_stage_change_from_the_participant_page_needs_a_reason_and_shows_in_its_history() {
    let t = TestApp::spawn().await;
    let lead = t.browser("lead.bos").await;
    let p = t.participant_id("BOS-0002").await;
    let r = t.submit(&lead, &format!("/participants/{p}/stage"), &[("stage", "withdrawn"), ("reason", "")]).await;
    assert_eq!(r.status(), 422);
    let r = t
        .submit(
            &lead,
            &format!("/participants/{p}/stage"),
            &[("stage", "withdrawn"), ("reason", "moved away, treated nearer home")],
        )
        .await;
    let html = r.text().await.unwrap();
    assert!(html.contains("Stage changed to Withdrawn."));
    assert!(html.contains("moved away, treated nearer home"), "history shows the reason");
}

#[tokio::test]
async fn monitors_verify_the_audit_trail_from_the_page() {
    let t = TestApp::spawn().await;
    let monitor = t.browser("monitor").await;
    let html =
        monitor.post(t.url("/audit/verify")).header("origin", &t.base).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("Verified: every chain recomputes"), "{html}");
    assert!(html.contains("href=\"/audit/receipt\""), "{html}");
    let receipt = monitor.get(t.url("/audit/receipt")).send().await.unwrap();
    assert_eq!(receipt.status(), 200);
    assert!(receipt.headers()["content-disposition"].to_str().unwrap().starts_with("attachment"));
    assert!(receipt.text().await.unwrap().contains("catalyst-ledger-receipt/1"));
    // One site's chain (the newest 200 entries of all chains are the later demos' by now).
    let van = t.site_id("VAN").await;
    let html = monitor.get(t.url(&format!("/audit?site_id={van}"))).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("participant.create"));
}

#[tokio::test]
async fn people_change_their_own_password_from_the_account_page() {
    let t = TestApp::spawn().await;
    let me = t.browser("therapist2.van").await;
    let r = t
        .submit(
            &me,
            "/account/password",
            &[("current_password", "not it at all"), ("new_password", "a new long passphrase")],
        )
        .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("current password is wrong"));
    let r = t
        .submit(&me, "/account/password", &[("current_password", PASSWORD), ("new_password", "a new long passphrase")])
        .await;
    assert!(r.text().await.unwrap().contains("Password changed: every session has ended"));
    assert!(
        me.get(t.url("/account")).send().await.unwrap().url().path().starts_with("/login"),
        "the old session has ended"
    );
    assert_eq!(t.token_with("therapist2.van", "a new long passphrase").await.len(), 43);
}

/// Issue 10, item 10: a state-changing request by cookie must come from the configured public
/// origin: not from whatever the Host header says, and not from https when the server is http.
#[tokio::test]
async fn cookie_requests_must_come_from_the_configured_origin() {
    let t = TestApp::spawn().await;
    let lead = t.browser("lead.bos").await;
    let p = t.participant_id("BOS-0002").await;
    let path = t.url(&format!("/participants/{p}/stage"));
    let form = [("stage", "withdrawn"), ("reason", "moved away")];
    let https = t.base.replacen("http://", "https://", 1);
    for (origin, host) in
        [("http://evil.example", Some("evil.example")), (https.as_str(), None), ("http://evil.example", None)]
    {
        let mut request = lead.post(&path).header("origin", origin).form(&form);
        if let Some(host) = host {
            request = request.header("host", host);
        }
        let r = request.send().await.unwrap();
        assert_eq!(r.status(), 403, "Origin {origin} with Host {host:?}");
    }
    // The login form is held to the same rule.
    let r = reqwest::Client::new()
        .post(t.url("/login"))
        .header("origin", "http://evil.example")
        .header("host", "evil.example")
        .form(&[("username", "lead.bos"), ("password", crate::support::PASSWORD), ("next", "/")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert_eq!(
        t.submit(&lead, &format!("/participants/{p}/stage"), &form).await.status(),
        200,
        "the real origin works"
    );
    // The configured origin is checked when it is parsed.
    for bad in ["ftp://x", "https://x/path", "x.example", "https://"] {
        assert!(catalyst_app::platform::web::PublicOrigin::parse(bad).is_err(), "{bad}");
    }
}

/// Issue 10, item 11: an API token (24 h) is not accepted as the session cookie, nor a browser
/// session (12 h) as a bearer token.
#[tokio::test]
async fn tokens_work_only_the_way_they_were_issued() {
    let t = TestApp::spawn().await;
    let bearer = t.token("lead.bos").await;
    let no_redirects = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let as_cookie = |token: &str| format!("catalyst_session={token}");
    let r = no_redirects.get(t.url("/api/v1/me")).header("cookie", as_cookie(&bearer)).send().await.unwrap();
    assert_eq!(r.status(), 401, "an API token is not a session cookie");
    let r = no_redirects.get(t.url("/")).header("cookie", as_cookie(&bearer)).send().await.unwrap();
    assert_eq!(r.status(), 303, "the pages send it to the login form");

    let r = no_redirects
        .post(t.url("/login"))
        .header("origin", &t.base)
        .form(&[("username", "lead.bos"), ("password", PASSWORD), ("next", "/")])
        .send()
        .await
        .unwrap();
    let set_cookie = r.headers()["set-cookie"].to_str().unwrap().to_owned();
    let cookie = set_cookie.split(';').next().unwrap().trim_start_matches("catalyst_session=").to_owned();
    let r = no_redirects.get(t.url("/api/v1/me")).header("cookie", as_cookie(&cookie)).send().await.unwrap();
    assert_eq!(r.status(), 200, "the cookie works as a cookie");
    let r = no_redirects.get(t.url("/api/v1/me")).bearer_auth(&cookie).send().await.unwrap();
    assert_eq!(r.status(), 401, "a browser session is not a bearer token");
    let r = no_redirects.get(t.url("/api/v1/me")).bearer_auth(&bearer).send().await.unwrap();
    assert_eq!(r.status(), 200);
}

/// Issue 10, item 7: authenticated API, page and iCalendar answers are never stored by a
/// browser or proxy.
#[tokio::test]
async fn authenticated_answers_carry_no_store() {
    let t = TestApp::spawn().await;
    let token = t.token("therapist1.syd").await;
    let p = t.participant_id("SYD-0006").await;
    for path in ["/api/v1/me", &format!("/api/v1/participants/{p}"), "/api/v1/me/calendar.ics", "/api/v1/nothing-here"]
    {
        let r = t.http.get(t.url(path)).bearer_auth(&token).send().await.unwrap();
        assert_eq!(r.headers().get("cache-control").map(|v| v.to_str().unwrap()), Some("no-store"), "{path}");
    }
    let browser = t.browser("therapist1.syd").await;
    for path in ["/", &format!("/participants/{p}"), &format!("/participants/{p}/course")] {
        let r = browser.get(t.url(path)).send().await.unwrap();
        assert_eq!(r.status(), 200, "{path}");
        assert_eq!(r.headers().get("cache-control").map(|v| v.to_str().unwrap()), Some("no-store"), "{path}");
    }
    let css = t.http.get(t.url("/static/catalyst.css")).send().await.unwrap();
    assert_eq!(css.headers()["cache-control"], "public, max-age=3600", "static assets may be cached");
}
