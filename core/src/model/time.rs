//! Calendar days and instants as the dossier stores them: local dates as `YYYY-MM-DD`,
//! instants as UTC RFC 3339, so that the document reads the same on every peer.

use std::fmt;
use std::str::FromStr;

use autosurgeon::{Hydrate, HydrateError, Reconcile, Reconciler};
use chrono::{DateTime, Datelike, NaiveDate, SecondsFormat, TimeZone, Timelike, Utc};
use chrono_tz::Europe::Amsterdam;
use serde::{Deserialize, Serialize};

/// A calendar day where a day is meant (an application date, a follow-up, a milestone).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct LocalDate(pub NaiveDate);

/// A moment in time, always kept in UTC (an appointment's start, a status change).
/// Serialised as its `Display` text (RFC 3339, milliseconds, `Z`), as everywhere else.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(pub DateTime<Utc>);

impl Serialize for Timestamp {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = std::borrow::Cow::<str>::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

impl LocalDate {
    pub fn from_ymd(year: i32, month: u32, day: u32) -> Option<Self> {
        NaiveDate::from_ymd_opt(year, month, day).map(Self)
    }

    /// Today as a person in the Netherlands sees it.
    pub fn today() -> Self {
        Self(Utc::now().with_timezone(&Amsterdam).date_naive())
    }
}

impl Timestamp {
    pub fn now() -> Self {
        // Whole milliseconds: what the document and the database keep.
        let now = Utc::now();
        Self(
            Utc.timestamp_millis_opt(now.timestamp_millis())
                .single()
                .unwrap_or(now),
        )
    }

    pub fn from_millis(ms: i64) -> Option<Self> {
        Utc.timestamp_millis_opt(ms).single().map(Self)
    }

    pub fn millis(&self) -> i64 {
        self.0.timestamp_millis()
    }

    /// The calendar day of this instant in Europe/Amsterdam.
    pub fn local_date(&self) -> LocalDate {
        LocalDate(self.0.with_timezone(&Amsterdam).date_naive())
    }

    /// Parses RFC 3339 (any offset) or a local `YYYY-MM-DDTHH:MM[:SS]` read as Amsterdam time.
    pub fn parse_flexible(s: &str) -> Option<Self> {
        let s = s.trim();
        if let Ok(dt) = DateTime::parse_from_rfc3339(s) {
            return Some(Self(dt.with_timezone(&Utc)));
        }
        for fmt in [
            "%Y-%m-%dT%H:%M:%S",
            "%Y-%m-%dT%H:%M",
            "%Y-%m-%d %H:%M:%S",
            "%Y-%m-%d %H:%M",
        ] {
            if let Ok(naive) = chrono::NaiveDateTime::parse_from_str(s, fmt) {
                // A time that falls in the DST gap does not exist; an ambiguous one takes the first.
                return Amsterdam
                    .from_local_datetime(&naive)
                    .earliest()
                    .map(|dt| Self(dt.with_timezone(&Utc)));
            }
        }
        None
    }
}

impl fmt::Display for LocalDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.format("%Y-%m-%d"))
    }
}

impl fmt::Display for Timestamp {
    /// chrono's `to_rfc3339_opts(SecondsFormat::Millis, true)`, written into a fixed buffer:
    /// it runs for every instant of every record serialised (the phone's record cache on each
    /// write, the bureau's caseload summary on each sync), and chrono's allocates and
    /// formats through its generic machinery. A test holds the two texts equal; years
    /// outside 0-9999 and leap seconds take chrono's own path.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (date, time) = (self.0.date_naive(), self.0.time());
        let year = u32::try_from(date.year()).ok().filter(|y| *y <= 9999);
        let (Some(year), nanos @ 0..=999_999_999) = (year, time.nanosecond()) else {
            return f.write_str(&self.0.to_rfc3339_opts(SecondsFormat::Millis, true));
        };
        let mut text = *b"0000-00-00T00:00:00.000Z";
        for (range, value) in [
            (0..4, year),
            (5..7, date.month()),
            (8..10, date.day()),
            (11..13, time.hour()),
            (14..16, time.minute()),
            (17..19, time.second()),
            (20..23, nanos / 1_000_000),
        ] {
            let mut value = value;
            for digit in text[range].iter_mut().rev() {
                *digit = b'0' + (value % 10) as u8;
                value /= 10;
            }
        }
        f.write_str(std::str::from_utf8(&text).map_err(|_| fmt::Error)?)
    }
}

impl FromStr for LocalDate {
    type Err = chrono::ParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").map(Self)
    }
}

impl FromStr for Timestamp {
    type Err = chrono::ParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        DateTime::parse_from_rfc3339(s.trim()).map(|dt| Self(dt.with_timezone(&Utc)))
    }
}

impl Reconcile for LocalDate {
    type Key<'a> = autosurgeon::reconcile::NoKey;
    fn reconcile<R: Reconciler>(&self, mut reconciler: R) -> Result<(), R::Error> {
        reconciler.str(self.to_string())
    }
}

impl Hydrate for LocalDate {
    fn hydrate_string(s: &'_ str) -> Result<Self, HydrateError> {
        s.parse()
            .map_err(|_| HydrateError::unexpected("a date as YYYY-MM-DD", s.to_string()))
    }
}

impl Reconcile for Timestamp {
    type Key<'a> = autosurgeon::reconcile::NoKey;
    fn reconcile<R: Reconciler>(&self, mut reconciler: R) -> Result<(), R::Error> {
        reconciler.timestamp(self.millis())
    }
}

impl Hydrate for Timestamp {
    fn hydrate_timestamp(ms: i64) -> Result<Self, HydrateError> {
        Self::from_millis(ms)
            .ok_or_else(|| HydrateError::unexpected("a timestamp in range", ms.to_string()))
    }
}

uniffi::custom_type!(LocalDate, String, {
    lower: |d| d.to_string(),
    try_lift: |s| s.parse::<LocalDate>().map_err(|e| uniffi::deps::anyhow::anyhow!("invalid date {s:?}: {e}")),
});

uniffi::custom_type!(Timestamp, String, {
    lower: |t| t.to_string(),
    try_lift: |s| s.parse::<Timestamp>().map_err(|e| uniffi::deps::anyhow::anyhow!("invalid timestamp {s:?}: {e}")),
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instants_are_written_as_chronos_rfc3339_with_millis() {
        let chrono_text = |t: &Timestamp| t.0.to_rfc3339_opts(SecondsFormat::Millis, true);
        let mut instants: Vec<DateTime<Utc>> = vec![
            DateTime::<Utc>::MIN_UTC,
            DateTime::<Utc>::MAX_UTC,
            DateTime::UNIX_EPOCH,
            Utc.with_ymd_and_hms(0, 1, 1, 0, 0, 0).unwrap(),
            Utc.with_ymd_and_hms(-1, 12, 31, 23, 59, 59).unwrap(),
            Utc.with_ymd_and_hms(9999, 12, 31, 23, 59, 59).unwrap(),
            Utc.with_ymd_and_hms(10000, 1, 1, 0, 0, 0).unwrap(),
            // A leap second, which chrono writes as :60.
            NaiveDate::from_ymd_opt(2016, 12, 31)
                .unwrap()
                .and_hms_nano_opt(23, 59, 59, 1_999_999_999)
                .unwrap()
                .and_utc(),
        ];
        // Instants from 1900 to 2200 with every kind of millisecond and nanosecond part.
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let secs = (x % 9_467_280_000) as i64 - 2_208_988_800;
            let nanos = (x >> 34) as u32 % 1_000_000_000;
            instants.push(DateTime::from_timestamp(secs, nanos).unwrap());
        }
        for t in instants.into_iter().map(Timestamp) {
            assert_eq!(t.to_string(), chrono_text(&t));
            assert_eq!(format!("{t}"), chrono_text(&t));
        }
    }

    #[test]
    fn local_time_is_read_as_amsterdam() {
        // Winter: UTC+1.
        let t = Timestamp::parse_flexible("2026-01-15T10:00").unwrap();
        assert_eq!(t.to_string(), "2026-01-15T09:00:00.000Z");
        // Summer: UTC+2.
        let t = Timestamp::parse_flexible("2026-07-15T10:00").unwrap();
        assert_eq!(t.to_string(), "2026-07-15T08:00:00.000Z");
        // An explicit offset wins.
        let t = Timestamp::parse_flexible("2026-07-15T10:00:00Z").unwrap();
        assert_eq!(t.to_string(), "2026-07-15T10:00:00.000Z");
    }

    #[test]
    fn the_local_day_of_a_late_evening_instant_is_the_amsterdam_day() {
        let t: Timestamp = "2026-03-01T23:30:00Z".parse().unwrap();
        assert_eq!(t.local_date().to_string(), "2026-03-02");
    }

    #[test]
    fn dates_round_trip_through_text() {
        let d: LocalDate = "2026-02-28".parse().unwrap();
        assert_eq!(d.to_string(), "2026-02-28");
        assert!("2026-02-30".parse::<LocalDate>().is_err());
    }
}
