//! The scheduler: ticks on the engine's clock, marks missed deadlines, recomputes provisional ones.

use std::collections::{BTreeMap, HashSet};
use std::future::Future;
use std::sync::{Mutex, PoisonError};

use chrono::{DateTime, Datelike, TimeDelta, Utc};
use govshare_domain::organization::OrganizationRegistry;
use govshare_domain::{DepartmentCode, Role};
use govshare_engine::{Command, CommandRequest, Engine, Recorded};
use govshare_projections::ReadDb;
use govshare_projections::models::deadlines::{self, DeadlineFilter, DeadlineItem};
use govshare_projections::{Page, PageRequest};
use govshare_store::{Position, StreamId};
use tracing::Instrument;
use uuid::Uuid;

use crate::config::SchedulerConfig;
use crate::error::SchedulerError;
use crate::reminder::ReminderState;
use crate::report::{DeadlineKey, Failure, Marked, RecomputeReport, Recomputed, TickReport};
use crate::target::{self, DeadlineAct};

type Result<T> = std::result::Result<T, SchedulerError>;

/// The deadline scheduler.
///
/// Durable without state of its own: what is due comes from the `deadlines` read model (caught up to the
/// log's head before each tick), and what was done is in the log, under command ids derived from the
/// deadline ([`crate::mark_overdue_command_id`]). A restarted scheduler, or a second instance on the same
/// PostgreSQL database, issues the same ids, and the engine records each miss once and answers the others
/// as retries.
///
/// ```no_run
/// # async fn example(engine: govshare_engine::Engine, db: govshare_projections::ReadDb) {
/// use govshare_scheduler::{Scheduler, SchedulerConfig};
///
/// let scheduler = Scheduler::new(engine, db, SchedulerConfig::default());
/// let report = scheduler.tick().await.unwrap();
/// println!("{} misses recorded at {}", report.marked.len(), report.now);
/// # }
/// ```
#[derive(Debug)]
pub struct Scheduler {
    engine: Engine,
    db: ReadDb,
    config: SchedulerConfig,
    /// Deadlines this scheduler was refused for good: reported once, not retried by this process.
    refused: Mutex<HashSet<DeadlineKey>>,
    /// What the reminders remember between ticks (`crate::reminder`).
    reminders: ReminderState,
}

impl Scheduler {
    /// A scheduler issuing commands through `engine`, reading the `deadlines` read model from `db` (the
    /// same database; the projection runner runs in this process or another).
    pub fn new(engine: Engine, db: ReadDb, config: SchedulerConfig) -> Self {
        Scheduler {
            engine,
            db,
            config,
            refused: Mutex::new(HashSet::new()),
            reminders: ReminderState::default(),
        }
    }

    /// The engine commands are issued through.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// The configuration.
    pub fn config(&self) -> &SchedulerConfig {
        &self.config
    }

    pub(crate) fn db(&self) -> &ReadDb {
        &self.db
    }

    pub(crate) fn reminder_state(&self) -> &ReminderState {
        &self.reminders
    }

    /// One tick: reads "now" from the engine's clock, waits until the `deadlines` read model has applied
    /// the log's head, lists the open deadlines due before now that are not marked missed, and issues
    /// `MarkOverdue` for each through [`Engine::execute_scheduled`], in the scheduler's role, acting as the
    /// data authority of the owing department's region, under the id derived from the deadline.
    ///
    /// A refusal that may pass (`NotYetDue`, `ExtensionPending`, a race, the store unavailable) is
    /// reported as deferred and tried again on the next tick; any other is logged, reported once and not
    /// tried again by this scheduler. The tick itself fails only when the view cannot be brought to the
    /// head or queried.
    ///
    /// Then, where the rule set configures reminders (催办提醒), it issues `RemindDeadline` for every open
    /// deadline past its reminder point and not yet due nor reminded of, under the id derived from the
    /// deadline ([`crate::remind_deadline_command_id`]); see [`TickReport::reminders`].
    pub async fn tick(&self) -> Result<TickReport> {
        let now = self.engine.clock().now();
        let span = tracing::info_span!(
            "scheduler.tick",
            now = %now,
            head = tracing::field::Empty,
            due = tracing::field::Empty,
            marked = tracing::field::Empty,
            deferred = tracing::field::Empty,
            refused = tracing::field::Empty,
            reminded = tracing::field::Empty,
        );
        async move {
            let result = self.tick_at(now).await;
            let span = tracing::Span::current();
            match &result {
                Ok(report) => {
                    span.record("head", report.head);
                    span.record("due", report.due);
                    span.record("marked", report.marked.len());
                    span.record("deferred", report.deferred.len());
                    span.record("refused", report.refused.len());
                    span.record("reminded", report.reminders.reminded.len());
                }
                Err(error) => tracing::warn!(%error, "tick failed"),
            }
            result
        }
        .instrument(span)
        .await
    }

    async fn tick_at(&self, now: DateTime<Utc>) -> Result<TickReport> {
        let head = self.catch_up().await?;
        let mut report = TickReport::new(now, head);
        let registry = self.engine.registry().await?;
        let filter = DeadlineFilter::open().due_by(now);
        let mut page = PageRequest::first(self.page_limit());
        loop {
            let Page { items, next } = deadlines::list(&self.db, &filter, &page).await?;
            // `due_by` includes the due instant itself, which is still on time.
            for item in items.into_iter().filter(|d| d.due_at < now) {
                report.due += 1;
                self.mark(&registry, item, &mut report).await;
            }
            match next {
                Some(cursor) => page = PageRequest::after(cursor, self.page_limit()),
                None => break,
            }
        }
        report.reminders = self.remind_due(&registry, now).await?;
        Ok(report)
    }

    async fn mark(
        &self,
        registry: &OrganizationRegistry,
        item: DeadlineItem,
        report: &mut TickReport,
    ) {
        let key = DeadlineKey {
            case: item.case.clone(),
            deadline_id: item.deadline_id.clone(),
        };
        if self.lock_refused().contains(&key) {
            report.skipped.push(key);
            return;
        }
        let command_id = target::mark_overdue_command_id(&item.case, &item.deadline_id);
        let outcome =
            match target::deadline_command(&item.case, &item.deadline_id, DeadlineAct::MarkOverdue)
            {
                Ok(command) => {
                    self.issue(registry, &item.owed_by, command_id, command)
                        .await
                }
                Err(e) => Err(e),
            };
        match outcome {
            Ok(recorded) if !recorded.retry && !recorded.events.is_empty() => {
                tracing::info!(deadline = %key, owed_by = item.owed_by, %command_id, "deadline missed");
                report.marked.push(Marked {
                    deadline: key,
                    command_id,
                    position: recorded.last_position(),
                });
            }
            Ok(_) => report.already_recorded.push(key),
            Err(error) if error.is_retryable() => {
                tracing::debug!(deadline = %key, %error, "deferred to a later tick");
                report.deferred.push(Failure {
                    subject: key,
                    error,
                });
            }
            Err(error) => {
                tracing::error!(deadline = %key, %error, "MarkOverdue refused; not retried");
                self.lock_refused().insert(key.clone());
                report.refused.push(Failure {
                    subject: key,
                    error,
                });
            }
        }
    }

    /// Issues `command` in the scheduler's role, acting as the data authority for `owed_by`.
    pub(crate) async fn issue(
        &self,
        registry: &OrganizationRegistry,
        owed_by: &str,
        command_id: Uuid,
        command: Command,
    ) -> Result<Recorded> {
        let department: DepartmentCode =
            target::acting_authority(registry, owed_by, self.config.fallback_authority.as_ref())?;
        let request = CommandRequest::new(
            command_id,
            department,
            self.config.person.clone(),
            Role::Scheduler,
            command,
        );
        Ok(self.engine.execute_scheduled(request).await?)
    }

    /// Ticks at once (start-up), then every `interval`, until `shutdown` completes. A failed tick is
    /// logged and the next one tries again. Stopping in the middle of a tick is safe: every command is
    /// idempotent under its derived id, so the next start does what this one left undone.
    ///
    /// ```no_run
    /// # async fn example(scheduler: govshare_scheduler::Scheduler) {
    /// let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    /// let task = async move { scheduler.run(async { let _ = stopped.await; }).await };
    /// # drop(stop); task.await;
    /// # }
    /// ```
    pub async fn run<F>(&self, shutdown: F)
    where
        F: Future<Output = ()>,
    {
        tokio::pin!(shutdown);
        loop {
            tokio::select! {
                biased;
                () = &mut shutdown => return,
                result = self.tick() => {
                    if let Err(error) = result {
                        tracing::warn!(%error, retryable = error.is_retryable(), "scheduler tick failed");
                    }
                }
            }
            tokio::select! {
                biased;
                () = &mut shutdown => return,
                () = tokio::time::sleep(self.config.interval) => {}
            }
        }
    }

    /// After the holiday arrangements of `years` were loaded into the engine's calendar (digest,
    /// "Counting working days", Decision), issues `RecomputeDeadlines` to every aggregate with an open,
    /// not yet missed, provisional deadline whose span reaches into one of those years, under the id
    /// derived from the aggregate and the years ([`crate::recompute_command_id`]). Fails with
    /// [`SchedulerError::CalendarNotLoaded`] before doing anything if the engine's calendar lacks one of
    /// the years.
    pub async fn recompute_after_calendar_load(&self, years: &[i32]) -> Result<RecomputeReport> {
        let mut years = years.to_vec();
        years.sort_unstable();
        years.dedup();
        let span = tracing::info_span!(
            "scheduler.recompute",
            years = ?years,
            recomputed = tracing::field::Empty,
        );
        async move {
            let result = self.recompute(years).await;
            match &result {
                Ok(report) => {
                    tracing::Span::current().record("recomputed", report.recomputed.len());
                }
                Err(error) => tracing::warn!(%error, "recomputation failed"),
            }
            result
        }
        .instrument(span)
        .await
    }

    async fn recompute(&self, years: Vec<i32>) -> Result<RecomputeReport> {
        let calendar = &self.engine.services().calendar;
        if let Some(&year) = years.iter().find(|&&y| !calendar.is_covered(y)) {
            return Err(SchedulerError::CalendarNotLoaded { year });
        }
        let head = self.catch_up().await?;
        let mut report = RecomputeReport {
            years: years.clone(),
            head,
            recomputed: Vec::new(),
            unchanged: Vec::new(),
            deferred: Vec::new(),
            refused: Vec::new(),
        };
        if years.is_empty() {
            return Ok(report);
        }
        // The cases to recompute, each with the department owing its earliest deadline (fixed once set,
        // so every instance acts as the same authority for the same command id).
        let mut cases: BTreeMap<StreamId, String> = BTreeMap::new();
        let mut page = PageRequest::first(self.page_limit());
        loop {
            let Page { items, next } =
                deadlines::list(&self.db, &DeadlineFilter::open(), &page).await?;
            for item in items {
                if item.provisional
                    && reaches_into(&item, &years)
                    && !cases.contains_key(&item.case)
                {
                    let first = deadlines::of_case(&self.db, &item.case)
                        .await?
                        .into_iter()
                        .next()
                        .map_or_else(|| item.owed_by.clone(), |d| d.owed_by);
                    cases.insert(item.case.clone(), first);
                }
            }
            match next {
                Some(cursor) => page = PageRequest::after(cursor, self.page_limit()),
                None => break,
            }
        }
        let registry = self.engine.registry().await?;
        for (case, owed_by) in cases {
            let command_id = target::recompute_command_id(&case, &years);
            let outcome = match target::recompute(&case) {
                Ok(command) => self.issue(&registry, &owed_by, command_id, command).await,
                Err(e) => Err(e),
            };
            match outcome {
                Ok(recorded) if !recorded.retry && !recorded.events.is_empty() => {
                    report.recomputed.push(Recomputed {
                        case,
                        command_id,
                        deadlines: recorded.events.len(),
                    });
                }
                Ok(_) => report.unchanged.push(case),
                Err(error) if error.is_retryable() => report.deferred.push(Failure {
                    subject: case,
                    error,
                }),
                Err(error) => {
                    tracing::error!(case = %case, %error, "RecomputeDeadlines refused");
                    report.refused.push(Failure {
                        subject: case,
                        error,
                    });
                }
            }
        }
        Ok(report)
    }

    /// Waits until the `deadlines` read model has applied the log's head as it is now; returns the head.
    async fn catch_up(&self) -> Result<Position> {
        let head = self.engine.store().head().await?.position;
        self.db
            .wait_for(
                deadlines::NAME,
                head,
                self.config.catch_up_timeout,
                self.config.catch_up_poll,
            )
            .await?;
        Ok(head)
    }

    pub(crate) fn page_limit(&self) -> u32 {
        u32::try_from(self.config.page_size.clamp(1, 1000)).unwrap_or(1000)
    }

    fn lock_refused(&self) -> std::sync::MutexGuard<'_, HashSet<DeadlineKey>> {
        // The set only remembers what not to retry; a poisoned lock still holds a valid set.
        self.refused.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Whether a deadline's counted span (from its start day to its due day, Beijing dates) reaches into one
/// of `years`.
fn reaches_into(item: &DeadlineItem, years: &[i32]) -> bool {
    let from_year = (item.from.naive_utc() + TimeDelta::hours(8)).year();
    let due_year = item.due_date.year();
    years.iter().any(|&y| from_year <= y && y <= due_year)
}
