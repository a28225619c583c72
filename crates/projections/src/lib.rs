//! The read side of govshare: a projection runner and the read models it builds.
//!
//! The runner ([`start`]) reads the global log of the event store from each projection's
//! checkpoint and applies events to the projection's tables **in the same database transaction as
//! the checkpoint**, on connections of its own (never the store's writer), so a crash at any point
//! neither loses nor doubles an effect. It catches up in large batches, then follows the log with a
//! short poll of the head (woken at once by [`RunnerHandle::notify`] or [`RunnerHandle::wait_for`]).
//! With several engine processes on one PostgreSQL database only the holder of a projection's
//! advisory-lock lease applies it; another takes over when the holder's connection dies. A
//! projection is rebuilt into a fresh generation of tables and switched over, in one transaction,
//! once caught up, while queries keep being served from the stable views.
//!
//! The read models live in the store's own database (the SQLite file or the PostgreSQL database),
//! documented in `docs/read-models.md`; each module of [`models`] holds a projection and its typed,
//! cursor-paginated queries.
//!
//! Beside the projections, [`ReadDb::follower`] keeps the checkpoint (and the lease) of a worker that
//! follows the log to act on it through the engine rather than to build a table (the policies).
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

mod db;
mod decode;
mod error;
mod follower;
mod lease;
pub mod models;
mod page;
mod projection;
mod registry;
mod runner;
pub mod sql;

pub use db::{GenerationState, Lag, ProjectionState, ReadDb};
pub use error::{ProjectionError, Result};
pub use follower::{Follower, FollowerLease};
pub use lease::lease_key;
pub use page::{Cursor, MAX_LIMIT, Page, PageRequest};
pub use projection::Projection;
pub use registry::{BatchInfo, BeforeCommit};
pub use runner::{ProjectionStatus, RunnerConfig, RunnerHandle, start};
pub use sql::{Cell, Dialect, Row, SqlValue, Tx};
