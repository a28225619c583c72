//! 第十一条: catalog changes, the department's update deadline, the one extension, the authority's review,
//! returns restarting the clock; 第四十一条: late acts recorded late and attributed; MarkOverdue.

mod common;

use common::*;
use cqrs_es::test::TestFramework;
use govshare_domain::catalog::{
    CatalogChangeRecorded, CatalogCommand, CatalogEntry, CatalogEvent, ChangeCause,
    ConsentToExtension, MarkOverdue, RecordCatalogChange, RefuseExtension, RequestUpdateExtension,
    ReturnCatalogEntry, ReviseCatalogEntry, SubmitCatalogEntry,
};
use govshare_domain::rules::RuleSetRef;
use govshare_domain::{
    DeadlineExtended, DeadlineId, DeadlineMet, DeadlineMissed, DeadlineRule, DeadlineSet,
    DomainError, Obligation, RuleSet,
};

fn change_on_2026_09_28() -> CommandEnvelope<CatalogCommand> {
    cmd(
        clerk(province_public_security()),
        bj(2026, 9, 28, 16, 0),
        CatalogCommand::RecordCatalogChange(RecordCatalogChange {
            cause: ChangeCause::LawOrRegulation,
            description: "《中华人民共和国户口登记条例》修订".to_owned(),
            changed_on: date(2026, 9, 28),
        }),
    )
}

use govshare_domain::CommandEnvelope;

fn update_id(n: u32) -> DeadlineId {
    DeadlineId::new(DeadlineRule::CatalogUpdate, n)
}

fn review_id(n: u32) -> DeadlineId {
    DeadlineId::new(DeadlineRule::CatalogReview, n)
}

fn hebei() -> RuleSetRef {
    RuleSetRef {
        id: "hebei-2022".to_owned(),
        version: 1,
    }
}

fn with_change() -> Vec<CatalogEvent> {
    let mut commands = published_population_entry();
    commands.push(change_on_2026_09_28());
    history::<CatalogEntry>(services, commands)
}

fn revise() -> CommandEnvelope<CatalogCommand> {
    cmd(
        clerk(province_public_security()),
        bj(2026, 10, 9, 9, 0),
        CatalogCommand::ReviseCatalogEntry(ReviseCatalogEntry {
            metadata: population_metadata(),
        }),
    )
}

fn submit(at: chrono::DateTime<chrono::Utc>) -> CommandEnvelope<CatalogCommand> {
    cmd(
        clerk(province_public_security()),
        at,
        CatalogCommand::SubmitCatalogEntry(SubmitCatalogEntry {
            authority: province_authority(),
        }),
    )
}

/// 第十一条: a change on Monday 2026-09-28 is due ten working days later, across the National Day holiday
/// (1–7 October off, Saturday 10 October worked): Friday 2026-10-16, 24:00 Beijing time.
#[test]
fn art11_update_deadline_is_ten_working_days_across_national_day() {
    let given = history::<CatalogEntry>(services, published_population_entry());
    TestFramework::<CatalogEntry>::with(services())
        .given(given)
        .when(change_on_2026_09_28())
        .then_expect_events(vec![
            CatalogEvent::CatalogChangeRecorded(CatalogChangeRecorded {
                change: 1,
                cause: ChangeCause::LawOrRegulation,
                description: "《中华人民共和国户口登记条例》修订".to_owned(),
                changed_on: date(2026, 9, 28),
                by: clerk(province_public_security()),
                at: bj(2026, 9, 28, 16, 0),
            }),
            CatalogEvent::DeadlineSet(DeadlineSet {
                id: update_id(1),
                obligation: Obligation {
                    what: DeadlineRule::CatalogUpdate,
                    owed_by: code("130000-public-security"),
                },
                from: bj(2026, 9, 28, 0, 0),
                from_date: date(2026, 9, 28),
                working_days: 10,
                due_date: date(2026, 10, 16),
                due_at: end_of(2026, 10, 16),
                rule_set: hebei(),
                provisional: false,
            }),
        ]);
}

/// 第十一条: the change date counts, not the day it was recorded; a change cannot be recorded in advance.
#[test]
fn art11_change_cannot_be_dated_in_the_future() {
    let given = history::<CatalogEntry>(services, published_population_entry());
    let mut command = change_on_2026_09_28();
    if let CatalogCommand::RecordCatalogChange(c) = &mut command.body {
        c.changed_on = date(2026, 9, 29);
    }
    let err = when::<CatalogEntry>(services(), given, command).unwrap_err();
    assert!(matches!(
        err,
        DomainError::Validation {
            field: "changed_on",
            ..
        }
    ));
}

/// 第十一条: the update deadline counts from the change date on the working-day calendar; a date before the
/// years the calendar counts (1949–2199) is refused under the field the client sent, not the deadline's.
#[test]
fn art11_change_dated_before_the_calendar_is_refused_by_its_own_field() {
    let given = history::<CatalogEntry>(services, published_population_entry());
    let mut command = change_on_2026_09_28();
    if let CatalogCommand::RecordCatalogChange(c) = &mut command.body {
        c.changed_on = date(1900, 3, 1);
    }
    let err = when::<CatalogEntry>(services(), given, command).unwrap_err();
    assert!(
        matches!(
            err,
            DomainError::DateOutOfRange {
                field: "changed_on",
                ..
            }
        ),
        "{err:?}"
    );
}

/// 第十一条: only a published entry has changes to track.
#[test]
fn art11_change_needs_a_published_entry() {
    let given = history::<CatalogEntry>(services, published_population_entry()[..1].to_vec());
    let err = when::<CatalogEntry>(services(), given, change_on_2026_09_28()).unwrap_err();
    assert!(matches!(err, DomainError::InvalidState { .. }));
}

/// 第十一条: submitting in time meets the update deadline (not late) and opens the authority's ten-day
/// review, counted from receipt: 2026-10-09 → 2026-10-22 (Saturday 10 October is a working day).
#[test]
fn art11_submission_meets_update_deadline_and_opens_ten_day_review() {
    let mut given = with_change();
    given.extend(history_on::<CatalogEntry>(&given, vec![revise()]));
    TestFramework::<CatalogEntry>::with(services())
        .given(given)
        .when(submit(bj(2026, 10, 9, 10, 0)))
        .then_expect_events(vec![
            CatalogEvent::CatalogEntrySubmitted(govshare_domain::catalog::CatalogEntrySubmitted {
                version: 2,
                share_attribute: population_metadata().share_attribute,
                authority: province_authority(),
                change: Some(1),
                by: clerk(province_public_security()),
                at: bj(2026, 10, 9, 10, 0),
            }),
            CatalogEvent::DeadlineMet(DeadlineMet {
                id: update_id(1),
                owed_by: code("130000-public-security"),
                at: bj(2026, 10, 9, 10, 0),
                due_at: end_of(2026, 10, 16),
                late: false,
            }),
            CatalogEvent::DeadlineSet(DeadlineSet {
                id: review_id(1),
                obligation: Obligation {
                    what: DeadlineRule::CatalogReview,
                    owed_by: code("130000-data-authority"),
                },
                from: bj(2026, 10, 9, 10, 0),
                from_date: date(2026, 10, 9),
                working_days: 10,
                due_date: date(2026, 10, 22),
                due_at: end_of(2026, 10, 22),
                rule_set: hebei(),
                provisional: false,
            }),
        ]);
}

/// 第十一条, 第四十一条: a late update is accepted (the duty does not lapse), recorded late, and the miss is
/// attributed to the department.
#[test]
fn art11_art41_late_update_is_accepted_recorded_late_and_missed() {
    let mut given = with_change();
    given.extend(history_on::<CatalogEntry>(&given, vec![revise()]));
    let events = when::<CatalogEntry>(services(), given, submit(bj(2026, 10, 17, 0, 0))).unwrap();
    assert_eq!(
        events[1],
        CatalogEvent::DeadlineMet(DeadlineMet {
            id: update_id(1),
            owed_by: code("130000-public-security"),
            at: bj(2026, 10, 17, 0, 0),
            due_at: end_of(2026, 10, 16),
            late: true,
        })
    );
    assert_eq!(
        events[2],
        CatalogEvent::DeadlineMissed(DeadlineMissed {
            id: update_id(1),
            owed_by: code("130000-public-security"),
            due_at: end_of(2026, 10, 16),
            marked_at: bj(2026, 10, 17, 0, 0),
        })
    );
}

/// 第十一条: one extension of twenty working days with the authority's consent, counted from the original
/// due day: 2026-10-16 + 20 → 2026-11-13.
#[test]
fn art11_one_extension_of_twenty_working_days_with_consent() {
    let mut given = with_change();
    given.extend(history_on::<CatalogEntry>(
        &given,
        vec![cmd(
            clerk(province_public_security()),
            bj(2026, 10, 12, 9, 0),
            CatalogCommand::RequestUpdateExtension(RequestUpdateExtension {
                reason: "条例修订涉及全部信息项重新梳理".to_owned(),
            }),
        )],
    ));
    TestFramework::<CatalogEntry>::with(services())
        .given(given)
        .when(cmd(
            leader(province_authority()),
            bj(2026, 10, 13, 9, 0),
            CatalogCommand::ConsentToExtension(ConsentToExtension {}),
        ))
        .then_expect_events(vec![CatalogEvent::DeadlineExtended(DeadlineExtended {
            id: update_id(1),
            by_working_days: 20,
            working_days: 30,
            new_due_date: date(2026, 11, 13),
            new_due_at: end_of(2026, 11, 13),
            approved_by: leader(province_authority()),
            rule_set: hebei(),
            provisional: false,
        })]);
}

fn request_extension(at: chrono::DateTime<chrono::Utc>) -> CommandEnvelope<CatalogCommand> {
    cmd(
        clerk(province_public_security()),
        at,
        CatalogCommand::RequestUpdateExtension(RequestUpdateExtension {
            reason: "系统改造".to_owned(),
        }),
    )
}

fn consent(at: chrono::DateTime<chrono::Utc>) -> CommandEnvelope<CatalogCommand> {
    cmd(
        leader(province_authority()),
        at,
        CatalogCommand::ConsentToExtension(ConsentToExtension {}),
    )
}

/// 第十一条: the extension must be asked for before the deadline.
#[test]
fn art11_extension_asked_after_deadline_is_refused() {
    let given = with_change();
    let err = when::<CatalogEntry>(services(), given, request_extension(bj(2026, 10, 17, 8, 0)))
        .unwrap_err();
    assert_eq!(
        err,
        DomainError::ExtensionTooLate {
            deadline: update_id(1),
            due_at: end_of(2026, 10, 16)
        }
    );
}

/// 第十一条: the extension is granted once only.
#[test]
fn art11_second_extension_is_refused() {
    let mut given = with_change();
    given.extend(history_on::<CatalogEntry>(
        &given,
        vec![
            request_extension(bj(2026, 10, 12, 9, 0)),
            consent(bj(2026, 10, 12, 15, 0)),
        ],
    ));
    let err = when::<CatalogEntry>(services(), given, request_extension(bj(2026, 10, 20, 9, 0)))
        .unwrap_err();
    assert_eq!(
        err,
        DomainError::ExtensionLimitReached {
            deadline: update_id(1),
            allowed: 1
        }
    );
}

fn return_entry(at: chrono::DateTime<chrono::Utc>) -> CommandEnvelope<CatalogCommand> {
    cmd(
        reviewer(province_authority()),
        at,
        CatalogCommand::ReturnCatalogEntry(ReturnCatalogEntry {
            reasons: "信息项类型与标准不一致".to_owned(),
        }),
    )
}

fn revise_at(at: chrono::DateTime<chrono::Utc>) -> CommandEnvelope<CatalogCommand> {
    cmd(
        clerk(province_public_security()),
        at,
        CatalogCommand::ReviseCatalogEntry(ReviseCatalogEntry {
            metadata: population_metadata(),
        }),
    )
}

/// 第十一条: one extension per catalog change. The extension granted before a return counts for the whole
/// change: the fresh update deadline the return opens (Decision) cannot be extended again.
#[test]
fn art11_second_extension_after_a_return_is_refused() {
    let mut given = with_change();
    given.extend(history_on::<CatalogEntry>(
        &given,
        vec![
            request_extension(bj(2026, 10, 12, 9, 0)),
            consent(bj(2026, 10, 12, 15, 0)),
            revise_at(bj(2026, 10, 20, 9, 0)),
            submit(bj(2026, 10, 20, 10, 0)),
            return_entry(bj(2026, 10, 22, 9, 0)),
        ],
    ));
    assert!(
        given
            .iter()
            .any(|e| matches!(e, CatalogEvent::DeadlineSet(s) if s.id == update_id(2)))
    );
    let err = when::<CatalogEntry>(services(), given, request_extension(bj(2026, 10, 23, 9, 0)))
        .unwrap_err();
    assert_eq!(
        err,
        DomainError::ExtensionLimitReached {
            deadline: update_id(2),
            allowed: 1
        }
    );
}

/// 第十一条: a change that used no extension before a return may still use its one extension on the
/// restarted clock.
#[test]
fn art11_extension_after_a_return_is_the_changes_one_extension() {
    let mut given = with_change();
    given.extend(history_on::<CatalogEntry>(
        &given,
        vec![
            revise_at(bj(2026, 10, 9, 9, 0)),
            submit(bj(2026, 10, 9, 10, 0)),
            return_entry(bj(2026, 10, 15, 11, 0)),
            request_extension(bj(2026, 10, 16, 9, 0)),
        ],
    ));
    let events =
        when::<CatalogEntry>(services(), given.clone(), consent(bj(2026, 10, 16, 15, 0))).unwrap();
    assert!(matches!(&events[..], [CatalogEvent::DeadlineExtended(e)] if e.id == update_id(2)));
}

/// 第十一条: an extension request pending when the department submits its update lapses (the deadline it
/// asked to extend is met); a later consent cannot extend the deadline a return opens instead.
#[test]
fn art11_pending_extension_lapses_when_the_update_is_submitted() {
    let mut given = with_change();
    given.extend(history_on::<CatalogEntry>(
        &given,
        vec![
            request_extension(bj(2026, 10, 12, 9, 0)),
            revise_at(bj(2026, 10, 13, 9, 0)),
            submit(bj(2026, 10, 13, 10, 0)),
            return_entry(bj(2026, 10, 14, 9, 0)),
        ],
    ));
    let err =
        when::<CatalogEntry>(services(), given, consent(bj(2026, 10, 14, 15, 0))).unwrap_err();
    assert!(matches!(err, DomainError::InvalidState { .. }), "{err:?}");
}

/// 第十一条: a refused extension leaves the deadline as it was; the department may ask again in time.
#[test]
fn art11_refused_extension_is_recorded_and_leaves_the_deadline() {
    let mut given = with_change();
    given.extend(history_on::<CatalogEntry>(
        &given,
        vec![request_extension(bj(2026, 10, 12, 9, 0))],
    ));
    let events = when::<CatalogEntry>(
        services(),
        given.clone(),
        cmd(
            reviewer(province_authority()),
            bj(2026, 10, 12, 11, 0),
            CatalogCommand::RefuseExtension(RefuseExtension {
                reasons: "理由不充分".to_owned(),
            }),
        ),
    )
    .unwrap();
    assert!(
        matches!(&events[..], [CatalogEvent::UpdateExtensionRefused(e)] if e.deadline == update_id(1))
    );
    given.extend(events);
    // The deadline is unchanged: on 2026-10-17 it is overdue.
    let missed = when::<CatalogEntry>(
        services(),
        given,
        cmd(
            scheduler(),
            bj(2026, 10, 17, 0, 1),
            CatalogCommand::MarkOverdue(MarkOverdue {
                deadline: update_id(1),
            }),
        ),
    )
    .unwrap();
    assert_eq!(missed.len(), 1);
}

/// 第十一条 Decision: a return restarts the department's ten-day clock from the return.
#[test]
fn art11_return_restarts_the_department_clock() {
    let mut given = with_change();
    given.extend(history_on::<CatalogEntry>(
        &given,
        vec![revise(), submit(bj(2026, 10, 9, 10, 0))],
    ));
    let events = when::<CatalogEntry>(
        services(),
        given,
        cmd(
            reviewer(province_authority()),
            bj(2026, 10, 15, 11, 0),
            CatalogCommand::ReturnCatalogEntry(ReturnCatalogEntry {
                reasons: "信息项类型与标准不一致".to_owned(),
            }),
        ),
    )
    .unwrap();
    assert!(matches!(&events[0], CatalogEvent::CatalogEntryReturned(r) if r.version == 2));
    assert!(matches!(&events[1], CatalogEvent::DeadlineMet(m) if m.id == review_id(1) && !m.late));
    assert_eq!(
        events[2],
        CatalogEvent::DeadlineSet(DeadlineSet {
            id: update_id(2),
            obligation: Obligation {
                what: DeadlineRule::CatalogUpdate,
                owed_by: code("130000-public-security")
            },
            from: bj(2026, 10, 15, 11, 0),
            from_date: date(2026, 10, 15),
            working_days: 10,
            due_date: date(2026, 10, 29),
            due_at: end_of(2026, 10, 29),
            rule_set: hebei(),
            provisional: false,
        })
    );
}

/// 第十一条: a return without reasons is refused.
#[test]
fn art11_return_needs_reasons() {
    let mut given = with_change();
    given.extend(history_on::<CatalogEntry>(
        &given,
        vec![revise(), submit(bj(2026, 10, 9, 10, 0))],
    ));
    let err = when::<CatalogEntry>(
        services(),
        given,
        cmd(
            reviewer(province_authority()),
            bj(2026, 10, 15, 11, 0),
            CatalogCommand::ReturnCatalogEntry(ReturnCatalogEntry {
                reasons: " ".to_owned(),
            }),
        ),
    )
    .unwrap_err();
    assert!(matches!(
        err,
        DomainError::Validation {
            field: "reasons",
            ..
        }
    ));
}

/// 第十一条: approval meets the review deadline; a late approval is recorded late against the authority.
#[test]
fn art11_late_review_is_attributed_to_the_authority() {
    let mut given = with_change();
    given.extend(history_on::<CatalogEntry>(
        &given,
        vec![revise(), submit(bj(2026, 10, 9, 10, 0))],
    ));
    let events = when::<CatalogEntry>(
        services(),
        given,
        cmd(
            reviewer(province_authority()),
            bj(2026, 10, 26, 9, 0),
            CatalogCommand::ApproveCatalogEntry(Default::default()),
        ),
    )
    .unwrap();
    assert!(
        matches!(&events[0], CatalogEvent::CatalogEntryApproved(a) if a.version == 2 && a.published_on == date(2026, 10, 26))
    );
    assert!(matches!(&events[1], CatalogEvent::DeadlineMet(m) if m.late));
    assert!(
        matches!(&events[2], CatalogEvent::DeadlineMissed(m) if m.owed_by == code("130000-data-authority") && m.id == review_id(1))
    );
}

/// 第四十一条: MarkOverdue is refused before the due instant (24:00 Beijing time on the due date).
#[test]
fn art41_mark_overdue_refused_before_due_instant() {
    let err = when::<CatalogEntry>(
        services(),
        with_change(),
        cmd(
            scheduler(),
            end_of(2026, 10, 16),
            CatalogCommand::MarkOverdue(MarkOverdue {
                deadline: update_id(1),
            }),
        ),
    )
    .unwrap_err();
    assert_eq!(
        err,
        DomainError::NotYetDue {
            deadline: update_id(1),
            due_at: end_of(2026, 10, 16)
        }
    );
}

/// 第四十一条: MarkOverdue after the due instant records the miss once; the second time records nothing.
#[test]
fn art41_mark_overdue_is_idempotent() {
    let mark = || {
        cmd(
            scheduler(),
            bj(2026, 10, 17, 0, 5),
            CatalogCommand::MarkOverdue(MarkOverdue {
                deadline: update_id(1),
            }),
        )
    };
    let mut given = with_change();
    let first = when::<CatalogEntry>(services(), given.clone(), mark()).unwrap();
    assert_eq!(
        first,
        vec![CatalogEvent::DeadlineMissed(DeadlineMissed {
            id: update_id(1),
            owed_by: code("130000-public-security"),
            due_at: end_of(2026, 10, 16),
            marked_at: bj(2026, 10, 17, 0, 5),
        })]
    );
    given.extend(first);
    TestFramework::<CatalogEntry>::with(services())
        .given(given.clone())
        .when(mark())
        .then_expect_events(vec![]);
    // A late submission after the scheduler's mark is late, with no second miss.
    let revise_after_mark = cmd(
        clerk(province_public_security()),
        bj(2026, 10, 19, 8, 0),
        CatalogCommand::ReviseCatalogEntry(ReviseCatalogEntry {
            metadata: population_metadata(),
        }),
    );
    given.extend(history_on::<CatalogEntry>(&given, vec![revise_after_mark]));
    let events = when::<CatalogEntry>(services(), given, submit(bj(2026, 10, 19, 9, 0))).unwrap();
    assert!(matches!(&events[1], CatalogEvent::DeadlineMet(m) if m.late));
    assert!(
        !events
            .iter()
            .any(|e| matches!(e, CatalogEvent::DeadlineMissed(_)))
    );
}

/// 第四十一条: an unknown deadline is a typed error.
#[test]
fn art41_mark_overdue_unknown_deadline() {
    let err = when::<CatalogEntry>(
        services(),
        with_change(),
        cmd(
            scheduler(),
            bj(2026, 12, 1, 0, 0),
            CatalogCommand::MarkOverdue(MarkOverdue {
                deadline: review_id(9),
            }),
        ),
    )
    .unwrap_err();
    assert_eq!(err, DomainError::UnknownDeadline(review_id(9)));
}

/// 第十一条: while an extension asked for in time awaits the authority, the deadline is not marked missed.
#[test]
fn art11_pending_timely_extension_defers_mark_overdue() {
    let mut given = with_change();
    given.extend(history_on::<CatalogEntry>(
        &given,
        vec![request_extension(bj(2026, 10, 16, 17, 0))],
    ));
    let err = when::<CatalogEntry>(
        services(),
        given.clone(),
        cmd(
            scheduler(),
            bj(2026, 10, 17, 1, 0),
            CatalogCommand::MarkOverdue(MarkOverdue {
                deadline: update_id(1),
            }),
        ),
    )
    .unwrap_err();
    // "Not now": a typed refusal the scheduler retries after the authority's decision.
    assert_eq!(
        err,
        DomainError::ExtensionPending {
            deadline: update_id(1)
        }
    );
    assert!(err.is_retryable());
    assert_eq!(err.article(), Some("第十一条"));
    // Consent after the original due day still extends from it.
    let events = when::<CatalogEntry>(services(), given, consent(bj(2026, 10, 19, 9, 0))).unwrap();
    assert!(
        matches!(&events[0], CatalogEvent::DeadlineExtended(e) if e.new_due_date == date(2026, 11, 13))
    );
}

/// A second jurisdiction is configuration only: a rule set with a 15-day update deadline changes the due
/// date and is named in the fact.
#[test]
fn art11_rule_set_from_file_changes_the_deadline() {
    let rules = RuleSet::from_json(
        r#"{"id": "test-province-2030", "version": 3, "deadlines": {"catalog_update": 15}}"#,
    )
    .unwrap();
    let given = history::<CatalogEntry>(services, published_population_entry());
    let events = when::<CatalogEntry>(services_with(rules), given, change_on_2026_09_28()).unwrap();
    let CatalogEvent::DeadlineSet(set) = &events[1] else {
        panic!("expected a deadline")
    };
    assert_eq!(set.working_days, 15);
    assert_eq!(set.due_date, date(2026, 10, 23));
    assert_eq!(
        set.rule_set,
        RuleSetRef {
            id: "test-province-2030".to_owned(),
            version: 3
        }
    );
}

/// Deadlines reaching into a year with no published arrangement are provisional (digest Decision); strict
/// rule sets refuse.
#[test]
fn art11_deadline_into_unpublished_year_is_provisional_or_refused() {
    let mut commands = published_population_entry();
    commands.push(cmd(
        clerk(province_public_security()),
        bj(2026, 12, 28, 9, 0),
        CatalogCommand::RecordCatalogChange(RecordCatalogChange {
            cause: ChangeCause::Duties,
            description: "机构改革职责调整".to_owned(),
            changed_on: date(2026, 12, 28),
        }),
    ));
    let events = history::<CatalogEntry>(services, commands.clone());
    assert!(events.iter().any(|e| matches!(e, CatalogEvent::DeadlineSet(s) if s.provisional && s.due_date == date(2027, 1, 11))));

    let mut strict = RuleSet::hebei_2022();
    strict.coverage = govshare_workdays::Coverage::Strict;
    let given = history::<CatalogEntry>(services, published_population_entry());
    let err =
        when::<CatalogEntry>(services_with(strict), given, commands.pop().unwrap()).unwrap_err();
    assert!(matches!(err, DomainError::Calendar(_)));
}
