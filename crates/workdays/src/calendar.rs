//! The working-day calendar and its deadline arithmetic.
//!
//! Every call is constant time: the calendar keeps, for each day of the loaded years, the running count of
//! working days (`cumulative`) and the list of working days (`workdays`). Outside the loaded years only
//! weekends are rest days, and the weekday count has a closed form.

use std::sync::{Arc, OnceLock};

use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, TimeDelta, Utc};

use crate::arrangement::Arrangements;
use crate::beijing::{BEIJING_OFFSET_SECONDS, beijing_date};
use crate::deadline::{Coverage, Deadline, WorkdaySpan};
use crate::error::{CalendarError, LoadError};

/// The official arrangements shipped with the crate (2018–2026).
const OFFICIAL_JSON: &str = include_str!("../data/cn-holidays.json");

/// Day number (days from the common era, as chrono counts) of a Monday: 0001-01-01 was a Monday.
const MONDAY: i64 = 1;

/// A working-day calendar: the official holiday arrangements of the loaded years, weekends elsewhere.
///
/// Cloning is cheap (the tables are shared).
#[derive(Debug, Clone)]
pub struct Calendar {
    t: Arc<Tables>,
}

#[derive(Debug)]
struct Tables {
    arrangements: Arrangements,
    /// Day number of 1 January of the first loaded year.
    start: i64,
    /// Day number of 31 December of the last loaded year.
    end: i64,
    first_year: i32,
    /// `covered[y - first_year]`: whether year `y` has a published arrangement.
    covered: Vec<bool>,
    /// `cumulative[i]`: working days in `start..=start + i`.
    cumulative: Vec<u32>,
    /// Offsets from `start` of the working days, ascending.
    workdays: Vec<u32>,
    /// For each entry of `workdays`: its date and the last instant of that Beijing day, precomputed so the
    /// common case (a deadline inside the loaded years) is two array reads.
    workday_ends: Vec<(NaiveDate, DateTime<Utc>)>,
    /// Whether every year from the first to the last loaded one has an arrangement.
    all_covered: bool,
}

impl Calendar {
    /// The calendar of the official arrangements shipped with the crate.
    pub fn official() -> Self {
        static OFFICIAL: OnceLock<Calendar> = OnceLock::new();
        OFFICIAL
            .get_or_init(|| {
                // The shipped file is validated by this crate's tests; failing here is a build defect.
                #[allow(clippy::expect_used)]
                let arrangements = Arrangements::from_json(OFFICIAL_JSON)
                    .expect("shipped arrangement file is valid");
                Calendar::from_arrangements(arrangements)
            })
            .clone()
    }

    /// A calendar of exactly these arrangements.
    pub fn from_arrangements(arrangements: Arrangements) -> Self {
        let years: Vec<i32> = arrangements.years().collect();
        let (Some(&first_year), Some(&last_year)) = (years.first(), years.last()) else {
            return Self {
                t: Arc::new(Tables {
                    arrangements,
                    start: 0,
                    end: -1,
                    first_year: 0,
                    covered: Vec::new(),
                    cumulative: Vec::new(),
                    workdays: Vec::new(),
                    workday_ends: Vec::new(),
                    all_covered: false,
                }),
            };
        };
        let start = day_number(first_jan(first_year));
        let end = day_number(first_jan(last_year + 1)) - 1;
        let covered: Vec<bool> = (first_year..=last_year)
            .map(|y| arrangements.year(y).is_some())
            .collect();
        let all_covered = covered.iter().all(|&c| c);
        let len = usize::try_from(end - start + 1).unwrap_or(0);
        let mut cumulative = Vec::with_capacity(len);
        let mut workdays = Vec::new();
        let mut workday_ends = Vec::new();
        let mut count = 0u32;
        for offset in 0..len {
            let number = start + offset as i64;
            let date = from_day_number(number);
            let working = match date.and_then(|d| arrangements.year(d.year()).map(|a| (d, a))) {
                Some((d, a)) if a.days_off.contains(&d) => false,
                Some((d, a)) if a.makeup_workdays.contains(&d) => true,
                _ => is_weekday(number),
            };
            if working {
                count += 1;
                workdays.push(offset as u32);
                if let Some(end_of_day) =
                    date.and_then(|d| end_of_beijing_day(d).ok().map(|e| (d, e)))
                {
                    workday_ends.push(end_of_day);
                }
            }
            cumulative.push(count);
        }
        Self {
            t: Arc::new(Tables {
                arrangements,
                start,
                end,
                first_year,
                covered,
                cumulative,
                workdays,
                workday_ends,
                all_covered,
            }),
        }
    }

    /// The official calendar plus the years of an arrangement file's text (e.g. the next year's arrangement,
    /// published each November). A year already loaded must be identical.
    pub fn with_extra_json(&self, text: &str) -> Result<Self, LoadError> {
        let extra = Arrangements::from_json(text)?;
        let mut arrangements = self.t.arrangements.clone();
        arrangements.merge(extra)?;
        Ok(Self::from_arrangements(arrangements))
    }

    /// The loaded arrangements.
    pub fn arrangements(&self) -> &Arrangements {
        &self.t.arrangements
    }

    /// Whether `year` has a published arrangement loaded.
    pub fn is_covered(&self, year: i32) -> bool {
        year.checked_sub(self.t.first_year)
            .and_then(|i| usize::try_from(i).ok())
            .and_then(|i| self.t.covered.get(i).copied())
            .unwrap_or(false)
    }

    /// Whether `date` is a working day (工作日). Outside the loaded years: Monday to Friday.
    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        let x = day_number(date);
        self.cumulative_at(x) - self.cumulative_at(x - 1) == 1
    }

    /// The deadline "within `n` working days from `from`" (自…之日起N个工作日内): the start day is not counted,
    /// the deadline is the end (24:00 Beijing time) of the `n`-th working day after it.
    pub fn due(
        &self,
        from: NaiveDate,
        n: u32,
        coverage: Coverage,
    ) -> Result<Deadline, CalendarError> {
        if let Some(deadline) = self.due_inside_loaded_years(from, n) {
            return Ok(deadline);
        }
        let due_date = self.add_working_days(from, n)?;
        let provisional = self.check_coverage(from, due_date, coverage)?;
        Ok(Deadline {
            from_date: from,
            working_days: n,
            due_date,
            due_at: end_of_beijing_day(due_date)?,
            provisional,
        })
    }

    /// The deadline counted from an instant: the instant's Beijing date is the start day.
    pub fn due_from_instant(
        &self,
        at: DateTime<Utc>,
        n: u32,
        coverage: Coverage,
    ) -> Result<Deadline, CalendarError> {
        self.due(beijing_date(at), n, coverage)
    }

    /// Extends a deadline by `m` working days counted from its due day (延长M个工作日).
    pub fn extend(
        &self,
        deadline: &Deadline,
        m: u32,
        coverage: Coverage,
    ) -> Result<Deadline, CalendarError> {
        let working_days = deadline
            .working_days
            .checked_add(m)
            .ok_or(CalendarError::OutOfRange)?;
        let extended = self.due(deadline.due_date, m, coverage)?;
        Ok(Deadline {
            from_date: deadline.from_date,
            working_days,
            due_date: extended.due_date,
            due_at: extended.due_at,
            provisional: deadline.provisional || extended.provisional,
        })
    }

    /// The number of working days after `from` up to and including `to` (negative when `to` is earlier).
    pub fn working_days_between(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        coverage: Coverage,
    ) -> Result<WorkdaySpan, CalendarError> {
        let days = self.cumulative_at(day_number(to)) - self.cumulative_at(day_number(from));
        let provisional = self.check_coverage(from.min(to), from.max(to), coverage)?;
        Ok(WorkdaySpan { days, provisional })
    }

    /// The common case without any date conversion: the start and the due day both fall in the loaded years
    /// and every loaded year has an arrangement (so the result is not provisional).
    #[inline]
    fn due_inside_loaded_years(&self, from: NaiveDate, n: u32) -> Option<Deadline> {
        let t = &*self.t;
        if n == 0 || !t.all_covered {
            return None;
        }
        let offset = usize::try_from(day_number(from) - t.start).ok()?;
        let counted = *t.cumulative.get(offset)? as usize;
        let &(due_date, due_at) = t.workday_ends.get(counted + n as usize - 1)?;
        Some(Deadline {
            from_date: from,
            working_days: n,
            due_date,
            due_at,
            provisional: false,
        })
    }

    /// The `n`-th working day after `from` (`from` itself when `n` is 0).
    fn add_working_days(&self, from: NaiveDate, n: u32) -> Result<NaiveDate, CalendarError> {
        if n == 0 {
            return Ok(from);
        }
        let target = self.cumulative_at(day_number(from)) + i64::from(n);
        from_day_number(self.working_day_with_count(target)).ok_or(CalendarError::OutOfRange)
    }

    /// Working days in `start..=x`, extended below `start` as minus the working days in `x+1..start`.
    /// The difference of two values is the working days in between, for any pair of days.
    fn cumulative_at(&self, x: i64) -> i64 {
        if x < self.t.start {
            weekdays_before(x + 1) - weekdays_before(self.t.start)
        } else if x <= self.t.end {
            // In range by the branch conditions.
            i64::from(self.t.cumulative[(x - self.t.start) as usize])
        } else {
            self.total() + weekdays_before(x + 1) - weekdays_before(self.t.end + 1)
        }
    }

    /// The working day `x` with `cumulative_at(x) == target`.
    fn working_day_with_count(&self, target: i64) -> i64 {
        let total = self.total();
        if target <= 0 {
            nth_weekday(target + weekdays_before(self.t.start))
        } else if target <= total {
            self.t.start + i64::from(self.t.workdays[(target - 1) as usize])
        } else {
            nth_weekday(target - total + weekdays_before(self.t.end + 1))
        }
    }

    fn total(&self) -> i64 {
        self.t.cumulative.last().map_or(0, |&c| i64::from(c))
    }

    /// Whether `(from, to]` reaches into a year with no arrangement: provisional, or an error when strict.
    fn check_coverage(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        coverage: Coverage,
    ) -> Result<bool, CalendarError> {
        if to <= from {
            return Ok(false);
        }
        let first_counted = from.succ_opt().ok_or(CalendarError::OutOfRange)?;
        for year in first_counted.year()..=to.year() {
            if !self.is_covered(year) {
                return match coverage {
                    Coverage::Provisional => Ok(true),
                    Coverage::Strict => Err(CalendarError::UncoveredYear(year)),
                };
            }
        }
        Ok(false)
    }
}

fn day_number(date: NaiveDate) -> i64 {
    i64::from(date.num_days_from_ce())
}

fn from_day_number(number: i64) -> Option<NaiveDate> {
    i32::try_from(number)
        .ok()
        .and_then(NaiveDate::from_num_days_from_ce_opt)
}

fn first_jan(year: i32) -> NaiveDate {
    NaiveDate::from_yo_opt(year, 1).unwrap_or(NaiveDate::MIN)
}

fn is_weekday(number: i64) -> bool {
    (number - MONDAY).rem_euclid(7) < 5
}

/// Monday-to-Friday days among the day numbers `MONDAY..x` (negative below `MONDAY`); a closed form.
fn weekdays_before(x: i64) -> i64 {
    let t = x - MONDAY;
    5 * t.div_euclid(7) + t.rem_euclid(7).min(5)
}

/// The weekday `x` with `weekdays_before(x + 1) == count`.
fn nth_weekday(count: i64) -> i64 {
    let c = count - 1;
    MONDAY + 7 * c.div_euclid(5) + c.rem_euclid(5)
}

/// The last instant of a Beijing day (23:59:59.999999999 +08:00), in UTC.
fn end_of_beijing_day(date: NaiveDate) -> Result<DateTime<Utc>, CalendarError> {
    let last =
        NaiveTime::from_hms_nano_opt(23, 59, 59, 999_999_999).ok_or(CalendarError::OutOfRange)?;
    let local = date.and_time(last);
    let utc = local
        .checked_sub_signed(TimeDelta::seconds(BEIJING_OFFSET_SECONDS.into()))
        .ok_or(CalendarError::OutOfRange)?;
    Ok(utc.and_utc())
}

impl Calendar {
    /// The due date found by walking forward one day at a time: the obvious algorithm, kept as the
    /// reference that tests compare [`Calendar::due`] with and that the benchmark measures against.
    #[doc(hidden)]
    pub fn due_date_day_by_day(&self, from: NaiveDate, n: u32) -> Option<NaiveDate> {
        let mut date = from;
        let mut left = n;
        while left > 0 {
            date = date.succ_opt()?;
            if self.is_working_day_by_lookup(date) {
                left -= 1;
            }
        }
        Some(date)
    }

    /// Working-day test straight from the arrangement sets, independent of the cumulative table.
    fn is_working_day_by_lookup(&self, date: NaiveDate) -> bool {
        match self.t.arrangements.year(date.year()) {
            Some(a) if a.days_off.contains(&date) => false,
            Some(a) if a.makeup_workdays.contains(&date) => true,
            _ => is_weekday(day_number(date)),
        }
    }
}
