//! Evidence bundles: one case's events and commands with the chain proof up to a checkpoint, in one JSON
//! file that is checked without the database.
//!
//! **What a case is.** A share application (its stream holds the application's objections too), every
//! grant that follows its provision (the `Grant` streams named by its `ShareProvided` events or whose
//! `GrantIssued` names the application; they hold the grant's uses, violations, revocation and expiry), and
//! every verification request filed about one of those grants (`Verification` streams whose
//! `VerificationRequested` subject is the grant).
//!
//! **Why the bundle holds every event from the case's first event to the checkpoint.** Each chain hash is
//! `SHA-256(previous hash ‖ encode(event))`, and the encoding contains the payload itself (not a digest of
//! it). The only way to show that a case event lies on the chain that ends at a trusted checkpoint is to
//! recompute every hash between them, which needs every field of every event in between, payloads
//! included. The bundle therefore holds the full hash input of every event in `from..=checkpoint`; events
//! of other cases are marked `in_case: false`, and their commands are represented only by the command
//! digest their hash covers (the commands themselves are not included). The case's commands are included
//! in full, and their digests are recomputed. See `docs/audit.md` for the format and the offline check.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

use ed25519_dalek::VerifyingKey;
use futures::StreamExt;
use govshare_codec::Kind;
use govshare_domain::grant::{Grant, GrantIssued};
use govshare_domain::share_application::{ShareApplication, ShareProvided};
use govshare_domain::verification::{Verification, VerificationRequested, VerificationSubject};
use govshare_store::hash::{
    CommandInput, GENESIS_HASH, HashInput, canonical_json, format_timestamp,
};
use govshare_store::{Checkpoint, EventStore, Position, RecordedEvent, StreamId, log_stream};
use serde::{Deserialize, Serialize};
use thiserror::Error;
use tracing::Instrument;
use uuid::Uuid;

use crate::error::{AuditError, ChainFinding, Result};
use crate::signing::{SignedCheckpoint, stored_hash};

/// The `format` of bundles this version writes and checks.
pub const BUNDLE_FORMAT: &str = "govshare-evidence-bundle/1";

/// One case's evidence: see the module documentation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvidenceBundle {
    /// [`BUNDLE_FORMAT`].
    pub format: String,
    /// The share application the case is about.
    pub application_id: String,
    /// The case's streams: the application, its grants, their verification requests.
    pub streams: Vec<StreamId>,
    /// Where the chain proof starts and ends.
    pub chain: ChainProof,
    /// Every event in `chain.from..=chain.checkpoint.position`, in position order.
    pub events: Vec<BundledEvent>,
    /// The commands of the case's events, in position order.
    pub commands: Vec<BundledCommand>,
}

/// The chain segment the bundle proves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChainProof {
    /// Position of the case's first event: the first event bundled.
    pub from: Position,
    /// Chain hash at `from - 1` (hex; 64 zeros when `from` is 1).
    pub prev_hash: String,
    /// The checkpoint the chain must arrive at: the last event bundled.
    pub checkpoint: Checkpoint,
    /// The engine's signature of that checkpoint, if one signed exactly it.
    pub signed: Option<SignedCheckpoint>,
}

/// One event's hash input, exactly as stored and hashed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BundledEvent {
    /// Global position.
    pub position: Position,
    /// Whether it belongs to the case (its stream is one of `streams`).
    pub in_case: bool,
    /// Aggregate type.
    pub aggregate_type: String,
    /// Aggregate id.
    pub aggregate_id: String,
    /// Sequence in its stream.
    pub sequence: u64,
    /// Event type.
    pub event_type: String,
    /// Payload schema version.
    pub schema_version: u32,
    /// The payload's canonical JSON text, as stored and hashed (a string, so that its bytes survive any
    /// re-formatting of the bundle).
    pub payload: String,
    /// Event id (hyphenated UUID).
    pub event_id: Uuid,
    /// Command id.
    pub command_id: Uuid,
    /// Correlation id.
    pub correlation_id: Uuid,
    /// Causation id, if any.
    pub causation_id: Option<Uuid>,
    /// Acting department.
    pub actor_department: String,
    /// Acting person.
    pub actor_person: String,
    /// Acting role.
    pub actor_role: String,
    /// Rule set id and version, if any.
    pub rule_set: Option<BundledRuleSet>,
    /// The recording instant exactly as hashed (`YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ`).
    pub recorded_at: String,
    /// SHA-256 of its append's command (hex) as its hash covers it; `null` if the append recorded none.
    pub command_digest: Option<String>,
    /// Its chain hash as stored (hex).
    pub hash: String,
}

/// A rule-set reference as hashed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BundledRuleSet {
    /// Id.
    pub id: String,
    /// Version (text).
    pub version: String,
}

/// One of the case's commands, exactly as stored and digested.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BundledCommand {
    /// The command id.
    pub command_id: Uuid,
    /// Its stream.
    pub stream: StreamId,
    /// Position of its first event.
    pub first_position: Position,
    /// Position of its last event.
    pub last_position: Position,
    /// The stream's version after it.
    pub stream_version: u64,
    /// e.g. `ShareApplication.SubmitShareApplication`.
    pub command_type: String,
    /// Schema version of the body.
    pub schema_version: u32,
    /// The command's canonical JSON text (body and context: actor, rule set, calendar), as digested.
    pub payload: String,
    /// The instant the decision used as "now", exactly as digested.
    pub issued_at: String,
}

/// Which checkpoint a bundle's chain proof ends at.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BundleOptions {
    /// The engine's signed checkpoints: the proof ends at the first one at or after the case's last event
    /// (the smallest bundle a signature covers). When none covers it, the proof ends at `kept` or the head.
    pub signatures: Vec<SignedCheckpoint>,
    /// A kept checkpoint to end at (used when no signature covers the case; must be at or after the case's
    /// last event).
    pub kept: Option<Checkpoint>,
    /// Events read per batch.
    pub batch: usize,
}

/// What was found wrong with a bundle, at the first place it shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Error)]
#[serde(tag = "finding", rename_all = "snake_case")]
pub enum BundleFinding {
    /// The file is not a bundle (JSON syntax, a missing or unknown field, a malformed value).
    #[error("not a readable bundle: {detail}")]
    Unreadable {
        /// The parser's message.
        detail: String,
    },
    /// Another format or version.
    #[error("unsupported bundle format {format:?} (this checker reads {BUNDLE_FORMAT})")]
    UnsupportedFormat {
        /// The format named.
        format: String,
    },
    /// Something outside the events is inconsistent (the case's streams, the proof's bounds).
    #[error("{detail}")]
    Inconsistent {
        /// What.
        detail: String,
    },
    /// The events do not run from `from` to the checkpoint without a gap.
    #[error("event at index {index} has position {found}, expected {expected}")]
    NotContiguous {
        /// Index in `events`.
        index: usize,
        /// Position expected there.
        expected: Position,
        /// Position found.
        found: Position,
    },
    /// A hex field does not decode.
    #[error("position {position}: {field} is not valid hex of the right length")]
    BadHex {
        /// The event's position (0 for the proof's own fields).
        position: Position,
        /// The field.
        field: &'static str,
    },
    /// An event's fields do not hash to its recorded hash: the event was altered.
    #[error(
        "position {position}: the event's fields hash to {computed}, not to its recorded hash {recorded}"
    )]
    EventAltered {
        /// The event's position.
        position: Position,
        /// The hash recomputed from its fields and the previous hash (hex).
        computed: String,
        /// The hash it carries (hex).
        recorded: String,
    },
    /// A case event's command is missing, or its recomputed digest is not the one the event's hash covers.
    #[error("position {position}: command {command_id}: {detail}")]
    CommandMismatch {
        /// The event's position.
        position: Position,
        /// The command.
        command_id: Uuid,
        /// What.
        detail: String,
    },
    /// The chain recomputed from the events does not arrive at the checkpoint's hash.
    #[error(
        "the chain arrives at {computed} at position {position}, not at the checkpoint's {expected}"
    )]
    CheckpointNotReached {
        /// The checkpoint's position.
        position: Position,
        /// The checkpoint's hash (hex).
        expected: String,
        /// The recomputed one (hex).
        computed: String,
    },
    /// The checkpoint's signature does not verify, was made by another key, or signs another checkpoint.
    #[error("checkpoint signature: {detail}")]
    BadSignature {
        /// Why.
        detail: String,
    },
}

impl BundleFinding {
    /// The position it names, if it concerns one event.
    pub fn position(&self) -> Option<Position> {
        match self {
            BundleFinding::NotContiguous { expected, .. } => Some(*expected),
            BundleFinding::BadHex { position, .. }
            | BundleFinding::EventAltered { position, .. }
            | BundleFinding::CommandMismatch { position, .. }
            | BundleFinding::CheckpointNotReached { position, .. } => Some(*position),
            _ => None,
        }
    }
}

/// A bundle that checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BundleReport {
    /// The application.
    pub application_id: String,
    /// First position proved.
    pub from: Position,
    /// The checkpoint the chain arrives at.
    pub checkpoint: Checkpoint,
    /// The public key that signed the checkpoint (hex), if it is signed.
    pub signed_by: Option<String>,
    /// Events bundled.
    pub events: usize,
    /// Of which the case's.
    pub case_events: usize,
    /// The case's commands, each digest recomputed.
    pub commands: usize,
    /// Case events whose append recorded no command (nothing shows the rules decided them).
    pub case_events_without_command: Vec<Position>,
}

/// Finds the case of share application `application_id` in the log, and exports its events and commands
/// with the chain proof from its first event to a checkpoint (see [`BundleOptions`]).
///
/// The exported segment is recomputed on the way: a log that does not chain to the chosen checkpoint is
/// not exported (`AuditError::Tampered`).
pub async fn export_bundle(
    store: &dyn EventStore,
    application_id: &str,
    options: &BundleOptions,
) -> Result<EvidenceBundle> {
    let span = tracing::info_span!("audit.export_bundle", application_id);
    async {
        let batch = if options.batch == 0 {
            1000
        } else {
            options.batch
        };
        let head = store.head().await?;
        let (streams, first, last) = find_case(store, application_id, head.position, batch).await?;
        let (checkpoint, signed) = choose_checkpoint(options, last, head)?;
        let prev = stored_hash(store, first - 1).await?.ok_or_else(|| {
            AuditError::Tampered(ChainFinding::ChainBroken {
                position: first - 1,
                detail: "event is missing".into(),
            })
        })?;

        let mut events = Vec::new();
        let mut commands = Vec::new();
        let mut digests: HashMap<Uuid, Option<[u8; 32]>> = HashMap::new();
        let mut computed = prev;
        let mut log = log_stream(store, first, batch);
        while let Some(event) = log.next().await {
            let event = event?;
            if event.position > checkpoint.position {
                break;
            }
            let in_case = streams.contains(&event.stream);
            let command_id = event.metadata.command_id;
            let digest = match digests.get(&command_id) {
                Some(digest) => *digest,
                None => {
                    let record = store.read_command(command_id).await?;
                    let command = record
                        .as_ref()
                        .and_then(|r| r.command.as_ref().map(|c| (r, c)));
                    let digest =
                        command.map(|(_, c)| govshare_store::hash::command_digest(&command_id, c));
                    if in_case && let Some((r, c)) = command {
                        commands.push(BundledCommand {
                            command_id,
                            stream: r.stream.clone(),
                            first_position: r.first_position,
                            last_position: r.last_position,
                            stream_version: r.stream_version,
                            command_type: c.command_type.clone(),
                            schema_version: c.schema_version,
                            payload: canonical_json(&c.payload),
                            issued_at: format_timestamp(&c.issued_at),
                        });
                    }
                    // Only the current append's digest is needed again (its later events).
                    digests.clear();
                    digests.insert(command_id, digest);
                    digest
                }
            };
            let bundled = bundled_event(&event, in_case, digest);
            computed = event_hash(&bundled, &computed, digest.as_ref())
                .map_err(|f| AuditError::invalid("bundle", f.to_string()))?;
            if computed != event.hash {
                return Err(AuditError::Tampered(ChainFinding::ChainBroken {
                    position: event.position,
                    detail: "the stored bytes do not hash to the stored hash".into(),
                }));
            }
            events.push(bundled);
        }
        drop(log);
        let reached = events.last().map(|e| e.position).unwrap_or(first - 1);
        if reached != checkpoint.position {
            return Err(AuditError::Tampered(ChainFinding::Truncated {
                position: checkpoint.position,
                head: reached,
            }));
        }
        if computed != checkpoint.hash {
            return Err(AuditError::Tampered(ChainFinding::CheckpointMismatch {
                position: checkpoint.position,
                earliest: first,
                expected: hex::encode(checkpoint.hash),
                found: hex::encode(computed),
            }));
        }
        Ok(EvidenceBundle {
            format: BUNDLE_FORMAT.to_owned(),
            application_id: application_id.to_owned(),
            streams: streams.into_iter().collect(),
            chain: ChainProof {
                from: first,
                prev_hash: hex::encode(prev),
                checkpoint,
                signed,
            },
            events,
            commands,
        })
    }
    .instrument(span)
    .await
}

/// Which streams belong to the case, discovered from the events in position order.
struct CaseScan {
    application_id: String,
    application: StreamId,
    streams: BTreeSet<StreamId>,
    grants: BTreeSet<String>,
}

impl CaseScan {
    fn new(application_id: &str) -> Self {
        let application = StreamId::new("ShareApplication", application_id);
        CaseScan {
            application_id: application_id.to_owned(),
            streams: BTreeSet::from([application.clone()]),
            application,
            grants: BTreeSet::new(),
        }
    }

    /// Takes note of one event (in position order); true if it belongs to the case.
    fn observe(
        &mut self,
        stream: &StreamId,
        event_type: &str,
        schema_version: u32,
        payload: &str,
    ) -> std::result::Result<bool, String> {
        match (stream.aggregate_type.as_str(), event_type) {
            ("ShareApplication", "ShareProvided") if *stream == self.application => {
                let provided: ShareProvided =
                    body::<ShareApplication, _>(event_type, schema_version, payload)?;
                self.streams
                    .insert(StreamId::new("Grant", provided.grant_id.clone()));
                self.grants.insert(provided.grant_id);
            }
            ("Grant", "GrantIssued") => {
                let issued: GrantIssued = body::<Grant, _>(event_type, schema_version, payload)?;
                if issued.application_id() == self.application_id {
                    self.streams.insert(stream.clone());
                    self.grants.insert(stream.aggregate_id.clone());
                }
            }
            ("Verification", "VerificationRequested") => {
                let requested: VerificationRequested =
                    body::<Verification, _>(event_type, schema_version, payload)?;
                if let VerificationSubject::Grant { grant_id, .. } = &requested.subject
                    && self.grants.contains(grant_id)
                {
                    self.streams.insert(stream.clone());
                }
            }
            _ => {}
        }
        Ok(self.streams.contains(stream))
    }
}

/// The body of a stored event of kind `A`, upcast to its current version.
fn body<A, T>(
    event_type: &str,
    schema_version: u32,
    payload: &str,
) -> std::result::Result<T, String>
where
    A: Kind,
    A::Body: Serialize + serde::de::DeserializeOwned + Clone + Send + Sync,
    T: serde::de::DeserializeOwned,
{
    let value: serde_json::Value = serde_json::from_str(payload).map_err(|e| e.to_string())?;
    let (_, value) = A::upcasters()
        .upcast(event_type, schema_version, value)
        .map_err(|e| e.to_string())?;
    serde_json::from_value(value).map_err(|e| format!("{event_type} does not decode: {e}"))
}

/// The case's streams and the positions of its first and last events, up to `to`.
async fn find_case(
    store: &dyn EventStore,
    application_id: &str,
    to: Position,
    batch: usize,
) -> Result<(BTreeSet<StreamId>, Position, Position)> {
    let mut scan = CaseScan::new(application_id);
    let mut bounds: Option<(Position, Position)> = None;
    let mut log = log_stream(store, 1, batch);
    while let Some(event) = log.next().await {
        let event = event?;
        if event.position > to {
            break;
        }
        let in_case = scan
            .observe(
                &event.stream,
                &event.event_type,
                event.schema_version,
                event.payload.as_str(),
            )
            .map_err(|e| AuditError::invalid(format!("position {}", event.position), e))?;
        if in_case {
            bounds = Some(match bounds {
                None => (event.position, event.position),
                Some((first, _)) => (first, event.position),
            });
        }
    }
    let (first, last) = bounds.ok_or_else(|| {
        AuditError::invalid(
            format!("application {application_id}"),
            "no event of it is recorded",
        )
    })?;
    Ok((scan.streams, first, last))
}

fn choose_checkpoint(
    options: &BundleOptions,
    last_case_position: Position,
    head: Checkpoint,
) -> Result<(Checkpoint, Option<SignedCheckpoint>)> {
    if let Some(signed) = options
        .signatures
        .iter()
        .filter(|s| s.position >= last_case_position)
        .min_by_key(|s| s.position)
    {
        return Ok((signed.checkpoint(), Some(signed.clone())));
    }
    if let Some(kept) = options.kept {
        if kept.position < last_case_position {
            return Err(AuditError::invalid(
                "kept checkpoint",
                format!(
                    "position {} is before the case's last event at {last_case_position}",
                    kept.position
                ),
            ));
        }
        return Ok((kept, None));
    }
    Ok((head, None))
}

fn bundled_event(event: &RecordedEvent, in_case: bool, digest: Option<[u8; 32]>) -> BundledEvent {
    let m = &event.metadata;
    BundledEvent {
        position: event.position,
        in_case,
        aggregate_type: event.stream.aggregate_type.clone(),
        aggregate_id: event.stream.aggregate_id.clone(),
        sequence: event.sequence,
        event_type: event.event_type.clone(),
        schema_version: event.schema_version,
        payload: event.payload.as_str().to_owned(),
        event_id: m.event_id,
        command_id: m.command_id,
        correlation_id: m.correlation_id,
        causation_id: m.causation_id,
        actor_department: m.actor.department.clone(),
        actor_person: m.actor.person.clone(),
        actor_role: m.actor.role.clone(),
        rule_set: m.rule_set.as_ref().map(|r| BundledRuleSet {
            id: r.id.clone(),
            version: r.version.clone(),
        }),
        recorded_at: format_timestamp(&event.recorded_at),
        command_digest: digest.map(hex::encode),
        hash: hex::encode(event.hash),
    }
}

fn decode_hash(
    text: &str,
    position: Position,
    field: &'static str,
) -> Result<[u8; 32], BundleFinding> {
    let mut out = [0u8; 32];
    hex::decode_to_slice(text, &mut out).map_err(|_| BundleFinding::BadHex { position, field })?;
    Ok(out)
}

/// The chain hash of a bundled event after `prev`, with its append's command digest.
fn event_hash(
    event: &BundledEvent,
    prev: &[u8; 32],
    digest: Option<&[u8; 32]>,
) -> Result<[u8; 32], BundleFinding> {
    let causation = event.causation_id.map(|c| *c.as_bytes());
    Ok(HashInput {
        position: event.position,
        aggregate_type: &event.aggregate_type,
        aggregate_id: &event.aggregate_id,
        sequence: event.sequence,
        event_type: &event.event_type,
        schema_version: event.schema_version,
        payload: &event.payload,
        event_id: event.event_id.as_bytes(),
        command_id: event.command_id.as_bytes(),
        correlation_id: event.correlation_id.as_bytes(),
        causation_id: causation.as_ref().map(|c| &c[..]),
        department: &event.actor_department,
        person: &event.actor_person,
        role: &event.actor_role,
        rule_set: event
            .rule_set
            .as_ref()
            .map(|r| (r.id.as_str(), r.version.as_str())),
        recorded_at: &event.recorded_at,
        command_digest: digest,
    }
    .chain_hash(prev))
}

fn command_digest(command: &BundledCommand) -> [u8; 32] {
    CommandInput {
        command_type: &command.command_type,
        schema_version: command.schema_version,
        payload: &command.payload,
        issued_at: &command.issued_at,
        command_id: command.command_id.as_bytes(),
    }
    .digest()
}

/// Checks a bundle without the database: every event's hash recomputed from its fields, the chain from
/// `prev_hash` to the checkpoint, every case command's digest against the events it produced, the case's
/// streams against the events marked as the case's, and the checkpoint's signature (by `trusted`, when
/// given). The first problem is returned.
///
/// What the check proves: if the checkpoint is trusted (signed by the engine's key, or equal to one an
/// auditor kept), every bundled event and command is exactly as recorded at its position of the log.
pub fn check_bundle(
    bundle: &EvidenceBundle,
    trusted: Option<&VerifyingKey>,
) -> std::result::Result<BundleReport, BundleFinding> {
    let _span = tracing::info_span!(
        "audit.check_bundle",
        application_id = %bundle.application_id,
        events = bundle.events.len()
    )
    .entered();
    let inconsistent = |detail: String| BundleFinding::Inconsistent { detail };
    if bundle.format != BUNDLE_FORMAT {
        return Err(BundleFinding::UnsupportedFormat {
            format: bundle.format.clone(),
        });
    }
    let streams: BTreeSet<&StreamId> = bundle.streams.iter().collect();
    let application = StreamId::new("ShareApplication", bundle.application_id.clone());
    if !streams.contains(&application) {
        return Err(inconsistent(format!(
            "the case's streams do not include its application {application}"
        )));
    }
    let chain = &bundle.chain;
    if chain.from == 0 || chain.checkpoint.position < chain.from {
        return Err(inconsistent(format!(
            "the proof runs from position {} to {}",
            chain.from, chain.checkpoint.position
        )));
    }
    if let Some(signed) = &chain.signed {
        if signed.checkpoint() != chain.checkpoint {
            return Err(BundleFinding::BadSignature {
                detail: format!(
                    "it signs position {} with another hash or position than the proof's checkpoint",
                    signed.position
                ),
            });
        }
        signed
            .verify(trusted)
            .map_err(|detail| BundleFinding::BadSignature { detail })?;
    } else if trusted.is_some() {
        return Err(BundleFinding::BadSignature {
            detail: "a trusted key was given but the checkpoint is not signed".into(),
        });
    }
    let expected_len = chain.checkpoint.position - chain.from + 1;
    if bundle.events.len() as u64 != expected_len {
        return Err(inconsistent(format!(
            "the proof covers {expected_len} positions but the bundle has {} events",
            bundle.events.len()
        )));
    }

    // The case's commands, by id; each must describe the case events it produced.
    let mut commands: BTreeMap<Uuid, (&BundledCommand, [u8; 32], u64)> = BTreeMap::new();
    for command in &bundle.commands {
        if !streams.contains(&command.stream) {
            return Err(inconsistent(format!(
                "command {} is in stream {}, not one of the case's",
                command.command_id, command.stream
            )));
        }
        if commands
            .insert(command.command_id, (command, command_digest(command), 0))
            .is_some()
        {
            return Err(inconsistent(format!(
                "command {} is bundled twice",
                command.command_id
            )));
        }
    }

    let mut prev = decode_hash(&chain.prev_hash, 0, "prev_hash")?;
    if chain.from == 1 && prev != GENESIS_HASH {
        return Err(inconsistent(
            "the proof starts at position 1 but its previous hash is not the genesis hash".into(),
        ));
    }
    let mut case_events = 0;
    let mut without_command = Vec::new();
    let mut scan = CaseScan::new(&bundle.application_id);
    let mut started: BTreeSet<StreamId> = BTreeSet::new();
    for (index, event) in bundle.events.iter().enumerate() {
        let expected = chain.from + index as u64;
        if event.position != expected {
            return Err(BundleFinding::NotContiguous {
                index,
                expected,
                found: event.position,
            });
        }
        let stream = StreamId::new(event.aggregate_type.clone(), event.aggregate_id.clone());
        let belongs = scan
            .observe(
                &stream,
                &event.event_type,
                event.schema_version,
                &event.payload,
            )
            .map_err(|e| inconsistent(format!("position {}: {e}", event.position)))?;
        if event.in_case != belongs || belongs != streams.contains(&stream) {
            return Err(inconsistent(format!(
                "position {}: marked in_case={} but its stream {stream} is {}one of the case's",
                event.position,
                event.in_case,
                if belongs { "" } else { "not " }
            )));
        }
        if belongs && started.insert(stream.clone()) && event.sequence != 1 {
            return Err(inconsistent(format!(
                "position {}: the case's stream {stream} begins before the proof (sequence {})",
                event.position, event.sequence
            )));
        }
        let digest = match &event.command_digest {
            Some(text) => Some(decode_hash(text, event.position, "command_digest")?),
            None => None,
        };
        if event.in_case {
            case_events += 1;
            match (commands.get_mut(&event.command_id), digest) {
                (Some((command, recomputed, seen)), Some(digest)) => {
                    if *recomputed != digest {
                        return Err(BundleFinding::CommandMismatch {
                            position: event.position,
                            command_id: event.command_id,
                            detail: "the bundled command's digest is not the one the event's hash covers"
                                .into(),
                        });
                    }
                    if command.stream != stream
                        || event.position < command.first_position
                        || event.position > command.last_position
                        || (event.position == command.last_position
                            && event.sequence != command.stream_version)
                    {
                        return Err(BundleFinding::CommandMismatch {
                            position: event.position,
                            command_id: event.command_id,
                            detail: format!(
                                "the command is recorded for {} positions {}..={} (version {})",
                                command.stream,
                                command.first_position,
                                command.last_position,
                                command.stream_version
                            ),
                        });
                    }
                    *seen += 1;
                }
                (None, Some(_)) => {
                    return Err(BundleFinding::CommandMismatch {
                        position: event.position,
                        command_id: event.command_id,
                        detail: "the case event's command is not bundled".into(),
                    });
                }
                (Some(_), None) => {
                    return Err(BundleFinding::CommandMismatch {
                        position: event.position,
                        command_id: event.command_id,
                        detail: "a command is bundled but the event's hash covers none".into(),
                    });
                }
                (None, None) => without_command.push(event.position),
            }
        }
        let recorded = decode_hash(&event.hash, event.position, "hash")?;
        let computed = event_hash(event, &prev, digest.as_ref())?;
        if computed != recorded {
            return Err(BundleFinding::EventAltered {
                position: event.position,
                computed: hex::encode(computed),
                recorded: event.hash.clone(),
            });
        }
        prev = computed;
    }
    for (command_id, (command, _, seen)) in &commands {
        // Saturating: a command may claim positions `0..=u64::MAX`, whose count does not fit.
        let span = command
            .last_position
            .saturating_sub(command.first_position)
            .saturating_add(1);
        if *seen != span {
            return Err(BundleFinding::CommandMismatch {
                position: command.first_position,
                command_id: *command_id,
                detail: format!(
                    "the command is recorded for {span} events but {seen} bundled events carry it"
                ),
            });
        }
    }
    if scan.streams.iter().collect::<BTreeSet<_>>() != streams {
        return Err(inconsistent(
            "the case's streams named by the bundle are not the ones its events show".into(),
        ));
    }
    if prev != chain.checkpoint.hash {
        return Err(BundleFinding::CheckpointNotReached {
            position: chain.checkpoint.position,
            expected: hex::encode(chain.checkpoint.hash),
            computed: hex::encode(prev),
        });
    }
    Ok(BundleReport {
        application_id: bundle.application_id.clone(),
        from: chain.from,
        checkpoint: chain.checkpoint,
        signed_by: chain.signed.as_ref().map(|s| hex::encode(s.public_key)),
        events: bundle.events.len(),
        case_events,
        commands: commands.len(),
        case_events_without_command: without_command,
    })
}

/// Parses a bundle file's text and checks it ([`check_bundle`]); text that is not a bundle is
/// [`BundleFinding::Unreadable`].
pub fn check_bundle_json(
    text: &str,
    trusted: Option<&VerifyingKey>,
) -> std::result::Result<BundleReport, BundleFinding> {
    let bundle: EvidenceBundle =
        serde_json::from_str(text).map_err(|e| BundleFinding::Unreadable {
            detail: e.to_string(),
        })?;
    check_bundle(&bundle, trusted)
}

/// Writes a bundle as pretty-printed JSON.
pub fn write_bundle(bundle: &EvidenceBundle, path: &Path) -> Result<()> {
    let mut text = serde_json::to_string_pretty(bundle)
        .map_err(|e| AuditError::invalid("bundle", e.to_string()))?;
    text.push('\n');
    std::fs::write(path, text).map_err(|e| AuditError::io(path, e))
}

/// Reads and checks a bundle file. An unreadable file is an `Err(AuditError)`; a readable one gives the
/// check's result.
pub fn check_bundle_file(
    path: &Path,
    trusted: Option<&VerifyingKey>,
) -> Result<std::result::Result<BundleReport, BundleFinding>> {
    let bytes = std::fs::read(path).map_err(|e| AuditError::io(path, e))?;
    Ok(match std::str::from_utf8(&bytes) {
        Ok(text) => check_bundle_json(text, trusted),
        Err(e) => Err(BundleFinding::Unreadable {
            detail: format!("not UTF-8: {e}"),
        }),
    })
}
