//! Read-only views over the dossier: milestones, progress, today, reminders, exports.

use crate::error::{KoersError, Result};
use crate::export;
use crate::milestones::{self, Milestone};
use crate::model::{LocalDate, Timestamp};
use crate::overview::{self, Reminder, TodayOverview};
use crate::progress::{self, WeeklyProgress};
use crate::reminder_ledger::ReminderPlan;

use super::Dossier;

/// The export formats for the re-integratieverslag and the calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum, serde::Serialize)]
pub enum ExportFormat {
    /// The application log as CSV (RFC 4180, UTF-8, Dutch headers).
    Csv,
    /// A printable HTML page with a per-week table.
    Html,
    /// Appointments as an iCalendar file (RFC 5545).
    Ics,
}

/// What to export. The journal is left out unless the employee asks for it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExportOptions {
    pub from: Option<LocalDate>,
    pub to: Option<LocalDate>,
    pub include_journal: bool,
}

impl Dossier {
    /// The trajectory's milestones (Poortwachter or outplacement), as seen on `today`.
    pub fn milestones(&self, today: LocalDate) -> Vec<Milestone> {
        milestones::milestones(&self.state.trajectory, today)
    }

    /// Applications per ISO week against the target, streak and funnel, over the last
    /// `weeks` weeks up to `today`.
    pub fn weekly_progress(&self, today: LocalDate, weeks: u32) -> WeeklyProgress {
        progress::weekly_progress(&self.state, today, weeks)
    }

    /// What the shells show first.
    pub fn today_overview(&self, now: Timestamp) -> TodayOverview {
        overview::today_overview(&self.state, now)
    }

    /// Reminders due now, with stable ids so a shell notifies once.
    pub fn due_reminders(&self, now: Timestamp) -> Vec<Reminder> {
        overview::due_reminders(&self.state, now)
    }

    /// What the app does with its notifications as of `now`: which reminders to post (or
    /// schedule, when `days` > 0 looks ahead) and which pending ones to withdraw. Remembers
    /// what it hands out in the reminder ledger, so a reminder is notified once.
    pub fn plan_reminders(&mut self, now: Timestamp, days: u32) -> Result<ReminderPlan> {
        let upcoming = overview::upcoming_reminders(&self.state, now, days);
        self.write_local(|tx| crate::reminder_ledger::plan(tx, upcoming, now))
    }

    /// The dossier in one of the export formats.
    pub fn export(&self, format: ExportFormat, options: &ExportOptions) -> Result<String> {
        if let (Some(from), Some(to)) = (options.from, options.to) {
            if to < from {
                return Err(KoersError::invalid(
                    "to",
                    "de periode eindigt voordat hij begint",
                ));
            }
        }
        let in_period =
            |d: LocalDate| options.from.is_none_or(|f| d >= f) && options.to.is_none_or(|t| d <= t);
        match format {
            ExportFormat::Csv => {
                let mut apps: Vec<_> = self
                    .state
                    .applications
                    .values()
                    .filter(|a| in_period(a.date))
                    .cloned()
                    .collect();
                apps.sort_by(|a, b| {
                    a.date
                        .cmp(&b.date)
                        .then_with(|| a.created_at.cmp(&b.created_at))
                });
                export::applications_csv(&apps)
            }
            ExportFormat::Html => {
                let journal = if options.include_journal {
                    Some(self.journal(options.from, options.to)?)
                } else {
                    None
                };
                Ok(export::applications_html(
                    &self.state,
                    options.from,
                    options.to,
                    journal.as_deref(),
                ))
            }
            ExportFormat::Ics => {
                let mut appointments: Vec<_> = self
                    .state
                    .appointments
                    .values()
                    .filter(|a| in_period(a.starts_at.local_date()))
                    .cloned()
                    .collect();
                appointments.sort_by_key(|a| a.starts_at);
                Ok(export::appointments_ics(
                    &appointments,
                    "Koers: afspraken met de coach",
                ))
            }
        }
    }
}

/// Writes `bytes` to `path` through a temporary file in the same folder, so a crash never
/// leaves half an export behind.
pub fn write_atomically(path: &std::path::Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    let io = |e: std::io::Error| KoersError::Io {
        path: path.display().to_string(),
        message: e.to_string(),
    };
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    let file_name = path
        .file_name()
        .ok_or_else(|| KoersError::invalid("path", "noem een bestand, geen map"))?;
    let tmp = dir.join(format!(".{}.tmp", file_name.to_string_lossy()));
    let mut f = std::fs::File::create(&tmp).map_err(io)?;
    f.write_all(bytes).map_err(io)?;
    f.sync_all().map_err(io)?;
    drop(f);
    std::fs::rename(&tmp, path).map_err(io)
}
