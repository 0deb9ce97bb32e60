//! The one narrow interface between the bureau and its database. The sync, enrolment and
//! coach code see only [`Storage`]; `sqlite` is the embedded default and a PostgreSQL
//! backend implements the same trait. Every method is one transaction: it either happens
//! whole or not at all.

pub mod sqlite;

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
    pub changes: Vec<Vec<u8>>,
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

    /// Creates the employee with their first document and enrolment code, all at once.
    fn insert_employee(
        &self,
        employee: &Employee,
        document: &[u8],
        code: &EnrolmentCode,
    ) -> Result<()>;
    fn employee(&self, id: &str) -> Result<Option<Employee>>;
    fn caseload(&self, coach_id: &str) -> Result<Vec<Employee>>;
    /// A new code for an existing employee; earlier unused codes stop working.
    fn replace_code(&self, code: &EnrolmentCode) -> Result<()>;
    fn code_lookup_taken(&self, lookup: &str, now: i64) -> Result<bool>;
    /// Checks the code and, if right, creates the device and uses up the code, atomically.
    fn redeem_code(
        &self,
        lookup: &str,
        code_hash: &[u8],
        now: i64,
        max_attempts: u32,
        device: &Device,
        token_hash: &[u8],
    ) -> Result<Redeemed>;

    fn device_by_token_hash(&self, token_hash: &[u8]) -> Result<Option<Device>>;
    fn devices_of(&self, employee_id: &str) -> Result<Vec<Device>>;
    /// Revokes the device; false when it was not found or already revoked.
    fn revoke_device(&self, device_id: &str, now: i64) -> Result<bool>;
    fn touch_device(&self, device_id: &str, now: i64) -> Result<()>;

    fn load_document(&self, employee_id: &str) -> Result<Option<StoredDocument>>;
    /// Stores new changes of a document (duplicates ignored) and, optionally, a peer's sync
    /// state and a device's `last_seen_at`, in one transaction (one fsync per sync).
    fn append_changes(
        &self,
        employee_id: &str,
        changes: &[NewChange],
        peer_state: Option<&PeerStateRow>,
        device_seen: Option<(&str, i64)>,
    ) -> Result<()>;
    /// Replaces the snapshot with one that holds every stored change, and drops those.
    fn compact_document(&self, employee_id: &str, snapshot: &[u8]) -> Result<()>;
    fn peer_state(&self, employee_id: &str, peer: &str) -> Result<Option<Vec<u8>>>;

    fn audit(&self, event: &AuditEvent) -> Result<()>;
    fn audit_log(&self, limit: usize) -> Result<Vec<AuditEvent>>;
}
