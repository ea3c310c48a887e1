//! The people capability's API: sites, accounts and role grants, participants.

mod participants;
mod sites;
mod users;
pub(crate) mod views;

use crate::platform::web::AppState;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(crate) fn routes(router: OpenApiRouter<AppState>) -> OpenApiRouter<AppState> {
    router
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
}
