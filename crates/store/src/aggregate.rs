//! Loading `cqrs_es` aggregates from the store with snapshots that are correct by construction.
//!
//! A snapshot at sequence `s` holds exactly the fold of events `1..=s`; loading applies the
//! snapshot and then only the events with sequence greater than `s`, each exactly once. A
//! snapshot can only be saved from a [`LoadedAggregate`], i.e. from a state built by that same
//! fold, never from an aggregate that has since handled a command.

use cqrs_es::Aggregate;

use crate::error::{Result, StoreError};
use crate::store::EventStore;
use crate::types::{Snapshot, StreamId, StreamRead};
use crate::upcast::Upcasters;

/// An aggregate rebuilt from the store, with the stream version it reflects.
#[derive(Debug, Clone)]
pub struct LoadedAggregate<A> {
    aggregate: A,
    version: u64,
    snapshot_sequence: Option<u64>,
}

impl<A> LoadedAggregate<A> {
    /// The rebuilt state.
    pub fn aggregate(&self) -> &A {
        &self.aggregate
    }

    /// Sequence of the last event folded in (0 for a new stream): the `ExpectedVersion::Exact`
    /// to append the next command's events with.
    pub fn version(&self) -> u64 {
        self.version
    }

    /// Sequence of the snapshot the state started from, if one was used.
    pub fn snapshot_sequence(&self) -> Option<u64> {
        self.snapshot_sequence
    }

    /// The state and its version, e.g. to handle a command.
    pub fn into_parts(self) -> (A, u64) {
        (self.aggregate, self.version)
    }
}

/// Rebuilds aggregate `aggregate_id` of type `A`: from its latest snapshot if that snapshot's
/// `state_version` equals the given one (otherwise from the first event), then applying each
/// later event once, upcast to its newest version.
pub async fn load_aggregate<A: Aggregate>(
    store: &dyn EventStore,
    aggregate_id: &str,
    upcasters: &Upcasters,
    state_version: u32,
) -> Result<LoadedAggregate<A>> {
    let stream = StreamId::new(A::TYPE, aggregate_id);
    let snapshot = store
        .load_snapshot(&stream)
        .await?
        .filter(|s| s.state_version == state_version);
    let (mut aggregate, mut version, snapshot_sequence) = match snapshot {
        Some(s) => (
            serde_json::from_value::<A>(s.state)?,
            s.sequence,
            Some(s.sequence),
        ),
        None => (A::default(), 0, None),
    };
    let events = store
        .read_stream(
            &stream,
            StreamRead {
                after_sequence: version,
                ..StreamRead::default()
            },
        )
        .await?;
    for event in events {
        if event.sequence != version + 1 {
            return Err(StoreError::Corrupt {
                position: event.position,
                detail: format!(
                    "stream {stream} jumps from sequence {version} to {}",
                    event.sequence
                ),
            });
        }
        let domain_event: A::Event = if upcasters.has_step(&event.event_type, event.schema_version)
        {
            serde_json::from_value(upcasters.upcast_event(&event)?.payload)?
        } else {
            event.payload.deserialize()?
        };
        aggregate.apply(domain_event);
        version = event.sequence;
    }
    Ok(LoadedAggregate {
        aggregate,
        version,
        snapshot_sequence,
    })
}

/// Saves the state of a loaded aggregate as its stream's snapshot at the loaded version.
pub async fn save_aggregate_snapshot<A: Aggregate>(
    store: &dyn EventStore,
    aggregate_id: &str,
    loaded: &LoadedAggregate<A>,
    state_version: u32,
) -> Result<()> {
    if loaded.version == 0 {
        return Ok(());
    }
    store
        .save_snapshot(&Snapshot {
            stream: StreamId::new(A::TYPE, aggregate_id),
            sequence: loaded.version,
            state_version,
            state: serde_json::to_value(&loaded.aggregate)?,
        })
        .await
}
