//! The voortgangsrapportage carries what the employer may see and nothing else: a phone
//! (the core's real `Dossier`) syncs applications whose notes mention health, keeps a
//! private journal about it, and the coach writes a health-related agenda and comment; the
//! report shows the applications, weeks, appointments held and next steps, but none of that
//! text. The coach's edits from the web view reach the phone at its next sync.

mod web;

use koers_bureau::coach_api::{self, NewEmployee};
use koers_core::dossier::NewApplication;
use koers_core::model::{ApplicationStatus, LocalDate, Source, TrajectoryKind};
use koers_core::Dossier;
use web::{coach, server, Browser};

const JOURNAL: &str = "Nacht slecht geslapen, rugpijn erger; huisarts zegt mogelijk burn-out";
const PRIVATE_WORDS: [&str; 3] = ["rugpijn", "huisarts", "burn-out"];
const NOTE: &str = "Gesprek verzet vanwege fysiotherapeut";
const AGENDA: &str = "Belastbaarheid bespreken na advies bedrijfsarts";
const COMMENT: &str = "Let op de medische beperkingen bij deze functie";

fn days_ago(n: i64) -> LocalDate {
    LocalDate(LocalDate::today().0 - chrono::Duration::days(n))
}

#[test]
fn the_report_has_the_progress_and_no_private_or_health_text() {
    let (dir, srv) = server();
    let coach_id = coach(&srv, "a@bureau.test", "Marieke de Vries");
    let created = coach_api::create_employee(
        &srv.state,
        &coach_id,
        &NewEmployee {
            name: "Sanne Jansen".into(),
            kind: TrajectoryKind::Spoor2,
            first_sick_day: Some(days_ago(400)),
            contract_end: None,
            weekly_target: Some(2),
            bureau: Some("Bureau Test".into()),
        },
    )
    .unwrap();
    let id = created.employee_id.clone();
    coach_api::edit_dossier(&srv.state, &coach_id, &id, "", |d| {
        d.trajectory.goals = vec![
            "Passend werk in de administratie".into(),
            "Netwerk uitbreiden".into(),
        ];
        Ok(())
    })
    .unwrap();

    // The phone: applications in the last weeks (with a health note), a private journal.
    let mut phone = Dossier::open(dir.path().join("phone.db")).unwrap();
    let (_, token) = phone
        .enrol(&srv.url, &created.enrolment_code, "Telefoon")
        .unwrap();
    for (employer, role, ago, status) in [
        (
            "Gemeente Utrecht",
            "Beleidsmedewerker",
            9,
            ApplicationStatus::Interview,
        ),
        (
            "Rabobank",
            "Administratief medewerker",
            8,
            ApplicationStatus::Applied,
        ),
        ("Jumbo", "Planner", 2, ApplicationStatus::Applied),
        (
            "Oude Werkgever",
            "Buiten de periode",
            200,
            ApplicationStatus::Rejected,
        ),
    ] {
        phone
            .log_application(NewApplication {
                employer: employer.into(),
                role: role.into(),
                source: Some(Source::VacancySite),
                date: Some(days_ago(ago)),
                notes: Some(NOTE.into()),
                status: Some(status),
                ..Default::default()
            })
            .unwrap();
    }
    phone
        .add_journal_entry(LocalDate::today(), JOURNAL, 2)
        .unwrap();
    phone.sync_now(&token).unwrap();

    // The coach, in the browser: an appointment held (with a health-related agenda), a
    // comment, an agreed next step.
    let b = Browser::logged_in(&srv, "a@bureau.test");
    let base = format!("/coach/werknemers/{id}");
    let held = days_ago(3).to_string();
    let r = b.post(
        &format!("{base}/afspraken"),
        &[
            ("date", &held),
            ("time", "10:00"),
            ("duration", "60"),
            ("kind", "coaching"),
            ("location", "Kantoor"),
            ("agenda", AGENDA),
        ],
    );
    assert_eq!(r.status(), 303);
    let appointment = coach_api::dossier(&srv.state, &coach_id, &id, "")
        .unwrap()
        .dossier
        .appointments
        .into_keys()
        .next()
        .unwrap();
    let r = b.post(
        &format!("{base}/afspraken/{appointment}"),
        &[("op", "gehouden")],
    );
    assert_eq!(r.status(), 303);
    let app_id = coach_api::dossier(&srv.state, &coach_id, &id, "")
        .unwrap()
        .dossier
        .applications
        .values()
        .find(|a| a.employer == "Jumbo")
        .unwrap()
        .id
        .clone();
    let r = b.post(
        &format!("{base}/opmerkingen"),
        &[("application_id", &app_id), ("text", COMMENT)],
    );
    assert_eq!(r.status(), 303);
    let r = b.post(
        &format!("{base}/acties"),
        &[
            ("title", "Cv herschrijven voor de logistiek"),
            ("owner", "employee"),
        ],
    );
    assert_eq!(r.status(), 303);

    // The coach's page shows the synced log, never the journal.
    let (status, page) = b.get(&base);
    assert_eq!(status, 200);
    assert!(page.contains("Gemeente Utrecht") && page.contains("Rabobank"));
    for w in PRIVATE_WORDS {
        assert!(!page.contains(w), "journal word {w} on the coach's page");
    }

    // The report over the last four weeks, with the coach's summary.
    let summary = "Sanne solliciteert gericht.\n\nVolgende stap: gesprekken oefenen.";
    let r = b.post(
        &format!("{base}/rapport"),
        &[
            ("van", &days_ago(27).to_string()),
            ("tot", &LocalDate::today().to_string()),
            ("summary", summary),
            ("employer", "Transportbedrijf De Vries B.V."),
            ("besproken", &days_ago(1).to_string()),
            ("format", "html"),
        ],
    );
    assert_eq!(r.status(), 200);
    let html = r.text().unwrap();
    let report = &html[html.find("<article class=\"report\"").unwrap()..];
    for want in [
        "Voortgangsrapportage",
        "Sanne Jansen",
        "Spoor 2",
        "Sanne solliciteert gericht.",
        "Volgende stap: gesprekken oefenen.",
        "Gemeente Utrecht",
        "Rabobank",
        "Jumbo",
        "Sollicitaties per week",
        "Gehouden afspraken",
        "Coachingsgesprek",
        "Cv herschrijven voor de logistiek",
        "Bureau Test",
        "Transportbedrijf De Vries B.V.",
        "Doel en plan van aanpak",
        "Passend werk in de administratie",
        "Gemaakte afspraken",
        "Bespreking en ondertekening",
        "besproken met Sanne Jansen",
        "Handtekening",
        "Marieke de Vries",
    ] {
        assert!(report.contains(want), "the report lacks {want:?}");
    }
    assert!(
        report.contains("<strong>3</strong> sollicitaties"),
        "three in the period"
    );
    // One of each reads in the singular, none in the plural.
    assert!(report.contains("<strong>1</strong> sollicitatiegesprek<"));
    assert!(report.contains("<strong>1</strong> gesprek met de coach<"));
    assert!(report.contains("<strong>0</strong> aanbiedingen<"));
    assert!(report.contains("<strong>0</strong> afgeronde acties<"));
    assert!(report.contains("2 sollicitaties per week"), "the target");
    assert!(report.contains(&format!(
        "op {} besproken met Sanne Jansen",
        koers_core::display::date_long(days_ago(1))
    )));
    assert_eq!(
        report.matches("class=\"sign\"").count(),
        2,
        "room for both signatures"
    );
    assert!(
        !report.contains("Oude Werkgever"),
        "an application outside the period"
    );
    for w in PRIVATE_WORDS.iter().copied().chain([
        "fysiotherapeut",
        "bedrijfsarts",
        "Belastbaarheid",
        "medische beperkingen",
        "Kantoor",
    ]) {
        assert!(!report.contains(w), "the report shows {w:?}");
    }
    // The first sick day is no business of the report either.
    assert!(!report.contains("ziektedag"));

    // Without the day it was discussed there is a blank to fill in by hand.
    let r = b.post(
        &format!("{base}/rapport"),
        &[
            ("van", &days_ago(27).to_string()),
            ("tot", &LocalDate::today().to_string()),
        ],
    );
    let html = r.text().unwrap();
    assert!(html.contains("besproken met Sanne Jansen op <span class=\"blank\""));
    let long = "x".repeat(201);
    let r = b.post(&format!("{base}/rapport"), &[("employer", &long)]);
    assert!(r
        .text()
        .unwrap()
        .contains("De naam van de werkgever is te lang"));

    // GET with a period in the URL gives the same report without a summary.
    let (status, page) = b.get(&format!("{base}/rapport?weken=8"));
    assert_eq!(status, 200);
    assert!(page.contains("Gemeente Utrecht"));
    assert!(!page.contains("fysiotherapeut"));
    let (status, page) = b.get(&format!("{base}/rapport?van=2026-05-01&tot=2026-04-01"));
    assert_eq!(status, 200);
    assert!(page.contains("De periode moet eindigen na het begin."));

    // The phone gets the coach's edits at its next sync.
    phone.sync_now(&token).unwrap();
    let actions = phone.list_actions(true).unwrap();
    assert!(actions
        .iter()
        .any(|a| a.title == "Cv herschrijven voor de logistiek"));
}
