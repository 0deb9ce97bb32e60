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
/// edits to other records merge untouched. Serialised while it waits in the phone's store
/// to become an Automerge change (`store::PendingEdits`).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
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
                reconcile_record(tx, "applications", Entry(&a.id, a))?;
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
                reconcile_record(tx, "appointments", Entry(&a.id, a))?;
            }
            Edit::PutAction(a) => {
                reconcile_record(tx, "actions", Entry(&a.id, a))?;
            }
            Edit::RemoveAction(id) => {
                let obj = collection(tx, "actions")?;
                tx.delete(&obj, id.as_str())?;
            }
            Edit::PutComment(c) => {
                reconcile_record(tx, "comments", Entry(&c.id, c))?;
            }
            Edit::PutTrajectory(t) => {
                autosurgeon::reconcile_prop(
                    &mut crate::hydrate::Prefetched::new(tx, vec![ROOT]),
                    ROOT,
                    "trajectory",
                    t,
                )?;
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

/// Reconciles `entry` into the root collection `name`, reading what is there through
/// `hydrate::Prefetched` over the transaction (each object of the record read in one pass, the root and the
/// collection key by key).
fn reconcile_record<T: autosurgeon::Reconcile>(
    tx: &mut automerge::transaction::Transaction<'_>,
    name: &str,
    entry: Entry<'_, T>,
) -> Result<()> {
    let mut one_by_one = vec![ROOT];
    if let Some((automerge::Value::Object(_), id)) = tx.get(ROOT, name)? {
        one_by_one.push(id);
    }
    autosurgeon::reconcile_prop(
        &mut crate::hydrate::Prefetched::new(tx, one_by_one),
        ROOT,
        name,
        entry,
    )?;
    Ok(())
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

#[cfg(test)]
mod tests {
    use automerge::transaction::CommitOptions;
    use automerge::{ActorId, Automerge};

    use super::*;
    use crate::demo::{fill_fast, DossierSize};
    use crate::dossier::Dossier;
    use crate::model::{ApplicationStatus, LocalDate, StatusChange};

    /// The plain autosurgeon way every edit was written before `hydrate::Prefetched` read transactions.
    fn plain(tx: &mut automerge::transaction::Transaction<'_>, edit: &Edit) {
        match edit {
            Edit::PutApplication(a) => {
                autosurgeon::reconcile_prop(tx, ROOT, "applications", Entry(&a.id, a)).unwrap()
            }
            Edit::PutAction(a) => {
                autosurgeon::reconcile_prop(tx, ROOT, "actions", Entry(&a.id, a)).unwrap()
            }
            Edit::PutTrajectory(t) => {
                autosurgeon::reconcile_prop(tx, ROOT, "trajectory", t).unwrap()
            }
            other => other.apply_to_doc(tx).unwrap(),
        }
    }

    fn commit(
        doc: &mut Automerge,
        write: impl FnOnce(&mut automerge::transaction::Transaction<'_>),
    ) -> Vec<u8> {
        let mut tx = doc.transaction();
        write(&mut tx);
        tx.commit_with(CommitOptions::default().with_time(0));
        doc.get_last_local_change().unwrap().raw_bytes().to_vec()
    }

    /// Reading through `Prefetched` changes nothing about what is written: every kind of
    /// record edit (a status with its history entry, cleared and new fields, a new record, a
    /// changed trajectory, an action done) makes byte for byte the change plain autosurgeon
    /// makes.
    #[test]
    fn edits_write_the_same_change_as_plain_autosurgeon() {
        let mut dossier = Dossier::open_in_memory().unwrap();
        let size = DossierSize {
            applications: 30,
            ..DossierSize::TWO_YEARS
        };
        fill_fast(&mut dossier, size, LocalDate::today(), 9).unwrap();
        let base = dossier
            .automerge()
            .unwrap()
            .clone()
            .with_actor(ActorId::from([9; 16]));
        let state = dossier.document().clone();
        let mut apps = state.applications.values().cloned();
        let mut moved = apps.next().unwrap();
        moved.status = ApplicationStatus::Offer;
        moved.history.push(StatusChange {
            status: ApplicationStatus::Offer,
            at: moved.updated_at,
            by: crate::model::Actor::Coach,
        });
        let mut cleared = apps.next().unwrap();
        cleared.notes = "Nieuwe notitie".into();
        cleared.contact = None;
        cleared.location = Some("Zeist".into());
        cleared.history.truncate(1);
        // A history rewritten in the middle: the list diff deletes, inserts and then reads
        // elements at the positions its own writes moved.
        let mut rewritten = apps.next().unwrap();
        let entry = StatusChange {
            status: ApplicationStatus::Withdrawn,
            at: rewritten.updated_at,
            by: crate::model::Actor::Employee,
        };
        rewritten.history.remove(0);
        let middle = rewritten.history.len() / 2;
        rewritten.history.insert(middle, entry.clone());
        rewritten.history.push(entry);
        let mut new = cleared.clone();
        new.id = "nieuw".into();
        let mut trajectory = state.trajectory.clone();
        trajectory.weekly_target += 2;
        trajectory.goals.push("Een vaste baan".into());
        let mut done = state.actions.values().next().unwrap().clone();
        done.done = !done.done;
        let edits = [
            vec![Edit::PutApplication(moved)],
            vec![Edit::PutApplication(cleared), Edit::PutApplication(new)],
            vec![Edit::PutApplication(rewritten)],
            vec![Edit::PutTrajectory(trajectory)],
            vec![Edit::PutAction(done)],
        ];
        for batch in edits {
            let (mut fast_doc, mut plain_doc) = (base.clone(), base.clone());
            let fast = commit(&mut fast_doc, |tx| {
                for e in &batch {
                    e.apply_to_doc(tx).unwrap();
                }
            });
            let reference = commit(&mut plain_doc, |tx| {
                for e in &batch {
                    plain(tx, e);
                }
            });
            assert_eq!(fast, reference, "{batch:?}");
            assert!(fast.len() > 40, "the edit changed something");
        }
    }
}
