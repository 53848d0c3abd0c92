//! The REST API under `/api/v1`: routes, their OpenAPI description, and the
//! pieces every resource shares (lists, ETags, merge patches, idempotency).

mod activities;
mod audit;
mod auth;
mod calendar;
pub(crate) mod cases;
mod contacts;
mod credit;
mod customers;
mod exports;
mod forms;
mod idempotency;
pub(crate) mod imports;
mod people;
mod templates;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use tuoke_app::AppError;
use tuoke_app::ports::{Page, PageRequest};
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{IntoParams, Modify, OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::error::{ApiError, ErrorCode, Problem};
use crate::extract::from_json_value;

#[derive(OpenApi)]
#[openapi(
    info(title = "Tuoke API", description = "Tuoke (拓客): B2B customer development. Authenticate with `POST /api/v1/auth/login`, then send `Authorization: Bearer TOKEN`. Errors are RFC 9457 problem+json. `PATCH` and `DELETE` need `If-Match` with the record's version (its ETag); `POST` accepts `Idempotency-Key`."),
    modifiers(&BearerAuth),
    components(schemas(Problem, ErrorCode)),
    tags(
        (name = "auth", description = "Login and sessions"),
        (name = "customers", description = "Customers (客户)"),
        (name = "contacts", description = "Contacts (联系人)"),
        (name = "activities", description = "Follow-up records (跟进记录)"),
        (name = "users", description = "Users and teams"),
        (name = "audit", description = "Who changed what"),
        (name = "processes", description = "Process templates (流程模板)"),
        (name = "cases", description = "Development cases (开发项目), their gates and approvals"),
        (name = "calendar", description = "The working-day calendar"),
        (name = "forms", description = "Forms (表格): templates, filling, scores and grades"),
        (name = "credit", description = "Credit grades, limits and change requests; financial analysis"),
        (name = "reports", description = "Reports"),
        (name = "imports", description = "Imports from CSV and Excel files"),
    )
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        if let Some(components) = openapi.components.as_mut() {
            components.add_security_scheme(
                "bearer",
                SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
            );
        }
    }
}

fn api_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(auth::login))
        .routes(routes!(auth::logout))
        .routes(routes!(auth::me))
        .routes(routes!(
            customers::list_customers,
            customers::create_customer
        ))
        .routes(routes!(customers::check_customer_duplicate))
        .routes(routes!(exports::export_customers))
        .routes(routes!(exports::export_contacts))
        .routes(routes!(exports::export_activities))
        .routes(routes!(exports::export_cases))
        .routes(routes!(exports::customer_visit_record))
        .routes(routes!(exports::user_visit_record))
        .routes(routes!(
            customers::show_customer,
            customers::update_customer,
            customers::delete_customer
        ))
        .routes(routes!(contacts::list_contacts, contacts::create_contact))
        .routes(routes!(
            contacts::show_contact,
            contacts::update_contact,
            contacts::delete_contact
        ))
        .routes(routes!(
            activities::list_activities,
            activities::create_activity
        ))
        .routes(routes!(
            activities::show_activity,
            activities::update_activity,
            activities::delete_activity
        ))
        .routes(routes!(people::list_users, people::create_user))
        .routes(routes!(
            people::show_user,
            people::update_user,
            people::delete_user
        ))
        .routes(routes!(people::set_password))
        .routes(routes!(people::list_teams, people::create_team))
        .routes(routes!(
            people::show_team,
            people::update_team,
            people::delete_team
        ))
        .routes(routes!(audit::list_audit))
        .routes(routes!(
            templates::list_process_templates,
            templates::create_process_template
        ))
        .routes(routes!(templates::check_template))
        .routes(routes!(
            templates::list_form_templates,
            templates::create_form_template
        ))
        .routes(routes!(templates::show_form_template))
        .routes(routes!(forms::fill_form))
        .routes(routes!(forms::show_form))
        .routes(routes!(forms::list_customer_forms))
        .routes(routes!(credit::show_credit, credit::update_credit))
        .routes(routes!(
            credit::list_credit_changes,
            credit::request_credit_change
        ))
        .routes(routes!(credit::show_credit_change))
        .routes(routes!(credit::submit_credit_change))
        .routes(routes!(credit::approve_credit_change))
        .routes(routes!(credit::reject_credit_change))
        .routes(routes!(credit::list_financials, credit::add_financials))
        .routes(routes!(credit::list_notifications))
        .routes(routes!(credit::read_notification))
        .routes(routes!(templates::show_process_template))
        .routes(routes!(cases::list_cases, cases::create_case))
        .routes(routes!(cases::show_case, cases::update_case))
        .routes(routes!(cases::set_case_check))
        .routes(routes!(cases::advance_case))
        .routes(routes!(cases::win_case))
        .routes(routes!(cases::lose_case))
        .routes(routes!(cases::terminate_case))
        .routes(routes!(cases::reopen_case))
        .routes(routes!(cases::case_history))
        .routes(routes!(cases::list_approvals))
        .routes(routes!(cases::show_approval))
        .routes(routes!(cases::approve))
        .routes(routes!(cases::reject))
        .routes(routes!(cases::funnel_report))
        .routes(routes!(calendar::list_calendar))
        .routes(routes!(
            calendar::put_calendar_day,
            calendar::delete_calendar_day
        ))
        .merge(
            OpenApiRouter::new()
                .routes(routes!(imports::import_file))
                // Files are larger than the JSON bodies of the rest of the API.
                .layer(DefaultBodyLimit::max(imports::MAX_IMPORT_BYTES)),
        )
}

/// The generated OpenAPI description.
pub fn openapi() -> utoipa::openapi::OpenApi {
    api_router().split_for_parts().1
}

pub(crate) fn routes(state: AppState) -> Router<AppState> {
    let (api, doc) = api_router().split_for_parts();
    let doc_json = doc.to_pretty_json().unwrap_or_default();
    api.layer(axum::middleware::from_fn_with_state(
        state,
        idempotency::replay,
    ))
    .layer(DefaultBodyLimit::max(crate::MAX_BODY_BYTES))
    .route_layer(axum::middleware::from_fn(crate::observe::track))
    .route(
        "/api/openapi.json",
        get(move || async move { ([(header::CONTENT_TYPE, "application/json")], doc_json) }),
    )
    .fallback(|| async { ApiError::new(ErrorCode::NotFound, "no such resource") })
}

/// One page of a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct ListOf<T> {
    pub items: Vec<T>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

impl<T> ListOf<T> {
    fn from_page<D>(page: Page<D>, view: impl Fn(D) -> T) -> Self {
        ListOf {
            items: page.items.into_iter().map(view).collect(),
            next_cursor: page.next_cursor,
        }
    }
}

/// `limit` and `cursor` of every list.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Paging {
    /// Items per page: default 50, at most 500.
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

impl Paging {
    fn request(&self) -> PageRequest {
        PageRequest {
            limit: self
                .limit
                .unwrap_or(PageRequest::DEFAULT_LIMIT)
                .clamp(1, PageRequest::MAX_LIMIT),
            cursor: self.cursor.clone(),
        }
    }
}

/// A record with its version as the ETag.
pub(crate) fn with_etag(status: StatusCode, version: i64, body: impl Serialize) -> Response {
    let mut headers = HeaderMap::new();
    if let Ok(v) = HeaderValue::from_str(&format!("\"{version}\"")) {
        headers.insert(header::ETAG, v);
    }
    (status, headers, axum::Json(body)).into_response()
}

/// A created record: 201 with its location and ETag.
pub(crate) fn created(location: String, version: i64, body: impl Serialize) -> Response {
    let mut response = with_etag(StatusCode::CREATED, version, body);
    if let Ok(v) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, v);
    }
    response
}

/// Applies a JSON merge patch (RFC 7396) to the current input of a record.
pub(crate) fn merge_patch<I: Serialize + DeserializeOwned>(
    current: &I,
    patch: &serde_json::Value,
) -> Result<I, AppError> {
    if !patch.is_object() {
        return Err(tuoke_core::ValidationErrors::single(
            "body",
            "invalid",
            "must be a JSON object of the fields to change",
        )
        .into());
    }
    let mut value = serde_json::to_value(current).map_err(|e| AppError::Internal(e.to_string()))?;
    json_patch::merge(&mut value, patch);
    Ok(from_json_value(value)?)
}
