//! Where a policy keeps the position it has dealt with.

use std::sync::atomic::{AtomicU64, Ordering};

use async_trait::async_trait;
use govshare_store::Position;

use crate::error::PolicyError;

/// A policy's checkpoint: the last position of the log it has dealt with. It only moves forward.
#[async_trait]
pub trait Checkpoint: Send + Sync + std::fmt::Debug {
    /// The last position dealt with (0 before the first event).
    async fn load(&self) -> Result<Position, PolicyError>;

    /// Moves to `to` unless it already stands there or further; returns where it stands now.
    async fn advance(&self, to: Position) -> Result<Position, PolicyError>;
}

/// A checkpoint in memory, for a process that drives the policy itself from the start of the log (the
/// demo, tests). Lost with the process: a new one starts again from the start of the log, and the
/// derived command ids make that harmless.
#[derive(Debug, Default)]
pub struct MemoryCheckpoint {
    position: AtomicU64,
}

#[async_trait]
impl Checkpoint for MemoryCheckpoint {
    async fn load(&self) -> Result<Position, PolicyError> {
        Ok(self.position.load(Ordering::SeqCst))
    }

    async fn advance(&self, to: Position) -> Result<Position, PolicyError> {
        let before = self.position.fetch_max(to, Ordering::SeqCst);
        Ok(before.max(to))
    }
}
