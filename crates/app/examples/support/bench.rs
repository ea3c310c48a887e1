//! What the benchmarks share: the baseline (plain SQLite single-row transactions with the same
//! durability as Catalyst's) and a demo programme in a fresh database.

use catalyst_app::platform::store::{LedgerSigner, Store};
use catalyst_app::{App, SystemClock};
use sqlx::Executor;
use sqlx::any::AnyPoolOptions;
use std::sync::Arc;
use std::time::Instant;

/// Plain SQLite: `n` single-row transactions (WAL, synchronous FULL), each inserting `body`;
/// writes per second.
pub async fn raw_sqlite(dir: &std::path::Path, n: usize, body: &str) -> f64 {
    sqlx::any::install_default_drivers();
    let url = format!("sqlite://{}/raw.db?mode=rwc", dir.display());
    let pool = AnyPoolOptions::new().max_connections(1).connect(&url).await.unwrap();
    for pragma in ["PRAGMA journal_mode = WAL", "PRAGMA synchronous = FULL"] {
        pool.execute(pragma).await.unwrap();
    }
    pool.execute("CREATE TABLE rows (id TEXT PRIMARY KEY, seq BIGINT NOT NULL, body TEXT NOT NULL)").await.unwrap();
    let started = Instant::now();
    for seq in 0..n {
        let mut tx = pool.begin().await.unwrap();
        sqlx::query("INSERT INTO rows VALUES ($1, $2, $3)")
            .bind(format!("r-{seq}"))
            .bind(seq as i64)
            .bind(body.to_owned())
            .execute(&mut *tx)
            .await
            .unwrap();
        tx.commit().await.unwrap();
    }
    n as f64 / started.elapsed().as_secs_f64()
}

/// The demo programme in a fresh database under `dir`, with fixed keys.
pub async fn demo_app(dir: &std::path::Path) -> App {
    let signer = LedgerSigner::new(ed25519_dalek::SigningKey::from_bytes(&[7u8; 32]), Vec::new(), [8u8; 32]);
    let store = Store::open(&format!("sqlite://{}/catalyst.db", dir.display()), signer).await.unwrap();
    let app = App::new(store, Arc::new(SystemClock));
    app.seed_demo().await.unwrap();
    app
}
