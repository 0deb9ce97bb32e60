//! Charts drawn on the server as inline SVG: applications per week against the weekly
//! target, and the funnel of application statuses. Each carries a `<title>` and `<desc>`
//! for screen readers, a value on every bar (colour is never the only carrier), and a
//! data table beside it.

use koers_core::progress::{FunnelCount, WeekCount};
use maud::{html, Markup};

use super::format;

const WIDTH: f64 = 720.0;
const HEIGHT: f64 = 260.0;
const LEFT: f64 = 36.0;
const RIGHT: f64 = 12.0;
const TOP: f64 = 22.0;
const BOTTOM: f64 = 40.0;

fn n(x: f64) -> String {
    format!("{x:.1}")
}

/// Bars of applications per week, with the target as a dashed line.
pub fn weekly(id: &str, weeks: &[WeekCount], target: u32) -> Markup {
    let max_value = weeks
        .iter()
        .flat_map(|w| [w.applications, w.target])
        .chain([target, 1])
        .max()
        .unwrap_or(1);
    // A round top for the scale: at least one step above the highest bar or the target.
    let step = if max_value <= 5 {
        1
    } else if max_value <= 12 {
        2
    } else {
        5
    };
    let top_value = (max_value / step + 1) * step;
    let plot_w = WIDTH - LEFT - RIGHT;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let y = |v: u32| TOP + plot_h - plot_h * f64::from(v) / f64::from(top_value);
    let slot = plot_w / weeks.len().max(1) as f64;
    let bar_w = (slot * 0.62).min(46.0);
    let met = weeks.iter().filter(|w| w.met).count();
    let judged = weeks.iter().filter(|w| w.target > 0).count();
    let desc = if judged > 0 {
        format!(
            "{}; het weekdoel is in {met} van de {} met een doel gehaald. {}",
            format::count(weeks.len(), "week", "weken"),
            format::count(judged, "week", "weken"),
            weeks
                .iter()
                .map(|w| format!("{}: {}", format::week(w.iso_week), w.applications))
                .collect::<Vec<_>>()
                .join(", ")
        )
    } else {
        format!(
            "{}, geen weekdoel afgesproken. {}",
            format::count(weeks.len(), "week", "weken"),
            weeks
                .iter()
                .map(|w| format!("{}: {}", format::week(w.iso_week), w.applications))
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    let title_id = format!("{id}-title");
    let desc_id = format!("{id}-desc");
    html! {
        svg.chart xmlns="http://www.w3.org/2000/svg" viewBox={"0 0 " (WIDTH) " " (HEIGHT)}
            role="img" aria-labelledby={(title_id) " " (desc_id)} {
            title id=(title_id) { "Sollicitaties per week" }
            desc id=(desc_id) { (desc) }
            // Grid lines and the scale.
            @for v in (0..=top_value).step_by(step as usize) {
                line.grid x1=(n(LEFT)) x2=(n(WIDTH - RIGHT)) y1=(n(y(v))) y2=(n(y(v))) {}
                text.axis x=(n(LEFT - 8.0)) y=(n(y(v) + 4.0)) text-anchor="end" { (v) }
            }
            @for (i, w) in weeks.iter().enumerate() {
                @let cx = LEFT + slot * (i as f64 + 0.5);
                @let top = y(w.applications);
                // Each week by the target agreed for it (none before the start).
                @let class = if w.target == 0 { "bar" } else if w.met { "bar bar-met" } else { "bar bar-under" };
                @if w.applications > 0 {
                    rect class=(class) x=(n(cx - bar_w / 2.0)) y=(n(top)) width=(n(bar_w))
                        height=(n(TOP + plot_h - top)) rx="3" {}
                }
                text.value x=(n(cx)) y=(n(top - 6.0)) text-anchor="middle" { (w.applications) }
                text.axis x=(n(cx)) y=(n(HEIGHT - BOTTOM + 16.0)) text-anchor="middle" { (format::week(w.iso_week)) }
                text.axis.axis-sub x=(n(cx)) y=(n(HEIGHT - BOTTOM + 30.0)) text-anchor="middle" { (format::day_short(w.week_start).split_once(' ').map_or(String::new(), |(_, d)| d.to_string())) }
            }
            // The target line steps with the agreements: a segment per week that had one.
            @for (i, w) in weeks.iter().enumerate().filter(|(_, w)| w.target > 0) {
                line.target x1=(n(LEFT + slot * i as f64)) x2=(n(LEFT + slot * (i as f64 + 1.0))) y1=(n(y(w.target))) y2=(n(y(w.target))) {}
            }
            @if target > 0 {
                text.target-label x=(n(WIDTH - RIGHT)) y=(n(y(target) - 6.0)) text-anchor="end" { "doel " (target) }
            }
            line.baseline x1=(n(LEFT)) x2=(n(WIDTH - RIGHT)) y1=(n(TOP + plot_h)) y2=(n(TOP + plot_h)) {}
        }
        @if judged > 0 {
            p.legend aria-hidden="true" {
                span { span.key.key-met {} "doel gehaald" }
                span { span.key.key-under {} "onder het doel" }
                span { span.key.key-target {} "weekdoel" }
            }
        }
    }
}

/// The weeks as a table (the chart's data, for reading aloud and for print); each week with
/// the target agreed for it ("–" where none was, e.g. before the start).
pub fn weekly_table(weeks: &[WeekCount], target: u32) -> Markup {
    let any_target = target > 0 || weeks.iter().any(|w| w.target > 0);
    html! {
        table.data {
            caption.visually-hidden { "Sollicitaties per week" }
            thead { tr {
                th scope="col" { "Week" }
                th scope="col" { "Vanaf" }
                th scope="col" .num { "Sollicitaties" }
                @if any_target { th scope="col" .num { "Doel" } th scope="col" { "Gehaald" } }
            } }
            tbody {
                @for w in weeks {
                    tr {
                        th scope="row" { (format::week(w.iso_week)) " " (w.iso_year) }
                        td { (format::date(w.week_start)) }
                        td.num { (w.applications) }
                        @if any_target {
                            @if w.target > 0 {
                                td.num { (w.target) }
                                td { @if w.met { "ja" } @else { "nee" } }
                            } @else {
                                td.num { "–" }
                                td { "–" }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Horizontal bars: how many applications are in each status now.
pub fn funnel(id: &str, funnel: &[FunnelCount]) -> Markup {
    let rows: Vec<&FunnelCount> = funnel.iter().collect();
    let max = rows.iter().map(|f| f.count).max().unwrap_or(0).max(1);
    let row_h = 30.0;
    let label_w = 130.0;
    let width = 520.0;
    let height = row_h * rows.len() as f64 + 8.0;
    let bar_space = width - label_w - 48.0;
    let desc = rows
        .iter()
        .map(|f| format!("{}: {}", f.label, f.count))
        .collect::<Vec<_>>()
        .join(", ");
    let title_id = format!("{id}-title");
    let desc_id = format!("{id}-desc");
    html! {
        svg.chart.funnel xmlns="http://www.w3.org/2000/svg" viewBox={"0 0 " (width) " " (n(height))}
            role="img" aria-labelledby={(title_id) " " (desc_id)} {
            title id=(title_id) { "Sollicitaties per status" }
            desc id=(desc_id) { (desc) }
            @for (i, f) in rows.iter().enumerate() {
                @let y0 = 4.0 + row_h * i as f64;
                @let w = bar_space * f64::from(f.count) / f64::from(max);
                @let class = if f.status.is_closed() && f.status != koers_core::model::ApplicationStatus::Hired { "fbar fbar-closed" } else { "fbar" };
                text.axis x=(n(label_w - 10.0)) y=(n(y0 + row_h / 2.0 + 4.0)) text-anchor="end" { (f.label) }
                @if f.count > 0 {
                    rect class=(class) x=(n(label_w)) y=(n(y0 + 4.0)) width=(n(w.max(3.0))) height=(n(row_h - 10.0)) rx="3" {}
                }
                text.value x=(n(label_w + w.max(3.0) + 8.0)) y=(n(y0 + row_h / 2.0 + 4.0)) { (f.count) }
            }
        }
    }
}

pub fn funnel_table(funnel: &[FunnelCount]) -> Markup {
    html! {
        table.data {
            caption.visually-hidden { "Sollicitaties per status" }
            thead { tr { th scope="col" { "Status" } th scope="col" .num { "Aantal" } } }
            tbody {
                @for f in funnel {
                    tr { th scope="row" { (f.label) } td.num { (f.count) } }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use koers_core::model::{ApplicationStatus, LocalDate};

    fn week(n: u32, apps: u32, target: u32) -> WeekCount {
        WeekCount {
            iso_year: 2026,
            iso_week: n,
            week_start: LocalDate::from_ymd(2026, 1, 5).unwrap(),
            applications: apps,
            target,
            met: target > 0 && apps >= target,
        }
    }

    #[test]
    fn the_weekly_chart_is_labelled_and_shows_the_target() {
        let svg = weekly("c", &[week(1, 2, 3), week(2, 4, 3)], 3).into_string();
        assert!(svg.contains("<title id=\"c-title\">Sollicitaties per week</title>"));
        assert!(svg.contains("aria-labelledby=\"c-title c-desc\""));
        assert!(svg.contains("doel gehaald"));
        assert!(svg.contains("class=\"target\""));
        assert!(svg.contains("bar bar-met") && svg.contains("bar bar-under"));
        assert!(svg.contains("wk 2: 4"));
    }

    #[test]
    fn no_target_means_no_target_line() {
        let svg = weekly("c", &[week(1, 0, 0)], 0).into_string();
        assert!(!svg.contains("class=\"target\""));
        assert!(svg.contains("geen weekdoel"));
    }

    #[test]
    fn the_funnel_names_every_status() {
        let f: Vec<FunnelCount> = ApplicationStatus::ALL
            .iter()
            .map(|s| FunnelCount {
                status: *s,
                label: s.label_nl().into(),
                count: 1,
            })
            .collect();
        let svg = funnel("f", &f).into_string();
        for s in ApplicationStatus::ALL {
            assert!(svg.contains(s.label_nl()));
        }
    }
}
