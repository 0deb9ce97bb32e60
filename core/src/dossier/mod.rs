//! One employee's dossier on the phone: the shared Automerge document, a hydrated copy of it
//! for reads, and the SQLite store that keeps both durable. One write = one transaction.

mod actions;
mod applications;
mod appointments;
mod journal;
pub mod sync;
mod trajectory;
mod vacancies;
mod views;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use automerge::transaction::CommitOptions;
use automerge::{ActorId, Automerge, Change, ReadDoc, ROOT};
use rusqlite::Connection;

use crate::edit::collection;
pub use crate::edit::{Edit, Topic};
use crate::error::{KoersError, Result};
use crate::model::{genesis_document, Actor, DossierDocument, Timestamp, DOCUMENT_SCHEMA};
use crate::store::{schema, Projection, Settings, Store, StoredDocument, COMPACT_AFTER_CHANGES};

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
    actor: ActorId,
    state: DossierDocument,
    /// Who this device acts as; the phone is always the employee.
    role: Actor,
    changed: BTreeSet<Topic>,
}

impl Dossier {
    /// Opens the dossier in the database file at `path`, creating it on first use.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let store = Store::open(path)?;
        Self::from_store(store, Some(path.to_path_buf()))
    }

    /// A dossier that lives only in memory (tests, previews).
    pub fn open_in_memory() -> Result<Self> {
        Self::from_store(Store::open_in_memory()?, None)
    }

    fn from_store(mut store: Store, path: Option<PathBuf>) -> Result<Self> {
        let actor = Self::device_actor(&mut store)?;
        let wanted = crate::store::projection_version().to_string();
        let have = Settings::get_text(store.conn(), PROJECTION_KEY)?;
        let mut dossier = Self {
            path,
            store,
            doc: None,
            actor,
            state: DossierDocument::default(),
            role: Actor::Employee,
            changed: BTreeSet::new(),
        };
        if !StoredDocument::exists(dossier.store.conn())? {
            // A new dossier: store the genesis change right away, so every later change
            // (whoever loads the document) has its ancestor on disk.
            let genesis = genesis_document()?;
            let changes = genesis.get_changes(&[]);
            dossier
                .store
                .write(|tx| StoredDocument::append(tx, changes.iter()))?;
        }
        if have.as_deref() == Some(wanted.as_str()) {
            // The cache is written in the same transaction as every change of the document,
            // so when its version is current it is the document's state.
            dossier.state = Projection::load_document(dossier.store.conn())?;
        } else {
            let doc = dossier.load_document()?;
            let state: DossierDocument = autosurgeon::hydrate(&doc)?;
            dossier.store.write(|tx| {
                Projection::rebuild(tx, &state)?;
                Settings::put(tx, PROJECTION_KEY, wanted.as_bytes())
            })?;
            dossier.state = state;
            dossier.doc = Some(doc);
        }
        if dossier.state.schema > DOCUMENT_SCHEMA {
            return Err(KoersError::Document {
                message: format!(
                    "this dossier was written by a newer version of Koers (document schema {}); update the app",
                    dossier.state.schema
                ),
            });
        }
        Ok(dossier)
    }

    /// Reads the document from the store, writing the genesis change on first use.
    fn load_document(&mut self) -> Result<Automerge> {
        let doc = match StoredDocument::load(self.store.conn())? {
            Some(doc) => doc,
            None => {
                let genesis = genesis_document()?;
                let changes = genesis.get_changes(&[]);
                self.store
                    .write(|tx| StoredDocument::append(tx, changes.iter()))?;
                genesis
            }
        };
        Ok(doc.with_actor(self.actor.clone()))
    }

    /// Installs a document read in the background (see `load_document_at`), unless a write
    /// already loaded it.
    pub fn install_preloaded(&mut self, doc: Automerge) {
        if self.doc.is_none() {
            self.doc = Some(doc.with_actor(self.actor.clone()));
        }
    }

    /// The document, loading it if this is its first use since opening.
    fn doc_mut(&mut self) -> Result<&mut Automerge> {
        if self.doc.is_none() {
            let doc = self.load_document()?;
            self.doc = Some(doc);
        }
        self.doc.as_mut().ok_or_else(|| KoersError::Document {
            message: "the dossier's document could not be loaded".into(),
        })
    }

    /// This device's Automerge actor id, made once and kept.
    fn device_actor(store: &mut Store) -> Result<ActorId> {
        if let Some(bytes) = Settings::get(store.conn(), ACTOR_KEY)? {
            return Ok(ActorId::from(bytes));
        }
        let actor = ActorId::random();
        store.write(|tx| Settings::put(tx, ACTOR_KEY, actor.to_bytes()))?;
        Ok(actor)
    }

    /// The file this dossier lives in (None in memory).
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// The whole shared dossier as last written or merged.
    pub fn document(&self) -> &DossierDocument {
        &self.state
    }

    /// The Automerge document (loaded on first use), for sync and export of the raw data.
    pub fn automerge(&mut self) -> Result<&Automerge> {
        Ok(&*self.doc_mut()?)
    }

    pub fn role(&self) -> Actor {
        self.role
    }

    pub(crate) fn conn(&self) -> &Connection {
        self.store.conn()
    }

    /// What changed since the last call; the FFI layer tells the shells.
    pub fn take_changes(&mut self) -> Vec<Topic> {
        std::mem::take(&mut self.changed).into_iter().collect()
    }

    pub(crate) fn mark(&mut self, topic: Topic) {
        self.changed.insert(topic);
    }

    /// Runs `build` on the dossier's current state and stores the edits it returns as one
    /// change; `build` also returns what the caller hands back (the new record, say).
    /// `build` sees the state as stored by every writer of the file, under the file's write
    /// lock, so edits are never computed from a stale copy.
    pub(crate) fn commit_with<T>(
        &mut self,
        message: &str,
        build: impl FnOnce(&DossierDocument) -> Result<(Vec<Edit>, T)>,
    ) -> Result<T> {
        let (edits, value) = build(&self.state)?;
        self.commit_edits(message, edits)?;
        Ok(value)
    }

    fn commit_edits(&mut self, message: &str, edits: Vec<Edit>) -> Result<()> {
        if edits.is_empty() {
            return Ok(());
        }
        if self.is_enrolled()? {
            self.check_rules(&edits)?;
        }
        let now = Timestamp::now();
        let doc = self.doc_mut()?;
        let mut tx = doc.transaction();
        for edit in &edits {
            if let Err(e) = edit.apply_to_doc(&mut tx) {
                tx.rollback();
                return Err(e);
            }
        }
        let (hash, _) = tx.commit_with(
            CommitOptions::default()
                .with_message(message.to_string())
                .with_time(now.millis() / 1000),
        );
        if hash.is_none() {
            return Ok(()); // nothing actually changed
        }
        let change = doc
            .get_last_local_change()
            .ok_or_else(|| KoersError::Document {
                message: "the change just made could not be read back".into(),
            })?;
        match self.persist(&change, &edits, now) {
            Ok(()) => {
                for edit in edits {
                    self.changed.insert(edit.topic());
                    edit.apply_to_state(&mut self.state);
                }
                Ok(())
            }
            Err(e) => {
                self.reload()?;
                Err(e)
            }
        }
    }

    fn persist(&mut self, change: &Change, edits: &[Edit], now: Timestamp) -> Result<()> {
        let doc = self.doc.as_ref();
        self.store.write(|tx| {
            StoredDocument::append(tx, std::iter::once(change))?;
            for edit in edits {
                match edit {
                    Edit::PutApplication(a) => Projection::put_application(tx, a)?,
                    Edit::RemoveApplication(id) => Projection::delete_application(tx, id)?,
                    Edit::PutAppointment(a) => Projection::put_appointment(tx, a)?,
                    Edit::PutAction(a) => Projection::put_action(tx, a)?,
                    Edit::RemoveAction(id) => Projection::delete_action(tx, id)?,
                    Edit::PutComment(c) => Projection::put_comment(tx, c)?,
                    Edit::PutTrajectory(t) => Projection::put_trajectory(tx, t)?,
                    Edit::PutSchema(v) => Projection::put_schema(tx, *v)?,
                }
            }
            if let Some(doc) = doc {
                if StoredDocument::pending_changes(tx)? >= COMPACT_AFTER_CHANGES {
                    StoredDocument::compact(tx, doc, now.millis())?;
                }
            }
            Ok(())
        })
    }

    /// Whether this device is linked to a bureau (then the bureau's edit rules apply here).
    fn is_enrolled(&self) -> Result<bool> {
        Ok(Settings::get(self.conn(), sync::SERVER_KEY)?.is_some())
    }

    /// Refuses, before anything is written, an edit the bureau would undo (`crate::rules`):
    /// on a linked phone the coach owns the trajectory and their appointments and actions.
    /// Only the records the edits touch are compared, so this stays cheap.
    fn check_rules(&self, edits: &[Edit]) -> Result<()> {
        let mut before = DossierDocument {
            schema: self.state.schema,
            trajectory: self.state.trajectory.clone(),
            ..Default::default()
        };
        for edit in edits {
            let (collection, id) = match edit {
                Edit::PutApplication(a) => ("applications", a.id.as_str()),
                Edit::RemoveApplication(id) => ("applications", id.as_str()),
                Edit::PutAppointment(a) => ("appointments", a.id.as_str()),
                Edit::PutAction(a) => ("actions", a.id.as_str()),
                Edit::RemoveAction(id) => ("actions", id.as_str()),
                Edit::PutComment(c) => ("comments", c.id.as_str()),
                Edit::PutTrajectory(_) | Edit::PutSchema(_) => continue,
            };
            let s = &self.state;
            match collection {
                "applications" => copy_entry(&s.applications, &mut before.applications, id),
                "appointments" => copy_entry(&s.appointments, &mut before.appointments, id),
                "actions" => copy_entry(&s.actions, &mut before.actions, id),
                _ => copy_entry(&s.comments, &mut before.comments, id),
            }
        }
        let mut after = before.clone();
        for edit in edits {
            edit.clone().apply_to_state(&mut after);
        }
        crate::rules::check_edit(self.role, &before, &after).map_err(|v| {
            KoersError::invalid(
                v.path.split(['.', '/']).next().unwrap_or("dossier"),
                v.reason,
            )
        })
    }

    /// Throws away the in-memory state and reads it back from the database.
    fn reload(&mut self) -> Result<()> {
        self.doc = None;
        self.state = Projection::load_document(self.store.conn())?;
        Ok(())
    }

    /// Merges changes from another peer (the bureau, another device) given as raw change
    /// bytes, stores them and the query tables' update in one transaction, and returns how
    /// many were new. `extra` runs in the same transaction (sync stores its peer state there).
    pub fn merge_changes(
        &mut self,
        changes: Vec<Change>,
        extra: impl FnOnce(&rusqlite::Transaction<'_>) -> Result<()>,
    ) -> Result<usize> {
        self.apply_remote(|doc| Ok(doc.apply_changes(changes)?), extra)
    }

    /// Lets `f` change the document (sync applies what the bureau sent), then stores every
    /// change that appeared and brings the query tables along, all in one transaction with
    /// `extra`. Only the records the new changes touched are hydrated again. On any error
    /// the in-memory state is reloaded from disk. Returns how many changes were new.
    pub fn apply_remote(
        &mut self,
        f: impl FnOnce(&mut Automerge) -> Result<()>,
        extra: impl FnOnce(&rusqlite::Transaction<'_>) -> Result<()>,
    ) -> Result<usize> {
        self.doc_mut()?;
        let Some(doc) = self.doc.as_mut() else {
            return Err(KoersError::Document {
                message: "the dossier's document could not be loaded".into(),
            });
        };
        let heads_before = doc.get_heads();
        if let Err(e) = f(doc) {
            self.reload()?;
            return Err(e);
        }
        let new_changes = doc.get_changes(&heads_before);
        let after = match rehydrate(doc, &heads_before, &self.state) {
            Ok(after) => after,
            Err(e) => {
                self.reload()?;
                return Err(e);
            }
        };
        let before = &self.state;
        let result = self.store.write(|tx| {
            StoredDocument::append(tx, new_changes.iter())?;
            Projection::update(tx, before, &after)?;
            extra(tx)
        });
        if let Err(e) = result {
            self.reload()?;
            return Err(e);
        }
        self.note_differences(&after);
        self.state = after;
        Ok(new_changes.len())
    }

    fn note_differences(&mut self, after: &DossierDocument) {
        let before = &self.state;
        let mut topics = Vec::new();
        if before.trajectory != after.trajectory {
            topics.push(Topic::Trajectory);
        }
        if before.applications != after.applications {
            topics.push(Topic::Applications);
        }
        if before.appointments != after.appointments {
            topics.push(Topic::Appointments);
        }
        if before.actions != after.actions {
            topics.push(Topic::Actions);
        }
        if before.comments != after.comments {
            topics.push(Topic::Comments);
        }
        self.changed.extend(topics);
    }

    /// Runs `f` in one durable transaction of the local database (settings, sync state).
    pub fn write_local<T>(
        &mut self,
        f: impl FnOnce(&rusqlite::Transaction<'_>) -> Result<T>,
    ) -> Result<T> {
        self.store.write(f)
    }

    /// Replaces the whole local dossier by `doc` (used when enrolling adopts the bureau's
    /// copy). Local-only data (journal, settings) stays.
    pub fn replace_document(
        &mut self,
        doc: Automerge,
        extra: impl FnOnce(&rusqlite::Transaction<'_>) -> Result<()>,
    ) -> Result<()> {
        let doc = doc.with_actor(self.actor.clone());
        let state: DossierDocument = autosurgeon::hydrate(&doc)?;
        let now = Timestamp::now();
        self.store.write(|tx| {
            tx.execute("DELETE FROM document_changes", [])?;
            StoredDocument::compact(tx, &doc, now.millis())?;
            Projection::rebuild(tx, &state)?;
            extra(tx)
        })?;
        self.doc = Some(doc);
        self.note_differences(&state);
        self.state = state;
        Ok(())
    }

    /// Folds the change log into one snapshot now (also happens by itself every
    /// `COMPACT_AFTER_CHANGES` writes).
    pub fn compact(&mut self) -> Result<()> {
        let now = Timestamp::now();
        self.doc_mut()?;
        let doc = self.doc.as_ref();
        self.store.write(|tx| match doc {
            Some(doc) => StoredDocument::compact(tx, doc, now.millis()),
            None => Ok(()),
        })
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

/// The state after changes since `heads_before`: only the records those changes touched are
/// read from the document again; a change at the root hydrates everything.
fn rehydrate(
    doc: &Automerge,
    heads_before: &[automerge::ChangeHash],
    before: &DossierDocument,
) -> Result<DossierDocument> {
    use automerge::{PatchAction, Prop};
    let heads_after = doc.get_heads();
    if heads_after == heads_before {
        return Ok(before.clone());
    }
    let patches = doc.diff(heads_before, &heads_after);
    let mut touched: BTreeSet<(String, Option<String>)> = BTreeSet::new();
    for patch in &patches {
        let key_of = |prop: &Prop| match prop {
            Prop::Map(k) => Some(k.to_string()),
            Prop::Seq(_) => None,
        };
        let (collection, id) = match patch.path.as_slice() {
            [] => match &patch.action {
                PatchAction::PutMap { key, .. } | PatchAction::DeleteMap { key } => {
                    (key.to_string(), None)
                }
                _ => ("*".to_string(), None),
            },
            [(_, first)] => {
                let id = match &patch.action {
                    PatchAction::PutMap { key, .. } | PatchAction::DeleteMap { key } => {
                        Some(key.to_string())
                    }
                    _ => None,
                };
                (key_of(first).unwrap_or_else(|| "*".into()), id)
            }
            [(_, first), (_, second), ..] => {
                (key_of(first).unwrap_or_else(|| "*".into()), key_of(second))
            }
        };
        touched.insert((collection, id));
    }
    let mut after = before.clone();
    for (collection, id) in touched {
        match (collection.as_str(), id) {
            ("applications", Some(id)) => {
                refresh(doc, "applications", &id, &mut after.applications)?
            }
            ("appointments", Some(id)) => {
                refresh(doc, "appointments", &id, &mut after.appointments)?
            }
            ("actions", Some(id)) => refresh(doc, "actions", &id, &mut after.actions)?,
            ("comments", Some(id)) => refresh(doc, "comments", &id, &mut after.comments)?,
            ("trajectory", _) => {
                after.trajectory = autosurgeon::hydrate_prop(doc, &ROOT, "trajectory")?;
            }
            _ => return Ok(autosurgeon::hydrate(doc)?),
        }
    }
    Ok(after)
}

/// Reads one record of a root collection again (or drops it when it was deleted).
fn refresh<T: autosurgeon::Hydrate>(
    doc: &Automerge,
    collection_name: &str,
    id: &str,
    into: &mut std::collections::BTreeMap<String, T>,
) -> Result<()> {
    let obj = collection(doc, collection_name)?;
    match doc.get(&obj, id)? {
        Some(_) => {
            into.insert(id.to_string(), autosurgeon::hydrate_prop(doc, &obj, id)?);
        }
        None => {
            into.remove(id);
        }
    }
    Ok(())
}

/// Reads the stored document of the dossier at `path` on a connection of its own, so a
/// shell can warm it up in the background.
pub fn load_document_at(path: &Path) -> Result<Automerge> {
    let conn = Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    StoredDocument::load(&conn)?.ok_or_else(|| KoersError::Storage {
        message: "the dossier has no document yet".into(),
    })
}

fn copy_entry<T: Clone>(
    from: &std::collections::BTreeMap<String, T>,
    to: &mut std::collections::BTreeMap<String, T>,
    id: &str,
) {
    if let Some(v) = from.get(id) {
        to.insert(id.to_string(), v.clone());
    }
}

#[cfg(test)]
mod tests;
