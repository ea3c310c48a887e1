//! Adverse-events benchmark, on fixed inputs: events recorded through the write path (each one
//! ledgered transaction, decided by the pure rules inside it, sealed) beside plain SQLite
//! single-row transactions with the same durability; then a site's serious events' clocks read
//! (rows with their seals, checked against the site's ledger chain, the clocks computed) beside
//! a plain SELECT of the same rows, in the same run.
//!
//!     cargo run --release -p catalyst-app --example bench_safety -- 1000
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "support/bench.rs"]
mod bench;

use catalyst_app::platform::auth::SessionKind;
use catalyst_app::platform::demo::DEMO_PASSWORD;
use catalyst_core::time::Timestamp;
use catalyst_safety::{ActionTaken, EventInput, Relatedness, ReportedBy, Seriousness, Severity, When};
use sqlx::any::AnyPoolOptions;
use std::time::Instant;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let n: usize = std::env::args().nth(1).map(|s| s.parse().expect("N must be a number")).unwrap_or(1000);
    let dir = std::env::temp_dir().join(format!("catalyst-bench-safety-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let baseline = bench::raw_sqlite(&dir, n, r#"{"term":"headache","severity":"moderate"}"#).await;
    let app = bench::demo_app(&dir).await;
    let (_, physician) = app.login("physician.bos", DEMO_PASSWORD, SessionKind::Api, None).await.unwrap();
    let site = app.site_by_code("BOS").await.unwrap().unwrap();
    let participants: Vec<String> =
        app.list_participants(&physician, &site.id, 0, 100).await.unwrap().into_iter().map(|p| p.id).collect();

    // Every fourth event serious: each runs the site's and the regulator's clocks.
    let now = app.now();
    let started = Instant::now();
    for i in 0..n {
        let serious = i % 4 == 0;
        let input = EventInput {
            participant_id: participants[i % participants.len()].clone(),
            term: "headache".into(),
            other_term: None,
            verbatim: format!("a headache, account {i}"),
            reported_by: ReportedBy::Participant,
            onset: When::At(Timestamp(now.micros() - 7_200_000_000)),
            end: None,
            severity: Severity::Moderate,
            grade: None,
            seriousness: Seriousness { hospitalisation: serious, ..Seriousness::default() },
            serious,
            related_to_drug: Relatedness::Possible,
            related_to_therapy: Relatedness::Unlikely,
            expectedness: None,
            action_taken: ActionTaken::DoseNotChanged,
            outcome: None,
            session_id: None,
            site_aware_at: Timestamp(now.micros() - 3_600_000_000),
        };
        app.record_adverse_event(&physician, &input.participant_id.clone(), input)
            .await
            .unwrap_or_else(|e| panic!("event {i}: {e:?}"));
    }
    let written = n as f64 / started.elapsed().as_secs_f64();
    println!("plain SQLite single-row transactions:   {baseline:>8.0} writes/s");
    println!("adverse events (ledgered, sealed):      {written:>8.0} events/s");
    println!("ratio (events / plain):                 {:>8.2}", written / baseline);

    let samples = 10;
    let started = Instant::now();
    for _ in 0..samples {
        std::hint::black_box(app.safety_clocks(&physician, &site.id).await.unwrap());
    }
    let read = started.elapsed().as_secs_f64() / samples as f64;
    let url = format!("sqlite://{}/catalyst.db", dir.display());
    let pool = AnyPoolOptions::new().max_connections(1).connect(&url).await.unwrap();
    let started = Instant::now();
    for _ in 0..samples {
        let rows = sqlx::query("SELECT id, event FROM adverse_events WHERE site_id = $1 ORDER BY recorded_at, id")
            .bind(site.id.clone())
            .fetch_all(&pool)
            .await
            .unwrap();
        std::hint::black_box(rows.len());
    }
    let select = started.elapsed().as_secs_f64() / samples as f64;
    let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM adverse_events WHERE site_id = $1")
        .bind(site.id.clone())
        .fetch_one(&pool)
        .await
        .unwrap();
    println!("the site's clocks ({total} events):       {:>8.1} ms", read * 1e3);
    println!("plain SELECT of the event rows:         {:>8.1} ms", select * 1e3);
    println!("ratio (clocks / SELECT):                {:>8.1}", read / select);
    std::fs::remove_dir_all(&dir).unwrap();
}
