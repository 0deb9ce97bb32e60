//! The dated milestones of a trajectory: the Poortwachter timeline for spoor 2, the contract
//! and budget dates for outplacement, each marked past, due soon or ahead of a given day.
//!
//! # How "week N" becomes a date
//!
//! The Poortwachter steps are named after weeks of sickness counted from the first sick day
//! ("week 6: probleemanalyse"). Here week N is the day on which the employee has been sick
//! for N full weeks: `first_sick_day + 7 × N days`. So with a first sick day on Monday
//! 5 January 2026, week 6 is Monday 16 February 2026, and week 104 is the first day the
//! employer no longer has to pay wages (the day a WIA benefit can start). Adding days, not
//! months or years, means leap years and a first sick day on 29 February need no special
//! case. A window such as week 46-52 runs from the date of its first week to the date of its
//! last week, both inclusive (`date` .. `end_date`).

use chrono::{Days, Months, NaiveDate};
use serde::Serialize;

use crate::model::{LocalDate, Trajectory, TrajectoryKind};

/// How many days ahead a milestone counts as due soon.
pub const DUE_SOON_DAYS: u64 = 14;

/// The first Poortwachter week with a regular evaluation of the plan van aanpak.
const FIRST_EVALUATION_WEEK: u32 = 14;
/// The plan van aanpak is evaluated (and adjusted) every this many weeks after week 8.
const EVALUATION_INTERVAL_WEEKS: u32 = 6;
/// The eerstejaarsevaluatie window; a regular evaluation inside it is that evaluation.
const FIRST_YEAR_EVALUATION: (u32, u32) = (46, 52);
const FORMS_AND_REPORT: (u32, u32) = (87, 91);
const WIA_APPLICATION: (u32, u32) = (91, 93);
const END_OF_WAGE_PAYMENT_WEEK: u32 = 104;

/// UWV: WW can be applied for from 4 weeks before the first unemployed day ...
const WW_APPLY_FROM_DAYS_BEFORE: u64 = 28;
/// ... and at the latest 1 week after it.
const WW_APPLY_UNTIL_DAYS_AFTER: u64 = 7;

/// One dated step on the trajectory's timeline.
#[derive(Debug, Clone, PartialEq, Serialize, uniffi::Record)]
pub struct Milestone {
    /// Stable across calls, e.g. "poortwachter-week-6", "poortwachter-evaluation-14" (the
    /// evaluation in week 14), "outplacement-contract-end".
    pub id: String,
    /// Dutch, short.
    pub title: String,
    /// Dutch, one sentence.
    pub description: String,
    /// The Poortwachter week (the first week of a window); `None` outside the Poortwachter
    /// timeline.
    pub week: Option<u32>,
    /// The day of the milestone, or the first day of its window.
    pub date: LocalDate,
    /// The last day of a window (inclusive), e.g. week 52 for the week 46-52 window.
    pub end_date: Option<LocalDate>,
    pub state: MilestoneState,
}

/// Where a milestone stands relative to today.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, uniffi::Enum)]
#[serde(rename_all = "snake_case")]
pub enum MilestoneState {
    /// The day (or the whole window) lies before today.
    Past,
    /// Today, within the next 14 days, or a window that today falls in.
    DueSoon,
    /// More than 14 days ahead.
    Ahead,
}

impl MilestoneState {
    /// The state of a milestone on `date` (a window when `end_date` is set) seen on `today`.
    pub fn of(date: LocalDate, end_date: Option<LocalDate>, today: LocalDate) -> Self {
        let end = end_date.map_or(date, |end| end.max(date));
        if end < today {
            return Self::Past;
        }
        match today.0.checked_add_days(Days::new(DUE_SOON_DAYS)) {
            Some(horizon) if date.0 > horizon => Self::Ahead,
            _ => Self::DueSoon,
        }
    }
}

/// The day on which the employee has been sick for `week` full weeks (see the module docs);
/// `None` only beyond the calendar's end.
pub fn poortwachter_week_date(first_sick_day: LocalDate, week: u32) -> Option<LocalDate> {
    first_sick_day
        .0
        .checked_add_days(Days::new(7 * u64::from(week)))
        .map(LocalDate)
}

/// The trajectory's milestones, sorted by date (then in timeline order), each with its state
/// as seen on `today`. No kind, or no dates for it, gives an empty list.
pub fn milestones(trajectory: &Trajectory, today: LocalDate) -> Vec<Milestone> {
    let mut drafts = match trajectory.kind {
        Some(TrajectoryKind::Spoor2) => spoor2(trajectory),
        Some(TrajectoryKind::Outplacement) => outplacement(trajectory),
        None => Vec::new(),
    };
    // Stable: milestones on the same day keep the timeline order they were drafted in.
    drafts.sort_by_key(|d| d.date);
    drafts
        .into_iter()
        .map(|d| Milestone {
            id: d.id,
            title: d.title,
            description: d.description,
            week: d.week,
            date: d.date,
            end_date: d.end_date,
            state: MilestoneState::of(d.date, d.end_date, today),
        })
        .collect()
}

/// The first milestone that is not past, from a list sorted by date (as `milestones` gives).
pub fn next_milestone(list: &[Milestone]) -> Option<Milestone> {
    list.iter()
        .find(|m| m.state != MilestoneState::Past)
        .cloned()
}

/// A milestone before its state is known.
struct Draft {
    id: String,
    title: String,
    description: String,
    week: Option<u32>,
    date: LocalDate,
    end_date: Option<LocalDate>,
}

impl Draft {
    fn on(
        id: impl Into<String>,
        title: impl Into<String>,
        description: &str,
        date: LocalDate,
    ) -> Self {
        Self {
            id: id.into(),
            title: title.into(),
            description: description.to_string(),
            week: None,
            date,
            end_date: None,
        }
    }
}

fn spoor2(trajectory: &Trajectory) -> Vec<Draft> {
    let mut out = Vec::new();
    if let Some(start) = trajectory.start_date {
        out.push(Draft::on(
            "spoor2-start",
            "Start spoor 2-traject",
            "Het traject bij het re-integratiebureau begint: samen zoek je passend werk bij een andere werkgever.",
            start,
        ));
    }
    if let Some(first_sick_day) = trajectory.first_sick_day {
        out.extend(poortwachter(first_sick_day));
    }
    out
}

/// The Wet verbetering Poortwachter timeline from the first sick day (see DOMAIN.md).
fn poortwachter(first_sick_day: LocalDate) -> Vec<Draft> {
    let week = |n: u32| poortwachter_week_date(first_sick_day, n);
    let mut out = Vec::new();
    let mut at = |id: String, title: String, description: &str, weeks: (u32, u32)| {
        let (Some(date), Some(end)) = (week(weeks.0), week(weeks.1)) else {
            return;
        };
        out.push(Draft {
            id,
            title,
            description: description.to_string(),
            week: Some(weeks.0),
            date,
            end_date: (weeks.1 > weeks.0).then_some(end),
        });
    };

    at(
        "poortwachter-week-6".into(),
        "Probleemanalyse door de bedrijfsarts".into(),
        "De bedrijfsarts beschrijft uiterlijk nu wat je nog wel en niet kunt en wat nodig is om weer aan het werk te gaan.",
        (6, 6),
    );
    at(
        "poortwachter-week-8".into(),
        "Plan van aanpak".into(),
        "Jij en je werkgever leggen uiterlijk nu samen met een casemanager in een plan van aanpak vast hoe je weer aan het werk komt.",
        (8, 8),
    );
    // Every 6 weeks after week 8 (14, 20, ... 98). The one in week 50 falls inside the
    // eerstejaarsevaluatie, which is that evaluation; week 104 is the end of the timeline.
    let mut n = FIRST_EVALUATION_WEEK;
    while n < END_OF_WAGE_PAYMENT_WEEK {
        let in_first_year_evaluation =
            (FIRST_YEAR_EVALUATION.0..=FIRST_YEAR_EVALUATION.1).contains(&n);
        if !in_first_year_evaluation {
            at(
                format!("poortwachter-evaluation-{n}"),
                format!("Evaluatie plan van aanpak (week {n})"),
                "Jij en je werkgever bespreken de voortgang en stellen het plan van aanpak zo nodig bij.",
                (n, n),
            );
        }
        n += EVALUATION_INTERVAL_WEEKS;
    }
    at(
        "poortwachter-week-42".into(),
        "Ziekmelding bij UWV".into(),
        "Je werkgever meldt uiterlijk nu bij UWV dat je langdurig ziek bent.",
        (42, 42),
    );
    at(
        "poortwachter-week-46".into(),
        "Eerstejaarsevaluatie".into(),
        "Jij en je werkgever bekijken wat het eerste ziektejaar heeft opgeleverd en wat het doel voor het tweede jaar is; spoor 2 begint uiterlijk nu.",
        FIRST_YEAR_EVALUATION,
    );
    at(
        "poortwachter-week-52".into(),
        "Einde eerste ziektejaar".into(),
        "Je bent een jaar ziek; in het tweede jaar gaat de re-integratie ook bij een andere werkgever (spoor 2) verder.",
        (52, 52),
    );
    at(
        "poortwachter-week-87".into(),
        "WIA-formulieren en re-integratieverslag".into(),
        "UWV stuurt je de formulieren voor de WIA-aanvraag en het re-integratieverslag wordt samengesteld.",
        FORMS_AND_REPORT,
    );
    at(
        "poortwachter-week-91".into(),
        "WIA-aanvraag".into(),
        "Je vraagt bij UWV een WIA-uitkering aan en stuurt het re-integratieverslag mee.",
        WIA_APPLICATION,
    );
    at(
        "poortwachter-week-104".into(),
        "Einde loondoorbetaling".into(),
        "Na 104 weken ziekte hoeft je werkgever je loon niet meer door te betalen; een WIA-uitkering kan nu ingaan.",
        (END_OF_WAGE_PAYMENT_WEEK, END_OF_WAGE_PAYMENT_WEEK),
    );
    out
}

fn outplacement(trajectory: &Trajectory) -> Vec<Draft> {
    let mut out = Vec::new();
    if let Some(start) = trajectory.start_date {
        out.push(Draft::on(
            "outplacement-start",
            "Start outplacementtraject",
            "Het traject bij het outplacementbureau begint.",
            start,
        ));
    }
    if let Some(end) = trajectory.contract_end {
        let first_unemployed_day = end.0.checked_add_days(Days::new(1));
        let from = first_unemployed_day
            .and_then(|d| d.checked_sub_days(Days::new(WW_APPLY_FROM_DAYS_BEFORE)));
        let until = first_unemployed_day
            .and_then(|d| d.checked_add_days(Days::new(WW_APPLY_UNTIL_DAYS_AFTER)));
        if let (Some(from), Some(until)) = (from, until) {
            out.push(Draft {
                end_date: Some(LocalDate(until)),
                ..Draft::on(
                    "outplacement-ww-application",
                    "WW aanvragen",
                    "Heb je dan nog geen nieuw werk, vraag dan bij UWV een WW-uitkering aan: dat kan vanaf 4 weken voor je eerste werkloze dag tot uiterlijk 1 week erna.",
                    LocalDate(from),
                )
            });
        }
        out.push(Draft::on(
            "outplacement-contract-end",
            "Einde arbeidsovereenkomst",
            "Dit is de laatste dag van je arbeidsovereenkomst.",
            end,
        ));
    }
    if let Some(budget_end) = trajectory.budget_end {
        // A month ahead, so there is time to agree with the coach how to spend what is left;
        // not when that month starts before the trajectory does.
        let reminder = month_before(budget_end.0)
            .filter(|d| trajectory.start_date.is_none_or(|start| *d > start.0));
        if let Some(reminder) = reminder {
            out.push(Draft::on(
                "outplacement-budget-reminder",
                "Outplacementbudget loopt over een maand af",
                "Bespreek met je coach waaraan je het resterende outplacementbudget nog wilt besteden.",
                LocalDate(reminder),
            ));
        }
        out.push(Draft::on(
            "outplacement-budget-end",
            "Einde outplacementbudget",
            "Dit is de laatste dag waarop het outplacementbudget besteed kan worden.",
            budget_end,
        ));
    }
    out
}

/// The same day a month earlier, or the month's last day when it has no such day
/// (31 March gives 28 or 29 February).
fn month_before(date: NaiveDate) -> Option<NaiveDate> {
    date.checked_sub_months(Months::new(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> LocalDate {
        s.parse().unwrap()
    }

    fn spoor2_from(first_sick_day: &str) -> Trajectory {
        Trajectory {
            kind: Some(TrajectoryKind::Spoor2),
            first_sick_day: Some(d(first_sick_day)),
            ..Default::default()
        }
    }

    fn find<'a>(list: &'a [Milestone], id: &str) -> &'a Milestone {
        list.iter()
            .find(|m| m.id == id)
            .unwrap_or_else(|| panic!("no milestone {id} in {list:#?}"))
    }

    #[test]
    fn week_n_is_n_full_weeks_after_the_first_sick_day() {
        // Monday 5 January 2026.
        let fsd = d("2026-01-05");
        assert_eq!(poortwachter_week_date(fsd, 0), Some(fsd));
        assert_eq!(poortwachter_week_date(fsd, 6), Some(d("2026-02-16")));
        assert_eq!(poortwachter_week_date(fsd, 8), Some(d("2026-03-02")));
        assert_eq!(poortwachter_week_date(fsd, 52), Some(d("2027-01-04")));
        assert_eq!(poortwachter_week_date(fsd, 104), Some(d("2028-01-03")));
        // Always the same weekday as the first sick day.
        for n in [6, 42, 87, 93, 104] {
            let date = poortwachter_week_date(fsd, n).unwrap();
            assert_eq!(
                date.0.signed_duration_since(fsd.0).num_days(),
                7 * i64::from(n)
            );
        }
    }

    #[test]
    fn a_first_sick_day_on_29_february_counts_in_days() {
        let list = milestones(&spoor2_from("2024-02-29"), d("2024-03-01"));
        assert_eq!(find(&list, "poortwachter-week-6").date, d("2024-04-11"));
        // 364 days after a 29 February is 27 February of the next (non-leap) year.
        assert_eq!(find(&list, "poortwachter-week-52").date, d("2025-02-27"));
        assert_eq!(find(&list, "poortwachter-week-104").date, d("2026-02-26"));
    }

    #[test]
    fn a_sick_year_across_a_leap_day_has_exactly_364_days_to_week_52() {
        let list = milestones(&spoor2_from("2023-12-01"), d("2023-12-01"));
        // 2024 has a 29 February: 364 days on is 29 November, not 30.
        assert_eq!(find(&list, "poortwachter-week-52").date, d("2024-11-29"));
    }

    #[test]
    fn spoor2_has_the_full_poortwachter_timeline_in_order() {
        let list = milestones(&spoor2_from("2026-01-05"), d("2026-01-05"));
        let ids: Vec<&str> = list.iter().map(|m| m.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "poortwachter-week-6",
                "poortwachter-week-8",
                "poortwachter-evaluation-14",
                "poortwachter-evaluation-20",
                "poortwachter-evaluation-26",
                "poortwachter-evaluation-32",
                "poortwachter-evaluation-38",
                "poortwachter-week-42",
                "poortwachter-evaluation-44",
                "poortwachter-week-46",
                "poortwachter-week-52",
                "poortwachter-evaluation-56",
                "poortwachter-evaluation-62",
                "poortwachter-evaluation-68",
                "poortwachter-evaluation-74",
                "poortwachter-evaluation-80",
                "poortwachter-evaluation-86",
                "poortwachter-week-87",
                "poortwachter-week-91",
                "poortwachter-evaluation-92",
                "poortwachter-evaluation-98",
                "poortwachter-week-104",
            ]
        );
        assert!(list.windows(2).all(|w| w[0].date <= w[1].date));
        assert_eq!(
            find(&list, "poortwachter-week-6").title,
            "Probleemanalyse door de bedrijfsarts"
        );
        assert_eq!(
            find(&list, "poortwachter-evaluation-14").title,
            "Evaluatie plan van aanpak (week 14)"
        );
        assert!(list
            .iter()
            .all(|m| !m.title.is_empty() && m.description.ends_with('.')));
    }

    #[test]
    fn windows_span_their_weeks() {
        let list = milestones(&spoor2_from("2026-01-05"), d("2026-01-05"));
        let first_year = find(&list, "poortwachter-week-46");
        assert_eq!(first_year.week, Some(46));
        assert_eq!(first_year.date, d("2026-11-23"));
        assert_eq!(first_year.end_date, Some(d("2027-01-04")));
        let forms = find(&list, "poortwachter-week-87");
        assert_eq!(forms.end_date, poortwachter_week_date(d("2026-01-05"), 91));
        let wia = find(&list, "poortwachter-week-91");
        assert_eq!(
            wia.date,
            poortwachter_week_date(d("2026-01-05"), 91).unwrap()
        );
        assert_eq!(wia.end_date, poortwachter_week_date(d("2026-01-05"), 93));
        assert_eq!(find(&list, "poortwachter-week-6").end_date, None);
    }

    #[test]
    fn states_follow_today() {
        let fsd = "2026-01-05";
        let week6 = d("2026-02-16");
        let state_on =
            |today: LocalDate, id: &str| find(&milestones(&spoor2_from(fsd), today), id).state;
        // Exactly on the day: due soon, not past.
        assert_eq!(
            state_on(week6, "poortwachter-week-6"),
            MilestoneState::DueSoon
        );
        // The day after: past.
        assert_eq!(
            state_on(d("2026-02-17"), "poortwachter-week-6"),
            MilestoneState::Past
        );
        // 14 days ahead is due soon, 15 is ahead.
        assert_eq!(
            state_on(d("2026-02-02"), "poortwachter-week-6"),
            MilestoneState::DueSoon
        );
        assert_eq!(
            state_on(d("2026-02-01"), "poortwachter-week-6"),
            MilestoneState::Ahead
        );
    }

    #[test]
    fn a_window_is_due_soon_while_today_is_in_it() {
        let fsd = "2026-01-05";
        let state_on = |today: &str| {
            find(
                &milestones(&spoor2_from(fsd), d(today)),
                "poortwachter-week-46",
            )
            .state
        };
        assert_eq!(state_on("2026-11-01"), MilestoneState::Ahead);
        assert_eq!(state_on("2026-11-09"), MilestoneState::DueSoon); // 14 days before
        assert_eq!(state_on("2026-11-23"), MilestoneState::DueSoon); // first day
        assert_eq!(state_on("2026-12-15"), MilestoneState::DueSoon); // inside
        assert_eq!(state_on("2027-01-04"), MilestoneState::DueSoon); // last day
        assert_eq!(state_on("2027-01-05"), MilestoneState::Past);
    }

    #[test]
    fn next_milestone_is_the_first_not_past() {
        let list = milestones(&spoor2_from("2026-01-05"), d("2026-02-17"));
        assert_eq!(next_milestone(&list).unwrap().id, "poortwachter-week-8");
        // Inside the eerstejaarsevaluatie window, it is still the next one.
        let list = milestones(&spoor2_from("2026-01-05"), d("2026-12-01"));
        assert_eq!(next_milestone(&list).unwrap().id, "poortwachter-week-46");
        // After week 104 nothing is left.
        let list = milestones(&spoor2_from("2026-01-05"), d("2028-01-04"));
        assert_eq!(next_milestone(&list), None);
        assert_eq!(next_milestone(&[]), None);
    }

    #[test]
    fn spoor2_without_first_sick_day_has_only_its_start() {
        let t = Trajectory {
            kind: Some(TrajectoryKind::Spoor2),
            start_date: Some(d("2026-03-01")),
            ..Default::default()
        };
        let list = milestones(&t, d("2026-01-01"));
        assert_eq!(list.len(), 1);
        assert_eq!(list[0].id, "spoor2-start");
        assert_eq!(list[0].state, MilestoneState::Ahead);
    }

    #[test]
    fn spoor2_start_sorts_into_the_timeline() {
        let t = Trajectory {
            start_date: Some(d("2026-12-01")),
            ..spoor2_from("2026-01-05")
        };
        let list = milestones(&t, d("2026-01-05"));
        let ids: Vec<&str> = list.iter().map(|m| m.id.as_str()).collect();
        let start = ids.iter().position(|id| *id == "spoor2-start").unwrap();
        assert_eq!(ids[start - 1], "poortwachter-week-46");
        assert_eq!(ids[start + 1], "poortwachter-week-52");
    }

    #[test]
    fn no_kind_gives_no_milestones() {
        let t = Trajectory {
            first_sick_day: Some(d("2026-01-05")),
            contract_end: Some(d("2026-06-30")),
            ..Default::default()
        };
        assert!(milestones(&t, d("2026-01-05")).is_empty());
    }

    #[test]
    fn outplacement_has_start_contract_end_ww_and_budget() {
        let t = Trajectory {
            kind: Some(TrajectoryKind::Outplacement),
            start_date: Some(d("2026-03-02")),
            contract_end: Some(d("2026-05-31")),
            budget_end: Some(d("2026-12-31")),
            ..Default::default()
        };
        let list = milestones(&t, d("2026-05-20"));
        let summary: Vec<(&str, String, Option<String>, MilestoneState)> = list
            .iter()
            .map(|m| {
                (
                    m.id.as_str(),
                    m.date.to_string(),
                    m.end_date.map(|e| e.to_string()),
                    m.state,
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                (
                    "outplacement-start",
                    "2026-03-02".into(),
                    None,
                    MilestoneState::Past
                ),
                (
                    "outplacement-ww-application",
                    "2026-05-04".into(),
                    Some("2026-06-08".into()),
                    MilestoneState::DueSoon
                ),
                (
                    "outplacement-contract-end",
                    "2026-05-31".into(),
                    None,
                    MilestoneState::DueSoon
                ),
                (
                    "outplacement-budget-reminder",
                    "2026-11-30".into(),
                    None,
                    MilestoneState::Ahead
                ),
                (
                    "outplacement-budget-end",
                    "2026-12-31".into(),
                    None,
                    MilestoneState::Ahead
                ),
            ]
        );
        assert!(list.iter().all(|m| m.week.is_none()));
        // Poortwachter dates play no part in outplacement.
        let with_sick_day = Trajectory {
            first_sick_day: Some(d("2026-01-05")),
            ..t
        };
        assert_eq!(milestones(&with_sick_day, d("2026-05-20")), list);
    }

    #[test]
    fn outplacement_with_missing_dates_has_fewer_milestones() {
        let t = Trajectory {
            kind: Some(TrajectoryKind::Outplacement),
            ..Default::default()
        };
        assert!(milestones(&t, d("2026-01-01")).is_empty());
        let t = Trajectory {
            budget_end: Some(d("2026-03-31")),
            ..t
        };
        let list = milestones(&t, d("2026-01-01"));
        let ids: Vec<&str> = list.iter().map(|m| m.id.as_str()).collect();
        assert_eq!(
            ids,
            ["outplacement-budget-reminder", "outplacement-budget-end"]
        );
        // 31 March less a month is the last day of February.
        assert_eq!(list[0].date, d("2026-02-28"));
    }

    #[test]
    fn no_budget_reminder_before_the_trajectory_starts() {
        let t = Trajectory {
            kind: Some(TrajectoryKind::Outplacement),
            start_date: Some(d("2026-03-10")),
            budget_end: Some(d("2026-03-31")),
            ..Default::default()
        };
        let ids: Vec<String> = milestones(&t, d("2026-01-01"))
            .into_iter()
            .map(|m| m.id)
            .collect();
        assert_eq!(ids, ["outplacement-start", "outplacement-budget-end"]);
    }

    #[test]
    fn milestones_serialize_for_the_cli() {
        let list = milestones(&spoor2_from("2026-01-05"), d("2026-02-16"));
        let json = serde_json::to_value(&list[0]).unwrap();
        assert_eq!(json["id"], "poortwachter-week-6");
        assert_eq!(json["date"], "2026-02-16");
        assert_eq!(json["state"], "due_soon");
        assert_eq!(json["end_date"], serde_json::Value::Null);
    }
}
