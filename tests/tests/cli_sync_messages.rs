//! What `koers enrol` and `koers sync` say matches what happened: the coach's part of the
//! dossier arrives with the enrolment (and is named there), a sync reports what it sent and
//! what it received, and a sync with nothing to do says so. A bureau's log written to a
//! file carries no terminal colour codes.

use koers_e2e::bureau::Bureau;
use koers_e2e::cli::Koers;
use serde_json::json;

#[test]
fn enrol_and_sync_say_what_they_did() {
    let mut bureau = Bureau::new();
    let employee = bureau.create_employee("Joost Visser");
    bureau.start();
    let coach = bureau.coach_token();
    bureau.post(
        &format!("/v1/coach/employees/{}/actions", employee.id),
        Some(&coach),
        json!({"title": "Cv bijwerken"}),
    );

    let phone = Koers::new();
    phone.log(&["Acme", "Planner"]);
    let enrolled = phone.ok(&["enrol", &bureau.url(), &employee.code]);
    assert!(
        enrolled.contains("Meegekomen van het bureau: je traject en 1 open actie."),
        "{enrolled}"
    );
    assert!(
        enrolled.contains("gaat naar het bureau bij: koers sync"),
        "{enrolled}"
    );

    // The first sync sends what was logged offline; the coach's action came already.
    let first = phone.ok(&["sync"]);
    assert!(
        first.starts_with("Gesynchroniseerd: ")
            && first.contains("verstuurd; niets nieuws van het bureau."),
        "{first}"
    );
    assert!(!first.contains("0 wijzigingen ontvangen"), "{first}");
    let again = phone.ok(&["sync"]);
    assert_eq!(
        again.trim(),
        "Gesynchroniseerd: niets te versturen; niets nieuws van het bureau."
    );

    // The coach adds something: the next sync says it came in, in the singular.
    bureau.post(
        &format!("/v1/coach/employees/{}/actions", employee.id),
        Some(&coach),
        json!({"title": "Netwerkgesprek plannen"}),
    );
    let received = phone.ok(&["sync"]);
    assert!(
        received.contains("niets te versturen; 1 wijziging van het bureau ontvangen."),
        "{received}"
    );
}

#[test]
fn the_bureau_logs_to_stderr_without_colour_codes_when_not_on_a_terminal() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = Command::new(koers_e2e::bureau::bureau_bin())
        .arg("--data-dir")
        .arg(dir.path())
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Read the log until the bureau says it listens (a line about the database comes first).
    let mut line = String::new();
    let mut reader = BufReader::new(child.stderr.take().unwrap());
    for _ in 0..10 {
        line.clear();
        reader.read_line(&mut line).unwrap();
        assert!(!line.contains('\u{1b}'), "colour codes in {line:?}");
        if line.contains("koers-bureau luistert") {
            break;
        }
    }
    child.kill().unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(line.contains("koers-bureau luistert"), "{line:?}");
    assert!(!line.contains('\u{1b}'), "colour codes in {line:?}");
    assert!(out.stdout.is_empty(), "the log went to stdout");
}
