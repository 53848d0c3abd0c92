//! The page handlers: each reads through the use cases of `tuoke-app` and
//! renders a template; posts are plain HTML forms checked for CSRF.

pub mod admin;
pub mod approvals;
pub mod auth;
pub mod cases;
pub mod customers;
pub mod forms;
pub mod home;
pub mod imports;
pub mod reports;

use axum::http::StatusCode;
use axum::response::Response;
use serde::Serialize;
use tuoke_app::AppError;
use tuoke_core::enums::Vocabulary;

use super::{Lang, Viewer, error_page};

/// Every user's display name, by id (for owners, authors and pickers).
pub(crate) async fn user_names(
    state: &crate::AppState,
    viewer: &Viewer,
) -> std::collections::BTreeMap<tuoke_core::UserId, String> {
    state
        .app
        .list_users(
            &viewer.actor,
            &tuoke_app::ports::PageRequest::first(tuoke_app::ports::PageRequest::MAX_LIMIT),
        )
        .await
        .map(|p| {
            p.items
                .into_iter()
                .map(|u| (u.id, u.display_name))
                .collect()
        })
        .unwrap_or_default()
}

/// The users as options of a select.
pub(crate) fn user_options(
    names: &std::collections::BTreeMap<tuoke_core::UserId, String>,
) -> Vec<minijinja::Value> {
    names
        .iter()
        .map(|(id, name)| minijinja::context! { id => id.to_string(), name => name })
        .collect()
}

/// A value's label in the viewer's language.
pub(crate) fn label<T: Vocabulary>(lang: Lang, value: T) -> &'static str {
    match lang {
        Lang::Zh => value.label_zh(),
        Lang::En => value.label_en(),
    }
}

/// A value with its label, for a template.
#[derive(Debug, Serialize)]
pub(crate) struct Labelled {
    pub code: &'static str,
    pub label: &'static str,
}

pub(crate) fn labelled<T: Vocabulary>(lang: Lang, value: T) -> Labelled {
    Labelled {
        code: value.code(),
        label: label(lang, value),
    }
}

/// Every value of a vocabulary, for a select.
pub(crate) fn options<T: Vocabulary>(lang: Lang) -> Vec<Labelled> {
    T::all().iter().map(|v| labelled(lang, *v)).collect()
}

/// A text in the viewer's language.
pub(crate) fn text(lang: Lang, t: &tuoke_core::process::template::Text) -> String {
    t.get(lang.code()).to_owned()
}

/// The page for a use-case error that is not about a form's fields.
pub(crate) fn failure(viewer: &Viewer, e: AppError) -> Response {
    let lang = viewer.lang;
    let status = match &e {
        AppError::NotFound { .. } => StatusCode::NOT_FOUND,
        AppError::Forbidden(_) => StatusCode::FORBIDDEN,
        AppError::Validation(_) | AppError::TemplateInvalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
        AppError::Conflict(_)
        | AppError::DuplicateCustomer { .. }
        | AppError::GateClosed(_)
        | AppError::VersionConflict { .. } => StatusCode::CONFLICT,
        AppError::Unauthenticated | AppError::BadCredentials => StatusCode::UNAUTHORIZED,
        AppError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
        AppError::InvalidCursor => StatusCode::BAD_REQUEST,
        AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
    };
    let message = match (&e, status) {
        (_, StatusCode::NOT_FOUND) => super::i18n::t(lang, "not_found").to_owned(),
        (AppError::Internal(_), _) => super::i18n::t(lang, "error").to_owned(),
        _ => e.to_string(),
    };
    error_page(Some(viewer), lang, status, &message)
}

/// Every bad field of a refused form, in the viewer's language: the field's
/// label and, in Chinese, the reason by its stable code.
pub(crate) fn field_errors(lang: Lang, errors: &tuoke_core::ValidationErrors) -> String {
    errors
        .0
        .iter()
        .map(|e| {
            let name = super::i18n::t(lang, &e.field);
            let name = if name.is_empty() {
                e.field.as_str()
            } else {
                name
            };
            let reason = match (lang, e.code.as_str()) {
                (Lang::En, _) => e.message.as_str(),
                (Lang::Zh, "required") => "必填",
                (Lang::Zh, "too_long") => "内容过长",
                (Lang::Zh, "out_of_range") => "超出范围",
                (Lang::Zh, "unknown") => "不存在",
                (Lang::Zh, "not_allowed") => "此处不适用",
                (Lang::Zh, "invalid_transition") => "不允许这样变更状态",
                (Lang::Zh, "inactive") => "该用户已停用",
                (Lang::Zh, _) => "格式不正确",
            };
            format!("{name}：{reason}")
        })
        .collect::<Vec<_>>()
        .join("；")
}

/// The refusal of a post without this session's CSRF token.
pub(crate) fn bad_csrf(viewer: &Viewer) -> Response {
    error_page(
        Some(viewer),
        viewer.lang,
        StatusCode::FORBIDDEN,
        "CSRF token missing or wrong: reload the page and try again",
    )
}

/// Today in China.
pub(crate) fn today(now: chrono::DateTime<chrono::Utc>) -> chrono::NaiveDate {
    now.with_timezone(&tuoke_core::calendar::china_offset())
        .date_naive()
}

/// A time in China, as the pages show it.
pub(crate) fn local_time(t: chrono::DateTime<chrono::Utc>) -> String {
    t.with_timezone(&tuoke_core::calendar::china_offset())
        .format("%Y-%m-%d %H:%M")
        .to_string()
}
