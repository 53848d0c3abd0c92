//! The audit log: `/api/v1/audit`.

use axum::Json;
use axum::extract::State;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tuoke_app::ports::AuditFilter;
use tuoke_core::{AuditAction, AuditEntry, UserId};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::{ListOf, Paging};
use crate::AppState;
use crate::error::{ApiResult, Problem};
use crate::extract::{ApiQuery, Authed, parse_field_id};

/// Who changed what, when.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEntryView {
    pub id: Uuid,
    pub at: DateTime<Utc>,
    /// Absent for changes the system made itself.
    pub actor_id: Option<UserId>,
    pub action: AuditAction,
    /// `customer`, `contact`, `activity`, `user` or `team`.
    pub entity: String,
    pub entity_id: String,
    /// `{field: {"from": old, "to": new}}`
    #[schema(value_type = Object)]
    pub changes: serde_json::Value,
}

impl From<AuditEntry> for AuditEntryView {
    fn from(e: AuditEntry) -> Self {
        AuditEntryView {
            id: e.id,
            at: e.at,
            actor_id: e.actor_id,
            action: e.action,
            entity: e.entity,
            entity_id: e.entity_id,
            changes: e.changes,
        }
    }
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    pub entity: Option<String>,
    pub entity_id: Option<String>,
    pub actor_id: Option<String>,
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

/// The audit log, newest first: all of it for an administrator; for others,
/// the history of a customer they can see (`entity=customer&entity_id=…`).
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", security(("bearer" = [])),
    params(AuditQuery), responses((status = 200, body = ListOf<AuditEntryView>), (status = 403, body = Problem)))]
pub async fn list_audit(
    State(state): State<AppState>,
    Authed(actor): Authed,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> ApiResult<Json<ListOf<AuditEntryView>>> {
    let filter = AuditFilter {
        entity: q.entity,
        entity_id: q.entity_id,
        actor_id: q
            .actor_id
            .as_deref()
            .map(|a| parse_field_id(a, "actor_id"))
            .transpose()?,
    };
    let paging = Paging {
        limit: q.limit,
        cursor: q.cursor,
    };
    let page = state
        .app
        .list_audit(&actor, filter, &paging.request())
        .await?;
    Ok(Json(ListOf::from_page(page, AuditEntryView::from)))
}
