//! Pharmacy pages (filled in below).

use crate::platform::web::state::AppState;
use axum::Router;

pub(crate) fn routes(router: Router<AppState>) -> Router<AppState> {
    router
}
