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
        fill_fast(&mut d, DossierSize::TWO_YEARS, LocalDate::from_ymd(2026, 11, 23).ok_or("date")?, 42)?;
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
    println!("hydrate: {:?} ({} apps)", t.elapsed(), state.applications.len());
    let t = Instant::now();
    let mut d = Dossier::open(&path)?;
    println!("Dossier::open: {:?}", t.elapsed());
    for _ in 0..3 {
        let t = Instant::now();
        d.log_application(NewApplication { employer: "A".into(), role: "B".into(), ..Default::default() })?;
        println!("log one: {:?}", t.elapsed());
    }
    // The floor: one fsynced SQLite commit of a small row.
    conn.execute_batch("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; CREATE TABLE IF NOT EXISTS t(x)")?;
    for _ in 0..3 {
        let t = Instant::now();
        conn.execute("INSERT INTO t VALUES (1)", [])?;
        println!("bare durable insert: {:?}", t.elapsed());
    }
    Ok(())
}
