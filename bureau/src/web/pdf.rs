//! The report as a PDF, printed by Debian's headless Chromium when the server has it (the
//! same engine the coach's browser would print with, so the PDF looks like the print
//! preview). Without Chromium the report page says so and the browser's own print (with
//! the page's print CSS) makes the PDF.

use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use tokio::sync::{Semaphore, SemaphorePermit};

/// How long one PDF may take before Chromium is stopped.
const TIMEOUT: Duration = Duration::from_secs(60);

/// The Chromium binary to print with: `KOERS_CHROMIUM` (a path, or `off`), else the first
/// of the usual names on PATH.
pub fn chromium() -> Option<&'static Path> {
    static FOUND: OnceLock<Option<PathBuf>> = OnceLock::new();
    FOUND
        .get_or_init(|| {
            if let Ok(configured) = std::env::var("KOERS_CHROMIUM") {
                let configured = configured.trim();
                if configured.eq_ignore_ascii_case("off") {
                    return None;
                }
                if !configured.is_empty() {
                    return Some(PathBuf::from(configured)).filter(|p| p.is_file());
                }
            }
            let path = std::env::var_os("PATH")?;
            std::env::split_paths(&path).find_map(|dir| {
                ["chromium", "chromium-browser", "google-chrome"]
                    .iter()
                    .map(|name| dir.join(name))
                    .find(|p| p.is_file())
            })
        })
        .as_deref()
}

/// How many PDFs are printed at once (`KOERS_PDF_RENDERS`, default 2): each is a Chromium
/// of a few hundred MB, and a burst of them must not take the server's memory.
fn slots() -> &'static Semaphore {
    static SLOTS: OnceLock<Semaphore> = OnceLock::new();
    SLOTS.get_or_init(|| {
        let n = std::env::var("KOERS_PDF_RENDERS")
            .ok()
            .and_then(|v| v.trim().parse::<usize>().ok())
            .filter(|n| *n > 0)
            .unwrap_or(2);
        Semaphore::new(n)
    })
}

/// A place among the concurrent renders, held while printing.
pub type Slot = SemaphorePermit<'static>;

/// A render slot, or `None` when every one is taken (answer 503 with Retry-After).
pub fn try_slot() -> Option<Slot> {
    slots().try_acquire().ok()
}

/// Prints a self-contained HTML document (inline CSS, no scripts, no external resources) to
/// PDF, holding a render slot. Blocking: call it off the async threads.
pub fn print(_slot: &Slot, document: &str) -> Result<Vec<u8>, String> {
    let chromium = chromium().ok_or("Chromium is niet geïnstalleerd")?;
    let dir = private_dir(document).map_err(|e| e.to_string())?;
    // The directory and everything in it is removed when `dir` is dropped.
    print_in(chromium, dir.path())
}

/// A fresh directory only the bureau's user can enter (0700), with the report in it as a
/// file only that user can read (0600): the report is a dossier.
fn private_dir(document: &str) -> std::io::Result<tempfile::TempDir> {
    let dir = tempfile::Builder::new()
        .prefix("koers-pdf-")
        .permissions(std::fs::Permissions::from_mode(0o700))
        .tempdir()?;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(dir.path().join("rapport.html"))?;
    file.write_all(document.as_bytes())?;
    Ok(dir)
}

fn print_in(chromium: &Path, dir: &Path) -> Result<Vec<u8>, String> {
    let html = dir.join("rapport.html");
    let pdf = dir.join("rapport.pdf");
    let mut child = Command::new(chromium)
        .args([
            "--headless",
            // The server usually runs as a service user without the namespaces the sandbox
            // needs; the page is our own HTML from a local file, whose CSP forbids scripts
            // and every fetch. (`--blink-settings=scriptEnabled=false` would be neater but
            // makes Chromium 156 exit without printing.)
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-extensions",
            "--no-pdf-header-footer",
        ])
        .arg(format!("--user-data-dir={}", dir.join("profile").display()))
        .arg(format!("--print-to-pdf={}", pdf.display()))
        .arg(format!("file://{}", html.display()))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("Chromium start niet: {e}"))?;
    let started = Instant::now();
    loop {
        match child.try_wait().map_err(|e| e.to_string())? {
            Some(status) if status.success() => break,
            Some(status) => return Err(format!("Chromium stopte met {status}")),
            None if started.elapsed() > TIMEOUT => {
                let _ = child.kill();
                let _ = child.wait();
                return Err("Chromium deed er te lang over".into());
            }
            None => std::thread::sleep(Duration::from_millis(100)),
        }
    }
    let bytes = std::fs::read(&pdf).map_err(|e| format!("geen PDF gemaakt: {e}"))?;
    if !bytes.starts_with(b"%PDF") {
        return Err("Chromium gaf geen PDF".into());
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_report_is_written_privately_and_removed() {
        let dir = private_dir("<p>dossier</p>").unwrap();
        let path = dir.path().to_path_buf();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&path), 0o700);
        assert_eq!(mode(&path.join("rapport.html")), 0o600);
        assert_eq!(
            std::fs::read_to_string(path.join("rapport.html")).unwrap(),
            "<p>dossier</p>"
        );
        drop(dir);
        assert!(!path.exists());
    }

    #[test]
    fn renders_are_bounded() {
        let held: Vec<Slot> = std::iter::from_fn(try_slot).take(64).collect();
        assert!(!held.is_empty() && held.len() < 64, "{}", held.len());
        assert!(try_slot().is_none(), "all taken");
        drop(held);
        assert!(try_slot().is_some());
    }
}
