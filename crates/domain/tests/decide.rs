//! The pure decision entry point (`govshare_domain::decide`): every aggregate decides through it, it refuses
//! an instant the calendar cannot count and a command dated before the latest recorded fact, and no instant,
//! however extreme, makes the domain panic (digest, "Counting working days"; 第十九、三十四、四十一条).

mod common;
mod share_fixtures;

use chrono::{DateTime, Datelike, Duration, TimeZone, Utc};
use common::*;
use cqrs_es::Aggregate;
use govshare_domain::catalog::ShareMode;
use govshare_domain::grant::{
    Grant, GrantCommand, GrantedEntry, IssueGrant, ProvisionFacts, RecordGrantUse,
};
use govshare_domain::incident::{
    IncidentCategory, IncidentCommand, RecordImmediateMeasures, ReportIncident, ReportTargets,
    SecurityIncident, Severity,
};
use govshare_domain::share_application::{ShareApplication, ShareEvent};
use govshare_domain::{Decide, DomainError, decide};
use govshare_workdays::SUPPORTED_YEARS;
use proptest::prelude::*;
use share_fixtures::*;

fn fold<A: Aggregate + Default>(events: &[A::Event]) -> A
where
    A::Event: Clone,
{
    let mut state = A::default();
    for e in events {
        state.apply(e.clone());
    }
    state
}

/// Whether the Beijing date of `at` is representable and within the calendar's years (the oracle, written
/// here from the rule: UTC+08:00, `SUPPORTED_YEARS`).
fn countable(at: DateTime<Utc>) -> bool {
    at.naive_utc()
        .checked_add_signed(Duration::hours(8))
        .is_some_and(|local| SUPPORTED_YEARS.contains(&local.year()))
}

/// 第十九条/第四十一条: a provision dated before the submission it answers is refused, so that it cannot
/// count as on time; the same instant is accepted.
#[test]
fn art19_art41_provision_dated_before_submission_is_refused() {
    let submitted_at = bj(2026, 9, 21, 9, 0);
    let given = share_history(services, vec![submit_unconditional(submitted_at)]);
    let state: ShareApplication = fold(&given);
    assert_eq!(state.last_instant(), Some(submitted_at));
    let err = decide(
        &state,
        provide(submitted_at - Duration::hours(1)),
        &services(),
    )
    .unwrap_err();
    assert_eq!(
        err,
        DomainError::Backdated {
            at: submitted_at - Duration::hours(1),
            latest: submitted_at,
        }
    );
    // Through cqrs-es too: `handle` is the same decision.
    assert_eq!(
        when::<ShareApplication>(
            services(),
            given.clone(),
            provide(submitted_at - Duration::seconds(1))
        )
        .unwrap_err(),
        DomainError::Backdated {
            at: submitted_at - Duration::seconds(1),
            latest: submitted_at,
        }
    );
    let events = decide(&state, provide(submitted_at), &services()).unwrap();
    assert!(matches!(&events[0], ShareEvent::ShareProvided(_)));
    assert!(matches!(&events[1], ShareEvent::DeadlineMet(m) if !m.late));
}

/// 第十九条: `decide` gives the events `handle` writes, and the state's latest instant follows them.
#[test]
fn art19_decide_equals_handle_and_tracks_the_latest_instant() {
    let given = share_history(services, vec![submit_conditional(bj(2026, 9, 21, 9, 0))]);
    let state: ShareApplication = fold(&given);
    let command = forward_to_provider(bj(2026, 9, 22, 10, 0));
    let decided = decide(&state, command.clone(), &services()).unwrap();
    let handled = when::<ShareApplication>(services(), given.clone(), command).unwrap();
    assert_eq!(decided, handled);
    let mut all = given;
    all.extend(handled);
    let after: ShareApplication = fold(&all);
    assert_eq!(after.last_instant(), Some(bj(2026, 9, 22, 10, 0)));
    assert_eq!(ShareApplication::default().last_instant(), None);
}

/// 第十九条 and the digest's counting rule: the largest and smallest instants, and instants whose Beijing
/// year is outside the calendar's years, are refused with a typed error, never a panic.
#[test]
fn art19_extreme_envelope_instants_are_refused() {
    let edge_low = Utc.with_ymd_and_hms(1948, 12, 31, 15, 59, 59).unwrap();
    let edge_high = Utc.with_ymd_and_hms(2199, 12, 31, 16, 0, 0).unwrap();
    for at in [
        DateTime::<Utc>::MAX_UTC,
        DateTime::<Utc>::MIN_UTC,
        edge_low,
        edge_high,
    ] {
        let state = ShareApplication::default();
        assert_eq!(
            decide(&state, submit_unconditional(at), &services()).unwrap_err(),
            DomainError::InstantOutOfRange { field: "at", at },
            "{at}"
        );
    }
    // One second inside each end is counted (Beijing dates 1949-01-01 and 2199-12-31).
    for at in [
        edge_low + Duration::seconds(1),
        edge_high - Duration::seconds(1),
    ] {
        assert!(
            decide(
                &ShareApplication::default(),
                submit_unconditional(at),
                &services()
            )
            .is_ok(),
            "{at}"
        );
    }
}

fn report(detected_at: DateTime<Utc>) -> IncidentCommand {
    IncidentCommand::ReportIncident(ReportIncident {
        detected_at,
        category: IncidentCategory::Leak,
        severity: Severity::Major,
        affected_entries: vec![],
        affected_grants: vec![],
        personal_information: false,
        description: "接口被异常批量调用".to_owned(),
        report_to: ReportTargets {
            cyberspace: province_cyberspace(),
            public_security: province_public_security(),
            data_authority: province_authority(),
        },
    })
}

/// 第二十二、三十四条: every aggregate tracks the instant of its latest recorded fact, including facts that
/// only meet or miss a deadline.
#[test]
fn art22_art34_latest_instant_is_tracked_on_grants_and_incidents() {
    assert_eq!(issued_grant().last_instant(), Some(bj(2026, 3, 18, 9, 0)));
    let detected = bj(2026, 5, 6, 9, 0);
    let reported = history::<SecurityIncident>(
        services,
        vec![cmd(
            clerk(province_health()),
            bj(2026, 5, 6, 9, 30),
            report(detected),
        )],
    );
    let state: SecurityIncident = fold(&reported);
    assert_eq!(state.last_instant(), Some(bj(2026, 5, 6, 9, 30)));
    let marked = when::<SecurityIncident>(
        services(),
        reported.clone(),
        cmd(
            scheduler(),
            bj(2026, 5, 6, 11, 0),
            IncidentCommand::MarkOverdue(govshare_domain::incident::MarkOverdue {
                deadline: govshare_domain::incident::ReportTarget::Cyberspace.deadline(),
            }),
        ),
    )
    .unwrap();
    let mut all = reported;
    all.extend(marked);
    let state: SecurityIncident = fold(&all);
    assert_eq!(state.last_instant(), Some(bj(2026, 5, 6, 11, 0)));
}

/// 第三十四条: a detection instant the calendar cannot date is refused with a typed error naming the field.
#[test]
fn art34_extreme_detection_instant_is_refused() {
    let at = bj(2026, 5, 6, 10, 0);
    let err = decide(
        &SecurityIncident::default(),
        cmd(
            clerk(province_health()),
            at,
            report(DateTime::<Utc>::MIN_UTC),
        ),
        &services(),
    )
    .unwrap_err();
    assert!(
        matches!(err, DomainError::InstantOutOfRange { at, .. } if at == DateTime::<Utc>::MIN_UTC),
        "{err:?}"
    );
}

fn grant_issue() -> IssueGrant {
    IssueGrant {
        provision: ProvisionFacts {
            conditions: None,
            ..provision()
        },
        grantee: province_health(),
        authority: province_authority(),
        entries: vec![GrantedEntry {
            entry_id: population_entry().entry_id,
            provider: code("130000-public-security"),
            data_items: vec!["公民身份号码".to_owned()],
        }],
        purpose: "医疗救助对象身份核验".to_owned(),
        purpose_code: PURPOSE.to_owned(),
        valid_from: date(2026, 3, 1),
        valid_until: date(2026, 12, 31),
        access_mode: ShareMode::Interface,
        conditions: None,
    }
}

fn issued_grant() -> Grant {
    fold(&history::<Grant>(
        services,
        vec![cmd(
            reviewer(province_authority()),
            bj(2026, 3, 18, 9, 0),
            GrantCommand::IssueGrant(grant_issue()),
        )],
    ))
}

fn grant_use(used_at: DateTime<Utc>) -> GrantCommand {
    GrantCommand::RecordGrantUse(RecordGrantUse {
        use_id: "use-000001".to_owned(),
        data_items: vec!["公民身份号码".to_owned()],
        record_count: 1,
        end_user: "wj-zhangsan".to_owned(),
        purpose_code: PURPOSE.to_owned(),
        used_at,
    })
}

/// An instant anywhere in `DateTime<Utc>`'s range, with weight on both ends and on the calendar's edges.
fn arb_instant() -> impl Strategy<Value = DateTime<Utc>> {
    let min = DateTime::<Utc>::MIN_UTC.timestamp();
    let max = DateTime::<Utc>::MAX_UTC.timestamp();
    let low = Utc
        .with_ymd_and_hms(1949, 1, 1, 0, 0, 0)
        .unwrap()
        .timestamp();
    let high = Utc
        .with_ymd_and_hms(2200, 1, 1, 0, 0, 0)
        .unwrap()
        .timestamp();
    prop_oneof![
        Just(DateTime::<Utc>::MIN_UTC),
        Just(DateTime::<Utc>::MAX_UTC),
        (min..=max).prop_map(|s| DateTime::from_timestamp(s, 0).unwrap()),
        (max - 3 * 86_400..=max).prop_map(|s| DateTime::from_timestamp(s, 0).unwrap()),
        (min..=min + 3 * 86_400).prop_map(|s| DateTime::from_timestamp(s, 0).unwrap()),
        (low - 86_400..=low + 86_400).prop_map(|s| DateTime::from_timestamp(s, 0).unwrap()),
        (high - 86_400..=high + 86_400).prop_map(|s| DateTime::from_timestamp(s, 0).unwrap()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// 第十九条: whatever the envelope's instant, a share application's submission decides (events or a typed
    /// error) without panicking; an instant whose Beijing date the calendar cannot count is refused as such.
    #[test]
    fn art19_any_instant_on_a_share_application_is_decided_without_panic(at in arb_instant()) {
        let result = decide(&ShareApplication::default(), submit_conditional(at), &services());
        if countable(at) {
            prop_assert!(
                !matches!(result, Err(DomainError::InstantOutOfRange { .. })),
                "{at}: {result:?}"
            );
        } else {
            prop_assert_eq!(result.unwrap_err(), DomainError::InstantOutOfRange { field: "at", at });
        }
    }

    /// 第三十四条: whatever the detection, measure and envelope instants, an incident's report and measures
    /// are decided without panicking: events, or a typed error.
    #[test]
    fn art34_any_instants_on_an_incident_are_decided_without_panic(
        at in arb_instant(),
        detected_at in arb_instant(),
        taken_at in arb_instant(),
    ) {
        let command = cmd(clerk(province_health()), at, report(detected_at));
        match decide(&SecurityIncident::default(), command, &services()) {
            Ok(events) => {
                prop_assert!(countable(at) && countable(detected_at) && detected_at <= at);
                let state: SecurityIncident = fold(&events);
                let measures = cmd(
                    clerk(province_health()),
                    at,
                    IncidentCommand::RecordImmediateMeasures(RecordImmediateMeasures {
                        measures: "封禁异常账号".to_owned(),
                        taken_at,
                    }),
                );
                let _typed: Result<_, DomainError> = decide(&state, measures, &services());
            }
            // An input the calendar cannot count, or the report deadline counted from the detection landing
            // past the calendar's last year (detected in the last hour of 2199, Beijing time).
            Err(DomainError::InstantOutOfRange { field: "due_at", at: due_at }) => {
                prop_assert!(countable(detected_at) && !countable(due_at) && due_at > detected_at);
            }
            Err(e @ DomainError::InstantOutOfRange { .. }) => {
                prop_assert!(!countable(at) || !countable(detected_at), "{e:?}");
            }
            Err(other) => prop_assert!(
                matches!(other, DomainError::Validation { field: "detected_at", .. }),
                "{other:?}"
            ),
        }
    }

    /// 第二十二条: whatever the envelope's and the use's instants, a use of a grant is decided without
    /// panicking: recorded, or a typed error.
    #[test]
    fn art22_any_instants_on_a_grant_use_are_decided_without_panic(
        at in arb_instant(),
        used_at in arb_instant(),
    ) {
        let grant = issued_grant();
        let result = decide(&grant, cmd(clerk(province_health()), at, grant_use(used_at)), &services());
        match result {
            Ok(_) => prop_assert!(countable(at) && countable(used_at) && used_at <= at),
            Err(DomainError::InstantOutOfRange { field, .. }) => {
                prop_assert!(field == "at" && !countable(at) || field == "used_at" && !countable(used_at));
            }
            Err(DomainError::Backdated { latest, .. }) => prop_assert!(at < latest),
            Err(DomainError::Validation { field: "used_at", .. }) => prop_assert!(used_at > at),
            Err(other) => prop_assert!(false, "unexpected {other:?}"),
        }
    }
}
