//! Extractors: strict JSON bodies, and the authenticated actor behind a request.

use crate::platform::auth::SessionKind;
use crate::platform::web::error::ApiError;
use crate::platform::web::state::AppState;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{Method, StatusCode, header};
use catalyst_core::DomainError;
use catalyst_core::policy::Actor;
use serde::de::DeserializeOwned;

pub const SESSION_COOKIE: &str = "catalyst_session";

/// A JSON body, deserialised strictly: the problem names the field that is missing, unknown or
/// of the wrong type.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_json =
            req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|ct| {
                ct.split(';').next().is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"))
            });
        if !is_json {
            return Err(ApiError::request(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported-media-type",
                "Send JSON",
                "the request body must be JSON with Content-Type: application/json",
            ));
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::request(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "too-large",
                    "Request body too large",
                    format!("the request body must be at most {} bytes", crate::platform::web::BODY_LIMIT),
                )
            } else {
                ApiError::request(StatusCode::BAD_REQUEST, "unreadable-body", "Unreadable body", rejection.body_text())
            }
        })?;
        parse_json(&bytes).map(ApiJson)
    }
}

/// Parses a request body: malformed JSON is a 400; a well-formed body whose fields do not fit
/// is a 422 naming the field path of each problem.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    // Syntax first, on its own: after it, every error is about a field's value (serde_json
    // reports a number where an enum's name belongs as "expected value", a syntax error).
    serde_json::from_slice::<serde::de::IgnoredAny>(bytes).map_err(|e| malformed(&e))?;
    // Every request body is a JSON object: serde would otherwise read a struct from an array
    // of its fields in order (so `[]` would pass for a body of optional fields).
    if bytes.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return Err(ApiError::field("body", "object", "the request body must be a JSON object".to_owned()));
    }
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize::<_, T>(&mut deserializer).map_err(|error| {
        let path = error.path().to_string();
        let inner = error.into_inner();
        if inner.is_syntax() || inner.is_eof() {
            return ApiError::field(&path, "type", format!("{path} is not a value of the allowed kind"));
        }
        let message = inner.to_string();
        let (field, rule) = classify(&path, &message);
        ApiError::field(&field, rule, message)
    })
}

fn malformed(error: &serde_json::Error) -> ApiError {
    ApiError::request(
        StatusCode::BAD_REQUEST,
        "malformed-json",
        "Malformed JSON",
        format!("the body is not valid JSON: {error}"),
    )
}

fn classify(path: &str, message: &str) -> (String, &'static str) {
    let quoted = || message.split('`').nth(1).unwrap_or_default().to_owned();
    let at = |name: String| if path == "." || path.is_empty() { name } else { format!("{path}.{name}") };
    if message.starts_with("missing field") {
        (at(quoted()), "required")
    } else if message.starts_with("unknown field") {
        // The path already ends at the unknown field itself.
        let name = quoted();
        let field = if path == name || path.ends_with(&format!(".{name}")) { path.to_owned() } else { at(name) };
        (field, "unknown_field")
    } else if message.starts_with("invalid type") {
        (path.to_owned(), "type")
    } else {
        (path.to_owned(), "invalid")
    }
}

/// The authenticated actor, from a `Bearer` token or the session cookie.
pub struct Auth {
    pub actor: Actor,
    pub session_id: String,
}

pub fn cookie_token(parts: &Parts) -> Option<String> {
    parts.headers.get_all(header::COOKIE).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(';')).find_map(
        |pair| {
            let (name, value) = pair.trim().split_once('=')?;
            (name == SESSION_COOKIE && !value.is_empty()).then(|| value.to_owned())
        },
    )
}

fn bearer_token(parts: &Parts) -> Option<String> {
    let value = parts.headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim().to_owned())
}

/// The origin the server is reached at, e.g. `https://catalyst.example.org`, as configured:
/// state-changing requests by cookie must come from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicOrigin(String);

impl PublicOrigin {
    /// Parses `scheme://host[:port]` (http or https, no path), or explains what is wrong.
    pub fn parse(value: &str) -> Result<Self, DomainError> {
        let bad = |why: &str| {
            DomainError::invalid(
                "public_origin",
                "origin",
                format!("public origin must be http(s)://host[:port] with no path ({why}); got {value:?}"),
            )
        };
        let value = value.trim().trim_end_matches('/').to_ascii_lowercase();
        let (scheme, authority) = value.split_once("://").ok_or_else(|| bad("no scheme"))?;
        if !matches!(scheme, "http" | "https") {
            return Err(bad("scheme must be http or https"));
        }
        if authority.is_empty() || authority.contains(['/', '?', '#', '@', ' ']) {
            return Err(bad("a host and optional port only"));
        }
        Ok(PublicOrigin(format!("{scheme}://{authority}")))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The `scheme://authority` an Origin or Referer names, lower-cased.
fn origin_of(source: &str) -> Option<String> {
    let (scheme, rest) = source.trim().split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next()?;
    Some(format!("{}://{}", scheme.to_ascii_lowercase(), authority.to_ascii_lowercase()))
}

/// Whether a state-changing request comes from this site: its `Origin` (or `Referer`) must be
/// the configured public origin exactly. Without one configured (`router` rather than
/// `router_with_origin`), the scheme this server is served with (https when cookies are
/// Secure) and the request's Host are used: weaker, since the Host comes from the client.
pub fn same_origin(parts: &Parts, secure: bool) -> bool {
    if matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return true;
    }
    let expected = match parts.extensions.get::<PublicOrigin>() {
        Some(origin) => origin.0.clone(),
        None => {
            let Some(host) = parts.headers.get(header::HOST).and_then(|h| h.to_str().ok()) else {
                return false;
            };
            format!("{}://{}", if secure { "https" } else { "http" }, host.to_ascii_lowercase())
        }
    };
    let source =
        parts.headers.get(header::ORIGIN).or_else(|| parts.headers.get(header::REFERER)).and_then(|v| v.to_str().ok());
    source.and_then(origin_of).is_some_and(|origin| origin == expected)
}

impl FromRequestParts<AppState> for Auth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let (token, from_cookie) = match bearer_token(parts) {
            Some(token) => (token, false),
            None => (cookie_token(parts).ok_or(DomainError::Unauthenticated)?, true),
        };
        if from_cookie && !same_origin(parts, state.secure_cookies) {
            return Err(DomainError::Forbidden(
                "cross-origin request refused: the Origin header does not match this site".into(),
            )
            .into());
        }
        let kind = if from_cookie { SessionKind::Browser } else { SessionKind::Api };
        let (actor, session_id) = state.app.authenticate(&token, kind).await?;
        Ok(Auth { actor, session_id })
    }
}

/// Query parameters, rejected as a problem naming the parameter.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or_default();
        let deserializer = serde_urlencoded_deserializer(query);
        serde_path_to_error::deserialize::<_, T>(deserializer).map(ApiQuery).map_err(|error| {
            let message = error.inner().to_string();
            let (field, rule) = classify(&error.path().to_string(), &message);
            ApiError::field(&field, rule, format!("query parameter: {message}"))
        })
    }
}

fn serde_urlencoded_deserializer(query: &str) -> serde_urlencoded::Deserializer<'_> {
    serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()))
}

/// The client's network address, when the server was started with connection info
/// (`into_make_service_with_connect_info::<SocketAddr>()`), for throttling logins per address.
pub struct ClientAddress(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddress {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let peer = parts.extensions.get::<axum::extract::ConnectInfo<std::net::SocketAddr>>();
        Ok(ClientAddress(peer.map(|info| info.0.ip().to_string())))
    }
}

/// [`ClientAddress`] read from parts already taken apart by another extractor.
pub fn client_address(parts: &Parts) -> Option<String> {
    parts.extensions.get::<axum::extract::ConnectInfo<std::net::SocketAddr>>().map(|info| info.0.ip().to_string())
}

#[cfg(test)]
mod tests {
    use super::parse_json;

    #[derive(Debug, serde::Deserialize)]
    #[serde(rename_all = "snake_case")]
    enum Reply {
        Yes,
    }

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Body {
        replies: std::collections::BTreeMap<String, Reply>,
    }

    fn status_of<T: serde::de::DeserializeOwned + std::fmt::Debug>(body: &str) -> u16 {
        use axum::response::IntoResponse;
        parse_json::<T>(body.as_bytes()).map_or_else(|e| e.into_response().status().as_u16(), |_| 200)
    }

    #[test]
    fn a_well_formed_body_with_a_value_of_the_wrong_kind_is_a_422_not_a_400() {
        assert_eq!(status_of::<Body>(r#"{"replies": {"q": "yes"}}"#), 200);
        assert_eq!(status_of::<Body>(r#"{"replies": {"q": -66001033333449}}"#), 422, "a number for an enum");
        assert_eq!(status_of::<Body>(r#"{"replies": {"q": "maybe"}}"#), 422);
        assert_eq!(status_of::<Body>(r#"{"replies": {"q": "yes"}"#), 400, "malformed");
        assert_eq!(status_of::<Body>("[]"), 422, "not an object");
    }
}
