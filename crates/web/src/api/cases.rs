//! Development cases, their approvals and the funnel report:
//! `/api/v1/cases`, `/api/v1/approvals`, `/api/v1/reports/funnel`.

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use tuoke_app::ports::{ApprovalFilter, CaseFilter, CaseSort, Visibility};
use tuoke_app::{App, CaseDetail, FunnelQuery, MoveOutcome};
use tuoke_core::process::funnel::FunnelReport;
use tuoke_core::process::template::{ItemKind, Text};
use tuoke_core::process::{
    CaseDraft, CaseEvent, CaseEventKind, CaseStatus, DevelopmentCase, Unmet,
};
use tuoke_core::{
    Approval, ApprovalId, ApprovalKind, ApprovalStatus, CaseId, CustomerId, Money, TeamId, UserId,
    ValidationErrors,
};
use utoipa::{IntoParams, ToSchema};

use super::{ListOf, Paging, created, merge_patch, with_etag};
use crate::AppState;
use crate::error::{ApiResult, Problem};
use crate::extract::{ApiJson, ApiQuery, Authed, IfMatch, parse_field_id, parse_id, query_parts};

/// An unmet gate condition on the wire, with a message in both languages.
pub(crate) fn unmet_json(u: &Unmet) -> serde_json::Value {
    let mut v = serde_json::to_value(u).unwrap_or_default();
    if let Some(obj) = v.as_object_mut() {
        obj.insert("message".into(), u.describe("zh").into());
        obj.insert("message_en".into(), u.describe("en").into());
    }
    v
}

/// The fields a client sets on a case.
#[derive(Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct CaseInput {
    pub title: Option<String>,
    pub owner_id: Option<UserId>,
    /// In yuan.
    #[schema(value_type = Option<String>, example = "500000.00")]
    pub expected_amount: Option<Decimal>,
    pub expected_close_date: Option<NaiveDate>,
    pub competitors: Option<String>,
    pub obstacles: Option<String>,
    #[schema(value_type = Option<String>)]
    pub expected_cost: Option<Decimal>,
    pub next_step: Option<String>,
}

impl From<CaseInput> for CaseDraft {
    fn from(i: CaseInput) -> Self {
        CaseDraft {
            title: i.title,
            owner_id: i.owner_id,
            expected_amount: i.expected_amount,
            expected_close_date: i.expected_close_date,
            competitors: i.competitors,
            obstacles: i.obstacles,
            expected_cost: i.expected_cost,
            next_step: i.next_step,
        }
    }
}

impl From<CaseDraft> for CaseInput {
    fn from(d: CaseDraft) -> Self {
        CaseInput {
            title: d.title,
            owner_id: d.owner_id,
            expected_amount: d.expected_amount,
            expected_close_date: d.expected_close_date,
            competitors: d.competitors,
            obstacles: d.obstacles,
            expected_cost: d.expected_cost,
            next_step: d.next_step,
        }
    }
}

/// A new case: the customer, the template, and the case's fields.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCase {
    pub customer_id: Option<CustomerId>,
    /// The key of the process template, e.g. `big_account_five_stages`.
    pub template: Option<String>,
    #[serde(flatten)]
    pub fields: CaseInput,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ChecklistItemView {
    pub key: String,
    #[schema(value_type = Object)]
    pub text: Text,
    pub kind: ItemKind,
    pub required: bool,
    pub done: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StageView {
    pub key: String,
    #[schema(value_type = Object)]
    pub name: Text,
    /// 0-based position in the template.
    pub index: usize,
    pub probability: u8,
    #[schema(value_type = Option<Object>)]
    pub goal: Option<Text>,
    pub entered_at: DateTime<Utc>,
    pub due_at: Option<DateTime<Utc>>,
    pub overdue: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct GateView {
    /// True when nothing is missing (approval included).
    pub open: bool,
    pub next_stage: Option<String>,
    /// Every condition still unmet: `kind` is `checklist_item`, `field`, `form` or `approval`.
    #[schema(value_type = Vec<Object>)]
    pub unmet: Vec<serde_json::Value>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TemplateRef {
    pub key: String,
    pub version: i64,
    #[schema(value_type = Object)]
    pub name: Text,
}

/// A case as the API shows it: its stage, checklist, gate and approval.
#[derive(Debug, Serialize, ToSchema)]
pub struct CaseView {
    pub id: CaseId,
    pub customer_id: CustomerId,
    pub template: TemplateRef,
    #[serde(flatten)]
    pub fields: CaseInput,
    pub status: CaseStatus,
    pub stage: StageView,
    pub checklist: Vec<ChecklistItemView>,
    /// For an open case: what is still missing before it may leave its stage.
    pub gate: Option<GateView>,
    pub approval: Option<ApprovalView>,
    pub outcome_reason: Option<String>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

fn case_view(d: CaseDetail, now: DateTime<Utc>) -> CaseView {
    let c = d.case;
    let stage = d.template.stage(&c.stage);
    let index = d.template.stage_index(&c.stage).unwrap_or(0);
    let checklist = stage
        .map(|s| {
            s.checklist
                .iter()
                .map(|i| ChecklistItemView {
                    key: i.key.get_ref().clone(),
                    text: i.text.clone(),
                    kind: i.kind,
                    required: i.required,
                    done: c.checked.contains(&tuoke_core::process::case::check_key(
                        s.key(),
                        i.key.get_ref(),
                    )),
                })
                .collect()
        })
        .unwrap_or_default();
    CaseView {
        id: c.id,
        customer_id: c.customer_id,
        template: TemplateRef {
            key: c.template_key.clone(),
            version: c.template_version,
            name: d.template.name.clone(),
        },
        status: c.status,
        stage: StageView {
            key: c.stage.clone(),
            name: stage.map(|s| s.name.clone()).unwrap_or(Text {
                zh: c.stage.clone(),
                en: c.stage.clone(),
            }),
            index,
            probability: stage.map_or(0, |s| s.probability()),
            goal: stage.and_then(|s| s.goal.clone()),
            entered_at: c.stage_entered_at,
            due_at: c.stage_due_at,
            overdue: c.is_overdue(now),
        },
        checklist,
        gate: d.gate.map(|g| GateView {
            open: g.is_open(),
            next_stage: g.next_stage.clone(),
            unmet: g.unmet.iter().map(unmet_json).collect(),
        }),
        approval: d.approval.map(ApprovalView::from),
        outcome_reason: c.outcome_reason.clone(),
        version: c.version,
        created_at: c.created_at,
        updated_at: c.updated_at,
        fields: CaseInput::from(c.to_draft()),
    }
}

/// A case in a list (without its checklist and gate).
#[derive(Debug, Serialize, ToSchema)]
pub struct CaseSummary {
    pub id: CaseId,
    pub customer_id: CustomerId,
    pub template_key: String,
    pub template_version: i64,
    pub title: String,
    pub owner_id: UserId,
    #[schema(value_type = Option<String>)]
    pub expected_amount: Option<Decimal>,
    pub expected_close_date: Option<NaiveDate>,
    pub status: CaseStatus,
    pub stage: String,
    pub stage_entered_at: DateTime<Utc>,
    pub stage_due_at: Option<DateTime<Utc>>,
    pub version: i64,
}

impl From<DevelopmentCase> for CaseSummary {
    fn from(c: DevelopmentCase) -> Self {
        CaseSummary {
            id: c.id,
            customer_id: c.customer_id,
            template_key: c.template_key,
            template_version: c.template_version,
            title: c.title,
            owner_id: c.owner_id,
            expected_amount: c.expected_amount.map(Money::yuan),
            expected_close_date: c.expected_close_date,
            status: c.status,
            stage: c.stage,
            stage_entered_at: c.stage_entered_at,
            stage_due_at: c.stage_due_at,
            version: c.version,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ApprovalView {
    pub id: ApprovalId,
    pub kind: ApprovalKind,
    pub case_id: Option<CaseId>,
    pub stage: Option<String>,
    pub requested_by: UserId,
    pub approver_id: UserId,
    pub status: ApprovalStatus,
    pub comment: Option<String>,
    pub requested_at: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
    pub due_at: Option<DateTime<Utc>>,
    pub version: i64,
}

impl From<Approval> for ApprovalView {
    fn from(a: Approval) -> Self {
        ApprovalView {
            id: a.id,
            kind: a.kind,
            case_id: a.case_id,
            stage: a.stage,
            requested_by: a.requested_by,
            approver_id: a.approver_id,
            status: a.status,
            comment: a.comment,
            requested_at: a.requested_at,
            decided_at: a.decided_at,
            due_at: a.due_at,
            version: a.version,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CaseEventView {
    pub at: DateTime<Utc>,
    pub actor_id: Option<UserId>,
    pub kind: CaseEventKind,
    pub from_stage: Option<String>,
    pub to_stage: Option<String>,
    pub reason: Option<String>,
    pub comment: Option<String>,
}

impl From<CaseEvent> for CaseEventView {
    fn from(e: CaseEvent) -> Self {
        CaseEventView {
            at: e.at,
            actor_id: e.actor_id,
            kind: e.kind,
            from_stage: e.from_stage,
            to_stage: e.to_stage,
            reason: e.reason,
            comment: e.comment,
        }
    }
}

#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CaseSortParam {
    Newest,
    Due,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct CaseListQuery {
    pub template: Option<String>,
    pub stage: Option<String>,
    pub owner_id: Option<String>,
    pub team_id: Option<String>,
    pub customer_id: Option<String>,
    pub status: Option<CaseStatus>,
    /// Expected amount at least this many yuan.
    #[param(value_type = Option<String>)]
    pub amount_min: Option<Decimal>,
    #[param(value_type = Option<String>)]
    pub amount_max: Option<Decimal>,
    /// Only open cases whose stage deadline has passed.
    pub overdue: Option<bool>,
    /// Only open cases whose stage is due within this many working days.
    pub due_within_days: Option<u32>,
    /// `newest` (default) or `due` (earliest deadline first).
    #[param(value_type = Option<CaseSortParam>)]
    pub sort: Option<CaseSortParam>,
}

impl CaseListQuery {
    pub(crate) async fn filter(self, app: &App) -> ApiResult<CaseFilter> {
        let owners_in = match self.team_id.as_deref() {
            Some(t) => Some(
                app.team_owners(parse_field_id::<TeamId>(t, "team_id")?)
                    .await?,
            ),
            None => None,
        };
        let due_by = match (self.overdue, self.due_within_days) {
            (Some(true), _) => Some(app.now()),
            (_, Some(days)) => Some(app.working_days_from_now(days).await?),
            _ => None,
        };
        Ok(CaseFilter {
            template_key: self.template,
            stage: self.stage,
            owner_id: self
                .owner_id
                .as_deref()
                .map(|o| parse_field_id(o, "owner_id"))
                .transpose()?,
            owners_in,
            customer_id: self
                .customer_id
                .as_deref()
                .map(|c| parse_field_id(c, "customer_id"))
                .transpose()?,
            status: if due_by.is_some() {
                Some(CaseStatus::Open)
            } else {
                self.status
            },
            amount_min_fen: fen("amount_min", self.amount_min)?,
            amount_max_fen: fen("amount_max", self.amount_max)?,
            due_by,
            sort: match self.sort {
                Some(CaseSortParam::Due) => CaseSort::Due,
                _ => CaseSort::Newest,
            },
            ..CaseFilter::visible(Visibility::All)
        })
    }
}

fn fen(field: &str, yuan: Option<Decimal>) -> Result<Option<i64>, ValidationErrors> {
    yuan.map(|y| {
        Money::from_yuan(y)
            .map(Money::fen)
            .map_err(|e| ValidationErrors::single(field, "invalid", e.to_string()))
    })
    .transpose()
}

/// Cases you may see, filtered.
#[utoipa::path(get, path = "/api/v1/cases", tag = "cases", security(("bearer" = [])),
    params(CaseListQuery, Paging), responses((status = 200, body = ListOf<CaseSummary>), (status = 422, body = Problem)))]
pub async fn list_cases(
    State(state): State<AppState>,
    Authed(actor): Authed,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<ListOf<CaseSummary>>> {
    let (paging, q): (Paging, CaseListQuery) =
        query_parts(query.as_deref().unwrap_or(""), &["limit", "cursor"])?;
    let filter = q.filter(&state.app).await?;
    let page = state
        .app
        .list_cases(&actor, filter, &paging.request())
        .await?;
    Ok(Json(ListOf::from_page(page, CaseSummary::from)))
}

/// Open a development case for a customer with a process template. It starts
/// at the template's first stage and keeps the template's current version.
#[utoipa::path(post, path = "/api/v1/cases", tag = "cases", security(("bearer" = [])), request_body = NewCase,
    responses((status = 201, body = CaseView), (status = 422, body = Problem)))]
pub async fn create_case(
    State(state): State<AppState>,
    Authed(actor): Authed,
    ApiJson(input): ApiJson<NewCase>,
) -> ApiResult<Response> {
    let mut errors = ValidationErrors::new();
    if input.customer_id.is_none() {
        errors.add("customer_id", "required", "name the customer");
    }
    if input
        .template
        .as_deref()
        .is_none_or(|t| t.trim().is_empty())
    {
        errors.add("template", "required", "name the process template");
    }
    let (Some(customer), Some(template)) = (input.customer_id, input.template) else {
        return Err(errors.into());
    };
    let detail = state
        .app
        .create_case(&actor, customer, template.trim(), input.fields.into())
        .await?;
    let (id, version) = (detail.case.id, detail.case.version);
    Ok(created(
        format!("/api/v1/cases/{id}"),
        version,
        case_view(detail, state.app.now()),
    ))
}

/// One case with its stage, checklist, gate report and approval.
#[utoipa::path(get, path = "/api/v1/cases/{id}", tag = "cases", security(("bearer" = [])),
    params(("id" = String, Path)), responses((status = 200, body = CaseView), (status = 404, body = Problem)))]
pub async fn show_case(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let detail = state.app.get_case(&actor, parse_id(&id, "case")?).await?;
    Ok(with_etag(
        StatusCode::OK,
        detail.case.version,
        case_view(detail, state.app.now()),
    ))
}

/// Change a case's fields with a JSON merge patch. Needs `If-Match`.
#[utoipa::path(patch, path = "/api/v1/cases/{id}", tag = "cases", security(("bearer" = [])),
    params(("id" = String, Path), ("If-Match" = String, Header)),
    request_body(content = CaseInput, content_type = "application/merge-patch+json"),
    responses((status = 200, body = CaseView), (status = 412, body = Problem), (status = 422, body = Problem)))]
pub async fn update_case(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Path(id): Path<String>,
    IfMatch(version): IfMatch,
    ApiJson(patch): ApiJson<serde_json::Value>,
) -> ApiResult<Response> {
    let id = parse_id(&id, "case")?;
    let detail = state
        .app
        .update_case(&actor, id, version, |draft| {
            Ok(merge_patch(&CaseInput::from(draft), &patch)?.into())
        })
        .await?;
    Ok(with_etag(
        StatusCode::OK,
        detail.case.version,
        case_view(detail, state.app.now()),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckInput {
    pub done: bool,
}

/// Mark a checklist item of the current stage done or not done. Needs `If-Match`.
#[utoipa::path(put, path = "/api/v1/cases/{id}/checklist/{item}", tag = "cases", security(("bearer" = [])),
    params(("id" = String, Path), ("item" = String, Path), ("If-Match" = String, Header)), request_body = CheckInput,
    responses((status = 200, body = CaseView), (status = 412, body = Problem), (status = 422, body = Problem)))]
pub async fn set_case_check(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Path((id, item)): Path<(String, String)>,
    IfMatch(version): IfMatch,
    ApiJson(input): ApiJson<CheckInput>,
) -> ApiResult<Response> {
    let detail = state
        .app
        .set_case_check(&actor, parse_id(&id, "case")?, version, &item, input.done)
        .await?;
    Ok(with_etag(
        StatusCode::OK,
        detail.case.version,
        case_view(detail, state.app.now()),
    ))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct AdvanceInput {
    /// A later stage to jump to, where the template allows skipping.
    pub to: Option<String>,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct ReasonInput {
    pub reason: Option<String>,
}

fn moved(outcome: MoveOutcome, now: DateTime<Utc>) -> Response {
    match outcome {
        MoveOutcome::Moved(d) => with_etag(StatusCode::OK, d.case.version, case_view(d, now)),
        MoveOutcome::ApprovalRequested(d) => {
            with_etag(StatusCode::ACCEPTED, d.case.version, case_view(d, now))
        }
    }
}

/// Ask the case to leave its stage. 200: it moved. 202: everything is met but
/// the approval, which has been requested from the owner's team manager.
/// 409 `gate_closed`: refused, with every unmet condition in `unmet`. Needs `If-Match`.
#[utoipa::path(post, path = "/api/v1/cases/{id}/advance", tag = "cases", security(("bearer" = [])),
    params(("id" = String, Path), ("If-Match" = String, Header)), request_body = AdvanceInput,
    responses((status = 200, body = CaseView), (status = 202, body = CaseView), (status = 409, body = Problem), (status = 412, body = Problem)))]
pub async fn advance_case(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Path(id): Path<String>,
    IfMatch(version): IfMatch,
    input: Option<ApiJson<AdvanceInput>>,
) -> ApiResult<Response> {
    let to = input.and_then(|ApiJson(i)| i.to);
    let outcome = state
        .app
        .advance_case(&actor, parse_id(&id, "case")?, version, to.as_deref(), None)
        .await?;
    Ok(moved(outcome, state.app.now()))
}

/// Mark the case won: from its last stage, with the gate met (an approval
/// there is requested like for advancing). Needs `If-Match`.
#[utoipa::path(post, path = "/api/v1/cases/{id}/won", tag = "cases", security(("bearer" = [])),
    params(("id" = String, Path), ("If-Match" = String, Header)), request_body = ReasonInput,
    responses((status = 200, body = CaseView), (status = 202, body = CaseView), (status = 409, body = Problem)))]
pub async fn win_case(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Path(id): Path<String>,
    IfMatch(version): IfMatch,
    input: Option<ApiJson<ReasonInput>>,
) -> ApiResult<Response> {
    let reason = input.and_then(|ApiJson(i)| i.reason);
    let outcome = state
        .app
        .advance_case(&actor, parse_id(&id, "case")?, version, None, Some(reason))
        .await?;
    Ok(moved(outcome, state.app.now()))
}

async fn end(
    state: AppState,
    actor: tuoke_app::Actor,
    id: String,
    version: i64,
    status: CaseStatus,
    input: ReasonInput,
) -> ApiResult<Response> {
    let reason = input.reason.unwrap_or_default();
    let detail = state
        .app
        .end_case(&actor, parse_id(&id, "case")?, version, status, &reason)
        .await?;
    Ok(with_etag(
        StatusCode::OK,
        detail.case.version,
        case_view(detail, state.app.now()),
    ))
}

/// Terminate the case (终止) with a reason, at any stage. Needs `If-Match`.
#[utoipa::path(post, path = "/api/v1/cases/{id}/terminate", tag = "cases", security(("bearer" = [])),
    params(("id" = String, Path), ("If-Match" = String, Header)), request_body = ReasonInput,
    responses((status = 200, body = CaseView), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn terminate_case(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Path(id): Path<String>,
    IfMatch(version): IfMatch,
    ApiJson(input): ApiJson<ReasonInput>,
) -> ApiResult<Response> {
    end(state, actor, id, version, CaseStatus::Terminated, input).await
}

/// Mark the case lost with a reason, at any stage. Needs `If-Match`.
#[utoipa::path(post, path = "/api/v1/cases/{id}/lost", tag = "cases", security(("bearer" = [])),
    params(("id" = String, Path), ("If-Match" = String, Header)), request_body = ReasonInput,
    responses((status = 200, body = CaseView), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn lose_case(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Path(id): Path<String>,
    IfMatch(version): IfMatch,
    ApiJson(input): ApiJson<ReasonInput>,
) -> ApiResult<Response> {
    end(state, actor, id, version, CaseStatus::Lost, input).await
}

/// Reopen an ended case at the stage it ended in (managers only). Needs `If-Match`.
#[utoipa::path(post, path = "/api/v1/cases/{id}/reopen", tag = "cases", security(("bearer" = [])),
    params(("id" = String, Path), ("If-Match" = String, Header)), request_body = ReasonInput,
    responses((status = 200, body = CaseView), (status = 403, body = Problem), (status = 409, body = Problem)))]
pub async fn reopen_case(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Path(id): Path<String>,
    IfMatch(version): IfMatch,
    ApiJson(input): ApiJson<ReasonInput>,
) -> ApiResult<Response> {
    let reason = input.reason.unwrap_or_default();
    let detail = state
        .app
        .reopen_case(&actor, parse_id(&id, "case")?, version, &reason)
        .await?;
    Ok(with_etag(
        StatusCode::OK,
        detail.case.version,
        case_view(detail, state.app.now()),
    ))
}

/// The case's history: every transition with who, when, from, to, reason and comment.
#[utoipa::path(get, path = "/api/v1/cases/{id}/history", tag = "cases", security(("bearer" = [])),
    params(("id" = String, Path)), responses((status = 200, body = Vec<CaseEventView>), (status = 404, body = Problem)))]
pub async fn case_history(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<CaseEventView>>> {
    let events = state
        .app
        .case_history(&actor, parse_id(&id, "case")?)
        .await?;
    Ok(Json(events.into_iter().map(CaseEventView::from).collect()))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ApprovalListQuery {
    /// `pending` (default), `approved`, `rejected`, or `all`.
    pub status: Option<String>,
    /// `true`: the requests you made rather than those waiting for you.
    pub mine: Option<bool>,
    pub case_id: Option<String>,
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

/// Approvals waiting for you (pending by default), or those you requested.
#[utoipa::path(get, path = "/api/v1/approvals", tag = "cases", security(("bearer" = [])),
    params(ApprovalListQuery), responses((status = 200, body = ListOf<ApprovalView>)))]
pub async fn list_approvals(
    State(state): State<AppState>,
    Authed(actor): Authed,
    ApiQuery(q): ApiQuery<ApprovalListQuery>,
) -> ApiResult<Json<ListOf<ApprovalView>>> {
    let status = match q.status.as_deref() {
        None | Some("pending") => Some(ApprovalStatus::Pending),
        Some("all") => None,
        Some(other) => Some(other.parse().map_err(|e: tuoke_core::enums::UnknownCode| {
            ValidationErrors::single("status", "invalid", e.to_string())
        })?),
    };
    let filter = ApprovalFilter {
        status,
        requested_by: q.mine.unwrap_or(false).then_some(actor.id()),
        case_id: q
            .case_id
            .as_deref()
            .map(|c| parse_field_id(c, "case_id"))
            .transpose()?,
        approver_id: None,
    };
    let paging = Paging {
        limit: q.limit,
        cursor: q.cursor,
    };
    let page = state
        .app
        .list_approvals(&actor, filter, &paging.request())
        .await?;
    Ok(Json(ListOf::from_page(page, ApprovalView::from)))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct DecisionInput {
    /// Required to reject: the reason.
    pub comment: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DecisionView {
    pub approval: ApprovalView,
    /// The case after the decision (moved on when approved and still ready).
    pub case: Option<CaseView>,
}

async fn decide(
    state: AppState,
    actor: tuoke_app::Actor,
    id: String,
    approve: bool,
    input: DecisionInput,
) -> ApiResult<Json<DecisionView>> {
    let (approval, case) = state
        .app
        .decide_approval(
            &actor,
            parse_id(&id, "approval")?,
            approve,
            input.comment.as_deref(),
        )
        .await?;
    let now = state.app.now();
    Ok(Json(DecisionView {
        approval: approval.into(),
        case: case.map(|c| case_view(c, now)),
    }))
}

/// Approve a request (the approver or an administrator). An approved stage
/// gate moves the case on when the rest of its gate is met.
#[utoipa::path(post, path = "/api/v1/approvals/{id}/approve", tag = "cases", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = DecisionInput,
    responses((status = 200, body = DecisionView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn approve(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Path(id): Path<String>,
    input: Option<ApiJson<DecisionInput>>,
) -> ApiResult<Json<DecisionView>> {
    decide(
        state,
        actor,
        id,
        true,
        input.map(|ApiJson(i)| i).unwrap_or_default(),
    )
    .await
}

/// Reject a request with a reason; the case stays where it is.
#[utoipa::path(post, path = "/api/v1/approvals/{id}/reject", tag = "cases", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = DecisionInput,
    responses((status = 200, body = DecisionView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn reject(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<DecisionInput>,
) -> ApiResult<Json<DecisionView>> {
    decide(state, actor, id, false, input).await
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct FunnelParams {
    /// The process template's key.
    pub template: Option<String>,
    pub owner_id: Option<String>,
    pub team_id: Option<String>,
    /// Cases opened at or after this time.
    pub from: Option<DateTime<Utc>>,
    /// Cases opened before this time.
    pub to: Option<DateTime<Utc>>,
}

/// The funnel of a template: per stage the open cases, amounts, weighted
/// amounts, conversion to the next stage, win rate, and days in stage.
#[utoipa::path(get, path = "/api/v1/reports/funnel", tag = "reports", security(("bearer" = [])),
    params(FunnelParams), responses((status = 200, body = Object), (status = 422, body = Problem)))]
pub async fn funnel_report(
    State(state): State<AppState>,
    Authed(actor): Authed,
    ApiQuery(q): ApiQuery<FunnelParams>,
) -> ApiResult<Json<FunnelReport>> {
    let Some(template_key) = q.template.filter(|t| !t.trim().is_empty()) else {
        return Err(
            ValidationErrors::single("template", "required", "name the process template").into(),
        );
    };
    let query = FunnelQuery {
        template_key,
        owner_id: q
            .owner_id
            .as_deref()
            .map(|o| parse_field_id(o, "owner_id"))
            .transpose()?,
        team_id: q
            .team_id
            .as_deref()
            .map(|t| parse_field_id(t, "team_id"))
            .transpose()?,
        created_from: q.from,
        created_to: q.to,
    };
    Ok(Json(state.app.funnel_report(&actor, query).await?))
}

/// One approval you decide or requested.
#[utoipa::path(get, path = "/api/v1/approvals/{id}", tag = "cases", security(("bearer" = [])),
    params(("id" = String, Path)), responses((status = 200, body = ApprovalView), (status = 404, body = Problem)))]
pub async fn show_approval(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Path(id): Path<String>,
) -> ApiResult<impl IntoResponse> {
    let approval = state
        .app
        .get_approval(&actor, parse_id(&id, "approval")?)
        .await?;
    Ok(Json(ApprovalView::from(approval)))
}
