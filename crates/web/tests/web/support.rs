//! Test support: a real server on a free port with a fresh demo database.
#![allow(dead_code)]

use catalyst_app::{App, SystemClock};
use catalyst_store::Store;
use ed25519_dalek::SigningKey;
use serde_json::Value;
use std::sync::Arc;

pub struct TestApp {
    pub base: String,
    pub app: App,
    pub http: reqwest::Client,
    dir: std::path::PathBuf,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

pub const PASSWORD: &str = catalyst_app::demo::DEMO_PASSWORD;

impl TestApp {
    pub async fn spawn() -> TestApp {
        let dir = std::env::temp_dir().join(format!("catalyst-web-{}", uuid::Uuid::now_v7().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        let store = Store::open(&format!("sqlite://{}/catalyst.db", dir.display())).await.unwrap();
        let app = App::new(store, Arc::new(SystemClock), SigningKey::from_bytes(&[42u8; 32]));
        app.seed_demo().await.unwrap().expect("fresh database takes the demo");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let router = catalyst_web::router(catalyst_web::AppState { app: app.clone(), secure_cookies: false });
        tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        TestApp { base, app, http: reqwest::Client::new(), dir }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn token(&self, username: &str) -> String {
        self.token_with(username, PASSWORD).await
    }

    pub async fn token_with(&self, username: &str, password: &str) -> String {
        let response = self
            .http
            .post(self.url("/api/v1/auth/login"))
            .json(&serde_json::json!({"username": username, "password": password}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "login as {username}");
        response.json::<Value>().await.unwrap()["token"].as_str().unwrap().to_owned()
    }

    pub async fn get(&self, token: &str, path: &str) -> (u16, Value) {
        let r = self.http.get(self.url(path)).bearer_auth(token).send().await.unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    pub async fn post(&self, token: &str, path: &str, body: Value) -> (u16, Value) {
        let r = self.http.post(self.url(path)).bearer_auth(token).json(&body).send().await.unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    pub async fn put(&self, token: &str, path: &str, body: Value) -> (u16, Value) {
        let r = self.http.put(self.url(path)).bearer_auth(token).json(&body).send().await.unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    pub async fn site_id(&self, code: &str) -> String {
        self.app.store.site_by_code(code).await.unwrap().unwrap().id
    }

    pub async fn participant_id(&self, code: &str) -> String {
        self.app.store.participant_by_code(code).await.unwrap().unwrap().id
    }
}
