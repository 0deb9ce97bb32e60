//! Exports of the dossier for the re-integratieverslag (the report UWV reads): the
//! application log as CSV for a spreadsheet, a printable HTML page, and the coach
//! appointments as an iCalendar file for the phone's or the desktop's calendar.

mod csv;
mod html;
mod ics;

pub use self::csv::applications_csv;
pub use self::html::applications_html;
pub use self::ics::appointments_ics;

use crate::model::{Application, LocalDate, StatusChange};

/// One status change as a short, readable phrase; "(coach)" marks a change the coach made,
/// the employee's own changes are the normal case and stay unmarked.
fn status_change_text(c: &StatusChange, date: impl Fn(LocalDate) -> String) -> String {
    let by = match c.by {
        crate::model::Actor::Coach => " (coach)",
        crate::model::Actor::Employee => "",
    };
    format!("{} {}{}", date(c.at.local_date()), c.status.label_nl(), by)
}

/// Applications in the order a log is read: by date, then by the moment they were logged.
fn chronological<'a>(apps: impl IntoIterator<Item = &'a Application>) -> Vec<&'a Application> {
    let mut v: Vec<&Application> = apps.into_iter().collect();
    v.sort_by_key(|a| (a.date, a.created_at));
    v
}

#[cfg(test)]
pub(crate) mod fixtures {
    //! Small builders shared by the export tests.

    use crate::model::*;

    pub use crate::model::fixtures::{day, ts};

    pub fn app(id: &str, date: &str, employer: &str, role: &str) -> Application {
        Application {
            employer: employer.into(),
            role: role.into(),
            source: Some(Source::VacancySite),
            ..fixtures::application(id, day(date), ApplicationStatus::Applied)
        }
    }
}
