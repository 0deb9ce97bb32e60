//! Protection against cross-site form posts. Every form of a logged-in coach carries a
//! per-session token derived from the (secret, HttpOnly) session token, so it needs no
//! storage and ends with the session; the login form, which has no session yet, uses a
//! double-submit cookie. A present `Origin` header must also be our own host.

use axum::http::{header, HeaderMap};
use base64::Engine;

use crate::auth;

/// The name of the hidden form field.
pub const FIELD: &str = "csrf";
/// The cookie of the login form's double-submit token.
pub const LOGIN_COOKIE: &str = "koers_login";

/// The CSRF token of the session with this token: only someone who knows the session
/// token (the coach's own browser) can compute it.
pub fn token_for(session_token: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(auth::sha256(
        format!("koers-csrf-v1:{session_token}").as_bytes(),
    ))
}

/// Whether the submitted token is the expected one (in constant time).
pub fn matches(expected: &str, submitted: &str) -> bool {
    !expected.is_empty() && auth::constant_time_eq(expected.as_bytes(), submitted.as_bytes())
}

/// False when the browser says the form came from another origin. Browsers send `Origin`
/// on every POST; a request without it (an old client, curl) is left to the token check.
pub fn same_origin(headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return true;
    };
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let origin_host = origin
        .strip_prefix("https://")
        .or_else(|| origin.strip_prefix("http://"))
        .unwrap_or("");
    !host.is_empty() && origin_host.eq_ignore_ascii_case(host)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn tokens_are_per_session_and_checked() {
        let a = token_for("session-a");
        assert_eq!(a, token_for("session-a"));
        assert_ne!(a, token_for("session-b"));
        assert!(matches(&a, &a));
        assert!(!matches(&a, ""));
        assert!(!matches(&a, &token_for("session-b")));
        assert!(!matches("", ""));
    }

    #[test]
    fn origins_must_be_our_host() {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, HeaderValue::from_static("127.0.0.1:8080"));
        assert!(same_origin(&h));
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("http://127.0.0.1:8080"),
        );
        assert!(same_origin(&h));
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("https://evil.example"),
        );
        assert!(!same_origin(&h));
        h.insert(header::ORIGIN, HeaderValue::from_static("null"));
        assert!(!same_origin(&h));
    }
}
