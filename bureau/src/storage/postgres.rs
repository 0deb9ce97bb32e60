//! PostgreSQL storage, for a bureau of many nodes over one database: the same tables as the
//! SQLite file, versioned migrations run under an advisory lock (two nodes starting at
//! once migrate one after the other), and each document edit holding its row lock
//! (`SELECT … FOR UPDATE`) from reading the stored version to the commit of what it appends.
//!
//! The driver is async (tokio-postgres, pooled by deadpool); the [`Storage`] trait is
//! blocking and is only called off the async threads, so every call runs its future to the
//! end on the storage's own small runtime, which also drives the connections.

use std::future::Future;
use std::str::FromStr;
use std::time::Duration;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use tokio_postgres::{IsolationLevel, NoTls, Row};

use super::{
    plan, Access, AuditEvent, CaseloadLine, Catchup, Coach, Device, DocumentWrite, Employee,
    EnrolmentCode, Opened, Plan, Redeemed, Storage, StoredDocument, Summary, TokenCheck,
};
use crate::auth::signed_out;
use crate::{BureauError, Result};

/// The schema, one entry per version; never edit an entry once released, add one.
pub const MIGRATIONS: &[&str] = &[
    r#"
CREATE TABLE coaches (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    is_admin BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE TABLE sessions (
    token_hash BYTEA PRIMARY KEY,
    coach_id TEXT NOT NULL REFERENCES coaches(id),
    expires_at BIGINT NOT NULL
);
CREATE TABLE employees (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    coach_id TEXT NOT NULL REFERENCES coaches(id),
    created_at BIGINT NOT NULL
);
CREATE INDEX employees_by_coach ON employees(coach_id);
CREATE TABLE enrolment_codes (
    lookup TEXT PRIMARY KEY,
    code_hash BYTEA NOT NULL,
    employee_id TEXT NOT NULL REFERENCES employees(id),
    expires_at BIGINT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    used BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE TABLE devices (
    id TEXT PRIMARY KEY,
    employee_id TEXT NOT NULL REFERENCES employees(id),
    name TEXT NOT NULL,
    token_hash BYTEA NOT NULL UNIQUE,
    enrolled_at BIGINT NOT NULL,
    last_seen_at BIGINT,
    revoked_at BIGINT
);
CREATE INDEX devices_by_employee ON devices(employee_id);
CREATE TABLE documents (
    employee_id TEXT PRIMARY KEY REFERENCES employees(id),
    snapshot BYTEA NOT NULL,
    folded_seq BIGINT NOT NULL DEFAULT 0
);
CREATE TABLE changes (
    seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    employee_id TEXT NOT NULL REFERENCES employees(id),
    hash BYTEA NOT NULL,
    bytes BYTEA NOT NULL,
    UNIQUE (employee_id, hash)
);
CREATE INDEX changes_by_document ON changes(employee_id, seq);
CREATE TABLE peer_states (
    employee_id TEXT NOT NULL,
    peer TEXT NOT NULL,
    state BYTEA NOT NULL,
    PRIMARY KEY (employee_id, peer)
);
CREATE TABLE audit (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at BIGINT NOT NULL,
    kind TEXT NOT NULL,
    principal TEXT,
    ip TEXT,
    detail TEXT NOT NULL
);
"#,
    // v2: retryable enrolment. A used code remembers the hash of the request id that used
    // it and the device it created, so a retry after a lost reply gets that device again.
    r#"
ALTER TABLE enrolment_codes ADD COLUMN request_hash BYTEA, ADD COLUMN device_id TEXT;
"#,
    // v3: the caseload's summary of each dossier, written with its changes, so a caseload
    // reads these rows instead of every document. Existing dossiers are summarised by the
    // bureau once it runs (`Documents::fill_summaries`); it cannot be done in SQL.
    r#"
CREATE TABLE caseload_summaries (
    employee_id TEXT PRIMARY KEY REFERENCES employees(id),
    format INTEGER NOT NULL,
    version BIGINT NOT NULL,
    computed_at BIGINT NOT NULL,
    phase TEXT,
    kind TEXT,
    closed_on TEXT,
    applications BIGINT NOT NULL,
    inputs TEXT NOT NULL
);
"#,
    // v4: the bureau's secrets (the enrolment-code key), shared by every node.
    r#"
CREATE TABLE secrets (
    name TEXT PRIMARY KEY,
    value BYTEA NOT NULL
);
"#,
    // v5: failed logins and enrolments, counted for every node: per scope and key (a client
    // address, an account) the time by which its failures are paid back (GCRA).
    r#"
CREATE TABLE throttle (
    scope TEXT NOT NULL,
    key TEXT NOT NULL,
    tat BIGINT NOT NULL,
    PRIMARY KEY (scope, key)
);
CREATE INDEX throttle_by_tat ON throttle(tat);
"#,
    // v6: beside each snapshot, what the node that wrote it knew of it (SQLite's v7).
    r#"
ALTER TABLE documents ADD COLUMN snapshot_state BYTEA;
"#,
    // v7: a caseload summary is rewritten with every session's changes, and its inputs (a
    // few to tens of KB of JSON) are compressed on the way into TOAST: with lz4 rather than
    // the default pglz, which took a quarter of the database's CPU per session (PERFORMANCE.md).
    // A server built without lz4 (or older than 14) keeps pglz; the schema is the same.
    r#"
DO $$
BEGIN
    EXECUTE 'ALTER TABLE caseload_summaries ALTER COLUMN inputs SET COMPRESSION lz4';
EXCEPTION WHEN feature_not_supported OR syntax_error THEN
    RAISE NOTICE 'lz4 compression not available; caseload summaries stay with pglz';
END
$$;
"#,
];

/// The schema version this code writes.
pub const CURRENT_VERSION: u32 = MIGRATIONS.len() as u32;

/// The advisory lock key migrations hold (any constant no other program of the database uses).
const MIGRATION_LOCK: i64 = 0x6b6f_6572_735f_6d31; // "koers_m1"

/// Connections per node unless the URL's `pool_size` parameter says otherwise.
pub const DEFAULT_POOL_SIZE: usize = 16;

pub struct PostgresStorage {
    pool: Pool,
    /// Drives the connections and runs each call's future; `None` only while dropping.
    rt: Option<tokio::runtime::Runtime>,
}

impl From<tokio_postgres::Error> for BureauError {
    fn from(e: tokio_postgres::Error) -> Self {
        Self::Storage {
            message: match e.as_db_error() {
                Some(db) => format!("postgres: {}: {}", db.code().code(), db.message()),
                None => format!("postgres: {e}"),
            },
        }
    }
}

impl From<deadpool_postgres::PoolError> for BureauError {
    fn from(e: deadpool_postgres::PoolError) -> Self {
        Self::Storage {
            message: format!("postgres pool: {e}"),
        }
    }
}

fn storage_error(message: impl Into<String>) -> BureauError {
    BureauError::Storage {
        message: message.into(),
    }
}

impl PostgresStorage {
    /// Connects to `url` (`postgres://user:password@host:port/database`, optionally
    /// `?pool_size=N`) and migrates the schema to the current version.
    pub fn connect(url: &str) -> Result<Self> {
        Self::connect_at_version(url, CURRENT_VERSION)
    }

    /// Connects and migrates only up to `version` (tests build every older schema).
    pub fn connect_at_version(url: &str, version: u32) -> Result<Self> {
        let (url, pool_size) = split_pool_size(url)?;
        let config = tokio_postgres::Config::from_str(&url)
            .map_err(|e| storage_error(format!("invalid database URL: {e}")))?;
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("koers-postgres")
            .enable_all()
            .build()
            .map_err(|e| storage_error(format!("cannot start the database runtime: {e}")))?;
        let manager = Manager::from_config(
            config,
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(pool_size)
            .runtime(deadpool_postgres::Runtime::Tokio1)
            .wait_timeout(Some(Duration::from_secs(30)))
            .create_timeout(Some(Duration::from_secs(10)))
            .build()
            .map_err(|e| storage_error(format!("cannot build the connection pool: {e}")))?;
        let storage = Self { pool, rt: Some(rt) };
        storage.migrate_to(version)?;
        Ok(storage)
    }

    /// Runs `f` to completion on the storage's runtime. The handlers call storage through
    /// `crate::blocking`, so this normally blocks a blocking-pool thread; a call made on an
    /// async worker thread (an audit line written straight from a handler) first hands the
    /// worker's other tasks to another thread (`block_in_place`) instead of stalling them.
    fn run<T>(&self, f: impl Future<Output = Result<T>>) -> Result<T> {
        let Some(rt) = &self.rt else {
            return Err(storage_error("the database runtime has stopped"));
        };
        let on_multi_thread_runtime = tokio::runtime::Handle::try_current()
            .is_ok_and(|h| h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread);
        if on_multi_thread_runtime {
            tokio::task::block_in_place(|| rt.block_on(f))
        } else {
            rt.block_on(f)
        }
    }

    async fn client(&self) -> Result<deadpool_postgres::Object> {
        Ok(self.pool.get().await?)
    }

    /// The schema version of the database (0 when empty).
    pub fn schema_version(&self) -> Result<u32> {
        self.run(async {
            let client = self.client().await?;
            version_of(&client).await
        })
    }

    fn migrate_to(&self, target: u32) -> Result<()> {
        self.run(async {
            let mut client = self.client().await?;
            loop {
                let tx = client.transaction().await?;
                tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
                    .await?;
                tx.batch_execute(
                    "CREATE TABLE IF NOT EXISTS koers_schema (version INTEGER NOT NULL);
                     INSERT INTO koers_schema (version)
                         SELECT 0 WHERE NOT EXISTS (SELECT 1 FROM koers_schema);",
                )
                .await?;
                let version = version_of(&tx).await?;
                if version > CURRENT_VERSION {
                    return Err(storage_error(format!(
                        "the database has schema version {version}, newer than this program ({CURRENT_VERSION})"
                    )));
                }
                if version >= target {
                    tx.commit().await?;
                    return Ok(());
                }
                tx.batch_execute(MIGRATIONS[version as usize]).await?;
                tx.execute(
                    "UPDATE koers_schema SET version = $1",
                    &[&((version + 1) as i32)],
                )
                .await?;
                tx.commit().await?;
                tracing::info!(version = version + 1, "database schema migrated");
            }
        })
    }
}

impl Drop for PostgresStorage {
    fn drop(&mut self) {
        // Dropping a runtime blocks; `shutdown_background` does not, so this is safe anywhere.
        if let Some(rt) = self.rt.take() {
            rt.shutdown_background();
        }
    }
}

/// URL parameter naming a node's number of connections (ours; taken out before the driver
/// sees the URL).
const POOL_SIZE_PARAMETER: &str = "pool_size";

/// `url` with its node's number of connections set to `connections` (what
/// `PostgresStorage::connect` reads back).
pub fn with_pool_size(url: &str, connections: usize) -> String {
    let joint = if url.contains('?') { '&' } else { '?' };
    format!("{url}{joint}{POOL_SIZE_PARAMETER}={connections}")
}

/// Takes our own `pool_size` parameter out of the URL (the driver rejects unknown ones).
fn split_pool_size(url: &str) -> Result<(String, usize)> {
    let Some((base, query)) = url.split_once('?') else {
        return Ok((url.to_string(), DEFAULT_POOL_SIZE));
    };
    let mut size = DEFAULT_POOL_SIZE;
    let mut rest = Vec::new();
    for pair in query.split('&') {
        match pair.split_once('=') {
            Some((POOL_SIZE_PARAMETER, n)) => {
                size = n
                    .parse()
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or_else(|| storage_error(format!("invalid pool_size {n:?}")))?;
            }
            _ => rest.push(pair),
        }
    }
    Ok(if rest.is_empty() {
        (base.to_string(), size)
    } else {
        (format!("{base}?{}", rest.join("&")), size)
    })
}

async fn version_of(client: &impl deadpool_postgres::GenericClient) -> Result<u32> {
    let exists: bool = client
        .query_one("SELECT to_regclass('koers_schema') IS NOT NULL", &[])
        .await?
        .get(0);
    if !exists {
        return Ok(0);
    }
    let row = client
        .query_opt("SELECT version FROM koers_schema", &[])
        .await?;
    Ok(row.map(|r| r.get::<_, i32>(0)).unwrap_or(0).max(0) as u32)
}

fn coach_from_row(r: &Row) -> Coach {
    Coach {
        id: r.get(0),
        email: r.get(1),
        name: r.get(2),
        password_hash: r.get(3),
        is_admin: r.get(4),
    }
}

fn employee_from_row(r: &Row) -> Employee {
    Employee {
        id: r.get(0),
        name: r.get(1),
        coach_id: r.get(2),
        created_at: r.get(3),
    }
}

fn device_from_row(r: &Row) -> Device {
    Device {
        id: r.get(0),
        employee_id: r.get(1),
        name: r.get(2),
        enrolled_at: r.get(3),
        last_seen_at: r.get(4),
        revoked_at: r.get(5),
    }
}

macro_rules! device_columns {
    () => {
        "id, employee_id, name, enrolled_at, last_seen_at, revoked_at"
    };
}
const DEVICE_COLUMNS: &str = device_columns!();
const DEVICE_BY_TOKEN: &str = concat!(
    "SELECT ",
    device_columns!(),
    " FROM devices WHERE token_hash = $1"
);

/// A pooled connection on which a transaction was begun by hand (`BEGIN` sent together
/// with the statements after it, which `deadpool`'s `Transaction` cannot do). Unless
/// [`InTransaction::ended`] says the transaction was committed or rolled back, dropping it
/// (an error between statements, a panic in the caller's work) closes the connection instead
/// of pooling it, and PostgreSQL rolls the transaction back: no later user of the pool can
/// find itself inside it.
struct InTransaction {
    /// `None` only while dropping.
    client: Option<deadpool_postgres::Object>,
    ended: std::cell::Cell<bool>,
}

impl InTransaction {
    fn new(client: deadpool_postgres::Object) -> Self {
        Self {
            client: Some(client),
            ended: std::cell::Cell::new(false),
        }
    }

    fn client(&self) -> Result<&deadpool_postgres::ClientWrapper> {
        self.client
            .as_deref()
            .ok_or_else(|| storage_error("the connection was closed"))
    }

    /// The transaction was committed or rolled back: the connection may be pooled again.
    fn ended(&self) {
        self.ended.set(true);
    }
}

impl Drop for InTransaction {
    fn drop(&mut self) {
        if let Some(client) = self.client.take() {
            if !self.ended.get() {
                // Taken out of the pool and dropped: the connection closes.
                drop(deadpool_postgres::Object::take(client));
            }
        }
    }
}

/// A document's stored version, as SQL over `documents d`: its last change row's sequence
/// number, or the last folded one. Whatever reads or stores a version (the open read, the
/// summary, a compaction, the caseload's freshness check) uses this one expression.
macro_rules! version_sql {
    () => {
        "GREATEST(d.folded_seq, COALESCE(
            (SELECT MAX(c.seq) FROM changes c WHERE c.employee_id = d.employee_id), 0))"
    };
}

/// The version of document `d`, in a query built at run time.
const DOCUMENT_VERSION: &str = version_sql!();

/// The open read, sent behind the lock: the version, the peer's sync state, whether the
/// device `$3` still holds the token hashed `$4` (NULL when no device is named) and the
/// change rows after version `$5` (NULL when there are none).
const OPEN_READ: &str = concat!(
    "SELECT ",
    version_sql!(),
    ", (SELECT state FROM peer_states WHERE employee_id = $1 AND peer = $2),
       (SELECT revoked_at IS NULL AND token_hash = $4 FROM devices
        WHERE id = $3 AND employee_id = $1),
       (SELECT array_agg(bytes ORDER BY seq) FROM changes WHERE employee_id = $1 AND seq > $5)
     FROM documents d WHERE employee_id = $1"
);

/// The stored changes of a document after a version, in order.
const ROWS_AFTER: &str =
    "SELECT bytes FROM changes WHERE employee_id = $1 AND seq > $2 ORDER BY seq";

/// Replaces the stored snapshot with one holding every stored change (`$2`), and what is
/// stored beside it (`$3`).
const FOLD: &str = concat!(
    "UPDATE documents d SET snapshot = $2, snapshot_state = $3, folded_seq = ",
    version_sql!(),
    " WHERE employee_id = $1"
);

/// New change rows, in the order given (`$2` hashes, `$3` bytes); a row already stored is
/// skipped. Returns the new rows' sequence numbers.
macro_rules! insert_changes {
    () => {
        "INSERT INTO changes (employee_id, hash, bytes)
         SELECT $1, h, b FROM UNNEST($2::BYTEA[], $3::BYTEA[]) WITH ORDINALITY AS t(h, b, n)
         ORDER BY n
         ON CONFLICT (employee_id, hash) DO NOTHING RETURNING seq"
    };
}

/// The caseload summary's columns, and the update that replaces the stored one.
macro_rules! insert_summary {
    () => {
        "INSERT INTO caseload_summaries
         (employee_id, format, version, computed_at, phase, kind, closed_on, applications, inputs)"
    };
}
macro_rules! replace_summary {
    () => {
        " ON CONFLICT (employee_id) DO UPDATE SET
             format = EXCLUDED.format, version = EXCLUDED.version,
             computed_at = EXCLUDED.computed_at, phase = EXCLUDED.phase, kind = EXCLUDED.kind,
             closed_on = EXCLUDED.closed_on, applications = EXCLUDED.applications,
             inputs = EXCLUDED.inputs"
    };
}

const INSERT_CHANGES: &str = insert_changes!();

/// Stores the caseload's summary of a document at the document's version now, replacing
/// the one before.
const PUT_SUMMARY: &str = concat!(
    insert_summary!(),
    " SELECT $1, $2, ",
    version_sql!(),
    ", $3, $4, $5, $6, $7, $8 FROM documents d WHERE d.employee_id = $1",
    replace_summary!()
);

/// [`INSERT_CHANGES`] and [`PUT_SUMMARY`] in one statement, for the usual sync that stores
/// both: the version after the insert is the version read under the row lock (`$11`) or the
/// highest new row, since nobody else appends while the lock is held.
const INSERT_CHANGES_AND_SUMMARY: &str = concat!(
    "WITH ins AS (",
    insert_changes!(),
    "), summary AS (",
    insert_summary!(),
    " SELECT $1, $4, GREATEST($11::BIGINT, (SELECT COALESCE(MAX(seq), 0) FROM ins)),
         $5, $6, $7, $8, $9, $10",
    replace_summary!(),
    ") SELECT seq FROM ins"
);

type Param<'a> = &'a (dyn tokio_postgres::types::ToSql + Sync);

/// A summary's columns after the employee and the version, in the order the statements
/// above take them.
fn summary_fields(s: &Summary) -> [Param<'_>; 7] {
    [
        &s.format,
        &s.computed_at,
        &s.phase,
        &s.kind,
        &s.closed_on,
        &s.applications,
        &s.inputs,
    ]
}

/// [`PUT_SUMMARY`]'s parameters.
fn summary_params<'a>(employee_id: &'a &'a str, s: &'a Summary) -> Vec<Param<'a>> {
    let mut params: Vec<Param<'a>> = vec![employee_id];
    params.extend(summary_fields(s));
    params
}

async fn put_summary(
    tx: &deadpool_postgres::Transaction<'_>,
    employee_id: &str,
    s: &Summary,
) -> Result<()> {
    tx.execute(PUT_SUMMARY, &summary_params(&employee_id, s))
        .await?;
    Ok(())
}

/// Stores the code unless its lookup belongs to a code that can still be redeemed; an old
/// code's lookup is reused once it can no longer be. A concurrent insert of the same lookup
/// makes this one wait for it and then store nothing (ON CONFLICT), never fail.
async fn insert_code(
    tx: &deadpool_postgres::Transaction<'_>,
    code: &EnrolmentCode,
    now: i64,
) -> Result<bool> {
    tx.execute(
        "DELETE FROM enrolment_codes WHERE lookup = $1 AND (used OR expires_at <= $2)",
        &[&code.lookup, &now],
    )
    .await?;
    let stored = tx
        .execute(
            "INSERT INTO enrolment_codes (lookup, code_hash, employee_id, expires_at, attempts, used)
             VALUES ($1, $2, $3, $4, 0, FALSE) ON CONFLICT (lookup) DO NOTHING",
            &[
                &code.lookup,
                &code.code_hash,
                &code.employee_id,
                &code.expires_at,
            ],
        )
        .await?;
    Ok(stored == 1)
}

impl Storage for PostgresStorage {
    fn insert_coach(&self, coach: &Coach) -> Result<()> {
        self.run(async {
            let client = self.client().await?;
            let n = client
                .execute(
                    "INSERT INTO coaches (id, email, name, password_hash, is_admin)
                     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (email) DO NOTHING",
                    &[
                        &coach.id,
                        &coach.email,
                        &coach.name,
                        &coach.password_hash,
                        &coach.is_admin,
                    ],
                )
                .await?;
            if n == 0 {
                return Err(BureauError::Conflict {
                    message: format!("er is al een coach met e-mailadres {}", coach.email),
                });
            }
            Ok(())
        })
    }

    fn coach_by_email(&self, email: &str) -> Result<Option<Coach>> {
        self.run(async {
            let client = self.client().await?;
            let row = client
                .query_opt(
                    "SELECT id, email, name, password_hash, is_admin FROM coaches WHERE email = $1",
                    &[&email],
                )
                .await?;
            Ok(row.as_ref().map(coach_from_row))
        })
    }

    fn coach_by_id(&self, id: &str) -> Result<Option<Coach>> {
        self.run(async {
            let client = self.client().await?;
            let row = client
                .query_opt(
                    "SELECT id, email, name, password_hash, is_admin FROM coaches WHERE id = $1",
                    &[&id],
                )
                .await?;
            Ok(row.as_ref().map(coach_from_row))
        })
    }

    fn insert_session(&self, token_hash: &[u8], coach_id: &str, expires_at: i64) -> Result<()> {
        self.run(async {
            let client = self.client().await?;
            client
                .execute(
                    "DELETE FROM sessions WHERE expires_at < $1",
                    &[&(expires_at - 365 * 86_400_000)],
                )
                .await?;
            client
                .execute(
                    "INSERT INTO sessions (token_hash, coach_id, expires_at) VALUES ($1, $2, $3)",
                    &[&token_hash, &coach_id, &expires_at],
                )
                .await?;
            Ok(())
        })
    }

    fn session_coach(&self, token_hash: &[u8], now: i64) -> Result<Option<String>> {
        self.run(async {
            let client = self.client().await?;
            let by_token = client
                .prepare_cached(
                    "SELECT coach_id FROM sessions WHERE token_hash = $1 AND expires_at > $2",
                )
                .await?;
            let row = client.query_opt(&by_token, &[&token_hash, &now]).await?;
            Ok(row.map(|r| r.get(0)))
        })
    }

    fn delete_session(&self, token_hash: &[u8]) -> Result<()> {
        self.run(async {
            let client = self.client().await?;
            client
                .execute("DELETE FROM sessions WHERE token_hash = $1", &[&token_hash])
                .await?;
            Ok(())
        })
    }

    fn insert_employee(
        &self,
        employee: &Employee,
        document: &[u8],
        summary: &Summary,
        code: &EnrolmentCode,
        now: i64,
    ) -> Result<bool> {
        self.run(async {
            let mut client = self.client().await?;
            let tx = client.transaction().await?;
            tx.execute(
                "INSERT INTO employees (id, name, coach_id, created_at) VALUES ($1, $2, $3, $4)",
                &[
                    &employee.id,
                    &employee.name,
                    &employee.coach_id,
                    &employee.created_at,
                ],
            )
            .await?;
            tx.execute(
                "INSERT INTO documents (employee_id, snapshot) VALUES ($1, $2)",
                &[&employee.id, &document],
            )
            .await?;
            put_summary(&tx, &employee.id, summary).await?;
            // Dropping the transaction rolls it back.
            if !insert_code(&tx, code, now).await? {
                return Ok(false);
            }
            tx.commit().await?;
            Ok(true)
        })
    }

    fn employee(&self, id: &str) -> Result<Option<Employee>> {
        self.run(async {
            let client = self.client().await?;
            let row = client
                .query_opt(
                    "SELECT id, name, coach_id, created_at FROM employees WHERE id = $1",
                    &[&id],
                )
                .await?;
            Ok(row.as_ref().map(employee_from_row))
        })
    }

    fn caseload(&self, coach_id: &str) -> Result<Vec<Employee>> {
        self.run(async {
            let client = self.client().await?;
            let rows = client
                .query(
                    "SELECT id, name, coach_id, created_at FROM employees WHERE coach_id = $1
                     ORDER BY name",
                    &[&coach_id],
                )
                .await?;
            Ok(rows.iter().map(employee_from_row).collect())
        })
    }

    fn caseload_summaries(&self, coach_id: &str, with_closed: bool) -> Result<Vec<CaseloadLine>> {
        self.run(async {
            let client = self.client().await?;
            let rows = client
                .query(
                    &format!(
                        "SELECT e.id, e.name, e.coach_id, e.created_at,
                            (SELECT COUNT(*) FROM devices d
                             WHERE d.employee_id = e.id AND d.revoked_at IS NULL),
                            (SELECT MAX(d.last_seen_at) FROM devices d
                             WHERE d.employee_id = e.id),
                            s.format, s.computed_at, s.phase, s.kind, s.closed_on,
                            s.applications, s.inputs, s.version, {DOCUMENT_VERSION}
                     FROM employees e
                     JOIN documents d ON d.employee_id = e.id
                     LEFT JOIN caseload_summaries s ON s.employee_id = e.id
                     WHERE e.coach_id = $1 AND ($2 OR s.closed_on IS NULL)
                     ORDER BY e.name"
                    ),
                    &[&coach_id, &with_closed],
                )
                .await?;
            Ok(rows
                .iter()
                .map(|r| CaseloadLine {
                    employee: employee_from_row(r),
                    devices: r.get::<_, i64>(4).max(0) as usize,
                    last_seen_at: r.get(5),
                    summary: r.get::<_, Option<i32>>(6).map(|format| Summary {
                        format,
                        computed_at: r.get(7),
                        phase: r.get(8),
                        kind: r.get(9),
                        closed_on: r.get(10),
                        applications: r.get(11),
                        inputs: r.get(12),
                    }),
                    summary_version: r.get(13),
                    document_version: r.get(14),
                })
                .collect())
        })
    }
    fn unsummarised(&self, format: i32) -> Result<Vec<String>> {
        self.run(async {
            let client = self.client().await?;
            let rows = client
                .query(
                    &format!(
                        "SELECT d.employee_id FROM documents d
                         LEFT JOIN caseload_summaries s ON s.employee_id = d.employee_id
                         WHERE s.format IS NULL OR s.format <> $1
                             OR s.version <> {DOCUMENT_VERSION}
                         ORDER BY d.employee_id"
                    ),
                    &[&format],
                )
                .await?;
            Ok(rows.iter().map(|r| r.get(0)).collect())
        })
    }
    fn replace_code(&self, code: &EnrolmentCode, now: i64) -> Result<bool> {
        self.run(async {
            let mut client = self.client().await?;
            let tx = client.transaction().await?;
            tx.execute(
                // A new code also ends the retry window of the one that was used.
                "UPDATE enrolment_codes SET used = TRUE, request_hash = NULL WHERE employee_id = $1",
                &[&code.employee_id],
            )
            .await?;
            if !insert_code(&tx, code, now).await? {
                return Ok(false);
            }
            tx.commit().await?;
            Ok(true)
        })
    }

    fn code_lookup_taken(&self, lookup: &str, now: i64) -> Result<bool> {
        self.run(async {
            let client = self.client().await?;
            let row = client
                .query_opt(
                    "SELECT 1 FROM enrolment_codes
                     WHERE lookup = $1 AND NOT used AND expires_at > $2",
                    &[&lookup, &now],
                )
                .await?;
            Ok(row.is_some())
        })
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
        self.run(async {
            let mut client = self.client().await?;
            let tx = client.transaction().await?;
            // FOR UPDATE: attempts on one code from several nodes are counted one by one.
            let Some(row) = tx
                .query_opt(
                    "SELECT code_hash, employee_id, expires_at, attempts, used, request_hash,
                            device_id
                     FROM enrolment_codes WHERE lookup = $1 FOR UPDATE",
                    &[&lookup],
                )
                .await?
            else {
                return Ok(Redeemed::Unknown);
            };
            let code = EnrolmentCode {
                lookup: lookup.to_string(),
                code_hash: row.get(0),
                employee_id: row.get(1),
                expires_at: row.get(2),
                attempts: row.get::<_, i32>(3).max(0) as u32,
                used: row.get(4),
            };
            let (used_by, used_for): (Option<Vec<u8>>, Option<String>) = (row.get(5), row.get(6));
            if code.used {
                if let Some(device_id) =
                    super::retry_of(&code, code_hash, now, request_hash, used_by, used_for)
                {
                    let changed = tx
                        .execute(
                            "UPDATE devices SET token_hash = $1
                             WHERE id = $2 AND revoked_at IS NULL",
                            &[&token_hash, &device_id],
                        )
                        .await?;
                    if changed == 1 {
                        tx.commit().await?;
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
                "UPDATE enrolment_codes SET attempts = attempts + 1 WHERE lookup = $1",
                &[&lookup],
            )
            .await?;
            if !crate::auth::constant_time_eq(&code.code_hash, code_hash) {
                tx.commit().await?;
                return Ok(super::wrong_code(&code, max_attempts));
            }
            tx.execute(
                "UPDATE enrolment_codes SET used = TRUE, request_hash = $2, device_id = $3
                 WHERE lookup = $1",
                &[&lookup, &request_hash, &device.id],
            )
            .await?;
            tx.execute(
                "INSERT INTO devices (id, employee_id, name, token_hash, enrolled_at)
                 VALUES ($1, $2, $3, $4, $5)",
                &[
                    &device.id,
                    &code.employee_id,
                    &device.name,
                    &token_hash,
                    &device.enrolled_at,
                ],
            )
            .await?;
            tx.commit().await?;
            Ok(Redeemed::Enrolled {
                employee_id: code.employee_id,
            })
        })
    }

    fn device_by_token_hash(&self, token_hash: &[u8]) -> Result<Option<Device>> {
        self.run(async {
            let client = self.client().await?;
            // Every request asks this: prepared once per pooled connection.
            let by_token = client.prepare_cached(DEVICE_BY_TOKEN).await?;
            let row = client.query_opt(&by_token, &[&token_hash]).await?;
            Ok(row.as_ref().map(device_from_row))
        })
    }

    fn devices_of(&self, employee_id: &str) -> Result<Vec<Device>> {
        self.run(async {
            let client = self.client().await?;
            let rows = client
                .query(
                    &format!(
                        "SELECT {DEVICE_COLUMNS} FROM devices WHERE employee_id = $1
                         ORDER BY enrolled_at"
                    ),
                    &[&employee_id],
                )
                .await?;
            Ok(rows.iter().map(device_from_row).collect())
        })
    }

    fn change_coach(&self, employee_id: &str, from: &str, to: &str) -> Result<bool> {
        self.run(async {
            let client = self.client().await?;
            let n = client
                .execute(
                    "UPDATE employees SET coach_id = $3 WHERE id = $1 AND coach_id = $2",
                    &[&employee_id, &from, &to],
                )
                .await?;
            Ok(n > 0)
        })
    }

    fn revoke_device(&self, device_id: &str, now: i64) -> Result<bool> {
        self.run(async {
            let client = self.client().await?;
            let n = client
                .execute(
                    "UPDATE devices SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL",
                    &[&device_id, &now],
                )
                .await?;
            Ok(n > 0)
        })
    }

    fn touch_device(&self, device_id: &str, now: i64) -> Result<()> {
        self.run(async {
            let client = self.client().await?;
            client
                .execute(
                    "UPDATE devices SET last_seen_at = $2 WHERE id = $1",
                    &[&device_id, &now],
                )
                .await?;
            Ok(())
        })
    }

    fn load_document(&self, employee_id: &str) -> Result<Option<StoredDocument>> {
        self.run(async {
            let mut client = self.client().await?;
            let tx = client
                .build_transaction()
                .isolation_level(IsolationLevel::RepeatableRead)
                .read_only(true)
                .start()
                .await?;
            let Some(row) = tx
                .query_opt(
                    "SELECT snapshot, snapshot_state FROM documents WHERE employee_id = $1",
                    &[&employee_id],
                )
                .await?
            else {
                return Ok(None);
            };
            let changes = tx
                .query(
                    "SELECT bytes FROM changes WHERE employee_id = $1 ORDER BY seq",
                    &[&employee_id],
                )
                .await?
                .iter()
                .map(|r| r.get(0))
                .collect();
            Ok(Some(StoredDocument {
                snapshot: row.get(0),
                snapshot_state: row.get(1),
                changes,
            }))
        })
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
        let conn = InTransaction::new(self.run(self.client())?);
        let tx = conn.client()?;
        let begin = match access {
            // One consistent view of the document and its rows, without blocking writers.
            Access::Read => "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
            Access::Write => "BEGIN",
        };
        // Every statement of a sync session is prepared once per pooled connection
        // (`prepare_cached`: a plain query string costs a parse round trip on every call),
        // and statements that do not wait for each other's results travel together
        // (tokio-postgres pipelines futures polled at once; the server runs them in the
        // order sent, each in its own snapshot). A session is two round trips: BEGIN with
        // the lock and the read, then the writes with COMMIT. Each future below sends its
        // statements when first polled, before it waits for anything, so `try_join!` sends
        // them all at once and in the order written.
        let opened = self.run(async {
            let lock = match access {
                Access::Read => "SELECT folded_seq FROM documents WHERE employee_id = $1",
                // The row lock every node's edit of this document waits for.
                Access::Write => {
                    "SELECT folded_seq FROM documents WHERE employee_id = $1 FOR UPDATE"
                }
            };
            // The read is sent behind the lock, so it runs once the lock is held and sees
            // every row the previous holder stored. A node that holds a copy also gets, in
            // the same statement, the rows after it: a copy another node moved on (a
            // balancer without session affinity makes that every other session) costs no
            // round trip more, and a current copy gets none (NULL).
            let (lock, read) =
                tokio::try_join!(tx.prepare_cached(lock), tx.prepare_cached(OPEN_READ))?;
            let (device, token_hash) = (token.map(|t| t.device_id), token.map(|t| t.token_hash));
            let since = cached.unwrap_or(i64::MAX);
            let lock_params = [&employee_id as _];
            let read_params = [
                &employee_id as _,
                &peer as _,
                &device as _,
                &token_hash as _,
                &since as _,
            ];
            let ((), locked, read) = tokio::try_join!(
                tx.batch_execute(begin),
                tx.query_opt(&lock, &lock_params),
                tx.query_opt(&read, &read_params),
            )?;
            let (Some(locked), Some(read)) = (locked, read) else {
                tx.batch_execute("ROLLBACK").await?;
                conn.ended();
                return Ok(None);
            };
            // The device's token, read in this transaction (no statement of its own).
            if token.is_some() && read.get::<_, Option<bool>>(2) != Some(true) {
                tx.batch_execute("ROLLBACK").await?;
                conn.ended();
                return Err(signed_out());
            }
            let folded: i64 = locked.get(0);
            let version: i64 = read.get(0);
            let peer_state: Option<Vec<u8>> = read.get(1);
            let rows_after_cached: Option<Vec<Vec<u8>>> = read.get(3);
            let bytes = |rows: Vec<tokio_postgres::Row>| -> Vec<Vec<u8>> {
                rows.iter().map(|r| r.get(0)).collect()
            };
            let rows_after = |after: i64| {
                let tx = &tx;
                async move {
                    let rows = tx
                        .query(
                            &tx.prepare_cached(ROWS_AFTER).await?,
                            &[&employee_id, &after],
                        )
                        .await?;
                    Ok::<_, BureauError>(bytes(rows))
                }
            };
            let catchup = match plan(cached, version, folded) {
                Plan::Current => Catchup::Current,
                // Since(v) is always since the cached version, whose rows came along.
                Plan::Since(v) => match rows_after_cached {
                    Some(rows) if Some(v) == cached => Catchup::Since(rows),
                    _ => Catchup::Since(rows_after(v).await?),
                },
                Plan::Whole => {
                    let row = tx
                        .query_one(
                            &tx.prepare_cached(
                                "SELECT snapshot, snapshot_state FROM documents
                                 WHERE employee_id = $1",
                            )
                            .await?,
                            &[&employee_id],
                        )
                        .await?;
                    Catchup::Whole(StoredDocument {
                        snapshot: row.get(0),
                        snapshot_state: row.get(1),
                        changes: rows_after(0).await?,
                    })
                }
            };
            Ok(Some(Opened {
                catchup,
                version,
                peer_state,
            }))
        })?;
        let Some(opened) = opened else {
            return Ok(None);
        };
        let version = opened.version;
        if access == Access::Read {
            // What was read is consistent; looking at it needs no connection.
            self.run(async { Ok(tx.batch_execute("COMMIT").await?) })?;
            conn.ended();
            drop(conn);
            work(opened)?;
            return Ok(Some(version));
        }
        // The caller's work (Automerge, rule checks) runs here, on this blocking thread,
        // while the transaction keeps the document locked.
        let write = match work(opened) {
            Ok(write) => write,
            Err(e) => {
                self.run(async { Ok(tx.batch_execute("ROLLBACK").await?) })?;
                conn.ended();
                return Err(e);
            }
        };
        self.run(async {
            // All of the write in one round trip. The summary and the compaction, which
            // need the new version, compute it in SQL after the insert (`version_sql`, the
            // open read's expression); the caller gets it from the inserted rows. Changes
            // and a summary, the usual sync, go as one statement that takes the version
            // from the inserted rows. The statements are prepared first (a round trip only
            // the first time on a pooled connection), so the writes below go out, and run,
            // in the order written.
            let together = write.summary.as_ref().filter(|_| !write.changes.is_empty());
            let (insert, upsert_peer, seen, summary, fold, delete, put_state) = tokio::try_join!(
                tx.prepare_cached(match together {
                    Some(_) => INSERT_CHANGES_AND_SUMMARY,
                    None => INSERT_CHANGES,
                }),
                tx.prepare_cached(
                    "INSERT INTO peer_states (employee_id, peer, state) VALUES ($1, $2, $3)
                     ON CONFLICT (employee_id, peer) DO UPDATE SET state = EXCLUDED.state",
                ),
                tx.prepare_cached("UPDATE devices SET last_seen_at = $2 WHERE id = $1"),
                tx.prepare_cached(PUT_SUMMARY),
                tx.prepare_cached(FOLD),
                // Under the row lock nobody else appends: the snapshot holds every row
                // stored now, and exactly those are deleted.
                tx.prepare_cached(
                    "DELETE FROM changes WHERE employee_id = $1
                     AND seq <= (SELECT folded_seq FROM documents WHERE employee_id = $1)",
                ),
                tx.prepare_cached(
                    "UPDATE documents SET snapshot_state = $2 WHERE employee_id = $1"
                ),
            )?;
            let hashes: Vec<&[u8]> = write.changes.iter().map(|c| c.hash.as_slice()).collect();
            let bytes: Vec<&[u8]> = write.changes.iter().map(|c| c.bytes.as_slice()).collect();
            let inserted = async {
                if write.changes.is_empty() {
                    return Ok(Vec::new());
                }
                let mut params: Vec<Param> = vec![&employee_id, &hashes, &bytes];
                if let Some(s) = together {
                    params.extend(summary_fields(s));
                    params.push(&version);
                }
                tx.query(&insert, &params).await
            };
            let peer_state = async {
                match &write.peer_state {
                    Some(p) => {
                        tx.execute(&upsert_peer, &[&employee_id, &p.peer, &p.state])
                            .await
                    }
                    None => Ok(0),
                }
            };
            let device_seen = async {
                match &write.device_seen {
                    Some((device, at)) => tx.execute(&seen, &[device, at]).await,
                    None => Ok(0),
                }
            };
            let summary = async {
                match (&write.summary, together) {
                    (Some(s), None) => tx.execute(&summary, &summary_params(&employee_id, s)).await,
                    _ => Ok(0),
                }
            };
            let snapshot_state = async {
                match write.state_beside_stored_snapshot() {
                    Some(state) => tx.execute(&put_state, &[&employee_id, &state]).await,
                    None => Ok(0),
                }
            };
            let compacted = async {
                match &write.compacted {
                    // Sent together: the delete runs after the fold, in the same transaction.
                    Some(c) => {
                        let (fold_params, delete_params) = (
                            [&employee_id as _, &c.snapshot as _, &c.state as _],
                            [&employee_id as _],
                        );
                        tokio::try_join!(
                            tx.execute(&fold, &fold_params),
                            tx.execute(&delete, &delete_params)
                        )
                        .map(|(_, deleted)| deleted)
                    }
                    None => Ok(0),
                }
            };
            // COMMIT goes last, behind the writes: if one of them fails, PostgreSQL answers
            // the COMMIT with a rollback and the error of that write is what is returned.
            let (inserted, ..) = tokio::try_join!(
                inserted,
                peer_state,
                device_seen,
                summary,
                snapshot_state,
                compacted,
                tx.batch_execute("COMMIT"),
            )?;
            conn.ended();
            let new_version = inserted
                .iter()
                .map(|r| r.get::<_, i64>(0))
                .fold(version, i64::max);
            Ok(Some(new_version))
        })
    }

    fn peer_state(&self, employee_id: &str, peer: &str) -> Result<Option<Vec<u8>>> {
        self.run(async {
            let client = self.client().await?;
            let row = client
                .query_opt(
                    "SELECT state FROM peer_states WHERE employee_id = $1 AND peer = $2",
                    &[&employee_id, &peer],
                )
                .await?;
            Ok(row.map(|r| r.get(0)))
        })
    }

    fn throttle_failed(&self, scope: &str, key: &str, now: i64, period_ms: i64) -> Result<i64> {
        self.run(async {
            let client = self.client().await?;
            client
                .execute("DELETE FROM throttle WHERE tat < $1", &[&now])
                .await?;
            // One statement: failures counted at once on several nodes all add up (the
            // conflicting insert waits for the other's row and updates it).
            let row = client
                .query_one(
                    "INSERT INTO throttle (scope, key, tat) VALUES ($1, $2, $3::BIGINT + $4::BIGINT)
                     ON CONFLICT (scope, key)
                         DO UPDATE SET tat = GREATEST(throttle.tat, $3::BIGINT) + $4::BIGINT
                     RETURNING tat",
                    &[&scope, &key, &now, &period_ms],
                )
                .await?;
            Ok(row.get(0))
        })
    }
    fn throttle_tat(&self, scope: &str, key: &str) -> Result<Option<i64>> {
        self.run(async {
            let client = self.client().await?;
            let row = client
                .query_opt(
                    "SELECT tat FROM throttle WHERE scope = $1 AND key = $2",
                    &[&scope, &key],
                )
                .await?;
            Ok(row.map(|r| r.get(0)))
        })
    }
    fn secret(&self, name: &str, candidate: &[u8]) -> Result<Vec<u8>> {
        self.run(async {
            let client = self.client().await?;
            // Two statements, not one: a row another node inserted after this statement's
            // snapshot began is not visible to its own SELECT part.
            client
                .execute(
                    "INSERT INTO secrets (name, value) VALUES ($1, $2)
                     ON CONFLICT (name) DO NOTHING",
                    &[&name, &candidate],
                )
                .await?;
            let row = client
                .query_one("SELECT value FROM secrets WHERE name = $1", &[&name])
                .await?;
            Ok(row.get(0))
        })
    }
    fn audit(&self, e: &AuditEvent) -> Result<()> {
        self.run(async {
            let client = self.client().await?;
            client
                .execute(
                    "INSERT INTO audit (at, kind, principal, ip, detail) VALUES ($1, $2, $3, $4, $5)",
                    &[&e.at, &e.kind, &e.principal, &e.ip, &e.detail],
                )
                .await?;
            Ok(())
        })
    }

    fn audit_log(&self, limit: usize) -> Result<Vec<AuditEvent>> {
        self.run(async {
            let client = self.client().await?;
            let rows = client
                .query(
                    "SELECT at, kind, principal, ip, detail FROM audit ORDER BY id DESC LIMIT $1",
                    &[&(limit as i64)],
                )
                .await?;
            Ok(rows
                .iter()
                .map(|r| AuditEvent {
                    at: r.get(0),
                    kind: r.get(1),
                    principal: r.get(2),
                    ip: r.get(3),
                    detail: r.get(4),
                })
                .collect())
        })
    }

    fn ping(&self) -> Result<()> {
        self.run(async {
            let client = self.client().await?;
            client.query_one("SELECT 1", &[]).await?;
            Ok(())
        })
    }

    fn kind(&self) -> &'static str {
        "postgres"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pool_size_parameter_is_ours() {
        assert_eq!(
            split_pool_size("postgres://a@h/db?pool_size=4&sslmode=disable").unwrap(),
            ("postgres://a@h/db?sslmode=disable".to_string(), 4)
        );
        assert_eq!(
            split_pool_size("postgres://a@h/db").unwrap(),
            ("postgres://a@h/db".to_string(), DEFAULT_POOL_SIZE)
        );
        assert!(split_pool_size("postgres://a@h/db?pool_size=0").is_err());
        for url in ["postgres://a@h/db", "postgres://a@h/db?sslmode=disable"] {
            assert_eq!(
                split_pool_size(&with_pool_size(url, 8)).unwrap(),
                (url.to_string(), 8)
            );
        }
    }

    /// Every older schema (with the data it could hold) migrates to the current one. (The
    /// behaviour shared with SQLite is tested in `storage::tests`.)
    #[test]
    fn every_earlier_version_migrates_to_the_current_one() {
        for start in 0..CURRENT_VERSION {
            let Some(url) = crate::testkit::fresh_postgres_database() else {
                return;
            };
            {
                let s = PostgresStorage::connect_at_version(&url, start).unwrap();
                assert_eq!(s.schema_version().unwrap(), start);
            }
            let s = PostgresStorage::connect(&url).unwrap();
            assert_eq!(s.schema_version().unwrap(), CURRENT_VERSION);
            // Connecting again (a second node) migrates nothing and keeps working.
            let again = PostgresStorage::connect(&url).unwrap();
            again.ping().unwrap();
        }
    }

    /// The summaries' inputs are compressed with lz4 (v7); Debian's server, which the test
    /// command installs, is built with it. A summary still reads back whole.
    #[test]
    fn summary_inputs_are_compressed_with_lz4() {
        let Some(url) = crate::testkit::fresh_postgres_database() else {
            return;
        };
        let s = PostgresStorage::connect(&url).unwrap();
        let method: String = s
            .run(async {
                let client = s.client().await?;
                let row = client
                    .query_one(
                        "SELECT attcompression::TEXT FROM pg_attribute
                         WHERE attrelid = 'caseload_summaries'::regclass AND attname = 'inputs'",
                        &[],
                    )
                    .await?;
                Ok(row.get(0))
            })
            .unwrap();
        assert_eq!(method, "l");
    }

    #[test]
    fn a_database_from_a_newer_program_is_refused() {
        let Some(url) = crate::testkit::fresh_postgres_database() else {
            return;
        };
        let s = PostgresStorage::connect(&url).unwrap();
        s.run(async {
            let client = s.client().await?;
            client
                .execute(
                    "UPDATE koers_schema SET version = $1",
                    &[&((CURRENT_VERSION + 1) as i32)],
                )
                .await?;
            Ok(())
        })
        .unwrap();
        let err = PostgresStorage::connect(&url).err().unwrap();
        assert!(err.to_string().contains("newer"), "{err}");
    }

    #[test]
    fn nodes_starting_at_once_migrate_once() {
        let Some(url) = crate::testkit::fresh_postgres_database() else {
            return;
        };
        let nodes: Vec<_> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..3)
                .map(|_| scope.spawn(|| PostgresStorage::connect(&url)))
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        for n in nodes {
            assert_eq!(n.unwrap().schema_version().unwrap(), CURRENT_VERSION);
        }
    }
}
