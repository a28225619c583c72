//! 第三十八条: assessment periods — a year, a quarter or a month of Beijing dates — and the request's other
//! parts read from text.

use chrono::{Datelike, NaiveDate};
use govshare_report::{Format, Lang, Period, ReportError, Scope};
use proptest::prelude::*;

#[test]
fn art38_period_reads_a_year_a_quarter_and_a_month() {
    assert_eq!("2026".parse::<Period>().unwrap(), Period::Year(2026));
    assert_eq!(
        "2026Q3".parse::<Period>().unwrap(),
        Period::Quarter(2026, 3)
    );
    assert_eq!(
        "2026q1".parse::<Period>().unwrap(),
        Period::Quarter(2026, 1)
    );
    assert_eq!("2026-09".parse::<Period>().unwrap(), Period::Month(2026, 9));
    let q3: Period = "2026Q3".parse().unwrap();
    assert_eq!(q3.first_day(), NaiveDate::from_ymd_opt(2026, 7, 1).unwrap());
    assert_eq!(q3.last_day(), NaiveDate::from_ymd_opt(2026, 9, 30).unwrap());
    // 00:00 Beijing time is 16:00 UTC the day before.
    assert_eq!(q3.start().to_rfc3339(), "2026-06-30T16:00:00+00:00");
    let december: Period = "2026-12".parse().unwrap();
    assert_eq!(
        december.last_day(),
        NaiveDate::from_ymd_opt(2026, 12, 31).unwrap()
    );
    assert_eq!(december.end().to_rfc3339(), "2026-12-31T16:00:00+00:00");
}

#[test]
fn art38_period_refuses_what_is_not_a_period() {
    for bad in [
        "2026Q5",
        "2026Q0",
        "2026-13",
        "2026-00",
        "2026-1",
        "2026-001",
        "26",
        "20261",
        "",
        "Q3",
        "2026Q",
        "2026-",
        "abcd",
        "2026Q3 extra",
        "1999",
        "2101",
        "-2026",
        "2026-0a",
        "２０２６",
    ] {
        match bad.parse::<Period>() {
            Err(ReportError::InvalidPeriod { input, .. }) => assert_eq!(input, bad.trim()),
            other => panic!("{bad:?}: {other:?}"),
        }
    }
}

#[test]
fn art38_format_lang_and_scope_read_from_text() {
    assert_eq!("json".parse::<Format>().unwrap(), Format::Json);
    assert_eq!("CSV".parse::<Format>().unwrap(), Format::Csv);
    assert_eq!("md".parse::<Format>().unwrap(), Format::Markdown);
    assert_eq!("html".parse::<Format>().unwrap(), Format::Html);
    assert!(matches!(
        "pdf".parse::<Format>(),
        Err(ReportError::InvalidFormat(_))
    ));
    assert_eq!(Lang::default(), Lang::Zh);
    assert_eq!("en".parse::<Lang>().unwrap(), Lang::En);
    assert!(matches!(
        "fr".parse::<Lang>(),
        Err(ReportError::InvalidLang(_))
    ));
    assert_eq!(
        "region:130000".parse::<Scope>().unwrap(),
        Scope::Region("130000".into())
    );
    assert_eq!(
        "department:130000-health".parse::<Scope>().unwrap(),
        Scope::Department("130000-health".into())
    );
    assert!(matches!(
        "city:1".parse::<Scope>(),
        Err(ReportError::InvalidScope(_))
    ));
    assert!(matches!(
        "region:".parse::<Scope>(),
        Err(ReportError::InvalidScope(_))
    ));
}

proptest! {
    /// Display and parse round-trip; the bounds agree with an oracle that walks the calendar day by day.
    #[test]
    fn art38_period_bounds_agree_with_a_day_by_day_oracle(
        year in 2000i32..=2100,
        kind in 0u8..3,
        n in 1u32..=12,
    ) {
        let period = match kind {
            0 => Period::year(year).unwrap(),
            1 => Period::quarter(year, (n - 1) / 3 + 1).unwrap(),
            _ => Period::month(year, n).unwrap(),
        };
        prop_assert_eq!(period.to_string().parse::<Period>().unwrap(), period);
        let inside = |d: NaiveDate| match period {
            Period::Year(y) => d.year() == y,
            Period::Quarter(y, q) => d.year() == y && (d.month() - 1) / 3 + 1 == q,
            Period::Month(y, m) => d.year() == y && d.month() == m,
        };
        let first = NaiveDate::from_ymd_opt(year, 1, 1).unwrap();
        let days: Vec<NaiveDate> = first.iter_days().take(366).filter(|d| inside(*d)).collect();
        prop_assert_eq!(period.first_day(), days[0]);
        prop_assert_eq!(period.last_day(), *days.last().unwrap());
        prop_assert!(period.contains(period.start()));
        prop_assert!(!period.contains(period.end()));
        prop_assert!(period.contains(period.end() - chrono::TimeDelta::nanoseconds(1)));
    }
}
