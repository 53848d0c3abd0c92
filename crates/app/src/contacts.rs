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

/// A contact whose birthday comes soon.
#[derive(Debug, Clone)]
pub struct UpcomingBirthday {
    pub contact: Contact,
    pub customer_name: String,
    /// The solar date it falls on.
    pub date: chrono::NaiveDate,
    pub lunar: bool,
}

/// The most contacts the birthday list looks through.
const BIRTHDAY_SCAN: u32 = 5000;

impl App {
    /// Contacts of the customers the actor sees whose birthday (solar or
    /// lunar) falls within `days` days from `from`, soonest first.
    pub async fn upcoming_birthdays(
        &self,
        actor: &Actor,
        from: chrono::NaiveDate,
        days: i64,
    ) -> AppResult<Vec<UpcomingBirthday>> {
        let visible = crate::policy::visibility(&*self.store, actor).await?;
        let contacts = self
            .store
            .list_contacts_with_birthday(&visible, BIRTHDAY_SCAN)
            .await
            .map_err(AppError::store(ENTITY))?;
        let until = from + chrono::Duration::days(days);
        let mut names = std::collections::HashMap::new();
        let mut upcoming = Vec::new();
        // Many contacts share a birthday: convert each (lunar) date once.
        let mut occurrences = std::collections::HashMap::new();
        for contact in contacts {
            let Some(birthday) = contact.birthday else {
                continue;
            };
            let key = (
                birthday.calendar,
                birthday.month,
                birthday.day,
                birthday.leap_month,
            );
            let next = *occurrences
                .entry(key)
                .or_insert_with(|| birthday.next_occurrence(from));
            let Some(date) = next.filter(|d| *d <= until) else {
                continue;
            };
            let customer_name = match names.get(&contact.customer_id) {
                Some(name) => String::clone(name),
                None => {
                    let name = self
                        .store
                        .get_customer(contact.customer_id)
                        .await
                        .map(|c| c.name)
                        .unwrap_or_default();
                    names.insert(contact.customer_id, name.clone());
                    name
                }
            };
            let lunar = birthday.calendar == tuoke_core::BirthdayCalendar::Lunar;
            upcoming.push(UpcomingBirthday {
                contact,
                customer_name,
                date,
                lunar,
            });
        }
        upcoming.sort_by_key(|b| b.date);
        Ok(upcoming)
    }
}
