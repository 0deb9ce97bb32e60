//! The subcommands, one module per group. Each module has a clap `Cmd` (flattened into the
//! top level) and `run(cmd, ctx)`, which returns the text or JSON to print.

pub mod actions;
pub mod applications;
pub mod appointments;
pub mod export;
pub mod journal;
pub mod sync;
pub mod trajectory;
pub mod views;

use koers_core::model::LocalDate;
use koers_core::{input, Result};

/// Joins words given as separate arguments (`koers comment ID Bel maandag terug`).
pub(crate) fn words(parts: Vec<String>) -> String {
    parts.join(" ")
}

/// A clearable date option: absent leaves it, "" clears it, otherwise a day.
pub(crate) fn clearable_date(
    field: &str,
    value: Option<String>,
) -> Result<Option<Option<LocalDate>>> {
    value
        .map(|v| input::optional_date(field, Some(&v)))
        .transpose()
}

/// An optional date option.
pub(crate) fn opt_date(field: &str, value: Option<&str>) -> Result<Option<LocalDate>> {
    value.map(|v| input::date(field, v)).transpose()
}
