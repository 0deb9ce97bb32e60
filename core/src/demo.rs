//! Realistic example dossiers, for the demo, benchmarks and tests: what two years of a
//! spoor 2 trajectory look like (applications with their status changes, appointments,
//! actions), built through the public API, deterministic for a given seed; and the sample
//! document with one of everything that the document's shape is read from.

use crate::dossier::{
    ApplicationPatch, Dossier, NewAction, NewApplication, NewAppointment, TrajectoryPatch,
};
use crate::error::Result;
use crate::model::{
    Action, Actor, Application, ApplicationStatus, Appointment, AppointmentKind, AppointmentStatus,
    Comment, DossierDocument, LocalDate, Phase, Source, StatusChange, Timestamp, Trajectory,
    TrajectoryKind, DOCUMENT_SCHEMA,
};

/// How big a generated dossier is.
#[derive(Debug, Clone, Copy)]
pub struct DossierSize {
    pub applications: usize,
    /// Edits per application after logging (status changes and note edits).
    pub edits_per_application: usize,
    pub appointments: usize,
    pub actions: usize,
}

impl DossierSize {
    /// The benchmark's "two-year dossier": 500 applications edited about 6 times,
    /// 60 appointments, 100 actions.
    pub const TWO_YEARS: DossierSize = DossierSize {
        applications: 500,
        edits_per_application: 6,
        appointments: 60,
        actions: 100,
    };
}

const EMPLOYERS: &[&str] = &[
    "Gemeente Utrecht",
    "Albert Heijn",
    "PostNL",
    "Rabobank",
    "Bol",
    "Coolblue",
    "NS",
    "Stichting Humanitas",
    "Van der Valk",
    "KLM",
    "Jumbo",
    "Philips",
    "ASML",
    "Achmea",
    "Bakkerij Één",
    "Café De Zwaan",
    "Zorggroep Noord",
    "Technische Unie",
    "Heijmans",
    "Arcadis",
];
const ROLES: &[&str] = &[
    "Administratief medewerker",
    "Planner",
    "Klantenservicemedewerker",
    "Magazijnmedewerker",
    "Receptionist",
    "Beleidsmedewerker",
    "Inkoper",
    "Teamleider logistiek",
    "Data-analist",
    "Medewerker facilitair",
    "Servicecoördinator",
    "Projectassistent",
];
const PLACES: &[&str] = &[
    "Utrecht",
    "Amersfoort",
    "Zeist",
    "Nieuwegein",
    "Houten",
    "Op afstand",
];

/// A small deterministic random sequence (xorshift), enough for varied example data.
struct Dice(u64);

impl Dice {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

/// Fills `dossier` with a trajectory that started `size`-appropriately long before `today`.
pub fn fill(dossier: &mut Dossier, size: DossierSize, today: LocalDate, seed: u64) -> Result<()> {
    let mut dice = Dice(seed.max(1));
    let days = |n: i64| chrono::Duration::days(n);
    let start = LocalDate(today.0 - days(730));
    dossier.update_trajectory(TrajectoryPatch {
        kind: Some(TrajectoryKind::Spoor2),
        first_sick_day: Some(Some(LocalDate(start.0 - days(300)))),
        start_date: Some(Some(start)),
        bureau: Some("Re-integratiebureau De Brug".into()),
        coach: Some("Sanne de Vries".into()),
        phase: Some(Phase::JobHunting),
        goals: Some(vec![
            "Passend werk vinden in een administratieve of plannende functie".into(),
            "Maximaal 24 uur per week, met rugvriendelijke werkplek".into(),
        ]),
        weekly_target: Some(3),
        ..Default::default()
    })?;
    let statuses = [
        ApplicationStatus::Applied,
        ApplicationStatus::Interview,
        ApplicationStatus::SecondInterview,
        ApplicationStatus::Rejected,
        ApplicationStatus::Offer,
        ApplicationStatus::Withdrawn,
    ];
    let sources = [
        Source::VacancySite,
        Source::Network,
        Source::Recruiter,
        Source::OpenApplication,
    ];
    for i in 0..size.applications {
        let date = LocalDate(start.0 + days((i as i64 * 730) / size.applications.max(1) as i64));
        let app = dossier.log_application(NewApplication {
            employer: dice.pick(EMPLOYERS).to_string(),
            role: dice.pick(ROLES).to_string(),
            source: Some(sources[dice.below(sources.len())]),
            location: Some(dice.pick(PLACES).to_string()),
            date: Some(date),
            vacancy_url: Some(format!("https://werk.example/vacature/{i}")),
            ..Default::default()
        })?;
        for e in 0..size.edits_per_application {
            if e % 2 == 0 {
                let status = statuses[(e / 2 + dice.below(2)) % statuses.len()];
                dossier.set_status(&app.id, status)?;
            } else {
                dossier.edit_application(
                    &app.id,
                    ApplicationPatch {
                        notes: Some(format!("Gebeld met de recruiter ({e}); reactie verwacht.")),
                        follow_up: Some(Some(LocalDate(date.0 + days(7 + e as i64)))),
                        ..Default::default()
                    },
                )?;
            }
        }
    }
    let mut appointment_ids = Vec::new();
    for i in 0..size.appointments {
        let day = LocalDate(start.0 + days((i as i64 * 740) / size.appointments.max(1) as i64));
        let at = |h: u32| {
            Timestamp::parse_flexible(&format!("{}T{h:02}:00", day)).unwrap_or_else(Timestamp::now)
        };
        let kind = match i {
            0 => AppointmentKind::Intake,
            n if n % 8 == 0 => AppointmentKind::Evaluation,
            n if n % 5 == 0 => AppointmentKind::Workshop,
            _ => AppointmentKind::Coaching,
        };
        let a = dossier.schedule_appointment(NewAppointment {
            starts_at: at(10),
            ends_at: at(11),
            kind,
            location: "Kantoor De Brug, Utrecht".into(),
            agenda: "Voortgang bespreken, vacatures doornemen".into(),
            notes: String::new(),
        })?;
        if day < today {
            dossier.complete_appointment(&a.id, Some("Besproken: netwerk uitbreiden".into()))?;
        } else {
            dossier.confirm_appointment(&a.id)?;
        }
        appointment_ids.push(a.id);
    }
    for i in 0..size.actions {
        let due = LocalDate(start.0 + days((i as i64 * 745) / size.actions.max(1) as i64));
        let action = dossier.add_action(NewAction {
            title: format!(
                "Actie {}: {}",
                i + 1,
                dice.pick(&[
                    "CV bijwerken",
                    "LinkedIn-profiel aanvullen",
                    "Drie vacatures zoeken",
                    "Netwerkgesprek plannen"
                ])
            ),
            due: Some(due),
            owner: None,
            appointment_id: appointment_ids
                .get(i % appointment_ids.len().max(1))
                .cloned(),
        })?;
        if due < today {
            dossier.set_action_done(&action.id, true)?;
        }
    }
    Ok(())
}

/// A two-year dossier built in memory (fast: no fsync per write), moved into `dossier` in one
/// transaction.
pub fn fill_fast(
    dossier: &mut Dossier,
    size: DossierSize,
    today: LocalDate,
    seed: u64,
) -> Result<()> {
    let mut scratch = Dossier::open_in_memory()?;
    fill(&mut scratch, size, today, seed)?;
    let doc = scratch.automerge()?.clone();
    dossier.replace_document(doc, |_| Ok(()))
}

/// The key every record collection uses in [`sample_document`] for "any record id".
pub const ANY_ID: &str = "<id>";

/// A dossier with one record of every kind (keyed [`ANY_ID`]) and one element in every list:
/// with `full`, every optional field filled; without, every optional field absent. Written
/// out field by field on purpose (no `..Default::default()`), so a field added to the model
/// does not compile until it is here too: the bureau's check for keys outside the model and
/// the key table of docs/SYNC.md are derived from these two documents.
pub fn sample_document(full: bool) -> DossierDocument {
    let day = LocalDate::from_ymd(2026, 11, 23).unwrap_or_else(LocalDate::today);
    let at = Timestamp::from_millis(1_795_000_000_000).unwrap_or_else(Timestamp::now);
    let some = |v: String| full.then_some(v);
    let id = ANY_ID.to_string();
    let trajectory = Trajectory {
        kind: full.then_some(TrajectoryKind::Spoor2),
        first_sick_day: full.then_some(day),
        contract_end: full.then_some(day),
        start_date: full.then_some(day),
        bureau: "Bureau".into(),
        coach: "Coach".into(),
        phase: full.then_some(Phase::JobHunting),
        goals: vec!["Doel".into()],
        weekly_target: 3,
        budget_cents: full.then_some(500_000),
        budget_end: full.then_some(day),
        target_history: vec![crate::model::TargetChange {
            from: day,
            weekly_target: 3,
        }],
        phase_history: vec![crate::model::PhaseChange {
            from: day,
            phase: Phase::JobHunting,
        }],
        employer: "Werkgever".into(),
        employer_contact: "Contact".into(),
        closed_on: full.then_some(day),
        closed_reason: String::new(),
    };
    let application = Application {
        id: id.clone(),
        employer: "Werkgever".into(),
        role: "Functie".into(),
        source: full.then_some(Source::VacancySite),
        vacancy_url: some("https://werk.example/1".into()),
        location: some("Utrecht".into()),
        date: day,
        contact: some("Contact".into()),
        salary: some("€ 3.000".into()),
        notes: String::new(),
        status: ApplicationStatus::Applied,
        history: vec![StatusChange {
            status: ApplicationStatus::Applied,
            at,
            by: Actor::Employee,
        }],
        follow_up: full.then_some(day),
        created_at: at,
        updated_at: at,
    };
    let appointment = Appointment {
        id: id.clone(),
        starts_at: at,
        ends_at: at,
        kind: AppointmentKind::Coaching,
        location: String::new(),
        agenda: String::new(),
        status: AppointmentStatus::Proposed,
        proposed_by: Actor::Coach,
        notes: String::new(),
        created_at: at,
        updated_at: at,
    };
    let action = Action {
        id: id.clone(),
        appointment_id: some(id.clone()),
        title: "Actie".into(),
        due: full.then_some(day),
        owner: Actor::Employee,
        done: false,
        done_at: full.then_some(at),
        created_at: at,
    };
    let comment = Comment {
        id: id.clone(),
        application_id: some(id.clone()),
        author: Actor::Coach,
        author_name: "Coach".into(),
        text: "Opmerking".into(),
        at,
    };
    DossierDocument {
        schema: DOCUMENT_SCHEMA,
        trajectory,
        applications: [(id.clone(), application)].into(),
        appointments: [(id.clone(), appointment)].into(),
        actions: [(id.clone(), action)].into(),
        comments: [(id, comment)].into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_small_generated_dossier_is_consistent() {
        let mut d = Dossier::open_in_memory().unwrap();
        let size = DossierSize {
            applications: 20,
            edits_per_application: 3,
            appointments: 4,
            actions: 5,
        };
        fill(&mut d, size, LocalDate::from_ymd(2026, 11, 23).unwrap(), 7).unwrap();
        assert_eq!(d.document().applications.len(), 20);
        assert_eq!(d.document().appointments.len(), 4);
        assert_eq!(d.document().actions.len(), 5);
        let listed = d.list_applications(&Default::default()).unwrap();
        assert_eq!(listed.len(), 20);
    }
}
