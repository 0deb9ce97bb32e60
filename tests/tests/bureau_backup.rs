//! Backups as an operator makes them: `koers-bureau backup` (SQLite) or `pg_dump`
//! (PostgreSQL) while the bureau serves, the phone keeps working and syncing, then the
//! bureau is stopped and restored from the backup (`koers-bureau restore`, `pg_restore`).
//! The restored bureau lacks what arrived after the backup; the phone's next sync (its
//! state read back from its own database every round, as always) hands all of it back, and
//! the sync after that is the one-round fast path again.

use std::path::PathBuf;
use std::process::Command;

use koers_e2e::bureau::Bureau;
use koers_e2e::cli::Koers;
use reqwest::Method;

/// How the backup is made and restored.
trait Backups {
    fn backup(&self, bureau: &Bureau);
    fn restore(&self, bureau: &Bureau);
}

/// `koers-bureau backup FILE` / `restore FILE`.
struct SqliteFile;

impl Backups for SqliteFile {
    fn backup(&self, bureau: &Bureau) {
        let out = bureau
            .command()
            .arg("backup")
            .arg(bureau.dir.path().join("backup.db"))
            .output()
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(out.status.success(), "backup failed: {out:?}");
    }

    fn restore(&self, bureau: &Bureau) {
        let out = bureau
            .command()
            .arg("restore")
            .arg(bureau.dir.path().join("backup.db"))
            .output()
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(out.status.success(), "restore failed: {out:?}");
    }
}

/// `pg_dump --format=custom` / `pg_restore --clean`, as docs/OPERATIONS.md says.
struct PgDump {
    database: String,
}

/// A PostgreSQL client program: the newest server version's, else the one on PATH.
fn pg_tool(name: &str) -> PathBuf {
    let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|dirs| {
            dirs.filter_map(|d| d.ok())
                .map(|d| d.path().join("bin").join(name))
                .filter(|p| p.exists())
                .collect()
        })
        .unwrap_or_default();
    found.sort();
    found.pop().unwrap_or_else(|| PathBuf::from(name))
}

impl Backups for PgDump {
    fn backup(&self, bureau: &Bureau) {
        let out = Command::new(pg_tool("pg_dump"))
            .arg("--format=custom")
            .arg("--file")
            .arg(bureau.dir.path().join("backup.dump"))
            .arg(&self.database)
            .output()
            .unwrap_or_else(|e| panic!("pg_dump: {e}"));
        assert!(out.status.success(), "pg_dump failed: {out:?}");
    }

    fn restore(&self, bureau: &Bureau) {
        let out = Command::new(pg_tool("pg_restore"))
            .args([
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
            ])
            .arg(format!("--dbname={}", self.database))
            .arg(bureau.dir.path().join("backup.dump"))
            .output()
            .unwrap_or_else(|e| panic!("pg_restore: {e}"));
        assert!(out.status.success(), "pg_restore failed: {out:?}");
    }
}

#[test]
fn a_phone_hands_a_restored_bureau_back_what_it_lost() {
    lose_and_heal(Bureau::new(), &SqliteFile);
}

#[test]
fn a_phone_hands_a_restored_postgres_bureau_back_what_it_lost() {
    let Some(database) = koers_bureau::testkit::fresh_postgres_database() else {
        return;
    };
    lose_and_heal(Bureau::on_database(Some(&database)), &PgDump { database });
}

/// The coach adds an action to the dossier at `path`; its id.
fn add_action(bureau: &Bureau, coach: &str, path: &str, title: &str) -> String {
    let made = bureau.call(
        Method::POST,
        &format!("{path}/actions"),
        Some(coach),
        Some(serde_json::json!({ "title": title })),
    );
    made["id"].as_str().unwrap().to_string()
}

fn lose_and_heal(mut bureau: Bureau, backups: &dyn Backups) {
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
    backups.backup(&bureau);

    // More work reaches the bureau after the backup: it will be lost there. The coach's
    // too: an action the phone gets before the disaster.
    let coach = bureau.coach_token();
    let path = format!("/v1/coach/employees/{}", employee.id);
    let lost_action = add_action(&bureau, &coach, &path, "CV bijwerken");
    let mut after = Vec::new();
    for (employer, role) in [("Rabobank", "Adviseur"), ("Gemeente Utrecht", "Medewerker")] {
        after.push(phone.log(&[employer, role]));
        phone.json(&["sync"]);
    }
    assert_eq!(phone.json(&["sync-status"])["pending_changes"], 0);

    // Disaster: restore the backup.
    bureau.kill();
    backups.restore(&bureau);
    bureau.start();
    let coach = bureau.coach_token();
    let restored = bureau.call(Method::GET, &path, Some(&coach), None);
    assert!(restored["dossier"]["applications"].get(&before).is_some());
    for id in &after {
        assert!(
            restored["dossier"]["applications"].get(id).is_none(),
            "the backup predates {id}"
        );
    }

    assert!(restored["dossier"]["actions"].get(&lost_action).is_none());
    // The coach goes on working before the phone is back: the restored bureau must not
    // write a second, different change under a sequence number of the coach's that the
    // phone already holds (the lost action's), or neither side could take the other's.
    let new_action = add_action(&bureau, &coach, &path, "Netwerkgesprek plannen");

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
    for id in [&lost_action, &new_action] {
        assert!(
            healed["dossier"]["actions"].get(id).is_some(),
            "action {id} missing at the bureau: {report}"
        );
    }
    let on_phone: Vec<String> = phone
        .json(&["actions", "list"])
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap().to_string())
        .collect();
    assert!(
        on_phone.contains(&lost_action) && on_phone.contains(&new_action),
        "{on_phone:?}"
    );
    assert_eq!(phone.json(&["sync-status"])["pending_changes"], 0);
    // And the fast path is back.
    phone.log(&["Bol", "Inkoper"]);
    assert_eq!(phone.json(&["sync"])["round_trips"], 1);
}
