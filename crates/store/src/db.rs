//! The connection pool of either backend, transactions, and the few places
//! that dispatch a statement to the backend in use.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use sqlx::migrate::Migrator;
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::{Postgres, Transaction};
use tuoke_app::ports::StoreError;

use crate::lite::{self, Lite};
use crate::sql::{Row, Sql};

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/postgres");

/// The database: SQLite or PostgreSQL, chosen by the URL.
///
/// On SQLite, writes (transactions and single statements) go through one
/// writer connection: SQLite lets one connection write at a time, and
/// writers that race for the lock wait in its busy handler, which sleeps
/// 1, 2, 5… up to 100 ms between tries; queueing for the one writer
/// instead wakes the next write as soon as the last commits, and lets the
/// transactions waiting in line share one `COMMIT`. Reads take any of the
/// reading connections (`lite.rs`).
#[derive(Debug, Clone)]
pub struct Db {
    pool: Pool,
}

#[derive(Debug, Clone)]
enum Pool {
    Sqlite(Arc<Lite>),
    Postgres(PgPool),
}

/// An open transaction; dropping it rolls back.
pub(crate) enum Tx {
    Sqlite(lite::Tx),
    Postgres(Transaction<'static, Postgres>),
}

/// The error of a statement on either backend.
#[derive(Debug)]
pub(crate) enum DbError {
    Sqlite(rusqlite::Error),
    Postgres(sqlx::Error),
}

impl std::fmt::Display for DbError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DbError::Sqlite(e) => e.fmt(f),
            DbError::Postgres(e) => e.fmt(f),
        }
    }
}

impl From<rusqlite::Error> for DbError {
    fn from(e: rusqlite::Error) -> Self {
        DbError::Sqlite(e)
    }
}

impl From<sqlx::Error> for DbError {
    fn from(e: sqlx::Error) -> Self {
        DbError::Postgres(e)
    }
}

impl Db {
    /// Opens `sqlite://PATH` (created if missing), `sqlite::memory:`, or
    /// `postgres://...`. Any other URL is refused before touching the disk.
    pub async fn connect(url: &str) -> Result<Db, StoreError> {
        let scheme = url.split_once(':').map_or("", |(scheme, _)| scheme);
        let pool = match scheme {
            "sqlite" => Pool::Sqlite(Arc::new(Lite::open(url)?)),
            "postgres" | "postgresql" => {
                Pool::Postgres(PgPoolOptions::new().connect(url).await.map_err(backend)?)
            }
            _ => {
                return Err(StoreError::Backend(
                    "unsupported database URL: use sqlite://PATH or postgres://...".into(),
                ));
            }
        };
        Ok(Db { pool })
    }

    /// Applies the embedded migrations of the backend in use.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        match &self.pool {
            Pool::Sqlite(l) => l.migrate(&SQLITE_MIGRATIONS).await?,
            Pool::Postgres(p) => POSTGRES_MIGRATIONS.run(p).await.map_err(backend)?,
        }
        self.rebuild_funnel_if_stale().await
    }

    /// `"sqlite"` or `"postgres"`.
    pub fn backend(&self) -> &'static str {
        match self.pool {
            Pool::Sqlite(_) => "sqlite",
            Pool::Postgres(_) => "postgres",
        }
    }

    pub(crate) fn is_sqlite(&self) -> bool {
        matches!(self.pool, Pool::Sqlite(_))
    }

    /// Waits for the connections to close (PostgreSQL's; SQLite's close
    /// when the last handle on the database is dropped).
    pub async fn close(&self) {
        if let Pool::Postgres(p) = &self.pool {
            p.close().await;
        }
    }

    pub(crate) async fn begin(&self) -> Result<Tx, StoreError> {
        match &self.pool {
            Pool::Sqlite(l) => l.begin().await.map(Tx::Sqlite).map_err(backend),
            Pool::Postgres(p) => p.begin().await.map(Tx::Postgres).map_err(backend),
        }
    }

    /// Opens a transaction that writes much (an import): on SQLite one of
    /// its own, outside the group commit (`Lite::begin_alone`).
    pub(crate) async fn begin_alone(&self) -> Result<Tx, StoreError> {
        match &self.pool {
            Pool::Sqlite(l) => l.begin_alone().await.map(Tx::Sqlite).map_err(backend),
            Pool::Postgres(_) => self.begin().await,
        }
    }

    /// Refreshes the planner statistics of `tables` after a bulk write, on
    /// PostgreSQL: its planner picks plans from them, and without them (a
    /// table filled in one transaction, autovacuum off or not yet round)
    /// it guesses, badly: a search then reads every customer instead of
    /// the few its index names. SQLite plans these statements well without
    /// statistics, and has none to refresh.
    pub(crate) async fn refresh_statistics(&self, tables: &[&str]) -> Result<(), StoreError> {
        if let Pool::Postgres(p) = &self.pool
            && !tables.is_empty()
        {
            sqlx::query(&format!("ANALYZE {}", tables.join(", ")))
                .execute(p)
                .await
                .map_err(backend)?;
        }
        Ok(())
    }

    /// Runs a `PRAGMA` on the SQLite connection that writes; PostgreSQL has
    /// none.
    pub(crate) async fn sqlite_pragma(&self, pragma: &str) -> Result<(), StoreError> {
        if let Pool::Sqlite(l) = &self.pool {
            l.write(&Sql::new(pragma)).await.map_err(backend)?;
        }
        Ok(())
    }

    /// Runs a statement that writes, as a transaction of its own.
    pub(crate) async fn execute(&self, sql: Sql) -> Result<u64, DbError> {
        match &self.pool {
            Pool::Sqlite(l) => Ok(l.write(&sql).await?),
            Pool::Postgres(p) => Ok(sql.query().execute(p).await?.rows_affected()),
        }
    }

    pub(crate) async fn fetch_optional<R: Row>(&self, sql: Sql) -> Result<Option<R>, StoreError> {
        match &self.pool {
            Pool::Sqlite(l) => l
                .read(|c| lite::fetch_optional(c, &sql))
                .await
                .map_err(backend),
            Pool::Postgres(p) => sql
                .query()
                .try_map(|r| R::from_row(&r))
                .fetch_optional(p)
                .await
                .map_err(backend),
        }
    }

    pub(crate) async fn fetch_all<R: Row>(&self, sql: Sql) -> Result<Vec<R>, StoreError> {
        match &self.pool {
            Pool::Sqlite(l) => l.read(|c| lite::fetch_all(c, &sql)).await.map_err(backend),
            Pool::Postgres(p) => sql
                .query()
                .try_map(|r| R::from_row(&r))
                .fetch_all(p)
                .await
                .map_err(backend),
        }
    }
}

impl Tx {
    /// Runs a `PRAGMA` on SQLite; PostgreSQL has none.
    pub(crate) async fn sqlite_pragma(&mut self, pragma: &str) -> Result<(), StoreError> {
        if let Tx::Sqlite(t) = self {
            let sql = Sql::new(pragma);
            t.run(|c| lite::execute(c, &sql)).await.map_err(backend)?;
        }
        Ok(())
    }

    pub(crate) async fn commit(self) -> Result<(), StoreError> {
        match self {
            Tx::Sqlite(t) => t.commit().await.map_err(backend),
            Tx::Postgres(t) => t.commit().await.map_err(backend),
        }
    }

    pub(crate) async fn rollback(self) -> Result<(), StoreError> {
        match self {
            Tx::Sqlite(t) => t.rollback().map_err(backend),
            Tx::Postgres(t) => t.rollback().await.map_err(backend),
        }
    }

    pub(crate) async fn execute(&mut self, sql: Sql) -> Result<u64, DbError> {
        match self {
            Tx::Sqlite(t) => Ok(t.run(|c| lite::execute(c, &sql)).await?),
            Tx::Postgres(t) => Ok(sql.query().execute(&mut **t).await?.rows_affected()),
        }
    }

    pub(crate) async fn fetch_optional<R: Row>(&mut self, sql: Sql) -> Result<Option<R>, DbError> {
        match self {
            Tx::Sqlite(t) => Ok(t.run(|c| lite::fetch_optional(c, &sql)).await?),
            Tx::Postgres(t) => Ok(sql
                .query()
                .try_map(|r| R::from_row(&r))
                .fetch_optional(&mut **t)
                .await?),
        }
    }

    pub(crate) async fn fetch_all<R: Row>(&mut self, sql: Sql) -> Result<Vec<R>, DbError> {
        match self {
            Tx::Sqlite(t) => Ok(t.run(|c| lite::fetch_all(c, &sql)).await?),
            Tx::Postgres(t) => Ok(sql
                .query()
                .try_map(|r| R::from_row(&r))
                .fetch_all(&mut **t)
                .await?),
        }
    }
}

/// Any failure the caller cannot act on; the text is for the logs.
pub(crate) fn backend(e: impl std::fmt::Display) -> StoreError {
    StoreError::Backend(e.to_string())
}

/// The error of a write. A uniqueness violation names its rule: PostgreSQL
/// reports the constraint (named `table.column` in the schema), SQLite says
/// `UNIQUE constraint failed: table.column`. SQLite does not say which
/// foreign key failed, so the caller names it (`reference`).
pub(crate) fn write_error(e: DbError, reference: &str) -> StoreError {
    let conflict = |what: &str| StoreError::Conflict { what: what.into() };
    match &e {
        DbError::Sqlite(rusqlite::Error::SqliteFailure(f, message)) => {
            use rusqlite::ffi;
            let message = message.as_deref().unwrap_or_default();
            match f.extended_code {
                ffi::SQLITE_CONSTRAINT_UNIQUE | ffi::SQLITE_CONSTRAINT_PRIMARYKEY => {
                    return conflict(message.rsplit_once(": ").map_or("unique", |(_, w)| w));
                }
                // An ON DELETE RESTRICT refusal is reported as a trigger
                // constraint, with the foreign-key message.
                ffi::SQLITE_CONSTRAINT_FOREIGNKEY => return conflict(reference),
                ffi::SQLITE_CONSTRAINT_TRIGGER if message == "FOREIGN KEY constraint failed" => {
                    return conflict(reference);
                }
                _ => {}
            }
        }
        DbError::Postgres(sqlx::Error::Database(d)) => {
            if d.is_unique_violation() {
                return conflict(d.constraint().unwrap_or("unique"));
            }
            if d.is_foreign_key_violation() {
                return conflict(reference);
            }
        }
        _ => {}
    }
    backend(e)
}

pub(crate) fn micros(t: DateTime<Utc>) -> i64 {
    t.timestamp_micros()
}

pub(crate) fn from_micros(column: &str, v: i64) -> Result<DateTime<Utc>, StoreError> {
    DateTime::from_timestamp_micros(v)
        .ok_or_else(|| StoreError::Corrupt(format!("{column}: timestamp {v} out of range")))
}
