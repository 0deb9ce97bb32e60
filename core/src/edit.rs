//! An edit of the shared document: the unit that operations produce and that the phone's
//! store and the bureau both apply, each to its own Automerge document and derived state.

use automerge::{ObjType, ReadDoc, ROOT};

use crate::error::{KoersError, Result};
use crate::model::{Action, Application, Appointment, Comment, DossierDocument, Trajectory};

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
#[derive(Debug, Clone, PartialEq)]
pub enum Edit {
    PutApplication(Application),
    /// Removes an application and the comments on it (they are about nothing any more).
    RemoveApplication(String),
    PutAppointment(Appointment),
    PutAction(Action),
    RemoveAction(String),
    PutComment(Comment),
    PutTrajectory(Trajectory),
    /// Raises the document's shape version (`crate::ops` does, with a peer's first write to
    /// a document of an older shape).
    PutSchema(u64),
}

impl Edit {
    pub fn topic(&self) -> Topic {
        match self {
            Edit::PutApplication(_) | Edit::RemoveApplication(_) => Topic::Applications,
            Edit::PutAppointment(_) => Topic::Appointments,
            Edit::PutAction(_) | Edit::RemoveAction(_) => Topic::Actions,
            Edit::PutComment(_) => Topic::Comments,
            Edit::PutTrajectory(_) | Edit::PutSchema(_) => Topic::Trajectory,
        }
    }

    /// Writes this edit into an open Automerge transaction.
    pub fn apply_to_doc(&self, tx: &mut automerge::transaction::Transaction<'_>) -> Result<()> {
        use automerge::transaction::Transactable;
        match self {
            Edit::PutApplication(a) => {
                autosurgeon::reconcile_prop(tx, ROOT, "applications", Entry(&a.id, a))?;
            }
            Edit::RemoveApplication(id) => {
                let obj = collection(tx, "applications")?;
                tx.delete(&obj, id.as_str())?;
                let comments = collection(tx, "comments")?;
                for key in comments_on(tx, &comments, id)? {
                    tx.delete(&comments, key.as_str())?;
                }
            }
            Edit::PutAppointment(a) => {
                autosurgeon::reconcile_prop(tx, ROOT, "appointments", Entry(&a.id, a))?;
            }
            Edit::PutAction(a) => {
                autosurgeon::reconcile_prop(tx, ROOT, "actions", Entry(&a.id, a))?;
            }
            Edit::RemoveAction(id) => {
                let obj = collection(tx, "actions")?;
                tx.delete(&obj, id.as_str())?;
            }
            Edit::PutComment(c) => {
                autosurgeon::reconcile_prop(tx, ROOT, "comments", Entry(&c.id, c))?;
            }
            Edit::PutTrajectory(t) => {
                autosurgeon::reconcile_prop(tx, ROOT, "trajectory", t)?;
            }
            Edit::PutSchema(v) => {
                tx.put(ROOT, "schema", *v)?;
            }
        }
        Ok(())
    }

    /// Applies this edit to a hydrated copy of the document.
    pub fn apply_to_state(self, state: &mut DossierDocument) {
        match self {
            Edit::PutApplication(a) => {
                state.applications.insert(a.id.clone(), a);
            }
            Edit::RemoveApplication(id) => {
                state.applications.remove(&id);
                state
                    .comments
                    .retain(|_, c| c.application_id.as_deref() != Some(id.as_str()));
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
            Edit::PutSchema(v) => state.schema = v,
        }
    }
}

/// The object id of one of the root collections, created by the genesis change.
pub(crate) fn collection(tx: &impl ReadDoc, name: &str) -> Result<automerge::ObjId> {
    match tx.get(ROOT, name)? {
        Some((automerge::Value::Object(ObjType::Map), id)) => Ok(id),
        _ => Err(KoersError::Document {
            message: format!("het dossier heeft geen verzameling {name}"),
        }),
    }
}

/// The keys of the comments in `comments` about application `id`.
fn comments_on(doc: &impl ReadDoc, comments: &automerge::ObjId, id: &str) -> Result<Vec<String>> {
    let mut keys = Vec::new();
    for key in doc.keys(comments) {
        let Some((automerge::Value::Object(_), comment)) = doc.get(comments, key.as_str())? else {
            continue;
        };
        if let Some((value, _)) = doc.get(&comment, "application_id")? {
            if value.as_str() == Some(id) {
                keys.push(key);
            }
        }
    }
    Ok(keys)
}

/// One record put into a root collection, reconciled through the collection's map so that a
/// new record (whose `#[key]` id is not there yet) is created in one batch instead of field
/// by field, and an existing one is reconciled in place.
struct Entry<'a, T>(&'a str, &'a T);

impl<T: autosurgeon::Reconcile> autosurgeon::Reconcile for Entry<'_, T> {
    type Key<'k> = autosurgeon::reconcile::NoKey;

    fn reconcile<R: autosurgeon::Reconciler>(&self, mut reconciler: R) -> Result<(), R::Error> {
        use autosurgeon::reconcile::MapReconciler;
        let mut map = reconciler.map()?;
        map.put(self.0, self.1)
    }
}
