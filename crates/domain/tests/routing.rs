//! 第二十一条: cross-level routing — a city or county department applies through its own authority, which
//! forwards to the upper-level authority holding the data; State Council data goes through the provincial
//! authority. Each hop has its own deadline (Decision: 3 working days, `share_route_forward`).

mod common;
mod share_fixtures;

use common::*;
use govshare_domain::share_application::DataHolder;
use govshare_domain::share_application::{
    ForwardToUpperAuthority, ForwardedToUpperAuthority, MarkOverdue, ShareApplication,
    ShareCommand, ShareEvent,
};
use govshare_domain::{
    DeadlineId, DeadlineMissed, DeadlineRule, DeadlineSet, DepartmentRef, DomainError, Rule,
    RuleSet,
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
