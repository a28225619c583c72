//! 第十条: an authority publishes its level's catalog as a numbered, dated version.

mod common;

use common::*;
use cqrs_es::test::TestFramework;
use govshare_domain::published_catalog::{
    CatalogVersionPublished, PublishCatalogVersion, PublishedCatalog, PublishedCatalogCommand,
    PublishedCatalogEvent, PublishedEntryRef,
};
use govshare_domain::{CommandEnvelope, DomainError};

fn entries() -> Vec<PublishedEntryRef> {
    vec![
        PublishedEntryRef {
            entry_id: "catalog-130000-public-security-0001".to_owned(),
            code: "130000-GA-00001".to_owned(),
            name: "人口基础信息".to_owned(),
            provider: code("130000-public-security"),
            version: 2,
        },
        PublishedEntryRef {
            entry_id: "catalog-130000-human-resources-0012".to_owned(),
            code: "130000-RS-00012".to_owned(),
            name: "社会保险参保信息".to_owned(),
            provider: code("130000-human-resources"),
            version: 1,
        },
    ]
}

fn publish(
    number: u32,
    at: chrono::DateTime<chrono::Utc>,
) -> CommandEnvelope<PublishedCatalogCommand> {
    cmd(
        leader(province_authority()),
        at,
        PublishedCatalogCommand::PublishCatalogVersion(PublishCatalogVersion {
            number,
            entries: entries(),
        }),
    )
}

/// 第十条: version 1 of the provincial catalog, dated with the Beijing date of publication (00:30 Beijing
/// time on 1 July is still 30 June in UTC).
#[test]
fn art10_numbered_dated_version_published() {
    TestFramework::<PublishedCatalog>::with(services())
        .given_no_previous_events()
        .when(publish(1, bj(2026, 7, 1, 0, 30)))
        .then_expect_events(vec![PublishedCatalogEvent::CatalogVersionPublished(
            CatalogVersionPublished {
                authority: province_authority(),
                number: 1,
                published_on: date(2026, 7, 1),
                entries: entries(),
                by: leader(province_authority()),
                at: bj(2026, 7, 1, 0, 30),
            },
        )]);
}

/// 第十条: numbers follow on without gaps or repeats.
#[test]
fn art10_version_numbers_follow_on() {
    let given = history::<PublishedCatalog>(services, vec![publish(1, bj(2026, 7, 1, 9, 0))]);
    assert!(matches!(
        when::<PublishedCatalog>(services(), given.clone(), publish(1, bj(2026, 10, 1, 9, 0)))
            .unwrap_err(),
        DomainError::Validation {
            field: "number",
            ..
        }
    ));
    assert!(matches!(
        when::<PublishedCatalog>(services(), given.clone(), publish(3, bj(2026, 10, 1, 9, 0)))
            .unwrap_err(),
        DomainError::Validation {
            field: "number",
            ..
        }
    ));
    assert!(when::<PublishedCatalog>(services(), given, publish(2, bj(2026, 10, 1, 9, 0))).is_ok());
}

/// 第十条: a version names its entries, each once, each with an approved version.
#[test]
fn art10_version_names_each_entry_once() {
    let mut twice = entries();
    twice.push(twice[0].clone());
    let command = cmd(
        leader(province_authority()),
        bj(2026, 7, 1, 9, 0),
        PublishedCatalogCommand::PublishCatalogVersion(PublishCatalogVersion {
            number: 1,
            entries: twice,
        }),
    );
    assert!(matches!(
        when::<PublishedCatalog>(services(), vec![], command).unwrap_err(),
        DomainError::Validation {
            field: "entries",
            ..
        }
    ));
    let empty = cmd(
        leader(province_authority()),
        bj(2026, 7, 1, 9, 0),
        PublishedCatalogCommand::PublishCatalogVersion(PublishCatalogVersion {
            number: 1,
            entries: vec![],
        }),
    );
    assert!(matches!(
        when::<PublishedCatalog>(services(), vec![], empty).unwrap_err(),
        DomainError::Validation {
            field: "entries",
            ..
        }
    ));
}

/// 第十条: city and county authorities compile and publish their own level's catalog.
#[test]
fn art10_city_authority_publishes_its_level() {
    let command = cmd(
        reviewer(city_authority()),
        bj(2026, 7, 1, 9, 0),
        PublishedCatalogCommand::PublishCatalogVersion(PublishCatalogVersion {
            number: 1,
            entries: entries(),
        }),
    );
    let events = when::<PublishedCatalog>(services(), vec![], command).unwrap();
    assert!(
        matches!(&events[0], PublishedCatalogEvent::CatalogVersionPublished(e) if e.authority == city_authority())
    );
}
