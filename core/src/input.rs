//! Input as people and shells give it (text fields), checked and turned into typed values
//! with an error that names the field. Shared by the FFI layer and the CLI.

use crate::error::{KoersError, Result};
use crate::model::{
    Actor, ApplicationStatus, AppointmentKind, AppointmentStatus, LocalDate, Phase, Source,
    Timestamp, TrajectoryKind,
};

/// Longest text accepted in a single field: generous for notes, small enough that a stuck
/// paste cannot bloat the synced document.
pub const MAX_TEXT: usize = 20_000;
/// Longest accepted for one-line fields such as an employer or a role.
pub const MAX_LINE: usize = 300;

/// The reason for a required field left blank.
pub const EMPTY: &str = "mag niet leeg zijn";

/// The Dutch name of an input field, as messages show it (the field's own name for code
/// is English: "title"). One list for every shell and the bureau.
pub fn field_label(field: &str) -> &str {
    match field {
        "title" => "omschrijving",
        "text" => "tekst",
        "starts_at" | "start" => "begin",
        "ends_at" | "end" => "einde",
        "status" => "status",
        "location" => "locatie",
        "agenda" => "agenda",
        "notes" => "notities",
        "weekly_target" => "weekdoel",
        "start_date" => "start traject",
        "first_sick_day" => "eerste ziektedag",
        "contract_end" => "einde contract",
        "goals" => "doelen",
        "budget" => "budget",
        "budget_end" => "einde budget",
        "author_name" => "naam",
        "employer" => "werkgever",
        "employer_contact" => "contactpersoon werkgever",
        "role" => "functie",
        "date" => "datum",
        "due" => "uiterlijk",
        "follow_up" => "opvolgen op",
        "vacancy_url" => "vacaturelink",
        "contact" => "contactpersoon",
        "salary" => "salaris",
        "source" => "bron",
        "kind" => "soort",
        "phase" => "fase",
        "owner" => "wie",
        "reason" => "reden",
        "code" => "koppelcode",
        "server" => "bureau",
        "device_name" => "naam van het apparaat",
        "device_id" => "apparaat",
        "path" => "bestand",
        "from" => "vanaf",
        "to" => "tot en met",
        "energy" => "energie",
        "id" => "id",
        "edit" => "wijziging",
        "include_journal" => "dagboek",
        "weeks" => "weken",
        "db" => "database",
        other => other,
    }
}

/// A required one-line field: trimmed, not empty, not too long.
pub fn required_line(field: &str, value: &str) -> Result<String> {
    let v = value.trim();
    if v.is_empty() {
        return Err(KoersError::invalid(field, EMPTY));
    }
    line(field, v)
}

/// An optional one-line field: trimmed; empty means absent.
pub fn optional_line(field: &str, value: Option<&str>) -> Result<Option<String>> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => line(field, v).map(Some),
    }
}

fn line(field: &str, v: &str) -> Result<String> {
    if v.chars().count() > MAX_LINE {
        return Err(KoersError::invalid(
            field,
            format!("is langer dan {MAX_LINE} tekens"),
        ));
    }
    if v.chars().any(|c| c.is_control()) {
        return Err(KoersError::invalid(
            field,
            "mag geen regeleinden of stuurtekens bevatten",
        ));
    }
    Ok(v.to_string())
}

/// Free text (notes, agenda): kept as typed apart from trailing white space.
pub fn text(field: &str, value: &str) -> Result<String> {
    let v = value.trim_end();
    if v.chars().count() > MAX_TEXT {
        return Err(KoersError::invalid(
            field,
            format!("is langer dan {MAX_TEXT} tekens"),
        ));
    }
    Ok(v.to_string())
}

/// A calendar day as `YYYY-MM-DD`.
pub fn date(field: &str, value: &str) -> Result<LocalDate> {
    value.trim().parse().map_err(|_| {
        KoersError::invalid(
            field,
            format!(
                "‘{}’ is geen datum; schrijf JJJJ-MM-DD, bijvoorbeeld 2026-11-23",
                value.trim()
            ),
        )
    })
}

pub fn optional_date(field: &str, value: Option<&str>) -> Result<Option<LocalDate>> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => date(field, v).map(Some),
    }
}

/// An instant: RFC 3339, or a local `YYYY-MM-DDTHH:MM` read as Amsterdam time.
pub fn instant(field: &str, value: &str) -> Result<Timestamp> {
    Timestamp::parse_flexible(value).ok_or_else(|| {
        KoersError::invalid(
            field,
            format!(
                "‘{}’ is geen datum met tijd; schrijf JJJJ-MM-DDTUU:MM (Nederlandse tijd), bijvoorbeeld 2026-11-23T14:30",
                value.trim()
            ),
        )
    })
}

/// A web link the employee pasted or shared.
pub fn url(field: &str, value: &str) -> Result<String> {
    let v = value.trim();
    let lower = v.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"))
        .ok_or_else(|| {
            KoersError::invalid(
                field,
                "hoort een weblink te zijn die begint met http:// of https://",
            )
        })?;
    if rest.is_empty() || rest.starts_with('/') || v.chars().any(char::is_whitespace) {
        return Err(KoersError::invalid(
            field,
            format!("‘{v}’ is geen bruikbare weblink"),
        ));
    }
    if v.len() > 2_000 {
        return Err(KoersError::invalid(field, "is langer dan 2000 tekens"));
    }
    Ok(v.to_string())
}

pub fn optional_url(field: &str, value: Option<&str>) -> Result<Option<String>> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => url(field, v).map(Some),
    }
}

/// "‘hmm’ kennen we niet; kies uit: ..." (the words people type on the command line).
fn unknown_word(e: &crate::model::UnknownWord) -> String {
    format!(
        "‘{}’ kennen we niet; kies uit: {}",
        e.word.trim(),
        e.expected.join(", ")
    )
}

macro_rules! word_parser {
    ($fn_name:ident, $opt_name:ident, $ty:ty) => {
        pub fn $fn_name(field: &str, value: &str) -> Result<$ty> {
            value
                .parse::<$ty>()
                .map_err(|e| KoersError::invalid(field, unknown_word(&e)))
        }

        pub fn $opt_name(field: &str, value: Option<&str>) -> Result<Option<$ty>> {
            match value.map(str::trim) {
                None | Some("") => Ok(None),
                Some(v) => $fn_name(field, v).map(Some),
            }
        }
    };
}

word_parser!(status, optional_status, ApplicationStatus);
word_parser!(source, optional_source, Source);
word_parser!(appointment_kind, optional_appointment_kind, AppointmentKind);
word_parser!(
    appointment_status,
    optional_appointment_status,
    AppointmentStatus
);
word_parser!(phase, optional_phase, Phase);
word_parser!(trajectory_kind, optional_trajectory_kind, TrajectoryKind);
word_parser!(actor, optional_actor, Actor);

/// An energy or wellbeing score from 1 to 5.
pub fn energy(field: &str, value: i64) -> Result<u8> {
    match u8::try_from(value) {
        Ok(v @ 1..=5) => Ok(v),
        _ => Err(KoersError::invalid(
            field,
            format!("{value} valt buiten de schaal; kies 1 (heel laag) tot en met 5 (heel goed)"),
        )),
    }
}

/// An amount in euros as people type it ("5000", "5.000", "5000,50", "€ 5.000,-").
pub fn euro_cents(field: &str, value: &str) -> Result<i64> {
    let cleaned: String = value
        .trim()
        .trim_start_matches('€')
        .trim()
        .trim_end_matches(",-")
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let bad = || {
        KoersError::invalid(
            field,
            format!(
                "‘{}’ is geen bedrag in euro, bijvoorbeeld 5000 of 5.000,00",
                value.trim()
            ),
        )
    };
    // Dutch notation: '.' groups thousands, ',' separates cents.
    let (whole, cents) = match cleaned.split_once(',') {
        Some((w, c)) => (w.replace('.', ""), c.to_string()),
        None => (cleaned.replace('.', ""), String::new()),
    };
    if whole.is_empty() || !whole.chars().all(|c| c.is_ascii_digit()) {
        return Err(bad());
    }
    let cents = match cents.len() {
        0 => 0,
        1 | 2 if cents.chars().all(|c| c.is_ascii_digit()) => {
            let c: i64 = cents.parse().map_err(|_| bad())?;
            if cents.len() == 1 {
                c * 10
            } else {
                c
            }
        }
        _ => return Err(bad()),
    };
    let whole: i64 = whole.parse().map_err(|_| bad())?;
    whole
        .checked_mul(100)
        .and_then(|w| w.checked_add(cents))
        .filter(|v| *v <= 10_000_000_000)
        .ok_or_else(bad)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn required_fields_name_the_field() {
        let err = required_line("employer", "   ").unwrap_err();
        assert_eq!(err.to_string(), "werkgever: mag niet leeg zijn");
        assert_eq!(required_line("role", " Planner ").unwrap(), "Planner");
    }

    #[test]
    fn dates_that_do_not_parse_are_refused_with_a_hint() {
        let err = date("date", "23-11-2026").unwrap_err();
        assert!(err.to_string().starts_with("datum: "), "{err}");
        assert!(err.to_string().contains("JJJJ-MM-DD"));
        assert_eq!(optional_date("follow_up", Some("")).unwrap(), None);
    }

    #[test]
    fn links_must_be_web_links() {
        assert!(url("vacancy_url", "https://werk.nl/vacature/1").is_ok());
        assert!(url("vacancy_url", "javascript:alert(1)").is_err());
        assert!(url("vacancy_url", "https://").is_err());
        assert!(url("vacancy_url", "https://a b").is_err());
    }

    #[test]
    fn amounts_read_the_dutch_way() {
        assert_eq!(euro_cents("budget", "5000").unwrap(), 500_000);
        assert_eq!(euro_cents("budget", "€ 5.000,-").unwrap(), 500_000);
        assert_eq!(euro_cents("budget", "5.000,5").unwrap(), 500_050);
        assert!(euro_cents("budget", "vijf").is_err());
        assert!(euro_cents("budget", "-5").is_err());
    }

    #[test]
    fn energy_is_one_to_five() {
        assert_eq!(energy("energy", 3).unwrap(), 3);
        assert!(energy("energy", 0).is_err());
        assert!(energy("energy", 6).is_err());
    }

    #[test]
    fn unknown_status_lists_the_choices() {
        let err = status("status", "hmm").unwrap_err();
        assert!(err.to_string().contains("second_interview"), "{err}");
    }
}
