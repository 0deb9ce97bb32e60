//! Dates, times and durations the way a Dutch reader expects them, in Europe/Amsterdam.

use chrono::{Datelike, TimeZone, Utc};
use chrono_tz::Europe::Amsterdam;
use koers_core::model::{LocalDate, Timestamp};

const MONTHS: [&str; 12] = [
    "jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec",
];
const MONTHS_LONG: [&str; 12] = [
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
];
const WEEKDAYS: [&str; 7] = ["ma", "di", "wo", "do", "vr", "za", "zo"];

fn month(d: LocalDate) -> &'static str {
    MONTHS[d.0.month0() as usize % 12]
}

/// "23 nov 2026"
pub fn date(d: LocalDate) -> String {
    format!("{} {} {}", d.0.day(), month(d), d.0.year())
}

/// "23 november 2026"
pub fn date_long(d: LocalDate) -> String {
    format!(
        "{} {} {}",
        d.0.day(),
        MONTHS_LONG[d.0.month0() as usize % 12],
        d.0.year()
    )
}

/// "ma 23 nov"
pub fn day_short(d: LocalDate) -> String {
    format!(
        "{} {} {}",
        WEEKDAYS[d.0.weekday().num_days_from_monday() as usize % 7],
        d.0.day(),
        month(d)
    )
}

/// "ma 23 nov 2026, 14:00" in Amsterdam time.
pub fn datetime(t: Timestamp) -> String {
    let local = t.0.with_timezone(&Amsterdam);
    format!(
        "{} {}, {}",
        day_short(LocalDate(local.date_naive())),
        local.year(),
        local.format("%H:%M")
    )
}

/// "14:00" in Amsterdam time.
pub fn time(t: Timestamp) -> String {
    t.0.with_timezone(&Amsterdam).format("%H:%M").to_string()
}

/// The Amsterdam date and time of an instant, as `<input type=date>` and `type=time` want.
pub fn input_date_time(t: Timestamp) -> (String, String) {
    let local = t.0.with_timezone(&Amsterdam);
    (
        local.format("%Y-%m-%d").to_string(),
        local.format("%H:%M").to_string(),
    )
}

/// How long ago a moment in milliseconds was: "zojuist", "12 min geleden", "3 dagen geleden".
pub fn ago(ms: i64, now_ms: i64) -> String {
    let minutes = (now_ms - ms).max(0) / 60_000;
    match minutes {
        0 => "zojuist".into(),
        1..=59 => format!("{minutes} min geleden"),
        60..=1439 => format!("{} uur geleden", minutes / 60),
        1440..=2879 => "gisteren".into(),
        _ => format!("{} dagen geleden", minutes / 1440),
    }
}

/// An instant in milliseconds as "ma 23 nov 2026, 14:00".
pub fn millis(ms: i64) -> String {
    Utc.timestamp_millis_opt(ms)
        .single()
        .map(|t| datetime(Timestamp(t)))
        .unwrap_or_default()
}

/// "wk 47"
pub fn week(iso_week: u32) -> String {
    format!("wk {iso_week}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dutch_dates_and_times() {
        let d: LocalDate = "2026-11-23".parse().unwrap();
        assert_eq!(date(d), "23 nov 2026");
        assert_eq!(date_long(d), "23 november 2026");
        assert_eq!(day_short(d), "ma 23 nov");
        let t: Timestamp = "2026-11-23T13:00:00Z".parse().unwrap();
        assert_eq!(datetime(t), "ma 23 nov 2026, 14:00");
        assert_eq!(
            input_date_time(t),
            ("2026-11-23".to_string(), "14:00".to_string())
        );
    }

    #[test]
    fn ages_read_naturally() {
        let now = 10 * 86_400_000;
        assert_eq!(ago(now - 30_000, now), "zojuist");
        assert_eq!(ago(now - 5 * 60_000, now), "5 min geleden");
        assert_eq!(ago(now - 3 * 3_600_000, now), "3 uur geleden");
        assert_eq!(ago(now - 30 * 3_600_000, now), "gisteren");
        assert_eq!(ago(now - 8 * 86_400_000, now), "8 dagen geleden");
    }
}
