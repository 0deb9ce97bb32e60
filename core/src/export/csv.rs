//! The application log as CSV (RFC 4180) for a spreadsheet, to attach to the
//! re-integratieverslag.

use crate::error::{KoersError, Result};
use crate::model::Application;

/// Excel reads a CSV file without a byte order mark in the machine's legacy code page
/// (Windows-1252 on Dutch Windows), which garbles "ë", "é" and "€". The UTF-8 BOM makes it
/// read UTF-8; other tools (LibreOffice, Numbers, Python's `utf-8-sig`) accept it.
const UTF8_BOM: &str = "\u{FEFF}";

const HEADERS: [&str; 12] = [
    "Datum",
    "Werkgever",
    "Functie",
    "Gevonden via",
    "Vacaturelink",
    "Plaats",
    "Contactpersoon",
    "Salaris",
    "Status",
    "Opvolgen op",
    "Statusgeschiedenis",
    "Notities",
];

/// The applications as CSV: UTF-8 with a BOM, CRLF line ends, Dutch headers, oldest first.
///
/// Dates are ISO `YYYY-MM-DD`: Excel and LibreOffice recognise it as a date under every
/// locale (dd-mm-jjjj is read as mm-dd in an English Excel), and it sorts correctly even
/// where it stays text. Every cell a person typed is guarded against formula injection.
///
/// The separator is the RFC's comma. A Dutch Excel that opens the file by double-click
/// expects `;` and shows one column; "Gegevens > Uit tekst/CSV" reads it correctly.
pub fn applications_csv(apps: &[Application]) -> Result<String> {
    let mut w = ::csv::WriterBuilder::new()
        .terminator(::csv::Terminator::CRLF)
        .quote_style(::csv::QuoteStyle::Necessary)
        .from_writer(Vec::new());
    w.write_record(HEADERS).map_err(csv_error)?;

    for a in super::chronological(apps) {
        let history = a
            .history
            .iter()
            .map(|c| super::status_change_text(c, |d| d.to_string()))
            .collect::<Vec<_>>()
            .join("; ");
        let opt = |o: &Option<String>| o.as_deref().map(safe_cell).unwrap_or_default();
        w.write_record([
            a.date.to_string(),
            safe_cell(&a.employer),
            safe_cell(&a.role),
            a.source
                .map(|s| s.label_nl().to_string())
                .unwrap_or_default(),
            opt(&a.vacancy_url),
            opt(&a.location),
            opt(&a.contact),
            opt(&a.salary),
            a.status.label_nl().to_string(),
            a.follow_up.map(|d| d.to_string()).unwrap_or_default(),
            history,
            safe_cell(&a.notes),
        ])
        .map_err(csv_error)?;
    }

    let bytes = w
        .into_inner()
        .map_err(|e| csv_error(e.into_error().into()))?;
    let body = String::from_utf8(bytes).map_err(|e| KoersError::Io {
        path: "CSV".into(),
        message: e.to_string(),
    })?;
    Ok(format!("{UTF8_BOM}{body}"))
}

/// A cell that a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, or a tab or carriage
/// return before one) gets a leading apostrophe, so that a pasted vacancy text such as
/// `=HYPERLINK("http://evil", "klik")` stays text (OWASP "CSV injection"). The apostrophe is
/// the marker Excel itself uses for "this is text".
fn safe_cell(s: &str) -> String {
    match s.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{s}"),
        _ => s.to_string(),
    }
}

fn csv_error(e: ::csv::Error) -> KoersError {
    KoersError::Io {
        path: "CSV".into(),
        message: e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::fixtures::*;
    use crate::model::*;

    fn parse(csv_text: &str) -> Vec<Vec<String>> {
        let body = csv_text.strip_prefix(UTF8_BOM).expect("BOM first");
        ::csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(body.as_bytes())
            .records()
            .map(|r| r.unwrap().iter().map(String::from).collect())
            .collect()
    }

    #[test]
    fn headers_bom_and_crlf() {
        let out = applications_csv(&[]).unwrap();
        assert!(out.starts_with('\u{FEFF}'));
        assert_eq!(
            out,
            "\u{FEFF}Datum,Werkgever,Functie,Gevonden via,Vacaturelink,Plaats,Contactpersoon,\
             Salaris,Status,Opvolgen op,Statusgeschiedenis,Notities\r\n"
        );
    }

    #[test]
    fn a_full_row_reads_back_with_dutch_labels_and_iso_dates() {
        let mut a = app("a1", "2026-01-12", "Gemeente Utrecht", "Beleidsmedewerker");
        a.vacancy_url = Some("https://werkenbij.utrecht.nl/vacature/123".into());
        a.location = Some("Utrecht".into());
        a.contact = Some("Eline de Vries".into());
        a.salary = Some("€ 3.200 – € 3.900 per maand".into());
        a.source = Some(Source::Network);
        a.status = ApplicationStatus::Interview;
        a.follow_up = Some(day("2026-01-20"));
        a.history.push(StatusChange {
            status: ApplicationStatus::Interview,
            at: ts("2026-01-15T23:30:00Z"), // 16 January in Amsterdam
            by: Actor::Coach,
        });
        a.notes = "Gesprek met \"afdelingshoofd\", daarna\nassessment; café om de hoek".into();
        let rows = parse(&applications_csv(&[a]).unwrap());
        assert_eq!(rows.len(), 2);
        let r = &rows[1];
        assert_eq!(r[0], "2026-01-12");
        assert_eq!(r[1], "Gemeente Utrecht");
        assert_eq!(r[3], "Netwerk");
        assert_eq!(r[7], "€ 3.200 – € 3.900 per maand");
        assert_eq!(r[8], "Gesprek");
        assert_eq!(r[9], "2026-01-20");
        assert_eq!(
            r[10],
            "2026-01-12 Gesolliciteerd; 2026-01-16 Gesprek (coach)"
        );
        assert_eq!(
            r[11],
            "Gesprek met \"afdelingshoofd\", daarna\nassessment; café om de hoek"
        );
    }

    #[test]
    fn commas_quotes_and_newlines_are_quoted() {
        let a = app(
            "a1",
            "2026-01-12",
            "Jansen, Pietersen & \"Zn\"",
            "Monteur\r\nbuiten",
        );
        let out = applications_csv(&[a]).unwrap();
        assert!(out.contains(",\"Jansen, Pietersen & \"\"Zn\"\"\",\"Monteur\r\nbuiten\","));
        let rows = parse(&out);
        assert_eq!(rows[1][1], "Jansen, Pietersen & \"Zn\"");
        assert_eq!(rows[1][2], "Monteur\r\nbuiten");
    }

    #[test]
    fn formula_like_cells_are_neutralised() {
        let mut a = app(
            "a1",
            "2026-01-12",
            "=HYPERLINK(\"http://x\")",
            "+31 functie",
        );
        a.notes = "@SUM(A1)".into();
        a.contact = Some("-2+3".into());
        a.location = Some("\t=1".into());
        let rows = parse(&applications_csv(&[a]).unwrap());
        let r = &rows[1];
        assert_eq!(r[1], "'=HYPERLINK(\"http://x\")");
        assert_eq!(r[2], "'+31 functie");
        assert_eq!(r[5], "'\t=1");
        assert_eq!(r[6], "'-2+3");
        assert_eq!(r[11], "'@SUM(A1)");
        // Ordinary text is left alone.
        assert_eq!(safe_cell("Albert Heijn"), "Albert Heijn");
        assert_eq!(safe_cell(""), "");
    }

    #[test]
    fn rows_are_in_date_order() {
        let apps = [
            app("b", "2026-02-01", "Later BV", "x"),
            app("a", "2026-01-01", "Eerder BV", "y"),
        ];
        let rows = parse(&applications_csv(&apps).unwrap());
        assert_eq!(rows[1][1], "Eerder BV");
        assert_eq!(rows[2][1], "Later BV");
    }
}
