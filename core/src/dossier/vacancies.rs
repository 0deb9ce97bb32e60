//! Logging from a vacancy link: store at once, fill in the details when a connection is there.

use rusqlite::params;

use crate::error::Result;
use crate::input;
use crate::model::{Application, Timestamp};
use crate::vacancy::{self, VacancyDetails};

use super::{ApplicationPatch, Dossier, NewApplication};
use crate::ops;

/// Give up fetching a page after this many failed tries.
const MAX_FETCH_ATTEMPTS: i64 = 5;

/// What enriching pending vacancy links did.
#[derive(Debug, Clone, Default, PartialEq, Eq, uniffi::Record, serde::Serialize)]
pub struct EnrichReport {
    /// Applications whose empty fields were filled from the page.
    pub filled: u32,
    /// Pages that could not be read this time (will be tried again).
    pub failed: u32,
    /// Links still waiting.
    pub pending: u32,
}

impl Dossier {
    /// Logs an application from a shared vacancy link. Offline it keeps just the link (and
    /// whatever the employee typed); `enrich_vacancies` fills in the rest later.
    pub fn log_from_link(
        &mut self,
        url: &str,
        employer: Option<String>,
        role: Option<String>,
    ) -> Result<Application> {
        let url = input::url("vacancy_url", url)?;
        let employer = input::optional_line("employer", employer.as_deref())?.unwrap_or_default();
        let role = input::optional_line("role", role.as_deref())?.unwrap_or_default();
        let new = NewApplication {
            vacancy_url: Some(url.clone()),
            ..Default::default()
        };
        let app = self.log_checked(employer, role, new)?;
        let id = app.id.clone();
        self.write_local(|tx| {
            tx.execute(
                "INSERT OR REPLACE INTO pending_vacancy_fetches (application_id, url) VALUES (?1, ?2)",
                params![id, url],
            )?;
            Ok(())
        })?;
        Ok(app)
    }

    /// Vacancy links that still wait for their page to be read: (application id, url).
    pub fn pending_vacancy_links(&self) -> Result<Vec<(String, String)>> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT application_id, url FROM pending_vacancy_fetches ORDER BY rowid",
        )?;
        let rows = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// Fetches every pending vacancy page and fills the fields the employee left empty;
    /// never overwrites what they typed.
    pub fn enrich_vacancies(&mut self) -> Result<EnrichReport> {
        self.enrich_vacancies_with(vacancy::fetch_vacancy)
    }

    /// As `enrich_vacancies`, with the page reader given (tests use a local server).
    pub fn enrich_vacancies_with(
        &mut self,
        fetch: impl Fn(&str) -> Result<VacancyDetails>,
    ) -> Result<EnrichReport> {
        let mut report = EnrichReport::default();
        for (id, url) in self.pending_vacancy_links()? {
            match fetch(&url) {
                Ok(details) => {
                    if self.fill_from_vacancy(&id, details)? {
                        report.filled += 1;
                    }
                    self.forget_vacancy_fetch(&id)?;
                }
                Err(e) if e.is_input_error() => {
                    // A link that can never be read: stop trying.
                    self.forget_vacancy_fetch(&id)?;
                    report.failed += 1;
                }
                Err(e) => {
                    report.failed += 1;
                    let message = e.to_string();
                    self.write_local(|tx| {
                        tx.execute(
                            "UPDATE pending_vacancy_fetches SET attempts = attempts + 1, last_error = ?2
                             WHERE application_id = ?1",
                            params![id, message],
                        )?;
                        tx.execute(
                            "DELETE FROM pending_vacancy_fetches WHERE attempts >= ?1",
                            [MAX_FETCH_ATTEMPTS],
                        )?;
                        Ok(())
                    })?;
                }
            }
        }
        report.pending = self.pending_vacancy_links()?.len() as u32;
        Ok(report)
    }

    /// Fills the fields the employee left empty, as an edit of the application as it is
    /// now (`ops::edit_application`); false when nothing was left to fill or it was deleted.
    fn fill_from_vacancy(&mut self, id: &str, details: VacancyDetails) -> Result<bool> {
        let by = self.acting()?;
        self.commit_with("fill from vacancy page", |current| {
            let Some(app) = current.applications.get(id) else {
                return Ok((Vec::new(), false)); // deleted in the meantime
            };
            let line = |v: Option<String>| {
                v.and_then(|v| input::optional_line("x", Some(&v)).ok().flatten())
            };
            let patch = ApplicationPatch {
                employer: line(details.employer).filter(|_| app.employer.trim().is_empty()),
                role: line(details.role).filter(|_| app.role.trim().is_empty()),
                location: line(details.location)
                    .filter(|_| app.location.is_none())
                    .map(Some),
                salary: line(details.salary)
                    .filter(|_| app.salary.is_none())
                    .map(Some),
                ..Default::default()
            };
            if patch == ApplicationPatch::default() {
                return Ok((Vec::new(), false));
            }
            let done = ops::edit_application(current, by, id, patch, Timestamp::now())?;
            let filled = !done.edits.is_empty();
            Ok((done.edits, filled))
        })
    }

    pub(crate) fn forget_vacancy_fetch(&mut self, id: &str) -> Result<()> {
        self.write_local(|tx| {
            tx.execute(
                "DELETE FROM pending_vacancy_fetches WHERE application_id = ?1",
                [id],
            )?;
            Ok(())
        })
    }
}
