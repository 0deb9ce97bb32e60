//! A flood of refused attempts from one address writes its first few audit lines and then
//! one summary, not a line per attempt.

mod common;

use common::Bureau;
use koers_bureau::storage::sqlite::SqliteStorage;
use koers_bureau::storage::Storage;
use koers_bureau::throttle::AUDIT_PER_WINDOW;

#[test]
fn a_flood_of_refusals_is_summarised_in_the_audit() {
    let mut b = Bureau::start();
    let client = reqwest::blocking::Client::new();
    for _ in 0..300 {
        let r = client
            .post(format!("{}/v1/sync", b.url()))
            .bearer_auth("geen geldige sleutel")
            .body(Vec::new())
            .send()
            .unwrap();
        assert_eq!(r.status(), 401);
    }
    let audited = b.srv().state.storage.audit_log(10_000).unwrap();
    assert_eq!(audited.len(), AUDIT_PER_WINDOW as usize, "{audited:#?}");
    assert!(audited.iter().all(|e| e.kind == "unauthorized"));
    // The rest is summed up (here when the server stops; else when the window ends).
    b.stop();
    let storage = SqliteStorage::open_dir(b.dir.path()).unwrap();
    let audited = storage.audit_log(10_000).unwrap();
    assert_eq!(audited.len(), AUDIT_PER_WINDOW as usize + 1);
    let summary = &audited[0];
    assert_eq!(summary.kind, "refused_summary");
    assert_eq!(summary.ip.as_deref(), Some("127.0.0.1"));
    assert!(
        summary
            .detail
            .contains(&format!("{} ", 300 - AUDIT_PER_WINDOW)),
        "{}",
        summary.detail
    );
    assert!(
        summary.detail.contains("unauthorized"),
        "{}",
        summary.detail
    );
}
