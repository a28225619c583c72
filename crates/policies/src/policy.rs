//! The [`Policy`] trait: which events a policy acts on, and the command each one causes.

use async_trait::async_trait;
use govshare_domain::DepartmentCode;
use govshare_engine::{Command, Engine, derived_command_id};
use govshare_store::{Position, RecordedEvent};
use uuid::Uuid;

use crate::error::PolicyError;

/// The command a causing event calls for, and the department it is issued as (in the scheduler's role).
#[derive(Debug, Clone, PartialEq)]
pub struct Intent {
    /// The department acted for (e.g. the serving authority that provided).
    pub department: DepartmentCode,
    /// The command.
    pub command: Command,
}

/// An event-driven policy. `intent` must depend only on the log as it stands at the causing event (and on
/// facts that do not change afterwards), so that a retry builds the same request under the same derived
/// id; a request that differs is refused by the engine (`CommandIdReused`).
#[async_trait]
pub trait Policy: Send + Sync + std::fmt::Debug {
    /// The policy's name, `[a-z][a-z0-9_]*`, at most 20 bytes: the namespace of its command ids and the
    /// name of its checkpoint.
    fn name(&self) -> &'static str;

    /// Whether the policy acts on this event at all (others only move the checkpoint).
    fn wants(&self, event: &RecordedEvent) -> bool;

    /// The command `event` causes, or `None` when nothing is owed any more (e.g. the act was already
    /// recorded by other means).
    async fn intent(
        &self,
        engine: &Engine,
        event: &RecordedEvent,
    ) -> Result<Option<Intent>, PolicyError>;
}

/// The command id a policy issues for the event at `position`:
/// `derived_command_id("<policy name>", "<position>")`. Every instance and every retry issues the same.
///
/// ```
/// use govshare_policies::{PROVISION_ISSUES_GRANT, policy_command_id};
///
/// assert_eq!(
///     policy_command_id(PROVISION_ISSUES_GRANT, 42),
///     govshare_engine::derived_command_id("provision_grant", "42"),
/// );
/// ```
pub fn policy_command_id(policy: &str, position: Position) -> Uuid {
    derived_command_id(policy, &position.to_string())
}
