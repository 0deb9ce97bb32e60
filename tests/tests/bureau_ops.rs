//! What an operator sees of `koers-bureau`: structured logs, one JSON object per line.

use koers_e2e::bureau::Bureau;

#[test]
fn json_logs_are_one_object_per_line() {
    let bureau = Bureau::new();
    let out = bureau
        .command()
        .env("RUST_LOG", "info")
        .args(["--log-format", "json", "create-employee"])
        .args(["--coach", koers_e2e::bureau::COACH_EMAIL, "--name", "Jan"])
        .args(["--kind", "outplacement"])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(out.status.success(), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<serde_json::Value> = stderr
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    assert!(
        lines
            .iter()
            .any(|l| l["level"] == "INFO" && l["fields"]["storage"] == "sqlite"),
        "{stderr}"
    );
}
