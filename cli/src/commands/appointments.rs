//! Coach appointments: add, list, show, confirm, move, edit, cancel, mark as held.

use chrono::TimeDelta;
use clap::{Args, Subcommand};
use koers_core::dossier::{AppointmentPatch, NewAppointment};
use koers_core::input;
use koers_core::model::{Appointment, AppointmentKind, Timestamp};
use koers_core::{Dossier, KoersError, Result};

use crate::context::Ctx;
use crate::ids;
use crate::output::{self, Table};

/// Length of an appointment when only its start is given.
const DEFAULT_MINUTES: i64 = 60;

#[derive(Subcommand)]
pub enum Cmd {
    /// Appointments with the coach: add, list, confirm, move, cancel, mark as held
    #[command(
        subcommand,
        visible_alias = "appointments",
        after_help = "\
Times are Dutch local time (YYYY-MM-DDTHH:MM) unless they carry an offset.

Examples:
  koers appointment add --start 2026-12-01T10:00 --kind coaching --location \"Bureau Utrecht\"
  koers appointment list --upcoming
  koers appointment confirm 0193f2a1"
    )]
    Appointment(AppointmentCmd),
}

#[derive(Subcommand)]
pub enum AppointmentCmd {
    /// Add an appointment; made here it is proposed until the coach confirms it
    #[command(after_help = "\
Kinds: intake, coaching, evaluation, workshop, labour_expert_assessment, other.

Example:
  koers appointment add --start 2026-12-01T10:00 --end 2026-12-01T11:00 --kind coaching \\
      --location \"Bureau Utrecht\" --agenda \"Cv doornemen\"")]
    Add(AddArgs),

    /// List appointments by start time
    #[command(
        after_help = "Examples:\n  koers appointment list\n  koers appointment list --upcoming"
    )]
    List {
        /// Only those not yet over and not cancelled
        #[arg(long)]
        upcoming: bool,
    },

    /// Show one appointment
    #[command(after_help = "Example:\n  koers appointment show 0193f2a1")]
    Show(IdArg),

    /// Confirm a proposed appointment
    #[command(after_help = "Example:\n  koers appointment confirm 0193f2a1")]
    Confirm(IdArg),

    /// Cancel an appointment
    #[command(after_help = "Example:\n  koers appointment cancel 0193f2a1")]
    Cancel(IdArg),

    /// Mark an appointment as held, optionally with what was discussed
    #[command(
        after_help = "Example:\n  koers appointment done 0193f2a1 --notes \"Cv is klaar; drie vacatures gekozen\""
    )]
    Done {
        /// The appointment's id (or a unique start of it)
        id: String,
        /// What was discussed (replaces the notes)
        #[arg(long)]
        notes: Option<String>,
    },

    /// Move an appointment to another time; it then needs confirming again
    #[command(after_help = "\
Without --end the appointment keeps its length.

Example:
  koers appointment move 0193f2a1 --start 2026-12-03T14:00")]
    Move {
        /// The appointment's id (or a unique start of it)
        id: String,
        /// The new start, YYYY-MM-DDTHH:MM
        #[arg(long)]
        start: String,
        /// The new end, YYYY-MM-DDTHH:MM
        #[arg(long)]
        end: Option<String>,
    },

    /// Change an appointment's kind, place, agenda or notes
    #[command(
        after_help = "Example:\n  koers appointment edit 0193f2a1 --location https://meet.example/abc"
    )]
    Edit {
        /// The appointment's id (or a unique start of it)
        id: String,
        /// intake, coaching, evaluation, workshop, labour_expert_assessment or other
        #[arg(long)]
        kind: Option<String>,
        /// An address, a room or a video link
        #[arg(long)]
        location: Option<String>,
        /// What to discuss
        #[arg(long)]
        agenda: Option<String>,
        /// Notes
        #[arg(long)]
        notes: Option<String>,
    },
}

#[derive(Args)]
pub struct IdArg {
    /// The appointment's id (or a unique start of it)
    id: String,
}

#[derive(Args)]
pub struct AddArgs {
    /// Start, YYYY-MM-DDTHH:MM (Dutch time)
    #[arg(long)]
    start: String,
    /// End, YYYY-MM-DDTHH:MM [default: one hour after the start]
    #[arg(long)]
    end: Option<String>,
    /// intake, coaching, evaluation, workshop, labour_expert_assessment or other
    #[arg(long, default_value = "coaching")]
    kind: String,
    /// An address, a room or a video link
    #[arg(long, default_value = "")]
    location: String,
    /// What to discuss
    #[arg(long, default_value = "")]
    agenda: String,
    /// Notes
    #[arg(long, default_value = "")]
    notes: String,
}

pub fn run(cmd: Cmd, ctx: &Ctx) -> Result<String> {
    let Cmd::Appointment(cmd) = cmd;
    match cmd {
        AppointmentCmd::Add(a) => {
            let starts_at = input::instant("start", &a.start)?;
            let ends_at = match a.end.as_deref() {
                Some(end) => input::instant("end", end)?,
                None => plus_minutes(starts_at, DEFAULT_MINUTES)?,
            };
            let kind = input::appointment_kind("kind", &a.kind)?;
            let mut d = ctx.open()?;
            let appointment = d.schedule_appointment(NewAppointment {
                starts_at,
                ends_at,
                kind,
                location: a.location,
                agenda: a.agenda,
                notes: a.notes,
            })?;
            saved(ctx, &appointment, "Afspraak voorgesteld.")
        }
        AppointmentCmd::List { upcoming } => {
            let d = ctx.open()?;
            let list = d.list_appointments(upcoming)?;
            ctx.render(&list, || table(&d, &list))
        }
        AppointmentCmd::Show(a) => {
            let d = ctx.open()?;
            let appointment = d.appointment(&resolve(&d, &a.id)?)?;
            ctx.render(&appointment, || details(&appointment))
        }
        AppointmentCmd::Confirm(a) => {
            let mut d = ctx.open()?;
            let id = resolve(&d, &a.id)?;
            let appointment = d.confirm_appointment(&id)?;
            saved(ctx, &appointment, "Afspraak bevestigd.")
        }
        AppointmentCmd::Cancel(a) => {
            let mut d = ctx.open()?;
            let id = resolve(&d, &a.id)?;
            let appointment = d.cancel_appointment(&id)?;
            saved(ctx, &appointment, "Afspraak geannuleerd.")
        }
        AppointmentCmd::Done { id, notes } => {
            let mut d = ctx.open()?;
            let id = resolve(&d, &id)?;
            let appointment = d.complete_appointment(&id, notes)?;
            saved(ctx, &appointment, "Afspraak gehouden.")
        }
        AppointmentCmd::Move { id, start, end } => {
            let starts_at = input::instant("start", &start)?;
            let end = end.map(|e| input::instant("end", &e)).transpose()?;
            let mut d = ctx.open()?;
            let id = resolve(&d, &id)?;
            let before = d.appointment(&id)?;
            let ends_at = match end {
                Some(e) => e,
                None => {
                    let minutes = (before.ends_at.0 - before.starts_at.0).num_minutes();
                    plus_minutes(starts_at, minutes)?
                }
            };
            let appointment = d.update_appointment(
                &id,
                AppointmentPatch {
                    starts_at: Some(starts_at),
                    ends_at: Some(ends_at),
                    ..Default::default()
                },
            )?;
            saved(ctx, &appointment, "Afspraak verzet.")
        }
        AppointmentCmd::Edit {
            id,
            kind,
            location,
            agenda,
            notes,
        } => {
            let kind = input::optional_appointment_kind("kind", kind.as_deref())?;
            let patch = AppointmentPatch {
                kind,
                location,
                agenda,
                notes,
                ..Default::default()
            };
            if patch == AppointmentPatch::default() {
                return Err(KoersError::invalid(
                    "edit",
                    "niets te wijzigen; geef minstens één optie, bijvoorbeeld --agenda",
                ));
            }
            let mut d = ctx.open()?;
            let id = resolve(&d, &id)?;
            let appointment = d.update_appointment(&id, patch)?;
            saved(ctx, &appointment, "Afspraak bijgewerkt.")
        }
    }
}

fn plus_minutes(t: Timestamp, minutes: i64) -> Result<Timestamp> {
    t.0.checked_add_signed(TimeDelta::minutes(minutes))
        .map(Timestamp)
        .ok_or_else(|| KoersError::invalid("end", "valt buiten de kalender"))
}

fn resolve(d: &Dossier, given: &str) -> Result<String> {
    ids::resolve(
        "afspraak",
        given,
        d.document().appointments.keys().map(String::as_str),
    )
}

fn saved(ctx: &Ctx, a: &Appointment, headline: &str) -> Result<String> {
    ctx.render(a, || format!("{headline}\n{}", details(a)))
}

fn kind_label(kind: AppointmentKind) -> &'static str {
    kind.label_nl()
}

fn details(a: &Appointment) -> String {
    format!(
        "{}\n{}",
        kind_label(a.kind),
        output::fields(&[
            ("Id", a.id.clone()),
            ("Wanneer", output::span(a.starts_at, a.ends_at)),
            ("Status", a.status.label_nl().to_string()),
            ("Voorgesteld door", a.proposed_by.label_nl().to_string()),
            ("Locatie", a.location.clone()),
            ("Agenda", a.agenda.clone()),
            ("Notities", a.notes.clone()),
        ])
    )
}

fn table(d: &Dossier, list: &[Appointment]) -> String {
    if list.is_empty() {
        return "Geen afspraken.\n".to_string();
    }
    let len = ids::short_len(d.document().appointments.keys().map(String::as_str));
    let mut t = Table::new(&["Id", "Wanneer", "Soort", "Status", "Locatie"]);
    for a in list {
        t.row(vec![
            ids::short(&a.id, len).to_string(),
            output::span(a.starts_at, a.ends_at),
            kind_label(a.kind).to_string(),
            a.status.label_nl().to_string(),
            output::clip(&a.location, 40),
        ]);
    }
    format!(
        "{}\n{}\n",
        t.render(),
        output::count(list.len(), "afspraak", "afspraken")
    )
}
