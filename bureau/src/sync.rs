//! `POST /v1/sync`: authenticates the caller, checks limits and access, and runs each
//! document's round (docs/SYNC.md): the fast path (apply the pushed changes, answer with what
//! the device lacks) or a round of Automerge's sync protocol. Changes that arrive are checked
//! (checksums, keys inside the model, the dossier's size: `change_check`) and against the
//! role rules of `koers_core::rules` on a fork before anything is stored. The rules judge
//! only the records the new changes touched (`koers_core::incremental`): the cached hydrated
//! state gives them before, the fork after, so a sync costs what its changes cost.

use std::collections::HashSet;
use std::panic::AssertUnwindSafe;

use automerge::sync::{Message, SyncDoc};
use automerge::{Automerge, Change, ChangeHash};
use koers_core::incremental::{self, RecordRef, Touched};
use koers_core::model::{Actor, DossierDocument, DOCUMENT_SCHEMA};
use koers_core::sync::{hashes_from_wire, hashes_to_wire, knows_all};
use koers_protocol::{
    limits, Bytes, DocumentReply, DocumentSync, ErrorCode, Hash, Outcome, Push, SyncRequest,
    SyncResponse, PROTOCOL_VERSION,
};

use crate::auth::{self, Principal};
use crate::documents::{self, actor_for, Edited, Persist, Slot};
use crate::storage::TokenCheck;
use crate::{AppState, BureauError, Result};

/// One sync request as it arrives: the bearer `token`, the client's address and the body.
/// A device this node remembers (`AppState::known_devices`) syncing its own dossier is not
/// looked up again: its token is checked inside the document's transaction instead, which
/// saves the lookup's own round trip to the database. Anyone else is authenticated first.
pub fn serve(state: &AppState, token: Option<&str>, ip: &str, body: &[u8]) -> Result<SyncResponse> {
    let hash = token.map(auth::token_hash);
    let known = hash.as_deref().and_then(|h| state.known_devices.get(h));
    let (who, request, recheck) = match known {
        Some(device) => {
            let request = decode(body)?;
            let own = !request.documents.is_empty()
                && request
                    .documents
                    .iter()
                    .all(|d| d.document == device.employee_id);
            if own {
                let who = Principal::Device {
                    device_id: device.device_id,
                    employee_id: device.employee_id,
                };
                (who, request, hash.as_deref())
            } else {
                (
                    authenticate(state, token, hash.as_deref(), ip)?,
                    request,
                    None,
                )
            }
        }
        None => {
            let who = authenticate(state, token, hash.as_deref(), ip)?;
            (who, decode(body)?, None)
        }
    };
    let reply = handle(state, &who, recheck, ip, request)?;
    let refused = reply.documents.iter().any(|d| {
        matches!(
            d.outcome,
            Outcome::Refused {
                code: ErrorCode::Unauthorized,
                ..
            }
        )
    });
    if let (Some(h), true) = (recheck, refused) {
        // Revoked, or the token was replaced: looked up again next time (and refused).
        state.known_devices.forget(h);
        refuse_unauthorized(state, ip);
    }
    Ok(reply)
}

/// Looks the token up; a device is remembered for its next sync (see [`serve`]).
fn authenticate(
    state: &AppState,
    token: Option<&str>,
    hash: Option<&[u8]>,
    ip: &str,
) -> Result<Principal> {
    match auth::authenticate(state.storage.as_ref(), token, crate::now_ms()) {
        Ok(who) => {
            if let (
                Principal::Device {
                    device_id,
                    employee_id,
                },
                Some(hash),
            ) = (&who, hash)
            {
                state.known_devices.remember(
                    hash.to_vec(),
                    auth::KnownDevice {
                        device_id: device_id.clone(),
                        employee_id: employee_id.clone(),
                    },
                );
            }
            Ok(who)
        }
        Err(e) => {
            refuse_unauthorized(state, ip);
            Err(e)
        }
    }
}

/// Audits a sync whose token was missing, unknown, revoked or replaced, however found out.
fn refuse_unauthorized(state: &AppState, ip: &str) {
    state.refuse("unauthorized", None, ip, "sync zonder geldige sleutel");
}

fn decode(body: &[u8]) -> Result<SyncRequest> {
    koers_protocol::decode(body)
        .map_err(|e| BureauError::refused(ErrorCode::Malformed, format!("Onleesbaar verzoek: {e}")))
}

/// Handles one decoded sync request for an authenticated caller. With `recheck` (a device
/// remembered, not looked up: see [`serve`]), the device's token hash is checked again in
/// each document's transaction.
pub fn handle(
    state: &AppState,
    who: &Principal,
    recheck: Option<&[u8]>,
    ip: &str,
    request: SyncRequest,
) -> Result<SyncResponse> {
    if request.v != PROTOCOL_VERSION {
        return Err(BureauError::refused(
            ErrorCode::UnsupportedVersion,
            format!(
                "Protocolversie {} wordt niet ondersteund; werk de app bij.",
                request.v
            ),
        ));
    }
    if request.documents.len() > limits::MAX_DOCUMENTS {
        return Err(BureauError::refused(
            ErrorCode::TooLarge,
            format!(
                "Te veel dossiers in één verzoek (maximaal {}).",
                limits::MAX_DOCUMENTS
            ),
        ));
    }
    // Access first, for every document, so a refused request changes nothing at all.
    let mut roles = Vec::with_capacity(request.documents.len());
    for d in &request.documents {
        roles.push(access(state, who, ip, &d.document)?);
    }
    let mut documents = Vec::with_capacity(request.documents.len());
    for (d, role) in request.documents.into_iter().zip(roles) {
        let id = d.document.clone();
        let outcome = match sync_document(state, who, recheck, role, d) {
            Ok(o) => o,
            Err(BureauError::Refused { code, message }) => {
                tracing::info!(peer = %who.peer_id(), document = %id, ?code, %message, "sync: document refused");
                Outcome::Refused { code, message }
            }
            Err(e) => return Err(e),
        };
        documents.push(DocumentReply {
            document: id,
            outcome,
        });
    }
    Ok(SyncResponse {
        v: PROTOCOL_VERSION,
        documents,
    })
}

/// The role `who` has on `document`, or a 403 (logged and audited).
pub fn access(state: &AppState, who: &Principal, ip: &str, document: &str) -> Result<Actor> {
    let allowed = match who {
        Principal::Device { employee_id, .. } => {
            (employee_id == document).then_some(Actor::Employee)
        }
        Principal::Coach { coach_id } => state
            .storage
            .employee(document)?
            .filter(|e| &e.coach_id == coach_id)
            .map(|_| Actor::Coach),
    };
    allowed.ok_or_else(|| {
        state.refuse(
            "forbidden",
            Some(&who.peer_id()),
            ip,
            &format!("toegang tot dossier {document} geweigerd"),
        );
        BureauError::refused(ErrorCode::Forbidden, "Geen toegang tot dit dossier.")
    })
}

fn sync_document(
    state: &AppState,
    who: &Principal,
    recheck: Option<&[u8]>,
    role: Actor,
    d: DocumentSync,
) -> Result<Outcome> {
    let peer = who.peer_id();
    let employee_id = d.document.clone();
    let token = match (who, recheck) {
        (Principal::Device { device_id, .. }, Some(token_hash)) => Some(TokenCheck {
            device_id,
            token_hash,
        }),
        _ => None,
    };
    let outcome = state
        .documents
        .edit_as(&employee_id, &peer, token, |slot| {
            // Automerge is not known to panic on bad input, but the server must not fall over
            // if it ever does: such a document is refused like any other bad change.
            std::panic::catch_unwind(AssertUnwindSafe(|| {
                match d.push {
                    Push::Fast {
                        base,
                        heads,
                        changes,
                        packed,
                    } => unpacked(changes, packed).and_then(|changes| {
                        fast(state, slot, &employee_id, &peer, role, base, heads, changes)
                    }),
                    Push::Full { message } => full(state, slot, &employee_id, &peer, role, message),
                }
                .map(|(outcome, doc, mut persist)| {
                    // Last seen goes into the round's own transaction: one fsync per sync.
                    if let Principal::Device { device_id, .. } = who {
                        if state.touch_due(device_id) {
                            persist.device_seen = Some((device_id.clone(), crate::now_ms()));
                        }
                    }
                    (outcome, doc, persist)
                })
            }))
            .unwrap_or_else(|_| {
                Err(BureauError::refused(
                    ErrorCode::BadChange,
                    "De wijzigingen konden niet worden verwerkt.",
                ))
            })
        })?;
    // Audited once the correction is stored (and outside the document's transaction).
    if let Outcome::Fast { corrected, .. } | Outcome::Full { corrected, .. } = &outcome {
        if !corrected.is_empty() {
            state.audit(
                "rule_corrected",
                Some(&peer),
                "",
                &format!("{employee_id}: {}", corrected.join("; ")),
            );
        }
    }
    Ok(outcome)
}

type Round = (Outcome, Edited, Persist);

/// The changes of a fast push, unpacked when they travel packed. What is inflated is
/// bounded: at most [`limits::MAX_REQUEST_BYTES`] (the request's own bound), and only plain
/// change chunks may be inside, so nothing unpacked inflates further.
fn unpacked(changes: Vec<Bytes>, packed: Option<Bytes>) -> Result<Vec<Bytes>> {
    let Some(packed) = packed else {
        return Ok(changes);
    };
    if !changes.is_empty() {
        return Err(BureauError::refused(
            ErrorCode::Malformed,
            "Wijzigingen zowel los als ingepakt verstuurd.",
        ));
    }
    let list = koers_protocol::unpack_changes(&packed, limits::MAX_REQUEST_BYTES).map_err(|e| {
        BureauError::refused(
            ErrorCode::BadChange,
            format!("Ingepakte wijzigingen zijn onleesbaar of te groot: {e}"),
        )
    })?;
    crate::change_check::plain_change_chunks(&list)?;
    Ok(list)
}

#[allow(clippy::too_many_arguments)]
fn fast(
    state: &AppState,
    slot: &mut Slot,
    employee_id: &str,
    peer: &str,
    role: Actor,
    base: Vec<Hash>,
    heads: Vec<Hash>,
    changes: Vec<Bytes>,
) -> Result<Round> {
    if base.len() > limits::MAX_HEADS || heads.len() > limits::MAX_HEADS {
        return Err(BureauError::refused(
            ErrorCode::TooLarge,
            "Te veel kopjes (heads).",
        ));
    }
    if changes.len() > limits::MAX_CHANGES_PER_DOCUMENT {
        return Err(BureauError::refused(
            ErrorCode::TooLarge,
            format!(
                "Te veel wijzigingen in één keer (maximaal {}).",
                limits::MAX_CHANGES_PER_DOCUMENT
            ),
        ));
    }
    let bad_hash = |_| {
        BureauError::refused(
            ErrorCode::Malformed,
            "Een kenmerk heeft niet de juiste lengte.",
        )
    };
    let base = hashes_from_wire(&base).map_err(bad_hash)?;
    let heads = hashes_from_wire(&heads).map_err(bad_hash)?;
    if !knows_all(&slot.doc, &base) {
        // We do not hold what the device thinks we acknowledged: full protocol.
        return Ok(start_full(state, slot));
    }
    let pushed = crate::change_check::parse_pushed(&changes)?;
    // Only what we lack, once each, and only when it fits: every dependency and every head
    // the device names must be known after it. Judged before anything is applied, so a
    // round that falls back to the full protocol leaves the document as it was.
    let mut seen = HashSet::new();
    let new: Vec<Change> = pushed
        .into_iter()
        .filter(|c| !knows_all(&slot.doc, &[c.hash()]) && seen.insert(c.hash()))
        .collect();
    let known = |h: &ChangeHash| seen.contains(h) || knows_all(&slot.doc, &[*h]);
    if !new.iter().all(|c| c.deps().iter().all(known)) || !heads.iter().all(known) {
        return Ok(start_full(state, slot));
    }
    let (corrected, added) = take_in_place(slot, employee_id, peer, role, new)?;
    let new_heads = slot.doc.get_heads();
    // Plain chunks, as the phone sends them (`koers_core::sync::engine::backlog` says why).
    let missing: Vec<Bytes> = slot
        .doc
        .get_changes(&heads)
        .iter()
        .map(|c| Bytes(c.raw_bytes().to_vec()))
        .collect();
    let packed = koers_protocol::pack_changes(&missing);
    let outcome = Outcome::Fast {
        // Empty means "the heads you sent": the common case, 34 bytes saved.
        heads: if new_heads == sorted(heads.clone()) {
            vec![]
        } else {
            hashes_to_wire(&new_heads)
        },
        changes: if packed.is_some() {
            Vec::new()
        } else {
            missing
        },
        packed,
        corrected,
    };
    Ok((outcome, Edited::InPlace(added), Persist::default()))
}

/// Applies `new` (changes the document lacks, whose dependencies it holds) to the slot's
/// document in place and runs every check on them: the dossier's size, keys inside the
/// model, the role rules (a correcting change undoes what the role may not do). Keeps the
/// slot's hydrated state in step. Returns the corrections and every change added. On an
/// error the slot is dropped by `Documents` (see [`Slot::doc_mut`]).
fn take_in_place(
    slot: &mut Slot,
    employee_id: &str,
    peer: &str,
    role: Actor,
    new: Vec<Change>,
) -> Result<(Vec<String>, Vec<Change>)> {
    if new.is_empty() {
        return Ok((vec![], vec![]));
    }
    // Refused before anything is applied: an honest phone can meet this one.
    crate::change_check::dossier_size(slot.change_bytes(), &new)?;
    slot.doc_mut()
        .apply_changes(new.iter().cloned())
        .map_err(|e| {
            BureauError::refused(
                ErrorCode::BadChange,
                format!("Wijzigingen passen niet: {e}"),
            )
        })?;
    let written = incremental::written(&slot.doc, &new).ok_or_else(|| {
        BureauError::refused(
            ErrorCode::BadChange,
            "Een wijziging schrijft op een plek die niet in het dossier bestaat.",
        )
    })?;
    crate::change_check::keys_written(&written)?;
    let touched = incremental::touched_in(&written);
    let judged = judge(slot.state(employee_id)?, &slot.doc, role, &touched)?;
    let mut added = new;
    let corrected = match judged {
        Judged::Allowed(after) => {
            put_records(
                slot.state_mut_touching(employee_id, touched.clone())?,
                after,
                &touched,
            );
            vec![]
        }
        Judged::Corrected { kept, words } => {
            added.extend(correct(slot.doc_mut(), &kept, &words, peer, employee_id)?);
            // The dossier as kept, read back from the document for the records involved.
            let mut whole = kept;
            incremental::refresh(&slot.doc, &mut whole, &touched).map_err(|e| {
                BureauError::Storage {
                    message: format!("cannot read the corrected dossier: {e}"),
                }
            })?;
            *slot.state_mut(employee_id)? = whole;
            words
        }
    };
    Ok((corrected, added))
}

fn start_full(state: &AppState, slot: &mut Slot) -> Round {
    let mut sync_state = state.documents.full_state(slot);
    let message = slot.doc.generate_sync_message(&mut sync_state);
    (
        Outcome::Full {
            message: message.map(|m| Bytes(m.encode())),
            corrected: vec![],
        },
        Edited::Fork(None),
        Persist::default(),
    )
}

fn full(
    state: &AppState,
    slot: &mut Slot,
    employee_id: &str,
    peer: &str,
    role: Actor,
    message: Option<Bytes>,
) -> Result<Round> {
    let mut sync_state = state.documents.full_state(slot);
    let shared_before = sync_state.shared_heads.clone();
    // The fallback works on a fork: Automerge's protocol may queue changes whose
    // dependencies have not arrived yet, which the stored document must not hold.
    let mut fork = slot.doc.fork().with_actor(actor_for("bureau"));
    if let Some(message) = message {
        let message = Message::decode(&message.0).map_err(|e| {
            BureauError::refused(
                ErrorCode::Malformed,
                format!("Onleesbaar synchronisatiebericht: {e}"),
            )
        })?;
        if message.changes.len() > limits::MAX_CHANGES_PER_DOCUMENT
            || message.heads.len() > limits::MAX_HEADS
        {
            return Err(BureauError::refused(
                ErrorCode::TooLarge,
                "Synchronisatiebericht te groot.",
            ));
        }
        crate::change_check::message_checksums(&message)?;
        fork.receive_sync_message(&mut sync_state, message)
            .map_err(|e| {
                BureauError::refused(
                    ErrorCode::BadChange,
                    format!("Wijzigingen passen niet: {e}"),
                )
            })?;
    }
    let changed = fork.get_heads() != slot.doc.get_heads();
    let corrected = if changed {
        let added = fork.get_changes(&slot.doc.get_heads());
        crate::change_check::fork(slot.change_bytes(), &fork, &added)?;
        let touched = incremental::touched_by(&fork, &added);
        match judge(slot.state(employee_id)?, &fork, role, &touched)? {
            Judged::Allowed(_) => vec![],
            Judged::Corrected { kept, words } => {
                correct(&mut fork, &kept, &words, peer, employee_id)?;
                words
            }
        }
    } else {
        vec![]
    };
    let reply = fork.generate_sync_message(&mut sync_state);
    let persist = Persist {
        peer_state: (sync_state.shared_heads != shared_before).then(|| {
            crate::storage::PeerStateRow {
                peer: peer.to_string(),
                state: sync_state.encode(),
            }
        }),
        device_seen: None,
    };
    Ok((
        Outcome::Full {
            message: reply.map(|m| Bytes(m.encode())),
            corrected,
        },
        Edited::Fork(changed.then(|| Box::new(fork))),
        persist,
    ))
}

fn sorted(mut v: Vec<automerge::ChangeHash>) -> Vec<automerge::ChangeHash> {
    v.sort_unstable();
    v
}

/// What the role rules make of the records some new changes touched.
enum Judged {
    /// Everything allowed: the touched records as they now are.
    Allowed(DossierDocument),
    /// Edits the role may not make: the whole dossier as it may be, and what was undone.
    Corrected {
        kept: DossierDocument,
        words: Vec<String>,
    },
}

/// Judges the records `touched` names: before from `state` (the stored document hydrated),
/// after read from `doc` (with the new changes). A document that is not a readable dossier
/// any more is refused whole.
///
/// Only the records the new changes touched are read and judged: every other record is the
/// same before and after, and the rules judge each record on its own (an application
/// deleted with its comments touches both), so the verdicts are those of a check on the
/// whole dossier.
fn judge(
    state: &DossierDocument,
    doc: &Automerge,
    role: Actor,
    touched: &Touched,
) -> Result<Judged> {
    let before = records_of(state, touched);
    let mut after = before.clone();
    incremental::refresh(doc, &mut after, touched).map_err(|e| {
        BureauError::refused(
            ErrorCode::BadDocument,
            format!("Na deze wijzigingen is het dossier onleesbaar: {e}"),
        )
    })?;
    if after.schema > DOCUMENT_SCHEMA {
        return Err(BureauError::refused(
            ErrorCode::BadDocument,
            "Dit dossier heeft een nieuwere vorm dan het bureau kent.",
        ));
    }
    let (kept, violations) = koers_core::rules::closed_dossier(role, &before, &after)
        .unwrap_or_else(|| koers_core::rules::permitted(role, &before, &after));
    if violations.is_empty() {
        return Ok(Judged::Allowed(after));
    }
    Ok(Judged::Corrected {
        // The whole dossier as it may be: the stored one with the judged records as kept.
        kept: with_records(state, kept, touched),
        words: violations.iter().map(|v| v.to_string()).collect(),
    })
}

/// Undoes edits the role may not make with a correcting change on `doc` that makes it
/// `kept` (so the device converges instead of being stuck with a change the server refuses
/// forever); the caller audits them.
fn correct(
    doc: &mut Automerge,
    kept: &DossierDocument,
    words: &[String],
    peer: &str,
    employee_id: &str,
) -> Result<Option<Change>> {
    // The words travel in the change itself, so every device learns of the correction by
    // whichever exchange brings it (a lost reply included).
    let options = automerge::transaction::CommitOptions::default()
        .with_message(koers_protocol::correction_message(words))
        .with_time(crate::now_ms() / 1000);
    let change = documents::change_as(doc, actor_for("bureau"), options, |tx| {
        autosurgeon::reconcile(tx, kept).map_err(|e| BureauError::Storage {
            message: format!("cannot write correction: {e}"),
        })
    })?;
    for w in words {
        tracing::warn!(peer, employee_id, violation = %w, "sync: edit not allowed for role; corrected");
    }
    Ok(change)
}

/// The part of `state` that `touched` names: the schema and trajectory (small, and the rules
/// compare them whole) and the touched records of each collection.
fn records_of(state: &DossierDocument, touched: &Touched) -> DossierDocument {
    let records = match touched {
        Touched::Everything => return state.clone(),
        Touched::Records(records) => records,
    };
    let mut part = DossierDocument {
        schema: state.schema,
        trajectory: state.trajectory.clone(),
        ..Default::default()
    };
    fn copy<T: Clone>(
        from: &std::collections::BTreeMap<String, T>,
        into: &mut std::collections::BTreeMap<String, T>,
        id: &str,
    ) {
        if let Some(item) = from.get(id) {
            into.insert(id.to_string(), item.clone());
        }
    }
    for record in records {
        match record {
            RecordRef::Schema | RecordRef::Trajectory => {}
            RecordRef::Application(id) => copy(&state.applications, &mut part.applications, id),
            RecordRef::Appointment(id) => copy(&state.appointments, &mut part.appointments, id),
            RecordRef::Action(id) => copy(&state.actions, &mut part.actions, id),
            RecordRef::Comment(id) => copy(&state.comments, &mut part.comments, id),
        }
    }
    part
}

/// `state` with the records `touched` names taken from `part` (absent there: removed).
fn with_records(
    state: &DossierDocument,
    part: DossierDocument,
    touched: &Touched,
) -> DossierDocument {
    if *touched == Touched::Everything {
        return part;
    }
    let mut whole = state.clone();
    put_records(&mut whole, part, touched);
    whole
}

/// Puts the records `touched` names from `part` into `whole` (absent there: removed), in
/// place: the state of a two-year dossier costs more to copy than a sync round.
fn put_records(whole: &mut DossierDocument, mut part: DossierDocument, touched: &Touched) {
    let records = match touched {
        Touched::Everything => {
            *whole = part;
            return;
        }
        Touched::Records(records) => records,
    };
    whole.schema = part.schema;
    whole.trajectory = std::mem::take(&mut part.trajectory);
    fn put<T>(
        from: &mut std::collections::BTreeMap<String, T>,
        into: &mut std::collections::BTreeMap<String, T>,
        id: &str,
    ) {
        match from.remove(id) {
            Some(item) => {
                into.insert(id.to_string(), item);
            }
            None => {
                into.remove(id);
            }
        }
    }
    for record in records {
        match record {
            RecordRef::Schema | RecordRef::Trajectory => {}
            RecordRef::Application(id) => put(&mut part.applications, &mut whole.applications, id),
            RecordRef::Appointment(id) => put(&mut part.appointments, &mut whole.appointments, id),
            RecordRef::Action(id) => put(&mut part.actions, &mut whole.actions, id),
            RecordRef::Comment(id) => put(&mut part.comments, &mut whole.comments, id),
        }
    }
}
