//! Properties of the deadline arithmetic over many dates and spans, including spans that run into
//! years with no loaded arrangement.

use chrono::{NaiveDate, TimeDelta};
use govshare_workdays::{Calendar, Coverage};
use proptest::prelude::*;

fn date_strategy() -> impl Strategy<Value = NaiveDate> {
    // 2016-01-01 .. 2028-12-31: before, inside and after the shipped years.
    (0i64..(13 * 366))
        .prop_map(|offset| NaiveDate::from_ymd_opt(2016, 1, 1).unwrap() + TimeDelta::days(offset))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn the_due_date_is_a_working_day(from in date_strategy(), n in 1u32..=60) {
        let calendar = Calendar::official();
        let deadline = calendar.due(from, n, Coverage::Provisional).unwrap();
        prop_assert!(calendar.is_working_day(deadline.due_date));
        prop_assert!(deadline.due_date > from);
        prop_assert_eq!(
            deadline.due_at_beijing(),
            format!("{}T23:59:59.999999999+08:00", deadline.due_date)
        );
    }

    #[test]
    fn between_inverts_due(from in date_strategy(), n in 0u32..=60) {
        let calendar = Calendar::official();
        let deadline = calendar.due(from, n, Coverage::Provisional).unwrap();
        let span = calendar.working_days_between(from, deadline.due_date, Coverage::Provisional).unwrap();
        prop_assert_eq!(span.days, i64::from(n));
    }

    #[test]
    fn due_is_additive(from in date_strategy(), a in 0u32..=40, b in 0u32..=40) {
        let calendar = Calendar::official();
        let first = calendar.due(from, a, Coverage::Provisional).unwrap();
        let second = calendar.due(first.due_date, b, Coverage::Provisional).unwrap();
        let whole = calendar.due(from, a + b, Coverage::Provisional).unwrap();
        prop_assert_eq!(second.due_date, whole.due_date);
        let extended = calendar.extend(&first, b, Coverage::Provisional).unwrap();
        prop_assert_eq!(extended.due_date, whole.due_date);
    }

    #[test]
    fn due_is_monotonic_in_the_start(x in date_strategy(), gap in 0i64..40, n in 1u32..=30) {
        let calendar = Calendar::official();
        let y = x + TimeDelta::days(gap);
        let dx = calendar.due(x, n, Coverage::Provisional).unwrap().due_date;
        let dy = calendar.due(y, n, Coverage::Provisional).unwrap().due_date;
        prop_assert!(dx <= dy);
    }

    #[test]
    fn due_is_strictly_monotonic_in_the_length(x in date_strategy(), n in 0u32..=40, more in 1u32..=20) {
        let calendar = Calendar::official();
        let shorter = calendar.due(x, n, Coverage::Provisional).unwrap().due_date;
        let longer = calendar.due(x, n + more, Coverage::Provisional).unwrap().due_date;
        prop_assert!(shorter < longer);
    }

    #[test]
    fn constant_time_answer_equals_counting_day_by_day(from in date_strategy(), n in 0u32..=60) {
        let calendar = Calendar::official();
        let fast = calendar.due(from, n, Coverage::Provisional).unwrap().due_date;
        prop_assert_eq!(Some(fast), calendar.due_date_day_by_day(from, n));
    }

    #[test]
    fn provisional_exactly_when_a_counted_day_is_outside_the_shipped_years(
        from in date_strategy(), n in 1u32..=60
    ) {
        let calendar = Calendar::official();
        let deadline = calendar.due(from, n, Coverage::Provisional).unwrap();
        let touches_uncovered = (from.succ_opt().unwrap().format("%Y").to_string().parse::<i32>().unwrap()
            ..=deadline.due_date.format("%Y").to_string().parse::<i32>().unwrap())
            .any(|y| !(2018..=2026).contains(&y));
        prop_assert_eq!(deadline.provisional, touches_uncovered);
        prop_assert_eq!(calendar.due(from, n, Coverage::Strict).is_err(), touches_uncovered);
    }
}
