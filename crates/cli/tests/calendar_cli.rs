//! End-to-end tests of `govshare calendar …`: the built binary, run as a user would.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output};

use tempfile::NamedTempFile;

/// A made-up 2027 arrangement for the tests (not the official one, which is published in November 2026):
/// New Year's Day Friday 1 January (1 weekday off), a Spring Festival block of 5 weekdays, and one make-up
/// Saturday. 2027 has 261 weekdays, so 261 - 6 + 1 = 256 working days.
const TEST_2027: &str = r#"{
  "description": "test arrangement, not official",
  "timezone": "Asia/Shanghai",
  "first_year": 2027,
  "last_year": 2027,
  "years": {
    "2027": {
      "holidays": [
        { "name": "元旦", "days_off": ["2027-01-01", "2027-01-02", "2027-01-03"] },
        { "name": "春节", "days_off": ["2027-02-05", "2027-02-06", "2027-02-07", "2027-02-08",
                                       "2027-02-09", "2027-02-10", "2027-02-11"] }
      ],
      "makeup_workdays": [ { "date": "2027-02-20", "for": "春节" } ]
    }
  }
}"#;

fn govshare(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_govshare"))
        .args(args)
        .output()
        .unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}

/// Runs a command expected to succeed and returns its stdout.
fn ok(args: &[&str]) -> String {
    let output = govshare(args);
    assert!(
        output.status.success(),
        "{args:?} failed: {}",
        stderr(&output)
    );
    stdout(&output)
}

/// Runs a command expected to fail with `code` and a one-line `error: …` message; returns the message.
fn fails(args: &[&str], code: i32) -> String {
    let output = govshare(args);
    assert_eq!(
        output.status.code(),
        Some(code),
        "{args:?}: stdout {:?}, stderr {:?}",
        stdout(&output),
        stderr(&output)
    );
    assert!(stdout(&output).is_empty(), "{args:?} printed to stdout");
    let message = stderr(&output);
    assert_eq!(message.lines().count(), 1, "{args:?}: {message:?}");
    assert!(message.starts_with("error: "), "{args:?}: {message:?}");
    message
}

fn temp_file(text: &str) -> NamedTempFile {
    let mut file = NamedTempFile::new().unwrap();
    file.write_all(text.as_bytes()).unwrap();
    file.flush().unwrap();
    file
}

fn path(file: &NamedTempFile) -> &str {
    file.path().to_str().unwrap()
}

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap()
}

#[test]
fn due_known_answers() {
    assert_eq!(ok(&["calendar", "due", "2026-09-30", "3"]), "2026-10-10\n");
    assert_eq!(ok(&["calendar", "due", "2026-02-13", "3"]), "2026-02-25\n");
    assert_eq!(
        ok(&["calendar", "due", "2026-02-13T17:00:00Z", "3"]),
        "2026-02-26\n"
    );
    assert_eq!(ok(&["calendar", "due", "2026-09-30", "20"]), "2026-11-03\n");
    assert_eq!(
        ok(&["calendar", "due", "2026-09-30", "3", "--strict"]),
        "2026-10-10\n"
    );
}

#[test]
fn due_as_json() {
    let value = json(&ok(&[
        "calendar",
        "due",
        "2026-02-13T17:00:00Z",
        "3",
        "--json",
    ]));
    assert_eq!(
        value,
        serde_json::json!({
            "from_date": "2026-02-14",
            "working_days": 3,
            "due_date": "2026-02-26",
            "due_at": "2026-02-26T23:59:59.999999999+08:00",
            "provisional": false,
        })
    );
    let value = json(&ok(&["calendar", "due", "2026-09-30", "3", "--json"]));
    assert_eq!(value["due_at"], "2026-10-10T23:59:59.999999999+08:00");
}

#[test]
fn is_workday() {
    // A make-up Saturday after the National Day holiday, and a day of that holiday.
    assert_eq!(ok(&["calendar", "is-workday", "2026-10-10"]), "true\n");
    assert_eq!(ok(&["calendar", "is-workday", "2026-10-05"]), "false\n");
}

#[test]
fn between() {
    assert_eq!(
        ok(&["calendar", "between", "2026-09-30", "2026-10-10"]),
        "3\n"
    );
    assert_eq!(
        ok(&["calendar", "between", "2026-10-10", "2026-09-30"]),
        "-3\n"
    );
}

#[test]
fn uncovered_year_is_refused_when_strict() {
    let message = fails(&["calendar", "due", "2026-12-28", "5", "--strict"], 1);
    assert!(message.contains("2027"), "{message}");
    let message = fails(
        &[
            "calendar",
            "between",
            "2026-12-28",
            "2027-01-04",
            "--strict",
        ],
        1,
    );
    assert!(message.contains("2027"), "{message}");
}

#[test]
fn uncovered_year_is_provisional_by_default() {
    let output = govshare(&["calendar", "due", "2026-12-28", "5"]);
    assert!(output.status.success());
    assert_eq!(stdout(&output), "2027-01-04\n");
    assert!(
        stderr(&output).contains("provisional"),
        "{}",
        stderr(&output)
    );

    let value = json(&ok(&["calendar", "due", "2026-12-28", "5", "--json"]));
    assert_eq!(value["due_date"], "2027-01-04");
    assert_eq!(value["provisional"], true);
}

#[test]
fn extra_calendar_file_covers_the_next_year() {
    let file = temp_file(TEST_2027);
    // Friday 1 January 2027 is now a day off: the 5th working day moves to Tuesday the 5th.
    let value = json(&ok(&[
        "calendar",
        "due",
        "2026-12-28",
        "5",
        "--strict",
        "--json",
        "--calendar",
        path(&file),
    ]));
    assert_eq!(value["due_date"], "2027-01-05");
    assert_eq!(value["provisional"], false);

    let calendar = ["--calendar", path(&file)];
    let is_workday = |date: &str| ok(&[&["calendar", "is-workday", date], &calendar[..]].concat());
    assert_eq!(is_workday("2027-01-01"), "false\n");
    assert_eq!(is_workday("2027-02-20"), "true\n");
    assert_eq!(
        ok(&[
            &[
                "calendar",
                "between",
                "2026-12-31",
                "2027-12-31",
                "--strict"
            ],
            &calendar[..]
        ]
        .concat()),
        "256\n"
    );
}

#[test]
fn calendar_flag_is_repeatable() {
    let file = temp_file(TEST_2027);
    // Loading the same year twice is accepted when identical.
    let out = ok(&[
        "calendar",
        "due",
        "2026-12-28",
        "5",
        "--calendar",
        path(&file),
        "--calendar",
        path(&file),
    ]);
    assert_eq!(out, "2027-01-05\n");
}

#[test]
fn check_summarises_a_valid_file() {
    let file = temp_file(TEST_2027);
    let out = ok(&["calendar", "check", path(&file)]);
    let lines: Vec<&str> = out.lines().collect();
    assert!(lines[0].contains("2027"), "{out}");
    let row: Vec<&str> = lines
        .iter()
        .find(|line| line.starts_with("2027"))
        .unwrap()
        .split_whitespace()
        .collect();
    // year, weekday days off, make-up working days, working days in the year.
    assert_eq!(row, ["2027", "6", "1", "256"]);
}

#[test]
fn check_accepts_the_built_in_file() {
    let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("../workdays/data/cn-holidays.json");
    let out = ok(&["calendar", "check", shipped.to_str().unwrap()]);
    assert!(out.starts_with("years covered: 2018-2026"), "{out}");
    assert_eq!(out.lines().filter(|l| l.starts_with("20")).count(), 9);
}

#[test]
fn check_refuses_a_makeup_day_on_a_weekday() {
    // Wednesday 10 February 2027 cannot be a make-up working day.
    let bad = TEST_2027.replace(r#""date": "2027-02-20""#, r#""date": "2027-02-10""#);
    let bad = bad.replace(
        r#""2027-02-09", "2027-02-10", "2027-02-11""#,
        r#""2027-02-09""#,
    );
    let file = temp_file(&bad);
    let message = fails(&["calendar", "check", path(&file)], 2);
    assert!(message.contains("2027-02-10"), "{message}");
    // The same file is refused as a --calendar.
    let message = fails(
        &[
            "calendar",
            "due",
            "2026-12-28",
            "5",
            "--calendar",
            path(&file),
        ],
        2,
    );
    assert!(message.contains("2027-02-10"), "{message}");
}

#[test]
fn check_refuses_a_file_conflicting_with_the_built_in_years() {
    // Valid on its own, but 2026 is built in with more days off than this.
    let conflicting = r#"{"timezone": "Asia/Shanghai", "first_year": 2026, "last_year": 2026,
        "years": {"2026": {"holidays": [{"name": "元旦", "days_off": ["2026-01-01"]}]}}}"#;
    let file = temp_file(conflicting);
    let message = fails(&["calendar", "check", path(&file)], 2);
    assert!(message.contains("2026"), "{message}");
}

#[test]
fn bad_input_is_one_line_and_exit_2() {
    fails(&["calendar", "due", "2026-02-30", "3"], 2);
    fails(&["calendar", "due", "30/09/2026", "3"], 2);
    fails(&["calendar", "due", "2026-09-30", "-3"], 2);
    fails(&["calendar", "due", "2026-09-30", "three"], 2);
    fails(&["calendar", "due", "2026-09-30"], 2);
    fails(&["calendar", "is-workday", "2026-13-01"], 2);
    fails(&["calendar", "between", "2026-09-30", "tomorrow"], 2);
    fails(&["calendar", "nonsense"], 2);
}

#[test]
fn missing_file_is_one_line_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.json");
    let missing = missing.to_str().unwrap();
    let message = fails(&["calendar", "check", missing], 2);
    assert!(message.contains("missing.json"), "{message}");
    let message = fails(
        &["calendar", "due", "2026-09-30", "3", "--calendar", missing],
        2,
    );
    assert!(message.contains("missing.json"), "{message}");

    let not_json = temp_file("not json");
    let message = fails(&["calendar", "check", path(&not_json)], 2);
    assert!(
        message.contains("not a holiday arrangement file"),
        "{message}"
    );
}

#[test]
fn help_documents_the_exit_codes() {
    let out = ok(&["calendar", "--help"]);
    assert!(out.contains("Exit status"), "{out}");
    for subcommand in ["due", "is-workday", "between", "check"] {
        assert!(out.contains(subcommand), "{out}");
    }
}
