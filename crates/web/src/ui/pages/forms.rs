//! Filling a form in the browser, with the score and grade following the
//! answers as they change.

use axum::Json;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::{Map, Value};
use tuoke_app::AppError;
use tuoke_app::forms::FormTarget;
use tuoke_core::forms::FormTemplate;
use tuoke_core::forms::template::ItemType;

use super::{bad_csrf, failure, text};
use crate::AppState;
use crate::ui::{Lang, Viewer, render};

#[derive(Debug, Default, Deserialize)]
pub struct NewFormQuery {
    template: String,
    customer_id: Option<String>,
    case_id: Option<String>,
}

fn form_page(
    viewer: &Viewer,
    form: &FormTemplate,
    customer_id: Option<String>,
    case_id: Option<String>,
    answers: &Map<String, Value>,
    errors: Vec<(String, String)>,
) -> Response {
    let lang = viewer.lang;
    let sections: Vec<_> = form
        .sections
        .iter()
        .map(|s| {
            let items: Vec<_> = s
                .items
                .iter()
                .filter(|i| i.kind != ItemType::Computed)
                .map(|i| {
                    let answer = answers.get(i.key()).map(|v| match v {
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    });
                    let field = format!("answers.{}", i.key());
                    minijinja::context! {
                        key => i.key(), label => text(lang, &i.label), kind => i.kind.code(), required => i.required,
                        unit => i.unit.as_ref().map(|u| text(lang, u)), help => i.help.as_ref().map(|h| text(lang, h)),
                        options => i.options.iter().map(|o| minijinja::context! { value => o.value.get_ref().clone(), label => text(lang, &o.label) }).collect::<Vec<_>>(),
                        answer => answer, field => field.clone(),
                        error => errors.iter().find(|(f, _)| *f == field).map(|(_, m)| m.clone()),
                    }
                })
                .collect();
            minijinja::context! { title => text(lang, &s.title), items => items }
        })
        .collect();
    let page = minijinja::context! {
        nav => "customers", key => form.key(), name => text(lang, &form.name), description => form.description.as_ref().map(|d| text(lang, d)),
        default_content => form.default_content, sections => sections, customer_id => customer_id, case_id => case_id,
        grades => form.grades.iter().map(|g| minijinja::context! { grade => g.grade.get_ref().clone(), label => text(lang, &g.label), min => g.min.to_string() }).collect::<Vec<_>>(),
        flash => (!errors.is_empty()).then(|| errors.iter().map(|(_, m)| m.clone()).collect::<Vec<_>>().join("; ")), flash_kind => "error",
    };
    render("form.html", Some(viewer), lang, page)
}

pub async fn new_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(q): Query<NewFormQuery>,
) -> Response {
    match state.app.template::<FormTemplate>(&q.template, None).await {
        Ok(v) => form_page(
            &viewer,
            &v.template,
            q.customer_id,
            q.case_id,
            &Map::new(),
            Vec::new(),
        ),
        Err(e) => failure(&viewer, e),
    }
}

/// The posted fields: `answers.<item>` plus the target and the CSRF token.
fn answers_of(pairs: &[(String, String)]) -> Map<String, Value> {
    pairs
        .iter()
        .filter_map(|(k, v)| k.strip_prefix("answers.").map(|item| (item, v)))
        .filter(|(_, v)| !v.trim().is_empty())
        .map(|(item, v)| {
            let value = match v.as_str() {
                "true" => Value::Bool(true),
                "false" => Value::Bool(false),
                other => Value::String(other.trim().to_owned()),
            };
            (item.to_owned(), value)
        })
        .collect()
}

fn field(pairs: &[(String, String)], key: &str) -> Option<String> {
    pairs
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

pub async fn submit(
    State(state): State<AppState>,
    viewer: Viewer,
    body: axum::body::Bytes,
) -> Response {
    let pairs: Vec<(String, String)> = form_urlencoded::parse(&body).into_owned().collect();
    if !viewer.csrf_ok(&field(&pairs, "csrf").unwrap_or_default()) {
        return bad_csrf(&viewer);
    }
    let template = field(&pairs, "template").unwrap_or_default();
    let (customer_id, case_id) = (field(&pairs, "customer_id"), field(&pairs, "case_id"));
    let target = FormTarget {
        customer_id: customer_id.as_deref().and_then(|c| c.parse().ok()),
        case_id: case_id.as_deref().and_then(|c| c.parse().ok()),
    };
    let answers = answers_of(&pairs);
    match state
        .app
        .fill_form(&viewer.actor, &template, target, &answers)
        .await
    {
        Ok(detail) => {
            // Back where the form was opened: the case, or the customer.
            let back = match &case_id {
                Some(case) => format!("/cases/{case}"),
                None => format!("/customers/{}#forms-h", detail.form.customer_id),
            };
            Redirect::to(&back).into_response()
        }
        Err(AppError::Validation(v)) => {
            match state.app.template::<FormTemplate>(&template, None).await {
                Ok(form) => {
                    let errors = v.0.into_iter().map(|e| (e.field, e.message)).collect();
                    let mut page = form_page(
                        &viewer,
                        &form.template,
                        customer_id,
                        case_id,
                        &answers,
                        errors,
                    );
                    *page.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
                    page
                }
                Err(e) => failure(&viewer, e),
            }
        }
        Err(e) => failure(&viewer, e),
    }
}

/// The live score: the answers so far, scored as they stand (unanswered
/// required items are listed, not refused).
pub async fn preview(
    State(state): State<AppState>,
    viewer: Viewer,
    body: axum::body::Bytes,
) -> Response {
    let pairs: Vec<(String, String)> = form_urlencoded::parse(&body).into_owned().collect();
    if !viewer.csrf_ok(&field(&pairs, "csrf").unwrap_or_default()) {
        return bad_csrf(&viewer);
    }
    let template = field(&pairs, "template").unwrap_or_default();
    let form = match state.app.template::<FormTemplate>(&template, None).await {
        Ok(f) => f.template,
        Err(e) => return failure(&viewer, e),
    };
    let answers = answers_of(&pairs);
    let (result, errors) = tuoke_core::forms::preview(&form, &answers);
    let lang: Lang = viewer.lang;
    let flags: Vec<String> = result
        .red_flags
        .iter()
        .filter_map(|k| form.item(k).map(|i| text(lang, &i.label)))
        .collect();
    Json(serde_json::json!({
        "score": result.score.to_string(),
        "max_score": result.max_score.to_string(),
        "grade": result.grade,
        "red_flags": flags,
        "errors": errors.iter().map(|e| serde_json::json!({"field": e.field, "message": e.message})).collect::<Vec<_>>(),
    }))
    .into_response()
}
