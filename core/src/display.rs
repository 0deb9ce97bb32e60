//! Formats dates, times and amounts the Dutch way, in Europe/Amsterdam time, for people to
//! read: the phone's reminders, the exports, the CLI and the coach's web view all use these,
//! so that a day or an amount reads the same everywhere. Stored forms stay ISO (see `model`).

use chrono::Datelike;
use chrono_tz::Europe::Amsterdam;

use crate::model::{LocalDate, Timestamp};

/// Month names in full, January first.
pub const MONTHS_LONG: [&str; 12] = [
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

/// Month names as Dutch abbreviates them (March is "mrt"), January first.
pub const MONTHS_SHORT: [&str; 12] = [
    "jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec",
];

/// Weekday names abbreviated, Monday first (the Dutch week starts on Monday).
pub const WEEKDAYS_SHORT: [&str; 7] = ["ma", "di", "wo", "do", "vr", "za", "zo"];

/// "maart".
pub fn month_long(d: LocalDate) -> &'static str {
    MONTHS_LONG[d.0.month0() as usize % 12]
}

/// "mrt".
pub fn month_short(d: LocalDate) -> &'static str {
    MONTHS_SHORT[d.0.month0() as usize % 12]
}

/// "ma".
pub fn weekday_short(d: LocalDate) -> &'static str {
    WEEKDAYS_SHORT[d.0.weekday().num_days_from_monday() as usize % 7]
}

/// "3 maart 2026": in running text (reminders, the coach's report).
pub fn date_long(d: LocalDate) -> String {
    format!("{} {} {}", d.0.day(), month_long(d), d.0.year())
}

/// "ma 23 nov 2026": in lists, where the weekday helps.
pub fn date_short(d: LocalDate) -> String {
    format!("{} {}", day_short(d), d.0.year())
}

/// "23 nov 2026".
pub fn date_medium(d: LocalDate) -> String {
    format!("{} {} {}", d.0.day(), month_short(d), d.0.year())
}

/// "ma 23 nov": the year left out, where it goes without saying.
pub fn day_short(d: LocalDate) -> String {
    format!("{} {} {}", weekday_short(d), d.0.day(), month_short(d))
}

/// "23-11-2026" (dd-mm-jjjj): in tables of a printed report.
pub fn date_numeric(d: LocalDate) -> String {
    d.0.format("%d-%m-%Y").to_string()
}

/// "14:30" in Amsterdam time.
pub fn time(t: Timestamp) -> String {
    t.0.with_timezone(&Amsterdam).format("%H:%M").to_string()
}

/// "ma 23 nov 2026 14:30" in Amsterdam time.
pub fn datetime(t: Timestamp) -> String {
    format!("{} {}", date_short(t.local_date()), time(t))
}

/// "ma 23 nov 2026 14:30–15:30", or both full moments when the span crosses a day.
pub fn time_range(start: Timestamp, end: Timestamp) -> String {
    if start.local_date() == end.local_date() {
        format!("{}–{}", datetime(start), time(end))
    } else {
        format!("{} – {}", datetime(start), datetime(end))
    }
}

/// "€ 5.000,00": euro cents with a dot between thousands and a decimal comma.
pub fn euros(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let cents = cents.unsigned_abs();
    let whole = (cents / 100).to_string();
    let mut grouped = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            grouped.push('.');
        }
        grouped.push(c);
    }
    format!("{sign}€ {grouped},{:02}", cents % 100)
}

/// "1 wijziging", "2 wijzigingen", "0 wijzigingen": a count with its noun in the right form
/// (Dutch uses the singular for exactly one).
pub fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::fixtures::{day as d, ts as t};

    #[test]
    fn days_in_every_form() {
        let day = d("2026-11-23");
        assert_eq!(date_long(day), "23 november 2026");
        assert_eq!(date_short(day), "ma 23 nov 2026");
        assert_eq!(date_medium(day), "23 nov 2026");
        assert_eq!(day_short(day), "ma 23 nov");
        assert_eq!(date_numeric(day), "23-11-2026");
        assert_eq!(date_long(d("2026-03-03")), "3 maart 2026");
        assert_eq!(date_numeric(d("2026-03-03")), "03-03-2026");
    }

    #[test]
    fn every_weekday_and_month_has_its_name() {
        // 2026-06-01 is a Monday.
        let week: Vec<&str> = (1..=7)
            .map(|n| weekday_short(d(&format!("2026-06-0{n}"))))
            .collect();
        assert_eq!(week, WEEKDAYS_SHORT);
        let months: Vec<&str> = (1..=12)
            .map(|m| month_short(LocalDate::from_ymd(2026, m, 1).unwrap()))
            .collect();
        assert_eq!(months, MONTHS_SHORT);
        assert_eq!(month_long(d("2026-03-01")), "maart");
        assert_eq!(month_short(d("2026-03-01")), "mrt");
    }

    #[test]
    fn times_are_amsterdam_time_in_winter_and_summer() {
        assert_eq!(time(t("2026-01-15T09:00:00Z")), "10:00");
        assert_eq!(time(t("2026-07-15T08:00:00Z")), "10:00");
        assert_eq!(datetime(t("2026-07-15T08:00:00Z")), "wo 15 jul 2026 10:00");
    }

    #[test]
    fn times_across_the_dst_changes() {
        // 29 March 2026: the clocks go from 02:00 to 03:00.
        assert_eq!(time(t("2026-03-29T00:59:00Z")), "01:59");
        assert_eq!(time(t("2026-03-29T01:00:00Z")), "03:00");
        // 25 October 2026: from 03:00 back to 02:00, so 02:30 happens twice.
        assert_eq!(time(t("2026-10-25T00:30:00Z")), "02:30");
        assert_eq!(time(t("2026-10-25T01:30:00Z")), "02:30");
        assert_eq!(
            time_range(t("2026-10-25T00:30:00Z"), t("2026-10-25T01:30:00Z")),
            "zo 25 okt 2026 02:30–02:30"
        );
    }

    #[test]
    fn the_day_is_the_amsterdam_day_at_the_year_end() {
        // 23:30 UTC on New Year's Eve is already the new year in Amsterdam.
        assert_eq!(datetime(t("2026-12-31T23:30:00Z")), "vr 1 jan 2027 00:30");
        assert_eq!(datetime(t("2026-12-31T22:59:00Z")), "do 31 dec 2026 23:59");
        assert_eq!(date_long(d("2026-12-31")), "31 december 2026");
        assert_eq!(date_numeric(d("2027-01-01")), "01-01-2027");
    }

    #[test]
    fn ranges_within_a_day_and_across_days() {
        assert_eq!(
            time_range(t("2026-11-23T13:30:00Z"), t("2026-11-23T14:30:00Z")),
            "ma 23 nov 2026 14:30–15:30"
        );
        assert_eq!(
            time_range(t("2026-12-31T22:00:00Z"), t("2026-12-31T23:30:00Z")),
            "do 31 dec 2026 23:00 – vr 1 jan 2027 00:30"
        );
    }

    #[test]
    fn counts_take_the_singular_only_for_one() {
        assert_eq!(plural(1, "wijziging", "wijzigingen"), "1 wijziging");
        assert_eq!(plural(2, "wijziging", "wijzigingen"), "2 wijzigingen");
        assert_eq!(plural(0, "wijziging", "wijzigingen"), "0 wijzigingen");
    }

    #[test]
    fn amounts_in_euros() {
        assert_eq!(euros(500_000), "€ 5.000,00");
        assert_eq!(euros(123_456_789), "€ 1.234.567,89");
        assert_eq!(euros(100_000), "€ 1.000,00");
        assert_eq!(euros(99_999), "€ 999,99");
        assert_eq!(euros(5), "€ 0,05");
        assert_eq!(euros(0), "€ 0,00");
        assert_eq!(euros(-150_000), "-€ 1.500,00");
    }
}
