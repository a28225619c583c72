//! 第十九条 异议: after a refusal the requester objects to its own authority, which coordinates within the rule
//! set's deadline (Decision: 10 working days) and concludes; upheld → provision within 3 working days of the
//! conclusion; dismissed → the refusal stands. 第四十一条: lateness attributed to the authority.

mod common;
mod share_fixtures;

use common::*;
use cqrs_es::test::TestFramework;
use govshare_domain::rules::RuleSetRef;
use govshare_domain::share_application::{
    ConcludeObjection, ObjectionConcluded, ObjectionOutcome, ObjectionRaised, RaiseObjection,
};
use govshare_domain::share_application::{ShareApplication, ShareCommand, ShareEvent, ShareStatus};
use govshare_domain::{
    DeadlineId, DeadlineMet, DeadlineMissed, DeadlineRule, DeadlineSet, DomainError, Obligation,
    Rule,
};
use share_fixtures::*;

fn refused() -> Vec<ShareEvent> {
    share_history(
        services,
        vec![
            submit_conditional(bj(2026, 3, 9, 9, 0)),
            forward_to_provider(bj(2026, 3, 10, 10, 0)),
            refuse(bj(2026, 3, 12, 10, 0), REAL_REASONS),
        ],
    )
}

fn object(at: chrono::DateTime<chrono::Utc>) -> govshare_domain::CommandEnvelope<ShareCommand> {
    share(
        leader(province_health()),
        at,
        ShareCommand::RaiseObjection(RaiseObjection {
            reasons: "出生日期为核验医疗救助对象年龄条件所必需, 见《社会救助暂行办法》第二十八条"
                .to_owned(),
        }),
    )
}

fn conclude(
    at: chrono::DateTime<chrono::Utc>,
    outcome: ObjectionOutcome,
) -> govshare_domain::CommandEnvelope<ShareCommand> {
    share(
        leader(province_authority()),
        at,
        ShareCommand::ConcludeObjection(ConcludeObjection {
            outcome,
            conclusion: "经协调, 公安厅同意按最小必要提供".to_owned(),
        }),
    )
}

fn run(
    given: Vec<ShareEvent>,
    c: govshare_domain::CommandEnvelope<ShareCommand>,
) -> Result<Vec<ShareEvent>, DomainError> {
    when::<ShareApplication>(services(), given, c)
}

fn hebei() -> RuleSetRef {
    RuleSetRef {
        id: "hebei-2022".to_owned(),
        version: 1,
    }
}

/// 第十九条: an objection (Friday 2026-03-13) opens the own authority's coordination deadline of 10 working
/// days: due Friday 2026-03-27.
#[test]
fn art19_objection_opens_ten_day_coordination_for_own_authority() {
    let at = bj(2026, 3, 13, 9, 0);
    TestFramework::<ShareApplication>::with(services())
        .given(refused())
        .when(object(at))
        .then_expect_events(vec![
            ShareEvent::ObjectionRaised(ObjectionRaised {
                reasons:
                    "出生日期为核验医疗救助对象年龄条件所必需, 见《社会救助暂行办法》第二十八条"
                        .to_owned(),
                coordinating_authority: province_authority(),
                by: leader(province_health()),
                at,
            }),
            ShareEvent::DeadlineSet(DeadlineSet {
                id: DeadlineId::new(DeadlineRule::ObjectionCoordination, 1),
                obligation: Obligation {
                    what: DeadlineRule::ObjectionCoordination,
                    owed_by: code("130000-data-authority"),
                },
                from: at,
                from_date: date(2026, 3, 13),
                working_days: 10,
                due_date: date(2026, 3, 27),
                due_at: end_of(2026, 3, 27),
                rule_set: hebei(),
                provisional: false,
            }),
        ]);
}

/// 第十九条: an upheld objection (Wednesday 03-25) obliges provision within 3 working days of the conclusion
/// (→ Monday 03-30), and the provision records that it follows the objection.
#[test]
fn art19_upheld_objection_leads_to_provision_within_three_working_days() {
    let mut given = refused();
    given.extend(run(given.clone(), object(bj(2026, 3, 13, 9, 0))).unwrap());
    let concluded = bj(2026, 3, 25, 16, 0);
    let events = run(given.clone(), conclude(concluded, ObjectionOutcome::Upheld)).unwrap();
    assert_eq!(
        events,
        vec![
            ShareEvent::ObjectionConcluded(ObjectionConcluded {
                outcome: ObjectionOutcome::Upheld,
                conclusion: "经协调, 公安厅同意按最小必要提供".to_owned(),
                by: leader(province_authority()),
                at: concluded,
            }),
            ShareEvent::DeadlineMet(DeadlineMet {
                id: DeadlineId::new(DeadlineRule::ObjectionCoordination, 1),
                owed_by: code("130000-data-authority"),
                at: concluded,
                due_at: end_of(2026, 3, 27),
                late: false,
            }),
            ShareEvent::DeadlineSet(DeadlineSet {
                id: DeadlineId::new(DeadlineRule::ObjectionProvide, 1),
                obligation: Obligation {
                    what: DeadlineRule::ObjectionProvide,
                    owed_by: code("130000-data-authority")
                },
                from: concluded,
                from_date: date(2026, 3, 25),
                working_days: 3,
                due_date: date(2026, 3, 30),
                due_at: end_of(2026, 3, 30),
                rule_set: hebei(),
                provisional: false,
            }),
        ]
    );
    given.extend(events);
    let provided = bj(2026, 3, 30, 10, 0);
    let events = run(given, provide(provided)).unwrap();
    assert!(
        matches!(&events[0], ShareEvent::ShareProvided(p) if p.after_objection && p.grant_id == GRANT)
    );
    assert!(
        matches!(&events[1], ShareEvent::DeadlineMet(m) if m.id == DeadlineId::new(DeadlineRule::ObjectionProvide, 1) && !m.late)
    );
}

/// 第十九条: a dismissed objection leaves the refusal standing; nothing is provided and no second objection.
#[test]
fn art19_dismissed_objection_refusal_stands() {
    let mut given = refused();
    given.extend(run(given.clone(), object(bj(2026, 3, 13, 9, 0))).unwrap());
    given.extend(
        run(
            given.clone(),
            conclude(bj(2026, 3, 20, 9, 0), ObjectionOutcome::Dismissed),
        )
        .unwrap(),
    );
    let mut app = ShareApplication::default();
    for e in given.clone() {
        cqrs_es::Aggregate::apply(&mut app, e);
    }
    assert_eq!(app.status(), ShareStatus::ObjectionDismissed);
    assert!(matches!(
        run(given.clone(), provide(bj(2026, 3, 23, 9, 0))).unwrap_err(),
        DomainError::InvalidState { .. }
    ));
    assert!(matches!(
        run(given, object(bj(2026, 3, 23, 9, 0))).unwrap_err(),
        DomainError::InvalidState { .. }
    ));
}

/// 第十九条, 第四十一条: a conclusion after the 10 working days is recorded late; the miss is the own authority's.
#[test]
fn art19_art41_late_conclusion_is_the_authoritys_miss() {
    let mut given = refused();
    given.extend(run(given.clone(), object(bj(2026, 3, 13, 9, 0))).unwrap());
    let at = bj(2026, 3, 30, 9, 0);
    let events = run(given, conclude(at, ObjectionOutcome::Dismissed)).unwrap();
    assert_eq!(
        events[2],
        ShareEvent::DeadlineMissed(DeadlineMissed {
            id: DeadlineId::new(DeadlineRule::ObjectionCoordination, 1),
            owed_by: code("130000-data-authority"),
            due_at: end_of(2026, 3, 27),
            marked_at: at,
        })
    );
}

/// 第十九条: an objection answers a refusal, states reasons, and is concluded only by the requester's own
/// authority (AUTH-05) by a reviewer or leader (AUTH-06); only the requester objects (AUTH-03).
#[test]
fn art19_objection_preconditions_and_denied_paths() {
    let before_refusal = share_history(services, vec![submit_conditional(bj(2026, 3, 9, 9, 0))]);
    assert!(matches!(
        run(before_refusal, object(bj(2026, 3, 10, 9, 0))).unwrap_err(),
        DomainError::InvalidState { .. }
    ));
    let mut blank = object(bj(2026, 3, 13, 9, 0));
    if let ShareCommand::RaiseObjection(o) = &mut blank.body {
        o.reasons = " ".to_owned();
    }
    assert!(matches!(
        run(refused(), blank).unwrap_err(),
        DomainError::Validation {
            field: "reasons",
            ..
        }
    ));
    let mut by_other = object(bj(2026, 3, 13, 9, 0));
    by_other.actor = leader(province_market());
    match run(refused(), by_other) {
        Err(DomainError::Forbidden(f)) => assert_eq!(f.rule, Rule::OwnDepartment),
        other => panic!("{other:?}"),
    }
    let mut given = refused();
    given.extend(run(given.clone(), object(bj(2026, 3, 13, 9, 0))).unwrap());
    let mut c = conclude(bj(2026, 3, 20, 9, 0), ObjectionOutcome::Upheld);
    c.actor = leader(baoding_authority());
    match run(given.clone(), c) {
        Err(DomainError::Forbidden(f)) => assert_eq!(f.rule, Rule::SameLevelAuthority),
        other => panic!("{other:?}"),
    }
    let mut c = conclude(bj(2026, 3, 20, 9, 0), ObjectionOutcome::Upheld);
    c.actor = clerk(province_authority());
    match run(given, c) {
        Err(DomainError::Forbidden(f)) => assert_eq!(f.rule, Rule::AuthorityDecisionRole),
        other => panic!("{other:?}"),
    }
}
