//! Creating an employee and handing over the enrolment code: the code in large type to
//! read aloud or type, and a QR code of `koers://enrol?server=…&code=…` for the phone.

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use koers_core::model::{LocalDate, TrajectoryKind};
use maud::{html, Markup};

use super::layout::{self, csrf_field, Nav, Notice};
use super::session::{self, CoachForm, CoachSession};
use super::{blocking, config, format, html, qr, Fields, WebError, WebResult};
use crate::coach_api::{self, Created, NewEmployee};
use crate::AppState;

/// The address phones use for this server: the configured public URL, else the one the
/// coach's browser used.
fn server_url(headers: &HeaderMap) -> String {
    if let Some(url) = &config().public_url {
        return url.clone();
    }
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("localhost");
    let scheme = if session::is_secure(headers) {
        "https"
    } else {
        "http"
    };
    format!("{scheme}://{host}")
}

pub async fn form(session: CoachSession) -> Response {
    html(
        StatusCode::OK,
        layout::page(
            "Nieuwe werknemer",
            &session,
            Nav::NewEmployee,
            new_form(&session, &Fields::default(), None),
        ),
    )
}

fn new_form(session: &CoachSession, f: &Fields, notice: Option<&Notice>) -> Markup {
    let kind = f.opt("kind").unwrap_or("spoor2");
    html! {
        div.narrow-page {
            h1 { "Nieuwe werknemer" }
            p.muted { "Maak een traject aan. Je krijgt daarna een koppelcode die de werknemer in de Koers-app invult of scant." }
            @if let Some(n) = notice { (layout::notice(n)) }
            form.card.stack method="post" action="/coach/werknemers/nieuw" {
                (csrf_field(session))
                div.field {
                    label for="name" { "Naam" }
                    input id="name" name="name" type="text" required maxlength="120" autocomplete="off" value=(f.get("name"));
                }
                fieldset.field {
                    legend { "Soort traject" }
                    div.radio {
                        input id="kind-spoor2" type="radio" name="kind" value="spoor2" checked[kind == "spoor2"];
                        label for="kind-spoor2" { "Spoor 2 " span.sub { "(ziek, werk bij een andere werkgever)" } }
                    }
                    div.radio {
                        input id="kind-outplacement" type="radio" name="kind" value="outplacement" checked[kind == "outplacement"];
                        label for="kind-outplacement" { "Outplacement " span.sub { "(ontslag of reorganisatie)" } }
                    }
                }
                div.field-pair {
                    div.field {
                        label for="first_sick_day" { "Eerste ziektedag " span.sub { "(spoor 2)" } }
                        input id="first_sick_day" name="first_sick_day" type="date" value=(f.get("first_sick_day"));
                    }
                    div.field {
                        label for="contract_end" { "Einde contract " span.sub { "(outplacement)" } }
                        input id="contract_end" name="contract_end" type="date" value=(f.get("contract_end"));
                    }
                }
                div.field {
                    label for="weekly_target" { "Weekdoel (sollicitaties per week)" }
                    input id="weekly_target" name="weekly_target" type="number" min="0" max="50" inputmode="numeric" value=(f.opt("weekly_target").unwrap_or("0"));
                }
                p.muted.small { "Vul geen medische gegevens in: alleen wat nodig is voor de planning van het traject." }
                button.button.button-primary type="submit" { "Aanmaken en koppelcode tonen" }
            }
        }
    }
}

fn parse_new(f: &Fields) -> WebResult<NewEmployee> {
    let kind: TrajectoryKind = f.parse("kind", "Soort traject")?;
    Ok(NewEmployee {
        name: f.get("name").to_string(),
        kind,
        first_sick_day: f.parse_opt::<LocalDate>("first_sick_day", "Eerste ziektedag")?,
        contract_end: f.parse_opt::<LocalDate>("contract_end", "Einde contract")?,
        weekly_target: f.parse_opt::<u32>("weekly_target", "Weekdoel")?,
        bureau: None,
    })
}

/// An error with the form's fields, so the form can be shown again filled in.
type CreateError = (WebError, Option<Fields>);

pub async fn create(
    State(state): State<AppState>,
    headers: HeaderMap,
    form: CoachForm,
) -> Response {
    let CoachForm { session, fields } = form;
    let s = session.clone();
    let work = move || -> Result<(Created, String), CreateError> {
        let input = match parse_new(&fields) {
            Ok(i) => i,
            Err(e) => return Err((e, Some(fields))),
        };
        match coach_api::create_employee(&state, &s.coach_id, &input) {
            Ok(created) => Ok((created, input.name)),
            Err(e) => Err((e.into(), Some(fields))),
        }
    };
    match tokio::task::spawn_blocking(work).await {
        Ok(Ok((created, name))) => {
            code_page(&session, &headers, &created, &name, StatusCode::CREATED)
        }
        Ok(Err((WebError::Invalid(m), Some(fields)))) => html(
            StatusCode::UNPROCESSABLE_ENTITY,
            layout::page(
                "Nieuwe werknemer",
                &session,
                Nav::NewEmployee,
                new_form(&session, &fields, Some(&Notice::Problem(m))),
            ),
        ),
        Ok(Err((e, _))) => e.into_response(),
        Err(_) => WebError::Unavailable.into_response(),
    }
}

pub async fn new_code(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    form: CoachForm,
) -> Response {
    let session = form.session;
    let (st, s, i) = (state.clone(), session.clone(), id.clone());
    let result = blocking(move || {
        let created = coach_api::new_code(&st, &s.coach_id, &i, &s.ip)?;
        let name = coach_api::own_employee(&st, &s.coach_id, &i, &s.ip)?.name;
        Ok((created, name))
    })
    .await;
    match result {
        Ok((created, name)) => code_page(&session, &headers, &created, &name, StatusCode::OK),
        Err(e) => e.into_response(),
    }
}

fn code_page(
    session: &CoachSession,
    headers: &HeaderMap,
    created: &Created,
    name: &str,
    status: StatusCode,
) -> Response {
    let server = server_url(headers);
    let link = qr::enrol_link(&server, &created.enrolment_code);
    let qr = qr::svg(&link, &format!("QR-code om {name} te koppelen"));
    html(
        status,
        layout::page(
            "Koppelcode",
            session,
            Nav::None,
            html! {
                div.narrow-page {
                    nav.crumbs aria-label="Kruimelpad" {
                        a href="/coach" { "Caseload" } " / "
                        a href={"/coach/werknemers/" (created.employee_id)} { (name) } " / "
                        span aria-current="page" { "Koppelcode" }
                    }
                    h1 { "Koppelcode voor " (name) }
                    div.card.enrol {
                        div.enrol-code {
                            p.stat-label { "Koppelcode" }
                            p.code data-code=(created.enrolment_code) { (created.enrolment_code) }
                            p.muted.small {
                                "Eenmalig te gebruiken, geldig tot " (format::millis(created.code_expires_at)) "."
                            }
                            ol.steps {
                                li { "De werknemer opent de Koers-app en kiest ‘Koppelen met mijn bureau’." }
                                li { "Scan de QR-code, of vul het serveradres en de code in." }
                                li { "Na het koppelen synchroniseert de telefoon het dossier met het bureau." }
                            }
                            dl.facts {
                                dt { "Serveradres" } dd { code { (server) } }
                            }
                        }
                        div.enrol-qr {
                            @if let Some(q) = qr { (q) } @else { p { "De QR-code kon niet worden gemaakt; gebruik de code." } }
                        }
                    }
                    p.muted.small { "Deze code is alleen nu te zien. Kwijt? Maak op de pagina van de werknemer een nieuwe; de oude werkt dan niet meer." }
                    p { a.button href={"/coach/werknemers/" (created.employee_id)} { "Naar het dossier" } }
                }
            },
        ),
    )
}
