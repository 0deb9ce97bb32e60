//! The coach's workflows through the JSON API, each on the core's operations: confirm the
//! employee's proposal, change / tick off / delete an action, a general note, the
//! trajectory's master data, and closing a trajectory (read-only and out of the caseload).

mod common;

use common::{Bureau, Phone};
use koers_core::model::fixtures::ts;
use koers_core::model::{AppointmentKind, AppointmentStatus, DossierDocument};
use koers_core::ops::{self, Acting};
use serde_json::{json, Value};

struct Api {
    url: String,
    token: String,
    client: reqwest::blocking::Client,
}

impl Api {
    fn new(b: &Bureau, email: &str, employee: &str) -> Self {
        Self {
            url: format!("{}/v1/coach/employees/{employee}", b.url()),
            token: b.coach_token(email),
            client: reqwest::blocking::Client::new(),
        }
    }

    fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> (u16, Value) {
        let mut r = self
            .client
            .request(method, format!("{}{path}", self.url))
            .bearer_auth(&self.token);
        if let Some(b) = body {
            r = r.json(&b);
        }
        let r = r.send().unwrap();
        let code = r.status().as_u16();
        (code, r.json().unwrap_or(Value::Null))
    }
}

fn run<T>(
    phone: &mut Phone,
    op: impl FnOnce(&DossierDocument) -> koers_core::Result<ops::Done<T>>,
) -> T {
    let done = op(&phone.dossier()).unwrap();
    let mut tx = phone.doc.transaction();
    for e in &done.edits {
        e.apply_to_doc(&mut tx).unwrap();
    }
    tx.commit();
    done.record
}

#[test]
fn the_coach_confirms_the_employees_proposal() {
    let b = Bureau::start();
    let coach = b.coach("c@bureau.example");
    let (employee, code) = b.employee(&coach, "Petra");
    let mut phone = Phone::enrol(&b.url(), &code);
    let m = run(&mut phone, |d| {
        let new = ops::NewAppointment {
            starts_at: ts("2026-12-18T09:00:00Z"),
            ends_at: ts("2026-12-18T10:00:00Z"),
            kind: AppointmentKind::Coaching,
            location: String::new(),
            agenda: String::new(),
            notes: String::new(),
        };
        ops::propose_appointment(d, Acting::employee(), new, ts("2026-12-02T09:00:00Z"))
    });
    phone.sync().unwrap();
    let api = Api::new(&b, "c@bureau.example", &employee);
    let (code, body) = api.call(
        reqwest::Method::PATCH,
        &format!("/appointments/{}", m.id),
        Some(json!({"status": "confirmed"})),
    );
    assert_eq!(code, 200, "{body}");
    assert_eq!(body["status"], "confirmed");
    phone.sync().unwrap();
    assert_eq!(
        phone.dossier().appointments[&m.id].status,
        AppointmentStatus::Confirmed
    );
}

#[test]
fn the_coach_edits_ticks_off_and_deletes_an_action_and_writes_a_general_note() {
    let b = Bureau::start();
    let coach = b.coach("c@bureau.example");
    let (employee, _) = b.employee(&coach, "Petra");
    let api = Api::new(&b, "c@bureau.example", &employee);
    let (code, action) = api.call(
        reqwest::Method::POST,
        "/actions",
        Some(json!({"title": "CV bijwerken", "due": "2026-12-20"})),
    );
    assert_eq!(code, 201, "{action}");
    let path = format!("/actions/{}", action["id"].as_str().unwrap());
    let (code, changed) = api.call(
        reqwest::Method::PATCH,
        &path,
        Some(json!({"title": "CV en LinkedIn bijwerken", "due": null, "done": true})),
    );
    assert_eq!(code, 200, "{changed}");
    assert_eq!(changed["title"], "CV en LinkedIn bijwerken");
    assert_eq!(changed["due"], Value::Null);
    assert_eq!(changed["done"], true);
    let (code, body) = api.call(
        reqwest::Method::PATCH,
        &path,
        Some(json!({"title": "x".repeat(5_000)})),
    );
    assert_eq!(code, 400, "{body}");
    assert_eq!(api.call(reqwest::Method::DELETE, &path, None).0, 200);
    assert!(b.dossier(&employee).actions.is_empty());
    assert_eq!(
        api.call(reqwest::Method::PATCH, &path, Some(json!({"done": false})))
            .0,
        404
    );
    let (code, note) = api.call(
        reqwest::Method::POST,
        "/comments",
        Some(json!({"text": "Intake gehad; goede motivatie."})),
    );
    assert_eq!(code, 201, "{note}");
    assert_eq!(note["application_id"], Value::Null);
    assert_eq!(b.dossier(&employee).comments.len(), 1);
}

#[test]
fn the_coach_corrects_the_trajectorys_master_data() {
    let b = Bureau::start();
    let coach = b.coach("c@bureau.example");
    let (employee, _) = b.employee(&coach, "Petra");
    let api = Api::new(&b, "c@bureau.example", &employee);
    let (code, t) = api.call(
        reqwest::Method::PATCH,
        "/trajectory",
        Some(json!({
            "kind": "spoor2",
            "first_sick_day": "2025-10-06",
            "contract_end": null,
            "start_date": "2026-09-07",
            "goals": ["Passend werk in de logistiek", "", "Rijbewijs C"],
            "employer": "Transportbedrijf De Vries",
            "employer_contact": "J. de Vries, 030 123 45 67",
        })),
    );
    assert_eq!(code, 200, "{t}");
    assert_eq!(t["first_sick_day"], "2025-10-06");
    assert_eq!(t["start_date"], "2026-09-07");
    assert_eq!(
        t["goals"],
        json!(["Passend werk in de logistiek", "Rijbewijs C"])
    );
    assert_eq!(t["employer"], "Transportbedrijf De Vries");
    // The first target, agreed at the start, moved with the start date.
    assert_eq!(t["target_history"][0]["from"], "2026-09-07");
    let d = b.dossier(&employee).trajectory;
    assert_eq!(d.employer_contact, "J. de Vries, 030 123 45 67");
    for bad in [
        json!({"weekly_target": 51}),
        json!({"start_date": "2025-01-01"}),
        json!({"employer": "a\nb"}),
    ] {
        let (code, body) = api.call(reqwest::Method::PATCH, "/trajectory", Some(bad));
        assert_eq!(code, 400, "{body}");
    }
}

#[test]
fn a_closed_trajectory_is_read_only_and_out_of_the_caseload() {
    let b = Bureau::start();
    let coach = b.coach("c@bureau.example");
    let (employee, _) = b.employee(&coach, "Petra");
    let (other, _) = b.employee(&coach, "Sanne");
    let api = Api::new(&b, "c@bureau.example", &employee);
    let (code, body) = api.call(
        reqwest::Method::POST,
        "/close",
        Some(json!({"reason": " "})),
    );
    assert_eq!(code, 400, "a reason is needed: {body}");
    let (code, t) = api.call(
        reqwest::Method::POST,
        "/close",
        Some(json!({"reason": "Geplaatst bij Acme"})),
    );
    assert_eq!(code, 200, "{t}");
    assert_eq!(t["closed_reason"], "Geplaatst bij Acme");
    assert!(t["closed_on"].is_string());
    let (code, body) = api.call(
        reqwest::Method::POST,
        "/actions",
        Some(json!({"title": "Nog iets"})),
    );
    assert_eq!(code, 403, "{body}");
    assert!(body["message"].as_str().unwrap().contains("afgesloten"));
    let list = |query: &str| {
        let r: Value = api
            .client
            .get(format!("{}/v1/coach/caseload{query}", b.url()))
            .bearer_auth(&api.token)
            .send()
            .unwrap()
            .json()
            .unwrap();
        r.as_array()
            .unwrap()
            .iter()
            .map(|e| e["employee_id"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(list(""), std::slice::from_ref(&other));
    let all = list("?archived=true");
    assert!(all.contains(&employee) && all.contains(&other));
    // Still readable.
    assert_eq!(api.call(reqwest::Method::GET, "", None).0, 200);
}

#[test]
fn a_body_that_is_not_the_expected_json_is_refused_in_the_apis_own_error_shape() {
    let b = Bureau::start();
    let coach = b.coach("coach@bureau.example");
    let (employee, _) = b.employee(&coach, "Petra");
    let api = Api::new(&b, "coach@bureau.example", &employee);
    let before = b.dossier(&employee);
    let send = |content_type: &str, body: &str| {
        let r = api
            .client
            .post(format!("{}/actions", api.url))
            .bearer_auth(&api.token)
            .header("content-type", content_type)
            .body(body.to_string())
            .send()
            .unwrap();
        (
            r.status().as_u16(),
            r.json::<Value>().unwrap_or(Value::Null),
        )
    };
    for (content_type, body) in [
        ("application/json", "{\"titel\": \"CV\"}"),
        ("application/json", "{\"title\": 7}"),
        ("application/json", "{\"title\": "),
        ("text/plain", "{\"title\": \"CV\"}"),
    ] {
        let (status, reply) = send(content_type, body);
        assert_eq!(status, 400, "{body}: {reply}");
        assert_eq!(reply["code"], "malformed", "{body}: {reply}");
        let message = reply["message"].as_str().unwrap_or_default();
        assert!(
            message.starts_with("Onleesbaar verzoek: "),
            "{body}: {reply}"
        );
    }
    assert_eq!(b.dossier(&employee), before, "nothing stored");
    // The right body still works.
    let (status, _) = send("application/json", "{\"title\": \"CV bijwerken\"}");
    assert_eq!(status, 201);
}
