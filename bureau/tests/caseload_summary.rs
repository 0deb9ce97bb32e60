//! The caseload's stored summaries (`koers_bureau::summary`), on SQLite and on PostgreSQL
//! (`KOERS_TEST_DATABASE_URL`, set by ./scripts/test): after random edits through the
//! phone's sync and the coach's API every stored summary is what hydrating the dossier
//! gives; a node that has never seen a dossier serves the caseload without reading one
//! (counted by a storage that passes every call on and counts the document reads); a sync
//! on one node shows in the caseload on another; and a database from before the summaries
//! gets them once.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use common::{Phone, PASSWORD};
use koers_bureau::coach_api::{self, ActionChange, NewAction, NewAppointment, NewEmployee};
use koers_bureau::documents::Documents;
use koers_bureau::storage::{self, *};
use koers_bureau::testkit::{fresh_postgres_database, Dice, TestServer};
use koers_bureau::{summary, AppState, Result};
use koers_core::model::{
    genesis_document, AppointmentKind, DossierDocument, LocalDate, Phase, Timestamp, TrajectoryKind,
};
use koers_core::overview::today_overview;
use koers_core::progress::weekly_progress;

/// Where a test's database lives: a SQLite file or a fresh PostgreSQL database.
struct Database {
    url: String,
    _dir: tempfile::TempDir,
}

fn sqlite() -> Option<Database> {
    let dir = tempfile::tempdir().unwrap();
    let url = dir.path().join("bureau.db").to_string_lossy().into_owned();
    Some(Database { url, _dir: dir })
}

fn postgres() -> Option<Database> {
    let url = fresh_postgres_database()?;
    Some(Database {
        url,
        _dir: tempfile::tempdir().unwrap(),
    })
}

macro_rules! on_both {
    ($($name:ident),* $(,)?) => {
        mod on_sqlite {
            $(#[test] fn $name() { if let Some(db) = super::sqlite() { super::$name(&db) } })*
        }
        mod on_postgres {
            $(#[test] fn $name() { if let Some(db) = super::postgres() { super::$name(&db) } })*
        }
    };
}

on_both!(
    random_edits_keep_every_summary_that_of_the_hydrated_dossier,
    a_sync_on_one_node_shows_in_the_caseload_on_another,
    a_database_from_before_the_summaries_gets_them_once,
);

/// A storage that passes every call on and counts those that read a document.
struct Counting {
    inner: Arc<dyn Storage>,
    document_reads: AtomicUsize,
}

impl Counting {
    fn reads(&self) -> usize {
        self.document_reads.load(Ordering::SeqCst)
    }
}

impl Storage for Counting {
    fn insert_coach(&self, coach: &Coach) -> Result<()> {
        self.inner.insert_coach(coach)
    }
    fn coach_by_email(&self, email: &str) -> Result<Option<Coach>> {
        self.inner.coach_by_email(email)
    }
    fn coach_by_id(&self, id: &str) -> Result<Option<Coach>> {
        self.inner.coach_by_id(id)
    }
    fn insert_session(&self, token_hash: &[u8], coach_id: &str, expires_at: i64) -> Result<()> {
        self.inner.insert_session(token_hash, coach_id, expires_at)
    }
    fn session_coach(&self, token_hash: &[u8], now: i64) -> Result<Option<String>> {
        self.inner.session_coach(token_hash, now)
    }
    fn delete_session(&self, token_hash: &[u8]) -> Result<()> {
        self.inner.delete_session(token_hash)
    }
    fn insert_employee(
        &self,
        employee: &Employee,
        document: &[u8],
        summary: &Summary,
        code: &EnrolmentCode,
        now: i64,
    ) -> Result<bool> {
        self.inner
            .insert_employee(employee, document, summary, code, now)
    }
    fn employee(&self, id: &str) -> Result<Option<Employee>> {
        self.inner.employee(id)
    }
    fn caseload(&self, coach_id: &str) -> Result<Vec<Employee>> {
        self.inner.caseload(coach_id)
    }
    fn caseload_summaries(&self, coach_id: &str, with_closed: bool) -> Result<Vec<CaseloadLine>> {
        self.inner.caseload_summaries(coach_id, with_closed)
    }
    fn unsummarised(&self, format: i32) -> Result<Vec<String>> {
        self.inner.unsummarised(format)
    }
    fn change_coach(&self, employee_id: &str, from: &str, to: &str) -> Result<bool> {
        self.inner.change_coach(employee_id, from, to)
    }
    fn replace_code(&self, code: &EnrolmentCode, now: i64) -> Result<bool> {
        self.inner.replace_code(code, now)
    }
    fn code_lookup_taken(&self, lookup: &str, now: i64) -> Result<bool> {
        self.inner.code_lookup_taken(lookup, now)
    }
    fn redeem_code(
        &self,
        lookup: &str,
        code_hash: &[u8],
        now: i64,
        max_attempts: u32,
        device: &Device,
        token_hash: &[u8],
        request_hash: Option<&[u8]>,
    ) -> Result<Redeemed> {
        self.inner.redeem_code(
            lookup,
            code_hash,
            now,
            max_attempts,
            device,
            token_hash,
            request_hash,
        )
    }
    fn device_by_token_hash(&self, token_hash: &[u8]) -> Result<Option<Device>> {
        self.inner.device_by_token_hash(token_hash)
    }
    fn devices_of(&self, employee_id: &str) -> Result<Vec<Device>> {
        self.inner.devices_of(employee_id)
    }
    fn revoke_device(&self, device_id: &str, now: i64) -> Result<bool> {
        self.inner.revoke_device(device_id, now)
    }
    fn touch_device(&self, device_id: &str, now: i64) -> Result<()> {
        self.inner.touch_device(device_id, now)
    }
    fn load_document(&self, employee_id: &str) -> Result<Option<StoredDocument>> {
        self.document_reads.fetch_add(1, Ordering::SeqCst);
        self.inner.load_document(employee_id)
    }
    fn with_document(
        &self,
        employee_id: &str,
        access: Access,
        cached: Option<i64>,
        peer: Option<&str>,
        token: Option<TokenCheck<'_>>,
        work: &mut dyn FnMut(Opened) -> Result<DocumentWrite>,
    ) -> Result<Option<i64>> {
        self.document_reads.fetch_add(1, Ordering::SeqCst);
        self.inner
            .with_document(employee_id, access, cached, peer, token, work)
    }
    fn peer_state(&self, employee_id: &str, peer: &str) -> Result<Option<Vec<u8>>> {
        self.inner.peer_state(employee_id, peer)
    }
    fn secret(&self, name: &str, candidate: &[u8]) -> Result<Vec<u8>> {
        self.inner.secret(name, candidate)
    }
    fn throttle_failed(&self, scope: &str, key: &str, now: i64, period_ms: i64) -> Result<i64> {
        self.inner.throttle_failed(scope, key, now, period_ms)
    }
    fn throttle_tat(&self, scope: &str, key: &str) -> Result<Option<i64>> {
        self.inner.throttle_tat(scope, key)
    }
    fn audit(&self, event: &AuditEvent) -> Result<()> {
        self.inner.audit(event)
    }
    fn audit_log(&self, limit: usize) -> Result<Vec<AuditEvent>> {
        self.inner.audit_log(limit)
    }
    fn ping(&self) -> Result<()> {
        self.inner.ping()
    }
    fn kind(&self) -> &'static str {
        self.inner.kind()
    }
}

fn new_employee(name: &str, target: u32) -> NewEmployee {
    NewEmployee {
        name: name.into(),
        kind: TrajectoryKind::Spoor2,
        first_sick_day: Some(LocalDate(
            LocalDate::today().0 - chrono::Duration::days(150),
        )),
        contract_end: None,
        weekly_target: Some(target),
        bureau: None,
    }
}

fn hydrated(storage: &dyn Storage, employee_id: &str) -> DossierDocument {
    let stored = storage.load_document(employee_id).unwrap().unwrap();
    let mut doc = automerge::Automerge::load(&stored.snapshot).unwrap();
    for c in stored.changes {
        doc.apply_changes([automerge::Change::try_from(c.as_slice()).unwrap()])
            .unwrap();
    }
    autosurgeon::hydrate(&doc).unwrap()
}

/// Every stored summary of the coach's caseload is what the summary of the hydrated stored
/// dossier is at the moment it was computed, and gives what the whole dossier gives.
fn assert_summaries_match(storage: &dyn Storage, coach_id: &str) -> usize {
    let lines = storage.caseload_summaries(coach_id, true).unwrap();
    for l in &lines {
        let whole = hydrated(storage, &l.employee.id);
        let stored = l.summary.clone().expect("every dossier has a summary");
        let at = Timestamp::from_millis(stored.computed_at).unwrap();
        assert_eq!(
            stored,
            summary::of(&whole, at).unwrap(),
            "{}",
            l.employee.name
        );
        let inputs = summary::inputs(&stored).unwrap();
        let kept = &inputs.dossier;
        for days in [0, 1, 8, 20] {
            let now =
                Timestamp::from_millis(Timestamp::now().millis() + days * 86_400_000).unwrap();
            // The summary keeps of an application only what the caseload reads (no notes,
            // contact details or status history), and of the follow-ups overdue when it was
            // made only the first, counting the rest.
            let mut from_kept = today_overview(kept, now);
            let mut from_whole = today_overview(&whole, now);
            assert_eq!(
                from_kept.follow_ups_due.len() + inputs.overdue_follow_ups_left_out,
                from_whole.follow_ups_due.len()
            );
            for o in [&mut from_kept, &mut from_whole] {
                o.follow_ups_due.truncate(1);
                for a in &mut o.follow_ups_due {
                    *a = summary::caseload_fields(a);
                }
            }
            assert_eq!(from_kept, from_whole);
            let today = now.local_date();
            assert_eq!(
                weekly_progress(kept, today, summary::WEEKS_JUDGED).weeks,
                weekly_progress(&whole, today, summary::WEEKS_JUDGED).weeks
            );
        }
    }
    lines.len()
}

fn random_edits_keep_every_summary_that_of_the_hydrated_dossier(db: &Database) {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start_with(storage::open(&db.url).unwrap(), dir.path(), None).unwrap();
    let state = &server.state;
    let coach = coach_api::create_coach(state, "c@bureau.test", "C", PASSWORD, false)
        .unwrap()
        .id;
    let mut people = Vec::new();
    for (i, name) in ["Anna", "Bram", "Cor"].iter().enumerate() {
        let created =
            coach_api::create_employee(state, &coach, &new_employee(name, i as u32 + 1)).unwrap();
        let phone = (i < 2).then(|| Phone::enrol(&server.url, &created.enrolment_code));
        people.push((created.employee_id, phone));
    }
    let mut dice = Dice(0x9e37_79b9_7f4a_7c15);
    for step in 0..60 {
        let who = dice.below(people.len() as u64) as usize;
        let (id, phone) = &mut people[who];
        match (dice.below(7), phone.as_mut()) {
            (0..=2, Some(phone)) => {
                let app_id = koers_core::model::new_id();
                let mut app = common::application(&app_id, &format!("Werkgever {step}"));
                app.date = dice.days_from(Timestamp::now(), -25, 3);
                app.follow_up =
                    (dice.below(2) == 0).then(|| dice.days_from(Timestamp::now(), -10, 10));
                phone.edit(|d| {
                    d.applications.insert(app_id.clone(), app);
                });
                phone.sync().unwrap();
            }
            (3, _) => {
                let starts = Timestamp::from_millis(
                    Timestamp::now().millis() + (dice.below(20 * 24) as i64 - 4 * 24) * 3_600_000,
                )
                .unwrap();
                let ends = Timestamp::from_millis(starts.millis() + 3_600_000).unwrap();
                coach_api::schedule_appointment(
                    state,
                    &coach,
                    id,
                    "",
                    &NewAppointment {
                        starts_at: starts,
                        ends_at: ends,
                        kind: AppointmentKind::Coaching,
                        location: "Utrecht".into(),
                        agenda: String::new(),
                    },
                )
                .unwrap();
            }
            (4, _) => {
                let action = coach_api::add_action(
                    state,
                    &coach,
                    id,
                    "",
                    &NewAction {
                        title: format!("Actie {step}"),
                        due: Some(dice.days_from(Timestamp::now(), -7, 14)),
                        owner: None,
                        appointment_id: None,
                    },
                )
                .unwrap();
                if dice.below(2) == 0 {
                    coach_api::change_action(
                        state,
                        &coach,
                        id,
                        "",
                        &action.id,
                        &ActionChange {
                            title: None,
                            due: None,
                            done: Some(true),
                        },
                    )
                    .unwrap();
                }
            }
            (5, _) => {
                coach_api::set_weekly_target(state, &coach, id, "", dice.below(6) as u32).unwrap()
            }
            _ => coach_api::set_phase(
                state,
                &coach,
                id,
                "",
                Phase::ALL[dice.below(Phase::ALL.len() as u64) as usize],
            )
            .unwrap(),
        }
    }
    coach_api::close_trajectory(state, &coach, &people[2].0, "", "Werk gevonden").unwrap();
    assert_eq!(assert_summaries_match(state.storage.as_ref(), &coach), 3);

    // A fresh node: the caseload (the API's and through HTTP) reads no document.
    let counting = Arc::new(Counting {
        inner: storage::open(&db.url).unwrap(),
        document_reads: AtomicUsize::new(0),
    });
    let fresh = TestServer::start_with(counting.clone(), dir.path(), None).unwrap();
    let entries = coach_api::caseload_with_closed(&fresh.state, &coach).unwrap();
    assert_eq!(entries.len(), 3);
    for e in &entries {
        let whole = hydrated(state.storage.as_ref(), &e.employee_id);
        assert_eq!(e.applications, whole.applications.len());
        assert_eq!(e.phase, whole.trajectory.phase);
        assert_eq!(e.weekly_target, whole.trajectory.weekly_target);
        assert_eq!(e.closed_on, whole.trajectory.closed_on);
    }
    assert_eq!(coach_api::caseload(&fresh.state, &coach).unwrap().len(), 2);
    let client = reqwest::blocking::Client::new();
    let token: serde_json::Value = client
        .post(format!("{}/v1/coach/login", fresh.url))
        .json(&serde_json::json!({"email": "c@bureau.test", "password": PASSWORD}))
        .send()
        .unwrap()
        .json()
        .unwrap();
    let listed: Vec<serde_json::Value> = client
        .get(format!("{}/v1/coach/caseload", fresh.url))
        .bearer_auth(token["token"].as_str().unwrap())
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(listed.len(), 2);
    assert_eq!(counting.reads(), 0, "the caseload read a document");
    // The counter counts: opening one dossier is one read.
    coach_api::dossier(&fresh.state, &coach, &people[0].0, "").unwrap();
    assert_eq!(counting.reads(), 1);
}

fn a_sync_on_one_node_shows_in_the_caseload_on_another(db: &Database) {
    let dir = tempfile::tempdir().unwrap();
    let one = TestServer::start_with(storage::open(&db.url).unwrap(), dir.path(), None).unwrap();
    let two = TestServer::start_with(storage::open(&db.url).unwrap(), dir.path(), None).unwrap();
    let coach = coach_api::create_coach(&one.state, "c@bureau.test", "C", PASSWORD, false)
        .unwrap()
        .id;
    let created = coach_api::create_employee(&one.state, &coach, &new_employee("Jan", 2)).unwrap();
    let before = coach_api::caseload(&two.state, &coach).unwrap();
    assert_eq!((before[0].applications, before[0].last_seen_at), (0, None));
    let mut phone = Phone::enrol(&one.url, &created.enrolment_code);
    phone.add_application("Acme");
    phone.add_application("Jumbo");
    phone.sync().unwrap();
    let after = coach_api::caseload(&two.state, &coach).unwrap();
    assert_eq!(after[0].applications, 2);
    assert!(after[0].last_seen_at.is_some());
    // And a coach's edit on node two shows on node one.
    coach_api::set_phase(
        &two.state,
        &coach,
        &created.employee_id,
        "",
        Phase::Training,
    )
    .unwrap();
    assert_eq!(
        coach_api::caseload(&one.state, &coach).unwrap()[0].phase,
        Some(Phase::Training)
    );
}

/// A dossier with one application, as snapshot plus one change row.
fn stored_dossier() -> (Vec<u8>, Vec<u8>, Vec<u8>) {
    let mut doc = genesis_document().unwrap();
    let snapshot = doc.save();
    let heads = doc.get_heads();
    let mut d: DossierDocument = autosurgeon::hydrate(&doc).unwrap();
    d.applications
        .insert("a1".into(), common::application("a1", "Acme"));
    let mut tx = doc.transaction();
    autosurgeon::reconcile(&mut tx, &d).unwrap();
    tx.commit();
    let change = doc.get_changes(&heads).pop().unwrap();
    (
        snapshot,
        change.hash().0.to_vec(),
        change.raw_bytes().to_vec(),
    )
}

/// Runs `sql` on the database directly (what an older bureau would have written).
fn raw(db: &Database, sql: &str, blobs: &[&Vec<u8>]) {
    if storage::is_postgres_url(&db.url) {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let (client, connection) = tokio_postgres::connect(&db.url, tokio_postgres::NoTls)
                .await
                .unwrap();
            tokio::spawn(connection);
            let params: Vec<&(dyn tokio_postgres::types::ToSql + Sync)> = blobs
                .iter()
                .map(|b| *b as &(dyn tokio_postgres::types::ToSql + Sync))
                .collect();
            client.execute(sql, &params).await.unwrap();
        });
    } else {
        let conn = rusqlite::Connection::open(&db.url).unwrap();
        let sql = sql.replace("$1", "?1").replace("$2", "?2");
        conn.execute(&sql, rusqlite::params_from_iter(blobs.iter()))
            .unwrap();
    }
}

fn a_database_from_before_the_summaries_gets_them_once(db: &Database) {
    let (snapshot, hash, bytes) = stored_dossier();
    if storage::is_postgres_url(&db.url) {
        drop(storage::postgres::PostgresStorage::connect_at_version(&db.url, 2).unwrap());
    } else {
        drop(
            storage::sqlite::SqliteStorage::open_at_version(std::path::Path::new(&db.url), 3)
                .unwrap(),
        );
    }
    raw(
        db,
        "INSERT INTO coaches VALUES ('c1', 'c@x', 'C', 'h', FALSE)",
        &[],
    );
    raw(
        db,
        "INSERT INTO employees VALUES ('e1', 'Jan', 'c1', 0)",
        &[],
    );
    raw(
        db,
        "INSERT INTO documents (employee_id, snapshot) VALUES ('e1', $1)",
        &[&snapshot],
    );
    raw(
        db,
        "INSERT INTO changes (employee_id, hash, bytes) VALUES ('e1', $1, $2)",
        &[&hash, &bytes],
    );
    let storage = storage::open(&db.url).unwrap();
    assert_eq!(storage.unsummarised(summary::FORMAT).unwrap(), ["e1"]);
    let documents = Documents::new(storage.clone());
    assert_eq!(documents.fill_summaries().unwrap(), 1);
    assert_eq!(documents.fill_summaries().unwrap(), 0, "once");
    assert_eq!(assert_summaries_match(storage.as_ref(), "c1"), 1);
    let line = storage.caseload_summaries("c1", false).unwrap().remove(0);
    assert_eq!(line.summary.unwrap().applications, 1);
    assert_eq!(line.summary_version, Some(1));

    let counting = Arc::new(Counting {
        inner: storage.clone(),
        document_reads: AtomicUsize::new(0),
    });
    let state = AppState::new(counting.clone());
    assert_eq!(
        coach_api::caseload(&state, "c1").unwrap()[0].applications,
        1
    );
    assert_eq!(counting.reads(), 0);
    // A summary still missing (a node serving while another fills them in) is computed
    // when the caseload needs it, once.
    raw(db, "DELETE FROM caseload_summaries", &[]);
    assert_eq!(
        coach_api::caseload(&state, "c1").unwrap()[0].applications,
        1
    );
    assert_eq!(counting.reads(), 1);
    assert!(storage.unsummarised(summary::FORMAT).unwrap().is_empty());
    coach_api::caseload(&state, "c1").unwrap();
    assert_eq!(counting.reads(), 1);
    // One of another version of the document (stored by a node of an earlier version
    // during a rolling upgrade) likewise.
    raw(
        db,
        "UPDATE caseload_summaries SET version = version - 1",
        &[],
    );
    assert_eq!(storage.unsummarised(summary::FORMAT).unwrap(), ["e1"]);
    assert_eq!(
        coach_api::caseload(&state, "c1").unwrap()[0].applications,
        1
    );
    assert_eq!(counting.reads(), 2);
    coach_api::caseload(&state, "c1").unwrap();
    assert_eq!(counting.reads(), 2);
}

/// An edit whose append is refused after its summary was computed (another process stored
/// changes of the dossier meanwhile: SQLite's check) leaves nothing of it behind: the node
/// reloads the dossier, and the stored summary is the other process's.
#[test]
fn a_refused_append_leaves_neither_state_nor_summary_behind() {
    let db = sqlite().unwrap();
    let first = storage::open(&db.url).unwrap();
    let state = AppState::new(first.clone());
    let coach = coach_api::create_coach(&state, "c@bureau.test", "C", PASSWORD, false)
        .unwrap()
        .id;
    let id = coach_api::create_employee(&state, &coach, &new_employee("Jan", 2))
        .unwrap()
        .employee_id;
    let (a, b) = (
        Documents::new(first.clone()),
        Documents::new(storage::open(&db.url).unwrap()),
    );
    let add = |docs: &Documents, employer: &str| {
        let employer = employer.to_string();
        docs.edit(&id, |slot| {
            let mut fork = slot.doc.fork();
            let mut d: DossierDocument = autosurgeon::hydrate(&fork).unwrap();
            let app_id = koers_core::model::new_id();
            d.applications
                .insert(app_id.clone(), common::application(&app_id, &employer));
            let mut tx = fork.transaction();
            autosurgeon::reconcile(&mut tx, &d).unwrap();
            tx.commit();
            Ok(((), Some(fork), koers_bureau::documents::Persist::default()))
        })
    };
    add(&a, "Acme").unwrap();
    let refused = a.edit(&id, |slot| {
        // Another process appends first.
        add(&b, "Jumbo").unwrap();
        let mut fork = slot.doc.fork();
        let mut d: DossierDocument = autosurgeon::hydrate(&fork).unwrap();
        d.applications.clear();
        let mut tx = fork.transaction();
        autosurgeon::reconcile(&mut tx, &d).unwrap();
        tx.commit();
        Ok(((), Some(fork), koers_bureau::documents::Persist::default()))
    });
    assert!(refused.is_err());
    let seen = a.read_state(&id, |d| d.clone()).unwrap();
    assert_eq!(seen, hydrated(first.as_ref(), &id));
    assert_eq!(seen.applications.len(), 2);
    let line = first.caseload_summaries(&coach, false).unwrap().remove(0);
    assert_eq!(line.summary.unwrap().applications, 2);
}

/// What a summary costs on a two-year dossier (500 applications, 60 appointments, 100
/// actions: `koers_core::demo`): it keeps a small part of the dossier, so a caseload row
/// stays small however long the trajectory. Prints the size and the time to compute it.
#[test]
fn a_two_year_dossiers_summary_is_small() {
    let mut scratch = koers_core::dossier::Dossier::open_in_memory().unwrap();
    let today = LocalDate::today();
    koers_core::demo::fill(
        &mut scratch,
        koers_core::demo::DossierSize::TWO_YEARS,
        today,
        7,
    )
    .unwrap();
    let whole: DossierDocument = autosurgeon::hydrate(scratch.automerge().unwrap()).unwrap();
    assert!(whole.applications.len() >= 500);
    let started = std::time::Instant::now();
    let s = summary::of(&whole, Timestamp::now()).unwrap();
    let took = started.elapsed();
    let kept = summary::inputs(&s).unwrap().dossier;
    let whole_json = serde_json::to_string(&whole).unwrap().len();
    println!(
        "two-year dossier: summary {} bytes ({} of {} applications, {} appointments, {} actions kept; the whole dossier as JSON {} bytes), computed in {:.2} ms",
        s.inputs.len(),
        kept.applications.len(),
        whole.applications.len(),
        kept.appointments.len(),
        kept.actions.len(),
        whole_json,
        took.as_secs_f64() * 1000.0
    );
    assert!(s.inputs.len() * 10 < whole_json, "{} bytes", s.inputs.len());
}
