//! The application log through the `koers` binary: log, show, edit, status, delete, list with
//! every filter, comments, id prefixes, and bad input refused with exit code 2.

use koers_e2e::cli::{id_of, Koers};

#[test]
fn logging_needs_only_employer_and_role() {
    let k = Koers::new();
    let out = k.ok(&["log", "Gemeente Utrecht", "Beleidsmedewerker"]);
    assert!(out.contains("Sollicitatie vastgelegd"), "{out}");
    assert!(
        out.contains("Gesolliciteerd"),
        "status shown in Dutch: {out}"
    );

    let list = k.list(&[]);
    assert_eq!(list.len(), 1);
    let app = &list[0];
    assert_eq!(app["employer"], "Gemeente Utrecht");
    assert_eq!(app["role"], "Beleidsmedewerker");
    assert_eq!(app["status"], "applied");
    assert_eq!(app["history"].as_array().map(Vec::len), Some(1));
    assert!(app["date"].as_str().is_some_and(|d| d.len() == 10));
}

#[test]
fn every_field_can_be_given_when_logging() {
    let k = Koers::new();
    let app = k.json(&[
        "log",
        "Acme",
        "Planner",
        "--source",
        "vacancy_site",
        "--url",
        "https://werk.nl/vacature/1",
        "--location",
        "Utrecht",
        "--date",
        "2026-11-23",
        "--contact",
        "Sanne de Vries",
        "--salary",
        "€ 3.200",
        "--notes",
        "Via LinkedIn",
        "--status",
        "interest",
        "--follow-up",
        "2026-12-01",
    ]);
    assert_eq!(app["source"], "vacancy_site");
    assert_eq!(app["vacancy_url"], "https://werk.nl/vacature/1");
    assert_eq!(app["location"], "Utrecht");
    assert_eq!(app["date"], "2026-11-23");
    assert_eq!(app["contact"], "Sanne de Vries");
    assert_eq!(app["salary"], "€ 3.200");
    assert_eq!(app["notes"], "Via LinkedIn");
    assert_eq!(app["status"], "interest");
    assert_eq!(app["follow_up"], "2026-12-01");

    let shown = k.ok(&["show", &id_of(&app)]);
    for text in [
        "Acme — Planner",
        "Vacaturesite",
        "Interesse",
        "ma 23 nov 2026",
        "Sanne de Vries",
    ] {
        assert!(shown.contains(text), "{text:?} missing in:\n{shown}");
    }
}

#[test]
fn editing_changes_only_the_fields_given_and_can_clear() {
    let k = Koers::new();
    let id = k.log(&[
        "Acme",
        "Planner",
        "--follow-up",
        "2026-12-01",
        "--location",
        "Utrecht",
    ]);
    let app = k.json(&[
        "edit",
        &id,
        "--notes",
        "Gesprek was positief",
        "--role",
        "Senior planner",
    ]);
    assert_eq!(app["notes"], "Gesprek was positief");
    assert_eq!(app["role"], "Senior planner");
    assert_eq!(app["employer"], "Acme");
    assert_eq!(app["location"], "Utrecht");
    assert_eq!(app["follow_up"], "2026-12-01");

    let app = k.json(&["edit", &id, "--follow-up", "", "--location", ""]);
    assert!(app["follow_up"].is_null(), "{app}");
    assert!(app["location"].is_null(), "{app}");

    // Nothing to change is bad input.
    let run = k.fails(2, &["edit", &id]);
    assert!(run.stderr.starts_with("koers: "), "{}", run.stderr);
}

#[test]
fn status_changes_are_kept_as_a_dated_history() {
    let k = Koers::new();
    let id = k.log(&["Acme", "Planner"]);
    k.ok(&["status", &id, "interview"]);
    k.ok(&["status", &id, "second interview"]);
    let app = k.json(&["status", &id, "offer"]);
    let history: Vec<&str> = app["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        history,
        ["applied", "interview", "second_interview", "offer"]
    );
    assert!(app["history"][1]["at"].as_str().is_some());
    assert_eq!(app["history"][1]["by"], "employee");

    let shown = k.ok(&["show", &id]);
    let lines: Vec<&str> = shown.lines().collect();
    let at = lines.iter().position(|l| *l == "Geschiedenis:").unwrap();
    assert!(lines[at + 1].contains("Gesolliciteerd"), "{shown}");
    assert!(lines[at + 2].contains("Gesprek"), "{shown}");
    assert!(lines[at + 4].contains("Aanbod"), "{shown}");

    // Setting the same status again adds nothing.
    let again = k.json(&["status", &id, "offer"]);
    assert_eq!(again["history"].as_array().unwrap().len(), 4);

    let run = k.fails(2, &["status", &id, "maybe"]);
    assert!(run.stderr.contains("status:"), "{}", run.stderr);
}

#[test]
fn list_filters_by_status_search_period_and_follow_up() {
    let k = Koers::new();
    let a = k.log(&[
        "Acme",
        "Planner",
        "--date",
        "2026-10-05",
        "--location",
        "Utrecht",
    ]);
    let b = k.log(&[
        "Bolt",
        "Monteur",
        "--date",
        "2026-11-02",
        "--follow-up",
        "2026-11-10",
    ]);
    let c = k.log(&[
        "Café Één",
        "Barista",
        "--date",
        "2026-11-20",
        "--notes",
        "Leuk team",
    ]);
    let _d = k.log(&[
        "Delta",
        "Planner",
        "--date",
        "2026-11-25",
        "--follow-up",
        "2026-11-12",
    ]);
    k.ok(&["status", &b, "interview"]);
    k.ok(&["status", &c, "rejected"]);

    let ids = |filters: &[&str]| -> Vec<String> { k.list(filters).iter().map(id_of).collect() };

    assert_eq!(k.list(&[]).len(), 4);
    assert_eq!(ids(&["--status", "interview"]), [b.as_str()]);
    assert_eq!(ids(&["--status", "interview,rejected"]).len(), 2);
    assert_eq!(
        ids(&["--status", "interview", "--status", "rejected"]).len(),
        2
    );
    assert_eq!(ids(&["--search", "utrecht"]), [a.as_str()]);
    assert_eq!(ids(&["--search", "plan"]).len(), 2);
    assert_eq!(ids(&["--search", "cafe"]), [c.as_str()], "accents ignored");
    assert_eq!(ids(&["--search", "leuk"]), [c.as_str()], "notes searched");
    assert_eq!(
        ids(&["--from", "2026-11-01", "--to", "2026-11-21"]),
        [c.clone(), b.clone()]
    );
    assert_eq!(ids(&["--from", "2026-11-21"]).len(), 1);
    assert_eq!(ids(&["--to", "2026-10-31"]), [a.as_str()]);
    // Follow-up due by a day: open ones only, with a follow-up on or before it.
    assert_eq!(ids(&["--follow-up-due", "2026-11-11"]), [b.as_str()]);
    assert_eq!(ids(&["--follow-up-due", "2026-11-30"]).len(), 2);
    // Without a day: due by today.
    assert!(k.list(&["--follow-up-due"]).len() <= 2);
    // Newest first.
    assert_eq!(
        ids(&[])[0],
        k.list(&["--from", "2026-11-25"])
            .iter()
            .map(id_of)
            .next()
            .unwrap()
    );

    let text = k.ok(&["list", "--status", "interview"]);
    assert!(
        text.contains("Bolt") && text.contains("Gesprek") && text.contains("1 sollicitatie"),
        "{text}"
    );
    assert!(!text.contains("Acme"), "{text}");
    let none = k.ok(&["list", "--search", "niemand"]);
    assert!(none.contains("Geen sollicitaties"), "{none}");

    k.fails(2, &["list", "--from", "1-11-2026"]);
    k.fails(2, &["list", "--status", "bogus"]);
    k.fails(2, &["list", "--from", "2026-11-10", "--to", "2026-11-01"]);
}

#[test]
fn the_list_table_is_aligned() {
    let k = Koers::new();
    k.log(&["Acme", "Planner", "--date", "2026-11-23"]);
    k.log(&[
        "Een veel langere werkgever",
        "Functie",
        "--date",
        "2026-11-24",
    ]);
    let text = k.ok(&["list"]);
    let lines: Vec<&str> = text.lines().collect();
    let column = |line: &str, word: &str| {
        let byte = line
            .find(word)
            .unwrap_or_else(|| panic!("{word:?} not in {line:?}"));
        line[..byte].chars().count()
    };
    let status = column(lines[0], "Status");
    assert_eq!(column(lines[1], "Gesolliciteerd"), status, "{text}");
    assert_eq!(column(lines[2], "Gesolliciteerd"), status, "{text}");
    assert!(
        lines[1].contains("di 24 nov 2026"),
        "newest first, Dutch dates: {text}"
    );
}

#[test]
fn delete_removes_an_application() {
    let k = Koers::new();
    let id = k.log(&["Acme", "Planner"]);
    let keep = k.log(&["Bolt", "Monteur"]);
    let out = k.json(&["delete", &id]);
    assert_eq!(out["deleted"], id.as_str());
    let left: Vec<String> = k.list(&[]).iter().map(id_of).collect();
    assert_eq!(left, [keep]);
    k.fails(3, &["show", &id]);
    k.fails(3, &["delete", &id]);
}

#[test]
fn comments_show_with_the_application() {
    let k = Koers::new();
    let id = k.log(&["Acme", "Planner"]);
    let c = k.json(&[
        "comment",
        &id,
        "Nagebeld,",
        "ze",
        "laten",
        "het",
        "vrijdag",
        "weten",
    ]);
    assert_eq!(c["text"], "Nagebeld, ze laten het vrijdag weten");
    assert_eq!(c["application_id"], id.as_str());
    let shown = k.json(&["show", &id]);
    assert_eq!(shown["comments"].as_array().unwrap().len(), 1);
    assert_eq!(shown["application"]["id"], id.as_str());
    let text = k.ok(&["show", &id]);
    assert!(
        text.contains("Opmerkingen:") && text.contains("vrijdag"),
        "{text}"
    );
}

#[test]
fn ids_may_be_shortened_while_unambiguous() {
    let k = Koers::new();
    let id = k.log(&["Acme", "Planner"]);
    let other = k.log(&["Bolt", "Monteur"]);
    let common = id
        .bytes()
        .zip(other.bytes())
        .take_while(|(a, b)| a == b)
        .count();
    let unique = &id[..common + 1];
    assert_eq!(id_of(&k.json(&["show", unique])["application"]), id);
    assert_eq!(
        id_of(&k.json(&["show", &id.to_uppercase()])["application"]),
        id
    );
    if common > 0 {
        let run = k.fails(2, &["show", &id[..common]]);
        assert!(run.stderr.contains("past bij 2 ids"), "{}", run.stderr);
    }
    let run = k.fails(3, &["show", "ffffffffffff"]);
    assert!(run.stderr.contains("niet gevonden"), "{}", run.stderr);
    // The list shows ids short enough to use.
    let text = k.ok(&["list"]);
    let short = text
        .lines()
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap();
    assert!(short.len() < id.len() && (id.starts_with(short) || other.starts_with(short)));
    k.ok(&["show", short]);
}

#[test]
fn bad_input_exits_with_2_names_the_field_and_stores_nothing() {
    let k = Koers::new();
    let cases: [(&[&str], &str); 7] = [
        (&["log", "", "Planner"], "employer"),
        (&["log", "Acme", "   "], "role"),
        (&["log", "Acme", "Planner", "--date", "23-11-2026"], "date"),
        (
            &["log", "Acme", "Planner", "--follow-up", "morgen"],
            "follow_up",
        ),
        (&["log", "Acme", "Planner", "--status", "maybe"], "status"),
        (&["log", "Acme", "Planner", "--source", "krant"], "source"),
        (
            &["log", "Acme", "Planner", "--url", "javascript:alert(1)"],
            "vacancy_url",
        ),
    ];
    for (args, field) in cases {
        let run = k.fails(2, args);
        assert!(
            // The message names the field in Dutch ("werkgever: ..."), --json by its name.
            run.stderr.starts_with(&format!(
                "koers: {}: ",
                koers_core::input::field_label(field)
            )),
            "{args:?}: {}",
            run.stderr
        );
        assert!(run.stdout.is_empty(), "{args:?}: {}", run.stdout);
        // With --json the error also comes as an object on stdout.
        let mut json_args = vec!["--json"];
        json_args.extend_from_slice(args);
        let run = k.fails(2, &json_args);
        let err = run.json();
        assert_eq!(err["error"]["code"], 2);
        assert_eq!(err["error"]["kind"], "invalid_input");
        assert_eq!(err["error"]["field"], field);
    }
    assert!(
        k.list(&[]).is_empty(),
        "nothing may be stored after bad input"
    );

    // A usage error (clap) is bad input too.
    k.fails(2, &["log", "Acme"]);
    k.fails(2, &["log", "Acme", "Planner", "--no-such-flag"]);
    k.fails(2, &["no-such-command"]);
    assert!(k.list(&[]).is_empty());
}
