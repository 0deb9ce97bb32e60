//! The phone and the bureau as people use them: a real `koers-bureau` on loopback, two
//! phones of one employee (the `koers` CLI), and the coach on the bureau's API; offline edits
//! everywhere, syncs in various orders, a server crash in between. Everything converges and
//! nothing is lost.

use koers_e2e::bureau::Bureau;
use koers_e2e::cli::{id_of, Koers};
use reqwest::Method;
use serde_json::{json, Value};

fn enrol(phone: &Koers, bureau: &Bureau, code: &str, name: &str) {
    phone.ok(&["enrol", &bureau.url(), code, "--device-name", name]);
}

fn sync(phone: &Koers) -> Value {
    phone.json(&["sync"])
}

fn applications(phone: &Koers) -> Vec<(String, String, String)> {
    let mut apps: Vec<_> = phone
        .list(&[])
        .iter()
        .map(|a| {
            (
                id_of(a),
                a["employer"].as_str().unwrap_or_default().to_string(),
                a["status"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    apps.sort();
    apps
}

#[test]
fn two_phones_and_a_coach_edit_offline_and_converge() {
    let mut bureau = Bureau::new();
    let employee = bureau.create_employee("Jan Jansen");
    bureau.start();
    let coach = bureau.coach_token();

    // Phone A logs offline before it is linked, then enrols: nothing local is lost.
    let a = Koers::new();
    let acme = a.log(&["Acme", "Planner"]);
    enrol(&a, &bureau, &employee.code, "Telefoon");
    assert_eq!(sync(&a)["round_trips"], 1);

    // A second device for the same employee, with a fresh code from the coach.
    let code2 = bureau.post(
        &format!("/v1/coach/employees/{}/code", employee.id),
        Some(&coach),
        json!({}),
    );
    let b = Koers::new();
    enrol(
        &b,
        &bureau,
        code2["enrolment_code"].as_str().unwrap(),
        "Tablet",
    );
    assert_eq!(
        applications(&b),
        applications(&a),
        "B received A's application"
    );

    // Offline on all three.
    a.ok(&["status", &acme, "interview"]);
    let globex = b.log(&["Globex", "Analist"]);
    b.ok(&["action", "add", "CV", "bijwerken", "--due", "2026-12-04"]);
    let base = format!("/v1/coach/employees/{}", employee.id);
    bureau.post(
        &format!("{base}/comments"),
        Some(&coach),
        json!({ "application_id": acme, "text": "Goed gesprek voorbereiden!" }),
    );
    let appointment = bureau.post(
        &format!("{base}/appointments"),
        Some(&coach),
        json!({
            "starts_at": "2026-12-01T09:00:00.000Z",
            "ends_at": "2026-12-01T10:00:00.000Z",
            "kind": "coaching",
            "location": "Kantoor Utrecht",
            "agenda": "Sollicitatiegesprek Acme voorbereiden"
        }),
    );
    bureau.call(
        Method::PUT,
        &format!("{base}/weekly-target"),
        Some(&coach),
        Some(json!({ "weekly_target": 4 })),
    );
    bureau.call(
        Method::PUT,
        &format!("{base}/phase"),
        Some(&coach),
        Some(json!({ "phase": "job_hunting" })),
    );

    // Sync in an awkward order; two passes settle everything.
    sync(&b);
    sync(&a);
    sync(&b);
    sync(&a);

    let expected = vec![
        (acme.clone(), "Acme".to_string(), "interview".to_string()),
        (globex.clone(), "Globex".to_string(), "applied".to_string()),
    ];
    let mut expected = expected;
    expected.sort();
    assert_eq!(applications(&a), expected);
    assert_eq!(applications(&b), expected);
    for phone in [&a, &b] {
        let t = phone.json(&["trajectory"]);
        assert_eq!(t["weekly_target"], 4, "{t}");
        assert_eq!(t["phase"], "job_hunting", "{t}");
        let appointments = phone.json(&["appointment", "list"]);
        let listed = appointments.as_array().unwrap();
        assert_eq!(listed.len(), 1, "{appointments}");
        assert_eq!(listed[0]["agenda"], appointment_agenda(&appointment));
        let shown = phone.json(&["show", &acme]);
        let comments = shown["comments"].as_array().unwrap();
        assert!(
            comments
                .iter()
                .any(|c| c["text"] == "Goed gesprek voorbereiden!"),
            "{shown}"
        );
        let actions = phone.json(&["action", "list"]);
        assert_eq!(actions.as_array().unwrap().len(), 1);
        let status = phone.json(&["sync-status"]);
        assert_eq!(status["pending_changes"], 0, "{status}");
        assert!(status["last_error"].is_null());
    }
    // The coach sees both phones' edits.
    let dossier = bureau.call(Method::GET, &base, Some(&coach), None);
    let apps = &dossier["dossier"]["applications"];
    assert_eq!(apps[&acme]["status"], "interview");
    assert_eq!(apps[&globex]["employer"], "Globex");
    assert_eq!(dossier["devices"].as_array().map(Vec::len), Some(2));

    // The tablet is lost: the phone revokes it, and it can no longer sync.
    let devices = a.json(&["devices", "list"]);
    let tablet = devices
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["current"] == false)
        .unwrap_or_else(|| panic!("no other device in {devices}"));
    let own = devices
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["current"] == true)
        .unwrap();
    a.fails(
        2,
        &["devices", "revoke", own["device_id"].as_str().unwrap()],
    );
    a.ok(&["devices", "revoke", tablet["device_id"].as_str().unwrap()]);
    b.log(&["Initech", "Tester"]);
    let refused = b.fails(5, &["sync"]);
    assert!(!refused.stderr.is_empty());
    sync(&a);
    assert!(applications(&a).iter().all(|(_, e, _)| e != "Initech"));
}

fn appointment_agenda(v: &Value) -> Value {
    // The coach API answers with the appointment or with its id; the agenda is what we sent.
    v.get("agenda")
        .cloned()
        .unwrap_or_else(|| json!("Sollicitatiegesprek Acme voorbereiden"))
}

#[test]
fn a_server_crash_costs_a_retry_never_data() {
    let mut bureau = Bureau::new();
    let employee = bureau.create_employee("Fatima El Amrani");
    bureau.start();
    let a = Koers::new();
    enrol(&a, &bureau, &employee.code, "Telefoon");
    let first = a.log(&["Coolblue", "Klantenservice"]);
    sync(&a);

    // The bureau goes down hard; the phone keeps working and says why sync failed.
    bureau.kill();
    let second = a.log(&["PostNL", "Planner"]);
    let failed = a.fails(5, &["sync"]);
    assert!(failed.stderr.contains("bureau"), "{}", failed.stderr);
    let status = a.json(&["sync-status"]);
    assert!(
        status["pending_changes"].as_u64().unwrap_or(0) >= 1,
        "{status}"
    );
    assert!(status["last_error"].is_string(), "{status}");

    // Back up on the same data: the next sync delivers everything.
    bureau.start();
    sync(&a);
    let status = a.json(&["sync-status"]);
    assert_eq!(status["pending_changes"], 0, "{status}");
    assert!(status["last_error"].is_null(), "{status}");
    let coach = bureau.coach_token();
    let dossier = bureau.call(
        Method::GET,
        &format!("/v1/coach/employees/{}", employee.id),
        Some(&coach),
        None,
    );
    for id in [&first, &second] {
        assert!(
            dossier["dossier"]["applications"].get(id).is_some(),
            "{id} missing"
        );
    }

    // Syncing again changes nothing and costs one round trip.
    assert_eq!(sync(&a)["changes_received"], 0);
}

#[test]
fn a_used_code_and_a_wrong_code_are_refused_and_sign_out_wipes() {
    let mut bureau = Bureau::new();
    let employee = bureau.create_employee("Piet de Boer");
    bureau.start();
    let a = Koers::new();
    enrol(&a, &bureau, &employee.code, "Telefoon");
    let b = Koers::new();
    let reused = b.fails(5, &["enrol", &bureau.url(), &employee.code]);
    assert!(!reused.stderr.is_empty());
    let wrong = b.fails(5, &["enrol", &bureau.url(), "AAAA-AAAA"]);
    assert!(!wrong.stderr.is_empty());
    assert!(!b.json(&["sync-status"])["enrolled"]
        .as_bool()
        .unwrap_or(true));

    a.log(&["Acme", "Planner"]);
    a.ok(&["journal", "add", "--energy", "2", "Moe vandaag"]);
    a.ok(&["sign-out", "--wipe"]);
    assert!(a.list(&[]).is_empty());
    assert!(a.json(&["journal", "list"]).as_array().unwrap().is_empty());
    assert!(!a.json(&["sync-status"])["enrolled"]
        .as_bool()
        .unwrap_or(true));
    // The revoked device's old token no longer syncs (it was forgotten locally too).
    a.fails(5, &["sync"]);
}
