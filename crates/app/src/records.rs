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

    /// Who decides for `user`: the manager of their team; without one (or
    /// when the user is that manager), an administrator.
    pub(crate) async fn manager_of(&self, user: UserId) -> AppResult<UserId> {
        let user = self
            .store
            .get_user(user)
            .await
            .map_err(AppError::store("user"))?;
        if let Some(team) = user.team_id {
            let team = self
                .store
                .get_team(team)
                .await
                .map_err(AppError::store("team"))?;
            if let Some(manager) = team.manager_id.filter(|m| *m != user.id) {
                return Ok(manager);
            }
        }
        self.admins()
            .await?
            .into_iter()
            .find(|a| *a != user.id)
            .or(Some(user.id).filter(|_| user.role == tuoke_core::Role::Admin))
            .ok_or_else(|| AppError::Conflict("no one can decide this: the user has no team manager and there is no administrator".into()))
    }

    /// The active administrators.
    pub(crate) async fn admins(&self) -> AppResult<Vec<UserId>> {
        let users = self
            .store
            .list_users(&crate::ports::PageRequest::first(
                crate::ports::PageRequest::MAX_LIMIT,
            ))
            .await
            .map_err(AppError::store("user"))?;
        Ok(users
            .items
            .iter()
            .filter(|u| u.role == tuoke_core::Role::Admin && u.active)
            .map(|u| u.id)
            .collect())
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
