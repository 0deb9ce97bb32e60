//! Coach appointments: propose, confirm, move, cancel, complete. Every write is an operation
//! of `crate::ops`, run on the current state inside `commit_with`.

use crate::error::{KoersError, Result};
use crate::model::{Appointment, Timestamp};
use crate::ops;
use crate::query;

use super::Dossier;

pub use crate::ops::{
    check_appointment_times, AppointmentPatch, NewAppointment, MAX_APPOINTMENT_HOURS,
};

impl Dossier {
    /// Proposes an appointment; it needs the other side's confirmation.
    pub fn schedule_appointment(&mut self, new: NewAppointment) -> Result<Appointment> {
        let by = self.acting()?;
        self.commit_with("schedule appointment", |current| {
            ops::propose_appointment(current, by, new, Timestamp::now()).map(ops::Done::into_parts)
        })
    }

    pub fn appointment(&self, id: &str) -> Result<Appointment> {
        self.state
            .appointments
            .get(id)
            .cloned()
            .ok_or_else(|| KoersError::not_found(format!("afspraak {id}")))
    }

    /// Moves or edits an appointment. A moved appointment needs confirming again.
    pub fn update_appointment(&mut self, id: &str, patch: AppointmentPatch) -> Result<Appointment> {
        let by = self.acting()?;
        self.commit_with("update appointment", |current| {
            ops::update_appointment(current, by, id, patch, Timestamp::now())
                .map(ops::Done::into_parts)
        })
    }

    pub fn confirm_appointment(&mut self, id: &str) -> Result<Appointment> {
        let by = self.acting()?;
        self.commit_with("appointment status", |current| {
            ops::confirm_appointment(current, by, id, Timestamp::now()).map(ops::Done::into_parts)
        })
    }

    pub fn cancel_appointment(&mut self, id: &str) -> Result<Appointment> {
        let by = self.acting()?;
        self.commit_with("appointment status", |current| {
            ops::cancel_appointment(current, by, id, Timestamp::now()).map(ops::Done::into_parts)
        })
    }

    /// Marks an appointment as held, optionally with what was discussed.
    pub fn complete_appointment(&mut self, id: &str, notes: Option<String>) -> Result<Appointment> {
        let by = self.acting()?;
        self.commit_with("appointment status", |current| {
            ops::complete_appointment(current, by, id, notes, Timestamp::now())
                .map(ops::Done::into_parts)
        })
    }

    /// Appointments by start time; with `upcoming_only`, those not yet over and not cancelled.
    pub fn list_appointments(&self, upcoming_only: bool) -> Result<Vec<Appointment>> {
        let after = upcoming_only.then(Timestamp::now);
        Ok(
            query::appointments_by_start(self.state.appointments.values(), after)
                .into_iter()
                .filter(|a| !upcoming_only || a.status.is_active())
                .cloned()
                .collect(),
        )
    }
}
