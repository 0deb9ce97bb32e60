//! The bureau at scale (issue 12; docs/PERFORMANCE.md, "Bureau at scale"): 10,000 employees
//! whose dossiers are each a two-year one, 1,000 enrolled devices syncing through real HTTP
//! with the core's sync client, on SQLite (one node) and PostgreSQL (one node, then two nodes
//! over the same database), and the automerge-repo reference sync server beside it for the
//! same change on the same document.
//!
//! The bureau runs as real `koers-bureau serve` processes (this package's release binary), so
//! the server CPU (utime + stime from /proc/PID/stat) and peak memory (VmHWM) are the
//! server's alone; this process is the load generator. Seeding goes through the storage
//! layer (`testkit::seed_employee`: every employee gets the same two-year document bytes,
//! stored as their own row, with the state the template's compaction stored beside it);
//! devices enrol over HTTP.
//!
//! Run: `scripts/bench-scale` (starts a PostgreSQL cluster with fsync on, installs the
//! automerge-repo tools, runs this), or by hand:
//! `KOERS_BENCH_DATABASE_URL=postgres://... cargo bench -p koers-bureau --bench scale [-- --quick]`.
//! Without the URL the PostgreSQL part is skipped (said so in the output); `--quick` is the
//! smoke test's size (500 employees, 50 devices, a caseload of 20); `--postgres-only` leaves
//! out SQLite and the reference server (for working on the PostgreSQL figures).
//!
//! On one machine a second node brings no CPU of its own: both configurations share the same
//! cores with PostgreSQL and this load generator, and two nodes can at best equal one. So
//! the PostgreSQL nodes are then also measured as machines of their own would have them:
//! each node process in a cgroup of its own with a CPU quota of [`NODE_CPU_SHARE`] of a core
//! (root only; said so in the output where the machine has no cgroup CPU controller).

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use automerge::{Automerge, ChangeHash};
use koers_bureau::auth::CodeKey;
use koers_bureau::client_addr::TrustedProxies;
use koers_bureau::coach_api;
use koers_bureau::{AppState, Security};
use koers_core::sync::{adopt_enrolment, HttpTransport, PeerState};

mod common;
use common::{
    application, ms, percentile, put_application, two_year_dossier, two_year_employee, Phone, Res,
};

const PASSWORD: &str = "schaal-wachtwoord";
/// The paced run's rate: the "p99 under 100 ms at 500 sessions/s".
const PACED_RATE: f64 = 500.0;
/// Measured rounds of each kind per configuration (the median is reported).
const ROUNDS: usize = 5;
/// Each node's CPU, as a share of one core, when the nodes stand in for machines of their
/// own: small enough that two capped nodes, PostgreSQL and the load generator fit in this
/// machine's two cores (a session costs a node about 1.1-1.6 ms, PostgreSQL 0.8-1.2 ms and
/// the load generator about 1 ms), so the nodes are what limits the rate.
const NODE_CPU_SHARE: f64 = 0.3;
/// The paced rounds' rate with capped nodes: within what one capped node serves.
const CAPPED_PACED_RATE: f64 = 150.0;

/// How big a run is.
struct Size {
    employees: usize,
    devices: usize,
    /// Employees of the coach whose caseload is measured.
    caseload: usize,
    /// Employees per coach for everyone else.
    per_coach: usize,
    /// Changes synced to the automerge-repo server.
    repo_changes: usize,
}

impl Size {
    fn coaches(&self) -> usize {
        1 + (self.employees - self.caseload).div_ceil(self.per_coach)
    }
}

fn main() -> Res<()> {
    let args: Vec<String> = std::env::args().collect();
    let quick = args.iter().any(|a| a == "--quick");
    let postgres_only = args.iter().any(|a| a == "--postgres-only");
    let size = if quick {
        Size {
            employees: 500,
            devices: 50,
            caseload: 20,
            per_coach: 100,
            repo_changes: 10,
        }
    } else {
        Size {
            employees: 10_000,
            devices: 1_000,
            caseload: 100,
            per_coach: 100,
            repo_changes: 50,
        }
    };
    let postgres = std::env::var("KOERS_BENCH_DATABASE_URL")
        .ok()
        .filter(|u| !u.is_empty());
    let started = Instant::now();
    println!(
        "# Bureau at scale: {} employees (two-year dossiers), {} devices, caseload of {}{}",
        size.employees,
        size.devices,
        size.caseload,
        if quick { " (--quick)" } else { "" }
    );
    println!("load before: {}", load_average());
    raise_fd_limit();
    let work = tempfile::tempdir()?;

    let build = Instant::now();
    let filled = two_year_dossier()?;
    println!(
        "two-year dossier: {} changes, saved {} bytes, built in {:.1} s",
        filled.get_changes(&[]).len(),
        filled.save().len(),
        build.elapsed().as_secs_f64()
    );

    let mut results: Vec<Measured> = Vec::new();
    let mut caseloads: Vec<(String, Caseload)> = Vec::new();
    // Configurations measured side by side, round by round.
    let mut comparisons: Vec<String> = Vec::new();
    let mut template: Option<Vec<u8>> = None;

    // SQLite, one node.
    if !postgres_only {
        let dir = work.path().join("sqlite");
        std::fs::create_dir_all(&dir)?;
        let db = dir.join("bureau.db").to_string_lossy().into_owned();
        let seeded = seed("SQLite", &db, &size, &filled, 1)?;
        template.get_or_insert_with(|| seeded.template.bytes.clone());
        let node = Node::start(&db, None, &dir, "sqlite-a")?;
        caseloads.push(("SQLite".into(), caseload(&node.url, &seeded, 5)?));
        let mut phones = enrol_all(&[&node], &seeded.device_set(0), &seeded.template)?;
        warm_up(
            "SQLite, 1 node, first sync after enrolment",
            &[&node],
            &mut phones,
        )?;
        results.extend(measure(
            &mut [Config {
                name: "SQLite, 1 node".into(),
                nodes: vec![&node],
                phones: &mut phones,
                switch: None,
            }],
            PACED_RATE,
        )?);
        node.stop();
    }

    // PostgreSQL: one node and two nodes on the same database, running at once, each with
    // its own devices, their rounds interleaved (so a machine that slows down during the run
    // slows both alike); then one node again beside two nodes without session affinity; then
    // both comparisons again with each node capped at NODE_CPU_SHARE of a core.
    match &postgres {
        None => println!(
            "\nPostgreSQL: not measured (set KOERS_BENCH_DATABASE_URL, or run scripts/bench-scale)"
        ),
        Some(server) => {
            let dir = work.path().join("postgres");
            std::fs::create_dir_all(&dir)?;
            let db = create_database(server)?;
            let mut run = || -> Res<()> {
                let seeded = seed("PostgreSQL", &db.url, &size, &filled, 2)?;
                template.get_or_insert_with(|| seeded.template.bytes.clone());
                let a = Node::start(&db.url, None, &dir, "postgres-a")?;
                caseloads.push(("PostgreSQL".into(), caseload(&a.url, &seeded, 5)?));
                // Two nodes on one database share its connections: each gets half of the
                // one node's pool, so a two-node round has PostgreSQL serve as many backends
                // as a one-node round (the other configuration's connections wait idle). On
                // one machine's two cores more backends are contention, not capacity (run 8:
                // 32 busy connections cost PostgreSQL 1.0-1.1 ms per session against
                // 0.6-0.8 ms with 16).
                let half = Some(koers_bureau::storage::postgres::DEFAULT_POOL_SIZE / 2);
                let b = Node::start(&db.url, half, &dir, "postgres-b")?;
                let c = Node::start(&db.url, half, &dir, "postgres-c")?;
                let mut one = enrol_all(&[&a], &seeded.device_set(0), &seeded.template)?;
                // Device i talks to node i mod 2 (as a balancer with session affinity
                // would send it).
                let mut two = enrol_all(&[&b, &c], &seeded.device_set(1), &seeded.template)?;
                warm_up(
                    "PostgreSQL, 1 node, first sync after enrolment",
                    &[&a],
                    &mut one,
                )?;
                warm_up(
                    "PostgreSQL, 2 nodes, first sync after enrolment",
                    &[&b, &c],
                    &mut two,
                )?;
                settle(&db)?;
                let measured =
                    one_beside_two("", [&a, &b, &c], &mut one, &mut two, None, PACED_RATE)?;
                record(measured, &mut results, &mut comparisons);
                // Without affinity: a balancer that sends each session to either node, so a
                // device's every session reaches the node its previous one did not, and that
                // node first catches up on the change the other node stored. Each node's
                // first session of a device it never served loads that dossier whole: shown,
                // not measured.
                let mut other: Vec<HttpTransport> = two
                    .iter()
                    .enumerate()
                    .map(|(i, _)| HttpTransport::new(if i % 2 == 0 { &c.url } else { &b.url }))
                    .collect::<Result<_, _>>()?;
                switch_node(&mut two, &mut other);
                warm_up(
                    "PostgreSQL, 2 nodes, no affinity, first round on the other node (each node loads the other half)",
                    &[&b, &c],
                    &mut two,
                )?;
                let measured = one_beside_two(
                    "",
                    [&a, &b, &c],
                    &mut one,
                    &mut two,
                    Some(&mut other),
                    PACED_RATE,
                )?;
                record(measured, &mut results, &mut comparisons);
                // Each node as a machine of its own: a CPU quota per node process, so a
                // second node brings CPU the first does not have, while PostgreSQL and this
                // load generator keep the rest of the machine. With affinity (each device
                // stays on the node its last round ran on), then without.
                let quotas: Res<Vec<CpuQuota>> = [&a, &b, &c]
                    .iter()
                    .map(|n| CpuQuota::limit(n.child.id(), n.name, NODE_CPU_SHARE))
                    .collect();
                match quotas {
                    Err(e) => {
                        let line = format!("capped nodes: not measured: {e}");
                        println!("{line}");
                        comparisons.push(line);
                    }
                    Ok(quotas) => {
                        let capped = format!(", {NODE_CPU_SHARE} of a core per node");
                        let measured = one_beside_two(
                            &capped,
                            [&a, &b, &c],
                            &mut one,
                            &mut two,
                            None,
                            CAPPED_PACED_RATE,
                        )?;
                        record(measured, &mut results, &mut comparisons);
                        // As above: the first round on the other node catches up on the
                        // rounds it missed; shown, not measured.
                        switch_node(&mut two, &mut other);
                        warm_up(
                            &format!(
                                "PostgreSQL, 2 nodes, no affinity, first round on the other node{capped}"
                            ),
                            &[&b, &c],
                            &mut two,
                        )?;
                        let measured = one_beside_two(
                            &capped,
                            [&a, &b, &c],
                            &mut one,
                            &mut two,
                            Some(&mut other),
                            CAPPED_PACED_RATE,
                        )?;
                        record(measured, &mut results, &mut comparisons);
                        drop(quotas);
                    }
                }
                a.stop();
                b.stop();
                c.stop();
                Ok(())
            };
            let outcome = run();
            db.drop_database();
            outcome?;
        }
    }

    // The automerge-repo reference sync server, same document, same kind of change.
    let repo = match &template {
        _ if postgres_only => Err("left out (--postgres-only)".into()),
        Some(bytes) => automerge_repo(bytes, size.repo_changes, &work.path().join("repo")),
        None => Err("no two-year document was stored".into()),
    };

    println!("\n## Summary\n");
    println!(
        "load after: {}; whole run {:.0} s\n",
        load_average(),
        started.elapsed().as_secs_f64()
    );
    println!("| | sessions/s | p50 | p99 | bureau CPU per 1,000 sessions | per session | PostgreSQL CPU per session | peak memory (VmHWM) |");
    println!("|---|---|---|---|---|---|---|---|");
    for m in &results {
        let paced = format!("paced at {:.0}/s", m.paced_rate);
        for (what, r) in [("all at once", &m.burst), (paced.as_str(), &m.paced)] {
            println!(
                "| {}, {} devices {what} | {:.0} | {:.0} ms | {:.0} ms | {:.1} s | {:.1} ms | {} | {} |",
                m.name,
                r.sessions,
                r.rate(),
                ms(r.p50()),
                ms(r.p99()),
                r.server_cpu.as_secs_f64() * 1000.0 / r.sessions.max(1) as f64,
                ms(r.server_cpu) / r.sessions.max(1) as f64,
                r.database_cpu.map_or("-".to_string(), |d| format!(
                    "{:.1} ms",
                    ms(d) / r.sessions.max(1) as f64
                )),
                m.peak_mib
                    .iter()
                    .map(|m| format!("{m} MiB"))
                    .collect::<Vec<_>>()
                    .join(" + "),
            );
        }
    }
    match &repo {
        Ok(r) => println!(
            "| automerge-repo sync server, one change at a time | | ack p50 {:.0} ms | | {:.1} s | {:.1} ms | - | {} MiB |",
            r.ack_p50_ms,
            r.cpu_per_change_ms,
            r.cpu_per_change_ms,
            r.peak_kib / 1024
        ),
        Err(e) => println!("| automerge-repo sync server | not measured: {e} | | | | | | |"),
    }
    println!();
    for line in &comparisons {
        println!("{line}");
    }
    for (backend, c) in &caseloads {
        println!(
            "caseload of {} two-year dossiers over HTTP ({backend}): {:.0} ms on a node that just started, {:.1} ms after that (p50 of {})",
            c.entries,
            ms(c.cold),
            ms(c.warm_p50),
            c.warm_runs
        );
    }
    if let Ok(r) = &repo {
        for m in &results {
            let per = ms(m.burst.server_cpu) / m.burst.sessions.max(1) as f64;
            println!(
                "{}: server CPU per session {per:.1} ms = {:.2}x automerge-repo's {:.1} ms (target: at most 0.2x)",
                m.name,
                per / r.cpu_per_change_ms,
                r.cpu_per_change_ms
            );
        }
    }
    results
        .iter()
        .find(|m| m.burst.failed + m.paced.failed > 0)
        .map_or(Ok(()), |m| {
            Err(format!("{}: sessions failed (see above)", m.name).into())
        })
}

/// A CPU quota for one process, standing in for a machine of its own: a cgroup of its own
/// with `share` of one core (cgroup v2's `cpu.max`, or the v1 CFS quota). On drop the
/// process (if it still runs) goes back to the parent group and the group is removed.
struct CpuQuota {
    dir: PathBuf,
    parent: PathBuf,
}

impl CpuQuota {
    fn limit(pid: u32, name: &str, share: f64) -> Res<Self> {
        const PERIOD_US: u64 = 100_000;
        let quota = (share * PERIOD_US as f64).round() as u64;
        let unified = Path::new("/sys/fs/cgroup");
        let v1 = Path::new("/sys/fs/cgroup/cpu");
        let group = format!("koers-bench-{name}-{}", std::process::id());
        let has_cpu = |controllers: std::io::Result<String>| {
            controllers.is_ok_and(|c| c.split_whitespace().any(|c| c == "cpu"))
        };
        let (parent, limits) =
            if has_cpu(std::fs::read_to_string(unified.join("cgroup.controllers"))) {
                // Children get the cpu controller only once the parent hands it down.
                let _ = std::fs::write(unified.join("cgroup.subtree_control"), "+cpu");
                (unified, vec![("cpu.max", format!("{quota} {PERIOD_US}"))])
            } else if v1.join("cpu.cfs_quota_us").exists() {
                (
                    v1,
                    vec![
                        ("cpu.cfs_period_us", PERIOD_US.to_string()),
                        ("cpu.cfs_quota_us", quota.to_string()),
                    ],
                )
            } else {
                return Err("this machine has no cgroup CPU controller to write to".into());
            };
        std::fs::create_dir(parent.join(&group)).map_err(|e| {
            format!(
                "cannot make a cgroup in {} ({e}); root only",
                parent.display()
            )
        })?;
        let quota = CpuQuota {
            dir: parent.join(group),
            parent: parent.to_path_buf(),
        };
        for (file, value) in limits {
            std::fs::write(quota.dir.join(file), value)
                .map_err(|e| format!("cannot set {file} ({e})"))?;
        }
        std::fs::write(quota.dir.join("cgroup.procs"), pid.to_string())
            .map_err(|e| format!("cannot move process {pid} into its cgroup ({e})"))?;
        Ok(quota)
    }
}

impl Drop for CpuQuota {
    fn drop(&mut self) {
        if let Ok(pids) = std::fs::read_to_string(self.dir.join("cgroup.procs")) {
            for pid in pids.lines() {
                let _ = std::fs::write(self.parent.join("cgroup.procs"), pid);
            }
        }
        let _ = std::fs::remove_dir(&self.dir);
    }
}

/// Every phone here is a real HTTP client (a reqwest blocking client: a thread, its runtime's
/// descriptors and a kept-alive connection, 5 descriptors in all), and two sets of 1,000
/// phones plus the 1,000 second transports of the devices without affinity come to 15,000,
/// near the 20,000 this machine allows. Raised as far as this process may; the limit is
/// printed, and every phone's enrolment prints the count in use.
fn raise_fd_limit() {
    const WANTED: libc::rlim_t = 1 << 20;
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit/setrlimit with a valid pointer to a rlimit of our own.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) != 0 {
            return;
        }
        let raised = libc::rlimit {
            rlim_cur: WANTED.max(limit.rlim_cur),
            rlim_max: WANTED.max(limit.rlim_max),
        };
        if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
            limit = raised;
        } else {
            limit.rlim_cur = limit.rlim_max;
            libc::setrlimit(libc::RLIMIT_NOFILE, &limit);
        }
    }
    println!("open files limit: {}", limit.rlim_cur);
}

/// This process's open file descriptors.
fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").map_or(0, |d| d.count())
}

/// `uptime`'s load averages.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

/// The two-year document as the bureau stores it, and its heads.
struct Template {
    bytes: Vec<u8>,
    doc: Automerge,
    heads: Vec<ChangeHash>,
}

/// A seeded bureau database.
struct Seeded {
    template: Template,
    caseload_coach: String,
    /// Enrolment codes of the employees whose devices sync: `sets` sets of `devices`,
    /// interleaved (set k is every code k, k + sets, ...: each spread over every coach).
    device_codes: Vec<String>,
    sets: usize,
}

impl Seeded {
    /// The enrolment codes of device set `k`.
    fn device_set(&self, k: usize) -> Vec<String> {
        self.device_codes
            .iter()
            .skip(k)
            .step_by(self.sets)
            .cloned()
            .collect()
    }
}

/// Seeds `database`: the coaches, one employee made through the coach API with the two-year
/// history merged in (the template), then everyone else with that document; `sets` sets of
/// `size.devices` employees get their enrolment codes kept (one set per configuration).
fn seed(
    backend: &str,
    database: &str,
    size: &Size,
    filled: &Automerge,
    sets: usize,
) -> Res<Seeded> {
    let started = Instant::now();
    let storage = koers_bureau::storage::open(database)?;
    // The key the bureau processes will read from the same database.
    let code_key = CodeKey::shared(&*storage, None)?;
    let state = AppState::with_security(
        storage,
        Security {
            proxies: TrustedProxies::none(),
            code_key,
        },
    );
    let mut coaches = Vec::with_capacity(size.coaches());
    for c in 0..size.coaches() {
        coaches.push(
            coach_api::create_coach(
                &state,
                &format!("coach{c}@bureau.example"),
                &format!("Coach {c}"),
                PASSWORD,
                false,
            )?
            .id,
        );
    }
    let first = two_year_employee(&state, &coaches[0], "Werknemer 0".into(), filled)?;
    // Merging two years of changes compacted the template: its snapshot holds all of them,
    // and beside it is the state every copy gets (as a dossier synced over two years has
    // from its last compaction).
    let stored = state
        .storage
        .load_document(&first.employee_id)?
        .ok_or("the template has no document")?;
    let snapshot_state = match (stored.changes.is_empty(), stored.snapshot_state) {
        (true, Some(s)) => s,
        _ => return Err("the template was not compacted with its state".into()),
    };
    let bytes = stored.snapshot;
    let doc = Automerge::load(&bytes)?;
    let template = Template {
        heads: doc.get_heads(),
        doc,
        bytes,
    };

    // Employee n belongs to coach 0 while n < caseload, then per_coach to each next coach.
    // The devices are spread evenly over the employees of the other coaches.
    let others = size.employees - size.caseload;
    let devices = size.devices * sets;
    let step = (others / devices.max(1)).max(1);
    let is_device = |n: usize| n >= size.caseload && (n - size.caseload).is_multiple_of(step);
    let coach_of = |n: usize| {
        if n < size.caseload {
            0
        } else {
            1 + (n - size.caseload) / size.per_coach
        }
    };
    // Every copy has the same caseload summary: computed once, not hydrated 10,000 times.
    let summary = koers_bureau::summary::of(
        &autosurgeon::hydrate(&Automerge::load(&template.bytes)?)?,
        koers_core::model::Timestamp::now(),
    )?;
    let next = AtomicUsize::new(1);
    let codes: Mutex<Vec<(usize, String)>> = Mutex::new(Vec::new());
    let failed: Mutex<Option<String>> = Mutex::new(None);
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| loop {
                let n = next.fetch_add(1, Ordering::Relaxed);
                if n >= size.employees {
                    return;
                }
                let seeded = koers_bureau::testkit::seed_employee(
                    &state,
                    &coaches[coach_of(n)],
                    &format!("Werknemer {n}"),
                    &template.bytes,
                    Some(&snapshot_state),
                    &summary,
                );
                match seeded {
                    Ok(c) if is_device(n) => {
                        if let Ok(mut codes) = codes.lock() {
                            codes.push((n, c.enrolment_code));
                        }
                    }
                    Ok(_) => {}
                    Err(e) => {
                        if let Ok(mut f) = failed.lock() {
                            *f = Some(e.to_string());
                        }
                        return;
                    }
                }
            });
        }
    });
    if let Some(e) = failed.into_inner().map_err(|_| "seeding thread panicked")? {
        return Err(format!("seeding failed: {e}").into());
    }
    let mut codes = codes.into_inner().map_err(|_| "seeding thread panicked")?;
    codes.sort();
    if codes.len() < devices {
        return Err(format!(
            "{} employees leave only {} of {devices} devices",
            size.employees,
            codes.len()
        )
        .into());
    }
    codes.truncate(devices);
    println!(
        "\n## {backend}\nseeded {} employees of {} coaches, each with the two-year document ({} bytes) and its snapshot's state ({} bytes), in {:.1} s",
        size.employees,
        coaches.len(),
        template.bytes.len(),
        snapshot_state.len(),
        started.elapsed().as_secs_f64()
    );
    Ok(Seeded {
        template,
        caseload_coach: "coach0@bureau.example".into(),
        device_codes: codes.into_iter().map(|(_, c)| c).collect(),
        sets,
    })
}

/// A PostgreSQL database made for this run on the server `KOERS_BENCH_DATABASE_URL` names.
struct Database {
    server: String,
    name: String,
    url: String,
}

fn create_database(server: &str) -> Res<Database> {
    let name = format!("koers_scale_{}", uuid::Uuid::new_v4().simple());
    admin(server, &format!("CREATE DATABASE {name}"))?;
    Ok(Database {
        server: server.to_string(),
        url: koers_bureau::testkit::with_database(server, &name),
        name,
    })
}

/// Before measured rounds: the setup's bulk load (10,000 documents, 1,000 enrolments, the
/// first syncs) is vacuumed and checkpointed now, so PostgreSQL's autovacuum and a spread
/// checkpoint of it do not land in some rounds and not others (pgbench vacuums before each
/// run for the same reason). What the measured sessions themselves cause is still measured.
fn settle(db: &Database) -> Res<()> {
    let t = Instant::now();
    admin(&db.url, "VACUUM ANALYZE")?;
    admin(&db.url, "CHECKPOINT")?;
    println!(
        "vacuumed and checkpointed the setup's writes in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    Ok(())
}

impl Database {
    fn drop_database(&self) {
        if let Err(e) = admin(
            &self.server,
            &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name),
        ) {
            eprintln!("could not drop {}: {e}", self.name);
        }
    }
}

fn admin(server: &str, sql: &str) -> Res<()> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        let (client, connection) = tokio_postgres::connect(server, tokio_postgres::NoTls).await?;
        tokio::spawn(connection);
        client.batch_execute(sql).await?;
        Ok(())
    })
}

/// A `koers-bureau serve` process.
struct Node {
    child: Child,
    url: String,
    name: &'static str,
    /// The postmaster of its PostgreSQL cluster, when that runs on this machine.
    database_pid: Option<String>,
}

impl Node {
    /// A `koers-bureau serve` process on `database`; `pool`, if given, is its number of
    /// database connections (the `pool_size` URL parameter; the default otherwise).
    fn start(database: &str, pool: Option<usize>, dir: &Path, name: &'static str) -> Res<Self> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let log = std::fs::File::create(dir.join(format!("{name}.log")))?;
        let child = Command::new(env!("CARGO_BIN_EXE_koers-bureau"))
            .arg("--data-dir")
            .arg(dir)
            .arg("--database")
            .arg(pool.map_or_else(
                || database.to_string(),
                |n| koers_bureau::storage::postgres::with_pool_size(database, n),
            ))
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()?;
        let mut node = Self {
            child,
            url: format!("http://127.0.0.1:{port}"),
            name,
            database_pid: koers_bureau::storage::is_postgres_url(database)
                .then(|| postmaster_pid(database))
                .flatten(),
        };
        let client = reqwest::blocking::Client::new();
        for _ in 0..600 {
            if let Some(status) = node.child.try_wait()? {
                return Err(format!("{name} exited ({status}); see {name}.log").into());
            }
            if client
                .get(format!("{}/readyz", node.url))
                .send()
                .is_ok_and(|r| r.status().is_success())
            {
                return Ok(node);
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        node.child.kill()?;
        Err(format!("{name} did not become ready in 60 s").into())
    }

    fn cpu(&self) -> Res<Duration> {
        process_cpu(&self.child.id().to_string())
    }

    fn peak_mib(&self) -> u64 {
        peak_kib(&self.child.id().to_string()) / 1024
    }

    /// SIGTERM (the bureau shuts down gracefully), SIGKILL after 10 s.
    fn stop(mut self) {
        // SAFETY: kill(2) on our own child's pid.
        unsafe { libc::kill(self.child.id() as i32, libc::SIGTERM) };
        for _ in 0..100 {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The CPU all of `nodes` have used so far.
fn nodes_cpu(nodes: &[&Node]) -> Res<Duration> {
    nodes.iter().map(|n| n.cpu()).sum()
}

/// User + system CPU time of process `pid` ("self" for this one), from /proc/PID/stat.
fn process_cpu(pid: &str) -> Res<Duration> {
    // An unreadable /proc (out of file descriptors, say) must not read as zero CPU.
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map_err(|e| format!("/proc/{pid}/stat: {e}"))?;
    // Fields after the command name (which may hold spaces) in parentheses.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let fields: Vec<u64> = rest
        .split_whitespace()
        .skip(1)
        .map(|f| f.parse().unwrap_or(0))
        .collect();
    let ticks = fields.get(10).copied().unwrap_or(0) + fields.get(11).copied().unwrap_or(0);
    // SAFETY: sysconf has no preconditions.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as u64;
    Ok(Duration::from_nanos(ticks * 1_000_000_000 / hz))
}

/// The pid of the PostgreSQL server `url` names, if it runs here and its data directory's
/// `postmaster.pid` is readable (so its CPU can be read beside the bureau's).
fn postmaster_pid(url: &str) -> Option<String> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .ok()?;
    let dir: String = rt.block_on(async {
        let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
            .await
            .ok()?;
        tokio::spawn(connection);
        client
            .query_one("SHOW data_directory", &[])
            .await
            .ok()?
            .try_get(0)
            .ok()
    })?;
    let pid = std::fs::read_to_string(Path::new(&dir).join("postmaster.pid")).ok()?;
    let pid = pid.lines().next()?.trim().to_string();
    Path::new(&format!("/proc/{pid}")).exists().then_some(pid)
}

/// CPU time of a PostgreSQL server: the postmaster, its children that ended (cutime +
/// cstime) and those still running (connection backends, WAL writer, checkpointer ...).
fn database_cpu(postmaster: &str) -> Duration {
    let hz = {
        // SAFETY: sysconf has no preconditions.
        unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as u64
    };
    let fields = |pid: &str| -> Vec<u64> {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
        rest.split_whitespace()
            .skip(1)
            .map(|f| f.parse().unwrap_or(0))
            .collect()
    };
    let at = |f: &[u64], i: usize| f.get(i).copied().unwrap_or(0);
    let own = fields(postmaster);
    // After the state: ppid is field 0, utime 10, stime 11, cutime 12, cstime 13.
    let mut ticks = at(&own, 10) + at(&own, 11) + at(&own, 12) + at(&own, 13);
    let parent: u64 = postmaster.parse().unwrap_or(0);
    if let Ok(entries) = std::fs::read_dir("/proc") {
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if !name.bytes().all(|b| b.is_ascii_digit()) {
                continue;
            }
            let f = fields(&name);
            if at(&f, 0) == parent {
                ticks += at(&f, 10) + at(&f, 11);
            }
        }
    }
    Duration::from_nanos(ticks * 1_000_000_000 / hz)
}

/// Peak resident memory (VmHWM) of process `pid`, in KiB.
fn peak_kib(pid: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

/// The caseload page's JSON over HTTP.
struct Caseload {
    entries: usize,
    cold: Duration,
    warm_p50: Duration,
    warm_runs: usize,
}

fn caseload(url: &str, seeded: &Seeded, warm_runs: usize) -> Res<Caseload> {
    let client = reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(600))
        .build()?;
    let login: serde_json::Value = client
        .post(format!("{url}/v1/coach/login"))
        .json(&serde_json::json!({"email": seeded.caseload_coach, "password": PASSWORD}))
        .send()?
        .error_for_status()?
        .json()?;
    let token = login["token"].as_str().ok_or("no token")?.to_string();
    let fetch = || -> Res<(Duration, usize)> {
        let started = Instant::now();
        let body: serde_json::Value = client
            .get(format!("{url}/v1/coach/caseload"))
            .bearer_auth(&token)
            .send()?
            .error_for_status()?
            .json()?;
        let took = started.elapsed();
        let entries = body
            .as_array()
            .or_else(|| body.get("employees").and_then(|e| e.as_array()))
            .map_or(0, |a| a.len());
        Ok((took, entries))
    };
    let (cold, entries) = fetch()?;
    let mut warm = Vec::new();
    for _ in 0..warm_runs {
        warm.push(fetch()?.0);
    }
    warm.sort_unstable();
    let c = Caseload {
        entries,
        cold,
        warm_p50: percentile(&warm, 50.0),
        warm_runs,
    };
    println!(
        "caseload of {} (HTTP): {:.0} ms on the fresh node, {:.1} ms after (p50 of {warm_runs})",
        c.entries,
        ms(c.cold),
        ms(c.warm_p50)
    );
    Ok(c)
}

/// Enrols a device for every code over HTTP (device i at node i mod nodes). A phone adopts
/// the document it receives; when those are the template's bytes it takes a fork of the
/// template instead of loading them again (the same document, a fraction of the client CPU).
fn enrol_all(nodes: &[&Node], codes: &[String], template: &Template) -> Res<Vec<Phone>> {
    let started = Instant::now();
    let cpu = nodes_cpu(nodes)?;
    let next = AtomicUsize::new(0);
    let adopted = AtomicUsize::new(0);
    let phones: Mutex<Vec<(usize, Phone)>> = Mutex::new(Vec::new());
    let failed: Mutex<Option<String>> = Mutex::new(None);
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(code) = codes.get(i) else {
                    return;
                };
                let url = &nodes[i % nodes.len()].url;
                let enrolled = (|| -> Res<Phone> {
                    let transport = HttpTransport::new(url)?;
                    let e = transport.enrol(code, "bench")?;
                    let (doc, state) = if e.document == template.bytes {
                        (
                            template.doc.fork(),
                            PeerState::acknowledged(template.heads.clone()),
                        )
                    } else {
                        adopted.fetch_add(1, Ordering::Relaxed);
                        let mut doc = koers_core::model::genesis_document()?
                            .with_actor(automerge::ActorId::random());
                        let (state, _) = adopt_enrolment(&mut doc, &e.document)?;
                        (doc, state)
                    };
                    Ok(Phone {
                        doc,
                        state,
                        employee: e.employee_id,
                        token: e.token,
                        transport,
                    })
                })();
                match enrolled {
                    Ok(p) => {
                        if let Ok(mut phones) = phones.lock() {
                            phones.push((i, p));
                        }
                    }
                    Err(e) => {
                        if let Ok(mut f) = failed.lock() {
                            *f = Some(e.to_string());
                        }
                        return;
                    }
                }
            });
        }
    });
    if let Some(e) = failed
        .into_inner()
        .map_err(|_| "enrolment thread panicked")?
    {
        return Err(format!("enrolment failed: {e}").into());
    }
    let mut phones = phones
        .into_inner()
        .map_err(|_| "enrolment thread panicked")?;
    phones.sort_by_key(|(i, _)| *i);
    let server_cpu = nodes_cpu(nodes)? - cpu;
    println!(
        "enrolled {} devices over HTTP in {:.1} s (server CPU {:.1} s: each document loaded once; {} phones loaded a document other than the template's bytes); load generator RSS {} MiB, {} open files",
        phones.len(),
        started.elapsed().as_secs_f64(),
        server_cpu.as_secs_f64(),
        adopted.load(Ordering::Relaxed),
        rss_mib(),
        open_fds()
    );
    Ok(phones.into_iter().map(|(_, p)| p).collect())
}

fn rss_mib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
        })
        .unwrap_or(0)
        / 1024
}

/// One round: every device logs one application, then syncs it in one session.
struct Round {
    sessions: usize,
    failed: usize,
    /// Sessions that took more than one round trip.
    retried: usize,
    /// From the first scheduled start to the last session's end.
    wall: Duration,
    /// Each session's time from its scheduled start to its end, sorted.
    latencies: Vec<Duration>,
    server_cpu: Duration,
    /// The PostgreSQL server's CPU in the same time (None: SQLite, or not on this machine).
    database_cpu: Option<Duration>,
    client_cpu: Duration,
}

impl Round {
    fn rate(&self) -> f64 {
        self.sessions as f64 / self.wall.as_secs_f64().max(1e-6)
    }
    fn p50(&self) -> Duration {
        percentile(&self.latencies, 50.0)
    }
    fn p99(&self) -> Duration {
        percentile(&self.latencies, 99.0)
    }
}

static LOGGED: AtomicUsize = AtomicUsize::new(0);

/// What a phone's thread is asked to do.
enum Job {
    /// Log one new application (as the phone writes it), before a round starts.
    Log,
    /// Trade the transport with the phone's entry in the switch (to the other node).
    Switch,
    /// Sync at this moment.
    SyncAt(Instant),
}

/// What a phone's thread did.
enum Done {
    Logged(Result<(), String>),
    Switched,
    Synced {
        outcome: Result<usize, String>,
        in_full_sync: bool,
        at: Instant,
        end: Instant,
    },
}

/// The phones of a configuration, each on a thread of its own for as long as the
/// configuration is measured, as a phone's sync worker lives as long as its app: the load
/// generator then starts and ends no threads during a round (1,000 thread starts and exits
/// cost it 0.1-0.15 s of CPU per round, on the cores the bureau is measured on).
struct Fleet<'scope> {
    jobs: Vec<std::sync::mpsc::Sender<Job>>,
    done: std::sync::mpsc::Receiver<Done>,
    _threads: std::marker::PhantomData<&'scope ()>,
}

impl<'scope> Fleet<'scope> {
    /// One thread per phone in `scope`; with `switch`, phone i trades its transport with
    /// `switch[i]` when asked.
    fn start<'env>(
        scope: &'scope std::thread::Scope<'scope, 'env>,
        phones: &'scope mut [Phone],
        switch: Option<&'scope mut [HttpTransport]>,
    ) -> Res<Self> {
        let (report, done) = std::sync::mpsc::channel();
        let mut others: Vec<Option<&'scope mut HttpTransport>> = match switch {
            Some(s) => s.iter_mut().map(Some).collect(),
            None => Vec::new(),
        };
        others.resize_with(phones.len(), || None);
        let mut jobs = Vec::with_capacity(phones.len());
        for (p, mut other) in phones.iter_mut().zip(others) {
            let (send, receive) = std::sync::mpsc::channel::<Job>();
            let report = report.clone();
            std::thread::Builder::new()
                .stack_size(512 * 1024)
                .spawn_scoped(scope, move || {
                    for job in receive {
                        let done = match job {
                            Job::Log => {
                                let id = koers_core::model::new_id();
                                let n = LOGGED.fetch_add(1, Ordering::Relaxed);
                                Done::Logged(
                                    put_application(&mut p.doc, &application(&id, n))
                                        .map_err(|e| e.to_string()),
                                )
                            }
                            Job::Switch => {
                                if let Some(other) = other.as_deref_mut() {
                                    std::mem::swap(&mut p.transport, other);
                                }
                                Done::Switched
                            }
                            Job::SyncAt(at) => {
                                std::thread::sleep(at.saturating_duration_since(Instant::now()));
                                let outcome = p.sync().map_err(|e| e.to_string());
                                Done::Synced {
                                    outcome,
                                    in_full_sync: p.state.in_full_sync(),
                                    at,
                                    end: Instant::now(),
                                }
                            }
                        };
                        if report.send(done).is_err() {
                            return;
                        }
                    }
                })
                .map_err(|e| format!("no thread for a phone: {e}"))?;
            jobs.push(send);
        }
        Ok(Self {
            jobs,
            done,
            _threads: std::marker::PhantomData,
        })
    }

    /// Gives every phone `job` and waits for all of them to be done.
    fn all(&self, job: impl Fn() -> Job) -> Res<Vec<Done>> {
        for j in &self.jobs {
            j.send(job()).map_err(|_| "a phone's thread ended")?;
        }
        (0..self.jobs.len())
            .map(|_| {
                self.done
                    .recv()
                    .map_err(|_| "a phone's thread ended".into())
            })
            .collect()
    }

    fn switch_node(&self) -> Res<()> {
        self.all(|| Job::Switch).map(|_| ())
    }

    /// Every phone logs one application and syncs it: all at once (`rate` None) or started at
    /// `rate` sessions per second (open loop: a late session counts from when it should have
    /// started).
    fn round(&self, nodes: &[&Node], rate: Option<f64>) -> Res<Round> {
        for logged in self.all(|| Job::Log)? {
            if let Done::Logged(Err(e)) = logged {
                return Err(e.into());
            }
        }
        let cpu = nodes_cpu(nodes)?;
        let database = nodes.first().and_then(|n| n.database_pid.clone());
        let database_cpu_before = database.as_deref().map(database_cpu);
        let client_cpu = process_cpu("self")?;
        // Every session is handed its start time ahead; the phones' threads wait for it.
        let t0 = Instant::now() + Duration::from_millis(300);
        for (i, j) in self.jobs.iter().enumerate() {
            let at = t0 + rate.map_or(Duration::ZERO, |r| Duration::from_secs_f64(i as f64 / r));
            j.send(Job::SyncAt(at))
                .map_err(|_| "a phone's thread ended")?;
        }
        let (mut errors, mut retried, mut ended) = (Vec::new(), 0, t0);
        let mut latencies = Vec::with_capacity(self.jobs.len());
        for _ in 0..self.jobs.len() {
            let Done::Synced {
                outcome,
                in_full_sync,
                at,
                end,
            } = self.done.recv().map_err(|_| "a phone's thread ended")?
            else {
                return Err("a phone answered out of turn".into());
            };
            match outcome {
                // More than one round trip: a retry (the client gives up on a reply after
                // 60 s) or the full protocol; the change still got there.
                Ok(1) if !in_full_sync => {}
                Ok(_) => retried += 1,
                Err(e) => errors.push(e),
            }
            latencies.push(end - at);
            ended = ended.max(end);
        }
        let server_cpu = nodes_cpu(nodes)? - cpu;
        let client_cpu = process_cpu("self")? - client_cpu;
        let database_cpu = database
            .as_deref()
            .map(database_cpu)
            .zip(database_cpu_before)
            .map(|(after, before)| after.saturating_sub(before));
        latencies.sort_unstable();
        if let Some(first) = errors.first() {
            eprintln!(
                "{} of {} sessions failed; first: {first}",
                errors.len(),
                self.jobs.len()
            );
        }
        Ok(Round {
            sessions: self.jobs.len(),
            failed: errors.len(),
            retried,
            wall: ended.saturating_duration_since(t0),
            latencies,
            server_cpu,
            database_cpu,
            client_cpu,
        })
    }
}

/// One round with phones that have no threads of their own yet (see [`Fleet`]).
fn round(nodes: &[&Node], phones: &mut [Phone], rate: Option<f64>) -> Res<Round> {
    std::thread::scope(|s| Fleet::start(s, phones, None)?.round(nodes, rate))
}

/// An unmeasured round, shown: a device's first session after enrolment, or on a node that
/// just joined, costs the node more than later ones (the steady state is measured after).
fn warm_up(what: &str, nodes: &[&Node], phones: &mut [Phone]) -> Res<()> {
    let r = round(nodes, phones, None)?;
    println!(
        "{what}: {} sessions ({} failed, {} took more than one round trip) in {:.1} s; server CPU {:.2} s = {:.1} ms per session (not in the summary)",
        r.sessions,
        r.failed,
        r.retried,
        r.wall.as_secs_f64(),
        r.server_cpu.as_secs_f64(),
        ms(r.server_cpu) / r.sessions.max(1) as f64
    );
    if r.failed > 0 {
        return Err(format!("{what}: {} sessions failed", r.failed).into());
    }
    Ok(())
}

/// Every phone trades its transport with its entry in `other`: to the other node, and back
/// the next time.
fn switch_node(phones: &mut [Phone], other: &mut [HttpTransport]) {
    for (p, t) in phones.iter_mut().zip(other.iter_mut()) {
        std::mem::swap(&mut p.transport, t);
    }
}

/// One configuration's figures.
struct Measured {
    name: String,
    paced_rate: f64,
    /// The median rounds.
    burst: Round,
    paced: Round,
    /// Every round's sessions per second (all at once) and p99 (paced), in the order run.
    burst_rates: Vec<f64>,
    paced_p99s: Vec<Duration>,
    peak_mib: Vec<u64>,
}

/// A configuration measured: its nodes and its own devices; with `switch`, every phone
/// trades its transport with its entry there before each round (to the other node and back).
struct Config<'a> {
    name: String,
    nodes: Vec<&'a Node>,
    phones: &'a mut [Phone],
    switch: Option<&'a mut [HttpTransport]>,
}

impl Config<'_> {
    /// A round of this configuration's phones, which `fleet` runs (with `switching`, each
    /// first trades its transport: see `switch`).
    fn round(&self, fleet: &Fleet, switching: bool, rate: Option<f64>) -> Res<Round> {
        if switching {
            fleet.switch_node()?;
        }
        let r = fleet.round(&self.nodes, rate)?;
        let what = rate.map_or("all devices at once".to_string(), |r| {
            format!("paced at {r:.0}/s")
        });
        println!(
            "{}, {what}: {} sessions ({} failed, {} took more than one round trip) in {:.2} s = {:.0} sessions/s; latency p50 {:.0} ms, p99 {:.0} ms; server CPU {:.2} s = {:.1} ms per session{}; load generator CPU {:.1} s",
            self.name,
            r.sessions,
            r.failed,
            r.retried,
            r.wall.as_secs_f64(),
            r.rate(),
            ms(r.p50()),
            ms(r.p99()),
            r.server_cpu.as_secs_f64(),
            ms(r.server_cpu) / r.sessions.max(1) as f64,
            r.database_cpu.map_or(String::new(), |d| format!(
                "; PostgreSQL's own CPU {:.2} s = {:.1} ms per session",
                d.as_secs_f64(),
                ms(d) / r.sessions.max(1) as f64
            )),
            r.client_cpu.as_secs_f64()
        );
        Ok(r)
    }
}

/// Measured rounds of every configuration, interleaved: in each of `ROUNDS` passes every
/// configuration runs one round with all its devices at once, then every configuration one
/// paced round (the order reversed every other pass), and the median round of each kind is
/// a configuration's figure. One 1,000-session round lasts 1-3 s, short enough for the
/// machine's own hiccups (another tenant, a write-back) to move it by a quarter, and over a
/// run of minutes this machine has been seen to slow down by a third; interleaved, both hit
/// every configuration alike, and round k of one is compared with round k of another.
fn measure(configs: &mut [Config], paced_rate: f64) -> Res<Vec<Measured>> {
    let n = configs.len();
    let mut bursts: Vec<Vec<Round>> = (0..n).map(|_| Vec::new()).collect();
    let mut paceds: Vec<Vec<Round>> = (0..n).map(|_| Vec::new()).collect();
    std::thread::scope(|s| -> Res<()> {
        let mut fleets = Vec::with_capacity(n);
        for c in configs.iter_mut() {
            let switch = c.switch.take();
            let switching = switch.is_some();
            fleets.push((
                Fleet::start(s, std::mem::take(&mut c.phones), switch)?,
                switching,
            ));
        }
        for pass in 0..ROUNDS {
            let order: Vec<usize> = if pass % 2 == 0 {
                (0..n).collect()
            } else {
                (0..n).rev().collect()
            };
            for &i in &order {
                let (fleet, switching) = &fleets[i];
                bursts[i].push(configs[i].round(fleet, *switching, None)?);
            }
            for &i in &order {
                let (fleet, switching) = &fleets[i];
                paceds[i].push(configs[i].round(fleet, *switching, Some(paced_rate))?);
            }
        }
        Ok(())
    })?;
    let mut measured = Vec::with_capacity(n);
    for ((config, mut bursts), mut paceds) in configs.iter().zip(bursts).zip(paceds) {
        let burst_rates: Vec<f64> = bursts.iter().map(Round::rate).collect();
        let paced_p99s: Vec<Duration> = paceds.iter().map(Round::p99).collect();
        bursts.sort_by(|a, b| a.rate().total_cmp(&b.rate()));
        paceds.sort_by_key(|r| r.p99());
        let (burst, paced) = (
            bursts.swap_remove(ROUNDS / 2),
            paceds.swap_remove(ROUNDS / 2),
        );
        let peak_mib: Vec<u64> = config.nodes.iter().map(|n| n.peak_mib()).collect();
        println!(
            "{}: median rounds: all at once {:.0} sessions/s; paced p99 {:.0} ms; peak memory {}",
            config.name,
            burst.rate(),
            ms(paced.p99()),
            config
                .nodes
                .iter()
                .zip(&peak_mib)
                .map(|(n, m)| format!("{} {m} MiB", n.name))
                .collect::<Vec<_>>()
                .join(", ")
        );
        measured.push(Measured {
            name: config.name.clone(),
            paced_rate,
            burst,
            paced,
            burst_rates,
            paced_p99s,
            peak_mib,
        });
    }
    Ok(measured)
}

/// One node (`nodes[0]`, with the devices `one`) beside two nodes (`nodes[1..]`, with the
/// devices `two`), interleaved round by round; with `other`, the two nodes' devices trade
/// their transport with it before every round (no affinity). `suffix` ends the names.
fn one_beside_two(
    suffix: &str,
    nodes: [&Node; 3],
    one: &mut [Phone],
    two: &mut [Phone],
    other: Option<&mut [HttpTransport]>,
    paced_rate: f64,
) -> Res<Vec<Measured>> {
    let (one_name, two_name) = match other {
        None => ("1 node", "2 nodes"),
        Some(_) => ("1 node, beside no affinity", "2 nodes, no affinity"),
    };
    measure(
        &mut [
            Config {
                name: format!("PostgreSQL, {one_name}{suffix}"),
                nodes: vec![nodes[0]],
                phones: one,
                switch: None,
            },
            Config {
                name: format!("PostgreSQL, {two_name}{suffix}"),
                nodes: vec![nodes[1], nodes[2]],
                phones: two,
                switch: other,
            },
        ],
        paced_rate,
    )
}

/// Keeps a comparison's figures for the summary.
fn record(measured: Vec<Measured>, results: &mut Vec<Measured>, comparisons: &mut Vec<String>) {
    comparisons.extend(compare(&measured));
    results.extend(measured);
}

/// Every configuration against the first one measured beside it, round by round: sessions
/// per second all at once (the ratio) and the paced rounds' p99.
fn compare(measured: &[Measured]) -> Vec<String> {
    let Some((base, others)) = measured.split_first() else {
        return Vec::new();
    };
    let mut lines = Vec::new();
    for m in others {
        let mut ratios: Vec<f64> = m
            .burst_rates
            .iter()
            .zip(&base.burst_rates)
            .map(|(r, b)| r / b.max(1e-9))
            .collect();
        let rounds = ratios
            .iter()
            .map(|r| format!("{r:.2}x"))
            .collect::<Vec<_>>()
            .join(", ");
        ratios.sort_by(f64::total_cmp);
        let p99s = m
            .paced_p99s
            .iter()
            .zip(&base.paced_p99s)
            .map(|(m, b)| format!("{:.0}/{:.0}", ms(*m), ms(*b)))
            .collect::<Vec<_>>()
            .join(", ");
        let line = format!(
            "{} against {}, round by round: all at once {rounds} (median {:.2}x); paced p99 {p99s} ms",
            m.name,
            base.name,
            ratios.get(ratios.len() / 2).copied().unwrap_or(0.0)
        );
        println!("{line}");
        lines.push(line);
    }
    lines
}

/// The automerge-repo reference sync server's CPU per synced change.
struct RepoMeasured {
    cpu_per_change_ms: f64,
    ack_p50_ms: f64,
    peak_kib: u64,
}

/// Runs tools/automerge-repo-bench: its server.mjs as a process of its own, and client.mjs,
/// which imports `document`, syncs it, then applies `changes` changes (each one new
/// application, made here as the phones make theirs) one at a time, each synced and saved
/// before the next.
fn automerge_repo(document: &[u8], changes: usize, dir: &Path) -> Res<RepoMeasured> {
    let tools = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tools/automerge-repo-bench"
    ));
    if !tools
        .join("node_modules/@automerge/automerge-repo")
        .is_dir()
    {
        return Err(format!(
            "{} has no node_modules (run `npm ci` there, or scripts/bench-scale)",
            tools.display()
        )
        .into());
    }
    std::fs::create_dir_all(dir.join("storage"))?;
    let doc_file = dir.join("two-years.automerge");
    std::fs::write(&doc_file, document)?;
    let mut doc = Automerge::load(document)?.with_actor(automerge::ActorId::random());
    let mut framed = Vec::new();
    for n in 0..changes {
        let id = koers_core::model::new_id();
        put_application(&mut doc, &application(&id, 90_000 + n))?;
        let change = doc
            .get_last_local_change()
            .ok_or("no change made")?
            .raw_bytes()
            .to_vec();
        framed.extend((change.len() as u32).to_le_bytes());
        framed.extend(change);
    }
    let changes_file = dir.join("changes.bin");
    std::fs::write(&changes_file, framed)?;

    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let mut server = Command::new("node")
        .current_dir(&tools)
        .arg("server.mjs")
        .arg(port.to_string())
        .arg(dir.join("storage"))
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("cannot run node: {e}"))?;
    let result = (|| -> Res<RepoMeasured> {
        let server_lines = lines(server.stdout.take().ok_or("no stdout")?);
        expect(&server_lines, "listening", Duration::from_secs(30))?;
        let settle_ms = 200;
        let mut client = Command::new("node")
            .current_dir(&tools)
            .arg("client.mjs")
            .arg(format!("ws://127.0.0.1:{port}"))
            .arg(&doc_file)
            .arg(&changes_file)
            .arg(settle_ms.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()?;
        let client_lines = lines(client.stdout.take().ok_or("no stdout")?);
        expect(&client_lines, "ready", Duration::from_secs(120))?;
        let pid = server.id().to_string();
        // What the server spends idle (keep-alives, timers), to take off the measurement.
        let idle_from = process_cpu(&pid)?;
        let idle_for = Duration::from_secs(3);
        std::thread::sleep(idle_for);
        let idle = process_cpu(&pid)? - idle_from;
        let before = process_cpu(&pid)?;
        let started = Instant::now();
        writeln!(client.stdin.as_mut().ok_or("no stdin")?, "go")?;
        let done = expect(&client_lines, "done ", Duration::from_secs(600))?;
        let elapsed = started.elapsed();
        let used = process_cpu(&pid)? - before;
        let _ = client.wait();
        let report: serde_json::Value = serde_json::from_str(&done["done ".len()..])?;
        let mut acks: Vec<f64> = report["ack_ms"]
            .as_array()
            .ok_or("no ack times")?
            .iter()
            .filter_map(|v| v.as_f64())
            .collect();
        acks.sort_by(f64::total_cmp);
        let idle_share = idle.as_secs_f64() * elapsed.as_secs_f64() / idle_for.as_secs_f64();
        let cpu_ms = (used.as_secs_f64() - idle_share).max(0.0) * 1000.0 / changes as f64;
        let measured = RepoMeasured {
            cpu_per_change_ms: cpu_ms,
            ack_p50_ms: acks.get(acks.len() / 2).copied().unwrap_or(0.0),
            peak_kib: peak_kib(&pid),
        };
        println!(
            "\n## automerge-repo {} sync server (Node {})\n{changes} changes, each one new application on the two-year document, synced and saved one at a time: server CPU {:.2} s in {:.1} s (idle share {:.3} s taken off) = {:.1} ms per change; ack p50 {:.1} ms; peak memory {} MiB",
            repo_version(&tools),
            node_version(),
            used.as_secs_f64(),
            elapsed.as_secs_f64(),
            idle_share,
            measured.cpu_per_change_ms,
            measured.ack_p50_ms,
            measured.peak_kib / 1024
        );
        Ok(measured)
    })();
    let _ = server.kill();
    let _ = server.wait();
    result
}

/// The lines a child writes, as they come.
fn lines(out: std::process::ChildStdout) -> std::sync::mpsc::Receiver<String> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines() {
            let Ok(line) = line else { return };
            if tx.send(line).is_err() {
                return;
            }
        }
    });
    rx
}

/// Waits for a line starting with `prefix`; returns it.
fn expect(
    lines: &std::sync::mpsc::Receiver<String>,
    prefix: &str,
    within: Duration,
) -> Res<String> {
    let deadline = Instant::now() + within;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match lines.recv_timeout(left) {
            Ok(line) if line.starts_with(prefix) => return Ok(line),
            Ok(_) => {}
            Err(_) => return Err(format!("no \"{prefix}\" from node within {within:?}").into()),
        }
    }
}

fn repo_version(tools: &Path) -> String {
    std::fs::read_to_string(tools.join("node_modules/@automerge/automerge-repo/package.json"))
        .ok()
        .and_then(|s| serde_json::from_str::<serde_json::Value>(&s).ok())
        .and_then(|v| v["version"].as_str().map(str::to_string))
        .unwrap_or_default()
}

fn node_version() -> String {
    Command::new("node")
        .arg("--version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default()
}
