//! Behaviour of the dossier as the shells and the CLI use it.

use super::*;
use crate::model::{ApplicationStatus, AppointmentKind, LocalDate, Source};
use crate::query::ApplicationQuery;

fn quick(employer: &str, role: &str) -> NewApplication {
    NewApplication {
        employer: employer.into(),
        role: role.into(),
        ..Default::default()
    }
}

fn day(s: &str) -> LocalDate {
    s.parse().unwrap()
}

#[test]
fn quick_logging_needs_only_employer_and_role_and_survives_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("koers.db");
    let id = {
        let mut d = Dossier::open(&path).unwrap();
        let app = d.log_application(quick("Acme", "Planner")).unwrap();
        assert_eq!(app.status, ApplicationStatus::Applied);
        assert_eq!(app.history.len(), 1);
        app.id
    };
    let d = Dossier::open(&path).unwrap();
    let app = d.application(&id).unwrap();
    assert_eq!(
        (app.employer.as_str(), app.role.as_str()),
        ("Acme", "Planner")
    );
    assert_eq!(
        d.list_applications(&ApplicationQuery::default())
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn bad_input_is_refused_and_nothing_is_stored() {
    let mut d = Dossier::open_in_memory().unwrap();
    let err = d.log_application(quick("  ", "Planner")).unwrap_err();
    assert!(matches!(err, KoersError::InvalidInput { ref field, .. } if field == "employer"));
    let err = d
        .log_application(NewApplication {
            vacancy_url: Some("ftp://x".into()),
            ..quick("Acme", "Planner")
        })
        .unwrap_err();
    assert!(err.to_string().starts_with("vacaturelink:"), "{err}");
    assert!(d.document().applications.is_empty());
    assert!(d
        .list_applications(&ApplicationQuery::default())
        .unwrap()
        .is_empty());
    let heads = d.automerge().unwrap().get_heads();
    assert_eq!(heads.len(), 1, "only the genesis change");
}

#[test]
fn status_changes_keep_a_dated_history() {
    let mut d = Dossier::open_in_memory().unwrap();
    let app = d.log_application(quick("Acme", "Planner")).unwrap();
    d.set_status(&app.id, ApplicationStatus::Interview).unwrap();
    let same = d.set_status(&app.id, ApplicationStatus::Interview).unwrap();
    assert_eq!(
        same.history.len(),
        2,
        "setting the same status adds nothing"
    );
    let app = d.set_status(&app.id, ApplicationStatus::Offer).unwrap();
    let statuses: Vec<_> = app.history.iter().map(|h| h.status).collect();
    assert_eq!(
        statuses,
        [
            ApplicationStatus::Applied,
            ApplicationStatus::Interview,
            ApplicationStatus::Offer
        ]
    );
    assert!(app.history.windows(2).all(|w| w[0].at <= w[1].at));
    assert!(d.set_status("nope", ApplicationStatus::Offer).is_err());
}

#[test]
fn lists_filter_by_status_text_dates_and_follow_up() {
    let mut d = Dossier::open_in_memory().unwrap();
    let a = d
        .log_application(NewApplication {
            date: Some(day("2026-11-02")),
            notes: Some("Gesprek met de teamleider van het café".into()),
            follow_up: Some(day("2026-11-10")),
            source: Some(Source::Network),
            ..quick("Bakkerij Één", "Verkoper")
        })
        .unwrap();
    let b = d
        .log_application(NewApplication {
            date: Some(day("2026-11-16")),
            ..quick("Gemeente Utrecht", "Beleidsmedewerker")
        })
        .unwrap();
    d.set_status(&b.id, ApplicationStatus::Rejected).unwrap();

    let all = d.list_applications(&ApplicationQuery::default()).unwrap();
    assert_eq!(
        all.iter().map(|x| &x.id).collect::<Vec<_>>(),
        [&b.id, &a.id],
        "newest first"
    );

    let by_status = d
        .list_applications(&ApplicationQuery {
            statuses: vec![ApplicationStatus::Rejected],
            ..Default::default()
        })
        .unwrap();
    assert_eq!(by_status.len(), 1);
    assert_eq!(by_status[0].id, b.id);

    // Accents are ignored and words match as prefixes.
    for text in ["cafe", "EEN", "teamleid", "bakkerij verkoper"] {
        let found = d
            .list_applications(&ApplicationQuery {
                text: Some(text.into()),
                ..Default::default()
            })
            .unwrap();
        assert_eq!(found.len(), 1, "search {text:?}");
        assert_eq!(found[0].id, a.id);
    }

    let in_range = d
        .list_applications(&ApplicationQuery {
            from: Some(day("2026-11-10")),
            to: Some(day("2026-11-30")),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(in_range.len(), 1);
    assert_eq!(in_range[0].id, b.id);

    let due = d
        .list_applications(&ApplicationQuery {
            follow_up_due_by: Some(day("2026-11-10")),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(due.len(), 1);
    let not_yet = d
        .list_applications(&ApplicationQuery {
            follow_up_due_by: Some(day("2026-11-09")),
            ..Default::default()
        })
        .unwrap();
    assert!(not_yet.is_empty());
}

#[test]
fn edits_change_only_what_was_given_and_can_clear() {
    let mut d = Dossier::open_in_memory().unwrap();
    let app = d
        .log_application(NewApplication {
            contact: Some("Mevr. Jansen".into()),
            ..quick("Acme", "Planner")
        })
        .unwrap();
    let edited = d
        .edit_application(
            &app.id,
            ApplicationPatch {
                role: Some("Senior planner".into()),
                contact: Some(None),
                follow_up: Some(Some(day("2026-12-01"))),
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(edited.employer, "Acme");
    assert_eq!(edited.role, "Senior planner");
    assert_eq!(edited.contact, None);
    assert_eq!(edited.follow_up, Some(day("2026-12-01")));
    let err = d
        .edit_application(
            &app.id,
            ApplicationPatch {
                employer: Some("".into()),
                ..Default::default()
            },
        )
        .unwrap_err();
    assert!(err.is_input_error());
    assert_eq!(d.application(&app.id).unwrap().employer, "Acme");
}

#[test]
fn merged_changes_from_another_device_update_the_lists() {
    let mut phone = Dossier::open_in_memory().unwrap();
    let mut tablet = Dossier::open_in_memory().unwrap();
    let mine = phone.log_application(quick("Acme", "Planner")).unwrap();
    let theirs = tablet.log_application(quick("Globex", "Analist")).unwrap();
    phone
        .set_status(&mine.id, ApplicationStatus::Interview)
        .unwrap();

    let changes = tablet.automerge().unwrap().get_changes(&[]);
    let added = phone.merge_changes(changes, |_| Ok(())).unwrap();
    assert_eq!(added, 1);
    assert!(phone.take_changes().contains(&Topic::Applications));
    let listed = phone
        .list_applications(&ApplicationQuery::default())
        .unwrap();
    assert_eq!(listed.len(), 2);
    assert!(listed.iter().any(|a| a.id == theirs.id));
    // Searching finds the merged one too: the record cache was updated with the merge.
    let found = phone
        .list_applications(&ApplicationQuery {
            text: Some("globex".into()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(found.len(), 1);

    // Merging the same changes again is harmless.
    let again = phone
        .merge_changes(tablet.automerge().unwrap().get_changes(&[]), |_| Ok(()))
        .unwrap();
    assert_eq!(again, 0);
}

#[test]
fn concurrent_status_change_and_edit_both_survive() {
    let mut phone = Dossier::open_in_memory().unwrap();
    let app = phone.log_application(quick("Acme", "Planner")).unwrap();
    let mut tablet = Dossier::open_in_memory().unwrap();
    tablet
        .merge_changes(phone.automerge().unwrap().get_changes(&[]), |_| Ok(()))
        .unwrap();

    phone
        .set_status(&app.id, ApplicationStatus::Interview)
        .unwrap();
    tablet
        .edit_application(
            &app.id,
            ApplicationPatch {
                notes: Some("Salaris besproken".into()),
                ..Default::default()
            },
        )
        .unwrap();
    phone
        .merge_changes(tablet.automerge().unwrap().get_changes(&[]), |_| Ok(()))
        .unwrap();
    tablet
        .merge_changes(phone.automerge().unwrap().get_changes(&[]), |_| Ok(()))
        .unwrap();
    for d in [&phone, &tablet] {
        let a = d.application(&app.id).unwrap();
        assert_eq!(a.status, ApplicationStatus::Interview);
        assert_eq!(a.notes, "Salaris besproken");
    }
    assert_eq!(phone.document(), tablet.document());
}

#[test]
fn many_writes_compact_and_reopen_identically() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("koers.db");
    let before = {
        let mut d = Dossier::open(&path).unwrap();
        for i in 0..(crate::store::COMPACT_AFTER_CHANGES + 20) {
            d.log_application(quick(&format!("Werkgever {i}"), "Rol"))
                .unwrap();
        }
        let unfolded = crate::store::StoredDocument::unfolded(d.conn()).unwrap();
        assert!(
            unfolded < crate::store::COMPACT_AFTER_CHANGES,
            "compacted: {unfolded}"
        );
        d.document().clone()
    };
    let d = Dossier::open(&path).unwrap();
    assert_eq!(d.document(), &before);
}

#[test]
fn the_record_cache_is_rebuilt_when_its_version_changes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("koers.db");
    {
        let mut d = Dossier::open(&path).unwrap();
        d.log_application(quick("Acme", "Planner")).unwrap();
        // Simulate tables from an older version: emptied and marked stale.
        d.write_local(|tx| {
            tx.execute("DELETE FROM records WHERE kind = 'application'", [])?;
            crate::store::Settings::put(tx, PROJECTION_KEY, b"0")
        })
        .unwrap();
    }
    let d = Dossier::open(&path).unwrap();
    assert_eq!(
        d.list_applications(&ApplicationQuery::default())
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn appointments_check_times_and_follow_their_status_rules() {
    let mut d = Dossier::open_in_memory().unwrap();
    let at = |s: &str| crate::input::instant("t", s).unwrap();
    let err = d
        .schedule_appointment(NewAppointment {
            starts_at: at("2026-12-01T10:00"),
            ends_at: at("2026-12-01T09:00"),
            kind: AppointmentKind::Coaching,
            location: String::new(),
            agenda: String::new(),
            notes: String::new(),
        })
        .unwrap_err();
    assert!(err.to_string().starts_with("einde:"), "{err}");
    assert!(d.document().appointments.is_empty());

    let a = d
        .schedule_appointment(NewAppointment {
            starts_at: at("2026-12-01T10:00"),
            ends_at: at("2026-12-01T11:00"),
            kind: AppointmentKind::Coaching,
            location: "Kantoor Utrecht".into(),
            agenda: "CV bespreken".into(),
            notes: String::new(),
        })
        .unwrap();
    assert_eq!(a.status, crate::model::AppointmentStatus::Proposed);
    let a = d.confirm_appointment(&a.id).unwrap();
    let moved = d
        .update_appointment(
            &a.id,
            AppointmentPatch {
                starts_at: Some(at("2026-12-02T10:00")),
                ends_at: Some(at("2026-12-02T11:00")),
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(
        moved.status,
        crate::model::AppointmentStatus::Proposed,
        "moved needs confirming"
    );
    d.cancel_appointment(&a.id).unwrap();
    assert!(d.complete_appointment(&a.id, None).is_err());
}

#[test]
fn actions_tick_off_and_list_open_first() {
    let mut d = Dossier::open_in_memory().unwrap();
    let late = d
        .add_action(NewAction {
            title: "CV bijwerken".into(),
            due: Some(day("2026-12-10")),
            owner: None,
            appointment_id: None,
        })
        .unwrap();
    let soon = d
        .add_action(NewAction {
            title: "Drie vacatures zoeken".into(),
            due: Some(day("2026-12-01")),
            owner: None,
            appointment_id: None,
        })
        .unwrap();
    assert!(d
        .add_action(NewAction {
            title: "x".into(),
            due: None,
            owner: None,
            appointment_id: Some("missing".into()),
        })
        .is_err());
    let open: Vec<_> = d
        .list_actions(true)
        .unwrap()
        .into_iter()
        .map(|a| a.id)
        .collect();
    assert_eq!(open, [soon.id.clone(), late.id.clone()]);
    d.set_action_done(&soon.id, true).unwrap();
    assert_eq!(d.list_actions(true).unwrap().len(), 1);
    let all: Vec<_> = d
        .list_actions(false)
        .unwrap()
        .into_iter()
        .map(|a| a.id)
        .collect();
    assert_eq!(all, [late.id, soon.id]);
}

#[test]
fn the_journal_never_enters_the_shared_document() {
    let mut d = Dossier::open_in_memory().unwrap();
    d.add_journal_entry(day("2026-11-20"), "Slecht geslapen, rugpijn", 2)
        .unwrap();
    assert!(d.add_journal_entry(day("2026-11-20"), "x", 9).is_err());
    assert_eq!(d.journal(None, None).unwrap().len(), 1);
    let saved = d.automerge().unwrap().save();
    let text = String::from_utf8_lossy(&saved);
    assert!(!text.contains("rugpijn"));
    assert_eq!(d.automerge().unwrap().get_heads().len(), 1, "only genesis");
}

#[test]
fn trajectory_updates_are_checked() {
    let mut d = Dossier::open_in_memory().unwrap();
    let t = d
        .update_trajectory(TrajectoryPatch {
            kind: Some(crate::model::TrajectoryKind::Spoor2),
            first_sick_day: Some(Some(day("2025-10-01"))),
            start_date: Some(Some(day("2026-09-01"))),
            weekly_target: Some(4),
            goals: Some(vec!["Passend werk in de logistiek".into(), "  ".into()]),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(t.goals, ["Passend werk in de logistiek"]);
    assert!(d
        .update_trajectory(TrajectoryPatch {
            start_date: Some(Some(day("2025-01-01"))),
            ..Default::default()
        })
        .is_err());
    assert!(d
        .update_trajectory(TrajectoryPatch {
            weekly_target: Some(500),
            ..Default::default()
        })
        .is_err());
    assert_eq!(d.trajectory().weekly_target, 4);
}

/// The state a dossier shows must always be exactly what its Automerge document holds,
/// whether it came from a write, a merge, or the record cache after reopening.
fn assert_state_matches_document(d: &mut Dossier) {
    let shown = d.document().clone();
    let hydrated: DossierDocument = autosurgeon::hydrate(d.automerge().unwrap()).unwrap();
    assert_eq!(shown, hydrated);
}

#[test]
fn cached_state_always_equals_the_document() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("koers.db");
    let mut phone = Dossier::open(&path).unwrap();
    let mut tablet = Dossier::open_in_memory().unwrap();
    let a = phone.log_application(quick("Acme", "Planner")).unwrap();
    tablet
        .merge_changes(phone.automerge().unwrap().get_changes(&[]), |_| Ok(()))
        .unwrap();
    tablet
        .set_status(&a.id, ApplicationStatus::Interview)
        .unwrap();
    tablet.comment_on_application(&a.id, "Goed bezig").unwrap();
    tablet
        .update_trajectory(TrajectoryPatch {
            weekly_target: Some(3),
            ..Default::default()
        })
        .unwrap();
    let b = tablet.log_application(quick("Globex", "Analist")).unwrap();
    tablet.delete_application(&b.id).unwrap();
    phone.log_application(quick("Initech", "Tester")).unwrap();
    phone
        .merge_changes(tablet.automerge().unwrap().get_changes(&[]), |_| Ok(()))
        .unwrap();
    assert_state_matches_document(&mut phone);
    assert_eq!(phone.comments_on(&a.id).len(), 1);
    assert_eq!(phone.trajectory().weekly_target, 3);
    drop(phone);
    let mut reopened = Dossier::open(&path).unwrap();
    assert_state_matches_document(&mut reopened);
    assert_eq!(reopened.document().applications.len(), 2);
    // Writing after a cold open (document loaded lazily) keeps the two in step.
    reopened
        .set_status(&a.id, ApplicationStatus::Offer)
        .unwrap();
    assert_state_matches_document(&mut reopened);
}

/// Serves `body` as an HTML page on a free loopback port for `requests` requests.
fn serve_page(body: &'static str, requests: usize) -> String {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(requests) {
            let mut stream = stream.unwrap();
            let mut buf = [0u8; 4096];
            let _ = stream.read(&mut buf);
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    format!("http://127.0.0.1:{port}/vacature/123")
}

const VACANCY_PAGE: &str = r#"<!doctype html><html><head><title>Vacature</title>
<script type="application/ld+json">{"@context":"https://schema.org","@type":"JobPosting",
"title":"Medewerker klantenservice","hiringOrganization":{"@type":"Organization","name":"Coolblue"},
"jobLocation":{"@type":"Place","address":{"@type":"PostalAddress","addressLocality":"Rotterdam"}},
"baseSalary":{"@type":"MonetaryAmount","currency":"EUR","value":{"@type":"QuantitativeValue","minValue":2800,"maxValue":3200,"unitText":"MONTH"}}}
</script></head><body>Kom bij ons werken</body></html>"#;

#[test]
fn a_shared_link_is_logged_offline_and_filled_in_later_without_overwriting() {
    let mut d = Dossier::open_in_memory().unwrap();
    let url = serve_page(VACANCY_PAGE, 1);
    // Offline: only the link (and the role the employee typed) is stored, at once.
    let app = d
        .log_from_link(&url, None, Some("Klantenservice (parttime)".into()))
        .unwrap();
    assert_eq!(app.employer, "");
    assert_eq!(app.vacancy_url.as_deref(), Some(url.as_str()));
    assert_eq!(d.pending_vacancy_links().unwrap().len(), 1);

    // Online: the page fills the empty fields; the typed role stays.
    let report = d.enrich_vacancies().unwrap();
    assert_eq!(report.filled, 1);
    assert_eq!(report.pending, 0);
    let app = d.application(&app.id).unwrap();
    assert_eq!(app.employer, "Coolblue");
    assert_eq!(app.role, "Klantenservice (parttime)");
    assert_eq!(app.location.as_deref(), Some("Rotterdam"));
    assert!(
        app.salary.as_deref().unwrap_or("").contains("2.800"),
        "{:?}",
        app.salary
    );
    // Search finds it by the filled-in employer.
    let found = d
        .list_applications(&ApplicationQuery {
            text: Some("coolblue".into()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(found.len(), 1);
}

#[test]
fn an_unreachable_vacancy_page_stays_pending_and_is_retried() {
    let mut d = Dossier::open_in_memory().unwrap();
    // A port nobody listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let app = d
        .log_from_link(&format!("http://127.0.0.1:{port}/v"), None, None)
        .unwrap();
    let report = d.enrich_vacancies().unwrap();
    assert_eq!((report.filled, report.failed, report.pending), (0, 1, 1));
    assert_eq!(d.application(&app.id).unwrap().employer, "");
    assert!(d.log_from_link("not a link", None, None).is_err());
}

#[test]
fn a_linked_phone_refuses_what_only_the_coach_may_change() {
    let mut d = Dossier::open_in_memory().unwrap();
    // Unlinked, the employee keeps their own trajectory up to date.
    d.update_trajectory(TrajectoryPatch {
        weekly_target: Some(2),
        ..Default::default()
    })
    .unwrap();
    d.write_local(|tx| crate::store::Settings::put(tx, sync::SERVER_KEY, b"http://bureau"))
        .unwrap();
    let err = d
        .update_trajectory(TrajectoryPatch {
            weekly_target: Some(1),
            ..Default::default()
        })
        .unwrap_err();
    assert!(
        matches!(err, KoersError::InvalidInput { ref field, .. } if field == "trajectory"),
        "{err:?}"
    );
    assert_eq!(d.trajectory().weekly_target, 2, "nothing stored");
    // Their own applications stay theirs.
    let app = d.log_application(quick("Acme", "Planner")).unwrap();
    d.set_status(&app.id, ApplicationStatus::Interview).unwrap();
}
