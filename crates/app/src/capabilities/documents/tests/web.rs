//! Documents over the API and pages: attaching, listing, downloading the same bytes, who may
//! see and attach, the input rules by field, withdrawal, tampering caught on download and by
//! `audit verify`, identical uploads sharing a blob, and an S3-compatible store end to end.

use crate::support::TestApp;
use catalyst_app::platform::blobs::{BlobStore, S3Config, sha256_hex, sigv4};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

const MAX: usize = catalyst_app::capabilities::documents::domain::MAX_DOCUMENT_BYTES;
const PDF: &[u8] = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n";

/// Posts `bytes` as a document to a record, with the query `query` (already encoded).
async fn attach(
    t: &TestApp,
    token: &str,
    kind: &str,
    id: &str,
    query: &str,
    content_type: &str,
    bytes: Vec<u8>,
) -> (u16, Value) {
    let url = t.url(&format!("/api/v1/records/{kind}/{id}/documents?{query}"));
    let r = t.http.post(url).bearer_auth(token).header("content-type", content_type).body(bytes).send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// The id of the authorisation at `site` with `reference`.
async fn authorisation(t: &TestApp, site: &str, reference: &str) -> String {
    let lead = t.token(&format!("lead.{}", site.to_ascii_lowercase())).await;
    let (_, list) = t.get(&lead, &format!("/api/v1/sites/{}/authorisations", t.site_id(site).await)).await;
    list.as_array().unwrap().iter().find(|a| a["reference"] == reference).unwrap()["id"].as_str().unwrap().to_owned()
}

async fn download(t: &TestApp, token: &str, id: &str) -> reqwest::Response {
    t.http.get(t.url(&format!("/api/v1/documents/{id}/content"))).bearer_auth(token).send().await.unwrap()
}

/// Where the test server keeps a blob.
fn blob_path(t: &TestApp, sha256: &str) -> std::path::PathBuf {
    match t.app.store.blobs().unwrap() {
        BlobStore::Local(local) => local.path_of(sha256),
        BlobStore::S3(_) => panic!("the test server keeps its blobs on disk"),
    }
}

async fn verify(t: &TestApp) -> catalyst_app::platform::store::audit::VerifyReport {
    t.app.store.verify_ledger(t.app.store.signer().trusted(), None).await.unwrap()
}

#[tokio::test]
async fn the_demo_approval_letter_is_listed_and_downloads_as_the_same_bytes_with_safe_headers() {
    let t = TestApp::spawn().await;
    let hrec = authorisation(&t, "SYD", "HREC/2025/ETH0417").await;
    let lead = t.token("lead.syd").await;
    let (status, list) = t.get(&lead, &format!("/api/v1/records/authorisation/{hrec}/documents")).await;
    assert_eq!(status, 200, "{list}");
    let letter = &list[0];
    assert_eq!(
        (letter["title"].as_str(), letter["media_type"].as_str()),
        (Some("HREC approval letter"), Some("application/pdf"))
    );
    let r = download(&t, &lead, letter["id"].as_str().unwrap()).await;
    assert_eq!(r.status(), 200);
    let headers = r.headers().clone();
    assert_eq!(headers["content-type"], "application/pdf");
    assert!(
        headers["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment; filename=\"HREC-2025-ETH0417-approval.pdf\"")
    );
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert!(headers["content-security-policy"].to_str().unwrap().starts_with("sandbox"));
    let bytes = r.bytes().await.unwrap();
    assert!(bytes.starts_with(b"%PDF-"));
    assert_eq!(sha256_hex(&bytes), letter["sha256"].as_str().unwrap());
    assert_eq!(bytes.len() as i64, letter["size_bytes"].as_i64().unwrap());

    // On the site's authorisations page: the list for everyone who sees them, the forms for its lead.
    let syd = t.site_id("SYD").await;
    let page = t
        .browser("lead.syd")
        .await
        .get(t.url(&format!("/sites/{syd}/authorisations")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("HREC-2025-ETH0417-approval.pdf") && page.contains("Attach document"), "{page}");
    assert!(
        page.contains("enctype=\"multipart/form-data\"") && page.contains(&letter["sha256"].as_str().unwrap()[..12])
    );
    let page = t
        .browser("therapist1.syd")
        .await
        .get(t.url(&format!("/sites/{syd}/authorisations")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("HREC-2025-ETH0417-approval.pdf") && !page.contains("Attach document"), "{page}");
    assert!(verify(&t).await.ok, "the demo's documents verify");
}

#[tokio::test]
async fn a_document_is_attached_listed_downloaded_and_withdrawn_with_a_reason() {
    let t = TestApp::spawn().await;
    let ap = authorisation(&t, "SYD", "AP-2025-0193").await;
    let lead = t.token("lead.syd").await;
    let csv = b"period,patients\n2025-H2,4\n".to_vec();
    let query =
        "title=Six-monthly%20report%20receipt&file_name=C%3A%5Cfakepath%5Creceipt.csv&description=TGA%20receipt";
    let (status, doc) = attach(&t, &lead, "authorisation", &ap, query, "text/csv", csv.clone()).await;
    assert_eq!(status, 201, "{doc}");
    assert_eq!((doc["file_name"].as_str(), doc["status"].as_str()), (Some("receipt.csv"), Some("active")));
    assert_eq!(doc["sha256"].as_str().unwrap(), sha256_hex(&csv));
    let id = doc["id"].as_str().unwrap();
    let (_, list) = t.get(&lead, &format!("/api/v1/records/authorisation/{ap}/documents")).await;
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
    let (status, shown) = t.get(&t.token("monitor").await, &format!("/api/v1/documents/{id}")).await;
    assert_eq!((status, shown["uploaded_by_name"].is_string()), (200, true));
    assert_eq!(download(&t, &lead, id).await.bytes().await.unwrap().to_vec(), csv);

    let withdraw = format!("/api/v1/documents/{id}/withdraw");
    assert_eq!(t.post(&t.token("therapist1.syd").await, &withdraw, json!({"reason": "not mine"})).await.0, 403);
    let (status, problem) = t.post(&lead, &withdraw, json!({"reason": "  "})).await;
    assert_eq!((status, problem["errors"][0]["field"].as_str()), (422, Some("reason")));
    let (status, withdrawn) = t.post(&lead, &withdraw, json!({"reason": "the wrong receipt was attached"})).await;
    assert_eq!((status, withdrawn["status"].as_str()), (200, Some("withdrawn")), "{withdrawn}");
    assert_eq!(withdrawn["withdrawal_reason"], "the wrong receipt was attached");
    assert_eq!(t.post(&lead, &withdraw, json!({"reason": "again, to be sure"})).await.0, 409);
    // Nothing is deleted: still listed, still downloadable, and the reason is in the ledger.
    let (_, list) = t.get(&lead, &format!("/api/v1/records/authorisation/{ap}/documents")).await;
    assert_eq!(list[0]["status"], "withdrawn");
    assert_eq!(download(&t, &lead, id).await.status(), 200);
    let (_, ledger) = t.get(&t.token("lead.syd").await, "/api/v1/audit/ledger?limit=20").await;
    let text = ledger.to_string();
    assert!(text.contains("document.withdraw") && text.contains("the wrong receipt was attached"), "{text}");
    assert!(verify(&t).await.ok);
}

#[tokio::test]
async fn who_may_not_see_a_records_documents_gets_the_answer_given_for_a_missing_record() {
    let t = TestApp::spawn().await;
    let hrec = authorisation(&t, "SYD", "HREC/2025/ETH0417").await;
    let lead = t.token("lead.syd").await;
    let (_, list) = t.get(&lead, &format!("/api/v1/records/authorisation/{hrec}/documents")).await;
    let letter = list[0]["id"].as_str().unwrap().to_owned();
    for who in ["rater", "lead.bos", "participant.syd"] {
        let token = t.token(who).await;
        let hidden = t.get(&token, &format!("/api/v1/records/authorisation/{hrec}/documents")).await;
        let missing = t.get(&token, "/api/v1/records/authorisation/no-such-record/documents").await;
        assert_eq!((hidden.0, &hidden.1["title"]), (missing.0, &missing.1["title"]), "{who}: {hidden:?} {missing:?}");
        assert_ne!(hidden.0, 200);
        let hidden = download(&t, &token, &letter).await.status();
        let missing = download(&t, &token, "no-such-document").await.status();
        assert_eq!(hidden, missing, "{who}");
        let (status, _) =
            attach(&t, &token, "authorisation", &hrec, "title=x&file_name=x.pdf", "application/pdf", PDF.to_vec())
                .await;
        assert_eq!(status, missing.as_u16(), "{who} attaches");
    }
    // Seeing is not attaching.
    let therapist = t.token("therapist1.syd").await;
    assert_eq!(t.get(&therapist, &format!("/api/v1/records/authorisation/{hrec}/documents")).await.0, 200);
    let (status, _) =
        attach(&t, &therapist, "authorisation", &hrec, "title=x&file_name=x.pdf", "application/pdf", PDF.to_vec())
            .await;
    assert_eq!(status, 403);
    // An unknown kind is refused, naming the kinds that can carry documents.
    let (status, problem) =
        attach(&t, &lead, "appointment", &hrec, "title=x&file_name=x.pdf", "application/pdf", PDF.to_vec()).await;
    assert_eq!((status, problem["errors"][0]["field"].as_str()), (422, Some("entity_kind")));
    let message = problem["errors"][0]["message"].as_str().unwrap();
    assert!(["authorisation", "staff_credential", "participant"].iter().all(|k| message.contains(k)), "{message}");

    // A participant's ECG: clinical, so a blinded rater sees none of it, as if there were none.
    let p = t.participant_id("SYD-0001").await;
    let (status, ecg) = attach(
        &t,
        &therapist,
        "participant",
        &p,
        "title=Baseline%20ECG&file_name=ecg.pdf",
        "application/pdf",
        PDF.to_vec(),
    )
    .await;
    assert_eq!((status, ecg["participant_id"].as_str()), (201, Some(p.as_str())), "{ecg}");
    let rater = t.token("rater").await;
    let hidden = t.get(&rater, &format!("/api/v1/records/participant/{p}/documents")).await;
    let missing = t.get(&rater, "/api/v1/records/participant/no-such-participant/documents").await;
    assert_eq!((hidden.0, &hidden.1["title"]), (missing.0, &missing.1["title"]));
    assert_eq!(
        download(&t, &rater, ecg["id"].as_str().unwrap()).await.status(),
        download(&t, &rater, "nope").await.status()
    );
    assert_eq!(t.get(&t.token("monitor").await, &format!("/api/v1/records/participant/{p}/documents")).await.0, 200);
}

#[tokio::test]
async fn a_wrong_type_a_file_too_large_or_content_not_of_its_type_is_refused_naming_the_field() {
    let t = TestApp::spawn().await;
    let hrec = authorisation(&t, "SYD", "HREC/2025/ETH0417").await;
    let lead = t.token("lead.syd").await;
    let field_rule = |problem: &Value| {
        (
            problem["errors"][0]["field"].as_str().map(str::to_owned),
            problem["errors"][0]["rule"].as_str().map(str::to_owned),
        )
    };
    let q = "title=Letter&file_name=letter.pdf";
    let (status, problem) =
        attach(&t, &lead, "authorisation", &hrec, q, "text/html", b"<script>alert(1)</script>".to_vec()).await;
    assert_eq!((status, field_rule(&problem)), (422, (Some("media_type".into()), Some("one_of".into()))), "{problem}");
    assert!(
        problem["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("application/pdf, image/png, image/jpeg, text/plain, text/csv")
    );
    let (status, problem) = attach(&t, &lead, "authorisation", &hrec, q, "image/png", PDF.to_vec()).await;
    assert_eq!(
        (status, field_rule(&problem)),
        (422, (Some("file".into()), Some("matches_media_type".into()))),
        "{problem}"
    );
    let (status, problem) = attach(
        &t,
        &lead,
        "authorisation",
        &hrec,
        &format!("{q}&media_type=application/pdf"),
        "application/octet-stream",
        b"MZ\x90\0".to_vec(),
    )
    .await;
    assert_eq!((status, field_rule(&problem)), (422, (Some("file".into()), Some("matches_media_type".into()))));
    let (status, problem) =
        attach(&t, &lead, "authorisation", &hrec, "title=&file_name=..%2F", "application/pdf", PDF.to_vec()).await;
    let fields: Vec<&str> =
        problem["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!((status, fields), (422, vec!["title", "file_name"]), "{problem}");
    let (status, problem) =
        attach(&t, &lead, "authorisation", &hrec, "file_name=x.pdf", "application/pdf", PDF.to_vec()).await;
    assert_eq!(
        (status, problem["errors"][0]["field"].as_str()),
        (422, Some("title")),
        "a missing query parameter is named"
    );

    let mut big = PDF.to_vec();
    big.resize(MAX + 1, b' ');
    let (status, problem) = attach(&t, &lead, "authorisation", &hrec, q, "application/pdf", big.clone()).await;
    assert_eq!((status, field_rule(&problem)), (422, (Some("file".into()), Some("max_size".into()))));
    assert!(problem["errors"][0]["message"].as_str().unwrap().contains("25.0 MB"), "{problem}");
    big.resize(MAX + 2 * 1024 * 1024, b' ');
    let (status, problem) = attach(&t, &lead, "authorisation", &hrec, q, "application/pdf", big).await;
    assert_eq!((status, field_rule(&problem)), (413, (Some("file".into()), Some("max_size".into()))), "{problem}");
    // A file at the limit is taken.
    let mut at_limit = PDF.to_vec();
    at_limit.resize(MAX, b' ');
    assert_eq!(attach(&t, &lead, "authorisation", &hrec, q, "application/pdf", at_limit).await.0, 201);
}

#[tokio::test]
async fn altered_content_is_refused_on_download_and_reported_by_audit_verify() {
    let t = TestApp::spawn().await;
    let ap = authorisation(&t, "SYD", "AP-2025-0188").await;
    let lead = t.token("lead.syd").await;
    let mut ids = Vec::new();
    for name in ["certificate", "registration"] {
        let body = format!("{name} of AP-2025-0188\n").into_bytes();
        let (status, doc) =
            attach(&t, &lead, "authorisation", &ap, &format!("title={name}&file_name={name}.txt"), "text/plain", body)
                .await;
        assert_eq!(status, 201);
        ids.push((doc["id"].as_str().unwrap().to_owned(), doc["sha256"].as_str().unwrap().to_owned()));
    }
    assert!(verify(&t).await.ok);
    // Someone with the disk changes one blob and removes the other.
    std::fs::write(blob_path(&t, &ids[0].1), b"certificate of something else\n").unwrap();
    std::fs::remove_file(blob_path(&t, &ids[1].1)).unwrap();
    let r = download(&t, &lead, &ids[0].0).await;
    assert_eq!(r.status(), 409);
    let problem: Value = r.json().await.unwrap();
    assert!(
        problem["detail"].as_str().unwrap().contains("no longer matches the SHA-256 recorded in the ledger"),
        "{problem}"
    );
    let r = download(&t, &lead, &ids[1].0).await;
    assert_eq!(r.status(), 409);
    assert!(r.text().await.unwrap().contains("missing from the document store"));
    let report = verify(&t).await;
    assert!(!report.ok);
    let about = |id: &str| {
        report
            .state_mismatches
            .iter()
            .filter(|m| m.entity_kind == "document" && m.entity_id == id)
            .map(|m| m.problem.clone())
            .collect::<Vec<_>>()
    };
    assert!(about(&ids[0].0).iter().any(|p| p.contains("hashes to")), "{:?}", report.state_mismatches);
    assert!(
        about(&ids[1].0).iter().any(|p| p.contains("missing from the document store")),
        "{:?}",
        report.state_mismatches
    );
    // Uploading the right bytes again mends the store.
    let (status, _) = attach(
        &t,
        &lead,
        "authorisation",
        &ap,
        "title=again&file_name=c.txt",
        "text/plain",
        b"certificate of AP-2025-0188\n".to_vec(),
    )
    .await;
    assert_eq!(status, 201);
    assert_eq!(download(&t, &lead, &ids[0].0).await.status(), 200);
}

#[tokio::test]
async fn a_digest_changed_in_the_database_is_reported_by_audit_verify() {
    let t = TestApp::spawn().await;
    let hrec = authorisation(&t, "SYD", "HREC/2025/ETH0417").await;
    let lead = t.token("lead.syd").await;
    let (_, list) = t.get(&lead, &format!("/api/v1/records/authorisation/{hrec}/documents")).await;
    let id = list[0]["id"].as_str().unwrap().to_owned();
    let forged = sha256_hex(b"a different letter");
    t.raw(&format!("UPDATE documents SET sha256 = '{forged}' WHERE id = '{id}'")).await;
    let report = verify(&t).await;
    let about: Vec<&str> = report
        .state_mismatches
        .iter()
        .filter(|m| m.entity_kind == "document" && m.entity_id == id)
        .map(|m| m.problem.as_str())
        .collect();
    assert!(!report.ok && about.len() >= 2, "the ledger comparison and the blob check both name it: {about:?}");
    assert!(about.iter().any(|p| !p.contains("document store")), "the row differs from the ledger: {about:?}");
}

#[tokio::test]
async fn identical_bytes_uploaded_at_once_are_two_documents_sharing_one_blob() {
    let t = TestApp::spawn().await;
    let ap = authorisation(&t, "SYD", "AP-2025-0193").await;
    let lead = t.token("lead.syd").await;
    let bytes = b"\x89PNG\r\n\x1a\nthe same scan".to_vec();
    let q = "title=Scan&file_name=scan.png";
    let (a, b) = tokio::join!(
        attach(&t, &lead, "authorisation", &ap, q, "image/png", bytes.clone()),
        attach(&t, &lead, "authorisation", &ap, q, "image/png", bytes.clone()),
    );
    assert_eq!((a.0, b.0), (201, 201), "{a:?} {b:?}");
    assert_ne!(a.1["id"], b.1["id"]);
    assert_eq!(a.1["sha256"], b.1["sha256"]);
    let path = blob_path(&t, a.1["sha256"].as_str().unwrap());
    assert_eq!(std::fs::read(&path).unwrap(), bytes);
    let sha = a.1["sha256"].as_str().unwrap();
    let dir: Vec<String> = std::fs::read_dir(path.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.contains(sha))
        .collect();
    assert_eq!(dir, [sha.to_owned()], "one blob, no partial files left");
    assert!(verify(&t).await.ok);
}

#[tokio::test]
async fn training_evidence_is_filed_under_a_site_where_the_therapist_works() {
    let t = TestApp::spawn().await;
    let syd = t.site_id("SYD").await;
    let therapist = t.app.user_by_username("therapist1.syd").await.unwrap().unwrap().id;
    let lead = t.token("lead.syd").await;
    let q = format!("title=MDMA-AT%20training%20certificate&file_name=training.pdf&site_id={syd}");
    let (status, doc) = attach(&t, &lead, "staff_credential", &therapist, &q, "application/pdf", PDF.to_vec()).await;
    assert_eq!((status, doc["site_id"].as_str()), (201, Some(syd.as_str())), "{doc}");
    let (status, problem) =
        attach(&t, &lead, "staff_credential", &therapist, "title=x&file_name=x.pdf", "application/pdf", PDF.to_vec())
            .await;
    assert_eq!((status, problem["errors"][0]["field"].as_str()), (422, Some("site_id")));
    let bos = t.site_id("BOS").await;
    let elsewhere = format!("title=x&file_name=x.pdf&site_id={bos}");
    let lead_bos = t.token("lead.bos").await;
    let (status, _) =
        attach(&t, &lead_bos, "staff_credential", &therapist, &elsewhere, "application/pdf", PDF.to_vec()).await;
    let (missing, _) =
        attach(&t, &lead_bos, "staff_credential", "no-such-user", &elsewhere, "application/pdf", PDF.to_vec()).await;
    assert_eq!(status, missing, "a therapist of another site is answered like no one");
    let (status, list) = t
        .get(&t.token("admin").await, &format!("/api/v1/records/staff_credential/{therapist}/documents?site_id={syd}"))
        .await;
    assert_eq!((status, list.as_array().map(Vec::len)), (200, Some(1)), "{list}");
    let page = t
        .browser("lead.syd")
        .await
        .get(t.url(&format!("/sites/{syd}/credentials")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Training evidence") && page.contains("training.pdf"), "{page}");
}

#[tokio::test]
async fn the_page_form_attaches_a_file_as_multipart_and_withdraws_it() {
    let t = TestApp::spawn().await;
    let syd = t.site_id("SYD").await;
    let hrec = authorisation(&t, "SYD", "HREC/2025/ETH0417").await;
    let browser = t.browser("lead.syd").await;
    let boundary = "----catalyst-test-boundary";
    let mut body = Vec::new();
    let back = format!("/sites/{syd}/authorisations");
    for (name, value) in [
        ("entity_kind", "authorisation"),
        ("entity_id", hrec.as_str()),
        ("site_id", syd.as_str()),
        ("back", back.as_str()),
        ("title", "Amendment approval"),
        ("description", ""),
    ] {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").as_bytes(),
        );
    }
    body.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"amendment.pdf\"\r\nContent-Type: application/pdf\r\n\r\n").as_bytes());
    body.extend_from_slice(PDF);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let r = browser
        .post(t.url("/documents"))
        .header("origin", &t.base)
        .header("content-type", format!("multipart/form-data; boundary={boundary}"))
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "redirected back to the page");
    let page = r.text().await.unwrap();
    assert!(page.contains("Document attached.") && page.contains("amendment.pdf"), "{page}");
    let lead = t.token("lead.syd").await;
    let (_, list) = t.get(&lead, &format!("/api/v1/records/authorisation/{hrec}/documents")).await;
    let doc = list.as_array().unwrap().iter().find(|d| d["file_name"] == "amendment.pdf").unwrap();
    assert_eq!(doc["sha256"].as_str().unwrap(), sha256_hex(PDF));
    let download =
        browser.get(t.url(&format!("/documents/{}/download", doc["id"].as_str().unwrap()))).send().await.unwrap();
    assert_eq!(download.headers()["content-disposition"].to_str().unwrap().split(';').next(), Some("attachment"));
    assert_eq!(download.bytes().await.unwrap().as_ref(), PDF);
    let r = t
        .submit(
            &browser,
            &format!("/documents/{}/withdraw", doc["id"].as_str().unwrap()),
            &[("reason", "attached to the wrong approval"), ("back", &back)],
        )
        .await;
    let page = r.text().await.unwrap();
    assert!(page.contains("Document withdrawn.") && page.contains("attached to the wrong approval"), "{page}");
    // A form from another origin is refused.
    let r = browser
        .post(t.url("/documents"))
        .header("origin", "https://evil.example")
        .header("content-type", "multipart/form-data; boundary=x")
        .body("--x--\r\n")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
}

/// A fake S3-compatible server for the test: stores objects by key and refuses any request whose
/// Host, date, payload digest or signature does not check out (the signature recomputed from the
/// request as it arrived, with its own copy of the secret).
#[derive(Clone, Default)]
struct FakeS3 {
    objects: Arc<Mutex<HashMap<String, Vec<u8>>>>,
    refused: Arc<Mutex<Vec<String>>>,
}

const ACCESS_KEY: &str = "CATALYSTTESTKEY";
const SECRET: &str = "fake-s3-secret/for+tests";

async fn fake_s3(
    axum::extract::State(s3): axum::extract::State<FakeS3>,
    method: axum::http::Method,
    uri: axum::http::Uri,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> (axum::http::StatusCode, Vec<u8>) {
    use axum::http::StatusCode;
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    let refuse = |why: String| {
        s3.refused.lock().unwrap().push(why);
        (StatusCode::FORBIDDEN, b"<Error><Code>SignatureDoesNotMatch</Code></Error>".to_vec())
    };
    let (host, date, payload, authorization) =
        (header("host"), header("x-amz-date"), header("x-amz-content-sha256"), header("authorization"));
    if !host.starts_with("127.0.0.1:") {
        return refuse(format!("host {host}"));
    }
    if date.len() != 16 || !date.ends_with('Z') {
        return refuse(format!("date {date}"));
    }
    let expected_payload =
        if method == axum::http::Method::PUT { sha256_hex(&body) } else { sigv4::EMPTY_PAYLOAD_SHA256.to_owned() };
    if payload != expected_payload {
        return refuse("payload digest".into());
    }
    let scope = format!(
        "Credential={ACCESS_KEY}/{}/eu-test-1/s3/aws4_request,SignedHeaders=host;x-amz-content-sha256;x-amz-date,",
        &date[..8]
    );
    if !authorization.starts_with("AWS4-HMAC-SHA256 ") || !authorization.contains(&scope) {
        return refuse(format!("authorization {authorization}"));
    }
    let request = sigv4::Request {
        method: method.as_str(),
        host: &host,
        path: uri.path(),
        query: &[],
        headers: &[],
        payload_sha256: &payload,
        amz_date: &date,
    };
    let credentials =
        sigv4::Credentials { access_key_id: ACCESS_KEY, secret_access_key: SECRET, region: "eu-test-1", service: "s3" };
    if sigv4::authorization(&request, &credentials) != authorization {
        return refuse("signature".into());
    }
    let Some(key) = uri.path().strip_prefix("/catalyst-docs/") else {
        return (StatusCode::NOT_FOUND, b"<Error><Code>NoSuchBucket</Code></Error>".to_vec());
    };
    let mut objects = s3.objects.lock().unwrap();
    match method {
        axum::http::Method::PUT => {
            objects.insert(key.to_owned(), body.to_vec());
            (StatusCode::OK, Vec::new())
        }
        axum::http::Method::GET => match objects.get(key) {
            Some(bytes) => (StatusCode::OK, bytes.clone()),
            None => (StatusCode::NOT_FOUND, b"<Error><Code>NoSuchKey</Code></Error>".to_vec()),
        },
        _ => (StatusCode::METHOD_NOT_ALLOWED, Vec::new()),
    }
}

#[tokio::test]
async fn documents_round_trip_through_an_s3_compatible_store_with_signed_requests() {
    let t = TestApp::spawn().await;
    let s3 = FakeS3::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    let router = axum::Router::new().fallback(fake_s3).with_state(s3.clone());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    let config = |secret: &str| S3Config {
        endpoint: endpoint.clone(),
        bucket: "catalyst-docs".into(),
        region: "eu-test-1".into(),
        prefix: "documents/".into(),
        access_key_id: ACCESS_KEY.into(),
        secret_access_key: secret.into(),
    };
    let store = t.app.store.clone().with_blobs(BlobStore::s3(config(SECRET)).unwrap());
    let app = catalyst_app::App::new(store, Arc::new(catalyst_app::SystemClock));
    let (actor, _) =
        app.authenticate(&t.token("lead.syd").await, catalyst_app::platform::auth::SessionKind::Api).await.unwrap();
    let hrec = authorisation(&t, "SYD", "HREC/2025/ETH0417").await;
    let target = catalyst_app::capabilities::documents::usecases::Target {
        entity_kind: "authorisation",
        entity_id: &hrec,
        site_id: None,
    };
    let input = catalyst_app::capabilities::documents::domain::DocumentInput {
        title: "Annual progress report".into(),
        description: None,
        file_name: "progress.pdf".into(),
        media_type: "application/pdf".into(),
    };
    let document = app.attach_document(&actor, target, &input, PDF).await.unwrap();
    assert_eq!(document.storage, "s3");
    assert_eq!(s3.objects.lock().unwrap().get(&format!("documents/{}", document.sha256)).map(Vec::as_slice), Some(PDF));
    let (_, bytes) = app.document_content(&actor, &document.id).await.unwrap();
    assert_eq!(bytes, PDF);
    assert!(s3.refused.lock().unwrap().is_empty(), "{:?}", s3.refused.lock().unwrap());

    // The bucket's copy altered: refused on download and reported by audit verify.
    s3.objects.lock().unwrap().insert(format!("documents/{}", document.sha256), b"%PDF-1.4 forged".to_vec());
    let refused = app.document_content(&actor, &document.id).await.unwrap_err().to_string();
    assert!(refused.contains("no longer matches"), "{refused}");
    let report = app.store.verify_ledger(app.store.signer().trusted(), None).await.unwrap();
    assert!(
        report.state_mismatches.iter().any(|m| m.entity_id == document.id && m.problem.contains("hashes to")),
        "{:?}",
        report.state_mismatches
    );

    // A wrong secret is refused by the server, and the upload with it.
    let wrong = catalyst_app::App::new(
        t.app.store.clone().with_blobs(BlobStore::s3(config("not-the-secret")).unwrap()),
        Arc::new(catalyst_app::SystemClock),
    );
    let error = wrong.attach_document(&actor, target, &input, b"%PDF-1.4 other").await.unwrap_err().to_string();
    assert!(error.contains("403") && error.contains("SignatureDoesNotMatch"), "{error}");
    assert!(s3.refused.lock().unwrap().iter().any(|r| r == "signature"));
}
