//! The published holiday arrangement files (国务院办公厅关于部分节假日安排的通知) and their validation.
//!
//! The file format is the one shipped in `data/cn-holidays.json`: per year, the holiday blocks with every
//! day off (weekends inside a block included) and the weekend days declared working days (调休上班日).

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

use crate::error::LoadError;

/// The time zone every arrangement file must declare: day boundaries are Beijing days.
pub const TIMEZONE: &str = "Asia/Shanghai";

/// The years an arrangement file may cover. The calendar keeps a table over the loaded years, so a file
/// naming a far-off year is refused rather than allowed to allocate centuries of days.
pub const SUPPORTED_YEARS: std::ops::RangeInclusive<i32> = 1949..=2199;

/// An arrangement file as published (serde form). Validate it with [`Arrangements::from_file`].
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ArrangementFile {
    /// Free text describing the source of the data.
    #[serde(default)]
    pub description: String,
    /// Must be `Asia/Shanghai`.
    pub timezone: String,
    /// First year covered by the file.
    pub first_year: i32,
    /// Last year covered by the file.
    pub last_year: i32,
    /// Arrangements keyed by the year as a string (`"2026"`).
    pub years: BTreeMap<String, YearFile>,
}

/// One year's arrangement as published.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct YearFile {
    /// Holiday blocks.
    #[serde(default)]
    pub holidays: Vec<HolidayFile>,
    /// Weekend days declared working days.
    #[serde(default)]
    pub makeup_workdays: Vec<MakeupFile>,
}

/// One holiday block (春节, 国庆节 …).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct HolidayFile {
    /// The holiday's name.
    pub name: String,
    /// Every day off of the block.
    pub days_off: Vec<String>,
}

/// One make-up working day (调休上班日).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct MakeupFile {
    /// The weekend date that is a working day.
    pub date: String,
    /// The holiday it compensates for.
    #[serde(rename = "for", default)]
    pub for_holiday: String,
}

/// One validated year: its days off and its make-up working days.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct YearArrangement {
    /// Official days off (法定节假日及调休放假日).
    pub days_off: BTreeSet<NaiveDate>,
    /// Weekend days that are working days (调休上班日).
    pub makeup_workdays: BTreeSet<NaiveDate>,
}

/// Validated arrangements for a set of years.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Arrangements {
    years: BTreeMap<i32, YearArrangement>,
}

impl Arrangements {
    /// Parses and validates an arrangement file's JSON text.
    pub fn from_json(text: &str) -> Result<Self, LoadError> {
        let file: ArrangementFile =
            serde_json::from_str(text).map_err(|e| LoadError::Parse(e.to_string()))?;
        Self::from_file(&file)
    }

    /// Validates a parsed arrangement file.
    ///
    /// Checks: the time zone is Beijing's; year keys are years written plainly (`"2027"`, not `"+2027"` or
    /// `"02027"`) inside `first_year..=last_year`; every date parses and belongs to the year it is filed
    /// under; no date is listed twice; no date is both a day off and a make-up working day; a make-up
    /// working day is a Saturday or a Sunday.
    pub fn from_file(file: &ArrangementFile) -> Result<Self, LoadError> {
        if file.timezone != TIMEZONE {
            return Err(LoadError::WrongTimezone(file.timezone.clone()));
        }
        if file.first_year > file.last_year {
            return Err(LoadError::EmptyYearRange {
                first_year: file.first_year,
                last_year: file.last_year,
            });
        }
        let mut years = BTreeMap::new();
        for (key, year_file) in &file.years {
            // Only the year as written plainly: `"+2027"` or `"02027"` would file a second arrangement of
            // 2027 beside `"2027"`, and one of the two would be dropped without a word.
            let year: i32 = key
                .parse()
                .ok()
                .filter(|year: &i32| year.to_string() == *key)
                .ok_or_else(|| LoadError::BadYearKey(key.clone()))?;
            if !SUPPORTED_YEARS.contains(&year) {
                return Err(LoadError::UnsupportedYear(year));
            }
            if year < file.first_year || year > file.last_year {
                return Err(LoadError::YearOutsideRange {
                    year,
                    first_year: file.first_year,
                    last_year: file.last_year,
                });
            }
            years.insert(year, validate_year(year, year_file)?);
        }
        for year in [file.first_year, file.last_year] {
            if !SUPPORTED_YEARS.contains(&year) {
                return Err(LoadError::UnsupportedYear(year));
            }
        }
        for year in file.first_year..=file.last_year {
            if !years.contains_key(&year) {
                return Err(LoadError::MissingYear(year));
            }
        }
        Ok(Self { years })
    }

    /// The years covered, ascending.
    pub fn years(&self) -> impl Iterator<Item = i32> + '_ {
        self.years.keys().copied()
    }

    /// One year's arrangement.
    pub fn year(&self, year: i32) -> Option<&YearArrangement> {
        self.years.get(&year)
    }

    /// Adds the years of `other`. A year present in both must be identical.
    pub fn merge(&mut self, other: Arrangements) -> Result<(), LoadError> {
        for (year, arrangement) in other.years {
            match self.years.get(&year) {
                Some(existing) if *existing != arrangement => {
                    return Err(LoadError::ConflictingYear(year));
                }
                Some(_) => {}
                None => {
                    self.years.insert(year, arrangement);
                }
            }
        }
        Ok(())
    }
}

fn validate_year(year: i32, file: &YearFile) -> Result<YearArrangement, LoadError> {
    let mut arrangement = YearArrangement::default();
    let mut seen = BTreeSet::new();
    for holiday in &file.holidays {
        for raw in &holiday.days_off {
            let date = parse_in_year(raw, year)?;
            if !seen.insert(date) {
                return Err(LoadError::Duplicate(date));
            }
            arrangement.days_off.insert(date);
        }
    }
    for makeup in &file.makeup_workdays {
        let date = parse_in_year(&makeup.date, year)?;
        if arrangement.days_off.contains(&date) {
            return Err(LoadError::DayOffAndMakeup(date));
        }
        if !seen.insert(date) {
            return Err(LoadError::Duplicate(date));
        }
        if !matches!(date.weekday(), Weekday::Sat | Weekday::Sun) {
            return Err(LoadError::MakeupNotWeekend(date));
        }
        arrangement.makeup_workdays.insert(date);
    }
    Ok(arrangement)
}

fn parse_in_year(raw: &str, year: i32) -> Result<NaiveDate, LoadError> {
    let date = NaiveDate::parse_from_str(raw, "%Y-%m-%d")
        .map_err(|_| LoadError::BadDate(raw.to_owned()))?;
    if date.year() != year {
        return Err(LoadError::WrongYear { date, year });
    }
    Ok(date)
}
