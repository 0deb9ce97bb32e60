//! The coach's workflows in the web view, through its forms: confirm the employee's
//! proposal, tick off, edit and delete an action, a general note, the trajectory's master
//! data, and closing the trajectory (read-only afterwards).

mod web;

use koers_bureau::coach_api::{self, NewAction, NewEmployee};
use koers_core::edit::Edit;
use koers_core::model::fixtures::{self, ts};
use koers_core::model::{Actor, AppointmentStatus, DossierDocument, TrajectoryKind};
use web::{coach, server, Browser};

fn dossier(srv: &koers_bureau::testkit::TestServer, id: &str) -> DossierDocument {
    srv.state
        .documents
        .read(id, |d| autosurgeon::hydrate(d).unwrap())
        .unwrap()
}

#[test]
fn the_coach_works_through_the_forms_until_the_trajectory_is_closed() {
    let (_dir, srv) = server();
    let coach_id = coach(&srv, "a@bureau.test", "Coach A");
    let id = coach_api::create_employee(
        &srv.state,
        &coach_id,
        &NewEmployee {
            name: "Petra".into(),
            kind: TrajectoryKind::Outplacement,
            first_sick_day: None,
            contract_end: None,
            weekly_target: Some(2),
            bureau: None,
        },
    )
    .unwrap()
    .employee_id;
    // The employee's proposal, as their phone would have synced it.
    let mut proposal =
        fixtures::appointment("m1", ts("2030-01-10T09:00:00Z"), ts("2030-01-10T10:00:00Z"));
    proposal.proposed_by = Actor::Employee;
    srv.state
        .documents
        .edit(&id, |slot| {
            let mut fork = slot.doc.fork();
            let mut tx = fork.transaction();
            Edit::PutAppointment(proposal)
                .apply_to_doc(&mut tx)
                .unwrap();
            tx.commit();
            Ok(((), Some(fork), koers_bureau::documents::Persist::default()))
        })
        .unwrap();
    let action = coach_api::add_action(
        &srv.state,
        &coach_id,
        &id,
        "",
        &NewAction {
            title: "CV bijwerken".into(),
            due: None,
            owner: None,
            appointment_id: None,
        },
    )
    .unwrap();
    let b = Browser::logged_in(&srv, "a@bureau.test");
    let (_, caseload) = b.get("/coach");
    assert!(caseload.contains("Petra"));
    assert!(
        !caseload.contains("weken onder doel"),
        "a trajectory that started today has no missed weeks"
    );
    let page = format!("/coach/werknemers/{id}");
    assert!(b.get(&page).1.contains("Bevestigen"));

    let r = b.post(&format!("{page}/afspraken/m1"), &[("op", "bevestigen")]);
    assert_eq!(r.status(), 303);
    assert_eq!(
        dossier(&srv, &id).appointments["m1"].status,
        AppointmentStatus::Confirmed
    );

    let action_path = format!("{page}/acties/{}", action.id);
    assert_eq!(b.post(&action_path, &[("op", "afvinken")]).status(), 303);
    assert!(dossier(&srv, &id).actions[&action.id].done);
    assert_eq!(b.post(&action_path, &[("op", "verwijderen")]).status(), 303);
    assert!(dossier(&srv, &id).actions.is_empty());

    let r = b.post(&format!("{page}/notities"), &[("text", "Intake gehad.")]);
    assert_eq!(r.status(), 303);
    let (_, html) = b.get(&page);
    assert!(html.contains("Intake gehad."), "the note is shown");
    // The new forms keep every id on the page unique (labels point at the right field).
    let mut ids: Vec<&str> = html
        .split(" id=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .collect();
    let all = ids.len();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), all, "duplicate ids on the page");

    let r = b.post(
        &format!("{page}/gegevens"),
        &[
            ("start_date", "2026-09-07"),
            ("first_sick_day", ""),
            ("contract_end", "2026-12-31"),
            ("goals", "Werk in de zorg\nRijbewijs B"),
            ("employer", "Gemeente Utrecht"),
            ("employer_contact", "M. Jansen"),
        ],
    );
    assert_eq!(r.status(), 303);
    let t = dossier(&srv, &id).trajectory;
    assert_eq!(t.employer, "Gemeente Utrecht");
    assert_eq!(t.goals, ["Werk in de zorg", "Rijbewijs B"]);
    assert_eq!(
        t.start_date.map(|d| d.to_string()).as_deref(),
        Some("2026-09-07")
    );

    let r = b.post(&format!("{page}/afsluiten"), &[("reason", "Geplaatst")]);
    assert_eq!(r.status(), 303);
    assert!(dossier(&srv, &id).trajectory.closed_on.is_some());
    let r = b.post(&format!("{page}/notities"), &[("text", "Nog iets")]);
    assert_eq!(r.status(), 403);
    assert!(r.text().unwrap().contains("afgesloten"));
    let (_, caseload) = b.get("/coach");
    assert!(!caseload.contains("Petra"), "out of the caseload");
}

#[test]
fn the_coach_edits_an_action_and_bad_input_shows_the_form_again_and_stores_nothing() {
    let (_dir, srv) = server();
    let coach_id = coach(&srv, "e@bureau.test", "Coach E");
    let id = coach_api::create_employee(
        &srv.state,
        &coach_id,
        &NewEmployee {
            name: "Ahmed".into(),
            kind: TrajectoryKind::Outplacement,
            first_sick_day: None,
            contract_end: None,
            weekly_target: Some(2),
            bureau: None,
        },
    )
    .unwrap()
    .employee_id;
    let action = coach_api::add_action(
        &srv.state,
        &coach_id,
        &id,
        "",
        &NewAction {
            title: "CV bijwerken".into(),
            due: Some("2030-01-10".parse().unwrap()),
            owner: None,
            appointment_id: None,
        },
    )
    .unwrap();
    let b = Browser::logged_in(&srv, "e@bureau.test");
    let page = format!("/coach/werknemers/{id}");
    let path = format!("{page}/acties/{}", action.id);
    assert!(b.get(&page).1.contains("Wijzigen"));

    let r = b.post(
        &path,
        &[
            ("op", "wijzigen"),
            ("title", "Cv bijwerken met de laatste functie"),
            ("due", "2030-01-17"),
        ],
    );
    assert_eq!(r.status(), 303);
    let edited = dossier(&srv, &id).actions[&action.id].clone();
    assert_eq!(edited.title, "Cv bijwerken met de laatste functie");
    assert_eq!(
        edited.due.map(|d| d.to_string()).as_deref(),
        Some("2030-01-17")
    );
    assert!(b
        .get(&format!("{page}?ok=actie-gewijzigd"))
        .1
        .contains("Actie gewijzigd."));

    // Refused: the page again (422) with a Dutch reason and the form open with what was
    // typed; the stored action is as it was.
    let long = "x".repeat(301);
    for (title, due, reason) in [
        ("   ", "2030-01-20", "leeg"),
        (long.as_str(), "2030-01-20", "300 tekens"),
        ("Nieuwe titel", "20-01-2030", "geen datum"),
    ] {
        let r = b.post(&path, &[("op", "wijzigen"), ("title", title), ("due", due)]);
        assert_eq!(r.status(), 422, "{title:.20} {due}");
        let html = r.text().unwrap();
        assert!(html.contains("Niet opgeslagen"), "{html}");
        assert!(html.contains(reason), "{reason} not in the page");
        assert!(
            html.contains("<details class=\"edit\" open"),
            "the form is open again"
        );
        assert!(
            html.contains(&format!("value=\"{due}\"")),
            "what was typed is kept"
        );
        assert_eq!(
            dossier(&srv, &id).actions[&action.id],
            edited,
            "nothing stored"
        );
    }

    // Clearing the date is an edit too.
    let r = b.post(
        &path,
        &[("op", "wijzigen"), ("title", "Cv bijwerken"), ("due", "")],
    );
    assert_eq!(r.status(), 303);
    assert_eq!(dossier(&srv, &id).actions[&action.id].due, None);
}
