//! A real `koers-bureau` for end-to-end tests: its own data folder, a coach, employees with
//! enrolment codes, served on a free loopback port; stopped (and restartable on the same
//! data and port) as a person running the server would.

use std::io::Write;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

/// The `koers-bureau` binary under test (`KOERS_BUREAU_BIN` or built on first use).
pub fn bureau_bin() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| match std::env::var_os("KOERS_BUREAU_BIN") {
        Some(path) if !path.is_empty() => PathBuf::from(path),
        _ => crate::cli::build_bin("koers-bureau", "koers-bureau"),
    })
}

pub const COACH_EMAIL: &str = "coach@bureau.test";
pub const COACH_PASSWORD: &str = "een-lang-wachtwoord-voor-tests";

pub struct Bureau {
    pub dir: tempfile::TempDir,
    pub port: u16,
    /// `--database` (a PostgreSQL URL), or the SQLite file in `dir` when `None`.
    pub database: Option<String>,
    /// The bureau's secret for enrolment codes: one file for every node of one bureau
    /// (docs/OPERATIONS.md), so a code made on one node is redeemed on another.
    pub secret_file: std::path::PathBuf,
    child: Option<Child>,
}

/// An employee the coach created: their id and a first enrolment code.
pub struct Employee {
    pub id: String,
    pub code: String,
}

impl Bureau {
    /// A new bureau with one coach, not yet serving.
    pub fn new() -> Self {
        Self::on_database(None)
    }

    /// A new bureau over `database` (a PostgreSQL URL; `None`: SQLite in its own folder),
    /// with one coach, not yet serving.
    pub fn on_database(database: Option<&str>) -> Self {
        let bureau = Self::node(database);
        bureau.create_coach();
        bureau
    }

    /// Another node over the same database: its own folder and port, not yet serving.
    pub fn another_node(&self) -> Self {
        let mut node = Self::node(self.database.as_deref());
        node.secret_file = self.secret_file.clone();
        node
    }

    fn node(database: Option<&str>) -> Self {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("no temporary folder: {e}"));
        let secret_file = dir.path().join("data").join("bureau-secret");
        Self {
            dir,
            port: free_port(),
            database: database.map(str::to_string),
            secret_file,
            child: None,
        }
    }

    fn create_coach(&self) {
        let bureau = self;
        let mut create = bureau.command();
        create.args([
            "create-coach",
            "--email",
            COACH_EMAIL,
            "--name",
            "Test Coach",
            "--password-stdin",
            "--admin",
        ]);
        let mut child = create
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("could not run koers-bureau: {e}"));
        if let Some(mut stdin) = child.stdin.take() {
            let _ = writeln!(stdin, "{COACH_PASSWORD}");
        }
        let out = child.wait_with_output().unwrap_or_else(|e| panic!("{e}"));
        assert!(out.status.success(), "create-coach failed: {out:?}");
    }

    /// `koers-bureau` with this bureau's data folder and database.
    pub fn command(&self) -> Command {
        let mut c = Command::new(bureau_bin());
        c.arg("--data-dir").arg(self.dir.path().join("data"));
        c.arg("--secret-file").arg(&self.secret_file);
        if let Some(db) = &self.database {
            c.arg("--database").arg(db);
        }
        c.env("RUST_LOG", "warn");
        c
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Creates an employee (spoor 2) with the command line, as a bureau admin would.
    pub fn create_employee(&self, name: &str) -> Employee {
        let out = self
            .command()
            .args([
                "create-employee",
                "--coach",
                COACH_EMAIL,
                "--name",
                name,
                "--kind",
                "spoor2",
                "--first-sick-day",
                "2025-10-01",
                "--weekly-target",
                "3",
            ])
            .output()
            .unwrap_or_else(|e| panic!("could not run koers-bureau: {e}"));
        assert!(out.status.success(), "create-employee failed: {out:?}");
        let text = String::from_utf8_lossy(&out.stdout).to_string();
        let field = |label: &str| {
            text.lines()
                .find_map(|l| l.strip_prefix(label))
                .map(|v| v.trim().to_string())
                .unwrap_or_else(|| panic!("no {label} in {text}"))
        };
        Employee {
            id: field("Werknemer:"),
            code: field("Koppelcode:"),
        }
    }

    /// Starts serving and waits until the port answers.
    pub fn start(&mut self) {
        assert!(self.child.is_none(), "already running");
        let child = self
            .command()
            .args(["serve", "--listen", &format!("127.0.0.1:{}", self.port)])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("could not start koers-bureau: {e}"));
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(Instant::now() < deadline, "koers-bureau did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Whether the server process is running.
    pub fn is_running(&self) -> bool {
        self.child.is_some()
    }

    /// Kills the server at once (SIGKILL, no graceful shutdown), as a crash would.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Logs the coach in on the JSON API and returns the bearer token.
    pub fn coach_token(&self) -> String {
        let v = self.post(
            "/v1/coach/login",
            None,
            json!({ "email": COACH_EMAIL, "password": COACH_PASSWORD }),
        );
        v["token"]
            .as_str()
            .unwrap_or_else(|| panic!("no token in {v}"))
            .to_string()
    }

    /// A JSON call that must succeed.
    pub fn post(&self, path: &str, token: Option<&str>, body: Value) -> Value {
        self.call(reqwest::Method::POST, path, token, Some(body))
    }

    pub fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Value {
        let (status, v) = self.try_call(method.clone(), path, token, body);
        assert!(status < 300, "{method} {path} gave {status}: {v}");
        v
    }

    /// A JSON call; returns the status and the body.
    pub fn try_call(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (u16, Value) {
        let client = reqwest::blocking::Client::new();
        let mut req = client.request(method, format!("{}{path}", self.url()));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().unwrap_or_else(|e| panic!("{path}: {e}"));
        let status = resp.status().as_u16();
        let text = resp.text().unwrap_or_default();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }
}

impl Default for Bureau {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for Bureau {
    fn drop(&mut self) {
        self.kill();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or_else(|e| panic!("no free port: {e}"))
}

/// A round-robin TCP balancer in front of several bureau nodes, as a load balancer would
/// be: each new connection goes to the next node, skipping nodes that refuse connections.
pub struct Balancer {
    pub port: u16,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl Balancer {
    pub fn start(ports: Vec<u16>) -> Self {
        use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
        use std::sync::Arc;
        let listener =
            TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("no balancer port: {e}"));
        let port = listener.local_addr().map(|a| a.port()).unwrap_or(0);
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = stop.clone();
        let next = AtomicUsize::new(0);
        std::thread::spawn(move || {
            for client in listener.incoming() {
                if stopped.load(Ordering::Relaxed) {
                    break;
                }
                let Ok(client) = client else { continue };
                let start = next.fetch_add(1, Ordering::Relaxed);
                let server = (0..ports.len()).find_map(|i| {
                    std::net::TcpStream::connect(("127.0.0.1", ports[(start + i) % ports.len()]))
                        .ok()
                });
                let Some(server) = server else { continue };
                let (Ok(c2), Ok(s2)) = (client.try_clone(), server.try_clone()) else {
                    continue;
                };
                std::thread::spawn(move || copy(client, server));
                std::thread::spawn(move || copy(s2, c2));
            }
        });
        Self { port, stop }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for Balancer {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        // Wake the accept loop so it sees the flag.
        let _ = std::net::TcpStream::connect(("127.0.0.1", self.port));
    }
}

fn copy(mut from: std::net::TcpStream, mut to: std::net::TcpStream) {
    let _ = std::io::copy(&mut from, &mut to);
    let _ = to.shutdown(std::net::Shutdown::Both);
    let _ = from.shutdown(std::net::Shutdown::Both);
}
