//! Read-only views: milestones, the weekly summary, today's overview, due reminders, the
//! general notes.

use clap::Subcommand;
use koers_core::input;
use koers_core::milestones::{Milestone, MilestoneState};
use koers_core::model::{Comment, LocalDate, Timestamp};
use koers_core::overview::TodayOverview;
use koers_core::progress::WeeklyProgress;
use koers_core::{KoersError, Result};

use super::opt_date;
use crate::commands::applications::title;
use crate::context::Ctx;
use crate::output::{self, Table};

/// More weeks than this in one summary is surely a typo.
const MAX_WEEKS: u32 = 520;

#[derive(Subcommand)]
pub enum Cmd {
    /// The trajectory's milestones (Poortwachter weeks or outplacement dates)
    #[command(after_help = "\
Needs the trajectory's kind and its date (first sick day or contract end): see
`koers trajectory set`.

Examples:
  koers milestones
  koers milestones --on 2026-06-01")]
    Milestones {
        /// See them as on this day [default: today]
        #[arg(long, value_name = "YYYY-MM-DD")]
        on: Option<String>,
    },

    /// Weekly summary: applications per ISO week against the target, streak and funnel
    #[command(after_help = "Examples:\n  koers week\n  koers week --weeks 12")]
    Week {
        /// How many weeks back, the current one included
        #[arg(long, default_value_t = 8)]
        weeks: u32,
        /// See it as on this day [default: today]
        #[arg(long, value_name = "YYYY-MM-DD")]
        on: Option<String>,
    },

    /// Today's overview: next appointment, follow-ups due, this week, next milestone, actions
    #[command(after_help = "Examples:\n  koers today\n  koers today --at 2026-12-01T08:00")]
    Today {
        /// See it as at this moment [default: now]
        #[arg(long, value_name = "YYYY-MM-DDTHH:MM")]
        at: Option<String>,
    },

    /// General notes: what the coach wrote about the trajectory (not about one application)
    #[command(after_help = "\
The newest three are also in `koers today`; the coach writes them in the bureau's web view
(Notities), and they arrive with `koers sync`.

Examples:
  koers notes
  koers --json notes")]
    Notes,

    /// Reminders due now: follow-ups, appointments within a day, milestones, actions
    #[command(
        after_help = "Examples:\n  koers reminders\n  koers --json reminders --at 2026-12-01T08:00"
    )]
    Reminders {
        /// See them as at this moment [default: now]
        #[arg(long, value_name = "YYYY-MM-DDTHH:MM")]
        at: Option<String>,
    },
}

pub fn run(cmd: Cmd, ctx: &Ctx) -> Result<String> {
    match cmd {
        Cmd::Milestones { on } => {
            let today = opt_date("on", on.as_deref())?.unwrap_or_else(LocalDate::today);
            let d = ctx.open()?;
            let list = d.milestones(today);
            ctx.render(&list, || milestones(&list))
        }
        Cmd::Week { weeks, on } => {
            if weeks == 0 || weeks > MAX_WEEKS {
                return Err(KoersError::invalid(
                    "weeks",
                    format!("kies 1 tot en met {MAX_WEEKS} weken"),
                ));
            }
            let today = opt_date("on", on.as_deref())?.unwrap_or_else(LocalDate::today);
            let d = ctx.open()?;
            let progress = d.weekly_progress(today, weeks);
            ctx.render(&progress, || week(&progress))
        }
        Cmd::Today { at } => {
            let now = moment(at)?;
            let d = ctx.open()?;
            let overview = d.today_overview(now);
            ctx.render(&overview, || today(&overview))
        }
        Cmd::Notes => {
            let d = ctx.open()?;
            let list = d.general_notes();
            ctx.render(&list, || {
                if list.is_empty() {
                    return "Nog geen notities.\n".to_string();
                }
                let mut s = "Notities, nieuwste eerst:\n".to_string();
                for c in &list {
                    s.push_str(&note(c));
                }
                s
            })
        }
        Cmd::Reminders { at } => {
            let now = moment(at)?;
            let d = ctx.open()?;
            let list = d.due_reminders(now);
            ctx.render(&list, || {
                if list.is_empty() {
                    return "Geen herinneringen.\n".to_string();
                }
                let mut s = String::new();
                for r in &list {
                    s.push_str(&format!("{}  {}\n", output::datetime(r.due_at), r.title));
                    if !r.body.trim().is_empty() {
                        s.push_str(&format!("    {}\n", r.body));
                    }
                }
                s
            })
        }
    }
}

fn moment(at: Option<String>) -> Result<Timestamp> {
    Ok(at
        .map(|a| input::instant("at", &a))
        .transpose()?
        .unwrap_or_else(Timestamp::now))
}

fn state_nl(state: MilestoneState) -> &'static str {
    match state {
        MilestoneState::Past => "voorbij",
        MilestoneState::DueSoon => "binnenkort",
        MilestoneState::Ahead => "gepland",
    }
}

fn milestone_date(m: &Milestone) -> String {
    match m.end_date {
        Some(end) if end != m.date => format!("{} t/m {}", output::date(m.date), output::date(end)),
        _ => output::date(m.date),
    }
}

fn milestones(list: &[Milestone]) -> String {
    if list.is_empty() {
        return "Geen mijlpalen: stel eerst het traject in (soort en eerste ziektedag of einde contract).\n"
            .to_string();
    }
    let mut t = Table::new(&["Datum", "Week", "Stand", "Mijlpaal"]);
    for m in list {
        t.row(vec![
            milestone_date(m),
            m.week.map(|w| w.to_string()).unwrap_or_default(),
            state_nl(m.state).to_string(),
            m.title.clone(),
        ]);
    }
    t.render()
}

fn week(p: &WeeklyProgress) -> String {
    let mut s = String::new();
    if p.target == 0 {
        s.push_str("Weekdoel: nog niet afgesproken\n");
    } else {
        s.push_str(&format!(
            "Weekdoel: {}\n",
            output::count(p.target as usize, "sollicitatie", "sollicitaties")
        ));
    }
    let mut t = Table::new(&["Week", "Vanaf", "Sollicitaties", "Doel gehaald"]);
    for w in &p.weeks {
        t.row(vec![
            format!("{}-W{:02}", w.iso_year, w.iso_week),
            output::date(w.week_start),
            if w.target > 0 {
                format!("{}/{}", w.applications, w.target)
            } else {
                w.applications.to_string()
            },
            match (w.target, w.met) {
                (0, _) => String::new(),
                (_, true) => "ja".into(),
                (_, false) => "nee".into(),
            },
        ]);
    }
    s.push('\n');
    s.push_str(&t.render());
    s.push('\n');
    s.push_str(&format!(
        "Deze week: {}{}\n",
        p.this_week.applications,
        if p.target > 0 {
            format!(" van {}", p.target)
        } else {
            String::new()
        }
    ));
    if p.target > 0 {
        s.push_str(&format!(
            "Reeks: {} op rij gehaald\n",
            output::count(p.current_streak as usize, "week", "weken")
        ));
    }
    s.push_str("\nPer status:\n");
    let mut f = Table::new(&["Status", "Aantal"]);
    for c in &p.funnel {
        f.row(vec![c.label.clone(), c.count.to_string()]);
    }
    for line in f.render().lines() {
        s.push_str(&format!("  {line}\n"));
    }
    s.push_str(&format!(
        "Totaal: {}\n",
        output::count(p.total as usize, "sollicitatie", "sollicitaties")
    ));
    s
}

/// "  - di 1 dec 2026 14:30, Marieke de Vries: Intake besproken." (more lines indented).
fn note(c: &Comment) -> String {
    let author = if c.author_name.trim().is_empty() {
        c.author.label_nl()
    } else {
        c.author_name.as_str()
    };
    let text = c.text.trim().replace('\n', "\n    ");
    format!("  - {}, {author}: {text}\n", output::datetime(c.at))
}

fn today(o: &TodayOverview) -> String {
    let mut s = format!("Vandaag: {}\n\n", output::date(o.date));
    match &o.next_appointment {
        Some(a) => {
            s.push_str(&format!(
                "Volgende afspraak: {} {} ({})",
                output::span(a.starts_at, a.ends_at),
                a.kind.label_nl(),
                a.status.label_nl()
            ));
            if !a.location.trim().is_empty() {
                s.push_str(&format!(", {}", a.location));
            }
            s.push('\n');
        }
        None => s.push_str("Volgende afspraak: geen\n"),
    }
    let w = &o.this_week;
    s.push_str(&format!(
        "Deze week: {}{}\n",
        output::count(w.applications as usize, "sollicitatie", "sollicitaties"),
        if w.target > 0 {
            format!(" van {}", w.target)
        } else {
            String::new()
        }
    ));
    if let Some(m) = &o.next_milestone {
        s.push_str(&format!(
            "Volgende mijlpaal: {} ({})\n",
            m.title,
            milestone_date(m)
        ));
    }
    if !o.follow_ups_due.is_empty() {
        s.push_str(&format!("\nOpvolgen ({}):\n", o.follow_ups_due.len()));
        for app in &o.follow_ups_due {
            s.push_str(&format!(
                "  - {} (opvolgen op {})\n",
                title(app),
                output::opt_date(app.follow_up)
            ));
        }
    }
    if !o.open_actions.is_empty() {
        s.push_str(&format!("\nOpen acties ({}):\n", o.open_actions.len()));
        for a in &o.open_actions {
            match a.due {
                Some(due) => s.push_str(&format!(
                    "  - {} (uiterlijk {})\n",
                    a.title,
                    output::date(due)
                )),
                None => s.push_str(&format!("  - {}\n", a.title)),
            }
        }
    }
    if !o.recent_notes.is_empty() {
        s.push_str("\nNotities:\n");
        for c in &o.recent_notes {
            s.push_str(&note(c));
        }
        let more = (o.notes_total as usize).saturating_sub(o.recent_notes.len());
        if more > 0 {
            s.push_str(&format!(
                "  (nog {}: koers notes)\n",
                output::count(more, "notitie", "notities")
            ));
        }
    }
    s
}
