//! Shared setup for the bureau's integration tests: a server on a temp dir, a coach, and a
//! simulated phone that runs the core's real sync engine over HTTP.
#![allow(dead_code)]

use std::time::Duration;

use automerge::Automerge;
use koers_bureau::coach_api::{self, NewEmployee};
use koers_bureau::testkit::TestServer;
use koers_core::model::{
    genesis_document, Actor, Application, ApplicationStatus, DossierDocument, LocalDate,
    StatusChange, Timestamp, TrajectoryKind,
};
use koers_core::sync::{
    adopt_enrolment, sync_documents, BackoffPolicy, HttpTransport, PeerState, SyncReport,
    SyncTarget,
};

pub const PASSWORD: &str = "een lang wachtwoord";

pub fn fast_policy() -> BackoffPolicy {
    BackoffPolicy {
        max_attempts: 6,
        initial: Duration::from_millis(20),
        max_delay: Duration::from_millis(200),
    }
}

pub struct Bureau {
    pub dir: tempfile::TempDir,
    server: Option<TestServer>,
}

impl Bureau {
    pub fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let server = TestServer::start(dir.path(), None).unwrap();
        Self {
            dir,
            server: Some(server),
        }
    }

    pub fn srv(&self) -> &TestServer {
        self.server.as_ref().unwrap()
    }

    pub fn url(&self) -> String {
        self.srv().url.clone()
    }

    /// Stops the server (its port stays reserved for `resume`).
    pub fn stop(&mut self) -> std::net::SocketAddr {
        let s = self.server.take().unwrap();
        let addr = s.addr;
        s.stop();
        addr
    }

    /// Starts the server again on the same data dir and port.
    pub fn resume(&mut self, addr: std::net::SocketAddr) {
        self.server = Some(start_on(self.dir.path(), addr));
    }

    pub fn restart(&mut self) {
        let addr = self.stop();
        self.resume(addr);
    }

    pub fn coach(&self, email: &str) -> String {
        coach_api::create_coach(&self.srv().state, email, "Coach", PASSWORD, false)
            .unwrap()
            .id
    }

    /// A new employee of `coach_id`; returns (employee id, enrolment code).
    pub fn employee(&self, coach_id: &str, name: &str) -> (String, String) {
        let c = coach_api::create_employee(
            &self.srv().state,
            coach_id,
            &NewEmployee {
                name: name.into(),
                kind: TrajectoryKind::Outplacement,
                first_sick_day: None,
                contract_end: None,
                weekly_target: Some(3),
                bureau: None,
            },
        )
        .unwrap();
        (c.employee_id, c.enrolment_code)
    }

    /// The server's copy of a dossier.
    pub fn dossier(&self, employee_id: &str) -> DossierDocument {
        self.srv()
            .state
            .documents
            .read(employee_id, |d| autosurgeon::hydrate(d).unwrap())
            .unwrap()
    }

    pub fn heads(&self, employee_id: &str) -> Vec<automerge::ChangeHash> {
        self.srv()
            .state
            .documents
            .read(employee_id, |d| d.get_heads())
            .unwrap()
    }

    pub fn coach_token(&self, email: &str) -> String {
        let client = reqwest::blocking::Client::new();
        let r: serde_json::Value = client
            .post(format!("{}/v1/coach/login", self.srv().url))
            .json(&serde_json::json!({"email": email, "password": PASSWORD}))
            .send()
            .unwrap()
            .json()
            .unwrap();
        r["token"].as_str().unwrap().to_string()
    }
}

pub fn start_on(dir: &std::path::Path, addr: std::net::SocketAddr) -> TestServer {
    // The old socket may linger a moment.
    for _ in 0..50 {
        if let Ok(s) = TestServer::start(dir, Some(addr)) {
            return s;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("cannot restart on {addr}");
}

/// A phone: its own document, the engine's state, and its credential.
pub struct Phone {
    pub doc: Automerge,
    pub state: PeerState,
    pub employee_id: String,
    pub device_id: String,
    pub token: String,
    pub transport: HttpTransport,
    /// What the Dossier would have persisted: every applied change.
    pub persisted: Vec<Vec<u8>>,
}

impl Phone {
    pub fn enrol(url: &str, code: &str) -> Self {
        let transport = HttpTransport::new(url).unwrap();
        let e = transport.enrol(code, "Testtelefoon").unwrap();
        let mut doc = genesis_document()
            .unwrap()
            .with_actor(automerge::ActorId::random());
        let (state, applied) = adopt_enrolment(&mut doc, &e.document).unwrap();
        Self {
            doc,
            state,
            employee_id: e.employee_id,
            device_id: e.device_id,
            token: e.token,
            transport,
            persisted: applied,
        }
    }

    pub fn sync(&mut self) -> koers_core::Result<SyncReport> {
        let mut persisted = vec![];
        let r = sync_documents(
            &self.transport,
            &self.token,
            &mut [SyncTarget {
                document_id: self.employee_id.clone(),
                doc: &mut self.doc,
                state: &mut self.state,
            }],
            &fast_policy(),
            |_, _, absorbed, state| {
                persisted.extend(absorbed.applied_changes.iter().cloned());
                let _ = state.to_bytes();
                Ok(())
            },
        );
        self.persisted.extend(persisted);
        r
    }

    pub fn dossier(&self) -> DossierDocument {
        autosurgeon::hydrate(&self.doc).unwrap()
    }

    pub fn edit(&mut self, f: impl FnOnce(&mut DossierDocument)) {
        let mut d = self.dossier();
        f(&mut d);
        let mut tx = self.doc.transaction();
        autosurgeon::reconcile(&mut tx, &d).unwrap();
        tx.commit();
    }

    pub fn add_application(&mut self, employer: &str) -> String {
        let id = koers_core::model::new_id();
        let app = application(&id, employer);
        self.edit(|d| {
            d.applications.insert(id.clone(), app);
        });
        id
    }
}

pub fn application(id: &str, employer: &str) -> Application {
    let now = Timestamp::now();
    Application {
        id: id.into(),
        employer: employer.into(),
        role: "Planner".into(),
        source: None,
        vacancy_url: None,
        location: Some("Utrecht".into()),
        date: LocalDate::today(),
        contact: None,
        salary: None,
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
