//! Browser sessions: the session cookie (the same token the API takes as a
//! bearer), the language, and CSRF protection for form posts.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use sha2::{Digest, Sha256};
use tuoke_app::Actor;

use crate::AppState;

pub const SESSION_COOKIE: &str = "tuoke_session";
pub const LANG_COOKIE: &str = "tuoke_lang";

/// The interface language: Chinese by default, English by choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Zh,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::En => "en",
        }
    }

    pub fn from_code(code: &str) -> Lang {
        if code.starts_with("en") {
            Lang::En
        } else {
            Lang::Zh
        }
    }

    pub fn html(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }
}

/// The language of a request: the cookie, else Chinese.
pub fn lang_of(jar: &CookieJar) -> Lang {
    jar.get(LANG_COOKIE)
        .map(|c| Lang::from_code(c.value()))
        .unwrap_or(Lang::Zh)
}

/// The CSRF token of a session: derived from the secret session token, so a
/// page from another site can neither read nor compute it.
pub fn csrf_token(session: &str) -> String {
    let digest = Sha256::digest(format!("tuoke-csrf:{session}").as_bytes());
    hex::encode(&digest[..16])
}

/// A session cookie: HttpOnly, SameSite=Lax, for the whole site.
pub fn session_cookie(token: String) -> Cookie<'static> {
    Cookie::build((SESSION_COOKIE, token))
        .http_only(true)
        .same_site(SameSite::Lax)
        .path("/")
        .build()
}

/// The logged-in user of a page, with the language and the CSRF token.
pub struct Viewer {
    pub actor: Actor,
    pub lang: Lang,
    pub csrf: String,
}

impl Viewer {
    /// Whether a posted CSRF token is this session's.
    pub fn csrf_ok(&self, posted: &str) -> bool {
        // Both are short hex strings of a fixed length; a timing difference reveals nothing useful.
        !posted.is_empty() && posted == self.csrf
    }
}

/// Sends an anonymous visitor to the login page, and back afterwards.
pub struct LoginRedirect(String);

impl IntoResponse for LoginRedirect {
    fn into_response(self) -> Response {
        let next: String = form_urlencoded::byte_serialize(self.0.as_bytes()).collect();
        Redirect::to(&format!("/login?next={next}")).into_response()
    }
}

impl FromRequestParts<AppState> for Viewer {
    type Rejection = LoginRedirect;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let jar = CookieJar::from_headers(&parts.headers);
        let here = parts
            .uri
            .path_and_query()
            .map_or("/", |p| p.as_str())
            .to_owned();
        let token = jar
            .get(SESSION_COOKIE)
            .map(|c| c.value().to_owned())
            .ok_or_else(|| LoginRedirect(here.clone()))?;
        let actor = state
            .app
            .authenticate(&token)
            .await
            .map_err(|_| LoginRedirect(here))?;
        Ok(Viewer {
            actor,
            lang: lang_of(&jar),
            csrf: csrf_token(&token),
        })
    }
}
