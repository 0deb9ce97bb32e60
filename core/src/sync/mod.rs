//! Syncing the dossier with the bureau: the client side of docs/SYNC.md.
//!
//! Three layers, each usable on its own:
//! - [`engine`]: pure logic over `automerge::Automerge` and a persisted [`PeerState`]:
//!   [`prepare`] builds one document's part of a round, [`absorb`] applies the server's reply
//!   and says what to persist. No I/O, so the Dossier can wrap each round in one SQLite
//!   transaction.
//! - [`transport`]: [`HttpTransport`], the HTTP client (reqwest, blocking) for enrolment,
//!   sync and device management, mapping every failure to a [`KoersError`] a person
//!   understands.
//! - [`backoff`]: [`with_backoff`], retrying transient failures with exponential backoff and
//!   full jitter.
//!
//! [`sync_documents`] ties them together for the Dossier.
//!
//! Enrolment, as the Dossier calls it:
//! 1. `let enrolment = transport.enrol(code, device_name)?;`
//! 2. `let (state, applied) = adopt_enrolment(&mut doc, &enrolment.document)?;`
//! 3. in one transaction: store `applied` (raw change bytes), `state.to_bytes()`, and
//!    `enrolment.{server_url, employee_id, device_id, token}`.
//!
//! A sync, as the Dossier calls it (`sync_now`):
//! 1. load the doc and `PeerState::from_bytes` (or `PeerState::new()` when there is none);
//! 2. `sync_documents(&transport, &token, &mut [SyncTarget{..}], &policy, |i, doc, absorbed,
//!    state| { one transaction: store absorbed.applied_changes + state.to_bytes() })`;
//! 3. record `last synced at` on success, or the error's `Display` as the last error.
//!
//! Status for the shells: [`pending_changes`] counts local changes the bureau has not
//! acknowledged yet.
//!
//! [`KoersError`]: crate::KoersError

pub mod backoff;
pub mod engine;
pub mod transport;

pub use backoff::{with_backoff, with_backoff_sleeping, BackoffPolicy};
pub use engine::{
    absorb, adopt_enrolment, apply_chunks, hashes_from_wire, hashes_to_wire, knows_all,
    parse_chunks, pending_changes, prepare, sync_documents, Absorbed, PeerState, SyncReport,
    SyncTarget,
};
pub use transport::{check_server_url, Enrolment, HttpTransport, Traffic, MAX_REPLY_BYTES};
