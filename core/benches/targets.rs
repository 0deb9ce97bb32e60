//! The targets as percentiles (criterion reports means, which compaction spikes
//! skew): `cargo bench -p koers-core --bench targets`. Two-year dossier (500 applications
//! each edited about six times, 60 appointments, 100 actions) in a file, fully durable
//! (WAL, synchronous=FULL).

use std::time::{Duration, Instant};

use koers_core::demo::{fill_fast, DossierSize};
use koers_core::dossier::{ExportFormat, ExportOptions, NewApplication};
use koers_core::model::{ApplicationStatus, LocalDate};
use koers_core::store::ApplicationQuery;
use koers_core::Dossier;

fn percentiles(name: &str, mut samples: Vec<Duration>) {
    samples.sort();
    let at = |p: f64| samples[((samples.len() - 1) as f64 * p).round() as usize];
    println!(
        "{name:<38} n={:<4} p50 {:>9.3?}  p90 {:>9.3?}  p99 {:>9.3?}  max {:>9.3?}",
        samples.len(),
        at(0.5),
        at(0.9),
        at(0.99),
        at(1.0)
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
    // The first write loads the Automerge document (the app preloads it in the background).
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
    percentiles(
        "log one application (durable)",
        time(300, |i| {
            d.log_application(NewApplication {
                employer: format!("Werkgever {i}"),
                role: "Planner".into(),
                ..Default::default()
            })
            .map(|a| a.id)
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
