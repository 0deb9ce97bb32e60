//! The coach's web view refuses what it must: pages without a session, another coach's
//! employee on every page and form, forms without the right CSRF token or from another
//! origin, and a session after logout.

mod web;

use koers_bureau::coach_api::{self, NewAppointment, NewEmployee};
use koers_core::model::{AppointmentKind, AppointmentStatus, Phase, Timestamp, TrajectoryKind};
use web::{coach, server, set_cookie, Browser};

fn employee(server: &koers_bureau::testkit::TestServer, coach_id: &str, name: &str) -> String {
    coach_api::create_employee(
        &server.state,
        coach_id,
        &NewEmployee {
            name: name.into(),
            kind: TrajectoryKind::Outplacement,
            first_sick_day: None,
            contract_end: None,
            weekly_target: Some(3),
            bureau: None,
        },
    )
    .unwrap()
    .employee_id
}

#[test]
fn another_coachs_employee_is_not_found_on_every_page_and_form() {
    let (_dir, srv) = server();
    coach(&srv, "a@bureau.test", "Coach A");
    let b_id = coach(&srv, "b@bureau.test", "Coach B");
    let theirs = employee(&srv, &b_id, "Werknemer Van B");
    let start = Timestamp::parse_flexible("2030-01-10T10:00").unwrap();
    let appointment = coach_api::schedule_appointment(
        &srv.state,
        &b_id,
        &theirs,
        "",
        &NewAppointment {
            starts_at: start,
            ends_at: Timestamp(start.0 + chrono::Duration::hours(1)),
            kind: AppointmentKind::Coaching,
            location: String::new(),
            agenda: String::new(),
        },
    )
    .unwrap();

    let a = Browser::logged_in(&srv, "a@bureau.test");
    let (status, caseload) = a.get("/coach");
    assert_eq!(status, 200);
    assert!(!caseload.contains("Werknemer Van B"));

    let base = format!("/coach/werknemers/{theirs}");
    for page in [base.clone(), format!("{base}/rapport")] {
        let (status, body) = a.get(&page);
        assert_eq!(status, 404, "GET {page}");
        assert!(
            !body.contains("Werknemer Van B"),
            "GET {page} leaks the name"
        );
    }
    let appt = format!("{base}/afspraken/{}", appointment.id);
    let forms: Vec<(String, Vec<(&str, &str)>)> = vec![
        (
            format!("{base}/afspraken"),
            vec![
                ("date", "2030-02-01"),
                ("time", "10:00"),
                ("duration", "60"),
                ("kind", "coaching"),
            ],
        ),
        (appt.clone(), vec![("op", "annuleren")]),
        (appt.clone(), vec![("op", "gehouden")]),
        (
            appt,
            vec![
                ("op", "verplaatsen"),
                ("date", "2030-02-01"),
                ("time", "10:00"),
                ("duration", "60"),
            ],
        ),
        (format!("{base}/acties"), vec![("title", "Overgenomen")]),
        (format!("{base}/opmerkingen"), vec![("text", "Hallo")]),
        (format!("{base}/weekdoel"), vec![("weekly_target", "9")]),
        (format!("{base}/fase"), vec![("phase", "placed")]),
        (format!("{base}/koppelcode"), vec![]),
        (
            format!("{base}/rapport"),
            vec![
                ("van", "2029-01-01"),
                ("tot", "2029-02-01"),
                ("summary", "x"),
            ],
        ),
    ];
    for (path, fields) in &forms {
        let r = a.post(path, fields);
        let status = r.status().as_u16();
        let body = r.text().unwrap();
        assert_eq!(status, 404, "POST {path}");
        assert!(
            !body.contains("Werknemer Van B"),
            "POST {path} leaks the name"
        );
    }
    // A made-up id answers the same as another coach's.
    assert_eq!(a.get("/coach/werknemers/bestaat-niet").0, 404);

    // Nothing of B's dossier changed.
    let d = coach_api::dossier(&srv.state, &b_id, &theirs, "")
        .unwrap()
        .dossier;
    assert_eq!(d.trajectory.weekly_target, 3);
    assert_eq!(d.trajectory.phase, Some(Phase::Intake));
    assert!(d.actions.is_empty() && d.comments.is_empty());
    assert_eq!(d.appointments.len(), 1);
    assert_eq!(
        d.appointments[&appointment.id].status,
        AppointmentStatus::Proposed
    );
    assert_eq!(d.appointments[&appointment.id].starts_at, start);
    // And the attempts were audited.
    let audit = srv.state.storage.audit_log(100).unwrap();
    assert!(audit.iter().filter(|e| e.kind == "forbidden").count() >= forms.len());
}

/// What is wrong with the token, the form's fields, and the `Origin` header.
type Attempt<'a> = (&'a str, Vec<(&'a str, &'a str)>, Option<&'a str>);

#[test]
fn forms_need_this_sessions_csrf_token_and_our_origin() {
    let (_dir, srv) = server();
    let coach_id = coach(&srv, "a@bureau.test", "Coach A");
    coach(&srv, "b@bureau.test", "Coach B");
    let mine = employee(&srv, &coach_id, "Eigen Werknemer");
    let a = Browser::logged_in(&srv, "a@bureau.test");
    let other_session = Browser::logged_in(&srv, "b@bureau.test");
    let path = format!("/coach/werknemers/{mine}/weekdoel");
    let origin = Some(a.base.as_str());

    let attempts: Vec<Attempt> = vec![
        ("missing", vec![("weekly_target", "7")], origin),
        ("empty", vec![("csrf", ""), ("weekly_target", "7")], origin),
        (
            "wrong",
            vec![("csrf", "AAAA"), ("weekly_target", "7")],
            origin,
        ),
        (
            "another session's",
            vec![
                ("csrf", other_session.csrf.as_str()),
                ("weekly_target", "7"),
            ],
            origin,
        ),
        (
            "right token, foreign origin",
            vec![("csrf", a.csrf.as_str()), ("weekly_target", "7")],
            Some("https://evil.example"),
        ),
    ];
    for (what, fields, origin) in &attempts {
        let r = a.post_raw(&path, fields, *origin);
        assert_eq!(r.status(), 403, "{what} token");
    }
    let d = coach_api::dossier(&srv.state, &coach_id, &mine, "")
        .unwrap()
        .dossier;
    assert_eq!(
        d.trajectory.weekly_target, 3,
        "a refused form changed the dossier"
    );

    let r = a.post(&path, &[("weekly_target", "7")]);
    assert_eq!(r.status(), 303);
    let d = coach_api::dossier(&srv.state, &coach_id, &mine, "")
        .unwrap()
        .dossier;
    assert_eq!(d.trajectory.weekly_target, 7);

    // Logging out and in need their tokens too.
    assert_eq!(a.post_raw("/coach/uitloggen", &[], origin).status(), 403);
    assert_eq!(a.get("/coach").0, 200, "a refused logout ended the session");
    let r = a.post_raw(
        "/coach/inloggen",
        &[("email", "a@bureau.test"), ("password", web::PASSWORD)],
        origin,
    );
    assert_eq!(r.status(), 403);
}

#[test]
fn pages_and_forms_need_a_session() {
    let (_dir, srv) = server();
    let coach_id = coach(&srv, "a@bureau.test", "Coach A");
    let mine = employee(&srv, &coach_id, "Eigen Werknemer");
    let anonymous = Browser::new(&srv);
    for page in [
        "/coach".to_string(),
        "/coach/werknemers/nieuw".to_string(),
        format!("/coach/werknemers/{mine}"),
        format!("/coach/werknemers/{mine}/rapport"),
    ] {
        let r = anonymous
            .client
            .get(format!("{}{page}", anonymous.base))
            .send()
            .unwrap();
        assert_eq!(r.status(), 303, "GET {page}");
        assert_eq!(r.headers()["location"], "/coach/inloggen");
    }
    let r = anonymous.post_raw(
        &format!("/coach/werknemers/{mine}/weekdoel"),
        &[("weekly_target", "9")],
        None,
    );
    assert_eq!(r.status(), 303);
    // A made-up session cookie is no session.
    let mut forged = Browser::new(&srv);
    forged.session = Some("bm90LWEtc2Vzc2lvbg".into());
    assert_eq!(forged.get("/coach").0, 303);
}

#[test]
fn the_session_cookie_is_httponly_strict_and_secure_over_https() {
    let (_dir, srv) = server();
    coach(&srv, "a@bureau.test", "Coach A");
    let b = Browser::new(&srv);
    let r = b.log_in("a@bureau.test", web::PASSWORD);
    assert_eq!(r.status(), 303);
    let cookie = set_cookie(&r, "koers_sessie").unwrap();
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Strict"), "{cookie}");
    assert!(cookie.contains("Path=/"), "{cookie}");
    assert!(!cookie.contains("Secure"), "plain http: {cookie}");

    // Behind a TLS proxy: Secure, and the __Host- prefix that requires it.
    let form = b
        .client
        .get(format!("{}/coach/inloggen", b.base))
        .header("x-forwarded-proto", "https")
        .send()
        .unwrap();
    let login = set_cookie(&form, "koers_login").unwrap();
    assert!(login.ends_with("; Secure"), "{login}");
    let token = web::csrf_in(&form.text().unwrap()).unwrap();
    let r = b
        .client
        .post(format!("{}/coach/inloggen", b.base))
        .header("x-forwarded-proto", "https")
        .header(
            "cookie",
            format!("koers_login={}", web::cookie_value(&login)),
        )
        .form(&[
            ("csrf", token.as_str()),
            ("email", "a@bureau.test"),
            ("password", web::PASSWORD),
        ])
        .send()
        .unwrap();
    assert_eq!(r.status(), 303);
    let secure = set_cookie(&r, "__Host-koers_sessie").unwrap();
    assert!(
        secure.contains("; Secure") && secure.contains("HttpOnly"),
        "{secure}"
    );

    // Pages are not cached, framed or given scripts from elsewhere.
    let page = b
        .client
        .get(format!("{}/coach/inloggen", b.base))
        .send()
        .unwrap();
    let h = page.headers();
    assert_eq!(h["cache-control"], "no-store");
    assert_eq!(h["x-frame-options"], "DENY");
    assert!(h["content-security-policy"]
        .to_str()
        .unwrap()
        .contains("script-src 'self'"));
}

#[test]
fn a_wrong_password_is_refused_and_logout_ends_the_session() {
    let (_dir, srv) = server();
    coach(&srv, "a@bureau.test", "Coach A");
    let b = Browser::new(&srv);
    let r = b.log_in("a@bureau.test", "niet het wachtwoord");
    assert_eq!(r.status(), 401);
    assert!(set_cookie(&r, "koers_sessie").is_none());
    assert!(r.text().unwrap().contains("klopt niet"));

    let a = Browser::logged_in(&srv, "a@bureau.test");
    let r = a.post("/coach/uitloggen", &[]);
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/coach/inloggen?uitgelogd=1");
    let cleared = set_cookie(&r, "koers_sessie").unwrap();
    assert!(cleared.contains("Max-Age=0"), "{cleared}");
    // The old cookie opens nothing any more: the session is gone on the server.
    let (status, _) = a.get("/coach");
    assert_eq!(status, 303);
    let r = a.post(
        "/coach/werknemers/nieuw",
        &[("name", "X"), ("kind", "outplacement")],
    );
    assert_eq!(r.status(), 303);
}
