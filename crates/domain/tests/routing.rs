//! 第二十一条: cross-level routing — a city or county department applies through its own authority, which
//! forwards to the upper-level authority holding the data; State Council data goes through the provincial
//! authority. Each hop has its own deadline (Decision: 3 working days, `share_route_forward`).

mod common;
mod share_fixtures;

use common::*;
use govshare_domain::organization::{
    OrganizationCommand, OrganizationRegistry, RegisterDepartment, RegisterRegion,
};
use govshare_domain::share_application::{
    DataHolder, ForwardToUpperAuthority, ForwardedToUpperAuthority, MarkOverdue, ShareApplication,
    ShareCommand, ShareEvent, check_route, resolve_route,
};
use govshare_domain::{
    DeadlineId, DeadlineMissed, DeadlineRule, DeadlineSet, DepartmentKind, DepartmentRef,
    DomainError, Level, Rule, RuleSet,
};
use share_fixtures::*;

fn county_route() -> Vec<DepartmentRef> {
    vec![county_authority(), city_authority(), province_authority()]
}

fn county_submit(
    at: chrono::DateTime<chrono::Utc>,
) -> govshare_domain::CommandEnvelope<ShareCommand> {
    share(
        clerk(county_health()),
        at,
        submit_body(
            vec![population_entry()],
            &["公民身份号码", "姓名"],
            county_route(),
        ),
    )
}

fn forward(
    actor: DepartmentRef,
    at: chrono::DateTime<chrono::Utc>,
) -> govshare_domain::CommandEnvelope<ShareCommand> {
    share(
        reviewer(actor),
        at,
        ShareCommand::ForwardToUpperAuthority(ForwardToUpperAuthority {}),
    )
}

fn run(
    given: Vec<ShareEvent>,
    c: govshare_domain::CommandEnvelope<ShareCommand>,
) -> Result<Vec<ShareEvent>, DomainError> {
    when::<ShareApplication>(services(), given, c)
}

fn deadline_set(events: &[ShareEvent]) -> DeadlineSet {
    events
        .iter()
        .find_map(|e| match e {
            ShareEvent::DeadlineSet(s) => Some(s.clone()),
            _ => None,
        })
        .expect("a deadline was set")
}

/// 第二十一条: a county department's request for provincial data takes two hops — 长安区 → 石家庄市 → 河北省 —
/// each with its own 3-working-day deadline owed by the forwarding authority; at the province the 第十九条
/// review deadline starts from the provincial authority's receipt.
#[test]
fn art21_county_request_for_provincial_data_takes_two_hops() {
    let submitted = bj(2026, 3, 9, 9, 0);
    let given = share_history(services, vec![county_submit(submitted)]);
    let hop1 = deadline_set(&given);
    assert_eq!(hop1.id, DeadlineId::new(DeadlineRule::ShareRouteForward, 1));
    assert_eq!(hop1.obligation.owed_by, code("130102-data-authority"));
    assert_eq!(hop1.due_date, date(2026, 3, 12));

    let first = bj(2026, 3, 10, 9, 0);
    let events = run(given.clone(), forward(county_authority(), first)).unwrap();
    assert_eq!(
        events[0],
        ShareEvent::ForwardedToUpperAuthority(ForwardedToUpperAuthority {
            hop: 1,
            from: code("130102-data-authority"),
            to: city_authority(),
            by: reviewer(county_authority()),
            at: first,
        })
    );
    assert!(
        matches!(&events[1], ShareEvent::DeadlineMet(m) if !m.late && m.owed_by == code("130102-data-authority"))
    );
    let hop2 = deadline_set(&events);
    assert_eq!(hop2.id, DeadlineId::new(DeadlineRule::ShareRouteForward, 2));
    assert_eq!(hop2.obligation.owed_by, code("130100-data-authority"));
    assert_eq!(hop2.due_date, date(2026, 3, 13));

    let mut given = given;
    given.extend(events);
    let second = bj(2026, 3, 11, 9, 0);
    let events = run(given.clone(), forward(city_authority(), second)).unwrap();
    assert!(
        matches!(&events[0], ShareEvent::ForwardedToUpperAuthority(f) if f.hop == 2 && f.to == province_authority())
    );
    let review = deadline_set(&events);
    assert_eq!(review.obligation.what, DeadlineRule::ShareConditionalReview);
    assert_eq!(review.obligation.owed_by, code("130000-data-authority"));
    assert_eq!(review.from, second);
    assert_eq!(review.due_date, date(2026, 3, 16));

    // The route has ended: the province reviews and forwards to the provider, it does not forward upward.
    given.extend(events);
    assert!(matches!(
        run(
            given.clone(),
            forward(province_authority(), bj(2026, 3, 12, 9, 0))
        )
        .unwrap_err(),
        DomainError::InvalidState { .. }
    ));
    assert!(run(given, forward_to_provider(bj(2026, 3, 12, 9, 0))).is_ok());
}

/// 第二十一条, 第四十一条: a late hop is recorded late and attributed to the authority that owed it; the scheduler
/// may record the miss first.
#[test]
fn art21_art41_late_hop_is_the_forwarding_authoritys_miss() {
    let given = share_history(services, vec![county_submit(bj(2026, 3, 9, 9, 0))]);
    let mark = share(
        scheduler(),
        bj(2026, 3, 13, 0, 1),
        ShareCommand::MarkOverdue(MarkOverdue {
            deadline: DeadlineId::new(DeadlineRule::ShareRouteForward, 1),
        }),
    );
    let missed = run(given.clone(), mark).unwrap();
    assert_eq!(
        missed,
        vec![ShareEvent::DeadlineMissed(DeadlineMissed {
            id: DeadlineId::new(DeadlineRule::ShareRouteForward, 1),
            owed_by: code("130102-data-authority"),
            due_at: end_of(2026, 3, 12),
            marked_at: bj(2026, 3, 13, 0, 1),
        })]
    );
    let events = run(given, forward(county_authority(), bj(2026, 3, 16, 9, 0))).unwrap();
    assert!(
        matches!(&events[1], ShareEvent::DeadlineMet(m) if m.late && m.owed_by == code("130102-data-authority"))
    );
    assert!(
        events
            .iter()
            .filter(|e| matches!(e, ShareEvent::DeadlineMissed(_)))
            .count()
            == 1
    );
}

/// 第二十一条 Decision: the hop length is the rule set's (`share_route_forward`).
#[test]
fn art21_hop_length_is_configurable() {
    let mut rules = RuleSet::hebei_2022();
    rules.deadlines.share_route_forward = 1;
    let svc = move || services_with(rules.clone());
    let events =
        when::<ShareApplication>(svc(), vec![], county_submit(bj(2026, 3, 9, 9, 0))).unwrap();
    assert_eq!(deadline_set(&events).due_date, date(2026, 3, 10));
}

/// 第二十一条: data of State Council departments is obtained through the provincial authority.
#[test]
fn art21_state_council_data_goes_through_the_provincial_authority() {
    let mut entry = social_security_entry();
    entry.entry_id = "national-ministry-civil-affairs-0001".to_owned();
    entry.holder = DataHolder::StateCouncil {
        department: "民政部".to_owned(),
    };
    let city_only = share(
        clerk(city_health()),
        bj(2026, 3, 9, 9, 0),
        submit_body(
            vec![entry.clone()],
            &["公民身份号码"],
            vec![city_authority()],
        ),
    );
    assert!(matches!(
        run(vec![], city_only).unwrap_err(),
        DomainError::Validation { field: "route", .. }
    ));
    let via_province = share(
        clerk(city_health()),
        bj(2026, 3, 9, 9, 0),
        submit_body(
            vec![entry],
            &["公民身份号码"],
            vec![city_authority(), province_authority()],
        ),
    );
    let events = run(vec![], via_province).unwrap();
    assert_eq!(
        deadline_set(&events).obligation.owed_by,
        code("130100-data-authority")
    );
}

/// 第二十一条: the route starts at the requester's own authority, climbs one level per hop within its
/// jurisdiction, ends at an authority holding the data, and goes no higher than needed.
#[test]
fn art21_malformed_routes_are_refused() {
    let submit = |route: Vec<DepartmentRef>| {
        share(
            clerk(county_health()),
            bj(2026, 3, 9, 9, 0),
            submit_body(vec![population_entry()], &["公民身份号码"], route),
        )
    };
    for route in [
        vec![],
        vec![city_authority(), province_authority()],
        vec![county_authority(), province_authority()],
        vec![
            county_authority(),
            baoding_authority(),
            province_authority(),
        ],
        vec![county_authority(), city_authority()],
    ] {
        let err = run(vec![], submit(route.clone())).unwrap_err();
        assert!(
            matches!(err, DomainError::Validation { field: "route", .. }),
            "{route:?}: {err:?}"
        );
    }
    // City data for a city department: no hop at all.
    let mut city_entry = social_security_entry();
    city_entry.holder = DataHolder::Department {
        provider: city_civil_affairs(),
    };
    let too_long = share(
        clerk(city_health()),
        bj(2026, 3, 9, 9, 0),
        submit_body(
            vec![city_entry],
            &["公民身份号码"],
            vec![city_authority(), province_authority()],
        ),
    );
    assert!(matches!(
        run(vec![], too_long).unwrap_err(),
        DomainError::Validation { field: "route", .. }
    ));
}

/// AUTH-05: only the authority holding the application forwards it; AUTH-06: not its clerk.
#[test]
fn art21_only_the_holding_authority_forwards() {
    let given = share_history(services, vec![county_submit(bj(2026, 3, 9, 9, 0))]);
    match run(
        given.clone(),
        forward(city_authority(), bj(2026, 3, 10, 9, 0)),
    ) {
        Err(DomainError::Forbidden(f)) => assert_eq!(f.rule, Rule::SameLevelAuthority),
        other => panic!("{other:?}"),
    }
    let mut c = forward(county_authority(), bj(2026, 3, 10, 9, 0));
    c.actor = clerk(county_authority());
    match run(given, c) {
        Err(DomainError::Forbidden(f)) => assert_eq!(f.rule, Rule::AuthorityDecisionRole),
        other => panic!("{other:?}"),
    }
}

// 第二十一条: the route resolved from the registry.

fn local(code_: &str, name: &str, kind: DepartmentKind, r: &str, level: Level) -> DepartmentRef {
    DepartmentRef {
        code: code(code_),
        name: name.to_owned(),
        kind,
        region: region(r),
        level,
        principal: None,
    }
}

fn zhuozhou_authority() -> DepartmentRef {
    local(
        "130681-data-authority",
        "涿州市政务服务管理办公室",
        DepartmentKind::DataAuthority,
        "130681",
        Level::County,
    )
}

fn zhuozhou_health() -> DepartmentRef {
    local(
        "130681-health",
        "涿州市卫生健康局",
        DepartmentKind::Department,
        "130681",
        Level::County,
    )
}

fn baoding_health() -> DepartmentRef {
    local(
        "130600-health",
        "保定市卫生健康委员会",
        DepartmentKind::Department,
        "130600",
        Level::City,
    )
}

/// Every department the route tests name, the data authorities first.
fn registered() -> Vec<DepartmentRef> {
    vec![
        province_authority(),
        city_authority(),
        county_authority(),
        baoding_authority(),
        zhuozhou_authority(),
        province_public_security(),
        province_health(),
        city_health(),
        city_civil_affairs(),
        county_health(),
        baoding_health(),
        zhuozhou_health(),
    ]
}

/// 河北省 with 石家庄市 (长安区) and 保定市 (涿州市), their data authorities and some departments.
fn registry() -> OrganizationRegistry {
    let at = bj(2026, 1, 5, 9, 0);
    let by = || reviewer(province_authority());
    let mut commands = Vec::new();
    for (c, name, level, parent) in [
        ("130000", "河北省", Level::Province, None),
        ("130100", "石家庄市", Level::City, Some("130000")),
        ("130102", "长安区", Level::County, Some("130100")),
        ("130600", "保定市", Level::City, Some("130000")),
        ("130681", "涿州市", Level::County, Some("130600")),
    ] {
        commands.push(cmd(
            by(),
            at,
            OrganizationCommand::RegisterRegion(RegisterRegion {
                code: region(c),
                name: name.to_owned(),
                level,
                parent: parent.map(region),
            }),
        ));
    }
    for d in registered() {
        commands.push(cmd(
            by(),
            at,
            OrganizationCommand::RegisterDepartment(RegisterDepartment {
                code: d.code.clone(),
                name: d.name.clone(),
                region: d.region.clone(),
                kind: d.kind,
                principal: None,
            }),
        ));
    }
    let mut state = OrganizationRegistry::default();
    for e in history::<OrganizationRegistry>(services, commands) {
        cqrs_es::Aggregate::apply(&mut state, e);
    }
    state
}

fn held_by(provider: DepartmentRef) -> DataHolder {
    DataHolder::Department { provider }
}

fn state_council() -> DataHolder {
    DataHolder::StateCouncil {
        department: "国家卫生健康委员会".to_owned(),
    }
}

/// 第二十一条: county → city → province. A 长安区 department asking for provincial data goes through its own
/// authority and each upper-level authority; for data of its own city, up to the city; for data of its own
/// county, nowhere else; for data of another city (保定市), up to the province.
#[test]
fn art21_route_is_resolved_from_the_registry_county_city_province() {
    let registry = registry();
    let requester = county_health().code;
    let resolve = |holders: &[DataHolder]| resolve_route(&registry, &requester, holders).unwrap();
    assert_eq!(
        resolve(&[held_by(province_public_security())]),
        county_route()
    );
    assert_eq!(
        resolve(&[held_by(city_civil_affairs())]),
        vec![county_authority(), city_authority()]
    );
    assert_eq!(
        resolve(&[held_by(county_health())]),
        vec![county_authority()]
    );
    assert_eq!(resolve(&[held_by(baoding_health())]), county_route());
    assert_eq!(resolve(&[held_by(zhuozhou_health())]), county_route());
    // Several holders: the first authority holding all of them.
    assert_eq!(
        resolve(&[held_by(county_health()), held_by(city_civil_affairs())]),
        vec![county_authority(), city_authority()]
    );
    for holders in [
        vec![held_by(province_public_security())],
        vec![held_by(city_civil_affairs())],
        vec![held_by(county_health())],
    ] {
        check_route(&county_health(), &resolve(&holders), &holders).unwrap();
    }
}

/// 第二十一条: State Council data is obtained through the provincial authority, whatever the requester's level.
#[test]
fn art21_state_council_data_is_routed_to_the_provincial_authority() {
    let registry = registry();
    for (requester, route) in [
        (county_health(), county_route()),
        (city_health(), vec![city_authority(), province_authority()]),
        (province_health(), vec![province_authority()]),
    ] {
        let holders = [state_council()];
        let resolved = resolve_route(&registry, &requester.code, &holders).unwrap();
        assert_eq!(resolved, route, "{}", requester.code);
        check_route(&requester, &resolved, &holders).unwrap();
    }
}

/// 第二十一条: a requester outside the registry, no entry named, or data no authority of the province holds
/// (another province's) give a typed refusal, not a route.
#[test]
fn art21_unresolvable_routes_are_refused() {
    let registry = registry();
    let err = resolve_route(
        &registry,
        &code("130102-unknown"),
        &[held_by(province_public_security())],
    )
    .unwrap_err();
    assert!(matches!(
        err,
        DomainError::Validation {
            field: "requester",
            ..
        }
    ));
    assert!(matches!(
        resolve_route(&registry, &county_health().code, &[]).unwrap_err(),
        DomainError::Validation {
            field: "holders",
            ..
        }
    ));
    let beijing = local(
        "110000-health",
        "北京市卫生健康委员会",
        DepartmentKind::Department,
        "110000",
        Level::Province,
    );
    let err = resolve_route(&registry, &county_health().code, &[held_by(beijing)]).unwrap_err();
    assert!(
        matches!(err, DomainError::Validation { field: "route", .. }),
        "{err:?}"
    );
    assert_eq!(err.article(), Some("第二十一条"));
}

/// The serving level an oracle reads off the division codes (第二十一条): the province for State Council data
/// or a holder outside the requester's city; the city for a holder outside the requester's county; otherwise
/// the requester's own level.
fn serving_level(requester: &DepartmentRef, holders: &[DataHolder]) -> Level {
    let code_of = |d: &DepartmentRef| d.region.as_str().to_owned();
    let mine = code_of(requester);
    let mut level = requester.level;
    for holder in holders {
        let needed = match holder {
            DataHolder::StateCouncil { .. } => Level::Province,
            DataHolder::Department { provider } => {
                let theirs = code_of(provider);
                if mine[..2] != theirs[..2] {
                    unreachable!("the generator names holders of this province only")
                } else if mine[..4] != theirs[..4] || requester.level == Level::Province {
                    Level::Province
                } else if mine != theirs || requester.level == Level::City {
                    Level::City
                } else {
                    Level::County
                }
            }
        };
        level = level.min(needed);
    }
    level
}

fn depth(level: Level) -> usize {
    match level {
        Level::Province => 0,
        Level::City => 1,
        Level::County => 2,
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]

    /// 第二十一条: for any registered requester and any non-empty set of holders of this province (State Council
    /// data included), the resolved route passes `check_route`, starts at the requester's own authority and
    /// climbs exactly to the level the division codes call for.
    #[test]
    fn art21_resolved_routes_always_pass_check_route(
        requester in 0usize..12,
        holders in proptest::collection::vec(0usize..13, 1..4),
    ) {
        let registry = registry();
        let departments = registered();
        let requester = departments[requester].clone();
        let holders: Vec<DataHolder> = holders
            .into_iter()
            .map(|i| departments.get(i).cloned().map_or_else(state_council, held_by))
            .collect();
        let route = resolve_route(&registry, &requester.code, &holders).unwrap();
        proptest::prop_assert!(check_route(&requester, &route, &holders).is_ok());
        proptest::prop_assert!(route[0].is_authority_of(&requester.region, requester.level));
        let serving = serving_level(&requester, &holders);
        proptest::prop_assert_eq!(route.len(), depth(requester.level) - depth(serving) + 1);
        proptest::prop_assert_eq!(route.last().map(|a| a.level), Some(serving));
    }
}
