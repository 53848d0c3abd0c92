//! `Idempotency-Key` on POST: the first response for a key is kept and
//! replayed when the same request comes again, so a retried create never
//! creates twice.

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use tuoke_app::ports::StoredResponse;

use crate::AppState;
use crate::error::{ApiError, ErrorCode};
use crate::extract::bearer_token;

const HEADER: &str = "idempotency-key";

pub(crate) async fn replay(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if req.method() != Method::POST {
        return next.run(req).await;
    }
    let Some(key) = req
        .headers()
        .get(HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
    else {
        return next.run(req).await;
    };
    if key.is_empty() || key.len() > 255 {
        return ApiError::new(
            ErrorCode::MalformedRequest,
            "Idempotency-Key must be 1 to 255 characters",
        )
        .into_response();
    }
    // Without a valid session the handler answers 401 itself.
    let actor = match bearer_token(req.headers()) {
        Some(token) => match state.app.authenticate(token).await {
            Ok(actor) => actor,
            Err(_) => return next.run(req).await,
        },
        None => return next.run(req).await,
    };
    let (parts, body) = req.into_parts();
    let Ok(bytes) = to_bytes(body, crate::MAX_BODY_BYTES).await else {
        return ApiError::new(
            ErrorCode::PayloadTooLarge,
            format!("the body must be at most {} bytes", crate::MAX_BODY_BYTES),
        )
        .into_response();
    };
    let fingerprint = {
        let mut h = Sha256::new();
        h.update(parts.method.as_str());
        h.update(b" ");
        h.update(parts.uri.to_string());
        h.update(b"\n");
        h.update(&bytes);
        hex::encode(h.finalize())
    };
    match state.app.find_idempotent_response(&actor, &key).await {
        Ok(Some(stored)) if stored.fingerprint == fingerprint => return replayed(stored),
        Ok(Some(_)) => {
            return ApiError::new(
                ErrorCode::IdempotencyKeyReused,
                "this Idempotency-Key was used for a different request",
            )
            .into_response();
        }
        Ok(None) => {}
        Err(e) => return ApiError::from(e).into_response(),
    }
    let response = next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await;
    let (parts, body) = response.into_parts();
    let Ok(bytes) = to_bytes(body, usize::MAX).await else {
        return ApiError::new(ErrorCode::Internal, "the response could not be read")
            .into_response();
    };
    // Server errors are not kept: retrying them should try again.
    if !parts.status.is_server_error() {
        let stored = StoredResponse {
            fingerprint,
            status: parts.status.as_u16(),
            body: String::from_utf8_lossy(&bytes).into_owned(),
        };
        if let Err(e) = state
            .app
            .save_idempotent_response(&actor, &key, &stored)
            .await
        {
            tracing::warn!(error = %e, "could not keep an idempotent response");
        }
    }
    Response::from_parts(parts, Body::from(bytes))
}

fn replayed(stored: StoredResponse) -> Response {
    let status = StatusCode::from_u16(stored.status).unwrap_or(StatusCode::OK);
    let content_type = if status.is_success() {
        "application/json"
    } else {
        "application/problem+json"
    };
    let mut response = (status, stored.body).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert("idempotent-replayed", HeaderValue::from_static("true"));
    response
}
