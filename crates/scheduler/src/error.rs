//! The scheduler's one error type.

use govshare_engine::EngineError;
use govshare_projections::ProjectionError;
use govshare_store::{Position, StoreError};
use thiserror::Error;

/// Why a tick, a recomputation or one of their commands did not go through.
#[derive(Debug, Error)]
pub enum SchedulerError {
    /// The engine refused or failed the command (see [`EngineError::is_retryable`]).
    #[error(transparent)]
    Engine(#[from] EngineError),
    /// The read model could not be queried.
    #[error("read model: {0}")]
    Projection(#[source] ProjectionError),
    /// The log's head could not be read.
    #[error("event store: {0}")]
    Store(#[from] StoreError),
    /// The read model did not reach the log's head in time: the scheduler does not act on a stale view.
    #[error("read model {projection} reached position {reached}, not the head {head}, in time")]
    Stale {
        /// The projection waited on.
        projection: String,
        /// The log's head when the tick began.
        head: Position,
        /// Where the projection stood when the wait ended.
        reached: Position,
    },
    /// No data authority could be found to act for the deadline's owing department (neither in its
    /// region nor above it), and none is configured as the fallback.
    #[error("no data authority acts for department {department}")]
    NoActingAuthority {
        /// The owing department as the read model records it.
        department: String,
    },
    /// The read model names an aggregate type the scheduler has no command for.
    #[error("aggregate type {aggregate_type} takes no {command}")]
    UnsupportedAggregate {
        /// The stream type.
        aggregate_type: String,
        /// `MarkOverdue`, `RecomputeDeadlines` or `RemindDeadline`.
        command: &'static str,
    },
    /// A recomputation was asked for a year whose holiday arrangement the engine's calendar does not hold.
    #[error("the engine's calendar holds no holiday arrangement for {year}")]
    CalendarNotLoaded {
        /// The year.
        year: i32,
    },
}

impl SchedulerError {
    /// Whether the same work may succeed on a later tick without any change: the store or the database
    /// was unavailable, the view was stale, another writer won a race, or the rules said "not yet"
    /// (`NotYetDue`, `ExtensionPending`, `NotYetRemindable`).
    pub fn is_retryable(&self) -> bool {
        match self {
            SchedulerError::Engine(e) => e.is_retryable(),
            SchedulerError::Projection(e) => !matches!(
                e,
                ProjectionError::Decode { .. }
                    | ProjectionError::Definition(_)
                    | ProjectionError::NotAStore(_)
                    | ProjectionError::UnknownProjection(_)
                    | ProjectionError::Column { .. }
                    | ProjectionError::InvalidCursor
            ),
            SchedulerError::Store(e) => !matches!(
                e,
                StoreError::Corrupt { .. } | StoreError::TamperDetected { .. }
            ),
            SchedulerError::Stale { .. } => true,
            SchedulerError::NoActingAuthority { .. }
            | SchedulerError::UnsupportedAggregate { .. }
            | SchedulerError::CalendarNotLoaded { .. } => false,
        }
    }
}

impl From<ProjectionError> for SchedulerError {
    fn from(error: ProjectionError) -> Self {
        match error {
            ProjectionError::Timeout {
                projection,
                wanted,
                reached,
            } => SchedulerError::Stale {
                projection,
                head: wanted,
                reached,
            },
            other => SchedulerError::Projection(other),
        }
    }
}
