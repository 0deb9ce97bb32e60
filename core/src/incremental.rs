//! Keeps a hydrated `DossierDocument` in step with its Automerge document as changes arrive
//! (another writer's, a sync's), reading again only the records those changes touched.
//! Which records a change touched is read from its own operations, so the cost follows the
//! size of the changes, not of the dossier (`Automerge::diff` walks the whole document).
//! The phone's store uses it on every catch-up and merge; the bureau keeps its per-document
//! state the same way.

use std::collections::{BTreeSet, HashSet};

use automerge::legacy::{Key, ObjectId};
use automerge::{Automerge, Change, ObjType, Prop, ReadDoc, ROOT};

use crate::edit::{collection, Topic};
use crate::error::Result;
use crate::model::DossierDocument;

/// One record of the document.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RecordRef {
    Schema,
    Trajectory,
    Application(String),
    Appointment(String),
    Action(String),
    Comment(String),
}

impl RecordRef {
    pub fn topic(&self) -> Option<Topic> {
        Some(match self {
            RecordRef::Schema => return None,
            RecordRef::Trajectory => Topic::Trajectory,
            RecordRef::Application(_) => Topic::Applications,
            RecordRef::Appointment(_) => Topic::Appointments,
            RecordRef::Action(_) => Topic::Actions,
            RecordRef::Comment(_) => Topic::Comments,
        })
    }

    /// The record under `collection` (a root key) and `id`; `None` for keys outside the model.
    fn of(collection: &str, id: Option<&str>) -> Option<Self> {
        Some(match (collection, id) {
            ("schema", _) => RecordRef::Schema,
            ("trajectory", _) => RecordRef::Trajectory,
            ("applications", Some(id)) => RecordRef::Application(id.to_string()),
            ("appointments", Some(id)) => RecordRef::Appointment(id.to_string()),
            ("actions", Some(id)) => RecordRef::Action(id.to_string()),
            ("comments", Some(id)) => RecordRef::Comment(id.to_string()),
            _ => return None,
        })
    }
}

/// What a set of changes touched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Touched {
    /// A whole collection was replaced, or a path could not be followed: read it all.
    Everything,
    Records(BTreeSet<RecordRef>),
}

impl Touched {
    /// The screens that may need refreshing.
    pub fn topics(&self) -> BTreeSet<Topic> {
        match self {
            Touched::Everything => [
                Topic::Trajectory,
                Topic::Applications,
                Topic::Appointments,
                Topic::Actions,
                Topic::Comments,
            ]
            .into(),
            Touched::Records(records) => records.iter().filter_map(RecordRef::topic).collect(),
        }
    }
}

const COLLECTIONS: [&str; 4] = ["applications", "appointments", "actions", "comments"];

/// The records that `changes` (already applied to `doc`) wrote to.
pub fn touched_by(doc: &Automerge, changes: &[Change]) -> Touched {
    let mut records = BTreeSet::new();
    let mut objects: HashSet<String> = HashSet::new();
    for change in changes {
        for op in change.decode().operations {
            match (&op.obj, &op.key) {
                (ObjectId::Root, Key::Map(key)) => {
                    if COLLECTIONS.contains(&key.as_str()) {
                        return Touched::Everything;
                    }
                    records.extend(RecordRef::of(key, None));
                }
                (ObjectId::Root, Key::Seq(_)) => return Touched::Everything,
                (ObjectId::Id(_), key) => {
                    let id = op.obj.to_string();
                    if let Key::Map(k) = key {
                        // An op directly on a collection map names the record by its key.
                        if let Some(record) = collection_record(doc, &id, k) {
                            records.insert(record);
                            continue;
                        }
                    }
                    objects.insert(id);
                }
            }
        }
    }
    for object in objects {
        let Some(path) = doc
            .import(&object)
            .ok()
            .and_then(|(obj, _)| doc.parents(&obj).ok())
            .map(|parents| parents.path())
        else {
            return Touched::Everything;
        };
        let key = |i: usize| match path.get(i) {
            Some((_, Prop::Map(k))) => Some(k.as_str()),
            _ => None,
        };
        match key(0) {
            Some(root_key) => records.extend(RecordRef::of(root_key, key(1))),
            None => return Touched::Everything,
        }
    }
    Touched::Records(records)
}

/// When `object` is one of the root collections, the record `key` of it.
fn collection_record(doc: &Automerge, object: &str, key: &str) -> Option<RecordRef> {
    COLLECTIONS.iter().find_map(|name| {
        let id = collection(doc, name).ok()?;
        (id.to_string() == object)
            .then(|| RecordRef::of(name, Some(key)))
            .flatten()
    })
}

/// Reads the touched records of `state` again from `doc` (a deleted one is dropped).
pub fn refresh(doc: &Automerge, state: &mut DossierDocument, touched: &Touched) -> Result<()> {
    let records = match touched {
        Touched::Everything => {
            *state = autosurgeon::hydrate(doc)?;
            return Ok(());
        }
        Touched::Records(records) => records,
    };
    for record in records {
        match record {
            RecordRef::Schema => {
                if doc.get(ROOT, "schema")?.is_some() {
                    state.schema = autosurgeon::hydrate_prop(doc, &ROOT, "schema")?;
                }
            }
            RecordRef::Trajectory => {
                state.trajectory = autosurgeon::hydrate_prop(doc, &ROOT, "trajectory")?;
            }
            RecordRef::Application(id) => {
                read_one(doc, "applications", id, &mut state.applications)?
            }
            RecordRef::Appointment(id) => {
                read_one(doc, "appointments", id, &mut state.appointments)?
            }
            RecordRef::Action(id) => read_one(doc, "actions", id, &mut state.actions)?,
            RecordRef::Comment(id) => read_one(doc, "comments", id, &mut state.comments)?,
        }
    }
    Ok(())
}

fn read_one<T: autosurgeon::Hydrate>(
    doc: &Automerge,
    collection_name: &str,
    id: &str,
    into: &mut std::collections::BTreeMap<String, T>,
) -> Result<()> {
    let obj = collection(doc, collection_name)?;
    match doc.get(&obj, id)? {
        Some((automerge::Value::Object(ObjType::Map), _)) => {
            into.insert(id.to_string(), autosurgeon::hydrate_prop(doc, &obj, id)?);
        }
        _ => {
            into.remove(id);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::edit::Edit;
    use crate::model::{fixtures, genesis_document, ApplicationStatus};

    fn change(doc: &mut Automerge, edits: &[Edit]) -> Change {
        let mut tx = doc.transaction();
        for e in edits {
            e.apply_to_doc(&mut tx).unwrap();
        }
        tx.commit();
        doc.get_last_local_change().unwrap()
    }

    #[test]
    fn only_the_records_a_change_wrote_are_read_again() {
        let mut doc = genesis_document().unwrap();
        let day = "2026-11-30".parse().unwrap();
        let a = fixtures::application("a", day, ApplicationStatus::Applied);
        let b = fixtures::application("b", day, ApplicationStatus::Applied);
        let c1 = change(
            &mut doc,
            &[Edit::PutApplication(a.clone()), Edit::PutApplication(b)],
        );
        assert_eq!(
            touched_by(&doc, &[c1]),
            Touched::Records(
                [
                    RecordRef::Application("a".into()),
                    RecordRef::Application("b".into())
                ]
                .into()
            )
        );
        let mut state: DossierDocument = autosurgeon::hydrate(&doc).unwrap();
        let mut moved = a.clone();
        moved.status = ApplicationStatus::Interview;
        moved.history.push(crate::model::StatusChange {
            status: ApplicationStatus::Interview,
            at: moved.created_at,
            by: crate::model::Actor::Coach,
        });
        let c2 = change(
            &mut doc,
            &[
                Edit::PutApplication(moved),
                Edit::RemoveApplication("b".into()),
            ],
        );
        let touched = touched_by(&doc, &[c2]);
        refresh(&doc, &mut state, &touched).unwrap();
        let full: DossierDocument = autosurgeon::hydrate(&doc).unwrap();
        assert_eq!(state, full);
        assert_eq!(touched.topics(), [Topic::Applications].into());
    }
}
