//! The operations layer: one function per thing a person can do to a dossier. Each takes the
//! current document, who acts, the input and the time, and returns the edits to store (with
//! the resulting record) or a refusal. The phone's `Dossier`, the coach's JSON API and the
//! coach's web view all write through here, so text limits, status transitions and who may
//! change what (`crate::rules`) are judged the same way everywhere.

mod actions;
mod applications;
mod appointments;
mod check;
mod comments;
mod trajectory;

pub use actions::{
    add_action, delete_action, edit_action, set_action_done, ActionPatch, NewAction,
};
pub use applications::{
    delete_application, edit_application, log_application, log_named, set_status, ApplicationPatch,
    NewApplication,
};
pub use appointments::{
    cancel_appointment, check_appointment_times, complete_appointment, confirm_appointment,
    propose_appointment, update_appointment, AppointmentPatch, NewAppointment,
    MAX_APPOINTMENT_HOURS,
};
pub use check::upgrade;
pub use comments::{comment, NewComment};
pub use trajectory::{close_trajectory, edit_trajectory, TrajectoryPatch, MAX_WEEKLY_TARGET};

use crate::edit::Edit;
use crate::model::Actor;

/// Who acts, and whether a bureau's rules bind them.
///
/// A phone that is not linked to a bureau has no coach: its employee keeps the whole dossier
/// (trajectory, appointments) themselves, so the role rules do not apply there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Acting {
    pub actor: Actor,
    /// Whether `crate::rules` judge the edits (always at the bureau and on a linked phone).
    pub under_rules: bool,
}

impl Acting {
    /// The coach, at the bureau.
    pub fn coach() -> Self {
        Self {
            actor: Actor::Coach,
            under_rules: true,
        }
    }

    /// The employee on a phone linked to a bureau.
    pub fn employee() -> Self {
        Self {
            actor: Actor::Employee,
            under_rules: true,
        }
    }

    /// The employee on a phone with no bureau: nobody else shares the dossier.
    pub fn employee_alone() -> Self {
        Self {
            actor: Actor::Employee,
            under_rules: false,
        }
    }
}

/// What an operation decided: the edits to store as one change, and the record as it will
/// be afterwards (or `()` for a deletion).
#[derive(Debug, Clone, PartialEq)]
pub struct Done<T> {
    pub edits: Vec<Edit>,
    pub record: T,
}

impl<T> Done<T> {
    /// Nothing to store: the record is already as asked.
    pub fn unchanged(record: T) -> Self {
        Self {
            edits: Vec::new(),
            record,
        }
    }

    /// The pair `Dossier::commit_with` expects.
    pub fn into_parts(self) -> (Vec<Edit>, T) {
        (self.edits, self.record)
    }
}

#[cfg(test)]
mod tests;
