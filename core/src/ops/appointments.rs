//! Appointments: propose, move or edit, confirm, cancel, mark as held.

use super::check::finish;
use super::{Acting, Done};
use crate::edit::Edit;
use crate::error::{KoersError, Result};
use crate::input;
use crate::model::{
    new_id, Appointment, AppointmentKind, AppointmentStatus, DossierDocument, Timestamp,
};

/// A new appointment. It starts as proposed, until the other side confirms.
#[derive(Debug, Clone, PartialEq)]
pub struct NewAppointment {
    pub starts_at: Timestamp,
    pub ends_at: Timestamp,
    pub kind: AppointmentKind,
    pub location: String,
    pub agenda: String,
    pub notes: String,
}

/// Changes to an appointment. `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AppointmentPatch {
    pub starts_at: Option<Timestamp>,
    pub ends_at: Option<Timestamp>,
    pub kind: Option<AppointmentKind>,
    pub location: Option<String>,
    pub agenda: Option<String>,
    pub notes: Option<String>,
}

/// Longest appointment accepted: a full-day workshop, not a typo spanning weeks.
pub const MAX_APPOINTMENT_HOURS: i64 = 24;

/// Whether an appointment from `starts_at` to `ends_at` may be stored: it ends after it
/// starts and lasts at most [`MAX_APPOINTMENT_HOURS`].
pub fn check_appointment_times(starts_at: Timestamp, ends_at: Timestamp) -> Result<()> {
    if ends_at.0 <= starts_at.0 {
        return Err(KoersError::invalid(
            "ends_at",
            format!(
                "{} ligt niet na het begin ({})",
                crate::display::datetime(ends_at),
                crate::display::datetime(starts_at)
            ),
        ));
    }
    if (ends_at.0 - starts_at.0).num_hours() > MAX_APPOINTMENT_HOURS {
        return Err(KoersError::invalid(
            "ends_at",
            format!("een afspraak duurt hoogstens {MAX_APPOINTMENT_HOURS} uur"),
        ));
    }
    Ok(())
}

/// Proposes an appointment on behalf of whoever acts.
pub fn propose_appointment(
    doc: &DossierDocument,
    by: Acting,
    new: NewAppointment,
    now: Timestamp,
) -> Result<Done<Appointment>> {
    check_appointment_times(new.starts_at, new.ends_at)?;
    let appointment = Appointment {
        id: new_id(),
        starts_at: new.starts_at,
        ends_at: new.ends_at,
        kind: new.kind,
        location: input::text("location", &new.location)?,
        agenda: input::text("agenda", &new.agenda)?,
        status: AppointmentStatus::Proposed,
        proposed_by: by.actor,
        notes: input::text("notes", &new.notes)?,
        created_at: now,
        updated_at: now,
    };
    finish(
        doc,
        by,
        vec![Edit::PutAppointment(appointment.clone())],
        appointment,
    )
}

pub(crate) fn find<'a>(doc: &'a DossierDocument, id: &str) -> Result<&'a Appointment> {
    doc.appointments
        .get(id)
        .ok_or_else(|| KoersError::not_found(format!("afspraak {id}")))
}

/// Moves or edits an appointment. A moved appointment is a new proposal by whoever moved
/// it, to be confirmed again; a held or cancelled one is not moved (plan a new one).
pub fn update_appointment(
    doc: &DossierDocument,
    by: Acting,
    id: &str,
    patch: AppointmentPatch,
    now: Timestamp,
) -> Result<Done<Appointment>> {
    let current = find(doc, id)?;
    let mut a = current.clone();
    let moved = patch.starts_at.is_some_and(|s| s != a.starts_at)
        || patch.ends_at.is_some_and(|e| e != a.ends_at);
    a.starts_at = patch.starts_at.unwrap_or(a.starts_at);
    a.ends_at = patch.ends_at.unwrap_or(a.ends_at);
    check_appointment_times(a.starts_at, a.ends_at)?;
    if moved {
        crate::rules::appointment_transition(a.status, AppointmentStatus::Proposed)
            .map_err(|reason| KoersError::invalid("starts_at", reason))?;
        a.status = AppointmentStatus::Proposed;
        a.proposed_by = by.actor;
    }
    if let Some(k) = patch.kind {
        a.kind = k;
    }
    if let Some(v) = patch.location {
        a.location = input::text("location", &v)?;
    }
    if let Some(v) = patch.agenda {
        a.agenda = input::text("agenda", &v)?;
    }
    if let Some(v) = patch.notes {
        a.notes = input::text("notes", &v)?;
    }
    if &a == current {
        return Ok(Done::unchanged(a));
    }
    a.updated_at = now;
    finish(doc, by, vec![Edit::PutAppointment(a.clone())], a)
}

pub fn confirm_appointment(
    doc: &DossierDocument,
    by: Acting,
    id: &str,
    now: Timestamp,
) -> Result<Done<Appointment>> {
    to_status(doc, by, id, AppointmentStatus::Confirmed, None, now)
}

pub fn cancel_appointment(
    doc: &DossierDocument,
    by: Acting,
    id: &str,
    now: Timestamp,
) -> Result<Done<Appointment>> {
    to_status(doc, by, id, AppointmentStatus::Cancelled, None, now)
}

/// Marks an appointment as held, optionally with what was discussed.
pub fn complete_appointment(
    doc: &DossierDocument,
    by: Acting,
    id: &str,
    notes: Option<String>,
    now: Timestamp,
) -> Result<Done<Appointment>> {
    to_status(doc, by, id, AppointmentStatus::Done, notes, now)
}

fn to_status(
    doc: &DossierDocument,
    by: Acting,
    id: &str,
    status: AppointmentStatus,
    notes: Option<String>,
    now: Timestamp,
) -> Result<Done<Appointment>> {
    let current = find(doc, id)?;
    let mut a = current.clone();
    crate::rules::appointment_transition(a.status, status)
        .map_err(|reason| KoersError::invalid("status", reason))?;
    if let Some(n) = notes {
        a.notes = input::text("notes", &n)?;
    }
    a.status = status;
    if &a == current {
        return Ok(Done::unchanged(a));
    }
    a.updated_at = now;
    finish(doc, by, vec![Edit::PutAppointment(a.clone())], a)
}
