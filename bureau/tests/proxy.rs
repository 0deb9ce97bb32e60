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
    };
    let server = TestServer::start_with(dir.path(), None, security).unwrap();
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
