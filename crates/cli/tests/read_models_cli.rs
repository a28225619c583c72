//! End-to-end tests of `govshare replay` and `govshare inbox` on a demo database.

mod support;

use support::{Demo, assert_status, govshare, stdout};

#[test]
fn replay_rebuilds_every_read_model_then_one_and_reports_the_rate() {
    let demo = Demo::new(false);
    let all = govshare(&["replay", "--db", demo.db()]);
    assert_status(&all, 0);
    let out = stdout(&all);
    assert!(
        out.contains("applications     第 2 代 generation 2"),
        "{out}"
    );
    assert!(
        out.contains("liabilities      第 2 代 generation 2"),
        "{out}"
    );
    assert!(out.contains("14 个读模型"), "{out}");
    assert!(out.contains("events/s"), "{out}");

    let one = govshare(&["replay", "--db", demo.db(), "--projection", "applications"]);
    assert_status(&one, 0);
    let out = stdout(&one);
    assert!(
        out.contains("applications     第 3 代 generation 3"),
        "{out}"
    );
    assert!(!out.contains("liabilities"), "{out}");
}

#[test]
fn art19_inbox_lists_what_a_department_owes_soonest_due_first() {
    let demo = Demo::new(false);
    // Bring the read models up, then ask the view which department owes the most.
    assert_status(
        &govshare(&["replay", "--db", demo.db(), "--projection", "applications"]),
        0,
    );
    let owed = demo.query(
        "SELECT owed_by, count(*) AS n FROM rm_applications_applications
          WHERE is_final = 0 AND owed_by IS NOT NULL GROUP BY owed_by ORDER BY n DESC, owed_by LIMIT 1",
    );
    let department = owed[0]["owed_by"].as_str().unwrap().to_owned();
    let n = owed[0]["n"].as_u64().unwrap() as usize;

    let inbox = govshare(&["inbox", "--db", demo.db(), "--department", &department]);
    assert_status(&inbox, 0);
    let out = stdout(&inbox);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], format!("{department} 待办 {n} 件"), "{out}");
    assert!(lines[1].starts_with("到期（北京时间）"), "{out}");
    assert!(lines[1].contains("申请编号"), "{out}");
    assert_eq!(lines.len(), n + 2, "{out}");
    let due: Vec<&str> = lines[2..].iter().map(|l| &l[..16]).collect();
    let mut sorted = due.clone();
    sorted.sort();
    assert_eq!(due, sorted, "soonest due first: {out}");
    assert!(lines[2].contains("SA-"), "{out}");
    assert!(
        lines[2].contains("条）"),
        "the act names its article: {out}"
    );

    let english = govshare(&[
        "inbox",
        "--db",
        demo.db(),
        "--department",
        &department,
        "--lang",
        "en",
    ]);
    assert_status(&english, 0);
    let out = stdout(&english);
    assert!(out.contains("Due (Beijing)"), "{out}");
    assert!(out.contains(&format!("owes {n} act(s)")), "{out}");
}

#[test]
fn art38_report_assessment_prints_the_regions_departments_and_is_the_same_when_run_again() {
    let demo = Demo::new(false);
    let args = [
        "report",
        "assessment",
        "--db",
        demo.db(),
        "--period",
        "2026-01",
        "--region",
        "130000",
        "--as-of",
        "2026-02-01",
        "--format",
        "json",
    ];
    let first = govshare(&args);
    assert_status(&first, 0);
    let report: serde_json::Value = serde_json::from_str(&stdout(&first)).unwrap();
    assert_eq!(report["article"], "第三十八条");
    assert_eq!(report["first_day"], "2026-01-01");
    assert_eq!(report["last_day"], "2026-01-31");
    let departments = report["departments"].as_array().unwrap();
    assert!(!departments.is_empty(), "{report}");
    assert!(
        departments
            .iter()
            .all(|d| d["region"] == "130000" && d["indicators"].as_array().unwrap().len() == 17),
        "{report}"
    );
    // As of a past instant the report does not change, whoever runs it and whenever.
    let again = govshare(&args);
    assert_status(&again, 0);
    assert_eq!(first.stdout, again.stdout);

    // The same report in Markdown, written to a file, in English.
    let file = demo.dir.path().join("report.md");
    let written = govshare(&[
        "report",
        "assessment",
        "--db",
        demo.db(),
        "--period",
        "2026-01",
        "--department",
        departments[0]["code"].as_str().unwrap(),
        "--as-of",
        "2026-02-01",
        "--format",
        "md",
        "--lang",
        "en",
        "-o",
        support::path(&file),
    ]);
    assert_status(&written, 0);
    assert!(stdout(&written).is_empty());
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(
        text.contains("Article 38") || text.contains("第三十八条"),
        "{text}"
    );
    assert!(
        text.contains(departments[0]["code"].as_str().unwrap()),
        "{text}"
    );
}

#[test]
fn report_assessment_refuses_bad_input_on_one_line() {
    let demo = Demo::new(false);
    let base = ["report", "assessment", "--db", demo.db()];
    for extra in [
        &["--period", "2026Q5", "--region", "130000"][..],
        &["--period", "2026-01"][..],
        &[
            "--period",
            "2026-01",
            "--region",
            "130000",
            "--department",
            "130000-public-security",
        ][..],
        &[
            "--period",
            "2026-01",
            "--department",
            "no-such-department",
            "--as-of",
            "2026-02-01",
        ][..],
        &[
            "--period", "2026-01", "--region", "130000", "--as-of", "tomorrow",
        ][..],
        &[
            "--period", "2026-01", "--region", "130000", "--format", "pdf",
        ][..],
        &[
            "--period",
            "2026-03",
            "--region",
            "130000",
            "--as-of",
            "2026-02-01",
        ][..],
    ] {
        let args: Vec<&str> = base.iter().chain(extra.iter()).copied().collect();
        let output = govshare(&args);
        support::assert_bad_input(&output);
    }
}
