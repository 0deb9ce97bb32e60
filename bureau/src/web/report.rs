//! The voortgangsrapportage for the employer over a chosen period (usually 6 or 8 weeks), as
//! a bureau sends it: employer, trajectory and phase, the plan's goals, activities,
//! applications per week against the target, appointments held, what was agreed and the
//! next steps, the coach's own summary, and a closing line that it was discussed with the
//! employee with room for both signatures; printed with page numbers (koers.css `@page`).
//! It is built from a short list of fields on purpose: never the employee's notes (on
//! applications or appointments), comments, agendas, locations, the first sick day or
//! anything of the private journal, so no health information reaches the employer.

use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use koers_core::milestones::{milestones, next_milestone};
use koers_core::model::{
    Action, Actor, Application, ApplicationStatus, AppointmentStatus, LocalDate, Timestamp,
};
use koers_core::progress::{applications_per_week, week_start};
use maud::{html, Markup, PreEscaped, DOCTYPE};
use serde::Deserialize;

use super::layout::{self, csrf_field, Nav, Notice};
use super::session::{CoachForm, CoachSession};
use super::{blocking, chart, format, html, pdf, Fields, WebError, WebResult};
use crate::coach_api::{self, DossierView};
use crate::AppState;

/// The longest period one report may cover.
const MAX_DAYS: i64 = 366;

#[derive(Debug, Default, Deserialize)]
pub struct PeriodQuery {
    #[serde(default)]
    van: Option<String>,
    #[serde(default)]
    tot: Option<String>,
    /// "6" or "8": the last so many weeks up to today.
    #[serde(default)]
    weken: Option<String>,
}

/// The longest employer name the report form takes.
const MAX_EMPLOYER: usize = 200;

/// What the report covers and adds.
#[derive(Debug, Clone)]
pub struct ReportInput {
    pub from: LocalDate,
    pub to: LocalDate,
    pub summary: String,
    /// The employer the report is for (the opdrachtgever), as the coach writes it.
    pub employer: String,
    /// The day the coach discussed the report with the employee, when it was.
    pub discussed_on: Option<LocalDate>,
}

impl ReportInput {
    /// A report over a period, with nothing added yet.
    fn over(from: LocalDate, to: LocalDate) -> Self {
        Self {
            from,
            to,
            summary: String::new(),
            employer: String::new(),
            discussed_on: None,
        }
    }
}

/// The last `weeks` whole weeks up to and including this one.
fn last_weeks(weeks: i64) -> (LocalDate, LocalDate) {
    let today = LocalDate::today();
    let from = week_start(today).0 - chrono::Duration::days(7 * (weeks - 1));
    (LocalDate(from), today)
}

fn period(
    from: Option<&str>,
    to: Option<&str>,
    weeks: Option<&str>,
) -> WebResult<(LocalDate, LocalDate)> {
    let (default_from, default_to) = last_weeks(match weeks {
        Some("8") => 8,
        _ => 6,
    });
    let parse = |v: Option<&str>, default: LocalDate, label: &str| -> WebResult<LocalDate> {
        match v.map(str::trim).filter(|v| !v.is_empty()) {
            None => Ok(default),
            Some(v) => v
                .parse()
                .map_err(|_| WebError::Invalid(format!("Vul bij ‘{label}’ een geldige datum in."))),
        }
    };
    let from = parse(from, default_from, "Van")?;
    let to = parse(to, default_to, "Tot en met")?;
    if from > to {
        return Err(WebError::Invalid(
            "De periode moet eindigen na het begin.".into(),
        ));
    }
    if (to.0 - from.0).num_days() > MAX_DAYS {
        return Err(WebError::Invalid(
            "Kies een periode van hoogstens een jaar.".into(),
        ));
    }
    Ok((from, to))
}

pub async fn page(
    State(state): State<AppState>,
    session: CoachSession,
    Path(id): Path<String>,
    Query(q): Query<PeriodQuery>,
) -> Response {
    let (input, notice) = match period(q.van.as_deref(), q.tot.as_deref(), q.weken.as_deref()) {
        Ok((from, to)) => (ReportInput::over(from, to), None),
        Err(e) => {
            let (from, to) = last_weeks(6);
            let notice = match e {
                WebError::Invalid(m) => Some(Notice::Problem(m)),
                _ => None,
            };
            (ReportInput::over(from, to), notice)
        }
    };
    respond(state, session, id, input, notice, false).await
}

pub async fn submit(
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: CoachForm,
) -> Response {
    let CoachForm { session, fields } = form;
    let want_pdf = fields.get("format") == "pdf";
    match read_input(&fields) {
        Ok(input) => respond(state, session, id, input, None, want_pdf).await,
        Err(WebError::Invalid(m)) => {
            let (from, to) = last_weeks(6);
            let input = ReportInput {
                from,
                to,
                summary: fields.get("summary").to_string(),
                employer: fields.get("employer").to_string(),
                discussed_on: None,
            };
            respond(state, session, id, input, Some(Notice::Problem(m)), false).await
        }
        Err(e) => e.into_response(),
    }
}

fn read_input(fields: &Fields) -> WebResult<ReportInput> {
    let (from, to) = period(fields.opt("van"), fields.opt("tot"), None)?;
    let summary = fields.get("summary");
    if summary.chars().count() > 10_000 {
        return Err(WebError::Invalid(
            "De samenvatting is te lang (hoogstens 10.000 tekens).".into(),
        ));
    }
    let employer = fields.get("employer").trim();
    if employer.chars().count() > MAX_EMPLOYER {
        return Err(WebError::Invalid(format!(
            "De naam van de werkgever is te lang (hoogstens {MAX_EMPLOYER} tekens)."
        )));
    }
    let discussed_on = fields.parse_opt("besproken", "Besproken met de werknemer op")?;
    Ok(ReportInput {
        from,
        to,
        summary: summary.to_string(),
        employer: employer.to_string(),
        discussed_on,
    })
}

async fn respond(
    state: AppState,
    session: CoachSession,
    id: String,
    input: ReportInput,
    notice: Option<Notice>,
    want_pdf: bool,
) -> Response {
    let s = session.clone();
    let view =
        match blocking(move || Ok(coach_api::dossier(&state, &s.coach_id, &id, &s.ip)?)).await {
            Ok(v) => v,
            Err(e) => return e.into_response(),
        };
    if want_pdf && pdf::chromium().is_some() {
        let Some(slot) = pdf::try_slot() else {
            let notice = Notice::Problem(
                "Er worden nu al andere rapporten als PDF gemaakt. Probeer het over een halve minuut opnieuw, of gebruik ‘Afdrukken’.".into(),
            );
            let mut busy = html(
                StatusCode::SERVICE_UNAVAILABLE,
                layout::page(
                    "Voortgangsrapportage",
                    &session,
                    Nav::None,
                    render(&view, &session, &input, Some(&notice)),
                ),
            );
            busy.headers_mut()
                .insert(header::RETRY_AFTER, header::HeaderValue::from_static("30"));
            return busy;
        };
        let document = standalone(&view, &session.coach_name, &input);
        let printed =
            tokio::task::spawn_blocking(move || pdf::print(&slot, &document.into_string())).await;
        match printed {
            Ok(Ok(bytes)) => {
                let file = format!("voortgangsrapportage-{}-{}.pdf", slug(&view.name), input.to);
                return (
                    [
                        (header::CONTENT_TYPE, "application/pdf".to_string()),
                        (
                            header::CONTENT_DISPOSITION,
                            format!("attachment; filename=\"{file}\""),
                        ),
                    ],
                    bytes,
                )
                    .into_response();
            }
            Ok(Err(e)) => tracing::warn!(error = %e, "report PDF failed"),
            Err(e) => tracing::warn!(error = %e, "report PDF worker failed"),
        }
        let notice = Notice::Problem(
            "De PDF kon niet worden gemaakt. Gebruik ‘Afdrukken’ en kies ‘Opslaan als PDF’.".into(),
        );
        return html(
            StatusCode::SERVICE_UNAVAILABLE,
            layout::page(
                "Voortgangsrapportage",
                &session,
                Nav::None,
                render(&view, &session, &input, Some(&notice)),
            ),
        );
    }
    html(
        StatusCode::OK,
        layout::page(
            &format!("Voortgangsrapportage {}", view.name),
            &session,
            Nav::None,
            render(&view, &session, &input, notice.as_ref()),
        ),
    )
}

/// A file-name-safe form of a name.
fn slug(name: &str) -> String {
    let s: String = name
        .to_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    s.split('-')
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("-")
}

fn render(
    view: &DossierView,
    session: &CoachSession,
    input: &ReportInput,
    notice: Option<&Notice>,
) -> Markup {
    let base = format!("/coach/werknemers/{}", view.employee_id);
    let has_pdf = pdf::chromium().is_some();
    html! {
        div.no-print {
            nav.crumbs aria-label="Kruimelpad" {
                a href="/coach" { "Caseload" } " / "
                a href=(base) { (view.name) } " / "
                span aria-current="page" { "Voortgangsrapportage" }
            }
            @if let Some(n) = notice { (layout::notice(n)) }
            section.card.report-settings aria-labelledby="h-instellingen" {
                h2 id="h-instellingen" { "Rapport samenstellen" }
                p.muted.small {
                    "Snel kiezen: "
                    a href={(base) "/rapport?weken=6"} { "laatste 6 weken" } " · "
                    a href={(base) "/rapport?weken=8"} { "laatste 8 weken" }
                }
                form.stack method="post" action={(base) "/rapport"} {
                    (csrf_field(session))
                    div.field-pair {
                        div.field {
                            label for="van" { "Van" }
                            input id="van" name="van" type="date" required value=(input.from.to_string());
                        }
                        div.field {
                            label for="tot" { "Tot en met" }
                            input id="tot" name="tot" type="date" required value=(input.to.to_string());
                        }
                    }
                    div.field-pair {
                        div.field {
                            label for="employer" { "Werkgever" }
                            input id="employer" name="employer" type="text" maxlength="200" autocomplete="organization" value=(input.employer);
                        }
                        div.field {
                            label for="besproken" { "Besproken met de werknemer op " span.sub { "(optioneel)" } }
                            input id="besproken" name="besproken" type="date" value=(input.discussed_on.map(|d| d.to_string()).unwrap_or_default());
                        }
                    }
                    div.field {
                        label for="summary" { "Samenvatting van de coach" }
                        p.hint id="summary-hint" { "Komt bovenaan het rapport. Schrijf geen medische gegevens of diagnoses op: de werkgever mag die niet ontvangen." }
                        textarea id="summary" name="summary" rows="5" maxlength="10000" aria-describedby="summary-hint" { (input.summary) }
                    }
                    div.button-row {
                        button.button.button-primary type="submit" name="format" value="html" { "Rapport bijwerken" }
                        @if has_pdf {
                            button.button type="submit" name="format" value="pdf" { "PDF downloaden" }
                        }
                        button.button.js-only type="button" data-print { "Afdrukken" }
                    }
                    @if !has_pdf {
                        p.hint { "PDF: deze server heeft geen Chromium om PDF’s te maken. Kies ‘Afdrukken’ (Ctrl+P) en dan ‘Opslaan als PDF’." }
                    }
                }
            }
        }
        (report(view, &session.coach_name, input))
    }
}

/// The report as a document of its own (inline CSS, nothing external), for printing to PDF.
fn standalone(view: &DossierView, coach_name: &str, input: &ReportInput) -> Markup {
    html! {
        (DOCTYPE)
        html lang="nl" {
            head {
                meta charset="utf-8";
                meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:";
                title { "Voortgangsrapportage " (view.name) }
                style { (PreEscaped(super::CSS)) }
            }
            body.standalone { (report(view, coach_name, input)) }
        }
    }
}

fn in_period(d: LocalDate, input: &ReportInput) -> bool {
    d >= input.from && d <= input.to
}

/// Whether an action was agreed within the period (by the day it was written down).
fn agreed_in(a: &Action, input: &ReportInput) -> bool {
    in_period(a.created_at.local_date(), input)
}

fn owner_label(owner: Actor) -> &'static str {
    match owner {
        Actor::Coach => "coach",
        Actor::Employee => "werknemer",
    }
}

/// One figure of the activity summary: the number big, the noun in the right form.
fn stat(n: usize, one: &str, many: &str) -> Markup {
    html! { li { strong { (n) } " " (format::plural(n, one, many)) } }
}

/// The printable report itself.
pub fn report(view: &DossierView, coach_name: &str, input: &ReportInput) -> Markup {
    let doc = &view.dossier;
    let t = &doc.trajectory;
    let today = LocalDate::today();
    let mut apps: Vec<&Application> = doc
        .applications
        .values()
        .filter(|a| in_period(a.date, input))
        .collect();
    apps.sort_by_key(|a| (a.date, a.created_at));
    let applied = apps.iter().filter(|a| a.status.counts_as_applied()).count();
    let weeks = applications_per_week(doc.applications.values(), input.from, input.to, t);
    let weeks_met = weeks.iter().filter(|w| w.met).count();
    // Weeks before the start or without an agreed target are not judged.
    let weeks_judged: Vec<_> = weeks.iter().filter(|w| w.target > 0).cloned().collect();
    // Interviews and offers reached in the period, from the status history.
    let reached = |statuses: &[ApplicationStatus]| {
        doc.applications
            .values()
            .filter(|a| {
                a.history
                    .iter()
                    .any(|h| statuses.contains(&h.status) && in_period(h.at.local_date(), input))
            })
            .count()
    };
    let interviews = reached(&[
        ApplicationStatus::Interview,
        ApplicationStatus::SecondInterview,
    ]);
    let offers = reached(&[ApplicationStatus::Offer, ApplicationStatus::Hired]);
    let mut held: Vec<_> = doc
        .appointments
        .values()
        .filter(|a| {
            a.status == AppointmentStatus::Done && in_period(a.starts_at.local_date(), input)
        })
        .collect();
    held.sort_by_key(|a| a.starts_at);
    let done_actions = doc
        .actions
        .values()
        .filter(|a| {
            a.done
                && a.done_at
                    .is_some_and(|d: Timestamp| in_period(d.local_date(), input))
        })
        .count();
    let mut agreed: Vec<&Action> = doc
        .actions
        .values()
        .filter(|a| agreed_in(a, input))
        .collect();
    agreed.sort_by_key(|a| a.created_at);
    let mut next_steps: Vec<&Action> = doc.actions.values().filter(|a| !a.done).collect();
    next_steps.sort_by_key(|a| (a.due.is_none(), a.due, a.created_at));
    let next_appointment = doc
        .appointments
        .values()
        .filter(|a| a.status.is_active() && a.starts_at.local_date() >= today)
        .min_by_key(|a| a.starts_at);
    let milestone = next_milestone(&milestones(t, today));
    let bureau = (!t.bureau.is_empty()).then_some(t.bureau.as_str());
    let employer = input.employer.trim();
    html! {
        article.report aria-labelledby="h-rapport" {
            header.report-head {
                p.eyebrow {
                    "Voortgangsrapportage"
                    @if let Some(b) = bureau { " · " (b) }
                }
                h1 id="h-rapport" { (view.name) }
                p.report-period { "Periode " (format::date_long(input.from)) " tot en met " (format::date_long(input.to)) }
                dl.facts.report-facts {
                    dt { "Werknemer" } dd { (view.name) }
                    dt { "Werkgever" } dd { @if employer.is_empty() { "—" } @else { (employer) } }
                    dt { "Traject" } dd { (t.kind.map_or("—", |k| k.label_nl())) }
                    dt { "Huidige fase" } dd { (t.phase.map_or("—", |p| p.label_nl())) }
                    dt { "Gestart" } dd { (t.start_date.map_or_else(|| "—".to_string(), format::date)) }
                    dt { "Weekdoel" } dd {
                        @if t.weekly_target > 0 {
                            (format::count(t.weekly_target as usize, "sollicitatie", "sollicitaties")) " per week"
                        } @else { "niet afgesproken" }
                    }
                    dt { "Coach" } dd { (coach_name) @if let Some(b) = bureau { ", " (b) } }
                    dt { "Opgesteld" } dd { (format::date(today)) }
                }
            }
            @if !input.summary.trim().is_empty() {
                section.report-section aria-labelledby="r-samenvatting" {
                    h2 id="r-samenvatting" { "Samenvatting" }
                    @for para in input.summary.split("\n\n").map(str::trim).filter(|p| !p.is_empty()) {
                        p.summary { (para) }
                    }
                }
            }
            section.report-section aria-labelledby="r-plan" {
                h2 id="r-plan" { "Doel en plan van aanpak" }
                @if t.goals.is_empty() {
                    p { "In het plan van aanpak zijn nog geen doelen vastgelegd." }
                } @else {
                    p { "Afgesproken doelen van het traject:" }
                    ol.goals {
                        @for g in &t.goals { li { (g) } }
                    }
                }
            }
            section.report-section aria-labelledby="r-activiteiten" {
                h2 id="r-activiteiten" { "Activiteiten in deze periode" }
                ul.report-stats {
                    (stat(applied, "sollicitatie", "sollicitaties"))
                    (stat(interviews, "sollicitatiegesprek", "sollicitatiegesprekken"))
                    (stat(offers, "aanbieding", "aanbiedingen"))
                    (stat(held.len(), "gesprek met de coach", "gesprekken met de coach"))
                    (stat(done_actions, "afgeronde actie", "afgeronde acties"))
                    @if !weeks_judged.is_empty() {
                        li {
                            strong { (weeks_met) " van " (weeks_judged.len()) }
                            " " (format::plural(weeks_judged.len(), "week", "weken")) " het weekdoel gehaald"
                        }
                    }
                }
                h3 id="r-afspraken" { "Gehouden afspraken" }
                @if held.is_empty() {
                    p { "Geen gehouden afspraken in deze periode." }
                } @else {
                    ul.plain {
                        @for a in &held {
                            li { (format::datetime(a.starts_at)) " · " (a.kind.label_nl()) }
                        }
                    }
                }
            }
            section.report-section.keep aria-labelledby="r-weken" {
                h2 id="r-weken" { "Sollicitaties per week" }
                (chart::weekly("rw", &weeks, t.weekly_target))
                (chart::weekly_table(&weeks, t.weekly_target))
            }
            section.report-section aria-labelledby="r-sollicitaties" {
                h2 id="r-sollicitaties" { "Sollicitaties" }
                @if apps.is_empty() {
                    p { "Geen sollicitaties in deze periode." }
                } @else {
                    div.table-scroll {
                        table.data {
                            thead { tr {
                                th scope="col" { "Datum" }
                                th scope="col" { "Werkgever" }
                                th scope="col" { "Functie" }
                                th scope="col" { "Stand van zaken" }
                            } }
                            tbody {
                                @for a in &apps {
                                    tr {
                                        td.nowrap { (format::date(a.date)) }
                                        td { (a.employer) }
                                        td { (a.role) }
                                        td { (a.status.label_nl()) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            section.report-section aria-labelledby="r-gemaakt" {
                h2 id="r-gemaakt" { "Gemaakte afspraken" }
                @if agreed.is_empty() {
                    p { "In deze periode zijn geen nieuwe afspraken vastgelegd." }
                } @else {
                    ul.plain.agreements {
                        @for a in &agreed {
                            li {
                                (a.title)
                                span.sub {
                                    " (" (owner_label(a.owner)) ", vastgelegd " (format::date(a.created_at.local_date()))
                                    @if a.done {
                                        ", afgerond"
                                        @if let Some(d) = a.done_at { " " (format::date(d.local_date())) }
                                    } @else if let Some(d) = a.due {
                                        ", uiterlijk " (format::date(d))
                                    }
                                    ")"
                                }
                            }
                        }
                    }
                }
            }
            section.report-section aria-labelledby="r-vervolg" {
                h2 id="r-vervolg" { "Afgesproken vervolgstappen" }
                @if next_steps.is_empty() {
                    p { "Geen openstaande afspraken over vervolgstappen." }
                } @else {
                    ul.plain {
                        @for a in &next_steps {
                            li {
                                (a.title)
                                span.sub {
                                    " (" (owner_label(a.owner))
                                    @if let Some(d) = a.due {
                                        ", uiterlijk " (format::date(d))
                                        @if d < today { ", over tijd" }
                                    }
                                    ")"
                                }
                            }
                        }
                    }
                }
                @if let Some(a) = next_appointment {
                    p { "Volgende afspraak: " (format::datetime(a.starts_at)) " (" (a.kind.label_nl().to_lowercase()) ")." }
                }
                @if let Some(m) = milestone {
                    p { "Volgende mijlpaal in het traject: " (m.title) " (" (format::date(m.date)) ")." }
                }
            }
            // The closing block prints as one: signatures and the last line on one page.
            div.report-close {
            section.report-section.signatures aria-labelledby="r-bespreking" {
                h2 id="r-bespreking" { "Bespreking en ondertekening" }
                p {
                    "Deze rapportage is "
                    @if let Some(d) = input.discussed_on {
                        "op " (format::date_long(d)) " besproken met " (view.name) "."
                    } @else {
                        "besproken met " (view.name) " op " span.blank aria-label="datum in te vullen" {} "."
                    }
                    " De werknemer heeft de inhoud gezien en kan een reactie toevoegen."
                }
                div.sign-grid {
                    (signature("Werknemer", &view.name, input.discussed_on))
                    (signature("Coach", coach_name, input.discussed_on))
                }
            }
            footer.report-foot {
                p { "Dit rapport bevat geen medische gegevens. Het is opgesteld met Koers op basis van het gedeelde re-integratiedossier." }
            }
            }
        }
    }
}

/// A box for one signature: role, name, date and room to sign.
fn signature(role: &str, name: &str, date: Option<LocalDate>) -> Markup {
    html! {
        div.sign {
            p.sign-role { (role) }
            p.sign-name { (name) }
            p.sign-line { "Datum: " @if let Some(d) = date { (format::date(d)) } @else { span.blank {} } }
            p.sign-line.sign-space { "Handtekening:" }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_default_to_whole_weeks_and_are_checked() {
        let (from, to) = period(None, None, None).unwrap();
        assert_eq!(to, LocalDate::today());
        assert_eq!(
            from,
            LocalDate(week_start(to).0 - chrono::Duration::days(35))
        );
        let (from8, _) = period(None, None, Some("8")).unwrap();
        assert_eq!((from.0 - from8.0).num_days(), 14);
        assert!(period(Some("2026-03-01"), Some("2026-02-01"), None).is_err());
        assert!(period(Some("2024-01-01"), Some("2026-02-01"), None).is_err());
        assert!(period(Some("gisteren"), None, None).is_err());
    }

    #[test]
    fn slugs_are_file_safe() {
        assert_eq!(slug("Ahmed El Amrani"), "ahmed-el-amrani");
        assert_eq!(slug("Zoë  de Wit"), "zo-de-wit");
    }
}
