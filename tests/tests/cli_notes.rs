//! The coach's general notes (remarks about the trajectory, not about one application)
//! reach the phone: written in the bureau, synced, listed by `koers notes` (text and JSON)
//! and the newest ones shown by `koers today`. Refusals of the coach API are Dutch.

use koers_e2e::bureau::Bureau;
use koers_e2e::cli::Koers;
use serde_json::json;

#[test]
fn the_coachs_general_notes_reach_the_phone() {
    let mut bureau = Bureau::new();
    let employee = bureau.create_employee("Petra Bakker");
    bureau.start();
    let coach = bureau.coach_token();
    let notes = format!("/v1/coach/employees/{}/comments", employee.id);

    let phone = Koers::new();
    phone.ok(&["enrol", &bureau.url(), &employee.code]);
    assert_eq!(phone.ok(&["notes"]).trim(), "Nog geen notities.");
    assert!(!phone.ok(&["today"]).contains("Notities"));

    for text in [
        "Intake besproken; motivatie goed.",
        "Arbeidsdeskundige gesproken over de belastbaarheid.",
        "Netwerk in de zorgadministratie verkennen.",
        "Volgende keer: cv doorlopen.",
    ] {
        bureau.post(&notes, Some(&coach), json!({ "text": text }));
        // Apart in time, so that "newest first" is a real order.
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    // A comment on one application is no general note (there is none to comment on here,
    // and the bureau says so in Dutch).
    let (status, refused) = bureau.try_call(
        reqwest::Method::POST,
        &notes,
        Some(&coach),
        Some(json!({ "application_id": "bestaat-niet", "text": "Goed!" })),
    );
    assert_eq!(status, 404, "{refused}");
    assert!(
        refused
            .to_string()
            .contains("Niet gevonden: sollicitatie bestaat-niet"),
        "{refused}"
    );
    let (status, refused) = bureau.try_call(
        reqwest::Method::POST,
        &notes,
        Some(&coach),
        Some(json!({ "text": "   " })),
    );
    assert_eq!(status, 400, "{refused}");
    assert!(
        refused
            .to_string()
            .contains("Niet opgeslagen (tekst): mag niet leeg zijn."),
        "{refused}"
    );

    phone.ok(&["sync"]);
    let text = phone.ok(&["notes"]);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "Notities, nieuwste eerst:", "{text}");
    assert!(lines[1].ends_with("Volgende keer: cv doorlopen."), "{text}");
    assert!(
        lines[4].ends_with("Intake besproken; motivatie goed."),
        "{text}"
    );
    assert!(
        lines[1].contains(", Test Coach: "),
        "signed by the coach: {text}"
    );

    let list = phone.json(&["notes"]);
    let list = list.as_array().expect("a list");
    assert_eq!(list.len(), 4);
    assert_eq!(list[0]["text"], "Volgende keer: cv doorlopen.");
    assert_eq!(list[0]["author"], "coach");
    assert!(list[0]["application_id"].is_null());

    let today = phone.ok(&["today"]);
    assert!(today.contains("\nNotities:\n"), "{today}");
    assert!(today.contains("Volgende keer: cv doorlopen."), "{today}");
    assert!(
        !today.contains("Intake besproken"),
        "only the newest three: {today}"
    );
    assert!(today.contains("(nog 1 notitie: koers notes)"), "{today}");
    let overview = phone.json(&["today"]);
    assert_eq!(overview["notes_total"], 4);
    assert_eq!(overview["recent_notes"].as_array().unwrap().len(), 3);
}
