//! Known answers from the official arrangements, counted by the rules of the regulation digest
//! ("Counting working days"): Beijing dates, start day excluded, due at the end of the N-th working day.

use chrono::{DateTime, NaiveDate, Utc};
use govshare_workdays::{Calendar, CalendarError, Coverage};

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn due(from: &str, n: u32) -> NaiveDate {
    Calendar::official()
        .due(d(from), n, Coverage::Strict)
        .unwrap()
        .due_date
}

#[test]
fn third_working_day_after_national_day_eve_is_the_makeup_saturday() {
    // 2026-10-01..07 are days off; Thursday 8th and Friday 9th are days 1 and 2; Saturday 10th is a
    // make-up working day (调休上班), so it is day 3.
    assert_eq!(due("2026-09-30", 3), d("2026-10-10"));
}

#[test]
fn makeup_saturday_counts_before_the_spring_festival() {
    // Saturday 2026-02-14 is a make-up working day (day 1); 15th–23rd are the Spring Festival days off.
    assert_eq!(due("2026-02-13", 3), d("2026-02-25"));
}

#[test]
fn an_instant_belongs_to_its_beijing_date() {
    // 17:00 UTC on the 13th is 01:00 on the 14th in Beijing: the 14th is the (uncounted) start day.
    let at: DateTime<Utc> = "2026-02-13T17:00:00Z".parse().unwrap();
    let deadline = Calendar::official()
        .due_from_instant(at, 3, Coverage::Strict)
        .unwrap();
    assert_eq!(deadline.from_date, d("2026-02-14"));
    assert_eq!(deadline.due_date, d("2026-02-26"));
}

#[test]
fn twenty_working_days_across_the_national_day_holiday() {
    assert_eq!(due("2026-09-30", 20), d("2026-11-03"));
}

#[test]
fn counting_from_a_day_off_starts_with_the_next_working_day() {
    assert_eq!(due("2026-10-01", 1), d("2026-10-08"));
    assert_eq!(due("2026-10-03", 3), d("2026-10-10"));
}

#[test]
fn due_instant_is_the_end_of_the_beijing_day() {
    let deadline = Calendar::official()
        .due(d("2026-09-30"), 3, Coverage::Strict)
        .unwrap();
    let expected: DateTime<Utc> = "2026-10-10T15:59:59.999999999Z".parse().unwrap();
    assert_eq!(deadline.due_at, expected);
    assert_eq!(
        deadline.due_at_beijing(),
        "2026-10-10T23:59:59.999999999+08:00"
    );
    assert!(deadline.is_met_by(expected));
    assert!(!deadline.is_met_by("2026-10-10T16:00:00Z".parse::<DateTime<Utc>>().unwrap()));
    assert!(!deadline.provisional);
}

#[test]
fn extension_counts_from_the_original_due_day() {
    let calendar = Calendar::official();
    // 第十一条: the catalog update deadline (10) extended once by 20.
    let original = calendar.due(d("2026-09-15"), 10, Coverage::Strict).unwrap();
    let extended = calendar.extend(&original, 20, Coverage::Strict).unwrap();
    assert_eq!(extended.from_date, original.from_date);
    assert_eq!(extended.working_days, 30);
    assert_eq!(
        extended.due_date,
        calendar
            .due(d("2026-09-15"), 30, Coverage::Strict)
            .unwrap()
            .due_date
    );
    assert_eq!(
        extended.due_date,
        calendar
            .due(original.due_date, 20, Coverage::Strict)
            .unwrap()
            .due_date
    );
}

#[test]
fn working_days_between_counts_after_from_up_to_and_including_to() {
    let calendar = Calendar::official();
    let span = calendar
        .working_days_between(d("2026-09-30"), d("2026-10-10"), Coverage::Strict)
        .unwrap();
    assert_eq!(span.days, 3);
    assert!(!span.provisional);
    let reversed = calendar
        .working_days_between(d("2026-10-10"), d("2026-09-30"), Coverage::Strict)
        .unwrap();
    assert_eq!(reversed.days, -3);
    let same = calendar
        .working_days_between(d("2026-10-10"), d("2026-10-10"), Coverage::Strict)
        .unwrap();
    assert_eq!(same.days, 0);
}

#[test]
fn working_day_classification() {
    let calendar = Calendar::official();
    assert!(calendar.is_working_day(d("2026-10-10")), "make-up Saturday");
    assert!(
        !calendar.is_working_day(d("2026-10-05")),
        "National Day Monday"
    );
    assert!(!calendar.is_working_day(d("2026-10-11")), "ordinary Sunday");
    assert!(calendar.is_working_day(d("2026-10-12")), "ordinary Monday");
    assert!(
        !calendar.is_working_day(d("2018-12-31")),
        "元旦 2019 block filed under 2018"
    );
    assert!(
        calendar.is_working_day(d("2018-12-29")),
        "make-up Saturday for 元旦"
    );
}

#[test]
fn a_span_into_an_uncovered_year_is_provisional_by_default() {
    let calendar = Calendar::official();
    // 2027 has no arrangement loaded: weekends only, so Friday 2027-01-01 counts as day 4.
    let deadline = calendar
        .due(d("2026-12-28"), 5, Coverage::Provisional)
        .unwrap();
    assert_eq!(deadline.due_date, d("2027-01-04"));
    assert!(deadline.provisional);
}

#[test]
fn a_span_into_an_uncovered_year_is_refused_in_strict_mode() {
    let calendar = Calendar::official();
    assert_eq!(
        calendar.due(d("2026-12-28"), 5, Coverage::Strict),
        Err(CalendarError::UncoveredYear(2027))
    );
    assert_eq!(
        calendar.due(d("2017-12-20"), 3, Coverage::Strict),
        Err(CalendarError::UncoveredYear(2017))
    );
    // A span that stays inside 2026 is fine even though 2027 is not loaded.
    assert!(calendar.due(d("2026-12-24"), 3, Coverage::Strict).is_ok());
}

#[test]
fn a_loaded_year_turns_provisional_into_official() {
    // A 2027 arrangement (illustrative) making 1 January a day off.
    let text = r#"{"timezone":"Asia/Shanghai","first_year":2027,"last_year":2027,
        "years":{"2027":{"holidays":[{"name":"元旦","days_off":["2027-01-01","2027-01-02","2027-01-03"]}],
        "makeup_workdays":[]}}}"#;
    let calendar = Calendar::official().with_extra_json(text).unwrap();
    let deadline = calendar.due(d("2026-12-28"), 5, Coverage::Strict).unwrap();
    assert_eq!(deadline.due_date, d("2027-01-05"));
    assert!(!deadline.provisional);
    assert!(calendar.is_covered(2027));
    assert!(!calendar.is_covered(2028));
}

#[test]
fn zero_working_days_is_the_start_day() {
    assert_eq!(due("2026-10-01", 0), d("2026-10-01"));
}
