//! Credit management: a customer's grade, limit and payment terms, the
//! credit-change requests with their deadlines, and the sweep that notifies
//! whoever must act when a deadline is missed.

use chrono::{DateTime, Utc};
use tuoke_core::credit::{CreditChange, CreditDeadline, CreditGrade, CreditProfile};
use tuoke_core::{AuditAction, CustomerId, Money, Role, ValidationErrors};
use uuid::Uuid;

use crate::error::{AppError, AppResult};
use crate::policy;
use crate::ports::{CreditChangeFilter, Notification, Page, PageRequest};
use crate::{Actor, App};

/// A customer's credit and its open request.
#[derive(Debug, Clone)]
pub struct CreditDetail {
    pub profile: CreditProfile,
    pub open_change: Option<CreditChange>,
}

fn require_manager(actor: &Actor) -> AppResult<()> {
    if matches!(actor.role(), Role::Manager | Role::DevManager | Role::Admin) {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            "only a manager sets credit terms".into(),
        ))
    }
}

impl App {
    pub async fn get_credit(
        &self,
        actor: &Actor,
        customer_id: CustomerId,
    ) -> AppResult<CreditDetail> {
        self.visible_customer(actor, customer_id).await?;
        let profile = self
            .store
            .find_credit_profile(customer_id)
            .await
            .map_err(AppError::store("credit"))?
            .unwrap_or_else(|| CreditProfile::empty(customer_id, self.now()));
        let open_change = self
            .store
            .find_open_credit_change(customer_id)
            .await
            .map_err(AppError::store("credit change"))?;
        Ok(CreditDetail {
            profile,
            open_change,
        })
    }

    /// A manager sets the credit limit and payment terms (the grade changes
    /// only through a request). `expected_version` 0 for a customer never rated.
    pub async fn set_credit_terms(
        &self,
        actor: &Actor,
        customer_id: CustomerId,
        expected_version: i64,
        limit: Option<Money>,
        payment_terms_days: Option<u32>,
    ) -> AppResult<CreditDetail> {
        require_manager(actor)?;
        let current = self.get_credit(actor, customer_id).await?;
        if current.profile.version != expected_version {
            return Err(AppError::VersionConflict {
                entity: "credit",
                current: current.profile.version,
            });
        }
        let changed = current
            .profile
            .with_terms(limit, payment_terms_days, self.now())?;
        let audit = self.audit(
            Some(actor),
            AuditAction::Update,
            "credit",
            customer_id,
            Some(&current.profile),
            Some(&changed),
        );
        let profile = self
            .store
            .save_credit_profile(&changed, expected_version, &audit)
            .await
            .map_err(AppError::store("credit"))?;
        Ok(CreditDetail {
            profile,
            open_change: current.open_change,
        })
    }

    /// Requests you may see: by default all of the customers you see.
    pub async fn list_credit_changes(
        &self,
        actor: &Actor,
        mut filter: CreditChangeFilter,
        page: &PageRequest,
    ) -> AppResult<Page<CreditChange>> {
        filter.visible = Some(policy::visibility(&*self.store, actor).await?);
        self.store
            .list_credit_changes(&filter, page)
            .await
            .map_err(AppError::store("credit change"))
    }

    async fn visible_change(&self, actor: &Actor, id: Uuid) -> AppResult<CreditChange> {
        let change = self
            .store
            .get_credit_change(id)
            .await
            .map_err(AppError::store("credit change"))?;
        let may_see = change.verifier_id == Some(actor.id())
            || self
                .visible_customer(actor, change.customer_id)
                .await
                .is_ok();
        if may_see {
            Ok(change)
        } else {
            Err(AppError::NotFound {
                entity: "credit change",
            })
        }
    }

    pub async fn get_credit_change(&self, actor: &Actor, id: Uuid) -> AppResult<CreditChange> {
        self.visible_change(actor, id).await
    }

    /// Requests a grade change by hand, submitted at once.
    pub async fn request_credit_change(
        &self,
        actor: &Actor,
        customer_id: CustomerId,
        to_grade: CreditGrade,
        reason: &str,
    ) -> AppResult<CreditChange> {
        let current = self.get_credit(actor, customer_id).await?;
        if current.open_change.is_some() {
            return Err(AppError::Conflict(
                "this customer already has an open credit-change request".into(),
            ));
        }
        if current.profile.grade == Some(to_grade) {
            return Err(ValidationErrors::single(
                "to_grade",
                "unchanged",
                "the customer already has this grade",
            )
            .into());
        }
        if reason.trim().is_empty() {
            return Err(ValidationErrors::single(
                "reason",
                "required",
                "say why the grade should change",
            )
            .into());
        }
        let calendar = self.work_calendar().await?;
        let raised = CreditChange::raise(
            self.ids.new_id(),
            customer_id,
            current.profile.grade,
            to_grade,
            None,
            actor.id(),
            self.now(),
            &calendar,
        );
        let audit = self.audit(
            Some(actor),
            AuditAction::Create,
            "credit_change",
            raised.id,
            None,
            Some(&raised),
        );
        self.store
            .insert_credit_change(&raised, &audit)
            .await
            .map_err(AppError::store("credit change"))?;
        self.submit_credit_change(actor, raised.id, Some(reason))
            .await
    }

    /// Submits a draft request to the manager of the customer's owner.
    pub async fn submit_credit_change(
        &self,
        actor: &Actor,
        id: Uuid,
        reason: Option<&str>,
    ) -> AppResult<CreditChange> {
        let change = self.visible_change(actor, id).await?;
        let (customer, _) = self.visible_customer(actor, change.customer_id).await?;
        let verifier = self.manager_of(customer.owner_id).await?;
        let calendar = self.work_calendar().await?;
        let submitted = change
            .submit(actor.id(), verifier, reason, self.now(), &calendar)
            .map_err(credit_error)?;
        let audit = self.audit(
            Some(actor),
            AuditAction::Update,
            "credit_change",
            id,
            Some(&change),
            Some(&submitted),
        );
        self.store
            .update_credit_change(&submitted, change.version, None, &[audit])
            .await
            .map_err(AppError::store("credit change"))
    }

    /// The verifier (or an admin) approves — the grade changes — or rejects
    /// with a review opinion.
    pub async fn decide_credit_change(
        &self,
        actor: &Actor,
        id: Uuid,
        approve: bool,
        opinion: Option<&str>,
    ) -> AppResult<CreditChange> {
        let change = self.visible_change(actor, id).await?;
        if change.verifier_id != Some(actor.id()) && !actor.is_admin() {
            return Err(AppError::Forbidden(
                "only the verifier or an administrator decides this request".into(),
            ));
        }
        let decided = change
            .decide(approve, opinion, self.now())
            .map_err(credit_error)?;
        let mut audits = vec![self.audit(
            Some(actor),
            AuditAction::Update,
            "credit_change",
            id,
            Some(&change),
            Some(&decided),
        )];
        let profile = if approve {
            let current = self
                .store
                .find_credit_profile(change.customer_id)
                .await
                .map_err(AppError::store("credit"))?;
            let version = current.as_ref().map_or(0, |p| p.version);
            let before =
                current.unwrap_or_else(|| CreditProfile::empty(change.customer_id, self.now()));
            let proposed_grade = before.proposed_grade.filter(|g| *g != change.to_grade);
            let after = CreditProfile {
                grade: Some(change.to_grade),
                proposed_grade,
                updated_at: self.now(),
                ..before.clone()
            };
            audits.push(self.audit(
                Some(actor),
                AuditAction::Update,
                "credit",
                change.customer_id,
                Some(&before),
                Some(&after),
            ));
            Some((after, version))
        } else {
            None
        };
        self.store
            .update_credit_change(
                &decided,
                change.version,
                profile.as_ref().map(|(p, v)| (p, *v)),
                &audits,
            )
            .await
            .map_err(AppError::store("credit change"))
    }

    /// Notifies whoever must act on every request past its deadline: for a
    /// missed submission, the verifier-to-be (the owner's manager) and the
    /// owner; for a missed verification, the verifier's manager (or the
    /// admins). Idempotent: each person hears once per request and deadline.
    /// Returns how many notifications were sent.
    pub async fn sweep_credit_deadlines(&self, now: DateTime<Utc>) -> AppResult<usize> {
        let filter = CreditChangeFilter {
            overdue_at: Some(now),
            ..CreditChangeFilter::default()
        };
        let mut page = PageRequest::first(PageRequest::MAX_LIMIT);
        let mut sent = 0;
        loop {
            let batch = self
                .store
                .list_credit_changes(&filter, &page)
                .await
                .map_err(AppError::store("credit change"))?;
            for change in &batch.items {
                let Some(deadline) = change.breach(now) else {
                    continue;
                };
                let customer = self
                    .store
                    .get_customer(change.customer_id)
                    .await
                    .map_err(AppError::store("customer"))?;
                let recipients = match (deadline, change.verifier_id) {
                    (CreditDeadline::Submit, _) => {
                        vec![self.manager_of(customer.owner_id).await?, customer.owner_id]
                    }
                    (CreditDeadline::Verify, Some(verifier)) => {
                        vec![self.manager_of(verifier).await?]
                    }
                    (CreditDeadline::Verify, None) => self.admins().await?,
                };
                for user_id in recipients {
                    let notification = Notification {
                        id: self.ids.new_id(),
                        user_id,
                        subject: format!("credit_change:{}:{}", change.id, deadline.code()),
                        text_zh: format!(
                            "{} 的信用等级变更申请已超过{}",
                            customer.name,
                            deadline.label_zh()
                        ),
                        text_en: format!(
                            "The credit-change request for {} missed its {}",
                            customer.name,
                            deadline.label_en().to_lowercase()
                        ),
                        link: Some(format!("/api/v1/credit-changes/{}", change.id)),
                        created_at: now,
                        read_at: None,
                    };
                    if self
                        .store
                        .insert_notification_once(&notification)
                        .await
                        .map_err(AppError::store("notification"))?
                    {
                        sent += 1;
                    }
                }
            }
            match batch.next_cursor {
                Some(cursor) => page.cursor = Some(cursor),
                None => return Ok(sent),
            }
        }
    }

    pub async fn list_notifications(
        &self,
        actor: &Actor,
        unread_only: bool,
        page: &PageRequest,
    ) -> AppResult<Page<Notification>> {
        self.store
            .list_notifications(actor.id(), unread_only, page)
            .await
            .map_err(AppError::store("notification"))
    }

    pub async fn mark_notification_read(&self, actor: &Actor, id: Uuid) -> AppResult<()> {
        self.store
            .mark_notification_read(id, actor.id(), self.now())
            .await
            .map_err(AppError::store("notification"))
    }
}

fn credit_error(e: tuoke_core::credit::CreditChangeError) -> AppError {
    match e {
        tuoke_core::credit::CreditChangeError::Invalid(v) => AppError::Validation(v),
        other => AppError::Conflict(other.to_string()),
    }
}
