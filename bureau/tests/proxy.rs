//! Behind a TLS proxy: the client address comes from the forwarded header of a trusted
//! proxy only.

use koers_bureau::client_addr::{ForwardedHeader, TrustedProxies};
use koers_bureau::coach_api;
use koers_bureau::testkit::TestServer;
use koers_bureau::Security;
use reqwest::blocking::Client;
use reqwest::StatusCode;

const PASSWORD: &str = "een lang wachtwoord";

fn server(trusted: &str) -> (tempfile::TempDir, TestServer) {
    let dir = tempfile::tempdir().unwrap();
    let security = Security {
        proxies: TrustedProxies::parse(trusted, ForwardedHeader::XForwardedFor).unwrap(),
        ..Security::default()
    };
    let server = TestServer::start_on_dir(dir.path(), None, security).unwrap();
    coach_api::create_coach(&server.state, "a@bureau.test", "Coach A", PASSWORD, false).unwrap();
    coach_api::create_coach(&server.state, "b@bureau.test", "Coach B", PASSWORD, false).unwrap();
    (dir, server)
}

/// A JSON login as if from `client` behind the proxy (the test is the proxy: 127.0.0.1).
fn login(srv: &TestServer, client: &str, email: &str, password: &str) -> StatusCode {
    Client::new()
        .post(format!("{}/v1/coach/login", srv.url))
        .header("x-forwarded-for", client)
        .json(&serde_json::json!({"email": email, "password": password}))
        .send()
        .unwrap()
        .status()
}

fn last_audited_ip(srv: &TestServer) -> Option<String> {
    srv.state
        .storage
        .audit_log(1)
        .unwrap()
        .pop()
        .and_then(|e| e.ip)
}

#[test]
fn the_forwarded_address_counts_only_from_a_trusted_proxy() {
    let (_dir, trusting) = server("127.0.0.1");
    assert_eq!(
        login(&trusting, "203.0.113.5", "a@bureau.test", "fout"),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(last_audited_ip(&trusting).as_deref(), Some("203.0.113.5"));

    let (_dir, untrusting) = server("10.0.0.0/8");
    assert_eq!(
        login(&untrusting, "203.0.113.5", "a@bureau.test", "fout"),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(last_audited_ip(&untrusting).as_deref(), Some("127.0.0.1"));
}

#[test]
fn one_clients_junk_locks_out_neither_another_client_nor_another_account() {
    let (_dir, srv) = server("127.0.0.1");
    let junk = "198.51.100.66";
    // Before: 20 attempts of anyone behind the proxy locked every coach out.
    for _ in 0..20 {
        assert_eq!(
            login(&srv, junk, "a@bureau.test", "fout"),
            StatusCode::UNAUTHORIZED
        );
    }
    // That client is held up now, even with the right password of another account ...
    assert_eq!(
        login(&srv, junk, "b@bureau.test", PASSWORD),
        StatusCode::TOO_MANY_REQUESTS
    );
    // ... but another client logs in to the same account and to another one.
    assert_eq!(
        login(&srv, "198.51.100.7", "a@bureau.test", PASSWORD),
        StatusCode::OK
    );
    assert_eq!(
        login(&srv, "198.51.100.7", "b@bureau.test", PASSWORD),
        StatusCode::OK
    );
}

#[test]
fn successful_logins_do_not_count() {
    let (_dir, srv) = server("127.0.0.1");
    for _ in 0..25 {
        assert_eq!(
            login(&srv, "198.51.100.7", "a@bureau.test", PASSWORD),
            StatusCode::OK
        );
    }
}

#[test]
fn guessing_one_account_from_many_addresses_locks_only_that_account() {
    let (_dir, srv) = server("127.0.0.1");
    // 50 failures on one account, spread so that no address reaches its own limit.
    for i in 0..50 {
        let client = format!("203.0.113.{}", i % 5);
        assert_eq!(
            login(&srv, &client, "a@bureau.test", "fout"),
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(
        login(&srv, "192.0.2.1", "a@bureau.test", PASSWORD),
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(
        login(&srv, "192.0.2.1", "b@bureau.test", PASSWORD),
        StatusCode::OK
    );
}

/// An enrolment as if from `client` behind the proxy; the reply's status.
fn enrol(srv: &TestServer, client: &str, code: &str) -> StatusCode {
    let body = koers_protocol::encode(&koers_protocol::EnrolRequest {
        v: koers_protocol::PROTOCOL_VERSION,
        code: code.into(),
        device_name: "Testtelefoon".into(),
        request_id: None,
    })
    .unwrap();
    Client::new()
        .post(format!("{}/v1/enrol", srv.url))
        .header("x-forwarded-for", client)
        .header("content-type", koers_protocol::CONTENT_TYPE)
        .body(body)
        .send()
        .unwrap()
        .status()
}

fn new_employee_code(srv: &TestServer, coach_email: &str) -> String {
    let coach = srv
        .state
        .storage
        .coach_by_email(coach_email)
        .unwrap()
        .unwrap();
    coach_api::create_employee(
        &srv.state,
        &coach.id,
        &coach_api::NewEmployee {
            name: "Sanne".into(),
            kind: koers_core::model::TrajectoryKind::Outplacement,
            first_sick_day: None,
            contract_end: None,
            weekly_target: None,
            bureau: None,
        },
    )
    .unwrap()
    .enrolment_code
}

#[test]
fn one_clients_wrong_codes_do_not_hold_up_another_clients_enrolment() {
    let (_dir, srv) = server("127.0.0.1");
    let junk = "198.51.100.66";
    for _ in 0..20 {
        assert_ne!(enrol(&srv, junk, "ZZZZ-ZZZZ"), StatusCode::OK);
    }
    let code = new_employee_code(&srv, "a@bureau.test");
    assert_eq!(enrol(&srv, junk, &code), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(enrol(&srv, "198.51.100.7", &code), StatusCode::OK);
}

#[test]
fn an_unknown_address_is_checked_as_hard_as_a_wrong_password() {
    let (_dir, srv) = server("");
    let argon2 = koers_bureau::auth::argon2_verifications_on_this_thread;
    let before = argon2();
    let unknown = coach_api::log_in(&srv.state, "niemand@bureau.test", "fout", "192.0.2.1");
    assert_eq!(argon2(), before + 1, "the dummy hash was verified");
    let wrong = coach_api::log_in(&srv.state, "a@bureau.test", "fout", "192.0.2.1");
    assert_eq!(argon2(), before + 2);
    // And the answers are the same.
    assert_eq!(
        unknown.unwrap_err().to_string(),
        wrong.unwrap_err().to_string()
    );
}

#[test]
fn a_coach_api_token_ends_at_logout() {
    let (_dir, srv) = server("");
    let client = Client::new();
    let session: serde_json::Value = client
        .post(format!("{}/v1/coach/login", srv.url))
        .json(&serde_json::json!({"email": "a@bureau.test", "password": PASSWORD}))
        .send()
        .unwrap()
        .json()
        .unwrap();
    let token = session["token"].as_str().unwrap();
    let caseload = |token: &str| {
        client
            .get(format!("{}/v1/coach/caseload", srv.url))
            .bearer_auth(token)
            .send()
            .unwrap()
    };
    let r = caseload(token);
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["cache-control"], "no-store");
    let out = |token: &str| {
        client
            .post(format!("{}/v1/coach/logout", srv.url))
            .bearer_auth(token)
            .send()
            .unwrap()
            .status()
    };
    assert_eq!(out(token), StatusCode::NO_CONTENT);
    assert_eq!(caseload(token).status(), StatusCode::UNAUTHORIZED);
    assert_eq!(out(token), StatusCode::UNAUTHORIZED, "already ended");
}

#[test]
fn replies_are_not_cached_except_static_files() {
    let (_dir, srv) = server("");
    let client = Client::new();
    let cache_control = |r: reqwest::blocking::Response| {
        r.headers()
            .get("cache-control")
            .map(|v| v.to_str().unwrap().to_string())
    };
    // A sync reply (here a refusal) and a JSON login.
    let sync = client
        .post(format!("{}/v1/sync", srv.url))
        .body(Vec::new())
        .send()
        .unwrap();
    assert_eq!(cache_control(sync).as_deref(), Some("no-store"));
    let login = client
        .post(format!("{}/v1/coach/login", srv.url))
        .json(&serde_json::json!({"email": "a@bureau.test", "password": PASSWORD}))
        .send()
        .unwrap();
    assert_eq!(cache_control(login).as_deref(), Some("no-store"));
    let css = client
        .get(format!("{}/coach/static/koers.css", srv.url))
        .send()
        .unwrap();
    assert_eq!(cache_control(css).as_deref(), Some("public, max-age=3600"));
}
