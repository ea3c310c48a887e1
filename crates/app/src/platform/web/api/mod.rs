//! The JSON API under /api/v1. Routes are registered through `utoipa_axum::routes!`, so the
//! OpenAPI document is generated from the same handlers that serve requests and cannot drift.

mod audit;
mod auth;
mod health;
mod signatures;

use crate::platform::web::state::AppState;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use std::sync::LazyLock;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

#[derive(OpenApi)]
#[openapi(
    info(title = "Catalyst API", description = "MDMA-assisted therapy programmes and trials: sites, people, participants, e-signatures and the verifiable ledger. Errors are RFC 9457 problem details."),
    modifiers(&BearerAuth),
    components(schemas(crate::platform::web::error::Problem))
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        components.add_security_scheme(
            "cookie",
            SecurityScheme::ApiKey(utoipa::openapi::security::ApiKey::Cookie(
                utoipa::openapi::security::ApiKeyValue::new(crate::platform::web::extract::SESSION_COOKIE),
            )),
        );
    }
}

pub fn router() -> OpenApiRouter<AppState> {
    let platform = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(health::healthz))
        .routes(routes!(health::readyz))
        .routes(routes!(openapi_json))
        .routes(routes!(auth::login))
        .routes(routes!(auth::logout))
        .routes(routes!(auth::me))
        .routes(routes!(auth::change_password))
        .routes(routes!(signatures::sign, signatures::list_signatures))
        .routes(routes!(audit::ledger))
        .routes(routes!(audit::verify))
        .routes(routes!(audit::receipt))
        .fallback(not_found);
    crate::platform::capability::CAPABILITIES.iter().fold(platform, |router, capability| (capability.api)(router))
}

/// The OpenAPI document as served: generated from the handlers, then completed with the error
/// answers every operation can give (see [`complete_responses`]).
pub fn document() -> serde_json::Value {
    match serde_json::to_value(router().split_for_parts().1) {
        Ok(mut doc) => {
            complete_responses(&mut doc);
            doc
        }
        Err(e) => serde_json::json!({"error": e.to_string()}),
    }
}

/// The problem answers the server can give for an operation, beyond what its handler declares:
/// every answer is RFC 9457 `application/problem+json`; 401 and 403 wherever a session is
/// needed; 409 for writes; 413 and 415 where a body is read; 400, 404, 422, 429 and 500
/// anywhere (malformed queries, unknown ids, invalid fields, throttling, faults).
fn complete_responses(doc: &mut serde_json::Value) {
    use serde_json::{Value, json};
    let problem = |description: &str| {
        json!({"description": description,
            "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}})
    };
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else { return };
    for (path, item) in paths.iter_mut() {
        if !path.starts_with("/api/v1/") || path == "/api/v1/openapi.json" {
            continue;
        }
        let Some(item) = item.as_object_mut() else { continue };
        for (method, operation) in item.iter_mut() {
            let Some(operation) = operation.as_object_mut() else { continue };
            let secured = operation.get("security").and_then(Value::as_array).is_some_and(|s| !s.is_empty());
            let has_body = operation.contains_key("requestBody");
            let writes = matches!(method.as_str(), "post" | "put" | "patch" | "delete");
            let Some(responses) = operation.get_mut("responses").and_then(Value::as_object_mut) else { continue };
            // Declared problem answers are sent as application/problem+json.
            for response in responses.values_mut() {
                if let Some(content) = response.get_mut("content").and_then(Value::as_object_mut) {
                    let is_problem = content
                        .get("application/json")
                        .is_some_and(|c| c["schema"]["$ref"].as_str() == Some("#/components/schemas/Problem"));
                    if is_problem && let Some(json) = content.remove("application/json") {
                        content.insert("application/problem+json".to_owned(), json);
                    }
                }
            }
            let mut add = |status: &str, description: &str| {
                responses.entry(status.to_owned()).or_insert_with(|| problem(description));
            };
            add("400", "The request could not be read (malformed JSON, query or path)");
            if secured {
                add("401", "Not logged in, or the session has ended");
                add(
                    "403",
                    "Not allowed for this user (also the answer for an id the user may not see, whether it exists or not)",
                );
            }
            add("404", "No such record or endpoint");
            if writes {
                add("409", "The record changed meanwhile, or the change conflicts with the record as it stands");
            }
            if has_body {
                add("413", "The body is larger than the server accepts");
                add("415", "The body is not JSON");
            }
            add("422", "Invalid fields: each is named with the rule it broke");
            add("429", "Too many attempts; retry after the time in Retry-After");
            add("500", "A fault on the server (logged with the request id)");
        }
    }
}

static OPENAPI_JSON: LazyLock<String> = LazyLock::new(|| document().to_string());

/// The OpenAPI 3.1 document for this API.
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "meta", responses((status = 200, description = "OpenAPI document")))]
async fn openapi_json() -> impl IntoResponse {
    ([(axum::http::header::CONTENT_TYPE, "application/json")], OPENAPI_JSON.as_str())
}

async fn not_found(uri: axum::http::Uri) -> impl IntoResponse {
    if uri.path().starts_with("/api/") {
        crate::platform::web::error::ApiError::request(
            StatusCode::NOT_FOUND,
            "not-found",
            "No such endpoint",
            format!("no endpoint at {}", uri.path()),
        )
        .into_response()
    } else {
        crate::platform::web::pages::not_found_page().into_response()
    }
}

/// Success with no body.
pub(crate) fn no_content() -> impl IntoResponse {
    StatusCode::NO_CONTENT
}
