//! The pipeline board, the case page, the checklist and asking a case to
//! advance; the gate report says what is missing when the engine refuses.

use std::collections::HashMap;

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use rust_decimal::Decimal;
use serde::Deserialize;
use tuoke_app::ports::{CaseFilter, PageRequest, Visibility};
use tuoke_app::{AppError, CaseDetail, MoveOutcome};
use tuoke_core::process::{CaseDraft, CaseStatus, ProcessTemplate, Unmet};
use tuoke_core::{CaseId, CustomerId};

use super::{bad_csrf, failure, label, local_time, text};
use crate::AppState;
use crate::ui::{Viewer, render};

const DEFAULT_TEMPLATE: &str = "big_account_five_stages";

#[derive(Debug, Default, Deserialize)]
pub struct BoardQuery {
    template: Option<String>,
    view: Option<String>,
    /// List view filters.
    stage: Option<String>,
    owner_id: Option<String>,
    overdue: Option<String>,
    refused: Option<String>,
    moved: Option<String>,
    requested: Option<String>,
}

/// What is missing, in the viewer's language, forms named by their names.
async fn describe(state: &AppState, viewer: &Viewer, unmet: &[Unmet]) -> Vec<String> {
    let lang = viewer.lang;
    let mut lines = Vec::with_capacity(unmet.len());
    for u in unmet {
        let mut line = u.describe(lang.code());
        if let Unmet::Form { form, .. } = u
            && let Ok(t) = state
                .app
                .template::<tuoke_core::forms::FormTemplate>(form, None)
                .await
        {
            line = line.replace(
                form.as_str(),
                &format!("《{}》", text(lang, &t.template.name)),
            );
        }
        lines.push(line);
    }
    lines
}

pub async fn pipeline(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(q): Query<BoardQuery>,
) -> Response {
    let lang = viewer.lang;
    let app = &state.app;
    let actor = &viewer.actor;
    let templates = match app.list_templates::<ProcessTemplate>(actor).await {
        Ok(t) => t,
        Err(e) => return failure(&viewer, e),
    };
    let key = q
        .template
        .clone()
        .filter(|k| templates.iter().any(|t| &t.stored.key == k))
        .unwrap_or_else(|| DEFAULT_TEMPLATE.to_owned());
    let Some(current) = templates.iter().find(|t| t.stored.key == key) else {
        return failure(
            &viewer,
            AppError::NotFound {
                entity: "process template",
            },
        );
    };
    let list_view = q.view.as_deref() == Some("list");
    let nonempty = |v: &Option<String>| v.clone().filter(|s| !s.is_empty());
    let filter = CaseFilter {
        template_key: Some(key.clone()),
        status: Some(CaseStatus::Open),
        stage: nonempty(&q.stage).filter(|_| list_view),
        owner_id: nonempty(&q.owner_id)
            .and_then(|o| o.parse().ok())
            .filter(|_| list_view),
        due_by: (list_view && q.overdue.as_deref() == Some("1")).then(|| app.now()),
        ..CaseFilter::visible(Visibility::All)
    };
    let cases = match app
        .list_cases(actor, filter, &PageRequest::first(PageRequest::MAX_LIMIT))
        .await
    {
        Ok(p) => p.items,
        Err(e) => return failure(&viewer, e),
    };
    let now = app.now();
    let ids: std::collections::BTreeSet<CustomerId> = cases.iter().map(|c| c.customer_id).collect();
    let mut names: HashMap<CustomerId, String> = HashMap::new();
    for id in ids {
        let name = app
            .get_customer(actor, id)
            .await
            .map(|c| c.name)
            .unwrap_or_default();
        names.insert(id, name);
    }
    let back = format!("/pipeline?template={key}");
    let columns: Vec<_> = current
        .template
        .stages
        .iter()
        .enumerate()
        .map(|(i, stage)| {
            let cards: Vec<_> = cases
                .iter()
                .filter(|c| c.stage == stage.key())
                .map(|c| {
                    minijinja::context! {
                        id => c.id.to_string(), title => c.title.clone(), customer => names.get(&c.customer_id).cloned().unwrap_or_default(),
                        amount => c.expected_amount.map(|m| m.to_string()), days => (now - c.stage_entered_at).num_days(),
                        due => c.stage_due_at.map(local_time), overdue => c.is_overdue(now), version => c.version,
                        last => i + 1 == current.template.stages.len(),
                    }
                })
                .collect();
            minijinja::context! { key => stage.key(), name => text(lang, &stage.name), probability => stage.probability(), cards => cards }
        })
        .collect();
    let (flash, flash_kind) = match (&q.refused, &q.moved, &q.requested) {
        (Some(id), _, _) => match id.parse::<CaseId>() {
            Ok(id) => match app.get_case(actor, id).await {
                Ok(detail) => {
                    let unmet = detail.gate.map(|g| g.unmet).unwrap_or_default();
                    let missing = describe(&state, &viewer, &unmet).await;
                    (
                        Some(format!(
                            "{} {}{}",
                            detail.case.title,
                            crate::ui::i18n::t(lang, "gate_missing"),
                            missing.join("；")
                        )),
                        "error",
                    )
                }
                Err(_) => (None, "ok"),
            },
            Err(_) => (None, "ok"),
        },
        (_, Some(_), _) => (Some(crate::ui::i18n::t(lang, "saved").to_owned()), "ok"),
        (_, _, Some(_)) => (
            Some(crate::ui::i18n::t(lang, "approval_requested").to_owned()),
            "warn",
        ),
        _ => (None, "ok"),
    };
    let owners = super::user_options(&super::user_names(&state, &viewer).await);
    let stages: Vec<_> = current
        .template
        .stages
        .iter()
        .map(|s| minijinja::context! { key => s.key(), name => text(lang, &s.name) })
        .collect();
    let template_options: Vec<_> = templates.iter().map(|t| minijinja::context! { key => t.stored.key.clone(), name => text(lang, &t.template.name) }).collect();
    let page = minijinja::context! {
        nav => "pipeline", template => key, template_name => text(lang, &current.template.name), templates => template_options,
        export_query => export_query(&key, nonempty(&q.stage).as_deref(), nonempty(&q.owner_id).as_deref(), q.overdue.as_deref() == Some("1")),
        columns => columns, back => back, list_view => list_view, stage => q.stage.clone(), owner_id => q.owner_id.clone(), overdue => q.overdue.as_deref() == Some("1"), owners => owners, stages => stages, flash => flash, flash_kind => flash_kind,
        rows => cases.iter().map(|c| minijinja::context! { id => c.id.to_string(), title => c.title.clone(), customer => names.get(&c.customer_id).cloned().unwrap_or_default(), stage => current.template.stage(&c.stage).map(|s| text(lang, &s.name)).unwrap_or_default(), amount => c.expected_amount.map(|m| m.to_string()), due => c.stage_due_at.map(local_time), overdue => c.is_overdue(now) }).collect::<Vec<_>>(),
    };
    render("pipeline.html", Some(&viewer), lang, page)
}

fn case_page(
    viewer: &Viewer,
    detail: CaseDetail,
    customer_name: String,
    history: Vec<minijinja::Value>,
    missing: Vec<String>,
    form_names: &HashMap<String, String>,
    flash: Option<(String, &'static str)>,
) -> Response {
    let lang = viewer.lang;
    let case = &detail.case;
    let template = &detail.template;
    let current_index = template.stage_index(&case.stage).unwrap_or(0);
    let path: Vec<_> = template
        .stages
        .iter()
        .enumerate()
        .map(|(i, s)| minijinja::context! { name => text(lang, &s.name), state => if i < current_index { "done" } else if i == current_index { "current" } else { "" } })
        .collect();
    let stage = template.stage(&case.stage);
    let checklist: Vec<_> = stage
        .map(|s| {
            s.checklist
                .iter()
                .map(|item| {
                    let done = case.checked.contains(&tuoke_core::process::case::check_key(s.key(), item.key.get_ref()));
                    minijinja::context! { key => item.key.get_ref().clone(), text => text(lang, &item.text), required => item.required, done => done, question => item.kind == tuoke_core::process::template::ItemKind::Question }
                })
                .collect()
        })
        .unwrap_or_default();
    let forms: Vec<_> = stage
        .map(|s| {
            s.required_forms
                .iter()
                .map(|f| minijinja::context! { key => f.form.clone(), name => form_names.get(&f.form).cloned().unwrap_or(f.form.clone()), min_grade => f.min_grade.clone() })
                .collect()
        })
        .unwrap_or_default();
    let last = template.next_stage(&case.stage).is_none();
    let now = chrono::Utc::now();
    let (flash, flash_kind) = flash.map_or((None, "ok"), |(m, k)| (Some(m), k));
    let page = minijinja::context! {
        nav => "pipeline", flash => flash, flash_kind => flash_kind,
        case => minijinja::context! {
            id => case.id.to_string(), title => case.title.clone(), customer_id => case.customer_id.to_string(), customer => customer_name,
            status => label(lang, case.status), open => case.status == CaseStatus::Open, version => case.version,
            amount => case.expected_amount.map(|m| m.to_string()), close_date => case.expected_close_date.map(|d| d.to_string()),
            due => case.stage_due_at.map(local_time), overdue => case.is_overdue(now),
            reason => case.outcome_reason.clone(), template => template.key().to_owned(),
        },
        template_name => text(lang, &template.name), path => path,
        stage => stage.map(|s| minijinja::context! { name => text(lang, &s.name), goal => s.goal.as_ref().map(|g| text(lang, g)), probability => s.probability(), exit_or_terminate => s.exit == tuoke_core::process::template::ExitRule::AdvanceOrTerminate }),
        checklist => checklist, forms => forms, last => last,
        gate => detail.gate.as_ref().map(|g| minijinja::context! { open => g.is_open(), missing => missing }),
        approval => detail.approval.as_ref().map(|a| minijinja::context! { status => label(lang, a.status), comment => a.comment.clone(), requested_at => local_time(a.requested_at) }),
        history => history,
    };
    render("case.html", Some(viewer), lang, page)
}

async fn show_case(
    state: &AppState,
    viewer: &Viewer,
    id: CaseId,
    flash: Option<(String, &'static str)>,
) -> Response {
    let lang = viewer.lang;
    let detail = match state.app.get_case(&viewer.actor, id).await {
        Ok(d) => d,
        Err(e) => return failure(viewer, e),
    };
    let customer = state
        .app
        .get_customer(&viewer.actor, detail.case.customer_id)
        .await
        .map(|c| c.name)
        .unwrap_or_default();
    let users = super::user_names(state, viewer).await;
    let names: HashMap<String, String> = detail
        .template
        .stages
        .iter()
        .map(|s| (s.key().to_owned(), text(lang, &s.name)))
        .collect();
    let history = state
        .app
        .case_history(&viewer.actor, id)
        .await
        .unwrap_or_default()
        .into_iter()
        .rev()
        .map(|e| {
            minijinja::context! {
                at => local_time(e.at), who => e.actor_id.and_then(|a| users.get(&a).cloned()).unwrap_or_default(), kind => label(lang, e.kind),
                from => e.from_stage.as_ref().and_then(|s| names.get(s).cloned()), to => e.to_stage.as_ref().and_then(|s| names.get(s).cloned()),
                reason => e.reason, comment => e.comment,
            }
        })
        .collect();
    let missing = match &detail.gate {
        Some(g) => describe(state, viewer, &g.unmet).await,
        None => Vec::new(),
    };
    let mut form_names = HashMap::new();
    for f in detail
        .template
        .stage(&detail.case.stage)
        .map(|s| s.required_forms.as_slice())
        .unwrap_or_default()
    {
        if let Ok(t) = state
            .app
            .template::<tuoke_core::forms::FormTemplate>(&f.form, None)
            .await
        {
            form_names.insert(f.form.clone(), text(lang, &t.template.name));
        }
    }
    case_page(
        viewer,
        detail,
        customer,
        history,
        missing,
        &form_names,
        flash,
    )
}

pub async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Response {
    match id.parse() {
        Ok(id) => show_case(&state, &viewer, id, None).await,
        Err(_) => failure(&viewer, AppError::NotFound { entity: "case" }),
    }
}

#[derive(Debug, Deserialize)]
pub struct CheckForm {
    #[serde(default)]
    csrf: String,
    item: String,
    done: String,
    version: i64,
}

pub async fn check(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(form): Form<CheckForm>,
) -> Response {
    if !viewer.csrf_ok(&form.csrf) {
        return bad_csrf(&viewer);
    }
    let Ok(case_id) = id.parse::<CaseId>() else {
        return failure(&viewer, AppError::NotFound { entity: "case" });
    };
    match state
        .app
        .set_case_check(
            &viewer.actor,
            case_id,
            form.version,
            &form.item,
            form.done == "true",
        )
        .await
    {
        Ok(_) => Redirect::to(&format!("/cases/{id}#checklist")).into_response(),
        Err(AppError::VersionConflict { .. }) => {
            Redirect::to(&format!("/cases/{id}")).into_response()
        }
        Err(e) => failure(&viewer, e),
    }
}

#[derive(Debug, Deserialize)]
pub struct AdvanceForm {
    #[serde(default)]
    csrf: String,
    version: i64,
    /// `advance` (default), `won`, `terminate` or `lost`.
    #[serde(default)]
    action: String,
    #[serde(default)]
    reason: String,
    /// Where the request came from: the board returns there.
    #[serde(default)]
    back: String,
}

pub async fn advance(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(form): Form<AdvanceForm>,
) -> Response {
    if !viewer.csrf_ok(&form.csrf) {
        return bad_csrf(&viewer);
    }
    let lang = viewer.lang;
    let Ok(case_id) = id.parse::<CaseId>() else {
        return failure(&viewer, AppError::NotFound { entity: "case" });
    };
    let from_board = form.back.starts_with("/pipeline");
    let result = match form.action.as_str() {
        "won" => {
            state
                .app
                .advance_case(
                    &viewer.actor,
                    case_id,
                    form.version,
                    None,
                    Some(Some(form.reason.clone()).filter(|r| !r.is_empty())),
                )
                .await
        }
        "terminate" | "lost" => {
            let status = if form.action == "lost" {
                CaseStatus::Lost
            } else {
                CaseStatus::Terminated
            };
            state
                .app
                .end_case(&viewer.actor, case_id, form.version, status, &form.reason)
                .await
                .map(MoveOutcome::Moved)
        }
        _ => {
            state
                .app
                .advance_case(&viewer.actor, case_id, form.version, None, None)
                .await
        }
    };
    match result {
        Ok(MoveOutcome::Moved(_)) if from_board => {
            Redirect::to(&format!("{}&moved={id}", form.back)).into_response()
        }
        Ok(MoveOutcome::ApprovalRequested(_)) if from_board => {
            Redirect::to(&format!("{}&requested={id}", form.back)).into_response()
        }
        Ok(MoveOutcome::Moved(_)) => Redirect::to(&format!("/cases/{id}")).into_response(),
        Ok(MoveOutcome::ApprovalRequested(_)) => {
            show_case(
                &state,
                &viewer,
                case_id,
                Some((
                    crate::ui::i18n::t(lang, "approval_requested").to_owned(),
                    "warn",
                )),
            )
            .await
        }
        Err(AppError::GateClosed(_)) if from_board => {
            Redirect::to(&format!("{}&refused={id}", form.back)).into_response()
        }
        Err(AppError::GateClosed(report)) => {
            let message = format!(
                "{}{}",
                crate::ui::i18n::t(lang, "gate_missing"),
                describe(&state, &viewer, &report.unmet).await.join("；")
            );
            let mut page = show_case(&state, &viewer, case_id, Some((message, "error"))).await;
            *page.status_mut() = axum::http::StatusCode::CONFLICT;
            page
        }
        Err(
            e
            @ (AppError::Validation(_) | AppError::Conflict(_) | AppError::VersionConflict { .. }),
        ) => show_case(&state, &viewer, case_id, Some((e.to_string(), "error"))).await,
        Err(e) => failure(&viewer, e),
    }
}

#[derive(Debug, Deserialize)]
pub struct OpenCaseForm {
    #[serde(default)]
    csrf: String,
    template: String,
    #[serde(default)]
    expected_amount: String,
}

pub async fn open_case(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(form): Form<OpenCaseForm>,
) -> Response {
    if !viewer.csrf_ok(&form.csrf) {
        return bad_csrf(&viewer);
    }
    let Ok(customer_id) = id.parse::<CustomerId>() else {
        return failure(&viewer, AppError::NotFound { entity: "customer" });
    };
    let draft = CaseDraft {
        expected_amount: form.expected_amount.trim().parse::<Decimal>().ok(),
        ..CaseDraft::default()
    };
    match state
        .app
        .create_case(&viewer.actor, customer_id, &form.template, draft)
        .await
    {
        Ok(detail) => Redirect::to(&format!("/cases/{}", detail.case.id)).into_response(),
        Err(e) => failure(&viewer, e),
    }
}

/// The list view's filters for `GET /api/v1/cases/export`, as `&name=value`
/// pairs, so the file holds every case the list shows (an owner that is
/// not an id is ignored, as the list ignores it).
fn export_query(
    template: &str,
    stage: Option<&str>,
    owner_id: Option<&str>,
    overdue: bool,
) -> String {
    let mut out = form_urlencoded::Serializer::new(String::new());
    out.append_pair("template", template);
    out.append_pair("status", "open");
    if let Some(stage) = stage {
        out.append_pair("stage", stage);
    }
    if let Some(owner) = owner_id.filter(|o| o.parse::<tuoke_core::UserId>().is_ok()) {
        out.append_pair("owner_id", owner);
    }
    if overdue {
        out.append_pair("overdue", "true");
    }
    format!("&{}", out.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_export_link_keeps_the_list_views_filters() {
        assert_eq!(
            export_query("big_account_five_stages", None, None, false),
            "&template=big_account_five_stages&status=open"
        );
        let owner = "01900000-0000-7000-8000-000000000001";
        assert_eq!(
            export_query("t", Some("identify"), Some(owner), true),
            format!("&template=t&status=open&stage=identify&owner_id={owner}&overdue=true")
        );
        assert_eq!(
            export_query("t", None, Some("张三"), false),
            "&template=t&status=open",
            "an owner the list ignores"
        );
    }
}
