use crate::error::ApiResult;
use crate::extract::ApiQuery;
use crate::extract::Auth;
use crate::state::AppState;
use crate::views::EntryView;
use axum::Json;
use axum::extract::State;
use catalyst_store::audit::VerifyReport;
use serde::Deserialize;
use utoipa::IntoParams;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct LedgerQuery {
    /// Only this site's chain.
    pub site_id: Option<String>,
    /// At most this many entries, newest first (1 to 500; default 100).
    #[serde(default = "default_limit")]
    pub limit: i64,
}

fn default_limit() -> i64 {
    100
}

/// The audit trail, newest first.
#[utoipa::path(get, path = "/api/v1/audit/ledger", tag = "audit", security(("bearer" = [])), params(LedgerQuery),
    responses((status = 200, body = [EntryView]), (status = 403, body = crate::error::Problem)))]
pub async fn ledger(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<LedgerQuery>,
) -> ApiResult<Json<Vec<EntryView>>> {
    let entries = state.app.ledger_entries(&auth.actor, q.site_id.as_deref(), q.limit).await?;
    Ok(Json(entries.iter().map(EntryView::from).collect()))
}

/// Recompute every chain, check the signed checkpoints and compare the rebuilt state with the
/// live tables.
#[utoipa::path(post, path = "/api/v1/audit/verify", tag = "audit", security(("bearer" = [])),
    responses((status = 200, description = "verification report", body = Object), (status = 403, body = crate::error::Problem)))]
pub async fn verify(State(state): State<AppState>, auth: Auth) -> ApiResult<Json<VerifyReport>> {
    Ok(Json(state.app.verify_ledger(&auth.actor).await?))
}
