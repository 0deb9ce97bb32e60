//! `koers`: the employee's dossier from a terminal. Every subcommand drives koers-core's public
//! Rust API, so a person can use the core without a phone and end-to-end tests can script it.

mod commands;
mod context;
mod exit;
mod ids;
mod output;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::commands::{
    actions, applications, appointments, export, journal, sync, trajectory, views,
};
use crate::context::Ctx;

const ABOUT: &str = "Koers: your job applications, coach appointments and trajectory, offline";

const LONG_ABOUT: &str = "\
Koers on the command line. Log job applications in seconds, keep their status current, \
see and confirm appointments with your coach, tick off the actions you agreed, follow your \
trajectory and its milestones, see your weekly progress against the target, keep a private \
journal, and export the log for the re-integratieverslag.

Output is readable Dutch text by default and JSON with --json (for scripts). Records are \
named by their id; any unambiguous prefix of an id will do (like git).";

const AFTER_HELP: &str = "\
Database:
  --db PATH, else the KOERS_DB environment variable, else
  $XDG_DATA_HOME/koers/koers.db (~/.local/share/koers/koers.db; %APPDATA%\\koers\\koers.db
  on Windows). The default folder is created when needed; a folder given with --db is not.

Exit codes:
  0  done
  1  output could not be written (other than a closed pipe)
  2  bad input: a usage error, a value that does not parse or is not allowed (the message
     names the field), an ambiguous id prefix. Nothing was stored.
  3  not found: no record with that id (prefix)
  4  storage failure: the database or an export file could not be read or written; the
     dossier is as it was before the command
  5  network: the bureau or a vacancy site could not be reached or refused

Errors go to stderr as \"koers: <message>\". With --json, stdout also gets one JSON object
{\"error\": {\"code\": 2, \"kind\": \"invalid_input\", \"field\": \"date\", \"message\": \"...\"}}
(usage errors found while reading the arguments come as text only).

Examples:
  koers log \"Gemeente Utrecht\" Beleidsmedewerker
  koers list --status interview --status offer
  koers --json week --weeks 4
  KOERS_DB=~/koers-test.db koers today";

#[derive(Parser)]
#[command(
    name = "koers",
    version,
    about = ABOUT,
    long_about = LONG_ABOUT,
    after_help = AFTER_HELP,
    propagate_version = true
)]
struct Cli {
    /// The database file of the dossier (created on first use)
    // An OsString, not a PathBuf: clap refuses an empty path, but an empty KOERS_DB should
    // simply count as not set.
    #[arg(long, global = true, env = "KOERS_DB", value_name = "PATH", value_parser = clap::builder::OsStringValueParser::new())]
    db: Option<std::ffi::OsString>,

    /// Print JSON instead of text (for scripts)
    #[arg(long, global = true)]
    json: bool,

    #[command(subcommand)]
    command: Command,
}

/// The subcommands, one group per module; a new group (such as sync) is one more variant.
#[derive(Subcommand)]
enum Command {
    #[command(flatten)]
    Applications(applications::Cmd),
    #[command(flatten)]
    Appointments(appointments::Cmd),
    #[command(flatten)]
    Actions(actions::Cmd),
    #[command(flatten)]
    Trajectory(trajectory::Cmd),
    #[command(flatten)]
    Views(views::Cmd),
    #[command(flatten)]
    Journal(journal::Cmd),
    #[command(flatten)]
    Export(export::Cmd),
    #[command(flatten)]
    Sync(sync::Cmd),
}

fn run(command: Command, ctx: &Ctx) -> koers_core::Result<String> {
    match command {
        Command::Applications(cmd) => applications::run(cmd, ctx),
        Command::Appointments(cmd) => appointments::run(cmd, ctx),
        Command::Actions(cmd) => actions::run(cmd, ctx),
        Command::Trajectory(cmd) => trajectory::run(cmd, ctx),
        Command::Views(cmd) => views::run(cmd, ctx),
        Command::Journal(cmd) => journal::run(cmd, ctx),
        Command::Export(cmd) => export::run(cmd, ctx),
        Command::Sync(cmd) => sync::run(cmd, ctx),
    }
}

fn main() -> ExitCode {
    // Usage errors exit with 2, --help and --version with 0 (clap's own codes).
    let cli = Cli::parse();
    let ctx = Ctx::new(cli.db.map(PathBuf::from), cli.json);
    match run(cli.command, &ctx) {
        Ok(text) => write_stdout(&text),
        Err(e) => {
            // Nothing useful is left to do when stderr itself is gone.
            let _ = writeln!(std::io::stderr(), "koers: {e}");
            if ctx.json {
                let _ = write_stdout(&output::json_line(&exit::json_error(&e)));
            }
            ExitCode::from(exit::code(&e))
        }
    }
}

/// Writes the command's output; a reader that went away (`koers list | head`) is no error.
fn write_stdout(text: &str) -> ExitCode {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            let _ = writeln!(
                std::io::stderr(),
                "koers: kon de uitvoer niet schrijven: {e}"
            );
            ExitCode::from(exit::OUTPUT_FAILED)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn every_visible_subcommand_has_an_example() {
        fn check(cmd: &clap::Command, path: &str) {
            for sub in cmd.get_subcommands() {
                if sub.is_hide_set() || sub.get_name() == "help" {
                    continue;
                }
                let name = format!("{path} {}", sub.get_name());
                if sub.has_subcommands() && sub.get_subcommands().any(|s| s.get_name() != "help") {
                    check(sub, &name);
                }
                let after = sub
                    .get_after_help()
                    .map(|s| s.to_string())
                    .unwrap_or_default();
                assert!(after.contains("koers "), "{name} has no example");
            }
        }
        check(&Cli::command(), "koers");
    }
}
