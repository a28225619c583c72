//! Fixtures: a store on a real SQLite file or on a fresh database of the throwaway PostgreSQL
//! cluster, its read side, and a counting projection.
#![allow(dead_code)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, TimeZone, Utc};
use govshare_projections::sql::{Dialect, Tx};
use govshare_projections::{Projection, ReadDb, RunnerConfig, RunnerHandle};
use govshare_store::{
    Actor, AppendRequest, EventMetadata, EventStore, ExpectedVersion, NewEvent, PostgresStore,
    RecordedEvent, RuleSetRef, SqliteStore, StoreConfig, StreamId,
};
use serde_json::json;
use uuid::Uuid;

pub use govshare_testkit::shared_cluster;

pub enum Location {
    Sqlite(tempfile::TempDir, String),
    Postgres(String),
}

pub struct Fixture {
    pub store: Arc<dyn EventStore>,
    pub db: ReadDb,
    pub location: Location,
}

pub async fn fresh_database() -> String {
    shared_cluster().fresh_database("proj").await.unwrap()
}

impl Fixture {
    pub async fn sqlite() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("govshare.db").display().to_string();
        let store = SqliteStore::open(&path, StoreConfig::default())
            .await
            .unwrap();
        let db = ReadDb::open(&path).await.unwrap();
        Self {
            store: Arc::new(store),
            db,
            location: Location::Sqlite(dir, path),
        }
    }

    pub async fn postgres() -> Self {
        let url = fresh_database().await;
        let store = PostgresStore::connect(&url, StoreConfig::default())
            .await
            .unwrap();
        let db = ReadDb::open(&url).await.unwrap();
        Self {
            store: Arc::new(store),
            db,
            location: Location::Postgres(url),
        }
    }

    pub fn location(&self) -> &str {
        match &self.location {
            Location::Sqlite(_, path) => path,
            Location::Postgres(url) => url,
        }
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self.location, Location::Postgres(_))
    }

    /// Appends `n` commands of `per` events each, spread over `streams` streams.
    pub async fn append(&self, n: usize, per: usize, streams: usize) -> u64 {
        let mut last = 0;
        for i in 0..n {
            let stream = StreamId::new("Counter", format!("c-{}", i % streams.max(1)));
            let outcome = self.store.append(request(&stream, per)).await.unwrap();
            last = outcome.last_position;
        }
        last
    }

    pub async fn start(
        &self,
        projections: Vec<Arc<dyn Projection>>,
        config: RunnerConfig,
    ) -> RunnerHandle {
        govshare_projections::start(self.db.clone(), self.store.clone(), projections, config)
            .await
            .unwrap()
    }
}

pub fn fast() -> RunnerConfig {
    RunnerConfig {
        batch_size: 200,
        poll_interval: Duration::from_millis(10),
        lease_retry: Duration::from_millis(50),
        idle_recheck: Duration::from_millis(200),
        max_backoff: Duration::from_millis(100),
        ..RunnerConfig::default()
    }
}

pub fn at(secs: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(1_780_000_000 + secs, 0).single().unwrap()
}

pub fn request(stream: &StreamId, n: usize) -> AppendRequest {
    let command_id = Uuid::new_v4();
    AppendRequest {
        stream: stream.clone(),
        expected_version: ExpectedVersion::Any,
        command_id,
        recorded_at: at(0),
        command: None,
        events: (0..n)
            .map(|i| NewEvent {
                event_type: "Counted".into(),
                schema_version: 1,
                payload: json!({ "n": i }),
                metadata: EventMetadata {
                    event_id: Uuid::new_v4(),
                    command_id,
                    correlation_id: command_id,
                    causation_id: None,
                    actor: Actor {
                        department: format!("dept-{}", i % 3),
                        person: format!("person-{}", i % 5),
                        role: "staff".into(),
                    },
                    rule_set: Some(RuleSetRef {
                        id: "hebei-2022".into(),
                        version: "1".into(),
                    }),
                },
            })
            .collect(),
    }
}

/// Counts events and sums their positions, per stream and in total; a double or lost application
/// shows in both. `applied` counts the events this instance applied (committed or not).
#[derive(Debug, Default)]
pub struct Counter {
    pub applied: AtomicUsize,
    pub version: u32,
}

impl Counter {
    pub fn new() -> Arc<Self> {
        Arc::new(Self {
            applied: AtomicUsize::new(0),
            version: 1,
        })
    }

    pub fn versioned(version: u32) -> Arc<Self> {
        Arc::new(Self {
            applied: AtomicUsize::new(0),
            version,
        })
    }
}

#[async_trait]
impl Projection for Counter {
    fn name(&self) -> &'static str {
        "counter"
    }

    fn version(&self) -> u32 {
        self.version
    }

    fn tables(&self) -> &'static [&'static str] {
        &["totals", "streams"]
    }

    fn schema(&self, _dialect: Dialect) -> Vec<String> {
        vec![
            "CREATE TABLE {totals} (k TEXT PRIMARY KEY, events BIGINT NOT NULL, sum BIGINT NOT NULL)"
                .into(),
            "CREATE TABLE {streams} (stream TEXT PRIMARY KEY, events BIGINT NOT NULL, \
             last_position BIGINT NOT NULL)"
                .into(),
        ]
    }

    async fn apply(&self, tx: &mut Tx<'_>, e: &RecordedEvent) -> govshare_projections::Result<()> {
        self.applied.fetch_add(1, Ordering::SeqCst);
        tx.execute(
            "INSERT INTO {totals} (k, events, sum) VALUES ('all', 1, $1) \
             ON CONFLICT (k) DO UPDATE SET events = {totals}.events + 1, sum = {totals}.sum + $1",
            &[e.position.into()],
        )
        .await?;
        tx.execute(
            "INSERT INTO {streams} (stream, events, last_position) VALUES ($1, 1, $2) \
             ON CONFLICT (stream) DO UPDATE SET events = {streams}.events + 1, last_position = $2",
            &[e.stream.aggregate_id.as_str().into(), e.position.into()],
        )
        .await?;
        Ok(())
    }
}

/// The counter's totals: (events, sum of positions).
pub async fn totals(db: &ReadDb) -> (i64, i64) {
    let rows = db
        .query_view(
            "counter",
            &["totals", "streams"],
            "SELECT events, sum FROM {totals} WHERE k = 'all'",
            vec![],
        )
        .await
        .unwrap();
    rows.first()
        .map(|r| (r.i64(0).unwrap(), r.i64(1).unwrap()))
        .unwrap_or((0, 0))
}

/// The counter's per-stream table, ordered.
pub async fn streams(db: &ReadDb) -> Vec<(String, i64, i64)> {
    db.query_view(
        "counter",
        &["totals", "streams"],
        "SELECT stream, events, last_position FROM {streams} ORDER BY stream",
        vec![],
    )
    .await
    .unwrap()
    .iter()
    .map(|r| (r.text(0).unwrap(), r.i64(1).unwrap(), r.i64(2).unwrap()))
    .collect()
}

pub fn triangle(n: u64) -> i64 {
    (n * (n + 1) / 2) as i64
}
