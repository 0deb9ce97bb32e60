//! Writes that are stored but not yet Automerge changes.
//!
//! A write on the phone commits its edits as one row here, with the time and message its
//! change will carry, and returns: one small row per durable write. The rows become
//! Automerge changes (and reach the record cache) in order and in batches, under the write
//! lock, before anything else adds a change row (`materialize` in `dossier`: every
//! `MATERIALIZE_AFTER` writes, before a sync, a merge or a compaction, and whenever the
//! Automerge document itself is asked for). So pending rows are always newer than every
//! change row, and the dossier a handle reads is the record cache plus these rows.
//!
//! The edits are stored as JSON of `Edit` and the model's records. A pending write may wait
//! across an app update, so a later version must read what an earlier one stored (new
//! fields with serde defaults, as the record cache already requires).

use rusqlite::{params, Connection};

use crate::edit::Edit;
use crate::error::{KoersError, Result};

pub struct PendingEdits;

/// One stored write waiting to become an Automerge change.
#[derive(Debug, Clone, PartialEq)]
pub struct PendingWrite {
    pub seq: i64,
    /// When the write was made: the change's time.
    pub at_ms: i64,
    /// The change's message.
    pub message: String,
    pub edits: Vec<Edit>,
}

/// How many pending writes a writer lets wait before it turns them into changes itself.
pub const MATERIALIZE_AFTER: i64 = 128;

impl PendingEdits {
    /// Stores one write's edits under the next row number of the change log (`next_seq`).
    /// Returns that number.
    pub fn append(conn: &Connection, at_ms: i64, message: &str, edits: &[Edit]) -> Result<i64> {
        let json = serde_json::to_string(edits).map_err(|e| KoersError::Storage {
            message: format!("de wijziging kon niet worden vastgelegd: {e}"),
        })?;
        conn.prepare_cached(concat!(
            "INSERT INTO pending_edits (seq, at_ms, message, edits) VALUES (",
            next_seq!(),
            ", ?1, ?2, ?3)"
        ))?
        .execute(params![at_ms, message, json])?;
        Ok(conn.last_insert_rowid())
    }

    /// The pending writes numbered above `seq`, oldest first.
    pub fn after(conn: &Connection, seq: i64) -> Result<Vec<PendingWrite>> {
        let mut stmt = conn.prepare_cached(
            "SELECT seq, at_ms, message, edits FROM pending_edits WHERE seq > ?1 ORDER BY seq",
        )?;
        let mut rows = stmt.query([seq])?;
        let mut writes = Vec::new();
        while let Some(row) = rows.next()? {
            let seq: i64 = row.get(0)?;
            let json: String = row.get(3)?;
            let edits = serde_json::from_str(&json).map_err(|e| KoersError::Storage {
                message: format!("een opgeslagen wijziging ({seq}) is onleesbaar: {e}"),
            })?;
            writes.push(PendingWrite {
                seq,
                at_ms: row.get(1)?,
                message: row.get(2)?,
                edits,
            });
        }
        Ok(writes)
    }

    /// Every pending write, oldest first.
    pub fn all(conn: &Connection) -> Result<Vec<PendingWrite>> {
        Self::after(conn, 0)
    }

    /// How many writes are pending.
    pub fn count(conn: &Connection) -> Result<i64> {
        Ok(conn
            .prepare_cached("SELECT count(*) FROM pending_edits")?
            .query_row([], |r| r.get(0))?)
    }

    /// Forgets the pending writes up to `seq` (they are stored as changes now, or the
    /// document they were made on was replaced).
    pub fn remove_through(conn: &Connection, seq: i64) -> Result<()> {
        conn.prepare_cached("DELETE FROM pending_edits WHERE seq <= ?1")?
            .execute([seq])?;
        Ok(())
    }
}
