//! The application log: quick logging, editing, status changes with history, lists. Every
//! write is an operation of `crate::ops`, run on the current state inside `commit_with`.

use crate::error::{KoersError, Result};
use crate::model::{Actor, Application, ApplicationStatus, Comment, Timestamp};
use crate::ops::{self, Acting};
use crate::query::ApplicationQuery;

use super::Dossier;

pub use crate::ops::{ApplicationPatch, NewApplication};

impl Dossier {
    /// Who this device acts as for `crate::ops`: the employee, bound by the bureau's rules
    /// once the phone is linked to one.
    pub(crate) fn acting(&self) -> Result<Acting> {
        Ok(match self.role {
            Actor::Coach => Acting::coach(),
            Actor::Employee if self.is_enrolled()? => Acting::employee(),
            Actor::Employee => Acting::employee_alone(),
        })
    }

    /// Acts as `role` from now on: lets tests run the coach's operations through the
    /// phone's write path (the phone itself is always the employee).
    #[cfg(any(test, feature = "fixtures"))]
    pub fn act_as(&mut self, role: Actor) {
        self.role = role;
    }

    /// Logs an application and returns it.
    pub fn log_application(&mut self, new: NewApplication) -> Result<Application> {
        let by = self.acting()?;
        self.commit_with("log application", |current| {
            ops::log_application(current, by, new, Timestamp::now()).map(ops::Done::into_parts)
        })
    }

    /// Logs an application whose employer and role were checked already (or are left
    /// empty on purpose: a vacancy link read later).
    pub(crate) fn log_checked(
        &mut self,
        employer: String,
        role: String,
        new: NewApplication,
    ) -> Result<Application> {
        let by = self.acting()?;
        self.commit_with("log application", |current| {
            ops::log_named(current, by, employer, role, new, Timestamp::now())
                .map(ops::Done::into_parts)
        })
    }

    /// One application by id.
    pub fn application(&self, id: &str) -> Result<Application> {
        self.state
            .applications
            .get(id)
            .cloned()
            .ok_or_else(|| KoersError::not_found(format!("sollicitatie {id}")))
    }

    /// Edits an application's content (not its status: see `set_status`).
    pub fn edit_application(&mut self, id: &str, patch: ApplicationPatch) -> Result<Application> {
        let by = self.acting()?;
        self.commit_with("edit application", |current| {
            ops::edit_application(current, by, id, patch, Timestamp::now())
                .map(ops::Done::into_parts)
        })
    }

    /// Moves an application to `status`, adding a dated entry to its history. Setting the
    /// status it already has changes nothing.
    pub fn set_status(&mut self, id: &str, status: ApplicationStatus) -> Result<Application> {
        let by = self.acting()?;
        self.commit_with("change status", |current| {
            ops::set_status(current, by, id, status, Timestamp::now()).map(ops::Done::into_parts)
        })
    }

    /// Deletes an application and the comments on it from the log (and from the bureau's
    /// copy at the next sync).
    pub fn delete_application(&mut self, id: &str) -> Result<()> {
        let by = self.acting()?;
        self.commit_with("delete application", |current| {
            ops::delete_application(current, by, id).map(ops::Done::into_parts)
        })?;
        self.forget_vacancy_fetch(id)?;
        Ok(())
    }

    /// Applications matching `query`, newest first.
    pub fn list_applications(&self, query: &ApplicationQuery) -> Result<Vec<Application>> {
        Ok(query
            .select(self.state.applications.values())
            .into_iter()
            .cloned()
            .collect())
    }

    /// Adds a comment to an application, as this device's role.
    pub fn comment_on_application(&mut self, id: &str, text: &str) -> Result<Comment> {
        self.comment(Some(id), text)
    }

    /// Adds a comment on an application, or a general note (`application_id` `None`).
    pub fn comment(&mut self, application_id: Option<&str>, text: &str) -> Result<Comment> {
        let by = self.acting()?;
        let new = ops::NewComment {
            application_id: application_id.map(str::to_string),
            text: text.to_string(),
            author_name: String::new(),
        };
        self.commit_with("comment", |current| {
            ops::comment(current, by, new, Timestamp::now()).map(ops::Done::into_parts)
        })
    }

    /// The general notes (comments not about one application: the coach's remarks on the
    /// trajectory, and the employee's own), newest first.
    pub fn general_notes(&self) -> Vec<Comment> {
        crate::overview::general_notes(&self.state)
            .into_iter()
            .cloned()
            .collect()
    }

    /// Comments on one application, oldest first.
    pub fn comments_on(&self, application_id: &str) -> Vec<Comment> {
        let mut list: Vec<Comment> = self
            .state
            .comments
            .values()
            .filter(|c| c.application_id.as_deref() == Some(application_id))
            .cloned()
            .collect();
        list.sort_by(|a, b| a.at.cmp(&b.at).then_with(|| a.id.cmp(&b.id)));
        list
    }
}
