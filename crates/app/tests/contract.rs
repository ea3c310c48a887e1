//! The store contract: every test runs against SQLite, and against PostgreSQL when
//! `CATALYST_TEST_POSTGRES_URL` names a server (CI always sets it; with
//! `CATALYST_REQUIRE_POSTGRES=1` a missing server is a failure, not a skip).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use catalyst_app::capabilities::people::domain::{Participant, Site, SiteStatus, Stage};
use catalyst_app::platform::store::{ChainRef, LedgerSigner, Store, StoreError};
use catalyst_core::DomainError;
use catalyst_core::ledger::audit::HEADS_RECORDED;
use catalyst_core::ledger::receipt::Receipt;
use catalyst_core::ledger::{AuditActor, SYSTEM_CHAIN, site_chain};
use catalyst_core::record::Record;
use catalyst_core::time::{TimeZoneName, Timestamp};
use ed25519_dalek::SigningKey;
use sqlx::AssertSqlSafe;
use sqlx::any::{AnyPoolOptions, install_default_drivers};

struct Backend {
    name: &'static str,
    url: String,
    _dir: Option<TempDir>,
}

/// A directory removed when dropped.
struct TempDir(std::path::PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A fresh, empty database on every backend under test.
async fn backends() -> Vec<Backend> {
    install_default_drivers();
    let dir = std::env::temp_dir().join(format!("catalyst-store-{}", uuid::Uuid::now_v7().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut out =
        vec![Backend { name: "sqlite", url: format!("sqlite://{}/test.db", dir.display()), _dir: Some(TempDir(dir)) }];
    match std::env::var("CATALYST_TEST_POSTGRES_URL") {
        Ok(base) => {
            let name = format!("catalyst_test_{}", uuid::Uuid::now_v7().simple());
            let admin = AnyPoolOptions::new().max_connections(1).connect(&base).await.unwrap();
            sqlx::query(AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&admin).await.unwrap();
            admin.close().await;
            let url = match base.rfind('/') {
                Some(i) if base[..i].contains("://") && base[..i].len() > base.find("://").unwrap() + 2 => {
                    format!("{}/{name}", &base[..i])
                }
                _ => panic!("CATALYST_TEST_POSTGRES_URL must end with /DATABASE"),
            };
            out.push(Backend { name: "postgres", url, _dir: None });
        }
        Err(_) if std::env::var("CATALYST_REQUIRE_POSTGRES").is_ok_and(|v| v == "1") => {
            panic!("CATALYST_REQUIRE_POSTGRES=1 but CATALYST_TEST_POSTGRES_URL is not set")
        }
        Err(_) => eprintln!("note: CATALYST_TEST_POSTGRES_URL not set; PostgreSQL half of the contract skipped"),
    }
    out
}

/// The key the server under test signs with.
fn server_key() -> SigningKey {
    SigningKey::from_bytes(&[3u8; 32])
}

async fn open(url: &str) -> Store {
    Store::open(url, LedgerSigner::new(server_key(), Vec::new(), [5u8; 32])).await.unwrap()
}

/// `audit verify` as an auditor with their own copy of the server's public key.
async fn verify(store: &Store) -> catalyst_app::platform::store::audit::VerifyReport {
    store.verify_ledger(&[server_key().verifying_key()], None).await.unwrap()
}

/// The people capability answers through the application (its queries are its own).
fn app(store: &Store) -> catalyst_app::App {
    catalyst_app::App::new(store.clone(), std::sync::Arc::new(catalyst_app::SystemClock))
}

/// A monitor of every site: may list participants and see their stages.
fn monitor() -> catalyst_core::policy::Actor {
    catalyst_core::policy::Actor {
        user_id: "u-monitor".into(),
        display_name: "Monitor".into(),
        grants: vec![catalyst_core::policy::Grant { role: catalyst_core::role::Role::Monitor, site_id: None }],
        own_participants: vec![],
    }
}

fn actor() -> AuditActor {
    AuditActor { id: "u-test".into(), name: "Test User".into() }
}

fn site(id: &str, code: &str) -> Site {
    Site {
        id: id.into(),
        code: code.into(),
        name: format!("Site {code}"),
        time_zone: TimeZoneName::parse("z", "Australia/Sydney").unwrap(),
        jurisdiction: "AU".into(),
        status: SiteStatus::Active,
        created_at: Timestamp(1_000),
    }
}

fn system() -> ChainRef {
    ChainRef { chain: SYSTEM_CHAIN.into(), zone: "UTC".into() }
}

fn site_ref(id: &str) -> ChainRef {
    ChainRef { chain: site_chain(id), zone: "Australia/Sydney".into() }
}

async fn with_site(store: &Store, id: &str, code: &str) -> Site {
    let s = site(id, code);
    let mut tx = store.begin_write(Timestamp(2_000), actor(), &[system()]).await.unwrap();
    tx.insert(SYSTEM_CHAIN, "site.create", &s).await.unwrap();
    tx.commit().await.unwrap();
    s
}

async fn participant(store: &Store, site: &Site, serial: i64) -> Participant {
    let p = Participant {
        id: format!("p-{}-{serial}", site.code),
        site_id: site.id.clone(),
        serial,
        code: format!("{}-{serial:04}", site.code),
        stage: Stage::Screening,
        user_id: None,
        created_at: Timestamp(3_000),
    };
    let mut tx = store.begin_write(Timestamp(3_000), actor(), &[site_ref(&site.id)]).await.unwrap();
    tx.insert(&site_chain(&site.id), "participant.create", &p).await.unwrap();
    tx.commit().await.unwrap();
    p
}

/// Runs raw SQL, as an attacker with database access would.
async fn raw(store_url: &str, sql: &str) -> Result<(), sqlx::Error> {
    let pool = AnyPoolOptions::new().max_connections(1).connect(store_url).await?;
    let result = sqlx::query(AssertSqlSafe(sql.to_owned())).execute(&pool).await.map(|_| ());
    pool.close().await;
    result
}

async fn drop_append_only_guard(backend: &Backend) {
    if backend.name == "sqlite" {
        raw(&backend.url, "DROP TRIGGER ledger_no_update").await.unwrap();
        raw(&backend.url, "DROP TRIGGER ledger_no_delete").await.unwrap();
    } else {
        raw(&backend.url, "DROP TRIGGER ledger_append_only ON ledger").await.unwrap();
    }
}

#[tokio::test]
async fn migrations_are_idempotent_and_records_round_trip() {
    for b in backends().await {
        let store = open(&b.url).await;
        let s = with_site(&store, "s1", "SYD").await;
        store.close().await;
        let reopened = open(&b.url).await;
        assert_eq!(reopened.get::<Site>("s1").await.unwrap(), Some(s), "{}", b.name);
        assert_eq!(app(&reopened).site_by_code("SYD").await.unwrap().map(|s| s.id), Some("s1".into()), "{}", b.name);
    }
}

#[tokio::test]
async fn every_change_is_ledgered_with_before_after_and_reason() {
    for b in backends().await {
        let store = open(&b.url).await;
        let s = with_site(&store, "s1", "SYD").await;
        let renamed = Site { name: "Renamed".into(), ..s.clone() };

        let mut tx = store.begin_write(Timestamp(5_000), actor(), &[system()]).await.unwrap();
        let err = tx.update(SYSTEM_CHAIN, "site.update", &renamed, "  ").await.unwrap_err();
        assert!(
            matches!(err, StoreError::Domain(DomainError::Invalid(ref v)) if v[0].field == "reason"),
            "{}: {err}",
            b.name
        );
        drop(tx);
        assert_eq!(store.get::<Site>("s1").await.unwrap().unwrap().name, "Site SYD", "{}: rolled back", b.name);

        let mut tx = store.begin_write(Timestamp(5_000), actor(), &[system()]).await.unwrap();
        tx.update(SYSTEM_CHAIN, "site.update", &renamed, "typo in name").await.unwrap();
        let entries = tx.commit().await.unwrap();
        assert_eq!(entries.len(), 1);
        let e = &entries[0];
        assert_eq!(
            (e.seq, e.action.as_str(), e.reason.as_deref()),
            (2, "site.update", Some("typo in name")),
            "{}",
            b.name
        );
        assert!(e.before.as_deref().unwrap().contains("\"name\":\"Site SYD\""));
        assert!(e.after.as_deref().unwrap().contains("\"name\":\"Renamed\""));
        assert_eq!(e.actor_name, "Test User");

        let report = verify(&store).await;
        assert!(report.ok, "{}: {report:?}", b.name);
        assert_eq!(report.records_compared, 1);
    }
}

#[tokio::test]
async fn the_database_refuses_update_and_delete_of_ledger_rows() {
    for b in backends().await {
        let store = open(&b.url).await;
        with_site(&store, "s1", "SYD").await;
        let update = raw(&b.url, "UPDATE ledger SET actor_name = 'Mallory'").await;
        assert!(update.is_err_and(|e| e.to_string().contains("append-only")), "{}", b.name);
        let delete = raw(&b.url, "DELETE FROM ledger").await;
        assert!(delete.is_err_and(|e| e.to_string().contains("append-only")), "{}", b.name);
        assert_eq!(verify(&store).await.chains[0].entries, 1);
    }
}

#[tokio::test]
async fn verify_names_the_first_altered_ledger_entry() {
    for b in backends().await {
        let store = open(&b.url).await;
        let s = with_site(&store, "s1", "SYD").await;
        for serial in 1..=4 {
            participant(&store, &s, serial).await;
        }
        drop_append_only_guard(&b).await;
        let chain = site_chain("s1");
        raw(&b.url, &format!("UPDATE ledger SET reason = 'forged' WHERE chain = '{chain}' AND seq = 3")).await.unwrap();
        let report = verify(&store).await;
        assert!(!report.ok, "{}", b.name);
        assert_eq!(report.chain_faults.len(), 1, "{}: {report:?}", b.name);
        assert_eq!(
            (report.chain_faults[0].chain.as_str(), report.chain_faults[0].seq),
            (chain.as_str(), 3),
            "{}",
            b.name
        );
    }
}

#[tokio::test]
async fn verify_catches_a_removed_tail_and_an_edited_live_record() {
    for b in backends().await {
        let store = open(&b.url).await;
        let s = with_site(&store, "s1", "SYD").await;
        participant(&store, &s, 1).await;
        participant(&store, &s, 2).await;
        raw(&b.url, "UPDATE participants SET stage = 'completed' WHERE serial = 2").await.unwrap();
        let report = verify(&store).await;
        assert_eq!(report.state_mismatches.len(), 1, "{}: {report:?}", b.name);
        assert!(report.state_mismatches[0].problem.contains("column stage"), "{}", b.name);
        assert!(report.state_mismatches[0].problem.contains("entry 2"), "{}", b.name);
        raw(&b.url, "UPDATE participants SET stage = 'screening' WHERE serial = 2").await.unwrap();
        assert!(verify(&store).await.ok, "{}", b.name);

        raw(&b.url, "INSERT INTO participants (id, site_id, serial, code, stage, user_id, created_at) VALUES ('ghost', 's1', 9, 'SYD-0009', 'enrolled', NULL, 1)").await.unwrap();
        let report = verify(&store).await;
        assert_eq!(report.state_mismatches.len(), 1, "{}", b.name);
        assert!(
            report.state_mismatches[0].entity_id == "ghost"
                && report.state_mismatches[0].problem.contains("no ledger history")
        );
        raw(&b.url, "DELETE FROM participants WHERE id = 'ghost'").await.unwrap();

        drop_append_only_guard(&b).await;
        raw(&b.url, &format!("DELETE FROM ledger WHERE chain = '{}' AND seq = 2", site_chain("s1"))).await.unwrap();
        let report = verify(&store).await;
        assert!(!report.ok, "{}", b.name);
        assert!(report.chain_faults.iter().any(|f| f.problem.contains("recorded head")), "{}: {report:?}", b.name);
    }
}

#[tokio::test]
async fn checkpoints_bind_the_chain_to_a_key() {
    for b in backends().await {
        let store = open(&b.url).await;
        with_site(&store, "s1", "SYD").await;
        let key = server_key();
        let impostor = SigningKey::from_bytes(&[4u8; 32]);
        let ok = store.verify_ledger(&[key.verifying_key()], None).await.unwrap();
        assert!(
            ok.ok && ok.chains[0].checkpoints_verified == 1 && ok.chains[0].unsigned_tail == 0,
            "{}: {ok:?}",
            b.name
        );
        let wrong = store.verify_ledger(&[impostor.verifying_key()], None).await.unwrap();
        assert!(!wrong.ok && wrong.checkpoint_faults[0].contains("untrusted"), "{}", b.name);

        // Rewriting history and recomputing every hash is caught by the signed checkpoint.
        drop_append_only_guard(&b).await;
        raw(&b.url, "UPDATE ledger SET actor_name = 'Mallory'").await.unwrap();
        let mut forged = Vec::new();
        store
            .for_each_entry(SYSTEM_CHAIN, |mut e| {
                e.hash = e.compute_hash();
                forged.push(e);
                Ok(())
            })
            .await
            .unwrap();
        for e in &forged {
            raw(
                &b.url,
                &format!("UPDATE ledger SET hash = '{}' WHERE chain = '{}' AND seq = {}", e.hash, e.chain, e.seq),
            )
            .await
            .unwrap();
            raw(&b.url, &format!("UPDATE ledger_heads SET hash = '{}' WHERE chain = '{}'", e.hash, e.chain))
                .await
                .unwrap();
        }
        let report = store.verify_ledger(&[key.verifying_key()], None).await.unwrap();
        assert!(report.chain_faults.is_empty(), "{}: the forger recomputed the chain", b.name);
        assert!(
            report.checkpoint_faults.iter().any(|f| f.contains("differs from the checkpoint")),
            "{}: {report:?}",
            b.name
        );
    }
}

#[tokio::test]
async fn concurrent_writers_on_one_chain_get_contiguous_sequences() {
    for b in backends().await {
        let store = open(&b.url).await;
        let s = with_site(&store, "s1", "SYD").await;
        let mut tasks = Vec::new();
        for serial in 1..=24 {
            let store = store.clone();
            let s = s.clone();
            tasks.push(tokio::spawn(async move { participant(&store, &s, serial).await }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        let report = verify(&store).await;
        assert!(report.ok, "{}: {report:?}", b.name);
        let chain = report.chains.iter().find(|c| c.chain == site_chain("s1")).unwrap();
        assert_eq!(chain.entries, 24, "{}", b.name);
        let app = app(&store);
        assert_eq!(app.list_participants(&monitor(), "s1", 0, 100).await.unwrap().len(), 24);
        assert_eq!(
            app.list_participants(&monitor(), "s1", 20, 100).await.unwrap().len(),
            4,
            "{}: keyset paging",
            b.name
        );
    }
}

#[tokio::test]
async fn unique_constraints_are_reported_as_such() {
    for b in backends().await {
        let store = open(&b.url).await;
        with_site(&store, "s1", "SYD").await;
        let mut tx = store.begin_write(Timestamp(2), actor(), &[system()]).await.unwrap();
        let err = tx.insert(SYSTEM_CHAIN, "site.create", &site("s2", "SYD")).await.unwrap_err();
        assert!(err.is_unique_violation(), "{}: {err}", b.name);
    }
}

#[tokio::test]
async fn a_write_to_an_unlocked_chain_is_refused() {
    for b in backends().await {
        let store = open(&b.url).await;
        let mut tx = store.begin_write(Timestamp(2), actor(), &[system()]).await.unwrap();
        let err = tx.insert(&site_chain("elsewhere"), "site.create", &site("s9", "ZZZ")).await.unwrap_err();
        assert!(err.to_string().contains("not locked"), "{}: {err}", b.name);
    }
}

#[tokio::test]
async fn records_decode_exactly_as_written() {
    for b in backends().await {
        let store = open(&b.url).await;
        let s = with_site(&store, "s1", "SYD").await;
        let p = participant(&store, &s, 7).await;
        let stored = store.get::<Participant>(&p.id).await.unwrap().unwrap();
        assert_eq!(stored.to_row().unwrap(), p.to_row().unwrap(), "{}", b.name);
        assert_eq!(stored.user_id, None);
    }
}

#[tokio::test]
async fn stage_counts_stay_exact_through_inserts_updates_and_deletes() {
    for b in backends().await {
        let store = open(&b.url).await;
        let s = with_site(&store, "s1", "SYD").await;
        let mut ps = Vec::new();
        for serial in 1..=5 {
            ps.push(participant(&store, &s, serial).await);
        }
        let mut tx = store.begin_write(Timestamp(4_000), actor(), &[site_ref("s1")]).await.unwrap();
        for p in &ps[..2] {
            tx.update(
                &site_chain("s1"),
                "participant.stage",
                &Participant { stage: Stage::Dosing, ..p.clone() },
                "dosed",
            )
            .await
            .unwrap();
        }
        // An update that leaves the stage as it was changes no count.
        tx.update(
            &site_chain("s1"),
            "participant.link",
            &Participant { user_id: None, code: "SYD-X".into(), ..ps[2].clone() },
            "recode",
        )
        .await
        .unwrap();
        tx.delete::<Participant>(&site_chain("s1"), "participant.remove", &ps[4].id, "entered in error").await.unwrap();
        tx.commit().await.unwrap();
        // Raw edits are counted too: the database keeps the counts, not the application.
        raw(&b.url, "UPDATE participants SET stage = 'completed' WHERE serial = 4").await.unwrap();
        let counts = app(&store).stage_counts(&monitor(), "s1").await.unwrap();
        assert_eq!(
            counts,
            vec![("completed".to_owned(), 1), ("dosing".to_owned(), 2), ("screening".to_owned(), 1)],
            "{}",
            b.name
        );
    }
}

#[tokio::test]
async fn ledger_paging_neither_skips_nor_repeats_entries_of_one_transaction() {
    use catalyst_app::platform::store::ledger::{EntryCursor, EntryFilter};
    for b in backends().await {
        let store = open(&b.url).await;
        let s = with_site(&store, "s1", "SYD").await;
        // Five entries written at the same instant in one transaction, with the opening of the
        // site's chain recorded in the system chain by the same transaction, plus the site's creation.
        let mut tx = store.begin_write(Timestamp(7_000), actor(), &[site_ref("s1")]).await.unwrap();
        for serial in 1..=5 {
            let p = Participant {
                id: format!("p{serial}"),
                site_id: s.id.clone(),
                serial,
                code: format!("SYD-{serial:04}"),
                stage: Stage::Referred,
                user_id: None,
                created_at: Timestamp(7_000),
            };
            tx.insert(&site_chain("s1"), "participant.create", &p).await.unwrap();
        }
        tx.commit().await.unwrap();
        let mut seen = Vec::new();
        let mut cursor = None;
        loop {
            let page = store
                .recent_entries(&EntryFilter { chains: vec![], entity: None, before: cursor.clone(), limit: 2 })
                .await
                .unwrap();
            let Some(last) = page.last() else { break };
            cursor = Some(EntryCursor { at: last.at, chain: last.chain.clone(), seq: last.seq });
            seen.extend(page.iter().map(|e| (e.chain.clone(), e.seq)));
        }
        let mut unique = seen.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(seen.len(), 7, "{}: {seen:?}", b.name);
        assert_eq!(unique.len(), 7, "{}: no repeats", b.name);
    }
}

#[tokio::test]
async fn deviations_are_never_deleted() {
    for b in backends().await {
        let store = open(&b.url).await;
        let s = with_site(&store, "s1", "SYD").await;
        let p = participant(&store, &s, 1).await;
        raw(&b.url, &format!("INSERT INTO deviations (id, participant_id, site_id, visit_id, kind, severity, description, source, recorded_at, recorded_by) VALUES ('d1', '{}', 's1', NULL, 'manual', 'minor', 'x', 'manual', 1, 'u')", p.id)).await.unwrap();
        let delete = raw(&b.url, "DELETE FROM deviations WHERE id = 'd1'").await;
        assert!(delete.is_err(), "{}: a deviation was deleted", b.name);
    }
}

#[tokio::test]
async fn an_update_based_on_a_stale_read_is_refused() {
    for b in backends().await {
        let store = open(&b.url).await;
        let s = with_site(&store, "s1", "SYD").await;
        let p = participant(&store, &s, 1).await;
        let first = Participant { stage: Stage::Enrolled, ..p.clone() };
        let second = Participant { stage: Stage::Withdrawn, ..p.clone() };
        let mut tx = store.begin_write(Timestamp(8_000), actor(), &[site_ref("s1")]).await.unwrap();
        tx.update_from(&site_chain("s1"), "participant.stage", &p, &first, "first").await.unwrap();
        tx.commit().await.unwrap();
        let mut tx = store.begin_write(Timestamp(9_000), actor(), &[site_ref("s1")]).await.unwrap();
        let err = tx.update_from(&site_chain("s1"), "participant.stage", &p, &second, "second").await.unwrap_err();
        assert!(matches!(err, StoreError::Domain(DomainError::Conflict(_))), "{}: {err}", b.name);
        drop(tx);
        assert_eq!(store.get::<Participant>(&p.id).await.unwrap().unwrap().stage, Stage::Enrolled, "{}", b.name);
    }
}

// ---- An attacker with write access to the database but not the signing key -----------------
// Each attack runs on a copy of the database with the append-only triggers dropped, as a
// database administrator or anyone holding the file could, and must be named by `audit verify`.

async fn drop_every_guard(backend: &Backend) {
    drop_append_only_guard(backend).await;
    if backend.name == "sqlite" {
        raw(&backend.url, "DROP TRIGGER checkpoints_no_update").await.unwrap();
        raw(&backend.url, "DROP TRIGGER checkpoints_no_delete").await.unwrap();
    } else {
        raw(&backend.url, "DROP TRIGGER checkpoints_append_only ON ledger_checkpoints").await.unwrap();
    }
}

/// Recomputes `prev_hash` and `hash` of every entry of `chain` from `from_seq` on with the
/// published formula, and moves the recorded head to match: a forger's full rehash.
async fn rehash_chain(store: &Store, url: &str, chain: &str, from_seq: i64) {
    let mut entries = Vec::new();
    store
        .for_each_entry(chain, |e| {
            entries.push(e);
            Ok(())
        })
        .await
        .unwrap();
    let mut prev = catalyst_core::ledger::GENESIS_HASH.to_owned();
    for mut e in entries {
        if e.seq >= from_seq {
            e.prev_hash = prev.clone();
            e.hash = e.compute_hash();
            raw(
                url,
                &format!(
                    "UPDATE ledger SET prev_hash = '{}', hash = '{}' WHERE chain = '{chain}' AND seq = {}",
                    e.prev_hash, e.hash, e.seq
                ),
            )
            .await
            .unwrap();
        }
        prev = e.hash.clone();
        raw(url, &format!("UPDATE ledger_heads SET seq = {}, hash = '{}' WHERE chain = '{chain}'", e.seq, e.hash))
            .await
            .unwrap();
    }
}

/// A site with `n` participants, each registered in its own signed commit.
async fn site_with_participants(store: &Store, id: &str, code: &str, n: i64) -> Site {
    let s = with_site(store, id, code).await;
    for serial in 1..=n {
        participant(store, &s, serial).await;
    }
    s
}

fn all_faults(report: &catalyst_app::platform::store::audit::VerifyReport) -> Vec<String> {
    let mut faults: Vec<String> = report.chain_faults.iter().map(ToString::to_string).collect();
    faults.extend(report.checkpoint_faults.iter().cloned());
    faults.extend(report.history_faults.iter().cloned());
    faults.extend(report.state_mismatches.iter().map(|m| format!("{} {}: {}", m.entity_kind, m.entity_id, m.problem)));
    faults
}

fn assert_named(report: &catalyst_app::platform::store::audit::VerifyReport, backend: &str, needles: &[&str]) {
    assert!(!report.ok, "{backend}: the attack went unnoticed: {report:?}");
    let faults = all_faults(report);
    assert!(
        faults.iter().any(|f| needles.iter().all(|n| f.contains(n))),
        "{backend}: no fault names {needles:?}: {faults:#?}"
    );
}

fn receipt_of(heads: Vec<catalyst_core::ledger::Checkpoint>) -> Receipt {
    Receipt::issue(Timestamp(50_000), heads, &[server_key().verifying_key()]).unwrap()
}

#[tokio::test]
async fn an_old_entry_rewritten_and_rehashed_with_the_signatures_deleted_is_caught() {
    for b in backends().await {
        let store = open(&b.url).await;
        site_with_participants(&store, "s1", "SYD", 4).await;
        let chain = site_chain("s1");
        drop_every_guard(&b).await;
        raw(&b.url, &format!("UPDATE ledger SET actor_name = 'Mallory' WHERE chain = '{chain}' AND seq = 2"))
            .await
            .unwrap();
        rehash_chain(&store, &b.url, &chain, 2).await;
        raw(&b.url, "DELETE FROM ledger_checkpoints").await.unwrap();
        let report = verify(&store).await;
        assert!(report.chain_faults.is_empty(), "{}: the forger recomputed the chain: {report:?}", b.name);
        assert_named(&report, b.name, &[&chain, "not covered by a trusted signature"]);
        assert_named(&report, b.name, &["chain system", "not covered by a trusted signature"]);
    }
}

#[tokio::test]
async fn erasing_a_whole_site_is_caught() {
    for b in backends().await {
        let store = open(&b.url).await;
        site_with_participants(&store, "s1", "SYD", 2).await;
        site_with_participants(&store, "s2", "BOS", 3).await;
        let gone = site_chain("s2");
        drop_every_guard(&b).await;
        for sql in [
            format!("DELETE FROM ledger WHERE chain = '{gone}'"),
            format!("DELETE FROM ledger_heads WHERE chain = '{gone}'"),
            format!("DELETE FROM ledger_checkpoints WHERE chain = '{gone}'"),
            "DELETE FROM participants WHERE site_id = 's2'".to_owned(),
        ] {
            raw(&b.url, &sql).await.unwrap();
        }
        assert_named(&verify(&store).await, b.name, &[&gone, "was opened at system entry", "missing"]);
    }
}

#[tokio::test]
async fn a_correctly_hashed_entry_appended_outside_catalyst_is_caught_and_never_extended() {
    for b in backends().await {
        let store = open(&b.url).await;
        let s = site_with_participants(&store, "s1", "SYD", 2).await;
        let chain = site_chain("s1");
        let head = store.chain_head(&chain).await.unwrap().unwrap();
        // The forger moves participant 2 on to "completed", with a ledger entry that recomputes.
        let before = store.get::<Participant>(&format!("p-{}-2", s.code)).await.unwrap().unwrap();
        let after = Participant { stage: Stage::Completed, ..before.clone() };
        let forged = catalyst_core::ledger::PendingEntry {
            chain: chain.clone(),
            kind: catalyst_core::ledger::EntryKind::Change,
            actor: actor(),
            action: "participant.stage".into(),
            entity_kind: "participant".into(),
            entity_id: before.id.clone(),
            before: Some(before.to_row().unwrap()),
            after: Some(after.to_row().unwrap()),
            reason: Some("progress".into()),
        }
        .seal(head.seq + 1, Timestamp(9_000), "Australia/Sydney", &head.hash);
        drop_every_guard(&b).await;
        raw(&b.url, &format!(
            "INSERT INTO ledger (chain, seq, at_us, zone, kind, actor_id, actor_name, action, entity_kind, entity_id, before_json, after_json, reason, prev_hash, hash) VALUES ('{}', {}, {}, '{}', 'change', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}')",
            forged.chain, forged.seq, forged.at.micros(), forged.zone, forged.actor_id, forged.actor_name, forged.action,
            forged.entity_kind, forged.entity_id, forged.before.clone().unwrap(), forged.after.clone().unwrap(),
            forged.reason.clone().unwrap(), forged.prev_hash, forged.hash
        )).await.unwrap();
        raw(
            &b.url,
            &format!("UPDATE ledger_heads SET seq = {}, hash = '{}' WHERE chain = '{chain}'", forged.seq, forged.hash),
        )
        .await
        .unwrap();
        raw(&b.url, &format!("UPDATE participants SET stage = 'completed' WHERE id = '{}'", before.id)).await.unwrap();

        let report = verify(&store).await;
        assert!(report.chain_faults.is_empty() && report.state_mismatches.is_empty(), "{}: {report:?}", b.name);
        assert_named(&report, b.name, &[&chain, &format!("entries {0}..{0}", forged.seq), "not covered"]);

        // Neither this server nor a fresh one extends (and so vouches for) the forged head.
        for server in [store.clone(), open(&b.url).await] {
            let refused = server.begin_write(Timestamp(10_000), actor(), &[site_ref("s1")]).await;
            assert!(
                matches!(refused, Err(StoreError::Tampered(ref m)) if m.contains(&chain)),
                "{}: {:?}",
                b.name,
                refused.err()
            );
        }
    }
}

/// The cleanest truncation: every entry of `kept.chain` after `kept`, with its signatures and the
/// participants those entries registered (serials above `serial`), and the head moved back.
async fn cut_chain_after(b: &Backend, kept: &catalyst_app::platform::store::ledger::ChainHead, serial: i64) {
    let chain = &kept.chain;
    for sql in [
        format!("DELETE FROM ledger WHERE chain = '{chain}' AND seq > {}", kept.seq),
        format!("DELETE FROM ledger_checkpoints WHERE chain = '{chain}' AND seq > {}", kept.seq),
        format!("UPDATE ledger_heads SET seq = {}, hash = '{}' WHERE chain = '{chain}'", kept.seq, kept.hash),
        format!("DELETE FROM participants WHERE serial > {serial}"),
    ] {
        raw(&b.url, &sql).await.unwrap();
    }
}

#[tokio::test]
async fn truncating_the_newest_entries_is_caught_by_a_receipt_or_a_head_record() {
    for b in backends().await {
        let store = open(&b.url).await;
        let s = site_with_participants(&store, "s1", "SYD", 4).await;
        let chain = site_chain("s1");
        let kept = store.chain_head(&chain).await.unwrap().unwrap();
        for serial in 5..=6 {
            participant(&store, &s, serial).await;
        }
        let receipt = receipt_of(store.signed_heads().await.unwrap());
        assert!(store.verify_ledger(&[server_key().verifying_key()], Some(&receipt)).await.unwrap().ok, "{}", b.name);

        drop_every_guard(&b).await;
        cut_chain_after(&b, &kept, 4).await;
        // Without a receipt or a head record, a clean cut at a commit boundary is undetectable
        // (docs/ledger.md says so); the receipt names it.
        let fresh = open(&b.url).await;
        assert!(verify(&fresh).await.ok, "{}", b.name);
        let report = fresh.verify_ledger(&[server_key().verifying_key()], Some(&receipt)).await.unwrap();
        assert_named(&report, b.name, &[&chain, "the receipt issued at", "truncated or rolled back"]);

        // The server that wrote the lost entries refuses to extend the shortened chain.
        let refused = store.begin_write(Timestamp(10_000), actor(), &[site_ref("s1")]).await;
        assert!(matches!(refused, Err(StoreError::Tampered(ref m)) if m.contains("went back")), "{}", b.name);
    }
}

#[tokio::test]
async fn a_head_record_in_the_system_chain_catches_truncation_without_a_receipt() {
    for b in backends().await {
        let store = open(&b.url).await;
        let s = site_with_participants(&store, "s1", "SYD", 3).await;
        let chain = site_chain("s1");
        let kept = store.chain_head(&chain).await.unwrap().unwrap();
        participant(&store, &s, 4).await;
        let head = store.chain_head(&chain).await.unwrap().unwrap();
        // What the server's checkpoint job writes each minute after verifying the segment.
        assert_eq!(
            store
                .verify_segment(&chain, (0, catalyst_core::ledger::GENESIS_HASH), (head.seq, &head.hash))
                .await
                .unwrap(),
            Ok(())
        );
        let mut details = catalyst_core::record::Row::new();
        details.insert("heads".into(), serde_json::json!({ chain.clone(): {"seq": head.seq, "hash": head.hash} }));
        let mut tx = store.begin_write(Timestamp(20_000), actor(), &[system()]).await.unwrap();
        tx.event(SYSTEM_CHAIN, HEADS_RECORDED, "ledger", SYSTEM_CHAIN, details).await.unwrap();
        tx.commit().await.unwrap();

        drop_every_guard(&b).await;
        cut_chain_after(&b, &kept, 3).await;
        assert_named(
            &verify(&open(&b.url).await).await,
            b.name,
            &[&chain, "the head record at system entry", "truncated"],
        );
        let segment = store.verify_segment(&chain, (head.seq, &head.hash), (kept.seq, &kept.hash)).await.unwrap();
        assert!(segment.is_err_and(|p| p.contains("before its recorded head")), "{}", b.name);
    }
}

#[tokio::test]
async fn deleting_one_chains_signatures_is_caught() {
    for b in backends().await {
        let store = open(&b.url).await;
        site_with_participants(&store, "s1", "SYD", 2).await;
        let chain = site_chain("s1");
        drop_every_guard(&b).await;
        raw(&b.url, &format!("DELETE FROM ledger_checkpoints WHERE chain = '{chain}'")).await.unwrap();
        let report = verify(&store).await;
        assert_named(&report, b.name, &[&chain, "not covered by a trusted signature"]);
        assert!(report.checkpoint_faults.iter().all(|f| !f.contains("chain system")), "{}: {report:?}", b.name);
    }
}

#[tokio::test]
async fn replaying_an_old_signature_or_an_old_head_is_caught() {
    for b in backends().await {
        let store = open(&b.url).await;
        site_with_participants(&store, "s1", "SYD", 3).await;
        let chain = site_chain("s1");
        drop_every_guard(&b).await;
        // The signature of entry 1, moved onto the newest entry in place of its own.
        let newest = store.chain_head(&chain).await.unwrap().unwrap();
        raw(&b.url, &format!("DELETE FROM ledger_checkpoints WHERE chain = '{chain}' AND seq = {}", newest.seq))
            .await
            .unwrap();
        raw(&b.url, &format!(
            "INSERT INTO ledger_checkpoints (chain, seq, hash, signed_at, public_key, signature)
             SELECT chain, {}, '{}', signed_at, public_key, signature FROM ledger_checkpoints WHERE chain = '{chain}' AND seq = 1",
            newest.seq, newest.hash
        )).await.unwrap();
        let report = verify(&store).await;
        assert_named(&report, b.name, &[&chain, &format!("checkpoint at entry {}", newest.seq), "does not verify"]);
        assert_named(&report, b.name, &[&chain, "not covered"]);

        // An old, validly signed head put back in the heads table.
        let old = store.signed_heads().await.unwrap();
        assert!(!old.is_empty());
        raw(&b.url, &format!("UPDATE ledger_heads SET seq = 1, hash = (SELECT hash FROM ledger WHERE chain = '{chain}' AND seq = 1) WHERE chain = '{chain}'")).await.unwrap();
        assert_named(&verify(&store).await, b.name, &[&chain, "does not match the chain"]);
    }
}

#[tokio::test]
async fn a_receipt_must_be_signed_by_a_trusted_key_and_its_chains_must_exist() {
    for b in backends().await {
        let store = open(&b.url).await;
        site_with_participants(&store, "s1", "SYD", 1).await;
        let heads = store.signed_heads().await.unwrap();
        let impostor = SigningKey::from_bytes(&[4u8; 32]);
        assert!(Receipt::issue(Timestamp(1), heads.clone(), &[impostor.verifying_key()]).is_err());
        let mut forged = receipt_of(heads.clone());
        forged.heads.push(catalyst_core::ledger::sign_checkpoint(&impostor, "site:elsewhere", 9, "ab", Timestamp(2)));
        let report = store.verify_ledger(&[server_key().verifying_key()], Some(&forged)).await.unwrap();
        assert_named(&report, b.name, &["site:elsewhere", "untrusted"]);
        let mut vanished = receipt_of(heads);
        vanished.heads.push(catalyst_core::ledger::sign_checkpoint(&server_key(), "site:gone", 2, "cd", Timestamp(3)));
        let report = store.verify_ledger(&[server_key().verifying_key()], Some(&vanished)).await.unwrap();
        assert_named(&report, b.name, &["site:gone", "missing from the database"]);
    }
}

/// Rebuilds `table` without its primary key, as an attacker could, to hold duplicate rows.
async fn drop_primary_key(backend: &Backend, table: &str) {
    if backend.name == "sqlite" {
        let pool = AnyPoolOptions::new().max_connections(1).connect(&backend.url).await.unwrap();
        for sql in [
            "PRAGMA foreign_keys = OFF".to_owned(),
            format!("CREATE TABLE {table}_copy AS SELECT * FROM {table}"),
            format!("DROP TABLE {table}"),
            format!("ALTER TABLE {table}_copy RENAME TO {table}"),
        ] {
            sqlx::query(AssertSqlSafe(sql)).execute(&pool).await.unwrap();
        }
        pool.close().await;
    } else {
        for sql in [
            format!("CREATE TABLE {table}_copy AS SELECT * FROM {table}"),
            format!("DROP TABLE {table} CASCADE"),
            format!("ALTER TABLE {table}_copy RENAME TO {table}"),
        ] {
            raw(&backend.url, &sql).await.unwrap();
        }
    }
}

#[tokio::test]
async fn a_second_entry_at_the_same_position_is_caught() {
    for b in backends().await {
        let store = open(&b.url).await;
        site_with_participants(&store, "s1", "SYD", 3).await;
        let chain = site_chain("s1");
        drop_every_guard(&b).await;
        drop_primary_key(&b, "ledger").await;
        raw(&b.url, &format!(
            "INSERT INTO ledger SELECT chain, seq, at_us, zone, 'event', actor_id, actor_name, 'deviation.waived', entity_kind,
             entity_id, NULL, '{{\"note\":\"waived verbally\"}}', 'forged', prev_hash, hash FROM ledger WHERE chain = '{chain}' AND seq = 2"
        )).await.unwrap();
        assert_named(&verify(&store).await, b.name, &[&chain, "entry 2", "sequence gap"]);
    }
}

#[tokio::test]
async fn an_entry_appended_behind_an_unchanged_head_and_a_removed_head_row_are_caught() {
    for b in backends().await {
        let store = open(&b.url).await;
        site_with_participants(&store, "s1", "SYD", 2).await;
        let chain = site_chain("s1");
        drop_every_guard(&b).await;
        raw(&b.url, &format!(
            "INSERT INTO ledger SELECT chain, seq + 1, at_us, zone, kind, actor_id, actor_name, action, entity_kind, entity_id,
             before_json, after_json, reason, hash, hash FROM ledger WHERE chain = '{chain}' AND seq = 2"
        )).await.unwrap();
        // A fresh server sees it when it first locks the chain; the server that wrote the head
        // (and so trusts it without a look) when it tries to write at the taken position.
        let refused = open(&b.url).await.begin_write(Timestamp(10_000), actor(), &[site_ref("s1")]).await;
        assert!(
            matches!(refused, Err(StoreError::Tampered(ref m)) if m.contains("not the chain's newest entry")),
            "{}: {:?}",
            b.name,
            refused.err()
        );
        let s = store.get::<Site>("s1").await.unwrap().unwrap();
        let mut tx = store.begin_write(Timestamp(10_000), actor(), &[site_ref("s1")]).await.unwrap();
        let p = Participant {
            id: "p-late".into(),
            site_id: s.id.clone(),
            serial: 99,
            code: "SYD-0099".into(),
            stage: Stage::Screening,
            user_id: None,
            created_at: Timestamp(10_000),
        };
        let refused = tx.insert(&site_chain("s1"), "participant.create", &p).await;
        assert!(
            matches!(refused, Err(StoreError::Tampered(ref m)) if m.contains("already exists past the recorded head")),
            "{}: {:?}",
            b.name,
            refused.err()
        );
        drop(tx);
        raw(&b.url, &format!("DELETE FROM ledger WHERE chain = '{chain}' AND seq = 3")).await.unwrap();
        raw(&b.url, &format!("DELETE FROM ledger_heads WHERE chain = '{chain}'")).await.unwrap();
        assert_named(&verify(&store).await, b.name, &[&chain, "no recorded head"]);
    }
}

#[tokio::test]
async fn a_receipt_that_leaves_out_a_chain_or_the_system_chain_does_not_pass() {
    for b in backends().await {
        let store = open(&b.url).await;
        site_with_participants(&store, "s1", "SYD", 1).await;
        let heads = store.signed_heads().await.unwrap();
        let key = [server_key().verifying_key()];
        let without_site = receipt_of(heads.iter().filter(|h| h.chain == SYSTEM_CHAIN).cloned().collect());
        let report = store.verify_ledger(&key, Some(&without_site)).await.unwrap();
        assert_named(&report, b.name, &["leaves out chain site:s1"]);
        let empty = receipt_of(Vec::new());
        assert_named(&store.verify_ledger(&key, Some(&empty)).await.unwrap(), b.name, &["no head of the system chain"]);
    }
}

#[tokio::test]
async fn duplicated_live_rows_and_altered_dashboard_counts_are_caught() {
    for b in backends().await {
        let store = open(&b.url).await;
        site_with_participants(&store, "s1", "SYD", 2).await;
        raw(&b.url, "UPDATE participant_stage_counts SET n = n + 40").await.unwrap();
        assert_named(&verify(&store).await, b.name, &["participant_stage_count", "s1/screening", "is 42"]);
        raw(&b.url, "UPDATE participant_stage_counts SET n = n - 40").await.unwrap();
        assert!(verify(&store).await.ok, "{}", b.name);
        drop_primary_key(&b, "participants").await;
        let duplicate = "INSERT INTO participants SELECT * FROM participants WHERE serial = 1";
        if b.name == "sqlite" {
            let pool = AnyPoolOptions::new().max_connections(1).connect(&b.url).await.unwrap();
            sqlx::query("PRAGMA foreign_keys = OFF").execute(&pool).await.unwrap();
            sqlx::query(duplicate).execute(&pool).await.unwrap();
            pool.close().await;
        } else {
            raw(&b.url, duplicate).await.unwrap();
        }
        assert_named(&verify(&store).await, b.name, &["participant p-SYD-1", "more than once"]);
    }
}
