//! Deadline reminders (催办提醒): an operational measure configured in the rule set's `reminders` section and
//! recorded as `DeadlineReminded` by the scheduler's `RemindDeadline`. The regulation prescribes none, so the
//! shipped rule sets configure none; these tests use a rule set that does. The deadlines reminded of are the
//! articles' own: the catalog update of 第十一条 (10 working days), the share review of 第十九条, the
//! reporting windows of 第三十四条 (clock hours, never reminded of).

mod common;
mod share_fixtures;

use common::*;
use govshare_domain::catalog::{
    CatalogCommand, CatalogEntry, CatalogEvent, ChangeCause, RecordCatalogChange, RemindDeadline,
    ReviseCatalogEntry, SubmitCatalogEntry,
};
use govshare_domain::rules::RuleSetRef;
use govshare_domain::share_application::{
    ShareApplication, ShareCommand, ShareEvent, WithdrawShareApplication,
};
use govshare_domain::{
    CommandEnvelope, DeadlineFact, DeadlineId, DeadlineReminded, DeadlineRule, Deadlines,
    DomainError, DomainServices, RuleSet,
};
use share_fixtures::{share, share_history, submit_conditional};

/// `hebei-2022` with reminders five working days before every working-day deadline, and two days before a
/// share review.
fn with_reminders() -> RuleSet {
    RuleSet::from_json(
        r#"{"id": "hebei-2022-reminders", "version": 1,
            "reminders": {"working_days_before": 5, "deadlines": {"share_conditional_review": 2}}}"#,
    )
    .expect("valid rule set")
}

fn reminding() -> DomainServices {
    services_with(with_reminders())
}

fn update_id() -> DeadlineId {
    DeadlineId::new(DeadlineRule::CatalogUpdate, 1)
}

/// A catalog change recorded Monday 2026-09-28: the update is due at the end of 2026-10-16, the tenth
/// working day on the official calendar (the National Day holiday 10-01..07 not counted, Saturday 10-10 a
/// working day, 第十一条).
fn with_change() -> Vec<CatalogEvent> {
    let mut commands = published_population_entry();
    commands.push(cmd(
        clerk(province_public_security()),
        bj(2026, 9, 28, 16, 0),
        CatalogCommand::RecordCatalogChange(RecordCatalogChange {
            cause: ChangeCause::LawOrRegulation,
            description: "《中华人民共和国户口登记条例》修订".to_owned(),
            changed_on: date(2026, 9, 28),
        }),
    ));
    history::<CatalogEntry>(services, commands)
}

fn remind(at: chrono::DateTime<chrono::Utc>) -> CommandEnvelope<CatalogCommand> {
    cmd(
        scheduler(),
        at,
        CatalogCommand::RemindDeadline(RemindDeadline {
            deadline: update_id(),
        }),
    )
}

fn reminded_at(at: chrono::DateTime<chrono::Utc>) -> CatalogEvent {
    CatalogEvent::DeadlineReminded(DeadlineReminded {
        id: update_id(),
        what: DeadlineRule::CatalogUpdate,
        owed_by: code("130000-public-security"),
        due_date: date(2026, 10, 16),
        due_at: end_of(2026, 10, 16),
        working_days_before: 5,
        remind_from: end_of(2026, 10, 10),
        reminded_at: at,
        rule_set: RuleSetRef {
            id: "hebei-2022-reminders".to_owned(),
            version: 1,
        },
    })
}

/// 第十一条 deadline, reminder 5 working days before: the reminder point is the end of the fifth working day
/// of ten, Saturday 2026-10-10 (a working day on the official calendar); before it the reminder is refused as
/// "not yet" (retryable), after it it is recorded with every fact it rests on.
#[test]
fn art11_reminder_recorded_from_the_reminder_point_on_the_official_calendar() {
    let given = with_change();
    let early = when::<CatalogEntry>(reminding(), given.clone(), remind(bj(2026, 10, 10, 23, 0)))
        .unwrap_err();
    assert_eq!(
        early,
        DomainError::NotYetRemindable {
            deadline: update_id(),
            remind_from: end_of(2026, 10, 10),
        }
    );
    assert!(early.is_retryable());
    assert_eq!(early.article(), Some("第十一条"));
    let events = when::<CatalogEntry>(reminding(), given, remind(bj(2026, 10, 11, 9, 0))).unwrap();
    assert_eq!(events, vec![reminded_at(bj(2026, 10, 11, 9, 0))]);
}

/// 第十一条 deadline: one reminder per deadline; a second is refused, not recorded again.
#[test]
fn art11_a_deadline_is_reminded_of_once() {
    let mut given = with_change();
    given.extend(
        when::<CatalogEntry>(reminding(), given.clone(), remind(bj(2026, 10, 12, 9, 0))).unwrap(),
    );
    let again =
        when::<CatalogEntry>(reminding(), given, remind(bj(2026, 10, 13, 9, 0))).unwrap_err();
    assert_eq!(
        again,
        DomainError::AlreadyReminded {
            deadline: update_id(),
            at: bj(2026, 10, 12, 9, 0),
        }
    );
    assert!(!again.is_retryable());
}

/// The shipped rule set (hebei-2022) configures no reminder: the regulation prescribes none.
#[test]
fn art11_no_reminder_when_the_rule_set_configures_none() {
    let err = when::<CatalogEntry>(services(), with_change(), remind(bj(2026, 10, 15, 9, 0)))
        .unwrap_err();
    assert_eq!(
        err,
        DomainError::NoReminderConfigured {
            deadline: update_id(),
        }
    );
    assert!(!err.is_retryable());
}

/// 第十一条 deadline: no reminder once the update was submitted (met), nor once it is past due (第四十一条:
/// the miss is `MarkOverdue`'s to record).
#[test]
fn art11_no_reminder_for_a_deadline_met_or_past_due() {
    let given = with_change();
    let past = when::<CatalogEntry>(reminding(), given.clone(), remind(bj(2026, 10, 17, 0, 5)))
        .unwrap_err();
    assert!(matches!(past, DomainError::InvalidState { .. }), "{past:?}");

    let mut met = given;
    met.extend(history_on::<CatalogEntry>(
        &met,
        vec![
            cmd(
                clerk(province_public_security()),
                bj(2026, 10, 9, 9, 0),
                CatalogCommand::ReviseCatalogEntry(ReviseCatalogEntry {
                    metadata: population_metadata(),
                }),
            ),
            cmd(
                clerk(province_public_security()),
                bj(2026, 10, 9, 10, 0),
                CatalogCommand::SubmitCatalogEntry(SubmitCatalogEntry {
                    authority: province_authority(),
                }),
            ),
        ],
    ));
    let err = when::<CatalogEntry>(reminding(), met, remind(bj(2026, 10, 12, 9, 0))).unwrap_err();
    assert!(
        matches!(&err, DomainError::InvalidState { state, .. } if state.contains("met")),
        "{err:?}"
    );
}

/// The ledger remembers the reminder, and a lead at least as long as the deadline reminds from the end of
/// its start day.
#[test]
fn art11_ledger_records_the_reminder_and_long_leads_remind_after_the_start_day() {
    let mut ledger = Deadlines::default();
    for event in with_change() {
        if let Some(fact) = event.deadline_fact() {
            ledger.apply(&fact);
        }
    }
    let tracked = ledger.get(&update_id()).expect("set");
    assert_eq!(tracked.reminded_at, None);
    let d = &tracked.current;
    let start_day_end =
        Deadlines::remind_from(d.from_date, d.working_days, 30, &reminding()).unwrap();
    assert_eq!(start_day_end, end_of(2026, 9, 28));
    let facts = ledger
        .remind(&update_id(), bj(2026, 10, 12, 9, 0), &reminding())
        .unwrap();
    ledger.apply(&facts[0]);
    assert!(matches!(&facts[0], DeadlineFact::Reminded(r) if r.working_days_before == 5));
    assert_eq!(
        ledger.get(&update_id()).unwrap().reminded_at,
        Some(bj(2026, 10, 12, 9, 0))
    );
}

/// 第十九条 deadline with its own lead (2 working days before the authority's 3-day review): a step the
/// requester withdrew from is no longer owed, so it is not reminded of.
#[test]
fn art19_share_review_reminded_by_its_own_lead_and_not_after_withdrawal() {
    fn reminding_share() -> DomainServices {
        reminding()
    }
    // Submitted Monday 2026-03-09: the review is due at the end of Thursday 03-12; reminded from the end of
    // the first working day, 03-10.
    let given = share_history(
        reminding_share,
        vec![submit_conditional(bj(2026, 3, 9, 9, 0))],
    );
    let review = DeadlineId::new(DeadlineRule::ShareConditionalReview, 1);
    let remind = |at| {
        share(
            scheduler(),
            at,
            ShareCommand::RemindDeadline(RemindDeadline {
                deadline: review.clone(),
            }),
        )
    };
    let early =
        when::<ShareApplication>(reminding(), given.clone(), remind(bj(2026, 3, 10, 18, 0)))
            .unwrap_err();
    assert!(
        matches!(early, DomainError::NotYetRemindable { remind_from, .. } if remind_from == end_of(2026, 3, 10))
    );
    let events =
        when::<ShareApplication>(reminding(), given.clone(), remind(bj(2026, 3, 11, 9, 0)))
            .unwrap();
    assert!(
        matches!(&events[..], [ShareEvent::DeadlineReminded(r)]
            if r.working_days_before == 2 && r.owed_by == code("130000-data-authority")
                && r.due_at == end_of(2026, 3, 12)),
        "{events:?}"
    );

    let mut withdrawn = given;
    withdrawn.extend(
        when::<ShareApplication>(
            reminding(),
            withdrawn.clone(),
            share(
                clerk(province_health()),
                bj(2026, 3, 10, 9, 0),
                ShareCommand::WithdrawShareApplication(WithdrawShareApplication {
                    reason: "业务调整".to_owned(),
                }),
            ),
        )
        .unwrap(),
    );
    let err = when::<ShareApplication>(reminding(), withdrawn, remind(bj(2026, 3, 11, 9, 0)))
        .unwrap_err();
    assert!(
        matches!(&err, DomainError::InvalidState { state, .. } if state.contains("withdrawn")),
        "{err:?}"
    );
}

/// AUTH-02 on a share application: an interested party cannot record a reminder.
#[test]
fn art19_reminder_only_by_the_scheduler() {
    let given = share_history(services, vec![submit_conditional(bj(2026, 3, 9, 9, 0))]);
    let err = when::<ShareApplication>(
        reminding(),
        given,
        share(
            reviewer(province_authority()),
            bj(2026, 3, 11, 9, 0),
            ShareCommand::RemindDeadline(RemindDeadline {
                deadline: DeadlineId::new(DeadlineRule::ShareConditionalReview, 1),
            }),
        ),
    )
    .unwrap_err();
    assert!(
        matches!(&err, DomainError::Forbidden(f) if f.rule == govshare_domain::Rule::OverdueByScheduler),
        "{err:?}"
    );
}
