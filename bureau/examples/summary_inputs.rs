//! Prints the caseload summary's stored inputs (the JSON a session writes) for the two-year
//! dossier with `N` more applications logged today (default 20: a device's share of the
//! scale benchmark's rounds). Used by `scripts/bench-pg-summary`.
//!
//! `cargo run --release -p koers-bureau --example summary_inputs -- [N]`

use koers_core::demo::{fill_fast, DossierSize};
use koers_core::dossier::{Dossier, NewApplication};
use koers_core::model::{LocalDate, Timestamp};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let logged: usize = match std::env::args().nth(1) {
        Some(n) => n.parse()?,
        None => 20,
    };
    let mut dossier = Dossier::open_in_memory()?;
    fill_fast(&mut dossier, DossierSize::TWO_YEARS, LocalDate::today(), 1)?;
    for n in 0..logged {
        dossier.log_application(NewApplication {
            employer: format!("Werkgever {n} B.V."),
            role: "Medewerker klantenservice".into(),
            ..Default::default()
        })?;
    }
    let summary = koers_bureau::summary::of(dossier.document(), Timestamp::now())?;
    println!("{}", summary.inputs);
    Ok(())
}
