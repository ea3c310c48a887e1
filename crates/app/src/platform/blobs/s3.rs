//! Blobs in an S3-compatible bucket (AWS S3, MinIO, Ceph RGW, …), addressed path-style
//! (`ENDPOINT/BUCKET/PREFIX<sha256>`) so that servers without virtual-host buckets work, and
//! signed with Signature Version 4 ([`super::sigv4`]). Uploads sign the body's SHA-256, so the
//! server itself refuses a body damaged in transit.

use super::BlobError;
use super::sigv4::{self, Credentials, EMPTY_PAYLOAD_SHA256};
use std::time::Duration;

/// How to reach the bucket.
#[derive(Clone)]
pub struct S3Config {
    /// `https://s3.eu-west-1.amazonaws.com`, `http://127.0.0.1:9000`, …
    pub endpoint: String,
    pub bucket: String,
    pub region: String,
    /// Prepended to each blob's name (`documents/` by default).
    pub prefix: String,
    pub access_key_id: String,
    pub secret_access_key: String,
}

impl std::fmt::Debug for S3Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Config")
            .field("endpoint", &self.endpoint)
            .field("bucket", &self.bucket)
            .field("region", &self.region)
            .field("prefix", &self.prefix)
            .field("access_key_id", &self.access_key_id)
            .finish_non_exhaustive()
    }
}

#[derive(Debug)]
pub struct S3Blobs {
    config: S3Config,
    /// The endpoint without a trailing slash, and the Host header requests carry.
    base: String,
    host: String,
    client: reqwest::Client,
}

impl S3Blobs {
    pub(super) fn new(config: S3Config) -> Result<Self, BlobError> {
        let url = reqwest::Url::parse(&config.endpoint)
            .map_err(|e| BlobError(format!("S3 endpoint {:?} is not a URL: {e}", config.endpoint)))?;
        if !matches!(url.scheme(), "http" | "https") || url.path() != "/" || url.query().is_some() {
            return Err(BlobError(format!(
                "S3 endpoint must be http(s)://host[:port] without a path; got {:?}",
                config.endpoint
            )));
        }
        let host_name = url.host_str().ok_or_else(|| BlobError("S3 endpoint names no host".to_owned()))?;
        // As reqwest sends it: the port only when it is not the scheme's default.
        let host = match url.port() {
            Some(port) => format!("{host_name}:{port}"),
            None => host_name.to_owned(),
        };
        let bucket_ok = (3..=63).contains(&config.bucket.len())
            && config.bucket.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.');
        if !bucket_ok {
            return Err(BlobError(format!("S3 bucket name {:?} is not valid", config.bucket)));
        }
        for (name, value) in [
            ("region", &config.region),
            ("access key id", &config.access_key_id),
            ("secret", &config.secret_access_key),
        ] {
            if value.trim().is_empty() {
                return Err(BlobError(format!("S3 {name} is not set")));
            }
        }
        let client = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(120))
            .build()
            .map_err(|e| BlobError(format!("S3 client: {e}")))?;
        let base = config.endpoint.trim_end_matches('/').to_owned();
        Ok(Self { config, base, host, client })
    }

    pub(super) fn describe(&self) -> String {
        format!("S3 bucket {} at {} (prefix {:?})", self.config.bucket, self.base, self.config.prefix)
    }

    /// The object's path, encoded as sent and signed.
    fn path(&self, sha256: &str) -> String {
        format!(
            "/{}/{}",
            sigv4::uri_encode(&self.config.bucket, false),
            sigv4::uri_encode(&format!("{}{sha256}", self.config.prefix), true)
        )
    }

    fn signed(&self, method: reqwest::Method, sha256: &str, payload_sha256: &str) -> reqwest::RequestBuilder {
        let path = self.path(sha256);
        let micros = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX))
            .unwrap_or(0);
        let amz_date = sigv4::amz_date(micros);
        let request = sigv4::Request {
            method: method.as_str(),
            host: &self.host,
            path: &path,
            query: &[],
            headers: &[],
            payload_sha256,
            amz_date: &amz_date,
        };
        let credentials = Credentials {
            access_key_id: &self.config.access_key_id,
            secret_access_key: &self.config.secret_access_key,
            region: &self.config.region,
            service: "s3",
        };
        let authorization = sigv4::authorization(&request, &credentials);
        self.client
            .request(method, format!("{}{path}", self.base))
            .header("x-amz-date", amz_date.as_str())
            .header("x-amz-content-sha256", payload_sha256)
            .header(reqwest::header::AUTHORIZATION, authorization)
    }

    async fn failure(what: &str, response: reqwest::Response) -> BlobError {
        let status = response.status();
        let body = response.text().await.unwrap_or_default();
        let code = body.split("<Code>").nth(1).and_then(|rest| rest.split("</Code>").next()).unwrap_or("");
        BlobError(format!("S3 {what} answered {status} {code}"))
    }

    pub(super) async fn put(&self, sha256: &str, bytes: &[u8]) -> Result<(), BlobError> {
        let response = self
            .signed(reqwest::Method::PUT, sha256, sha256)
            .header(reqwest::header::CONTENT_TYPE, "application/octet-stream")
            .body(bytes.to_vec())
            .send()
            .await
            .map_err(|e| BlobError(format!("S3 PUT: {e}")))?;
        if response.status().is_success() { Ok(()) } else { Err(Self::failure("PUT", response).await) }
    }

    pub(super) async fn get(&self, sha256: &str) -> Result<Option<Vec<u8>>, BlobError> {
        let response = self
            .signed(reqwest::Method::GET, sha256, EMPTY_PAYLOAD_SHA256)
            .send()
            .await
            .map_err(|e| BlobError(format!("S3 GET: {e}")))?;
        match response.status() {
            reqwest::StatusCode::NOT_FOUND => Ok(None),
            status if status.is_success() => {
                Ok(Some(response.bytes().await.map_err(|e| BlobError(format!("S3 GET body: {e}")))?.to_vec()))
            }
            _ => Err(Self::failure("GET", response).await),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(endpoint: &str, bucket: &str) -> S3Config {
        S3Config {
            endpoint: endpoint.into(),
            bucket: bucket.into(),
            region: "us-east-1".into(),
            prefix: "documents/".into(),
            access_key_id: "AKIAIOSFODNN7EXAMPLE".into(),
            secret_access_key: "secret".into(),
        }
    }

    #[test]
    fn addresses_objects_path_style_with_the_host_as_sent() {
        let s3 = S3Blobs::new(config("http://127.0.0.1:9000/", "catalyst-docs")).unwrap();
        assert_eq!(s3.host, "127.0.0.1:9000");
        assert_eq!(s3.path("ab12"), "/catalyst-docs/documents/ab12");
        let aws = S3Blobs::new(config("https://s3.eu-west-1.amazonaws.com", "catalyst-docs")).unwrap();
        assert_eq!(aws.host, "s3.eu-west-1.amazonaws.com");
        assert!(!format!("{:?}", aws.config).contains("secret"), "the secret stays out of logs");
        for (endpoint, bucket) in
            [("ftp://x", "bucket"), ("http://x/path", "bucket"), ("http://x", "B!"), ("nonsense", "bucket")]
        {
            assert!(S3Blobs::new(config(endpoint, bucket)).is_err(), "{endpoint} {bucket}");
        }
    }
}
