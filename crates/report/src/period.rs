//! Assessment periods (第三十八条: 年度考核, with quarters and months for follow-up): a year, a quarter or a
//! month of Beijing dates.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Serialize, Serializer};

use crate::error::ReportError;

/// A period of Beijing dates: `2026` (a year), `2026Q3` (a quarter) or `2026-09` (a month).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Period {
    /// A calendar year.
    Year(i32),
    /// A quarter (1–4) of a year.
    Quarter(i32, u32),
    /// A month (1–12) of a year.
    Month(i32, u32),
}

// The years the calendar ships arrangements around; far enough either way for any assessment.
const YEARS: std::ops::RangeInclusive<i32> = 2000..=2100;

impl Period {
    /// A checked year.
    pub fn year(year: i32) -> Result<Self, ReportError> {
        check_year(&year.to_string(), year)?;
        Ok(Period::Year(year))
    }

    /// A checked quarter.
    pub fn quarter(year: i32, quarter: u32) -> Result<Self, ReportError> {
        let text = format!("{year}Q{quarter}");
        check_year(&text, year)?;
        if !(1..=4).contains(&quarter) {
            return Err(invalid(&text, "a quarter is Q1 to Q4"));
        }
        Ok(Period::Quarter(year, quarter))
    }

    /// A checked month.
    pub fn month(year: i32, month: u32) -> Result<Self, ReportError> {
        let text = format!("{year}-{month:02}");
        check_year(&text, year)?;
        if !(1..=12).contains(&month) {
            return Err(invalid(&text, "a month is 01 to 12"));
        }
        Ok(Period::Month(year, month))
    }

    /// The first Beijing date of the period.
    pub fn first_day(self) -> NaiveDate {
        let (y, m) = match self {
            Period::Year(y) => (y, 1),
            Period::Quarter(y, q) => (y, (q - 1) * 3 + 1),
            Period::Month(y, m) => (y, m),
        };
        date(y, m)
    }

    /// The first Beijing date after the period.
    pub fn next_day(self) -> NaiveDate {
        let (y, m) = match self {
            Period::Year(y) => (y + 1, 1),
            Period::Quarter(y, 4) => (y + 1, 1),
            Period::Quarter(y, q) => (y, q * 3 + 1),
            Period::Month(y, 12) => (y + 1, 1),
            Period::Month(y, m) => (y, m + 1),
        };
        date(y, m)
    }

    /// The last Beijing date of the period.
    pub fn last_day(self) -> NaiveDate {
        self.next_day().pred_opt().unwrap_or(self.next_day())
    }

    /// The period's first instant: 00:00 Beijing time of its first day.
    pub fn start(self) -> DateTime<Utc> {
        beijing_midnight(self.first_day())
    }

    /// The instant after the period: 00:00 Beijing time of the day after its last day.
    pub fn end(self) -> DateTime<Utc> {
        beijing_midnight(self.next_day())
    }

    /// Whether an instant falls within the period.
    pub fn contains(self, at: DateTime<Utc>) -> bool {
        self.start() <= at && at < self.end()
    }
}

fn date(y: i32, m: u32) -> NaiveDate {
    // Constructors check year and month, so the first of the month exists.
    NaiveDate::from_ymd_opt(y, m, 1).unwrap_or(NaiveDate::MIN)
}

fn beijing_midnight(day: NaiveDate) -> DateTime<Utc> {
    // Beijing is UTC+08:00 all year (no daylight saving): midnight there is 16:00 UTC the day before.
    (day.and_time(chrono::NaiveTime::MIN) - chrono::TimeDelta::hours(8)).and_utc()
}

fn check_year(text: &str, year: i32) -> Result<(), ReportError> {
    if YEARS.contains(&year) {
        Ok(())
    } else {
        Err(invalid(text, "the year must be 2000 to 2100"))
    }
}

fn invalid(text: &str, reason: &str) -> ReportError {
    ReportError::InvalidPeriod {
        input: text.to_owned(),
        reason: reason.to_owned(),
    }
}

impl FromStr for Period {
    type Err = ReportError;

    /// `2026`, `2026Q3` (also `2026q3`) or `2026-09`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let text = s.trim();
        let number = |part: &str| -> Result<u32, ReportError> {
            if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) || part.len() > 4 {
                return Err(invalid(
                    text,
                    "expected 2026, 2026Q3 or 2026-09 (年, 季度 or 月)",
                ));
            }
            part.parse()
                .map_err(|_| invalid(text, "expected 2026, 2026Q3 or 2026-09"))
        };
        let year = |part: &str| -> Result<i32, ReportError> {
            if part.len() != 4 {
                return Err(invalid(text, "the year has four digits"));
            }
            let n = number(part)?;
            i32::try_from(n).map_err(|_| invalid(text, "the year has four digits"))
        };
        if let Some((y, q)) = text.split_once(['Q', 'q']) {
            let y = year(y)?;
            if q.len() != 1 {
                return Err(invalid(text, "a quarter is Q1 to Q4"));
            }
            Period::quarter(y, number(q)?).map_err(|_| invalid(text, "a quarter is Q1 to Q4"))
        } else if let Some((y, m)) = text.split_once('-') {
            let y = year(y)?;
            if m.len() != 2 {
                return Err(invalid(text, "a month has two digits, 01 to 12"));
            }
            Period::month(y, number(m)?).map_err(|_| invalid(text, "a month is 01 to 12"))
        } else {
            Period::year(year(text)?)
        }
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Period::Year(y) => write!(f, "{y}"),
            Period::Quarter(y, q) => write!(f, "{y}Q{q}"),
            Period::Month(y, m) => write!(f, "{y}-{m:02}"),
        }
    }
}

impl Serialize for Period {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quarter_bounds_are_beijing_midnights() {
        let p: Period = "2026Q3".parse().unwrap();
        assert_eq!(p.first_day(), NaiveDate::from_ymd_opt(2026, 7, 1).unwrap());
        assert_eq!(p.last_day(), NaiveDate::from_ymd_opt(2026, 9, 30).unwrap());
        assert_eq!(p.start().to_rfc3339(), "2026-06-30T16:00:00+00:00");
        assert_eq!(p.end().to_rfc3339(), "2026-09-30T16:00:00+00:00");
    }
}
