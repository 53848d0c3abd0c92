//! The approvals inbox: stage gates waiting for the manager, approved or
//! rejected with a comment.

use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tuoke_app::AppError;
use tuoke_app::ports::{ApprovalFilter, PageRequest};
use tuoke_core::ApprovalStatus;

use super::{bad_csrf, failure, label, local_time};
use crate::AppState;
use crate::ui::{Viewer, render};

pub async fn inbox(State(state): State<AppState>, viewer: Viewer) -> Response {
    let lang = viewer.lang;
    let app = &state.app;
    let filter = ApprovalFilter {
        status: Some(ApprovalStatus::Pending),
        ..ApprovalFilter::default()
    };
    let approvals = match app
        .list_approvals(&viewer.actor, filter, &PageRequest::first(200))
        .await
    {
        Ok(p) => p.items,
        Err(e) => return failure(&viewer, e),
    };
    let users = super::user_names(&state, &viewer).await;
    let mut rows = Vec::new();
    for a in approvals {
        let Some(case_id) = a.case_id else { continue };
        let (title, stage) = match app.get_case(&viewer.actor, case_id).await {
            Ok(d) => {
                let stage = d
                    .template
                    .stage(a.stage.as_deref().unwrap_or_default())
                    .map(|s| super::text(lang, &s.name))
                    .unwrap_or_default();
                (d.case.title, stage)
            }
            // The approver may not own the case; the request still names it.
            Err(_) => (case_id.to_string(), a.stage.clone().unwrap_or_default()),
        };
        rows.push(minijinja::context! {
            id => a.id.to_string(), case_id => case_id.to_string(), title => title, stage => stage,
            requested_by => users.get(&a.requested_by).cloned().unwrap_or_default(), requested_at => local_time(a.requested_at),
            kind => label(lang, a.kind),
        });
    }
    render(
        "approvals.html",
        Some(&viewer),
        lang,
        minijinja::context! { nav => "approvals", rows => rows },
    )
}

#[derive(Debug, Deserialize)]
pub struct DecisionForm {
    #[serde(default)]
    csrf: String,
    decision: String,
    #[serde(default)]
    comment: String,
}

pub async fn decide(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(form): Form<DecisionForm>,
) -> Response {
    if !viewer.csrf_ok(&form.csrf) {
        return bad_csrf(&viewer);
    }
    let Ok(approval_id) = id.parse() else {
        return failure(&viewer, AppError::NotFound { entity: "approval" });
    };
    let comment = Some(form.comment.trim()).filter(|c| !c.is_empty());
    match state
        .app
        .decide_approval(
            &viewer.actor,
            approval_id,
            form.decision == "approve",
            comment,
        )
        .await
    {
        Ok(_) => Redirect::to("/approvals").into_response(),
        Err(e) => failure(&viewer, e),
    }
}
