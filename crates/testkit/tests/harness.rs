//! The throwaway cluster starts, hands out fresh databases, and the append helper binary appends
//! to a store on one of them from another process.

use std::process::Command;

use govshare_store::{EventStore, PostgresStore, StoreConfig};
use govshare_testkit::shared_cluster;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn helper_binary_appends_from_another_process() {
    let cluster = shared_cluster();
    assert_ne!(cluster.port(), 0);
    let url = cluster.create_database("helper_binary").await.unwrap();
    let store = PostgresStore::connect(&url, StoreConfig::default())
        .await
        .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_govshare-store-append-helper"))
        .args([&url, "solo", "20", "4"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "helper failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let appended: u64 = String::from_utf8_lossy(&out.stdout).trim().parse().unwrap();
    // Commands c = 0..20 carry 1 + c % 3 events.
    assert_eq!(appended, (0..20u64).map(|c| 1 + c % 3).sum::<u64>());
    assert_eq!(store.head().await.unwrap().position, appended);
    store.verify(1, None).await.unwrap();
}

#[test]
fn helper_binary_refuses_bad_arguments() {
    let out = Command::new(env!("CARGO_BIN_EXE_govshare-store-append-helper"))
        .args(["postgres://nowhere", "x", "many", "4"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}
