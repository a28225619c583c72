//! Digest, "Counting working days", Decision: a deadline reaching into a year with no published holiday
//! arrangement is computed with weekends only and marked provisional; when that year's arrangement is loaded,
//! every open provisional deadline is recomputed (`RecomputeDeadlines`, scheduler only, AUTH-02) and the change
//! recorded (`DeadlineRecomputed`). Counting follows 民法典第二百零一条 (the start day is not counted). Shown on
//! the catalog update and review deadlines of 第十一条, the share steps of 第十九条, the verification steps of
//! 第二十条 and the rectification deadline of 第三十九条; a strict rule set refuses instead.

mod common;
mod share_fixtures;

use std::path::PathBuf;

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use common::*;
use cqrs_es::DomainEvent;
use cqrs_es::test::TestFramework;
use govshare_domain::catalog::{
    CatalogCommand, CatalogEntry, CatalogEvent, ChangeCause, MarkOverdue, RecomputeDeadlines,
    RecordCatalogChange, ReviseCatalogEntry, SubmitCatalogEntry,
};
use govshare_domain::share_application::{
    ShareApplication, ShareCommand, ShareEvent, WithdrawShareApplication,
};
use govshare_domain::supervision::{
    OrderRectification, RecordInspection, Supervision, SupervisionCommand, SupervisionEvent,
};
use govshare_domain::verification::{
    FileVerificationRequest, Verification, VerificationCommand, VerificationEvent,
    VerificationSubject,
};
use govshare_domain::{
    CategoryAssignments, CommandEnvelope, DeadlineFact, DeadlineId, DeadlineMissed,
    DeadlineRecomputed, DeadlineRule, Deadlines, DomainError, DomainServices, Obligation, Rule,
    RuleSet,
};
use govshare_workdays::{Calendar, CalendarError, Coverage};
use proptest::prelude::*;
use share_fixtures::*;

/// An illustrative 2027 arrangement (not the State Council's): 1–3 January off (元旦).
const ARRANGEMENT_2027: &str = r#"{"timezone": "Asia/Shanghai", "first_year": 2027, "last_year": 2027,
    "years": {"2027": {"holidays": [{"name": "元旦", "days_off": ["2027-01-01", "2027-01-02", "2027-01-03"]}],
    "makeup_workdays": []}}}"#;

/// An illustrative 2027 arrangement whose only effect near new year is a make-up working day on Saturday
/// 2 January (for a later holiday): a recomputed deadline can come *earlier*.
const ARRANGEMENT_2027_MAKEUP: &str = r#"{"timezone": "Asia/Shanghai", "first_year": 2027, "last_year": 2027,
    "years": {"2027": {"holidays": [{"name": "春节", "days_off": ["2027-02-08", "2027-02-09"]}],
    "makeup_workdays": [{"date": "2027-01-02", "for_holiday": "春节"}]}}}"#;

fn services_on(calendar: Calendar, rules: RuleSet) -> DomainServices {
    DomainServices::new(
        calendar,
        rules,
        CategoryAssignments::from_json(CATEGORIES_JSON).expect("fixture"),
    )
}

/// The services after the engine loaded the 2027 arrangement.
fn services_2027() -> DomainServices {
    let calendar = Calendar::official()
        .with_extra_json(ARRANGEMENT_2027)
        .expect("illustrative arrangement is valid");
    services_on(calendar, RuleSet::hebei_2022())
}

fn services_2027_makeup() -> DomainServices {
    let calendar = Calendar::official()
        .with_extra_json(ARRANGEMENT_2027_MAKEUP)
        .expect("illustrative arrangement is valid");
    services_on(calendar, RuleSet::hebei_2022())
}

fn strict() -> RuleSet {
    RuleSet {
        coverage: Coverage::Strict,
        ..RuleSet::hebei_2022()
    }
}

fn update_id(n: u32) -> DeadlineId {
    DeadlineId::new(DeadlineRule::CatalogUpdate, n)
}

fn review_id(n: u32) -> DeadlineId {
    DeadlineId::new(DeadlineRule::CatalogReview, n)
}

fn recompute_catalog(actor: govshare_domain::Actor) -> CommandEnvelope<CatalogCommand> {
    cmd(
        actor,
        bj(2026, 12, 28, 8, 0),
        CatalogCommand::RecomputeDeadlines(RecomputeDeadlines::default()),
    )
}

/// A change of law on Thursday 2026-12-24 (recorded the same afternoon).
fn change_on_2026_12_24() -> CommandEnvelope<CatalogCommand> {
    cmd(
        clerk(province_public_security()),
        bj(2026, 12, 24, 16, 0),
        CatalogCommand::RecordCatalogChange(RecordCatalogChange {
            cause: ChangeCause::LawOrRegulation,
            description: "《中华人民共和国户口登记条例》修订".to_owned(),
            changed_on: date(2026, 12, 24),
        }),
    )
}

fn with_december_change() -> Vec<CatalogEvent> {
    let mut commands = published_population_entry();
    commands.push(change_on_2026_12_24());
    history::<CatalogEntry>(services, commands)
}

fn denied_by<T: std::fmt::Debug>(result: Result<T, DomainError>, rule: Rule) {
    match result {
        Err(DomainError::Forbidden(f)) => assert_eq!(f.rule, rule, "{}", f.reason),
        other => panic!("expected {rule} to deny, got {other:?}"),
    }
}

/// The recorded update deadline after the 2027 arrangement: 1 January 2027 is a day off, so the tenth working
/// day after 2026-12-24 is Friday 2027-01-08 instead of Thursday 2027-01-07.
fn update_recomputed() -> DeadlineRecomputed {
    DeadlineRecomputed {
        id: update_id(1),
        owed_by: code("130000-public-security"),
        from_date: date(2026, 12, 24),
        working_days: 10,
        previous_due_date: date(2027, 1, 7),
        previous_due_at: end_of(2027, 1, 7),
        due_date: date(2027, 1, 8),
        due_at: end_of(2027, 1, 8),
        provisional: false,
        calendar_years: vec![2026, 2027],
    }
}

/// 第十一条 with the Decision: a catalog update deadline set on 2026-12-24 for 10 working days reaches into
/// 2027, which has no published arrangement in the official calendar: weekends only, provisional.
#[test]
fn decision_catalog_update_deadline_into_2027_is_provisional() {
    let events = with_december_change();
    let set = events
        .iter()
        .find_map(|e| match e {
            CatalogEvent::DeadlineSet(s) if s.id == update_id(1) => Some(s.clone()),
            _ => None,
        })
        .expect("update deadline set");
    assert_eq!(set.working_days, 10);
    assert_eq!(set.due_date, date(2027, 1, 7));
    assert!(set.provisional);
}

/// Decision (第十一条 deadline): once the 2027 arrangement is loaded, `RecomputeDeadlines` records the later due
/// date and `provisional: false`; the ledger follows it.
#[test]
fn decision_recompute_records_later_due_date_and_official_calendar() {
    TestFramework::<CatalogEntry>::with(services_2027())
        .given(with_december_change())
        .when(recompute_catalog(scheduler()))
        .then_expect_events(vec![CatalogEvent::DeadlineRecomputed(update_recomputed())]);

    let mut given = with_december_change();
    given.push(CatalogEvent::DeadlineRecomputed(update_recomputed()));
    let mut entry = CatalogEntry::default();
    for event in given {
        cqrs_es::Aggregate::apply(&mut entry, event);
    }
    let tracked = entry.deadlines().get(&update_id(1)).expect("tracked");
    assert_eq!(tracked.current.due_date, date(2027, 1, 8));
    assert_eq!(tracked.current.due_at, end_of(2027, 1, 8));
    assert!(!tracked.current.provisional);
    assert_eq!(tracked.current.working_days, 10);
}

/// Decision: recomputation is idempotent — a second `RecomputeDeadlines` records nothing.
#[test]
fn decision_second_recompute_records_nothing() {
    let mut given = with_december_change();
    given.push(CatalogEvent::DeadlineRecomputed(update_recomputed()));
    TestFramework::<CatalogEntry>::with(services_2027())
        .given(given)
        .when(recompute_catalog(scheduler()))
        .then_expect_events(vec![]);
}

/// Decision: without a newly loaded year nothing changes, so nothing is recorded.
#[test]
fn decision_recompute_on_the_same_calendar_records_nothing() {
    TestFramework::<CatalogEntry>::with(services())
        .given(with_december_change())
        .when(recompute_catalog(scheduler()))
        .then_expect_events(vec![]);
}

/// Decision with 第十一条: a deadline already met stands as recorded; only the open review deadline (opened by
/// the submission on 2026-12-28, also reaching into 2027) is recomputed.
#[test]
fn decision_met_deadline_is_not_recomputed() {
    let given = history_on::<CatalogEntry>(
        &with_december_change(),
        vec![
            cmd(
                clerk(province_public_security()),
                bj(2026, 12, 28, 9, 0),
                CatalogCommand::ReviseCatalogEntry(ReviseCatalogEntry {
                    metadata: population_metadata(),
                }),
            ),
            cmd(
                clerk(province_public_security()),
                bj(2026, 12, 28, 10, 0),
                CatalogCommand::SubmitCatalogEntry(SubmitCatalogEntry {
                    authority: province_authority(),
                }),
            ),
        ],
    );
    let mut all = with_december_change();
    all.extend(given);
    let review = all
        .iter()
        .find_map(|e| match e {
            CatalogEvent::DeadlineSet(s) if s.id == review_id(1) => Some(s.clone()),
            _ => None,
        })
        .expect("review deadline set");
    // 10 working days after Monday 2026-12-28, weekends only: Monday 2027-01-11.
    assert_eq!(review.due_date, date(2027, 1, 11));
    assert!(review.provisional);
    TestFramework::<CatalogEntry>::with(services_2027())
        .given(all)
        // Recomputed after the submission that met the update deadline.
        .when(CommandEnvelope {
            at: bj(2026, 12, 28, 11, 0),
            ..recompute_catalog(scheduler())
        })
        .then_expect_events(vec![CatalogEvent::DeadlineRecomputed(DeadlineRecomputed {
            id: review_id(1),
            owed_by: code("130000-data-authority"),
            from_date: date(2026, 12, 28),
            working_days: 10,
            previous_due_date: date(2027, 1, 11),
            previous_due_at: end_of(2027, 1, 11),
            due_date: date(2027, 1, 12),
            due_at: end_of(2027, 1, 12),
            provisional: false,
            calendar_years: vec![2026, 2027],
        })]);
}

/// Decision with 第四十一条: a deadline whose miss is already recorded is not recomputed (the record stands).
#[test]
fn decision_missed_deadline_is_not_recomputed() {
    let mut given = with_december_change();
    given.push(CatalogEvent::DeadlineMissed(DeadlineMissed {
        id: update_id(1),
        owed_by: code("130000-public-security"),
        due_at: end_of(2027, 1, 7),
        marked_at: bj(2027, 1, 8, 0, 5),
    }));
    TestFramework::<CatalogEntry>::with(services_2027())
        .given(given)
        .when(cmd(
            scheduler(),
            bj(2027, 1, 8, 9, 0),
            CatalogCommand::RecomputeDeadlines(RecomputeDeadlines::default()),
        ))
        .then_expect_events(vec![]);
}

/// AUTH-02: only the scheduler recomputes; an interested party (the owing department, the authority) cannot.
#[test]
fn auth02_recompute_only_by_scheduler_on_catalog_entry() {
    for actor in [
        clerk(province_public_security()),
        leader(province_public_security()),
        reviewer(province_authority()),
    ] {
        denied_by(
            when::<CatalogEntry>(
                services_2027(),
                with_december_change(),
                recompute_catalog(actor),
            ),
            Rule::OverdueByScheduler,
        );
    }
}

/// Decision: a recomputed due date may be earlier (a make-up working day) and may already have passed; the
/// recomputation records only the new due date, and `MarkOverdue` then records the miss (第四十一条).
#[test]
fn decision_earlier_recomputed_due_date_is_left_to_mark_overdue() {
    let now = bj(2027, 1, 7, 9, 0);
    let recomputed = DeadlineRecomputed {
        id: update_id(1),
        owed_by: code("130000-public-security"),
        from_date: date(2026, 12, 24),
        working_days: 10,
        previous_due_date: date(2027, 1, 7),
        previous_due_at: end_of(2027, 1, 7),
        due_date: date(2027, 1, 6),
        due_at: end_of(2027, 1, 6),
        provisional: false,
        calendar_years: vec![2026, 2027],
    };
    TestFramework::<CatalogEntry>::with(services_2027_makeup())
        .given(with_december_change())
        .when(cmd(
            scheduler(),
            now,
            CatalogCommand::RecomputeDeadlines(RecomputeDeadlines::default()),
        ))
        .then_expect_events(vec![CatalogEvent::DeadlineRecomputed(recomputed.clone())]);

    let mut given = with_december_change();
    given.push(CatalogEvent::DeadlineRecomputed(recomputed));
    TestFramework::<CatalogEntry>::with(services_2027_makeup())
        .given(given)
        .when(cmd(
            scheduler(),
            now,
            CatalogCommand::MarkOverdue(MarkOverdue {
                deadline: update_id(1),
            }),
        ))
        .then_expect_events(vec![CatalogEvent::DeadlineMissed(DeadlineMissed {
            id: update_id(1),
            owed_by: code("130000-public-security"),
            due_at: end_of(2027, 1, 6),
            marked_at: now,
        })]);
}

/// Decision, strict mode: a strict rule set refuses a deadline reaching into an uncovered year, so it never
/// holds a provisional deadline to recompute; with the year loaded the same change is accepted, official.
#[test]
fn decision_strict_rule_set_never_sets_provisional_deadlines() {
    let given = history::<CatalogEntry>(services, published_population_entry());
    let err = when::<CatalogEntry>(
        services_on(Calendar::official(), strict()),
        given.clone(),
        change_on_2026_12_24(),
    )
    .unwrap_err();
    assert!(
        matches!(
            err,
            DomainError::Calendar(CalendarError::UncoveredYear(2027))
        ),
        "{err:?}"
    );
    let calendar = Calendar::official()
        .with_extra_json(ARRANGEMENT_2027)
        .expect("valid");
    let events = when::<CatalogEntry>(
        services_on(calendar, strict()),
        given,
        change_on_2026_12_24(),
    )
    .expect("accepted once 2027 is loaded");
    assert!(events.iter().all(|e| match e {
        CatalogEvent::DeadlineSet(s) => !s.provisional && s.due_date == date(2027, 1, 8),
        _ => true,
    }));
}

/// Decision: a recomputation that still reaches an uncovered year stays provisional, and is recorded only if
/// the due date moved (here 2028 is still unpublished).
#[test]
fn decision_recompute_still_reaching_an_uncovered_year() {
    let owed = || Obligation {
        what: DeadlineRule::CatalogUpdate,
        owed_by: code("130000-public-security"),
    };
    let official = services();
    let loaded = services_2027();
    let mut ledger = Deadlines::default();
    // From Monday 2027-12-27, 10 working days: no 2027 day off in the span, 2028 unpublished.
    let unchanged = Deadlines::set_from_date(update_id(1), owed(), date(2027, 12, 27), &official)
        .expect("computes");
    ledger.apply(&unchanged);
    // From 2026-12-24, 270 working days: crosses 1 January 2027 and reaches into 2028.
    let moved = Deadlines::set_from_instant_for_days(
        update_id(2),
        owed(),
        bj(2026, 12, 24, 0, 0),
        270,
        &official,
    )
    .expect("computes");
    ledger.apply(&moved);
    let DeadlineFact::Set(moved) = moved else {
        panic!("a set fact")
    };
    assert!(moved.provisional);
    assert_eq!(moved.due_date.format("%Y").to_string(), "2028");

    let facts = ledger.recompute_provisional(&loaded).expect("recomputes");
    assert_eq!(facts.len(), 1, "{facts:?}");
    let DeadlineFact::Recomputed(r) = &facts[0] else {
        panic!("a recomputed fact")
    };
    assert_eq!(r.id, update_id(2));
    assert!(r.provisional);
    assert_eq!(r.due_date, next_weekday(moved.due_date));
    assert_eq!(r.calendar_years, vec![2026, 2027]);
    for fact in &facts {
        ledger.apply(fact);
    }
    assert!(
        ledger
            .get(&update_id(2))
            .expect("tracked")
            .current
            .provisional
    );
    assert_eq!(
        ledger.recompute_provisional(&loaded).expect("again"),
        vec![]
    );
}

fn next_weekday(d: NaiveDate) -> NaiveDate {
    use chrono::Datelike;
    let mut next = d + Duration::days(1);
    while next.weekday().number_from_monday() > 5 {
        next += Duration::days(1);
    }
    next
}

/// 第三十四条 windows are clock hours, never provisional, so recomputation never touches them.
#[test]
fn decision_hour_windows_are_never_recomputed() {
    let mut ledger = Deadlines::default();
    ledger.apply(
        &Deadlines::set_within_hours(
            DeadlineId::new(DeadlineRule::IncidentReport, 1),
            Obligation {
                what: DeadlineRule::IncidentReport,
                owed_by: code("130000-public-security"),
            },
            bj(2026, 12, 31, 20, 0),
            24,
            RuleSet::hebei_2022().reference(),
        )
        .expect("computes"),
    );
    assert_eq!(
        ledger.recompute_provisional(&services_2027()).expect("ok"),
        vec![]
    );
}

// 第十九条: share applications.

/// 第十九条 with the Decision: unconditional data received on Tuesday 2026-12-29 is due in 3 working days:
/// Friday 2027-01-01 provisionally; with 1 January 2027 a day off, Monday 2027-01-04.
#[test]
fn art19_decision_share_provision_deadline_recomputed() {
    let given = share_history(services, vec![submit_unconditional(bj(2026, 12, 29, 9, 0))]);
    let id = DeadlineId::new(DeadlineRule::ShareUnconditionalProvide, 1);
    let set = given
        .iter()
        .find_map(|e| match e {
            ShareEvent::DeadlineSet(s) => Some(s.clone()),
            _ => None,
        })
        .expect("provision deadline");
    assert_eq!(set.due_date, date(2027, 1, 1));
    assert!(set.provisional);
    let recompute = |actor| {
        share(
            actor,
            bj(2026, 12, 30, 8, 0),
            ShareCommand::RecomputeDeadlines(RecomputeDeadlines::default()),
        )
    };
    let recomputed = ShareEvent::DeadlineRecomputed(DeadlineRecomputed {
        id,
        owed_by: code("130000-data-authority"),
        from_date: date(2026, 12, 29),
        working_days: 3,
        previous_due_date: date(2027, 1, 1),
        previous_due_at: end_of(2027, 1, 1),
        due_date: date(2027, 1, 4),
        due_at: end_of(2027, 1, 4),
        provisional: false,
        calendar_years: vec![2026, 2027],
    });
    TestFramework::<ShareApplication>::with(services_2027())
        .given(given.clone())
        .when(recompute(scheduler()))
        .then_expect_events(vec![recomputed.clone()]);

    let mut after = given.clone();
    after.push(recomputed);
    TestFramework::<ShareApplication>::with(services_2027())
        .given(after)
        .when(recompute(scheduler()))
        .then_expect_events(vec![]);

    for actor in [clerk(province_health()), reviewer(province_authority())] {
        denied_by(
            when::<ShareApplication>(services_2027(), given.clone(), recompute(actor)),
            Rule::OverdueByScheduler,
        );
    }
}

/// 第十九条 with the Decision: once provided, the provision deadline is met and stands as recorded.
#[test]
fn art19_decision_met_share_deadline_is_not_recomputed() {
    let given = share_history(
        services,
        vec![
            submit_unconditional(bj(2026, 12, 29, 9, 0)),
            provide(bj(2026, 12, 31, 10, 0)),
        ],
    );
    TestFramework::<ShareApplication>::with(services_2027())
        .given(given)
        .when(share(
            scheduler(),
            bj(2027, 1, 2, 8, 0),
            ShareCommand::RecomputeDeadlines(RecomputeDeadlines::default()),
        ))
        .then_expect_events(vec![]);
}

/// 第十九条 with the Decision: a withdrawn application owes no further step, so the provisional deadline of
/// the step it owed at withdrawal is not recomputed (nothing is recorded for a deadline no longer open).
#[test]
fn art19_decision_recompute_on_a_withdrawn_application_records_nothing() {
    let given = share_history(
        services,
        vec![
            submit_unconditional(bj(2026, 12, 29, 9, 0)),
            share(
                clerk(province_health()),
                bj(2026, 12, 30, 9, 0),
                ShareCommand::WithdrawShareApplication(WithdrawShareApplication {
                    reason: "业务调整, 不再需要".to_owned(),
                }),
            ),
        ],
    );
    let provisional = given
        .iter()
        .any(|e| matches!(e, ShareEvent::DeadlineSet(s) if s.provisional));
    assert!(provisional, "the provision deadline reaches into 2027");
    TestFramework::<ShareApplication>::with(services_2027())
        .given(given)
        .when(share(
            scheduler(),
            bj(2026, 12, 30, 10, 0),
            ShareCommand::RecomputeDeadlines(RecomputeDeadlines::default()),
        ))
        .then_expect_events(vec![]);
}

// 第三十九条: supervision.

fn supervision_history() -> Vec<SupervisionEvent> {
    history::<Supervision>(
        services,
        vec![
            cmd(
                reviewer(city_authority()),
                bj(2026, 12, 21, 16, 0),
                SupervisionCommand::RecordInspection(RecordInspection {
                    inspected: city_civil_affairs(),
                    inspected_on: date(2026, 12, 18),
                    findings: vec!["低保对象信息目录逾期未更新".to_owned()],
                }),
            ),
            cmd(
                leader(city_authority()),
                bj(2026, 12, 22, 10, 0),
                SupervisionCommand::OrderRectification(OrderRectification {
                    requirements: "完成目录更新".to_owned(),
                    working_days: None,
                }),
            ),
        ],
    )
}

/// 第三十九条 with the Decision: a rectification ordered on Tuesday 2026-12-22 for 20 working days is due
/// Tuesday 2027-01-19 provisionally; with 1 January 2027 off, Wednesday 2027-01-20. Scheduler only; idempotent.
#[test]
fn art39_decision_rectification_deadline_recomputed() {
    let given = supervision_history();
    let recompute = |actor| {
        cmd(
            actor,
            bj(2026, 12, 23, 8, 0),
            SupervisionCommand::RecomputeDeadlines(RecomputeDeadlines::default()),
        )
    };
    let recomputed = SupervisionEvent::DeadlineRecomputed(DeadlineRecomputed {
        id: DeadlineId::new(DeadlineRule::Rectification, 1),
        owed_by: code("130100-civil-affairs"),
        from_date: date(2026, 12, 22),
        working_days: 20,
        previous_due_date: date(2027, 1, 19),
        previous_due_at: end_of(2027, 1, 19),
        due_date: date(2027, 1, 20),
        due_at: end_of(2027, 1, 20),
        provisional: false,
        calendar_years: vec![2026, 2027],
    });
    TestFramework::<Supervision>::with(services_2027())
        .given(given.clone())
        .when(recompute(scheduler()))
        .then_expect_events(vec![recomputed.clone()]);
    let mut after = given.clone();
    after.push(recomputed);
    TestFramework::<Supervision>::with(services_2027())
        .given(after)
        .when(recompute(scheduler()))
        .then_expect_events(vec![]);
    for actor in [leader(city_authority()), clerk(city_civil_affairs())] {
        denied_by(
            when::<Supervision>(services_2027(), given.clone(), recompute(actor)),
            Rule::OverdueByScheduler,
        );
    }
}

// 第二十条: verification requests.

/// 第二十条 with the Decision: a verification request filed on Wednesday 2026-12-30 is forwarded within 3
/// working days: Monday 2027-01-04 provisionally; with 1 January 2027 off, Tuesday 2027-01-05. Scheduler only;
/// idempotent.
#[test]
fn art20_decision_verification_forward_deadline_recomputed() {
    let given = history::<Verification>(
        services,
        vec![cmd(
            clerk(province_health()),
            bj(2026, 12, 30, 9, 0),
            VerificationCommand::FileVerificationRequest(FileVerificationRequest {
                subject: VerificationSubject::Grant {
                    grant_id: GRANT.to_owned(),
                    entry_id: population_entry().entry_id,
                },
                provider: province_public_security(),
                authority: province_authority(),
                data_items: vec!["姓名".to_owned()],
                defect: "12条记录姓名与户籍登记不一致".to_owned(),
            }),
        )],
    );
    let recompute = |actor| {
        cmd(
            actor,
            bj(2026, 12, 31, 8, 0),
            VerificationCommand::RecomputeDeadlines(RecomputeDeadlines::default()),
        )
    };
    let recomputed = VerificationEvent::DeadlineRecomputed(DeadlineRecomputed {
        id: DeadlineId::new(DeadlineRule::VerificationForward, 1),
        owed_by: code("130000-data-authority"),
        from_date: date(2026, 12, 30),
        working_days: 3,
        previous_due_date: date(2027, 1, 4),
        previous_due_at: end_of(2027, 1, 4),
        due_date: date(2027, 1, 5),
        due_at: end_of(2027, 1, 5),
        provisional: false,
        calendar_years: vec![2026, 2027],
    });
    TestFramework::<Verification>::with(services_2027())
        .given(given.clone())
        .when(recompute(scheduler()))
        .then_expect_events(vec![recomputed.clone()]);
    let mut after = given.clone();
    after.push(recomputed);
    TestFramework::<Verification>::with(services_2027())
        .given(after)
        .when(recompute(scheduler()))
        .then_expect_events(vec![]);
    denied_by(
        when::<Verification>(services_2027(), given, recompute(clerk(province_health()))),
        Rule::OverdueByScheduler,
    );
}

/// Golden file: `DeadlineRecomputed` as a catalog entry records it (the legal record's format).
#[test]
fn golden_catalog_deadline_recomputed() {
    let event = CatalogEvent::DeadlineRecomputed(update_recomputed());
    assert_eq!(event.event_type(), "DeadlineRecomputed");
    assert_eq!(event.event_version(), "1");
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden/catalog_deadline_recomputed.json");
    let text = serde_json::to_string_pretty(&event).expect("serializes") + "\n";
    if std::env::var_os("GOLDEN_UPDATE").is_some() {
        std::fs::write(&path, &text).expect("writes golden file");
    }
    let golden = std::fs::read_to_string(&path)
        .unwrap_or_else(|_| panic!("missing {}; run with GOLDEN_UPDATE=1", path.display()));
    assert_eq!(
        text, golden,
        "serialized form of DeadlineRecomputed changed"
    );
    let back: CatalogEvent = serde_json::from_str(&golden).expect("golden file deserializes");
    assert_eq!(back, event);
}

fn official_services() -> DomainServices {
    services()
}

proptest! {
    /// Decision: for any start date in late 2026 and any length 1..=40 (optionally extended by the catalog
    /// extension of 第十一条), recomputing with the calendar that loaded 2027 gives exactly a fresh computation
    /// with that calendar; a fact is recorded iff something changed, and a second recomputation records nothing.
    #[test]
    fn decision_recompute_equals_fresh_computation(
        offset in 0i64..92,
        hour in 0u32..24,
        days in 1u32..=40,
        extend in any::<bool>(),
    ) {
        let official = official_services();
        let loaded = services_2027();
        let from: DateTime<Utc> = bj(2026, 10, 1, hour, 0) + Duration::days(offset);
        let id = update_id(1);
        let owed = Obligation {
            what: DeadlineRule::CatalogUpdate,
            owed_by: code("130000-public-security"),
        };
        let mut ledger = Deadlines::default();
        ledger.apply(
            &Deadlines::set_from_instant_for_days(id.clone(), owed.clone(), from, days, &official)
                .expect("computes"),
        );
        let mut total = days;
        if extend {
            let ext = ledger
                .extend(&id, DeadlineRule::CatalogUpdateExtension, &leader(province_authority()), &official)
                .expect("extends");
            ledger.apply(&ext);
            total += official.rules.days(DeadlineRule::CatalogUpdateExtension);
        }
        let before = ledger.get(&id).expect("tracked").current.clone();
        let facts = ledger.recompute_provisional(&loaded).expect("recomputes");
        for fact in &facts {
            ledger.apply(fact);
        }
        // The oracle: the calendar's day-by-day reference count on the loaded calendar, not the ledger's code.
        let from_date = beijing_date(from);
        let fresh_due = loaded
            .calendar
            .due_date_day_by_day(from_date, total)
            .expect("a date");
        // Provisional when a counted day (after the start day, up to the due day) falls in a year with no
        // arrangement.
        let first_counted = from_date.succ_opt().expect("a later day");
        let fresh_provisional = (first_counted.year()..=fresh_due.year())
            .any(|y| !loaded.calendar.is_covered(y));
        let after = &ledger.get(&id).expect("tracked").current;
        prop_assert_eq!(after.due_date, fresh_due);
        prop_assert_eq!(after.due_at, end_of(fresh_due.year(), fresh_due.month(), fresh_due.day()));
        prop_assert_eq!(after.provisional, fresh_provisional);
        prop_assert_eq!(after.working_days, total);
        let changed = before.due_date != fresh_due || before.provisional != fresh_provisional;
        prop_assert_eq!(facts.len(), usize::from(changed));
        prop_assert!(ledger.recompute_provisional(&loaded).expect("again").is_empty());
    }
}
