//! govshare's engine: the one command path from a caller to the log.
//!
//! An embedding service, the HTTP server, the CLI and the deadline scheduler all record through
//! [`Engine::execute`]. For each command the engine
//!
//! 1. recognises a retried command id and answers it with the original [`Recorded`], writing nothing;
//! 2. resolves the actor against the organization registry (unknown departments and the scheduler's role
//!    are refused);
//! 3. resolves the facts the domain trusts from the log (an entry's share attribute, provider and negative
//!    listing at submission, the route of a cross-level application, the same-level data authority …);
//! 4. loads the aggregate (cache, or snapshot + tail), reads the clock once — never earlier than the
//!    aggregate's last event — and calls the domain's pure `decide`;
//! 5. appends the events together with the command (type, body, resolved actor, rule set, calendar) in one
//!    atomic, idempotent append guarded by the stream version, deciding again if another writer won.
//!
//! The engine owns the [`Clock`] and the [`IdGenerator`]: the store and the domain never read a clock.
//!
//! ```no_run
//! # async fn example() -> Result<(), govshare_engine::EngineError> {
//! use govshare_engine::{Engine, EngineConfig};
//!
//! let engine = Engine::open(EngineConfig::default()).await?; // ./govshare.db
//! let registry = engine.registry().await?;
//! # Ok(()) }
//! ```
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

mod clock;
mod command;
mod config;
mod engine;
mod error;
mod facts;
mod ids;

pub use clock::{Clock, ManualClock, SystemClock};
pub use command::{Command, CommandRequest, REGISTRY_ID, Recorded};
pub use config::{CategorySource, EngineConfig, RuleSetSource};
pub use engine::Engine;
pub use error::EngineError;
pub use facts::{named_department, requested_entry};
pub use ids::{IdGenerator, SeededIds, UuidV7, derived_command_id};
