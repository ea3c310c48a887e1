//! The pharmacy API: the catalogue (products, lots, stores with key holders, kits), movements
//! of the register (one tagged body per kind), balances, a site's register and doses (blinded
//! for blinded roles), the stores' resupply thresholds, and the inspector's reports as JSON or
//! CSV.

use crate::capabilities::pharmacy::domain::{
    Kit, KitInput, LocationInput, Lot, LotInput, MovementRequest, Product, ProductInput, WitnessInput,
};
use crate::capabilities::pharmacy::usecases::MovementInput;
use crate::capabilities::pharmacy::usecases::reports::{ReportKind, ReportParams};
use crate::capabilities::pharmacy::usecases::thresholds::ThresholdView;
use crate::capabilities::pharmacy::usecases::views::{CatalogueView, DoseView, LocationView, RegisterView, StockLine};
use crate::platform::web::error::ApiResult;
use crate::platform::web::extract::{ApiJson, ApiQuery, Auth};
use crate::platform::web::state::AppState;
use crate::App;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use catalyst_core::DomainError;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(crate) fn routes(router: OpenApiRouter<AppState>) -> OpenApiRouter<AppState> {
    router
        .routes(routes!(create_product))
        .routes(routes!(create_lot))
        .routes(routes!(locations, create_location))
        .routes(routes!(hand_over_keys))
        .routes(routes!(create_kit))
        .routes(routes!(catalogue))
        .routes(routes!(balances))
        .routes(routes!(record_movement))
        .routes(routes!(register))
        .routes(routes!(doses))
        .routes(routes!(report))
        .routes(routes!(set_resupply_threshold))
        .routes(routes!(resupply_thresholds))
}

/// A product as stored.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProductView {
    pub id: String,
    pub site_id: String,
    pub name: String,
    pub substance: String,
    pub form: String,
    pub strength_mg: f64,
    pub placebo: bool,
    pub matches_product_id: Option<String>,
}

impl From<Product> for ProductView {
    fn from(p: Product) -> Self {
        ProductView {
            strength_mg: p.strength_mg(),
            id: p.id,
            site_id: p.site_id,
            name: p.name,
            substance: p.substance,
            form: p.form,
            placebo: p.placebo,
            matches_product_id: p.matches_product_id,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProductBody {
    /// As labelled, e.g. `MDMA hydrochloride 20 mg capsule`.
    pub name: String,
    /// The controlled substance, e.g. `MDMA hydrochloride` (the dispensing record is per substance).
    pub substance: String,
    /// e.g. `capsule`.
    pub form: String,
    /// Milligrams in one unit (0 for a placebo), to the microgram.
    pub strength_mg: f64,
    #[serde(default)]
    pub placebo: bool,
    /// For a placebo: the active product it looks like.
    #[serde(default)]
    pub matches_product_id: Option<String>,
}

/// Register a product (the site's pharmacist).
#[utoipa::path(post, path = "/api/v1/sites/{site_id}/pharmacy/products", tag = "pharmacy", security(("bearer" = [])),
    params(("site_id" = String, Path)), request_body = ProductBody,
    responses((status = 201, body = ProductView), (status = 422, body = crate::platform::web::error::Problem)))]
pub async fn create_product(
    State(state): State<AppState>,
    auth: Auth,
    Path(site_id): Path<String>,
    ApiJson(b): ApiJson<ProductBody>,
) -> ApiResult<(StatusCode, Json<ProductView>)> {
    let input = ProductInput {
        name: b.name,
        substance: b.substance,
        form: b.form,
        strength_mg: b.strength_mg,
        placebo: b.placebo,
        matches_product_id: b.matches_product_id,
    };
    let p = state.app.create_pharmacy_product(&auth.actor, &site_id, &input).await?;
    Ok((StatusCode::CREATED, Json(p.into())))
}

/// Register a lot of a product, with its supplier (the site's pharmacist). Its certificate of
/// analysis is attached as a document (`POST /api/v1/records/pharmacy_lot/{id}/documents`).
#[utoipa::path(post, path = "/api/v1/sites/{site_id}/pharmacy/lots", tag = "pharmacy", security(("bearer" = [])),
    params(("site_id" = String, Path)), request_body = LotInput,
    responses((status = 201, body = Object), (status = 422, body = crate::platform::web::error::Problem)))]
pub async fn create_lot(
    State(state): State<AppState>,
    auth: Auth,
    Path(site_id): Path<String>,
    ApiJson(input): ApiJson<LotInput>,
) -> ApiResult<(StatusCode, Json<Lot>)> {
    Ok((StatusCode::CREATED, Json(state.app.create_pharmacy_lot(&auth.actor, &site_id, &input).await?)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LocationBody {
    pub name: String,
    /// `central_pharmacy` or `site_store`.
    pub kind: String,
    /// Usernames of the site's pharmacists who hold its keys.
    pub key_holders: Vec<String>,
}

/// The site's stores with their key holders.
#[utoipa::path(get, path = "/api/v1/sites/{site_id}/pharmacy/locations", tag = "pharmacy", security(("bearer" = [])),
    params(("site_id" = String, Path)), responses((status = 200, body = [LocationView])))]
pub async fn locations(
    State(state): State<AppState>,
    auth: Auth,
    Path(site_id): Path<String>,
) -> ApiResult<Json<Vec<LocationView>>> {
    Ok(Json(state.app.pharmacy_locations(&auth.actor, &site_id).await?))
}

/// Create a locked store at the site, with the pharmacists who hold its keys.
#[utoipa::path(post, path = "/api/v1/sites/{site_id}/pharmacy/locations", tag = "pharmacy", security(("bearer" = [])),
    params(("site_id" = String, Path)), request_body = LocationBody,
    responses((status = 201, body = LocationView), (status = 422, body = crate::platform::web::error::Problem)))]
pub async fn create_location(
    State(state): State<AppState>,
    auth: Auth,
    Path(site_id): Path<String>,
    ApiJson(b): ApiJson<LocationBody>,
) -> ApiResult<(StatusCode, Json<LocationView>)> {
    let input = LocationInput { site_id, name: b.name, kind: b.kind, key_holders: b.key_holders };
    let location = state.app.create_pharmacy_location(&auth.actor, &input).await?;
    Ok((StatusCode::CREATED, Json(state.app.pharmacy_location_view(&location).await?)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct KeyHoldersBody {
    /// Usernames of the site's pharmacists who hold the store's keys from now on.
    pub key_holders: Vec<String>,
    pub reason: String,
}

/// Hand a store's keys to the site's pharmacists named (a key holder does; any pharmacist of
/// the site when none of the holders is one any longer). In the ledger with the old and new
/// holders and the reason.
#[utoipa::path(put, path = "/api/v1/pharmacy/locations/{location_id}/key-holders", tag = "pharmacy", security(("bearer" = [])),
    params(("location_id" = String, Path)), request_body = KeyHoldersBody,
    responses((status = 200, body = LocationView), (status = 422, body = crate::platform::web::error::Problem)))]
pub async fn hand_over_keys(
    State(state): State<AppState>,
    auth: Auth,
    Path(location_id): Path<String>,
    ApiJson(b): ApiJson<KeyHoldersBody>,
) -> ApiResult<Json<LocationView>> {
    let location = state.app.hand_over_pharmacy_keys(&auth.actor, &location_id, &b.key_holders, &b.reason).await?;
    Ok(Json(state.app.pharmacy_location_view(&location).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct KitBody {
    /// From the randomisation service's kit list; opaque (it may not name its lot or content).
    pub kit_number: String,
    pub lot_id: String,
    pub units: i64,
}

/// A kit as its registrar sees it.
#[derive(Debug, Serialize, ToSchema)]
pub struct KitView {
    pub kit_number: String,
    pub site_id: String,
    pub lot_id: String,
    pub units: i64,
}

/// Register a blinded trial's kit of a lot (the site's pharmacist).
#[utoipa::path(post, path = "/api/v1/sites/{site_id}/pharmacy/kits", tag = "pharmacy", security(("bearer" = [])),
    params(("site_id" = String, Path)), request_body = KitBody,
    responses((status = 201, body = KitView), (status = 422, body = crate::platform::web::error::Problem)))]
pub async fn create_kit(
    State(state): State<AppState>,
    auth: Auth,
    Path(site_id): Path<String>,
    ApiJson(b): ApiJson<KitBody>,
) -> ApiResult<(StatusCode, Json<KitView>)> {
    let input = KitInput { kit_number: b.kit_number, lot_id: b.lot_id, units: b.units };
    let k: Kit = state.app.create_pharmacy_kit(&auth.actor, &site_id, &input).await?;
    Ok((StatusCode::CREATED, Json(KitView { kit_number: k.id, site_id: k.site_id, lot_id: k.lot_id, units: k.units })))
}

/// The catalogue: products, lots and kits with their lots (the unblinded pharmacist only).
#[utoipa::path(get, path = "/api/v1/sites/{site_id}/pharmacy/catalogue", tag = "pharmacy", security(("bearer" = [])),
    params(("site_id" = String, Path)), responses((status = 200, body = CatalogueView)))]
pub async fn catalogue(
    State(state): State<AppState>,
    auth: Auth,
    Path(site_id): Path<String>,
) -> ApiResult<Json<CatalogueView>> {
    Ok(Json(state.app.pharmacy_catalogue(&auth.actor, &site_id).await?))
}

/// A store's balances: by lot (and kit) with product, strength, mg, expiry and quarantine for
/// the pharmacist; kit numbers and units for blinded roles.
#[utoipa::path(get, path = "/api/v1/pharmacy/locations/{location_id}/balances", tag = "pharmacy", security(("bearer" = [])),
    params(("location_id" = String, Path)), responses((status = 200, body = [StockLine])))]
pub async fn balances(
    State(state): State<AppState>,
    auth: Auth,
    Path(location_id): Path<String>,
) -> ApiResult<Json<Vec<StockLine>>> {
    Ok(Json(state.app.pharmacy_balances(&auth.actor, &location_id).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MovementBody {
    /// Why (recorded with the movement).
    pub reason: String,
    /// For waste and destruction: each witness's username and own password (never the actor).
    #[serde(default)]
    pub witnesses: Vec<WitnessInput>,
    /// For resolving a discrepancy: your password (the resolution is signed).
    #[serde(default)]
    pub password: Option<String>,
    pub movement: MovementRequest,
}

/// A movement as recorded: for the pharmacist the movement and its postings, for blinded roles
/// its blinded view.
#[derive(Debug, Serialize, ToSchema)]
pub struct RecordedView {
    pub blinded: bool,
    #[schema(value_type = Object)]
    pub entry: serde_json::Value,
}

/// Record a movement of the register. Every rule is checked inside the transaction that writes
/// it (stock never below 0, keys, witnesses, expiry, quarantine, the dose the prescription
/// allows, and for a dispense the session, eligibility, consent, prescription and
/// authorisations in force that day); a refusal (422) names each field and rule, and changes
/// nothing.
#[utoipa::path(post, path = "/api/v1/pharmacy/movements", tag = "pharmacy", security(("bearer" = [])),
    request_body = MovementBody,
    responses((status = 201, body = RecordedView), (status = 422, body = crate::platform::web::error::Problem)))]
pub async fn record_movement(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(b): ApiJson<MovementBody>,
) -> ApiResult<(StatusCode, Json<RecordedView>)> {
    let input = MovementInput { reason: b.reason, witnesses: b.witnesses, password: b.password, movement: b.movement };
    let recorded = state.app.record_movement(&auth.actor, &input).await?;
    let entry = App::movement_view(&recorded)?;
    Ok((StatusCode::CREATED, Json(RecordedView { blinded: !recorded.unblinded, entry })))
}

/// The site's register: stores, balances, movements, doses, discrepancies and shipments, in
/// the blinded view for blinded roles.
#[utoipa::path(get, path = "/api/v1/sites/{site_id}/pharmacy/register", tag = "pharmacy", security(("bearer" = [])),
    params(("site_id" = String, Path)), responses((status = 200, body = RegisterView)))]
pub async fn register(
    State(state): State<AppState>,
    auth: Auth,
    Path(site_id): Path<String>,
) -> ApiResult<Json<RegisterView>> {
    Ok(Json(state.app.pharmacy_register(&auth.actor, &site_id).await?))
}

/// The doses the session teams hold, and those dispensed today.
#[utoipa::path(get, path = "/api/v1/sites/{site_id}/pharmacy/doses", tag = "pharmacy", security(("bearer" = [])),
    params(("site_id" = String, Path)), responses((status = 200, body = [DoseView])))]
pub async fn doses(
    State(state): State<AppState>,
    auth: Auth,
    Path(site_id): Path<String>,
) -> ApiResult<Json<Vec<DoseView>>> {
    let site = state.app.site_for_pharmacy(&auth.actor, &site_id).await?;
    Ok(Json(state.app.pharmacy_doses(&auth.actor, &site).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ReportQuery {
    /// `json` (default) or `csv`.
    #[serde(default)]
    pub format: Option<String>,
    /// Dispensing record: the substance (default: the first active product's).
    #[serde(default)]
    pub substance: Option<String>,
    /// Count sheet: the store.
    #[serde(default)]
    pub location_id: Option<String>,
    /// Chain of custody: the dose.
    #[serde(default)]
    pub dispense_id: Option<String>,
    /// Count sheet: whether the register's units are shown (default true).
    #[serde(default)]
    pub show_expected: Option<bool>,
    /// Biennial inventory: its date, YYYY-MM-DD (site-local, not after today).
    #[serde(default)]
    pub as_of: Option<String>,
    /// Biennial inventory: taken as of the `opening` or the `close` of business.
    #[serde(default)]
    pub taken_at: Option<String>,
}

/// A report of the site's stores (the unblinded pharmacist): `perpetual_inventory`,
/// `dispensing_record` (21 CFR 1304.22(c)), `chain_of_custody` (`dispense_id`), `count_sheet`
/// (`location_id`), `destruction_record` (DEA Form 41 fields), `biennial_inventory`
/// (21 CFR 1304.11; `as_of` and `taken_at`: `opening` or `close`), `temperature_excursions`;
/// JSON, or CSV with `format=csv`.
#[utoipa::path(get, path = "/api/v1/sites/{site_id}/pharmacy/reports/{kind}", tag = "pharmacy", security(("bearer" = [])),
    params(("site_id" = String, Path), ("kind" = String, Path), ReportQuery),
    responses((status = 200, description = "The report as JSON (or CSV with format=csv)", body = Object)))]
pub async fn report(
    State(state): State<AppState>,
    auth: Auth,
    Path((site_id, kind)): Path<(String, String)>,
    ApiQuery(q): ApiQuery<ReportQuery>,
) -> ApiResult<Response> {
    let kind = ReportKind::parse("kind", &kind).map_err(|v| DomainError::Invalid(vec![v]))?;
    let csv = match q.format.as_deref().map(str::trim) {
        None | Some("" | "json") => false,
        Some("csv") => true,
        Some(other) => return Err(DomainError::Invalid(vec![catalyst_core::Violation::one_of("format", other, &["json", "csv"])]).into()),
    };
    let params = ReportParams {
        substance: q.substance,
        location_id: q.location_id,
        dispense_id: q.dispense_id,
        show_expected: q.show_expected,
        as_of: q.as_of,
        taken_at: q.taken_at,
    };
    let report = state.app.pharmacy_report(&auth.actor, &site_id, kind, &params).await?;
    if csv {
        let name = format!("attachment; filename=\"{}-{}.csv\"", report.site_code, kind.as_str());
        return Ok(([(header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()), (header::CONTENT_DISPOSITION, name)], report.csv)
            .into_response());
    }
    Ok(Json(report.json).into_response())
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ThresholdBody {
    /// The fewest usable units the store should hold: a whole number, 0 or more (0: no alert).
    #[schema(value_type = i64)]
    pub min_units: serde_json::Value,
    /// Why (recorded with the change, beside the old and the new value).
    pub reason: String,
}

/// Set a store's resupply threshold for a product (the site's pharmacist): the dashboard names
/// the store when its usable units (not expired, not quarantined) fall below it.
#[utoipa::path(put, path = "/api/v1/pharmacy/locations/{location_id}/resupply-thresholds/{product_id}", tag = "pharmacy",
    security(("bearer" = [])), params(("location_id" = String, Path), ("product_id" = String, Path)), request_body = ThresholdBody,
    responses((status = 200, body = ThresholdView), (status = 422, body = crate::platform::web::error::Problem)))]
pub async fn set_resupply_threshold(
    State(state): State<AppState>,
    auth: Auth,
    Path((location_id, product_id)): Path<(String, String)>,
    ApiJson(b): ApiJson<ThresholdBody>,
) -> ApiResult<Json<ThresholdView>> {
    Ok(Json(state.app.set_resupply_threshold(&auth.actor, &location_id, &product_id, &b.min_units, &b.reason).await?))
}

/// The site's stores' resupply thresholds with their usable units today (the pharmacist).
#[utoipa::path(get, path = "/api/v1/sites/{site_id}/pharmacy/resupply-thresholds", tag = "pharmacy", security(("bearer" = [])),
    params(("site_id" = String, Path)), responses((status = 200, body = [ThresholdView])))]
pub async fn resupply_thresholds(
    State(state): State<AppState>,
    auth: Auth,
    Path(site_id): Path<String>,
) -> ApiResult<Json<Vec<ThresholdView>>> {
    Ok(Json(state.app.pharmacy_thresholds(&auth.actor, &site_id).await?))
}
