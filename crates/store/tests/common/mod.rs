//! Shared fixtures: a store on a real SQLite file or on a fresh database of the throwaway
//! PostgreSQL cluster, plus raw SQL access for tampering.
#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};
use govshare_store::{
    Actor, AppendRequest, CommandRecord, EventMetadata, EventStore, ExpectedVersion, NewEvent,
    PostgresStore, RuleSetRef, SqliteStore, StoreConfig, StreamId,
};
use govshare_testkit::shared_cluster;
use serde_json::{Value, json};
use sqlx::Connection;
use uuid::Uuid;

/// Payload limit used by all fixtures.
pub const PAYLOAD_LIMIT: usize = 4096;

pub enum Raw {
    Sqlite(PathBuf),
    Postgres(String),
}

pub struct Fixture {
    pub store: Arc<dyn EventStore>,
    pub raw: Raw,
    pub config: StoreConfig,
    _dir: Option<tempfile::TempDir>,
}

pub fn config() -> StoreConfig {
    StoreConfig {
        max_payload_bytes: PAYLOAD_LIMIT,
        ..StoreConfig::default()
    }
}

impl Fixture {
    pub async fn sqlite() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("events.sqlite");
        let store = SqliteStore::open(&path, config()).await.unwrap();
        Self {
            store: Arc::new(store),
            raw: Raw::Sqlite(path),
            config: config(),
            _dir: Some(dir),
        }
    }

    pub async fn postgres() -> Self {
        let url = fresh_database().await;
        let store = PostgresStore::connect(&url, config()).await.unwrap();
        Self {
            store: Arc::new(store),
            raw: Raw::Postgres(url),
            config: config(),
            _dir: None,
        }
    }

    /// A fresh fixture of the same backend.
    pub async fn another(&self) -> Fixture {
        match &self.raw {
            Raw::Sqlite(_) => Fixture::sqlite().await,
            Raw::Postgres(_) => Fixture::postgres().await,
        }
    }

    /// Closes the store, runs `sql` directly on its database (SQLite: through rusqlite;
    /// PostgreSQL: through sqlx), and opens the store again, which migrates it if needed.
    pub async fn reopened_after(self, sql: &str) -> Fixture {
        let Fixture {
            store,
            raw,
            config,
            _dir,
        } = self;
        // The SQLite store releases its file lock once its last handle is gone.
        assert_eq!(Arc::strong_count(&store), 1, "the store is still in use");
        drop(store);
        let store: Arc<dyn EventStore> = match &raw {
            Raw::Sqlite(path) => {
                let conn = rusqlite::Connection::open(path).unwrap();
                conn.execute_batch(sql).unwrap();
                drop(conn);
                Arc::new(SqliteStore::open(path, config.clone()).await.unwrap())
            }
            Raw::Postgres(url) => {
                let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
                sqlx::raw_sql(sql).execute(&mut conn).await.unwrap();
                Arc::new(PostgresStore::connect(url, config.clone()).await.unwrap())
            }
        };
        Fixture {
            store,
            raw,
            config,
            _dir,
        }
    }

    /// The schema version recorded in the database.
    pub async fn schema_version(&self) -> i64 {
        match &self.raw {
            Raw::Sqlite(path) => rusqlite::Connection::open(path)
                .unwrap()
                .query_row("PRAGMA user_version", [], |r| r.get(0))
                .unwrap(),
            Raw::Postgres(url) => {
                let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
                let v: i32 = sqlx::query_scalar("SELECT max(version) FROM govshare_schema")
                    .fetch_one(&mut conn)
                    .await
                    .unwrap();
                i64::from(v)
            }
        }
    }

    /// Opens another store handle on the same data (same process).
    pub async fn reopen_postgres(&self) -> Arc<dyn EventStore> {
        match &self.raw {
            Raw::Postgres(url) => Arc::new(PostgresStore::connect(url, config()).await.unwrap()),
            Raw::Sqlite(_) => panic!("not a PostgreSQL fixture"),
        }
    }

    /// Runs SQL directly on the database, with the append-only triggers out of the way, as an
    /// attacker with database access could.
    pub async fn exec_tampering(&self, sql: &str) {
        match &self.raw {
            Raw::Sqlite(path) => {
                let path = path.clone();
                let sql = sql.to_owned();
                tokio::task::spawn_blocking(move || {
                    let conn = rusqlite::Connection::open(path).unwrap();
                    conn.busy_timeout(std::time::Duration::from_secs(5))
                        .unwrap();
                    conn.execute_batch(
                        "DROP TRIGGER IF EXISTS govshare_events_no_update; \
                         DROP TRIGGER IF EXISTS govshare_events_no_delete; \
                         DROP TRIGGER IF EXISTS govshare_commands_no_update; \
                         DROP TRIGGER IF EXISTS govshare_commands_no_delete;",
                    )
                    .unwrap();
                    conn.execute_batch(&sql).unwrap();
                })
                .await
                .unwrap();
            }
            Raw::Postgres(url) => {
                let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
                sqlx::raw_sql(
                    "ALTER TABLE govshare_events DISABLE TRIGGER USER; \
                     DROP TRIGGER IF EXISTS govshare_commands_append_only ON govshare_commands;",
                )
                .execute(&mut conn)
                .await
                .unwrap();
                sqlx::raw_sql(sql).execute(&mut conn).await.unwrap();
            }
        }
    }

    /// Reads one stored payload text.
    pub async fn stored_payload(&self, position: u64) -> String {
        match &self.raw {
            Raw::Sqlite(path) => {
                let path = path.clone();
                tokio::task::spawn_blocking(move || {
                    let conn = rusqlite::Connection::open(path).unwrap();
                    conn.query_row(
                        "SELECT payload FROM govshare_events WHERE position = ?1",
                        [position as i64],
                        |r| r.get(0),
                    )
                    .unwrap()
                })
                .await
                .unwrap()
            }
            Raw::Postgres(url) => {
                let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
                sqlx::query_scalar("SELECT payload FROM govshare_events WHERE position = $1")
                    .bind(position as i64)
                    .fetch_one(&mut conn)
                    .await
                    .unwrap()
            }
        }
    }
}

/// SQL string literal.
pub fn lit(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// Hex blob/bytea literal for the fixture's dialect.
pub fn blob(raw: &Raw, bytes: &[u8]) -> String {
    match raw {
        Raw::Sqlite(_) => format!("X'{}'", hex::encode(bytes)),
        Raw::Postgres(_) => format!("'\\x{}'::bytea", hex::encode(bytes)),
    }
}

/// UUID literal for the fixture's dialect (16-byte blob or `uuid`).
pub fn uuid_lit(raw: &Raw, id: Uuid) -> String {
    match raw {
        Raw::Sqlite(_) => format!("X'{}'", hex::encode(id.as_bytes())),
        Raw::Postgres(_) => format!("'{id}'::uuid"),
    }
}

/// Asserts that a result is `TamperDetected` at `position`.
pub fn assert_tamper_at<T: std::fmt::Debug>(
    result: Result<T, govshare_store::StoreError>,
    position: u64,
    what: &str,
) {
    match result {
        Err(govshare_store::StoreError::TamperDetected {
            position: p,
            detail,
        }) => {
            assert_eq!(p, position, "{what}: {detail}");
        }
        other => panic!("{what}: expected tampering at {position}, got {other:?}"),
    }
}

pub async fn fresh_database() -> String {
    shared_cluster().fresh_database("t").await.unwrap()
}

pub fn actor() -> Actor {
    Actor {
        department: "Hebei Provincial Data Bureau".into(),
        person: "Li Wei".into(),
        role: "data-officer".into(),
    }
}

pub fn at(secs: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(1_700_000_000 + secs, 123_456_789)
        .single()
        .unwrap()
}

pub fn event(command_id: Uuid, event_type: &str, payload: Value) -> NewEvent {
    NewEvent {
        event_type: event_type.into(),
        schema_version: 1,
        payload,
        metadata: EventMetadata {
            event_id: Uuid::new_v4(),
            command_id,
            correlation_id: Uuid::new_v4(),
            causation_id: None,
            actor: actor(),
            rule_set: Some(RuleSetRef {
                id: "hebei-data-sharing".into(),
                version: "2024-1".into(),
            }),
        },
    }
}

/// A request of `n` events for `stream`.
pub fn request(stream: &StreamId, expected: ExpectedVersion, n: usize) -> AppendRequest {
    let command_id = Uuid::new_v4();
    AppendRequest {
        stream: stream.clone(),
        expected_version: expected,
        command_id,
        recorded_at: at(0),
        command: None,
        events: (0..n)
            .map(|i| {
                event(
                    command_id,
                    "DataShared",
                    json!({"dataset": "population", "rows": i, "fields": ["name", "id"]}),
                )
            })
            .collect(),
    }
}

/// A command body for [`request_with_command`].
pub fn command(n: usize) -> CommandRecord {
    CommandRecord {
        command_type: "SharingRequest.SubmitRequest".into(),
        schema_version: 3,
        payload: json!({"purpose": "社保核验", "datasets": ["population"], "events": n, "note": "a\"b"}),
        issued_at: at(-1),
    }
}

/// A request of `n` events for `stream`, recording its command.
pub fn request_with_command(
    stream: &StreamId,
    expected: ExpectedVersion,
    n: usize,
) -> AppendRequest {
    AppendRequest {
        command: Some(command(n)),
        ..request(stream, expected, n)
    }
}

pub fn stream(id: &str) -> StreamId {
    StreamId::new("SharingRequest", id)
}
