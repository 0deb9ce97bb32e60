//! Several stateless `koers-bureau` nodes over one PostgreSQL database behind a round-robin
//! balancer: two phones of one employee and the coach edit the same dossier at the same
//! time through both nodes, one node is killed (SIGKILL) while they sync, and afterwards
//! every acknowledged change is stored exactly once and every device holds the same dossier.
//! Needs the test PostgreSQL server (`KOERS_TEST_DATABASE_URL`, set by ./scripts/test).

use std::collections::HashSet;
use std::time::Duration;

use automerge::{Automerge, ReadDoc};
use koers_bureau::storage::Storage;
use koers_e2e::bureau::{Balancer, Bureau};
use koers_e2e::cli::{id_of, Koers};
use reqwest::Method;
use serde_json::{json, Value};

fn application_ids(phone: &Koers) -> HashSet<String> {
    phone.list(&[]).iter().map(id_of).collect()
}

/// Syncs until a sync succeeds (a killed node costs retries, never data).
fn sync_until_ok(phone: &Koers) -> Value {
    for _ in 0..20 {
        let run = phone.run(&["--json", "sync"]);
        if run.code == 0 {
            return run.json();
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("sync never succeeded");
}

/// POSTs a coach action; the HTTP status (599 when the connection failed).
fn post_status(url: &str, token: &str, title: &str) -> u16 {
    reqwest::blocking::Client::new()
        .post(url)
        .bearer_auth(token)
        .json(&json!({ "title": title }))
        .send()
        .map(|r| r.status().as_u16())
        .unwrap_or(599)
}

#[test]
fn two_nodes_share_one_database_and_survive_a_kill_mid_sync() {
    let Some(database) = koers_bureau::testkit::fresh_postgres_database() else {
        return;
    };
    let mut one = Bureau::on_database(Some(&database));
    let employee = one.create_employee("Jan Jansen");
    let mut two = one.another_node();
    one.start();
    two.start();
    let balancer = Balancer::start(vec![one.port, two.port]);
    let coach = one.coach_token();
    let base = format!("/v1/coach/employees/{}", employee.id);

    // Both phones enrol through the balancer: the one on node one, the other on node two.
    let a = Koers::new();
    a.ok(&[
        "enrol",
        &balancer.url(),
        &employee.code,
        "--device-name",
        "Telefoon",
    ]);
    let code2 = two.post(&format!("{base}/code"), Some(&coach), json!({}));
    let b = Koers::new();
    b.ok(&[
        "enrol",
        &balancer.url(),
        code2["enrolment_code"].as_str().unwrap_or_default(),
        "--device-name",
        "Tablet",
    ]);

    // Everyone edits at once; node one dies half-way through.
    let (balancer_url, node_two_url) = (balancer.url(), two.url());
    let mut logged: Vec<String> = Vec::new();
    let coach_actions = std::thread::scope(|scope| {
        let phone_a = scope.spawn(|| {
            let mut ids = Vec::new();
            for i in 0..8 {
                ids.push(a.log(&[&format!("Werkgever A{i}"), "Planner"]));
                let _ = a.run(&["--json", "sync"]);
            }
            ids
        });
        let phone_b = scope.spawn(|| {
            let mut ids = Vec::new();
            for i in 0..8 {
                ids.push(b.log(&[&format!("Werkgever B{i}"), "Chauffeur"]));
                let _ = b.run(&["--json", "sync"]);
            }
            ids
        });
        let coach_edits = scope.spawn(|| {
            let mut titles = Vec::new();
            for i in 0..8 {
                // Through the balancer (either node), or node two when that fails.
                let title = format!("Actie van de coach {i}");
                for url in [&balancer_url, &node_two_url] {
                    if post_status(&format!("{url}{base}/actions"), &coach, &title) < 300 {
                        titles.push(title.clone());
                        break;
                    }
                }
            }
            titles
        });
        std::thread::sleep(Duration::from_millis(700));
        one.kill();
        logged.extend(phone_a.join().unwrap_or_default());
        logged.extend(phone_b.join().unwrap_or_default());
        coach_edits.join().unwrap_or_default()
    });
    assert!(!one.is_running());
    assert_eq!(logged.len(), 16);
    assert_eq!(coach_actions.len(), 8, "node two took every coach edit");

    // With node one still down, and again once it is back, everything settles.
    sync_until_ok(&a);
    sync_until_ok(&b);
    one.start();
    for phone in [&a, &b, &a] {
        sync_until_ok(phone);
    }
    for phone in [&a, &b] {
        let status = phone.json(&["sync-status"]);
        assert_eq!(status["pending_changes"], 0, "{status}");
        let ids = application_ids(phone);
        for id in &logged {
            assert!(ids.contains(id), "{id} missing on a phone");
        }
        let actions = phone.json(&["action", "list"]);
        let titles: HashSet<&str> = actions
            .as_array()
            .map(|v| v.iter().filter_map(|x| x["title"].as_str()).collect())
            .unwrap_or_default();
        for t in &coach_actions {
            assert!(titles.contains(t.as_str()), "{t} missing on a phone");
        }
    }
    assert_eq!(application_ids(&a), application_ids(&b));

    // Both nodes serve the same dossier, holding everything.
    let coach_two = two.coach_token();
    let via_one = one.call(Method::GET, &base, Some(&coach), None);
    let via_two = two.call(Method::GET, &base, Some(&coach_two), None);
    assert_eq!(via_one["dossier"], via_two["dossier"]);
    for id in &logged {
        assert!(
            via_one["dossier"]["applications"].get(id).is_some(),
            "{id} not stored"
        );
    }

    // Stored once: no change both in the snapshot and as a row, no row twice.
    let storage = koers_bureau::storage::postgres::PostgresStorage::connect(&database)
        .unwrap_or_else(|e| panic!("{e}"));
    let stored = storage
        .load_document(&employee.id)
        .unwrap_or_else(|e| panic!("{e}"))
        .unwrap_or_else(|| panic!("no document"));
    let snapshot = Automerge::load(&stored.snapshot).unwrap_or_else(|e| panic!("{e}"));
    let mut hashes: HashSet<_> = snapshot.get_changes(&[]).iter().map(|c| c.hash()).collect();
    let in_snapshot = hashes.len();
    for bytes in &stored.changes {
        let change =
            automerge::Change::try_from(bytes.as_slice()).unwrap_or_else(|e| panic!("{e}"));
        assert!(hashes.insert(change.hash()), "change stored twice");
    }
    assert_eq!(hashes.len(), in_snapshot + stored.changes.len());
    let mut all = snapshot;
    all.apply_changes(
        stored
            .changes
            .iter()
            .filter_map(|b| automerge::Change::try_from(b.as_slice()).ok()),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        all.get_missing_deps(&[]).is_empty(),
        "a stored change lacks its history"
    );
}
