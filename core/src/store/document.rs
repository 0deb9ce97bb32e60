//! The Automerge document on disk: a snapshot plus the changes made since, appended one
//! write at a time and folded into the snapshot now and then.
//!
//! Several handles (processes, objects) share one file. Each remembers how far it has read
//! (`Cursor`); under the write lock it first reads what others appended (`catch_up`), and
//! compaction folds and deletes only the rows that the compacting handle has read.

use automerge::{Automerge, Change};
use rusqlite::{params, Connection, OptionalExtension};

use crate::error::{KoersError, Result};

pub struct StoredDocument;

/// How far a handle has read the stored document. A wipe or an adopted document changes the
/// epoch (kept in settings), which tells every other handle to read it all again.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cursor {
    /// The highest change row read.
    pub seen_seq: i64,
    /// The snapshot's `folded_through` when it was read (0: none).
    pub folded_through: i64,
    pub epoch: Option<Vec<u8>>,
}

/// What the file holds now, read cheaply to decide whether a handle is behind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredPosition {
    /// The highest row number handed out that still counts: a change row, a pending write
    /// (`store::pending`; they share one sequence) or the last folded row.
    pub max_seq: i64,
    /// The highest change row (0: none).
    pub max_change_seq: i64,
    pub folded_through: i64,
    pub epoch: Option<Vec<u8>>,
}

/// The stored document as bytes: the snapshot and the change rows `(seq, bytes)`.
pub struct RawRows {
    pub snapshot: Option<Vec<u8>>,
    pub rows: Vec<(i64, Vec<u8>)>,
}

/// What `catch_up` found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CatchUp {
    /// Nothing new: the handle is current.
    Current,
    /// Changes others stored were read into the document.
    Read,
    /// The document was replaced (wipe, adoption, repair): read it again from scratch.
    Replaced,
}

/// The settings key of the document's epoch.
pub const EPOCH_KEY: &str = "document_epoch";

impl StoredDocument {
    /// Loads the document, or `None` for a database that never held one. Run it inside a
    /// transaction when the cursor must match what was loaded.
    pub fn load(conn: &Connection) -> Result<Option<Automerge>> {
        Ok(Self::load_with_cursor(conn)?.map(|(doc, _)| doc))
    }

    /// Loads the document and the cursor that says what was read.
    pub fn load_with_cursor(conn: &Connection) -> Result<Option<(Automerge, Cursor)>> {
        let mut doc = Automerge::new();
        let mut cursor = Cursor {
            epoch: Self::epoch(conn)?,
            ..Cursor::default()
        };
        let found = Self::read_into(conn, &mut doc, &mut cursor, true)?;
        // Pending writes are not in the document but count as read: whoever needs the
        // document turns them into changes first, numbered above them.
        cursor.seen_seq = cursor.seen_seq.max(Self::position(conn)?.max_seq);
        Ok(found.then_some((doc, cursor)))
    }

    /// Reads into `doc` the change rows other writers stored since `cursor`. `doc` must hold
    /// every change row up to `cursor` (as loaded or caught up before); pending writes are
    /// the caller's (`store::PendingEdits`).
    pub fn catch_up(
        conn: &Connection,
        doc: &mut Automerge,
        cursor: &mut Cursor,
    ) -> Result<CatchUp> {
        let position = Self::position(conn)?;
        if position.epoch != cursor.epoch {
            return Ok(CatchUp::Replaced);
        }
        if position.max_change_seq <= cursor.seen_seq
            && position.folded_through <= cursor.folded_through
        {
            return Ok(CatchUp::Current);
        }
        // Rows folded by another handle's compaction are gone; their content is in the
        // snapshot, which then has to be read too.
        let with_snapshot = position.folded_through > cursor.seen_seq;
        Self::read_into(conn, doc, cursor, with_snapshot)?;
        // A fold of rows this handle had read already changes nothing it holds.
        cursor.folded_through = position.folded_through;
        Ok(CatchUp::Read)
    }

    fn read_into(
        conn: &Connection,
        doc: &mut Automerge,
        cursor: &mut Cursor,
        with_snapshot: bool,
    ) -> Result<bool> {
        let mut found = false;
        if with_snapshot {
            let snapshot: Option<(Vec<u8>, i64)> = conn
                .query_row(
                    "SELECT bytes, folded_through FROM document_snapshot WHERE id = 1",
                    [],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            if let Some((bytes, folded_through)) = snapshot {
                if doc.get_heads().is_empty() {
                    *doc = Automerge::load(&bytes).map_err(corrupt)?;
                } else {
                    doc.load_incremental(&bytes).map_err(corrupt)?;
                }
                cursor.folded_through = folded_through;
                cursor.seen_seq = cursor.seen_seq.max(folded_through);
                found = true;
            }
        }
        let mut stmt = conn.prepare_cached(
            "SELECT seq, bytes FROM document_changes WHERE seq > ?1 ORDER BY seq",
        )?;
        let mut rows = stmt.query([cursor.seen_seq])?;
        let mut changes = Vec::new();
        let mut last = cursor.seen_seq;
        while let Some(row) = rows.next()? {
            last = row.get(0)?;
            let bytes: Vec<u8> = row.get(1)?;
            changes.extend_from_slice(&bytes);
        }
        if !changes.is_empty() {
            doc.load_incremental(&changes).map_err(corrupt)?;
            found = true;
        }
        cursor.seen_seq = last;
        Ok(found)
    }

    /// Where the stored document stands now (three index lookups and a settings read).
    pub fn position(conn: &Connection) -> Result<StoredPosition> {
        let (max_change_seq, max_pending_seq, folded_through): (i64, i64, i64) = conn
            .prepare_cached(
                "SELECT (SELECT coalesce(max(seq), 0) FROM document_changes),
                        (SELECT coalesce(max(seq), 0) FROM pending_edits),
                        (SELECT coalesce(max(folded_through), 0) FROM document_snapshot)",
            )?
            .query_row([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        Ok(StoredPosition {
            max_seq: max_change_seq.max(max_pending_seq).max(folded_through),
            max_change_seq,
            folded_through,
            epoch: Self::epoch(conn)?,
        })
    }

    fn epoch(conn: &Connection) -> Result<Option<Vec<u8>>> {
        crate::store::Settings::get(conn, EPOCH_KEY)
    }

    /// Starts a new epoch: every other handle reads the document again from scratch.
    pub fn new_epoch(conn: &Connection) -> Result<Vec<u8>> {
        let epoch = uuid::Uuid::new_v4().as_bytes().to_vec();
        crate::store::Settings::put(conn, EPOCH_KEY, &epoch)?;
        Ok(epoch)
    }

    /// How many change rows wait to be folded into the snapshot.
    pub fn unfolded(conn: &Connection) -> Result<i64> {
        Ok(conn
            .prepare_cached("SELECT count(*) FROM document_changes")?
            .query_row([], |r| r.get(0))?)
    }

    /// Whether any of the document is stored.
    pub fn exists(conn: &Connection) -> Result<bool> {
        Ok(conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM document_snapshot) OR EXISTS (SELECT 1 FROM document_changes)",
            [],
            |r| r.get(0),
        )?)
    }

    /// Appends changes the file does not hold yet: call it under the write lock with changes
    /// new to a document caught up with every stored one (`materialize` in `dossier`,
    /// `apply_remote`). Returns the seq of the last row written, if any.
    pub fn append<'a>(
        conn: &Connection,
        changes: impl IntoIterator<Item = &'a Change>,
    ) -> Result<Option<i64>> {
        let mut stmt = conn.prepare_cached(concat!(
            "INSERT INTO document_changes (seq, bytes) VALUES (",
            next_seq!(),
            ", ?1)"
        ))?;
        let mut last = None;
        for change in changes {
            stmt.execute([change.raw_bytes()])?;
            last = Some(conn.last_insert_rowid());
        }
        Ok(last)
    }

    /// Folds the change rows up to `cursor.seen_seq` into one snapshot of `doc` and deletes
    /// exactly those rows. `doc` must hold everything the cursor has read; rows stored by
    /// others after it stay and are read on top of the snapshot.
    pub fn compact(
        conn: &Connection,
        doc: &Automerge,
        cursor: &mut Cursor,
        now_ms: i64,
    ) -> Result<()> {
        let bytes = doc.save();
        let through = cursor.seen_seq;
        conn.execute(
            "INSERT INTO document_snapshot (id, bytes, saved_at, folded_through) VALUES (1, ?1, ?2, ?3)
             ON CONFLICT (id) DO UPDATE SET bytes = excluded.bytes, saved_at = excluded.saved_at,
                 folded_through = excluded.folded_through",
            params![bytes, now_ms, through],
        )?;
        conn.execute("DELETE FROM document_changes WHERE seq <= ?1", [through])?;
        cursor.folded_through = through;
        Ok(())
    }

    /// Replaces every stored change by `doc` (adopting the bureau's copy, a wipe, a repair),
    /// under a new epoch. Returns the cursor for `doc`. Pending writes stay (a repair keeps
    /// them on top of the repaired document; an adoption removes them itself); the fold
    /// covers their numbers too, so no number is handed out again.
    pub fn replace(conn: &Connection, doc: &Automerge, now_ms: i64) -> Result<Cursor> {
        let through = Self::position(conn)?.max_seq;
        let mut cursor = Cursor {
            seen_seq: through,
            folded_through: 0,
            epoch: Some(Self::new_epoch(conn)?),
        };
        conn.execute("DELETE FROM document_snapshot", [])?;
        Self::compact(conn, doc, &mut cursor, now_ms)?;
        // Rows a concurrent writer might add later are above `through`.
        conn.execute("DELETE FROM document_changes", [])?;
        Ok(cursor)
    }

    /// The snapshot and every change row as stored (for repairing a file that cannot load).
    pub fn raw_rows(conn: &Connection) -> Result<RawRows> {
        let snapshot: Option<Vec<u8>> = conn
            .query_row(
                "SELECT bytes FROM document_snapshot WHERE id = 1",
                [],
                |r| r.get(0),
            )
            .optional()?;
        let mut stmt = conn.prepare("SELECT seq, bytes FROM document_changes ORDER BY seq")?;
        let rows = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(RawRows { snapshot, rows })
    }
}

fn corrupt(e: automerge::AutomergeError) -> KoersError {
    KoersError::Storage {
        message: format!("het opgeslagen dossier is onleesbaar: {e}"),
    }
}
