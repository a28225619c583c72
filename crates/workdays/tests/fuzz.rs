//! Fuzzing the loader of holiday arrangement files ([`Arrangements::from_json`] and
//! [`Calendar::with_extra_json`]) with arbitrary bytes, JSON of random shapes, and mutations of the shipped
//! `data/cn-holidays.json` and of a small file of its format (overlapping holidays, dates outside their
//! year, duplicate dates, make-up days on weekdays, reversed year ranges, huge years, odd year keys).
//!
//! Properties: the loader never panics; a refusal is a [`LoadError`] that names something the file really
//! holds (checked against the file parsed independently with `serde_json` and `chrono`); an accepted file
//! gives a calendar in which every declared day off is not a working day and every declared make-up day is.
//!
//! The number of cases is bounded for CI (see `DEFAULT_CASES`); run it longer with
//!
//! ```text
//! GOVSHARE_FUZZ_CASES=100000 cargo test --release -p govshare-workdays --test fuzz
//! ```
//!
//! See `docs/fuzzing.md`.

#[path = "support/fuzz.rs"]
mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use chrono::{Datelike, NaiveDate, Weekday};
use govshare_workdays::{Arrangements, Calendar, LoadError, SUPPORTED_YEARS};
use proptest::prelude::*;
use serde_json::{Value, json};
use support::*;

/// Cases per property by default: the suite runs in well under 20 s in a debug build on two cores.
const DEFAULT_CASES: u32 = 512;

const OFFICIAL: &str = include_str!("../data/cn-holidays.json");

/// The field names of the format, and year keys that are not plain years.
const KEYS: &[&str] = &[
    "description",
    "timezone",
    "first_year",
    "last_year",
    "years",
    "holidays",
    "makeup_workdays",
    "name",
    "days_off",
    "date",
    "for",
    "2026",
    "2027",
    "02027",
    "+2027",
    " 2027",
    "2027.0",
    "1948",
    "2200",
    "99999",
    "-2027",
];

/// A small valid file: one year, a holiday block with a weekend inside, a make-up Saturday.
fn small() -> Value {
    json!({
        "description": "fuzz seed",
        "timezone": "Asia/Shanghai",
        "first_year": 2027,
        "last_year": 2027,
        "years": {
            "2027": {
                "holidays": [
                    {"name": "春节", "days_off": ["2027-02-06", "2027-02-07", "2027-02-08", "2027-02-09"]},
                    {"name": "国庆节", "days_off": ["2027-10-01", "2027-10-02", "2027-10-03"]}
                ],
                "makeup_workdays": [
                    {"date": "2027-02-13", "for": "春节"},
                    {"date": "2027-10-09", "for": "国庆节"}
                ]
            }
        }
    })
}

fn seeds() -> Vec<Value> {
    vec![serde_json::from_str(OFFICIAL).unwrap(), small()]
}

fn official() -> &'static Calendar {
    static CALENDAR: OnceLock<Calendar> = OnceLock::new();
    CALENDAR.get_or_init(Calendar::official)
}

/// A date string of the file as the format defines it (`YYYY-MM-DD`, parsed by chrono).
fn date(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()
}

/// Field `name` of a struct written as an object, or field number `index` of one written as an array of its
/// fields (serde's positional form, which the loader accepts too).
fn field<'a>(value: &'a Value, name: &str, index: usize) -> &'a Value {
    match value {
        Value::Array(items) => items.get(index).unwrap_or(&Value::Null),
        other => &other[name],
    }
}

/// The file's content as `serde_json` reads it, without the loader: each year key with its days off and
/// make-up days as strings.
struct Oracle {
    doc: Value,
}

impl Oracle {
    fn new(text: &str) -> Option<Self> {
        serde_json::from_str(text).ok().map(|doc| Oracle { doc })
    }

    fn years(&self) -> Vec<(&str, &Value)> {
        field(&self.doc, "years", 4)
            .as_object()
            .map(|m| m.iter().map(|(k, v)| (k.as_str(), v)).collect())
            .unwrap_or_default()
    }

    fn days_off(year: &Value) -> Vec<&str> {
        field(year, "holidays", 0)
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|h| field(h, "days_off", 1).as_array().into_iter().flatten())
            .filter_map(Value::as_str)
            .collect()
    }

    fn makeups(year: &Value) -> Vec<&str> {
        field(year, "makeup_workdays", 1)
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|m| field(m, "date", 0).as_str())
            .collect()
    }

    fn all_dates(&self) -> Vec<(&str, &str)> {
        self.years()
            .into_iter()
            .flat_map(|(key, year)| {
                Self::days_off(year)
                    .into_iter()
                    .chain(Self::makeups(year))
                    .map(move |d| (key, d))
            })
            .collect()
    }

    fn int(&self, name: &str, index: usize) -> Option<i64> {
        field(&self.doc, name, index).as_i64()
    }
}

/// Checks the loader's answer to `text` against the file as serde_json and chrono read it.
fn check(text: &str) -> Result<(), TestCaseError> {
    let loaded = Arrangements::from_json(text);
    let extra = official().with_extra_json(text);
    let oracle = Oracle::new(text);
    match loaded {
        Ok(arrangements) => {
            // Text whose ignored parts `serde_json::Value` refuses (see the support module) has no oracle.
            let Some(oracle) = oracle else {
                return Ok(());
            };
            check_accepted(&oracle, &Calendar::from_arrangements(arrangements))?;
            match extra {
                Ok(calendar) => check_accepted(&oracle, &calendar)?,
                Err(LoadError::ConflictingYear(year)) => {
                    prop_assert!(
                        official().is_covered(year),
                        "conflict with year {year}, which the official calendar does not have"
                    );
                }
                Err(e) => {
                    return Err(TestCaseError::fail(format!(
                        "accepted alone but refused on top of the official calendar: {e}"
                    )));
                }
            }
        }
        Err(error) => {
            let extra = extra.err();
            prop_assert_eq!(
                extra.as_ref(),
                Some(&error),
                "the same file is refused for another reason on top of the official calendar"
            );
            check_refusal(oracle.as_ref(), &error)?;
        }
    }
    Ok(())
}

fn check_accepted(oracle: &Oracle, calendar: &Calendar) -> Result<(), TestCaseError> {
    let mut years = BTreeSet::new();
    for (key, year) in oracle.years() {
        let y: i32 = key
            .parse()
            .map_err(|_| TestCaseError::fail(format!("year key {key:?} accepted")))?;
        prop_assert!(SUPPORTED_YEARS.contains(&y), "year {y} accepted");
        prop_assert!(calendar.is_covered(y), "year {y} accepted but not covered");
        prop_assert!(
            years.insert(y),
            "year {y} filed twice (key {key:?}) and accepted"
        );
        for text in Oracle::days_off(year) {
            let d = date(text).ok_or_else(|| TestCaseError::fail(format!("{text:?} accepted")))?;
            prop_assert_eq!(d.year(), y);
            prop_assert!(
                !calendar.is_working_day(d),
                "declared day off {} is a working day",
                d
            );
        }
        for text in Oracle::makeups(year) {
            let d = date(text).ok_or_else(|| TestCaseError::fail(format!("{text:?} accepted")))?;
            prop_assert_eq!(d.year(), y);
            prop_assert!(matches!(d.weekday(), Weekday::Sat | Weekday::Sun));
            prop_assert!(
                calendar.is_working_day(d),
                "declared make-up day {} is not a working day",
                d
            );
        }
    }
    let (first, last) = (oracle.int("first_year", 2), oracle.int("last_year", 3));
    prop_assert_eq!(
        years.iter().map(|&y| i64::from(y)).collect::<Vec<_>>(),
        match (first, last) {
            (Some(f), Some(l)) => (f..=l).collect::<Vec<_>>(),
            _ => vec![],
        },
        "the years accepted are not the declared range"
    );
    // Every date listed once in all.
    let mut seen = BTreeSet::new();
    for (_, text) in oracle.all_dates() {
        prop_assert!(seen.insert(date(text)), "{} listed twice", text);
    }
    Ok(())
}

/// A refusal names something the file really holds.
fn check_refusal(oracle: Option<&Oracle>, error: &LoadError) -> Result<(), TestCaseError> {
    let message = error.to_string();
    prop_assert!(!message.is_empty());
    // Text serde_json::Value refuses: a Parse error, or (an unchecked escape in an ignored field, see the
    // support module) whatever the loader found first; either way a typed error, with nothing to compare.
    let Some(oracle) = oracle else {
        return Ok(());
    };
    let keys: Vec<&str> = oracle.years().iter().map(|(k, _)| *k).collect();
    let key_years: Vec<i64> = keys.iter().filter_map(|k| k.parse().ok()).collect();
    let dates = oracle.all_dates();
    let (first, last) = (oracle.int("first_year", 2), oracle.int("last_year", 3));
    match error {
        LoadError::Parse(_) => {}
        LoadError::WrongTimezone(tz) => {
            prop_assert_eq!(
                field(&oracle.doc, "timezone", 1).as_str(),
                Some(tz.as_str())
            );
            prop_assert_ne!(tz.as_str(), "Asia/Shanghai");
        }
        LoadError::EmptyYearRange {
            first_year,
            last_year,
        } => {
            prop_assert_eq!(first, Some(i64::from(*first_year)));
            prop_assert_eq!(last, Some(i64::from(*last_year)));
            prop_assert!(first_year > last_year);
        }
        LoadError::BadYearKey(key) => {
            prop_assert!(keys.contains(&key.as_str()));
        }
        LoadError::YearOutsideRange {
            year,
            first_year,
            last_year,
        } => {
            prop_assert!(key_years.contains(&i64::from(*year)));
            prop_assert!(year < first_year || year > last_year);
        }
        LoadError::UnsupportedYear(year) => {
            let y = i64::from(*year);
            prop_assert!(key_years.contains(&y) || first == Some(y) || last == Some(y));
            prop_assert!(!SUPPORTED_YEARS.contains(year));
        }
        LoadError::MissingYear(year) => {
            prop_assert!(!key_years.contains(&i64::from(*year)));
            prop_assert!(first <= Some(i64::from(*year)) && Some(i64::from(*year)) <= last);
        }
        LoadError::BadDate(text) => {
            prop_assert!(dates.iter().any(|(_, d)| d == text));
            prop_assert!(date(text).is_none());
        }
        LoadError::WrongYear { date: d, year } => {
            prop_assert!(
                dates
                    .iter()
                    .any(|(k, t)| date(t) == Some(*d) && k.parse() == Ok(*year))
            );
            prop_assert_ne!(d.year(), *year);
        }
        LoadError::Duplicate(d) => {
            let count = dates.iter().filter(|(_, t)| date(t) == Some(*d)).count();
            prop_assert!(count >= 2, "{} is not listed twice", d);
        }
        LoadError::DayOffAndMakeup(d) => {
            let years = oracle.years();
            let both = years.iter().any(|(_, y)| {
                Oracle::days_off(y).iter().any(|t| date(t) == Some(*d))
                    && Oracle::makeups(y).iter().any(|t| date(t) == Some(*d))
            });
            prop_assert!(both, "{} is not both", d);
        }
        LoadError::MakeupNotWeekend(d) => {
            let years = oracle.years();
            prop_assert!(
                years
                    .iter()
                    .any(|(_, y)| Oracle::makeups(y).iter().any(|t| date(t) == Some(*d)))
            );
            prop_assert!(!matches!(d.weekday(), Weekday::Sat | Weekday::Sun));
        }
        LoadError::ConflictingYear(_) => {
            return Err(TestCaseError::fail("a single file cannot conflict"));
        }
    }
    Ok(())
}

/// Years that break loaders.
fn nasty_year() -> impl Strategy<Value = i64> {
    prop_oneof![
        3 => 2025i64..=2029,
        1 => Just(1948i64),
        1 => Just(1949i64),
        1 => Just(2199i64),
        1 => Just(2200i64),
        1 => Just(99_999i64),
        1 => Just(i64::from(i32::MAX)),
        1 => Just(i64::from(i32::MIN)),
        1 => Just(i64::from(i32::MAX) + 1),
        1 => Just(-2027i64),
    ]
}

/// A date near `year` (inside it mostly; sometimes the neighbouring years), as text.
fn date_near(year: i64) -> impl Strategy<Value = String> {
    prop_oneof![
        8 => (0i64..366).prop_map(move |n| {
            let y = i32::try_from(year).unwrap_or(2027);
            NaiveDate::from_yo_opt(y, 1)
                .and_then(|d| d.checked_add_signed(chrono::TimeDelta::days(n)))
                .map_or_else(|| format!("{year}-01-01"), |d| d.format("%Y-%m-%d").to_string())
        }),
        1 => (-400i64..800).prop_map(move |n| {
            let y = i32::try_from(year).unwrap_or(2027);
            NaiveDate::from_yo_opt(y, 1)
                .and_then(|d| d.checked_add_signed(chrono::TimeDelta::days(n)))
                .map_or_else(|| format!("{year}-12-31"), |d| d.format("%Y-%m-%d").to_string())
        }),
        1 => nasty_string(),
    ]
}

/// A file of the format built from parts, each a little wrong now and then: overlapping holiday blocks,
/// dates outside their year, make-up days on weekdays or on a day off, reversed or huge year ranges.
fn structured() -> impl Strategy<Value = String> {
    (nasty_year(), 0i64..3, any::<bool>()).prop_flat_map(|(first, span, reversed)| {
        let last = first.saturating_add(span);
        let (first, last) = if reversed { (last, first) } else { (first, last) };
        let lo = first.min(last);
        let year_keys = proptest::collection::vec(
            prop_oneof![
                6 => (0..=span).prop_map(move |n| (lo + n).to_string()),
                1 => (0..=span).prop_map(move |n| format!("0{}", lo + n)),
                1 => (0..=span).prop_map(move |n| format!("+{}", lo + n)),
                1 => nasty_year().prop_map(|y| y.to_string()),
            ],
            0..4,
        );
        (
            Just((first, last)),
            year_keys.prop_flat_map(move |keys| {
                keys.into_iter()
                    .map(|key| {
                        let y: i64 = key.trim_start_matches('+').parse().unwrap_or(lo);
                        (
                            Just(key),
                            proptest::collection::vec(
                                ("[春国元]节?", proptest::collection::vec(date_near(y), 0..6)),
                                0..4,
                            ),
                            proptest::collection::vec((date_near(y), "[春国]?"), 0..4),
                        )
                    })
                    .collect::<Vec<_>>()
            }),
            prop_oneof![9 => Just("Asia/Shanghai".to_owned()), 1 => nasty_string()],
        )
    })
    .prop_map(|((first, last), years, timezone)| {
        let mut map = serde_json::Map::new();
        for (key, holidays, makeups) in years {
            map.insert(
                key,
                json!({
                    "holidays": holidays.into_iter().map(|(name, days)| json!({"name": name, "days_off": days})).collect::<Vec<_>>(),
                    "makeup_workdays": makeups.into_iter().map(|(date, f)| json!({"date": date, "for": f})).collect::<Vec<_>>(),
                }),
            );
        }
        json!({"timezone": timezone, "first_year": first, "last_year": last, "years": map}).to_string()
    })
}

proptest! {
    #![proptest_config(config(DEFAULT_CASES))]

    #[test]
    fn arbitrary_bytes_are_refused_with_a_typed_error(text in arb_text()) {
        check(&text)?;
    }

    #[test]
    fn json_of_random_shape_is_refused_or_gives_its_declared_days(doc in arb_json(KEYS)) {
        check(&doc.to_string())?;
        let file = json!({"timezone": "Asia/Shanghai", "first_year": 2027, "last_year": 2027, "years": {"2027": doc}});
        check(&file.to_string())?;
    }

    #[test]
    fn mutated_arrangement_files_are_refused_or_give_their_declared_days(
        (_, text) in mutated(seeds(), KEYS)
    ) {
        check(&text)?;
    }

    #[test]
    fn assembled_arrangement_files_are_refused_or_give_their_declared_days(text in structured()) {
        check(&text)?;
    }
}

#[test]
fn the_seeds_are_accepted_and_checked() {
    for seed in seeds() {
        let text = seed.to_string();
        assert!(Arrangements::from_json(&text).is_ok());
        check(&text).unwrap();
    }
    // The oracle's own sanity: a declared year map agrees with the loader's years.
    let years: BTreeMap<i32, ()> = Arrangements::from_json(OFFICIAL)
        .unwrap()
        .years()
        .map(|y| (y, ()))
        .collect();
    assert_eq!(years.len(), 9);
}
