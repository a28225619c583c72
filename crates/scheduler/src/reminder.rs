//! Deadline reminders (催办提醒): where the rule set configures them (`reminders`, none in the shipped rule
//! sets: the regulation prescribes none), each tick issues `RemindDeadline` once for every open deadline
//! whose reminder point has passed and that is not yet due nor reminded of.
//!
//! The reminder point is the domain's own computation ([`Deadlines::remind_from`]): the end of the working
//! day after which no more than the configured lead of working days remains, counted on the engine's
//! calendar (`govshare-workdays`) from the deadline's start day. The command id is derived from the
//! deadline ([`remind_deadline_command_id`]), so a restarted scheduler, or a second instance on the same
//! PostgreSQL database, records each reminder once. The domain decides: it refuses a reminder for a
//! deadline met, missed, withdrawn, already reminded of, or before its reminder point.

use std::collections::HashSet;
use std::sync::{Mutex, MutexGuard, PoisonError};

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use govshare_domain::organization::OrganizationRegistry;
use govshare_domain::{DeadlineRule, Deadlines, DomainError, DomainServices};
use govshare_engine::{EngineError, derived_command_id};
use govshare_projections::models::deadlines::{self, DeadlineFilter, DeadlineItem};
use govshare_projections::{Page, PageRequest};
use govshare_store::{Position, StreamId};
use govshare_workdays::Coverage;
use tracing::Instrument;
use uuid::Uuid;

use crate::error::SchedulerError;
use crate::report::{DeadlineKey, Failure};
use crate::scheduler::Scheduler;
use crate::target::{self, DeadlineAct};

/// Namespace of the command ids of `RemindDeadline`.
pub const REMIND_DEADLINE: &str = "remind-deadline";

/// The command id of `RemindDeadline` for one deadline:
/// `derived_command_id("remind-deadline", "<aggregate type>/<id>/<deadline id>")`. Every instance, and every
/// restart, issues the same id for the same deadline, so the store records the reminder once.
///
/// ```
/// use govshare_scheduler::remind_deadline_command_id;
/// use govshare_store::StreamId;
///
/// let case = StreamId::new("ShareApplication", "SA-1");
/// assert_eq!(
///     remind_deadline_command_id(&case, "share_conditional_review#1"),
///     govshare_engine::derived_command_id("remind-deadline", "ShareApplication/SA-1/share_conditional_review#1"),
/// );
/// ```
pub fn remind_deadline_command_id(case: &StreamId, deadline_id: &str) -> Uuid {
    derived_command_id(
        REMIND_DEADLINE,
        &format!(
            "{}/{}/{deadline_id}",
            case.aggregate_type, case.aggregate_id
        ),
    )
}

/// A reminder a tick recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reminded {
    /// The deadline.
    pub deadline: DeadlineKey,
    /// The derived command id it was recorded under.
    pub command_id: Uuid,
    /// Position of the `DeadlineReminded` event.
    pub position: Position,
    /// The configured lead, in working days.
    pub working_days_before: u32,
    /// The reminder point that had passed.
    pub remind_from: DateTime<Utc>,
}

/// The reminders of one tick (all empty when the rule set configures none).
#[derive(Debug, Default)]
pub struct ReminderReport {
    /// Open deadlines not yet due nor reminded of whose reminder point had passed, as the read model
    /// listed them.
    pub due: usize,
    /// Reminders this tick recorded.
    pub reminded: Vec<Reminded>,
    /// Reminders recorded before (by another instance or an earlier run): nothing was written.
    pub already_recorded: Vec<DeadlineKey>,
    /// Refused for now (a race, the store unavailable, "not yet"): tried again on a later tick.
    pub deferred: Vec<Failure<DeadlineKey>>,
    /// Refused for good: logged, reported once, not retried by this scheduler again.
    pub refused: Vec<Failure<DeadlineKey>>,
    /// Skipped because this scheduler was refused them for good on an earlier tick.
    pub skipped: Vec<DeadlineKey>,
}

/// What the scheduler remembers about reminders between ticks: the deadlines refused for good (kept
/// apart from the misses, so that a refused reminder never keeps a miss from being recorded).
#[derive(Debug, Default)]
pub(crate) struct ReminderState {
    refused: Mutex<HashSet<DeadlineKey>>,
}

impl ReminderState {
    fn refused(&self) -> MutexGuard<'_, HashSet<DeadlineKey>> {
        // The set only remembers what not to retry; a poisoned lock still holds a valid set.
        self.refused.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The Beijing date of an instant, if it has one.
fn beijing_day(at: DateTime<Utc>) -> Option<NaiveDate> {
    at.checked_add_signed(TimeDelta::hours(8))
        .map(|t| t.date_naive())
}

/// The lead and reminder point of a listed deadline, if one is configured and computable.
fn reminder_point(item: &DeadlineItem, services: &DomainServices) -> Option<(u32, DateTime<Utc>)> {
    if item.working_days == 0 {
        return None;
    }
    let lead = services
        .rules
        .reminder_lead(DeadlineRule::from_key(&item.what)?)?;
    let from_date = beijing_day(item.from)?;
    let point = Deadlines::remind_from(from_date, item.working_days, lead, services).ok()?;
    Some((lead, point))
}

/// The latest due instant a deadline whose reminder point has passed by `now` can have: the end of the
/// `max_lead`-th working day after today (Beijing). A deadline due later still has more than its lead
/// to run, so the read model is asked for no more than that.
fn horizon(now: DateTime<Utc>, max_lead: u32, services: &DomainServices) -> Option<DateTime<Utc>> {
    let today = beijing_day(now)?;
    services
        .calendar
        .due(today, max_lead, Coverage::Provisional)
        .ok()
        .map(|d| d.due_at)
}

impl Scheduler {
    /// Issues `RemindDeadline` for every open deadline whose reminder point has passed by `now` and that
    /// is neither due nor reminded of, as the rule set configures (nothing at all when it configures no
    /// reminders). Called by the tick after the misses are marked; a failure to query the read model
    /// fails the tick, a refused command is reported.
    pub(crate) async fn remind_due(
        &self,
        registry: &OrganizationRegistry,
        now: DateTime<Utc>,
    ) -> Result<ReminderReport, SchedulerError> {
        let mut report = ReminderReport::default();
        let services = self.engine().services();
        let reminders = &services.rules.reminders;
        if reminders.is_none() {
            return Ok(report);
        }
        let span = tracing::info_span!(
            "scheduler.reminders",
            due = tracing::field::Empty,
            reminded = tracing::field::Empty,
        );
        async {
            let max_lead = reminders
                .working_days_before
                .into_iter()
                .chain(reminders.deadlines.values().copied())
                .max()
                .unwrap_or(0);
            let mut filter = DeadlineFilter::open().not_reminded();
            if let Some(horizon) = horizon(now, max_lead, services) {
                filter = filter.due_by(horizon);
            }
            let mut page = PageRequest::first(self.page_limit());
            loop {
                let Page { items, next } = deadlines::list(self.db(), &filter, &page).await?;
                for item in items {
                    // Not yet due (the due instant itself is still on time), and past its reminder point.
                    if item.due_at < now {
                        continue;
                    }
                    let Some((lead, point)) = reminder_point(&item, services) else {
                        continue;
                    };
                    if now <= point {
                        continue;
                    }
                    report.due += 1;
                    self.remind(registry, item, (lead, point), &mut report)
                        .await;
                }
                match next {
                    Some(cursor) => page = PageRequest::after(cursor, self.page_limit()),
                    None => break,
                }
            }
            let span = tracing::Span::current();
            span.record("due", report.due);
            span.record("reminded", report.reminded.len());
            Ok(report)
        }
        .instrument(span)
        .await
    }

    async fn remind(
        &self,
        registry: &OrganizationRegistry,
        item: DeadlineItem,
        (working_days_before, remind_from): (u32, DateTime<Utc>),
        report: &mut ReminderReport,
    ) {
        let key = DeadlineKey {
            case: item.case.clone(),
            deadline_id: item.deadline_id.clone(),
        };
        if self.reminder_state().refused().contains(&key) {
            report.skipped.push(key);
            return;
        }
        let command_id = remind_deadline_command_id(&item.case, &item.deadline_id);
        let outcome =
            match target::deadline_command(&item.case, &item.deadline_id, DeadlineAct::Remind) {
                Ok(command) => {
                    self.issue(registry, &item.owed_by, command_id, command)
                        .await
                }
                Err(e) => Err(e),
            };
        match outcome {
            Ok(recorded) if !recorded.retry && !recorded.events.is_empty() => {
                tracing::info!(
                    deadline = %key,
                    owed_by = item.owed_by,
                    working_days_before,
                    %command_id,
                    "deadline reminder recorded"
                );
                report.reminded.push(Reminded {
                    deadline: key,
                    command_id,
                    position: recorded.last_position(),
                    working_days_before,
                    remind_from,
                });
            }
            Ok(_) => report.already_recorded.push(key),
            // Reminded of under another id meanwhile: the reminder is on record.
            Err(SchedulerError::Engine(EngineError::Refused {
                source: DomainError::AlreadyReminded { .. },
                ..
            })) => report.already_recorded.push(key),
            Err(error) if error.is_retryable() => {
                tracing::debug!(deadline = %key, %error, "reminder deferred to a later tick");
                report.deferred.push(Failure {
                    subject: key,
                    error,
                });
            }
            Err(error) => {
                tracing::error!(deadline = %key, %error, "RemindDeadline refused; not retried");
                self.reminder_state().refused().insert(key.clone());
                report.refused.push(Failure {
                    subject: key,
                    error,
                });
            }
        }
    }
}
