//! 第二十八条: the provincial data authority grants an operator the use of named entries for social use, with
//! a scope and a term; revocation; every use recorded against the grant, uses outside it recorded as
//! violations.

mod common;

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use common::*;
use cqrs_es::DomainEvent;
use cqrs_es::test::TestFramework;
use govshare_domain::authorized_operation::{
    AuthorizedOperation, AuthorizedOperationCommand, AuthorizedOperationEvent, GrantOperation,
    OperationGranted, OperationStatus, OperationTerm, OperationUseRecorded, OperationViolation,
    OperationViolationRecorded, Operator, RecordOperationUse, RevokeOperation,
};
use govshare_domain::{CommandEnvelope, DomainError, Rule};

const ENTRY: &str = "catalog-130000-market-regulation-0002";

fn operator() -> Operator {
    Operator {
        name: "河北数据运营有限公司".to_owned(),
        credit_code: "91130100MA0XXXXX1A".to_owned(),
    }
}

fn term() -> OperationTerm {
    OperationTerm {
        starts_on: date(2026, 7, 1),
        ends_on: date(2027, 6, 30),
    }
}

fn grant_command() -> GrantOperation {
    GrantOperation {
        operator: operator(),
        entries: vec![ENTRY.to_owned()],
        purpose_code: "credit-inquiry".to_owned(),
        scope: "面向金融机构的企业登记信息核验服务".to_owned(),
        term: term(),
    }
}

fn grant() -> CommandEnvelope<AuthorizedOperationCommand> {
    cmd(
        leader(province_authority()),
        bj(2026, 6, 20, 9, 0),
        AuthorizedOperationCommand::GrantOperation(grant_command()),
    )
}

fn revoke() -> CommandEnvelope<AuthorizedOperationCommand> {
    cmd(
        reviewer(province_authority()),
        bj(2026, 10, 10, 12, 0),
        AuthorizedOperationCommand::RevokeOperation(RevokeOperation {
            reason: "运营方违反安全协议".to_owned(),
        }),
    )
}

fn use_of(
    id: &str,
    entry: &str,
    purpose: &str,
    used_at: DateTime<Utc>,
) -> CommandEnvelope<AuthorizedOperationCommand> {
    cmd(
        clerk(province_authority()),
        used_at,
        AuthorizedOperationCommand::RecordOperationUse(RecordOperationUse {
            use_id: id.to_owned(),
            entry_id: entry.to_owned(),
            purpose_code: purpose.to_owned(),
            record_count: 120,
            used_at,
        }),
    )
}

fn granted() -> Vec<AuthorizedOperationEvent> {
    history::<AuthorizedOperation>(services, vec![grant()])
}

/// 第二十八条: the provincial authority grants named entries, a purpose, a scope and a term to an operator.
#[test]
fn art28_provincial_authority_grants_operation() {
    TestFramework::<AuthorizedOperation>::with(services())
        .given_no_previous_events()
        .when(grant())
        .then_expect_events(vec![AuthorizedOperationEvent::OperationGranted(
            OperationGranted {
                authority: province_authority(),
                operator: operator(),
                entries: vec![ENTRY.to_owned()],
                purpose_code: "credit-inquiry".to_owned(),
                scope: "面向金融机构的企业登记信息核验服务".to_owned(),
                term: term(),
                by: leader(province_authority()),
                at: bj(2026, 6, 20, 9, 0),
            },
        )]);
}

/// 第二十八条: a grant names its operator properly, some entries, and a valid term.
#[test]
fn art28_grant_is_validated() {
    let refuse = |c: GrantOperation| {
        when::<AuthorizedOperation>(
            services(),
            vec![],
            cmd(
                leader(province_authority()),
                bj(2026, 6, 20, 9, 0),
                AuthorizedOperationCommand::GrantOperation(c),
            ),
        )
        .unwrap_err()
    };
    let mut c = grant_command();
    c.operator.credit_code = "123".to_owned();
    assert!(matches!(
        refuse(c),
        DomainError::Validation {
            field: "operator",
            ..
        }
    ));
    let mut c = grant_command();
    c.entries.clear();
    assert!(matches!(
        refuse(c),
        DomainError::Validation { field: "scope", .. }
    ));
    let mut c = grant_command();
    c.term.ends_on = date(2026, 6, 1);
    assert!(matches!(
        refuse(c),
        DomainError::Validation { field: "term", .. }
    ));
    assert!(matches!(
        when::<AuthorizedOperation>(services(), granted(), grant()).unwrap_err(),
        DomainError::InvalidState { .. }
    ));
}

/// 第二十八条: a use within the grant is recorded without violations.
#[test]
fn art28_use_within_grant_is_recorded() {
    let at = bj(2026, 8, 3, 10, 0);
    TestFramework::<AuthorizedOperation>::with(services())
        .given(granted())
        .when(use_of("use-0001", ENTRY, "credit-inquiry", at))
        .then_expect_events(vec![AuthorizedOperationEvent::OperationUseRecorded(
            OperationUseRecorded {
                use_id: "use-0001".to_owned(),
                entry_id: ENTRY.to_owned(),
                purpose_code: "credit-inquiry".to_owned(),
                record_count: 120,
                used_at: at,
                violations: vec![],
                by: clerk(province_authority()),
                at,
            },
        )]);
}

/// 第二十八条: uses of entries not granted, for another purpose, outside the term or after revocation are
/// recorded with a violation fact naming the operator.
#[test]
fn art28_uses_outside_the_grant_are_violations() {
    let violations = |given: Vec<AuthorizedOperationEvent>, c| {
        let events = when::<AuthorizedOperation>(services(), given, c).unwrap();
        match events.as_slice() {
            [
                AuthorizedOperationEvent::OperationUseRecorded(u),
                AuthorizedOperationEvent::OperationViolationRecorded(v),
            ] => {
                assert_eq!(u.violations, v.violations);
                assert_eq!(v.operator, operator());
                v.violations.clone()
            }
            other => panic!("expected a violation, got {other:?}"),
        }
    };
    assert_eq!(
        violations(
            granted(),
            use_of(
                "u1",
                "catalog-130000-health-0003",
                "marketing",
                bj(2026, 8, 3, 10, 0)
            )
        ),
        vec![
            OperationViolation::EntryNotGranted {
                entry_id: "catalog-130000-health-0003".to_owned()
            },
            OperationViolation::OtherPurpose {
                used_for: "marketing".to_owned(),
                granted_for: "credit-inquiry".to_owned()
            },
        ]
    );
    assert_eq!(
        violations(
            granted(),
            use_of("u2", ENTRY, "credit-inquiry", bj(2026, 6, 30, 23, 0))
        ),
        vec![OperationViolation::BeforeTerm {
            starts_on: date(2026, 7, 1)
        }]
    );
    assert_eq!(
        violations(
            granted(),
            use_of("u3", ENTRY, "credit-inquiry", bj(2027, 7, 1, 0, 0))
        ),
        vec![OperationViolation::AfterExpiry {
            ends_on: date(2027, 6, 30)
        }]
    );
    let revoked = history::<AuthorizedOperation>(services, vec![grant(), revoke()]);
    assert_eq!(
        violations(
            revoked,
            use_of("u4", ENTRY, "credit-inquiry", bj(2026, 10, 10, 12, 1))
        ),
        vec![OperationViolation::AfterRevocation {
            revoked_at: bj(2026, 10, 10, 12, 0)
        }]
    );
}

/// 第二十八条: revocation is recorded once; use ids are unique.
#[test]
fn art28_revocation_and_unique_uses() {
    let revoked = history::<AuthorizedOperation>(services, vec![grant(), revoke()]);
    let mut op = AuthorizedOperation::default();
    for e in revoked.clone() {
        cqrs_es::Aggregate::apply(&mut op, e);
    }
    assert_eq!(op.status(), OperationStatus::Revoked);
    assert!(matches!(
        when::<AuthorizedOperation>(services(), revoked, revoke()).unwrap_err(),
        DomainError::InvalidState { .. }
    ));
    let used = history::<AuthorizedOperation>(
        services,
        vec![
            grant(),
            use_of("u1", ENTRY, "credit-inquiry", bj(2026, 8, 3, 10, 0)),
        ],
    );
    let err = when::<AuthorizedOperation>(
        services(),
        used,
        use_of("u1", ENTRY, "credit-inquiry", bj(2026, 8, 3, 11, 0)),
    )
    .unwrap_err();
    assert!(matches!(
        err,
        DomainError::Validation {
            field: "use_id",
            ..
        }
    ));
}

/// AUTH-14, AUTH-06, AUTH-01 (第二十八条) through the aggregate.
#[test]
fn art28_authorization_denied_paths() {
    let rule = |r: Result<Vec<AuthorizedOperationEvent>, DomainError>| match r {
        Err(DomainError::Forbidden(f)) => f.rule,
        other => panic!("expected a refusal, got {other:?}"),
    };
    let mut by_city = grant();
    by_city.actor = leader(city_authority());
    assert_eq!(
        rule(when::<AuthorizedOperation>(services(), vec![], by_city)),
        Rule::ProvincialAuthority
    );
    let mut by_clerk = grant();
    by_clerk.actor = clerk(province_authority());
    assert_eq!(
        rule(when::<AuthorizedOperation>(services(), vec![], by_clerk)),
        Rule::AuthorityDecisionRole
    );
    let mut revoke_by_department = revoke();
    revoke_by_department.actor = leader(province_market());
    assert_eq!(
        rule(when::<AuthorizedOperation>(
            services(),
            granted(),
            revoke_by_department
        )),
        Rule::ProvincialAuthority
    );
    let mut use_by_scheduler = use_of("u9", ENTRY, "credit-inquiry", bj(2026, 8, 3, 10, 0));
    use_by_scheduler.actor = scheduler();
    assert_eq!(
        rule(when::<AuthorizedOperation>(
            services(),
            granted(),
            use_by_scheduler
        )),
        Rule::SchedulerOnlyMarksOverdue
    );
}

/// Golden file: an operation violation is part of the legal record.
#[test]
fn golden_authorized_operation_violation_recorded() {
    let event = AuthorizedOperationEvent::OperationViolationRecorded(OperationViolationRecorded {
        use_id: "u4".to_owned(),
        operator: operator(),
        violations: vec![OperationViolation::AfterRevocation {
            revoked_at: bj(2026, 10, 10, 12, 0),
        }],
        used_at: bj(2026, 10, 10, 12, 1),
        at: bj(2026, 10, 10, 12, 1),
    });
    assert_eq!(event.event_type(), "OperationViolationRecorded");
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden/authorized_operation_violation_recorded.json");
    let text = serde_json::to_string_pretty(&event).unwrap() + "\n";
    if std::env::var_os("GOLDEN_UPDATE").is_some() {
        std::fs::write(&path, &text).unwrap();
    }
    let stored = std::fs::read_to_string(&path).expect("golden file; run with GOLDEN_UPDATE=1");
    assert_eq!(text, stored);
    assert_eq!(
        serde_json::from_str::<AuthorizedOperationEvent>(&stored).unwrap(),
        event
    );
}
