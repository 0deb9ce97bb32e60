//! Actions agreed with the coach: a small to-do list with due dates and owners. Every write
//! is an operation of `crate::ops`, run on the current state inside `commit_with`.

use crate::error::{KoersError, Result};
use crate::model::{Action, LocalDate, Timestamp};
use crate::ops::{self, ActionPatch};

use super::Dossier;

pub use crate::ops::NewAction;

impl Dossier {
    pub fn add_action(&mut self, new: NewAction) -> Result<Action> {
        let by = self.acting()?;
        self.commit_with("add action", |current| {
            ops::add_action(current, by, new, Timestamp::now()).map(ops::Done::into_parts)
        })
    }

    pub fn action(&self, id: &str) -> Result<Action> {
        self.state
            .actions
            .get(id)
            .cloned()
            .ok_or_else(|| KoersError::not_found(format!("actie {id}")))
    }

    /// Ticks an action off (or on again).
    pub fn set_action_done(&mut self, id: &str, done: bool) -> Result<Action> {
        let by = self.acting()?;
        self.commit_with("action done", |current| {
            ops::set_action_done(current, by, id, done, Timestamp::now()).map(ops::Done::into_parts)
        })
    }

    /// Changes an action's title or due date (`Some(None)` clears the due date).
    pub fn edit_action(
        &mut self,
        id: &str,
        title: Option<String>,
        due: Option<Option<LocalDate>>,
    ) -> Result<Action> {
        let by = self.acting()?;
        self.commit_with("edit action", |current| {
            ops::edit_action(current, by, id, ActionPatch { title, due }).map(ops::Done::into_parts)
        })
    }

    pub fn delete_action(&mut self, id: &str) -> Result<()> {
        let by = self.acting()?;
        self.commit_with("delete action", |current| {
            ops::delete_action(current, by, id).map(ops::Done::into_parts)
        })
    }

    /// Open actions first (by due date, undated last), then the done ones.
    pub fn list_actions(&self, open_only: bool) -> Result<Vec<Action>> {
        Ok(
            crate::query::actions_by_due(self.state.actions.values(), open_only)
                .into_iter()
                .cloned()
                .collect(),
        )
    }
}
