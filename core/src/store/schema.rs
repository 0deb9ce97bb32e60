//! The SQLite schema and its migrations, versioned with `PRAGMA user_version`.
//!
//! Each entry of `MIGRATIONS` moves the database one version up; all pending ones run in
//! one transaction with the version bump, so a crash mid-migration leaves the previous version.

use rusqlite::{Connection, TransactionBehavior};

use crate::error::Result;

/// Version 1: the Automerge document (snapshot + incremental changes) and settings.
const V1: &str = "
CREATE TABLE document_snapshot (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    bytes BLOB NOT NULL,
    saved_at INTEGER NOT NULL
);
CREATE TABLE document_changes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    hash BLOB NOT NULL UNIQUE,
    bytes BLOB NOT NULL
);
CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value BLOB NOT NULL
);
";

/// Version 2: query tables derived from the document, for fast lists and filters.
const V2: &str = "
CREATE TABLE applications (
    id TEXT PRIMARY KEY,
    employer TEXT NOT NULL,
    role TEXT NOT NULL,
    status TEXT NOT NULL,
    date TEXT NOT NULL,
    follow_up TEXT,
    updated_at INTEGER NOT NULL
);
CREATE INDEX applications_by_date ON applications (date DESC, updated_at DESC);
CREATE INDEX applications_by_status ON applications (status);
CREATE INDEX applications_by_follow_up ON applications (follow_up) WHERE follow_up IS NOT NULL;
CREATE TABLE appointments (
    id TEXT PRIMARY KEY,
    starts_at INTEGER NOT NULL,
    ends_at INTEGER NOT NULL,
    status TEXT NOT NULL
);
CREATE INDEX appointments_by_start ON appointments (starts_at);
CREATE TABLE actions (
    id TEXT PRIMARY KEY,
    due TEXT,
    done INTEGER NOT NULL,
    appointment_id TEXT
);
";

/// Version 3: full-text search over applications, and the private journal (local only).
const V3: &str = "
CREATE VIRTUAL TABLE applications_fts USING fts5 (
    id UNINDEXED, employer, role, location, contact, notes,
    tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TABLE journal (
    id TEXT PRIMARY KEY,
    date TEXT NOT NULL,
    text TEXT NOT NULL,
    energy INTEGER NOT NULL CHECK (energy BETWEEN 1 AND 5),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX journal_by_date ON journal (date DESC, created_at DESC);
";

/// Version 4: vacancy links waiting for a connection to fill in their details.
const V4: &str = "
CREATE TABLE pending_vacancy_fetches (
    application_id TEXT PRIMARY KEY,
    url TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT
);
";

/// Version 5: every shared record as JSON, so a cold open reads the dossier from here
/// instead of loading and hydrating the whole Automerge document.
const V5: &str = "
CREATE TABLE records (
    kind TEXT NOT NULL,
    id TEXT NOT NULL,
    json TEXT NOT NULL,
    PRIMARY KEY (kind, id)
) WITHOUT ROWID;
";

/// Version 6: several writers on one file. The snapshot records which change rows it folded
/// in (compaction deletes only those); the private journal moves to a table whose text and
/// energy are sealed with the platform-held key (`store::journal`; the old plain table is
/// sealed and dropped by the first open that has the key).
const V6: &str = "
ALTER TABLE document_snapshot ADD COLUMN folded_through INTEGER NOT NULL DEFAULT 0;
CREATE TABLE journal_sealed (
    id TEXT PRIMARY KEY,
    date TEXT NOT NULL,
    sealed BLOB NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX journal_sealed_by_date ON journal_sealed (date DESC, created_at DESC);
";

/// Version 7, reminder ledger: the reminders already handed to the OS as notifications (a posted one,
/// or one scheduled for later), so each is notified once, whichever process asks.
const REMINDER_LEDGER: &str = "
CREATE TABLE notified_reminders (
    id TEXT PRIMARY KEY,
    notify_at INTEGER NOT NULL
) WITHOUT ROWID;
";

/// Version 8, lean writes: fewer pages written per stored change.
/// - The SQL query tables and the full-text index go. Lists filter and search the dossier
///   in memory (`crate::query`), which the record cache (V5) already holds whole; the tables
///   only gave the lists their ids, and cost every stored application about six more
///   written pages (table, three indexes, FTS5 segment, structure and content).
/// - The record cache becomes a rowid table with a unique key: a new record is appended to
///   the last page, where a clustered (kind, id) key made each insert of a ~1 KB record
///   rebalance three leaf pages and their parent.
/// - Change rows lose the unique index on their hash and AUTOINCREMENT (two more pages per
///   write): a change is only ever appended under the write lock by a handle whose
///   document holds every stored change, so it is new by construction, and its row number
///   is one past the newest row or the newest folded row (`StoredDocument::append`), so
///   numbers never go back after a compaction.
const LEAN_WRITES: &str = "
DROP TABLE applications_fts;
DROP TABLE applications;
DROP TABLE appointments;
DROP TABLE actions;
CREATE TABLE records_by_row (
    kind TEXT NOT NULL,
    id TEXT NOT NULL,
    json TEXT NOT NULL,
    UNIQUE (kind, id)
);
INSERT INTO records_by_row (kind, id, json) SELECT kind, id, json FROM records;
DROP TABLE records;
ALTER TABLE records_by_row RENAME TO records;
CREATE TABLE document_changes_by_row (
    seq INTEGER PRIMARY KEY,
    bytes BLOB NOT NULL
);
INSERT INTO document_changes_by_row (seq, bytes) SELECT seq, bytes FROM document_changes;
DROP TABLE document_changes;
ALTER TABLE document_changes_by_row RENAME TO document_changes;
";

/// Version 9, pending edits: a write stores its edits as one row here (`store::pending`)
/// and returns; they become Automerge changes, and reach the record cache, in batches
/// (`materialize` in `dossier`). Rows are numbered in the change rows' sequence, above every
/// change row, so a handle's one cursor covers both tables.
const PENDING_EDITS: &str = "
CREATE TABLE pending_edits (
    seq INTEGER PRIMARY KEY,
    at_ms INTEGER NOT NULL,
    message TEXT NOT NULL,
    edits TEXT NOT NULL
);
";

/// Every migration in order; index `i` takes the database from version `i` to `i + 1`.
pub const MIGRATIONS: &[&str] = &[
    V1,
    V2,
    V3,
    V4,
    V5,
    V6,
    REMINDER_LEDGER,
    LEAN_WRITES,
    PENDING_EDITS,
];

/// The schema version this code writes.
pub const CURRENT_VERSION: u32 = MIGRATIONS.len() as u32;

/// Brings the database to `CURRENT_VERSION`. Returns the version it found.
pub fn migrate(conn: &mut Connection) -> Result<u32> {
    migrate_to(conn, CURRENT_VERSION)
}

/// Brings the database to `target` (tests use this to build every older version).
///
/// The version is read and every step applied inside one immediate transaction, so a dozen
/// processes opening a new file at once wait for each other instead of each creating the
/// tables; a crash mid-migration leaves the previous version.
pub fn migrate_to(conn: &mut Connection, target: u32) -> Result<u32> {
    let found = read_version(conn)?;
    if found >= target {
        return Ok(found);
    }
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let found = read_version(&tx)?;
    for version in found..target {
        tx.execute_batch(MIGRATIONS[version as usize])?;
    }
    if found < target {
        tx.pragma_update(None, "user_version", target)?;
    }
    tx.commit()?;
    Ok(found)
}

fn read_version(conn: &Connection) -> Result<u32> {
    let found: u32 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if found > CURRENT_VERSION {
        return Err(crate::KoersError::Storage {
            message: format!(
                "the database was written by a newer version of Koers (schema {found}, this app knows {CURRENT_VERSION}); update the app"
            ),
        });
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dossier::{Dossier, NewApplication};
    use crate::query::ApplicationQuery;

    /// Builds a database at every older schema version with the data that version could
    /// hold, then opens it with the current code: everything must still be there.
    #[test]
    fn every_earlier_version_migrates_to_the_current_one() {
        for start in 0..CURRENT_VERSION {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("old.db");
            // A current dossier supplies realistic document bytes for the old file.
            let (doc_bytes, app_id) = {
                let mut d = Dossier::open_in_memory().unwrap();
                let app = d
                    .log_application(NewApplication {
                        employer: "Acme".into(),
                        role: "Planner".into(),
                        ..Default::default()
                    })
                    .unwrap();
                (d.automerge().unwrap().save(), app.id)
            };
            {
                let mut conn = Connection::open(&path).unwrap();
                migrate_to(&mut conn, start).unwrap();
                if start >= 1 {
                    conn.execute(
                        "INSERT INTO document_snapshot (id, bytes, saved_at) VALUES (1, ?1, 0)",
                        [&doc_bytes],
                    )
                    .unwrap();
                }
                let v: u32 = conn
                    .query_row("PRAGMA user_version", [], |r| r.get(0))
                    .unwrap();
                assert_eq!(v, start);
            }
            let d = Dossier::open(&path).unwrap();
            assert_eq!(d.schema_version().unwrap(), CURRENT_VERSION);
            let apps = d.list_applications(&ApplicationQuery::default()).unwrap();
            if start >= 1 {
                assert_eq!(apps.len(), 1, "from version {start}");
                assert_eq!(apps[0].id, app_id);
                let found = d
                    .list_applications(&ApplicationQuery {
                        text: Some("acme".into()),
                        ..Default::default()
                    })
                    .unwrap();
                assert_eq!(found.len(), 1, "search works after migrating from {start}");
            } else {
                assert!(apps.is_empty());
            }
        }
    }

    /// A version-7 file whose record cache is current opens from the cache (no rebuild):
    /// the lean-writes migration must carry every cached record over into the new table.
    #[test]
    fn the_record_cache_survives_the_lean_writes_migration() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v7.db");
        let (doc_bytes, app) = {
            let mut d = Dossier::open_in_memory().unwrap();
            let app = d
                .log_application(NewApplication {
                    employer: "Café Één".into(),
                    role: "Planner".into(),
                    ..Default::default()
                })
                .unwrap();
            (d.automerge().unwrap().save(), app)
        };
        {
            let mut conn = Connection::open(&path).unwrap();
            migrate_to(&mut conn, 7).unwrap();
            conn.execute(
                "INSERT INTO document_snapshot (id, bytes, saved_at) VALUES (1, ?1, 0)",
                [&doc_bytes],
            )
            .unwrap();
            // The cache says something the document does not: only a cache read shows it.
            let mut cached = app.clone();
            cached.role = "Uit de cache".into();
            conn.execute(
                "INSERT INTO records (kind, id, json) VALUES ('application', ?1, ?2)",
                [&app.id, &serde_json::to_string(&cached).unwrap()],
            )
            .unwrap();
            conn.execute(
                "INSERT INTO settings (key, value) VALUES ('actor_id', ?1), ('projection_version', ?2)",
                rusqlite::params![
                    automerge::ActorId::random().to_bytes(),
                    crate::store::projection_version().to_string().as_bytes()
                ],
            )
            .unwrap();
        }
        let d = Dossier::open(&path).unwrap();
        let found = d
            .list_applications(&ApplicationQuery {
                text: Some("cafe een".into()),
                ..Default::default()
            })
            .unwrap();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].role, "Uit de cache");
        let conn = Connection::open(&path).unwrap();
        let left: i64 = conn
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE name IN
                 ('applications', 'applications_fts', 'appointments', 'actions')",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(left, 0, "the query tables are gone");
    }

    #[test]
    fn a_database_from_a_newer_app_is_refused() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.pragma_update(None, "user_version", CURRENT_VERSION + 1)
            .unwrap();
        let err = migrate(&mut conn).unwrap_err();
        assert!(err.to_string().contains("newer version"), "{err}");
    }

    #[test]
    fn migrations_are_atomic() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate_to(&mut conn, 1).unwrap();
        // A table that v2 creates already exists: v2 fails and must leave version 1.
        conn.execute_batch("CREATE TABLE applications (x)").unwrap();
        assert!(migrate(&mut conn).is_err());
        let v: u32 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(v, 1);
    }
}
