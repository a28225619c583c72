//! Beijing time and working days for the simulation. Every day of the regulation is a Beijing date
//! (UTC+08:00); working days come from the engine's official calendar, so that the demo's pace matches the
//! deadlines the engine computes.

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, NaiveTime, TimeZone, Utc};
use govshare_domain::DomainServices;

use crate::error::DemoError;

/// China Standard Time (no daylight saving), checked at compile time.
const BEIJING: FixedOffset = match FixedOffset::east_opt(8 * 3600) {
    Some(offset) => offset,
    None => panic!("UTC+8 is a valid offset"),
};

/// China Standard Time.
pub(crate) fn beijing() -> FixedOffset {
    BEIJING
}

/// The Beijing date of an instant.
pub(crate) fn date_of(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&beijing()).date_naive()
}

/// `hour:minute` Beijing time on `date`, as UTC.
pub(crate) fn at_time(date: NaiveDate, hour: u32, minute: u32) -> Result<DateTime<Utc>, DemoError> {
    let time = NaiveTime::from_hms_opt(hour, minute, 0)
        .ok_or_else(|| DemoError::Time(format!("{hour}:{minute} 不是有效时刻")))?;
    beijing()
        .from_local_datetime(&date.and_time(time))
        .single()
        .map(|t| t.with_timezone(&Utc))
        .ok_or_else(|| DemoError::Time(format!("{date} {hour}:{minute} 无法表示")))
}

/// Working-day arithmetic on the engine's calendar and rule set.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Workdays<'a> {
    services: &'a DomainServices,
}

impl<'a> Workdays<'a> {
    pub(crate) fn new(services: &'a DomainServices) -> Self {
        Workdays { services }
    }

    /// Whether `date` is a working day (工作日) on the official calendar.
    pub(crate) fn is_working_day(&self, date: NaiveDate) -> bool {
        self.services.calendar.is_working_day(date)
    }

    /// The `n`-th working day after `date` (the day itself not counted, as in every deadline); for `n = 0`,
    /// `date` itself if it is a working day, else the next one.
    pub(crate) fn after(&self, date: NaiveDate, n: u32) -> Result<NaiveDate, DemoError> {
        if n == 0 && self.is_working_day(date) {
            return Ok(date);
        }
        self.services
            .calendar
            .due(date, n.max(1), self.services.rules.coverage)
            .map(|d| d.due_date)
            .map_err(|e| DemoError::Time(format!("{date} 之后第 {n} 个工作日: {e}")))
    }

    /// The first working day of the month after the one `date` is in.
    pub(crate) fn first_of_next_month(&self, date: NaiveDate) -> Result<NaiveDate, DemoError> {
        let (y, m) = if date.month() == 12 {
            (date.year() + 1, 1)
        } else {
            (date.year(), date.month() + 1)
        };
        let first = NaiveDate::from_ymd_opt(y, m, 1)
            .ok_or_else(|| DemoError::Time(format!("{y}-{m} 无法表示")))?;
        self.after(first, 0)
    }
}

/// `months` calendar months after `date` (clamped to the month's last day).
pub(crate) fn add_months(date: NaiveDate, months: u32) -> Result<NaiveDate, DemoError> {
    date.checked_add_months(chrono::Months::new(months))
        .ok_or_else(|| DemoError::Time(format!("{date} 之后 {months} 个月超出范围")))
}
