//! The server's copy of every dossier: loaded from storage once, kept in memory, and changed
//! only through [`Documents::edit`], which holds the document's lock, persists the new
//! changes in one transaction and only then makes them visible. Sync rounds and coach edits
//! both go through here.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use automerge::sync::State as AmSyncState;
use automerge::{ActorId, Automerge, ChangeHash};
use koers_protocol::ErrorCode;

use crate::storage::{NewChange, PeerStateRow, Storage};
use crate::{BureauError, Result};

/// Changes kept as rows before the snapshot is rewritten.
const COMPACT_AFTER: usize = 256;
/// Documents kept in memory; beyond this, idle ones are dropped (and reloaded on demand).
const CACHE_DOCUMENTS: usize = 4096;

/// One document in memory.
pub struct Slot {
    pub doc: Automerge,
    /// Full-protocol sync states of peers, by peer id, for the rounds of one session.
    pub full_states: HashMap<String, AmSyncState>,
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

    /// Runs `f` on the document under its lock. `f` returns the document it wants to become
    /// the new state (a changed fork, or `None` for no change) and what else to persist; the
    /// new changes are stored before anyone sees them.
    pub fn edit<T>(
        &self,
        employee_id: &str,
        f: impl FnOnce(&mut Slot) -> Result<(T, Option<Automerge>, Persist)>,
    ) -> Result<T> {
        let slot = self.slot(employee_id);
        let mut guard = lock(&slot);
        if guard.is_none() {
            *guard = Some(self.load(employee_id)?);
        }
        let Some(slot) = guard.as_mut() else {
            return Err(BureauError::Storage {
                message: "document slot vanished".into(),
            });
        };
        let (out, new_doc, persist) = f(slot)?;
        let old_heads = slot.doc.get_heads();
        let changes: Vec<NewChange> = match &new_doc {
            Some(d) => d
                .get_changes(&old_heads)
                .into_iter()
                .map(|c| NewChange {
                    hash: c.hash().0.to_vec(),
                    bytes: c.raw_bytes().to_vec(),
                })
                .collect(),
            None => vec![],
        };
        if !changes.is_empty() || persist.peer_state.is_some() || persist.device_seen.is_some() {
            self.storage.append_changes(
                employee_id,
                &changes,
                persist.peer_state.as_ref(),
                persist
                    .device_seen
                    .as_ref()
                    .map(|(d, at)| (d.as_str(), *at)),
            )?;
        }
        if let Some(d) = new_doc {
            slot.doc = d;
        }
        slot.rows_since_snapshot += changes.len();
        if slot.rows_since_snapshot >= COMPACT_AFTER {
            // Under the lock nothing else appends, so the snapshot covers every row.
            match self.storage.compact_document(employee_id, &slot.doc.save()) {
                Ok(()) => slot.rows_since_snapshot = 0,
                Err(e) => {
                    tracing::warn!(employee_id, error = %e, "compaction failed; retried later")
                }
            }
        }
        Ok(out)
    }

    /// A read-only copy of the document.
    pub fn read<T>(&self, employee_id: &str, f: impl FnOnce(&Automerge) -> T) -> Result<T> {
        self.edit(employee_id, |slot| {
            Ok((f(&slot.doc), None, Persist::default()))
        })
    }

    fn load(&self, employee_id: &str) -> Result<Slot> {
        let stored =
            self.storage
                .load_document(employee_id)?
                .ok_or_else(|| BureauError::Refused {
                    code: ErrorCode::NotFound,
                    message: "Dit dossier bestaat niet.".into(),
                })?;
        let corrupt = |e: automerge::AutomergeError| BureauError::Storage {
            message: format!("stored document {employee_id} is unreadable: {e}"),
        };
        let mut doc = Automerge::load(&stored.snapshot).map_err(corrupt)?;
        let mut changes = Vec::with_capacity(stored.changes.len());
        for bytes in &stored.changes {
            changes.push(automerge::Change::try_from(bytes.as_slice()).map_err(|e| {
                BureauError::Storage {
                    message: format!("stored change of {employee_id} is unreadable: {e}"),
                }
            })?);
        }
        doc.apply_changes(changes).map_err(corrupt)?;
        Ok(Slot {
            doc: doc.with_actor(ActorId::random()),
            full_states: HashMap::new(),
            rows_since_snapshot: stored.changes.len(),
        })
    }

    /// The full-protocol state of `peer`, from memory or storage.
    pub fn full_state(&self, slot: &mut Slot, employee_id: &str, peer: &str) -> AmSyncState {
        if let Some(s) = slot.full_states.get(peer) {
            return s.clone();
        }
        self.storage
            .peer_state(employee_id, peer)
            .ok()
            .flatten()
            .and_then(|b| AmSyncState::decode(&b).ok())
            .unwrap_or_default()
    }
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
