//! Users, roles and teams.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::enums::domain_enum;
use crate::validation::{Checker, ValidationErrors};
use crate::{TeamId, UserId};

domain_enum! {
    /// What a user does, and so what they may see and do.
    pub enum Role {
        Rep = ("rep", "业务员", "Sales rep"),
        Manager = ("manager", "市场部经理", "Sales manager"),
        DevManager = ("dev_manager", "开发经理", "Development manager"),
        Engineer = ("engineer", "工程部", "Engineer"),
        Qa = ("qa", "品保", "QA"),
        Admin = ("admin", "管理员", "Administrator"),
    }
}

/// A login name: 2–32 characters of lower-case ASCII letters, digits, `.`, `_`, `-`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct Username(String);

impl Username {
    /// Parses a login name; upper-case letters are folded to lower case.
    pub fn parse(input: &str) -> Result<Username, ValidationErrors> {
        let name = input.trim().to_ascii_lowercase();
        let ok_chars = name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || ".-_".contains(c));
        if !(2..=32).contains(&name.len()) || !ok_chars {
            return Err(ValidationErrors::single(
                "username",
                "invalid",
                "must be 2 to 32 characters: letters, digits, '.', '_' or '-'",
            ));
        }
        Ok(Username(name))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 8;

/// Checks a new password against the policy.
pub fn check_password(password: &str) -> Result<(), ValidationErrors> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(ValidationErrors::single(
            "password",
            "too_short",
            format!("must be at least {MIN_PASSWORD_CHARS} characters"),
        ));
    }
    if password.len() > 1024 {
        return Err(ValidationErrors::single(
            "password",
            "too_long",
            "must be at most 1024 bytes",
        ));
    }
    Ok(())
}

/// What an admin submits for a user (the password travels separately).
#[derive(Debug, Clone, PartialEq)]
pub struct UserDraft {
    pub username: String,
    pub display_name: Option<String>,
    pub role: Role,
    pub team_id: Option<TeamId>,
    pub active: bool,
}

/// A user as stored (without the password hash, which only the store and the
/// login path see).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct User {
    pub id: UserId,
    pub username: Username,
    pub display_name: String,
    pub role: Role,
    pub team_id: Option<TeamId>,
    pub active: bool,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl User {
    pub fn create(
        draft: UserDraft,
        id: UserId,
        now: DateTime<Utc>,
    ) -> Result<User, ValidationErrors> {
        build(draft, id, 1, now, now)
    }

    pub fn revise(&self, draft: UserDraft, now: DateTime<Utc>) -> Result<User, ValidationErrors> {
        build(draft, self.id, self.version, self.created_at, now)
    }

    pub fn to_draft(&self) -> UserDraft {
        UserDraft {
            username: self.username.to_string(),
            display_name: Some(self.display_name.clone()),
            role: self.role,
            team_id: self.team_id,
            active: self.active,
        }
    }
}

fn build(
    d: UserDraft,
    id: UserId,
    version: i64,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
) -> Result<User, ValidationErrors> {
    let mut c = Checker::new();
    let username = Username::parse(&d.username)
        .map_err(|e| c.errors.0.extend(e.0))
        .ok();
    let display_name = c.optional_text("display_name", d.display_name.as_deref(), 50);
    match username {
        Some(username) if c.errors.is_empty() => Ok(User {
            id,
            display_name: display_name.unwrap_or_else(|| username.to_string()),
            username,
            role: d.role,
            team_id: d.team_id,
            active: d.active,
            version,
            created_at,
            updated_at,
        }),
        _ => Err(c.errors),
    }
}

/// What an admin submits for a team.
#[derive(Debug, Clone, PartialEq)]
pub struct TeamDraft {
    pub name: String,
    pub manager_id: Option<UserId>,
}

/// A sales team: a manager and the users whose `team_id` points here.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Team {
    pub id: TeamId,
    pub name: String,
    pub manager_id: Option<UserId>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Team {
    pub fn create(
        draft: TeamDraft,
        id: TeamId,
        now: DateTime<Utc>,
    ) -> Result<Team, ValidationErrors> {
        let mut c = Checker::new();
        let name = c.required_text("name", &draft.name, 50);
        c.errors.finish(Team {
            id,
            name,
            manager_id: draft.manager_id,
            version: 1,
            created_at: now,
            updated_at: now,
        })
    }

    pub fn revise(&self, draft: TeamDraft, now: DateTime<Utc>) -> Result<Team, ValidationErrors> {
        let created = Team::create(draft, self.id, self.created_at)?;
        Ok(Team {
            version: self.version,
            updated_at: now,
            ..created
        })
    }

    pub fn to_draft(&self) -> TeamDraft {
        TeamDraft {
            name: self.name.clone(),
            manager_id: self.manager_id,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_are_folded_to_lower_case() {
        assert_eq!(
            Username::parse(" Zhang.San ").unwrap().as_str(),
            "zhang.san"
        );
    }

    #[test]
    fn bad_usernames_are_refused() {
        for bad in ["a", "张三", "has space", &"x".repeat(33)] {
            assert!(Username::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn short_passwords_are_refused() {
        assert!(check_password("1234567").is_err());
        assert!(check_password("12345678").is_ok());
    }
}
