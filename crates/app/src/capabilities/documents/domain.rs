//! Documents attached to records (approval letters, certificates of analysis, ECGs, order
//! forms, training evidence): the ledgered record of each, naming its content by SHA-256, and
//! the pure rules for what may be attached (size, type, the type matching the content, a safe
//! file name, a title) and for withdrawing one attached by mistake.

use catalyst_core::error::{Violation, required_text};
use catalyst_core::record::{Column, Record, Redaction, TableSpec};
use catalyst_core::string_enum;
use catalyst_core::time::Timestamp;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The largest document accepted, in bytes (25 MB): a scanned letter or an ECG fits many times.
pub const MAX_DOCUMENT_BYTES: usize = 25_000_000;

/// The longest file name kept, in characters.
const MAX_FILE_NAME_CHARS: usize = 200;

string_enum!(
    /// The kinds of content accepted: documents and scans, never anything a browser would run.
    MediaType {
        Pdf = "application/pdf",
        Png = "image/png",
        Jpeg = "image/jpeg",
        Text = "text/plain",
        Csv = "text/csv",
    }
);

impl MediaType {
    /// Parses a declared media type, ignoring parameters (`text/plain; charset=utf-8`) and case.
    pub fn declared(field: &str, value: &str) -> Result<Self, Violation> {
        let essence = value.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
        MediaType::parse(field, &essence)
    }

    /// Whether `bytes` are content of this type: the signature a PDF, PNG or JPEG file starts
    /// with; UTF-8 text without NUL bytes for text and CSV.
    pub fn matches(self, bytes: &[u8]) -> bool {
        match self {
            MediaType::Pdf => bytes.starts_with(b"%PDF-"),
            MediaType::Png => bytes.starts_with(b"\x89PNG\r\n\x1a\n"),
            MediaType::Jpeg => bytes.starts_with(&[0xFF, 0xD8, 0xFF]),
            MediaType::Text | MediaType::Csv => std::str::from_utf8(bytes).is_ok() && !bytes.contains(&0),
        }
    }
}

string_enum!(
    DocumentStatus { Active = "active", Withdrawn = "withdrawn" }
);

pub static DOCUMENTS: TableSpec = TableSpec {
    kind: "document",
    table: "documents",
    // An ECG or a referral letter is a participant's health record; the rest follow it.
    redaction: Redaction::Clinical,
    columns: &[
        Column::text("id"),
        Column::text("site_id"),
        Column::optional_text("participant_id"),
        Column::text("entity_kind"),
        Column::text("entity_id"),
        Column::text("title"),
        Column::optional_text("description"),
        Column::text("file_name"),
        Column::text("media_type"),
        Column::integer("size_bytes"),
        Column::text("sha256"),
        Column::text("storage"),
        Column::text("status"),
        Column::integer("uploaded_at"),
        Column::text("uploaded_by"),
        Column::text("uploaded_by_name"),
        Column::optional_integer("withdrawn_at"),
        Column::optional_text("withdrawn_by"),
        Column::optional_text("withdrawal_reason"),
    ],
};

/// A document attached to a record. Its bytes live in the blob store under `sha256`; the
/// record, and so the digest, is in the ledger. Nothing is ever deleted: a document attached by
/// mistake is withdrawn, with the reason, and its bytes kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Document {
    pub id: String,
    pub site_id: String,
    /// The participant the record it is attached to belongs to, if any.
    pub participant_id: Option<String>,
    /// The record it is attached to: its kind (`authorisation`, `staff_credential`, …) and id.
    pub entity_kind: String,
    pub entity_id: String,
    pub title: String,
    pub description: Option<String>,
    pub file_name: String,
    pub media_type: MediaType,
    pub size_bytes: i64,
    /// Lowercase hex SHA-256 of the content.
    pub sha256: String,
    /// Which blob store kept it when attached: `local` or `s3`.
    pub storage: String,
    pub status: DocumentStatus,
    pub uploaded_at: Timestamp,
    pub uploaded_by: String,
    pub uploaded_by_name: String,
    pub withdrawn_at: Option<Timestamp>,
    pub withdrawn_by: Option<String>,
    pub withdrawal_reason: Option<String>,
}

impl Record for Document {
    const SPEC: &'static TableSpec = &DOCUMENTS;
    fn id(&self) -> &str {
        &self.id
    }
}

impl Document {
    /// The first twelve hex digits of the digest, for people comparing at a glance.
    pub fn short_sha256(&self) -> &str {
        self.sha256.get(..12).unwrap_or(&self.sha256)
    }
}

/// What someone attaching a document says about it.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct DocumentInput {
    pub title: String,
    #[serde(default)]
    pub description: Option<String>,
    pub file_name: String,
    /// As declared (`application/pdf`), checked against the content.
    pub media_type: String,
}

/// Where it is attached and by whom: decided by the caller.
pub struct Attaching<'a> {
    pub id: String,
    pub site_id: &'a str,
    pub participant_id: Option<&'a str>,
    pub entity_kind: &'a str,
    pub entity_id: &'a str,
    pub storage: &'a str,
    pub now: Timestamp,
    pub by_id: &'a str,
    pub by_name: &'a str,
}

/// Lowercase hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// A file name safe to store and to send back in a header: the last part of any path a browser
/// sent (`C:\fakepath\letter.pdf` becomes `letter.pdf`), without control characters or
/// characters that mean something to a file system or a header, not starting with a dot.
pub fn sanitised_file_name(name: &str) -> Result<String, Violation> {
    let base = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = base
        .chars()
        .filter(|c| !c.is_control())
        .map(|c| if matches!(c, '"' | ':' | '*' | '?' | '<' | '>' | '|' | ';') { '_' } else { c })
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('.').trim().to_owned();
    if cleaned.is_empty() {
        return Err(Violation::new("file_name", "required", "file_name must name the file (e.g. approval-letter.pdf)"));
    }
    if cleaned.chars().count() > MAX_FILE_NAME_CHARS {
        return Err(Violation::new(
            "file_name",
            "max_length",
            format!("file_name must be at most {MAX_FILE_NAME_CHARS} characters"),
        ));
    }
    Ok(cleaned)
}

/// "25 MB", "1.2 kB": sizes as people read them (decimal units).
pub fn human_size(bytes: i64) -> String {
    let b = bytes.max(0) as f64;
    if b < 1_000.0 {
        format!("{bytes} bytes")
    } else if b < 1_000_000.0 {
        format!("{:.1} kB", b / 1_000.0)
    } else {
        format!("{:.1} MB", b / 1_000_000.0)
    }
}

/// Checks a document to attach and builds its record: every problem named by its field (the
/// content is the field `file`).
pub fn document_from(input: &DocumentInput, bytes: &[u8], at: Attaching<'_>) -> Result<Document, Vec<Violation>> {
    let mut problems = Vec::new();
    let title = required_text("title", &input.title, 200).map_err(|v| problems.push(v)).ok();
    let description = match input.description.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
        Some(d) => required_text("description", d, 2000).map_err(|v| problems.push(v)).ok(),
        None => None,
    };
    let file_name = sanitised_file_name(&input.file_name).map_err(|v| problems.push(v)).ok();
    let media_type = if input.media_type.trim().is_empty() {
        problems.push(Violation::new(
            "media_type",
            "required",
            format!("media_type is required: one of {}", MediaType::NAMES.join(", ")),
        ));
        None
    } else {
        MediaType::declared("media_type", &input.media_type).map_err(|v| problems.push(v)).ok()
    };
    if bytes.is_empty() {
        problems.push(Violation::new("file", "required", "the file is empty"));
    } else if bytes.len() > MAX_DOCUMENT_BYTES {
        problems.push(Violation::new(
            "file",
            "max_size",
            format!(
                "the file must be at most {} ({MAX_DOCUMENT_BYTES} bytes); it is {} bytes",
                human_size(MAX_DOCUMENT_BYTES as i64),
                bytes.len()
            ),
        ));
    } else if let Some(media_type) = media_type
        && !media_type.matches(bytes)
    {
        let what = match media_type {
            MediaType::Text | MediaType::Csv => "UTF-8 text",
            MediaType::Pdf | MediaType::Png | MediaType::Jpeg => "a file of that type (its first bytes say otherwise)",
        };
        problems.push(Violation::new(
            "file",
            "matches_media_type",
            format!("the file is declared as {media_type} but is not {what}"),
        ));
    }
    match (title, file_name, media_type, problems.is_empty()) {
        (Some(title), Some(file_name), Some(media_type), true) => Ok(Document {
            id: at.id,
            site_id: at.site_id.to_owned(),
            participant_id: at.participant_id.map(str::to_owned),
            entity_kind: at.entity_kind.to_owned(),
            entity_id: at.entity_id.to_owned(),
            title,
            description,
            file_name,
            media_type,
            size_bytes: i64::try_from(bytes.len()).unwrap_or(i64::MAX),
            sha256: sha256_hex(bytes),
            storage: at.storage.to_owned(),
            status: DocumentStatus::Active,
            uploaded_at: at.now,
            uploaded_by: at.by_id.to_owned(),
            uploaded_by_name: at.by_name.to_owned(),
            withdrawn_at: None,
            withdrawn_by: None,
            withdrawal_reason: None,
        }),
        _ => Err(problems),
    }
}

/// The document withdrawn (attached by mistake, superseded), with the reason already checked;
/// its content is kept. A document is withdrawn once.
pub fn withdrawn(document: Document, reason: &str, now: Timestamp, by: &str) -> Result<Document, String> {
    if document.status == DocumentStatus::Withdrawn {
        return Err(format!("{} ({}) is already withdrawn", document.title, document.file_name));
    }
    Ok(Document {
        status: DocumentStatus::Withdrawn,
        withdrawn_at: Some(now),
        withdrawn_by: Some(by.to_owned()),
        withdrawal_reason: Some(reason.to_owned()),
        ..document
    })
}

/// `Content-Disposition` for a download: always an attachment (never shown inline), with an
/// ASCII fallback name and the exact name per RFC 6266 / RFC 8187.
pub fn content_disposition(file_name: &str) -> String {
    let fallback: String = file_name
        .chars()
        .map(|c| if c.is_ascii_graphic() && !matches!(c, '"' | '\\' | '%' | ';') || c == ' ' { c } else { '_' })
        .collect();
    let mut encoded = String::new();
    for byte in file_name.bytes() {
        if byte.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&byte) {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    format!("attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}")
}

#[cfg(test)]
mod tests {
    use super::*;

    const PDF: &[u8] = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n%%EOF\n";

    fn at() -> Attaching<'static> {
        Attaching {
            id: "d1".into(),
            site_id: "s1",
            participant_id: None,
            entity_kind: "authorisation",
            entity_id: "a1",
            storage: "local",
            now: Timestamp(1),
            by_id: "u1",
            by_name: "Dr Lead",
        }
    }

    fn input(media_type: &str) -> DocumentInput {
        DocumentInput {
            title: "HREC approval letter".into(),
            description: None,
            file_name: "approval.pdf".into(),
            media_type: media_type.into(),
        }
    }

    fn fields(result: Result<Document, Vec<Violation>>) -> Vec<(String, String)> {
        result.unwrap_err().into_iter().map(|v| (v.field, v.rule)).collect()
    }

    #[test]
    fn a_pdf_is_recorded_with_its_digest_and_size() {
        let d = document_from(&input("application/pdf"), PDF, at()).unwrap();
        assert_eq!(d.sha256, sha256_hex(PDF));
        assert_eq!(d.sha256.len(), 64);
        assert_eq!(d.size_bytes, PDF.len() as i64);
        assert_eq!((d.media_type, d.status), (MediaType::Pdf, DocumentStatus::Active));
        assert_eq!(d.short_sha256().len(), 12);
        // Parameters and case of a declared type are ignored.
        assert!(document_from(&input("Application/PDF; name=x"), PDF, at()).is_ok());
    }

    #[test]
    fn the_declared_type_must_be_allowed_and_match_the_content() {
        let bad = document_from(&input("text/html"), b"<script>", at()).unwrap_err();
        assert_eq!((bad[0].field.as_str(), bad[0].rule.as_str()), ("media_type", "one_of"));
        for allowed in MediaType::NAMES {
            assert!(bad[0].message.contains(allowed), "{}", bad[0].message);
        }
        assert_eq!(fields(document_from(&input("image/png"), PDF, at())), [("file".into(), "matches_media_type".into())]);
        assert_eq!(fields(document_from(&input("application/pdf"), b"\x89PNG\r\n\x1a\n", at())), [("file".into(), "matches_media_type".into())]);
        assert_eq!(fields(document_from(&input("text/plain"), b"a\0b", at())), [("file".into(), "matches_media_type".into())]);
        assert_eq!(fields(document_from(&input("text/csv"), &[0xff, 0xfe], at())), [("file".into(), "matches_media_type".into())]);
        assert!(document_from(&input("image/png"), b"\x89PNG\r\n\x1a\nrest", at()).is_ok());
        assert!(document_from(&input("image/jpeg"), &[0xFF, 0xD8, 0xFF, 0xE0, 0], at()).is_ok());
        assert!(document_from(&input("text/csv"), "code,date\nSYD-0001,2026-01-02\n".as_bytes(), at()).is_ok());
        assert_eq!(fields(document_from(&input(" "), PDF, at())), [("media_type".into(), "required".into())]);
    }

    #[test]
    fn the_size_limit_names_the_field_and_the_limit() {
        let big = vec![b'a'; MAX_DOCUMENT_BYTES + 1];
        let problems = document_from(&input("text/plain"), &big, at()).unwrap_err();
        assert_eq!((problems[0].field.as_str(), problems[0].rule.as_str()), ("file", "max_size"));
        assert!(problems[0].message.contains("25.0 MB (25000000 bytes)"), "{}", problems[0].message);
        assert!(document_from(&input("text/plain"), &big[..MAX_DOCUMENT_BYTES], at()).is_ok());
        assert_eq!(fields(document_from(&input("text/plain"), b"", at())), [("file".into(), "required".into())]);
    }

    #[test]
    fn a_title_is_required_and_every_problem_is_named_at_once() {
        let mut i = input("image/png");
        i.title = "  ".into();
        i.file_name = "../".into();
        assert_eq!(
            fields(document_from(&i, PDF, at())),
            [("title".into(), "required".into()), ("file_name".into(), "required".into()), ("file".into(), "matches_media_type".into())]
        );
    }

    #[test]
    fn file_names_lose_paths_control_characters_and_header_syntax() {
        assert_eq!(sanitised_file_name("C:\\fakepath\\letter.pdf").unwrap(), "letter.pdf");
        assert_eq!(sanitised_file_name("../../etc/passwd").unwrap(), "passwd");
        assert_eq!(sanitised_file_name("a\r\nb\u{0}.pdf").unwrap(), "ab.pdf");
        assert_eq!(sanitised_file_name("x\"; filename=evil.html").unwrap(), "x__ filename=evil.html");
        assert_eq!(sanitised_file_name(".htaccess").unwrap(), "htaccess");
        assert_eq!(sanitised_file_name("Zulassung für SYD.pdf").unwrap(), "Zulassung für SYD.pdf");
        for empty in ["", "  ", "..", "/", "dir/", "\u{7}"] {
            assert!(sanitised_file_name(empty).is_err(), "{empty:?}");
        }
        assert_eq!(sanitised_file_name(&"a".repeat(201)).unwrap_err().rule, "max_length");
    }

    #[test]
    fn downloads_are_attachments_with_a_quoted_ascii_name_and_the_exact_one_encoded() {
        assert_eq!(
            content_disposition("approval letter.pdf"),
            "attachment; filename=\"approval letter.pdf\"; filename*=UTF-8''approval%20letter.pdf"
        );
        assert_eq!(
            content_disposition("für.pdf"),
            "attachment; filename=\"f_r.pdf\"; filename*=UTF-8''f%C3%BCr.pdf"
        );
        assert!(!content_disposition("a\"b\\c").contains("a\"b"), "no quote escapes the parameter");
    }

    #[test]
    fn withdrawing_keeps_the_record_and_happens_once() {
        let d = document_from(&input("application/pdf"), PDF, at()).unwrap();
        let w = withdrawn(d.clone(), "wrong letter attached", Timestamp(9), "u2").unwrap();
        assert_eq!(w.status, DocumentStatus::Withdrawn);
        assert_eq!((w.sha256.as_str(), w.withdrawal_reason.as_deref()), (d.sha256.as_str(), Some("wrong letter attached")));
        assert!(withdrawn(w, "again", Timestamp(10), "u2").unwrap_err().contains("already withdrawn"));
    }

    #[test]
    fn sizes_read_as_people_say_them() {
        assert_eq!(human_size(900), "900 bytes");
        assert_eq!(human_size(1_234), "1.2 kB");
        assert_eq!(human_size(MAX_DOCUMENT_BYTES as i64), "25.0 MB");
    }
}
