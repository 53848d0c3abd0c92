//! Follow-up record use cases (跟进记录): log a visit, the timeline, what is due.

use tuoke_core::{Activity, ActivityDraft, ActivityId, AuditAction, ValidationErrors};

use crate::error::{AppError, AppResult};
use crate::policy;
use crate::ports::{ActivityFilter, Page, PageRequest, Visibility};
use crate::{Actor, App};

const ENTITY: &str = "activity";

impl App {
    pub async fn create_activity(
        &self,
        actor: &Actor,
        draft: ActivityDraft,
    ) -> AppResult<Activity> {
        policy::require_sales_role(actor)?;
        let (_, visible) = self.visible_customer_for(actor, &draft).await?;
        let id = ActivityId::from_uuid(self.ids.new_id());
        let activity = Activity::create(draft, id, actor.id(), self.now())?;
        self.check_activity_refs(actor, &visible, &activity, None)
            .await?;
        let audit = self.audit(
            Some(actor),
            AuditAction::Create,
            ENTITY,
            id,
            None,
            Some(&activity),
        );
        self.store
            .insert_activity(&activity, &audit)
            .await
            .map_err(AppError::store(ENTITY))?;
        Ok(activity)
    }

    /// The customer named by a draft; an invisible one is a bad field, not a 404.
    async fn visible_customer_for(
        &self,
        actor: &Actor,
        draft: &ActivityDraft,
    ) -> AppResult<(tuoke_core::Customer, Visibility)> {
        match self.visible_customer(actor, draft.customer_id).await {
            Err(AppError::NotFound { .. }) => {
                Err(ValidationErrors::single("customer_id", "unknown", "no such customer").into())
            }
            other => other,
        }
    }

    /// The contacts met must be the customer's; the owner must be assignable.
    async fn check_activity_refs(
        &self,
        actor: &Actor,
        visible: &Visibility,
        activity: &Activity,
        previous: Option<&Activity>,
    ) -> AppResult<()> {
        let mut errors = ValidationErrors::new();
        for (i, contact_id) in activity.contact_ids.iter().enumerate() {
            let belongs = match self.store.get_contact(*contact_id).await {
                Ok(c) => c.customer_id == activity.customer_id,
                Err(crate::ports::StoreError::NotFound) => false,
                Err(e) => return Err(AppError::store("contact")(e)),
            };
            if !belongs {
                errors.add(
                    format!("contact_ids[{i}]"),
                    "unknown",
                    "not a contact of this customer",
                );
            }
        }
        errors.finish(())?;
        if previous.is_none_or(|p| p.owner_id != activity.owner_id) {
            self.check_owner(actor, visible, "owner_id", activity.owner_id)
                .await?;
        }
        Ok(())
    }

    pub async fn get_activity(
        &self,
        actor: &Actor,
        id: ActivityId,
    ) -> AppResult<(Activity, Visibility)> {
        let activity = self
            .store
            .get_activity(id)
            .await
            .map_err(AppError::store(ENTITY))?;
        match self.visible_customer(actor, activity.customer_id).await {
            Ok((_, visible)) => Ok((activity, visible)),
            Err(AppError::NotFound { .. }) => Err(AppError::NotFound { entity: ENTITY }),
            Err(e) => Err(e),
        }
    }

    /// Follow-up records matching the filter among those the actor may see.
    pub async fn list_activities(
        &self,
        actor: &Actor,
        mut filter: ActivityFilter,
        page: &PageRequest,
    ) -> AppResult<Page<Activity>> {
        filter.visible = policy::visibility(&*self.store, actor).await?;
        self.store
            .list_activities(&filter, page)
            .await
            .map_err(AppError::store(ENTITY))
    }

    pub async fn update_activity(
        &self,
        actor: &Actor,
        id: ActivityId,
        expected_version: i64,
        edit: impl FnOnce(ActivityDraft) -> AppResult<ActivityDraft> + Send,
    ) -> AppResult<Activity> {
        let (current, visible) = self.get_activity(actor, id).await?;
        if current.version != expected_version {
            return Err(AppError::VersionConflict {
                entity: ENTITY,
                current: current.version,
            });
        }
        let revised = current.revise(edit(current.to_draft())?, self.now())?;
        self.check_activity_refs(actor, &visible, &revised, Some(&current))
            .await?;
        let audit = self.audit(
            Some(actor),
            AuditAction::Update,
            ENTITY,
            id,
            Some(&current),
            Some(&revised),
        );
        self.store
            .update_activity(&revised, expected_version, &audit)
            .await
            .map_err(AppError::store(ENTITY))
    }

    pub async fn delete_activity(
        &self,
        actor: &Actor,
        id: ActivityId,
        expected_version: i64,
    ) -> AppResult<()> {
        let (current, _) = self.get_activity(actor, id).await?;
        let audit = self.audit(
            Some(actor),
            AuditAction::Delete,
            ENTITY,
            id,
            Some(&current),
            None,
        );
        self.store
            .delete_activity(id, expected_version, &audit)
            .await
            .map_err(AppError::store(ENTITY))
    }
}
