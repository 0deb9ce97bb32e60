//! The caseload's summary of one dossier, stored beside it and written in the transaction
//! that stores the dossier's changes (`documents`), so that a caseload reads one row per
//! employee and never a document, on any node.
//!
//! Much of what the caseload shows depends on the day it is shown: this week against the
//! target in force, the weeks under target, overdue follow-ups and actions, the next
//! appointment that has not ended, the next milestone. Answers stored for one day would be
//! stale the next, so the summary stores the dated records they are computed from instead:
//! the dossier cut down to what can still matter on any later day ([`inputs_of`]). The
//! caseload runs the same core functions on it as on a whole dossier (`today_overview`,
//! `weekly_progress`), so it is never stale and every rule stays where it is. Follow-ups
//! already overdue stay overdue, so of those only the oldest is kept (the next step names
//! it) and the rest are counted.

use std::collections::{BTreeMap, HashMap};

use koers_core::incremental::{RecordRef, Touched};
use koers_core::model::{Action, Application, Appointment, DossierDocument, LocalDate, Timestamp};
use koers_core::overview::FollowUpOrder;
use koers_core::progress::week_start;
use serde::{Deserialize, Serialize};

use crate::storage::Summary;
use crate::{BureauError, Result};

/// The format of [`Summary::inputs`]; raise it when what is kept changes, and every summary
/// is computed again at the next start (`Documents::fill_summaries`).
pub const FORMAT: i32 = 1;

/// The weeks the caseload judges: this one and the two full weeks before it.
pub const WEEKS_JUDGED: u32 = 3;

/// How far the clocks of two nodes may differ: records that ended this long before the
/// summary was computed are still kept, for a node whose clock is behind.
const CLOCK_SLACK_MS: i64 = 86_400_000;

/// What the caseload is computed from, as stored in [`Summary::inputs`].
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Inputs {
    /// The records that can still matter from the moment of summarising on.
    pub dossier: DossierDocument,
    /// Open applications whose follow-up was overdue then and that `dossier` leaves out (it
    /// keeps the oldest): overdue at every later moment too.
    pub overdue_follow_ups_left_out: usize,
}

/// The summary of `doc` as computed at `now`.
pub fn of(doc: &DossierDocument, now: Timestamp) -> Result<Summary> {
    summary_with(doc, now, &inputs_of(doc, now))
}

/// The dated records of a stored summary, to compute the caseload from as of any moment
/// after it was computed.
pub fn inputs(summary: &Summary) -> Result<Inputs> {
    serde_json::from_str(&summary.inputs).map_err(|e| BureauError::Storage {
        message: format!("unreadable caseload summary: {e}"),
    })
}

/// `doc` cut down to the records the caseload can need on any day from `now` on: the
/// trajectory (phase, targets and their history, milestones' dates), applications counted in
/// the weeks judged from this week on, open applications with a follow-up day (of those
/// overdue already only the oldest, the others counted), active appointments that have not
/// ended, and open actions. Everything else only ever drops out of the caseload as time
/// passes, so leaving it out changes no answer for a later moment.
pub fn inputs_of(doc: &DossierDocument, now: Timestamp) -> Inputs {
    Kept::of(doc, now).inputs
}

/// The summary of `doc` at `now` (as [`of`]), brought up from `kept`, the inputs of an
/// earlier summary of the same dossier, by looking only at the records changed since
/// (`touched`): a sync session changes one or two records of hundreds, and reading them all
/// again (cold in the CPU caches after the session's disk wait) was a sixth of its CPU.
/// Without `kept`, on another day, or when everything may have changed, the inputs are
/// computed whole. Gives the kept inputs for the next summary.
pub fn of_kept(
    doc: &DossierDocument,
    now: Timestamp,
    kept: Option<Kept>,
    touched: &Touched,
) -> Result<(Summary, Kept)> {
    let kept = match kept {
        Some(mut k) => {
            if k.update(doc, now, touched) {
                k
            } else {
                Kept::of(doc, now)
            }
        }
        None => Kept::of(doc, now),
    };
    Ok((summary_with(doc, now, &kept.inputs)?, kept))
}

fn summary_with(doc: &DossierDocument, now: Timestamp, inputs: &Inputs) -> Result<Summary> {
    let inputs = serde_json::to_string(inputs).map_err(|e| BureauError::Storage {
        message: format!("cannot write a caseload summary: {e}"),
    })?;
    let t = &doc.trajectory;
    Ok(Summary {
        format: FORMAT,
        computed_at: now.millis(),
        phase: t.phase.map(|p| p.as_str().to_string()),
        kind: t.kind.map(|k| k.as_str().to_string()),
        closed_on: t.closed_on.map(|d| d.0.to_string()),
        applications: i64::try_from(doc.applications.len()).unwrap_or(i64::MAX),
        inputs,
    })
}

/// Which records the inputs keep as of one moment: every rule of [`inputs_of`] is here, for
/// the whole computation and the update alike.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Window {
    /// `now` less the clock slack, in milliseconds.
    since: i64,
    since_day: LocalDate,
    /// The Monday of the first week judged.
    first_monday: LocalDate,
}

impl Window {
    fn at(now: Timestamp) -> Self {
        let since = now.millis() - CLOCK_SLACK_MS;
        let since_day = Timestamp::from_millis(since).map_or(now.local_date(), |t| t.local_date());
        let back = 7 * u64::from(WEEKS_JUDGED.saturating_sub(1));
        let first_monday = week_start(since_day)
            .0
            .checked_sub_days(chrono::Days::new(back))
            .map_or(since_day, LocalDate);
        Window {
            since,
            since_day,
            first_monday,
        }
    }

    /// Whether an application's follow-up is overdue from this moment on.
    fn is_overdue(&self, a: &Application) -> bool {
        !a.status.is_closed() && a.follow_up.is_some_and(|f| f < self.since_day)
    }

    /// Whether an application is kept for itself: counted in a week judged, or a follow-up
    /// that is not overdue yet (an overdue one is kept only if it is the oldest).
    fn keeps(&self, a: &Application) -> bool {
        let counted = a.status.counts_as_applied() && a.date >= self.first_monday;
        let follows_up = !a.status.is_closed() && a.follow_up.is_some();
        counted || (follows_up && !self.is_overdue(a))
    }

    fn keeps_appointment(&self, a: &Appointment) -> bool {
        a.status.is_active() && a.ends_at.millis() > self.since
    }
}

fn keeps_action(a: &Action) -> bool {
    !a.done
}

/// The inputs of a dossier's last summary, kept by the node beside its copy of the dossier,
/// with what it takes to update them for a few changed records ([`of_kept`]).
#[derive(Debug, Clone)]
pub struct Kept {
    at: Timestamp,
    window: Window,
    inputs: Inputs,
    /// Every open application whose follow-up is overdue, in the core's order of follow-ups
    /// (the first is the one the next step names), and whether it is kept for itself
    /// ([`Window::keeps`]).
    overdue: BTreeMap<FollowUpOrder, bool>,
    /// The place in `overdue` of each application there, by id.
    overdue_by_id: HashMap<String, FollowUpOrder>,
    /// The oldest overdue application, when it is in the inputs only for being the oldest.
    oldest_only: Option<String>,
    /// How many of `overdue` are not kept for themselves.
    overdue_alone: usize,
}

impl Kept {
    /// The inputs of `doc` at `now`, computed whole.
    fn of(doc: &DossierDocument, now: Timestamp) -> Self {
        let window = Window::at(now);
        let mut kept = Kept {
            at: now,
            window,
            inputs: Inputs {
                dossier: DossierDocument {
                    schema: doc.schema,
                    trajectory: doc.trajectory.clone(),
                    applications: Default::default(),
                    appointments: doc
                        .appointments
                        .iter()
                        .filter(|(_, a)| window.keeps_appointment(a))
                        .map(|(id, a)| (id.clone(), a.clone()))
                        .collect(),
                    actions: doc
                        .actions
                        .iter()
                        .filter(|(_, a)| keeps_action(a))
                        .map(|(id, a)| (id.clone(), a.clone()))
                        .collect(),
                    comments: Default::default(),
                },
                overdue_follow_ups_left_out: 0,
            },
            overdue: BTreeMap::new(),
            overdue_by_id: HashMap::new(),
            oldest_only: None,
            overdue_alone: 0,
        };
        for a in doc.applications.values() {
            kept.put_application(a);
        }
        kept.finish(doc);
        kept
    }

    /// Brings the inputs up to `doc` at `now`, where only the records in `touched` changed
    /// since they were computed; `false` (and the inputs left unusable) when that cannot be
    /// done by looking at those records alone: everything may have changed, the clock went
    /// back, or the day moved on (every application's standing may have changed with it).
    fn update(&mut self, doc: &DossierDocument, now: Timestamp, touched: &Touched) -> bool {
        let window = Window::at(now);
        let records = match touched {
            Touched::Records(records) => records,
            Touched::Everything => return false,
        };
        if now < self.at || window.since_day != self.window.since_day {
            return false;
        }
        self.at = now;
        self.window = window;
        if let Some(id) = self.oldest_only.take() {
            self.inputs.dossier.applications.remove(&id);
        }
        let dossier = &mut self.inputs.dossier;
        dossier.schema = doc.schema;
        dossier.trajectory.clone_from(&doc.trajectory);
        // An appointment that has ended since drops out without being touched.
        dossier
            .appointments
            .retain(|_, a| window.keeps_appointment(a));
        for record in records {
            match record {
                RecordRef::Schema | RecordRef::Trajectory | RecordRef::Comment(_) => {}
                RecordRef::Application(id) => {
                    self.remove_application(id);
                    if let Some(a) = doc.applications.get(id) {
                        self.put_application(a);
                    }
                }
                RecordRef::Appointment(id) => {
                    let kept = doc
                        .appointments
                        .get(id)
                        .filter(|a| window.keeps_appointment(a));
                    put(&mut self.inputs.dossier.appointments, id, kept.cloned());
                }
                RecordRef::Action(id) => {
                    let kept = doc.actions.get(id).filter(|a| keeps_action(a));
                    put(&mut self.inputs.dossier.actions, id, kept.cloned());
                }
            }
        }
        self.finish(doc);
        true
    }

    fn put_application(&mut self, a: &Application) {
        let keeps = self.window.keeps(a);
        if self.window.is_overdue(a) {
            let order = FollowUpOrder::of(a);
            self.overdue.insert(order.clone(), keeps);
            self.overdue_by_id.insert(a.id.clone(), order);
            self.overdue_alone += usize::from(!keeps);
        }
        if keeps {
            self.inputs
                .dossier
                .applications
                .insert(a.id.clone(), caseload_fields(a));
        }
    }

    fn remove_application(&mut self, id: &str) {
        self.inputs.dossier.applications.remove(id);
        let keeps = self
            .overdue_by_id
            .remove(id)
            .and_then(|order| self.overdue.remove(&order));
        if let Some(keeps) = keeps {
            self.overdue_alone -= usize::from(!keeps);
        }
    }

    /// Adds the oldest overdue follow-up if it is not kept for itself, and counts the
    /// overdue ones left out.
    fn finish(&mut self, doc: &DossierDocument) {
        let oldest_alone = self
            .overdue
            .first_key_value()
            .filter(|(_, keeps)| !**keeps)
            .and_then(|(order, _)| doc.applications.get(order.id()));
        if let Some(a) = oldest_alone {
            self.inputs
                .dossier
                .applications
                .insert(a.id.clone(), caseload_fields(a));
            self.oldest_only = Some(a.id.clone());
        }
        self.inputs.overdue_follow_ups_left_out =
            self.overdue_alone - usize::from(self.oldest_only.is_some());
    }
}

/// Sets `id` in `records` to `record`, or removes it.
fn put<T>(records: &mut std::collections::BTreeMap<String, T>, id: &str, record: Option<T>) {
    match record {
        Some(r) => {
            records.insert(id.to_string(), r);
        }
        None => {
            records.remove(id);
        }
    }
}

/// `a` with only what the caseload reads of an application (its dates, status and follow-up
/// for the counts, employer and role to name the next step): free text, contact details and
/// history are never shown there and need not be copied, serialised and stored a second
/// time on every write. Built field by field, so a new field of `Application` has to be
/// placed here.
pub fn caseload_fields(a: &Application) -> Application {
    Application {
        id: a.id.clone(),
        employer: a.employer.clone(),
        role: a.role.clone(),
        source: None,
        vacancy_url: None,
        location: None,
        date: a.date,
        contact: None,
        salary: None,
        notes: String::new(),
        status: a.status,
        history: Vec::new(),
        follow_up: a.follow_up,
        created_at: a.created_at,
        updated_at: a.updated_at,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use koers_core::model::{fixtures, Actor, ApplicationStatus, AppointmentStatus};

    use super::*;

    use crate::testkit::Dice;

    fn id(dice: &mut Dice, prefix: &str, of: u64) -> String {
        format!("{prefix}{}", dice.below(of))
    }

    /// One random edit of `doc` around `now`: an application, appointment or action added,
    /// changed or removed, or the target changed. Gives the record it touched.
    fn edit(dice: &mut Dice, doc: &mut DossierDocument, now: Timestamp) -> RecordRef {
        match dice.below(6) {
            0..=2 => {
                let id = id(dice, "s", 60);
                if dice.below(8) == 0 {
                    doc.applications.remove(&id);
                } else {
                    let day = dice.days_from(now, -40, 5);
                    let mut a = fixtures::application(&id, day, dice.pick(ApplicationStatus::ALL));
                    // Many overdue follow-ups, so the oldest changes hands often.
                    a.follow_up = (dice.below(3) > 0).then(|| dice.days_from(now, -20, 10));
                    doc.applications.insert(id.clone(), a);
                }
                RecordRef::Application(id)
            }
            3 => {
                let id = id(dice, "m", 20);
                if dice.below(6) == 0 {
                    doc.appointments.remove(&id);
                } else {
                    let hours = dice.below(24 * 6) as i64 - 24 * 3;
                    let starts = Timestamp::from_millis(now.millis() + hours * 3_600_000).unwrap();
                    let ends = Timestamp::from_millis(starts.millis() + 3_600_000).unwrap();
                    let mut a = fixtures::appointment(&id, starts, ends);
                    a.status = dice.pick(AppointmentStatus::ALL);
                    doc.appointments.insert(id.clone(), a);
                }
                RecordRef::Appointment(id)
            }
            4 => {
                let id = id(dice, "a", 20);
                let mut a = fixtures::action(&id, "Bellen", dice.pick(Actor::ALL));
                a.done = dice.below(2) == 0;
                doc.actions.insert(id.clone(), a);
                RecordRef::Action(id)
            }
            _ => {
                doc.trajectory.weekly_target = dice.below(5) as u32;
                RecordRef::Trajectory
            }
        }
    }

    /// Kept inputs brought up by the touched records alone are the inputs computed whole,
    /// over random edits while time passes (within a day, and across days and back).
    #[test]
    fn kept_inputs_updated_record_by_record_are_the_inputs_computed_whole() {
        let (mut updated, mut recomputed, mut oldest_changed) = (0, 0, 0);
        for seed in 1..80u64 {
            let mut dice = Dice(seed * 0x9e37_79b9);
            let mut now = Timestamp::from_millis(1_796_000_000_000).unwrap();
            let mut doc = DossierDocument::default();
            for _ in 0..60 {
                edit(&mut dice, &mut doc, now);
            }
            let mut kept = Kept::of(&doc, now);
            for _ in 0..40 {
                let before = kept.inputs.clone();
                let mut touched = BTreeSet::new();
                for _ in 0..=dice.below(3) {
                    touched.insert(edit(&mut dice, &mut doc, now));
                }
                let minutes = match dice.below(10) {
                    0 => 60 * 24 + dice.below(60 * 48) as i64,
                    1 => -(dice.below(30) as i64),
                    _ => dice.below(90) as i64,
                };
                now = Timestamp::from_millis(now.millis() + minutes * 60_000).unwrap();
                if kept.update(&doc, now, &Touched::Records(touched)) {
                    updated += 1;
                } else {
                    kept = Kept::of(&doc, now);
                    recomputed += 1;
                }
                assert_eq!(kept.inputs, inputs_of(&doc, now), "seed {seed}");
                let oldest = |i: &Inputs| {
                    i.dossier
                        .applications
                        .values()
                        .filter(|a| a.follow_up.is_some_and(|f| f < kept.window.since_day))
                        .filter(|a| !a.status.is_closed())
                        .map(FollowUpOrder::of)
                        .min()
                };
                oldest_changed += usize::from(oldest(&before) != oldest(&kept.inputs));
            }
        }
        assert!(updated > 2_000, "most summaries were brought up: {updated}");
        assert!(
            recomputed > 300,
            "a new day or a clock going back recomputes: {recomputed}"
        );
        assert!(
            oldest_changed > 100,
            "the oldest follow-up changed: {oldest_changed}"
        );
    }

    /// Everything touched, or no kept inputs, computes them whole; the summary is the same.
    #[test]
    fn a_summary_from_kept_inputs_is_the_summary_computed_whole() {
        let mut dice = Dice(7);
        let now = Timestamp::from_millis(1_796_000_000_000).unwrap();
        let mut doc = DossierDocument::default();
        for _ in 0..80 {
            edit(&mut dice, &mut doc, now);
        }
        let (first, kept) = of_kept(&doc, now, None, &Touched::Everything).unwrap();
        assert_eq!(first, of(&doc, now).unwrap());
        let touched = edit(&mut dice, &mut doc, now);
        let later = Timestamp::from_millis(now.millis() + 60_000).unwrap();
        let (incremental, kept) =
            of_kept(&doc, later, Some(kept), &Touched::Records([touched].into())).unwrap();
        assert_eq!(incremental, of(&doc, later).unwrap());
        doc.applications.clear();
        let (whole, _) = of_kept(&doc, later, Some(kept), &Touched::Everything).unwrap();
        assert_eq!(whole, of(&doc, later).unwrap());
    }
}
