//! Test support for Tuoke (never a dependency of the shipped binary): fresh
//! migrated databases on both backends, domain fixtures with a fixed clock,
//! and the storage conformance suite that every `Store` behaviour runs
//! through on SQLite and PostgreSQL alike.
#![forbid(unsafe_code)]
#![expect(
    clippy::expect_used,
    clippy::unwrap_used,
    reason = "test support: a failed setup or check must fail the test at once"
)]

pub mod conformance;
pub mod db;
