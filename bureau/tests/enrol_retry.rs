//! Enrolment survives a lost reply: the bureau has used the code and made the device, the
//! phone never heard. A retry with the same code and the same request id gets that
//! enrolment again (the same device, a new token, the old one void); any other use of the
//! spent code is refused as before.

mod common;

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};

use common::Bureau;
use koers_bureau::testkit::Proxy;
use koers_core::session::{SecretStore, SecretStoreError, Session};
use koers_core::sync::HttpTransport;
use koers_core::{Dossier, KoersError};
use koers_protocol::{EnrolRequest, EnrolResponse, ErrorBody, ErrorCode, PROTOCOL_VERSION};
use reqwest::StatusCode;

/// Posts an enrolment; the status and the raw reply.
fn enrol(url: &str, code: &str, request_id: Option<&str>) -> (StatusCode, Vec<u8>) {
    let body = koers_protocol::encode(&EnrolRequest {
        v: PROTOCOL_VERSION,
        code: code.into(),
        device_name: "Telefoon van Sanne".into(),
        request_id: request_id.map(str::to_string),
    })
    .unwrap();
    let reply = reqwest::blocking::Client::new()
        .post(format!("{url}/v1/enrol"))
        .header("content-type", koers_protocol::CONTENT_TYPE)
        .body(body)
        .send()
        .unwrap();
    let status = reply.status();
    (status, reply.bytes().unwrap().to_vec())
}

fn refused_as(reply: &(StatusCode, Vec<u8>)) -> ErrorCode {
    assert!(!reply.0.is_success(), "{}", reply.0);
    koers_protocol::decode::<ErrorBody>(&reply.1).unwrap().code
}

#[test]
fn a_retry_with_the_same_request_id_gets_the_same_enrolment_with_a_new_token() {
    let b = Bureau::start();
    let coach = b.coach("coach@bureau.example");
    let (employee, code) = b.employee(&coach, "Sanne");
    let url = b.url();
    let request = "7f0c5a0e9b9d4e6f8a1b2c3d4e5f6a7b";

    // The first reply is "lost": read by nobody.
    let (status, lost) = enrol(&url, &code, Some(request));
    assert_eq!(status, StatusCode::OK);
    let lost: EnrolResponse = koers_protocol::decode(&lost).unwrap();

    let (status, again) = enrol(&url, &code, Some(request));
    assert_eq!(status, StatusCode::OK);
    let again: EnrolResponse = koers_protocol::decode(&again).unwrap();
    assert_eq!(again.employee_id, employee);
    assert_eq!(
        again.device_id, lost.device_id,
        "the same device, not a second one"
    );
    assert_ne!(again.token, lost.token);

    // The new token works, the lost one does not.
    let transport = HttpTransport::new(&url).unwrap();
    let devices = transport.devices(&again.token).unwrap();
    assert_eq!(devices.len(), 1);
    assert!(devices[0].current && !devices[0].revoked);
    assert!(transport.devices(&lost.token).is_err());

    // Another request id, none (an older app), or a malformed one: the code is spent.
    let other = enrol(&url, &code, Some("00000000000000000000000000000000"));
    assert_eq!(refused_as(&other), ErrorCode::CodeInvalid);
    assert_eq!(
        refused_as(&enrol(&url, &code, None)),
        ErrorCode::CodeInvalid
    );
    assert_eq!(
        refused_as(&enrol(&url, &code, Some("kort"))),
        ErrorCode::Malformed
    );
    assert_eq!(
        b.srv().state.storage.devices_of(&employee).unwrap().len(),
        1
    );
}

#[test]
fn once_the_device_is_revoked_the_retry_is_refused() {
    let b = Bureau::start();
    let coach = b.coach("coach@bureau.example");
    let (_, code) = b.employee(&coach, "Sanne");
    let url = b.url();
    let request = "0123456789abcdef0123456789abcdef";
    let (_, first) = enrol(&url, &code, Some(request));
    let first: EnrolResponse = koers_protocol::decode(&first).unwrap();
    HttpTransport::new(&url)
        .unwrap()
        .revoke(&first.token, &first.device_id)
        .unwrap();
    assert_eq!(
        refused_as(&enrol(&url, &code, Some(request))),
        ErrorCode::CodeInvalid
    );
}

/// The phone's secret store, in memory.
#[derive(Default)]
struct Secrets(Mutex<HashMap<String, String>>);

impl SecretStore for Secrets {
    fn get(&self, key: String) -> Option<String> {
        self.0.lock().unwrap().get(&key).cloned()
    }
    fn put(&self, key: String, value: String) -> Result<(), SecretStoreError> {
        self.0.lock().unwrap().insert(key, value);
        Ok(())
    }
    fn delete(&self, key: String) {
        self.0.lock().unwrap().remove(&key);
    }
}

#[test]
fn the_phone_retries_an_enrolment_whose_reply_was_lost() {
    let b = Bureau::start();
    let coach = b.coach("coach@bureau.example");
    let (employee, code) = b.employee(&coach, "Sanne");
    let proxy = Proxy::start(b.srv().addr).unwrap();

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("koers.db").to_string_lossy().into_owned();
    let session = Session::start(Dossier::open(&path).unwrap(), Arc::new(Secrets::default()));

    // The bureau answers, the connection breaks after the reply's first byte.
    proxy.stats.cut_down_after.store(1, Ordering::Relaxed);
    let err = session
        .enrol(&proxy.url, &code, "Telefoon van Sanne")
        .unwrap_err();
    assert!(matches!(err, KoersError::Network { .. }), "{err}");
    assert!(err.to_string().contains("kwam niet aan"), "{err}");
    let made = b.srv().state.storage.devices_of(&employee).unwrap();
    assert_eq!(made.len(), 1, "the bureau did enrol the device");
    assert!(session.read(|d| d.sync_target()).unwrap().is_none());
    let kept = session.read(|d| d.enrolment_request_id()).unwrap();

    // The person taps "koppelen" again with the same code: it works.
    let info = session
        .enrol(&proxy.url, &code, "Telefoon van Sanne")
        .unwrap();
    assert_eq!(info.employee_id, employee);
    assert_eq!(info.device_id, made[0].id);
    assert_eq!(
        b.srv().state.storage.devices_of(&employee).unwrap().len(),
        1
    );
    session.sync_now().unwrap();

    // Done: the id is gone, so a later enrolment is a new one, and this code is spent for it.
    let next = session.read(|d| d.enrolment_request_id()).unwrap();
    assert_ne!(next, kept);
    let later = enrol(&b.url(), &code, Some(&next));
    assert_eq!(refused_as(&later), ErrorCode::CodeInvalid);
}
