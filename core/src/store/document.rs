//! The Automerge document on disk: a snapshot plus the changes made since, appended one
//! write at a time and folded into the snapshot now and then.

use automerge::{Automerge, Change};
use rusqlite::{params, Connection, OptionalExtension};

use crate::error::{KoersError, Result};

pub struct StoredDocument;

impl StoredDocument {
    /// Loads the document, or `None` for a database that never held one.
    pub fn load(conn: &Connection) -> Result<Option<Automerge>> {
        let snapshot: Option<Vec<u8>> = conn
            .query_row(
                "SELECT bytes FROM document_snapshot WHERE id = 1",
                [],
                |r| r.get(0),
            )
            .optional()?;
        let mut stmt = conn.prepare_cached("SELECT bytes FROM document_changes ORDER BY seq")?;
        let mut rows = stmt.query([])?;
        let mut changes = Vec::new();
        while let Some(row) = rows.next()? {
            let bytes: Vec<u8> = row.get(0)?;
            changes.extend_from_slice(&bytes);
        }
        if snapshot.is_none() && changes.is_empty() {
            return Ok(None);
        }
        let mut doc = match snapshot {
            Some(bytes) => Automerge::load(&bytes).map_err(corrupt)?,
            None => Automerge::new(),
        };
        if !changes.is_empty() {
            doc.load_incremental(&changes).map_err(corrupt)?;
        }
        Ok(Some(doc))
    }

    /// Whether any of the document is stored.
    pub fn exists(conn: &Connection) -> Result<bool> {
        Ok(conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM document_snapshot) OR EXISTS (SELECT 1 FROM document_changes)",
            [],
            |r| r.get(0),
        )?)
    }

    /// Appends changes (idempotent: a change already stored is skipped).
    pub fn append<'a>(
        conn: &Connection,
        changes: impl IntoIterator<Item = &'a Change>,
    ) -> Result<()> {
        let mut stmt = conn.prepare_cached(
            "INSERT OR IGNORE INTO document_changes (hash, bytes) VALUES (?1, ?2)",
        )?;
        for change in changes {
            stmt.execute(params![change.hash().as_ref(), change.raw_bytes()])?;
        }
        Ok(())
    }

    /// How many changes wait to be folded into the snapshot.
    pub fn pending_changes(conn: &Connection) -> Result<i64> {
        Ok(conn.query_row("SELECT count(*) FROM document_changes", [], |r| r.get(0))?)
    }

    /// Replaces snapshot and changes by one compact save of `doc`.
    pub fn compact(conn: &Connection, doc: &Automerge, now_ms: i64) -> Result<()> {
        let bytes = doc.save();
        conn.execute(
            "INSERT INTO document_snapshot (id, bytes, saved_at) VALUES (1, ?1, ?2)
             ON CONFLICT (id) DO UPDATE SET bytes = excluded.bytes, saved_at = excluded.saved_at",
            params![bytes, now_ms],
        )?;
        conn.execute("DELETE FROM document_changes", [])?;
        Ok(())
    }
}

fn corrupt(e: automerge::AutomergeError) -> KoersError {
    KoersError::Storage {
        message: format!("the stored dossier could not be read: {e}"),
    }
}
