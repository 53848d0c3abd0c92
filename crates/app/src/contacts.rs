//! Contact use cases. A contact is visible to whoever sees its customer, so
//! the personal profile stays with the owner, their managers and admins.

use tuoke_core::{AuditAction, Contact, ContactDraft, ContactId, CustomerId};

use crate::error::{AppError, AppResult};
use crate::ports::{Page, PageRequest};
use crate::{Actor, App};

const ENTITY: &str = "contact";

impl App {
    pub async fn create_contact(
        &self,
        actor: &Actor,
        customer_id: CustomerId,
        draft: ContactDraft,
    ) -> AppResult<Contact> {
        self.visible_customer(actor, customer_id).await?;
        let id = ContactId::from_uuid(self.ids.new_id());
        let contact = Contact::create(draft, id, customer_id, self.now())?;
        let audit = self.audit(
            Some(actor),
            AuditAction::Create,
            ENTITY,
            id,
            None,
            Some(&contact),
        );
        self.store
            .insert_contact(&contact, &audit)
            .await
            .map_err(AppError::store(ENTITY))?;
        Ok(contact)
    }

    pub async fn get_contact(&self, actor: &Actor, id: ContactId) -> AppResult<Contact> {
        let contact = self
            .store
            .get_contact(id)
            .await
            .map_err(AppError::store(ENTITY))?;
        match self.visible_customer(actor, contact.customer_id).await {
            Ok(_) => Ok(contact),
            Err(AppError::NotFound { .. }) => Err(AppError::NotFound { entity: ENTITY }),
            Err(e) => Err(e),
        }
    }

    pub async fn list_contacts(
        &self,
        actor: &Actor,
        customer_id: CustomerId,
        page: &PageRequest,
    ) -> AppResult<Page<Contact>> {
        self.visible_customer(actor, customer_id).await?;
        self.store
            .list_contacts(customer_id, page)
            .await
            .map_err(AppError::store(ENTITY))
    }

    pub async fn update_contact(
        &self,
        actor: &Actor,
        id: ContactId,
        expected_version: i64,
        edit: impl FnOnce(ContactDraft) -> AppResult<ContactDraft> + Send,
    ) -> AppResult<Contact> {
        let current = self.get_contact(actor, id).await?;
        if current.version != expected_version {
            return Err(AppError::VersionConflict {
                entity: ENTITY,
                current: current.version,
            });
        }
        let revised = current.revise(edit(current.to_draft())?, self.now())?;
        let audit = self.audit(
            Some(actor),
            AuditAction::Update,
            ENTITY,
            id,
            Some(&current),
            Some(&revised),
        );
        self.store
            .update_contact(&revised, expected_version, &audit)
            .await
            .map_err(AppError::store(ENTITY))
    }

    pub async fn delete_contact(
        &self,
        actor: &Actor,
        id: ContactId,
        expected_version: i64,
    ) -> AppResult<()> {
        let current = self.get_contact(actor, id).await?;
        let audit = self.audit(
            Some(actor),
            AuditAction::Delete,
            ENTITY,
            id,
            Some(&current),
            None,
        );
        self.store
            .delete_contact(id, expected_version, &audit)
            .await
            .map_err(AppError::store(ENTITY))
    }
}
