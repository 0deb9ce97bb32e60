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

/// What has been read of a document, object by object (see the module comment).
#[derive(Default)]
struct Cache {
    /// Objects whose keys are looked up one by one instead (the root, or the collection a
    /// record is read from: reading them whole would cost more than the record).
    one_by_one: Vec<ObjId>,
    maps: RefCell<HashMap<ObjId, MapValues>>,
    lists: RefCell<HashMap<ObjId, ListValues>>,
    /// The type of every object met as a value, so autosurgeon's `object_type` needs no lookup.
    types: RefCell<HashMap<ObjId, ObjType>>,
}

impl Cache {
    fn note_type(&self, value: &Value<'_>, id: &ObjId) {
        if let Value::Object(t) = value {
            self.types.borrow_mut().insert(id.clone(), *t);
        }
    }

    fn map_value<D: am::ReadDoc>(
        &self,
        doc: &D,
        obj: &ObjId,
        key: &str,
    ) -> Option<(Value<'static>, ObjId)> {
        if let Some(values) = self.maps.borrow().get(obj) {
            return values.get(key).cloned();
        }
        let values: MapValues = doc
            .map_range(obj, ..)
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

    fn with_list<D: am::ReadDoc, T>(
        &self,
        doc: &D,
        obj: &ObjId,
        f: impl FnOnce(&ListValues) -> T,
    ) -> T {
        if let Some(values) = self.lists.borrow().get(obj) {
            return f(values);
        }
        let values: ListValues = doc
            .list_range(obj, ..)
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

    fn object_type<D: am::ReadDoc>(&self, doc: &D, obj: &ObjId) -> Option<ObjType> {
        if let Some(t) = self.types.borrow().get(obj) {
            return Some(*t);
        }
        doc.object_type(obj).ok()
    }

    fn get<D: am::ReadDoc>(
        &self,
        doc: &D,
        obj: &ObjId,
        prop: am::Prop,
    ) -> Result<Option<(Value<'static>, ObjId)>, AutomergeError> {
        if self.one_by_one.contains(obj) {
            let found = doc.get(obj, prop)?;
            if let Some((value, id)) = &found {
                self.note_type(value, id);
            }
            return Ok(found.map(|(value, id)| (value.into_owned(), id)));
        }
        Ok(match prop {
            am::Prop::Map(key) => self.map_value(doc, obj, &key),
            am::Prop::Seq(index) if self.object_type(doc, obj) == Some(ObjType::List) => {
                self.with_list(doc, obj, |values| values.get(index).cloned())
            }
            // Text and anything unusual: as Automerge answers it.
            prop @ am::Prop::Seq(_) => doc
                .get(obj, prop)?
                .map(|(value, id)| (value.into_owned(), id)),
        })
    }

    fn length<D: am::ReadDoc>(&self, doc: &D, obj: &ObjId) -> usize {
        if self.object_type(doc, obj) == Some(ObjType::List) {
            self.with_list(doc, obj, |values| values.len())
        } else {
            doc.length(obj)
        }
    }

    /// Forgets what was read of `obj`, which is about to be written.
    fn forget(&self, obj: &ObjId) {
        self.maps.borrow_mut().remove(obj);
        self.lists.borrow_mut().remove(obj);
    }
}

/// What [`Prefetched`] reads from: a document, or an open transaction to reconcile into.
pub trait Source {
    type Doc: am::ReadDoc + autosurgeon::ReadDoc;
    fn doc(&self) -> &Self::Doc;
}

impl Source for &am::Automerge {
    type Doc = am::Automerge;
    fn doc(&self) -> &am::Automerge {
        self
    }
}

impl<'b> Source for &mut am::transaction::Transaction<'b> {
    type Doc = am::transaction::Transaction<'b>;
    fn doc(&self) -> &am::transaction::Transaction<'b> {
        self
    }
}

/// A document (or transaction) to hydrate from, each object read once (see the module
/// comment).
///
/// Over an open transaction it is also an [`autosurgeon::Doc`] to reconcile into:
/// autosurgeon's reconcile reads every field of a record (and every element of its lists, for
/// its diff) to write only what changed, and each read was a seek (a status change took about
/// 1.7 ms in memory on the two-year dossier). What an object held is forgotten as soon as
/// anything is written to it, so every read sees the transaction's own writes.
pub struct Prefetched<S> {
    source: S,
    cache: Cache,
}

impl<S: Source> Prefetched<S> {
    /// Reads `source`, with the objects in `one_by_one` looked up key by key.
    pub fn new(source: S, one_by_one: Vec<ObjId>) -> Self {
        Self {
            source,
            cache: Cache {
                one_by_one,
                ..Cache::default()
            },
        }
    }
}

impl<S: Source> autosurgeon::ReadDoc for Prefetched<S> {
    type Parents<'b>
        = am::Parents<'b>
    where
        Self: 'b;

    fn get_heads(&self) -> Vec<am::ChangeHash> {
        autosurgeon::ReadDoc::get_heads(self.source.doc())
    }

    fn get<P: Into<am::Prop>>(
        &self,
        obj: &ObjId,
        prop: P,
    ) -> Result<Option<(Value<'_>, ObjId)>, AutomergeError> {
        self.cache.get(self.source.doc(), obj, prop.into())
    }

    fn object_type<O: AsRef<ObjId>>(&self, obj: O) -> Option<ObjType> {
        self.cache.object_type(self.source.doc(), obj.as_ref())
    }

    fn map_range<'b, O, R>(&'b self, obj: O, range: R) -> am::iter::MapRange<'b>
    where
        R: RangeBounds<String> + 'b,
        O: AsRef<ObjId>,
    {
        am::ReadDoc::map_range(self.source.doc(), obj, range)
    }

    fn list_range<O: AsRef<ObjId>, R: RangeBounds<usize>>(
        &self,
        obj: O,
        range: R,
    ) -> am::iter::ListRange<'_> {
        am::ReadDoc::list_range(self.source.doc(), obj, range)
    }

    fn length<O: AsRef<ObjId>>(&self, obj: O) -> usize {
        self.cache.length(self.source.doc(), obj.as_ref())
    }

    fn text<O: AsRef<ObjId>>(&self, obj: O) -> Result<String, AutomergeError> {
        am::ReadDoc::text(self.source.doc(), obj)
    }

    fn parents<O: AsRef<ObjId>>(&self, obj: O) -> Result<Self::Parents<'_>, AutomergeError> {
        am::ReadDoc::parents(self.source.doc(), obj)
    }

    fn is_empty(&self) -> bool {
        autosurgeon::ReadDoc::is_empty(self.source.doc())
    }
}

impl autosurgeon::Doc for Prefetched<&mut am::transaction::Transaction<'_>> {
    fn put<O: AsRef<ObjId>, P: Into<am::Prop>, V: Into<am::ScalarValue>>(
        &mut self,
        obj: O,
        prop: P,
        value: V,
    ) -> Result<(), AutomergeError> {
        self.cache.forget(obj.as_ref());
        autosurgeon::Doc::put(self.source, obj, prop, value)
    }

    fn put_object<O: AsRef<ObjId>, P: Into<am::Prop>>(
        &mut self,
        obj: O,
        prop: P,
        value: ObjType,
    ) -> Result<ObjId, AutomergeError> {
        self.cache.forget(obj.as_ref());
        autosurgeon::Doc::put_object(self.source, obj, prop, value)
    }

    fn insert<O: AsRef<ObjId>, V: Into<am::ScalarValue>>(
        &mut self,
        obj: O,
        index: usize,
        value: V,
    ) -> Result<(), AutomergeError> {
        self.cache.forget(obj.as_ref());
        autosurgeon::Doc::insert(self.source, obj, index, value)
    }

    fn insert_object<O: AsRef<ObjId>>(
        &mut self,
        obj: O,
        index: usize,
        value: ObjType,
    ) -> Result<ObjId, AutomergeError> {
        self.cache.forget(obj.as_ref());
        autosurgeon::Doc::insert_object(self.source, obj, index, value)
    }

    fn increment<O: AsRef<ObjId>, P: Into<am::Prop>>(
        &mut self,
        obj: O,
        prop: P,
        value: i64,
    ) -> Result<(), AutomergeError> {
        self.cache.forget(obj.as_ref());
        autosurgeon::Doc::increment(self.source, obj, prop, value)
    }

    fn delete<O: AsRef<ObjId>, P: Into<am::Prop>>(
        &mut self,
        obj: O,
        prop: P,
    ) -> Result<(), AutomergeError> {
        self.cache.forget(obj.as_ref());
        autosurgeon::Doc::delete(self.source, obj, prop)
    }

    fn splice_text<O: AsRef<ObjId>>(
        &mut self,
        obj: O,
        pos: usize,
        del: isize,
        text: &str,
    ) -> Result<(), AutomergeError> {
        self.cache.forget(obj.as_ref());
        autosurgeon::Doc::splice_text(self.source, obj, pos, del, text)
    }

    fn update_text<O: AsRef<ObjId>>(&mut self, obj: O, text: &str) -> Result<(), AutomergeError> {
        self.cache.forget(obj.as_ref());
        autosurgeon::Doc::update_text(self.source, obj, text)
    }

    fn batch_create<O: AsRef<ObjId>, P: Into<am::Prop>>(
        &mut self,
        obj: O,
        prop: P,
        value: am::hydrate::Value,
        insert: bool,
    ) -> Result<(), AutomergeError> {
        self.cache.forget(obj.as_ref());
        autosurgeon::Doc::batch_create(self.source, obj, prop, value, insert)
    }

    fn init_root_from_hydrate(&mut self, value: &am::hydrate::Map) -> Result<(), AutomergeError> {
        self.cache.maps.borrow_mut().clear();
        self.cache.lists.borrow_mut().clear();
        autosurgeon::Doc::init_root_from_hydrate(self.source, value)
    }
}

/// The whole document as `T` (autosurgeon's `hydrate`, each object read once).
pub fn hydrate<T: Hydrate>(doc: &am::Automerge) -> Result<T, HydrateError> {
    autosurgeon::hydrate(&Prefetched::new(doc, vec![]))
}

/// The map `obj` as `T` (a record whose object was already looked up).
pub fn hydrate_map<T: Hydrate>(doc: &am::Automerge, obj: &ObjId) -> Result<T, HydrateError> {
    T::hydrate_map(&Prefetched::new(doc, vec![]), obj)
}

/// The value at `prop` of `obj` as `T` (autosurgeon's `hydrate_prop`, each object read once).
pub fn hydrate_prop<'p, T: Hydrate>(
    doc: &am::Automerge,
    obj: &ObjId,
    prop: impl Into<Prop<'p>>,
) -> Result<T, HydrateError> {
    autosurgeon::hydrate_prop(&Prefetched::new(doc, vec![obj.clone()]), obj, prop)
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
