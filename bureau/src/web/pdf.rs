//! The report as a PDF, printed by Debian's headless Chromium when the server has it (the
//! same engine the coach's browser would print with, so the PDF looks like the print
//! preview). Without Chromium the report page says so and the browser's own print (with
//! the page's print CSS) makes the PDF.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

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

/// Prints a self-contained HTML document (inline CSS, no scripts, no external resources) to
/// PDF. Blocking: call it off the async threads.
pub fn print(document: &str) -> Result<Vec<u8>, String> {
    let chromium = chromium().ok_or("Chromium is niet geïnstalleerd")?;
    let suffix: String = crate::auth::random_bytes::<8>()
        .map_err(|e| e.to_string())?
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let dir = std::env::temp_dir().join(format!("koers-pdf-{suffix}"));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let result = print_in(chromium, &dir, document);
    let _ = std::fs::remove_dir_all(&dir);
    result
}

fn print_in(chromium: &Path, dir: &Path, document: &str) -> Result<Vec<u8>, String> {
    let html = dir.join("rapport.html");
    let pdf = dir.join("rapport.pdf");
    std::fs::write(&html, document).map_err(|e| e.to_string())?;
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
