//! Parsing of the command-line values: dates, instants, working-day counts.

use std::path::PathBuf;

use chrono::{DateTime, NaiveDate, Utc};
use clap::builder::{PathBufValueParser, TypedValueParser};
use govshare_workdays::beijing_date;

/// A point to count from or to: a Beijing calendar date, or an instant (whose Beijing date is meant).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum When {
    /// A `YYYY-MM-DD` date, taken as a Beijing date.
    Date(NaiveDate),
    /// An RFC 3339 instant.
    Instant(DateTime<Utc>),
}

impl When {
    /// The Beijing calendar date: 2026-02-13T17:00:00Z is 2026-02-14.
    pub(crate) fn beijing_date(self) -> NaiveDate {
        match self {
            Self::Date(date) => date,
            Self::Instant(at) => beijing_date(at),
        }
    }
}

/// Clap value parser for dates and instants: `2026-09-30` or `2026-02-13T17:00:00Z`.
pub(crate) fn parse_when(raw: &str) -> Result<When, String> {
    if is_plain_date(raw) {
        return NaiveDate::parse_from_str(raw, "%Y-%m-%d")
            .map(When::Date)
            .map_err(|_| format!("{raw:?} is not a calendar date"));
    }
    DateTime::parse_from_rfc3339(raw)
        .map(|at| When::Instant(at.with_timezone(&Utc)))
        .map_err(|_| {
            format!("{raw:?} is neither a date (YYYY-MM-DD) nor an RFC 3339 instant (2026-02-13T17:00:00Z)")
        })
}

/// Clap value parser for a number of working days: a whole number, 0 or more.
pub(crate) fn parse_working_days(raw: &str) -> Result<u32, String> {
    // `u32::from_str` would accept "+3"; only plain digits are a count.
    if raw.is_empty() || !raw.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "{raw:?} is not a whole number of working days (0 or more)"
        ));
    }
    raw.parse()
        .map_err(|_| format!("{raw} working days is more than this calendar can count"))
}

/// Clap value parser for a file a command reads (an arrangement, a settings, key, signature, category,
/// rule-set or bundle file): a path that exists but is no regular file is refused at once, whatever it names
/// (a directory, or a device such as `/dev/zero`, which would be read forever). A path that does not exist
/// passes: the command reports it when it reads.
pub(crate) fn input_file() -> impl TypedValueParser<Value = PathBuf> {
    PathBufValueParser::new().try_map(regular_file)
}

fn regular_file(path: PathBuf) -> Result<PathBuf, String> {
    match std::fs::metadata(&path) {
        Ok(meta) if meta.is_dir() => Err(format!("{} is a directory, not a file", path.display())),
        Ok(meta) if !meta.is_file() => Err(format!(
            "{} is not a regular file (a device, a pipe or a socket)",
            path.display()
        )),
        _ => Ok(path),
    }
}

/// Exactly `YYYY-MM-DD`: chrono alone would also take `2026-9-3` or a signed year.
fn is_plain_date(raw: &str) -> bool {
    let bytes = raw.as_bytes();
    bytes.len() == 10
        && bytes.iter().enumerate().all(|(i, b)| match i {
            4 | 7 => *b == b'-',
            _ => b.is_ascii_digit(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_instants() {
        let date = NaiveDate::from_ymd_opt(2026, 9, 30).unwrap();
        assert_eq!(parse_when("2026-09-30"), Ok(When::Date(date)));
        let at = parse_when("2026-02-13T17:00:00Z").unwrap();
        assert_eq!(
            at.beijing_date(),
            NaiveDate::from_ymd_opt(2026, 2, 14).unwrap()
        );
        let offset = parse_when("2026-02-14T01:00:00+08:00").unwrap();
        assert_eq!(offset, at);
    }

    #[test]
    fn malformed_dates_are_refused() {
        for raw in [
            "2026-02-30",
            "2026-9-30",
            "30/09/2026",
            "",
            "2026-09-30T25:00:00Z",
            "tomorrow",
        ] {
            assert!(parse_when(raw).is_err(), "{raw}");
        }
    }

    #[test]
    fn input_files_are_regular_files_or_missing() {
        assert!(regular_file(PathBuf::from("/dev/zero")).is_err());
        assert!(regular_file(std::env::temp_dir()).is_err());
        let missing = std::env::temp_dir().join("govshare-no-such-file.json");
        assert_eq!(regular_file(missing.clone()), Ok(missing));
    }

    #[test]
    fn working_days_are_plain_non_negative_numbers() {
        assert_eq!(parse_working_days("0"), Ok(0));
        assert_eq!(parse_working_days("20"), Ok(20));
        for raw in ["-3", "+3", "3.5", "", "x", "99999999999"] {
            assert!(parse_working_days(raw).is_err(), "{raw}");
        }
    }
}
