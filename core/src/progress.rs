//! Job applications counted per ISO week against the weekly target agreed with the coach,
//! the streak of weeks that met it, and how many applications sit in each status. Each week
//! is judged by the target in force in it (`Trajectory::target_for_week`); weeks before the
//! trajectory's start have no target and never count as missed.

use std::collections::BTreeMap;

use chrono::{Datelike, Days, NaiveDate};
use serde::Serialize;

use crate::model::{Application, ApplicationStatus, DossierDocument, LocalDate, Trajectory};

/// Applications in one ISO week (Monday to Sunday).
#[derive(Debug, Clone, PartialEq, Serialize, uniffi::Record)]
pub struct WeekCount {
    /// The ISO week-numbering year, which differs from the calendar year around new year
    /// (Monday 30 December 2024 is in 2025-W01).
    pub iso_year: i32,
    pub iso_week: u32,
    /// The Monday the week starts on.
    pub week_start: LocalDate,
    /// Applications dated in this week whose status counts as applied.
    pub applications: u32,
    /// The target in force in this week; 0 when none was agreed (or before the start).
    pub target: u32,
    /// Whether a target is set (above 0) and reached.
    pub met: bool,
}

/// How many applications currently have one status.
#[derive(Debug, Clone, PartialEq, Serialize, uniffi::Record)]
pub struct FunnelCount {
    pub status: ApplicationStatus,
    /// The status in Dutch, for display.
    pub label: String,
    pub count: u32,
}

/// The employee's progress against the weekly target.
#[derive(Debug, Clone, PartialEq, Serialize, uniffi::Record)]
pub struct WeeklyProgress {
    /// Applications per week agreed with the coach for this week; 0 means none agreed.
    pub target: u32,
    /// The last `weeks` ISO weeks up to and including the current one, oldest first.
    pub weeks: Vec<WeekCount>,
    pub this_week: WeekCount,
    /// Consecutive weeks meeting the target, ending with the current week if it already
    /// meets it, else with last week; 0 when there is no target.
    pub current_streak: u32,
    /// One entry per status, in `ApplicationStatus::ALL` order.
    pub funnel: Vec<FunnelCount>,
    /// All applications in the dossier, whatever their status.
    pub total: u32,
}

/// The Monday of the ISO week `date` falls in.
pub fn week_start(date: LocalDate) -> LocalDate {
    let back = u64::from(date.0.weekday().num_days_from_monday());
    // Only fails at the very first days of the calendar, where the day itself will do.
    LocalDate(date.0.checked_sub_days(Days::new(back)).unwrap_or(date.0))
}

/// The employee's weekly progress as seen on `today`, over the last `weeks` ISO weeks.
pub fn weekly_progress(doc: &DossierDocument, today: LocalDate, weeks: u32) -> WeeklyProgress {
    let trajectory = &doc.trajectory;
    let apps = || doc.applications.values();
    let current = week_start(today);
    let per_week = counts_per_week(apps());

    let list = match weeks.checked_sub(1) {
        None => Vec::new(),
        Some(earlier) => {
            let from = current
                .0
                .checked_sub_days(Days::new(7 * u64::from(earlier)))
                .unwrap_or(NaiveDate::MIN);
            weeks_between(LocalDate(from), current, trajectory, &per_week)
        }
    };
    let this_week = week_count(current, trajectory, &per_week);
    let current_streak = streak(current, trajectory, &per_week);

    let funnel = ApplicationStatus::ALL
        .iter()
        .map(|status| FunnelCount {
            status: *status,
            label: status.label_nl().to_string(),
            count: count_u32(apps().filter(|a| a.status == *status).count()),
        })
        .collect();

    WeeklyProgress {
        target: this_week.target,
        weeks: list,
        this_week,
        current_streak,
        funnel,
        total: count_u32(doc.applications.len()),
    }
}

/// The applications per ISO week for every week that `from ..= to` touches, oldest first.
/// Weeks are counted whole, also where the period starts or ends mid-week, so that each
/// entry means the same as in `weekly_progress`, each judged by the target of
/// `trajectory` in force in it. Empty when `from` is after `to`.
pub fn applications_per_week<'a>(
    apps: impl IntoIterator<Item = &'a Application>,
    from: LocalDate,
    to: LocalDate,
    trajectory: &Trajectory,
) -> Vec<WeekCount> {
    if from > to {
        return Vec::new();
    }
    let per_week = counts_per_week(apps);
    weeks_between(week_start(from), week_start(to), trajectory, &per_week)
}

/// Applications that count as applied, keyed by the Monday of their week.
fn counts_per_week<'a>(
    apps: impl IntoIterator<Item = &'a Application>,
) -> BTreeMap<NaiveDate, u32> {
    let mut per_week = BTreeMap::new();
    for app in apps {
        if app.status.counts_as_applied() {
            *per_week.entry(week_start(app.date).0).or_insert(0u32) += 1;
        }
    }
    per_week
}

/// The weeks from the one starting on Monday `first` to the one starting on Monday `last`.
fn weeks_between(
    first: LocalDate,
    last: LocalDate,
    trajectory: &Trajectory,
    per_week: &BTreeMap<NaiveDate, u32>,
) -> Vec<WeekCount> {
    let mut out = Vec::new();
    let mut monday = first.0;
    while monday <= last.0 {
        out.push(week_count(LocalDate(monday), trajectory, per_week));
        match monday.checked_add_days(Days::new(7)) {
            Some(next) => monday = next,
            None => break,
        }
    }
    out
}

fn week_count(
    monday: LocalDate,
    trajectory: &Trajectory,
    per_week: &BTreeMap<NaiveDate, u32>,
) -> WeekCount {
    let target = trajectory.target_for_week(monday);
    let iso = monday.0.iso_week();
    let applications = per_week.get(&monday.0).copied().unwrap_or(0);
    WeekCount {
        iso_year: iso.year(),
        iso_week: iso.week(),
        week_start: monday,
        applications,
        target,
        met: target > 0 && applications >= target,
    }
}

/// Consecutive weeks meeting their target, back from the current week (the Monday
/// `current`) if it meets its target already, else from the week before.
fn streak(current: LocalDate, trajectory: &Trajectory, per_week: &BTreeMap<NaiveDate, u32>) -> u32 {
    let meets = |monday: NaiveDate| {
        let target = trajectory.target_for_week(LocalDate(monday));
        target > 0 && per_week.get(&monday).copied().unwrap_or(0) >= target
    };
    let mut monday = current.0;
    if !meets(monday) {
        match monday.checked_sub_days(Days::new(7)) {
            Some(previous) => monday = previous,
            None => return 0,
        }
    }
    let mut count = 0;
    // Ends at the first week below its target; finitely many weeks have applications.
    while meets(monday) {
        count += 1;
        match monday.checked_sub_days(Days::new(7)) {
            Some(previous) => monday = previous,
            None => break,
        }
    }
    count
}

fn count_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::fixtures::{self, day as d};
    use crate::model::Trajectory;

    fn app(id: &str, date: &str, status: ApplicationStatus) -> Application {
        fixtures::application(id, d(date), status)
    }

    /// A trajectory with one target and no start date: every week counts.
    fn flat(target: u32) -> Trajectory {
        Trajectory {
            weekly_target: target,
            ..Default::default()
        }
    }

    fn doc(target: u32, apps: Vec<Application>) -> DossierDocument {
        DossierDocument {
            schema: 1,
            trajectory: Trajectory {
                weekly_target: target,
                ..Default::default()
            },
            applications: apps.into_iter().map(|a| (a.id.clone(), a)).collect(),
            ..Default::default()
        }
    }

    fn weeks_summary(list: &[WeekCount]) -> Vec<(i32, u32, String, u32)> {
        list.iter()
            .map(|w| {
                (
                    w.iso_year,
                    w.iso_week,
                    w.week_start.to_string(),
                    w.applications,
                )
            })
            .collect()
    }

    #[test]
    fn week_start_is_the_monday() {
        assert_eq!(week_start(d("2026-03-02")), d("2026-03-02")); // Monday
        assert_eq!(week_start(d("2026-03-08")), d("2026-03-02")); // Sunday
        assert_eq!(week_start(d("2025-01-01")), d("2024-12-30"));
    }

    #[test]
    fn week_one_can_start_in_december() {
        // Monday 30 December 2024 starts 2025-W01.
        let apps = [
            app("a", "2024-12-29", ApplicationStatus::Applied), // Sunday, 2024-W52
            app("b", "2024-12-30", ApplicationStatus::Applied), // 2025-W01
            app("c", "2024-12-31", ApplicationStatus::Interview),
            app("d", "2025-01-05", ApplicationStatus::Rejected), // Sunday, still 2025-W01
            app("e", "2025-01-06", ApplicationStatus::Applied),  // 2025-W02
        ];
        let weeks = applications_per_week(&apps, d("2024-12-23"), d("2025-01-06"), &flat(2));
        assert_eq!(
            weeks_summary(&weeks),
            [
                (2024, 52, "2024-12-23".into(), 1),
                (2025, 1, "2024-12-30".into(), 3),
                (2025, 2, "2025-01-06".into(), 1),
            ]
        );
        assert_eq!(
            weeks.iter().map(|w| w.met).collect::<Vec<_>>(),
            [false, true, false]
        );
    }

    #[test]
    fn week_53_runs_into_january() {
        // 2026 has 53 ISO weeks: 2026-W53 is 28 December 2026 to 3 January 2027.
        let apps = [
            app("a", "2026-12-28", ApplicationStatus::Applied),
            app("b", "2027-01-01", ApplicationStatus::Applied),
            app("c", "2027-01-03", ApplicationStatus::Applied),
            app("d", "2027-01-04", ApplicationStatus::Applied), // 2027-W01
        ];
        let weeks = applications_per_week(&apps, d("2026-12-31"), d("2027-01-04"), &flat(1));
        assert_eq!(
            weeks_summary(&weeks),
            [
                (2026, 53, "2026-12-28".into(), 3),
                (2027, 1, "2027-01-04".into(), 1)
            ]
        );
        // And 2025 has none: its last week is W52, then 2026-W01 starts on 29 December 2025.
        let weeks = applications_per_week(&[], d("2025-12-22"), d("2026-01-04"), &flat(1));
        assert_eq!(
            weeks_summary(&weeks),
            [
                (2025, 52, "2025-12-22".into(), 0),
                (2026, 1, "2025-12-29".into(), 0)
            ]
        );
    }

    #[test]
    fn a_period_counts_whole_weeks_and_can_be_empty() {
        let apps = [app("a", "2026-03-02", ApplicationStatus::Applied)];
        // Wednesday to Wednesday touches the weeks of both Wednesdays, counted whole.
        let weeks = applications_per_week(&apps, d("2026-03-04"), d("2026-03-11"), &flat(1));
        assert_eq!(weeks.len(), 2);
        assert_eq!(weeks[0].applications, 1);
        assert!(
            applications_per_week(&apps, d("2026-03-11"), d("2026-03-04"), &flat(1)).is_empty()
        );
        // One day is one week.
        assert_eq!(
            applications_per_week(&apps, d("2026-03-04"), d("2026-03-04"), &flat(1)).len(),
            1
        );
    }

    #[test]
    fn interest_does_not_count_as_applied() {
        let apps = [
            app("a", "2026-03-03", ApplicationStatus::Interest),
            app("b", "2026-03-03", ApplicationStatus::Withdrawn),
            app("c", "2026-03-03", ApplicationStatus::Hired),
        ];
        let weeks = applications_per_week(&apps, d("2026-03-03"), d("2026-03-03"), &flat(2));
        assert_eq!(weeks[0].applications, 2);
        assert!(weeks[0].met);
    }

    #[test]
    fn no_target_is_never_met() {
        let apps = [app("a", "2026-03-03", ApplicationStatus::Applied)];
        let weeks = applications_per_week(&apps, d("2026-03-03"), d("2026-03-03"), &flat(0));
        assert!(!weeks[0].met);
        let p = weekly_progress(&doc(0, apps.to_vec()), d("2026-03-04"), 4);
        assert_eq!(p.current_streak, 0);
        assert_eq!(p.this_week.applications, 1);
        assert!(!p.this_week.met);
    }

    #[test]
    fn weekly_progress_lists_the_last_weeks_oldest_first() {
        let today = d("2026-03-18"); // Wednesday of 2026-W12
        let p = weekly_progress(
            &doc(
                2,
                vec![
                    app("a", "2026-03-02", ApplicationStatus::Applied), // W10
                    app("b", "2026-03-04", ApplicationStatus::Interview), // W10
                    app("c", "2026-03-10", ApplicationStatus::Applied), // W11
                    app("d", "2026-03-16", ApplicationStatus::Interest), // W12, not counted
                    app("e", "2026-03-17", ApplicationStatus::Applied), // W12
                ],
            ),
            today,
            4,
        );
        assert_eq!(p.target, 2);
        assert_eq!(
            weeks_summary(&p.weeks),
            [
                (2026, 9, "2026-02-23".into(), 0),
                (2026, 10, "2026-03-02".into(), 2),
                (2026, 11, "2026-03-09".into(), 1),
                (2026, 12, "2026-03-16".into(), 1),
            ]
        );
        assert_eq!(p.this_week, p.weeks[3]);
        assert_eq!(p.total, 5);
        let funnel: Vec<(ApplicationStatus, u32)> =
            p.funnel.iter().map(|f| (f.status, f.count)).collect();
        assert_eq!(
            funnel,
            [
                (ApplicationStatus::Interest, 1),
                (ApplicationStatus::Applied, 3),
                (ApplicationStatus::Interview, 1),
                (ApplicationStatus::SecondInterview, 0),
                (ApplicationStatus::Offer, 0),
                (ApplicationStatus::Hired, 0),
                (ApplicationStatus::Rejected, 0),
                (ApplicationStatus::Withdrawn, 0),
            ]
        );
        assert_eq!(p.funnel[1].label, "Gesolliciteerd");
    }

    #[test]
    fn zero_weeks_still_gives_this_week() {
        let p = weekly_progress(
            &doc(1, vec![app("a", "2026-03-17", ApplicationStatus::Applied)]),
            d("2026-03-18"),
            0,
        );
        assert!(p.weeks.is_empty());
        assert_eq!(p.this_week.applications, 1);
        assert_eq!(p.this_week.week_start, d("2026-03-16"));
    }

    #[test]
    fn the_streak_counts_back_from_this_week_or_last_week() {
        let base = vec![
            app("w8", "2026-02-17", ApplicationStatus::Applied),
            // W9 empty: breaks the streak.
            app("w10", "2026-03-03", ApplicationStatus::Applied),
            app("w11", "2026-03-10", ApplicationStatus::Rejected),
        ];
        // This week (W12) not met yet: the streak ends with last week.
        let p = weekly_progress(&doc(1, base.clone()), d("2026-03-18"), 1);
        assert_eq!(p.current_streak, 2);
        // This week met: it counts too.
        let mut more = base.clone();
        more.push(app("w12", "2026-03-16", ApplicationStatus::Applied));
        let p = weekly_progress(&doc(1, more), d("2026-03-18"), 1);
        assert_eq!(p.current_streak, 3);
        // Last week missed and this week not met: 0.
        let p = weekly_progress(&doc(1, base), d("2026-03-25"), 1);
        assert_eq!(p.current_streak, 0);
        // The streak reaches beyond the weeks shown, and across new year.
        let apps: Vec<Application> = ["2025-12-22", "2025-12-29", "2026-01-05"]
            .iter()
            .enumerate()
            .map(|(i, date)| app(&i.to_string(), date, ApplicationStatus::Applied))
            .collect();
        let p = weekly_progress(&doc(1, apps), d("2026-01-12"), 1);
        assert_eq!(p.current_streak, 3);
    }

    #[test]
    fn progress_serializes_for_the_cli() {
        let p = weekly_progress(&doc(1, vec![]), d("2026-03-18"), 2);
        let json = serde_json::to_value(&p).unwrap();
        assert_eq!(json["this_week"]["week_start"], "2026-03-16");
        assert_eq!(json["funnel"][0]["status"], "interest");
    }

    #[test]
    fn lowering_the_target_does_not_rewrite_the_weeks_before() {
        // Target 3 from the start, 12 weeks with one application each, then lowered to 1.
        let mut t = Trajectory {
            start_date: Some(d("2026-09-07")),
            ..Default::default()
        };
        t.agree_target(3, d("2026-09-07"));
        let apps: Vec<Application> = (0..12)
            .map(|i| {
                let date = LocalDate(d("2026-09-08").0 + Days::new(7 * i));
                app(
                    &i.to_string(),
                    &date.to_string(),
                    ApplicationStatus::Applied,
                )
            })
            .collect();
        t.agree_target(1, d("2026-11-30"));
        let weeks = applications_per_week(&apps, d("2026-09-07"), d("2026-11-29"), &t);
        assert_eq!(weeks.len(), 12);
        assert!(weeks.iter().all(|w| w.target == 3 && !w.met), "{weeks:?}");
        let after = applications_per_week(&apps, d("2026-11-30"), d("2026-12-06"), &t);
        assert_eq!(after[0].target, 1);
    }

    #[test]
    fn a_trajectory_started_today_has_no_missed_weeks_before_it() {
        let mut d0 = doc(0, vec![]);
        d0.trajectory.start_date = Some(d("2026-12-02"));
        d0.trajectory.agree_target(3, d("2026-12-02"));
        let p = weekly_progress(&d0, d("2026-12-02"), 3);
        let targets: Vec<u32> = p.weeks.iter().map(|w| w.target).collect();
        assert_eq!(targets, [0, 0, 3]);
        assert!(p.weeks.iter().all(|w| !w.met));
        assert_eq!(p.target, 3);
    }
}
