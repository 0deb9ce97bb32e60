//! The server's copy of every dossier, changed only through [`Documents::edit`]. A node
//! keeps each document it served in memory but never trusts that copy: every edit opens the
//! document in one storage transaction (under the document's lock in the database, so edits
//! from every node serialise), catches the copy up on what other nodes stored since its
//! version, runs the edit, and stores the new changes in that same transaction before
//! anyone sees them. Sync rounds and coach edits both go through here.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use automerge::sync::State as AmSyncState;
use automerge::{ActorId, Automerge, ChangeHash};
use koers_protocol::ErrorCode;

use crate::storage::{
    Access, Catchup, DocumentWrite, NewChange, PeerStateRow, Storage, StoredDocument,
};
use crate::{BureauError, Result};

/// Changes kept as rows before the snapshot is rewritten.
const COMPACT_AFTER: usize = 256;
/// Documents kept in memory; beyond this, idle ones are dropped (and reloaded on demand).
const CACHE_DOCUMENTS: usize = 4096;

/// One document as an edit sees it: current with the database, inside its transaction.
pub struct Slot {
    pub doc: Automerge,
    /// The stored version `doc` holds (see `storage::Opened::version`).
    version: i64,
    /// The stored full-protocol sync state of the peer the edit is for, if any.
    peer_state: Option<Vec<u8>>,
    rows_since_snapshot: usize,
}

/// What an edit wants stored with its changes.
#[derive(Default)]
pub struct Persist {
    pub peer_state: Option<PeerStateRow>,
    /// A device whose `last_seen_at` to record in the same transaction.
    pub device_seen: Option<(String, i64)>,
}

pub struct Documents {
    storage: Arc<dyn Storage>,
    slots: Mutex<HashMap<String, Arc<Mutex<Option<Slot>>>>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // Edits never leave a slot half-changed (the new document replaces the old one only
    // after it was stored), so a lock poisoned by a panic elsewhere is still consistent.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn not_found() -> BureauError {
    BureauError::refused(ErrorCode::NotFound, "Dit dossier bestaat niet.")
}

impl Documents {
    pub fn new(storage: Arc<dyn Storage>) -> Self {
        Self {
            storage,
            slots: Mutex::new(HashMap::new()),
        }
    }

    fn slot(&self, employee_id: &str) -> Arc<Mutex<Option<Slot>>> {
        let mut slots = lock(&self.slots);
        if slots.len() >= CACHE_DOCUMENTS && !slots.contains_key(employee_id) {
            // Drop idle documents (nobody holds their Arc) to bound memory.
            slots.retain(|_, s| Arc::strong_count(s) > 1);
        }
        slots.entry(employee_id.to_string()).or_default().clone()
    }

    /// Runs `f` on the current document under its lock. `f` returns the document it wants
    /// to become the new state (a changed fork, or `None` for no change) and what else to
    /// persist; the new changes are stored before anyone sees them.
    pub fn edit<T>(
        &self,
        employee_id: &str,
        f: impl FnOnce(&mut Slot) -> Result<(T, Option<Automerge>, Persist)>,
    ) -> Result<T> {
        self.open(employee_id, Access::Write, None, f)
    }

    /// [`Self::edit`] for a sync round with `peer`: its stored full-protocol state is read in
    /// the same transaction (see [`Self::full_state`]).
    pub fn edit_as<T>(
        &self,
        employee_id: &str,
        peer: &str,
        f: impl FnOnce(&mut Slot) -> Result<(T, Option<Automerge>, Persist)>,
    ) -> Result<T> {
        self.open(employee_id, Access::Write, Some(peer), f)
    }

    /// A read-only look at the current document (no lock in the database, nothing stored).
    pub fn read<T>(&self, employee_id: &str, f: impl FnOnce(&Automerge) -> T) -> Result<T> {
        self.open(employee_id, Access::Read, None, |slot| {
            Ok((f(&slot.doc), None, Persist::default()))
        })
    }

    fn open<T>(
        &self,
        employee_id: &str,
        access: Access,
        peer: Option<&str>,
        f: impl FnOnce(&mut Slot) -> Result<(T, Option<Automerge>, Persist)>,
    ) -> Result<T> {
        let cell = self.slot(employee_id);
        let mut guard = lock(&cell);
        let cached = guard.as_ref().map(|s| s.version);
        let mut f = Some(f);
        let mut done: Option<(T, Option<Automerge>, bool, usize)> = None;
        let stored =
            self.storage
                .with_document(employee_id, access, cached, peer, &mut |opened| {
                    if let Err(e) =
                        catch_up(&mut guard, employee_id, opened.catchup, opened.version)
                    {
                        // A copy that failed half-way is dropped, never used.
                        *guard = None;
                        return Err(e);
                    }
                    let slot = guard.as_mut().ok_or_else(not_found)?;
                    slot.peer_state = opened.peer_state;
                    let f = f.take().ok_or_else(|| BureauError::Storage {
                        message: "a document edit ran twice".into(),
                    })?;
                    let (out, new_doc, persist) = f(slot)?;
                    let changes: Vec<NewChange> = match &new_doc {
                        Some(d) => d
                            .get_changes(&slot.doc.get_heads())
                            .into_iter()
                            .map(|c| NewChange {
                                hash: c.hash().0.to_vec(),
                                bytes: c.raw_bytes().to_vec(),
                            })
                            .collect(),
                        None => vec![],
                    };
                    // The document is current and locked, so a snapshot of it holds every
                    // stored row: the storage folds in exactly those.
                    let compact = access == Access::Write
                        && !changes.is_empty()
                        && slot.rows_since_snapshot + changes.len() >= COMPACT_AFTER;
                    let compacted = compact.then(|| new_doc.as_ref().unwrap_or(&slot.doc).save());
                    done = Some((out, new_doc, compact, changes.len()));
                    Ok(DocumentWrite {
                        changes,
                        peer_state: persist.peer_state,
                        device_seen: persist.device_seen,
                        compacted,
                    })
                })?;
        let Some(version) = stored else {
            return Err(not_found());
        };
        let (out, new_doc, compacted, added) = done.ok_or_else(not_found)?;
        // Stored: only now does the new state become visible.
        if let Some(slot) = guard.as_mut() {
            if access == Access::Write {
                if let Some(d) = new_doc {
                    slot.doc = d;
                }
                slot.version = version;
                slot.rows_since_snapshot = if compacted {
                    0
                } else {
                    slot.rows_since_snapshot + added
                };
            }
            slot.peer_state = None;
        }
        Ok(out)
    }

    /// The full-protocol state of the peer of an [`Self::edit_as`], as stored. Every round
    /// starts from it: a node keeps nothing of a peer's session in memory (its next round
    /// may reach another node), and the protocol's other fields come from each message.
    pub fn full_state(&self, slot: &Slot) -> AmSyncState {
        slot.peer_state
            .as_deref()
            .and_then(|b| AmSyncState::decode(b).ok())
            .unwrap_or_default()
    }
}

/// Brings the cached copy in `slot` to the stored `version`.
fn catch_up(
    slot: &mut Option<Slot>,
    employee_id: &str,
    catchup: Catchup,
    version: i64,
) -> Result<()> {
    let rows = match catchup {
        Catchup::Current => vec![],
        Catchup::Since(rows) => rows,
        Catchup::Whole(stored) => {
            *slot = Some(load(employee_id, stored)?);
            vec![]
        }
    };
    let Some(s) = slot.as_mut() else {
        return Err(BureauError::Storage {
            message: format!("no cached copy of {employee_id} to catch up"),
        });
    };
    if !rows.is_empty() {
        s.rows_since_snapshot += rows.len();
        s.doc
            .apply_changes(parse_changes(employee_id, &rows)?)
            .map_err(|e| unreadable(employee_id, e))?;
    }
    s.version = version;
    Ok(())
}

fn unreadable(employee_id: &str, e: automerge::AutomergeError) -> BureauError {
    BureauError::Storage {
        message: format!("stored document {employee_id} is unreadable: {e}"),
    }
}

fn parse_changes(employee_id: &str, rows: &[Vec<u8>]) -> Result<Vec<automerge::Change>> {
    rows.iter()
        .map(|bytes| {
            automerge::Change::try_from(bytes.as_slice()).map_err(|e| BureauError::Storage {
                message: format!("stored change of {employee_id} is unreadable: {e}"),
            })
        })
        .collect()
}

fn load(employee_id: &str, stored: StoredDocument) -> Result<Slot> {
    let mut doc = Automerge::load(&stored.snapshot).map_err(|e| unreadable(employee_id, e))?;
    doc.apply_changes(parse_changes(employee_id, &stored.changes)?)
        .map_err(|e| unreadable(employee_id, e))?;
    Ok(Slot {
        doc: doc.with_actor(ActorId::random()),
        version: 0,
        peer_state: None,
        rows_since_snapshot: stored.changes.len(),
    })
}

/// The actor the server writes with on behalf of a coach (stable, so their edits read as
/// theirs in the history) or of the bureau itself (corrections).
pub fn actor_for(who: &str) -> ActorId {
    let digest = crate::auth::sha256(format!("koers-actor:{who}").as_bytes());
    ActorId::from(&digest[..16])
}

/// Whether every hash is in the document.
pub fn knows_all(doc: &Automerge, hashes: &[ChangeHash]) -> bool {
    use automerge::ReadDoc;
    hashes.iter().all(|h| doc.get_change_by_hash(h).is_some())
}
