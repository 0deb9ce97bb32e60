//! Reading the Automerge document into the model, as autosurgeon does, but each object in
//! one pass.
//!
//! autosurgeon reads a struct field by field, and every field is a `get` that seeks its key
//! in Automerge's op set anew: on a two-year dossier one application took about 320 µs that
//! way, where walking the same object once with `map_range` takes about 30 µs (PERFORMANCE.md,
//! "Reading a record"). [`Prefetched`] is an [`autosurgeon::ReadDoc`] over a document that
//! reads the whole of an object the first time any of its keys (or list elements) is asked
//! for, and answers the rest from that: the same values, since `map_range` and `list_range`
//! give each key's winning value exactly as `get` does (tested against plain autosurgeon on
//! documents with conflicts). What is read is kept only while the `Prefetched` lives: use one
//! per read.

use std::cell::RefCell;
use std::collections::HashMap;
use std::ops::RangeBounds;

use automerge::{self as am, AutomergeError, ObjId, ObjType, Value};
use autosurgeon::{Hydrate, HydrateError, Prop};

/// One object's values, read in one pass.
type MapValues = HashMap<String, (Value<'static>, ObjId)>;
type ListValues = Vec<(Value<'static>, ObjId)>;

/// A document to hydrate from, each object read once (see the module comment).
pub struct Prefetched<'a> {
    doc: &'a am::Automerge,
    maps: RefCell<HashMap<ObjId, MapValues>>,
    lists: RefCell<HashMap<ObjId, ListValues>>,
    /// The type of every object met as a value, so autosurgeon's `object_type` needs no lookup.
    types: RefCell<HashMap<ObjId, ObjType>>,
    /// An object whose keys are looked up one by one instead (the collection one record is
    /// read from: reading all of it would cost more than the record).
    one_by_one: Option<ObjId>,
}

impl<'a> Prefetched<'a> {
    pub fn new(doc: &'a am::Automerge) -> Self {
        Self {
            doc,
            maps: RefCell::default(),
            lists: RefCell::default(),
            types: RefCell::default(),
            one_by_one: None,
        }
    }

    fn note_type(&self, value: &Value<'_>, id: &ObjId) {
        if let Value::Object(t) = value {
            self.types.borrow_mut().insert(id.clone(), *t);
        }
    }

    fn map_value(&self, obj: &ObjId, key: &str) -> Option<(Value<'static>, ObjId)> {
        if let Some(values) = self.maps.borrow().get(obj) {
            return values.get(key).cloned();
        }
        let values: MapValues = am::ReadDoc::map_range(self.doc, obj, ..)
            .map(|item| {
                let (value, id) = (Value::from(item.value.clone()), item.id());
                self.note_type(&value, &id);
                (item.key.into_owned(), (value, id))
            })
            .collect();
        let found = values.get(key).cloned();
        self.maps.borrow_mut().insert(obj.clone(), values);
        found
    }

    fn with_list<T>(&self, obj: &ObjId, f: impl FnOnce(&ListValues) -> T) -> T {
        if let Some(values) = self.lists.borrow().get(obj) {
            return f(values);
        }
        let values: ListValues = am::ReadDoc::list_range(self.doc, obj, ..)
            .map(|item| {
                let (value, id) = (Value::from(item.value.clone()), item.id());
                self.note_type(&value, &id);
                (value, id)
            })
            .collect();
        let out = f(&values);
        self.lists.borrow_mut().insert(obj.clone(), values);
        out
    }

    fn is_list(&self, obj: &ObjId) -> bool {
        matches!(
            autosurgeon::ReadDoc::object_type(self, obj),
            Some(ObjType::List)
        )
    }
}

impl autosurgeon::ReadDoc for Prefetched<'_> {
    type Parents<'b>
        = am::Parents<'b>
    where
        Self: 'b;

    fn get_heads(&self) -> Vec<am::ChangeHash> {
        self.doc.get_heads()
    }

    fn get<P: Into<am::Prop>>(
        &self,
        obj: &ObjId,
        prop: P,
    ) -> Result<Option<(Value<'_>, ObjId)>, AutomergeError> {
        if self.one_by_one.as_ref() == Some(obj) {
            let found = am::ReadDoc::get(self.doc, obj, prop)?;
            if let Some((value, id)) = &found {
                self.note_type(value, id);
            }
            return Ok(found.map(|(value, id)| (value.into_owned(), id)));
        }
        Ok(match prop.into() {
            am::Prop::Map(key) => self.map_value(obj, &key),
            am::Prop::Seq(index) if self.is_list(obj) => {
                self.with_list(obj, |values| values.get(index).cloned())
            }
            // Text and anything unusual: as Automerge answers it.
            prop @ am::Prop::Seq(_) => {
                am::ReadDoc::get(self.doc, obj, prop)?.map(|(value, id)| (value.into_owned(), id))
            }
        })
    }

    fn object_type<O: AsRef<ObjId>>(&self, obj: O) -> Option<ObjType> {
        let obj = obj.as_ref();
        if let Some(t) = self.types.borrow().get(obj) {
            return Some(*t);
        }
        am::ReadDoc::object_type(self.doc, obj).ok()
    }

    fn map_range<'b, O, R>(&'b self, obj: O, range: R) -> am::iter::MapRange<'b>
    where
        R: RangeBounds<String> + 'b,
        O: AsRef<ObjId>,
    {
        am::ReadDoc::map_range(self.doc, obj, range)
    }

    fn list_range<O: AsRef<ObjId>, R: RangeBounds<usize>>(
        &self,
        obj: O,
        range: R,
    ) -> am::iter::ListRange<'_> {
        am::ReadDoc::list_range(self.doc, obj, range)
    }

    fn length<O: AsRef<ObjId>>(&self, obj: O) -> usize {
        let obj = obj.as_ref();
        if self.is_list(obj) {
            self.with_list(obj, |values| values.len())
        } else {
            am::ReadDoc::length(self.doc, obj)
        }
    }

    fn text<O: AsRef<ObjId>>(&self, obj: O) -> Result<String, AutomergeError> {
        am::ReadDoc::text(self.doc, obj)
    }

    fn parents<O: AsRef<ObjId>>(&self, obj: O) -> Result<Self::Parents<'_>, AutomergeError> {
        am::ReadDoc::parents(self.doc, obj)
    }

    fn is_empty(&self) -> bool {
        am::ReadDoc::keys(self.doc, am::ROOT).next().is_none()
    }
}

/// The whole document as `T` (autosurgeon's `hydrate`, each object read once).
pub fn hydrate<T: Hydrate>(doc: &am::Automerge) -> Result<T, HydrateError> {
    autosurgeon::hydrate(&Prefetched::new(doc))
}

/// The map `obj` as `T` (a record whose object was already looked up).
pub fn hydrate_map<T: Hydrate>(doc: &am::Automerge, obj: &ObjId) -> Result<T, HydrateError> {
    T::hydrate_map(&Prefetched::new(doc), obj)
}

/// The value at `prop` of `obj` as `T` (autosurgeon's `hydrate_prop`, each object read once).
pub fn hydrate_prop<'p, T: Hydrate>(
    doc: &am::Automerge,
    obj: &ObjId,
    prop: impl Into<Prop<'p>>,
) -> Result<T, HydrateError> {
    let mut prefetched = Prefetched::new(doc);
    prefetched.one_by_one = Some(obj.clone());
    autosurgeon::hydrate_prop(&prefetched, obj, prop)
}

#[cfg(test)]
mod tests {
    use automerge::transaction::Transactable;
    use automerge::{ActorId, ReadDoc, ROOT};

    use super::*;
    use crate::demo::{fill_fast, DossierSize};
    use crate::dossier::Dossier;
    use crate::model::{Application, DossierDocument, LocalDate};

    /// The two-year dossier reads the same through `Prefetched` as through plain autosurgeon,
    /// whole and record by record.
    #[test]
    fn a_dossier_reads_the_same_as_through_autosurgeon() {
        let mut dossier = Dossier::open_in_memory().unwrap();
        let size = DossierSize {
            applications: 60,
            ..DossierSize::TWO_YEARS
        };
        fill_fast(&mut dossier, size, LocalDate::today(), 3).unwrap();
        let doc = dossier.automerge().unwrap();
        let plain: DossierDocument = autosurgeon::hydrate(doc).unwrap();
        let fast: DossierDocument = hydrate(doc).unwrap();
        assert_eq!(fast, plain);
        assert_eq!(plain.applications.len(), 60);
        let (_, apps) = doc.get(ROOT, "applications").unwrap().unwrap();
        for id in plain.applications.keys() {
            let one: Application = hydrate_prop(doc, &apps, id.as_str()).unwrap();
            assert_eq!(&one, &plain.applications[id]);
        }
    }

    /// Concurrent edits of one field, of one list and of one record leave conflicts in the
    /// document: every one resolves to the value plain autosurgeon reads.
    #[test]
    fn conflicts_resolve_as_automerge_resolves_them() {
        let mut dossier = Dossier::open_in_memory().unwrap();
        fill_fast(
            &mut dossier,
            DossierSize {
                applications: 8,
                edits_per_application: 2,
                appointments: 3,
                actions: 3,
            },
            LocalDate::today(),
            5,
        )
        .unwrap();
        let base = dossier.automerge().unwrap().clone();
        let (_, apps) = base.get(ROOT, "applications").unwrap().unwrap();
        let ids: Vec<String> = base.keys(&apps).collect();
        let mut peers: Vec<am::Automerge> = (0..3)
            .map(|i| base.clone().with_actor(ActorId::from([i as u8 + 1; 16])))
            .collect();
        for (i, peer) in peers.iter_mut().enumerate() {
            let mut tx = peer.transaction();
            for (n, id) in ids.iter().enumerate() {
                let (_, app) = tx.get(&apps, id.as_str()).unwrap().unwrap();
                tx.put(&app, "employer", format!("Werkgever {i}-{n}"))
                    .unwrap();
                if n % 3 == i {
                    tx.put(&app, "notes", format!("notitie van {i}")).unwrap();
                }
                if let Some((_, history)) = tx.get(&app, "history").unwrap() {
                    if tx.length(&history) > 0 {
                        tx.delete(&history, 0).unwrap();
                    }
                }
            }
            tx.commit();
        }
        let mut merged = base.clone();
        for peer in &mut peers {
            merged.merge(peer).unwrap();
        }
        let (_, apps) = merged.get(ROOT, "applications").unwrap().unwrap();
        let conflicted = ids
            .iter()
            .filter(|id| {
                let (_, app) = merged.get(&apps, id.as_str()).unwrap().unwrap();
                merged.get_all(&app, "employer").unwrap().len() > 1
            })
            .count();
        assert_eq!(conflicted, ids.len(), "every employer is in conflict");
        let plain: DossierDocument = autosurgeon::hydrate(&merged).unwrap();
        let fast: DossierDocument = hydrate(&merged).unwrap();
        assert_eq!(fast, plain);
    }
}
