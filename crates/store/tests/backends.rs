//! Backend-specific behaviour: SQLite file handling, PostgreSQL with several OS processes.

mod common;

use std::collections::HashMap;
use std::process::Command;

use common::*;
use futures::TryStreamExt;
use govshare_store::{
    EventStore, ExpectedVersion, PostgresStore, SqliteStore, StoreError, log_stream,
};
use govshare_testkit::append_helper::{self, HelperArgs};

#[tokio::test]
async fn sqlite_second_opener_gets_locked() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.sqlite");
    let first = SqliteStore::open(&path, config()).await.unwrap();
    match SqliteStore::open(&path, config()).await {
        Err(StoreError::Locked { path: p }) => assert_eq!(p, path),
        other => panic!("expected Locked, got {other:?}"),
    }
    drop(first);
    // Released on drop.
    SqliteStore::open(&path, config()).await.unwrap();
}

#[tokio::test]
async fn sqlite_second_opener_under_another_name_gets_locked() {
    let dir = tempfile::tempdir().unwrap();
    let sub = dir.path().join("x");
    std::fs::create_dir(&sub).unwrap();
    let path = sub.join("a.sqlite");
    let file_link = dir.path().join("link.sqlite");
    let dir_link = dir.path().join("linked-dir");
    std::os::unix::fs::symlink(&path, &file_link).unwrap();
    std::os::unix::fs::symlink(&sub, &dir_link).unwrap();
    // The first opener uses a symlink to a file that does not exist yet.
    let first = SqliteStore::open(&file_link, config()).await.unwrap();
    assert!(path.is_file());
    assert_eq!(first.path(), std::fs::canonicalize(&path).unwrap());
    let others = [
        path.clone(),
        sub.join("..").join("x").join("a.sqlite"),
        dir_link.join("a.sqlite"),
        file_link.clone(),
    ];
    for other in &others {
        match SqliteStore::open(other, config()).await {
            Err(StoreError::Locked { path: p }) => assert_eq!(&p, other),
            other_result => panic!("{}: expected Locked, got {other_result:?}", other.display()),
        }
    }
    // Relative to the working directory, too (the test process's directory is the crate's).
    let relative = pathdiff(&path);
    assert!(matches!(
        SqliteStore::open(&relative, config()).await,
        Err(StoreError::Locked { .. })
    ));
    first
        .append(request(&stream("linked"), ExpectedVersion::NoStream, 1))
        .await
        .unwrap();
    drop(first);
    // Released on drop, and every name reaches the same log.
    let again = SqliteStore::open(dir_link.join("a.sqlite"), config())
        .await
        .unwrap();
    assert_eq!(again.head().await.unwrap().position, 1);
}

/// `path` relative to the current directory, through `..` components.
fn pathdiff(path: &std::path::Path) -> std::path::PathBuf {
    let cwd = std::env::current_dir().unwrap();
    let mut rel = std::path::PathBuf::new();
    for _ in cwd.components().skip(1) {
        rel.push("..");
    }
    rel.join(path.strip_prefix("/").unwrap())
}

#[tokio::test]
async fn sqlite_locked_by_another_process() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("b.sqlite");
    drop(SqliteStore::open(&path, config()).await.unwrap());
    let lock = format!("{}.lock", path.display());
    // flock(1) from util-linux holds the lock from a separate process.
    let mut holder = Command::new("flock")
        .args(["-x", &lock, "sleep", "30"])
        .spawn()
        .unwrap();
    let mut result = None;
    for _ in 0..100 {
        match SqliteStore::open(&path, config()).await {
            Err(StoreError::Locked { .. }) => {
                result = Some(());
                break;
            }
            Ok(store) => {
                drop(store);
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            Err(e) => panic!("unexpected error {e}"),
        }
    }
    holder.kill().unwrap();
    holder.wait().unwrap();
    assert!(
        result.is_some(),
        "a lock held by another process was not reported"
    );
}

#[tokio::test]
async fn sqlite_refuses_foreign_files() {
    let dir = tempfile::tempdir().unwrap();
    let garbage = dir.path().join("garbage.sqlite");
    std::fs::write(&garbage, vec![0x42u8; 8192]).unwrap();
    assert!(matches!(
        SqliteStore::open(&garbage, config()).await,
        Err(StoreError::NotAGovshareStore(_))
    ));
    let foreign = dir.path().join("foreign.sqlite");
    rusqlite::Connection::open(&foreign)
        .unwrap()
        .execute_batch("CREATE TABLE t (x INTEGER);")
        .unwrap();
    assert!(matches!(
        SqliteStore::open(&foreign, config()).await,
        Err(StoreError::NotAGovshareStore(_))
    ));
    // The foreign file was left as it was.
    let conn = rusqlite::Connection::open(&foreign).unwrap();
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "delete");
}

#[tokio::test]
async fn sqlite_reopen_keeps_log_and_chain() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.sqlite");
    let s = stream("reopen");
    let req = request(&s, ExpectedVersion::NoStream, 3);
    let kept = {
        let store = SqliteStore::open(&path, config()).await.unwrap();
        store.append(req.clone()).await.unwrap();
        store.checkpoint().await.unwrap()
    };
    let store = SqliteStore::open(&path, config()).await.unwrap();
    assert_eq!(store.head().await.unwrap(), kept);
    store.verify_against(&kept).await.unwrap();
    assert!(store.append(req).await.unwrap().deduplicated);
    let o = store
        .append(request(&s, ExpectedVersion::Exact(3), 1))
        .await
        .unwrap();
    assert_eq!(o.first_position, 4);
    store.verify(1, None).await.unwrap();
    let conn = rusqlite::Connection::open(&path).unwrap();
    let (app_id, mode): (i32, String) = conn
        .query_row("SELECT (SELECT application_id FROM pragma_application_id), (SELECT journal_mode FROM pragma_journal_mode)", [], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap();
    assert_eq!(app_id, govshare_store::APPLICATION_ID);
    assert_eq!(mode, "wal");
}

/// The other OS processes of `postgres_two_processes_append_densely`: this test binary, started
/// again running only this test, with the helper's arguments in its environment.
#[test]
fn append_helper_child() {
    append_helper::run_if_child();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_two_processes_append_densely() {
    const COMMANDS: usize = 150;
    let url = fresh_database().await;
    // Schema created up front, then both processes race on appends.
    let store = PostgresStore::connect(&url, config()).await.unwrap();
    let children: Vec<_> = ["p1", "p2"]
        .iter()
        .map(|label| {
            let args = HelperArgs {
                url: url.clone(),
                label: (*label).into(),
                commands: COMMANDS,
                concurrency: 8,
            };
            append_helper::child_command("append_helper_child", &args)
                .unwrap()
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut total = 0u64;
    for child in children {
        let out = child.wait_with_output().unwrap();
        total += append_helper::parse_child_output(&out).unwrap();
    }
    let all: Vec<_> = log_stream(&store, 1, 500).try_collect().await.unwrap();
    assert_eq!(all.len() as u64, total);
    let mut per_stream: HashMap<_, u64> = HashMap::new();
    let mut persons = HashMap::<String, u64>::new();
    for (i, e) in all.iter().enumerate() {
        assert_eq!(e.position, i as u64 + 1);
        let seq = per_stream.entry(e.stream.clone()).or_default();
        *seq += 1;
        assert_eq!(e.sequence, *seq);
        *persons.entry(e.metadata.actor.person.clone()).or_default() += 1;
    }
    assert_eq!(persons.len(), 2, "both processes appended");
    assert_eq!(store.head().await.unwrap().position, total);
    store.verify(1, None).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_two_handles_in_one_process_share_the_log() {
    let f = Fixture::postgres().await;
    let other = f.reopen_postgres().await;
    let s = stream("two-handles");
    f.store
        .append(request(&s, ExpectedVersion::NoStream, 2))
        .await
        .unwrap();
    assert!(matches!(
        other
            .append(request(&s, ExpectedVersion::NoStream, 1))
            .await,
        Err(StoreError::Conflict { actual: 2, .. })
    ));
    let o = other
        .append(request(&s, ExpectedVersion::Exact(2), 1))
        .await
        .unwrap();
    assert_eq!(o.first_position, 3);
    f.store.verify(1, None).await.unwrap();
}
