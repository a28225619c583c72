//! The policies' one error type.

use govshare_engine::EngineError;
use govshare_store::{Position, StoreError};
use thiserror::Error;

/// Why a policy could not act on an event, or a pass could not go on.
#[derive(Debug, Error)]
pub enum PolicyError {
    /// The engine refused or failed the command (see [`EngineError::is_retryable`]).
    #[error(transparent)]
    Engine(#[from] EngineError),
    /// The log could not be read.
    #[error("event store: {0}")]
    Store(#[from] StoreError),
    /// The causing event does not decode.
    #[error("event at position {position} does not decode: {reason}")]
    Decode {
        /// Its position.
        position: Position,
        /// Why.
        reason: String,
    },
    /// A fact the command needs is not in the log (e.g. the catalog entry a provision names).
    #[error("the event at position {position} needs {what}, which the log does not hold")]
    MissingFact {
        /// The causing event's position.
        position: Position,
        /// What is missing.
        what: String,
    },
    /// The checkpoint could not be read or advanced.
    #[error("checkpoint of policy {policy}: {source}")]
    Checkpoint {
        /// The policy.
        policy: &'static str,
        /// Why.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

impl PolicyError {
    /// Whether the same event may be acted on later without any change: the store, the engine or the
    /// checkpoint was unavailable, another writer won a race, or the rules said "not yet". Anything
    /// else is a refusal for good: logged, reported, and the checkpoint moves past the event.
    pub fn is_retryable(&self) -> bool {
        match self {
            PolicyError::Engine(e) => e.is_retryable(),
            PolicyError::Store(e) => !matches!(
                e,
                StoreError::Corrupt { .. } | StoreError::TamperDetected { .. }
            ),
            PolicyError::Checkpoint { .. } => true,
            PolicyError::Decode { .. } | PolicyError::MissingFact { .. } => false,
        }
    }
}
