//! Templates, process and form alike: the built-in ones installed on start,
//! administrators' uploads as new versions, and a cache of parsed versions (a
//! version never changes once stored).

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use tuoke_core::AuditAction;
use tuoke_core::forms::{FormTemplate, parse_form_template};
use tuoke_core::process::template::TemplateError;
use tuoke_core::process::{ProcessTemplate, parse_process_template};

use crate::error::{AppError, AppResult};
use crate::ports::{Store, StoreError, StoredTemplate};
use crate::{Actor, App};

/// What differs between the kinds of templates: how they parse and where
/// they are stored.
pub trait TemplateKind: Send + Sync + Sized + 'static {
    /// The audit log's name for the kind.
    const ENTITY: &'static str;
    /// The error's name for a missing template.
    const NAME: &'static str;
    fn parse(source: &str) -> Result<Self, Vec<TemplateError>>;
    fn key(&self) -> &str;
    fn builtins() -> &'static [(&'static str, &'static str)];
    fn cache(app: &App) -> &Parsed<Self>;
    fn find(
        store: &dyn Store,
        key: &str,
        version: Option<i64>,
    ) -> impl Future<Output = Result<Option<StoredTemplate>, StoreError>> + Send;
    fn insert(
        store: &dyn Store,
        stored: &StoredTemplate,
        audit: &tuoke_core::AuditEntry,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    fn list(
        store: &dyn Store,
    ) -> impl Future<Output = Result<Vec<StoredTemplate>, StoreError>> + Send;
}

impl TemplateKind for ProcessTemplate {
    const ENTITY: &'static str = "process_template";
    const NAME: &'static str = "process template";
    fn parse(source: &str) -> Result<Self, Vec<TemplateError>> {
        parse_process_template(source)
    }
    fn key(&self) -> &str {
        ProcessTemplate::key(self)
    }
    fn builtins() -> &'static [(&'static str, &'static str)] {
        tuoke_core::process::builtin::PROCESS_TEMPLATES
    }
    fn cache(app: &App) -> &Parsed<Self> {
        &app.templates.processes
    }
    async fn find(
        store: &dyn Store,
        key: &str,
        version: Option<i64>,
    ) -> Result<Option<StoredTemplate>, StoreError> {
        store.find_process_template(key, version).await
    }
    async fn insert(
        store: &dyn Store,
        stored: &StoredTemplate,
        audit: &tuoke_core::AuditEntry,
    ) -> Result<(), StoreError> {
        store.insert_process_template(stored, audit).await
    }
    async fn list(store: &dyn Store) -> Result<Vec<StoredTemplate>, StoreError> {
        store.list_process_templates().await
    }
}

impl TemplateKind for FormTemplate {
    const ENTITY: &'static str = "form_template";
    const NAME: &'static str = "form template";
    fn parse(source: &str) -> Result<Self, Vec<TemplateError>> {
        parse_form_template(source)
    }
    fn key(&self) -> &str {
        FormTemplate::key(self)
    }
    fn builtins() -> &'static [(&'static str, &'static str)] {
        tuoke_core::forms::builtin::FORM_TEMPLATES
    }
    fn cache(app: &App) -> &Parsed<Self> {
        &app.templates.forms
    }
    async fn find(
        store: &dyn Store,
        key: &str,
        version: Option<i64>,
    ) -> Result<Option<StoredTemplate>, StoreError> {
        store.find_form_template(key, version).await
    }
    async fn insert(
        store: &dyn Store,
        stored: &StoredTemplate,
        audit: &tuoke_core::AuditEntry,
    ) -> Result<(), StoreError> {
        store.insert_form_template(stored, audit).await
    }
    async fn list(store: &dyn Store) -> Result<Vec<StoredTemplate>, StoreError> {
        store.list_form_templates().await
    }
}

/// Parsed versions of one kind, keyed by (key, version).
pub struct Parsed<T> {
    map: RwLock<HashMap<(String, i64), Arc<T>>>,
}

impl<T> Default for Parsed<T> {
    fn default() -> Self {
        Self {
            map: RwLock::default(),
        }
    }
}

impl<T> Parsed<T> {
    fn get(&self, stored: &StoredTemplate) -> Option<Arc<T>> {
        self.map
            .read()
            .ok()?
            .get(&(stored.key.clone(), stored.version))
            .cloned()
    }

    fn put(&self, stored: &StoredTemplate, parsed: Arc<T>) {
        if let Ok(mut map) = self.map.write() {
            map.insert((stored.key.clone(), stored.version), parsed);
        }
    }
}

/// Every kind's cache.
#[derive(Default)]
pub(crate) struct TemplateCache {
    processes: Parsed<ProcessTemplate>,
    forms: Parsed<FormTemplate>,
}

/// A stored version with its parsed content.
#[derive(Debug, Clone)]
pub struct TemplateVersion<T> {
    pub stored: StoredTemplate,
    pub template: Arc<T>,
}

/// A checked template file of either kind.
#[derive(Debug, Clone)]
pub enum CheckedTemplate {
    Process(ProcessTemplate),
    Form(FormTemplate),
}

impl App {
    /// Installs the built-in templates of both kinds (see [`Self::install_builtins`]).
    pub async fn install_builtin_templates(&self) -> AppResult<Vec<String>> {
        let mut installed = self.install_builtins::<ProcessTemplate>().await?;
        installed.extend(self.install_builtins::<FormTemplate>().await?);
        Ok(installed)
    }

    /// Installs each built-in template that is missing, and a new version of
    /// one whose shipped text changed since the newest built-in version
    /// (unless an admin has uploaded a newer version, which is kept).
    /// Returns the keys installed.
    async fn install_builtins<T: TemplateKind>(&self) -> AppResult<Vec<String>> {
        let mut installed = Vec::new();
        for (file, source) in T::builtins() {
            let template = T::parse(source).map_err(|errors| {
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
            let newest = T::find(&*self.store, &key, None)
                .await
                .map_err(AppError::store(T::ENTITY))?;
            let version = match &newest {
                None => 1,
                Some(s) if s.builtin && s.source != *source => s.version + 1,
                Some(_) => continue,
            };
            self.save_template::<T>(None, key.clone(), version, (*source).to_owned(), true)
                .await?;
            installed.push(key);
        }
        Ok(installed)
    }

    async fn save_template<T: TemplateKind>(
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
            T::ENTITY,
            format!("{}@{}", stored.key, stored.version),
            None,
            Some(&summary),
        );
        T::insert(&*self.store, &stored, &audit)
            .await
            .map_err(AppError::store(T::ENTITY))?;
        Ok(stored)
    }

    /// Checks a process template file without saving it.
    pub fn check_process_template(source: &str) -> AppResult<ProcessTemplate> {
        parse_process_template(source).map_err(AppError::TemplateInvalid)
    }

    /// Checks a template file of either kind: a file with `[[stages]]` is a
    /// process, one with `[[sections]]` a form.
    pub fn check_template(source: &str) -> AppResult<CheckedTemplate> {
        let is_form = source
            .lines()
            .any(|l| l.trim_start().starts_with("[[sections"));
        if is_form {
            parse_form_template(source)
                .map(CheckedTemplate::Form)
                .map_err(AppError::TemplateInvalid)
        } else {
            Self::check_process_template(source).map(CheckedTemplate::Process)
        }
    }

    /// An administrator adds a template, or the next version of one.
    pub async fn add_template<T: TemplateKind>(
        &self,
        actor: &Actor,
        source: &str,
    ) -> AppResult<TemplateVersion<T>> {
        actor.require_admin()?;
        let template = T::parse(source).map_err(AppError::TemplateInvalid)?;
        let key = template.key().to_owned();
        let newest = T::find(&*self.store, &key, None)
            .await
            .map_err(AppError::store(T::ENTITY))?;
        let version = newest.map_or(1, |s| s.version + 1);
        let stored = self
            .save_template::<T>(Some(actor), key, version, source.to_owned(), false)
            .await?;
        let template = Arc::new(template);
        T::cache(self).put(&stored, template.clone());
        Ok(TemplateVersion { stored, template })
    }

    /// A template version (the newest when `version` is `None`).
    pub async fn template<T: TemplateKind>(
        &self,
        key: &str,
        version: Option<i64>,
    ) -> AppResult<TemplateVersion<T>> {
        let stored = T::find(&*self.store, key, version)
            .await
            .map_err(AppError::store(T::ENTITY))?
            .ok_or(AppError::NotFound { entity: T::NAME })?;
        let template = match T::cache(self).get(&stored) {
            Some(t) => t,
            None => {
                let t = Arc::new(T::parse(&stored.source).map_err(|e| {
                    AppError::Internal(format!(
                        "stored template {}@{} no longer parses: {e:?}",
                        stored.key, stored.version
                    ))
                })?);
                T::cache(self).put(&stored, t.clone());
                t
            }
        };
        Ok(TemplateVersion { stored, template })
    }

    /// The newest version of every template of a kind.
    pub async fn list_templates<T: TemplateKind>(
        &self,
        _actor: &Actor,
    ) -> AppResult<Vec<TemplateVersion<T>>> {
        let stored = T::list(&*self.store)
            .await
            .map_err(AppError::store(T::ENTITY))?;
        let mut out = Vec::with_capacity(stored.len());
        for s in stored {
            out.push(self.template::<T>(&s.key, Some(s.version)).await?);
        }
        Ok(out)
    }

    /// A process template version (the newest when `version` is `None`).
    pub async fn process_template(
        &self,
        key: &str,
        version: Option<i64>,
    ) -> AppResult<TemplateVersion<ProcessTemplate>> {
        self.template::<ProcessTemplate>(key, version).await
    }
}
