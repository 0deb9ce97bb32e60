//! A tiny browser for the web view's integration tests: keeps the session cookie, reads the
//! CSRF token from pages, and never follows redirects (so tests see each 303).
#![allow(dead_code)]

use koers_bureau::coach_api;
use koers_bureau::testkit::TestServer;
use reqwest::blocking::{Client, Response};
use reqwest::header::{COOKIE, ORIGIN, SET_COOKIE};

pub const PASSWORD: &str = "een lang wachtwoord";

pub fn server() -> (tempfile::TempDir, TestServer) {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path(), None).unwrap();
    (dir, server)
}

pub fn coach(server: &TestServer, email: &str, name: &str) -> String {
    coach_api::create_coach(&server.state, email, name, PASSWORD, false)
        .unwrap()
        .id
}

pub struct Browser {
    pub base: String,
    pub client: Client,
    pub session: Option<String>,
    pub csrf: String,
}

/// The value of `name="csrf"` in a page.
pub fn csrf_in(html: &str) -> Option<String> {
    let at = html.find("name=\"csrf\" value=\"")? + "name=\"csrf\" value=\"".len();
    let rest = &html[at..];
    Some(rest[..rest.find('"')?].to_string())
}

/// The value of cookie `name` set by a response.
pub fn set_cookie(r: &Response, name: &str) -> Option<String> {
    r.headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .map(str::to_string)
}

pub fn cookie_value(set_cookie: &str) -> String {
    set_cookie
        .split(';')
        .next()
        .and_then(|kv| kv.split_once('='))
        .map(|(_, v)| v.to_string())
        .unwrap_or_default()
}

impl Browser {
    pub fn new(server: &TestServer) -> Self {
        Self {
            base: server.url.clone(),
            client: Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            session: None,
            csrf: String::new(),
        }
    }

    /// Logs in through the form; panics unless it works.
    pub fn logged_in(server: &TestServer, email: &str) -> Self {
        let mut b = Self::new(server);
        let r = b.log_in(email, PASSWORD);
        assert_eq!(r.status(), 303, "login failed");
        b.session = Some(cookie_value(&set_cookie(&r, "koers_sessie").unwrap()));
        let (status, page) = b.get("/coach");
        assert_eq!(status, 200);
        b.csrf = csrf_in(&page).unwrap();
        b
    }

    pub fn log_in(&self, email: &str, password: &str) -> Response {
        let form = self
            .client
            .get(format!("{}/coach/inloggen", self.base))
            .send()
            .unwrap();
        let login_cookie = cookie_value(&set_cookie(&form, "koers_login").unwrap());
        let token = csrf_in(&form.text().unwrap()).unwrap();
        self.client
            .post(format!("{}/coach/inloggen", self.base))
            .header(COOKIE, format!("koers_login={login_cookie}"))
            .header(ORIGIN, &self.base)
            .form(&[
                ("csrf", token.as_str()),
                ("email", email),
                ("password", password),
            ])
            .send()
            .unwrap()
    }

    fn cookie(&self) -> String {
        self.session
            .as_ref()
            .map(|s| format!("koers_sessie={s}"))
            .unwrap_or_default()
    }

    pub fn get(&self, path: &str) -> (u16, String) {
        let r = self
            .client
            .get(format!("{}{path}", self.base))
            .header(COOKIE, self.cookie())
            .send()
            .unwrap();
        let status = r.status().as_u16();
        (status, r.text().unwrap())
    }

    /// Posts a form with this session's CSRF token added.
    pub fn post(&self, path: &str, fields: &[(&str, &str)]) -> Response {
        let mut all: Vec<(&str, &str)> = vec![("csrf", self.csrf.as_str())];
        all.extend_from_slice(fields);
        self.post_raw(path, &all, Some(&self.base))
    }

    /// Posts exactly these fields, with this `Origin` header (or none).
    pub fn post_raw(&self, path: &str, fields: &[(&str, &str)], origin: Option<&str>) -> Response {
        let mut req = self
            .client
            .post(format!("{}{path}", self.base))
            .header(COOKIE, self.cookie())
            .form(fields);
        if let Some(o) = origin {
            req = req.header(ORIGIN, o);
        }
        req.send().unwrap()
    }
}
