//! 第十三、十四条: collection responsibility lists, changes by application and decision, no duplicate
//! collection without a recorded justification.

mod common;

use common::*;
use cqrs_es::test::TestFramework;
use govshare_domain::collection_list::{
    ApplyCollectionChange, CollectionChangeApplied, CollectionItem, CollectionList,
    CollectionListCommand, CollectionListEvent, DecideCollectionChange, DeriveCollectionList,
    DuplicationJustification, SharedSource,
};
use govshare_domain::{CommandEnvelope, DomainError};

fn item(name: &str) -> CollectionItem {
    CollectionItem {
        data_item: name.to_owned(),
        entry_id: "catalog-130000-human-resources-0012".to_owned(),
        entry_version: 1,
    }
}

fn derive() -> CommandEnvelope<CollectionListCommand> {
    cmd(
        reviewer(province_authority()),
        bj(2026, 5, 6, 9, 0),
        CollectionListCommand::DeriveCollectionList(DeriveCollectionList {
            department: province_hrss(),
            items: vec![item("参保状态"), item("缴费基数")],
            overlaps: vec![],
            justifications: vec![],
        }),
    )
}

fn id_number_overlap() -> SharedSource {
    SharedSource {
        data_item: "公民身份号码".to_owned(),
        provider: code("130000-public-security"),
        entry_id: "catalog-130000-public-security-0001".to_owned(),
    }
}

fn apply_add_id_number(
    justifications: Vec<DuplicationJustification>,
) -> CommandEnvelope<CollectionListCommand> {
    cmd(
        clerk(province_hrss()),
        bj(2026, 5, 7, 9, 0),
        CollectionListCommand::ApplyCollectionChange(ApplyCollectionChange {
            add: vec![item("公民身份号码")],
            remove: vec![],
            reason: "参保登记须核验身份".to_owned(),
            overlaps: vec![id_number_overlap()],
            justifications,
        }),
    )
}

/// 第十三条: the authority derives the department's list from the catalog.
#[test]
fn art13_authority_derives_the_list() {
    let events = when::<CollectionList>(services(), vec![], derive()).unwrap();
    assert!(
        matches!(&events[0], CollectionListEvent::CollectionListDerived(e) if e.version == 1 && e.items.len() == 2)
    );
}

/// 第十三条: collecting an item another department already provides for sharing is refused without a
/// justification.
#[test]
fn art13_duplicate_collection_without_justification_is_refused() {
    let given = history::<CollectionList>(services, vec![derive()]);
    TestFramework::<CollectionList>::with(services())
        .given(given)
        .when(apply_add_id_number(vec![]))
        .then_expect_error(DomainError::DuplicateCollection {
            items: vec!["公民身份号码".to_owned()],
        });
}

/// 第十三、三十八条: with a justification the application is recorded, overlap and justification included,
/// where an assessor sees them.
#[test]
fn art13_justified_duplicate_is_a_recorded_fact() {
    let justification = DuplicationJustification {
        data_item: "公民身份号码".to_owned(),
        justification: "《社会保险法》第五十八条要求参保登记时由本部门采集核验".to_owned(),
    };
    let given = history::<CollectionList>(services, vec![derive()]);
    TestFramework::<CollectionList>::with(services())
        .given(given.clone())
        .when(apply_add_id_number(vec![justification.clone()]))
        .then_expect_events(vec![CollectionListEvent::CollectionChangeApplied(
            CollectionChangeApplied {
                change: 1,
                add: vec![item("公民身份号码")],
                remove: vec![],
                reason: "参保登记须核验身份".to_owned(),
                overlaps: vec![id_number_overlap()],
                justifications: vec![justification.clone()],
                by: clerk(province_hrss()),
                at: bj(2026, 5, 7, 9, 0),
            },
        )]);
    let mut events = given;
    events.extend(history_on::<CollectionList>(
        &events,
        vec![apply_add_id_number(vec![justification.clone()])],
    ));
    let mut list = CollectionList::default();
    for e in events {
        cqrs_es::Aggregate::apply(&mut list, e);
    }
    assert_eq!(
        list.justified_duplicates(),
        &[(id_number_overlap(), justification)]
    );
}

/// 第十四条: the department applies, the authority decides; an approved change makes a new list version, a
/// refused one leaves the list.
#[test]
fn art14_change_by_application_and_decision() {
    let remove = cmd(
        clerk(province_hrss()),
        bj(2026, 5, 7, 9, 0),
        CollectionListCommand::ApplyCollectionChange(ApplyCollectionChange {
            add: vec![],
            remove: vec!["缴费基数".to_owned()],
            reason: "职责调整至税务部门".to_owned(),
            overlaps: vec![],
            justifications: vec![],
        }),
    );
    let decide = |approve: bool| {
        cmd(
            reviewer(province_authority()),
            bj(2026, 5, 8, 9, 0),
            CollectionListCommand::DecideCollectionChange(DecideCollectionChange {
                approve,
                opinion: "同意".to_owned(),
            }),
        )
    };
    let approved =
        history::<CollectionList>(services, vec![derive(), remove.clone(), decide(true)]);
    let mut list = CollectionList::default();
    for e in approved {
        cqrs_es::Aggregate::apply(&mut list, e);
    }
    assert_eq!(list.version(), 2);
    assert_eq!(list.items(), &[item("参保状态")]);

    let refused =
        history::<CollectionList>(services, vec![derive(), remove.clone(), decide(false)]);
    let mut list = CollectionList::default();
    for e in refused {
        cqrs_es::Aggregate::apply(&mut list, e);
    }
    assert_eq!(list.version(), 1);
    assert_eq!(list.items().len(), 2);

    // One change at a time.
    let pending = history::<CollectionList>(services, vec![derive(), remove.clone()]);
    assert!(matches!(
        when::<CollectionList>(services(), pending, remove).unwrap_err(),
        DomainError::InvalidState { .. }
    ));
}

/// 第十四条: a change removing an item not on the list, or with no reason, is refused.
#[test]
fn art14_invalid_changes_are_refused() {
    let given = history::<CollectionList>(services, vec![derive()]);
    let bad = cmd(
        clerk(province_hrss()),
        bj(2026, 5, 7, 9, 0),
        CollectionListCommand::ApplyCollectionChange(ApplyCollectionChange {
            add: vec![],
            remove: vec!["婚姻状况".to_owned()],
            reason: "x".to_owned(),
            overlaps: vec![],
            justifications: vec![],
        }),
    );
    assert!(matches!(
        when::<CollectionList>(services(), given, bad).unwrap_err(),
        DomainError::Validation {
            field: "remove",
            ..
        }
    ));
}
