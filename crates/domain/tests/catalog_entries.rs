//! 第九、十、十二条 and 第二、十五条: catalog entries, their metadata and lifecycle.

mod common;

use common::*;
use cqrs_es::test::TestFramework;
use govshare_domain::catalog::{
    CatalogCommand, CatalogEntry, CatalogEntryApproved, CatalogEntryDrafted, CatalogEvent,
    DraftCatalogEntry, RecordDelisting, RecordNegativeListing, ReturnCatalogEntry,
    ReviseCatalogEntry, ShareAttribute, SubmitCatalogEntry,
};
use govshare_domain::{CategoryClass, CommandEnvelope, DomainError, Rule};

fn draft(
    metadata: govshare_domain::catalog::CatalogMetadata,
) -> govshare_domain::CommandEnvelope<CatalogCommand> {
    cmd(
        clerk(province_public_security()),
        bj(2026, 3, 2, 9, 0),
        CatalogCommand::DraftCatalogEntry(DraftCatalogEntry { metadata }),
    )
}

/// 第九条: a drafted entry records its provider (as the engine saw it), its metadata and the category class
/// configured for it (第十二条).
#[test]
fn art9_draft_records_provider_metadata_and_category_class() {
    TestFramework::<CatalogEntry>::with(services())
        .given_no_previous_events()
        .when(draft(population_metadata()))
        .then_expect_events(vec![CatalogEvent::CatalogEntryDrafted(
            CatalogEntryDrafted {
                provider: province_public_security(),
                metadata: population_metadata(),
                category_class: Some(CategoryClass::Base),
                by: clerk(province_public_security()),
                at: bj(2026, 3, 2, 9, 0),
            },
        )]);
}

/// 第九条: content, items, and the other required metadata must be stated.
#[test]
fn art9_required_metadata_is_refused_when_missing() {
    let mut no_items = population_metadata();
    no_items.items.clear();
    let err = when::<CatalogEntry>(services(), vec![], draft(no_items)).unwrap_err();
    assert!(matches!(
        err,
        DomainError::Validation { field: "items", .. }
    ));

    let mut no_summary = population_metadata();
    no_summary.summary = String::new();
    let err = when::<CatalogEntry>(services(), vec![], draft(no_summary)).unwrap_err();
    assert!(matches!(
        err,
        DomainError::Validation {
            field: "summary",
            ..
        }
    ));

    let mut vague = population_metadata();
    vague.share_attribute = ShareAttribute::Conditional {
        conditions: "  ".to_owned(),
    };
    let err = when::<CatalogEntry>(services(), vec![], draft(vague)).unwrap_err();
    assert!(matches!(
        err,
        DomainError::Validation {
            field: "share_attribute",
            ..
        }
    ));

    let mut twice = population_metadata();
    twice.items.push(twice.items[0].clone());
    let err = when::<CatalogEntry>(services(), vec![], draft(twice)).unwrap_err();
    assert!(matches!(
        err,
        DomainError::Validation { field: "items", .. }
    ));
}

/// 第二条: data involving state secrets is not catalogued here.
#[test]
fn art2_state_secret_data_is_refused() {
    let mut secret = population_metadata();
    secret.involves_state_secret = true;
    TestFramework::<CatalogEntry>::with(services())
        .given_no_previous_events()
        .when(draft(secret))
        .then_expect_error(DomainError::StateSecret);
}

/// 第十二条: base data (人口) is compiled by its assigned department only; an unassigned department is
/// refused by AUTH-11.
#[test]
fn art12_base_category_compiled_by_assigned_department_only() {
    let command = cmd(
        clerk(province_market()),
        bj(2026, 3, 2, 9, 0),
        CatalogCommand::DraftCatalogEntry(DraftCatalogEntry {
            metadata: population_metadata(),
        }),
    );
    let err = when::<CatalogEntry>(services(), vec![], command).unwrap_err();
    assert!(matches!(err, DomainError::Forbidden(f) if f.rule == Rule::CategoryOwner));
}

/// 第十二条: the assignment is configuration: the city public security bureau is assigned 人口 too.
#[test]
fn art12_assignment_is_configuration() {
    let command = cmd(
        clerk(city_public_security()),
        bj(2026, 3, 2, 9, 0),
        CatalogCommand::DraftCatalogEntry(DraftCatalogEntry {
            metadata: population_metadata(),
        }),
    );
    assert!(when::<CatalogEntry>(services(), vec![], command).is_ok());
}

/// 第十二条: a category that is not configured is refused.
#[test]
fn art12_unconfigured_category_is_refused() {
    let mut metadata = population_metadata();
    metadata.category = Some("城市燃气".to_owned());
    let err = when::<CatalogEntry>(services(), vec![], draft(metadata)).unwrap_err();
    assert!(matches!(
        err,
        DomainError::Validation {
            field: "category",
            ..
        }
    ));
}

/// 第十八条: base data is declared for physical aggregation.
#[test]
fn art18_base_data_declared_logical_is_refused() {
    let mut metadata = population_metadata();
    metadata.aggregation_mode = govshare_domain::catalog::AggregationMode::Logical;
    let err = when::<CatalogEntry>(services(), vec![], draft(metadata)).unwrap_err();
    assert!(matches!(
        err,
        DomainError::Validation {
            field: "aggregation_mode",
            ..
        }
    ));
}

/// 第十五条: an entry cannot be 不予共享 until it is listed on the negative list.
#[test]
fn art15_not_shared_refused_until_listed() {
    let mut metadata = population_metadata();
    metadata.share_attribute = ShareAttribute::NotShared;
    let err = when::<CatalogEntry>(services(), vec![], draft(metadata.clone())).unwrap_err();
    assert!(matches!(
        err,
        DomainError::Validation {
            field: "share_attribute",
            ..
        }
    ));

    // Once listed, the entry is 不予共享 at once and may be revised as such.
    let mut given = published_population_history();
    given.extend(history_on::<CatalogEntry>(
        &given,
        vec![cmd(
            reviewer(province_authority()),
            bj(2026, 6, 1, 9, 0),
            CatalogCommand::RecordNegativeListing(RecordNegativeListing {
                listing_id: "negative-listing-2026-001".to_owned(),
                legal_basis: "《中华人民共和国居民身份证法》第六条".to_owned(),
                approved_by_government: code("130000-government"),
                listed_at: bj(2026, 5, 29, 16, 0),
            }),
        )],
    ));
    let revise = cmd(
        clerk(province_public_security()),
        bj(2026, 6, 2, 9, 0),
        CatalogCommand::ReviseCatalogEntry(ReviseCatalogEntry {
            metadata: metadata.clone(),
        }),
    );
    assert!(when::<CatalogEntry>(services(), given.clone(), revise.clone()).is_ok());

    // After delisting, 不予共享 is refused again.
    given.extend(history_on::<CatalogEntry>(
        &given,
        vec![cmd(
            reviewer(province_authority()),
            bj(2026, 9, 1, 9, 0),
            CatalogCommand::RecordDelisting(RecordDelisting {
                listing_id: "negative-listing-2026-001".to_owned(),
                delisted_at: bj(2026, 8, 31, 9, 0),
            }),
        )],
    ));
    let revise = CommandEnvelope {
        at: bj(2026, 9, 2, 9, 0),
        ..revise
    };
    let err = when::<CatalogEntry>(services(), given, revise).unwrap_err();
    assert!(matches!(
        err,
        DomainError::Validation {
            field: "share_attribute",
            ..
        }
    ));
}

/// 第十、十一条: approval publishes the version with its Beijing publication date.
#[test]
fn art10_approval_publishes_version_one() {
    let given = history::<CatalogEntry>(services, published_population_entry()[..2].to_vec());
    TestFramework::<CatalogEntry>::with(services())
        .given(given)
        .when(cmd(
            reviewer(province_authority()),
            bj(2026, 3, 2, 23, 30),
            CatalogCommand::ApproveCatalogEntry(Default::default()),
        ))
        .then_expect_events(vec![CatalogEvent::CatalogEntryApproved(
            CatalogEntryApproved {
                version: 1,
                published_on: date(2026, 3, 2),
                by: reviewer(province_authority()),
                at: bj(2026, 3, 2, 23, 30),
            },
        )]);
}

/// 第十一条: submission goes to the provider's same-level authority; another authority is refused.
#[test]
fn art11_submission_to_wrong_authority_is_refused() {
    let given = history::<CatalogEntry>(services, published_population_entry()[..1].to_vec());
    let err = when::<CatalogEntry>(
        services(),
        given,
        cmd(
            clerk(province_public_security()),
            bj(2026, 3, 2, 10, 0),
            CatalogCommand::SubmitCatalogEntry(SubmitCatalogEntry {
                authority: city_authority(),
            }),
        ),
    )
    .unwrap_err();
    assert!(matches!(
        err,
        DomainError::Validation {
            field: "authority",
            ..
        }
    ));
}

/// 第九、十一条: lifecycle — draft → submitted → returned → revised → submitted → approved; a submitted
/// entry cannot be revised or submitted twice; a first submission opens no review deadline by default.
#[test]
fn art9_art11_lifecycle_return_revise_resubmit() {
    let submit = || {
        cmd(
            clerk(province_public_security()),
            bj(2026, 3, 3, 10, 0),
            CatalogCommand::SubmitCatalogEntry(SubmitCatalogEntry {
                authority: province_authority(),
            }),
        )
    };
    let given = history::<CatalogEntry>(services, published_population_entry()[..2].to_vec());
    assert_eq!(
        given.len(),
        2,
        "a first submission opens no review deadline by default"
    );
    let err = when::<CatalogEntry>(services(), given.clone(), submit()).unwrap_err();
    assert!(matches!(err, DomainError::InvalidState { .. }));
    let err = when::<CatalogEntry>(
        services(),
        given.clone(),
        cmd(
            clerk(province_public_security()),
            bj(2026, 3, 3, 10, 0),
            CatalogCommand::ReviseCatalogEntry(ReviseCatalogEntry {
                metadata: population_metadata(),
            }),
        ),
    )
    .unwrap_err();
    assert!(matches!(err, DomainError::InvalidState { .. }));

    let mut all = given;
    all.extend(history_on::<CatalogEntry>(
        &all,
        vec![
            cmd(
                reviewer(province_authority()),
                bj(2026, 3, 2, 15, 0),
                CatalogCommand::ReturnCatalogEntry(ReturnCatalogEntry {
                    reasons: "摘要不完整".to_owned(),
                }),
            ),
            cmd(
                clerk(province_public_security()),
                bj(2026, 3, 3, 9, 0),
                CatalogCommand::ReviseCatalogEntry(ReviseCatalogEntry {
                    metadata: population_metadata(),
                }),
            ),
            submit(),
            cmd(
                reviewer(province_authority()),
                bj(2026, 3, 4, 9, 0),
                CatalogCommand::ApproveCatalogEntry(Default::default()),
            ),
        ],
    ));
    let approved = all
        .iter()
        .filter(|e| matches!(e, CatalogEvent::CatalogEntryApproved(a) if a.version == 1))
        .count();
    assert_eq!(approved, 1);
}

/// 第十一条 option: a rule set may apply the review deadline to first submissions too.
#[test]
fn art11_review_deadline_for_new_entries_is_an_option() {
    let mut rules = govshare_domain::RuleSet::hebei_2022();
    rules.options.review_deadline_for_new_entries = true;
    let given = history::<CatalogEntry>(services, published_population_entry()[..1].to_vec());
    let events = when::<CatalogEntry>(
        services_with(rules),
        given,
        published_population_entry()[1].clone(),
    )
    .unwrap();
    assert!(matches!(&events[1], CatalogEvent::DeadlineSet(s) if s.due_date == date(2026, 3, 16)));
}
