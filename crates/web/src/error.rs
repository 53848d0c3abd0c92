//! Every error the API answers, as RFC 9457 `application/problem+json`, mapped
//! from the use-case errors in exactly one place (`From<AppError>` below).

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use tuoke_app::AppError;
use tuoke_core::{FieldError, ValidationErrors};
use utoipa::ToSchema;

/// The stable error codes: a problem's `type` is `urn:tuoke:problem:<code>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    ValidationFailed,
    MalformedRequest,
    NotFound,
    VersionMismatch,
    PreconditionRequired,
    DuplicateCustomer,
    Conflict,
    BadCredentials,
    Unauthenticated,
    Forbidden,
    RateLimited,
    PayloadTooLarge,
    IdempotencyKeyReused,
    GateClosed,
    ImportRejected,
    Unavailable,
    Internal,
}

impl ErrorCode {
    fn status(self) -> StatusCode {
        use ErrorCode::*;
        match self {
            ValidationFailed | IdempotencyKeyReused | ImportRejected => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            MalformedRequest => StatusCode::BAD_REQUEST,
            NotFound => StatusCode::NOT_FOUND,
            VersionMismatch => StatusCode::PRECONDITION_FAILED,
            PreconditionRequired => StatusCode::PRECONDITION_REQUIRED,
            DuplicateCustomer | Conflict | GateClosed => StatusCode::CONFLICT,
            BadCredentials | Unauthenticated => StatusCode::UNAUTHORIZED,
            Forbidden => StatusCode::FORBIDDEN,
            RateLimited => StatusCode::TOO_MANY_REQUESTS,
            PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn as_str(self) -> String {
        serde_json::to_value(self)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default()
    }
}

/// An RFC 9457 problem.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// `urn:tuoke:problem:<code>`, stable.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    pub code: ErrorCode,
    /// For validation errors: every bad field and why.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// For a duplicate customer: the existing one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub existing_id: Option<String>,
    /// For a version mismatch: the current version.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_version: Option<i64>,
    /// For a closed gate: every condition still unmet.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[schema(value_type = Vec<Object>)]
    pub unmet: Vec<serde_json::Value>,
    /// For a rejected import: every problem of every bad row.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rows: Vec<crate::api::imports::RowProblem>,
}

/// An error on its way to becoming a problem response.
#[derive(Debug)]
pub struct ApiError {
    // Boxed: errors travel in every `Result` of the handlers.
    problem: Box<Problem>,
    retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(code: ErrorCode, detail: impl Into<String>) -> Self {
        let status = code.status();
        Self {
            problem: Box::new(Problem {
                kind: format!("urn:tuoke:problem:{}", code.as_str()),
                title: status.canonical_reason().unwrap_or("Error").to_owned(),
                status: status.as_u16(),
                detail: detail.into(),
                code,
                errors: Vec::new(),
                existing_id: None,
                current_version: None,
                unmet: Vec::new(),
                rows: Vec::new(),
            }),
            retry_after: None,
        }
    }

    pub fn invalid(errors: ValidationErrors) -> Self {
        let mut e = Self::new(ErrorCode::ValidationFailed, errors.to_string());
        e.problem.errors = errors.0;
        e
    }

    pub(crate) fn set_rows(&mut self, rows: Vec<crate::api::imports::RowProblem>) {
        self.problem.rows = rows;
    }

    pub fn not_found(entity: &str) -> Self {
        Self::new(ErrorCode::NotFound, format!("{entity} not found"))
    }

    pub fn status(&self) -> StatusCode {
        self.problem.code.status()
    }
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        let detail = e.to_string();
        match e {
            AppError::Validation(errors) => ApiError::invalid(errors),
            AppError::NotFound { .. } => ApiError::new(ErrorCode::NotFound, detail),
            AppError::VersionConflict { current, .. } => {
                let mut err = ApiError::new(ErrorCode::VersionMismatch, detail);
                err.problem.current_version = Some(current);
                err
            }
            AppError::DuplicateCustomer {
                field,
                existing_id,
                existing_name,
            } => {
                let mut err = ApiError::new(ErrorCode::DuplicateCustomer, detail);
                err.problem.errors = vec![FieldError {
                    field: field.to_owned(),
                    code: "duplicate".into(),
                    message: format!("the customer {existing_name} already has it"),
                }];
                err.problem.existing_id = Some(existing_id.to_string());
                err
            }
            AppError::Conflict(_) => ApiError::new(ErrorCode::Conflict, detail),
            AppError::GateClosed(report) => {
                let summary: Vec<String> = report.unmet.iter().map(|u| u.describe("en")).collect();
                let mut err = ApiError::new(
                    ErrorCode::GateClosed,
                    format!(
                        "the case cannot leave stage {} yet: {}",
                        report.stage,
                        summary.join("; ")
                    ),
                );
                err.problem.unmet = report
                    .unmet
                    .iter()
                    .map(crate::api::cases::unmet_json)
                    .collect();
                err
            }
            AppError::TemplateInvalid(errors) => {
                let mut err = ApiError::new(
                    ErrorCode::ValidationFailed,
                    format!("the template has {} problem(s)", errors.len()),
                );
                err.problem.errors = errors
                    .iter()
                    .map(|e| FieldError {
                        field: "source".into(),
                        code: "invalid_template".into(),
                        message: e.to_string(),
                    })
                    .collect();
                err
            }
            AppError::BadCredentials => ApiError::new(ErrorCode::BadCredentials, detail),
            AppError::Unauthenticated => ApiError::new(ErrorCode::Unauthenticated, detail),
            AppError::Forbidden(_) => ApiError::new(ErrorCode::Forbidden, detail),
            AppError::RateLimited { retry_after_secs } => {
                let mut err = ApiError::new(ErrorCode::RateLimited, detail);
                err.retry_after = Some(retry_after_secs);
                err
            }
            AppError::InvalidCursor => ApiError::invalid(ValidationErrors::single(
                "cursor",
                "invalid",
                "is not a cursor this list gave out",
            )),
            // Logged where it happened; the client learns nothing internal.
            AppError::Internal(_) => {
                ApiError::new(ErrorCode::Internal, "an internal error occurred")
            }
        }
    }
}

impl From<ValidationErrors> for ApiError {
    fn from(errors: ValidationErrors) -> Self {
        ApiError::invalid(errors)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let body = serde_json::to_vec(&*self.problem).unwrap_or_default();
        let mut response = (status, body).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if status == StatusCode::UNAUTHORIZED {
            headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if let Some(secs) = self.retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
