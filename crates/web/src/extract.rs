//! Request extractors that answer with problem+json: the acting user, JSON
//! bodies and query strings whose errors name the field, and `If-Match`.

use std::borrow::Cow;
use std::net::SocketAddr;
use std::str::FromStr;

use axum::body::Bytes;
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, OptionalFromRequest, Request};
use axum::http::header;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use tuoke_app::Actor;
use tuoke_core::ValidationErrors;

use crate::AppState;
use crate::error::{ApiError, ErrorCode};

/// The authenticated user of the request (`Authorization: Bearer TOKEN`).
pub struct Authed(pub Actor);

/// The session token of a request, if it carries one.
pub(crate) fn bearer_token(parts: &axum::http::HeaderMap) -> Option<&str> {
    parts
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim)
        .filter(|t| !t.is_empty())
}

impl FromRequestParts<AppState> for Authed {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if let Some(token) = bearer_token(&parts.headers) {
            return Ok(Authed(state.app.authenticate(token).await?));
        }
        // The web UI's own scripts call the API with the session cookie; a
        // change made that way must carry the page's CSRF token.
        let jar = axum_extra::extract::cookie::CookieJar::from_headers(&parts.headers);
        let Some(session) = jar
            .get(crate::ui::SESSION_COOKIE)
            .map(|c| c.value().to_owned())
        else {
            return Err(ApiError::new(
                ErrorCode::Unauthenticated,
                "send `Authorization: Bearer TOKEN`; get a token from POST /api/v1/auth/login",
            ));
        };
        if !parts.method.is_safe() {
            let sent = parts
                .headers
                .get("x-csrf-token")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            if sent != crate::ui::csrf_token(&session) {
                return Err(ApiError::new(
                    ErrorCode::Forbidden,
                    "a change with the session cookie needs the page's X-CSRF-Token header",
                ));
            }
        }
        Ok(Authed(state.app.authenticate(&session).await?))
    }
}

/// The client's address, for the login rate limit.
pub struct ClientAddr(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let addr = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip().to_string())
            .unwrap_or_else(|| "unknown".into());
        Ok(ClientAddr(addr))
    }
}

/// Turns a serde error at a path into a field error.
pub(crate) fn field_error<E: std::fmt::Display>(
    err: serde_path_to_error::Error<E>,
) -> ValidationErrors {
    let path = err.path().to_string();
    let message = err.inner().to_string();
    // Unknown and missing fields are reported at the parent; name the field itself.
    let named = ["unknown field `", "missing field `"].iter().find_map(|p| {
        message
            .split_once(p)
            .and_then(|(_, rest)| rest.split_once('`'))
            .map(|(f, _)| f.to_owned())
    });
    let field = match (path.as_str(), named) {
        (".", Some(f)) => f,
        // A missing field is reported at its parent, an unknown one at itself.
        (p, Some(f)) if !p.ends_with(f.as_str()) => format!("{p}.{f}"),
        (p, _) => p.to_owned(),
    };
    let message = message
        .split(" at line ")
        .next()
        .unwrap_or(&message)
        .to_owned();
    ValidationErrors::single(field, "invalid", message)
}

/// Parses a JSON value, naming the bad field on error.
pub(crate) fn from_json_value<T: DeserializeOwned>(
    value: serde_json::Value,
) -> Result<T, ValidationErrors> {
    serde_path_to_error::deserialize(value).map_err(field_error)
}

/// A JSON request body whose errors name the field.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|ct| {
                let ct = ct.split(';').next().unwrap_or("").trim();
                ct == "application/json" || ct.ends_with("+json")
            });
        if !is_json {
            return Err(ApiError::new(
                ErrorCode::MalformedRequest,
                "the body must be JSON (Content-Type: application/json)",
            ));
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|_| {
            ApiError::new(
                ErrorCode::PayloadTooLarge,
                format!("the body must be at most {} bytes", crate::MAX_BODY_BYTES),
            )
        })?;
        let value: serde_json::Value = serde_json::from_slice(&bytes).map_err(|e| {
            ApiError::new(
                ErrorCode::MalformedRequest,
                format!("the body is not valid JSON: {e}"),
            )
        })?;
        Ok(ApiJson(from_json_value(value)?))
    }
}

/// An optional JSON body: a request without a body (no `Content-Type`, no
/// bytes) gives `None`.
impl<T: DeserializeOwned, S: Send + Sync> OptionalFromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Option<Self>, Self::Rejection> {
        let no_body = req.headers().get(header::CONTENT_TYPE).is_none()
            && req
                .headers()
                .get(header::CONTENT_LENGTH)
                .is_none_or(|l| l == "0");
        if no_body {
            return Ok(None);
        }
        <ApiJson<T> as FromRequest<S>>::from_request(req, state)
            .await
            .map(Some)
    }
}

/// A query string whose errors name the parameter.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or("");
        let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
        serde_path_to_error::deserialize(de)
            .map(ApiQuery)
            .map_err(|e| field_error(e).into())
    }
}

/// Two sets of parameters from one query string: `A` gets the parameters
/// named in `a_keys`, `B` all the others (so `B` may refuse unknown ones).
/// Errors name the parameter, as [`ApiQuery`]'s do.
pub(crate) fn query_parts<A: DeserializeOwned, B: DeserializeOwned>(
    query: &str,
    a_keys: &[&str],
) -> Result<(A, B), ValidationErrors> {
    let (a, b): (Vec<_>, Vec<_>) =
        form_urlencoded::parse(query.as_bytes()).partition(|(k, _)| a_keys.contains(&k.as_ref()));
    fn part<T: DeserializeOwned>(
        pairs: Vec<(Cow<'_, str>, Cow<'_, str>)>,
    ) -> Result<T, ValidationErrors> {
        let encoded = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish();
        let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(encoded.as_bytes()));
        serde_path_to_error::deserialize(de).map_err(field_error)
    }
    Ok((part(a)?, part(b)?))
}

/// The version the client last read, from `If-Match: "3"` (or `3`).
pub struct IfMatch(pub i64);

impl<S: Send + Sync> FromRequestParts<S> for IfMatch {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let raw = parts.headers.get(header::IF_MATCH).ok_or_else(|| {
            ApiError::new(
                ErrorCode::PreconditionRequired,
                "send `If-Match` with the version you last read (the ETag)",
            )
        })?;
        raw.to_str()
            .ok()
            .map(|v| v.trim().trim_start_matches("W/").trim_matches('"'))
            .and_then(|v| v.parse().ok())
            .map(IfMatch)
            .ok_or_else(|| {
                ApiError::invalid(ValidationErrors::single(
                    "If-Match",
                    "invalid",
                    "must be a version number like \"3\"",
                ))
            })
    }
}

/// An id from the path; one that cannot be an id names nothing.
pub(crate) fn parse_id<T: FromStr>(raw: &str, entity: &str) -> Result<T, ApiError> {
    raw.parse().map_err(|_| ApiError::not_found(entity))
}

/// An id from a body or query field.
pub(crate) fn parse_field_id<T: FromStr>(raw: &str, field: &str) -> Result<T, ValidationErrors> {
    raw.parse()
        .map_err(|_| ValidationErrors::single(field, "invalid", "must be an id (UUID)"))
}
