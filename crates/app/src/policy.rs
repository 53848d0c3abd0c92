//! Who may see and change what. Every use case asks here; the UI never
//! decides on its own.
//!
//! - An admin sees everything.
//! - A manager sees what they own and what the members of the teams they
//!   manage own.
//! - Everyone else sees what they own.
//!
//! Records a user may not see answer as if they did not exist.

use tuoke_core::{Role, UserId};

use crate::auth::Actor;
use crate::error::{AppError, AppResult};
use crate::ports::{Store, Visibility};

/// The owners whose customers (and their contacts and activities) the actor sees.
pub async fn visibility(store: &dyn Store, actor: &Actor) -> AppResult<Visibility> {
    Ok(match actor.role() {
        Role::Admin => Visibility::All,
        Role::Manager => {
            let mut owners = store
                .list_managed_user_ids(actor.id())
                .await
                .map_err(AppError::store("user"))?;
            owners.push(actor.id());
            Visibility::Owners(owners)
        }
        _ => Visibility::Owners(vec![actor.id()]),
    })
}

/// Whether the actor may create customers and log activities at all.
pub fn require_sales_role(actor: &Actor) -> AppResult<()> {
    match actor.role() {
        Role::Rep | Role::Manager | Role::DevManager | Role::Admin => Ok(()),
        Role::Engineer | Role::Qa => Err(AppError::Forbidden(
            "engineering and QA users do not own customers".into(),
        )),
    }
}

/// Whether the actor may make `owner` the owner of a record: oneself always;
/// a manager also a member of their teams; an admin anyone.
pub fn require_may_assign(visible: &Visibility, actor: &Actor, owner: UserId) -> AppResult<()> {
    if owner == actor.id() || visible.allows(owner) {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            "you may only assign records to yourself or to members of your teams".into(),
        ))
    }
}
