//! The coding API: the dictionaries loaded, loading one (the administrator; a CSV of `code`,
//! `term`, `body_system_code`, `body_system`), the coder's worklist, and coding one event.

use crate::capabilities::coding::domain::DictionaryRecord;
use crate::capabilities::coding::usecases::ToCode;
use crate::platform::web::error::{ApiResult, Problem};
use crate::platform::web::extract::{ApiJson, Auth};
use crate::platform::web::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use catalyst_safety::{Coding, DictionaryEntry};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(crate) fn routes(router: OpenApiRouter<AppState>) -> OpenApiRouter<AppState> {
    router.routes(routes!(dictionaries, load)).routes(routes!(worklist)).routes(routes!(code))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DictionaryView {
    pub id: String,
    pub name: String,
    pub version: String,
    pub entries: i64,
    pub entries_sha256: String,
    #[schema(value_type = i64)]
    pub loaded_at: catalyst_core::time::Timestamp,
}

impl From<DictionaryRecord> for DictionaryView {
    fn from(d: DictionaryRecord) -> Self {
        DictionaryView {
            id: d.id,
            name: d.name,
            version: d.version,
            entries: d.entries,
            entries_sha256: d.entries_sha256,
            loaded_at: d.loaded_at,
        }
    }
}

/// The coding dictionaries loaded, newest first.
#[utoipa::path(get, path = "/api/v1/coding/dictionaries", tag = "coding", security(("bearer" = [])),
    responses((status = 200, body = [DictionaryView])))]
pub async fn dictionaries(State(state): State<AppState>, auth: Auth) -> ApiResult<Json<Vec<DictionaryView>>> {
    Ok(Json(state.app.coding_dictionaries(&auth.actor).await?.into_iter().map(DictionaryView::from).collect()))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoadBody {
    /// e.g. `MedDRA`.
    pub name: String,
    /// e.g. `27.1`.
    pub version: String,
    /// The file: a header `code,term,body_system_code,body_system`, then one entry a line. For
    /// a file larger than the request limit, use `catalyst coding load`.
    pub csv: String,
}

/// Load a dictionary the programme holds a licence for (the administrator). 422 naming each
/// bad line and field; 409 if that name and version are loaded already.
#[utoipa::path(post, path = "/api/v1/coding/dictionaries", tag = "coding", security(("bearer" = [])),
    request_body = LoadBody, responses((status = 201, body = DictionaryView), (status = 422, body = Problem)))]
pub async fn load(State(state): State<AppState>, auth: Auth, ApiJson(b): ApiJson<LoadBody>) -> ApiResult<(StatusCode, Json<DictionaryView>)> {
    let record = state.app.load_coding_dictionary(&auth.actor, &b.name, &b.version, &b.csv).await?;
    Ok((StatusCode::CREATED, Json(record.into())))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ToCodeView {
    pub event_id: String,
    pub site_id: String,
    pub site_code: String,
    /// The revision to code (send it back with the coding).
    pub revision: u32,
    pub term: String,
    pub verbatim: String,
    /// The coding a corrected term superseded, if any.
    #[schema(value_type = Option<Object>)]
    pub stale: Option<Coding>,
    #[schema(value_type = [Object])]
    pub suggested: Vec<DictionaryEntry>,
}

impl From<ToCode> for ToCodeView {
    fn from(t: ToCode) -> Self {
        ToCodeView {
            event_id: t.event.event.id.clone(),
            site_id: t.site.id,
            site_code: t.site.code,
            revision: t.event.event.revision,
            term: t.event.event.term_label.clone(),
            verbatim: t.event.event.details.verbatim.clone(),
            stale: t.stale.map(|c| c.coding),
            suggested: t.suggested,
        }
    }
}

/// The coder's worklist: events never coded, or whose term was corrected since, at the sites
/// the coder codes for. 409 naming the records if any cannot be read.
#[utoipa::path(get, path = "/api/v1/coding/worklist", tag = "coding", security(("bearer" = [])),
    responses((status = 200, body = [ToCodeView])))]
pub async fn worklist(State(state): State<AppState>, auth: Auth) -> ApiResult<Json<Vec<ToCodeView>>> {
    let list = state.app.coding_worklist(&auth.actor, true).await?;
    crate::platform::shown::complete(&list.integrity)?;
    Ok(Json(list.items.into_iter().map(ToCodeView::from).collect()))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CodeBody {
    pub dictionary_id: String,
    pub code: String,
    /// The event revision coded (from the worklist): 409 if the event was corrected since.
    pub revision: u32,
}

/// Code an event's current term (the coder). 409 if it is coded already (it is coded again when
/// its term is corrected).
#[utoipa::path(post, path = "/api/v1/adverse-events/{event_id}/coding", tag = "coding", security(("bearer" = [])),
    params(("event_id" = String, Path)), request_body = CodeBody,
    responses((status = 201, body = Object), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn code(
    State(state): State<AppState>,
    auth: Auth,
    Path(event_id): Path<String>,
    ApiJson(b): ApiJson<CodeBody>,
) -> ApiResult<(StatusCode, Json<Coding>)> {
    let coding = state.app.code_adverse_event(&auth.actor, &event_id, &b.dictionary_id, &b.code, b.revision).await?;
    Ok((StatusCode::CREATED, Json(coding.coding)))
}
