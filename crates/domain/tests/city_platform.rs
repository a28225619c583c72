//! 第三十一条: a city that must build its own platform submits the plan to the provincial data authority,
//! which approves or rejects it; an approved platform's synchronisation with the provincial platform and the
//! data returned to it (回流) are recorded.

mod common;

use std::path::PathBuf;

use common::*;
use cqrs_es::DomainEvent;
use cqrs_es::test::TestFramework;
use govshare_domain::city_platform::{
    ApprovePlatformPlan, CityPlatform, CityPlatformCommand, CityPlatformEvent, DataReturned,
    PlatformPlanSubmitted, PlatformStatus, PlatformSynced, RecordDataReturn, RecordPlatformSync,
    RejectPlatformPlan, SubmitPlatformPlan,
};
use govshare_domain::{CommandEnvelope, DomainError, Rule};

fn plan() -> SubmitPlatformPlan {
    SubmitPlatformPlan {
        title: "石家庄市政务大数据平台建设方案".to_owned(),
        necessity: "城市运行监测需分钟级本地数据处理，省平台接口时延无法满足".to_owned(),
        conformity: "符合全省统一标准，保持目录、归集、共享基本功能一致".to_owned(),
        provincial_authority: province_authority(),
    }
}

fn submit() -> CommandEnvelope<CityPlatformCommand> {
    cmd(
        clerk(city_authority()),
        bj(2026, 3, 2, 9, 0),
        CityPlatformCommand::SubmitPlatformPlan(plan()),
    )
}

fn approve() -> CommandEnvelope<CityPlatformCommand> {
    cmd(
        leader(province_authority()),
        bj(2026, 3, 20, 9, 0),
        CityPlatformCommand::ApprovePlatformPlan(ApprovePlatformPlan {
            opinion: "同意建设，须与省平台对接".to_owned(),
        }),
    )
}

fn reject() -> CommandEnvelope<CityPlatformCommand> {
    cmd(
        reviewer(province_authority()),
        bj(2026, 3, 20, 9, 0),
        CityPlatformCommand::RejectPlatformPlan(RejectPlatformPlan {
            reasons: "未论证使用省平台的不可行性".to_owned(),
        }),
    )
}

fn sync() -> CommandEnvelope<CityPlatformCommand> {
    cmd(
        clerk(city_authority()),
        bj(2026, 9, 1, 2, 30),
        CityPlatformCommand::RecordPlatformSync(RecordPlatformSync {
            synced_at: bj(2026, 9, 1, 2, 0),
            entries: vec!["catalog-130100-civil-affairs-0001".to_owned()],
        }),
    )
}

fn data_return() -> CommandEnvelope<CityPlatformCommand> {
    cmd(
        clerk(province_authority()),
        bj(2026, 9, 2, 3, 0),
        CityPlatformCommand::RecordDataReturn(RecordDataReturn {
            returned_at: bj(2026, 9, 2, 2, 0),
            entries: vec!["catalog-130000-public-security-0001".to_owned()],
            demand: "石家庄市户籍人口数据回流需求（石政数函〔2026〕8号）".to_owned(),
        }),
    )
}

/// 第三十一条: the city's data authority submits its plan to the provincial authority.
#[test]
fn art31_city_submits_plan_to_provincial_authority() {
    TestFramework::<CityPlatform>::with(services())
        .given_no_previous_events()
        .when(submit())
        .then_expect_events(vec![CityPlatformEvent::PlatformPlanSubmitted(
            PlatformPlanSubmitted {
                plan: 1,
                city_authority: city_authority(),
                title: plan().title,
                necessity: plan().necessity,
                conformity: plan().conformity,
                provincial_authority: province_authority(),
                by: clerk(city_authority()),
                at: bj(2026, 3, 2, 9, 0),
            },
        )]);
}

/// 第三十一条: counties build no platform; a plan goes to the provincial authority over the city; it states
/// why the city must build its own.
#[test]
fn art31_only_a_city_authority_submits_to_its_province() {
    let err = when::<CityPlatform>(
        services(),
        vec![],
        cmd(
            clerk(county_authority()),
            bj(2026, 3, 2, 9, 0),
            CityPlatformCommand::SubmitPlatformPlan(plan()),
        ),
    )
    .unwrap_err();
    assert!(matches!(
        err,
        DomainError::Validation {
            field: "city_authority",
            ..
        }
    ));
    let mut wrong = plan();
    wrong.provincial_authority = baoding_authority();
    let err = when::<CityPlatform>(
        services(),
        vec![],
        cmd(
            clerk(city_authority()),
            bj(2026, 3, 2, 9, 0),
            CityPlatformCommand::SubmitPlatformPlan(wrong),
        ),
    )
    .unwrap_err();
    assert!(matches!(
        err,
        DomainError::Validation {
            field: "provincial_authority",
            ..
        }
    ));
    let mut silent = plan();
    silent.necessity = String::new();
    let err = when::<CityPlatform>(
        services(),
        vec![],
        cmd(
            clerk(city_authority()),
            bj(2026, 3, 2, 9, 0),
            CityPlatformCommand::SubmitPlatformPlan(silent),
        ),
    )
    .unwrap_err();
    assert!(matches!(err, DomainError::Validation { field: "plan", .. }));
}

/// 第三十一条: a rejected plan may be revised and resubmitted; nothing is synchronised or returned before
/// approval.
#[test]
fn art31_rejected_plan_resubmitted_and_no_sync_before_approval() {
    let rejected = history::<CityPlatform>(services, vec![submit(), reject()]);
    let err = when::<CityPlatform>(services(), rejected.clone(), sync()).unwrap_err();
    assert!(matches!(err, DomainError::InvalidState { .. }));
    let err = when::<CityPlatform>(services(), rejected.clone(), data_return()).unwrap_err();
    assert!(matches!(err, DomainError::InvalidState { .. }));
    let resubmit = CommandEnvelope {
        at: bj(2026, 3, 27, 9, 0),
        ..submit()
    };
    let again = when::<CityPlatform>(services(), rejected, resubmit).unwrap();
    assert!(matches!(&again[0], CityPlatformEvent::PlatformPlanSubmitted(p) if p.plan == 2));
    let submitted = history::<CityPlatform>(services, vec![submit()]);
    assert!(when::<CityPlatform>(services(), submitted, sync()).is_err());
}

/// 第三十一条: an approved platform's synchronisation and the data returned to it are recorded.
#[test]
fn art31_approved_platform_syncs_and_receives_returned_data() {
    let approved = history::<CityPlatform>(services, vec![submit(), approve()]);
    TestFramework::<CityPlatform>::with(services())
        .given(approved.clone())
        .when(sync())
        .then_expect_events(vec![CityPlatformEvent::PlatformSynced(PlatformSynced {
            synced_at: bj(2026, 9, 1, 2, 0),
            entries: vec!["catalog-130100-civil-affairs-0001".to_owned()],
            by: clerk(city_authority()),
            at: bj(2026, 9, 1, 2, 30),
        })]);
    let all = history::<CityPlatform>(services, vec![submit(), approve(), sync(), data_return()]);
    let mut platform = CityPlatform::default();
    for e in all.clone() {
        cqrs_es::Aggregate::apply(&mut platform, e);
    }
    assert_eq!(platform.status(), PlatformStatus::Approved);
    assert_eq!(platform.returns(), 1);
    assert_eq!(platform.last_synced_at(), Some(bj(2026, 9, 1, 2, 0)));
    // A sync dated before the last one is refused.
    let mut earlier = sync();
    earlier.at = bj(2026, 9, 3, 9, 0);
    if let CityPlatformCommand::RecordPlatformSync(s) = &mut earlier.body {
        s.synced_at = bj(2026, 8, 31, 2, 0);
    }
    assert!(matches!(
        when::<CityPlatform>(services(), all, earlier).unwrap_err(),
        DomainError::Validation {
            field: "synced_at",
            ..
        }
    ));
}

/// AUTH-14, AUTH-06, AUTH-03 (第三十一条) through the aggregate.
#[test]
fn art31_authorization_denied_paths() {
    let rule = |r: Result<Vec<CityPlatformEvent>, DomainError>| match r {
        Err(DomainError::Forbidden(f)) => f.rule,
        other => panic!("expected a refusal, got {other:?}"),
    };
    let submitted = history::<CityPlatform>(services, vec![submit()]);
    let mut by_city = approve();
    by_city.actor = leader(city_authority());
    assert_eq!(
        rule(when::<CityPlatform>(services(), submitted.clone(), by_city)),
        Rule::ProvincialAuthority
    );
    let mut by_clerk = approve();
    by_clerk.actor = clerk(province_authority());
    assert_eq!(
        rule(when::<CityPlatform>(services(), submitted, by_clerk)),
        Rule::AuthorityDecisionRole
    );
    let approved = history::<CityPlatform>(services, vec![submit(), approve()]);
    let mut sync_by_other = sync();
    sync_by_other.actor = clerk(baoding_authority());
    assert_eq!(
        rule(when::<CityPlatform>(
            services(),
            approved.clone(),
            sync_by_other
        )),
        Rule::OwnDepartment
    );
    let mut return_by_city = data_return();
    return_by_city.actor = clerk(city_authority());
    assert_eq!(
        rule(when::<CityPlatform>(services(), approved, return_by_city)),
        Rule::ProvincialAuthority
    );
}

/// Golden file: a data return is part of the legal record.
#[test]
fn golden_city_platform_data_returned() {
    let event = CityPlatformEvent::DataReturned(DataReturned {
        returned_at: bj(2026, 9, 2, 2, 0),
        entries: vec!["catalog-130000-public-security-0001".to_owned()],
        demand: "石家庄市户籍人口数据回流需求（石政数函〔2026〕8号）".to_owned(),
        by: clerk(province_authority()),
        at: bj(2026, 9, 2, 3, 0),
    });
    assert_eq!(event.event_type(), "DataReturned");
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden/city_platform_data_returned.json");
    let text = serde_json::to_string_pretty(&event).unwrap() + "\n";
    if std::env::var_os("GOLDEN_UPDATE").is_some() {
        std::fs::write(&path, &text).unwrap();
    }
    let stored = std::fs::read_to_string(&path).expect("golden file; run with GOLDEN_UPDATE=1");
    assert_eq!(text, stored);
    assert_eq!(
        serde_json::from_str::<CityPlatformEvent>(&stored).unwrap(),
        event
    );
}
