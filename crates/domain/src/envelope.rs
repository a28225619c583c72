//! The envelope every command arrives in: who issued it and when the engine received it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::actor::Actor;

/// A command as received by the engine: the resolved actor, the instant of receipt (the engine's single
/// clock read for this command) and the command itself. Decisions use `at` as "now".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommandEnvelope<T> {
    /// Who issued the command.
    pub actor: Actor,
    /// When the engine received it.
    pub at: DateTime<Utc>,
    /// The command.
    pub body: T,
}

impl<T> CommandEnvelope<T> {
    /// Wraps `body`.
    pub fn new(actor: Actor, at: DateTime<Utc>, body: T) -> Self {
        CommandEnvelope { actor, at, body }
    }
}
