//! The application log as one printable HTML page in Dutch, for the re-integratieverslag:
//! the trajectory, applications per ISO week against the agreed target, and the log itself.

use std::fmt::Write as _;

use chrono::Duration;

use crate::display::{count, date_numeric, plural};
use crate::model::{Application, DossierDocument, JournalEntry, LocalDate};

/// Print-friendly, self-contained styling: no fonts, images or scripts from elsewhere.
const STYLE: &str = "
body { font-family: system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif;
  color: #111; margin: 2rem auto; max-width: 60rem; padding: 0 1rem; line-height: 1.4; }
h1 { font-size: 1.6rem; margin-bottom: .2rem; }
h2 { font-size: 1.2rem; margin-top: 2rem; border-bottom: 1px solid #999; }
.sub { color: #444; margin-top: 0; }
dl.traject { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; }
dl.traject dt { font-weight: 600; }
dl.traject dd { margin: 0; }
table { border-collapse: collapse; width: 100%; font-size: .9rem; }
th, td { border: 1px solid #bbb; padding: .3rem .4rem; text-align: left; vertical-align: top; }
th { background: #eee; }
td.num { text-align: right; }
.nee { color: #a00; font-weight: 600; }
.ja { color: #060; }
.tekst { white-space: pre-line; }
.link { word-break: break-all; }
ul.historie { margin: 0; padding-left: 1rem; }
footer { margin-top: 2rem; color: #555; font-size: .8rem; }
@page { size: A4; margin: 15mm; }
@media print {
  body { margin: 0; max-width: none; font-size: 10pt; }
  a { color: inherit; text-decoration: none; }
  thead { display: table-header-group; }
  tr, dl.traject { break-inside: avoid; page-break-inside: avoid; }
  h2 { break-after: avoid; page-break-after: avoid; }
  th { background: #eee; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
";

/// The page for the applications dated `from`..=`to`.
///
/// Without `from` the report starts at the trajectory's start (or the first application,
/// if earlier); without `to` it runs to today. The private journal appears only when the
/// employee passes it (`Some`); with `None` nothing of it is in the page.
pub fn applications_html(
    doc: &DossierDocument,
    from: Option<LocalDate>,
    to: Option<LocalDate>,
    journal: Option<&[JournalEntry]>,
) -> String {
    render(doc, from, to, journal, LocalDate::today())
}

/// `applications_html` with "today" given, so tests are deterministic.
fn render(
    doc: &DossierDocument,
    from: Option<LocalDate>,
    to: Option<LocalDate>,
    journal: Option<&[JournalEntry]>,
    today: LocalDate,
) -> String {
    let t = &doc.trajectory;
    let earliest = doc.applications.values().map(|a| a.date).min();
    let from = from.or_else(|| match (t.start_date, earliest) {
        (Some(s), Some(e)) => Some(s.min(e)),
        (s, e) => s.or(e),
    });
    let to = to.unwrap_or(today);
    let in_range = |d: LocalDate| from.is_none_or(|f| d >= f) && d <= to;
    let apps: Vec<&Application> = super::chronological(doc.applications.values())
        .into_iter()
        .filter(|a| in_range(a.date))
        .collect();

    let mut h = String::with_capacity(8 * 1024 + apps.len() * 600);
    h.push_str("<!DOCTYPE html>\n<html lang=\"nl\">\n<head>\n<meta charset=\"utf-8\">\n");
    h.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    // Defence in depth next to the escaping: the page may not load or run anything.
    h.push_str(
        "<meta http-equiv=\"Content-Security-Policy\" \
         content=\"default-src 'none'; style-src 'unsafe-inline'\">\n",
    );
    h.push_str("<title>Sollicitatieactiviteiten – re-integratieverslag</title>\n");
    let _ = write!(h, "<style>{STYLE}</style>\n</head>\n<body>\n");

    // Heading and the trajectory.
    h.push_str("<header>\n<h1>Sollicitatieactiviteiten</h1>\n");
    h.push_str("<p class=\"sub\">Overzicht voor het re-integratieverslag</p>\n");
    h.push_str("<dl class=\"traject\">\n");
    let mut item = |label: &str, value: String| {
        let _ = writeln!(h, "<dt>{label}</dt><dd>{value}</dd>");
    };
    let or_dash = |s: &str| {
        if s.trim().is_empty() {
            "–".to_string()
        } else {
            esc(s.trim())
        }
    };
    let date_or_dash = |d: Option<LocalDate>| d.map(date_numeric).unwrap_or_else(|| "–".into());
    item(
        "Soort traject",
        t.kind
            .map(|k| k.label_nl().to_string())
            .unwrap_or("–".into()),
    );
    item("Re-integratiebureau", or_dash(&t.bureau));
    item("Coach", or_dash(&t.coach));
    item("Start traject", date_or_dash(t.start_date));
    if let Some(d) = t.first_sick_day {
        item("Eerste ziektedag", date_numeric(d));
    }
    if let Some(d) = t.contract_end {
        item("Einde dienstverband", date_numeric(d));
    }
    if let Some(p) = t.phase {
        item("Fase", p.label_nl().to_string());
    }
    item(
        "Afgesproken weekdoel",
        if t.weekly_target == 0 {
            "nog niet afgesproken".to_string()
        } else {
            format!("{} sollicitaties per week", t.weekly_target)
        },
    );
    item(
        "Periode van dit overzicht",
        match from {
            Some(f) => format!("{} t/m {}", date_numeric(f), date_numeric(to)),
            None => format!("t/m {}", date_numeric(to)),
        },
    );
    h.push_str("</dl>\n</header>\n");

    // Per ISO week.
    h.push_str("<section>\n<h2>Sollicitaties per week</h2>\n");
    let weeks = from
        .map(|f| weeks(apps.iter().copied(), f, to, t))
        .unwrap_or_default();
    if weeks.is_empty() {
        h.push_str("<p>Geen weken in deze periode.</p>\n");
    } else {
        h.push_str(
            "<table>\n<thead><tr><th>Week</th><th>Periode</th><th>Sollicitaties</th>\
             <th>Doel</th><th>Doel gehaald</th></tr></thead>\n<tbody>\n",
        );
        for w in &weeks {
            let (target, met) = match w.met {
                None => ("–".to_string(), "–"),
                Some(true) => (w.target.to_string(), "<span class=\"ja\">ja</span>"),
                Some(false) => (w.target.to_string(), "<span class=\"nee\">nee</span>"),
            };
            let _ = writeln!(
                h,
                "<tr><td>{} (week {})</td><td>{} t/m {}</td><td class=\"num\">{}</td>\
                 <td class=\"num\">{target}</td><td>{met}</td></tr>",
                w.label,
                w.week,
                date_numeric(w.first),
                date_numeric(w.last),
                w.count,
            );
        }
        h.push_str("</tbody>\n</table>\n");
        let total: u32 = weeks.iter().map(|w| w.count).sum();
        let _ = write!(
            h,
            "<p>Totaal: {total} {}",
            plural(total as usize, "sollicitatie", "sollicitaties")
        );
        // Only weeks with a target in force count (not those before the start).
        let judged = weeks.iter().filter(|w| w.met.is_some()).count();
        if judged > 0 {
            let met = weeks.iter().filter(|w| w.met == Some(true)).count();
            let _ = write!(
                h,
                "; weekdoel gehaald in {met} van {}",
                count(judged, "week", "weken")
            );
        }
        h.push_str(".</p>\n");
        h.push_str(
            "<p class=\"sub\">Een sollicitatie telt in de week van haar datum; \
             alleen interesse (nog niet gesolliciteerd) telt niet mee.</p>\n",
        );
    }
    h.push_str("</section>\n");

    // The log.
    h.push_str("<section>\n<h2>Sollicitaties</h2>\n");
    if apps.is_empty() {
        h.push_str("<p>Geen sollicitaties in deze periode.</p>\n");
    } else {
        h.push_str(
            "<table>\n<thead><tr><th>Datum</th><th>Werkgever</th><th>Functie</th>\
             <th>Gevonden via</th><th>Plaats</th><th>Contactpersoon</th><th>Status</th>\
             <th>Statusgeschiedenis</th><th>Opvolgen op</th><th>Vacature en notities</th>\
             </tr></thead>\n<tbody>\n",
        );
        for a in &apps {
            write_application(&mut h, a);
        }
        h.push_str("</tbody>\n</table>\n");
    }
    h.push_str("</section>\n");

    if let Some(journal) = journal {
        write_journal(&mut h, journal, &in_range);
    }

    let _ = write!(
        h,
        "<footer>Gemaakt met Koers op {}.</footer>\n</body>\n</html>\n",
        date_numeric(today)
    );
    h
}

fn write_application(h: &mut String, a: &Application) {
    let opt = |o: &Option<String>| o.as_deref().map(esc).unwrap_or_default();
    let history = a
        .history
        .iter()
        .map(|c| format!("<li>{}</li>", super::status_change_text(c, date_numeric)))
        .collect::<String>();
    let mut extra = String::new();
    if let Some(url) = a.vacancy_url.as_deref().filter(|u| !u.trim().is_empty()) {
        let url = url.trim();
        // Only web links become clickable: a `javascript:` link must stay inert text.
        let lower = url.to_ascii_lowercase();
        if lower.starts_with("https://") || lower.starts_with("http://") {
            let _ = write!(
                extra,
                "<div class=\"link\"><a href=\"{0}\" rel=\"noopener noreferrer\">{0}</a></div>",
                esc(url)
            );
        } else {
            let _ = write!(extra, "<div class=\"link\">{}</div>", esc(url));
        }
    }
    if let Some(s) = a.salary.as_deref().filter(|s| !s.trim().is_empty()) {
        let _ = write!(extra, "<div>Salaris: {}</div>", esc(s));
    }
    if !a.notes.trim().is_empty() {
        let _ = write!(extra, "<div class=\"tekst\">{}</div>", esc(a.notes.trim()));
    }
    let _ = writeln!(
        h,
        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>\
         <td><ul class=\"historie\">{history}</ul></td><td>{}</td><td>{extra}</td></tr>",
        date_numeric(a.date),
        esc(&a.employer),
        esc(&a.role),
        a.source.map(|s| s.label_nl()).unwrap_or(""),
        opt(&a.location),
        opt(&a.contact),
        a.status.label_nl(),
        a.follow_up.map(date_numeric).unwrap_or_default(),
    );
}

fn write_journal(h: &mut String, journal: &[JournalEntry], in_range: &dyn Fn(LocalDate) -> bool) {
    let mut entries: Vec<&JournalEntry> = journal.iter().filter(|j| in_range(j.date)).collect();
    entries.sort_by_key(|j| (j.date, j.created_at));
    h.push_str("<section>\n<h2>Dagboek</h2>\n");
    h.push_str("<p class=\"sub\">Op verzoek van de werknemer gedeeld.</p>\n");
    if entries.is_empty() {
        h.push_str("<p>Geen dagboekaantekeningen in deze periode.</p>\n");
    } else {
        h.push_str(
            "<table>\n<thead><tr><th>Datum</th><th>Energie</th><th>Aantekening</th></tr></thead>\n<tbody>\n",
        );
        for j in entries {
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td>{} van 5</td><td class=\"tekst\">{}</td></tr>",
                date_numeric(j.date),
                j.energy.clamp(1, 5),
                esc(j.text.trim())
            );
        }
        h.push_str("</tbody>\n</table>\n");
    }
    h.push_str("</section>\n");
}

/// One ISO week's row of the report.
struct Week {
    /// ISO year and week, e.g. "2026-W02".
    label: String,
    week: u32,
    /// The part of the week inside the report's period.
    first: LocalDate,
    last: LocalDate,
    count: u32,
    target: u32,
    /// `None` where no target was agreed.
    met: Option<bool>,
}

/// Applications per ISO week for every week that overlaps `from`..=`to`, counted by
/// `progress::applications_per_week` (the same count the phone and the bureau show); the
/// first and last weeks are clipped to the period, and only applications inside it count.
fn weeks<'a>(
    apps: impl IntoIterator<Item = &'a Application>,
    from: LocalDate,
    to: LocalDate,
    trajectory: &crate::model::Trajectory,
) -> Vec<Week> {
    if from > to {
        return Vec::new();
    }
    let in_period = apps.into_iter().filter(|a| a.date >= from && a.date <= to);
    crate::progress::applications_per_week(in_period, from, to, trajectory)
        .into_iter()
        .map(|w| {
            let sunday = w.week_start.0 + Duration::days(6);
            Week {
                label: format!("{}-W{:02}", w.iso_year, w.iso_week),
                week: w.iso_week,
                first: LocalDate(w.week_start.0.max(from.0)),
                last: LocalDate(sunday.min(to.0)),
                count: w.applications,
                target: w.target,
                met: (w.target > 0).then_some(w.met),
            }
        })
        .collect()
}

/// Escapes text for HTML element content and quoted attribute values.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::fixtures::*;
    use crate::model::*;

    fn doc(apps: Vec<Application>) -> DossierDocument {
        let mut d = DossierDocument {
            trajectory: Trajectory {
                kind: Some(TrajectoryKind::Spoor2),
                start_date: Some(day("2026-01-05")),
                bureau: "Werkfit & Co".into(),
                coach: "Sanne Bakker".into(),
                phase: Some(Phase::JobHunting),
                weekly_target: 2,
                ..Default::default()
            },
            ..Default::default()
        };
        for a in apps {
            d.applications.insert(a.id.clone(), a);
        }
        d
    }

    #[test]
    fn a_complete_dutch_page_with_trajectory_weeks_and_log() {
        let mut late = app("c", "2026-01-14", "Gemeente Zeist", "Adviseur");
        late.status = ApplicationStatus::Interview;
        late.history.push(StatusChange {
            status: ApplicationStatus::Interview,
            at: ts("2026-01-20T10:00:00Z"),
            by: Actor::Coach,
        });
        let mut interest = app("d", "2026-01-15", "Rabobank", "Analist");
        interest.status = ApplicationStatus::Interest;
        let d = doc(vec![
            app("a", "2026-01-05", "Albert Heijn", "Teamleider"),
            app("b", "2026-01-07", "Bol", "Planner"),
            late,
            interest,
        ]);
        let page = render(&d, None, Some(day("2026-01-18")), None, day("2026-02-01"));
        assert!(page.starts_with("<!DOCTYPE html>\n<html lang=\"nl\">"));
        assert!(page.ends_with("</html>\n"));
        assert!(page.contains("@media print"));
        assert!(!page.contains("src=") && !page.contains("<link") && !page.contains("<script"));
        assert!(page.contains("<dd>Spoor 2</dd>"));
        assert!(page.contains("<dd>Werkfit &amp; Co</dd>"));
        assert!(page.contains("<dd>Sanne Bakker</dd>"));
        assert!(page.contains("<dd>05-01-2026</dd>"));
        assert!(page.contains("<dd>05-01-2026 t/m 18-01-2026</dd>"));
        // Week 2 has two applications (target met), week 3 one that counts (not met).
        assert!(page.contains(
            "<tr><td>2026-W02 (week 2)</td><td>05-01-2026 t/m 11-01-2026</td>\
             <td class=\"num\">2</td><td class=\"num\">2</td><td><span class=\"ja\">ja</span>"
        ));
        assert!(page.contains(
            "<tr><td>2026-W03 (week 3)</td><td>12-01-2026 t/m 18-01-2026</td>\
             <td class=\"num\">1</td><td class=\"num\">2</td><td><span class=\"nee\">nee</span>"
        ));
        assert!(page.contains("Totaal: 3 sollicitaties; weekdoel gehaald in 1 van 2 weken."));
        assert!(page.contains("<li>20-01-2026 Gesprek (coach)</li>"));
        // Log in date order.
        let ah = page.find("Albert Heijn").unwrap();
        let bol = page.find("<td>Bol</td>").unwrap();
        assert!(ah < bol);
        assert!(!page.contains("Dagboek"));
    }

    #[test]
    fn user_text_is_escaped_everywhere() {
        let mut a = app(
            "a",
            "2026-01-06",
            "<script>alert('x')</script>",
            "\"><img src=x>",
        );
        a.notes = "a & b <b>vet</b>".into();
        a.vacancy_url = Some("javascript:alert(1)".into());
        a.location = Some("<i>".into());
        a.contact = Some("O'Brien".into());
        a.salary = Some("<€>".into());
        let mut d = doc(vec![a]);
        d.trajectory.coach = "<b>coach</b>".into();
        let j = [JournalEntry {
            id: "j".into(),
            date: day("2026-01-06"),
            text: "</td><script>x</script>".into(),
            energy: 3,
            created_at: ts("2026-01-06T10:00:00Z"),
            updated_at: ts("2026-01-06T10:00:00Z"),
        }];
        let page = render(
            &d,
            None,
            Some(day("2026-01-10")),
            Some(&j),
            day("2026-01-10"),
        );
        assert!(!page.contains("<script"), "{page}");
        assert!(!page.contains("<img"));
        assert!(!page.contains("<i>"));
        assert!(!page.contains("<b>"));
        assert!(!page.contains("href=\"javascript"));
        assert!(page.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"));
        assert!(page.contains("&quot;&gt;&lt;img src=x&gt;"));
        assert!(page.contains("a &amp; b &lt;b&gt;vet&lt;/b&gt;"));
        assert!(page.contains("O&#39;Brien"));
        assert!(page.contains("&lt;/td&gt;&lt;script&gt;x&lt;/script&gt;"));
    }

    #[test]
    fn web_links_are_clickable() {
        let mut a = app("a", "2026-01-06", "X", "Y");
        a.vacancy_url = Some("https://www.werk.nl/vacature?id=1&x=2".into());
        let page = render(&doc(vec![a]), None, None, None, day("2026-01-10"));
        assert!(page.contains(
            "<a href=\"https://www.werk.nl/vacature?id=1&amp;x=2\" rel=\"noopener noreferrer\">"
        ));
    }

    #[test]
    fn the_journal_only_when_asked_and_within_the_period() {
        let entry = |date: &str, text: &str| JournalEntry {
            id: date.into(),
            date: day(date),
            text: text.into(),
            energy: 2,
            created_at: ts(&format!("{date}T10:00:00Z")),
            updated_at: ts(&format!("{date}T10:00:00Z")),
        };
        let j = [
            entry("2026-01-08", "Moe na het gesprek"),
            entry("2025-12-01", "Van voor de periode"),
        ];
        let d = doc(vec![app("a", "2026-01-06", "X", "Y")]);
        let with = render(
            &d,
            None,
            Some(day("2026-01-31")),
            Some(&j),
            day("2026-02-01"),
        );
        assert!(with.contains("<h2>Dagboek</h2>"));
        assert!(with.contains("Moe na het gesprek"));
        assert!(with.contains("<td>2 van 5</td>"));
        assert!(!with.contains("Van voor de periode"));

        let without = render(&d, None, Some(day("2026-01-31")), None, day("2026-02-01"));
        assert!(!without.contains("Dagboek"));
        assert!(!without.contains("Moe na het gesprek"));
        assert!(!without.to_lowercase().contains("energie"));
    }

    #[test]
    fn the_period_filters_applications_and_clips_weeks() {
        let d = doc(vec![
            app("a", "2026-01-06", "Vroeg BV", "x"),
            app("b", "2026-01-21", "Midden BV", "x"),
            app("c", "2026-02-20", "Laat BV", "x"),
        ]);
        let page = render(
            &d,
            Some(day("2026-01-14")),
            Some(day("2026-01-31")),
            None,
            day("2026-03-01"),
        );
        assert!(page.contains("Midden BV"));
        assert!(!page.contains("Vroeg BV"));
        assert!(!page.contains("Laat BV"));
        // 14 January is a Wednesday: week 3 starts there; 31 January a Saturday.
        assert!(page.contains("<td>14-01-2026 t/m 18-01-2026</td>"));
        assert!(page.contains("<td>26-01-2026 t/m 31-01-2026</td>"));
    }

    #[test]
    fn iso_weeks_across_the_year_end() {
        let apps = [app("a", "2026-01-01", "X", "Y")];
        let w = weeks(
            apps.iter(),
            day("2025-12-29"),
            day("2026-01-04"),
            &Trajectory::default(),
        );
        assert_eq!(w.len(), 1);
        assert_eq!(w[0].label, "2026-W01");
        assert_eq!(w[0].count, 1);
        assert_eq!(w[0].met, None);
        assert!(weeks(
            apps.iter(),
            day("2026-02-01"),
            day("2026-01-01"),
            &Trajectory::default()
        )
        .is_empty());
    }

    #[test]
    fn an_empty_dossier_still_renders() {
        let page = render(
            &DossierDocument::default(),
            None,
            None,
            None,
            day("2026-01-10"),
        );
        assert!(page.contains("Geen sollicitaties in deze periode."));
        assert!(page.contains("<dd>nog niet afgesproken</dd>"));
    }
}
