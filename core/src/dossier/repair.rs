//! Repairs a stored dossier that versions before schema 6 could leave behind when two
//! processes wrote at once: two different changes under one actor and sequence number, after
//! which the document no longer loads. Every change that fits is kept as it is; what each
//! rejected change (and anything built on it) did to the records is made again as one new
//! change under a fresh actor, so no application is lost.

use std::collections::{BTreeSet, HashMap, HashSet};

use automerge::{ActorId, Automerge, Change, ChangeHash};
use rusqlite::Connection;

use crate::edit::Edit;
use crate::error::{KoersError, Result};
use crate::model::DossierDocument;
use crate::store::{RawRows, StoredDocument};
use crate::sync::knows_all;

/// Rebuilds a loadable document from the stored snapshot and change rows.
pub(super) fn repair(conn: &Connection, actor: ActorId) -> Result<Automerge> {
    let RawRows { snapshot, rows } = StoredDocument::raw_rows(conn)?;
    let load_snapshot = || -> Result<Automerge> {
        match &snapshot {
            Some(bytes) => Automerge::load(bytes).map_err(|e| KoersError::Storage {
                message: format!("de opgeslagen momentopname van het dossier is onleesbaar: {e}"),
            }),
            None => Ok(Automerge::new()),
        }
    };
    let changes: Vec<Change> = rows
        .iter()
        .filter_map(|(seq, bytes)| match Change::try_from(&bytes[..]) {
            Ok(change) => Some(change),
            Err(e) => {
                tracing::warn!(seq, "a stored change could not be read and is skipped: {e}");
                None
            }
        })
        .collect();

    let mut base = load_snapshot()?;
    let mut taken: HashMap<(ActorId, u64), ChangeHash> = base
        .get_changes(&[])
        .iter()
        .map(|c| ((c.actor_id().clone(), c.seq()), c.hash()))
        .collect();
    for change in &changes {
        if knows_all(&base, &[change.hash()]) {
            continue;
        }
        let slot = (change.actor_id().clone(), change.seq());
        if taken.get(&slot).is_some_and(|h| *h != change.hash()) {
            continue; // the twin of a change already in: recovered below
        }
        if base.apply_changes([change.clone()]).is_ok() && knows_all(&base, &[change.hash()]) {
            taken.insert(slot, change.hash());
        }
    }
    // Rejected twins, and changes that depend on them (still waiting for their ancestor).
    let lost: Vec<&Change> = changes
        .iter()
        .filter(|c| !knows_all(&base, &[c.hash()]))
        .collect();
    if lost.is_empty() {
        return Ok(base.with_actor(actor));
    }
    tracing::warn!(count = lost.len(), "recovering changes that did not fit");

    let by_hash: HashMap<ChangeHash, &Change> = changes.iter().map(|c| (c.hash(), c)).collect();
    let mut edits = Vec::new();
    for change in lost {
        // The change in its own history: the snapshot and the stored changes it descends from.
        let ancestry = ancestors(change, &by_hash);
        let mut before = load_snapshot()?;
        let in_order: Vec<Change> = changes
            .iter()
            .filter(|c| ancestry.contains(&c.hash()))
            .cloned()
            .collect();
        let mut after = before.clone();
        if before.apply_changes(in_order.clone()).is_err()
            || after
                .apply_changes(in_order.into_iter().chain([change.clone()]))
                .is_err()
            || !knows_all(&after, &[change.hash()])
        {
            tracing::warn!(hash = %change.hash(), "a stored change could not be recovered");
            continue;
        }
        let before: DossierDocument = crate::hydrate::hydrate(&before)?;
        let after: DossierDocument = crate::hydrate::hydrate(&after)?;
        edits.extend(record_edits(&before, &after));
    }

    let mut doc = base.with_actor(actor);
    let mut tx = doc.transaction();
    for edit in &edits {
        if let Err(e) = edit.apply_to_doc(&mut tx) {
            tx.rollback();
            return Err(e);
        }
    }
    tx.commit_with(
        automerge::transaction::CommitOptions::default()
            .with_message("repair: changes made concurrently by two writers".to_string()),
    );
    Ok(doc)
}

/// Every stored change `change` depends on, directly or not.
fn ancestors(change: &Change, by_hash: &HashMap<ChangeHash, &Change>) -> HashSet<ChangeHash> {
    let mut seen = HashSet::new();
    let mut todo: Vec<ChangeHash> = change.deps().to_vec();
    while let Some(hash) = todo.pop() {
        if let Some(parent) = by_hash.get(&hash) {
            if seen.insert(hash) {
                todo.extend(parent.deps().iter().copied());
            }
        }
    }
    seen
}

/// The edits that turn `before`'s records into `after`'s.
fn record_edits(before: &DossierDocument, after: &DossierDocument) -> Vec<Edit> {
    let mut edits = Vec::new();
    if before.trajectory != after.trajectory {
        edits.push(Edit::PutTrajectory(after.trajectory.clone()));
    }
    for (id, a) in &after.applications {
        if before.applications.get(id) != Some(a) {
            edits.push(Edit::PutApplication(a.clone()));
        }
    }
    let gone: BTreeSet<&String> = before
        .applications
        .keys()
        .filter(|id| !after.applications.contains_key(*id))
        .collect();
    edits.extend(
        gone.into_iter()
            .map(|id| Edit::RemoveApplication(id.clone())),
    );
    for (id, a) in &after.appointments {
        if before.appointments.get(id) != Some(a) {
            edits.push(Edit::PutAppointment(a.clone()));
        }
    }
    for (id, a) in &after.actions {
        if before.actions.get(id) != Some(a) {
            edits.push(Edit::PutAction(a.clone()));
        }
    }
    for id in before.actions.keys() {
        if !after.actions.contains_key(id) {
            edits.push(Edit::RemoveAction(id.clone()));
        }
    }
    for (id, c) in &after.comments {
        if before.comments.get(id) != Some(c) {
            edits.push(Edit::PutComment(c.clone()));
        }
    }
    edits
}
