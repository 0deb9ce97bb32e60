//! Several `koers-bureau` processes (the real binary) on one PostgreSQL database
//! (`KOERS_TEST_DATABASE_URL`, set by ./scripts/test), each with its own data directory as
//! on separate machines: what one node issues or counts, every node knows.

mod common;

use std::net::{SocketAddr, TcpListener};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{Phone, PASSWORD};
use koers_bureau::testkit::fresh_postgres_database;
use reqwest::blocking::Client;
use reqwest::StatusCode;

/// A `koers-bureau serve` process; killed when dropped.
struct Node {
    url: String,
    child: Child,
    _dir: tempfile::TempDir,
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn bureau(database: &str, data_dir: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_koers-bureau"));
    cmd.arg("--database")
        .arg(database)
        .arg("--data-dir")
        .arg(data_dir)
        .env_remove("KOERS_SECRET_FILE")
        .env_remove("KOERS_TRUSTED_PROXIES");
    cmd
}

fn free_port() -> SocketAddr {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
}

/// Starts a node over `database` with a data directory of its own; waits until it answers.
fn node(database: &str) -> Node {
    let dir = tempfile::tempdir().unwrap();
    let addr = free_port();
    let child = bureau(database, dir.path())
        .args(["serve", "--listen", &addr.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let node = Node {
        url: format!("http://{addr}"),
        child,
        _dir: dir,
    };
    let start = Instant::now();
    while Client::new()
        .get(format!("{}/readyz", node.url))
        .send()
        .map_or(true, |r| r.status() != StatusCode::OK)
    {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "node did not start"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    node
}

/// A coach account made with the administration command.
fn create_coach(database: &str, email: &str) {
    let dir = tempfile::tempdir().unwrap();
    let out = bureau(database, dir.path())
        .args(["create-coach", "--email", email, "--name", "Coach"])
        .env("KOERS_COACH_PASSWORD", PASSWORD)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn login(node: &Node, email: &str, password: &str) -> (StatusCode, serde_json::Value) {
    let r = Client::new()
        .post(format!("{}/v1/coach/login", node.url))
        .json(&serde_json::json!({"email": email, "password": password}))
        .send()
        .unwrap();
    let status = r.status();
    (status, r.json().unwrap_or_default())
}

/// A coach made on `database` creates an employee through `node`: the reply, with the
/// employee's id and enrolment code.
fn new_employee(database: &str, node: &Node) -> serde_json::Value {
    create_coach(database, "c@bureau.test");
    let (status, session) = login(node, "c@bureau.test", PASSWORD);
    assert_eq!(status, StatusCode::OK);
    Client::new()
        .post(format!("{}/v1/coach/employees", node.url))
        .bearer_auth(session["token"].as_str().unwrap())
        .json(&serde_json::json!({"name": "Jan", "kind": "outplacement"}))
        .send()
        .unwrap()
        .json()
        .unwrap()
}

#[test]
fn a_code_issued_on_one_node_enrols_on_another() {
    let Some(database) = fresh_postgres_database() else {
        return;
    };
    let (one, two) = (node(&database), node(&database));
    let created = new_employee(&database, &one);
    let code = created["enrolment_code"].as_str().unwrap();
    // Node two has never seen this code nor made a key of its own on disk.
    let mut phone = Phone::enrol(&two.url, code);
    assert_eq!(phone.employee_id, created["employee_id"].as_str().unwrap());
    phone.add_application("Acme");
    phone.sync().unwrap();
}

/// A device signed out through one node is refused at once by another node that served it
/// before and remembers its token: that node checks the token inside each sync's own
/// transaction, where the revocation is seen.
#[test]
fn a_device_signed_out_on_one_node_is_refused_by_the_other() {
    let Some(database) = fresh_postgres_database() else {
        return;
    };
    let (one, two) = (node(&database), node(&database));
    let created = new_employee(&database, &one);
    let mut phone = Phone::enrol(&one.url, created["enrolment_code"].as_str().unwrap());
    for employer in ["Acme", "Bakkerij"] {
        phone.add_application(employer);
        phone.sync().unwrap();
    }
    koers_core::sync::HttpTransport::new(&two.url)
        .unwrap()
        .revoke(&phone.token, &phone.device_id)
        .unwrap();
    phone.add_application("Café");
    let err = phone.sync().unwrap_err();
    assert!(
        matches!(&err, koers_core::KoersError::Refused { message } if message.contains("gekoppeld")),
        "{err}"
    );
}

/// Failed logins spread over two nodes lock the client out at the same count as on one
/// node (20: `AppState`'s limit per client address), on both nodes; before, each node
/// counted its own and two nodes allowed twice as many.
#[test]
fn failures_spread_over_two_nodes_lock_out_as_on_one() {
    let Some(database) = fresh_postgres_database() else {
        return;
    };
    let (one, two) = (node(&database), node(&database));
    create_coach(&database, "c@bureau.test");
    for i in 0..20 {
        let n = if i % 2 == 0 { &one } else { &two };
        assert_eq!(
            login(n, "c@bureau.test", "fout").0,
            StatusCode::UNAUTHORIZED,
            "attempt {}",
            i + 1
        );
    }
    for n in [&one, &two] {
        assert_eq!(
            login(n, "c@bureau.test", PASSWORD).0,
            StatusCode::TOO_MANY_REQUESTS,
            "even the right password waits"
        );
    }
    // A third node started now knows it too.
    let three = node(&database);
    assert_eq!(
        login(&three, "c@bureau.test", "fout").0,
        StatusCode::TOO_MANY_REQUESTS
    );
}
