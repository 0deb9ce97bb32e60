//! Where the time of a cold open and a durable write goes (a developer's probe):
//! `cargo run --release -p koers-core --example profile`.
use std::time::Instant;

use koers_core::demo::{fill_fast, DossierSize};
use koers_core::dossier::NewApplication;
use koers_core::model::{DossierDocument, LocalDate};
use koers_core::Dossier;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("p.db");
    {
        let mut d = Dossier::open(&path)?;
        fill_fast(
            &mut d,
            DossierSize::TWO_YEARS,
            LocalDate::from_ymd(2026, 11, 23).ok_or("date")?,
            42,
        )?;
        println!("saved document: {} bytes", d.automerge()?.save().len());
    }
    let conn = rusqlite::Connection::open(&path)?;
    let t = Instant::now();
    let bytes: Vec<u8> = conn.query_row("SELECT bytes FROM document_snapshot", [], |r| r.get(0))?;
    println!("read snapshot: {:?}", t.elapsed());
    let t = Instant::now();
    let doc = automerge::Automerge::load(&bytes)?;
    println!("automerge load: {:?}", t.elapsed());
    let t = Instant::now();
    let state: DossierDocument = autosurgeon::hydrate(&doc)?;
    println!(
        "hydrate: {:?} ({} apps)",
        t.elapsed(),
        state.applications.len()
    );
    let t = Instant::now();
    let mut d = Dossier::open(&path)?;
    println!("Dossier::open: {:?}", t.elapsed());
    for _ in 0..3 {
        let t = Instant::now();
        d.log_application(NewApplication {
            employer: "A".into(),
            role: "B".into(),
            ..Default::default()
        })?;
        println!("log one: {:?}", t.elapsed());
    }
    let mut times = Vec::new();
    for _ in 0..200 {
        let t = Instant::now();
        d.log_application(NewApplication {
            employer: "A".into(),
            role: "B".into(),
            ..Default::default()
        })?;
        times.push(t.elapsed());
    }
    times.sort();
    println!(
        "log one on disk, p50 of 200: {:?}, p90 {:?}",
        times[100], times[180]
    );
    let mut mem = Dossier::open_in_memory()?;
    let doc = d.automerge()?.clone();
    mem.replace_document(doc, |_| Ok(()))?;
    let mut times = Vec::new();
    for _ in 0..200 {
        let t = Instant::now();
        mem.log_application(NewApplication {
            employer: "A".into(),
            role: "B".into(),
            ..Default::default()
        })?;
        times.push(t.elapsed());
    }
    times.sort();
    println!("log one in memory (no disk), p50 of 200: {:?}", times[100]);
    let doc = mem.automerge()?;
    let t = Instant::now();
    for _ in 0..100 {
        let _ = doc.get_last_local_change();
    }
    println!("get_last_local_change: {:?}", t.elapsed() / 100);
    // The floor: one fsynced SQLite commit of a small row.
    conn.execute_batch(
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; CREATE TABLE IF NOT EXISTS t(x)",
    )?;
    let mut times = Vec::new();
    for _ in 0..200 {
        let t = Instant::now();
        conn.execute("INSERT INTO t VALUES (1)", [])?;
        times.push(t.elapsed());
    }
    times.sort();
    println!(
        "bare durable insert (WAL, synchronous=FULL), p50 of 200: {:?}",
        times[100]
    );
    Ok(())
}
