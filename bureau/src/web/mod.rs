//! The coach's web view, served by the bureau itself: log in, the caseload, one employee's
//! dossier (with edits that go into the same Automerge document the phone syncs), the
//! voortgangsrapportage and enrolment. Server-rendered HTML (maud), Dutch, no front-end
//! build; every coach action goes through `coach_api`, so the JSON API and the web view
//! share one set of rules and one access check.

pub(crate) mod caseload;
mod chart;
mod csrf;
mod employee;
mod enrol;
mod format;
mod layout;
mod login;
mod pdf;
mod qr;
mod report;
mod session;

use std::sync::OnceLock;

use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::map_response;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use koers_protocol::ErrorCode;
use maud::Markup;

use crate::{AppState, BureauError};

pub use session::SESSION_COOKIE;

/// Settings of the web view, read once from the environment.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// Mark cookies `Secure` even when the request does not say it came over https
    /// (`KOERS_SECURE_COOKIES=1`, for a TLS proxy that does not send X-Forwarded-Proto).
    pub secure_cookies: bool,
    /// The address phones use to reach this server (`KOERS_PUBLIC_URL`), for the enrolment
    /// QR code; without it, the address the coach's browser used.
    pub public_url: Option<String>,
}

pub fn config() -> &'static WebConfig {
    static CONFIG: OnceLock<WebConfig> = OnceLock::new();
    CONFIG.get_or_init(|| WebConfig {
        secure_cookies: std::env::var("KOERS_SECURE_COOKIES")
            .is_ok_and(|v| matches!(v.trim(), "1" | "true" | "yes")),
        public_url: std::env::var("KOERS_PUBLIC_URL")
            .ok()
            .map(|u| u.trim().trim_end_matches('/').to_string())
            .filter(|u| !u.is_empty()),
    })
}

/// The web view's routes; `crate::router` merges them.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(|| async { Redirect::to("/coach") }))
        .route("/coach", get(caseload::page))
        .route("/coach/inloggen", get(login::form).post(login::submit))
        .route("/coach/uitloggen", post(login::logout))
        .route(
            "/coach/werknemers/nieuw",
            get(enrol::form).post(enrol::create),
        )
        .route("/coach/werknemers/{id}", get(employee::page))
        .route("/coach/werknemers/{id}/afspraken", post(employee::schedule))
        .route(
            "/coach/werknemers/{id}/afspraken/{appointment}",
            post(employee::change_appointment),
        )
        .route("/coach/werknemers/{id}/acties", post(employee::add_action))
        .route(
            "/coach/werknemers/{id}/acties/{action}",
            post(employee::change_action),
        )
        .route("/coach/werknemers/{id}/notities", post(employee::add_note))
        .route(
            "/coach/werknemers/{id}/gegevens",
            post(employee::master_data),
        )
        .route("/coach/werknemers/{id}/afsluiten", post(employee::close))
        .route(
            "/coach/werknemers/{id}/overdragen",
            post(employee::hand_over),
        )
        .route(
            "/coach/werknemers/{id}/telefoons/{device}/intrekken",
            post(employee::revoke_device),
        )
        .route(
            "/coach/werknemers/{id}/opmerkingen",
            post(employee::add_comment),
        )
        .route(
            "/coach/werknemers/{id}/weekdoel",
            post(employee::weekly_target),
        )
        .route("/coach/werknemers/{id}/fase", post(employee::phase))
        .route("/coach/werknemers/{id}/koppelcode", post(enrol::new_code))
        .route(
            "/coach/werknemers/{id}/rapport",
            get(report::page).post(report::submit),
        )
        .route("/coach/static/koers.css", get(css))
        .route("/coach/static/koers.js", get(js))
        .layer(map_response(security_headers))
}

const CSS: &str = include_str!("static/koers.css");
const JS: &str = include_str!("static/koers.js");

async fn css() -> Response {
    static_file("text/css; charset=utf-8", CSS)
}

async fn js() -> Response {
    static_file("text/javascript; charset=utf-8", JS)
}

fn static_file(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        body,
    )
        .into_response()
}

/// Headers every page gets: no framing, no foreign scripts or styles, nothing cached (the
/// pages hold dossier data), no referrer (with employee ids) to other sites.
async fn security_headers(mut response: Response) -> Response {
    let h = response.headers_mut();
    let set = |h: &mut HeaderMap, name, value: &'static str| {
        if !h.contains_key(&name) {
            h.insert(name, HeaderValue::from_static(value));
        }
    };
    set(
        h,
        header::CONTENT_SECURITY_POLICY,
        "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; \
         form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    );
    set(h, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(h, header::X_FRAME_OPTIONS, "DENY");
    // same-origin, not no-referrer: with no-referrer browsers send `Origin: null` on our
    // own form posts, which the origin check would refuse.
    set(h, header::REFERRER_POLICY, "same-origin");
    set(h, header::CACHE_CONTROL, "no-store");
    response
}

/// A complete HTML page.
pub(crate) fn html(status: StatusCode, page: Markup) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        page.into_string(),
    )
        .into_response()
}

/// Why a page or form could not be served, as a person should hear it.
#[derive(Debug)]
pub(crate) enum WebError {
    /// Not logged in (or the session ended): back to the login page.
    Login,
    /// Not found, or not this coach's: the same answer, so ids reveal nothing.
    NotFound,
    /// A form without the right CSRF token, or from another site.
    Forbidden,
    /// Input that cannot be used; the message says why (Dutch).
    Invalid(String),
    /// An edit the rules do not allow (e.g. of a closed trajectory); the message says why.
    Refused(String),
    RateLimited(String),
    Unavailable,
}

impl From<BureauError> for WebError {
    fn from(e: BureauError) -> Self {
        if crate::coach_api::is_rule_refusal(&e) {
            return Self::Refused(e.to_string());
        }
        match e {
            BureauError::Refused { code, message } => match code {
                ErrorCode::Unauthorized => Self::Login,
                ErrorCode::Forbidden | ErrorCode::NotFound => Self::NotFound,
                ErrorCode::RateLimited => Self::RateLimited(message),
                _ => Self::Invalid(message),
            },
            BureauError::Conflict { message } => Self::Invalid(message),
            BureauError::Storage { message } => {
                tracing::error!(%message, "web view: storage failure");
                Self::Unavailable
            }
        }
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let (status, title, text) = match self {
            Self::Login => return Redirect::to("/coach/inloggen").into_response(),
            Self::NotFound => (
                StatusCode::NOT_FOUND,
                "Niet gevonden",
                "Deze pagina of dit dossier bestaat niet, of hoort niet bij jouw caseload."
                    .to_string(),
            ),
            Self::Forbidden => (
                StatusCode::FORBIDDEN,
                "Formulier verlopen",
                "Dit formulier kon niet worden gecontroleerd. Open de pagina opnieuw en probeer het nog eens."
                    .to_string(),
            ),
            Self::Invalid(m) => (StatusCode::UNPROCESSABLE_ENTITY, "Niet opgeslagen", m),
            Self::Refused(m) => (StatusCode::FORBIDDEN, "Niet toegestaan", m),
            Self::RateLimited(m) => (StatusCode::TOO_MANY_REQUESTS, "Even geduld", m),
            Self::Unavailable => (
                StatusCode::SERVICE_UNAVAILABLE,
                "Tijdelijk niet beschikbaar",
                "Het bureau kan dit nu niet verwerken; probeer het later opnieuw.".to_string(),
            ),
        };
        html(status, layout::error_page(status, title, &text))
    }
}

pub(crate) type WebResult<T> = std::result::Result<T, WebError>;

/// Runs blocking work (storage, Automerge) off the async threads.
pub(crate) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> WebResult<T> + Send + 'static,
) -> WebResult<T> {
    tokio::task::spawn_blocking(f)
        .await
        .unwrap_or(Err(WebError::Unavailable))
}

/// The fields of a submitted form, by name.
#[derive(Debug, Default)]
pub(crate) struct Fields(Vec<(String, String)>);

impl Fields {
    /// The trimmed value of a field; empty when absent.
    pub fn get(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.trim())
    }

    /// The value, or `None` when absent or blank.
    pub fn opt(&self, name: &str) -> Option<&str> {
        Some(self.get(name)).filter(|v| !v.is_empty())
    }

    /// The value parsed, or an error naming the field in Dutch.
    pub fn parse<T: std::str::FromStr>(&self, name: &str, label: &str) -> WebResult<T> {
        self.get(name)
            .parse()
            .map_err(|_| WebError::Invalid(format!("Vul bij ‘{label}’ een geldige waarde in.")))
    }

    /// An optional value parsed; blank is `None`.
    pub fn parse_opt<T: std::str::FromStr>(&self, name: &str, label: &str) -> WebResult<Option<T>> {
        match self.opt(name) {
            None => Ok(None),
            Some(_) => self.parse(name, label).map(Some),
        }
    }
}
