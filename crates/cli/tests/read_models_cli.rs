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
