//! The trajectory: kind, dates, phase, plan goals, weekly target, budget. A new weekly
//! target or phase is recorded with the day it applies from (today), so earlier weeks keep
//! being judged by what was agreed then.

use super::check::finish;
use super::{Acting, Done};
use crate::edit::Edit;
use crate::error::{KoersError, Result};
use crate::input;
use crate::model::{DossierDocument, LocalDate, Phase, Timestamp, Trajectory, TrajectoryKind};

/// Changes to the trajectory. `None` leaves a field as it is; `Some(None)` clears it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TrajectoryPatch {
    pub kind: Option<TrajectoryKind>,
    pub first_sick_day: Option<Option<LocalDate>>,
    pub contract_end: Option<Option<LocalDate>>,
    pub start_date: Option<Option<LocalDate>>,
    pub bureau: Option<String>,
    pub coach: Option<String>,
    pub phase: Option<Phase>,
    pub goals: Option<Vec<String>>,
    pub weekly_target: Option<u32>,
    pub budget_cents: Option<Option<i64>>,
    pub budget_end: Option<Option<LocalDate>>,
    pub employer: Option<String>,
    pub employer_contact: Option<String>,
}

/// More than this many applications a week is surely a typo.
pub const MAX_WEEKLY_TARGET: u32 = 50;

/// Sets up or changes the trajectory (on a linked phone and at the bureau: the coach's).
pub fn edit_trajectory(
    doc: &DossierDocument,
    by: Acting,
    patch: TrajectoryPatch,
    now: Timestamp,
) -> Result<Done<Trajectory>> {
    let today = now.local_date();
    let current = &doc.trajectory;
    let mut t = current.clone();
    t.settle(); // a record cached by an older version may not be yet
    if let Some(v) = patch.kind {
        t.kind = Some(v);
    }
    if let Some(v) = patch.first_sick_day {
        t.first_sick_day = v;
    }
    if let Some(v) = patch.contract_end {
        t.contract_end = v;
    }
    if let Some(v) = patch.start_date {
        // The agreements made at the start move with it.
        if let (Some(old), Some(new)) = (t.start_date, v) {
            for c in t.target_history.iter_mut().filter(|c| c.from == old) {
                c.from = new;
            }
            for c in t.phase_history.iter_mut().filter(|c| c.from == old) {
                c.from = new;
            }
        }
        t.start_date = v;
    }
    // The first agreement holds from the start; later ones from the day they are made.
    let from = |start: Option<LocalDate>, history_empty: bool| match start {
        Some(start) if history_empty => start,
        _ => today,
    };
    if let Some(v) = patch.bureau {
        t.bureau = input::optional_line("bureau", Some(&v))?.unwrap_or_default();
    }
    if let Some(v) = patch.coach {
        t.coach = input::optional_line("coach", Some(&v))?.unwrap_or_default();
    }
    if let Some(v) = patch.phase.filter(|p| Some(*p) != current.phase) {
        let day = from(t.start_date, t.phase_history.is_empty());
        t.enter_phase(v, day);
    }
    if let Some(goals) = patch.goals {
        t.goals = goals
            .iter()
            .map(|g| input::text("goals", g))
            .filter(|g| !matches!(g, Ok(s) if s.trim().is_empty()))
            .collect::<Result<_>>()?;
    }
    if let Some(v) = patch.weekly_target {
        if v > MAX_WEEKLY_TARGET {
            return Err(KoersError::invalid(
                "weekly_target",
                format!("{v} is meer dan {MAX_WEEKLY_TARGET} sollicitaties per week"),
            ));
        }
        if v != current.weekly_target {
            let day = from(t.start_date, t.target_history.is_empty());
            t.agree_target(v, day);
        }
    }
    if let Some(v) = patch.budget_cents {
        if v.is_some_and(|c| c < 0) {
            return Err(KoersError::invalid("budget", "mag niet negatief zijn"));
        }
        t.budget_cents = v;
    }
    if let Some(v) = patch.budget_end {
        t.budget_end = v;
    }
    if let Some(v) = patch.employer {
        t.employer = input::optional_line("employer", Some(&v))?.unwrap_or_default();
    }
    if let Some(v) = patch.employer_contact {
        t.employer_contact =
            input::optional_line("employer_contact", Some(&v))?.unwrap_or_default();
    }
    if let (Some(start), Some(sick)) = (t.start_date, t.first_sick_day) {
        if start < sick {
            return Err(KoersError::invalid(
                "start_date",
                "het traject kan niet vóór de eerste ziektedag beginnen",
            ));
        }
    }
    if &t == current {
        return Ok(Done::unchanged(t));
    }
    finish(doc, by, vec![Edit::PutTrajectory(t.clone())], t)
}

/// Closes (archives) the trajectory with the reason: from then on the dossier is read-only
/// (`ops` refuses every further edit) and out of the coach's caseload by default.
pub fn close_trajectory(
    doc: &DossierDocument,
    by: Acting,
    reason: &str,
    now: Timestamp,
) -> Result<Done<Trajectory>> {
    let reason = input::required_line("reason", reason)?;
    let mut t = doc.trajectory.clone();
    t.settle();
    t.closed_on = Some(now.local_date());
    t.closed_reason = reason;
    finish(doc, by, vec![Edit::PutTrajectory(t.clone())], t)
}
