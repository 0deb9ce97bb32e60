//! A tight loop of in-memory application logging on a two-year dossier, for a profiler:
//! `cargo build --release -p koers-core --example write_loop && perf record target/release/examples/write_loop`.
use koers_core::demo::{fill_fast, DossierSize};
use koers_core::dossier::NewApplication;
use koers_core::model::LocalDate;
use koers_core::Dossier;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut d = Dossier::open_in_memory()?;
    fill_fast(
        &mut d,
        DossierSize::TWO_YEARS,
        LocalDate::from_ymd(2026, 11, 23).ok_or("date")?,
        42,
    )?;
    let t = std::time::Instant::now();
    for i in 0..1000 {
        d.log_application(NewApplication {
            employer: format!("Werkgever {i}"),
            role: "Planner".into(),
            ..Default::default()
        })?;
    }
    println!("1000 in-memory writes: {:?} each", t.elapsed() / 1000);
    Ok(())
}
