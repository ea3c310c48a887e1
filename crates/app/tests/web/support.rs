//! Test support: a real server on a free port with a fresh demo database.
#![allow(dead_code)]

use catalyst_app::platform::store::{LedgerSigner, Store};
use catalyst_app::{App, SystemClock};
use ed25519_dalek::SigningKey;
use serde_json::Value;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

/// The server's clock in a test: real time, moved forward when a test needs a later day (a
/// dosing session's). Sessions signed in before a move may have lapsed after it.
#[derive(Default)]
pub struct TestClock {
    offset_micros: AtomicI64,
}

impl catalyst_app::Clock for TestClock {
    fn now(&self) -> catalyst_core::time::Timestamp {
        let now = catalyst_app::Clock::now(&SystemClock);
        catalyst_core::time::Timestamp::from_micros(now.micros() + self.offset_micros.load(Ordering::SeqCst))
    }
}

pub struct TestApp {
    pub base: String,
    pub app: App,
    pub clock: Arc<TestClock>,
    /// The database, for tests that play someone with direct access to it.
    pub database_url: String,
    pub http: reqwest::Client,
    dir: std::path::PathBuf,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

pub const PASSWORD: &str = catalyst_app::platform::demo::DEMO_PASSWORD;

/// SQLite in `dir`, or a fresh PostgreSQL database when `CATALYST_WEB_TESTS_ON_POSTGRES=1`
/// and `CATALYST_TEST_POSTGRES_URL` names a server (scripts/test runs the suite both ways).
async fn database_url(dir: &std::path::Path) -> String {
    let on_postgres = std::env::var("CATALYST_WEB_TESTS_ON_POSTGRES").is_ok_and(|v| v == "1");
    match std::env::var("CATALYST_TEST_POSTGRES_URL") {
        Ok(base) if on_postgres => {
            sqlx::any::install_default_drivers();
            let name = format!("catalyst_web_{}", uuid::Uuid::now_v7().simple());
            let admin = sqlx::any::AnyPoolOptions::new().max_connections(1).connect(&base).await.unwrap();
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&admin).await.unwrap();
            admin.close().await;
            let (server, _) = base.rsplit_once('/').unwrap();
            format!("{server}/{name}")
        }
        _ if on_postgres => panic!("CATALYST_WEB_TESTS_ON_POSTGRES=1 needs CATALYST_TEST_POSTGRES_URL"),
        _ => format!("sqlite://{}/catalyst.db", dir.display()),
    }
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        let dir = std::env::temp_dir().join(format!("catalyst-web-{}", uuid::Uuid::now_v7().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        let signer = LedgerSigner::new(SigningKey::from_bytes(&[42u8; 32]), Vec::new(), [43u8; 32]);
        let database_url = database_url(&dir).await;
        // Documents' bytes in the test's directory, whichever database holds the records.
        let blobs = catalyst_app::platform::blobs::BlobStore::local(dir.join("documents"));
        let store = Store::open(&database_url, signer).await.unwrap().with_blobs(blobs);
        let clock = Arc::new(TestClock::default());
        let app = App::new(store, clock.clone());
        app.seed_demo().await.unwrap().expect("fresh database takes the demo");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let origin = catalyst_app::platform::web::PublicOrigin::parse(&base).unwrap();
        let router = catalyst_app::platform::web::router_with_origin(
            catalyst_app::platform::web::AppState { app: app.clone(), secure_cookies: false },
            origin,
        );
        // With the peer's address, as `catalyst serve` should run it, so logins are throttled per address.
        let service = router.into_make_service_with_connect_info::<std::net::SocketAddr>();
        tokio::spawn(async move { axum::serve(listener, service).await.unwrap() });
        TestApp { base, app, clock, database_url, http: reqwest::Client::new(), dir }
    }

    /// Submits the login form as `username` with `client`, as a browser does (Origin sent).
    async fn submit_login(&self, client: &reqwest::Client, username: &str) -> reqwest::Response {
        client
            .post(self.url("/login"))
            .header("origin", &self.base)
            .form(&[("username", username), ("password", PASSWORD), ("next", "/")])
            .send()
            .await
            .unwrap()
    }

    /// A browser-like client logged in as `username`: cookies kept, Origin sent as a browser does.
    pub async fn browser(&self, username: &str) -> reqwest::Client {
        let client = reqwest::Client::builder().cookie_store(true).build().unwrap();
        let r = self.submit_login(&client, username).await;
        assert_eq!(r.status(), 200, "{username} logs in and lands on the dashboard");
        client
    }

    /// A page's text as `username` sees it after logging in.
    pub async fn page_as(&self, username: &str, path: &str) -> String {
        self.browser(username).await.get(self.url(path)).send().await.unwrap().text().await.unwrap()
    }

    /// The session token a browser gets in its cookie when `username` logs in on the page.
    pub async fn browser_token(&self, username: &str) -> String {
        let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        let r = self.submit_login(&client, username).await;
        let set_cookie = r.headers()["set-cookie"].to_str().unwrap();
        set_cookie.split(';').next().unwrap().trim_start_matches("catalyst_session=").to_owned()
    }

    /// Posts a form from `client` as its page would: same Origin, urlencoded fields.
    pub async fn submit(&self, client: &reqwest::Client, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        client.post(self.url(path)).header("origin", &self.base).form(fields).send().await.unwrap()
    }

    /// Moves the server's clock to `at` (never back). Sign in again afterwards.
    pub fn move_clock_to(&self, at: catalyst_core::time::Timestamp) {
        let now = catalyst_app::Clock::now(&SystemClock).micros();
        let offset = (at.micros() - now).max(self.clock.offset_micros.load(Ordering::SeqCst));
        self.clock.offset_micros.store(offset, Ordering::SeqCst);
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

    /// Runs SQL straight against the database, as someone with access to the file or server could.
    pub async fn raw(&self, sql: &str) {
        sqlx::any::install_default_drivers();
        let pool = sqlx::any::AnyPoolOptions::new().max_connections(1).connect(&self.database_url).await.unwrap();
        sqlx::query(sqlx::AssertSqlSafe(sql.to_owned())).execute(&pool).await.unwrap();
        pool.close().await;
    }

    /// Drops the triggers that keep `table` append-only (or refuse its deletes), on SQLite or
    /// PostgreSQL, as someone with the database would before changing it.
    pub async fn drop_append_only(&self, table: &str) {
        if self.database_url.starts_with("postgres") {
            for trigger in ["append_only", "no_delete", "no_update"] {
                self.raw(&format!("DROP TRIGGER IF EXISTS {table}_{trigger} ON {table}")).await;
            }
        } else {
            for trigger in ["no_delete", "no_update"] {
                self.raw(&format!("DROP TRIGGER IF EXISTS {table}_{trigger}")).await;
            }
        }
    }

    pub async fn site_id(&self, code: &str) -> String {
        self.app.site_by_code(code).await.unwrap().unwrap().id
    }

    pub async fn participant_id(&self, code: &str) -> String {
        self.app.participant_by_code(code).await.unwrap().unwrap().id
    }
}

/// A documented screening example with every date moved by `days`, without jurisdiction.
pub fn example_shifted(name: &str, days: i64) -> Value {
    fn shift(value: &mut Value, days: i64) {
        match value {
            Value::String(text) => {
                if let Ok(date) = text.parse::<jiff::civil::Date>() {
                    *text = date.checked_add(jiff::Span::new().days(days)).unwrap().to_string();
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|v| shift(v, days)),
            Value::Object(fields) => fields.values_mut().for_each(|v| shift(v, days)),
            _ => {}
        }
    }
    let path = format!("{}/../../docs/screening/{name}.json", env!("CARGO_MANIFEST_DIR"));
    let mut record: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    record.as_object_mut().unwrap().remove("jurisdiction");
    shift(&mut record, days);
    record
}

/// The documented eligible example, without jurisdiction (the server takes the site's).
pub fn example_record() -> Value {
    let mut record: Value = serde_json::from_str(include_str!("../../../../docs/screening/eligible.json")).unwrap();
    record.as_object_mut().unwrap().remove("jurisdiction");
    record
}

impl TestApp {
    /// Makes a participant enrollable the way a site does: screening signed by the site lead
    /// (overridden to eligible, since the example's pathway and dates are not the site's),
    /// a portal account, and the participant's witnessed consent.
    pub async fn prepare_enrolment(&self, code: &str) {
        self.prepare_enrolment_with(code, example_record(), Some("eligible")).await;
    }

    /// As [`TestApp::prepare_enrolment`], screening `record` and signing the rules' decision
    /// (or overriding it to `override_to`); returns the signed screening.
    pub async fn prepare_enrolment_with(&self, code: &str, record: Value, override_to: Option<&str>) -> Value {
        let site_code = code.split('-').next().unwrap().to_ascii_lowercase();
        let lead = self.token(&format!("lead.{site_code}")).await;
        let p = self.participant_id(code).await;
        let (status, screened) = self
            .post(&lead, &format!("/api/v1/participants/{p}/screenings"), serde_json::json!({"record": record}))
            .await;
        assert_eq!(status, 201, "{screened}");
        let id = screened["screening"]["id"].as_str().unwrap();
        let decision = match override_to {
            Some(to) => serde_json::json!({"override_decision": to, "reason": "test set-up", "password": PASSWORD}),
            None => serde_json::json!({"password": PASSWORD}),
        };
        let (status, decided) = self.post(&lead, &format!("/api/v1/screenings/{id}/decision"), decision).await;
        assert_eq!(status, 200, "{decided}");
        let participant = self.app.participant_by_code(code).await.unwrap().unwrap();
        let username = match participant.user_id {
            Some(user) => {
                self.app
                    .store
                    .get::<catalyst_app::capabilities::people::domain::User>(&user)
                    .await
                    .unwrap()
                    .unwrap()
                    .username
            }
            None => {
                let username = format!("p.{}", code.to_ascii_lowercase());
                let (status, body) = self
                    .post(
                        &lead,
                        &format!("/api/v1/participants/{p}/portal-account"),
                        serde_json::json!({"username": username, "password": PASSWORD}),
                    )
                    .await;
                assert_eq!(status, 201, "{body}");
                username
            }
        };
        let own = self.token(&username).await;
        let parts = serde_json::json!({"treatment": "granted", "video_recording": "declined", "therapeutic_touch": "granted", "data_use": "granted"});
        let (status, body) = self
            .post(&own, &format!("/api/v1/participants/{p}/consent"), serde_json::json!({"parts": parts, "password": PASSWORD, "witness_username": format!("lead.{site_code}"), "witness_password": PASSWORD}))
            .await;
        assert_eq!(status, 201, "{body}");
        decided
    }
}
