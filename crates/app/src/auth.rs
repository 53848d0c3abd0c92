//! Authentication: password hashing, session tokens, and the login rate limit.

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::{Mutex, OnceLock, PoisonError};
use std::time::Duration;

use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use rand::RngCore;
use sha2::{Digest, Sha256};
use tuoke_core::{Role, User, UserId};

use crate::error::{AppError, AppResult};

/// How long a login session lasts.
pub const SESSION_DAYS: i64 = 30;

/// The acting user of a use case, authenticated by the web layer.
#[derive(Debug, Clone, PartialEq)]
pub struct Actor {
    pub user: User,
}

impl Actor {
    pub fn id(&self) -> UserId {
        self.user.id
    }

    pub fn role(&self) -> Role {
        self.user.role
    }

    pub fn is_admin(&self) -> bool {
        self.user.role == Role::Admin
    }

    pub fn require_admin(&self) -> AppResult<()> {
        if self.is_admin() {
            Ok(())
        } else {
            Err(AppError::Forbidden(
                "only an administrator may do this".into(),
            ))
        }
    }
}

/// Hashes a password with argon2id and a random salt (PHC string).
pub fn hash_password(password: &str) -> AppResult<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AppError::Internal(format!("password hashing failed: {e}")))
}

pub fn verify_password(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A hash that no password matches, so an unknown username costs as much
/// time as a known one (no user enumeration by timing).
pub(crate) fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| hash_password(&random_password()).unwrap_or_default())
}

/// A new session token (shown to the client once) and the hash that is stored.
pub(crate) fn new_token() -> (String, String) {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let token = URL_SAFE_NO_PAD.encode(bytes);
    let hash = token_hash(&token);
    (token, hash)
}

/// Tokens are stored hashed: a leaked database does not leak sessions.
pub(crate) fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// A random password for the first administrator.
pub fn random_password() -> String {
    let mut bytes = [0u8; 12];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Login attempts allowed per username and per client address: a burst of
/// ten, then one every six seconds.
pub(crate) struct LoginLimiter {
    limiter: DefaultKeyedRateLimiter<String>,
}

impl LoginLimiter {
    pub fn new() -> Self {
        let burst = NonZeroU32::new(10).unwrap_or(NonZeroU32::MIN);
        let quota = Quota::with_period(Duration::from_secs(6))
            .map(|q| q.allow_burst(burst))
            .unwrap_or_else(|| Quota::per_minute(burst));
        Self {
            limiter: RateLimiter::keyed(quota),
        }
    }

    pub fn check(&self, username: &str, client: &str) -> AppResult<()> {
        for key in [format!("u:{username}"), format!("c:{client}")] {
            if let Err(not_until) = self.limiter.check_key(&key) {
                let wait = not_until.wait_time_from(governor::clock::Clock::now(
                    &governor::clock::DefaultClock::default(),
                ));
                return Err(AppError::RateLimited {
                    retry_after_secs: wait.as_secs().max(1),
                });
            }
        }
        Ok(())
    }
}

/// How long a session the store found valid is trusted without asking it
/// again. Changes made through this process take effect at once (logging
/// out, a user changed or deleted, a team deleted); one made by another
/// process on the same database (`tuoke user` at the command line) within
/// this time.
const SESSION_TRUST_SECS: i64 = 5;

/// Sessions held at most; more are let go, the stale first.
const SESSION_CACHE_MAX: usize = 10_000;

/// The users of the sessions recently found valid, by token hash, with when
/// they were checked (by the application's clock). Every API request
/// authenticates; this spares most of them a statement.
#[derive(Default)]
pub(crate) struct SessionCache {
    sessions: Mutex<HashMap<String, (User, DateTime<Utc>)>>,
}

impl SessionCache {
    fn trusted(checked: DateTime<Utc>, now: DateTime<Utc>) -> bool {
        checked <= now && now - checked < chrono::Duration::seconds(SESSION_TRUST_SECS)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, (User, DateTime<Utc>)>> {
        self.sessions.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The user of a session checked less than the trust time ago.
    pub(crate) fn get(&self, token_hash: &str, now: DateTime<Utc>) -> Option<User> {
        self.lock()
            .get(token_hash)
            .filter(|(_, checked)| Self::trusted(*checked, now))
            .map(|(user, _)| user.clone())
    }

    pub(crate) fn put(&self, token_hash: String, user: User, now: DateTime<Utc>) {
        let mut sessions = self.lock();
        if sessions.len() >= SESSION_CACHE_MAX {
            sessions.retain(|_, (_, checked)| Self::trusted(*checked, now));
            if sessions.len() >= SESSION_CACHE_MAX {
                sessions.clear();
            }
        }
        sessions.insert(token_hash, (user, now));
    }

    /// Forgets one session (logged out).
    pub(crate) fn forget(&self, token_hash: &str) {
        self.lock().remove(token_hash);
    }

    /// Forgets every session: a user or a team changed.
    pub(crate) fn clear(&self) {
        self.lock().clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tuoke_core::UserDraft;

    fn user(name: &str) -> User {
        let draft = UserDraft {
            username: name.into(),
            display_name: None,
            role: Role::Rep,
            team_id: None,
            active: true,
        };
        User::create(draft, UserId::from_uuid(uuid::Uuid::now_v7()), Utc::now()).unwrap()
    }

    #[test]
    fn a_cached_session_is_trusted_for_five_seconds_of_the_clock_and_no_longer() {
        let cache = SessionCache::default();
        let checked = Utc::now();
        let seconds = chrono::Duration::seconds;
        cache.put("h".into(), user("wangwei"), checked);
        assert_eq!(
            cache.get("h", checked).map(|u| u.username.to_string()),
            Some("wangwei".into())
        );
        assert!(cache.get("h", checked + seconds(4)).is_some());
        assert!(cache.get("h", checked + seconds(5)).is_none());
        // A clock set back asks the store again.
        assert!(cache.get("h", checked - seconds(1)).is_none());
        assert!(cache.get("other", checked).is_none());
        cache.forget("h");
        assert!(cache.get("h", checked).is_none());
        cache.put("h".into(), user("wangwei"), checked);
        cache.clear();
        assert!(cache.get("h", checked).is_none());
    }

    #[test]
    fn a_full_cache_lets_the_stale_sessions_go_first() {
        let cache = SessionCache::default();
        let now = Utc::now();
        let old = now - chrono::Duration::seconds(60);
        for i in 0..SESSION_CACHE_MAX - 1 {
            cache.put(format!("old{i}"), user("stale"), old);
        }
        cache.put("fresh".into(), user("fresh"), now);
        cache.put("newer".into(), user("newer"), now);
        assert!(cache.get("fresh", now).is_some());
        assert!(cache.get("newer", now).is_some());
        assert_eq!(cache.lock().len(), 2);
    }

    #[test]
    fn a_hashed_password_verifies_and_a_wrong_one_does_not() {
        let hash = hash_password("correct horse").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse", &hash));
        assert!(!verify_password("wrong horse", &hash));
        assert!(!verify_password("anything", dummy_hash()));
    }

    #[test]
    fn tokens_are_random_and_stored_hashed() {
        let (t1, h1) = new_token();
        let (t2, _) = new_token();
        assert_ne!(t1, t2);
        assert_eq!(token_hash(&t1), h1);
        assert!(!h1.contains(&t1));
    }

    #[test]
    fn the_eleventh_quick_attempt_is_limited() {
        let limiter = LoginLimiter::new();
        for _ in 0..10 {
            limiter.check("admin", "1.2.3.4").unwrap();
        }
        assert!(matches!(
            limiter.check("admin", "5.6.7.8"),
            Err(AppError::RateLimited { .. })
        ));
    }
}
