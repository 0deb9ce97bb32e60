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

use koers_core::model::{Application, DossierDocument, LocalDate, Timestamp};
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
    let inputs = serde_json::to_string(&inputs_of(doc, now)).map_err(|e| BureauError::Storage {
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
    let since = now.millis() - CLOCK_SLACK_MS;
    let since_day = Timestamp::from_millis(since).map_or(now.local_date(), |t| t.local_date());
    let back = 7 * u64::from(WEEKS_JUDGED.saturating_sub(1));
    let first_monday = week_start(since_day)
        .0
        .checked_sub_days(chrono::Days::new(back))
        .map_or(since_day, LocalDate);
    let follows_up = |a: &Application| !a.status.is_closed() && a.follow_up.is_some();
    let overdue = |a: &Application| follows_up(a) && a.follow_up.is_some_and(|f| f < since_day);
    // The one the next step would name: first in the core's order of follow-ups.
    let oldest_overdue = doc
        .applications
        .values()
        .filter(|a| overdue(a))
        .min_by(|a, b| (a.follow_up, a.date, &a.id).cmp(&(b.follow_up, b.date, &b.id)))
        .map(|a| a.id.clone());
    let mut left_out = 0;
    let applications = doc
        .applications
        .iter()
        .filter(|(id, a)| {
            let counted = a.status.counts_as_applied() && a.date >= first_monday;
            let kept = counted
                || (follows_up(a) && !overdue(a))
                || oldest_overdue.as_deref() == Some(id.as_str());
            left_out += usize::from(!kept && overdue(a));
            kept
        })
        .map(|(id, a)| (id.clone(), caseload_fields(a)))
        .collect();
    Inputs {
        dossier: DossierDocument {
            schema: doc.schema,
            trajectory: doc.trajectory.clone(),
            applications,
            appointments: doc
                .appointments
                .iter()
                .filter(|(_, a)| a.status.is_active() && a.ends_at.millis() > since)
                .map(|(id, a)| (id.clone(), a.clone()))
                .collect(),
            actions: doc
                .actions
                .iter()
                .filter(|(_, a)| !a.done)
                .map(|(id, a)| (id.clone(), a.clone()))
                .collect(),
            comments: Default::default(),
        },
        overdue_follow_ups_left_out: left_out,
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
