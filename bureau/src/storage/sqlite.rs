//! The embedded default storage: one SQLite file in the data directory, WAL with
//! synchronous=FULL (a reply is only sent after its changes are on disk), migrated by
//! `user_version`.

use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use rusqlite::{params, Connection, OptionalExtension};

use super::{
    AuditEvent, Coach, Device, Employee, EnrolmentCode, NewChange, PeerStateRow, Redeemed, Storage,
    StoredDocument,
};
use crate::{BureauError, Result};

/// The schema, one entry per version; never edit an entry once released, add one.
const MIGRATIONS: &[&str] = &[r#"
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
"#];

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

    pub fn open(path: &Path) -> Result<Self> {
        let mut conn = Connection::open(path)?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        migrate(&mut conn)?;
        Ok(Self {
            conn: Mutex::new(conn),
        })
    }

    fn conn(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave a half transaction behind (SQLite rolls
        // it back), so a poisoned lock is still usable.
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }
}

fn migrate(conn: &mut Connection) -> Result<()> {
    let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    let known = MIGRATIONS.len() as i64;
    if version > known {
        return Err(BureauError::Storage {
            message: format!(
                "the database has schema version {version}, newer than this program ({known})"
            ),
        });
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", (i + 1) as i64)?;
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
        code: &EnrolmentCode,
    ) -> Result<()> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
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
        insert_code(&tx, code)?;
        tx.commit()?;
        Ok(())
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

    fn replace_code(&self, code: &EnrolmentCode) -> Result<()> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        tx.execute(
            "UPDATE enrolment_codes SET used = 1 WHERE employee_id = ?1",
            [&code.employee_id],
        )?;
        insert_code(&tx, code)?;
        tx.commit()?;
        Ok(())
    }

    fn code_lookup_taken(&self, lookup: &str, now: i64) -> Result<bool> {
        let conn = self.conn();
        // An old code's lookup may be reused once it can no longer be redeemed.
        conn.execute(
            "DELETE FROM enrolment_codes WHERE lookup = ?1 AND (used = 1 OR expires_at <= ?2)",
            params![lookup, now],
        )?;
        let n: i64 = conn.query_row(
            "SELECT COUNT(*) FROM enrolment_codes WHERE lookup = ?1",
            [lookup],
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
    ) -> Result<Redeemed> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let found = tx
            .query_row(
                "SELECT code_hash, employee_id, expires_at, attempts, used FROM enrolment_codes WHERE lookup = ?1",
                [lookup],
                |r| {
                    Ok(EnrolmentCode {
                        lookup: lookup.to_string(),
                        code_hash: r.get(0)?,
                        employee_id: r.get(1)?,
                        expires_at: r.get(2)?,
                        attempts: r.get(3)?,
                        used: r.get(4)?,
                    })
                },
            )
            .optional()?;
        let Some(code) = found else {
            return Ok(Redeemed::Unknown);
        };
        if code.used || code.attempts >= max_attempts {
            return Ok(Redeemed::Spent);
        }
        if code.expires_at <= now {
            return Ok(Redeemed::Expired);
        }
        tx.execute(
            "UPDATE enrolment_codes SET attempts = attempts + 1 WHERE lookup = ?1",
            [lookup],
        )?;
        if !crate::auth::constant_time_eq(&code.code_hash, code_hash) {
            tx.commit()?;
            return Ok(Redeemed::Wrong {
                attempts_left: max_attempts.saturating_sub(code.attempts + 1),
            });
        }
        tx.execute(
            "UPDATE enrolment_codes SET used = 1 WHERE lookup = ?1",
            [lookup],
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
        let snapshot: Option<Vec<u8>> = conn
            .query_row(
                "SELECT snapshot FROM documents WHERE employee_id = ?1",
                [employee_id],
                |r| r.get(0),
            )
            .optional()?;
        let Some(snapshot) = snapshot else {
            return Ok(None);
        };
        let mut stmt =
            conn.prepare("SELECT bytes FROM changes WHERE employee_id = ?1 ORDER BY seq")?;
        let changes = stmt
            .query_map([employee_id], |r| r.get(0))?
            .collect::<rusqlite::Result<Vec<Vec<u8>>>>()?;
        Ok(Some(StoredDocument { snapshot, changes }))
    }

    fn append_changes(
        &self,
        employee_id: &str,
        changes: &[NewChange],
        peer_state: Option<&PeerStateRow>,
        device_seen: Option<(&str, i64)>,
    ) -> Result<()> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        {
            let mut insert = tx.prepare_cached(
                "INSERT INTO changes (employee_id, hash, bytes) VALUES (?1, ?2, ?3)
                 ON CONFLICT(employee_id, hash) DO NOTHING",
            )?;
            for c in changes {
                insert.execute(params![employee_id, c.hash, c.bytes])?;
            }
        }
        if let Some(p) = peer_state {
            tx.execute(
                "INSERT INTO peer_states (employee_id, peer, state) VALUES (?1, ?2, ?3)
                 ON CONFLICT(employee_id, peer) DO UPDATE SET state = excluded.state",
                params![employee_id, p.peer, p.state],
            )?;
        }
        if let Some((device, at)) = device_seen {
            tx.execute(
                "UPDATE devices SET last_seen_at = ?2 WHERE id = ?1",
                params![device, at],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    fn compact_document(&self, employee_id: &str, snapshot: &[u8]) -> Result<()> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        tx.execute(
            "UPDATE documents SET snapshot = ?2 WHERE employee_id = ?1",
            params![employee_id, snapshot],
        )?;
        tx.execute("DELETE FROM changes WHERE employee_id = ?1", [employee_id])?;
        tx.commit()?;
        Ok(())
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
}

fn insert_code(tx: &rusqlite::Transaction<'_>, code: &EnrolmentCode) -> Result<()> {
    tx.execute(
        "INSERT INTO enrolment_codes (lookup, code_hash, employee_id, expires_at, attempts, used)
         VALUES (?1, ?2, ?3, ?4, 0, 0)",
        params![
            code.lookup,
            code.code_hash,
            code.employee_id,
            code.expires_at
        ],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn storage() -> (tempfile::TempDir, SqliteStorage) {
        let dir = tempfile::tempdir().unwrap();
        let s = SqliteStorage::open_dir(dir.path()).unwrap();
        (dir, s)
    }

    fn setup(s: &SqliteStorage) {
        s.insert_coach(&Coach {
            id: "c1".into(),
            email: "c@x".into(),
            name: "C".into(),
            password_hash: "h".into(),
            is_admin: false,
        })
        .unwrap();
        s.insert_employee(
            &Employee {
                id: "e1".into(),
                name: "E".into(),
                coach_id: "c1".into(),
                created_at: 0,
            },
            b"doc",
            &EnrolmentCode {
                lookup: "ABCD".into(),
                code_hash: vec![1; 32],
                employee_id: "e1".into(),
                expires_at: 1000,
                attempts: 0,
                used: false,
            },
        )
        .unwrap();
    }

    fn device(id: &str) -> Device {
        Device {
            id: id.into(),
            employee_id: String::new(),
            name: "telefoon".into(),
            enrolled_at: 5,
            last_seen_at: None,
            revoked_at: None,
        }
    }

    #[test]
    fn migrations_run_once_and_reopen_keeps_data() {
        let dir = tempfile::tempdir().unwrap();
        {
            let s = SqliteStorage::open_dir(dir.path()).unwrap();
            setup(&s);
        }
        let s = SqliteStorage::open_dir(dir.path()).unwrap();
        assert!(s.employee("e1").unwrap().is_some());
        assert!(s
            .insert_coach(&s.coach_by_id("c1").unwrap().unwrap())
            .is_err());
    }

    #[test]
    fn codes_count_attempts_and_are_single_use() {
        let (_d, s) = storage();
        setup(&s);
        let r = s
            .redeem_code("ABCD", &[2; 32], 10, 5, &device("d0"), b"t0")
            .unwrap();
        assert_eq!(
            r,
            Redeemed::Wrong {
                attempts_left: 3 + 1
            }
        );
        assert_eq!(
            s.redeem_code("ZZZZ", &[1; 32], 10, 5, &device("d0"), b"t0")
                .unwrap(),
            Redeemed::Unknown
        );
        let r = s
            .redeem_code("ABCD", &[1; 32], 10, 5, &device("d1"), b"t1")
            .unwrap();
        assert_eq!(
            r,
            Redeemed::Enrolled {
                employee_id: "e1".into()
            }
        );
        assert_eq!(
            s.redeem_code("ABCD", &[1; 32], 10, 5, &device("d2"), b"t2")
                .unwrap(),
            Redeemed::Spent
        );
        let d = s.device_by_token_hash(b"t1").unwrap().unwrap();
        assert_eq!(d.employee_id, "e1");
        assert!(s.revoke_device("d1", 20).unwrap());
        assert!(!s.revoke_device("d1", 21).unwrap());
    }

    #[test]
    fn codes_expire_and_run_out_of_attempts() {
        let (_d, s) = storage();
        setup(&s);
        assert_eq!(
            s.redeem_code("ABCD", &[1; 32], 1000, 5, &device("d1"), b"t1")
                .unwrap(),
            Redeemed::Expired
        );
        for _ in 0..5 {
            s.redeem_code("ABCD", &[9; 32], 10, 5, &device("d1"), b"t1")
                .unwrap();
        }
        assert_eq!(
            s.redeem_code("ABCD", &[1; 32], 10, 5, &device("d1"), b"t1")
                .unwrap(),
            Redeemed::Spent
        );
    }

    #[test]
    fn changes_append_idempotently_and_compact() {
        let (_d, s) = storage();
        setup(&s);
        let c = NewChange {
            hash: vec![1],
            bytes: vec![2],
        };
        s.append_changes("e1", &[c.clone(), c.clone()], None, None)
            .unwrap();
        s.append_changes(
            "e1",
            &[c],
            Some(&PeerStateRow {
                peer: "d1".into(),
                state: vec![3],
            }),
            Some(("d1", 7)),
        )
        .unwrap();
        let doc = s.load_document("e1").unwrap().unwrap();
        assert_eq!(doc.changes.len(), 1);
        assert_eq!(s.peer_state("e1", "d1").unwrap(), Some(vec![3]));
        s.compact_document("e1", b"new").unwrap();
        let doc = s.load_document("e1").unwrap().unwrap();
        assert_eq!(doc.snapshot, b"new");
        assert!(doc.changes.is_empty());
    }
}
