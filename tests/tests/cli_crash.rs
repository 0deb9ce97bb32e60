//! Crash safety through the `koers` binary: a process that logs applications as fast as it can
//! is killed with SIGKILL at a random moment, several times; afterwards the dossier opens,
//! every application the process reported as stored is there, and nothing is half-written.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use koers_core::query::ApplicationQuery;
use koers_core::store::COMPACT_AFTER_CHANGES;
use koers_core::Dossier;
use koers_e2e::cli::{id_of, Koers};

/// A small xorshift generator seeded from the clock: a different moment every run, printed
/// so that a failing run can be told apart.
struct Random(u64);

impl Random {
    fn new() -> Self {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0x9e37_79b9_7f4a_7c15);
        Self(nanos | 1)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

/// Runs `koers bench-log` until killed after `delay`; returns the ids it reported.
fn log_until_killed(k: &Koers, delay: Duration) -> Vec<String> {
    let mut child = k
        .cmd()
        .arg("bench-log")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut ids = Vec::new();
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            ids.push(line);
        }
        ids
    });
    // Give it time to open the database and get going, then kill it mid-stride.
    std::thread::sleep(delay);
    child.kill().unwrap(); // SIGKILL on Unix: no clean-up of any kind
    let status = child.wait().unwrap();
    assert!(
        !status.success(),
        "bench-log should have been killed, not finished"
    );
    let lines = reader.join().unwrap();
    // Only whole lines count as reported (an id is written and flushed in one piece).
    lines
        .into_iter()
        .filter(|l| l.len() == 32 && l.bytes().all(|b| b.is_ascii_hexdigit()))
        .collect()
}

#[test]
fn killing_a_logging_process_loses_nothing_it_reported() {
    let mut random = Random::new();
    let k = Koers::new();
    let mut reported_total: BTreeSet<String> = BTreeSet::new();
    // The same dossier every round, and rounds until well past the compaction of the stored
    // changes (every COMPACT_AFTER_CHANGES), so a kill may land in the middle of one.
    let mut round = 0;
    while round < 5 || (reported_total.len() as i64) < COMPACT_AFTER_CHANGES + 50 {
        assert!(
            round < 40,
            "bench-log logs too slowly to reach a compaction"
        );
        let delay = Duration::from_millis(300 + random.below(3000));
        let reported = log_until_killed(&k, delay);
        eprintln!(
            "round {round}: killed after {delay:?}, {} reported",
            reported.len()
        );
        reported_total.extend(reported.iter().cloned());

        // The dossier opens (through the CLI) and shows every reported application.
        let listed: BTreeSet<String> = k.list(&[]).iter().map(id_of).collect();
        let missing: Vec<&String> = reported_total.difference(&listed).collect();
        assert!(
            missing.is_empty(),
            "round {round}: reported but lost: {missing:?}"
        );
        // At most the one being logged at the kill can be stored without having been reported.
        let unreported = listed.len() - reported_total.len();
        assert!(
            unreported <= 1,
            "round {round}: {unreported} unreported applications"
        );

        // Nothing half-written: the query tables and the document agree, and every
        // application is whole.
        let total = k.json(&["week"])["total"].as_u64().unwrap() as usize;
        assert_eq!(
            total,
            listed.len(),
            "round {round}: document and list disagree"
        );
        let d = Dossier::open(&k.db).unwrap();
        let in_document: BTreeSet<String> = d.document().applications.keys().cloned().collect();
        assert_eq!(in_document, listed, "round {round}");
        assert_eq!(
            d.list_applications(&ApplicationQuery::default())
                .unwrap()
                .len(),
            in_document.len()
        );
        for app in d.document().applications.values() {
            let n = app
                .employer
                .strip_prefix("Werkgever ")
                .expect("employer written whole");
            assert_eq!(app.role, format!("Functie {n}"));
            assert_eq!(app.notes, format!("bench-log {n}"));
            assert_eq!(app.history.len(), 1);
        }
        drop(d);
        // Reported ids count as listed from now on, including any unreported survivor.
        reported_total = listed;
        round += 1;
    }
    // After all that the dossier still takes new applications.
    k.log(&["Acme", "Planner"]);
    assert_eq!(k.list(&[]).len(), reported_total.len() + 1);
}
