//! The report as a PDF through the bureau's Chromium, printed from its private temporary
//! directory (`web::pdf`'s own tests check its modes and removal).

mod web;

use koers_bureau::coach_api::{self, NewEmployee};
use koers_core::model::TrajectoryKind;
use web::{coach, server, Browser};

fn chromium_installed() -> bool {
    std::env::var_os("PATH")
        .is_some_and(|path| std::env::split_paths(&path).any(|d| d.join("chromium").is_file()))
        && std::env::var("KOERS_CHROMIUM").map_or(true, |v| v != "off")
}

#[test]
fn the_report_prints_to_pdf_when_chromium_is_there() {
    let (_dir, srv) = server();
    let coach_id = coach(&srv, "a@bureau.test", "Marieke de Vries");
    let id = coach_api::create_employee(
        &srv.state,
        &coach_id,
        &NewEmployee {
            name: "Sanne Jansen".into(),
            kind: TrajectoryKind::Outplacement,
            first_sick_day: None,
            contract_end: None,
            weekly_target: Some(2),
            bureau: None,
        },
    )
    .unwrap()
    .employee_id;
    let a = Browser::logged_in(&srv, "a@bureau.test");
    let r = a.post(
        &format!("/coach/werknemers/{id}/rapport"),
        &[
            ("van", "2029-01-01"),
            ("tot", "2029-02-01"),
            ("summary", "Goed op weg."),
            ("format", "pdf"),
        ],
    );
    assert_eq!(r.status(), 200);
    let content_type = r.headers()["content-type"].to_str().unwrap().to_string();
    let body = r.bytes().unwrap();
    if chromium_installed() {
        assert_eq!(content_type, "application/pdf");
        assert!(body.starts_with(b"%PDF"));
    } else {
        assert!(content_type.starts_with("text/html"), "{content_type}");
    }
}
