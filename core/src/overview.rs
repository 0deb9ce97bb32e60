//! What the phone shows first (today's overview) and what it reminds the employee of
//! (follow-ups, appointments, milestones, actions), computed from the dossier and a moment.

use chrono::{DateTime, Datelike, NaiveTime, TimeDelta, TimeZone, Utc};
use chrono_tz::Europe::Amsterdam;
use serde::Serialize;

use crate::display::{date_long, time};
use crate::milestones::{milestones, next_milestone, Milestone, MilestoneState};
use crate::model::{
    Action, Actor, Application, Appointment, AppointmentStatus, Comment, DossierDocument,
    LocalDate, Timestamp,
};
use crate::progress::{applications_per_week, WeekCount};

/// The hour (Amsterdam time) at which something due on a day is due, for reminders about
/// days rather than moments: the start of a working day.
const DAY_REMINDER_HOUR: u32 = 9;

/// How many of the newest general notes the start screen shows.
pub const RECENT_NOTES: usize = 3;

/// How far ahead an appointment is reminded of.
const APPOINTMENT_LEAD: TimeDelta = TimeDelta::hours(24);

/// The phone's start screen.
#[derive(Debug, Clone, PartialEq, Serialize, uniffi::Record)]
pub struct TodayOverview {
    /// Today in Europe/Amsterdam.
    pub date: LocalDate,
    /// The first proposed or confirmed appointment that has not ended yet.
    pub next_appointment: Option<Appointment>,
    /// Open applications whose follow-up day is today or past, the longest waiting first.
    pub follow_ups_due: Vec<Application>,
    pub this_week: WeekCount,
    pub next_milestone: Option<Milestone>,
    /// Actions not done yet (the employee's and the coach's), by due day, those without one last.
    pub open_actions: Vec<Action>,
    /// The newest general notes (the coach's remarks not about one application, and the
    /// employee's own), newest first, at most [`RECENT_NOTES`]; all: [`general_notes`].
    pub recent_notes: Vec<Comment>,
    /// How many general notes there are in all.
    pub notes_total: u32,
}

/// Every general note of the dossier (a comment not about one application), newest first.
/// The phone, the CLI and the coach's view list them in this order.
pub fn general_notes(doc: &DossierDocument) -> Vec<&Comment> {
    let mut list: Vec<&Comment> = doc
        .comments
        .values()
        .filter(|c| c.application_id.is_none())
        .collect();
    list.sort_by(|a, b| b.at.cmp(&a.at).then_with(|| b.id.cmp(&a.id)));
    list
}

/// What a reminder is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, uniffi::Enum)]
#[serde(rename_all = "snake_case")]
pub enum ReminderKind {
    FollowUp,
    Appointment,
    Milestone,
    Action,
}

/// Something to notify the employee of.
#[derive(Debug, Clone, PartialEq, Serialize, uniffi::Record)]
pub struct Reminder {
    /// Stable while the thing is unchanged, and different once its date or time changes, so
    /// that a shell notifies once per id.
    pub id: String,
    pub kind: ReminderKind,
    /// The id of the application, appointment, milestone or action.
    pub target_id: String,
    /// Dutch.
    pub title: String,
    /// Dutch.
    pub body: String,
    /// When the thing is due: an appointment's start, otherwise 09:00 Amsterdam time on its
    /// day (the first day of a milestone's window).
    pub due_at: Timestamp,
}

/// The start screen as of `now`.
pub fn today_overview(doc: &DossierDocument, now: Timestamp) -> TodayOverview {
    let today = now.local_date();

    let next_appointment = doc
        .appointments
        .values()
        .filter(|a| a.status.is_active() && a.ends_at > now)
        .min_by(|a, b| (a.starts_at, &a.id).cmp(&(b.starts_at, &b.id)))
        .cloned();

    let this_week = applications_per_week(doc.applications.values(), today, today, &doc.trajectory)
        .into_iter()
        .next()
        .unwrap_or_else(|| empty_week(today, doc.trajectory.target_on(today)));

    let mut open_actions: Vec<Action> = doc.actions.values().filter(|a| !a.done).cloned().collect();
    // `None` sorts first in `Option`'s order; flip that so actions without a due day go last.
    open_actions.sort_by(|a, b| {
        (a.due.is_none(), a.due, a.created_at, &a.id).cmp(&(
            b.due.is_none(),
            b.due,
            b.created_at,
            &b.id,
        ))
    });

    let notes = general_notes(doc);
    TodayOverview {
        date: today,
        next_appointment,
        follow_ups_due: follow_ups_due(doc, today).into_iter().cloned().collect(),
        this_week,
        next_milestone: next_milestone(&milestones(&doc.trajectory, today)),
        open_actions,
        recent_notes: notes
            .iter()
            .take(RECENT_NOTES)
            .map(|c| (*c).clone())
            .collect(),
        notes_total: u32::try_from(notes.len()).unwrap_or(u32::MAX),
    }
}

/// The reminders due as of `now`, soonest first: follow-ups due today or overdue, active
/// appointments starting within 24 hours, milestones within two weeks (or a window under
/// way), and the employee's own actions due today or overdue.
pub fn due_reminders(doc: &DossierDocument, now: Timestamp) -> Vec<Reminder> {
    let today = now.local_date();
    let mut out = Vec::new();

    for app in follow_ups_due(doc, today) {
        let Some(follow_up) = app.follow_up else {
            continue;
        };
        let title = if app.role.trim().is_empty() {
            format!("Opvolgen: sollicitatie bij {}", app.employer)
        } else {
            format!("Opvolgen: sollicitatie bij {} ({})", app.employer, app.role)
        };
        let when = if follow_up == today {
            "vandaag".to_string()
        } else {
            format!("op {}", date_long(follow_up))
        };
        out.push(Reminder {
            id: format!("follow-up:{}:{}", app.id, follow_up),
            kind: ReminderKind::FollowUp,
            target_id: app.id.clone(),
            title,
            body: format!(
                "Je wilde {when} navragen hoe het ervoor staat. Gesolliciteerd op {}, status: {}.",
                date_long(app.date),
                app.status.label_nl().to_lowercase()
            ),
            due_at: morning_of(follow_up),
        });
    }

    let horizon = now.0 + APPOINTMENT_LEAD;
    for appt in doc.appointments.values() {
        if !appt.status.is_active() || appt.starts_at <= now || appt.starts_at.0 > horizon {
            continue;
        }
        let day = appt.starts_at.local_date();
        let when = if day == today {
            "Vandaag".to_string()
        } else if today.0.succ_opt() == Some(day.0) {
            "Morgen".to_string()
        } else {
            format!("Op {}", date_long(day))
        };
        let mut body = format!("{when} om {}", time(appt.starts_at));
        if !appt.location.trim().is_empty() {
            body.push_str(&format!(", {}", appt.location.trim()));
        }
        body.push('.');
        if appt.status == AppointmentStatus::Proposed {
            body.push_str(" Nog niet bevestigd.");
        }
        out.push(Reminder {
            id: format!("appointment:{}:{}", appt.id, appt.starts_at.millis()),
            kind: ReminderKind::Appointment,
            target_id: appt.id.clone(),
            title: format!("Afspraak: {}", appt.kind.label_nl()),
            body,
            due_at: appt.starts_at,
        });
    }

    for m in milestones(&doc.trajectory, today) {
        if m.state != MilestoneState::DueSoon {
            continue;
        }
        let when = match m.end_date {
            Some(end) if m.date <= today => format!("Tot en met {}.", date_long(end)),
            Some(end) => format!("Van {} tot en met {}.", date_long(m.date), date_long(end)),
            None if m.date == today => "Vandaag.".to_string(),
            None => format!("Op {}.", date_long(m.date)),
        };
        out.push(Reminder {
            // With the date: a changed first sick day or contract end notifies anew.
            id: format!("milestone:{}:{}", m.id, m.date),
            kind: ReminderKind::Milestone,
            target_id: m.id.clone(),
            title: m.title.clone(),
            body: format!("{when} {}", m.description),
            due_at: morning_of(m.date),
        });
    }

    for action in doc.actions.values() {
        let Some(due) = action.due else {
            continue;
        };
        if action.done || action.owner != Actor::Employee || due > today {
            continue;
        }
        let body = if due == today {
            "Afgesproken voor vandaag.".to_string()
        } else {
            format!("Afgesproken voor {}.", date_long(due))
        };
        out.push(Reminder {
            id: format!("action:{}:{}", action.id, due),
            kind: ReminderKind::Action,
            target_id: action.id.clone(),
            title: format!("Actie: {}", action.title),
            body,
            due_at: morning_of(due),
        });
    }

    out.sort_by(|a, b| (a.due_at, &a.id).cmp(&(b.due_at, &b.id)));
    out
}

/// A reminder and the moment to show it: now for what is due now, later for what becomes due
/// within the days asked for (a phone that schedules notifications ahead).
#[derive(Debug, Clone, PartialEq, Serialize, uniffi::Record)]
pub struct ScheduledReminder {
    pub reminder: Reminder,
    /// `now` for what is due already; otherwise the moment it becomes due: 09:00 Amsterdam
    /// time on its day, or 24 hours before an appointment.
    pub notify_at: Timestamp,
}

/// Most days ahead a phone may schedule reminders for.
pub const MAX_SCHEDULE_DAYS: u32 = 31;

/// The reminders due at `now` and those that become due in the next `days` days, each with
/// the first moment it is due, soonest first. Asks `due_reminders` at every moment something
/// can become due (each morning, each appointment's lead time), so the rules stay there.
pub fn upcoming_reminders(
    doc: &DossierDocument,
    now: Timestamp,
    days: u32,
) -> Vec<ScheduledReminder> {
    let days = days.min(MAX_SCHEDULE_DAYS);
    let today = now.local_date();
    let until = morning_of(LocalDate(today.0 + TimeDelta::days(i64::from(days))));
    let mut moments = vec![now];
    for d in 1..=i64::from(days) {
        moments.push(morning_of(LocalDate(today.0 + TimeDelta::days(d))));
    }
    for appt in doc.appointments.values() {
        let lead = Timestamp(appt.starts_at.0 - APPOINTMENT_LEAD);
        if appt.status.is_active() && lead > now && lead <= until {
            moments.push(lead);
        }
    }
    moments.sort();
    moments.dedup();
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    for at in moments {
        for reminder in due_reminders(doc, at) {
            if seen.insert(reminder.id.clone()) {
                out.push(ScheduledReminder {
                    reminder,
                    notify_at: at,
                });
            }
        }
    }
    out.sort_by(|a, b| (a.notify_at, &a.reminder.id).cmp(&(b.notify_at, &b.reminder.id)));
    out
}

/// Open applications whose follow-up day is `today` or earlier, the longest waiting first.
fn follow_ups_due(doc: &DossierDocument, today: LocalDate) -> Vec<&Application> {
    let mut due: Vec<&Application> = doc
        .applications
        .values()
        .filter(|a| !a.status.is_closed() && a.follow_up.is_some_and(|f| f <= today))
        .collect();
    due.sort_by_cached_key(|a| FollowUpOrder::of(a));
    due
}

/// An application's place among follow-ups: the longest waiting first (the follow-up day,
/// then the day of applying, then the id, so that the order is total). The phone's list
/// and reminders and the bureau's caseload (which keeps only the first overdue one) order by
/// it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FollowUpOrder {
    follow_up: Option<LocalDate>,
    date: LocalDate,
    id: String,
}

impl FollowUpOrder {
    pub fn of(a: &Application) -> Self {
        FollowUpOrder {
            follow_up: a.follow_up,
            date: a.date,
            id: a.id.clone(),
        }
    }

    /// The application's id.
    pub fn id(&self) -> &str {
        &self.id
    }
}

fn empty_week(today: LocalDate, target: u32) -> WeekCount {
    let monday = crate::progress::week_start(today);
    let iso = monday.0.iso_week();
    WeekCount {
        iso_year: iso.year(),
        iso_week: iso.week(),
        week_start: monday,
        applications: 0,
        target,
        met: false,
    }
}

/// 09:00 Amsterdam time on `date`. That hour always exists (DST changes at 02:00-03:00);
/// midnight UTC is only a fallback for the impossible.
fn morning_of(date: LocalDate) -> Timestamp {
    let time = NaiveTime::from_hms_opt(DAY_REMINDER_HOUR, 0, 0).unwrap_or(NaiveTime::MIN);
    let local = date.0.and_time(time);
    let at = Amsterdam
        .from_local_datetime(&local)
        .earliest()
        .map(|dt| dt.with_timezone(&Utc))
        .unwrap_or_else(|| {
            DateTime::from_naive_utc_and_offset(date.0.and_time(NaiveTime::MIN), Utc)
        });
    Timestamp(at)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::fixtures::{self, day as d, ts as t};
    use crate::model::{ApplicationStatus, Trajectory, TrajectoryKind};

    fn app(
        id: &str,
        date: &str,
        status: ApplicationStatus,
        follow_up: Option<&str>,
    ) -> Application {
        Application {
            role: "Magazijnmedewerker".into(),
            follow_up: follow_up.map(d),
            ..fixtures::application(id, d(date), status)
        }
    }

    fn appt(id: &str, starts: &str, ends: &str, status: AppointmentStatus) -> Appointment {
        Appointment {
            location: "Stationsplein 1, Utrecht".into(),
            status,
            ..fixtures::appointment(id, t(starts), t(ends))
        }
    }

    fn action(id: &str, title: &str, due: Option<&str>, owner: Actor, done: bool) -> Action {
        Action {
            due: due.map(d),
            done,
            ..fixtures::action(id, title, owner)
        }
    }

    fn dossier(
        trajectory: Trajectory,
        apps: Vec<Application>,
        appts: Vec<Appointment>,
        actions: Vec<Action>,
    ) -> DossierDocument {
        DossierDocument {
            schema: 1,
            trajectory,
            applications: apps.into_iter().map(|a| (a.id.clone(), a)).collect(),
            appointments: appts.into_iter().map(|a| (a.id.clone(), a)).collect(),
            actions: actions.into_iter().map(|a| (a.id.clone(), a)).collect(),
            ..Default::default()
        }
    }

    fn ids<T>(list: &[T], id: impl Fn(&T) -> &str) -> Vec<String> {
        list.iter().map(|x| id(x).to_string()).collect()
    }

    #[test]
    fn the_start_screen_shows_the_newest_general_notes_and_not_comments_on_applications() {
        let note = |id: &str, app: Option<&str>, at: &str| Comment {
            id: id.into(),
            application_id: app.map(str::to_string),
            author: Actor::Coach,
            author_name: "Marieke de Vries".into(),
            text: format!("notitie {id}"),
            at: t(at),
        };
        let mut doc = DossierDocument::default();
        for c in [
            note("n1", None, "2026-03-02T09:00:00Z"),
            note("n2", None, "2026-03-05T09:00:00Z"),
            note("k1", Some("a1"), "2026-03-06T09:00:00Z"),
            note("n3", None, "2026-03-04T09:00:00Z"),
            note("n4", None, "2026-03-03T09:00:00Z"),
        ] {
            doc.comments.insert(c.id.clone(), c);
        }
        let all = general_notes(&doc);
        assert_eq!(ids(&all, |c| &c.id), ["n2", "n3", "n4", "n1"]);
        let o = today_overview(&doc, t("2026-03-06T12:00:00Z"));
        assert_eq!(ids(&o.recent_notes, |c| &c.id), ["n2", "n3", "n4"]);
        assert_eq!(o.notes_total, 4);
        let empty = today_overview(&DossierDocument::default(), t("2026-03-06T12:00:00Z"));
        assert!(empty.recent_notes.is_empty() && empty.notes_total == 0);
    }

    #[test]
    fn the_date_is_the_amsterdam_day() {
        // 23:30 UTC on 1 March is 00:30 on 2 March in Amsterdam.
        let o = today_overview(&DossierDocument::default(), t("2026-03-01T23:30:00Z"));
        assert_eq!(o.date, d("2026-03-02"));
        assert_eq!(o.this_week.week_start, d("2026-03-02"));
        assert_eq!(o.next_appointment, None);
        assert_eq!(o.next_milestone, None);
        assert!(o.follow_ups_due.is_empty() && o.open_actions.is_empty());
    }

    #[test]
    fn next_appointment_is_the_first_active_one_not_yet_ended() {
        let now = t("2026-03-10T10:30:00Z");
        let doc = dossier(
            Trajectory::default(),
            vec![],
            vec![
                appt(
                    "ended",
                    "2026-03-10T08:00:00Z",
                    "2026-03-10T09:00:00Z",
                    AppointmentStatus::Confirmed,
                ),
                appt(
                    "cancelled",
                    "2026-03-10T11:00:00Z",
                    "2026-03-10T12:00:00Z",
                    AppointmentStatus::Cancelled,
                ),
                appt(
                    "later",
                    "2026-03-12T09:00:00Z",
                    "2026-03-12T10:00:00Z",
                    AppointmentStatus::Proposed,
                ),
                appt(
                    "running",
                    "2026-03-10T10:00:00Z",
                    "2026-03-10T11:00:00Z",
                    AppointmentStatus::Confirmed,
                ),
            ],
            vec![],
        );
        assert_eq!(
            today_overview(&doc, now).next_appointment.unwrap().id,
            "running"
        );
        let now = t("2026-03-10T11:00:00Z");
        assert_eq!(
            today_overview(&doc, now).next_appointment.unwrap().id,
            "later"
        );
    }

    #[test]
    fn follow_ups_due_are_open_and_oldest_first() {
        let doc = dossier(
            Trajectory::default(),
            vec![
                app(
                    "today",
                    "2026-03-01",
                    ApplicationStatus::Applied,
                    Some("2026-03-10"),
                ),
                app(
                    "overdue",
                    "2026-02-20",
                    ApplicationStatus::Interview,
                    Some("2026-03-05"),
                ),
                app(
                    "future",
                    "2026-03-01",
                    ApplicationStatus::Applied,
                    Some("2026-03-11"),
                ),
                app(
                    "closed",
                    "2026-02-01",
                    ApplicationStatus::Rejected,
                    Some("2026-03-01"),
                ),
                app("none", "2026-02-01", ApplicationStatus::Applied, None),
            ],
            vec![],
            vec![],
        );
        let o = today_overview(&doc, t("2026-03-10T08:00:00Z"));
        assert_eq!(ids(&o.follow_ups_due, |a| &a.id), ["overdue", "today"]);
    }

    #[test]
    fn follow_ups_of_one_day_go_by_the_day_applied_then_by_id() {
        let applied = ApplicationStatus::Applied;
        let mut apps = vec![
            app("b", "2026-03-01", applied, Some("2026-03-05")),
            app("d", "2026-01-01", applied, Some("2026-03-06")),
            app("a", "2026-03-01", applied, Some("2026-03-05")),
            app("c", "2026-02-01", applied, Some("2026-03-05")),
        ];
        apps.sort_by_key(FollowUpOrder::of);
        assert_eq!(ids(&apps, |a| &a.id), ["c", "a", "b", "d"]);
        assert_eq!(FollowUpOrder::of(&apps[0]).id(), "c");
    }

    #[test]
    fn open_actions_by_due_day_with_undated_last() {
        let doc = dossier(
            Trajectory::default(),
            vec![],
            vec![],
            vec![
                action("undated", "Cv bijwerken", None, Actor::Employee, false),
                action(
                    "late",
                    "Vacatures zoeken",
                    Some("2026-03-20"),
                    Actor::Coach,
                    false,
                ),
                action(
                    "early",
                    "LinkedIn-profiel",
                    Some("2026-03-05"),
                    Actor::Employee,
                    false,
                ),
                action("done", "Intake", Some("2026-03-01"), Actor::Employee, true),
            ],
        );
        let o = today_overview(&doc, t("2026-03-10T08:00:00Z"));
        assert_eq!(
            ids(&o.open_actions, |a| &a.id),
            ["early", "late", "undated"]
        );
    }

    #[test]
    fn overview_counts_this_week_and_finds_the_next_milestone() {
        let trajectory = Trajectory {
            kind: Some(TrajectoryKind::Spoor2),
            first_sick_day: Some(d("2026-01-05")),
            weekly_target: 2,
            ..Default::default()
        };
        let doc = dossier(
            trajectory,
            vec![
                app("a", "2026-03-09", ApplicationStatus::Applied, None),
                app("b", "2026-03-10", ApplicationStatus::Interest, None),
                app("c", "2026-03-02", ApplicationStatus::Applied, None),
            ],
            vec![],
            vec![],
        );
        let o = today_overview(&doc, t("2026-03-10T08:00:00Z"));
        assert_eq!((o.this_week.iso_week, o.this_week.applications), (11, 1));
        assert_eq!(o.this_week.target, 2);
        assert!(!o.this_week.met);
        // Week 8 was 2 March; the evaluation in week 14 (13 April) is next.
        assert_eq!(o.next_milestone.unwrap().id, "poortwachter-evaluation-14");
    }

    #[test]
    fn upcoming_reminders_come_at_the_moment_they_become_due() {
        let doc = dossier(
            Trajectory::default(),
            vec![
                app(
                    "now",
                    "2026-03-01",
                    ApplicationStatus::Applied,
                    Some("2026-03-09"),
                ),
                app(
                    "later",
                    "2026-03-02",
                    ApplicationStatus::Applied,
                    Some("2026-03-12"),
                ),
                app(
                    "far",
                    "2026-03-02",
                    ApplicationStatus::Applied,
                    Some("2026-04-30"),
                ),
            ],
            vec![appt(
                "a",
                "2026-03-11T13:00:00Z",
                "2026-03-11T14:00:00Z",
                AppointmentStatus::Confirmed,
            )],
            vec![],
        );
        let now = t("2026-03-10T07:00:00Z");
        let plan = upcoming_reminders(&doc, now, 7);
        let got: Vec<(&str, Timestamp)> = plan
            .iter()
            .map(|s| (s.reminder.target_id.as_str(), s.notify_at))
            .collect();
        assert_eq!(
            got,
            [
                ("now", now),
                // 24 hours before the appointment, not at a morning.
                ("a", t("2026-03-10T13:00:00Z")),
                // 09:00 Amsterdam time (CET) on the follow-up day.
                ("later", t("2026-03-12T08:00:00Z")),
            ]
        );
        // Without looking ahead: only what is due now, as `due_reminders` says.
        let now_only: Vec<String> = upcoming_reminders(&doc, now, 0)
            .into_iter()
            .map(|s| s.reminder.id)
            .collect();
        let due: Vec<String> = due_reminders(&doc, now).into_iter().map(|r| r.id).collect();
        assert_eq!(now_only, due);
    }

    #[test]
    fn follow_up_reminders() {
        let mut nameless = app(
            "b",
            "2026-02-20",
            ApplicationStatus::Interview,
            Some("2026-03-05"),
        );
        nameless.role = String::new();
        nameless.employer = "Bol".into();
        let doc = dossier(
            Trajectory::default(),
            vec![
                app(
                    "a",
                    "2026-03-01",
                    ApplicationStatus::Applied,
                    Some("2026-03-10"),
                ),
                nameless,
                app(
                    "future",
                    "2026-03-01",
                    ApplicationStatus::Applied,
                    Some("2026-03-11"),
                ),
                app(
                    "closed",
                    "2026-02-01",
                    ApplicationStatus::Hired,
                    Some("2026-03-01"),
                ),
            ],
            vec![],
            vec![],
        );
        let r = due_reminders(&doc, t("2026-03-10T08:00:00Z"));
        assert_eq!(
            ids(&r, |r| &r.id),
            ["follow-up:b:2026-03-05", "follow-up:a:2026-03-10"]
        );
        assert_eq!(r[0].title, "Opvolgen: sollicitatie bij Bol");
        assert_eq!(
            r[1].title,
            "Opvolgen: sollicitatie bij Acme (Magazijnmedewerker)"
        );
        assert_eq!(r[1].kind, ReminderKind::FollowUp);
        assert_eq!(r[1].target_id, "a");
        assert_eq!(
            r[1].body,
            "Je wilde vandaag navragen hoe het ervoor staat. Gesolliciteerd op 1 maart 2026, status: gesolliciteerd."
        );
        assert!(r[0].body.starts_with("Je wilde op 5 maart 2026 navragen"));
        // 09:00 in Amsterdam in winter is 08:00 UTC.
        assert_eq!(r[1].due_at, t("2026-03-10T08:00:00Z"));
    }

    #[test]
    fn appointment_reminders_within_24_hours() {
        let now = t("2026-03-10T10:00:00Z");
        let doc = dossier(
            Trajectory::default(),
            vec![],
            vec![
                appt(
                    "started",
                    "2026-03-10T09:30:00Z",
                    "2026-03-10T10:30:00Z",
                    AppointmentStatus::Confirmed,
                ),
                appt(
                    "today",
                    "2026-03-10T13:00:00Z",
                    "2026-03-10T14:00:00Z",
                    AppointmentStatus::Confirmed,
                ),
                appt(
                    "tomorrow",
                    "2026-03-11T10:00:00Z",
                    "2026-03-11T11:00:00Z",
                    AppointmentStatus::Proposed,
                ),
                appt(
                    "too-far",
                    "2026-03-11T10:00:01Z",
                    "2026-03-11T11:00:00Z",
                    AppointmentStatus::Confirmed,
                ),
                appt(
                    "cancelled",
                    "2026-03-10T15:00:00Z",
                    "2026-03-10T16:00:00Z",
                    AppointmentStatus::Cancelled,
                ),
            ],
            vec![],
        );
        let r = due_reminders(&doc, now);
        let today_ms = t("2026-03-10T13:00:00Z").millis();
        assert_eq!(
            ids(&r, |r| &r.id),
            [
                format!("appointment:today:{today_ms}"),
                format!(
                    "appointment:tomorrow:{}",
                    t("2026-03-11T10:00:00Z").millis()
                ),
            ]
        );
        assert_eq!(r[0].title, "Afspraak: Coachingsgesprek");
        assert_eq!(r[0].body, "Vandaag om 14:00, Stationsplein 1, Utrecht.");
        assert_eq!(
            r[1].body,
            "Morgen om 11:00, Stationsplein 1, Utrecht. Nog niet bevestigd."
        );
        assert_eq!(r[0].due_at, t("2026-03-10T13:00:00Z"));
        assert_eq!(r[0].kind, ReminderKind::Appointment);
    }

    #[test]
    fn a_moved_appointment_gets_a_new_reminder_id() {
        let now = t("2026-03-10T10:00:00Z");
        let before = dossier(
            Trajectory::default(),
            vec![],
            vec![appt(
                "x",
                "2026-03-10T13:00:00Z",
                "2026-03-10T14:00:00Z",
                AppointmentStatus::Confirmed,
            )],
            vec![],
        );
        let after = dossier(
            Trajectory::default(),
            vec![],
            vec![appt(
                "x",
                "2026-03-10T14:00:00Z",
                "2026-03-10T15:00:00Z",
                AppointmentStatus::Confirmed,
            )],
            vec![],
        );
        assert_ne!(
            due_reminders(&before, now)[0].id,
            due_reminders(&after, now)[0].id
        );
        // Unchanged, the id is the same on every call.
        assert_eq!(due_reminders(&before, now), due_reminders(&before, now));
    }

    #[test]
    fn milestone_reminders_within_two_weeks() {
        let trajectory = Trajectory {
            kind: Some(TrajectoryKind::Spoor2),
            first_sick_day: Some(d("2026-01-05")),
            ..Default::default()
        };
        let doc = dossier(trajectory, vec![], vec![], vec![]);
        // 5 February: week 6 (16 February) is 11 days ahead; week 8 (2 March) is 25 days.
        let r = due_reminders(&doc, t("2026-02-05T12:00:00Z"));
        assert_eq!(
            ids(&r, |r| &r.id),
            ["milestone:poortwachter-week-6:2026-02-16"]
        );
        assert_eq!(r[0].kind, ReminderKind::Milestone);
        assert_eq!(r[0].target_id, "poortwachter-week-6");
        assert_eq!(r[0].title, "Probleemanalyse door de bedrijfsarts");
        assert!(
            r[0].body
                .starts_with("Op 16 februari 2026. De bedrijfsarts"),
            "{}",
            r[0].body
        );
        // On the day itself.
        let r = due_reminders(&doc, t("2026-02-16T12:00:00Z"));
        assert!(r[0].body.starts_with("Vandaag. "), "{}", r[0].body);
        // Inside the eerstejaarsevaluatie window.
        let r = due_reminders(&doc, t("2026-12-15T12:00:00Z"));
        assert_eq!(
            ids(&r, |r| &r.id),
            ["milestone:poortwachter-week-46:2026-11-23"]
        );
        assert!(
            r[0].body.starts_with("Tot en met 4 januari 2027. "),
            "{}",
            r[0].body
        );
        // Past: none.
        assert!(due_reminders(&doc, t("2028-06-01T12:00:00Z")).is_empty());
    }

    #[test]
    fn action_reminders_are_the_employees_due_or_overdue() {
        let doc = dossier(
            Trajectory::default(),
            vec![],
            vec![],
            vec![
                action(
                    "today",
                    "Cv sturen naar coach",
                    Some("2026-03-10"),
                    Actor::Employee,
                    false,
                ),
                action(
                    "overdue",
                    "Vacatures zoeken",
                    Some("2026-03-03"),
                    Actor::Employee,
                    false,
                ),
                action(
                    "coach",
                    "Vacature doorsturen",
                    Some("2026-03-03"),
                    Actor::Coach,
                    false,
                ),
                action("done", "Intake", Some("2026-03-01"), Actor::Employee, true),
                action(
                    "future",
                    "Netwerken",
                    Some("2026-03-11"),
                    Actor::Employee,
                    false,
                ),
                action("undated", "Cv bijwerken", None, Actor::Employee, false),
            ],
        );
        let r = due_reminders(&doc, t("2026-03-10T08:00:00Z"));
        assert_eq!(
            ids(&r, |r| &r.id),
            ["action:overdue:2026-03-03", "action:today:2026-03-10"]
        );
        assert_eq!(r[0].title, "Actie: Vacatures zoeken");
        assert_eq!(r[0].body, "Afgesproken voor 3 maart 2026.");
        assert_eq!(r[1].body, "Afgesproken voor vandaag.");
    }

    #[test]
    fn reminders_of_all_kinds_sort_by_due_at() {
        let trajectory = Trajectory {
            kind: Some(TrajectoryKind::Outplacement),
            contract_end: Some(d("2026-03-20")),
            ..Default::default()
        };
        let doc = dossier(
            trajectory,
            vec![app(
                "a",
                "2026-03-01",
                ApplicationStatus::Applied,
                Some("2026-03-09"),
            )],
            vec![appt(
                "x",
                "2026-03-11T07:00:00Z",
                "2026-03-11T08:00:00Z",
                AppointmentStatus::Confirmed,
            )],
            vec![action(
                "y",
                "Cv bijwerken",
                Some("2026-03-10"),
                Actor::Employee,
                false,
            )],
        );
        let r = due_reminders(&doc, t("2026-03-10T12:00:00Z"));
        let kinds: Vec<ReminderKind> = r.iter().map(|r| r.kind).collect();
        assert_eq!(
            kinds,
            [
                // The WW window opened on 21 February.
                ReminderKind::Milestone,
                ReminderKind::FollowUp,
                ReminderKind::Action,
                ReminderKind::Appointment,
                // Contract end on 20 March.
                ReminderKind::Milestone,
            ]
        );
        assert!(r.windows(2).all(|w| w[0].due_at <= w[1].due_at));
        assert_eq!(r[4].id, "milestone:outplacement-contract-end:2026-03-20");
    }

    #[test]
    fn morning_is_nine_in_amsterdam_in_summer_and_winter() {
        assert_eq!(morning_of(d("2026-07-01")), t("2026-07-01T07:00:00Z"));
        assert_eq!(morning_of(d("2026-01-01")), t("2026-01-01T08:00:00Z"));
        // The day the clocks go forward.
        assert_eq!(morning_of(d("2026-03-29")), t("2026-03-29T07:00:00Z"));
    }

    #[test]
    fn reminders_serialize_for_the_cli() {
        let doc = dossier(
            Trajectory::default(),
            vec![],
            vec![],
            vec![action(
                "y",
                "Cv bijwerken",
                Some("2026-03-10"),
                Actor::Employee,
                false,
            )],
        );
        let json = serde_json::to_value(due_reminders(&doc, t("2026-03-10T12:00:00Z"))).unwrap();
        assert_eq!(json[0]["kind"], "action");
        assert_eq!(json[0]["due_at"], "2026-03-10T08:00:00.000Z");
    }
}
