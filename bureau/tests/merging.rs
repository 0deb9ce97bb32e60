//! How the bureau judges what phones send, when they edited offline: corrections undo only
//! the forbidden part, an application's status follows its merged history, and an
//! application's comments go with it.

mod common;

use common::{Bureau, Phone};
use koers_bureau::coach_api::{self, NewComment};
use koers_core::model::fixtures::ts;
use koers_core::model::{ApplicationStatus, AppointmentKind, AppointmentStatus, DossierDocument};
use koers_core::ops::{self, Acting};

/// Runs an employee operation on the phone's document, as the phone's Dossier would.
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

fn proposal() -> ops::NewAppointment {
    ops::NewAppointment {
        starts_at: ts("2026-12-18T09:00:00Z"),
        ends_at: ts("2026-12-18T10:00:00Z"),
        kind: AppointmentKind::Coaching,
        location: String::new(),
        agenda: String::new(),
        notes: "CV meenemen".into(),
    }
}

#[test]
fn a_proposal_confirmed_before_the_first_sync_survives_whole() {
    let b = Bureau::start();
    let coach = b.coach("coach@bureau.example");
    let (employee, code) = b.employee(&coach, "Petra");
    let mut phone = Phone::enrol(&b.url(), &code);
    let now = ts("2026-12-02T09:00:00Z");
    let m = run(&mut phone, |d| {
        ops::propose_appointment(d, Acting::employee(), proposal(), now)
    });
    run(&mut phone, |d| {
        ops::confirm_appointment(d, Acting::employee(), &m.id, now)
    });
    let report = phone.sync().unwrap();
    assert!(report.corrected.is_empty(), "{:?}", report.corrected);
    let at_bureau = &b.dossier(&employee).appointments[&m.id];
    assert_eq!(at_bureau.status, AppointmentStatus::Confirmed);
    assert_eq!(at_bureau.notes, "CV meenemen");
}

#[test]
fn a_correction_undoes_the_forbidden_field_and_keeps_the_employees_appointment() {
    let mut b = Bureau::start();
    let coach = b.coach("coach@bureau.example");
    let (employee, code) = b.employee(&coach, "Petra");
    let mut phone = Phone::enrol(&b.url(), &code);
    let now = ts("2026-12-02T09:00:00Z");
    // An unlinked-style write (no rules) marks the new proposal as held: not the employee's.
    let m = run(&mut phone, |d| {
        ops::propose_appointment(d, Acting::employee_alone(), proposal(), now)
    });
    run(&mut phone, |d| {
        ops::complete_appointment(d, Acting::employee_alone(), &m.id, None, now)
    });
    let report = phone.sync().unwrap();
    assert_eq!(report.corrected.len(), 1, "{:?}", report.corrected);
    assert!(report.corrected[0].contains("alleen de coach markeert"));
    for d in [phone.dossier(), b.dossier(&employee)] {
        let kept = &d.appointments[&m.id];
        assert_eq!(kept.status, AppointmentStatus::Proposed);
        assert_eq!(kept.notes, "CV meenemen");
    }
    // The correction was stored, not only kept in the node's copy: a restarted bureau (or
    // another node) reads it from the database.
    let heads = b.heads(&employee);
    b.restart();
    assert_eq!(b.heads(&employee), heads);
    let kept = &b.dossier(&employee).appointments[&m.id];
    assert_eq!(kept.status, AppointmentStatus::Proposed);
}

#[test]
fn concurrent_status_changes_end_in_the_newest_entry_of_the_merged_history_everywhere() {
    let b = Bureau::start();
    let coach = b.coach("coach@bureau.example");
    let (employee, code) = b.employee(&coach, "Petra");
    let mut a = Phone::enrol(&b.url(), &code);
    let code2 = coach_api::new_code(&b.srv().state, &coach, &employee, "")
        .unwrap()
        .enrolment_code;
    let mut phone_b = Phone::enrol(&b.url(), &code2);
    let new = ops::NewApplication {
        employer: "Acme".into(),
        role: "Planner".into(),
        ..Default::default()
    };
    let app = run(&mut a, |d| {
        ops::log_application(d, Acting::employee(), new, ts("2026-12-02T09:04:00Z"))
    });
    a.sync().unwrap();
    phone_b.sync().unwrap();
    // Offline on both: the later change (rejected) is made first on the second phone.
    run(&mut phone_b, |d| {
        ops::set_status(
            d,
            Acting::employee(),
            &app.id,
            ApplicationStatus::Rejected,
            ts("2026-12-02T09:04:01.400Z"),
        )
    });
    run(&mut a, |d| {
        ops::set_status(
            d,
            Acting::employee(),
            &app.id,
            ApplicationStatus::Interview,
            ts("2026-12-02T09:04:01Z"),
        )
    });
    phone_b.sync().unwrap();
    a.sync().unwrap();
    phone_b.sync().unwrap();
    for d in [a.dossier(), phone_b.dossier(), b.dossier(&employee)] {
        let merged = &d.applications[&app.id];
        let statuses: Vec<_> = merged.history.iter().map(|c| c.status).collect();
        assert_eq!(
            statuses,
            [
                ApplicationStatus::Applied,
                ApplicationStatus::Interview,
                ApplicationStatus::Rejected
            ]
        );
        assert_eq!(merged.status, ApplicationStatus::Rejected);
    }
}

#[test]
fn deleting_an_application_deletes_the_coachs_comments_on_it_everywhere() {
    let b = Bureau::start();
    let coach = b.coach("coach@bureau.example");
    let (employee, code) = b.employee(&coach, "Petra");
    let mut phone = Phone::enrol(&b.url(), &code);
    let new = ops::NewApplication {
        employer: "Acme".into(),
        role: "Planner".into(),
        ..Default::default()
    };
    let app = run(&mut phone, |d| {
        ops::log_application(d, Acting::employee(), new, ts("2026-12-02T09:00:00Z"))
    });
    phone.sync().unwrap();
    for application_id in [Some(app.id.clone()), None] {
        coach_api::add_comment(
            &b.srv().state,
            &coach,
            &employee,
            "",
            &NewComment {
                application_id,
                text: "Goed gesprek!".into(),
            },
        )
        .unwrap();
    }
    phone.sync().unwrap();
    assert_eq!(phone.dossier().comments.len(), 2);
    run(&mut phone, |d| {
        ops::delete_application(d, Acting::employee(), &app.id)
    });
    let report = phone.sync().unwrap();
    assert!(report.corrected.is_empty(), "{:?}", report.corrected);
    for d in [phone.dossier(), b.dossier(&employee)] {
        assert!(d.applications.is_empty());
        let left: Vec<_> = d
            .comments
            .values()
            .map(|c| c.application_id.clone())
            .collect();
        assert_eq!(left, [None], "only the general note stays");
    }
}

#[test]
fn the_phone_learns_of_a_correction_even_when_the_reply_that_told_it_was_lost() {
    let b = Bureau::start();
    let coach = b.coach("coach@bureau.example");
    let (employee, code) = b.employee(&coach, "Petra");
    let mut phone = Phone::enrol(&b.url(), &code);
    phone.edit(|d| d.trajectory.weekly_target = 0);
    // The bureau stores and corrects the edit, but its reply never arrives: the phone
    // still holds what it had before and syncs again.
    let (doc, state) = (phone.doc.fork(), phone.state.clone());
    let first = phone.sync().unwrap();
    assert!(!first.corrected.is_empty());
    phone.doc = doc;
    phone.state = state;
    let retried = phone.sync().unwrap();
    assert_eq!(
        retried.corrected, first.corrected,
        "told again by the change itself"
    );
    assert_eq!(phone.dossier().trajectory.weekly_target, 3);
    assert_eq!(phone.doc.get_heads(), b.heads(&employee));
    // Once known, it is not told again.
    assert!(phone.sync().unwrap().corrected.is_empty());
}

#[test]
fn the_bureau_raises_a_schema_1_dossier_with_the_coachs_next_edit() {
    use automerge::transaction::Transactable;
    use automerge::ReadDoc;
    let b = Bureau::start();
    let coach = b.coach("coach@bureau.example");
    let (employee, code) = b.employee(&coach, "Petra");
    let state = &b.srv().state;
    // Back to today's shape: schema 1, only the current target and phase.
    state
        .documents
        .edit(&employee, |slot| {
            let mut fork = slot.doc.fork();
            let mut tx = fork.transaction();
            tx.put(automerge::ROOT, "schema", 1_u64).unwrap();
            let (_, t) = tx.get(automerge::ROOT, "trajectory").unwrap().unwrap();
            tx.delete(&t, "target_history").unwrap();
            tx.delete(&t, "phase_history").unwrap();
            tx.put(&t, "start_date", "2026-09-07").unwrap();
            tx.commit();
            Ok(((), Some(fork), koers_bureau::documents::Persist::default()))
        })
        .unwrap();
    let old = b.dossier(&employee);
    assert_eq!(old.schema, 1);
    assert_eq!(
        old.trajectory.target_history.len(),
        1,
        "read as one agreement"
    );
    assert_eq!(
        old.trajectory.target_history[0].from.to_string(),
        "2026-09-07"
    );
    let mut phone = Phone::enrol(&b.url(), &code);
    coach_api::set_weekly_target(state, &coach, &employee, "", 1).unwrap();
    let raised = b.dossier(&employee);
    assert_eq!(raised.schema, koers_core::model::DOCUMENT_SCHEMA);
    let targets: Vec<u32> = raised
        .trajectory
        .target_history
        .iter()
        .map(|c| c.weekly_target)
        .collect();
    assert_eq!(
        targets,
        [3, 1],
        "the earlier agreement is kept with its date"
    );
    let report = phone.sync().unwrap();
    assert!(report.corrected.is_empty(), "{:?}", report.corrected);
    assert_eq!(phone.dossier(), raised);
}
