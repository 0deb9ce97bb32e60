//! The coach appointments as an iCalendar file (RFC 5545), to subscribe to or import in
//! any calendar app.

use crate::model::{Appointment, AppointmentStatus, Timestamp};

/// RFC 5545 3.1: content lines are at most 75 octets, excluding the CRLF.
const MAX_LINE_OCTETS: usize = 75;

/// The appointments as one VCALENDAR (METHOD:PUBLISH), all times in UTC so that no
/// VTIMEZONE block is needed and every calendar shows them in its own zone.
pub fn appointments_ics(appointments: &[Appointment], calendar_name: &str) -> String {
    calendar(appointments, calendar_name, Timestamp::now())
}

/// `appointments_ics` with the moment of export given, so tests are deterministic.
fn calendar(appointments: &[Appointment], calendar_name: &str, now: Timestamp) -> String {
    let mut out = String::new();
    let mut line = |l: String| push_folded(&mut out, &l);
    line("BEGIN:VCALENDAR".into());
    line("VERSION:2.0".into());
    line("PRODID:-//Koers//Koers 0.1//NL".into());
    line("CALSCALE:GREGORIAN".into());
    line("METHOD:PUBLISH".into());
    line(format!("X-WR-CALNAME:{}", escape_text(calendar_name)));
    for a in appointments {
        line("BEGIN:VEVENT".into());
        line(format!("UID:{}@koers", escape_text(&a.id)));
        // DTSTAMP: when this iCalendar object was made (RFC 5545 3.8.7.2 with METHOD).
        line(format!("DTSTAMP:{}", utc(now)));
        line(format!("DTSTART:{}", utc(a.starts_at)));
        // An end not after the start is invalid; without DTEND the event is a moment.
        if a.ends_at > a.starts_at {
            line(format!("DTEND:{}", utc(a.ends_at)));
        }
        line(format!("CREATED:{}", utc(a.created_at)));
        line(format!("LAST-MODIFIED:{}", utc(a.updated_at)));
        line(format!("SUMMARY:{}", escape_text(a.kind.label_nl())));
        if !a.location.trim().is_empty() {
            line(format!("LOCATION:{}", escape_text(a.location.trim())));
        }
        let description = description(a);
        if !description.is_empty() {
            line(format!("DESCRIPTION:{}", escape_text(&description)));
        }
        let status = match a.status {
            AppointmentStatus::Proposed => "TENTATIVE",
            AppointmentStatus::Confirmed | AppointmentStatus::Done => "CONFIRMED",
            AppointmentStatus::Cancelled => "CANCELLED",
        };
        line(format!("STATUS:{status}"));
        line("END:VEVENT".into());
    }
    line("END:VCALENDAR".into());
    out
}

fn description(a: &Appointment) -> String {
    let mut parts = Vec::new();
    if !a.agenda.trim().is_empty() {
        parts.push(format!("Agenda:\n{}", a.agenda.trim()));
    }
    if !a.notes.trim().is_empty() {
        parts.push(format!("Notities:\n{}", a.notes.trim()));
    }
    parts.join("\n\n")
}

fn utc(t: Timestamp) -> String {
    t.0.format("%Y%m%dT%H%M%SZ").to_string()
}

/// TEXT escaping (RFC 5545 3.3.11): backslash, semicolon, comma and line breaks; other
/// control characters are not allowed in a content line and are dropped.
fn escape_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push_str("\\n");
            }
            '\n' => out.push_str("\\n"),
            '\t' => out.push(c),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Appends one content line, folded into pieces of at most 75 octets (a continuation
/// starts with a space, which counts), never inside a UTF-8 sequence, each ended by CRLF.
fn push_folded(out: &mut String, line: &str) {
    let mut budget = MAX_LINE_OCTETS;
    let mut start = 0;
    let mut used = 0;
    for (i, c) in line.char_indices() {
        let len = c.len_utf8();
        if used + len > budget {
            out.push_str(&line[start..i]);
            out.push_str("\r\n ");
            start = i;
            used = 0;
            budget = MAX_LINE_OCTETS - 1;
        }
        used += len;
    }
    out.push_str(&line[start..]);
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::fixtures::ts;
    use crate::model::*;

    fn appt(id: &str, status: AppointmentStatus) -> Appointment {
        Appointment {
            location: "Oudegracht 12, Utrecht".into(),
            agenda: "CV doornemen; netwerk\nvacatures".into(),
            status,
            created_at: ts("2026-03-01T08:00:00Z"),
            updated_at: ts("2026-03-02T08:00:00Z"),
            ..fixtures::appointment(id, ts("2026-03-10T09:00:00Z"), ts("2026-03-10T10:00:00Z"))
        }
    }

    /// Undoes the folding, as a reader would.
    fn unfold(s: &str) -> String {
        s.replace("\r\n ", "")
    }

    #[test]
    fn a_calendar_with_one_event() {
        let out = calendar(
            &[appt("abc123", AppointmentStatus::Proposed)],
            "Koers – afspraken",
            ts("2026-03-05T12:00:00Z"),
        );
        let expected = [
            "BEGIN:VCALENDAR",
            "VERSION:2.0",
            "PRODID:-//Koers//Koers 0.1//NL",
            "CALSCALE:GREGORIAN",
            "METHOD:PUBLISH",
            "X-WR-CALNAME:Koers – afspraken",
            "BEGIN:VEVENT",
            "UID:abc123@koers",
            "DTSTAMP:20260305T120000Z",
            "DTSTART:20260310T090000Z",
            "DTEND:20260310T100000Z",
            "CREATED:20260301T080000Z",
            "LAST-MODIFIED:20260302T080000Z",
            "SUMMARY:Coachingsgesprek",
            "LOCATION:Oudegracht 12\\, Utrecht",
            "DESCRIPTION:Agenda:\\nCV doornemen\\; netwerk\\nvacatures",
            "STATUS:TENTATIVE",
            "END:VEVENT",
            "END:VCALENDAR",
            "",
        ]
        .join("\r\n");
        assert_eq!(out, expected);
    }

    #[test]
    fn statuses_map_to_ical() {
        let out = calendar(
            &[
                appt("a", AppointmentStatus::Confirmed),
                appt("b", AppointmentStatus::Cancelled),
                appt("c", AppointmentStatus::Done),
            ],
            "x",
            ts("2026-03-05T12:00:00Z"),
        );
        let statuses: Vec<&str> = out.lines().filter(|l| l.starts_with("STATUS:")).collect();
        assert_eq!(
            statuses,
            ["STATUS:CONFIRMED", "STATUS:CANCELLED", "STATUS:CONFIRMED"]
        );
        assert_eq!(out.matches("BEGIN:VEVENT").count(), 3);
    }

    #[test]
    fn text_is_escaped() {
        assert_eq!(
            escape_text("a\\b;c,d\ne\r\nf\rg\u{7}h\ti"),
            "a\\\\b\\;c\\,d\\ne\\nf\\ng".to_string() + "h\ti"
        );
        let mut a = appt("x", AppointmentStatus::Confirmed);
        a.agenda = String::new();
        a.notes = "Afspraak: bel \\ mail, morgen;".into();
        let out = calendar(&[a], "x", ts("2026-03-05T12:00:00Z"));
        assert!(out.contains("DESCRIPTION:Notities:\\nAfspraak: bel \\\\ mail\\, morgen\\;\r\n"));
    }

    #[test]
    fn long_lines_fold_at_75_octets_without_splitting_characters() {
        let mut a = appt("x", AppointmentStatus::Confirmed);
        // Two- and three-byte characters, so that a naive byte split would break them.
        a.agenda = "Heroriëntatie en scholing: één gesprek over de €-kosten, ".repeat(8);
        a.location = "ë".repeat(100);
        let out = calendar(&[a.clone()], "x", ts("2026-03-05T12:00:00Z"));
        assert!(out.ends_with("\r\n"));
        for l in out.split("\r\n") {
            assert!(l.len() <= MAX_LINE_OCTETS, "{} octets: {l:?}", l.len());
        }
        // No bare LF anywhere: every line break is CRLF.
        assert_eq!(out.matches('\n').count(), out.matches("\r\n").count());
        // The fold of "ë" * 100 after "LOCATION:" (9 octets): 33 "ë" then 37 per line.
        assert!(out.contains(&format!(
            "LOCATION:{}\r\n {}\r\n",
            "ë".repeat(33),
            "ë".repeat(37)
        )));
        let unfolded = unfold(&out);
        assert!(unfolded.contains(&format!("LOCATION:{}\r\n", a.location)));
        assert!(unfolded.contains(&escape_text(a.agenda.trim())));
    }

    #[test]
    fn folding_exact_boundaries() {
        let mut out = String::new();
        push_folded(&mut out, &"a".repeat(75));
        assert_eq!(out, format!("{}\r\n", "a".repeat(75)));
        let mut out = String::new();
        push_folded(&mut out, &"a".repeat(76));
        assert_eq!(out, format!("{}\r\n a\r\n", "a".repeat(75)));
        let mut out = String::new();
        push_folded(&mut out, &"a".repeat(75 + 74 + 1));
        assert_eq!(
            out,
            format!("{}\r\n {}\r\n a\r\n", "a".repeat(75), "a".repeat(74))
        );
    }

    #[test]
    fn a_backwards_end_is_left_out() {
        let mut a = appt("x", AppointmentStatus::Confirmed);
        a.ends_at = a.starts_at;
        let out = calendar(&[a], "x", ts("2026-03-05T12:00:00Z"));
        assert!(!out.contains("DTEND"));
    }
}
