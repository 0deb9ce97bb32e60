//! Actions agreed with the coach: a small to-do list with due dates and owners.

use crate::error::{KoersError, Result};
use crate::input;
use crate::model::{new_id, Action, Actor, LocalDate, Timestamp};
use crate::store::Projection;

use super::{Dossier, Edit};

#[derive(Debug, Clone, PartialEq)]
pub struct NewAction {
    pub title: String,
    pub due: Option<LocalDate>,
    /// Defaults to the employee.
    pub owner: Option<Actor>,
    pub appointment_id: Option<String>,
}

impl Dossier {
    pub fn add_action(&mut self, new: NewAction) -> Result<Action> {
        let title = input::required_line("title", &new.title)?;
        if let Some(appointment) = &new.appointment_id {
            self.appointment(appointment)?;
        }
        let action = Action {
            id: new_id(),
            appointment_id: new.appointment_id,
            title,
            due: new.due,
            owner: new.owner.unwrap_or(Actor::Employee),
            done: false,
            done_at: None,
            created_at: Timestamp::now(),
        };
        self.commit("add action", vec![Edit::PutAction(action.clone())])?;
        Ok(action)
    }

    pub fn action(&self, id: &str) -> Result<Action> {
        self.state
            .actions
            .get(id)
            .cloned()
            .ok_or_else(|| KoersError::not_found(format!("action {id}")))
    }

    /// Ticks an action off (or on again).
    pub fn set_action_done(&mut self, id: &str, done: bool) -> Result<Action> {
        let mut action = self.action(id)?;
        if action.done == done {
            return Ok(action);
        }
        action.done = done;
        action.done_at = done.then(Timestamp::now);
        self.commit("action done", vec![Edit::PutAction(action.clone())])?;
        Ok(action)
    }

    /// Changes an action's title or due date (`Some(None)` clears the due date).
    pub fn edit_action(
        &mut self,
        id: &str,
        title: Option<String>,
        due: Option<Option<LocalDate>>,
    ) -> Result<Action> {
        let mut action = self.action(id)?;
        if let Some(t) = title {
            action.title = input::required_line("title", &t)?;
        }
        if let Some(d) = due {
            action.due = d;
        }
        if self.state.actions.get(id) == Some(&action) {
            return Ok(action);
        }
        self.commit("edit action", vec![Edit::PutAction(action.clone())])?;
        Ok(action)
    }

    pub fn delete_action(&mut self, id: &str) -> Result<()> {
        self.action(id)?;
        self.commit("delete action", vec![Edit::RemoveAction(id.to_string())])
    }

    /// Open actions first (by due date, undated last), then the done ones.
    pub fn list_actions(&self, open_only: bool) -> Result<Vec<Action>> {
        let ids = Projection::action_ids(self.conn(), open_only)?;
        Ok(ids
            .iter()
            .filter_map(|id| self.state.actions.get(id).cloned())
            .collect())
    }
}
