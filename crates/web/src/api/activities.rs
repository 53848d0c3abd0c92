//! Follow-up records: `/api/v1/activities`.

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use tuoke_app::ports::{ActivityFilter, ActivitySort, Visibility};
use tuoke_core::{
    Activity, ActivityDraft, ActivityId, ActivityMethod, Attitude, ContactId, CustomerId, UserId,
    ValidationErrors,
};
use utoipa::{IntoParams, ToSchema};

use super::{ListOf, Paging, created, merge_patch, with_etag};
use crate::AppState;
use crate::error::{ApiResult, Problem};
use crate::extract::{ApiJson, Authed, IfMatch, parse_field_id, parse_id, query_parts};

/// The fields a client sets on a follow-up record; `customer_id`, `method`
/// and `content` are required, `occurred_at` defaults to now.
#[derive(Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct ActivityInput {
    pub customer_id: Option<CustomerId>,
    /// The contacts met; they must be the customer's.
    pub contact_ids: Vec<ContactId>,
    pub occurred_at: Option<DateTime<Utc>>,
    pub method: Option<ActivityMethod>,
    /// 滞留时间, minutes.
    pub duration_minutes: Option<u32>,
    #[schema(example = "拜访采购部王经理，介绍新款复印纸并留样")]
    pub content: Option<String>,
    /// 业务进度
    pub progress: Option<String>,
    pub attitude: Option<Attitude>,
    pub attitude_note: Option<String>,
    pub next_step: Option<String>,
    pub next_follow_up: Option<NaiveDate>,
    /// Required for a gift: its value in yuan.
    #[schema(value_type = Option<String>)]
    pub gift_value: Option<Decimal>,
    /// Defaults to the user logging it.
    pub owner_id: Option<UserId>,
}

impl ActivityInput {
    fn into_draft(self, now: DateTime<Utc>) -> Result<ActivityDraft, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        if self.customer_id.is_none() {
            errors.add("customer_id", "required", "name the customer");
        }
        if self.method.is_none() {
            errors.add("method", "required", "say how the contact happened");
        }
        let (Some(customer_id), Some(method)) = (self.customer_id, self.method) else {
            if self.content.as_deref().is_none_or(|c| c.trim().is_empty()) {
                errors.add("content", "required", "must not be empty");
            }
            return Err(errors);
        };
        Ok(ActivityDraft {
            customer_id,
            contact_ids: self.contact_ids,
            occurred_at: self.occurred_at.unwrap_or(now),
            method,
            duration_minutes: self.duration_minutes,
            content: self.content.unwrap_or_default(),
            progress: self.progress,
            attitude: self.attitude,
            attitude_note: self.attitude_note,
            next_step: self.next_step,
            next_follow_up: self.next_follow_up,
            gift_value: self.gift_value,
            owner_id: self.owner_id,
        })
    }
}

impl From<ActivityDraft> for ActivityInput {
    fn from(d: ActivityDraft) -> Self {
        ActivityInput {
            customer_id: Some(d.customer_id),
            contact_ids: d.contact_ids,
            occurred_at: Some(d.occurred_at),
            method: Some(d.method),
            duration_minutes: d.duration_minutes,
            content: Some(d.content),
            progress: d.progress,
            attitude: d.attitude,
            attitude_note: d.attitude_note,
            next_step: d.next_step,
            next_follow_up: d.next_follow_up,
            gift_value: d.gift_value,
            owner_id: d.owner_id,
        }
    }
}

/// A follow-up record as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ActivityView {
    pub id: ActivityId,
    #[serde(flatten)]
    pub fields: ActivityInput,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Activity> for ActivityView {
    fn from(a: Activity) -> Self {
        ActivityView {
            id: a.id,
            version: a.version,
            created_at: a.created_at,
            updated_at: a.updated_at,
            fields: ActivityInput::from(a.to_draft()),
        }
    }
}

/// The filters of the follow-up records list, which an export of the list
/// takes too.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ActivityListQuery {
    pub customer_id: Option<String>,
    pub owner_id: Option<String>,
    pub method: Option<ActivityMethod>,
    /// Contacts at or after this time.
    pub from: Option<DateTime<Utc>>,
    /// Contacts before this time.
    pub to: Option<DateTime<Utc>>,
    /// Follow-ups due: next follow-up date on or before this date, earliest first.
    pub due_by: Option<NaiveDate>,
}

impl ActivityListQuery {
    pub(crate) fn filter(self) -> Result<ActivityFilter, ValidationErrors> {
        Ok(ActivityFilter {
            visible: Visibility::All,
            customer_id: self
                .customer_id
                .as_deref()
                .map(|c| parse_field_id(c, "customer_id"))
                .transpose()?,
            owner_id: self
                .owner_id
                .as_deref()
                .map(|o| parse_field_id(o, "owner_id"))
                .transpose()?,
            method: self.method,
            from: self.from,
            to: self.to,
            due_by: self.due_by,
            sort: if self.due_by.is_some() {
                ActivitySort::FollowUp
            } else {
                ActivitySort::Recent
            },
        })
    }
}

/// Follow-up records you may see, newest first, or the follow-ups due.
#[utoipa::path(get, path = "/api/v1/activities", tag = "activities", security(("bearer" = [])),
    params(ActivityListQuery, Paging), responses((status = 200, body = ListOf<ActivityView>), (status = 422, body = Problem)))]
pub async fn list_activities(
    State(state): State<AppState>,
    Authed(actor): Authed,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<ListOf<ActivityView>>> {
    let (paging, q): (Paging, ActivityListQuery) =
        query_parts(query.as_deref().unwrap_or(""), &["limit", "cursor"])?;
    let page = state
        .app
        .list_activities(&actor, q.filter()?, &paging.request())
        .await?;
    Ok(Json(ListOf::from_page(page, ActivityView::from)))
}

/// Log a follow-up record (a visit, a call...).
#[utoipa::path(post, path = "/api/v1/activities", tag = "activities", security(("bearer" = [])),
    request_body = ActivityInput,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retried create safe")),
    responses((status = 201, body = ActivityView), (status = 422, body = Problem)))]
pub async fn create_activity(
    State(state): State<AppState>,
    Authed(actor): Authed,
    ApiJson(input): ApiJson<ActivityInput>,
) -> ApiResult<Response> {
    let draft = input.into_draft(state.app.now())?;
    let activity = state.app.create_activity(&actor, draft).await?;
    Ok(created(
        format!("/api/v1/activities/{}", activity.id),
        activity.version,
        ActivityView::from(activity),
    ))
}

/// One follow-up record.
#[utoipa::path(get, path = "/api/v1/activities/{id}", tag = "activities", security(("bearer" = [])),
    params(("id" = String, Path)), responses((status = 200, body = ActivityView), (status = 404, body = Problem)))]
pub async fn show_activity(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let (activity, _) = state
        .app
        .get_activity(&actor, parse_id(&id, "activity")?)
        .await?;
    Ok(with_etag(
        StatusCode::OK,
        activity.version,
        ActivityView::from(activity),
    ))
}

/// Change a follow-up record with a JSON merge patch. Needs `If-Match`.
#[utoipa::path(patch, path = "/api/v1/activities/{id}", tag = "activities", security(("bearer" = [])),
    params(("id" = String, Path), ("If-Match" = String, Header)),
    request_body(content = ActivityInput, content_type = "application/merge-patch+json"),
    responses((status = 200, body = ActivityView), (status = 412, body = Problem), (status = 422, body = Problem)))]
pub async fn update_activity(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Path(id): Path<String>,
    IfMatch(version): IfMatch,
    ApiJson(patch): ApiJson<serde_json::Value>,
) -> ApiResult<Response> {
    let id = parse_id(&id, "activity")?;
    let now = state.app.now();
    let activity = state
        .app
        .update_activity(&actor, id, version, |draft| {
            Ok(merge_patch(&ActivityInput::from(draft), &patch)?.into_draft(now)?)
        })
        .await?;
    Ok(with_etag(
        StatusCode::OK,
        activity.version,
        ActivityView::from(activity),
    ))
}

/// Delete a follow-up record. Needs `If-Match`.
#[utoipa::path(delete, path = "/api/v1/activities/{id}", tag = "activities", security(("bearer" = [])),
    params(("id" = String, Path), ("If-Match" = String, Header)),
    responses((status = 204), (status = 404, body = Problem), (status = 412, body = Problem)))]
pub async fn delete_activity(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Path(id): Path<String>,
    IfMatch(version): IfMatch,
) -> ApiResult<impl IntoResponse> {
    state
        .app
        .delete_activity(&actor, parse_id(&id, "activity")?, version)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
