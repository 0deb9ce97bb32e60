//! The core's speed (criterion means; `benches/targets.rs` gives percentiles) on a realistic two-year dossier (500 applications each edited about six
//! times, 60 appointments, 100 actions), on disk with full durability:
//! `cargo bench -p koers-core --bench dossier`.

use std::path::{Path, PathBuf};

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use koers_core::demo::{fill_fast, DossierSize};
use koers_core::dossier::{ExportFormat, ExportOptions, NewApplication};
use koers_core::model::{ApplicationStatus, LocalDate};
use koers_core::query::ApplicationQuery;
use koers_core::Dossier;

fn today() -> LocalDate {
    LocalDate::from_ymd(2026, 11, 23).expect("valid date")
}

fn two_year_file(dir: &Path) -> PathBuf {
    let path = dir.join("two-years.db");
    let mut d = Dossier::open(&path).expect("open");
    fill_fast(&mut d, DossierSize::TWO_YEARS, today(), 42).expect("fill");
    path
}

fn benches(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = two_year_file(dir.path());

    c.bench_function("cold open (two-year dossier)", |b| {
        b.iter(|| Dossier::open(&path).expect("open"))
    });

    let mut d = Dossier::open(&path).expect("open");
    c.bench_function("list all 500 applications", |b| {
        b.iter(|| {
            let list = d
                .list_applications(&ApplicationQuery::default())
                .expect("list");
            assert!(list.len() >= 500);
            list
        })
    });
    c.bench_function("search applications (text)", |b| {
        b.iter(|| {
            d.list_applications(&ApplicationQuery {
                text: Some("planner utrecht".into()),
                ..Default::default()
            })
            .expect("search")
        })
    });
    c.bench_function("weekly summary (104 weeks)", |b| {
        b.iter(|| d.weekly_progress(today(), 104))
    });
    c.bench_function("export CSV", |b| {
        b.iter(|| {
            d.export(ExportFormat::Csv, &ExportOptions::default())
                .expect("csv")
        })
    });
    // Writes last: they grow the dossier.
    c.bench_function("log one application (durable)", |b| {
        b.iter(|| {
            d.log_application(NewApplication {
                employer: "Acme".into(),
                role: "Planner".into(),
                ..Default::default()
            })
            .expect("log")
        })
    });
    let ids: Vec<String> = d.document().applications.keys().cloned().collect();
    let mut i = 0usize;
    c.bench_function("change one status (durable)", |b| {
        b.iter_batched(
            || {
                i += 1;
                let status = if i.is_multiple_of(2) {
                    ApplicationStatus::Interview
                } else {
                    ApplicationStatus::Offer
                };
                (ids[i % ids.len()].clone(), status)
            },
            |(id, status)| d.set_status(&id, status).expect("status"),
            BatchSize::SmallInput,
        )
    });
}

/// Reading the document into the model: one application record and the whole two-year
/// dossier, through plain autosurgeon (a seek in the op set for every field) and through
/// `koers_core::hydrate` (each object read in one pass).
fn hydration(c: &mut Criterion) {
    use automerge::ReadDoc;
    use koers_core::model::{Application, DossierDocument};
    let mut d = Dossier::open_in_memory().expect("open");
    fill_fast(&mut d, DossierSize::TWO_YEARS, today(), 42).expect("fill");
    let doc = d.automerge().expect("document").clone();
    let (_, apps) = doc
        .get(automerge::ROOT, "applications")
        .expect("read")
        .expect("applications");
    let ids: Vec<String> = doc.keys(&apps).collect();
    let mut n = 0;
    c.bench_function("read one application (autosurgeon)", |b| {
        b.iter(|| {
            n = (n + 1) % ids.len();
            let a: Application =
                autosurgeon::hydrate_prop(&doc, &apps, ids[n].as_str()).expect("hydrate");
            a
        })
    });
    c.bench_function("read one application (koers_core::hydrate)", |b| {
        b.iter(|| {
            n = (n + 1) % ids.len();
            let a: Application =
                koers_core::hydrate::hydrate_prop(&doc, &apps, ids[n].as_str()).expect("hydrate");
            a
        })
    });
    // Where one new application's change wrote (the bureau's key check and the records it
    // reads again, the phone's catch-up): the paths of the objects it made.
    let before = doc.get_heads();
    let mut logged = Dossier::open_in_memory().expect("open");
    logged
        .replace_document(doc.clone(), |_| Ok(()))
        .expect("adopt");
    logged
        .log_application(NewApplication {
            employer: "Werkgever".into(),
            role: "Planner".into(),
            ..Default::default()
        })
        .expect("log");
    let after = logged.automerge().expect("document").clone();
    let new = after.get_changes(&before);
    c.bench_function("where a new application's change wrote", |b| {
        b.iter(|| koers_core::incremental::written(&after, &new).expect("paths"))
    });
    // A status change written into the document (its record reconciled), in memory.
    let ids: Vec<String> = logged
        .list_applications(&ApplicationQuery::default())
        .expect("list")
        .into_iter()
        .map(|a| a.id)
        .collect();
    let mut turn = 0;
    c.bench_function("change one status (in memory)", |b| {
        b.iter(|| {
            turn += 1;
            let status = if (turn / ids.len()).is_multiple_of(2) {
                ApplicationStatus::Interview
            } else {
                ApplicationStatus::Applied
            };
            logged
                .set_status(&ids[turn % ids.len()], status)
                .expect("status")
        })
    });
    // The bureau's reply to a fast push when it has nothing new for the phone: its heads.
    let acknowledgement = |heads: &[automerge::ChangeHash]| koers_protocol::DocumentReply {
        document: "dossier".into(),
        outcome: koers_protocol::Outcome::Fast {
            heads: koers_core::sync::hashes_to_wire(heads),
            changes: vec![],
            corrected: vec![],
            packed: None,
        },
    };
    // A phone's push of one new application: the bureau acknowledged everything before it.
    let mut state = koers_core::sync::PeerState::new();
    koers_core::sync::absorb(&mut doc.clone(), &mut state, acknowledgement(&before))
        .expect("absorb");
    c.bench_function("a phone prepares the push of one new application", |b| {
        b.iter_batched(
            || state.clone(),
            |mut state| koers_core::sync::prepare(&after, "dossier", &mut state),
            BatchSize::SmallInput,
        )
    });
    // A phone taking the bureau's reply to its push (the fast path: nothing new from the
    // bureau, its heads are the phone's): what the phone checks before it records them.
    let mut phone = after.clone();
    let reply = acknowledgement(&phone.get_heads());
    c.bench_function("a phone absorbs the bureau's acknowledgement", |b| {
        b.iter_batched(
            || (koers_core::sync::PeerState::new(), reply.clone()),
            |(mut state, reply)| {
                koers_core::sync::absorb(&mut phone, &mut state, reply).expect("absorb")
            },
            BatchSize::SmallInput,
        )
    });
    c.bench_function("read the whole dossier (autosurgeon)", |b| {
        b.iter(|| autosurgeon::hydrate::<_, DossierDocument>(&doc).expect("hydrate"))
    });
    c.bench_function("read the whole dossier (koers_core::hydrate)", |b| {
        b.iter(|| koers_core::hydrate::hydrate::<DossierDocument>(&doc).expect("hydrate"))
    });
}

criterion_group! {
    name = core;
    config = Criterion::default().sample_size(50).measurement_time(std::time::Duration::from_secs(4));
    targets = benches, hydration
}
criterion_main!(core);
