//! One employee's dossier on the phone: the shared Automerge document, a hydrated copy of it
//! for reads, and the SQLite store that keeps both durable. One write = one transaction.

mod actions;
mod applications;
mod appointments;
mod journal;
mod repair;
pub mod sync;
mod trajectory;
mod vacancies;
mod views;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use automerge::transaction::CommitOptions;
use automerge::{ActorId, Automerge, Change};
use rusqlite::Connection;

pub use crate::edit::{Edit, Topic};
use crate::error::{KoersError, Result};
use crate::incremental;
use crate::model::{genesis_document, Actor, DossierDocument, Timestamp, DOCUMENT_SCHEMA};
use crate::store::{
    schema, CatchUp, Cursor, JournalKey, JournalStore, PendingEdits, PendingWrite, Projection,
    Settings, Store, StoredDocument, StoredPosition, COMPACT_AFTER_CHANGES, MATERIALIZE_AFTER,
};

pub use actions::NewAction;
pub use applications::{ApplicationPatch, NewApplication};
pub use appointments::{
    check_appointment_times, AppointmentPatch, NewAppointment, MAX_APPOINTMENT_HOURS,
};
pub use sync::{EnrolmentInfo, LinkedDevice, SyncOutcome, SyncStatus};
pub use trajectory::TrajectoryPatch;
pub use vacancies::EnrichReport;
pub use views::{write_atomically, ExportFormat, ExportOptions};

const ACTOR_KEY: &str = "actor_id";
const PROJECTION_KEY: &str = "projection_version";

pub struct Dossier {
    path: Option<PathBuf>,
    store: Store,
    /// The Automerge document, loaded on first need: reads come from `state`, which the
    /// record cache restores without loading and hydrating the whole document.
    doc: Option<Automerge>,
    /// How far `state` (and `doc`, when loaded) has read the stored document. Other
    /// processes and objects write the same file; every write first catches up from here.
    cursor: Cursor,
    actor: ActorId,
    state: DossierDocument,
    /// Who this device acts as; the phone is always the employee.
    role: Actor,
    /// None while the platform's keystore cannot give the key (locked): the journal is
    /// then unavailable, everything else works.
    journal_key: Option<JournalKey>,
    changed: BTreeSet<Topic>,
}

impl Dossier {
    /// Opens the dossier in the database file at `path`, creating it on first use. The
    /// journal's key is kept in a file beside it (`<file>.journal-key`); phones pass the
    /// key from the platform's keystore with `open_with_journal_key`.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let store = Store::open(path)?;
        let key = JournalKey::load_or_create_beside(path)?;
        Self::from_store(store, Some(path.to_path_buf()), Some(key))
    }

    /// Opens the dossier at `path` with the journal key the platform keeps.
    pub fn open_with_journal_key(path: impl AsRef<Path>, key: JournalKey) -> Result<Self> {
        let path = path.as_ref();
        Self::from_store(Store::open(path)?, Some(path.to_path_buf()), Some(key))
    }

    /// Opens the dossier at `path` while the platform's keystore cannot give the journal's
    /// key: the journal refuses with a clear error until the dossier is opened with it.
    pub fn open_without_journal_key(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        Self::from_store(Store::open(path)?, Some(path.to_path_buf()), None)
    }

    /// A dossier that lives only in memory (tests, previews).
    pub fn open_in_memory() -> Result<Self> {
        Self::from_store(Store::open_in_memory()?, None, Some(JournalKey::generate()))
    }

    fn from_store(
        mut store: Store,
        path: Option<PathBuf>,
        journal_key: Option<JournalKey>,
    ) -> Result<Self> {
        let (actor, cursor, state, doc) = Self::prepare_file(&mut store, journal_key.as_ref())?;
        if state.schema > DOCUMENT_SCHEMA {
            return Err(KoersError::Document {
                message: format!(
                    "this dossier was written by a newer version of Koers (document schema {}); update the app",
                    state.schema
                ),
            });
        }
        Ok(Self {
            path,
            store,
            doc,
            cursor,
            actor,
            state,
            role: Actor::Employee,
            journal_key,
            changed: BTreeSet::new(),
        })
    }

    /// Everything a first open of a file may have to write (actor id, genesis, record cache
    /// for a new projection version, sealing an old plain journal, repairing a dossier that
    /// the field version left with duplicate changes) happens under the write lock and only
    /// if still needed once the lock is held, so any number of processes may open at once.
    /// Returns the actor, the cursor, the state and the document if it had to be loaded.
    #[allow(clippy::type_complexity)]
    fn prepare_file(
        store: &mut Store,
        key: Option<&JournalKey>,
    ) -> Result<(ActorId, Cursor, DossierDocument, Option<Automerge>)> {
        let wanted = crate::store::projection_version().to_string();
        let ready = |conn: &Connection| -> Result<Option<ActorId>> {
            let actor = Settings::get(conn, ACTOR_KEY)?;
            let projection = Settings::get_text(conn, PROJECTION_KEY)?;
            let legacy_journal: bool = conn.query_row(
                "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE name = 'journal')",
                [],
                |r| r.get(0),
            )?;
            Ok(match actor {
                Some(actor)
                    if projection.as_deref() == Some(wanted.as_str())
                        && (!legacy_journal || key.is_none())
                        && StoredDocument::exists(conn)? =>
                {
                    Some(ActorId::from(actor))
                }
                _ => None,
            })
        };
        {
            // The common case: nothing to write. One read transaction gives a consistent
            // state and cursor.
            let tx = store.begin_read()?;
            if let Some(actor) = ready(&tx)? {
                let position = StoredDocument::position(&tx)?;
                let state = load_state(&tx)?;
                return Ok((actor, cursor_at(position), state, None));
            }
        }
        let tx = store.begin_write()?;
        let actor = match Settings::get(&tx, ACTOR_KEY)? {
            Some(bytes) => ActorId::from(bytes),
            None => {
                let actor = ActorId::random();
                Settings::put(&tx, ACTOR_KEY, actor.to_bytes())?;
                actor
            }
        };
        if let Some(key) = key {
            // Without the key an old plain journal waits for an open that has it.
            JournalStore::seal_legacy(&tx, key)?;
        }
        if !StoredDocument::exists(&tx)? {
            // A new dossier: store the genesis change right away, so every later change
            // (whoever loads the document) has its ancestor on disk.
            let genesis = genesis_document()?;
            StoredDocument::append(&tx, genesis.get_changes(&[]).iter())?;
        }
        let result = if Settings::get_text(&tx, PROJECTION_KEY)?.as_deref() == Some(&wanted) {
            let position = StoredDocument::position(&tx)?;
            (actor, cursor_at(position), load_state(&tx)?, None)
        } else {
            // Rebuilt from the document as stored now, under the lock: never a stale copy.
            let (doc, cursor, actor) = load_or_repair(&tx, actor)?;
            let mut state: DossierDocument = crate::hydrate::hydrate(&doc)?;
            Projection::rebuild(&tx, &state)?;
            apply_pending(&mut state, PendingEdits::all(&tx)?, &mut BTreeSet::new());
            Settings::put(&tx, PROJECTION_KEY, wanted.as_bytes())?;
            (actor.clone(), cursor, state, Some(doc.with_actor(actor)))
        };
        tx.commit()?;
        Ok(result)
    }

    /// The file this dossier lives in (None in memory).
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// The whole shared dossier as last written, merged or refreshed (see `refresh`).
    pub fn document(&self) -> &DossierDocument {
        &self.state
    }

    /// The Automerge document, loaded on first use and caught up with what other writers
    /// stored, for sync and export of the raw data.
    pub fn automerge(&mut self) -> Result<&Automerge> {
        Ok(&*self.current_doc()?)
    }

    pub fn role(&self) -> Actor {
        self.role
    }

    pub(crate) fn conn(&self) -> &Connection {
        self.store.conn()
    }

    /// Whether this device is linked to a bureau (then the bureau's edit rules apply here).
    pub(crate) fn is_enrolled(&self) -> Result<bool> {
        Ok(Settings::get(self.conn(), sync::SERVER_KEY)?.is_some())
    }

    pub(crate) fn journal_key(&self) -> Result<&JournalKey> {
        self.journal_key.as_ref().ok_or_else(|| KoersError::Storage {
            message: "het dagboek is nu niet te openen: de sleutelopslag van het apparaat is vergrendeld".into(),
        })
    }

    /// What changed since the last call; the FFI layer tells the shells.
    pub fn take_changes(&mut self) -> Vec<Topic> {
        std::mem::take(&mut self.changed).into_iter().collect()
    }

    pub(crate) fn mark(&mut self, topic: Topic) {
        self.changed.insert(topic);
    }

    /// Reads what other processes or objects stored in this file since this one last
    /// looked (a share extension's application, a background sync). Cheap when nothing
    /// changed; the changed topics are reported through `take_changes`. Returns whether
    /// anything was read.
    pub fn refresh(&mut self) -> Result<bool> {
        let (tx, moved) = self.caught_up(false, false)?;
        tx.commit()?;
        Ok(moved)
    }

    /// The document, loaded (or caught up) from what is stored now, with every pending write
    /// turned into a change first (sync and export of the raw data read it).
    fn current_doc(&mut self) -> Result<&mut Automerge> {
        if self.loaded_doc()?.1 > 0 {
            self.settle(|_, _, _, _| Ok(Vec::new()))?;
        }
        self.doc.as_mut().ok_or_else(not_loaded)
    }

    /// The document loaded and caught up with the stored changes, and how many pending
    /// writes are not in it yet (nothing is written).
    fn loaded_doc(&mut self) -> Result<(&Automerge, u32)> {
        let (tx, _) = self.caught_up(false, true)?;
        let pending = PendingEdits::count(&tx)?;
        tx.commit()?;
        let doc = self.doc.as_ref().ok_or_else(not_loaded)?;
        Ok((doc, u32::try_from(pending).unwrap_or(u32::MAX)))
    }

    /// Opens a transaction (with `write`, the file's write lock, waiting for other writers)
    /// and brings the state, and the document when loaded or `need_doc`, up to what is
    /// stored: the first step of every read of the document and every write.
    fn caught_up(
        &mut self,
        write: bool,
        need_doc: bool,
    ) -> Result<(rusqlite::Transaction<'_>, bool)> {
        let Self {
            store,
            doc,
            cursor,
            state,
            changed,
            actor,
            ..
        } = self;
        let tx = if write {
            store.begin_write()?
        } else {
            store.begin_read()?
        };
        let moved = catch_up(&tx, doc, cursor, state, changed, actor, need_doc)?;
        Ok((tx, moved))
    }

    /// Runs `build` on the dossier's current state and stores the edits it returns as one
    /// write; `build` also returns what the caller hands back (the new record, say).
    ///
    /// The write path every writer of the file follows: take the file's write lock (waiting
    /// for other writers), catch up with what they stored, let `build` compute the edits
    /// from that state (checking the bureau's rules), and store them as one pending write
    /// (`store::PendingEdits`): one row, committed durably. Every `MATERIALIZE_AFTER`
    /// writes the writer turns the pending ones into Automerge changes (`materialize`), in
    /// the same transaction. A change is only ever made under the lock on a document
    /// holding every stored change, so two writers can never make two different changes
    /// with the same actor and sequence number.
    pub(crate) fn commit_with<T>(
        &mut self,
        message: &str,
        build: impl FnOnce(&DossierDocument) -> Result<(Vec<Edit>, T)>,
    ) -> Result<T> {
        let now = Timestamp::now();
        let Self {
            store,
            doc,
            cursor,
            state,
            changed,
            actor,
            ..
        } = self;
        let tx = store.begin_write()?;
        catch_up(&tx, doc, cursor, state, changed, actor, false)?;
        // A refusal still commits what catching up may have had to write (a repair).
        let (edits, value) = match build(state) {
            Ok(built) => built,
            Err(e) => return tx.commit().map_err(Into::into).and(Err(e)),
        };
        if edits.is_empty() {
            tx.commit()?;
            return Ok(value);
        }
        let before = cursor.clone();
        let stored = (|| {
            cursor.seen_seq = PendingEdits::append(&tx, now.millis(), message, &edits)?;
            if PendingEdits::count(&tx)? >= MATERIALIZE_AFTER {
                // Loading the document (if this handle has not) may repair the file, which
                // reloads `state`; it then holds this write too.
                catch_up(&tx, doc, cursor, state, changed, actor, true)?;
                let doc = doc.as_mut().ok_or_else(not_loaded)?;
                materialize(&tx, doc, cursor, now.millis())?;
            }
            tx.commit()?;
            Ok(())
        })();
        match stored {
            Ok(()) => {
                for edit in edits {
                    changed.insert(edit.topic());
                    edit.apply_to_state(state);
                }
                Ok(value)
            }
            Err(e) => {
                // Memory must never run ahead of what survives: drop what was not stored.
                *doc = None;
                *cursor = before;
                *state = reread(store)?;
                Err(e)
            }
        }
    }

    /// Merges changes from another peer (the bureau, another device) given as raw change
    /// bytes, stores them and the record cache's update in one transaction, and returns how
    /// many were new. `extra` runs in the same transaction (sync stores its peer state there).
    pub fn merge_changes(
        &mut self,
        changes: Vec<Change>,
        extra: impl FnOnce(&rusqlite::Transaction<'_>) -> Result<()>,
    ) -> Result<usize> {
        self.apply_remote(|doc| Ok(doc.apply_changes(changes)?), extra)
    }

    /// Lets `f` change the document (sync applies what the bureau sent), then stores every
    /// change that appeared and brings the record cache along, all in one transaction with
    /// `extra`, under the file's write lock and after catching up with other writers and
    /// turning pending writes into changes. Only the records the new changes touched are
    /// hydrated again. On any error nothing is kept in memory that is not stored. Returns
    /// how many changes were new.
    pub fn apply_remote(
        &mut self,
        f: impl FnOnce(&mut Automerge) -> Result<()>,
        extra: impl FnOnce(&rusqlite::Transaction<'_>) -> Result<()>,
    ) -> Result<usize> {
        let mut count = 0;
        self.settle(|tx, doc, cursor, state| {
            let heads_before = doc.get_heads();
            f(doc)?;
            let new_changes = doc.get_changes(&heads_before);
            let touched = incremental::touched_by(doc, &new_changes);
            incremental::refresh(doc, state, &touched)?;
            if let Some(seq) = StoredDocument::append(tx, new_changes.iter())? {
                cursor.seen_seq = seq;
            }
            Projection::update_records(tx, state, &touched)?;
            extra(tx)?;
            count = new_changes.len();
            Ok(touched.topics().into_iter().collect())
        })?;
        Ok(count)
    }

    /// Under the file's write lock: catches up (loading the document), turns every pending
    /// write into a change, then lets `work` change the document and store more in the same
    /// transaction; it returns the topics it changed. On any error nothing of it is kept, in
    /// the file or in memory.
    fn settle(
        &mut self,
        work: impl FnOnce(
            &rusqlite::Transaction<'_>,
            &mut Automerge,
            &mut Cursor,
            &mut DossierDocument,
        ) -> Result<Vec<Topic>>,
    ) -> Result<()> {
        let now = Timestamp::now();
        let Self {
            store,
            doc: doc_slot,
            cursor,
            state,
            changed,
            actor,
            ..
        } = self;
        let tx = store.begin_write()?;
        catch_up(&tx, doc_slot, cursor, state, changed, actor, true)?;
        let before = cursor.clone();
        let stored = (|| {
            let doc = doc_slot.as_mut().ok_or_else(not_loaded)?;
            materialize(&tx, doc, cursor, now.millis())?;
            let topics = work(&tx, doc, cursor, state)?;
            tx.commit()?;
            Ok(topics)
        })();
        match stored {
            Ok(topics) => {
                changed.extend(topics);
                Ok(())
            }
            Err(e) => {
                // Nothing of it was stored: forget it in memory too.
                *doc_slot = None;
                *cursor = before;
                *state = reread(store)?;
                Err(e)
            }
        }
    }

    /// Runs `f` in one durable transaction of the local database (settings, sync state).
    pub fn write_local<T>(
        &mut self,
        f: impl FnOnce(&rusqlite::Transaction<'_>) -> Result<T>,
    ) -> Result<T> {
        self.store.write(f)
    }

    /// Replaces the whole local dossier by `doc` (used when enrolling adopts the bureau's
    /// copy), pending writes included. Local-only data (journal, settings) stays. Other
    /// handles on the file see the new epoch and read the new document from scratch.
    pub fn replace_document(
        &mut self,
        doc: Automerge,
        extra: impl FnOnce(&rusqlite::Transaction<'_>) -> Result<()>,
    ) -> Result<()> {
        let doc = doc.with_actor(self.actor.clone());
        let state: DossierDocument = crate::hydrate::hydrate(&doc)?;
        let now = Timestamp::now();
        let cursor = self.store.write(|tx| {
            let cursor = StoredDocument::replace(tx, &doc, now.millis())?;
            PendingEdits::remove_through(tx, cursor.seen_seq)?;
            Projection::rebuild(tx, &state)?;
            extra(tx)?;
            Ok(cursor)
        })?;
        self.doc = Some(doc);
        self.cursor = cursor;
        note_differences(&mut self.changed, &self.state, &state);
        self.state = state;
        Ok(())
    }

    /// Turns pending writes into changes and folds the change log into one snapshot now
    /// (also happens by itself every `COMPACT_AFTER_CHANGES` changes). Only the rows read
    /// before folding are deleted.
    pub fn compact(&mut self) -> Result<()> {
        let now = Timestamp::now();
        self.settle(|tx, doc, cursor, _| {
            StoredDocument::compact(tx, doc, cursor, now.millis())?;
            Ok(Vec::new())
        })
    }

    /// Erases the whole dossier from this file (shared document, journal, settings,
    /// credentials) so that no byte of it remains, and starts an empty one as on a new
    /// phone under a new journal key. Other handles on the file see an empty dossier.
    pub(crate) fn erase(&mut self) -> Result<()> {
        self.store.erase_everything()?;
        if let Some(path) = &self.path {
            let key_file = JournalKey::file_for(path);
            if key_file.exists() {
                std::fs::remove_file(&key_file).map_err(|e| KoersError::Storage {
                    message: format!("de sleutel van het dagboek kon niet worden verwijderd: {e}"),
                })?;
                self.journal_key = Some(JournalKey::load_or_create_beside(path)?);
            }
            // A key the platform keeps stays: nothing sealed with it is left.
        }
        let (actor, cursor, state, doc) =
            Self::prepare_file(&mut self.store, self.journal_key.as_ref())?;
        self.actor = actor;
        self.cursor = cursor;
        self.doc = doc;
        note_differences(&mut self.changed, &self.state, &state);
        self.state = state;
        self.changed.insert(Topic::Journal);
        Ok(())
    }

    /// How many stored writes wait to be made into Automerge changes (for diagnostics).
    pub fn pending_writes(&self) -> Result<i64> {
        PendingEdits::count(self.conn())
    }

    /// The schema version of the database (for diagnostics).
    pub fn schema_version(&self) -> Result<u32> {
        self.store.schema_version()
    }

    /// The newest schema this code knows.
    pub fn current_schema_version() -> u32 {
        schema::CURRENT_VERSION
    }
}

fn not_loaded() -> KoersError {
    KoersError::Document {
        message: "het gedeelde dossier kon niet worden geladen".into(),
    }
}

/// The cursor of a state read from the record cache at `position`.
fn cursor_at(position: StoredPosition) -> Cursor {
    Cursor {
        seen_seq: position.max_seq,
        folded_through: position.folded_through,
        epoch: position.epoch,
    }
}

/// Brings `state` (and `doc`, when loaded or `need_doc`) up to what is stored, inside the
/// caller's transaction. With the document loaded, only the records that others' changes
/// touched are hydrated again; without it, the record cache (written in the same
/// transaction as every stored change) is read. Pending writes others stored are applied
/// to the state (never to the document: they become changes first). Returns whether
/// anything new was read.
fn catch_up(
    conn: &Connection,
    doc_slot: &mut Option<Automerge>,
    cursor: &mut Cursor,
    state: &mut DossierDocument,
    changed: &mut BTreeSet<Topic>,
    actor: &mut ActorId,
    need_doc: bool,
) -> Result<bool> {
    if let Some(doc) = doc_slot.as_mut() {
        let heads_before = doc.get_heads();
        let seen = cursor.seen_seq;
        match StoredDocument::catch_up(conn, doc, cursor)? {
            CatchUp::Current => return read_pending(conn, seen, cursor, state, changed),
            CatchUp::Read => {
                // New change rows mean every write pending before them is a change now (a
                // change row is only added after turning them all into changes), so the
                // document holds everything they touched.
                doc.set_actor(actor.clone());
                let touched = incremental::touched_by(doc, &doc.get_changes(&heads_before));
                if let Err(e) = incremental::refresh(doc, state, &touched) {
                    // Never leave a half-refreshed state: read it whole from what is stored.
                    *state = load_state(conn)?;
                    return Err(e);
                }
                changed.extend(touched.topics());
                read_pending(conn, seen, cursor, state, changed)?;
                return Ok(true);
            }
            CatchUp::Replaced => *doc_slot = None,
        }
    }
    let position = StoredDocument::position(conn)?;
    let moved = cursor_at(position.clone()) != *cursor;
    if moved {
        let only_pending = position.epoch == cursor.epoch
            && position.max_change_seq <= cursor.seen_seq
            && position.folded_through == cursor.folded_through;
        if only_pending {
            // Only writes others made since: apply them, no need to read the whole cache.
            let seen = cursor.seen_seq;
            read_pending(conn, seen, cursor, state, changed)?;
        } else {
            if position.epoch != cursor.epoch {
                // A wipe, an adopted document or a repair may have changed the actor too.
                if let Some(bytes) = Settings::get(conn, ACTOR_KEY)? {
                    *actor = ActorId::from(bytes);
                }
            }
            let after = load_state(conn)?;
            note_differences(changed, state, &after);
            *state = after;
        }
        *cursor = cursor_at(position);
    }
    if need_doc && doc_slot.is_none() {
        let (doc, loaded, new_actor) = load_or_repair(conn, actor.clone())?;
        if loaded != *cursor || new_actor != *actor {
            // Repaired: the record cache was rebuilt with the document.
            *actor = new_actor.clone();
            let after = load_state(conn)?;
            note_differences(changed, state, &after);
            *state = after;
        }
        *cursor = loaded;
        *doc_slot = Some(doc.with_actor(new_actor));
    }
    Ok(moved)
}

/// Applies to `state` the pending writes numbered above `seen`, and moves the cursor past
/// them. Returns whether there were any.
fn read_pending(
    conn: &Connection,
    seen: i64,
    cursor: &mut Cursor,
    state: &mut DossierDocument,
    changed: &mut BTreeSet<Topic>,
) -> Result<bool> {
    let writes = PendingEdits::after(conn, seen)?;
    if let Some(last) = writes.last() {
        cursor.seen_seq = cursor.seen_seq.max(last.seq);
    }
    let any = !writes.is_empty();
    apply_pending(state, writes, changed);
    Ok(any)
}

/// Applies stored pending writes to a state, in order. Every edit puts or removes a whole
/// record, so applying a write twice leaves the same state.
fn apply_pending(
    state: &mut DossierDocument,
    writes: Vec<PendingWrite>,
    changed: &mut BTreeSet<Topic>,
) {
    for write in writes {
        for edit in write.edits {
            changed.insert(edit.topic());
            edit.apply_to_state(state);
        }
    }
}

/// The shared dossier as stored: the record cache with the pending writes on top.
fn load_state(conn: &Connection) -> Result<DossierDocument> {
    let mut state = Projection::load_document(conn)?;
    apply_pending(&mut state, PendingEdits::all(conn)?, &mut BTreeSet::new());
    Ok(state)
}

/// The state as stored now, read in one transaction (after a failed write).
fn reread(store: &mut Store) -> Result<DossierDocument> {
    let tx = store.begin_read()?;
    let state = load_state(&tx)?;
    tx.commit()?;
    Ok(state)
}

/// Turns every pending write into an Automerge change, oldest first, each with the time and
/// message of its write; stores the changes and brings the record cache along, then
/// forgets the pending writes; folds the change log when it has grown long. Call it under
/// the write lock with `doc` caught up with every stored change. On error the caller must
/// drop `doc` (it may hold changes that were not stored).
fn materialize(
    conn: &Connection,
    doc: &mut Automerge,
    cursor: &mut Cursor,
    now_ms: i64,
) -> Result<()> {
    let writes = PendingEdits::all(conn)?;
    let Some(last) = writes.last().map(|w| w.seq) else {
        return Ok(());
    };
    let mut appended = false;
    for write in &writes {
        let mut atx = doc.transaction();
        for edit in &write.edits {
            if let Err(e) = edit.apply_to_doc(&mut atx) {
                atx.rollback();
                return Err(e);
            }
        }
        let (hash, _) = atx.commit_with(
            CommitOptions::default()
                .with_message(write.message.clone())
                .with_time(write.at_ms / 1000),
        );
        if hash.is_some() {
            let change = doc
                .get_last_local_change()
                .ok_or_else(|| KoersError::Document {
                    message: "de zojuist gemaakte wijziging is niet terug te lezen".into(),
                })?;
            if let Some(seq) = StoredDocument::append(conn, std::iter::once(&change))? {
                cursor.seen_seq = cursor.seen_seq.max(seq);
                appended = true;
            }
        }
        for edit in &write.edits {
            Projection::apply_edit(conn, edit)?;
        }
    }
    PendingEdits::remove_through(conn, last)?;
    // Writes that all changed nothing leave no change row numbered above them; a fold
    // through them keeps their numbers from being handed out again.
    if !appended || StoredDocument::unfolded(conn)? >= COMPACT_AFTER_CHANGES {
        StoredDocument::compact(conn, doc, cursor, now_ms)?;
    }
    Ok(())
}

/// Loads the stored document; a dossier that the field version left with two different
/// changes under one actor and sequence number is repaired on the spot (`repair`), keeping
/// every record, under a new actor id. Returns the document, its cursor and the actor.
fn load_or_repair(conn: &Connection, actor: ActorId) -> Result<(Automerge, Cursor, ActorId)> {
    match StoredDocument::load_with_cursor(conn) {
        Ok(Some((doc, cursor))) => Ok((doc, cursor, actor)),
        Ok(None) => {
            let genesis = genesis_document()?;
            StoredDocument::append(conn, genesis.get_changes(&[]).iter())?;
            let position = StoredDocument::position(conn)?;
            Ok((genesis, cursor_at(position), actor))
        }
        Err(e) => {
            tracing::warn!("the stored dossier does not load ({e}); repairing it");
            let actor = ActorId::random();
            let doc = repair::repair(conn, actor.clone())?;
            let state: DossierDocument = crate::hydrate::hydrate(&doc)?;
            let cursor = StoredDocument::replace(conn, &doc, Timestamp::now().millis())?;
            Projection::rebuild(conn, &state)?;
            Settings::put(conn, ACTOR_KEY, actor.to_bytes())?;
            Ok((doc, cursor, actor))
        }
    }
}

fn note_differences(
    changed: &mut BTreeSet<Topic>,
    before: &DossierDocument,
    after: &DossierDocument,
) {
    if before.trajectory != after.trajectory {
        changed.insert(Topic::Trajectory);
    }
    if before.applications != after.applications {
        changed.insert(Topic::Applications);
    }
    if before.appointments != after.appointments {
        changed.insert(Topic::Appointments);
    }
    if before.actions != after.actions {
        changed.insert(Topic::Actions);
    }
    if before.comments != after.comments {
        changed.insert(Topic::Comments);
    }
}

/// The dossier at `path` as its stored change log rebuilds it, hydrated from scratch (not
/// from the record cache), with the pending writes made into changes on a copy (nothing is
/// written): for checks that the two agree.
pub fn document_from_change_log(path: &Path) -> Result<DossierDocument> {
    let mut conn = Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let tx = conn.transaction()?;
    let (mut doc, _) =
        StoredDocument::load_with_cursor(&tx)?.ok_or_else(|| KoersError::Storage {
            message: "het dossier heeft nog geen gedeeld document".into(),
        })?;
    let mut atx = doc.transaction();
    for write in PendingEdits::all(&tx)? {
        for edit in &write.edits {
            edit.apply_to_doc(&mut atx)?;
        }
    }
    atx.commit();
    Ok(crate::hydrate::hydrate(&doc)?)
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod writers_tests;
