//! Process templates: the built-in ones installed on start, admins' uploads
//! as new versions, and a cache of parsed versions (a version never changes).

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use tuoke_core::AuditAction;
use tuoke_core::process::builtin::PROCESS_TEMPLATES;
use tuoke_core::process::{ProcessTemplate, parse_process_template};

use crate::error::{AppError, AppResult};
use crate::ports::StoredTemplate;
use crate::{Actor, App};

const ENTITY: &str = "process_template";

/// Parsed template versions, keyed by (key, version).
#[derive(Default)]
pub(crate) struct TemplateCache {
    parsed: RwLock<HashMap<(String, i64), Arc<ProcessTemplate>>>,
}

/// A stored version with its parsed content.
#[derive(Debug, Clone)]
pub struct TemplateVersion {
    pub stored: StoredTemplate,
    pub template: Arc<ProcessTemplate>,
}

impl App {
    /// Installs each built-in template that is missing, and a new version of
    /// one whose shipped text changed since the newest built-in version
    /// (unless an admin has uploaded a newer version, which is kept).
    /// Returns the keys installed.
    pub async fn install_builtin_templates(&self) -> AppResult<Vec<String>> {
        let mut installed = Vec::new();
        for (file, source) in PROCESS_TEMPLATES {
            let template = parse_process_template(source).map_err(|errors| {
                AppError::Internal(format!(
                    "built-in template {file} is invalid: {}",
                    errors
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join("; ")
                ))
            })?;
            let key = template.key().to_owned();
            let newest = self
                .store
                .find_process_template(&key, None)
                .await
                .map_err(AppError::store(ENTITY))?;
            let version = match &newest {
                None => 1,
                Some(s) if s.builtin && s.source != *source => s.version + 1,
                Some(_) => continue,
            };
            self.save_template(None, key.clone(), version, (*source).to_owned(), true)
                .await?;
            installed.push(key);
        }
        Ok(installed)
    }

    async fn save_template(
        &self,
        actor: Option<&Actor>,
        key: String,
        version: i64,
        source: String,
        builtin: bool,
    ) -> AppResult<StoredTemplate> {
        let stored = StoredTemplate {
            key,
            version,
            source,
            builtin,
            created_at: self.now(),
            created_by: actor.map(Actor::id),
        };
        let summary =
            serde_json::json!({"key": stored.key, "version": stored.version, "builtin": builtin});
        let audit = self.audit(
            actor,
            AuditAction::Create,
            ENTITY,
            format!("{}@{}", stored.key, stored.version),
            None,
            Some(&summary),
        );
        self.store
            .insert_process_template(&stored, &audit)
            .await
            .map_err(AppError::store(ENTITY))?;
        Ok(stored)
    }

    /// Checks a template file without saving it.
    pub fn check_process_template(source: &str) -> AppResult<ProcessTemplate> {
        parse_process_template(source).map_err(AppError::TemplateInvalid)
    }

    /// An administrator adds a template, or the next version of one.
    pub async fn add_process_template(
        &self,
        actor: &Actor,
        source: &str,
    ) -> AppResult<TemplateVersion> {
        actor.require_admin()?;
        let template = Self::check_process_template(source)?;
        let key = template.key().to_owned();
        let newest = self
            .store
            .find_process_template(&key, None)
            .await
            .map_err(AppError::store(ENTITY))?;
        let version = newest.map_or(1, |s| s.version + 1);
        let stored = self
            .save_template(Some(actor), key, version, source.to_owned(), false)
            .await?;
        let template = Arc::new(template);
        self.cache_template(&stored, template.clone());
        Ok(TemplateVersion { stored, template })
    }

    fn cache_template(&self, stored: &StoredTemplate, template: Arc<ProcessTemplate>) {
        if let Ok(mut cache) = self.templates.parsed.write() {
            cache.insert((stored.key.clone(), stored.version), template);
        }
    }

    /// A template version (the newest when `version` is `None`).
    pub async fn process_template(
        &self,
        key: &str,
        version: Option<i64>,
    ) -> AppResult<TemplateVersion> {
        let stored = self
            .store
            .find_process_template(key, version)
            .await
            .map_err(AppError::store(ENTITY))?
            .ok_or(AppError::NotFound {
                entity: "process template",
            })?;
        let cached = self
            .templates
            .parsed
            .read()
            .ok()
            .and_then(|c| c.get(&(stored.key.clone(), stored.version)).cloned());
        let template = match cached {
            Some(t) => t,
            None => {
                let t = Arc::new(parse_process_template(&stored.source).map_err(|e| {
                    AppError::Internal(format!(
                        "stored template {}@{} no longer parses: {e:?}",
                        stored.key, stored.version
                    ))
                })?);
                self.cache_template(&stored, t.clone());
                t
            }
        };
        Ok(TemplateVersion { stored, template })
    }

    /// The newest version of every template.
    pub async fn list_process_templates(&self, _actor: &Actor) -> AppResult<Vec<TemplateVersion>> {
        let stored = self
            .store
            .list_process_templates()
            .await
            .map_err(AppError::store(ENTITY))?;
        let mut out = Vec::with_capacity(stored.len());
        for s in stored {
            out.push(self.process_template(&s.key, Some(s.version)).await?);
        }
        Ok(out)
    }
}
