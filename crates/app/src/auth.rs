//! Authentication: password hashing, session tokens, and the login rate limit.

use std::num::NonZeroU32;
use std::sync::OnceLock;
use std::time::Duration;

use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
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
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
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

#[cfg(test)]
mod tests {
    use super::*;

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
