//! Snapshots that are provably correct, and `cqrs-es` running on the store.

mod common;

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use cqrs_es::event_sink::EventSink;
use cqrs_es::persist::PersistedEventStore;
use cqrs_es::{Aggregate, CqrsFramework, DomainEvent, EventEnvelope, Query};
use govshare_store::{
    AppendRequest, CqrsEventRepository, EventMetadata, EventStore, ExpectedVersion, NewEvent,
    SqliteStore, StreamRead, Upcasters, load_aggregate, save_aggregate_snapshot,
};
use proptest::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use common::*;

/// A dataset-sharing ledger: an order-sensitive fold, so applying any event twice, skipping one
/// or reordering them changes the state.
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
struct Ledger {
    grants: BTreeMap<String, u32>,
    applied: u64,
    digest: u64,
}

#[derive(Debug, Clone)]
enum LedgerCommand {
    Grant(String),
    Revoke(String),
    Audit,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
enum LedgerEvent {
    Granted { dataset: String },
    Revoked { dataset: String },
    Audited { grants: u32 },
}

impl DomainEvent for LedgerEvent {
    fn event_type(&self) -> String {
        match self {
            Self::Granted { .. } => "Granted",
            Self::Revoked { .. } => "Revoked",
            Self::Audited { .. } => "Audited",
        }
        .into()
    }

    fn event_version(&self) -> String {
        "1.0".into()
    }
}

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct LedgerError(String);

impl Aggregate for Ledger {
    const TYPE: &'static str = "Ledger";
    type Command = LedgerCommand;
    type Event = LedgerEvent;
    type Error = LedgerError;
    type Services = ();

    async fn handle(
        &mut self,
        command: Self::Command,
        _: &Self::Services,
        sink: &EventSink<Self>,
    ) -> Result<(), Self::Error> {
        match command {
            LedgerCommand::Grant(dataset) => {
                sink.write(LedgerEvent::Granted { dataset }, self).await;
            }
            LedgerCommand::Revoke(dataset) => {
                if !self.grants.contains_key(&dataset) {
                    return Err(LedgerError(format!("{dataset} was never granted")));
                }
                sink.write(
                    LedgerEvent::Revoked {
                        dataset: dataset.clone(),
                    },
                    self,
                )
                .await;
                sink.write(LedgerEvent::Audited { grants: 0 }, self).await;
            }
            LedgerCommand::Audit => {
                let grants = self.grants.values().sum();
                sink.write(LedgerEvent::Audited { grants }, self).await;
            }
        }
        Ok(())
    }

    fn apply(&mut self, event: Self::Event) {
        self.applied += 1;
        let tag = match &event {
            LedgerEvent::Granted { dataset } => {
                *self.grants.entry(dataset.clone()).or_default() += 1;
                1
            }
            LedgerEvent::Revoked { dataset } => {
                self.grants.remove(dataset);
                2
            }
            LedgerEvent::Audited { grants } => 3 + u64::from(*grants),
        };
        self.digest = self.digest.wrapping_mul(31).wrapping_add(tag);
    }
}

fn command_strategy() -> impl Strategy<Value = LedgerCommand> {
    let dataset = prop_oneof![Just("population"), Just("tax"), Just("health")];
    prop_oneof![
        dataset.clone().prop_map(|d| LedgerCommand::Grant(d.into())),
        dataset.prop_map(|d| LedgerCommand::Revoke(d.into())),
        Just(LedgerCommand::Audit),
    ]
}

async fn append_events(store: &dyn EventStore, id: &str, version: u64, events: &[LedgerEvent]) {
    let command_id = Uuid::new_v4();
    let request = AppendRequest {
        stream: govshare_store::StreamId::new(Ledger::TYPE, id),
        expected_version: ExpectedVersion::Exact(version),
        command_id,
        recorded_at: at(version as i64),
        command: None,
        events: events
            .iter()
            .map(|e| NewEvent {
                event_type: e.event_type(),
                schema_version: 1,
                payload: serde_json::to_value(e).unwrap(),
                metadata: EventMetadata {
                    event_id: Uuid::new_v4(),
                    command_id,
                    correlation_id: command_id,
                    causation_id: None,
                    actor: actor(),
                    rule_set: None,
                },
            })
            .collect(),
    };
    store.append(request).await.unwrap();
}

/// Runs the commands, snapshotting where asked, and checks after every step that
/// snapshot + tail equals a full replay equals an in-memory fold of the same events.
async fn snapshot_plus_tail_equals_full_replay(steps: Vec<(LedgerCommand, bool)>) {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path().join("p.sqlite"), config())
        .await
        .unwrap();
    let upcasters = Upcasters::new();
    let id = "ledger-1";
    let mut reference = Ledger::default();
    for (command, snapshot) in steps {
        let loaded = load_aggregate::<Ledger>(&store, id, &upcasters, 1)
            .await
            .unwrap();
        assert_eq!(loaded.aggregate(), &reference);
        let (mut working, version) = loaded.into_parts();
        let sink = EventSink::default();
        // The handler applies its events to `working`; that state is never snapshotted.
        if working.handle(command, &(), &sink).await.is_err() {
            continue;
        }
        let events = sink.collect().await;
        append_events(&store, id, version, &events).await;
        for e in events {
            reference.apply(e);
        }
        if snapshot {
            let fresh = load_aggregate::<Ledger>(&store, id, &upcasters, 1)
                .await
                .unwrap();
            save_aggregate_snapshot(&store, id, &fresh, 1)
                .await
                .unwrap();
        }
    }
    let with_snapshot = load_aggregate::<Ledger>(&store, id, &upcasters, 1)
        .await
        .unwrap();
    // A different state version makes the loader ignore the snapshot: a full replay.
    let full = load_aggregate::<Ledger>(&store, id, &upcasters, 2)
        .await
        .unwrap();
    assert_eq!(full.snapshot_sequence(), None);
    assert_eq!(with_snapshot.aggregate(), full.aggregate());
    assert_eq!(with_snapshot.version(), full.version());
    assert_eq!(full.aggregate(), &reference);
    assert_eq!(full.aggregate().applied, full.version());
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn snapshot_and_tail_equal_full_replay(
        steps in prop::collection::vec((command_strategy(), prop::bool::weighted(0.3)), 0..30)
    ) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(snapshot_plus_tail_equals_full_replay(steps));
    }
}

#[tokio::test]
async fn snapshot_is_used_and_only_the_tail_is_applied() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path().join("s.sqlite"), config())
        .await
        .unwrap();
    let id = "l";
    let grant = |d: &str| LedgerEvent::Granted { dataset: d.into() };
    append_events(&store, id, 0, &[grant("a"), grant("b")]).await;
    let upcasters = Upcasters::new();
    let loaded = load_aggregate::<Ledger>(&store, id, &upcasters, 1)
        .await
        .unwrap();
    save_aggregate_snapshot(&store, id, &loaded, 1)
        .await
        .unwrap();
    append_events(&store, id, 2, &[grant("a")]).await;
    let again = load_aggregate::<Ledger>(&store, id, &upcasters, 1)
        .await
        .unwrap();
    assert_eq!(again.snapshot_sequence(), Some(2));
    assert_eq!(again.version(), 3);
    assert_eq!(again.aggregate().applied, 3);
    assert_eq!(again.aggregate().grants.get("a"), Some(&2));
}

/// Records what cqrs-es dispatches to queries.
struct Recorder(Arc<Mutex<Vec<(String, usize)>>>);

#[async_trait]
impl Query<Ledger> for Recorder {
    async fn dispatch(&self, aggregate_id: &str, events: &[EventEnvelope<Ledger>]) {
        let mut seen = self.0.lock().unwrap();
        for e in events {
            seen.push((aggregate_id.to_owned(), e.sequence));
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cqrs_framework_runs_on_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn EventStore> = Arc::new(
        SqliteStore::open(dir.path().join("cqrs.sqlite"), config())
            .await
            .unwrap(),
    );
    // The engine's clock and id source, injected: ids count up from 1 so that each event's id
    // shows where it came from.
    let clock = Arc::new(|| at(42));
    let next_id = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let ids = {
        let next_id = next_id.clone();
        Arc::new(move || {
            Uuid::from_u64_pair(
                0x0190_0000_0000_7000,
                0x8000_0000_0000_0000
                    | (next_id.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1),
            )
        })
    };
    let repo = CqrsEventRepository::new(store.clone(), actor(), clock.clone(), ids);
    let seen = Arc::new(Mutex::new(Vec::new()));
    let cqrs = CqrsFramework::new(
        PersistedEventStore::new_event_store(repo.clone()),
        vec![Box::new(Recorder(seen.clone()))],
        (),
    );
    cqrs.execute("acc-1", LedgerCommand::Grant("tax".into()))
        .await
        .unwrap();
    cqrs.execute("acc-1", LedgerCommand::Grant("tax".into()))
        .await
        .unwrap();
    let command_id = Uuid::new_v4();
    let metadata: HashMap<String, String> = [
        ("actor.department", "Shijiazhuang Health Commission"),
        ("actor.person", "Wang Fang"),
        ("actor.role", "approver"),
        ("command_id", &command_id.to_string()),
        ("rule_set.id", "hebei-data-sharing"),
        ("rule_set.version", "2024-1"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    cqrs.execute_with_metadata("acc-1", LedgerCommand::Revoke("tax".into()), metadata)
        .await
        .unwrap();
    assert!(
        cqrs.execute("acc-1", LedgerCommand::Revoke("health".into()))
            .await
            .is_err()
    );
    cqrs.execute("acc-2", LedgerCommand::Audit).await.unwrap();

    assert_eq!(
        *seen.lock().unwrap(),
        vec![
            ("acc-1".to_owned(), 1),
            ("acc-1".to_owned(), 2),
            ("acc-1".to_owned(), 3),
            ("acc-1".to_owned(), 4),
            ("acc-2".to_owned(), 1),
        ]
    );
    let stream = govshare_store::StreamId::new("Ledger", "acc-1");
    let events = store.read_stream(&stream, StreamRead::all()).await.unwrap();
    assert_eq!(events.len(), 4);
    assert_eq!(events[0].metadata.actor, actor());
    assert_eq!(events[0].recorded_at, at(42));
    // First command: its id and then its event's id came from the injected source.
    assert_eq!(events[0].metadata.command_id.as_u64_pair().1 & 0xffff, 1);
    assert_eq!(events[0].metadata.event_id.as_u64_pair().1 & 0xffff, 2);
    assert_eq!(events[2].metadata.actor.person, "Wang Fang");
    assert_eq!(events[2].metadata.command_id, command_id);
    assert_eq!(events[3].metadata.command_id, command_id);
    assert_eq!(
        events[2].metadata.rule_set.as_ref().map(|r| r.id.as_str()),
        Some("hebei-data-sharing")
    );
    store.verify(1, None).await.unwrap();

    // The same state through cqrs-es loading and through this crate's loader.
    let loaded = load_aggregate::<Ledger>(&*store, "acc-1", &Upcasters::new(), 1)
        .await
        .unwrap();
    assert_eq!(loaded.version(), 4);
    assert_eq!(loaded.aggregate().applied, 4);
    let es = PersistedEventStore::<_, Ledger>::new_event_store(repo.clone());
    let mut ctx = cqrs_es::EventStore::load_aggregate(&es, "acc-1")
        .await
        .unwrap();
    assert_eq!(
        cqrs_es::AggregateContext::aggregate(&mut ctx),
        loaded.aggregate()
    );

    // cqrs-es snapshot mode stays correct on this store (its snapshots are not stored).
    let snap_cqrs = CqrsFramework::new(
        PersistedEventStore::<_, Ledger>::new_snapshot_store(repo.clone(), 1),
        vec![],
        (),
    );
    for _ in 0..3 {
        snap_cqrs
            .execute("acc-3", LedgerCommand::Grant("population".into()))
            .await
            .unwrap();
    }
    let loaded = load_aggregate::<Ledger>(&*store, "acc-3", &Upcasters::new(), 1)
        .await
        .unwrap();
    assert_eq!(loaded.aggregate().grants.get("population"), Some(&3));

    // Unknown metadata keys are refused rather than silently dropped.
    let bad: HashMap<String, String> = [("ticket".to_owned(), "7".to_owned())].into();
    assert!(
        cqrs.execute_with_metadata("acc-2", LedgerCommand::Audit, bad)
            .await
            .is_err()
    );

    // Replays through the repository.
    let mut replay = cqrs_es::persist::PersistedEventRepository::stream_all_events::<Ledger>(&repo)
        .await
        .unwrap();
    let mut count = 0;
    while let Some(e) = replay.next::<Ledger>(&[]).await {
        e.unwrap();
        count += 1;
    }
    assert_eq!(count, 4 + 1 + 3);
}
