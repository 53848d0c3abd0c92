//! Administration: users, teams and templates (view, upload a new version
//! with the checker's errors shown).

use axum::Form;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tuoke_app::ports::PageRequest;
use tuoke_app::{AppError, CheckedTemplate};
use tuoke_core::forms::FormTemplate;
use tuoke_core::process::ProcessTemplate;

use super::{bad_csrf, failure, label, text};
use crate::AppState;
use crate::ui::{Viewer, error_page, render};

async fn overview_page(
    state: &AppState,
    viewer: &Viewer,
    upload: Option<(String, Vec<String>)>,
    flash: Option<String>,
) -> Response {
    let lang = viewer.lang;
    let app = &state.app;
    if let Err(e) = viewer.actor.require_admin() {
        return failure(viewer, e);
    }
    let users = app
        .list_users(&viewer.actor, &PageRequest::first(PageRequest::MAX_LIMIT))
        .await
        .map(|p| p.items)
        .unwrap_or_default();
    let teams = app
        .list_teams(&viewer.actor, &PageRequest::first(PageRequest::MAX_LIMIT))
        .await
        .map(|p| p.items)
        .unwrap_or_default();
    let team_names: std::collections::HashMap<_, _> =
        teams.iter().map(|t| (t.id, t.name.clone())).collect();
    let user_names: std::collections::HashMap<_, _> = users
        .iter()
        .map(|u| (u.id, u.display_name.clone()))
        .collect();
    let processes = app
        .list_templates::<ProcessTemplate>(&viewer.actor)
        .await
        .unwrap_or_default();
    let forms = app
        .list_templates::<FormTemplate>(&viewer.actor)
        .await
        .unwrap_or_default();
    let mut templates: Vec<_> = processes
        .iter()
        .map(|v| minijinja::context! { kind => "process", key => v.stored.key.clone(), name => text(lang, &v.template.name), version => v.stored.version, builtin => v.stored.builtin, parts => v.template.stages.len() })
        .collect();
    templates.extend(forms.iter().map(|v| minijinja::context! { kind => "form", key => v.stored.key.clone(), name => text(lang, &v.template.name), version => v.stored.version, builtin => v.stored.builtin, parts => v.template.items().count() }));
    let (source, errors) = upload.unwrap_or_default();
    let page = minijinja::context! {
        nav => "admin", flash => flash, flash_kind => if errors.is_empty() { "ok" } else { "error" },
        users => users.iter().map(|u| minijinja::context! { username => u.username.to_string(), name => u.display_name.clone(), role => label(lang, u.role), team => u.team_id.and_then(|t| team_names.get(&t).cloned()), active => u.active }).collect::<Vec<_>>(),
        teams => teams.iter().map(|t| minijinja::context! { name => t.name.clone(), manager => t.manager_id.and_then(|m| user_names.get(&m).cloned()) }).collect::<Vec<_>>(),
        templates => templates, source => source, errors => errors,
    };
    render("admin.html", Some(viewer), lang, page)
}

pub async fn overview(State(state): State<AppState>, viewer: Viewer) -> Response {
    overview_page(&state, &viewer, None, None).await
}

#[derive(Debug, Deserialize)]
pub struct UploadForm {
    #[serde(default)]
    csrf: String,
    source: String,
}

/// Uploads a template (process or form) as a new version; the checker's
/// errors, with their lines, are shown next to the text.
pub async fn upload_template(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(form): Form<UploadForm>,
) -> Response {
    if !viewer.csrf_ok(&form.csrf) {
        return bad_csrf(&viewer);
    }
    if !viewer.actor.is_admin() {
        return error_page(
            Some(&viewer),
            viewer.lang,
            axum::http::StatusCode::FORBIDDEN,
            "only an administrator may upload templates",
        );
    }
    let result = match tuoke_app::App::check_template(&form.source) {
        Ok(CheckedTemplate::Process(_)) => state
            .app
            .add_template::<ProcessTemplate>(&viewer.actor, &form.source)
            .await
            .map(|v| v.stored),
        Ok(CheckedTemplate::Form(_)) => state
            .app
            .add_template::<FormTemplate>(&viewer.actor, &form.source)
            .await
            .map(|v| v.stored),
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Redirect::to("/admin#templates").into_response(),
        Err(AppError::TemplateInvalid(errors)) => {
            let errors = errors.iter().map(ToString::to_string).collect();
            let mut page = overview_page(&state, &viewer, Some((form.source, errors)), None).await;
            *page.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
            page
        }
        Err(e) => failure(&viewer, e),
    }
}
