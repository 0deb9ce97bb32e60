//! Applications: log, edit, change status (with a dated history), delete.

use super::check::finish;
use super::{Acting, Done};
use crate::edit::Edit;
use crate::error::{KoersError, Result};
use crate::input;
use crate::model::{
    new_id, Application, ApplicationStatus, DossierDocument, LocalDate, Source, StatusChange,
    Timestamp,
};

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

fn opt_line(field: &str, v: Option<String>) -> Result<Option<String>> {
    input::optional_line(field, v.as_deref())
}

/// Logs an application; employer and role are required.
pub fn log_application(
    doc: &DossierDocument,
    by: Acting,
    new: NewApplication,
    now: Timestamp,
) -> Result<Done<Application>> {
    let employer = input::required_line("employer", &new.employer)?;
    let role = input::required_line("role", &new.role)?;
    log_named(doc, by, employer, role, new, now)
}

/// As [`log_application`], with employer and role already checked (or left empty on
/// purpose, for an application logged from a vacancy link that is read later).
pub fn log_named(
    doc: &DossierDocument,
    by: Acting,
    employer: String,
    role: String,
    new: NewApplication,
    now: Timestamp,
) -> Result<Done<Application>> {
    let status = new.status.unwrap_or(ApplicationStatus::Applied);
    let app = Application {
        id: new_id(),
        employer,
        role,
        source: new.source,
        vacancy_url: input::optional_url("vacancy_url", new.vacancy_url.as_deref())?,
        location: opt_line("location", new.location)?,
        date: new.date.unwrap_or_else(|| now.local_date()),
        contact: opt_line("contact", new.contact)?,
        salary: opt_line("salary", new.salary)?,
        notes: input::text("notes", new.notes.as_deref().unwrap_or(""))?,
        status,
        history: vec![StatusChange {
            status,
            at: now,
            by: by.actor,
        }],
        follow_up: new.follow_up,
        created_at: now,
        updated_at: now,
    };
    finish(doc, by, vec![Edit::PutApplication(app.clone())], app)
}

pub(crate) fn find<'a>(doc: &'a DossierDocument, id: &str) -> Result<&'a Application> {
    doc.applications
        .get(id)
        .ok_or_else(|| KoersError::not_found(format!("sollicitatie {id}")))
}

/// Edits an application's content (not its status: see [`set_status`]).
pub fn edit_application(
    doc: &DossierDocument,
    by: Acting,
    id: &str,
    patch: ApplicationPatch,
    now: Timestamp,
) -> Result<Done<Application>> {
    let current = find(doc, id)?;
    let mut app = current.clone();
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
        app.location = opt_line("location", v)?;
    }
    if let Some(v) = patch.date {
        app.date = v;
    }
    if let Some(v) = patch.contact {
        app.contact = opt_line("contact", v)?;
    }
    if let Some(v) = patch.salary {
        app.salary = opt_line("salary", v)?;
    }
    if let Some(v) = patch.notes {
        app.notes = input::text("notes", &v)?;
    }
    if let Some(v) = patch.follow_up {
        app.follow_up = v;
    }
    if &app == current {
        return Ok(Done::unchanged(app));
    }
    app.updated_at = now;
    finish(doc, by, vec![Edit::PutApplication(app.clone())], app)
}

/// Moves an application to `status`, adding a dated entry to its history; the current
/// status is then the history's newest entry (`Application::settle`). Setting the status it
/// already has changes nothing.
pub fn set_status(
    doc: &DossierDocument,
    by: Acting,
    id: &str,
    status: ApplicationStatus,
    now: Timestamp,
) -> Result<Done<Application>> {
    let mut app = find(doc, id)?.clone();
    if app.status == status {
        return Ok(Done::unchanged(app));
    }
    // Always after the newest entry: a clock that runs behind must not bury the change.
    let at = match app.history.iter().map(|c| c.at).max() {
        Some(last) if last >= now => Timestamp(last.0 + chrono::Duration::milliseconds(1)),
        _ => now,
    };
    app.history.push(StatusChange {
        status,
        at,
        by: by.actor,
    });
    app.settle();
    app.updated_at = now;
    finish(doc, by, vec![Edit::PutApplication(app.clone())], app)
}

/// Deletes an application. Its comments go with it (whoever wrote them): they are about a
/// record that no longer exists, and no device could show them any more.
pub fn delete_application(doc: &DossierDocument, by: Acting, id: &str) -> Result<Done<()>> {
    find(doc, id)?;
    finish(doc, by, vec![Edit::RemoveApplication(id.to_string())], ())
}
