//! Running the `koers` command-line binary from tests, in a temporary folder per test.
//!
//! # Finding the binary
//!
//! `CARGO_BIN_EXE_koers` only exists for tests of the package that owns the binary, and this
//! crate is a separate package. So the first call of [`koers_bin`] in a test process asks
//! Cargo to build it: `cargo build -p koers-cli --bin koers --message-format=json` with the
//! same `cargo` that runs the tests (`$CARGO`) and this workspace's manifest, then takes the
//! executable's path from Cargo's `compiler-artifact` message. That works whatever the target
//! folder is (`CARGO_TARGET_DIR`, `--target-dir` via the environment, a shared target), never
//! picks up a stale binary (Cargo rebuilds it when the CLI or the core changed) and costs
//! nothing when it is up to date. Cargo releases its build lock before it runs the test
//! binaries, so the nested build does not deadlock.
//!
//! Set `KOERS_BIN=/path/to/koers` to test a binary built elsewhere (for instance a release
//! build) and skip the build step.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

use serde_json::Value;

/// The `koers` binary under test (built on first use; see the module docs).
pub fn koers_bin() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| match std::env::var_os("KOERS_BIN") {
        Some(path) if !path.is_empty() => PathBuf::from(path),
        _ => build_bin("koers-cli", "koers"),
    })
}

/// Builds `bin` of workspace package `package` with the cargo running the tests and returns
/// the executable's path (see the module docs).
pub fn build_bin(package: &str, bin: &str) -> PathBuf {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("Cargo.toml");
    let mut build = Command::new(cargo);
    // Cargo gives a test the environment of its package (CARGO_PKG_NAME, OUT_DIR, ...). Some
    // build scripts (ring's) fingerprint such variables, so passing them on would rebuild
    // those crates here and again at the next plain `cargo build`: leave them out.
    for (key, _) in std::env::vars_os() {
        let key = key.to_string_lossy();
        let from_the_test = key.starts_with("CARGO_PKG_")
            || key.starts_with("CARGO_BIN_")
            || matches!(
                key.as_ref(),
                "CARGO_MANIFEST_DIR"
                    | "CARGO_MANIFEST_PATH"
                    | "CARGO_CRATE_NAME"
                    | "CARGO_PRIMARY_PACKAGE"
                    | "CARGO_TARGET_TMPDIR"
                    | "CARGO_RUSTC_CURRENT_DIR"
                    | "OUT_DIR"
            );
        if from_the_test {
            build.env_remove(key.as_ref());
        }
    }
    let out = build
        .args(["build", "-p", package, "--bin", bin])
        .arg("--message-format=json-render-diagnostics")
        .arg("--manifest-path")
        .arg(&manifest)
        .stderr(Stdio::inherit())
        .output()
        .unwrap_or_else(|e| panic!("could not run cargo to build {bin}: {e}"));
    assert!(out.status.success(), "cargo build -p {package} failed");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|m| m["reason"] == "compiler-artifact" && m["target"]["name"] == bin)
        .find_map(|m| m["executable"].as_str().map(PathBuf::from))
        .unwrap_or_else(|| panic!("cargo built {package} but named no {bin} executable"))
}

/// What one run of `koers` gave.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    fn from(out: Output) -> Self {
        Self {
            // A process killed by a signal has no code; -1 never matches an expectation.
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", self.stdout))
    }
}

/// A fresh dossier in a temporary folder, and a way to run `koers` against it.
pub struct Koers {
    pub dir: tempfile::TempDir,
    pub db: PathBuf,
}

impl Default for Koers {
    fn default() -> Self {
        Self::new()
    }
}

impl Koers {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("no temporary folder: {e}"));
        let db = dir.path().join("koers.db");
        Self { dir, db }
    }

    /// `koers` with a clean environment for the database: no KOERS_DB from the caller, and
    /// HOME / XDG_DATA_HOME pointing into the temporary folder so nothing touches the real
    /// home. No --db is given; see `cmd`.
    pub fn bare(&self) -> Command {
        let mut c = Command::new(koers_bin());
        c.env_remove("KOERS_DB")
            .env("HOME", self.dir.path().join("home"))
            .env("XDG_DATA_HOME", self.dir.path().join("xdg"))
            .env_remove("APPDATA");
        c
    }

    /// `koers --db <this dossier>`.
    pub fn cmd(&self) -> Command {
        let mut c = self.bare();
        c.arg("--db").arg(&self.db);
        c
    }

    /// Runs `koers --db <db> args...` and returns whatever happened.
    pub fn run(&self, args: &[&str]) -> Run {
        let out = self
            .cmd()
            .args(args)
            .stdin(Stdio::null())
            .output()
            .unwrap_or_else(|e| panic!("could not run koers: {e}"));
        Run::from(out)
    }

    /// Runs a command that must succeed and returns its stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let run = self.run(args);
        assert_eq!(
            run.code, 0,
            "koers {args:?} failed:\nstdout: {}\nstderr: {}",
            run.stdout, run.stderr
        );
        run.stdout
    }

    /// Runs `koers --json args...`, which must succeed, and parses its output.
    pub fn json(&self, args: &[&str]) -> Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        let run = self.run(&all);
        assert_eq!(
            run.code, 0,
            "koers {all:?} failed:\nstdout: {}\nstderr: {}",
            run.stdout, run.stderr
        );
        run.json()
    }

    /// Runs a command that must fail with `code` and returns what it said.
    pub fn fails(&self, code: i32, args: &[&str]) -> Run {
        let run = self.run(args);
        assert_eq!(
            run.code, code,
            "koers {args:?} should exit with {code}:\nstdout: {}\nstderr: {}",
            run.stdout, run.stderr
        );
        run
    }

    /// Logs an application with `koers --json log` and returns its id.
    pub fn log(&self, args: &[&str]) -> String {
        let mut all = vec!["log"];
        all.extend_from_slice(args);
        id_of(&self.json(&all))
    }

    /// The applications `koers --json list` shows.
    pub fn list(&self, filters: &[&str]) -> Vec<Value> {
        let mut all = vec!["list"];
        all.extend_from_slice(filters);
        match self.json(&all) {
            Value::Array(items) => items,
            other => panic!("list gave no array: {other}"),
        }
    }
}

/// The `id` field of a JSON record.
pub fn id_of(v: &Value) -> String {
    v["id"]
        .as_str()
        .unwrap_or_else(|| panic!("no id in {v}"))
        .to_string()
}
