//! The trajectory: show it, or set its kind, dates, phase, goals, weekly target and budget.

use clap::{Args, Subcommand};
use koers_core::dossier::TrajectoryPatch;
use koers_core::input;
use koers_core::model::Trajectory;
use koers_core::{KoersError, Result};

use super::clearable_date;
use crate::context::Ctx;
use crate::output;

#[derive(Subcommand)]
pub enum Cmd {
    /// Show the trajectory, or change it with `trajectory set`
    #[command(after_help = "\
Examples:
  koers trajectory
  koers trajectory set --kind spoor2 --first-sick-day 2026-01-05 --phase job_hunting \\
      --weekly-target 3 --goal \"Passend werk in de zorgadministratie\"")]
    Trajectory(TrajectoryArgs),
}

#[derive(Args)]
pub struct TrajectoryArgs {
    #[command(subcommand)]
    cmd: Option<TrajectoryCmd>,
}

#[derive(Subcommand)]
enum TrajectoryCmd {
    /// Set up or change the trajectory; only the options given change
    #[command(after_help = "\
Dates are YYYY-MM-DD; an empty value (\"\") clears a date or the budget. --goal replaces
all goals; give it once per goal, or once with \"\" to remove them.

Phases: intake, orientation, training, job_hunting, work_placement, placed, aftercare.

Examples:
  koers trajectory set --kind spoor2 --first-sick-day 2026-01-05 --bureau \"Werkpad\" --coach Sanne
  koers trajectory set --kind outplacement --contract-end 2026-12-31 --budget 5.000 \\
      --budget-end 2027-06-30 --weekly-target 4")]
    Set(SetArgs),
}

#[derive(Args)]
struct SetArgs {
    /// spoor2 or outplacement
    #[arg(long)]
    kind: Option<String>,
    /// Spoor 2: the first day of sickness
    #[arg(long, value_name = "YYYY-MM-DD")]
    first_sick_day: Option<String>,
    /// Outplacement: the last day of the employment contract
    #[arg(long, value_name = "YYYY-MM-DD")]
    contract_end: Option<String>,
    /// The day the trajectory started
    #[arg(long, value_name = "YYYY-MM-DD")]
    start: Option<String>,
    /// The re-integration or outplacement bureau
    #[arg(long)]
    bureau: Option<String>,
    /// The coach's name
    #[arg(long)]
    coach: Option<String>,
    /// intake, orientation, training, job_hunting, work_placement, placed or aftercare
    #[arg(long)]
    phase: Option<String>,
    /// A goal of the plan van aanpak (repeat for more; replaces all goals)
    #[arg(long = "goal", value_name = "GOAL")]
    goals: Vec<String>,
    /// Applications per week agreed with the coach (0 = none agreed)
    #[arg(long, value_name = "N")]
    weekly_target: Option<String>,
    /// Outplacement budget in euros, e.g. 5.000 or 5000,00
    #[arg(long, value_name = "EUROS")]
    budget: Option<String>,
    /// The last day the budget may be spent
    #[arg(long, value_name = "YYYY-MM-DD")]
    budget_end: Option<String>,
}

pub fn run(cmd: Cmd, ctx: &Ctx) -> Result<String> {
    let Cmd::Trajectory(args) = cmd;
    match args.cmd {
        None => {
            let d = ctx.open()?;
            let t = d.trajectory().clone();
            ctx.render(&t, || show(&t))
        }
        Some(TrajectoryCmd::Set(a)) => {
            let patch = patch(a)?;
            if patch == TrajectoryPatch::default() {
                return Err(KoersError::invalid(
                    "trajectory",
                    "niets te wijzigen; geef minstens één optie (zie koers trajectory set --help)",
                ));
            }
            let mut d = ctx.open()?;
            let t = d.update_trajectory(patch)?;
            ctx.render(&t, || format!("Traject bijgewerkt.\n{}", show(&t)))
        }
    }
}

fn patch(a: SetArgs) -> Result<TrajectoryPatch> {
    let weekly_target = a
        .weekly_target
        .map(|v| {
            v.trim().parse::<u32>().map_err(|_| {
                KoersError::invalid(
                    "weekly_target",
                    format!("‘{v}’ is geen heel aantal sollicitaties, bijvoorbeeld 3"),
                )
            })
        })
        .transpose()?;
    let budget_cents = a
        .budget
        .map(|v| {
            if v.trim().is_empty() {
                Ok(None)
            } else {
                input::euro_cents("budget", &v).map(Some)
            }
        })
        .transpose()?;
    Ok(TrajectoryPatch {
        kind: input::optional_trajectory_kind("kind", a.kind.as_deref())?,
        first_sick_day: clearable_date("first_sick_day", a.first_sick_day)?,
        contract_end: clearable_date("contract_end", a.contract_end)?,
        start_date: clearable_date("start_date", a.start)?,
        bureau: a.bureau,
        coach: a.coach,
        phase: input::optional_phase("phase", a.phase.as_deref())?,
        goals: (!a.goals.is_empty()).then_some(a.goals),
        weekly_target,
        budget_cents,
        budget_end: clearable_date("budget_end", a.budget_end)?,
        ..Default::default()
    })
}

fn show(t: &Trajectory) -> String {
    if *t == Trajectory::default() {
        return "Nog geen traject ingesteld.\n".to_string();
    }
    let target = match t.weekly_target {
        0 => "nog niet afgesproken".to_string(),
        n => output::count(
            n as usize,
            "sollicitatie per week",
            "sollicitaties per week",
        ),
    };
    let mut s = String::from("Traject\n");
    s.push_str(&output::fields(&[
        (
            "Soort",
            t.kind.map(|k| k.label_nl().to_string()).unwrap_or_default(),
        ),
        ("Eerste ziektedag", output::opt_date(t.first_sick_day)),
        ("Einde contract", output::opt_date(t.contract_end)),
        ("Gestart op", output::opt_date(t.start_date)),
        ("Bureau", t.bureau.clone()),
        ("Coach", t.coach.clone()),
        (
            "Fase",
            t.phase
                .map(|p| p.label_nl().to_string())
                .unwrap_or_default(),
        ),
        ("Weekdoel", target),
        (
            "Budget",
            t.budget_cents.map(output::euro).unwrap_or_default(),
        ),
        ("Budget te besteden tot", output::opt_date(t.budget_end)),
    ]));
    if !t.goals.is_empty() {
        s.push_str("Doelen:\n");
        for (i, goal) in t.goals.iter().enumerate() {
            s.push_str(&format!("  {}. {goal}\n", i + 1));
        }
    }
    s
}
