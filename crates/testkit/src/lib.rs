//! Test support for Tuoke (never a dependency of the shipped binary): fresh
//! migrated databases on both backends, domain fixtures with a fixed clock,
//! the storage conformance suite that every `Store` behaviour runs through on
//! SQLite and PostgreSQL alike, and the real server on a random port with a
//! small HTTP client for the black-box API tests.
#![forbid(unsafe_code)]
#![expect(
    clippy::expect_used,
    clippy::unwrap_used,
    reason = "test support: a failed setup or check must fail the test at once"
)]

pub mod conformance;
pub mod db;
pub mod server;
