//! 第三十七条: a department engages a contractor only after its responsible office's prior review (事前审核) is
//! recorded; every use of shared data by the contractor is recorded against the engagement (事中留痕); a use
//! outside an approved, unexpired, unended engagement is a violation fact (第四十一条第五、六项, 第四十三条).

mod common;

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use common::*;
use cqrs_es::DomainEvent;
use cqrs_es::test::TestFramework;
use govshare_domain::organization::ResponsibleOffice;
use govshare_domain::third_party::{
    ContractorUseRecorded, EndEngagement, EngageThirdParty, EngagementStatus, EngagementTerm,
    PriorReviewRecorded, RecordContractorUse, RecordPriorReview, ThirdPartyCommand,
    ThirdPartyEngaged, ThirdPartyEngagement, ThirdPartyEvent, ThirdPartyViolationRecorded,
    ViolationReason,
};
use govshare_domain::{Actor, CommandEnvelope, DomainError, Rule};

const POPULATION: &str = "catalog-130000-public-security-0001";

fn office() -> ResponsibleOffice {
    ResponsibleOffice {
        name: "科技信息化处".to_owned(),
        head: "赵敏".to_owned(),
        contact: "0311-86990000".to_owned(),
    }
}

fn term() -> EngagementTerm {
    EngagementTerm {
        starts_on: date(2026, 6, 1),
        ends_on: date(2026, 11, 30),
    }
}

fn review_command(approved: bool) -> RecordPriorReview {
    RecordPriorReview {
        contractor: contractor_of_public_security(),
        scope: "人口基础信息库运维".to_owned(),
        systems: vec!["人口信息管理系统".to_owned()],
        data: vec![POPULATION.to_owned()],
        term: term(),
        office: office(),
        approved,
        opinion: if approved {
            "同意，须签订保密协议".to_owned()
        } else {
            "数据范围过宽，不同意".to_owned()
        },
    }
}

fn review(approved: bool) -> CommandEnvelope<ThirdPartyCommand> {
    cmd(
        reviewer(province_public_security()),
        bj(2026, 5, 20, 9, 0),
        ThirdPartyCommand::RecordPriorReview(review_command(approved)),
    )
}

fn engage() -> CommandEnvelope<ThirdPartyCommand> {
    cmd(
        clerk(province_public_security()),
        bj(2026, 5, 25, 9, 0),
        ThirdPartyCommand::EngageThirdParty(EngageThirdParty {
            contract_reference: "冀公信合〔2026〕12号".to_owned(),
        }),
    )
}

fn engaged() -> Vec<ThirdPartyEvent> {
    history::<ThirdPartyEngagement>(services, vec![review(true), engage()])
}

fn use_at(actor: Actor, used_at: DateTime<Utc>, entry: &str) -> CommandEnvelope<ThirdPartyCommand> {
    cmd(
        actor,
        used_at,
        ThirdPartyCommand::RecordContractorUse(RecordContractorUse {
            entry_id: entry.to_owned(),
            purpose: "数据库索引重建".to_owned(),
            used_at,
        }),
    )
}

/// 第三十七条: the prior review is recorded with the office that made it, the scope, systems, data and term.
#[test]
fn art37_prior_review_is_recorded_with_the_responsible_office() {
    TestFramework::<ThirdPartyEngagement>::with(services())
        .given_no_previous_events()
        .when(review(true))
        .then_expect_events(vec![ThirdPartyEvent::PriorReviewRecorded(
            PriorReviewRecorded {
                review: 1,
                engaging: province_public_security(),
                contractor: contractor_of_public_security(),
                scope: "人口基础信息库运维".to_owned(),
                systems: vec!["人口信息管理系统".to_owned()],
                data: vec![POPULATION.to_owned()],
                term: term(),
                office: office(),
                approved: true,
                opinion: "同意，须签订保密协议".to_owned(),
                by: reviewer(province_public_security()),
                at: bj(2026, 5, 20, 9, 0),
            },
        )]);
}

/// 第三十七条: no engagement without a recorded, approved prior review; a refused review can be followed by a
/// new one.
#[test]
fn art37_engagement_only_after_approved_prior_review() {
    let err = when::<ThirdPartyEngagement>(services(), vec![], engage()).unwrap_err();
    assert!(matches!(err, DomainError::InvalidState { .. }));
    let refused = history::<ThirdPartyEngagement>(services, vec![review(false)]);
    let err = when::<ThirdPartyEngagement>(services(), refused.clone(), engage()).unwrap_err();
    assert!(matches!(
        err,
        DomainError::InvalidState {
            action: "engage",
            ..
        }
    ));
    let again = when::<ThirdPartyEngagement>(services(), refused, review(true)).unwrap();
    assert!(
        matches!(&again[0], ThirdPartyEvent::PriorReviewRecorded(r) if r.review == 2 && r.approved)
    );
    TestFramework::<ThirdPartyEngagement>::with(services())
        .given(history::<ThirdPartyEngagement>(
            services,
            vec![review(true)],
        ))
        .when(engage())
        .then_expect_events(vec![ThirdPartyEvent::ThirdPartyEngaged(
            ThirdPartyEngaged {
                review: 1,
                contractor: contractor_of_public_security(),
                scope: "人口基础信息库运维".to_owned(),
                systems: vec!["人口信息管理系统".to_owned()],
                data: vec![POPULATION.to_owned()],
                term: term(),
                contract_reference: "冀公信合〔2026〕12号".to_owned(),
                by: clerk(province_public_security()),
                at: bj(2026, 5, 25, 9, 0),
            },
        )]);
}

/// 第三十七条: only a third party bound to the engaging department can be engaged, with a stated scope.
#[test]
fn art37_contractor_must_be_bound_to_the_department() {
    let mut c = review_command(true);
    c.contractor = province_market();
    let err = when::<ThirdPartyEngagement>(
        services(),
        vec![],
        cmd(
            reviewer(province_public_security()),
            bj(2026, 5, 20, 9, 0),
            ThirdPartyCommand::RecordPriorReview(c),
        ),
    )
    .unwrap_err();
    assert!(matches!(
        err,
        DomainError::Validation {
            field: "contractor",
            ..
        }
    ));
    let mut c = review_command(true);
    c.data.clear();
    let err = when::<ThirdPartyEngagement>(
        services(),
        vec![],
        cmd(
            reviewer(province_public_security()),
            bj(2026, 5, 20, 9, 0),
            ThirdPartyCommand::RecordPriorReview(c),
        ),
    )
    .unwrap_err();
    assert!(matches!(
        err,
        DomainError::Validation { field: "scope", .. }
    ));
}

/// 第三十七条 (事中留痕): a use within the engagement is recorded against it, without a violation.
#[test]
fn art37_use_within_the_engagement_is_traced() {
    TestFramework::<ThirdPartyEngagement>::with(services())
        .given(engaged())
        .when(use_at(
            clerk(contractor_of_public_security()),
            bj(2026, 6, 3, 22, 0),
            POPULATION,
        ))
        .then_expect_events(vec![ThirdPartyEvent::ContractorUseRecorded(
            ContractorUseRecorded {
                use_seq: 1,
                contractor: code("130000-ps-contractor"),
                entry_id: POPULATION.to_owned(),
                purpose: "数据库索引重建".to_owned(),
                used_at: bj(2026, 6, 3, 22, 0),
                within_engagement: true,
                by: clerk(contractor_of_public_security()),
                at: bj(2026, 6, 3, 22, 0),
            },
        )]);
}

/// 第三十七条, 第四十三条 (acceptance): a contractor using data after its engagement ended is recorded, with a
/// violation fact naming the contractor and the engaging department.
#[test]
fn art37_art43_use_after_the_engagement_ended_is_a_violation() {
    let mut given = engaged();
    given.extend(history_on::<ThirdPartyEngagement>(
        &given,
        vec![cmd(
            clerk(province_public_security()),
            bj(2026, 8, 31, 17, 0),
            ThirdPartyCommand::EndEngagement(EndEngagement {
                reason: "运维合同提前终止".to_owned(),
            }),
        )],
    ));
    let used_at = bj(2026, 9, 2, 23, 30);
    TestFramework::<ThirdPartyEngagement>::with(services())
        .given(given)
        .when(use_at(
            clerk(contractor_of_public_security()),
            used_at,
            POPULATION,
        ))
        .then_expect_events(vec![
            ThirdPartyEvent::ContractorUseRecorded(ContractorUseRecorded {
                use_seq: 1,
                contractor: code("130000-ps-contractor"),
                entry_id: POPULATION.to_owned(),
                purpose: "数据库索引重建".to_owned(),
                used_at,
                within_engagement: false,
                by: clerk(contractor_of_public_security()),
                at: used_at,
            }),
            ThirdPartyEvent::ThirdPartyViolationRecorded(ThirdPartyViolationRecorded {
                use_seq: 1,
                contractor: code("130000-ps-contractor"),
                engaging: code("130000-public-security"),
                reason: ViolationReason::AfterEnd,
                entry_id: POPULATION.to_owned(),
                used_at,
                at: used_at,
            }),
        ]);
}

/// 第三十七条: uses before engagement, before or after the term, or of data the engagement does not cover
/// are violations, each with its reason.
#[test]
fn art37_uses_outside_the_engagement_are_violations() {
    let reason = |given: Vec<ThirdPartyEvent>, at, entry: &str| {
        let events = when::<ThirdPartyEngagement>(
            services(),
            given,
            use_at(clerk(contractor_of_public_security()), at, entry),
        )
        .unwrap();
        match events.as_slice() {
            [
                ThirdPartyEvent::ContractorUseRecorded(u),
                ThirdPartyEvent::ThirdPartyViolationRecorded(v),
            ] => {
                assert!(!u.within_engagement);
                v.reason
            }
            other => panic!("expected a violation, got {other:?}"),
        }
    };
    let reviewed = history::<ThirdPartyEngagement>(services, vec![review(true)]);
    assert_eq!(
        reason(reviewed, bj(2026, 5, 22, 9, 0), POPULATION),
        ViolationReason::NotEngaged
    );
    assert_eq!(
        reason(engaged(), bj(2026, 5, 28, 9, 0), POPULATION),
        ViolationReason::BeforeTerm
    );
    assert_eq!(
        reason(engaged(), bj(2026, 12, 1, 0, 0), POPULATION),
        ViolationReason::Expired
    );
    assert_eq!(
        reason(
            engaged(),
            bj(2026, 7, 1, 9, 0),
            "catalog-130000-health-0003"
        ),
        ViolationReason::OutsideScope
    );
    // The last day of the term is still covered.
    let events = when::<ThirdPartyEngagement>(
        services(),
        engaged(),
        use_at(
            clerk(contractor_of_public_security()),
            bj(2026, 11, 30, 23, 59),
            POPULATION,
        ),
    )
    .unwrap();
    assert_eq!(events.len(), 1);
}

/// 第三十七条: the engagement ends once; the state is visible.
#[test]
fn art37_engagement_ends_once() {
    let end = || {
        cmd(
            clerk(province_public_security()),
            bj(2026, 8, 31, 17, 0),
            ThirdPartyCommand::EndEngagement(EndEngagement {
                reason: "合同履行完毕".to_owned(),
            }),
        )
    };
    let ended = history::<ThirdPartyEngagement>(services, vec![review(true), engage(), end()]);
    let mut e = ThirdPartyEngagement::default();
    for ev in ended.clone() {
        cqrs_es::Aggregate::apply(&mut e, ev);
    }
    assert_eq!(e.status(), EngagementStatus::Ended);
    let err = when::<ThirdPartyEngagement>(services(), ended, end()).unwrap_err();
    assert!(matches!(err, DomainError::InvalidState { .. }));
}

/// AUTH-12, AUTH-03, AUTH-04 (第六、三十七条): the prior review by a reviewer or leader of the engaging
/// department; engagement by that department; uses recorded by it or its contractor (and only the engaged
/// contractor).
#[test]
fn art37_authorization_denied_paths() {
    let rule = |r: Result<Vec<ThirdPartyEvent>, DomainError>| match r {
        Err(DomainError::Forbidden(f)) => f.rule,
        other => panic!("expected a refusal, got {other:?}"),
    };
    let by = |actor: Actor| {
        cmd(
            actor,
            bj(2026, 5, 20, 9, 0),
            ThirdPartyCommand::RecordPriorReview(review_command(true)),
        )
    };
    assert_eq!(
        rule(when::<ThirdPartyEngagement>(
            services(),
            vec![],
            by(clerk(province_public_security()))
        )),
        Rule::PriorReviewByOffice
    );
    assert_eq!(
        rule(when::<ThirdPartyEngagement>(
            services(),
            vec![],
            by(leader(contractor_of_public_security()))
        )),
        Rule::OwnDepartment
    );
    let reviewed = history::<ThirdPartyEngagement>(services, vec![review(true)]);
    assert_eq!(
        rule(when::<ThirdPartyEngagement>(
            services(),
            reviewed.clone(),
            by(leader(province_market()))
        )),
        Rule::OwnDepartment
    );
    let mut other_engage = engage();
    other_engage.actor = clerk(province_market());
    assert_eq!(
        rule(when::<ThirdPartyEngagement>(
            services(),
            reviewed,
            other_engage
        )),
        Rule::OwnDepartment
    );
    assert_eq!(
        rule(when::<ThirdPartyEngagement>(
            services(),
            engaged(),
            use_at(clerk(province_market()), bj(2026, 6, 3, 9, 0), POPULATION)
        )),
        Rule::ProviderOrContractor
    );
    assert_eq!(
        rule(when::<ThirdPartyEngagement>(
            services(),
            engaged(),
            use_at(scheduler(), bj(2026, 6, 3, 9, 0), POPULATION)
        )),
        Rule::SchedulerOnlyMarksOverdue
    );
    // Another contractor of the same principal is not this engagement's contractor.
    let mut other = contractor_of_public_security();
    other.code = code("130000-ps-contractor-2");
    let err = when::<ThirdPartyEngagement>(
        services(),
        engaged(),
        use_at(clerk(other), bj(2026, 6, 3, 9, 0), POPULATION),
    )
    .unwrap_err();
    assert!(matches!(
        err,
        DomainError::Validation {
            field: "contractor",
            ..
        }
    ));
}

/// Golden file: the violation fact is part of the legal record.
#[test]
fn golden_third_party_violation_recorded() {
    let event = ThirdPartyEvent::ThirdPartyViolationRecorded(ThirdPartyViolationRecorded {
        use_seq: 1,
        contractor: code("130000-ps-contractor"),
        engaging: code("130000-public-security"),
        reason: ViolationReason::AfterEnd,
        entry_id: POPULATION.to_owned(),
        used_at: bj(2026, 9, 2, 23, 30),
        at: bj(2026, 9, 2, 23, 30),
    });
    assert_eq!(event.event_type(), "ThirdPartyViolationRecorded");
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden/third_party_violation_recorded.json");
    let text = serde_json::to_string_pretty(&event).unwrap() + "\n";
    if std::env::var_os("GOLDEN_UPDATE").is_some() {
        std::fs::write(&path, &text).unwrap();
    }
    let stored = std::fs::read_to_string(&path).expect("golden file; run with GOLDEN_UPDATE=1");
    assert_eq!(text, stored);
    assert_eq!(
        serde_json::from_str::<ThirdPartyEvent>(&stored).unwrap(),
        event
    );
}
