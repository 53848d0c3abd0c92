//! Loading records the acting user may see, shared by the use cases.

use tuoke_core::{Customer, CustomerId, User, UserId, ValidationErrors};

use crate::error::{AppError, AppResult};
use crate::policy;
use crate::ports::{StoredResponse, Visibility};
use crate::{Actor, App};

impl App {
    /// The customer, if the actor may see it; otherwise "not found".
    pub(crate) async fn visible_customer(
        &self,
        actor: &Actor,
        id: CustomerId,
    ) -> AppResult<(Customer, Visibility)> {
        let visible = policy::visibility(&*self.store, actor).await?;
        let customer = self
            .store
            .get_customer(id)
            .await
            .map_err(AppError::store("customer"))?;
        if visible.allows(customer.owner_id) {
            Ok((customer, visible))
        } else {
            Err(AppError::NotFound { entity: "customer" })
        }
    }

    /// Checks that `owner` is an active user the actor may assign records to.
    pub(crate) async fn check_owner(
        &self,
        actor: &Actor,
        visible: &Visibility,
        field: &str,
        owner: UserId,
    ) -> AppResult<User> {
        let user = match self.store.get_user(owner).await {
            Ok(user) if user.active => user,
            Ok(_) => {
                return Err(ValidationErrors::single(
                    field,
                    "inactive",
                    "this user is deactivated",
                )
                .into());
            }
            Err(crate::ports::StoreError::NotFound) => {
                return Err(ValidationErrors::single(field, "unknown", "no such user").into());
            }
            Err(e) => return Err(AppError::store("user")(e)),
        };
        policy::require_may_assign(visible, actor, owner)?;
        Ok(user)
    }

    /// The response stored for this actor's idempotency key, if any.
    pub async fn find_idempotent_response(
        &self,
        actor: &Actor,
        key: &str,
    ) -> AppResult<Option<StoredResponse>> {
        self.store
            .find_idempotent_response(actor.id(), key)
            .await
            .map_err(AppError::store("idempotency key"))
    }

    /// Keeps a response for this actor's idempotency key.
    pub async fn save_idempotent_response(
        &self,
        actor: &Actor,
        key: &str,
        response: &StoredResponse,
    ) -> AppResult<()> {
        self.store
            .insert_idempotent_response(actor.id(), key, response, self.now())
            .await
            .map_err(AppError::store("idempotency key"))
    }
}
