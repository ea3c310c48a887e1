//! The course of treatment over the API: enrolment, schedule, booking rules, attendance,
//! deviations, credentials and calendar feeds.

use crate::support::TestApp;
use serde_json::{Value, json};

async fn user_id(t: &TestApp, username: &str) -> String {
    t.app.user_by_username(username).await.unwrap().unwrap().id
}

async fn room(t: &TestApp, token: &str, site_code: &str, name: &str) -> String {
    let site = t.site_id(site_code).await;
    let (_, rooms) = t.get(token, &format!("/api/v1/sites/{site}/rooms")).await;
    rooms.as_array().unwrap().iter().find(|r| r["name"] == name).unwrap()["id"].as_str().unwrap().to_owned()
}

/// Enrols `code` with a baseline so that `visit` is due today, and returns that visit.
async fn enrol_with(t: &TestApp, token: &str, code: &str, baseline: &str) -> (String, Value) {
    t.prepare_enrolment(code).await;
    let p = t.participant_id(code).await;
    let (status, e) = t
        .post(
            token,
            &format!("/api/v1/participants/{p}/enrolment"),
            json!({"protocol_id": "mapp1", "baseline_on": baseline}),
        )
        .await;
    assert_eq!(status, 201, "{e}");
    let (status, timeline) = t.get(token, &format!("/api/v1/participants/{p}/timeline")).await;
    assert_eq!(status, 200);
    (p, timeline)
}

fn visit<'a>(timeline: &'a Value, id: &str) -> &'a Value {
    timeline["visits"].as_array().unwrap().iter().find(|v| v["visit"]["id"] == id).unwrap()
}

async fn today(t: &TestApp, site: &str) -> String {
    let site = t.app.site_by_code(site).await.unwrap().unwrap();
    t.app.local_today(&site).to_string()
}

#[tokio::test]
async fn enrolment_generates_the_schedule_from_the_protocol() {
    let t = TestApp::spawn().await;
    let lead = t.token("lead.van").await;
    let (p, timeline) = enrol_with(&t, &lead, "VAN-0002", "2026-03-02").await;
    let visits = timeline["visits"].as_array().unwrap();
    assert_eq!(visits.len(), 22);
    assert_eq!(visit(&timeline, "baseline_assessment")["visit"]["target"], "2026-03-02");
    let exp1 = &visit(&timeline, "exp1")["visit"];
    assert_eq!(exp1["dose"]["initial_mg"], 80.0);
    assert_eq!(exp1["visit_type"]["staff"]["therapists"], 2);
    assert_eq!(exp1["visit_type"]["overnight"], true);
    // Vancouver moves to daylight saving on 2026-03-08: planned starts stay at 09:00 local.
    let starts: Vec<&str> = visits.iter().map(|v| v["visit"]["planned_start"].as_str().unwrap()).collect();
    assert!(starts.iter().all(|s| s.contains("T09:00:00")), "{starts:?}");
    assert!(starts[0].contains("-08:00") && starts.iter().any(|s| s.contains("-07:00")), "{starts:?}");
    let (status, _) = t
        .post(
            &lead,
            &format!("/api/v1/participants/{p}/enrolment"),
            json!({"protocol_id": "mapp1", "baseline_on": "2026-03-02"}),
        )
        .await;
    assert_eq!(status, 409, "enrolled once");
    let (status, problem) = t
        .post(
            &lead,
            &format!("/api/v1/participants/{}/enrolment", t.participant_id("VAN-0001").await),
            json!({"protocol_id": "mapp9", "baseline_on": "2026-03-02"}),
        )
        .await;
    assert_eq!(status, 422);
    assert!(problem["errors"][0]["message"].as_str().unwrap().contains("mapp1 v1"), "{problem}");
    let participant = t.token("participant.van").await;
    assert_eq!(t.get(&participant, &format!("/api/v1/participants/{p}/timeline")).await.0, 403, "not their own");
    let rater = t.token("rater").await;
    assert_eq!(
        t.get(&rater, &format!("/api/v1/participants/{p}/timeline")).await.0,
        403,
        "sessions would unblind a rater"
    );
}

#[tokio::test]
async fn a_dosing_session_needs_two_distinct_credentialed_therapists_and_free_rooms() {
    let t = TestApp::spawn().await;
    let lead = t.token("lead.bos").await;
    let today = today(&t, "BOS").await;
    // BOS-0001 enrolled so that the first preparation session is due today.
    let (p, timeline) = enrol_with(&t, &lead, "BOS-0001", &today).await;
    let prep1 = visit(&timeline, "prep1");
    let date = prep1["visit"]["target"].as_str().unwrap().to_owned();
    let session_room = room(&t, &lead, "BOS", "Session room A").await;
    let (t1, t2, t3) =
        (user_id(&t, "therapist1.bos").await, user_id(&t, "therapist2.bos").await, user_id(&t, "therapist3.bos").await);
    let path = format!("/api/v1/participants/{p}/bookings");
    let booking = |staff: Vec<&str>, time: &str| json!({"visit_id": "prep1", "date": date, "time": time, "room_id": session_room, "staff": staff});

    let (status, problem) = t.post(&lead, &path, booking(vec![&t1], "10:00")).await;
    assert_eq!(status, 422, "{problem}");
    let message = problem["errors"][0]["message"].as_str().unwrap();
    assert_eq!(problem["errors"][0]["field"], "staff");
    assert!(message.contains("needs 2 distinct therapists") && message.contains("has 1"), "{message}");

    // therapist3 at Boston has an expired certification: they do not count.
    let (status, problem) = t.post(&lead, &path, booking(vec![&t1, &t3], "10:00")).await;
    assert_eq!(status, 422);
    assert!(problem.to_string().contains("Hannah Lindqvist") && problem.to_string().contains("expired"), "{problem}");

    let (status, problem) = t.post(&lead, &path, booking(vec![&t1, &t1], "10:00")).await;
    assert_eq!(status, 422, "the same person twice is not two therapists: {problem}");

    let (status, booked) = t.post(&lead, &path, booking(vec![&t1, &t2], "10:00")).await;
    assert_eq!(status, 201, "{booked}");
    assert_eq!(booked["appointment"]["status"], "booked");

    // A second participant at the same time: the therapists and the room are taken.
    let (q, timeline) = enrol_with(&t, &lead, "BOS-0002", &today).await;
    let date2 = visit(&timeline, "prep1")["visit"]["target"].as_str().unwrap().to_owned();
    assert_eq!(date, date2);
    let (status, problem) = t
        .post(
            &lead,
            &format!("/api/v1/participants/{q}/bookings"),
            json!({"visit_id": "prep1", "date": date, "time": "11:00", "room_id": session_room, "staff": [t1, t2]}),
        )
        .await;
    assert_eq!(status, 422);
    let fields: Vec<&str> =
        problem["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert!(fields.contains(&"room_id") && fields.contains(&"staff"), "{problem}");
    assert!(problem.to_string().contains("Rachel Adler is already booked"), "{problem}");

    // Moving a booking needs a reason, and the ledger keeps it.
    let (status, problem) = t.post(&lead, &path, booking(vec![&t1, &t2], "13:00")).await;
    assert_eq!((status, problem["errors"][0]["field"].as_str()), (422, Some("reschedule_reason")));
    let mut moved = booking(vec![&t1, &t2], "13:00");
    moved["reschedule_reason"] = json!("participant's train delayed");
    assert_eq!(t.post(&lead, &path, moved).await.0, 201);
    let entries = t
        .app
        .store
        .recent_entries(&catalyst_app::platform::store::ledger::EntryFilter { limit: 5, ..Default::default() })
        .await
        .unwrap();
    assert!(entries.iter().any(|e| e.action == "appointment.reschedule" && e.reason.as_deref() == Some("participant's train delayed")));
}

#[tokio::test]
async fn out_of_window_bookings_need_a_reason_and_become_deviations() {
    let t = TestApp::spawn().await;
    let lead = t.token("lead.bos").await;
    // A course that began 60 days ago, so that the late booking is in the past and can be missed.
    let today: jiff::civil::Date = today(&t, "BOS").await.parse().unwrap();
    let baseline = today.checked_sub(jiff::Span::new().days(60)).unwrap().to_string();
    let (p, timeline) = enrol_with(&t, &lead, "BOS-0001", &baseline).await;
    let window_end: jiff::civil::Date =
        visit(&timeline, "prep1")["visit"]["window_end"].as_str().unwrap().parse().unwrap();
    let late = window_end.checked_add(jiff::Span::new().days(3)).unwrap().to_string();
    let consult = room(&t, &lead, "BOS", "Session room B").await;
    let staff = [user_id(&t, "therapist1.bos").await, user_id(&t, "therapist2.bos").await];
    let path = format!("/api/v1/participants/{p}/bookings");
    let (status, problem) = t
        .post(
            &lead,
            &path,
            json!({"visit_id": "prep1", "date": late, "time": "09:00", "room_id": consult, "staff": staff}),
        )
        .await;
    assert_eq!((status, problem["errors"][0]["field"].as_str()), (422, Some("date")), "{problem}");
    let (status, booked) = t.post(&lead, &path, json!({"visit_id": "prep1", "date": late, "time": "09:00", "room_id": consult, "staff": staff, "out_of_window_reason": "participant in hospital"})).await;
    assert_eq!(status, 201, "{booked}");
    assert_eq!(booked["deviations"][0]["kind"], "out_of_window");
    let bos = t.site_id("BOS").await;
    let (_, log) = t.get(&lead, &format!("/api/v1/sites/{bos}/deviations")).await;
    assert!(
        log.as_array()
            .unwrap()
            .iter()
            .any(|d| d["deviation"]["kind"] == "out_of_window" && d["participant_code"] == "BOS-0001")
    );

    // Missing the visit is a deviation too; resolving records what was done; nothing is deleted.
    let appointment = booked["appointment"]["id"].as_str().unwrap();
    let (status, _) = t
        .post(
            &lead,
            &format!("/api/v1/appointments/{appointment}/attendance"),
            json!({"status": "missed", "note": "did not come"}),
        )
        .await;
    assert_eq!(status, 200);
    let (_, log) = t.get(&lead, &format!("/api/v1/sites/{bos}/deviations")).await;
    let missed = log.as_array().unwrap().iter().find(|d| d["deviation"]["kind"] == "missed_visit").unwrap();
    let id = missed["deviation"]["id"].as_str().unwrap();
    let (status, resolved) = t
        .post(&lead, &format!("/api/v1/deviations/{id}/resolve"), json!({"resolution": "rebooked; sponsor informed"}))
        .await;
    assert_eq!(status, 200);
    assert_eq!(resolved["resolution"], "rebooked; sponsor informed");
    let monitor = t.token("monitor").await;
    assert_eq!(t.get(&monitor, &format!("/api/v1/sites/{bos}/deviations")).await.0, 200);
    assert_eq!(t.post(&monitor, &format!("/api/v1/deviations/{id}/resolve"), json!({"resolution": "x"})).await.0, 403);
}

#[tokio::test]
async fn credentials_are_kept_by_site_leads_and_feeds_carry_no_health_details() {
    let t = TestApp::spawn().await;
    let lead = t.token("lead.syd").await;
    let syd = t.site_id("SYD").await;
    let (_, creds) = t.get(&lead, &format!("/api/v1/sites/{syd}/credentials")).await;
    let expiring = creds.as_array().unwrap().iter().find(|c| c["name"] == "Lucy Chen").unwrap();
    assert!(expiring["expiring_on"].is_string(), "the demo's therapist3 at Sydney expires within 30 days: {expiring}");
    let therapist = t.token("therapist1.syd").await;
    let target = user_id(&t, "therapist3.syd").await;
    let body = json!({"training_completed_on": "2025-01-10", "supervised_sessions": 9, "certified_until": "2028-01-31", "ethics_attested_on": "2026-10-01", "reason": "recertified"});
    assert_eq!(t.put(&therapist, &format!("/api/v1/sites/{syd}/credentials/{target}"), body.clone()).await.0, 403);
    let (status, saved) = t.put(&lead, &format!("/api/v1/sites/{syd}/credentials/{target}"), body).await;
    assert_eq!(status, 200, "{saved}");
    let (status, problem) = t
        .put(
            &lead,
            &format!("/api/v1/sites/{syd}/credentials/{target}"),
            json!({"supervised_sessions": -1, "certified_until": "31/01/2028"}),
        )
        .await;
    assert_eq!(status, 422);
    let fields: Vec<&str> =
        problem["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["certified_until", "supervised_sessions"]);
    // Issue 10, item 22: a count of sessions is a count, not any 64-bit integer.
    let (status, problem) = t
        .put(
            &lead,
            &format!("/api/v1/sites/{syd}/credentials/{target}"),
            json!({"supervised_sessions": i64::MAX, "reason": "typo in the count"}),
        )
        .await;
    assert_eq!((status, problem["errors"][0]["field"].as_str()), (422, Some("supervised_sessions")), "{problem}");

    // The demo booked SYD-0006's sessions with therapist1: their feed has them, coded.
    let r = t.http.get(t.url("/api/v1/me/calendar.ics")).bearer_auth(&therapist).send().await.unwrap();
    assert_eq!(r.headers()["content-type"], "text/calendar; charset=utf-8");
    let ics = r.text().await.unwrap();
    assert!(ics.starts_with("BEGIN:VCALENDAR\r\n") && ics.contains("BEGIN:VEVENT"), "{ics}");
    assert!(ics.contains("SYD-0006"), "{ics}");
    let own = t.token("participant.syd").await;
    let ics =
        t.http.get(t.url("/api/v1/me/calendar.ics")).bearer_auth(&own).send().await.unwrap().text().await.unwrap();
    assert!(
        ics.contains("BEGIN:VEVENT") && !ics.contains("SYD-0006"),
        "a participant's feed holds only their own visits"
    );

    let (status, entries) =
        t.get(&lead, &format!("/api/v1/sites/{syd}/calendar?from={}&days=31", today(&t, "SYD").await)).await;
    assert_eq!(status, 200);
    assert!(entries.as_array().unwrap().iter().any(|e| e["participant_code"] == "SYD-0006"));
    assert_eq!(t.get(&lead, &format!("/api/v1/sites/{syd}/calendar?from=tomorrow")).await.0, 422);
}

#[tokio::test]
async fn charts_mark_dosing_sessions_for_clinicians_but_not_for_raters() {
    let t = TestApp::spawn().await;
    let p = t.participant_id("SYD-0006").await; // the demo's exp1 was attended
    let date = today(&t, "SYD").await;
    let mut caps5 = serde_json::Map::new();
    for i in 1..=20 {
        caps5.insert(format!("item{i}"), json!(2));
    }
    for (k, v) in [("criterion_a", 1), ("item22", 1), ("item23", 2), ("item24", 2), ("item25", 2)] {
        caps5.insert(k.into(), json!(v));
    }
    let rater = t.token("rater").await;
    let (status, _) = t
        .post(
            &rater,
            &format!("/api/v1/participants/{p}/assessments"),
            json!({"instrument": "caps5", "timepoint": "after_session_1", "administered_on": date, "answers": caps5}),
        )
        .await;
    assert_eq!(status, 201);
    let svg = |token: String| {
        let url = t.url(&format!("/api/v1/participants/{p}/charts/caps5"));
        let http = t.http.clone();
        async move { http.get(url).bearer_auth(token).send().await.unwrap().text().await.unwrap() }
    };
    assert!(svg(t.token("lead.syd").await).await.contains("Dose 1"), "clinicians see the dosing session");
    assert!(!svg(rater).await.contains("Dose"), "a blinded rater's chart has no dosing markers");
}

#[tokio::test]
async fn participants_move_to_another_protocol_version_only_with_a_reason() {
    let t = TestApp::spawn().await;
    let lead = t.token("lead.syd").await;
    let p = t.participant_id("SYD-0005").await; // enrolled on mapp1 v1 by the demo
    let path = format!("/api/v1/participants/{p}/enrolment");
    assert_eq!(
        t.put(&lead, &path, json!({"protocol_id": "mapp1", "version": 1, "reason": "same version again"})).await.0,
        409
    );
    let (status, problem) = t.put(&lead, &path, json!({"protocol_id": "seed001", "version": 1, "reason": ""})).await;
    assert_eq!((status, problem["errors"][0]["field"].as_str()), (422, Some("reason")));
    let (status, moved) = t
        .put(&lead, &path, json!({"protocol_id": "seed001", "version": 1, "reason": "ethics-approved amendment"}))
        .await;
    assert_eq!(status, 200, "{moved}");
    let (_, timeline) = t.get(&lead, &format!("/api/v1/participants/{p}/timeline")).await;
    assert_eq!(visit(&timeline, "exp1")["visit"]["dose"]["initial_mg"], 125.0);
}

#[tokio::test]
async fn the_portal_lists_questionnaires_due_at_a_visit() {
    let t = TestApp::spawn().await;
    let lead = t.token("lead.van").await;
    let date = today(&t, "VAN").await;
    enrol_with(&t, &lead, "VAN-0003", &date).await; // the baseline assessment is due today
    let own = t.browser("participant.van").await;
    let html = own.get(t.url("/")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("Due now") && html.contains("PCL-5") && html.contains("please fill in by"), "{html}");
}

#[tokio::test]
async fn the_scan_records_missed_visits_once_and_pages_through_enrolments() {
    let t = TestApp::spawn().await;
    let lead = t.token("lead.van").await;
    let site = t.app.site_by_code("VAN").await.unwrap().unwrap();
    let long_ago = t.app.local_today(&site).checked_sub(jiff::Span::new().days(60)).unwrap().to_string();
    let (p, _) = enrol_with(&t, &lead, "VAN-0002", &long_ago).await;
    let mut total = 0;
    let mut cursor = String::new();
    loop {
        let (recorded, next) = t.app.scan_deviations(&cursor, 1).await.unwrap();
        total += recorded;
        match next {
            Some(next) => cursor = next,
            None => break,
        }
    }
    assert!(total > 0, "windows passed without visits");
    let van = t.site_id("VAN").await;
    let (_, log) = t.get(&lead, &format!("/api/v1/sites/{van}/deviations")).await;
    let missed: Vec<&Value> = log
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["deviation"]["participant_id"] == p.as_str() && d["deviation"]["kind"] == "missed_visit")
        .collect();
    assert!(missed.iter().any(|d| d["deviation"]["visit_id"] == "baseline_assessment"), "{log}");
    let (again, _) = t.app.scan_deviations("", 100).await.unwrap();
    assert_eq!(again, 0, "a deviation is recorded once");
}

#[tokio::test]
async fn a_blinded_rater_cannot_be_booked_into_a_treatment_session() {
    let t = TestApp::spawn().await;
    let lead = t.token("lead.bos").await;
    let today = today(&t, "BOS").await;
    let (p, timeline) = enrol_with(&t, &lead, "BOS-0001", &today).await;
    let date = visit(&timeline, "prep1")["visit"]["target"].as_str().unwrap().to_owned();
    let room_id = room(&t, &lead, "BOS", "Session room A").await;
    let staff = [user_id(&t, "therapist1.bos").await, user_id(&t, "therapist2.bos").await, user_id(&t, "rater").await];
    let (status, problem) = t
        .post(
            &lead,
            &format!("/api/v1/participants/{p}/bookings"),
            json!({"visit_id": "prep1", "date": date, "time": "10:00", "room_id": room_id, "staff": staff}),
        )
        .await;
    assert_eq!((status, problem["errors"][0]["rule"].as_str()), (422, Some("blinding")), "{problem}");
}

/// Books `(participant, body)` pairs at once and returns the answers.
async fn book_at_once(t: &TestApp, token: &str, a: (&str, Value), b: (&str, Value)) -> [(u16, Value); 2] {
    let (path_a, path_b) =
        (format!("/api/v1/participants/{}/bookings", a.0), format!("/api/v1/participants/{}/bookings", b.0));
    let (x, y) = tokio::join!(t.post(token, &path_a, a.1), t.post(token, &path_b, b.1));
    [x, y]
}

/// Issue 10, item 12: two bookings of the same therapists at once, at one site and across two
/// sites, never both succeed: the clash is checked again inside the write transaction, under a
/// lock on each person's and room's schedule.
#[tokio::test]
async fn concurrent_bookings_of_the_same_therapists_cannot_both_succeed() {
    let t = TestApp::spawn().await;
    let lead = t.token("lead.bos").await;
    let bos_today = today(&t, "BOS").await;
    let (p, timeline) = enrol_with(&t, &lead, "BOS-0001", &bos_today).await;
    let (q, _) = enrol_with(&t, &lead, "BOS-0002", &bos_today).await;
    let date = visit(&timeline, "prep1")["visit"]["target"].as_str().unwrap().to_owned();
    let (room_a, room_b) =
        (room(&t, &lead, "BOS", "Session room A").await, room(&t, &lead, "BOS", "Session room B").await);
    let staff = [user_id(&t, "therapist1.bos").await, user_id(&t, "therapist2.bos").await];
    let body =
        |room: &str| json!({"visit_id": "prep1", "date": date, "time": "10:00", "room_id": room, "staff": staff});
    let cancel = |answers: [(u16, Value); 2]| {
        let t = &t;
        let lead = &lead;
        async move {
            let mut statuses: Vec<u16> = answers.iter().map(|a| a.0).collect();
            statuses.sort();
            assert_eq!(statuses, [201, 422], "exactly one booking holds: {answers:?}");
            let won = answers.iter().find(|a| a.0 == 201).unwrap();
            let id = won.1["appointment"]["id"].as_str().unwrap();
            let (status, body) = t
                .post(
                    lead,
                    &format!("/api/v1/appointments/{id}/attendance"),
                    json!({"status": "cancelled", "note": "test round over"}),
                )
                .await;
            assert_eq!(status, 200, "{body}");
        }
    };
    for _ in 0..5 {
        cancel(book_at_once(&t, &lead, (&p, body(&room_a)), (&q, body(&room_b))).await).await;
    }

    // Across sites: the same two therapists also work at Sydney.
    let admin = t.token("admin").await;
    let syd = t.site_id("SYD").await;
    for person in &staff {
        let (status, body) = t
            .post(&admin, &format!("/api/v1/users/{person}/roles"), json!({"role": "therapist", "site_id": syd}))
            .await;
        assert_eq!(status, 201, "{body}");
    }
    let syd_lead = t.token("lead.syd").await;
    let syd_today = today(&t, "SYD").await;
    let (s, _) = enrol_with(&t, &syd_lead, "SYD-0001", &syd_today).await;
    // 10:00 in Boston on `date`, as a Sydney date and time.
    let instant = jiff::civil::DateTime::from(date.parse::<jiff::civil::Date>().unwrap())
        .checked_add(jiff::Span::new().hours(10))
        .unwrap()
        .in_tz("America/New_York")
        .unwrap()
        .in_tz("Australia/Sydney")
        .unwrap();
    let syd_room = room(&t, &syd_lead, "SYD", "Session room A").await;
    let syd_body = json!({"visit_id": "prep1", "date": instant.date().to_string(), "time": instant.time().strftime("%H:%M").to_string(),
        "room_id": syd_room, "staff": staff, "out_of_window_reason": "test: the same instant as in Boston"});
    for _ in 0..5 {
        let (path_p, path_s) =
            (format!("/api/v1/participants/{p}/bookings"), format!("/api/v1/participants/{s}/bookings"));
        let (x, y) = tokio::join!(t.post(&lead, &path_p, body(&room_a)), t.post(&syd_lead, &path_s, syd_body.clone()));
        let mut statuses = [x.0, y.0];
        statuses.sort();
        assert_eq!(statuses, [201, 422], "one booking across the two sites: {x:?} {y:?}");
        let (token, won) = if x.0 == 201 { (&lead, &x.1) } else { (&syd_lead, &y.1) };
        let id = won["appointment"]["id"].as_str().unwrap();
        let (status, _) = t
            .post(
                token,
                &format!("/api/v1/appointments/{id}/attendance"),
                json!({"status": "cancelled", "note": "test round over"}),
            )
            .await;
        assert_eq!(status, 200);
    }
}

/// Many bookings of the same therapists at once (more than the store's connections): each is
/// answered (one 201, the rest 409 or 422), none fails with "database is locked". The names
/// used in clash messages were read through the pool while the write transaction held the lock,
/// so the booking holding it waited for a connection that the bookings queued behind it held.
#[tokio::test]
async fn a_burst_of_bookings_of_the_same_therapists_is_answered_without_server_errors() {
    let t = TestApp::spawn().await;
    let lead = t.token("lead.bos").await;
    let bos_today = today(&t, "BOS").await;
    let (p, timeline) = enrol_with(&t, &lead, "BOS-0001", &bos_today).await;
    let (q, _) = enrol_with(&t, &lead, "BOS-0002", &bos_today).await;
    let date = visit(&timeline, "prep1")["visit"]["target"].as_str().unwrap().to_owned();
    let rooms = [room(&t, &lead, "BOS", "Session room A").await, room(&t, &lead, "BOS", "Session room B").await];
    let staff = [user_id(&t, "therapist1.bos").await, user_id(&t, "therapist2.bos").await];
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(20));
    let attempts = (0..20).map(|i| {
        let (t, lead, barrier) = (&t, &lead, barrier.clone());
        let who = if i % 2 == 0 { &p } else { &q };
        let body = json!({"visit_id": "prep1", "date": date, "time": "10:00", "room_id": rooms[i % 2], "staff": staff});
        async move {
            barrier.wait().await;
            t.post(lead, &format!("/api/v1/participants/{who}/bookings"), body).await
        }
    });
    let answers = futures_util::future::join_all(attempts).await;
    let statuses: Vec<u16> = answers.iter().map(|a| a.0).collect();
    assert!(statuses.iter().all(|s| [201, 409, 422].contains(s)), "every booking is answered: {answers:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 201).count(), 1, "exactly one booking holds: {statuses:?}");
}

/// A site-local date and time `hours_ago` hours before now, as booking fields.
fn local_hours_ago(zone: &str, hours_ago: i64) -> (String, String) {
    let at = jiff::Timestamp::now().checked_sub(jiff::Span::new().hours(hours_ago)).unwrap().in_tz(zone).unwrap();
    (at.date().to_string(), at.time().strftime("%H:%M").to_string())
}

/// Issue 10, item 13: moving a booking while someone records it attended never reverts the
/// attendance to "booked": the move only applies to the booking as it was read.
#[tokio::test]
async fn a_reschedule_racing_an_attendance_never_reverts_it() {
    let t = TestApp::spawn().await;
    let lead = t.token("lead.bos").await;
    let bos_today = today(&t, "BOS").await;
    let (p, _) = enrol_with(&t, &lead, "BOS-0001", &bos_today).await;
    let consult = room(&t, &lead, "BOS", "Session room B").await;
    let staff = [user_id(&t, "therapist1.bos").await, user_id(&t, "therapist2.bos").await];
    let path = format!("/api/v1/participants/{p}/bookings");
    for (round, visit_id) in ["prep1", "prep2", "prep3"].into_iter().enumerate() {
        let hours = 2 * (round as i64 + 1);
        let (date, time) = local_hours_ago("America/New_York", hours);
        let body = json!({"visit_id": visit_id, "date": date, "time": time, "room_id": consult, "staff": staff,
            "out_of_window_reason": "test: booked where the clock is"});
        let (status, booked) = t.post(&lead, &path, body.clone()).await;
        assert_eq!(status, 201, "{booked}");
        let id = booked["appointment"]["id"].as_str().unwrap().to_owned();
        let (date, time) = local_hours_ago("America/New_York", hours - 1);
        let mut moved = body.clone();
        moved["date"] = json!(date);
        moved["time"] = json!(time);
        moved["reschedule_reason"] = json!("room needed earlier");
        let attendance = format!("/api/v1/appointments/{id}/attendance");
        let (reschedule, attended) = tokio::join!(
            t.post(&lead, &path, moved),
            t.post(&lead, &attendance, json!({"status": "attended", "note": "came as planned"})),
        );
        let stored =
            t.app.store.get::<catalyst_app::capabilities::treatment::domain::Appointment>(&id).await.unwrap().unwrap();
        if attended.0 == 200 {
            assert_eq!(stored.status.as_str(), "attended", "attendance kept: {reschedule:?}");
            if reschedule.0 == 201 {
                // Both succeeded only if the move came first and the attendance was recorded on
                // the moved booking: then the stored visit is the moved one, attended.
                let moved_start = reschedule.1["appointment"]["starts_at"].as_i64().unwrap();
                assert_eq!(stored.starts_at.micros(), moved_start, "{reschedule:?}");
            }
        } else {
            assert_eq!(attended.0, 409, "{attended:?}");
            assert_eq!(reschedule.0, 201, "{reschedule:?}");
        }
    }
}

/// Issue 10, item 14: "eligible after washout" allows enrolment, but neither a baseline nor any
/// visit before the washout ends.
#[tokio::test]
async fn nothing_is_scheduled_before_the_washout_ends() {
    let t = TestApp::spawn().await;
    let lead = t.token("lead.bos").await;
    let bos_today: jiff::civil::Date = today(&t, "BOS").await.parse().unwrap();
    // The documented washout example, moved so that its as-of date is today.
    let example_as_of: jiff::civil::Date = "2026-03-01".parse().unwrap();
    let shift = (bos_today - example_as_of).get_days() as i64;
    let record = crate::support::example_shifted("eligible_after_washout", shift);
    let decided = t.prepare_enrolment_with("BOS-0001", record, None).await;
    assert_eq!(decided["final_decision"], "eligible_after_washout", "{decided}");
    let washout_ends = decided["eligible_from"].as_str().unwrap().to_owned();
    assert!(washout_ends > bos_today.to_string(), "{washout_ends}");

    let p = t.participant_id("BOS-0001").await;
    let enrol = |baseline: String| {
        let t = &t;
        let lead = &lead;
        let p = &p;
        async move {
            t.post(
                lead,
                &format!("/api/v1/participants/{p}/enrolment"),
                json!({"protocol_id": "mapp1", "baseline_on": baseline}),
            )
            .await
        }
    };
    let (status, problem) = enrol(bos_today.to_string()).await;
    assert_eq!((status, problem["errors"][0]["field"].as_str()), (422, Some("baseline_on")), "{problem}");
    assert_eq!(problem["errors"][0]["rule"], "washout");
    assert!(problem["errors"][0]["message"].as_str().unwrap().contains(&washout_ends));
    let (status, body) = enrol(washout_ends.clone()).await;
    assert_eq!(status, 201, "{body}");

    // Not even with an out-of-window reason is a visit booked before then.
    let staff = [user_id(&t, "therapist1.bos").await, user_id(&t, "therapist2.bos").await];
    let consult = room(&t, &lead, "BOS", "Session room B").await;
    let (status, problem) = t
        .post(
            &lead,
            &format!("/api/v1/participants/{p}/bookings"),
            json!({"visit_id": "prep1", "date": bos_today.to_string(), "time": "10:00", "room_id": consult, "staff": staff,
                "out_of_window_reason": "the participant is keen to start"}),
        )
        .await;
    assert_eq!(status, 422, "{problem}");
    assert!(
        problem["errors"].as_array().unwrap().iter().any(|e| e["field"] == "date" && e["rule"] == "washout"),
        "{problem}"
    );
}

/// Issue 10, item 15: a visit cannot be recorded attended (or missed) before it begins, and the
/// course page offers no outcome by default.
#[tokio::test]
async fn a_visit_is_not_attended_before_it_happens() {
    let t = TestApp::spawn().await;
    let lead = t.token("lead.bos").await;
    let bos_today: jiff::civil::Date = today(&t, "BOS").await.parse().unwrap();
    let (p, timeline) = enrol_with(&t, &lead, "BOS-0001", &bos_today.to_string()).await;
    let ahead = bos_today.checked_add(jiff::Span::new().days(12)).unwrap().to_string();
    let staff = [user_id(&t, "therapist1.bos").await, user_id(&t, "therapist2.bos").await];
    let session = room(&t, &lead, "BOS", "Session room A").await;
    let exp1 = visit(&timeline, "exp1")["visit"]["id"].as_str().unwrap().to_owned();
    let (status, booked) = t
        .post(
            &lead,
            &format!("/api/v1/participants/{p}/bookings"),
            json!({"visit_id": exp1, "date": ahead, "time": "09:00", "room_id": session, "staff": staff,
                "out_of_window_reason": "test: a dosing session 12 days ahead"}),
        )
        .await;
    assert_eq!(status, 201, "{booked}");
    let id = booked["appointment"]["id"].as_str().unwrap().to_owned();
    let attendance = format!("/api/v1/appointments/{id}/attendance");
    for outcome in ["attended", "missed"] {
        let (status, problem) = t.post(&lead, &attendance, json!({"status": outcome, "note": "recorded early"})).await;
        assert_eq!((status, problem["errors"][0]["rule"].as_str()), (422, Some("not_yet")), "{outcome}: {problem}");
    }
    let (_, timeline) = t.get(&lead, &format!("/api/v1/participants/{p}/timeline")).await;
    assert_ne!(visit(&timeline, &exp1)["status"], "done");

    // The page offers only what can be recorded now, and nothing is preselected.
    let browser = t.browser("lead.bos").await;
    let page = browser.get(t.url(&format!("/participants/{p}/course"))).send().await.unwrap().text().await.unwrap();
    let form = &page[page.find(&format!("/appointments/{id}/attendance")).unwrap()..];
    let form = &form[..form.find("</form>").unwrap()];
    assert!(form.contains(r#"option value="" selected disabled"#), "{form}");
    assert!(!form.contains(r#"value="attended""#) && form.contains(r#"value="cancelled""#), "{form}");
    let (status, body) =
        t.post(&lead, &attendance, json!({"status": "cancelled", "note": "moved to next month"})).await;
    assert_eq!(status, 200, "{body}");
}

/// Issue 10, item 16: stages follow the gates: no registration straight into treatment, no
/// stage past the enrolment gate without an enrolment, no way back once enrolled.
#[tokio::test]
async fn stages_follow_the_gates() {
    let t = TestApp::spawn().await;
    let lead = t.token("lead.bos").await;
    let bos = t.site_id("BOS").await;
    for stage in ["dosing", "enrolled", "completed"] {
        let (status, problem) =
            t.post(&lead, &format!("/api/v1/sites/{bos}/participants"), json!({"stage": stage})).await;
        assert_eq!((status, problem["errors"][0]["rule"].as_str()), (422, Some("gate")), "{stage}: {problem}");
    }
    let (status, created) =
        t.post(&lead, &format!("/api/v1/sites/{bos}/participants"), json!({"stage": "screening"})).await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_str().unwrap();
    let stage = |to: &str| json!({"stage": to, "reason": "review of the record"});
    for to in ["enrolled", "dosing", "follow_up"] {
        let (status, problem) = t.post(&lead, &format!("/api/v1/participants/{id}/stage"), stage(to)).await;
        assert_eq!((status, problem["errors"][0]["rule"].as_str()), (422, Some("gate")), "{to}: {problem}");
    }
    // The page offers only the stages the gates allow.
    let browser = t.browser("lead.bos").await;
    let page = browser.get(t.url(&format!("/participants/{id}"))).send().await.unwrap().text().await.unwrap();
    assert!(!page.contains(r#"option value="dosing""#) && page.contains(r#"option value="withdrawn""#));
    let page = browser.get(t.url(&format!("/sites/{bos}/participants"))).send().await.unwrap().text().await.unwrap();
    assert!(!page.contains(r#"option value="dosing""#), "registration offers no treatment stage");

    // Once enrolled (through the gate), treatment stages are open and the way back is not.
    let today = today(&t, "BOS").await;
    let (p, _) = enrol_with(&t, &lead, "BOS-0001", &today).await;
    assert_eq!(t.post(&lead, &format!("/api/v1/participants/{p}/stage"), stage("preparation")).await.0, 200);
    let (status, problem) = t.post(&lead, &format!("/api/v1/participants/{p}/stage"), stage("screening")).await;
    assert_eq!((status, problem["errors"][0]["rule"].as_str()), (422, Some("gate")), "{problem}");
    assert_eq!(t.post(&lead, &format!("/api/v1/participants/{p}/stage"), stage("withdrawn")).await.0, 200);
    let (status, _) = t.post(&lead, &format!("/api/v1/participants/{p}/stage"), stage("dosing")).await;
    assert_eq!(status, 422, "a withdrawal is not undone by a stage change");
}
