//! Appointments, actions, the trajectory with its milestones, the weekly summary, today's
//! overview, reminders and the journal, through the `koers` binary.

use koers_core::model::Timestamp;
use koers_e2e::cli::{id_of, Koers};
use serde_json::Value;

/// An instant from JSON, compared as a moment rather than as text.
fn at(v: &Value) -> Timestamp {
    v.as_str()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("not an instant: {v}"))
}

fn utc(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn array(v: Value) -> Vec<Value> {
    match v {
        Value::Array(items) => items,
        other => panic!("not an array: {other}"),
    }
}

#[test]
fn appointments_are_proposed_confirmed_moved_and_held() {
    let k = Koers::new();
    let a = k.json(&[
        "appointment",
        "add",
        "--start",
        "2030-12-02T10:00",
        "--kind",
        "coaching",
        "--location",
        "Bureau Utrecht",
        "--agenda",
        "Cv doornemen",
    ]);
    let id = id_of(&a);
    assert_eq!(a["status"], "proposed");
    // Dutch winter time: 10:00 in Amsterdam is 09:00 UTC; one hour by default.
    assert_eq!(at(&a["starts_at"]), utc("2030-12-02T09:00:00Z"));
    assert_eq!(at(&a["ends_at"]), utc("2030-12-02T10:00:00Z"));

    let text = k.ok(&["appointment", "list"]);
    assert!(text.contains("ma 2 dec 2030 10:00–11:00"), "{text}");
    assert!(
        text.contains("Coachingsgesprek") && text.contains("Voorgesteld"),
        "{text}"
    );

    assert_eq!(
        k.json(&["appointment", "confirm", &id])["status"],
        "confirmed"
    );
    let moved = k.json(&["appointment", "move", &id, "--start", "2030-12-04T14:00"]);
    assert_eq!(at(&moved["starts_at"]), utc("2030-12-04T13:00:00Z"));
    assert_eq!(
        at(&moved["ends_at"]),
        utc("2030-12-04T14:00:00Z"),
        "keeps its length"
    );
    assert_eq!(
        moved["status"], "proposed",
        "a moved appointment needs confirming again"
    );

    let other = id_of(&k.json(&[
        "appointment",
        "add",
        "--start",
        "2030-12-10T09:00",
        "--end",
        "2030-12-10T09:30",
        "--kind",
        "evaluation",
    ]));
    assert_eq!(
        array(k.json(&["appointment", "list", "--upcoming"])).len(),
        2
    );
    assert_eq!(
        k.json(&["appointment", "cancel", &other])["status"],
        "cancelled"
    );
    assert_eq!(
        array(k.json(&["appointment", "list", "--upcoming"])).len(),
        1
    );
    assert_eq!(array(k.json(&["appointments", "list"])).len(), 2);

    let done = k.json(&[
        "appointment",
        "done",
        &id,
        "--notes",
        "Drie vacatures gekozen",
    ]);
    assert_eq!(done["status"], "done");
    assert_eq!(done["notes"], "Drie vacatures gekozen");
    // A held appointment cannot be cancelled: bad input.
    let run = k.fails(2, &["appointment", "cancel", &id]);
    assert!(run.stderr.contains("status:"), "{}", run.stderr);

    let edited = k.json(&["appointment", "edit", &other, "--agenda", "Voortgang"]);
    assert_eq!(edited["agenda"], "Voortgang");
    let shown = k.ok(&["appointment", "show", &other]);
    assert!(
        shown.contains("Evaluatie") && shown.contains("Geannuleerd"),
        "{shown}"
    );

    // Bad times name the field; nothing stored.
    let run = k.fails(2, &["appointment", "add", "--start", "morgen om tien"]);
    assert!(run.stderr.starts_with("koers: begin: "), "{}", run.stderr);
    let run = k.fails(
        2,
        &[
            "appointment",
            "add",
            "--start",
            "2030-12-02T10:00",
            "--end",
            "2030-12-02T09:00",
        ],
    );
    assert!(run.stderr.starts_with("koers: einde: "), "{}", run.stderr);
    k.fails(
        2,
        &[
            "appointment",
            "add",
            "--start",
            "2030-12-02T10:00",
            "--kind",
            "borrel",
        ],
    );
    assert_eq!(array(k.json(&["appointment", "list"])).len(), 2);
    k.fails(3, &["appointment", "confirm", "ffffffff"]);
}

#[test]
fn actions_are_added_ticked_off_and_deleted() {
    let k = Koers::new();
    let appointment = id_of(&k.json(&["appointment", "add", "--start", "2030-12-02T10:00"]));
    let a = k.json(&[
        "action",
        "add",
        "Cv",
        "aanpassen",
        "--due",
        "2030-12-05",
        "--appointment",
        &appointment[..12],
    ]);
    let a_id = id_of(&a);
    assert_eq!(a["title"], "Cv aanpassen");
    assert_eq!(a["owner"], "employee");
    assert_eq!(a["appointment_id"], appointment.as_str());
    let b_id = id_of(&k.json(&["action", "add", "Vacatures sturen", "--owner", "coach"]));
    assert_eq!(k.json(&["action", "done", &b_id])["done"], true);

    let open = array(k.json(&["action", "list", "--open"]));
    assert_eq!(open.iter().map(id_of).collect::<Vec<_>>(), [a_id.as_str()]);
    assert_eq!(array(k.json(&["actions", "list"])).len(), 2);
    let text = k.ok(&["action", "list"]);
    assert!(
        text.contains("[ ]") && text.contains("[x]") && text.contains("do 5 dec 2030"),
        "{text}"
    );
    assert!(text.contains("1 actie open"), "{text}");

    let undone = k.json(&["action", "undo", &b_id]);
    assert_eq!(undone["done"], false);
    assert!(undone["done_at"].is_null());
    let edited = k.json(&["action", "edit", &a_id, "--due", ""]);
    assert!(edited["due"].is_null());
    k.json(&["action", "delete", &b_id]);
    assert_eq!(array(k.json(&["action", "list"])).len(), 1);

    k.fails(2, &["action", "add", "Iets", "--owner", "baas"]);
    k.fails(2, &["action", "add", "Iets", "--due", "volgende week"]);
    k.fails(3, &["action", "add", "Iets", "--appointment", "ffffffff"]);
    assert_eq!(array(k.json(&["action", "list"])).len(), 1);
}

#[test]
fn the_trajectory_is_set_and_gives_milestones() {
    let k = Koers::new();
    assert!(k.ok(&["trajectory"]).contains("Nog geen traject"));
    assert!(array(k.json(&["milestones"])).is_empty());

    let t = k.json(&[
        "trajectory",
        "set",
        "--kind",
        "spoor2",
        "--first-sick-day",
        "2026-01-05",
        "--start",
        "2026-09-01",
        "--bureau",
        "Werkpad",
        "--coach",
        "Sanne",
        "--phase",
        "job_hunting",
        "--weekly-target",
        "3",
        "--goal",
        "Passend werk in de zorgadministratie",
        "--goal",
        "Cv bijwerken",
    ]);
    assert_eq!(t["kind"], "spoor2");
    assert_eq!(t["first_sick_day"], "2026-01-05");
    assert_eq!(t["weekly_target"], 3);
    assert_eq!(t["goals"].as_array().unwrap().len(), 2);

    let text = k.ok(&["trajectory"]);
    for s in [
        "Spoor 2",
        "ma 5 jan 2026",
        "Werkpad",
        "Sanne",
        "Solliciteren",
        "3 sollicitaties per week",
        "2. Cv bijwerken",
    ] {
        assert!(text.contains(s), "{s:?} missing:\n{text}");
    }

    // Week 6 after Monday 5 January 2026 is Monday 16 February 2026.
    let list = array(k.json(&["milestones", "--on", "2026-02-10"]));
    let week6 = list
        .iter()
        .find(|m| m["week"] == 6)
        .expect("week 6 milestone");
    assert_eq!(week6["date"], "2026-02-16");
    assert_eq!(week6["state"], "due_soon");
    let week104 = list.iter().find(|m| m["week"] == 104).expect("week 104");
    assert_eq!(week104["state"], "ahead");
    let text = k.ok(&["milestones", "--on", "2026-02-10"]);
    assert!(
        text.contains("ma 16 feb 2026") && text.contains("binnenkort"),
        "{text}"
    );

    // Outplacement with a budget.
    let t = k.json(&[
        "trajectory",
        "set",
        "--kind",
        "outplacement",
        "--contract-end",
        "2026-12-31",
        "--budget",
        "€ 5.000,-",
        "--budget-end",
        "2027-06-30",
        "--first-sick-day",
        "",
        "--start",
        "",
    ]);
    assert_eq!(t["budget_cents"], 500_000);
    assert!(t["first_sick_day"].is_null());
    assert_eq!(t["bureau"], "Werkpad", "untouched fields stay");
    assert!(k.ok(&["trajectory"]).contains("€ 5.000,00"));
    assert!(!array(k.json(&["milestones"])).is_empty());

    for (args, field) in [
        (vec!["--kind", "spoor3"], "kind"),
        (vec!["--weekly-target", "veel"], "weekly_target"),
        (vec!["--weekly-target", "80"], "weekly_target"),
        (vec!["--budget", "vijfduizend"], "budget"),
        (vec!["--phase", "pauze"], "phase"),
        (vec!["--contract-end", "31-12-2026"], "contract_end"),
    ] {
        let mut all = vec!["trajectory", "set"];
        all.extend(args);
        let run = k.fails(2, &all);
        assert!(
            run.stderr.starts_with(&format!(
                "koers: {}: ",
                koers_core::input::field_label(field)
            )),
            "{}",
            run.stderr
        );
    }
    k.fails(2, &["trajectory", "set"]);
    assert_eq!(k.json(&["trajectory"])["kind"], "outplacement");
}

#[test]
fn the_week_summary_counts_per_iso_week_against_the_target() {
    let k = Koers::new();
    // The first target holds from the trajectory's start; weeks before it never count.
    k.ok(&[
        "trajectory",
        "set",
        "--start",
        "2026-11-09",
        "--weekly-target",
        "2",
    ]);
    // ISO week 2026-W47 is 16-22 November; W48 starts Monday 23 November.
    for date in ["2026-11-16", "2026-11-18", "2026-11-23"] {
        k.log(&["Acme", "Planner", "--date", date]);
    }
    k.log(&[
        "Bolt",
        "Monteur",
        "--date",
        "2026-11-24",
        "--status",
        "interest",
    ]);

    let p = k.json(&["week", "--weeks", "3", "--on", "2026-11-25"]);
    assert_eq!(p["target"], 2);
    let weeks = p["weeks"].as_array().unwrap();
    assert_eq!(weeks.len(), 3);
    assert_eq!(weeks[1]["iso_week"], 47);
    assert_eq!(weeks[1]["applications"], 2);
    assert_eq!(weeks[1]["met"], true);
    assert_eq!(p["this_week"]["iso_week"], 48);
    assert_eq!(
        p["this_week"]["applications"], 1,
        "interest does not count as applied"
    );
    assert_eq!(p["current_streak"], 1);
    assert_eq!(p["total"], 4);
    let funnel = p["funnel"].as_array().unwrap();
    let count = |s: &str| funnel.iter().find(|f| f["status"] == s).unwrap()["count"].clone();
    assert_eq!(count("applied"), 3);
    assert_eq!(count("interest"), 1);

    let text = k.ok(&["week", "--weeks", "3", "--on", "2026-11-25"]);
    for s in [
        "Weekdoel: 2 sollicitaties",
        "2026-W47",
        "2/2",
        "Deze week: 1 van 2",
        "Reeks: 1 week op rij",
        "Interesse",
        "Totaal: 4 sollicitaties",
    ] {
        assert!(text.contains(s), "{s:?} missing:\n{text}");
    }
    k.fails(2, &["week", "--weeks", "0"]);
    k.fails(2, &["week", "--on", "gisteren"]);
}

#[test]
fn today_and_reminders_show_what_is_due() {
    let k = Koers::new();
    k.log(&[
        "Acme",
        "Planner",
        "--date",
        "2026-11-20",
        "--follow-up",
        "2026-11-25",
    ]);
    k.json(&[
        "appointment",
        "add",
        "--start",
        "2026-11-26T10:00",
        "--location",
        "Utrecht",
    ]);
    k.json(&["action", "add", "Cv sturen", "--due", "2026-11-25"]);

    let o = k.json(&["today", "--at", "2026-11-25T12:00"]);
    assert_eq!(o["date"], "2026-11-25");
    assert_eq!(o["follow_ups_due"].as_array().unwrap().len(), 1);
    assert_eq!(o["open_actions"].as_array().unwrap().len(), 1);
    assert!(o["next_appointment"].is_object());
    let text = k.ok(&["today", "--at", "2026-11-25T12:00"]);
    for s in [
        "Vandaag: wo 25 nov 2026",
        "do 26 nov 2026 10:00–11:00",
        "Acme — Planner",
        "Cv sturen",
    ] {
        assert!(text.contains(s), "{s:?} missing:\n{text}");
    }

    let reminders = array(k.json(&["reminders", "--at", "2026-11-25T12:00"]));
    let kinds: Vec<&str> = reminders
        .iter()
        .filter_map(|r| r["kind"].as_str())
        .collect();
    assert!(
        kinds.contains(&"follow_up") && kinds.contains(&"appointment") && kinds.contains(&"action"),
        "{kinds:?}"
    );
    assert!(k
        .ok(&["reminders", "--at", "2026-11-25T12:00"])
        .contains("Opvolgen"));
    assert!(k
        .ok(&["reminders", "--at", "2026-11-01T12:00"])
        .contains("Geen herinneringen"));
    k.fails(2, &["today", "--at", "straks"]);
}

#[test]
fn the_journal_is_written_listed_edited_and_deleted() {
    let k = Koers::new();
    let a = k.json(&[
        "journal",
        "add",
        "--date",
        "2026-11-20",
        "--energy",
        "2",
        "Moe",
        "na",
        "het",
        "gesprek",
    ]);
    assert_eq!(a["text"], "Moe na het gesprek");
    assert_eq!(a["energy"], 2);
    let b = id_of(&k.json(&[
        "journal",
        "add",
        "--date",
        "2026-11-23",
        "--energy",
        "4",
        "Goede",
        "dag",
    ]));

    let all = array(k.json(&["journal", "list"]));
    assert_eq!(
        all.iter().map(id_of).collect::<Vec<_>>(),
        [b.clone(), id_of(&a)],
        "newest first"
    );
    assert_eq!(
        array(k.json(&["journal", "list", "--from", "2026-11-21"])).len(),
        1
    );
    assert_eq!(
        array(k.json(&["journal", "list", "--to", "2026-11-21"])).len(),
        1
    );
    let text = k.ok(&["journal", "list"]);
    assert!(
        text.contains("ma 23 nov 2026") && text.contains("4/5") && text.contains("Goede dag"),
        "{text}"
    );

    assert_eq!(
        k.json(&["journal", "edit", &b, "--energy", "5"])["energy"],
        5
    );
    k.json(&["journal", "delete", &b]);
    assert_eq!(array(k.json(&["journal", "list"])).len(), 1);
    k.fails(3, &["journal", "delete", &b]);

    for energy in ["0", "6", "veel"] {
        let run = k.fails(2, &["journal", "add", "--energy", energy, "x"]);
        assert!(run.stderr.starts_with("koers: energie: "), "{}", run.stderr);
    }
    k.fails(
        2,
        &["journal", "add", "--energy", "3", "--date", "gisteren", "x"],
    );
    assert_eq!(array(k.json(&["journal", "list"])).len(), 1);

    // The journal is private: it is not part of the shared dossier's applications or exports.
    let csv = k.ok(&["export", "csv"]);
    assert!(!csv.contains("Moe na het gesprek"));
    let html = k.ok(&["export", "html"]);
    assert!(
        !html.contains("Moe na het gesprek"),
        "journal left out unless asked"
    );
    let html = k.ok(&["export", "html", "--include-journal"]);
    assert!(
        html.contains("Moe na het gesprek"),
        "journal included when asked"
    );
}
