//! Keeps a hydrated `DossierDocument` in step with its Automerge document as changes arrive
//! (another writer's, a sync's), reading again only the records those changes touched.
//! Which records a change touched is read from its own operations, so the cost follows the
//! size of the changes, not of the dossier (`Automerge::diff` walks the whole document).
//! The phone's store uses it on every catch-up and merge; the bureau keeps its per-document
//! state the same way.

use std::collections::{BTreeSet, HashMap};

use automerge::legacy::{Key, ObjectId, OpType};
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
    /// Adds what `more` touched.
    pub fn add(&mut self, more: Touched) {
        match (self, more) {
            (Touched::Everything, _) => {}
            (t, Touched::Everything) => *t = Touched::Everything,
            (Touched::Records(records), Touched::Records(more)) => records.extend(more),
        }
    }

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

/// One object a set of changes wrote to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WrittenObject {
    /// The props from the root down to the object (empty for the root itself), followed
    /// through deleted parents too.
    pub path: Vec<Prop>,
    /// Every map key the changes wrote, deletions included.
    pub keys: BTreeSet<String>,
    /// The keys among `keys` the changes only deleted (they leave no value behind).
    pub only_deleted: BTreeSet<String>,
    /// Whether the changes also wrote by position (a list or text element).
    pub by_position: bool,
}

/// Where a set of changes wrote, read from their own operations: each object once, with its
/// path. The cost follows the changes, not the dossier. `None` when an object's path cannot
/// be followed in `doc` (the changes must already be applied to it).
pub fn written(doc: &Automerge, changes: &[Change]) -> Option<Vec<WrittenObject>> {
    // Per object: every key, the keys put, whether by position.
    type Seen = (BTreeSet<String>, BTreeSet<String>, bool);
    let mut root: Seen = Default::default();
    let mut objects: HashMap<ObjectId, Seen> = HashMap::new();
    let mut created = Created::new();
    for change in changes {
        let decoded = change.decode();
        for (n, op) in decoded.operations.into_iter().enumerate() {
            if let (OpType::Make(_), Key::Map(key), false) = (&op.action, &op.key, op.insert) {
                // This operation's id (its change's start plus its place) names the object.
                let counter = decoded.start_op.get() + n as u64;
                let id = format!("{counter}@{}", decoded.actor_id);
                created.insert(id, (op.obj.to_string(), key.to_string()));
            }
            let seen = match op.obj {
                ObjectId::Root => &mut root,
                other => objects.entry(other).or_default(),
            };
            match op.key {
                Key::Map(key) => {
                    if !matches!(op.action, OpType::Delete) {
                        seen.1.insert(key.to_string());
                    }
                    seen.0.insert(key.to_string());
                }
                Key::Seq(_) => seen.2 = true,
            }
        }
    }
    let object = |path, (keys, put, by_position): Seen| WrittenObject {
        only_deleted: keys.difference(&put).cloned().collect(),
        path,
        keys,
        by_position,
    };
    let mut out = Vec::with_capacity(objects.len() + 1);
    if !root.0.is_empty() || root.2 {
        out.push(object(vec![], root));
    }
    let mut paths = HashMap::new();
    for (id, seen) in objects {
        let path = path_of(doc, &id.to_string(), &created, &mut paths)?;
        out.push(object(path, seen));
    }
    Some(out)
}

/// Objects made under a map key by the changes being read, by id: their parent and key.
type Created = HashMap<String, (String, String)>;

/// The path of object `id` (in the text form that `ExId` and the legacy `ObjectId` share),
/// built from its parent's, so each object of the changes is placed once: one the changes made
/// under a map key from its own operation, any other by asking the document one level up
/// (each level is a search of Automerge's op set; asking for a whole path again for every
/// object of a new record cost about 120 µs a change on a two-year dossier). Parents are
/// followed whether or not they are still visible, as `Parents::path` does.
fn path_of(
    doc: &Automerge,
    id: &str,
    created: &Created,
    paths: &mut HashMap<String, Vec<Prop>>,
) -> Option<Vec<Prop>> {
    if id == "_root" {
        return Some(vec![]);
    }
    if let Some(path) = paths.get(id) {
        return Some(path.clone());
    }
    let (parent, prop) = match created.get(id) {
        Some((parent, key)) => (parent.clone(), Prop::Map(key.clone())),
        None => {
            let (obj, _) = doc.import(id).ok()?;
            let up = doc.parents(&obj).ok()?.next()?;
            (up.obj.to_string(), up.prop)
        }
    };
    let mut path = path_of(doc, &parent, created, paths)?;
    path.push(prop);
    paths.insert(id.to_string(), path.clone());
    Some(path)
}

/// The records that `changes` (already applied to `doc`) wrote to.
pub fn touched_by(doc: &Automerge, changes: &[Change]) -> Touched {
    match written(doc, changes) {
        Some(objects) => touched_in(&objects),
        None => Touched::Everything,
    }
}

/// The records the [`written`] objects belong to.
pub fn touched_in(objects: &[WrittenObject]) -> Touched {
    let mut records = BTreeSet::new();
    for object in objects {
        let key = |i: usize| match object.path.get(i) {
            Some(Prop::Map(k)) => Some(k.as_str()),
            _ => None,
        };
        match (object.path.len(), key(0)) {
            (0, _) => {
                if object.by_position {
                    return Touched::Everything;
                }
                for key in &object.keys {
                    if COLLECTIONS.contains(&key.as_str()) {
                        // A whole collection was put anew.
                        return Touched::Everything;
                    }
                    records.extend(RecordRef::of(key, None));
                }
            }
            // A collection's own map: its keys are the records.
            (1, Some(name)) if COLLECTIONS.contains(&name) => {
                if object.by_position {
                    return Touched::Everything;
                }
                for id in &object.keys {
                    records.extend(RecordRef::of(name, Some(id)));
                }
            }
            (_, Some(root_key)) => records.extend(RecordRef::of(root_key, key(1))),
            (_, None) => return Touched::Everything,
        }
    }
    Touched::Records(records)
}

/// Reads the touched records of `state` again from `doc` (a deleted one is dropped).
pub fn refresh(doc: &Automerge, state: &mut DossierDocument, touched: &Touched) -> Result<()> {
    let records = match touched {
        Touched::Everything => {
            *state = crate::hydrate::hydrate(doc)?;
            return Ok(());
        }
        Touched::Records(records) => records,
    };
    for record in records {
        match record {
            RecordRef::Schema => {
                if doc.get(ROOT, "schema")?.is_some() {
                    state.schema = crate::hydrate::hydrate_prop(doc, &ROOT, "schema")?;
                }
            }
            RecordRef::Trajectory => {
                state.trajectory = crate::hydrate::hydrate_prop(doc, &ROOT, "trajectory")?;
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
        Some((automerge::Value::Object(ObjType::Map), record)) => {
            into.insert(id.to_string(), crate::hydrate::hydrate_map(doc, &record)?);
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

    /// Every path `written` gives is the one the document gives for that object
    /// (`Parents::path`, each asked whole): for new records with their lists of maps,
    /// changed and deleted ones, objects made under a record deleted in the same changes,
    /// and objects two writers made under one key at once.
    #[test]
    fn paths_built_from_the_changes_are_the_documents_own() {
        use automerge::transaction::Transactable;
        use automerge::ActorId;

        fn reference(doc: &Automerge, changes: &[Change]) -> Vec<(Vec<Prop>, BTreeSet<String>)> {
            let mut objects: BTreeSet<String> = BTreeSet::new();
            for change in changes {
                for op in change.decode().operations {
                    objects.insert(op.obj.to_string());
                }
            }
            let mut out: Vec<_> = objects
                .into_iter()
                .map(|id| {
                    let (obj, _) = doc.import(&id).unwrap();
                    let path: Vec<Prop> = doc
                        .parents(&obj)
                        .unwrap()
                        .path()
                        .into_iter()
                        .map(|(_, prop)| prop)
                        .collect();
                    (path, keys_of(doc, changes, &id))
                })
                .collect();
            out.sort_by_key(|(p, _)| format!("{p:?}"));
            out
        }
        fn keys_of(_: &Automerge, changes: &[Change], id: &str) -> BTreeSet<String> {
            changes
                .iter()
                .flat_map(|c| c.decode().operations)
                .filter(|op| op.obj.to_string() == id)
                .filter_map(|op| match op.key {
                    Key::Map(k) => Some(k.to_string()),
                    Key::Seq(_) => None,
                })
                .collect()
        }
        fn check(doc: &Automerge, changes: &[Change]) -> usize {
            let mut got: Vec<_> = written(doc, changes)
                .unwrap()
                .into_iter()
                .map(|w| (w.path, w.keys))
                .collect();
            got.sort_by_key(|(p, _)| format!("{p:?}"));
            assert_eq!(got, reference(doc, changes));
            got.len()
        }

        let mut doc = genesis_document().unwrap();
        let day = "2026-11-30".parse().unwrap();
        let mut apps: Vec<_> = (0..4)
            .map(|i| fixtures::application(&format!("a{i}"), day, ApplicationStatus::Applied))
            .collect();
        for a in &mut apps {
            for status in [ApplicationStatus::Interview, ApplicationStatus::Offer] {
                a.status = status;
                a.history.push(crate::model::StatusChange {
                    status,
                    at: a.created_at,
                    by: crate::model::Actor::Employee,
                });
            }
        }
        let new = change(
            &mut doc,
            &apps
                .iter()
                .cloned()
                .map(Edit::PutApplication)
                .collect::<Vec<_>>(),
        );
        assert!(
            check(&doc, &[new]) >= 12,
            "records, their lists and list items"
        );

        // A status change (a map inserted into an existing list), a record deleted, and a
        // map made under a record that the same changes then delete.
        let (_, collection) = doc.get(ROOT, "applications").unwrap().unwrap();
        let mut tx = doc.transaction();
        let (_, a0) = tx.get(&collection, "a0").unwrap().unwrap();
        tx.put(&a0, "status", "rejected").unwrap();
        let (_, history) = tx.get(&a0, "history").unwrap().unwrap();
        let entry = tx.insert_object(&history, 1, ObjType::Map).unwrap();
        tx.put(&entry, "status", "rejected").unwrap();
        tx.delete(&collection, "a1").unwrap();
        let (_, a2) = tx.get(&collection, "a2").unwrap().unwrap();
        let contact = tx.put_object(&a2, "contact_card", ObjType::Map).unwrap();
        tx.put(&contact, "name", "Jan").unwrap();
        tx.commit();
        let edited = doc.get_last_local_change().unwrap();
        let mut tx = doc.transaction();
        tx.delete(&collection, "a2").unwrap();
        tx.commit();
        let deleted = doc.get_last_local_change().unwrap();
        assert!(check(&doc, &[edited, deleted]) >= 4);

        // Two writers make a map under the same key at once: both objects keep that key.
        let heads = doc.get_heads();
        let mut other = doc.fork().with_actor(ActorId::from([7; 16]));
        for d in [&mut doc, &mut other] {
            let mut tx = d.transaction();
            let (_, a3) = tx.get(&collection, "a3").unwrap().unwrap();
            let note = tx.put_object(&a3, "extra", ObjType::Map).unwrap();
            tx.put(&note, "by", "wie").unwrap();
            tx.commit();
        }
        doc.merge(&mut other).unwrap();
        let both = doc.get_changes(&heads);
        assert_eq!(both.len(), 2);
        assert!(check(&doc, &both) >= 3);
    }
}
