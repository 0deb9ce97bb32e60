//! Enrolment codes are stored as a keyed hash; codes issued under the old scheme (plain
//! first letters and an unsalted SHA-256) are still redeemed until they expire.

mod common;

use common::{Bureau, Phone};
use koers_bureau::auth::{self, legacy};
use koers_bureau::storage::EnrolmentCode;
use koers_core::sync::HttpTransport;

#[test]
fn new_codes_are_stored_without_their_letters() {
    let b = Bureau::start();
    let coach = b.coach("coach@bureau.example");
    let (_, code) = b.employee(&coach, "Sanne");
    let n = auth::normalize_code(&code).unwrap();
    let storage = &b.srv().state.storage;
    let now = koers_bureau::now_ms();
    assert!(!storage.code_lookup_taken(legacy::lookup(&n), now).unwrap());
    assert!(storage
        .code_lookup_taken(&b.srv().state.code_key.lookup(&n), now)
        .unwrap());
    Phone::enrol(&b.url(), &code);
}

/// Gives the employee a code in the old scheme, as a bureau before the upgrade stored it.
fn legacy_code(b: &Bureau, employee_id: &str, code: &str, expires_at: i64) {
    let n = auth::normalize_code(code).unwrap();
    let code = EnrolmentCode {
        lookup: legacy::lookup(&n).to_string(),
        code_hash: legacy::hash(&n),
        employee_id: employee_id.to_string(),
        expires_at,
        attempts: 0,
        used: false,
    };
    let now = koers_bureau::now_ms();
    assert!(b.srv().state.storage.replace_code(&code, now).unwrap());
}

#[test]
fn codes_of_the_old_scheme_are_redeemed_until_they_expire() {
    let b = Bureau::start();
    let coach = b.coach("coach@bureau.example");
    let (sanne, _) = b.employee(&coach, "Sanne");
    let (ahmed, _) = b.employee(&coach, "Ahmed");
    let day = 24 * 3600 * 1000;
    legacy_code(&b, &sanne, "ABCD-2345", koers_bureau::now_ms() + day);
    legacy_code(&b, &ahmed, "WXYZ-6789", koers_bureau::now_ms() - 1);
    let t = HttpTransport::new(&b.url()).unwrap();
    // A wrong rest counts against the old code, as before.
    assert!(t.enrol("ABCD-2346", "x").is_err());
    let phone = Phone::enrol(&b.url(), "abcd 2345");
    assert_eq!(phone.employee_id, sanne);
    let err = t.enrol("ABCD-2345", "x").unwrap_err();
    assert!(err.to_string().contains("koppelcode"), "used up: {err}");
    let err = t.enrol("WXYZ-6789", "x").unwrap_err();
    assert!(err.to_string().contains("verlopen"), "{err}");
}
