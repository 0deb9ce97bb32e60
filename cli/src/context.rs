//! What every subcommand needs: where the database is and how to print.

use std::path::PathBuf;

use koers_core::{Dossier, KoersError, Result};
use serde::Serialize;

use crate::output;

pub struct Ctx {
    /// From --db or KOERS_DB; `None` means the platform's data folder.
    db: Option<PathBuf>,
    pub json: bool,
}

impl Ctx {
    pub fn new(db: Option<PathBuf>, json: bool) -> Self {
        // An empty KOERS_DB= means "not set", as with most environment variables.
        let db = db.filter(|p| !p.as_os_str().is_empty());
        Self { db, json }
    }

    /// Opens the dossier, creating the default data folder when that is where it lives.
    pub fn open(&self) -> Result<Dossier> {
        let path = match &self.db {
            Some(p) => p.clone(),
            None => {
                let path = default_db_path()?;
                if let Some(dir) = path.parent() {
                    std::fs::create_dir_all(dir).map_err(|e| KoersError::Io {
                        path: dir.display().to_string(),
                        message: e.to_string(),
                    })?;
                }
                path
            }
        };
        Dossier::open(path)
    }

    /// The text rendering, or the JSON of `value` with --json.
    pub fn render<T: Serialize>(&self, value: &T, text: impl FnOnce() -> String) -> Result<String> {
        if self.json {
            output::json(value)
        } else {
            Ok(text())
        }
    }
}

/// `$XDG_DATA_HOME/koers/koers.db`, `~/.local/share/koers/koers.db` or, on Windows,
/// `%APPDATA%\koers\koers.db`.
fn default_db_path() -> Result<PathBuf> {
    let var = |name: &str| {
        std::env::var_os(name)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    let base = var("XDG_DATA_HOME")
        .or_else(|| var("HOME").map(|h| h.join(".local").join("share")))
        .or_else(|| var("APPDATA"))
        .ok_or_else(|| {
            KoersError::invalid(
                "db",
                "geen gegevensmap gevonden (HOME is niet gezet); geef --db PAD of zet KOERS_DB",
            )
        })?;
    Ok(base.join("koers").join("koers.db"))
}
