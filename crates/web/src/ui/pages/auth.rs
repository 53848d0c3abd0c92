//! Login, logout and the language switch.

use axum::Form;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar};
use serde::Deserialize;

use super::super::session::{LANG_COOKIE, Lang, lang_of, session_cookie};
use super::super::{SESSION_COOKIE, render};
use crate::AppState;
use crate::extract::ClientAddr;
use crate::ui::i18n::t;

#[derive(Debug, Default, Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

/// Only a path on this site: never an open redirect.
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.starts_with("/login") => {
            n.to_owned()
        }
        _ => "/".to_owned(),
    }
}

pub async fn login_page(jar: CookieJar, Query(q): Query<NextQuery>) -> Response {
    let lang = lang_of(&jar);
    render(
        "login.html",
        None,
        lang,
        minijinja::context! { next => safe_next(q.next.as_deref()), username => "" },
    )
}

#[derive(Debug, Deserialize)]
pub struct LoginForm {
    username: String,
    password: String,
    next: Option<String>,
}

pub async fn login(
    State(state): State<AppState>,
    jar: CookieJar,
    ClientAddr(client): ClientAddr,
    Form(form): Form<LoginForm>,
) -> Response {
    let lang = lang_of(&jar);
    match state
        .app
        .login(&form.username, &form.password, &client)
        .await
    {
        Ok((token, user)) => {
            // The language the user saved follows them to this browser.
            let actor = tuoke_app::Actor { user };
            let jar = match state.app.user_language(&actor).await.ok().flatten() {
                Some(l) => jar.add(lang_cookie(Lang::from_code(&l))),
                None => jar,
            };
            (
                jar.add(session_cookie(token)),
                Redirect::to(&safe_next(form.next.as_deref())),
            )
                .into_response()
        }
        Err(e) => {
            let key = if matches!(e, tuoke_app::AppError::RateLimited { .. }) {
                "login_limited"
            } else {
                "login_failed"
            };
            let mut page = render(
                "login.html",
                None,
                lang,
                minijinja::context! { next => safe_next(form.next.as_deref()), username => form.username, error => t(lang, key) },
            );
            *page.status_mut() = axum::http::StatusCode::UNAUTHORIZED;
            page
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

pub async fn logout(
    State(state): State<AppState>,
    jar: CookieJar,
    Form(form): Form<CsrfForm>,
) -> Response {
    if let Some(token) = jar.get(SESSION_COOKIE).map(|c| c.value().to_owned()) {
        // Only this session's own page may log it out.
        if form.csrf == super::super::csrf_token(&token) {
            let _ = state.app.logout(&token).await;
        }
    }
    (
        jar.remove(Cookie::build(SESSION_COOKIE).path("/")),
        Redirect::to("/login"),
    )
        .into_response()
}

#[derive(Debug, Deserialize)]
pub struct LangForm {
    lang: String,
    next: Option<String>,
    csrf: Option<String>,
}

fn lang_cookie(lang: Lang) -> Cookie<'static> {
    Cookie::build((LANG_COOKIE, lang.code()))
        .path("/")
        .permanent()
        .http_only(true)
        .build()
}

/// Switches the language; the browser remembers the choice, and so does the
/// user's profile when someone is logged in.
pub async fn switch_lang(
    State(state): State<AppState>,
    jar: CookieJar,
    headers: axum::http::HeaderMap,
    Form(form): Form<LangForm>,
) -> Response {
    let lang = Lang::from_code(&form.lang);
    if let Some(token) = jar.get(SESSION_COOKIE).map(|c| c.value().to_owned())
        && form.csrf.as_deref() == Some(super::super::csrf_token(&token).as_str())
        && let Ok(actor) = state.app.authenticate(&token).await
        && let Err(e) = state.app.set_user_language(&actor, lang.code()).await
    {
        tracing::warn!(error = %e, "could not save the language");
    }
    let cookie = lang_cookie(lang);
    let back = form.next.or_else(|| {
        headers
            .get(axum::http::header::REFERER)
            .and_then(|r| r.to_str().ok())
            .and_then(|r| r.split_once("://").map(|(_, rest)| rest.to_owned()))
            .and_then(|rest| rest.find('/').map(|i| rest[i..].to_owned()))
    });
    (jar.add(cookie), Redirect::to(&safe_next(back.as_deref()))).into_response()
}
