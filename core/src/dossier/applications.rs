//! The application log: quick logging, editing, status changes with history, lists.

use crate::error::{KoersError, Result};
use crate::input;
use crate::model::{
    new_id, Application, ApplicationStatus, Comment, LocalDate, Source, StatusChange, Timestamp,
};
use crate::store::{ApplicationQuery, Projection};

use super::{Dossier, Edit};

/// A new application. Only employer and role are needed; the rest can come later.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NewApplication {
    pub employer: String,
    pub role: String,
    pub source: Option<Source>,
    pub vacancy_url: Option<String>,
    pub location: Option<String>,
    /// Defaults to today.
    pub date: Option<LocalDate>,
    pub contact: Option<String>,
    pub salary: Option<String>,
    pub notes: Option<String>,
    /// Defaults to `applied`.
    pub status: Option<ApplicationStatus>,
    pub follow_up: Option<LocalDate>,
}

/// Changes to an application's content. `None` leaves a field as it is; for optional fields
/// `Some(None)` clears it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ApplicationPatch {
    pub employer: Option<String>,
    pub role: Option<String>,
    pub source: Option<Option<Source>>,
    pub vacancy_url: Option<Option<String>>,
    pub location: Option<Option<String>>,
    pub date: Option<LocalDate>,
    pub contact: Option<Option<String>>,
    pub salary: Option<Option<String>>,
    pub notes: Option<String>,
    pub follow_up: Option<Option<LocalDate>>,
}

fn clean_opt_line(field: &str, v: Option<String>) -> Result<Option<String>> {
    input::optional_line(field, v.as_deref())
}

impl Dossier {
    /// Logs an application and returns it.
    pub fn log_application(&mut self, new: NewApplication) -> Result<Application> {
        let employer = input::required_line("employer", &new.employer)?;
        let role = input::required_line("role", &new.role)?;
        self.log_checked(employer, role, new)
    }

    pub(crate) fn log_checked(
        &mut self,
        employer: String,
        role: String,
        new: NewApplication,
    ) -> Result<Application> {
        let now = Timestamp::now();
        let status = new.status.unwrap_or(ApplicationStatus::Applied);
        let app = Application {
            id: new_id(),
            employer,
            role,
            source: new.source,
            vacancy_url: input::optional_url("vacancy_url", new.vacancy_url.as_deref())?,
            location: clean_opt_line("location", new.location)?,
            date: new.date.unwrap_or_else(|| now.local_date()),
            contact: clean_opt_line("contact", new.contact)?,
            salary: clean_opt_line("salary", new.salary)?,
            notes: input::text("notes", new.notes.as_deref().unwrap_or(""))?,
            status,
            history: vec![StatusChange {
                status,
                at: now,
                by: self.role,
            }],
            follow_up: new.follow_up,
            created_at: now,
            updated_at: now,
        };
        self.commit("log application", vec![Edit::PutApplication(app.clone())])?;
        Ok(app)
    }

    /// One application by id.
    pub fn application(&self, id: &str) -> Result<Application> {
        self.state
            .applications
            .get(id)
            .cloned()
            .ok_or_else(|| KoersError::not_found(format!("application {id}")))
    }

    /// Edits an application's content (not its status: see `set_status`).
    pub fn edit_application(&mut self, id: &str, patch: ApplicationPatch) -> Result<Application> {
        let mut app = self.application(id)?;
        if let Some(v) = patch.employer {
            app.employer = input::required_line("employer", &v)?;
        }
        if let Some(v) = patch.role {
            app.role = input::required_line("role", &v)?;
        }
        if let Some(v) = patch.source {
            app.source = v;
        }
        if let Some(v) = patch.vacancy_url {
            app.vacancy_url = input::optional_url("vacancy_url", v.as_deref())?;
        }
        if let Some(v) = patch.location {
            app.location = clean_opt_line("location", v)?;
        }
        if let Some(v) = patch.date {
            app.date = v;
        }
        if let Some(v) = patch.contact {
            app.contact = clean_opt_line("contact", v)?;
        }
        if let Some(v) = patch.salary {
            app.salary = clean_opt_line("salary", v)?;
        }
        if let Some(v) = patch.notes {
            app.notes = input::text("notes", &v)?;
        }
        if let Some(v) = patch.follow_up {
            app.follow_up = v;
        }
        let unchanged = self.state.applications.get(id) == Some(&app);
        if unchanged {
            return Ok(app);
        }
        app.updated_at = Timestamp::now();
        self.commit("edit application", vec![Edit::PutApplication(app.clone())])?;
        Ok(app)
    }

    /// Moves an application to `status`, adding a dated entry to its history. Setting the
    /// status it already has changes nothing.
    pub fn set_status(&mut self, id: &str, status: ApplicationStatus) -> Result<Application> {
        let mut app = self.application(id)?;
        if app.status == status {
            return Ok(app);
        }
        let now = Timestamp::now();
        app.status = status;
        app.history.push(StatusChange {
            status,
            at: now,
            by: self.role,
        });
        app.updated_at = now;
        self.commit("change status", vec![Edit::PutApplication(app.clone())])?;
        Ok(app)
    }

    /// Deletes an application from the log (and from the bureau's copy at the next sync).
    pub fn delete_application(&mut self, id: &str) -> Result<()> {
        self.application(id)?;
        self.commit(
            "delete application",
            vec![Edit::RemoveApplication(id.to_string())],
        )?;
        self.forget_vacancy_fetch(id)?;
        Ok(())
    }

    /// Applications matching `query`, newest first.
    pub fn list_applications(&self, query: &ApplicationQuery) -> Result<Vec<Application>> {
        let ids = Projection::application_ids(self.conn(), query)?;
        Ok(ids
            .iter()
            .filter_map(|id| self.state.applications.get(id).cloned())
            .collect())
    }

    /// Adds a comment to an application, as this device's role.
    pub fn comment_on_application(&mut self, id: &str, text: &str) -> Result<Comment> {
        self.application(id)?;
        let text = input::text("text", text)?;
        if text.trim().is_empty() {
            return Err(KoersError::invalid("text", "may not be empty"));
        }
        let comment = Comment {
            id: new_id(),
            application_id: Some(id.to_string()),
            author: self.role,
            author_name: String::new(),
            text,
            at: Timestamp::now(),
        };
        self.commit("comment", vec![Edit::PutComment(comment.clone())])?;
        Ok(comment)
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
