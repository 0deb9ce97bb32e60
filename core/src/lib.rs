//! Koers' shared core: the employee's dossier (trajectory, applications, appointments,
//! actions, private journal) kept offline in SQLite and shared with the bureau as an
//! Automerge document. Phones call it through uniffi (`ffi`); the CLI and the bureau use the
//! pure Rust API (`Dossier`, `milestones`, `progress`, `export`, `display`).

pub mod demo;
pub mod display;
pub mod dossier;
pub mod edit;
pub mod enrolment;
pub mod error;
pub mod export;
pub mod ffi;
pub mod hydrate;
pub mod incremental;
pub mod input;
pub mod milestones;
pub mod model;
pub mod ops;
pub mod overview;
pub mod progress;
pub mod query;
pub mod reminder_ledger;
pub mod rules;
pub mod screen;
pub mod session;
pub mod store;
pub mod sync;
pub mod vacancy;

pub use dossier::Dossier;
pub use error::{KoersError, Result};

uniffi::setup_scaffolding!("koers");
