//! Actions agreed with the coach: add, list, tick off (and on again), edit, delete.

use clap::Subcommand;
use koers_core::dossier::NewAction;
use koers_core::input;
use koers_core::model::Action;
use koers_core::{Dossier, KoersError, Result};

use super::{clearable_date, opt_date, words};
use crate::context::Ctx;
use crate::ids;
use crate::output::{self, Table};

#[derive(Subcommand)]
pub enum Cmd {
    /// Actions agreed with the coach: add, list, done, undo, edit, delete
    #[command(
        subcommand,
        visible_alias = "actions",
        after_help = "\
Examples:
  koers action add Cv aanpassen voor de zorg --due 2026-12-05
  koers action list --open
  koers action done 0193f2a1"
    )]
    Action(ActionCmd),
}

#[derive(Subcommand)]
pub enum ActionCmd {
    /// Add an action
    #[command(after_help = "\
Example:
  koers action add Drie vacatures uitzoeken --due 2026-12-05 --owner employee --appointment 0193f2a1")]
    Add {
        /// What to do
        #[arg(required = true, num_args = 1..)]
        title: Vec<String>,
        /// Due day, YYYY-MM-DD
        #[arg(long, value_name = "YYYY-MM-DD")]
        due: Option<String>,
        /// Who does it: employee or coach [default: employee]
        #[arg(long)]
        owner: Option<String>,
        /// The appointment it was agreed in (id or a unique start of it)
        #[arg(long, value_name = "ID")]
        appointment: Option<String>,
    },

    /// List actions: open ones first by due day, then the done ones
    #[command(after_help = "Examples:\n  koers action list\n  koers action list --open")]
    List {
        /// Only the open ones
        #[arg(long)]
        open: bool,
    },

    /// Tick an action off
    #[command(after_help = "Example:\n  koers action done 0193f2a1")]
    Done {
        /// The action's id (or a unique start of it)
        id: String,
    },

    /// Mark a done action as open again
    #[command(after_help = "Example:\n  koers action undo 0193f2a1")]
    Undo {
        /// The action's id (or a unique start of it)
        id: String,
    },

    /// Change an action's title or due day ("" clears the due day)
    #[command(after_help = "Example:\n  koers action edit 0193f2a1 --due 2026-12-12")]
    Edit {
        /// The action's id (or a unique start of it)
        id: String,
        /// New title
        #[arg(long)]
        title: Option<String>,
        /// New due day, YYYY-MM-DD, or "" for none
        #[arg(long, value_name = "YYYY-MM-DD")]
        due: Option<String>,
    },

    /// Delete an action
    #[command(after_help = "Example:\n  koers action delete 0193f2a1")]
    Delete {
        /// The action's id (or a unique start of it)
        id: String,
    },
}

pub fn run(cmd: Cmd, ctx: &Ctx) -> Result<String> {
    let Cmd::Action(cmd) = cmd;
    match cmd {
        ActionCmd::Add {
            title,
            due,
            owner,
            appointment,
        } => {
            let due = opt_date("due", due.as_deref())?;
            let owner = input::optional_actor("owner", owner.as_deref())?;
            let mut d = ctx.open()?;
            let appointment_id = appointment
                .map(|given| {
                    ids::resolve(
                        "afspraak",
                        &given,
                        d.document().appointments.keys().map(String::as_str),
                    )
                })
                .transpose()?;
            let action = d.add_action(NewAction {
                title: words(title),
                due,
                owner,
                appointment_id,
            })?;
            saved(ctx, &action, "Actie toegevoegd.")
        }
        ActionCmd::List { open } => {
            let d = ctx.open()?;
            let list = d.list_actions(open)?;
            ctx.render(&list, || table(&d, &list))
        }
        ActionCmd::Done { id } => {
            let mut d = ctx.open()?;
            let id = resolve(&d, &id)?;
            let action = d.set_action_done(&id, true)?;
            saved(ctx, &action, "Actie afgevinkt.")
        }
        ActionCmd::Undo { id } => {
            let mut d = ctx.open()?;
            let id = resolve(&d, &id)?;
            let action = d.set_action_done(&id, false)?;
            saved(ctx, &action, "Actie weer open.")
        }
        ActionCmd::Edit { id, title, due } => {
            let due = clearable_date("due", due)?;
            if title.is_none() && due.is_none() {
                return Err(KoersError::invalid(
                    "edit",
                    "niets te wijzigen; geef --title of --due",
                ));
            }
            let mut d = ctx.open()?;
            let id = resolve(&d, &id)?;
            let action = d.edit_action(&id, title, due)?;
            saved(ctx, &action, "Actie bijgewerkt.")
        }
        ActionCmd::Delete { id } => {
            let mut d = ctx.open()?;
            let action = d.action(&resolve(&d, &id)?)?;
            d.delete_action(&action.id)?;
            ctx.render(&serde_json::json!({ "deleted": action.id }), || {
                format!("Actie verwijderd: {}\n", action.title)
            })
        }
    }
}

fn resolve(d: &Dossier, given: &str) -> Result<String> {
    ids::resolve(
        "actie",
        given,
        d.document().actions.keys().map(String::as_str),
    )
}

fn check(a: &Action) -> &'static str {
    if a.done {
        "[x]"
    } else {
        "[ ]"
    }
}

fn saved(ctx: &Ctx, a: &Action, headline: &str) -> Result<String> {
    ctx.render(a, || {
        format!(
            "{headline}\n{} {}\n{}",
            check(a),
            a.title,
            output::fields(&[
                ("Id", a.id.clone()),
                ("Uiterlijk", output::opt_date(a.due)),
                ("Wie", a.owner.label_nl().to_string()),
                (
                    "Afgevinkt",
                    a.done_at.map(output::datetime).unwrap_or_default()
                ),
            ])
        )
    })
}

fn table(d: &Dossier, list: &[Action]) -> String {
    if list.is_empty() {
        return "Geen acties.\n".to_string();
    }
    let len = ids::short_len(d.document().actions.keys().map(String::as_str));
    let mut t = Table::new(&["Id", "", "Actie", "Uiterlijk", "Wie"]);
    for a in list {
        t.row(vec![
            ids::short(&a.id, len).to_string(),
            check(a).to_string(),
            output::clip(&a.title, 50),
            output::opt_date(a.due),
            a.owner.label_nl().to_string(),
        ]);
    }
    let open = list.iter().filter(|a| !a.done).count();
    format!(
        "{}\n{} open\n",
        t.render(),
        output::count(open, "actie", "acties")
    )
}
