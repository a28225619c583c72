//! 第二十条 校核: filed with the own authority → forwarded within 3 working days → answered by the provider
//! within 10 (explanation or correction) → one extension of at most 10 with the authority's approval, asked
//! before the deadline → accepted, or disputed back to the authority (Decision: concluded within 10).

mod common;
mod share_fixtures;

use common::*;
use cqrs_es::test::TestFramework;
use govshare_domain::rules::RuleSetRef;
use govshare_domain::verification::{
    AcceptVerificationResult, AnswerVerification, ApproveVerificationExtension,
    ConcludeVerificationDispute, DisputeVerificationResult, FileVerificationRequest,
    ForwardVerificationRequest, MarkOverdue, RefuseVerificationExtension,
    RequestVerificationExtension, Verification, VerificationCommand, VerificationEvent,
    VerificationOutcome, VerificationRequested, VerificationStatus, VerificationSubject,
};
use govshare_domain::{
    DeadlineExtended, DeadlineId, DeadlineMissed, DeadlineRule, DeadlineSet, DomainError,
    Obligation, Rule,
};
use share_fixtures::*;

fn file() -> FileVerificationRequest {
    FileVerificationRequest {
        subject: VerificationSubject::Grant {
            grant_id: GRANT.to_owned(),
            entry_id: population_entry().entry_id,
        },
        provider: province_public_security(),
        authority: province_authority(),
        data_items: vec!["姓名".to_owned()],
        defect: "12条记录姓名与户籍登记不一致".to_owned(),
    }
}

fn v(
    actor: govshare_domain::Actor,
    at: chrono::DateTime<chrono::Utc>,
    body: VerificationCommand,
) -> govshare_domain::CommandEnvelope<VerificationCommand> {
    cmd(actor, at, body)
}

fn filed() -> Vec<VerificationEvent> {
    history::<Verification>(
        services,
        vec![v(
            clerk(province_health()),
            bj(2026, 4, 6, 9, 0),
            VerificationCommand::FileVerificationRequest(file()),
        )],
    )
}

/// Filed Monday 2026-04-06 (the last day of the Qingming days off: counting starts with the next working
/// day); forwarded Tuesday 2026-04-07: the answer is due 10 working days later, 2026-04-21.
fn forwarded() -> Vec<VerificationEvent> {
    let mut given = filed();
    given.extend(
        run(
            given.clone(),
            v(
                reviewer(province_authority()),
                bj(2026, 4, 7, 9, 0),
                VerificationCommand::ForwardVerificationRequest(ForwardVerificationRequest {}),
            ),
        )
        .unwrap(),
    );
    given
}

fn run(
    given: Vec<VerificationEvent>,
    c: govshare_domain::CommandEnvelope<VerificationCommand>,
) -> Result<Vec<VerificationEvent>, DomainError> {
    when::<Verification>(services(), given, c)
}

fn set_of(events: &[VerificationEvent]) -> DeadlineSet {
    events
        .iter()
        .find_map(|e| match e {
            VerificationEvent::DeadlineSet(s) => Some(s.clone()),
            _ => None,
        })
        .expect("a deadline was set")
}

fn extension(
    days: u32,
    at: chrono::DateTime<chrono::Utc>,
) -> govshare_domain::CommandEnvelope<VerificationCommand> {
    v(
        leader(province_public_security()),
        at,
        VerificationCommand::RequestVerificationExtension(RequestVerificationExtension {
            working_days: days,
            reason: "需逐条比对户籍底册, 涉及多个县级公安机关".to_owned(),
        }),
    )
}

fn answer(
    at: chrono::DateTime<chrono::Utc>,
) -> govshare_domain::CommandEnvelope<VerificationCommand> {
    v(
        clerk(province_public_security()),
        at,
        VerificationCommand::AnswerVerification(AnswerVerification {
            outcome: VerificationOutcome::Corrected {
                corrections: vec!["更正12条记录的姓名(生僻字编码)".to_owned()],
                explanation: "生僻字转码错误".to_owned(),
            },
        }),
    )
}

/// 第二十条: filing opens the own authority's 3 working days to forward. Filed on Monday 2026-04-06, a day off
/// (清明节): the day is not counted and counting starts with the next working day, due Thursday 04-09.
#[test]
fn art20_filing_opens_three_day_forwarding_deadline() {
    let at = bj(2026, 4, 6, 9, 0);
    TestFramework::<Verification>::with(services())
        .given_no_previous_events()
        .when(v(
            clerk(province_health()),
            at,
            VerificationCommand::FileVerificationRequest(file()),
        ))
        .then_expect_events(vec![
            VerificationEvent::VerificationRequested(VerificationRequested {
                requester: province_health(),
                subject: file().subject,
                provider: province_public_security(),
                authority: province_authority(),
                data_items: vec!["姓名".to_owned()],
                defect: "12条记录姓名与户籍登记不一致".to_owned(),
                by: clerk(province_health()),
                at,
            }),
            VerificationEvent::DeadlineSet(DeadlineSet {
                id: DeadlineId::new(DeadlineRule::VerificationForward, 1),
                obligation: Obligation {
                    what: DeadlineRule::VerificationForward,
                    owed_by: code("130000-data-authority"),
                },
                from: at,
                from_date: date(2026, 4, 6),
                working_days: 3,
                due_date: date(2026, 4, 9),
                due_at: end_of(2026, 4, 9),
                rule_set: RuleSetRef {
                    id: "hebei-2022".to_owned(),
                    version: 1,
                },
                provisional: false,
            }),
        ]);
}

/// 第二十条: forwarding opens the provider's 10 working days (Tuesday 04-07 → Tuesday 04-21); an answer in time
/// meets it; the requester accepts.
#[test]
fn art20_provider_answers_within_ten_working_days_and_requester_accepts() {
    let given = forwarded();
    let answer_deadline = set_of(&given[2..]);
    assert_eq!(
        answer_deadline.obligation,
        Obligation {
            what: DeadlineRule::VerificationAnswer,
            owed_by: code("130000-public-security")
        }
    );
    assert_eq!(answer_deadline.due_date, date(2026, 4, 21));
    let mut given = given;
    let events = run(given.clone(), answer(bj(2026, 4, 20, 9, 0))).unwrap();
    assert!(matches!(&events[1], VerificationEvent::DeadlineMet(m) if !m.late));
    given.extend(events);
    let events = run(
        given.clone(),
        v(
            clerk(province_health()),
            bj(2026, 4, 21, 9, 0),
            VerificationCommand::AcceptVerificationResult(AcceptVerificationResult {}),
        ),
    )
    .unwrap();
    given.extend(events);
    let mut agg = Verification::default();
    for e in given {
        cqrs_es::Aggregate::apply(&mut agg, e);
    }
    assert_eq!(agg.status(), VerificationStatus::Accepted);
}

/// 第二十条: an extension of at most 10 working days, asked before the deadline, approved by the authority,
/// counted from the original due day: 04-21 + 5 → 2026-04-28.
#[test]
fn art20_extension_of_at_most_ten_with_authority_approval() {
    let mut given = forwarded();
    given.extend(run(given.clone(), extension(5, bj(2026, 4, 15, 9, 0))).unwrap());
    let events = run(
        given,
        v(
            leader(province_authority()),
            bj(2026, 4, 16, 9, 0),
            VerificationCommand::ApproveVerificationExtension(ApproveVerificationExtension {}),
        ),
    )
    .unwrap();
    assert_eq!(
        events,
        vec![VerificationEvent::DeadlineExtended(DeadlineExtended {
            id: DeadlineId::new(DeadlineRule::VerificationAnswer, 1),
            by_working_days: 5,
            working_days: 15,
            new_due_date: date(2026, 4, 28),
            new_due_at: end_of(2026, 4, 28),
            approved_by: leader(province_authority()),
            rule_set: RuleSetRef {
                id: "hebei-2022".to_owned(),
                version: 1
            },
            provisional: false,
        })]
    );
}

/// 第二十条: an extension beyond 10 working days is refused.
#[test]
fn art20_extension_beyond_ten_is_refused() {
    let err = run(forwarded(), extension(11, bj(2026, 4, 15, 9, 0))).unwrap_err();
    assert!(
        matches!(
            err,
            DomainError::Validation {
                field: "working_days",
                ..
            }
        ),
        "{err:?}"
    );
    assert!(run(forwarded(), extension(10, bj(2026, 4, 15, 9, 0))).is_ok());
    assert!(run(forwarded(), extension(0, bj(2026, 4, 15, 9, 0))).is_err());
}

/// 第二十条: an extension is asked before the deadline, and only once.
#[test]
fn art20_extension_after_deadline_or_twice_is_refused() {
    let err = run(forwarded(), extension(5, bj(2026, 4, 22, 9, 0))).unwrap_err();
    assert!(matches!(err, DomainError::ExtensionTooLate { .. }));
    let mut given = forwarded();
    given.extend(run(given.clone(), extension(3, bj(2026, 4, 15, 9, 0))).unwrap());
    assert!(matches!(
        run(given.clone(), extension(3, bj(2026, 4, 15, 10, 0))).unwrap_err(),
        DomainError::InvalidState { .. }
    ));
    given.extend(
        run(
            given.clone(),
            v(
                leader(province_authority()),
                bj(2026, 4, 16, 9, 0),
                VerificationCommand::ApproveVerificationExtension(ApproveVerificationExtension {}),
            ),
        )
        .unwrap(),
    );
    assert!(matches!(
        run(given, extension(3, bj(2026, 4, 17, 9, 0))).unwrap_err(),
        DomainError::ExtensionLimitReached { .. }
    ));
}

/// 第二十条: the authority may refuse an extension with reasons; the original deadline stands.
#[test]
fn art20_refused_extension_leaves_the_deadline() {
    let mut given = forwarded();
    given.extend(run(given.clone(), extension(5, bj(2026, 4, 15, 9, 0))).unwrap());
    let events = run(
        given.clone(),
        v(
            leader(province_authority()),
            bj(2026, 4, 16, 9, 0),
            VerificationCommand::RefuseVerificationExtension(RefuseVerificationExtension {
                reasons: "比对工作量不大".to_owned(),
            }),
        ),
    )
    .unwrap();
    assert!(matches!(
        &events[0],
        VerificationEvent::VerificationExtensionRefused(_)
    ));
    given.extend(events);
    let late = run(given, answer(bj(2026, 4, 22, 9, 0))).unwrap();
    assert!(
        matches!(&late[1], VerificationEvent::DeadlineMet(m) if m.late && m.due_at == end_of(2026, 4, 21))
    );
}

/// 第二十条, 第四十一条: a late answer is recorded late; the miss is the provider's. MarkOverdue is refused while
/// an extension asked in time awaits the authority.
#[test]
fn art20_art41_late_answer_is_the_providers_miss() {
    let at = bj(2026, 4, 22, 9, 0);
    let events = run(forwarded(), answer(at)).unwrap();
    assert_eq!(
        events[2],
        VerificationEvent::DeadlineMissed(DeadlineMissed {
            id: DeadlineId::new(DeadlineRule::VerificationAnswer, 1),
            owed_by: code("130000-public-security"),
            due_at: end_of(2026, 4, 21),
            marked_at: at,
        })
    );
    let mut given = forwarded();
    given.extend(run(given.clone(), extension(5, bj(2026, 4, 21, 9, 0))).unwrap());
    let mark = v(
        scheduler(),
        bj(2026, 4, 22, 0, 1),
        VerificationCommand::MarkOverdue(MarkOverdue {
            deadline: DeadlineId::new(DeadlineRule::VerificationAnswer, 1),
        }),
    );
    let err = run(given, mark.clone()).unwrap_err();
    assert_eq!(
        err,
        DomainError::ExtensionPending {
            deadline: DeadlineId::new(DeadlineRule::VerificationAnswer, 1)
        }
    );
    assert!(err.is_retryable());
    assert_eq!(err.article(), Some("第二十条"));
    assert_eq!(run(forwarded(), mark).unwrap().len(), 1);
}

/// 第二十条: a disputed answer goes back to the authority, which concludes within 10 working days (Decision).
#[test]
fn art20_dispute_goes_back_to_the_authority() {
    let mut given = forwarded();
    given.extend(run(given.clone(), answer(bj(2026, 4, 20, 9, 0))).unwrap());
    let events = run(
        given.clone(),
        v(
            clerk(province_health()),
            bj(2026, 4, 21, 9, 0),
            VerificationCommand::DisputeVerificationResult(DisputeVerificationResult {
                reasons: "仍有3条记录不一致".to_owned(),
            }),
        ),
    )
    .unwrap();
    let dispute = set_of(&events);
    assert_eq!(
        dispute.obligation,
        Obligation {
            what: DeadlineRule::ObjectionCoordination,
            owed_by: code("130000-data-authority")
        }
    );
    given.extend(events);
    let events = run(
        given,
        v(
            leader(province_authority()),
            bj(2026, 4, 24, 9, 0),
            VerificationCommand::ConcludeVerificationDispute(ConcludeVerificationDispute {
                conclusion: "提供部门于5个工作日内更正剩余记录".to_owned(),
                correction_required: true,
            }),
        ),
    )
    .unwrap();
    assert!(matches!(&events[1], VerificationEvent::DeadlineMet(m) if !m.late));
}

/// 第二十条: the request goes to the requester's own authority, describes a defect; an answer explains or corrects.
#[test]
fn art20_validation() {
    let mut wrong = file();
    wrong.authority = city_authority();
    assert!(matches!(
        run(
            vec![],
            v(
                clerk(province_health()),
                bj(2026, 4, 7, 9, 0),
                VerificationCommand::FileVerificationRequest(wrong)
            )
        )
        .unwrap_err(),
        DomainError::Validation {
            field: "authority",
            ..
        }
    ));
    let mut blank = file();
    blank.defect = " ".to_owned();
    assert!(
        run(
            vec![],
            v(
                clerk(province_health()),
                bj(2026, 4, 7, 9, 0),
                VerificationCommand::FileVerificationRequest(blank)
            )
        )
        .is_err()
    );
    let empty = v(
        clerk(province_public_security()),
        bj(2026, 4, 8, 9, 0),
        VerificationCommand::AnswerVerification(AnswerVerification {
            outcome: VerificationOutcome::Explained {
                explanation: "".to_owned(),
            },
        }),
    );
    assert!(run(forwarded(), empty).is_err());
}

/// Authorization: only the own authority forwards and approves (AUTH-05, AUTH-06), only the provider answers
/// and asks for extension (AUTH-03), only the requester accepts or disputes (AUTH-03).
#[test]
fn art20_denied_paths() {
    let denied = |r: Result<Vec<VerificationEvent>, DomainError>, rule: Rule| match r {
        Err(DomainError::Forbidden(f)) => assert_eq!(f.rule, rule),
        other => panic!("{other:?}"),
    };
    denied(
        run(
            filed(),
            v(
                reviewer(city_authority()),
                bj(2026, 4, 7, 9, 0),
                VerificationCommand::ForwardVerificationRequest(ForwardVerificationRequest {}),
            ),
        ),
        Rule::SameLevelAuthority,
    );
    denied(
        run(
            filed(),
            v(
                clerk(province_authority()),
                bj(2026, 4, 7, 9, 0),
                VerificationCommand::ForwardVerificationRequest(ForwardVerificationRequest {}),
            ),
        ),
        Rule::AuthorityDecisionRole,
    );
    let mut c = extension(5, bj(2026, 4, 15, 9, 0));
    c.actor = leader(province_market());
    denied(run(forwarded(), c), Rule::OwnDepartment);
    let mut given = forwarded();
    given.extend(run(given.clone(), answer(bj(2026, 4, 20, 9, 0))).unwrap());
    denied(
        run(
            given,
            v(
                clerk(province_public_security()),
                bj(2026, 4, 21, 9, 0),
                VerificationCommand::AcceptVerificationResult(AcceptVerificationResult {}),
            ),
        ),
        Rule::OwnDepartment,
    );
}
