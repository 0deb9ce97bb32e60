//! Fully filled model values for tests and examples, so that a test spells out only the
//! fields it is about (`Application { role: …, ..fixtures::application(…) }`).
//! Compiled for the core's tests and with the `fixtures` feature, never in a release build.

use chrono::NaiveDate;

use super::{
    Action, Actor, Application, ApplicationStatus, Appointment, AppointmentKind, AppointmentStatus,
    LocalDate, StatusChange, Timestamp,
};

/// A day from `YYYY-MM-DD`; panics on anything else, as a test should.
pub fn day(s: &str) -> LocalDate {
    s.parse()
        .unwrap_or_else(|e| panic!("fixture day {s:?}: {e}"))
}

/// An instant from RFC 3339; panics on anything else, as a test should.
pub fn ts(s: &str) -> Timestamp {
    s.parse()
        .unwrap_or_else(|e| panic!("fixture instant {s:?}: {e}"))
}

/// An application at Acme as a planner, logged by the employee at 10:00 UTC on `date` with
/// `status`, its one history entry saying so; no source, notes or follow-up.
pub fn application(id: &str, date: LocalDate, status: ApplicationStatus) -> Application {
    let at = morning(date);
    Application {
        id: id.into(),
        employer: "Acme".into(),
        role: "Planner".into(),
        source: None,
        vacancy_url: None,
        location: None,
        date,
        contact: None,
        salary: None,
        notes: String::new(),
        status,
        history: vec![StatusChange {
            status,
            at,
            by: Actor::Employee,
        }],
        follow_up: None,
        created_at: at,
        updated_at: at,
    }
}

/// A coaching appointment in Utrecht proposed by the coach, made at its start; no agenda or
/// notes.
pub fn appointment(id: &str, starts_at: Timestamp, ends_at: Timestamp) -> Appointment {
    Appointment {
        id: id.into(),
        starts_at,
        ends_at,
        kind: AppointmentKind::Coaching,
        location: "Utrecht".into(),
        agenda: String::new(),
        status: AppointmentStatus::Proposed,
        proposed_by: Actor::Coach,
        notes: String::new(),
        created_at: starts_at,
        updated_at: starts_at,
    }
}

/// An open action of `owner`'s without a due day or appointment, made at 10:00 UTC on
/// 1 March 2026.
pub fn action(id: &str, title: &str, owner: Actor) -> Action {
    Action {
        id: id.into(),
        appointment_id: None,
        title: title.into(),
        due: None,
        owner,
        done: false,
        done_at: None,
        created_at: morning(ACTIONS_MADE_ON),
    }
}

/// The day every fixture action is made on: 1 March 2026.
const ACTIONS_MADE_ON: LocalDate = match NaiveDate::from_ymd_opt(2026, 3, 1) {
    Some(d) => LocalDate(d),
    None => LocalDate(NaiveDate::MIN),
};

/// 10:00 UTC on `date`: a fixed moment, so that tests compare equal from run to run.
fn morning(date: LocalDate) -> Timestamp {
    let at = date.0.and_hms_opt(10, 0, 0).unwrap_or_default().and_utc();
    Timestamp(at)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_fixed_and_consistent() {
        let a = application("a", day("2026-03-02"), ApplicationStatus::Interview);
        assert_eq!(a.created_at, ts("2026-03-02T10:00:00Z"));
        assert_eq!(a.history[0].status, ApplicationStatus::Interview);
        assert_eq!(
            a,
            application("a", day("2026-03-02"), ApplicationStatus::Interview)
        );
        let (start, end) = (ts("2026-03-10T09:00:00Z"), ts("2026-03-10T10:00:00Z"));
        let appt = appointment("x", start, end);
        assert_eq!(
            (appt.starts_at, appt.ends_at, appt.created_at),
            (start, end, start)
        );
        let act = action("y", "Cv bijwerken", Actor::Employee);
        assert_eq!(act.created_at, ts("2026-03-01T10:00:00Z"));
    }
}
