//! Customer use cases: create with the duplicate check (查重), read, list,
//! change, delete.

use tuoke_core::text::normalize_query;
use tuoke_core::{AuditAction, CreditCode, Customer, CustomerDraft, CustomerId};

use crate::error::{AppError, AppResult};
use crate::policy;
use crate::ports::{CustomerFilter, Page, PageRequest};
use crate::{Actor, App};

/// What the duplicate check is asked while a user types.
#[derive(Debug, Clone, Default)]
pub struct DuplicateQuery {
    pub name: Option<String>,
    pub credit_code: Option<String>,
    /// The customer being edited, which does not count as its own duplicate.
    pub except: Option<CustomerId>,
}

/// An existing customer that a new one would duplicate.
#[derive(Debug, Clone, PartialEq)]
pub struct Duplicate {
    /// `name` or `credit_code`.
    pub field: &'static str,
    pub existing: Customer,
    pub owner_name: String,
}

const ENTITY: &str = "customer";

impl App {
    pub async fn create_customer(
        &self,
        actor: &Actor,
        draft: CustomerDraft,
    ) -> AppResult<Customer> {
        policy::require_sales_role(actor)?;
        let visible = policy::visibility(&*self.store, actor).await?;
        let id = CustomerId::from_uuid(self.ids.new_id());
        let customer = Customer::create(draft, id, actor.id(), self.now())?;
        self.check_owner(actor, &visible, "owner_id", customer.owner_id)
            .await?;
        self.refuse_duplicate(&customer).await?;
        let audit = self.audit(
            Some(actor),
            AuditAction::Create,
            ENTITY,
            id,
            None,
            Some(&customer),
        );
        self.store
            .insert_customer(&customer, &audit)
            .await
            .map_err(AppError::store(ENTITY))?;
        Ok(customer)
    }

    /// The existing customer a new name or credit code would duplicate.
    pub async fn find_customer_duplicate(
        &self,
        actor: &Actor,
        query: DuplicateQuery,
    ) -> AppResult<Option<Duplicate>> {
        policy::require_sales_role(actor)?;
        let name_key = query
            .name
            .as_deref()
            .map(tuoke_core::text::normalize_name)
            .unwrap_or_default();
        let code = query
            .credit_code
            .as_deref()
            .and_then(|c| CreditCode::parse(c).ok());
        if name_key.is_empty() && code.is_none() {
            return Ok(None);
        }
        self.duplicate_of(&name_key, code.as_ref(), query.except)
            .await
    }

    async fn duplicate_of(
        &self,
        name_key: &str,
        code: Option<&CreditCode>,
        except: Option<CustomerId>,
    ) -> AppResult<Option<Duplicate>> {
        let Some(existing) = self
            .store
            .find_customer_duplicate(name_key, code, except)
            .await
            .map_err(AppError::store(ENTITY))?
        else {
            return Ok(None);
        };
        let field = if existing.name_key == name_key {
            "name"
        } else {
            "credit_code"
        };
        let owner_name = match self.store.get_user(existing.owner_id).await {
            Ok(u) => u.display_name,
            Err(_) => String::new(),
        };
        Ok(Some(Duplicate {
            field,
            existing,
            owner_name,
        }))
    }

    async fn refuse_duplicate(&self, customer: &Customer) -> AppResult<()> {
        match self
            .duplicate_of(
                &customer.name_key,
                customer.credit_code.as_ref(),
                Some(customer.id),
            )
            .await?
        {
            Some(d) => Err(AppError::DuplicateCustomer {
                field: d.field,
                existing_id: d.existing.id,
                existing_name: if d.owner_name.is_empty() {
                    d.existing.name
                } else {
                    format!("{}（负责人 {}）", d.existing.name, d.owner_name)
                },
            }),
            None => Ok(()),
        }
    }

    pub async fn get_customer(&self, actor: &Actor, id: CustomerId) -> AppResult<Customer> {
        Ok(self.visible_customer(actor, id).await?.0)
    }

    /// Customers matching the filter among those the actor may see.
    pub async fn list_customers(
        &self,
        actor: &Actor,
        mut filter: CustomerFilter,
        page: &PageRequest,
    ) -> AppResult<Page<Customer>> {
        filter.visible = policy::visibility(&*self.store, actor).await?;
        filter.q = filter
            .q
            .as_deref()
            .map(normalize_query)
            .filter(|q| !q.is_empty());
        self.store
            .list_customers(&filter, page)
            .await
            .map_err(AppError::store(ENTITY))
    }

    /// Changes a customer: `edit` turns the current draft into the new one.
    pub async fn update_customer(
        &self,
        actor: &Actor,
        id: CustomerId,
        expected_version: i64,
        edit: impl FnOnce(CustomerDraft) -> AppResult<CustomerDraft> + Send,
    ) -> AppResult<Customer> {
        let (current, visible) = self.visible_customer(actor, id).await?;
        if current.version != expected_version {
            return Err(AppError::VersionConflict {
                entity: ENTITY,
                current: current.version,
            });
        }
        let revised = current.revise(edit(current.to_draft())?, self.now())?;
        if revised.owner_id != current.owner_id {
            self.check_owner(actor, &visible, "owner_id", revised.owner_id)
                .await?;
        }
        self.refuse_duplicate(&revised).await?;
        let audit = self.audit(
            Some(actor),
            AuditAction::Update,
            ENTITY,
            id,
            Some(&current),
            Some(&revised),
        );
        self.store
            .update_customer(&revised, expected_version, &audit)
            .await
            .map_err(AppError::store(ENTITY))
    }

    /// Deletes a customer with its contacts and follow-up records.
    pub async fn delete_customer(
        &self,
        actor: &Actor,
        id: CustomerId,
        expected_version: i64,
    ) -> AppResult<()> {
        let (current, _) = self.visible_customer(actor, id).await?;
        let audit = self.audit(
            Some(actor),
            AuditAction::Delete,
            ENTITY,
            id,
            Some(&current),
            None,
        );
        self.store
            .delete_customer(id, expected_version, &audit)
            .await
            .map_err(AppError::store(ENTITY))
    }
}
