//! The caseload: every employee of the coach with phase, next milestone, this week against
//! the target, last sync, next appointment, open actions, who is behind and the next step
//! to take (a link to the overdue item itself); sorted and filtered on the server through
//! query parameters (no JavaScript). On a phone the table reflows into one card per
//! employee (koers.css), so nothing scrolls sideways.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use koers_core::milestones::Milestone;
use koers_core::model::{
    Actor, Appointment, AppointmentStatus, DossierDocument, LocalDate, Phase, Timestamp,
    TrajectoryKind,
};
use koers_core::overview::{today_overview, TodayOverview};
use koers_core::progress::{weekly_progress, WeekCount};
use maud::{html, Markup};
use serde::Deserialize;

use super::layout::{self, badge, Nav};
use super::session::CoachSession;
use super::{blocking, format, html};
use crate::summary::WEEKS_JUDGED;
use crate::{coach_api, now_ms, AppState};

/// A week without any sync counts as stale.
const STALE_MS: i64 = 7 * 86_400_000;

#[derive(Debug, Default, Deserialize)]
pub struct Filter {
    /// Part of the name.
    #[serde(default)]
    q: String,
    #[serde(default)]
    fase: String,
    #[serde(default)]
    soort: String,
    /// "1": only those who are behind.
    #[serde(default)]
    achter: String,
    #[serde(default)]
    sort: String,
    /// "af" for descending.
    #[serde(default)]
    dir: String,
}

/// Why someone needs attention.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Behind {
    UnderTarget,
    OverdueFollowUps,
    NoSync,
}

impl Behind {
    fn label(self) -> &'static str {
        match self {
            Self::UnderTarget => "2 weken onder doel",
            Self::OverdueFollowUps => "opvolging te laat",
            Self::NoSync => "7 dagen geen sync",
        }
    }
}

/// What the coach does next for one employee, and where on the employee's page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NextStep {
    pub text: String,
    /// A detail under the text, e.g. since when it is overdue.
    pub detail: String,
    /// The element id on the employee's page ("actie-…", "sollicitatie-…"), or "" for the top.
    pub anchor: String,
    /// Whether it is past its day.
    pub overdue: bool,
}

/// The most pressing thing to do: the longest overdue action or follow-up; else a proposal
/// of the employee awaiting an answer; else a missed weekly target; else a silent phone.
pub fn next_step(
    doc: &DossierDocument,
    overview: &TodayOverview,
    behind: &[Behind],
    devices: usize,
    now: Timestamp,
) -> Option<NextStep> {
    let today = overview.date;
    let actions = overview
        .open_actions
        .iter()
        .filter_map(|a| a.due.filter(|d| *d < today).map(|d| (d, a)))
        .map(|(d, a)| {
            let who = if a.owner == Actor::Coach {
                "jouw actie"
            } else {
                "actie werknemer"
            };
            (
                d,
                NextStep {
                    text: format!("Actie over tijd: {}", a.title),
                    detail: format!("{who}, uiterlijk {}", format::date(d)),
                    anchor: format!("actie-{}", a.id),
                    overdue: true,
                },
            )
        });
    let follow_ups = overview
        .follow_ups_due
        .iter()
        .filter_map(|a| a.follow_up.filter(|d| *d < today).map(|d| (d, a)))
        .map(|(d, a)| {
            (
                d,
                NextStep {
                    text: format!("Opvolgen: {}", a.employer),
                    detail: format!("{}, opvolgen sinds {}", a.role, format::date(d)),
                    anchor: format!("sollicitatie-{}", a.id),
                    overdue: true,
                },
            )
        });
    if let Some((_, step)) = actions.chain(follow_ups).min_by_key(|(d, _)| *d) {
        return Some(step);
    }
    if let Some(a) = doc
        .appointments
        .values()
        .filter(|a| {
            a.status == AppointmentStatus::Proposed
                && a.proposed_by == Actor::Employee
                && a.ends_at > now
        })
        .min_by_key(|a| a.starts_at)
    {
        return Some(NextStep {
            text: "Voorgestelde afspraak beantwoorden".into(),
            detail: format::datetime(a.starts_at),
            anchor: format!("afspraak-{}", a.id),
            overdue: false,
        });
    }
    if behind.contains(&Behind::UnderTarget) {
        return Some(NextStep {
            text: "Weekdoel bespreken".into(),
            detail: "twee weken onder het doel".into(),
            anchor: "voortgang".into(),
            overdue: false,
        });
    }
    if behind.contains(&Behind::NoSync) {
        return Some(if devices == 0 {
            NextStep {
                text: "Koppelcode geven".into(),
                detail: "nog geen telefoon gekoppeld".into(),
                anchor: String::new(),
                overdue: false,
            }
        } else {
            NextStep {
                text: "Contact opnemen".into(),
                detail: "al een week geen sync".into(),
                anchor: String::new(),
                overdue: false,
            }
        });
    }
    None
}

/// One line of the caseload.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub id: String,
    pub name: String,
    pub kind: Option<TrajectoryKind>,
    pub phase: Option<Phase>,
    pub next_milestone: Option<Milestone>,
    pub this_week: WeekCount,
    pub last_sync: Option<i64>,
    pub devices: usize,
    pub next_appointment: Option<Appointment>,
    pub open_actions: usize,
    pub overdue_follow_ups: usize,
    pub behind: Vec<Behind>,
    pub next_step: Option<NextStep>,
}

/// The coach's caseload with the core's figures for each employee.
pub fn rows(state: &AppState, session: &CoachSession) -> crate::Result<Vec<Row>> {
    rows_at(state, &session.coach_id, Timestamp::now())
}

/// The coach's caseload as of `now`, from the stored summaries (`crate::summary`).
pub fn rows_at(state: &AppState, coach_id: &str, now: Timestamp) -> crate::Result<Vec<Row>> {
    coach_api::caseload_each(state, coach_id, false, |entry, inputs| {
        row(
            entry,
            &inputs.dossier,
            inputs.overdue_follow_ups_left_out,
            now,
        )
    })
}

/// One line of the caseload as of `now`, from the employee's entry and their dossier (whole,
/// or the dated records of its summary with the overdue follow-ups those leave out: both
/// give the same line).
pub fn row(
    entry: coach_api::CaseloadEntry,
    doc: &DossierDocument,
    overdue_left_out: usize,
    now: Timestamp,
) -> Row {
    let today = now.local_date();
    let overview = today_overview(doc, now);
    let overdue = overdue_left_out
        + overview
            .follow_ups_due
            .iter()
            .filter(|a| a.follow_up.is_some_and(|f| f < today))
            .count();
    // The two full weeks before this one, both under the target agreed for them (weeks
    // before the trajectory's start have none and never count).
    let progress = weekly_progress(doc, today, WEEKS_JUDGED);
    let earlier = WEEKS_JUDGED as usize - 1;
    let under_target = progress.weeks.len() == WEEKS_JUDGED as usize
        && progress.weeks[..earlier]
            .iter()
            .all(|w| w.target > 0 && !w.met);
    let started = doc.trajectory.start_date.unwrap_or(today);
    let stale = match entry.last_seen_at {
        Some(t) => now.millis() - t > STALE_MS,
        None => (today.0 - started.0).num_days() >= 7,
    };
    let mut behind = Vec::new();
    if under_target {
        behind.push(Behind::UnderTarget);
    }
    if overdue > 0 {
        behind.push(Behind::OverdueFollowUps);
    }
    if stale {
        behind.push(Behind::NoSync);
    }
    let next_step = next_step(doc, &overview, &behind, entry.devices, now);
    Row {
        id: entry.employee_id,
        name: entry.name,
        kind: doc.trajectory.kind,
        phase: entry.phase,
        next_milestone: overview.next_milestone,
        this_week: overview.this_week,
        last_sync: entry.last_seen_at,
        devices: entry.devices,
        next_appointment: overview.next_appointment,
        open_actions: overview.open_actions.len(),
        overdue_follow_ups: overdue,
        behind,
        next_step,
    }
}

fn phase_rank(p: Option<Phase>) -> usize {
    p.and_then(|p| Phase::ALL.iter().position(|x| *x == p))
        .unwrap_or(usize::MAX)
}

/// Applies the filter and the sort order.
pub fn select(mut rows: Vec<Row>, f: &Filter) -> Vec<Row> {
    let q = f.q.trim().to_lowercase();
    rows.retain(|r| {
        (q.is_empty() || r.name.to_lowercase().contains(&q))
            && (f.fase.is_empty() || r.phase.map(|p| p.as_str()) == Some(f.fase.as_str()))
            && (f.soort.is_empty() || r.kind.map(|k| k.as_str()) == Some(f.soort.as_str()))
            && (f.achter != "1" || !r.behind.is_empty())
    });
    let far = LocalDate(chrono::NaiveDate::MAX);
    match f.sort.as_str() {
        "fase" => rows.sort_by_key(|r| phase_rank(r.phase)),
        "mijlpaal" => rows.sort_by_key(|r| r.next_milestone.as_ref().map_or(far, |m| m.date)),
        "week" => rows.sort_by(|a, b| {
            let ratio = |r: &Row| {
                if r.this_week.target == 0 {
                    f64::MAX
                } else {
                    f64::from(r.this_week.applications) / f64::from(r.this_week.target)
                }
            };
            ratio(a).total_cmp(&ratio(b))
        }),
        "sync" => rows.sort_by_key(|r| r.last_sync.unwrap_or(i64::MIN)),
        "afspraak" => rows.sort_by_key(|r| {
            r.next_appointment
                .as_ref()
                .map_or(i64::MAX, |a| a.starts_at.millis())
        }),
        "acties" => rows.sort_by_key(|r| std::cmp::Reverse(r.open_actions)),
        "achter" => rows.sort_by_key(|r| std::cmp::Reverse(r.behind.len())),
        _ => rows.sort_by_key(|r| r.name.to_lowercase()),
    }
    if f.dir == "af" {
        rows.reverse();
    }
    rows
}

pub async fn page(
    State(state): State<AppState>,
    session: CoachSession,
    Query(filter): Query<Filter>,
) -> Response {
    let s = session.clone();
    let all = blocking(move || Ok(rows(&state, &s)?)).await;
    match all {
        Ok(all) => {
            let total = all.len();
            let behind = all.iter().filter(|r| !r.behind.is_empty()).count();
            let shown = select(all, &filter);
            html(
                StatusCode::OK,
                layout::page(
                    "Caseload",
                    &session,
                    Nav::Caseload,
                    render(&shown, total, behind, &filter),
                ),
            )
        }
        Err(e) => e.into_response(),
    }
}

/// A column header that sorts by `key`, toggling the direction when it is the current one.
fn sort_header(label: &str, key: &str, f: &Filter) -> Markup {
    let current = f.sort == key || (f.sort.is_empty() && key == "naam");
    let dir = if current && f.dir != "af" { "af" } else { "op" };
    let mut query = vec![("sort", key.to_string()), ("dir", dir.to_string())];
    for (k, v) in [
        ("q", &f.q),
        ("fase", &f.fase),
        ("soort", &f.soort),
        ("achter", &f.achter),
    ] {
        if !v.is_empty() {
            query.push((k, v.clone()));
        }
    }
    let href = format!(
        "/coach?{}",
        query
            .iter()
            .map(|(k, v)| format!("{k}={}", urlencode(v)))
            .collect::<Vec<_>>()
            .join("&")
    );
    let aria = current.then(|| {
        if f.dir == "af" {
            "descending"
        } else {
            "ascending"
        }
    });
    html! {
        th scope="col" aria-sort=[aria] {
            a.sort href=(href) {
                (label)
                @if current {
                    span aria-hidden="true" { @if f.dir == "af" { " ▼" } @else { " ▲" } }
                }
                span.visually-hidden { ", sorteren" }
            }
        }
    }
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.') {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

fn render(rows: &[Row], total: usize, behind: usize, f: &Filter) -> Markup {
    let now = now_ms();
    html! {
        div.page-head {
            div {
                h1 { "Caseload" }
                p.muted {
                    (format::count(total, "werknemer", "werknemers"))
                    @if behind > 0 { " · " strong.text-warn { (behind) " " (format::plural(behind, "vraagt", "vragen")) " aandacht" } }
                }
            }
            a.button.button-primary href="/coach/werknemers/nieuw" { "Nieuwe werknemer" }
        }
        form.filters method="get" action="/coach" role="search" aria-label="Caseload filteren" {
            div.field {
                label for="q" { "Naam" }
                input id="q" name="q" type="search" value=(f.q) placeholder="Zoek op naam";
            }
            div.field {
                label for="fase" { "Fase" }
                select id="fase" name="fase" {
                    option value="" { "Alle fasen" }
                    @for p in Phase::ALL {
                        option value=(p.as_str()) selected[f.fase == p.as_str()] { (p.label_nl()) }
                    }
                }
            }
            div.field {
                label for="soort" { "Traject" }
                select id="soort" name="soort" {
                    option value="" { "Alle trajecten" }
                    @for k in TrajectoryKind::ALL {
                        option value=(k.as_str()) selected[f.soort == k.as_str()] { (k.label_nl()) }
                    }
                }
            }
            div.field.field-check {
                input id="achter" name="achter" type="checkbox" value="1" checked[f.achter == "1"];
                label for="achter" { "Alleen wie aandacht vraagt" }
            }
            input type="hidden" name="sort" value=(f.sort);
            input type="hidden" name="dir" value=(f.dir);
            div.filter-actions {
                button.button type="submit" { "Filteren" }
                a.button.button-quiet href="/coach" { "Wissen" }
            }
        }
        @if rows.is_empty() {
            div.card.empty {
                @if total == 0 {
                    p { "Je hebt nog geen werknemers. Maak er een aan en geef de koppelcode door." }
                } @else {
                    p { "Niemand voldoet aan dit filter." }
                }
            }
        } @else {
            div.table-wrap {
                table.caseload {
                    caption.visually-hidden { "Caseload, " (format::count(rows.len(), "werknemer", "werknemers")) }
                    thead { tr {
                        (sort_header("Werknemer", "naam", f))
                        (sort_header("Fase", "fase", f))
                        (sort_header("Volgende mijlpaal", "mijlpaal", f))
                        (sort_header("Deze week", "week", f))
                        (sort_header("Laatste sync", "sync", f))
                        (sort_header("Volgende afspraak", "afspraak", f))
                        (sort_header("Open acties", "acties", f))
                        (sort_header("Aandacht en volgende stap", "achter", f))
                    } }
                    tbody {
                        @for r in rows {
                            tr.behind[!r.behind.is_empty()] {
                                th scope="row" {
                                    a.name href={"/coach/werknemers/" (r.id)} { (r.name) }
                                    div.sub { (r.kind.map_or("Traject onbekend", |k| k.label_nl())) }
                                }
                                td data-label="Fase" { (r.phase.map_or("—", |p| p.label_nl())) }
                                td data-label="Volgende mijlpaal" {
                                    @if let Some(m) = &r.next_milestone {
                                        div { (m.title) }
                                        div.sub { (format::date(m.date)) }
                                    } @else { span.muted { "—" } }
                                }
                                td.week data-label="Deze week" {
                                    @if r.this_week.target > 0 {
                                        @let tone = if r.this_week.met { "ok" } else { "info" };
                                        (badge(tone, &format!("{} / {}", r.this_week.applications, r.this_week.target)))
                                    } @else {
                                        (r.this_week.applications) span.sub { " (geen doel)" }
                                    }
                                }
                                td data-label="Laatste sync" {
                                    @match r.last_sync {
                                        Some(t) => {
                                            @let stale = now - t > STALE_MS;
                                            span class=[stale.then_some("text-warn")] title=(format::millis(t)) { (format::ago(t, now)) }
                                        }
                                        None => {
                                            span.muted { @if r.devices == 0 { "niet gekoppeld" } @else { "nog nooit" } }
                                        }
                                    }
                                }
                                td data-label="Volgende afspraak" {
                                    @if let Some(a) = &r.next_appointment {
                                        div { (format::datetime(a.starts_at)) }
                                        div.sub { (a.kind.label_nl()) " · " (a.status.label_nl().to_lowercase()) }
                                    } @else { span.muted { "geen" } }
                                }
                                td.num data-label="Open acties" { (r.open_actions) }
                                td.attention data-label="Aandacht en volgende stap" {
                                    @if r.behind.is_empty() && r.next_step.is_none() {
                                        span.muted { "op koers" }
                                    } @else {
                                        @if !r.behind.is_empty() {
                                            ul.flags {
                                                @for b in &r.behind {
                                                    li { (badge("warn", b.label())) }
                                                }
                                            }
                                        }
                                        @if r.overdue_follow_ups > 0 {
                                            span.visually-hidden { (format::count(r.overdue_follow_ups, "opvolging", "opvolgingen")) " over tijd" }
                                        }
                                        @if let Some(step) = &r.next_step {
                                            div.next-step {
                                                a.overdue[step.overdue] href={
                                                    "/coach/werknemers/" (r.id)
                                                    @if !step.anchor.is_empty() { "#" (step.anchor) }
                                                } { (step.text) }
                                                div.sub { (step.detail) }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::coach_api::CaseloadEntry;
    use crate::summary;
    use koers_core::model::fixtures::{self, ts};
    use koers_core::model::{ApplicationStatus, AppointmentStatus, TargetChange};

    fn row(name: &str, phase: Phase, behind: Vec<Behind>) -> Row {
        Row {
            id: name.into(),
            name: name.into(),
            kind: Some(TrajectoryKind::Spoor2),
            phase: Some(phase),
            next_milestone: None,
            this_week: WeekCount {
                iso_year: 2026,
                iso_week: 1,
                week_start: LocalDate::today(),
                applications: 0,
                target: 0,
                met: false,
            },
            last_sync: None,
            devices: 0,
            next_appointment: None,
            open_actions: 0,
            overdue_follow_ups: 0,
            behind,
            next_step: None,
        }
    }

    fn days(n: i64) -> LocalDate {
        LocalDate(LocalDate::today().0 + chrono::Duration::days(n))
    }

    fn application(
        id: &str,
        employer: &str,
        follow_up: LocalDate,
    ) -> koers_core::model::Application {
        let at = Timestamp::now();
        serde_json::from_value(serde_json::json!({
            "id": id, "employer": employer, "role": "Planner", "source": null,
            "vacancy_url": null, "location": null, "date": days(-30), "contact": null,
            "salary": null, "notes": "", "status": "applied",
            "history": [{"status": "applied", "at": at, "by": "employee"}],
            "follow_up": follow_up, "created_at": at, "updated_at": at,
        }))
        .unwrap()
    }

    fn action(id: &str, title: &str, due: LocalDate) -> koers_core::model::Action {
        koers_core::model::Action {
            id: id.into(),
            appointment_id: None,
            title: title.into(),
            due: Some(due),
            owner: Actor::Employee,
            done: false,
            done_at: None,
            created_at: Timestamp::now(),
        }
    }

    #[test]
    fn the_next_step_is_the_longest_overdue_item() {
        let mut doc = DossierDocument::default();
        let step = |doc: &DossierDocument, behind: &[Behind], devices| {
            let now = Timestamp::now();
            next_step(doc, &today_overview(doc, now), behind, devices, now)
        };
        assert_eq!(step(&doc, &[], 1), None, "nothing to do");
        let no_phone = step(&doc, &[Behind::NoSync], 0).unwrap();
        assert_eq!(no_phone.text, "Koppelcode geven");
        assert!(!no_phone.overdue);

        doc.actions
            .insert("a1".into(), action("a1", "Cv sturen", days(-3)));
        doc.applications
            .insert("s1".into(), application("s1", "Rabobank", days(-5)));
        // A follow-up not yet due is no step.
        doc.applications
            .insert("s2".into(), application("s2", "Jumbo", days(2)));
        let first = step(&doc, &[Behind::UnderTarget], 1).unwrap();
        assert_eq!(first.text, "Opvolgen: Rabobank");
        assert_eq!(first.anchor, "sollicitatie-s1");
        assert!(first.overdue);

        doc.actions
            .insert("a2".into(), action("a2", "Netwerkgesprek", days(-9)));
        let first = step(&doc, &[], 1).unwrap();
        assert_eq!(first.text, "Actie over tijd: Netwerkgesprek");
        assert_eq!(first.anchor, "actie-a2");

        let mut calm = DossierDocument::default();
        calm.applications
            .insert("s2".into(), application("s2", "Jumbo", days(2)));
        assert_eq!(
            step(&calm, &[Behind::UnderTarget], 1).unwrap().anchor,
            "voortgang"
        );
    }

    #[test]
    fn filters_and_sorts() {
        let rows = vec![
            row("Bram", Phase::JobHunting, vec![]),
            row("anna", Phase::Intake, vec![Behind::NoSync]),
            row("Cor", Phase::Intake, vec![]),
        ];
        let names = |f: &Filter| -> Vec<String> {
            select(rows.clone(), f)
                .into_iter()
                .map(|r| r.name)
                .collect()
        };
        assert_eq!(names(&Filter::default()), ["anna", "Bram", "Cor"]);
        let desc = Filter {
            dir: "af".into(),
            ..Default::default()
        };
        assert_eq!(names(&desc), ["Cor", "Bram", "anna"]);
        let intake = Filter {
            fase: "intake".into(),
            ..Default::default()
        };
        assert_eq!(names(&intake), ["anna", "Cor"]);
        let behind = Filter {
            achter: "1".into(),
            ..Default::default()
        };
        assert_eq!(names(&behind), ["anna"]);
        let q = Filter {
            q: "BR".into(),
            ..Default::default()
        };
        assert_eq!(names(&q), ["Bram"]);
    }

    use crate::testkit::Dice;

    /// A dossier with records scattered around `t`: past and future weeks, follow-ups,
    /// appointments and actions in every state, target changes.
    fn scattered(dice: &mut Dice, t: Timestamp) -> DossierDocument {
        let mut doc = DossierDocument::default();
        let tr = &mut doc.trajectory;
        tr.kind = Some(dice.pick(TrajectoryKind::ALL));
        tr.phase = Some(dice.pick(Phase::ALL));
        tr.start_date = Some(dice.days_from(t, -200, 10));
        tr.first_sick_day = Some(dice.days_from(t, -400, -200));
        tr.contract_end = Some(dice.days_from(t, -10, 300));
        tr.weekly_target = dice.below(5) as u32;
        let mut from = dice.days_from(t, -90, -60);
        for _ in 0..dice.below(4) {
            tr.target_history.push(TargetChange {
                from,
                weekly_target: dice.below(6) as u32,
            });
            from = LocalDate(from.0 + chrono::Duration::days(1 + dice.below(40) as i64));
        }
        // About two a week: weeks that meet the target and weeks that miss it.
        for i in 0..40 {
            let day = dice.days_from(t, -100, 25);
            let mut a =
                fixtures::application(&format!("s{i}"), day, dice.pick(ApplicationStatus::ALL));
            if dice.below(2) == 0 {
                a.follow_up = Some(dice.days_from(t, -30, 30));
            }
            a.notes = "notities".into();
            doc.applications.insert(a.id.clone(), a);
        }
        for i in 0..30 {
            let starts = dice.millis_from(t, -24 * 40, 24 * 40);
            let ends = Timestamp::from_millis(starts.millis() + 3_600_000).unwrap();
            let mut a = fixtures::appointment(&format!("m{i}"), starts, ends);
            a.status = dice.pick(AppointmentStatus::ALL);
            a.proposed_by = dice.pick(&[Actor::Employee, Actor::Coach]);
            doc.appointments.insert(a.id.clone(), a);
        }
        for i in 0..40 {
            let owner = dice.pick(&[Actor::Employee, Actor::Coach]);
            let mut a = fixtures::action(&format!("a{i}"), "Bellen", owner);
            a.due = (dice.below(3) > 0).then(|| dice.days_from(t, -30, 30));
            a.done = dice.below(3) == 0;
            doc.actions.insert(a.id.clone(), a);
        }
        doc
    }

    fn entry_of(doc: &DossierDocument, last_seen_at: Option<i64>) -> CaseloadEntry {
        CaseloadEntry {
            employee_id: "e1".into(),
            name: "Jan".into(),
            phase: doc.trajectory.phase,
            weekly_target: doc.trajectory.weekly_target,
            applications: doc.applications.len(),
            devices: 1,
            last_seen_at,
            closed_on: doc.trajectory.closed_on,
        }
    }

    /// The caseload computed from the stored inputs is the one computed from the whole
    /// dossier, at the moment of summarising and at every later one (weeks and follow-ups
    /// falling due, appointments ending, the weeks judged moving on).
    #[test]
    fn the_inputs_give_the_whole_dossiers_caseload_from_then_on() {
        let t = ts("2026-12-02T11:30:00Z");
        let later_hours = [
            0,
            1,
            10,
            13,
            24,
            60,
            24 * 5,
            24 * 8,
            24 * 15,
            24 * 22,
            24 * 45,
        ];
        let (mut flags, mut left_out) = (0, 0);
        for seed in 1..40u64 {
            let mut dice = Dice(seed * 7919);
            let whole = scattered(&mut dice, t);
            let stored = summary::of(&whole, t).unwrap();
            assert_eq!(stored.applications, whole.applications.len() as i64);
            assert_eq!(stored.phase, whole.trajectory.phase.map(|p| p.word()));
            let kept = summary::inputs(&stored).unwrap();
            assert!(
                kept.dossier.applications.len() < whole.applications.len(),
                "the inputs are a cut-down copy"
            );
            for h in later_hours {
                let now = Timestamp::from_millis(t.millis() + h * 3_600_000).unwrap();
                let seen = Some(t.millis() - 3_600_000);
                let from_inputs = super::row(
                    entry_of(&kept.dossier, seen),
                    &kept.dossier,
                    kept.overdue_follow_ups_left_out,
                    now,
                );
                let from_whole = super::row(entry_of(&whole, seen), &whole, 0, now);
                assert_eq!(from_inputs, from_whole, "seed {seed}, {h} h later");
                flags += from_whole.behind.len() + usize::from(from_whole.next_step.is_some());
                left_out += kept.overdue_follow_ups_left_out;
            }
        }
        assert!(flags > 100, "the dossiers put people behind: {flags}");
        assert!(
            left_out > 100,
            "overdue follow-ups were left out and counted"
        );
    }
}
