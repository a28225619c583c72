//! Canonical encoding of events and the SHA-256 hash chain.
//!
//! The byte layout is specified in `docs/event-store.md` so that an auditor can re-implement it
//! without this crate. Every event's hash is `SHA-256(previous hash || encode(event))`, where the
//! previous hash of the first event is 32 zero bytes.

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

pub use crate::canonical::canonical_json;
use crate::types::RecordedEvent;

/// First field of every encoding; changes if the layout ever changes.
pub const DOMAIN_TAG: &[u8] = b"govshare/event/v1";

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
/// the previous event's hash.
pub fn recompute_hash(prev: &[u8; 32], event: &RecordedEvent) -> [u8; 32] {
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
    }
    .chain_hash(prev)
}

/// RFC 3339 in UTC with exactly nine fractional digits and a `Z` suffix,
/// e.g. `2024-03-01T08:30:00.000000000Z`.
pub fn format_timestamp(at: &DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%S%.9fZ").to_string()
}
