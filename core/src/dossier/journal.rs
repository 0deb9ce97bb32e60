//! The private journal. Stored only in the local database: never in the shared document,
//! never synced, in exports only when the employee asks.

use crate::error::{KoersError, Result};
use crate::input;
use crate::model::{new_id, JournalEntry, LocalDate, Timestamp};
use crate::store::JournalStore;

use super::{Dossier, Topic};

impl Dossier {
    pub fn add_journal_entry(
        &mut self,
        date: LocalDate,
        text: &str,
        energy: u8,
    ) -> Result<JournalEntry> {
        let text = input::text("text", text)?;
        let energy = input::energy("energy", i64::from(energy))?;
        let now = Timestamp::now();
        let entry = JournalEntry {
            id: new_id(),
            date,
            text,
            energy,
            created_at: now,
            updated_at: now,
        };
        let key = self.journal_key()?.clone();
        self.write_local(|tx| JournalStore::put(tx, &key, &entry))?;
        self.mark(Topic::Journal);
        Ok(entry)
    }

    pub fn journal_entry(&self, id: &str) -> Result<JournalEntry> {
        JournalStore::get(self.conn(), self.journal_key()?, id)?
            .ok_or_else(|| KoersError::not_found(format!("dagboeknotitie {id}")))
    }

    pub fn edit_journal_entry(
        &mut self,
        id: &str,
        text: Option<String>,
        energy: Option<u8>,
    ) -> Result<JournalEntry> {
        let mut entry = self.journal_entry(id)?;
        if let Some(t) = text {
            entry.text = input::text("text", &t)?;
        }
        if let Some(e) = energy {
            entry.energy = input::energy("energy", i64::from(e))?;
        }
        entry.updated_at = Timestamp::now();
        let key = self.journal_key()?.clone();
        self.write_local(|tx| JournalStore::put(tx, &key, &entry))?;
        self.mark(Topic::Journal);
        Ok(entry)
    }

    pub fn delete_journal_entry(&mut self, id: &str) -> Result<()> {
        if !self.write_local(|tx| JournalStore::delete(tx, id))? {
            return Err(KoersError::not_found(format!("dagboeknotitie {id}")));
        }
        self.mark(Topic::Journal);
        Ok(())
    }

    /// Entries between two days (inclusive), newest first.
    pub fn journal(
        &self,
        from: Option<LocalDate>,
        to: Option<LocalDate>,
    ) -> Result<Vec<JournalEntry>> {
        JournalStore::list(self.conn(), self.journal_key()?, from, to)
    }
}
