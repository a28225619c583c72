//! 第十九条: share applications — unconditional and conditional paths, the provider's reply, refusal reasons,
//! the negative list (第十五条), return for supplement, withdrawal; 第四十一条: lateness attributed to whoever
//! owed the step; MarkOverdue.

mod common;
mod share_fixtures;

use common::*;
use cqrs_es::test::TestFramework;
use govshare_domain::rules::RuleSetRef;
use govshare_domain::share_application::{
    ForwardToProvider, ListedEntryCited, MarkOverdue, ResubmitShareApplication,
    ReturnForSupplement, ShareApplication, ShareApplicationNotAccepted, ShareApplicationSubmitted,
    ShareCommand, ShareEvent, SharePath, ShareProvided, ShareStatus, WithdrawShareApplication,
};
use govshare_domain::{
    DeadlineId, DeadlineMet, DeadlineMissed, DeadlineRule, DeadlineSet, DomainError, Obligation,
    Rule, RuleSet,
};
use share_fixtures::*;

fn hebei() -> RuleSetRef {
    RuleSetRef {
        id: "hebei-2022".to_owned(),
        version: 1,
    }
}

fn id(rule: DeadlineRule, n: u32) -> DeadlineId {
    DeadlineId::new(rule, n)
}

fn set(
    rule: DeadlineRule,
    owed_by: &str,
    from: chrono::DateTime<chrono::Utc>,
    days: u32,
    due: (i32, u32, u32),
) -> ShareEvent {
    let from_date = beijing_date(from);
    ShareEvent::DeadlineSet(DeadlineSet {
        id: id(rule, 1),
        obligation: Obligation {
            what: rule,
            owed_by: code(owed_by),
        },
        from,
        from_date,
        working_days: days,
        due_date: date(due.0, due.1, due.2),
        due_at: end_of(due.0, due.1, due.2),
        rule_set: hebei(),
        provisional: false,
    })
}

fn met(
    rule: DeadlineRule,
    owed_by: &str,
    at: chrono::DateTime<chrono::Utc>,
    due: (i32, u32, u32),
    late: bool,
) -> ShareEvent {
    ShareEvent::DeadlineMet(DeadlineMet {
        id: id(rule, 1),
        owed_by: code(owed_by),
        at,
        due_at: end_of(due.0, due.1, due.2),
        late,
    })
}

fn denied_by<T: std::fmt::Debug>(result: Result<T, DomainError>, rule: Rule) {
    match result {
        Err(DomainError::Forbidden(f)) => assert_eq!(f.rule, rule, "{}", f.reason),
        other => panic!("expected {rule} to deny, got {other:?}"),
    }
}

fn run(
    given: Vec<ShareEvent>,
    command: govshare_domain::CommandEnvelope<ShareCommand>,
) -> Result<Vec<ShareEvent>, DomainError> {
    when::<ShareApplication>(services(), given, command)
}

/// 第十九条: unconditional data — the authority provides within 3 working days of receipt. Received Monday
/// 2026-03-09: due Thursday 2026-03-12; the facts of the entry at submission are recorded.
#[test]
fn art19_unconditional_request_sets_three_day_provision_deadline() {
    let at = bj(2026, 3, 9, 9, 0);
    TestFramework::<ShareApplication>::with(services())
        .given_no_previous_events()
        .when(submit_unconditional(at))
        .then_expect_events(vec![
            ShareEvent::ShareApplicationSubmitted(ShareApplicationSubmitted {
                application_id: APP.to_owned(),
                requester: province_health(),
                entries: vec![social_security_entry()],
                scenario: scenario(&["公民身份号码", "参保状态"]),
                scenario_missing: vec![],
                materials: vec!["共享需求说明.pdf".to_owned()],
                route: vec![province_authority()],
                path: SharePath::Unconditional,
                rule_set: hebei(),
                by: clerk(province_health()),
                at,
            }),
            set(
                DeadlineRule::ShareUnconditionalProvide,
                "130000-data-authority",
                at,
                3,
                (2026, 3, 12),
            ),
        ]);
}

/// 第十九条: provision on the third working day is on time and names the grant bound to the scenario.
#[test]
fn art19_unconditional_provided_on_time() {
    let given = share_history(services, vec![submit_unconditional(bj(2026, 3, 9, 9, 0))]);
    let at = bj(2026, 3, 12, 17, 0);
    TestFramework::<ShareApplication>::with(services())
        .given(given)
        .when(provide(at))
        .then_expect_events(vec![
            ShareEvent::ShareProvided(ShareProvided {
                application_id: APP.to_owned(),
                grant_id: GRANT.to_owned(),
                requester: code("130000-health"),
                entries: vec![social_security_entry().entry_id],
                scenario: scenario(&["公民身份号码", "参保状态"]),
                conditions: None,
                after_objection: false,
                by: reviewer(province_authority()),
                at,
            }),
            met(
                DeadlineRule::ShareUnconditionalProvide,
                "130000-data-authority",
                at,
                (2026, 3, 12),
                false,
            ),
        ]);
}

/// 第十九条, 第四十一条: a late provision is accepted, recorded late, and the miss is the authority's.
#[test]
fn art19_art41_late_unconditional_provision_is_the_authoritys_miss() {
    let given = share_history(services, vec![submit_unconditional(bj(2026, 3, 9, 9, 0))]);
    let at = bj(2026, 3, 13, 0, 0);
    let events = run(given, provide(at)).unwrap();
    assert_eq!(
        events[1],
        met(
            DeadlineRule::ShareUnconditionalProvide,
            "130000-data-authority",
            at,
            (2026, 3, 12),
            true
        )
    );
    assert_eq!(
        events[2],
        ShareEvent::DeadlineMissed(DeadlineMissed {
            id: id(DeadlineRule::ShareUnconditionalProvide, 1),
            owed_by: code("130000-data-authority"),
            due_at: end_of(2026, 3, 12),
            marked_at: at,
        })
    );
}

/// 第十九条: conditional data — review within 3 (Monday 03-09 → 03-12), forwarding opens the provider's 5
/// (Tuesday 03-10 → 03-17), agreement opens the authority's 3 (Monday 03-16 → 03-19), provision meets it.
#[test]
fn art19_conditional_review_reply_and_provision_each_on_time() {
    let submitted = bj(2026, 3, 9, 9, 0);
    let given = share_history(services, vec![submit_conditional(submitted)]);
    assert_eq!(
        given[1],
        set(
            DeadlineRule::ShareConditionalReview,
            "130000-data-authority",
            submitted,
            3,
            (2026, 3, 12)
        )
    );

    let forwarded = bj(2026, 3, 10, 10, 0);
    let events = run(given.clone(), forward_to_provider(forwarded)).unwrap();
    assert_eq!(
        events[1],
        met(
            DeadlineRule::ShareConditionalReview,
            "130000-data-authority",
            forwarded,
            (2026, 3, 12),
            false
        )
    );
    assert_eq!(
        events[2],
        set(
            DeadlineRule::ShareProviderReply,
            "130000-public-security",
            forwarded,
            5,
            (2026, 3, 17)
        )
    );

    let mut given = given;
    given.extend(events);
    let agreed = bj(2026, 3, 16, 11, 0);
    let events = run(given.clone(), agree(agreed)).unwrap();
    assert_eq!(
        events[1],
        met(
            DeadlineRule::ShareProviderReply,
            "130000-public-security",
            agreed,
            (2026, 3, 17),
            false
        )
    );
    assert_eq!(
        events[2],
        set(
            DeadlineRule::ShareProvideAfterReply,
            "130000-data-authority",
            agreed,
            3,
            (2026, 3, 19)
        )
    );

    given.extend(events);
    let provided = bj(2026, 3, 18, 9, 0);
    let events = run(given, provide(provided)).unwrap();
    match &events[0] {
        ShareEvent::ShareProvided(p) => {
            assert_eq!(p.conditions.as_deref(), Some("仅限核验, 不得留存"))
        }
        other => panic!("expected provision, got {other:?}"),
    }
    assert_eq!(
        events[1],
        met(
            DeadlineRule::ShareProvideAfterReply,
            "130000-data-authority",
            provided,
            (2026, 3, 19),
            false
        )
    );
}

/// 第十九条, 第四十一条: forwarded Tuesday 2026-09-29, the provider's 5 working days cross the National Day
/// holiday (1–7 October off) and count Saturday 10 October, the make-up working day: due Monday 2026-10-12.
/// A reply on Tuesday 10-13 is recorded late and the miss is the provider's.
#[test]
fn art19_art41_late_provider_reply_across_national_day_with_makeup_day() {
    let forwarded = bj(2026, 9, 29, 10, 0);
    let given = share_history(
        services,
        vec![
            submit_conditional(bj(2026, 9, 28, 9, 0)),
            forward_to_provider(forwarded),
        ],
    );
    assert!(given.contains(&set(
        DeadlineRule::ShareProviderReply,
        "130000-public-security",
        forwarded,
        5,
        (2026, 10, 12)
    )));
    let replied = bj(2026, 10, 13, 9, 0);
    let events = run(given, refuse(replied, REAL_REASONS)).unwrap();
    assert_eq!(
        events[1],
        met(
            DeadlineRule::ShareProviderReply,
            "130000-public-security",
            replied,
            (2026, 10, 12),
            true
        )
    );
    assert_eq!(
        events[2],
        ShareEvent::DeadlineMissed(DeadlineMissed {
            id: id(DeadlineRule::ShareProviderReply, 1),
            owed_by: code("130000-public-security"),
            due_at: end_of(2026, 10, 12),
            marked_at: replied,
        })
    );
}

/// 第十九条 under `national-2016`: the provider replies within 10 working days (Tuesday 03-10 → 03-24).
#[test]
fn art19_national_2016_provider_reply_is_ten_working_days() {
    let forwarded = bj(2026, 3, 10, 10, 0);
    let given = share_history(
        national,
        vec![
            submit_conditional(bj(2026, 3, 9, 9, 0)),
            forward_to_provider(forwarded),
        ],
    );
    let reply = given
        .iter()
        .find_map(|e| match e {
            ShareEvent::DeadlineSet(s) if s.obligation.what == DeadlineRule::ShareProviderReply => {
                Some(s.clone())
            }
            _ => None,
        })
        .unwrap();
    assert_eq!(reply.working_days, 10);
    assert_eq!(reply.due_date, date(2026, 3, 24));
    assert_eq!(
        reply.rule_set,
        RuleSetRef {
            id: "national-2016".to_owned(),
            version: 1
        }
    );
}

fn awaiting_reply() -> Vec<ShareEvent> {
    share_history(
        services,
        vec![
            submit_conditional(bj(2026, 3, 9, 9, 0)),
            forward_to_provider(bj(2026, 3, 10, 10, 0)),
        ],
    )
}

/// 第十九条: a refusal states real reasons — blank, stock phrases and near-empty text are refused; a refusal
/// also names the law, regulation or national policy relied on.
#[test]
fn art19_refusal_without_real_reasons_is_refused() {
    for reasons in [
        "",
        "   ",
        "不同意",
        "不予共享。",
        "无",
        "其他",
        "No",
        "refused.",
        "数据敏感",
    ] {
        let err = run(awaiting_reply(), refuse(bj(2026, 3, 11, 9, 0), reasons)).unwrap_err();
        assert!(
            matches!(
                err,
                DomainError::Validation {
                    field: "reasons",
                    ..
                }
            ),
            "{reasons:?}: {err:?}"
        );
    }
    let mut no_basis = refuse(bj(2026, 3, 11, 9, 0), REAL_REASONS);
    if let ShareCommand::RefuseToShare(c) = &mut no_basis.body {
        c.basis.provision = " ".to_owned();
    }
    let err = run(awaiting_reply(), no_basis).unwrap_err();
    assert!(matches!(
        err,
        DomainError::Validation { field: "basis", .. }
    ));
    let events = run(
        awaiting_reply(),
        refuse(bj(2026, 3, 11, 9, 0), REAL_REASONS),
    )
    .unwrap();
    assert!(matches!(&events[0], ShareEvent::ProviderRefused(r) if r.reasons == REAL_REASONS));
}

/// 第十九条: the minimum length and the stock phrases are the rule set's, so a jurisdiction can change them.
#[test]
fn art19_refusal_rules_come_from_the_rule_set() {
    let mut rules = RuleSet::hebei_2022();
    rules.options.refusal_reason_min_chars = 2;
    rules.options.refusal_stock_phrases = vec!["按规定".to_owned()];
    let lenient = move || services_with(rules.clone());
    let given = share_history(
        services,
        vec![
            submit_conditional(bj(2026, 3, 9, 9, 0)),
            forward_to_provider(bj(2026, 3, 10, 10, 0)),
        ],
    );
    assert!(
        when::<ShareApplication>(
            lenient(),
            given.clone(),
            refuse(bj(2026, 3, 11, 9, 0), "数据敏感")
        )
        .is_ok()
    );
    assert!(
        when::<ShareApplication>(lenient(), given, refuse(bj(2026, 3, 11, 9, 0), "按规定"))
            .is_err()
    );
}

/// 第十五、十九条: an application naming an entry on the negative list is not accepted, citing the listing,
/// and no deadline runs.
#[test]
fn art15_art19_negative_listed_entry_is_not_accepted_citing_the_listing() {
    let at = bj(2026, 3, 9, 9, 0);
    let events = run(
        vec![],
        share(
            clerk(province_health()),
            at,
            submit_body(
                vec![listed_entry()],
                &["个案编号"],
                vec![province_authority()],
            ),
        ),
    )
    .unwrap();
    assert_eq!(events.len(), 2);
    assert!(
        matches!(&events[0], ShareEvent::ShareApplicationSubmitted(s) if s.path == SharePath::NotAccepted)
    );
    assert_eq!(
        events[1],
        ShareEvent::ShareApplicationNotAccepted(ShareApplicationNotAccepted {
            listed: vec![ListedEntryCited {
                entry_id: "catalog-130100-civil-affairs-0007".to_owned(),
                listing: "negative-list-130100-0003".to_owned(),
            }],
            at,
        })
    );
    let mut given = vec![];
    given.extend(events);
    let err = run(given, provide(bj(2026, 3, 9, 10, 0))).unwrap_err();
    assert!(matches!(err, DomainError::InvalidState { .. }));
}

/// 第十五条: 不予共享 facts without a listing are inconsistent and refused.
#[test]
fn art15_not_shared_without_listing_is_refused() {
    let mut entry = listed_entry();
    entry.negative_listing = None;
    let err = run(
        vec![],
        share(
            clerk(province_health()),
            bj(2026, 3, 9, 9, 0),
            submit_body(vec![entry], &["个案编号"], vec![province_authority()]),
        ),
    )
    .unwrap_err();
    assert!(matches!(
        err,
        DomainError::Validation {
            field: "entries",
            ..
        }
    ));
}

/// 第十九条 Decision: unconditional and conditional entries follow different paths; a mixed application is refused.
#[test]
fn art19_mixed_share_attributes_are_refused() {
    let err = run(
        vec![],
        share(
            clerk(province_health()),
            bj(2026, 3, 9, 9, 0),
            submit_body(
                vec![population_entry(), social_security_entry()],
                &["公民身份号码"],
                vec![province_authority()],
            ),
        ),
    )
    .unwrap_err();
    assert!(matches!(
        err,
        DomainError::Validation {
            field: "entries",
            ..
        }
    ));
}

/// 第十九条: the scenario's data items lie within the requested entries.
#[test]
fn art19_scenario_items_outside_the_entries_are_refused() {
    let err = run(
        vec![],
        share(
            clerk(province_health()),
            bj(2026, 3, 9, 9, 0),
            submit_body(
                vec![population_entry()],
                &["婚姻状况"],
                vec![province_authority()],
            ),
        ),
    )
    .unwrap_err();
    assert!(matches!(
        err,
        DomainError::Validation {
            field: "scenario.data_items",
            ..
        }
    ));
}

fn without_legal_basis(
    at: chrono::DateTime<chrono::Utc>,
) -> govshare_domain::CommandEnvelope<ShareCommand> {
    let mut c = submit_conditional(at);
    if let ShareCommand::SubmitShareApplication(s) = &mut c.body {
        s.scenario.legal_basis = String::new();
    }
    c
}

fn return_for_supplement(
    at: chrono::DateTime<chrono::Utc>,
) -> govshare_domain::CommandEnvelope<ShareCommand> {
    share(
        reviewer(province_authority()),
        at,
        ShareCommand::ReturnForSupplement(ReturnForSupplement {
            missing: vec!["legal_basis".to_owned()],
        }),
    )
}

fn resubmit(at: chrono::DateTime<chrono::Utc>) -> govshare_domain::CommandEnvelope<ShareCommand> {
    share(
        clerk(province_health()),
        at,
        ShareCommand::ResubmitShareApplication(ResubmitShareApplication {
            scenario: scenario(&["公民身份号码", "姓名"]),
            materials: vec!["共享需求说明.pdf".to_owned(), "履职依据.pdf".to_owned()],
        }),
    )
}

/// 第十九条: an application whose scenario lacks its legal basis is recorded with what is missing and cannot be
/// forwarded to the provider until supplemented.
#[test]
fn art19_incomplete_scenario_cannot_be_forwarded() {
    let given = share_history(services, vec![without_legal_basis(bj(2026, 3, 9, 9, 0))]);
    assert!(
        matches!(&given[0], ShareEvent::ShareApplicationSubmitted(s) if s.scenario_missing == vec!["legal_basis".to_owned()])
    );
    let err = run(given, forward_to_provider(bj(2026, 3, 10, 9, 0))).unwrap_err();
    assert!(matches!(err, DomainError::InvalidState { .. }));
}

/// 第十九条 Decision: 退回补正 meets the authority's review step; resubmission restarts its 3 working days from
/// the resubmission (Monday 03-16 → Thursday 03-19).
#[test]
fn art19_return_for_supplement_restarts_the_clock_on_resubmission() {
    let given = share_history(
        services,
        vec![
            without_legal_basis(bj(2026, 3, 9, 9, 0)),
            return_for_supplement(bj(2026, 3, 10, 9, 0)),
        ],
    );
    assert!(given.contains(&met(
        DeadlineRule::ShareConditionalReview,
        "130000-data-authority",
        bj(2026, 3, 10, 9, 0),
        (2026, 3, 12),
        false
    )));
    let at = bj(2026, 3, 16, 9, 0);
    let events = run(given, resubmit(at)).unwrap();
    assert!(
        matches!(&events[0], ShareEvent::ShareApplicationResubmitted(r) if r.clock_restarted && r.scenario_missing.is_empty())
    );
    assert_eq!(
        events[1],
        ShareEvent::DeadlineSet(DeadlineSet {
            id: id(DeadlineRule::ShareConditionalReview, 2),
            obligation: Obligation {
                what: DeadlineRule::ShareConditionalReview,
                owed_by: code("130000-data-authority")
            },
            from: at,
            from_date: date(2026, 3, 16),
            working_days: 3,
            due_date: date(2026, 3, 19),
            due_at: end_of(2026, 3, 19),
            rule_set: hebei(),
            provisional: false,
        })
    );
}

/// 第十九条 Decision as an option: with `supplement_restarts_authority_clock` off, the new deadline counts from
/// the original receipt (03-09 → 03-12).
#[test]
fn art19_supplement_clock_option_off_counts_from_original_receipt() {
    let mut rules = RuleSet::hebei_2022();
    rules.options.supplement_restarts_authority_clock = false;
    let svc = move || services_with(rules.clone());
    let given = share_history(
        services,
        vec![
            without_legal_basis(bj(2026, 3, 9, 9, 0)),
            return_for_supplement(bj(2026, 3, 10, 9, 0)),
        ],
    );
    let events = when::<ShareApplication>(svc(), given, resubmit(bj(2026, 3, 16, 9, 0))).unwrap();
    match &events[1] {
        ShareEvent::DeadlineSet(s) => {
            assert_eq!(s.from, bj(2026, 3, 9, 9, 0));
            assert_eq!(s.due_date, date(2026, 3, 12));
        }
        other => panic!("expected a deadline, got {other:?}"),
    }
}

/// 第十九条: a return names what is missing; only the requester resubmits.
#[test]
fn art19_return_names_what_is_missing_and_only_requester_resubmits() {
    let given = share_history(services, vec![submit_conditional(bj(2026, 3, 9, 9, 0))]);
    let mut blank = return_for_supplement(bj(2026, 3, 10, 9, 0));
    if let ShareCommand::ReturnForSupplement(r) = &mut blank.body {
        r.missing = vec![" ".to_owned()];
    }
    assert!(matches!(
        run(given.clone(), blank).unwrap_err(),
        DomainError::Validation {
            field: "missing",
            ..
        }
    ));
    let mut given = given;
    given.extend(run(given.clone(), return_for_supplement(bj(2026, 3, 10, 9, 0))).unwrap());
    let mut other = resubmit(bj(2026, 3, 11, 9, 0));
    other.actor = clerk(province_market());
    denied_by(run(given, other), Rule::OwnDepartment);
}

/// The requester may withdraw; a step not yet due at withdrawal is no longer owed, so MarkOverdue records
/// nothing; nothing more can happen.
#[test]
fn art19_withdrawn_application_owes_nothing_further() {
    let mut given = share_history(services, vec![submit_conditional(bj(2026, 3, 9, 9, 0))]);
    let events = run(
        given.clone(),
        share(
            clerk(province_health()),
            bj(2026, 3, 10, 9, 0),
            ShareCommand::WithdrawShareApplication(WithdrawShareApplication {
                reason: "业务调整".to_owned(),
            }),
        ),
    )
    .unwrap();
    given.extend(events);
    let mark = share(
        scheduler(),
        bj(2026, 3, 13, 0, 5),
        ShareCommand::MarkOverdue(MarkOverdue {
            deadline: id(DeadlineRule::ShareConditionalReview, 1),
        }),
    );
    assert_eq!(run(given.clone(), mark).unwrap(), vec![]);
    assert!(matches!(
        run(given, forward_to_provider(bj(2026, 3, 10, 10, 0))).unwrap_err(),
        DomainError::InvalidState { .. }
    ));
}

/// Texts that show nothing: white space of any kind and invisible format characters.
const BLANKS: [&str; 9] = [
    "",
    "   ",
    "\u{3000}\u{3000}",
    "\u{200B}",
    "\u{200C}\u{200D}",
    "\u{2060}",
    "\u{FEFF}",
    " \u{200B}\u{3000}\u{FEFF}\n",
    "\u{00A0}\u{2028}",
];

/// 第十九条: the serving authority's review opinion is part of the record; a blank one (white space or
/// invisible characters only) is refused when forwarding to the provider.
#[test]
fn art19_forward_with_blank_review_opinion_is_refused() {
    let given = share_history(services, vec![submit_conditional(bj(2026, 3, 9, 9, 0))]);
    for blank in BLANKS {
        let forward = share(
            reviewer(province_authority()),
            bj(2026, 3, 10, 9, 0),
            ShareCommand::ForwardToProvider(ForwardToProvider {
                review_opinion: blank.to_owned(),
            }),
        );
        assert!(
            matches!(
                run(given.clone(), forward).unwrap_err(),
                DomainError::Validation {
                    field: "review_opinion",
                    ..
                }
            ),
            "{blank:?}"
        );
    }
    assert!(run(given, forward_to_provider(bj(2026, 3, 10, 9, 0))).is_ok());
}

/// 第十九条: a withdrawal states its reason; a blank one (white space or invisible characters only) is
/// refused.
#[test]
fn art19_withdrawal_with_blank_reason_is_refused() {
    let given = share_history(services, vec![submit_conditional(bj(2026, 3, 9, 9, 0))]);
    for blank in BLANKS {
        let withdraw = share(
            clerk(province_health()),
            bj(2026, 3, 10, 9, 0),
            ShareCommand::WithdrawShareApplication(WithdrawShareApplication {
                reason: blank.to_owned(),
            }),
        );
        assert!(
            matches!(
                run(given.clone(), withdraw).unwrap_err(),
                DomainError::Validation {
                    field: "reason",
                    ..
                }
            ),
            "{blank:?}"
        );
    }
}

/// 第十九条: a refusal whose reasons hide behind invisible characters has no reasons, and the invisible
/// characters do not count towards the rule set's minimum length.
#[test]
fn art19_invisible_characters_are_not_refusal_reasons() {
    for reasons in [
        "\u{200B}\u{200B}\u{200B}\u{200B}\u{200B}\u{200B}\u{200B}\u{200B}\u{200B}\u{200B}\u{200B}",
        "不同意\u{200B}",
        "\u{FEFF}不予共享。",
        "太敏感\u{200B}\u{200B}\u{200B}\u{200B}\u{200B}\u{200B}\u{200B}",
    ] {
        assert!(
            matches!(
                run(awaiting_reply(), refuse(bj(2026, 9, 25, 9, 0), reasons)).unwrap_err(),
                DomainError::Validation {
                    field: "reasons",
                    ..
                }
            ),
            "{reasons:?}"
        );
    }
}

/// 第四十一条: MarkOverdue is refused up to the due instant, records the miss after it, and is idempotent; the
/// late act then records no second miss.
#[test]
fn art41_mark_overdue_on_share_application() {
    let given = awaiting_reply();
    let deadline = id(DeadlineRule::ShareProviderReply, 1);
    let mark = |at| {
        share(
            scheduler(),
            at,
            ShareCommand::MarkOverdue(MarkOverdue {
                deadline: deadline.clone(),
            }),
        )
    };
    assert!(matches!(
        run(given.clone(), mark(end_of(2026, 3, 17))).unwrap_err(),
        DomainError::NotYetDue { .. }
    ));
    let missed = run(given.clone(), mark(bj(2026, 3, 18, 0, 1))).unwrap();
    assert_eq!(
        missed,
        vec![ShareEvent::DeadlineMissed(DeadlineMissed {
            id: deadline.clone(),
            owed_by: code("130000-public-security"),
            due_at: end_of(2026, 3, 17),
            marked_at: bj(2026, 3, 18, 0, 1),
        })]
    );
    let mut given = given;
    given.extend(missed);
    assert_eq!(
        run(given.clone(), mark(bj(2026, 3, 19, 0, 1))).unwrap(),
        vec![]
    );
    let late = run(given, agree(bj(2026, 3, 19, 9, 0))).unwrap();
    assert!(
        late.iter()
            .all(|e| !matches!(e, ShareEvent::DeadlineMissed(_)))
    );
    assert!(matches!(&late[1], ShareEvent::DeadlineMet(m) if m.late));
}

/// Authorization (docs/authorization.md, sharing section): who may perform each step of 第十九条.
#[test]
fn art19_authorization_denied_paths() {
    let given = awaiting_reply();
    // AUTH-01: the scheduler may not reply.
    let mut c = agree(bj(2026, 3, 11, 9, 0));
    c.actor = scheduler();
    denied_by(run(given.clone(), c), Rule::SchedulerOnlyMarksOverdue);
    // AUTH-02: an interested party may not record a miss.
    let mark = share(
        leader(province_health()),
        bj(2026, 3, 20, 9, 0),
        ShareCommand::MarkOverdue(MarkOverdue {
            deadline: id(DeadlineRule::ShareProviderReply, 1),
        }),
    );
    denied_by(run(given.clone(), mark), Rule::OverdueByScheduler);
    // AUTH-03: only the provider replies; a third party never does.
    for actor in [
        leader(province_market()),
        leader(contractor_of_public_security()),
    ] {
        let mut c = refuse(bj(2026, 3, 11, 9, 0), REAL_REASONS);
        c.actor = actor;
        denied_by(run(given.clone(), c), Rule::OwnDepartment);
    }
    // AUTH-05: only the serving authority provides; AUTH-06: not its clerk.
    let agreed = {
        let mut g = given.clone();
        g.extend(run(given.clone(), agree(bj(2026, 3, 11, 9, 0))).unwrap());
        g
    };
    let mut c = provide(bj(2026, 3, 12, 9, 0));
    c.actor = reviewer(city_authority());
    denied_by(run(agreed.clone(), c), Rule::SameLevelAuthority);
    let mut c = provide(bj(2026, 3, 12, 9, 0));
    c.actor = clerk(province_authority());
    denied_by(run(agreed, c), Rule::AuthorityDecisionRole);
    // AUTH-03: only the requester withdraws.
    let w = share(
        clerk(province_market()),
        bj(2026, 3, 12, 9, 0),
        ShareCommand::WithdrawShareApplication(WithdrawShareApplication {
            reason: "x".to_owned(),
        }),
    );
    denied_by(run(given, w), Rule::OwnDepartment);
    // AUTH-03: a contractor does not apply.
    let mut s = submit_unconditional(bj(2026, 3, 9, 9, 0));
    s.actor = clerk(contractor_of_health());
    denied_by(run(vec![], s), Rule::OwnDepartment);
}

/// The status reached by each path, as the aggregate reports it.
#[test]
fn art19_status_follows_the_path() {
    let mut app = ShareApplication::default();
    for e in awaiting_reply() {
        cqrs_es::Aggregate::apply(&mut app, e);
    }
    assert_eq!(app.status(), ShareStatus::AwaitingProviderReply);
    assert_eq!(
        app.open_deadline(),
        Some(&id(DeadlineRule::ShareProviderReply, 1))
    );
}
