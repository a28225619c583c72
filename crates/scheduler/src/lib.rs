//! govshare's deadline scheduler.
//!
//! The legal deadlines (3 / 5 / 10 / 20 working days, the clock hours of 第三十四条) are facts in the
//! log; when one passes without the owed act, the miss is a fact too (第四十一条), recorded by the
//! scheduler's `MarkOverdue` through the engine — the only path for the scheduler's role
//! ([`govshare_engine::Engine::execute_scheduled`]).
//!
//! [`Scheduler::tick`] reads "now" from the engine's clock (so a test or the demo advances time with a
//! `ManualClock`), waits until the `deadlines` read model has applied the log's head, and marks every
//! open deadline due before now, under a command id derived from the deadline
//! ([`mark_overdue_command_id`]): across restarts and between several instances on one PostgreSQL
//! database, each miss is recorded once and none is left out. [`Scheduler::run`] ticks at start-up and
//! then on an interval. [`Scheduler::recompute_after_calendar_load`] issues `RecomputeDeadlines` once a
//! year's holiday arrangement is loaded (digest, "Counting working days").
//!
//! Where the rule set configures reminders (催办提醒, its `reminders` section; the shipped rule sets
//! configure none, the regulation prescribing none), each tick then issues `RemindDeadline` once for every
//! open deadline past its reminder point (the configured lead in working days before the due day, counted
//! on the engine's calendar) and not yet due, under [`remind_deadline_command_id`].
//!
//! [`PolicyWorker`] runs an event-driven policy of `govshare-policies` (e.g. "provision issues the
//! grant") the same way: through the engine, with command ids derived from the causing event's position,
//! its checkpoint in the read database and one instance at a time ([`policies`] lists them).
//!
//! ```no_run
//! # async fn example(engine: govshare_engine::Engine) -> Result<(), Box<dyn std::error::Error>> {
//! use govshare_projections::{ReadDb, RunnerConfig, models};
//! use govshare_scheduler::{Scheduler, SchedulerConfig};
//!
//! let db = ReadDb::open("govshare.db").await?;
//! let runner = govshare_projections::start(db.clone(), engine.store().clone(), models::all(), RunnerConfig::default()).await?;
//! let scheduler = Scheduler::new(engine, db, SchedulerConfig::default());
//! let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
//! // … `stop.send(())` from elsewhere ends the loop after the tick under way.
//! # drop(stop);
//! scheduler.run(async { let _ = stopped.await; }).await;
//! runner.shutdown().await;
//! # Ok(()) }
//! ```
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

mod config;
mod error;
mod policy;
mod reminder;
mod report;
mod scheduler;
mod target;

pub use config::SchedulerConfig;
pub use error::SchedulerError;
pub use policy::{PolicyWorker, ReadDbCheckpoint, policies};
pub use reminder::{REMIND_DEADLINE, Reminded, ReminderReport, remind_deadline_command_id};
pub use report::{DeadlineKey, Failure, Marked, RecomputeReport, Recomputed, TickReport};
pub use scheduler::Scheduler;
pub use target::{
    MARK_OVERDUE, RECOMPUTE_DEADLINES, mark_overdue_command_id, recompute_command_id,
};
