//! Beijing time (China Standard Time, UTC+08:00, no daylight saving): the clock every deadline is counted on.

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};

/// UTC offset of Beijing time, in seconds.
pub const BEIJING_OFFSET_SECONDS: i32 = 8 * 3600;

const BEIJING: FixedOffset = match FixedOffset::east_opt(BEIJING_OFFSET_SECONDS) {
    Some(offset) => offset,
    None => panic!("UTC+08:00 is a valid offset"),
};

/// The fixed UTC+08:00 offset.
pub fn beijing_offset() -> FixedOffset {
    BEIJING
}

/// The Beijing calendar date of an instant: 2026-02-13T17:00:00Z is already 2026-02-14 in Beijing.
pub fn beijing_date(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&beijing_offset()).date_naive()
}
