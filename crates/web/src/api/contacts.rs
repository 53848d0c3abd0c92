//! Contacts: `/api/v1/customers/{id}/contacts` and `/api/v1/contacts/{id}`.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tuoke_core::{
    Birthday, BirthdayCalendar, Contact, ContactDraft, ContactId, CustomerId, DecisionRole,
    ValidationErrors,
};
use utoipa::ToSchema;

use super::{ListOf, Paging, created, merge_patch, with_etag};
use crate::AppState;
use crate::error::{ApiResult, Problem};
use crate::extract::{ApiJson, ApiQuery, Authed, IfMatch, parse_id};

/// A birthday, solar (公历) or lunar (农历), with or without the year.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BirthdayDto {
    pub calendar: BirthdayCalendar,
    pub year: Option<i32>,
    pub month: u8,
    pub day: u8,
    /// A lunar leap month (闰月).
    #[serde(default)]
    pub leap_month: bool,
}

impl From<Birthday> for BirthdayDto {
    fn from(b: Birthday) -> Self {
        BirthdayDto {
            calendar: b.calendar,
            year: b.year,
            month: b.month,
            day: b.day,
            leap_month: b.leap_month,
        }
    }
}

/// The fields a client sets on a contact; `name` is required.
#[derive(Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct ContactInput {
    #[schema(example = "王建国")]
    pub name: Option<String>,
    #[schema(example = "采购经理")]
    pub title: Option<String>,
    pub department: Option<String>,
    pub mobile: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub wechat: Option<String>,
    /// Roles in the buying decision; several allowed.
    pub roles: Vec<DecisionRole>,
    /// 1–5
    pub influence: Option<u8>,
    /// 1–5
    pub relationship: Option<u8>,
    pub birthday: Option<BirthdayDto>,
    /// 籍贯
    pub native_place: Option<String>,
    pub age: Option<u8>,
    pub hobbies: Option<String>,
    pub tenure_years: Option<u8>,
    pub authority: Option<String>,
    pub style: Option<String>,
    pub family: Option<String>,
    pub notes: Option<String>,
}

impl ContactInput {
    fn into_draft(self) -> Result<ContactDraft, ValidationErrors> {
        let birthday = self
            .birthday
            .map(|b| Birthday::new(b.calendar, b.year, b.month, b.day, b.leap_month))
            .transpose()
            .map_err(|e| ValidationErrors::single("birthday", "invalid", e.to_string()))?;
        Ok(ContactDraft {
            name: self.name.unwrap_or_default(),
            title: self.title,
            department: self.department,
            mobile: self.mobile,
            phone: self.phone,
            email: self.email,
            wechat: self.wechat,
            roles: self.roles,
            influence: self.influence,
            relationship: self.relationship,
            birthday,
            native_place: self.native_place,
            age: self.age,
            hobbies: self.hobbies,
            tenure_years: self.tenure_years,
            authority: self.authority,
            style: self.style,
            family: self.family,
            notes: self.notes,
        })
    }
}

impl From<ContactDraft> for ContactInput {
    fn from(d: ContactDraft) -> Self {
        ContactInput {
            name: Some(d.name),
            title: d.title,
            department: d.department,
            mobile: d.mobile,
            phone: d.phone,
            email: d.email,
            wechat: d.wechat,
            roles: d.roles,
            influence: d.influence,
            relationship: d.relationship,
            birthday: d.birthday.map(BirthdayDto::from),
            native_place: d.native_place,
            age: d.age,
            hobbies: d.hobbies,
            tenure_years: d.tenure_years,
            authority: d.authority,
            style: d.style,
            family: d.family,
            notes: d.notes,
        }
    }
}

/// A contact as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ContactView {
    pub id: ContactId,
    pub customer_id: CustomerId,
    #[serde(flatten)]
    pub fields: ContactInput,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Contact> for ContactView {
    fn from(c: Contact) -> Self {
        ContactView {
            id: c.id,
            customer_id: c.customer_id,
            version: c.version,
            created_at: c.created_at,
            updated_at: c.updated_at,
            fields: ContactInput::from(c.to_draft()),
        }
    }
}

/// A customer's contacts, by name.
#[utoipa::path(get, path = "/api/v1/customers/{id}/contacts", tag = "contacts", security(("bearer" = [])),
    params(("id" = String, Path), Paging), responses((status = 200, body = ListOf<ContactView>), (status = 404, body = Problem)))]
pub async fn list_contacts(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Path(id): Path<String>,
    ApiQuery(paging): ApiQuery<Paging>,
) -> ApiResult<Json<ListOf<ContactView>>> {
    let customer: CustomerId = parse_id(&id, "customer")?;
    let page = state
        .app
        .list_contacts(&actor, customer, &paging.request())
        .await?;
    Ok(Json(ListOf::from_page(page, ContactView::from)))
}

/// Add a contact to a customer.
#[utoipa::path(post, path = "/api/v1/customers/{id}/contacts", tag = "contacts", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = ContactInput,
    responses((status = 201, body = ContactView), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn create_contact(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<ContactInput>,
) -> ApiResult<Response> {
    let customer: CustomerId = parse_id(&id, "customer")?;
    let contact = state
        .app
        .create_contact(&actor, customer, input.into_draft()?)
        .await?;
    Ok(created(
        format!("/api/v1/contacts/{}", contact.id),
        contact.version,
        ContactView::from(contact),
    ))
}

/// One contact.
#[utoipa::path(get, path = "/api/v1/contacts/{id}", tag = "contacts", security(("bearer" = [])),
    params(("id" = String, Path)), responses((status = 200, body = ContactView), (status = 404, body = Problem)))]
pub async fn show_contact(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let contact = state
        .app
        .get_contact(&actor, parse_id(&id, "contact")?)
        .await?;
    Ok(with_etag(
        StatusCode::OK,
        contact.version,
        ContactView::from(contact),
    ))
}

/// Change a contact with a JSON merge patch. Needs `If-Match`.
#[utoipa::path(patch, path = "/api/v1/contacts/{id}", tag = "contacts", security(("bearer" = [])),
    params(("id" = String, Path), ("If-Match" = String, Header)),
    request_body(content = ContactInput, content_type = "application/merge-patch+json"),
    responses((status = 200, body = ContactView), (status = 412, body = Problem), (status = 422, body = Problem)))]
pub async fn update_contact(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Path(id): Path<String>,
    IfMatch(version): IfMatch,
    ApiJson(patch): ApiJson<serde_json::Value>,
) -> ApiResult<Response> {
    let id = parse_id(&id, "contact")?;
    let contact = state
        .app
        .update_contact(&actor, id, version, |draft| {
            Ok(merge_patch(&ContactInput::from(draft), &patch)?.into_draft()?)
        })
        .await?;
    Ok(with_etag(
        StatusCode::OK,
        contact.version,
        ContactView::from(contact),
    ))
}

/// Delete a contact. Needs `If-Match`.
#[utoipa::path(delete, path = "/api/v1/contacts/{id}", tag = "contacts", security(("bearer" = [])),
    params(("id" = String, Path), ("If-Match" = String, Header)),
    responses((status = 204), (status = 404, body = Problem), (status = 412, body = Problem)))]
pub async fn delete_contact(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Path(id): Path<String>,
    IfMatch(version): IfMatch,
) -> ApiResult<impl IntoResponse> {
    state
        .app
        .delete_contact(&actor, parse_id(&id, "contact")?, version)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
