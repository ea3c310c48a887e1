use crate::platform::store::audit::VerifyReport;
use crate::platform::store::ledger::EntryCursor;
use crate::platform::web::error::{ApiError, ApiResult};
use crate::platform::web::extract::ApiQuery;
use crate::platform::web::extract::Auth;
use crate::platform::web::state::AppState;
use crate::platform::web::views::EntryView;
use axum::Json;
use axum::extract::State;
use catalyst_core::ledger::receipt::Receipt;
use catalyst_core::time::Timestamp;
use serde::Deserialize;
use utoipa::IntoParams;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct LedgerQuery {
    /// Only this site's chain.
    pub site_id: Option<String>,
    /// Page back: the `at_us`, `chain` and `seq` of the last entry already seen (all three).
    pub before_us: Option<i64>,
    pub before_chain: Option<String>,
    pub before_seq: Option<i64>,
    /// At most this many entries, newest first (1 to 500; default 100).
    #[serde(default = "default_limit")]
    pub limit: i64,
}

fn default_limit() -> i64 {
    100
}

/// The audit trail, newest first.
#[utoipa::path(get, path = "/api/v1/audit/ledger", tag = "audit", security(("bearer" = [])), params(LedgerQuery),
    responses((status = 200, body = [EntryView]), (status = 403, body = crate::platform::web::error::Problem)))]
pub async fn ledger(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<LedgerQuery>,
) -> ApiResult<Json<Vec<EntryView>>> {
    let before = match (q.before_us, q.before_chain, q.before_seq) {
        (Some(at), Some(chain), Some(seq)) => Some(EntryCursor { at: Timestamp(at), chain, seq }),
        (None, None, None) => None,
        _ => {
            return Err(ApiError::field(
                "before_us",
                "together",
                "give before_us, before_chain and before_seq together",
            ));
        }
    };
    let entries = state.app.ledger_entries(&auth.actor, q.site_id.as_deref(), before, q.limit).await?;
    Ok(Json(entries.iter().map(EntryView::from).collect()))
}

/// Recompute every chain, check the signed checkpoints and compare the rebuilt state with the
/// live tables.
#[utoipa::path(post, path = "/api/v1/audit/verify", tag = "audit", security(("bearer" = [])),
    responses((status = 200, description = "verification report", body = Object), (status = 403, body = crate::platform::web::error::Problem)))]
pub async fn verify(State(state): State<AppState>, auth: Auth) -> ApiResult<Json<VerifyReport>> {
    Ok(Json(state.app.verify_ledger(&auth.actor).await?))
}

/// An outsider's receipt: the signed head of every chain (docs/ledger.md, "Receipts"). Keep it
/// and pass it to `catalyst audit verify --anchor FILE` later to prove nothing before it changed.
#[utoipa::path(get, path = "/api/v1/audit/receipt", tag = "audit", security(("bearer" = [])),
    responses((status = 200, description = "receipt (format catalyst-ledger-receipt/1)", body = Object), (status = 403, body = crate::platform::web::error::Problem)))]
pub async fn receipt(State(state): State<AppState>, auth: Auth) -> ApiResult<Json<Receipt>> {
    Ok(Json(state.app.receipt(&auth.actor).await?))
}
