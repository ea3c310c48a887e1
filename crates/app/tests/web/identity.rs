//! Someone who can write the database but holds no server secret cannot borrow an identity or a
//! role, even for a moment: sessions, passwords, accounts, grants and portal links are sealed.

use crate::support::{PASSWORD, TestApp};
use serde_json::json;

async fn user_id(t: &TestApp, username: &str) -> String {
    t.app.user_by_username(username).await.unwrap().unwrap().id
}

#[tokio::test]
async fn a_session_written_into_the_database_opens_nothing() {
    let t = TestApp::spawn().await;
    let lead = user_id(&t, "lead.syd").await;
    // The token's SHA-256 was all the sessions table used to hold, which anyone could compute.
    let token = "forged-token-forged-token-forged-token";
    let digest = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(token.as_bytes()));
    t.raw(&format!(
        "INSERT INTO sessions (id, token_hash, user_id, kind, created_at, expires_at, revoked_at, seal)
         VALUES ('forged', '{digest}', '{lead}', 'api', 0, 4102444800000000, NULL, 'x')"
    ))
    .await;
    let (status, _) = t.get(token, "/api/v1/me").await;
    assert_eq!(status, 401);

    // Nor does pointing someone's real session at another account.
    let monitor = t.token("monitor").await;
    t.raw(&format!("UPDATE sessions SET user_id = '{lead}' WHERE revoked_at IS NULL AND kind = 'api'")).await;
    let (status, _) = t.get(&monitor, "/api/v1/me").await;
    assert_ne!(status, 200, "a re-pointed session is not honoured");
}

#[tokio::test]
async fn a_password_hash_swapped_in_does_not_log_anyone_in() {
    let t = TestApp::spawn().await;
    let lead = user_id(&t, "lead.syd").await;
    let mallory = catalyst_app::platform::auth::hash_password("mallory-password-123").unwrap();
    t.raw(&format!("UPDATE credentials SET password_hash = '{mallory}' WHERE user_id = '{lead}'")).await;
    let r = t
        .http
        .post(t.url("/api/v1/auth/login"))
        .json(&json!({"username": "lead.syd", "password": "mallory-password-123"}))
        .send()
        .await
        .unwrap();
    assert!(!r.status().is_success(), "{}", r.status());
}

#[tokio::test]
async fn a_role_grant_or_a_portal_link_written_into_the_database_grants_nothing() {
    let t = TestApp::spawn().await;
    let therapist = user_id(&t, "therapist1.syd").await;
    let token = t.token("therapist1.syd").await;
    t.raw(&format!(
        "INSERT INTO role_grants (id, user_id, role, site_id, granted_at, granted_by) VALUES ('rg-forged', '{therapist}', 'administrator', NULL, 0, 'x')"
    ))
    .await;
    let (status, _) = t
        .post(&token, "/api/v1/users", json!({"username": "mallory", "display_name": "M", "password": PASSWORD}))
        .await;
    assert_ne!(status, 201, "the forged administrator grant is not honoured");
    let (status, _) = t.get(&token, "/api/v1/me").await;
    assert_ne!(status, 200, "nor is any request of an account with a forged grant");
    t.raw("DELETE FROM role_grants WHERE id = 'rg-forged'").await;
    assert_eq!(t.get(&token, "/api/v1/me").await.0, 200, "the real grants still work");

    // A participant's portal account relinked to another participant reads nothing of theirs.
    let portal = t.token("participant.syd").await;
    let (status, me) = t.get(&portal, "/api/v1/me").await;
    assert_eq!(status, 200, "{me}");
    let portal_user = user_id(&t, "participant.syd").await;
    t.raw(&format!("UPDATE participants SET user_id = NULL WHERE user_id = '{portal_user}'")).await;
    t.raw(&format!(
        "UPDATE participants SET user_id = '{portal_user}' WHERE id = (SELECT id FROM participants WHERE user_id IS NULL ORDER BY code DESC LIMIT 1)"
    ))
    .await;
    assert_ne!(t.get(&portal, "/api/v1/me").await.0, 200);
}
