//! SQLite through rusqlite, each statement run in place on the calling
//! task's thread.
//!
//! sqlx's SQLite driver gives every connection a thread and hands it each
//! statement over a channel, waking a thread each way: under 16 clients the
//! server spent over half its CPU in the kernel switching between threads
//! (docs/PERFORMANCE.md). SQLite's own work for one of the store's
//! statements is a few microseconds to a few milliseconds, so here a
//! statement runs where it is asked for, on a connection taken from a small
//! pool and given back before the next `await`; a transaction holds the one
//! writer connection from `BEGIN` to `COMMIT`. Between statements a task
//! spends one unit of tokio's cooperative budget, so a long import yields
//! to the other requests as an I/O-bound task would.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use rusqlite::{Connection, ErrorCode, OpenFlags};
use sqlx::migrate::Migrator;
use tokio::sync::{Mutex, OwnedMutexGuard};
use tuoke_app::ports::StoreError;

use crate::db::backend;
use crate::sql::{LiteRow, Sql};

/// How long a write waits for another process's write lock (a `tuoke
/// import` running beside `tuoke serve`) before it fails.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Prepared statements each connection keeps (rusqlite's default is 16):
/// the store's fixed statements and the most recent lists built from
/// filters.
const STATEMENT_CACHE: usize = 256;

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

/// Connections that read a SQLite file: twice the cores, 4 to 16. A
/// statement holds one only while SQLite runs it, never across an
/// `await`, so more than the threads that run statements would sit idle
/// with cold page caches.
fn sqlite_readers() -> usize {
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    cores.saturating_mul(2).clamp(4, 16)
}

/// A SQLite database: the connections that read and the one that writes.
pub(crate) struct Lite {
    /// Reads take any free one. An in-memory database lives in one
    /// connection, so there this is the writer alone.
    readers: Vec<Arc<Mutex<Connection>>>,
    writer: Arc<Mutex<Connection>>,
    next: AtomicUsize,
}

impl std::fmt::Debug for Lite {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Lite")
            .field("readers", &self.readers.len())
            .finish_non_exhaustive()
    }
}

impl Lite {
    /// Opens `sqlite://PATH`, `sqlite:PATH` (created if missing) or
    /// `sqlite::memory:`.
    pub(crate) fn open(url: &str) -> Result<Lite, StoreError> {
        let rest = url.strip_prefix("sqlite:").unwrap_or(url);
        let rest = rest.strip_prefix("//").unwrap_or(rest);
        let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
        let in_memory = path == ":memory:" || query.split('&').any(|p| p == "mode=memory");
        let open = || -> Result<Connection, StoreError> {
            let conn = if in_memory {
                Connection::open_in_memory()
            } else {
                Connection::open_with_flags(
                    Path::new(path),
                    OpenFlags::SQLITE_OPEN_READ_WRITE
                        | OpenFlags::SQLITE_OPEN_CREATE
                        | OpenFlags::SQLITE_OPEN_NO_MUTEX
                        | OpenFlags::SQLITE_OPEN_URI,
                )
            }
            .map_err(backend)?;
            configure(&conn).map_err(backend)?;
            Ok(conn)
        };
        // The writer first: it creates the file and puts it in WAL mode.
        let writer = Arc::new(Mutex::new(open()?));
        let readers = if in_memory {
            vec![writer.clone()]
        } else {
            (0..sqlite_readers())
                .map(|_| open().map(|c| Arc::new(Mutex::new(c))))
                .collect::<Result<_, _>>()?
        };
        Ok(Lite {
            readers,
            writer,
            next: AtomicUsize::new(0),
        })
    }

    /// Runs `f` on a reading connection: a free one, else the next in turn
    /// once it is free.
    pub(crate) async fn read<T>(
        &self,
        f: impl FnOnce(&Connection) -> rusqlite::Result<T>,
    ) -> rusqlite::Result<T> {
        let start = self.next.fetch_add(1, Ordering::Relaxed);
        let n = self.readers.len();
        let free = (0..n).find_map(|i| self.readers[(start + i) % n].try_lock().ok());
        let conn = match free {
            Some(conn) => conn,
            None => self.readers[start % n].lock().await,
        };
        let result = f(&conn);
        drop(conn);
        tokio::task::consume_budget().await;
        result
    }

    /// Runs one statement on the writer outside a transaction.
    pub(crate) async fn write(&self, sql: &Sql) -> rusqlite::Result<u64> {
        let conn = self.writer.clone().lock_owned().await;
        let sql = sql.clone();
        let result = wait_for_lock(conn, move |c| execute(c, &sql)).await;
        tokio::task::consume_budget().await;
        result.map(|(_, changed)| changed)
    }

    /// Takes the writer and opens a write transaction on it.
    pub(crate) async fn begin(&self) -> rusqlite::Result<Tx> {
        let conn = self.writer.clone().lock_owned().await;
        let (conn, ()) = wait_for_lock(conn, |c| c.execute_batch("BEGIN IMMEDIATE")).await?;
        Ok(Tx { conn })
    }

    /// Applies `migrator`'s migrations not yet applied, each in its own
    /// transaction, keeping sqlx's `_sqlx_migrations` table as sqlx does
    /// (databases migrated by sqlx before carry on), and refusing a
    /// database whose applied migrations differ from these.
    pub(crate) async fn migrate(&self, migrator: &Migrator) -> Result<(), StoreError> {
        let mut conn = self.writer.lock().await;
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS _sqlx_migrations (
                version BIGINT PRIMARY KEY,
                description TEXT NOT NULL,
                installed_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
                success BOOLEAN NOT NULL,
                checksum BLOB NOT NULL,
                execution_time BIGINT NOT NULL
            )",
        )
        .map_err(backend)?;
        let applied: Vec<(i64, bool, Vec<u8>)> = {
            let mut stmt = conn
                .prepare("SELECT version, success, checksum FROM _sqlx_migrations ORDER BY version")
                .map_err(backend)?;
            stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                .and_then(Iterator::collect)
                .map_err(backend)?
        };
        for (version, success, checksum) in &applied {
            let known = migrator.iter().find(|m| m.version == *version);
            match known {
                _ if !success => {
                    return Err(StoreError::Backend(format!(
                        "migration {version} was left partly applied"
                    )));
                }
                None => {
                    return Err(StoreError::Backend(format!(
                        "migration {version} was applied to the database but is unknown to this version of Tuoke"
                    )));
                }
                Some(m) if *m.checksum != checksum[..] => {
                    return Err(StoreError::Backend(format!(
                        "migration {version} was applied in a different version"
                    )));
                }
                Some(_) => {}
            }
        }
        for m in migrator.iter() {
            if m.migration_type.is_down_migration() || applied.iter().any(|a| a.0 == m.version) {
                continue;
            }
            let tx = conn.transaction().map_err(backend)?;
            tx.execute_batch(&m.sql)
                .map_err(|e| StoreError::Backend(format!("migration {}: {e}", m.version)))?;
            tx.execute(
                "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time)
                 VALUES (?1, ?2, TRUE, ?3, -1)",
                rusqlite::params![m.version, &*m.description, &*m.checksum],
            )
            .map_err(backend)?;
            tx.commit().map_err(backend)?;
        }
        Ok(())
    }
}

fn configure(conn: &Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    // `journal_mode` answers a row; the others answer none.
    conn.query_row("PRAGMA journal_mode = WAL", [], |_| Ok(()))?;
    conn.execute_batch(&format!(
        "PRAGMA foreign_keys = ON;
         PRAGMA synchronous = NORMAL;
         PRAGMA cache_size = {SQLITE_CACHE_SIZE};
         PRAGMA temp_store = memory;
         PRAGMA wal_autocheckpoint = {SQLITE_WAL_AUTOCHECKPOINT};"
    ))
}

/// Runs `f` on the writer, which may have to wait for another process's
/// write lock. It is tried in place without waiting; only if the lock is
/// held does it wait, on a blocking thread, so that the runtime's workers
/// go on serving reads meanwhile.
async fn wait_for_lock<T: Send + 'static>(
    conn: OwnedMutexGuard<Connection>,
    f: impl Fn(&Connection) -> rusqlite::Result<T> + Send + 'static,
) -> rusqlite::Result<(OwnedMutexGuard<Connection>, T)> {
    let first = conn.busy_timeout(Duration::ZERO).and_then(|()| f(&conn));
    conn.busy_timeout(BUSY_TIMEOUT)?;
    match first {
        Err(e) if e.sqlite_error_code() == Some(ErrorCode::DatabaseBusy) => {
            tokio::task::spawn_blocking(move || f(&conn).map(|done| (conn, done)))
                .await
                .unwrap_or_else(|_| {
                    Err(rusqlite::Error::SqliteFailure(
                        rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_ABORT),
                        Some("stopped while waiting for the write lock".into()),
                    ))
                })
        }
        first => first.map(|done| (conn, done)),
    }
}

/// An open write transaction; dropping it rolls back.
pub(crate) struct Tx {
    conn: OwnedMutexGuard<Connection>,
}

impl Tx {
    pub(crate) async fn run<T>(
        &mut self,
        f: impl FnOnce(&Connection) -> rusqlite::Result<T>,
    ) -> rusqlite::Result<T> {
        let result = f(&self.conn);
        tokio::task::consume_budget().await;
        result
    }

    /// A failed commit leaves the transaction open, and dropping the `Tx`
    /// rolls it back.
    pub(crate) fn commit(self) -> rusqlite::Result<()> {
        self.conn.execute_batch("COMMIT")
    }

    pub(crate) fn rollback(self) -> rusqlite::Result<()> {
        self.conn.execute_batch("ROLLBACK")
    }
}

impl Drop for Tx {
    /// Whatever ended the transaction, the writer goes back to the next
    /// one in autocommit.
    fn drop(&mut self) {
        if !self.conn.is_autocommit() {
            // Nothing to tell: the connection is back in autocommit either
            // way, and the caller is already returning its own error.
            let _ = self.conn.execute_batch("ROLLBACK");
        }
    }
}

/// Runs a statement, stepping through any rows it answers, and returns the
/// rows it changed.
pub(crate) fn execute(conn: &Connection, sql: &Sql) -> rusqlite::Result<u64> {
    let mut stmt = conn.prepare_cached(sql.lite_text())?;
    sql.bind_lite(&mut stmt)?;
    let mut rows = stmt.raw_query();
    while rows.next()?.is_some() {}
    drop(rows);
    Ok(conn.changes())
}

pub(crate) fn fetch_all<R: LiteRow>(conn: &Connection, sql: &Sql) -> rusqlite::Result<Vec<R>> {
    let mut stmt = conn.prepare_cached(sql.lite_text())?;
    sql.bind_lite(&mut stmt)?;
    let at = R::plan(&stmt)?;
    let mut rows = stmt.raw_query();
    let mut found = Vec::new();
    while let Some(row) = rows.next()? {
        found.push(R::from_lite(row, &at)?);
    }
    Ok(found)
}

pub(crate) fn fetch_optional<R: LiteRow>(
    conn: &Connection,
    sql: &Sql,
) -> rusqlite::Result<Option<R>> {
    let mut stmt = conn.prepare_cached(sql.lite_text())?;
    sql.bind_lite(&mut stmt)?;
    let at = R::plan(&stmt)?;
    let mut rows = stmt.raw_query();
    rows.next()?.map(|row| R::from_lite(row, &at)).transpose()
}
