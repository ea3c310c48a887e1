//! The browser test: a real headless Chromium, driven over WebDriver by chromedriver.
//! Skipped with a note when chromedriver is absent, unless CATALYST_REQUIRE_BROWSER=1 (as in
//! scripts/test and CI), where its absence is a failure.

use crate::support::{PASSWORD, TestApp};
use serde_json::{Value, json};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

struct Driver {
    child: Child,
    base: String,
    http: reqwest::Client,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn chromedriver() -> Option<String> {
    let candidates = [std::env::var("CHROMEDRIVER").unwrap_or_default(), "/usr/bin/chromedriver".into()];
    candidates.into_iter().find(|p| !p.is_empty() && std::path::Path::new(p).exists())
}

impl Driver {
    async fn start() -> Option<Driver> {
        let Some(path) = chromedriver() else {
            assert!(
                std::env::var("CATALYST_REQUIRE_BROWSER").is_err_and(|_| true)
                    || std::env::var("CATALYST_REQUIRE_BROWSER").unwrap() != "1",
                "CATALYST_REQUIRE_BROWSER=1 but chromedriver is not installed"
            );
            eprintln!("note: chromedriver not found; browser test skipped");
            return None;
        };
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = Command::new(path)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let driver = Driver { child, base: format!("http://127.0.0.1:{port}"), http: reqwest::Client::new() };
        for _ in 0..100 {
            if driver.http.get(format!("{}/status", driver.base)).send().await.is_ok() {
                return Some(driver);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("chromedriver did not start");
    }

    async fn call(&self, method: reqwest::Method, path: &str, body: Value) -> Value {
        let r = self.http.request(method, format!("{}{path}", self.base)).json(&body).send().await.unwrap();
        let v: Value = r.json().await.unwrap();
        v["value"].clone()
    }

    async fn session(&self) -> Session<'_> {
        let args = [
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--window-size=1280,900",
        ];
        let mut options = json!({"args": args});
        if std::path::Path::new("/usr/bin/chromium").exists() {
            options["binary"] = json!("/usr/bin/chromium");
        }
        let caps = json!({"capabilities": {"alwaysMatch": {"browserName": "chrome", "goog:chromeOptions": options}}});
        let value = self.call(reqwest::Method::POST, "/session", caps).await;
        let id = value["sessionId"].as_str().unwrap_or_else(|| panic!("no WebDriver session: {value}")).to_owned();
        Session { driver: self, id }
    }
}

struct Session<'a> {
    driver: &'a Driver,
    id: String,
}

impl Session<'_> {
    async fn post(&self, path: &str, body: Value) -> Value {
        self.driver.call(reqwest::Method::POST, &format!("/session/{}{path}", self.id), body).await
    }

    async fn get(&self, path: &str) -> Value {
        self.driver.call(reqwest::Method::GET, &format!("/session/{}{path}", self.id), json!({})).await
    }

    async fn find(&self, css: &str) -> String {
        let v = self.post("/element", json!({"using": "css selector", "value": css})).await;
        v.as_object()
            .and_then(|o| o.values().next())
            .and_then(Value::as_str)
            .unwrap_or_else(|| panic!("no element {css}: {v}"))
            .to_owned()
    }

    async fn type_into(&self, css: &str, text: &str) {
        let el = self.find(css).await;
        self.post(&format!("/element/{el}/value"), json!({"text": text})).await;
    }

    async fn click(&self, css: &str) {
        let el = self.find(css).await;
        self.post(&format!("/element/{el}/click"), json!({})).await;
    }

    async fn text(&self, css: &str) -> String {
        let el = self.find(css).await;
        self.get(&format!("/element/{el}/text")).await.as_str().unwrap_or_default().to_owned()
    }

    /// Keeps a screenshot for whoever has to find out why a test failed.
    async fn screenshot(&self, name: &str) -> std::path::PathBuf {
        use base64::Engine as _;
        let png = self.get("/screenshot").await;
        let bytes =
            base64::engine::general_purpose::STANDARD.decode(png.as_str().unwrap_or_default()).unwrap_or_default();
        let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("browser");
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, bytes).unwrap();
        path
    }

    async fn close(self) {
        self.driver.call(reqwest::Method::DELETE, &format!("/session/{}", self.id), json!({})).await;
    }
}

#[tokio::test]
async fn a_site_lead_logs_in_and_sees_their_dashboard() {
    let Some(driver) = Driver::start().await else { return };
    let t = TestApp::spawn().await;
    let s = driver.session().await;
    s.post("/url", json!({"url": t.url("/")})).await;
    // Redirected to the login page first.
    s.type_into("input[name=username]", "lead.syd").await;
    s.type_into("input[name=password]", PASSWORD).await;
    s.click("button[type=submit]").await;
    let heading = s.text("main h1").await;
    let shot = s.screenshot("dashboard-lead-syd").await;
    assert_eq!(heading, "Welcome, Dr Priya Raman", "see {}", shot.display());
    let cards = s.text("main .cards").await;
    assert!(
        cards.contains("Sydney Trauma Recovery Centre") && cards.contains("participants by stage"),
        "see {}",
        shot.display()
    );
    assert!(!cards.contains("Boston"), "see {}", shot.display());

    // Keyboard: the skip link is the first thing a tab reaches.
    s.post("/actions", json!({"actions": [{"type": "key", "id": "kb", "actions": [{"type": "keyDown", "value": "\u{E004}"}, {"type": "keyUp", "value": "\u{E004}"}]}]})).await;
    let active =
        s.post("/execute/sync", json!({"script": "return document.activeElement.textContent", "args": []})).await;
    assert_eq!(active, "Skip to content");
    s.close().await;
}

impl Session<'_> {
    async fn log_in(&self, base: &str, username: &str) {
        self.post("/url", json!({"url": format!("{base}/login")})).await;
        self.type_into("input[name=username]", username).await;
        self.type_into("input[name=password]", PASSWORD).await;
        self.click("button[type=submit]").await;
    }

    async fn log_out(&self) {
        self.click("header form button").await;
    }
}

#[tokio::test]
async fn a_participant_reports_thoughts_of_self_harm_and_the_site_dashboard_shows_the_alert() {
    let Some(driver) = Driver::start().await else { return };
    let t = TestApp::spawn().await;
    let s = driver.session().await;
    s.log_in(&t.base, "participant.van").await;
    let own = t.participant_id("VAN-0003").await;
    s.post("/url", json!({"url": t.url(&format!("/participants/{own}/assessments/new?instrument=phq9"))})).await;
    for item in 1..=8 {
        s.click(&format!("input[name='item.item{item}'][value='0']")).await;
    }
    s.click("input[name='item.item9'][value='1']").await;
    s.click("form.questionnaire button[type=submit]").await;
    let confirmation = s.text("main .notice").await;
    let shot = s.screenshot("phq9-submitted").await;
    assert!(confirmation.contains("Your care team has been told"), "{confirmation}; see {}", shot.display());
    s.log_out().await;

    s.log_in(&t.base, "lead.van").await;
    let alerts = s.text("section.alerts").await;
    let shot = s.screenshot("dashboard-alert").await;
    assert!(alerts.contains("VAN-0003") && alerts.contains("PHQ-9 item 9"), "{alerts}; see {}", shot.display());
    s.close().await;
}
