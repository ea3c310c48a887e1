//! The people capability's pages: sites, accounts and role grants, participants.

pub(crate) mod participants;
pub(crate) mod sites;
mod users;

use crate::capabilities::people::domain::Stage;
use crate::platform::web::AppState;
use axum::Router;
use axum::routing::{get, post};

pub(crate) fn routes(router: Router<AppState>) -> Router<AppState> {
    router
        .route("/sites", get(sites::list).post(sites::create))
        .route("/sites/{site_id}", get(sites::show).post(sites::update))
        .route("/sites/{site_id}/participants", get(participants::list).post(participants::create))
        .route("/participants/{participant_id}", get(participants::show))
        .route("/participants/{participant_id}/stage", post(participants::set_stage))
        .route("/participants/{participant_id}/sign", post(participants::sign))
        .route("/users", get(users::list).post(users::create))
        .route("/users/{user_id}", get(users::show))
        .route("/users/{user_id}/roles", post(users::grant))
        .route("/users/{user_id}/status", post(users::set_status))
        .route("/users/{user_id}/sessions", post(users::revoke_sessions))
        .route("/roles/{grant_id}/revoke", post(users::revoke_grant))
}

pub fn stage_label(stage: Stage) -> &'static str {
    match stage {
        Stage::Referred => "Referred",
        Stage::Screening => "Screening",
        Stage::Enrolled => "Enrolled",
        Stage::Preparation => "Preparation",
        Stage::Dosing => "Dosing",
        Stage::Integration => "Integration",
        Stage::FollowUp => "Follow-up",
        Stage::Completed => "Completed",
        Stage::Withdrawn => "Withdrawn",
    }
}
