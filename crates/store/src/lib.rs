//! Tuoke's storage: the [`tuoke_app::ports::Store`] port on SQLite and
//! PostgreSQL.
//!
//! This crate owns all SQL, both migration trees (append-only, kept in step by
//! a test), transactions and optimistic locking. It is the only crate that
//! knows SQL; it depends on `tuoke-core` and `tuoke-app` only, never on `web`.
//! Each statement is written once and runs on either backend: values are
//! stored in one representation (text ids, integer microseconds, integer fen,
//! text codes) that both databases read and sort the same way. The one
//! exception is the customer search index (`search.rs`).
#![forbid(unsafe_code)]

mod cursor;
mod db;
mod funnel;
mod import;
mod lite;
mod records;
mod search;
mod sql;
mod store;

pub use db::Db;
