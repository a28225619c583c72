//! The commands on a fresh PostgreSQL database (`--db postgres://…`).

mod support;

use support::{assert_status, govshare, stdout};

#[test]
fn postgres_demo_verifies_revalidates_replays_and_lists_an_inbox() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let url = runtime
        .block_on(govshare_testkit::shared_cluster().fresh_database("cli"))
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("engine.key");
    let checkpoints = dir.path().join("checkpoints.jsonl");
    let categories = dir.path().join("categories.json");
    let (key, checkpoints, categories) = (
        key.to_str().unwrap(),
        checkpoints.to_str().unwrap(),
        categories.to_str().unwrap(),
    );
    let demo = govshare(&[
        "demo",
        "--db",
        &url,
        "--months",
        "1",
        "--key",
        key,
        "--checkpoint",
        checkpoints,
        "--categories-out",
        categories,
    ]);
    assert_status(&demo, 0);

    let verify = govshare(&[
        "audit",
        "verify",
        "--db",
        &url,
        "--checkpoint",
        checkpoints,
        "--key",
        key,
        "--require-signed-head",
    ]);
    assert_status(&verify, 0);
    assert!(
        stdout(&verify).contains("2 个通过 verified"),
        "{}",
        stdout(&verify)
    );

    let revalidate = govshare(&[
        "audit",
        "revalidate",
        "--db",
        &url,
        "--categories",
        categories,
    ]);
    assert_status(&revalidate, 0);

    let replay = govshare(&["replay", "--db", &url, "--projection", "applications"]);
    assert_status(&replay, 0);
    assert!(stdout(&replay).contains("events/s"), "{}", stdout(&replay));

    let inbox = govshare(&[
        "inbox",
        "--db",
        &url,
        "--department",
        "130000-data-authority",
    ]);
    assert_status(&inbox, 0);
    assert!(
        stdout(&inbox).starts_with("130000-data-authority 待办"),
        "{}",
        stdout(&inbox)
    );
}
