//! Coach appointments: schedule, confirm, move, cancel, complete.

use crate::error::{KoersError, Result};
use crate::input;
use crate::model::{new_id, Appointment, AppointmentKind, AppointmentStatus, Timestamp};
use crate::store::Projection;

use super::{Dossier, Edit};

/// A new appointment. Made on the phone it starts as proposed, until the coach confirms.
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
/// starts and lasts at most [`MAX_APPOINTMENT_HOURS`]. The phone and the bureau both check.
pub fn check_appointment_times(starts_at: Timestamp, ends_at: Timestamp) -> Result<()> {
    if ends_at.0 <= starts_at.0 {
        return Err(KoersError::invalid(
            "ends_at",
            format!("the end ({ends_at}) must be after the start ({starts_at})"),
        ));
    }
    if (ends_at.0 - starts_at.0).num_hours() > MAX_APPOINTMENT_HOURS {
        return Err(KoersError::invalid(
            "ends_at",
            format!("an appointment may last at most {MAX_APPOINTMENT_HOURS} hours"),
        ));
    }
    Ok(())
}

impl Dossier {
    pub fn schedule_appointment(&mut self, new: NewAppointment) -> Result<Appointment> {
        check_appointment_times(new.starts_at, new.ends_at)?;
        let now = Timestamp::now();
        let appointment = Appointment {
            id: new_id(),
            starts_at: new.starts_at,
            ends_at: new.ends_at,
            kind: new.kind,
            location: input::text("location", &new.location)?,
            agenda: input::text("agenda", &new.agenda)?,
            status: AppointmentStatus::Proposed,
            proposed_by: self.role,
            notes: input::text("notes", &new.notes)?,
            created_at: now,
            updated_at: now,
        };
        self.commit(
            "schedule appointment",
            vec![Edit::PutAppointment(appointment.clone())],
        )?;
        Ok(appointment)
    }

    pub fn appointment(&self, id: &str) -> Result<Appointment> {
        self.state
            .appointments
            .get(id)
            .cloned()
            .ok_or_else(|| KoersError::not_found(format!("appointment {id}")))
    }

    /// Moves or edits an appointment. A moved appointment needs confirming again.
    pub fn update_appointment(&mut self, id: &str, patch: AppointmentPatch) -> Result<Appointment> {
        let mut a = self.appointment(id)?;
        let moved = patch.starts_at.is_some_and(|s| s != a.starts_at)
            || patch.ends_at.is_some_and(|e| e != a.ends_at);
        a.starts_at = patch.starts_at.unwrap_or(a.starts_at);
        a.ends_at = patch.ends_at.unwrap_or(a.ends_at);
        check_appointment_times(a.starts_at, a.ends_at)?;
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
        if moved && a.status == AppointmentStatus::Confirmed {
            a.status = AppointmentStatus::Proposed;
            a.proposed_by = self.role;
        }
        if self.state.appointments.get(id) == Some(&a) {
            return Ok(a);
        }
        a.updated_at = Timestamp::now();
        self.commit("update appointment", vec![Edit::PutAppointment(a.clone())])?;
        Ok(a)
    }

    pub fn confirm_appointment(&mut self, id: &str) -> Result<Appointment> {
        self.move_appointment_to(id, AppointmentStatus::Confirmed, None)
    }

    pub fn cancel_appointment(&mut self, id: &str) -> Result<Appointment> {
        self.move_appointment_to(id, AppointmentStatus::Cancelled, None)
    }

    /// Marks an appointment as held, optionally with what was discussed.
    pub fn complete_appointment(&mut self, id: &str, notes: Option<String>) -> Result<Appointment> {
        self.move_appointment_to(id, AppointmentStatus::Done, notes)
    }

    fn move_appointment_to(
        &mut self,
        id: &str,
        status: AppointmentStatus,
        notes: Option<String>,
    ) -> Result<Appointment> {
        let mut a = self.appointment(id)?;
        let allowed = match status {
            AppointmentStatus::Confirmed => {
                a.status == AppointmentStatus::Proposed || a.status == status
            }
            AppointmentStatus::Cancelled => a.status != AppointmentStatus::Done,
            AppointmentStatus::Done => a.status != AppointmentStatus::Cancelled,
            AppointmentStatus::Proposed => true,
        };
        if !allowed {
            return Err(KoersError::invalid(
                "status",
                format!(
                    "an appointment that is {} cannot become {}",
                    a.status.as_str(),
                    status.as_str()
                ),
            ));
        }
        if let Some(n) = notes {
            a.notes = input::text("notes", &n)?;
        }
        a.status = status;
        if self.state.appointments.get(id) == Some(&a) {
            return Ok(a);
        }
        a.updated_at = Timestamp::now();
        self.commit("appointment status", vec![Edit::PutAppointment(a.clone())])?;
        Ok(a)
    }

    /// Appointments by start time; with `upcoming_only`, those not yet over and not cancelled.
    pub fn list_appointments(&self, upcoming_only: bool) -> Result<Vec<Appointment>> {
        let after = upcoming_only.then(|| Timestamp::now().millis());
        let ids = Projection::appointment_ids(self.conn(), after)?;
        Ok(ids
            .iter()
            .filter_map(|id| self.state.appointments.get(id))
            .filter(|a| !upcoming_only || a.status.is_active())
            .cloned()
            .collect())
    }
}
