//! Checks on changes a peer pushes, before the role rules and before anything is stored:
//! every change chunk's checksum, no key outside the dossier's model, and a bound on the
//! size of an employee's dossier. A change that fails is refused whole (a 4xx outcome with
//! a Dutch reason), so junk never reaches the other devices. The model's shape is read once
//! from the core's sample documents (`koers_core::demo::sample_document`), so a field added
//! to the model is allowed here without a second list to keep up to date; the same shape
//! prints the key table of docs/SYNC.md.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use automerge::{Automerge, ChangeHash, ObjType, Prop, ReadDoc, ScalarValue, Value, ROOT};
use koers_core::demo::{sample_document, ANY_ID};
use koers_core::incremental::{self, WrittenObject};
use koers_core::model::LocalDate;
use koers_protocol::{Bytes, ErrorCode};

use crate::{BureauError, Result};

/// The most bytes of changes one employee's dossier may hold: about a hundred times a
/// two-year dossier (docs/PERFORMANCE.md), far below what would hurt a phone to download.
pub const MAX_DOSSIER_BYTES: u64 = 8 * 1024 * 1024;

/// The longest record id (the core's ids are 32 hex characters).
pub const MAX_ID_CHARS: usize = 64;

/// Where a value may sit in the document, and what it may be.
#[derive(Debug, Clone, PartialEq)]
enum Node {
    /// A map with these keys.
    Map(BTreeMap<String, Node>),
    /// A map from record ids to records of one shape.
    Records(Box<Node>),
    /// A list whose elements have one shape.
    List(Box<Node>),
    /// A scalar, with the Automerge types seen for it (e.g. `str` and `null`).
    Scalar(BTreeSet<&'static str>),
}

fn scalar_type(v: &ScalarValue) -> &'static str {
    match v {
        ScalarValue::Str(_) => "str",
        ScalarValue::Int(_) => "int",
        ScalarValue::Uint(_) => "uint",
        ScalarValue::F64(_) => "f64",
        ScalarValue::Counter(_) => "counter",
        ScalarValue::Timestamp(_) => "timestamp (ms, UTC)",
        ScalarValue::Boolean(_) => "bool",
        ScalarValue::Null => "null",
        ScalarValue::Bytes(_) => "bytes",
        ScalarValue::Unknown { .. } => "unknown",
    }
}

/// The shape of one object of a sample document.
fn read(doc: &Automerge, obj: &automerge::ObjId, kind: ObjType) -> Node {
    let child = |value: Value<'_>, id: automerge::ObjId| match value {
        Value::Object(kind) => read(doc, &id, kind),
        // The samples' days are the only strings that read as a date.
        Value::Scalar(s) => match s.as_ref() {
            ScalarValue::Str(text) if text.parse::<LocalDate>().is_ok() => {
                Node::Scalar(["str (a date, YYYY-MM-DD)"].into())
            }
            other => Node::Scalar([scalar_type(other)].into()),
        },
    };
    match kind {
        ObjType::Map | ObjType::Table => {
            let entries: BTreeMap<String, Node> = doc
                .keys(obj)
                .filter_map(|k| {
                    let (value, id) = doc.get(obj, k.as_str()).ok().flatten()?;
                    Some((k, child(value, id)))
                })
                .collect();
            match entries.get(ANY_ID) {
                Some(record) if entries.len() == 1 => Node::Records(Box::new(record.clone())),
                _ => Node::Map(entries),
            }
        }
        ObjType::List => match doc.get(obj, 0usize).ok().flatten() {
            Some((value, id)) => Node::List(Box::new(child(value, id))),
            None => Node::List(Box::new(Node::Scalar(BTreeSet::new()))),
        },
        ObjType::Text => Node::Scalar(["text"].into()),
    }
}

/// Joins the shapes of the full and the minimal sample: the same keys, more scalar types.
fn union(a: Node, b: Node) -> Node {
    match (a, b) {
        (Node::Map(mut a), Node::Map(b)) => {
            for (k, v) in b {
                let merged = match a.remove(&k) {
                    Some(old) => union(old, v),
                    None => v,
                };
                a.insert(k, merged);
            }
            Node::Map(a)
        }
        (Node::Records(a), Node::Records(b)) => Node::Records(Box::new(union(*a, *b))),
        (Node::List(a), Node::List(b)) => Node::List(Box::new(union(*a, *b))),
        (Node::Scalar(mut a), Node::Scalar(b)) => {
            a.extend(b);
            Node::Scalar(a)
        }
        // A key that is an object in one sample and a scalar in the other: an optional
        // object, absent (null) in the minimal sample.
        (object, Node::Scalar(_)) | (Node::Scalar(_), object) => object,
        (a, _) => a,
    }
}

fn sample_shape(full: bool) -> std::result::Result<Node, String> {
    let mut doc = Automerge::new();
    let mut tx = doc.transaction();
    autosurgeon::reconcile(&mut tx, sample_document(full)).map_err(|e| e.to_string())?;
    tx.commit();
    Ok(read(&doc, &ROOT, ObjType::Map))
}

/// The dossier's shape, read once.
fn shape() -> Result<&'static Node> {
    static SHAPE: OnceLock<std::result::Result<Node, String>> = OnceLock::new();
    SHAPE
        .get_or_init(|| Ok(union(sample_shape(true)?, sample_shape(false)?)))
        .as_ref()
        .map_err(|e| BureauError::Storage {
            message: format!("the model's sample document does not reconcile: {e}"),
        })
}

fn refuse_key(path: &str) -> BureauError {
    BureauError::refused(
        ErrorCode::BadChange,
        format!("Het veld ‘{path}’ hoort niet in het dossier; de wijziging is geweigerd."),
    )
}

/// Refuses changes between `before` and the heads of `doc` that put a key the model does
/// not have (or a record id that is not one), wherever in the dossier.
pub fn keys_in_model(doc: &Automerge, before: &[ChangeHash]) -> Result<()> {
    let objects = incremental::written(doc, &doc.get_changes(before)).ok_or_else(unfollowable)?;
    keys_written(&objects)
}

fn unfollowable() -> BureauError {
    BureauError::refused(
        ErrorCode::BadChange,
        "Een wijziging schrijft op een plek die niet in het dossier bestaat; de wijziging is geweigerd.",
    )
}

/// Refuses writes (read from the new changes' own operations by
/// [`incremental::written`], so the cost follows the changes, not the dossier) that put a
/// key the model does not have, or a record id that is not one, wherever in the dossier.
/// Deleting a key leaves nothing behind and is not judged.
pub fn keys_written(objects: &[WrittenObject]) -> Result<()> {
    let shape = shape()?;
    for object in objects {
        let mut node = shape;
        let mut path = String::new();
        for prop in &object.path {
            node = match (node, prop) {
                (Node::Map(keys), Prop::Map(k)) => {
                    path.push_str(&format!("{k}."));
                    keys.get(k)
                        .ok_or_else(|| refuse_key(path.trim_end_matches('.')))?
                }
                (Node::Records(record), Prop::Map(_)) => {
                    path.push_str(&format!("{ANY_ID}."));
                    record
                }
                (Node::List(element), Prop::Seq(_)) => {
                    if path.ends_with('.') {
                        path.pop();
                    }
                    path.push_str("[].");
                    element
                }
                _ => return Err(refuse_key(path.trim_end_matches('.'))),
            };
        }
        if object.by_position && !matches!(node, Node::List(_) | Node::Scalar(_)) {
            return Err(refuse_key(path.trim_end_matches('.')));
        }
        for key in object.keys.difference(&object.only_deleted) {
            match node {
                Node::Map(keys) if keys.contains_key(key) => {}
                Node::Records(_) if key.chars().count() <= MAX_ID_CHARS => {}
                _ => {
                    let shown: String = key.chars().take(40).collect();
                    return Err(refuse_key(&format!("{path}{shown}")));
                }
            }
        }
    }
    Ok(())
}

fn bad_checksum() -> BureauError {
    BureauError::refused(
        ErrorCode::BadChange,
        "Een wijziging is beschadigd onderweg (de controlesom klopt niet); de wijziging is geweigerd.",
    )
}

/// Whether a parsed change's header checksum is the first four bytes of its hash. (Automerge
/// checks this when it loads a saved document, not when it parses a single change.)
fn checksum_ok(change: &automerge::Change) -> bool {
    change.raw_bytes().get(4..8) == Some(&change.hash().0[..4])
}

/// The chunk type byte of an Automerge chunk: 0 document, 1 change, 2 compressed change.
const CHANGE_CHUNK: u8 = 1;
const COMPRESSED_CHANGE_CHUNK: u8 = 2;

/// The changes a device pushed on the fast path, each change chunk parsed once and its
/// checksum verified; a saved document (a first sync's one chunk) is read by the core's
/// `parse_chunks`, which has Automerge's load verify it.
pub fn parse_pushed(chunks: &[Bytes]) -> Result<Vec<automerge::Change>> {
    let unreadable = |e: String| {
        BureauError::refused(ErrorCode::BadChange, format!("Onleesbare wijziging: {e}"))
    };
    let mut changes = Vec::with_capacity(chunks.len());
    for chunk in chunks {
        if matches!(
            chunk.0.get(8),
            Some(&CHANGE_CHUNK) | Some(&COMPRESSED_CHANGE_CHUNK)
        ) {
            let change = automerge::Change::try_from(chunk.0.as_slice())
                .map_err(|e| unreadable(e.to_string()))?;
            if !checksum_ok(&change) {
                return Err(bad_checksum());
            }
            changes.push(change);
        } else {
            changes.extend(
                koers_core::sync::parse_chunks(std::slice::from_ref(chunk)).map_err(unreadable)?,
            );
        }
    }
    Ok(changes)
}

/// Refuses anything but plain (uncompressed) change chunks: what a packed push carries, so
/// that unpacking it inflates nothing beyond its own bound.
pub fn plain_change_chunks(chunks: &[Bytes]) -> Result<()> {
    if chunks.iter().all(|c| c.0.get(8) == Some(&CHANGE_CHUNK)) {
        Ok(())
    } else {
        Err(BureauError::refused(
            ErrorCode::BadChange,
            "Ingepakte wijzigingen mogen alleen gewone wijzigingen bevatten.",
        ))
    }
}

/// Verifies the checksum of every change chunk in a sync message (the full protocol).
pub fn message_checksums(message: &automerge::sync::Message) -> Result<()> {
    checksums(message.changes.iter())
}

fn checksums<'a>(chunks: impl Iterator<Item = &'a [u8]>) -> Result<()> {
    for chunk in chunks {
        if matches!(
            chunk.get(8),
            Some(&CHANGE_CHUNK) | Some(&COMPRESSED_CHANGE_CHUNK)
        ) {
            let change = automerge::Change::try_from(chunk).map_err(|e| {
                BureauError::refused(ErrorCode::BadChange, format!("Onleesbare wijziging: {e}"))
            })?;
            if !checksum_ok(&change) {
                return Err(bad_checksum());
            }
        }
    }
    Ok(())
}

/// The bytes of `changes` as stored (what the dossier's size limit counts).
pub(crate) fn bytes_of<'a>(changes: impl IntoIterator<Item = &'a automerge::Change>) -> u64 {
    changes
        .into_iter()
        .map(|c| c.raw_bytes().len() as u64)
        .sum()
}

/// Refuses `added` (changes not yet in the stored document, which holds `stored_bytes` of
/// changes: `Slot::change_bytes`) when the employee's dossier would then hold more than
/// [`MAX_DOSSIER_BYTES`] of changes. Checked before they are applied.
pub fn dossier_size(stored_bytes: u64, added: &[automerge::Change]) -> Result<()> {
    let total = stored_bytes + bytes_of(added);
    if total > MAX_DOSSIER_BYTES {
        return Err(BureauError::refused(
            ErrorCode::TooLarge,
            format!(
                "Het dossier wordt te groot (meer dan {} MB); de wijziging is geweigerd. \
                 Verwijder grote teksten of neem contact op met het bureau.",
                MAX_DOSSIER_BYTES / (1024 * 1024)
            ),
        ));
    }
    Ok(())
}

/// The checks a round's merged fork must pass before the role rules run: keys inside the
/// model and the dossier's size. `stored_bytes` is what the stored document holds, `added`
/// the changes the fork has beyond it.
pub fn fork(stored_bytes: u64, fork: &Automerge, added: &[automerge::Change]) -> Result<()> {
    if added.is_empty() {
        return Ok(());
    }
    dossier_size(stored_bytes, added)?;
    keys_written(&incremental::written(fork, added).ok_or_else(unfollowable)?)
}

/// Every key of the dossier with its Automerge type, as the rows of a Markdown table
/// (docs/SYNC.md shows this table; a test keeps the two the same).
pub fn key_table() -> Result<String> {
    fn describe(types: &BTreeSet<&'static str>) -> String {
        let mut words: Vec<&str> = types.iter().copied().filter(|t| *t != "null").collect();
        words.sort_unstable();
        let mut text = words.join(" or ");
        if types.contains("null") {
            text.push_str(", null when absent");
        }
        text
    }
    fn rows(node: &Node, path: &str, out: &mut String) {
        match node {
            Node::Map(keys) => {
                if !path.is_empty() {
                    out.push_str(&format!("| `{path}` | map |\n"));
                }
                for (k, v) in keys {
                    let p = if path.is_empty() {
                        k.clone()
                    } else {
                        format!("{path}.{k}")
                    };
                    rows(v, &p, out);
                }
            }
            Node::Records(record) => {
                out.push_str(&format!("| `{path}` | map: record id (str) → record |\n"));
                rows(record, &format!("{path}.{ANY_ID}"), out);
            }
            Node::List(element) => match element.as_ref() {
                Node::Scalar(t) => {
                    out.push_str(&format!("| `{path}` | list of {} |\n", describe(t)))
                }
                other => {
                    out.push_str(&format!("| `{path}` | list |\n"));
                    rows(other, &format!("{path}[]"), out);
                }
            },
            Node::Scalar(t) => out.push_str(&format!("| `{path}` | {} |\n", describe(t))),
        }
    }
    let mut out = String::new();
    rows(shape()?, "", &mut out);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shape_has_every_collection_and_optional_fields() {
        let table = key_table().unwrap();
        for row in [
            "| `schema` | uint |",
            "| `applications` | map: record id (str) → record |",
            "| `applications.<id>.history[].at` | timestamp (ms, UTC) |",
            "| `applications.<id>.follow_up` | str (a date, YYYY-MM-DD), null when absent |",
            "| `applications.<id>.employer` | str |",
            "| `trajectory.goals` | list of str |",
            "| `trajectory.weekly_target` | uint |",
            "| `actions.<id>.done` | bool |",
        ] {
            assert!(table.contains(row), "{row} missing from\n{table}");
        }
    }

    /// A dossier with one application (made through the model) and its heads.
    fn with_application() -> (Automerge, Vec<ChangeHash>) {
        let mut doc = koers_core::model::genesis_document().unwrap();
        let mut d = koers_core::demo::sample_document(true);
        d.applications = [(
            "a1".to_string(),
            koers_core::model::Application {
                id: "a1".into(),
                ..d.applications.remove(ANY_ID).unwrap()
            },
        )]
        .into();
        let mut tx = doc.transaction();
        autosurgeon::reconcile(&mut tx, &d).unwrap();
        tx.commit();
        let heads = doc.get_heads();
        (doc, heads)
    }

    #[test]
    fn model_edits_pass_and_junk_anywhere_is_refused() {
        use automerge::transaction::Transactable;
        let (doc, heads) = with_application();
        // Everything the model writes passes, from genesis on.
        keys_in_model(&doc, &[]).unwrap();
        let refused = |edit: &dyn Fn(&mut automerge::transaction::Transaction<'_>)| {
            let mut fork = doc.fork();
            let mut tx = fork.transaction();
            edit(&mut tx);
            tx.commit();
            match keys_in_model(&fork, &heads) {
                Err(BureauError::Refused { message, .. }) => message,
                other => panic!("not refused: {other:?}"),
            }
        };
        let record = |tx: &automerge::transaction::Transaction<'_>| {
            let apps = tx.get(ROOT, "applications").unwrap().unwrap().1;
            tx.get(&apps, "a1").unwrap().unwrap().1
        };
        // A junk key inside a new entry of a list of maps.
        let m = refused(&|tx| {
            let history = tx.get(record(tx), "history").unwrap().unwrap().1;
            let entry = tx.insert_object(&history, 1, ObjType::Map).unwrap();
            tx.put(&entry, "status", "rejected").unwrap();
            tx.put(&entry, "junk", "x").unwrap();
        });
        assert!(m.contains("applications.<id>.history[].junk"), "{m}");
        // A junk key at the root and in the trajectory.
        let m = refused(&|tx| {
            tx.put(ROOT, "extra", 1).unwrap();
        });
        assert!(m.contains("‘extra’"), "{m}");
        let m = refused(&|tx| {
            let t = tx.get(ROOT, "trajectory").unwrap().unwrap().1;
            tx.put(&t, "employer_notes", "x").unwrap();
        });
        assert!(m.contains("trajectory.employer_notes"), "{m}");
        // An ordinary edit of a field passes.
        let mut fork = doc.fork();
        let mut tx = fork.transaction();
        let r = record(&tx);
        tx.put(&r, "notes", "Gebeld").unwrap();
        tx.commit();
        keys_in_model(&fork, &heads).unwrap();
    }

    #[test]
    fn a_change_checksum_is_checked() {
        let doc = koers_core::model::genesis_document().unwrap();
        let mut change = doc.get_changes(&[]).remove(0);
        let good = Bytes(change.raw_bytes().to_vec());
        let hashes = |chunks: &[Bytes]| -> Vec<ChangeHash> {
            parse_pushed(chunks)
                .unwrap()
                .iter()
                .map(|c| c.hash())
                .collect()
        };
        assert_eq!(hashes(std::slice::from_ref(&good)), [change.hash()]);
        assert_eq!(
            hashes(&[Bytes(change.bytes().into_owned())]),
            [change.hash()]
        );
        assert_eq!(hashes(&[Bytes(doc.save())]), [change.hash()]);
        let mut bad = good.clone();
        bad.0[4] ^= 0xff;
        assert!(matches!(
            parse_pushed(&[bad]),
            Err(BureauError::Refused {
                code: ErrorCode::BadChange,
                ..
            })
        ));
    }
}
