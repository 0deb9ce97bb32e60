//! Exports through the `koers` binary (CSV read back with a CSV parser, HTML, iCalendar), and
//! failures of storage reported with exit code 4.

use koers_e2e::cli::Koers;

fn log_three(k: &Koers) {
    k.log(&[
        "Acme",
        "Planner",
        "--date",
        "2026-11-02",
        "--location",
        "Utrecht",
    ]);
    k.log(&[
        "Bolt, \"de\" monteurs",
        "Monteur",
        "--date",
        "2026-11-10",
        "--notes",
        "Regel 1\nRegel 2",
    ]);
    k.log(&["Café Één", "Barista", "--date", "2026-11-20"]);
}

fn parse_csv(text: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_string)
        .collect();
    let rows = reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect();
    (headers, rows)
}

#[test]
fn csv_export_has_dutch_headers_and_a_row_per_application() {
    let k = Koers::new();
    log_three(&k);
    let out = k.dir.path().join("sollicitaties.csv");
    let out_s = out.to_str().unwrap();
    let said = k.ok(&["export", "csv", "--out", out_s]);
    assert!(said.contains("Export geschreven naar"), "{said}");
    let text = std::fs::read_to_string(&out).unwrap();
    let (headers, rows) = parse_csv(&text);
    for h in ["Datum", "Werkgever", "Functie", "Status", "Notities"] {
        assert!(headers.iter().any(|x| x == h), "{h} missing in {headers:?}");
    }
    assert_eq!(rows.len(), 3);
    let employer = headers.iter().position(|h| h == "Werkgever").unwrap();
    assert_eq!(
        rows[1][employer], "Bolt, \"de\" monteurs",
        "quoting survives"
    );
    assert_eq!(rows[2][employer], "Café Één");
    let status = headers.iter().position(|h| h == "Status").unwrap();
    assert_eq!(rows[0][status], "Gesolliciteerd");

    // To standard output, and over a period.
    let (_, rows) = parse_csv(&k.ok(&[
        "export",
        "csv",
        "--from",
        "2026-11-05",
        "--to",
        "2026-11-15",
    ]));
    assert_eq!(rows.len(), 1);
    // With --json the content comes wrapped.
    let j = k.json(&["export", "csv"]);
    assert_eq!(j["format"], "csv");
    assert_eq!(parse_csv(j["content"].as_str().unwrap()).1.len(), 3);
    // No temporary file left behind.
    let names: Vec<String> = std::fs::read_dir(k.dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(!names.iter().any(|n| n.ends_with(".tmp")), "{names:?}");
}

#[test]
fn html_export_lists_the_employers() {
    let k = Koers::new();
    log_three(&k);
    let html = k.ok(&["export", "html"]);
    assert!(html.to_lowercase().contains("<html"), "{html}");
    assert!(html.contains("Acme") && html.contains("Café Één"));
    let out = k.dir.path().join("verslag.html");
    k.ok(&["export", "html", "--out", out.to_str().unwrap()]);
    assert!(std::fs::read_to_string(out).unwrap().contains("Acme"));
    k.fails(2, &["export", "csv", "--include-journal"]);
    k.fails(2, &["export", "pdf"]);
    k.fails(
        2,
        &[
            "export",
            "html",
            "--from",
            "2026-11-20",
            "--to",
            "2026-11-01",
        ],
    );
}

#[test]
fn ics_export_is_a_calendar_of_the_appointments() {
    let k = Koers::new();
    k.json(&[
        "appointment",
        "add",
        "--start",
        "2026-12-01T10:00",
        "--location",
        "Utrecht",
    ]);
    k.json(&[
        "appointment",
        "add",
        "--start",
        "2026-12-08T10:00",
        "--kind",
        "evaluation",
    ]);
    let ics = k.ok(&["export", "ics"]);
    assert!(ics.starts_with("BEGIN:VCALENDAR"), "{ics}");
    assert_eq!(ics.matches("BEGIN:VEVENT").count(), 2);
    assert!(ics.trim_end().ends_with("END:VCALENDAR"));
}

#[test]
fn storage_failures_exit_with_4() {
    let k = Koers::new();
    // A file that is not a database.
    std::fs::write(
        &k.db,
        b"dit is geen database, maar een boodschappenlijst ...........",
    )
    .unwrap();
    let run = k.fails(4, &["list"]);
    assert!(run.stderr.starts_with("koers: "), "{}", run.stderr);
    let run = k.fails(4, &["--json", "log", "Acme", "Planner"]);
    assert_eq!(run.json()["error"]["code"], 4);

    // A database in a folder that does not exist (--db does not create folders).
    let k = Koers::new();
    let missing = k.dir.path().join("bestaat-niet").join("koers.db");
    let out = k
        .bare()
        .args(["--db", missing.to_str().unwrap(), "list"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(4));

    // An export into a folder that does not exist.
    let k = Koers::new();
    k.log(&["Acme", "Planner"]);
    let target = k.dir.path().join("nergens").join("x.csv");
    let run = k.fails(4, &["export", "csv", "--out", target.to_str().unwrap()]);
    assert!(run.stderr.contains("niet schrijven"), "{}", run.stderr);
}
