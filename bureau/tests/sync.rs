//! The bureau and the core's sync engine over real HTTP: enrolment, convergence, retries,
//! restarts, cut connections, hostile input and access control.

mod common;

use common::{application, Bureau, Phone};
use koers_bureau::coach_api;
use koers_bureau::testkit::Proxy;
use koers_core::model::{
    Actor, ApplicationStatus, AppointmentKind, AppointmentStatus, Phase, StatusChange, Timestamp,
};
use koers_core::sync::{absorb, prepare, HttpTransport};
use koers_core::KoersError;
use koers_protocol::{Bytes, DocumentSync, Hash, Push, SyncRequest, PROTOCOL_VERSION};

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

#[test]
fn two_devices_and_the_coach_see_each_others_edits() {
    let b = Bureau::start();
    let coach = b.coach("coach@bureau.example");
    let (employee, code) = b.employee(&coach, "Sanne");
    let mut a = Phone::enrol(&b.url(), &code);
    assert_eq!(a.employee_id, employee);
    assert_eq!(a.dossier().trajectory.weekly_target, 3);

    // The code is single use.
    let err = HttpTransport::new(&b.url())
        .unwrap()
        .enrol(&code, "tweede")
        .unwrap_err();
    assert!(matches!(err, KoersError::Refused { .. }), "{err}");

    // A second device needs a new code.
    let again = coach_api::new_code(&b.srv().state, &coach, &employee, "").unwrap();
    let mut phone_b = Phone::enrol(&b.url(), &again.enrolment_code);

    let app = a.add_application("Acme");
    let report = a.sync().unwrap();
    assert_eq!(report.round_trips, 1);
    coach_api::schedule_appointment(
        &b.srv().state,
        &coach,
        &employee,
        "",
        &coach_api::NewAppointment {
            starts_at: ts("2026-03-10T09:00:00Z"),
            ends_at: ts("2026-03-10T10:00:00Z"),
            kind: AppointmentKind::Coaching,
            location: "Utrecht".into(),
            agenda: String::new(),
        },
    )
    .unwrap();
    coach_api::set_weekly_target(&b.srv().state, &coach, &employee, "", 5).unwrap();

    phone_b.sync().unwrap();
    let seen = phone_b.dossier();
    assert!(seen.applications.contains_key(&app));
    assert_eq!(seen.appointments.len(), 1);
    assert_eq!(seen.trajectory.weekly_target, 5);
    a.sync().unwrap();
    assert_eq!(a.doc.get_heads(), phone_b.doc.get_heads());
    assert_eq!(b.heads(&employee), a.doc.get_heads());

    // Revoking: device A signs device B out.
    a.transport.revoke(&a.token, &phone_b.device_id).unwrap();
    let err = phone_b.sync().unwrap_err();
    assert!(matches!(err, KoersError::Refused { .. }), "{err}");
    let devices = a.transport.devices(&a.token).unwrap();
    assert_eq!(devices.len(), 2);
    assert!(devices.iter().any(|d| d.revoked));
}

/// A node remembers which device a token belongs to and, instead of looking the token up on
/// every sync, checks it inside the sync's own transaction: revoked behind the node's back
/// (by another node; here straight in the shared database) or replaced by a repeated
/// enrolment, the token is refused at once, and nothing it sent is stored.
#[test]
fn a_remembered_device_revoked_elsewhere_is_refused_and_stores_nothing() {
    let b = Bureau::start();
    let coach = b.coach("coach@bureau.example");
    let (employee, code) = b.employee(&coach, "Sanne");
    let mut phone = Phone::enrol(&b.url(), &code);
    let state = &b.srv().state;
    let token_hash = koers_bureau::auth::token_hash(&phone.token);
    phone.add_application("Acme");
    phone.sync().unwrap();
    assert!(state.known_devices.get(&token_hash).is_some(), "remembered");
    let bakery = phone.add_application("Bakkerij");
    phone.sync().unwrap();
    assert!(b.dossier(&employee).applications.contains_key(&bakery));

    // Another node revokes the device: this node is not told.
    assert!(state
        .storage
        .revoke_device(&phone.device_id, koers_bureau::now_ms())
        .unwrap());
    assert!(state.known_devices.get(&token_hash).is_some());
    let cafe = phone.add_application("Café");
    let err = phone.sync().unwrap_err();
    assert!(
        matches!(&err, KoersError::Refused { message } if message.contains("gekoppeld")),
        "{err}"
    );
    assert!(!b.dossier(&employee).applications.contains_key(&cafe));
    assert!(state.known_devices.get(&token_hash).is_none(), "forgotten");
    let audit = state.storage.audit_log(10).unwrap();
    assert_eq!(audit[0].kind, "unauthorized");
}

#[test]
fn concurrent_offline_edits_of_employee_and_coach_merge() {
    let b = Bureau::start();
    let coach = b.coach("coach@bureau.example");
    let (employee, code) = b.employee(&coach, "Ahmed");
    let mut phone = Phone::enrol(&b.url(), &code);
    let app = phone.add_application("Acme");
    phone.sync().unwrap();
    let appointment = coach_api::schedule_appointment(
        &b.srv().state,
        &coach,
        &employee,
        "",
        &coach_api::NewAppointment {
            starts_at: ts("2026-03-10T09:00:00Z"),
            ends_at: ts("2026-03-10T10:00:00Z"),
            kind: AppointmentKind::Coaching,
            location: String::new(),
            agenda: String::new(),
        },
    )
    .unwrap();
    phone.sync().unwrap();

    // Both offline: the employee moves the application to interview and confirms the
    // appointment; the coach comments on the application and moves the appointment.
    phone.edit(|d| {
        let a = d.applications.get_mut(&app).unwrap();
        a.status = ApplicationStatus::Interview;
        a.history.push(StatusChange {
            status: ApplicationStatus::Interview,
            at: Timestamp::now(),
            by: Actor::Employee,
        });
        let m = d.appointments.get_mut(&appointment.id).unwrap();
        m.status = AppointmentStatus::Confirmed;
        m.notes = "CV meenemen".into();
    });
    coach_api::add_comment(
        &b.srv().state,
        &coach,
        &employee,
        "",
        &coach_api::NewComment {
            application_id: Some(app.clone()),
            text: "Succes met het gesprek!".into(),
        },
    )
    .unwrap();
    coach_api::change_appointment(
        &b.srv().state,
        &coach,
        &employee,
        "",
        &appointment.id,
        &coach_api::AppointmentChange {
            starts_at: Some(ts("2026-03-11T09:00:00Z")),
            ends_at: Some(ts("2026-03-11T10:00:00Z")),
            ..Default::default()
        },
    )
    .unwrap();

    let report = phone.sync().unwrap();
    assert_eq!(
        report.round_trips, 1,
        "concurrent edits still take one round trip"
    );
    assert!(report.corrected.is_empty(), "{:?}", report.corrected);
    for d in [phone.dossier(), b.dossier(&employee)] {
        assert_eq!(d.applications[&app].status, ApplicationStatus::Interview);
        assert_eq!(d.comments.len(), 1);
        let m = &d.appointments[&appointment.id];
        assert_eq!(m.starts_at, ts("2026-03-11T09:00:00Z"));
        assert_eq!(m.status, AppointmentStatus::Confirmed);
        assert_eq!(m.notes, "CV meenemen");
    }
}

#[test]
fn a_forbidden_edit_from_a_device_is_undone_and_audited() {
    let b = Bureau::start();
    let coach = b.coach("coach@bureau.example");
    let (employee, code) = b.employee(&coach, "Petra");
    let mut phone = Phone::enrol(&b.url(), &code);
    phone.add_application("Acme");
    phone.edit(|d| {
        d.trajectory.weekly_target = 0;
        d.trajectory.phase = Some(Phase::Placed);
    });
    let report = phone.sync().unwrap();
    assert!(!report.corrected.is_empty());
    assert!(
        report.corrected[0].contains("alleen de coach"),
        "{:?}",
        report.corrected
    );
    for d in [phone.dossier(), b.dossier(&employee)] {
        assert_eq!(d.trajectory.weekly_target, 3);
        assert_eq!(d.trajectory.phase, Some(Phase::Intake));
        assert_eq!(d.applications.len(), 1, "the allowed part stays");
    }
    assert_eq!(phone.doc.get_heads(), b.heads(&employee));
    let audit = b.srv().state.storage.audit_log(50).unwrap();
    assert!(audit.iter().any(|e| e.kind == "rule_corrected"));
    // The coach API refuses what a coach may not do.
    let app = phone.dossier().applications.keys().next().cloned().unwrap();
    let err = coach_api::edit_dossier(&b.srv().state, &coach, &employee, "", |d| {
        d.applications.get_mut(&app).unwrap().notes = "coach".into();
        Ok(())
    })
    .unwrap_err();
    assert!(err.to_string().contains("alleen de werknemer"), "{err}");
}

#[test]
fn duplicate_and_reordered_requests_change_nothing_twice() {
    let b = Bureau::start();
    let coach = b.coach("coach@bureau.example");
    let (employee, code) = b.employee(&coach, "Joost");
    let mut phone = Phone::enrol(&b.url(), &code);
    phone.add_application("Een");
    let first = SyncRequest {
        v: PROTOCOL_VERSION,
        documents: vec![prepare(&phone.doc, &employee, &mut phone.state)],
    };
    phone.add_application("Twee");
    let second = SyncRequest {
        v: PROTOCOL_VERSION,
        documents: vec![prepare(&phone.doc, &employee, &mut phone.state)],
    };
    // Sent twice each, the later one first.
    let r2 = phone.transport.sync(&phone.token, &second).unwrap();
    let r2b = phone.transport.sync(&phone.token, &second).unwrap();
    let r1 = phone.transport.sync(&phone.token, &first).unwrap();
    let r1b = phone.transport.sync(&phone.token, &first).unwrap();
    assert_eq!(r2, r2b);
    assert_eq!(r1, r1b);
    // Replies absorbed out of order too.
    for reply in [r2, r1, r1b] {
        absorb(
            &mut phone.doc,
            &mut phone.state,
            reply.documents.into_iter().next().unwrap(),
        )
        .unwrap();
    }
    assert_eq!(b.dossier(&employee).applications.len(), 2);
    phone.sync().unwrap();
    assert_eq!(phone.doc.get_heads(), b.heads(&employee));
    let rows = b
        .srv()
        .state
        .storage
        .load_document(&employee)
        .unwrap()
        .unwrap();
    assert_eq!(rows.changes.len(), 2, "each change stored once");
}

#[test]
fn a_server_restart_costs_a_retry_never_data() {
    let mut b = Bureau::start();
    let coach = b.coach("coach@bureau.example");
    let (employee, code) = b.employee(&coach, "Sanne");
    let mut phone = Phone::enrol(&b.url(), &code);
    phone.add_application("Voor");
    phone.sync().unwrap();

    let addr = b.stop();
    phone.add_application("Tijdens");
    let err = phone.sync().unwrap_err();
    assert!(matches!(err, KoersError::Network { .. }));
    assert!(err.to_string().contains("niet bereikbaar"), "{err}");
    b.resume(addr);
    phone.sync().unwrap();
    b.restart();
    let stored = b.dossier(&employee);
    assert_eq!(stored.applications.len(), 2);
    // The phone's state survives a restart of the phone too.
    phone.state = koers_core::sync::PeerState::from_bytes(&phone.state.to_bytes()).unwrap();
    phone.add_application("Na");
    assert_eq!(phone.sync().unwrap().round_trips, 1);
    assert_eq!(phone.doc.get_heads(), b.heads(&employee));
}

#[test]
fn connections_cut_mid_request_or_mid_reply_are_retried() {
    let b = Bureau::start();
    let coach = b.coach("coach@bureau.example");
    let (employee, code) = b.employee(&coach, "Sanne");
    let proxy = Proxy::start(b.srv().addr).unwrap();
    let mut phone = Phone::enrol(&proxy.url, &code);
    use std::sync::atomic::Ordering;
    for (i, (up, down)) in [(60, 0), (300, 0), (0, 40), (0, 100)]
        .into_iter()
        .enumerate()
    {
        phone.add_application(&format!("Werkgever {i}"));
        proxy.stats.cut_up_after.store(up, Ordering::Relaxed);
        proxy.stats.cut_down_after.store(down, Ordering::Relaxed);
        let report = phone.sync().unwrap();
        assert!(report.round_trips >= 2, "case {i}: {report:?}");
        assert_eq!(phone.doc.get_heads(), b.heads(&employee), "case {i}");
    }
    assert_eq!(b.dossier(&employee).applications.len(), 4);
}

fn raw_sync(url: &str, token: &str, body: Vec<u8>) -> (u16, Option<koers_protocol::ErrorBody>) {
    let r = reqwest::blocking::Client::new()
        .post(format!("{url}/v1/sync"))
        .bearer_auth(token)
        .header("content-type", "application/cbor")
        .body(body)
        .send()
        .unwrap();
    let status = r.status().as_u16();
    let bytes = r.bytes().unwrap();
    (status, koers_protocol::decode(&bytes).ok())
}

#[test]
fn garbage_truncated_and_oversized_payloads_are_refused_and_store_nothing() {
    let b = Bureau::start();
    let coach = b.coach("coach@bureau.example");
    let (employee, code) = b.employee(&coach, "Sanne");
    let mut phone = Phone::enrol(&b.url(), &code);
    phone.add_application("Acme");
    let before = b.heads(&employee);
    let good = koers_protocol::encode(&SyncRequest {
        v: PROTOCOL_VERSION,
        documents: vec![prepare(&phone.doc, &employee, &mut phone.state)],
    })
    .unwrap();
    let url = b.url();

    let (status, body) = raw_sync(&url, &phone.token, b"dit is geen cbor".to_vec());
    assert_eq!(status, 400);
    assert!(!body.unwrap().message.is_empty());
    for cut in [1, good.len() / 2, good.len() - 1] {
        let (status, _) = raw_sync(&url, &phone.token, good[..cut].to_vec());
        assert_eq!(status, 400, "cut at {cut}");
    }
    let (status, _) = raw_sync(&url, &phone.token, vec![0u8; 17 * 1024 * 1024]);
    assert_eq!(status, 413);

    let hostile = |push: Push| {
        koers_protocol::encode(&SyncRequest {
            v: PROTOCOL_VERSION,
            documents: vec![DocumentSync {
                document: employee.clone(),
                push,
            }],
        })
        .unwrap()
    };
    let base: Vec<Hash> = phone
        .state
        .acked_heads()
        .iter()
        .map(|h| Hash(h.0.to_vec()))
        .collect();
    let cases = [
        // A change chunk with garbage inside.
        Push::Fast {
            base: base.clone(),
            heads: vec![],
            changes: vec![Bytes(vec![0x85, 0x6f, 0x4a, 0x83, 0, 0, 0, 0, 1, 9, 9, 9])],
            packed: None,
        },
        // Random bytes as a change.
        Push::Fast {
            base: base.clone(),
            heads: vec![],
            changes: vec![Bytes(vec![7; 500])],
            packed: None,
        },
        // A hash of the wrong length.
        Push::Fast {
            base: vec![Hash(vec![1, 2, 3])],
            heads: vec![],
            changes: vec![],
            packed: None,
        },
        // A packed list that inflates past the request's bound (a deflate bomb).
        Push::Fast {
            base: base.clone(),
            heads: vec![],
            changes: vec![],
            packed: Some(koers_protocol::pack_changes(&[Bytes(vec![0; 17 << 20])]).unwrap()),
        },
        // A packed list with a compressed chunk inside (which would inflate further).
        Push::Fast {
            base: base.clone(),
            heads: vec![],
            changes: vec![],
            packed: Some(koers_protocol::pack_changes(&vec![compressed_chunk(); 400]).unwrap()),
        },
        // Garbage as a packed list.
        Push::Fast {
            base: base.clone(),
            heads: vec![],
            changes: vec![],
            packed: Some(Bytes(vec![7; 500])),
        },
        // Changes both loose and packed.
        Push::Fast {
            base: base.clone(),
            heads: vec![],
            changes: vec![Bytes(vec![7; 10])],
            packed: Some(koers_protocol::pack_changes(&[Bytes(vec![0; 8 << 10])]).unwrap()),
        },
        // A broken full-protocol message.
        Push::Full {
            message: Some(Bytes(vec![0x42, 1, 2, 3])),
        },
    ];
    for (i, push) in cases.into_iter().enumerate() {
        let (status, body) = raw_sync(&url, &phone.token, hostile(push));
        assert!((400..500).contains(&status), "case {i}: {status}");
        let message = body.unwrap().message;
        assert!(!message.is_empty());
        // The packed cases are refused for their packing, not for something else.
        if (3..=6).contains(&i) {
            assert!(message.contains("ngepakt"), "case {i}: {message}");
        }
    }
    // A valid change that breaks the dossier's shape.
    let mut broken = phone.doc.fork();
    {
        use automerge::transaction::Transactable;
        let mut tx = broken.transaction();
        tx.put(automerge::ROOT, "applications", "geen map").unwrap();
        tx.commit();
    }
    let changes = broken
        .get_changes(phone.state.acked_heads())
        .into_iter()
        .map(|c| Bytes(c.raw_bytes().to_vec()))
        .collect();
    let (status, body) = raw_sync(
        &url,
        &phone.token,
        hostile(Push::Fast {
            base,
            heads: koers_core::sync::hashes_to_wire(&broken.get_heads()),
            changes,
            packed: None,
        }),
    );
    assert_eq!(status, 422, "{body:?}");
    assert_eq!(b.heads(&employee), before, "nothing stored");
    let rows = b
        .srv()
        .state
        .storage
        .load_document(&employee)
        .unwrap()
        .unwrap();
    assert!(rows.changes.is_empty());
    // And the honest phone still syncs.
    phone.sync().unwrap();
    assert_eq!(b.dossier(&employee).applications.len(), 1);
}

#[test]
fn every_cross_employee_and_cross_coach_access_is_refused() {
    let b = Bureau::start();
    let coach_a = b.coach("a@bureau.example");
    let coach_b = b.coach("b@bureau.example");
    let (emp_a, code_a) = b.employee(&coach_a, "Van A");
    let (emp_b, code_b) = b.employee(&coach_b, "Van B");
    let mut phone_a = Phone::enrol(&b.url(), &code_a);
    let phone_b = Phone::enrol(&b.url(), &code_b);
    let url = b.url();

    // A device syncing another employee's document.
    let req = SyncRequest {
        v: PROTOCOL_VERSION,
        documents: vec![prepare(&phone_a.doc, &emp_b, &mut phone_a.state)],
    };
    let (status, _) = raw_sync(&url, &phone_a.token, koers_protocol::encode(&req).unwrap());
    assert_eq!(status, 403);
    // No token, a wrong token.
    let (status, _) = raw_sync(&url, "", koers_protocol::encode(&req).unwrap());
    assert_eq!(status, 401);
    let (status, _) = raw_sync(&url, "verzonnen", koers_protocol::encode(&req).unwrap());
    assert_eq!(status, 401);
    // A device revoking another employee's device.
    let err = phone_a
        .transport
        .revoke(&phone_a.token, &phone_b.device_id)
        .unwrap_err();
    assert!(matches!(err, KoersError::Refused { .. }), "{err}");

    // A coach reaching outside their caseload, over HTTP and through the functions.
    let token_a = b.coach_token("a@bureau.example");
    let client = reqwest::blocking::Client::new();
    let status = client
        .get(format!("{url}/v1/coach/employees/{emp_b}"))
        .bearer_auth(&token_a)
        .send()
        .unwrap()
        .status();
    assert_eq!(status, 403);
    let status = client
        .put(format!("{url}/v1/coach/employees/{emp_b}/weekly-target"))
        .bearer_auth(&token_a)
        .json(&serde_json::json!({"weekly_target": 9}))
        .send()
        .unwrap()
        .status();
    assert_eq!(status, 403);
    let status = client
        .post(format!(
            "{url}/v1/coach/employees/{emp_b}/devices/{}/revoke",
            phone_b.device_id
        ))
        .bearer_auth(&token_a)
        .send()
        .unwrap()
        .status();
    assert_eq!(status, 403);
    let req_b = SyncRequest {
        v: PROTOCOL_VERSION,
        documents: vec![prepare(
            &phone_b.doc,
            &emp_b,
            &mut koers_core::sync::PeerState::new(),
        )],
    };
    let (status, _) = raw_sync(&url, &token_a, koers_protocol::encode(&req_b).unwrap());
    assert_eq!(status, 403);
    // A device token on the coach API.
    let status = client
        .get(format!("{url}/v1/coach/caseload"))
        .bearer_auth(&phone_a.token)
        .send()
        .unwrap()
        .status();
    assert_eq!(status, 403);
    // Wrong password.
    let status = client
        .post(format!("{url}/v1/coach/login"))
        .json(&serde_json::json!({"email": "a@bureau.example", "password": "fout"}))
        .send()
        .unwrap()
        .status();
    assert_eq!(status, 401);

    // What is allowed still works: the coach's own caseload, over HTTP.
    let caseload: serde_json::Value = client
        .get(format!("{url}/v1/coach/caseload"))
        .bearer_auth(&token_a)
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(caseload.as_array().unwrap().len(), 1);
    assert_eq!(caseload[0]["employee_id"], emp_a.as_str());
    let r = client
        .put(format!("{url}/v1/coach/employees/{emp_a}/phase"))
        .bearer_auth(&token_a)
        .json(&serde_json::json!({"phase": "job_hunting"}))
        .send()
        .unwrap();
    assert_eq!(r.status(), 200);
    phone_a.sync().unwrap();
    assert_eq!(phone_a.dossier().trajectory.phase, Some(Phase::JobHunting));

    let audit = b.srv().state.storage.audit_log(100).unwrap();
    let refused = audit
        .iter()
        .filter(|e| {
            matches!(
                e.kind.as_str(),
                "forbidden" | "unauthorized" | "login_failed"
            )
        })
        .count();
    assert!(refused >= 8, "{audit:#?}");
    assert!(b.dossier(&emp_b).trajectory.weekly_target == 3);
}

#[test]
fn enrolment_codes_expire_lock_after_attempts_and_are_rate_limited() {
    let b = Bureau::start();
    let coach = b.coach("coach@bureau.example");
    let (_, code) = b.employee(&coach, "Sanne");
    let t = HttpTransport::new(&b.url()).unwrap();
    // Right lookup part, wrong rest: counts against the code; after 5 it is spent.
    let lookup = &code[..4];
    let wrong = format!("{lookup}-2222");
    let wrong = if wrong == code {
        format!("{lookup}-3333")
    } else {
        wrong
    };
    for _ in 0..5 {
        assert!(matches!(
            t.enrol(&wrong, "x"),
            Err(KoersError::Refused { .. })
        ));
    }
    let err = t.enrol(&code, "x").unwrap_err();
    assert!(err.to_string().contains("koppelcode"), "{err}");
    // Per IP: after 20 attempts in the window, even a good code waits.
    for _ in 0..20 {
        let _ = t.enrol("ZZZZ-ZZZZ", "x");
    }
    let (_, fresh) = b.employee(&coach, "Ahmed");
    let err = t.enrol(&fresh, "x").unwrap_err();
    assert!(err.to_string().contains("Te veel"), "{err}");
    let _ = application("x", "y");
}

/// A compressed change chunk (Automerge compresses a change over 256 bytes).
fn compressed_chunk() -> Bytes {
    let mut doc = koers_core::model::genesis_document().unwrap();
    let mut tx = doc.transaction();
    automerge::transaction::Transactable::put(&mut tx, automerge::ROOT, "schema", "x".repeat(2000))
        .unwrap();
    tx.commit();
    let chunk = doc.get_last_local_change().unwrap().bytes().into_owned();
    assert_eq!(chunk[8], 2, "a compressed chunk");
    Bytes(chunk)
}

/// Writes one application as the phone does: one change, without hydrating the dossier.
fn put_application(doc: &mut automerge::Automerge, app: &koers_core::model::Application) {
    use automerge::ReadDoc;
    let apps = doc.get(automerge::ROOT, "applications").unwrap().unwrap().1;
    let mut tx = doc.transaction();
    autosurgeon::reconcile_prop(&mut tx, &apps, app.id.as_str(), app).unwrap();
    tx.commit();
}

#[test]
fn a_long_offline_backlog_goes_up_compactly_and_every_change_is_stored() {
    let mut b = Bureau::start();
    let coach = b.coach("coach@bureau.example");
    let (employee, code) = b.employee(&coach, "Sanne");
    let proxy = Proxy::start(b.srv().addr).unwrap();
    let mut phone = Phone::enrol(&proxy.url, &code);
    let again = coach_api::new_code(&b.srv().state, &coach, &employee, "").unwrap();
    let mut other = Phone::enrol(&b.url(), &again.enrolment_code);
    // Two years offline: 500 applications, each logged and then edited five times, every
    // edit its own change.
    for n in 0..500 {
        let mut app = application(&koers_core::model::new_id(), &format!("Werkgever {n}"));
        put_application(&mut phone.doc, &app);
        for step in 0..5 {
            app.notes = format!("Gesprek {step}: terugkoppeling volgt.");
            app.updated_at = Timestamp::now();
            put_application(&mut phone.doc, &app);
        }
    }
    assert!(koers_core::sync::pending_changes(&phone.doc, &phone.state) >= 3000);
    let saved = phone.doc.save().len();
    proxy.reset_counts();
    assert_eq!(phone.sync().unwrap().round_trips, 1);
    let (up, _, _) = proxy.counts();
    println!("backlog of 3,000 changes: {up} bytes up, saved document {saved} bytes");
    // One by one these changes are ~12x the saved document (docs/PERFORMANCE.md).
    assert!(
        up < 2 * saved as u64,
        "{up} bytes up for a saved document of {saved} bytes"
    );
    // Every change is stored: a restarted bureau reads them back from storage.
    b.restart();
    assert_eq!(b.heads(&employee), phone.doc.get_heads());
    let stored = b
        .srv()
        .state
        .documents
        .read(&employee, |d| {
            phone
                .doc
                .get_changes(&[])
                .iter()
                .all(|c| automerge::ReadDoc::get_change_by_hash(d, &c.hash()).is_some())
        })
        .unwrap();
    assert!(stored);

    // A shorter backlog on top of that long history travels packed (smaller than the saved
    // document now), and the other phone gets all of it.
    for n in 0..100 {
        let app = application(&koers_core::model::new_id(), &format!("Later {n}"));
        put_application(&mut phone.doc, &app);
    }
    let request = prepare(&phone.doc, &employee, &mut phone.state.clone());
    assert!(
        matches!(&request.push, Push::Fast { packed: Some(_), changes, .. } if changes.is_empty()),
        "{:?}",
        request.push
    );
    let proxy = Proxy::start(b.srv().addr).unwrap();
    phone.transport = HttpTransport::new(&proxy.url).unwrap();
    assert_eq!(phone.sync().unwrap().round_trips, 1);
    let (up, _, _) = proxy.counts();
    println!("then 100 applications: {up} bytes up, packed");
    assert_eq!(b.heads(&employee), phone.doc.get_heads());
    other.sync().unwrap();
    assert_eq!(other.doc.get_heads(), phone.doc.get_heads());
    assert_eq!(other.dossier().applications.len(), 600);
}
