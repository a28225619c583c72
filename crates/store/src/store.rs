//! The [`EventStore`] trait and the backend-independent parts of reading and verifying.

use std::fmt;

use async_trait::async_trait;
use chrono::DateTime;
use futures::stream::{self, BoxStream, StreamExt};
use uuid::Uuid;

use crate::commands::{CommandWalk, EventKey, EventRef, StoredCommand};
use crate::error::{Result, StoreError};
use crate::hash::{GENESIS_HASH, HashInput, format_timestamp};
use crate::types::{
    Actor, AppendOutcome, AppendRequest, Checkpoint, EventMetadata, Payload, Position,
    RecordedCommand, RecordedEvent, RuleSetRef, Snapshot, StreamId, StreamRead, VerifyReport,
};

/// Events fetched per round trip by [`EventStore::verify`].
const VERIFY_BATCH: usize = 4096;

/// An append-only, hash-chained event log.
///
/// Implemented by [`crate::SqliteStore`] and [`crate::PostgresStore`]; the engine holds an
/// `Arc<dyn EventStore>` (see `govshare_store::open`).
#[async_trait]
pub trait EventStore: Send + Sync + fmt::Debug {
    /// Appends all events of one command atomically to one stream.
    ///
    /// Fails with [`StoreError::Conflict`] when the stream's version is not the expected one.
    /// A command id that was already appended appends nothing and returns the original outcome
    /// with `deduplicated: true` (even if the retried request differs). A failed append leaves
    /// nothing behind.
    async fn append(&self, request: AppendRequest) -> Result<AppendOutcome>;

    /// Reads one stream in sequence order, within the given bounds.
    async fn read_stream(&self, stream: &StreamId, read: StreamRead) -> Result<Vec<RecordedEvent>>;

    /// What the log holds about an appended command: its stream, positions, resulting stream
    /// version and, if the append recorded it, the command itself. `None` if the command id was
    /// never appended.
    ///
    /// The record is checked against the events it points at, including that their stored hashes
    /// are what the recorded command's digest gives; a record or command body that does not
    /// match fails with [`StoreError::TamperDetected`].
    async fn read_command(&self, command_id: Uuid) -> Result<Option<RecordedCommand>>;

    /// Reads at most `max` events of the global log, starting at position `from`, in position
    /// order. See [`log_stream`] for reading the whole log with bounded memory.
    async fn read_all(&self, from: Position, max: usize) -> Result<Vec<RecordedEvent>>;

    /// Position and hash of the last committed event ([`Checkpoint::GENESIS`] when empty).
    async fn head(&self) -> Result<Checkpoint>;

    /// A checkpoint for an auditor to keep outside the store: the current head.
    async fn checkpoint(&self) -> Result<Checkpoint> {
        self.head().await
    }

    /// Recomputes the hash chain over positions `from..=to` (`to` defaults to the end of the log,
    /// in which case the recorded head is checked too) and fails with
    /// [`StoreError::TamperDetected`] naming the first position whose stored data do not verify.
    async fn verify(&self, from: Position, to: Option<Position>) -> Result<VerifyReport>;

    /// Verifies the whole log and that it still contains, unchanged, the history a kept
    /// checkpoint covers. Detects truncation and rewriting (even with recomputed hashes).
    async fn verify_against(&self, checkpoint: &Checkpoint) -> Result<VerifyReport>;

    /// Stores a snapshot, replacing an older one of the same stream. Fails with
    /// [`StoreError::SnapshotAhead`] if the stream has fewer events than the snapshot covers.
    async fn save_snapshot(&self, snapshot: &Snapshot) -> Result<()>;

    /// The latest snapshot of a stream, if any.
    async fn load_snapshot(&self, stream: &StreamId) -> Result<Option<Snapshot>>;
}

/// The global log from `from` on, fetched `batch` events at a time: memory stays bounded by a
/// few batches however long the log is. The stream ends at the head as of the last fetch.
///
/// Positions are dense, so the next batch's range is known before the current one arrives; two
/// batches are fetched concurrently to overlap reading with decoding.
pub fn log_stream(
    store: &dyn EventStore,
    from: Position,
    batch: usize,
) -> BoxStream<'_, Result<RecordedEvent>> {
    let batch = batch.max(1);
    let from = from.max(1);
    stream::iter((0u64..).map(move |k| from + k * batch as u64))
        .map(move |start| async move { (start, store.read_all(start, batch).await) })
        .buffered(2)
        .scan(false, move |finished, (start, result)| {
            let item = if *finished {
                None
            } else {
                match result {
                    Err(e) => {
                        *finished = true;
                        Some(vec![Err(e)])
                    }
                    Ok(events) if events.is_empty() => None,
                    Ok(events) => {
                        // A short batch is the end of the log as of that read.
                        *finished = events.len() < batch;
                        let end = start + batch as u64;
                        Some(
                            events
                                .into_iter()
                                .take_while(|e| e.position < end)
                                .map(Ok)
                                .collect::<Vec<_>>(),
                        )
                    }
                }
            };
            futures::future::ready(item)
        })
        .flat_map(stream::iter)
        .boxed()
}

/// One stored row, columns as stored, before decoding the payload.
#[derive(Debug)]
pub(crate) struct RawEvent {
    pub position: Position,
    pub aggregate_type: String,
    pub aggregate_id: String,
    pub sequence: u64,
    pub event_type: String,
    pub schema_version: u32,
    pub payload: String,
    pub event_id: Uuid,
    pub command_id: Uuid,
    pub correlation_id: Uuid,
    pub causation_id: Option<Uuid>,
    pub department: String,
    pub person: String,
    pub role: String,
    pub rule_set: Option<(String, String)>,
    pub recorded_at_ns: i64,
    pub hash: [u8; 32],
}

impl RawEvent {
    fn chain_hash(&self, prev: &[u8; 32], command_digest: Option<&[u8; 32]>) -> [u8; 32] {
        let recorded_at = format_timestamp(&DateTime::from_timestamp_nanos(self.recorded_at_ns));
        HashInput {
            position: self.position,
            aggregate_type: &self.aggregate_type,
            aggregate_id: &self.aggregate_id,
            sequence: self.sequence,
            event_type: &self.event_type,
            schema_version: self.schema_version,
            payload: &self.payload,
            event_id: self.event_id.as_bytes(),
            command_id: self.command_id.as_bytes(),
            correlation_id: self.correlation_id.as_bytes(),
            causation_id: self.causation_id.as_ref().map(|c| &c.as_bytes()[..]),
            department: &self.department,
            person: &self.person,
            role: &self.role,
            rule_set: self
                .rule_set
                .as_ref()
                .map(|(id, version)| (id.as_str(), version.as_str())),
            recorded_at: &recorded_at,
            command_digest,
        }
        .chain_hash(prev)
    }

    fn command_key(&self) -> EventRef<'_> {
        EventRef {
            position: self.position,
            aggregate_type: &self.aggregate_type,
            aggregate_id: &self.aggregate_id,
            sequence: self.sequence,
            command_id: self.command_id,
        }
    }

    pub(crate) fn into_recorded(self) -> RecordedEvent {
        let payload = Payload::from_stored(self.payload);
        RecordedEvent {
            position: self.position,
            stream: StreamId {
                aggregate_type: self.aggregate_type,
                aggregate_id: self.aggregate_id,
            },
            sequence: self.sequence,
            event_type: self.event_type,
            schema_version: self.schema_version,
            payload,
            metadata: EventMetadata {
                event_id: self.event_id,
                command_id: self.command_id,
                correlation_id: self.correlation_id,
                causation_id: self.causation_id,
                actor: Actor {
                    department: self.department,
                    person: self.person,
                    role: self.role,
                },
                rule_set: self
                    .rule_set
                    .map(|(id, version)| RuleSetRef { id, version }),
            },
            recorded_at: DateTime::from_timestamp_nanos(self.recorded_at_ns),
            hash: self.hash,
        }
    }
}

/// Stored-data access a backend provides for verification.
#[async_trait]
pub(crate) trait RawLog: Send + Sync {
    /// Rows with `from <= position <= to`, in position order, at most `max`.
    async fn raw_range(&self, from: Position, to: Position, max: usize) -> Result<Vec<RawEvent>>;
    /// Command records whose first position is in `from..=to`, in first-position order.
    async fn raw_commands(&self, from: Position, to: Position) -> Result<Vec<StoredCommand>>;
    /// The record of one command.
    async fn raw_command(&self, command_id: Uuid) -> Result<Option<StoredCommand>>;
    /// Stored hash of one position.
    async fn stored_hash(&self, position: Position) -> Result<Option<[u8; 32]>>;
    /// The recorded head.
    async fn stored_head(&self) -> Result<Checkpoint>;
    /// The recorded head and the largest stored position (0 when empty), read together in one
    /// statement, i.e. from one consistent state of the database.
    async fn head_and_last(&self) -> Result<(Checkpoint, Position)>;
}

fn as_tamper(err: StoreError) -> StoreError {
    match err {
        StoreError::Corrupt { position, detail } => StoreError::TamperDetected { position, detail },
        other => other,
    }
}

/// Recomputes the chain over `from..=to`; with `to = None` up to the recorded head, checking that
/// the chain ends exactly at it; with a checkpoint, also that the chain passes through it.
///
/// The head is read first, together with the largest stored position, in one statement: on a
/// live log everything up to that head is committed, and appends that commit while the scan runs
/// lie beyond it and are left for the next verification.
#[tracing::instrument(level = "debug", skip(log), err)]
pub(crate) async fn verify_chain(
    log: &dyn RawLog,
    from: Position,
    to: Option<Position>,
    checkpoint: Option<Checkpoint>,
) -> Result<VerifyReport> {
    let from = from.max(1);
    let (head, last) = log.head_and_last().await?;
    if to.is_none() {
        if last < head.position {
            return Err(StoreError::TamperDetected {
                position: last + 1,
                detail: format!(
                    "recorded head is position {} but the log ends at {last}",
                    head.position
                ),
            });
        }
        if last > head.position {
            return Err(StoreError::TamperDetected {
                position: head.position + 1,
                detail: format!(
                    "events are stored up to position {last} but the recorded head is position {}",
                    head.position
                ),
            });
        }
    }
    if let Some(cp) = checkpoint {
        if head.position < cp.position {
            return Err(StoreError::TamperDetected {
                position: head.position + 1,
                detail: format!(
                    "log ends at position {} but the checkpoint covers position {}",
                    head.position, cp.position
                ),
            });
        }
        if cp.position == 0 && cp.hash != GENESIS_HASH {
            return Err(StoreError::TamperDetected {
                position: 0,
                detail: "checkpoint at position 0 must carry the genesis hash".into(),
            });
        }
    }
    let end = to.unwrap_or(head.position);
    let mut prev = if from == 1 {
        GENESIS_HASH
    } else {
        log.stored_hash(from - 1)
            .await?
            .ok_or_else(|| StoreError::TamperDetected {
                position: from - 1,
                detail: "event is missing".into(),
            })?
    };
    let mut expected = from;
    let mut walk: Option<CommandWalk> = None;
    while expected <= end {
        let batch = log
            .raw_range(expected, end, VERIFY_BATCH)
            .await
            .map_err(as_tamper)?;
        let (Some(first), Some(last)) = (batch.first(), batch.last()) else {
            return Err(StoreError::TamperDetected {
                position: expected,
                detail: "event is missing".into(),
            });
        };
        let walk = match &mut walk {
            Some(walk) => walk,
            None => {
                // An append may have begun before `from`: its record is found by command id.
                let carried = if from > 1 {
                    log.raw_command(first.command_id).await.map_err(as_tamper)?
                } else {
                    None
                };
                walk.insert(CommandWalk::new(from, carried))
            }
        };
        walk.add_records(
            log.raw_commands(expected, last.position.clamp(expected, end))
                .await
                .map_err(as_tamper)?,
        );
        for event in batch {
            if event.position != expected {
                return Err(StoreError::TamperDetected {
                    position: expected,
                    detail: "event is missing".into(),
                });
            }
            let digest = walk.step(event.command_key())?;
            let computed = event.chain_hash(&prev, digest);
            if computed != event.hash {
                return Err(StoreError::TamperDetected {
                    position: expected,
                    detail: format!(
                        "stored fields hash to {} but the stored hash is {}",
                        hex::encode(computed),
                        hex::encode(event.hash)
                    ),
                });
            }
            if let Some(cp) = checkpoint
                && cp.position == expected
                && cp.hash != event.hash
            {
                return Err(StoreError::TamperDetected {
                    position: expected,
                    detail: format!(
                        "chain hash {} differs from the kept checkpoint {}: history up to here was rewritten",
                        hex::encode(event.hash),
                        hex::encode(cp.hash)
                    ),
                });
            }
            prev = event.hash;
            expected += 1;
        }
    }
    if let Some(walk) = walk {
        walk.finish(end, to.is_none() || end >= head.position)?;
    }
    if to.is_none() && prev != head.hash {
        return Err(StoreError::TamperDetected {
            position: end,
            detail: format!(
                "the chain hash at position {end} is {} but the recorded head has {}",
                hex::encode(prev),
                hex::encode(head.hash)
            ),
        });
    }
    Ok(VerifyReport {
        from,
        to: end,
        last_hash: prev,
    })
}

/// [`EventStore::read_command`] over a backend's stored data: the record, checked against the
/// events around its range (stopping at the first event that is not the command's, so that a
/// forged range is not read whole) and against their stored hashes.
pub(crate) async fn read_command(
    log: &dyn RawLog,
    command_id: Uuid,
) -> Result<Option<RecordedCommand>> {
    let Some(record) = log.raw_command(command_id).await.map_err(as_tamper)? else {
        return Ok(None);
    };
    let recorded = record.to_recorded().map_err(as_tamper)?;
    let Some((lo, hi)) = record.neighbourhood() else {
        record
            .check_against(std::iter::empty())?
            .map_err(StoreError::from)?;
        return Ok(Some(recorded));
    };
    let mut events = Vec::new();
    let mut next = lo;
    'fetch: while next <= hi {
        let batch = log
            .raw_range(next, hi, VERIFY_BATCH)
            .await
            .map_err(as_tamper)?;
        let Some(last) = batch.last().map(|e| e.position) else {
            break;
        };
        for event in batch {
            let foreign = event.position >= record.first_position && event.command_id != command_id;
            events.push(event);
            if foreign {
                break 'fetch;
            }
        }
        next = last + 1;
    }
    record
        .check_against(events.iter().map(|e| {
            Ok(EventKey {
                position: e.position,
                stream: StreamId::new(e.aggregate_type.clone(), e.aggregate_id.clone()),
                sequence: e.sequence,
                command_id: e.command_id,
            })
        }))?
        .map_err(StoreError::from)?;
    // The events are exactly the command's: their hashes must include its digest.
    let digest = record.digest();
    let mut prev = match record.first_position {
        1 => GENESIS_HASH,
        p => match events.first() {
            Some(e) if e.position == p - 1 => e.hash,
            _ => log
                .stored_hash(p - 1)
                .await?
                .ok_or_else(|| StoreError::TamperDetected {
                    position: p - 1,
                    detail: "event is missing".into(),
                })?,
        },
    };
    for event in events
        .iter()
        .filter(|e| (record.first_position..=record.last_position).contains(&e.position))
    {
        let computed = event.chain_hash(&prev, digest.as_ref());
        if computed != event.hash {
            return Err(StoreError::TamperDetected {
                position: event.position,
                detail: format!(
                    "event {} with the recorded command {command_id} hashes to {} but its stored \
                     hash is {}",
                    event.position,
                    hex::encode(computed),
                    hex::encode(event.hash)
                ),
            });
        }
        prev = event.hash;
    }
    Ok(Some(recorded))
}
