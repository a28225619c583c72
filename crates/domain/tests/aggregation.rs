//! 第十六至十八条: aggregation of shareable entries — physical (full, real-time; last sync) or logical
//! (interface endpoint); base data physical only.

mod common;

use common::*;
use cqrs_es::test::TestFramework;
use govshare_domain::catalog::{
    AggregationMethod, AggregationRegistered, AggregationSynced, CatalogCommand, CatalogEntry,
    CatalogEvent, DraftCatalogEntry, RecordNegativeListing, RecordSync, RegisterAggregation,
    ShareAttribute, SubmitCatalogEntry,
};
use govshare_domain::{CategoryClass, DomainError};

fn physical() -> AggregationMethod {
    AggregationMethod::Physical {
        full: true,
        real_time: true,
    }
}

fn register(method: AggregationMethod) -> govshare_domain::CommandEnvelope<CatalogCommand> {
    cmd(
        clerk(province_public_security()),
        bj(2026, 3, 5, 9, 0),
        CatalogCommand::RegisterAggregation(RegisterAggregation { method }),
    )
}

/// 第十六、十七条: a published shareable entry is registered for physical aggregation; the event records the
/// share attribute and category class seen.
#[test]
fn art16_art17_physical_aggregation_registered() {
    TestFramework::<CatalogEntry>::with(services())
        .given(published_population_history())
        .when(register(physical()))
        .then_expect_events(vec![CatalogEvent::AggregationRegistered(
            AggregationRegistered {
                method: physical(),
                previous: None,
                share_attribute: population_metadata().share_attribute,
                category_class: Some(CategoryClass::Base),
                by: clerk(province_public_security()),
                at: bj(2026, 3, 5, 9, 0),
            },
        )]);
}

/// 第十七条: physical aggregation is full and real-time.
#[test]
fn art17_partial_physical_aggregation_is_refused() {
    let err = when::<CatalogEntry>(
        services(),
        published_population_history(),
        register(AggregationMethod::Physical {
            full: true,
            real_time: false,
        }),
    )
    .unwrap_err();
    assert!(matches!(
        err,
        DomainError::Validation {
            field: "method",
            ..
        }
    ));
}

/// 第十八条: base data must be physical.
#[test]
fn art18_base_data_logical_access_is_refused() {
    let err = when::<CatalogEntry>(
        services(),
        published_population_history(),
        register(AggregationMethod::Logical {
            endpoint: "https://api.example.invalid/population".to_owned(),
        }),
    )
    .unwrap_err();
    assert!(matches!(
        err,
        DomainError::Validation {
            field: "method",
            ..
        }
    ));
}

fn published_social_security() -> Vec<CatalogEvent> {
    history::<CatalogEntry>(
        services,
        vec![
            cmd(
                clerk(province_hrss()),
                bj(2026, 3, 2, 9, 0),
                CatalogCommand::DraftCatalogEntry(DraftCatalogEntry {
                    metadata: social_security_metadata(),
                }),
            ),
            cmd(
                clerk(province_hrss()),
                bj(2026, 3, 2, 10, 0),
                CatalogCommand::SubmitCatalogEntry(SubmitCatalogEntry {
                    authority: province_authority(),
                }),
            ),
            cmd(
                reviewer(province_authority()),
                bj(2026, 3, 3, 9, 0),
                CatalogCommand::ApproveCatalogEntry(Default::default()),
            ),
        ],
    )
}

/// 第十七、十八条: thematic data may be aggregated by logical access (an interface endpoint); one is required.
#[test]
fn art18_thematic_data_logical_access_with_endpoint() {
    let endpoint = AggregationMethod::Logical {
        endpoint: "https://dsj.hebei.example.invalid/api/shebao/v1".to_owned(),
    };
    let ok = when::<CatalogEntry>(
        services(),
        published_social_security(),
        cmd(
            clerk(province_hrss()),
            bj(2026, 3, 5, 9, 0),
            CatalogCommand::RegisterAggregation(RegisterAggregation { method: endpoint }),
        ),
    )
    .unwrap();
    assert!(
        matches!(&ok[0], CatalogEvent::AggregationRegistered(a) if a.share_attribute == ShareAttribute::Unconditional)
    );
    let err = when::<CatalogEntry>(
        services(),
        published_social_security(),
        cmd(
            clerk(province_hrss()),
            bj(2026, 3, 5, 9, 0),
            CatalogCommand::RegisterAggregation(RegisterAggregation {
                method: AggregationMethod::Logical {
                    endpoint: String::new(),
                },
            }),
        ),
    )
    .unwrap_err();
    assert!(matches!(
        err,
        DomainError::Validation {
            field: "method",
            ..
        }
    ));
}

/// 第十六条: only shareable data is aggregated; an unpublished or not-shared entry is refused.
#[test]
fn art16_unpublished_or_not_shared_entry_is_not_aggregated() {
    let draft_only = history::<CatalogEntry>(services, published_population_entry()[..1].to_vec());
    let err = when::<CatalogEntry>(services(), draft_only, register(physical())).unwrap_err();
    assert!(matches!(err, DomainError::InvalidState { .. }));

    let mut listed = published_population_history();
    listed.extend(history_on::<CatalogEntry>(
        &listed,
        vec![cmd(
            reviewer(province_authority()),
            bj(2026, 3, 4, 9, 0),
            CatalogCommand::RecordNegativeListing(RecordNegativeListing {
                listing_id: "negative-listing-2026-001".to_owned(),
                legal_basis: "《中华人民共和国居民身份证法》第六条".to_owned(),
                approved_by_government: code("130000-government"),
                listed_at: bj(2026, 3, 3, 16, 0),
            }),
        )],
    ));
    let err = when::<CatalogEntry>(services(), listed, register(physical())).unwrap_err();
    assert!(matches!(
        err,
        DomainError::Validation {
            field: "share_attribute",
            ..
        }
    ));
}

/// 第十七、三十七条: the last sync time of a physical aggregation is recorded by the provider or its
/// commissioned third party; it never goes backwards or into the future.
#[test]
fn art17_sync_time_recorded_by_provider_or_contractor() {
    let mut given = published_population_history();
    given.extend(history_on::<CatalogEntry>(
        &given,
        vec![register(physical())],
    ));
    TestFramework::<CatalogEntry>::with(services())
        .given(given.clone())
        .when(cmd(
            clerk(contractor_of_public_security()),
            bj(2026, 3, 6, 2, 0),
            CatalogCommand::RecordSync(RecordSync {
                synced_at: bj(2026, 3, 6, 1, 58),
            }),
        ))
        .then_expect_events(vec![CatalogEvent::AggregationSynced(AggregationSynced {
            synced_at: bj(2026, 3, 6, 1, 58),
            by: clerk(contractor_of_public_security()),
            at: bj(2026, 3, 6, 2, 0),
        })]);
    let future = cmd(
        clerk(province_public_security()),
        bj(2026, 3, 6, 2, 0),
        CatalogCommand::RecordSync(RecordSync {
            synced_at: bj(2026, 3, 6, 3, 0),
        }),
    );
    assert!(matches!(
        when::<CatalogEntry>(services(), given.clone(), future).unwrap_err(),
        DomainError::Validation {
            field: "synced_at",
            ..
        }
    ));
    given.extend(history_on::<CatalogEntry>(
        &given,
        vec![cmd(
            clerk(province_public_security()),
            bj(2026, 3, 6, 2, 0),
            CatalogCommand::RecordSync(RecordSync {
                synced_at: bj(2026, 3, 6, 2, 0),
            }),
        )],
    ));
    let backwards = cmd(
        clerk(province_public_security()),
        bj(2026, 3, 6, 3, 0),
        CatalogCommand::RecordSync(RecordSync {
            synced_at: bj(2026, 3, 6, 1, 0),
        }),
    );
    assert!(matches!(
        when::<CatalogEntry>(services(), given, backwards).unwrap_err(),
        DomainError::Validation {
            field: "synced_at",
            ..
        }
    ));
}

/// 第十七条: sync is recorded only for physical aggregation.
#[test]
fn art17_sync_needs_physical_aggregation() {
    let err = when::<CatalogEntry>(
        services(),
        published_population_history(),
        cmd(
            clerk(province_public_security()),
            bj(2026, 3, 6, 2, 0),
            CatalogCommand::RecordSync(RecordSync {
                synced_at: bj(2026, 3, 6, 1, 0),
            }),
        ),
    )
    .unwrap_err();
    assert!(matches!(err, DomainError::InvalidState { .. }));
}
