//! Actions agreed with the coach: add, edit, tick off (or undo), delete.

use super::check::finish;
use super::{Acting, Done};
use crate::edit::Edit;
use crate::error::{KoersError, Result};
use crate::input;
use crate::model::{new_id, Action, Actor, DossierDocument, LocalDate, Timestamp};

#[derive(Debug, Clone, PartialEq)]
pub struct NewAction {
    pub title: String,
    pub due: Option<LocalDate>,
    /// Defaults to the employee.
    pub owner: Option<Actor>,
    pub appointment_id: Option<String>,
}

/// Changes to an action: `None` leaves a field; `due: Some(None)` clears the due date.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ActionPatch {
    pub title: Option<String>,
    pub due: Option<Option<LocalDate>>,
}

pub fn add_action(
    doc: &DossierDocument,
    by: Acting,
    new: NewAction,
    now: Timestamp,
) -> Result<Done<Action>> {
    let title = input::required_line("title", &new.title)?;
    if let Some(appointment) = &new.appointment_id {
        super::appointments::find(doc, appointment)?;
    }
    let action = Action {
        id: new_id(),
        appointment_id: new.appointment_id,
        title,
        due: new.due,
        owner: new.owner.unwrap_or(Actor::Employee),
        done: false,
        done_at: None,
        created_at: now,
    };
    finish(doc, by, vec![Edit::PutAction(action.clone())], action)
}

fn find<'a>(doc: &'a DossierDocument, id: &str) -> Result<&'a Action> {
    doc.actions
        .get(id)
        .ok_or_else(|| KoersError::not_found(format!("actie {id}")))
}

/// Ticks an action off (or on again).
pub fn set_action_done(
    doc: &DossierDocument,
    by: Acting,
    id: &str,
    done: bool,
    now: Timestamp,
) -> Result<Done<Action>> {
    let mut action = find(doc, id)?.clone();
    if action.done == done {
        return Ok(Done::unchanged(action));
    }
    action.done = done;
    action.done_at = done.then_some(now);
    finish(doc, by, vec![Edit::PutAction(action.clone())], action)
}

/// Changes an action's title or due date.
pub fn edit_action(
    doc: &DossierDocument,
    by: Acting,
    id: &str,
    patch: ActionPatch,
) -> Result<Done<Action>> {
    let current = find(doc, id)?;
    let mut action = current.clone();
    if let Some(t) = patch.title {
        action.title = input::required_line("title", &t)?;
    }
    if let Some(d) = patch.due {
        action.due = d;
    }
    if &action == current {
        return Ok(Done::unchanged(action));
    }
    finish(doc, by, vec![Edit::PutAction(action.clone())], action)
}

pub fn delete_action(doc: &DossierDocument, by: Acting, id: &str) -> Result<Done<()>> {
    find(doc, id)?;
    finish(doc, by, vec![Edit::RemoveAction(id.to_string())], ())
}
