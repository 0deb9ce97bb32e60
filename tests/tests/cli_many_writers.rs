//! Many processes on one dossier through the `koers` binary: writers started at the same
//! moment, some killed with SIGKILL at random, new files opened by a dozen processes at once,
//! and erasure checked byte by byte in the database files.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use koers_core::model::DossierDocument;
use koers_core::query::ApplicationQuery;
use koers_core::Dossier;
use koers_e2e::cli::{id_of, Koers};

struct Random(u64);

impl Random {
    fn new() -> Self {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0x9e37_79b9_7f4a_7c15);
        eprintln!("seed {nanos}");
        Self(nanos | 1)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

/// A `koers bench-log` process and a thread collecting the ids it reports as stored.
struct Writer {
    child: Child,
    reader: std::thread::JoinHandle<Vec<String>>,
}

fn start_writer(k: &Koers, count: u64) -> Writer {
    let mut child = k
        .cmd()
        .args(["bench-log", "--count", &count.to_string()])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
            .filter(|l| l.len() == 32 && l.bytes().all(|b| b.is_ascii_hexdigit()))
            .collect()
    });
    Writer { child, reader }
}

/// The document rebuilt from the change log alone (not the record cache).
fn rebuilt(db: &Path) -> DossierDocument {
    koers_core::dossier::document_from_change_log(db).unwrap()
}

fn listed(k: &Koers) -> BTreeSet<String> {
    k.list(&[]).iter().map(id_of).collect()
}

fn check_whole(k: &Koers, reported: &BTreeSet<String>, round: &str) {
    let listed = listed(k);
    let missing: Vec<&String> = reported.difference(&listed).collect();
    assert!(
        missing.is_empty(),
        "{round}: reported but lost: {missing:?}"
    );
    let in_log: BTreeSet<String> = rebuilt(&k.db).applications.keys().cloned().collect();
    assert_eq!(in_log, listed, "{round}: change log and lists disagree");
    let d = Dossier::open(&k.db).unwrap();
    assert_eq!(
        d.list_applications(&ApplicationQuery::default())
            .unwrap()
            .len(),
        listed.len()
    );
}

#[test]
fn writers_started_at_once_and_killed_at_random_lose_no_acknowledged_write() {
    let mut random = Random::new();
    let k = Koers::new();
    let mut reported: BTreeSet<String> = BTreeSet::new();
    for (round, n) in [2usize, 4, 8, 2, 4, 8].into_iter().enumerate() {
        let writers: Vec<Writer> = (0..n).map(|_| start_writer(&k, 12)).collect();
        // Kill about a third of them at a random moment; the rest run to the end.
        std::thread::sleep(Duration::from_millis(random.below(400)));
        let mut killed = 0;
        let mut writers: Vec<Writer> = writers
            .into_iter()
            .map(|mut w| {
                if random.below(3) == 0 {
                    let _ = w.child.kill();
                    killed += 1;
                }
                w
            })
            .collect();
        for w in writers.drain(..) {
            let Writer { mut child, reader } = w;
            let status = child.wait().unwrap();
            let mut stderr = String::new();
            if let Some(mut e) = child.stderr.take() {
                use std::io::Read;
                let _ = e.read_to_string(&mut stderr);
            }
            let ids = reader.join().unwrap();
            if status.code().is_some() {
                assert!(status.success(), "round {round}: a writer failed: {stderr}");
                assert_eq!(ids.len(), 12, "round {round}: a finished writer logged all");
            }
            reported.extend(ids);
        }
        eprintln!(
            "round {round}: {n} writers, {killed} killed, {} reported",
            reported.len()
        );
        check_whole(&k, &reported, &format!("round {round}"));
        // At most one unreported survivor per killed writer.
        let extra = listed(&k).len() - reported.len();
        assert!(extra <= killed, "round {round}: {extra} unreported");
        reported = listed(&k);
    }
    // A later write succeeds, and the dossier still loads.
    let id = k.log(&["Acme", "Planner"]);
    let listed = listed(&k);
    assert!(listed.contains(&id));
    // The writes still pending made into Automerge changes (as a sync does first; writers
    // made the earlier ones, some killed while doing it): the change log alone gives the
    // same dossier.
    let mut d = Dossier::open(&k.db).unwrap();
    d.automerge().unwrap();
    let in_changes: BTreeSet<String> = rebuilt(&k.db).applications.keys().cloned().collect();
    assert_eq!(
        in_changes, listed,
        "the changes made and the lists disagree"
    );
}

#[test]
fn a_dozen_processes_opening_a_new_file_at_once_all_succeed() {
    for attempt in 0..3 {
        let k = Koers::new();
        let children: Vec<Child> = (0..12)
            .map(|i| {
                k.cmd()
                    .args(["--json", "log", &format!("Werkgever {i}"), "Planner"])
                    .stdin(Stdio::null())
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        let started = Instant::now();
        for child in children {
            let out = child.wait_with_output().unwrap();
            assert!(
                out.status.success(),
                "attempt {attempt}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        eprintln!("attempt {attempt}: 12 opens in {:?}", started.elapsed());
        assert_eq!(listed(&k).len(), 12, "attempt {attempt}");
        assert_eq!(rebuilt(&k.db).applications.len(), 12);
    }
}

fn database_bytes(db: &Path) -> Vec<u8> {
    let mut all = Vec::new();
    for suffix in ["", "-wal", "-shm"] {
        let mut name = db.as_os_str().to_owned();
        name.push(suffix);
        if let Ok(bytes) = std::fs::read(std::path::PathBuf::from(name)) {
            all.extend(bytes);
        }
    }
    all
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

#[test]
fn journal_delete_and_sign_out_wipe_leave_no_byte_behind() {
    let k = Koers::new();
    let entry = id_of(&k.json(&[
        "journal",
        "add",
        "--energy",
        "2",
        "MARKER-JOURNAAL",
        "slecht",
        "geslapen",
    ]));
    k.log(&["MARKER-WERKGEVER", "Planner", "--notes", "MARKER-NOTITIE"]);
    assert!(
        !contains(&database_bytes(&k.db), "MARKER-JOURNAAL"),
        "sealed at rest"
    );
    assert!(contains(&database_bytes(&k.db), "MARKER-WERKGEVER"));
    k.json(&["journal", "delete", &entry]);
    assert!(!contains(&database_bytes(&k.db), "MARKER-JOURNAAL"));

    k.json(&["journal", "add", "--energy", "3", "MARKER-TWEEDE"]);
    k.ok(&["sign-out", "--wipe"]);
    let bytes = database_bytes(&k.db);
    for marker in ["MARKER-WERKGEVER", "MARKER-NOTITIE", "MARKER-TWEEDE"] {
        assert!(!contains(&bytes, marker), "{marker} survived the wipe");
    }
    assert!(listed(&k).is_empty());
    k.log(&["Acme", "Planner"]);
    assert_eq!(listed(&k).len(), 1);
}
