//! Typed errors of the calendar.

use chrono::NaiveDate;
use thiserror::Error;

/// Why an arrangement file was refused. Each variant names the offending date or year.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum LoadError {
    /// The text is not a well-formed arrangement file.
    #[error("not a holiday arrangement file: {0}")]
    Parse(String),
    /// The file is not in Beijing time.
    #[error("time zone must be Asia/Shanghai, found {0:?}")]
    WrongTimezone(String),
    /// `first_year` is after `last_year`.
    #[error("first_year {first_year} is after last_year {last_year}")]
    EmptyYearRange {
        /// Declared first year.
        first_year: i32,
        /// Declared last year.
        last_year: i32,
    },
    /// A key of `years` is not a year written plainly (`"2027"`; `"+2027"` and `"02027"` are refused, so
    /// that no year is filed twice under two spellings).
    #[error("year key {0:?} is not a year")]
    BadYearKey(String),
    /// A year is filed outside the declared range.
    #[error("year {year} is outside the declared range {first_year}..={last_year}")]
    YearOutsideRange {
        /// The year filed.
        year: i32,
        /// Declared first year.
        first_year: i32,
        /// Declared last year.
        last_year: i32,
    },
    /// A year outside [`crate::SUPPORTED_YEARS`].
    #[error("year {0} is outside the supported years 1949..=2199")]
    UnsupportedYear(i32),
    /// A year of the declared range has no arrangement.
    #[error("year {0} is declared but has no arrangement")]
    MissingYear(i32),
    /// A date does not parse as `YYYY-MM-DD`.
    #[error("{0:?} is not a date (YYYY-MM-DD)")]
    BadDate(String),
    /// A date is filed under another year.
    #[error("{date} is filed under year {year}")]
    WrongYear {
        /// The date.
        date: NaiveDate,
        /// The year it is filed under.
        year: i32,
    },
    /// A date is listed twice.
    #[error("{0} is listed more than once")]
    Duplicate(NaiveDate),
    /// A date is both a day off and a make-up working day.
    #[error("{0} is both a day off and a make-up working day")]
    DayOffAndMakeup(NaiveDate),
    /// A make-up working day falls on a weekday.
    #[error("make-up working day {0} is not a Saturday or Sunday")]
    MakeupNotWeekend(NaiveDate),
    /// A year is already loaded with a different arrangement.
    #[error("year {0} is already loaded with a different arrangement")]
    ConflictingYear(i32),
}

/// Why a deadline could not be computed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CalendarError {
    /// Strict coverage: the span reaches into a year with no published arrangement.
    #[error("no holiday arrangement is loaded for {0}")]
    UncoveredYear(i32),
    /// The result would fall outside the dates this calendar can represent.
    #[error("date out of range")]
    OutOfRange,
}
