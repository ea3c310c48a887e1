//! AWS Signature Version 4 for S3 requests (header-based; the payload's SHA-256 signed), by
//! hand: a canonical request, a string to sign, and a key derived from the secret by HMAC-SHA256
//! over date, region, service and `aws4_request`. Pure: the time is given.

use catalyst_core::seal::hmac_sha256;
use sha2::{Digest, Sha256};

/// The SHA-256 of an empty payload, as S3 expects it for a GET.
pub const EMPTY_PAYLOAD_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/// One request to sign.
#[derive(Debug, Clone)]
pub struct Request<'a> {
    pub method: &'a str,
    /// The Host header exactly as sent (`host` or `host:port` for a non-default port).
    pub host: &'a str,
    /// The absolute path, already URI-encoded as sent (see [`uri_encode`]).
    pub path: &'a str,
    /// Query parameters, not encoded.
    pub query: &'a [(&'a str, &'a str)],
    /// Headers to sign besides host, x-amz-content-sha256 and x-amz-date (name, value).
    pub headers: &'a [(&'a str, &'a str)],
    /// Lowercase hex SHA-256 of the body.
    pub payload_sha256: &'a str,
    /// `YYYYMMDDTHHMMSSZ`, as sent in x-amz-date.
    pub amz_date: &'a str,
}

/// Who signs, and for what.
#[derive(Debug, Clone)]
pub struct Credentials<'a> {
    pub access_key_id: &'a str,
    pub secret_access_key: &'a str,
    pub region: &'a str,
    pub service: &'a str,
}

/// URI-encodes as SigV4 requires: every byte but `A-Za-z0-9-._~` as `%XX` (uppercase), and
/// `/` too unless `keep_slash` (object keys keep theirs in the path).
pub fn uri_encode(value: &str, keep_slash: bool) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => out.push(char::from(byte)),
            b'/' if keep_slash => out.push('/'),
            other => out.push_str(&format!("%{other:02X}")),
        }
    }
    out
}

fn hmac(key: &[u8], message: &str) -> Vec<u8> {
    // The kernel's HMAC answers in hex; it is always valid hex.
    hex::decode(hmac_sha256(key, message.as_bytes())).unwrap_or_default()
}

/// The signed headers, lowercase, trimmed and sorted by name.
fn signed_headers<'a>(request: &'a Request<'a>) -> Vec<(String, String)> {
    let mut headers: Vec<(String, String)> = vec![
        ("host".to_owned(), request.host.to_owned()),
        ("x-amz-content-sha256".to_owned(), request.payload_sha256.to_owned()),
        ("x-amz-date".to_owned(), request.amz_date.to_owned()),
    ];
    for (name, value) in request.headers {
        let value = value.split_whitespace().collect::<Vec<_>>().join(" ");
        headers.push((name.to_ascii_lowercase(), value));
    }
    headers.sort();
    headers
}

/// The canonical request (method, path, query, headers, signed header names, payload hash).
pub fn canonical_request(request: &Request<'_>) -> String {
    let mut query: Vec<(String, String)> =
        request.query.iter().map(|(k, v)| (uri_encode(k, false), uri_encode(v, false))).collect();
    query.sort();
    let query = query.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("&");
    let headers = signed_headers(request);
    let canonical_headers: String = headers.iter().map(|(k, v)| format!("{k}:{v}\n")).collect();
    let names = headers.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>().join(";");
    format!("{}\n{}\n{query}\n{canonical_headers}\n{names}\n{}", request.method, request.path, request.payload_sha256)
}

/// The value of the Authorization header for `request`.
pub fn authorization(request: &Request<'_>, credentials: &Credentials<'_>) -> String {
    let date = request.amz_date.get(..8).unwrap_or_default();
    let scope = format!("{date}/{}/{}/aws4_request", credentials.region, credentials.service);
    let canonical = canonical_request(request);
    let string_to_sign = format!(
        "AWS4-HMAC-SHA256\n{}\n{scope}\n{}",
        request.amz_date,
        hex::encode(Sha256::digest(canonical.as_bytes()))
    );
    let key = hmac(format!("AWS4{}", credentials.secret_access_key).as_bytes(), date);
    let key = hmac(&key, credentials.region);
    let key = hmac(&key, credentials.service);
    let key = hmac(&key, "aws4_request");
    let signature = hex::encode(hmac(&key, &string_to_sign));
    let names = signed_headers(request).into_iter().map(|(k, _)| k).collect::<Vec<_>>().join(";");
    format!(
        "AWS4-HMAC-SHA256 Credential={}/{scope},SignedHeaders={names},Signature={signature}",
        credentials.access_key_id
    )
}

/// `YYYYMMDDTHHMMSSZ` for an instant in UTC microseconds.
pub fn amz_date(micros: i64) -> String {
    jiff::Timestamp::from_microsecond(micros)
        .map(|t| t.strftime("%Y%m%dT%H%M%SZ").to_string())
        .unwrap_or_else(|_| "19700101T000000Z".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// AWS's published example of a signed S3 GET (header-based authentication, "GET Object"):
    /// the first ten bytes of test.txt in examplebucket, signed on 24 May 2013.
    #[test]
    fn signs_the_published_s3_get_object_example() {
        let request = Request {
            method: "GET",
            host: "examplebucket.s3.amazonaws.com",
            path: "/test.txt",
            query: &[],
            headers: &[("Range", "bytes=0-9")],
            payload_sha256: EMPTY_PAYLOAD_SHA256,
            amz_date: "20130524T000000Z",
        };
        let credentials = Credentials {
            access_key_id: "AKIAIOSFODNN7EXAMPLE",
            secret_access_key: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            region: "us-east-1",
            service: "s3",
        };
        assert_eq!(
            canonical_request(&request),
            "GET\n/test.txt\n\nhost:examplebucket.s3.amazonaws.com\nrange:bytes=0-9\n\
             x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n\
             x-amz-date:20130524T000000Z\n\nhost;range;x-amz-content-sha256;x-amz-date\n\
             e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            authorization(&request, &credentials),
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,\
             SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,\
             Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"
        );
    }

    #[test]
    fn encodes_paths_and_queries_as_sigv4_requires() {
        assert_eq!(uri_encode("documents/ab cd+é~", true), "documents/ab%20cd%2B%C3%A9~");
        assert_eq!(uri_encode("a/b", false), "a%2Fb");
        let request = Request {
            method: "GET",
            host: "h",
            path: "/",
            query: &[("prefix", "a b"), ("list-type", "2")],
            headers: &[],
            payload_sha256: EMPTY_PAYLOAD_SHA256,
            amz_date: "20130524T000000Z",
        };
        assert!(canonical_request(&request).starts_with("GET\n/\nlist-type=2&prefix=a%20b\n"));
        assert_eq!(amz_date(1_369_353_600_000_000), "20130524T000000Z");
    }
}
