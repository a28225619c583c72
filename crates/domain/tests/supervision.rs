//! 第三十九条: inspection and findings; rectification ordered with a deadline in working days (rule-set
//! `rectification`, Decision 20; the order may set its own); the department's report, late reports attributed
//! (第四十一条); acceptance or rejection; public criticism only after an overdue or rejected rectification
//! (第四十一条第七项: 拒不整改), by the ordering authority or its people's government.

mod common;

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use common::*;
use cqrs_es::DomainEvent;
use cqrs_es::test::TestFramework;
use govshare_domain::rules::RuleSetRef;
use govshare_domain::supervision::{
    AcceptRectification, CriticismGround, InspectionRecorded, IssuePublicCriticism, MarkOverdue,
    OrderRectification, PublicCriticismIssued, RecordInspection, RectificationOrdered,
    RejectRectification, ReportRectification, Supervision, SupervisionCommand, SupervisionEvent,
    SupervisionStatus,
};
use govshare_domain::{
    Actor, CommandEnvelope, DeadlineId, DeadlineMissed, DeadlineRule, DeadlineSet, DomainError,
    Obligation, Rule,
};

fn findings() -> Vec<String> {
    vec![
        "低保对象信息目录逾期未更新".to_owned(),
        "共享申请答复超期".to_owned(),
    ]
}

fn inspect() -> CommandEnvelope<SupervisionCommand> {
    cmd(
        reviewer(city_authority()),
        bj(2026, 5, 29, 16, 0),
        SupervisionCommand::RecordInspection(RecordInspection {
            inspected: city_civil_affairs(),
            inspected_on: date(2026, 5, 28),
            findings: findings(),
        }),
    )
}

fn order(days: Option<u32>) -> CommandEnvelope<SupervisionCommand> {
    cmd(
        leader(city_authority()),
        bj(2026, 6, 1, 10, 0),
        SupervisionCommand::OrderRectification(OrderRectification {
            requirements: "完成目录更新并建立共享申请台账".to_owned(),
            working_days: days,
        }),
    )
}

fn report_at(at: DateTime<Utc>) -> CommandEnvelope<SupervisionCommand> {
    cmd(
        clerk(city_civil_affairs()),
        at,
        SupervisionCommand::ReportRectification(ReportRectification {
            measures: "已更新目录并建立台账".to_owned(),
        }),
    )
}

fn decide(body: SupervisionCommand) -> CommandEnvelope<SupervisionCommand> {
    cmd(reviewer(city_authority()), bj(2026, 7, 6, 9, 0), body)
}

fn criticise(actor: Actor, at: DateTime<Utc>) -> CommandEnvelope<SupervisionCommand> {
    cmd(
        actor,
        at,
        SupervisionCommand::IssuePublicCriticism(IssuePublicCriticism {
            reference: "石政数通〔2026〕3号".to_owned(),
            content: "石家庄市民政局未按期整改，予以通报批评".to_owned(),
        }),
    )
}

fn ordered() -> Vec<SupervisionEvent> {
    history::<Supervision>(services, vec![inspect(), order(None)])
}

fn rectification(n: u32) -> DeadlineId {
    DeadlineId::new(DeadlineRule::Rectification, n)
}

fn reject() -> SupervisionCommand {
    SupervisionCommand::RejectRectification(RejectRectification {
        reasons: "台账缺少答复时限字段".to_owned(),
    })
}

/// 第三十九条: the same-level authority records the inspection and its findings.
#[test]
fn art39_inspection_and_findings_are_recorded() {
    TestFramework::<Supervision>::with(services())
        .given_no_previous_events()
        .when(inspect())
        .then_expect_events(vec![SupervisionEvent::InspectionRecorded(
            InspectionRecorded {
                inspected: city_civil_affairs(),
                inspected_on: date(2026, 5, 28),
                findings: findings(),
                by: reviewer(city_authority()),
                at: bj(2026, 5, 29, 16, 0),
            },
        )]);
}

/// 第三十九条 Decision: rectification is due 20 working days after the order, owed by the department: from
/// Monday 1 June 2026, across the Dragon Boat Festival (19 June off), Tuesday 30 June.
#[test]
fn art39_order_opens_twenty_working_day_deadline() {
    TestFramework::<Supervision>::with(services())
        .given(history::<Supervision>(services, vec![inspect()]))
        .when(order(None))
        .then_expect_events(vec![
            SupervisionEvent::RectificationOrdered(RectificationOrdered {
                order: 1,
                requirements: "完成目录更新并建立共享申请台账".to_owned(),
                working_days: 20,
                length_set_by_order: false,
                deadline: rectification(1),
                by: leader(city_authority()),
                at: bj(2026, 6, 1, 10, 0),
            }),
            SupervisionEvent::DeadlineSet(DeadlineSet {
                id: rectification(1),
                obligation: Obligation {
                    what: DeadlineRule::Rectification,
                    owed_by: code("130100-civil-affairs"),
                },
                from: bj(2026, 6, 1, 10, 0),
                from_date: date(2026, 6, 1),
                working_days: 20,
                due_date: date(2026, 6, 30),
                due_at: end_of(2026, 6, 30),
                rule_set: RuleSetRef {
                    id: "hebei-2022".to_owned(),
                    version: 1,
                },
                provisional: false,
            }),
        ]);
}

/// 第三十九条: an order may set its own period, recorded as such: 5 working days from 1 June → 8 June.
#[test]
fn art39_order_may_set_its_own_length() {
    let events = when::<Supervision>(
        services(),
        history::<Supervision>(services, vec![inspect()]),
        order(Some(5)),
    )
    .unwrap();
    assert!(
        matches!(&events[0], SupervisionEvent::RectificationOrdered(o) if o.working_days == 5 && o.length_set_by_order)
    );
    assert!(
        matches!(&events[1], SupervisionEvent::DeadlineSet(d) if d.due_date == date(2026, 6, 8) && d.working_days == 5)
    );
    let err = when::<Supervision>(
        services(),
        history::<Supervision>(services, vec![inspect()]),
        order(Some(0)),
    )
    .unwrap_err();
    assert!(matches!(
        err,
        DomainError::Validation {
            field: "working_days",
            ..
        }
    ));
}

/// 第三十九条: an inspection without findings gives nothing to rectify.
#[test]
fn art39_no_order_without_findings() {
    let mut clean = inspect();
    if let SupervisionCommand::RecordInspection(c) = &mut clean.body {
        c.findings.clear();
    }
    let given = history::<Supervision>(services, vec![clean]);
    let err = when::<Supervision>(services(), given, order(None)).unwrap_err();
    assert!(matches!(err, DomainError::InvalidState { .. }));
}

/// 第三十九条, 第四十一条: a report in time meets the deadline; a late one is accepted, recorded late and the
/// miss attributed to the department.
#[test]
fn art39_art41_report_in_time_or_late() {
    let on_time =
        when::<Supervision>(services(), ordered(), report_at(bj(2026, 6, 29, 9, 0))).unwrap();
    assert_eq!(on_time.len(), 2);
    assert!(
        matches!(&on_time[0], SupervisionEvent::RectificationReported(r) if !r.late && r.order == 1)
    );
    let late = when::<Supervision>(services(), ordered(), report_at(bj(2026, 7, 1, 9, 0))).unwrap();
    assert!(matches!(&late[0], SupervisionEvent::RectificationReported(r) if r.late));
    assert_eq!(
        late[2],
        SupervisionEvent::DeadlineMissed(DeadlineMissed {
            id: rectification(1),
            owed_by: code("130100-civil-affairs"),
            due_at: end_of(2026, 6, 30),
            marked_at: bj(2026, 7, 1, 9, 0),
        })
    );
}

/// 第三十九条: the authority accepts, or rejects with reasons and may order again (a new deadline).
#[test]
fn art39_accept_or_reject_and_order_again() {
    let mut reported = ordered();
    reported.extend(history_on::<Supervision>(
        &reported,
        vec![report_at(bj(2026, 6, 29, 9, 0))],
    ));
    let accepted = history_on::<Supervision>(
        &reported,
        vec![decide(SupervisionCommand::AcceptRectification(
            AcceptRectification {
                opinion: "整改到位".to_owned(),
            },
        ))],
    );
    let mut case = Supervision::default();
    for e in reported.iter().cloned().chain(accepted) {
        cqrs_es::Aggregate::apply(&mut case, e);
    }
    assert_eq!(case.status(), SupervisionStatus::Accepted);

    let mut rejected = reported.clone();
    rejected.extend(history_on::<Supervision>(&reported, vec![decide(reject())]));
    let order_again = CommandEnvelope {
        at: bj(2026, 7, 7, 9, 0),
        ..order(Some(10))
    };
    let again = when::<Supervision>(services(), rejected, order_again).unwrap();
    assert!(matches!(&again[0], SupervisionEvent::RectificationOrdered(o) if o.order == 2));
    assert!(matches!(&again[1], SupervisionEvent::DeadlineSet(d) if d.id == rectification(2)));
    let err = when::<Supervision>(
        services(),
        reported,
        decide(SupervisionCommand::RejectRectification(
            RejectRectification {
                reasons: " ".to_owned(),
            },
        )),
    )
    .unwrap_err();
    assert!(matches!(
        err,
        DomainError::Validation {
            field: "reasons",
            ..
        }
    ));
}

/// 第三十九条: public criticism is refused without grounds; after a missed rectification deadline it is issued
/// with that ground recorded, once.
#[test]
fn art39_criticism_after_overdue_rectification() {
    let err = when::<Supervision>(
        services(),
        ordered(),
        criticise(leader(city_authority()), bj(2026, 6, 20, 9, 0)),
    )
    .unwrap_err();
    assert!(matches!(err, DomainError::InvalidState { .. }));
    let mut overdue = ordered();
    overdue.extend(history_on::<Supervision>(
        &overdue,
        vec![cmd(
            scheduler(),
            bj(2026, 7, 1, 0, 5),
            SupervisionCommand::MarkOverdue(MarkOverdue {
                deadline: rectification(1),
            }),
        )],
    ));
    TestFramework::<Supervision>::with(services())
        .given(overdue.clone())
        .when(criticise(leader(city_authority()), bj(2026, 7, 3, 9, 0)))
        .then_expect_events(vec![SupervisionEvent::PublicCriticismIssued(
            PublicCriticismIssued {
                department: city_civil_affairs(),
                grounds: vec![CriticismGround::Overdue {
                    deadline: rectification(1),
                    due_at: end_of(2026, 6, 30),
                }],
                reference: "石政数通〔2026〕3号".to_owned(),
                content: "石家庄市民政局未按期整改，予以通报批评".to_owned(),
                by: leader(city_authority()),
                at: bj(2026, 7, 3, 9, 0),
            },
        )]);
    overdue.extend(history_on::<Supervision>(
        &overdue,
        vec![criticise(leader(city_authority()), bj(2026, 7, 3, 9, 0))],
    ));
    let err = when::<Supervision>(
        services(),
        overdue,
        criticise(leader(city_government()), bj(2026, 7, 4, 9, 0)),
    )
    .unwrap_err();
    assert!(matches!(err, DomainError::InvalidState { .. }));
}

/// 第三十九条: after a rejected rectification the people's government of that level may criticise.
#[test]
fn art39_criticism_after_rejected_rectification_by_government() {
    let mut given = ordered();
    given.extend(history_on::<Supervision>(
        &given,
        vec![report_at(bj(2026, 6, 29, 9, 0)), decide(reject())],
    ));
    let events = when::<Supervision>(
        services(),
        given,
        criticise(leader(city_government()), bj(2026, 7, 8, 9, 0)),
    )
    .unwrap();
    assert!(matches!(
        &events[0],
        SupervisionEvent::PublicCriticismIssued(c) if c.grounds == vec![CriticismGround::Rejected { order: 1 }]
    ));
}

/// 第四十一条: MarkOverdue on a rectification deadline is refused before it is due and idempotent after.
#[test]
fn art41_mark_overdue_on_rectification() {
    let mark = |at| {
        cmd(
            scheduler(),
            at,
            SupervisionCommand::MarkOverdue(MarkOverdue {
                deadline: rectification(1),
            }),
        )
    };
    let err = when::<Supervision>(services(), ordered(), mark(end_of(2026, 6, 30))).unwrap_err();
    assert!(matches!(err, DomainError::NotYetDue { .. }));
    let mut given = ordered();
    given.extend(history_on::<Supervision>(
        &given,
        vec![mark(bj(2026, 7, 1, 0, 5))],
    ));
    assert!(
        when::<Supervision>(services(), given, mark(bj(2026, 7, 1, 0, 10)))
            .unwrap()
            .is_empty()
    );
}

/// AUTH-05, AUTH-06, AUTH-03, AUTH-13, AUTH-08, AUTH-02 (第三十九条) through the aggregate.
#[test]
fn art39_authorization_denied_paths() {
    let rule = |r: Result<Vec<SupervisionEvent>, DomainError>| match r {
        Err(DomainError::Forbidden(f)) => f.rule,
        other => panic!("expected a refusal, got {other:?}"),
    };
    let mut by_province = inspect();
    by_province.actor = reviewer(province_authority());
    assert_eq!(
        rule(when::<Supervision>(services(), vec![], by_province)),
        Rule::SameLevelAuthority
    );
    let mut by_clerk = order(None);
    by_clerk.actor = clerk(city_authority());
    assert_eq!(
        rule(when::<Supervision>(
            services(),
            history::<Supervision>(services, vec![inspect()]),
            by_clerk
        )),
        Rule::AuthorityDecisionRole
    );
    let mut report_by_other = report_at(bj(2026, 6, 29, 9, 0));
    report_by_other.actor = clerk(city_public_security());
    assert_eq!(
        rule(when::<Supervision>(services(), ordered(), report_by_other)),
        Rule::OwnDepartment
    );
    assert_eq!(
        rule(when::<Supervision>(
            services(),
            ordered(),
            criticise(leader(baoding_authority()), bj(2026, 7, 3, 9, 0))
        )),
        Rule::CriticismByAuthorityOrGovernment
    );
    assert_eq!(
        rule(when::<Supervision>(
            services(),
            ordered(),
            criticise(reviewer(city_government()), bj(2026, 7, 3, 9, 0))
        )),
        Rule::GovernmentLeader
    );
    let mark = cmd(
        clerk(city_civil_affairs()),
        bj(2026, 7, 3, 9, 0),
        SupervisionCommand::MarkOverdue(MarkOverdue {
            deadline: rectification(1),
        }),
    );
    assert_eq!(
        rule(when::<Supervision>(services(), ordered(), mark)),
        Rule::OverdueByScheduler
    );
}

/// Golden file: public criticism is part of the legal record.
#[test]
fn golden_public_criticism_issued() {
    let event = SupervisionEvent::PublicCriticismIssued(PublicCriticismIssued {
        department: city_civil_affairs(),
        grounds: vec![
            CriticismGround::Overdue {
                deadline: rectification(1),
                due_at: end_of(2026, 6, 30),
            },
            CriticismGround::Rejected { order: 2 },
        ],
        reference: "石政数通〔2026〕3号".to_owned(),
        content: "石家庄市民政局未按期整改，予以通报批评".to_owned(),
        by: leader(city_authority()),
        at: bj(2026, 7, 3, 9, 0),
    });
    assert_eq!(event.event_type(), "PublicCriticismIssued");
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden/supervision_public_criticism_issued.json");
    let text = serde_json::to_string_pretty(&event).unwrap() + "\n";
    if std::env::var_os("GOLDEN_UPDATE").is_some() {
        std::fs::write(&path, &text).unwrap();
    }
    let stored = std::fs::read_to_string(&path).expect("golden file; run with GOLDEN_UPDATE=1");
    assert_eq!(text, stored);
    assert_eq!(
        serde_json::from_str::<SupervisionEvent>(&stored).unwrap(),
        event
    );
}

/// 第三十九条 Decision: the default rectification period is a rule-set value (20 in both built-in rule sets); a
/// jurisdiction's file may set another, and zero is refused.
#[test]
fn art39_rectification_length_is_a_rule_set_value() {
    use govshare_domain::RuleSet;
    assert_eq!(RuleSet::hebei_2022().days(DeadlineRule::Rectification), 20);
    assert_eq!(
        RuleSet::national_2016().days(DeadlineRule::Rectification),
        20
    );
    assert_eq!(
        RuleSet::national_2016().options.incident_report_hours,
        RuleSet::hebei_2022().options.incident_report_hours
    );
    let rules = RuleSet::from_json(
        r#"{"id": "elsewhere", "version": 2, "deadlines": {"rectification": 15}}"#,
    )
    .unwrap();
    let events = TestFramework::<Supervision>::with(services_with(rules))
        .given(history::<Supervision>(services, vec![inspect()]))
        .when(order(None))
        .inspect_result()
        .unwrap();
    assert!(
        matches!(&events[0], SupervisionEvent::RectificationOrdered(o) if o.working_days == 15 && !o.length_set_by_order)
    );
    assert!(
        RuleSet::from_json(r#"{"id": "x", "version": 1, "deadlines": {"rectification": 0}}"#)
            .is_err()
    );
}
