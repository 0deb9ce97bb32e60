//! Dates, times, durations and counted nouns the way a Dutch reader expects them, in
//! Europe/Amsterdam.

use chrono::{TimeZone, Utc};
use koers_core::model::Timestamp;

/// "1 sollicitatie", "2 sollicitaties": the core's one rule for Dutch counts.
pub use koers_core::display::{count, plural};
/// The core's Dutch forms under the names the pages use: "23 nov 2026" (`date`),
/// "23 november 2026" (`date_long`), "ma 23 nov" (`day_short`) and "14:00" (`time`).
pub use koers_core::display::{date_long, date_medium as date, day_short, time};

/// "ma 23 nov 2026, 14:00" in Amsterdam time.
pub fn datetime(t: Timestamp) -> String {
    format!(
        "{}, {}",
        koers_core::display::date_short(t.local_date()),
        time(t)
    )
}

/// The Amsterdam date and time of an instant, as `<input type=date>` and `type=time` want.
pub fn input_date_time(t: Timestamp) -> (String, String) {
    (t.local_date().to_string(), time(t))
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
    use koers_core::model::LocalDate;

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
