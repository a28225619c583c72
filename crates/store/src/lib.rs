//! The govshare event store: the legal record of who shared what, when, and under which rule.
//!
//! One append-only log of events with a dense global position in commit order, per-stream
//! sequences with optimistic concurrency, command-id idempotency, group commit, and a SHA-256
//! hash chain over every stored field so that an auditor can prove the log unaltered against a
//! kept [`Checkpoint`]. Two backends share one semantics: [`SqliteStore`] (embedded, one file)
//! and [`PostgresStore`] (several processes on one database).
//!
//! The schema, the hash encoding and the ordering guarantee are specified in
//! `docs/event-store.md`.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

mod aggregate;
mod canonical;
mod commands;
#[cfg(feature = "cqrs-repository")]
mod cqrs;
mod decode;
mod error;
pub mod hash;
mod open;
mod plan;
mod postgres;
mod sqlite;
mod store;
mod types;
mod upcast;

pub use aggregate::{LoadedAggregate, load_aggregate, save_aggregate_snapshot};
#[cfg(feature = "cqrs-repository")]
pub use cqrs::{CqrsEventRepository, IdSource, InstantSource};
pub use error::{Result, StoreError};
pub use open::open;
pub use plan::StoreConfig;
pub use postgres::PostgresStore;
pub use sqlite::{APPLICATION_ID, SqliteStore};
pub use store::{EventStore, log_stream};
pub use types::{
    Actor, AppendOutcome, AppendRequest, Checkpoint, CommandRecord, EventMetadata, ExpectedVersion,
    NewEvent, Payload, Position, RecordedCommand, RecordedEvent, RuleSetRef, Snapshot, StreamId,
    StreamRead, VerifyReport,
};
pub use upcast::{UpcastedEvent, Upcaster, Upcasters};
