//! The targets as percentiles (criterion reports means, which compaction spikes
//! skew): `cargo bench -p koers-core --bench targets`. Two-year dossier (500 applications
//! each edited about six times, 60 appointments, 100 actions) in a file, fully durable
//! (WAL, synchronous=FULL).

use std::time::{Duration, Instant};

use koers_core::demo::{fill_fast, DossierSize};
use koers_core::dossier::{ExportFormat, ExportOptions, NewApplication};
use koers_core::model::{ApplicationStatus, LocalDate};
use koers_core::query::ApplicationQuery;
use koers_core::Dossier;

/// Percentiles, and the mean: a write that also makes the pending writes into Automerge
/// changes (`store::MATERIALIZE_AFTER`) is a rare long one, which the mean counts in.
fn percentiles(name: &str, mut samples: Vec<Duration>) {
    samples.sort();
    let at = |p: f64| samples[((samples.len() - 1) as f64 * p).round() as usize];
    let mean = samples.iter().sum::<Duration>() / samples.len() as u32;
    println!(
        "{name:<38} n={:<4} p50 {:>9.3?}  p90 {:>9.3?}  p99 {:>9.3?}  max {:>9.3?}  mean {:>9.3?}",
        samples.len(),
        at(0.5),
        at(0.9),
        at(0.99),
        at(1.0),
        mean
    );
}

fn time<T>(n: usize, mut f: impl FnMut(usize) -> T) -> Vec<Duration> {
    (0..n)
        .map(|i| {
            let t = Instant::now();
            std::hint::black_box(f(i));
            t.elapsed()
        })
        .collect()
}

fn p50(samples: &[Duration]) -> Duration {
    let mut sorted = samples.to_vec();
    sorted.sort();
    sorted[sorted.len() / 2]
}

/// A new application at `employer`, as the benchmark's writes log it.
fn application(employer: impl Into<String>) -> NewApplication {
    NewApplication {
        employer: employer.into(),
        role: "Planner".into(),
        ..Default::default()
    }
}

/// A plain one-table database beside the dossier's, with the same durability settings: the
/// floor a durable write is measured against.
fn raw_database(dir: &std::path::Path) -> Result<rusqlite::Connection, Box<dyn std::error::Error>> {
    let conn = rusqlite::Connection::open(dir.join("raw.db"))?;
    conn.query_row("PRAGMA journal_mode = WAL", [], |_| Ok(()))?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.execute_batch(
        "CREATE TABLE applications (id TEXT PRIMARY KEY, employer TEXT, role TEXT, notes TEXT)",
    )?;
    Ok(conn)
}

/// One raw one-row insert in its own transaction.
fn raw_insert(conn: &rusqlite::Connection, i: usize) -> rusqlite::Result<usize> {
    conn.prepare_cached("INSERT INTO applications VALUES (?1, ?2, 'Planner', '')")?
        .execute(rusqlite::params![
            format!("{i:032x}"),
            format!("Werkgever {i}")
        ])
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // `cargo bench` passes --bench; nothing else to parse.
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("two-years.db");
    let today = LocalDate::from_ymd(2026, 11, 23).ok_or("date")?;
    {
        let mut d = Dossier::open(&path)?;
        fill_fast(&mut d, DossierSize::TWO_YEARS, today, 42)?;
    }
    percentiles(
        "cold open",
        time(50, |_| {
            Dossier::open(&path).map(|d| d.document().applications.len())
        }),
    );
    let mut d = Dossier::open(&path)?;
    // Load the Automerge document once (a sync or a batch of pending writes would).
    let t = Instant::now();
    d.compact()?;
    println!(
        "{:<38} {:?}",
        "document load + compaction (once)",
        t.elapsed()
    );
    percentiles(
        "list all applications",
        time(200, |_| {
            d.list_applications(&ApplicationQuery::default())
                .map(|l| l.len())
        }),
    );
    percentiles(
        "search applications (text)",
        time(200, |_| {
            d.list_applications(&ApplicationQuery {
                text: Some("planner utrecht".into()),
                ..Default::default()
            })
            .map(|l| l.len())
        }),
    );
    // The floor for a durable write: one row in one transaction, same file system, same
    // settings (WAL, synchronous=FULL). Raw inserts and logged applications alternate, so
    // both meet the same load on the machine and the same state of the disk's cache.
    let raw = raw_database(dir.path())?;
    let (mut raw_samples, mut logged) = (Vec::new(), Vec::new());
    for i in 0..400 {
        let t = Instant::now();
        std::hint::black_box(raw_insert(&raw, i)?);
        raw_samples.push(t.elapsed());
        let t = Instant::now();
        std::hint::black_box(d.log_application(application(format!("Werkgever {i}")))?);
        logged.push(t.elapsed());
    }
    let (raw_p50, logged_p50) = (p50(&raw_samples), p50(&logged));
    percentiles("raw rusqlite insert (WAL, FULL)", raw_samples);
    percentiles("log one application (durable)", logged);
    println!(
        "{:<38} {:.2}x the raw insert (p50 {:?} / {:?})",
        "durable log vs raw insert",
        logged_p50.as_secs_f64() / raw_p50.as_secs_f64(),
        logged_p50,
        raw_p50
    );
    // The same write in an in-memory database: the work (Automerge change, record, query
    // tables) without any waiting for the disk.
    {
        let mut mem = Dossier::open_in_memory()?;
        fill_fast(&mut mem, DossierSize::TWO_YEARS, today, 42)?;
        mem.compact()?;
        percentiles(
            "log one application (in memory)",
            time(400, |i| {
                mem.log_application(application(format!("Werkgever {i}")))
                    .map(|a| a.id)
            }),
        );
    }
    // Two handles taking turns: each write first reads the other's change.
    let mut other = Dossier::open(&path)?;
    other.log_application(application("Voorbereiding"))?;
    percentiles(
        "log, two handles taking turns",
        time(300, |i| {
            let writer = if i % 2 == 0 { &mut d } else { &mut other };
            writer
                .log_application(application(format!("Werkgever {i}")))
                .map(|a| a.id)
        }),
    );
    // An open reads the record cache plus the pending writes: at most
    // MATERIALIZE_AFTER - 1 of them.
    while d.pending_writes()? < koers_core::store::MATERIALIZE_AFTER - 1 {
        d.log_application(application("Tot de grens"))?;
    }
    percentiles(
        "cold open, 127 writes pending",
        time(50, |_| {
            Dossier::open(&path).map(|d| d.document().applications.len())
        }),
    );
    let ids: Vec<String> = d.document().applications.keys().cloned().collect();
    percentiles(
        "change one status (durable)",
        time(300, |i| {
            let status = if i % 3 == 0 {
                ApplicationStatus::Interview
            } else {
                ApplicationStatus::Offer
            };
            d.set_status(&ids[(i * 7) % ids.len()], status)
                .map(|a| a.status)
        }),
    );
    percentiles(
        "weekly summary (104 weeks)",
        time(200, |_| d.weekly_progress(today, 104).total),
    );
    percentiles(
        "export CSV",
        time(50, |_| {
            d.export(ExportFormat::Csv, &ExportOptions::default())
                .map(|s| s.len())
        }),
    );
    Ok(())
}
