//! The one narrow interface between the bureau and its database. The sync, enrolment and
//! coach code see only [`Storage`]; `sqlite` is the embedded default, `postgres` serves any
//! number of bureau nodes over one database; [`open`] picks one from a connection URL.
//! Every method is one transaction: it either happens whole or not at all. Methods block:
//! call them off the async threads (`crate::blocking`).

pub mod postgres;
pub mod sqlite;
#[cfg(test)]
mod tests;

use std::path::Path;
use std::sync::Arc;

use crate::Result;

/// A coach (or admin) of the bureau.
#[derive(Debug, Clone, PartialEq)]
pub struct Coach {
    pub id: String,
    pub email: String,
    pub name: String,
    /// argon2id PHC string.
    pub password_hash: String,
    pub is_admin: bool,
}

/// An employee, whose id is also their document's id.
#[derive(Debug, Clone, PartialEq)]
pub struct Employee {
    pub id: String,
    pub name: String,
    pub coach_id: String,
    pub created_at: i64,
}

/// An enrolment code as stored: the public lookup part and the hash of the whole code.
#[derive(Debug, Clone, PartialEq)]
pub struct EnrolmentCode {
    pub lookup: String,
    pub code_hash: Vec<u8>,
    pub employee_id: String,
    pub expires_at: i64,
    pub attempts: u32,
    pub used: bool,
}

/// An enrolled device.
#[derive(Debug, Clone, PartialEq)]
pub struct Device {
    pub id: String,
    pub employee_id: String,
    pub name: String,
    pub enrolled_at: i64,
    pub last_seen_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

/// What a stored document is made of: the last snapshot plus the changes since.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StoredDocument {
    pub snapshot: Vec<u8>,
    /// What the node that wrote `snapshot` stored beside it (`crate::snapshot_state`),
    /// opaque to the storage; `None` for a snapshot written without one.
    pub snapshot_state: Option<Vec<u8>>,
    pub changes: Vec<Vec<u8>>,
}

/// How a document is opened by [`Storage::with_document`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Looks only: no lock, nothing written.
    Read,
    /// May append: the document is locked until the transaction ends, so edits of one
    /// document serialise across every node.
    Write,
}

/// What a caller's cached copy lacks of the stored document.
#[derive(Debug, Clone, PartialEq)]
pub enum Catchup {
    /// The cache holds exactly what is stored.
    Current,
    /// The change rows stored after the cache's version, oldest first.
    Since(Vec<Vec<u8>>),
    /// The whole stored document (no cache, or rows it lacks were folded into a snapshot).
    Whole(StoredDocument),
}

/// A document as opened inside its transaction.
#[derive(Debug, Clone, PartialEq)]
pub struct Opened {
    pub catchup: Catchup,
    /// The stored version: the last change row's sequence number (or the last folded one).
    pub version: i64,
    /// The stored full-protocol sync state of the peer named in the call, if any.
    pub peer_state: Option<Vec<u8>>,
}

/// What an edit stores, in the transaction that opened the document.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DocumentWrite {
    /// New changes (duplicates of stored rows are ignored).
    pub changes: Vec<NewChange>,
    pub peer_state: Option<PeerStateRow>,
    /// A device whose `last_seen_at` to record.
    pub device_seen: Option<(String, i64)>,
    /// A snapshot holding every stored change plus `changes`: replaces the stored snapshot,
    /// and exactly the rows it folds in (those up to the new version) are deleted.
    pub compacted: Option<Compacted>,
    /// A state for the stored snapshot, which had none (see
    /// [`StoredDocument::snapshot_state`]): stored beside it, unless `compacted` replaces
    /// both.
    pub snapshot_state: Option<Vec<u8>>,
    /// The caseload's summary of the document as it is after this write (`crate::summary`),
    /// stored with the new version in the same transaction.
    pub summary: Option<Summary>,
}

impl DocumentWrite {
    /// The state to store beside the stored snapshot: none when `compacted` replaces both.
    pub fn state_beside_stored_snapshot(&self) -> Option<&[u8]> {
        match self.compacted {
            Some(_) => None,
            None => self.snapshot_state.as_deref(),
        }
    }
}

/// A new snapshot of a document and what is stored beside it, replaced together.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Compacted {
    pub snapshot: Vec<u8>,
    /// See [`StoredDocument::snapshot_state`].
    pub state: Option<Vec<u8>>,
}

/// The caseload's stored summary of one dossier (`crate::summary` computes it and says what
/// `inputs` holds). The columns are what SQL filters on; `inputs` is read by the bureau only.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    /// The format of `inputs` (`crate::summary::FORMAT`); an older one is computed again.
    pub format: i32,
    /// When it was computed (ms since the epoch).
    pub computed_at: i64,
    pub phase: Option<String>,
    pub kind: Option<String>,
    /// The day the trajectory was closed (YYYY-MM-DD), if it was.
    pub closed_on: Option<String>,
    /// Applications in the dossier, whatever their status.
    pub applications: i64,
    /// JSON of the dated records the caseload is computed from.
    pub inputs: String,
}

/// One employee of a coach's caseload as stored: who, their devices, and the summary (none
/// only for a dossier not summarised yet, see `crate::documents::Documents::summarize`).
#[derive(Debug, Clone, PartialEq)]
pub struct CaseloadLine {
    pub employee: Employee,
    /// Devices not revoked.
    pub devices: usize,
    /// The last sync of any of their devices.
    pub last_seen_at: Option<i64>,
    pub summary: Option<Summary>,
    /// The document version the summary was stored with.
    pub summary_version: Option<i64>,
    /// The document's version now: a summary of another version was not written with the
    /// latest changes (an older node during a rolling upgrade) and is computed again.
    pub document_version: i64,
}

impl CaseloadLine {
    /// The stored summary, if it is of the current `format` and the current document.
    pub fn current_summary(&self, format: i32) -> Option<&Summary> {
        self.summary
            .as_ref()
            .filter(|s| s.format == format && self.summary_version == Some(self.document_version))
    }
}

/// A device's token to check again inside a document's transaction
/// ([`Storage::with_document`]): what a node that remembers which device a token belongs to
/// (`crate::auth::KnownDevices`) asks instead of looking the token up on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenCheck<'a> {
    pub device_id: &'a str,
    pub token_hash: &'a [u8],
}

/// One stored change.
#[derive(Debug, Clone, PartialEq)]
pub struct NewChange {
    pub hash: Vec<u8>,
    pub bytes: Vec<u8>,
}

/// The full-protocol sync state of one peer for one document.
#[derive(Debug, Clone, PartialEq)]
pub struct PeerStateRow {
    pub peer: String,
    pub state: Vec<u8>,
}

/// One line of the audit log.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEvent {
    pub at: i64,
    /// e.g. "unauthorized", "forbidden", "rule_corrected", "enrol_failed", "device_revoked".
    pub kind: String,
    /// Who (a device or coach id), if known.
    pub principal: Option<String>,
    pub ip: Option<String>,
    pub detail: String,
}

/// How redeeming an enrolment code went.
#[derive(Debug, Clone, PartialEq)]
pub enum Redeemed {
    /// The device was created and the code used up.
    Enrolled {
        employee_id: String,
    },
    /// A retry of the enrolment that used the code (same code, same request id, still
    /// valid): the device it created now has the new token; its old token no longer works.
    Repeated {
        employee_id: String,
        device_id: String,
    },
    /// No code has this lookup part.
    Unknown,
    /// The code exists but the rest did not match; its attempts were counted.
    Wrong {
        attempts_left: u32,
    },
    Expired,
    /// Used already, or out of attempts.
    Spent,
}

/// The bureau's persistence. Implementations must be safe to call from many threads.
pub trait Storage: Send + Sync + 'static {
    fn insert_coach(&self, coach: &Coach) -> Result<()>;
    fn coach_by_email(&self, email: &str) -> Result<Option<Coach>>;
    fn coach_by_id(&self, id: &str) -> Result<Option<Coach>>;

    fn insert_session(&self, token_hash: &[u8], coach_id: &str, expires_at: i64) -> Result<()>;
    /// The coach a live session token belongs to.
    fn session_coach(&self, token_hash: &[u8], now: i64) -> Result<Option<String>>;
    /// Ends a session (logout); unknown tokens are no error.
    fn delete_session(&self, token_hash: &[u8]) -> Result<()>;

    /// Creates the employee with their first document, its caseload summary and their
    /// enrolment code, all at once. False, with nothing stored, when the code's lookup
    /// belongs to another code that can still be redeemed at `now` (draw another code): the
    /// check and the insert are one transaction, so two coaches drawing the same lookup at
    /// once cannot both store it.
    fn insert_employee(
        &self,
        employee: &Employee,
        document: &[u8],
        summary: &Summary,
        code: &EnrolmentCode,
        now: i64,
    ) -> Result<bool>;
    fn employee(&self, id: &str) -> Result<Option<Employee>>;
    fn caseload(&self, coach_id: &str) -> Result<Vec<Employee>>;
    /// The coach's employees by name with their devices and stored summaries, in one query
    /// (closed trajectories left out unless `with_closed`). Reads no document.
    fn caseload_summaries(&self, coach_id: &str, with_closed: bool) -> Result<Vec<CaseloadLine>>;
    /// Employees whose summary is missing, of another format than `format`, or of another
    /// version of their document (written by a node that kept no summaries), to be
    /// summarised once.
    fn unsummarised(&self, format: i32) -> Result<Vec<String>>;
    /// Moves the employee from coach `from` to coach `to` (a hand-over); false when the
    /// employee is not (any more) `from`'s, so two hand-overs at once cannot both win.
    fn change_coach(&self, employee_id: &str, from: &str, to: &str) -> Result<bool>;
    /// A new code for an existing employee; earlier unused codes stop working. False, with
    /// nothing changed, when the lookup is taken, as for [`Storage::insert_employee`].
    fn replace_code(&self, code: &EnrolmentCode, now: i64) -> Result<bool>;
    /// Whether a code with this lookup can still be redeemed at `now` (diagnostics, tests).
    fn code_lookup_taken(&self, lookup: &str, now: i64) -> Result<bool>;
    /// Checks the code and, if right, creates the device and uses up the code, atomically,
    /// remembering `request_hash` (the hash of the enrolment's request id) and the device.
    /// A used code redeemed again with the same hash before it expires is a retry of that
    /// enrolment: the device (if not revoked) gets `token_hash` instead of its old one and
    /// no attempt is counted; every other use of a used code is [`Redeemed::Spent`].
    // One transaction's inputs; a struct would only rename them.
    #[allow(clippy::too_many_arguments)]
    fn redeem_code(
        &self,
        lookup: &str,
        code_hash: &[u8],
        now: i64,
        max_attempts: u32,
        device: &Device,
        token_hash: &[u8],
        request_hash: Option<&[u8]>,
    ) -> Result<Redeemed>;

    fn device_by_token_hash(&self, token_hash: &[u8]) -> Result<Option<Device>>;
    fn devices_of(&self, employee_id: &str) -> Result<Vec<Device>>;
    /// Revokes the device; false when it was not found or already revoked.
    fn revoke_device(&self, device_id: &str, now: i64) -> Result<bool>;
    fn touch_device(&self, device_id: &str, now: i64) -> Result<()>;

    /// The stored document as it is (diagnostics, tests, backups).
    fn load_document(&self, employee_id: &str) -> Result<Option<StoredDocument>>;
    /// Opens the document in one transaction: tells `work` what a cache at version `cached`
    /// lacks (read in this transaction, under the document's lock for [`Access::Write`]),
    /// then stores what `work` returns and commits (one fsync per sync). `None` when there
    /// is no such document (`work` is not called); otherwise the version after the write.
    /// An error from `work` rolls everything back. `work` must not call the storage itself
    /// (PostgreSQL holds a pooled connection and the document's row lock while it runs).
    /// With `token`, the device it names must still hold that token, be unrevoked and
    /// belong to this document, read in the same transaction before `work` runs; otherwise
    /// nothing is stored, `work` is not called and the answer is [`crate::auth::signed_out`].
    fn with_document(
        &self,
        employee_id: &str,
        access: Access,
        cached: Option<i64>,
        peer: Option<&str>,
        token: Option<TokenCheck<'_>>,
        work: &mut dyn FnMut(Opened) -> Result<DocumentWrite>,
    ) -> Result<Option<i64>>;
    fn peer_state(&self, employee_id: &str, peer: &str) -> Result<Option<Vec<u8>>>;

    /// The bureau's secret called `name`: `candidate` is stored if there is none yet, and
    /// what is stored is returned. Atomic: nodes asking at once all get the first one stored.
    fn secret(&self, name: &str, candidate: &[u8]) -> Result<Vec<u8>>;

    /// Counts a failure against `key` in `scope` for the limits every node shares
    /// (`crate::throttle`): the key's theoretical arrival time (ms) becomes
    /// `max(stored, now) + period_ms`, and is returned. Keys paid back (time before `now`)
    /// are deleted here, so the table holds only keys with recent failures.
    fn throttle_failed(&self, scope: &str, key: &str, now: i64, period_ms: i64) -> Result<i64>;
    /// The key's theoretical arrival time, if it has failures not yet paid back.
    fn throttle_tat(&self, scope: &str, key: &str) -> Result<Option<i64>>;

    fn audit(&self, event: &AuditEvent) -> Result<()>;
    fn audit_log(&self, limit: usize) -> Result<Vec<AuditEvent>>;

    /// Whether the database answers (the readiness check).
    fn ping(&self) -> Result<()>;
    /// Which backend this is, for logs and metrics ("sqlite", "postgres").
    fn kind(&self) -> &'static str;
}

/// Whether `database` names a PostgreSQL server rather than a SQLite file.
pub fn is_postgres_url(database: &str) -> bool {
    database.starts_with("postgres://") || database.starts_with("postgresql://")
}

/// Opens the storage `database` names: a `postgres://` URL, or a SQLite file (created and
/// migrated as needed).
pub fn open(database: &str) -> Result<Arc<dyn Storage>> {
    if is_postgres_url(database) {
        Ok(Arc::new(postgres::PostgresStorage::connect(database)?))
    } else {
        Ok(Arc::new(sqlite::SqliteStorage::open(Path::new(database))?))
    }
}

/// The device whose enrolment a redemption of the used `code` repeats: the code and the
/// request id's hash match what used it and the code has not expired. The one rule both
/// backends follow.
pub(crate) fn retry_of(
    code: &EnrolmentCode,
    code_hash: &[u8],
    now: i64,
    request_hash: Option<&[u8]>,
    used_by: Option<Vec<u8>>,
    used_for: Option<String>,
) -> Option<String> {
    let (asked, stored) = (request_hash?, used_by?);
    let same = crate::auth::constant_time_eq(&code.code_hash, code_hash)
        && crate::auth::constant_time_eq(&stored, asked);
    (same && code.expires_at > now).then_some(used_for?)
}

/// Whether an unused `code` is closed to attempts: spent attempts or an expired code end a
/// redemption before the attempt is counted. The one rule both backends follow.
pub(crate) fn closed_to_attempts(
    code: &EnrolmentCode,
    now: i64,
    max_attempts: u32,
) -> Option<Redeemed> {
    if code.attempts >= max_attempts {
        return Some(Redeemed::Spent);
    }
    (code.expires_at <= now).then_some(Redeemed::Expired)
}

/// The answer to a wrong code, once this attempt is counted.
pub(crate) fn wrong_code(code: &EnrolmentCode, max_attempts: u32) -> Redeemed {
    Redeemed::Wrong {
        attempts_left: max_attempts.saturating_sub(code.attempts + 1),
    }
}

/// What a cache at `cached` lacks, given the stored `version` and the highest sequence number
/// folded into the snapshot. The one rule both backends follow.
pub(crate) enum Plan {
    Current,
    Since(i64),
    Whole,
}

pub(crate) fn plan(cached: Option<i64>, version: i64, folded: i64) -> Plan {
    match cached {
        Some(v) if v == version => Plan::Current,
        // Rows after the cache are all still stored (nothing after it was folded away). A
        // cache *ahead* of the database (a restore under a running node) is never trusted.
        Some(v) if v >= folded && v < version => Plan::Since(v),
        _ => Plan::Whole,
    }
}
