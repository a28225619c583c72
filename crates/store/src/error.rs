//! Error type of the store.

use std::path::PathBuf;

use crate::types::{ExpectedVersion, Position, StreamId};

/// Everything that can go wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The stream's version is not the expected one; nothing was appended.
    #[error("conflict on stream {stream}: expected {expected:?}, actual version {actual}")]
    Conflict {
        /// Stream appended to.
        stream: StreamId,
        /// What the caller expected.
        expected: ExpectedVersion,
        /// The stream's actual version.
        actual: u64,
    },
    /// An event payload's (or the command body's) canonical encoding exceeds the configured
    /// limit.
    #[error("payload of {size} bytes exceeds the limit of {limit} bytes")]
    PayloadTooLarge {
        /// Size of the canonical payload in bytes.
        size: usize,
        /// Configured limit in bytes.
        limit: usize,
    },
    /// An event's metadata lacks the acting department, person or role.
    #[error("event metadata has no actor {field}")]
    MissingActor {
        /// The missing field: `department`, `person` or `role`.
        field: &'static str,
    },
    /// The request is malformed (e.g. no events, mismatching command id, bad timestamp).
    #[error("invalid append: {0}")]
    InvalidEvent(String),
    /// The request's command record is malformed (blank command type, `issued_at` outside
    /// 1677–2262); nothing was appended.
    #[error("invalid command record: {0}")]
    InvalidCommand(String),
    /// An event id is already present in the log.
    #[error("event id {0} is already recorded")]
    DuplicateEventId(uuid::Uuid),
    /// Another process holds the store's write lock.
    #[error("store {path} is locked by another process")]
    Locked {
        /// Store file.
        path: PathBuf,
    },
    /// The file or database is not a govshare event store (or has a newer schema).
    #[error("{0} is not a govshare event store")]
    NotAGovshareStore(String),
    /// Stored data does not match its hash chain or a kept checkpoint.
    #[error("tamper detected at position {position}: {detail}")]
    TamperDetected {
        /// First position whose stored bytes do not verify.
        position: Position,
        /// What did not match.
        detail: String,
    },
    /// A snapshot refers to events the stream does not have.
    #[error("snapshot of {stream} at sequence {sequence} is beyond the stream version {actual}")]
    SnapshotAhead {
        /// Stream of the snapshot.
        stream: StreamId,
        /// Sequence the snapshot claims.
        sequence: u64,
        /// The stream's actual version.
        actual: u64,
    },
    /// No upcaster path leads from the stored version to the version the reader needs, or an
    /// upcaster failed.
    #[error("upcasting {event_type} v{version}: {detail}")]
    Upcast {
        /// Event type.
        event_type: String,
        /// Version being upcast.
        version: u32,
        /// What went wrong.
        detail: String,
    },
    /// A stored value could not be decoded.
    #[error("corrupt stored data at position {position}: {detail}")]
    Corrupt {
        /// Position of the event (0 when not about an event).
        position: Position,
        /// What could not be decoded.
        detail: String,
    },
    /// JSON (de)serialization failed.
    #[error("serialization: {0}")]
    Serialization(#[from] serde_json::Error),
    /// The store has been shut down.
    #[error("the store is closed")]
    Closed,
    /// SQLite reported an error.
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// PostgreSQL reported an error.
    #[error("postgres: {0}")]
    Postgres(#[from] sqlx::Error),
    /// A storage failure reported to every append of a group commit that failed as a whole; no
    /// append of that group was written and each may be retried with the same command id.
    #[error("storage backend: {0}")]
    Backend(String),
    /// File-system error.
    #[error("io: {0}")]
    Io(#[from] std::io::Error),
    /// The disk (or the database's tablespace) is full: SQLite's `SQLITE_FULL`, PostgreSQL's
    /// `disk_full` (53100) or `ENOSPC`. Reported to every append of the group commit that hit it; none of
    /// them was written, and each may be retried with the same command id once space is freed.
    #[error("no space left for the event store: {0}")]
    StorageFull(String),
}

impl StoreError {
    /// The group-commit error every append of a failed group is answered with: [`StoreError::StorageFull`]
    /// when the cause was a full disk, [`StoreError::Backend`] otherwise.
    pub(crate) fn for_failed_group(&self) -> StoreError {
        match self {
            StoreError::StorageFull(text) => StoreError::StorageFull(text.clone()),
            StoreError::Backend(text) => StoreError::Backend(text.clone()),
            _ if self.is_storage_full() => StoreError::StorageFull(self.to_string()),
            _ => StoreError::Backend(self.to_string()),
        }
    }

    /// Whether the cause is a full disk.
    pub fn is_storage_full(&self) -> bool {
        const ENOSPC: i32 = 28;
        match self {
            StoreError::StorageFull(_) => true,
            StoreError::Sqlite(rusqlite::Error::SqliteFailure(e, _)) => {
                e.code == rusqlite::ErrorCode::DiskFull
            }
            StoreError::Postgres(sqlx::Error::Database(db)) => {
                db.code().as_deref() == Some("53100")
            }
            StoreError::Io(e) => e.raw_os_error() == Some(ENOSPC),
            _ => false,
        }
    }
}

/// Result alias of the store.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::StoreError;

    #[test]
    fn a_full_disk_is_told_apart_from_other_failures() {
        let enospc = StoreError::Io(std::io::Error::from_raw_os_error(28));
        assert!(enospc.is_storage_full());
        assert!(matches!(
            enospc.for_failed_group(),
            StoreError::StorageFull(text) if text.contains("No space left")
        ));
        let full = StoreError::Sqlite(rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_FULL),
            None,
        ));
        assert!(full.is_storage_full());
        let busy = StoreError::Sqlite(rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_BUSY),
            None,
        ));
        assert!(!busy.is_storage_full());
        assert!(matches!(busy.for_failed_group(), StoreError::Backend(_)));
        let again = StoreError::StorageFull("no room".into()).for_failed_group();
        assert_eq!(
            again.to_string(),
            "no space left for the event store: no room"
        );
    }
}
