//! Scale benchmark: API and page latency with a large site, on fixed inputs.
//!
//! Creates a fresh database (SQLite in a temporary directory, or the PostgreSQL database named
//! by `CATALYST_BENCH_POSTGRES_URL`), loads the demo programme, adds N participants to one site
//! through the real ledgered write path, then times requests over loopback HTTP.
//!
//!     cargo run --release -p catalyst-app --example scale -- 1000000
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use catalyst_app::capabilities::people::domain::{Participant, Stage, participant_code};
use catalyst_app::platform::store::{ChainRef, LedgerSigner, Store};
use catalyst_app::{App, SystemClock};
use catalyst_core::ledger::{AuditActor, site_chain};
use catalyst_core::time::Timestamp;
use std::sync::Arc;
use std::time::{Duration, Instant};

const BATCH: i64 = 2_000;
const SAMPLES: usize = 200;

#[tokio::main]
async fn main() {
    let n: i64 = std::env::args().nth(1).map(|s| s.parse().expect("N must be a number")).unwrap_or(100_000);
    let dir = std::env::temp_dir().join(format!("catalyst-scale-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = std::env::var("CATALYST_BENCH_POSTGRES_URL")
        .unwrap_or_else(|_| format!("sqlite://{}/catalyst.db", dir.display()));
    let signer = LedgerSigner::new(ed25519_dalek::SigningKey::from_bytes(&[1u8; 32]), Vec::new(), [2u8; 32]);
    let store = Store::open(&url, signer).await.unwrap();
    let app = App::new(store.clone(), Arc::new(SystemClock));
    app.seed_demo().await.unwrap();
    let site = app.site_by_code("SYD").await.unwrap().unwrap();

    let started = Instant::now();
    let chain = ChainRef { chain: site_chain(&site.id), zone: site.time_zone.as_str().to_owned() };
    let existing = app.participant_count(&site.id).await.unwrap();
    let mut serial = existing;
    while serial < existing + n {
        let mut tx =
            store.begin_write(app.now(), AuditActor::system("bench"), std::slice::from_ref(&chain)).await.unwrap();
        for _ in 0..BATCH.min(existing + n - serial) {
            serial += 1;
            let p = Participant {
                id: app.new_id(),
                site_id: site.id.clone(),
                serial,
                code: participant_code(&site.code, serial),
                stage: Stage::ALL[(serial % Stage::ALL.len() as i64) as usize],
                user_id: None,
                created_at: Timestamp(1_790_000_000_000_000 + serial),
            };
            tx.insert(&chain.chain, "participant.create", &p).await.unwrap();
        }
        tx.commit().await.unwrap();
    }
    let load = started.elapsed();
    println!(
        "loaded {n} participants (each with its ledger entry) in {:.1} s: {:.0} records/s",
        load.as_secs_f64(),
        n as f64 / load.as_secs_f64()
    );

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let router = catalyst_app::platform::web::router(catalyst_app::platform::web::AppState {
        app: app.clone(),
        secure_cookies: false,
    });
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    let http = reqwest::Client::new();
    let login: serde_json::Value = http
        .post(format!("{base}/api/v1/auth/login"))
        .json(&serde_json::json!({"username": "lead.syd", "password": catalyst_app::platform::demo::DEMO_PASSWORD}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = login["token"].as_str().unwrap().to_owned();
    let cookie = format!("catalyst_session={token}");
    let middle = participant_code(&site.code, existing + n / 2);
    let middle_id = app.participant_by_code(&middle).await.unwrap().unwrap().id;
    let deep = existing + n - 100;

    let cases: Vec<(&str, String, bool)> = vec![
        ("API participant list, first page (100)", format!("/api/v1/sites/{}/participants?limit=100", site.id), false),
        (
            "API participant list, last page (100)",
            format!("/api/v1/sites/{}/participants?limit=100&after={deep}", site.id),
            false,
        ),
        ("API one participant", format!("/api/v1/participants/{middle_id}"), false),
        ("API me", "/api/v1/me".to_owned(), false),
        ("page dashboard (stage counts)", "/".to_owned(), true),
        ("page participant list", format!("/sites/{}/participants?after={deep}", site.id), true),
        ("page participant record", format!("/participants/{middle_id}"), true),
    ];
    println!("{:<42} {:>10} {:>10} {:>10}", "request", "median ms", "p95 ms", "max ms");
    for (label, path, page) in cases {
        let mut times = Vec::with_capacity(SAMPLES);
        for _ in 0..SAMPLES {
            let request = http.get(format!("{base}{path}"));
            let request = if page { request.header("cookie", &cookie) } else { request.bearer_auth(&token) };
            let t = Instant::now();
            let r = request.send().await.unwrap();
            assert!(r.status().is_success(), "{label}: {}", r.status());
            r.bytes().await.unwrap();
            times.push(t.elapsed());
        }
        report(label, &mut times);
    }

    let mut times = Vec::with_capacity(SAMPLES);
    for _ in 0..SAMPLES {
        let t = Instant::now();
        let r = http
            .post(format!("{base}/api/v1/sites/{}/participants", site.id))
            .bearer_auth(&token)
            .json(&serde_json::json!({}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
        times.push(t.elapsed());
    }
    report("API register participant (ledgered write)", &mut times);

    let t = Instant::now();
    let verify = store.verify_ledger(store.signer().trusted(), None).await.unwrap();
    println!(
        "audit verify of {} records: {:.1} s (ok: {})",
        verify.records_compared,
        t.elapsed().as_secs_f64(),
        verify.ok
    );
    let _ = std::fs::remove_dir_all(&dir);
}

fn report(label: &str, times: &mut [Duration]) {
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let p95 = times[(times.len() * 95 / 100).min(times.len() - 1)];
    println!("{label:<42} {:>10.2} {:>10.2} {:>10.2}", ms(times[times.len() / 2]), ms(p95), ms(times[times.len() - 1]));
}
