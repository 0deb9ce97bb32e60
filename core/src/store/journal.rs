//! The private journal: only in this database, never in the shared document, and sealed at
//! rest. Each entry's text and energy are encrypted (XChaCha20-Poly1305, bound to the entry's
//! id) with a key the platform keeps outside the database (Keystore / Keychain, or a key
//! file beside the database for the CLI), so a copied database file reveals no health data.

use std::io::Write;
use std::path::{Path, PathBuf};

use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rusqlite::{params, Connection, OptionalExtension, Row};

use crate::error::{KoersError, Result};
use crate::model::{JournalEntry, LocalDate, Timestamp};

const NONCE_LEN: usize = 24;

/// The key that seals the journal. Never stored in the database it protects.
#[derive(Clone)]
pub struct JournalKey([u8; 32]);

impl std::fmt::Debug for JournalKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("JournalKey(..)")
    }
}

impl JournalKey {
    /// A new random key.
    pub fn generate() -> Self {
        Self(XChaCha20Poly1305::generate_key(&mut OsRng).into())
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let key: [u8; 32] = bytes.try_into().map_err(|_| {
            KoersError::invalid("journal_key", "een dagboeksleutel is 32 bytes lang")
        })?;
        Ok(Self(key))
    }

    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// The key file the CLI keeps beside a database (`<file>.journal-key`, mode 0600).
    pub fn file_for(db: &Path) -> PathBuf {
        let mut name = db.as_os_str().to_owned();
        name.push(".journal-key");
        PathBuf::from(name)
    }

    /// Reads the key file beside `db`, creating it on first use. Several processes may open
    /// a new database at once: the key is written to a private temporary file and published
    /// with a hard link, which fails if another process published first (then its key is read).
    pub fn load_or_create_beside(db: &Path) -> Result<Self> {
        let path = Self::file_for(db);
        if let Some(key) = Self::read_file(&path)? {
            return Ok(key);
        }
        let key = Self::generate();
        let dir = path.parent().filter(|p| !p.as_os_str().is_empty());
        let mut tmp = tempfile::Builder::new()
            .prefix(".journal-key")
            .tempfile_in(dir.unwrap_or_else(|| Path::new(".")))
            .map_err(io_error)?; // created with mode 0600
        tmp.write_all(key.as_bytes()).map_err(io_error)?;
        tmp.as_file().sync_all().map_err(io_error)?;
        match std::fs::hard_link(tmp.path(), &path) {
            Ok(()) => Ok(key),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Self::read_file(&path)?
                .ok_or_else(|| KoersError::Storage {
                    message: format!(
                        "de sleutel van het dagboek ({}) is verdwenen",
                        path.display()
                    ),
                }),
            Err(e) => Err(io_error(e)),
        }
    }

    fn read_file(path: &Path) -> Result<Option<Self>> {
        match std::fs::read(path) {
            Ok(bytes) => Self::from_bytes(&bytes)
                .map(Some)
                .map_err(|_| KoersError::Storage {
                    message: format!(
                        "de sleutel van het dagboek ({}) is beschadigd",
                        path.display()
                    ),
                }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(io_error(e)),
        }
    }

    fn seal(&self, id: &str, plain: &[u8]) -> Result<Vec<u8>> {
        let cipher = XChaCha20Poly1305::new(self.0.as_ref().into());
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let sealed = cipher
            .encrypt(
                &nonce,
                Payload {
                    msg: plain,
                    aad: id.as_bytes(),
                },
            )
            .map_err(|_| KoersError::Storage {
                message: "een dagboekregel kon niet worden versleuteld".into(),
            })?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        Ok(out)
    }

    fn open(&self, id: &str, sealed: &[u8]) -> Option<Vec<u8>> {
        if sealed.len() < NONCE_LEN {
            return None;
        }
        let (nonce, body) = sealed.split_at(NONCE_LEN);
        XChaCha20Poly1305::new(self.0.as_ref().into())
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: body,
                    aad: id.as_bytes(),
                },
            )
            .ok()
    }
}

fn io_error(e: std::io::Error) -> KoersError {
    KoersError::Storage {
        message: format!("de sleutel van het dagboek kon niet worden bewaard: {e}"),
    }
}

/// What is sealed of an entry.
#[derive(serde::Serialize, serde::Deserialize)]
struct Sealed {
    text: String,
    energy: u8,
}

pub struct JournalStore;

impl JournalStore {
    pub fn put(conn: &Connection, key: &JournalKey, entry: &JournalEntry) -> Result<()> {
        let plain = serde_json::to_vec(&Sealed {
            text: entry.text.clone(),
            energy: entry.energy,
        })
        .map_err(|e| KoersError::Storage {
            message: format!("een dagboekregel kon niet worden vastgelegd: {e}"),
        })?;
        let sealed = key.seal(&entry.id, &plain)?;
        conn.execute(
            "INSERT INTO journal_sealed (id, date, sealed, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (id) DO UPDATE SET date = excluded.date, sealed = excluded.sealed,
                 updated_at = excluded.updated_at",
            params![
                entry.id,
                entry.date.to_string(),
                sealed,
                entry.created_at.millis(),
                entry.updated_at.millis()
            ],
        )?;
        Ok(())
    }

    pub fn get(conn: &Connection, key: &JournalKey, id: &str) -> Result<Option<JournalEntry>> {
        conn.query_row(
            "SELECT id, date, sealed, created_at, updated_at FROM journal_sealed WHERE id = ?1",
            [id],
            RawEntry::from_row,
        )
        .optional()?
        .map(|raw| raw.open(key))
        .transpose()
    }

    /// Deletes an entry, overwriting its sealed text first (with `secure_delete` on, the
    /// freed cells are zeroed too).
    pub fn delete(conn: &Connection, id: &str) -> Result<bool> {
        conn.execute(
            "UPDATE journal_sealed SET sealed = zeroblob(length(sealed)) WHERE id = ?1",
            [id],
        )?;
        Ok(conn.execute("DELETE FROM journal_sealed WHERE id = ?1", [id])? > 0)
    }

    /// Entries between two days (inclusive), newest first.
    pub fn list(
        conn: &Connection,
        key: &JournalKey,
        from: Option<LocalDate>,
        to: Option<LocalDate>,
    ) -> Result<Vec<JournalEntry>> {
        let mut stmt = conn.prepare_cached(
            "SELECT id, date, sealed, created_at, updated_at FROM journal_sealed
             WHERE (?1 IS NULL OR date >= ?1) AND (?2 IS NULL OR date <= ?2)
             ORDER BY date DESC, created_at DESC",
        )?;
        let rows = stmt.query_map(
            params![from.map(|d| d.to_string()), to.map(|d| d.to_string())],
            RawEntry::from_row,
        )?;
        rows.map(|raw| raw?.open(key)).collect()
    }

    /// Seals the entries of the plain journal table that versions before schema 6 wrote, then
    /// erases and drops that table. Runs once, on the first open that has the key.
    pub fn seal_legacy(conn: &Connection, key: &JournalKey) -> Result<usize> {
        let legacy: bool = conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'journal')",
            [],
            |r| r.get(0),
        )?;
        if !legacy {
            return Ok(0);
        }
        let entries = {
            let mut stmt =
                conn.prepare("SELECT id, date, text, energy, created_at, updated_at FROM journal")?;
            let rows = stmt.query_map([], legacy_entry)?;
            rows.collect::<rusqlite::Result<Vec<_>>>()?
        };
        for entry in &entries {
            Self::put(conn, key, entry)?;
        }
        // Overwrite before dropping, so no page of the file keeps the plain text.
        conn.execute_batch(
            "UPDATE journal SET text = '';
             DELETE FROM journal;
             DROP TABLE journal;",
        )?;
        Ok(entries.len())
    }
}

struct RawEntry {
    id: String,
    date: String,
    sealed: Vec<u8>,
    created: i64,
    updated: i64,
}

impl RawEntry {
    fn from_row(row: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            id: row.get(0)?,
            date: row.get(1)?,
            sealed: row.get(2)?,
            created: row.get(3)?,
            updated: row.get(4)?,
        })
    }

    fn open(self, key: &JournalKey) -> Result<JournalEntry> {
        let bad = |what: &str| KoersError::Storage {
            message: format!("dagboekregel {} heeft een ongeldige {what}", self.id),
        };
        let plain = key.open(&self.id, &self.sealed).ok_or_else(|| KoersError::Storage {
            message: "het privédagboek is niet te openen met de sleutel van dit apparaat (zijn de gegevens van de app op een ander apparaat teruggezet?)".into(),
        })?;
        let sealed: Sealed = serde_json::from_slice(&plain).map_err(|_| bad("inhoud"))?;
        Ok(JournalEntry {
            date: self.date.parse().map_err(|_| bad("datum"))?,
            text: sealed.text,
            energy: sealed.energy,
            created_at: Timestamp::from_millis(self.created).ok_or_else(|| bad("tijd"))?,
            updated_at: Timestamp::from_millis(self.updated).ok_or_else(|| bad("tijd"))?,
            id: self.id,
        })
    }
}

fn legacy_entry(row: &Row<'_>) -> rusqlite::Result<JournalEntry> {
    let bad = |i: usize, what: &str| {
        rusqlite::Error::FromSqlConversionFailure(
            i,
            rusqlite::types::Type::Text,
            Box::new(KoersError::Storage {
                message: format!("een dagboekregel heeft een ongeldige {what}"),
            }),
        )
    };
    let date: String = row.get(1)?;
    let created: i64 = row.get(4)?;
    let updated: i64 = row.get(5)?;
    Ok(JournalEntry {
        id: row.get(0)?,
        date: date.parse().map_err(|_| bad(1, "datum"))?,
        text: row.get(2)?,
        energy: row.get(3)?,
        created_at: Timestamp::from_millis(created).ok_or_else(|| bad(4, "tijd"))?,
        updated_at: Timestamp::from_millis(updated).ok_or_else(|| bad(5, "tijd"))?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_entry_opens_only_with_its_key_and_id() {
        let key = JournalKey::generate();
        let sealed = key.seal("a", b"moe vandaag").unwrap();
        assert!(!sealed.windows(3).any(|w| w == b"moe"));
        assert_eq!(key.open("a", &sealed).unwrap(), b"moe vandaag");
        assert!(key.open("b", &sealed).is_none(), "bound to the entry's id");
        assert!(JournalKey::generate().open("a", &sealed).is_none());
    }

    #[test]
    fn the_key_file_is_created_once_and_private() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("d.db");
        let a = JournalKey::load_or_create_beside(&db).unwrap();
        let b = JournalKey::load_or_create_beside(&db).unwrap();
        assert_eq!(a.as_bytes(), b.as_bytes());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(JournalKey::file_for(&db))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o077, 0, "no access for group or others: {mode:o}");
        }
    }
}
