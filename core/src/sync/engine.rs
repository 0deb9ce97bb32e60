//! The client's sync logic as pure functions over an Automerge document and the persisted
//! state per peer (docs/SYNC.md, "Rounds"): the fast path (push the changes since the heads
//! the bureau acknowledged, get back what we lack: one round trip) and the fallback to
//! Automerge's own sync protocol when the fast path cannot work.

use automerge::sync::{BloomFilter, Have, Message, State as AmSyncState, SyncDoc};
use automerge::{Automerge, ChangeHash, ReadDoc};
use koers_protocol::{
    self as wire, Bytes, DocumentReply, DocumentSync, ErrorCode, Hash, Outcome, Push, SyncRequest,
    PROTOCOL_VERSION,
};
use serde::{Deserialize, Serialize};

use super::backoff::{with_backoff, BackoffPolicy};
use super::transport::HttpTransport;
use crate::{KoersError, Result};

/// What one device remembers about the bureau for one document, across sessions. Persist
/// [`PeerState::to_bytes`] in the same transaction as the changes an [`absorb`] applied.
#[derive(Debug, Clone, Default)]
pub struct PeerState {
    /// The bureau's heads as last acknowledged: every change below them is on the server.
    acked: Vec<ChangeHash>,
    /// Whether the next round speaks Automerge's full sync protocol.
    full: bool,
    /// The full protocol's state. `to_bytes` keeps what the next round needs: the shared
    /// heads and what the bureau last said it has and needs (a phone reloads this from its
    /// database every round, and a bureau restored from a backup asks for what it lost).
    sync: AmSyncState,
    /// The heads the last fast push announced (not persisted): a fast reply with empty
    /// `heads` means "the same as those".
    sent_heads: Vec<ChangeHash>,
}

/// The persisted shape of a [`PeerState`], CBOR like the wire. Version 1 had only the first
/// four fields; the rest default to "not known", which is what a version 1 blob meant.
#[derive(Serialize, Deserialize)]
struct StoredPeerState {
    v: u8,
    acked: Vec<Hash>,
    full: bool,
    /// Automerge's own encoding: the shared heads.
    sync: Bytes,
    /// The bureau's heads, as its last message said.
    #[serde(default)]
    their_heads: Option<Vec<Hash>>,
    /// The changes the bureau asked for by hash.
    #[serde(default)]
    their_need: Option<Vec<Hash>>,
    /// What the bureau said it has: per entry the heads of its last sync and a bloom
    /// filter of its changes since.
    #[serde(default)]
    their_have: Option<Vec<(Vec<Hash>, Bytes)>>,
}

impl PeerState {
    /// A peer we never synced with: the first round pushes the whole document.
    pub fn new() -> Self {
        Self::default()
    }

    /// A peer whose document (at `heads`) we already hold in full, e.g. after enrolment.
    pub fn acknowledged(heads: Vec<ChangeHash>) -> Self {
        Self {
            acked: heads,
            ..Self::default()
        }
    }

    /// The heads the bureau acknowledged last.
    pub fn acked_heads(&self) -> &[ChangeHash] {
        &self.acked
    }

    /// Whether a round of the full protocol is under way (for diagnostics).
    pub fn in_full_sync(&self) -> bool {
        self.full
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        let stored = StoredPeerState {
            v: 2,
            acked: hashes_to_wire(&self.acked),
            full: self.full,
            sync: Bytes(self.sync.encode()),
            their_heads: self.sync.their_heads.as_deref().map(hashes_to_wire),
            their_need: self.sync.their_need.as_deref().map(hashes_to_wire),
            their_have: self.sync.their_have.as_ref().map(|haves| {
                haves
                    .iter()
                    .map(|h| (hashes_to_wire(&h.last_sync), Bytes(h.bloom.to_bytes())))
                    .collect()
            }),
        };
        // Encoding plain owned data into a Vec cannot fail; an empty blob would only mean a
        // fresh start, never lost data.
        wire::encode(&stored).unwrap_or_default()
    }

    /// Reads what [`Self::to_bytes`] wrote. An unreadable blob is an error, not a reset, so
    /// that the caller notices; `PeerState::new()` is always a safe (slower) fallback.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let stored: StoredPeerState = wire::decode(bytes).map_err(|e| KoersError::Document {
            message: format!("de synchronisatiestatus is onleesbaar: {e}"),
        })?;
        let unreadable = |e: String| KoersError::Document {
            message: format!("de synchronisatiestatus is onleesbaar: {e}"),
        };
        let acked = hashes_from_wire(&stored.acked)?;
        let mut sync =
            AmSyncState::decode(&stored.sync.0).map_err(|e| unreadable(e.to_string()))?;
        sync.their_heads = stored
            .their_heads
            .as_deref()
            .map(hashes_from_wire)
            .transpose()?;
        sync.their_need = stored
            .their_need
            .as_deref()
            .map(hashes_from_wire)
            .transpose()?;
        sync.their_have = match stored.their_have {
            None => None,
            Some(haves) => Some(
                haves
                    .into_iter()
                    .map(|(last_sync, bloom)| {
                        Ok(Have {
                            last_sync: hashes_from_wire(&last_sync)?,
                            bloom: BloomFilter::try_from(bloom.0.as_slice())
                                .map_err(|e| unreadable(e.to_string()))?,
                        })
                    })
                    .collect::<Result<Vec<_>>>()?,
            ),
        };
        Ok(Self {
            acked,
            full: stored.full,
            sync,
            sent_heads: Vec::new(),
        })
    }
}

/// What an [`absorb`] did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Absorbed {
    /// The changes newly applied to the document, as raw change bytes, oldest first: persist
    /// them (with the new `PeerState`) in one transaction.
    pub applied_changes: Vec<Vec<u8>>,
    /// Whether this document needs another round now (the full protocol is still talking).
    pub needs_another_round: bool,
    /// Edits of ours that the bureau undid because our role may not make them.
    pub corrected: Vec<String>,
}

/// Local changes the bureau has not acknowledged yet (the "pending" count of the status).
pub fn pending_changes(doc: &Automerge, state: &PeerState) -> usize {
    // Counted from the change graph: the changes themselves are not needed.
    doc.get_changes_meta(&known(doc, &state.acked)).len()
}

/// One document's part of the next round. Changes `state` only in full mode (the protocol
/// records what it sent).
pub fn prepare(doc: &Automerge, document_id: &str, state: &mut PeerState) -> DocumentSync {
    let acked = known(doc, &state.acked);
    if acked.len() != state.acked.len() {
        // We lost changes we once had acknowledged (restored from a backup): only the full
        // protocol finds out what each side lacks.
        state.full = true;
    }
    let push = if state.full {
        let mut message = doc.generate_sync_message(&mut state.sync);
        if message.is_none() {
            // The protocol thinks it is waiting for an answer that got lost: start the
            // exchange again from the shared heads.
            state.sync = AmSyncState::decode(&state.sync.encode()).unwrap_or_default();
            message = doc.generate_sync_message(&mut state.sync);
        }
        Push::Full {
            message: message.map(|m| Bytes(m.encode())),
        }
    } else if acked.is_empty() {
        state.sent_heads = doc.get_heads();
        // Never synced: the saved document is far smaller than its changes one by one.
        Push::Fast {
            base: vec![],
            heads: hashes_to_wire(&doc.get_heads()),
            changes: vec![Bytes(doc.save())],
            packed: None,
        }
    } else {
        state.sent_heads = doc.get_heads();
        let (changes, packed) = backlog(doc, doc.get_changes(&acked));
        Push::Fast {
            base: hashes_to_wire(&acked),
            heads: hashes_to_wire(&doc.get_heads()),
            changes,
            packed,
        }
    };
    DocumentSync {
        document: document_id.to_string(),
        push,
    }
}

/// Above this many bytes of changes a push also weighs the whole saved document: saving
/// costs a walk over the dossier, worth it only for a long backlog.
const WEIGH_SAVED_ABOVE: usize = 16 * 1024;

/// The changes of a fast push as they travel most compactly (docs/SYNC.md, "The fast
/// path"): one by one (few changes); packed (many: their shared actor, keys and text
/// compress together); or, when that is smaller still, as the one chunk of the whole saved
/// document, whose columnar encoding stores a change's dependencies as positions instead of
/// 32-byte hashes (a phone back from two years offline: 3,000 changes, 12x the saved
/// document one by one, 3.6x packed, 1x saved). The bureau takes what it lacks from any.
///
/// One by one, changes go as plain chunks: compressing a change of one application (about
/// 460 bytes) saves some 60 bytes and costs 50-60 µs of the phone's CPU, and the bureau
/// twice the time to read it (26 against 12 µs), measured on the two-year dossier.
fn backlog(doc: &Automerge, changes: Vec<automerge::Change>) -> (Vec<Bytes>, Option<Bytes>) {
    let plain: Vec<Bytes> = changes
        .iter()
        .map(|c| Bytes(c.raw_bytes().to_vec()))
        .collect();
    let size = plain.iter().map(|c| c.0.len()).sum::<usize>();
    if size < wire::PACK_THRESHOLD {
        return (plain, None);
    }
    // Packed: DEFLATE finds more to share in the whole list than in each change on its own,
    // and the bureau inflates no chunk of a packed list.
    let mut best = match wire::pack_changes(&plain).filter(|packed| packed.0.len() < size) {
        Some(packed) => (packed.0.len(), vec![], Some(packed)),
        None => (size, plain, None),
    };
    if best.0 > WEIGH_SAVED_ABOVE {
        let saved = doc.save();
        if saved.len() < best.0 {
            best = (saved.len(), vec![Bytes(saved)], None);
        }
    }
    (best.1, best.2)
}

/// Applies the server's reply for one document to `doc` and `state`.
pub fn absorb(
    doc: &mut Automerge,
    state: &mut PeerState,
    reply: DocumentReply,
) -> Result<Absorbed> {
    let before = doc.get_heads();
    let mut absorbed = Absorbed::default();
    match reply.outcome {
        Outcome::Refused { code, message } => return Err(refusal(code, message)),
        Outcome::Fast {
            heads,
            changes,
            corrected,
            packed,
        } => {
            absorbed.corrected = corrected;
            let changes = match packed {
                Some(packed) => koers_protocol::unpack_changes(
                    &packed,
                    koers_protocol::limits::MAX_REQUEST_BYTES,
                )
                .map_err(|e| KoersError::Document {
                    message: format!("het bureau stuurde onleesbare wijzigingen: {e}"),
                })?,
                None => changes,
            };
            let heads = if heads.is_empty() {
                std::mem::take(&mut state.sent_heads)
            } else {
                hashes_from_wire(&heads)?
            };
            apply_chunks(doc, &changes).map_err(|e| KoersError::Document {
                message: format!("het bureau stuurde een onleesbare wijziging: {e}"),
            })?;
            let complete =
                !heads.is_empty() && doc.get_missing_deps(&[]).is_empty() && knows_all(doc, &heads);
            if complete {
                state.acked = heads;
                state.full = false;
            } else {
                // The bureau's answer does not fit what we hold: let the full protocol
                // work out the difference.
                state.full = true;
                absorbed.needs_another_round = true;
            }
        }
        Outcome::Full { message, corrected } => {
            absorbed.corrected = corrected;
            if !state.full {
                // The bureau cannot use the fast path (yet): switch, keeping what the full
                // protocol already knows to be shared.
                state.full = true;
                state.sync = AmSyncState::decode(&state.sync.encode()).unwrap_or_default();
            }
            if let Some(message) = message {
                let message = Message::decode(&message.0).map_err(|e| KoersError::Document {
                    message: format!(
                        "het bureau stuurde een onleesbaar synchronisatiebericht: {e}"
                    ),
                })?;
                doc.receive_sync_message(&mut state.sync, message)
                    .map_err(|e| KoersError::Document {
                        message: format!("de wijzigingen van het bureau passen niet: {e}"),
                    })?;
            }
            let ours = doc.get_heads();
            let settled = state.sync.their_heads.as_ref().is_some_and(|theirs| {
                let mut theirs = theirs.clone();
                theirs.sort_unstable();
                theirs == ours
            }) && doc.get_missing_deps(&[]).is_empty();
            if settled {
                state.acked = ours;
                state.full = false;
            } else {
                absorbed.needs_another_round = true;
            }
        }
    }
    // Most replies bring nothing new; then there is nothing to collect from the op set.
    let applied = if doc.get_heads() == before {
        Vec::new()
    } else {
        doc.get_changes(&before)
    };
    // A correcting change names what it undid: learn it from the change too, whichever
    // exchange carries it (the reply that listed it may have been lost).
    for change in &applied {
        for line in change
            .message()
            .and_then(koers_protocol::corrections_in)
            .unwrap_or_default()
        {
            if !absorbed.corrected.contains(&line) {
                absorbed.corrected.push(line);
            }
        }
    }
    absorbed.applied_changes = applied.iter().map(|c| c.raw_bytes().to_vec()).collect();
    Ok(absorbed)
}

/// Merges the document the bureau sent at enrolment into ours. Returns the peer state to
/// persist (the bureau's heads as acknowledged) and the changes that were new to us.
pub fn adopt_enrolment(doc: &mut Automerge, document: &[u8]) -> Result<(PeerState, Vec<Vec<u8>>)> {
    let theirs = Automerge::load(document).map_err(|e| KoersError::Document {
        message: format!("het dossier van het bureau is onleesbaar: {e}"),
    })?;
    let before = doc.get_heads();
    let mut theirs = theirs;
    doc.merge(&mut theirs)?;
    let applied = doc
        .get_changes(&before)
        .into_iter()
        .map(|c| c.raw_bytes().to_vec())
        .collect();
    Ok((PeerState::acknowledged(theirs.get_heads()), applied))
}

/// Applies chunks as they travel (single changes, compressed or not, or saved documents) to
/// `doc`, strictly: one unreadable chunk fails the whole call and nothing is applied.
/// (`load_incremental` would silently skip what it cannot read.)
pub fn apply_chunks(doc: &mut Automerge, chunks: &[Bytes]) -> std::result::Result<(), String> {
    let changes = parse_chunks(chunks)?;
    doc.apply_changes(changes).map_err(|e| e.to_string())
}

/// The changes in chunks as they travel (single changes, compressed or not, or saved
/// documents, whose heads Automerge verifies as it loads them), strictly: one unreadable
/// chunk fails the whole call.
pub fn parse_chunks(chunks: &[Bytes]) -> std::result::Result<Vec<automerge::Change>, String> {
    let mut changes = Vec::with_capacity(chunks.len());
    for chunk in chunks {
        match automerge::Change::try_from(chunk.0.as_slice()) {
            Ok(change) => changes.push(change),
            Err(automerge::LoadChangeError::WrongChunkType) => {
                let saved = Automerge::load_with_options(
                    &chunk.0,
                    automerge::LoadOptions::new()
                        .on_partial_load(automerge::OnPartialLoad::Error)
                        .verification_mode(automerge::VerificationMode::Check),
                )
                .map_err(|e| e.to_string())?;
                changes.extend(saved.get_changes(&[]));
            }
            Err(e) => return Err(e.to_string()),
        }
    }
    Ok(changes)
}

/// One document to sync, with the state the caller loaded for it.
pub struct SyncTarget<'a> {
    pub document_id: String,
    pub doc: &'a mut Automerge,
    pub state: &'a mut PeerState,
}

/// What a finished [`sync_documents`] did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SyncReport {
    /// HTTP round trips made (retries included).
    pub round_trips: usize,
    /// Changes received from the bureau, over all documents.
    pub changes_received: usize,
    /// Edits the bureau undid (see [`Absorbed::corrected`]).
    pub corrected: Vec<String>,
}

/// Syncs the targets with the bureau until all are settled, retrying transient failures
/// with `policy`. After every absorbed reply `commit(index, doc, absorbed, state)` runs: the
/// caller persists there, in one transaction; an error from it stops the sync.
pub fn sync_documents(
    transport: &HttpTransport,
    token: &str,
    targets: &mut [SyncTarget<'_>],
    policy: &BackoffPolicy,
    mut commit: impl FnMut(usize, &Automerge, &Absorbed, &PeerState) -> Result<()>,
) -> Result<SyncReport> {
    let mut report = SyncReport::default();
    let mut open: Vec<usize> = (0..targets.len()).collect();
    let mut round = 0;
    while !open.is_empty() {
        round += 1;
        if round > koers_protocol::limits::MAX_FULL_ROUNDS {
            return Err(KoersError::Network {
                message: "De synchronisatie met het bureau kwam niet rond; we proberen het later opnieuw."
                    .into(),
            });
        }
        let request = SyncRequest {
            v: PROTOCOL_VERSION,
            documents: open
                .iter()
                .map(|&i| {
                    let t = &mut targets[i];
                    prepare(t.doc, &t.document_id, t.state)
                })
                .collect(),
        };
        let response = with_backoff(policy, || {
            report.round_trips += 1;
            transport.sync(token, &request)
        })?;
        if response.documents.len() != open.len() {
            return Err(KoersError::Network {
                message: "Het bureau gaf een onvolledig antwoord; we proberen het later opnieuw."
                    .into(),
            });
        }
        let mut still_open = Vec::new();
        for (&i, reply) in open.iter().zip(response.documents) {
            let t = &mut targets[i];
            if reply.document != t.document_id {
                return Err(KoersError::Network {
                    message: "Het bureau antwoordde voor een ander dossier; we proberen het later opnieuw."
                        .into(),
                });
            }
            let absorbed = absorb(t.doc, t.state, reply)?;
            commit(i, t.doc, &absorbed, t.state)?;
            report.changes_received += absorbed.applied_changes.len();
            report.corrected.extend(absorbed.corrected.iter().cloned());
            if absorbed.needs_another_round {
                still_open.push(i);
            }
        }
        open = still_open;
    }
    Ok(report)
}

fn known(doc: &Automerge, heads: &[ChangeHash]) -> Vec<ChangeHash> {
    heads
        .iter()
        .filter(|h| knows_all(doc, &[**h]))
        .copied()
        .collect()
}

/// Whether every hash is a change the document has applied (one queued for a missing
/// dependency is not). Looked up in the change graph: `get_change_by_hash` would rebuild
/// each change from the op set (about 25 µs a head on a two-year dossier with warm caches,
/// and most of a phone's CPU per sync round under load).
pub fn knows_all(doc: &Automerge, hashes: &[ChangeHash]) -> bool {
    hashes
        .iter()
        .all(|h| doc.get_change_meta_by_hash(h).is_some())
}

/// Hashes as they travel.
pub fn hashes_to_wire(heads: &[ChangeHash]) -> Vec<Hash> {
    heads.iter().map(|h| Hash(h.0.to_vec())).collect()
}

/// Hashes from the wire; anything but 32 bytes is refused.
pub fn hashes_from_wire(heads: &[Hash]) -> Result<Vec<ChangeHash>> {
    heads
        .iter()
        .map(|h| {
            ChangeHash::try_from(h.0.as_slice()).map_err(|_| KoersError::Document {
                message: "een wijzigingskenmerk heeft niet de juiste lengte".into(),
            })
        })
        .collect()
}

/// The person-readable error for a refused document.
fn refusal(code: ErrorCode, message: String) -> KoersError {
    match code {
        ErrorCode::Unauthorized | ErrorCode::Forbidden => KoersError::Refused { message },
        ErrorCode::Internal | ErrorCode::RateLimited => KoersError::Network { message },
        _ => KoersError::Document { message },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{genesis_document, Application, ApplicationStatus, DossierDocument};

    /// Only applied changes count as known: one queued for a missing dependency does not,
    /// and the queue does not hide the changes that are applied.
    #[test]
    fn knows_all_counts_only_applied_changes() {
        use automerge::transaction::Transactable;
        let mut doc = genesis_document().unwrap();
        let before = doc.get_heads();
        let mut other = doc.fork();
        let mut made = Vec::new();
        for n in 0..2_i64 {
            let mut tx = other.transaction();
            tx.put(automerge::ROOT, "n", n).unwrap();
            tx.commit();
            made.push(other.get_last_local_change().unwrap());
        }
        let (first, second) = (made[0].clone(), made[1].clone());
        assert!(knows_all(&doc, &before));
        assert!(!knows_all(&doc, &[first.hash()]));
        doc.apply_changes([second.clone()]).unwrap();
        assert!(!knows_all(&doc, &[second.hash()]), "queued, not applied");
        assert!(knows_all(&doc, &before));
        assert!(!knows_all(&doc, &[before[0], second.hash()]));
        doc.apply_changes([first.clone()]).unwrap();
        assert!(knows_all(&doc, &[first.hash(), second.hash()]));
        assert!(knows_all(&doc, &[]));
    }

    /// The server's side of the fast and full paths, reduced to what the engine needs, so
    /// the engine is tested without HTTP (the bureau's tests cover the real thing).
    fn serve(server: &mut Automerge, states: &mut AmSyncState, req: DocumentSync) -> DocumentReply {
        let outcome = match req.push {
            Push::Fast {
                base,
                heads,
                changes,
                packed,
            } => {
                let base = hashes_from_wire(&base).unwrap();
                let heads = hashes_from_wire(&heads).unwrap();
                let changes = match packed {
                    Some(p) => wire::unpack_changes(&p, wire::limits::MAX_REQUEST_BYTES).unwrap(),
                    None => changes,
                };
                let mut fork = server.fork();
                apply_chunks(&mut fork, &changes).unwrap();
                let ok = knows_all(server, &base)
                    && fork.get_missing_deps(&[]).is_empty()
                    && knows_all(&fork, &heads);
                if ok {
                    *server = fork;
                    Outcome::Fast {
                        packed: None,
                        heads: hashes_to_wire(&server.get_heads()),
                        changes: server
                            .get_changes(&heads)
                            .into_iter()
                            .map(|mut c| Bytes(c.bytes().into_owned()))
                            .collect(),
                        corrected: vec![],
                    }
                } else {
                    Outcome::Full {
                        message: server
                            .generate_sync_message(states)
                            .map(|m| Bytes(m.encode())),
                        corrected: vec![],
                    }
                }
            }
            Push::Full { message } => {
                if let Some(m) = message {
                    server
                        .receive_sync_message(states, Message::decode(&m.0).unwrap())
                        .unwrap();
                }
                Outcome::Full {
                    message: server
                        .generate_sync_message(states)
                        .map(|m| Bytes(m.encode())),
                    corrected: vec![],
                }
            }
        };
        DocumentReply {
            document: req.document,
            outcome,
        }
    }

    fn add_application(doc: &mut Automerge, id: &str) {
        let mut d: DossierDocument = autosurgeon::hydrate(doc).unwrap();
        let now = crate::model::Timestamp::now();
        d.applications.insert(
            id.into(),
            Application {
                id: id.into(),
                employer: format!("Werkgever {id}"),
                role: "Planner".into(),
                source: None,
                vacancy_url: None,
                location: None,
                date: crate::model::LocalDate::from_ymd(2026, 3, 2).unwrap(),
                contact: None,
                salary: None,
                notes: String::new(),
                status: ApplicationStatus::Applied,
                history: vec![],
                follow_up: None,
                created_at: now,
                updated_at: now,
            },
        );
        let mut tx = doc.transaction();
        autosurgeon::reconcile(&mut tx, &d).unwrap();
        tx.commit();
    }

    /// Rounds as they really run: the phone reads its state back from the database before
    /// every round (only what `to_bytes` kept survives), and the bureau starts every round
    /// from its stored state (its next round may be served by another node).
    fn run(phone: &mut Automerge, state: &mut PeerState, server: &mut Automerge) -> usize {
        let mut server_state = AmSyncState::new();
        for round in 1..=12 {
            *state = PeerState::from_bytes(&state.to_bytes()).unwrap();
            let req = prepare(phone, "d", state);
            server_state = AmSyncState::decode(&server_state.encode()).unwrap();
            let reply = serve(server, &mut server_state, req);
            let absorbed = absorb(phone, state, reply).unwrap();
            if !absorbed.needs_another_round {
                return round;
            }
        }
        panic!("did not settle");
    }

    #[test]
    fn a_new_application_after_a_settled_sync_takes_one_round() {
        let mut server = peer();
        add_application(&mut server, "s1");
        let mut phone = peer();
        let (mut state, applied) = adopt_enrolment(&mut phone, &server.save()).unwrap();
        assert_eq!(applied.len(), 1);
        add_application(&mut phone, "p1");
        assert_eq!(pending_changes(&phone, &state), 1);
        assert_eq!(run(&mut phone, &mut state, &mut server), 1);
        assert_eq!(pending_changes(&phone, &state), 0);
        assert_eq!(phone.get_heads(), server.get_heads());
    }

    #[test]
    fn concurrent_edits_come_back_in_the_same_round() {
        let (mut server, mut phone, mut state) = enrolled();
        add_application(&mut phone, "p1");
        add_application(&mut server, "s1");
        let mut req = prepare(&phone, "d", &mut state);
        let reply = serve(&mut server, &mut AmSyncState::new(), req.clone());
        let absorbed = absorb(&mut phone, &mut state, reply.clone()).unwrap();
        assert!(!absorbed.needs_another_round);
        assert_eq!(absorbed.applied_changes.len(), 1);
        assert_eq!(phone.get_heads(), server.get_heads());
        // The same request and reply again (a retry) change nothing.
        req = prepare(&phone, "d", &mut state);
        let again = absorb(
            &mut phone,
            &mut state,
            serve(&mut server, &mut AmSyncState::new(), req),
        )
        .unwrap();
        assert!(again.applied_changes.is_empty());
        let replayed = absorb(&mut phone, &mut state, reply).unwrap();
        assert!(replayed.applied_changes.is_empty());
        let d: DossierDocument = autosurgeon::hydrate(&phone).unwrap();
        assert_eq!(d.applications.len(), 2);
    }

    /// A fresh copy of the dossier under an actor of its own.
    fn peer() -> Automerge {
        genesis_document()
            .unwrap()
            .with_actor(automerge::ActorId::random())
    }

    /// The bureau's document and a phone enrolled against it, in step.
    fn enrolled() -> (Automerge, Automerge, PeerState) {
        let server = peer();
        let mut phone = peer();
        let (state, _) = adopt_enrolment(&mut phone, &server.save()).unwrap();
        (server, phone, state)
    }

    /// The changes and the packed list of the phone's next push, which must be a fast one.
    fn fast_push(phone: &Automerge, state: &PeerState) -> (Vec<Bytes>, Option<Bytes>) {
        match prepare(phone, "d", &mut state.clone()).push {
            Push::Fast {
                changes, packed, ..
            } => (changes, packed),
            other => panic!("not fast: {other:?}"),
        }
    }

    /// One application written as the phone writes it: one change.
    fn put_application(doc: &mut Automerge, n: usize, step: usize) {
        let apps = doc.get(automerge::ROOT, "applications").unwrap().unwrap().1;
        let now = crate::model::Timestamp::now();
        let app = Application {
            id: format!("a{n}"),
            employer: format!("Werkgever {n}"),
            role: "Planner".into(),
            source: None,
            vacancy_url: None,
            location: Some("Utrecht".into()),
            date: crate::model::LocalDate::from_ymd(2026, 3, 2).unwrap(),
            contact: None,
            salary: None,
            notes: format!("Stap {step}"),
            status: ApplicationStatus::Applied,
            history: vec![],
            follow_up: None,
            created_at: now,
            updated_at: now,
        };
        let mut tx = doc.transaction();
        autosurgeon::reconcile_prop(&mut tx, &apps, app.id.as_str(), &app).unwrap();
        tx.commit();
    }

    #[test]
    fn a_long_backlog_goes_up_compactly() {
        let (mut server, mut phone, mut state) = enrolled();
        for n in 0..300 {
            for step in 0..4 {
                put_application(&mut phone, n, step);
            }
        }
        let one_by_one: usize = phone
            .get_changes(state.acked_heads())
            .iter_mut()
            .map(|c| c.bytes().len())
            .sum();
        let saved = phone.save().len();
        let request = prepare(&phone, "d", &mut state.clone());
        let sent = wire::encode(&request).unwrap().len();
        // The whole backlog is the dossier: it goes up as the saved document.
        assert!(sent < 2 * saved, "{sent} vs saved {saved}");
        assert!(sent * 4 < one_by_one, "{sent} vs one by one {one_by_one}");
        assert_eq!(run(&mut phone, &mut state, &mut server), 1);
        assert_eq!(phone.get_heads(), server.get_heads());
        // A shorter backlog on a long history: packed, smaller than the saved document.
        for n in 300..350 {
            put_application(&mut phone, n, 0);
        }
        let (changes, packed) = fast_push(&phone, &state);
        assert!(changes.is_empty() && packed.is_some());
        assert_eq!(run(&mut phone, &mut state, &mut server), 1);
        assert_eq!(phone.get_heads(), server.get_heads());
        let d: DossierDocument = autosurgeon::hydrate(&server).unwrap();
        assert_eq!(d.applications.len(), 350);
    }

    #[test]
    fn a_few_changes_go_up_as_plain_chunks_the_bureau_reads() {
        let (mut server, mut phone, mut state) = enrolled();
        put_application(&mut phone, 1, 0);
        put_application(&mut phone, 2, 0);
        let mut made = phone.get_changes(state.acked_heads());
        // Large enough that Automerge would compress it.
        assert!(made
            .iter_mut()
            .all(|c| c.bytes().len() < c.raw_bytes().len()));
        let (changes, packed) = fast_push(&phone, &state);
        assert!(packed.is_none());
        let plain: Vec<&[u8]> = made.iter().map(|c| c.raw_bytes()).collect();
        let sent: Vec<&[u8]> = changes.iter().map(|c| &c.0[..]).collect();
        assert_eq!(sent, plain);
        assert_eq!(run(&mut phone, &mut state, &mut server), 1);
        assert_eq!(phone.get_heads(), server.get_heads());
    }

    #[test]
    fn a_never_synced_phone_pushes_its_saved_document() {
        let mut server = peer();
        let mut phone = peer();
        for i in 0..5 {
            add_application(&mut phone, &format!("p{i}"));
        }
        let mut state = PeerState::new();
        assert_eq!(pending_changes(&phone, &state), 6);
        assert_eq!(run(&mut phone, &mut state, &mut server), 1);
        assert_eq!(phone.get_heads(), server.get_heads());
    }

    #[test]
    fn a_server_that_lost_our_base_falls_back_to_the_full_protocol() {
        let mut server = peer();
        let mut phone = peer();
        add_application(&mut phone, "p1");
        // The phone believes the server holds p1 (e.g. the server was restored from backup).
        let mut state = PeerState::acknowledged(phone.get_heads());
        add_application(&mut phone, "p2");
        add_application(&mut server, "s1");
        let rounds = run(&mut phone, &mut state, &mut server);
        assert!(rounds >= 2, "{rounds}");
        assert!(!state.in_full_sync());
        assert_eq!(phone.get_heads(), server.get_heads());
        let d: DossierDocument = autosurgeon::hydrate(&server).unwrap();
        assert_eq!(d.applications.len(), 3);
        // And the next time the fast path is back.
        add_application(&mut phone, "p3");
        assert_eq!(run(&mut phone, &mut state, &mut server), 1);
    }

    /// The bureau was restored from a backup: it lost changes the phone saw acknowledged,
    /// and its stored sync state for the phone is older still (or gone). Whatever it lost,
    /// the phone's next sync hands it back.
    #[test]
    fn a_bureau_restored_from_any_backup_gets_back_what_it_lost() {
        for lost in 0..4 {
            let (mut server, mut phone, mut state) = enrolled();
            let mut backups = vec![server.save()];
            for i in 0..3 {
                add_application(&mut phone, &format!("p{i}"));
                run(&mut phone, &mut state, &mut server);
                backups.push(server.save());
            }
            // Restore the backup from before the last `lost` syncs.
            let mut restored = Automerge::load(&backups[backups.len() - 1 - lost.min(3)])
                .unwrap()
                .with_actor(automerge::ActorId::random());
            add_application(&mut restored, "s1");
            let rounds = run(&mut phone, &mut state, &mut restored);
            assert_eq!(phone.get_heads(), restored.get_heads(), "lost {lost}");
            let d: DossierDocument = autosurgeon::hydrate(&restored).unwrap();
            assert_eq!(d.applications.len(), 4, "lost {lost}, {rounds} rounds");
            assert!(!state.in_full_sync());
        }
    }

    #[test]
    fn a_version_1_state_still_reads() {
        #[derive(Serialize)]
        struct V1 {
            v: u8,
            acked: Vec<Hash>,
            full: bool,
            sync: Bytes,
        }
        let v1 = wire::encode(&V1 {
            v: 1,
            acked: vec![],
            full: true,
            sync: Bytes(AmSyncState::new().encode()),
        })
        .unwrap();
        let state = PeerState::from_bytes(&v1).unwrap();
        assert!(state.in_full_sync());
        assert!(state.sync.their_have.is_none());
    }

    #[test]
    fn refusals_and_garbage_become_readable_errors() {
        let mut phone = genesis_document().unwrap();
        let mut state = PeerState::new();
        let err = absorb(
            &mut phone,
            &mut state,
            DocumentReply {
                document: "d".into(),
                outcome: Outcome::Refused {
                    code: ErrorCode::Forbidden,
                    message: "Geen toegang.".into(),
                },
            },
        )
        .unwrap_err();
        assert!(matches!(err, KoersError::Refused { .. }));
        let err = absorb(
            &mut phone,
            &mut state,
            DocumentReply {
                document: "d".into(),
                outcome: Outcome::Fast {
                    heads: vec![],
                    changes: vec![Bytes(vec![0x85, 0x6f, 0x4a, 0x83, 1, 2, 3])],
                    corrected: vec![],
                    packed: None,
                },
            },
        )
        .unwrap_err();
        assert!(matches!(err, KoersError::Document { .. }), "{err}");
        assert!(PeerState::from_bytes(b"nonsense").is_err());
    }
}
