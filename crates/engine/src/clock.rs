//! The engine's clock: the only place govshare reads the time.

use std::fmt;
use std::sync::Mutex;

use chrono::{DateTime, Duration, Utc};

/// Where the engine reads "now": once per command, and by the scheduler on each tick.
pub trait Clock: Send + Sync + fmt::Debug {
    /// The current instant.
    fn now(&self) -> DateTime<Utc>;
}

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that only moves when told to: for tests, the demo and replaying a scenario.
///
/// ```
/// use chrono::{Duration, TimeZone, Utc};
/// use govshare_engine::{Clock, ManualClock};
///
/// let clock = ManualClock::new(Utc.with_ymd_and_hms(2026, 9, 30, 1, 0, 0).unwrap());
/// clock.advance(Duration::days(3));
/// assert_eq!(clock.now(), Utc.with_ymd_and_hms(2026, 10, 3, 1, 0, 0).unwrap());
/// ```
#[derive(Debug)]
pub struct ManualClock {
    now: Mutex<DateTime<Utc>>,
}

impl ManualClock {
    /// A clock standing at `start`.
    pub fn new(start: DateTime<Utc>) -> Self {
        ManualClock {
            now: Mutex::new(start),
        }
    }

    /// Moves the clock to `instant`. A clock may be set back (a test may need that); the engine never
    /// records an instant earlier than an aggregate's last event regardless.
    pub fn set(&self, instant: DateTime<Utc>) {
        *self.lock() = instant;
    }

    /// Moves the clock forward by `by` (saturating at the largest representable instant).
    pub fn advance(&self, by: Duration) {
        let mut now = self.lock();
        *now = now
            .checked_add_signed(by)
            .unwrap_or(DateTime::<Utc>::MAX_UTC);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, DateTime<Utc>> {
        // A poisoned lock still holds a valid instant.
        self.now.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.lock()
    }
}
