//! The phone's database: one SQLite file holding the Automerge document's changes, the record
//! cache derived from it, the private journal, and settings.
//!
//! Every write of the app runs in one immediate transaction here (`Store::write`), in WAL
//! mode with `synchronous=FULL`, so a returned write survives a crash or power loss, a write
//! cut off halfway leaves the previous state, and writers in other processes wait their turn
//! while readers go on.

/// SQL for the next row number of the change log, shared by change rows and pending writes:
/// one past the newest change row, pending write or folded row. A compaction may have
/// deleted every row, and a number must never be handed out twice (other handles' cursors).
macro_rules! next_seq {
    () => {
        "max((SELECT coalesce(max(seq), 0) FROM document_changes),
             (SELECT coalesce(max(seq), 0) FROM pending_edits),
             (SELECT coalesce(max(folded_through), 0) FROM document_snapshot)) + 1"
    };
}

mod document;
mod journal;
mod pending;
mod projection;
pub mod schema;
mod settings;

use std::path::Path;

use rusqlite::{Connection, OpenFlags, Transaction};

use crate::error::Result;

pub use document::{CatchUp, Cursor, RawRows, StoredDocument, StoredPosition};
pub use pending::{PendingEdits, PendingWrite, MATERIALIZE_AFTER};
pub use projection::Projection;

/// The version of the derived record cache (see `projection::PROJECTION_VERSION`).
pub fn projection_version() -> u32 {
    projection::PROJECTION_VERSION
}

/// How long a writer waits for another process's write lock before giving up.
pub const BUSY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// How many incremental changes to keep before folding them into the snapshot.
pub const COMPACT_AFTER_CHANGES: i64 = 256;

pub struct Store {
    conn: Connection,
}

/// Puts the file in WAL mode (a no-op once it is) and returns the mode it is in.
///
/// The busy timeout does not cover this statement everywhere: switching a new file into WAL
/// reads its header and then needs the file to itself, and SQLite answers "database is
/// locked" at once, without waiting, when another process holds a read lock by then (two
/// processes opening a brand-new dossier together; a writer failed this way under load).
/// So a busy answer is retried here, for as long as the busy timeout.
fn switch_to_wal(conn: &Connection) -> Result<String> {
    let started = std::time::Instant::now();
    loop {
        match conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0)) {
            Err(rusqlite::Error::SqliteFailure(e, _))
                if e.code == rusqlite::ErrorCode::DatabaseBusy
                    && started.elapsed() < BUSY_TIMEOUT =>
            {
                std::thread::sleep(std::time::Duration::from_millis(5));
            }
            answer => return Ok(answer?),
        }
    }
}

impl Store {
    /// Opens (creating if needed) the database at `path` and migrates it.
    pub fn open(path: &Path) -> Result<Self> {
        if let Some(parent) = path.parent() {
            if !parent.as_os_str().is_empty() && !parent.exists() {
                return Err(crate::KoersError::Storage {
                    message: format!("de map {} bestaat niet", parent.display()),
                });
            }
        }
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX
                | OpenFlags::SQLITE_OPEN_URI,
        )?;
        Self::setup(conn)
    }

    /// An in-memory database, for tests and benchmarks of pure logic.
    pub fn open_in_memory() -> Result<Self> {
        Self::setup(Connection::open_in_memory()?)
    }

    fn setup(mut conn: Connection) -> Result<Self> {
        // Several processes share the file (the app, a share extension, a background worker,
        // CLI commands): a writer waits for the lock rather than failing.
        conn.busy_timeout(BUSY_TIMEOUT)?;
        let mode = switch_to_wal(&conn)?;
        if mode != "wal" && mode != "memory" {
            tracing::warn!(mode, "could not switch the database to WAL");
        }
        // FULL: the WAL is fsynced at every commit, so a commit survives power loss.
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", true)?;
        // Deleted content is overwritten, not left in free pages (journal, notes, tokens).
        conn.pragma_update(None, "secure_delete", true)?;
        schema::migrate(&mut conn)?;
        Ok(Self { conn })
    }

    /// Runs `f` in one immediate transaction and commits it durably; on error nothing of it
    /// is kept.
    pub fn write<T>(&mut self, f: impl FnOnce(&Transaction<'_>) -> Result<T>) -> Result<T> {
        let tx = self.begin_write()?;
        let value = f(&tx)?;
        tx.commit()?;
        Ok(value)
    }

    /// Takes the file's write lock (waiting for other writers) and opens a transaction.
    pub fn begin_write(&mut self) -> Result<Transaction<'_>> {
        Ok(self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?)
    }

    /// A read transaction: one consistent view while other writers go on.
    pub fn begin_read(&mut self) -> Result<Transaction<'_>> {
        Ok(self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Deferred)?)
    }

    /// Erases every row of every table, then rewrites the file (VACUUM) and empties the WAL,
    /// so no byte of what was stored remains in the database, -wal or -shm file.
    pub fn erase_everything(&mut self) -> Result<()> {
        {
            let tx = self.begin_write()?;
            let tables: Vec<String> = {
                let mut stmt = tx.prepare(
                    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
                )?;
                let rows = stmt.query_map([], |r| r.get(0))?;
                rows.collect::<rusqlite::Result<_>>()?
            };
            for table in tables {
                tx.execute(&format!("DELETE FROM \"{table}\""), [])?;
            }
            // Other handles on this file must read it again from scratch, not on top of
            // what they held (row numbers start over).
            document::StoredDocument::new_epoch(&tx)?;
            tx.commit()?;
        }
        self.conn.execute_batch("VACUUM")?;
        let (busy, _, _): (i64, i64, i64) =
            self.conn
                .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?))
                })?;
        if busy != 0 {
            // Another process holds a read transaction: the WAL empties at its next checkpoint.
            tracing::warn!("the erased database's log could not be emptied yet");
        }
        Ok(())
    }

    /// Read access for queries.
    pub fn conn(&self) -> &Connection {
        &self.conn
    }

    /// The schema version of the open database.
    pub fn schema_version(&self) -> Result<u32> {
        Ok(self
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))?)
    }
}

pub use journal::{JournalKey, JournalStore};
pub use settings::Settings;

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    /// Another process about to write to a new file that is not in WAL mode yet while this
    /// one switches it: SQLite refuses the switch at once ("database is locked") instead of
    /// waiting, so the open has to wait for it.
    #[test]
    fn opening_waits_for_another_writer_of_a_new_file_instead_of_failing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("new.db");
        // The other process made the file (not in WAL mode yet) and is about to write to it,
        // as one that switches it into WAL itself does.
        let other = Connection::open(&path).unwrap();
        other
            .execute_batch("CREATE TABLE early (x); BEGIN IMMEDIATE")
            .unwrap();
        let ends = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(300));
            other.execute_batch("COMMIT").unwrap();
        });
        let started = Instant::now();
        let store = Store::open(&path).unwrap();
        assert!(started.elapsed() >= Duration::from_millis(250));
        let mode: String = store
            .conn()
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
        ends.join().unwrap();
    }
}
