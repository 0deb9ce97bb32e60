//! Read-only views over the dossier: milestones, progress, today, reminders, exports.

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
