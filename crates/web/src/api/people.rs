//! Users and teams: `/api/v1/users`, `/api/v1/teams`. Anyone logged in may
//! read them; only an administrator changes them.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tuoke_core::{Role, Team, TeamDraft, TeamId, User, UserDraft, UserId, ValidationErrors};
use utoipa::ToSchema;

use super::{ListOf, Paging, created, merge_patch, with_etag};
use crate::AppState;
use crate::error::{ApiResult, Problem};
use crate::extract::{ApiJson, ApiQuery, Authed, IfMatch, parse_id};

/// A user as the API shows it (never with a password).
#[derive(Debug, Serialize, ToSchema)]
pub struct UserView {
    pub id: UserId,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub team_id: Option<TeamId>,
    pub active: bool,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<User> for UserView {
    fn from(u: User) -> Self {
        UserView {
            id: u.id,
            username: u.username.to_string(),
            display_name: u.display_name,
            role: u.role,
            team_id: u.team_id,
            active: u.active,
            version: u.version,
            created_at: u.created_at,
            updated_at: u.updated_at,
        }
    }
}

/// The fields an administrator sets on a user.
#[derive(Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct UserInput {
    #[schema(example = "zhangwei")]
    pub username: Option<String>,
    #[schema(example = "张伟")]
    pub display_name: Option<String>,
    pub role: Option<Role>,
    pub team_id: Option<TeamId>,
    /// Defaults to true.
    pub active: Option<bool>,
}

impl UserInput {
    fn into_draft(self) -> Result<UserDraft, ValidationErrors> {
        let Some(role) = self.role else {
            return Err(ValidationErrors::single(
                "role",
                "required",
                "choose a role",
            ));
        };
        Ok(UserDraft {
            username: self.username.unwrap_or_default(),
            display_name: self.display_name,
            role,
            team_id: self.team_id,
            active: self.active.unwrap_or(true),
        })
    }
}

impl From<UserDraft> for UserInput {
    fn from(d: UserDraft) -> Self {
        UserInput {
            username: Some(d.username),
            display_name: d.display_name,
            role: Some(d.role),
            team_id: d.team_id,
            active: Some(d.active),
        }
    }
}

/// A new user: the fields and a first password.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    #[serde(flatten)]
    pub user: UserInput,
    pub password: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    pub password: String,
}

/// All users, by username.
#[utoipa::path(get, path = "/api/v1/users", tag = "users", security(("bearer" = [])),
    params(Paging), responses((status = 200, body = ListOf<UserView>)))]
pub async fn list_users(
    State(state): State<AppState>,
    Authed(actor): Authed,
    ApiQuery(paging): ApiQuery<Paging>,
) -> ApiResult<Json<ListOf<UserView>>> {
    let page = state.app.list_users(&actor, &paging.request()).await?;
    Ok(Json(ListOf::from_page(page, UserView::from)))
}

/// Create a user (administrators only).
#[utoipa::path(post, path = "/api/v1/users", tag = "users", security(("bearer" = [])), request_body = NewUser,
    responses((status = 201, body = UserView), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn create_user(
    State(state): State<AppState>,
    Authed(actor): Authed,
    ApiJson(input): ApiJson<NewUser>,
) -> ApiResult<Response> {
    let password = input.password.unwrap_or_default();
    let user = state
        .app
        .create_user(Some(&actor), input.user.into_draft()?, &password)
        .await?;
    Ok(created(
        format!("/api/v1/users/{}", user.id),
        user.version,
        UserView::from(user),
    ))
}

/// One user.
#[utoipa::path(get, path = "/api/v1/users/{id}", tag = "users", security(("bearer" = [])),
    params(("id" = String, Path)), responses((status = 200, body = UserView), (status = 404, body = Problem)))]
pub async fn show_user(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let user = state.app.get_user(&actor, parse_id(&id, "user")?).await?;
    Ok(with_etag(
        StatusCode::OK,
        user.version,
        UserView::from(user),
    ))
}

/// Change a user with a JSON merge patch (administrators only). Needs `If-Match`.
#[utoipa::path(patch, path = "/api/v1/users/{id}", tag = "users", security(("bearer" = [])),
    params(("id" = String, Path), ("If-Match" = String, Header)),
    request_body(content = UserInput, content_type = "application/merge-patch+json"),
    responses((status = 200, body = UserView), (status = 403, body = Problem), (status = 412, body = Problem), (status = 422, body = Problem)))]
pub async fn update_user(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Path(id): Path<String>,
    IfMatch(version): IfMatch,
    ApiJson(patch): ApiJson<serde_json::Value>,
) -> ApiResult<Response> {
    let id = parse_id(&id, "user")?;
    let user = state
        .app
        .update_user(&actor, id, version, |draft| {
            Ok(merge_patch(&UserInput::from(draft), &patch)?.into_draft()?)
        })
        .await?;
    Ok(with_etag(
        StatusCode::OK,
        user.version,
        UserView::from(user),
    ))
}

/// Delete a user who owns nothing (administrators only). Needs `If-Match`.
#[utoipa::path(delete, path = "/api/v1/users/{id}", tag = "users", security(("bearer" = [])),
    params(("id" = String, Path), ("If-Match" = String, Header)),
    responses((status = 204), (status = 403, body = Problem), (status = 409, body = Problem), (status = 412, body = Problem)))]
pub async fn delete_user(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Path(id): Path<String>,
    IfMatch(version): IfMatch,
) -> ApiResult<impl IntoResponse> {
    state
        .app
        .delete_user(&actor, parse_id(&id, "user")?, version)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Set a password: your own, or anyone's as an administrator.
#[utoipa::path(put, path = "/api/v1/users/{id}/password", tag = "users", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = PasswordChange,
    responses((status = 204), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn set_password(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<PasswordChange>,
) -> ApiResult<impl IntoResponse> {
    state
        .app
        .set_password(&actor, parse_id(&id, "user")?, &body.password)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A team as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct TeamView {
    pub id: TeamId,
    pub name: String,
    pub manager_id: Option<UserId>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Team> for TeamView {
    fn from(t: Team) -> Self {
        TeamView {
            id: t.id,
            name: t.name,
            manager_id: t.manager_id,
            version: t.version,
            created_at: t.created_at,
            updated_at: t.updated_at,
        }
    }
}

/// The fields an administrator sets on a team. Members are the users whose
/// `team_id` is the team.
#[derive(Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct TeamInput {
    #[schema(example = "华东销售部")]
    pub name: Option<String>,
    pub manager_id: Option<UserId>,
}

impl From<TeamInput> for TeamDraft {
    fn from(i: TeamInput) -> Self {
        TeamDraft {
            name: i.name.unwrap_or_default(),
            manager_id: i.manager_id,
        }
    }
}

impl From<TeamDraft> for TeamInput {
    fn from(d: TeamDraft) -> Self {
        TeamInput {
            name: Some(d.name),
            manager_id: d.manager_id,
        }
    }
}

/// All teams, by name.
#[utoipa::path(get, path = "/api/v1/teams", tag = "users", security(("bearer" = [])),
    params(Paging), responses((status = 200, body = ListOf<TeamView>)))]
pub async fn list_teams(
    State(state): State<AppState>,
    Authed(actor): Authed,
    ApiQuery(paging): ApiQuery<Paging>,
) -> ApiResult<Json<ListOf<TeamView>>> {
    let page = state.app.list_teams(&actor, &paging.request()).await?;
    Ok(Json(ListOf::from_page(page, TeamView::from)))
}

/// Create a team (administrators only).
#[utoipa::path(post, path = "/api/v1/teams", tag = "users", security(("bearer" = [])), request_body = TeamInput,
    responses((status = 201, body = TeamView), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn create_team(
    State(state): State<AppState>,
    Authed(actor): Authed,
    ApiJson(input): ApiJson<TeamInput>,
) -> ApiResult<Response> {
    let team = state.app.create_team(Some(&actor), input.into()).await?;
    Ok(created(
        format!("/api/v1/teams/{}", team.id),
        team.version,
        TeamView::from(team),
    ))
}

/// One team.
#[utoipa::path(get, path = "/api/v1/teams/{id}", tag = "users", security(("bearer" = [])),
    params(("id" = String, Path)), responses((status = 200, body = TeamView), (status = 404, body = Problem)))]
pub async fn show_team(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let team = state.app.get_team(&actor, parse_id(&id, "team")?).await?;
    Ok(with_etag(
        StatusCode::OK,
        team.version,
        TeamView::from(team),
    ))
}

/// Change a team with a JSON merge patch (administrators only). Needs `If-Match`.
#[utoipa::path(patch, path = "/api/v1/teams/{id}", tag = "users", security(("bearer" = [])),
    params(("id" = String, Path), ("If-Match" = String, Header)),
    request_body(content = TeamInput, content_type = "application/merge-patch+json"),
    responses((status = 200, body = TeamView), (status = 412, body = Problem), (status = 422, body = Problem)))]
pub async fn update_team(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Path(id): Path<String>,
    IfMatch(version): IfMatch,
    ApiJson(patch): ApiJson<serde_json::Value>,
) -> ApiResult<Response> {
    let id = parse_id(&id, "team")?;
    let team = state
        .app
        .update_team(&actor, id, version, |draft| {
            Ok(merge_patch(&TeamInput::from(draft), &patch)?.into())
        })
        .await?;
    Ok(with_etag(
        StatusCode::OK,
        team.version,
        TeamView::from(team),
    ))
}

/// Delete a team; its members stay, without a team. Needs `If-Match`.
#[utoipa::path(delete, path = "/api/v1/teams/{id}", tag = "users", security(("bearer" = [])),
    params(("id" = String, Path), ("If-Match" = String, Header)),
    responses((status = 204), (status = 403, body = Problem), (status = 412, body = Problem)))]
pub async fn delete_team(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Path(id): Path<String>,
    IfMatch(version): IfMatch,
) -> ApiResult<impl IntoResponse> {
    state
        .app
        .delete_team(&actor, parse_id(&id, "team")?, version)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
