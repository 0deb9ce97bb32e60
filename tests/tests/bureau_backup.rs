//! Backups as an operator makes them: `koers-bureau backup` while the bureau serves, the
//! phone keeps working and syncing, then the bureau is stopped and restored from the backup
//! (`koers-bureau restore`). The restored bureau lacks what arrived after the backup; the
//! phone's next sync (its state read back from its own database every round, as always)
//! hands all of it back, and the sync after that is the one-round fast path again.

use koers_e2e::bureau::Bureau;
use koers_e2e::cli::Koers;
use reqwest::Method;

#[test]
fn a_phone_hands_a_restored_bureau_back_what_it_lost() {
    let mut bureau = Bureau::new();
    let employee = bureau.create_employee("Priya Raghoebir");
    bureau.start();
    let phone = Koers::new();
    phone.ok(&[
        "enrol",
        &bureau.url(),
        &employee.code,
        "--device-name",
        "Telefoon",
    ]);
    let before = phone.log(&["Albert Heijn", "Teamleider"]);
    phone.json(&["sync"]);

    // An online backup while the bureau serves.
    let backup = bureau.dir.path().join("backup.db");
    let out = bureau
        .command()
        .arg("backup")
        .arg(&backup)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(out.status.success(), "backup failed: {out:?}");

    // More work reaches the bureau after the backup: it will be lost there.
    let mut after = Vec::new();
    for (employer, role) in [("Rabobank", "Adviseur"), ("Gemeente Utrecht", "Medewerker")] {
        after.push(phone.log(&[employer, role]));
        phone.json(&["sync"]);
    }
    assert_eq!(phone.json(&["sync-status"])["pending_changes"], 0);

    // Disaster: restore the backup.
    bureau.kill();
    let out = bureau
        .command()
        .arg("restore")
        .arg(&backup)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(out.status.success(), "restore failed: {out:?}");
    bureau.start();
    let coach = bureau.coach_token();
    let path = format!("/v1/coach/employees/{}", employee.id);
    let restored = bureau.call(Method::GET, &path, Some(&coach), None);
    assert!(restored["dossier"]["applications"].get(&before).is_some());
    for id in &after {
        assert!(
            restored["dossier"]["applications"].get(id).is_none(),
            "the backup predates {id}"
        );
    }

    // One sync command (several rounds of the full protocol) brings it all back.
    let report = phone.json(&["sync"]);
    assert!(report["round_trips"].as_u64().unwrap_or(0) >= 2, "{report}");
    let healed = bureau.call(Method::GET, &path, Some(&coach), None);
    for id in after.iter().chain([&before]) {
        assert!(
            healed["dossier"]["applications"].get(id).is_some(),
            "{id} not handed back: {report}"
        );
    }
    assert_eq!(phone.json(&["sync-status"])["pending_changes"], 0);
    // And the fast path is back.
    phone.log(&["Bol", "Inkoper"]);
    assert_eq!(phone.json(&["sync"])["round_trips"], 1);
}
