//! Validation of holiday arrangement files: each refusal is a typed error naming the date or year.

use chrono::NaiveDate;
use govshare_workdays::{Arrangements, Calendar, LoadError};

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn file(year_body: &str) -> String {
    format!(
        r#"{{"timezone":"Asia/Shanghai","first_year":2027,"last_year":2027,"years":{{"2027":{year_body}}}}}"#
    )
}

#[test]
fn the_shipped_official_file_is_valid_and_covers_2018_to_2026() {
    let calendar = Calendar::official();
    let years: Vec<i32> = calendar.arrangements().years().collect();
    assert_eq!(years, (2018..=2026).collect::<Vec<_>>());
}

#[test]
fn a_date_both_day_off_and_makeup_is_refused() {
    let text = file(
        r#"{"holidays":[{"name":"x","days_off":["2027-01-02"]}],"makeup_workdays":[{"date":"2027-01-02","for":"x"}]}"#,
    );
    assert_eq!(
        Arrangements::from_json(&text),
        Err(LoadError::DayOffAndMakeup(d("2027-01-02")))
    );
}

#[test]
fn a_makeup_day_on_a_weekday_is_refused() {
    // 2027-01-04 is a Monday.
    let text = file(r#"{"holidays":[],"makeup_workdays":[{"date":"2027-01-04","for":"x"}]}"#);
    assert_eq!(
        Arrangements::from_json(&text),
        Err(LoadError::MakeupNotWeekend(d("2027-01-04")))
    );
}

#[test]
fn a_date_filed_under_another_year_is_refused() {
    let text =
        file(r#"{"holidays":[{"name":"x","days_off":["2026-12-31"]}],"makeup_workdays":[]}"#);
    assert_eq!(
        Arrangements::from_json(&text),
        Err(LoadError::WrongYear {
            date: d("2026-12-31"),
            year: 2027
        })
    );
}

#[test]
fn a_duplicate_date_is_refused() {
    let text = file(
        r#"{"holidays":[{"name":"a","days_off":["2027-02-10"]},{"name":"b","days_off":["2027-02-10"]}],"makeup_workdays":[]}"#,
    );
    assert_eq!(
        Arrangements::from_json(&text),
        Err(LoadError::Duplicate(d("2027-02-10")))
    );
    let text = file(
        r#"{"holidays":[],"makeup_workdays":[{"date":"2027-02-06","for":"a"},{"date":"2027-02-06","for":"b"}]}"#,
    );
    assert_eq!(
        Arrangements::from_json(&text),
        Err(LoadError::Duplicate(d("2027-02-06")))
    );
}

#[test]
fn malformed_files_are_refused() {
    assert!(matches!(
        Arrangements::from_json("not json"),
        Err(LoadError::Parse(_))
    ));
    let text =
        file(r#"{"holidays":[{"name":"x","days_off":["2027-13-01"]}],"makeup_workdays":[]}"#);
    assert_eq!(
        Arrangements::from_json(&text),
        Err(LoadError::BadDate("2027-13-01".into()))
    );
    let utc = r#"{"timezone":"UTC","first_year":2027,"last_year":2027,"years":{"2027":{}}}"#;
    assert_eq!(
        Arrangements::from_json(utc),
        Err(LoadError::WrongTimezone("UTC".into()))
    );
    let missing =
        r#"{"timezone":"Asia/Shanghai","first_year":2027,"last_year":2028,"years":{"2027":{}}}"#;
    assert_eq!(
        Arrangements::from_json(missing),
        Err(LoadError::MissingYear(2028))
    );
    let outside = r#"{"timezone":"Asia/Shanghai","first_year":2027,"last_year":2027,"years":{"2027":{},"2029":{}}}"#;
    assert!(matches!(
        Arrangements::from_json(outside),
        Err(LoadError::YearOutsideRange { year: 2029, .. })
    ));
}

#[test]
fn reloading_an_identical_year_is_accepted_and_a_different_one_refused() {
    let official = include_str!("../data/cn-holidays.json");
    assert!(Calendar::official().with_extra_json(official).is_ok());
    let altered = official.replacen("2026-10-10", "2026-10-11", 1);
    assert_eq!(
        Calendar::official().with_extra_json(&altered).err(),
        Some(LoadError::ConflictingYear(2026))
    );
}

#[test]
fn a_year_outside_the_supported_range_is_refused() {
    let far = r#"{"timezone":"Asia/Shanghai","first_year":300000,"last_year":300000,"years":{"300000":{}}}"#;
    assert_eq!(
        Arrangements::from_json(far),
        Err(LoadError::UnsupportedYear(300000))
    );
    let wide =
        r#"{"timezone":"Asia/Shanghai","first_year":2027,"last_year":200000,"years":{"2027":{}}}"#;
    assert_eq!(
        Arrangements::from_json(wide),
        Err(LoadError::UnsupportedYear(200000))
    );
}

/// Found by `tests/fuzz.rs`: `"+2027"` and `"02027"` parse as 2027, so a file with both `"2027"` and
/// `"+2027"` filed two arrangements of one year and the loader silently kept only one of them.
#[test]
fn a_year_filed_twice_under_another_spelling_is_refused_not_silently_dropped() {
    for spelling in ["+2027", "02027"] {
        let text = format!(
            r#"{{"timezone":"Asia/Shanghai","first_year":2027,"last_year":2027,"years":{{
                "2027":{{"holidays":[],"makeup_workdays":[]}},
                "{spelling}":{{"holidays":[{{"name":"x","days_off":["2027-05-06"]}}],"makeup_workdays":[]}}}}}}"#
        );
        assert_eq!(
            Arrangements::from_json(&text),
            Err(LoadError::BadYearKey(spelling.to_owned()))
        );
        // Alone, the spelling is refused too: the key must be the year as written plainly.
        let alone = format!(
            r#"{{"timezone":"Asia/Shanghai","first_year":2027,"last_year":2027,"years":{{"{spelling}":{{}}}}}}"#
        );
        assert_eq!(
            Arrangements::from_json(&alone),
            Err(LoadError::BadYearKey(spelling.to_owned()))
        );
    }
}
