//! Error type of the projections.

use govshare_store::{Position, StoreError};

/// Everything that can go wrong while running projections or querying read models.
#[derive(Debug, thiserror::Error)]
pub enum ProjectionError {
    /// SQLite reported an error.
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// PostgreSQL reported an error.
    #[error("postgres: {0}")]
    Postgres(#[from] sqlx::Error),
    /// The event store failed.
    #[error("event store: {0}")]
    Store(#[from] StoreError),
    /// A file-system error (SQLite lock files).
    #[error("io: {0}")]
    Io(#[from] std::io::Error),
    /// JSON (de)serialization failed.
    #[error("serialization: {0}")]
    Json(#[from] serde_json::Error),
    /// A stored event could not be decoded into its domain type.
    #[error("position {position}: {detail}")]
    Decode {
        /// Position of the event.
        position: Position,
        /// What failed.
        detail: String,
    },
    /// A projection's name, table name or schema is not acceptable.
    #[error("projection definition: {0}")]
    Definition(String),
    /// The database is not a govshare event store (read models live beside the log).
    #[error("{0} is not a govshare event store; open the store first")]
    NotAStore(String),
    /// No projection of that name is registered.
    #[error("unknown projection {0}")]
    UnknownProjection(String),
    /// A result column could not be read as the expected type.
    #[error("column {index}: {detail}")]
    Column {
        /// Zero-based column index.
        index: usize,
        /// What was expected and found.
        detail: String,
    },
    /// A pagination cursor was not produced by this query.
    #[error("invalid cursor")]
    InvalidCursor,
    /// `wait_for` ran out of time.
    #[error("projection {projection} reached position {reached}, not {wanted}, before the timeout")]
    Timeout {
        /// Projection waited on.
        projection: String,
        /// Position wanted.
        wanted: Position,
        /// Position reached when the wait ended.
        reached: Position,
    },
    /// The events read do not continue the checkpoint (a gap in the dense log).
    #[error("projection {projection}: expected position {expected}, read {found}")]
    Gap {
        /// Projection.
        projection: String,
        /// The position after the checkpoint.
        expected: Position,
        /// The position read.
        found: Position,
    },
    /// This runner lost its lease (its lock connection died) and stopped applying.
    #[error("projection {0}: lease lost")]
    LeaseLost(String),
    /// A failure injected by a test hook before a batch's commit.
    #[error("injected failure before commit of {projection} batch {from}..={to}")]
    Injected {
        /// Projection.
        projection: String,
        /// First position of the batch.
        from: Position,
        /// Last position of the batch.
        to: Position,
    },
    /// The runner has been shut down.
    #[error("the projection runner is shut down")]
    Shutdown,
    /// A blocking task failed.
    #[error("background task: {0}")]
    Task(String),
}

impl ProjectionError {
    pub(crate) fn decode(position: Position, detail: impl ToString) -> Self {
        Self::Decode {
            position,
            detail: detail.to_string(),
        }
    }

    /// Whether the error says a table or view does not exist (a query that raced a switch-over, or
    /// a read model that has not been created yet).
    pub(crate) fn is_missing_relation(&self) -> bool {
        match self {
            Self::Sqlite(e) => e.to_string().contains("no such table"),
            Self::Postgres(sqlx::Error::Database(db)) => db.code().as_deref() == Some("42P01"),
            _ => false,
        }
    }
}

/// Result alias of the projections.
pub type Result<T, E = ProjectionError> = std::result::Result<T, E>;
