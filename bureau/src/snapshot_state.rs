//! What a node knows of a document when it writes its snapshot, stored beside the snapshot
//! so that the next node to load the document does not work it out again: the dossier
//! hydrated and the bytes of every change folded in (the dossier's size limit counts them).
//!
//! On a two-year dossier, hydrating the whole document takes hundreds of milliseconds and
//! counting its changes tens (`docs/PERFORMANCE.md`, "A node's first session of a
//! dossier"); reading this back takes a few. So a node that starts, or that meets a dossier
//! for the first time, pays for loading the Automerge document and little more. Only the
//! records the change rows after the snapshot touched are read from the document again.
//!
//! A compaction writes it in the same statement as its snapshot; a node that loaded a
//! snapshot without one (from before schema 7) works it out from that snapshot and stores
//! it with its next write. Either way it names the heads of its snapshot, which a node
//! checks against the snapshot it loaded: one meant for another snapshot (a node of an
//! older version compacting during a rolling upgrade replaces the snapshot and leaves this
//! column alone) is never taken for it. One that cannot be read, is of another [`FORMAT`]
//! or names other heads is ignored: the node then works it out again, as without one.

use std::io::Read;

use automerge::ChangeHash;
use koers_core::model::DossierDocument;
use serde::{Deserialize, Serialize};

use crate::{BureauError, Result};

/// The format of what is stored. Raise it whenever the JSON form of `DossierDocument`
/// changes (as `summary::FORMAT`): a state of an older format is then ignored, never read
/// with a field silently missing.
pub const FORMAT: u32 = 1;

/// More than this inflated is not a state this bureau wrote: it is ignored.
const MAX_INFLATED_BYTES: u64 = 4 * crate::change_check::MAX_DOSSIER_BYTES;

/// A snapshot's state as read back.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SnapshotState {
    pub format: u32,
    /// The heads of the snapshot this is the state of (hex).
    pub heads: Vec<String>,
    /// The bytes of every change the snapshot holds (`Slot::change_bytes`).
    pub change_bytes: u64,
    /// The snapshot hydrated; `None` when it does not hydrate.
    pub dossier: Option<DossierDocument>,
}

#[derive(Serialize)]
struct Borrowed<'a> {
    format: u32,
    heads: Vec<String>,
    change_bytes: u64,
    dossier: Option<&'a DossierDocument>,
}

fn hex(heads: &[ChangeHash]) -> Vec<String> {
    let mut hex: Vec<String> = heads.iter().map(|h| h.to_string()).collect();
    hex.sort_unstable();
    hex
}

/// The stored form of the state of the snapshot whose heads are `heads`: JSON, deflated (a
/// two-year dossier's 400 KB become about a tenth).
pub fn encode(
    heads: &[ChangeHash],
    dossier: Option<&DossierDocument>,
    change_bytes: u64,
) -> Result<Vec<u8>> {
    let failed = |e: &dyn std::fmt::Display| BureauError::Storage {
        message: format!("cannot write a snapshot's state: {e}"),
    };
    let mut encoder = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::fast());
    serde_json::to_writer(
        &mut encoder,
        &Borrowed {
            format: FORMAT,
            heads: hex(heads),
            change_bytes,
            dossier,
        },
    )
    .map_err(|e| failed(&e))?;
    encoder.finish().map_err(|e| failed(&e))
}

/// What [`encode`] stored, if it can be read, is of this [`FORMAT`] and is the state of the
/// snapshot whose heads are `heads`.
pub fn decode(stored: &[u8], heads: &[ChangeHash]) -> Option<SnapshotState> {
    let mut json = Vec::new();
    flate2::read::DeflateDecoder::new(stored)
        .take(MAX_INFLATED_BYTES + 1)
        .read_to_end(&mut json)
        .ok()?;
    if json.len() as u64 > MAX_INFLATED_BYTES {
        return None;
    }
    let state: SnapshotState = serde_json::from_slice(&json).ok()?;
    (state.format == FORMAT && state.heads == hex(heads)).then_some(state)
}

#[cfg(test)]
mod tests {
    use super::*;
    use koers_core::model::{fixtures, ApplicationStatus};
    use std::io::Write;

    fn dossier() -> DossierDocument {
        let mut d = DossierDocument::default();
        let day = "2026-11-30".parse().unwrap();
        let a = fixtures::application("a1", day, ApplicationStatus::Applied);
        d.applications.insert(a.id.clone(), a);
        d
    }

    fn heads(n: u8) -> Vec<ChangeHash> {
        vec![ChangeHash([n; 32]), ChangeHash([n + 1; 32])]
    }

    #[test]
    fn a_state_reads_back_as_written() {
        let d = dossier();
        let stored = encode(&heads(1), Some(&d), 1234).unwrap();
        let mut other_order = heads(1);
        other_order.reverse();
        assert_eq!(
            decode(&stored, &other_order),
            Some(SnapshotState {
                format: FORMAT,
                heads: hex(&heads(1)),
                change_bytes: 1234,
                dossier: Some(d),
            })
        );
        let none = encode(&heads(1), None, 7).unwrap();
        assert_eq!(decode(&none, &heads(1)).unwrap().dossier, None);
    }

    #[test]
    fn the_state_of_another_snapshot_another_format_or_garbage_is_ignored() {
        let stored = encode(&heads(1), Some(&dossier()), 1).unwrap();
        assert_eq!(decode(&stored, &heads(3)), None);
        assert_eq!(decode(&stored, &heads(1)[..1]), None);
        let other = serde_json::to_vec(&SnapshotState {
            format: FORMAT + 1,
            heads: hex(&heads(1)),
            change_bytes: 1,
            dossier: Some(dossier()),
        })
        .unwrap();
        let mut encoder =
            flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::fast());
        encoder.write_all(&other).unwrap();
        assert_eq!(decode(&encoder.finish().unwrap(), &heads(1)), None);
        assert_eq!(decode(b"not deflate at all", &heads(1)), None);
        assert_eq!(decode(&[], &heads(1)), None);
    }

    #[test]
    fn a_deflate_bomb_is_ignored() {
        let mut encoder =
            flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
        let zeros = vec![b' '; 1024 * 1024];
        for _ in 0..(MAX_INFLATED_BYTES / zeros.len() as u64 + 2) {
            encoder.write_all(&zeros).unwrap();
        }
        assert_eq!(decode(&encoder.finish().unwrap(), &[]), None);
    }
}
