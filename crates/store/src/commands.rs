//! The command records of `govshare_commands`, checked against the hash-chained events they
//! point at.
//!
//! A command record is what makes a retried append return the original outcome. The record
//! itself is not hashed, but everything it states can be checked against the chain: the events at
//! `first_position..=last_position` exist, belong to the recorded stream and carry the command
//! id, the events just outside that range do not, and the last one's sequence is the recorded
//! stream version. A retry, [`crate::EventStore::read_command`] and `verify` all check this, so
//! an edited record is reported instead of believed.

use std::collections::BTreeMap;

use chrono::DateTime;
use uuid::Uuid;

use crate::decode::decode_u32;
use crate::error::{Result, StoreError};
use crate::hash::{CommandInput, format_timestamp};
use crate::types::{CommandRecord, Position, RecordedCommand, StreamId};

/// One row of `govshare_commands`, as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct StoredCommand {
    pub command_id: Uuid,
    pub stream: StreamId,
    pub first_position: Position,
    pub last_position: Position,
    pub stream_version: u64,
    /// The command itself, when the append recorded it.
    pub body: Option<StoredBody>,
}

/// The recorded command, columns as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct StoredBody {
    pub command_type: String,
    pub schema_version: u32,
    /// Canonical JSON text, exactly as hashed.
    pub payload: String,
    pub issued_at_ns: i64,
}

impl StoredBody {
    /// Decodes the four command columns of a row: all absent (no command recorded) or all
    /// present.
    pub(crate) fn from_columns(
        command_type: Option<String>,
        schema_version: Option<i64>,
        payload: Option<String>,
        issued_at_ns: Option<i64>,
        position: Position,
    ) -> Result<Option<Self>> {
        match (command_type, schema_version, payload, issued_at_ns) {
            (None, None, None, None) => Ok(None),
            (Some(command_type), Some(schema_version), Some(payload), Some(issued_at_ns)) => {
                Ok(Some(Self {
                    command_type,
                    schema_version: decode_u32(schema_version, position, "command_schema_version")?,
                    payload,
                    issued_at_ns,
                }))
            }
            _ => Err(StoreError::Corrupt {
                position,
                detail: "the command columns must be all present or all absent".into(),
            }),
        }
    }

    /// Back to the public form; the payload is parsed.
    pub(crate) fn to_record(&self) -> Result<CommandRecord> {
        Ok(CommandRecord {
            command_type: self.command_type.clone(),
            schema_version: self.schema_version,
            payload: serde_json::from_str(&self.payload)?,
            issued_at: DateTime::from_timestamp_nanos(self.issued_at_ns),
        })
    }
}

impl StoredCommand {
    /// The digest that the hashes of the append's events include, if a command was recorded.
    pub(crate) fn digest(&self) -> Option<[u8; 32]> {
        self.body.as_ref().map(|b| {
            let issued_at = format_timestamp(&DateTime::from_timestamp_nanos(b.issued_at_ns));
            CommandInput {
                command_type: &b.command_type,
                schema_version: b.schema_version,
                payload: &b.payload,
                issued_at: &issued_at,
                command_id: self.command_id.as_bytes(),
            }
            .digest()
        })
    }

    /// The public form.
    pub(crate) fn to_recorded(&self) -> Result<RecordedCommand> {
        Ok(RecordedCommand {
            command_id: self.command_id,
            stream: self.stream.clone(),
            first_position: self.first_position,
            last_position: self.last_position,
            stream_version: self.stream_version,
            command: self.body.as_ref().map(StoredBody::to_record).transpose()?,
        })
    }
}

/// What a command record is checked against: the identifying columns of one stored event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct EventKey {
    pub position: Position,
    pub stream: StreamId,
    pub sequence: u64,
    pub command_id: Uuid,
}

/// A mismatch between a command record and the log, kept cloneable so that a group commit can
/// report it to every append that retried the command.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Tamper {
    pub position: Position,
    pub detail: String,
}

impl Tamper {
    pub(crate) fn new(position: Position, detail: impl Into<String>) -> Self {
        Self {
            position,
            detail: detail.into(),
        }
    }
}

impl From<Tamper> for StoreError {
    fn from(t: Tamper) -> Self {
        StoreError::TamperDetected {
            position: t.position,
            detail: t.detail,
        }
    }
}

impl StoredCommand {
    /// Positions whose events [`StoredCommand::check_against`] needs: the recorded range and one
    /// position on either side (`None` for a range that cannot be right).
    pub(crate) fn neighbourhood(&self) -> Option<(Position, Position)> {
        (self.first_position >= 1 && self.first_position <= self.last_position).then(|| {
            (
                self.first_position - 1,
                self.last_position.saturating_add(1),
            )
        })
    }

    /// Checks the record against the stored events of [`StoredCommand::neighbourhood`], given
    /// in position order (positions that hold no event are simply absent). Stops at the first
    /// mismatch, so a caller may pass a lazy iterator over a range that a forged record made huge.
    pub(crate) fn check_against(
        &self,
        events: impl IntoIterator<Item = Result<EventKey>>,
    ) -> Result<std::result::Result<(), Tamper>> {
        let id = self.command_id;
        if self.neighbourhood().is_none() {
            return Ok(Err(Tamper::new(
                self.first_position,
                format!(
                    "command {id} is recorded with the impossible range {}..={}",
                    self.first_position, self.last_position
                ),
            )));
        }
        let mut expected = self.first_position;
        let mut previous_sequence: Option<u64> = None;
        for event in events {
            let event = event?;
            if event.position < self.first_position {
                if event.command_id == id {
                    return Ok(Err(Tamper::new(
                        event.position,
                        format!(
                            "event {} belongs to command {id}, whose record starts at {}",
                            event.position, self.first_position
                        ),
                    )));
                }
                continue;
            }
            if event.position > self.last_position {
                if event.command_id == id {
                    return Ok(Err(Tamper::new(
                        event.position,
                        format!(
                            "event {} belongs to command {id}, whose record ends at {}",
                            event.position, self.last_position
                        ),
                    )));
                }
                break;
            }
            if event.position != expected {
                break;
            }
            if event.command_id != id {
                return Ok(Err(Tamper::new(
                    event.position,
                    format!(
                        "the record of command {id} covers event {} of command {}",
                        event.position, event.command_id
                    ),
                )));
            }
            if event.stream != self.stream {
                return Ok(Err(Tamper::new(
                    event.position,
                    format!(
                        "the record of command {id} names stream {} but event {} is in {}",
                        self.stream, event.position, event.stream
                    ),
                )));
            }
            if let Some(prev) = previous_sequence
                && event.sequence != prev + 1
            {
                return Ok(Err(Tamper::new(
                    event.position,
                    format!(
                        "event {} of command {id} has sequence {} after {prev}",
                        event.position, event.sequence
                    ),
                )));
            }
            previous_sequence = Some(event.sequence);
            expected += 1;
        }
        if expected <= self.last_position {
            return Ok(Err(Tamper::new(
                expected,
                format!("event {expected} of command {id} is missing"),
            )));
        }
        if previous_sequence != Some(self.stream_version) {
            return Ok(Err(Tamper::new(
                self.last_position,
                format!(
                    "the record of command {id} gives stream version {} but its last event has \
                     sequence {}",
                    self.stream_version,
                    previous_sequence.unwrap_or(0)
                ),
            )));
        }
        Ok(Ok(()))
    }
}

/// The columns of one stored event that [`CommandWalk`] looks at, borrowed.
#[derive(Clone, Copy, Debug)]
pub(crate) struct EventRef<'a> {
    pub position: Position,
    pub aggregate_type: &'a str,
    pub aggregate_id: &'a str,
    pub sequence: u64,
    pub command_id: Uuid,
}

impl StreamId {
    fn is(&self, e: &EventRef<'_>) -> bool {
        self.aggregate_type == e.aggregate_type && self.aggregate_id == e.aggregate_id
    }
}

/// Walks the events of a verification in position order together with the command records,
/// checking that every append (a run of consecutive events of one command in one stream) has
/// exactly one record, and that the record states the append's range, stream and final version.
#[derive(Debug)]
pub(crate) struct CommandWalk {
    from: Position,
    /// The record of the append the event at `from` belongs to, when `from > 1`: it may have
    /// started before `from`, so it is looked up by command id rather than by position.
    carried: Option<StoredCommand>,
    /// Records by first position, fetched batch by batch ahead of the events.
    pending: BTreeMap<Position, Vec<StoredCommand>>,
    run: Option<Run>,
}

#[derive(Debug)]
struct Run {
    record: StoredCommand,
    digest: Option<[u8; 32]>,
    last: Position,
    last_sequence: u64,
}

impl CommandWalk {
    pub(crate) fn new(from: Position, carried: Option<StoredCommand>) -> Self {
        Self {
            from,
            carried,
            pending: BTreeMap::new(),
            run: None,
        }
    }

    /// Adds the records whose first positions lie in the next batch of events.
    pub(crate) fn add_records(&mut self, records: impl IntoIterator<Item = StoredCommand>) {
        for record in records {
            self.pending
                .entry(record.first_position)
                .or_default()
                .push(record);
        }
    }

    /// Takes the next event (in position order) and returns the digest of its append's command,
    /// which its hash includes (`None` when the append recorded no command).
    pub(crate) fn step(
        &mut self,
        e: EventRef<'_>,
    ) -> std::result::Result<Option<&[u8; 32]>, Tamper> {
        let continues = self
            .run
            .as_ref()
            .is_some_and(|run| run.record.command_id == e.command_id && run.record.stream.is(&e));
        if !continues {
            if let Some(run) = self.run.take() {
                run.close(true)?;
            }
            if let Some((&k, records)) = self.pending.range(..e.position).next() {
                return Err(no_append_at(k, records));
            }
            let record = match self.pending.remove(&e.position) {
                Some(records) if records.len() > 1 => {
                    return Err(Tamper::new(
                        e.position,
                        format!(
                            "{} command records start at position {}",
                            records.len(),
                            e.position
                        ),
                    ));
                }
                Some(mut records) => records.pop(),
                None if e.position == self.from => self.carried.take(),
                None => None,
            };
            let Some(record) = record else {
                return Err(Tamper::new(
                    e.position,
                    format!(
                        "the append of command {} starting at {} has no command record",
                        e.command_id, e.position
                    ),
                ));
            };
            if record.command_id != e.command_id {
                return Err(Tamper::new(
                    e.position,
                    format!(
                        "the command record at {} is for command {}, but the event belongs to {}",
                        e.position, record.command_id, e.command_id
                    ),
                ));
            }
            if !record.stream.is(&e) || record.first_position > e.position {
                return Err(Tamper::new(
                    e.position,
                    format!(
                        "the record of command {} names stream {} from position {}, but the \
                         append is in {}/{} from {}",
                        record.command_id,
                        record.stream,
                        record.first_position,
                        e.aggregate_type,
                        e.aggregate_id,
                        e.position
                    ),
                ));
            }
            self.run = Some(Run {
                digest: record.digest(),
                record,
                last: e.position,
                last_sequence: e.sequence,
            });
        } else if let Some(run) = self.run.as_mut() {
            if e.sequence != run.last_sequence + 1 {
                return Err(Tamper::new(
                    e.position,
                    format!(
                        "event {} of command {} has sequence {} after {}",
                        e.position, e.command_id, e.sequence, run.last_sequence
                    ),
                ));
            }
            run.last = e.position;
            run.last_sequence = e.sequence;
        }
        match self.run.as_ref() {
            Some(run) if run.record.last_position < e.position => Err(Tamper::new(
                e.position,
                format!(
                    "event {} belongs to command {}, whose record ends at {}",
                    e.position, e.command_id, run.record.last_position
                ),
            )),
            Some(run) => Ok(run.digest.as_ref()),
            None => Err(Tamper::new(e.position, "no command record")),
        }
    }

    /// Ends the walk after the event at `end`. `complete` says that `end` is the head, so that
    /// the last append is whole (otherwise it may go on beyond `end`).
    pub(crate) fn finish(
        mut self,
        end: Position,
        complete: bool,
    ) -> std::result::Result<(), Tamper> {
        if let Some(run) = self.run.take() {
            run.close(complete)?;
        }
        match self.pending.range(..=end).next() {
            Some((&k, records)) => Err(no_append_at(k, records)),
            None => Ok(()),
        }
    }
}

fn no_append_at(position: Position, records: &[StoredCommand]) -> Tamper {
    let ids: Vec<String> = records.iter().map(|r| r.command_id.to_string()).collect();
    Tamper::new(
        position,
        format!(
            "the command record of {} starts at position {position}, where no append of it starts",
            ids.join(", ")
        ),
    )
}

impl Run {
    fn close(self, complete: bool) -> std::result::Result<(), Tamper> {
        let id = self.record.command_id;
        if self.record.last_position > self.last {
            return if complete {
                Err(Tamper::new(
                    self.last + 1,
                    format!(
                        "the record of command {id} ends at {} but its events end at {}",
                        self.record.last_position, self.last
                    ),
                ))
            } else {
                Ok(())
            };
        }
        if self.record.stream_version != self.last_sequence {
            return Err(Tamper::new(
                self.last,
                format!(
                    "the record of command {id} gives stream version {} but its last event has \
                     sequence {}",
                    self.record.stream_version, self.last_sequence
                ),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(position: Position, sequence: u64, command: u128, stream: &str) -> Result<EventKey> {
        Ok(EventKey {
            position,
            stream: StreamId::new("T", stream),
            sequence,
            command_id: Uuid::from_u128(command),
        })
    }

    fn record(first: Position, last: Position, version: u64) -> StoredCommand {
        StoredCommand {
            command_id: Uuid::from_u128(2),
            stream: StreamId::new("T", "a"),
            first_position: first,
            last_position: last,
            stream_version: version,
            body: None,
        }
    }

    fn log() -> Vec<Result<EventKey>> {
        // Command 1 at 1..=2, command 2 at 3..=4 (stream a, sequences 3, 4), command 3 at 5.
        vec![
            key(1, 1, 1, "a"),
            key(2, 2, 1, "a"),
            key(3, 3, 2, "a"),
            key(4, 4, 2, "a"),
            key(5, 1, 3, "b"),
        ]
    }

    fn around(r: &StoredCommand) -> Vec<Result<EventKey>> {
        let Some((lo, hi)) = r.neighbourhood() else {
            return Vec::new();
        };
        log()
            .into_iter()
            .filter(|e| {
                let p = e.as_ref().unwrap().position;
                p >= lo && p <= hi
            })
            .collect()
    }

    fn verdict(r: StoredCommand) -> std::result::Result<(), Position> {
        r.check_against(around(&r)).unwrap().map_err(|t| t.position)
    }

    #[test]
    fn true_record_passes_and_forged_ones_are_located() {
        assert_eq!(verdict(record(3, 4, 4)), Ok(()));
        assert_eq!(verdict(record(3, 5, 5)), Err(5), "range too long");
        assert_eq!(verdict(record(3, 3, 3)), Err(4), "range too short");
        assert_eq!(verdict(record(4, 4, 4)), Err(3), "starts late");
        assert_eq!(verdict(record(1, 2, 2)), Err(1), "another command's events");
        assert_eq!(verdict(record(3, 4, 7)), Err(4), "stream version");
        assert_eq!(verdict(record(5, 3, 4)), Err(5), "impossible range");
        assert_eq!(verdict(record(6, 7, 2)), Err(6), "beyond the log");
        let mut other_stream = record(3, 4, 4);
        other_stream.stream = StreamId::new("T", "z");
        assert_eq!(verdict(other_stream), Err(3));
    }
}
