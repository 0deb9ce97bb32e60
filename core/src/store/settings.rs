//! Small named values the core keeps between runs (device actor id, sync credentials ...).

use rusqlite::{params, Connection, OptionalExtension};

use crate::error::Result;

pub struct Settings;

impl Settings {
    /// Read on every write (the document's epoch, whether the phone is linked): the
    /// statement is prepared once per connection.
    pub fn get(conn: &Connection, key: &str) -> Result<Option<Vec<u8>>> {
        Ok(conn
            .prepare_cached("SELECT value FROM settings WHERE key = ?1")?
            .query_row([key], |r| r.get(0))
            .optional()?)
    }

    pub fn get_text(conn: &Connection, key: &str) -> Result<Option<String>> {
        Ok(Self::get(conn, key)?.and_then(|b| String::from_utf8(b).ok()))
    }

    pub fn put(conn: &Connection, key: &str, value: &[u8]) -> Result<()> {
        conn.execute(
            "INSERT INTO settings (key, value) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            params![key, value],
        )?;
        Ok(())
    }

    pub fn delete(conn: &Connection, key: &str) -> Result<()> {
        conn.execute("DELETE FROM settings WHERE key = ?1", [key])?;
        Ok(())
    }
}
