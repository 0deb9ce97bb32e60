//! Choosing the database (--db, KOERS_DB, the default data folder), JSON output and --help.

use koers_e2e::cli::Koers;

fn count(out: &std::process::Output) -> usize {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice::<serde_json::Value>(&out.stdout)
        .unwrap()
        .as_array()
        .unwrap()
        .len()
}

#[test]
fn the_flag_wins_over_the_environment_variable() {
    let k = Koers::new();
    let env_db = k.dir.path().join("env.db");
    let flag_db = k.dir.path().join("flag.db");

    let out = k
        .bare()
        .env("KOERS_DB", &env_db)
        .args(["log", "Acme", "Planner"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(env_db.exists(), "KOERS_DB chooses the file");

    let out = k
        .bare()
        .env("KOERS_DB", &env_db)
        .arg("--db")
        .arg(&flag_db)
        .args(["log", "Bolt", "Monteur"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(flag_db.exists(), "--db chooses the file");

    let list = |db: &std::path::Path| {
        count(
            &k.bare()
                .env("KOERS_DB", db)
                .args(["--json", "list"])
                .output()
                .unwrap(),
        )
    };
    assert_eq!(list(&env_db), 1);
    assert_eq!(list(&flag_db), 1);
    // The flag also works after the subcommand.
    let out = k
        .bare()
        .args(["list", "--json", "--db"])
        .arg(&flag_db)
        .output()
        .unwrap();
    assert_eq!(count(&out), 1);
}

#[test]
fn without_flag_or_variable_the_data_folder_is_used_and_created() {
    let k = Koers::new();
    let out = k.bare().args(["log", "Acme", "Planner"]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(k
        .dir
        .path()
        .join("xdg")
        .join("koers")
        .join("koers.db")
        .exists());
    assert_eq!(
        count(&k.bare().args(["--json", "list"]).output().unwrap()),
        1
    );

    // An empty KOERS_DB counts as not set.
    let out = k
        .bare()
        .env("KOERS_DB", "")
        .args(["--json", "list"])
        .output()
        .unwrap();
    assert_eq!(count(&out), 1);

    // Without XDG_DATA_HOME: ~/.local/share/koers/koers.db.
    let out = k
        .bare()
        .env_remove("XDG_DATA_HOME")
        .args(["log", "Bolt", "Monteur"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(k
        .dir
        .path()
        .join("home/.local/share/koers/koers.db")
        .exists());
}

#[test]
fn json_output_parses_for_every_read_command() {
    let k = Koers::new();
    k.log(&["Acme", "Planner"]);
    for args in [
        &["list"][..],
        &["trajectory"],
        &["milestones"],
        &["week"],
        &["today"],
        &["reminders"],
        &["appointment", "list"],
        &["action", "list"],
        &["journal", "list"],
    ] {
        k.json(args);
    }
}

#[test]
fn help_explains_each_subcommand_with_an_example() {
    let k = Koers::new();
    let top = k.ok(&["--help"]);
    assert!(
        top.contains("Exit codes") && top.contains("KOERS_DB"),
        "{top}"
    );
    for sub in [
        &["log"][..],
        &["log-link"],
        &["show"],
        &["edit"],
        &["status"],
        &["delete"],
        &["list"],
        &["comment"],
        &["enrich"],
        &["appointment"],
        &["appointment", "add"],
        &["action"],
        &["action", "add"],
        &["trajectory"],
        &["trajectory", "set"],
        &["milestones"],
        &["week"],
        &["today"],
        &["reminders"],
        &["journal"],
        &["journal", "add"],
        &["export"],
    ] {
        let mut args = sub.to_vec();
        args.push("--help");
        let help = k.ok(&args);
        assert!(
            help.contains("Example"),
            "{sub:?} --help has no example:\n{help}"
        );
    }
    assert!(
        !top.contains("bench-log"),
        "the crash-test helper stays hidden"
    );
    // Asking for help stores nothing.
    assert!(!k.db.exists());
}
