//! Validation of append requests and planning of a group commit, shared by both backends.
//!
//! A backend's writer collects the pending appends, looks up what the database already holds
//! about them (command ids, stream versions, event ids) while holding the write lock, and lets
//! [`plan_batch`] decide, append by append and in arrival order, which succeed, their positions,
//! sequences and chain hashes. The writer then inserts the accepted rows in one transaction.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::canonical::canonical_json;
use crate::commands::Tamper;
use crate::error::{Result, StoreError};
use crate::hash::{CommandInput, HashInput, format_timestamp};
use crate::types::{
    AppendOutcome, AppendRequest, Checkpoint, CommandRecord, EventMetadata, ExpectedVersion,
    Position, StreamId,
};

/// Limits and tuning of a store.
#[derive(Clone, Debug)]
pub struct StoreConfig {
    /// Largest canonical payload accepted, in bytes.
    pub max_payload_bytes: usize,
    /// Most appends committed together in one transaction.
    pub max_batch: usize,
    /// Read connections kept open (SQLite) or pooled (PostgreSQL).
    pub read_connections: u32,
}

impl Default for StoreConfig {
    fn default() -> Self {
        Self {
            max_payload_bytes: 1024 * 1024,
            max_batch: 512,
            read_connections: 4,
        }
    }
}

/// An event whose payload has been canonicalised.
#[derive(Debug)]
pub(crate) struct PreparedEvent {
    pub event_type: String,
    pub schema_version: u32,
    pub payload: String,
    pub metadata: EventMetadata,
}

/// A validated command record, its body canonicalised and its digest computed.
#[derive(Debug)]
pub(crate) struct PreparedCommand {
    pub command_type: String,
    pub schema_version: u32,
    pub payload: String,
    pub issued_at_ns: i64,
    pub digest: [u8; 32],
}

/// A validated append request.
#[derive(Debug)]
pub(crate) struct PreparedAppend {
    pub stream: StreamId,
    pub expected: ExpectedVersion,
    pub command_id: Uuid,
    pub recorded_at_ns: i64,
    pub recorded_at: String,
    pub command: Option<PreparedCommand>,
    pub events: Vec<PreparedEvent>,
}

/// The outcome of an appended command, as its record gives it.
#[derive(Clone, Debug)]
pub(crate) struct KnownCommand {
    pub first_position: Position,
    pub last_position: Position,
    pub stream_version: u64,
}

/// Empty, or nothing but white space and characters that print as nothing: zero-width space,
/// non-joiner and joiner (U+200B–U+200D), word joiner (U+2060) and the other invisible operators
/// (U+2061–U+2064), the byte-order mark / zero-width no-break space (U+FEFF), soft hyphen
/// (U+00AD), Mongolian vowel separator (U+180E), the direction marks and controls (U+200E,
/// U+200F, U+202A–U+202E, U+2066–U+2069, U+061C), combining grapheme joiner (U+034F) and the
/// Hangul fillers (U+115F, U+1160, U+3164, U+FFA0).
fn blank(s: &str) -> bool {
    s.chars().all(|c| c.is_whitespace() || invisible(c))
}

fn invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{034F}'
            | '\u{061C}'
            | '\u{115F}'
            | '\u{1160}'
            | '\u{180E}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{2069}'
            | '\u{3164}'
            | '\u{FEFF}'
            | '\u{FFA0}'
    )
}

/// Converts an instant to the stored nanosecond count, refusing instants it cannot represent.
pub(crate) fn to_nanos(at: &DateTime<Utc>) -> Result<i64> {
    at.timestamp_nanos_opt()
        .ok_or_else(|| StoreError::InvalidEvent(format!("recorded_at {at} is outside 1677..2262")))
}

/// Validates a request and canonicalises its payloads. Runs on the caller's task, not the writer.
pub(crate) fn prepare(req: AppendRequest, config: &StoreConfig) -> Result<PreparedAppend> {
    if req.events.is_empty() {
        return Err(StoreError::InvalidEvent(
            "an append needs at least one event".into(),
        ));
    }
    if blank(&req.stream.aggregate_type) || blank(&req.stream.aggregate_id) {
        return Err(StoreError::InvalidEvent(
            "stream id has an empty part".into(),
        ));
    }
    let recorded_at_ns = to_nanos(&req.recorded_at)?;
    // Derive the text from the stored nanoseconds so that hashing at append and at verify agree.
    let recorded_at = format_timestamp(&DateTime::from_timestamp_nanos(recorded_at_ns));
    let mut ids = HashSet::with_capacity(req.events.len());
    let mut events = Vec::with_capacity(req.events.len());
    for event in req.events {
        let actor = &event.metadata.actor;
        if blank(&actor.department) {
            return Err(StoreError::MissingActor {
                field: "department",
            });
        }
        if blank(&actor.person) {
            return Err(StoreError::MissingActor { field: "person" });
        }
        if blank(&actor.role) {
            return Err(StoreError::MissingActor { field: "role" });
        }
        if blank(&event.event_type) {
            return Err(StoreError::InvalidEvent("empty event type".into()));
        }
        if event.metadata.command_id != req.command_id {
            return Err(StoreError::InvalidEvent(format!(
                "event {} carries command id {} but the append is for {}",
                event.metadata.event_id, event.metadata.command_id, req.command_id
            )));
        }
        if !ids.insert(event.metadata.event_id) {
            return Err(StoreError::DuplicateEventId(event.metadata.event_id));
        }
        let payload = canonical_json(&event.payload);
        if payload.len() > config.max_payload_bytes {
            return Err(StoreError::PayloadTooLarge {
                size: payload.len(),
                limit: config.max_payload_bytes,
            });
        }
        events.push(PreparedEvent {
            event_type: event.event_type,
            schema_version: event.schema_version,
            payload,
            metadata: event.metadata,
        });
    }
    let command = req
        .command
        .map(|c| prepare_command(c, &req.command_id, config))
        .transpose()?;
    Ok(PreparedAppend {
        stream: req.stream,
        expected: req.expected_version,
        command_id: req.command_id,
        recorded_at_ns,
        recorded_at,
        command,
        events,
    })
}

fn prepare_command(
    command: CommandRecord,
    command_id: &Uuid,
    config: &StoreConfig,
) -> Result<PreparedCommand> {
    if blank(&command.command_type) {
        return Err(StoreError::InvalidCommand("blank command type".into()));
    }
    let payload = canonical_json(&command.payload);
    if payload.len() > config.max_payload_bytes {
        return Err(StoreError::PayloadTooLarge {
            size: payload.len(),
            limit: config.max_payload_bytes,
        });
    }
    let issued_at_ns = command.issued_at.timestamp_nanos_opt().ok_or_else(|| {
        StoreError::InvalidCommand(format!(
            "issued_at {} is outside 1677..2262",
            command.issued_at
        ))
    })?;
    // Like `recorded_at`, hashed as the text of the stored nanoseconds.
    let issued_at = format_timestamp(&DateTime::from_timestamp_nanos(issued_at_ns));
    let digest = CommandInput {
        command_type: &command.command_type,
        schema_version: command.schema_version,
        payload: &payload,
        issued_at: &issued_at,
        command_id: command_id.as_bytes(),
    }
    .digest();
    Ok(PreparedCommand {
        command_type: command.command_type,
        schema_version: command.schema_version,
        payload,
        issued_at_ns,
        digest,
    })
}

/// The keys a writer must look up before planning.
#[derive(Debug, Default)]
pub(crate) struct Keys {
    pub command_ids: Vec<Uuid>,
    pub streams: Vec<StreamId>,
    pub event_ids: Vec<Uuid>,
}

pub(crate) fn keys<'a>(jobs: impl IntoIterator<Item = &'a PreparedAppend>) -> Keys {
    let mut keys = Keys::default();
    let mut seen_streams = HashSet::new();
    for job in jobs {
        keys.command_ids.push(job.command_id);
        if seen_streams.insert(&job.stream) {
            keys.streams.push(job.stream.clone());
        }
        keys.event_ids
            .extend(job.events.iter().map(|e| e.metadata.event_id));
    }
    keys
}

/// What the database holds about the keys of a batch.
#[derive(Debug, Default)]
pub(crate) struct Lookups {
    /// Already appended commands among the batch's command ids, each with its record checked
    /// against the events it points at (see [`crate::commands`]); a forged record is an error.
    pub commands: HashMap<Uuid, std::result::Result<KnownCommand, Tamper>>,
    /// Current version of each stream of the batch (absent means 0).
    pub versions: HashMap<StreamId, u64>,
    /// Event ids of the batch that are already recorded.
    pub event_ids: HashSet<Uuid>,
}

/// An append that will be written.
#[derive(Debug)]
pub(crate) struct Accepted {
    /// Index of the append in the batch.
    pub index: usize,
    pub first_position: Position,
    pub first_sequence: u64,
    pub hashes: Vec<[u8; 32]>,
    pub outcome: AppendOutcome,
}

/// Decision for a whole batch.
#[derive(Debug)]
pub(crate) struct Plan {
    /// One entry per job, in job order.
    pub results: Vec<Result<AppendOutcome>>,
    pub accepted: Vec<Accepted>,
    pub head: Checkpoint,
}

/// Decides each append of a batch in order, as if they had been committed one after another.
pub(crate) fn plan_batch(head: Checkpoint, jobs: &[PreparedAppend], lookups: &Lookups) -> Plan {
    let mut head = head;
    let mut results = Vec::with_capacity(jobs.len());
    let mut accepted = Vec::with_capacity(jobs.len());
    let mut batch_commands: HashMap<Uuid, KnownCommand> = HashMap::new();
    let mut batch_versions: HashMap<StreamId, u64> = HashMap::new();
    let mut batch_event_ids: HashSet<Uuid> = HashSet::new();

    for (index, job) in jobs.iter().enumerate() {
        let known = match batch_commands.get(&job.command_id) {
            Some(done) => Some(Ok(done)),
            None => lookups.commands.get(&job.command_id).map(|r| r.as_ref()),
        };
        match known {
            Some(Ok(done)) => {
                results.push(Ok(AppendOutcome {
                    first_position: done.first_position,
                    last_position: done.last_position,
                    stream_version: done.stream_version,
                    deduplicated: true,
                }));
                continue;
            }
            Some(Err(forged)) => {
                results.push(Err(forged.clone().into()));
                continue;
            }
            None => {}
        }
        let actual = batch_versions
            .get(&job.stream)
            .or_else(|| lookups.versions.get(&job.stream))
            .copied()
            .unwrap_or(0);
        let ok = match job.expected {
            ExpectedVersion::Any => true,
            ExpectedVersion::NoStream => actual == 0,
            ExpectedVersion::Exact(v) => actual == v,
        };
        if !ok {
            results.push(Err(StoreError::Conflict {
                stream: job.stream.clone(),
                expected: job.expected,
                actual,
            }));
            continue;
        }
        if let Some(dup) = job
            .events
            .iter()
            .map(|e| e.metadata.event_id)
            .find(|id| lookups.event_ids.contains(id) || batch_event_ids.contains(id))
        {
            results.push(Err(StoreError::DuplicateEventId(dup)));
            continue;
        }

        let first_position = head.position + 1;
        let first_sequence = actual + 1;
        let mut prev = head.hash;
        let mut hashes = Vec::with_capacity(job.events.len());
        for (i, event) in job.events.iter().enumerate() {
            let i = i as u64;
            let hash =
                hash_input(job, event, first_position + i, first_sequence + i).chain_hash(&prev);
            hashes.push(hash);
            prev = hash;
            batch_event_ids.insert(event.metadata.event_id);
        }
        let n = job.events.len() as u64;
        let outcome = AppendOutcome {
            first_position,
            last_position: first_position + n - 1,
            stream_version: actual + n,
            deduplicated: false,
        };
        head = Checkpoint {
            position: outcome.last_position,
            hash: prev,
        };
        batch_versions.insert(job.stream.clone(), outcome.stream_version);
        batch_commands.insert(
            job.command_id,
            KnownCommand {
                first_position,
                last_position: outcome.last_position,
                stream_version: outcome.stream_version,
            },
        );
        results.push(Ok(outcome));
        accepted.push(Accepted {
            index,
            first_position,
            first_sequence,
            hashes,
            outcome,
        });
    }
    Plan {
        results,
        accepted,
        head,
    }
}

fn hash_input<'a>(
    job: &'a PreparedAppend,
    event: &'a PreparedEvent,
    position: Position,
    sequence: u64,
) -> HashInput<'a> {
    let m = &event.metadata;
    HashInput {
        position,
        aggregate_type: &job.stream.aggregate_type,
        aggregate_id: &job.stream.aggregate_id,
        sequence,
        event_type: &event.event_type,
        schema_version: event.schema_version,
        payload: &event.payload,
        event_id: m.event_id.as_bytes(),
        command_id: m.command_id.as_bytes(),
        correlation_id: m.correlation_id.as_bytes(),
        causation_id: m.causation_id.as_ref().map(|c| &c.as_bytes()[..]),
        department: &m.actor.department,
        person: &m.actor.person,
        role: &m.actor.role,
        rule_set: m
            .rule_set
            .as_ref()
            .map(|r| (r.id.as_str(), r.version.as_str())),
        recorded_at: &job.recorded_at,
        command_digest: job.command.as_ref().map(|c| &c.digest),
    }
}

#[cfg(test)]
mod tests {
    use super::blank;

    #[test]
    fn invisible_characters_are_blank() {
        for s in [
            "",
            " \t\n",
            "\u{200B}",
            "\u{200C}\u{200D}",
            "\u{2060}",
            "\u{FEFF}",
            " \u{200B} \u{FEFF}\u{3000}",
            "\u{00AD}\u{202E}\u{2066}\u{3164}",
        ] {
            assert!(blank(s), "{s:?}");
        }
        for s in ["a", "\u{200B}李", "x\u{FEFF}", "0"] {
            assert!(!blank(s), "{s:?}");
        }
    }
}
