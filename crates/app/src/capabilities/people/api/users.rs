use crate::platform::web::error::ApiResult;
use crate::platform::web::extract::ApiQuery;
use crate::platform::web::extract::{ApiJson, Auth};
use crate::platform::web::state::AppState;
use crate::platform::web::views::{CountView, ReasonBody};
use crate::capabilities::people::api::views::{GrantBody, RoleGrantView, UserBody, UserStatusBody, UserView};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use catalyst_core::DomainError;
use crate::capabilities::people::domain::{Role, UserInput, UserStatus};
use serde::Deserialize;
use utoipa::IntoParams;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct UserFilter {
    /// Only people who hold a role at this site.
    pub site_id: Option<String>,
}

/// Accounts, with their roles.
#[utoipa::path(get, path = "/api/v1/users", tag = "users", security(("bearer" = [])), params(UserFilter), responses((status = 200, body = [UserView])))]
pub async fn list_users(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(filter): ApiQuery<UserFilter>,
) -> ApiResult<Json<Vec<UserView>>> {
    let users = state.app.visible_users(&auth.actor, filter.site_id.as_deref()).await?;
    Ok(Json(users.iter().map(|(u, g)| UserView::new(u, g)).collect()))
}

/// Create an account (administrators).
#[utoipa::path(post, path = "/api/v1/users", tag = "users", security(("bearer" = [])), request_body = UserBody,
    responses((status = 201, body = UserView), (status = 409, body = crate::platform::web::error::Problem), (status = 422, body = crate::platform::web::error::Problem)))]
pub async fn create_user(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<UserBody>,
) -> ApiResult<(StatusCode, Json<UserView>)> {
    let input = UserInput { username: body.username, display_name: body.display_name, password: body.password };
    let user = state.app.create_user(&auth.actor, &input).await?;
    Ok((StatusCode::CREATED, Json(UserView::new(&user, &[]))))
}

#[utoipa::path(get, path = "/api/v1/users/{user_id}", tag = "users", security(("bearer" = [])), params(("user_id" = String, Path)),
    responses((status = 200, body = UserView), (status = 404, body = crate::platform::web::error::Problem)))]
pub async fn get_user(
    State(state): State<AppState>,
    auth: Auth,
    Path(user_id): Path<String>,
) -> ApiResult<Json<UserView>> {
    let (user, grants) = state.app.view_user(&auth.actor, &user_id).await?;
    Ok(Json(UserView::new(&user, &grants)))
}

/// Grant a role at a site, or at all sites.
#[utoipa::path(post, path = "/api/v1/users/{user_id}/roles", tag = "users", security(("bearer" = [])), params(("user_id" = String, Path)),
    request_body = GrantBody, responses((status = 201, body = RoleGrantView), (status = 422, body = crate::platform::web::error::Problem)))]
pub async fn grant_role(
    State(state): State<AppState>,
    auth: Auth,
    Path(user_id): Path<String>,
    ApiJson(body): ApiJson<GrantBody>,
) -> ApiResult<(StatusCode, Json<RoleGrantView>)> {
    let role = Role::parse("role", &body.role).map_err(|v| DomainError::Invalid(vec![v]))?;
    let grant = state.app.grant_role(&auth.actor, &user_id, role, body.site_id.as_deref()).await?;
    Ok((StatusCode::CREATED, Json(RoleGrantView::from(&grant))))
}

/// Revoke a role grant, with the reason.
#[utoipa::path(post, path = "/api/v1/roles/{grant_id}/revoke", tag = "users", security(("bearer" = [])), params(("grant_id" = String, Path)),
    request_body = ReasonBody, responses((status = 204, description = "revoked"), (status = 404, body = crate::platform::web::error::Problem)))]
pub async fn revoke_role(
    State(state): State<AppState>,
    auth: Auth,
    Path(grant_id): Path<String>,
    ApiJson(body): ApiJson<ReasonBody>,
) -> ApiResult<impl IntoResponse> {
    state.app.revoke_role(&auth.actor, &grant_id, &body.reason).await?;
    Ok(crate::platform::web::api::no_content())
}

/// Disable or re-enable an account; disabling ends its sessions.
#[utoipa::path(post, path = "/api/v1/users/{user_id}/status", tag = "users", security(("bearer" = [])), params(("user_id" = String, Path)),
    request_body = UserStatusBody, responses((status = 200, body = UserView), (status = 422, body = crate::platform::web::error::Problem)))]
pub async fn set_status(
    State(state): State<AppState>,
    auth: Auth,
    Path(user_id): Path<String>,
    ApiJson(body): ApiJson<UserStatusBody>,
) -> ApiResult<Json<UserView>> {
    let status = UserStatus::parse("status", &body.status).map_err(|v| DomainError::Invalid(vec![v]))?;
    let user = state.app.set_user_status(&auth.actor, &user_id, status, &body.reason).await?;
    let grants = state.app.grants_of(&user.id).await?;
    Ok(Json(UserView::new(&user, &grants)))
}

/// End every session of a user (administrators, or the user themself).
#[utoipa::path(post, path = "/api/v1/users/{user_id}/sessions/revoke", tag = "users", security(("bearer" = [])), params(("user_id" = String, Path)),
    request_body = ReasonBody, responses((status = 200, body = CountView)))]
pub async fn revoke_sessions(
    State(state): State<AppState>,
    auth: Auth,
    Path(user_id): Path<String>,
    ApiJson(body): ApiJson<ReasonBody>,
) -> ApiResult<Json<CountView>> {
    let count = state.app.revoke_sessions(&auth.actor, &user_id, &body.reason).await?;
    Ok(Json(CountView { count }))
}
