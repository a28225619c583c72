//! 第二十二条: a grant bound to the scenario; every use recorded against it; uses outside the items, the
//! purpose, the validity period, or after revocation recorded as violations attributed to the using department.

mod common;
mod share_fixtures;

use common::*;
use cqrs_es::test::TestFramework;
use govshare_domain::catalog::ShareMode;
use govshare_domain::grant::{
    Grant, GrantCommand, GrantEvent, GrantStatus, GrantUseRecorded, GrantViolationRecorded,
    GrantedEntry, IssueGrant, ProvisionFacts, RecordGrantExpiry, RecordGrantUse, RevokeGrant,
    UseViolation,
};
use govshare_domain::{Actor, DomainError, Rule};
use share_fixtures::*;

fn issue() -> IssueGrant {
    IssueGrant {
        provision: provision(),
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

/// The same use under another use id.
fn numbered(
    use_id: &str,
    mut c: govshare_domain::CommandEnvelope<GrantCommand>,
) -> govshare_domain::CommandEnvelope<GrantCommand> {
    if let GrantCommand::RecordGrantUse(u) = &mut c.body {
        u.use_id = use_id.to_owned();
    }
    c
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
            assert_eq!(g.provision, provision());
            assert_eq!(g.application_id(), APP);
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

/// 第十九、二十二条, AUTH-15: the policy "provision issues the grant" runs in the scheduler's role acting as
/// the serving authority that provided; the grant records that actor. Acting as another authority it is
/// refused, and it may not revoke.
#[test]
fn art22_scheduler_issues_the_grant_as_the_serving_authority() {
    let as_serving = actor(province_authority(), govshare_domain::Role::Scheduler);
    let events = run(
        vec![],
        cmd(
            as_serving.clone(),
            bj(2026, 3, 18, 9, 0),
            GrantCommand::IssueGrant(issue()),
        ),
    )
    .unwrap();
    match &events[0] {
        GrantEvent::GrantIssued(g) => {
            assert_eq!(g.by, as_serving);
            assert_eq!(g.authority, province_authority());
        }
        other => panic!("{other:?}"),
    }
    match run(
        vec![],
        cmd(
            actor(city_authority(), govshare_domain::Role::Scheduler),
            bj(2026, 3, 18, 9, 0),
            GrantCommand::IssueGrant(issue()),
        ),
    ) {
        Err(DomainError::Forbidden(f)) => assert_eq!(f.rule, Rule::GrantFollowsProvision),
        other => panic!("{other:?}"),
    }
    match run(
        events,
        cmd(
            as_serving,
            bj(2026, 5, 6, 9, 0),
            GrantCommand::RevokeGrant(RevokeGrant {
                reason: "x".to_owned(),
            }),
        ),
    ) {
        Err(DomainError::Forbidden(f)) => assert_eq!(f.rule, Rule::SchedulerOnlyMarksOverdue),
        other => panic!("{other:?}"),
    }
}

/// A grant keeps counters of its uses (and their ids, each recorded once).
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
            numbered(
                "use-000002",
                use_of(
                    clerk(province_health()),
                    &["姓名"],
                    "OTHER",
                    bj(2026, 4, 2, 10, 0),
                ),
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

/// 第二十二条: a use id names one use; a second record under the same id is refused (not absorbed), so one
/// use can never count as two uses and two violations against the grantee.
#[test]
fn art22_a_use_id_is_recorded_once() {
    let mut given = issued();
    let outside = use_of(
        clerk(province_health()),
        &["出生日期"],
        "OTHER",
        bj(2026, 4, 1, 10, 0),
    );
    let first = run(given.clone(), outside.clone()).unwrap();
    assert!(matches!(&first[1], GrantEvent::GrantViolationRecorded(_)));
    given.extend(first);
    let err = run(given.clone(), outside).unwrap_err();
    assert_eq!(
        err,
        DomainError::DuplicateUse {
            use_id: "use-000001".to_owned()
        }
    );
    assert_eq!(err.article(), Some("第二十二条"));
    // Even a use within the grant cannot reuse the id.
    let within = use_of(
        clerk(province_health()),
        &["姓名"],
        PURPOSE,
        bj(2026, 4, 2, 10, 0),
    );
    assert!(matches!(
        run(given.clone(), within.clone()).unwrap_err(),
        DomainError::DuplicateUse { .. }
    ));
    assert!(run(given, numbered("use-000002", within)).is_ok());
}

fn issue_at(body: IssueGrant) -> Result<Vec<GrantEvent>, DomainError> {
    run(
        vec![],
        cmd(
            reviewer(province_authority()),
            bj(2026, 3, 18, 9, 0),
            GrantCommand::IssueGrant(body),
        ),
    )
}

fn refused_field(result: Result<Vec<GrantEvent>, DomainError>) -> &'static str {
    match result {
        Err(DomainError::Validation { field, .. }) => field,
        other => panic!("expected a validation refusal, got {other:?}"),
    }
}

/// 第十九、二十二条: a grant is tied to the provision of its application: it refuses data items the scenario
/// did not request, an entry not provided, a blank purpose, another purpose code, validity beyond the
/// requested period of use, another grantee or issuer, other conditions, and issue before the provision.
#[test]
fn art22_grant_is_bound_to_the_provision_of_its_application() {
    assert!(issue_at(issue()).is_ok());

    let mut wider = issue();
    wider.entries[0].data_items.push("出生日期".to_owned());
    assert_eq!(refused_field(issue_at(wider)), "entries");

    let mut other_entry = issue();
    other_entry.entries[0].entry_id = social_security_entry().entry_id;
    assert_eq!(refused_field(issue_at(other_entry)), "entries");

    for blank in ["", " \u{3000}", "\u{200B}\u{FEFF}"] {
        let mut silent = issue();
        silent.purpose = blank.to_owned();
        assert_eq!(refused_field(issue_at(silent)), "purpose", "{blank:?}");
    }

    let mut other_purpose = issue();
    other_purpose.purpose_code = "SC-130000-WJ-2026-999".to_owned();
    assert_eq!(refused_field(issue_at(other_purpose)), "purpose_code");

    let mut longer = issue();
    longer.valid_until = date(2027, 1, 31);
    assert_eq!(refused_field(issue_at(longer)), "valid_until");
    let mut earlier = issue();
    earlier.valid_from = date(2026, 2, 1);
    assert_eq!(refused_field(issue_at(earlier)), "valid_until");

    let mut other_grantee = issue();
    other_grantee.grantee = province_market();
    assert_eq!(refused_field(issue_at(other_grantee)), "grantee");

    let mut other_issuer = issue();
    other_issuer.provision.provided_by = city_authority().code;
    assert_eq!(refused_field(issue_at(other_issuer)), "authority");

    let mut dropped_conditions = issue();
    dropped_conditions.conditions = None;
    assert_eq!(refused_field(issue_at(dropped_conditions)), "conditions");

    let mut before = issue();
    before.provision.provided_at = bj(2026, 3, 18, 10, 0);
    assert_eq!(refused_field(issue_at(before)), "provision.provided_at");
}

/// 第十九、二十二条: the grant that follows a recorded provision is built from its `ShareProvided` and records
/// the application, scenario and period of use it is bound to.
#[test]
fn art19_art22_grant_follows_the_provision_recorded_on_the_application() {
    let application = share_history(
        services,
        vec![
            submit_conditional(bj(2026, 3, 9, 9, 0)),
            forward_to_provider(bj(2026, 3, 10, 9, 0)),
            agree(bj(2026, 3, 12, 9, 0)),
            provide(bj(2026, 3, 13, 9, 0)),
        ],
    );
    let provided = application
        .iter()
        .find_map(|e| match e {
            govshare_domain::share_application::ShareEvent::ShareProvided(p) => Some(p),
            _ => None,
        })
        .expect("provided");
    let facts = ProvisionFacts::from(provided);
    assert_eq!(facts, provision_on(bj(2026, 3, 13, 9, 0)));
    let events = issue_at(IssueGrant {
        provision: facts.clone(),
        ..issue()
    })
    .unwrap();
    assert!(matches!(&events[..], [GrantEvent::GrantIssued(g)] if g.provision == facts));
}

fn provision_on(provided_at: chrono::DateTime<chrono::Utc>) -> ProvisionFacts {
    ProvisionFacts {
        provided_at,
        ..provision()
    }
}
