//! Process templates: `/api/v1/process-templates`.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tuoke_app::{App, TemplateVersion};
use tuoke_core::process::template::{AppliesTo, Text};
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::error::{ApiResult, Problem};
use crate::extract::{ApiJson, ApiQuery, Authed};

/// A template version in a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct TemplateSummary {
    pub key: String,
    pub version: i64,
    #[schema(value_type = Object)]
    pub name: Text,
    pub applies_to: AppliesTo,
    pub source_reference: Option<String>,
    pub stages: usize,
    /// Shipped with Tuoke rather than uploaded.
    pub builtin: bool,
    pub created_at: DateTime<Utc>,
}

impl From<&TemplateVersion> for TemplateSummary {
    fn from(v: &TemplateVersion) -> Self {
        TemplateSummary {
            key: v.stored.key.clone(),
            version: v.stored.version,
            name: v.template.name.clone(),
            applies_to: v.template.applies_to,
            source_reference: v.template.source.clone(),
            stages: v.template.stages.len(),
            builtin: v.stored.builtin,
            created_at: v.stored.created_at,
        }
    }
}

/// A template version in full: its parsed content and its TOML source.
#[derive(Debug, Serialize, ToSchema)]
pub struct TemplateView {
    #[serde(flatten)]
    pub summary: TemplateSummary,
    /// The template as structured data (the fields of the file format, see docs/templates.md).
    #[schema(value_type = Object)]
    pub template: serde_json::Value,
    /// The TOML file as uploaded.
    pub source: String,
}

impl From<TemplateVersion> for TemplateView {
    fn from(v: TemplateVersion) -> Self {
        TemplateView {
            summary: TemplateSummary::from(&v),
            template: serde_json::to_value(&*v.template).unwrap_or_default(),
            source: v.stored.source,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TemplateUpload {
    /// The TOML text of the template (see docs/templates.md).
    pub source: String,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct VersionQuery {
    /// A specific version; the newest by default.
    pub version: Option<i64>,
}

/// The newest version of every process template.
#[utoipa::path(get, path = "/api/v1/process-templates", tag = "processes", security(("bearer" = [])),
    responses((status = 200, body = Vec<TemplateSummary>)))]
pub async fn list_process_templates(
    State(state): State<AppState>,
    Authed(actor): Authed,
) -> ApiResult<Json<Vec<TemplateSummary>>> {
    let all = state.app.list_process_templates(&actor).await?;
    Ok(Json(all.iter().map(TemplateSummary::from).collect()))
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
    Ok(Json(
        state.app.process_template(&key, q.version).await?.into(),
    ))
}

/// Add a template, or the next version of one with the same key
/// (administrators only). Running cases keep their version.
#[utoipa::path(post, path = "/api/v1/process-templates", tag = "processes", security(("bearer" = [])),
    request_body = TemplateUpload,
    responses((status = 201, body = TemplateView), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create_process_template(
    State(state): State<AppState>,
    Authed(actor): Authed,
    ApiJson(upload): ApiJson<TemplateUpload>,
) -> ApiResult<Response> {
    let version = state
        .app
        .add_process_template(&actor, &upload.source)
        .await?;
    Ok((StatusCode::CREATED, Json(TemplateView::from(version))).into_response())
}

/// Check a template without saving it: 200 when it is valid, 422 with each
/// problem and its line otherwise.
#[utoipa::path(post, path = "/api/v1/process-templates/check", tag = "processes", security(("bearer" = [])),
    request_body = TemplateUpload, responses((status = 200, body = TemplateSummary), (status = 422, body = Problem)))]
pub async fn check_process_template(
    Authed(_actor): Authed,
    ApiJson(upload): ApiJson<TemplateUpload>,
) -> ApiResult<Json<serde_json::Value>> {
    let template = App::check_process_template(&upload.source)?;
    Ok(Json(
        serde_json::json!({"key": template.key(), "stages": template.stages.len(), "valid": true}),
    ))
}
