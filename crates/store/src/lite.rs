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
//! writer connection from its first statement to its last. Between
//! statements a task spends one unit of tokio's cooperative budget, so a
//! long import yields to the other requests as an I/O-bound task would.
//!
//! Transactions commit in groups. Committing a small transaction was half
//! of the server's work under concurrent writes: writing each changed page
//! to the WAL, checkpointing, and resetting caches
//! (docs/PERFORMANCE.md). So each transaction is a savepoint inside a
//! group's transaction: when it ends while others wait for the writer, it
//! hands the writer on and waits for the group's `COMMIT`, which the last
//! one in line runs. A transaction that fails rolls back to its savepoint,
//! undoing its own changes only; a `COMMIT` that fails fails the whole
//! group, and every member is told. No one is told a write is done before
//! it is committed.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use rusqlite::ffi;

use rusqlite::{Connection, ErrorCode, OpenFlags};
use sqlx::migrate::Migrator;
use tokio::sync::{Mutex, OwnedMutexGuard, watch};
use tuoke_app::ports::StoreError;

use crate::db::backend;
use crate::search::SearchWrites;
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

/// How often the checkpointer copies the pages committed to the WAL into
/// the database file. Between two checkpoints a page is copied once
/// however many commits changed it, and the tables' and indexes' last
/// pages change with every create.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(200);

/// The size, in bytes, SQLite cuts the WAL file back to once all of it is
/// checkpointed. SQLite reuses the file from its start and never shrinks
/// it by itself: one import left a WAL of 1.4 GB on disk for good.
const WAL_SIZE_LIMIT: u64 = 64 * 1024 * 1024;

/// The most transactions one `COMMIT` takes. A group grows only while
/// writers wait in line, about as many as the clients writing at once;
/// this bounds how long the first one waits behind the others.
const MAX_GROUP: usize = 64;

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
    writer: Arc<Mutex<Writer>>,
    /// Tasks waiting in [`Lite::begin`] for the writer.
    queued: Arc<AtomicUsize>,
    next: AtomicUsize,
    /// None for an in-memory database, which has no WAL.
    _checkpointer: Option<Checkpointer>,
}

/// The connection that writes, and the group whose transaction is open on
/// it, or is next to open.
struct Writer {
    conn: Connection,
    group: Group,
}

/// Transactions that share one `COMMIT`. A group with members has its
/// transaction open.
#[derive(Default)]
struct Group {
    /// Where the outcome of the `COMMIT` is told to the members waiting.
    outcome: Outcomes,
    /// The members that joined, and the ones among them that ended their
    /// savepoint and wait for the `COMMIT`.
    joined: usize,
    waiting: usize,
    /// The search index writes of the members that ended their savepoint,
    /// made just before the `COMMIT` ([`Tx::write_search`]).
    search: SearchWrites,
}

/// A group's `COMMIT`: done, or the SQLite error that failed it.
type Outcome = Result<(), (ffi::Error, String)>;

/// Where a group's members are told its [`Outcome`].
type Outcomes = Arc<watch::Sender<Option<Outcome>>>;

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
        let writer = open()?;
        let (readers, checkpointer) = if in_memory {
            // An in-memory database lives in one connection.
            (vec![], None)
        } else {
            let readers = (0..sqlite_readers())
                .map(|_| open().map(|c| Arc::new(Mutex::new(c))))
                .collect::<Result<_, _>>()?;
            let checkpointer = Checkpointer::start(open()?)
                .map_err(|e| StoreError::Backend(format!("starting the checkpointer: {e}")))?;
            (readers, Some(checkpointer))
        };
        Ok(Lite {
            readers,
            writer: Arc::new(Mutex::new(Writer {
                conn: writer,
                group: Group::default(),
            })),
            queued: Arc::default(),
            next: AtomicUsize::new(0),
            _checkpointer: checkpointer,
        })
    }

    /// Runs `f` on a reading connection: the first free one, else the next
    /// in turn once it is free. Taking the first free one keeps the reads
    /// on as few connections as run at once, usually one a core: their page
    /// caches stay warm, and the others' stay empty (docs/PERFORMANCE.md).
    pub(crate) async fn read<T>(
        &self,
        f: impl FnOnce(&Connection) -> rusqlite::Result<T>,
    ) -> rusqlite::Result<T> {
        let n = self.readers.len();
        if n == 0 {
            let writer = self.writer.lock().await;
            let result = f(&writer.conn);
            drop(writer);
            tokio::task::consume_budget().await;
            return result;
        }
        let free = self.readers.iter().find_map(|r| r.try_lock().ok());
        let conn = match free {
            Some(conn) => conn,
            None => {
                let next = self.next.fetch_add(1, Ordering::Relaxed);
                self.readers[next % n].lock().await
            }
        };
        let result = f(&conn);
        drop(conn);
        tokio::task::consume_budget().await;
        result
    }

    /// Runs one statement that writes, as a transaction of its own.
    pub(crate) async fn write(&self, sql: &Sql) -> rusqlite::Result<u64> {
        let mut tx = self.begin().await?;
        let changed = tx.run(|c| execute(c, sql)).await?;
        tx.commit().await?;
        Ok(changed)
    }

    /// Takes the writer and opens a write transaction on it: a savepoint in
    /// the open group's transaction, or in a new one.
    pub(crate) async fn begin(&self) -> rusqlite::Result<Tx> {
        let mut writer = self.take_writer().await;
        let lost = writer.conn.is_autocommit();
        if writer.group.joined >= MAX_GROUP || (writer.group.joined > 0 && lost) {
            // A group full, or whose transaction was lost (see `finish`),
            // ends first; its members are told how.
            let _ = writer.finish();
        }
        if writer.group.joined == 0 {
            writer = wait_for_lock(writer, |w| w.conn.execute_batch("BEGIN IMMEDIATE"))
                .await?
                .0;
        }
        if let Err(e) = writer.conn.execute_batch("SAVEPOINT tx") {
            writer.end_member();
            return Err(e);
        }
        writer.group.joined += 1;
        let group = writer.group.outcome.clone();
        Ok(self.tx(writer, Some(group)))
    }

    /// Takes the writer and opens a transaction of its own on it, outside
    /// any group, once the group waiting for its `COMMIT` has it: for a
    /// transaction that writes much (an import). As a savepoint it would
    /// make SQLite keep a copy of every page it changes in memory, and walk
    /// that copy at the end of each statement: an import of a million
    /// follow-up records grew to 10 GB and slowed down as it went
    /// (docs/PERFORMANCE.md).
    pub(crate) async fn begin_alone(&self) -> rusqlite::Result<Tx> {
        let mut writer = self.take_writer().await;
        // Its members are told how it ended; this transaction is not one.
        let _ = writer.finish();
        let writer = wait_for_lock(writer, |w| w.conn.execute_batch("BEGIN IMMEDIATE"))
            .await?
            .0;
        Ok(self.tx(writer, None))
    }

    /// Waits for the writer, counted among the tasks in line meanwhile.
    async fn take_writer(&self) -> OwnedMutexGuard<Writer> {
        let _in_line = InLine::join(&self.queued);
        self.writer.clone().lock_owned().await
    }

    fn tx(&self, writer: OwnedMutexGuard<Writer>, group: Option<Outcomes>) -> Tx {
        Tx {
            writer: Some(writer),
            group,
            search: SearchWrites::default(),
            mutex: self.writer.clone(),
            queued: self.queued.clone(),
        }
    }

    /// Applies `migrator`'s migrations not yet applied, each in its own
    /// transaction, keeping sqlx's `_sqlx_migrations` table as sqlx does
    /// (databases migrated by sqlx before carry on), and refusing a
    /// database whose applied migrations differ from these.
    pub(crate) async fn migrate(&self, migrator: &Migrator) -> Result<(), StoreError> {
        let mut writer = self.writer.lock().await;
        let conn = &mut writer.conn;
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
         PRAGMA wal_autocheckpoint = 0;
         PRAGMA journal_size_limit = {WAL_SIZE_LIMIT};"
    ))
}

/// A thread with a connection of its own that checkpoints the WAL, so
/// that no commit does. SQLite's automatic checkpoint runs in the commit
/// that fills the WAL past its limit, on the writer: every write waited
/// for it, its copying and its two `fsync`s, a fifth of the writer's time
/// and the slowest creates' 60 ms (docs/PERFORMANCE.md). A passive
/// checkpoint takes no lock that a reader or the writer waits for.
struct Checkpointer {
    /// Dropped to stop the thread.
    stop: Option<std::sync::mpsc::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Checkpointer {
    fn start(conn: Connection) -> std::io::Result<Checkpointer> {
        let (stop, stopped) = std::sync::mpsc::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("sqlite-checkpoint".into())
            .spawn(move || {
                while stopped.recv_timeout(CHECKPOINT_EVERY)
                    == Err(std::sync::mpsc::RecvTimeoutError::Timeout)
                {
                    // It fails only while another process checkpoints the
                    // same file (a `tuoke import` beside the server): the
                    // next turn does it.
                    let _ = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()));
                }
            })?;
        Ok(Checkpointer {
            stop: Some(stop),
            thread: Some(thread),
        })
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Runs `f` on the writer, which may have to wait for another process's
/// write lock. It is tried in place without waiting; only if the lock is
/// held does it wait, on a blocking thread, so that the runtime's workers
/// go on serving reads meanwhile.
async fn wait_for_lock<T: Send + 'static>(
    writer: OwnedMutexGuard<Writer>,
    f: impl Fn(&Writer) -> rusqlite::Result<T> + Send + 'static,
) -> rusqlite::Result<(OwnedMutexGuard<Writer>, T)> {
    let first = writer
        .conn
        .busy_timeout(Duration::ZERO)
        .and_then(|()| f(&writer));
    writer.conn.busy_timeout(BUSY_TIMEOUT)?;
    match first {
        Err(e) if e.sqlite_error_code() == Some(ErrorCode::DatabaseBusy) => {
            tokio::task::spawn_blocking(move || f(&writer).map(|done| (writer, done)))
                .await
                .unwrap_or_else(|_| {
                    Err(rusqlite::Error::SqliteFailure(
                        rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_ABORT),
                        Some("stopped while waiting for the write lock".into()),
                    ))
                })
        }
        first => first.map(|done| (writer, done)),
    }
}

/// Counts a task among those waiting in line for the writer while it
/// lives.
struct InLine<'a>(&'a AtomicUsize);

impl<'a> InLine<'a> {
    fn join(queued: &'a AtomicUsize) -> Self {
        queued.fetch_add(1, Ordering::SeqCst);
        InLine(queued)
    }
}

impl Drop for InLine<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Writer {
    /// Ends the group's transaction and tells its members the outcome.
    /// SQLite rolls a whole transaction back by itself after some errors
    /// (a full disk, an I/O error): then there is nothing to commit, and
    /// the members who were waiting are told that their writes are lost.
    fn finish(&mut self) -> Outcome {
        if self.group.joined == 0 {
            return Ok(());
        }
        let group = std::mem::take(&mut self.group);
        let outcome = if self.conn.is_autocommit() {
            Err((
                ffi::Error::new(ffi::SQLITE_ABORT),
                "the transaction was rolled back by an error in another write".into(),
            ))
        } else {
            let written = group.search.write(&self.conn);
            match written.and_then(|()| self.conn.execute_batch("COMMIT")) {
                Ok(()) => Ok(()),
                Err(e) => {
                    // A failed COMMIT leaves the transaction open.
                    let _ = self.conn.execute_batch("ROLLBACK");
                    Err(failure(e))
                }
            }
        };
        group.outcome.send_replace(Some(outcome.clone()));
        outcome
    }

    /// After a member rolled back its savepoint: a group left without
    /// members waiting for it ends, so that no transaction stays open (and
    /// holds SQLite's write lock) with no one to end it.
    fn end_member(&mut self) {
        if self.group.waiting == 0 {
            let _ = self.conn.execute_batch("ROLLBACK");
            self.group = Group::default();
        }
    }
}

fn failure(e: rusqlite::Error) -> (ffi::Error, String) {
    match e {
        rusqlite::Error::SqliteFailure(f, message) => {
            let message = message.unwrap_or_else(|| f.to_string());
            (f, message)
        }
        other => (ffi::Error::new(ffi::SQLITE_ERROR), other.to_string()),
    }
}

/// A transaction used after it ended, which the store never does.
fn ended() -> rusqlite::Error {
    rusqlite::Error::SqliteFailure(
        ffi::Error::new(ffi::SQLITE_MISUSE),
        Some("the transaction has ended".into()),
    )
}

fn outcome_error((f, message): (ffi::Error, String)) -> rusqlite::Error {
    rusqlite::Error::SqliteFailure(f, Some(message))
}

/// An open write transaction, a savepoint in its group's; dropping it
/// rolls back.
pub(crate) struct Tx {
    /// The writer, held until the transaction ends.
    writer: Option<OwnedMutexGuard<Writer>>,
    /// Where the group's outcome is told; `None` for a transaction of its
    /// own ([`Lite::begin_alone`]), not a savepoint in a group's.
    group: Option<Outcomes>,
    /// The search index writes held back ([`Tx::write_search`]), handed
    /// to the group when the savepoint ends, dropped if it is undone.
    search: SearchWrites,
    mutex: Arc<Mutex<Writer>>,
    queued: Arc<AtomicUsize>,
}

impl Tx {
    pub(crate) async fn run<T>(
        &mut self,
        f: impl FnOnce(&Connection) -> rusqlite::Result<T>,
    ) -> rusqlite::Result<T> {
        let Some(writer) = &self.writer else {
            return Err(ended());
        };
        let result = f(&writer.conn);
        tokio::task::consume_budget().await;
        result
    }

    /// Writes to the FTS5 search index: in a group, held back and made for
    /// the whole group just before its `COMMIT` ([`SearchWrites`]); in a
    /// transaction of its own, now. FTS5 keeps new entries in memory until
    /// the transaction ends, but writes them out as a segment of their own
    /// whenever a savepoint, or a statement that may have to undo itself,
    /// starts after them: each create wrote a segment, which FTS5 merged
    /// later (docs/PERFORMANCE.md). A group's entries now make one.
    pub(crate) async fn write_search(&mut self, writes: SearchWrites) -> rusqlite::Result<()> {
        if self.group.is_none() {
            return self.run(|c| writes.write(c)).await;
        }
        self.search.append(writes);
        Ok(())
    }

    /// Returns once the transaction is committed with its group. A failed
    /// commit undoes the transaction.
    pub(crate) async fn commit(mut self) -> rusqlite::Result<()> {
        let Some(mut writer) = self.writer.take() else {
            return Err(ended());
        };
        let Some(group) = self.group.clone() else {
            return writer.conn.execute_batch("COMMIT").inspect_err(|_| {
                // A failed COMMIT leaves the transaction open; dropping
                // the Tx rolls it back.
                self.writer = Some(writer);
            });
        };
        if let Err(e) = writer.conn.execute_batch("RELEASE tx") {
            // Dropping the Tx undoes it.
            self.writer = Some(writer);
            return Err(e);
        }
        writer.group.search.append(std::mem::take(&mut self.search));
        if self.queued.load(Ordering::SeqCst) == 0 || writer.group.joined >= MAX_GROUP {
            return writer.finish().map_err(outcome_error);
        }
        // Others wait in line: the last of them commits for the group.
        writer.group.waiting += 1;
        drop(writer);
        let mut told = group.subscribe();
        loop {
            tokio::select! {
                biased;
                // It cannot fail: this Tx holds a sender.
                _ = told.wait_for(Option::is_some) => break,
                mut writer = self.mutex.clone().lock_owned() => {
                    // The writer came back with this group still open:
                    // whoever was in line went away, so this one commits.
                    if Arc::ptr_eq(&writer.group.outcome, &group) {
                        return writer.finish().map_err(outcome_error);
                    }
                }
            }
        }
        let outcome = group.borrow().clone();
        outcome.map_or_else(|| Err(ended()), |o| o.map_err(outcome_error))
    }

    pub(crate) fn rollback(mut self) -> rusqlite::Result<()> {
        self.undo()
    }

    /// Rolls the savepoint back, and the group's transaction with it if no
    /// one waits for that.
    fn undo(&mut self) -> rusqlite::Result<()> {
        let Some(mut writer) = self.writer.take() else {
            return Ok(());
        };
        if self.group.is_none() {
            // SQLite may have rolled it back itself (a full disk).
            if writer.conn.is_autocommit() {
                return Ok(());
            }
            return writer.conn.execute_batch("ROLLBACK");
        }
        let undone = writer.conn.execute_batch("ROLLBACK TO tx; RELEASE tx");
        if writer.conn.is_autocommit() {
            // SQLite rolled the whole transaction back itself: the members
            // waiting are told their writes are lost.
            let _ = writer.finish();
        } else {
            writer.end_member();
        }
        undone
    }
}

impl Drop for Tx {
    /// Whatever ended the transaction, its changes are undone unless it
    /// committed.
    fn drop(&mut self) {
        // Nothing to tell: the caller is already returning its own error.
        let _ = self.undo();
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
