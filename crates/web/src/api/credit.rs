//! Credit and financial analysis: `/api/v1/customers/{id}/credit`,
//! `/api/v1/credit-changes`, `/api/v1/customers/{id}/financials`, and the
//! notifications that missed deadlines send.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use tuoke_app::credit::CreditDetail;
use tuoke_app::ports::{CreditChangeFilter, Notification};
use tuoke_core::credit::{CreditChange, CreditChangeStatus, CreditDeadline, CreditGrade};
use tuoke_core::finance::{Figures, FinancialPeriod, IndicatorTrend, IndicatorValue, trend};
use tuoke_core::{CustomerId, Money, UserId, ValidationErrors};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::{ListOf, Paging, with_etag};
use crate::AppState;
use crate::error::{ApiResult, Problem};
use crate::extract::{ApiJson, ApiQuery, Authed, IfMatch, parse_field_id, parse_id};

#[derive(Debug, Serialize, ToSchema)]
pub struct CreditView {
    pub customer_id: CustomerId,
    pub grade: Option<CreditGrade>,
    #[schema(value_type = Option<String>)]
    pub limit: Option<Decimal>,
    pub payment_terms_days: Option<u32>,
    /// The grade the latest rating proposes, until a change request decides it.
    pub proposed_grade: Option<CreditGrade>,
    /// The open change request, if any.
    pub open_change: Option<CreditChangeView>,
    /// 0 until the customer's credit is first saved.
    pub version: i64,
}

fn credit_view(d: CreditDetail, now: DateTime<Utc>) -> CreditView {
    CreditView {
        customer_id: d.profile.customer_id,
        grade: d.profile.grade,
        limit: d.profile.limit.map(Money::yuan),
        payment_terms_days: d.profile.payment_terms_days,
        proposed_grade: d.profile.proposed_grade,
        open_change: d.open_change.map(|c| change_view(c, now)),
        version: d.profile.version,
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CreditChangeView {
    pub id: Uuid,
    pub customer_id: CustomerId,
    pub from_grade: Option<CreditGrade>,
    pub to_grade: CreditGrade,
    pub form_id: Option<Uuid>,
    pub reason: Option<String>,
    pub status: CreditChangeStatus,
    pub triggered_at: DateTime<Utc>,
    /// Submit within 2 working days of the trigger.
    pub submit_due_at: DateTime<Utc>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub verifier_id: Option<UserId>,
    /// Verify within 3 working days of submission.
    pub verify_due_at: Option<DateTime<Utc>>,
    pub decided_at: Option<DateTime<Utc>>,
    /// 审查意见
    pub review_opinion: Option<String>,
    /// The deadline it has missed: `submit` or `verify`.
    pub overdue: Option<CreditDeadline>,
    pub version: i64,
}

fn change_view(c: CreditChange, now: DateTime<Utc>) -> CreditChangeView {
    CreditChangeView {
        overdue: c.breach(now),
        id: c.id,
        customer_id: c.customer_id,
        from_grade: c.from_grade,
        to_grade: c.to_grade,
        form_id: c.form_id,
        reason: c.reason,
        status: c.status,
        triggered_at: c.triggered_at,
        submit_due_at: c.submit_due_at,
        submitted_at: c.submitted_at,
        verifier_id: c.verifier_id,
        verify_due_at: c.verify_due_at,
        decided_at: c.decided_at,
        review_opinion: c.review_opinion,
        version: c.version,
    }
}

/// A customer's credit grade, limit, payment terms and open change request.
#[utoipa::path(get, path = "/api/v1/customers/{id}/credit", tag = "credit", security(("bearer" = [])),
    params(("id" = String, Path)), responses((status = 200, body = CreditView), (status = 404, body = Problem)))]
pub async fn show_credit(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let detail = state
        .app
        .get_credit(&actor, parse_id(&id, "customer")?)
        .await?;
    let version = detail.profile.version;
    Ok(with_etag(
        StatusCode::OK,
        version,
        credit_view(detail, state.app.now()),
    ))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct CreditTermsInput {
    /// In yuan; null clears it.
    #[schema(value_type = Option<String>)]
    pub limit: Option<Decimal>,
    pub payment_terms_days: Option<u32>,
}

/// Set the credit limit and payment terms (managers only; the grade changes
/// through a change request). Needs `If-Match` (`"0"` before the first save).
#[utoipa::path(patch, path = "/api/v1/customers/{id}/credit", tag = "credit", security(("bearer" = [])),
    params(("id" = String, Path), ("If-Match" = String, Header)), request_body = CreditTermsInput,
    responses((status = 200, body = CreditView), (status = 403, body = Problem), (status = 412, body = Problem), (status = 422, body = Problem)))]
pub async fn update_credit(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Path(id): Path<String>,
    IfMatch(version): IfMatch,
    ApiJson(input): ApiJson<CreditTermsInput>,
) -> ApiResult<Response> {
    let limit = input
        .limit
        .map(|l| {
            Money::from_yuan(l)
                .map_err(|e| ValidationErrors::single("limit", "invalid", e.to_string()))
        })
        .transpose()?;
    let detail = state
        .app
        .set_credit_terms(
            &actor,
            parse_id(&id, "customer")?,
            version,
            limit,
            input.payment_terms_days,
        )
        .await?;
    let version = detail.profile.version;
    Ok(with_etag(
        StatusCode::OK,
        version,
        credit_view(detail, state.app.now()),
    ))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct CreditChangeQuery {
    pub customer_id: Option<String>,
    pub status: Option<CreditChangeStatus>,
    /// Only requests that missed a deadline.
    pub overdue: Option<bool>,
    /// Only requests you verify.
    pub mine: Option<bool>,
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

/// Credit-change requests of the customers you see, newest first; overdue
/// ones are flagged.
#[utoipa::path(get, path = "/api/v1/credit-changes", tag = "credit", security(("bearer" = [])),
    params(CreditChangeQuery), responses((status = 200, body = ListOf<CreditChangeView>)))]
pub async fn list_credit_changes(
    State(state): State<AppState>,
    Authed(actor): Authed,
    ApiQuery(q): ApiQuery<CreditChangeQuery>,
) -> ApiResult<Json<ListOf<CreditChangeView>>> {
    let now = state.app.now();
    let filter = CreditChangeFilter {
        visible: None,
        customer_id: q
            .customer_id
            .as_deref()
            .map(|c| parse_field_id(c, "customer_id"))
            .transpose()?,
        status: q.status,
        verifier_id: q.mine.unwrap_or(false).then_some(actor.id()),
        overdue_at: q.overdue.unwrap_or(false).then_some(now),
    };
    let page = state
        .app
        .list_credit_changes(
            &actor,
            filter,
            &Paging {
                limit: q.limit,
                cursor: q.cursor,
            }
            .request(),
        )
        .await?;
    Ok(Json(ListOf::from_page(page, |c| change_view(c, now))))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreditChangeInput {
    pub customer_id: CustomerId,
    pub to_grade: CreditGrade,
    pub reason: String,
}

/// Request a grade change by hand; it is submitted to the manager of the
/// customer's owner at once.
#[utoipa::path(post, path = "/api/v1/credit-changes", tag = "credit", security(("bearer" = [])), request_body = CreditChangeInput,
    responses((status = 201, body = CreditChangeView), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn request_credit_change(
    State(state): State<AppState>,
    Authed(actor): Authed,
    ApiJson(input): ApiJson<CreditChangeInput>,
) -> ApiResult<Response> {
    let change = state
        .app
        .request_credit_change(&actor, input.customer_id, input.to_grade, &input.reason)
        .await?;
    let location = format!("/api/v1/credit-changes/{}", change.id);
    Ok(super::created(
        location,
        change.version,
        change_view(change, state.app.now()),
    ))
}

/// One credit-change request.
#[utoipa::path(get, path = "/api/v1/credit-changes/{id}", tag = "credit", security(("bearer" = [])),
    params(("id" = String, Path)), responses((status = 200, body = CreditChangeView), (status = 404, body = Problem)))]
pub async fn show_credit_change(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Path(id): Path<String>,
) -> ApiResult<Json<CreditChangeView>> {
    let change = state
        .app
        .get_credit_change(&actor, parse_id(&id, "credit change")?)
        .await?;
    Ok(Json(change_view(change, state.app.now())))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct SubmitInput {
    pub reason: Option<String>,
}

/// Submit a request a rating raised, to the manager of the customer's owner.
#[utoipa::path(post, path = "/api/v1/credit-changes/{id}/submit", tag = "credit", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = SubmitInput,
    responses((status = 200, body = CreditChangeView), (status = 409, body = Problem)))]
pub async fn submit_credit_change(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Path(id): Path<String>,
    input: Option<ApiJson<SubmitInput>>,
) -> ApiResult<Json<CreditChangeView>> {
    let reason = input.and_then(|ApiJson(i)| i.reason);
    let change = state
        .app
        .submit_credit_change(&actor, parse_id(&id, "credit change")?, reason.as_deref())
        .await?;
    Ok(Json(change_view(change, state.app.now())))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct ReviewInput {
    /// 审查意见: required to reject.
    pub review_opinion: Option<String>,
}

async fn decide(
    state: AppState,
    actor: tuoke_app::Actor,
    id: String,
    approve: bool,
    opinion: Option<String>,
) -> ApiResult<Json<CreditChangeView>> {
    let change = state
        .app
        .decide_credit_change(
            &actor,
            parse_id(&id, "credit change")?,
            approve,
            opinion.as_deref(),
        )
        .await?;
    Ok(Json(change_view(change, state.app.now())))
}

/// Approve a submitted request (its verifier or an administrator): the
/// customer's grade changes.
#[utoipa::path(post, path = "/api/v1/credit-changes/{id}/approve", tag = "credit", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = ReviewInput,
    responses((status = 200, body = CreditChangeView), (status = 403, body = Problem), (status = 409, body = Problem)))]
pub async fn approve_credit_change(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Path(id): Path<String>,
    input: Option<ApiJson<ReviewInput>>,
) -> ApiResult<Json<CreditChangeView>> {
    decide(
        state,
        actor,
        id,
        true,
        input.and_then(|ApiJson(i)| i.review_opinion),
    )
    .await
}

/// Reject a submitted request with a review opinion.
#[utoipa::path(post, path = "/api/v1/credit-changes/{id}/reject", tag = "credit", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = ReviewInput,
    responses((status = 200, body = CreditChangeView), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn reject_credit_change(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<ReviewInput>,
) -> ApiResult<Json<CreditChangeView>> {
    decide(state, actor, id, false, input.review_opinion).await
}

/// One period's figures, in yuan.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FinancialsInput {
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub current_assets: Option<Decimal>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub current_liabilities: Option<Decimal>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub revenue: Option<Decimal>,
    /// Negative for a loss.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub net_profit: Option<Decimal>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub total_assets: Option<Decimal>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub accounts_receivable: Option<Decimal>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub inventory: Option<Decimal>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub cost_of_goods_sold: Option<Decimal>,
}

/// A period's figures with the indicators computed from them.
#[derive(Debug, Serialize, ToSchema)]
pub struct FinancialPeriodView {
    pub id: Uuid,
    #[serde(flatten)]
    pub figures: FinancialsInput,
    pub days: i64,
    /// Each indicator's value, or why it has none (`missing` figures, `zero_denominator`).
    #[schema(value_type = Vec<Object>)]
    pub indicators: Vec<IndicatorValue>,
}

fn period_view(p: &FinancialPeriod) -> FinancialPeriodView {
    let f = &p.figures;
    FinancialPeriodView {
        id: p.id,
        days: p.days(),
        indicators: p.indicators(),
        figures: FinancialsInput {
            period_start: p.period_start,
            period_end: p.period_end,
            current_assets: f.current_assets,
            current_liabilities: f.current_liabilities,
            revenue: f.revenue,
            net_profit: f.net_profit,
            total_assets: f.total_assets,
            accounts_receivable: f.accounts_receivable,
            inventory: f.inventory,
            cost_of_goods_sold: f.cost_of_goods_sold,
        },
    }
}

/// Record a customer's figures for one period; answers with the indicators.
#[utoipa::path(post, path = "/api/v1/customers/{id}/financials", tag = "credit", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = FinancialsInput,
    responses((status = 201, body = FinancialPeriodView), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn add_financials(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<FinancialsInput>,
) -> ApiResult<Response> {
    let customer: CustomerId = parse_id(&id, "customer")?;
    let figures = Figures {
        current_assets: input.current_assets,
        current_liabilities: input.current_liabilities,
        revenue: input.revenue,
        net_profit: input.net_profit,
        total_assets: input.total_assets,
        accounts_receivable: input.accounts_receivable,
        inventory: input.inventory,
        cost_of_goods_sold: input.cost_of_goods_sold,
    };
    let period = state
        .app
        .add_financial_period(
            &actor,
            customer,
            input.period_start,
            input.period_end,
            figures,
        )
        .await?;
    Ok((StatusCode::CREATED, Json(period_view(&period))).into_response())
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FinancialsView {
    /// Oldest first.
    pub periods: Vec<FinancialPeriodView>,
    /// Each indicator across the periods, with the latest change.
    #[schema(value_type = Vec<Object>)]
    pub trend: Vec<IndicatorTrend>,
}

/// A customer's financial periods with their indicators and the trend.
#[utoipa::path(get, path = "/api/v1/customers/{id}/financials", tag = "credit", security(("bearer" = [])),
    params(("id" = String, Path)), responses((status = 200, body = FinancialsView), (status = 404, body = Problem)))]
pub async fn list_financials(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Path(id): Path<String>,
) -> ApiResult<Json<FinancialsView>> {
    let periods = state
        .app
        .list_financial_periods(&actor, parse_id(&id, "customer")?)
        .await?;
    Ok(Json(FinancialsView {
        trend: trend(&periods),
        periods: periods.iter().map(period_view).collect(),
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationView {
    pub id: Uuid,
    pub text: String,
    pub text_en: String,
    pub link: Option<String>,
    pub created_at: DateTime<Utc>,
    pub read_at: Option<DateTime<Utc>>,
}

impl From<Notification> for NotificationView {
    fn from(n: Notification) -> Self {
        NotificationView {
            id: n.id,
            text: n.text_zh,
            text_en: n.text_en,
            link: n.link,
            created_at: n.created_at,
            read_at: n.read_at,
        }
    }
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct NotificationQuery {
    pub unread: Option<bool>,
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

/// Your notifications (missed deadlines…), newest first.
#[utoipa::path(get, path = "/api/v1/notifications", tag = "credit", security(("bearer" = [])),
    params(NotificationQuery), responses((status = 200, body = ListOf<NotificationView>)))]
pub async fn list_notifications(
    State(state): State<AppState>,
    Authed(actor): Authed,
    ApiQuery(q): ApiQuery<NotificationQuery>,
) -> ApiResult<Json<ListOf<NotificationView>>> {
    let page = state
        .app
        .list_notifications(
            &actor,
            q.unread.unwrap_or(false),
            &Paging {
                limit: q.limit,
                cursor: q.cursor,
            }
            .request(),
        )
        .await?;
    Ok(Json(ListOf::from_page(page, NotificationView::from)))
}

/// Mark one of your notifications read.
#[utoipa::path(post, path = "/api/v1/notifications/{id}/read", tag = "credit", security(("bearer" = [])),
    params(("id" = String, Path)), responses((status = 204), (status = 404, body = Problem)))]
pub async fn read_notification(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Path(id): Path<String>,
) -> ApiResult<impl IntoResponse> {
    state
        .app
        .mark_notification_read(&actor, parse_id(&id, "notification")?)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
