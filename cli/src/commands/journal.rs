//! The private journal: add, list, edit, delete. It stays on this device and is never synced.

use clap::Subcommand;
use koers_core::input;
use koers_core::model::{JournalEntry, LocalDate};
use koers_core::{Dossier, KoersError, Result};

use super::{opt_date, words};
use crate::context::Ctx;
use crate::ids;
use crate::output::{self, Table};

#[derive(Subcommand)]
pub enum Cmd {
    /// Your private journal (stays on this device, never shared with the bureau)
    #[command(
        subcommand,
        after_help = "\
Examples:
  koers journal add --energy 3 Goed gesprek gehad, wel moe
  koers journal list --from 2026-11-01"
    )]
    Journal(JournalCmd),
}

#[derive(Subcommand)]
pub enum JournalCmd {
    /// Write a journal entry with an energy score from 1 (very low) to 5 (very good)
    #[command(
        after_help = "Example:\n  koers journal add --date 2026-11-23 --energy 4 Twee sollicitaties verstuurd"
    )]
    Add {
        /// The day it is about, YYYY-MM-DD [default: today]
        #[arg(long, value_name = "YYYY-MM-DD")]
        date: Option<String>,
        /// Energy from 1 (very low) to 5 (very good)
        #[arg(long, value_name = "1-5")]
        energy: String,
        /// What you want to remember
        #[arg(num_args = 0..)]
        text: Vec<String>,
    },

    /// List entries, newest first
    #[command(after_help = "Example:\n  koers journal list --from 2026-11-01 --to 2026-11-30")]
    List {
        /// From this day on
        #[arg(long, value_name = "YYYY-MM-DD")]
        from: Option<String>,
        /// Up to and including this day
        #[arg(long, value_name = "YYYY-MM-DD")]
        to: Option<String>,
    },

    /// Change an entry's text or energy
    #[command(after_help = "Example:\n  koers journal edit 0193f2a1 --energy 2")]
    Edit {
        /// The entry's id (or a unique start of it)
        id: String,
        /// New text
        #[arg(long)]
        text: Option<String>,
        /// New energy, 1-5
        #[arg(long, value_name = "1-5")]
        energy: Option<String>,
    },

    /// Delete an entry
    #[command(after_help = "Example:\n  koers journal delete 0193f2a1")]
    Delete {
        /// The entry's id (or a unique start of it)
        id: String,
    },
}

pub fn run(cmd: Cmd, ctx: &Ctx) -> Result<String> {
    let Cmd::Journal(cmd) = cmd;
    match cmd {
        JournalCmd::Add { date, energy, text } => {
            let date = opt_date("date", date.as_deref())?.unwrap_or_else(LocalDate::today);
            let energy = parse_energy(&energy)?;
            let mut d = ctx.open()?;
            let entry = d.add_journal_entry(date, &words(text), energy)?;
            ctx.render(&entry, || {
                format!("Dagboek bijgewerkt.\n{}", details(&entry))
            })
        }
        JournalCmd::List { from, to } => {
            let from = opt_date("from", from.as_deref())?;
            let to = opt_date("to", to.as_deref())?;
            let d = ctx.open()?;
            let list = d.journal(from, to)?;
            ctx.render(&list, || table(&d, &list))
        }
        JournalCmd::Edit { id, text, energy } => {
            let energy = energy.map(|e| parse_energy(&e)).transpose()?;
            if text.is_none() && energy.is_none() {
                return Err(KoersError::invalid(
                    "edit",
                    "niets te wijzigen; geef --text of --energy",
                ));
            }
            let mut d = ctx.open()?;
            let id = resolve(&d, &id)?;
            let entry = d.edit_journal_entry(&id, text, energy)?;
            ctx.render(&entry, || {
                format!("Dagboek bijgewerkt.\n{}", details(&entry))
            })
        }
        JournalCmd::Delete { id } => {
            let mut d = ctx.open()?;
            let id = resolve(&d, &id)?;
            d.delete_journal_entry(&id)?;
            ctx.render(&serde_json::json!({ "deleted": id }), || {
                "Dagboekregel verwijderd.\n".to_string()
            })
        }
    }
}

fn parse_energy(value: &str) -> Result<u8> {
    let n: i64 = value.trim().parse().map_err(|_| {
        KoersError::invalid(
            "energy",
            format!("‘{value}’ is geen getal; kies 1 (heel laag) tot en met 5 (heel goed)"),
        )
    })?;
    input::energy("energy", n)
}

fn resolve(d: &Dossier, given: &str) -> Result<String> {
    let all = d.journal(None, None)?;
    ids::resolve("dagboeknotitie", given, all.iter().map(|e| e.id.as_str()))
}

fn details(e: &JournalEntry) -> String {
    output::fields(&[
        ("Id", e.id.clone()),
        ("Datum", output::date(e.date)),
        ("Energie", format!("{}/5", e.energy)),
        ("Tekst", e.text.clone()),
    ])
}

fn table(d: &Dossier, list: &[JournalEntry]) -> String {
    if list.is_empty() {
        return "Geen dagboekregels.\n".to_string();
    }
    // Short ids must be unique among all entries, not just the ones shown.
    let len = d
        .journal(None, None)
        .map(|all| ids::short_len(all.iter().map(|e| e.id.as_str())))
        .unwrap_or(32);
    let mut t = Table::new(&["Id", "Datum", "Energie", "Tekst"]);
    for e in list {
        t.row(vec![
            ids::short(&e.id, len).to_string(),
            output::date(e.date),
            format!("{}/5", e.energy),
            output::clip(&e.text, 60),
        ]);
    }
    t.render()
}
