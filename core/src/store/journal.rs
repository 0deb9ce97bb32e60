//! The private journal: only in this database, never in the shared document.

use rusqlite::{params, Connection, OptionalExtension, Row};

use crate::error::{KoersError, Result};
use crate::model::{JournalEntry, LocalDate, Timestamp};

pub struct JournalStore;

impl JournalStore {
    pub fn put(conn: &Connection, entry: &JournalEntry) -> Result<()> {
        conn.execute(
            "INSERT INTO journal (id, date, text, energy, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (id) DO UPDATE SET date = excluded.date, text = excluded.text,
                 energy = excluded.energy, updated_at = excluded.updated_at",
            params![
                entry.id,
                entry.date.to_string(),
                entry.text,
                entry.energy,
                entry.created_at.millis(),
                entry.updated_at.millis()
            ],
        )?;
        Ok(())
    }

    pub fn get(conn: &Connection, id: &str) -> Result<Option<JournalEntry>> {
        Ok(conn
            .query_row(
                "SELECT id, date, text, energy, created_at, updated_at FROM journal WHERE id = ?1",
                [id],
                row_to_entry,
            )
            .optional()?)
    }

    pub fn delete(conn: &Connection, id: &str) -> Result<bool> {
        Ok(conn.execute("DELETE FROM journal WHERE id = ?1", [id])? > 0)
    }

    /// Entries between two days (inclusive), newest first.
    pub fn list(
        conn: &Connection,
        from: Option<LocalDate>,
        to: Option<LocalDate>,
    ) -> Result<Vec<JournalEntry>> {
        let mut stmt = conn.prepare_cached(
            "SELECT id, date, text, energy, created_at, updated_at FROM journal
             WHERE (?1 IS NULL OR date >= ?1) AND (?2 IS NULL OR date <= ?2)
             ORDER BY date DESC, created_at DESC",
        )?;
        let rows = stmt.query_map(
            params![from.map(|d| d.to_string()), to.map(|d| d.to_string())],
            row_to_entry,
        )?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }
}

fn row_to_entry(row: &Row<'_>) -> rusqlite::Result<JournalEntry> {
    let bad = |i: usize, what: &str| {
        rusqlite::Error::FromSqlConversionFailure(
            i,
            rusqlite::types::Type::Text,
            Box::new(KoersError::Storage {
                message: format!("journal entry has an invalid {what}"),
            }),
        )
    };
    let date: String = row.get(1)?;
    let created: i64 = row.get(4)?;
    let updated: i64 = row.get(5)?;
    Ok(JournalEntry {
        id: row.get(0)?,
        date: date.parse().map_err(|_| bad(1, "date"))?,
        text: row.get(2)?,
        energy: row.get(3)?,
        created_at: Timestamp::from_millis(created).ok_or_else(|| bad(4, "time"))?,
        updated_at: Timestamp::from_millis(updated).ok_or_else(|| bad(5, "time"))?,
    })
}
