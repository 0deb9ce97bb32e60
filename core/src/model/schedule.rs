//! Dated agreements of the trajectory: every change of the weekly target and of the phase
//! keeps the day from which it applies, so weekly progress and reports judge each week by
//! what was agreed at the time (document schema 2). Documents of schema 1 kept only the
//! current values; they read as one agreement from the trajectory's start.

use autosurgeon::{Hydrate, Reconcile};
use serde::{Deserialize, Serialize};

use super::{LocalDate, Phase, Trajectory};

/// The first document shape (the genesis change writes it, byte for byte the same forever).
pub const GENESIS_SCHEMA: u64 = 1;

/// From `from` on, this many applications a week were agreed.
#[derive(
    Debug, Clone, PartialEq, Eq, Reconcile, Hydrate, Serialize, Deserialize, uniffi::Record,
)]
pub struct TargetChange {
    pub from: LocalDate,
    pub weekly_target: u32,
}

/// From `from` on, the trajectory was in this phase.
#[derive(
    Debug, Clone, PartialEq, Eq, Reconcile, Hydrate, Serialize, Deserialize, uniffi::Record,
)]
pub struct PhaseChange {
    pub from: LocalDate,
    pub phase: Phase,
}

/// The day a schema-1 agreement is read as starting: the trajectory's start, else the
/// first sick day, else "always".
fn legacy_from(t: &Trajectory) -> LocalDate {
    t.start_date
        .or(t.first_sick_day)
        .or_else(|| LocalDate::from_ymd(1970, 1, 1))
        .unwrap_or(LocalDate(chrono::NaiveDate::MIN))
}

impl Trajectory {
    /// Fills the dated lists from the current values where a schema-1 document has none,
    /// and puts them in date order (concurrent changes merge as two list entries). Run on
    /// every read, so that every peer sees the same agreements.
    pub fn settle(&mut self) {
        if self.target_history.is_empty() && self.weekly_target > 0 {
            self.target_history.push(TargetChange {
                from: legacy_from(self),
                weekly_target: self.weekly_target,
            });
        }
        if self.phase_history.is_empty() {
            if let Some(phase) = self.phase {
                self.phase_history.push(PhaseChange {
                    from: legacy_from(self),
                    phase,
                });
            }
        }
        // Stable: of two changes dated the same day, the later in the list wins.
        self.target_history.sort_by_key(|c| c.from);
        self.phase_history.sort_by_key(|c| c.from);
    }

    /// Records `weekly_target` as agreed from `from` on (a change the same day replaces
    /// that day's); the newest agreement is the current target.
    pub fn agree_target(&mut self, weekly_target: u32, from: LocalDate) {
        self.target_history.retain(|c| c.from != from);
        self.target_history.push(TargetChange {
            from,
            weekly_target,
        });
        self.target_history.sort_by_key(|c| c.from);
        if let Some(newest) = self.target_history.last() {
            self.weekly_target = newest.weekly_target;
        }
    }

    /// Records the move to `phase` on `from`.
    pub fn enter_phase(&mut self, phase: Phase, from: LocalDate) {
        self.phase_history.retain(|c| c.from != from);
        self.phase_history.push(PhaseChange { from, phase });
        self.phase_history.sort_by_key(|c| c.from);
        self.phase = Some(phase);
    }

    /// The first day that counts: the start date, else the first agreement's day.
    pub fn starts_on(&self) -> Option<LocalDate> {
        self.start_date
            .or_else(|| self.target_history.first().map(|c| c.from))
    }

    /// The weekly target in force on `day` (0: none agreed by then, or before the start).
    pub fn target_on(&self, day: LocalDate) -> u32 {
        if self.starts_on().is_some_and(|start| day < start) {
            return 0;
        }
        if self.target_history.is_empty() {
            return self.weekly_target;
        }
        self.target_history
            .iter()
            .rev()
            .find(|c| c.from <= day)
            .map_or(0, |c| c.weekly_target)
    }

    /// The target the ISO week starting Monday `monday` is judged by: the one in force on its
    /// first day within the trajectory. 0 for weeks that end before the trajectory starts:
    /// they never count.
    pub fn target_for_week(&self, monday: LocalDate) -> u32 {
        let first_day = match self.starts_on() {
            Some(start) if start > monday => {
                let sunday = monday.0 + chrono::Days::new(6);
                if start.0 > sunday {
                    return 0;
                }
                start
            }
            _ => monday,
        };
        self.target_on(first_day)
    }

    /// The phase the trajectory was in on `day`.
    pub fn phase_on(&self, day: LocalDate) -> Option<Phase> {
        if self.phase_history.is_empty() {
            return self.phase;
        }
        self.phase_history
            .iter()
            .rev()
            .find(|c| c.from <= day)
            .map(|c| c.phase)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::fixtures::day;

    fn trajectory(start: &str) -> Trajectory {
        Trajectory {
            start_date: Some(day(start)),
            ..Default::default()
        }
    }

    #[test]
    fn each_week_is_judged_by_the_target_agreed_at_the_time() {
        let mut t = trajectory("2026-09-07");
        t.agree_target(3, day("2026-09-07"));
        t.agree_target(1, day("2026-11-25"));
        assert_eq!(t.weekly_target, 1);
        assert_eq!(t.target_for_week(day("2026-09-07")), 3);
        // Lowered on a Wednesday: that week was still agreed at 3.
        assert_eq!(t.target_for_week(day("2026-11-23")), 3);
        assert_eq!(t.target_for_week(day("2026-11-30")), 1);
        // Before the start nothing counts.
        assert_eq!(t.target_for_week(day("2026-08-31")), 0);
    }

    #[test]
    fn a_trajectory_starting_mid_week_counts_that_week() {
        let mut t = trajectory("2026-12-02");
        t.agree_target(2, day("2026-12-02"));
        assert_eq!(t.target_for_week(day("2026-11-30")), 2);
        assert_eq!(t.target_for_week(day("2026-11-23")), 0);
    }

    #[test]
    fn a_schema_1_trajectory_reads_as_one_agreement_from_its_start() {
        let mut t = trajectory("2026-09-07");
        t.weekly_target = 3;
        t.phase = Some(Phase::JobHunting);
        t.settle();
        assert_eq!(
            t.target_history,
            [TargetChange {
                from: day("2026-09-07"),
                weekly_target: 3
            }]
        );
        assert_eq!(t.phase_on(day("2026-10-01")), Some(Phase::JobHunting));
        assert_eq!(t.target_for_week(day("2026-08-31")), 0);
    }
}
