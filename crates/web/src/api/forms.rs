//! Filling forms: `/api/v1/forms` and `/api/v1/customers/{id}/forms`.

use axum::Json;
use axum::extract::{Path, State};
use axum::response::Response;
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use tuoke_app::forms::{FormDetail, FormOutcome, FormTarget};
use tuoke_app::ports::{FilledForm, FormFilter};
use tuoke_core::forms::score::ItemScore;
use tuoke_core::{CaseId, CustomerId, UserId};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::{ListOf, Paging, created};
use crate::AppState;
use crate::error::{ApiResult, Problem};
use crate::extract::{ApiJson, ApiQuery, Authed, parse_id};

/// A form to fill: the template, what it is filled for, and the answers.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FormInput {
    /// The key of the form template, e.g. `credit_grade_scoring`.
    pub template: String,
    pub customer_id: Option<CustomerId>,
    pub case_id: Option<CaseId>,
    /// Item key → answer: an option's value, a number, true/false, text or a date.
    #[schema(value_type = Object)]
    pub answers: serde_json::Map<String, serde_json::Value>,
}

/// A filled form in a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct FormSummary {
    pub id: Uuid,
    pub template: String,
    pub template_version: i64,
    pub customer_id: CustomerId,
    pub case_id: Option<CaseId>,
    #[schema(value_type = String)]
    pub score: Decimal,
    #[schema(value_type = String)]
    pub max_score: Decimal,
    pub grade: Option<String>,
    pub capped: bool,
    pub red_flags: Vec<String>,
    pub filled_by: UserId,
    pub filled_at: DateTime<Utc>,
}

impl From<&FilledForm> for FormSummary {
    fn from(f: &FilledForm) -> Self {
        FormSummary {
            id: f.id,
            template: f.template_key.clone(),
            template_version: f.template_version,
            customer_id: f.customer_id,
            case_id: f.case_id,
            score: f.score,
            max_score: f.max_score,
            grade: f.grade.clone(),
            capped: f.capped,
            red_flags: f.red_flags.clone(),
            filled_by: f.filled_by,
            filled_at: f.filled_at,
        }
    }
}

/// A filled form with its answers and the points of each item.
#[derive(Debug, Serialize, ToSchema)]
pub struct FormView {
    #[serde(flatten)]
    pub summary: FormSummary,
    #[schema(value_type = Object)]
    pub answers: serde_json::Value,
    #[schema(value_type = Vec<Object>)]
    pub items: Vec<ItemScore>,
    /// What the result changed or proposes: a proposed credit grade (and the
    /// change request raised), or a proposed tier.
    #[schema(value_type = Option<Object>)]
    pub outcome: Option<FormOutcome>,
}

fn form_view(d: FormDetail) -> FormView {
    FormView {
        summary: FormSummary::from(&d.form),
        answers: d.form.answers.clone(),
        items: d.result.items,
        outcome: d.outcome,
    }
}

/// Fill a form for a customer or a case. Every bad or missing answer is named
/// as `answers.<item>`; the score, grade and red flags are computed and kept
/// with the template version.
#[utoipa::path(post, path = "/api/v1/forms", tag = "forms", security(("bearer" = [])), request_body = FormInput,
    responses((status = 201, body = FormView), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn fill_form(
    State(state): State<AppState>,
    Authed(actor): Authed,
    ApiJson(input): ApiJson<FormInput>,
) -> ApiResult<Response> {
    let target = FormTarget {
        customer_id: input.customer_id,
        case_id: input.case_id,
    };
    let detail = state
        .app
        .fill_form(&actor, &input.template, target, &input.answers)
        .await?;
    Ok(created(
        format!("/api/v1/forms/{}", detail.form.id),
        1,
        form_view(detail),
    ))
}

/// One filled form.
#[utoipa::path(get, path = "/api/v1/forms/{id}", tag = "forms", security(("bearer" = [])),
    params(("id" = String, Path)), responses((status = 200, body = FormView), (status = 404, body = Problem)))]
pub async fn show_form(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Path(id): Path<String>,
) -> ApiResult<Json<FormView>> {
    Ok(Json(form_view(
        state.app.get_form(&actor, parse_id(&id, "form")?).await?,
    )))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct CustomerFormsQuery {
    /// Only this form template.
    pub template: Option<String>,
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

/// The forms filled for a customer and its cases, newest first.
#[utoipa::path(get, path = "/api/v1/customers/{id}/forms", tag = "forms", security(("bearer" = [])),
    params(("id" = String, Path), CustomerFormsQuery), responses((status = 200, body = ListOf<FormSummary>), (status = 404, body = Problem)))]
pub async fn list_customer_forms(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<CustomerFormsQuery>,
) -> ApiResult<Json<ListOf<FormSummary>>> {
    let filter = FormFilter {
        customer_id: Some(parse_id(&id, "customer")?),
        case_id: None,
        template_key: q.template,
    };
    let page = state
        .app
        .list_forms(
            &actor,
            filter,
            &Paging {
                limit: q.limit,
                cursor: q.cursor,
            }
            .request(),
        )
        .await?;
    Ok(Json(ListOf::from_page(page, |f| FormSummary::from(&f))))
}
