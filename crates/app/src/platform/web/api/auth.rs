use crate::platform::auth::SessionKind;
use crate::platform::web::error::ApiResult;
use crate::platform::web::extract::{ApiJson, Auth, ClientAddress};
use crate::platform::web::state::AppState;
use crate::platform::web::views::{LoginBody, MeView, PasswordBody, TokenView};
use axum::Json;
use axum::extract::State;
use axum::response::IntoResponse;

/// Exchange a username and password for a bearer token.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginBody,
    responses((status = 200, body = TokenView), (status = 401, body = crate::platform::web::error::Problem), (status = 429, body = crate::platform::web::error::Problem)))]
pub async fn login(
    State(state): State<AppState>,
    ClientAddress(source): ClientAddress,
    ApiJson(body): ApiJson<LoginBody>,
) -> ApiResult<Json<TokenView>> {
    let (session, actor) = state.app.login(&body.username, &body.password, SessionKind::Api, source.as_deref()).await?;
    Ok(Json(TokenView {
        token: session.token,
        token_type: "Bearer",
        expires_at: session.expires_at.to_rfc3339(),
        user: MeView::from(&actor),
    }))
}

/// End the current session (its token stops working at once).
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", security(("bearer" = [])), responses((status = 204, description = "logged out")))]
pub async fn logout(State(state): State<AppState>, auth: Auth) -> ApiResult<impl IntoResponse> {
    state.app.logout(&auth.actor, &auth.session_id).await?;
    Ok(super::no_content())
}

/// Who am I, and which roles do I hold where.
#[utoipa::path(get, path = "/api/v1/me", tag = "auth", security(("bearer" = [])), responses((status = 200, body = MeView), (status = 401, body = crate::platform::web::error::Problem)))]
pub async fn me(auth: Auth) -> Json<MeView> {
    Json(MeView::from(&auth.actor))
}

/// Change my own password.
#[utoipa::path(post, path = "/api/v1/me/password", tag = "auth", security(("bearer" = [])), request_body = PasswordBody,
    responses((status = 204, description = "changed"), (status = 422, body = crate::platform::web::error::Problem)))]
pub async fn change_password(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<PasswordBody>,
) -> ApiResult<impl IntoResponse> {
    state.app.change_password(&auth.actor, &body.current_password, &body.new_password).await?;
    Ok(super::no_content())
}
