//! A demo caseload for trying the bureau: one coach and a few employees whose dossiers look
//! lived-in (applications with history, appointments, actions, comments).

use koers_core::model::{
    Action, Actor, Application, ApplicationStatus, Appointment, AppointmentKind, AppointmentStatus,
    DossierDocument, LocalDate, Phase, Source, StatusChange, Timestamp, TrajectoryKind,
};

use crate::coach_api::{self, NewEmployee};
use crate::documents::{actor_for, Persist};
use crate::{AppState, BureauError, Result};

pub const DEMO_EMAIL: &str = "demo@bureau.example";

/// What was seeded, to print.
pub struct Seeded {
    pub email: String,
    pub password: String,
    /// (name, enrolment code)
    pub employees: Vec<(String, String)>,
}

fn day(offset: i64) -> LocalDate {
    LocalDate(LocalDate::today().0 + chrono::Duration::days(offset))
}

fn at(offset_days: i64, hour: u32) -> Timestamp {
    let d = day(offset_days).0;
    let naive = d.and_hms_opt(hour, 0, 0).unwrap_or_default();
    Timestamp(chrono::DateTime::from_naive_utc_and_offset(
        naive,
        chrono::Utc,
    ))
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
    let people = [
        (
            "Sanne Jansen",
            TrajectoryKind::Spoor2,
            Some(day(-400)),
            3,
            24,
            Phase::JobHunting,
        ),
        (
            "Ahmed El Amrani",
            TrajectoryKind::Outplacement,
            None,
            4,
            12,
            Phase::JobHunting,
        ),
        (
            "Petra Bakker",
            TrajectoryKind::Spoor2,
            Some(day(-300)),
            2,
            5,
            Phase::Orientation,
        ),
        (
            "Joost Visser",
            TrajectoryKind::Outplacement,
            None,
            0,
            0,
            Phase::Intake,
        ),
    ];
    let employers = [
        ("Gemeente Utrecht", "Beleidsmedewerker"),
        ("Rabobank", "Klantadviseur"),
        ("Jumbo", "Teamleider logistiek"),
        ("UMC Utrecht", "Planner"),
        ("Bol.com", "Customer service specialist"),
        ("Arcadis", "Projectassistent"),
        ("Randstad", "Intercedent"),
        ("NS", "Medewerker service"),
    ];
    let mut seeded = vec![];
    for (i, (name, kind, sick, target, apps, phase)) in people.into_iter().enumerate() {
        let created = coach_api::create_employee(
            state,
            &coach.id,
            &NewEmployee {
                name: name.into(),
                kind,
                first_sick_day: sick,
                contract_end: (kind == TrajectoryKind::Outplacement).then(|| day(60)),
                weekly_target: Some(target),
                bureau: Some("Koers Re-integratie".into()),
            },
        )?;
        let id = created.employee_id.clone();
        // The employee's part, as their phone would have written it.
        state.documents.edit(&id, |slot| {
            let mut d: DossierDocument = autosurgeon::hydrate(&slot.doc).map_err(storage)?;
            for n in 0..apps {
                let (employer, role) = employers[(n + i) % employers.len()];
                let started = -(apps as i64 - n as i64) * 4;
                let mut history = vec![StatusChange {
                    status: ApplicationStatus::Applied,
                    at: at(started, 9),
                    by: Actor::Employee,
                }];
                let status = match n % 5 {
                    0 => ApplicationStatus::Rejected,
                    1 => ApplicationStatus::Interview,
                    2 => ApplicationStatus::Applied,
                    3 => ApplicationStatus::SecondInterview,
                    _ => ApplicationStatus::Withdrawn,
                };
                if status != ApplicationStatus::Applied {
                    history.push(StatusChange {
                        status,
                        at: at(started + 3, 14),
                        by: Actor::Employee,
                    });
                }
                let app_id = koers_core::model::new_id();
                d.applications.insert(
                    app_id.clone(),
                    Application {
                        id: app_id,
                        employer: employer.into(),
                        role: role.into(),
                        source: Some(if n % 2 == 0 {
                            Source::VacancySite
                        } else {
                            Source::Network
                        }),
                        vacancy_url: None,
                        location: Some("Utrecht".into()),
                        date: day(started),
                        contact: None,
                        salary: None,
                        notes: String::new(),
                        status,
                        history,
                        follow_up: (!status.is_closed()).then(|| day(started + 10)),
                        created_at: at(started, 9),
                        updated_at: at(started + 3, 14),
                    },
                );
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
        coach_api::set_phase(state, &coach.id, &id, "", phase)?;
        let ap = coach_api::schedule_appointment(
            state,
            &coach.id,
            &id,
            "",
            &coach_api::NewAppointment {
                starts_at: at(3, 9),
                ends_at: at(3, 10),
                kind: AppointmentKind::Coaching,
                location: "Kantoor Utrecht, Catharijnesingel 10".into(),
                agenda: "Voortgang sollicitaties, CV".into(),
            },
        )?;
        coach_api::add_action(
            state,
            &coach.id,
            &id,
            "",
            &coach_api::NewAction {
                title: "CV bijwerken met laatste functie".into(),
                due: Some(day(7)),
                owner: Some(Actor::Employee),
                appointment_id: Some(ap.id),
            },
        )?;
        let _: Appointment = coach_api::edit_dossier(state, &coach.id, &id, "", |d| {
            let past = Appointment {
                id: koers_core::model::new_id(),
                starts_at: at(-14, 9),
                ends_at: at(-14, 10),
                kind: AppointmentKind::Intake,
                location: "Kantoor Utrecht".into(),
                agenda: "Intake en plan van aanpak".into(),
                status: AppointmentStatus::Done,
                proposed_by: Actor::Coach,
                notes: String::new(),
                created_at: at(-20, 9),
                updated_at: at(-14, 10),
            };
            d.appointments.insert(past.id.clone(), past.clone());
            d.trajectory.goals = vec![
                "Binnen zes maanden passend werk buiten de eigen werkgever".into(),
                "Netwerk uitbreiden met vijf nieuwe contacten".into(),
            ];
            let action = Action {
                id: koers_core::model::new_id(),
                appointment_id: Some(past.id.clone()),
                title: "Vacaturesites instellen op passende functies".into(),
                due: Some(day(-7)),
                owner: Actor::Employee,
                done: true,
                done_at: Some(at(-9, 12)),
                created_at: at(-14, 10),
            };
            d.actions.insert(action.id.clone(), action);
            Ok(past)
        })?;
        if let Some(first) = state
            .documents
            .read(&id, |doc| {
                autosurgeon::hydrate::<_, DossierDocument>(doc).ok()
            })?
            .and_then(|d| d.applications.keys().next().cloned())
        {
            coach_api::add_comment(
                state,
                &coach.id,
                &id,
                "",
                &coach_api::NewComment {
                    application_id: Some(first),
                    text: "Mooie brief! Vraag na twee weken zelf naar de stand van zaken.".into(),
                },
            )?;
        }
        seeded.push((name.to_string(), created.enrolment_code));
    }
    Ok(Some(Seeded {
        email: DEMO_EMAIL.into(),
        password,
        employees: seeded,
    }))
}

fn storage(e: impl std::fmt::Display) -> BureauError {
    BureauError::Storage {
        message: e.to_string(),
    }
}
