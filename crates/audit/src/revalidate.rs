//! Re-validation: every recorded decision re-run from the raw log.
//!
//! The log is read once, in position order. Its events are grouped into appends (consecutive events of
//! one command id in one stream); each append's command record is read back, decoded, and decided again
//! with the domain's pure [`govshare_domain::decide`] against the state its stream had just before it,
//! with the rule set and calendar the command recorded. The events the rules produce now are compared with
//! the recorded ones (type, schema version, canonical payload, actor, rule set, instant); then the recorded
//! events are folded into the stream's state, so that the next command is judged against the state the
//! engine saw when it decided.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::StreamExt;
use govshare_codec::{
    Kind, decode_command, decode_event, encode_event, store_actor, store_rule_set,
};
use govshare_store::hash::canonical_json;
use govshare_store::{
    CommandRecord, EventStore, Position, RecordedCommand, RecordedEvent, StreamId, Upcasters,
    log_stream,
};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use tracing::Instrument;
use uuid::Uuid;

use crate::error::Result;
use crate::kinds::with_kind;
use crate::services::{DecisionInputs, ServiceResolver};

/// How to re-validate.
#[derive(Debug, Clone)]
pub struct RevalidationOptions {
    /// The rule-set files, extra arrangement files and category assignments the engine was configured
    /// with (the built-in rule sets and the official calendar need nothing).
    pub inputs: DecisionInputs,
    /// Re-validate up to this position (default: the head when the run starts). The run always starts at
    /// position 1: a decision can only be judged against the state built from everything before it.
    pub to: Option<Position>,
    /// Events read per batch.
    pub batch: usize,
    /// Findings kept in the report; beyond that they are only counted.
    pub max_findings: usize,
}

impl Default for RevalidationOptions {
    fn default() -> Self {
        RevalidationOptions {
            inputs: DecisionInputs::default(),
            to: None,
            batch: 1000,
            max_findings: 10_000,
        }
    }
}

impl RevalidationOptions {
    /// Default options with these decision inputs.
    pub fn with_inputs(inputs: DecisionInputs) -> Self {
        RevalidationOptions {
            inputs,
            ..Self::default()
        }
    }
}

/// Which part of a record did not decode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordPart {
    /// The event's payload.
    Event,
    /// The command record of its append.
    Command,
}

/// The event the rules produce in place of a recorded one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExpectedEvent {
    /// Its type.
    pub event_type: String,
    /// Its schema version.
    pub schema_version: u32,
    /// Its payload, canonical JSON.
    pub payload: String,
}

/// Something re-validation found in the log. Every finding names a position.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "finding", rename_all = "snake_case")]
pub enum RevalidationFinding {
    /// The rules, re-run on the recorded command, do not produce this event (another payload, type,
    /// actor, rule set or instant, or fewer events than were recorded).
    #[error(
        "position {position}: {event_type} in {stream} is not what the rules produce for its command: {reason}"
    )]
    EventNotReproduced {
        /// The event's position.
        position: Position,
        /// Its stream.
        stream: StreamId,
        /// Its recorded type.
        event_type: String,
        /// Its command.
        command_id: Uuid,
        /// What differs.
        reason: String,
        /// What the rules produce in its place, if anything.
        expected: Option<ExpectedEvent>,
    },
    /// The rules produce an event the log does not have.
    #[error("after position {after_position}: the rules produce {} in {stream} for command {command_id}, the log does not have it", expected.event_type)]
    EventNotRecorded {
        /// Position of the append's last event.
        after_position: Position,
        /// The stream.
        stream: StreamId,
        /// The command.
        command_id: Uuid,
        /// The missing event.
        expected: ExpectedEvent,
    },
    /// An event whose append recorded no command: nothing shows it was decided by the rules.
    #[error(
        "position {position}: {event_type} in {stream} has no recorded command (command id {command_id})"
    )]
    EventWithoutCommand {
        /// The event's position.
        position: Position,
        /// Its stream.
        stream: StreamId,
        /// Its type.
        event_type: String,
        /// The command id it carries.
        command_id: Uuid,
    },
    /// The recorded command, re-run against the state before it, is refused by the rules: none of its
    /// events (`position..=last_position`) would have been recorded.
    #[error(
        "positions {position}..={last_position}: the rules refuse the recorded {command_type} in {stream}: {error}"
    )]
    CommandRefusedOnReplay {
        /// Position of the append's first event.
        position: Position,
        /// Position of its last event.
        last_position: Position,
        /// The stream.
        stream: StreamId,
        /// The command.
        command_id: Uuid,
        /// e.g. `ShareApplication.ProvideShare`.
        command_type: String,
        /// The refusal.
        error: String,
    },
    /// The command record does not describe the events it is stored with (another stream or range).
    #[error(
        "position {position}: the record of command {command_id} does not match its events: {detail}"
    )]
    CommandRecordMismatch {
        /// Position of the append's first event.
        position: Position,
        /// The command.
        command_id: Uuid,
        /// What differs.
        detail: String,
    },
    /// A stored event or command does not decode into the domain's types. The stream's later commands
    /// cannot be judged (its state is unknown) and are counted as skipped.
    #[error("position {position}: the {part:?} record in {stream} does not decode: {error}")]
    UndecodableRecord {
        /// The event's position (the append's first for a command).
        position: Position,
        /// The stream.
        stream: StreamId,
        /// Event or command.
        part: RecordPart,
        /// The decoding error.
        error: String,
    },
    /// The stream's aggregate type is none of the registered kinds.
    #[error("position {position}: {stream} is of no registered aggregate kind")]
    UnknownKind {
        /// First position of the stream.
        position: Position,
        /// The stream.
        stream: StreamId,
    },
    /// Commands whose recorded rule set or calendar cannot be rebuilt from the built-ins and the supplied
    /// files (one finding per reason; those commands are skipped).
    #[error("from position {first_position}: {commands} command(s) not re-run: {reason}")]
    ContextUnavailable {
        /// First append it affects.
        first_position: Position,
        /// How many commands it affects.
        commands: u64,
        /// Why.
        reason: String,
    },
}

impl RevalidationFinding {
    /// The position the finding names.
    pub fn position(&self) -> Position {
        match self {
            RevalidationFinding::EventNotReproduced { position, .. }
            | RevalidationFinding::EventWithoutCommand { position, .. }
            | RevalidationFinding::CommandRefusedOnReplay { position, .. }
            | RevalidationFinding::CommandRecordMismatch { position, .. }
            | RevalidationFinding::UndecodableRecord { position, .. }
            | RevalidationFinding::UnknownKind { position, .. } => *position,
            RevalidationFinding::EventNotRecorded { after_position, .. } => *after_position,
            RevalidationFinding::ContextUnavailable { first_position, .. } => *first_position,
        }
    }
}

/// The outcome of a re-validation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RevalidationReport {
    /// Last position re-validated.
    pub to: Position,
    /// Events read.
    pub events: u64,
    /// Appends read.
    pub appends: u64,
    /// Commands decided again.
    pub commands_revalidated: u64,
    /// Commands not decided again (context unavailable, undecodable, stream state unknown).
    pub commands_skipped: u64,
    /// Events the rules reproduced exactly.
    pub events_reproduced: u64,
    /// Findings in position order (at most `max_findings`).
    pub findings: Vec<RevalidationFinding>,
    /// Findings beyond `max_findings`, counted only.
    pub findings_not_kept: u64,
    /// Wall time of the run.
    pub elapsed: Duration,
}

impl RevalidationReport {
    /// Whether the rules reproduce every recorded event and every command was judged.
    pub fn passed(&self) -> bool {
        self.findings.is_empty() && self.findings_not_kept == 0 && self.commands_skipped == 0
    }

    /// Events re-validated per second.
    pub fn events_per_second(&self) -> f64 {
        let secs = self.elapsed.as_secs_f64();
        if secs > 0.0 {
            self.events as f64 / secs
        } else {
            0.0
        }
    }
}

struct Findings {
    kept: Vec<RevalidationFinding>,
    not_kept: u64,
    max: usize,
    /// Reason → index into `contexts`.
    context_reasons: HashMap<String, usize>,
    contexts: Vec<(Position, u64, String)>,
}

impl Findings {
    fn push(&mut self, finding: RevalidationFinding) {
        if self.kept.len() < self.max {
            self.kept.push(finding);
        } else {
            self.not_kept += 1;
        }
    }

    fn context_unavailable(&mut self, position: Position, reason: String) {
        match self.context_reasons.get(&reason) {
            Some(&i) => {
                if let Some(entry) = self.contexts.get_mut(i) {
                    entry.1 += 1;
                }
            }
            None => {
                self.context_reasons
                    .insert(reason.clone(), self.contexts.len());
                self.contexts.push((position, 1, reason));
            }
        }
    }
}

#[derive(Default)]
struct Counters {
    appends: u64,
    revalidated: u64,
    skipped: u64,
    reproduced: u64,
}

/// Everything one append's re-validation needs besides the stream's state.
struct Append<'a> {
    stream: &'a StreamId,
    events: &'a [RecordedEvent],
    record: Option<&'a CommandRecord>,
}

/// One stream's state during the run, of whichever kind.
trait StreamReplay: Send {
    fn step(
        &mut self,
        append: &Append<'_>,
        resolver: &mut ServiceResolver,
        findings: &mut Findings,
        counters: &mut Counters,
    );
}

struct Typed<A> {
    state: A,
    version: u64,
    /// An event of the stream did not decode: its state is unknown from here on.
    unknown: bool,
    upcasters: Arc<Upcasters>,
}

impl<A> StreamReplay for Typed<A>
where
    A: Kind,
    A::Body: Serialize + DeserializeOwned + Clone + Send + Sync,
{
    fn step(
        &mut self,
        append: &Append<'_>,
        resolver: &mut ServiceResolver,
        findings: &mut Findings,
        counters: &mut Counters,
    ) {
        if self.unknown {
            counters.skipped += 1;
        } else {
            self.redecide(append, resolver, findings, counters);
        }
        self.fold(append, findings);
    }
}

impl<A> Typed<A>
where
    A: Kind,
    A::Body: Serialize + DeserializeOwned + Clone + Send + Sync,
{
    fn new(upcasters: Arc<Upcasters>) -> Self {
        Typed {
            state: A::default(),
            version: 0,
            unknown: false,
            upcasters,
        }
    }

    fn redecide(
        &self,
        append: &Append<'_>,
        resolver: &mut ServiceResolver,
        findings: &mut Findings,
        counters: &mut Counters,
    ) {
        let (Some(first), Some(last)) = (append.events.first(), append.events.last()) else {
            return;
        };
        let Some(record) = append.record else {
            for event in append.events {
                findings.push(RevalidationFinding::EventWithoutCommand {
                    position: event.position,
                    stream: append.stream.clone(),
                    event_type: event.event_type.clone(),
                    command_id: event.metadata.command_id,
                });
            }
            counters.skipped += 1;
            return;
        };
        let (envelope, context) = match decode_command::<A>(record) {
            Ok(decoded) => decoded,
            Err(e) => {
                findings.push(RevalidationFinding::UndecodableRecord {
                    position: first.position,
                    stream: append.stream.clone(),
                    part: RecordPart::Command,
                    error: e.to_string(),
                });
                counters.skipped += 1;
                return;
            }
        };
        let services = match resolver.services(&context) {
            Ok(services) => services,
            Err(reason) => {
                findings.context_unavailable(first.position, reason);
                counters.skipped += 1;
                return;
            }
        };
        counters.revalidated += 1;
        let decided = match govshare_domain::decide(&self.state, envelope, &services) {
            Ok(events) => events,
            Err(e) => {
                findings.push(RevalidationFinding::CommandRefusedOnReplay {
                    position: first.position,
                    last_position: last.position,
                    stream: append.stream.clone(),
                    command_id: first.metadata.command_id,
                    command_type: record.command_type.clone(),
                    error: e.to_string(),
                });
                return;
            }
        };
        let mut expected = Vec::with_capacity(decided.len());
        for event in &decided {
            match encode_event::<A>(event) {
                Ok(encoded) => expected.push(ExpectedEvent {
                    payload: canonical_json(&encoded.payload),
                    event_type: encoded.event_type,
                    schema_version: encoded.schema_version,
                }),
                Err(e) => {
                    // The domain produced an event the codec cannot store: the engine could not have
                    // recorded it either.
                    findings.push(RevalidationFinding::CommandRefusedOnReplay {
                        position: first.position,
                        last_position: last.position,
                        stream: append.stream.clone(),
                        command_id: first.metadata.command_id,
                        command_type: record.command_type.clone(),
                        error: format!("the decided events do not encode: {e}"),
                    });
                    return;
                }
            }
        }
        let actor = store_actor(&context.actor);
        let rule_set = store_rule_set(&context.rule_set);
        for (i, recorded) in append.events.iter().enumerate() {
            let reason = match expected.get(i) {
                None => Some(format!(
                    "the rules produce {} event(s) for this command, the log has {}",
                    expected.len(),
                    append.events.len()
                )),
                Some(wanted) => self.difference(recorded, wanted).or_else(|| {
                    if recorded.metadata.actor != actor {
                        Some(format!(
                            "recorded actor {:?} is not the command's resolved actor {:?}",
                            recorded.metadata.actor, actor
                        ))
                    } else if recorded.metadata.rule_set.as_ref() != Some(&rule_set) {
                        Some(format!(
                            "recorded rule set {:?} is not the command's {rule_set:?}",
                            recorded.metadata.rule_set
                        ))
                    } else if recorded.recorded_at != record.issued_at {
                        Some(format!(
                            "recorded at {} but the command was decided at {}",
                            recorded.recorded_at, record.issued_at
                        ))
                    } else {
                        None
                    }
                }),
            };
            match reason {
                None => counters.reproduced += 1,
                Some(reason) => findings.push(RevalidationFinding::EventNotReproduced {
                    position: recorded.position,
                    stream: append.stream.clone(),
                    event_type: recorded.event_type.clone(),
                    command_id: recorded.metadata.command_id,
                    reason,
                    expected: expected.get(i).cloned(),
                }),
            }
        }
        for missing in expected.iter().skip(append.events.len()) {
            findings.push(RevalidationFinding::EventNotRecorded {
                after_position: last.position,
                stream: append.stream.clone(),
                command_id: last.metadata.command_id,
                expected: missing.clone(),
            });
        }
    }

    /// How the recorded event differs from the one the rules produce (type, version, payload), if at all.
    fn difference(&self, recorded: &RecordedEvent, wanted: &ExpectedEvent) -> Option<String> {
        if recorded.event_type == wanted.event_type
            && recorded.schema_version == wanted.schema_version
        {
            return (recorded.payload.as_str() != wanted.payload)
                .then(|| "the payload differs from the one the rules produce".to_owned());
        }
        // An older schema version: compare after upcasting.
        match self.upcasters.upcast_event(recorded) {
            Ok(up)
                if up.event_type == wanted.event_type
                    && up.schema_version == wanted.schema_version =>
            {
                (canonical_json(&up.payload) != wanted.payload).then(|| {
                    "the payload (upcast) differs from the one the rules produce".to_owned()
                })
            }
            Ok(up) => Some(format!(
                "recorded {} v{}, the rules produce {} v{}",
                up.event_type, up.schema_version, wanted.event_type, wanted.schema_version
            )),
            Err(e) => Some(format!("the recorded event does not upcast: {e}")),
        }
    }

    fn fold(&mut self, append: &Append<'_>, findings: &mut Findings) {
        if self.unknown {
            return;
        }
        for event in append.events {
            if event.sequence != self.version + 1 {
                findings.push(RevalidationFinding::UndecodableRecord {
                    position: event.position,
                    stream: append.stream.clone(),
                    part: RecordPart::Event,
                    error: format!(
                        "the stream jumps from sequence {} to {}",
                        self.version, event.sequence
                    ),
                });
                self.unknown = true;
                return;
            }
            match decode_event::<A>(event, &self.upcasters) {
                Ok(decoded) => {
                    self.state.apply(decoded);
                    self.version = event.sequence;
                }
                Err(e) => {
                    findings.push(RevalidationFinding::UndecodableRecord {
                        position: event.position,
                        stream: append.stream.clone(),
                        part: RecordPart::Event,
                        error: e.to_string(),
                    });
                    self.unknown = true;
                    return;
                }
            }
        }
    }
}

/// A stream of an unregistered kind: reported once, its appends skipped.
struct Unknown;

impl StreamReplay for Unknown {
    fn step(
        &mut self,
        _: &Append<'_>,
        _: &mut ServiceResolver,
        _: &mut Findings,
        c: &mut Counters,
    ) {
        c.skipped += 1;
    }
}

struct Run {
    streams: HashMap<StreamId, Box<dyn StreamReplay>>,
    upcasters: HashMap<String, Arc<Upcasters>>,
    resolver: ServiceResolver,
    findings: Findings,
    counters: Counters,
}

impl Run {
    fn new_replay(&mut self, stream: &StreamId, first: Position) -> Box<dyn StreamReplay> {
        let kind = stream.aggregate_type.as_str();
        with_kind!(
            kind,
            A => {
                let upcasters = self
                    .upcasters
                    .entry(kind.to_owned())
                    .or_insert_with(|| Arc::new(A::upcasters()))
                    .clone();
                Box::new(Typed::<A>::new(upcasters))
            },
            _other => {
                self.findings.push(RevalidationFinding::UnknownKind {
                    position: first,
                    stream: stream.clone(),
                });
                Box::new(Unknown)
            }
        )
    }

    async fn append(&mut self, store: &dyn EventStore, events: &[RecordedEvent]) -> Result<()> {
        let Some(first) = events.first() else {
            return Ok(());
        };
        self.counters.appends += 1;
        let stream = first.stream.clone();
        let command_id = first.metadata.command_id;
        let recorded = store.read_command(command_id).await?;
        let record = match &recorded {
            Some(rc) => {
                if let Some(detail) = record_mismatch(rc, &stream, events) {
                    self.findings
                        .push(RevalidationFinding::CommandRecordMismatch {
                            position: first.position,
                            command_id,
                            detail,
                        });
                }
                rc.command.as_ref()
            }
            None => None,
        };
        let append = Append {
            stream: &stream,
            events,
            record,
        };
        // Taken out of the map while it steps, so that the resolver and the findings can be borrowed beside it.
        let mut replay = match self.streams.remove(&stream) {
            Some(replay) => replay,
            None => self.new_replay(&stream, first.position),
        };
        replay.step(
            &append,
            &mut self.resolver,
            &mut self.findings,
            &mut self.counters,
        );
        self.streams.insert(stream, replay);
        Ok(())
    }
}

fn record_mismatch(
    rc: &RecordedCommand,
    stream: &StreamId,
    events: &[RecordedEvent],
) -> Option<String> {
    let first = events.first()?.position;
    let last = events.last()?.position;
    let version = events.last()?.sequence;
    if rc.stream != *stream {
        Some(format!(
            "the record names stream {} but its events are in {stream}",
            rc.stream
        ))
    } else if rc.first_position != first || rc.last_position != last {
        Some(format!(
            "the record names positions {}..={} but its events are at {first}..={last}",
            rc.first_position, rc.last_position
        ))
    } else if rc.stream_version != version {
        Some(format!(
            "the record names stream version {} but its last event has sequence {version}",
            rc.stream_version
        ))
    } else {
        None
    }
}

/// Re-runs every recorded command through the rules and reports every event they would not have
/// produced, every event with no recorded command, and every command they now refuse.
///
/// Reads the raw log once, in position order, from position 1 to `options.to` (default: the head when the
/// run starts); memory holds one batch of events and one state per stream. The chain itself is not
/// checked here: run [`crate::verify`] too.
///
/// ```no_run
/// # async fn example(store: &dyn govshare_store::EventStore) -> Result<(), govshare_audit::AuditError> {
/// use govshare_audit::{RevalidationOptions, revalidate};
///
/// let report = revalidate(store, RevalidationOptions::default()).await?;
/// for finding in &report.findings {
///     println!("position {}: {finding:?}", finding.position());
/// }
/// println!("{:.0} events/s", report.events_per_second());
/// # Ok(()) }
/// ```
pub async fn revalidate(
    store: &dyn EventStore,
    options: RevalidationOptions,
) -> Result<RevalidationReport> {
    let span = tracing::info_span!(
        "audit.revalidate",
        to = tracing::field::Empty,
        events = tracing::field::Empty,
        findings = tracing::field::Empty,
    );
    async move {
        let started = Instant::now();
        let to = match options.to {
            Some(to) => to,
            None => store.head().await?.position,
        };
        tracing::Span::current().record("to", to);
        let mut run = Run {
            streams: HashMap::new(),
            upcasters: HashMap::new(),
            resolver: ServiceResolver::new(options.inputs),
            findings: Findings {
                kept: Vec::new(),
                not_kept: 0,
                max: options.max_findings,
                context_reasons: HashMap::new(),
                contexts: Vec::new(),
            },
            counters: Counters::default(),
        };
        let mut events = 0u64;
        let mut group: Vec<RecordedEvent> = Vec::new();
        let mut log = log_stream(store, 1, options.batch);
        while let Some(event) = log.next().await {
            let event = event?;
            if event.position > to {
                break;
            }
            events += 1;
            let same_append = group.last().is_some_and(|prev| {
                prev.metadata.command_id == event.metadata.command_id
                    && prev.stream == event.stream
                    && prev.position + 1 == event.position
            });
            if !same_append && !group.is_empty() {
                run.append(store, &group).await?;
                group.clear();
            }
            group.push(event);
        }
        drop(log);
        run.append(store, &group).await?;

        let Run {
            findings, counters, ..
        } = run;
        let mut kept = findings.kept;
        for (first_position, commands, reason) in findings.contexts {
            kept.push(RevalidationFinding::ContextUnavailable {
                first_position,
                commands,
                reason,
            });
        }
        kept.sort_by_key(RevalidationFinding::position);
        let report = RevalidationReport {
            to,
            events,
            appends: counters.appends,
            commands_revalidated: counters.revalidated,
            commands_skipped: counters.skipped,
            events_reproduced: counters.reproduced,
            findings: kept,
            findings_not_kept: findings.not_kept,
            elapsed: started.elapsed(),
        };
        let span = tracing::Span::current();
        span.record("events", report.events);
        span.record(
            "findings",
            report.findings.len() as u64 + report.findings_not_kept,
        );
        Ok(report)
    }
    .instrument(span)
    .await
}
