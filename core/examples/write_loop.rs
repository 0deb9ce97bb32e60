//! A tight loop of in-memory application logging on a two-year dossier, for a profiler:
//! `cargo build --release -p koers-core --example write_loop && perf record -D 3000 target/release/examples/write_loop`
//! (the first seconds fill the dossier; the delay leaves them out; the fill time is printed).
use koers_core::demo::{fill_fast, DossierSize};
use koers_core::dossier::NewApplication;
use koers_core::model::LocalDate;
use koers_core::Dossier;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let t = std::time::Instant::now();
    let mut d = Dossier::open_in_memory()?;
    fill_fast(
        &mut d,
        DossierSize::TWO_YEARS,
        LocalDate::from_ymd(2026, 11, 23).ok_or("date")?,
        42,
    )?;
    println!("fill: {:?}", t.elapsed());
    let t = std::time::Instant::now();
    for i in 0..5000 {
        d.log_application(NewApplication {
            employer: format!("Werkgever {i}"),
            role: "Planner".into(),
            ..Default::default()
        })?;
    }
    println!("5000 in-memory writes: {:?} each", t.elapsed() / 5000);
    Ok(())
}
