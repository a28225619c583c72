//! 第二十二条: a grant bound to the scenario; every use recorded against it; uses outside the items, the
//! purpose, the validity period, or after revocation recorded as violations attributed to the using department.

mod common;
mod share_fixtures;

use common::*;
use cqrs_es::test::TestFramework;
use govshare_domain::catalog::ShareMode;
use govshare_domain::grant::{
    Grant, GrantCommand, GrantEvent, GrantStatus, GrantUseRecorded, GrantViolationRecorded,
    GrantedEntry, IssueGrant, RecordGrantExpiry, RecordGrantUse, RevokeGrant, UseViolation,
};
use govshare_domain::{Actor, DomainError, Rule};
use share_fixtures::*;

fn issue() -> IssueGrant {
    IssueGrant {
        application_id: APP.to_owned(),
        grantee: province_health(),
        authority: province_authority(),
        entries: vec![GrantedEntry {
            entry_id: population_entry().entry_id,
            provider: code("130000-public-security"),
            data_items: vec!["公民身份号码".to_owned(), "姓名".to_owned()],
        }],
        purpose: "医疗救助对象身份核验".to_owned(),
        purpose_code: PURPOSE.to_owned(),
        valid_from: date(2026, 3, 1),
        valid_until: date(2026, 12, 31),
        access_mode: ShareMode::Interface,
        conditions: Some("仅限核验, 不得留存".to_owned()),
    }
}

fn issued() -> Vec<GrantEvent> {
    history::<Grant>(
        services,
        vec![cmd(
            reviewer(province_authority()),
            bj(2026, 3, 18, 9, 0),
            GrantCommand::IssueGrant(issue()),
        )],
    )
}

fn use_of(
    actor: Actor,
    items: &[&str],
    purpose: &str,
    used_at: chrono::DateTime<chrono::Utc>,
) -> govshare_domain::CommandEnvelope<GrantCommand> {
    cmd(
        actor,
        used_at,
        GrantCommand::RecordGrantUse(RecordGrantUse {
            use_id: "use-000001".to_owned(),
            data_items: items.iter().map(|s| (*s).to_owned()).collect(),
            record_count: 1,
            end_user: "wj-zhangsan".to_owned(),
            purpose_code: purpose.to_owned(),
            used_at,
        }),
    )
}

fn run(
    given: Vec<GrantEvent>,
    c: govshare_domain::CommandEnvelope<GrantCommand>,
) -> Result<Vec<GrantEvent>, DomainError> {
    when::<Grant>(services(), given, c)
}

/// 第二十二条: the grant records its scope, purpose, validity and access mode.
#[test]
fn art22_grant_is_bound_to_the_scenario() {
    let events = issued();
    match &events[0] {
        GrantEvent::GrantIssued(g) => {
            assert_eq!(g.purpose_code, PURPOSE);
            assert_eq!(g.valid_until, date(2026, 12, 31));
            assert_eq!(g.access_mode, ShareMode::Interface);
            assert_eq!(g.grantee, province_health());
        }
        other => panic!("{other:?}"),
    }
    let mut bad = issue();
    bad.valid_until = date(2026, 2, 1);
    assert!(
        run(
            vec![],
            cmd(
                reviewer(province_authority()),
                bj(2026, 3, 18, 9, 0),
                GrantCommand::IssueGrant(bad)
            )
        )
        .is_err()
    );
}

/// 第二十二条: a use within the grant is recorded with no violation.
#[test]
fn art22_use_within_the_grant_is_recorded_without_violation() {
    let at = bj(2026, 4, 1, 10, 0);
    TestFramework::<Grant>::with(services())
        .given(issued())
        .when(use_of(
            clerk(province_health()),
            &["公民身份号码", "姓名"],
            PURPOSE,
            at,
        ))
        .then_expect_events(vec![GrantEvent::GrantUseRecorded(GrantUseRecorded {
            use_id: "use-000001".to_owned(),
            data_items: vec!["公民身份号码".to_owned(), "姓名".to_owned()],
            record_count: 1,
            end_user: "wj-zhangsan".to_owned(),
            purpose_code: PURPOSE.to_owned(),
            used_at: at,
            violations: vec![],
            by: clerk(province_health()),
            at,
        })]);
}

/// 第二十二条: a use for another purpose (改变使用用途) is still recorded, and recorded as a violation attributed
/// to the using department.
#[test]
fn art22_use_for_another_purpose_is_recorded_as_a_violation() {
    let at = bj(2026, 4, 1, 10, 0);
    let violation = UseViolation::OtherPurpose {
        used_for: "SC-130000-WJ-2026-099".to_owned(),
        granted_for: PURPOSE.to_owned(),
    };
    let events = run(
        issued(),
        use_of(
            clerk(province_health()),
            &["公民身份号码"],
            "SC-130000-WJ-2026-099",
            at,
        ),
    )
    .unwrap();
    assert!(
        matches!(&events[0], GrantEvent::GrantUseRecorded(u) if u.violations == vec![violation.clone()])
    );
    assert_eq!(
        events[1],
        GrantEvent::GrantViolationRecorded(GrantViolationRecorded {
            use_id: "use-000001".to_owned(),
            violations: vec![violation],
            attributed_to: code("130000-health"),
            used_at: at,
            at,
        })
    );
}

/// 第二十二条: data items beyond the grant (扩大使用范围) and use outside the validity period are violations.
#[test]
fn art22_items_outside_and_use_outside_validity_are_violations() {
    let events = run(
        issued(),
        use_of(
            clerk(province_health()),
            &["姓名", "出生日期"],
            PURPOSE,
            bj(2026, 4, 1, 10, 0),
        ),
    )
    .unwrap();
    assert!(matches!(&events[1], GrantEvent::GrantViolationRecorded(v)
        if v.violations == vec![UseViolation::ItemsOutsideGrant { items: vec!["出生日期".to_owned()] }]));
    let events = run(
        issued(),
        use_of(
            clerk(province_health()),
            &["姓名"],
            PURPOSE,
            bj(2027, 1, 1, 0, 0),
        ),
    )
    .unwrap();
    assert!(matches!(&events[1], GrantEvent::GrantViolationRecorded(v)
        if v.violations == vec![UseViolation::AfterExpiry { valid_until: date(2026, 12, 31) }]));
    // The last instant of the last day (Beijing time) is still within validity.
    let events = run(
        issued(),
        use_of(
            clerk(province_health()),
            &["姓名"],
            PURPOSE,
            bj(2026, 12, 31, 23, 59),
        ),
    )
    .unwrap();
    assert_eq!(events.len(), 1);
}

/// 第二十二条: after revocation, a use is recorded as a violation; the grant can be revoked once.
#[test]
fn art22_use_after_revocation_is_a_violation() {
    let revoked_at = bj(2026, 5, 6, 9, 0);
    let mut given = issued();
    given.extend(
        run(
            given.clone(),
            cmd(
                leader(province_authority()),
                revoked_at,
                GrantCommand::RevokeGrant(RevokeGrant {
                    reason: "发现超范围使用".to_owned(),
                }),
            ),
        )
        .unwrap(),
    );
    let events = run(
        given.clone(),
        use_of(
            clerk(province_health()),
            &["姓名"],
            PURPOSE,
            bj(2026, 5, 6, 10, 0),
        ),
    )
    .unwrap();
    assert!(matches!(&events[1], GrantEvent::GrantViolationRecorded(v)
        if v.violations == vec![UseViolation::AfterRevocation { revoked_at }] && v.attributed_to == code("130000-health")));
    assert!(
        run(
            given,
            cmd(
                leader(province_authority()),
                bj(2026, 5, 7, 9, 0),
                GrantCommand::RevokeGrant(RevokeGrant {
                    reason: "再次".to_owned()
                })
            )
        )
        .is_err()
    );
}

/// 第二十二条: a grant expires after its last day of validity; recording expiry earlier is refused.
#[test]
fn art22_grant_expires_after_its_validity() {
    let expire = |at| {
        cmd(
            reviewer(province_authority()),
            at,
            GrantCommand::RecordGrantExpiry(RecordGrantExpiry {}),
        )
    };
    assert!(matches!(
        run(issued(), expire(bj(2026, 12, 31, 23, 0))).unwrap_err(),
        DomainError::InvalidState { .. }
    ));
    let events = run(issued(), expire(bj(2027, 1, 1, 0, 30))).unwrap();
    let mut grant = Grant::default();
    for e in issued().into_iter().chain(events) {
        cqrs_es::Aggregate::apply(&mut grant, e);
    }
    assert_eq!(grant.status(), GrantStatus::Expired);
}

/// 第二十二、三十七条: the grantee's commissioned third party may record a use; the violation is still the
/// grantee's. AUTH-04: no other department may record uses; AUTH-05: only the serving authority issues.
#[test]
fn art22_who_records_uses_and_issues_grants() {
    let events = run(
        issued(),
        use_of(
            clerk(contractor_of_health()),
            &["姓名"],
            "OTHER",
            bj(2026, 4, 1, 10, 0),
        ),
    )
    .unwrap();
    assert!(
        matches!(&events[1], GrantEvent::GrantViolationRecorded(v) if v.attributed_to == code("130000-health"))
    );
    match run(
        issued(),
        use_of(
            clerk(province_market()),
            &["姓名"],
            PURPOSE,
            bj(2026, 4, 1, 10, 0),
        ),
    ) {
        Err(DomainError::Forbidden(f)) => assert_eq!(f.rule, Rule::ProviderOrContractor),
        other => panic!("{other:?}"),
    }
    match run(
        vec![],
        cmd(
            reviewer(city_authority()),
            bj(2026, 3, 18, 9, 0),
            GrantCommand::IssueGrant(issue()),
        ),
    ) {
        Err(DomainError::Forbidden(f)) => assert_eq!(f.rule, Rule::SameLevelAuthority),
        other => panic!("{other:?}"),
    }
    match run(
        issued(),
        cmd(
            clerk(province_health()),
            bj(2026, 5, 6, 9, 0),
            GrantCommand::RevokeGrant(RevokeGrant {
                reason: "x".to_owned(),
            }),
        ),
    ) {
        Err(DomainError::Forbidden(f)) => assert_eq!(f.rule, Rule::SameLevelAuthority),
        other => panic!("{other:?}"),
    }
}

/// A grant keeps counters, not the uses, so recording scales.
#[test]
fn art22_grant_counts_uses_and_violations() {
    let mut given = issued();
    given.extend(
        run(
            given.clone(),
            use_of(
                clerk(province_health()),
                &["姓名"],
                PURPOSE,
                bj(2026, 4, 1, 10, 0),
            ),
        )
        .unwrap(),
    );
    given.extend(
        run(
            given.clone(),
            use_of(
                clerk(province_health()),
                &["姓名"],
                "OTHER",
                bj(2026, 4, 2, 10, 0),
            ),
        )
        .unwrap(),
    );
    let mut grant = Grant::default();
    for e in given {
        cqrs_es::Aggregate::apply(&mut grant, e);
    }
    assert_eq!(
        (grant.uses(), grant.violations(), grant.records()),
        (2, 1, 2)
    );
}
