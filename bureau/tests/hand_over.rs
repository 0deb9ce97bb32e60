//! A coach hands an employee over to another coach and revokes a lost phone, through the
//! JSON API and the web view's forms over real HTTP; and a closed dossier stays closed when a
//! phone syncs edits it made offline before it learned of the closure.

mod common;
mod web;

use common::{Bureau, Phone};
use koers_bureau::coach_api;
use reqwest::blocking::Client;
use serde_json::{json, Value};

fn post(b: &Bureau, token: &str, path: &str, body: Value) -> (u16, Value) {
    let r = Client::new()
        .post(format!("{}{path}", b.url()))
        .bearer_auth(token)
        .json(&body)
        .send()
        .unwrap();
    (r.status().as_u16(), r.json().unwrap_or(Value::Null))
}

fn get(b: &Bureau, token: &str, path: &str) -> u16 {
    Client::new()
        .get(format!("{}{path}", b.url()))
        .bearer_auth(token)
        .send()
        .unwrap()
        .status()
        .as_u16()
}

fn new_coach(b: &Bureau, email: &str, name: &str) -> String {
    coach_api::create_coach(&b.srv().state, email, name, web::PASSWORD, false)
        .unwrap()
        .id
}

#[test]
fn a_hand_over_through_the_json_api_moves_the_dossier_to_the_new_coach() {
    let b = Bureau::start();
    let anna = new_coach(&b, "anna@bureau.test", "Anna de Vries");
    let bert = new_coach(&b, "bert@bureau.test", "Bert Smit");
    let (employee, code) = b.employee(&anna, "Petra");
    let mut phone = Phone::enrol(&b.url(), &code);
    let (anna_token, bert_token) = (
        b.coach_token("anna@bureau.test"),
        b.coach_token("bert@bureau.test"),
    );
    let path = format!("/v1/coach/employees/{employee}/hand-over");
    assert_eq!(
        get(&b, &bert_token, &format!("/v1/coach/employees/{employee}")),
        403
    );
    // Bert cannot take it, nor can an unknown address receive it.
    let (status, _) = post(&b, &bert_token, &path, json!({"to": "bert@bureau.test"}));
    assert_eq!(status, 403);
    let (status, body) = post(&b, &anna_token, &path, json!({"to": "nobody@bureau.test"}));
    assert_eq!(status, 400, "{body}");
    let (status, _) = post(&b, &anna_token, &path, json!({"to": "anna@bureau.test"}));
    assert_eq!(status, 400, "not to oneself");
    assert_eq!(
        b.srv()
            .state
            .storage
            .employee(&employee)
            .unwrap()
            .unwrap()
            .coach_id,
        anna
    );

    let (status, body) = post(&b, &anna_token, &path, json!({"to": " Bert@Bureau.test "}));
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["coach_id"], bert.as_str());
    assert_eq!(body["coach_name"], "Bert Smit");
    assert_eq!(
        get(&b, &anna_token, &format!("/v1/coach/employees/{employee}")),
        403
    );
    assert_eq!(
        get(&b, &bert_token, &format!("/v1/coach/employees/{employee}")),
        200
    );
    let (status, _) = post(&b, &anna_token, &path, json!({"to": "anna@bureau.test"}));
    assert_eq!(status, 403, "no way back for the old coach");
    assert!(coach_api::caseload(&b.srv().state, &anna)
        .unwrap()
        .is_empty());
    assert_eq!(coach_api::caseload(&b.srv().state, &bert).unwrap().len(), 1);
    // The shared document names the new coach, and the phone learns it by syncing.
    assert_eq!(b.dossier(&employee).trajectory.coach, "Bert Smit");
    phone.sync().unwrap();
    assert_eq!(phone.dossier().trajectory.coach, "Bert Smit");
    let audit = b.srv().state.storage.audit_log(50).unwrap();
    assert!(audit
        .iter()
        .any(|e| e.kind == "employee_handed_over" && e.detail.contains(&bert)));

    // A closed dossier is not handed over: it is read-only.
    coach_api::close_trajectory(&b.srv().state, &bert, &employee, "", "Geplaatst").unwrap();
    let (status, body) = post(&b, &bert_token, &path, json!({"to": "anna@bureau.test"}));
    assert_eq!(status, 403, "{body}");
    assert!(body["message"].as_str().unwrap().contains("afgesloten"));
    assert_eq!(
        b.srv()
            .state
            .storage
            .employee(&employee)
            .unwrap()
            .unwrap()
            .coach_id,
        bert
    );
}

#[test]
fn the_web_view_revokes_a_lost_phone_and_hands_the_employee_over() {
    let b = Bureau::start();
    let anna = new_coach(&b, "anna@bureau.test", "Anna de Vries");
    new_coach(&b, "bert@bureau.test", "Bert Smit");
    let (employee, code) = b.employee(&anna, "Petra");
    let mut phone = Phone::enrol(&b.url(), &code);
    phone.sync().unwrap();
    let anna_web = web::Browser::logged_in(b.srv(), "anna@bureau.test");
    let bert_web = web::Browser::logged_in(b.srv(), "bert@bureau.test");
    let page = format!("/coach/werknemers/{employee}");
    let (_, html) = anna_web.get(&page);
    assert!(html.contains("Testtelefoon"), "the phone is listed");
    let revoke = format!("{page}/telefoons/{}/intrekken", phone.device_id);
    assert!(html.contains(&revoke));

    // Another coach's form, a wrong device and a missing CSRF token change nothing.
    assert_eq!(bert_web.post(&revoke, &[]).status(), 404);
    assert_eq!(
        anna_web
            .post(&format!("{page}/telefoons/nope/intrekken"), &[])
            .status(),
        404
    );
    assert_eq!(
        anna_web
            .post_raw(&revoke, &[], Some(&anna_web.base))
            .status(),
        403
    );
    phone.sync().expect("still enrolled");

    let r = anna_web.post(&revoke, &[]);
    assert_eq!(r.status(), 303);
    let (_, html) = anna_web.get(&format!("{page}?ok=ingetrokken"));
    assert!(html.contains("Telefoon ingetrokken"));
    assert!(html.contains("ingetrokken</span>"), "marked revoked");
    assert!(!html.contains(&revoke), "no button for a revoked phone");
    assert!(phone.sync().is_err(), "the lost phone cannot sync any more");
    let audit = b.srv().state.storage.audit_log(50).unwrap();
    assert!(audit.iter().any(|e| e.kind == "device_revoked"
        && e.principal.as_deref() == Some(format!("coach:{anna}").as_str())));

    // Hand-over: a wrong address shows the page again with the reason.
    let hand_over = format!("{page}/overdragen");
    let r = anna_web.post(&hand_over, &[("to", "niemand@bureau.test")]);
    assert_eq!(r.status(), 422);
    assert!(r.text().unwrap().contains("geen coach met dit e-mailadres"));
    let r = anna_web.post(&hand_over, &[("to", "bert@bureau.test")]);
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/coach");
    assert_eq!(anna_web.get(&page).0, 404, "the old coach is refused");
    assert!(!anna_web.get("/coach").1.contains("Petra"));
    let (status, html) = bert_web.get(&page);
    assert_eq!(status, 200);
    assert!(
        html.contains("<dt>Coach</dt><dd>Bert Smit</dd>"),
        "the trajectory names the new coach"
    );
    assert!(bert_web.get("/coach").1.contains("Petra"));
}

#[test]
fn offline_edits_that_reach_a_closed_dossier_are_undone_with_the_reason() {
    let b = Bureau::start();
    let coach = b.coach("coach@bureau.test");
    let (employee, code) = b.employee(&coach, "Petra");
    let mut phone = Phone::enrol(&b.url(), &code);
    let kept = phone.add_application("Acme");
    phone.sync().unwrap();
    // The coach closes the trajectory while the phone is offline and logs another one.
    coach_api::close_trajectory(&b.srv().state, &coach, &employee, "", "Geplaatst").unwrap();
    let late = phone.add_application("Bakkerij");
    phone.edit(|d| {
        d.applications.get_mut(&kept).unwrap().notes = "nagebeld".into();
    });
    let report = phone.sync().unwrap();
    assert!(
        report.corrected.iter().any(|c| c.contains("afgesloten")),
        "{:?}",
        report.corrected
    );
    for d in [phone.dossier(), b.dossier(&employee)] {
        assert!(d.trajectory.closed_on.is_some());
        assert!(!d.applications.contains_key(&late), "not stored");
        assert_eq!(d.applications[&kept].notes, "", "the edit is undone");
    }
    assert_eq!(phone.doc.get_heads(), b.heads(&employee));
    assert!(b
        .srv()
        .state
        .storage
        .audit_log(50)
        .unwrap()
        .iter()
        .any(|e| e.kind == "rule_corrected"));
}
