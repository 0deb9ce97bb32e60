//! The trajectory: kind, dates, phase, plan goals, weekly target, budget. Changed through
//! `crate::ops::edit_trajectory` inside `commit_with`.

use crate::error::Result;
use crate::model::{Timestamp, Trajectory};
use crate::ops;

use super::Dossier;

pub use crate::ops::TrajectoryPatch;

impl Dossier {
    pub fn trajectory(&self) -> &Trajectory {
        &self.state.trajectory
    }

    /// Sets up or changes the trajectory. On a phone linked to a bureau the coach owns these
    /// fields; unlinked, the employee keeps them up to date themselves.
    pub fn update_trajectory(&mut self, patch: TrajectoryPatch) -> Result<Trajectory> {
        let by = self.acting()?;
        self.commit_with("update trajectory", |current| {
            ops::edit_trajectory(current, by, patch, Timestamp::now()).map(ops::Done::into_parts)
        })
    }
}
