//! Users, teams, login sessions, the first administrator and the audit log.

use chrono::Duration;
use tuoke_core::user::check_password;
use tuoke_core::{
    AuditAction, AuditEntry, Role, Team, TeamDraft, TeamId, User, UserDraft, UserId, Username,
    ValidationErrors,
};

use crate::App;
use crate::auth::{self, Actor, SESSION_DAYS};
use crate::error::{AppError, AppResult};
use crate::ports::{AuditFilter, Page, PageRequest, StoreError};

/// The first administrator, created on first start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FirstAdmin {
    pub username: String,
    /// Set when the password was generated and must be shown once.
    pub generated_password: Option<String>,
}

impl App {
    /// On an empty database, creates the `admin` user with the given password
    /// or a random one. Does nothing when any user exists.
    pub async fn bootstrap_admin(&self, password: Option<String>) -> AppResult<Option<FirstAdmin>> {
        if self
            .store
            .count_users()
            .await
            .map_err(AppError::store("user"))?
            > 0
        {
            return Ok(None);
        }
        let (password, generated) = match password {
            Some(p) => (p, false),
            None => (auth::random_password(), true),
        };
        let draft = UserDraft {
            username: "admin".into(),
            display_name: Some("管理员".into()),
            role: Role::Admin,
            team_id: None,
            active: true,
        };
        let user = self.create_user(None, draft, &password).await?;
        Ok(Some(FirstAdmin {
            username: user.username.to_string(),
            generated_password: generated.then_some(password),
        }))
    }

    /// Checks the credentials and opens a session: the token is returned once.
    pub async fn login(
        &self,
        username: &str,
        password: &str,
        client: &str,
    ) -> AppResult<(String, User)> {
        let name = username.trim().to_ascii_lowercase();
        self.login_limiter.check(&name, client)?;
        let found = match Username::parse(&name) {
            Ok(u) => self
                .store
                .find_user_credentials(&u)
                .await
                .map_err(AppError::store("user"))?,
            Err(_) => None,
        };
        let (user, hash) = match found {
            Some((user, hash)) if user.active => (Some(user), hash),
            _ => (None, auth::dummy_hash().to_owned()),
        };
        // Verify even for an unknown user so both cases take as long.
        let ok = auth::verify_password(password, &hash);
        let user = match user {
            Some(user) if ok => user,
            _ => return Err(AppError::BadCredentials),
        };
        let (token, token_hash) = auth::new_token();
        let now = self.now();
        self.store
            .insert_session(
                &token_hash,
                user.id,
                now,
                now + Duration::days(SESSION_DAYS),
            )
            .await
            .map_err(AppError::store("session"))?;
        Ok((token, user))
    }

    /// The active user with this login name as the actor of a command run
    /// on the server itself (`tuoke import --as NAME`): whoever can run the
    /// binary against the database is trusted, as with `tuoke user add`.
    pub async fn local_actor(&self, username: &str) -> AppResult<Actor> {
        let name = Username::parse(username)?;
        match self
            .store
            .find_user_credentials(&name)
            .await
            .map_err(AppError::store("user"))?
        {
            Some((user, _)) if user.active => Ok(Actor { user }),
            _ => Err(AppError::NotFound { entity: "user" }),
        }
    }

    /// The user a session token belongs to.
    pub async fn authenticate(&self, token: &str) -> AppResult<Actor> {
        let hash = auth::token_hash(token);
        let now = self.now();
        if let Some(user) = self.sessions.get(&hash, now) {
            return Ok(Actor { user });
        }
        match self.store.find_session_user(&hash, now).await {
            Ok(Some(user)) => {
                self.sessions.put(hash, user.clone(), now);
                Ok(Actor { user })
            }
            Ok(None) => Err(AppError::Unauthenticated),
            Err(e) => Err(AppError::store("session")(e)),
        }
    }

    /// The interface language the actor chose (`zh` or `en`), if any.
    pub async fn user_language(&self, actor: &Actor) -> AppResult<Option<String>> {
        self.store
            .find_user_language(actor.id())
            .await
            .map_err(AppError::store("user"))
    }

    /// Remembers the actor's interface language: `zh` or `en`.
    pub async fn set_user_language(&self, actor: &Actor, language: &str) -> AppResult<()> {
        if !matches!(language, "zh" | "en") {
            return Err(ValidationErrors::single("language", "invalid", "must be zh or en").into());
        }
        self.store
            .set_user_language(actor.id(), language)
            .await
            .map_err(AppError::store("user"))
    }

    pub async fn logout(&self, token: &str) -> AppResult<()> {
        let hash = auth::token_hash(token);
        self.sessions.forget(&hash);
        self.store
            .delete_session(&hash)
            .await
            .map_err(AppError::store("session"))
    }

    /// Creates a user. `actor` is `None` for the operator at the command line.
    pub async fn create_user(
        &self,
        actor: Option<&Actor>,
        draft: UserDraft,
        password: &str,
    ) -> AppResult<User> {
        if let Some(actor) = actor {
            actor.require_admin()?;
        }
        let user = User::create(draft, UserId::from_uuid(self.ids.new_id()), self.now());
        let password_ok = check_password(password);
        let user = merge_errors(user, password_ok)?;
        self.check_team(user.team_id).await?;
        let hash = auth::hash_password(password)?;
        let audit = self.audit(
            actor,
            AuditAction::Create,
            "user",
            user.id,
            None,
            Some(&user),
        );
        self.store
            .insert_user(&user, &hash, &audit)
            .await
            .map_err(AppError::store("user"))?;
        Ok(user)
    }

    async fn check_team(&self, team_id: Option<TeamId>) -> AppResult<()> {
        let Some(team_id) = team_id else {
            return Ok(());
        };
        match self.store.get_team(team_id).await {
            Ok(_) => Ok(()),
            Err(StoreError::NotFound) => {
                Err(ValidationErrors::single("team_id", "unknown", "no such team").into())
            }
            Err(e) => Err(AppError::store("team")(e)),
        }
    }

    pub async fn get_user(&self, _actor: &Actor, id: UserId) -> AppResult<User> {
        self.store
            .get_user(id)
            .await
            .map_err(AppError::store("user"))
    }

    pub async fn list_users(&self, _actor: &Actor, page: &PageRequest) -> AppResult<Page<User>> {
        self.store
            .list_users(page)
            .await
            .map_err(AppError::store("user"))
    }

    pub async fn update_user(
        &self,
        actor: &Actor,
        id: UserId,
        expected_version: i64,
        edit: impl FnOnce(UserDraft) -> AppResult<UserDraft> + Send,
    ) -> AppResult<User> {
        actor.require_admin()?;
        let current = self
            .store
            .get_user(id)
            .await
            .map_err(AppError::store("user"))?;
        if current.version != expected_version {
            return Err(AppError::VersionConflict {
                entity: "user",
                current: current.version,
            });
        }
        let revised = current.revise(edit(current.to_draft())?, self.now())?;
        if id == actor.id() && (revised.role != Role::Admin || !revised.active) {
            return Err(AppError::Forbidden(
                "you cannot take away your own administrator access".into(),
            ));
        }
        self.check_team(revised.team_id).await?;
        let audit = self.audit(
            Some(actor),
            AuditAction::Update,
            "user",
            id,
            Some(&current),
            Some(&revised),
        );
        let updated = self
            .store
            .update_user(&revised, expected_version, &audit)
            .await
            .map_err(AppError::store("user"))?;
        // Sessions carry the user: a new role or a deactivation applies to
        // the next request.
        self.sessions.clear();
        Ok(updated)
    }

    /// Sets a password: an admin for anyone, a user for themself.
    pub async fn set_password(&self, actor: &Actor, id: UserId, password: &str) -> AppResult<()> {
        if id != actor.id() {
            actor.require_admin()?;
        }
        check_password(password)?;
        let hash = auth::hash_password(password)?;
        let audit = self.audit::<()>(Some(actor), AuditAction::Update, "user", id, None, None);
        let audit = AuditEntry {
            changes: serde_json::json!({"password": {"from": null, "to": "(changed)"}}),
            ..audit
        };
        self.store
            .set_password(id, &hash, &audit)
            .await
            .map_err(AppError::store("user"))
    }

    pub async fn delete_user(
        &self,
        actor: &Actor,
        id: UserId,
        expected_version: i64,
    ) -> AppResult<()> {
        actor.require_admin()?;
        if id == actor.id() {
            return Err(AppError::Forbidden("you cannot delete yourself".into()));
        }
        let current = self
            .store
            .get_user(id)
            .await
            .map_err(AppError::store("user"))?;
        let audit = self.audit(
            Some(actor),
            AuditAction::Delete,
            "user",
            id,
            Some(&current),
            None,
        );
        self.store
            .delete_user(id, expected_version, &audit)
            .await
            .map_err(AppError::store("user"))?;
        self.sessions.clear();
        Ok(())
    }

    pub async fn create_team(&self, actor: Option<&Actor>, draft: TeamDraft) -> AppResult<Team> {
        if let Some(actor) = actor {
            actor.require_admin()?;
        }
        let team = Team::create(draft, TeamId::from_uuid(self.ids.new_id()), self.now())?;
        self.check_manager(team.manager_id).await?;
        let audit = self.audit(
            actor,
            AuditAction::Create,
            "team",
            team.id,
            None,
            Some(&team),
        );
        self.store
            .insert_team(&team, &audit)
            .await
            .map_err(AppError::store("team"))?;
        Ok(team)
    }

    /// A team's manager must be a user who manages.
    async fn check_manager(&self, manager_id: Option<UserId>) -> AppResult<()> {
        let Some(id) = manager_id else { return Ok(()) };
        match self.store.get_user(id).await {
            Ok(u) if matches!(u.role, Role::Manager | Role::DevManager | Role::Admin) => Ok(()),
            Ok(_) => Err(ValidationErrors::single(
                "manager_id",
                "invalid",
                "must be a user with the manager, dev_manager or admin role",
            )
            .into()),
            Err(StoreError::NotFound) => {
                Err(ValidationErrors::single("manager_id", "unknown", "no such user").into())
            }
            Err(e) => Err(AppError::store("user")(e)),
        }
    }

    pub async fn get_team(&self, _actor: &Actor, id: TeamId) -> AppResult<Team> {
        self.store
            .get_team(id)
            .await
            .map_err(AppError::store("team"))
    }

    pub async fn list_teams(&self, _actor: &Actor, page: &PageRequest) -> AppResult<Page<Team>> {
        self.store
            .list_teams(page)
            .await
            .map_err(AppError::store("team"))
    }

    pub async fn update_team(
        &self,
        actor: &Actor,
        id: TeamId,
        expected_version: i64,
        edit: impl FnOnce(TeamDraft) -> AppResult<TeamDraft> + Send,
    ) -> AppResult<Team> {
        actor.require_admin()?;
        let current = self
            .store
            .get_team(id)
            .await
            .map_err(AppError::store("team"))?;
        if current.version != expected_version {
            return Err(AppError::VersionConflict {
                entity: "team",
                current: current.version,
            });
        }
        let revised = current.revise(edit(current.to_draft())?, self.now())?;
        self.check_manager(revised.manager_id).await?;
        let audit = self.audit(
            Some(actor),
            AuditAction::Update,
            "team",
            id,
            Some(&current),
            Some(&revised),
        );
        self.store
            .update_team(&revised, expected_version, &audit)
            .await
            .map_err(AppError::store("team"))
    }

    pub async fn delete_team(
        &self,
        actor: &Actor,
        id: TeamId,
        expected_version: i64,
    ) -> AppResult<()> {
        actor.require_admin()?;
        let current = self
            .store
            .get_team(id)
            .await
            .map_err(AppError::store("team"))?;
        let audit = self.audit(
            Some(actor),
            AuditAction::Delete,
            "team",
            id,
            Some(&current),
            None,
        );
        self.store
            .delete_team(id, expected_version, &audit)
            .await
            .map_err(AppError::store("team"))?;
        // Its members' sessions carry the team they no longer have.
        self.sessions.clear();
        Ok(())
    }

    /// The audit log: all of it for an admin; for others, the history of a
    /// customer they can see.
    pub async fn list_audit(
        &self,
        actor: &Actor,
        filter: AuditFilter,
        page: &PageRequest,
    ) -> AppResult<Page<AuditEntry>> {
        if !actor.is_admin() {
            let customer = match (filter.entity.as_deref(), filter.entity_id.as_deref()) {
                (Some("customer"), Some(id)) => id.parse().ok(),
                _ => None,
            };
            let Some(customer) = customer else {
                return Err(AppError::Forbidden(
                    "only an administrator may read the whole audit log; name a customer".into(),
                ));
            };
            self.visible_customer(actor, customer).await?;
        }
        self.store
            .list_audit(&filter, page)
            .await
            .map_err(AppError::store("audit entry"))
    }
}

/// A record's validation result joined with another check's errors.
fn merge_errors<T>(
    record: Result<T, ValidationErrors>,
    other: Result<(), ValidationErrors>,
) -> Result<T, ValidationErrors> {
    match (record, other) {
        (Ok(r), Ok(())) => Ok(r),
        (Ok(_), Err(e)) | (Err(e), Ok(())) => Err(e),
        (Err(mut a), Err(b)) => {
            a.0.extend(b.0);
            Err(a)
        }
    }
}
