//! The results of deadline arithmetic.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::beijing::beijing_offset;

/// What to do when a span reaches into a year whose holiday arrangement is not loaded.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Coverage {
    /// Count weekends only in that year and flag the result provisional (the default).
    #[default]
    Provisional,
    /// Refuse with [`crate::CalendarError::UncoveredYear`].
    Strict,
}

/// A computed deadline: "within `working_days` working days from `from_date`".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Deadline {
    /// The Beijing date counting starts after (not itself counted).
    pub from_date: NaiveDate,
    /// How many working days are allowed.
    pub working_days: u32,
    /// The Beijing date of the last working day allowed.
    pub due_date: NaiveDate,
    /// The last instant that is on time: 23:59:59.999999999 Beijing time on `due_date`, in UTC.
    pub due_at: DateTime<Utc>,
    /// Whether the span reaches into a year with no published arrangement (weekends only were counted).
    pub provisional: bool,
}

impl Deadline {
    /// Whether an act at `at` meets this deadline (any instant up to the end of the due day).
    pub fn is_met_by(&self, at: DateTime<Utc>) -> bool {
        at <= self.due_at
    }

    /// `due_at` written in Beijing time, e.g. `2026-10-10T23:59:59.999999999+08:00`.
    pub fn due_at_beijing(&self) -> String {
        self.due_at
            .with_timezone(&beijing_offset())
            .to_rfc3339_opts(chrono::SecondsFormat::Nanos, false)
    }
}

/// A count of working days between two dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct WorkdaySpan {
    /// Working days after the first date up to and including the second (negative when reversed).
    pub days: i64,
    /// Whether the span reaches into a year with no published arrangement.
    pub provisional: bool,
}
