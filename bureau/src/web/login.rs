//! Logging in and out: the password accounts of `coach_api::log_in`, a session cookie, and
//! a double-submit CSRF token on the login form itself.

use axum::extract::{Form, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use serde::Deserialize;

use super::layout::{self, Notice};
use super::session::{self, CoachForm};
use super::{blocking, csrf, html, Fields, WebError};
use crate::client_addr::ClientAddr;
use crate::{auth, coach_api, AppState};

#[derive(Deserialize)]
pub struct LoginQuery {
    #[serde(default)]
    uitgelogd: Option<String>,
}

fn login_page(token: &str, email: &str, notice: Option<Notice>) -> maud::Markup {
    layout::bare(
        "Inloggen",
        html! {
            div.login {
                div.login-brand {
                    span.brand-mark aria-hidden="true" { "K" }
                    div {
                        p.login-title { "Koers" }
                        p.muted { "Voor re-integratie- en loopbaancoaches" }
                    }
                }
                div.card {
                    h1 { "Inloggen" }
                    @if let Some(n) = &notice { (layout::notice(n)) }
                    form method="post" action="/coach/inloggen" {
                        input type="hidden" name=(csrf::FIELD) value=(token);
                        div.field {
                            label for="email" { "E-mailadres" }
                            input id="email" name="email" type="email" autocomplete="username"
                                required value=(email);
                        }
                        div.field {
                            label for="password" { "Wachtwoord" }
                            input id="password" name="password" type="password"
                                autocomplete="current-password" required;
                        }
                        button.button.button-primary.button-wide type="submit" { "Inloggen" }
                    }
                }
                p.muted.small { "Je blijft een werkdag (12 uur) ingelogd. Log uit op een gedeelde computer." }
            }
        },
    )
}

/// A fresh login-form token and the cookie that carries it.
fn login_token(headers: &HeaderMap) -> Result<(String, String), WebError> {
    let (token, _) = auth::new_token()?;
    let cookie = session::set_cookie(
        csrf::LOGIN_COOKIE,
        &token,
        3600,
        session::is_secure(headers),
    );
    Ok((token, cookie))
}

pub async fn form(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<LoginQuery>,
) -> Response {
    // Someone still logged in goes straight on.
    if let Some(token) = session::cookie(&headers, session::SESSION_COOKIE)
        .or_else(|| session::cookie(&headers, "__Host-koers_sessie"))
    {
        let hash = auth::token_hash(token);
        let live = blocking(move || Ok(state.storage.session_coach(&hash, crate::now_ms())?)).await;
        if matches!(live, Ok(Some(_))) {
            return Redirect::to("/coach").into_response();
        }
    }
    let (token, cookie) = match login_token(&headers) {
        Ok(t) => t,
        Err(e) => return e.into_response(),
    };
    let notice = q
        .uitgelogd
        .map(|_| Notice::Done("Je bent uitgelogd.".into()));
    (
        [(header::SET_COOKIE, cookie)],
        html(StatusCode::OK, login_page(&token, "", notice)),
    )
        .into_response()
}

pub async fn submit(
    State(state): State<AppState>,
    client: ClientAddr,
    headers: HeaderMap,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let fields = Fields(pairs);
    let ip = client.to_string();
    let expected = session::cookie(&headers, csrf::LOGIN_COOKIE).unwrap_or_default();
    if !csrf::same_origin(&headers) || !csrf::matches(expected, fields.get(csrf::FIELD)) {
        state.refuse("csrf", None, &ip, "inlogformulier zonder geldig token");
        return WebError::Forbidden.into_response();
    }
    let email = fields.get("email").to_string();
    let password = fields
        .0
        .iter()
        .find(|(k, _)| k == "password")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    let st = state.clone();
    let em = email.clone();
    let result = blocking(move || Ok(coach_api::log_in(&st, &em, &password, &ip)?)).await;
    match result {
        Ok(s) => (
            StatusCode::SEE_OTHER,
            [
                (
                    header::SET_COOKIE,
                    session::login_cookie(&s.token, &headers),
                ),
                (header::LOCATION, "/coach".to_string()),
            ],
        )
            .into_response(),
        Err(WebError::Login) | Err(WebError::RateLimited(_)) | Err(WebError::Invalid(_)) => {
            let message = match result {
                Err(WebError::RateLimited(m)) => m,
                _ => "E-mailadres of wachtwoord klopt niet.".to_string(),
            };
            let (token, cookie) = match login_token(&headers) {
                Ok(t) => t,
                Err(e) => return e.into_response(),
            };
            (
                [(header::SET_COOKIE, cookie)],
                html(
                    StatusCode::UNAUTHORIZED,
                    login_page(&token, &email, Some(Notice::Problem(message))),
                ),
            )
                .into_response()
        }
        Err(e) => e.into_response(),
    }
}

pub async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
    form: CoachForm,
) -> Response {
    let hash = auth::token_hash(&form.session.token);
    let st = state.clone();
    if let Err(e) = blocking(move || Ok(st.storage.delete_session(&hash)?)).await {
        return e.into_response();
    }
    let [a, b] = session::logout_cookies(&headers);
    let mut response = Redirect::to("/coach/inloggen?uitgelogd=1").into_response();
    for c in [a, b] {
        if let Ok(v) = c.parse() {
            response.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    response
}
