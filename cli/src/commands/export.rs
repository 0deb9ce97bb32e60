//! Exports for the re-integratieverslag and the calendar: CSV, HTML, iCalendar.

use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};
use koers_core::dossier::{write_atomically, ExportFormat, ExportOptions};
use koers_core::{KoersError, Result};

use super::opt_date;
use crate::context::Ctx;

#[derive(Subcommand)]
pub enum Cmd {
    /// Export the application log (csv, html) or the appointments (ics)
    #[command(after_help = "\
Writes to standard output unless --out is given; a file is written whole or not at all.
csv: the application log for a spreadsheet (UTF-8, Dutch headers).
html: a printable page with a table per week, for the re-integratieverslag.
ics: the coach appointments for a calendar.
The private journal is left out unless --include-journal is given (html only).

Examples:
  koers export csv --out sollicitaties.csv --from 2026-01-01
  koers export html --out verslag.html
  koers export ics > afspraken.ics")]
    Export(ExportArgs),
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Csv,
    Html,
    Ics,
}

#[derive(Args)]
pub struct ExportArgs {
    /// What to export
    #[arg(value_enum)]
    format: Format,
    /// Write to this file instead of standard output
    #[arg(long, short, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Only from this day on
    #[arg(long, value_name = "YYYY-MM-DD")]
    from: Option<String>,
    /// Only up to and including this day
    #[arg(long, value_name = "YYYY-MM-DD")]
    to: Option<String>,
    /// Include the private journal (html)
    #[arg(long)]
    include_journal: bool,
}

pub fn run(cmd: Cmd, ctx: &Ctx) -> Result<String> {
    let Cmd::Export(a) = cmd;
    let (format, name) = match a.format {
        Format::Csv => (ExportFormat::Csv, "csv"),
        Format::Html => (ExportFormat::Html, "html"),
        Format::Ics => (ExportFormat::Ics, "ics"),
    };
    let options = ExportOptions {
        from: opt_date("from", a.from.as_deref())?,
        to: opt_date("to", a.to.as_deref())?,
        include_journal: a.include_journal,
    };
    if a.include_journal && !matches!(a.format, Format::Html) {
        return Err(KoersError::invalid(
            "include_journal",
            "alleen de html-export kan het dagboek bevatten",
        ));
    }
    let d = ctx.open()?;
    let content = d.export(format, &options)?;
    match a.out {
        Some(path) => {
            write_atomically(&path, content.as_bytes())?;
            let shown = path.display().to_string();
            ctx.render(
                &serde_json::json!({ "format": name, "path": shown, "bytes": content.len() }),
                || format!("Export geschreven naar {shown}\n"),
            )
        }
        None => ctx.render(
            &serde_json::json!({ "format": name, "content": content }),
            || content.clone(),
        ),
    }
}
