//! The web interface: server-rendered pages over the same use cases the API
//! calls (no rule lives here), Chinese first, English by choice. Every asset
//! is embedded in the binary. Pages work without JavaScript; the small script
//! in `static/app.js` makes search, the duplicate check and the board quicker.

mod i18n;
mod pages;
mod session;

use std::sync::OnceLock;

use axum::Router;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use minijinja::Environment;
use serde::Serialize;

use crate::AppState;
pub(crate) use session::{Lang, SESSION_COOKIE, Viewer, csrf_token};

/// Every template, embedded.
const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("../../templates/base.html")),
    ("login.html", include_str!("../../templates/login.html")),
    ("home.html", include_str!("../../templates/home.html")),
    (
        "customers.html",
        include_str!("../../templates/customers.html"),
    ),
    (
        "customer.html",
        include_str!("../../templates/customer.html"),
    ),
    (
        "pipeline.html",
        include_str!("../../templates/pipeline.html"),
    ),
    ("case.html", include_str!("../../templates/case.html")),
    ("form.html", include_str!("../../templates/form.html")),
    (
        "approvals.html",
        include_str!("../../templates/approvals.html"),
    ),
    ("funnel.html", include_str!("../../templates/funnel.html")),
    ("admin.html", include_str!("../../templates/admin.html")),
    ("import.html", include_str!("../../templates/import.html")),
    ("error.html", include_str!("../../templates/error.html")),
];

fn env() -> &'static Environment<'static> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        for (name, source) in TEMPLATES {
            if let Err(e) = env.add_template(name, source) {
                tracing::error!(template = name, error = %e, "a page template does not compile");
            }
        }
        env
    })
}

/// Renders a page; `page` is serialised into the template's context next to
/// the viewer (`me`), the messages (`t`), the language and the CSRF token.
pub(crate) fn render(
    template: &str,
    viewer: Option<&Viewer>,
    lang: Lang,
    page: impl Serialize,
) -> Response {
    let me = viewer.map(|v| {
        minijinja::context! {
            id => v.actor.id().to_string(),
            name => v.actor.user.display_name.clone(),
            role => v.actor.role().code(),
            role_label => if lang == Lang::En { v.actor.role().label_en() } else { v.actor.role().label_zh() },
            is_admin => v.actor.is_admin(),
            is_manager => matches!(v.actor.role(), tuoke_core::Role::Manager | tuoke_core::Role::DevManager | tuoke_core::Role::Admin),
        }
    });
    let ctx = minijinja::context! {
        me => me,
        t => i18n::messages(lang),
        lang => lang.code(),
        html_lang => lang.html(),
        csrf => viewer.map(|v| v.csrf.clone()).unwrap_or_default(),
        page => minijinja::Value::from_serialize(&page),
    };
    match env().get_template(template).and_then(|t| t.render(ctx)) {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            tracing::error!(template, error = %e, "a page failed to render");
            (StatusCode::INTERNAL_SERVER_ERROR, Html("<h1>500</h1>")).into_response()
        }
    }
}

/// A page for an error: not found, forbidden, or a failure.
pub(crate) fn error_page(
    viewer: Option<&Viewer>,
    lang: Lang,
    status: StatusCode,
    message: &str,
) -> Response {
    let mut response = render(
        "error.html",
        viewer,
        lang,
        minijinja::context! { status => status.as_u16(), message => message },
    );
    *response.status_mut() = status;
    response
}

const CSS: &str = include_str!("../../static/app.css");
const JS: &str = include_str!("../../static/app.js");

fn asset(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        body,
    )
        .into_response()
}

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/static/app.css",
            get(|| async { asset("text/css; charset=utf-8", CSS) }),
        )
        .route(
            "/static/app.js",
            get(|| async { asset("text/javascript; charset=utf-8", JS) }),
        )
        .route(
            "/login",
            get(pages::auth::login_page).post(pages::auth::login),
        )
        .route("/logout", post(pages::auth::logout))
        .route("/lang", post(pages::auth::switch_lang))
        .route("/", get(pages::home::my_day))
        .route(
            "/customers",
            get(pages::customers::list).post(pages::customers::create),
        )
        .route("/customers/{id}", get(pages::customers::show))
        .route(
            "/customers/{id}/activities",
            post(pages::customers::log_visit),
        )
        .route("/customers/{id}/cases", post(pages::cases::open_case))
        .route("/pipeline", get(pages::cases::pipeline))
        .route("/cases/{id}", get(pages::cases::show))
        .route("/cases/{id}/checklist", post(pages::cases::check))
        .route("/cases/{id}/advance", post(pages::cases::advance))
        .route("/forms/new", get(pages::forms::new_form))
        .route("/forms", post(pages::forms::submit))
        .route("/forms/preview", post(pages::forms::preview))
        .route("/approvals", get(pages::approvals::inbox))
        .route("/approvals/{id}/decide", post(pages::approvals::decide))
        .route("/reports/funnel", get(pages::reports::funnel))
        .route(
            "/import",
            get(pages::imports::form)
                .post(pages::imports::upload)
                .layer(axum::extract::DefaultBodyLimit::max(
                    crate::api::imports::MAX_IMPORT_BYTES,
                )),
        )
        .route("/admin", get(pages::admin::overview))
        .route("/admin/templates", post(pages::admin::upload_template))
}
