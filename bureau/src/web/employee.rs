//! One employee's dossier as the coach sees it: trajectory and milestones on a timeline,
//! progress charts, appointments, actions and the application log with status history;
//! and the coach's edits (appointments, actions, comments, weekly target, phase), each
//! through `coach_api` into the same Automerge document the phone syncs; and the employee's
//! phones (revoke a lost one) and the hand-over to another coach.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use koers_core::milestones::{milestones, MilestoneState};
use koers_core::model::{
    Actor, Application, ApplicationStatus, Appointment, AppointmentKind, AppointmentStatus,
    LocalDate, Phase, Timestamp,
};
use koers_core::overview::today_overview;
use koers_core::progress::weekly_progress;
use maud::{html, Markup};
use serde::Deserialize;

use super::layout::{self, badge, csrf_field, Nav, Notice};
use super::session::{CoachForm, CoachSession};
use super::{blocking, chart, format, html, Fields, WebError, WebResult};
use crate::coach_api::{
    self, AppointmentChange, DossierView, NewAction, NewAppointment, NewComment,
};
use crate::{now_ms, AppState};

/// Weeks shown in the weekly chart.
const CHART_WEEKS: u32 = 12;

#[derive(Debug, Default, Deserialize)]
pub struct Done {
    #[serde(default)]
    ok: Option<String>,
}

/// The confirmation after a successful edit, by a fixed key (never text from the URL).
fn done_message(key: &str) -> Option<&'static str> {
    Some(match key {
        "afspraak" => "Afspraak voorgesteld. De werknemer ziet hem na de volgende synchronisatie.",
        "verplaatst" => "Afspraak verplaatst.",
        "geannuleerd" => "Afspraak geannuleerd.",
        "gehouden" => "Afspraak gemarkeerd als gehouden.",
        "actie" => "Actie toegevoegd.",
        "opmerking" => "Opmerking geplaatst.",
        "weekdoel" => "Weekdoel opgeslagen.",
        "fase" => "Fase gewijzigd.",
        "bevestigd" => "Afspraak bevestigd.",
        "afgevinkt" => "Actie afgevinkt.",
        "heropend" => "Actie weer open gezet.",
        "actie-verwijderd" => "Actie verwijderd.",
        "actie-gewijzigd" => "Actie gewijzigd.",
        "notitie" => "Notitie geplaatst.",
        "gegevens" => "Trajectgegevens opgeslagen.",
        "afgesloten" => "Traject afgesloten. Het dossier is nu alleen nog te lezen.",
        "ingetrokken" => "Telefoon ingetrokken. Hij kan niet meer synchroniseren.",
        _ => return None,
    })
}

pub async fn page(
    State(state): State<AppState>,
    session: CoachSession,
    Path(id): Path<String>,
    Query(done): Query<Done>,
) -> Response {
    let notice = done
        .ok
        .as_deref()
        .and_then(done_message)
        .map(|m| Notice::Done(m.to_string()));
    respond(state, session, id, notice, StatusCode::OK, None).await
}

/// What the coach typed into an action's edit form, shown again (the form open) when it
/// was refused, so they can correct it instead of typing it anew.
#[derive(Debug, Clone)]
struct ActionDraft {
    action_id: String,
    title: String,
    due: String,
}

async fn respond(
    state: AppState,
    session: CoachSession,
    id: String,
    notice: Option<Notice>,
    status: StatusCode,
    draft: Option<ActionDraft>,
) -> Response {
    let s = session.clone();
    let view = blocking(move || Ok(coach_api::dossier(&state, &s.coach_id, &id, &s.ip)?)).await;
    match view {
        Ok(view) => html(
            status,
            layout::page(
                &view.name,
                &session,
                Nav::None,
                render(&view, &session, notice.as_ref(), draft.as_ref()),
            ),
        ),
        Err(e) => e.into_response(),
    }
}

/// Runs a coach edit; on success back to the page (303, so a reload does not repeat it),
/// on unusable input the page again with the reason.
async fn edit(
    state: AppState,
    id: String,
    form: CoachForm,
    done: &'static str,
    anchor: &'static str,
    f: impl FnOnce(&AppState, &CoachSession, &str, &Fields) -> WebResult<()> + Send + 'static,
) -> Response {
    edit_keeping(state, id, form, done, anchor, None, f).await
}

/// [`edit`], showing `draft` again in its form when the edit is refused.
async fn edit_keeping(
    state: AppState,
    id: String,
    form: CoachForm,
    done: &'static str,
    anchor: &'static str,
    draft: Option<ActionDraft>,
    f: impl FnOnce(&AppState, &CoachSession, &str, &Fields) -> WebResult<()> + Send + 'static,
) -> Response {
    let CoachForm { session, fields } = form;
    let (st, s, i) = (state.clone(), session.clone(), id.clone());
    match blocking(move || f(&st, &s, &i, &fields)).await {
        Err(WebError::Refused(message)) => {
            respond(
                state,
                session,
                id,
                Some(Notice::Problem(message)),
                StatusCode::FORBIDDEN,
                draft,
            )
            .await
        }
        Ok(()) => {
            Redirect::to(&format!("/coach/werknemers/{id}?ok={done}#{anchor}")).into_response()
        }
        Err(WebError::Invalid(message)) => {
            respond(
                state,
                session,
                id,
                Some(Notice::Problem(message)),
                StatusCode::UNPROCESSABLE_ENTITY,
                draft,
            )
            .await
        }
        Err(e) => e.into_response(),
    }
}

/// A start and end from the form's date, time and duration (minutes), read in Amsterdam time.
fn when(fields: &Fields) -> WebResult<(Timestamp, Timestamp)> {
    let date = fields.get("date");
    let time = fields.get("time");
    let start = Timestamp::parse_flexible(&format!("{date}T{time}"))
        .ok_or_else(|| WebError::Invalid("Vul een geldige datum en begintijd in.".into()))?;
    let minutes: i64 = fields.parse("duration", "Duur")?;
    if !(5..=600).contains(&minutes) {
        return Err(WebError::Invalid(
            "Kies een duur tussen 5 minuten en 10 uur.".into(),
        ));
    }
    Ok((
        start,
        Timestamp(start.0 + chrono::Duration::minutes(minutes)),
    ))
}

pub async fn schedule(
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: CoachForm,
) -> Response {
    edit(state, id, form, "afspraak", "afspraken", |st, s, id, f| {
        let (starts_at, ends_at) = when(f)?;
        let kind: AppointmentKind = f.parse("kind", "Soort")?;
        coach_api::schedule_appointment(
            st,
            &s.coach_id,
            id,
            &s.ip,
            &NewAppointment {
                starts_at,
                ends_at,
                kind,
                location: f.get("location").to_string(),
                agenda: f.get("agenda").to_string(),
            },
        )?;
        Ok(())
    })
    .await
}

pub async fn change_appointment(
    State(state): State<AppState>,
    Path((id, appointment)): Path<(String, String)>,
    form: CoachForm,
) -> Response {
    let op = form.fields.get("op").to_string();
    let done = match op.as_str() {
        "annuleren" => "geannuleerd",
        "gehouden" => "gehouden",
        "bevestigen" => "bevestigd",
        _ => "verplaatst",
    };
    edit(state, id, form, done, "afspraken", move |st, s, id, f| {
        let change = match op.as_str() {
            "annuleren" => AppointmentChange {
                status: Some(AppointmentStatus::Cancelled),
                ..Default::default()
            },
            "gehouden" => AppointmentChange {
                status: Some(AppointmentStatus::Done),
                ..Default::default()
            },
            "bevestigen" => AppointmentChange {
                status: Some(AppointmentStatus::Confirmed),
                ..Default::default()
            },
            "verplaatsen" => {
                let (starts_at, ends_at) = when(f)?;
                AppointmentChange {
                    // Moved, it is the coach's new proposal (`ops::update_appointment`).
                    starts_at: Some(starts_at),
                    ends_at: Some(ends_at),
                    ..Default::default()
                }
            }
            _ => return Err(WebError::Invalid("Onbekende wijziging.".into())),
        };
        coach_api::change_appointment(st, &s.coach_id, id, &s.ip, &appointment, &change)?;
        Ok(())
    })
    .await
}

pub async fn add_action(
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: CoachForm,
) -> Response {
    edit(state, id, form, "actie", "acties", |st, s, id, f| {
        let owner = match f.get("owner") {
            "coach" => Actor::Coach,
            _ => Actor::Employee,
        };
        coach_api::add_action(
            st,
            &s.coach_id,
            id,
            &s.ip,
            &NewAction {
                title: f.get("title").to_string(),
                due: f.parse_opt::<LocalDate>("due", "Uiterlijk")?,
                owner: Some(owner),
                appointment_id: None,
            },
        )?;
        Ok(())
    })
    .await
}

pub async fn add_comment(
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: CoachForm,
) -> Response {
    edit(
        state,
        id,
        form,
        "opmerking",
        "sollicitaties",
        |st, s, id, f| {
            coach_api::add_comment(
                st,
                &s.coach_id,
                id,
                &s.ip,
                &NewComment {
                    application_id: f.opt("application_id").map(str::to_string),
                    text: f.get("text").to_string(),
                },
            )?;
            Ok(())
        },
    )
    .await
}

pub async fn weekly_target(
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: CoachForm,
) -> Response {
    edit(state, id, form, "weekdoel", "traject", |st, s, id, f| {
        let target: u32 = f.parse("weekly_target", "Weekdoel")?;
        coach_api::set_weekly_target(st, &s.coach_id, id, &s.ip, target)?;
        Ok(())
    })
    .await
}

pub async fn phase(
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: CoachForm,
) -> Response {
    edit(state, id, form, "fase", "traject", |st, s, id, f| {
        let phase: Phase = f.parse("phase", "Fase")?;
        coach_api::set_phase(st, &s.coach_id, id, &s.ip, phase)?;
        Ok(())
    })
    .await
}

/// Ticks an action off, opens it again, edits its title and due date, or deletes it (`op`).
/// An edit goes through the core's `ops::edit_action`, like the JSON API's; one it refuses
/// (an empty or too long title, a date that is none) shows the form again with the reason.
pub async fn change_action(
    State(state): State<AppState>,
    Path((id, action)): Path<(String, String)>,
    form: CoachForm,
) -> Response {
    let op = form.fields.get("op").to_string();
    let done = match op.as_str() {
        "afvinken" => "afgevinkt",
        "heropenen" => "heropend",
        "wijzigen" => "actie-gewijzigd",
        _ => "actie-verwijderd",
    };
    let draft = (op == "wijzigen").then(|| ActionDraft {
        action_id: action.clone(),
        title: form.fields.get("title").to_string(),
        due: form.fields.get("due").to_string(),
    });
    edit_keeping(
        state,
        id,
        form,
        done,
        "acties",
        draft,
        move |st, s, id, f| {
            match op.as_str() {
                "afvinken" | "heropenen" => {
                    let change = coach_api::ActionChange {
                        done: Some(op == "afvinken"),
                        ..Default::default()
                    };
                    coach_api::change_action(st, &s.coach_id, id, &s.ip, &action, &change)?;
                }
                "wijzigen" => {
                    let due = koers_core::input::optional_date("due", f.opt("due"))
                        .map_err(coach_api::refusal)?;
                    let change = coach_api::ActionChange {
                        title: Some(f.get("title").to_string()),
                        due: Some(due),
                        done: None,
                    };
                    coach_api::change_action(st, &s.coach_id, id, &s.ip, &action, &change)?;
                }
                "verwijderen" => coach_api::delete_action(st, &s.coach_id, id, &s.ip, &action)?,
                _ => return Err(WebError::Invalid("Onbekende wijziging.".into())),
            }
            Ok(())
        },
    )
    .await
}

/// A general note in the dossier (not about one application).
pub async fn add_note(
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: CoachForm,
) -> Response {
    edit(state, id, form, "notitie", "notities", |st, s, id, f| {
        coach_api::add_comment(
            st,
            &s.coach_id,
            id,
            &s.ip,
            &NewComment {
                application_id: None,
                text: f.get("text").to_string(),
            },
        )?;
        Ok(())
    })
    .await
}

/// The trajectory's master data: dates, goals (one per line), employer and contact.
pub async fn master_data(
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: CoachForm,
) -> Response {
    edit(state, id, form, "gegevens", "traject", |st, s, id, f| {
        let change = coach_api::TrajectoryChange {
            first_sick_day: Some(f.parse_opt::<LocalDate>("first_sick_day", "Eerste ziektedag")?),
            contract_end: Some(f.parse_opt::<LocalDate>("contract_end", "Einde contract")?),
            start_date: Some(f.parse_opt::<LocalDate>("start_date", "Start traject")?),
            goals: Some(f.get("goals").lines().map(str::to_string).collect()),
            employer: Some(f.get("employer").to_string()),
            employer_contact: Some(f.get("employer_contact").to_string()),
            ..Default::default()
        };
        coach_api::edit_trajectory(st, &s.coach_id, id, &s.ip, (&change).into())?;
        Ok(())
    })
    .await
}

/// Closes (archives) the trajectory with the reason.
pub async fn close(
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: CoachForm,
) -> Response {
    edit(state, id, form, "afgesloten", "traject", |st, s, id, f| {
        coach_api::close_trajectory(st, &s.coach_id, id, &s.ip, f.get("reason"))?;
        Ok(())
    })
    .await
}

/// Revokes one of the employee's phones (lost or replaced): it cannot sync any more.
pub async fn revoke_device(
    State(state): State<AppState>,
    Path((id, device)): Path<(String, String)>,
    form: CoachForm,
) -> Response {
    edit(
        state,
        id,
        form,
        "ingetrokken",
        "telefoons",
        move |st, s, id, _| {
            coach_api::revoke_device(st, &s.coach_id, id, &s.ip, &device)?;
            Ok(())
        },
    )
    .await
}

/// Hands the employee over to another coach of the bureau (by e-mail address). The dossier
/// is not this coach's any more afterwards, so back to the caseload.
pub async fn hand_over(
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: CoachForm,
) -> Response {
    let CoachForm { session, fields } = form;
    let (st, s, i) = (state.clone(), session.clone(), id.clone());
    let done = blocking(move || {
        coach_api::hand_over(&st, &s.coach_id, &i, &s.ip, fields.get("to"))?;
        Ok(())
    })
    .await;
    match done {
        Ok(()) => Redirect::to("/coach").into_response(),
        Err(WebError::Invalid(message)) => {
            respond(
                state,
                session,
                id,
                Some(Notice::Problem(message)),
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
            )
            .await
        }
        Err(WebError::Refused(message)) => {
            respond(
                state,
                session,
                id,
                Some(Notice::Problem(message)),
                StatusCode::FORBIDDEN,
                None,
            )
            .await
        }
        Err(e) => e.into_response(),
    }
}

// ---- rendering ----

pub fn status_tone(s: ApplicationStatus) -> &'static str {
    match s {
        ApplicationStatus::Interest | ApplicationStatus::Withdrawn => "muted",
        ApplicationStatus::Applied => "info",
        ApplicationStatus::Interview
        | ApplicationStatus::SecondInterview
        | ApplicationStatus::Offer => "accent",
        ApplicationStatus::Hired => "ok",
        ApplicationStatus::Rejected => "bad",
    }
}

fn appointment_tone(s: AppointmentStatus) -> &'static str {
    match s {
        AppointmentStatus::Proposed => "info",
        AppointmentStatus::Confirmed => "ok",
        AppointmentStatus::Cancelled => "muted",
        AppointmentStatus::Done => "muted",
    }
}

fn render(
    view: &DossierView,
    session: &CoachSession,
    notice: Option<&Notice>,
    draft: Option<&ActionDraft>,
) -> Markup {
    let doc = &view.dossier;
    let t = &doc.trajectory;
    let now = Timestamp::now();
    let today = now.local_date();
    let overview = today_overview(doc, now);
    let progress = weekly_progress(doc, today, CHART_WEEKS);
    let base = format!("/coach/werknemers/{}", view.employee_id);
    let last_sync = view.devices.iter().filter_map(|d| d.last_seen_at).max();
    let active_devices = view.devices.iter().filter(|d| !d.revoked).count();
    html! {
        nav.crumbs aria-label="Kruimelpad" { a href="/coach" { "Caseload" } " / " span aria-current="page" { (view.name) } }
        div.page-head {
            div {
                h1 { (view.name) }
                p.muted {
                    (t.kind.map_or("Traject", |k| k.label_nl()))
                    " · fase " strong { (t.phase.map_or("onbekend", |p| p.label_nl())) }
                    @if let Some(s) = t.start_date { " · gestart " (format::date(s)) }
                }
                p.sync-line {
                    @match last_sync {
                        Some(ms) => { "Laatst gesynchroniseerd " (format::ago(ms, now_ms())) " (" (format::millis(ms)) ")" }
                        None => @if active_devices == 0 { "Nog geen telefoon gekoppeld." } @else { "Telefoon gekoppeld, nog niet gesynchroniseerd." }
                    }
                }
            }
            div.head-actions {
                a.button.button-primary href={(base) "/rapport"} { "Voortgangsrapportage" }
                form method="post" action={(base) "/koppelcode"} {
                    (csrf_field(session))
                    button.button type="submit" { "Nieuwe koppelcode" }
                }
            }
        }
        @if let Some(n) = notice { (layout::notice(n)) }

        section.stats aria-label="Kerncijfers" {
            div.stat {
                p.stat-label { "Deze week" }
                p.stat-value { (progress.this_week.applications) @if progress.target > 0 { span.stat-of { " / " (progress.target) } } }
                p.stat-sub { @if progress.target == 0 { "geen weekdoel" } @else if progress.this_week.met { "doel gehaald" } @else { "sollicitaties" } }
            }
            div.stat {
                p.stat-label { "Weken op doel op rij" }
                p.stat-value { (progress.current_streak) }
                p.stat-sub { "reeks" }
            }
            div.stat {
                p.stat-label { "Sollicitaties totaal" }
                p.stat-value { (progress.total) }
                p.stat-sub { (overview.follow_ups_due.len()) " op te volgen" }
            }
            div.stat {
                p.stat-label { "Volgende mijlpaal" }
                @if let Some(m) = &overview.next_milestone {
                    p.stat-value.stat-text { (format::date(m.date)) }
                    p.stat-sub { (m.title) }
                } @else { p.stat-value.stat-text { "—" } }
            }
        }

        div.columns {
            div.col-main {
                section.card id="voortgang" aria-labelledby="h-voortgang" {
                    h2 id="h-voortgang" { "Sollicitaties per week" }
                    p.muted.small { "Laatste " (CHART_WEEKS) " weken; telt sollicitaties vanaf de status ‘gesolliciteerd’." }
                    (chart::weekly("wk", &progress.weeks, progress.target))
                    details.table-toggle {
                        summary { "Toon als tabel" }
                        (chart::weekly_table(&progress.weeks, progress.target))
                    }
                }
                section.card aria-labelledby="h-funnel" {
                    h2 id="h-funnel" { "Waar staan de sollicitaties?" }
                    (chart::funnel("fn", &progress.funnel))
                    details.table-toggle {
                        summary { "Toon als tabel" }
                        (chart::funnel_table(&progress.funnel))
                    }
                }
                (applications(view, session, &base))
            }
            div.col-side {
                (trajectory(view, session, &base, today))
                (appointments(view, session, &base, now))
                (actions(view, session, &base, draft))
                (phones(view, session, &base))
            }
        }
    }
}

fn trajectory(view: &DossierView, session: &CoachSession, base: &str, today: LocalDate) -> Markup {
    let t = &view.dossier.trajectory;
    let list = milestones(t, today);
    let first_open = list.iter().position(|m| m.state != MilestoneState::Past);
    html! {
        section.card id="traject" aria-labelledby="h-traject" {
            h2 id="h-traject" { "Traject" }
            dl.facts {
                dt { "Soort" } dd { (t.kind.map_or("—", |k| k.label_nl())) }
                @if let Some(d) = t.first_sick_day { dt { "Eerste ziektedag" } dd { (format::date(d)) } }
                @if let Some(d) = t.contract_end { dt { "Einde contract" } dd { (format::date(d)) } }
                @if !t.coach.is_empty() { dt { "Coach" } dd { (t.coach) } }
                @if !t.goals.is_empty() {
                    dt { "Doelen" }
                    dd { ul.plain { @for g in &t.goals { li { (g) } } } }
                }
            }
            div.inline-forms {
                form method="post" action={(base) "/fase"} {
                    (csrf_field(session))
                    div.field {
                        label for="phase" { "Fase" }
                        div.field-row {
                            select id="phase" name="phase" {
                                @for p in Phase::ALL {
                                    option value=(p.as_str()) selected[t.phase == Some(*p)] { (p.label_nl()) }
                                }
                            }
                            button.button type="submit" { "Opslaan" }
                        }
                    }
                }
                form method="post" action={(base) "/weekdoel"} {
                    (csrf_field(session))
                    div.field {
                        label for="weekly_target" { "Weekdoel (sollicitaties)" }
                        div.field-row {
                            input id="weekly_target" name="weekly_target" type="number" min="0" max="50"
                                inputmode="numeric" required value=(t.weekly_target);
                            button.button type="submit" { "Opslaan" }
                        }
                    }
                }
            }
            details.add {
                summary.button { "Gegevens wijzigen" }
                form.stack method="post" action={(base) "/gegevens"} {
                    (csrf_field(session))
                    div.field-pair {
                        div.field {
                            label for="start_date" { "Start traject" }
                            input id="start_date" name="start_date" type="date" value=(t.start_date.map(|d| d.to_string()).unwrap_or_default());
                        }
                        div.field {
                            label for="first_sick_day" { "Eerste ziektedag" }
                            input id="first_sick_day" name="first_sick_day" type="date" value=(t.first_sick_day.map(|d| d.to_string()).unwrap_or_default());
                        }
                    }
                    div.field {
                        label for="contract_end" { "Einde contract" }
                        input id="contract_end" name="contract_end" type="date" value=(t.contract_end.map(|d| d.to_string()).unwrap_or_default());
                    }
                    div.field {
                        label for="goals" { "Doelen (één per regel)" }
                        textarea id="goals" name="goals" rows="3" { (t.goals.join("\n")) }
                    }
                    div.field-pair {
                        div.field {
                            label for="employer" { "Werkgever" }
                            input id="employer" name="employer" type="text" maxlength="300" value=(t.employer);
                        }
                        div.field {
                            label for="employer_contact" { "Contactpersoon werkgever" }
                            input id="employer_contact" name="employer_contact" type="text" maxlength="300" value=(t.employer_contact);
                        }
                    }
                    button.button.button-primary type="submit" { "Opslaan" }
                }
            }
            details.add {
                summary.button { "Overdragen aan een andere coach" }
                form.stack method="post" action={(base) "/overdragen"} {
                    (csrf_field(session))
                    div.field {
                        label for="hand-over-to" { "E-mailadres van de nieuwe coach" }
                        input id="hand-over-to" name="to" type="email" required maxlength="320" autocomplete="off";
                    }
                    p.sub { "Daarna ziet alleen de nieuwe coach dit dossier." }
                    button.button type="submit" { "Overdragen" }
                }
            }
            details.add {
                summary.button.button-danger { "Traject afsluiten" }
                form.stack method="post" action={(base) "/afsluiten"} {
                    (csrf_field(session))
                    div.field {
                        label for="close-reason" { "Reden" }
                        input id="close-reason" name="reason" type="text" required maxlength="300";
                    }
                    p.sub { "Daarna is het dossier alleen nog te lezen en staat het niet meer in de caseload." }
                    button.button.button-danger type="submit" { "Afsluiten" }
                }
            }
            h3 { "Mijlpalen" }
            @if list.is_empty() {
                p.muted { "Geen mijlpalen: vul de data van het traject in." }
            } @else {
                // What lies behind is folded away, except the last step, so "today" and what
                // comes next are in view.
                @let split = first_open.unwrap_or(list.len()).saturating_sub(1);
                @if split > 0 {
                    details.earlier {
                        summary { "Eerdere mijlpalen (" (split) ")" }
                        ol.timeline {
                            @for m in &list[..split] { (milestone_item(m)) }
                        }
                    }
                }
                ol.timeline {
                    @for (i, m) in list.iter().enumerate().skip(split) {
                        @if Some(i) == first_open {
                            li.today { span { "Vandaag · " (format::date(today)) } }
                        }
                        (milestone_item(m))
                    }
                    @if first_open.is_none() {
                        li.today { span { "Vandaag · " (format::date(today)) } }
                    }
                }
            }
        }
    }
}

/// The employee's phones, each active one with a button to revoke it (a lost phone).
fn phones(view: &DossierView, session: &CoachSession, base: &str) -> Markup {
    html! {
        section.card id="telefoons" aria-labelledby="h-telefoons" {
            h2 id="h-telefoons" { "Telefoons" }
            @if view.devices.is_empty() {
                p.muted { "Nog geen telefoon gekoppeld." }
            } @else {
                ul.plain {
                    @for d in &view.devices {
                        li {
                            strong { (d.name) }
                            " · gekoppeld " (format::millis(d.enrolled_at))
                            @if d.revoked {
                                " " (badge("muted", "ingetrokken"))
                            } @else {
                                form method="post" action={(base) "/telefoons/" (d.device_id) "/intrekken"} {
                                    (csrf_field(session))
                                    button.button.button-danger type="submit" aria-label={(d.name) " intrekken"} { "Intrekken" }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn milestone_item(m: &koers_core::milestones::Milestone) -> Markup {
    let class = match m.state {
        MilestoneState::Past => "past",
        MilestoneState::DueSoon => "soon",
        MilestoneState::Ahead => "ahead",
    };
    html! {
        li class=(class) {
            div.tl-date {
                (format::date(m.date))
                @if let Some(end) = m.end_date { " – " (format::date(end)) }
                @if let Some(w) = m.week { span.tl-week { " · week " (w) } }
            }
            div.tl-title {
                (m.title)
                @if m.state == MilestoneState::DueSoon { " " (badge("warn", "binnenkort")) }
                @if m.state == MilestoneState::Past { span.visually-hidden { " (voorbij)" } }
            }
        }
    }
}

fn duration_select(id: &str, minutes: i64) -> Markup {
    html! {
        select id=(id) name="duration" {
            @for m in [30i64, 45, 60, 90, 120] {
                option value=(m) selected[m == minutes] { (m) " minuten" }
            }
        }
    }
}

fn appointments(view: &DossierView, session: &CoachSession, base: &str, now: Timestamp) -> Markup {
    let mut list: Vec<&Appointment> = view.dossier.appointments.values().collect();
    list.sort_by_key(|a| std::cmp::Reverse(a.starts_at));
    let (upcoming, past): (Vec<&Appointment>, Vec<&Appointment>) =
        list.into_iter().partition(|a| a.ends_at > now);
    let tomorrow = LocalDate(now.local_date().0 + chrono::Duration::days(1)).to_string();
    html! {
        section.card id="afspraken" aria-labelledby="h-afspraken" {
            h2 id="h-afspraken" { "Afspraken" }
            @if upcoming.is_empty() && past.is_empty() { p.muted { "Nog geen afspraken." } }
            ul.items {
                @for a in upcoming.iter().rev() { (appointment_item(a, session, base, true)) }
                @for a in past.iter().take(6) { (appointment_item(a, session, base, false)) }
            }
            details.add {
                summary.button.button-primary { "Afspraak inplannen" }
                form.stack method="post" action={(base) "/afspraken"} {
                    (csrf_field(session))
                    div.field-pair {
                        div.field {
                            label for="new-date" { "Datum" }
                            input id="new-date" name="date" type="date" required value=(tomorrow);
                        }
                        div.field {
                            label for="new-time" { "Begintijd" }
                            input id="new-time" name="time" type="time" required value="10:00" step="300";
                        }
                    }
                    div.field-pair {
                        div.field {
                            label for="new-duration" { "Duur" }
                            (duration_select("new-duration", 60))
                        }
                        div.field {
                            label for="new-kind" { "Soort" }
                            select id="new-kind" name="kind" {
                                @for k in AppointmentKind::ALL {
                                    option value=(k.as_str()) selected[*k == AppointmentKind::Coaching] { (k.label_nl()) }
                                }
                            }
                        }
                    }
                    div.field {
                        label for="new-location" { "Plaats of videolink" }
                        input id="new-location" name="location" type="text" maxlength="300";
                    }
                    div.field {
                        label for="new-agenda" { "Agenda" }
                        textarea id="new-agenda" name="agenda" rows="3" maxlength="2000" {}
                    }
                    button.button.button-primary type="submit" { "Afspraak voorstellen" }
                }
            }
        }
    }
}

fn appointment_item(a: &Appointment, session: &CoachSession, base: &str, upcoming: bool) -> Markup {
    let action = format!("{base}/afspraken/{}", a.id);
    let (date, time) = format::input_date_time(a.starts_at);
    let minutes = (a.ends_at.0 - a.starts_at.0).num_minutes();
    let id = &a.id;
    html! {
        li.item.appointment id={"afspraak-" (a.id)} data-appointment=(a.id) {
            div.item-head {
                div {
                    div.item-title { (format::datetime(a.starts_at)) "–" (format::time(a.ends_at)) }
                    div.sub {
                        (a.kind.label_nl())
                        @if !a.location.is_empty() { " · " (a.location) }
                        " · voorgesteld door " (a.proposed_by.label_nl().to_lowercase())
                    }
                }
                (badge(appointment_tone(a.status), a.status.label_nl()))
            }
            @if !a.agenda.is_empty() { p.item-body { (a.agenda) } }
            @if !a.notes.is_empty() { p.item-body.note { span.sub { "Notitie werknemer: " } (a.notes) } }
            @if a.status.is_active() {
                div.item-actions {
                    @if upcoming {
                        details {
                            summary.button.button-small { "Verplaatsen" }
                            form.stack method="post" action=(action) {
                                (csrf_field(session))
                                input type="hidden" name="op" value="verplaatsen";
                                div.field-pair {
                                    div.field {
                                        label for={"d-" (id)} { "Nieuwe datum" }
                                        input id={"d-" (id)} name="date" type="date" required value=(date);
                                    }
                                    div.field {
                                        label for={"t-" (id)} { "Begintijd" }
                                        input id={"t-" (id)} name="time" type="time" required value=(time) step="300";
                                    }
                                }
                                div.field {
                                    label for={"u-" (id)} { "Duur" }
                                    (duration_select(&format!("u-{id}"), minutes))
                                }
                                button.button.button-primary type="submit" { "Verplaatsen" }
                            }
                        }
                    } @else {
                        form method="post" action=(action) {
                            (csrf_field(session))
                            input type="hidden" name="op" value="gehouden";
                            button.button.button-small type="submit" { "Gehouden" }
                        }
                    }
                    @if a.status == AppointmentStatus::Proposed && a.proposed_by == Actor::Employee {
                        form method="post" action=(action) {
                            (csrf_field(session))
                            input type="hidden" name="op" value="bevestigen";
                            button.button.button-small.button-primary type="submit" { "Bevestigen" }
                        }
                    }
                    form method="post" action=(action) {
                        (csrf_field(session))
                        input type="hidden" name="op" value="annuleren";
                        button.button.button-small.button-danger type="submit" { "Annuleren" }
                    }
                }
            }
        }
    }
}

fn actions(
    view: &DossierView,
    session: &CoachSession,
    base: &str,
    draft: Option<&ActionDraft>,
) -> Markup {
    let mut list: Vec<_> = view.dossier.actions.values().collect();
    list.sort_by_key(|a| (a.done, a.due.is_none(), a.due, a.created_at));
    let today = LocalDate::today();
    html! {
        section.card id="acties" aria-labelledby="h-acties" {
            h2 id="h-acties" { "Acties" }
            @if list.is_empty() { p.muted { "Nog geen acties afgesproken." } }
            ul.items {
                @for a in &list {
                    li.item.done[a.done] id={"actie-" (a.id)} {
                        div.item-head {
                            div {
                                div.item-title { (a.title) }
                                div.sub {
                                    (a.owner.label_nl())
                                    @if let Some(d) = a.due {
                                        " · uiterlijk " (format::date(d))
                                    }
                                }
                            }
                            @if a.done { (badge("ok", "gedaan")) }
                            @else if a.due.is_some_and(|d| d < today) { (badge("warn", "over tijd")) }
                            @else { (badge("info", "open")) }
                        }
                        @let action = format!("{base}/acties/{}", a.id);
                        @let draft = draft.filter(|d| d.action_id == a.id);
                        div.item-actions {
                            details.edit open[draft.is_some()] {
                                summary.button.button-small { "Wijzigen" }
                                form.stack method="post" action=(action) {
                                    (csrf_field(session))
                                    input type="hidden" name="op" value="wijzigen";
                                    div.field {
                                        label for={"at-" (a.id)} { "Omschrijving" }
                                        input id={"at-" (a.id)} name="title" type="text" required maxlength="300"
                                            value=(draft.map_or(a.title.as_str(), |d| d.title.as_str()));
                                    }
                                    div.field {
                                        label for={"ad-" (a.id)} { "Uiterlijk (leeg: geen datum)" }
                                        input id={"ad-" (a.id)} name="due" type="date"
                                            value=(draft.map_or_else(|| a.due.map(|d| d.to_string()).unwrap_or_default(), |d| d.due.clone()));
                                    }
                                    button.button.button-primary type="submit" { "Opslaan" }
                                }
                            }
                            form method="post" action=(action) {
                                (csrf_field(session))
                                @if a.done {
                                    input type="hidden" name="op" value="heropenen";
                                    button.button.button-small type="submit" { "Weer open" }
                                } @else {
                                    input type="hidden" name="op" value="afvinken";
                                    button.button.button-small type="submit" { "Afvinken" }
                                }
                            }
                            form method="post" action=(action) {
                                (csrf_field(session))
                                input type="hidden" name="op" value="verwijderen";
                                button.button.button-small.button-danger type="submit" { "Verwijderen" }
                            }
                        }
                    }
                }
            }
            details.add {
                summary.button.button-primary { "Actie toevoegen" }
                form.stack method="post" action={(base) "/acties"} {
                    (csrf_field(session))
                    div.field {
                        label for="action-title" { "Wat is afgesproken?" }
                        input id="action-title" name="title" type="text" required maxlength="300";
                    }
                    div.field-pair {
                        div.field {
                            label for="action-due" { "Uiterlijk (optioneel)" }
                            input id="action-due" name="due" type="date";
                        }
                        div.field {
                            label for="action-owner" { "Wie" }
                            select id="action-owner" name="owner" {
                                option value="employee" { "Werknemer" }
                                option value="coach" { "Coach" }
                            }
                        }
                    }
                    button.button.button-primary type="submit" { "Actie toevoegen" }
                }
            }
        }
        (notes(view, session, base))
    }
}

/// General notes: comments that are not about one application.
fn notes(view: &DossierView, session: &CoachSession, base: &str) -> Markup {
    let list = koers_core::overview::general_notes(&view.dossier);
    html! {
        section.card id="notities" aria-labelledby="h-notities" {
            h2 id="h-notities" { "Notities" }
            @if list.is_empty() { p.muted { "Nog geen algemene notities." } }
            ul.items {
                @for c in &list {
                    li.item {
                        div.sub { (format::datetime(c.at)) " · " (if c.author_name.is_empty() { c.author.label_nl() } else { c.author_name.as_str() }) }
                        p.item-body { (c.text) }
                    }
                }
            }
            details.add {
                summary.button.button-primary { "Notitie schrijven" }
                form.stack method="post" action={(base) "/notities"} {
                    (csrf_field(session))
                    div.field {
                        label for="note-text" { "Notitie (de werknemer ziet die ook)" }
                        textarea id="note-text" name="text" rows="3" required {}
                    }
                    button.button.button-primary type="submit" { "Plaatsen" }
                }
            }
        }
    }
}

fn safe_url(url: &str) -> Option<&str> {
    let u = url.trim();
    (u.starts_with("https://") || u.starts_with("http://")).then_some(u)
}

fn applications(view: &DossierView, session: &CoachSession, base: &str) -> Markup {
    let mut list: Vec<&Application> = view.dossier.applications.values().collect();
    list.sort_by_key(|a| std::cmp::Reverse((a.date, a.created_at)));
    let today = LocalDate::today();
    html! {
        section.card id="sollicitaties" aria-labelledby="h-sollicitaties" {
            h2 id="h-sollicitaties" { "Sollicitaties " span.count { "(" (list.len()) ")" } }
            @if list.is_empty() {
                p.muted { "Nog geen sollicitaties gesynchroniseerd." }
            }
            ul.applications {
                @for a in &list {
                    @let comments: Vec<_> = view.dossier.comments.values()
                        .filter(|c| c.application_id.as_deref() == Some(a.id.as_str())).collect();
                    li id={"sollicitatie-" (a.id)} {
                        details.app {
                            summary {
                                span.app-date { (format::date(a.date)) }
                                span.app-what {
                                    strong { (a.employer) }
                                    @if !a.role.is_empty() { span.sub { " · " (a.role) } }
                                }
                                span.app-status {
                                    (badge(status_tone(a.status), a.status.label_nl()))
                                    @if a.follow_up.is_some_and(|f| f < today) && !a.status.is_closed() {
                                        " " (badge("warn", "opvolgen"))
                                    }
                                    @if !comments.is_empty() { span.sub { " · " (comments.len()) " opm." } }
                                }
                            }
                            div.app-body {
                                dl.facts {
                                    @if let Some(s) = a.source { dt { "Bron" } dd { (s.label_nl()) } }
                                    @if let Some(l) = &a.location { dt { "Plaats" } dd { (l) } }
                                    @if let Some(c) = &a.contact { dt { "Contact" } dd { (c) } }
                                    @if let Some(s) = &a.salary { dt { "Salaris" } dd { (s) } }
                                    @if let Some(f) = a.follow_up { dt { "Opvolgen" } dd { (format::date(f)) } }
                                    @if let Some(u) = a.vacancy_url.as_deref().and_then(safe_url) {
                                        dt { "Vacature" } dd { a href=(u) rel="noopener noreferrer" target="_blank" { "vacature openen" } }
                                    }
                                    @if !a.notes.is_empty() { dt { "Notities" } dd { (a.notes) } }
                                }
                                h3.small-head { "Statusgeschiedenis" }
                                ol.history {
                                    @for h in &a.history {
                                        li { (format::datetime(h.at)) " · " strong { (h.status.label_nl()) } span.sub { " (" (h.by.label_nl().to_lowercase()) ")" } }
                                    }
                                }
                                @if !comments.is_empty() {
                                    h3.small-head { "Opmerkingen" }
                                    ul.comments {
                                        @for c in &comments {
                                            li { p { (c.text) } p.sub { (c.author_name) " · " (format::datetime(c.at)) } }
                                        }
                                    }
                                }
                                form.stack method="post" action={(base) "/opmerkingen"} {
                                    (csrf_field(session))
                                    input type="hidden" name="application_id" value=(a.id);
                                    div.field {
                                        label for={"c-" (a.id)} { "Opmerking bij deze sollicitatie" }
                                        textarea id={"c-" (a.id)} name="text" rows="2" required maxlength="2000" {}
                                    }
                                    button.button.button-small type="submit" { "Plaatsen" }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
