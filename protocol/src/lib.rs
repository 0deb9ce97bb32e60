//! Koers' wire format between a device (or a coach client) and the bureau: the request and
//! reply types of enrolment and CRDT sync, encoded as CBOR (RFC 8949). docs/SYNC.md is the
//! specification; this crate is its one implementation, shared by the core and the bureau.
//!
//! Why CBOR: the common sync (one new application) must stay under 1 KB on the wire, so the
//! Automerge changes and hashes travel as raw byte strings instead of base64 in JSON (+33 %),
//! while the format stays self-describing, standard and readable with any CBOR library.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// The protocol version this build speaks; sent as `v` in every body and as the path prefix.
pub const PROTOCOL_VERSION: u16 = 1;

/// The media type of every device request and reply body.
pub const CONTENT_TYPE: &str = "application/cbor";

/// Paths of the device endpoints (all `POST` unless noted).
pub mod paths {
    pub const ENROL: &str = "/v1/enrol";
    pub const SYNC: &str = "/v1/sync";
    /// `GET`: the devices of the caller's employee.
    pub const DEVICES: &str = "/v1/devices";
    /// `POST /v1/devices/{device_id}/revoke`.
    pub const REVOKE_PREFIX: &str = "/v1/devices/";
}

/// Hard limits both sides keep; the server refuses a request beyond them with a 4xx.
pub mod limits {
    /// Largest request body the server reads (bytes).
    pub const MAX_REQUEST_BYTES: usize = 16 * 1024 * 1024;
    /// Most documents in one sync request.
    pub const MAX_DOCUMENTS: usize = 64;
    /// Most changes pushed for one document in one request; a client sends more in batches.
    pub const MAX_CHANGES_PER_DOCUMENT: usize = 20_000;
    /// Most heads a peer may claim for one document.
    pub const MAX_HEADS: usize = 256;
    /// Longest device name.
    pub const MAX_DEVICE_NAME: usize = 80;
    /// Shortest and longest enrolment request id (`EnrolRequest::request_id`).
    pub const MIN_REQUEST_ID: usize = 16;
    pub const MAX_REQUEST_ID: usize = 64;
    /// Rounds of the full protocol a client runs before giving up for now.
    pub const MAX_FULL_ROUNDS: usize = 12;
}

/// An Automerge change hash (32 bytes) as a CBOR byte string.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Hash(#[serde(with = "serde_bytes")] pub Vec<u8>);

/// Opaque bytes (an Automerge change, sync message or saved document) as a CBOR byte string.
#[derive(Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Bytes(#[serde(with = "serde_bytes")] pub Vec<u8>);

impl std::fmt::Debug for Bytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Bytes({} bytes)", self.0.len())
    }
}

impl From<Vec<u8>> for Bytes {
    fn from(v: Vec<u8>) -> Self {
        Self(v)
    }
}

/// `POST /v1/enrol`: redeem a one-time enrolment code for a device credential.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EnrolRequest {
    pub v: u16,
    /// As typed: case, spaces and dashes do not matter.
    pub code: String,
    /// What the employee calls the device, e.g. "Pixel van Sanne"; shown when revoking.
    pub device_name: String,
    /// Chosen at random by the device once per enrolment and sent again with every retry
    /// of it: a retry with the same code and id after a lost reply gets the same enrolment
    /// again (a fresh token for the same device) instead of "code already used". Absent
    /// from older apps, whose retries are refused as before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
}

/// The reply to a successful enrolment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EnrolResponse {
    pub v: u16,
    /// The id of the employee, which is also the id of their document.
    pub employee_id: String,
    pub device_id: String,
    /// The device credential: send as `Authorization: Bearer <token>`. Shown only once.
    pub token: String,
    /// The bureau's current document (`Automerge::save`), to merge into the local one.
    pub document: Bytes,
}

/// `POST /v1/sync`: one round for every document the caller syncs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SyncRequest {
    pub v: u16,
    pub documents: Vec<DocumentSync>,
}

/// One document's part of a sync round.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocumentSync {
    /// The employee id.
    pub document: String,
    pub push: Push,
}

/// What the client sends for one document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Push {
    /// The one-round-trip path: the changes made since `base`, the heads the server last
    /// acknowledged, and the client's heads after them.
    Fast {
        base: Vec<Hash>,
        heads: Vec<Hash>,
        changes: Vec<Bytes>,
        /// A long backlog may travel packed instead of in `changes` (then empty): raw
        /// DEFLATE of the CBOR list of uncompressed change chunks ([`pack_changes`]). The
        /// server unpacks at most [`limits::MAX_REQUEST_BYTES`] and refuses compressed chunks
        /// inside, so what it inflates is bounded. A server that does not know the field
        /// sees no changes and answers with the full protocol.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        packed: Option<Bytes>,
    },
    /// A round of Automerge's own sync protocol (`automerge::sync::Message::encode`); `None`
    /// when the client has nothing to say but waits for the server's next message.
    Full { message: Option<Bytes> },
}

/// `POST /v1/sync` reply: one entry per requested document, in the same order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SyncResponse {
    pub v: u16,
    pub documents: Vec<DocumentReply>,
}

/// The server's answer for one document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocumentReply {
    pub document: String,
    pub outcome: Outcome,
}

/// How one document's round went.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The pushed changes are stored; `changes` are all the client lacks and `heads` are the
    /// server's heads, which the client takes as its new `base` once it applied them. Empty
    /// `heads` means "the same as the `heads` you sent" (a document never has no heads).
    Fast {
        heads: Vec<Hash>,
        changes: Vec<Bytes>,
        /// Edits the client's role may not make; the server stored them and undid their
        /// effect with a correcting change that is among `changes` (see SYNC.md, "Roles").
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        corrected: Vec<String>,
        /// Many changes at once travel packed instead of in `changes` (then empty): raw
        /// DEFLATE (RFC 1951) of the CBOR list of changes. See [`pack_changes`].
        #[serde(default, skip_serializing_if = "Option::is_none")]
        packed: Option<Bytes>,
    },
    /// The fast path was not possible (or the client asked for the full protocol): carry on
    /// with Automerge's sync protocol. `message` is the server's next sync message.
    Full {
        message: Option<Bytes>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        corrected: Vec<String>,
    },
    /// This document was refused; nothing of it was stored. Other documents are unaffected.
    Refused { code: ErrorCode, message: String },
}

/// `GET /v1/devices` reply.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeviceList {
    pub v: u16,
    pub devices: Vec<DeviceInfo>,
}

/// One enrolled device of an employee.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeviceInfo {
    pub device_id: String,
    pub name: String,
    /// Milliseconds since the Unix epoch.
    pub enrolled_at: i64,
    pub last_seen_at: Option<i64>,
    pub revoked: bool,
    /// Whether this is the device that asked.
    pub current: bool,
}

/// The body of every 4xx/5xx reply on a device endpoint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub v: u16,
    pub code: ErrorCode,
    /// A sentence for a person (Dutch), safe to show as is.
    pub message: String,
}

/// Machine-readable reasons a request or a document was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The body is not valid CBOR of the expected shape (400).
    Malformed,
    /// `v` is a version the server does not speak (400).
    UnsupportedVersion,
    /// The body or a part of it is over a limit (413).
    TooLarge,
    /// No, an unknown or a revoked credential (401).
    Unauthorized,
    /// The credential is valid but not for this document or action (403).
    Forbidden,
    /// The enrolment code is unknown, used, expired or out of attempts (400 / 410).
    CodeInvalid,
    CodeExpired,
    /// Too many attempts; try again later (429).
    RateLimited,
    /// A change or sync message could not be decoded or applied (422).
    BadChange,
    /// The document the change would produce is not a valid dossier (422).
    BadDocument,
    /// The thing does not exist (404).
    NotFound,
    /// Something failed on the server; retry later (500/503).
    Internal,
}

impl ErrorCode {
    /// The HTTP status the server answers with.
    pub fn http_status(self) -> u16 {
        match self {
            Self::Malformed | Self::UnsupportedVersion | Self::CodeInvalid => 400,
            Self::Unauthorized => 401,
            Self::Forbidden => 403,
            Self::NotFound => 404,
            Self::CodeExpired => 410,
            Self::TooLarge => 413,
            Self::BadChange | Self::BadDocument => 422,
            Self::RateLimited => 429,
            Self::Internal => 500,
        }
    }
}

/// The wire format could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum WireError {
    #[error("malformed message: {0}")]
    Decode(String),
    #[error("could not encode message: {0}")]
    Encode(String),
}

/// The first line of the message of a correcting change the bureau writes (SYNC.md,
/// "Roles"); each further line is one edit it undid. The change reaches every device of the
/// dossier by whatever exchange carries it, so a device learns of the correction even when
/// the reply that listed it in `corrected` was lost.
pub const CORRECTION_HEADER: &str = "koers-correction";

/// The message for a correcting change that undid `undone`.
pub fn correction_message(undone: &[String]) -> String {
    let mut m = CORRECTION_HEADER.to_string();
    for line in undone {
        m.push('\n');
        m.push_str(&line.replace('\n', " "));
    }
    m
}

/// What a correcting change undid, read from its message; `None` for any other change.
pub fn corrections_in(message: &str) -> Option<Vec<String>> {
    let mut lines = message.split('\n');
    (lines.next() == Some(CORRECTION_HEADER)).then(|| lines.map(str::to_string).collect())
}

/// Below this many bytes of changes, packing is not worth its overhead.
pub const PACK_THRESHOLD: usize = 4 * 1024;

/// Packs a list of changes (raw DEFLATE of its CBOR) when it is large and packing makes it
/// smaller: many small changes share actor ids, hashes and field names, which single changes
/// cannot compress away. Returns `None` to send the list as it is.
pub fn pack_changes(changes: &[Bytes]) -> Option<Bytes> {
    use std::io::Write;
    let plain: usize = changes.iter().map(|c| c.0.len()).sum();
    if plain < PACK_THRESHOLD {
        return None;
    }
    let cbor = encode(&changes).ok()?;
    let mut encoder =
        flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(&cbor).ok()?;
    let packed = encoder.finish().ok()?;
    (packed.len() < plain).then_some(Bytes(packed))
}

/// Unpacks what [`pack_changes`] made, refusing anything that inflates past `limit` bytes (a
/// deflate bomb) or is not a list of changes.
pub fn unpack_changes(packed: &Bytes, limit: usize) -> Result<Vec<Bytes>, WireError> {
    use std::io::Read;
    let decoder = flate2::read::DeflateDecoder::new(packed.0.as_slice());
    let mut cbor = Vec::new();
    let read = decoder
        .take(limit as u64 + 1)
        .read_to_end(&mut cbor)
        .map_err(|e| WireError::Decode(format!("packed changes: {e}")))?;
    if read > limit {
        return Err(WireError::Decode(format!(
            "packed changes inflate to more than {limit} bytes"
        )));
    }
    decode(&cbor)
}

/// Encodes any wire type as CBOR.
pub fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>, WireError> {
    let mut out = Vec::new();
    ciborium::into_writer(value, &mut out).map_err(|e| WireError::Encode(e.to_string()))?;
    Ok(out)
}

/// Decodes CBOR into a wire type; never panics on hostile input (ciborium limits recursion).
pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, WireError> {
    ciborium::from_reader(bytes).map_err(|e| WireError::Decode(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_enrol_request_without_request_id_still_decodes() {
        #[derive(Serialize)]
        struct Older {
            v: u16,
            code: String,
            device_name: String,
        }
        let older = encode(&Older {
            v: 1,
            code: "ABCD-EFGH".into(),
            device_name: "telefoon".into(),
        })
        .unwrap();
        let request: EnrolRequest = decode(&older).unwrap();
        assert_eq!(request.request_id, None);
        // And a request without one is encoded exactly as an older app encodes it.
        let same = EnrolRequest {
            v: 1,
            code: "ABCD-EFGH".into(),
            device_name: "telefoon".into(),
            request_id: None,
        };
        assert_eq!(encode(&same).unwrap(), older);
    }

    #[test]
    fn a_fast_push_without_packed_is_the_older_apps_push() {
        #[derive(Serialize)]
        #[serde(rename_all = "snake_case")]
        enum OlderPush {
            Fast {
                base: Vec<Hash>,
                heads: Vec<Hash>,
                changes: Vec<Bytes>,
            },
        }
        let older = encode(&OlderPush::Fast {
            base: vec![Hash(vec![7; 32])],
            heads: vec![Hash(vec![8; 32])],
            changes: vec![Bytes(vec![1; 30])],
        })
        .unwrap();
        let push = Push::Fast {
            base: vec![Hash(vec![7; 32])],
            heads: vec![Hash(vec![8; 32])],
            changes: vec![Bytes(vec![1; 30])],
            packed: None,
        };
        assert_eq!(decode::<Push>(&older).unwrap(), push);
        assert_eq!(encode(&push).unwrap(), older);
    }

    #[test]
    fn correction_messages_round_trip_and_other_messages_are_not_corrections() {
        let undone = vec!["a (trajectory.phase)".to_string(), "b\nc".to_string()];
        let m = correction_message(&undone);
        assert_eq!(
            corrections_in(&m),
            Some(vec!["a (trajectory.phase)".to_string(), "b c".to_string()])
        );
        assert_eq!(corrections_in("log application"), None);
    }

    #[test]
    fn many_changes_pack_small_and_unpack_exactly() {
        let changes: Vec<Bytes> = (0..200u8)
            .map(|i| Bytes([b"koers-change-with-shared-actor-and-deps-".as_slice(), &[i]].concat()))
            .collect();
        let packed = pack_changes(&changes).expect("worth packing");
        let plain: usize = changes.iter().map(|c| c.0.len()).sum();
        assert!(packed.0.len() * 3 < plain, "{} vs {plain}", packed.0.len());
        assert_eq!(
            unpack_changes(&packed, limits::MAX_REQUEST_BYTES).unwrap(),
            changes
        );
        // Small lists are not packed; bombs and garbage are refused.
        assert!(pack_changes(&changes[..2]).is_none());
        assert!(unpack_changes(&packed, 100).is_err());
        assert!(unpack_changes(&Bytes(vec![1, 2, 3]), 1000).is_err());
    }

    #[test]
    fn sync_request_round_trips_and_binaries_stay_compact() {
        let req = SyncRequest {
            v: PROTOCOL_VERSION,
            documents: vec![DocumentSync {
                document: "0192f0c0a0b0c0d0e0f0a0b0c0d0e0f0".into(),
                push: Push::Fast {
                    base: vec![Hash(vec![7; 32])],
                    heads: vec![Hash(vec![8; 32])],
                    changes: vec![Bytes(vec![1; 300])],
                    packed: None,
                },
            }],
        };
        let bytes = encode(&req).unwrap();
        // Byte strings cost their length plus a few header bytes, not 4/3 of it.
        assert!(bytes.len() < 300 + 32 + 32 + 32 + 80, "{}", bytes.len());
        let back: SyncRequest = decode(&bytes).unwrap();
        assert_eq!(back, req);
    }

    #[test]
    fn outcomes_round_trip() {
        for outcome in [
            Outcome::Fast {
                packed: None,
                heads: vec![],
                changes: vec![],
                corrected: vec!["x".into()],
            },
            Outcome::Full {
                message: None,
                corrected: vec![],
            },
            Outcome::Refused {
                code: ErrorCode::Forbidden,
                message: "nee".into(),
            },
        ] {
            let reply = SyncResponse {
                v: 1,
                documents: vec![DocumentReply {
                    document: "d".into(),
                    outcome,
                }],
            };
            let back: SyncResponse = decode(&encode(&reply).unwrap()).unwrap();
            assert_eq!(back, reply);
        }
    }

    #[test]
    fn garbage_and_truncation_are_errors_not_panics() {
        let good = encode(&EnrolRequest {
            v: 1,
            code: "ABCD-EFGH".into(),
            device_name: "telefoon".into(),
            request_id: Some("0123456789abcdef0123456789abcdef".into()),
        })
        .unwrap();
        for cut in 0..good.len() {
            assert!(decode::<EnrolRequest>(&good[..cut]).is_err());
        }
        assert!(decode::<SyncRequest>(b"\xff\xff\xff\xff").is_err());
        // Deep nesting must not overflow the stack.
        let deep = vec![0x81u8; 100_000];
        assert!(decode::<SyncRequest>(&deep).is_err());
    }
}
