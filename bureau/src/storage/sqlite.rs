//! The embedded default storage: one SQLite file in the data directory, WAL with
//! synchronous=FULL (a reply is only sent after its changes are on disk), migrated by
//! `user_version`. A document edit reads in one short transaction, runs the caller's work
//! without holding the database, and appends under the write lock (`BEGIN IMMEDIATE`) only
//! if the document's version is still the one it read, so a second process on the same
//! file can never append beside a stale copy.

use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use rusqlite::{params, Connection, OptionalExtension};

use rusqlite::TransactionBehavior;

use super::{
    plan, Access, AuditEvent, CaseloadLine, Catchup, Coach, Device, DocumentWrite, Employee,
    EnrolmentCode, Opened, Plan, Redeemed, Storage, StoredDocument, Summary, TokenCheck,
};
use crate::auth::signed_out;
use crate::{BureauError, Result};

/// The schema, one entry per version; never edit an entry once released, add one.
const MIGRATIONS: &[&str] = &[
    r#"
CREATE TABLE coaches (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    is_admin INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE sessions (
    token_hash BLOB PRIMARY KEY,
    coach_id TEXT NOT NULL REFERENCES coaches(id),
    expires_at INTEGER NOT NULL
);
CREATE TABLE employees (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    coach_id TEXT NOT NULL REFERENCES coaches(id),
    created_at INTEGER NOT NULL
);
CREATE INDEX employees_by_coach ON employees(coach_id);
CREATE TABLE enrolment_codes (
    lookup TEXT PRIMARY KEY,
    code_hash BLOB NOT NULL,
    employee_id TEXT NOT NULL REFERENCES employees(id),
    expires_at INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    used INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE devices (
    id TEXT PRIMARY KEY,
    employee_id TEXT NOT NULL REFERENCES employees(id),
    name TEXT NOT NULL,
    token_hash BLOB NOT NULL UNIQUE,
    enrolled_at INTEGER NOT NULL,
    last_seen_at INTEGER,
    revoked_at INTEGER
);
CREATE TABLE documents (
    employee_id TEXT PRIMARY KEY REFERENCES employees(id),
    snapshot BLOB NOT NULL
);
CREATE TABLE changes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    employee_id TEXT NOT NULL REFERENCES employees(id),
    hash BLOB NOT NULL,
    bytes BLOB NOT NULL,
    UNIQUE (employee_id, hash)
);
CREATE TABLE peer_states (
    employee_id TEXT NOT NULL,
    peer TEXT NOT NULL,
    state BLOB NOT NULL,
    PRIMARY KEY (employee_id, peer)
);
CREATE TABLE audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at INTEGER NOT NULL,
    kind TEXT NOT NULL,
    principal TEXT,
    ip TEXT,
    detail TEXT NOT NULL
);
"#,
    // v2: stateless nodes. A document's version is its last change row's `seq`; the
    // snapshot records the last row it folded in, so a cache knows whether the rows it
    // lacks are still there.
    r#"
ALTER TABLE documents ADD COLUMN folded_seq INTEGER NOT NULL DEFAULT 0;
CREATE INDEX changes_by_document ON changes(employee_id, seq);
CREATE INDEX devices_by_employee ON devices(employee_id);
"#,
    // v3: retryable enrolment. A used code remembers the hash of the request id that used
    // it and the device it created, so a retry after a lost reply gets that device again.
    r#"
ALTER TABLE enrolment_codes ADD COLUMN request_hash BLOB;
ALTER TABLE enrolment_codes ADD COLUMN device_id TEXT;
"#,
    // v4: the caseload's summary of each dossier, written with its changes, so a caseload
    // reads these rows instead of every document. Existing dossiers are summarised by the
    // bureau once it runs (`Documents::fill_summaries`); it cannot be done in SQL.
    r#"
CREATE TABLE caseload_summaries (
    employee_id TEXT PRIMARY KEY REFERENCES employees(id),
    format INTEGER NOT NULL,
    version INTEGER NOT NULL,
    computed_at INTEGER NOT NULL,
    phase TEXT,
    kind TEXT,
    closed_on TEXT,
    applications INTEGER NOT NULL,
    inputs TEXT NOT NULL
);
"#,
    // v5: the bureau's secrets (the enrolment-code key), shared by every node.
    r#"
CREATE TABLE secrets (
    name TEXT PRIMARY KEY,
    value BLOB NOT NULL
);
"#,
    // v6: failed logins and enrolments, counted for every node: per scope and key (a client
    // address, an account) the time by which its failures are paid back (GCRA).
    r#"
CREATE TABLE throttle (
    scope TEXT NOT NULL,
    key TEXT NOT NULL,
    tat INTEGER NOT NULL,
    PRIMARY KEY (scope, key)
);
CREATE INDEX throttle_by_tat ON throttle(tat);
"#,
    // v7: beside each snapshot, what the node that wrote it knew of it (the dossier hydrated,
    // the bytes of its changes: `snapshot_state`), so a node loading it need not work that
    // out again. Existing snapshots have none until the first node that loads one stores it.
    r#"
ALTER TABLE documents ADD COLUMN snapshot_state BLOB;
"#,
];

/// The schema version this code writes.
pub const CURRENT_VERSION: u32 = MIGRATIONS.len() as u32;

/// SQLite behind a mutex: one writer at a time is what SQLite does anyway, and a sync
/// holds it only for its own short transaction.
pub struct SqliteStorage {
    conn: Mutex<Connection>,
}

impl SqliteStorage {
    /// Opens (creating and migrating as needed) `bureau.db` in `data_dir`.
    pub fn open_dir(data_dir: &Path) -> Result<Self> {
        std::fs::create_dir_all(data_dir).map_err(|e| BureauError::Storage {
            message: format!("cannot create {}: {e}", data_dir.display()),
        })?;
        Self::open(&data_dir.join("bureau.db"))
    }

    /// Opens (creating and migrating as needed) the database file at `path`.
    pub fn open(path: &Path) -> Result<Self> {
        Self::open_at_version(path, CURRENT_VERSION)
    }

    /// Opens the file migrated only up to `version` (tests build every older schema).
    pub fn open_at_version(path: &Path, version: u32) -> Result<Self> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| BureauError::Storage {
                message: format!("cannot create {}: {e}", dir.display()),
            })?;
        }
        let mut conn = Connection::open(path)?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        migrate_to(&mut conn, version)?;
        Ok(Self {
            conn: Mutex::new(conn),
        })
    }

    /// The schema version of the open file.
    pub fn schema_version(&self) -> Result<u32> {
        Ok(self
            .conn()
            .pragma_query_value(None, "user_version", |r| r.get(0))?)
    }

    /// Copies the live database to `dest` with SQLite's online backup API: a consistent
    /// copy while the bureau keeps serving (writers wait only for each short step).
    pub fn backup_to(&self, dest: &Path) -> Result<()> {
        if dest.exists() {
            return Err(BureauError::Conflict {
                message: format!("{} bestaat al; kies een nieuwe naam", dest.display()),
            });
        }
        let conn = self.conn();
        let mut target = Connection::open(dest)?;
        {
            let backup = rusqlite::backup::Backup::new(&conn, &mut target)?;
            backup.run_to_completion(256, std::time::Duration::from_millis(5), None)?;
        }
        target.pragma_update(None, "journal_mode", "DELETE")?;
        Ok(())
    }

    /// Replaces the database at `path` with the backup at `source` (the bureau must be
    /// stopped). The backup is checked and migrated first; a bad backup changes nothing.
    pub fn restore(source: &Path, path: &Path) -> Result<()> {
        let backup =
            Connection::open_with_flags(source, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
        let ok: String = backup.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
        if ok != "ok" {
            return Err(BureauError::Storage {
                message: format!("{} is beschadigd: {ok}", source.display()),
            });
        }
        let version: i64 = backup.pragma_query_value(None, "user_version", |r| r.get(0))?;
        if version == 0 || version > i64::from(CURRENT_VERSION) {
            return Err(BureauError::Storage {
                message: format!(
                    "{} is geen back-up van dit bureau (schemaversie {version})",
                    source.display()
                ),
            });
        }
        let target = Self::open(path)?;
        {
            let mut conn = target.conn();
            let restore = rusqlite::backup::Backup::new(&backup, &mut conn)?;
            restore.run_to_completion(256, std::time::Duration::from_millis(5), None)?;
        }
        drop(target);
        // Reopening migrates a backup made by an older version.
        Self::open(path).map(drop)
    }

    fn conn(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave a half transaction behind (SQLite rolls
        // it back), so a poisoned lock is still usable.
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }
}

fn migrate_to(conn: &mut Connection, target: u32) -> Result<()> {
    let version: u32 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if version > CURRENT_VERSION {
        return Err(BureauError::Storage {
            message: format!(
                "the database has schema version {version}, newer than this program ({CURRENT_VERSION})"
            ),
        });
    }
    for v in version..target {
        // IMMEDIATE: two processes starting at once migrate one after the other.
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let now: u32 = tx.pragma_query_value(None, "user_version", |r| r.get(0))?;
        if now > v {
            continue;
        }
        tx.execute_batch(MIGRATIONS[v as usize])?;
        tx.pragma_update(None, "user_version", v + 1)?;
        tx.commit()?;
    }
    Ok(())
}

fn coach_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Coach> {
    Ok(Coach {
        id: r.get(0)?,
        email: r.get(1)?,
        name: r.get(2)?,
        password_hash: r.get(3)?,
        is_admin: r.get(4)?,
    })
}

fn employee_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Employee> {
    Ok(Employee {
        id: r.get(0)?,
        name: r.get(1)?,
        coach_id: r.get(2)?,
        created_at: r.get(3)?,
    })
}

fn device_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Device> {
    Ok(Device {
        id: r.get(0)?,
        employee_id: r.get(1)?,
        name: r.get(2)?,
        enrolled_at: r.get(3)?,
        last_seen_at: r.get(4)?,
        revoked_at: r.get(5)?,
    })
}

const DEVICE_COLUMNS: &str = "id, employee_id, name, enrolled_at, last_seen_at, revoked_at";

impl Storage for SqliteStorage {
    fn insert_coach(&self, coach: &Coach) -> Result<()> {
        let conn = self.conn();
        let n = conn.execute(
            "INSERT INTO coaches (id, email, name, password_hash, is_admin) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT(email) DO NOTHING",
            params![coach.id, coach.email, coach.name, coach.password_hash, coach.is_admin],
        )?;
        if n == 0 {
            return Err(BureauError::Conflict {
                message: format!("er is al een coach met e-mailadres {}", coach.email),
            });
        }
        Ok(())
    }

    fn coach_by_email(&self, email: &str) -> Result<Option<Coach>> {
        Ok(self
            .conn()
            .query_row(
                "SELECT id, email, name, password_hash, is_admin FROM coaches WHERE email = ?1",
                [email],
                coach_from_row,
            )
            .optional()?)
    }

    fn coach_by_id(&self, id: &str) -> Result<Option<Coach>> {
        Ok(self
            .conn()
            .query_row(
                "SELECT id, email, name, password_hash, is_admin FROM coaches WHERE id = ?1",
                [id],
                coach_from_row,
            )
            .optional()?)
    }

    fn insert_session(&self, token_hash: &[u8], coach_id: &str, expires_at: i64) -> Result<()> {
        let conn = self.conn();
        conn.execute(
            "DELETE FROM sessions WHERE expires_at < ?1",
            [expires_at - 365 * 86_400_000],
        )?;
        conn.execute(
            "INSERT INTO sessions (token_hash, coach_id, expires_at) VALUES (?1, ?2, ?3)",
            params![token_hash, coach_id, expires_at],
        )?;
        Ok(())
    }

    fn session_coach(&self, token_hash: &[u8], now: i64) -> Result<Option<String>> {
        Ok(self
            .conn()
            .query_row(
                "SELECT coach_id FROM sessions WHERE token_hash = ?1 AND expires_at > ?2",
                params![token_hash, now],
                |r| r.get(0),
            )
            .optional()?)
    }

    fn delete_session(&self, token_hash: &[u8]) -> Result<()> {
        self.conn()
            .execute("DELETE FROM sessions WHERE token_hash = ?1", [token_hash])?;
        Ok(())
    }

    fn insert_employee(
        &self,
        employee: &Employee,
        document: &[u8],
        summary: &Summary,
        code: &EnrolmentCode,
        now: i64,
    ) -> Result<bool> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute(
            "INSERT INTO employees (id, name, coach_id, created_at) VALUES (?1, ?2, ?3, ?4)",
            params![
                employee.id,
                employee.name,
                employee.coach_id,
                employee.created_at
            ],
        )?;
        tx.execute(
            "INSERT INTO documents (employee_id, snapshot) VALUES (?1, ?2)",
            params![employee.id, document],
        )?;
        put_summary(&tx, &employee.id, 0, summary)?;
        // Dropping the transaction rolls it back.
        if !insert_code(&tx, code, now)? {
            return Ok(false);
        }
        tx.commit()?;
        Ok(true)
    }

    fn employee(&self, id: &str) -> Result<Option<Employee>> {
        Ok(self
            .conn()
            .query_row(
                "SELECT id, name, coach_id, created_at FROM employees WHERE id = ?1",
                [id],
                employee_from_row,
            )
            .optional()?)
    }

    fn caseload(&self, coach_id: &str) -> Result<Vec<Employee>> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT id, name, coach_id, created_at FROM employees WHERE coach_id = ?1 ORDER BY name",
        )?;
        let rows = stmt.query_map([coach_id], employee_from_row)?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    fn caseload_summaries(&self, coach_id: &str, with_closed: bool) -> Result<Vec<CaseloadLine>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT e.id, e.name, e.coach_id, e.created_at,
                    (SELECT COUNT(*) FROM devices d
                     WHERE d.employee_id = e.id AND d.revoked_at IS NULL),
                    (SELECT MAX(d.last_seen_at) FROM devices d WHERE d.employee_id = e.id),
                    s.format, s.computed_at, s.phase, s.kind, s.closed_on, s.applications,
                    s.inputs, s.version, {DOCUMENT_VERSION}
             FROM employees e
             JOIN documents d ON d.employee_id = e.id
             LEFT JOIN caseload_summaries s ON s.employee_id = e.id
             WHERE e.coach_id = ?1 AND (?2 OR s.closed_on IS NULL)
             ORDER BY e.name"
        ))?;
        let rows = stmt.query_map(params![coach_id, with_closed], |r| {
            let format: Option<i32> = r.get(6)?;
            let summary = match format {
                Some(format) => Some(Summary {
                    format,
                    computed_at: r.get(7)?,
                    phase: r.get(8)?,
                    kind: r.get(9)?,
                    closed_on: r.get(10)?,
                    applications: r.get(11)?,
                    inputs: r.get(12)?,
                }),
                None => None,
            };
            Ok(CaseloadLine {
                employee: employee_from_row(r)?,
                devices: r.get::<_, i64>(4)?.max(0) as usize,
                last_seen_at: r.get(5)?,
                summary,
                summary_version: r.get(13)?,
                document_version: r.get(14)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    fn unsummarised(&self, format: i32) -> Result<Vec<String>> {
        let conn = self.conn();
        let mut stmt = conn.prepare(&format!(
            "SELECT d.employee_id FROM documents d
             LEFT JOIN caseload_summaries s ON s.employee_id = d.employee_id
             WHERE s.format IS NULL OR s.format <> ?1 OR s.version <> {DOCUMENT_VERSION}
             ORDER BY d.employee_id"
        ))?;
        let rows = stmt.query_map([format], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    fn replace_code(&self, code: &EnrolmentCode, now: i64) -> Result<bool> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute(
            // A new code also ends the retry window of the one that was used.
            "UPDATE enrolment_codes SET used = 1, request_hash = NULL WHERE employee_id = ?1",
            [&code.employee_id],
        )?;
        if !insert_code(&tx, code, now)? {
            return Ok(false);
        }
        tx.commit()?;
        Ok(true)
    }

    fn code_lookup_taken(&self, lookup: &str, now: i64) -> Result<bool> {
        let n: i64 = self.conn().query_row(
            "SELECT COUNT(*) FROM enrolment_codes
             WHERE lookup = ?1 AND used = 0 AND expires_at > ?2",
            params![lookup, now],
            |r| r.get(0),
        )?;
        Ok(n > 0)
    }

    fn redeem_code(
        &self,
        lookup: &str,
        code_hash: &[u8],
        now: i64,
        max_attempts: u32,
        device: &Device,
        token_hash: &[u8],
        request_hash: Option<&[u8]>,
    ) -> Result<Redeemed> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let found = tx
            .query_row(
                "SELECT code_hash, employee_id, expires_at, attempts, used, request_hash, device_id
                 FROM enrolment_codes WHERE lookup = ?1",
                [lookup],
                |r| {
                    Ok((
                        EnrolmentCode {
                            lookup: lookup.to_string(),
                            code_hash: r.get(0)?,
                            employee_id: r.get(1)?,
                            expires_at: r.get(2)?,
                            attempts: r.get(3)?,
                            used: r.get(4)?,
                        },
                        r.get::<_, Option<Vec<u8>>>(5)?,
                        r.get::<_, Option<String>>(6)?,
                    ))
                },
            )
            .optional()?;
        let Some((code, used_by, used_for)) = found else {
            return Ok(Redeemed::Unknown);
        };
        if code.used {
            if let Some(device_id) =
                super::retry_of(&code, code_hash, now, request_hash, used_by, used_for)
            {
                let changed = tx.execute(
                    "UPDATE devices SET token_hash = ?1 WHERE id = ?2 AND revoked_at IS NULL",
                    params![token_hash, device_id],
                )?;
                if changed == 1 {
                    tx.commit()?;
                    return Ok(Redeemed::Repeated {
                        employee_id: code.employee_id,
                        device_id,
                    });
                }
            }
            return Ok(Redeemed::Spent);
        }
        if let Some(closed) = super::closed_to_attempts(&code, now, max_attempts) {
            return Ok(closed);
        }
        tx.execute(
            "UPDATE enrolment_codes SET attempts = attempts + 1 WHERE lookup = ?1",
            [lookup],
        )?;
        if !crate::auth::constant_time_eq(&code.code_hash, code_hash) {
            tx.commit()?;
            return Ok(super::wrong_code(&code, max_attempts));
        }
        tx.execute(
            "UPDATE enrolment_codes SET used = 1, request_hash = ?2, device_id = ?3 WHERE lookup = ?1",
            params![lookup, request_hash, device.id],
        )?;
        tx.execute(
            "INSERT INTO devices (id, employee_id, name, token_hash, enrolled_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![device.id, code.employee_id, device.name, token_hash, device.enrolled_at],
        )?;
        tx.commit()?;
        Ok(Redeemed::Enrolled {
            employee_id: code.employee_id,
        })
    }

    fn device_by_token_hash(&self, token_hash: &[u8]) -> Result<Option<Device>> {
        Ok(self
            .conn()
            .query_row(
                &format!("SELECT {DEVICE_COLUMNS} FROM devices WHERE token_hash = ?1"),
                [token_hash],
                device_from_row,
            )
            .optional()?)
    }

    fn devices_of(&self, employee_id: &str) -> Result<Vec<Device>> {
        let conn = self.conn();
        let mut stmt = conn.prepare(&format!(
            "SELECT {DEVICE_COLUMNS} FROM devices WHERE employee_id = ?1 ORDER BY enrolled_at"
        ))?;
        let rows = stmt.query_map([employee_id], device_from_row)?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    fn change_coach(&self, employee_id: &str, from: &str, to: &str) -> Result<bool> {
        let n = self.conn().execute(
            "UPDATE employees SET coach_id = ?3 WHERE id = ?1 AND coach_id = ?2",
            params![employee_id, from, to],
        )?;
        Ok(n > 0)
    }

    fn revoke_device(&self, device_id: &str, now: i64) -> Result<bool> {
        let n = self.conn().execute(
            "UPDATE devices SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL",
            params![device_id, now],
        )?;
        Ok(n > 0)
    }

    fn touch_device(&self, device_id: &str, now: i64) -> Result<()> {
        self.conn().execute(
            "UPDATE devices SET last_seen_at = ?2 WHERE id = ?1",
            params![device_id, now],
        )?;
        Ok(())
    }

    fn load_document(&self, employee_id: &str) -> Result<Option<StoredDocument>> {
        let conn = self.conn();
        let snapshot: Option<(Vec<u8>, Option<Vec<u8>>)> = conn
            .query_row(
                "SELECT snapshot, snapshot_state FROM documents WHERE employee_id = ?1",
                [employee_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let Some((snapshot, snapshot_state)) = snapshot else {
            return Ok(None);
        };
        let mut stmt =
            conn.prepare("SELECT bytes FROM changes WHERE employee_id = ?1 ORDER BY seq")?;
        let changes = stmt
            .query_map([employee_id], |r| r.get(0))?
            .collect::<rusqlite::Result<Vec<Vec<u8>>>>()?;
        Ok(Some(StoredDocument {
            snapshot,
            snapshot_state,
            changes,
        }))
    }

    fn with_document(
        &self,
        employee_id: &str,
        access: Access,
        cached: Option<i64>,
        peer: Option<&str>,
        token: Option<TokenCheck<'_>>,
        work: &mut dyn FnMut(Opened) -> Result<DocumentWrite>,
    ) -> Result<Option<i64>> {
        // Read what the cache lacks in one short read transaction, then let `work` run
        // without holding the connection (other documents' syncs go on meanwhile).
        let (opened, folded) = {
            let mut conn = self.conn();
            let tx = conn.transaction_with_behavior(TransactionBehavior::Deferred)?;
            let Some((folded, version)) = stored_version(&tx, employee_id)? else {
                return Ok(None);
            };
            if let Some(t) = token {
                let holds: Option<bool> = tx
                    .query_row(
                        "SELECT revoked_at IS NULL AND token_hash = ?3 FROM devices
                         WHERE id = ?1 AND employee_id = ?2",
                        params![t.device_id, employee_id, t.token_hash],
                        |r| r.get(0),
                    )
                    .optional()?;
                if holds != Some(true) {
                    return Err(signed_out());
                }
            }
            let rows_after = |after: i64| -> Result<Vec<Vec<u8>>> {
                let mut stmt = tx.prepare_cached(
                    "SELECT bytes FROM changes WHERE employee_id = ?1 AND seq > ?2 ORDER BY seq",
                )?;
                let rows = stmt
                    .query_map(params![employee_id, after], |r| r.get(0))?
                    .collect::<rusqlite::Result<Vec<Vec<u8>>>>()?;
                Ok(rows)
            };
            let catchup = match plan(cached, version, folded) {
                Plan::Current => Catchup::Current,
                Plan::Since(v) => Catchup::Since(rows_after(v)?),
                Plan::Whole => {
                    let (snapshot, snapshot_state) = tx.query_row(
                        "SELECT snapshot, snapshot_state FROM documents WHERE employee_id = ?1",
                        [employee_id],
                        |r| Ok((r.get(0)?, r.get(1)?)),
                    )?;
                    Catchup::Whole(StoredDocument {
                        snapshot,
                        snapshot_state,
                        changes: rows_after(0)?,
                    })
                }
            };
            let peer_state = match peer {
                Some(p) => tx
                    .query_row(
                        "SELECT state FROM peer_states WHERE employee_id = ?1 AND peer = ?2",
                        [employee_id, p],
                        |r| r.get(0),
                    )
                    .optional()?,
                None => None,
            };
            tx.commit()?;
            let opened = Opened {
                catchup,
                version,
                peer_state,
            };
            (opened, folded)
        };
        let version = opened.version;
        let write = work(opened)?;
        if access == Access::Read {
            return Ok(Some(version));
        }
        // Append under the write lock, after checking in this same transaction that nobody
        // stored anything since the read. In one process that holds by construction (the
        // caller serialises edits of a document); another process on the same file gets a
        // retryable refusal rather than a stale append.
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        if stored_version(&tx, employee_id)? != Some((folded, version)) {
            return Err(BureauError::Storage {
                message: format!(
                    "{DOCUMENT_MOVED}: {employee_id} changed in another process; try again"
                ),
            });
        }
        let mut new_version = version;
        {
            let mut insert = tx.prepare_cached(
                "INSERT INTO changes (employee_id, hash, bytes) VALUES (?1, ?2, ?3)
                 ON CONFLICT(employee_id, hash) DO NOTHING RETURNING seq",
            )?;
            for c in &write.changes {
                let seq: Option<i64> = insert
                    .query_row(params![employee_id, c.hash, c.bytes], |r| r.get(0))
                    .optional()?;
                new_version = new_version.max(seq.unwrap_or(0));
            }
        }
        if let Some(p) = &write.peer_state {
            tx.execute(
                "INSERT INTO peer_states (employee_id, peer, state) VALUES (?1, ?2, ?3)
                 ON CONFLICT(employee_id, peer) DO UPDATE SET state = excluded.state",
                params![employee_id, p.peer, p.state],
            )?;
        }
        if let Some((device, at)) = &write.device_seen {
            tx.execute(
                "UPDATE devices SET last_seen_at = ?2 WHERE id = ?1",
                params![device, at],
            )?;
        }
        if let Some(summary) = &write.summary {
            put_summary(&tx, employee_id, new_version, summary)?;
        }
        if let Some(state) = write.state_beside_stored_snapshot() {
            tx.execute(
                "UPDATE documents SET snapshot_state = ?2 WHERE employee_id = ?1",
                params![employee_id, state],
            )?;
        }
        if let Some(compacted) = &write.compacted {
            tx.execute(
                "UPDATE documents SET snapshot = ?2, snapshot_state = ?3, folded_seq = ?4
                 WHERE employee_id = ?1",
                params![
                    employee_id,
                    compacted.snapshot,
                    compacted.state,
                    new_version
                ],
            )?;
            tx.execute(
                "DELETE FROM changes WHERE employee_id = ?1 AND seq <= ?2",
                params![employee_id, new_version],
            )?;
        }
        tx.commit()?;
        Ok(Some(new_version))
    }

    fn peer_state(&self, employee_id: &str, peer: &str) -> Result<Option<Vec<u8>>> {
        Ok(self
            .conn()
            .query_row(
                "SELECT state FROM peer_states WHERE employee_id = ?1 AND peer = ?2",
                [employee_id, peer],
                |r| r.get(0),
            )
            .optional()?)
    }

    fn secret(&self, name: &str, candidate: &[u8]) -> Result<Vec<u8>> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute(
            "INSERT INTO secrets (name, value) VALUES (?1, ?2) ON CONFLICT(name) DO NOTHING",
            params![name, candidate],
        )?;
        let stored = tx.query_row("SELECT value FROM secrets WHERE name = ?1", [name], |r| {
            r.get(0)
        })?;
        tx.commit()?;
        Ok(stored)
    }

    fn throttle_failed(&self, scope: &str, key: &str, now: i64, period_ms: i64) -> Result<i64> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute("DELETE FROM throttle WHERE tat < ?1", [now])?;
        let tat = tx.query_row(
            "INSERT INTO throttle (scope, key, tat) VALUES (?1, ?2, ?3 + ?4)
             ON CONFLICT(scope, key) DO UPDATE SET tat = MAX(tat, ?3) + ?4
             RETURNING tat",
            params![scope, key, now, period_ms],
            |r| r.get(0),
        )?;
        tx.commit()?;
        Ok(tat)
    }

    fn throttle_tat(&self, scope: &str, key: &str) -> Result<Option<i64>> {
        Ok(self
            .conn()
            .query_row(
                "SELECT tat FROM throttle WHERE scope = ?1 AND key = ?2",
                [scope, key],
                |r| r.get(0),
            )
            .optional()?)
    }

    fn audit(&self, e: &AuditEvent) -> Result<()> {
        self.conn().execute(
            "INSERT INTO audit (at, kind, principal, ip, detail) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![e.at, e.kind, e.principal, e.ip, e.detail],
        )?;
        Ok(())
    }

    fn audit_log(&self, limit: usize) -> Result<Vec<AuditEvent>> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT at, kind, principal, ip, detail FROM audit ORDER BY id DESC LIMIT ?1",
        )?;
        let rows = stmt.query_map([limit as i64], |r| {
            Ok(AuditEvent {
                at: r.get(0)?,
                kind: r.get(1)?,
                principal: r.get(2)?,
                ip: r.get(3)?,
                detail: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    fn ping(&self) -> Result<()> {
        self.conn().query_row("SELECT 1", [], |_| Ok(()))?;
        Ok(())
    }

    fn kind(&self) -> &'static str {
        "sqlite"
    }
}

/// The version of document `d` (as `stored_version` reads it), in a query.
const DOCUMENT_VERSION: &str = "MAX(d.folded_seq, COALESCE(
    (SELECT MAX(c.seq) FROM changes c WHERE c.employee_id = d.employee_id), 0))";

/// The start of the refusal an edit gets when another process stored changes of the
/// document between its read and its append.
pub const DOCUMENT_MOVED: &str = "document moved";

/// A document's (folded_seq, version), or `None` when there is no such document.
fn stored_version(tx: &rusqlite::Transaction<'_>, employee_id: &str) -> Result<Option<(i64, i64)>> {
    let folded: Option<i64> = tx
        .query_row(
            "SELECT folded_seq FROM documents WHERE employee_id = ?1",
            [employee_id],
            |r| r.get(0),
        )
        .optional()?;
    let Some(folded) = folded else {
        return Ok(None);
    };
    let version: i64 = tx.query_row(
        "SELECT MAX(?2, COALESCE(MAX(seq), 0)) FROM changes WHERE employee_id = ?1",
        params![employee_id, folded],
        |r| r.get(0),
    )?;
    Ok(Some((folded, version)))
}

/// Stores the summary of the document at `version`, replacing the one before.
fn put_summary(
    tx: &rusqlite::Transaction<'_>,
    employee_id: &str,
    version: i64,
    s: &Summary,
) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO caseload_summaries
             (employee_id, format, version, computed_at, phase, kind, closed_on, applications,
              inputs)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
         ON CONFLICT(employee_id) DO UPDATE SET
             format = excluded.format, version = excluded.version,
             computed_at = excluded.computed_at, phase = excluded.phase, kind = excluded.kind,
             closed_on = excluded.closed_on, applications = excluded.applications,
             inputs = excluded.inputs",
    )?
    .execute(params![
        employee_id,
        s.format,
        version,
        s.computed_at,
        s.phase,
        s.kind,
        s.closed_on,
        s.applications,
        s.inputs
    ])?;
    Ok(())
}

/// Stores the code unless its lookup belongs to a code that can still be redeemed; an old
/// code's lookup is reused once it can no longer be.
fn insert_code(tx: &rusqlite::Transaction<'_>, code: &EnrolmentCode, now: i64) -> Result<bool> {
    tx.execute(
        "DELETE FROM enrolment_codes WHERE lookup = ?1 AND (used = 1 OR expires_at <= ?2)",
        params![code.lookup, now],
    )?;
    let stored = tx.execute(
        "INSERT INTO enrolment_codes (lookup, code_hash, employee_id, expires_at, attempts, used)
         VALUES (?1, ?2, ?3, ?4, 0, 0) ON CONFLICT (lookup) DO NOTHING",
        params![
            code.lookup,
            code.code_hash,
            code.employee_id,
            code.expires_at
        ],
    )?;
    Ok(stored == 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::NewChange;

    /// Builds a file at every older schema version with the data that version could hold,
    /// then opens it with the current code: everything must still be there. (The behaviour
    /// shared with PostgreSQL is tested in `storage::tests`.)
    #[test]
    fn every_earlier_version_migrates_to_the_current_one() {
        for start in 0..CURRENT_VERSION {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("bureau.db");
            {
                let s = SqliteStorage::open_at_version(&path, start).unwrap();
                assert_eq!(s.schema_version().unwrap(), start);
                if start >= 1 {
                    s.conn()
                        .execute_batch(
                            "INSERT INTO coaches VALUES ('c1', 'c@x', 'C', 'h', 0);
                             INSERT INTO employees VALUES ('e1', 'E', 'c1', 0);
                             INSERT INTO documents (employee_id, snapshot) VALUES ('e1', x'01');
                             INSERT INTO changes (employee_id, hash, bytes) VALUES ('e1', x'02', x'03');",
                        )
                        .unwrap();
                }
            }
            let s = SqliteStorage::open(&path).unwrap();
            assert_eq!(s.schema_version().unwrap(), CURRENT_VERSION);
            if start >= 1 {
                let doc = s.load_document("e1").unwrap().unwrap();
                assert_eq!(doc.changes, vec![vec![3]], "from version {start}");
                let mut seen = None;
                s.with_document("e1", Access::Write, None, None, None, &mut |o| {
                    seen = Some(o);
                    Ok(Default::default())
                })
                .unwrap();
                let seen = seen.unwrap();
                assert_eq!(seen.version, 1, "from version {start}");
                assert_eq!(
                    seen.catchup,
                    Catchup::Whole(StoredDocument {
                        snapshot: vec![1],
                        // A snapshot from before version 7 has no state beside it.
                        snapshot_state: None,
                        changes: vec![vec![3]]
                    })
                );
            }
        }
    }

    /// Another process appends while this one works on the document: this one's append is
    /// refused (to be retried) and stores nothing.
    #[test]
    fn an_append_after_another_process_moved_the_document_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bureau.db");
        let a = SqliteStorage::open(&path).unwrap();
        let b = SqliteStorage::open(&path).unwrap();
        a.insert_coach(&Coach {
            id: "c1".into(),
            email: "c@x".into(),
            name: "C".into(),
            password_hash: "h".into(),
            is_admin: false,
        })
        .unwrap();
        a.insert_employee(
            &Employee {
                id: "e1".into(),
                name: "E".into(),
                coach_id: "c1".into(),
                created_at: 0,
            },
            b"doc",
            &crate::summary::of(&Default::default(), koers_core::model::Timestamp::now()).unwrap(),
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
        let change = |n: u8| NewChange {
            hash: vec![n],
            bytes: vec![n],
        };
        let err = a
            .with_document("e1", Access::Write, None, None, None, &mut |_| {
                b.with_document("e1", Access::Write, None, None, None, &mut |_| {
                    Ok(DocumentWrite {
                        changes: vec![change(2)],
                        ..Default::default()
                    })
                })?;
                Ok(DocumentWrite {
                    changes: vec![change(1)],
                    ..Default::default()
                })
            })
            .unwrap_err();
        assert!(err.to_string().contains(DOCUMENT_MOVED), "{err}");
        assert_eq!(
            a.load_document("e1").unwrap().unwrap().changes,
            vec![vec![2]]
        );
    }

    #[test]
    fn a_database_from_a_newer_program_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bureau.db");
        Connection::open(&path)
            .unwrap()
            .pragma_update(None, "user_version", CURRENT_VERSION + 1)
            .unwrap();
        let err = SqliteStorage::open(&path).err().unwrap();
        assert!(err.to_string().contains("newer"), "{err}");
    }

    #[test]
    fn a_backup_restores_into_a_new_place() {
        let dir = tempfile::tempdir().unwrap();
        let s = SqliteStorage::open(&dir.path().join("bureau.db")).unwrap();
        s.insert_coach(&Coach {
            id: "c1".into(),
            email: "c@x".into(),
            name: "C".into(),
            password_hash: "h".into(),
            is_admin: true,
        })
        .unwrap();
        let backup = dir.path().join("backup.db");
        s.backup_to(&backup).unwrap();
        assert!(s.backup_to(&backup).is_err(), "never overwrites");
        s.insert_coach(&Coach {
            id: "c2".into(),
            email: "later@x".into(),
            name: "L".into(),
            password_hash: "h".into(),
            is_admin: false,
        })
        .unwrap();
        let restored = dir.path().join("restored").join("bureau.db");
        SqliteStorage::restore(&backup, &restored).unwrap();
        let r = SqliteStorage::open(&restored).unwrap();
        assert!(r.coach_by_id("c1").unwrap().is_some());
        assert!(r.coach_by_id("c2").unwrap().is_none());
        std::fs::write(dir.path().join("junk.db"), b"not a database").unwrap();
        assert!(SqliteStorage::restore(&dir.path().join("junk.db"), &restored).is_err());
        assert!(SqliteStorage::open(&restored)
            .unwrap()
            .coach_by_id("c1")
            .unwrap()
            .is_some());
    }
}
