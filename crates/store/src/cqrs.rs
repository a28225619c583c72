//! Compatibility with `cqrs-es` 0.5: a [`PersistedEventRepository`] over any [`EventStore`].
//!
//! `cqrs-es` events carry no actor, identity or timestamp; the adapter fills them in:
//! * the actor comes from the `actor.department`, `actor.person` and `actor.role` metadata keys
//!   (`CqrsFramework::execute_with_metadata`) and otherwise from the configured default actor;
//! * `command_id`, `correlation_id`, `causation_id`, `rule_set.id` and `rule_set.version` may be
//!   given as metadata keys too; a missing command id is taken from the configured [`IdSource`]
//!   (so no idempotency), a missing correlation id equals the command id; any other metadata key
//!   is refused;
//! * every event gets an id from the configured [`IdSource`], and `recorded_at` comes from the
//!   configured [`InstantSource`]: the adapter reads no clock and draws no random numbers;
//! * `event_version` must be `"N"` or `"N.0"` (stored as schema version N) and reads back as
//!   `"N.0"`.
//!
//! `cqrs-es` snapshots are not stored: its snapshot and aggregate modes build the state from an
//! aggregate that already had the new events applied and apply them again. `get_snapshot` always
//! answers "none", so those modes degrade to a correct full replay. Use
//! [`crate::load_aggregate`] and [`crate::save_aggregate_snapshot`] for snapshots.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use cqrs_es::Aggregate;
use cqrs_es::persist::{
    PersistedEventRepository, PersistenceError, ReplayStream, SerializedEvent, SerializedSnapshot,
};
use futures::StreamExt;
use serde_json::Value;
use uuid::Uuid;

use crate::error::StoreError;
use crate::store::{EventStore, log_stream};
use crate::types::{
    Actor, AppendRequest, EventMetadata, ExpectedVersion, NewEvent, RecordedEvent, RuleSetRef,
    StreamId, StreamRead,
};

/// Where the adapter gets `recorded_at`: the engine's clock, read once per persisted command.
pub type InstantSource = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// Where the adapter gets event ids (and command ids the metadata does not name). Time-ordered
/// ids (UUIDv7) keep the unique indexes cheap; see `docs/event-store.md`.
pub type IdSource = Arc<dyn Fn() -> Uuid + Send + Sync>;

/// A `cqrs-es` event repository backed by a govshare [`EventStore`].
#[derive(Clone)]
pub struct CqrsEventRepository {
    store: Arc<dyn EventStore>,
    default_actor: Actor,
    clock: InstantSource,
    ids: IdSource,
    batch: usize,
}

impl fmt::Debug for CqrsEventRepository {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CqrsEventRepository")
            .field("store", &self.store)
            .field("default_actor", &self.default_actor)
            .field("batch", &self.batch)
            .finish_non_exhaustive()
    }
}

const KEY_DEPARTMENT: &str = "actor.department";
const KEY_PERSON: &str = "actor.person";
const KEY_ROLE: &str = "actor.role";
const KEY_COMMAND: &str = "command_id";
const KEY_CORRELATION: &str = "correlation_id";
const KEY_CAUSATION: &str = "causation_id";
const KEY_RULE_ID: &str = "rule_set.id";
const KEY_RULE_VERSION: &str = "rule_set.version";
const KEY_EVENT: &str = "event_id";
const KEY_POSITION: &str = "position";
const KEY_RECORDED_AT: &str = "recorded_at";

fn unknown(e: impl std::error::Error + Send + Sync + 'static) -> PersistenceError {
    PersistenceError::UnknownError(Box::new(e))
}

fn invalid(msg: String) -> PersistenceError {
    unknown(StoreError::InvalidEvent(msg))
}

fn from_store(e: StoreError) -> PersistenceError {
    match e {
        StoreError::Conflict { .. } => PersistenceError::OptimisticLockError,
        StoreError::Postgres(_) | StoreError::Sqlite(_) | StoreError::Backend(_) => {
            PersistenceError::ConnectionError(Box::new(e))
        }
        StoreError::Serialization(_) | StoreError::Corrupt { .. } | StoreError::Upcast { .. } => {
            PersistenceError::DeserializationError(Box::new(e))
        }
        other => unknown(other),
    }
}

fn parse_version(v: &str) -> Option<u32> {
    let (major, rest) = v.split_once('.').unwrap_or((v, "0"));
    if rest.chars().all(|c| c == '0') && !rest.is_empty() {
        major.parse().ok()
    } else {
        None
    }
}

fn parse_uuid(map: &HashMap<String, String>, key: &str) -> Result<Option<Uuid>, PersistenceError> {
    map.get(key)
        .map(|s| Uuid::parse_str(s).map_err(|e| invalid(format!("metadata {key}: {e}"))))
        .transpose()
}

impl CqrsEventRepository {
    /// Wraps a store. `default_actor` is recorded for events whose metadata names no actor;
    /// `clock` gives each persisted command's `recorded_at` and `ids` every event id (and the
    /// command id when the metadata has none). The adapter reads no clock and draws no random
    /// numbers itself.
    pub fn new(
        store: Arc<dyn EventStore>,
        default_actor: Actor,
        clock: InstantSource,
        ids: IdSource,
    ) -> Self {
        Self {
            store,
            default_actor,
            clock,
            ids,
            batch: 1000,
        }
    }

    fn to_serialized(event: RecordedEvent) -> Result<SerializedEvent, PersistenceError> {
        let payload = event.payload.to_value()?;
        let m = &event.metadata;
        let mut meta = serde_json::Map::new();
        let mut put = |k: &str, v: String| {
            meta.insert(k.to_owned(), Value::String(v));
        };
        put(KEY_EVENT, m.event_id.to_string());
        put(KEY_COMMAND, m.command_id.to_string());
        put(KEY_CORRELATION, m.correlation_id.to_string());
        if let Some(c) = m.causation_id {
            put(KEY_CAUSATION, c.to_string());
        }
        put(KEY_DEPARTMENT, m.actor.department.clone());
        put(KEY_PERSON, m.actor.person.clone());
        put(KEY_ROLE, m.actor.role.clone());
        if let Some(r) = &m.rule_set {
            put(KEY_RULE_ID, r.id.clone());
            put(KEY_RULE_VERSION, r.version.clone());
        }
        put(KEY_POSITION, event.position.to_string());
        put(
            KEY_RECORDED_AT,
            crate::hash::format_timestamp(&event.recorded_at),
        );
        Ok(SerializedEvent {
            aggregate_id: event.stream.aggregate_id,
            sequence: event.sequence as usize,
            aggregate_type: event.stream.aggregate_type,
            event_type: event.event_type,
            event_version: format!("{}.0", event.schema_version),
            payload,
            metadata: Value::Object(meta),
        })
    }

    async fn read<A: Aggregate>(
        &self,
        aggregate_id: &str,
        after: u64,
    ) -> Result<Vec<SerializedEvent>, PersistenceError> {
        let events = self
            .store
            .read_stream(
                &StreamId::new(A::TYPE, aggregate_id),
                StreamRead {
                    after_sequence: after,
                    ..StreamRead::default()
                },
            )
            .await
            .map_err(from_store)?;
        events.into_iter().map(Self::to_serialized).collect()
    }

    fn request<A: Aggregate>(
        &self,
        events: &[SerializedEvent],
    ) -> Result<AppendRequest, PersistenceError> {
        let first = events.first().ok_or_else(|| invalid("no events".into()))?;
        let meta: HashMap<String, String> = serde_json::from_value(first.metadata.clone())
            .map_err(|e| invalid(format!("metadata must map strings to strings: {e}")))?;
        if let Some(key) = meta.keys().find(|k| {
            ![
                KEY_DEPARTMENT,
                KEY_PERSON,
                KEY_ROLE,
                KEY_COMMAND,
                KEY_CORRELATION,
                KEY_CAUSATION,
                KEY_RULE_ID,
                KEY_RULE_VERSION,
            ]
            .contains(&k.as_str())
        }) {
            return Err(invalid(format!("unsupported metadata key {key:?}")));
        }
        let command_id = match parse_uuid(&meta, KEY_COMMAND)? {
            Some(id) => id,
            None => (self.ids)(),
        };
        let correlation_id = parse_uuid(&meta, KEY_CORRELATION)?.unwrap_or(command_id);
        let causation_id = parse_uuid(&meta, KEY_CAUSATION)?;
        let pick = |key: &str, default: &String| meta.get(key).unwrap_or(default).clone();
        let actor = Actor {
            department: pick(KEY_DEPARTMENT, &self.default_actor.department),
            person: pick(KEY_PERSON, &self.default_actor.person),
            role: pick(KEY_ROLE, &self.default_actor.role),
        };
        let rule_set = match (meta.get(KEY_RULE_ID), meta.get(KEY_RULE_VERSION)) {
            (Some(id), Some(version)) => Some(RuleSetRef {
                id: id.clone(),
                version: version.clone(),
            }),
            (None, None) => None,
            _ => {
                return Err(invalid(
                    "rule_set.id and rule_set.version go together".into(),
                ));
            }
        };
        let mut new_events = Vec::with_capacity(events.len());
        for (i, e) in events.iter().enumerate() {
            if e.aggregate_id != first.aggregate_id
                || e.aggregate_type != A::TYPE
                || e.sequence != first.sequence + i
            {
                return Err(invalid(
                    "one persist call must hold consecutive events of one aggregate".into(),
                ));
            }
            let schema_version = parse_version(&e.event_version).ok_or_else(|| {
                invalid(format!(
                    "event_version {:?} is not \"N\" or \"N.0\"",
                    e.event_version
                ))
            })?;
            new_events.push(NewEvent {
                event_type: e.event_type.clone(),
                schema_version,
                payload: e.payload.clone(),
                metadata: EventMetadata {
                    event_id: (self.ids)(),
                    command_id,
                    correlation_id,
                    causation_id,
                    actor: actor.clone(),
                    rule_set: rule_set.clone(),
                },
            });
        }
        let expected = match first.sequence {
            0 => return Err(invalid("sequences start at 1".into())),
            1 => ExpectedVersion::NoStream,
            n => ExpectedVersion::Exact(n as u64 - 1),
        };
        Ok(AppendRequest {
            stream: StreamId::new(A::TYPE, first.aggregate_id.clone()),
            expected_version: expected,
            command_id,
            recorded_at: (self.clock)(),
            command: None,
            events: new_events,
        })
    }
}

impl PersistedEventRepository for CqrsEventRepository {
    async fn get_events<A: Aggregate>(
        &self,
        aggregate_id: &str,
    ) -> Result<Vec<SerializedEvent>, PersistenceError> {
        self.read::<A>(aggregate_id, 0).await
    }

    async fn get_last_events<A: Aggregate>(
        &self,
        aggregate_id: &str,
        last_sequence: usize,
    ) -> Result<Vec<SerializedEvent>, PersistenceError> {
        self.read::<A>(aggregate_id, last_sequence as u64).await
    }

    async fn get_snapshot<A: Aggregate>(
        &self,
        _aggregate_id: &str,
    ) -> Result<Option<SerializedSnapshot>, PersistenceError> {
        Ok(None)
    }

    async fn persist<A: Aggregate>(
        &self,
        events: &[SerializedEvent],
        _snapshot_update: Option<(String, Value, usize)>,
    ) -> Result<(), PersistenceError> {
        if events.is_empty() {
            return Ok(());
        }
        let request = self.request::<A>(events)?;
        self.store.append(request).await.map_err(from_store)?;
        Ok(())
    }

    async fn stream_events<A: Aggregate>(
        &self,
        aggregate_id: &str,
    ) -> Result<ReplayStream, PersistenceError> {
        let events = self.read::<A>(aggregate_id, 0).await?;
        let (mut feed, stream) = ReplayStream::new(self.batch);
        tokio::spawn(async move {
            for event in events {
                if feed.push(Ok(event)).await.is_err() {
                    return;
                }
            }
        });
        Ok(stream)
    }

    async fn stream_all_events<A: Aggregate>(&self) -> Result<ReplayStream, PersistenceError> {
        let (mut feed, stream) = ReplayStream::new(self.batch);
        let store = self.store.clone();
        let batch = self.batch;
        let aggregate_type = A::TYPE;
        tokio::spawn(async move {
            let mut log = log_stream(&*store, 1, batch);
            while let Some(item) = log.next().await {
                let item = match item {
                    Ok(e) if e.stream.aggregate_type == aggregate_type => Self::to_serialized(e),
                    Ok(_) => continue,
                    Err(e) => Err(from_store(e)),
                };
                if feed.push(item).await.is_err() {
                    return;
                }
            }
        });
        Ok(stream)
    }
}
