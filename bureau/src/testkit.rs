//! Helpers for the integration tests and the bench: a real server on 127.0.0.1 in a thread
//! of its own (so the blocking sync client can be driven from the test thread), and a small
//! TCP proxy that counts bytes on the wire and can cut connections mid-request.

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;

use crate::storage::sqlite::SqliteStorage;
use crate::{AppState, Security};

/// A bureau server on a free loopback port, over a data directory.
pub struct TestServer {
    pub addr: SocketAddr,
    pub url: String,
    pub state: AppState,
    pub data_dir: PathBuf,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl TestServer {
    /// Starts a server on `data_dir` (created or reopened), on `addr` if given.
    pub fn start(data_dir: &Path, addr: Option<SocketAddr>) -> std::io::Result<Self> {
        Self::start_on_dir(data_dir, addr, Security::default())
    }

    /// Starts a server on `data_dir` with these network settings (trusted proxies ...).
    pub fn start_on_dir(
        data_dir: &Path,
        addr: Option<SocketAddr>,
        security: Security,
    ) -> std::io::Result<Self> {
        let storage =
            SqliteStorage::open_dir(data_dir).map_err(|e| std::io::Error::other(e.to_string()))?;
        Self::start_secured(Arc::new(storage), data_dir, addr, security)
    }

    /// Starts a server over `storage` (e.g. PostgreSQL), on `addr` if given.
    pub fn start_with(
        storage: Arc<dyn crate::storage::Storage>,
        data_dir: &Path,
        addr: Option<SocketAddr>,
    ) -> std::io::Result<Self> {
        Self::start_secured(storage, data_dir, addr, Security::default())
    }

    /// Starts a server over `storage` with these network settings.
    pub fn start_secured(
        storage: Arc<dyn crate::storage::Storage>,
        data_dir: &Path,
        addr: Option<SocketAddr>,
        security: Security,
    ) -> std::io::Result<Self> {
        let state = AppState::with_security(storage, security);
        let listener =
            std::net::TcpListener::bind(addr.unwrap_or(SocketAddr::from(([127, 0, 0, 1], 0))))?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let served = state.clone();
        let thread = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
            else {
                return;
            };
            rt.block_on(async move {
                let Ok(listener) = tokio::net::TcpListener::from_std(listener) else {
                    return;
                };
                let _ = crate::serve(listener, served, async {
                    let _ = stopped.await;
                })
                .await;
            });
        });
        Ok(Self {
            addr,
            url: format!("http://{addr}"),
            state,
            data_dir: data_dir.to_path_buf(),
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    /// Stops the server and waits until its port and database are released.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// Counts of one proxy.
#[derive(Default)]
pub struct ProxyStats {
    pub connections: AtomicU64,
    /// Client to server, headers included.
    pub up: AtomicU64,
    /// Server to client, headers included.
    pub down: AtomicU64,
    /// When set, the next request is cut after this many bytes up (then cleared), on
    /// whichever connection (new or kept alive) carries it.
    pub cut_up_after: AtomicU64,
    /// When set, the next reply is cut after this many bytes down (then cleared).
    pub cut_down_after: AtomicU64,
    stop: AtomicBool,
}

/// A TCP proxy to `target` on a free loopback port.
pub struct Proxy {
    pub url: String,
    pub stats: Arc<ProxyStats>,
}

impl Proxy {
    pub fn start(target: SocketAddr) -> std::io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let addr = listener.local_addr()?;
        let stats = Arc::new(ProxyStats::default());
        let s = stats.clone();
        std::thread::spawn(move || {
            for client in listener.incoming() {
                if s.stop.load(Ordering::Relaxed) {
                    break;
                }
                let Ok(client) = client else { continue };
                let Ok(server) = TcpStream::connect(target) else {
                    continue;
                };
                s.connections.fetch_add(1, Ordering::Relaxed);
                let (Ok(c2), Ok(s2)) = (client.try_clone(), server.try_clone()) else {
                    continue;
                };
                let up = s.clone();
                std::thread::spawn(move || pipe(client, server, &up.up, &up.cut_up_after));
                let down = s.clone();
                std::thread::spawn(move || pipe(s2, c2, &down.down, &down.cut_down_after));
            }
        });
        Ok(Self {
            url: format!("http://{addr}"),
            stats,
        })
    }

    pub fn reset_counts(&self) {
        self.stats.up.store(0, Ordering::Relaxed);
        self.stats.down.store(0, Ordering::Relaxed);
        self.stats.connections.store(0, Ordering::Relaxed);
    }

    /// (bytes up, bytes down, connections) since the last reset.
    pub fn counts(&self) -> (u64, u64, u64) {
        (
            self.stats.up.load(Ordering::Relaxed),
            self.stats.down.load(Ordering::Relaxed),
            self.stats.connections.load(Ordering::Relaxed),
        )
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.stats.stop.store(true, Ordering::Relaxed);
    }
}

/// Copies `from` to `to`, counting. When a cut is armed as data flows, both ends are shut
/// after that many more bytes.
fn pipe(mut from: TcpStream, mut to: TcpStream, count: &AtomicU64, arm: &AtomicU64) {
    let mut buf = [0u8; 16 * 1024];
    let mut passed = 0u64;
    let mut cut = 0u64;
    loop {
        let n = match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        if cut == 0 {
            let c = arm.swap(0, Ordering::Relaxed);
            if c > 0 {
                cut = passed + c;
            }
        }
        let mut n = n as u64;
        if cut > 0 && passed + n >= cut {
            n = cut - passed;
            count.fetch_add(n, Ordering::Relaxed);
            let _ = to.write_all(&buf[..n as usize]);
            break;
        }
        // Counted before it is passed on, so a reader that saw the bytes also sees the count.
        count.fetch_add(n, Ordering::Relaxed);
        if to.write_all(&buf[..n as usize]).is_err() {
            break;
        }
        passed += n;
    }
    let _ = to.shutdown(Shutdown::Both);
    let _ = from.shutdown(Shutdown::Both);
}

/// Stores a new employee of `coach_id` whose dossier is `document` (saved Automerge bytes,
/// e.g. a two-year dossier) and its caseload summary (`summary::of`, computed once by the
/// caller for many copies), with a fresh enrolment code, as `coach_api::create_employee`
/// stores one it built. With `snapshot_state` (`crate::snapshot_state`, of `document`), that
/// is then stored beside it, as a dossier built up over time has it from its compaction. For the scale benchmark, which seeds thousands of two-year dossiers: building
/// and merging each one through the coach API would take an hour.
pub fn seed_employee(
    state: &AppState,
    coach_id: &str,
    name: &str,
    document: &[u8],
    snapshot_state: Option<&[u8]>,
    summary: &crate::storage::Summary,
) -> crate::Result<crate::coach_api::Created> {
    let employee = crate::storage::Employee {
        id: koers_core::model::new_id(),
        name: name.to_string(),
        coach_id: coach_id.to_string(),
        created_at: crate::now_ms(),
    };
    let (code, stored) =
        crate::coach_api::store_fresh_code(&state.code_key, &employee.id, |code, now| {
            state
                .storage
                .insert_employee(&employee, document, summary, code, now)
        })?;
    if let Some(snapshot_state) = snapshot_state {
        state.storage.with_document(
            &employee.id,
            crate::storage::Access::Write,
            None,
            None,
            None,
            &mut |_| {
                Ok(crate::storage::DocumentWrite {
                    snapshot_state: Some(snapshot_state.to_vec()),
                    ..Default::default()
                })
            },
        )?;
    }
    Ok(crate::coach_api::Created {
        employee_id: employee.id,
        enrolment_code: code.display,
        code_expires_at: stored.expires_at,
    })
}

/// The PostgreSQL server the tests may use (`KOERS_TEST_DATABASE_URL`, which ./scripts/test
/// sets to its throwaway cluster). Without it a test that needs PostgreSQL prints a notice
/// and passes, unless `KOERS_REQUIRE_POSTGRES=1` (set by ./scripts/test), which fails it.
pub fn postgres_server() -> Option<String> {
    match std::env::var("KOERS_TEST_DATABASE_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            assert!(
                std::env::var("KOERS_REQUIRE_POSTGRES").as_deref() != Ok("1"),
                "KOERS_REQUIRE_POSTGRES=1 but KOERS_TEST_DATABASE_URL is not set"
            );
            eprintln!("notice: KOERS_TEST_DATABASE_URL is not set; skipping the PostgreSQL part");
            None
        }
    }
}

/// A new, empty database on the test server; its URL. `None` as [`postgres_server`].
pub fn fresh_postgres_database() -> Option<String> {
    let server = postgres_server()?;
    let name = format!("koers_{}", uuid::Uuid::new_v4().simple());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .ok()?;
    let created: Result<(), String> = rt.block_on(async {
        let (client, connection) = tokio_postgres::connect(&server, tokio_postgres::NoTls)
            .await
            .map_err(|e| e.to_string())?;
        tokio::spawn(connection);
        client
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .await
            .map_err(|e| e.to_string())
    });
    if let Err(e) = created {
        panic!("cannot create a test database on {server}: {e}");
    }
    Some(with_database(&server, &name))
}

/// `url` with its database name replaced by `name`.
pub fn with_database(url: &str, name: &str) -> String {
    let (path, query) = match url.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (url, None),
    };
    let authority_end = path.find("://").map_or(0, |i| i + 3);
    let base = match path[authority_end..].find('/') {
        Some(i) => &path[..authority_end + i],
        None => path,
    };
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

/// A small deterministic generator (xorshift) for tests that draw random dossiers and edits,
/// so a failure repeats.
pub struct Dice(pub u64);

impl Dice {
    /// A number in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n.max(1)
    }

    pub fn pick<T: Copy>(&mut self, from: &[T]) -> T {
        from[self.below(from.len() as u64) as usize]
    }

    /// A day `lo..hi` days from `t`'s day.
    pub fn days_from(
        &mut self,
        t: koers_core::model::Timestamp,
        lo: i64,
        hi: i64,
    ) -> koers_core::model::LocalDate {
        let d = lo + self.below((hi - lo) as u64) as i64;
        koers_core::model::LocalDate(t.local_date().0 + chrono::Duration::days(d))
    }

    /// A moment `lo_h..hi_h` hours (and a minute) from `t`.
    pub fn millis_from(
        &mut self,
        t: koers_core::model::Timestamp,
        lo_h: i64,
        hi_h: i64,
    ) -> koers_core::model::Timestamp {
        let h = lo_h + self.below((hi_h - lo_h) as u64) as i64;
        koers_core::model::Timestamp::from_millis(t.millis() + h * 3_600_000 + 60_000).unwrap_or(t)
    }
}
