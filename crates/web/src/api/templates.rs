//! Templates: `/api/v1/process-templates` and `/api/v1/form-templates`.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tuoke_app::{App, CheckedTemplate, TemplateKind, TemplateVersion};
use tuoke_core::forms::FormTemplate;
use tuoke_core::process::ProcessTemplate;
use tuoke_core::process::template::Text;
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::error::{ApiResult, Problem};
use crate::extract::{ApiJson, ApiQuery, Authed};

/// What a list shows of a template of either kind.
trait Describe: TemplateKind + Serialize {
    fn name(&self) -> &Text;
    /// What it applies to: a process's `applies_to`, a form's `subject`.
    fn applies_to(&self) -> &'static str;
    fn source_reference(&self) -> Option<&str>;
    /// Stages of a process, items of a form.
    fn parts(&self) -> usize;
}

impl Describe for ProcessTemplate {
    fn name(&self) -> &Text {
        &self.name
    }
    fn applies_to(&self) -> &'static str {
        self.applies_to.code()
    }
    fn source_reference(&self) -> Option<&str> {
        self.source.as_deref()
    }
    fn parts(&self) -> usize {
        self.stages.len()
    }
}

impl Describe for FormTemplate {
    fn name(&self) -> &Text {
        &self.name
    }
    fn applies_to(&self) -> &'static str {
        self.subject.code()
    }
    fn source_reference(&self) -> Option<&str> {
        self.source.as_deref()
    }
    fn parts(&self) -> usize {
        self.items().count()
    }
}

/// A template version in a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct TemplateSummary {
    pub key: String,
    pub version: i64,
    #[schema(value_type = Object)]
    pub name: Text,
    /// For a process: `customer_development`, `product_request` or `project`;
    /// for a form: `customer`, `case` or `either`.
    pub applies_to: String,
    pub source_reference: Option<String>,
    /// The stages of a process, the items of a form.
    pub parts: usize,
    /// Shipped with Tuoke rather than uploaded.
    pub builtin: bool,
    pub created_at: DateTime<Utc>,
}

fn summary<T: Describe>(v: &TemplateVersion<T>) -> TemplateSummary {
    TemplateSummary {
        key: v.stored.key.clone(),
        version: v.stored.version,
        name: v.template.name().clone(),
        applies_to: v.template.applies_to().to_owned(),
        source_reference: v.template.source_reference().map(str::to_owned),
        parts: v.template.parts(),
        builtin: v.stored.builtin,
        created_at: v.stored.created_at,
    }
}

/// A template version in full: its parsed content and its TOML source.
#[derive(Debug, Serialize, ToSchema)]
pub struct TemplateView {
    #[serde(flatten)]
    pub summary: TemplateSummary,
    /// The template as structured data (the fields of its file format:
    /// docs/templates.md or docs/forms.md).
    #[schema(value_type = Object)]
    pub template: serde_json::Value,
    /// The TOML file as uploaded.
    pub source: String,
}

fn view<T: Describe>(v: TemplateVersion<T>) -> TemplateView {
    TemplateView {
        summary: summary(&v),
        template: serde_json::to_value(&*v.template).unwrap_or_default(),
        source: v.stored.source,
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TemplateUpload {
    /// The TOML text of the template.
    pub source: String,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct VersionQuery {
    /// A specific version; the newest by default.
    pub version: Option<i64>,
}

async fn list<T: Describe>(
    state: &AppState,
    actor: &tuoke_app::Actor,
) -> ApiResult<Json<Vec<TemplateSummary>>> {
    Ok(Json(
        state
            .app
            .list_templates::<T>(actor)
            .await?
            .iter()
            .map(summary)
            .collect(),
    ))
}

async fn show<T: Describe>(
    state: &AppState,
    key: &str,
    version: Option<i64>,
) -> ApiResult<Json<TemplateView>> {
    Ok(Json(view(state.app.template::<T>(key, version).await?)))
}

async fn add<T: Describe>(
    state: &AppState,
    actor: &tuoke_app::Actor,
    source: &str,
) -> ApiResult<Response> {
    let version = state.app.add_template::<T>(actor, source).await?;
    Ok((StatusCode::CREATED, Json(view(version))).into_response())
}

/// The newest version of every process template.
#[utoipa::path(get, path = "/api/v1/process-templates", tag = "processes", security(("bearer" = [])),
    responses((status = 200, body = Vec<TemplateSummary>)))]
pub async fn list_process_templates(
    State(state): State<AppState>,
    Authed(actor): Authed,
) -> ApiResult<Json<Vec<TemplateSummary>>> {
    list::<ProcessTemplate>(&state, &actor).await
}

/// One process template, its newest version or the one asked for.
#[utoipa::path(get, path = "/api/v1/process-templates/{key}", tag = "processes", security(("bearer" = [])),
    params(("key" = String, Path), VersionQuery), responses((status = 200, body = TemplateView), (status = 404, body = Problem)))]
pub async fn show_process_template(
    State(state): State<AppState>,
    Authed(_actor): Authed,
    Path(key): Path<String>,
    ApiQuery(q): ApiQuery<VersionQuery>,
) -> ApiResult<Json<TemplateView>> {
    show::<ProcessTemplate>(&state, &key, q.version).await
}

/// Add a process template, or the next version of one with the same key
/// (administrators only). Running cases keep their version.
#[utoipa::path(post, path = "/api/v1/process-templates", tag = "processes", security(("bearer" = [])),
    request_body = TemplateUpload,
    responses((status = 201, body = TemplateView), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create_process_template(
    State(state): State<AppState>,
    Authed(actor): Authed,
    ApiJson(upload): ApiJson<TemplateUpload>,
) -> ApiResult<Response> {
    add::<ProcessTemplate>(&state, &actor, &upload.source).await
}

/// The newest version of every form template.
#[utoipa::path(get, path = "/api/v1/form-templates", tag = "forms", security(("bearer" = [])),
    responses((status = 200, body = Vec<TemplateSummary>)))]
pub async fn list_form_templates(
    State(state): State<AppState>,
    Authed(actor): Authed,
) -> ApiResult<Json<Vec<TemplateSummary>>> {
    list::<FormTemplate>(&state, &actor).await
}

/// One form template, its newest version or the one asked for.
#[utoipa::path(get, path = "/api/v1/form-templates/{key}", tag = "forms", security(("bearer" = [])),
    params(("key" = String, Path), VersionQuery), responses((status = 200, body = TemplateView), (status = 404, body = Problem)))]
pub async fn show_form_template(
    State(state): State<AppState>,
    Authed(_actor): Authed,
    Path(key): Path<String>,
    ApiQuery(q): ApiQuery<VersionQuery>,
) -> ApiResult<Json<TemplateView>> {
    show::<FormTemplate>(&state, &key, q.version).await
}

/// Add a form template, or the next version of one (administrators only).
/// Filled forms keep the version they were filled on.
#[utoipa::path(post, path = "/api/v1/form-templates", tag = "forms", security(("bearer" = [])),
    request_body = TemplateUpload,
    responses((status = 201, body = TemplateView), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create_form_template(
    State(state): State<AppState>,
    Authed(actor): Authed,
    ApiJson(upload): ApiJson<TemplateUpload>,
) -> ApiResult<Response> {
    add::<FormTemplate>(&state, &actor, &upload.source).await
}

/// Check a template file of either kind without saving it: 200 when it is
/// valid, 422 with each problem and its line otherwise.
#[utoipa::path(post, path = "/api/v1/templates/check", tag = "processes", security(("bearer" = [])),
    request_body = TemplateUpload, responses((status = 200, body = Object), (status = 422, body = Problem)))]
pub async fn check_template(
    Authed(_actor): Authed,
    ApiJson(upload): ApiJson<TemplateUpload>,
) -> ApiResult<Json<serde_json::Value>> {
    Ok(Json(match App::check_template(&upload.source)? {
        CheckedTemplate::Process(t) => {
            serde_json::json!({"kind": "process", "key": t.key(), "parts": t.stages.len(), "valid": true})
        }
        CheckedTemplate::Form(t) => {
            serde_json::json!({"kind": "form", "key": t.key(), "parts": t.items().count(), "valid": true})
        }
    }))
}
