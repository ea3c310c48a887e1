//! The `catalyst` binary as an auditor, a statistician and a data manager use it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

struct Dir(PathBuf);

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn temp_dir(name: &str) -> Dir {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    let dir = std::env::temp_dir().join(format!("catalyst-cli-{name}-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    Dir(dir)
}

fn catalyst(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_catalyst")).args(args).env_remove("CATALYST_DATABASE_URL").output().unwrap()
}

fn catalyst_stdin(args: &[&str], input: &str) -> Output {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_catalyst"))
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Edits the database directly, as someone with file access could.
fn tamper(dir: &Path, statements: &[&str]) {
    let url = format!("sqlite://{}/catalyst.db", dir.display());
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        sqlx::any::install_default_drivers();
        let pool = sqlx::any::AnyPoolOptions::new().max_connections(1).connect(&url).await.unwrap();
        for sql in statements {
            sqlx::query(sqlx::AssertSqlSafe(sql.to_string())).execute(&pool).await.unwrap();
        }
        pool.close().await;
    });
}

fn demo(name: &str) -> (Dir, String) {
    let dir = temp_dir(name);
    let data = dir.0.display().to_string();
    let out = catalyst(&["demo", "--data-dir", &data]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("lead.syd"));
    (dir, data)
}

#[test]
fn audit_verify_passes_on_the_demo_and_names_an_altered_ledger_entry() {
    let (dir, data) = demo("ledger");
    let ok = catalyst(&["audit", "verify", "--data-dir", &data]);
    assert!(ok.status.success(), "{}{}", text(&ok.stdout), text(&ok.stderr));
    assert!(text(&ok.stdout).contains("OK:"));

    tamper(
        &dir.0,
        &[
            "DROP TRIGGER ledger_no_update",
            "UPDATE ledger SET reason = 'nothing to see' WHERE chain = 'system' AND seq = 7",
        ],
    );
    let failed = catalyst(&["audit", "verify", "--data-dir", &data]);
    assert_eq!(failed.status.code(), Some(1));
    let out = text(&failed.stdout);
    assert!(out.contains("FAIL: chain system entry 7: hash does not match"), "{out}");
}

#[test]
fn audit_verify_names_a_record_altered_in_a_live_table() {
    let (dir, data) = demo("state");
    tamper(&dir.0, &["UPDATE participants SET stage = 'completed' WHERE code = 'BOS-0001'"]);
    let failed = catalyst(&["audit", "verify", "--data-dir", &data, "--json"]);
    assert_eq!(failed.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&failed.stdout).unwrap();
    assert_eq!(report["ok"], false);
    let mismatch = &report["state_mismatches"][0];
    assert_eq!(mismatch["entity_kind"], "participant");
    assert!(mismatch["problem"].as_str().unwrap().contains("column stage"));
}

#[test]
fn audit_verify_refuses_checkpoints_from_an_untrusted_key() {
    let (_dir, data) = demo("keys");
    let key = text(&catalyst(&["audit", "public-key", "--data-dir", &data]).stdout).trim().to_owned();
    assert_eq!(key.len(), 64);
    assert!(catalyst(&["audit", "verify", "--data-dir", &data, "--public-key", &key]).status.success());
    let stranger = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
    let out = catalyst(&["audit", "verify", "--data-dir", &data, "--public-key", stranger]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stdout).contains("untrusted key"));
}

#[test]
fn score_writes_scores_for_a_valid_file_and_nothing_for_an_invalid_one() {
    let header = "id,item1,item2,item3,item4,item5,item6,item7,item8,item9";
    let good = format!("{header}\nP1,1,1,1,1,1,1,1,1,0\nP2,3,3,3,3,3,3,3,3,1\n");
    let out = catalyst_stdin(&["score", "phq9"], &good);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let lines: Vec<String> = text(&out.stdout).lines().map(str::to_owned).collect();
    assert_eq!(lines[0], "id,total,severity,item9_flag");
    assert!(lines[1].starts_with("P1,8,"), "{lines:?}");
    assert!(lines[2].starts_with("P2,25,") && lines[2].ends_with("true"), "{lines:?}");

    let bad = format!("{header}\nP1,1,1,1,1,1,1,1,1,0\nP2,3,3,9,3,3,3,3,3,1\n");
    let out = catalyst_stdin(&["score", "phq9"], &bad);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty(), "no partial output");
    let err = text(&out.stderr);
    assert!(err.contains("row 2") && err.contains("item3") && err.contains("\"9\""), "{err}");
}

#[test]
fn analyze_blinding_reproduces_bang_and_james_on_the_crisp_table() {
    let dir = temp_dir("blinding");
    let mut csv = String::from("arm,guess\n");
    for (arm, guess, n) in [
        ("active", "active", 82),
        ("active", "placebo", 25),
        ("active", "dont_know", 170),
        ("placebo", "active", 27),
        ("placebo", "placebo", 29),
        ("placebo", "dont_know", 83),
    ] {
        for _ in 0..n {
            csv.push_str(&format!("{arm},{guess}\n"));
        }
    }
    let file = dir.0.join("guesses.csv");
    std::fs::write(&file, csv).unwrap();
    let out = catalyst(&["analyze", "blinding", file.to_str().unwrap(), "--format", "json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut estimates = Vec::new();
    collect_estimates(&report, &mut estimates);
    let rounded: Vec<String> = estimates.iter().map(|e| format!("{e:.3}")).collect();
    for expected in ["0.206", "0.014", "0.748"] {
        assert!(rounded.iter().any(|r| r == expected), "{expected} missing from {rounded:?}");
    }
}

#[test]
fn analyze_mmrm_names_an_unknown_column() {
    let data = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/mmrm/fev_data.csv");
    let out = catalyst(&[
        "analyze",
        "mmrm",
        "--data",
        data,
        "--response",
        "FEV",
        "--subject",
        "USUBJID",
        "--visit",
        "AVISIT",
        "--arm",
        "ARMCD",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("FEV") && err.contains("FEV1"), "names the column and the ones available: {err}");
}

fn collect_estimates(value: &serde_json::Value, out: &mut Vec<f64>) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, v) in map {
                match (key.as_str(), v.as_f64()) {
                    ("estimate", Some(x)) => out.push(x),
                    _ => collect_estimates(v, out),
                }
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| collect_estimates(v, out)),
        _ => {}
    }
}

fn public_key(data: &str) -> String {
    let key = text(&catalyst(&["audit", "public-key", "--data-dir", data]).stdout).trim().to_owned();
    assert_eq!(key.len(), 64, "{key}");
    key
}

/// Runs the independent Python verifier in docs/auditor against a data directory.
fn python_verify(dir: &Dir, key: &str, receipt: Option<&Path>) -> Output {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/auditor/verify_chains.py");
    let mut command = Command::new("python3");
    command.arg(script).arg(dir.0.join("catalyst.db")).args(["--public-key", key]);
    if let Some(receipt) = receipt {
        command.arg("--receipt").arg(receipt);
    }
    command.output().expect("python3 (with the cryptography package) is needed for this test")
}

#[test]
fn an_independent_verifier_written_from_the_docs_agrees() {
    let (dir, data) = demo("python");
    let key = public_key(&data);
    let receipt = dir.0.join("receipt.json");
    let anchored = catalyst(&["audit", "anchor", "--data-dir", &data, "--out", receipt.to_str().unwrap()]);
    assert!(anchored.status.success(), "{}", text(&anchored.stderr));
    let ok = python_verify(&dir, &key, Some(&receipt));
    assert!(ok.status.success(), "{}{}", text(&ok.stdout), text(&ok.stderr));
    assert!(text(&ok.stdout).contains("ok   chain system"));

    let stranger = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
    let untrusted = python_verify(&dir, stranger, None);
    assert_eq!(untrusted.status.code(), Some(1));
    assert!(text(&untrusted.stdout).contains("not covered by a trusted signature"), "{}", text(&untrusted.stdout));

    tamper(
        &dir.0,
        &[
            "DROP TRIGGER ledger_no_update",
            "UPDATE ledger SET actor_name = 'Mallory' WHERE chain = 'system' AND seq = 4",
        ],
    );
    let failed = python_verify(&dir, &key, None);
    assert_eq!(failed.status.code(), Some(1));
    assert!(
        text(&failed.stdout).contains("FAIL chain system entry 4: hash does not match"),
        "{}",
        text(&failed.stdout)
    );
}

/// The newest `n` entries of a site chain of the demo, removed with their signatures and the head
/// moved back: the cleanest truncation an attacker can make.
fn truncate_site_chain(dir: &Dir, code: &str, n: i64) -> String {
    let db = dir.0.join("catalyst.db");
    let url = format!("sqlite://{}", db.display());
    let chain = tokio::runtime::Runtime::new().unwrap().block_on(async {
        sqlx::any::install_default_drivers();
        let pool = sqlx::any::AnyPoolOptions::new().max_connections(1).connect(&url).await.unwrap();
        let row: (String, i64) = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT h.chain, h.seq FROM ledger_heads h JOIN sites s ON h.chain = 'site:' || s.id WHERE s.code = '{code}'"
        )))
        .fetch_one(&pool)
        .await
        .unwrap();
        pool.close().await;
        row
    });
    let (chain, seq) = chain;
    let keep = seq - n;
    tamper(
        &dir.0,
        &[
            "DROP TRIGGER ledger_no_delete",
            "DROP TRIGGER checkpoints_no_delete",
            &format!("DELETE FROM ledger WHERE chain = '{chain}' AND seq > {keep}"),
            &format!("DELETE FROM ledger_checkpoints WHERE chain = '{chain}' AND seq > {keep}"),
            &format!(
                "UPDATE ledger_heads SET seq = {keep}, hash = (SELECT hash FROM ledger WHERE chain = '{chain}' AND seq = {keep}) WHERE chain = '{chain}'"
            ),
        ],
    );
    chain
}

#[test]
fn a_receipt_proves_a_truncation_that_the_database_alone_cannot_show() {
    let (dir, data) = demo("anchor");
    let key = public_key(&data);
    let receipt = dir.0.join("receipt.json");
    let path = receipt.to_str().unwrap();
    assert!(catalyst(&["audit", "anchor", "--data-dir", &data, "--out", path]).status.success());
    let parsed: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&receipt).unwrap()).unwrap();
    assert_eq!(parsed["format"], "catalyst-ledger-receipt/1");
    assert_eq!(parsed["heads"].as_array().unwrap().len(), 4, "system and three sites: {parsed}");
    assert!(catalyst(&["audit", "verify", "--data-dir", &data, "--anchor", path]).status.success());

    // The demo's last entries of a site chain are events (the demo's own bookkeeping), so
    // cutting them leaves the live tables consistent: only the receipt can tell.
    let chain = truncate_site_chain(&dir, "VAN", 1);
    let alone = catalyst(&["audit", "verify", "--data-dir", &data, "--public-key", &key]);
    let with_receipt = catalyst(&["audit", "verify", "--data-dir", &data, "--public-key", &key, "--anchor", path]);
    assert_eq!(with_receipt.status.code(), Some(1), "{}", text(&with_receipt.stdout));
    let out = text(&with_receipt.stdout);
    assert!(out.contains(&chain) && out.contains("the receipt issued at") && out.contains("truncated"), "{out}");
    let python = python_verify(&dir, &key, Some(&receipt));
    assert_eq!(python.status.code(), Some(1));
    assert!(text(&python.stdout).contains("the receipt vouches for entry"), "{}", text(&python.stdout));
    // Without the receipt the verdict rests on the head records (recorded after the demo).
    assert_eq!(alone.status.code(), Some(1), "{}", text(&alone.stdout));
    assert!(text(&alone.stdout).contains("the head record at system entry"), "{}", text(&alone.stdout));
}

/// Appends, as the attacker would, a correctly hashed event after the newest entry of a demo
/// site's chain and moves the head to it. Returns the chain.
fn append_forged_entry(dir: &Dir, code: &str) -> String {
    use catalyst_core::ledger::{Entry, EntryKind};
    use catalyst_core::time::Timestamp;
    let url = format!("sqlite://{}/catalyst.db", dir.0.display());
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        sqlx::any::install_default_drivers();
        let pool = sqlx::any::AnyPoolOptions::new().max_connections(1).connect(&url).await.unwrap();
        let (chain, seq, hash, zone): (String, i64, String, String) = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT l.chain, l.seq, l.hash, l.zone FROM ledger l JOIN sites s ON l.chain = 'site:' || s.id
             WHERE s.code = '{code}' ORDER BY l.seq DESC LIMIT 1"
        )))
        .fetch_one(&pool)
        .await
        .unwrap();
        let mut forged = Entry {
            chain: chain.clone(),
            seq: seq + 1,
            at: Timestamp(1_900_000_000_000_000),
            zone,
            kind: EntryKind::Event,
            actor_id: "u-rater".into(),
            actor_name: "Rater".into(),
            action: "outcome.note".into(),
            entity_kind: "note".into(),
            entity_id: "n1".into(),
            before: None,
            after: Some("{\"note\":\"forged\"}".into()),
            reason: None,
            prev_hash: hash,
            hash: String::new(),
        };
        forged.hash = forged.compute_hash();
        sqlx::query(
            "INSERT INTO ledger (chain, seq, at_us, zone, kind, actor_id, actor_name, action, entity_kind, entity_id,
                before_json, after_json, reason, prev_hash, hash) VALUES ($1,$2,$3,$4,'event',$5,$6,$7,$8,$9,NULL,$10,NULL,$11,$12)",
        )
        .bind(forged.chain.clone()).bind(forged.seq).bind(forged.at.micros()).bind(forged.zone.clone())
        .bind(forged.actor_id.clone()).bind(forged.actor_name.clone()).bind(forged.action.clone())
        .bind(forged.entity_kind.clone()).bind(forged.entity_id.clone()).bind(forged.after.clone())
        .bind(forged.prev_hash.clone()).bind(forged.hash.clone())
        .execute(&pool).await.unwrap();
        sqlx::query("UPDATE ledger_heads SET seq = $1, hash = $2 WHERE chain = $3")
            .bind(forged.seq).bind(forged.hash.clone()).bind(chain.clone())
            .execute(&pool).await.unwrap();
        pool.close().await;
        chain
    })
}

#[test]
fn the_checkpoint_job_raises_an_alarm_instead_of_vouching_for_a_forged_entry() {
    let (dir, data) = demo("forged");
    let chain = append_forged_entry(&dir, "SYD");
    let out = catalyst(&["audit", "checkpoint", "--data-dir", &data]);
    assert_eq!(out.status.code(), Some(1), "{}{}", text(&out.stdout), text(&out.stderr));
    let said = text(&out.stdout);
    assert!(
        said.contains("ALARM") && said.contains(&chain) && said.contains("no signature of a trusted key"),
        "{said}"
    );
    // The alarm is itself in the ledger; the forged head is not in any head record, and verify names it.
    let verified = catalyst(&["audit", "verify", "--data-dir", &data]);
    assert_eq!(verified.status.code(), Some(1));
    let out = text(&verified.stdout);
    assert!(out.contains(&chain) && out.contains("not covered by a trusted signature"), "{out}");
    // A receipt is refused rather than vouching for the forgery.
    let receipt = dir.0.join("receipt.json");
    let anchored = catalyst(&["audit", "anchor", "--data-dir", &data, "--out", receipt.to_str().unwrap()]);
    assert_eq!(anchored.status.code(), Some(1));
    assert!(!receipt.exists());
}

#[test]
fn a_rotated_key_is_trusted_through_the_rotation_the_old_key_signed() {
    let (_dir, data) = demo("rotate");
    let old = public_key(&data);
    let rotated = catalyst(&["audit", "rotate-key", "--data-dir", &data]);
    assert!(rotated.status.success(), "{}{}", text(&rotated.stdout), text(&rotated.stderr));
    let new = public_key(&data);
    assert_ne!(old, new);
    assert!(catalyst(&["audit", "checkpoint", "--data-dir", &data]).status.success());
    // An auditor holding only the original key follows the signed rotation.
    let out = catalyst(&["audit", "verify", "--data-dir", &data, "--public-key", &old]);
    assert!(out.status.success(), "{}", text(&out.stdout));
    // The new key alone cannot vouch for what the old one signed.
    let out = catalyst(&["audit", "verify", "--data-dir", &data, "--public-key", &new]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    // The installation itself trusts both (the old one is kept in ledger-trusted.keys).
    assert!(catalyst(&["audit", "verify", "--data-dir", &data]).status.success());
}

#[test]
fn protocol_check_prints_the_schedule_or_every_problem_with_its_line() {
    let good = concat!(env!("CARGO_MANIFEST_DIR"), "/../protocol/src/builtin/mapp1.v1.toml");
    let out = catalyst(&["protocol", "check", good, "--baseline", "2026-01-05"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("exp1") && text(&out.stdout).contains("80 mg + 40 mg"), "{}", text(&out.stdout));
    let dir = temp_dir("protocol");
    let bad = dir.0.join("bad.toml");
    let source = std::fs::read_to_string(good).unwrap().replacen("window = [2, 7]", "window = [2, -9]", 1);
    std::fs::write(&bad, source).unwrap();
    let out = catalyst(&["protocol", "check", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("bad.toml:") && err.contains("window"), "{err}");
    let list = text(&catalyst(&["protocol", "list"]).stdout);
    assert!(list.contains("mapp1") && list.contains("seed001"));
}

#[test]
fn screen_gives_the_documented_decision_for_each_example() {
    let docs = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/screening");
    for name in ["eligible", "eligible_after_washout", "ineligible", "needs_review"] {
        let out = catalyst(&["screen", &format!("{docs}/{name}.json"), "--as-of", "2026-03-01"]);
        assert!(out.status.success(), "{name}: {}", text(&out.stderr));
        let decision: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(decision["decision"], name, "{name}");
    }
    let out = catalyst_stdin(&["screen", "--as-of", "2026-03-01"], r#"{"age_years": -3}"#);
    assert_eq!(out.status.code(), Some(1));
    assert!(!text(&out.stderr).is_empty());
    let schema = catalyst(&["screen", "--schema"]);
    assert!(text(&schema.stdout).contains("2020-12"));
}

#[test]
fn an_unsigned_head_record_is_never_taken_as_the_checkpoint_jobs_baseline() {
    let (dir, data) = demo("baseline");
    tamper(
        &dir.0,
        &[
            "DROP TRIGGER ledger_no_update",
            "INSERT INTO ledger VALUES ('system', 1000000, 0, 'UTC', 'event', 'x', 'x', 'ledger.heads', 'ledger', 'system', NULL,
              '{\"heads\":{\"site:ghost\":{\"hash\":\"00\",\"seq\":1}}}', NULL, 'x', 'x')",
        ],
    );
    let out = catalyst(&["audit", "checkpoint", "--data-dir", &data]);
    let said = text(&out.stdout) + &text(&out.stderr);
    assert_ne!(out.status.code(), Some(0), "{said}");
    assert!(!said.contains("recorded the verified heads of 1"), "{said}");
    assert!(said.contains("integrity check") || said.contains("ALARM"), "{said}");
}

#[test]
fn a_receipt_is_refused_while_the_recorded_head_disagrees_with_the_chain() {
    let (dir, data) = demo("receipt-heads");
    tamper(
        &dir.0,
        &[
            "UPDATE ledger_heads SET (seq, hash) = (SELECT seq, hash FROM ledger WHERE chain = 'system' AND seq = 3) WHERE chain = 'system'",
        ],
    );
    let receipt = dir.0.join("receipt.json");
    let out = catalyst(&["audit", "anchor", "--data-dir", &data, "--out", receipt.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    assert!(text(&out.stderr).contains("is not its recorded head"), "{}", text(&out.stderr));
    assert!(!receipt.exists());
}

/// Issue 10, item 22: a reader that stops early (`catalyst screen --schema | head`) ends the
/// output quietly, without a panic; and counts are bounded.
#[test]
fn output_into_a_closed_pipe_does_not_panic_and_counts_are_bounded() {
    for args in [&["screen", "--schema"][..], &["openapi"][..], &["protocol", "list"][..]] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_catalyst"))
            .args(args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take()); // the reader is gone before anything is written
        let output = child.wait_with_output().unwrap();
        let stderr = text(&output.stderr);
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert!(output.status.success(), "{args:?}: {stderr}");
    }
    let mut record: serde_json::Value =
        serde_json::from_str(include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/screening/eligible.json")))
            .unwrap();
    record["trauma_therapy"][0]["sessions"] = serde_json::json!(9_223_372_036_854_775_807_i64);
    let output = catalyst_stdin(&["screen", "--as-of", "2026-03-01"], &record.to_string());
    assert!(!output.status.success());
    let stderr = text(&output.stderr);
    assert!(stderr.contains("trauma_therapy[0].sessions") && stderr.contains("must be <= 1000"), "{stderr}");
}

/// Issue 10, item 6: the data directory and the database (with its WAL) are private to the owner.
#[cfg(unix)]
#[test]
fn the_data_directory_and_database_files_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = temp_dir("modes");
    let data = dir.0.join("fresh").join("data");
    let out = catalyst(&["demo", "--data-dir", data.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&data), 0o700);
    for name in ["catalyst.db", "ledger-signing.key"] {
        assert_eq!(mode(&data.join(name)), 0o600, "{name}");
    }
    for name in ["catalyst.db-wal", "catalyst.db-shm"] {
        let path = data.join(name);
        if path.exists() {
            assert_eq!(mode(&path), 0o600, "{name}");
        }
    }
}

#[test]
fn pharmacy_report_prints_the_demo_sites_dispensing_record_and_names_an_unknown_kind() {
    let (_dir, data) = demo("pharmacy");
    let out = catalyst(&["pharmacy", "report", "dispensing_record", "--site", "SYD", "--data-dir", &data]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let csv = text(&out.stdout);
    assert!(csv.contains("MX24-0917") && csv.contains("Southern Cross Clinical Supplies"), "{csv}");
    let out = catalyst(&[
        "pharmacy",
        "report",
        "perpetual_inventory",
        "--site",
        "bos",
        "--format",
        "json",
        "--data-dir",
        &data,
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let cards: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(!cards.as_array().unwrap().is_empty());
    let out = catalyst(&["pharmacy", "report", "stock_take", "--site", "SYD", "--data-dir", &data]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("perpetual_inventory"), "{}", text(&out.stderr));
}
