//! A demo caseload for trying the bureau: one coach and four employees at different points
//! of their trajectory, each with a start date in the past and a history that fits it (no
//! application before the start, every employer once per employee, status changes days
//! after applying, follow-ups only where an answer is still awaited, intake and coaching
//! appointments held every two weeks since the start, a linked phone last seen some hours or
//! days ago). Joost Visser has just started and has nothing logged nor linked yet: he is the
//! one `./scripts/demo` links its phone to, so the phone shows only what it logged itself and
//! what the coach prepared.

use koers_core::model::{
    Action, Actor, Application, ApplicationStatus, Appointment, AppointmentKind, AppointmentStatus,
    DossierDocument, LocalDate, Phase, Source, StatusChange, Timestamp, TrajectoryKind,
};
use koers_core::progress::week_start;

use crate::coach_api::{self, NewEmployee};
use crate::documents::{actor_for, Persist};
use crate::{AppState, BureauError, Result};

pub const DEMO_EMAIL: &str = "demo@bureau.example";

/// What was seeded, to print.
pub struct Seeded {
    pub email: String,
    pub password: String,
    /// (name, enrolment code), the employee for the demo phone first.
    pub employees: Vec<(String, String)>,
}

fn day(offset: i64) -> LocalDate {
    LocalDate(LocalDate::today().0 + chrono::Duration::days(offset))
}

/// The day itself on a weekday, else the Monday after: the bureau is closed at weekends.
fn weekday(d: LocalDate) -> LocalDate {
    use chrono::Datelike;
    let skip = match d.0.weekday() {
        chrono::Weekday::Sat => 2,
        chrono::Weekday::Sun => 1,
        _ => 0,
    };
    LocalDate(d.0 + chrono::Duration::days(skip))
}

fn days_between(a: LocalDate, b: LocalDate) -> i64 {
    (b.0 - a.0).num_days()
}

/// `hour` o'clock UTC on a day (10 or 11 in Amsterdam for the hours used here).
fn at_day(d: LocalDate, hour: u32) -> Timestamp {
    let naive = d.0.and_hms_opt(hour, 0, 0).unwrap_or_default();
    Timestamp(chrono::DateTime::from_naive_utc_and_offset(
        naive,
        chrono::Utc,
    ))
}

/// Employers and roles in and around Utrecht; each employee applies to a run of them, so
/// nobody applies to the same place twice.
const VACANCIES: [(&str, &str); 30] = [
    ("Gemeente Utrecht", "Beleidsmedewerker"),
    ("Rabobank", "Klantadviseur"),
    ("Jumbo", "Teamleider logistiek"),
    ("UMC Utrecht", "Planner"),
    ("Bol", "Customer service specialist"),
    ("Arcadis", "Projectassistent"),
    ("Randstad", "Intercedent"),
    ("NS", "Medewerker service"),
    ("Provincie Utrecht", "Administratief medewerker"),
    ("Stedin", "Werkvoorbereider"),
    ("Hogeschool Utrecht", "Medewerker studentenzaken"),
    ("Achmea", "Schadebehandelaar"),
    ("Albert Heijn", "Medewerker planning"),
    ("PostNL", "Coördinator sorteercentrum"),
    ("Coolblue", "Medewerker klantcontact"),
    ("Van der Valk Hotel Houten", "Receptionist"),
    ("Zorggroep Utrecht", "Secretaresse"),
    ("Heijmans", "Inkoopassistent"),
    ("Technische Unie", "Binnendienstmedewerker"),
    ("Vitens", "Medewerker facilitair"),
    ("Gemeente Nieuwegein", "Medewerker burgerzaken"),
    ("ASR Nederland", "Backoffice medewerker"),
    ("Mitros", "Woonconsulent"),
    ("Kinepolis Jaarbeurs", "Teamleider"),
    ("Jaarbeurs", "Eventplanner"),
    ("Douwe Egberts", "Productieplanner"),
    ("Bouwmaat", "Verkoopmedewerker binnendienst"),
    ("Universiteit Utrecht", "Secretaresse"),
    ("Sweco", "Officemanager"),
    ("DHL Express", "Medewerker douanezaken"),
];

/// One demo employee: where they are and what they did each week since the start.
struct Person {
    name: &'static str,
    kind: TrajectoryKind,
    /// Spoor 2: days since the first sick day.
    sick_days_ago: Option<i64>,
    /// Outplacement: days until the contract ends.
    contract_ends_in: Option<i64>,
    target: u32,
    phase: Phase,
    /// Applications per week, from the week of the start to this week.
    weekly: &'static [usize],
    /// Days since the start, for someone who started this week or last.
    started_days_ago: Option<i64>,
    /// Where in [`VACANCIES`] this person's applications start.
    first_vacancy: usize,
    goals: [&'static str; 2],
    /// An action agreed earlier and now overdue, if any.
    overdue_action: Option<&'static str>,
    /// Hours since their phone last synced; `None`: no phone linked yet.
    synced_hours_ago: Option<i64>,
}

const PEOPLE: [Person; 4] = [
    Person {
        name: "Joost Visser",
        kind: TrajectoryKind::Outplacement,
        sick_days_ago: None,
        contract_ends_in: Some(75),
        // Agreed at the intake: two a week while the cv is being rewritten.
        target: 2,
        phase: Phase::Intake,
        weekly: &[1, 1],
        started_days_ago: Some(6),
        first_vacancy: 0,
        goals: [
            "Binnen vier maanden een nieuwe baan als financieel administrateur",
            "Cv en LinkedIn-profiel op orde vóór de tweede afspraak",
        ],
        overdue_action: None,
        synced_hours_ago: None,
    },
    Person {
        name: "Sanne Jansen",
        kind: TrajectoryKind::Spoor2,
        sick_days_ago: Some(400),
        contract_ends_in: None,
        target: 3,
        phase: Phase::JobHunting,
        weekly: &[0, 1, 3, 3, 2, 3, 4, 3, 1, 3, 3, 2],
        started_days_ago: None,
        first_vacancy: 0,
        goals: [
            "Passend werk buiten de eigen werkgever in een administratieve of plannende functie",
            "Netwerk uitbreiden met vijf nieuwe contacten in de logistiek",
        ],
        overdue_action: None,
        synced_hours_ago: Some(3),
    },
    Person {
        name: "Ahmed El Amrani",
        kind: TrajectoryKind::Outplacement,
        sick_days_ago: None,
        contract_ends_in: Some(45),
        target: 4,
        phase: Phase::JobHunting,
        weekly: &[0, 2, 3, 4, 4, 3, 2, 2, 1],
        started_days_ago: None,
        first_vacancy: 9,
        goals: [
            "Een nieuwe baan vóór het einde van het contract",
            "Elke week vier gerichte sollicitaties",
        ],
        overdue_action: None,
        synced_hours_ago: Some(9 * 24),
    },
    Person {
        name: "Petra Bakker",
        kind: TrajectoryKind::Spoor2,
        sick_days_ago: Some(300),
        contract_ends_in: None,
        target: 2,
        phase: Phase::Orientation,
        weekly: &[0, 0, 1, 2, 1, 1],
        started_days_ago: None,
        first_vacancy: 20,
        goals: [
            "Beeld krijgen van passende functies binnen de belastbaarheid",
            "Twee oriënterende gesprekken met werkgevers in de zorgadministratie",
        ],
        overdue_action: Some("Gesprek met de arbeidsdeskundige inplannen"),
        synced_hours_ago: Some(20),
    },
];

impl Person {
    /// The first day of the trajectory: the Tuesday of the first week (the intake), or a few
    /// days ago for someone who just started.
    fn start(&self) -> LocalDate {
        match self.started_days_ago {
            // The weekday on or before that day.
            Some(n) => {
                let d = day(-n);
                if weekday(d) == d {
                    d
                } else {
                    LocalDate(week_start(d).0 + chrono::Duration::days(4))
                }
            }
            None => {
                let weeks = self.weekly.len().saturating_sub(1) as i64;
                let monday = week_start(LocalDate::today()).0 - chrono::Duration::days(7 * weeks);
                LocalDate(monday + chrono::Duration::days(1))
            }
        }
    }

    /// The days this person applied, oldest first: spread over the weekdays of each week,
    /// never before the start and never after today.
    fn application_days(&self) -> Vec<LocalDate> {
        let today = LocalDate::today();
        let first_monday = week_start(self.start());
        let mut days = vec![];
        for (w, count) in self.weekly.iter().enumerate() {
            for j in 0..*count {
                let weekday = [1, 3, 0, 2, 4][j % 5];
                let d = LocalDate(
                    first_monday.0 + chrono::Duration::days(7 * w as i64 + weekday as i64),
                );
                days.push(if d > today { today } else { d });
            }
        }
        days.retain(|d| *d >= self.start());
        days.sort();
        days
    }
}

/// An application as the employee logged it, with a status history that fits its age.
fn application(n: usize, date: LocalDate, (employer, role): (&str, &str)) -> Application {
    let today = LocalDate::today();
    let age = days_between(date, today);
    let applied = at_day(date, 9);
    // What became of it: old ones mostly decided, recent ones mostly still open.
    let path: &[(ApplicationStatus, i64)] = if age > 35 {
        match n % 6 {
            0 | 2 | 4 => &[(ApplicationStatus::Rejected, 9)],
            1 => &[],
            3 => &[(ApplicationStatus::Withdrawn, 5)],
            _ => &[
                (ApplicationStatus::Interview, 6),
                (ApplicationStatus::Rejected, 13),
            ],
        }
    } else if age > 14 {
        match n % 6 {
            0 | 2 => &[(ApplicationStatus::Rejected, 8)],
            1 => &[(ApplicationStatus::Interview, 7)],
            3 | 4 => &[],
            _ => &[
                (ApplicationStatus::Interview, 5),
                (ApplicationStatus::SecondInterview, 12),
            ],
        }
    } else if n % 5 == 3 {
        &[(ApplicationStatus::Interview, 4)]
    } else {
        &[]
    };
    let mut history = vec![StatusChange {
        status: ApplicationStatus::Applied,
        at: applied,
        by: Actor::Employee,
    }];
    for (status, after) in path {
        let d = LocalDate(date.0 + chrono::Duration::days(*after));
        if d < today {
            history.push(StatusChange {
                status: *status,
                at: at_day(d, 13),
                by: Actor::Employee,
            });
        }
    }
    // An interview long past without news ended in a rejection a week later.
    if let Some(h) = history.last().cloned() {
        let decided_on = LocalDate(h.at.local_date().0 + chrono::Duration::days(8));
        if matches!(
            h.status,
            ApplicationStatus::Interview | ApplicationStatus::SecondInterview
        ) && days_between(decided_on, today) > 5
        {
            history.push(StatusChange {
                status: ApplicationStatus::Rejected,
                at: at_day(decided_on, 13),
                by: Actor::Employee,
            });
        }
    }
    let last = history.last().cloned().unwrap_or(StatusChange {
        status: ApplicationStatus::Applied,
        at: applied,
        by: Actor::Employee,
    });
    // A follow-up only where an answer is still awaited: a week after an interview, twelve
    // days after applying to a recent one.
    let follow_up = match last.status {
        ApplicationStatus::Applied if age <= 14 => {
            Some(LocalDate(date.0 + chrono::Duration::days(12)))
        }
        ApplicationStatus::Interview | ApplicationStatus::SecondInterview => Some(LocalDate(
            last.at.local_date().0 + chrono::Duration::days(7),
        )),
        _ => None,
    };
    Application {
        id: koers_core::model::new_id(),
        employer: employer.into(),
        role: role.into(),
        source: Some(match n % 4 {
            0 | 2 => Source::VacancySite,
            1 => Source::Network,
            _ => Source::Recruiter,
        }),
        vacancy_url: None,
        location: Some("Utrecht".into()),
        date,
        contact: None,
        salary: None,
        notes: String::new(),
        status: last.status,
        history,
        follow_up,
        created_at: applied,
        updated_at: last.at,
    }
}

/// Seeds the demo caseload (once: an existing demo coach is left as it is).
pub fn seed(state: &AppState) -> Result<Option<Seeded>> {
    if state.storage.coach_by_email(DEMO_EMAIL)?.is_some() {
        return Ok(None);
    }
    let password = {
        let (token, _) = crate::auth::new_token()?;
        format!("demo-{}", &token[..12])
    };
    let coach = coach_api::create_coach(state, DEMO_EMAIL, "Marieke de Vries", &password, true)?;
    let mut seeded = vec![];
    for p in &PEOPLE {
        let code = seed_person(state, &coach.id, p)?;
        seeded.push((p.name.to_string(), code));
    }
    Ok(Some(Seeded {
        email: DEMO_EMAIL.into(),
        password,
        employees: seeded,
    }))
}

/// One employee's dossier; returns their enrolment code.
fn seed_person(state: &AppState, coach_id: &str, p: &Person) -> Result<String> {
    let today = LocalDate::today();
    let start = p.start();
    let created = coach_api::create_employee(
        state,
        coach_id,
        &NewEmployee {
            name: p.name.into(),
            kind: p.kind,
            first_sick_day: p.sick_days_ago.map(|n| day(-n)),
            contract_end: p.contract_ends_in.map(day),
            weekly_target: Some(p.target),
            bureau: Some("Koers Re-integratie".into()),
        },
    )?;
    let id = created.employee_id.clone();

    // The employee's part, as their phone would have written it.
    let days = p.application_days();
    if !days.is_empty() {
        state.documents.edit(&id, |slot| {
            let mut d: DossierDocument =
                koers_core::hydrate::hydrate(&slot.doc).map_err(storage)?;
            for (n, date) in days.iter().enumerate() {
                let vacancy = VACANCIES[(p.first_vacancy + n) % VACANCIES.len()];
                let app = application(n, *date, vacancy);
                d.applications.insert(app.id.clone(), app);
            }
            let mut fork = slot
                .doc
                .fork()
                .with_actor(actor_for(&format!("demo-phone:{id}")));
            let mut tx = fork.transaction();
            autosurgeon::reconcile(&mut tx, &d).map_err(storage)?;
            tx.commit();
            Ok(((), Some(fork), Persist::default()))
        })?;
    }

    // The coach's part: the start, the plan, the appointments held since, the agreements.
    // The start goes through the trajectory's operation, as a coach correcting it would: the
    // weekly target and the phase agreed at the intake move to the start with it, so every
    // week since the start is judged by them (set directly, they stayed dated today and this
    // week had no target).
    coach_api::set_phase(state, coach_id, &id, "", p.phase)?;
    coach_api::edit_trajectory(
        state,
        coach_id,
        &id,
        "",
        koers_core::ops::TrajectoryPatch {
            start_date: Some(Some(start)),
            goals: Some(p.goals.iter().map(|g| g.to_string()).collect()),
            ..Default::default()
        },
    )?;
    coach_api::edit_dossier(state, coach_id, &id, "", |d| {
        let mut held = |on: LocalDate, kind: AppointmentKind, agenda: &str| {
            let a = Appointment {
                id: koers_core::model::new_id(),
                starts_at: at_day(on, 9),
                ends_at: at_day(on, 10),
                kind,
                location: "Kantoor Utrecht, Catharijnesingel 10".into(),
                agenda: agenda.into(),
                status: AppointmentStatus::Done,
                proposed_by: Actor::Coach,
                notes: String::new(),
                created_at: at_day(LocalDate(on.0 - chrono::Duration::days(5)), 8),
                updated_at: at_day(on, 10),
            };
            let id = a.id.clone();
            d.appointments.insert(id.clone(), a);
            id
        };
        let intake = held(start, AppointmentKind::Intake, "Intake en plan van aanpak");
        let mut on = LocalDate(start.0 + chrono::Duration::days(14));
        while weekday(on) < today {
            held(
                weekday(on),
                AppointmentKind::Coaching,
                "Voortgang sollicitaties",
            );
            on = LocalDate(on.0 + chrono::Duration::days(14));
        }
        let first_step = Action {
            id: koers_core::model::new_id(),
            appointment_id: Some(intake.clone()),
            title: "Vacaturesites instellen op passende functies".into(),
            due: Some(LocalDate(start.0 + chrono::Duration::days(7))),
            owner: Actor::Employee,
            done: days_between(start, today) >= 3,
            done_at: (days_between(start, today) >= 3)
                .then(|| at_day(LocalDate(start.0 + chrono::Duration::days(3)), 11)),
            created_at: at_day(start, 10),
        };
        d.actions.insert(first_step.id.clone(), first_step);
        if let Some(title) = p.overdue_action {
            let agreed = LocalDate(today.0 - chrono::Duration::days(12));
            let late = Action {
                id: koers_core::model::new_id(),
                appointment_id: None,
                title: title.into(),
                due: Some(LocalDate(today.0 - chrono::Duration::days(4))),
                owner: Actor::Employee,
                done: false,
                done_at: None,
                created_at: at_day(agreed, 10),
            };
            d.actions.insert(late.id.clone(), late);
        }
        Ok(())
    })?;
    let next_day = weekday(day(2));
    let next = coach_api::schedule_appointment(
        state,
        coach_id,
        &id,
        "",
        &coach_api::NewAppointment {
            starts_at: at_day(next_day, 9),
            ends_at: at_day(next_day, 10),
            kind: AppointmentKind::Coaching,
            location: "Kantoor Utrecht, Catharijnesingel 10".into(),
            agenda: "Voortgang sollicitaties, cv".into(),
        },
    )?;
    coach_api::add_action(
        state,
        coach_id,
        &id,
        "",
        &coach_api::NewAction {
            title: "Cv bijwerken met de laatste functie".into(),
            due: Some(day(7)),
            owner: Some(Actor::Employee),
            appointment_id: Some(next.id),
        },
    )?;
    // A remark on the latest application with an interview.
    let interviewed = state.documents.read(&id, |doc| {
        koers_core::hydrate::hydrate::<DossierDocument>(doc)
            .ok()
            .and_then(|d| {
                d.applications
                    .values()
                    .filter(|a| {
                        a.history
                            .iter()
                            .any(|h| h.status == ApplicationStatus::Interview)
                    })
                    .max_by_key(|a| a.date)
                    .map(|a| a.id.clone())
            })
    })?;
    if let Some(application_id) = interviewed {
        coach_api::add_comment(
            state,
            coach_id,
            &id,
            "",
            &coach_api::NewComment {
                application_id: Some(application_id),
                text: "Goed gesprek gevoerd! Stuur binnen twee dagen een bedankmail.".into(),
            },
        )?;
    }
    // The phone that logged all this: linked with the first code, last seen a while ago; a
    // fresh code is printed for a second device.
    let Some(hours) = p.synced_hours_ago else {
        return Ok(created.enrolment_code);
    };
    let request = koers_protocol::encode(&koers_protocol::EnrolRequest {
        v: koers_protocol::PROTOCOL_VERSION,
        code: created.enrolment_code.clone(),
        device_name: format!(
            "Telefoon van {}",
            p.name.split(' ').next().unwrap_or(p.name)
        ),
        request_id: None,
    })
    .map_err(storage)?;
    let device = crate::devices::redeem(state, "demo", &request)?;
    state
        .storage
        .touch_device(&device.device_id, crate::now_ms() - hours * 3_600_000)?;
    Ok(coach_api::new_code(state, coach_id, &id, "")?.enrolment_code)
}

fn storage(e: impl std::fmt::Display) -> BureauError {
    BureauError::Storage {
        message: e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn every_demo_history_starts_after_the_start_and_never_repeats_an_employer() {
        let today = LocalDate::today();
        for p in &PEOPLE {
            let start = p.start();
            assert!(start < today, "{} starts in the past", p.name);
            assert_eq!(weekday(start), start, "{} starts on a weekday", p.name);
            let days = p.application_days();
            let expected: usize = p.weekly.iter().sum();
            assert!(
                days.len() + 2 >= expected,
                "{}: {} of {expected}",
                p.name,
                days.len()
            );
            let employers: BTreeSet<_> = (0..days.len())
                .map(|n| VACANCIES[(p.first_vacancy + n) % VACANCIES.len()].0)
                .collect();
            assert_eq!(
                employers.len(),
                days.len(),
                "{} applies twice somewhere",
                p.name
            );
            for (n, d) in days.iter().enumerate() {
                assert!(*d >= start && *d <= today, "{}: {d}", p.name);
                let a = application(n, *d, VACANCIES[n]);
                assert!(a.history.iter().all(|h| h.at.local_date() <= today));
                assert_eq!(a.status, a.history.last().unwrap().status);
                if let Some(f) = a.follow_up {
                    assert!(!a.status.is_closed());
                    // At most a few days overdue: an answer is still plausibly coming.
                    assert!(days_between(f, today) <= 7, "{}: follow-up {f}", p.name);
                }
            }
        }
    }

    /// The caseload a coach opens after `./scripts/demo`: everyone has a weekly target in
    /// force this week (agreed from their start), and the marks tell them apart.
    #[test]
    fn every_demo_employee_has_a_target_this_week_and_the_marks_differ() {
        let dir = tempfile::tempdir().unwrap();
        let storage = crate::storage::sqlite::SqliteStorage::open_dir(dir.path()).unwrap();
        let state = AppState::new(std::sync::Arc::new(storage));
        seed(&state).unwrap().unwrap();
        let coach = state.storage.coach_by_email(DEMO_EMAIL).unwrap().unwrap();
        let now = Timestamp::now();
        let today = now.local_date();
        let rows = crate::web::caseload::rows_at(&state, &coach.id, now).unwrap();
        assert_eq!(rows.len(), PEOPLE.len());
        for r in &rows {
            let p = PEOPLE.iter().find(|p| p.name == r.name).unwrap();
            assert_eq!(
                r.this_week.target, p.target,
                "{}: this week's target",
                r.name
            );
            let doc = state.documents.read_state(&r.id, |d| d.clone()).unwrap();
            let start = doc.trajectory.start_date.unwrap();
            assert_eq!(start, p.start(), "{}", r.name);
            // Judged by the target agreed from the start: every week since, none before.
            let progress = koers_core::progress::weekly_progress(&doc, today, 20);
            for w in &progress.weeks {
                let expected = if week_start(start) <= w.week_start {
                    p.target
                } else {
                    0
                };
                assert_eq!(w.target, expected, "{}: week of {}", r.name, w.week_start);
            }
            // (Usually the last entry of `weekly`; on a Sunday Joost's second week is today.)
            let this_week = p
                .application_days()
                .iter()
                .filter(|d| week_start(**d) == week_start(today))
                .count();
            assert!(this_week > 0, "{}", r.name);
            assert_eq!(r.this_week.applications as usize, this_week, "{}", r.name);
        }
        let behind = |name: &str| {
            rows.iter()
                .find(|r| r.name == name)
                .map(|r| {
                    r.behind
                        .contains(&crate::web::caseload::Behind::UnderTarget)
                })
                .unwrap()
        };
        // Ahmed applied 2, 2 and 1 times against 4 in the last weeks; Sanne met her 3 twice.
        assert!(behind("Ahmed El Amrani"));
        assert!(!behind("Sanne Jansen"));
        assert!(!behind("Joost Visser"), "one week in: not two weeks behind");
        let met_last_week = rows
            .iter()
            .filter(|r| {
                let doc = state.documents.read_state(&r.id, |d| d.clone()).unwrap();
                let weeks = koers_core::progress::weekly_progress(&doc, today, 2).weeks;
                weeks.first().is_some_and(|w| w.met)
            })
            .count();
        assert!(
            met_last_week > 0 && met_last_week < rows.len(),
            "{met_last_week}"
        );
    }
}
