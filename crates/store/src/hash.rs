//! Canonical encoding of events and the SHA-256 hash chain.
//!
//! The byte layout is specified in `docs/event-store.md` so that an auditor can re-implement it
//! without this crate. Every event's hash is `SHA-256(previous hash || encode(event))`, where the
//! previous hash of the first event is 32 zero bytes. When the append recorded its command, the
//! encoding of each of its events ends with the command's digest ([`CommandInput::digest`]).

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

pub use crate::canonical::canonical_json;
use crate::types::{CommandRecord, RecordedEvent};

/// First field of every encoding; changes if the layout ever changes.
pub const DOMAIN_TAG: &[u8] = b"govshare/event/v1";

/// First field of the encoding of a command ([`CommandInput::encode`]).
pub const COMMAND_DOMAIN_TAG: &[u8] = b"govshare/command/v1";

/// The previous hash of the first event.
pub const GENESIS_HASH: [u8; 32] = [0; 32];

/// Every field of one event, as stored, borrowed for hashing.
#[derive(Clone, Copy, Debug)]
pub struct HashInput<'a> {
    /// Global position.
    pub position: u64,
    /// Aggregate type of the stream.
    pub aggregate_type: &'a str,
    /// Aggregate id of the stream.
    pub aggregate_id: &'a str,
    /// Sequence within the stream.
    pub sequence: u64,
    /// Event type.
    pub event_type: &'a str,
    /// Payload schema version.
    pub schema_version: u32,
    /// Canonical JSON text of the payload, exactly as stored.
    pub payload: &'a str,
    /// Event id (16 bytes, RFC 4122 byte order).
    pub event_id: &'a [u8],
    /// Command id.
    pub command_id: &'a [u8],
    /// Correlation id.
    pub correlation_id: &'a [u8],
    /// Causation id, if any.
    pub causation_id: Option<&'a [u8]>,
    /// Actor department.
    pub department: &'a str,
    /// Actor person.
    pub person: &'a str,
    /// Actor role.
    pub role: &'a str,
    /// Rule set (id, version), if any.
    pub rule_set: Option<(&'a str, &'a str)>,
    /// RFC 3339 text of the recording instant (see [`format_timestamp`]).
    pub recorded_at: &'a str,
    /// Digest of the append's command ([`CommandInput::digest`]), if the append recorded one.
    /// Absent, the encoding is exactly the 17 fields it had before commands were recorded.
    pub command_digest: Option<&'a [u8; 32]>,
}

fn field(out: &mut Vec<u8>, bytes: &[u8]) {
    out.extend_from_slice(&(bytes.len() as u64).to_be_bytes());
    out.extend_from_slice(bytes);
}

impl HashInput<'_> {
    /// The canonical, length-prefixed encoding of the event.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(
            256 + self.payload.len() + self.aggregate_id.len() + self.event_type.len(),
        );
        field(&mut out, DOMAIN_TAG);
        field(&mut out, &self.position.to_be_bytes());
        field(&mut out, self.aggregate_type.as_bytes());
        field(&mut out, self.aggregate_id.as_bytes());
        field(&mut out, &self.sequence.to_be_bytes());
        field(&mut out, self.event_type.as_bytes());
        field(&mut out, &self.schema_version.to_be_bytes());
        field(&mut out, self.payload.as_bytes());
        field(&mut out, self.event_id);
        field(&mut out, self.command_id);
        field(&mut out, self.correlation_id);
        field(&mut out, self.causation_id.unwrap_or(&[]));
        field(&mut out, self.department.as_bytes());
        field(&mut out, self.person.as_bytes());
        field(&mut out, self.role.as_bytes());
        match self.rule_set {
            None => field(&mut out, &[]),
            Some((id, version)) => {
                let mut nested = Vec::with_capacity(16 + id.len() + version.len());
                field(&mut nested, id.as_bytes());
                field(&mut nested, version.as_bytes());
                field(&mut out, &nested);
            }
        }
        field(&mut out, self.recorded_at.as_bytes());
        if let Some(digest) = self.command_digest {
            field(&mut out, digest);
        }
        out
    }

    /// `SHA-256(prev || self.encode())`.
    pub fn chain_hash(&self, prev: &[u8; 32]) -> [u8; 32] {
        let mut hasher = Sha256::new();
        hasher.update(prev);
        hasher.update(self.encode());
        hasher.finalize().into()
    }
}

/// Recomputes the chain hash of a recorded event from its fields (the payload as stored), given
/// the previous event's hash, for an event whose append recorded no command. For the events of an
/// append with a command, see [`recompute_hash_with_command`].
pub fn recompute_hash(prev: &[u8; 32], event: &RecordedEvent) -> [u8; 32] {
    recompute_hash_with_command(prev, event, None)
}

/// Recomputes the chain hash of a recorded event, given the previous event's hash and the digest
/// of its append's command (`None` when the append recorded no command; see [`command_digest`]).
pub fn recompute_hash_with_command(
    prev: &[u8; 32],
    event: &RecordedEvent,
    command_digest: Option<&[u8; 32]>,
) -> [u8; 32] {
    let recorded_at = format_timestamp(&event.recorded_at);
    let m = &event.metadata;
    let causation = m.causation_id;
    HashInput {
        position: event.position,
        aggregate_type: &event.stream.aggregate_type,
        aggregate_id: &event.stream.aggregate_id,
        sequence: event.sequence,
        event_type: &event.event_type,
        schema_version: event.schema_version,
        payload: event.payload.as_str(),
        event_id: m.event_id.as_bytes(),
        command_id: m.command_id.as_bytes(),
        correlation_id: m.correlation_id.as_bytes(),
        causation_id: causation.as_ref().map(|c| &c.as_bytes()[..]),
        department: &m.actor.department,
        person: &m.actor.person,
        role: &m.actor.role,
        rule_set: m
            .rule_set
            .as_ref()
            .map(|r| (r.id.as_str(), r.version.as_str())),
        recorded_at: &recorded_at,
        command_digest,
    }
    .chain_hash(prev)
}

/// Every field of a recorded command, as stored, borrowed for hashing.
#[derive(Clone, Copy, Debug)]
pub struct CommandInput<'a> {
    /// Command type.
    pub command_type: &'a str,
    /// Schema version of the command body.
    pub schema_version: u32,
    /// Canonical JSON text of the command body, exactly as stored.
    pub payload: &'a str,
    /// RFC 3339 text of the instant the decision used as "now" (see [`format_timestamp`]).
    pub issued_at: &'a str,
    /// Command id (16 bytes, RFC 4122 byte order).
    pub command_id: &'a [u8],
}

impl CommandInput<'_> {
    /// The canonical, length-prefixed encoding of the command.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(
            128 + self.command_type.len() + self.payload.len() + self.issued_at.len(),
        );
        field(&mut out, COMMAND_DOMAIN_TAG);
        field(&mut out, self.command_type.as_bytes());
        field(&mut out, &self.schema_version.to_be_bytes());
        field(&mut out, self.payload.as_bytes());
        field(&mut out, self.issued_at.as_bytes());
        field(&mut out, self.command_id);
        out
    }

    /// `SHA-256(self.encode())`: what the hash of each event of the append includes.
    pub fn digest(&self) -> [u8; 32] {
        Sha256::digest(self.encode()).into()
    }
}

/// The digest of a command as [`crate::EventStore::append`] records it: its payload
/// canonicalised and `issued_at` formatted by [`format_timestamp`].
pub fn command_digest(command_id: &uuid::Uuid, command: &CommandRecord) -> [u8; 32] {
    let payload = canonical_json(&command.payload);
    let issued_at = format_timestamp(&command.issued_at);
    CommandInput {
        command_type: &command.command_type,
        schema_version: command.schema_version,
        payload: &payload,
        issued_at: &issued_at,
        command_id: command_id.as_bytes(),
    }
    .digest()
}

/// RFC 3339 in UTC with exactly nine fractional digits and a `Z` suffix,
/// e.g. `2024-03-01T08:30:00.000000000Z`.
pub fn format_timestamp(at: &DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%S%.9fZ").to_string()
}
