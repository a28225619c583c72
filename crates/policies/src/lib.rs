//! govshare's event-driven policies: the acts the regulation implies once a fact is recorded.
//!
//! A policy follows the global log from a checkpoint of its own. For each event it cares about it builds
//! one command and issues it through the engine in the scheduler's role
//! ([`govshare_engine::Engine::execute_scheduled`]), under the id
//! `derived_command_id("<policy name>", "<position of the causing event>")` ([`policy_command_id`]). Its
//! checkpoint moves past the event only once the command is recorded, or refused for good (logged and
//! reported); a retryable refusal (the store unavailable, a race, "not yet") ends the pass there and the
//! event is tried again on the next pass. A crash between issuing and advancing therefore issues the same
//! id again, and the engine answers it from the record: nothing is recorded twice.
//!
//! The one policy so far is [`ProvisionIssuesGrant`] (第十九、二十二条): a recorded `ShareProvided` issues the
//! `IssueGrant` of that provision, acting as the serving authority that provided (`docs/authorization.md`
//! AUTH-15).
//!
//! Where the checkpoint lives is the caller's choice ([`Checkpoint`]): `govshare-scheduler` keeps it in
//! the read database with a lease so that one instance follows on PostgreSQL; the demo, which drives time
//! itself, keeps it in memory ([`MemoryCheckpoint`]).
//!
//! ```no_run
//! # async fn example(engine: govshare_engine::Engine) -> Result<(), govshare_policies::PolicyError> {
//! use std::sync::Arc;
//! use govshare_policies::{MemoryCheckpoint, PolicyConfig, PolicyRunner, ProvisionIssuesGrant};
//!
//! let runner = PolicyRunner::new(
//!     engine,
//!     Arc::new(ProvisionIssuesGrant),
//!     Arc::new(MemoryCheckpoint::default()),
//!     PolicyConfig::default(),
//! );
//! let report = runner.pass().await?;
//! println!("{} grants issued up to position {}", report.issued.len(), report.checkpoint);
//! # Ok(()) }
//! ```
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

mod checkpoint;
mod error;
mod grant;
mod policy;
mod runner;

pub use checkpoint::{Checkpoint, MemoryCheckpoint};
pub use error::PolicyError;
pub use grant::{PROVISION_ISSUES_GRANT, ProvisionIssuesGrant};
pub use policy::{Intent, Policy, policy_command_id};
pub use runner::{Issued, PassReport, PolicyConfig, PolicyRunner, Refused};
