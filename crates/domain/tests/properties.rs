//! Property tests of the deadline arithmetic inside aggregates (第十一、四十一条): whatever the instant and the
//! calendar, a late act is recorded late and paired with a missed fact attributed to the owing party, an
//! on-time act never is; MarkOverdue is refused up to the due instant and idempotent after it. The due instant
//! the properties judge by is counted day by day in the test (the oracle), not read from the recorded deadline.

mod common;

use chrono::{Datelike, Duration, NaiveDate};
use common::*;
use govshare_domain::catalog::{
    CatalogCommand, CatalogEntry, CatalogEvent, ChangeCause, MarkOverdue, RecordCatalogChange,
    ReviseCatalogEntry, SubmitCatalogEntry,
};
use govshare_domain::{CategoryAssignments, DomainError, DomainServices, RuleSet};
use govshare_workdays::{Calendar, Coverage};
use proptest::prelude::*;

/// The official calendar, or one with an invented 2027 holiday block (2027 has no published arrangement),
/// so that the property does not depend on a particular calendar.
fn calendar(extra: Option<(u32, u32)>) -> Calendar {
    let official = Calendar::official();
    let Some((start, len)) = extra else {
        return official;
    };
    let first = NaiveDate::from_yo_opt(2027, start).expect("valid day of year");
    let days: Vec<String> = (0..len)
        .map(|i| format!("\"{}\"", first + Duration::days(i64::from(i))))
        .collect();
    let json = format!(
        r#"{{"timezone": "Asia/Shanghai", "first_year": 2027, "last_year": 2027,
            "years": {{"2027": {{"holidays": [{{"name": "invented", "days_off": [{}]}}], "makeup_workdays": []}}}}}}"#,
        days.join(",")
    );
    official
        .with_extra_json(&json)
        .expect("invented arrangement is valid")
}

fn services_on(calendar: Calendar) -> DomainServices {
    DomainServices::new(
        calendar,
        RuleSet::hebei_2022(),
        CategoryAssignments::from_json(CATEGORIES_JSON).expect("fixture"),
    )
}

fn run(
    services: DomainServices,
    given: Vec<CatalogEvent>,
    command: govshare_domain::CommandEnvelope<CatalogCommand>,
) -> Result<Vec<CatalogEvent>, DomainError> {
    cqrs_es::test::TestFramework::<CatalogEntry>::with(services)
        .given(given)
        .when(command)
        .inspect_result()
}

/// When the change on `changed_on` and the revision are recorded: 18:00 that day (after the publication).
fn recorded_at(changed_on: NaiveDate) -> chrono::DateTime<chrono::Utc> {
    bj(2026, 3, 2, 16, 0).max(
        changed_on
            .and_hms_opt(18, 0, 0)
            .expect("valid")
            .and_local_timezone(govshare_workdays::beijing_offset())
            .single()
            .expect("valid")
            .with_timezone(&chrono::Utc),
    )
}

/// A published entry, a change on `changed_on`, and a revision the same day.
fn changed(services: &DomainServices, changed_on: NaiveDate) -> Vec<CatalogEvent> {
    let mut events = published_population_history();
    let at = recorded_at(changed_on);
    for body in [
        CatalogCommand::RecordCatalogChange(RecordCatalogChange {
            cause: ChangeCause::Duties,
            description: "职责调整".to_owned(),
            changed_on,
        }),
        CatalogCommand::ReviseCatalogEntry(ReviseCatalogEntry {
            metadata: population_metadata(),
        }),
    ] {
        let new = run(
            services.clone(),
            events.clone(),
            cmd(clerk(province_public_security()), at, body),
        )
        .expect("history");
        events.extend(new);
    }
    events
}

fn due(events: &[CatalogEvent]) -> govshare_domain::DeadlineSet {
    events
        .iter()
        .find_map(|e| match e {
            CatalogEvent::DeadlineSet(s) => Some(s.clone()),
            _ => None,
        })
        .expect("a deadline was set")
}

/// The oracle of 第十一条 counting, written from the rule and not taken from the recorded deadline: the last
/// instant (Beijing time) of the tenth working day after the change date, found by walking the calendar
/// day by day (the start day is not counted, 民法典第二百零一条).
fn oracle_due_at(calendar: &Calendar, changed_on: NaiveDate) -> chrono::DateTime<chrono::Utc> {
    let mut day = changed_on;
    let mut left = 10;
    while left > 0 {
        day = day.succ_opt().expect("a later day");
        if calendar.is_working_day(day) {
            left -= 1;
        }
    }
    end_of(day.year(), day.month(), day.day())
}

fn arb_calendar() -> impl Strategy<Value = Option<(u32, u32)>> {
    prop_oneof![Just(None), (1u32..=355, 1u32..=9).prop_map(Some)]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// 第十一、四十一条: submission at any instant is met late iff after the due instant, and a late one is
    /// paired with exactly one missed fact attributed to the department.
    #[test]
    fn art11_art41_late_update_is_always_recorded_late_and_missed(
        day in 0i64..(365 * 2),
        offset_minutes in 0i64..(60 * 24 * 45),
        cal in arb_calendar(),
    ) {
        let calendar = calendar(cal);
        let services = services_on(calendar.clone());
        let changed_on = NaiveDate::from_ymd_opt(2026, 3, 3).expect("valid") + Duration::days(day);
        let given = changed(&services, changed_on);
        let set = due(&given);
        let due_at = oracle_due_at(&calendar, changed_on);
        let at = set.from + Duration::minutes(offset_minutes);
        prop_assume!(beijing_date(at) >= changed_on);
        let submit = cmd(
            clerk(province_public_security()),
            at.max(recorded_at(changed_on)),
            CatalogCommand::SubmitCatalogEntry(SubmitCatalogEntry { authority: province_authority() }),
        );
        let at = submit.at;
        let events = run(services, given, submit).expect("a late act is still accepted");
        let late = at > due_at;
        let met: Vec<_> = events.iter().filter_map(|e| match e { CatalogEvent::DeadlineMet(m) if m.id == set.id => Some(m), _ => None }).collect();
        let missed: Vec<_> = events.iter().filter_map(|e| match e { CatalogEvent::DeadlineMissed(m) => Some(m), _ => None }).collect();
        prop_assert_eq!(met.len(), 1);
        prop_assert_eq!(met[0].late, late);
        prop_assert_eq!(met[0].due_at, due_at);
        prop_assert_eq!(missed.len(), usize::from(late));
        if late {
            prop_assert_eq!(&missed[0].owed_by, &code("130000-public-security"));
            prop_assert_eq!(missed[0].due_at, due_at);
        }
    }

    /// 第四十一条: MarkOverdue is refused up to the due instant, records one miss after it, and nothing the
    /// second time.
    #[test]
    fn art41_mark_overdue_is_refused_before_due_and_idempotent_after(
        day in 0i64..(365 * 2),
        offset_minutes in -(60i64 * 24 * 3)..(60 * 24 * 3),
        cal in arb_calendar(),
    ) {
        let calendar = calendar(cal);
        let services = services_on(calendar.clone());
        let changed_on = NaiveDate::from_ymd_opt(2026, 3, 3).expect("valid") + Duration::days(day);
        let given = changed(&services, changed_on);
        let set = due(&given);
        let due_at = oracle_due_at(&calendar, changed_on);
        let at = due_at + Duration::minutes(offset_minutes);
        let mark = || cmd(scheduler(), at, CatalogCommand::MarkOverdue(MarkOverdue { deadline: set.id.clone() }));
        match run(services.clone(), given.clone(), mark()) {
            Err(e @ DomainError::NotYetDue { .. }) => {
                prop_assert!(at <= due_at);
                prop_assert!(e.is_retryable());
            }
            Ok(events) => {
                prop_assert!(at > due_at);
                prop_assert_eq!(events.len(), 1);
                let mut all = given;
                all.extend(events);
                prop_assert_eq!(run(services, all, mark()).expect("idempotent"), vec![]);
            }
            Err(other) => prop_assert!(false, "unexpected {other}"),
        }
    }

    /// 第十一条: the recorded due date is the tenth working day after the change date on the calendar in use,
    /// and the due instant is the end of that Beijing day.
    #[test]
    fn art11_recorded_due_date_is_ten_working_days_on_the_calendar(day in 0i64..(365 * 2), cal in arb_calendar()) {
        let cal = calendar(cal);
        let services = services_on(cal.clone());
        let changed_on = NaiveDate::from_ymd_opt(2026, 3, 3).expect("valid") + Duration::days(day);
        let set = due(&changed(&services, changed_on));
        let span = cal.working_days_between(changed_on, set.due_date, Coverage::Provisional).expect("span");
        prop_assert_eq!(span.days, 10);
        prop_assert!(cal.is_working_day(set.due_date));
        prop_assert_eq!(beijing_date(set.due_at), set.due_date);
        prop_assert_eq!(beijing_date(set.due_at + Duration::nanoseconds(1)), set.due_date.succ_opt().expect("next"));
        let years = chrono::Datelike::year(&changed_on)..=chrono::Datelike::year(&set.due_date);
        prop_assert_eq!(set.provisional, years.into_iter().any(|y| !cal.is_covered(y)));
    }
}
