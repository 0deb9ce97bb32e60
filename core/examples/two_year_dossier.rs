//! Writes the benchmark's realistic two-year dossier (500 applications each edited about six
//! times, 60 appointments, 100 actions) to a database file, e.g. to measure the CLI on it:
//! `cargo run --release -p koers-core --example two_year_dossier -- /tmp/two-years.db`.

use koers_core::demo::{fill_fast, DossierSize};
use koers_core::model::LocalDate;
use koers_core::Dossier;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args()
        .nth(1)
        .ok_or("usage: two_year_dossier <path-to-new-database>")?;
    if std::path::Path::new(&path).exists() {
        return Err(format!("{path} exists already").into());
    }
    let mut d = Dossier::open(&path)?;
    fill_fast(&mut d, DossierSize::TWO_YEARS, LocalDate::today(), 42)?;
    let doc = d.automerge()?.save();
    println!(
        "{path}: {} applications, {} appointments, {} actions; saved document {} bytes",
        d.document().applications.len(),
        d.document().appointments.len(),
        d.document().actions.len(),
        doc.len()
    );
    Ok(())
}
