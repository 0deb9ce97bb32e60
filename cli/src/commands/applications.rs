//! The application log: log (also from a link), show, edit, status, delete, list, comment.

use std::io::Write;

use clap::{Args, Subcommand};
use koers_core::dossier::{ApplicationPatch, NewApplication};
use koers_core::input;
use koers_core::model::{Application, Comment, LocalDate};
use koers_core::query::ApplicationQuery;
use koers_core::{Dossier, KoersError, Result};
use serde::Serialize;

use super::{clearable_date, opt_date, words};
use crate::context::Ctx;
use crate::ids;
use crate::output::{self, Table};

#[derive(Subcommand)]
pub enum Cmd {
    /// Log a job application; only employer and role are needed
    #[command(after_help = "\
Logs the application with today's date and status `applied` unless told otherwise, and
prints it with its id.

Examples:
  koers log \"Gemeente Utrecht\" Beleidsmedewerker
  koers log Acme Planner --source vacancy_site --url https://werk.nl/v/123 \\
      --location Utrecht --date 2026-11-23 --follow-up 2026-12-01 --notes \"Via Sanne\"")]
    Log(LogArgs),

    /// Log an application from a vacancy link; the details are filled in later by `enrich`
    #[command(after_help = "\
Stores the link at once (no connection needed); `koers enrich` reads the page later and
fills in the fields you left empty.

Example:
  koers log-link https://www.werk.nl/vacature/12345 --employer Acme")]
    LogLink(LogLinkArgs),

    /// Read the pages of vacancy links logged with `log-link` and fill in empty fields
    #[command(after_help = "\
Never overwrites what you typed. Pages that cannot be read now are tried again next time.

Example:
  koers enrich")]
    Enrich,

    /// Show one application with its status history and comments
    #[command(after_help = "Example:\n  koers show 0193f2a1")]
    Show(IdArg),

    /// Change an application's details (not its status: see `status`)
    #[command(after_help = "\
Only the options given change. An empty value clears an optional field.

Examples:
  koers edit 0193f2a1 --notes \"Gesprek was positief\" --follow-up 2026-12-08
  koers edit 0193f2a1 --follow-up \"\"")]
    Edit(EditArgs),

    /// Move an application to a new status; the change is dated in its history
    #[command(after_help = "\
Statuses: interest, applied, interview, second_interview, offer, hired, rejected, withdrawn.

Example:
  koers status 0193f2a1 interview")]
    Status(StatusArgs),

    /// Delete an application from the log
    #[command(after_help = "Example:\n  koers delete 0193f2a1")]
    Delete(IdArg),

    /// List applications, newest first, optionally filtered
    #[command(after_help = "\
Filters combine (all must hold); --status may be repeated or comma-separated.

Examples:
  koers list
  koers list --status interview,second_interview --from 2026-11-01
  koers list --search \"utrecht planner\"
  koers list --follow-up-due")]
    List(ListArgs),

    /// Add a comment to an application
    #[command(
        after_help = "Example:\n  koers comment 0193f2a1 Nagebeld, ze laten het vrijdag weten"
    )]
    Comment(CommentArgs),

    /// Log applications as fast as possible, printing each id (crash tests)
    #[command(hide = true)]
    BenchLog(BenchLogArgs),
}

#[derive(Args)]
pub struct IdArg {
    /// The application's id (or a unique start of it)
    id: String,
}

#[derive(Args)]
pub struct LogArgs {
    /// The employer (werkgever)
    employer: String,
    /// The role (functie)
    role: String,
    #[command(flatten)]
    details: Details,
    /// The status to start with [default: applied]; one of: interest, applied, interview,
    /// second_interview, offer, hired, rejected, withdrawn
    #[arg(long)]
    status: Option<String>,
}

/// The optional details shared by `log` and `edit`.
#[derive(Args)]
pub struct Details {
    /// Where you found the vacancy: vacancy_site, network, open_application, recruiter,
    /// job_fair, coach or other
    #[arg(long)]
    source: Option<String>,
    /// A link to the vacancy (http:// or https://)
    #[arg(long, visible_alias = "url", value_name = "URL")]
    vacancy_url: Option<String>,
    /// The place of work
    #[arg(long)]
    location: Option<String>,
    /// The day you applied, YYYY-MM-DD [default for `log`: today]
    #[arg(long, value_name = "YYYY-MM-DD")]
    date: Option<String>,
    /// Contact person
    #[arg(long)]
    contact: Option<String>,
    /// Salary as the vacancy puts it, e.g. "€ 3.200 – € 3.900"
    #[arg(long)]
    salary: Option<String>,
    /// Notes
    #[arg(long)]
    notes: Option<String>,
    /// The day to follow up, YYYY-MM-DD
    #[arg(long, value_name = "YYYY-MM-DD")]
    follow_up: Option<String>,
}

#[derive(Args)]
pub struct LogLinkArgs {
    /// The vacancy link
    url: String,
    /// The employer, if you know it already
    #[arg(long)]
    employer: Option<String>,
    /// The role, if you know it already
    #[arg(long)]
    role: Option<String>,
}

#[derive(Args)]
pub struct EditArgs {
    /// The application's id (or a unique start of it)
    id: String,
    /// New employer
    #[arg(long)]
    employer: Option<String>,
    /// New role
    #[arg(long)]
    role: Option<String>,
    #[command(flatten)]
    details: Details,
}

#[derive(Args)]
pub struct StatusArgs {
    /// The application's id (or a unique start of it)
    id: String,
    /// The new status
    status: String,
}

#[derive(Args)]
pub struct ListArgs {
    /// Only applications with this status (repeatable, or comma-separated)
    #[arg(long, value_delimiter = ',')]
    status: Vec<String>,
    /// Words to find in employer, role, place, contact or notes
    #[arg(long)]
    search: Option<String>,
    /// Dated on or after this day
    #[arg(long, value_name = "YYYY-MM-DD")]
    from: Option<String>,
    /// Dated on or before this day
    #[arg(long, value_name = "YYYY-MM-DD")]
    to: Option<String>,
    /// Only open applications to follow up by today, or by the day given
    #[arg(long, value_name = "YYYY-MM-DD", num_args = 0..=1, default_missing_value = "")]
    follow_up_due: Option<String>,
}

#[derive(Args)]
pub struct CommentArgs {
    /// The application's id (or a unique start of it)
    id: String,
    /// The comment
    #[arg(required = true, num_args = 1..)]
    text: Vec<String>,
}

#[derive(Args)]
pub struct BenchLogArgs {
    /// How many to log; 0 = until stopped
    #[arg(long, default_value_t = 0)]
    count: u64,
}

pub fn run(cmd: Cmd, ctx: &Ctx) -> Result<String> {
    match cmd {
        Cmd::Log(a) => log(a, ctx),
        Cmd::LogLink(a) => {
            let mut d = ctx.open()?;
            let app = d.log_from_link(&a.url, a.employer, a.role)?;
            ctx.render(&app, || {
                format!(
                    "Sollicitatie vastgelegd vanaf de link; `koers enrich` vult de rest aan.\n{}",
                    details(&app)
                )
            })
        }
        Cmd::Enrich => {
            let mut d = ctx.open()?;
            let report = d.enrich_vacancies()?;
            ctx.render(&report, || {
                format!(
                    "Aangevuld: {}\nNiet gelukt: {}\nNog te doen: {}\n",
                    report.filled, report.failed, report.pending
                )
            })
        }
        Cmd::Show(a) => {
            let d = ctx.open()?;
            let app = d.application(&resolve(&d, &a.id)?)?;
            let comments = d.comments_on(&app.id);
            #[derive(Serialize)]
            struct Shown<'a> {
                application: &'a Application,
                comments: &'a [Comment],
            }
            ctx.render(
                &Shown {
                    application: &app,
                    comments: &comments,
                },
                || {
                    let mut s = details(&app);
                    if !comments.is_empty() {
                        s.push_str("Opmerkingen:\n");
                        for c in &comments {
                            s.push_str(&format!(
                                "  {}  {}: {}\n",
                                output::datetime(c.at),
                                author(c),
                                c.text
                            ));
                        }
                    }
                    s
                },
            )
        }
        Cmd::Edit(a) => edit(a, ctx),
        Cmd::Status(a) => {
            let status = input::status("status", &a.status)?;
            let mut d = ctx.open()?;
            let id = resolve(&d, &a.id)?;
            let app = d.set_status(&id, status)?;
            ctx.render(&app, || {
                format!(
                    "Status bijgewerkt: {}.\n{}",
                    status.label_nl(),
                    details(&app)
                )
            })
        }
        Cmd::Delete(a) => {
            let mut d = ctx.open()?;
            let app = d.application(&resolve(&d, &a.id)?)?;
            d.delete_application(&app.id)?;
            ctx.render(&serde_json::json!({ "deleted": app.id }), || {
                format!("Sollicitatie verwijderd: {}\n", title(&app))
            })
        }
        Cmd::List(a) => list(a, ctx),
        Cmd::Comment(a) => {
            let text = words(a.text);
            let mut d = ctx.open()?;
            let id = resolve(&d, &a.id)?;
            let comment = d.comment_on_application(&id, &text)?;
            ctx.render(&comment, || "Opmerking toegevoegd.\n".to_string())
        }
        Cmd::BenchLog(a) => bench_log(a, ctx),
    }
}

fn log(a: LogArgs, ctx: &Ctx) -> Result<String> {
    // Everything that parses is checked before the database is touched.
    let status = input::optional_status("status", a.status.as_deref())?;
    let source = input::optional_source("source", a.details.source.as_deref())?;
    let date = opt_date("date", a.details.date.as_deref())?;
    let follow_up = input::optional_date("follow_up", a.details.follow_up.as_deref())?;
    let new = NewApplication {
        employer: a.employer,
        role: a.role,
        source,
        vacancy_url: a.details.vacancy_url,
        location: a.details.location,
        date,
        contact: a.details.contact,
        salary: a.details.salary,
        notes: a.details.notes,
        status,
        follow_up,
    };
    let mut d = ctx.open()?;
    let app = d.log_application(new)?;
    ctx.render(&app, || {
        format!("Sollicitatie vastgelegd.\n{}", details(&app))
    })
}

fn edit(a: EditArgs, ctx: &Ctx) -> Result<String> {
    let x = a.details;
    let patch = ApplicationPatch {
        employer: a.employer,
        role: a.role,
        source: x
            .source
            .map(|s| input::optional_source("source", Some(&s)))
            .transpose()?,
        vacancy_url: x.vacancy_url.map(Some),
        location: x.location.map(Some),
        date: opt_date("date", x.date.as_deref())?,
        contact: x.contact.map(Some),
        salary: x.salary.map(Some),
        notes: x.notes,
        follow_up: clearable_date("follow_up", x.follow_up)?,
    };
    if patch == ApplicationPatch::default() {
        return Err(KoersError::invalid(
            "edit",
            "niets te wijzigen; geef minstens één optie, bijvoorbeeld --notes (zie koers edit --help)",
        ));
    }
    let mut d = ctx.open()?;
    let id = resolve(&d, &a.id)?;
    let app = d.edit_application(&id, patch)?;
    ctx.render(&app, || {
        format!("Sollicitatie bijgewerkt.\n{}", details(&app))
    })
}

fn list(a: ListArgs, ctx: &Ctx) -> Result<String> {
    let statuses = a
        .status
        .iter()
        .filter(|s| !s.trim().is_empty())
        .map(|s| input::status("status", s))
        .collect::<Result<Vec<_>>>()?;
    let follow_up_due_by = match a.follow_up_due.as_deref() {
        None => None,
        Some(s) if s.trim().is_empty() => Some(LocalDate::today()),
        Some(s) => Some(input::date("follow_up_due", s)?),
    };
    let query = ApplicationQuery {
        statuses,
        text: a.search.filter(|s| !s.trim().is_empty()),
        from: opt_date("from", a.from.as_deref())?,
        to: opt_date("to", a.to.as_deref())?,
        follow_up_due_by,
    };
    if let (Some(from), Some(to)) = (query.from, query.to) {
        if to < from {
            return Err(KoersError::invalid(
                "to",
                "de periode eindigt voordat hij begint",
            ));
        }
    }
    let d = ctx.open()?;
    let apps = d.list_applications(&query)?;
    ctx.render(&apps, || {
        if apps.is_empty() {
            return "Geen sollicitaties gevonden.\n".to_string();
        }
        let len = ids::short_len(d.document().applications.keys().map(String::as_str));
        let mut t = Table::new(&["Id", "Datum", "Werkgever", "Functie", "Status", "Opvolgen"]);
        for app in &apps {
            t.row(vec![
                ids::short(&app.id, len).to_string(),
                output::date(app.date),
                output::clip(&app.employer, 30),
                output::clip(&app.role, 30),
                app.status.label_nl().to_string(),
                output::opt_date(app.follow_up),
            ]);
        }
        format!(
            "{}\n{}\n",
            t.render(),
            output::count(apps.len(), "sollicitatie", "sollicitaties")
        )
    })
}

/// Logs numbered applications one by one, printing and flushing each id once it is stored,
/// so a test that kills the process knows what must have survived.
fn bench_log(a: BenchLogArgs, ctx: &Ctx) -> Result<String> {
    let mut d = ctx.open()?;
    let mut out = std::io::stdout().lock();
    let mut i: u64 = 0;
    while a.count == 0 || i < a.count {
        i += 1;
        let app = d.log_application(NewApplication {
            employer: format!("Werkgever {i}"),
            role: format!("Functie {i}"),
            notes: Some(format!("bench-log {i}")),
            ..Default::default()
        })?;
        if writeln!(out, "{}", app.id)
            .and_then(|()| out.flush())
            .is_err()
        {
            break; // the reader is gone; stop quietly
        }
    }
    Ok(String::new())
}

/// The full id of the application `given` names (a unique prefix will do).
pub(crate) fn resolve(d: &Dossier, given: &str) -> Result<String> {
    ids::resolve(
        "sollicitatie",
        given,
        d.document().applications.keys().map(String::as_str),
    )
}

/// "Acme — Planner", or just the one that is known.
pub(crate) fn title(app: &Application) -> String {
    match (app.employer.trim().is_empty(), app.role.trim().is_empty()) {
        (false, false) => format!("{} — {}", app.employer, app.role),
        (false, true) => app.employer.clone(),
        (true, false) => app.role.clone(),
        (true, true) => app.vacancy_url.clone().unwrap_or_default(),
    }
}

fn author(c: &Comment) -> String {
    if c.author_name.trim().is_empty() {
        c.author.label_nl().to_string()
    } else {
        format!("{} ({})", c.author_name, c.author.label_nl())
    }
}

/// The application's fields and its dated status history.
fn details(app: &Application) -> String {
    let opt = |o: &Option<String>| o.clone().unwrap_or_default();
    let mut s = format!("{}\n", title(app));
    s.push_str(&output::fields(&[
        ("Id", app.id.clone()),
        ("Werkgever", app.employer.clone()),
        ("Functie", app.role.clone()),
        ("Status", app.status.label_nl().to_string()),
        ("Datum", output::date(app.date)),
        (
            "Gevonden via",
            app.source
                .map(|s| s.label_nl().to_string())
                .unwrap_or_default(),
        ),
        ("Vacaturelink", opt(&app.vacancy_url)),
        ("Plaats", opt(&app.location)),
        ("Contactpersoon", opt(&app.contact)),
        ("Salaris", opt(&app.salary)),
        ("Opvolgen op", output::opt_date(app.follow_up)),
        ("Notities", app.notes.clone()),
    ]));
    s.push_str("Geschiedenis:\n");
    for change in &app.history {
        s.push_str(&format!(
            "  {}  {} ({})\n",
            output::datetime(change.at),
            change.status.label_nl(),
            change.by.label_nl()
        ));
    }
    s
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;
    use koers_core::model::{ApplicationStatus, Source};

    fn help(path: &[&str]) -> String {
        let mut cmd = crate::Cli::command();
        let mut sub = &mut cmd;
        for name in path {
            sub = sub.find_subcommand_mut(name).unwrap();
        }
        sub.render_long_help().to_string()
    }

    #[test]
    fn the_help_lists_every_status_and_source() {
        let log = help(&["log"]);
        for s in ApplicationStatus::ALL {
            assert!(log.contains(s.as_str()), "{s} missing in log --help");
            assert!(help(&["status"]).contains(s.as_str()));
        }
        for s in Source::ALL {
            assert!(log.contains(s.as_str()), "{s} missing in log --help");
        }
    }
}
