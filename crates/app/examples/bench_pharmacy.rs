//! Pharmacy benchmark, on fixed inputs: movements through the register's write path (one ledgered
//! transaction each, deciding on the rows it reads, sealing what it writes) beside plain SQLite
//! single-row transactions with the same durability; then the register's read (every movement
//! replayed, compared with the stored state, catalogue seals checked) beside reading the same
//! movement rows with a plain SELECT, in the same run.
//!
//!     cargo run --release -p catalyst-app --example bench_pharmacy -- 2000
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "support/bench.rs"]
mod bench;

use catalyst_app::capabilities::pharmacy::domain::MovementRequest;
use catalyst_app::capabilities::pharmacy::usecases::MovementInput;
use catalyst_app::platform::auth::SessionKind;
use catalyst_app::platform::demo::DEMO_PASSWORD;
use sqlx::any::AnyPoolOptions;
use std::time::Instant;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let n: usize = std::env::args().nth(1).map(|s| s.parse().expect("N must be a number")).unwrap_or(2000);
    let dir = std::env::temp_dir().join(format!("catalyst-bench-pharmacy-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let baseline = bench::raw_sqlite(&dir, n, r#"{"kind":"receive","units":1}"#).await;
    let app = bench::demo_app(&dir).await;
    let (_, pharmacist) = app.login("pharmacist.syd", DEMO_PASSWORD, SessionKind::Api, None).await.unwrap();
    let site = app.site_by_code("SYD").await.unwrap().unwrap();
    let stores = app.pharmacy_locations(&pharmacist, &site.id).await.unwrap();
    let central = stores.iter().find(|l| l.kind == "central_pharmacy").unwrap().id.clone();
    let catalogue = app.pharmacy_catalogue(&pharmacist, &site.id).await.unwrap();
    let lot =
        catalogue.lots.iter().find(|l| l["lot_number"] == "MX24-0917").unwrap()["id"].as_str().unwrap().to_owned();

    // Receipts and counts alternate: each decides on the balance it reads and writes it back.
    let started = Instant::now();
    for i in 0..n {
        let held = 540 + i / 2;
        let movement = if i % 2 == 0 {
            MovementRequest::Receive {
                location_id: central.clone(),
                lot_id: lot.clone(),
                kit_number: None,
                units: 1,
                mg: None,
                order: None,
            }
        } else {
            MovementRequest::Count {
                location_id: central.clone(),
                lot_id: lot.clone(),
                kit_number: None,
                units: held as i64 + 1,
                mg: None,
            }
        };
        let input = MovementInput { reason: "bench".into(), witnesses: Vec::new(), password: None, movement };
        app.record_movement(&pharmacist, &input).await.unwrap_or_else(|e| panic!("movement {i}: {e:?}"));
    }
    let written = n as f64 / started.elapsed().as_secs_f64();
    println!("plain SQLite single-row transactions:  {baseline:>8.0} writes/s");
    println!("pharmacy movements (ledgered, sealed): {written:>8.0} movements/s");
    println!("ratio (movements / plain):             {:>8.2}", written / baseline);

    // Reading the register: replay, compare, seals; beside a plain SELECT of the same rows.
    let samples = 20;
    let started = Instant::now();
    for _ in 0..samples {
        std::hint::black_box(app.pharmacy_register(&pharmacist, &site.id).await.unwrap());
    }
    let read = started.elapsed().as_secs_f64() / samples as f64;
    let url = format!("sqlite://{}/catalyst.db", dir.display());
    let pool = AnyPoolOptions::new().max_connections(1).connect(&url).await.unwrap();
    let started = Instant::now();
    for _ in 0..samples {
        let rows =
            sqlx::query("SELECT id, detail FROM pharmacy_movements ORDER BY seq").fetch_all(&pool).await.unwrap();
        std::hint::black_box(rows.len());
    }
    let select = started.elapsed().as_secs_f64() / samples as f64;
    let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM pharmacy_movements").fetch_one(&pool).await.unwrap();
    println!("the register's read ({total} movements):  {:>8.1} ms", read * 1e3);
    println!("plain SELECT of the movement rows:     {:>8.1} ms", select * 1e3);
    println!("ratio (register / SELECT):             {:>8.1}", read / select);
    std::fs::remove_dir_all(&dir).unwrap();
}
