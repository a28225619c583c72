//! The codec between govshare's domain and the event store's records.
//!
//! The store keeps JSON payloads and knows no aggregate; the domain knows no storage. This crate is the one
//! place that says how one becomes the other, so that the engine (which writes), the projections and the
//! audit (which read) agree without depending on each other:
//!
//! - the registry of aggregate kinds ([`Kind`], [`KINDS`]): the stream's aggregate type, the state version
//!   of snapshots, the schema version of each event and command, and the upcasters of older payloads;
//! - [`encode_event`] / [`decode_event`]: a domain event is stored under its variant name (`event_type`) with
//!   the variant's body as payload, so the payload of `ShareApplicationSubmitted` is the
//!   `ShareApplicationSubmitted` struct and nothing else;
//! - [`encode_command`] / [`decode_command`]: the command that produced an append is stored with it
//!   (`ShareApplication.SubmitShareApplication`), together with the resolved actor, the rule set and the
//!   calendar in force ([`CommandContext`]), so that an auditor can re-run the decision years later;
//! - [`store_actor`] / [`store_rule_set`]: the domain's actor and rule-set reference as the store's metadata.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

mod kinds;

use cqrs_es::DomainEvent;
use govshare_domain::{Actor, CommandEnvelope, Decide, RuleSetRef};
use govshare_store::{CommandRecord, RecordedEvent, StreamId, Upcasters};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use thiserror::Error;

pub use kinds::KINDS;

/// Why a record could not be encoded or decoded.
#[derive(Debug, Error)]
pub enum CodecError {
    /// A domain value did not serialize as an externally tagged enum of one variant.
    #[error("{what} of {kind} does not encode as one tagged variant")]
    NotTagged {
        /// Aggregate kind.
        kind: &'static str,
        /// `event` or `command`.
        what: &'static str,
    },
    /// The serialized variant name differs from the event's declared type.
    #[error("event of {kind} serializes as {serialized} but declares type {declared}")]
    TypeMismatch {
        /// Aggregate kind.
        kind: &'static str,
        /// Variant name from serde.
        serialized: String,
        /// `DomainEvent::event_type`.
        declared: String,
    },
    /// A stored record belongs to another aggregate kind.
    #[error("record of {found} read as {expected}")]
    WrongKind {
        /// The kind asked for.
        expected: &'static str,
        /// The kind stored.
        found: String,
    },
    /// A stored command's type names another command than its body holds.
    #[error("command record {declared} holds the body of {encoded}")]
    CommandTypeMismatch {
        /// The record's `command_type`.
        declared: String,
        /// The type its body encodes as (`Kind.Variant`).
        encoded: String,
    },
    /// A stored payload does not decode into the domain type.
    #[error("position {position}: {event_type} does not decode: {source}")]
    Decode {
        /// Position of the event (0 for a command).
        position: u64,
        /// Stored type name.
        event_type: String,
        /// The JSON error.
        source: serde_json::Error,
    },
    /// Serialization failed.
    #[error("encoding failed: {0}")]
    Encode(#[from] serde_json::Error),
    /// An upcaster refused a stored payload.
    #[error("upcasting failed: {0}")]
    Upcast(String),
}

/// An aggregate kind as the store knows it: the domain aggregate plus the facts of its stored form.
///
/// Implemented for every aggregate of `govshare-domain` (see [`KINDS`]).
pub trait Kind: Decide + Serialize + DeserializeOwned + Send + Sync + 'static
where
    Self::Body: Serialize + DeserializeOwned + Clone + Send + Sync,
{
    /// Version of the serialized state; a snapshot of another version is ignored and the aggregate is
    /// rebuilt from its events. Bump it whenever the state's fields change.
    const STATE_VERSION: u32;

    /// Schema version of the command bodies.
    const COMMAND_SCHEMA_VERSION: u32 = 1;

    /// Current schema version of an event type (1 until a payload changes shape; then an upcaster
    /// lifts the older versions, see [`Kind::upcasters`]).
    fn event_schema_version(_event_type: &str) -> u32 {
        1
    }

    /// Upcasters from older payload versions to the current ones.
    fn upcasters() -> Upcasters {
        Upcasters::new()
    }

    /// The stream of aggregate `id`.
    fn stream(id: &str) -> StreamId {
        StreamId::new(<Self as cqrs_es::Aggregate>::TYPE, id)
    }
}

/// An encoded event, ready for the store.
#[derive(Debug, Clone, PartialEq)]
pub struct EncodedEvent {
    /// The variant name, e.g. `ShareApplicationSubmitted`.
    pub event_type: String,
    /// Its schema version.
    pub schema_version: u32,
    /// The variant's body.
    pub payload: Value,
}

fn untag(
    value: Value,
    kind: &'static str,
    what: &'static str,
) -> Result<(String, Value), CodecError> {
    match value {
        Value::Object(map) if map.len() == 1 => map
            .into_iter()
            .next()
            .ok_or(CodecError::NotTagged { kind, what }),
        // A unit variant serializes as its name.
        Value::String(name) => Ok((name, Value::Null)),
        _ => Err(CodecError::NotTagged { kind, what }),
    }
}

fn tag(name: &str, payload: Value) -> Value {
    if payload.is_null() {
        return Value::String(name.to_owned());
    }
    let mut map = Map::with_capacity(1);
    map.insert(name.to_owned(), payload);
    Value::Object(map)
}

/// Encodes a domain event of kind `A`.
pub fn encode_event<A: Kind>(event: &A::Event) -> Result<EncodedEvent, CodecError>
where
    A::Body: Serialize + DeserializeOwned + Clone + Send + Sync,
{
    let (name, payload) = untag(serde_json::to_value(event)?, A::TYPE, "event")?;
    let declared = event.event_type();
    if name != declared {
        return Err(CodecError::TypeMismatch {
            kind: A::TYPE,
            serialized: name,
            declared,
        });
    }
    Ok(EncodedEvent {
        schema_version: A::event_schema_version(&name),
        event_type: name,
        payload,
    })
}

/// Decodes a stored event of kind `A`, upcasting older payloads with `upcasters` (normally
/// [`Kind::upcasters`], built once by the caller).
pub fn decode_event<A: Kind>(
    record: &RecordedEvent,
    upcasters: &Upcasters,
) -> Result<A::Event, CodecError>
where
    A::Body: Serialize + DeserializeOwned + Clone + Send + Sync,
{
    if record.stream.aggregate_type != A::TYPE {
        return Err(CodecError::WrongKind {
            expected: A::TYPE,
            found: record.stream.aggregate_type.clone(),
        });
    }
    let decode_err = |source| CodecError::Decode {
        position: record.position,
        event_type: record.event_type.clone(),
        source,
    };
    let upcasted = upcasters
        .upcast_event(record)
        .map_err(|e| CodecError::Upcast(e.to_string()))?;
    let payload = upcasted.payload;
    serde_json::from_value(tag(&upcasted.event_type, payload)).map_err(decode_err)
}

/// What a decision consulted besides state and command: recorded with the command so that a re-run uses
/// the same inputs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommandContext {
    /// The actor as the engine resolved it from the registry (department, kind, region, level, role).
    pub actor: Actor,
    /// The rule set in force.
    pub rule_set: RuleSetRef,
    /// The calendar in force: the years with an official arrangement, and a digest of any extra
    /// arrangement files loaded.
    pub calendar: CalendarRef,
    /// SHA-256 (hex) of the canonical JSON of the 第十二条 category assignments in force, when any were
    /// configured: catalog decisions depend on them (AUTH-11), so a re-run must be given the same ones.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub categories: Option<String>,
    /// SHA-256 (hex) of the caller's request as it arrived, before the engine resolved any fact: a retried
    /// command id is recognised as the same command by it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_digest: Option<String>,
}

/// Which working-day calendar a decision counted on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CalendarRef {
    /// First and last year with a published arrangement.
    pub years: (i32, i32),
    /// SHA-256 (hex) of each extra arrangement file, in load order; empty for the shipped calendar.
    pub extra: Vec<String>,
}

/// A stored command's payload: the body and its context.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredCommand<B> {
    /// The command body (externally tagged: `{"SubmitShareApplication": {…}}`).
    pub body: B,
    /// Actor, rule set and calendar.
    pub context: CommandContext,
}

/// The store's record of a command of kind `A`.
pub fn encode_command<A: Kind>(
    envelope: &CommandEnvelope<A::Body>,
    context: &CommandContext,
) -> Result<CommandRecord, CodecError>
where
    A::Body: Serialize + DeserializeOwned + Clone + Send + Sync,
{
    let body = serde_json::to_value(&envelope.body)?;
    let (name, _) = untag(body.clone(), A::TYPE, "command")?;
    let payload = serde_json::to_value(StoredCommand {
        body,
        context: context.clone(),
    })?;
    Ok(CommandRecord {
        command_type: format!("{}.{name}", A::TYPE),
        schema_version: A::COMMAND_SCHEMA_VERSION,
        payload,
        issued_at: envelope.at,
    })
}

/// The envelope and context of a stored command of kind `A`.
pub fn decode_command<A: Kind>(
    record: &CommandRecord,
) -> Result<(CommandEnvelope<A::Body>, CommandContext), CodecError>
where
    A::Body: Serialize + DeserializeOwned + Clone + Send + Sync,
{
    let prefix = format!("{}.", A::TYPE);
    if !record.command_type.starts_with(&prefix) {
        return Err(CodecError::WrongKind {
            expected: A::TYPE,
            found: record.command_type.clone(),
        });
    }
    let stored: StoredCommand<A::Body> =
        serde_json::from_value(record.payload.clone()).map_err(|source| CodecError::Decode {
            position: 0,
            event_type: record.command_type.clone(),
            source,
        })?;
    // The type is stored beside the body: a record whose type names another command is not this one's.
    let (name, _) = untag(serde_json::to_value(&stored.body)?, A::TYPE, "command")?;
    let encoded = format!("{}.{name}", A::TYPE);
    if record.command_type != encoded {
        return Err(CodecError::CommandTypeMismatch {
            declared: record.command_type.clone(),
            encoded,
        });
    }
    let envelope =
        CommandEnvelope::new(stored.context.actor.clone(), record.issued_at, stored.body);
    Ok((envelope, stored.context))
}

/// The domain's actor as the store's event metadata (department code, person, role).
pub fn store_actor(actor: &Actor) -> govshare_store::Actor {
    govshare_store::Actor {
        department: actor.department.code.as_str().to_owned(),
        person: actor.person.0.clone(),
        role: role_name(actor),
    }
}

fn role_name(actor: &Actor) -> String {
    match serde_json::to_value(actor.role) {
        Ok(Value::String(s)) => s,
        _ => format!("{:?}", actor.role).to_lowercase(),
    }
}

/// The domain's rule-set reference as the store's.
pub fn store_rule_set(rule_set: &RuleSetRef) -> govshare_store::RuleSetRef {
    govshare_store::RuleSetRef {
        id: rule_set.id.clone(),
        version: rule_set.version.to_string(),
    }
}
