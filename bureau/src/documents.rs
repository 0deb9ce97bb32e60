//! The server's copy of every dossier, changed only through [`Documents::edit`]. A node
//! keeps each document it served in memory but never trusts that copy: every edit opens the
//! document in one storage transaction (under the document's lock in the database, so edits
//! from every node serialise), catches the copy up on what other nodes stored since its
//! version, runs the edit, and stores the new changes in that same transaction before
//! anyone sees them. Sync rounds and coach edits both go through here.
//!
//! Next to each cached document the node keeps it hydrated (`Slot::state`), valid exactly
//! when the cached document is: when the document is (re)loaded, read from the state stored
//! with its snapshot (`crate::snapshot_state`) or else whole, and after that only the
//! records that new changes touched are read again (`koers_core::incremental`), so the rule
//! check and the caseload cost what the changes cost, not what the dossier does.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};

use automerge::sync::State as AmSyncState;
use automerge::transaction::{CommitOptions, Transaction};
use automerge::{ActorId, Automerge, Change, ChangeHash, ReadDoc};
use koers_core::incremental::{self, Touched};
use koers_core::model::DossierDocument;
use koers_protocol::ErrorCode;

use crate::snapshot_state;
use crate::storage::{
    Access, Catchup, DocumentWrite, NewChange, PeerStateRow, Storage, StoredDocument, TokenCheck,
};
use crate::{BureauError, Result};

/// The version of a slot whose state holds changes not yet stored (see `open_with`): never
/// a stored version, so such a slot is reloaded rather than trusted.
const UNSTORED: i64 = -1;
/// Changes kept as rows before the snapshot is rewritten.
const COMPACT_AFTER: usize = 256;
/// Documents kept in memory; beyond this, idle ones are dropped (and reloaded on demand).
const CACHE_DOCUMENTS: usize = 4096;

/// One document as an edit sees it: current with the database, inside its transaction.
pub struct Slot {
    /// The current document. An edit changes it only through [`Slot::doc_mut`] (or returns
    /// a changed fork).
    pub doc: Automerge,
    /// Whether an edit changed `doc` or `state` in place and has not been stored yet: if
    /// the edit fails, the whole copy is dropped (and reloaded on demand), never kept
    /// half-changed.
    changed_in_place: bool,
    /// `doc` hydrated; `None` while the stored document does not hydrate.
    state: Option<DossierDocument>,
    /// The stored version `doc` holds (see `storage::Opened::version`).
    version: i64,
    /// The stored full-protocol sync state of the peer the edit is for, if any.
    peer_state: Option<Vec<u8>>,
    rows_since_snapshot: usize,
    /// The bytes of every change `doc` holds as stored, which the dossier's size limit
    /// counts: read from the snapshot's state (or counted once) when the document is loaded,
    /// then kept up to date with every change this node stores or catches up on, so that no
    /// sync counts the whole history again (which costs tens of milliseconds on a two-year
    /// dossier).
    change_bytes: u64,
    /// The state of the stored snapshot, worked out when it was loaded because none was
    /// stored beside it (a snapshot from before schema 7, or from an older node): stored
    /// with the next write, so the next node to load the snapshot finds it.
    unsaved_snapshot_state: Option<Vec<u8>>,
    /// The inputs of the last caseload summary this node stored of the dossier, and the
    /// records `state` changed in since: the next summary looks at only those
    /// (`summary::of_kept`). `None` after a failed write, so what is kept always matches a
    /// state that was stored.
    summary_kept: Option<crate::summary::Kept>,
    touched_since_summary: Touched,
}

/// What an edit made of the document.
pub enum Edited {
    /// A fork to become the document once its new changes are stored (`None`: no change).
    Fork(Option<Box<Automerge>>),
    /// The edit applied these new changes to the slot's document itself
    /// ([`Slot::doc_mut`]) and kept its state in step: no copy of the document is made,
    /// which on a two-year dossier costs more than the rest of a sync.
    InPlace(Vec<Change>),
}

/// What an edit wants stored with its changes.
#[derive(Default)]
pub struct Persist {
    pub peer_state: Option<PeerStateRow>,
    /// A device whose `last_seen_at` to record in the same transaction.
    pub device_seen: Option<(String, i64)>,
}

impl Slot {
    /// `doc` hydrated (kept in step with it, see the module comment).
    pub fn state(&self, employee_id: &str) -> Result<&DossierDocument> {
        self.state.as_ref().ok_or_else(|| BureauError::Storage {
            message: format!("stored document {employee_id} does not hydrate"),
        })
    }

    /// `doc` to change in place; the edit then returns [`Edited::InPlace`] with the changes
    /// it added and keeps `state` in step through [`Slot::state_mut`].
    pub fn doc_mut(&mut self) -> &mut Automerge {
        self.changed_in_place = true;
        &mut self.doc
    }

    /// `state` to keep in step with an in-place edit of `doc` (which may change any of it;
    /// see [`Slot::state_mut_touching`]).
    pub fn state_mut(&mut self, employee_id: &str) -> Result<&mut DossierDocument> {
        self.state_mut_touching(employee_id, Touched::Everything)
    }

    /// [`Slot::state_mut`] for an edit that changes only the records in `touched`.
    pub fn state_mut_touching(
        &mut self,
        employee_id: &str,
        touched: Touched,
    ) -> Result<&mut DossierDocument> {
        self.changed_in_place = true;
        self.touched_since_summary.add(touched);
        self.state.as_mut().ok_or_else(|| BureauError::Storage {
            message: format!("stored document {employee_id} does not hydrate"),
        })
    }

    /// The bytes of every stored change of the dossier (see the field): an edit's own
    /// changes count once they are stored.
    pub fn change_bytes(&self) -> u64 {
        self.change_bytes
    }

    /// Counts `changes`, just stored or caught up on, into [`Self::change_bytes`].
    fn count_in(&mut self, changes: &[Change]) {
        self.change_bytes += crate::change_check::bytes_of(changes);
    }

    /// [`change_as`] on the document in place; the caller brings the state along
    /// ([`Slot::advance`]) or sets it.
    pub fn change_as(
        &mut self,
        actor: ActorId,
        options: CommitOptions,
        write: impl FnOnce(&mut Transaction<'_>) -> Result<()>,
    ) -> Result<Option<Change>> {
        change_as(self.doc_mut(), actor, options, write)
    }

    /// Brings `state` up to `changes`, which were just added to `doc`: only the records they
    /// touched are read again. A state that cannot be refreshed is read whole (or dropped
    /// while the document does not hydrate), never left half-refreshed.
    pub(crate) fn advance(&mut self, changes: &[Change]) {
        let touched = advance(&mut self.state, &self.doc, changes);
        self.touched_since_summary.add(touched);
    }
}

/// Makes one change on `doc`, written by `write` as `actor` (the coach, or the bureau for a
/// correction), and returns it (`None` when `write` changed nothing). The document's own
/// actor stays what it was; on an error of `write` its operations are rolled back.
pub fn change_as(
    doc: &mut Automerge,
    actor: ActorId,
    options: CommitOptions,
    write: impl FnOnce(&mut Transaction<'_>) -> Result<()>,
) -> Result<Option<Change>> {
    let own = doc.get_actor().clone();
    doc.set_actor(actor);
    let mut tx = doc.transaction();
    let written = write(&mut tx);
    let hash = match written {
        Ok(()) => tx.commit_with(options).0,
        Err(_) => {
            tx.rollback();
            None
        }
    };
    doc.set_actor(own);
    written?;
    // Read back by hash: `get_last_local_change` looks for the document's own actor, which
    // did not write this change.
    Ok(hash.and_then(|h| doc.get_change_by_hash(&h)))
}

/// Brings `state` up to `changes`, which `doc` holds (see [`Slot::advance`]); gives the
/// records that changed.
fn advance(state: &mut Option<DossierDocument>, doc: &Automerge, changes: &[Change]) -> Touched {
    if changes.is_empty() {
        return Touched::Records(Default::default());
    }
    if let Some(s) = state.as_mut() {
        let touched = incremental::touched_by(doc, changes);
        if incremental::refresh(doc, s, &touched).is_ok() {
            return touched;
        }
    }
    *state = koers_core::hydrate::hydrate(doc).ok();
    Touched::Everything
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
        self.open(employee_id, Access::Write, None, None, |slot| {
            f(slot).map(|(out, fork, persist)| (out, Edited::Fork(fork.map(Box::new)), persist))
        })
    }

    /// [`Self::edit`] for a sync round with `peer`: its stored full-protocol state is read in
    /// the same transaction (see [`Self::full_state`]), and the round may change the
    /// document in place ([`Edited::InPlace`]). With `token`, the device's token is checked
    /// in that transaction too ([`Storage::with_document`]).
    pub fn edit_as<T>(
        &self,
        employee_id: &str,
        peer: &str,
        token: Option<TokenCheck<'_>>,
        f: impl FnOnce(&mut Slot) -> Result<(T, Edited, Persist)>,
    ) -> Result<T> {
        self.open(employee_id, Access::Write, Some(peer), token, f)
    }

    /// [`Self::edit`] for an edit that changes the document in place ([`Slot::change_as`]):
    /// no copy of the document is made.
    pub fn change<T>(
        &self,
        employee_id: &str,
        f: impl FnOnce(&mut Slot) -> Result<(T, Edited, Persist)>,
    ) -> Result<T> {
        self.open(employee_id, Access::Write, None, None, f)
    }

    /// A read-only look at the current document (no lock in the database, nothing stored).
    pub fn read<T>(&self, employee_id: &str, f: impl FnOnce(&Automerge) -> T) -> Result<T> {
        self.open(employee_id, Access::Read, None, None, |slot| {
            Ok((f(&slot.doc), Edited::Fork(None), Persist::default()))
        })
    }

    /// A read-only look at the current document hydrated, without hydrating it again.
    pub fn read_state<T>(
        &self,
        employee_id: &str,
        f: impl FnOnce(&DossierDocument) -> T,
    ) -> Result<T> {
        self.open(employee_id, Access::Read, None, None, |slot| {
            Ok((
                f(slot.state(employee_id)?),
                Edited::Fork(None),
                Persist::default(),
            ))
        })
    }

    /// Computes the caseload's summary of the document as it is and stores it (for a dossier
    /// without one, or with one of an older format).
    pub fn summarize(&self, employee_id: &str) -> Result<crate::storage::Summary> {
        let ((), stored) = self.open_with(employee_id, Access::Write, None, None, true, |_| {
            Ok(((), Edited::Fork(None), Persist::default()))
        })?;
        stored.ok_or_else(not_found)
    }

    /// Summarises every dossier without a current summary (after an upgrade); how many.
    pub fn fill_summaries(&self) -> Result<usize> {
        let missing = self.storage.unsummarised(crate::summary::FORMAT)?;
        for employee_id in &missing {
            self.summarize(employee_id)?;
        }
        Ok(missing.len())
    }

    fn open<T>(
        &self,
        employee_id: &str,
        access: Access,
        peer: Option<&str>,
        token: Option<TokenCheck<'_>>,
        f: impl FnOnce(&mut Slot) -> Result<(T, Edited, Persist)>,
    ) -> Result<T> {
        self.open_with(employee_id, access, peer, token, false, f)
            .map(|(out, _)| out)
    }

    /// [`Self::open`]; with `summarize` the caseload's summary is stored even when the edit
    /// adds no change. Also gives the summary it stored, if any.
    fn open_with<T>(
        &self,
        employee_id: &str,
        access: Access,
        peer: Option<&str>,
        token: Option<TokenCheck<'_>>,
        summarize: bool,
        f: impl FnOnce(&mut Slot) -> Result<(T, Edited, Persist)>,
    ) -> Result<(T, Option<crate::storage::Summary>)> {
        let cell = self.slot(employee_id);
        let mut guard = lock(&cell);
        let cached = guard.as_ref().map(|s| s.version);
        let mut f = Some(f);
        let mut done: Option<(T, Option<Automerge>, bool, Vec<Change>)> = None;
        // Whether the hydrated state already holds the new changes (for the summary).
        let mut advanced = false;
        let mut written = None;
        let mut summary_kept = None;
        let outcome =
            self.storage
                .with_document(employee_id, access, cached, peer, token, &mut |opened| {
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
                    let (out, edited, persist) = f(slot)?;
                    let (new_doc, added) = match edited {
                        Edited::Fork(Some(d)) => {
                            let added = d.get_changes(&slot.doc.get_heads());
                            (Some(*d), added)
                        }
                        Edited::Fork(None) => (None, vec![]),
                        Edited::InPlace(added) => (None, added),
                    };
                    let changes: Vec<NewChange> = added
                        .iter()
                        .map(|c| NewChange {
                            hash: c.hash().0.to_vec(),
                            bytes: c.raw_bytes().to_vec(),
                        })
                        .collect();
                    let compact = access == Access::Write
                        && !changes.is_empty()
                        && slot.rows_since_snapshot + changes.len() >= COMPACT_AFTER;
                    // The caseload's summary of the new state, in the same transaction. The
                    // state is brought up to the new changes first; until the commit sets the
                    // new version the slot claims none, so if the commit fails the next edit
                    // reloads the document instead of trusting that state.
                    let summary = if access == Access::Write && (summarize || !changes.is_empty()) {
                        if let Some(d) = &new_doc {
                            let touched = advance(&mut slot.state, d, &added);
                            slot.touched_since_summary.add(touched);
                            slot.version = UNSTORED;
                            // If the changes are not stored after all, the copy is dropped.
                            slot.changed_in_place = true;
                            advanced = true;
                        }
                        let now = koers_core::model::Timestamp::now();
                        // Taken out while the write is under way: put back only once it is
                        // stored (below), so a failed write leaves nothing kept.
                        let kept = slot.summary_kept.take();
                        let touched = std::mem::replace(
                            &mut slot.touched_since_summary,
                            Touched::Records(Default::default()),
                        );
                        let (summary, kept) =
                            crate::summary::of_kept(slot.state(employee_id)?, now, kept, &touched)?;
                        summary_kept = Some(kept);
                        Some(summary)
                    } else {
                        None
                    };
                    written.clone_from(&summary);
                    // The document is current and locked, so a snapshot of it holds every
                    // stored row: the storage folds in exactly those. Beside it goes the
                    // state, which the summary's step above brought up to the new changes.
                    let compacted = if compact {
                        Some(compacted(employee_id, slot, new_doc.as_ref(), &added))
                    } else {
                        None
                    };
                    // Lost if this write fails: the next load works it out again.
                    let snapshot_state = if access == Access::Write {
                        slot.unsaved_snapshot_state.take()
                    } else {
                        None
                    };
                    done = Some((out, new_doc, compact, added));
                    Ok(DocumentWrite {
                        snapshot_state,
                        changes,
                        peer_state: persist.peer_state,
                        device_seen: persist.device_seen,
                        compacted,
                        summary,
                    })
                });
        let stored = match outcome {
            Ok(stored) => stored,
            Err(e) => {
                // An edit that changed the copy in place and then failed (or whose changes
                // could not be stored) leaves a copy the database does not hold: drop it.
                if guard.as_ref().is_some_and(|s| s.changed_in_place) {
                    *guard = None;
                }
                return Err(e);
            }
        };
        let Some(version) = stored else {
            return Err(not_found());
        };
        let (out, new_doc, compacted, added) = done.ok_or_else(not_found)?;
        // Stored: only now does the new state become visible.
        if let Some(slot) = guard.as_mut() {
            if access == Access::Write {
                if let Some(d) = new_doc {
                    slot.doc = d;
                    if !advanced {
                        slot.advance(&added);
                    }
                }
                slot.version = version;
                slot.count_in(&added);
                slot.rows_since_snapshot = if compacted {
                    0
                } else {
                    slot.rows_since_snapshot + added.len()
                };
            }
            if summary_kept.is_some() {
                slot.summary_kept = summary_kept;
            }
            slot.peer_state = None;
            slot.changed_in_place = false;
        }
        Ok((out, written))
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
        let changes = parse_changes(employee_id, &rows)?;
        s.doc
            .apply_changes(changes.iter().cloned())
            .map_err(|e| unreadable(employee_id, e))?;
        s.advance(&changes);
        s.count_in(&changes);
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
    let snapshot_heads = doc.get_heads();
    let changes = parse_changes(employee_id, &stored.changes)?;
    // The snapshot's state: as stored beside it, or else worked out now (the snapshot read
    // whole and its changes counted, once) and stored with the next write.
    let mut unsaved_snapshot_state = None;
    let (at_snapshot, snapshot_bytes) = match stored
        .snapshot_state
        .as_deref()
        .and_then(|bytes| snapshot_state::decode(bytes, &snapshot_heads))
    {
        Some(kept) => (kept.dossier, kept.change_bytes),
        None => {
            let dossier = koers_core::hydrate::hydrate(&doc).ok();
            let bytes = crate::change_check::bytes_of(&doc.get_changes(&[]));
            unsaved_snapshot_state = snapshot_state::encode(
                &snapshot_heads,
                dossier.as_ref(),
                bytes,
            )
            .inspect_err(|e| {
                tracing::warn!(employee_id, error = %e, "a snapshot's state not worked out");
            })
            .ok();
            (dossier, bytes)
        }
    };
    // Rows hold only changes new to the snapshot (a compaction deletes the rows it folds
    // in, in its own transaction), but the count must not depend on it: the rows the
    // snapshot lacks are looked up by hash (a freshly loaded document has no queue).
    let row_hashes: Vec<ChangeHash> = changes.iter().map(|c| c.hash()).collect();
    let new_rows: HashSet<ChangeHash> = doc.get_missing_deps(&row_hashes).into_iter().collect();
    let rows_bytes =
        crate::change_check::bytes_of(changes.iter().filter(|c| new_rows.contains(&c.hash())));
    doc.apply_changes(changes.iter().cloned())
        .map_err(|e| unreadable(employee_id, e))?;
    // Brought up to the rows after the snapshot: only the records they touched are read.
    // Every later change refreshes only what it touched.
    let mut state = at_snapshot;
    advance(&mut state, &doc, &changes);
    Ok(Slot {
        doc: doc.with_actor(ActorId::random()),
        changed_in_place: false,
        state,
        version: 0,
        peer_state: None,
        rows_since_snapshot: stored.changes.len(),
        change_bytes: snapshot_bytes + rows_bytes,
        unsaved_snapshot_state,
        summary_kept: None,
        touched_since_summary: Touched::Everything,
    })
}

/// The new snapshot of `slot` (its document, or `new_doc` when the edit made a fork) with
/// the edit's `added` changes in it, and its state beside it (`snapshot_state`): `slot`'s
/// state, which is in step with that document, and the bytes of its changes.
fn compacted(
    employee_id: &str,
    slot: &Slot,
    new_doc: Option<&Automerge>,
    added: &[Change],
) -> crate::storage::Compacted {
    let doc = new_doc.unwrap_or(&slot.doc);
    // The count kept covers the stored changes, not `added` yet.
    let change_bytes = slot.change_bytes + crate::change_check::bytes_of(added);
    let state = snapshot_state::encode(&doc.get_heads(), slot.state.as_ref(), change_bytes)
        .inspect_err(|e| {
            // Only a cost: the next node to load the snapshot hydrates it instead.
            tracing::warn!(employee_id, error = %e, "snapshot stored without its state");
        })
        .ok();
    crate::storage::Compacted {
        snapshot: doc.save(),
        state,
    }
}

/// The actor the server writes with on behalf of a coach, of the bureau itself (corrections)
/// or the demo: one per writer and per process, never reused by a later process. A stable
/// actor would break after a restore from a backup: the restored database lacks the
/// writer's latest changes, which phones still hold, and its next edit would take one of
/// their sequence numbers for a different change, which neither side could then accept.
/// Nothing reads who wrote a change from its actor (the records say who did what), so the
/// document only gains an actor per writer per process that writes to it.
pub fn actor_for(who: &str) -> ActorId {
    static PROCESS: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    let process = PROCESS.get_or_init(|| ActorId::random().to_bytes().to_vec());
    let mut input = format!("koers-actor:{who}:").into_bytes();
    input.extend_from_slice(process);
    let digest = crate::auth::sha256(&input);
    ActorId::from(&digest[..16])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::sqlite::SqliteStorage;
    use crate::storage::{Coach, Employee, EnrolmentCode};
    use koers_core::edit::Edit;
    use koers_core::model::{fixtures, genesis_document, ApplicationStatus};

    fn node(path: &std::path::Path) -> Documents {
        Documents::new(Arc::new(SqliteStorage::open(path).unwrap()))
    }

    /// One change on a fork of the node's current document, stored through `edit`.
    fn write(docs: &Documents, edits: Vec<Edit>) {
        docs.edit("e1", |slot| {
            let mut fork = slot.doc.fork();
            let mut tx = fork.transaction();
            for e in &edits {
                e.apply_to_doc(&mut tx).unwrap();
            }
            tx.commit();
            Ok(((), Some(fork), Persist::default()))
        })
        .unwrap();
    }

    /// One change made on the node's document in place (as a coach's edit is).
    fn write_in_place(docs: &Documents, edits: Vec<Edit>) {
        docs.change("e1", |slot| {
            let change = slot.change_as(actor_for("test"), CommitOptions::default(), |tx| {
                for e in &edits {
                    e.apply_to_doc(tx).unwrap();
                }
                Ok(())
            })?;
            let added: Vec<Change> = change.into_iter().collect();
            slot.advance(&added);
            Ok(((), Edited::InPlace(added), Persist::default()))
        })
        .unwrap();
    }

    /// The node's kept state and byte count, checked against the document read whole.
    fn state_is_whole(docs: &Documents) -> DossierDocument {
        let (kept, whole) = docs
            .open("e1", Access::Read, None, None, |slot| {
                let whole: DossierDocument = autosurgeon::hydrate(&slot.doc).unwrap();
                let counted = crate::change_check::bytes_of(&slot.doc.get_changes(&[]));
                assert_eq!(slot.change_bytes(), counted);
                Ok((
                    (slot.state("e1")?.clone(), whole),
                    Edited::Fork(None),
                    Persist::default(),
                ))
            })
            .unwrap();
        assert_eq!(kept, whole);
        kept
    }

    /// A bureau file at `path` with employee e1 (a new dossier) of coach c1.
    fn bureau_with_e1(path: &std::path::Path) {
        let storage = SqliteStorage::open(path).unwrap();
        storage
            .insert_coach(&Coach {
                id: "c1".into(),
                email: "c@x".into(),
                name: "C".into(),
                password_hash: "h".into(),
                is_admin: false,
            })
            .unwrap();
        storage
            .insert_employee(
                &Employee {
                    id: "e1".into(),
                    name: "E".into(),
                    coach_id: "c1".into(),
                    created_at: 0,
                },
                &genesis_document().unwrap().save(),
                &crate::summary::of(
                    &autosurgeon::hydrate(&genesis_document().unwrap()).unwrap(),
                    koers_core::model::Timestamp::now(),
                )
                .unwrap(),
                &EnrolmentCode {
                    lookup: "ABCD".into(),
                    code_hash: vec![1; 32],
                    employee_id: "e1".into(),
                    expires_at: 1000,
                    attempts: 0,
                    used: false,
                },
                0,
            )
            .unwrap();
    }

    #[test]
    fn the_hydrated_state_follows_own_edits_and_other_nodes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bureau.db");
        bureau_with_e1(&path);
        let (a, b) = (node(&path), node(&path));
        let day = "2026-11-30".parse().unwrap();
        let first = fixtures::application("a1", day, ApplicationStatus::Applied);
        let second = fixtures::application("a2", day, ApplicationStatus::Applied);
        // Both nodes load the document, then each writes: the other catches up.
        assert!(state_is_whole(&a).applications.is_empty());
        assert!(state_is_whole(&b).applications.is_empty());
        write(&a, vec![Edit::PutApplication(first.clone())]);
        assert_eq!(state_is_whole(&a).applications.len(), 1);
        write(&b, vec![Edit::PutApplication(second)]);
        let mut moved = first;
        moved.status = ApplicationStatus::Interview;
        // The status is read from the history (see `model::Application`).
        moved.history.push(koers_core::model::StatusChange {
            status: ApplicationStatus::Interview,
            at: moved.created_at,
            by: koers_core::model::Actor::Employee,
        });
        write(
            &b,
            vec![
                Edit::PutApplication(moved),
                Edit::RemoveApplication("a2".into()),
            ],
        );
        let seen = state_is_whole(&a);
        assert_eq!(seen.applications.keys().collect::<Vec<_>>(), vec!["a1"]);
        assert_eq!(seen.applications["a1"].status, ApplicationStatus::Interview);
        assert_eq!(state_is_whole(&b), seen);
        // An edit in place on one node, then the other catches up on it.
        let third = fixtures::application("a3", day, ApplicationStatus::Applied);
        write_in_place(&b, vec![Edit::PutApplication(third)]);
        assert_eq!(state_is_whole(&b).applications.len(), 2);
        assert_eq!(state_is_whole(&a), state_is_whole(&b));
    }

    /// A compaction stores the state beside the snapshot; a node that then loads the
    /// document reads that state (and the byte count) instead of hydrating it whole, brings
    /// it up to the rows after the snapshot, and ends with exactly the whole document's.
    #[test]
    fn a_node_starts_from_the_state_stored_with_the_snapshot() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bureau.db");
        bureau_with_e1(&path);
        let a = node(&path);
        let day = "2026-11-30".parse().unwrap();
        for i in 0..COMPACT_AFTER {
            let app = fixtures::application(&format!("a{i}"), day, ApplicationStatus::Applied);
            if i % 2 == 0 {
                write(&a, vec![Edit::PutApplication(app)]);
            } else {
                write_in_place(&a, vec![Edit::PutApplication(app)]);
            }
        }
        let storage = SqliteStorage::open(&path).unwrap();
        let stored = storage.load_document("e1").unwrap().unwrap();
        assert!(stored.changes.is_empty(), "compacted");
        let snapshot_heads = Automerge::load(&stored.snapshot).unwrap().get_heads();
        let kept =
            snapshot_state::decode(stored.snapshot_state.as_deref().unwrap(), &snapshot_heads)
                .unwrap();
        assert_eq!(kept.dossier.unwrap().applications.len(), COMPACT_AFTER);
        // Rows after the snapshot: another application, one removed.
        write(
            &a,
            vec![
                Edit::PutApplication(fixtures::application(
                    "late",
                    day,
                    ApplicationStatus::Applied,
                )),
                Edit::RemoveApplication("a0".into()),
            ],
        );
        let whole = state_is_whole(&a);
        assert_eq!(state_is_whole(&node(&path)), whole);

        // The state is what a fresh node trusts: a record planted in it (and in no change)
        // shows on a node that loads the document now...
        let mut planted = whole.clone();
        let fake = fixtures::application("planted", day, ApplicationStatus::Applied);
        planted.applications.insert(fake.id.clone(), fake);
        let file = rusqlite::Connection::open(&path).unwrap();
        file.execute(
            "UPDATE documents SET snapshot_state = ?1 WHERE employee_id = 'e1'",
            [snapshot_state::encode(&snapshot_heads, Some(&planted), kept.change_bytes).unwrap()],
        )
        .unwrap();
        let has_planted = |docs: &Documents| {
            docs.read_state("e1", |s| s.applications.contains_key("planted"))
                .unwrap()
        };
        assert!(has_planted(&node(&path)));
        // ... but never beside another snapshot: a node of an older version, compacting
        // during a rolling upgrade, replaces the snapshot and leaves the state as it was.
        let newer = a.read("e1", |doc| doc.save()).unwrap();
        file.execute(
            "UPDATE documents SET snapshot = ?1 WHERE employee_id = 'e1'",
            [newer],
        )
        .unwrap();
        let fresh = node(&path);
        assert!(!has_planted(&fresh));
        assert_eq!(state_is_whole(&fresh), whole);
    }

    /// A snapshot stored without a state (before schema 7, say) gets one with the first
    /// write of a node that loaded it: worked out from the snapshot alone, not from the
    /// rows after it, and named by the snapshot's heads.
    #[test]
    fn a_snapshot_without_a_state_gets_one_with_the_next_write() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bureau.db");
        bureau_with_e1(&path);
        let day = "2026-11-30".parse().unwrap();
        let first = fixtures::application("a1", day, ApplicationStatus::Applied);
        let a = node(&path);
        write(&a, vec![Edit::PutApplication(first)]);
        let stored = SqliteStorage::open(&path)
            .unwrap()
            .load_document("e1")
            .unwrap()
            .unwrap();
        assert_eq!(stored.changes.len(), 1, "a row after the snapshot");
        let snapshot = Automerge::load(&stored.snapshot).unwrap();
        let kept = snapshot_state::decode(
            stored.snapshot_state.as_deref().unwrap(),
            &snapshot.get_heads(),
        )
        .unwrap();
        let whole: DossierDocument = autosurgeon::hydrate(&snapshot).unwrap();
        assert_eq!(kept.dossier, Some(whole));
        assert!(kept.dossier.unwrap().applications.is_empty());
        assert_eq!(
            kept.change_bytes,
            crate::change_check::bytes_of(&snapshot.get_changes(&[]))
        );
        // Another node starts from it and, with the row on top, holds the whole dossier.
        let b = node(&path);
        assert_eq!(state_is_whole(&b), state_is_whole(&a));
        assert_eq!(state_is_whole(&b).applications.len(), 1);
    }
}
