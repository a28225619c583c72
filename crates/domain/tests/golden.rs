//! Golden files: the serialized form of a representative event of each aggregate is the legal record and
//! must stay readable for years. Each test serializes the event and compares it with
//! `tests/golden/<name>.json`, then deserializes the file back. `GOLDEN_UPDATE=1` rewrites the files (review the
//! diff: a change here is a change of the record format and needs an upcaster).

mod common;

use std::path::PathBuf;

use common::*;
use cqrs_es::DomainEvent;
use govshare_domain::catalog::{CatalogEntrySubmitted, CatalogEvent};
use govshare_domain::collection_list::{
    CollectionChangeApplied, CollectionItem, CollectionListEvent, DuplicationJustification,
    SharedSource,
};
use govshare_domain::negative_list::{
    BasisKind, EntryListed, LegalBasis, ListedEntry, NegativeListEvent,
};
use govshare_domain::organization::{DepartmentRegistered, OrganizationEvent};
use govshare_domain::published_catalog::{
    CatalogVersionPublished, PublishedCatalogEvent, PublishedEntryRef,
};
use govshare_domain::rules::RuleSetRef;
use govshare_domain::{
    DeadlineId, DeadlineMissed, DeadlineReminded, DeadlineRule, DeadlineSet, DepartmentKind, Level,
    Obligation,
};
use serde::Serialize;
use serde::de::DeserializeOwned;

fn check<E: DomainEvent + Serialize + DeserializeOwned>(name: &str, event: E, event_type: &str) {
    assert_eq!(event.event_type(), event_type);
    assert_eq!(event.event_version(), "1");
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(format!("{name}.json"));
    let text = serde_json::to_string_pretty(&event).expect("serializes") + "\n";
    if std::env::var_os("GOLDEN_UPDATE").is_some() {
        std::fs::write(&path, &text).expect("writes golden file");
    }
    let golden = std::fs::read_to_string(&path)
        .unwrap_or_else(|_| panic!("missing {}; run with GOLDEN_UPDATE=1", path.display()));
    assert_eq!(text, golden, "serialized form of {name} changed");
    let back: E = serde_json::from_str(&golden).expect("golden file deserializes");
    assert_eq!(back, event);
}

#[test]
fn golden_organization_department_registered() {
    check(
        "organization_department_registered",
        OrganizationEvent::DepartmentRegistered(DepartmentRegistered {
            code: code("130102-data-authority"),
            name: "长安区政务服务管理办公室".to_owned(),
            region: region("130102"),
            level: Level::County,
            kind: DepartmentKind::DataAuthority,
            principal: None,
            upper_authority: Some(code("130100-data-authority")),
            by: reviewer(city_authority()),
            at: bj(2026, 1, 5, 10, 0),
        }),
        "DepartmentRegistered",
    );
}

#[test]
fn golden_catalog_entry_submitted() {
    check(
        "catalog_entry_submitted",
        CatalogEvent::CatalogEntrySubmitted(CatalogEntrySubmitted {
            version: 2,
            share_attribute: population_metadata().share_attribute,
            authority: province_authority(),
            change: Some(1),
            by: clerk(province_public_security()),
            at: bj(2026, 10, 9, 10, 0),
        }),
        "CatalogEntrySubmitted",
    );
}

#[test]
fn golden_catalog_deadline_set() {
    check(
        "catalog_deadline_set",
        CatalogEvent::DeadlineSet(DeadlineSet {
            id: DeadlineId::new(DeadlineRule::CatalogUpdate, 1),
            obligation: Obligation {
                what: DeadlineRule::CatalogUpdate,
                owed_by: code("130000-public-security"),
            },
            from: bj(2026, 9, 28, 0, 0),
            from_date: date(2026, 9, 28),
            working_days: 10,
            due_date: date(2026, 10, 16),
            due_at: end_of(2026, 10, 16),
            rule_set: RuleSetRef {
                id: "hebei-2022".to_owned(),
                version: 1,
            },
            provisional: false,
        }),
        "DeadlineSet",
    );
}

#[test]
fn golden_catalog_deadline_missed() {
    check(
        "catalog_deadline_missed",
        CatalogEvent::DeadlineMissed(DeadlineMissed {
            id: DeadlineId::new(DeadlineRule::CatalogUpdate, 1),
            owed_by: code("130000-public-security"),
            due_at: end_of(2026, 10, 16),
            marked_at: bj(2026, 10, 17, 0, 5),
        }),
        "DeadlineMissed",
    );
}

#[test]
fn golden_catalog_deadline_reminded() {
    check(
        "catalog_deadline_reminded",
        CatalogEvent::DeadlineReminded(DeadlineReminded {
            id: DeadlineId::new(DeadlineRule::CatalogUpdate, 1),
            what: DeadlineRule::CatalogUpdate,
            owed_by: code("130000-public-security"),
            due_date: date(2026, 10, 16),
            due_at: end_of(2026, 10, 16),
            working_days_before: 5,
            remind_from: end_of(2026, 10, 10),
            reminded_at: bj(2026, 10, 11, 0, 5),
            rule_set: RuleSetRef {
                id: "hebei-2022-reminders".to_owned(),
                version: 1,
            },
        }),
        "DeadlineReminded",
    );
}

#[test]
fn golden_negative_list_entry_listed() {
    check(
        "negative_list_entry_listed",
        NegativeListEvent::EntryListed(EntryListed {
            entry: ListedEntry {
                entry_id: "catalog-130100-civil-affairs-0007".to_owned(),
                code: "130100-MZ-00007".to_owned(),
                name: "困难群众个案调查原始资料".to_owned(),
            },
            legal_basis: LegalBasis {
                kind: BasisKind::Law,
                instrument: "中华人民共和国统计法".to_owned(),
                article: "第三十九条".to_owned(),
            },
            region: region("130100"),
            level: Level::City,
            at: bj(2026, 4, 10, 9, 0),
        }),
        "EntryListed",
    );
}

#[test]
fn golden_published_catalog_version_published() {
    check(
        "published_catalog_version_published",
        PublishedCatalogEvent::CatalogVersionPublished(CatalogVersionPublished {
            authority: province_authority(),
            number: 1,
            published_on: date(2026, 7, 1),
            entries: vec![PublishedEntryRef {
                entry_id: "catalog-130000-public-security-0001".to_owned(),
                code: "130000-GA-00001".to_owned(),
                name: "人口基础信息".to_owned(),
                provider: code("130000-public-security"),
                version: 2,
            }],
            by: leader(province_authority()),
            at: bj(2026, 7, 1, 9, 0),
        }),
        "CatalogVersionPublished",
    );
}

#[test]
fn golden_collection_list_change_applied() {
    check(
        "collection_list_change_applied",
        CollectionListEvent::CollectionChangeApplied(CollectionChangeApplied {
            change: 1,
            add: vec![CollectionItem {
                data_item: "公民身份号码".to_owned(),
                entry_id: "catalog-130000-human-resources-0012".to_owned(),
                entry_version: 1,
            }],
            remove: vec![],
            reason: "参保登记须核验身份".to_owned(),
            overlaps: vec![SharedSource {
                data_item: "公民身份号码".to_owned(),
                provider: code("130000-public-security"),
                entry_id: "catalog-130000-public-security-0001".to_owned(),
            }],
            justifications: vec![DuplicationJustification {
                data_item: "公民身份号码".to_owned(),
                justification: "《社会保险法》第五十八条要求参保登记时由本部门采集核验".to_owned(),
            }],
            by: clerk(province_hrss()),
            at: bj(2026, 5, 7, 9, 0),
        }),
        "CollectionChangeApplied",
    );
}
