//! Plain data types of the event log.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Position of an event in the global log. The first event has position 1; 0 means "before the
/// first event".
pub type Position = u64;

/// Identity of one stream: the events of one aggregate instance.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct StreamId {
    /// Aggregate type, e.g. `"SharingRequest"`.
    pub aggregate_type: String,
    /// Aggregate identifier, unique within its type.
    pub aggregate_id: String,
}

impl StreamId {
    /// Builds a stream id.
    pub fn new(aggregate_type: impl Into<String>, aggregate_id: impl Into<String>) -> Self {
        Self {
            aggregate_type: aggregate_type.into(),
            aggregate_id: aggregate_id.into(),
        }
    }
}

impl fmt::Display for StreamId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.aggregate_type, self.aggregate_id)
    }
}

/// Who caused an event: the legal actor on whose authority data was shared.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    /// Department (government body) acting.
    pub department: String,
    /// Person acting for the department.
    pub person: String,
    /// Role under which the person acted.
    pub role: String,
}

/// Reference to the rule set (regulation version) an event was decided under.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleSetRef {
    /// Rule-set identifier.
    pub id: String,
    /// Rule-set version.
    pub version: String,
}

/// Metadata recorded with every event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventMetadata {
    /// Unique identity of this event.
    pub event_id: Uuid,
    /// The command that produced this event; equal for all events of one append.
    pub command_id: Uuid,
    /// Correlates all events of one business transaction.
    pub correlation_id: Uuid,
    /// The event or message that caused the command, if any.
    pub causation_id: Option<Uuid>,
    /// The acting department, person and role. Every field must be non-blank.
    pub actor: Actor,
    /// The rule set the decision was taken under, if any.
    pub rule_set: Option<RuleSetRef>,
}

/// An event to append.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NewEvent {
    /// Event type name, e.g. `"RequestSubmitted"`.
    pub event_type: String,
    /// Version of the payload schema of this event type.
    pub schema_version: u32,
    /// Event body.
    pub payload: serde_json::Value,
    /// Identity, causality and actor.
    pub metadata: EventMetadata,
}

/// What the appender believes the stream's current version to be.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ExpectedVersion {
    /// No check.
    Any,
    /// The stream must not have any event yet.
    NoStream,
    /// The stream's last sequence must be exactly this (0 is the same as `NoStream`).
    Exact(u64),
}

/// The command that produced an append, recorded with its events and covered by their hashes
/// (see the command digest in `docs/event-store.md`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CommandRecord {
    /// e.g. "ShareApplication.SubmitShareApplication"
    pub command_type: String,
    /// Version of the command body's schema.
    pub schema_version: u32,
    /// The command body as JSON (stored as canonical JSON text).
    pub payload: serde_json::Value,
    /// The instant the decision used as "now" (the command envelope's instant).
    pub issued_at: DateTime<Utc>,
}

/// All events produced by one command, appended atomically to one stream.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AppendRequest {
    /// Target stream.
    pub stream: StreamId,
    /// Optimistic concurrency check.
    pub expected_version: ExpectedVersion,
    /// Idempotency key: a retried command id appends nothing and returns the original outcome.
    pub command_id: Uuid,
    /// Time of recording, from the engine's clock. The store never reads a clock itself.
    pub recorded_at: DateTime<Utc>,
    /// The command itself, stored in the same transaction as the events and included in the
    /// hash of every one of them. `None` records only the command id.
    #[serde(default)]
    pub command: Option<CommandRecord>,
    /// At least one event.
    pub events: Vec<NewEvent>,
}

/// What the log holds about one appended command (see [`crate::EventStore::read_command`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RecordedCommand {
    /// The command id (the idempotency key).
    pub command_id: Uuid,
    /// The stream its events were appended to.
    pub stream: StreamId,
    /// Position of its first event.
    pub first_position: Position,
    /// Position of its last event.
    pub last_position: Position,
    /// The stream's version right after the append.
    pub stream_version: u64,
    /// The command as appended, if the append recorded it.
    pub command: Option<CommandRecord>,
}

/// Result of a successful append.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppendOutcome {
    /// Global position of the first appended event.
    pub first_position: Position,
    /// Global position of the last appended event.
    pub last_position: Position,
    /// The stream's version (last sequence) right after this append.
    pub stream_version: u64,
    /// True when the command id had already been appended and nothing new was written.
    pub deduplicated: bool,
}

/// An event as stored in the log.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RecordedEvent {
    /// Global position, dense and in commit order.
    pub position: Position,
    /// Stream the event belongs to.
    pub stream: StreamId,
    /// Sequence within the stream, starting at 1.
    pub sequence: u64,
    /// Event type name.
    pub event_type: String,
    /// Payload schema version as stored (before any upcasting).
    pub schema_version: u32,
    /// Payload as stored (canonical JSON text, decoded on demand).
    pub payload: Payload,
    /// Metadata.
    pub metadata: EventMetadata,
    /// Time of recording (UTC).
    pub recorded_at: DateTime<Utc>,
    /// Chain hash of this event (see `docs/event-store.md`).
    #[serde(with = "hex_hash")]
    pub hash: [u8; 32],
}

/// A (position, hash) pair an auditor keeps outside the store. Verifying the log against it later
/// detects truncation and rewriting of everything up to that position.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Checkpoint {
    /// Position of the last event covered (0 for the empty log).
    pub position: Position,
    /// Chain hash at that position (32 zero bytes for the empty log).
    #[serde(with = "hex_hash")]
    pub hash: [u8; 32],
}

impl Checkpoint {
    /// The checkpoint of an empty log.
    pub const GENESIS: Checkpoint = Checkpoint {
        position: 0,
        hash: [0; 32],
    };
}

/// An event payload as stored: canonical JSON text, exactly the bytes the hash covers.
///
/// Kept as text so that reading the log does not build a JSON tree per event; decode it with
/// [`Payload::to_value`] or straight into a domain type with [`Payload::deserialize`].
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Payload(String);

impl Payload {
    /// The canonical encoding of a JSON value.
    pub fn from_value(value: &serde_json::Value) -> Self {
        Self(crate::canonical::canonical_json(value))
    }

    /// Wraps stored text without checking it.
    pub(crate) fn from_stored(text: String) -> Self {
        Self(text)
    }

    /// The stored text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Decodes into a JSON value.
    pub fn to_value(&self) -> Result<serde_json::Value, serde_json::Error> {
        serde_json::from_str(&self.0)
    }

    /// Decodes into any deserializable type.
    pub fn deserialize<T: serde::de::DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        serde_json::from_str(&self.0)
    }
}

impl fmt::Debug for Payload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for Payload {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let raw = serde_json::value::RawValue::from_string(self.0.clone())
            .map_err(serde::ser::Error::custom)?;
        raw.serialize(s)
    }
}

impl<'de> Deserialize<'de> for Payload {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let value = serde_json::Value::deserialize(d)?;
        Ok(Self::from_value(&value))
    }
}

/// Bounds for reading one stream.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StreamRead {
    /// Only events with a sequence strictly greater than this (0 reads from the start).
    pub after_sequence: u64,
    /// Only events at or before this global position.
    pub up_to_position: Option<Position>,
    /// Only events recorded at or before this instant.
    pub up_to_instant: Option<DateTime<Utc>>,
}

impl StreamRead {
    /// Reads the whole stream.
    pub fn all() -> Self {
        Self::default()
    }
}

/// Result of a successful verification.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VerifyReport {
    /// First position checked.
    pub from: Position,
    /// Last position checked (`from - 1` when the range was empty).
    pub to: Position,
    /// Chain hash at `to`.
    pub last_hash: [u8; 32],
}

/// A stored snapshot of an aggregate's state after `sequence` events of its stream.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    /// Stream the snapshot summarises.
    pub stream: StreamId,
    /// Sequence of the last event folded into `state`.
    pub sequence: u64,
    /// Version of the state's serialized form; a snapshot whose version differs from what the
    /// reader expects is ignored and the aggregate is rebuilt from events.
    pub state_version: u32,
    /// Serialized aggregate state.
    pub state: serde_json::Value,
}

mod hex_hash {
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    pub fn serialize<S: Serializer>(hash: &[u8; 32], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hex::encode(hash))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<[u8; 32], D::Error> {
        let text = String::deserialize(d)?;
        let mut out = [0u8; 32];
        hex::decode_to_slice(text, &mut out).map_err(D::Error::custom)?;
        Ok(out)
    }
}
