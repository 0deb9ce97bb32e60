use super::*;
use crate::model::fixtures::{self, day, ts};
use crate::model::{ApplicationStatus, AppointmentStatus, DossierDocument, Timestamp};

fn doc() -> DossierDocument {
    let mut d = DossierDocument {
        schema: crate::model::DOCUMENT_SCHEMA,
        ..Default::default()
    };
    let app = fixtures::application("a1", day("2026-03-02"), ApplicationStatus::Applied);
    d.applications.insert("a1".into(), app);
    d
}

fn apply(d: &mut DossierDocument, edits: Vec<Edit>) {
    for e in edits {
        e.apply_to_state(d);
    }
}

#[test]
fn every_employee_operation_passes_the_bureaus_rules_unchanged() {
    let by = Acting::employee();
    let now = ts("2026-03-03T09:00:00Z");
    let mut d = doc();
    let before = d.clone();
    let m = propose_appointment(
        &d,
        by,
        NewAppointment {
            starts_at: ts("2026-03-10T09:00:00Z"),
            ends_at: ts("2026-03-10T10:00:00Z"),
            kind: crate::model::AppointmentKind::Coaching,
            location: String::new(),
            agenda: String::new(),
            notes: String::new(),
        },
        now,
    )
    .unwrap();
    apply(&mut d, m.edits);
    let id = m.record.id;
    for step in [
        confirm_appointment(&d, by, &id, now).unwrap().edits,
        update_appointment(
            &d,
            by,
            &id,
            AppointmentPatch {
                starts_at: Some(ts("2026-03-11T09:00:00Z")),
                ends_at: Some(ts("2026-03-11T10:00:00Z")),
                ..Default::default()
            },
            now,
        )
        .unwrap()
        .edits,
    ] {
        apply(&mut d, step);
    }
    // Proposed, confirmed and moved before the first sync: the bureau keeps all of it.
    let (kept, violations) = crate::rules::permitted(Actor::Employee, &before, &d);
    assert!(violations.is_empty(), "{violations:?}");
    assert_eq!(kept, d);
    assert_eq!(d.appointments[&id].status, AppointmentStatus::Proposed);
}

#[test]
fn a_cancelled_appointment_cannot_be_held_and_a_held_one_not_moved() {
    let by = Acting::coach();
    let now = ts("2026-03-03T09:00:00Z");
    let mut d = doc();
    let mut m = fixtures::appointment("m1", ts("2026-03-10T09:00:00Z"), ts("2026-03-10T10:00:00Z"));
    m.status = AppointmentStatus::Cancelled;
    d.appointments.insert("m1".into(), m);
    let err = complete_appointment(&d, by, "m1", None, now).unwrap_err();
    assert!(
        err.to_string()
            .contains("geannuleerd is, kan niet meer gehouden worden"),
        "{err}"
    );
    d.appointments.get_mut("m1").unwrap().status = AppointmentStatus::Done;
    let err = update_appointment(
        &d,
        by,
        "m1",
        AppointmentPatch {
            starts_at: Some(ts("2026-03-12T09:00:00Z")),
            ends_at: Some(ts("2026-03-12T10:00:00Z")),
            ..Default::default()
        },
        now,
    )
    .unwrap_err();
    assert!(
        err.to_string().contains("kan niet meer worden verplaatst"),
        "{err}"
    );
}

#[test]
fn status_follows_the_history_even_when_the_clock_runs_behind() {
    let by = Acting::employee();
    let d = doc();
    let last = d.applications["a1"].history[0].at;
    let behind = Timestamp(last.0 - chrono::Duration::hours(1));
    let done = set_status(&d, by, "a1", ApplicationStatus::Interview, behind).unwrap();
    assert_eq!(done.record.status, ApplicationStatus::Interview);
    assert_eq!(
        done.record.history.last().map(|c| c.status),
        Some(ApplicationStatus::Interview)
    );
}

#[test]
fn deleting_an_application_takes_its_comments_along_even_the_coachs() {
    let mut d = doc();
    let c = comment(
        &d,
        Acting::coach(),
        NewComment {
            application_id: Some("a1".into()),
            text: "Goed bezig".into(),
            author_name: "Marieke".into(),
        },
        ts("2026-03-03T09:00:00Z"),
    )
    .unwrap();
    apply(&mut d, c.edits);
    let before = d.clone();
    let done = delete_application(&d, Acting::employee(), "a1").unwrap();
    apply(&mut d, done.edits);
    assert!(d.comments.is_empty());
    assert!(crate::rules::check_edit(Actor::Employee, &before, &d).is_ok());
}

/// A dossier as schema 1 wrote it: the genesis change, then the coach's trajectory with
/// only the current target and phase (written key by key, as the old code did).
fn schema_1_document() -> automerge::Automerge {
    use automerge::transaction::Transactable;
    use automerge::{ObjType, ReadDoc, ROOT};
    let mut doc = crate::model::genesis_document()
        .unwrap()
        .with_actor(automerge::ActorId::random());
    let mut tx = doc.transaction();
    let (_, t) = tx.get(ROOT, "trajectory").unwrap().unwrap();
    tx.put(&t, "kind", "outplacement").unwrap();
    tx.put(&t, "start_date", "2026-09-07").unwrap();
    tx.put(&t, "phase", "job_hunting").unwrap();
    tx.put(&t, "weekly_target", 3_u64).unwrap();
    let goals = tx.get(&t, "goals").unwrap();
    assert!(matches!(
        goals,
        Some((automerge::Value::Object(ObjType::List), _))
    ));
    tx.commit();
    doc
}

#[test]
fn a_schema_1_dossier_reads_as_one_agreement_and_is_raised_by_the_next_write() {
    use automerge::ReadDoc;
    let mut phone = crate::Dossier::open_in_memory().unwrap();
    phone
        .replace_document(schema_1_document(), |_| Ok(()))
        .unwrap();
    let d = phone.document();
    assert_eq!(d.schema, 1);
    assert_eq!(
        d.trajectory.target_history,
        [crate::model::TargetChange {
            from: day("2026-09-07"),
            weekly_target: 3
        }]
    );
    assert_eq!(d.trajectory.target_for_week(day("2026-08-31")), 0);
    phone
        .log_application(NewApplication {
            employer: "Acme".into(),
            role: "Planner".into(),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(phone.document().schema, crate::model::DOCUMENT_SCHEMA);
    // Written out in the document itself, not only read that way.
    let doc = phone.automerge().unwrap();
    let (_, t) = doc.get(automerge::ROOT, "trajectory").unwrap().unwrap();
    let (_, list) = doc.get(&t, "target_history").unwrap().unwrap();
    assert_eq!(doc.length(&list), 1);
    let again: DossierDocument = autosurgeon::hydrate(doc).unwrap();
    assert_eq!(again.trajectory, phone.document().trajectory);
}

#[test]
fn a_new_target_applies_from_today_and_the_first_from_the_start() {
    let by = Acting::coach();
    let mut d = doc();
    d.trajectory.start_date = Some(day("2026-09-07"));
    let first = edit_trajectory(
        &d,
        by,
        TrajectoryPatch {
            weekly_target: Some(3),
            ..Default::default()
        },
        ts("2026-09-10T09:00:00Z"),
    )
    .unwrap();
    apply(&mut d, first.edits);
    let lower = edit_trajectory(
        &d,
        by,
        TrajectoryPatch {
            weekly_target: Some(1),
            ..Default::default()
        },
        ts("2026-11-30T09:00:00Z"),
    )
    .unwrap();
    apply(&mut d, lower.edits);
    let froms: Vec<(String, u32)> = d
        .trajectory
        .target_history
        .iter()
        .map(|c| (c.from.to_string(), c.weekly_target))
        .collect();
    assert_eq!(
        froms,
        [("2026-09-07".to_string(), 3), ("2026-11-30".to_string(), 1)]
    );
    assert_eq!(d.trajectory.weekly_target, 1);
    assert_eq!(d.schema, crate::model::DOCUMENT_SCHEMA, "raised on the way");
}
