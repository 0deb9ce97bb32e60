//! One employee's dossier on the phone: the shared Automerge document, a hydrated copy of it
//! for reads, and the SQLite store that keeps both durable. One write = one transaction.

mod actions;
mod applications;
mod appointments;
mod journal;
mod trajectory;
mod vacancies;
mod views;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use automerge::transaction::CommitOptions;
use automerge::{ActorId, Automerge, Change, ObjType, ReadDoc, ROOT};
use rusqlite::Connection;

use crate::error::{KoersError, Result};
use crate::model::{
    genesis_document, Action, Actor, Application, Appointment, Comment, DossierDocument, Timestamp,
    Trajectory, DOCUMENT_SCHEMA,
};
use crate::store::{schema, Projection, Settings, Store, StoredDocument, COMPACT_AFTER_CHANGES};

pub use actions::NewAction;
pub use applications::{ApplicationPatch, NewApplication};
pub use appointments::{AppointmentPatch, NewAppointment};
pub use trajectory::TrajectoryPatch;
pub use vacancies::EnrichReport;
pub use views::{write_atomically, ExportFormat, ExportOptions};

const ACTOR_KEY: &str = "actor_id";
const PROJECTION_KEY: &str = "projection_version";

/// What changed in a write, so a shell can refresh just those screens.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, uniffi::Enum, serde::Serialize,
)]
pub enum Topic {
    Trajectory,
    Applications,
    Appointments,
    Actions,
    Comments,
    Journal,
    Sync,
}

/// One edit of the shared document, applied in place at its own key so that concurrent
/// edits to other records merge untouched.
pub(crate) enum Edit {
    PutApplication(Application),
    RemoveApplication(String),
    PutAppointment(Appointment),
    PutAction(Action),
    RemoveAction(String),
    PutComment(Comment),
    PutTrajectory(Trajectory),
}

impl Edit {
    fn topic(&self) -> Topic {
        match self {
            Edit::PutApplication(_) | Edit::RemoveApplication(_) => Topic::Applications,
            Edit::PutAppointment(_) => Topic::Appointments,
            Edit::PutAction(_) | Edit::RemoveAction(_) => Topic::Actions,
            Edit::PutComment(_) => Topic::Comments,
            Edit::PutTrajectory(_) => Topic::Trajectory,
        }
    }
}

pub struct Dossier {
    path: Option<PathBuf>,
    store: Store,
    doc: Automerge,
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
        let doc = match StoredDocument::load(store.conn())? {
            Some(doc) => doc,
            None => {
                let genesis = genesis_document()?;
                let changes = genesis.get_changes(&[]);
                store.write(|tx| StoredDocument::append(tx, changes.iter()))?;
                genesis
            }
        }
        .with_actor(actor);
        let state: DossierDocument = autosurgeon::hydrate(&doc)?;
        if state.schema > DOCUMENT_SCHEMA {
            return Err(KoersError::Document {
                message: format!(
                    "this dossier was written by a newer version of Koers (document schema {}); update the app",
                    state.schema
                ),
            });
        }
        let mut dossier = Self {
            path,
            store,
            doc,
            state,
            role: Actor::Employee,
            changed: BTreeSet::new(),
        };
        dossier.ensure_projection()?;
        Ok(dossier)
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

    /// Rebuilds the query tables when they were made by an older version (or never).
    fn ensure_projection(&mut self) -> Result<()> {
        let wanted = crate::store::projection_version().to_string();
        let have = Settings::get_text(self.store.conn(), PROJECTION_KEY)?;
        if have.as_deref() != Some(wanted.as_str()) {
            let state = &self.state;
            self.store.write(|tx| {
                Projection::rebuild(tx, state)?;
                Settings::put(tx, PROJECTION_KEY, wanted.as_bytes())
            })?;
        }
        Ok(())
    }

    /// The file this dossier lives in (None in memory).
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// The whole shared dossier as last written or merged.
    pub fn document(&self) -> &DossierDocument {
        &self.state
    }

    /// The Automerge document, for sync.
    pub fn automerge(&self) -> &Automerge {
        &self.doc
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

    /// Applies `edits` as one Automerge change and stores it, with the query tables, in one
    /// durable transaction. If storing fails, the in-memory document is reloaded from disk
    /// so memory never runs ahead of what survives a crash.
    pub(crate) fn commit(&mut self, message: &str, edits: Vec<Edit>) -> Result<()> {
        if edits.is_empty() {
            return Ok(());
        }
        let now = Timestamp::now();
        let mut tx = self.doc.transaction();
        for edit in &edits {
            apply_edit(&mut tx, edit)?;
        }
        let (hash, _) = tx.commit_with(
            CommitOptions::default()
                .with_message(message.to_string())
                .with_time(now.millis() / 1000),
        );
        if hash.is_none() {
            return Ok(()); // nothing actually changed
        }
        let change = self
            .doc
            .get_last_local_change()
            .ok_or_else(|| KoersError::Document {
                message: "the change just made could not be read back".into(),
            })?;
        let result = self.persist(&change, &edits, now);
        match result {
            Ok(()) => {
                for edit in edits {
                    self.changed.insert(edit.topic());
                    apply_to_state(&mut self.state, edit);
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
        let doc = &self.doc;
        self.store.write(|tx| {
            StoredDocument::append(tx, std::iter::once(change))?;
            for edit in edits {
                match edit {
                    Edit::PutApplication(a) => Projection::put_application(tx, a)?,
                    Edit::RemoveApplication(id) => Projection::delete_application(tx, id)?,
                    Edit::PutAppointment(a) => Projection::put_appointment(tx, a)?,
                    Edit::PutAction(a) => Projection::put_action(tx, a)?,
                    Edit::RemoveAction(id) => Projection::delete_action(tx, id)?,
                    Edit::PutComment(_) | Edit::PutTrajectory(_) => {}
                }
            }
            if StoredDocument::pending_changes(tx)? >= COMPACT_AFTER_CHANGES {
                StoredDocument::compact(tx, doc, now.millis())?;
            }
            Ok(())
        })
    }

    /// Throws away the in-memory state and reads it back from the database.
    fn reload(&mut self) -> Result<()> {
        let actor = self.doc.get_actor().clone();
        let doc = StoredDocument::load(self.store.conn())?
            .ok_or_else(|| KoersError::Storage {
                message: "the dossier disappeared from the database".into(),
            })?
            .with_actor(actor);
        self.state = autosurgeon::hydrate(&doc)?;
        self.doc = doc;
        Ok(())
    }

    /// Merges changes from another peer (the bureau, another device), stores them and the
    /// query tables' update in one transaction, and returns how many were new.
    /// `extra` runs in the same transaction (sync uses it to store its peer state).
    pub fn merge_changes(
        &mut self,
        changes: Vec<Change>,
        extra: impl FnOnce(&rusqlite::Transaction<'_>) -> Result<()>,
    ) -> Result<usize> {
        let heads_before = self.doc.get_heads();
        self.doc.apply_changes(changes)?;
        let new_changes = self.doc.get_changes(&heads_before);
        let after: DossierDocument = match autosurgeon::hydrate(&self.doc) {
            Ok(after) => after,
            Err(e) => {
                self.reload()?;
                return Err(e.into());
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
        let actor = self.doc.get_actor().clone();
        let doc = doc.with_actor(actor);
        let state: DossierDocument = autosurgeon::hydrate(&doc)?;
        let now = Timestamp::now();
        self.store.write(|tx| {
            tx.execute("DELETE FROM document_changes", [])?;
            StoredDocument::compact(tx, &doc, now.millis())?;
            Projection::rebuild(tx, &state)?;
            extra(tx)
        })?;
        self.doc = doc;
        self.note_differences(&state);
        self.state = state;
        Ok(())
    }

    /// Folds the change log into one snapshot now (also happens by itself every
    /// `COMPACT_AFTER_CHANGES` writes).
    pub fn compact(&mut self) -> Result<()> {
        let doc = &self.doc;
        let now = Timestamp::now();
        self.store
            .write(|tx| StoredDocument::compact(tx, doc, now.millis()))
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

/// The object id of one of the root collections, created by the genesis change.
fn collection(tx: &impl ReadDoc, name: &str) -> Result<automerge::ObjId> {
    match tx.get(ROOT, name)? {
        Some((automerge::Value::Object(ObjType::Map), id)) => Ok(id),
        _ => Err(KoersError::Document {
            message: format!("the dossier has no {name} collection"),
        }),
    }
}

fn apply_edit(tx: &mut automerge::transaction::Transaction<'_>, edit: &Edit) -> Result<()> {
    use automerge::transaction::Transactable;
    match edit {
        Edit::PutApplication(a) => {
            let obj = collection(tx, "applications")?;
            autosurgeon::reconcile_prop(tx, obj, a.id.as_str(), a)?;
        }
        Edit::RemoveApplication(id) => {
            let obj = collection(tx, "applications")?;
            tx.delete(&obj, id.as_str())?;
        }
        Edit::PutAppointment(a) => {
            let obj = collection(tx, "appointments")?;
            autosurgeon::reconcile_prop(tx, obj, a.id.as_str(), a)?;
        }
        Edit::PutAction(a) => {
            let obj = collection(tx, "actions")?;
            autosurgeon::reconcile_prop(tx, obj, a.id.as_str(), a)?;
        }
        Edit::RemoveAction(id) => {
            let obj = collection(tx, "actions")?;
            tx.delete(&obj, id.as_str())?;
        }
        Edit::PutComment(c) => {
            let obj = collection(tx, "comments")?;
            autosurgeon::reconcile_prop(tx, obj, c.id.as_str(), c)?;
        }
        Edit::PutTrajectory(t) => {
            autosurgeon::reconcile_prop(tx, ROOT, "trajectory", t)?;
        }
    }
    Ok(())
}

fn apply_to_state(state: &mut DossierDocument, edit: Edit) {
    match edit {
        Edit::PutApplication(a) => {
            state.applications.insert(a.id.clone(), a);
        }
        Edit::RemoveApplication(id) => {
            state.applications.remove(&id);
        }
        Edit::PutAppointment(a) => {
            state.appointments.insert(a.id.clone(), a);
        }
        Edit::PutAction(a) => {
            state.actions.insert(a.id.clone(), a);
        }
        Edit::RemoveAction(id) => {
            state.actions.remove(&id);
        }
        Edit::PutComment(c) => {
            state.comments.insert(c.id.clone(), c);
        }
        Edit::PutTrajectory(t) => state.trajectory = t,
    }
}

#[cfg(test)]
mod tests;
