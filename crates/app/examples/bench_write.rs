//! Write-path benchmark: single-record commits through the ledgered `WriteTx` (record, ledger
//! entry, chain head and the commit's signature) beside plain SQLite single-row transactions
//! with the same durability (WAL, synchronous=FULL), in the same run, on fixed inputs.
//!
//!     cargo run --release -p catalyst-app --example bench_write -- 3000
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use catalyst_app::capabilities::people::domain::{Participant, Site, SiteStatus, Stage};
use catalyst_app::platform::store::{ChainRef, LedgerSigner, Store};
use catalyst_core::ledger::{AuditActor, SYSTEM_CHAIN, site_chain};
use catalyst_core::time::{TimeZoneName, Timestamp};
use ed25519_dalek::SigningKey;
use sqlx::Executor;
use sqlx::any::AnyPoolOptions;
use std::time::Instant;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let n: i64 = std::env::args().nth(1).map(|s| s.parse().expect("N must be a number")).unwrap_or(3000);
    let dir = std::env::temp_dir().join(format!("catalyst-bench-write-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();

    let baseline = raw_sqlite(&dir, n).await;
    let (ledgered, store) = ledgered(&dir, n).await;
    println!("plain SQLite single-row transactions: {baseline:>8.0} writes/s");
    println!("Catalyst ledgered, signed commits:    {ledgered:>8.0} writes/s");
    println!("ratio (ledgered / plain):             {:>8.2}", ledgered / baseline);
    // What the commit signature itself costs, beside one ledgered write.
    let key = SigningKey::from_bytes(&[3u8; 32]);
    let started = Instant::now();
    for seq in 0..10_000i64 {
        let hash = format!("{seq:064x}");
        std::hint::black_box(catalyst_core::ledger::sign_checkpoint(&key, "site:site-1", seq, &hash, Timestamp(seq)));
    }
    let sign_us = started.elapsed().as_secs_f64() * 1e6 / 10_000.0;
    println!(
        "one commit signature:                 {sign_us:>8.1} µs ({:.1}% of a ledgered write)",
        sign_us * ledgered / 1e4
    );

    // Verifying: every entry rehashed, every commit signature checked, the state rebuilt and
    // compared; beside hashing the database file once with sha256sum.
    let started = Instant::now();
    let report = store.verify_ledger(store.signer().trusted(), None).await.unwrap();
    let verify = started.elapsed().as_secs_f64();
    assert!(report.ok, "{report:?}");
    store.close().await;
    let started = Instant::now();
    let sum = std::process::Command::new("sha256sum").arg(dir.join("catalyst.db")).output().unwrap();
    let sha = started.elapsed().as_secs_f64();
    assert!(sum.status.success());
    let signatures: usize = report.chains.iter().map(|c| c.checkpoints_verified).sum();
    println!("audit verify ({} entries, {signatures} signatures): {verify:>8.3} s", n + 2);
    println!("sha256sum of the database file:       {sha:>8.3} s");
    println!("ratio (verify / sha256sum):           {:>8.1}", verify / sha);
    std::fs::remove_dir_all(&dir).unwrap();
}

async fn raw_sqlite(dir: &std::path::Path, n: i64) -> f64 {
    sqlx::any::install_default_drivers();
    let url = format!("sqlite://{}/raw.db?mode=rwc", dir.display());
    let pool = AnyPoolOptions::new().max_connections(1).connect(&url).await.unwrap();
    for pragma in ["PRAGMA journal_mode = WAL", "PRAGMA synchronous = FULL"] {
        pool.execute(pragma).await.unwrap();
    }
    pool.execute("CREATE TABLE participants (id TEXT PRIMARY KEY, site_id TEXT NOT NULL, serial BIGINT NOT NULL, code TEXT NOT NULL UNIQUE, stage TEXT NOT NULL, created_at BIGINT NOT NULL)").await.unwrap();
    let started = Instant::now();
    for serial in 1..=n {
        let mut tx = pool.begin().await.unwrap();
        sqlx::query("INSERT INTO participants VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(format!("p-{serial}"))
            .bind("site-1")
            .bind(serial)
            .bind(format!("SYD-{serial:06}"))
            .bind("screening")
            .bind(1_790_000_000_000_000 + serial)
            .execute(&mut *tx)
            .await
            .unwrap();
        tx.commit().await.unwrap();
    }
    n as f64 / started.elapsed().as_secs_f64()
}

async fn ledgered(dir: &std::path::Path, n: i64) -> (f64, Store) {
    let signer = LedgerSigner::new(SigningKey::from_bytes(&[3u8; 32]), Vec::new(), [5u8; 32]);
    let store = Store::open(&format!("sqlite://{}/catalyst.db", dir.display()), signer).await.unwrap();
    let actor = AuditActor { id: "u-bench".into(), name: "Bench".into() };
    let site = Site {
        id: "site-1".into(),
        code: "SYD".into(),
        name: "Sydney".into(),
        time_zone: TimeZoneName::parse("zone", "Australia/Sydney").unwrap(),
        jurisdiction: "AU".into(),
        status: SiteStatus::Active,
        created_at: Timestamp(1_000),
    };
    let system = ChainRef { chain: SYSTEM_CHAIN.into(), zone: "UTC".into() };
    let mut tx = store.begin_write(Timestamp(2_000), actor.clone(), &[system]).await.unwrap();
    tx.insert(SYSTEM_CHAIN, "site.create", &site).await.unwrap();
    tx.commit().await.unwrap();
    let chain = ChainRef { chain: site_chain(&site.id), zone: "Australia/Sydney".into() };
    let started = Instant::now();
    for serial in 1..=n {
        let p = Participant {
            id: format!("p-{serial}"),
            site_id: site.id.clone(),
            serial,
            code: format!("SYD-{serial:06}"),
            stage: Stage::Screening,
            user_id: None,
            created_at: Timestamp(1_790_000_000_000_000 + serial),
        };
        let mut tx = store
            .begin_write(Timestamp(1_790_000_000_000_000 + serial), actor.clone(), std::slice::from_ref(&chain))
            .await
            .unwrap();
        tx.insert(&chain.chain, "participant.create", &p).await.unwrap();
        tx.commit().await.unwrap();
    }
    (n as f64 / started.elapsed().as_secs_f64(), store)
}
