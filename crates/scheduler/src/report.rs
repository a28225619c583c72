//! What a tick or a recomputation did.

use std::fmt;

use chrono::{DateTime, Utc};
use govshare_store::{Position, StreamId};
use uuid::Uuid;

use crate::error::SchedulerError;
use crate::reminder::ReminderReport;

/// One deadline of one case.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DeadlineKey {
    /// The aggregate that keeps it.
    pub case: StreamId,
    /// Its id within the aggregate, e.g. `share_conditional_review#1`.
    pub deadline_id: String,
}

impl fmt::Display for DeadlineKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}/{}/{}",
            self.case.aggregate_type, self.case.aggregate_id, self.deadline_id
        )
    }
}

/// A miss this tick recorded (第四十一条).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Marked {
    /// The deadline.
    pub deadline: DeadlineKey,
    /// The derived command id it was recorded under.
    pub command_id: Uuid,
    /// Position of the `DeadlineMissed` event.
    pub position: Position,
}

/// Work that did not go through.
#[derive(Debug)]
pub struct Failure<K> {
    /// What it was for (a deadline, or a case for a recomputation).
    pub subject: K,
    /// Why.
    pub error: SchedulerError,
}

/// What one [`crate::Scheduler::tick`] did.
#[derive(Debug)]
pub struct TickReport {
    /// The engine clock's instant the tick ran at.
    pub now: DateTime<Utc>,
    /// The log's head the read model was caught up to before the tick acted.
    pub head: Position,
    /// Open deadlines due before `now` and not yet marked missed, as the read model listed them.
    pub due: usize,
    /// Misses this tick recorded.
    pub marked: Vec<Marked>,
    /// Deadlines whose miss was already recorded (by another instance, an earlier run, or a late act
    /// meanwhile): nothing was written.
    pub already_recorded: Vec<DeadlineKey>,
    /// Refused for now (store unavailable, a race, `NotYetDue`, `ExtensionPending`): retried on a later
    /// tick.
    pub deferred: Vec<Failure<DeadlineKey>>,
    /// Refused for good: logged, reported once, not retried by this scheduler again.
    pub refused: Vec<Failure<DeadlineKey>>,
    /// Deadlines skipped because this scheduler was refused them for good on an earlier tick.
    pub skipped: Vec<DeadlineKey>,
    /// The reminders (催办提醒) issued after the misses were marked, where the rule set configures them.
    pub reminders: ReminderReport,
}

impl TickReport {
    pub(crate) fn new(now: DateTime<Utc>, head: Position) -> Self {
        TickReport {
            now,
            head,
            due: 0,
            marked: Vec::new(),
            already_recorded: Vec::new(),
            deferred: Vec::new(),
            refused: Vec::new(),
            skipped: Vec::new(),
            reminders: ReminderReport::default(),
        }
    }
}

/// A recomputation this run recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recomputed {
    /// The aggregate.
    pub case: StreamId,
    /// The derived command id it was recorded under.
    pub command_id: Uuid,
    /// How many `DeadlineRecomputed` facts were recorded.
    pub deadlines: usize,
}

/// What one [`crate::Scheduler::recompute_after_calendar_load`] did.
#[derive(Debug)]
pub struct RecomputeReport {
    /// The years whose arrangements were loaded, ascending.
    pub years: Vec<i32>,
    /// The log's head the read model was caught up to.
    pub head: Position,
    /// Aggregates whose deadlines were recomputed now.
    pub recomputed: Vec<Recomputed>,
    /// Aggregates where nothing changed, or whose recomputation was recorded before.
    pub unchanged: Vec<StreamId>,
    /// Refused for now: call again.
    pub deferred: Vec<Failure<StreamId>>,
    /// Refused for good.
    pub refused: Vec<Failure<StreamId>>,
}
