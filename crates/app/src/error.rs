//! The one error type of the use cases. The web crate maps each variant to an
//! HTTP status and a stable error code in exactly one place.

use tuoke_core::ValidationErrors;

use crate::ports::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    Validation(#[from] ValidationErrors),
    /// Missing, or not visible to the acting user (the two look the same).
    #[error("{entity} not found")]
    NotFound { entity: &'static str },
    /// The caller's version is not the current one: someone else changed it.
    #[error("{entity} was changed by someone else: it is now at version {current}")]
    VersionConflict { entity: &'static str, current: i64 },
    /// A customer with the same name or credit code exists (查重).
    #[error("a customer with the same {field} exists: {existing_name}")]
    DuplicateCustomer {
        field: &'static str,
        existing_id: tuoke_core::CustomerId,
        existing_name: String,
    },
    /// Another uniqueness or reference rule refused the change.
    #[error("{0}")]
    Conflict(String),
    #[error("wrong username or password")]
    BadCredentials,
    #[error("authentication required")]
    Unauthenticated,
    #[error("{0}")]
    Forbidden(String),
    #[error("too many attempts; try again in {retry_after_secs} s")]
    RateLimited { retry_after_secs: u64 },
    #[error("invalid cursor")]
    InvalidCursor,
    /// A case may not leave its stage yet: everything still missing.
    #[error("the gate of stage {} is closed", .0.stage)]
    GateClosed(tuoke_core::process::GateReport),
    /// A template file with problems, each with its line.
    #[error("the template has {} problem(s)", .0.len())]
    TemplateInvalid(Vec<tuoke_core::process::TemplateError>),
    /// A failure that is not the caller's fault; details are logged, not shown.
    #[error("internal error")]
    Internal(String),
}

impl AppError {
    /// Maps a store error about one kind of record.
    pub(crate) fn store(entity: &'static str) -> impl FnOnce(StoreError) -> AppError {
        move |e| match e {
            StoreError::NotFound => AppError::NotFound { entity },
            StoreError::VersionConflict { current } => {
                AppError::VersionConflict { entity, current }
            }
            StoreError::Conflict { what } => AppError::Conflict(conflict_message(&what)),
            StoreError::InvalidCursor => AppError::InvalidCursor,
            StoreError::Corrupt(msg) | StoreError::Backend(msg) => {
                tracing::error!(entity, error = %msg, "storage failure");
                AppError::Internal(msg)
            }
        }
    }
}

impl From<tuoke_core::process::CaseError> for AppError {
    fn from(e: tuoke_core::process::CaseError) -> Self {
        use tuoke_core::process::CaseError;
        match e {
            CaseError::GateClosed(report) => AppError::GateClosed(report),
            CaseError::Invalid(errors) => AppError::Validation(errors),
            CaseError::UnknownItem(item) => AppError::Validation(ValidationErrors::single(
                "item",
                "unknown",
                format!("no checklist item {item} in the current stage"),
            )),
            CaseError::UnknownStage(stage) => AppError::Validation(ValidationErrors::single(
                "to",
                "unknown",
                format!("no stage {stage} in this template"),
            )),
            other => AppError::Conflict(other.to_string()),
        }
    }
}

fn conflict_message(what: &str) -> String {
    match what {
        "users.username" => "this username is taken".into(),
        "teams.name" => "a team with this name exists".into(),
        "users.in_use" => {
            "this user still owns customers or records; deactivate the user instead".into()
        }
        "customers.owner_id" | "activities.owner_id" => "the owner does not exist".into(),
        "users.team_id" => "the team does not exist".into(),
        "process_templates.version" => "this version of the template exists; try again".into(),
        "teams.manager_id" => "the manager does not exist".into(),
        other => format!("the change conflicts with existing data ({other})"),
    }
}

pub type AppResult<T> = Result<T, AppError>;
