//! What the bureau's benchmarks share (`sync` and `scale`): a phone running the core's real
//! sync engine over HTTP, the application a phone logs, and the two-year dossier.
#![allow(dead_code)]

use std::time::Duration;

use automerge::Automerge;
use koers_core::model::{
    genesis_document, Actor, Application, ApplicationStatus, DossierDocument, LocalDate,
    StatusChange, Timestamp,
};
use koers_core::sync::{
    adopt_enrolment, sync_documents, BackoffPolicy, HttpTransport, PeerState, SyncTarget,
};

pub type Res<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

/// A new employee of `coach` (outplacement, a target of three a week) whose dossier on the
/// server has `filled` (the two-year history) merged in, as if synced over two years.
pub fn two_year_employee(
    state: &koers_bureau::AppState,
    coach: &str,
    name: String,
    filled: &Automerge,
) -> Res<koers_bureau::coach_api::Created> {
    let created = koers_bureau::coach_api::create_employee(
        state,
        coach,
        &koers_bureau::coach_api::NewEmployee {
            name,
            kind: koers_core::model::TrajectoryKind::Outplacement,
            first_sick_day: None,
            contract_end: None,
            weekly_target: Some(3),
            bureau: None,
        },
    )?;
    state.documents.edit(&created.employee_id, |slot| {
        let mut fork = slot.doc.fork();
        fork.merge(&mut filled.clone())
            .map_err(|e| koers_bureau::BureauError::Storage {
                message: e.to_string(),
            })?;
        Ok(((), Some(fork), koers_bureau::documents::Persist::default()))
    })?;
    Ok(created)
}

/// The application the benchmarks' phones log (number `n` names the employer).
pub fn application(id: &str, n: usize) -> Application {
    let now = Timestamp::now();
    Application {
        id: id.into(),
        employer: format!("Werkgever {n} B.V."),
        role: "Medewerker klantenservice".into(),
        source: None,
        vacancy_url: Some(format!("https://werk.example/vacature/{n}")),
        location: Some("Utrecht".into()),
        date: LocalDate::today(),
        contact: Some("mevrouw De Boer".into()),
        salary: Some("€ 2.800 – € 3.300 per maand".into()),
        notes: String::new(),
        status: ApplicationStatus::Applied,
        history: vec![StatusChange {
            status: ApplicationStatus::Applied,
            at: now,
            by: Actor::Employee,
        }],
        follow_up: None,
        created_at: now,
        updated_at: now,
    }
}

/// Edits the whole hydrated dossier (small documents only: it hydrates everything).
pub fn edit(doc: &mut Automerge, f: impl FnOnce(&mut DossierDocument)) -> Res<()> {
    let mut d: DossierDocument = autosurgeon::hydrate(doc)?;
    f(&mut d);
    let mut tx = doc.transaction();
    autosurgeon::reconcile(&mut tx, &d)?;
    tx.commit();
    Ok(())
}

/// Writes one application (what the phone does), without hydrating the whole dossier.
pub fn put_application(doc: &mut Automerge, app: &Application) -> Res<()> {
    use automerge::ReadDoc;
    let Some((_, apps)) = doc.get(automerge::ROOT, "applications")? else {
        return Err("no applications map".into());
    };
    let mut tx = doc.transaction();
    autosurgeon::reconcile_prop(&mut tx, &apps, app.id.as_str(), app)?;
    tx.commit();
    Ok(())
}

/// An enrolled device: its document, the engine's state and its credential.
pub struct Phone {
    pub doc: Automerge,
    pub state: PeerState,
    pub employee: String,
    pub token: String,
    pub transport: HttpTransport,
}

impl Phone {
    /// Enrols over HTTP and adopts the bureau's document as the app does.
    pub fn enrol(url: &str, code: &str) -> Res<Self> {
        let transport = HttpTransport::new(url)?;
        let e = transport.enrol(code, "bench")?;
        let mut doc = genesis_document()?.with_actor(automerge::ActorId::random());
        let (state, _) = adopt_enrolment(&mut doc, &e.document)?;
        Ok(Self {
            doc,
            state,
            employee: e.employee_id,
            token: e.token,
            transport,
        })
    }

    /// One sync session; the number of round trips it took.
    pub fn sync(&mut self) -> Res<usize> {
        let r = sync_documents(
            &self.transport,
            &self.token,
            &mut [SyncTarget {
                document_id: self.employee.clone(),
                doc: &mut self.doc,
                state: &mut self.state,
            }],
            &BackoffPolicy::default(),
            |_, _, _, _| Ok(()),
        )?;
        Ok(r.round_trips)
    }

    /// Logs a new application (hydrating the whole dossier: small documents only).
    pub fn add_application(&mut self, n: usize) -> Res<()> {
        let id = koers_core::model::new_id();
        edit(&mut self.doc, |d| {
            d.applications.insert(id.clone(), application(&id, n));
        })
    }

    /// Logs a new application as the phone writes it (one record, any size of dossier).
    pub fn log_application(&mut self, n: usize) -> Res<()> {
        let id = koers_core::model::new_id();
        put_application(&mut self.doc, &application(&id, n))
    }
}

/// The two-year dossier as the core's demo writes it (the phone's and the coach's
/// edits over two years): 500 applications edited about six times, 60 appointments, 100
/// actions.
pub fn two_year_dossier() -> Res<Automerge> {
    use koers_core::demo::{fill_fast, DossierSize};
    let mut scratch = koers_core::Dossier::open_in_memory()?;
    fill_fast(
        &mut scratch,
        DossierSize::TWO_YEARS,
        LocalDate::today(),
        2026,
    )?;
    Ok(scratch.automerge()?.clone())
}

pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// The `p`-th percentile (0-100) of sorted `v`, nearest rank.
pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// Median, 90th percentile and mean of `v`, in ms.
pub fn spread(mut v: Vec<Duration>) -> (f64, f64, f64) {
    v.sort_unstable();
    if v.is_empty() {
        return (0.0, 0.0, 0.0);
    }
    let mean = v.iter().sum::<Duration>() / v.len() as u32;
    (ms(v[v.len() / 2]), ms(v[v.len() * 9 / 10]), ms(mean))
}
