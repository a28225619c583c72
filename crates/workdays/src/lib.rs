//! Working-day deadline arithmetic on the official Chinese holiday calendar.
//!
//! Every deadline of the regulation (3 / 5 / 10 / 20 working days) is counted here, following the rules of
//! the regulation digest: Beijing dates (UTC+08:00); the start day is not counted (民法典第二百零一条); the
//! deadline is the end of the N-th working day after it; an extension adds working days from the original
//! due day. Working days are Monday–Friday except the official days off, plus the weekend days declared
//! working days (调休上班日), from the State Council's annual arrangements.
//!
//! The arrangements for 2018–2026 ship with the crate ([`Calendar::official`]); later years load from a file
//! of the same format ([`Calendar::with_extra_json`]). Outside the loaded years a result is either
//! provisional (weekends only, flagged) or refused, by [`Coverage`].
//!
//! The crate is pure: no clock, no I/O (the caller reads any extra file). Every call is constant time.
//!
//! ```
//! use chrono::NaiveDate;
//! use govshare_workdays::{Calendar, Coverage};
//!
//! let calendar = Calendar::official();
//! let from = NaiveDate::from_ymd_opt(2026, 9, 30).unwrap();
//! let deadline = calendar.due(from, 3, Coverage::Strict).unwrap();
//! // 10 October 2026 is a Saturday declared a working day after the National Day holiday.
//! assert_eq!(deadline.due_date, NaiveDate::from_ymd_opt(2026, 10, 10).unwrap());
//! ```

#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

mod arrangement;
mod beijing;
mod calendar;
mod deadline;
mod error;

pub use arrangement::{
    ArrangementFile, Arrangements, HolidayFile, MakeupFile, SUPPORTED_YEARS, TIMEZONE,
    YearArrangement, YearFile,
};
pub use beijing::{BEIJING_OFFSET_SECONDS, beijing_date, beijing_offset};
pub use calendar::Calendar;
pub use deadline::{Coverage, Deadline, WorkdaySpan};
pub use error::{CalendarError, LoadError};
