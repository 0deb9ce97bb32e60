//! How results look: Dutch text with aligned tables for people, pretty JSON for scripts.
//!
//! Days are shown the Dutch way with a short weekday ("ma 23 nov 2026"), moments in
//! Europe/Amsterdam time ("ma 23 nov 2026 14:30"); JSON keeps the stored ISO forms.

use koers_core::model::LocalDate;
use koers_core::{KoersError, Result};
use serde::Serialize;

/// The core's Dutch forms under the names the commands use: "ma 23 nov 2026" (`date`),
/// "ma 23 nov 2026 14:30" (`datetime`), "… 14:30–15:30" (`span`) and "€ 5.000,00" (`euro`).
pub use koers_core::display::{date_short as date, datetime, euros as euro, time_range as span};

/// Pretty JSON of `value`, ending in a newline.
pub fn json<T: Serialize>(value: &T) -> Result<String> {
    serde_json::to_string_pretty(value)
        .map(|s| s + "\n")
        .map_err(|e| KoersError::Document {
            message: format!("kon de JSON niet schrijven: {e}"),
        })
}

/// One JSON value on one line (error objects).
pub fn json_line(value: &serde_json::Value) -> String {
    format!("{value}\n")
}

pub fn opt_date(d: Option<LocalDate>) -> String {
    d.map(date).unwrap_or_default()
}

/// `text` on one line, cut to `max` characters with an ellipsis.
pub fn clip(text: &str, max: usize) -> String {
    let one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() <= max {
        one_line
    } else {
        let cut: String = one_line.chars().take(max.saturating_sub(1)).collect();
        format!("{cut}…")
    }
}

/// "label:  value" lines with the values aligned; empty values are left out.
pub fn fields(pairs: &[(&str, String)]) -> String {
    let shown: Vec<&(&str, String)> = pairs.iter().filter(|(_, v)| !v.trim().is_empty()).collect();
    let width = shown
        .iter()
        .map(|(k, _)| k.chars().count())
        .max()
        .unwrap_or(0);
    let mut out = String::new();
    for (label, value) in shown {
        let pad = width - label.chars().count();
        let mut lines = value.lines();
        let first = lines.next().unwrap_or("");
        out.push_str(&format!("  {label}:{} {first}\n", " ".repeat(pad)));
        for more in lines {
            out.push_str(&format!("   {} {more}\n", " ".repeat(width)));
        }
    }
    out
}

/// A text table with a header row and columns padded to their widest cell.
pub struct Table {
    headers: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new(headers: &[&str]) -> Self {
        Self {
            headers: headers.iter().map(|h| h.to_string()).collect(),
            rows: Vec::new(),
        }
    }

    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    pub fn render(&self) -> String {
        let columns = self.headers.len();
        let mut widths: Vec<usize> = self.headers.iter().map(|h| h.chars().count()).collect();
        for row in &self.rows {
            for (i, cell) in row.iter().enumerate().take(columns) {
                widths[i] = widths[i].max(cell.chars().count());
            }
        }
        let mut out = String::new();
        for row in std::iter::once(&self.headers).chain(&self.rows) {
            let mut line = String::new();
            for (i, width) in widths.iter().enumerate() {
                let cell = row.get(i).map(String::as_str).unwrap_or("");
                line.push_str(cell);
                if i + 1 < columns {
                    line.push_str(&" ".repeat(width - cell.chars().count() + 2));
                }
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }
}

/// "1 sollicitatie" / "3 sollicitaties": the core's one rule for Dutch counts.
pub use koers_core::display::count;

#[cfg(test)]
mod tests {
    use super::*;
    use koers_core::model::Timestamp;

    #[test]
    fn days_read_dutch() {
        let d: LocalDate = "2026-11-23".parse().unwrap();
        assert_eq!(date(d), "ma 23 nov 2026");
        let t: Timestamp = "2026-07-15T08:00:00Z".parse().unwrap();
        assert_eq!(datetime(t), "wo 15 jul 2026 10:00");
    }

    #[test]
    fn amounts_read_dutch() {
        assert_eq!(euro(500_000), "€ 5.000,00");
        assert_eq!(euro(123_456_789), "€ 1.234.567,89");
        assert_eq!(euro(5), "€ 0,05");
    }

    #[test]
    fn tables_align_by_characters_not_bytes() {
        let mut t = Table::new(&["Werkgever", "Status"]);
        t.row(vec!["Één".into(), "Gesprek".into()]);
        t.row(vec!["Acme BV".into(), "Aanbod".into()]);
        assert_eq!(
            t.render(),
            "Werkgever  Status\nÉén        Gesprek\nAcme BV    Aanbod\n"
        );
    }

    #[test]
    fn fields_skip_empty_values() {
        let s = fields(&[("Werkgever", "Acme".into()), ("Plaats", String::new())]);
        assert_eq!(s, "  Werkgever: Acme\n");
    }
}
