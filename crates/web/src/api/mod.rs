//! The JSON API under /api/v1. Routes are registered through `utoipa_axum::routes!`, so the
//! OpenAPI document is generated from the same handlers that serve requests and cannot drift.

mod audit;
mod auth;
mod eligibility;
mod health;
mod outcomes;
mod participants;
mod signatures;
mod sites;
mod treatment;
mod users;

use crate::state::AppState;
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
    components(schemas(crate::error::Problem))
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
                utoipa::openapi::security::ApiKeyValue::new(crate::extract::SESSION_COOKIE),
            )),
        );
    }
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(health::healthz))
        .routes(routes!(health::readyz))
        .routes(routes!(openapi_json))
        .routes(routes!(auth::login))
        .routes(routes!(auth::logout))
        .routes(routes!(auth::me))
        .routes(routes!(auth::change_password))
        .routes(routes!(sites::list_sites, sites::create_site))
        .routes(routes!(sites::get_site, sites::update_site))
        .routes(routes!(users::list_users, users::create_user))
        .routes(routes!(users::get_user))
        .routes(routes!(users::grant_role))
        .routes(routes!(users::revoke_role))
        .routes(routes!(users::set_status))
        .routes(routes!(users::revoke_sessions))
        .routes(routes!(participants::list_participants, participants::create_participant))
        .routes(routes!(participants::get_participant))
        .routes(routes!(participants::set_stage))
        .routes(routes!(signatures::sign, signatures::list_signatures))
        .routes(routes!(outcomes::instruments))
        .routes(routes!(outcomes::record))
        .routes(routes!(outcomes::void))
        .routes(routes!(outcomes::outcomes))
        .routes(routes!(outcomes::chart))
        .routes(routes!(outcomes::alerts))
        .routes(routes!(outcomes::acknowledge))
        .routes(routes!(outcomes::get_definitions, outcomes::put_definitions))
        .routes(routes!(eligibility::evaluate))
        .routes(routes!(eligibility::record, eligibility::list))
        .routes(routes!(eligibility::decide))
        .routes(routes!(eligibility::publish))
        .routes(routes!(eligibility::status, eligibility::give))
        .routes(routes!(eligibility::withdraw))
        .routes(routes!(eligibility::portal_account))
        .routes(routes!(treatment::list_protocols))
        .routes(routes!(treatment::enrol, treatment::move_enrolment))
        .routes(routes!(treatment::timeline))
        .routes(routes!(treatment::book))
        .routes(routes!(treatment::attendance))
        .routes(routes!(treatment::calendar))
        .routes(routes!(treatment::rooms))
        .routes(routes!(treatment::deviations))
        .routes(routes!(treatment::record_deviation))
        .routes(routes!(treatment::resolve_deviation))
        .routes(routes!(treatment::credentials))
        .routes(routes!(treatment::set_credential))
        .routes(routes!(treatment::my_calendar))
        .routes(routes!(audit::ledger))
        .routes(routes!(audit::verify))
        .routes(routes!(audit::receipt))
        .fallback(not_found)
}

static OPENAPI_JSON: LazyLock<String> =
    LazyLock::new(|| router().split_for_parts().1.to_json().unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}")));

/// The OpenAPI 3.1 document for this API.
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "meta", responses((status = 200, description = "OpenAPI document")))]
async fn openapi_json() -> impl IntoResponse {
    ([(axum::http::header::CONTENT_TYPE, "application/json")], OPENAPI_JSON.as_str())
}

async fn not_found(uri: axum::http::Uri) -> impl IntoResponse {
    if uri.path().starts_with("/api/") {
        crate::error::ApiError::request(
            StatusCode::NOT_FOUND,
            "not-found",
            "No such endpoint",
            format!("no endpoint at {}", uri.path()),
        )
        .into_response()
    } else {
        crate::pages::not_found_page().into_response()
    }
}

/// Success with no body.
pub(crate) fn no_content() -> impl IntoResponse {
    StatusCode::NO_CONTENT
}
