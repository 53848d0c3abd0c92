//! Tuoke's use cases and the ports they need.
//!
//! Each use case takes the acting user, checks what they may do (the
//! authorisation policy lives in [`policy`]), calls the rules of `tuoke-core`,
//! and stores the result through the [`ports::Store`] port. This crate knows
//! nothing of SQL, HTTP or JSON wire formats; it must not depend on `store`
//! or `web`.
#![forbid(unsafe_code)]

mod activities;
pub mod auth;
mod calendar;
mod cases;
pub mod contacts;
pub mod credit;
mod customers;
pub mod demo;
pub mod error;
pub mod export;
mod finance;
pub mod forms;
pub mod imports;
mod people;
pub mod policy;
pub mod ports;
mod records;
mod templates;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use tuoke_core::{AuditAction, AuditEntry, field_changes};

pub use auth::Actor;
pub use cases::{CaseDetail, FunnelQuery, MoveOutcome};
pub use customers::{Duplicate, DuplicateQuery};
pub use error::{AppError, AppResult};
pub use people::FirstAdmin;
pub use ports::{Clock, IdSource, Store};
pub use templates::{CheckedTemplate, TemplateKind, TemplateVersion};

/// The application: the use cases over a store, a clock and an id source.
/// Cheap to clone; share one per process.
#[derive(Clone)]
pub struct App {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    ids: Arc<dyn IdSource>,
    login_limiter: Arc<auth::LoginLimiter>,
    sessions: Arc<auth::SessionCache>,
    templates: Arc<templates::TemplateCache>,
}

impl App {
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>, ids: Arc<dyn IdSource>) -> Self {
        Self {
            store,
            clock,
            ids,
            login_limiter: Arc::new(auth::LoginLimiter::new()),
            sessions: Arc::default(),
            templates: Arc::default(),
        }
    }

    /// The real clock and UUIDv7 ids.
    pub fn with_system_clock(store: Arc<dyn Store>) -> Self {
        Self::new(store, Arc::new(ports::SystemClock), Arc::new(ports::UuidV7))
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// Whether the database answers.
    pub async fn healthy(&self) -> bool {
        self.store.ping().await.is_ok()
    }

    /// An audit entry for a change to one record, made by `actor` now.
    fn audit<T: serde::Serialize>(
        &self,
        actor: Option<&Actor>,
        action: AuditAction,
        entity: &str,
        entity_id: impl ToString,
        before: Option<&T>,
        after: Option<&T>,
    ) -> AuditEntry {
        self.audit_entry(
            actor,
            action,
            entity,
            entity_id,
            field_changes(before, after),
        )
    }

    /// An audit entry with `changes` as given, made by `actor` now.
    fn audit_entry(
        &self,
        actor: Option<&Actor>,
        action: AuditAction,
        entity: &str,
        entity_id: impl ToString,
        changes: serde_json::Value,
    ) -> AuditEntry {
        AuditEntry {
            id: self.ids.new_id(),
            at: self.clock.now(),
            actor_id: actor.map(Actor::id),
            action,
            entity: entity.to_owned(),
            entity_id: entity_id.to_string(),
            changes,
        }
    }
}
