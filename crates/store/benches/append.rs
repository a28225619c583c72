//! Durable append and read throughput of the govshare store against cqrs-es 0.5 with sqlite-es
//! and postgres-es, side by side, on the same machine, payloads and fsync settings.
//!
//! Run: `cargo bench -p govshare-store --bench append`. Prints one Markdown table.
//! `GOVSHARE_BENCH_SECS` sets the seconds per measurement (default 3); `GOVSHARE_BENCH_ONLY`
//! (a comma-separated subset of `sqlite,postgres,read`) limits what is measured.
//!
//! Both systems are driven at the repository level with identical payloads: each writer appends
//! commands of 1 or 5 events to its own aggregate with a known expected version, so no aggregate
//! loading is measured on either side. An append counts once its call has returned, i.e. once
//! it is durably committed.

use std::future::Future;
use std::pin::Pin;
use std::str::FromStr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use cqrs_es::persist::{PersistedEventRepository, SerializedEvent};
use cqrs_es::{Aggregate, DomainEvent};
use futures::StreamExt;
use govshare_store::{
    Actor, AppendRequest, EventMetadata, EventStore, ExpectedVersion, NewEvent, PostgresStore,
    RuleSetRef, SqliteStore, StoreConfig, StreamId, log_stream,
};
use govshare_testkit::{PgCluster, pg_bin_dir};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use uuid::Uuid;

const WRITERS: [usize; 3] = [1, 8, 32];
const EVENTS_PER_COMMAND: [usize; 2] = [1, 5];
const READ_EVENTS: u64 = 300_000;

#[derive(Debug, Default, Serialize, Deserialize)]
struct BenchAggregate;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct BenchEvent(Value);

impl DomainEvent for BenchEvent {
    fn event_type(&self) -> String {
        "DataShared".into()
    }
    fn event_version(&self) -> String {
        "1.0".into()
    }
}

#[derive(Debug, thiserror::Error)]
#[error("never")]
struct Never;

impl Aggregate for BenchAggregate {
    const TYPE: &'static str = "SharingRequest";
    type Command = ();
    type Event = BenchEvent;
    type Error = Never;
    type Services = ();

    async fn handle(
        &mut self,
        _: (),
        _: &(),
        _: &cqrs_es::event_sink::EventSink<Self>,
    ) -> Result<(), Never> {
        Ok(())
    }

    fn apply(&mut self, _: BenchEvent) {}
}

fn payload(writer: usize, command: u64, event: usize) -> Value {
    json!({
        "dataset": "household-registration",
        "requesting_department": "Shijiazhuang Human Resources and Social Security Bureau",
        "fields": ["name", "id_card", "address", "household_type"],
        "rows": 1200 + event,
        "purpose": "social security eligibility verification",
        "writer": writer,
        "command": command,
    })
}

fn actor() -> Actor {
    Actor {
        department: "Hebei Provincial Data Bureau".into(),
        person: "Li Wei".into(),
        role: "data-officer".into(),
    }
}

/// The same metadata, as the peer stores it.
fn peer_metadata() -> Value {
    json!({
        "actor.department": "Hebei Provincial Data Bureau",
        "actor.person": "Li Wei",
        "actor.role": "data-officer",
        "rule_set.id": "hebei-data-sharing",
        "rule_set.version": "2024-1",
    })
}

type BoxFut<'a> = Pin<Box<dyn Future<Output = ()> + Send + 'a>>;

/// Appends command number `command` (0-based) of `writer` with `events` events.
trait Appender: Send + Sync {
    fn append(&self, writer: usize, command: u64, events: usize) -> BoxFut<'_>;
}

/// The govshare store; `random_ids` switches event and command ids from time-ordered UUIDv7
/// to random UUIDv4.
struct Ours {
    store: Arc<dyn EventStore>,
    random_ids: bool,
}

impl Ours {
    fn new(store: Arc<dyn EventStore>) -> Self {
        Self {
            store,
            random_ids: false,
        }
    }

    fn id(&self) -> Uuid {
        if self.random_ids {
            Uuid::new_v4()
        } else {
            Uuid::now_v7()
        }
    }
}

impl Appender for Ours {
    fn append(&self, writer: usize, command: u64, events: usize) -> BoxFut<'_> {
        Box::pin(async move {
            let command_id = self.id();
            let request = AppendRequest {
                stream: StreamId::new(BenchAggregate::TYPE, format!("w{writer}")),
                expected_version: ExpectedVersion::Exact(command * events as u64),
                command_id,
                recorded_at: Utc::now(),
                command: None,
                events: (0..events)
                    .map(|e| NewEvent {
                        event_type: "DataShared".into(),
                        schema_version: 1,
                        payload: payload(writer, command, e),
                        metadata: EventMetadata {
                            event_id: self.id(),
                            command_id,
                            correlation_id: command_id,
                            causation_id: None,
                            actor: actor(),
                            rule_set: Some(RuleSetRef {
                                id: "hebei-data-sharing".into(),
                                version: "2024-1".into(),
                            }),
                        },
                    })
                    .collect(),
            };
            if let Err(e) = self.store.append(request).await {
                panic!("govshare append failed: {e}");
            }
        })
    }
}

struct Peer<R>(R);

impl<R: PersistedEventRepository> Appender for Peer<R> {
    fn append(&self, writer: usize, command: u64, events: usize) -> BoxFut<'_> {
        Box::pin(async move {
            let batch: Vec<SerializedEvent> = (0..events)
                .map(|e| SerializedEvent {
                    aggregate_id: format!("w{writer}"),
                    sequence: (command as usize) * events + e + 1,
                    aggregate_type: BenchAggregate::TYPE.into(),
                    event_type: "DataShared".into(),
                    event_version: "1.0".into(),
                    payload: payload(writer, command, e),
                    metadata: peer_metadata(),
                })
                .collect();
            if let Err(e) = self.0.persist::<BenchAggregate>(&batch, None).await {
                panic!("peer append failed: {e}");
            }
        })
    }
}

/// Commands per second with `writers` concurrent writers for `secs`.
async fn measure(appender: Arc<dyn Appender>, writers: usize, events: usize, secs: f64) -> f64 {
    let start = Instant::now();
    let deadline = start + Duration::from_secs_f64(secs);
    let tasks: Vec<_> = (0..writers)
        .map(|w| {
            let appender = appender.clone();
            tokio::spawn(async move {
                let mut n = 0u64;
                while Instant::now() < deadline {
                    appender.append(w, n, events).await;
                    n += 1;
                }
                n
            })
        })
        .collect();
    let mut total = 0;
    for t in tasks {
        total += t.await.unwrap_or(0);
    }
    total as f64 / start.elapsed().as_secs_f64()
}

const PEER_SQLITE_DDL: &str = "
CREATE TABLE events (
  aggregate_type text NOT NULL, aggregate_id text NOT NULL,
  sequence integer CHECK (sequence >= 0) NOT NULL,
  event_type text NOT NULL, event_version text NOT NULL,
  payload text NOT NULL, metadata text NOT NULL,
  PRIMARY KEY (aggregate_type, aggregate_id, sequence)) STRICT;
CREATE TABLE snapshots (
  aggregate_type text NOT NULL, aggregate_id text NOT NULL,
  last_sequence integer CHECK (last_sequence >= 0) NOT NULL,
  current_snapshot integer CHECK (current_snapshot >= 0) NOT NULL,
  payload text NOT NULL,
  PRIMARY KEY (aggregate_type, aggregate_id, last_sequence)) STRICT;";

const PEER_PG_DDL: &str = "
CREATE TABLE events (
  aggregate_type text NOT NULL, aggregate_id text NOT NULL,
  sequence bigint CHECK (sequence >= 0) NOT NULL,
  event_type text NOT NULL, event_version text NOT NULL,
  payload json NOT NULL, metadata json NOT NULL,
  PRIMARY KEY (aggregate_type, aggregate_id, sequence));
CREATE TABLE snapshots (
  aggregate_type text NOT NULL, aggregate_id text NOT NULL,
  last_sequence bigint CHECK (last_sequence >= 0) NOT NULL,
  current_snapshot bigint CHECK (current_snapshot >= 0) NOT NULL,
  payload json NOT NULL,
  PRIMARY KEY (aggregate_type, aggregate_id, last_sequence));";

/// A sqlite-es repository configured as its `default_sqlite_pool` does, with the given
/// synchronous mode.
async fn peer_sqlite(path: &std::path::Path, sync: SqliteSynchronous) -> Arc<dyn Appender> {
    let options = SqliteConnectOptions::from_str(&format!("sqlite://{}", path.display()))
        .unwrap()
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(sync)
        .foreign_keys(true);
    let pool = SqlitePoolOptions::new()
        .max_connections(10)
        .connect_with(options)
        .await
        .unwrap();
    sqlx::raw_sql(PEER_SQLITE_DDL).execute(&pool).await.unwrap();
    Arc::new(Peer(sqlite_es::SqliteEventRepository::new(pool)))
}

/// A postgres-es repository with the pool of its `default_postgress_pool`.
async fn peer_postgres(url: &str) -> Arc<dyn Appender> {
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(10)
        .connect(url)
        .await
        .unwrap();
    sqlx::raw_sql(PEER_PG_DDL).execute(&pool).await.unwrap();
    Arc::new(Peer(postgres_es::PostgresEventRepository::new(pool)))
}

struct Row {
    backend: &'static str,
    events: usize,
    writers: usize,
    ours: f64,
    ours_random: f64,
    peer_full: f64,
    peer_default: Option<f64>,
}

fn fsync_rate(dir: &std::path::Path) -> String {
    let Ok(bin) = pg_bin_dir() else {
        return "n/a".into();
    };
    let out = std::process::Command::new(bin.join("pg_test_fsync"))
        .args(["-s", "1", "-f"])
        .arg(dir.join("fsync.test"))
        .output();
    let Ok(out) = out else {
        return "n/a".into();
    };
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .find(|l| l.trim_start().starts_with("fdatasync"))
        .and_then(|l| l.split_whitespace().nth(1).map(str::to_owned))
        .map(|ops| format!("{ops} fdatasync/s (8 kB, pg_test_fsync)"))
        .unwrap_or_else(|| "n/a".into())
}

fn main() {
    let secs: f64 = std::env::var("GOVSHARE_BENCH_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3.0);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(run(secs));
}

fn selected(part: &str) -> bool {
    std::env::var("GOVSHARE_BENCH_ONLY")
        .map_or(true, |only| only.split(',').any(|p| p.trim() == part))
}

async fn run(secs: f64) {
    let dir = tempfile::tempdir().unwrap();
    let fsync = fsync_rate(dir.path());
    let cluster = PgCluster::start().unwrap_or_else(|e| panic!("PostgreSQL: {e}"));
    let mut rows = Vec::new();
    let mut n = 0;
    let mut fresh = || {
        n += 1;
        n
    };

    for events in EVENTS_PER_COMMAND
        .into_iter()
        .filter(|_| selected("sqlite"))
    {
        for writers in WRITERS {
            eprintln!("sqlite: {events} event(s)/command, {writers} writer(s)");
            let path = dir.path().join(format!("ours-{}.sqlite", fresh()));
            let ours: Arc<dyn EventStore> = Arc::new(
                SqliteStore::open(&path, StoreConfig::default())
                    .await
                    .unwrap(),
            );
            let ours_rate = measure(Arc::new(Ours::new(ours)), writers, events, secs).await;
            let path = dir.path().join(format!("ours-{}.sqlite", fresh()));
            let random: Arc<dyn EventStore> = Arc::new(
                SqliteStore::open(&path, StoreConfig::default())
                    .await
                    .unwrap(),
            );
            let random_rate = measure(
                Arc::new(Ours {
                    store: random,
                    random_ids: true,
                }),
                writers,
                events,
                secs,
            )
            .await;
            let full = peer_sqlite(
                &dir.path().join(format!("peer-{}.sqlite", fresh())),
                SqliteSynchronous::Full,
            )
            .await;
            let full_rate = measure(full, writers, events, secs).await;
            let normal = peer_sqlite(
                &dir.path().join(format!("peer-{}.sqlite", fresh())),
                SqliteSynchronous::Normal,
            )
            .await;
            let normal_rate = measure(normal, writers, events, secs).await;
            rows.push(Row {
                backend: "SQLite",
                events,
                writers,
                ours: ours_rate,
                ours_random: random_rate,
                peer_full: full_rate,
                peer_default: Some(normal_rate),
            });
        }
    }
    for events in EVENTS_PER_COMMAND
        .into_iter()
        .filter(|_| selected("postgres"))
    {
        for writers in WRITERS {
            eprintln!("postgres: {events} event(s)/command, {writers} writer(s)");
            let url = cluster
                .create_database(&format!("ours_{}", fresh()))
                .await
                .unwrap();
            let ours: Arc<dyn EventStore> = Arc::new(
                PostgresStore::connect(&url, StoreConfig::default())
                    .await
                    .unwrap(),
            );
            let ours_rate = measure(Arc::new(Ours::new(ours)), writers, events, secs).await;
            let url = cluster
                .create_database(&format!("ours_{}", fresh()))
                .await
                .unwrap();
            let random: Arc<dyn EventStore> = Arc::new(
                PostgresStore::connect(&url, StoreConfig::default())
                    .await
                    .unwrap(),
            );
            let random_rate = measure(
                Arc::new(Ours {
                    store: random,
                    random_ids: true,
                }),
                writers,
                events,
                secs,
            )
            .await;
            let url = cluster
                .create_database(&format!("peer_{}", fresh()))
                .await
                .unwrap();
            let peer_rate = measure(peer_postgres(&url).await, writers, events, secs).await;
            rows.push(Row {
                backend: "PostgreSQL",
                events,
                writers,
                ours: ours_rate,
                ours_random: random_rate,
                peer_full: peer_rate,
                peer_default: None,
            });
        }
    }

    let mut reads = Vec::new();
    if selected("read") {
        eprintln!("reading");
        let path = dir.path().join("read.sqlite");
        let sqlite: Arc<dyn EventStore> = Arc::new(
            SqliteStore::open(&path, StoreConfig::default())
                .await
                .unwrap(),
        );
        reads.push(("SQLite", read_rate(sqlite).await));
        let url = cluster.create_database("read").await.unwrap();
        let postgres: Arc<dyn EventStore> = Arc::new(
            PostgresStore::connect(&url, StoreConfig::default())
                .await
                .unwrap(),
        );
        reads.push(("PostgreSQL", read_rate(postgres).await));
    }

    println!();
    println!(
        "Durable appends per second (commands/s; events/s = commands/s × events per command), \
         {secs} s per cell, `nproc` = {}, fsync: {fsync}.",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    println!();
    println!(
        "| backend | events/command | writers | govshare (UUIDv7 ids) | govshare (random UUIDv4 ids) | cqrs-es peer, synchronous=FULL | cqrs-es peer, default sync | govshare ÷ peer, both durable |"
    );
    println!("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    for r in &rows {
        let default = match (r.backend, r.peer_default) {
            (_, Some(v)) => format!("{v:.0} (NORMAL)"),
            _ => "same (synchronous_commit=on)".into(),
        };
        println!(
            "| {} | {} | {} | {:.0} | {:.0} | {:.0} | {} | {:.1}× |",
            r.backend,
            r.events,
            r.writers,
            r.ours,
            r.ours_random,
            r.peer_full,
            default,
            r.ours / r.peer_full
        );
    }
    for (backend, rate) in reads {
        println!("| {backend} | read (global log) | 1 | {rate:.0} events/s | | | | |");
    }
    drop(cluster);
}

/// Fills the store with `READ_EVENTS` events, then streams the whole global log once.
async fn read_rate(store: Arc<dyn EventStore>) -> f64 {
    let filler = Arc::new(Ours::new(store.clone()));
    let per_command = 10usize;
    let commands_per_writer = READ_EVENTS / per_command as u64 / 50;
    let tasks: Vec<_> = (0..50)
        .map(|w| {
            let filler = filler.clone();
            tokio::spawn(async move {
                for c in 0..commands_per_writer {
                    filler.append(w, c, per_command).await;
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    let start = Instant::now();
    let mut log = log_stream(&*store, 1, 10_000);
    let mut count = 0u64;
    while let Some(event) = log.next().await {
        if event.is_ok() {
            count += 1;
        }
    }
    count as f64 / start.elapsed().as_secs_f64()
}
