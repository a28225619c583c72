//! What a [`crate::Scheduler`] is configured with.

use std::time::Duration;

use govshare_domain::{DepartmentCode, PersonId};

/// The scheduler's configuration. Every instance on one database must use the same `person` and
/// `fallback_authority`: they are part of the request a derived command id stands for, and the engine
/// refuses an id reused for a different request.
///
/// ```
/// use std::time::Duration;
/// use govshare_scheduler::SchedulerConfig;
///
/// let config = SchedulerConfig::default().with_interval(Duration::from_secs(5));
/// assert_eq!(config.person.0, "govshare-scheduler");
/// ```
#[derive(Debug, Clone)]
pub struct SchedulerConfig {
    /// Wall-clock pause between two ticks of [`crate::Scheduler::run`] (default 30 s). "Now" is read
    /// from the engine's clock on each tick, not from this interval.
    pub interval: Duration,
    /// How long a tick waits for the deadlines read model to reach the log's head (default 30 s).
    pub catch_up_timeout: Duration,
    /// How often the read model's checkpoint is polled while waiting (default 50 ms).
    pub catch_up_poll: Duration,
    /// Deadlines read per query page (default 500).
    pub page_size: usize,
    /// The person recorded as acting for the scheduler.
    pub person: PersonId,
    /// The department acting when no data authority is registered in or above the owing department's
    /// region (default none: such a deadline is reported and not marked).
    pub fallback_authority: Option<DepartmentCode>,
}

impl Default for SchedulerConfig {
    fn default() -> Self {
        SchedulerConfig {
            interval: Duration::from_secs(30),
            catch_up_timeout: Duration::from_secs(30),
            catch_up_poll: Duration::from_millis(50),
            page_size: 500,
            person: PersonId("govshare-scheduler".to_owned()),
            fallback_authority: None,
        }
    }
}

impl SchedulerConfig {
    /// Ticks every `interval` in [`crate::Scheduler::run`].
    pub fn with_interval(mut self, interval: Duration) -> Self {
        self.interval = interval;
        self
    }

    /// Waits at most `timeout` for the read model to reach the log's head.
    pub fn with_catch_up_timeout(mut self, timeout: Duration) -> Self {
        self.catch_up_timeout = timeout;
        self
    }

    /// Acts as `department` where no data authority is registered for the owing department.
    pub fn with_fallback_authority(mut self, department: DepartmentCode) -> Self {
        self.fallback_authority = Some(department);
        self
    }
}
