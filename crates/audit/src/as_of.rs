//! The state of an aggregate as of an instant or a position, folded from the raw log.
//!
//! Snapshots and read models are not consulted: they are outside the hash chain. Verify the chain first
//! ([`crate::verify`]) to know the events folded here are the recorded ones.

use chrono::{DateTime, Utc};
use govshare_codec::{Kind, decode_event};
use govshare_store::{EventStore, Position, RecordedEvent, StreamId, StreamRead};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use tracing::Instrument;

use crate::error::{AuditError, ChainFinding, Result};
use crate::kinds::with_kind;

/// Up to which point of the log a state is folded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AsOf {
    /// Every event recorded at or before this instant (`recorded_at <= t`).
    Instant(DateTime<Utc>),
    /// Every event at or before this global position.
    Position(Position),
    /// Every event in the log.
    Head,
}

impl AsOf {
    fn read(self) -> StreamRead {
        match self {
            AsOf::Instant(t) => StreamRead {
                up_to_instant: Some(t),
                ..StreamRead::all()
            },
            AsOf::Position(p) => StreamRead {
                up_to_position: Some(p),
                ..StreamRead::all()
            },
            AsOf::Head => StreamRead::all(),
        }
    }
}

/// An aggregate's state folded from its events up to some point, with where that point is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StateAsOf<T> {
    /// The stream.
    pub stream: StreamId,
    /// The state (`Default` if no event of the stream falls before the point).
    pub state: T,
    /// Number of events folded (the stream's version at that point).
    pub version: u64,
    /// Position of the last event folded.
    pub last_position: Option<Position>,
    /// When the last event folded was recorded.
    pub last_recorded_at: Option<DateTime<Utc>>,
}

/// The state of aggregate `id` of kind `A` as of `at`, folded from its recorded events.
///
/// ```no_run
/// # async fn example(store: &dyn govshare_store::EventStore) -> Result<(), govshare_audit::AuditError> {
/// use govshare_audit::{AsOf, as_of};
/// use govshare_domain::share_application::ShareApplication;
///
/// let then = as_of::<ShareApplication>(store, "SA-2026-0001", AsOf::Position(120)).await?;
/// println!("{:?} after {} events", then.state.status(), then.version);
/// # Ok(()) }
/// ```
pub async fn as_of<A>(store: &dyn EventStore, id: &str, at: AsOf) -> Result<StateAsOf<A>>
where
    A: Kind,
    A::Body: Serialize + DeserializeOwned + Clone + Send + Sync,
{
    let stream = A::stream(id);
    let span = tracing::debug_span!("audit.as_of", stream = %stream, at = ?at);
    async {
        let events = store.read_stream(&stream, at.read()).await?;
        fold::<A>(stream, &events)
    }
    .instrument(span)
    .await
}

/// [`as_of`] for a stream of any of the registered kinds ([`govshare_codec::KINDS`]), dispatched on its
/// aggregate type; the state is its serde JSON form.
pub async fn as_of_json(
    store: &dyn EventStore,
    stream: &StreamId,
    at: AsOf,
) -> Result<StateAsOf<serde_json::Value>> {
    with_kind!(
        stream.aggregate_type.as_str(),
        A => {
            let typed = as_of::<A>(store, &stream.aggregate_id, at).await?;
            Ok(StateAsOf {
                state: serde_json::to_value(&typed.state).map_err(govshare_codec::CodecError::from)?,
                stream: typed.stream,
                version: typed.version,
                last_position: typed.last_position,
                last_recorded_at: typed.last_recorded_at,
            })
        },
        other => Err(AuditError::UnknownKind(other.to_owned()))
    )
}

fn fold<A>(stream: StreamId, events: &[RecordedEvent]) -> Result<StateAsOf<A>>
where
    A: Kind,
    A::Body: Serialize + DeserializeOwned + Clone + Send + Sync,
{
    let upcasters = A::upcasters();
    let mut state = A::default();
    let mut version = 0;
    let mut last: Option<&RecordedEvent> = None;
    for event in events {
        if event.sequence != version + 1 {
            return Err(AuditError::Tampered(ChainFinding::ChainBroken {
                position: event.position,
                detail: format!(
                    "stream {stream} jumps from sequence {version} to {}",
                    event.sequence
                ),
            }));
        }
        state.apply(decode_event::<A>(event, &upcasters)?);
        version = event.sequence;
        last = Some(event);
    }
    Ok(StateAsOf {
        stream,
        state,
        version,
        last_position: last.map(|e| e.position),
        last_recorded_at: last.map(|e| e.recorded_at),
    })
}
