//! The bureau over PostgreSQL through real HTTP: enrolment, a phone's sync, the coach's
//! view, an access refusal audited straight from an async handler, and the operational
//! endpoints (`/readyz`, `/metrics`). Needs the test PostgreSQL server
//! (`KOERS_TEST_DATABASE_URL`, set by ./scripts/test).

mod common;

use std::sync::Arc;

use common::{Phone, PASSWORD};
use koers_bureau::coach_api::{self, NewEmployee};
use koers_bureau::storage::postgres::PostgresStorage;
use koers_bureau::storage::Storage;
use koers_bureau::testkit::{fresh_postgres_database, TestServer};
use koers_core::model::TrajectoryKind;

#[test]
fn a_phone_syncs_and_the_coach_works_on_a_postgres_bureau() {
    let Some(url) = fresh_postgres_database() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let storage: Arc<dyn Storage> = Arc::new(PostgresStorage::connect(&url).unwrap());
    let server = TestServer::start_with(storage.clone(), dir.path(), None).unwrap();
    let coach = coach_api::create_coach(&server.state, "c@bureau.test", "C", PASSWORD, false)
        .unwrap()
        .id;
    let created = coach_api::create_employee(
        &server.state,
        &coach,
        &NewEmployee {
            name: "Jan".into(),
            kind: TrajectoryKind::Outplacement,
            first_sick_day: None,
            contract_end: None,
            weekly_target: Some(3),
            bureau: None,
        },
    )
    .unwrap();

    let mut phone = Phone::enrol(&server.url, &created.enrolment_code);
    let id = phone.add_application("Acme");
    assert_eq!(phone.sync().unwrap().round_trips, 1);
    let stored = server
        .state
        .documents
        .read(&created.employee_id, |d| {
            autosurgeon::hydrate::<_, koers_core::model::DossierDocument>(d).unwrap()
        })
        .unwrap();
    assert!(stored.applications.contains_key(&id));

    // A refused form posts its audit line from the async handler itself.
    let client = reqwest::blocking::Client::new();
    let refused = client
        .post(format!("{}/coach/inloggen", server.url))
        .form(&[("email", "c@bureau.test"), ("password", PASSWORD)])
        .send()
        .unwrap();
    assert_eq!(refused.status().as_u16(), 403);
    assert!(storage
        .audit_log(10)
        .unwrap()
        .iter()
        .any(|e| e.kind == "csrf"));

    let ready = client.get(format!("{}/readyz", server.url)).send().unwrap();
    assert_eq!(ready.status().as_u16(), 200);
    let metrics = client
        .get(format!("{}/metrics", server.url))
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(
        metrics.contains("koers_sync_sessions_total{outcome=\"ok\"}"),
        "{metrics}"
    );
    assert!(metrics.contains("koers_sync_duration_seconds_bucket"));
}

#[test]
fn readiness_fails_when_the_database_is_gone() {
    let Some(server_url) = koers_bureau::testkit::postgres_server() else {
        return;
    };
    let Some(url) = fresh_postgres_database() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let storage: Arc<dyn Storage> = Arc::new(PostgresStorage::connect(&url).unwrap());
    let server = TestServer::start_with(storage, dir.path(), None).unwrap();
    let client = reqwest::blocking::Client::new();
    let ready = || {
        client
            .get(format!("{}/readyz", server.url))
            .send()
            .unwrap()
            .status()
            .as_u16()
    };
    assert_eq!(ready(), 200);
    // Drop the database under the running node (its connections are ended first).
    let name = url.rsplit('/').next().unwrap().to_string();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let (admin, conn) = tokio_postgres::connect(&server_url, tokio_postgres::NoTls)
            .await
            .unwrap();
        tokio::spawn(conn);
        admin
            .batch_execute(&format!("DROP DATABASE {name} WITH (FORCE)"))
            .await
            .unwrap();
    });
    assert_eq!(ready(), 503);
    // And a healthy process still says so.
    let health = client
        .get(format!("{}/healthz", server.url))
        .send()
        .unwrap();
    assert_eq!(health.status().as_u16(), 200);
}
