//! Property (第十九、二十一、四十一条): for random sequences of commands by random parties against a share
//! application, the aggregate never records provision of a not-shared entry, never accepts a refusal without
//! real reasons, and every recorded step is either on time or paired with a missed-deadline fact attributed
//! to the party that owed it.

mod common;
mod share_fixtures;

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use common::*;
use govshare_domain::catalog::ShareAttribute;
use govshare_domain::share_application::{
    AgreeToShare, ForwardToProvider, ForwardToUpperAuthority, MarkOverdue, ProvideShare,
    RefuseToShare, RequestedEntry, ResubmitShareApplication, ReturnForSupplement, ShareApplication,
    ShareCommand, ShareEvent, WithdrawShareApplication, check_refusal_reasons,
};
use govshare_domain::share_application::{ConcludeObjection, ObjectionOutcome, RaiseObjection};
use govshare_domain::{Actor, DeadlineId, DeadlineRule, DomainServices, RuleSet};
use proptest::prelude::*;
use share_fixtures::*;

const REASONS: [&str; 9] = [
    "",
    "  ",
    "不同意",
    "不予共享。",
    "太敏感",
    REAL_REASONS,
    "该数据涉及未成年人个人信息, 依法仅限监护相关事项使用",
    "申请场景与所列信息项无对应关系, 超出最小必要范围",
    "Refused",
];

fn actors() -> Vec<Actor> {
    vec![
        reviewer(county_authority()),
        reviewer(city_authority()),
        reviewer(province_authority()),
        clerk(province_authority()),
        leader(province_public_security()),
        clerk(province_health()),
        clerk(county_health()),
        leader(province_market()),
        scheduler(),
    ]
}

#[derive(Debug, Clone)]
enum Step {
    Upward,
    ToProvider,
    Agree,
    Refuse(usize),
    Provide,
    Return,
    Resubmit,
    Withdraw,
    Object,
    Conclude(bool),
    Mark(usize),
}

fn step() -> impl Strategy<Value = Step> {
    // Withdrawal ends everything, so it is rare; the conditional path's steps are frequent.
    prop_oneof![
        9 => Just(Step::Upward),
        12 => Just(Step::ToProvider),
        3 => Just(Step::Agree),
        15 => (0..REASONS.len()).prop_map(Step::Refuse),
        8 => Just(Step::Provide),
        2 => Just(Step::Return),
        4 => Just(Step::Resubmit),
        1 => Just(Step::Withdraw),
        8 => Just(Step::Object),
        8 => any::<bool>().prop_map(Step::Conclude),
        5 => (0..8usize).prop_map(Step::Mark),
    ]
}

fn body(step: &Step, set: &[DeadlineId]) -> ShareCommand {
    match step {
        Step::Upward => ShareCommand::ForwardToUpperAuthority(ForwardToUpperAuthority {}),
        Step::ToProvider => ShareCommand::ForwardToProvider(ForwardToProvider {
            review_opinion: "同意转送".to_owned(),
        }),
        Step::Agree => ShareCommand::AgreeToShare(AgreeToShare { conditions: None }),
        Step::Refuse(i) => ShareCommand::RefuseToShare(RefuseToShare {
            reasons: REASONS[*i].to_owned(),
            basis: refusal_basis(),
        }),
        Step::Provide => ShareCommand::ProvideShare(ProvideShare {
            grant_id: GRANT.to_owned(),
        }),
        Step::Return => ShareCommand::ReturnForSupplement(ReturnForSupplement {
            missing: vec!["materials".to_owned()],
        }),
        Step::Resubmit => ShareCommand::ResubmitShareApplication(ResubmitShareApplication {
            scenario: scenario(&["公民身份号码"]),
            materials: vec!["补正材料.pdf".to_owned()],
        }),
        Step::Withdraw => ShareCommand::WithdrawShareApplication(WithdrawShareApplication {
            reason: "不再需要".to_owned(),
        }),
        Step::Object => ShareCommand::RaiseObjection(RaiseObjection {
            reasons: "履职确需".to_owned(),
        }),
        Step::Conclude(up) => ShareCommand::ConcludeObjection(ConcludeObjection {
            outcome: if *up {
                ObjectionOutcome::Upheld
            } else {
                ObjectionOutcome::Dismissed
            },
            conclusion: "协调结论".to_owned(),
        }),
        Step::Mark(i) => ShareCommand::MarkOverdue(MarkOverdue {
            deadline: set
                .get(i % set.len().max(1))
                .cloned()
                .unwrap_or_else(|| DeadlineId::new(DeadlineRule::ShareRouteForward, 1)),
        }),
    }
}

/// The starting submission: unconditional (1), listed (2), a county request routed over two hops (3), or
/// conditional (any other).
fn submission(kind: usize, at: DateTime<Utc>) -> govshare_domain::CommandEnvelope<ShareCommand> {
    match kind {
        1 => submit_unconditional(at),
        2 => share(
            clerk(province_health()),
            at,
            submit_body(
                vec![listed_entry()],
                &["个案编号"],
                vec![province_authority()],
            ),
        ),
        3 => share(
            clerk(county_health()),
            at,
            submit_body(
                vec![population_entry()],
                &["公民身份号码"],
                vec![county_authority(), city_authority(), province_authority()],
            ),
        ),
        _ => submit_conditional(at),
    }
}

fn is_listed(e: &RequestedEntry) -> bool {
    e.negative_listing.is_some() || e.share_attribute == ShareAttribute::NotShared
}

fn check_record(events: &[ShareEvent], rules: &RuleSet) -> Result<(), TestCaseError> {
    let mut entries: Vec<RequestedEntry> = Vec::new();
    let mut owners = HashMap::new();
    for (i, e) in events.iter().enumerate() {
        match e {
            ShareEvent::ShareApplicationSubmitted(s) => entries = s.entries.clone(),
            ShareEvent::ShareProvided(p) => {
                for id in &p.entries {
                    let entry = entries.iter().find(|x| &x.entry_id == id);
                    prop_assert!(
                        entry.is_some_and(|x| !is_listed(x)),
                        "provided a not-shared entry {id}"
                    );
                }
            }
            ShareEvent::ProviderRefused(r) => {
                prop_assert!(
                    check_refusal_reasons(&r.reasons, &rules.options).is_ok(),
                    "accepted refusal {:?}",
                    r.reasons
                );
                prop_assert!(
                    !r.basis.instrument.trim().is_empty() && !r.basis.provision.trim().is_empty()
                );
            }
            ShareEvent::DeadlineSet(s) => {
                owners.insert(s.id.clone(), s.obligation.owed_by.clone());
            }
            ShareEvent::DeadlineMet(m) => {
                prop_assert_eq!(owners.get(&m.id), Some(&m.owed_by));
                if m.late {
                    prop_assert!(m.at > m.due_at);
                    let paired = events.iter().any(|x| matches!(x, ShareEvent::DeadlineMissed(d) if d.id == m.id && d.owed_by == m.owed_by));
                    prop_assert!(paired, "late step {} without a missed fact", m.id);
                } else {
                    prop_assert!(m.at <= m.due_at);
                }
            }
            ShareEvent::DeadlineMissed(d) => {
                prop_assert_eq!(owners.get(&d.id), Some(&d.owed_by));
                prop_assert!(d.marked_at > d.due_at);
            }
            _ => {}
        }
        // Every step an authority or the provider owed is followed by the fact that meets its deadline.
        let owed_step = matches!(
            e,
            ShareEvent::ForwardedToUpperAuthority(_)
                | ShareEvent::ForwardedToProvider(_)
                | ShareEvent::ProviderAgreed(_)
                | ShareEvent::ProviderRefused(_)
                | ShareEvent::ReturnedForSupplement(_)
                | ShareEvent::ObjectionConcluded(_)
                | ShareEvent::ShareProvided(_)
        );
        if owed_step {
            prop_assert!(
                matches!(events.get(i + 1), Some(ShareEvent::DeadlineMet(_))),
                "step {:?} without its deadline fact",
                e
            );
        }
    }
    let missed: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            ShareEvent::DeadlineMissed(d) => Some(d.id.clone()),
            _ => None,
        })
        .collect();
    let mut unique = missed.clone();
    unique.sort();
    unique.dedup();
    prop_assert_eq!(unique.len(), missed.len(), "a miss recorded twice");
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(160))]

    #[test]
    fn share_application_record_is_lawful(
        kind in 0usize..6,
        steps in prop::collection::vec((step(), 0i64..120), 0..24),
    ) {
        let svc: DomainServices = services();
        let mut at = bj(2026, 9, 21, 9, 0);
        let mut events = when::<ShareApplication>(svc.clone(), vec![], submission(kind, at)).expect("submission");
        let pool = actors();
        for (s, hours) in steps {
            at += Duration::hours(hours);
            let set: Vec<DeadlineId> = events.iter().filter_map(|e| match e { ShareEvent::DeadlineSet(d) => Some(d.id.clone()), _ => None }).collect();
            for actor in &pool {
                if let Ok(new) = when::<ShareApplication>(svc.clone(), events.clone(), cmd(actor.clone(), at, body(&s, &set))) {
                    events.extend(new);
                    break;
                }
            }
        }
        check_record(&events, &svc.rules)?;
    }
}

/// The property's generator reaches provision, refusal, objections and late steps (a guard against a vacuous
/// property): one fixed sequence through the conditional path with a late reply and an upheld objection.
#[test]
fn share_property_generator_reaches_the_interesting_paths() {
    let svc = services();
    let mut at = bj(2026, 9, 28, 9, 0);
    let mut events = when::<ShareApplication>(svc.clone(), vec![], submission(0, at)).unwrap();
    let pool = actors();
    for (s, hours) in [
        (Step::ToProvider, 2),
        (Step::Refuse(2), 300),
        (Step::Refuse(6), 1),
        (Step::Object, 1),
        (Step::Conclude(true), 24),
        (Step::Provide, 24),
    ] {
        at += Duration::hours(hours);
        for actor in &pool {
            if let Ok(new) = when::<ShareApplication>(
                svc.clone(),
                events.clone(),
                cmd(actor.clone(), at, body(&s, &[])),
            ) {
                events.extend(new);
                break;
            }
        }
    }
    assert!(
        events
            .iter()
            .any(|e| matches!(e, ShareEvent::ShareProvided(p) if p.after_objection))
    );
    assert!(
        events
            .iter()
            .any(|e| matches!(e, ShareEvent::DeadlineMissed(_)))
    );
    check_record(&events, &svc.rules).unwrap();
}
