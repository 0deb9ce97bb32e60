//! The coach's browser session: a random token in an HttpOnly, SameSite=Strict cookie
//! (Secure over https), stored hashed in the bureau's session table with the same 12-hour
//! lifetime as an API login; plus the extractors that give a handler the logged-in coach
//! (`CoachSession`) or the coach and a CSRF-checked form (`CoachForm`).

use axum::extract::{Form, FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};

use super::{blocking, config, csrf, Fields, WebError};
use crate::client_addr::ClientAddr;
use crate::{auth, now_ms, AppState};

/// The cookie's name over plain http (local use, tests).
pub const SESSION_COOKIE: &str = "koers_sessie";
/// Over https: the `__Host-` prefix makes browsers refuse it unless Secure, host-only, Path=/.
const SECURE_SESSION_COOKIE: &str = "__Host-koers_sessie";

/// Whether this request reached us over https (directly or through a TLS proxy), or the
/// bureau is configured to always mark cookies Secure.
pub fn is_secure(headers: &HeaderMap) -> bool {
    config().secure_cookies
        || headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("https"))
}

/// The value of cookie `name` in the request.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim())
        .filter(|v| !v.is_empty() && v.len() <= 256)
}

/// A `Set-Cookie` value with the flags every cookie of ours carries.
pub fn set_cookie(name: &str, value: &str, max_age_secs: i64, secure: bool) -> String {
    format!(
        "{name}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age_secs}{}",
        if secure { "; Secure" } else { "" }
    )
}

fn session_token(headers: &HeaderMap) -> Option<&str> {
    cookie(headers, SECURE_SESSION_COOKIE).or_else(|| cookie(headers, SESSION_COOKIE))
}

/// The cookie that starts a session.
pub fn login_cookie(token: &str, headers: &HeaderMap) -> String {
    let secure = is_secure(headers);
    let name = if secure {
        SECURE_SESSION_COOKIE
    } else {
        SESSION_COOKIE
    };
    set_cookie(name, token, auth::SESSION_VALID_MS / 1000, secure)
}

/// The cookies that end a session in the browser (both names, whichever was used).
pub fn logout_cookies(headers: &HeaderMap) -> [String; 2] {
    let secure = is_secure(headers);
    [
        set_cookie(SESSION_COOKIE, "", 0, secure),
        // The __Host- cookie can only be overwritten by a Secure one.
        set_cookie(SECURE_SESSION_COOKIE, "", 0, true),
    ]
}

/// The logged-in coach of this request.
#[derive(Debug, Clone)]
pub struct CoachSession {
    pub coach_id: String,
    pub coach_name: String,
    /// The session token itself (from the cookie), to end it at logout.
    pub token: String,
    /// This session's CSRF token, for the forms of the page.
    pub csrf: String,
    pub ip: String,
}

impl CoachSession {
    async fn resolve(parts: &Parts, state: &AppState) -> Result<Self, WebError> {
        let token = session_token(&parts.headers)
            .ok_or(WebError::Login)?
            .to_string();
        let ip = ClientAddr::of(parts, state)
            .map(|c| c.to_string())
            .unwrap_or_default();
        let state = state.clone();
        blocking(move || {
            let hash = auth::token_hash(&token);
            let coach_id = state
                .storage
                .session_coach(&hash, now_ms())?
                .ok_or(WebError::Login)?;
            let coach = state
                .storage
                .coach_by_id(&coach_id)?
                .ok_or(WebError::Login)?;
            Ok(Self {
                coach_id,
                coach_name: coach.name,
                csrf: csrf::token_for(&token),
                token,
                ip,
            })
        })
        .await
    }
}

impl FromRequestParts<AppState> for CoachSession {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        Self::resolve(parts, state)
            .await
            .map_err(IntoResponse::into_response)
    }
}

/// A submitted form of a logged-in coach whose CSRF token and origin were checked.
pub struct CoachForm {
    pub session: CoachSession,
    pub fields: Fields,
}

impl FromRequest<AppState> for CoachForm {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Response> {
        let (parts, body) = req.into_parts();
        let session = CoachSession::resolve(&parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        if !csrf::same_origin(&parts.headers) {
            state.refuse(
                "csrf",
                Some(&format!("coach:{}", session.coach_id)),
                &session.ip,
                "formulier van een andere herkomst",
            );
            return Err(WebError::Forbidden.into_response());
        }
        let ip = session.ip.clone();
        let coach = session.coach_id.clone();
        let req = Request::from_parts(parts, body);
        // Any urlencoded body parses into pairs, so a missing token is reported as such
        // (403) rather than as a form that does not fit a struct.
        let Form(pairs) = Form::<Vec<(String, String)>>::from_request(req, state)
            .await
            .map_err(|_| WebError::Forbidden.into_response())?;
        let fields = Fields(pairs);
        if !csrf::matches(&session.csrf, fields.get(csrf::FIELD)) {
            state.refuse(
                "csrf",
                Some(&format!("coach:{coach}")),
                &ip,
                "formulier zonder geldig CSRF-token",
            );
            return Err(WebError::Forbidden.into_response());
        }
        Ok(Self { session, fields })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn cookies_are_read_by_name() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; koers_sessie=abc ; b=2"),
        );
        assert_eq!(cookie(&h, "koers_sessie"), Some("abc"));
        assert_eq!(cookie(&h, "b"), Some("2"));
        assert_eq!(cookie(&h, "c"), None);
        assert_eq!(session_token(&h), Some("abc"));
    }

    #[test]
    fn cookies_carry_the_flags() {
        let c = set_cookie("x", "v", 60, false);
        assert!(c.contains("HttpOnly") && c.contains("SameSite=Strict"));
        assert!(!c.contains("Secure"));
        assert!(set_cookie("x", "v", 60, true).ends_with("; Secure"));
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-proto", HeaderValue::from_static("https"));
        assert!(is_secure(&h));
        assert!(login_cookie("t", &h).starts_with("__Host-koers_sessie=t;"));
    }
}
