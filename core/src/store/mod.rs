//! The phone's database: one SQLite file holding the Automerge document's changes, the query
//! tables derived from it, the private journal, and settings.
//!
//! Every write of the app runs in one transaction here (`Store::write`), in WAL mode with
//! `synchronous=FULL`, so a returned write survives a crash or power loss and a write cut
//! off halfway leaves the previous state.

mod document;
mod journal;
mod projection;
pub mod schema;
mod settings;

use std::path::Path;

use rusqlite::{Connection, OpenFlags, Transaction};

use crate::error::Result;

pub use document::StoredDocument;
pub use projection::{ApplicationQuery, Projection};

/// The version of the derived query tables (see `projection::PROJECTION_VERSION`).
pub fn projection_version() -> u32 {
    projection::PROJECTION_VERSION
}

/// How many incremental changes to keep before folding them into the snapshot.
pub const COMPACT_AFTER_CHANGES: i64 = 256;

pub struct Store {
    conn: Connection,
}

impl Store {
    /// Opens (creating if needed) the database at `path` and migrates it.
    pub fn open(path: &Path) -> Result<Self> {
        if let Some(parent) = path.parent() {
            if !parent.as_os_str().is_empty() && !parent.exists() {
                return Err(crate::KoersError::Storage {
                    message: format!("the folder {} does not exist", parent.display()),
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
        // A busy phone may have a sync and a UI write racing on two connections.
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
        if mode != "wal" && mode != "memory" {
            tracing::warn!(mode, "could not switch the database to WAL");
        }
        // FULL: the WAL is fsynced at every commit, so a commit survives power loss.
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", true)?;
        schema::migrate(&mut conn)?;
        Ok(Self { conn })
    }

    /// Runs `f` in one immediate transaction and commits it durably; on error nothing of it
    /// is kept.
    pub fn write<T>(&mut self, f: impl FnOnce(&Transaction<'_>) -> Result<T>) -> Result<T> {
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let value = f(&tx)?;
        tx.commit()?;
        Ok(value)
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

pub use journal::JournalStore;
pub use settings::Settings;
