//! The connection pool of either backend, transactions, and the few places
//! that dispatch a statement to the backend in use.

use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::migrate::Migrator;
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{Postgres, Sqlite, Transaction};
use tuoke_app::ports::StoreError;

use crate::sql::{Row, Sql};

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/postgres");

/// The page cache of each SQLite connection, in KiB when negative. At a
/// million customers the 2 MB default holds neither the search index's
/// pages nor the list's: every statement re-read them from the OS cache
/// (docs/PERFORMANCE.md).
pub(crate) const SQLITE_CACHE_SIZE: &str = "-16384";

/// The WAL size, in pages, at which a commit checkpoints it into the
/// database file (SQLite's default is 1,000, 4 MB). A checkpoint writes
/// each page once however many commits changed it, and a create changes
/// about 30 pages, several of them the same from one create to the next
/// (the last pages of the tables and indexes it appends to): with the
/// default, a checkpoint ran every 35 creates and was a tenth of the
/// server's CPU (docs/PERFORMANCE.md).
const SQLITE_WAL_AUTOCHECKPOINT: &str = "10000";

/// Connections of the SQLite pool that reads: twice the cores, 4 to 16. Reads run in
/// parallel (WAL) and writes one at a time whatever the count; each
/// connection is a thread that statements are handed to, so more of them
/// than the cores can use only add hand-offs and colder page caches.
fn sqlite_pool_size() -> u32 {
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    u32::try_from(cores.saturating_mul(2)).map_or(16, |n| n.clamp(4, 16))
}

/// The database: a pool on SQLite or PostgreSQL, chosen by the URL.
///
/// Writes (transactions and single statements) go through `writer`. On a
/// SQLite file that is a pool of one connection: SQLite lets one
/// connection write at a time, and writers that race for the lock wait in
/// its busy handler, which sleeps 1, 2, 5… up to 100 ms between tries;
/// queueing for the one writer connection instead wakes the next write as
/// soon as the last commits. Reads use `pool`, which on PostgreSQL (and an
/// in-memory SQLite database, which lives in one connection) is the same.
#[derive(Debug, Clone)]
pub struct Db {
    pool: Pool,
    writer: Pool,
}

#[derive(Debug, Clone)]
enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Runs `$body` with `$p` bound to the pool of either backend, so the body is
/// written once and compiled for each.
macro_rules! on_pool {
    ($pool:expr, $p:ident => $body:expr) => {
        match $pool {
            Pool::Sqlite($p) => $body,
            Pool::Postgres($p) => $body,
        }
    };
}

/// An open transaction; dropping it rolls back.
pub(crate) enum Tx {
    Sqlite(Transaction<'static, Sqlite>),
    Postgres(Transaction<'static, Postgres>),
}

macro_rules! on_tx {
    ($self:expr, $t:ident => $body:expr) => {
        match $self {
            Tx::Sqlite($t) => $body,
            Tx::Postgres($t) => $body,
        }
    };
}

impl Db {
    /// Opens `sqlite://PATH` (created if missing), `sqlite::memory:`, or
    /// `postgres://...`. Any other URL is refused before touching the disk.
    pub async fn connect(url: &str) -> Result<Db, StoreError> {
        let scheme = url.split_once(':').map_or("", |(scheme, _)| scheme);
        let (pool, writer) = match scheme {
            "sqlite" => {
                let options = SqliteConnectOptions::from_str(url)
                    .map_err(backend)?
                    .create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    .foreign_keys(true)
                    .busy_timeout(Duration::from_secs(5))
                    .synchronous(SqliteSynchronous::Normal)
                    // A page cache of 16 MiB per connection (SQLite's
                    // default is 2 MB), filled only as pages are read.
                    .pragma("cache_size", SQLITE_CACHE_SIZE)
                    // The statement journal a multi-row write keeps (to undo
                    // itself alone on a refusal) in memory: in a file, every
                    // such write opened, wrote and unlinked one, and an
                    // import spent a sixth of its time in its `pwrite`s.
                    .pragma("temp_store", "memory")
                    .pragma("wal_autocheckpoint", SQLITE_WAL_AUTOCHECKPOINT);
                if url.contains(":memory:") || url.contains("mode=memory") {
                    // An in-memory database lives as long as one connection does.
                    let pool = SqlitePoolOptions::new()
                        .min_connections(1)
                        .idle_timeout(None)
                        .max_lifetime(None)
                        .connect_with(options)
                        .await
                        .map_err(backend)?;
                    (Pool::Sqlite(pool.clone()), Pool::Sqlite(pool))
                } else {
                    // A connection in this process cannot go away unseen:
                    // no round trip to ping it before each use.
                    let writer = SqlitePoolOptions::new()
                        .max_connections(1)
                        .test_before_acquire(false)
                        .connect_with(options.clone())
                        .await
                        .map_err(backend)?;
                    let readers = SqlitePoolOptions::new()
                        .max_connections(sqlite_pool_size())
                        .test_before_acquire(false)
                        .connect_with(options)
                        .await
                        .map_err(backend)?;
                    (Pool::Sqlite(readers), Pool::Sqlite(writer))
                }
            }
            "postgres" | "postgresql" => {
                let pool = PgPoolOptions::new().connect(url).await.map_err(backend)?;
                (Pool::Postgres(pool.clone()), Pool::Postgres(pool))
            }
            _ => {
                return Err(StoreError::Backend(
                    "unsupported database URL: use sqlite://PATH or postgres://...".into(),
                ));
            }
        };
        Ok(Db { pool, writer })
    }

    /// Applies the embedded migrations of the backend in use.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        match &self.writer {
            Pool::Sqlite(p) => SQLITE_MIGRATIONS.run(p).await,
            Pool::Postgres(p) => POSTGRES_MIGRATIONS.run(p).await,
        }
        .map_err(backend)?;
        self.rebuild_funnel_if_stale().await
    }

    /// `"sqlite"` or `"postgres"`.
    pub fn backend(&self) -> &'static str {
        match self.pool {
            Pool::Sqlite(_) => "sqlite",
            Pool::Postgres(_) => "postgres",
        }
    }

    /// Waits for the connections to close.
    pub async fn close(&self) {
        on_pool!(&self.pool, p => p.close().await);
        on_pool!(&self.writer, p => p.close().await);
    }

    pub(crate) async fn begin(&self) -> Result<Tx, StoreError> {
        on_pool!(&self.writer, p => p.begin().await.map(Into::into)).map_err(backend)
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
        if let Pool::Sqlite(p) = &self.writer {
            sqlx::query(pragma).execute(p).await.map_err(backend)?;
        }
        Ok(())
    }

    pub(crate) async fn execute(&self, sql: Sql) -> Result<u64, sqlx::Error> {
        on_pool!(&self.writer, p => sql.query().execute(p).await.map(|r| r.rows_affected()))
    }

    pub(crate) async fn fetch_optional<R: Row>(&self, sql: Sql) -> Result<Option<R>, StoreError> {
        on_pool!(&self.pool, p => sql.query().try_map(|r| R::from_row(&r)).fetch_optional(p).await)
            .map_err(backend)
    }

    pub(crate) async fn fetch_all<R: Row>(&self, sql: Sql) -> Result<Vec<R>, StoreError> {
        on_pool!(&self.pool, p => sql.query().try_map(|r| R::from_row(&r)).fetch_all(p).await)
            .map_err(backend)
    }
}

impl From<Transaction<'static, Sqlite>> for Tx {
    fn from(t: Transaction<'static, Sqlite>) -> Self {
        Tx::Sqlite(t)
    }
}

impl From<Transaction<'static, Postgres>> for Tx {
    fn from(t: Transaction<'static, Postgres>) -> Self {
        Tx::Postgres(t)
    }
}

impl Tx {
    /// Runs a `PRAGMA` on SQLite; PostgreSQL has none.
    pub(crate) async fn sqlite_pragma(&mut self, pragma: &str) -> Result<(), StoreError> {
        if let Tx::Sqlite(t) = self {
            sqlx::query(pragma)
                .execute(&mut **t)
                .await
                .map_err(backend)?;
        }
        Ok(())
    }

    pub(crate) async fn commit(self) -> Result<(), StoreError> {
        on_tx!(self, t => t.commit().await).map_err(backend)
    }

    pub(crate) async fn rollback(self) -> Result<(), StoreError> {
        on_tx!(self, t => t.rollback().await).map_err(backend)
    }

    pub(crate) async fn execute(&mut self, sql: Sql) -> Result<u64, sqlx::Error> {
        on_tx!(self, t => sql.query().execute(&mut **t).await.map(|r| r.rows_affected()))
    }

    pub(crate) async fn fetch_optional<R: Row>(
        &mut self,
        sql: Sql,
    ) -> Result<Option<R>, sqlx::Error> {
        on_tx!(self, t => sql.query().try_map(|r| R::from_row(&r)).fetch_optional(&mut **t).await)
    }

    pub(crate) async fn fetch_all<R: Row>(&mut self, sql: Sql) -> Result<Vec<R>, sqlx::Error> {
        on_tx!(self, t => sql.query().try_map(|r| R::from_row(&r)).fetch_all(&mut **t).await)
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
pub(crate) fn write_error(e: sqlx::Error, reference: &str) -> StoreError {
    if let sqlx::Error::Database(d) = &e {
        if d.is_unique_violation() {
            let what = d
                .constraint()
                .or_else(|| d.message().rsplit_once(": ").map(|(_, what)| what))
                .unwrap_or("unique");
            return StoreError::Conflict { what: what.into() };
        }
        // SQLite reports an ON DELETE RESTRICT refusal as a trigger
        // constraint (code 1811), with the foreign-key message.
        if d.is_foreign_key_violation() || d.message() == "FOREIGN KEY constraint failed" {
            return StoreError::Conflict {
                what: reference.into(),
            };
        }
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
